use rstest::rstest;

use super::*;
use crate::metrics::Estimate;

fn estimate(mean: f64) -> Option<Estimate> {
    Some(Estimate { mean, ci95_low: mean, ci95_high: mean, runs_count: 4 })
}

/// A point with these parameters and metrics: p95 time to lock (s, `None` = never), false locks
/// per hour, availability and unlock-from-afar share.
fn point(params: &[(&str, ParamValue)], metrics: (Option<f64>, f64, f64, f64)) -> SweepPoint {
    let (ttl, false_locks, availability, afar) = metrics;
    let mut m = AggregateMetrics::from_runs(&[]);
    m.walk_aways_count = 4;
    m.time_to_lock_s_p95 = ttl;
    m.never_lock_share = Some(if ttl.is_none() { 0.5 } else { 0.0 });
    m.false_locks_per_h = estimate(false_locks);
    m.unlock_availability_share = estimate(availability);
    m.unlock_from_afar_share = estimate(afar);
    SweepPoint {
        params: params.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect(),
        failed_runs: Vec::new(),
        metrics: m,
        command: String::new(),
    }
}

fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}

fn text(v: &str) -> ParamValue {
    ParamValue::Text(v.into())
}

/// Three settings trading speed for nuisance: -5 locks in 30 s with 0.2 false locks/h, -10 in
/// 60 s with 0.05, -15 in 120 s with none.
fn trade_off() -> Vec<SweepPoint> {
    vec![
        point(&[("dynamic_lock_rssi_min", int(-5))], (Some(30.0), 0.2, 0.99, 0.0)),
        point(&[("dynamic_lock_rssi_min", int(-10))], (Some(60.0), 0.05, 0.98, 0.0)),
        point(&[("dynamic_lock_rssi_min", int(-15))], (Some(120.0), 0.0, 0.97, 0.0)),
    ]
}

fn criteria(pairs: &[(&str, f64)]) -> RecommendationCriteria {
    let mut c = RecommendationCriteria::default();
    for (name, value) in pairs {
        match *name {
            "time_to_lock_p95_s_max" => c.time_to_lock_p95_s_max = *value,
            "false_locks_per_h_max" => c.false_locks_per_h_max = *value,
            "unlock_availability_share_min" => c.unlock_availability_share_min = *value,
            _ => c.unlock_from_afar_share_max = *value,
        }
    }
    c
}

#[rstest]
#[case::defaults(&[], Objective::FastestLock, "dynamic_lock_rssi_min=-10")]
#[case::tolerant_of_false_locks(
    &[("false_locks_per_h_max", 0.5)],
    Objective::FastestLock,
    "dynamic_lock_rssi_min=-5"
)]
#[case::patient(
    &[("time_to_lock_p95_s_max", 150.0)],
    Objective::FewestFalseLocks,
    "dynamic_lock_rssi_min=-15"
)]
#[case::availability_first(
    &[("false_locks_per_h_max", 1.0)],
    Objective::HighestAvailability,
    "dynamic_lock_rssi_min=-5"
)]
#[case::strict_availability(
    &[("unlock_availability_share_min", 0.985), ("false_locks_per_h_max", 0.5)],
    Objective::FastestLock,
    "dynamic_lock_rssi_min=-5"
)]
fn the_study_criteria_and_objective_choose_the_winner(
    #[case] bounds: &[(&str, f64)],
    #[case] objective: Objective,
    #[case] expected: &str,
) {
    let r = recommend(&trade_off(), &criteria(bounds), objective).unwrap();
    assert_eq!(describe(&r.verdict.setting), expected, "{}", r.reason);
}

/// `rssi_min=-5` is fastest but misses the false-lock bound under `peak_rssi`; `-10` meets every
/// bound under both interpretations; `-15` too, but slower.
fn with_interpretation() -> Vec<SweepPoint> {
    let mut points = Vec::new();
    for (rssi_min, hysteresis, peak) in [
        (-5, (Some(30.0), 0.0, 0.99, 0.0), (Some(25.0), 0.4, 0.99, 0.0)),
        (-10, (Some(50.0), 0.0, 0.99, 0.0), (Some(45.0), 0.05, 0.98, 0.0)),
        (-15, (Some(80.0), 0.0, 0.97, 0.0), (Some(70.0), 0.0, 0.96, 0.0)),
    ] {
        for (reference, metrics) in [("hysteresis", hysteresis), ("peak_rssi", peak)] {
            let params = [("rssi_min", int(rssi_min)), ("rssi_delta_reference", text(reference))];
            points.push(point(&params, metrics));
        }
    }
    points
}

#[test]
fn a_swept_interpretation_yields_a_setting_robust_across_it() {
    let points = with_interpretation();
    let c = RecommendationCriteria::default();
    let mut r = recommend(&points, &c, Objective::FastestLock).unwrap();
    r.command = Some("unlocksim run s.yaml".into());
    assert!(r.meets_criteria);
    assert_eq!(describe(&r.verdict.setting), "rssi_min=-10");
    assert_eq!(r.verdict.point_indices, [2, 3], "judged on both interpretations");
    assert_eq!((r.acceptable_count, r.settings_count), (2, 3));
    // Worst case across the interpretation: the larger false-lock rate, the lower availability.
    let margins: Vec<(Option<f64>, bool)> =
        r.verdict.margins.iter().map(|m| (m.value, m.met)).collect();
    assert_eq!(
        margins,
        [(Some(50.0), true), (Some(0.05), true), (Some(0.98), true), (Some(0.0), true)]
    );
    let text = recommendation_text(&r, &c);
    assert!(!text.contains("rssi_delta_reference="), "never a thing to set:\n{text}");
    assert!(!r.reason.contains("peak_rssi") && !r.reason.contains("hysteresis"), "{}", r.reason);
    assert!(text.contains("judged across rssi_delta_reference: hysteresis, peak_rssi"), "{text}");
    assert!(
        text.contains("reproduce its first point (its robustness values are not settings):\n"),
        "{text}"
    );
}

#[test]
fn without_an_acceptable_setting_the_closest_names_what_to_relax_and_where_it_fails() {
    let points = with_interpretation();
    let c = criteria(&[("false_locks_per_h_max", 0.01), ("unlock_availability_share_min", 0.99)]);
    let r = recommend(&points, &c, Objective::FastestLock).unwrap();
    assert!(!r.meets_criteria);
    // -5: false locks 0.4 vs 0.01 (39x over); -10: 0.05 vs 0.01 (4x) and availability 0.98 vs
    // 0.99 (1% under); -15: availability 0.96 (3% under) is the smallest worst violation.
    assert_eq!(describe(&r.verdict.setting), "rssi_min=-15");
    assert_eq!(r.relax, ["unlock_availability_share_min to 0.96"]);
    let failures: Vec<String> = r.verdict.failures.iter().map(failure_text).collect();
    assert_eq!(
        failures,
        [
            "missed under rssi_delta_reference=hysteresis: unlock_availability_share_min is 0.97 \
             (by 0.02)",
            "missed under rssi_delta_reference=peak_rssi: unlock_availability_share_min is 0.96 \
             (by 0.03)",
        ]
    );
    assert!(r.reason.contains("closest"), "{}", r.reason);
}

#[test]
fn never_locking_misses_the_time_to_lock_bound_infinitely() {
    let points = vec![
        point(&[("rssi_min", int(-40))], (None, 0.0, 1.0, 0.0)),
        point(&[("rssi_min", int(-5))], (Some(200.0), 0.0, 1.0, 0.0)),
    ];
    let r = recommend(&points, &RecommendationCriteria::default(), Objective::FastestLock).unwrap();
    assert_eq!(describe(&r.verdict.setting), "rssi_min=-5");
    assert_eq!(r.relax, ["time_to_lock_p95_s_max to 200"]);
    let never = judge_setting(&points, &[0], &RecommendationCriteria::default());
    assert!(never.margins[0].never && !never.margins[0].met);
    assert_eq!(never.distance(), (0.5, 0.0), "half the walk-aways never lock");
    // When every setting sometimes never locks, the one that fails to lock least often is
    // closest.
    let mut both_never = points.clone();
    both_never[1].metrics.time_to_lock_s_p95 = None;
    both_never[1].metrics.never_lock_share = Some(0.25);
    let r = recommend(&both_never, &RecommendationCriteria::default(), Objective::FastestLock);
    assert_eq!(describe(&r.unwrap().verdict.setting), "rssi_min=-5");
}

#[test]
fn microsoft_defaults_come_from_the_grid_or_from_extra_points() {
    let c = RecommendationCriteria::default();
    let grid = trade_off();
    let in_grid = microsoft_defaults(&grid, &[], &c).unwrap();
    assert!(!in_grid.extra_points);
    assert_eq!(in_grid.verdict.point_indices, [1]);
    let without = [grid[0].clone(), grid[2].clone()];
    assert!(microsoft_defaults(&without, &[], &c).is_none());
    let extra = microsoft_defaults(&without, &grid[1..2], &c).unwrap();
    assert!(extra.extra_points);
    let mut r = recommend(&without, &c, Objective::FastestLock).unwrap();
    r.microsoft_defaults = Some(extra);
    let html = recommendation_html(Some(&r), &c, Objective::FastestLock);
    assert!(html.contains("not in the grid: 1 extra points were run"), "{html}");
    let text = recommendation_text(&r, &c);
    assert!(text.contains("Microsoft's defaults (rssiMin -10, rssiMaxDelta -10) (not in the grid"));
}

#[test]
fn pareto_front_keeps_the_undominated_points() {
    let mut points = trade_off();
    // A copy of the middle point with more false locks: dominated.
    let mut worse = points[1].clone();
    worse.metrics.false_locks_per_h = estimate(0.3);
    points.push(worse);
    assert_eq!(pareto_front(&points), [0, 1, 2]);
}

#[rstest]
#[case(&[("rssi_min", int(-5))], "unlocksim run s.yaml --set rssi_min=-5 --seed 1 --runs 2 --trace-dir t/p000001")]
#[case(&[("carry", text("it's"))], "unlocksim run s.yaml --set 'carry=it'\\''s' --seed 1 --runs 2 --trace-dir t/p000001")]
fn reproduce_commands_quote_what_a_shell_would_split(
    #[case] params: &[(&str, ParamValue)],
    #[case] expected: &str,
) {
    let params: Vec<(String, ParamValue)> =
        params.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect();
    assert_eq!(repro_command(&["s.yaml".into()], &params, 1, 2, "t/p000001"), expected);
}

/// A setting whose runs failed (a swept value the scenario rejects) is never acceptable: its
/// metrics miss those runs. The next best acceptable setting wins, and the failed one's verdict
/// says how many runs failed.
#[test]
fn a_setting_with_failed_runs_is_not_acceptable() {
    let mut points = trade_off();
    let c = criteria(&[("false_locks_per_h_max", 0.3)]);
    let before = recommend(&points, &c, Objective::FastestLock).expect("a winner");
    assert_eq!(before.point_index, 0, "-5 locks fastest");
    points[0].failed_runs = vec!["seed 1: grpr_lower_dbm must be at or above sensitivity".into()];
    let after = recommend(&points, &c, Objective::FastestLock).expect("a winner");
    assert_eq!(after.point_index, 1, "-10 is the fastest setting whose runs all ran");
    let verdict = judge_setting(&points, &[0], &c);
    assert!(!verdict.meets_criteria());
    assert_eq!(verdict.failed_runs_count, 1);
    assert!(verdict.failures.iter().any(|f| f.criterion == "runs_failed_max 0"));
}
