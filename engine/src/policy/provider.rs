//! Credential providers: the things an unlock-factor group lists.
//!
//! Source: the multi-factor unlock documentation (seed 003 (`docs/model.md`)), table "Supported
//! credential providers", plus the FIDO2 security key provider Microsoft documented later.
//! GUIDs compare case-insensitively and the braces are optional.

use std::fmt;
use std::str::FromStr;

/// A Microsoft credential provider that multi-factor unlock supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredentialProvider {
    Pin,
    Fingerprint,
    FacialRecognition,
    /// Phone proximity (Bluetooth) and network location (Wi-Fi, IP configuration).
    TrustedSignal,
    /// FIDO2 security key; documented after the seed text.
    SecurityKey,
}

impl CredentialProvider {
    pub const ALL: [CredentialProvider; 5] = [
        CredentialProvider::Pin,
        CredentialProvider::Fingerprint,
        CredentialProvider::FacialRecognition,
        CredentialProvider::TrustedSignal,
        CredentialProvider::SecurityKey,
    ];

    /// The provider's GUID, upper case, with braces, as the documentation writes it.
    pub const fn guid(self) -> &'static str {
        match self {
            CredentialProvider::Pin => "{D6886603-9D2F-4EB2-B667-1971041FA96B}",
            CredentialProvider::Fingerprint => "{BEC09223-B018-416D-A0AC-523971B639F5}",
            CredentialProvider::FacialRecognition => "{8AF662BF-65A0-4D0A-A540-A338A999D36F}",
            CredentialProvider::TrustedSignal => "{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD}",
            CredentialProvider::SecurityKey => "{F8A1793B-7873-4046-B2A7-1F318747F427}",
        }
    }

    /// The snake_case name used in YAML files and reports.
    pub const fn name(self) -> &'static str {
        match self {
            CredentialProvider::Pin => "pin",
            CredentialProvider::Fingerprint => "fingerprint",
            CredentialProvider::FacialRecognition => "facial_recognition",
            CredentialProvider::TrustedSignal => "trusted_signal",
            CredentialProvider::SecurityKey => "security_key",
        }
    }

    /// Whether a person presents this credential (as opposed to a signal the PC observes).
    pub const fn is_biometric(self) -> bool {
        matches!(self, CredentialProvider::Fingerprint | CredentialProvider::FacialRecognition)
    }

    /// Parses a name (`pin`, `facial_recognition`...) or a GUID (braces and case free).
    pub fn parse(text: &str) -> Result<CredentialProvider, UnknownProvider> {
        let trimmed = text.trim();
        let bare = trimmed.trim_start_matches('{').trim_end_matches('}');
        CredentialProvider::ALL
            .into_iter()
            .find(|p| {
                p.name().eq_ignore_ascii_case(trimmed)
                    || p.guid()[1..p.guid().len() - 1].eq_ignore_ascii_case(bare)
            })
            .ok_or_else(|| UnknownProvider { text: trimmed.chars().take(80).collect() })
    }
}

impl fmt::Display for CredentialProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CredentialProvider {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CredentialProvider::parse(s)
    }
}

/// A credential provider that signs a user in outside Windows Hello: password or smart card.
///
/// Source: seed 003 ("Configure multi-factor unlock"): with multi-factor unlock "the fall back
/// options are to use passwords or smart cards (both of which could be disabled as needed)";
/// seed 000: a user who forgot the PIN "but has an alternate sign-in method" signs in and resets
/// the PIN from Settings. These are not multi-factor unlock providers: a factor group never
/// accepts them (`policy::sign-in-provider-in-group`), and signing in with one is a sign-in, not
/// a two-factor unlock (design 3.5b). The GUIDs are Windows' inbox providers' CLSIDs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SignInProvider {
    /// The password credential provider.
    Password,
    /// The smart card credential provider.
    SmartCard,
}

impl SignInProvider {
    /// Every sign-in provider, in declaration order.
    pub const ALL: [SignInProvider; 2] = [SignInProvider::Password, SignInProvider::SmartCard];

    /// The provider's CLSID, upper case, with braces.
    pub const fn guid(self) -> &'static str {
        match self {
            SignInProvider::Password => "{60B78E88-EAD8-445C-9CFD-0B87F74EA6CD}",
            SignInProvider::SmartCard => "{8FD7E19C-3BF7-489B-A72C-846AB3678C96}",
        }
    }

    /// The snake_case name used in YAML files and reports.
    pub const fn name(self) -> &'static str {
        match self {
            SignInProvider::Password => "password",
            SignInProvider::SmartCard => "smart_card",
        }
    }

    /// Parses a name (`password`, `smart_card`) or a GUID; `None` otherwise.
    pub fn parse(text: &str) -> Option<SignInProvider> {
        let trimmed = text.trim();
        let bare = trimmed.trim_start_matches('{').trim_end_matches('}');
        SignInProvider::ALL.into_iter().find(|p| {
            p.name().eq_ignore_ascii_case(trimmed)
                || p.guid()[1..p.guid().len() - 1].eq_ignore_ascii_case(bare)
        })
    }
}

impl fmt::Display for SignInProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text that names no supported credential provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a supported credential provider: use pin, fingerprint, facial_recognition, \
     trusted_signal, security_key or their GUIDs (multi-factor unlock supports only these \
     Microsoft providers)"
)]
pub struct UnknownProvider {
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("pin", CredentialProvider::Pin)]
    #[case("PIN", CredentialProvider::Pin)]
    #[case("{D6886603-9D2F-4EB2-B667-1971041FA96B}", CredentialProvider::Pin)]
    #[case("d6886603-9d2f-4eb2-b667-1971041fa96b", CredentialProvider::Pin)]
    #[case(" {bec09223-b018-416d-a0ac-523971b639f5} ", CredentialProvider::Fingerprint)]
    #[case("facial_recognition", CredentialProvider::FacialRecognition)]
    #[case("{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD}", CredentialProvider::TrustedSignal)]
    #[case("F8A1793B-7873-4046-B2A7-1F318747F427", CredentialProvider::SecurityKey)]
    fn parses_names_and_guids(#[case] text: &str, #[case] expected: CredentialProvider) {
        assert_eq!(CredentialProvider::parse(text), Ok(expected));
    }

    #[rstest]
    #[case("smartcard")]
    #[case("{00000000-0000-0000-0000-000000000000}")]
    #[case("")]
    fn rejects_other_providers(#[case] text: &str) {
        assert!(CredentialProvider::parse(text).is_err());
    }

    #[rstest]
    #[case("password", Some(SignInProvider::Password))]
    #[case("{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}", Some(SignInProvider::Password))]
    #[case("smart_card", Some(SignInProvider::SmartCard))]
    #[case("SMART_CARD", Some(SignInProvider::SmartCard))]
    #[case("8FD7E19C-3BF7-489B-A72C-846AB3678C96", Some(SignInProvider::SmartCard))]
    #[case("pin", None)]
    fn sign_in_providers_are_not_unlock_providers(
        #[case] text: &str,
        #[case] expected: Option<SignInProvider>,
    ) {
        assert_eq!(SignInProvider::parse(text), expected);
        if expected.is_some() {
            assert!(CredentialProvider::parse(text).is_err(), "{text} must not be a factor");
        }
    }
}
