//! `unlocksim policy check|eval|fmt`: the exit-code and output contract of issue 3.

use crate::util::run_text;

const DIR: &str = "tests/fixtures/policy";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let owned: Vec<String> = args.iter().map(|a| a.replace("$F", DIR)).collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    run_text(&refs)
}

#[test]
fn check_accepts_valid_files_with_warnings() {
    let (code, _, stderr) = run(&["policy", "check", "$F/policy.yaml", "$F/seed_example_4.xml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("rules::multi-line"), "{stderr}");
    assert!(stderr.contains("policy fmt --single-line"), "{stderr}");
}

#[test]
fn check_reports_every_error_and_exits_one() {
    let (code, _, stderr) =
        run(&["policy", "check", "$F/many_errors.xml", "$F/unsatisfiable.yaml"]);
    assert_eq!(code, Some(1));
    for expected in [
        "rules::missing-comma",
        "unknown element <or>",
        "schemaVersion",
        "policy::unsatisfiable",
        "many_errors.xml:2:",
    ] {
        assert!(stderr.contains(expected), "missing {expected} in:\n{stderr}");
    }
}

#[test]
fn check_of_an_unreadable_file_exits_two() {
    let (code, _, _) = run(&["policy", "check", "$F/does-not-exist.xml"]);
    assert_eq!(code, Some(2));
}

/// A missing file among others: every file is still checked and reported, and the exit code is
/// the worst: 2 for the unreadable file.
#[test]
fn check_reports_every_file_even_after_a_missing_one() {
    let (code, _, stderr) = run(&[
        "policy",
        "check",
        "$F/many_errors.xml",
        "$F/does-not-exist.xml",
        "$F/seed_example_4.xml",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    for expected in [
        "many_errors.xml: ",
        "error: cannot read tests/fixtures/policy/does-not-exist.xml",
        "seed_example_4.xml: 0 error(s)",
    ] {
        assert!(stderr.contains(expected), "missing {expected} in:\n{stderr}");
    }
}

#[test]
fn eval_prints_verdict_and_explanation() {
    let (code, stdout, stderr) =
        run(&["policy", "eval", "$F/seed_example_1.xml", "--snapshot", "$F/office.snapshot.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("result: true\n"), "{stdout}");
    assert!(
        stdout.contains("pass ipv4Prefix: required 10.10.10.0/24, observed 10.10.10.5/24"),
        "{stdout}"
    );
}

#[test]
fn eval_json_is_one_object_with_result() {
    let (code, stdout, _) = run(&[
        "policy",
        "eval",
        "$F/seed_example_2.xml",
        "--snapshot",
        "$F/home.snapshot.yaml",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(
        value["result"],
        serde_json::Value::Bool(true),
        "the primary DNS suffix matches rule 1"
    );
    let (code, stdout, _) = run(&[
        "policy",
        "eval",
        "$F/seed_example_4.xml",
        "--snapshot",
        "$F/home.snapshot.yaml",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(value["result"], serde_json::Value::Bool(false), "no Wi-Fi at home");
    assert_eq!(code, Some(1), "rules that evaluate false exit 1, like grep");
}

/// `policy eval` exits like `grep`: 0 when the rules hold, 1 when they evaluate false; the
/// text and the JSON say the same either way.
#[rstest::rstest]
#[case::true_text(&["$F/seed_example_1.xml", "--snapshot", "$F/office.snapshot.yaml"], 0, "result: true\n")]
#[case::false_text(&["$F/seed_example_4.xml", "--snapshot", "$F/home.snapshot.yaml"], 1, "result: false\n")]
#[case::false_json(
    &["$F/seed_example_4.xml", "--snapshot", "$F/home.snapshot.yaml", "--json"],
    1,
    "{\"result\":false,"
)]
fn eval_exits_1_when_the_rules_evaluate_false(
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] starts_with: &str,
) {
    let mut argv = vec!["policy", "eval"];
    argv.extend_from_slice(args);
    let (exit, stdout, stderr) = run(&argv);
    assert_eq!(exit, Some(code), "{stdout}{stderr}");
    assert!(stdout.starts_with(starts_with), "{stdout}");
}

#[test]
fn eval_exit_codes_for_bad_rules_and_bad_snapshots() {
    let (code, _, _) =
        run(&["policy", "eval", "$F/many_errors.xml", "--snapshot", "$F/office.snapshot.yaml"]);
    assert_eq!(code, Some(1));
    let (code, _, stderr) =
        run(&["policy", "eval", "$F/seed_example_1.xml", "--snapshot", "$F/bad_snapshot.yaml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("did you mean `bluetooth`?"), "{stderr}");
    let (code, _, _) = run(&["policy", "eval", "$F/seed_example_1.xml"]);
    assert_eq!(code, Some(2), "--snapshot is required");
}

#[test]
fn fmt_prints_the_single_line_form() {
    let (code, stdout, _) = run(&["policy", "fmt", "$F/seed_example_2.xml", "--single-line"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com</dnsSuffix></signal></rule>,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>\n"
    );
    let (code, _, _) = run(&["policy", "fmt", "$F/many_errors.xml"]);
    assert_eq!(code, Some(1));
}

/// Issue 13's Dynamic Lock rule, pretty-printed as administrators paste it.
const DYNAMIC_LOCK: &str = "$F/dynamic_lock.xml";

/// (arguments, exit code, text stdout or stderr must hold): issue 13, section 1.
#[rstest::rstest]
#[case::check_infers_dynamic_lock(&["policy", "check", DYNAMIC_LOCK], 0, "rules::multi-line")]
#[case::check_forced_to_the_other_setting(
    &["policy", "check", "--setting", "device-unlock", DYNAMIC_LOCK],
    1,
    "move the rule to DynamicLock/Plugins"
)]
#[case::check_forced_to_its_own_setting(
    &["policy", "check", "--setting", "dynamic-lock", DYNAMIC_LOCK],
    0,
    "0 error(s), 1 warning(s)"
)]
#[case::setting_on_a_policy_file(
    &["policy", "check", "--setting", "dynamic-lock", "$F/policy.yaml"],
    2,
    "--setting applies to rule files"
)]
#[case::fmt_single_line(
    &["policy", "fmt", "--single-line", DYNAMIC_LOCK],
    0,
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-15\" rssiMaxDelta=\"-5\"/></rule>\n"
)]
#[case::eval_phone_at_desk(
    &["policy", "eval", DYNAMIC_LOCK, "--snapshot", "$F/phone_at_desk.snapshot.yaml"],
    0,
    "presence: present\n"
)]
#[case::eval_phone_down_the_corridor(
    &["policy", "eval", DYNAMIC_LOCK, "--snapshot", "$F/phone_down_the_corridor.snapshot.yaml"],
    1,
    "presence: absent\n"
)]
#[case::eval_no_phone_json(
    &["policy", "eval", DYNAMIC_LOCK, "--snapshot", "$F/home.snapshot.yaml", "--json"],
    1,
    "{\"presence\":\"absent\","
)]
#[case::policy_pointing_at_a_multi_line_file(
    &["policy", "check", "$F/dynamic_lock_file.yaml"],
    0,
    "dynamic_lock.xml:1:27]"
)]
fn a_rule_file_is_for_the_setting_its_scenario_names(
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] expected: &str,
) {
    let (exit, stdout, stderr) = run(args);
    assert_eq!(exit, Some(code), "{stdout}{stderr}");
    let (out, name) = if stdout.is_empty() { (&stderr, "stderr") } else { (&stdout, "stdout") };
    let found =
        if expected.ends_with('\n') { out.starts_with(expected) } else { out.contains(expected) };
    assert!(found, "{name} lacks {expected:?}:\n{out}");
}

#[test]
fn fmt_prints_every_setting_a_policy_holds() {
    let (code, stdout, stderr) = run(&["policy", "fmt", "$F/policy.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!(stdout, @r#"
        # DeviceUnlock/GroupA, DeviceUnlock/GroupB, DeviceUnlock/Plugins
        device_unlock:
          first_factors: [pin, fingerprint, facial_recognition]
          second_factors: [trusted_signal, pin]
          signal_rules: '<rule schemaVersion="1.0"><signal type="ipConfig"><dnsSuffix>corp.contoso.com</dnsSuffix></signal></rule>,<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>'
        # DynamicLock/DynamicLock, DynamicLock/Plugins
        dynamic_lock:
          enabled: true
          signal_rules: '<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock"/></rule>'
        # Sign-in outside Windows Hello: credential providers, DontDisplayLastUserName
        sign_in:
          password: true
          smart_card: true
          dont_display_last_user_name: false
        "#);
    let (code, _, stderr) = run(&["policy", "fmt", "$F/unsatisfiable.yaml"]);
    assert_eq!(code, Some(1), "an invalid policy is 1, as for check");
    assert!(stderr.contains("policy::unsatisfiable"), "{stderr}");
}
