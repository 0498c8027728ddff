//! `unlocksim run`: the bundled suite passes, runs are deterministic, bad input exits 2 with a
//! position, failing expectations exit 1 with a repro line.

use crate::util::unlocksim;
use rstest::rstest;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_bundled_suite_passes() {
    let output = unlocksim(&["run"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    let last = text.lines().last().unwrap_or_default();
    let passed: usize = last.split(' ').next().unwrap_or("0").parse().unwrap_or(0);
    assert!(passed >= 30, "the suite has at least 30 scenarios: {last}");
    assert!(last.ends_with(" 0 failed"), "{last}");
}

/// Every scenario's trace hashes, as printed by `--json`.
fn trace_hashes(args: &[&str], threads: &str) -> Vec<(String, u64, String)> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_unlocksim"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .current_dir(crate::util::repo_root())
        .output()
        .expect("runs");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let mut hashes = Vec::new();
    for scenario in value["scenarios"].as_array().expect("scenarios") {
        for run in scenario["runs"].as_array().expect("runs") {
            hashes.push((
                scenario["file"].as_str().unwrap_or_default().to_string(),
                run["seed"].as_u64().unwrap_or_default(),
                run["trace_hash"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    hashes
}

#[test]
fn every_suite_trace_is_identical_run_after_run_and_across_thread_counts() {
    let args = ["run", "scenarios/suite", "--json", "--runs", "2"];
    let first = trace_hashes(&args, "1");
    assert!(first.len() >= 60, "two runs of every suite scenario: {}", first.len());
    assert_eq!(trace_hashes(&args, "1"), first, "same seed, same trace");
    assert_eq!(trace_hashes(&args, "4"), first, "thread count does not change traces");
    let distinct: std::collections::BTreeSet<_> = first.iter().map(|(_, _, h)| h).collect();
    assert!(
        distinct.len() > first.len() / 2,
        "different seeds and scenarios give different traces"
    );
}

/// The trace of the first seed of every suite scenario, pinned: a change to any model, record
/// or serialisation shows up here. Optimisations must leave this snapshot alone; a deliberate
/// behaviour change updates it (`cargo insta review`) and says why in its commit.
#[test]
fn suite_trace_hashes_are_pinned() {
    let hashes = trace_hashes(&["run", "scenarios/suite", "--json", "--runs", "1"], "2");
    let lines: Vec<String> =
        hashes.iter().map(|(file, seed, hash)| format!("{file} seed={seed} {hash}")).collect();
    insta::assert_snapshot!(lines.join("\n"));
}

/// Without `--report`, runs keep no poll records in memory; with it, they keep every record.
/// Verdicts, events and trace hashes are the same either way. Trace files are streamed while
/// each run goes: every file's SHA-256 is the trace hash `--json` reports, and no temporary
/// file is left behind.
#[test]
fn discarding_polls_changes_no_result_and_trace_files_hash_to_the_trace_hash() {
    use sha2::{Digest, Sha256};
    let dir = std::env::temp_dir().join(format!("unlocksim-polls-{}", std::process::id()));
    let (reports, traces) = (dir.join("reports"), dir.join("traces"));
    let json = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/suite", "--json"];
        args.extend_from_slice(extra);
        let output = unlocksim(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let discarded = json(&[]);
    let kept = json(&[
        "--report",
        reports.to_str().expect("UTF-8"),
        "--trace-dir",
        traces.to_str().expect("UTF-8"),
    ]);
    assert_eq!(discarded, kept);
    let value: serde_json::Value = serde_json::from_str(&discarded).expect("JSON");
    let mut checked = 0;
    for scenario in value["scenarios"].as_array().expect("scenarios") {
        let file = scenario["file"].as_str().expect("file");
        let stem = std::path::Path::new(file).file_stem().expect("stem");
        for run in scenario["runs"].as_array().expect("runs") {
            let seed = run["seed"].as_u64().expect("seed");
            let path = traces.join(stem).join(format!("seed-{seed}.jsonl"));
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(Some(hash.as_str()), run["trace_hash"].as_str(), "{}", path.display());
            checked += 1;
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&traces)
        .expect("trace folder")
        .flatten()
        .flat_map(|folder| std::fs::read_dir(folder.path()).into_iter().flatten().flatten())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(checked >= 300, "every run of the suite has its file: {checked}");
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_different_seed_gives_a_different_trace() {
    let file = "scenarios/suite/walk_away_trouser_pocket.yaml";
    let a = trace_hashes(&["run", file, "--json", "--runs", "1", "--seed", "1"], "1");
    let b = trace_hashes(&["run", file, "--json", "--runs", "1", "--seed", "2"], "1");
    assert_ne!(a[0].2, b[0].2);
}

#[test]
fn a_failing_expectation_exits_1_with_what_happened_and_a_repro_line() {
    let output = unlocksim(&["run", "tests/fixtures/scenarios/failing_expectation.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("FAIL desk locks within 2m after 1m"), "{text}");
    assert!(text.contains("1 of 1 runs failed"), "{text}");
    assert!(text.contains("seed 1: not locked by 3m: no lock at all"), "{text}");
    assert!(
        text.contains("repro: unlocksim run tests/fixtures/scenarios/failing_expectation.yaml --seed 1 --runs 1"),
        "{text}"
    );
}

#[rstest]
#[case::unknown_key("unknown_key.yaml", "unknown_key.yaml:10:", "unknown key `sitt`")]
#[case::dangling_place(
    "dangling_reference.yaml",
    "dangling_reference.yaml:12:",
    "no place is named `kitchn`"
)]
#[case::dangling_user(
    "dangling_reference.yaml",
    "dangling_reference.yaml:13:",
    "no user is named `bob`"
)]
#[case::negative_duration(
    "bad_duration.yaml",
    "bad_duration.yaml:3:",
    "a duration cannot be negative"
)]
#[case::two_actions(
    "two_actions.yaml",
    "two_actions.yaml:10:",
    "exactly one action besides `at`, found 2"
)]
#[case::missing_policy(
    "missing_policy_file.yaml",
    "missing_policy_file.yaml:12:",
    "cannot read policy file `no-such-policy.yaml`"
)]
fn invalid_scenarios_exit_2_with_a_position(
    #[case] file: &str,
    #[case] position: &str,
    #[case] message: &str,
) {
    let path = format!("tests/fixtures/scenarios/{file}");
    let output = unlocksim(&["run", &path]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    // Each problem once: its message, then its `file:line:column` in the rendered block.
    assert_eq!(text.matches(message).count(), 1, "{message} once in {text}");
    let at = text.find(message).unwrap_or_default();
    assert!(text[at..].contains(&format!("[tests/fixtures/scenarios/{position}")), "{text}");
    assert!(text.contains("nothing was run"), "{text}");
    assert!(stdout(&output).is_empty(), "no partial results");
}

#[test]
fn did_you_mean_for_a_dangling_place() {
    let output = unlocksim(&["run", "tests/fixtures/scenarios/dangling_reference.yaml"]);
    assert!(stderr(&output).contains("did you mean `kitchen`"), "{}", stderr(&output));
}

#[test]
fn junit_and_traces_are_written() {
    let dir = std::env::temp_dir().join(format!("unlocksim-run-test-{}", std::process::id()));
    let junit = dir.join("junit.xml");
    let traces = dir.join("traces");
    let output = unlocksim(&[
        "run",
        "scenarios/suite/phone_bluetooth_off_locks.yaml",
        "tests/fixtures/scenarios/failing_expectation.yaml",
        "--runs",
        "1",
        "--junit",
        junit.to_str().unwrap(),
        "--trace-dir",
        traces.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    // One case per expectation: two of the Bluetooth scenario, one of the failing fixture.
    assert!(xml.contains("tests=\"3\"") && xml.contains("failures=\"1\""), "{xml}");
    let failing = "<testcase name=\"desk locks within 2m after 1m\" \
                   classname=\"An expectation that cannot hold\"";
    assert!(xml.contains(failing), "{xml}");
    let repro = "<property name=\"repro\" value=\"unlocksim run \
                 tests/fixtures/scenarios/failing_expectation.yaml --seed 1 --runs 1";
    assert!(xml.contains(repro), "{xml}");
    assert!(xml.contains("<failure message=\"1 of 1 runs failed\">"), "{xml}");
    let trace =
        std::fs::read_to_string(traces.join("phone_bluetooth_off_locks").join("seed-6.jsonl"))
            .expect("trace written");
    assert!(trace.lines().any(|l| l.contains("\"kind\":\"lock\"")), "the trace has the lock");
    let _ = std::fs::remove_dir_all(&dir);
}

const LEANS: &str = "tests/fixtures/scenarios/leans_on_authentication_lock.yaml";
const PINNED_OFF: &str = "scenarios/suite/authentication_lock_interpretation_off.yaml";

/// `--interpretations all` groups what differs by outcome and names only the interpretations
/// it depends on; a scenario's pinned interpretation (in its file or by `--interpretation`)
/// stays fixed. (arguments, exit code, texts the output holds, a text it must not hold.)
#[rstest]
#[case::grouped_by_outcome(
    &["run", LEANS, "--interpretations", "all"],
    1,
    &[
        "runs=128 seeds 13-14 x 64 interpretations",
        "under interpretations hysteresis/all/primary/on/no_effect and 31 other combination(s) \
         of the 64 compared",
        "repro: unlocksim run tests/fixtures/scenarios/leans_on_authentication_lock.yaml \
         --seed 13 --runs 1 --interpretation authentication_lock=on   # unlocksim",
        "  DIFFERS desk never locks between 0s and 10m: depends on authentication_lock\n\
         \x20      pass\n\
         \x20        under authentication_lock=off\n\
         \x20      fail: seed 13: locked at 1 m 55 s (authentication_signal_lost)\n\
         \x20        under authentication_lock=on\n",
    ],
    "rssi_delta_reference="
)]
#[case::pinned_on_the_command_line(
    &["run", LEANS, "--interpretations", "all", "--interpretation", "authentication_lock=off"],
    0,
    &["runs=64 seeds 13-14 x 32 interpretations", "1 passed, 0 failed"],
    "DIFFERS desk never locks"
)]
#[case::pinned_in_the_file(
    &["run", PINNED_OFF, "--interpretations", "all", "--runs", "1"],
    0,
    &["runs=32 seeds 13 x 32 interpretations", "1 passed, 0 failed"],
    "authentication_lock=on"
)]
#[case::set_without_comparing(
    &["run", LEANS, "--interpretation", "authentication_lock=on", "--runs", "1"],
    1,
    &["runs=1 seeds 13", "  FAIL desk never locks between 0s and 10m"],
    "DIFFERS"
)]
#[case::unknown_interpretation(
    &["run", LEANS, "--interpretation", "authentcation_lock=on"],
    2,
    &["unknown interpretation `authentcation_lock`; did you mean `authentication_lock`?"],
    "FAIL"
)]
#[case::unknown_value(
    &["run", LEANS, "--interpretation", "authentication_lock=maybe"],
    2,
    &["unknown variant `maybe`, expected `off` or `on`"],
    "FAIL"
)]
fn interpretations_all_names_what_an_outcome_depends_on(
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] present: &[&str],
    #[case] absent: &str,
) {
    let (exit, out, err) = crate::util::run_text(args);
    let both = format!("{out}{err}");
    assert_eq!(exit, Some(code), "{both}");
    for text in present {
        assert!(both.contains(text), "{text:?} in {both}");
    }
    assert!(!both.contains(absent), "no {absent:?} in {both}");
}

#[test]
fn report_writes_an_html_and_a_text_timeline_per_run() {
    let dir = std::env::temp_dir().join(format!("unlocksim-report-test-{}", std::process::id()));
    let output = unlocksim(&[
        "run",
        "scenarios/suite/walk_away_trouser_pocket.yaml",
        "--runs",
        "1",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let index = dir.join("index.html");
    assert!(
        stdout(&output).contains(&format!("report: {}", index.display())),
        "the command says where the report is: {}",
        stdout(&output)
    );
    let index = std::fs::read_to_string(index).expect("index written");
    assert!(index.contains("href=\"walk_away_trouser_pocket/seed-1.html\""), "{index}");
    let html = std::fs::read_to_string(dir.join("walk_away_trouser_pocket").join("seed-1.html"))
        .expect("html written");
    assert!(html.contains("<svg") && html.contains("dynamic_lock"), "timeline with the lock");
    let text = std::fs::read_to_string(dir.join("walk_away_trouser_pocket").join("seed-1.txt"))
        .expect("text written");
    assert!(text.contains("LOCK dynamic_lock"), "{text}");
    assert!(
        text.contains(
            "reproduce: unlocksim run scenarios/suite/walk_away_trouser_pocket.yaml --seed 1"
        ),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_determinism_compares_every_seed_on_one_and_four_threads() {
    let output = unlocksim(&[
        "run",
        "scenarios/suite/walk_away_trouser_pocket.yaml",
        "scenarios/suite/seated_day_back_pocket.yaml",
        "--runs",
        "3",
        "--check-determinism",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert_eq!(text.matches("DETERMINISTIC ").count(), 2, "{text}");
    assert!(text.contains("seeds=3 threads=[1, 4]"), "{text}");
    assert!(text.ends_with("determinism: 2 scenario(s) reproducible, 0 not\n"), "{text}");
    let output =
        unlocksim(&["run", "tests/fixtures/scenarios/unknown_key.yaml", "--check-determinism"]);
    assert_eq!(output.status.code(), Some(2), "invalid input is still exit 2");
}

#[test]
fn walls_under_an_nlos_preset_warn_without_failing_the_run() {
    let output = crate::util::unlocksim(&[
        "run",
        "tests/fixtures/scenarios/walls_under_nlos.yaml",
        "--runs",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("walls_under_nlos.yaml:12:5"), "{stderr}");
    assert!(stderr.contains("walls belong on a line-of-sight baseline"), "{stderr}");
}

/// The bundled suite is the example a designer copies: it relies on no fit outside its range
/// and draws no walls under an NLoS preset, so it loads without a single warning.
#[test]
fn the_bundled_suite_loads_without_warnings() {
    let output = crate::util::unlocksim(&["run"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains('⚠'), "{stderr}");
}

/// Every failing run of a 20-run scenario is named, grouped by what happened, each with its
/// repro line; the seeds of a group read as ranges.
#[test]
fn every_failing_run_is_named_and_grouped_by_what_happened() {
    let file = "tests/fixtures/scenarios/failing_marginal_walk.yaml";
    let (code, text, _) = crate::util::run_text(&["run", file]);
    assert_eq!(code, Some(1), "{text}");
    let expected = [
        "runs=20 seeds 1-20",
        "  FAIL desk locks within 1m after 2m\n       9 of 20 runs failed\n",
        "       no lock after 2m: 2 runs (seeds 3, 9)\n",
        "       locked late: 7 runs (seeds 5, 7, 12-13, 18-20)\n",
        "         seed 12: not locked by 3m: locks at 5 m 02 s (dynamic_lock, ana-phone)\n",
        "timeline around t=3 m 00 s (seed 3):",
    ];
    for part in expected {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    for seed in [3, 5, 7, 9, 12, 13, 18, 19, 20] {
        let repro = format!("repro: unlocksim run {file} --seed {seed} --runs 1   # unlocksim");
        assert_eq!(text.matches(&repro).count(), 1, "{repro} in {text}");
    }
    assert!(text.ends_with("0 passed, 1 failed\n"), "{text}");
}

/// A file with several problems reports each of them, once, in one run.
#[test]
fn every_problem_of_a_file_is_reported_once() {
    let (code, _, text) =
        crate::util::run_text(&["run", "tests/fixtures/scenarios/dangling_reference.yaml"]);
    assert_eq!(code, Some(2), "{text}");
    for message in ["no place is named `kitchn`", "no user is named `bob`"] {
        assert_eq!(text.matches(message).count(), 1, "{message} once in {text}");
    }
}

const FAILING_FIXTURE: &str = "tests/fixtures/scenarios/failing_expectation.yaml";
const PASSING: &str = "scenarios/suite/phone_bluetooth_off_locks.yaml";

/// `--filter`, `--list` and `--fail-fast`: (arguments, exit code, what stdout holds, what it
/// must not hold).
#[rstest]
#[case::list_names_file_runs_and_seeds(
    &["run", "scenarios/suite", "--filter", "walk_away_fast", "--list"],
    0,
    "scenarios/suite/walk_away_fast_bag.yaml  Walk away briskly (2 m/s) with the phone in a bag  \
     (20 runs, seeds 11-30)\n1 scenario(s)\n",
    "PASS"
)]
#[case::filter_by_name_ignoring_case(
    &["run", PASSING, FAILING_FIXTURE, "--filter", "CANNOT HOLD", "--runs", "1"],
    1,
    "0 passed, 1 failed\n",
    "PASS"
)]
#[case::fail_fast_stops_at_the_first_failure(
    &["run", FAILING_FIXTURE, PASSING, "--fail-fast", "--runs", "1"],
    1,
    "0 passed, 1 failed\n",
    "PASS"
)]
#[case::without_fail_fast_every_scenario_runs(
    &["run", FAILING_FIXTURE, PASSING, "--runs", "1"],
    1,
    "1 passed, 1 failed\n",
    "not run"
)]
#[case::a_filter_skips_invalid_files_it_does_not_match(
    &["run", "tests/fixtures/scenarios", "--filter", "cannot hold", "--runs", "1"],
    1,
    "0 passed, 1 failed\n",
    "yaml::unknown-key"
)]
fn test_runner_manners(
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] ends_with: &str,
    #[case] absent: &str,
) {
    let (exit, out, err) = crate::util::run_text(args);
    assert_eq!(exit, Some(code), "{out}{err}");
    assert!(out.ends_with(ends_with), "{ends_with:?} at the end of {out}");
    assert!(!out.contains(absent), "no {absent:?} in {out}");
}

/// `--rerun-failed` runs what failed last time (from the state file), every scenario when no
/// run was recorded, and nothing once everything passed.
#[test]
fn rerun_failed_runs_the_last_failures() {
    let dir = std::env::temp_dir().join(format!("unlocksim-rerun-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_unlocksim"))
            .args(args)
            .env("UNLOCKSIM_STATE_DIR", &dir)
            .current_dir(crate::util::repo_root())
            .output()
            .expect("runs");
        (output.status.code(), stdout(&output), stderr(&output))
    };
    let both = ["run", PASSING, FAILING_FIXTURE, "--runs", "1", "--rerun-failed"];
    let (code, out, err) = run(&both);
    assert_eq!(code, Some(1), "{out}");
    assert!(err.contains("no earlier run recorded"), "{err}");
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
    let state = std::fs::read_to_string(dir.join("last-failed.txt")).expect("state written");
    assert!(state.ends_with(&format!("\n{FAILING_FIXTURE}\n")), "{state}");
    let (code, out, _) = run(&["run", "--rerun-failed", "--runs", "1"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("FAIL An expectation that cannot hold"), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    let (code, out, _) = run(&["run", PASSING, "--runs", "1"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out, err) = run(&both);
    assert_eq!((code, out.as_str()), (Some(0), "0 passed, 0 failed\n"), "{err}");
    assert!(err.contains("the last run had no failures"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text timeline reads for people: the full content hash (what `sha256sum` prints),
/// credentials by name, and a manual lock once, not as an action and again as the lock.
#[test]
fn the_text_timeline_shows_full_hashes_credential_names_and_no_doubled_lines() {
    use sha2::{Digest, Sha256};
    let dir = std::env::temp_dir().join(format!("unlocksim-readable-{}", std::process::id()));
    let file = "scenarios/suite/dns_server_change_denies_everyone.yaml";
    let (code, out, err) =
        crate::util::run_text(&["run", file, "--runs", "1", "--report", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let text = std::fs::read_to_string(dir.join("dns_server_change_denies_everyone/seed-1.txt"))
        .expect("text timeline");
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = std::fs::read(crate::util::repo_root().join(file)).expect("scenario");
    let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert!(text.contains(&format!("· sha256 {hash} ·")), "{text}");
    assert!(text.contains("present credentials=[pin] pc=desk-a"), "{text}");
    assert!(!text.contains("\"credential\""), "{text}");
    assert!(text.contains(" 0:00:30.000  pc:desk-a  LOCK manual (user at 0.6 m)\n"), "{text}");
    assert!(!text.lines().any(|line| line.ends_with("  lock")), "{text}");
    let changed = "world      network_change office-lan: ipv4_dns_servers 10.10.0.1, 10.10.0.2 \
                   -> 10.20.0.1, 10.20.0.2\n";
    assert!(text.contains(changed), "{text}");
}

/// Expectations for more observables, each failing in the fixture with what happened instead
/// (the suite's `sign_in_after_walk_away_with_phone.yaml` and `walk_away_fast_bag.yaml` hold
/// their passing forms): (expectation, what the summary says happened).
#[rstest]
#[case::unlock_of_a_pc_that_was_not_locked(
    "  FAIL unlock at desk at 30s succeeds\n",
    "seed 12: the PC was not locked: re-authenticated with [fingerprint, trusted_signal]"
)]
#[case::events_in_order(
    "  FAIL desk logs events 6520 then 8520 then 6520 in order at or after 0s\n",
    "6520 missing or out of order: 2 runs (seeds 12-13)"
)]
#[case::presence_through_an_interval(
    "  FAIL desk judges ana-phone present from 3m to 8m\n",
    "seed 12: absent at 3m"
)]
#[case::the_phone_a_lock_names(
    "  FAIL desk locks for other-phone within 5m after 1m\n",
    "seed 12: not locked by 6m: locks at 1 m 43 s (dynamic_lock, ana-phone)"
)]
#[case::a_notification(
    "  FAIL desk shows a notification containing \"Bluetooth is off\" at or after 0s\n",
    "no notification: 2 runs (seeds 12-13)"
)]
#[case::minimum_time_to_lock(
    "  FAIL desk: lock after walking away at 1m: min >= 2m, never-lock share <= 0\n",
    "2 of 2 runs locked; time to lock p50 42.5 s, p95 54.6 s, max 54.6 s, min 42.5 s"
)]
#[case::the_users_distance_at_the_lock(
    "  FAIL desk's user is at most 3 m away at its first lock at or after 1m\n",
    "seed 12: locked at 1 m 43 s (dynamic_lock) with the user 26.48 m away"
)]
#[case::a_comparison_between_interpretations(
    "  FAIL desk: locks under rssi_delta_reference=single_threshold > under \
     rssi_delta_reference=hysteresis, run by run\n",
    "seed 12: 1 lock under the left side, 1 lock under the right"
)]
fn every_observable_has_an_expectation(#[case] failed: &str, #[case] happened: &str) {
    failing_expectation_says("tests/fixtures/scenarios/failing_observables.yaml", failed, happened);
}

/// Runs the failing fixture `file` (exit 1) and checks that the block of its failed expectation
/// `failed` (up to the next `FAIL`) says `happened`.
fn failing_expectation_says(file: &str, failed: &str, happened: &str) {
    let (code, out, err) = crate::util::run_text(&["run", file]);
    assert_eq!(code, Some(1), "{out}{err}");
    let at = out.find(failed).unwrap_or_else(|| panic!("{failed:?} in {out}"));
    let block = &out[at..];
    let end = block[failed.len()..].find("  FAIL ").map_or(block.len(), |i| i + failed.len());
    assert!(block[..end].contains(happened), "{happened:?} in {out}");
}

/// Where a PC is associated at a time: the access point it is on instead, or none.
#[rstest]
#[case::another_access_point(
    "  FAIL laptop is associated with access point ap-desk at 3m\n",
    "seed 1: on ap-hall (12-ab-34-ff-e5-47) at 3m"
)]
#[case::no_access_point(
    "  FAIL laptop is associated with BSSID 12-ab-34-ff-e5-47 at 6m30s\n",
    "not associated: 2 runs (seeds 1-2)"
)]
fn an_association_that_does_not_hold_says_where_the_pc_was(
    #[case] failed: &str,
    #[case] happened: &str,
) {
    failing_expectation_says("tests/fixtures/scenarios/failing_association.yaml", failed, happened);
}

/// The passing forms hold in the suite, and `--json` lists the PC's Wi-Fi association records.
#[test]
fn the_passing_forms_hold_and_json_lists_wifi_records() {
    let (code, out, err) = crate::util::run_text(&[
        "run",
        "scenarios/suite/sign_in_after_walk_away_with_phone.yaml",
        "scenarios/suite/walk_away_fast_bag.yaml",
        "scenarios/suite/two_paired_phones_one_left_behind.yaml",
        "scenarios/suite/pc_radio_off_disables_dynamic_lock.yaml",
        "scenarios/suite/walk_away_trouser_pocket.yaml",
        "scenarios/suite/wifi_roam_any_bssid.yaml",
        "scenarios/suite/rssi_delta_reference_unlock_rssi.yaml",
        "--runs",
        "2",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (_, json, _) = crate::util::run_text(&[
        "run",
        "scenarios/suite/wifi_roam_any_bssid.yaml",
        "--runs",
        "1",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let events = value["scenarios"][0]["runs"][0]["events"].as_array().expect("events");
    let roam = events.iter().find(|e| e["kind"] == "wifi" && e["change"] == "roamed");
    let roam = roam.unwrap_or_else(|| panic!("a roam in {events:?}"));
    assert_eq!((&roam["to"], &roam["bssid"]), (&"ap-hall".into(), &"12-ab-34-ff-e5-47".into()));
}

/// Three misspelt keys, in block mappings and inside flow mappings
/// (`{pc: desk, withn: 3m, aftr: 1m}`): all three in one run, each once, with its position and
/// did-you-mean, and nothing run.
#[rstest]
#[case::block_mappings(
    "three_typos.yaml",
    [
        ("duraton", "three_typos.yaml:4:1]", "duration"),
        ("caried_by", "three_typos.yaml:10:7]", "carried_by"),
        ("polcy_file", "three_typos.yaml:17:5]", "policy_file"),
    ]
)]
#[case::flow_mappings(
    "flow_typos.yaml",
    [
        ("cary", "flow_typos.yaml:9:34]", "carry"),
        ("withn", "flow_typos.yaml:17:31]", "within"),
        ("aftr", "flow_typos.yaml:17:42]", "after"),
    ]
)]
fn every_misspelt_key_of_a_file_is_reported_in_one_run(
    #[case] file: &str,
    #[case] typos: [(&str, &str, &str); 3],
) {
    let path = format!("tests/fixtures/scenarios/{file}");
    let (code, out, err) = crate::util::run_text(&["run", &path]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    for (key, position, suggestion) in typos {
        let message = format!("unknown key `{key}`");
        assert_eq!(err.matches(&message).count(), 1, "{message} once in {err}");
        let block = &err[err.find(&message).unwrap_or_default()..];
        assert!(block.contains(position), "{position} after {message} in {err}");
        assert!(block.contains(&format!("did you mean `{suggestion}`?")), "{err}");
    }
}

/// Loader wordings in people's words: what number was expected, which key is doubled (no
/// parser option named), and a did-you-mean for a misspelt environment preset.
#[rstest]
#[case::a_u32("runs: many\n", "expected a whole number from 0 to 4294967295 here")]
#[case::a_duplicate_key("seed: 2\n", "the key `seed` appears twice in one mapping")]
#[case::a_preset(
    "world:\n  environment: {preset: ofice_los}\n",
    "unknown environment `ofice_los`; did you mean `office_los`?"
)]
fn loader_wordings_say_what_was_expected(#[case] extra: &str, #[case] said: &str) {
    let dir = std::env::temp_dir().join(format!("unlocksim-wording-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // One file per case (the cases run in parallel): named after what it checks.
    let stem: String = said.chars().filter(char::is_ascii_alphanumeric).take(24).collect();
    let file = dir.join(format!("{stem}.yaml"));
    let base = "name: Wording\nseed: 1\nduration: 1m\n";
    let text = if extra.starts_with("world:") {
        format!("{base}{extra}  pcs:\n    desk: {{position: [0, 0]}}\n")
    } else {
        format!("{base}world:\n  pcs:\n    desk: {{position: [0, 0]}}\n{extra}")
    };
    std::fs::write(&file, text).expect("scenario written");
    let (code, out, err) = crate::util::run_text(&["run", file.to_str().expect("utf-8")]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains(said), "{said:?} in {err}");
    assert!(!err.contains("DuplicateKeyPolicy") && !err.contains("invalid u32"), "{err}");
}

/// Under `--interpretations all`, a JUnit case's repro sets the interpretations under which its
/// expectation first failed.
#[test]
fn a_junit_repro_sets_the_interpretations_that_failed() {
    let dir = std::env::temp_dir().join(format!("unlocksim-junit-all-{}", std::process::id()));
    let junit = dir.join("junit.xml");
    let (code, out, _) = crate::util::run_text(&[
        "run",
        LEANS,
        "--interpretations",
        "all",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let _ = std::fs::remove_dir_all(&dir);
    let repro = "<property name=\"repro\" value=\"unlocksim run \
                 tests/fixtures/scenarios/leans_on_authentication_lock.yaml --seed 13 --runs 1 \
                 --interpretation authentication_lock=on   # unlocksim";
    assert!(xml.contains(repro), "{xml}");
}

/// Two scenarios whose files share a stem would write their reports and traces to the same
/// folder: with `--report` or `--trace-dir` that is refused before anything runs (exit 2, no
/// folder made); without either they run.
#[test]
fn scenarios_that_would_share_a_report_folder_are_refused() {
    let dir = std::env::temp_dir().join(format!("unlocksim-same-stem-{}", std::process::id()));
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.join(sub)).expect("folder");
        let policies = crate::util::repo_root().join("scenarios/policies");
        let text = std::fs::read_to_string("tests/fixtures/scenarios/walls_under_nlos.yaml")
            .expect("fixture")
            .replace("../../../scenarios/policies", &policies.to_string_lossy());
        std::fs::write(dir.join(sub).join("walk.yaml"), text).expect("written");
    }
    let (a, b) = (dir.join("a/walk.yaml"), dir.join("b/walk.yaml"));
    let (a, b) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    let report = dir.join("report");
    let output = unlocksim(&["run", a, b, "--runs", "1", "--report", report.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("would both write their reports and traces"));
    assert!(!report.exists(), "nothing written");
    let output = unlocksim(&["run", a, b, "--runs", "1"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// A second `--report` into the same folder leaves exactly the pages of its own runs: the run
/// pages of an earlier report with more runs are removed, and any other file is left alone.
#[test]
fn a_rerun_report_holds_only_its_own_run_pages() {
    let dir = std::env::temp_dir().join(format!("unlocksim-rerun-report-{}", std::process::id()));
    let file = "scenarios/suite/dns_server_change_denies_everyone.yaml";
    let folder = dir.join("dns_server_change_denies_everyone");
    let report = |runs: &str| {
        let (code, out, err) = crate::util::run_text(&[
            "run",
            file,
            "--runs",
            runs,
            "--report",
            dir.to_str().expect("UTF-8"),
        ]);
        assert_eq!(code, Some(0), "{out}{err}");
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .expect("scenario folder")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(report("2"), ["seed-1.html", "seed-1.txt", "seed-2.html", "seed-2.txt"]);
    std::fs::write(folder.join("notes.md"), "mine").expect("a file of the user's");
    let names = report("1");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(names, ["notes.md", "seed-1.html", "seed-1.txt"]);
}

/// Standard output that cannot be written (a full disk: `/dev/full`) fails `run` with exit 2 and
/// says so, in every output mode; it never passes as a green run with no output.
#[rstest]
#[case::summary(&["run", "scenarios/suite/dns_server_change_denies_everyone.yaml"])]
#[case::json(&["run", "scenarios/suite/dns_server_change_denies_everyone.yaml", "--json"])]
#[case::determinism(&[
    "run",
    "scenarios/suite/dns_server_change_denies_everyone.yaml",
    "--check-determinism",
])]
fn a_full_disk_on_stdout_fails_the_run(#[case] args: &[&str]) {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // Not Linux: there is no full device to write to.
    };
    let output = crate::util::unlocksim_command(args)
        .stdout(full)
        .output()
        .expect("the unlocksim binary runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("error: cannot write to standard output: No space left"), "{err}");
}

/// `--report` writes pages for the first 1,000 runs of a scenario (and, past them, only the runs
/// a failure names), and its index links exactly the pages that exist: 100,000 runs made 1.6 GB.
#[test]
fn a_report_of_many_runs_keeps_the_first_thousand_pages() {
    let dir = std::env::temp_dir().join(format!("unlocksim-report-cap-{}", std::process::id()));
    let file = "scenarios/suite/dns_server_change_denies_everyone.yaml";
    let (code, out, err) = crate::util::run_text(&[
        "run",
        file,
        "--runs",
        "1003",
        "--seed",
        "1",
        "--report",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let folder = dir.join("dns_server_change_denies_everyone");
    let pages = std::fs::read_dir(&folder).expect("scenario folder").count();
    let index = std::fs::read_to_string(dir.join("index.html")).expect("index");
    let linked: Vec<&str> = index
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("dns_server_change_denies_everyone/"))
        .collect();
    let missing: Vec<&&str> = linked.iter().filter(|href| !dir.join(href).is_file()).collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(pages, 2 * 1000, "an HTML and a text page for each of the first 1,000 runs");
    assert_eq!(linked.len(), 1000, "the index links each page once");
    assert!(missing.is_empty(), "linked pages that do not exist: {missing:?}");
}
