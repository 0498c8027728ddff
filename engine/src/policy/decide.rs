//! The unlock decision: presented credentials and the trusted-signal verdict against the
//! factor groups. Source: seed 003 (`docs/model.md`) ("one credential satisfies one factor") and
//! design 3.5.

use std::collections::BTreeSet;

use serde::Serialize;

use super::factors::{FactorGroups, FactorMatch};
use super::provider::CredentialProvider;

/// Which unlock factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    First,
    Second,
}

/// The outcome of an unlock attempt under multi-factor unlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockDecision {
    /// Unlocked: which credential satisfied which factor.
    Unlocked(FactorMatch),
    /// Not unlocked: the factor left unsatisfied and why, in a sentence.
    Denied { missing: Factor, reason: String },
}

impl UnlockDecision {
    /// Whether the PC unlocks.
    pub fn is_unlocked(&self) -> bool {
        matches!(self, UnlockDecision::Unlocked(_))
    }
}

fn names(providers: impl IntoIterator<Item = CredentialProvider>) -> String {
    let list: Vec<&str> = providers.into_iter().map(CredentialProvider::name).collect();
    if list.is_empty() { "none".to_string() } else { list.join(", ") }
}

/// Decides an unlock attempt. `presented` lists each credential the user presented and whether
/// it was accepted (a biometric may be falsely rejected); `trusted_signal` is the rules' verdict
/// now, `None` when no rules are evaluated. One credential satisfies one factor.
pub fn decide_unlock(
    groups: &FactorGroups,
    presented: &[(CredentialProvider, bool)],
    trusted_signal: Option<bool>,
) -> UnlockDecision {
    let mut available: BTreeSet<CredentialProvider> = presented
        .iter()
        .filter(|&&(p, accepted)| accepted && p != CredentialProvider::TrustedSignal)
        .map(|&(p, _)| p)
        .collect();
    if trusted_signal == Some(true) {
        available.insert(CredentialProvider::TrustedSignal);
    }
    if let Some(found) = groups.match_factors(&available) {
        return UnlockDecision::Unlocked(found);
    }
    let rejected: Vec<CredentialProvider> =
        presented.iter().filter(|&&(_, accepted)| !accepted).map(|&(p, _)| p).collect();
    let signal = match trusted_signal {
        Some(true) => "trusted signal present",
        Some(false) => "trusted signal absent",
        None => "trusted signal not evaluated",
    };
    let context = format!(
        "accepted: {}; rejected: {}; {signal}",
        names(available.iter().copied()),
        names(rejected)
    );
    let first: Vec<_> = groups.first.iter().filter(|p| available.contains(p)).copied().collect();
    if first.is_empty() {
        return UnlockDecision::Denied {
            missing: Factor::First,
            reason: format!(
                "no accepted credential from the first group ({}); {context}",
                names(groups.first.iter().copied())
            ),
        };
    }
    let second: Vec<_> = groups.second.iter().filter(|p| available.contains(p)).copied().collect();
    let reason = if second.is_empty() {
        format!(
            "no accepted credential from the second group ({}); {context}",
            names(groups.second.iter().copied())
        )
    } else {
        format!(
            "`{}` can satisfy only one factor and no other credential covers the second group \
            ({}); {context}",
            names(second),
            names(groups.second.iter().copied())
        )
    };
    UnlockDecision::Denied { missing: Factor::Second, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CredentialProvider::*;
    use rstest::rstest;

    #[rstest]
    #[case::pin_and_phone(&[(Pin, true)], Some(true), Ok((Pin, TrustedSignal)))]
    #[case::finger_and_pin(&[(Fingerprint, true), (Pin, true)], Some(false), Ok((Fingerprint, Pin)))]
    #[case::pin_alone_phone_away(&[(Pin, true)], Some(false), Err(Factor::Second))]
    #[case::finger_rejected(&[(Fingerprint, false)], Some(true), Err(Factor::First))]
    #[case::nothing(&[], None, Err(Factor::First))]
    #[case::signal_cannot_be_presented(&[(Pin, true), (TrustedSignal, true)], Some(false), Err(Factor::Second))]
    fn decisions_under_default_groups(
        #[case] presented: &[(CredentialProvider, bool)],
        #[case] signal: Option<bool>,
        #[case] expected: Result<(CredentialProvider, CredentialProvider), Factor>,
    ) {
        let got = match decide_unlock(&FactorGroups::default(), presented, signal) {
            UnlockDecision::Unlocked(m) => Ok((m.first, m.second)),
            UnlockDecision::Denied { missing, .. } => Err(missing),
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn a_pin_in_both_groups_explains_one_credential_one_factor() {
        let groups = FactorGroups { first: vec![Pin, Fingerprint], second: vec![Pin] };
        let decision = decide_unlock(&groups, &[(Pin, true)], None);
        insta::assert_debug_snapshot!(decision, @r#"
        Denied {
            missing: Second,
            reason: "`pin` can satisfy only one factor and no other credential covers the second group (pin); accepted: pin; rejected: none; trusted signal not evaluated",
        }
        "#);
    }
}
