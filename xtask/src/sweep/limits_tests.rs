//! The sweep's bounds (the `## Limits` table of ARCHITECTURE.md) at the bound and one past it,
//! and hostile sweep files: each is an error message, never a panic.

use std::path::Path;

use super::spec::{
    RANGE_VALUES_MAX, SPEC_BYTES_MAX, SWEEP_NAME_CHARS_MAX, SWEEP_RUNS_MAX, expand, load_spec,
    parse_spec, read_input,
};

/// Parses and expands `text` with one stand-in scenario file; the error, if any.
fn plan_error(text: &str) -> Option<String> {
    let read = |_: &Path| Ok(b"name: stand-in\n".to_vec());
    match parse_spec("sweep.yaml", text) {
        Err(error) => Some(error),
        Ok(spec) => expand(&spec, "sweep.yaml", Path::new("."), &read, "test").err(),
    }
}

/// A sweep of `points` integer points and `seeds` seeds. The parameter is a calibration value,
/// not an RSSI setting, so the plan gets no extra points for Microsoft's defaults (they count
/// towards the bound like any point).
fn sweep(points: u64, seeds: u64) -> String {
    format!(
        "name: limits\nscenarios: [s.yaml]\nparameters:\n  - name: idle_min_s\n    range: {{from: 1, to: {points}, step: 1}}\nseeds: {seeds}\n"
    )
}

/// (bound, spec at the bound, spec one past it, text of the error past it).
fn bounds() -> Vec<(&'static str, String, String, &'static str)> {
    // 10,000,000 = 100,000 points x 100 seeds; 10,000,001 = 11 points x 909,091 seeds.
    assert_eq!(SWEEP_RUNS_MAX, 100_000 * 100);
    assert_eq!(SWEEP_RUNS_MAX + 1, 11 * 909_091);
    vec![
        (
            "values per range",
            sweep(RANGE_VALUES_MAX, 1),
            sweep(RANGE_VALUES_MAX + 1, 1),
            "at most 100000",
        ),
        ("runs per sweep", sweep(100_000, 100), sweep(11, 909_091), "runs, at most 10000000"),
    ]
}

#[test]
fn every_sweep_bound_accepts_its_limit_and_rejects_one_more() {
    for (name, at, past, expected) in bounds() {
        assert_eq!(plan_error(&at), None, "{name}: rejected at the bound");
        let error = plan_error(&past).unwrap_or_default();
        assert!(error.contains(expected), "{name}: one past the bound gave `{error}`");
    }
}

#[test]
fn hostile_sweep_files_are_errors_not_panics() {
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
    let deep = format!("name: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: [(&str, String, &str); 10] = [
        // The run count is checked before any seed list is built: no 2^64-element allocation.
        ("absurd seed count", sweep(2, u64::MAX), "at most 10000000"),
        ("truncated", "name: x\nscenarios: [s.yaml".into(), "invalid sweep file"),
        (
            "unknown key",
            format!("{}colour: blue\n", sweep(2, 1)),
            "sweep.yaml:7:1: invalid sweep file: unknown key `colour`",
        ),
        (
            "wrong type",
            "name: [1]\nscenarios: []\nparameters: []\nseeds: 1\n".into(),
            "invalid sweep file",
        ),
        ("NaN step", sweep(2, 1).replace("step: 1", "step: .nan"), "finite"),
        ("infinite range", sweep(2, 1).replace("to: 2", "to: .inf"), "finite"),
        ("zero step", sweep(2, 1).replace("step: 1", "step: 0"), "non-zero step"),
        ("no scenario", sweep(2, 1).replace("[s.yaml]", "[]"), "at least one scenario"),
        ("alias bomb", bomb.into(), "invalid sweep file"),
        ("deep nesting", deep, "invalid sweep file"),
    ];
    for (name, text, expected) in cases {
        let error = plan_error(&text).unwrap_or_default();
        assert!(error.contains(expected), "{name}: gave `{error}`, expected `{expected}`");
    }
}

/// A file of `bytes` bytes in a fresh temporary folder: a valid sweep padded with a comment.
fn sweep_file_of(bytes: u64) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-limits-{}-{bytes}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let text = sweep(2, 1);
    let padding = usize::try_from(bytes).expect("small") - text.len() - 2;
    let path = dir.join("sweep.yaml");
    std::fs::write(&path, format!("{text}#{}\n", " ".repeat(padding))).expect("written");
    path
}

#[test]
fn sweep_files_are_read_up_to_their_byte_bound() {
    let at = sweep_file_of(SPEC_BYTES_MAX);
    assert_eq!(std::fs::metadata(&at).map(|m| m.len()).ok(), Some(SPEC_BYTES_MAX));
    // At the bound the file is read and parsed (the YAML budget also allows 1 MiB).
    assert!(load_spec(&at).is_ok(), "{:?}", load_spec(&at).err());
    let past = sweep_file_of(SPEC_BYTES_MAX + 1);
    let error = load_spec(&past).err().unwrap_or_default();
    assert!(error.contains("more than the limit of 1048576 bytes"), "{error}");
    for path in [at, past] {
        let _ = std::fs::remove_dir_all(path.parent().expect("folder"));
    }
}

/// A device that reports length 0 and never ends is cut off one byte past the bound.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_sweep_file_stops_at_the_bound() {
    let error = read_input(std::path::Path::new("/dev/zero")).err().unwrap_or_default();
    assert!(error.contains("more than the limit"), "{error}");
}

#[test]
fn sweep_file_errors_name_the_line_and_column() {
    let error = plan_error("name: x\nscenarios: [s.yaml]\nseeds: [1, 2]\n").unwrap_or_default();
    assert!(error.starts_with("sweep.yaml:3:"), "{error}");
}

/// A sparse file of `bytes` bytes at `path` (no disk used, so the bound is cheap to reach).
fn sparse(path: &std::path::Path, bytes: u64) {
    std::fs::create_dir_all(path.parent().expect("folder")).expect("folder created");
    std::fs::File::create(path).and_then(|f| f.set_len(bytes)).expect("sparse file");
}

/// `plan.json` and the results store read back on resume and merge are bounded: one byte past
/// each file bound is refused from the metadata, before anything is read (the 4 GiB plan bound
/// of a merge is not read at the bound here: that would cost 4 GiB of memory). A store line
/// longer than its bound is refused after reading at most one byte past it.
#[test]
fn plan_and_run_results_read_back_are_bounded() {
    use super::exec::{PLAN_BYTES_MAX, Shard, pending, read_plans};
    use super::store::{STORE_BYTES_MAX, STORE_FILE, STORE_LINE_BYTES_MAX};
    let dir = std::env::temp_dir().join(format!("xtask-readback-{}", std::process::id()));
    sparse(&dir.join("merge/plan.json"), PLAN_BYTES_MAX + 1);
    let error = read_plans(&[dir.join("merge")]).err().unwrap_or_default();
    assert!(error.contains("more than the limit of 4294967296 bytes"), "{error}");

    let read = |_: &Path| Ok(b"name: stand-in\n".to_vec());
    let spec = parse_spec("sweep.yaml", &sweep(1, 1)).expect("valid");
    let plan = expand(&spec, "sweep.yaml", Path::new("."), &read, "test").expect("expands");
    let store = dir.join("out").join(STORE_FILE);
    sparse(&store, STORE_BYTES_MAX + 1);
    let past = pending(&plan, &dir.join("out"), Shard::ALL).err().unwrap_or_default();
    assert!(past.contains("more than the limit of 17179869184 bytes"), "{past}");
    let header = format!(
        "{{\"store\":\"unlocksim-sweep-results\",\"version\":1,\"fingerprint\":\"{}\"}}\n",
        plan.fingerprint
    );
    let long_line = vec![b'x'; STORE_LINE_BYTES_MAX as usize + 1];
    let text = [header.as_bytes(), &long_line, b"\n", header.as_bytes()].concat();
    std::fs::write(&store, text).expect("store written");
    let long = pending(&plan, &dir.join("out"), Shard::ALL).err().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(long.contains("line 2 is damaged"), "{long}");
}

/// A sweep's name is its output folder under `target/sweep`: a name that would climb out of
/// it, or name a nested path, is refused before anything runs; a name at the length bound is
/// accepted and one past it refused.
#[rstest::rstest]
#[case::climbs_out("../../../tmp/escaped", Some("no `/`, no `..`"))]
#[case::dot_dot("..", Some("no `/`, no `..`"))]
#[case::nested("a/b", Some("no `/`, no `..`"))]
#[case::absolute("/tmp/x", Some("no `/`, no `..`"))]
#[case::empty("''", Some("needs 1 to 64 characters"))]
#[case::at_bound(&"n".repeat(SWEEP_NAME_CHARS_MAX), None)]
#[case::past_bound(&"n".repeat(SWEEP_NAME_CHARS_MAX + 1), Some("1 to 64"))]
#[case::plain("walk-away_v2.1", None)]
fn a_sweep_name_stays_inside_target_sweep(#[case] name: &str, #[case] error: Option<&str>) {
    let text = sweep(2, 1).replace("name: limits", &format!("name: {name}"));
    let got = plan_error(&text);
    match error {
        None => assert_eq!(got, None),
        Some(expected) => {
            let got = got.unwrap_or_default();
            assert!(got.contains(expected) && got.starts_with("sweep.yaml: "), "{got}");
        }
    }
}
