//! Typed payloads of the record kinds that something reads: expectations, metrics, timelines,
//! the CLI's JSON. Each has a `KIND` and serialises to exactly the JSON the devices wrote
//! before they were typed (keys in sorted order, as a `serde_json::Value` map serialises); the
//! pinned suite trace hashes and the byte tests below hold them to it.
//!
//! Writers call [`crate::sim::Context::record_typed`]; readers call [`TraceRecord::read`] for
//! one kind or [`TraceRecord::observed`] to match on all of them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Entity, TraceRecord};
use crate::policy::{CredentialProvider, SignInProvider};
use crate::time::SimTime;

/// A payload type of one record kind.
pub trait RecordPayload: Serialize + DeserializeOwned {
    /// The record's `kind` on the wire.
    const KIND: &'static str;

    /// The payload as a JSON value (a map with keys in sorted order).
    fn to_value(&self) -> Value {
        // Every payload is a struct of strings, numbers, booleans and `Value`s: it serialises.
        serde_json::to_value(self).expect("record payload serialises")
    }
}

/// Why a PC locked: the `reason` of a `lock` record. The one list of lock reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// Dynamic Lock: the paired phone was judged absent and the user idle.
    DynamicLock,
    /// An `Authentication` rule's phone was judged absent (under `authentication_lock: on`).
    AuthenticationSignalLost,
    /// The user pressed Windows+L.
    Manual,
    /// The inactivity timeout passed.
    Inactivity,
}

impl LockReason {
    /// Every reason, in declaration order.
    pub const ALL: [LockReason; 4] = [
        LockReason::DynamicLock,
        LockReason::AuthenticationSignalLost,
        LockReason::Manual,
        LockReason::Inactivity,
    ];

    /// The name on the wire and in scenario files: `dynamic_lock`, ...
    pub const fn name(self) -> &'static str {
        match self {
            LockReason::DynamicLock => "dynamic_lock",
            LockReason::AuthenticationSignalLost => "authentication_signal_lost",
            LockReason::Manual => "manual",
            LockReason::Inactivity => "inactivity",
        }
    }

    /// The reason named `name` exactly, if any.
    pub fn parse(name: &str) -> Option<LockReason> {
        LockReason::ALL.into_iter().find(|reason| reason.name() == name)
    }

    /// Whether the lock was driven by a phone's absence: the locks a walk-away should cause and
    /// a seated user should never see.
    pub const fn is_presence_driven(self) -> bool {
        matches!(self, LockReason::DynamicLock | LockReason::AuthenticationSignalLost)
    }
}

/// `lock`: the PC locked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockRecord {
    /// What the device knew when it locked (phone, idle seconds), free-form.
    pub detail: Value,
    pub reason: LockReason,
}

impl RecordPayload for LockRecord {
    const KIND: &'static str = "lock";
}

/// `unlock`: an unlock attempt succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnlockRecord {
    /// The credentials that satisfied the factors, first factor first.
    #[serde(with = "provider_names")]
    pub factors: Vec<CredentialProvider>,
    /// The true distance to the nearest paired phone, for reports (Windows never knows it).
    pub phone_distance_m: Option<f64>,
    /// `null` without trusted-signal rules, else `{result, explanation}` or `{error}`.
    pub trusted_signal: Value,
    pub was_locked: bool,
}

impl RecordPayload for UnlockRecord {
    const KIND: &'static str = "unlock";
}

/// `unlock_denied`: an unlock attempt failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnlockDeniedRecord {
    /// The event ID logged for the denial (5520, 6520, 7520).
    pub event_id: u32,
    /// The true distance to the nearest paired phone, for reports.
    pub phone_distance_m: Option<f64>,
    /// Why, for people.
    pub reason: String,
    /// As in [`UnlockRecord::trusted_signal`].
    pub trusted_signal: Value,
    pub was_locked: bool,
}

impl RecordPayload for UnlockDeniedRecord {
    const KIND: &'static str = "unlock_denied";
}

/// `sign_in`: the user signed in with a password or a smart card, outside Windows Hello
/// (design 3.5b). Not a multi-factor unlock: Windows writes none of the HelloForBusiness Device
/// Unlock events (3520..8520 belong to the Hello providers); the Security log has the logon
/// (4624, logon type 7 "Unlock") and 4801 "The workstation was unlocked", which the simulator
/// does not model as `event_log` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInRecord {
    /// The provider that signed the user in.
    pub credential: SignInProvider,
    /// The true distance to the nearest paired phone, for reports.
    pub phone_distance_m: Option<f64>,
    pub was_locked: bool,
}

impl RecordPayload for SignInRecord {
    const KIND: &'static str = "sign_in";
}

/// `sign_in_denied`: a password or smart card sign-in failed: the policy disables the provider
/// (seed 003: both "could be disabled as needed"), or the user could not present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInDeniedRecord {
    /// The provider the user tried.
    pub credential: SignInProvider,
    /// The true distance to the nearest paired phone, for reports.
    pub phone_distance_m: Option<f64>,
    /// Why, for people.
    pub reason: String,
    pub was_locked: bool,
}

impl RecordPayload for SignInDeniedRecord {
    const KIND: &'static str = "sign_in_denied";
}

/// The level of a Windows event log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventLevel {
    Information,
    Warning,
    Error,
}

/// `event_log`: Windows logged an event (3520, 5520, 6520, 7520, 8520).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLogRecord {
    pub detail: Value,
    pub id: u32,
    pub level: EventLevel,
}

impl RecordPayload for EventLogRecord {
    const KIND: &'static str = "event_log";
}

/// Whether a locking signal holds a phone present or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Present,
    Absent,
}

/// `presence`: a locking signal changed its mind about a phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceRecord {
    /// The relative RSSI below which the phone was judged absent, dB (absent only).
    #[serde(rename = "absence_threshold", skip_serializing_if = "Option::is_none", default)]
    pub absence_threshold_db: Option<i16>,
    pub phone: String,
    /// Why it is absent (absent only): `weak_signal`, `no_connection`, or the world's reason
    /// the connection failed (`out_of_range`, `phone_off`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The reading that decided it, relative dB, or `null` when the connection failed.
    #[serde(rename = "rssi")]
    pub rssi_db: Option<i16>,
    /// The rule's `rssiMin`, dB (present only).
    #[serde(rename = "rssi_min", skip_serializing_if = "Option::is_none", default)]
    pub rssi_db_min: Option<i16>,
    /// The policy the signal comes from, as the lock it would cause.
    pub signal: LockReason,
    pub state: PresenceState,
}

impl RecordPayload for PresenceRecord {
    const KIND: &'static str = "presence";
}

/// `at_desk` (entity `user:<id>`): the user sat down at or left their PC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtDeskRecord {
    /// The PC's id, without the `pc:` prefix.
    pub pc: String,
    /// True when the user sat down, false when they left.
    #[serde(rename = "value")]
    pub seated: bool,
}

impl RecordPayload for AtDeskRecord {
    const KIND: &'static str = "at_desk";
}

/// `lockout.pin_reset_succeeded`: a PIN reset worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinResetSucceededRecord {
    /// What it cost (`biometrics_need_re_enrolment`, ...), empty for nondestructive.
    pub costs: Vec<String>,
    /// `lock_screen` or `settings`.
    pub entry: String,
    /// The MFA method used.
    pub mfa: String,
    /// `destructive` or `nondestructive`.
    pub reset: String,
}

impl RecordPayload for PinResetSucceededRecord {
    const KIND: &'static str = "lockout.pin_reset_succeeded";
}

/// `lockout.pin_reset_failed`: a PIN reset was blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinResetFailedRecord {
    /// Every reason it was blocked, for people.
    pub blocked_by: Vec<String>,
    /// `lock_screen` or `settings`.
    pub entry: String,
}

impl RecordPayload for PinResetFailedRecord {
    const KIND: &'static str = "lockout.pin_reset_failed";
}

/// `wifi`: what a Wi-Fi scan changed. Access points appear by id. A scan that changed nothing
/// ([`WifiChange::Unchanged`]) is not recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum WifiChange {
    /// Nothing changed (the quality may have).
    Unchanged,
    /// Joined a network.
    Connected {
        /// The access point (id).
        access_point: String,
        /// Its BSSID in Windows' form.
        bssid: String,
    },
    /// Moved to another access point.
    Roamed {
        /// The previous access point (id).
        from: String,
        /// The new access point (id).
        to: String,
        /// The new BSSID.
        bssid: String,
        /// Whether the network (and so the IP configuration) changed too.
        network_changed: bool,
        /// The previous access point's signal in the scan that roamed, dBm (0.1 dB steps);
        /// `None` when it was not heard (switched off, or below the client's minimum).
        from_signal_dbm: Option<f64>,
        /// The new access point's signal in that scan, dBm (0.1 dB steps).
        signal_dbm: f64,
    },
    /// Lost the connection.
    Disconnected {
        /// The access point (id) left.
        from: String,
    },
}

impl RecordPayload for WifiChange {
    const KIND: &'static str = "wifi";
}

/// `calibration` (entity `world`, at t = 0): the calibration values a run drew from the
/// scenario's distributions (design 3.6), by key; timings carry an `_s` suffix and are in
/// seconds, radio values in dB or dBm as their keys say. Written only when something was drawn,
/// so a scenario that draws nothing has the trace it had before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRecord {
    /// Drawn value per key (`grpr_lower_dbm`, `lock_delay_s`), in key order.
    pub drawn: std::collections::BTreeMap<String, f64>,
}

impl RecordPayload for CalibrationRecord {
    const KIND: &'static str = "calibration";
}

/// A record read as its typed payload, for readers that match on every kind they know.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    Lock(LockRecord),
    Unlock(UnlockRecord),
    UnlockDenied(UnlockDeniedRecord),
    SignIn(SignInRecord),
    SignInDenied(SignInDeniedRecord),
    EventLog(EventLogRecord),
    Presence(PresenceRecord),
    AtDesk(AtDeskRecord),
    PinResetSucceeded(PinResetSucceededRecord),
    PinResetFailed(PinResetFailedRecord),
    Wifi(WifiChange),
    Calibration(CalibrationRecord),
    /// Any other kind (`poll`, `action`, `notification`, ...), or a payload that does not have
    /// its kind's shape (only hand-written traces can have one).
    Other,
}

impl TraceRecord {
    /// A record of `payload`'s kind.
    pub fn typed<R: RecordPayload>(time: SimTime, entity: Entity, payload: &R) -> TraceRecord {
        TraceRecord { time, entity, kind: R::KIND.to_string(), payload: payload.to_value() }
    }

    /// The payload as `R`, if the record is of `R`'s kind and has its shape.
    pub fn read<R: RecordPayload>(&self) -> Option<R> {
        if self.kind != R::KIND {
            return None;
        }
        R::deserialize(&self.payload).ok()
    }

    /// The record as the typed payload of its kind.
    pub fn observed(&self) -> Observed {
        let observed = match self.kind.as_str() {
            LockRecord::KIND => self.read().map(Observed::Lock),
            UnlockRecord::KIND => self.read().map(Observed::Unlock),
            UnlockDeniedRecord::KIND => self.read().map(Observed::UnlockDenied),
            SignInRecord::KIND => self.read().map(Observed::SignIn),
            SignInDeniedRecord::KIND => self.read().map(Observed::SignInDenied),
            EventLogRecord::KIND => self.read().map(Observed::EventLog),
            PresenceRecord::KIND => self.read().map(Observed::Presence),
            AtDeskRecord::KIND => self.read().map(Observed::AtDesk),
            PinResetSucceededRecord::KIND => self.read().map(Observed::PinResetSucceeded),
            PinResetFailedRecord::KIND => self.read().map(Observed::PinResetFailed),
            WifiChange::KIND => self.read().map(Observed::Wifi),
            CalibrationRecord::KIND => self.read().map(Observed::Calibration),
            _ => None,
        };
        observed.unwrap_or(Observed::Other)
    }
}

/// Credential providers as their names (`["pin", "trusted_signal"]`).
mod provider_names {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::policy::CredentialProvider;

    pub fn serialize<S: Serializer>(
        providers: &[CredentialProvider],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(providers.iter().map(|p| p.name()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<CredentialProvider>, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names.iter().map(|name| CredentialProvider::parse(name).map_err(D::Error::custom)).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A typed payload has exactly the bytes of the `json!` form the devices wrote before, and
    /// reads back to itself.
    fn check<R: RecordPayload + PartialEq + std::fmt::Debug>(typed: R, untyped: Value) {
        let record = TraceRecord::typed(SimTime::from_us(5), Entity::pc("desk"), &typed);
        let before = TraceRecord::new(SimTime::from_us(5), Entity::pc("desk"), R::KIND, untyped);
        assert_eq!(record.to_json_line(), before.to_json_line());
        assert_eq!(before.read::<R>().as_ref(), Some(&typed));
    }

    #[test]
    fn lock_bytes() {
        let detail = json!({ "phone": "p", "idle_s": 31.5 });
        check(
            LockRecord { reason: LockReason::DynamicLock, detail: detail.clone() },
            json!({ "reason": "dynamic_lock", "detail": detail }),
        );
    }

    #[test]
    fn unlock_bytes() {
        let signal = json!({ "result": true, "explanation": { "rule": 0 } });
        check(
            UnlockRecord {
                factors: vec![CredentialProvider::Pin, CredentialProvider::TrustedSignal],
                phone_distance_m: Some(1.25),
                trusted_signal: signal.clone(),
                was_locked: true,
            },
            json!({
                "factors": ["pin", "trusted_signal"], "was_locked": true,
                "trusted_signal": signal, "phone_distance_m": 1.25,
            }),
        );
    }

    #[test]
    fn unlock_denied_bytes() {
        check(
            UnlockDeniedRecord {
                event_id: 6520,
                phone_distance_m: None,
                reason: "first factor missing".into(),
                trusted_signal: Value::Null,
                was_locked: false,
            },
            json!({
                "reason": "first factor missing", "event_id": 6520, "was_locked": false,
                "trusted_signal": null, "phone_distance_m": null,
            }),
        );
    }

    #[test]
    fn sign_in_bytes() {
        check(
            SignInRecord {
                credential: SignInProvider::Password,
                phone_distance_m: Some(40.5),
                was_locked: true,
            },
            json!({ "credential": "password", "was_locked": true, "phone_distance_m": 40.5 }),
        );
        check(
            SignInDeniedRecord {
                credential: SignInProvider::SmartCard,
                phone_distance_m: None,
                reason: "disabled".into(),
                was_locked: true,
            },
            json!({
                "credential": "smart_card", "reason": "disabled", "was_locked": true,
                "phone_distance_m": null,
            }),
        );
    }

    #[test]
    fn event_log_bytes() {
        check(
            EventLogRecord { detail: json!({}), id: 7520, level: EventLevel::Error },
            json!({ "id": 7520, "level": "error", "detail": {} }),
        );
    }

    #[test]
    fn presence_bytes() {
        check(
            PresenceRecord {
                absence_threshold_db: None,
                phone: "p".into(),
                reason: None,
                rssi_db: Some(-3),
                rssi_db_min: Some(-10),
                signal: LockReason::DynamicLock,
                state: PresenceState::Present,
            },
            json!({
                "phone": "p", "state": "present", "rssi": -3, "rssi_min": -10,
                "signal": "dynamic_lock",
            }),
        );
        check(
            PresenceRecord {
                absence_threshold_db: Some(-20),
                phone: "p".into(),
                reason: Some("out_of_range".into()),
                rssi_db: None,
                rssi_db_min: None,
                signal: LockReason::AuthenticationSignalLost,
                state: PresenceState::Absent,
            },
            json!({
                "phone": "p", "state": "absent", "rssi": null, "absence_threshold": -20,
                "reason": "out_of_range", "signal": "authentication_signal_lost",
            }),
        );
    }

    #[test]
    fn at_desk_bytes() {
        check(
            AtDeskRecord { pc: "desk".into(), seated: true },
            json!({ "pc": "desk", "value": true }),
        );
    }

    #[test]
    fn pin_reset_bytes() {
        check(
            PinResetSucceededRecord {
                costs: vec!["biometrics_need_re_enrolment".into()],
                entry: "lock_screen".into(),
                mfa: "authenticator".into(),
                reset: "destructive".into(),
            },
            json!({
                "entry": "lock_screen", "reset": "destructive", "mfa": "authenticator",
                "costs": ["biometrics_need_re_enrolment"],
            }),
        );
        check(
            PinResetFailedRecord { blocked_by: vec!["no MFA".into()], entry: "settings".into() },
            json!({ "entry": "settings", "blocked_by": ["no MFA"] }),
        );
    }

    #[test]
    fn wifi_bytes() {
        check(
            WifiChange::Roamed {
                from: "ap-west".into(),
                to: "ap-east".into(),
                bssid: "12-AB-34-FF-E5-46".into(),
                network_changed: false,
                from_signal_dbm: Some(-78.4),
                signal_dbm: -61.0,
            },
            json!({
                "change": "roamed", "from": "ap-west", "to": "ap-east",
                "bssid": "12-AB-34-FF-E5-46", "network_changed": false,
                "from_signal_dbm": -78.4, "signal_dbm": -61.0,
            }),
        );
    }

    #[test]
    fn calibration_bytes() {
        let drawn = [("grpr_lower_dbm".to_owned(), -63.5), ("lock_delay_s".to_owned(), 31.25)];
        check(
            CalibrationRecord { drawn: drawn.into_iter().collect() },
            json!({ "drawn": { "lock_delay_s": 31.25, "grpr_lower_dbm": -63.5 } }),
        );
    }

    #[test]
    fn lock_reasons_round_trip_their_names() {
        for reason in LockReason::ALL {
            assert_eq!(LockReason::parse(reason.name()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), json!(reason.name()));
        }
        assert_eq!(LockReason::parse("dynamic lock"), None);
    }

    #[test]
    fn a_record_of_another_kind_or_shape_is_other() {
        let poll = TraceRecord::new(SimTime::ZERO, Entity::pc("desk"), "poll", json!({}));
        assert_eq!(poll.observed(), Observed::Other);
        let bad = TraceRecord::new(SimTime::ZERO, Entity::pc("desk"), "lock", json!({}));
        assert_eq!(bad.observed(), Observed::Other);
        assert_eq!(bad.read::<LockRecord>(), None);
    }
}
