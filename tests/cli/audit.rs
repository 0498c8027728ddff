//! `unlocksim policy audit FILE... [--json]`: the exit-code and output contract of issue 13
//! section 4 (1 when any finding is high, 0 otherwise, 2 for unreadable or invalid input), on
//! the examples in `examples/audit/` and the bundled policies the README tour names.

use rstest::rstest;

use crate::util::run_text as run;

/// (file, exit code, the findings' `position: severity code` prefixes, in order)
#[rstest]
#[case::dns_suffix_only(
    "examples/audit/dns_suffix_only.xml",
    1,
    &["examples/audit/dns_suffix_only.xml:3:5: high audit::dns-suffix-only"]
)]
#[case::wifi_personal(
    "examples/audit/wifi_personal.xml",
    1,
    &["examples/audit/wifi_personal.xml:3:5: high audit::wifi-ssid-only"]
)]
#[case::home_network(
    "examples/audit/home_network.yaml",
    1,
    &[
        "examples/audit/home_network.yaml:9:9: high audit::home-router-prefix",
        "examples/audit/home_network.yaml:10:9: high audit::home-gateway-address",
        "examples/audit/home_network.yaml:15:9: high audit::public-resolver",
        "examples/audit/home_network.yaml:3:1: medium audit::password-enabled",
    ]
)]
#[case::bluetooth_tighter(
    "examples/audit/bluetooth_tighter.yaml",
    1,
    &[
        "examples/audit/bluetooth_tighter.yaml:6:95: high audit::bluetooth-next-room",
        "examples/audit/bluetooth_tighter.yaml:3:1: medium audit::password-enabled",
    ]
)]
#[case::office_lan_and_phone(
    "examples/audit/office_lan_and_phone.yaml",
    0,
    &[
        "examples/audit/office_lan_and_phone.yaml:15:60: low audit::bluetooth-next-room",
        "examples/audit/office_lan_and_phone.yaml:5:1: medium audit::password-enabled",
    ]
)]
#[case::bundled_example_2(
    "scenarios/policies/mfu_example2_ip_or_bluetooth.yaml",
    1,
    &[
        "scenarios/policies/mfu_example2_ip_or_bluetooth.yaml:8:13: high audit::dns-suffix-only",
        "scenarios/policies/mfu_example2_ip_or_bluetooth.yaml:12:80: high \
         audit::bluetooth-next-room",
        "scenarios/policies/mfu_example2_ip_or_bluetooth.yaml:2:1: medium audit::password-enabled",
    ]
)]
#[case::office_lan_hardened(
    "examples/audit/office_lan_hardened.yaml",
    0,
    &["examples/audit/office_lan_hardened.yaml:14:60: low audit::bluetooth-next-room"]
)]
#[case::bundled_dock(
    "scenarios/policies/mfu_dock_gateway_dhcp.yaml",
    0,
    &["scenarios/policies/mfu_dock_gateway_dhcp.yaml:3:1: medium audit::password-enabled"]
)]
#[case::bundled_dynamic_lock("scenarios/policies/dynamic_lock_default.yaml", 0, &[])]
#[case::dynamic_lock_rule_file("tests/fixtures/policy/dynamic_lock.xml", 0, &[])]
fn audit_findings_and_exit_code(#[case] file: &str, #[case] code: i32, #[case] findings: &[&str]) {
    let (exit, stdout, stderr) = run(&["policy", "audit", file]);
    assert_eq!(exit, Some(code), "{stdout}{stderr}");
    let headers: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(": ") && !l.starts_with(' '))
        .filter(|l| !l.contains("finding(s)"))
        .collect();
    assert_eq!(headers.len(), findings.len(), "{stdout}");
    for (header, expected) in headers.iter().zip(findings) {
        assert!(header.starts_with(expected), "{header}\nexpected {expected}");
    }
}

#[test]
fn audit_prints_why_and_what_to_do() {
    let (_, stdout, _) = run(&["policy", "audit", "examples/audit/dns_suffix_only.xml"]);
    insta::assert_snapshot!(stdout, @r#"
        examples/audit/dns_suffix_only.xml:3:5: high audit::dns-suffix-only <dnsSuffix>corp.contoso.com</dnsSuffix>
          why: the signal checks only the DNS suffix, and dnsSuffix matches the computer's primary DNS suffix (design 3.3), which domain join sets and which does not change at home, in a hotel or on a phone hotspot: the signal holds everywhere.
          fix: pin something only the office network has (ipv4Gateway with ipv4DhcpServer, or a corporate ipv4DnsServer), or combine it with a Bluetooth signal in an <and>
        examples/audit/dns_suffix_only.xml: 1 finding(s): 1 high, 0 medium, 0 low
        "#);
}

#[test]
fn audit_json_has_positions_and_the_high_count() {
    let (exit, stdout, stderr) =
        run(&["policy", "audit", "--json", "examples/audit/home_network.yaml"]);
    assert_eq!(exit, Some(1), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(value["high"], 3);
    let first = &value["files"][0]["findings"][0];
    assert_eq!(first["code"], "audit::home-router-prefix");
    assert_eq!(first["severity"], "high");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(9), Some(9)));
    assert_eq!(first["element"], "<ipv4Prefix>192.168.1.0/24</ipv4Prefix>");
}

#[test]
fn check_shows_findings_as_warnings_and_still_passes() {
    let (exit, _, stderr) = run(&["policy", "check", "examples/audit/home_network.yaml"]);
    assert_eq!(exit, Some(0), "{stderr}");
    assert!(stderr.contains("audit::home-router-prefix"), "{stderr}");
    assert!(stderr.contains("home_network.yaml: 0 error(s), 4 warning(s)"), "{stderr}");
}

#[rstest]
#[case::invalid_policy("scenarios/policies/mfu_fingerprint_and_signal.yaml")]
#[case::missing_file("examples/audit/does-not-exist.xml")]
fn audit_of_bad_input_exits_two_and_prints_nothing(#[case] file: &str) {
    let (exit, stdout, _) = run(&["policy", "audit", "--json", file]);
    assert_eq!(exit, Some(2));
    assert_eq!(stdout, "");
}

/// A form's findings are the imported policy's: the form is the file, line and column are
/// null, and the file object's note says why.
#[test]
fn audit_json_of_a_form_names_the_form_without_positions() {
    let (exit, stdout, stderr) =
        run(&["policy", "audit", "--json", "examples/forms/mfu-intune-profile.json"]);
    assert!(matches!(exit, Some(0 | 1)), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let file = &value["files"][0];
    assert_eq!(file["file"], "examples/forms/mfu-intune-profile.json");
    let note = file["note"].as_str().expect("a note");
    assert!(note.contains("no line and column"), "{note}");
    let findings = file["findings"].as_array().expect("findings");
    assert!(!findings.is_empty(), "{stdout}");
    for finding in findings {
        assert_eq!(finding["file"], "examples/forms/mfu-intune-profile.json");
        assert!(finding["line"].is_null() && finding["column"].is_null(), "{finding}");
    }
    let (_, yaml, _) = run(&["policy", "audit", "--json", "examples/audit/home_network.yaml"]);
    assert!(!yaml.contains("\"note\""), "{yaml}");
}
