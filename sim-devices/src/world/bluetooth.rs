//! Bluetooth: the PCs' and phones' radios, pairing, and polls through the observation chain.

use engine::SimTime;

use crate::bluetooth::{LinkBudget, observe_poll};

use crate::geometry::Position;
use crate::mobility::unit_vector;

use super::{
    AbsenceReason, BluetoothPoll, BluetoothPollDetail, LinkState, PcId, PhoneId, Placement, World,
};

/// The cosine of the angle between `heading` (a unit vector on the plan) and the direction from
/// `from` to `to`: 1 facing it, -1 with it straight behind; `None` when the two are less than
/// 1 mm apart on the plan.
pub(super) fn cos_between(heading: (f64, f64), from: &Position, to: &Position) -> Option<f64> {
    let (tx, ty) = unit_vector(from, to)?;
    Some((heading.0 * tx + heading.1 * ty).clamp(-1.0, 1.0))
}

impl World {
    /// The body and carrying loss of a phone with `placement`, at `phone_position`, seen from a
    /// PC at `pc_position`, dB (design 3.4 stage 3): a carried phone's container loss plus torso
    /// shadowing from its user's heading (a carried phone is where its user is); a phone left
    /// somewhere gets no heading term.
    fn placement_carry_loss_db(
        &self,
        now: SimTime,
        placement: &Placement,
        phone_position: &Position,
        pc_position: &Position,
    ) -> f64 {
        let cos_to_pc = match placement {
            Placement::Carried { user, .. } => self
                .user_heading(now, *user)
                .and_then(|heading| cos_between(heading, phone_position, pc_position)),
            Placement::Left { .. } => None,
        };
        self.carry_losses.carry_loss_db(placement.carry(), cos_to_pc)
    }

    /// Powers phone `phone` on or off.
    pub fn set_phone_power(&mut self, phone: PhoneId, on: bool) {
        self.phones[phone.index()].powered_on = on;
    }

    /// Switches phone `phone`'s Bluetooth on or off.
    pub fn set_phone_bluetooth(&mut self, phone: PhoneId, on: bool) {
        self.phones[phone.index()].bluetooth_on = on;
    }

    /// Switches PC `pc`'s Bluetooth radio on or off.
    pub fn set_pc_bluetooth(&mut self, pc: PcId, on: bool) {
        self.pcs[pc.index()].bluetooth_on = on;
    }

    /// Whether PC `pc`'s Bluetooth radio is on.
    pub fn pc_bluetooth_on(&self, pc: PcId) -> bool {
        self.pcs[pc.index()].bluetooth_on
    }

    /// The phones paired with PC `pc`, in the configuration's order.
    pub fn paired_phones(&self, pc: PcId) -> &[PhoneId] {
        &self.pcs[pc.index()].paired
    }

    /// Phone `phone`'s 24-bit Class of Device.
    pub fn phone_class_of_device(&self, phone: PhoneId) -> u32 {
        self.phones[phone.index()].config.class_of_device
    }

    /// Polls phone `phone` from PC `pc` at `now` through the full chain.
    pub fn poll_bluetooth(&mut self, now: SimTime, pc: PcId, phone: PhoneId) -> BluetoothPoll {
        self.poll_bluetooth_detailed(now, pc, phone).poll
    }

    /// Like [`World::poll_bluetooth`], with the chain's intermediate values.
    pub fn poll_bluetooth_detailed(
        &mut self,
        now: SimTime,
        pc: PcId,
        phone: PhoneId,
    ) -> BluetoothPollDetail {
        let phone_state = &self.phones[phone.index()];
        let absent = |reason| BluetoothPollDetail {
            poll: BluetoothPoll::Absent { reason },
            distance_m: 0.0,
            walls_crossed: 0,
            link_gain_db: None,
            tx_power_dbm: None,
            received_dbm: None,
        };
        // A poll that cannot reach the phone measures nothing: no positions, no losses.
        if !self.pcs[pc.index()].bluetooth_on {
            return absent(AbsenceReason::PcRadioOff);
        }
        if !phone_state.powered_on {
            return absent(AbsenceReason::PhoneOff);
        }
        if !phone_state.bluetooth_on {
            return absent(AbsenceReason::PhoneBluetoothOff);
        }
        let phone_position = self.placement_position(now, &phone_state.placement);
        let pc_position = self.pc_position(now, pc);
        let carry_loss_db = self.placement_carry_loss_db(
            now,
            &phone_state.placement,
            &phone_position,
            &pc_position,
        );
        let pc_state = &mut self.pcs[pc.index()];
        let radio = &phone_state.config.radio;
        // 3-D: plan distance and the height between floors (design 3.4).
        let distance_m = self.floor_plan.distance_m(&pc_position, &phone_position);
        let obstruction = self.floor_plan.obstruction(&pc_position, &phone_position);
        // Created on a link's first poll; its streams are named after both ends.
        let link = pc_state.bluetooth_links.entry(phone).or_insert_with(|| {
            let entity = format!("phone:{}", phone_state.id);
            LinkState::new(&self.streams, &entity, &format!("bt:pc:{}", pc_state.id))
        });
        let shadowing_db = link.shadowing_at(pc_position, phone_position, &self.environment);
        let budget = LinkBudget {
            path_loss_db: self.environment.path_loss_db(distance_m),
            obstruction_loss_db: obstruction.loss_db(),
            carry_loss_db,
            shadowing_db,
            coexistence_loss_db: if pc_state.wifi.is_some() {
                self.coexistence_loss_db
            } else {
                0.0
            },
        };
        let measurement = observe_poll(&self.environment, radio, &budget, &mut link.fading_rng);
        let poll = match measurement.rssi {
            Some(rssi) => BluetoothPoll::Present { rssi },
            None => BluetoothPoll::Absent { reason: AbsenceReason::OutOfRange },
        };
        BluetoothPollDetail {
            poll,
            distance_m,
            walls_crossed: obstruction.walls_crossed,
            link_gain_db: Some(budget.gain_db()),
            tx_power_dbm: Some(measurement.tx_power_dbm),
            received_dbm: Some(measurement.received_dbm),
        }
    }
}
