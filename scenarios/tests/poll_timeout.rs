//! The time a failing Bluetooth poll takes (issue 14 item 6): a poll that cannot reach the phone
//! reports its absence only when the controller gives up, `page_timeout` later (or, with
//! `link_held_between_polls`, `supervision_timeout` for the first failure after a present
//! reading); the record is written and the next poll counted from that moment.

use engine::PollRecord;
use engine::policy::Interpretations;
use engine::time::SimDuration;
use rstest::rstest;
use scenarios::format::BLUETOOTH_TIMEOUT_MAX;
use scenarios::{RunOptions, load_scenario, run_scenario};

/// Dynamic Lock with the seed's default thresholds (`scenarios/policies/dynamic_lock_default.yaml`).
const POLICY: &str = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
    <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" \
    rssiMaxDelta=\"-10\"/></rule>'\n";

/// When the phone goes, us: its power is switched off at 3 min.
const PHONE_OFF_US: u64 = 180_000_000;
/// The fixed poll interval of the scenario, us (`poll_interval_min = poll_interval_max`).
const POLL_INTERVAL_US: u64 = 20_000_000;
/// The default lock delay, us (design 3.5).
const LOCK_DELAY_US: u64 = 30_000_000;

/// Ana sits, types for a minute, then reads; her phone is switched off at 3 min. Polls every
/// 20 s exactly; `calibration` adds to that.
fn scenario(calibration: &str) -> String {
    format!(
        "name: phone off\nseed: 3\nruns: 1\nduration: 6m\n\
         calibration: {{poll_interval_min: 20s, poll_interval_max: 20s{calibration}}}\n\
         world:\n  pcs:\n    desk: {{position: [0, 0], paired_phones: [p]}}\n\
         \x20 phones:\n    p: {{carried_by: ana, carry: trouser_pocket}}\n\
         \x20 users:\n    ana: {{position: [0.6, 0]}}\n\
         windows:\n  desk:\n    user: ana\n    policy_file: policy.yaml\n\
         timeline:\n  - {{at: 0s, sit: {{user: ana}}}}\n\
         \x20 - {{at: 0s, type: {{user: ana, pc: desk, for: 1m}}}}\n\
         \x20 - {{at: 3m, phone_power: {{phone: p, on: false}}}}\n"
    )
}

/// What one run shows: (time in us, present?) of every poll record, and the first lock's time.
fn run(calibration: &str) -> (Vec<(u64, bool)>, Option<u64>) {
    let text = scenario(calibration);
    let scenario = load_scenario("poll.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    let records = &outcome.runs[0].trace.records;
    let polls = records
        .iter()
        .filter_map(|r| PollRecord::read(r).map(|p| (r.time.as_us(), p.rssi_db.is_some())))
        .collect();
    let lock = records.iter().find(|r| r.kind == "lock").map(|r| r.time.as_us());
    (polls, lock)
}

/// The phone goes at t; the next poll starts one interval after the last present one, pages
/// for the timeout, and its absence reaches the device then; the lock follows `lock_delay`
/// later, and the poll after that starts one interval after the failed poll's result.
#[rstest]
#[case::default_page_timeout("", 5_120_000, 5_120_000)]
#[case::page_timeout_set(", page_timeout: 10s240ms", 10_240_000, 10_240_000)]
#[case::zero_is_instant(", page_timeout: 0s", 0, 0)]
#[case::held_link_first_drop_waits_for_supervision(
    ", link_held_between_polls: true",
    20_000_000,
    5_120_000
)]
#[case::supervision_unused_without_held_link(", supervision_timeout: 1s", 5_120_000, 5_120_000)]
fn a_failing_poll_reports_after_its_timeout(
    #[case] calibration: &str,
    #[case] first_timeout_us: u64,
    #[case] later_timeout_us: u64,
) {
    let (polls, lock) = run(calibration);
    let phone_off = PHONE_OFF_US;
    let (last_present, _) = *polls.iter().rfind(|(t, present)| *present && *t < phone_off).unwrap();
    let absent: Vec<u64> =
        polls.iter().filter(|(t, present)| !present && *t > phone_off).map(|(t, _)| *t).collect();
    assert!(polls.iter().all(|(t, present)| *present == (*t < phone_off)), "{polls:?}");
    let next_start = last_present + POLL_INTERVAL_US;
    assert!(next_start >= phone_off, "{polls:?}");
    let first_absent = next_start + first_timeout_us;
    assert_eq!(absent[0], first_absent, "{polls:?}");
    assert_eq!(absent[1], first_absent + POLL_INTERVAL_US + later_timeout_us, "{polls:?}");
    assert_eq!(lock, Some(first_absent + LOCK_DELAY_US));
}

/// Both timeouts accept the largest HCI value, 0xFFFF slots, and reject a microsecond more.
#[rstest]
#[case::page_at("page_timeout", 0, true)]
#[case::page_past("page_timeout", 1, false)]
#[case::supervision_at("supervision_timeout", 0, true)]
#[case::supervision_past("supervision_timeout", 1, false)]
fn bluetooth_timeouts_are_bounded(
    #[case] name: &str,
    #[case] past_max_us: u64,
    #[case] accepted: bool,
) {
    let timeout = SimDuration::from_us(BLUETOOTH_TIMEOUT_MAX.as_us() + past_max_us);
    let text = scenario(&format!(", {name}: {timeout}"));
    match load_scenario("poll.yaml", &text, &mut |_: &str| Ok(POLICY.to_owned())) {
        Ok(_) => assert!(accepted, "{timeout} was accepted"),
        Err(diagnostics) => {
            assert!(!accepted, "{diagnostics:?}");
            let diagnostic = diagnostics.iter().find(|d| d.code == "scenario::calibration");
            let message = &diagnostic.expect("a calibration error").message;
            assert!(
                message.contains(&format!("{name} must be at most 40s959ms375us")),
                "{message}"
            );
        }
    }
}
