//! The signal snapshot: everything the Windows trusted-signal evaluator sees at one instant.
//!
//! This is the one type where the world (`sim-devices`) meets the policy (`engine::policy`): the
//! world produces a snapshot at every evaluation, the evaluator takes it and nothing else.
//! The YAML form (used by `unlocksim policy eval --snapshot`) mirrors these fields one to one.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, SourceFile};

/// What the PC observes now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalSnapshot {
    /// Paired Bluetooth devices that answered the latest poll. Absent devices are not listed.
    #[serde(default)]
    pub bluetooth: Vec<BluetoothObservation>,
    /// The connected Wi-Fi network, if any.
    #[serde(default)]
    pub wifi: Option<WifiObservation>,
    /// One entry per network adapter.
    #[serde(default)]
    pub adapters: Vec<AdapterObservation>,
    /// The computer's primary DNS suffix.
    #[serde(default)]
    pub primary_dns_suffix: Option<String>,
}

/// One paired Bluetooth device that answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BluetoothObservation {
    /// The 24-bit Class of Device as the radio reports it; rules compare the major class
    /// (`class_of_device & 0x1F00`).
    pub class_of_device: u32,
    /// Relative RSSI as Windows reads it: dB relative to the golden receive power range
    /// (0 inside it, negative below), not dBm.
    pub rssi: i16,
    /// Which simulated phone this is, when the snapshot comes from a simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// The connected Wi-Fi network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiObservation {
    pub ssid: String,
    /// The access point's MAC address as Windows shows it, e.g. `12-ab-34-ff-e5-46`.
    #[serde(default)]
    pub bssid: Option<String>,
    /// One of the security types a rule may name, e.g. `WPA2-Enterprise`.
    pub security: String,
    /// Thumbprint of the network's trusted root certificate: hex bytes separated by spaces.
    #[serde(default)]
    pub trusted_root_ca: Option<String>,
    /// Signal quality as Windows reports it, 0..=100.
    pub signal_quality: u8,
}

/// One network adapter's IP configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterObservation {
    /// Which simulated adapter this is (`wifi`, `ethernet`, `vpn`...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Addresses with their prefix length, e.g. `10.10.10.5/24`.
    #[serde(default)]
    pub ipv4_addresses: Vec<Ipv4Net>,
    #[serde(default)]
    pub ipv4_gateways: Vec<Ipv4Addr>,
    #[serde(default)]
    pub ipv4_dhcp_server: Option<Ipv4Addr>,
    #[serde(default)]
    pub ipv4_dns_servers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Net>,
    #[serde(default)]
    pub ipv6_gateways: Vec<Ipv6Addr>,
    #[serde(default)]
    pub ipv6_dhcp_server: Option<Ipv6Addr>,
    #[serde(default)]
    pub ipv6_dns_servers: Vec<Ipv6Addr>,
    /// The connection-specific DNS suffix.
    #[serde(default)]
    pub dns_suffix: Option<String>,
}

/// Loads a snapshot from YAML text; problems (with line and column, unknown keys with a
/// "did you mean" hint) come back as diagnostics.
pub fn load_snapshot(source: &SourceFile) -> (Option<SignalSnapshot>, Vec<Diagnostic>) {
    match crate::diagnostic::yaml::from_yaml(source) {
        Ok(snapshot) => (Some(snapshot), Vec::new()),
        Err(diagnostics) => (None, diagnostics),
    }
}
