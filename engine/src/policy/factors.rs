//! Unlock-factor groups and the rule "one credential satisfies at most one factor".
//!
//! Source: seed 003 (`docs/model.md`), "Configure unlock factors": users unlock with at least one
//! credential provider from each group; a provider may appear in both lists, but a credential it
//! supports can only satisfy one of the factors. Defaults: first = PIN, Fingerprint, Facial
//! Recognition; second = Trusted Signal, PIN.

use std::collections::BTreeSet;

use super::provider::CredentialProvider;

/// The first and second unlock-factor groups, in the order the administrator listed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorGroups {
    pub first: Vec<CredentialProvider>,
    pub second: Vec<CredentialProvider>,
}

/// Which available credential satisfied which factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorMatch {
    pub first: CredentialProvider,
    pub second: CredentialProvider,
}

impl Default for FactorGroups {
    fn default() -> Self {
        FactorGroups {
            first: FactorGroups::default_first(),
            second: FactorGroups::default_second(),
        }
    }
}

impl FactorGroups {
    /// The documented default first group: PIN, Fingerprint, Facial Recognition.
    pub fn default_first() -> Vec<CredentialProvider> {
        vec![
            CredentialProvider::Pin,
            CredentialProvider::Fingerprint,
            CredentialProvider::FacialRecognition,
        ]
    }

    /// The documented default second group: Trusted Signal, PIN.
    pub fn default_second() -> Vec<CredentialProvider> {
        vec![CredentialProvider::TrustedSignal, CredentialProvider::Pin]
    }

    /// Finds two *different* available credentials, one from each group.
    ///
    /// Each provider stands for one credential (a PIN, a fingerprint, the trusted signal), so a
    /// provider listed in both groups can satisfy only one of them. The search is
    /// deterministic: first-group providers in listed order, then second-group providers in
    /// listed order; the first pair found wins.
    pub fn match_factors(&self, available: &BTreeSet<CredentialProvider>) -> Option<FactorMatch> {
        self.first.iter().filter(|p| available.contains(p)).find_map(|&first| {
            self.second
                .iter()
                .find(|&&second| second != first && available.contains(&second))
                .map(|&second| FactorMatch { first, second })
        })
    }

    /// Whether any set of credentials can satisfy both groups.
    pub fn is_satisfiable(&self) -> bool {
        let everything: BTreeSet<_> = CredentialProvider::ALL.into_iter().collect();
        self.match_factors(&everything).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CredentialProvider::*;
    use rstest::rstest;

    fn groups(first: &[CredentialProvider], second: &[CredentialProvider]) -> FactorGroups {
        FactorGroups { first: first.to_vec(), second: second.to_vec() }
    }

    #[rstest]
    #[case::defaults_pin_and_signal(FactorGroups::default(), &[Pin, TrustedSignal], Some((Pin, TrustedSignal)))]
    #[case::defaults_finger_and_pin(FactorGroups::default(), &[Fingerprint, Pin], Some((Fingerprint, Pin)))]
    #[case::defaults_pin_alone(FactorGroups::default(), &[Pin], None)]
    #[case::defaults_two_biometrics(FactorGroups::default(), &[Fingerprint, FacialRecognition], None)]
    #[case::pin_in_both_needs_another(groups(&[Pin, Fingerprint], &[Pin, TrustedSignal]), &[Pin], None)]
    #[case::pin_moves_to_second(groups(&[Pin, Fingerprint], &[Pin]), &[Pin, Fingerprint], Some((Fingerprint, Pin)))]
    #[case::nothing(FactorGroups::default(), &[], None)]
    fn matches_one_credential_per_factor(
        #[case] groups: FactorGroups,
        #[case] available: &[CredentialProvider],
        #[case] expected: Option<(CredentialProvider, CredentialProvider)>,
    ) {
        let available = available.iter().copied().collect();
        let got = groups.match_factors(&available).map(|m| (m.first, m.second));
        assert_eq!(got, expected);
    }

    #[rstest]
    #[case(groups(&[Pin], &[Pin]), false)]
    #[case(groups(&[Pin], &[TrustedSignal]), true)]
    #[case(FactorGroups::default(), true)]
    #[case(groups(&[], &[Pin]), false)]
    fn satisfiability(#[case] groups: FactorGroups, #[case] expected: bool) {
        assert_eq!(groups.is_satisfiable(), expected);
    }
}
