//! `unlocksim run --set`: one command per sweep point. Bad overrides are exit 2 with a message;
//! the command a sweep report prints reproduces the sweep's run bit for bit; and the rule a
//! sweep recommends passes `policy check`.

use std::path::Path;

use reports::metrics::{AggregateMetrics, MetricOptions, RunMetrics};
use reports::recommend::{Objective, RecommendationCriteria, recommend, repro_command};
use reports::sweep::SweepPoint;
use rstest::rstest;
use scenarios::Scenario;
use scenarios::params::ParamValue;
use sha2::{Digest, Sha256};

use crate::util::{repo_root, run_text};

const WALK_AWAY: &str = "xtask/studies/walk-away.yaml";
const FAILING: &str = "tests/fixtures/scenarios/failing_expectation.yaml";

#[rstest]
#[case::no_equals(&["--set", "rssi_min"], "--set `rssi_min`: expected NAME=VALUE")]
#[case::empty_value(&["--set", "rssi_min="], "expected NAME=VALUE")]
#[case::unknown_name(&["--set", "rssi_minn=-5"], "unknown sweep parameter `rssi_minn`: did you mean `rssi_min`?")]
#[case::old_style_name(&["--set", "dynamic_lock_rssimin=-5"], "did you mean `dynamic_lock_rssi_min`?")]
#[case::not_a_number(&["--set", "unlock_rssi_min=loud"], "needs a number, not the name `loud`")]
#[case::not_whole(&["--set", "dynamic_lock_rssi_min=-5.5"], "must be a whole number of dB")]
#[case::bad_name(&["--set", "carry=pocket"], "`pocket` is not a value of `carry`")]
#[case::bad_preset(&["--set", "environment=ofice"], "expected one of: office_los, office_nlos")]
#[case::out_of_range(&["--set", "coexistence_loss_db=31"], "must lie in [0, 30] dB, not 31")]
#[case::no_walk(&["--set", "walk_distance_m=10"], "has no such walk")]
#[case::bad_interpretation(&["--set", "rssi_delta_reference=peak"], "expected one of: hysteresis, unlock_rssi, peak_rssi")]
fn bad_overrides_exit_2_with_a_message(#[case] set: &[&str], #[case] message: &str) {
    let mut args = vec!["run", FAILING];
    args.extend_from_slice(set);
    let (code, stdout, stderr) = run_text(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
    assert!(stderr.contains("nothing was run"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

fn load(file: &str) -> Scenario {
    let path = repo_root().join(file);
    let text = std::fs::read_to_string(&path).expect("scenario");
    let folder = path.parent().expect("folder").to_path_buf();
    let mut read =
        |relative: &str| std::fs::read_to_string(folder.join(relative)).map_err(|e| e.to_string());
    scenarios::load_scenario(file, &text, &mut read).expect("valid scenario")
}

/// One run the way `cargo xtask sweep` runs a point: the parameters set on the loaded scenario,
/// polls discarded.
fn sweep_run(
    scenario: &Scenario,
    params: &[(String, ParamValue)],
    seed: u64,
) -> (RunMetrics, String) {
    let scenario = scenario.with_parameters(params).expect("the point's values");
    let interpretations = scenario.interpretations;
    let output = scenarios::runner::run_once_with(&scenario, seed, &interpretations, true, None)
        .expect("the run completes");
    let end = engine::SimTime::ZERO.saturating_add(scenario.duration);
    (
        RunMetrics::from_trace(&output.trace, end, &MetricOptions::default()),
        output.trace_hash.to_string(),
    )
}

fn point(pairs: &[(&str, ParamValue)]) -> Vec<(String, ParamValue)> {
    pairs.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect()
}

#[test]
fn the_reproduce_command_gives_the_sweep_runs_trace_and_metrics() {
    let params = point(&[
        ("dynamic_lock_rssi_min", ParamValue::Int(-15)),
        ("unlock_rssi_max_delta", ParamValue::Int(-20)),
        ("rssi_delta_reference", ParamValue::Text("peak_rssi".into())),
        ("carry", ParamValue::Text("hand".into())),
    ]);
    let seed = 3;
    let (metrics, trace_hash) = sweep_run(&load(WALK_AWAY), &params, seed);
    assert!(!metrics.time_to_lock_us.is_empty(), "the run measures walk-aways: {metrics:?}");
    let dir = std::env::temp_dir().join(format!("unlocksim-set-{}", std::process::id()));
    let command = repro_command(&[WALK_AWAY.into()], &params, seed, 1, &dir.to_string_lossy());
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words[..2], ["unlocksim", "run"], "{command}");
    let (code, _, stderr) = run_text(&words[1..]);
    assert!(matches!(code, Some(0 | 1)), "{command}: {stderr}");
    let bytes = std::fs::read(dir.join("walk-away").join(format!("seed-{seed}.jsonl")))
        .expect("the trace file");
    let _ = std::fs::remove_dir_all(&dir);
    let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    // The same trace: the same metrics, which are a function of the trace.
    assert_eq!(hash, trace_hash, "{command}");
}

/// Two settings of the walk-away study, two seeds each: the recommendation's rules, as printed,
/// pass `unlocksim policy check`.
#[test]
fn the_recommended_rules_pass_policy_check() {
    let base = load(WALK_AWAY);
    let mut points = Vec::new();
    for (lock, unlock) in [(-5, -10), (-15, -20)] {
        let params = point(&[
            ("dynamic_lock_rssi_min", ParamValue::Int(lock)),
            ("unlock_rssi_min", ParamValue::Int(unlock)),
        ]);
        let runs: Vec<RunMetrics> = (1..=2).map(|seed| sweep_run(&base, &params, seed).0).collect();
        let metrics = AggregateMetrics::from_runs(&runs);
        points.push(SweepPoint {
            params,
            failed_runs: Vec::new(),
            metrics,
            command: String::new(),
        });
    }
    let mut r = recommend(&points, &RecommendationCriteria::default(), Objective::FastestLock)
        .expect("a recommendation");
    r.paste = Some(reports::recommend::paste(&base, &r.verdict.setting).expect("paste"));
    let text = reports::recommend::recommendation_text(&r, &RecommendationCriteria::default());
    let rules: Vec<&str> =
        text.lines().filter_map(|l| l.split_once(" rule: ").map(|(_, rule)| rule)).collect();
    assert_eq!(rules.len(), 2, "a Dynamic Lock and an Authentication rule:\n{text}");
    let dir = std::env::temp_dir().join(format!("unlocksim-paste-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (i, rule) in rules.iter().enumerate() {
        let file = dir.join(format!("rule-{i}.xml"));
        std::fs::write(&file, rule).expect("rule file");
        let (code, _, stderr) = run_text(&["policy", "check", file.to_str().expect("UTF-8")]);
        assert_eq!(code, Some(0), "{rule}: {stderr}");
        assert!(stderr.contains("0 error(s)"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let setting = &r.verdict.setting;
    let lock = setting.iter().find(|(n, _)| n == "dynamic_lock_rssi_min").expect("set").1.clone();
    let ParamValue::Int(lock) = lock else { panic!("an integer") };
    assert!(rules[0].contains(&format!("rssiMin=\"{lock}\"")), "{}", rules[0]);
    assert!(Path::new(&repo_root().join(WALK_AWAY)).exists());
}

/// A failing run under `--set` reproduces with the same overrides: the repro line carries them.
#[test]
fn a_failed_expectation_under_set_repeats_the_overrides_in_its_repro() {
    let output = crate::util::unlocksim(&[
        "run",
        "tests/fixtures/scenarios/failing_expectation.yaml",
        "--set",
        "idle_min_s=31",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let repro = stdout.lines().find(|l| l.contains("repro: ")).expect("a repro line");
    assert!(repro.contains(" --set idle_min_s=31"), "{repro}");
}
