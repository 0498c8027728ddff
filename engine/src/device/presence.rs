//! Bluetooth presence: when does Windows consider a paired phone present, and when gone?
//!
//! Microsoft documents `rssiMin` ("the phone is present at or above it") and `rssiMaxDelta`
//! ("how far the signal may fall before Windows acts"), but not what the delta is relative to.
//! The reference is a named interpretation (design 3.6, [`RssiDeltaReference`]):
//! - `hysteresis` (default): present at `rssi >= rssiMin`; absent at `rssi < rssiMin +
//!   rssiMaxDelta`; unchanged in between.
//! - `unlock_rssi`: absent at `rssi <` (the reading when it became present) `+ rssiMaxDelta`.
//! - `peak_rssi`: absent at `rssi <` (the highest reading since it became present) `+ delta`.
//! - `single_threshold`: absent at `rssi < rssiMin`.
//!
//! A failed poll (no connection: out of range, phone Bluetooth off) always means absent. A phone
//! that was never present cannot become absent: Dynamic Lock only acts on a phone it has seen.

use serde::Serialize;

use crate::policy::interpretation::RssiDeltaReference;

/// The thresholds of one Bluetooth signal, in Windows' relative-RSSI dB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PresenceThresholds {
    pub rssi_db_min: i16,
    pub rssi_db_max_delta: i16,
}

/// Where a phone stands for one PC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Presence {
    /// Not yet seen at or above `rssiMin`.
    NeverSeen,
    /// Present; `reference_rssi_db` is what the absence threshold is relative to, where the
    /// interpretation has one.
    Present { reference_rssi_db: i16 },
    /// Judged gone.
    Absent,
}

/// What one reading did to the presence state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceChange {
    Unchanged,
    BecamePresent,
    BecameAbsent,
}

/// Presence of one phone as one PC judges it, updated poll by poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceTracker {
    thresholds: PresenceThresholds,
    reference: RssiDeltaReference,
    state: Presence,
}

impl PresenceTracker {
    pub fn new(thresholds: PresenceThresholds, reference: RssiDeltaReference) -> PresenceTracker {
        PresenceTracker { thresholds, reference, state: Presence::NeverSeen }
    }

    pub fn state(&self) -> Presence {
        self.state
    }

    pub fn is_present(&self) -> bool {
        matches!(self.state, Presence::Present { .. })
    }

    /// The reading below which a present phone becomes absent, under this interpretation.
    pub fn absence_threshold_db(&self) -> i16 {
        let PresenceThresholds { rssi_db_min, rssi_db_max_delta } = self.thresholds;
        match (self.reference, self.state) {
            (RssiDeltaReference::SingleThreshold, _) => rssi_db_min,
            (RssiDeltaReference::Hysteresis, _) => rssi_db_min.saturating_add(rssi_db_max_delta),
            (
                RssiDeltaReference::UnlockRssi | RssiDeltaReference::PeakRssi,
                Presence::Present { reference_rssi_db },
            ) => reference_rssi_db.saturating_add(rssi_db_max_delta),
            (RssiDeltaReference::UnlockRssi | RssiDeltaReference::PeakRssi, _) => {
                rssi_db_min.saturating_add(rssi_db_max_delta)
            }
        }
    }

    /// Feeds one poll: `Some(rssi)` when the phone answered, `None` when the connection failed.
    pub fn observe(&mut self, rssi_db: Option<i16>) -> PresenceChange {
        let rssi_db_min = self.thresholds.rssi_db_min;
        match (self.state, rssi_db) {
            (Presence::Present { .. }, None) => {
                self.state = Presence::Absent;
                PresenceChange::BecameAbsent
            }
            (Presence::NeverSeen | Presence::Absent, None) => PresenceChange::Unchanged,
            (Presence::NeverSeen | Presence::Absent, Some(rssi)) => {
                if rssi >= rssi_db_min {
                    self.state = Presence::Present { reference_rssi_db: rssi };
                    PresenceChange::BecamePresent
                } else {
                    PresenceChange::Unchanged
                }
            }
            (Presence::Present { reference_rssi_db }, Some(rssi)) => {
                if rssi < self.absence_threshold_db() {
                    self.state = Presence::Absent;
                    return PresenceChange::BecameAbsent;
                }
                if self.reference == RssiDeltaReference::PeakRssi && rssi > reference_rssi_db {
                    self.state = Presence::Present { reference_rssi_db: rssi };
                }
                PresenceChange::Unchanged
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// Feeds readings (`None` = failed poll) and writes the state after each: `.` never seen,
    /// `P` present, `A` absent.
    fn states(reference: RssiDeltaReference, readings: &[Option<i16>]) -> String {
        let thresholds = PresenceThresholds { rssi_db_min: -10, rssi_db_max_delta: -10 };
        let mut tracker = PresenceTracker::new(thresholds, reference);
        readings
            .iter()
            .map(|&r| {
                tracker.observe(r);
                match tracker.state() {
                    Presence::NeverSeen => '.',
                    Presence::Present { .. } => 'P',
                    Presence::Absent => 'A',
                }
            })
            .collect()
    }

    use RssiDeltaReference::*;

    #[rstest]
    // rssiMin -10, rssiMaxDelta -10.
    #[case::hysteresis_between_keeps_state(Hysteresis, &[Some(-15), Some(0), Some(-19), Some(-20), Some(-21), Some(-15), Some(-10)], ".PPPAAP")]
    #[case::single_threshold(SingleThreshold, &[Some(0), Some(-10), Some(-11), Some(-10)], "PPAP")]
    #[case::unlock_rssi_from_first_reading(UnlockRssi, &[Some(-5), Some(-14), Some(-15), Some(-16)], "PPPA")]
    #[case::unlock_rssi_from_zero(UnlockRssi, &[Some(0), Some(-10), Some(-11)], "PPA")]
    #[case::peak_follows_the_best_reading(PeakRssi, &[Some(-8), Some(0), Some(-10), Some(-11)], "PPPA")]
    #[case::failed_poll_is_absence(Hysteresis, &[None, Some(0), None, None, Some(-9)], ".PAAP")]
    #[case::never_seen_cannot_be_absent(Hysteresis, &[Some(-30), None, Some(-25)], "...")]
    fn presence_follows_the_interpretation(
        #[case] reference: RssiDeltaReference,
        #[case] readings: &[Option<i16>],
        #[case] expected: &str,
    ) {
        assert_eq!(states(reference, readings), expected);
    }

    #[test]
    fn extreme_thresholds_do_not_overflow() {
        let thresholds = PresenceThresholds { rssi_db_min: i16::MIN, rssi_db_max_delta: i16::MIN };
        let mut tracker = PresenceTracker::new(thresholds, Hysteresis);
        tracker.observe(Some(i16::MIN));
        assert_eq!(tracker.absence_threshold_db(), i16::MIN);
        assert_eq!(tracker.observe(Some(i16::MIN)), PresenceChange::Unchanged);
    }
}
