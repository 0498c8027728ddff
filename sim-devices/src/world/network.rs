//! Networks: wired and VPN adapters, DHCP leases, network changes, and the snapshot that
//! gathers everything a PC observes.

use engine::snapshot::{BluetoothObservation, WifiObservation};
use engine::{SignalSnapshot, SimTime};

use crate::network::NetworkChange;
use crate::wifi::normalise_bssid;

use super::{AdapterKind, BluetoothPoll, NetworkId, PcId, World};

impl World {
    /// Connects or disconnects the adapter at `adapter` (its position in the PC's `adapters`)
    /// of PC `pc`; connecting leases fresh addresses.
    pub(super) fn connect_adapter(&mut self, pc: PcId, adapter: usize, connected: bool) {
        let slot = &mut self.pcs[pc.index()].adapters[adapter];
        if !connected {
            slot.lease = None;
        } else if slot.lease.is_none() {
            let network = &self.networks[slot.network.index()].config;
            slot.lease = Some(network.lease(&slot.config.name, &mut slot.dhcp_rng));
        }
    }

    /// Connects or disconnects every adapter of `kind` of PC `pc`; returns how many there are.
    fn set_kind_connected(&mut self, pc: PcId, kind: AdapterKind, connected: bool) -> usize {
        let adapters = &self.pcs[pc.index()].adapters;
        let of_kind: Vec<usize> =
            (0..adapters.len()).filter(|&i| adapters[i].config.kind == kind).collect();
        for &adapter in &of_kind {
            self.connect_adapter(pc, adapter, connected);
        }
        of_kind.len()
    }

    /// Docks PC `pc` (`true`) or undocks it: connects or disconnects its Ethernet adapters.
    /// Returns how many adapters it has of that kind.
    pub fn set_docked(&mut self, pc: PcId, docked: bool) -> usize {
        self.set_kind_connected(pc, AdapterKind::Ethernet, docked)
    }

    /// Connects or disconnects PC `pc`'s VPN adapters; returns how many it has.
    pub fn set_vpn(&mut self, pc: PcId, connected: bool) -> usize {
        self.set_kind_connected(pc, AdapterKind::Vpn, connected)
    }

    /// Changes network `network` (a DHCP server handing out new options). Adapters on it see
    /// the change when their leases are renewed ([`World::renew_leases`]). Returns the options
    /// whose value changed, as text ([`crate::network::NetworkConfig::apply_reporting`]).
    pub fn update_network(
        &mut self,
        network: NetworkId,
        change: &NetworkChange,
    ) -> Vec<crate::network::OptionChange> {
        self.networks[network.index()].config.apply_reporting(change)
    }

    /// Renews every lease of PC `pc`: same addresses, the networks' current options.
    pub fn renew_leases(&mut self, pc: PcId) {
        let state = &mut self.pcs[pc.index()];
        for adapter in &mut state.adapters {
            if let Some(lease) = &adapter.lease {
                adapter.lease = Some(self.networks[adapter.network.index()].config.renew(lease));
            }
        }
        if let Some(wifi) = &mut state.wifi {
            let network = self.access_points[wifi.access_point.index()].network;
            wifi.lease = self.networks[network.index()].config.renew(&wifi.lease);
        }
    }

    /// What PC `pc` observes at `now`: fresh polls of its paired phones, its Wi-Fi connection,
    /// every connected adapter's IP configuration and its primary DNS suffix.
    pub fn snapshot(&mut self, now: SimTime, pc: PcId) -> SignalSnapshot {
        let phones = self.paired_phones(pc).to_vec();
        let mut bluetooth = Vec::new();
        for phone in phones {
            if let BluetoothPoll::Present { rssi } = self.poll_bluetooth(now, pc, phone) {
                let state = &self.phones[phone.index()];
                bluetooth.push(BluetoothObservation {
                    class_of_device: state.config.class_of_device,
                    rssi,
                    device: Some(state.id.clone()),
                });
            }
        }
        let state = &self.pcs[pc.index()];
        let wifi = state.wifi.as_ref().map(|wifi| {
            let ap = &self.access_points[wifi.access_point.index()].config;
            WifiObservation {
                ssid: ap.ssid.clone(),
                bssid: Some(normalise_bssid(&ap.bssid)),
                security: ap.security.clone(),
                trusted_root_ca: ap.trusted_root_ca.clone(),
                signal_quality: wifi.quality,
            }
        });
        let adapters = state
            .wifi
            .iter()
            .map(|wifi| wifi.lease.clone())
            .chain(state.adapters.iter().filter_map(|adapter| adapter.lease.clone()))
            .collect();
        SignalSnapshot {
            bluetooth,
            wifi,
            adapters,
            primary_dns_suffix: state.config.primary_dns_suffix.clone(),
        }
    }
}
