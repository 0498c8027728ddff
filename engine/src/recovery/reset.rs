//! Windows Hello for Business PIN reset: who can reset, from where, and at what cost.
//!
//! Source: seed 000 (`docs/model.md`), statement by statement:
//! - `dsregcmd /status` shows `CanReset`: `DestructiveOnly`, or `DestructiveAndNonDestructive`
//!   when nondestructive reset is enabled ([`can_reset`]).
//! - Reset starts from Settings (only once signed in) or from the lock screen with the PIN
//!   credential provider; either way the user authenticates and completes MFA.
//! - Entra hybrid joined: destructive reset needs the domain controllers; with AD FS (certificate
//!   trust, whose registration authority AD FS is, or an AD FS identity provider) it also needs
//!   the federation services. Key trust on hybrid does not support destructive reset above the
//!   lock screen: nondestructive reset must be deployed for lock-screen reset to work.
//! - Entra joined: lock-screen reset uses web sign-in, which shows "We can't open that page right
//!   now" for a domain not in `ConfigureWebSignInAllowedUrls`: the federated provider's domains,
//!   and in Azure US Government `login.microsoftonline.us`.
//! - Lock-screen reset does not work when a self-service password reset lock-screen limitation
//!   matches the device.
//! - Destructive reset deletes the container and needs re-enrolment; nondestructive reset
//!   decrypts the PIN reset protector through the Microsoft PIN reset service and keeps the keys.
//!
//! Choices where the text is silent: both kinds need the internet (Entra ID authentication and
//! MFA); nondestructive reset needs no domain controller; the web sign-in allow-list applies to
//! the lock-screen flow only (the seed ties web sign-in to the lock screen); when nondestructive
//! reset is enabled it is the kind used.

use std::fmt;

use serde::Serialize;

use super::profile::{
    DeviceProfile, IdentityProviderKind, JoinType, TrustModel, US_GOVERNMENT_LOGIN_HOST, host_of,
};

/// The `CanReset` value `dsregcmd /status` shows in its user state section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CanReset {
    /// Only destructive reset is enabled.
    DestructiveOnly,
    /// Nondestructive reset is enabled too.
    DestructiveAndNonDestructive,
}

impl fmt::Display for CanReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CanReset::DestructiveOnly => "DestructiveOnly",
            CanReset::DestructiveAndNonDestructive => "DestructiveAndNonDestructive",
        })
    }
}

/// What `dsregcmd /status` reports for the profile.
pub fn can_reset(profile: &DeviceProfile) -> CanReset {
    if profile.pin_reset.nondestructive {
        CanReset::DestructiveAndNonDestructive
    } else {
        CanReset::DestructiveOnly
    }
}

/// The `CanReset` line as `dsregcmd /status` prints it (names right-aligned in its column).
pub fn dsregcmd_can_reset_line(profile: &DeviceProfile) -> String {
    format!("{:>30} : {}", "CanReset", can_reset(profile))
}

/// Where the user starts the reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetEntry {
    /// Settings > Sign-in options > PIN: only after signing in with another method.
    Settings,
    /// "I forgot my PIN" under the PIN credential provider on the lock screen.
    LockScreen,
}

impl ResetEntry {
    /// The snake_case name used in reports.
    pub const fn name(self) -> &'static str {
        match self {
            ResetEntry::Settings => "settings",
            ResetEntry::LockScreen => "lock_screen",
        }
    }
}

/// Which kind of reset runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetKind {
    /// Deletes the Windows Hello container; the user provisions again.
    Destructive,
    /// Keeps the keys; the PIN reset protector authorises a new PIN.
    Nondestructive,
}

impl ResetKind {
    /// The snake_case name used in reports.
    pub const fn name(self) -> &'static str {
        match self {
            ResetKind::Destructive => "destructive",
            ResetKind::Nondestructive => "nondestructive",
        }
    }

    /// What the reset costs the user.
    pub fn costs(self) -> Vec<ResetCost> {
        match self {
            ResetKind::Destructive => vec![
                ResetCost::ContainerDeleted,
                ResetCost::KeysLost,
                ResetCost::ReEnrolment,
                ResetCost::BiometricsReEnrolment,
            ],
            ResetKind::Nondestructive => Vec::new(),
        }
    }
}

/// One consequence of a destructive reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetCost {
    /// The Windows Hello for Business container is deleted.
    ContainerDeleted,
    /// Data protected only by the old Windows Hello keys cannot be opened any more.
    KeysLost,
    /// Windows Hello for Business is provisioned again (new keys, new PIN).
    ReEnrolment,
    /// Fingerprint and face are enrolled again after the next sign-in.
    BiometricsReEnrolment,
}

impl ResetCost {
    /// The snake_case name used in reports.
    pub const fn name(self) -> &'static str {
        match self {
            ResetCost::ContainerDeleted => "container_deleted",
            ResetCost::KeysLost => "keys_lost",
            ResetCost::ReEnrolment => "re_enrolment",
            ResetCost::BiometricsReEnrolment => "biometrics_re_enrolment",
        }
    }
}

/// The world at the moment of a reset attempt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResetConditions {
    /// Signed in to Windows (required for the Settings entry).
    pub signed_in: bool,
    /// Microsoft Entra ID and the PIN reset service are reachable.
    pub internet_reachable: bool,
    /// The domain controllers are reachable (corporate network).
    pub domain_controllers_reachable: bool,
    /// The federation services (AD FS) are reachable.
    pub federation_services_reachable: bool,
    /// The user knows the account password (primary authentication to Entra ID).
    pub password_known: bool,
    /// The first MFA method the user can complete now, described (`phone:ana-phone`), if any.
    pub mfa_method: Option<String>,
}

/// Why a reset attempt fails. An attempt reports every blocking reason, in this order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "block")]
pub enum ResetBlock {
    /// PIN reset from Settings only works after sign-in.
    NotSignedIn,
    /// A self-service password reset lock-screen limitation matches the device.
    SsprLockScreenLimitation {
        /// The matching limitations, as the profile names them.
        limitations: Vec<String>,
    },
    /// Key trust on hybrid joined devices cannot reset destructively above the lock screen.
    KeyTrustHybridLockScreen,
    /// Web sign-in shows "We can't open that page right now" for a host not allowed.
    WebSignInHostNotAllowed {
        /// The host web sign-in was not allowed to open.
        host: String,
    },
    /// Entra ID cannot be reached for authentication and MFA.
    NoInternet,
    /// The user does not know the account password.
    PasswordUnknown,
    /// No MFA method is available.
    NoMfaMethod,
    /// Hybrid destructive reset needs the domain controllers.
    DomainControllersUnreachable,
    /// AD FS must be reachable for this deployment.
    FederationServicesUnreachable,
}

impl ResetBlock {
    /// A stable snake_case code for tests and machine-readable output.
    pub const fn code(&self) -> &'static str {
        match self {
            ResetBlock::NotSignedIn => "not_signed_in",
            ResetBlock::SsprLockScreenLimitation { .. } => "sspr_lock_screen_limitation",
            ResetBlock::KeyTrustHybridLockScreen => "key_trust_hybrid_lock_screen",
            ResetBlock::WebSignInHostNotAllowed { .. } => "web_sign_in_host_not_allowed",
            ResetBlock::NoInternet => "no_internet",
            ResetBlock::PasswordUnknown => "password_unknown",
            ResetBlock::NoMfaMethod => "no_mfa_method",
            ResetBlock::DomainControllersUnreachable => "domain_controllers_unreachable",
            ResetBlock::FederationServicesUnreachable => "federation_services_unreachable",
        }
    }
}

impl fmt::Display for ResetBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResetBlock::NotSignedIn => {
                f.write_str("PIN reset from Settings only works after sign-in")
            }
            ResetBlock::SsprLockScreenLimitation { limitations } => write!(
                f,
                "lock-screen PIN reset is blocked by self-service password reset limitation(s): {}",
                limitations.join(", ")
            ),
            ResetBlock::KeyTrustHybridLockScreen => f.write_str(
                "key trust on Entra hybrid joined devices does not support destructive PIN reset \
                 above the lock screen (deploy nondestructive reset)",
            ),
            ResetBlock::WebSignInHostNotAllowed { host } => write!(
                f,
                "web sign-in shows \"We can't open that page right now\": `{host}` is not in \
                 ConfigureWebSignInAllowedUrls"
            ),
            ResetBlock::NoInternet => {
                f.write_str("Microsoft Entra ID is unreachable for authentication and MFA")
            }
            ResetBlock::PasswordUnknown => {
                f.write_str("the user cannot authenticate: the password is not known")
            }
            ResetBlock::NoMfaMethod => {
                f.write_str("no multifactor authentication method is available")
            }
            ResetBlock::DomainControllersUnreachable => f.write_str(
                "destructive PIN reset on Entra hybrid joined devices needs the domain controllers",
            ),
            ResetBlock::FederationServicesUnreachable => {
                f.write_str("PIN reset with AD FS needs the federation services")
            }
        }
    }
}

/// A reset that completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetSuccess {
    /// Destructive or nondestructive.
    pub kind: ResetKind,
    /// Settings or the lock screen.
    pub entry: ResetEntry,
    /// The MFA method used.
    pub mfa: String,
    /// What the reset cost (empty for nondestructive).
    pub costs: Vec<ResetCost>,
}

/// The kind of reset the profile uses: nondestructive when enabled.
pub fn reset_kind(profile: &DeviceProfile) -> ResetKind {
    if profile.pin_reset.nondestructive {
        ResetKind::Nondestructive
    } else {
        ResetKind::Destructive
    }
}

/// The hosts web sign-in must be allowed to open for an Entra joined lock-screen reset.
pub fn web_sign_in_required_hosts(profile: &DeviceProfile) -> Vec<String> {
    let mut hosts = Vec::new();
    if profile.identity_provider.kind != IdentityProviderKind::Entra {
        hosts.extend(profile.identity_provider.domains.iter().map(|d| host_of(&d.value)));
    }
    if profile.cloud == super::profile::Cloud::UsGovernment {
        hosts.push(US_GOVERNMENT_LOGIN_HOST.to_owned());
    }
    hosts.dedup();
    hosts
}

/// Whether the deployment needs AD FS reachable for reset (certificate trust or an AD FS
/// identity provider).
pub fn needs_federation_services(profile: &DeviceProfile) -> bool {
    profile.trust == TrustModel::CertificateTrust
        || profile.identity_provider.kind == IdentityProviderKind::Adfs
}

/// Attempts a PIN reset: `Ok` with its kind and costs, or every reason it fails.
pub fn attempt_pin_reset(
    profile: &DeviceProfile,
    conditions: &ResetConditions,
    entry: ResetEntry,
) -> Result<ResetSuccess, Vec<ResetBlock>> {
    let kind = reset_kind(profile);
    let hybrid = profile.join == JoinType::EntraHybridJoined;
    let mut blocks = Vec::new();
    match entry {
        ResetEntry::Settings => {
            if !conditions.signed_in {
                blocks.push(ResetBlock::NotSignedIn);
            }
        }
        ResetEntry::LockScreen => {
            let limitations: Vec<String> = profile
                .pin_reset
                .sspr_lock_screen_limitations
                .iter()
                .map(|l| l.value.clone())
                .collect();
            if !limitations.is_empty() {
                blocks.push(ResetBlock::SsprLockScreenLimitation { limitations });
            }
            if hybrid && profile.trust == TrustModel::KeyTrust && kind == ResetKind::Destructive {
                blocks.push(ResetBlock::KeyTrustHybridLockScreen);
            }
            if profile.join == JoinType::EntraJoined {
                let allowed: Vec<String> = profile
                    .pin_reset
                    .web_sign_in_allowed_urls
                    .iter()
                    .map(|u| host_of(&u.value))
                    .collect();
                for host in web_sign_in_required_hosts(profile) {
                    if !allowed.contains(&host) {
                        blocks.push(ResetBlock::WebSignInHostNotAllowed { host });
                    }
                }
            }
        }
    }
    if !conditions.internet_reachable {
        blocks.push(ResetBlock::NoInternet);
    }
    if !conditions.password_known {
        blocks.push(ResetBlock::PasswordUnknown);
    }
    if conditions.mfa_method.is_none() {
        blocks.push(ResetBlock::NoMfaMethod);
    }
    if hybrid && kind == ResetKind::Destructive {
        if !conditions.domain_controllers_reachable {
            blocks.push(ResetBlock::DomainControllersUnreachable);
        }
        if needs_federation_services(profile) && !conditions.federation_services_reachable {
            blocks.push(ResetBlock::FederationServicesUnreachable);
        }
    }
    if blocks.is_empty() {
        Ok(ResetSuccess {
            kind,
            entry,
            mfa: conditions.mfa_method.clone().unwrap_or_default(),
            costs: kind.costs(),
        })
    } else {
        Err(blocks)
    }
}
