//! The forms an administrator holds a policy in: Intune CSP rows, Group Policy registry values
//! (a `.reg` file), `reg add` / PowerShell scripts and an Intune JSON export; Policy Analyzer
//! `.PolicyRules` exports of a GPO and SaltStack `lgpo.set` states (`.sls`) are read too. Text
//! in, a [`Policy`] and diagnostics out ([`read_form`]); a [`Policy`] in, paste-ready text out
//! ([`export`]). `read_form(export(p, form)) == p` for every form.
//!
//! Sources (facts relied on, by name):
//! - PassportForWork CSP: `./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/GroupA`,
//!   `GroupB`, `Plugins` (chr) and `DynamicLock/DynamicLock` (bool), `DynamicLock/Plugins`
//!   (chr); the GroupA/GroupB allowed-values pattern writes GUIDs with braces, comma-separated.
//! - `Passport.admx`, policies `MSPassport_UseDeviceUnlock` (key
//!   `SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock`, text elements `GroupA`,
//!   `GroupB`, `Plugins`, no policy-level value: no on/off value exists) and
//!   `MSPassport_UseDynamicLock` (key `...\PassportForWork\DynamicLock`, value `DynamicLock`,
//!   enabled = decimal 1, disabled = decimal 0, text element `Plugins`).
//! - `Passport.adml`: the GPMC defaults sit in CDATA followed by a space, so real values carry a
//!   leading or trailing space; rules are compared as parsed XML.
//!
//! Never invented: a form that sets only some values of a setting (a partial update, e.g. only
//! `GroupB`) is reported incomplete unless merged onto a base policy ([`read_form_onto`]).

mod csp;
mod json;
mod policy_rules;
mod reg;
mod registry;
mod resolve;
mod script;
mod sls;
mod text;
mod yaml;

use std::ops::Range;

pub use text::decode_text;
pub use yaml::policy_yaml;

use super::document::Policy;
use super::format::format_single_line;
use crate::diagnostic::{Diagnostic, SourceFile};

/// Most values (registry writes, CSP rows, JSON settings) read from one file; more is not an
/// administrator's policy but a generated or hostile file.
pub const FORM_VALUES_MAX: usize = 1024;
/// Longest single value read, in bytes: the rule XML bound
/// ([`RULES_BYTES_MAX`](super::parse::RULES_BYTES_MAX)).
pub const FORM_VALUE_BYTES_MAX: usize = super::parse::RULES_BYTES_MAX;

/// The registry root of every setting (machine policy, `HKLM`).
pub const REGISTRY_ROOT: &str = r"SOFTWARE\Policies\Microsoft\PassportForWork";
/// The CSP node every OMA-URI starts with.
pub const OMA_URI_ROOT: &str = "./Device/Vendor/MSFT/PassportForWork";

/// One of the five values behind the two policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    /// `DeviceUnlock/GroupA`: first unlock factors (REG_SZ, braced GUIDs, comma-separated).
    GroupA,
    /// `DeviceUnlock/GroupB`: second unlock factors.
    GroupB,
    /// `DeviceUnlock/Plugins`: the trusted-signal rules (scenario `Authentication`).
    DeviceUnlockPlugins,
    /// `DynamicLock/DynamicLock`: on (1) or off (0), REG_DWORD; a bool in the CSP.
    DynamicLock,
    /// `DynamicLock/Plugins`: the Dynamic Lock rule (scenario `Dynamic Lock`).
    DynamicLockPlugins,
}

impl Setting {
    /// The five, in the order every export writes them.
    pub const ALL: [Setting; 5] = [
        Setting::GroupA,
        Setting::GroupB,
        Setting::DeviceUnlockPlugins,
        Setting::DynamicLock,
        Setting::DynamicLockPlugins,
    ];

    /// `DeviceUnlock` or `DynamicLock`: the registry subkey and the CSP node.
    pub const fn node(self) -> &'static str {
        match self {
            Setting::GroupA | Setting::GroupB | Setting::DeviceUnlockPlugins => "DeviceUnlock",
            Setting::DynamicLock | Setting::DynamicLockPlugins => "DynamicLock",
        }
    }

    /// The registry value name (and the last CSP path segment).
    pub const fn value_name(self) -> &'static str {
        match self {
            Setting::GroupA => "GroupA",
            Setting::GroupB => "GroupB",
            Setting::DeviceUnlockPlugins | Setting::DynamicLockPlugins => "Plugins",
            Setting::DynamicLock => "DynamicLock",
        }
    }

    /// `DeviceUnlock/GroupA` and so on: how diagnostics name the setting.
    pub fn path(self) -> String {
        format!("{}/{}", self.node(), self.value_name())
    }

    /// The registry key under `HKLM`, without the hive.
    pub fn registry_key(self) -> String {
        format!(r"{REGISTRY_ROOT}\{}", self.node())
    }

    /// The full OMA-URI of the CSP node.
    pub fn oma_uri(self) -> String {
        format!("{OMA_URI_ROOT}/{}", self.path())
    }

    /// Whether the value is a number (REG_DWORD, CSP bool) rather than a string.
    pub const fn is_dword(self) -> bool {
        matches!(self, Setting::DynamicLock)
    }

    /// The setting a registry key and value name hold, when they are one of ours
    /// (case-insensitive, as the registry compares; `key` without hive).
    pub fn from_registry(key: &str, name: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| {
            s.registry_key().eq_ignore_ascii_case(key) && s.value_name().eq_ignore_ascii_case(name)
        })
    }
}

/// A value a form writes into a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// REG_SZ, CSP chr: written as is (not trimmed).
    Text(String),
    /// REG_DWORD, CSP bool or int.
    Number(u32),
    /// Removed (`reg delete`, `"Name"=-`, `$null`): the setting is not configured.
    Deleted,
}

/// One write of a setting found in a file, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub setting: Setting,
    pub value: Value,
    /// The value's bytes in the source (or the line when the value has no text of its own).
    pub span: Range<usize>,
}

/// The forms `export` writes and `read_form` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Intune custom OMA-URI rows: `OMA-URI:`, `Data type:`, `Value:` blocks.
    Csp,
    /// Group Policy registry values as a `.reg` file (`Windows Registry Editor Version 5.00`).
    Gpo,
    /// A `reg add` script (read: `reg add`/`reg delete` and PowerShell
    /// `Set-ItemProperty`/`New-ItemProperty`/`Remove-ItemProperty` lines).
    Script,
    /// An Intune `windows10CustomConfiguration` with `omaSettings` (Microsoft Graph).
    Json,
}

impl Form {
    /// Which form a text is in, from its first meaningful line.
    pub fn detect(text: &str) -> Form {
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        let lower = first.to_ascii_lowercase();
        if lower.starts_with("windows registry editor") || lower.starts_with("regedit4") {
            Form::Gpo
        } else if first.starts_with('{') || first.starts_with('[') {
            Form::Json
        } else if lower.starts_with("oma-uri:") {
            Form::Csp
        } else {
            Form::Script
        }
    }
}

/// Reads a policy from a form (detected from the text) and validates it like a policy YAML.
/// Returns the policy when there is no error, and every diagnostic either way.
pub fn read_form(source: &SourceFile) -> (Option<Policy>, Vec<Diagnostic>) {
    read_form_onto(source, None)
}

/// [`read_form`], with the settings the file does not write taken from `base` (a partial update
/// applied to a known policy). Later writes of a setting replace earlier ones.
pub fn read_form_onto(
    source: &SourceFile,
    base: Option<&Policy>,
) -> (Option<Policy>, Vec<Diagnostic>) {
    let (assignments, mut diagnostics) = assignments(source);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, diagnostics);
    }
    let mut all: Vec<Assignment> = base
        .map(|policy| {
            policy_values(policy)
                .into_iter()
                .map(|(setting, value)| Assignment { setting, value, span: 0..0 })
                .collect()
        })
        .unwrap_or_default();
    let from_file = assignments.len();
    all.extend(assignments);
    if from_file == 0 {
        diagnostics.push(
            Diagnostic::warning(
                "forms::no-settings",
                "the file writes none of the five DeviceUnlock/DynamicLock policy values",
            )
            .at(source, 0..0)
            .with_hint(format!(
                "the values live under HKLM\\{REGISTRY_ROOT}\\DeviceUnlock and \\DynamicLock"
            )),
        );
    }
    let (policy, found) = resolve::resolve(&all, source);
    diagnostics.extend(found);
    (policy.filter(|_| !diagnostics.iter().any(Diagnostic::is_error)), diagnostics)
}

/// Every write of one of the five settings in the file, in file order.
fn assignments(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    if policy_rules::is_policy_rules(&source.text) {
        return policy_rules::read(source);
    }
    if sls::is_sls(source) {
        return sls::read(source);
    }
    match Form::detect(&source.text) {
        Form::Csp => csp::read(source),
        Form::Gpo => reg::read(source),
        Form::Script => script::read(source),
        Form::Json => json::read(source),
    }
}

/// The values a policy sets, in [`Setting::ALL`] order: groups braced and comma-separated,
/// rules on one line. A section that is not configured writes nothing.
pub fn policy_values(policy: &Policy) -> Vec<(Setting, Value)> {
    let mut values = Vec::new();
    if let Some(unlock) = &policy.device_unlock {
        let group = |providers: &[super::CredentialProvider]| {
            providers.iter().map(|p| p.guid()).collect::<Vec<_>>().join(",")
        };
        values.push((Setting::GroupA, Value::Text(group(&unlock.groups.first))));
        values.push((Setting::GroupB, Value::Text(group(&unlock.groups.second))));
        if let Some(rules) = &unlock.signal_rules {
            values.push((Setting::DeviceUnlockPlugins, Value::Text(format_single_line(rules))));
        }
    }
    if let Some(lock) = &policy.dynamic_lock {
        values.push((Setting::DynamicLock, Value::Number(u32::from(lock.enabled))));
        if !lock.rules.rules.is_empty() {
            values
                .push((Setting::DynamicLockPlugins, Value::Text(format_single_line(&lock.rules))));
        }
    }
    values
}

/// Where an administrator sets the password and smart-card credential providers: the "Exclude
/// credential providers" policy (System > Logon), a list of provider CLSIDs. Sources: the
/// policy's ADMX definition (`ExcludedCredentialProviders`, REG_SZ under
/// `Software\Microsoft\Windows\CurrentVersion\Policies\System`) and the Policy CSP's
/// `ADMX_CredentialProviders/ExcludedCredentialProviders`; the CLSIDs are the Password and
/// Smartcard credential providers' as Windows registers them.
const EXCLUDED_PROVIDERS_HINT: &str = "set it with the \"Exclude credential providers\" policy \
    (System > Logon; `HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System` \
    `ExcludedCredentialProviders`, REG_SZ; Intune \
    `./Device/Vendor/MSFT/Policy/Config/ADMX_CredentialProviders/ExcludedCredentialProviders`): \
    password {60b78e88-ead8-445c-9cfd-0b87f74ea6cd}, smart card \
    {8FD7E19C-3BF7-489B-A72C-846AB3678C96}";

/// Where an administrator sets `DontDisplayLastUserName`: the security option "Interactive
/// logon: Don't display last signed-in" (registry value and Policy CSP
/// `LocalPoliciesSecurityOptions/InteractiveLogon_DoNotDisplayLastSignedIn`).
const DONT_DISPLAY_LAST_USER_NAME_HINT: &str = "set it with the security option \"Interactive \
    logon: Don't display last signed-in\" (`HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\\
    Policies\\System` `DontDisplayLastUserName`, REG_DWORD 1; Intune \
    `./Device/Vendor/MSFT/Policy/Config/LocalPoliciesSecurityOptions/\
    InteractiveLogon_DoNotDisplayLastSignedIn`)";

/// A warning for each `sign_in` setting that differs from Windows' default: none of them is one
/// of the five PassportForWork values, so no export carries them (design 3.5b). The hint names
/// the setting an administrator uses instead.
pub fn not_exported(policy: &Policy) -> Vec<Diagnostic> {
    let sign_in = &policy.sign_in;
    let defaults = super::document::SignInPolicy::default();
    [
        ("password", sign_in.password, defaults.password, EXCLUDED_PROVIDERS_HINT),
        ("smart_card", sign_in.smart_card, defaults.smart_card, EXCLUDED_PROVIDERS_HINT),
        (
            "dont_display_last_user_name",
            sign_in.dont_display_last_user_name,
            defaults.dont_display_last_user_name,
            DONT_DISPLAY_LAST_USER_NAME_HINT,
        ),
    ]
    .into_iter()
    .filter(|(_, value, default, _)| value != default)
    .map(|(name, value, _, hint)| {
        Diagnostic::warning(
            "forms::sign-in-not-exported",
            format!(
                "`sign_in.{name}: {value}` is not one of the five PassportForWork values and is \
                not in the export"
            ),
        )
        .with_hint(hint)
    })
    .collect()
}

/// The policy in one form, ready to paste or import.
pub fn export(policy: &Policy, form: Form) -> String {
    let values = policy_values(policy);
    match form {
        Form::Csp => csp::write(&values),
        Form::Gpo => reg::write(&values),
        Form::Script => script::write(&values),
        Form::Json => json::write(&values),
    }
}
