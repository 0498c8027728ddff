//! `policy audit`: trusted signals that hold away from the office or that someone else can
//! produce.
//!
//! A rule can be valid and still weak: a signal that a laptop at home, a café's access point or
//! a phone in the next room also satisfies turns multi-factor unlock back into a PIN alone. Each
//! [`Finding`] names its code, a [`FindingSeverity`], the element it is about, why (the design
//! section or the source that makes it a finding) and what to do. The findings, their sources
//! and severities are documented for users in `docs/audit.md`.
//!
//! Everything here is a pure function of a [`RuleSet`] or a [`Policy`], an [`AuditInput`] and a
//! [`BluetoothReach`]: the engine knows nothing of radio, so the distance at which a Bluetooth
//! threshold still holds comes from a model the caller passes in (`sim-devices::reach`).
//!
//! Severity: a rule whose every signal has a finding can be satisfied from outside on its own;
//! a finding on one signal of an `<and>` whose other signals are clean is downgraded to
//! [`FindingSeverity::Low`] (the signal adds nothing, the rule rests on the others).

mod bluetooth;
mod locate;
mod network;

use std::fmt;

use serde::Serialize;

use super::document::Policy;
use super::rules::{Rule, RuleSet, Signal};
use crate::diagnostic::{Diagnostic, SourceFile};

pub use bluetooth::{BluetoothReach, NEXT_ROOM_DISTANCE_M, REACH_WALLS};
pub use locate::locate;
pub use network::{HOME_GATEWAY_ADDRESSES, HOME_ROUTER_PREFIXES, PUBLIC_RESOLVERS};

/// How much a finding weakens the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// The signal adds nothing, but the rule rests on other, sound signals.
    Low,
    /// Someone needs more than being elsewhere: the owner's phone nearby, or a password.
    Medium,
    /// Anyone, or the laptop away from the office, satisfies the rule on its own.
    High,
}

impl FindingSeverity {
    /// The lower-case name used in text and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Low => "low",
            FindingSeverity::Medium => "medium",
            FindingSeverity::High => "high",
        }
    }
}

impl fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is about, so that a caller can find it in the text it parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingTarget {
    /// The policy as a whole (its multi-factor unlock section).
    Policy,
    /// One signal: its index in document order over all rules (0-based), and the child
    /// element or attribute the finding points at, if any.
    Signal { signal: usize, element: Option<&'static str> },
}

/// One weakness found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable code, e.g. `audit::dns-suffix-only`.
    pub code: &'static str,
    pub severity: FindingSeverity,
    /// What it is about.
    pub target: FindingTarget,
    /// The element as written, e.g. `<dnsSuffix>corp.contoso.com</dnsSuffix>`.
    pub element: String,
    /// What holds from outside, and why (with the design section or source).
    pub why: String,
    /// What to do about it.
    pub fix: String,
}

/// The policy state the audit needs beyond the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditInput {
    /// Whether the password credential provider is enabled (design 3.5b; default enabled, as on
    /// a Windows nobody hardened).
    pub password_enabled: bool,
}

impl Default for AuditInput {
    fn default() -> AuditInput {
        AuditInput { password_enabled: true }
    }
}

/// What to do about a weak signal in an `<and>` whose other signals are weak too.
const AND_OF_WEAK_SIGNALS_FIX: &str = "replace a signal of this <and> with one only the office \
    has: an ipConfig signal with the office's ipv4Gateway and ipv4DhcpServer, or an enterprise \
    wifi signal pinned to its BSSIDs";

/// Audits the trusted-signal rules of multi-factor unlock (scenario `Authentication`).
pub fn audit_rules(rules: &RuleSet, reach: &dyn BluetoothReach) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut index = 0;
    for rule in &rules.rules {
        let mut per_signal = Vec::new();
        for signal in rule.signals() {
            per_signal.push(audit_signal(signal, index, reach));
            index += 1;
        }
        let some_signal_sound =
            per_signal.iter().any(|found| found.iter().all(|f| f.severity == FindingSeverity::Low));
        let in_and = matches!(rule, Rule::And(_));
        for mut finding in per_signal.into_iter().flatten() {
            if in_and && some_signal_sound && finding.severity > FindingSeverity::Low {
                finding.severity = FindingSeverity::Low;
                finding.why.push_str(
                    " In this <and> another signal is sound and must hold too, so this weakness \
                     alone does not open the rule.",
                );
            } else if in_and && finding.severity > FindingSeverity::Low {
                // The rule already combines signals: the advice to combine would be no advice.
                finding.why.push_str(
                    " Every other signal of this <and> is weak too, so together they still \
                     hold away from the office.",
                );
                finding.fix = AND_OF_WEAK_SIGNALS_FIX.to_string();
            }
            findings.push(finding);
        }
    }
    findings
}

fn audit_signal(signal: &Signal, index: usize, reach: &dyn BluetoothReach) -> Vec<Finding> {
    match signal {
        Signal::IpConfig(ip) => network::ip_config(ip, index),
        Signal::Wifi(wifi) => network::wifi(wifi, index).into_iter().collect(),
        Signal::Bluetooth(bluetooth) => {
            bluetooth::bluetooth(bluetooth, index, reach).into_iter().collect()
        }
    }
}

/// Audits a validated policy: its multi-factor unlock rules, and the sign-in paths around it.
/// Dynamic Lock rules are not audited: they lock, they never grant an unlock.
pub fn audit_policy(
    policy: &Policy,
    input: &AuditInput,
    reach: &dyn BluetoothReach,
) -> Vec<Finding> {
    let Some(device_unlock) = &policy.device_unlock else { return Vec::new() };
    let mut findings = device_unlock
        .signal_rules
        .as_ref()
        .map(|rules| audit_rules(rules, reach))
        .unwrap_or_default();
    if input.password_enabled {
        findings.push(password_enabled());
    }
    findings
}

/// Seed 003's own caution (design 3.5b): with multi-factor unlock, "the fall back options are
/// to use passwords or smart cards (both of which could be disabled as needed)".
fn password_enabled() -> Finding {
    Finding {
        code: "audit::password-enabled",
        severity: FindingSeverity::Medium,
        target: FindingTarget::Policy,
        element: "device_unlock (password credential provider enabled)".into(),
        why: "the password provider is left enabled with multi-factor unlock: a password alone \
            signs in, without a second factor. Seed 003: \"the fall back options are to use \
            passwords or smart cards (both of which could be disabled as needed)\" (design 3.5b)."
            .into(),
        fix: "disable the password credential provider once every user has a second factor, \
            or accept the password as a single-factor path"
            .into(),
    }
}

impl Finding {
    /// The finding as a `policy check` warning at `span` of `source` (or of the file as a whole
    /// when `span` is `None`).
    pub fn to_diagnostic(
        &self,
        source: &SourceFile,
        span: Option<std::ops::Range<usize>>,
    ) -> Diagnostic {
        let message = format!("{} severity: {}: {}", self.severity, self.element, self.why);
        let diagnostic = Diagnostic::warning(self.code, message).with_hint(self.fix.clone());
        match span {
            Some(span) => diagnostic.at(source, span),
            None => diagnostic,
        }
    }
}

/// Whether any finding is [`FindingSeverity::High`]: `policy audit` then exits 1.
pub fn has_high(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == FindingSeverity::High)
}
