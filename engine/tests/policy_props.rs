//! Properties of the rule parser and formatter: `parse(fmt(x)) == x` for generated rule sets,
//! and no input makes the parser panic.

use std::net::{Ipv4Addr, Ipv6Addr};

use engine::SourceFile;
use engine::policy::rules::{MacAddress, ScopedIpv6, Security, Thumbprint};
use engine::policy::{
    BluetoothSignal, IpConfigSignal, Rule, RuleSet, Signal, SignalScenario, WifiSignal,
    format_pretty, format_single_line, parse_rules,
};
use ipnet::{Ipv4Net, Ipv6Net};
use proptest::prelude::*;

fn bluetooth() -> impl Strategy<Value = Signal> {
    (
        proptest::option::of(prop::sample::select(vec![0u32, 256, 512, 768, 7936])),
        proptest::option::of(-40i32..=0),
        proptest::option::of(-30i32..=0),
    )
        .prop_map(|(class_of_device, rssi_min, rssi_max_delta)| {
            Signal::Bluetooth(BluetoothSignal {
                scenario: SignalScenario::Authentication,
                class_of_device,
                rssi_min,
                rssi_max_delta,
            })
        })
}

fn wifi() -> impl Strategy<Value = Signal> {
    (
        "[a-zA-Z0-9&<>\"_-][a-zA-Z0-9 &<_-]{0,20}[a-zA-Z0-9]",
        proptest::option::of(any::<[u8; 6]>()),
        prop::sample::select(Security::ALL.to_vec()),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..25)),
        proptest::option::of(0u8..=100),
    )
        .prop_map(|(ssid, bssid, security, ca, sig_quality)| {
            Signal::Wifi(WifiSignal {
                ssid,
                bssid: bssid.map(MacAddress),
                security,
                trusted_root_ca: ca.map(Thumbprint),
                sig_quality,
            })
        })
}

fn scoped() -> impl Strategy<Value = ScopedIpv6> {
    (any::<u128>(), proptest::option::of(0u32..100))
        .prop_map(|(a, scope_id)| ScopedIpv6 { address: Ipv6Addr::from(a), scope_id })
}

fn ip_config() -> impl Strategy<Value = Signal> {
    (
        proptest::option::of(
            (any::<u32>(), 0u8..=32).prop_map(|(a, l)| Ipv4Net::new(Ipv4Addr::from(a), l).unwrap()),
        ),
        proptest::option::of(any::<u32>().prop_map(Ipv4Addr::from)),
        proptest::collection::vec(any::<u32>().prop_map(Ipv4Addr::from), 0..3),
        proptest::option::of(
            (any::<u128>(), 0u8..=128)
                .prop_map(|(a, l)| Ipv6Net::new(Ipv6Addr::from(a), l).unwrap()),
        ),
        proptest::option::of(scoped()),
        proptest::collection::vec(scoped(), 0..3),
        proptest::collection::vec("[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,8}){0,3}", 1..3),
    )
        .prop_map(
            |(
                ipv4_prefix,
                ipv4_gateway,
                ipv4_dns_servers,
                ipv6_prefix,
                ipv6_dhcp_server,
                ipv6_dns_servers,
                dns_suffixes,
            )| {
                Signal::IpConfig(IpConfigSignal {
                    ipv4_prefix,
                    ipv4_gateway,
                    ipv4_dhcp_server: None,
                    ipv4_dns_servers,
                    ipv6_prefix,
                    ipv6_gateway: None,
                    ipv6_dhcp_server,
                    ipv6_dns_servers,
                    dns_suffixes,
                })
            },
        )
}

fn rule_set() -> impl Strategy<Value = RuleSet> {
    let signal = prop_oneof![bluetooth(), wifi(), ip_config()];
    let rule = prop_oneof![
        signal.clone().prop_map(Rule::Signal),
        proptest::collection::vec(signal, 1..4).prop_map(Rule::And),
    ];
    proptest::collection::vec(rule, 1..4).prop_map(|rules| RuleSet { rules })
}

fn parse(text: &str) -> Option<RuleSet> {
    parse_rules(&SourceFile::new("p.xml", text), SignalScenario::Authentication).0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn formatting_round_trips(rules in rule_set()) {
        prop_assert_eq!(parse(&format_pretty(&rules)), Some(rules.clone()));
        prop_assert_eq!(parse(&format_single_line(&rules)), Some(rules));
    }

    #[test]
    fn the_parser_never_panics_on_any_text(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_mutated_rules(rules in rule_set(), cut in 0usize..400, insert in "[<>/=\"&,; a-z!?-]{0,4}") {
        let text = format_single_line(&rules);
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) { cut -= 1; }
        let mutated = format!("{}{insert}{}", &text[..cut], &text[cut..]);
        let _ = parse(&mutated);
    }
}

/// A valid policy: groups that satisfy the seed's rules, trusted-signal rules when the second
/// group lists the signal, and a Dynamic Lock rule (issue 13: forms round trip).
fn policy() -> impl Strategy<Value = engine::policy::Policy> {
    use engine::policy::{CredentialProvider as P, DeviceUnlockPolicy, DynamicLockPolicy};
    let providers = || {
        proptest::sample::subsequence(
            vec![P::Pin, P::Fingerprint, P::FacialRecognition, P::SecurityKey],
            1..=4,
        )
        .prop_shuffle()
    };
    let lock_rule = (proptest::option::of(-40i32..=0), proptest::option::of(-30i32..=0)).prop_map(
        |(rssi_min, rssi_max_delta)| RuleSet {
            rules: vec![Rule::Signal(Signal::Bluetooth(BluetoothSignal {
                scenario: SignalScenario::DynamicLock,
                class_of_device: Some(512),
                rssi_min,
                rssi_max_delta,
            }))],
        },
    );
    (providers(), providers(), any::<bool>(), rule_set(), any::<bool>(), lock_rule).prop_filter_map(
        "PIN in a group, satisfiable",
        |(first, mut second, signal, rules, on, lock)| {
            if signal {
                second.insert(0, P::TrustedSignal);
            }
            let groups = engine::policy::FactorGroups { first, second };
            let pin = groups.first.contains(&P::Pin) || groups.second.contains(&P::Pin);
            (pin && groups.is_satisfiable()).then(|| engine::policy::Policy {
                device_unlock: Some(DeviceUnlockPolicy {
                    groups,
                    signal_rules: signal.then_some(rules),
                }),
                dynamic_lock: Some(DynamicLockPolicy { enabled: on, rules: lock }),
                // The forms carry only the five PassportForWork values: sign-in stays default.
                sign_in: engine::policy::SignInPolicy::default(),
            })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_form_round_trips(policy in policy()) {
        use engine::policy::forms::{Form, export, read_form};
        for form in [Form::Csp, Form::Gpo, Form::Script, Form::Json] {
            let text = export(&policy, form);
            let (back, _) = read_form(&SourceFile::new("p", text.as_str()));
            prop_assert_eq!(back.as_ref(), Some(&policy), "{:?}\n{}", form, text);
        }
    }

    #[test]
    fn the_form_reader_never_panics_on_mutated_exports(
        policy in policy(), cut in 0usize..2000, insert in "[\"\\\\<>%$'`,;:\\[\\] a-z\r\n-]{0,4}",
    ) {
        use engine::policy::forms::{Form, export, read_form};
        for form in [Form::Csp, Form::Gpo, Form::Script, Form::Json] {
            let text = export(&policy, form);
            let mut cut = cut.min(text.len());
            while !text.is_char_boundary(cut) { cut -= 1; }
            let mutated = format!("{}{insert}{}", &text[..cut], &text[cut..]);
            let _ = read_form(&SourceFile::new("p", mutated.as_str()));
        }
    }
}
