//! The simulated Windows PC: Dynamic Lock, multi-factor unlock, manual and inactivity locks.
//!
//! [`WindowsDevice`] is the Windows side of one PC, driven by the kernel. It never looks at the
//! world itself: the scenario runner hands it Bluetooth poll results, user input, and, for an
//! unlock attempt, the credentials presented and the trusted-signal verdict from a fresh
//! snapshot. Every decision is recorded in the trace with the values that decided it.
//!
//! Behaviour (design 3.5):
//! - Dynamic Lock: when a tracked phone is judged absent ([`presence`]), a lock check runs
//!   `lock_delay` later; it locks if some tracked phone is still absent and the user has been idle
//!   at least `idle_min`, or re-checks when the idle time will be reached. A phone coming back
//!   cancels the pending check. With the PC's Bluetooth radio off, Dynamic Lock is disabled and a
//!   notification is recorded instead.
//! - Unlock attempt: event 3520; with no device-unlock policy 5520 and any single accepted
//!   credential unlocks; otherwise two different accepted credentials, one per factor group (the
//!   trusted signal counting as a credential when it evaluates true): 8520 on success, 6520
//!   (warning) when a factor is missing, 7520 (error) when the trusted signal cannot be evaluated.
//! - Sign-in outside Windows Hello (design 3.5b, seeds 000 and 003): a password or smart card
//!   signs the user in when the policy enables its provider (`sign_in`, no Device Unlock event),
//!   and is denied (`sign_in_denied`) when it does not. It is never a factor of multi-factor
//!   unlock. With `DontDisplayLastUserName` on and the interpretation `blocks_multi_factor`, a
//!   Hello unlock attempt at a locked PC is denied with 7520, leaving only these sign-ins.
//! - Manual lock, and the inactivity time-out lock.

pub mod presence;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::policy::{CredentialProvider, FactorGroups, FactorMatch, SignInPolicy, SignInProvider};
use crate::queue::EventId;
use crate::sim::Context;
use crate::time::{SimDuration, SimTime};
use crate::trace::{
    Entity, EventLevel, EventLogRecord, LockReason, LockRecord, PollRecord, PresenceRecord,
    PresenceState, SignInDeniedRecord, SignInRecord, UnlockDeniedRecord, UnlockRecord,
};
use presence::{PresenceChange, PresenceThresholds, PresenceTracker};

pub use crate::policy::interpretation::RssiDeltaReference;

/// Device Unlock event IDs (Microsoft-Windows-HelloForBusiness log), from the seed.
pub mod event_id {
    /// An unlock attempt started.
    pub const UNLOCK_ATTEMPT: u32 = 3520;
    /// No device-unlock policy is configured: ordinary single-factor Hello.
    pub const NO_POLICY: u32 = 5520;
    /// A factor was missing.
    pub const FACTOR_MISSING: u32 = 6520;
    /// The policy could not be evaluated (broken policy, radio error).
    pub const EVALUATION_ERROR: u32 = 7520;
    /// Unlocked with two factors.
    pub const UNLOCKED: u32 = 8520;
}

/// Bluetooth presence tracking that can lock the PC: Dynamic Lock, or an `Authentication` rule
/// under `authentication_lock: on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockingSignal {
    /// Major device class (`CoD & 0x1F00`) a phone must have to count.
    pub class_of_device: u32,
    pub thresholds: PresenceThresholds,
    /// Which policy the signal comes from, as the lock it causes:
    /// [`LockReason::DynamicLock`] or [`LockReason::AuthenticationSignalLost`].
    pub lock_reason: LockReason,
}

/// How one PC behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// Dynamic Lock locks only when the user has been idle at least this long (default 30 s).
    pub idle_min: SimDuration,
    /// Delay between judging a phone absent and the lock check (default 30 s).
    pub lock_delay: SimDuration,
    /// Screen lock after this much inactivity, if set.
    pub inactivity_timeout: Option<SimDuration>,
    /// The signals whose loss locks the PC (none: nothing locks on absence).
    pub locking_signals: Vec<LockingSignal>,
    pub rssi_delta_reference: RssiDeltaReference,
    /// The device-unlock factor groups; `None` when no device-unlock policy is configured.
    pub factor_groups: Option<FactorGroups>,
    /// Which sign-in providers outside Windows Hello the policy enables (design 3.5b).
    pub sign_in: SignInPolicy,
    /// Multi-factor unlock cannot complete at a locked PC: `DontDisplayLastUserName` is on under
    /// the interpretation `blocks_multi_factor` (seed 003's caution).
    pub multi_factor_blocked: bool,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            idle_min: SimDuration::from_s(30),
            lock_delay: SimDuration::from_s(30),
            inactivity_timeout: None,
            locking_signals: Vec::new(),
            rssi_delta_reference: RssiDeltaReference::default(),
            factor_groups: None,
            sign_in: SignInPolicy::default(),
            multi_factor_blocked: false,
        }
    }
}

/// Timer events a device schedules for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceEvent {
    /// Decide whether a phone judged absent locks the PC now.
    LockCheck,
    /// Decide whether the inactivity time-out has passed.
    InactivityCheck,
}

/// The trusted-signal verdict at an unlock attempt, evaluated by the caller on a fresh snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustedSignalVerdict {
    /// The groups do not list the trusted signal, or there are no rules.
    NotConfigured,
    /// The rules evaluated to `result`; `explanation` says why.
    Evaluated { result: bool, explanation: serde_json::Value },
    /// The rules could not be evaluated (e.g. the PC's Bluetooth radio is off).
    Error { reason: String },
}

/// One credential a user presented, and whether it was accepted (a biometric may be falsely
/// rejected; a forgotten PIN is rejected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresentedCredential {
    pub provider: CredentialProvider,
    pub accepted: bool,
}

/// How an unlock attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockOutcome {
    /// Unlocked; the credentials that satisfied the factors, first factor first.
    Unlocked { factors: Vec<CredentialProvider> },
    /// Denied, with the reason.
    Denied { reason: String, event_id: u32 },
}

/// One phone paired with the PC, with its tracker per locking signal.
#[derive(Debug, Clone)]
struct PairedPhone {
    class_of_device: u32,
    /// One tracker per entry of `locking_signals` (None where the class does not match).
    trackers: Vec<Option<PresenceTracker>>,
}

/// The Windows side of one PC.
#[derive(Debug, Clone)]
pub struct WindowsDevice {
    entity: Entity,
    settings: DeviceSettings,
    locked: bool,
    last_input: SimTime,
    bluetooth_radio_on: bool,
    phones: BTreeMap<String, PairedPhone>,
    pending_lock_check: Option<EventId>,
    pending_inactivity_check: Option<EventId>,
    /// The true distance from the PC to its user, metres, as the caller last set it
    /// ([`WindowsDevice::set_user_distance_m`]); recorded in a lock's detail for reports and
    /// expectations (Windows never knows it).
    user_distance_m: Option<f64>,
}

/// The major device class of a 24-bit Class of Device.
pub const fn major_device_class(class_of_device: u32) -> u32 {
    class_of_device & 0x1F00
}

impl WindowsDevice {
    /// A PC recorded as `entity` (`pc:<id>`), unlocked, user active at time zero, with its
    /// paired phones as (name, 24-bit class of device).
    pub fn new(
        entity: Entity,
        settings: DeviceSettings,
        phones: &[(String, u32)],
    ) -> WindowsDevice {
        let phones = phones
            .iter()
            .map(|(name, class_of_device)| {
                let trackers = settings
                    .locking_signals
                    .iter()
                    .map(|signal| {
                        (major_device_class(*class_of_device)
                            == major_device_class(signal.class_of_device))
                        .then(|| {
                            PresenceTracker::new(signal.thresholds, settings.rssi_delta_reference)
                        })
                    })
                    .collect();
                (name.clone(), PairedPhone { class_of_device: *class_of_device, trackers })
            })
            .collect();
        WindowsDevice {
            entity,
            settings,
            locked: false,
            last_input: SimTime::ZERO,
            bluetooth_radio_on: true,
            phones,
            pending_lock_check: None,
            pending_inactivity_check: None,
            user_distance_m: None,
        }
    }

    /// Sets the true distance from the PC to its user, metres (`None`: the PC has no user),
    /// which a lock made before the next call records as `user_distance_m` in its detail. The
    /// caller sets it before every call that may lock ([`WindowsDevice::on_event`],
    /// [`WindowsDevice::lock_manually`]); it never changes a decision.
    pub fn set_user_distance_m(&mut self, distance_m: Option<f64>) {
        self.user_distance_m = distance_m;
    }

    pub fn entity(&self) -> &Entity {
        &self.entity
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub fn settings(&self) -> &DeviceSettings {
        &self.settings
    }

    /// The paired phones' names, in order.
    pub fn phone_names(&self) -> impl Iterator<Item = &str> {
        self.phones.keys().map(String::as_str)
    }

    /// The class of device of a paired phone.
    pub fn phone_class_of_device(&self, phone: &str) -> Option<u32> {
        self.phones.get(phone).map(|p| p.class_of_device)
    }

    /// How long the user has been idle at `now`.
    pub fn idle_for(&self, now: SimTime) -> SimDuration {
        now.saturating_duration_since(self.last_input)
    }

    /// Starts the device: schedules the first inactivity check.
    pub fn start<E>(&mut self, cx: &mut Context<'_, E>, wrap: impl Fn(DeviceEvent) -> E) {
        self.last_input = cx.now();
        self.reschedule_inactivity(cx, &wrap);
    }

    /// The result of polling `phone`: `Some(rssi)` or `None` when the connection failed (with
    /// the world's reason). `distance_m` is the true phone-PC distance, recorded for reports
    /// only: Windows never knows it.
    pub fn on_bluetooth_poll<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        wrap: impl Fn(DeviceEvent) -> E,
        phone: &str,
        rssi_db: Option<i16>,
        absent_reason: Option<&str>,
        distance_m: Option<f64>,
    ) {
        let Some(paired) = self.phones.get_mut(phone) else {
            debug_assert!(false, "poll of a phone not paired with {}", self.entity);
            return;
        };
        let mut became_absent = false;
        let mut became_present = false;
        let mut presence_records = Vec::new();
        for (index, tracker) in paired.trackers.iter_mut().enumerate() {
            let Some(tracker) = tracker else { continue };
            let threshold_before = tracker.absence_threshold_db();
            match tracker.observe(rssi_db) {
                PresenceChange::Unchanged => {}
                PresenceChange::BecamePresent => {
                    became_present = true;
                    let signal = &self.settings.locking_signals[index];
                    presence_records.push(PresenceRecord {
                        absence_threshold_db: None,
                        phone: phone.to_string(),
                        reason: None,
                        rssi_db,
                        rssi_db_min: Some(signal.thresholds.rssi_db_min),
                        signal: signal.lock_reason,
                        state: PresenceState::Present,
                    });
                }
                PresenceChange::BecameAbsent => {
                    became_absent = true;
                    let fallback = if rssi_db.is_some() { "weak_signal" } else { "no_connection" };
                    presence_records.push(PresenceRecord {
                        absence_threshold_db: Some(threshold_before),
                        phone: phone.to_string(),
                        reason: Some(absent_reason.unwrap_or(fallback).to_string()),
                        rssi_db,
                        rssi_db_min: None,
                        signal: self.settings.locking_signals[index].lock_reason,
                        state: PresenceState::Absent,
                    });
                }
            }
        }
        let present_any = paired.trackers.iter().flatten().any(PresenceTracker::is_present);
        let absence_threshold =
            paired.trackers.iter().flatten().next().map(PresenceTracker::absence_threshold_db);
        cx.record_poll(
            &self.entity,
            &PollRecord {
                absence_threshold_db: absence_threshold,
                absent_reason,
                distance_m: distance_m.map(|d| (d * 100.0).round() / 100.0),
                phone,
                present: present_any,
                rssi_db,
            },
        );
        for record in presence_records {
            cx.record_typed(&self.entity, &record);
        }
        if became_absent && !self.locked && self.pending_lock_check.is_none() {
            if self.bluetooth_radio_on {
                let at = cx.now().saturating_add(self.settings.lock_delay);
                self.pending_lock_check = Some(cx.schedule_at(at, wrap(DeviceEvent::LockCheck)));
            }
        } else if became_present
            && self.absent_signal().is_none()
            && let Some(id) = self.pending_lock_check.take()
        {
            cx.cancel(id);
            cx.record(&self.entity, "lock_cancelled", json!({ "phone": phone }));
        }
    }

    /// The first (phone, signal) pair judged absent, in name order.
    fn absent_signal(&self) -> Option<(&str, LockReason)> {
        self.phones.iter().find_map(|(name, paired)| {
            paired.trackers.iter().enumerate().find_map(|(index, tracker)| {
                tracker
                    .as_ref()
                    .filter(|t| !t.is_present() && t.state() != presence::Presence::NeverSeen)
                    .map(|_| (name.as_str(), self.settings.locking_signals[index].lock_reason))
            })
        })
    }

    /// The user typed or moved the mouse.
    pub fn on_user_input<E>(&mut self, cx: &mut Context<'_, E>, wrap: impl Fn(DeviceEvent) -> E) {
        self.last_input = cx.now();
        self.reschedule_inactivity(cx, &wrap);
    }

    fn reschedule_inactivity<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        wrap: &impl Fn(DeviceEvent) -> E,
    ) {
        if let Some(id) = self.pending_inactivity_check.take() {
            cx.cancel(id);
        }
        if let Some(timeout) = self.settings.inactivity_timeout
            && !self.locked
        {
            let at = self.last_input.saturating_add(timeout);
            self.pending_inactivity_check =
                Some(cx.schedule_at(at.max(cx.now()), wrap(DeviceEvent::InactivityCheck)));
        }
    }

    /// One of the device's own timers fired.
    pub fn on_event<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        wrap: impl Fn(DeviceEvent) -> E,
        event: DeviceEvent,
    ) {
        match event {
            DeviceEvent::LockCheck => {
                self.pending_lock_check = None;
                if self.locked || !self.bluetooth_radio_on {
                    return;
                }
                let Some((phone, reason)) = self.absent_signal() else { return };
                let phone = phone.to_string();
                let idle = self.idle_for(cx.now());
                if idle >= self.settings.idle_min {
                    self.lock(cx, reason, json!({ "phone": phone, "idle_s": idle.as_s_f64() }));
                } else {
                    let at = self.last_input.saturating_add(self.settings.idle_min);
                    cx.record(
                        &self.entity,
                        "lock_deferred",
                        json!({
                            "phone": phone,
                            "idle_s": idle.as_s_f64(),
                            "until_t_s": at.as_s_f64(),
                        }),
                    );
                    self.pending_lock_check =
                        Some(cx.schedule_at(at, wrap(DeviceEvent::LockCheck)));
                }
            }
            DeviceEvent::InactivityCheck => {
                self.pending_inactivity_check = None;
                let Some(timeout) = self.settings.inactivity_timeout else { return };
                let idle = self.idle_for(cx.now());
                if !self.locked && idle >= timeout {
                    self.lock(cx, LockReason::Inactivity, json!({ "idle_s": idle.as_s_f64() }));
                }
            }
        }
    }

    /// The user pressed Windows+L.
    pub fn lock_manually<E>(&mut self, cx: &mut Context<'_, E>) {
        if !self.locked {
            self.lock(cx, LockReason::Manual, json!({}));
        }
    }

    fn lock<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        reason: LockReason,
        mut detail: serde_json::Value,
    ) {
        self.locked = true;
        if let (Some(distance_m), Some(fields)) = (self.user_distance_m, detail.as_object_mut()) {
            fields.insert("user_distance_m".into(), json!(distance_m));
        }
        if let Some(id) = self.pending_lock_check.take() {
            cx.cancel(id);
        }
        if let Some(id) = self.pending_inactivity_check.take() {
            cx.cancel(id);
        }
        cx.record_typed(&self.entity, &LockRecord { detail, reason });
    }

    /// The PC's Bluetooth radio was switched on or off. Off disables Dynamic Lock (Windows shows
    /// a notification) and cancels a pending lock check; it never locks.
    pub fn set_bluetooth_radio<E>(&mut self, cx: &mut Context<'_, E>, on: bool) {
        if self.bluetooth_radio_on == on {
            return;
        }
        self.bluetooth_radio_on = on;
        if !on {
            if let Some(id) = self.pending_lock_check.take() {
                cx.cancel(id);
            }
            if !self.settings.locking_signals.is_empty() {
                cx.record(
                    &self.entity,
                    "notification",
                    json!({
                        "text": "Dynamic lock isn't working because your PC's Bluetooth is off",
                    }),
                );
            }
        }
        cx.record(&self.entity, "bluetooth_radio", json!({ "on": on }));
    }

    pub fn bluetooth_radio_on(&self) -> bool {
        self.bluetooth_radio_on
    }

    /// A user presents credentials at the lock screen (or, when unlocked, at a re-authentication
    /// prompt: the decision is the same and is recorded with `was_locked: false`).
    /// `phone_distance_m` (the nearest paired phone's true distance) is recorded for the
    /// unlock-from-afar metric only.
    pub fn attempt_unlock<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        wrap: impl Fn(DeviceEvent) -> E,
        presented: &[PresentedCredential],
        trusted_signal: &TrustedSignalVerdict,
        phone_distance_m: Option<f64>,
    ) -> UnlockOutcome {
        let was_locked = self.locked;
        let presented_json: Vec<_> = presented
            .iter()
            .map(|c| json!({ "credential": c.provider.name(), "accepted": c.accepted }))
            .collect();
        self.log_event(cx, event_id::UNLOCK_ATTEMPT, json!({ "presented": presented_json }));
        let outcome = match &self.settings.factor_groups {
            Some(_) if self.settings.multi_factor_blocked && was_locked => {
                let reason = "DontDisplayLastUserName is on: the lock screen shows no user, so \
                    multi-factor unlock cannot complete (seed 003's caution)";
                self.log_event(cx, event_id::EVALUATION_ERROR, json!({ "reason": reason }));
                UnlockOutcome::Denied {
                    reason: reason.to_owned(),
                    event_id: event_id::EVALUATION_ERROR,
                }
            }
            None => {
                self.log_event(cx, event_id::NO_POLICY, json!({}));
                match presented
                    .iter()
                    .find(|c| c.accepted && c.provider != CredentialProvider::TrustedSignal)
                {
                    Some(credential) => {
                        UnlockOutcome::Unlocked { factors: vec![credential.provider] }
                    }
                    None => UnlockOutcome::Denied {
                        reason: "no presented credential was accepted".into(),
                        event_id: event_id::NO_POLICY,
                    },
                }
            }
            Some(groups) => {
                let uses_signal = groups.first.contains(&CredentialProvider::TrustedSignal)
                    || groups.second.contains(&CredentialProvider::TrustedSignal);
                let mut available: BTreeSet<CredentialProvider> =
                    presented.iter().filter(|c| c.accepted).map(|c| c.provider).collect();
                available.remove(&CredentialProvider::TrustedSignal);
                let mut signal_error = None;
                if uses_signal {
                    match trusted_signal {
                        TrustedSignalVerdict::Evaluated { result: true, .. } => {
                            available.insert(CredentialProvider::TrustedSignal);
                        }
                        TrustedSignalVerdict::Evaluated { result: false, .. }
                        | TrustedSignalVerdict::NotConfigured => {}
                        TrustedSignalVerdict::Error { reason } => {
                            signal_error = Some(reason.clone())
                        }
                    }
                }
                match groups.match_factors(&available) {
                    Some(FactorMatch { first, second }) => {
                        self.log_event(cx, event_id::UNLOCKED, json!({}));
                        UnlockOutcome::Unlocked { factors: vec![first, second] }
                    }
                    None => match signal_error {
                        Some(reason) => {
                            self.log_event(
                                cx,
                                event_id::EVALUATION_ERROR,
                                json!({ "reason": reason }),
                            );
                            UnlockOutcome::Denied {
                                reason: format!(
                                    "the trusted signal could not be evaluated: {reason}"
                                ),
                                event_id: event_id::EVALUATION_ERROR,
                            }
                        }
                        None => {
                            let reason = missing_factor_reason(groups, &available);
                            self.log_event(
                                cx,
                                event_id::FACTOR_MISSING,
                                json!({ "reason": reason }),
                            );
                            UnlockOutcome::Denied { reason, event_id: event_id::FACTOR_MISSING }
                        }
                    },
                }
            }
        };
        let signal_json = match trusted_signal {
            TrustedSignalVerdict::NotConfigured => json!(null),
            TrustedSignalVerdict::Evaluated { result, explanation } => {
                json!({ "result": result, "explanation": explanation })
            }
            TrustedSignalVerdict::Error { reason } => json!({ "error": reason }),
        };
        match &outcome {
            UnlockOutcome::Unlocked { factors } => {
                let record = UnlockRecord {
                    factors: factors.clone(),
                    phone_distance_m,
                    trusted_signal: signal_json,
                    was_locked,
                };
                cx.record_typed(&self.entity, &record);
                self.locked = false;
                self.last_input = cx.now();
                self.reschedule_inactivity(cx, &wrap);
            }
            UnlockOutcome::Denied { reason, event_id } => {
                let record = UnlockDeniedRecord {
                    event_id: *event_id,
                    phone_distance_m,
                    reason: reason.clone(),
                    trusted_signal: signal_json,
                    was_locked,
                };
                cx.record_typed(&self.entity, &record);
            }
        }
        outcome
    }

    /// A user signs in with a password or a smart card (design 3.5b): outside Windows Hello, so
    /// no Device Unlock event. `accepted` says whether the user could present it (knows the
    /// password, holds the card). Unlocks when the policy enables the provider and the
    /// credential is accepted; records `sign_in` or `sign_in_denied`. Returns whether it
    /// signed the user in.
    pub fn attempt_sign_in<E>(
        &mut self,
        cx: &mut Context<'_, E>,
        wrap: impl Fn(DeviceEvent) -> E,
        credential: SignInProvider,
        accepted: bool,
        phone_distance_m: Option<f64>,
    ) -> bool {
        let was_locked = self.locked;
        let denied = if !self.settings.sign_in.enables(credential) {
            Some(format!("the {credential} credential provider is disabled by policy"))
        } else if !accepted {
            Some(format!("the {credential} was not accepted"))
        } else {
            None
        };
        if let Some(reason) = denied {
            let record = SignInDeniedRecord { credential, phone_distance_m, reason, was_locked };
            cx.record_typed(&self.entity, &record);
            return false;
        }
        cx.record_typed(&self.entity, &SignInRecord { credential, phone_distance_m, was_locked });
        self.locked = false;
        self.last_input = cx.now();
        self.reschedule_inactivity(cx, &wrap);
        true
    }

    fn log_event<E>(&self, cx: &mut Context<'_, E>, id: u32, detail: serde_json::Value) {
        let level = match id {
            event_id::FACTOR_MISSING => EventLevel::Warning,
            event_id::EVALUATION_ERROR => EventLevel::Error,
            _ => EventLevel::Information,
        };
        cx.record_typed(&self.entity, &EventLogRecord { detail, id, level });
    }
}

/// Says which factor group no available credential could satisfy.
fn missing_factor_reason(
    groups: &FactorGroups,
    available: &BTreeSet<CredentialProvider>,
) -> String {
    let names =
        |list: &[CredentialProvider]| list.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
    let have = names(&available.iter().copied().collect::<Vec<_>>());
    let first_ok = groups.first.iter().any(|p| available.contains(p));
    let second_ok = groups.second.iter().any(|p| available.contains(p));
    let have = if have.is_empty() { "nothing".to_string() } else { have };
    match (first_ok, second_ok) {
        (false, _) => {
            format!("first factor missing: none of [{}] (had {have})", names(&groups.first))
        }
        (true, false) => {
            format!("second factor missing: none of [{}] (had {have})", names(&groups.second))
        }
        (true, true) => format!(
            "one credential cannot satisfy both factors: first [{}], second [{}] (had {have})",
            names(&groups.first),
            names(&groups.second)
        ),
    }
}

#[cfg(test)]
mod tests;
