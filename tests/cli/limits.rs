//! The command line's own bounds (the `## Limits` table of ARCHITECTURE.md), each tried through
//! the binary at the bound and one past it: the input bytes of every file kind each command
//! reads (`read_bounded`), `--runs`, and `radio`'s distances and samples.
//!
//! At the bound the input passes the bound's check (whatever the loader then says); one past,
//! the command exits 2 and names the bound.

use std::path::Path;

/// `INPUT_FILE_BYTES_MAX` of `src/input.rs`.
const INPUT_FILE_BYTES_MAX: usize = 1024 * 1024;
/// What `read_bounded` says past its bound.
const READ_BOUND: &str = "more than the limit of 1048576";

/// One bound tried through the binary.
struct Bound {
    name: &'static str,
    /// Arguments at the bound and one past it; `$F` is the generated file.
    at: &'static [&'static str],
    past: &'static [&'static str],
    /// Writes the input file of `bytes` bytes (`None`: the bound is not about a file).
    file: Option<fn(&Path, usize)>,
    /// Text of the error one past the bound, absent at the bound.
    marker: &'static str,
}

/// `head`, then a YAML comment padding the file to exactly `bytes`.
fn yaml_of(path: &Path, bytes: usize, head: &str) {
    let padding = bytes - head.len() - 2;
    std::fs::write(path, format!("{head}#{}\n", " ".repeat(padding))).expect("written");
}

fn policy_yaml(path: &Path, bytes: usize) {
    yaml_of(path, bytes, "dynamic_lock: {enabled: false}\n");
}
fn snapshot_yaml(path: &Path, bytes: usize) {
    yaml_of(path, bytes, "bluetooth: []\n");
}
fn scenario_yaml(path: &Path, bytes: usize) {
    yaml_of(path, bytes, "name: padded\n");
}
fn device_yaml(path: &Path, bytes: usize) {
    yaml_of(path, bytes, "join: entra_joined\n");
}
fn rules_xml(path: &Path, bytes: usize) {
    let rule = r#"<rule schemaVersion="1.0"><signal type="ipConfig"><dnsSuffix>a</dnsSuffix></signal></rule>"#;
    std::fs::write(path, format!("{rule}{}", " ".repeat(bytes - rule.len()))).expect("written");
}

#[rustfmt::skip]
const BOUNDS: &[Bound] = &[
    Bound { name: "policy YAML bytes", at: &["policy", "check", "$F.yaml"], past: &["policy", "check", "$F.yaml"], file: Some(policy_yaml), marker: READ_BOUND },
    Bound { name: "rule XML bytes", at: &["policy", "check", "$F.xml"], past: &["policy", "check", "$F.xml"], file: Some(rules_xml), marker: READ_BOUND },
    Bound { name: "snapshot YAML bytes", at: &["policy", "eval", "tests/fixtures/policy/seed_example_1.xml", "--snapshot", "$F.yaml"], past: &["policy", "eval", "tests/fixtures/policy/seed_example_1.xml", "--snapshot", "$F.yaml"], file: Some(snapshot_yaml), marker: READ_BOUND },
    Bound { name: "scenario YAML bytes", at: &["run", "$F.yaml"], past: &["run", "$F.yaml"], file: Some(scenario_yaml), marker: READ_BOUND },
    Bound { name: "device profile YAML bytes", at: &["analyze", "lockout", "tests/fixtures/lockout/policy-defaults-bluetooth.yaml", "--device", "$F.yaml"], past: &["analyze", "lockout", "tests/fixtures/lockout/policy-defaults-bluetooth.yaml", "--device", "$F.yaml"], file: Some(device_yaml), marker: READ_BOUND },
    Bound { name: "--runs", at: &["run", "tests/fixtures/scenarios/unknown_key.yaml", "--runs", "100000"], past: &["run", "tests/fixtures/scenarios/unknown_key.yaml", "--runs", "100001"], file: None, marker: "100001 is not in 1..=100000" },
    Bound { name: "radio distances", at: &["radio", "--distances", "0..9999:1", "--samples", "1", "--json"], past: &["radio", "--distances", "0..10000:1", "--samples", "1"], file: None, marker: "at most 10000 distances" },
    Bound { name: "radio samples", at: &["radio", "--distances", "1..1:1", "--samples", "1000000", "--json"], past: &["radio", "--distances", "1..1:1", "--samples", "1000001"], file: None, marker: "samples must be 1..=1000000" },
];

fn run(args: &[&str], file: &Path) -> (Option<i32>, String) {
    let file = file.display().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("$F", &file)).collect();
    let output = crate::util::unlocksim_command(&args).output().expect("the unlocksim binary runs");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_command_line_bound_accepts_its_limit_and_rejects_one_more() {
    let dir = std::env::temp_dir().join(format!("unlocksim-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let mut problems = Vec::new();
    for bound in BOUNDS {
        let base = dir.join(bound.name.replace([' ', '-'], "_"));
        for (args, bytes, past) in
            [(bound.at, INPUT_FILE_BYTES_MAX, false), (bound.past, INPUT_FILE_BYTES_MAX + 1, true)]
        {
            if let Some(write) = bound.file {
                let generated = args.iter().find(|a| a.starts_with("$F")).expect("names $F");
                let extension = generated.trim_start_matches("$F.");
                write(&base.with_extension(extension), bytes);
            }
            let (code, stderr) = run(args, &base);
            let named = stderr.contains(bound.marker);
            if past && (code != Some(2) || !named) {
                problems.push(format!(
                    "{}: past the bound: exit {code:?}, stderr:\n{stderr}",
                    bound.name
                ));
            }
            if !past && (named || stderr.contains("panicked")) {
                problems.push(format!(
                    "{}: at the bound: exit {code:?}, stderr:\n{stderr}",
                    bound.name
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `SCENARIO_FILES_MAX` of `src/run_plan.rs`.
const SCENARIO_FILES_MAX: usize = 10_000;

/// `run` reads at most 10,000 scenario files per invocation, and counts them before reading
/// any. The files are invalid, so at the bound every one is read and reported (exit 2 without
/// the bound's message); one past, nothing is read.
#[test]
fn run_reads_at_most_scenario_files_max_files() {
    let dir = std::env::temp_dir().join(format!("unlocksim-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for i in 0..SCENARIO_FILES_MAX {
        std::fs::write(dir.join(format!("s{i:05}.yaml")), "name: [\n").expect("written");
    }
    let marker = "more than 10000 scenario files";
    let (code, stderr) = run(&["run", "$F"], &dir);
    assert_eq!(code, Some(2), "at the bound the invalid files are reported");
    assert!(!stderr.contains(marker), "at the bound: {}", &stderr[..stderr.len().min(500)]);
    assert!(stderr.contains("s09999.yaml"), "every file is read at the bound");
    std::fs::write(dir.join("s10000.yaml"), "name: [\n").expect("written");
    let (code, stderr) = run(&["run", "$F"], &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.trim(), format!("error: {marker}"));
}
