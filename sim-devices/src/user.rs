//! Users: activity (typing or idle) and presenting credentials.
//!
//! Biometric false rejects are Bernoulli draws from the user's own stream, so another user's
//! attempts never change this user's outcomes. Rates are per attempt; the defaults are the order
//! of magnitude vendors publish (fingerprint a few per cent, face about one per cent).

use serde::{Deserialize, Serialize};

/// A credential a user can present at the lock screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// The Windows Hello PIN.
    Pin,
    /// A fingerprint on the reader.
    Fingerprint,
    /// Face recognition.
    Face,
    /// A FIDO2 security key.
    SecurityKey,
    /// The account password (sign-in outside Windows Hello, design 3.5b).
    Password,
    /// A smart card (sign-in outside Windows Hello, design 3.5b).
    SmartCard,
}

/// A user's credentials and their error rates.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CredentialConfig {
    /// Probability that a genuine fingerprint is rejected, per attempt (default 0.02).
    pub fingerprint_false_reject_rate: f64,
    /// Probability that a genuine face is rejected, per attempt (default 0.01).
    pub face_false_reject_rate: f64,
    /// Whether the user has enrolled a fingerprint (default true).
    pub fingerprint_enrolled: bool,
    /// Whether the user has enrolled a face (default true).
    pub face_enrolled: bool,
    /// Whether the user owns a registered security key (default false).
    pub has_security_key: bool,
    /// Whether the user has forgotten the PIN at the start (default false).
    pub pin_forgotten: bool,
    /// Whether the user knows the account password (default true; seed 000's forum user had
    /// forgotten the fallback).
    pub knows_password: bool,
    /// Whether the user holds a smart card (default false).
    pub has_smart_card: bool,
}

impl Default for CredentialConfig {
    fn default() -> CredentialConfig {
        CredentialConfig {
            fingerprint_false_reject_rate: 0.02,
            face_false_reject_rate: 0.01,
            fingerprint_enrolled: true,
            face_enrolled: true,
            has_security_key: false,
            pin_forgotten: false,
            knows_password: true,
            has_smart_card: false,
        }
    }
}

impl CredentialConfig {
    /// Checks that rates are probabilities.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("fingerprint_false_reject_rate", self.fingerprint_false_reject_rate),
            ("face_false_reject_rate", self.face_false_reject_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be a probability in 0..=1, got {rate}"));
            }
        }
        Ok(())
    }
}

/// The outcome of presenting one credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum CredentialOutcome {
    /// The credential was verified.
    Accepted,
    /// The credential was not verified.
    Rejected(RejectReason),
}

/// Why a credential was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A biometric false reject.
    FalseReject,
    /// The user does not remember the PIN.
    PinForgotten,
    /// The user does not remember the password.
    PasswordForgotten,
    /// The user has no such credential (not enrolled, no key).
    NotEnrolled,
}

/// The verdict for presenting `credential` given the configuration and a uniform draw in 0..1
/// from the user's stream (pure, so it can be tested with chosen draws).
pub fn judge_credential(
    config: &CredentialConfig,
    pin_forgotten: bool,
    credential: Credential,
    uniform: f64,
) -> CredentialOutcome {
    use CredentialOutcome::{Accepted, Rejected};
    match credential {
        Credential::Pin if pin_forgotten => Rejected(RejectReason::PinForgotten),
        Credential::Pin => Accepted,
        Credential::SecurityKey if config.has_security_key => Accepted,
        Credential::SecurityKey => Rejected(RejectReason::NotEnrolled),
        Credential::Password if config.knows_password => Accepted,
        Credential::Password => Rejected(RejectReason::PasswordForgotten),
        Credential::SmartCard if config.has_smart_card => Accepted,
        Credential::SmartCard => Rejected(RejectReason::NotEnrolled),
        Credential::Fingerprint if !config.fingerprint_enrolled => {
            Rejected(RejectReason::NotEnrolled)
        }
        Credential::Face if !config.face_enrolled => Rejected(RejectReason::NotEnrolled),
        Credential::Fingerprint if uniform < config.fingerprint_false_reject_rate => {
            Rejected(RejectReason::FalseReject)
        }
        Credential::Face if uniform < config.face_false_reject_rate => {
            Rejected(RejectReason::FalseReject)
        }
        Credential::Fingerprint | Credential::Face => Accepted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Credential::Pin, false, 0.0, CredentialOutcome::Accepted)]
    #[case(Credential::Pin, true, 0.9, CredentialOutcome::Rejected(RejectReason::PinForgotten))]
    #[case(
        Credential::Fingerprint,
        false,
        0.019,
        CredentialOutcome::Rejected(RejectReason::FalseReject)
    )]
    #[case(Credential::Fingerprint, false, 0.02, CredentialOutcome::Accepted)]
    #[case(Credential::Face, false, 0.005, CredentialOutcome::Rejected(RejectReason::FalseReject))]
    #[case(Credential::Face, false, 0.5, CredentialOutcome::Accepted)]
    #[case(
        Credential::SecurityKey,
        false,
        0.5,
        CredentialOutcome::Rejected(RejectReason::NotEnrolled)
    )]
    // Design 3.5b: the password is known by default (forgetting the PIN does not touch it); a
    // smart card must be held.
    #[case(Credential::Password, true, 0.0, CredentialOutcome::Accepted)]
    #[case(
        Credential::SmartCard,
        false,
        0.5,
        CredentialOutcome::Rejected(RejectReason::NotEnrolled)
    )]
    fn credential_verdicts(
        #[case] credential: Credential,
        #[case] pin_forgotten: bool,
        #[case] uniform: f64,
        #[case] expect: CredentialOutcome,
    ) {
        assert_eq!(
            judge_credential(&CredentialConfig::default(), pin_forgotten, credential, uniform),
            expect
        );
    }

    #[test]
    fn a_forgotten_password_is_rejected() {
        let config = CredentialConfig { knows_password: false, ..CredentialConfig::default() };
        assert_eq!(
            judge_credential(&config, false, Credential::Password, 0.5),
            CredentialOutcome::Rejected(RejectReason::PasswordForgotten)
        );
    }
}
