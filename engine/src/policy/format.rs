//! Formatting rules back to XML: a canonical pretty form and the single-line form Intune and
//! Group Policy need (design 3.2). `parse_rules(format(x)) == x` for every rule set. A whole
//! policy formats to its canonical YAML ([`format_policy`]), `load_policy(format(p)) == p`.

use std::fmt::Write as _;

use super::document::Policy;
use super::provider::CredentialProvider;
use super::rules::{BluetoothSignal, IpConfigSignal, Rule, RuleSet, Signal, WifiSignal};

/// The canonical pretty form: two-space indents, one element per line, rules joined by `,\n`.
pub fn format_pretty(rules: &RuleSet) -> String {
    let mut out = rules.rules.iter().map(|r| rule(r, Some(0))).collect::<Vec<_>>().join(",\n");
    out.push('\n');
    out
}

/// The single-line form to paste into Intune or Group Policy.
pub fn format_single_line(rules: &RuleSet) -> String {
    rules.rules.iter().map(|r| rule(r, None)).collect::<Vec<_>>().join(",")
}

/// The canonical policy file: every setting it holds, each under a comment naming the CSP
/// settings it stands for (design 3.1). Both groups are written out, defaults included, and
/// rules are inline in their single-line form; a section the policy leaves unconfigured is a
/// comment, so nothing is left implicit but the absence itself.
pub fn format_policy(policy: &Policy) -> String {
    let mut out = String::new();
    match &policy.device_unlock {
        Some(unlock) => {
            out.push_str("# DeviceUnlock/GroupA, DeviceUnlock/GroupB, DeviceUnlock/Plugins\n");
            out.push_str("device_unlock:\n");
            let _ = writeln!(out, "  first_factors: {}", providers(&unlock.groups.first));
            let _ = writeln!(out, "  second_factors: {}", providers(&unlock.groups.second));
            if let Some(rules) = &unlock.signal_rules {
                let _ =
                    writeln!(out, "  signal_rules: {}", yaml_quoted(&format_single_line(rules)));
            }
        }
        None => out.push_str("# DeviceUnlock: not configured\n"),
    }
    match &policy.dynamic_lock {
        Some(dynamic) => {
            out.push_str("# DynamicLock/DynamicLock, DynamicLock/Plugins\n");
            out.push_str("dynamic_lock:\n");
            let _ = writeln!(out, "  enabled: {}", dynamic.enabled);
            if !dynamic.rules.rules.is_empty() {
                let rules = format_single_line(&dynamic.rules);
                let _ = writeln!(out, "  signal_rules: {}", yaml_quoted(&rules));
            }
        }
        None => out.push_str("# DynamicLock: not configured\n"),
    }
    let sign_in = &policy.sign_in;
    out.push_str(
        "# Sign-in outside Windows Hello: credential providers, DontDisplayLastUserName\n",
    );
    out.push_str("sign_in:\n");
    let _ = writeln!(out, "  password: {}", sign_in.password);
    let _ = writeln!(out, "  smart_card: {}", sign_in.smart_card);
    let _ = writeln!(out, "  dont_display_last_user_name: {}", sign_in.dont_display_last_user_name);
    out
}

fn providers(group: &[CredentialProvider]) -> String {
    let names: Vec<&str> = group.iter().map(|p| p.name()).collect();
    format!("[{}]", names.join(", "))
}

/// A YAML single-quoted scalar: quotes doubled, nothing else escaped.
fn yaml_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One line at `indent` levels, or bare when single-line (`indent` is `None`).
fn line(out: &mut String, indent: Option<usize>, text: &str) {
    if let Some(level) = indent {
        out.push_str(&"  ".repeat(level));
        out.push_str(text);
        out.push('\n');
    } else {
        out.push_str(text);
    }
}

fn deeper(indent: Option<usize>) -> Option<usize> {
    indent.map(|i| i + 1)
}

fn rule(rule: &Rule, indent: Option<usize>) -> String {
    let mut out = String::new();
    line(&mut out, indent, "<rule schemaVersion=\"1.0\">");
    match rule {
        Rule::Signal(s) => signal(&mut out, s, deeper(indent)),
        Rule::And(signals) => {
            line(&mut out, deeper(indent), "<and>");
            for s in signals {
                signal(&mut out, s, deeper(deeper(indent)));
            }
            line(&mut out, deeper(indent), "</and>");
        }
    }
    line(&mut out, indent, "</rule>");
    if indent.is_some() {
        out.pop();
    }
    out
}

fn signal(out: &mut String, signal: &Signal, indent: Option<usize>) {
    match signal {
        Signal::Bluetooth(b) => line(out, indent, &bluetooth(b)),
        Signal::Wifi(w) => {
            line(out, indent, "<signal type=\"wifi\">");
            wifi(out, w, deeper(indent));
            line(out, indent, "</signal>");
        }
        Signal::IpConfig(ip) => {
            line(out, indent, "<signal type=\"ipConfig\">");
            ip_config(out, ip, deeper(indent));
            line(out, indent, "</signal>");
        }
    }
}

fn bluetooth(b: &BluetoothSignal) -> String {
    let mut text = format!("<signal type=\"bluetooth\" scenario=\"{}\"", b.scenario.as_str());
    if let Some(c) = b.class_of_device {
        text.push_str(&format!(" classOfDevice=\"{c}\""));
    }
    if let Some(r) = b.rssi_min {
        text.push_str(&format!(" rssiMin=\"{r}\""));
    }
    if let Some(d) = b.rssi_max_delta {
        text.push_str(&format!(" rssiMaxDelta=\"{d}\""));
    }
    text.push_str("/>");
    text
}

fn element(out: &mut String, indent: Option<usize>, name: &str, value: &str) {
    line(out, indent, &format!("<{name}>{}</{name}>", escape(value)));
}

fn wifi(out: &mut String, w: &WifiSignal, indent: Option<usize>) {
    element(out, indent, "ssid", &w.ssid);
    if let Some(b) = w.bssid {
        element(out, indent, "bssid", &b.to_string());
    }
    element(out, indent, "security", w.security.as_str());
    if let Some(ca) = &w.trusted_root_ca {
        element(out, indent, "trustedRootCA", &ca.to_string());
    }
    if let Some(q) = w.sig_quality {
        element(out, indent, "sig_quality", &q.to_string());
    }
}

fn ip_config(out: &mut String, ip: &IpConfigSignal, indent: Option<usize>) {
    if let Some(p) = ip.ipv4_prefix {
        element(out, indent, "ipv4Prefix", &p.to_string());
    }
    if let Some(g) = ip.ipv4_gateway {
        element(out, indent, "ipv4Gateway", &g.to_string());
    }
    if let Some(d) = ip.ipv4_dhcp_server {
        element(out, indent, "ipv4DhcpServer", &d.to_string());
    }
    for s in &ip.ipv4_dns_servers {
        element(out, indent, "ipv4DnsServer", &s.to_string());
    }
    if let Some(p) = ip.ipv6_prefix {
        element(out, indent, "ipv6Prefix", &p.to_string());
    }
    if let Some(g) = ip.ipv6_gateway {
        element(out, indent, "ipv6Gateway", &g.to_string());
    }
    if let Some(d) = ip.ipv6_dhcp_server {
        element(out, indent, "ipv6DhcpServer", &d.to_string());
    }
    for s in &ip.ipv6_dns_servers {
        element(out, indent, "ipv6DnsServer", &s.to_string());
    }
    for s in &ip.dns_suffixes {
        element(out, indent, "dnsSuffix", s);
    }
}
