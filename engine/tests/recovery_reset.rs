//! PIN reset, one table row per statement of seed 000 (`docs/model.md`) with the requirement present
//! and missing: profile and conditions in, reset kind or blocking reasons out.

use engine::SourceFile;
use engine::recovery::profile::host_of;
use engine::recovery::{
    CanReset, DeviceProfile, ResetConditions, ResetEntry, attempt_pin_reset, can_reset,
    dsregcmd_can_reset_line, load_device_profile,
};
use rstest::rstest;

fn profile(yaml: &str) -> DeviceProfile {
    load_device_profile(&SourceFile::new("device.yaml", yaml)).expect("test profile is valid")
}

/// Everything reachable, password known, an MFA method, signed in unless the case says not.
fn good() -> ResetConditions {
    ResetConditions {
        signed_in: true,
        internet_reachable: true,
        domain_controllers_reachable: true,
        federation_services_reachable: true,
        password_known: true,
        mfa_method: Some("other".to_owned()),
    }
}

/// `ok <kind> <costs>` or `blocked <codes>`.
fn verdict(yaml: &str, change: fn(&mut ResetConditions), entry: ResetEntry) -> String {
    let mut conditions = good();
    change(&mut conditions);
    match attempt_pin_reset(&profile(yaml), &conditions, entry) {
        Ok(success) => {
            let costs: Vec<_> = success.costs.iter().map(|c| c.name()).collect();
            format!("ok {} [{}]", success.kind.name(), costs.join(","))
        }
        Err(blocks) => {
            let codes: Vec<_> = blocks.iter().map(|b| b.code()).collect();
            format!("blocked {}", codes.join(","))
        }
    }
}

const AAD: &str = "join: entra_joined\ntrust: cloud_kerberos\n";
const AAD_ND: &str =
    "join: entra_joined\ntrust: cloud_kerberos\npin_reset: {nondestructive: true}\n";
const HYBRID_CK: &str = "join: entra_hybrid_joined\ntrust: cloud_kerberos\n";
const HYBRID_CK_ND: &str =
    "join: entra_hybrid_joined\ntrust: cloud_kerberos\npin_reset: {nondestructive: true}\n";
const HYBRID_CERT: &str = "join: entra_hybrid_joined\ntrust: certificate_trust\nidentity_provider: {kind: adfs, domains: [sts.contoso.com]}\n";
const HYBRID_KEY: &str = "join: entra_hybrid_joined\ntrust: key_trust\n";
const HYBRID_KEY_ND: &str =
    "join: entra_hybrid_joined\ntrust: key_trust\npin_reset: {nondestructive: true}\n";
const AAD_ADFS: &str = "join: entra_joined\ntrust: cloud_kerberos\nidentity_provider: {kind: adfs, domains: [sts.contoso.com]}\n";
const AAD_ADFS_ALLOWED: &str = "join: entra_joined\ntrust: cloud_kerberos\nidentity_provider: {kind: adfs, domains: [sts.contoso.com]}\npin_reset: {web_sign_in_allowed_urls: ['https://STS.contoso.com/adfs']}\n";
const AAD_OTHER_IDP: &str = "join: entra_joined\ntrust: cloud_kerberos\nidentity_provider: {kind: federated, domains: [idp.okta.example, login.okta.example]}\npin_reset: {web_sign_in_allowed_urls: [idp.okta.example]}\n";
const AAD_GOV: &str = "join: entra_joined\ntrust: cloud_kerberos\ncloud: us_government\n";
const AAD_GOV_ALLOWED: &str = "join: entra_joined\ntrust: cloud_kerberos\ncloud: us_government\npin_reset: {web_sign_in_allowed_urls: [login.microsoftonline.us]}\n";
const HYBRID_GOV: &str = "join: entra_hybrid_joined\ntrust: cloud_kerberos\ncloud: us_government\n";
const SSPR: &str = "join: entra_joined\ntrust: cloud_kerberos\npin_reset: {nondestructive: true, sspr_lock_screen_limitations: [custom shell]}\n";

fn same(_: &mut ResetConditions) {}
fn signed_out(c: &mut ResetConditions) {
    c.signed_in = false;
}
fn no_dc(c: &mut ResetConditions) {
    c.signed_in = false;
    c.domain_controllers_reachable = false;
}
fn no_fs(c: &mut ResetConditions) {
    c.signed_in = false;
    c.federation_services_reachable = false;
}
fn no_internet(c: &mut ResetConditions) {
    c.internet_reachable = false;
}
fn no_password(c: &mut ResetConditions) {
    c.password_known = false;
}
fn no_mfa(c: &mut ResetConditions) {
    c.mfa_method = None;
}

#[rstest]
// "If users have forgotten their PINs, but have an alternate sign-in method, they can navigate
// to Sign-in options in Settings" / "PIN reset from Settings only works post sign in".
#[case::settings_signed_in(
    AAD,
    same,
    ResetEntry::Settings,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::settings_signed_out(AAD, signed_out, ResetEntry::Settings, "blocked not_signed_in")]
// "PIN reset can also be initiated from the Windows lock screen" (no sign-in needed).
#[case::lock_screen_signed_out(AAD_ND, signed_out, ResetEntry::LockScreen, "ok nondestructive []")]
// "Users must authenticate and complete multifactor authentication to reset their PIN."
#[case::no_password(AAD_ND, no_password, ResetEntry::LockScreen, "blocked password_unknown")]
#[case::no_mfa(AAD_ND, no_mfa, ResetEntry::LockScreen, "blocked no_mfa_method")]
#[case::no_entra(AAD_ND, no_internet, ResetEntry::Settings, "blocked no_internet")]
// Destructive reset needs re-enrolment; nondestructive reset keeps the keys.
#[case::destructive_costs(
    HYBRID_CK,
    same,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::nondestructive_keeps_keys(
    HYBRID_CK_ND,
    same,
    ResetEntry::LockScreen,
    "ok nondestructive []"
)]
// "For Microsoft Entra hybrid joined devices, users must have corporate network connectivity
// to domain controllers to complete destructive PIN reset."
#[case::hybrid_destructive_dc(
    HYBRID_CK,
    same,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::hybrid_destructive_no_dc(
    HYBRID_CK,
    no_dc,
    ResetEntry::LockScreen,
    "blocked domain_controllers_unreachable"
)]
#[case::hybrid_nondestructive_no_dc(
    HYBRID_CK_ND,
    no_dc,
    ResetEntry::LockScreen,
    "ok nondestructive []"
)]
#[case::entra_joined_no_dc(
    AAD,
    no_dc,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
// "If AD FS is being used for certificate trust ... connectivity to federation services."
#[case::hybrid_cert_fs(
    HYBRID_CERT,
    same,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::hybrid_cert_no_fs(
    HYBRID_CERT,
    no_fs,
    ResetEntry::LockScreen,
    "blocked federation_services_unreachable"
)]
#[case::hybrid_cloud_kerberos_no_fs(
    HYBRID_CK,
    no_fs,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
// "Key trust on Microsoft Entra hybrid joined devices doesn't support destructive PIN reset
// from above the Lock Screen ... you must deploy non-destructive PIN reset."
#[case::key_trust_lock_screen(
    HYBRID_KEY,
    signed_out,
    ResetEntry::LockScreen,
    "blocked key_trust_hybrid_lock_screen"
)]
#[case::key_trust_lock_screen_nondestructive(
    HYBRID_KEY_ND,
    signed_out,
    ResetEntry::LockScreen,
    "ok nondestructive []"
)]
#[case::key_trust_settings(
    HYBRID_KEY,
    same,
    ResetEntry::Settings,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
// "Web sign-in only allows navigation to specific domains ... We can't open that page right now"
// and "you must configure your devices with a policy to allow a list of domains".
#[case::adfs_not_allowed(
    AAD_ADFS,
    signed_out,
    ResetEntry::LockScreen,
    "blocked web_sign_in_host_not_allowed"
)]
#[case::adfs_allowed(
    AAD_ADFS_ALLOWED,
    signed_out,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::other_idp_one_domain_missing(
    AAD_OTHER_IDP,
    signed_out,
    ResetEntry::LockScreen,
    "blocked web_sign_in_host_not_allowed"
)]
#[case::web_sign_in_not_used_from_settings(
    AAD_ADFS,
    same,
    ResetEntry::Settings,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::hybrid_does_not_use_web_sign_in(
    HYBRID_CERT,
    signed_out,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
// "For Azure Government ... set login.microsoftonline.us as the value for the
// ConfigureWebSignInAllowedUrls policy."
#[case::gov_not_allowed(
    AAD_GOV,
    signed_out,
    ResetEntry::LockScreen,
    "blocked web_sign_in_host_not_allowed"
)]
#[case::gov_allowed(
    AAD_GOV_ALLOWED,
    signed_out,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
#[case::gov_hybrid_no_web_sign_in(
    HYBRID_GOV,
    signed_out,
    ResetEntry::LockScreen,
    "ok destructive [container_deleted,keys_lost,re_enrolment,biometrics_re_enrolment]"
)]
// "the lock screen PIN reset function doesn't work if you have any matching limitation of
// self-service password reset from the lock screen."
#[case::sspr_limitation_lock_screen(
    SSPR,
    signed_out,
    ResetEntry::LockScreen,
    "blocked sspr_lock_screen_limitation"
)]
#[case::sspr_limitation_settings(SSPR, same, ResetEntry::Settings, "ok nondestructive []")]
#[case::no_sspr_limitation(AAD_ND, signed_out, ResetEntry::LockScreen, "ok nondestructive []")]
// Every blocking reason is reported, not only the first.
#[case::all_reasons(HYBRID_KEY, |c: &mut ResetConditions| { no_dc(c); no_mfa(c); no_password(c) }, ResetEntry::LockScreen,
    "blocked key_trust_hybrid_lock_screen,password_unknown,no_mfa_method,domain_controllers_unreachable")]
fn pin_reset_follows_the_seed(
    #[case] yaml: &str,
    #[case] change: fn(&mut ResetConditions),
    #[case] entry: ResetEntry,
    #[case] expected: &str,
) {
    assert_eq!(verdict(yaml, change, entry), expected);
}

#[rstest]
#[case::destructive_only(AAD, CanReset::DestructiveOnly)]
#[case::both(AAD_ND, CanReset::DestructiveAndNonDestructive)]
#[case::key_trust_without_nondestructive(HYBRID_KEY, CanReset::DestructiveOnly)]
fn dsregcmd_shows_can_reset(#[case] yaml: &str, #[case] expected: CanReset) {
    let profile = profile(yaml);
    assert_eq!(can_reset(&profile), expected);
    assert_eq!(dsregcmd_can_reset_line(&profile).trim(), format!("CanReset : {expected}"));
}

#[test]
fn the_web_sign_in_error_names_the_page_and_the_host() {
    let blocks = attempt_pin_reset(&profile(AAD_GOV), &good(), ResetEntry::LockScreen).unwrap_err();
    insta::assert_snapshot!(blocks[0].to_string(), @r#"
        web sign-in shows "We can't open that page right now": `login.microsoftonline.us` is not in ConfigureWebSignInAllowedUrls
    "#);
}

#[rstest]
#[case("login.microsoftonline.us", "login.microsoftonline.us")]
#[case("https://Login.MicrosoftOnline.us/", "login.microsoftonline.us")]
#[case("https://sts.contoso.com:443/adfs/ls?x=1", "sts.contoso.com")]
#[case("  sts.contoso.com. ", "sts.contoso.com")]
#[case("", "")]
fn allowed_urls_compare_by_host(#[case] entry: &str, #[case] host: &str) {
    assert_eq!(host_of(entry), host);
}
