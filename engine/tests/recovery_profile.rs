//! Device profile loading: YAML in, a validated profile or diagnostics with file:line:col out.

use engine::SourceFile;
use engine::recovery::profile::{Cloud, IdentityProviderKind, JoinType, TrustModel};
use engine::recovery::{DeviceProfile, load_device_profile};
use rstest::rstest;

fn load(text: &str) -> Result<DeviceProfile, String> {
    load_device_profile(&SourceFile::new("device.yaml", text)).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| format!("{d} [{}] hint: {}", d.code, d.hint.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn a_full_profile_loads() {
    let profile = load(
        "join: entra_joined\ntrust: cloud_kerberos\nidentity_provider: {kind: adfs, domains: [sts.contoso.com]}\n\
         cloud: us_government\npin_reset:\n  nondestructive: true\n  web_sign_in_allowed_urls: [login.microsoftonline.us]\n\
         biometrics: [fingerprint]\nphones: [{name: ana-phone}]\nsecurity_keys: [{name: key}]\n\
         network: {corporate: false}\nuser:\n  password_known: false\n  mfa: [{phone: ana-phone}, {security_key: key}, other]\n",
    )
    .unwrap();
    assert_eq!(profile.join, JoinType::EntraJoined);
    assert_eq!(profile.trust, TrustModel::CloudKerberos);
    assert_eq!(profile.identity_provider.kind, IdentityProviderKind::Adfs);
    assert_eq!(profile.cloud, Cloud::UsGovernment);
    assert!(profile.pin_reset.nondestructive);
    assert!(!profile.network.corporate && profile.network.domain_controllers);
    assert!(!profile.user.password_known);
    let mfa: Vec<_> = profile.user.mfa.iter().map(|m| m.describe()).collect();
    assert_eq!(mfa, ["phone:ana-phone", "security_key:key", "other"]);
}

#[rstest]
#[case::unknown_key(
    "join: entra_joined\ntrust: key_trust\nphonez: []\n",
    "error: device.yaml:3:1: unknown key `phonez` [yaml::unknown-key] hint: did you mean `phones`?"
)]
#[case::bad_join(
    "join: entra_join\ntrust: key_trust\n",
    "error: device.yaml:1:7: unknown value `entra_join` [yaml::unknown-value] hint: did you mean `entra_joined`?"
)]
#[case::missing_trust(
    "join: entra_joined\n",
    "error: device.yaml:1:1: missing key `trust` [yaml::missing-key] hint: see tests/fixtures/lockout/ for commented device profiles"
)]
#[case::not_yaml(
    "join: [\n",
    "error: device.yaml:1:7: externally tagged enum expected scalar or mapping [yaml::invalid] hint: see tests/fixtures/lockout/ for commented device profiles"
)]
#[case::duplicate_phone(
    "join: entra_joined\ntrust: key_trust\nphones: [{name: a}, {name: a}]\n",
    "error: device.yaml:3:28: the name `a` is used twice [profile::duplicate-name] hint: phones and security keys need distinct names: failures refer to them"
)]
#[case::unknown_mfa_phone(
    "join: entra_joined\ntrust: key_trust\nuser: {mfa: [{phone: b}]}\n",
    "error: device.yaml:3:22: `b` is not listed under `phones` [profile::unknown-reference] hint: add it to `phones` or fix the name"
)]
#[case::federated_without_domains(
    "join: entra_joined\ntrust: key_trust\nidentity_provider: {kind: federated}\n",
    "error: device.yaml:1:1: a federated identity provider needs the domains of its sign-in pages [profile::federated-without-domains] hint: add `domains: [sts.example.com]` under `identity_provider`: web sign-in must be allowed to open them during PIN reset"
)]
#[case::empty_name(
    "join: entra_joined\ntrust: key_trust\nsecurity_keys: [{name: ''}]\n",
    "error: device.yaml:3:24: a security key name must have 1 to 256 characters, not 0 [profile::bad-string] hint: write a short, non-empty name"
)]
#[case::duplicate_biometric(
    "join: entra_joined\ntrust: key_trust\nbiometrics: [fingerprint, fingerprint]\n",
    "error: device.yaml:3:27: `fingerprint` is listed twice [profile::duplicate-biometric] hint: list each enrolled biometric once"
)]
fn bad_profiles_are_diagnosed(#[case] text: &str, #[case] expected: &str) {
    let got = load(text).unwrap_err();
    assert_eq!(got, expected);
}

#[test]
fn an_oversized_profile_is_refused_without_parsing() {
    let text = format!("join: entra_joined\ntrust: key_trust\n#{}\n", "x".repeat(70_000));
    let got = load(&text).unwrap_err();
    assert!(got.starts_with("error: device.yaml:1:1: the device profile is 70038 bytes"), "{got}");
}

#[test]
fn diagnostics_render_with_a_snippet() {
    let source =
        SourceFile::new("device.yaml", "join: entra_joined\ntrust: key_trust\nphonez: []\n");
    let diagnostics = load_device_profile(&source).unwrap_err();
    insta::assert_snapshot!(diagnostics[0].render(), @r#"
        yaml::unknown-key

          × unknown key `phonez`
           ╭─[device.yaml:3:1]
         2 │ trust: key_trust
         3 │ phonez: []
           · ─
           ╰────
          help: did you mean `phones`?
    "#);
}

proptest::proptest! {
    #[test]
    fn the_loader_never_panics(text in "\\PC{0,200}") {
        let _ = load_device_profile(&SourceFile::new("fuzz.yaml", text));
    }

    #[test]
    fn the_loader_never_panics_on_yamlish_text(text in "[a-z_:{}\\[\\], \n'-]{0,200}") {
        let _ = load_device_profile(&SourceFile::new("fuzz.yaml", text));
    }
}
