use rstest::rstest;
use serde_json::json;

use super::*;
use crate::testing::{trace, walk_away_day};

/// The time of a test trace's last record, standing for the run's end.
fn end_of(trace: &Trace) -> SimTime {
    trace.records.last().map_or(SimTime::ZERO, |r| r.time)
}

#[test]
fn walk_away_day_metrics() {
    let m = RunMetrics::from_trace(
        &walk_away_day(),
        end_of(&walk_away_day()),
        &MetricOptions::default(),
    );
    assert_eq!(
        m,
        RunMetrics {
            // Left at 100 s, locked at 145 s; the walk-away at 360 s starts locked (manual).
            time_to_lock_us: vec![Some(45_000_000)],
            // 0..100 s and 300..360 s.
            seated_us: 160_000_000,
            false_locks_count: 0,
            desk_unlock_attempts_count: 1,
            desk_unlocks_count: 1,
            far_unlock_attempts_count: 1,
            far_trusted_unlocks_count: 0,
        }
    );
    assert_eq!(m.unlock_availability_share(), Some(1.0));
    assert_eq!(m.unlock_from_afar_share(), Some(0.0));
    assert_eq!(m.never_lock_share(), Some(0.0));
}

fn at_desk(t: f64, value: bool) -> (f64, &'static str, &'static str, serde_json::Value) {
    (t, "user:ana", "at_desk", json!({ "pc": "desk", "value": value }))
}

fn lock(t: f64, reason: &str) -> (f64, &'static str, &'static str, serde_json::Value) {
    (t, "pc:desk", "lock", json!({ "reason": reason, "detail": {} }))
}

fn unlock(
    t: f64,
    factors: &[&str],
    distance_m: f64,
) -> (f64, &'static str, &'static str, serde_json::Value) {
    (
        t,
        "pc:desk",
        "unlock",
        json!({ "factors": factors, "was_locked": true, "trusted_signal": null, "phone_distance_m": distance_m }),
    )
}

#[rstest]
#[case::never_locks(vec![at_desk(0.0, true), at_desk(10.0, false), at_desk(100.0, true)], vec![None])]
#[case::lock_after_return_does_not_count(
    vec![at_desk(0.0, true), at_desk(10.0, false), at_desk(100.0, true), lock(120.0, "dynamic_lock")], vec![None])]
#[case::authentication_lock_counts(
    vec![at_desk(10.0, false), lock(70.0, "authentication_signal_lost")], vec![Some(60_000_000)])]
#[case::inactivity_lock_ends_the_wait(
    vec![at_desk(10.0, false), lock(20.0, "inactivity"), lock(70.0, "dynamic_lock")], vec![None])]
#[case::two_walk_aways(
    vec![at_desk(10.0, false), lock(40.0, "dynamic_lock"), unlock(50.0, &["pin"], 1.0),
         at_desk(50.0, true), at_desk(60.0, false), lock(95.5, "dynamic_lock")],
    vec![Some(30_000_000), Some(35_500_000)])]
fn time_to_lock(
    #[case] records: Vec<(f64, &'static str, &'static str, serde_json::Value)>,
    #[case] expected: Vec<Option<u64>>,
) {
    let m = RunMetrics::from_trace(
        &trace(&records),
        end_of(&trace(&records)),
        &MetricOptions::default(),
    );
    assert_eq!(m.time_to_lock_us, expected);
}

#[test]
fn false_locks_while_seated_per_user_hour() {
    let records = vec![
        at_desk(0.0, true),
        lock(600.0, "dynamic_lock"),
        unlock(610.0, &["pin", "fingerprint"], 0.5),
        lock(1200.0, "manual"),
        unlock(1210.0, &["pin", "trusted_signal"], 0.5),
        lock(1800.0, "dynamic_lock"),
    ];
    let run_end = SimTime::from_us(3_600_000_000);
    let m = RunMetrics::from_trace(&trace(&records), run_end, &MetricOptions::default());
    assert_eq!(m.false_locks_count, 2);
    assert_eq!(m.seated_us, 3_600_000_000);
    assert_eq!(m.false_locks_per_h(), Some(2.0));
    assert_eq!(m.desk_unlock_attempts_count, 2);
}

#[rstest]
#[case(&["pin", "trusted_signal"], 12.0, 8.0, (1, 1))]
#[case(&["pin", "fingerprint"], 12.0, 8.0, (1, 0))]
#[case(&["pin", "trusted_signal"], 7.9, 8.0, (0, 0))]
#[case(&["pin", "trusted_signal"], 7.9, 5.0, (1, 1))]
fn unlock_from_afar(
    #[case] factors: &[&str],
    #[case] distance_m: f64,
    #[case] far_distance_m: f64,
    #[case] expected: (u64, u64),
) {
    let m = RunMetrics::from_trace(
        &trace(&[unlock(5.0, factors, distance_m)]),
        SimTime::from_us(60_000_000),
        &MetricOptions { far_distance_m },
    );
    assert_eq!((m.far_unlock_attempts_count, m.far_trusted_unlocks_count), expected);
}

#[rstest]
#[case::one(&[4.0], 4.0, 4.0, 4.0)]
#[case::two_clamped_at_zero(&[1.0, 3.0], 2.0, 0.0, 2.0 + 12.706)]
#[case::three_clamped_at_zero(&[1.0, 2.0, 3.0], 2.0, 0.0, 2.0 + 4.303 / 3f64.sqrt())]
#[case::four(&[10.0, 11.0, 12.0, 13.0], 11.5, 11.5 - 3.182 * (5f64 / 12.0).sqrt(), 11.5 + 3.182 * (5f64 / 12.0).sqrt())]
fn estimates(#[case] values: &[f64], #[case] mean: f64, #[case] low: f64, #[case] high: f64) {
    let e = Estimate::of(values).unwrap();
    assert!((e.mean - mean).abs() < 1e-12, "{e:?}");
    assert!((e.ci95_low - low).abs() < 1e-9, "{e:?}");
    assert!((e.ci95_high - high).abs() < 1e-9, "{e:?}");
}

#[test]
fn aggregation_percentiles_count_never_as_longest() {
    let s = |v: u64| Some(v * 1_000_000);
    let runs: Vec<RunMetrics> = (0..10)
        .map(|i| RunMetrics {
            time_to_lock_us: vec![if i == 9 { None } else { s(30 + i) }, s(40 + i)],
            ..RunMetrics::default()
        })
        .collect();
    let a = AggregateMetrics::from_runs(&runs);
    assert_eq!(a.walk_aways_count, 20);
    // Sorted: 30..=38, 40..=49, never; nearest rank 10 of 20 is 40, rank 19 is 49.
    assert_eq!(a.time_to_lock_s_p50, Some(40.0));
    assert_eq!(a.time_to_lock_s_p95, Some(49.0));
    assert_eq!(a.time_to_lock_s_max, None, "one walk-away never locked");
    assert_eq!(a.never_lock_share, Some(0.05));
    assert_eq!(a.value(Metric::NeverLock), Some(0.05));
}

#[test]
fn aggregation_without_walk_aways_has_no_times() {
    let a = AggregateMetrics::from_runs(&[RunMetrics::default()]);
    assert_eq!((a.time_to_lock_s_p50, a.never_lock_share, a.false_locks_per_h), (None, None, None));
}

#[test]
fn metric_names_round_trip_through_serde() {
    for metric in Metric::ALL {
        let text = serde_json::to_string(&metric).unwrap();
        assert_eq!(text, format!("\"{}\"", metric.name()));
        assert_eq!(Metric::from_name(metric.name()), Some(metric));
    }
}

#[rstest]
// Wilson (1927) by hand: z = 1.96, n = 10.
#[case::none_of_ten(0, 10, (0.0, 0.2775))]
#[case::all_of_ten(10, 10, (0.7225, 1.0))]
#[case::half(5, 10, (0.2366, 0.7634))]
fn wilson_intervals(#[case] successes: u64, #[case] trials: u64, #[case] expected: (f64, f64)) {
    let (low, high) = intervals::wilson_share(successes, trials).unwrap();
    assert!((low - expected.0).abs() < 1e-4 && (high - expected.1).abs() < 1e-4, "{low} {high}");
}

#[rstest]
// Garwood (1936) limits for k events in one unit of exposure (any table of exact Poisson
// limits, e.g. Ulm 1990): 0 -> 0..3.689, 1 -> 0.0253..5.572, 10 -> 4.795..18.39.
#[case::none(0, 1.0, (0.0, 3.6889))]
#[case::one(1, 1.0, (0.0253, 5.5716))]
#[case::ten(10, 1.0, (4.7954, 18.3904))]
#[case::ten_over_eight_hours(10, 8.0, (4.7954 / 8.0, 18.3904 / 8.0))]
fn garwood_intervals(#[case] events: u64, #[case] exposure: f64, #[case] expected: (f64, f64)) {
    let (low, high) = intervals::garwood_rate(events, exposure).unwrap();
    assert!((low - expected.0).abs() < 1e-3 && (high - expected.1).abs() < 1e-3, "{low} {high}");
}

#[rstest]
// The median of 20 lies between the 6th and 15th values with 95.9% confidence (Conover 1999,
// table A3); of 100 between the 40th and 61st.
#[case::median_of_20(20, 50.0, (Some(6), Some(15)))]
#[case::median_of_100(100, 50.0, (Some(40), Some(61)))]
// Too few values to bound the 95th percentile from above; 5 values do not bound the median.
#[case::p95_of_20(20, 95.0, (Some(17), None))]
#[case::median_of_5(5, 50.0, (None, None))]
fn order_statistic_ranks(
    #[case] n: u64,
    #[case] p: f64,
    #[case] expected: (Option<u64>, Option<u64>),
) {
    assert_eq!(intervals::percentile_ranks(n, p), Some(expected));
}

/// A run's metrics from small arbitrary counts.
fn arbitrary_run() -> impl proptest::strategy::Strategy<Value = RunMetrics> {
    use proptest::prelude::*;
    (
        proptest::collection::vec(proptest::option::weighted(0.8, 0u64..200_000_000), 0..12),
        0u64..40_000_000_000,
        0u64..30,
        (0u64..50, 0u64..50),
        (0u64..50, 0u64..50),
    )
        .prop_map(|(times, seated_us, false_locks, (desk_a, desk_u), (far_a, far_u))| {
            RunMetrics {
                time_to_lock_us: times,
                seated_us,
                false_locks_count: false_locks,
                desk_unlock_attempts_count: desk_a,
                desk_unlocks_count: desk_u.min(desk_a),
                far_unlock_attempts_count: far_a,
                far_trusted_unlocks_count: far_u.min(far_a),
            }
        })
}

proptest::proptest! {
    /// For arbitrary runs, every metric's interval contains its point estimate ("never" as
    /// infinity) and stays in the metric's range: shares in 0..=1, times and rates >= 0.
    #[test]
    fn every_interval_contains_its_estimate_and_respects_its_range(
        runs in proptest::collection::vec(arbitrary_run(), 0..8)
    ) {
        let a = AggregateMetrics::from_runs(&runs);
        for metric in Metric::ALL {
            let Some((low, high)) = a.interval(metric) else { continue };
            let estimate = a.value(metric).unwrap_or(f64::INFINITY);
            proptest::prop_assert!(low <= estimate && estimate <= high,
                "{metric:?}: {low} <= {estimate} <= {high}");
            proptest::prop_assert!(low >= 0.0, "{metric:?}: {low}");
            if metric.is_share() {
                proptest::prop_assert!(high <= 1.0, "{metric:?}: {high}");
            }
        }
        if let Some(e) = a.time_to_lock_s_mean {
            let ordered = 0.0 <= e.ci95_low && e.ci95_low <= e.mean && e.mean <= e.ci95_high;
            proptest::prop_assert!(ordered, "{e:?}");
        }
    }

    /// The interval functions alone, over wide counts.
    #[test]
    fn share_and_rate_intervals_stay_in_range(
        trials in 0u64..1_000_000, successes in 0u64..1_000_000, exposure in 1e-6f64..1e6
    ) {
        if let Some((low, high)) = intervals::wilson_share(successes, trials) {
            let share = successes.min(trials) as f64 / trials as f64;
            proptest::prop_assert!(0.0 <= low && low <= share && share <= high && high <= 1.0);
        }
        let (low, high) = intervals::garwood_rate(successes, exposure).unwrap();
        let rate = successes as f64 / exposure;
        proptest::prop_assert!(0.0 <= low && low <= rate && rate <= high, "{low} {rate} {high}");
    }
}
