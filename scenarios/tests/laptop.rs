//! Laptops that move (issue 14 item 8, design 3.5c): a PC carried by a user, put down, or on its
//! own path, at the scenario boundary. Scenario in, verdict out: each case is a timeline whose
//! expectations must pass in every run, and the suite's meeting-room scenario must roam by
//! signal, with both signals in the `wifi` record.

use engine::policy::Interpretations;
use engine::trace::WifiChange;
use rstest::rstest;
use scenarios::{RunOptions, load_scenario, run_scenario};

/// Dynamic Lock with the seed's default thresholds.
const DYNAMIC_LOCK: &str = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule \
    schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" \
    classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>'\n";

/// A laptop on a desk at the origin with Ana's phone in her pocket; two 10 dB walls on an
/// office LoS baseline between the desk and the kitchen 30 m away. `pc` is the laptop's world
/// entry, `rest` the timeline and expectations.
fn scenario(pc: &str, rest: &str) -> String {
    format!(
        "name: laptop
seed: 1
runs: 10
duration: 10m
world:
  environment: {{preset: office_los}}
  floor_plan:
    walls:
      - {{from: [10, -5], to: [10, 5], loss_db: 10}}
      - {{from: [20, -5], to: [20, 5], loss_db: 10}}
  pcs:
    laptop: {{{pc}, paired_phones: [ana-phone]}}
  phones:
    ana-phone: {{carried_by: ana, carry: trouser_pocket}}
  users:
    ana: {{position: [0.6, 0]}}
places:
  desk: [0.6, 0]
  kitchen: [30, 0]
windows:
  laptop: {{user: ana, policy_file: policy.yaml}}
{rest}"
    )
}

const ON_THE_DESK: &str = "position: [0, 0]";
const CARRIED: &str = "carried_by: ana";

/// Every expectation of the scenario passes in every run (and there is at least one).
fn verdicts(pc: &str, rest: &str) -> Vec<String> {
    let text = scenario(pc, rest);
    let scenario = load_scenario("laptop.yaml", &text, &mut |_: &str| Ok(DYNAMIC_LOCK.to_owned()))
        .unwrap_or_else(|d| panic!("{}", engine::diagnostic::render_all(&d)));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    assert!(!outcome.expectations.is_empty());
    outcome.expectations.iter().filter(|v| !v.passed).map(|v| v.detail.clone()).collect()
}

#[rstest]
// Laptop and phone carried together 30 m through two walls: the phone stays present.
#[case::carried_with_the_phone(
    ON_THE_DESK,
    "
timeline:
  - {at: 1m, pick_up: {user: ana, pc: laptop}}
  - {at: 1m, walk: {user: ana, to: [kitchen]}}
expect:
  - never_locked: {pc: laptop}
"
)]
// The same walk with the phone left on the desk: the laptop moves away from the phone, the
// distance grows and Dynamic Lock locks.
#[case::carried_away_from_the_phone_left_on_the_desk(
    ON_THE_DESK,
    "
timeline:
  - {at: 30s, leave_phone: {phone: ana-phone}}
  - {at: 1m, pick_up: {user: ana, pc: laptop}}
  - {at: 1m, walk: {user: ana, to: [kitchen]}}
expect:
  - never_locked: {pc: laptop, to: 1m}
  - locked_within: {pc: laptop, after: 1m, within: 3m, reason: dynamic_lock}
"
)]
// Carried from the start (`carried_by` in the world), phone left behind: locks as well.
#[case::carried_from_the_start(
    CARRIED,
    "
timeline:
  - {at: 30s, leave_phone: {phone: ana-phone, at: desk}}
  - {at: 1m, walk: {user: ana, to: [kitchen]}}
expect:
  - locked_within: {pc: laptop, after: 1m, within: 3m, reason: dynamic_lock}
"
)]
// Put down at the desk after a few steps, then Ana leaves with the phone: the laptop stays.
#[case::put_down_stays_where_it_is(
    ON_THE_DESK,
    "
timeline:
  - {at: 1m, pick_up: {user: ana, pc: laptop}}
  - {at: 1m, walk: {user: ana, to: [[3, 0]]}}
  - {at: 1m30s, put_down: {pc: laptop}}
  - {at: 2m, walk: {user: ana, to: [kitchen]}}
expect:
  - never_locked: {pc: laptop, to: 2m}
  - locked_within: {pc: laptop, after: 2m, within: 3m, reason: dynamic_lock}
"
)]
// Put down at a named place: the kitchen, where Ana then stands with her phone.
#[case::put_down_at_a_place(
    CARRIED,
    "
timeline:
  - {at: 1m, put_down: {pc: laptop, at: kitchen}}
  - {at: 1m, walk: {user: ana, to: [kitchen]}}
expect:
  - never_locked: {pc: laptop, from: 3m}
"
)]
// A laptop on its own path (a trolley) away from Ana, who stays: it locks.
#[case::moves_on_its_own_path(
    ON_THE_DESK,
    "
timeline:
  - {at: 1m, move_pc: {pc: laptop, to: [kitchen], speed_m_per_s: 1.0}}
expect:
  - locked_within: {pc: laptop, after: 1m, within: 3m, reason: dynamic_lock}
"
)]
fn a_moving_laptop_meets_its_expectations(#[case] pc: &str, #[case] rest: &str) {
    let failed = verdicts(pc, rest);
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The control of the cases above: the laptop stays on the desk while Ana walks to the kitchen
/// with her phone, so it locks; carried with the phone it did not.
#[test]
fn the_same_walk_without_the_laptop_locks() {
    let rest = "
timeline:
  - {at: 1m, walk: {user: ana, to: [kitchen]}}
expect:
  - locked_within: {pc: laptop, after: 1m, within: 3m, reason: dynamic_lock}
";
    let failed = verdicts(ON_THE_DESK, rest);
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The suite's meeting-room scenario, loaded with its policy beside it; `edit` changes the text.
fn meeting_room(edit: impl Fn(String) -> String) -> scenarios::Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/suite/laptop_carried_to_meeting_room.yaml");
    let text = edit(std::fs::read_to_string(path).expect("the suite scenario"));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/suite/");
    load_scenario("laptop_carried_to_meeting_room.yaml", &text, &mut |name| {
        std::fs::read_to_string(format!("{dir}{name}")).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|d| panic!("{}", engine::diagnostic::render_all(&d)))
}

/// The loader warns when a walk takes a paired phone beyond the preset's fitted range from a
/// PC; a laptop carried along has no fixed point to be far from, so it gets no warning, while
/// the same walk away from a laptop left on the desk does.
#[rstest]
#[case::carried_along(true, false)]
#[case::left_on_the_desk(false, true)]
fn beyond_the_fitted_range_is_measured_from_pcs_that_stay(
    #[case] carried: bool,
    #[case] warned: bool,
) {
    let moves = [
        "pick_up: {user: ana, pc: laptop}",
        "put_down: {pc: laptop, at: [0, 0]}",
        "put_down: {pc: laptop}",
    ];
    let scenario = meeting_room(|text| {
        let stays = |text: String, action: &str| text.replace(action, "idle: {user: ana}");
        if carried { text } else { moves.iter().fold(text, |text, action| stays(text, action)) }
    });
    let codes: Vec<&str> = scenario.warnings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.contains(&"scenario::beyond-fitted-range"), warned, "{codes:?}");
}

/// The suite's meeting-room scenario: every run roams from desk-ap to meeting-ap and back, by
/// signal (no access point is switched), and each `wifi` record carries both signals: the one
/// left below the -70 dBm trigger, the one joined more than the 8 dB margin stronger.
#[test]
fn the_meeting_room_laptop_roams_by_signal_with_the_signals_in_the_trace() {
    let scenario = meeting_room(|text| text);
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    assert!(outcome.passed());
    for run in &outcome.runs {
        let records = &run.trace.records;
        assert!(!records.iter().any(|r| r.payload["action"] == "access_point"));
        let roams: Vec<(String, String, f64, f64)> = records
            .iter()
            .filter_map(|r| r.read::<WifiChange>())
            .filter_map(|change| match change {
                WifiChange::Roamed { from, to, from_signal_dbm, signal_dbm, .. } => {
                    Some((from, to, from_signal_dbm.expect("the AP left is heard"), signal_dbm))
                }
                _ => None,
            })
            .collect();
        let path: Vec<(&str, &str)> =
            roams.iter().map(|(from, to, ..)| (from.as_str(), to.as_str())).collect();
        assert_eq!(path, [("desk-ap", "meeting-ap"), ("meeting-ap", "desk-ap")], "{roams:?}");
        for (.., from_dbm, to_dbm) in &roams {
            assert!(*from_dbm < -70.0 && *to_dbm > from_dbm + 8.0, "{roams:?}");
        }
    }
}
