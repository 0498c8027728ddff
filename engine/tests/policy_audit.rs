//! `policy audit`'s findings: a rule or policy in, the findings out (code and severity), one
//! case per finding and per reason a finding is withheld or downgraded. The Bluetooth reach is
//! a fixed stand-in here; `sim-devices/src/reach.rs` tests the radio model's numbers.

use engine::SourceFile;
use engine::diagnostic::render_all;
use engine::policy::audit::{
    AuditInput, BluetoothReach, FindingSeverity, FindingTarget, audit_policy, audit_rules,
    has_high, locate,
};
use engine::policy::{RuleSet, SignalScenario, load_policy, parse_rules};
use rstest::rstest;

use FindingSeverity::{High, Low, Medium};

/// Reach through 0, 1 and 2 walls, whatever the threshold.
struct FixedReach([f64; 3]);

impl BluetoothReach for FixedReach {
    fn reach_m(&self, _rssi_min: i32, walls: u32) -> f64 {
        self.0[walls as usize]
    }
    fn assumptions(&self) -> String {
        "fixed for the test".into()
    }
    fn farthest_distance_m(&self) -> f64 {
        30.0
    }
}

/// Stops at the wall: no Bluetooth finding.
const SHORT: FixedReach = FixedReach([3.0, 1.0, 0.0]);

fn rules(text: &str) -> RuleSet {
    let (rules, diagnostics) =
        parse_rules(&SourceFile::new("rules.xml", text), SignalScenario::Authentication);
    rules.unwrap_or_else(|| panic!("valid rules, got:\n{}", render_all(&diagnostics)))
}

fn signal(body: &str) -> String {
    format!(r#"<rule schemaVersion="1.0"><signal type="ipConfig">{body}</signal></rule>"#)
}

fn wifi(body: &str) -> String {
    format!(r#"<rule schemaVersion="1.0"><signal type="wifi">{body}</signal></rule>"#)
}

const BT: &str = r#"<signal type="bluetooth" scenario="Authentication" rssiMin="-10"/>"#;

fn codes(text: &str, reach: &dyn BluetoothReach) -> Vec<(&'static str, FindingSeverity)> {
    audit_rules(&rules(text), reach).iter().map(|f| (f.code, f.severity)).collect()
}

#[rstest]
#[case::dns_suffix_only(
    signal("<dnsSuffix>corp.contoso.com</dnsSuffix>"),
    vec![("audit::dns-suffix-only", High)]
)]
#[case::dns_suffix_with_gateway_is_sound(
    signal("<dnsSuffix>corp.contoso.com</dnsSuffix><ipv4Gateway>10.30.0.1</ipv4Gateway>"),
    vec![]
)]
#[case::seed_example_1_is_sound(
    signal(concat!(
        "<ipv4Prefix>10.10.10.0/24</ipv4Prefix><ipv4DnsServer>10.10.0.1</ipv4DnsServer>",
        "<dnsSuffix>corp.contoso.com</dnsSuffix>"
    )),
    vec![]
)]
#[case::home_prefix_0(
    signal("<ipv4Prefix>192.168.0.0/24</ipv4Prefix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::home_prefix_1(
    signal("<ipv4Prefix>192.168.1.0/24</ipv4Prefix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::prefix_inside_a_home_lan(
    signal("<ipv4Prefix>192.168.1.128/25</ipv4Prefix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::slash_16_covers_home_lans(
    signal("<ipv4Prefix>192.168.0.0/16</ipv4Prefix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::slash_8_covers_a_home_lan(
    signal("<ipv4Prefix>10.0.0.0/8</ipv4Prefix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::wide_private_prefix(
    signal("<ipv4Prefix>172.16.0.0/12</ipv4Prefix>"),
    vec![("audit::wide-private-prefix", Medium)]
)]
#[case::slash_16_at_the_bound(
    signal("<ipv4Prefix>10.20.0.0/16</ipv4Prefix>"),
    vec![("audit::wide-private-prefix", Medium)]
)]
#[case::slash_17_is_not_wide(signal("<ipv4Prefix>10.20.0.0/17</ipv4Prefix>"), vec![])]
#[case::office_prefix(signal("<ipv4Prefix>10.10.10.0/24</ipv4Prefix>"), vec![])]
#[case::ipv4_link_local(
    signal("<ipv4Prefix>169.254.0.0/16</ipv4Prefix>"),
    vec![("audit::link-local-prefix", High)]
)]
#[case::ipv6_link_local(
    signal("<ipv6Prefix>fe80::/64</ipv6Prefix>"),
    vec![("audit::link-local-prefix", High)]
)]
#[case::ipv6_office(signal("<ipv6Prefix>21da:d3::/48</ipv6Prefix>"), vec![])]
#[case::home_gateway(
    signal("<ipv4Gateway>192.168.1.1</ipv4Gateway>"),
    vec![("audit::home-gateway-address", High)]
)]
#[case::home_dhcp_and_gateway(
    signal(concat!(
        "<ipv4Gateway>192.168.178.1</ipv4Gateway>",
        "<ipv4DhcpServer>192.168.178.1</ipv4DhcpServer>"
    )),
    vec![("audit::home-gateway-address", High), ("audit::home-gateway-address", High)]
)]
#[case::home_dns(
    signal("<ipv4DnsServer>192.168.0.1</ipv4DnsServer>"),
    vec![("audit::home-gateway-address", High)]
)]
#[case::public_resolver(
    signal("<ipv4DnsServer>8.8.8.8</ipv4DnsServer>"),
    vec![("audit::public-resolver", High)]
)]
#[case::public_resolver_ipv6(
    signal("<ipv6DnsServer>2606:4700:4700::1111</ipv6DnsServer>"),
    vec![("audit::public-resolver", High)]
)]
#[case::public_resolver_beside_a_corporate_gateway(
    signal("<ipv4Gateway>10.30.0.1</ipv4Gateway><ipv4DnsServer>1.1.1.1</ipv4DnsServer>"),
    vec![("audit::public-resolver", Low)]
)]
#[case::home_prefix_and_suffix(
    signal("<ipv4Prefix>192.168.1.0/24</ipv4Prefix><dnsSuffix>corp.contoso.com</dnsSuffix>"),
    vec![("audit::home-router-prefix", High)]
)]
#[case::wifi_open(
    wifi("<ssid>guest</ssid><security>Open</security>"),
    vec![("audit::wifi-ssid-only", High)]
)]
#[case::wifi_wep(
    wifi("<ssid>lab</ssid><security>WEP</security>"),
    vec![("audit::wifi-ssid-only", High)]
)]
#[case::wifi_wpa_personal(
    wifi("<ssid>contoso</ssid><security>WPA-Personal</security>"),
    vec![("audit::wifi-ssid-only", High)]
)]
#[case::wifi_wpa2_personal(
    wifi("<ssid>contoso</ssid><security>WPA2-Personal</security>"),
    vec![("audit::wifi-ssid-only", High)]
)]
#[case::wifi_personal_with_bssid(
    wifi("<ssid>contoso</ssid><bssid>12-ab-34-ff-e5-46</bssid><security>WPA2-Personal</security>"),
    vec![]
)]
#[case::wifi_enterprise(wifi("<ssid>contoso</ssid><security>WPA2-Enterprise</security>"), vec![])]
fn network_findings(#[case] text: String, #[case] expected: Vec<(&'static str, FindingSeverity)>) {
    assert_eq!(codes(&text, &SHORT), expected);
}

#[rstest]
#[case::stops_at_the_wall([3.0, 1.0, 0.0], vec![])]
#[case::next_room_through_one_wall([9.0, 4.0, 2.0], vec![("audit::bluetooth-next-room", Medium)])]
#[case::through_two_walls([12.0, 8.0, 4.0], vec![("audit::bluetooth-next-room", High)])]
#[case::just_short_of_the_next_room([9.0, 3.9, 2.0], vec![])]
fn bluetooth_findings(#[case] reach: [f64; 3], #[case] expected: Vec<(&str, FindingSeverity)>) {
    let text = format!(r#"<rule schemaVersion="1.0">{BT}</rule>"#);
    assert_eq!(codes(&text, &FixedReach(reach)), expected);
}

#[rstest]
#[case::suffix_and_phone_in_the_next_room(
    [12.0, 8.0, 4.0],
    vec![("audit::dns-suffix-only", High), ("audit::bluetooth-next-room", High)]
)]
#[case::suffix_and_a_phone_that_stops_at_the_wall(
    [3.0, 1.0, 0.0],
    vec![("audit::dns-suffix-only", Low)]
)]
fn an_and_rests_on_its_soundest_signal(
    #[case] reach: [f64; 3],
    #[case] expected: Vec<(&str, FindingSeverity)>,
) {
    let text = format!(
        r#"<rule schemaVersion="1.0"><and><signal type="ipConfig">{}</signal>{BT}</and></rule>"#,
        "<dnsSuffix>corp.contoso.com</dnsSuffix>"
    );
    assert_eq!(codes(&text, &FixedReach(reach)), expected);
}

#[test]
fn dynamic_lock_signals_are_not_audited() {
    let text =
        r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock"/></rule>"#;
    let (rules, _) = parse_rules(&SourceFile::new("r.xml", text), SignalScenario::DynamicLock);
    let rules = rules.expect("valid");
    assert!(audit_rules(&rules, &FixedReach([30.0, 30.0, 30.0])).is_empty());
}

const MFU: &str = "device_unlock:\n  second_factors: [trusted_signal, pin]\n  signal_rules: \
    '<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv4Gateway>10.30.0.1</ipv4Gateway>\
    </signal></rule>'\n";

/// (policy, password provider enabled, findings)
#[rstest]
#[case::password_left_enabled(MFU, true, vec![("audit::password-enabled", Medium)])]
#[case::password_disabled(MFU, false, vec![])]
#[case::no_multi_factor_unlock("dynamic_lock:\n  enabled: false\n", true, vec![])]
fn policy_findings(
    #[case] text: &str,
    #[case] password_enabled: bool,
    #[case] expected: Vec<(&str, FindingSeverity)>,
) {
    let source = SourceFile::new("policy.yaml", text);
    let (policy, diagnostics) = load_policy(&source, &mut |_| Err("no files".into()));
    let policy = policy.unwrap_or_else(|| panic!("{}", render_all(&diagnostics)));
    let findings = audit_policy(&policy, &AuditInput { password_enabled }, &SHORT);
    let got: Vec<_> = findings.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(got, expected);
    assert!(!has_high(&findings));
}

#[test]
fn findings_point_at_their_element() {
    let text = "<rule schemaVersion=\"1.0\">\n  <signal type=\"ipConfig\">\n    \
        <ipv4Gateway>10.30.0.1</ipv4Gateway>\n  </signal>\n</rule>,\n\
        <rule schemaVersion=\"1.0\">\n  <signal type=\"ipConfig\">\n    \
        <dnsSuffix>corp.contoso.com</dnsSuffix>\n  </signal>\n</rule>\n";
    let findings = audit_rules(&rules(text), &SHORT);
    assert_eq!(findings[0].target, FindingTarget::Signal { signal: 1, element: Some("dnsSuffix") });
    let span = locate(text, 0, &findings[0].target).expect("found");
    assert_eq!(&text[span.clone()], "<dnsSuffix>");
    let source = SourceFile::new("rules.xml", text);
    let diagnostic = findings[0].to_diagnostic(&source, Some(span));
    assert_eq!(diagnostic.position().as_deref(), Some("rules.xml:8:5"));
    assert!(!diagnostic.is_error());
    assert_eq!(locate(text, 0, &FindingTarget::Policy), None);
}

/// The advice for a weak signal fits the rule it is in: alone, combine it with another signal;
/// in an `<and>` of weak signals (seed Example 3: a DNS suffix and a phone), combining is what
/// the rule already does, so the advice is to replace one with a signal only the office has.
#[rstest]
#[case::alone(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com</dnsSuffix>\
     </signal></rule>",
    false
)]
#[case::in_an_and_of_weak_signals(
    "<rule schemaVersion=\"1.0\"><and><signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com\
     </dnsSuffix></signal><signal type=\"bluetooth\" scenario=\"Authentication\"/></and></rule>",
    true
)]
fn the_fix_of_a_weak_signal_fits_its_rule(#[case] text: &str, #[case] replace: bool) {
    let findings = audit_rules(&rules(text), &FixedReach([12.0, 8.0, 4.0]));
    let dns = findings.iter().find(|f| f.code == "audit::dns-suffix-only").expect("a finding");
    assert_eq!(dns.severity, High);
    assert_eq!(dns.fix.starts_with("replace a signal of this <and>"), replace, "{}", dns.fix);
    assert_eq!(dns.why.contains("Every other signal of this <and> is weak too"), replace);
}
