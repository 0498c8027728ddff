//! The typed model of trusted-signal rules: what a parsed `<rule>` list means.
//!
//! Source: seed 003 (`docs/model.md`), "Configure Signal Rules for the Trusted Signal Credential
//! Provider", and design section 3.2. The model holds no source positions, so a rule set parsed
//! from its formatted text compares equal to the original (`parse(fmt(x)) == x`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

/// Default `classOfDevice`: Phone.
pub const DEFAULT_CLASS_OF_DEVICE: u32 = 512;
/// Default `rssiMin`, in dB relative to the golden receive power range.
pub const DEFAULT_RSSI_MIN: i32 = -10;
/// Default `rssiMaxDelta`, in dB.
pub const DEFAULT_RSSI_MAX_DELTA: i32 = -10;

/// The seed's table of major device classes (`classOfDevice` values) and their names.
pub const DEVICE_CLASSES: [(u32, &str); 11] = [
    (0, "Miscellaneous"),
    (256, "Computer"),
    (512, "Phone"),
    (768, "LAN/Network Access Point"),
    (1024, "Audio/Video"),
    (1280, "Peripheral"),
    (1536, "Imaging"),
    (1792, "Wearable"),
    (2048, "Toy"),
    (2304, "Health"),
    (7936, "Uncategorized"),
];

/// A list of rules: the trusted signal holds when any rule holds (rules are ORed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// One `<rule schemaVersion="1.0">`: a single signal or an `<and>` of signals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `<rule><signal .../></rule>`.
    Signal(Signal),
    /// `<rule><and>...</and></rule>`: every signal must hold.
    And(Vec<Signal>),
}

/// One `<signal>` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Bluetooth(BluetoothSignal),
    Wifi(WifiSignal),
    IpConfig(IpConfigSignal),
}

/// Which policy a Bluetooth signal belongs to (its `scenario` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SignalScenario {
    /// Device unlock (the trusted-signal second factor): `scenario="Authentication"`.
    Authentication,
    /// Dynamic Lock: `scenario="Dynamic Lock"`.
    DynamicLock,
}

/// `<signal type="bluetooth" .../>`. Omitted attributes are kept as `None` so that formatting
/// reproduces what the administrator wrote; the accessors apply the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BluetoothSignal {
    pub scenario: SignalScenario,
    pub class_of_device: Option<u32>,
    pub rssi_min: Option<i32>,
    pub rssi_max_delta: Option<i32>,
}

/// The six `security` values the seed lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Security {
    Open,
    Wep,
    WpaPersonal,
    WpaEnterprise,
    Wpa2Personal,
    Wpa2Enterprise,
}

/// A MAC address (`bssid`), compared byte for byte whatever the case and separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddress(pub [u8; 6]);

/// A certificate thumbprint (`trustedRootCA`): bytes written as hex separated by single spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Thumbprint(pub Vec<u8>);

/// `<signal type="wifi">`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WifiSignal {
    pub ssid: String,
    pub bssid: Option<MacAddress>,
    pub security: Security,
    pub trusted_root_ca: Option<Thumbprint>,
    /// Minimum signal quality, 0..=100 (`sig_quality`).
    pub sig_quality: Option<u8>,
}

/// An IPv6 address that may carry a numeric scope ID (`fe80::1%2`), as gateways, DHCP and DNS
/// servers may. The scope ID is kept for formatting; matching compares the address only,
/// because a snapshot reports no scope IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopedIpv6 {
    pub address: Ipv6Addr,
    pub scope_id: Option<u32>,
}

/// `<signal type="ipConfig">`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IpConfigSignal {
    pub ipv4_prefix: Option<Ipv4Net>,
    pub ipv4_gateway: Option<Ipv4Addr>,
    pub ipv4_dhcp_server: Option<Ipv4Addr>,
    pub ipv4_dns_servers: Vec<Ipv4Addr>,
    pub ipv6_prefix: Option<Ipv6Net>,
    pub ipv6_gateway: Option<ScopedIpv6>,
    pub ipv6_dhcp_server: Option<ScopedIpv6>,
    pub ipv6_dns_servers: Vec<ScopedIpv6>,
    pub dns_suffixes: Vec<String>,
}

impl RuleSet {
    /// Every signal of every rule, in document order.
    pub fn signals(&self) -> impl Iterator<Item = &Signal> {
        self.rules.iter().flat_map(Rule::signals)
    }

    /// Every Bluetooth signal, in document order: what the simulator polls phones for.
    pub fn bluetooth_signals(&self) -> impl Iterator<Item = &BluetoothSignal> {
        self.signals().filter_map(|signal| match signal {
            Signal::Bluetooth(bluetooth) => Some(bluetooth),
            _ => None,
        })
    }
}

impl Rule {
    /// The rule's signals: one, or the children of its `<and>`.
    pub fn signals(&self) -> &[Signal] {
        match self {
            Rule::Signal(signal) => std::slice::from_ref(signal),
            Rule::And(signals) => signals,
        }
    }
}

impl Signal {
    /// The `type` attribute's value.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Signal::Bluetooth(_) => "bluetooth",
            Signal::Wifi(_) => "wifi",
            Signal::IpConfig(_) => "ipConfig",
        }
    }
}

impl SignalScenario {
    /// Both scenarios, device unlock first.
    pub const ALL: [SignalScenario; 2] =
        [SignalScenario::Authentication, SignalScenario::DynamicLock];

    /// The `scenario` attribute's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignalScenario::Authentication => "Authentication",
            SignalScenario::DynamicLock => "Dynamic Lock",
        }
    }

    /// Parses the exact `scenario` attribute value.
    pub fn parse(text: &str) -> Option<SignalScenario> {
        SignalScenario::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The administrator's setting (CSP node under `PassportForWork/`) whose rules carry this
    /// scenario (design 3.1).
    pub const fn setting(self) -> &'static str {
        match self {
            SignalScenario::Authentication => "DeviceUnlock/Plugins",
            SignalScenario::DynamicLock => "DynamicLock/Plugins",
        }
    }

    /// Where these rules go: the policy file's key and `policy`'s `--setting` value.
    pub const fn placement(self) -> &'static str {
        match self {
            SignalScenario::Authentication => {
                "`device_unlock: signal_rules` in a policy file; no `--setting` or \
                `--setting device-unlock` for a rule file"
            }
            SignalScenario::DynamicLock => {
                "`dynamic_lock: signal_rules` in a policy file; no `--setting` or \
                `--setting dynamic-lock` for a rule file"
            }
        }
    }
}

impl BluetoothSignal {
    /// The signal with every attribute omitted (the documented defaults).
    pub const fn with_defaults(scenario: SignalScenario) -> BluetoothSignal {
        BluetoothSignal { scenario, class_of_device: None, rssi_min: None, rssi_max_delta: None }
    }

    /// The major device class required, default 512 (Phone).
    pub fn class_of_device(&self) -> u32 {
        self.class_of_device.unwrap_or(DEFAULT_CLASS_OF_DEVICE)
    }

    /// The RSSI needed to be in range, default -10.
    pub fn rssi_min(&self) -> i32 {
        self.rssi_min.unwrap_or(DEFAULT_RSSI_MIN)
    }

    /// How far the RSSI may weaken before the device counts as gone, default -10.
    pub fn rssi_max_delta(&self) -> i32 {
        self.rssi_max_delta.unwrap_or(DEFAULT_RSSI_MAX_DELTA)
    }

    /// Whether a device with this Class of Device and relative RSSI is present at unlock time:
    /// its major class (`class_of_device & 0x1F00`) equals the rule's and RSSI >= rssiMin.
    pub fn is_present(&self, class_of_device: u32, rssi: i32) -> bool {
        class_of_device & 0x1F00 == self.class_of_device() && rssi >= self.rssi_min()
    }
}

impl Security {
    /// Every value, in the seed's order.
    pub const ALL: [Security; 6] = [
        Security::Open,
        Security::Wep,
        Security::WpaPersonal,
        Security::WpaEnterprise,
        Security::Wpa2Personal,
        Security::Wpa2Enterprise,
    ];

    /// The spelling the seed uses (and the XML requires).
    pub const fn as_str(self) -> &'static str {
        match self {
            Security::Open => "Open",
            Security::Wep => "WEP",
            Security::WpaPersonal => "WPA-Personal",
            Security::WpaEnterprise => "WPA-Enterprise",
            Security::Wpa2Personal => "WPA2-Personal",
            Security::Wpa2Enterprise => "WPA2-Enterprise",
        }
    }

    /// Parses the exact spelling.
    pub fn parse(text: &str) -> Option<Security> {
        Security::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl MacAddress {
    /// Parses six hex bytes separated by `-` or `:` (case free).
    pub fn parse(text: &str) -> Option<MacAddress> {
        let separator = if text.contains('-') { '-' } else { ':' };
        let mut bytes = [0u8; 6];
        let mut parts = text.split(separator);
        for byte in &mut bytes {
            let part = parts.next()?;
            if part.len() != 2 {
                return None;
            }
            *byte = u8::from_str_radix(part, 16).ok()?;
        }
        parts.next().is_none().then_some(MacAddress(bytes))
    }
}

impl fmt::Display for MacAddress {
    /// Lower-case hex bytes separated by `-`, as Windows shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{:02x}-{:02x}-{:02x}-{:02x}-{:02x}-{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
    }
}

impl Serialize for MacAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Thumbprint {
    /// Parses hex bytes separated by single spaces (case free); at most 64 bytes.
    pub fn parse(text: &str) -> Option<Thumbprint> {
        if text.is_empty() {
            return None;
        }
        let bytes: Option<Vec<u8>> = text
            .split(' ')
            .map(|part| if part.len() == 2 { u8::from_str_radix(part, 16).ok() } else { None })
            .collect();
        bytes.filter(|b| b.len() <= 64).map(Thumbprint)
    }
}

impl fmt::Display for Thumbprint {
    /// Lower-case hex bytes separated by single spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Thumbprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for ScopedIpv6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope_id {
            Some(scope) => write!(f, "{}%{scope}", self.address),
            None => write!(f, "{}", self.address),
        }
    }
}

impl Serialize for ScopedIpv6 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("12-ab-34-ff-e5-46", Some([0x12, 0xab, 0x34, 0xff, 0xe5, 0x46]))]
    #[case("12:AB:34:FF:E5:46", Some([0x12, 0xab, 0x34, 0xff, 0xe5, 0x46]))]
    #[case("12-ab-34-ff-e5", None)]
    #[case("12-ab-34-ff-e5-46-00", None)]
    #[case("12-ab:34-ff-e5-46", None)]
    #[case("1-ab-34-ff-e5-466", None)]
    fn mac_addresses(#[case] text: &str, #[case] expected: Option<[u8; 6]>) {
        assert_eq!(MacAddress::parse(text).map(|m| m.0), expected);
    }

    #[rstest]
    #[case("a2 91 34", Some(vec![0xa2, 0x91, 0x34]))]
    #[case("A2 91", Some(vec![0xa2, 0x91]))]
    #[case("a2  91", None)]
    #[case("a291", None)]
    #[case("", None)]
    #[case("zz", None)]
    fn thumbprints(#[case] text: &str, #[case] expected: Option<Vec<u8>>) {
        assert_eq!(Thumbprint::parse(text).map(|t| t.0), expected);
    }

    #[rstest]
    #[case(0x5A020C, -7, true)]
    #[case(0x5A020C, -11, false)]
    #[case(0x5A010C, 0, false)]
    fn bluetooth_presence_uses_major_class_and_rssi_min(
        #[case] class_of_device: u32,
        #[case] rssi: i32,
        #[case] expected: bool,
    ) {
        let signal = BluetoothSignal::with_defaults(SignalScenario::Authentication);
        assert_eq!(signal.is_present(class_of_device, rssi), expected);
    }
}
