//! The Bluetooth finding: an `Authentication` rule whose threshold a phone in the next room
//! still meets.
//!
//! The engine knows nothing of radio (ARCHITECTURE's invariant), so the distance comes from a
//! [`BluetoothReach`] the caller passes in; `sim-devices::reach` implements it with the
//! observation chain of design 3.4. Why it is a finding: the reported value is relative to the
//! golden receive power range and the phone raises its power to stay in it (design 3.4), so the
//! reading is flat at 0 for metres and falls only slowly; a wall costs a few dB (ITU-R P.2040,
//! 5 dB drywall default of the floor plan). A threshold that holds through a wall at room depth
//! grants the second factor to whoever sits at the PC while the owner is next door.

use super::{Finding, FindingSeverity, FindingTarget};
use crate::policy::rules::{BluetoothSignal, SignalScenario};

/// Walls the finding reports the reach through: none, one and two.
pub const REACH_WALLS: [u32; 3] = [0, 1, 2];

/// A room's depth, metres: a phone this far away behind a wall is "in the next room". Office
/// rooms and the desks on the other side of a partition are 3 to 5 m away; 4 m is the middle.
pub const NEXT_ROOM_DISTANCE_M: f64 = 4.0;

/// The distance a Bluetooth threshold reaches: a radio model supplied by the caller.
pub trait BluetoothReach {
    /// The farthest distance, metres, at which a phone behind `walls` walls still reads at
    /// least `rssi_min` (relative dB, design 3.4), at the model's documented percentile;
    /// 0 when it never does. Capped at the model's largest distance.
    fn reach_m(&self, rssi_min: i32, walls: u32) -> f64;

    /// One sentence on what the model assumes (environment, carry, wall loss, percentile).
    fn assumptions(&self) -> String;

    /// The largest distance the model looks at, metres: a reach this long is "at least".
    fn farthest_distance_m(&self) -> f64;
}

/// The finding for one Bluetooth signal (`index`: its position in document order), or `None`
/// for Dynamic Lock signals and thresholds that stop at the wall.
pub(super) fn bluetooth(
    signal: &BluetoothSignal,
    index: usize,
    reach: &dyn BluetoothReach,
) -> Option<Finding> {
    if signal.scenario != SignalScenario::Authentication {
        return None;
    }
    let rssi_min = signal.rssi_min();
    let reaches: Vec<f64> =
        REACH_WALLS.iter().map(|&walls| reach.reach_m(rssi_min, walls)).collect();
    let severity = if reaches[2] >= NEXT_ROOM_DISTANCE_M {
        FindingSeverity::High
    } else if reaches[1] >= NEXT_ROOM_DISTANCE_M {
        FindingSeverity::Medium
    } else {
        return None;
    };
    let element = match signal.rssi_min {
        Some(value) => format!("rssiMin=\"{value}\""),
        None => format!("rssiMin (default {rssi_min})"),
    };
    Some(Finding {
        code: "audit::bluetooth-next-room",
        severity,
        target: FindingTarget::Signal {
            signal: index,
            element: Some(if signal.rssi_min.is_some() { "rssiMin" } else { "scenario" }),
        },
        element,
        why: format!(
            "a phone reads at least {rssi_min} up to {} in line of sight, {} through one wall \
            and {} through two ({}): the owner's phone in the next room \
            ({NEXT_ROOM_DISTANCE_M} m) still counts as at the desk, because the phone raises its \
            power to stay in the golden range (design 3.4).",
            distance(reaches[0], reach),
            distance(reaches[1], reach),
            distance(reaches[2], reach),
            reach.assumptions()
        ),
        fix: "raise rssiMin towards 0 and check the reach with `unlocksim radio --walls 1`, or \
            combine the Bluetooth signal with a network signal in an <and>"
            .into(),
    })
}

/// `12.5 m`, or `at least 30.0 m` at the model's farthest distance.
fn distance(distance_m: f64, reach: &dyn BluetoothReach) -> String {
    if distance_m >= reach.farthest_distance_m() {
        format!("at least {distance_m:.1} m")
    } else {
        format!("{distance_m:.1} m")
    }
}
