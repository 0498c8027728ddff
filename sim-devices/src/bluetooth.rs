//! The Bluetooth relative-RSSI observation chain: what Windows reads when it polls a phone.
//!
//! Windows' Dynamic Lock and the trusted-signal bluetooth rule read a connected link's RSSI the
//! way `HCI_Read_RSSI` reports it on BR/EDR (Bluetooth Core v5.2, Vol 4, Part E, 7.5.4): dB
//! relative to the controller's Golden Receive Power Range (GRPR). 0 means inside the range,
//! negative below its lower limit, positive above its upper limit. The lower limit lies between
//! -56 dBm and sensitivity + 6 dB; the upper limit is 20 dB above it (±6 dB). The remote phone
//! runs power control (Core Vol 2, Part C, LMP power control) to stay in the range, up to its
//! class maximum (class 2: +4 dBm). So the reading is flat at 0 near the PC and only falls once
//! the phone transmits at full power: stages 5 and 6 here, after the propagation stages of
//! [`crate::propagation`]. Design: `design.md` section 3.4.

use serde::{Deserialize, Serialize};

use engine::StreamRng;

use crate::propagation::{Environment, averaged_fading_db};

/// A phone's Bluetooth radio and the PC controller's reporting, every number overridable.
/// Defaults, documented ranges and sources: `docs/model.md`, "Unknowns"; a scenario's
/// `calibration` may set `grpr_lower_dbm`, `grpr_width_db`, `tx_power_dbm_max` and
/// `sensitivity_dbm` for every phone at once, or draw them per run.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BluetoothRadioConfig {
    /// The phone's maximum transmit power, dBm (power class 2: +4 dBm; class 1: +20 dBm).
    pub tx_power_dbm_max: f64,
    /// The lowest power the phone's power control steps down to, dBm.
    pub tx_power_dbm_min: f64,
    /// The GRPR's lower limit at the PC, dBm (Core spec: at most -56 dBm; at least sensitivity
    /// + 6 dB).
    pub grpr_lower_dbm: f64,
    /// The GRPR's width: upper limit minus lower limit, dB (Core spec: 20 ± 6).
    pub grpr_width_db: f64,
    /// Where power control aims, dB above the GRPR's lower limit (room for fading).
    pub tpc_target_above_lower_db: f64,
    /// The PC's receiver sensitivity, dBm: below it the connection fails and the phone is absent.
    pub sensitivity_dbm: f64,
    /// Packets whose received power the controller averages into one reading.
    pub packets_per_poll: u32,
    /// Report readings above the GRPR as 0 (some controllers never report positive values).
    pub clamp_above_to_zero: bool,
}

impl Default for BluetoothRadioConfig {
    fn default() -> BluetoothRadioConfig {
        BluetoothRadioConfig {
            tx_power_dbm_max: 4.0,
            tx_power_dbm_min: -20.0,
            grpr_lower_dbm: -56.0,
            grpr_width_db: 20.0,
            tpc_target_above_lower_db: 6.0,
            sensitivity_dbm: -90.0,
            packets_per_poll: 8,
            clamp_above_to_zero: false,
        }
    }
}

/// Most packets one poll may average: a bound on the per-poll loop.
pub const PACKETS_PER_POLL_MAX: u32 = 1_000;

impl BluetoothRadioConfig {
    /// Checks the numbers against the Core specification's ranges; a message says which is off.
    pub fn validate(&self) -> Result<(), String> {
        let finite = [
            self.tx_power_dbm_max,
            self.tx_power_dbm_min,
            self.grpr_lower_dbm,
            self.grpr_width_db,
            self.tpc_target_above_lower_db,
            self.sensitivity_dbm,
        ];
        if finite.iter().any(|value| !value.is_finite()) {
            return Err("bluetooth radio numbers must be finite".to_owned());
        }
        if self.tx_power_dbm_min > self.tx_power_dbm_max {
            return Err("tx_power_dbm_min must not exceed tx_power_dbm_max".to_owned());
        }
        if !(1..=PACKETS_PER_POLL_MAX).contains(&self.packets_per_poll) {
            return Err(format!("packets_per_poll must be 1..={PACKETS_PER_POLL_MAX}"));
        }
        if !(0.0..=40.0).contains(&self.grpr_width_db) {
            return Err("grpr_width_db must be 0..=40 (the spec says 20 ± 6)".to_owned());
        }
        if self.grpr_lower_dbm < self.sensitivity_dbm {
            return Err("grpr_lower_dbm must be at or above sensitivity_dbm".to_owned());
        }
        Ok(())
    }

    /// The GRPR's upper limit, dBm.
    pub fn grpr_upper_dbm(&self) -> f64 {
        self.grpr_lower_dbm + self.grpr_width_db
    }
}

/// Stage 5, transmit power control: the power the phone settles on, dBm, given the link's slow
/// gain (negative total loss: path, walls, body, shadowing) in dB. It aims the received power at
/// `grpr_lower + target`, within its power range.
pub fn tpc_tx_power_dbm(radio: &BluetoothRadioConfig, link_gain_db: f64) -> f64 {
    let wanted = radio.grpr_lower_dbm + radio.tpc_target_above_lower_db - link_gain_db;
    wanted.clamp(radio.tx_power_dbm_min, radio.tx_power_dbm_max)
}

/// Stage 6, the report: relative RSSI from the averaged received power in dBm. `None` when the
/// power is below the receiver's sensitivity (no connection). Inside the GRPR: 0; below: the
/// (negative) dB below the lower limit; above: dB above the upper limit, or 0 when clamped.
/// Rounded to the nearest integer and clamped to the HCI range -128..=127.
pub fn report_relative_rssi(radio: &BluetoothRadioConfig, received_dbm: f64) -> Option<i16> {
    if received_dbm.is_nan() || received_dbm < radio.sensitivity_dbm {
        return None;
    }
    let relative = if received_dbm < radio.grpr_lower_dbm {
        received_dbm - radio.grpr_lower_dbm
    } else if received_dbm > radio.grpr_upper_dbm() && !radio.clamp_above_to_zero {
        received_dbm - radio.grpr_upper_dbm()
    } else {
        0.0
    };
    Some(relative.round().clamp(-128.0, 127.0) as i16)
}

/// The slow part of a link for one poll: everything but fast fading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkBudget {
    /// Mean path loss for the distance, dB (stage 1).
    pub path_loss_db: f64,
    /// Walls and floors crossed, dB (stage 1).
    pub obstruction_loss_db: f64,
    /// Carry/body loss, dB (stage 2).
    pub carry_loss_db: f64,
    /// Shadowing, dB, positive = extra loss (stage 3).
    pub shadowing_db: f64,
    /// Bluetooth/Wi-Fi coexistence at the PC, dB: the PC's 2.4 GHz radio is shared with a Wi-Fi
    /// association (issue 14 item 9; 0 when the PC is not associated or the calibration is 0).
    /// It is part of the link, so power control sees it like any other loss.
    pub coexistence_loss_db: f64,
}

impl LinkBudget {
    /// The link's slow gain, dB (negative of the total loss).
    pub fn gain_db(&self) -> f64 {
        -(self.path_loss_db
            + self.obstruction_loss_db
            + self.carry_loss_db
            + self.shadowing_db
            + self.coexistence_loss_db)
    }
}

/// What one poll measured, stage by stage, for traces and the `radio` command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollMeasurement {
    /// The phone's transmit power after power control, dBm.
    pub tx_power_dbm: f64,
    /// Averaged fast fading over the poll's packets, dB.
    pub fading_db: f64,
    /// Averaged received power at the PC, dBm.
    pub received_dbm: f64,
    /// The relative RSSI Windows reads, or `None` when the connection failed.
    pub rssi: Option<i16>,
}

/// Stages 4 to 6 for one poll: power control on the slow budget, fast fading averaged over the
/// poll's packets (from `fading_rng`), and the relative report.
pub fn observe_poll(
    environment: &Environment,
    radio: &BluetoothRadioConfig,
    budget: &LinkBudget,
    fading_rng: &mut StreamRng,
) -> PollMeasurement {
    let gain_db = budget.gain_db();
    let tx_power_dbm = tpc_tx_power_dbm(radio, gain_db);
    let fading_db = averaged_fading_db(environment.rician_k_db, radio.packets_per_poll, fading_rng);
    let received_dbm = tx_power_dbm + gain_db + fading_db;
    PollMeasurement {
        tx_power_dbm,
        fading_db,
        received_dbm,
        rssi: report_relative_rssi(radio, received_dbm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // Close: the phone turns its power down to aim at -56 + 6 = -50 dBm.
    #[case::near(-40.0, -10.0)]
    // Far: it can only reach its class maximum.
    #[case::far(-70.0, 4.0)]
    // Very close: it bottoms out at its minimum power.
    #[case::touching(-10.0, -20.0)]
    fn power_control_aims_at_the_golden_range(#[case] gain_db: f64, #[case] expect_dbm: f64) {
        assert_eq!(tpc_tx_power_dbm(&BluetoothRadioConfig::default(), gain_db), expect_dbm);
    }

    #[rstest]
    #[case::inside_low(-56.0, false, Some(0))]
    #[case::inside_high(-36.0, false, Some(0))]
    #[case::below(-63.4, false, Some(-7))]
    #[case::far_below(-89.6, false, Some(-34))]
    #[case::lost(-90.5, false, None)]
    #[case::above(-30.0, false, Some(6))]
    #[case::above_clamped(-30.0, true, Some(0))]
    #[case::saturates(200.0, false, Some(127))]
    #[case::not_a_number(f64::NAN, false, None)]
    fn the_report_is_relative_to_the_golden_range(
        #[case] received_dbm: f64,
        #[case] clamp: bool,
        #[case] expect: Option<i16>,
    ) {
        let radio = BluetoothRadioConfig { clamp_above_to_zero: clamp, ..Default::default() };
        assert_eq!(report_relative_rssi(&radio, received_dbm), expect);
    }

    #[test]
    fn invalid_radio_numbers_are_reported() {
        let radio = BluetoothRadioConfig { grpr_lower_dbm: -95.0, ..Default::default() };
        assert!(radio.validate().unwrap_err().contains("sensitivity"));
        let radio = BluetoothRadioConfig { packets_per_poll: 0, ..Default::default() };
        assert!(radio.validate().is_err());
        assert_eq!(BluetoothRadioConfig::default().validate(), Ok(()));
    }

    /// The packets-per-poll bound, at the bound and one past it (no input file sets it; the
    /// library checks it for every phone a world is built with).
    #[rstest]
    #[case::none(0, false)]
    #[case::one(1, true)]
    #[case::at_the_bound(PACKETS_PER_POLL_MAX, true)]
    #[case::past_the_bound(PACKETS_PER_POLL_MAX + 1, false)]
    fn packets_per_poll_is_bounded(#[case] packets_per_poll: u32, #[case] valid: bool) {
        let radio = BluetoothRadioConfig { packets_per_poll, ..Default::default() };
        match radio.validate() {
            Ok(()) => assert!(valid, "{packets_per_poll} packets accepted"),
            Err(message) => {
                assert!(!valid, "{packets_per_poll} packets rejected: {message}");
                assert_eq!(message, "packets_per_poll must be 1..=1000");
            }
        }
    }
}
