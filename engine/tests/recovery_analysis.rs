//! Lock-out analysis and the timeline actions: device profile and policy in, one verdict per
//! failure (and pair) out; the forum thread's story and the Azure Government allowed-URL problem
//! as action sequences.

use std::collections::BTreeSet;

use engine::SourceFile;
use engine::policy::{CredentialProvider, FactorGroups, SignInPolicy};
use engine::recovery::profile::Biometric;
use engine::recovery::{
    DeviceProfile, DeviceState, Failure, LockoutPolicy, Outcome, ResetEntry, SignalKind,
    SignalRules, TimelineAction, analyze_case, analyze_lockout, any_locked_out,
    load_device_profile,
};
use rstest::rstest;

const HYBRID_DESK: &str = include_str!("../../tests/fixtures/lockout/hybrid-desk.yaml");
const HYBRID_DESK_ND: &str =
    include_str!("../../tests/fixtures/lockout/hybrid-desk-nondestructive.yaml");
const FORUM_STORY: &str = include_str!("../../tests/fixtures/lockout/forum-story.yaml");
const US_GOVERNMENT: &str = include_str!("../../tests/fixtures/lockout/us-government.yaml");
const US_GOVERNMENT_ALLOWED: &str =
    include_str!("../../tests/fixtures/lockout/us-government-allowed.yaml");

fn profile(yaml: &str) -> DeviceProfile {
    load_device_profile(&SourceFile::new("device.yaml", yaml)).expect("fixture is valid")
}

fn rules(rules: &[&[SignalKind]]) -> SignalRules {
    SignalRules { rules: rules.iter().map(|r| r.iter().copied().collect()).collect() }
}

/// Rules written `a+b,c`: commas separate alternative rules, `+` joins signals of one rule.
fn parse_rules(text: &str) -> SignalRules {
    let kind = |name: &str| match name {
        "bluetooth" => SignalKind::Bluetooth,
        "wifi" => SignalKind::Wifi,
        "ipConfig" => SignalKind::IpConfig,
        other => panic!("test table names an unknown signal type `{other}`"),
    };
    SignalRules {
        rules: text
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|rule| rule.split('+').map(kind).collect())
            .collect(),
    }
}

/// A policy that disables both sign-ins outside Windows Hello (seed 003: passwords and smart
/// cards "could be disabled as needed"), so the verdicts are Windows Hello's alone.
const HELLO_ONLY: SignInPolicy =
    SignInPolicy { password: false, smart_card: false, dont_display_last_user_name: false };

/// The seed's default groups with one phone-proximity rule, Hello only (see [`HELLO_ONLY`]).
fn defaults_bluetooth() -> LockoutPolicy {
    LockoutPolicy {
        groups: FactorGroups::default(),
        signal_rules: rules(&[&[SignalKind::Bluetooth]]),
        sign_in: HELLO_ONLY,
    }
}

/// The same groups on a Windows nobody hardened: the password provider enabled (design 3.5b).
fn defaults_bluetooth_password_enabled() -> LockoutPolicy {
    LockoutPolicy { sign_in: SignInPolicy::default(), ..defaults_bluetooth() }
}

/// One line per case: `failures => outcome: path`.
fn table(profile_yaml: &str, policy: &LockoutPolicy, pairs: bool) -> String {
    analyze_lockout(&profile(profile_yaml), policy, pairs)
        .iter()
        .map(|case| {
            let failures: Vec<_> = case.failures.iter().map(ToString::to_string).collect();
            let failures =
                if failures.is_empty() { "none".to_owned() } else { failures.join(" & ") };
            format!("{failures} => {}: {}", case.outcome.name(), case.path_summary())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn default_groups_destructive_reset_only() {
    insta::assert_snapshot!(table(HYBRID_DESK, &defaults_bluetooth(), true), @r#"
        none => unlock: pin + trusted_signal
        pin_forgotten => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint => unlock: pin + trusted_signal
        phone_unavailable:ana-phone => unlock: fingerprint + pin
        off_network => unlock: pin + trusted_signal
        pin_forgotten & biometric_unavailable:fingerprint => recover: destructive reset (lock_screen, MFA phone:ana-phone), then pin + trusted_signal; costs: container_deleted, keys_lost, re_enrolment, biometrics_re_enrolment
        pin_forgotten & phone_unavailable:ana-phone => locked_out: -
        pin_forgotten & off_network => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint & phone_unavailable:ana-phone => locked_out: -
        biometric_unavailable:fingerprint & off_network => unlock: pin + trusted_signal
        phone_unavailable:ana-phone & off_network => unlock: fingerprint + pin
    "#);
}

#[test]
fn default_groups_with_nondestructive_reset() {
    insta::assert_snapshot!(table(HYBRID_DESK_ND, &defaults_bluetooth(), true), @r#"
        none => unlock: pin + trusted_signal
        pin_forgotten => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint => unlock: pin + trusted_signal
        phone_unavailable:ana-phone => unlock: fingerprint + pin
        off_network => unlock: pin + trusted_signal
        pin_forgotten & biometric_unavailable:fingerprint => recover: nondestructive reset (lock_screen, MFA phone:ana-phone), then pin + trusted_signal
        pin_forgotten & phone_unavailable:ana-phone => recover: nondestructive reset (lock_screen, MFA other), then fingerprint + pin
        pin_forgotten & off_network => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint & phone_unavailable:ana-phone => locked_out: -
        biometric_unavailable:fingerprint & off_network => unlock: pin + trusted_signal
        phone_unavailable:ana-phone & off_network => unlock: fingerprint + pin
    "#);
}

/// Seed 000: a user who forgot the PIN "but has an alternate sign-in method" signs in and resets
/// the PIN from Settings. Against `default_groups_destructive_reset_only`, both lock-outs become
/// sign-ins: Windows would not have locked this user out.
#[test]
fn password_left_enabled_saves_the_hello_lock_outs() {
    let policy = defaults_bluetooth_password_enabled();
    insta::assert_snapshot!(table(HYBRID_DESK, &policy, true), @r#"
        none => unlock: pin + trusted_signal
        pin_forgotten => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint => unlock: pin + trusted_signal
        phone_unavailable:ana-phone => unlock: fingerprint + pin
        off_network => unlock: pin + trusted_signal
        pin_forgotten & biometric_unavailable:fingerprint => recover: destructive reset (lock_screen, MFA phone:ana-phone), then pin + trusted_signal; costs: container_deleted, keys_lost, re_enrolment, biometrics_re_enrolment
        pin_forgotten & phone_unavailable:ana-phone => sign_in: password sign-in (not Hello), then destructive reset (settings, MFA other)
        pin_forgotten & off_network => unlock: fingerprint + trusted_signal
        biometric_unavailable:fingerprint & phone_unavailable:ana-phone => sign_in: password sign-in (not Hello)
        biometric_unavailable:fingerprint & off_network => unlock: pin + trusted_signal
        phone_unavailable:ana-phone & off_network => unlock: fingerprint + pin
        "#);
}

/// The provider enabled but the password forgotten (the forum thread), or no smart card held:
/// nothing saves the user.
#[rstest]
#[case::password_known("password_known: true", "sign_in")]
#[case::password_forgotten("password_known: false", "locked_out")]
#[case::smart_card_held("password_known: false\n  smart_card: true", "sign_in")]
fn the_fallback_needs_a_credential_the_user_has(#[case] user: &str, #[case] expected: &str) {
    let profile = profile(&HYBRID_DESK.replace("password_known: true", user));
    let failures = [Failure::PinForgotten, Failure::PhoneUnavailable("ana-phone".into())];
    let case = analyze_case(&profile, &defaults_bluetooth_password_enabled(), &failures);
    assert_eq!(case.outcome.name(), expected, "{}", case.reason);
}

#[test]
fn nondestructive_reset_turns_lock_outs_into_recoveries() {
    let without = analyze_lockout(&profile(HYBRID_DESK), &defaults_bluetooth(), true);
    let with = analyze_lockout(&profile(HYBRID_DESK_ND), &defaults_bluetooth(), true);
    let locked = |cases: &[engine::recovery::Case]| {
        cases.iter().filter(|c| c.outcome == Outcome::LockedOut).count()
    };
    assert!(any_locked_out(&without));
    assert!(locked(&with) < locked(&without), "{} vs {}", locked(&with), locked(&without));
}

#[test]
fn reasons_say_why() {
    let profile = profile(HYBRID_DESK);
    let policy = defaults_bluetooth();
    let reason = |failures: &[Failure]| analyze_case(&profile, &policy, failures).reason;
    insta::assert_snapshot!(
        [
            reason(&[Failure::PinForgotten]),
            reason(&[Failure::PinForgotten, Failure::OffNetwork]),
            reason(&[Failure::PinForgotten, Failure::PhoneUnavailable("ana-phone".into())]),
            reason(&[
                Failure::BiometricUnavailable(Biometric::Fingerprint),
                Failure::PhoneUnavailable("ana-phone".into())
            ]),
        ]
        .join("\n"),
        @r#"
        fingerprint + trusted_signal satisfy the groups; after sign-in the PIN can be reset from Settings (destructive)
        fingerprint + trusted_signal satisfy the groups; but a PIN reset from Settings fails: destructive PIN reset on Entra hybrid joined devices needs the domain controllers
        available credentials (fingerprint) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin; after a destructive PIN reset the user has pin, which still cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin
        available credentials (pin) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin, and a PIN reset cannot add anything: the PIN is known
    "#
    );
}

#[rstest]
// The trusted signal holds when any rule has all its signals true.
#[case::bluetooth_with_phone("bluetooth", &[], true)]
#[case::bluetooth_without_phone("bluetooth", &[Failure::PhoneUnavailable("ana-phone".into())], false)]
#[case::and_needs_both("bluetooth+ipConfig", &[Failure::OffNetwork], false)]
#[case::and_holds("bluetooth+ipConfig", &[], true)]
#[case::or_needs_one("bluetooth,ipConfig", &[Failure::OffNetwork], true)]
#[case::wifi_not_connected_in_profile("wifi", &[], false)]
#[case::no_rules("", &[], false)]
fn trusted_signal_per_rules(
    #[case] signal_rules: &str,
    #[case] failures: &[Failure],
    #[case] expected: bool,
) {
    let profile = profile(HYBRID_DESK);
    let state = DeviceState::locked_with(failures);
    assert_eq!(parse_rules(signal_rules).holds(|k| state.signal_holds(&profile, k)), expected);
}

#[test]
fn failures_offered_follow_the_profile_and_rules() {
    let policy = LockoutPolicy {
        groups: FactorGroups::default(),
        signal_rules: rules(&[&[SignalKind::Wifi]]),
        sign_in: SignInPolicy::default(),
    };
    let yaml = "join: entra_joined\ntrust: key_trust\nbiometrics: [facial_recognition, fingerprint]\n\
                phones: [{name: p1}, {name: p2}]\nsecurity_keys: [{name: k}]\n";
    let names: Vec<_> = engine::recovery::failure_universe(&profile(yaml), &policy)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        names,
        [
            "pin_forgotten",
            "biometric_unavailable:fingerprint",
            "biometric_unavailable:facial_recognition",
            "phone_unavailable:p1",
            "phone_unavailable:p2",
            "off_network",
            "wifi_changed",
            "security_key_lost:k",
        ]
    );
}

#[test]
fn pairs_count_is_n_choose_two_plus_singles_plus_baseline() {
    let cases = analyze_lockout(&profile(HYBRID_DESK), &defaults_bluetooth(), true);
    // pin, fingerprint, phone, off_network: 4 singles, 6 pairs, 1 baseline.
    assert_eq!(cases.len(), 1 + 4 + 6);
    let singles = analyze_lockout(&profile(HYBRID_DESK), &defaults_bluetooth(), false);
    assert_eq!(singles.len(), 1 + 4);
}

#[test]
fn the_json_form_is_stable() {
    let case = analyze_case(
        &profile(HYBRID_DESK_ND),
        &defaults_bluetooth(),
        &[Failure::PinForgotten, Failure::PhoneUnavailable("ana-phone".into())],
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&case.to_json()).unwrap(), @r#"
        {
          "failures": [
            "pin_forgotten",
            "phone_unavailable:ana-phone"
          ],
          "outcome": "recover",
          "path": {
            "costs": [],
            "entry": "lock_screen",
            "factors": [
              "fingerprint",
              "pin"
            ],
            "kind": "pin_reset",
            "mfa": "other",
            "reset": "nondestructive"
          },
          "reason": "available credentials (fingerprint) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin; a nondestructive PIN reset from the lock screen restores the PIN"
        }
    "#);
}

/// The forum thread's story under a multi-factor unlock policy: she unlocks with her fingerprint
/// and her phone nearby; the PIN is the fallback she has long forgotten. The biometric is then
/// turned off behind her back. Settings reset needs a session she cannot open; the lock-screen
/// nondestructive reset restores the PIN and keeps the keys.
#[test]
fn forum_story_as_timeline_actions() {
    let profile = profile(FORUM_STORY);
    let groups = FactorGroups {
        first: vec![CredentialProvider::Fingerprint, CredentialProvider::Pin],
        second: vec![CredentialProvider::TrustedSignal],
    };
    let mut state = DeviceState::signed_in();
    let mut log = Vec::new();
    let mut record = |kind: &str, payload: serde_json::Value| log.push(format!("{kind} {payload}"));
    for action in [
        TimelineAction::ForgetPin,
        TimelineAction::BiometricUnavailable(Biometric::Fingerprint),
        TimelineAction::Lock,
    ] {
        state.apply(&action);
        record(action.trace_kind(), action.payload());
    }
    let unlock = state.attempt_unlock(&profile, &groups, true);
    record(unlock.trace_kind(), unlock.payload());
    let settings = state.attempt_pin_reset(&profile, ResetEntry::Settings);
    record(settings.trace_kind(), settings.payload());
    let lock_screen = state.attempt_pin_reset(&profile, ResetEntry::LockScreen);
    record(lock_screen.trace_kind(), lock_screen.payload());
    let unlock = state.attempt_unlock(&profile, &groups, true);
    record(unlock.trace_kind(), unlock.payload());
    insta::assert_snapshot!(log.join("\n"), @r#"
        lockout.pin_forgotten {}
        lockout.biometric_unavailable {"biometric":"fingerprint"}
        lockout.locked {}
        lockout.unlock_failed {"available":["trusted_signal"],"factors":null}
        lockout.pin_reset_failed {"blocked_by":["PIN reset from Settings only works after sign-in"],"entry":"settings"}
        lockout.pin_reset_succeeded {"costs":[],"entry":"lock_screen","mfa":"phone:her-phone","reset":"nondestructive"}
        lockout.unlock_succeeded {"available":["pin","trusted_signal"],"factors":["pin","trusted_signal"]}
    "#);
}

#[rstest]
#[case::not_allowed(US_GOVERNMENT, "lockout.pin_reset_failed")]
#[case::allowed(US_GOVERNMENT_ALLOWED, "lockout.pin_reset_succeeded")]
fn us_government_allowed_url(#[case] yaml: &str, #[case] expected: &str) {
    let profile = profile(yaml);
    let mut state = DeviceState::signed_in();
    state.apply(&TimelineAction::ForgetPin);
    state.apply(&TimelineAction::Lock);
    let attempt = state.attempt_pin_reset(&profile, ResetEntry::LockScreen);
    assert_eq!(attempt.trace_kind(), expected, "{}", attempt.payload());
    assert_eq!(state.pin_forgotten, attempt.result.is_err());
}

#[test]
fn destructive_reset_removes_biometrics_until_re_enrolment() {
    let profile = profile(HYBRID_DESK);
    let mut state = DeviceState::signed_in();
    state.apply(&TimelineAction::ForgetPin);
    let attempt = state.attempt_pin_reset(&profile, ResetEntry::Settings);
    assert!(attempt.result.is_ok());
    let available: BTreeSet<_> = state.available_credentials(&profile, false);
    assert_eq!(available, [CredentialProvider::Pin].into_iter().collect());
    state.apply(&TimelineAction::Lock);
    assert!(!state.re_enrol_biometrics(), "re-enrolment needs a signed-in session");
    state.signed_in = true;
    assert!(state.re_enrol_biometrics());
    assert!(
        state.available_credentials(&profile, false).contains(&CredentialProvider::Fingerprint)
    );
}

#[test]
fn leaving_the_network_cuts_the_domain_controllers_but_not_entra() {
    let profile = profile(HYBRID_DESK);
    let mut state = DeviceState::signed_in();
    state.apply(&TimelineAction::LeaveCorporateNetwork);
    let conditions = state.reset_conditions(&profile);
    assert!(!conditions.domain_controllers_reachable && conditions.internet_reachable);
    state.apply(&TimelineAction::JoinCorporateNetwork);
    assert!(state.reset_conditions(&profile).domain_controllers_reachable);
}

#[rstest]
#[case::one_signal(
    r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication"/></rule>"#,
    "bluetooth"
)]
#[case::and_of_two(
    r#"<rule schemaVersion="1.0"><and><signal type="ipConfig"><ipv4Prefix>10.0.0.0/8</ipv4Prefix></signal><signal type="bluetooth" scenario="Authentication"/></and></rule>"#,
    "bluetooth+ipConfig"
)]
#[case::alternatives(
    r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication"/></rule>,<rule schemaVersion="1.0"><signal type="ipConfig"><ipv4Prefix>10.0.0.0/8</ipv4Prefix></signal></rule>"#,
    "bluetooth,ipConfig"
)]
fn parsed_rules_reduce_to_signal_types(#[case] xml: &str, #[case] expected: &str) {
    let (rule_set, diagnostics) = engine::policy::parse_rules(
        &SourceFile::new("rules.xml", xml),
        engine::policy::SignalScenario::Authentication,
    );
    let rule_set = rule_set.unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert_eq!(SignalRules::from_rule_set(&rule_set), parse_rules(expected));
}
