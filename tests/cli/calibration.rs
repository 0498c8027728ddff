//! `unlocksim run` with calibration distributions: each run's draws appear in `--json` under the
//! run's `calibration`, and a scenario that draws nothing shows none.

use crate::util::unlocksim;

/// Ana stands at 1 min and walks 30 m away; `calibration` is line 3.
fn scenario(calibration: &str) -> String {
    format!(
        "name: drawn\nseed: 1\ncalibration: {calibration}\nruns: 3\nduration: 4m\n\
         world:\n  pcs:\n    desk: {{position: [0, 0], paired_phones: [p]}}\n\
         \x20 phones:\n    p: {{carried_by: ana, carry: trouser_pocket}}\n\
         \x20 users:\n    ana: {{position: [0.6, 0]}}\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n\
         \x20 - {{at: 1m, walk: {{user: ana, to: [[30, 0]]}}}}\n"
    )
}

/// The `runs` of `unlocksim run --json` on `calibration`.
fn runs(name: &str, calibration: &str) -> Vec<serde_json::Value> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("calibration_{name}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let policy = crate::util::repo_root().join("scenarios/policies/dynamic_lock_default.yaml");
    std::fs::copy(policy, dir.join("policy.yaml")).expect("policy");
    let file = dir.join("s.yaml");
    std::fs::write(&file, scenario(calibration)).expect("scenario");
    let output = unlocksim(&["run", file.to_str().expect("utf-8"), "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    value["scenarios"][0]["runs"].as_array().expect("runs").clone()
}

#[test]
fn run_json_shows_each_runs_draws() {
    let drawn =
        runs("drawn", "{grpr_lower_dbm: {uniform: [-70, -56]}, lock_delay: {choice: [20s, 40s]}}");
    assert_eq!(drawn.len(), 3);
    let mut limits = Vec::new();
    for run in &drawn {
        let calibration = &run["calibration"];
        let limit = calibration["grpr_lower_dbm"].as_f64().expect("drawn");
        assert!((-70.0..=-56.0).contains(&limit), "{calibration}");
        let delay = calibration["lock_delay_s"].as_f64().expect("drawn");
        assert!(delay == 20.0 || delay == 40.0, "{calibration}");
        limits.push(limit);
    }
    assert!(limits[0] != limits[1] && limits[1] != limits[2], "{limits:?}");
    let fixed = runs("fixed", "{grpr_lower_dbm: -60}");
    assert!(fixed.iter().all(|run| run.get("calibration").is_none()), "{fixed:?}");
}
