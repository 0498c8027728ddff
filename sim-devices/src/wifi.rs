//! Wi-Fi: access points, the signal quality Windows reports, and the roaming decision.
//!
//! Windows reports Wi-Fi signal quality (`WLAN_ASSOCIATION_ATTRIBUTES.wlanSignalQuality`) as a
//! linear map of RSSI: -100 dBm or less is 0, -50 dBm or more is 100. It is what a rule's
//! `sig_quality` compares, and nothing else: it saturates, so two access points both stronger
//! than -50 dBm read 100 alike. The roaming decision (design 3.5c) is a pure function of the
//! candidates' received signals in dBm: connect to the strongest access point of a preferred
//! network; once connected, look elsewhere only while the current signal is below a trigger, and
//! roam only to one stronger by more than a margin (hysteresis); disconnect below a minimum.
//! Ties break by signal, then by BSSID. The thresholds and their sources are on
//! [`WifiClientConfig`].

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

/// The largest roaming margin a scenario may set, dB: a margin beyond the span between a strong
/// and an unusable signal (about -30 to -90 dBm) only means "never roam"; the bound keeps the
/// value a number someone meant.
pub const ROAM_MARGIN_DB_MAX: f64 = 60.0;

/// The PC's Wi-Fi client: profiles and roaming parameters, all in received signal (dBm, dB).
///
/// Windows does not publish its clients' roaming thresholds; each adapter's driver decides
/// (Intel's "roaming aggressiveness" setting moves them, without published values). The
/// defaults are chosen from what other clients and tools document, with a range to sweep:
///
/// - `roam_trigger_dbm`, default -70 dBm, range -80 to -65: unknown for Windows, chosen. Apple
///   documents that iOS looks for another access point below -70 dBm (macOS -75 dBm), and
///   7SIGNAL's "sticky client" metric uses -70 dBm.
/// - `roam_margin_db`, default 8 dB, range 5 to 12: unknown for Windows, chosen. Apple's iOS
///   wants a candidate 8 dB stronger (12 dB when idle), macOS's opportunistic roaming 10 dB
///   (`deltaRSSI`), 7SIGNAL's metric 7 dB.
/// - `signal_dbm_min`, default -95 dBm, range -100 to -85: unknown, chosen near a 2.4 GHz
///   receiver's sensitivity at its lowest rate (the signal quality 10 of the earlier model).
///
/// Candidates are ranked by signal, then by BSSID (lower first), never by the access point's
/// id: signal quality saturates at 100 above -50 dBm and cannot rank near access points.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiClientConfig {
    /// Networks joined automatically.
    #[serde(default)]
    pub profiles: Vec<WifiProfile>,
    /// Look for another access point only while the current one is weaker than this, dBm
    /// (default -70): clients are "sticky" above it.
    #[serde(default = "default_roam_trigger_dbm")]
    pub roam_trigger_dbm: f64,
    /// Roam only to an access point stronger than the current one by more than this, dB
    /// (default 8; 0 to [`ROAM_MARGIN_DB_MAX`]): the hysteresis that stops a client flapping
    /// between two access points of about the same signal.
    #[serde(default = "default_roam_margin_db")]
    pub roam_margin_db: f64,
    /// Disconnect below this signal, and do not connect below it, dBm (default -95).
    #[serde(default = "default_signal_dbm_min")]
    pub signal_dbm_min: f64,
    /// How often the client scans, written like `10s` (the runner's step period; default 10 s).
    #[serde(default = "default_scan_period")]
    pub scan_period: engine::SimDuration,
}

fn default_roam_trigger_dbm() -> f64 {
    -70.0
}
fn default_roam_margin_db() -> f64 {
    8.0
}
fn default_signal_dbm_min() -> f64 {
    -95.0
}
fn default_scan_period() -> engine::SimDuration {
    engine::SimDuration::from_s(10)
}

impl Default for WifiClientConfig {
    fn default() -> WifiClientConfig {
        WifiClientConfig {
            profiles: Vec::new(),
            roam_trigger_dbm: default_roam_trigger_dbm(),
            roam_margin_db: default_roam_margin_db(),
            signal_dbm_min: default_signal_dbm_min(),
            scan_period: default_scan_period(),
        }
    }
}

impl WifiClientConfig {
    /// Checks the roaming values: finite signals, a margin from 0 to [`ROAM_MARGIN_DB_MAX`].
    pub fn validate(&self) -> Result<(), String> {
        if !self.roam_trigger_dbm.is_finite() || !self.signal_dbm_min.is_finite() {
            return Err("wifi: roam_trigger_dbm and signal_dbm_min must be finite".to_owned());
        }
        if !(0.0..=ROAM_MARGIN_DB_MAX).contains(&self.roam_margin_db) {
            return Err(format!(
                "wifi: roam_margin_db must be between 0 and {ROAM_MARGIN_DB_MAX}, not {}",
                self.roam_margin_db
            ));
        }
        Ok(())
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

/// An access point heard in one scan that matches a profile of the PC.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The access point (index in id order).
    pub index: usize,
    /// Received signal, dBm (averaged over the scan's beacons).
    pub signal_dbm: f64,
    /// Its BSSID in Windows' form ([`normalise_bssid`]): the tie-break after the signal.
    pub bssid: String,
}

/// Whether `a` ranks above `b`: the stronger signal, then the lower BSSID, then the lower index
/// (two access points with one BSSID are a scenario's mistake, but the choice stays
/// deterministic).
fn ranks_above(a: &Candidate, b: &Candidate) -> bool {
    a.signal_dbm
        .total_cmp(&b.signal_dbm)
        .then_with(|| b.bssid.cmp(&a.bssid))
        .then_with(|| b.index.cmp(&a.index))
        .is_gt()
}

/// The roaming decision for one scan: which access point (index) to be connected to afterwards.
/// `current` is the index of the connected one, if any; `candidates` holds every access point
/// heard that matches a profile, with its signal.
pub fn choose_access_point(
    client: &WifiClientConfig,
    current: Option<usize>,
    candidates: &[Candidate],
) -> Option<usize> {
    let best = candidates.iter().filter(|c| c.signal_dbm >= client.signal_dbm_min).fold(
        None::<&Candidate>,
        |best, c| match best {
            Some(b) if !ranks_above(c, b) => Some(b),
            _ => Some(c),
        },
    );
    let current_signal_dbm = current
        .and_then(|index| candidates.iter().find(|c| c.index == index))
        .map(|c| c.signal_dbm)
        // The connected access point vanished (switched off, out of range) or is too weak.
        .filter(|signal_dbm| *signal_dbm >= client.signal_dbm_min);
    let (Some(current), Some(signal_dbm)) = (current, current_signal_dbm) else {
        return best.map(|b| b.index);
    };
    match best {
        Some(b)
            if signal_dbm < client.roam_trigger_dbm
                && b.index != current
                && b.signal_dbm > signal_dbm + client.roam_margin_db =>
        {
            Some(b.index)
        }
        _ => Some(current),
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

    /// BSSIDs of the table, in sort order.
    const A: &str = "12-ab-34-ff-e5-46";
    const B: &str = "12-ab-34-ff-e5-47";
    const C: &str = "12-ab-34-ff-e5-48";

    /// Join and roam decisions with the default client (trigger -70 dBm, margin 8 dB, minimum
    /// -95 dBm): `candidates` are `(index, signal dBm, BSSID)`.
    #[rstest]
    #[case::stronger_joins(None, &[(0, -60.0, A), (1, -40.0, B)], Some(1))]
    // Both read quality 100: the signal, not the saturated quality or the id, decides.
    #[case::stronger_joins_above_saturation(None, &[(0, -45.0, A), (1, -20.0, B)], Some(1))]
    #[case::too_weak_to_connect(None, &[(0, -96.0, A)], None)]
    #[case::equal_signal_breaks_by_bssid(None, &[(0, -50.0, B), (1, -50.0, A)], Some(1))]
    #[case::equal_signal_bssid_in_any_order(None, &[(0, -50.0, A), (1, -50.0, B)], Some(0))]
    #[case::stays_above_the_trigger(Some(0), &[(0, -65.0, A), (1, -30.0, B)], Some(0))]
    #[case::within_the_margin_stays(Some(0), &[(0, -75.0, A), (1, -68.0, B)], Some(0))]
    #[case::at_the_margin_stays(Some(0), &[(0, -75.0, A), (1, -67.0, B)], Some(0))]
    #[case::beyond_the_margin_roams(Some(0), &[(0, -75.0, A), (1, -66.0, B)], Some(1))]
    // Roaming, too, breaks a tie between two candidates by BSSID.
    #[case::roams_to_lower_bssid(Some(2), &[(0, -60.0, B), (1, -60.0, A), (2, -80.0, C)], Some(1))]
    #[case::disconnect_below_minimum(Some(0), &[(0, -96.0, A)], None)]
    #[case::too_weak_takes_the_best(Some(0), &[(0, -96.0, A), (1, -90.0, B)], Some(1))]
    #[case::ap_gone(Some(0), &[(1, -80.0, B)], Some(1))]
    fn roaming_decisions(
        #[case] current: Option<usize>,
        #[case] candidates: &[(usize, f64, &str)],
        #[case] expect: Option<usize>,
    ) {
        let candidates: Vec<Candidate> = candidates
            .iter()
            .map(|&(index, signal_dbm, bssid)| Candidate {
                index,
                signal_dbm,
                bssid: bssid.to_owned(),
            })
            .collect();
        let client = WifiClientConfig::default();
        assert_eq!(choose_access_point(&client, current, &candidates), expect);
    }

    #[rstest]
    #[case::zero_margin(0.0, -70.0, true)]
    #[case::margin_at_its_bound(ROAM_MARGIN_DB_MAX, -70.0, true)]
    #[case::margin_past_its_bound(ROAM_MARGIN_DB_MAX + 1.0, -70.0, false)]
    #[case::negative_margin(-1.0, -70.0, false)]
    #[case::nan_trigger(8.0, f64::NAN, false)]
    fn roaming_values_are_checked(
        #[case] roam_margin_db: f64,
        #[case] roam_trigger_dbm: f64,
        #[case] valid: bool,
    ) {
        let client =
            WifiClientConfig { roam_margin_db, roam_trigger_dbm, ..WifiClientConfig::default() };
        assert_eq!(client.validate().is_ok(), valid, "{:?}", client.validate());
    }

    #[test]
    fn bssids_take_windows_form() {
        assert_eq!(normalise_bssid("12:AB:34:ff:E5:46"), "12-ab-34-ff-e5-46");
    }
}
