//! `unlocksim policy check|eval|fmt`: the exit-code and output contract of issue 3.

use crate::util::unlocksim;

const DIR: &str = "tests/fixtures/policy";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let owned: Vec<String> = args.iter().map(|a| a.replace("$F", DIR)).collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let output = unlocksim(&refs);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
    let (_, stdout, _) = run(&[
        "policy",
        "eval",
        "$F/seed_example_4.xml",
        "--snapshot",
        "$F/home.snapshot.yaml",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(value["result"], serde_json::Value::Bool(false), "no Wi-Fi at home");
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
