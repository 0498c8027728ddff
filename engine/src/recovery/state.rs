//! The state of one user and device as failures happen, and the actions a scenario applies.
//!
//! The lock-out analysis and the scenario runner share this model: a timeline action (the user
//! forgets the PIN, loses or drains the phone, a biometric sensor fails or is disabled, the
//! device leaves the corporate network) changes a [`DeviceState`]; an unlock attempt asks the
//! factor groups whether the credentials still available suffice; a PIN reset attempt runs the
//! reset model of [`super::reset`]. Every call returns a record with a trace kind and a JSON
//! payload, so outcomes are recorded in the trace like any other.
//!
//! Modelling choice (the seed is silent): a destructive reset deletes the container with its
//! biometric enrolments, so until the user signs in and enrols them again only the new PIN and
//! the non-biometric factors count.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Value, json};

use super::profile::{Biometric, DeviceProfile, MfaMethod};
use super::reset::{ResetBlock, ResetConditions, ResetEntry, ResetKind, ResetSuccess};
use crate::policy::{CredentialProvider, FactorGroups, FactorMatch};
use crate::trace::{PinResetFailedRecord, PinResetSucceededRecord, RecordPayload};

/// A trusted-signal type a rule can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignalKind {
    /// A paired phone nearby.
    Bluetooth,
    /// The corporate Wi-Fi network.
    Wifi,
    /// The corporate IP configuration.
    IpConfig,
}

impl SignalKind {
    /// The name the rule XML uses in `<signal type="...">`.
    pub const fn name(self) -> &'static str {
        match self {
            SignalKind::Bluetooth => "bluetooth",
            SignalKind::Wifi => "wifi",
            SignalKind::IpConfig => "ipConfig",
        }
    }
}

/// Something that stops working: the analysis tries each (and each pair).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// The user no longer remembers the PIN.
    PinForgotten,
    /// A biometric sensor fails or the biometric is disabled.
    BiometricUnavailable(Biometric),
    /// A paired phone is lost, drained or off.
    PhoneUnavailable(String),
    /// The device leaves the corporate network (wired and Wi-Fi).
    OffNetwork,
    /// The device is on another Wi-Fi network (the corporate IP configuration may remain).
    WifiChanged,
    /// A security key is lost.
    SecurityKeyLost(String),
}

impl fmt::Display for Failure {
    /// The stable names of the JSON output: `pin_forgotten`, `phone_unavailable:ana-phone`...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::PinForgotten => f.write_str("pin_forgotten"),
            Failure::BiometricUnavailable(b) => write!(f, "biometric_unavailable:{b}"),
            Failure::PhoneUnavailable(name) => write!(f, "phone_unavailable:{name}"),
            Failure::OffNetwork => f.write_str("off_network"),
            Failure::WifiChanged => f.write_str("wifi_changed"),
            Failure::SecurityKeyLost(name) => write!(f, "security_key_lost:{name}"),
        }
    }
}

/// What has gone wrong so far, and whether the user is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceState {
    /// The user no longer remembers the PIN.
    pub pin_forgotten: bool,
    /// Biometrics whose sensor failed or that were disabled.
    pub biometrics_unavailable: BTreeSet<Biometric>,
    /// Phones lost, drained or switched off.
    pub phones_unavailable: BTreeSet<String>,
    /// Security keys lost.
    pub security_keys_lost: BTreeSet<String>,
    /// Off the corporate network.
    pub off_network: bool,
    /// On another Wi-Fi network.
    pub wifi_changed: bool,
    /// Signed in to Windows (the session is unlocked).
    pub signed_in: bool,
    /// A destructive reset removed the biometric enrolments; they return after re-enrolment.
    pub biometrics_need_re_enrolment: bool,
}

/// The outcome of an unlock attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlockAttempt {
    /// The credentials the user could present (and the trusted signal, if it held).
    pub available: BTreeSet<CredentialProvider>,
    /// The two credentials that satisfied the groups, if any.
    pub factors: Option<FactorMatch>,
}

impl UnlockAttempt {
    /// The trace record kind.
    pub fn trace_kind(&self) -> &'static str {
        if self.factors.is_some() { "lockout.unlock_succeeded" } else { "lockout.unlock_failed" }
    }

    /// The trace payload: available credentials and the factors used.
    pub fn payload(&self) -> Value {
        json!({
            "available": self.available.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "factors": self.factors.map(|m| vec![m.first.name(), m.second.name()]),
        })
    }
}

/// The outcome of a PIN reset attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetAttempt {
    /// Where the user started the reset.
    pub entry: ResetEntry,
    /// The reset, or every reason it failed.
    pub result: Result<ResetSuccess, Vec<ResetBlock>>,
}

impl ResetAttempt {
    /// The trace record kind: [`PinResetSucceededRecord::KIND`] or
    /// [`PinResetFailedRecord::KIND`].
    pub fn trace_kind(&self) -> &'static str {
        if self.result.is_ok() { PinResetSucceededRecord::KIND } else { PinResetFailedRecord::KIND }
    }

    /// The trace payload: entry, kind, MFA and costs, or the blocking reasons.
    pub fn payload(&self) -> Value {
        let entry = self.entry.name().to_string();
        match &self.result {
            Ok(success) => PinResetSucceededRecord {
                costs: success.costs.iter().map(|c| c.name().to_string()).collect(),
                entry,
                mfa: success.mfa.clone(),
                reset: success.kind.name().to_string(),
            }
            .to_value(),
            Err(blocks) => PinResetFailedRecord {
                blocked_by: blocks.iter().map(ToString::to_string).collect(),
                entry,
            }
            .to_value(),
        }
    }
}

/// A scenario timeline action that changes what the user can present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineAction {
    /// The user no longer remembers the PIN.
    ForgetPin,
    /// The phone is lost, left behind or its battery is drained.
    PhoneUnavailable(String),
    /// The phone is back (found, charged).
    PhoneBack(String),
    /// The sensor fails or the biometric is disabled (by policy or by an application).
    BiometricUnavailable(Biometric),
    /// The biometric works again.
    BiometricBack(Biometric),
    /// A security key is lost.
    SecurityKeyLost(String),
    /// The device leaves the corporate network (wired and Wi-Fi).
    LeaveCorporateNetwork,
    /// The device is back on the corporate network.
    JoinCorporateNetwork,
    /// The session locks (manually, by time-out or by Dynamic Lock).
    Lock,
}

impl TimelineAction {
    /// The trace record kind.
    pub fn trace_kind(&self) -> &'static str {
        match self {
            TimelineAction::ForgetPin => "lockout.pin_forgotten",
            TimelineAction::PhoneUnavailable(_) => "lockout.phone_unavailable",
            TimelineAction::PhoneBack(_) => "lockout.phone_back",
            TimelineAction::BiometricUnavailable(_) => "lockout.biometric_unavailable",
            TimelineAction::BiometricBack(_) => "lockout.biometric_back",
            TimelineAction::SecurityKeyLost(_) => "lockout.security_key_lost",
            TimelineAction::LeaveCorporateNetwork => "lockout.left_corporate_network",
            TimelineAction::JoinCorporateNetwork => "lockout.joined_corporate_network",
            TimelineAction::Lock => "lockout.locked",
        }
    }

    /// The trace payload: what the action names.
    pub fn payload(&self) -> Value {
        match self {
            TimelineAction::PhoneUnavailable(name)
            | TimelineAction::PhoneBack(name)
            | TimelineAction::SecurityKeyLost(name) => json!({ "name": name }),
            TimelineAction::BiometricUnavailable(b) | TimelineAction::BiometricBack(b) => {
                json!({ "biometric": b.name() })
            }
            _ => json!({}),
        }
    }
}

impl DeviceState {
    /// The state at the start of a run: nothing has failed and the user is signed in.
    pub fn signed_in() -> DeviceState {
        DeviceState { signed_in: true, ..DeviceState::default() }
    }

    /// The state with `failures` applied and the session locked (what the analysis starts from).
    pub fn locked_with(failures: &[Failure]) -> DeviceState {
        let mut state = DeviceState::default();
        for failure in failures {
            state.apply_failure(failure);
        }
        state
    }

    /// Applies one failure.
    pub fn apply_failure(&mut self, failure: &Failure) {
        match failure {
            Failure::PinForgotten => self.pin_forgotten = true,
            Failure::BiometricUnavailable(b) => {
                self.biometrics_unavailable.insert(*b);
            }
            Failure::PhoneUnavailable(name) => {
                self.phones_unavailable.insert(name.clone());
            }
            Failure::OffNetwork => self.off_network = true,
            Failure::WifiChanged => self.wifi_changed = true,
            Failure::SecurityKeyLost(name) => {
                self.security_keys_lost.insert(name.clone());
            }
        }
    }

    /// Applies a timeline action.
    pub fn apply(&mut self, action: &TimelineAction) {
        match action {
            TimelineAction::ForgetPin => self.pin_forgotten = true,
            TimelineAction::PhoneUnavailable(name) => {
                self.phones_unavailable.insert(name.clone());
            }
            TimelineAction::PhoneBack(name) => {
                self.phones_unavailable.remove(name);
            }
            TimelineAction::BiometricUnavailable(b) => {
                self.biometrics_unavailable.insert(*b);
            }
            TimelineAction::BiometricBack(b) => {
                self.biometrics_unavailable.remove(b);
            }
            TimelineAction::SecurityKeyLost(name) => {
                self.security_keys_lost.insert(name.clone());
            }
            TimelineAction::LeaveCorporateNetwork => self.off_network = true,
            TimelineAction::JoinCorporateNetwork => self.off_network = false,
            TimelineAction::Lock => self.signed_in = false,
        }
    }

    /// Whether the world makes a signal of this type true (abstractly: the scenario runner uses
    /// the real evaluator on a snapshot instead).
    pub fn signal_holds(&self, profile: &DeviceProfile, kind: SignalKind) -> bool {
        match kind {
            SignalKind::Bluetooth => {
                profile.phone_names().any(|name| !self.phones_unavailable.contains(name))
            }
            SignalKind::Wifi => {
                profile.network.corporate_wifi && !self.off_network && !self.wifi_changed
            }
            SignalKind::IpConfig => profile.network.corporate && !self.off_network,
        }
    }

    /// The credentials the user can present now, plus the trusted signal when it holds.
    pub fn available_credentials(
        &self,
        profile: &DeviceProfile,
        trusted_signal: bool,
    ) -> BTreeSet<CredentialProvider> {
        let mut available = BTreeSet::new();
        if !self.pin_forgotten {
            available.insert(CredentialProvider::Pin);
        }
        if !self.biometrics_need_re_enrolment {
            for biometric in profile.biometric_set() {
                if !self.biometrics_unavailable.contains(&biometric) {
                    available.insert(biometric.provider());
                }
            }
        }
        if profile.security_key_names().any(|k| !self.security_keys_lost.contains(k)) {
            available.insert(CredentialProvider::SecurityKey);
        }
        if trusted_signal {
            available.insert(CredentialProvider::TrustedSignal);
        }
        available
    }

    /// The first MFA method of the profile the user can complete now.
    pub fn mfa_method(&self, profile: &DeviceProfile) -> Option<String> {
        profile
            .user
            .mfa
            .iter()
            .find(|method| match method {
                MfaMethod::Phone(name) => !self.phones_unavailable.contains(&name.value),
                MfaMethod::SecurityKey(name) => !self.security_keys_lost.contains(&name.value),
                MfaMethod::Other => true,
            })
            .map(MfaMethod::describe)
    }

    /// The conditions a PIN reset attempt meets now.
    pub fn reset_conditions(&self, profile: &DeviceProfile) -> ResetConditions {
        let corporate = !self.off_network;
        ResetConditions {
            signed_in: self.signed_in,
            internet_reachable: profile.network.internet,
            domain_controllers_reachable: corporate && profile.network.domain_controllers,
            federation_services_reachable: corporate && profile.network.federation_services,
            password_known: profile.user.password_known,
            mfa_method: self.mfa_method(profile),
        }
    }

    /// The user presents what they have; on success the session is unlocked.
    /// `trusted_signal` is the policy evaluator's verdict on the current snapshot.
    pub fn attempt_unlock(
        &mut self,
        profile: &DeviceProfile,
        groups: &FactorGroups,
        trusted_signal: bool,
    ) -> UnlockAttempt {
        let available = self.available_credentials(profile, trusted_signal);
        let factors = groups.match_factors(&available);
        if factors.is_some() {
            self.signed_in = true;
        }
        UnlockAttempt { available, factors }
    }

    /// The user tries to reset the PIN from `entry`. On success the PIN is known again; a
    /// destructive reset also removes the biometric enrolments until [`Self::re_enrol_biometrics`].
    pub fn attempt_pin_reset(
        &mut self,
        profile: &DeviceProfile,
        entry: ResetEntry,
    ) -> ResetAttempt {
        let conditions = self.reset_conditions(profile);
        let result = super::reset::attempt_pin_reset(profile, &conditions, entry);
        if let Ok(success) = &result {
            self.pin_forgotten = false;
            if success.kind == ResetKind::Destructive {
                self.biometrics_need_re_enrolment = true;
            }
        }
        ResetAttempt { entry, result }
    }

    /// Enrols the biometrics again after a destructive reset; only possible when signed in.
    /// Returns whether anything changed.
    pub fn re_enrol_biometrics(&mut self) -> bool {
        let changed = self.signed_in && self.biometrics_need_re_enrolment;
        if changed {
            self.biometrics_need_re_enrolment = false;
        }
        changed
    }
}
