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
