//! Findings on `ipConfig` and `wifi` signals: elements that a home, hotel or café network, or
//! anyone who sets their own network up, also matches.
//!
//! Sources: design 3.3 (one adapter must satisfy every element of an `ipConfig` signal;
//! `dnsSuffix` matches the computer's primary DNS suffix; a `wifi` signal without `bssid`
//! compares only SSID and security); RFC 1918 (the private blocks every home router numbers
//! from); RFC 3927 (IPv4 link-local, `169.254.0.0/16`, self-assigned by any adapter without
//! DHCP); RFC 4291 (IPv6 link-local `fe80::/10`, on every IPv6 adapter); the operators' own
//! pages for the public resolvers (Google Public DNS, Cloudflare 1.1.1.1, Quad9, Cisco
//! OpenDNS); Fluhrer, Mantin and Shamir (2001) for WEP's recoverable key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::{Finding, FindingSeverity, FindingTarget};
use crate::policy::rules::{IpConfigSignal, Security, WifiSignal};

/// The LANs home routers use out of the box (RFC 1918 space): `192.168.0.0/24` and
/// `192.168.1.0/24` (most brands), `192.168.178.0/24` (AVM FRITZ!Box), `10.0.0.0/24`
/// (Comcast Xfinity gateways).
pub const HOME_ROUTER_PREFIXES: [(Ipv4Addr, u8); 4] = [
    (Ipv4Addr::new(192, 168, 0, 0), 24),
    (Ipv4Addr::new(192, 168, 1, 0), 24),
    (Ipv4Addr::new(192, 168, 178, 0), 24),
    (Ipv4Addr::new(10, 0, 0, 0), 24),
];

/// The gateway (and DHCP and DNS) address of those home LANs: the router itself.
pub const HOME_GATEWAY_ADDRESSES: [Ipv4Addr; 5] = [
    Ipv4Addr::new(192, 168, 0, 1),
    Ipv4Addr::new(192, 168, 1, 1),
    Ipv4Addr::new(192, 168, 1, 254),
    Ipv4Addr::new(192, 168, 178, 1),
    Ipv4Addr::new(10, 0, 0, 1),
];

/// Public DNS resolvers anyone can configure: (address, operator).
pub const PUBLIC_RESOLVERS: [(IpAddr, &str); 12] = [
    (IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)), "Google Public DNS"),
    (IpAddr::V4(Ipv4Addr::new(8, 8, 4, 4)), "Google Public DNS"),
    (IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1)), "Cloudflare 1.1.1.1"),
    (IpAddr::V4(Ipv4Addr::new(1, 0, 0, 1)), "Cloudflare 1.1.1.1"),
    (IpAddr::V4(Ipv4Addr::new(9, 9, 9, 9)), "Quad9"),
    (IpAddr::V4(Ipv4Addr::new(149, 112, 112, 112)), "Quad9"),
    (IpAddr::V4(Ipv4Addr::new(208, 67, 222, 222)), "Cisco OpenDNS"),
    (IpAddr::V4(Ipv4Addr::new(208, 67, 220, 220)), "Cisco OpenDNS"),
    (IpAddr::V6(Ipv6Addr::new(0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888)), "Google Public DNS"),
    (IpAddr::V6(Ipv6Addr::new(0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8844)), "Google Public DNS"),
    (IpAddr::V6(Ipv6Addr::new(0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1111)), "Cloudflare 1.1.1.1"),
    (IpAddr::V6(Ipv6Addr::new(0x2620, 0xfe, 0, 0, 0, 0, 0, 0xfe)), "Quad9"),
];

/// Prefixes this short or shorter are "wide": they match networks the company does not run.
pub const WIDE_PREFIX_LEN: u8 = 16;

/// The RFC 1918 blocks.
const PRIVATE_BLOCKS: [(Ipv4Addr, u8); 3] = [
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
];

fn net4((address, len): (Ipv4Addr, u8)) -> Ipv4Net {
    Ipv4Net::new(address, len).map_or_else(|_| Ipv4Net::default(), |n| n.trunc())
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b) || b.contains(&a)
}

/// One element's finding before the signal-level severity is decided.
struct Weak {
    code: &'static str,
    severity: FindingSeverity,
    element: &'static str,
    value: String,
    why: String,
    fix: &'static str,
}

/// Findings of one `ipConfig` signal (`index`: its position in document order). One adapter
/// must satisfy every element (design 3.3), so a finding is full strength only when every
/// element of the signal is weak; otherwise it is [`FindingSeverity::Low`].
pub(super) fn ip_config(signal: &IpConfigSignal, index: usize) -> Vec<Finding> {
    let (weak, elements) = weak_elements(signal);
    let all_weak = weak.len() == elements && elements > 0;
    weak.into_iter()
        .map(|w| {
            let mut why = w.why;
            let severity = if all_weak {
                w.severity
            } else {
                why.push_str(
                    " Other elements of this signal still have to match on the same adapter.",
                );
                FindingSeverity::Low
            };
            Finding {
                code: w.code,
                severity,
                target: FindingTarget::Signal { signal: index, element: Some(w.element) },
                element: format!("<{0}>{1}</{0}>", w.element, w.value),
                why,
                fix: w.fix.to_string(),
            }
        })
        .collect()
}

/// The weak elements of a signal, and how many elements it has.
fn weak_elements(signal: &IpConfigSignal) -> (Vec<Weak>, usize) {
    let mut weak = Vec::new();
    let only_suffix = !signal.dns_suffixes.is_empty()
        && *signal
            == IpConfigSignal { dns_suffixes: signal.dns_suffixes.clone(), ..Default::default() };
    if only_suffix {
        weak.push(dns_suffix_only(&signal.dns_suffixes[0]));
        return (weak, 1);
    }
    let mut elements = signal.ipv4_dns_servers.len() + signal.ipv6_dns_servers.len();
    if let Some(prefix) = signal.ipv4_prefix {
        elements += 1;
        weak.extend(ipv4_prefix(prefix));
    }
    if let Some(prefix) = signal.ipv6_prefix {
        elements += 1;
        weak.extend(ipv6_prefix(prefix));
    }
    for (element, address) in
        [("ipv4Gateway", signal.ipv4_gateway), ("ipv4DhcpServer", signal.ipv4_dhcp_server)]
    {
        if let Some(address) = address {
            elements += 1;
            weak.extend(home_gateway(element, address));
        }
    }
    elements += usize::from(signal.ipv6_gateway.is_some());
    elements += usize::from(signal.ipv6_dhcp_server.is_some());
    for &server in &signal.ipv4_dns_servers {
        weak.extend(home_gateway("ipv4DnsServer", server));
        weak.extend(public_resolver("ipv4DnsServer", IpAddr::V4(server)));
    }
    for server in &signal.ipv6_dns_servers {
        weak.extend(public_resolver("ipv6DnsServer", IpAddr::V6(server.address)));
    }
    // dnsSuffix elements beside others are weak too (they travel with the laptop) but are not
    // counted: they need no finding of their own, and they leave the others to decide.
    (weak, elements)
}

fn dns_suffix_only(suffix: &str) -> Weak {
    Weak {
        code: "audit::dns-suffix-only",
        severity: FindingSeverity::High,
        element: "dnsSuffix",
        value: suffix.to_string(),
        why: "the signal checks only the DNS suffix, and dnsSuffix matches the computer's \
            primary DNS suffix (design 3.3), which domain join sets and which does not change \
            at home, in a hotel or on a phone hotspot: the signal holds everywhere."
            .into(),
        fix: "pin something only the office network has (ipv4Gateway with ipv4DhcpServer, or a \
            corporate ipv4DnsServer), or combine it with a Bluetooth signal in an <and>",
    }
}

fn ipv4_prefix(prefix: Ipv4Net) -> Option<Weak> {
    let text = prefix.to_string();
    let fix = "use the office's own, narrow prefix together with its gateway and DHCP server";
    if overlaps(prefix, net4((Ipv4Addr::new(169, 254, 0, 0), 16))) {
        return Some(Weak {
            code: "audit::link-local-prefix",
            severity: FindingSeverity::High,
            element: "ipv4Prefix",
            value: text,
            why: "the prefix covers 169.254.0.0/16, the addresses any adapter assigns itself \
                when no DHCP server answers (RFC 3927)."
                .into(),
            fix,
        });
    }
    if let Some(home) = HOME_ROUTER_PREFIXES.into_iter().map(net4).find(|&h| overlaps(prefix, h)) {
        return Some(Weak {
            code: "audit::home-router-prefix",
            severity: FindingSeverity::High,
            element: "ipv4Prefix",
            value: text,
            why: format!(
                "the prefix overlaps {home}, the LAN home routers use out of the box (RFC 1918 \
                space): a laptop on such a home network has an address in it."
            ),
            fix,
        });
    }
    let private = PRIVATE_BLOCKS.into_iter().map(net4).any(|b| overlaps(prefix, b));
    (private && prefix.prefix_len() <= WIDE_PREFIX_LEN).then(|| Weak {
        code: "audit::wide-private-prefix",
        severity: FindingSeverity::Medium,
        element: "ipv4Prefix",
        value: text,
        why: format!(
            "a /{} of RFC 1918 private space is not the office: homes, hotels and other \
            companies number their networks from the same blocks.",
            prefix.prefix_len()
        ),
        fix,
    })
}

fn ipv6_prefix(prefix: Ipv6Net) -> Option<Weak> {
    let link_local = Ipv6Net::new(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10).ok()?;
    (link_local.contains(&prefix) || prefix.contains(&link_local)).then(|| Weak {
        code: "audit::link-local-prefix",
        severity: FindingSeverity::High,
        element: "ipv6Prefix",
        value: prefix.to_string(),
        why: "the prefix covers fe80::/10: every IPv6 adapter has a link-local address there \
            (RFC 4291), on any network."
            .into(),
        fix: "use the office's global or unique-local prefix together with its gateway",
    })
}

fn home_gateway(element: &'static str, address: Ipv4Addr) -> Option<Weak> {
    HOME_GATEWAY_ADDRESSES.contains(&address).then(|| Weak {
        code: "audit::home-gateway-address",
        severity: FindingSeverity::High,
        element,
        value: address.to_string(),
        why: format!(
            "{address} is the address of a home router on its factory-default LAN (RFC 1918 \
            space): at home the laptop's gateway, DHCP and DNS server is often exactly this."
        ),
        fix: "pin an address that only the office network uses, not a router default",
    })
}

fn public_resolver(element: &'static str, address: IpAddr) -> Option<Weak> {
    let (_, operator) = PUBLIC_RESOLVERS.into_iter().find(|(a, _)| *a == address)?;
    Some(Weak {
        code: "audit::public-resolver",
        severity: FindingSeverity::High,
        element,
        value: address.to_string(),
        why: format!(
            "{address} is {operator}, a public resolver anyone can configure or get from their \
            router: it says nothing about where the laptop is."
        ),
        fix: "pin the office's own DNS server (reachable on site or through the VPN)",
    })
}

/// Findings of one `wifi` signal: an SSID without BSSID on a network whose key everybody with
/// the passphrase (or nobody) holds.
pub(super) fn wifi(signal: &WifiSignal, index: usize) -> Option<Finding> {
    if signal.bssid.is_some() {
        return None;
    }
    let who = match signal.security {
        Security::Open => "anyone can broadcast an open network with this SSID",
        Security::Wep => {
            "WEP's key can be recovered from captured traffic (Fluhrer, Mantin and Shamir, \
            2001), and anyone with it can broadcast the SSID"
        }
        Security::WpaPersonal | Security::Wpa2Personal => {
            "anyone with the passphrase (every employee and guest who was given it) can set up \
            an access point with this SSID at home, or a look-alike one next door"
        }
        Security::WpaEnterprise | Security::Wpa2Enterprise => return None,
    };
    Some(Finding {
        code: "audit::wifi-ssid-only",
        severity: FindingSeverity::High,
        target: FindingTarget::Signal { signal: index, element: Some("ssid") },
        element: format!("<ssid>{}</ssid> ({})", signal.ssid, signal.security.as_str()),
        why: format!(
            "without <bssid> only the SSID and security are compared (design 3.3): {who}."
        ),
        fix: "use WPA2-Enterprise with trustedRootCA, or pin the office access points' bssid"
            .into(),
    })
}
