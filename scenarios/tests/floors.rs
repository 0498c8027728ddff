//! Floors through the loader and the runner (issue 14, item 4; design 3.4): a phone two floors
//! up, 0.5 m from the PC on the plan, is 7.02 m away and behind 18 dB of floors, so a PC with the
//! default thresholds (rssiMin -10, rssiMaxDelta -10: absent below -20) judges it absent and
//! locks. On the PC's own floor the same plan position reads 0 and never locks.

use engine::policy::Interpretations;
use rstest::rstest;
use scenarios::{RunOptions, load_scenario, run_scenario};

const POLICY: &str = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
    <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" \
    rssiMaxDelta=\"-10\"/></rule>'\n";

/// Ana types for 2 minutes at her desk, then goes to `[0.5, 0, floor]` with her phone in a
/// pocket given as a flat 8 dB (a custom carry: no torso term, whichever way she faces);
/// `environment` is the scenario's environment line.
fn scenario(floor: i32, environment: &str, runs: u32, expect: &str) -> String {
    format!(
        "name: floors\nseed: 1\nruns: {runs}\nduration: 6m\n\
         world:\n  environment: {environment}\n\
         \x20 pcs:\n    desk: {{position: [0, 0], paired_phones: [ana-phone]}}\n\
         \x20 phones:\n    ana-phone: {{carried_by: ana, carry: {{loss_db: 8}}}}\n\
         \x20 users:\n    ana: {{position: [0.6, 0]}}\n\
         places:\n  upstairs: [0.5, 0, {floor}]\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n\
         \x20 - {{at: 0s, type: {{user: ana, pc: desk, for: 2m}}}}\n\
         \x20 - {{at: 2m, walk: {{user: ana, to: [upstairs]}}}}\n\
         expect:\n  - never_locked: {{pc: desk, from: 0s, to: 2m}}\n{expect}"
    )
}

/// Every expectation's verdict, `pass` or its detail.
fn verdicts(text: &str) -> Vec<String> {
    let scenario = load_scenario("floors.yaml", text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    let verdict = |e: &scenarios::ExpectationResult| {
        if e.passed { "pass".to_owned() } else { e.detail.clone() }
    };
    outcome.expectations.iter().map(verdict).collect()
}

// Without shadowing the chain is exact: office NLoS 38.75 dB at 1 m and 24.6 dB per decade,
// pocket 8 dB, +4 dBm at most. Two floors up: 3-D distance 7.02 m, loss 38.75 + 20.82 + 18 + 8 =
// 85.6 dB, the phone at full power reads -81.6 dBm = -25.6 dB below the golden range (absent).
// One floor up: 3.54 m, 38.75 + 13.50 + 14 + 8 = 74.3 dB: -70.3 dBm reads -14 (present, above
// -20). Same floor: 0.5 m, 34.2 dB of path loss (free space: nearer than the fit's 4 m, the fit
// would say 31.3 dB), power control holds the reading at 0.
#[rstest]
#[case::same_floor(0, "  - never_locked: {pc: desk, from: 2m, to: 6m}\n")]
#[case::one_floor_up(1, "  - never_locked: {pc: desk, from: 2m, to: 6m}\n")]
#[case::two_floors_up(
    2,
    "  - locked_within: {pc: desk, after: 2m, within: 2m, reason: dynamic_lock}\n"
)]
fn a_phone_upstairs_without_shadowing(#[case] floor: i32, #[case] expect: &str) {
    let environment = "{preset: office_nlos, shadowing_sigma_db: 0}";
    assert_eq!(verdicts(&scenario(floor, environment, 1, expect)), ["pass", "pass"]);
}

// The input with the full chain: shadowing (σ 5.04 dB, one draw per link while the
// phone stands still) leaves the mean 5.6 dB below the absence threshold, so the phone reads
// above -20 in P(Z > 5.6 / 5.29) = 14 % of links. Over 20 seeds at most 8 never lock (4.5 SE
// above the expected 2.9); before floors had height, every run read 0 and none locked.
#[test]
fn a_phone_two_floors_up_is_judged_absent() {
    let expect = "  - lock_after_walk_away: {pc: desk, after: 2m, never_share_max: 0.4}\n";
    let text = scenario(2, "{preset: office_nlos}", 20, expect);
    assert_eq!(verdicts(&text), ["pass", "pass"]);
}

/// Walls drawn under an NLoS preset are warned about at the `walls` key, and the scenario loads
/// (design 3.4: walls belong on a line-of-sight baseline); under `office_los` they are not.
#[rstest]
#[case::nlos("office_nlos", 1)]
#[case::los("office_los", 0)]
fn walls_under_an_nlos_preset_are_warned_about(#[case] preset: &str, #[case] warnings: usize) {
    let walls = format!(
        "{{preset: {preset}}}\n  floor_plan:\n    walls:\n      - {{from: [5, -5], to: [5, 5]}}"
    );
    let text = scenario(0, &walls, 1, "");
    let loaded = load_scenario("walls.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(loaded.warnings.len(), warnings);
    if let Some(warning) = loaded.warnings.first() {
        let shown = format!("{warning}\n{}", engine::diagnostic::render_all(&loaded.warnings));
        assert!(shown.contains("walls.yaml:8:5"), "{shown}");
        assert!(shown.contains("walls belong on a line-of-sight baseline"), "{shown}");
        assert!(!warning.is_error());
    }
}

/// A walk beyond the preset's fitted range (ITU-R P.1238-10: office NLoS 4-30 m, office LoS
/// 2-27 m) is warned about once, naming the farthest point; `home` states no range.
#[rstest]
#[case::nlos_beyond("office_nlos", 31.0, 1)]
#[case::nlos_inside("office_nlos", 30.0, 0)]
#[case::los_beyond("office_los", 28.0, 1)]
#[case::home_no_range("home", 100.0, 0)]
fn a_walk_beyond_the_fitted_range_is_warned_about(
    #[case] preset: &str,
    #[case] x_m: f64,
    #[case] warnings: usize,
) {
    let text = scenario(0, &format!("{{preset: {preset}}}"), 1, "")
        .replace("upstairs: [0.5, 0, 0]", &format!("upstairs: [{x_m}, 0, 0]"));
    let loaded = load_scenario("far.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(loaded.warnings.len(), warnings);
    if let Some(warning) = loaded.warnings.first() {
        let shown = format!("{warning}\n{}", engine::diagnostic::render_all(&loaded.warnings));
        assert!(shown.contains("scenario::beyond-fitted-range"), "{shown}");
        let farthest = format!("walks to [{x_m}, 0], {x_m:.1} m from PC `desk`");
        assert!(shown.contains(&farthest), "{shown}");
        assert!(!warning.is_error());
    }
}
