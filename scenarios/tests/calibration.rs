//! Calibration unknowns as ranges (issue 14, "Unknowns as ranges, not facts"): every calibration
//! value is fixed or a distribution, checked at load against its key's limits; a run draws each
//! distribution once from its own stream (`calibration`, key), deterministically from the seed,
//! records what it drew, and the draw moves the outcome.

mod common;

use std::collections::BTreeMap;

use engine::policy::Interpretations;
use engine::rng::RandomStreams;
use engine::time::SimDuration;
use engine::trace::{CalibrationRecord, Trace};
use rstest::rstest;
use scenarios::calibration::{CALIBRATION_CHOICES_MAX, Distribution};
use scenarios::determinism::check_determinism;
use scenarios::format::Calibration;
use scenarios::{RunOptions, Scenario, load_scenario, run_scenario};

/// Dynamic Lock with the seed's default thresholds (rssiMin -10, rssiMaxDelta -10: absent
/// below -20).
const POLICY: &str = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
    <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" \
    rssiMaxDelta=\"-10\"/></rule>'\n";

/// Ana sits at her PC, stands at 1 min and walks 30 m away (office NLoS, an 8 dB carry with no body side), then
/// stays there. `calibration` is line 3. `runs` runs from seed 1.
fn scenario(calibration: &str, runs: u32) -> String {
    format!(
        "name: walk away\nseed: 1\ncalibration: {calibration}\nruns: {runs}\nduration: 6m\n\
         world:\n  pcs:\n    desk: {{position: [0, 0], paired_phones: [p]}}\n\
         \x20 phones:\n    p: {{carried_by: ana, carry: {{loss_db: 8}}}}\n\
         \x20 users:\n    ana: {{position: [0.6, 0]}}\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n\
         \x20 - {{at: 1m, stand: {{user: ana}}}}\n\
         \x20 - {{at: 1m, walk: {{user: ana, to: [[30, 0]], speed_m_per_s: 1.2}}}}\n"
    )
}

fn load(calibration: &str, runs: u32) -> Result<Scenario, String> {
    let text = scenario(calibration, runs);
    load_scenario("c.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned()))
        .map_err(|diagnostics| common::error_lines(&diagnostics))
}

/// What a loaded calibration holds: `key=written` for every key written, in key order.
fn written(calibration: &Calibration) -> String {
    let shown: Vec<String> =
        calibration.written.iter().map(|(key, w)| format!("{key}={:?}", w.value)).collect();
    shown.join(" ")
}

/// Loads `calibration` (line 3 of the scenario) and shows what was written or what is wrong.
fn check(calibration: &str, expect: &str) {
    let shown = match load(calibration, 1) {
        Ok(scenario) => written(&scenario.calibration),
        Err(errors) => errors,
    };
    assert_eq!(shown, expect, "calibration: {calibration}");
}

#[rstest]
#[case::fixed_number("{grpr_lower_dbm: -60}", "grpr_lower_dbm=Fixed(-60.0)")]
#[case::fixed_duration("{lock_delay: 45s}", "lock_delay=Fixed(45.0)")]
#[case::uniform(
    "{grpr_lower_dbm: {uniform: [-70, -56]}}",
    "grpr_lower_dbm=Uniform { low: -70.0, high: -56.0 }"
)]
#[case::uniform_durations(
    "{lock_delay: {uniform: [20s, 40s500ms]}}",
    "lock_delay=Uniform { low: 20.0, high: 40.5 }"
)]
#[case::choice(
    "{tx_power_dbm_max: {choice: [0, 4, 10, 20]}}",
    "tx_power_dbm_max=Choice([0.0, 4.0, 10.0, 20.0])"
)]
#[case::normal(
    "{grpr_width_db: {normal: {mean: 20, sd: 2}}}",
    "grpr_width_db=Normal { mean: 20.0, sd: 2.0 }"
)]
#[case::fixed_out_of_range(
    "{grpr_width_db: 30}",
    "3:30 scenario::calibration: calibration: grpr_width_db must lie in [14, 26] dB, not 30"
)]
#[case::poll_interval_below_the_floor(
    "{poll_interval_min: 1us}",
    "3:34 scenario::calibration: calibration: poll_interval_min must be at least 1s, not 1us"
)]
#[case::typing_interval_below_the_floor(
    "{typing_interval: {uniform: [0s, 2s]}}",
    "3:32 scenario::calibration: calibration: typing_interval must be at least 100ms, not 0s"
)]
#[case::uniform_end_out_of_range(
    "{grpr_lower_dbm: {uniform: [-70, -40]}}",
    "3:31 scenario::calibration: calibration: grpr_lower_dbm must lie in [-94, -56] dBm, not -40"
)]
#[case::below_sensitivity_plus_6(
    "{grpr_lower_dbm: {uniform: [-88, -56]}}",
    "3:31 scenario::calibration: calibration: grpr_lower_dbm must lie in [sensitivity + 6, -56] = \
     [-84, -56] dBm in every run, not as low as -88"
)]
#[case::sensitivity_raises_the_floor(
    "{sensitivity_dbm: {uniform: [-90, -70]}, grpr_lower_dbm: -70}",
    "3:71 scenario::calibration: calibration: grpr_lower_dbm must lie in [sensitivity + 6, -56] = \
     [-64, -56] dBm in every run, not as low as -70"
)]
#[case::low_above_high(
    "{grpr_lower_dbm: {uniform: [-56, -70]}}",
    "3:31 scenario::calibration: calibration: grpr_lower_dbm: uniform needs low <= high, not \
     [-56 dBm, -70 dBm]"
)]
#[case::empty_choice(
    "{lock_delay: {choice: []}}",
    "3:27 scenario::calibration: calibration: lock_delay: choice needs at least one value"
)]
#[case::negative_sd(
    "{coexistence_loss_db: {normal: {mean: 5, sd: -1}}}",
    "3:36 scenario::calibration: calibration: coexistence_loss_db: normal needs sd >= 0, not -1"
)]
#[case::timeout_past_the_spec(
    "{page_timeout: {uniform: [1s, 50s]}}",
    "3:29 scenario::calibration: calibration: page_timeout must be at most 40s959ms375us, not 50s"
)]
#[case::poll_intervals_may_cross(
    "{poll_interval_min: {uniform: [10s, 40s]}}",
    "3:1 scenario::calibration: calibration needs poll_interval_min <= poll_interval_max (in every \
     run: compare the ends of the distributions)"
)]
#[case::unknown_key(
    "{grpr_lower: -60}",
    "3:15 yaml::unknown-key: unknown key `grpr_lower` (did you mean `grpr_lower_dbm`?)"
)]
#[case::unknown_distribution(
    "{lock_delay: {unifrom: [20s, 40s]}}",
    "3:28 yaml::unknown-key: unknown key `unifrom` (did you mean `uniform`?)"
)]
fn calibration_values_are_checked_at_load(#[case] calibration: &str, #[case] expect: &str) {
    check(calibration, expect);
}

/// The `choice` bound: [`CALIBRATION_CHOICES_MAX`] values load, one more is an error.
#[rstest]
#[case::at_the_bound(CALIBRATION_CHOICES_MAX, true)]
#[case::past_the_bound(CALIBRATION_CHOICES_MAX + 1, false)]
fn choices_are_bounded(#[case] count: usize, #[case] accepted: bool) {
    let values = vec!["-60"; count].join(", ");
    match load(&format!("{{grpr_lower_dbm: {{choice: [{values}]}}}}"), 1) {
        Ok(_) => assert!(accepted, "{count} choices accepted"),
        Err(errors) => {
            assert!(!accepted, "{errors}");
            assert!(errors.contains("at most 1000"), "{errors}");
        }
    }
}

/// The calibration a loaded `calibration` draws for each seed of `seeds`.
fn draws(calibration: &str, seeds: std::ops::Range<u64>) -> Vec<BTreeMap<String, f64>> {
    let scenario = load(calibration, 1).expect("loads");
    seeds.map(|seed| scenario.calibration.drawn(RandomStreams::new(seed)).1).collect()
}

#[test]
fn draws_stay_in_range_and_cover_it() {
    let calibration = "{grpr_lower_dbm: {uniform: [-70, -56]}, tx_power_dbm_max: {choice: [0, 4, \
        20]}, grpr_width_db: {normal: {mean: 25, sd: 2}}, lock_delay: {uniform: [20s, 40s]}}";
    let draws = draws(calibration, 0..2000);
    let column = |key: &str| draws.iter().map(|d| d[key]).collect::<Vec<f64>>();
    let within = |values: &[f64], low: f64, high: f64| {
        values.iter().all(|v| (low..=high).contains(v))
            && values.iter().any(|v| *v < low + 0.05 * (high - low))
            && values.iter().any(|v| *v > high - 0.05 * (high - low))
    };
    assert!(within(&column("grpr_lower_dbm"), -70.0, -56.0));
    assert!(within(&column("lock_delay_s"), 20.0, 40.0));
    // The normal is truncated to mean + 3 sd = 31 and to the key's limit, 26.
    assert!(within(&column("grpr_width_db"), 19.0, 26.0));
    let mut powers = column("tx_power_dbm_max");
    powers.sort_by(f64::total_cmp);
    powers.dedup();
    assert_eq!(powers, vec![0.0, 4.0, 20.0]);
}

#[test]
fn the_same_seed_draws_the_same_and_other_seeds_differ() {
    let calibration = "{grpr_lower_dbm: {uniform: [-70, -56]}}";
    assert_eq!(draws(calibration, 7..8), draws(calibration, 7..8));
    let mut values: Vec<f64> =
        draws(calibration, 0..50).iter().map(|d| d["grpr_lower_dbm"]).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    assert_eq!(values.len(), 50, "every seed draws its own value");
    // Nothing drawn: nothing recorded, and the values are the fixed ones.
    let fixed = load("{grpr_lower_dbm: -60}", 1).expect("loads").calibration;
    let (resolved, drawn) = fixed.drawn(RandomStreams::new(1));
    assert!(drawn.is_empty());
    assert_eq!(resolved, fixed);
}

/// What each run of a scenario drew, and when its PC locked (s), in seed order.
fn outcomes(scenario: &Scenario) -> Vec<(Option<CalibrationRecord>, Option<f64>)> {
    let outcome = run_scenario(scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the runs complete");
    let of = |trace: &Trace| {
        let drawn = trace.records.iter().find_map(|r| r.read::<CalibrationRecord>());
        let lock = trace.records.iter().find(|r| r.kind == "lock").map(|r| r.time.as_s_f64());
        (drawn, lock)
    };
    outcome.runs.iter().map(|run| of(&run.trace)).collect()
}

/// With the GRPR's lower limit at -56 dBm the phone 30 m away reads about -23 (office NLoS,
/// an 8 dB carry with no body side: `radio` shows the median crossing -20 near 24 m), so Dynamic Lock locks;
/// at -84 dBm the same received power (about -79 dBm) is inside the golden range and reads 0,
/// so it never does (losing the connection would need 11 dB of shadowing). Drawing the limit from [-84, -56] per run splits the runs, and the runs
/// that lock drew higher limits than the ones that do not.
#[test]
fn drawing_the_grpr_lower_limit_changes_outcomes_between_runs() {
    let scenario = load("{grpr_lower_dbm: {uniform: [-84, -56]}}", 16).expect("loads");
    let runs = outcomes(&scenario);
    let limit = |record: &Option<CalibrationRecord>| record.as_ref().expect("drawn").drawn["grpr_lower_dbm"];
    let locked: Vec<f64> =
        runs.iter().filter(|(_, lock)| lock.is_some()).map(|(d, _)| limit(d)).collect();
    let kept: Vec<f64> =
        runs.iter().filter(|(_, lock)| lock.is_none()).map(|(d, _)| limit(d)).collect();
    assert!(!locked.is_empty() && !kept.is_empty(), "locked {locked:?}, never {kept:?}");
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    assert!(mean(&locked) > mean(&kept) + 5.0, "locked {locked:?}, never {kept:?}");
    // Fixed at either end, every run agrees, and no calibration record is written.
    let at =
        |value: &str| outcomes(&load(&format!("{{grpr_lower_dbm: {value}}}"), 8).expect("loads"));
    let (high, low) = (at("-56"), at("-84"));
    assert!(high.iter().chain(&low).all(|(drawn, _)| drawn.is_none()));
    // At -56 a run whose standing spot is shadowed favourably can stay above -20 (the phone
    // stands still, so its shadowing does not change): most runs lock, not all.
    let locks = |runs: &[(Option<CalibrationRecord>, Option<f64>)]| {
        runs.iter().filter(|(_, lock)| lock.is_some()).count()
    };
    assert!(locks(&high) >= 6, "{high:?}");
    assert_eq!(locks(&low), 0, "{low:?}");
}

/// A draw reads only its own stream: drawing `idle_min` from a one-value choice (the default,
/// 30 s) changes nothing but the added `calibration` record; and the draws reproduce on 1 and
/// 4 threads.
#[test]
fn a_draw_moves_no_other_stream_and_reproduces_on_any_thread_count() {
    let plain = load("{}", 3).expect("loads");
    let drawn = load("{idle_min: {choice: [30s]}}", 3).expect("loads");
    assert_eq!(drawn.calibration.idle_min, SimDuration::from_s(30));
    let run = |scenario: &Scenario| {
        run_scenario(scenario, RunOptions::default(), &Interpretations::default(), None)
            .expect("runs")
    };
    let (plain, with_draw) = (run(&plain), run(&drawn));
    for (a, b) in plain.runs.iter().zip(&with_draw.runs) {
        let rest: Vec<_> = b.trace.records.iter().filter(|r| r.kind != "calibration").collect();
        assert_eq!(a.trace.records.iter().collect::<Vec<_>>(), rest);
        assert_eq!(b.trace.records[0].kind, "calibration");
    }
    let scenario = load(
        "{grpr_lower_dbm: {uniform: [-84, -56]}, lock_delay: {uniform: [20s, \
        40s]}}",
        6,
    )
    .expect("loads");
    let verdict = check_determinism(&scenario, RunOptions::default(), [1, 4]).expect("runs");
    assert!(verdict.reproducible(), "{:?}", verdict.mismatches);
}

/// `set_fixed` (for sweeps) replaces a written distribution and checks the value.
#[test]
fn set_fixed_replaces_a_distribution() {
    let mut calibration =
        load("{grpr_lower_dbm: {uniform: [-70, -56]}}", 1).expect("loads").calibration;
    calibration.set_fixed("grpr_lower_dbm", -60.0).expect("in range");
    assert_eq!(calibration.grpr_lower_dbm, Some(-60.0));
    assert_eq!(calibration.written["grpr_lower_dbm"].value, Distribution::Fixed(-60.0));
    assert!(calibration.drawn(RandomStreams::new(1)).1.is_empty());
    calibration.set_fixed("lock_delay", 12.5).expect("in range");
    assert_eq!(calibration.lock_delay, SimDuration::from_ms(12_500));
    let error = calibration.set_fixed("grpr_width_db", 40.0).expect_err("out of range");
    assert_eq!(error, "grpr_width_db must lie in [14, 26] dB, not 40");
    let error = calibration.set_fixed("lock_dealy", 1.0).expect_err("unknown");
    assert!(error.contains("did you mean `lock_delay`"), "{error}");
}

/// `docs/model.md`'s unknowns table gives every calibration key with the default and range of
/// [`scenarios::calibration::CALIBRATION_KEYS`]: the one table in the code and the one in the
/// docs cannot drift apart.
#[test]
fn the_model_docs_table_matches_the_key_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/model.md");
    let docs = std::fs::read_to_string(path).expect("docs/model.md");
    for key in scenarios::calibration::CALIBRATION_KEYS {
        let unit = key.unit.symbol();
        let row = docs
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", key.name)))
            .unwrap_or_else(|| panic!("docs/model.md has no row for `{}`", key.name));
        let [low, high] = key.range;
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[2], format!("{} {unit}", key.default), "{row}");
        assert!(cells[3].starts_with(&format!("{low} to {high} {unit}")), "{row}");
    }
}

/// Calibration wins over a phone's own `radio:` value, with a warning at the calibration value.
#[test]
fn a_calibration_radio_value_replaces_a_phones_own_with_a_warning() {
    let text = scenario("{tx_power_dbm_max: 10}", 1).replace(
        "p: {carried_by: ana, carry: {loss_db: 8}}",
        "p: {carried_by: ana, carry: {loss_db: 8}, radio: {tx_power_dbm_max: 0}}",
    );
    let scenario = load_scenario("c.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let warning = scenario
        .warnings
        .iter()
        .find(|w| w.code == "scenario::calibration-overrides-radio")
        .expect("a warning");
    assert_eq!(
        warning.message,
        "calibration.tx_power_dbm_max replaces the radio.tx_power_dbm_max of phone(s) `p` (0): a \
         calibration radio value applies to every phone"
    );
    assert_eq!(warning.location.as_ref().map(|l| (l.line, l.column)), Some((3, 33)));
    // The run uses +10 dBm, not the phone's own 0 dBm: every poll of the phone at full power
    // reads 10 dB higher than in the same run without the calibration value (the streams are
    // the same; power control does not reach full power near the PC).
    let own = text.replace("calibration: {tx_power_dbm_max: 10}", "calibration: {}");
    let own = load_scenario("c.yaml", &own, &mut |_: &str| Ok(POLICY.to_owned())).expect("own");
    let readings = |scenario: &Scenario| -> Vec<Option<i16>> {
        let outcome =
            run_scenario(scenario, RunOptions::default(), &Interpretations::default(), None)
                .expect("runs");
        let records = &outcome.runs[0].trace.records;
        records.iter().filter_map(engine::PollRecord::read).map(|p| p.rssi_db).collect()
    };
    let (calibrated, own) = (readings(&scenario), readings(&own));
    assert_eq!(calibrated.len(), own.len());
    let full_power: Vec<(i16, i16)> = own
        .iter()
        .zip(&calibrated)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .filter(|(_, b)| *b < 0)
        .collect();
    assert!(full_power.len() >= 5, "{own:?} {calibrated:?}");
    assert!(full_power.iter().all(|(a, b)| b - a == 10), "{full_power:?}");
}
