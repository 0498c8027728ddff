//! Wi-Fi association in a scenario (design 3.5c, issue 14 item 7): a PC joins by received
//! signal, not by signal quality, which saturates at 100 above -50 dBm, nor by the access
//! point's id; and Bluetooth/Wi-Fi coexistence (item 9), a calibration the runner applies to
//! every Bluetooth poll of an associated PC.

use engine::PollRecord;
use engine::policy::Interpretations;
use scenarios::format::COEXISTENCE_LOSS_DB_MAX;
use scenarios::{RunOptions, load_scenario, run_scenario};

/// PIN plus a trusted signal: the Wi-Fi network `contoso` through `b-near`'s BSSID only.
const POLICY: &str = r#"
device_unlock:
  first_factors: [pin]
  second_factors: [trusted_signal]
  signal_rules: |
    <rule schemaVersion="1.0">
      <signal type="wifi">
        <ssid>contoso</ssid>
        <bssid>12-ab-34-ff-e5-02</bssid>
        <security>WPA2-Personal</security>
      </signal>
    </rule>
"#;

/// One PC at the origin; `a-far` 20 m away and `b-near` 1 m away broadcast the same SSID, both
/// stronger than -50 dBm (quality 100 alike), and `a-far` comes first by id.
const SCENARIO: &str = r#"
name: Wi-Fi by signal
seed: 1
runs: 5
duration: 1m
world:
  environment: {preset: office_los}
  networks:
    lan: {ipv4_prefix: 10.1.0.0/24, ipv4_gateway: 10.1.0.1}
  access_points:
    a-far: {position: [20, 0], ssid: contoso, bssid: 12-ab-34-ff-e5-01, network: lan}
    b-near: {position: [1, 0], ssid: contoso, bssid: 12-ab-34-ff-e5-02, network: lan}
  pcs:
    desk:
      position: [0, 0]
      wifi: {profiles: [{ssid: contoso}]}
  users:
    ana: {position: [0.6, 0]}
windows:
  desk:
    user: ana
    policy_file: policy.yaml
timeline:
  - {at: 10s, lock: {pc: desk}}
  - {at: 30s, present: {user: ana, pc: desk, credentials: [pin]}}
expect:
  - unlock: {pc: desk, at: 30s, succeeds: true, factors: [pin, trusted_signal]}
"#;

#[test]
fn a_pc_joins_the_nearer_of_two_saturated_access_points_and_the_pinned_bssid_unlocks() {
    let scenario = load_scenario("wifi.yaml", SCENARIO, &mut |_: &str| Ok(POLICY.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    for verdict in &outcome.expectations {
        assert!(verdict.passed, "{}", verdict.detail);
    }
    assert_eq!(outcome.expectations.len(), 1);
}

/// A PC on Wi-Fi 1 m from its access point, its paired phone lying 40 m away (free space, so the
/// phone transmits at full power and reads below the golden range), with `coexistence_loss_db`.
fn coexistence_scenario(coexistence_loss_db: f64) -> String {
    format!(
        r#"
name: coexistence
seed: 1
runs: 1
duration: 3m
calibration: {{coexistence_loss_db: {coexistence_loss_db}}}
world:
  environment: {{preset: free_space}}
  networks:
    lan: {{ipv4_prefix: 10.1.0.0/24, ipv4_gateway: 10.1.0.1}}
  access_points:
    ap: {{position: [1, 0], ssid: contoso, bssid: 12-ab-34-ff-e5-01, network: lan}}
  pcs:
    desk:
      position: [0, 0]
      paired_phones: [p]
      wifi: {{profiles: [{{ssid: contoso}}]}}
  phones:
    p: {{position: [40, 0], carry: desk}}
  users:
    ana: {{position: [0.6, 0]}}
windows:
  desk:
    user: ana
    policy_file: policy.yaml
"#
    )
}

/// The relative RSSI of every poll of a run of the coexistence scenario.
fn poll_rssi_db(coexistence_loss_db: f64) -> Vec<Option<i16>> {
    let policy = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
        <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" \
        rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>'\n";
    let text = coexistence_scenario(coexistence_loss_db);
    let scenario = load_scenario("coexistence.yaml", &text, &mut |_: &str| Ok(policy.to_owned()))
        .unwrap_or_else(|d| panic!("{d:?}"));
    let outcome = run_scenario(&scenario, RunOptions::default(), &Interpretations::default(), None)
        .expect("the run completes");
    let records = &outcome.runs[0].trace.records;
    records.iter().filter_map(PollRecord::read).map(|poll| poll.rssi_db).collect()
}

/// Issue 14 item 9: the runner applies the calibration's coexistence loss to every poll while
/// the PC is associated; 0 (the default) changes nothing.
#[test]
fn coexistence_loss_lowers_every_poll_of_an_associated_pc() {
    let without = poll_rssi_db(0.0);
    let with = poll_rssi_db(10.0);
    assert!(without.len() >= 5, "{without:?}");
    assert_eq!(without.len(), with.len());
    for (a, b) in without.iter().zip(&with) {
        let (Some(a), Some(b)) = (a, b) else { panic!("absent: {without:?} {with:?}") };
        assert!(*a < 0 && *b == a - 10, "{without:?} {with:?}");
    }
}

#[test]
fn coexistence_loss_is_bounded() {
    let text = coexistence_scenario(COEXISTENCE_LOSS_DB_MAX + 1.0);
    let Err(diagnostics) = load_scenario("c.yaml", &text, &mut |_: &str| Ok(String::new())) else {
        panic!("loaded");
    };
    assert!(diagnostics.iter().any(|d| d.code == "scenario::calibration"), "{diagnostics:?}");
}
