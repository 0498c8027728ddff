//! Body loss from the heading through the loader and the runner (issue 14, item 3; design 3.4
//! stage 3): the same walk away from the desk with the phone in a front or a back trouser
//! pocket. Seated, Ana faces her PC; walking away, the PC is behind her, so her torso shadows a
//! front-pocket phone (5 + 12 dB) and not a back-pocket one (9 dB): the front pocket locks
//! sooner.

use engine::policy::Interpretations;
use rstest::rstest;
use scenarios::{RunOptions, load_scenario, run_scenario};

const POLICY: &str = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
    <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" \
    rssiMaxDelta=\"-10\"/></rule>'\n";

/// Ana types for 2 minutes at her desk, then walks 40 m away at 1.2 m/s carrying her phone as
/// `carry`; the office is non-line-of-sight, without walls.
fn walk_away(carry: &str, runs: u32) -> String {
    format!(
        "name: heading\nseed: 1\nruns: {runs}\nduration: 10m\n\
         world:\n  environment: {{preset: office_nlos}}\n\
         \x20 pcs:\n    desk: {{position: [0, 0], paired_phones: [ana-phone]}}\n\
         \x20 phones:\n    ana-phone: {{carried_by: ana, carry: {carry}}}\n\
         \x20 users:\n    ana: {{position: [0.6, 0]}}\n\
         places:\n  kitchen: [40, 5]\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n\
         \x20 - {{at: 0s, type: {{user: ana, pc: desk, for: 2m}}}}\n\
         \x20 - {{at: 2m, walk: {{user: ana, to: [kitchen], speed_m_per_s: 1.2}}}}\n\
         expect:\n  - never_locked: {{pc: desk, from: 0s, to: 2m}}\n"
    )
}

/// Seconds from the walk (2 min) to the first Dynamic Lock of each run, `None` for a run that
/// never locked, sorted with the never-locked runs last.
fn times_to_lock_s(text: &str) -> Vec<Option<f64>> {
    let scenario = load_scenario("heading.yaml", text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the runs complete");
    assert!(outcome.passed(), "no lock while seated");
    let mut times: Vec<Option<f64>> = outcome
        .runs
        .iter()
        .map(|run| {
            let lock = run.trace.records.iter().find(|r| r.kind == "lock");
            lock.map(|record| record.time.as_s_f64() - 120.0)
        })
        .collect();
    times.sort_by(|a, b| a.unwrap_or(f64::INFINITY).total_cmp(&b.unwrap_or(f64::INFINITY)));
    times
}

/// The median, counting runs that never locked as slower than any that did.
fn median_s(times: &[Option<f64>]) -> f64 {
    times[times.len() / 2].unwrap_or(f64::INFINITY)
}

// 200 runs each. Walking away the front pocket is 8 dB weaker than the back pocket, about 8 m of
// walking at the office NLoS slope (24.6 dB per decade, around 20-30 m): several seconds at 1.2
// m/s, well above the spread of a 200-run median (a few polls' worth, ~1-2 s). Measured: front
// 51.1 s, back 60.8 s.
#[test]
fn front_pocket_locks_sooner_than_back_pocket_on_the_same_walk() {
    let front = times_to_lock_s(&walk_away("trouser_pocket", 200));
    let back = times_to_lock_s(&walk_away("back_pocket", 200));
    let (front_s, back_s) = (median_s(&front), median_s(&back));
    assert!(front_s + 2.0 < back_s, "median front {front_s:.1} s, back {back_s:.1} s");
}

// A custom carry reads like the named position with the same loss and side.
#[rstest]
#[case("trouser_pocket", "{loss_db: 5, side: front}")]
#[case("back_pocket", "{loss_db: 9, side: back}")]
fn a_custom_carry_with_the_same_loss_and_side_is_the_same_walk(
    #[case] named: &str,
    #[case] custom: &str,
) {
    assert_eq!(times_to_lock_s(&walk_away(named, 10)), times_to_lock_s(&walk_away(custom, 10)));
}
