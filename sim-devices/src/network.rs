//! Networks and IP configuration: prefixes, gateways, DHCP servers, DNS servers and suffixes.
//!
//! An adapter attached to a network gets a lease: an address drawn deterministically from the
//! adapter's random stream inside the network's prefix (avoiding the network, broadcast, gateway,
//! DHCP and DNS addresses), plus the network's gateway, DHCP server, DNS servers and
//! connection-specific suffix as they were when the lease was granted. A network can change
//! (a new DNS server); adapters see the change when their lease is renewed.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use rand::Rng;
use serde::{Deserialize, Serialize};

use engine::StreamRng;
use engine::snapshot::AdapterObservation;

/// A network an adapter can attach to.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The IPv4 prefix addresses are leased from, e.g. `10.10.10.0/24`.
    #[serde(default)]
    pub ipv4_prefix: Option<Ipv4Net>,
    /// The IPv4 default gateway.
    #[serde(default)]
    pub ipv4_gateway: Option<Ipv4Addr>,
    /// The DHCPv4 server.
    #[serde(default)]
    pub ipv4_dhcp_server: Option<Ipv4Addr>,
    /// IPv4 DNS servers, in order.
    #[serde(default)]
    pub ipv4_dns_servers: Vec<Ipv4Addr>,
    /// The IPv6 prefix (a /64 for SLAAC), e.g. `2001:db8:1::/64`.
    #[serde(default)]
    pub ipv6_prefix: Option<Ipv6Net>,
    /// The IPv6 default gateway.
    #[serde(default)]
    pub ipv6_gateway: Option<Ipv6Addr>,
    /// The DHCPv6 server.
    #[serde(default)]
    pub ipv6_dhcp_server: Option<Ipv6Addr>,
    /// IPv6 DNS servers, in order.
    #[serde(default)]
    pub ipv6_dns_servers: Vec<Ipv6Addr>,
    /// The connection-specific DNS suffix DHCP hands out, e.g. `corp.contoso.com`.
    #[serde(default)]
    pub dns_suffix: Option<String>,
}

/// A change of a network's configuration (a DHCP server handing out new options). Fields left
/// out stay as they were.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkChange {
    /// New IPv4 gateway.
    #[serde(default)]
    pub ipv4_gateway: Option<Ipv4Addr>,
    /// New DHCPv4 server.
    #[serde(default)]
    pub ipv4_dhcp_server: Option<Ipv4Addr>,
    /// New IPv4 DNS servers.
    #[serde(default)]
    pub ipv4_dns_servers: Option<Vec<Ipv4Addr>>,
    /// New IPv6 gateway.
    #[serde(default)]
    pub ipv6_gateway: Option<Ipv6Addr>,
    /// New IPv6 DNS servers.
    #[serde(default)]
    pub ipv6_dns_servers: Option<Vec<Ipv6Addr>>,
    /// New connection-specific DNS suffix.
    #[serde(default)]
    pub dns_suffix: Option<String>,
}

/// One option of a network that a [`NetworkChange`] changed, each value as text: an address,
/// a list of addresses joined by `, `, a suffix, or `none` when unset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionChange {
    /// The option's name as a `network_change` writes it (`ipv4_dns_servers`).
    pub option: &'static str,
    pub from: String,
    pub to: String,
}

/// An optional value as text, `none` when unset.
fn text_of<T: std::fmt::Display>(value: Option<&T>) -> String {
    value.map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// A list of addresses as text, `none` when empty.
fn list_text<T: std::fmt::Display>(values: &[T]) -> String {
    if values.is_empty() {
        return "none".to_owned();
    }
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl NetworkConfig {
    /// The options a [`NetworkChange`] can set, by name in its field order, as text.
    fn changeable_options(&self) -> [(&'static str, String); 6] {
        [
            ("ipv4_gateway", text_of(self.ipv4_gateway.as_ref())),
            ("ipv4_dhcp_server", text_of(self.ipv4_dhcp_server.as_ref())),
            ("ipv4_dns_servers", list_text(&self.ipv4_dns_servers)),
            ("ipv6_gateway", text_of(self.ipv6_gateway.as_ref())),
            ("ipv6_dns_servers", list_text(&self.ipv6_dns_servers)),
            ("dns_suffix", text_of(self.dns_suffix.as_ref())),
        ]
    }

    /// Applies `change` and says what it changed: every option whose value is now different,
    /// in [`NetworkChange`]'s field order (empty when it set only values the network had).
    pub fn apply_reporting(&mut self, change: &NetworkChange) -> Vec<OptionChange> {
        let before = self.changeable_options();
        self.apply(change);
        before
            .into_iter()
            .zip(self.changeable_options())
            .filter(|((_, from), (_, to))| from != to)
            .map(|((option, from), (_, to))| OptionChange { option, from, to })
            .collect()
    }

    /// Applies `change`.
    pub fn apply(&mut self, change: &NetworkChange) {
        if let Some(value) = change.ipv4_gateway {
            self.ipv4_gateway = Some(value);
        }
        if let Some(value) = change.ipv4_dhcp_server {
            self.ipv4_dhcp_server = Some(value);
        }
        if let Some(value) = &change.ipv4_dns_servers {
            self.ipv4_dns_servers = value.clone();
        }
        if let Some(value) = change.ipv6_gateway {
            self.ipv6_gateway = Some(value);
        }
        if let Some(value) = &change.ipv6_dns_servers {
            self.ipv6_dns_servers = value.clone();
        }
        if let Some(value) = &change.dns_suffix {
            self.dns_suffix = Some(value.clone());
        }
    }

    /// A lease for an adapter named `adapter`: the network's current options and fresh
    /// addresses drawn from `rng`.
    pub fn lease(&self, adapter: &str, rng: &mut StreamRng) -> AdapterObservation {
        AdapterObservation {
            name: Some(adapter.to_owned()),
            ipv4_addresses: self
                .ipv4_prefix
                .map(|prefix| self.draw_ipv4(prefix, rng))
                .into_iter()
                .collect(),
            ipv4_gateways: self.ipv4_gateway.into_iter().collect(),
            ipv4_dhcp_server: self.ipv4_dhcp_server,
            ipv4_dns_servers: self.ipv4_dns_servers.clone(),
            ipv6_addresses: self
                .ipv6_prefix
                .map(|prefix| draw_ipv6(prefix, rng))
                .into_iter()
                .collect(),
            ipv6_gateways: self.ipv6_gateway.into_iter().collect(),
            ipv6_dhcp_server: self.ipv6_dhcp_server,
            ipv6_dns_servers: self.ipv6_dns_servers.clone(),
            dns_suffix: self.dns_suffix.clone(),
        }
    }

    /// Renews `lease`: the same addresses (a DHCP server renews the same address) with the
    /// network's current options.
    pub fn renew(&self, lease: &AdapterObservation) -> AdapterObservation {
        AdapterObservation {
            ipv4_gateways: self.ipv4_gateway.into_iter().collect(),
            ipv4_dhcp_server: self.ipv4_dhcp_server,
            ipv4_dns_servers: self.ipv4_dns_servers.clone(),
            ipv6_gateways: self.ipv6_gateway.into_iter().collect(),
            ipv6_dhcp_server: self.ipv6_dhcp_server,
            ipv6_dns_servers: self.ipv6_dns_servers.clone(),
            dns_suffix: self.dns_suffix.clone(),
            ..lease.clone()
        }
    }

    fn draw_ipv4(&self, prefix: Ipv4Net, rng: &mut StreamRng) -> Ipv4Net {
        let network = u32::from(prefix.network());
        let host_bits = 32 - u32::from(prefix.prefix_len());
        if host_bits < 2 {
            // A /31 or /32 has no room to choose: use the prefix's own address.
            return prefix;
        }
        let hosts = (1u64 << host_bits) - 2;
        let reserved: Vec<Ipv4Addr> = self
            .ipv4_gateway
            .into_iter()
            .chain(self.ipv4_dhcp_server)
            .chain(self.ipv4_dns_servers.iter().copied())
            .collect();
        // A bounded number of tries; a prefix full of reserved addresses takes the last draw.
        let mut address = Ipv4Addr::from(network + 1);
        for _ in 0..64 {
            let offset = rng.random_range(1..=hosts) as u32;
            address = Ipv4Addr::from(network + offset);
            if !reserved.contains(&address) {
                break;
            }
        }
        Ipv4Net::new(address, prefix.prefix_len()).unwrap_or(prefix)
    }
}

fn draw_ipv6(prefix: Ipv6Net, rng: &mut StreamRng) -> Ipv6Net {
    let host_bits = 128 - u32::from(prefix.prefix_len());
    let network = u128::from(prefix.network());
    let mask = if host_bits >= 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    let interface = (rng.random::<u128>() & mask).max(1);
    Ipv6Net::new(Ipv6Addr::from(network | interface), prefix.prefix_len()).unwrap_or(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::RandomStreams;

    fn office() -> NetworkConfig {
        NetworkConfig {
            ipv4_prefix: Some("10.10.10.0/29".parse().expect("prefix")),
            ipv4_gateway: Some(Ipv4Addr::new(10, 10, 10, 1)),
            ipv4_dhcp_server: Some(Ipv4Addr::new(10, 10, 10, 2)),
            ipv4_dns_servers: vec![Ipv4Addr::new(10, 10, 10, 3)],
            ipv6_prefix: Some("2001:db8:1::/64".parse().expect("prefix")),
            ipv6_gateway: None,
            ipv6_dhcp_server: None,
            ipv6_dns_servers: vec![],
            dns_suffix: Some("corp.contoso.com".to_owned()),
        }
    }

    #[test]
    fn leases_are_inside_the_prefix_and_avoid_reserved_addresses() {
        let network = office();
        let mut rng = RandomStreams::new(9).stream("pc:desk", "dhcp:wifi");
        for _ in 0..200 {
            let lease = network.lease("wifi", &mut rng);
            let address = lease.ipv4_addresses[0].addr();
            assert!(network.ipv4_prefix.expect("prefix").contains(&address));
            assert!(![1, 2, 3, 0, 7].contains(&address.octets()[3]), "{address}");
            assert!(network.ipv6_prefix.expect("prefix").contains(&lease.ipv6_addresses[0].addr()));
        }
    }

    #[test]
    fn leases_are_deterministic_and_renewal_brings_changed_options() {
        let mut network = office();
        let lease = |network: &NetworkConfig| {
            network.lease("wifi", &mut RandomStreams::new(9).stream("pc:desk", "dhcp:wifi"))
        };
        let first = lease(&network);
        assert_eq!(first, lease(&network));
        network.apply(&NetworkChange {
            ipv4_dns_servers: Some(vec![Ipv4Addr::new(8, 8, 8, 8)]),
            ..Default::default()
        });
        let renewed = network.renew(&first);
        assert_eq!(renewed.ipv4_addresses, first.ipv4_addresses);
        assert_eq!(renewed.ipv4_dns_servers, vec![Ipv4Addr::new(8, 8, 8, 8)]);
    }

    /// A change reports every option whose value it changed, from and to, as text; options it
    /// sets to the value they had are not reported.
    #[test]
    fn a_change_reports_what_it_changed() {
        let mut network = office();
        let changed = network.apply_reporting(&NetworkChange {
            ipv4_gateway: Some(Ipv4Addr::new(10, 10, 10, 1)),
            ipv4_dns_servers: Some(vec![Ipv4Addr::new(8, 8, 8, 8), Ipv4Addr::new(8, 8, 4, 4)]),
            ipv6_gateway: Some("2001:db8:1::1".parse().expect("address")),
            ..Default::default()
        });
        let shown: Vec<String> =
            changed.iter().map(|c| format!("{}: {} -> {}", c.option, c.from, c.to)).collect();
        assert_eq!(
            shown,
            [
                "ipv4_dns_servers: 10.10.10.3 -> 8.8.8.8, 8.8.4.4",
                "ipv6_gateway: none -> 2001:db8:1::1"
            ]
        );
        assert_eq!(network.apply_reporting(&NetworkChange::default()), []);
    }
}
