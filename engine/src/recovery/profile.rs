//! The device profile: what a PC, its user and its network look like for lock-out analysis.
//!
//! Source: seed 000 (`docs/model.md`) (PIN reset) names every input here: the join type, the trust
//! model, the identity provider and its sign-in domains, the cloud, the PIN reset settings
//! (nondestructive reset, `ConfigureWebSignInAllowedUrls`), the self-service password reset
//! lock-screen limitations, and whether domain controllers and federation services are reachable.
//! The profile adds what a user carries: enrolled biometrics, paired phones, security keys and
//! the multifactor authentication methods they can use.
//!
//! The YAML loader is strict (`deny_unknown_fields`), bounded (input bytes, list lengths, string
//! lengths) and never panics: every problem is a [`Diagnostic`] with file, line and column.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::yaml::{from_yaml, spanned_range};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::policy::CredentialProvider;

/// Largest device profile accepted, in bytes.
pub const PROFILE_BYTES_MAX: usize = 64 * 1024;
/// Most entries in any one list of the profile (phones, keys, domains, URLs, methods).
pub const LIST_ENTRIES_MAX: usize = 64;
/// Longest name, domain or URL accepted, in characters.
pub const NAME_CHARS_MAX: usize = 256;

/// How the device is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinType {
    /// Microsoft Entra joined: lock-screen PIN reset goes through web sign-in.
    EntraJoined,
    /// Microsoft Entra hybrid joined: destructive reset needs the domain controllers.
    EntraHybridJoined,
}

/// The Windows Hello for Business trust model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustModel {
    /// Cloud Kerberos trust.
    CloudKerberos,
    /// Key trust: on hybrid joined devices destructive reset above the lock screen is unsupported.
    KeyTrust,
    /// Certificate trust: AD FS is the registration authority, so it must be reachable.
    CertificateTrust,
}

/// Who authenticates the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityProviderKind {
    /// Microsoft Entra ID itself (managed authentication).
    Entra,
    /// Active Directory Federation Services.
    Adfs,
    /// Another (non-Microsoft) federated identity provider.
    Federated,
}

/// The identity provider and, when federated, the domains its sign-in pages live on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProvider {
    /// Entra, AD FS or another federated provider.
    pub kind: IdentityProviderKind,
    /// Host names the sign-in flow navigates to (e.g. `sts.contoso.com`).
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
}

impl Default for IdentityProvider {
    fn default() -> Self {
        IdentityProvider { kind: IdentityProviderKind::Entra, domains: Vec::new() }
    }
}

/// The Microsoft cloud the tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cloud {
    #[default]
    /// The commercial cloud.
    Public,
    /// Azure US Government: web sign-in must allow `login.microsoftonline.us`.
    UsGovernment,
}

/// The sign-in host Azure US Government's web sign-in must be allowed to reach.
pub const US_GOVERNMENT_LOGIN_HOST: &str = "login.microsoftonline.us";

/// The PIN reset settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinResetConfig {
    /// `EnablePinRecovery`: nondestructive reset through the Microsoft PIN reset service.
    #[serde(default)]
    pub nondestructive: bool,
    /// `ConfigureWebSignInAllowedUrls`: hosts web sign-in may open during PIN reset.
    #[serde(default)]
    pub web_sign_in_allowed_urls: Vec<Spanned<String>>,
    /// Self-service password reset lock-screen limitations that match this device (free text,
    /// e.g. `custom shell`); any one of them blocks lock-screen PIN reset.
    #[serde(default)]
    pub sspr_lock_screen_limitations: Vec<Spanned<String>>,
}

/// A biometric the user has enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Biometric {
    /// Windows Hello fingerprint.
    Fingerprint,
    /// Windows Hello face.
    FacialRecognition,
}

impl Biometric {
    /// The credential provider that presents this biometric.
    pub const fn provider(self) -> CredentialProvider {
        match self {
            Biometric::Fingerprint => CredentialProvider::Fingerprint,
            Biometric::FacialRecognition => CredentialProvider::FacialRecognition,
        }
    }

    /// The snake_case name used in YAML and reports.
    pub const fn name(self) -> &'static str {
        self.provider().name()
    }
}

impl fmt::Display for Biometric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something the user owns with a name: a paired phone or a security key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedItem {
    /// The name failures and MFA methods refer to.
    pub name: Spanned<String>,
}

/// What the device can reach from where it normally is (at the desk).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkReach {
    /// On the corporate network (makes `ipConfig` signals true).
    #[serde(default = "yes")]
    pub corporate: bool,
    /// Connected to the corporate Wi-Fi (makes `wifi` signals true).
    #[serde(default = "yes")]
    pub corporate_wifi: bool,
    /// Domain controllers reachable (only through the corporate network).
    #[serde(default = "yes")]
    pub domain_controllers: bool,
    /// Federation services (AD FS) reachable (only through the corporate network).
    #[serde(default = "yes")]
    pub federation_services: bool,
    /// The internet (Microsoft Entra ID, the PIN reset service) reachable.
    #[serde(default = "yes")]
    pub internet: bool,
}

fn yes() -> bool {
    true
}

impl Default for NetworkReach {
    fn default() -> Self {
        NetworkReach {
            corporate: true,
            corporate_wifi: true,
            domain_controllers: true,
            federation_services: true,
            internet: true,
        }
    }
}

/// A multifactor authentication method the user can complete.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaMethod {
    /// An authenticator app, text message or call on one of the paired phones (by name).
    Phone(Spanned<String>),
    /// One of the security keys (by name).
    SecurityKey(Spanned<String>),
    /// Something that no analysed failure touches (a hardware OATH token, a desk phone).
    Other,
}

impl MfaMethod {
    /// A short description for reports, e.g. `phone:ana-phone`.
    pub fn describe(&self) -> String {
        match self {
            MfaMethod::Phone(name) => format!("phone:{}", name.value),
            MfaMethod::SecurityKey(name) => format!("security_key:{}", name.value),
            MfaMethod::Other => "other".to_owned(),
        }
    }
}

/// The user's side: what they know and which MFA methods they have.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserProfile {
    /// Whether the user still knows the account password (needed to authenticate a PIN reset).
    #[serde(default = "yes")]
    pub password_known: bool,
    /// Whether the user holds a smart card for this account (default false): a sign-in outside
    /// Windows Hello when the policy enables the smart card provider (design 3.5b).
    #[serde(default)]
    pub smart_card: bool,
    /// Multifactor authentication methods, tried in order.
    #[serde(default)]
    pub mfa: Vec<MfaMethod>,
}

impl Default for UserProfile {
    fn default() -> Self {
        UserProfile { password_known: true, smart_card: false, mfa: Vec::new() }
    }
}

/// A whole device profile, as written in YAML.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProfile {
    /// Entra joined or Entra hybrid joined.
    pub join: JoinType,
    /// Cloud Kerberos, key or certificate trust.
    pub trust: TrustModel,
    #[serde(default)]
    /// Entra, AD FS or another federated provider (default: Entra).
    pub identity_provider: IdentityProvider,
    #[serde(default)]
    /// Public or US Government (default: public).
    pub cloud: Cloud,
    #[serde(default)]
    /// Nondestructive reset, web sign-in allowed URLs, SSPR limitations.
    pub pin_reset: PinResetConfig,
    #[serde(default)]
    /// The enrolled biometrics.
    pub biometrics: Vec<Spanned<Biometric>>,
    #[serde(default)]
    /// Paired phones (class Phone): they make `bluetooth` signals true.
    pub phones: Vec<NamedItem>,
    #[serde(default)]
    /// FIDO2 security keys.
    pub security_keys: Vec<NamedItem>,
    #[serde(default)]
    /// What the device reaches at the desk (default: everything).
    pub network: NetworkReach,
    #[serde(default)]
    /// The password and MFA methods.
    pub user: UserProfile,
}

impl DeviceProfile {
    /// The enrolled biometrics, without duplicates, in a stable order.
    pub fn biometric_set(&self) -> BTreeSet<Biometric> {
        self.biometrics.iter().map(|b| b.value).collect()
    }

    /// Paired phone names in listed order.
    pub fn phone_names(&self) -> impl Iterator<Item = &str> {
        self.phones.iter().map(|p| p.name.value.as_str())
    }

    /// Security key names in listed order.
    pub fn security_key_names(&self) -> impl Iterator<Item = &str> {
        self.security_keys.iter().map(|k| k.name.value.as_str())
    }

    /// Whether the sign-in flow is federated (AD FS or another provider).
    pub fn is_federated(&self) -> bool {
        self.identity_provider.kind != IdentityProviderKind::Entra
    }
}

/// Parses and validates a device profile. Returns every problem found, not only the first.
pub fn load_device_profile(source: &SourceFile) -> Result<DeviceProfile, Vec<Diagnostic>> {
    if source.text.len() > PROFILE_BYTES_MAX {
        return Err(vec![
            Diagnostic::error(
                "profile::too-large",
                format!(
                    "the device profile is {} bytes, more than the {PROFILE_BYTES_MAX} accepted",
                    source.text.len()
                ),
            )
            .at(source, 0..0)
            .with_hint("a device profile is a few dozen lines: is this the right file?"),
        ]);
    }
    let profile: DeviceProfile = from_yaml(source).map_err(|mut diagnostics| {
        for diagnostic in &mut diagnostics {
            diagnostic.hint.get_or_insert_with(|| {
                "see tests/fixtures/lockout/ for commented device profiles".to_owned()
            });
        }
        diagnostics
    })?;
    let diagnostics = validate(source, &profile);
    if diagnostics.iter().any(Diagnostic::is_error) { Err(diagnostics) } else { Ok(profile) }
}

/// Checks what the types cannot: bounds, unique names, references, and the federated domains.
fn validate(source: &SourceFile, profile: &DeviceProfile) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut strings: Vec<(&str, &Spanned<String>)> = Vec::new();
    strings.extend(profile.identity_provider.domains.iter().map(|d| ("domain", d)));
    strings.extend(profile.pin_reset.web_sign_in_allowed_urls.iter().map(|u| ("allowed URL", u)));
    strings
        .extend(profile.pin_reset.sspr_lock_screen_limitations.iter().map(|l| ("limitation", l)));
    strings.extend(profile.phones.iter().map(|p| ("phone name", &p.name)));
    strings.extend(profile.security_keys.iter().map(|k| ("security key name", &k.name)));
    for (what, value) in strings {
        let chars = value.value.chars().count();
        if value.value.trim().is_empty() || chars > NAME_CHARS_MAX {
            diagnostics.push(
                Diagnostic::error(
                    "profile::bad-string",
                    format!("a {what} must have 1 to {NAME_CHARS_MAX} characters, not {chars}"),
                )
                .at(source, spanned_range(source, value))
                .with_hint("write a short, non-empty name"),
            );
        }
    }
    let lists = [
        ("identity_provider.domains", profile.identity_provider.domains.len()),
        ("pin_reset.web_sign_in_allowed_urls", profile.pin_reset.web_sign_in_allowed_urls.len()),
        (
            "pin_reset.sspr_lock_screen_limitations",
            profile.pin_reset.sspr_lock_screen_limitations.len(),
        ),
        ("biometrics", profile.biometrics.len()),
        ("phones", profile.phones.len()),
        ("security_keys", profile.security_keys.len()),
        ("user.mfa", profile.user.mfa.len()),
    ];
    for (name, len) in lists {
        if len > LIST_ENTRIES_MAX {
            diagnostics.push(
                Diagnostic::error(
                    "profile::too-many",
                    format!(
                        "`{name}` has {len} entries, more than the {LIST_ENTRIES_MAX} accepted"
                    ),
                )
                .at(source, 0..0)
                .with_hint("split the device into several profiles"),
            );
        }
    }
    let mut names = BTreeSet::new();
    for item in profile.phones.iter().chain(&profile.security_keys) {
        if !names.insert(item.name.value.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "profile::duplicate-name",
                    format!("the name `{}` is used twice", item.name.value),
                )
                .at(source, spanned_range(source, &item.name))
                .with_label("already used above")
                .with_hint("phones and security keys need distinct names: failures refer to them"),
            );
        }
    }
    let mut biometrics = BTreeSet::new();
    for biometric in &profile.biometrics {
        if !biometrics.insert(biometric.value) {
            diagnostics.push(
                Diagnostic::error(
                    "profile::duplicate-biometric",
                    format!("`{}` is listed twice", biometric.value),
                )
                .at(source, spanned_range(source, biometric))
                .with_hint("list each enrolled biometric once"),
            );
        }
    }
    for method in &profile.user.mfa {
        let (reference, known, kind) = match method {
            MfaMethod::Phone(name) => {
                (name, profile.phone_names().any(|p| p == name.value), "phones")
            }
            MfaMethod::SecurityKey(name) => {
                (name, profile.security_key_names().any(|k| k == name.value), "security_keys")
            }
            MfaMethod::Other => continue,
        };
        if !known {
            diagnostics.push(
                Diagnostic::error(
                    "profile::unknown-reference",
                    format!("`{}` is not listed under `{kind}`", reference.value),
                )
                .at(source, spanned_range(source, reference))
                .with_hint(format!("add it to `{kind}` or fix the name")),
            );
        }
    }
    if profile.is_federated() && profile.identity_provider.domains.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "profile::federated-without-domains",
                "a federated identity provider needs the domains of its sign-in pages",
            )
            .at(source, 0..0)
            .with_hint(
                "add `domains: [sts.example.com]` under `identity_provider`: web sign-in must be \
                 allowed to open them during PIN reset",
            ),
        );
    }
    diagnostics
}

/// Reduces an allowed-URL entry or a domain to its lower-case host name.
pub fn host_of(entry: &str) -> String {
    let trimmed = entry.trim();
    let without_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    let host = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("");
    host.trim_end_matches('.').to_ascii_lowercase()
}
