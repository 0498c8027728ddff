//! Wi-Fi association in a scenario (design 3.5c, issue 14 item 7): a PC joins by received
//! signal, not by signal quality, which saturates at 100 above -50 dBm, nor by the access
//! point's id.

use engine::policy::Interpretations;
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
