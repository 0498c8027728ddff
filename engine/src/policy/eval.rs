//! Evaluating rules against a signal snapshot, with an explanation tree.
//!
//! Source: design sections 3.3 (semantics) and 3.6 (`repeated_elements`, `dns_suffix_scope`).
//! The tree is rule -> signal -> candidate (a Bluetooth device, the Wi-Fi network, an adapter)
//! -> element (required vs observed, pass or fail). Every rule is evaluated, not only up to the
//! first that holds, so the explanation is complete.

use std::fmt::Write as _;

use serde::Serialize;

use super::interpretation::{DnsSuffixScope, Interpretations, RepeatedElements};
use super::rules::{BluetoothSignal, IpConfigSignal, Rule, RuleSet, Signal, WifiSignal};
use crate::snapshot::{AdapterObservation, SignalSnapshot};

/// The verdict and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Whether any rule holds: the trusted signal's verdict.
    pub result: bool,
    pub rules: Vec<RuleOutcome>,
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    /// 1-based position in the list.
    pub rule: usize,
    /// `signal` or `and`.
    pub combinator: &'static str,
    pub result: bool,
    pub signals: Vec<SignalOutcome>,
}

/// One signal's outcome: true when some candidate satisfies every element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalOutcome {
    #[serde(rename = "type")]
    pub signal_type: &'static str,
    pub result: bool,
    /// What was observed that could satisfy the signal; empty when nothing was (e.g. no Wi-Fi).
    pub candidates: Vec<CandidateOutcome>,
    /// Why there are no candidates, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One observed device, network or adapter checked against every element of a signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateOutcome {
    pub subject: String,
    pub result: bool,
    pub elements: Vec<ElementOutcome>,
}

/// One element (or attribute) check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementOutcome {
    pub element: String,
    pub required: String,
    pub observed: String,
    pub pass: bool,
}

impl RuleSet {
    /// Evaluates every rule against `snapshot`; the result is true when any rule holds.
    pub fn evaluate(
        &self,
        snapshot: &SignalSnapshot,
        interpretations: &Interpretations,
    ) -> Evaluation {
        let rules: Vec<RuleOutcome> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let signals: Vec<SignalOutcome> = rule
                    .signals()
                    .iter()
                    .map(|s| evaluate_signal(s, snapshot, interpretations))
                    .collect();
                RuleOutcome {
                    rule: i + 1,
                    combinator: match rule {
                        Rule::Signal(_) => "signal",
                        Rule::And(_) => "and",
                    },
                    result: signals.iter().all(|s| s.result),
                    signals,
                }
            })
            .collect();
        Evaluation { result: rules.iter().any(|r| r.result), rules }
    }
}

impl Evaluation {
    /// The explanation as indented text, one check per line.
    pub fn render_text(&self) -> String {
        let mut out = format!("result: {}\n", self.result);
        let mark = |pass: bool| if pass { "pass" } else { "FAIL" };
        for rule in &self.rules {
            let _ = writeln!(out, "rule {} ({}): {}", rule.rule, rule.combinator, rule.result);
            for signal in &rule.signals {
                let _ = writeln!(out, "  signal {}: {}", signal.signal_type, signal.result);
                if let Some(note) = &signal.note {
                    let _ = writeln!(out, "    {note}");
                }
                for candidate in &signal.candidates {
                    let _ = writeln!(out, "    {}: {}", candidate.subject, candidate.result);
                    for e in &candidate.elements {
                        let _ = writeln!(
                            out,
                            "      {} {}: required {}, observed {}",
                            mark(e.pass),
                            e.element,
                            e.required,
                            e.observed
                        );
                    }
                }
            }
        }
        out
    }
}

fn evaluate_signal(
    signal: &Signal,
    snapshot: &SignalSnapshot,
    interpretations: &Interpretations,
) -> SignalOutcome {
    let (candidates, note) = match signal {
        Signal::Bluetooth(b) => bluetooth(b, snapshot),
        Signal::Wifi(w) => wifi(w, snapshot),
        Signal::IpConfig(ip) => ip_config(ip, snapshot, interpretations),
    };
    SignalOutcome {
        signal_type: signal.type_name(),
        result: candidates.iter().any(|c| c.result),
        candidates,
        note,
    }
}

fn check(
    element: &str,
    required: impl ToString,
    observed: impl ToString,
    pass: bool,
) -> ElementOutcome {
    ElementOutcome {
        element: element.to_string(),
        required: required.to_string(),
        observed: observed.to_string(),
        pass,
    }
}

fn candidate(subject: String, elements: Vec<ElementOutcome>) -> CandidateOutcome {
    CandidateOutcome { subject, result: elements.iter().all(|e| e.pass), elements }
}

fn bluetooth(
    signal: &BluetoothSignal,
    snapshot: &SignalSnapshot,
) -> (Vec<CandidateOutcome>, Option<String>) {
    let candidates: Vec<CandidateOutcome> = snapshot
        .bluetooth
        .iter()
        .enumerate()
        .map(|(i, device)| {
            let major = device.class_of_device & 0x1F00;
            let subject = match &device.device {
                Some(name) => format!("device {} ({name})", i + 1),
                None => format!("device {}", i + 1),
            };
            candidate(
                subject,
                vec![
                    check(
                        "classOfDevice",
                        signal.class_of_device(),
                        format!("{major} (CoD {})", device.class_of_device),
                        major == signal.class_of_device(),
                    ),
                    check(
                        "rssiMin",
                        format!(">= {}", signal.rssi_min()),
                        device.rssi,
                        i32::from(device.rssi) >= signal.rssi_min(),
                    ),
                ],
            )
        })
        .collect();
    let note = candidates.is_empty().then(|| "no paired Bluetooth device answered".to_string());
    (candidates, note)
}

fn same_text(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn wifi(signal: &WifiSignal, snapshot: &SignalSnapshot) -> (Vec<CandidateOutcome>, Option<String>) {
    let Some(network) = &snapshot.wifi else {
        return (Vec::new(), Some("not connected to Wi-Fi".to_string()));
    };
    let mut elements = vec![
        check("ssid", &signal.ssid, &network.ssid, signal.ssid == network.ssid),
        check(
            "security",
            signal.security.as_str(),
            &network.security,
            same_text(signal.security.as_str(), &network.security),
        ),
    ];
    if let Some(bssid) = signal.bssid {
        let observed = network.bssid.as_deref().unwrap_or("none");
        let pass =
            network.bssid.as_deref().and_then(super::rules::MacAddress::parse) == Some(bssid);
        elements.push(check("bssid", bssid, observed, pass));
    }
    if let Some(ca) = &signal.trusted_root_ca {
        let observed = network.trusted_root_ca.as_deref().unwrap_or("none");
        let pass =
            network.trusted_root_ca.as_deref().and_then(super::rules::Thumbprint::parse).as_ref()
                == Some(ca);
        elements.push(check("trustedRootCA", ca, observed, pass));
    }
    if let Some(quality) = signal.sig_quality {
        elements.push(check(
            "sig_quality",
            format!(">= {quality}"),
            network.signal_quality,
            network.signal_quality >= quality,
        ));
    }
    (vec![candidate(format!("network {}", network.ssid), elements)], None)
}

/// Whether `suffix` (a rule's) covers `domain`: equal, or `domain` ends with `.suffix`,
/// label-aligned and case-insensitive.
fn suffix_matches(suffix: &str, domain: &str) -> bool {
    let suffix = suffix.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    domain == suffix || domain.ends_with(&format!(".{suffix}"))
}

fn list<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

fn repeated<T>(items: &[T], mode: RepeatedElements, pass: impl Fn(&T) -> bool) -> bool {
    match mode {
        RepeatedElements::All => items.iter().all(pass),
        RepeatedElements::Any => items.iter().any(pass),
    }
}

fn ip_config(
    signal: &IpConfigSignal,
    snapshot: &SignalSnapshot,
    interpretations: &Interpretations,
) -> (Vec<CandidateOutcome>, Option<String>) {
    let candidates: Vec<CandidateOutcome> = snapshot
        .adapters
        .iter()
        .enumerate()
        .map(|(i, adapter)| {
            let subject = match &adapter.name {
                Some(name) => format!("adapter {} ({name})", i + 1),
                None => format!("adapter {}", i + 1),
            };
            candidate(subject, adapter_checks(signal, adapter, snapshot, interpretations))
        })
        .collect();
    let note = candidates.is_empty().then(|| "no network adapter".to_string());
    (candidates, note)
}

fn adapter_checks(
    signal: &IpConfigSignal,
    adapter: &AdapterObservation,
    snapshot: &SignalSnapshot,
    interpretations: &Interpretations,
) -> Vec<ElementOutcome> {
    let mode = interpretations.repeated_elements;
    let mut out = Vec::new();
    if let Some(prefix) = signal.ipv4_prefix {
        let pass = adapter.ipv4_addresses.iter().any(|a| prefix.contains(&a.addr()));
        out.push(check("ipv4Prefix", prefix, list(&adapter.ipv4_addresses), pass));
    }
    if let Some(gateway) = signal.ipv4_gateway {
        out.push(check(
            "ipv4Gateway",
            gateway,
            list(&adapter.ipv4_gateways),
            adapter.ipv4_gateways.contains(&gateway),
        ));
    }
    if let Some(server) = signal.ipv4_dhcp_server {
        let observed = adapter.ipv4_dhcp_server.map_or("none".to_string(), |a| a.to_string());
        out.push(check(
            "ipv4DhcpServer",
            server,
            observed,
            adapter.ipv4_dhcp_server == Some(server),
        ));
    }
    if !signal.ipv4_dns_servers.is_empty() {
        let pass =
            repeated(&signal.ipv4_dns_servers, mode, |s| adapter.ipv4_dns_servers.contains(s));
        out.push(check(
            "ipv4DnsServer",
            format!("{} of {}", mode.name(), list(&signal.ipv4_dns_servers)),
            list(&adapter.ipv4_dns_servers),
            pass,
        ));
    }
    if let Some(prefix) = signal.ipv6_prefix {
        let pass = adapter.ipv6_addresses.iter().any(|a| prefix.contains(&a.addr()));
        out.push(check("ipv6Prefix", prefix, list(&adapter.ipv6_addresses), pass));
    }
    if let Some(gateway) = signal.ipv6_gateway {
        out.push(check(
            "ipv6Gateway",
            gateway,
            list(&adapter.ipv6_gateways),
            adapter.ipv6_gateways.contains(&gateway.address),
        ));
    }
    if let Some(server) = signal.ipv6_dhcp_server {
        let observed = adapter.ipv6_dhcp_server.map_or("none".to_string(), |a| a.to_string());
        out.push(check(
            "ipv6DhcpServer",
            server,
            observed,
            adapter.ipv6_dhcp_server == Some(server.address),
        ));
    }
    if !signal.ipv6_dns_servers.is_empty() {
        let pass = repeated(&signal.ipv6_dns_servers, mode, |s| {
            adapter.ipv6_dns_servers.contains(&s.address)
        });
        out.push(check(
            "ipv6DnsServer",
            format!("{} of {}", mode.name(), list(&signal.ipv6_dns_servers)),
            list(&adapter.ipv6_dns_servers),
            pass,
        ));
    }
    if !signal.dns_suffixes.is_empty() {
        let mut observed: Vec<&str> =
            snapshot.primary_dns_suffix.iter().map(String::as_str).collect();
        if interpretations.dns_suffix_scope == DnsSuffixScope::PrimaryOrConnection {
            observed.extend(adapter.dns_suffix.as_deref());
        }
        let pass =
            repeated(&signal.dns_suffixes, mode, |s| observed.iter().any(|d| suffix_matches(s, d)));
        out.push(check(
            "dnsSuffix",
            format!(
                "{} of {} ({})",
                mode.name(),
                list(&signal.dns_suffixes),
                interpretations.dns_suffix_scope.name()
            ),
            list(&observed),
            pass,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("corp.contoso.com", "corp.contoso.com", true)]
    #[case("contoso.com", "corp.contoso.com", true)]
    #[case("CORP.contoso.com", "corp.contoso.com.", true)]
    #[case("toso.com", "corp.contoso.com", false)]
    #[case("corp.contoso.com", "contoso.com", false)]
    fn dns_suffixes_match_label_aligned(
        #[case] rule: &str,
        #[case] domain: &str,
        #[case] expected: bool,
    ) {
        assert_eq!(suffix_matches(rule, domain), expected);
    }
}
