//! Lock-out analysis: for every failure (and pair of failures), can the user still unlock, can
//! they recover by resetting the PIN, or are they locked out, and why.
//!
//! Source: seed 000 (`docs/model.md`): PIN reset, and the forum thread where biometric unlock
//! was silently turned off and the user no longer remembered the fallback; seed 003: factor
//! groups, one credential satisfies one factor.
//!
//! The order of reasoning per case: (1) unlock with what is left, via
//! [`FactorGroups::match_factors`]; (2) if that fails because the PIN is forgotten, reset it from
//! the lock screen and try again with the new PIN (and, after a destructive reset, without the
//! biometrics, which need re-enrolment); (3) otherwise, if the policy leaves a sign-in provider
//! outside Windows Hello enabled and the user can use it (the password they know, or a smart
//! card they hold), they sign in with it and, with the PIN forgotten, reset the PIN from
//! Settings (seed 000: users who "have an alternate sign-in method ... can navigate to Sign-in
//! options in Settings and initiate a PIN reset"; seed 003: "the fall back options are to use
//! passwords or smart cards"; design 3.5b); (4) otherwise the user is locked out.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::profile::DeviceProfile;
use super::reset::{ResetEntry, ResetSuccess};
use super::state::{DeviceState, Failure, SignalKind};
use crate::policy::{
    CredentialProvider, FactorGroups, FactorMatch, Policy, RuleSet, SignInPolicy, SignInProvider,
    Signal,
};

/// Most failures one analysis can face (so pairs stay bounded: at most this squared over two
/// cases). The profile's own bounds imply it: one PIN, two biometrics, [`LIST_ENTRIES_MAX`]
/// phones and security keys, two network failures; `engine/tests/limits.rs` builds a profile
/// with every list at its bound and checks the count against this.
///
/// [`LIST_ENTRIES_MAX`]: crate::recovery::profile::LIST_ENTRIES_MAX
pub const FAILURES_MAX: usize = 256;

/// The trusted-signal rules reduced to what the analysis needs: alternative rules (OR), each
/// the set of signal types it requires together (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignalRules {
    /// One entry per `<rule>`: the signal types it requires together.
    pub rules: Vec<BTreeSet<SignalKind>>,
}

impl SignalRules {
    /// Whether some rule has all its signals true. No rules: the trusted signal never holds.
    pub fn holds(&self, signal: impl Fn(SignalKind) -> bool) -> bool {
        self.rules.iter().any(|rule| !rule.is_empty() && rule.iter().all(|&kind| signal(kind)))
    }

    /// The signal types of each rule of a parsed rule set (`<and>` children together).
    pub fn from_rule_set(rule_set: &RuleSet) -> SignalRules {
        let rules = rule_set
            .rules
            .iter()
            .map(|rule| {
                rule.signals()
                    .iter()
                    .map(|signal| match signal {
                        Signal::Bluetooth(_) => SignalKind::Bluetooth,
                        Signal::Wifi(_) => SignalKind::Wifi,
                        Signal::IpConfig(_) => SignalKind::IpConfig,
                    })
                    .collect()
            })
            .collect();
        SignalRules { rules }
    }

    /// Every signal type some rule uses.
    pub fn kinds(&self) -> BTreeSet<SignalKind> {
        self.rules.iter().flatten().copied().collect()
    }
}

/// What the analysis needs from a device-unlock policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockoutPolicy {
    /// The first and second unlock-factor groups.
    pub groups: FactorGroups,
    /// The signal types of the trusted-signal rules.
    pub signal_rules: SignalRules,
    /// The sign-in providers outside Windows Hello the policy leaves enabled (design 3.5b).
    pub sign_in: SignInPolicy,
}

impl LockoutPolicy {
    /// The lock-out view of a validated policy; `None` when multi-factor unlock is not
    /// configured (there are no factor groups to analyse).
    pub fn from_policy(policy: &Policy) -> Option<LockoutPolicy> {
        let device_unlock = policy.device_unlock.as_ref()?;
        Some(LockoutPolicy {
            groups: device_unlock.groups.clone(),
            signal_rules: device_unlock
                .signal_rules
                .as_ref()
                .map(SignalRules::from_rule_set)
                .unwrap_or_default(),
            sign_in: policy.sign_in,
        })
    }
}

/// The verdict of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The user unlocks with what is left.
    Unlock,
    /// The user gets back in after a PIN reset.
    Recover,
    /// Windows Hello cannot get the user in, but a password or smart card sign-in does.
    SignIn,
    /// Neither: the user is locked out.
    LockedOut,
}

impl Outcome {
    /// The stable JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Unlock => "unlock",
            Outcome::Recover => "recover",
            Outcome::SignIn => "sign_in",
            Outcome::LockedOut => "locked_out",
        }
    }
}

/// How the user gets back in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryPath {
    /// Unlock directly.
    Unlock {
        /// The two factors (first group, second group).
        factors: FactorMatch,
    },
    /// Reset the PIN, then unlock with these factors.
    PinReset {
        /// The reset that restored the PIN.
        reset: ResetSuccess,
        /// The factors that unlock afterwards.
        then_unlock_with: FactorMatch,
    },
    /// Sign in outside Windows Hello, then (PIN forgotten) reset the PIN from Settings.
    SignIn {
        /// The provider that signs the user in.
        credential: SignInProvider,
        /// The reset from Settings that restored a forgotten PIN, if it was needed and works.
        settings_reset: Option<ResetSuccess>,
    },
}

/// One analysed case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// What failed (empty for the baseline).
    pub failures: Vec<Failure>,
    /// Unlock, recover or locked out.
    pub outcome: Outcome,
    /// How the user gets in; `None` when locked out.
    pub path: Option<RecoveryPath>,
    /// Why, in a sentence.
    pub reason: String,
}

impl Case {
    /// The stable JSON form: `{"failures", "outcome", "path", "reason"}`.
    pub fn to_json(&self) -> Value {
        let path = self.path.as_ref().map(|path| match path {
            RecoveryPath::Unlock { factors } => json!({
                "kind": "unlock",
                "factors": [factors.first.name(), factors.second.name()],
            }),
            RecoveryPath::PinReset { reset, then_unlock_with } => json!({
                "kind": "pin_reset",
                "reset": reset.kind.name(),
                "entry": reset.entry.name(),
                "mfa": reset.mfa,
                "costs": reset.costs.iter().map(|c| c.name()).collect::<Vec<_>>(),
                "factors": [then_unlock_with.first.name(), then_unlock_with.second.name()],
            }),
            RecoveryPath::SignIn { credential, settings_reset } => json!({
                "kind": "sign_in",
                "credential": credential.name(),
                "pin_reset": settings_reset.as_ref().map(|reset| json!({
                    "reset": reset.kind.name(),
                    "entry": reset.entry.name(),
                    "mfa": reset.mfa,
                    "costs": reset.costs.iter().map(|c| c.name()).collect::<Vec<_>>(),
                })),
            }),
        });
        json!({
            "failures": self.failures.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "outcome": self.outcome.name(),
            "path": path,
            "reason": self.reason,
        })
    }

    /// A short description of the path for tables, e.g. `pin + trusted_signal`.
    pub fn path_summary(&self) -> String {
        match &self.path {
            None => "-".to_owned(),
            Some(RecoveryPath::Unlock { factors }) => pair_name(factors),
            Some(RecoveryPath::PinReset { reset, then_unlock_with }) => {
                let mut text = format!(
                    "{} reset ({}, MFA {}), then {}",
                    reset.kind.name(),
                    reset.entry.name(),
                    reset.mfa,
                    pair_name(then_unlock_with)
                );
                if !reset.costs.is_empty() {
                    let costs: Vec<_> = reset.costs.iter().map(|c| c.name()).collect();
                    text.push_str(&format!("; costs: {}", costs.join(", ")));
                }
                text
            }
            Some(RecoveryPath::SignIn { credential, settings_reset }) => {
                let mut text = format!("{credential} sign-in (not Hello)");
                if let Some(reset) = settings_reset {
                    text.push_str(&format!(
                        ", then {} reset ({}, MFA {})",
                        reset.kind.name(),
                        reset.entry.name(),
                        reset.mfa
                    ));
                }
                text
            }
        }
    }
}

fn pair_name(factors: &FactorMatch) -> String {
    format!("{} + {}", factors.first.name(), factors.second.name())
}

fn names(set: &BTreeSet<CredentialProvider>) -> String {
    if set.is_empty() {
        "nothing".to_owned()
    } else {
        set.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
    }
}

fn group_names(group: &[CredentialProvider]) -> String {
    group.iter().map(|p| p.name()).collect::<Vec<_>>().join("|")
}

/// Every single failure that applies to this profile and policy, in a stable order.
pub fn failure_universe(profile: &DeviceProfile, policy: &LockoutPolicy) -> Vec<Failure> {
    let mut failures = vec![Failure::PinForgotten];
    failures.extend(profile.biometric_set().into_iter().map(Failure::BiometricUnavailable));
    failures.extend(profile.phone_names().map(|n| Failure::PhoneUnavailable(n.to_owned())));
    if profile.network.corporate || profile.network.corporate_wifi {
        failures.push(Failure::OffNetwork);
    }
    if profile.network.corporate_wifi && policy.signal_rules.kinds().contains(&SignalKind::Wifi) {
        failures.push(Failure::WifiChanged);
    }
    failures.extend(profile.security_key_names().map(|n| Failure::SecurityKeyLost(n.to_owned())));
    // Implied by the profile's bounds (see FAILURES_MAX): a longer list is a programmer error,
    // never something an input can reach, so it is asserted rather than silently cut short.
    assert!(failures.len() <= FAILURES_MAX, "{} failures", failures.len());
    failures
}

/// Analyses one set of failures: Windows Hello first, then a sign-in outside it.
pub fn analyze_case(profile: &DeviceProfile, policy: &LockoutPolicy, failures: &[Failure]) -> Case {
    let hello = hello_case(profile, policy, failures);
    if hello.outcome != Outcome::LockedOut {
        return hello;
    }
    match fallback_sign_in(profile, policy.sign_in) {
        Some(credential) => signed_in_case(profile, failures, credential, &hello.reason),
        None => hello,
    }
}

/// The sign-in outside Windows Hello that gets this user in, if any: the password when the
/// policy enables it and the user knows it, else a smart card when enabled and held.
fn fallback_sign_in(profile: &DeviceProfile, sign_in: SignInPolicy) -> Option<SignInProvider> {
    let usable = |provider| match provider {
        SignInProvider::Password => profile.user.password_known,
        SignInProvider::SmartCard => profile.user.smart_card,
    };
    SignInProvider::ALL.into_iter().find(|&p| sign_in.enables(p) && usable(p))
}

/// The user signs in with `credential` and, with the PIN forgotten, resets it from Settings.
fn signed_in_case(
    profile: &DeviceProfile,
    failures: &[Failure],
    credential: SignInProvider,
    hello_reason: &str,
) -> Case {
    let mut state = DeviceState::locked_with(failures);
    state.signed_in = true;
    let mut reason = format!(
        "Windows Hello: {hello_reason}; but the policy leaves the {credential} provider enabled \
        and the user signs in with it (not a multi-factor unlock)"
    );
    let mut settings_reset = None;
    if state.pin_forgotten {
        match state.attempt_pin_reset(profile, ResetEntry::Settings).result {
            Ok(success) => {
                reason.push_str(&format!(
                    ", then resets the PIN from Settings ({})",
                    success.kind.name()
                ));
                settings_reset = Some(success);
            }
            Err(blocks) => reason
                .push_str(&format!("; a PIN reset from Settings fails: {}", join_blocks(&blocks))),
        }
    }
    Case {
        failures: failures.to_vec(),
        outcome: Outcome::SignIn,
        path: Some(RecoveryPath::SignIn { credential, settings_reset }),
        reason,
    }
}

/// Windows Hello alone: unlock, or a lock-screen PIN reset, or locked out.
fn hello_case(profile: &DeviceProfile, policy: &LockoutPolicy, failures: &[Failure]) -> Case {
    let mut state = DeviceState::locked_with(failures);
    let trusted_signal = policy.signal_rules.holds(|kind| state.signal_holds(profile, kind));
    let groups = &policy.groups;
    let requirement =
        format!("first {} + second {}", group_names(&groups.first), group_names(&groups.second));
    let attempt = state.attempt_unlock(profile, groups, trusted_signal);
    let failures = failures.to_vec();
    if let Some(factors) = attempt.factors {
        let mut reason = format!("{} satisfy the groups", pair_name(&factors));
        if state.pin_forgotten {
            let settings = state.attempt_pin_reset(profile, ResetEntry::Settings);
            match &settings.result {
                Ok(success) => reason.push_str(&format!(
                    "; after sign-in the PIN can be reset from Settings ({})",
                    success.kind.name()
                )),
                Err(blocks) => reason.push_str(&format!(
                    "; but a PIN reset from Settings fails: {}",
                    join_blocks(blocks)
                )),
            }
        }
        return Case {
            failures,
            outcome: Outcome::Unlock,
            path: Some(RecoveryPath::Unlock { factors }),
            reason,
        };
    }
    let shortfall = format!(
        "available credentials ({}) cannot satisfy {requirement}",
        names(&attempt.available)
    );
    if !state.pin_forgotten {
        return Case {
            failures,
            outcome: Outcome::LockedOut,
            path: None,
            reason: format!("{shortfall}, and a PIN reset cannot add anything: the PIN is known"),
        };
    }
    let reset = state.attempt_pin_reset(profile, ResetEntry::LockScreen);
    let success = match reset.result {
        Ok(success) => success,
        Err(blocks) => {
            return Case {
                failures,
                outcome: Outcome::LockedOut,
                path: None,
                reason: format!(
                    "{shortfall}; PIN reset from the lock screen fails: {}",
                    join_blocks(&blocks)
                ),
            };
        }
    };
    let after = state.attempt_unlock(profile, groups, trusted_signal);
    match after.factors {
        Some(factors) => Case {
            failures,
            outcome: Outcome::Recover,
            reason: format!(
                "{shortfall}; a {} PIN reset from the lock screen restores the PIN",
                success.kind.name()
            ),
            path: Some(RecoveryPath::PinReset { reset: success, then_unlock_with: factors }),
        },
        None => Case {
            failures,
            outcome: Outcome::LockedOut,
            path: None,
            reason: format!(
                "{shortfall}; after a {} PIN reset the user has {}, which still cannot satisfy \
                {requirement}",
                success.kind.name(),
                names(&after.available)
            ),
        },
    }
}

fn join_blocks(blocks: &[super::reset::ResetBlock]) -> String {
    blocks.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// The whole analysis: the baseline (no failure), every single failure and, with `pairs`,
/// every unordered pair of distinct failures.
pub fn analyze_lockout(profile: &DeviceProfile, policy: &LockoutPolicy, pairs: bool) -> Vec<Case> {
    let universe = failure_universe(profile, policy);
    let mut cases = vec![analyze_case(profile, policy, &[])];
    for failure in &universe {
        cases.push(analyze_case(profile, policy, std::slice::from_ref(failure)));
    }
    if pairs {
        for (i, a) in universe.iter().enumerate() {
            for b in &universe[i + 1..] {
                cases.push(analyze_case(profile, policy, &[a.clone(), b.clone()]));
            }
        }
    }
    cases
}

/// Whether any case leaves the user locked out.
pub fn any_locked_out(cases: &[Case]) -> bool {
    cases.iter().any(|c| c.outcome == Outcome::LockedOut)
}
