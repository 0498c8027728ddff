//! `unlocksim analyze lockout`: policy and device files in, table or JSON and exit code out.

use rstest::rstest;
use serde_json::Value;

use crate::util::run_text;

const DIR: &str = "tests/fixtures/lockout";

fn run(policy: &str, device: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let policy = format!("{DIR}/{policy}");
    let device = format!("{DIR}/{device}");
    let mut args = vec!["analyze", "lockout", policy.as_str(), "--device", device.as_str()];
    args.extend_from_slice(extra);
    run_text(&args)
}

/// The outcome and reset kind of the case with exactly these failures, from `--json --pairs`
/// (for a sign-in, the kind of the PIN reset from Settings after it).
fn case(json: &Value, failures: &[&str]) -> String {
    let cases = json["cases"].as_array().expect("cases is an array");
    let found = cases
        .iter()
        .find(|c| {
            let got: Vec<&str> =
                c["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
            got == failures
        })
        .unwrap_or_else(|| panic!("no case for {failures:?}"));
    let outcome = found["outcome"].as_str().unwrap();
    let path = &found["path"];
    match path["reset"].as_str().or(path["pin_reset"]["reset"].as_str()) {
        Some(reset) => format!("{outcome} {reset}"),
        None => outcome.to_owned(),
    }
}

#[rstest]
// The seed's default groups, destructive reset only, Windows Hello only: after a destructive reset
// the biometrics are gone, so PIN forgotten + phone away stays locked out.
#[case::defaults_destructive("policy-defaults-bluetooth-hello-only.yaml", "hybrid-desk.yaml",
    &["pin_forgotten", "phone_unavailable:ana-phone"], "locked_out")]
// The same policy with the password provider left enabled (the default, design 3.5b): Windows
// would not lock her out. She signs in with the password and resets the PIN from Settings
// (seed 000: users with "an alternate sign-in method").
#[case::defaults_password_enabled("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml",
    &["pin_forgotten", "phone_unavailable:ana-phone"], "sign_in destructive")]
#[case::defaults_destructive_recovers("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml",
    &["pin_forgotten", "biometric_unavailable:fingerprint"], "recover destructive")]
// The same with nondestructive reset: the fingerprint survives the reset.
#[case::defaults_nondestructive("policy-defaults-bluetooth.yaml", "hybrid-desk-nondestructive.yaml",
    &["pin_forgotten", "phone_unavailable:ana-phone"], "recover nondestructive")]
#[case::pin_alone_is_one_factor("policy-defaults-bluetooth-hello-only.yaml",
    "hybrid-desk-nondestructive.yaml",
    &["biometric_unavailable:fingerprint", "phone_unavailable:ana-phone"], "locked_out")]
#[case::pin_alone_then_password("policy-defaults-bluetooth.yaml", "hybrid-desk-nondestructive.yaml",
    &["biometric_unavailable:fingerprint", "phone_unavailable:ana-phone"], "sign_in")]
#[case::baseline("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml", &[], "unlock")]
// Azure Government without login.microsoftonline.us allowed: web sign-in cannot open the page.
#[case::us_government("policy-defaults-bluetooth-hello-only.yaml", "us-government.yaml",
    &["pin_forgotten", "biometric_unavailable:facial_recognition"], "locked_out")]
#[case::us_government_password("policy-defaults-bluetooth.yaml", "us-government.yaml",
    &["pin_forgotten", "biometric_unavailable:facial_recognition"], "sign_in nondestructive")]
#[case::us_government_allowed("policy-defaults-bluetooth.yaml", "us-government-allowed.yaml",
    &["pin_forgotten", "biometric_unavailable:facial_recognition"], "recover nondestructive")]
// The forum thread: biometric off, fallback forgotten, phone nearby: nondestructive reset.
#[case::forum_story("policy-biometric-and-phone.yaml", "forum-story.yaml",
    &["pin_forgotten", "biometric_unavailable:fingerprint"], "recover nondestructive")]
// ...but if the phone is also the MFA method and is gone, Windows Hello leaves nothing...
#[case::forum_story_phone_gone("policy-biometric-and-phone-hello-only.yaml", "forum-story.yaml",
    &["pin_forgotten", "phone_unavailable:her-phone"], "locked_out")]
// ...while a known password signs her in (the PIN reset from Settings needs the phone for MFA).
#[case::forum_story_phone_gone_password("policy-biometric-and-phone.yaml", "forum-story.yaml",
    &["pin_forgotten", "phone_unavailable:her-phone"], "sign_in")]
fn lockout_cases(
    #[case] policy: &str,
    #[case] device: &str,
    #[case] failures: &[&str],
    #[case] expected: &str,
) {
    let (code, stdout, stderr) = run(policy, device, &["--pairs", "--json"]);
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(case(&json, failures), expected);
}

#[rstest]
#[case::locked_out_exits_1("policy-defaults-bluetooth-hello-only.yaml", "hybrid-desk.yaml",
    &["--pairs"], 1)]
#[case::password_saves_exits_0("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml", &["--pairs"], 0)]
#[case::singles_only_exit_0("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml", &[], 0)]
#[case::strict_policy_exits_1("policy-biometric-and-phone-hello-only.yaml", "hybrid-desk.yaml",
    &[], 1)]
#[case::strict_policy_password_exits_0("policy-biometric-and-phone.yaml", "hybrid-desk.yaml",
    &[], 0)]
#[case::invalid_device_exits_2("policy-defaults-bluetooth.yaml", "broken.yaml", &[], 2)]
#[case::missing_file_exits_2("policy-defaults-bluetooth.yaml", "no-such-device.yaml", &[], 2)]
#[case::no_device_unlock_exits_2("policy-dynamic-lock-only.yaml", "hybrid-desk.yaml", &[], 2)]
fn exit_codes(
    #[case] policy: &str,
    #[case] device: &str,
    #[case] extra: &[&str],
    #[case] expected: i32,
) {
    let (code, _, stderr) = run(policy, device, extra);
    assert_eq!(code, Some(expected), "{stderr}");
}

#[test]
fn invalid_input_names_file_line_and_column() {
    let (_, stdout, stderr) = run("policy-defaults-bluetooth.yaml", "broken.yaml", &[]);
    assert!(stdout.is_empty());
    assert!(stderr.contains("broken.yaml:5:5"), "{stderr}");
    assert!(stderr.contains("unknown key `nmae`"), "{stderr}");
}

#[rstest]
#[case::destructive_only("hybrid-desk.yaml", "CanReset : DestructiveOnly")]
#[case::both("hybrid-desk-nondestructive.yaml", "CanReset : DestructiveAndNonDestructive")]
fn dsregcmd_prints_can_reset(#[case] device: &str, #[case] expected: &str) {
    let (code, stdout, _) = run("policy-defaults-bluetooth.yaml", device, &["--dsregcmd"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout.trim(), expected);
}

#[test]
fn the_table_shows_every_case_and_why() {
    let (code, stdout, _) = run("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml", &["--pairs"]);
    // The password provider is left enabled: Hello's two lock-outs are sign-ins (design 3.5b).
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(stdout, @r#"
        FAILURES                                                         OUTCOME     PATH
        (none)                                                           unlock      pin + trusted_signal
        pin_forgotten                                                    unlock      fingerprint + trusted_signal
        biometric_unavailable:fingerprint                                unlock      pin + trusted_signal
        phone_unavailable:ana-phone                                      unlock      fingerprint + pin
        off_network                                                      unlock      pin + trusted_signal
        pin_forgotten & biometric_unavailable:fingerprint                recover     destructive reset (lock_screen, MFA phone:ana-phone), then pin + trusted_signal; costs: container_deleted, keys_lost, re_enrolment, biometrics_re_enrolment
                                                                         why: available credentials (trusted_signal) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin; a destructive PIN reset from the lock screen restores the PIN
        pin_forgotten & phone_unavailable:ana-phone                      sign_in     password sign-in (not Hello), then destructive reset (settings, MFA other)
                                                                         why: Windows Hello: available credentials (fingerprint) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin; after a destructive PIN reset the user has pin, which still cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin; but the policy leaves the password provider enabled and the user signs in with it (not a multi-factor unlock), then resets the PIN from Settings (destructive)
        pin_forgotten & off_network                                      unlock      fingerprint + trusted_signal
        biometric_unavailable:fingerprint & phone_unavailable:ana-phone  sign_in     password sign-in (not Hello)
                                                                         why: Windows Hello: available credentials (pin) cannot satisfy first pin|fingerprint|facial_recognition + second trusted_signal|pin, and a PIN reset cannot add anything: the PIN is known; but the policy leaves the password provider enabled and the user signs in with it (not a multi-factor unlock)
        biometric_unavailable:fingerprint & off_network                  unlock      pin + trusted_signal
        phone_unavailable:ana-phone & off_network                        unlock      fingerprint + pin

        11 cases: 8 unlock, 1 recover, 2 sign in, 0 locked out
        "#);
}

#[test]
fn json_has_the_documented_shape() {
    let (_, stdout, _) = run("policy-defaults-bluetooth.yaml", "hybrid-desk.yaml", &["--json"]);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let keys: Vec<Vec<&str>> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_object().unwrap().keys().map(String::as_str).collect())
        .collect();
    assert_eq!(keys.len(), 5);
    assert!(keys.iter().all(|k| k == &["failures", "outcome", "path", "reason"]), "{keys:?}");
}
