//! Wi-Fi: access points, the signal quality Windows reports, and the roaming decision.
//!
//! Windows reports Wi-Fi signal quality (`WLAN_ASSOCIATION_ATTRIBUTES.wlanSignalQuality`) as a
//! linear map of RSSI: -100 dBm or less is 0, -50 dBm or more is 100. The roaming decision is a
//! pure function of the candidates' qualities: connect to the best access point of a preferred
//! network; roam when the current quality drops below a threshold and another is better by a
//! hysteresis margin; disconnect below a minimum.

use serde::Deserialize;

/// An access point.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPointConfig {
    /// Where it hangs, `[x, y]` or `[x, y, floor]`.
    pub position: crate::geometry::Position,
    /// The network name it broadcasts.
    pub ssid: String,
    /// Its MAC address, e.g. `12-ab-34-ff-e5-46` (any case, `-` or `:`).
    pub bssid: String,
    /// Security type as the rule names it, e.g. `WPA2-Enterprise` (default `WPA2-Personal`).
    #[serde(default = "default_security")]
    pub security: String,
    /// Thumbprint of the trusted root certificate of an enterprise network: hex bytes separated
    /// by spaces.
    #[serde(default)]
    pub trusted_root_ca: Option<String>,
    /// Transmit power including antenna gain, dBm (default 20: a typical enterprise AP at 2.4 GHz).
    #[serde(default = "default_ap_tx_power_dbm")]
    pub tx_power_dbm: f64,
    /// The network (id) a client joins through this AP.
    pub network: serde_saphyr::Spanned<String>,
    /// Whether it is switched on at the start (default true).
    #[serde(default = "default_true")]
    pub on: bool,
}

fn default_security() -> String {
    "WPA2-Personal".to_owned()
}

fn default_ap_tx_power_dbm() -> f64 {
    20.0
}

fn default_true() -> bool {
    true
}

/// A Wi-Fi profile of the PC: a network it joins automatically.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiProfile {
    /// The network name.
    pub ssid: String,
    /// The security type the profile expects; an AP with the same SSID but another security
    /// type is not this network.
    #[serde(default = "default_security")]
    pub security: String,
}

/// The PC's Wi-Fi client: profiles and roaming parameters.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiClientConfig {
    /// Networks joined automatically.
    #[serde(default)]
    pub profiles: Vec<WifiProfile>,
    /// Roam when the current quality drops below this (0..=100, default 50).
    #[serde(default = "default_roam_quality_threshold")]
    pub roam_quality_threshold: u8,
    /// Roam only to an AP better by at least this many quality points (default 10).
    #[serde(default = "default_roam_hysteresis_quality")]
    pub roam_hysteresis_quality: u8,
    /// Disconnect below this quality, and do not connect below it (default 10).
    #[serde(default = "default_quality_min")]
    pub quality_min: u8,
    /// How often the client scans, written like `10s` (the runner's step period; default 10 s).
    #[serde(default = "default_scan_period")]
    pub scan_period: engine::SimDuration,
}

fn default_roam_quality_threshold() -> u8 {
    50
}
fn default_roam_hysteresis_quality() -> u8 {
    10
}
fn default_quality_min() -> u8 {
    10
}
fn default_scan_period() -> engine::SimDuration {
    engine::SimDuration::from_s(10)
}

impl Default for WifiClientConfig {
    fn default() -> WifiClientConfig {
        WifiClientConfig {
            profiles: Vec::new(),
            roam_quality_threshold: default_roam_quality_threshold(),
            roam_hysteresis_quality: default_roam_hysteresis_quality(),
            quality_min: default_quality_min(),
            scan_period: default_scan_period(),
        }
    }
}

/// Windows' signal quality from received power: linear, -100 dBm -> 0, -50 dBm -> 100, clamped.
pub fn signal_quality(received_dbm: f64) -> u8 {
    if received_dbm.is_nan() {
        return 0;
    }
    (2.0 * (received_dbm + 100.0)).round().clamp(0.0, 100.0) as u8
}

/// A BSSID in Windows' form: lower-case hex pairs separated by `-`.
pub fn normalise_bssid(bssid: &str) -> String {
    bssid.to_ascii_lowercase().replace(':', "-")
}

/// The roaming decision for one scan: which AP (index into `candidates`) to be connected to
/// afterwards. `current` is the index of the connected AP, if any; `candidates` holds every AP
/// heard that matches a profile, with its quality.
pub fn choose_access_point(
    client: &WifiClientConfig,
    current: Option<usize>,
    candidates: &[(usize, u8)],
) -> Option<usize> {
    let best = candidates
        .iter()
        .filter(|(_, quality)| *quality >= client.quality_min)
        // Highest quality; ties go to the lower index so the choice is deterministic.
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .copied();
    let Some(current) = current else {
        return best.map(|(index, _)| index);
    };
    let current_quality = candidates.iter().find(|(index, _)| *index == current).map(|c| c.1);
    match current_quality {
        // The connected AP vanished (switched off, out of range): take the best, if any.
        None => best.map(|(index, _)| index),
        Some(quality) if quality < client.quality_min => best.map(|(index, _)| index),
        Some(quality) if quality < client.roam_quality_threshold => match best {
            Some((index, best_quality))
                if index != current
                    && best_quality >= quality.saturating_add(client.roam_hysteresis_quality) =>
            {
                Some(index)
            }
            _ => Some(current),
        },
        Some(_) => Some(current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(-120.0, 0)]
    #[case(-100.0, 0)]
    #[case(-75.0, 50)]
    #[case(-62.6, 75)]
    #[case(-50.0, 100)]
    #[case(-30.0, 100)]
    fn quality_is_linear_between_minus_100_and_minus_50_dbm(#[case] dbm: f64, #[case] quality: u8) {
        assert_eq!(signal_quality(dbm), quality);
    }

    #[rstest]
    #[case::connect_to_best(None, &[(0, 40), (1, 70)], Some(1))]
    #[case::too_weak_to_connect(None, &[(0, 5)], None)]
    #[case::stay_while_good(Some(0), &[(0, 60), (1, 95)], Some(0))]
    #[case::roam_when_weak_and_better(Some(0), &[(0, 45), (1, 56)], Some(1))]
    #[case::hysteresis_holds(Some(0), &[(0, 45), (1, 54)], Some(0))]
    #[case::disconnect_below_minimum(Some(0), &[(0, 8)], None)]
    #[case::ap_gone(Some(0), &[(1, 30)], Some(1))]
    fn roaming_decisions(
        #[case] current: Option<usize>,
        #[case] candidates: &[(usize, u8)],
        #[case] expect: Option<usize>,
    ) {
        assert_eq!(choose_access_point(&WifiClientConfig::default(), current, candidates), expect);
    }

    #[test]
    fn bssids_take_windows_form() {
        assert_eq!(normalise_bssid("12:AB:34:ff:E5:46"), "12-ab-34-ff-e5-46");
    }
}
