//! `unlocksim replay` (issue 18): a log's readings through a policy's Dynamic Lock. A replay of
//! a simulated run's own polls reproduces that run's locks to the microsecond.

use rstest::rstest;

use crate::util::{repo_root, run_text};

const POLICY: &str = "scenarios/policies/dynamic_lock_default.yaml";

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unlocksim-replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

/// A walk-away without typing (the trace does not record keystrokes, so the user's input is
/// the same in both: none after the start).
fn scenario(policy: &str) -> String {
    format!(
        "name: replay check\nseed: 1\nruns: 1\nduration: 6m\nworld:\n  environment: {{preset: \
         office_los}}\n  floor_plan:\n    walls:\n      - {{from: [10, -20], to: [10, 20], \
         loss_db: 8}}\n  pcs:\n    desk: {{position: [0, 0], paired_phones: [ana-phone]}}\n  \
         phones:\n    ana-phone: {{carried_by: ana, carry: trouser_pocket}}\n  users:\n    ana: \
         {{position: [0.6, 0]}}\nwindows:\n  desk:\n    user: ana\n    policy_file: {policy}\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n  - {{at: 2m, walk: {{user: ana, to: \
         [[26, 5]], speed_m_per_s: 1.4}}}}\n"
    )
}

/// (polls as CSV, lock times in µs) of a trace's PC `desk`.
fn polls_and_locks(trace: &str) -> (String, Vec<u64>) {
    let mut csv = String::from("time_s,rssi_db,place\n");
    let mut locks = Vec::new();
    for line in trace.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        if record["entity"] != "pc:desk" {
            continue;
        }
        let t_us = record["t_us"].as_u64().expect("time");
        match record["kind"].as_str() {
            Some("poll") => {
                let rssi =
                    record["payload"]["rssi"].as_i64().map_or(String::new(), |r| r.to_string());
                csv.push_str(&format!(
                    "{}.{:06},{rssi},away\n",
                    t_us / 1_000_000,
                    t_us % 1_000_000
                ));
            }
            Some("lock") => locks.push(t_us),
            _ => {}
        }
    }
    (csv, locks)
}

#[test]
fn a_replay_of_a_simulated_run_reproduces_its_locks_exactly() {
    let dir = temp("exact");
    let policy = repo_root().join(POLICY);
    let path = dir.join("walk.yaml");
    std::fs::write(&path, scenario(policy.to_str().expect("UTF-8"))).expect("written");
    let mut locked_runs = 0;
    for seed in 1..=8 {
        let traces = dir.join(format!("traces-{seed}"));
        let (code, _, stderr) = run_text(&[
            "run",
            path.to_str().expect("UTF-8"),
            "--seed",
            &seed.to_string(),
            "--trace-dir",
            traces.to_str().expect("UTF-8"),
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        let trace = std::fs::read_to_string(traces.join("walk").join(format!("seed-{seed}.jsonl")))
            .expect("trace written");
        let (csv, simulated) = polls_and_locks(&trace);
        locked_runs += usize::from(!simulated.is_empty());
        let log = dir.join(format!("polls-{seed}.csv"));
        std::fs::write(&log, csv).expect("written");
        let (code, stdout, stderr) =
            run_text(&["replay", log.to_str().expect("UTF-8"), "--policy", POLICY, "--json"]);
        assert_eq!(code, Some(0), "{stderr}");
        let replayed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let replayed: Vec<u64> = replayed["locks"]
            .as_array()
            .expect("locks")
            .iter()
            .map(|lock| (lock["t_s"].as_f64().expect("time") * 1e6).round() as u64)
            .collect();
        assert_eq!(replayed, simulated, "seed {seed}");
    }
    assert!(locked_runs >= 6, "the walk-away locks in most runs: {locked_runs} of 8");
}

/// Hand-written days: the lock, its delay after leaving, a false lock while seated, and the
/// unlock when the user comes back.
#[rstest]
#[case::walk_away(
    "0,0,desk\n10,0,desk\n20,-5,away\n30,-15,away\n40,-25,away\n50,-30,away\n60,,away\n70,,away\n80,,away\n",
    &[],
    "locks 1 false 0: 70.0@dynamic_lock after 50 s"
)]
#[case::a_dip_while_seated_is_a_false_lock(
    "0,0,desk\n10,-22,seated\n20,-22,seated\n30,-22,seated\n40,-22,seated\n50,0,desk\n",
    &[],
    "locks 1 false 1: 40.0@dynamic_lock while seated"
)]
#[case::typing_holds_the_lock_off(
    "0,0,desk\n10,-22,desk\n20,-22,desk\n30,-22,desk\n40,-22,desk\n50,0,desk\n",
    &[],
    "locks 0 false 0: "
)]
#[case::a_looser_threshold_keeps_it(
    "0,0,desk\n10,-22,seated\n20,-22,seated\n30,-22,seated\n40,-22,seated\n50,0,desk\n",
    &["--set", "rssiMaxDelta=-20"],
    "locks 0 false 0: "
)]
#[case::back_at_the_desk_unlocks_and_locks_again(
    "0,0,desk\n10,,away\n20,,away\n30,,away\n40,,away\n50,0,desk\n60,,away\n70,,away\n80,,away\n90,,away\n100,,away\n",
    &[],
    "locks 2 false 0: 40.0@dynamic_lock after 30 s, 90.0@dynamic_lock after 30 s"
)]
fn replays_of_hand_written_days(#[case] rows: &str, #[case] sets: &[&str], #[case] expect: &str) {
    let dir = temp(&format!("days-{}", expect.len() + rows.len()));
    let log = dir.join("day.csv");
    std::fs::write(&log, format!("time_s,rssi_db,place\n{rows}")).expect("written");
    let mut args = vec!["replay", log.to_str().expect("UTF-8"), "--policy", POLICY, "--json"];
    args.extend(sets);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(0), "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let locks: Vec<String> = result["locks"]
        .as_array()
        .expect("locks")
        .iter()
        .map(|lock| {
            let how = match lock["after_leaving_s"].as_f64() {
                Some(s) => format!(" after {s} s"),
                None if lock["while_seated"] == true => " while seated".to_owned(),
                None => String::new(),
            };
            format!("{}@{}{how}", lock["t_s"], lock["reason"].as_str().unwrap_or("?"))
        })
        .collect();
    let got =
        format!("locks {} false {}: {}", locks.len(), result["false_locks"], locks.join(", "));
    assert_eq!(got, expect);
}

/// A seated dip (a false lock under tight thresholds), then a walk-away.
const DIP_THEN_WALK: &str = "time_s,rssi_db,place\n0,0,desk\n10,-22,seated\n20,-22,seated\n\
30,-22,seated\n40,-22,seated\n50,0,desk\n60,-5,away\n70,-15,away\n80,-25,away\n90,-30,away\n\
100,,away\n110,,away\n120,,away\n130,,away\n140,,away\n";

/// `(params) false F walk W ttl T` per point of a grid replay's JSON.
fn grid_points(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    value["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|point| {
            let params: Vec<String> = point["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|pair| format!("{}={}", pair[0].as_str().unwrap_or("?"), pair[1]))
                .collect();
            let metrics = &point["metrics"];
            format!(
                "{} false {} walk {} ttl {}",
                params.join(" "),
                metrics["counts"]["false_locks_count"],
                metrics["walk_aways_count"],
                metrics["time_to_lock_s_p50"]
            )
        })
        .collect()
}

#[rstest]
#[case::rssi_max_delta(
    &["--grid", "rssiMaxDelta=-25,-20,-10"],
    &[
        "dynamic_lock_rssi_max_delta=-25 false 0 walk 1 ttl 70.0",
        "dynamic_lock_rssi_max_delta=-20 false 0 walk 1 ttl 70.0",
        "dynamic_lock_rssi_max_delta=-10 false 1 walk 1 ttl 50.0",
    ]
)]
#[case::two_dimensions_first_slowest(
    &["--grid", "dynamic_lock_rssi_min=-10..-5:5", "--grid", "rssi_max_delta=-20..-10:10"],
    &[
        "dynamic_lock_rssi_min=-10 rssi_max_delta=-20 false 0 walk 1 ttl 70.0",
        "dynamic_lock_rssi_min=-10 rssi_max_delta=-10 false 1 walk 1 ttl 50.0",
        "dynamic_lock_rssi_min=-5 rssi_max_delta=-20 false 0 walk 1 ttl 60.0",
        "dynamic_lock_rssi_min=-5 rssi_max_delta=-10 false 1 walk 1 ttl 50.0",
    ]
)]
#[case::interpretations_as_robustness(
    &["--grid", "rssiMaxDelta=-20", "--interpretations", "all", "--interpretation", "authentication_lock=off"],
    &[
        "dynamic_lock_rssi_max_delta=-20 rssi_delta_reference=\"hysteresis\" false 0 walk 1 ttl 70.0",
        "dynamic_lock_rssi_max_delta=-20 rssi_delta_reference=\"unlock_rssi\" false 1 walk 1 ttl 50.0",
        "dynamic_lock_rssi_max_delta=-20 rssi_delta_reference=\"peak_rssi\" false 1 walk 1 ttl 50.0",
        "dynamic_lock_rssi_max_delta=-20 rssi_delta_reference=\"single_threshold\" false 1 walk 1 ttl 40.0",
    ]
)]
fn a_grid_replays_every_point(#[case] grid: &[&str], #[case] expect: &[&str]) {
    let dir = temp(&format!("grid-{}", grid.join("").len()));
    let log = dir.join("day.csv");
    std::fs::write(&log, DIP_THEN_WALK).expect("written");
    let mut args = vec!["replay", log.to_str().expect("UTF-8"), "--policy", POLICY, "--json"];
    args.extend(grid);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(grid_points(&stdout), expect);
}

/// The same log gives byte-identical text, JSON and report files, run after run (points are
/// replayed in parallel and collected in grid order).
#[test]
fn a_grid_replay_is_deterministic() {
    let dir = temp("determinism");
    let grid = ["--grid", "rssiMin=-20..-2:2", "--grid", "rssiMaxDelta=-20..-2:2"];
    let mut outputs = Vec::new();
    for attempt in 0..2 {
        let report = dir.join(format!("report-{attempt}"));
        let mut args = vec!["replay", "examples/calibrate/day.csv", "--policy", POLICY];
        args.extend(grid);
        let (code, text, stderr) = run_text(&args);
        assert_eq!(code, Some(0), "{stderr}");
        args.extend(["--json", "--report", report.to_str().expect("UTF-8")]);
        let (code, json, stderr) = run_text(&args);
        assert_eq!(code, Some(0), "{stderr}");
        let files: Vec<String> = ["report.html", "points.csv", "points.json"]
            .iter()
            .map(|name| std::fs::read_to_string(report.join(name)).expect("report file"))
            .collect();
        outputs.push((text, json, files));
    }
    assert_eq!(outputs[0], outputs[1]);
    let (text, _, files) = &outputs[0];
    assert!(text.contains("replay: 197 polls at 100 points"), "{text}");
    assert!(text.contains("recommended setting: "), "{text}");
    assert!(files[0].contains("<h1>Replay day.csv</h1>"), "{}", files[0]);
    assert!(files[0].contains("<h2>Heat maps</h2>"), "{}", files[0]);
    assert!(!files[0].contains("Fewer than two distinct values"), "a 10 x 10 grid has heat maps");
    assert!(files[1].starts_with("dynamic_lock_rssi_min,dynamic_lock_rssi_max_delta,"));
}

/// `--set` takes `run --set`'s names and the policy's own `rssiMin`/`rssiMaxDelta` as aliases.
#[rstest]
#[case::alias(&["--set", "rssiMaxDelta=-20"])]
#[case::run_name(&["--set", "dynamic_lock_rssi_max_delta=-20"])]
#[case::both_rules(&["--set", "rssi_max_delta=-20"])]
fn set_names_are_run_set_names_or_the_policy_aliases(#[case] set: &[&str]) {
    let dir = temp(&format!("set-{}", set[1].len()));
    let log = dir.join("day.csv");
    std::fs::write(&log, DIP_THEN_WALK).expect("written");
    let mut args = vec!["replay", log.to_str().expect("UTF-8"), "--policy", POLICY];
    args.extend(set);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "replay: 15 polls, rssiMin -10, rssiMaxDelta -20\n\
         lock at 130.0 s (dynamic_lock), 70.0 s after leaving\n\
         locks: 1, false locks (while seated): 0\n"
    );
}

#[rstest]
#[case::typo(&["--set", "rssiMax=-3"], "unknown replay parameter `rssiMax`: did you mean `rssiMin`?")]
#[case::fixed_by_the_log(&["--set", "carry=hand"], "`carry` is a sweep parameter a recorded log already fixes")]
#[case::not_whole(&["--set", "dynamic_lock_rssi_min=-5.5"], "must be a whole number of dB")]
#[case::grid_not_a_number(&["--grid", "rssiMin=-20..-5"], "needs a number, not the name `-20..-5`")]
#[case::grid_backwards(&["--grid", "rssiMin=-5..-20:1"], "step 1 does not lead from -5 to -20")]
#[case::grid_empty_value(&["--grid", "rssiMin=-5,,-3"], "an empty value in the list")]
#[case::grid_too_large(
    &["--grid", "rssiMin=-128..127:1", "--grid", "rssiMaxDelta=-128..127:1", "--grid", "unlock_rssi_min=-10,-5"],
    "the replay grid has 131072 points, at most 100000"
)]
#[case::interpretation_value(&["--interpretation", "rssi_delta_reference=peak"], "--interpretation: interpretation `rssi_delta_reference`")]
fn bad_parameters_exit_2_with_a_message(#[case] flags: &[&str], #[case] message: &str) {
    let mut args = vec!["replay", "examples/calibrate/day.csv", "--policy", POLICY];
    args.extend(flags);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

/// An activity file gives a log without `place` the same day as the `place` column does.
#[test]
fn an_activity_file_stands_in_for_the_place_column() {
    let dir = temp("activity");
    let with_place = dir.join("place.csv");
    std::fs::write(&with_place, DIP_THEN_WALK).expect("written");
    let without: String = DIP_THEN_WALK
        .lines()
        .map(|line| line.rsplit_once(',').map_or(line, |(head, _)| head).to_owned() + "\n")
        .collect();
    let bare = dir.join("bare.csv");
    std::fs::write(&bare, without).expect("written");
    let activity = dir.join("activity.csv");
    std::fs::write(&activity, "from_s,to_s,activity\n0,10,working\n10,50,idle\n50,60,working\n")
        .expect("written");
    let replay = |log: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["replay", log.to_str().expect("UTF-8"), "--policy", POLICY];
        args.extend(extra);
        let (code, stdout, stderr) = run_text(&args);
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    let expected = replay(&with_place, &[]);
    assert!(expected.contains("false locks (while seated): 1"), "{expected}");
    assert_eq!(replay(&bare, &["--activity", activity.to_str().expect("UTF-8")]), expected);
    let away = replay(&bare, &[]);
    assert!(away.ends_with("false locks (while seated): 0\n"), "without it, always away: {away}");
}

/// `--interpretations all` without a grid groups the interpretations by the locks they give.
#[test]
fn interpretations_are_grouped_by_outcome() {
    let args =
        ["replay", "examples/calibrate/day.csv", "--policy", POLICY, "--interpretations", "all"];
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(0), "{stderr}");
    let groups: Vec<&str> = stdout.lines().filter(|l| l.starts_with("outcome ")).collect();
    assert_eq!(groups, ["outcome 1 (2 combinations):", "outcome 2 (6 combinations):"], "{stdout}");
    assert!(stdout.starts_with("replay: 197 polls under 8 interpretation combinations"));
}

/// The documented example: `day-polls.csv` with `day-activity.csv` is `day.csv`'s day.
#[test]
fn the_activity_example_replays_the_example_day() {
    let replay = |args: &[&str]| {
        let mut all = vec!["replay"];
        all.extend(args);
        all.extend(["--policy", POLICY]);
        let (code, stdout, stderr) = run_text(&all);
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    let place = replay(&["examples/calibrate/day.csv"]);
    let activity = replay(&[
        "examples/calibrate/day-polls.csv",
        "--activity",
        "examples/calibrate/day-activity.csv",
    ]);
    assert_eq!(activity, place);
    assert!(place.contains("lock at 650.0 s (dynamic_lock), 50.0 s after leaving"), "{place}");
}

/// Without a grid, `--report` writes the one point's report and prints the single replay.
#[test]
fn a_report_of_one_replay_keeps_the_single_output() {
    let dir = temp("single-report");
    let report = dir.join("report");
    let base = ["replay", "examples/calibrate/day.csv", "--policy", POLICY];
    let (code, plain, stderr) = run_text(&base);
    assert_eq!(code, Some(0), "{stderr}");
    let mut args = base.to_vec();
    args.extend(["--report", report.to_str().expect("UTF-8")]);
    let (code, reported, stderr) = run_text(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(reported, plain);
    let csv = std::fs::read_to_string(report.join("points.csv")).expect("points.csv");
    assert_eq!(csv.lines().count(), 2, "a header and one point: {csv}");
}
