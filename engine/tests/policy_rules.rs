//! Rule XML and policy files at the boundary: text in, model / verdict / diagnostics out.
//! Sources: seed 003 (`docs/model.md`) (its examples, typos fixed) and issue 3's constraint list.

use engine::SourceFile;
use engine::diagnostic::render_all;
use engine::policy::{
    Interpretations, PresenceVerdict, SignalScenario, format_policy, format_pretty,
    format_single_line, load_policy, parse_rule_file, parse_rules,
};
use engine::snapshot::{AdapterObservation, BluetoothObservation, SignalSnapshot, WifiObservation};
use rstest::{Context, rstest};

/// The seed examples, compiled in (the engine crate does no I/O, not even in tests).
fn fixture(name: &str) -> String {
    match name {
        "seed_example_1.xml" => include_str!("fixtures/policy/seed_example_1.xml"),
        "seed_example_2.xml" => include_str!("fixtures/policy/seed_example_2.xml"),
        "seed_example_3.xml" => include_str!("fixtures/policy/seed_example_3.xml"),
        "seed_example_4.xml" => include_str!("fixtures/policy/seed_example_4.xml"),
        "seed_ipv6_elements.xml" => include_str!("fixtures/policy/seed_ipv6_elements.xml"),
        other => panic!("no fixture {other}"),
    }
    .to_string()
}

fn rules(text: &str) -> engine::policy::RuleSet {
    let (rules, diagnostics) =
        parse_rules(&SourceFile::new("rules.xml", text), SignalScenario::Authentication);
    rules.unwrap_or_else(|| panic!("valid rules, got:\n{}", render_all(&diagnostics)))
}

/// Every diagnostic of `text`, rendered, for snapshots.
fn check(text: &str) -> String {
    let (_, diagnostics) =
        parse_rules(&SourceFile::new("rules.xml", text), SignalScenario::Authentication);
    render_all(&diagnostics)
}

fn office() -> SignalSnapshot {
    SignalSnapshot {
        bluetooth: vec![BluetoothObservation {
            class_of_device: 5_898_764,
            rssi: -7,
            device: None,
        }],
        wifi: Some(WifiObservation {
            ssid: "contoso".into(),
            bssid: Some("12:AB:34:FF:E5:46".into()),
            security: "WPA2-Enterprise".into(),
            trusted_root_ca: Some(
                "A2 91 34 aa 22 3a a2 3a 4a 78 a2 aa 75 a2 34 2a 3a 11 4a aa".into(),
            ),
            signal_quality: 85,
        }),
        adapters: vec![AdapterObservation {
            ipv4_addresses: vec!["10.10.10.5/24".parse().unwrap()],
            ipv4_dns_servers: vec!["10.10.0.1".parse().unwrap(), "10.10.0.2".parse().unwrap()],
            dns_suffix: Some("corp.contoso.com".into()),
            ..AdapterObservation::default()
        }],
        primary_dns_suffix: Some("corp.contoso.com".into()),
    }
}

#[rstest]
#[case::example_1("seed_example_1.xml", 1)]
#[case::example_2("seed_example_2.xml", 2)]
#[case::example_3("seed_example_3.xml", 1)]
#[case::example_4("seed_example_4.xml", 1)]
#[case::ipv6_elements("seed_ipv6_elements.xml", 1)]
fn seed_examples_parse(#[case] file: &str, #[case] rule_count: usize) {
    assert_eq!(rules(&fixture(file)).rules.len(), rule_count);
}

/// (file, snapshot change, interpretations, expected verdict)
#[rstest]
#[case::ipconfig_at_the_office("seed_example_1.xml", "none", Interpretations::default(), true)]
#[case::ipconfig_one_dns_server_missing(
    "seed_example_1.xml",
    "one_dns",
    Interpretations::default(),
    false
)]
#[case::ipconfig_one_dns_server_missing_any("seed_example_1.xml", "one_dns", Interpretations { repeated_elements: engine::policy::interpretation::RepeatedElements::Any, ..Interpretations::default() }, true)]
#[case::ipconfig_other_subnet("seed_example_1.xml", "home_ip", Interpretations::default(), false)]
#[case::ipconfig_connection_suffix_only(
    "seed_example_1.xml",
    "no_primary",
    Interpretations::default(),
    false
)]
#[case::ipconfig_connection_suffix_allowed("seed_example_1.xml", "no_primary", Interpretations { dns_suffix_scope: engine::policy::interpretation::DnsSuffixScope::PrimaryOrConnection, ..Interpretations::default() }, true)]
#[case::either_ip_or_phone_phone_only(
    "seed_example_2.xml",
    "no_primary",
    Interpretations::default(),
    true
)]
#[case::either_neither(
    "seed_example_2.xml",
    "no_primary_phone_far",
    Interpretations::default(),
    false
)]
#[case::and_needs_microsoft_suffix("seed_example_3.xml", "none", Interpretations::default(), false)]
#[case::wifi_matches("seed_example_4.xml", "none", Interpretations::default(), true)]
#[case::wifi_weak("seed_example_4.xml", "weak_wifi", Interpretations::default(), false)]
#[case::wifi_disconnected("seed_example_4.xml", "no_wifi", Interpretations::default(), false)]
#[case::phone_at_rssi_min("seed_example_2.xml", "phone_at_min", Interpretations::default(), true)]
fn seed_examples_evaluate(
    #[case] file: &str,
    #[case] change: &str,
    #[case] interpretations: Interpretations,
    #[case] expected: bool,
) {
    let mut snapshot = office();
    match change {
        "none" => {}
        "one_dns" => snapshot.adapters[0].ipv4_dns_servers.truncate(1),
        "home_ip" => snapshot.adapters[0].ipv4_addresses = vec!["192.168.1.20/24".parse().unwrap()],
        "no_primary" => snapshot.primary_dns_suffix = None,
        "no_primary_phone_far" => {
            snapshot.primary_dns_suffix = None;
            snapshot.bluetooth[0].rssi = -11;
        }
        "weak_wifi" => snapshot.wifi.as_mut().unwrap().signal_quality = 79,
        "no_wifi" => snapshot.wifi = None,
        "phone_at_min" => {
            snapshot.primary_dns_suffix = None;
            snapshot.bluetooth[0].rssi = -10;
        }
        other => panic!("unknown change {other}"),
    }
    let evaluation = rules(&fixture(file)).evaluate(&snapshot, &interpretations);
    assert_eq!(evaluation.result, expected, "{}", evaluation.render_text());
}

#[test]
fn explanation_names_the_failing_element_with_observed_and_required() {
    let mut snapshot = office();
    snapshot.adapters[0].ipv4_dns_servers.truncate(1);
    let evaluation =
        rules(&fixture("seed_example_1.xml")).evaluate(&snapshot, &Interpretations::default());
    insta::assert_snapshot!(evaluation.render_text(), @r"
    result: false
    rule 1 (signal): false
      signal ipConfig: false
        adapter 1: false
          pass ipv4Prefix: required 10.10.10.0/24, observed 10.10.10.5/24
          FAIL ipv4DnsServer: required all of 10.10.0.1, 10.10.0.2, observed 10.10.0.1
          pass dnsSuffix: required all of corp.contoso.com (primary), observed corp.contoso.com
    ");
}

#[test]
fn seed_typos_are_caught_with_a_hint() {
    // The seed's ipv6DhcpServer example lacks the closing `>`.
    let missing_gt = "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\">\n<ipv6DhcpServer>21DA:00D3:0000:2F3B:02AA:00FF:FE28:9C5A%2</ipv6DhcpServer\n</signal></rule>";
    insta::assert_snapshot!(check(missing_gt));
    insta::assert_snapshot!(check(
        "<rule version=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>"
    ));
}

#[rstest]
#[case::malformed("<rule schemaVersion=\"1.0\"><signal type=\"wifi\"></rule>")]
#[case::or(
    "<rule schemaVersion=\"1.0\"><or><signal type=\"bluetooth\" scenario=\"Authentication\"/></or></rule>"
)]
#[case::unknown_attribute(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classofDevice=\"512\"/></rule>"
)]
#[case::wrong_signal_element(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ssid>x</ssid></signal></rule>"
)]
#[case::missing_comma(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule><rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>"
)]
#[case::wrong_schema_version(
    "<rule schemaVersion=\"2.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>"
)]
#[case::doctype("<!DOCTYPE r [<!ENTITY x \"y\">]><rule schemaVersion=\"1.0\"/>")]
#[case::entity(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>&x;</ssid></signal></rule>"
)]
#[case::processing_instruction("<?php x?><rule schemaVersion=\"1.0\"/>")]
#[case::too_deep("<a><a><a><a><a><a><a><a><a></a></a></a></a></a></a></a></a></a>")]
#[case::two_prefixes(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv4Prefix>10.0.0.0/8</ipv4Prefix><ipv4Prefix>10.1.0.0/16</ipv4Prefix></signal></rule>"
)]
#[case::prefix_without_cidr(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv4Prefix>10.0.0.0</ipv4Prefix></signal></rule>"
)]
#[case::port(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv4DnsServer>10.0.0.1:53</ipv4DnsServer></signal></rule>"
)]
#[case::ipv6_prefix_scope(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv6Prefix>fe80::/64%2</ipv6Prefix></signal></rule>"
)]
#[case::wifi_without_security(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>contoso</ssid></signal></rule>"
)]
#[case::bad_security(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>contoso</ssid><security>WPA2-Enterprize</security></signal></rule>"
)]
#[case::bad_bssid(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>c</ssid><security>Open</security><bssid>12-ab-34</bssid></signal></rule>"
)]
#[case::bad_thumbprint(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>c</ssid><security>Open</security><trustedRootCA>a291 34</trustedRootCA></signal></rule>"
)]
#[case::sig_quality_range(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>c</ssid><security>Open</security><sig_quality>101</sig_quality></signal></rule>"
)]
#[case::bluetooth_without_scenario(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\"/></rule>"
)]
#[case::bluetooth_child(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"><ssid>x</ssid></signal></rule>"
)]
#[case::rssi_not_integer(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" rssiMin=\"-1O\"/></rule>"
)]
#[case::warnings(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classOfDevice=\"513\" rssiMin=\"-60\" rssiMaxDelta=\"5\"/></rule>"
)]
#[case::two_signals(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>"
)]
#[case::comma(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>,,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>"
)]
#[case::trailing_comma(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>,"
)]
#[case::empty_and("<rule schemaVersion=\"1.0\"><and></and></rule>")]
#[case::unclosed_rule(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/>"
)]
#[case::unclosed_signal(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>contoso</ssid><security>Open</security>"
)]
#[case::nested_element(
    "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><ipv4Prefix><x/>10.0.0.0/8</ipv4Prefix></signal></rule>"
)]
#[case::signal_type(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetoth\" scenario=\"Authentication\"/></rule>"
)]
#[case::signal_without_type(
    "<rule schemaVersion=\"1.0\"><signal scenario=\"Authentication\"/></rule>"
)]
#[case::ssid(
    "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>an-ssid-of-thirty-three-bytes-xyz</ssid><security>Open</security></signal></rule>"
)]
fn every_constraint_has_a_diagnostic(#[context] case: Context, #[case] text: &str) {
    // The case's name names its snapshot file, so it is written once, in `#[case::name]`.
    let name = case.description.expect("every case has a name");
    let rendered = check(text);
    assert!(!rendered.is_empty(), "{name}: expected a diagnostic");
    insta::assert_snapshot!(name, rendered);
}

#[test]
fn oversized_input_is_rejected() {
    let text = " ".repeat(engine::policy::parse::RULES_BYTES_MAX + 1);
    assert!(check(&text).contains("more than the limit"));
}

#[test]
fn dynamic_lock_rules_must_be_bluetooth_dynamic_lock_phones() {
    let text = "<rule schemaVersion=\"1.0\"><signal type=\"wifi\"><ssid>c</ssid><security>Open</security></signal></rule>,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"256\"/></rule>";
    let (rules, diagnostics) =
        parse_rules(&SourceFile::new("dl.xml", text), SignalScenario::DynamicLock);
    assert!(rules.is_none());
    insta::assert_snapshot!(render_all(&diagnostics));
}

#[test]
fn formatting_round_trips_the_seed_examples() {
    for file in [
        "seed_example_1.xml",
        "seed_example_2.xml",
        "seed_example_3.xml",
        "seed_example_4.xml",
        "seed_ipv6_elements.xml",
    ] {
        let parsed = rules(&fixture(file));
        assert_eq!(rules(&format_pretty(&parsed)), parsed, "{file} pretty");
        let single = format_single_line(&parsed);
        assert!(!single.contains('\n'));
        assert_eq!(rules(&single), parsed, "{file} single line");
    }
    insta::assert_snapshot!(format_pretty(&rules(&fixture("seed_example_3.xml"))), @r#"
    <rule schemaVersion="1.0">
      <and>
        <signal type="ipConfig">
          <dnsSuffix>corp.microsoft.com</dnsSuffix>
        </signal>
        <signal type="bluetooth" scenario="Authentication" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/>
      </and>
    </rule>
    "#);
}

fn policy(text: &str) -> (Option<engine::policy::Policy>, String) {
    let source = SourceFile::new("policy.yaml", text);
    let mut read_file = |name: &str| match name {
        "rules.xml" => Ok(fixture("seed_example_2.xml")),
        other => Err(format!("no such file: {other}")),
    };
    let (policy, diagnostics) = load_policy(&source, &mut read_file);
    (policy, render_all(&diagnostics))
}

#[test]
fn the_issue_example_policy_loads() {
    let (loaded, diagnostics) = policy(
        "device_unlock:\n  first_factors: [pin, '{BEC09223-B018-416D-A0AC-523971B639F5}', facial_recognition]\n  second_factors: [trusted_signal, pin]\n  signal_rules_file: rules.xml\ndynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/></rule>'\n",
    );
    let loaded = loaded.unwrap_or_else(|| panic!("{diagnostics}"));
    let unlock = loaded.device_unlock.unwrap();
    assert_eq!(unlock.groups, engine::policy::FactorGroups::default());
    assert_eq!(unlock.signal_rules.unwrap().rules.len(), 2);
    let dynamic = loaded.dynamic_lock.unwrap();
    assert!(dynamic.enabled);
    let bluetooth: Vec<_> = dynamic.rules.bluetooth_signals().collect();
    assert_eq!(
        (bluetooth[0].class_of_device(), bluetooth[0].rssi_min(), bluetooth[0].rssi_max_delta()),
        (512, -10, -10)
    );
}

#[test]
fn omitted_groups_take_the_seed_defaults() {
    let (loaded, diagnostics) = policy("device_unlock:\n  signal_rules_file: rules.xml\n");
    assert_eq!(
        loaded.unwrap_or_else(|| panic!("{diagnostics}")).device_unlock.unwrap().groups,
        engine::policy::FactorGroups::default()
    );
}

#[rstest]
#[case::unknown_key("device_unlock:\n  frist_factors: [pin]\n")]
#[case::unknown_provider(
    "device_unlock:\n  first_factors: [pin, smartcard]\n  second_factors: [pin, fingerprint]\n"
)]
#[case::empty_group("device_unlock:\n  first_factors: []\n")]
#[case::no_pin(
    "device_unlock:\n  first_factors: [fingerprint]\n  second_factors: [facial_recognition]\n"
)]
#[case::trusted_signal_first(
    "device_unlock:\n  first_factors: [trusted_signal, pin]\n  second_factors: [pin, fingerprint]\n"
)]
#[case::signal_without_rules("device_unlock:\n  first_factors: [pin, fingerprint]\n")]
#[case::unsatisfiable("device_unlock:\n  first_factors: [pin]\n  second_factors: [pin]\n")]
#[case::embedded_xml_error(
    "device_unlock:\n  signal_rules: |\n    <rule schemaVersion=\"1.0\">\n      <signal type=\"bluetooth\" scenario=\"Authentication\" rssiMn=\"-10\"/>\n    </rule>\n"
)]
#[case::unreadable_rules_file("device_unlock:\n  signal_rules_file: missing.xml\n")]
#[case::rules_twice(
    "device_unlock:\n  signal_rules_file: rules.xml\n  signal_rules: '<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>'\n"
)]
#[case::dynamic_lock_without_rules("dynamic_lock:\n  enabled: true\n")]
// Seed 003: passwords and smart cards are the fall back, not unlock factors.
#[case::sign_in_provider_in_group(
    "device_unlock:\n  first_factors: [pin, password]\n  second_factors: [fingerprint]\n"
)]
#[case::dynamic_lock_authentication_scenario(
    "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>'\n"
)]
fn every_policy_constraint_has_a_diagnostic(#[context] case: Context, #[case] text: &str) {
    let name = case.description.expect("every case has a name");
    let (loaded, rendered) = policy(text);
    assert!(loaded.is_none(), "{name}: expected errors");
    insta::assert_snapshot!(name, rendered);
}

/// Problems that do not stop a policy from loading: warnings, each with a snapshot.
#[rstest]
#[case::unused_rules(
    "device_unlock:\n  first_factors: [pin]\n  second_factors: [fingerprint]\n  signal_rules_file: rules.xml\n"
)]
#[case::duplicate_provider(
    "device_unlock:\n  first_factors: [pin, pin]\n  second_factors: [fingerprint]\n"
)]
// Seed 003's caution, quoted.
#[case::dont_display_last_user_name(
    "device_unlock:\n  first_factors: [pin]\n  second_factors: [fingerprint]\nsign_in:\n  dont_display_last_user_name: true\n"
)]
fn every_policy_warning_has_a_diagnostic(#[context] case: Context, #[case] text: &str) {
    let name = case.description.expect("every case has a name");
    let (loaded, rendered) = policy(text);
    assert!(loaded.is_some(), "{name}: a warning must not stop the policy:\n{rendered}");
    // miette marks a warning with `⚠` and an error with `×`.
    let only_warnings = rendered.contains('⚠') && !rendered.contains('×');
    assert!(only_warnings, "{name}: expected warnings only, got:\n{rendered}");
    insta::assert_snapshot!(name, rendered);
}

/// Design 3.5b: the sign-in providers outside Hello default to enabled (a Windows nobody
/// hardened) and the option to off; the caution is raised only with multi-factor unlock.
#[rstest]
#[case::defaults("dynamic_lock: {enabled: false}\n", (true, true, false), false)]
#[case::password_disabled("sign_in: {password: false}\n", (false, true, false), false)]
#[case::both_disabled(
    "sign_in: {password: false, smart_card: false}\n",
    (false, false, false),
    false
)]
#[case::option_without_multi_factor(
    "sign_in: {dont_display_last_user_name: true}\n",
    (true, true, true),
    false
)]
#[case::option_with_multi_factor(
    "device_unlock: {first_factors: [pin], second_factors: [fingerprint]}\n\
     sign_in: {dont_display_last_user_name: true}\n",
    (true, true, true),
    true
)]
fn sign_in_settings(
    #[case] text: &str,
    #[case] expected: (bool, bool, bool),
    #[case] cautioned: bool,
) {
    let (loaded, rendered) = policy(text);
    let sign_in = loaded.expect("valid policy").sign_in;
    let got = (sign_in.password, sign_in.smart_card, sign_in.dont_display_last_user_name);
    assert_eq!(got, expected);
    assert_eq!(rendered.contains("known to interfere"), cautioned, "{rendered}");
}

#[test]
fn embedded_rules_with_yaml_escapes_fall_back_to_the_key_and_the_rules_position() {
    // A double-quoted scalar with an escape: the XML text differs from the YAML text, so the
    // diagnostic points at the value and names the position inside the rules.
    let (loaded, rendered) = policy(
        "dynamic_lock:\n  enabled: true\n  signal_rules: \"<rule schemaVersion=\\\"1.0\\\"><signal type=\\\"bluetooth\\\" scenario=\\\"Dynamic Lock\\\" rssiMn=\\\"-5\\\"/></rule>\"\n",
    );
    assert!(loaded.is_none());
    assert!(rendered.contains("of the embedded rules"), "{rendered}");
    assert!(rendered.contains("policy.yaml:3:17"), "{rendered}");
}

#[test]
fn multibyte_text_never_panics_the_loaders() {
    for text in [
        "é<rule schemaVersion=\"1.0\">é</rule",
        "<ré",
        "device_unlock: {é: [pin]}",
        "é: [",
        "\u{feff}<rule/>",
    ] {
        let _ = check(text);
        let _ = policy(text);
    }
}

/// The Dynamic Lock rule of issue 13, as administrators paste it: pretty-printed.
const ISSUE_13_DYNAMIC_LOCK: &str = "<rule schemaVersion=\"1.0\">\n  <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-15\" rssiMaxDelta=\"-5\"/>\n</rule>\n";

/// A rule with one signal, on one line.
fn one_rule(signal: &str) -> String {
    format!("<rule schemaVersion=\"1.0\">{signal}</rule>")
}

/// The error codes of a standalone rule file parsed for `given` (or inferred), and the setting.
fn file_codes(text: &str, given: Option<SignalScenario>) -> (&'static str, Vec<String>) {
    let file = parse_rule_file(&SourceFile::new("rules.xml", text), given);
    let codes = file.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.clone()).collect();
    (file.scenario.setting(), codes)
}

/// (rule file, `--setting`, the setting it is checked for, its error codes)
#[rstest]
#[case::issue_13_dynamic_lock(ISSUE_13_DYNAMIC_LOCK, None, "DynamicLock/Plugins", &[])]
#[case::authentication(
    &one_rule("<signal type=\"bluetooth\" scenario=\"Authentication\"/>"),
    None,
    "DeviceUnlock/Plugins",
    &[]
)]
#[case::no_scenario_is_device_unlock(
    &one_rule("<signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com</dnsSuffix></signal>"),
    None,
    "DeviceUnlock/Plugins",
    &[]
)]
#[case::forced_dynamic_lock(
    ISSUE_13_DYNAMIC_LOCK,
    Some(SignalScenario::DynamicLock),
    "DynamicLock/Plugins",
    &[]
)]
#[case::forced_to_the_other_setting(
    ISSUE_13_DYNAMIC_LOCK,
    Some(SignalScenario::Authentication),
    "DeviceUnlock/Plugins",
    &["rules::scenario"]
)]
#[case::mixed(
    &format!(
        "{},{}",
        one_rule("<signal type=\"bluetooth\" scenario=\"Authentication\"/>"),
        one_rule("<signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/>")
    ),
    None,
    "DeviceUnlock/Plugins",
    &["rules::mixed-scenarios"]
)]
#[case::mixed_whatever_the_setting(
    &format!(
        "{},{}",
        one_rule("<signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/>"),
        one_rule("<signal type=\"bluetooth\" scenario=\"Authentication\"/>")
    ),
    Some(SignalScenario::Authentication),
    "DeviceUnlock/Plugins",
    &["rules::mixed-scenarios"]
)]
#[case::dynamic_lock_with_wifi(
    &format!(
        "{},{}",
        one_rule("<signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/>"),
        one_rule("<signal type=\"wifi\"><ssid>c</ssid><security>Open</security></signal>")
    ),
    None,
    "DynamicLock/Plugins",
    &["rules::dynamic-lock-type"]
)]
#[case::dynamic_lock_class(
    &one_rule("<signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"1024\"/>"),
    None,
    "DynamicLock/Plugins",
    &["rules::dynamic-lock-class"]
)]
#[case::dynamic_lock_and(
    &one_rule("<and><signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/></and>"),
    None,
    "DynamicLock/Plugins",
    &["rules::dynamic-lock-and"]
)]
#[case::authentication_and(
    &one_rule("<and><signal type=\"bluetooth\" scenario=\"Authentication\"/></and>"),
    None,
    "DeviceUnlock/Plugins",
    &[]
)]
fn a_rule_file_is_checked_for_the_setting_its_scenario_names(
    #[case] text: &str,
    #[case] given: Option<SignalScenario>,
    #[case] setting: &str,
    #[case] errors: &[&str],
) {
    assert_eq!(file_codes(text, given), (setting, errors.iter().map(|c| c.to_string()).collect()));
}

/// The new diagnostics of a rule file's setting, each with its snapshot.
#[rstest]
#[case::file_mixed_scenarios(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\"/></rule>,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/></rule>",
    None
)]
#[case::file_forced_to_the_other_setting(
    ISSUE_13_DYNAMIC_LOCK,
    Some(SignalScenario::Authentication)
)]
#[case::file_dynamic_lock_and(
    "<rule schemaVersion=\"1.0\"><and><signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/></and></rule>",
    None
)]
#[case::file_bluetooth_without_any_scenario(
    "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\"/></rule>",
    None
)]
fn every_setting_problem_has_a_diagnostic(
    #[context] case: Context,
    #[case] text: &str,
    #[case] given: Option<SignalScenario>,
) {
    let name = case.description.expect("every case has a name");
    let file = parse_rule_file(&SourceFile::new("rules.xml", text), given);
    assert!(file.rules.is_none(), "{name}: expected an error");
    insta::assert_snapshot!(name, render_all(&file.diagnostics));
}

/// Issue 13: a hint never turns a scenario into the other one. Every bluetooth signal, alone,
/// with a child, with a wrong class or inside `<and>`, is checked for the other setting (as a
/// policy section and as `--setting`) and with a signal of the other scenario beside it.
#[rstest]
fn no_hint_flips_a_scenario(
    #[values(SignalScenario::Authentication, SignalScenario::DynamicLock)] written: SignalScenario,
    #[values(
        "<signal type=\"bluetooth\" scenario=\"S\"/>",
        "<signal type=\"bluetooth\" scenario=\"S\"><ssid>x</ssid></signal>",
        "<signal type=\"bluetooth\" scenario=\"S\" classOfDevice=\"256\"/>",
        "<and><signal type=\"bluetooth\" scenario=\"S\"/></and>"
    )]
    signal: &str,
) {
    let other = match written {
        SignalScenario::Authentication => SignalScenario::DynamicLock,
        SignalScenario::DynamicLock => SignalScenario::Authentication,
    };
    let rule = one_rule(&signal.replace('S', written.as_str()));
    let beside = one_rule(&format!("<signal type=\"bluetooth\" scenario=\"{}\"/>", other.as_str()));
    let flipped = format!("scenario=\\\"{}\\\"", other.as_str());
    let flipped = flipped.replace('\\', "");
    for text in [rule.clone(), format!("{rule},{beside}")] {
        let source = SourceFile::new("rules.xml", text.as_str());
        let mut diagnostics = parse_rules(&source, other).1;
        diagnostics.extend(parse_rule_file(&source, Some(other)).diagnostics);
        for diagnostic in &diagnostics {
            let hint = diagnostic.hint.as_deref().unwrap_or("");
            // The hint may name the other scenario only to say where its own rules go.
            let moves = hint.contains("put the \"Authentication\" rules in");
            assert!(
                moves || !hint.contains(&flipped),
                "{text}: a hint flips \"{}\": {hint}",
                written.as_str()
            );
        }
    }
}

fn phone(rssi: i16) -> BluetoothObservation {
    BluetoothObservation { class_of_device: 0x5A_020C, rssi, device: None }
}

/// The issue's rule (rssiMin -15, rssiMaxDelta -5: absent below -20) against one poll.
#[rstest]
#[case::at_the_desk(vec![phone(-7)], PresenceVerdict::Present)]
#[case::at_rssi_min(vec![phone(-15)], PresenceVerdict::Present)]
#[case::between_the_thresholds(vec![phone(-18)], PresenceVerdict::Unchanged)]
#[case::at_the_absence_threshold(vec![phone(-20)], PresenceVerdict::Unchanged)]
#[case::below_it(vec![phone(-21)], PresenceVerdict::Absent)]
#[case::no_answer(vec![], PresenceVerdict::Absent)]
#[case::only_headphones(
    vec![BluetoothObservation { class_of_device: 0x24_0404, rssi: 0, device: None }],
    PresenceVerdict::Absent
)]
#[case::headphones_beside_the_phone(
    vec![phone(-7), BluetoothObservation { class_of_device: 0x24_0404, rssi: -60, device: None }],
    PresenceVerdict::Present
)]
#[case::one_of_two_phones_strays(vec![phone(-7), phone(-25)], PresenceVerdict::Absent)]
fn a_dynamic_lock_rule_evaluates_to_presence(
    #[case] bluetooth: Vec<BluetoothObservation>,
    #[case] expected: PresenceVerdict,
) {
    let file = parse_rule_file(&SourceFile::new("dl.xml", ISSUE_13_DYNAMIC_LOCK), None);
    let rules = file.rules.expect("the issue's rule is valid");
    let snapshot = SignalSnapshot { bluetooth, ..SignalSnapshot::default() };
    let evaluation = rules.evaluate_presence(&snapshot);
    assert_eq!(evaluation.presence, expected, "{}", evaluation.render_text());
}

#[test]
fn the_issue_13_rule_checks_with_only_the_multi_line_warning_and_formats_on_one_line() {
    let source = SourceFile::new("dl.xml", ISSUE_13_DYNAMIC_LOCK);
    let file = parse_rule_file(&source, None);
    assert_eq!(file.diagnostics, vec![]);
    let warning = engine::policy::check_single_line(&source).map(|d| d.code);
    assert_eq!(warning.as_deref(), Some("rules::multi-line"));
    insta::assert_snapshot!(format_single_line(&file.rules.unwrap()), @r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock" classOfDevice="512" rssiMin="-15" rssiMaxDelta="-5"/></rule>"#);
}

/// `load_policy(format_policy(p)) == p`, for policies holding each setting or none.
#[rstest]
#[case::both_with_a_rules_file(
    "device_unlock:\n  signal_rules_file: rules.xml\ndynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\"/></rule>'\n"
)]
#[case::groups_only("device_unlock:\n  first_factors: [pin]\n  second_factors: [fingerprint]\n")]
#[case::dynamic_lock_off("dynamic_lock:\n  enabled: false\n")]
#[case::ssid_with_a_quote(
    "device_unlock:\n  signal_rules: \"<rule schemaVersion='1.0'><signal type='wifi'><ssid>Ana's</ssid><security>Open</security></signal></rule>\"\n"
)]
#[case::empty("{}\n")]
#[case::sign_in_hardened(
    "device_unlock:\n  first_factors: [pin]\n  second_factors: [fingerprint]\nsign_in:\n  password: false\n  smart_card: false\n  dont_display_last_user_name: true\n"
)]
fn a_formatted_policy_loads_back_equal(#[case] text: &str) {
    let (loaded, diagnostics) = policy(text);
    let loaded = loaded.unwrap_or_else(|| panic!("{diagnostics}"));
    let formatted = format_policy(&loaded);
    let (again, diagnostics) = policy(&formatted);
    assert_eq!(again.as_ref(), Some(&loaded), "{formatted}\n{diagnostics}");
    assert_eq!(format_policy(&again.unwrap()), formatted, "the canonical form is a fixed point");
}

#[test]
fn policy_fmt_prints_every_setting() {
    let (loaded, diagnostics) = policy("dynamic_lock:\n  enabled: false\n");
    insta::assert_snapshot!(format_policy(&loaded.unwrap_or_else(|| panic!("{diagnostics}"))), @r#"
        # DeviceUnlock: not configured
        # DynamicLock/DynamicLock, DynamicLock/Plugins
        dynamic_lock:
          enabled: false
        # Sign-in outside Windows Hello: credential providers, DontDisplayLastUserName
        sign_in:
          password: true
          smart_card: true
          dont_display_last_user_name: false
        "#);
}
