//! Wi-Fi: access points on and off, and the PCs' scans that connect, roam and disconnect.

use engine::{SimDuration, SimTime};

use crate::propagation::averaged_fading_db;
use crate::wifi::{Candidate, choose_access_point, normalise_bssid, signal_quality};

use super::{
    AccessPointId, LinkState, PcId, WIFI_BEACONS_PER_SCAN, WifiChange, WifiConnection, World,
};

impl World {
    /// Switches access point `ap` on or off. A PC connected to it notices at its next scan.
    pub fn set_access_point(&mut self, ap: AccessPointId, on: bool) {
        self.access_points[ap.index()].on = on;
    }

    /// The access point PC `pc` is connected to, and the signal quality (0 to 100) it last
    /// measured.
    pub fn wifi_connection(&self, pc: PcId) -> Option<(AccessPointId, u8)> {
        let wifi = self.pcs[pc.index()].wifi.as_ref()?;
        Some((wifi.access_point, wifi.quality))
    }

    /// The scan period configured for PC `pc`.
    pub fn wifi_scan_period(&self, pc: PcId) -> SimDuration {
        self.pcs[pc.index()].config.wifi.scan_period
    }

    /// Whether PC `pc` has Wi-Fi profiles: without one it never scans.
    pub fn has_wifi_profiles(&self, pc: PcId) -> bool {
        !self.pcs[pc.index()].config.wifi.profiles.is_empty()
    }

    /// Bluetooth/Wi-Fi coexistence (issue 14 item 9): while a PC is associated to Wi-Fi (every
    /// access point is 2.4 GHz), its Bluetooth link has `loss_db` more loss, a term of the link
    /// budget. The loss sits in the PC's receive path, so the phone's power control, which
    /// follows what the PC reads, sees it too: near the PC the reading stays in the golden range,
    /// further away it drops by `loss_db` sooner, and a connection can fail below the receiver's
    /// sensitivity. Set once per run, from the scenario's calibration.
    pub fn set_coexistence_loss_db(&mut self, loss_db: f64) {
        self.coexistence_loss_db = loss_db;
    }

    /// One Wi-Fi scan of PC `pc` at `now`: measures every switched-on access point that matches
    /// a profile, then connects, roams or disconnects per [`choose_access_point`] (by signal in
    /// dBm; the quality kept for the snapshot is derived from the chosen one's signal).
    pub fn wifi_scan(&mut self, now: SimTime, pc: PcId) -> WifiChange {
        let candidates = self.wifi_candidates(now, pc);
        let state = &self.pcs[pc.index()];
        let current = state.wifi.as_ref().map(|wifi| wifi.access_point.index());
        let chosen = choose_access_point(&state.config.wifi, current, &candidates);
        let signal_dbm_min = state.config.wifi.signal_dbm_min;
        let signal_of = |index: usize| {
            let heard = candidates.iter().find(|c| c.index == index);
            heard.map(|c| c.signal_dbm).filter(|dbm| *dbm >= signal_dbm_min)
        };
        let quality_of = |index: usize| signal_of(index).map_or(0, signal_quality);
        match (current, chosen) {
            (None, None) => WifiChange::Unchanged,
            (Some(a), Some(b)) if a == b => {
                if let Some(wifi) = self.pcs[pc.index()].wifi.as_mut() {
                    wifi.quality = quality_of(b);
                }
                WifiChange::Unchanged
            }
            (Some(a), None) => {
                self.pcs[pc.index()].wifi = None;
                WifiChange::Disconnected { from: self.access_points[a].id.clone() }
            }
            (previous, Some(b)) => {
                let signals = Signals {
                    from_dbm: previous.and_then(signal_of).map(tenth_db),
                    to_dbm: tenth_db(signal_of(b).expect("the chosen access point was heard")),
                };
                let (to, quality) = (AccessPointId::new(b), quality_of(b));
                self.join(pc, previous.map(AccessPointId::new), to, quality, signals)
            }
        }
    }

    /// Measures every switched-on access point that matches one of PC `pc`'s profiles: its
    /// received signal and BSSID, in id order.
    fn wifi_candidates(&mut self, now: SimTime, pc: PcId) -> Vec<Candidate> {
        let pc_position = self.pc_position(now, pc);
        let streams = self.streams;
        let state = &mut self.pcs[pc.index()];
        let profiles = &state.config.wifi.profiles;
        let mut candidates = Vec::new();
        for (index, ap) in self.access_points.iter().enumerate() {
            let matches = profiles.iter().any(|profile| {
                profile.ssid == ap.config.ssid
                    && profile.security.eq_ignore_ascii_case(&ap.config.security)
            });
            if !ap.on || !matches {
                continue;
            }
            let ap_position = ap.config.position;
            let link = state.wifi_links.entry(AccessPointId::new(index)).or_insert_with(|| {
                LinkState::new(&streams, &format!("pc:{}", state.id), &format!("wifi:ap:{}", ap.id))
            });
            let shadowing_db = link.shadowing_at(pc_position, ap_position, &self.environment);
            let fading_db = averaged_fading_db(
                self.environment.rician_k_db,
                WIFI_BEACONS_PER_SCAN,
                &mut link.fading_rng,
            );
            // 3-D across floors, like Bluetooth (design 3.4).
            let distance_m = self.floor_plan.distance_m(&pc_position, &ap_position);
            let received_dbm = ap.config.tx_power_dbm
                - self.environment.path_loss_db(distance_m)
                - self.floor_plan.obstruction(&pc_position, &ap_position).loss_db()
                - shadowing_db
                + fading_db;
            let bssid = normalise_bssid(&ap.config.bssid);
            candidates.push(Candidate { index, signal_dbm: received_dbm, bssid });
        }
        candidates
    }

    /// PC `pc` joins access point `to` (from `previous`, if any): a renewed lease on the same
    /// network, a fresh one on another. A roam's record carries both signals of the scan.
    fn join(
        &mut self,
        pc: PcId,
        previous: Option<AccessPointId>,
        to: AccessPointId,
        quality: u8,
        signals: Signals,
    ) -> WifiChange {
        let ap = &self.access_points[to.index()];
        let network = &self.networks[ap.network.index()].config;
        let old_network = previous.map(|a| self.access_points[a.index()].network);
        let network_changed = old_network != Some(ap.network);
        let state = &mut self.pcs[pc.index()];
        let lease = match (&state.wifi, network_changed) {
            (Some(wifi), false) => network.renew(&wifi.lease),
            _ => network.lease("wifi", &mut state.wifi_dhcp_rng),
        };
        state.wifi = Some(WifiConnection { access_point: to, quality, lease });
        let bssid = normalise_bssid(&ap.config.bssid);
        match previous {
            None => WifiChange::Connected { access_point: ap.id.clone(), bssid },
            Some(a) => WifiChange::Roamed {
                from: self.access_points[a.index()].id.clone(),
                to: ap.id.clone(),
                bssid,
                network_changed,
                from_signal_dbm: signals.from_dbm,
                signal_dbm: signals.to_dbm,
            },
        }
    }
}

/// The signals of a scan that joined or roamed, for the trace.
struct Signals {
    /// The access point left, dBm, if it was heard above the client's minimum.
    from_dbm: Option<f64>,
    /// The access point joined, dBm.
    to_dbm: f64,
}

/// `dbm` rounded to 0.1 dB: what a trace shows (a driver reports whole dBm; the tenth keeps
/// the averaged beacons' value readable without noise digits).
fn tenth_db(dbm: f64) -> f64 {
    (dbm * 10.0).round() / 10.0
}
