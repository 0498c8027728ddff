//! The policy file (YAML): both unlock policies, loaded and validated with diagnostics.
//!
//! Sources: seed 003 (`docs/model.md`): "Configure unlock factors", "Configure multi-factor
//! unlock"; design section 3.1. [`PolicyDocument`] is the raw serde form (a scenario file embeds it
//! under `policy:`); [`validate_policy`] turns it into a checked [`Policy`]; [`load_policy`]
//! does both from text. The engine does no I/O: the caller reads `signal_rules_file` through a
//! closure.
//!
//! ```yaml
//! device_unlock:
//!   first_factors: [pin, fingerprint, facial_recognition]
//!   second_factors: [trusted_signal, pin]
//!   signal_rules: '<rule schemaVersion="1.0">...</rule>'   # or signal_rules_file: rules.xml
//! dynamic_lock:
//!   enabled: true
//!   signal_rules: |
//!     <rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock"/></rule>
//! sign_in:                            # design 3.5b; every key optional
//!   password: true                    # the password credential provider (default: enabled)
//!   smart_card: true                  # the smart card credential provider (default: enabled)
//!   dont_display_last_user_name: false  # the security option (default: off)
//! ```

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::factors::FactorGroups;
use super::parse::{check_single_line, parse_rules};
use super::provider::{CredentialProvider, SignInProvider};
use super::rules::{RuleSet, SignalScenario};
use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::yaml::{from_yaml, location_offset, relocate, spanned_range};
use crate::diagnostic::{Diagnostic, ReadFile, SourceFile};

/// Most providers accepted in one group.
pub const GROUP_PROVIDERS_MAX: usize = 16;

/// The raw policy document, as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Multi-factor unlock (`PassportForWork/DeviceUnlock`); absent = not configured.
    #[serde(default)]
    pub device_unlock: Option<DeviceUnlockDocument>,
    /// Dynamic Lock (`PassportForWork/DynamicLock`); absent = not configured.
    #[serde(default)]
    pub dynamic_lock: Option<DynamicLockDocument>,
    /// Sign-in outside Windows Hello (design 3.5b); absent = Windows' defaults.
    #[serde(default)]
    pub sign_in: Option<SignInDocument>,
}

/// The raw `sign_in` section (design 3.5b, seeds 000 and 003): every key optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInDocument {
    /// Whether the password credential provider is enabled; absent = enabled.
    #[serde(default)]
    pub password: Option<Spanned<bool>>,
    /// Whether the smart card credential provider is enabled; absent = enabled.
    #[serde(default)]
    pub smart_card: Option<Spanned<bool>>,
    /// The `DontDisplayLastUserName` security option; absent = off.
    #[serde(default)]
    pub dont_display_last_user_name: Option<Spanned<bool>>,
}

/// The raw `device_unlock` section.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceUnlockDocument {
    /// Provider names or GUIDs; absent = PIN, Fingerprint, Facial Recognition.
    #[serde(default)]
    pub first_factors: Option<Spanned<Vec<Spanned<String>>>>,
    /// Provider names or GUIDs; absent = Trusted Signal, PIN.
    #[serde(default)]
    pub second_factors: Option<Spanned<Vec<Spanned<String>>>>,
    /// Trusted-signal rules inline (scenario `Authentication`).
    #[serde(default)]
    pub signal_rules: Option<Spanned<String>>,
    /// Trusted-signal rules in a file, relative to the policy file.
    #[serde(default)]
    pub signal_rules_file: Option<Spanned<String>>,
}

/// The raw `dynamic_lock` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicLockDocument {
    /// Whether Dynamic Lock is on.
    pub enabled: Spanned<bool>,
    /// The Dynamic Lock rule inline (bluetooth, scenario `Dynamic Lock`).
    #[serde(default)]
    pub signal_rules: Option<Spanned<String>>,
    /// The Dynamic Lock rule in a file, relative to the policy file.
    #[serde(default)]
    pub signal_rules_file: Option<Spanned<String>>,
}

/// A validated policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `None` when multi-factor unlock is not configured (ordinary Hello, event 5520).
    pub device_unlock: Option<DeviceUnlockPolicy>,
    /// `None` when Dynamic Lock is not configured.
    pub dynamic_lock: Option<DynamicLockPolicy>,
    /// The sign-in providers outside Windows Hello and `DontDisplayLastUserName`.
    pub sign_in: SignInPolicy,
}

/// Sign-in outside Windows Hello (design 3.5b). Seed 003: with multi-factor unlock "the fall back
/// options are to use passwords or smart cards (both of which could be disabled as needed)".
/// `Default` is a Windows that nobody hardened: both providers enabled, the option off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// The password credential provider is enabled.
    pub password: bool,
    /// The smart card credential provider is enabled.
    pub smart_card: bool,
    /// The `DontDisplayLastUserName` security option is on (seed 003: "known to interfere with
    /// the ability to use multi factor unlock"; its effect in a run is the named interpretation
    /// `dont_display_last_user_name`).
    pub dont_display_last_user_name: bool,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy { password: true, smart_card: true, dont_display_last_user_name: false }
    }
}

impl SignInPolicy {
    /// Whether the policy leaves `provider` enabled.
    pub const fn enables(&self, provider: SignInProvider) -> bool {
        match provider {
            SignInProvider::Password => self.password,
            SignInProvider::SmartCard => self.smart_card,
        }
    }
}

/// Seed 003's caution, quoted by the `policy::dont-display-last-user-name` warning.
pub const DONT_DISPLAY_LAST_USER_NAME_CAUTION: &str = "When the DontDisplayLastUserName security \
    policy is enabled, it is known to interfere with the ability to use multi factor unlock.";

/// Validated multi-factor unlock settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUnlockPolicy {
    pub groups: FactorGroups,
    /// The trusted-signal rules; present whenever the second group lists the trusted signal.
    pub signal_rules: Option<RuleSet>,
}

/// Validated Dynamic Lock settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicLockPolicy {
    pub enabled: bool,
    /// The rules (bluetooth, scenario `Dynamic Lock`); empty only when disabled without rules.
    pub rules: RuleSet,
}

/// Parses and validates a policy file. `read_file` reads a `signal_rules_file` given as
/// written (the caller resolves it relative to the policy file) and returns its text or a
/// reason it could not.
pub fn load_policy(
    source: &SourceFile,
    read_file: &mut ReadFile<'_>,
) -> (Option<Policy>, Vec<Diagnostic>) {
    match from_yaml::<PolicyDocument>(source) {
        Ok(document) => validate_policy(&document, source, read_file),
        Err(diagnostics) => (None, diagnostics),
    }
}

/// Validates a raw document read from `source` (which its spans refer to): provider names,
/// group rules, and the rule XML. Returns the policy when there is no error, and every
/// diagnostic either way.
pub fn validate_policy(
    document: &PolicyDocument,
    source: &SourceFile,
    read_file: &mut ReadFile<'_>,
) -> (Option<Policy>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let device_unlock = document
        .device_unlock
        .as_ref()
        .map(|section| device_unlock(section, source, read_file, &mut diagnostics));
    let dynamic_lock = document
        .dynamic_lock
        .as_ref()
        .map(|section| dynamic_lock(section, source, read_file, &mut diagnostics));
    let sign_in = sign_in(document, source, &mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let policy = match (device_unlock, dynamic_lock) {
        (Some(None), _) | (_, Some(None)) => None,
        (device_unlock, dynamic_lock) if !has_errors => Some(Policy {
            device_unlock: device_unlock.flatten(),
            dynamic_lock: dynamic_lock.flatten(),
            sign_in,
        }),
        _ => None,
    };
    (policy, diagnostics)
}

/// The `sign_in` section with its defaults, and seed 003's caution when `DontDisplayLastUserName`
/// is on together with multi-factor unlock.
fn sign_in(
    document: &PolicyDocument,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> SignInPolicy {
    let defaults = SignInPolicy::default();
    let Some(section) = &document.sign_in else { return defaults };
    let value = |key: &Option<Spanned<bool>>, default| key.as_ref().map_or(default, |k| k.value);
    let policy = SignInPolicy {
        password: value(&section.password, defaults.password),
        smart_card: value(&section.smart_card, defaults.smart_card),
        dont_display_last_user_name: value(
            &section.dont_display_last_user_name,
            defaults.dont_display_last_user_name,
        ),
    };
    if let Some(key) = &section.dont_display_last_user_name
        && key.value
        && document.device_unlock.is_some()
    {
        diagnostics.push(
            Diagnostic::warning(
                "policy::dont-display-last-user-name",
                format!(
                    "DontDisplayLastUserName is on with multi-factor unlock; seed 003: \"{}\"",
                    DONT_DISPLAY_LAST_USER_NAME_CAUTION
                ),
            )
            .at(source, spanned_range(source, key))
            .with_hint(
                "turn it off, or run the scenario with `dont_display_last_user_name: \
                blocks_multi_factor` to see the fallback sign-in it leaves",
            ),
        );
    }
    policy
}

fn device_unlock(
    section: &DeviceUnlockDocument,
    source: &SourceFile,
    read_file: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DeviceUnlockPolicy> {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let first = group(section.first_factors.as_ref(), "first_factors", source, diagnostics)
        .unwrap_or_else(FactorGroups::default_first);
    let second = group(section.second_factors.as_ref(), "second_factors", source, diagnostics)
        .unwrap_or_else(FactorGroups::default_second);
    let groups = FactorGroups { first, second };
    let section_at = |key: &Option<Spanned<Vec<Spanned<String>>>>| {
        key.as_ref().map_or(0..0, |k| spanned_range(source, k))
    };
    let groups_valid = diagnostics.iter().filter(|d| d.is_error()).count() == errors_before;
    if groups_valid {
        check_groups(
            &groups,
            section_at(&section.first_factors),
            section_at(&section.second_factors),
            source,
            diagnostics,
        );
    }

    let rules = rules_from(
        section.signal_rules.as_ref(),
        section.signal_rules_file.as_ref(),
        SignalScenario::Authentication,
        source,
        read_file,
        diagnostics,
    );
    let rules_missing_at = match section_at(&section.second_factors) {
        second if second.is_empty() => section_at(&section.first_factors),
        second => second,
    };
    let uses_signal = groups.second.contains(&CredentialProvider::TrustedSignal);
    match (&rules, uses_signal) {
        (RulesFound::Absent, true) if groups_valid => diagnostics.push(
            Diagnostic::error(
                "policy::missing-rules",
                "the second group lists trusted_signal but no signal rules are given",
            )
            .at(source, rules_missing_at)
            .with_hint(
                "add `signal_rules:` (rule XML) or `signal_rules_file:`, or remove trusted_signal",
            ),
        ),
        (RulesFound::Parsed(_), false) => {
            let at = section
                .signal_rules
                .as_ref()
                .or(section.signal_rules_file.as_ref())
                .map_or(0..0, |s| spanned_range(source, s));
            diagnostics.push(
                Diagnostic::warning(
                    "policy::unused-rules",
                    "signal rules are given but no group lists trusted_signal: they are never \
                    evaluated",
                )
                .at(source, at)
                .with_hint("add trusted_signal to second_factors"),
            );
        }
        _ => {}
    }
    let signal_rules = match rules {
        RulesFound::Parsed(rules) => Some(rules),
        RulesFound::Absent => None,
        RulesFound::Invalid => return None,
    };
    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then_some(DeviceUnlockPolicy { groups, signal_rules })
}

/// One group's providers, or `None` when omitted (the default applies) or invalid (reported).
fn group(
    key: Option<&Spanned<Vec<Spanned<String>>>>,
    name: &str,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<CredentialProvider>> {
    let key = key?;
    if key.value.is_empty() {
        diagnostics.push(
            Diagnostic::error("policy::empty-group", format!("`{name}` is empty"))
                .at(source, spanned_range(source, key))
                .with_hint("list at least one provider, or remove the key to use the default"),
        );
        return None;
    }
    if key.value.len() > GROUP_PROVIDERS_MAX {
        diagnostics.push(
            Diagnostic::error(
                "policy::group-too-long",
                format!("`{name}` lists more than {GROUP_PROVIDERS_MAX} providers"),
            )
            .at(source, spanned_range(source, key)),
        );
        return None;
    }
    let names: Vec<&str> = CredentialProvider::ALL.iter().map(|p| p.name()).collect();
    let mut ok = true;
    let mut providers = Vec::new();
    for entry in &key.value {
        match CredentialProvider::parse(&entry.value) {
            Ok(provider) if providers.contains(&provider) => diagnostics.push(
                Diagnostic::warning(
                    "policy::duplicate-provider",
                    format!("`{provider}` is listed twice in `{name}`"),
                )
                .at(source, spanned_range(source, entry)),
            ),
            Ok(provider) => providers.push(provider),
            Err(_) if let Some(sign_in) = SignInProvider::parse(&entry.value) => {
                ok = false;
                diagnostics.push(sign_in_provider_in_group(sign_in, name, entry, source));
            }
            Err(error) => {
                ok = false;
                diagnostics.push(
                    Diagnostic::error("policy::unknown-provider", error.to_string())
                        .at(source, spanned_range(source, entry))
                        .with_hint(did_you_mean(entry.value.trim(), &names)),
                );
            }
        }
    }
    ok.then_some(providers)
}

/// Seed 003: passwords and smart cards are the fall back, not unlock factors (design 3.5b).
fn sign_in_provider_in_group(
    sign_in: SignInProvider,
    group: &str,
    entry: &Spanned<String>,
    source: &SourceFile,
) -> Diagnostic {
    Diagnostic::error(
        "policy::sign-in-provider-in-group",
        format!(
            "`{sign_in}` is a sign-in provider, not a multi-factor unlock provider: it cannot be \
            in `{group}`"
        ),
    )
    .at(source, spanned_range(source, entry))
    .with_hint(format!(
        "remove it; whether {sign_in} sign-in is enabled is `sign_in: {{ {sign_in}: true|false }}` \
        (seed 003: passwords and smart cards are the fall back)"
    ))
}

/// The seed's group rules and satisfiability.
pub(crate) fn check_groups(
    groups: &FactorGroups,
    first_at: std::ops::Range<usize>,
    second_at: std::ops::Range<usize>,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use CredentialProvider::{Pin, TrustedSignal};
    let first_at = if first_at.is_empty() { second_at.clone() } else { first_at };
    let mut ok = true;
    if !groups.first.contains(&Pin) && !groups.second.contains(&Pin) {
        ok = false;
        diagnostics.push(
            Diagnostic::error("policy::pin-missing", "PIN must be in at least one of the groups")
                .at(source, first_at.clone())
                .with_hint("add pin to first_factors or second_factors (Microsoft requires it)"),
        );
    }
    if groups.first.contains(&TrustedSignal) {
        ok = false;
        diagnostics.push(
            Diagnostic::error(
                "policy::trusted-signal-first",
                "trusted_signal may only be a second unlock factor",
            )
            .at(source, first_at.clone())
            .with_hint(
                "move trusted_signal to second_factors: a trusted signal must be combined with \
                another credential provider",
            ),
        );
    }
    if ok && !groups.is_satisfiable() {
        let why = if groups.first.len() == 1 && groups.second == groups.first {
            format!(
                "the only provider, `{}`, is in both groups, and one credential satisfies only one \
                factor",
                groups.first[0]
            )
        } else {
            "no two different credentials cover both groups (one credential satisfies only one \
            factor)"
                .to_string()
        };
        diagnostics.push(
            Diagnostic::error(
                "policy::unsatisfiable",
                format!("no set of credentials can satisfy this policy: {why}"),
            )
            .at(source, first_at)
            .with_hint(
                "add a different provider to one of the groups, e.g. fingerprint in first_factors",
            ),
        );
    }
}

/// What a `signal_rules`/`signal_rules_file` pair gave.
enum RulesFound {
    Absent,
    Invalid,
    Parsed(RuleSet),
}

fn rules_from(
    inline: Option<&Spanned<String>>,
    file: Option<&Spanned<String>>,
    scenario: SignalScenario,
    source: &SourceFile,
    read_file: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> RulesFound {
    match (inline, file) {
        (None, None) => RulesFound::Absent,
        (Some(_), Some(file)) => {
            diagnostics.push(
                Diagnostic::error(
                    "policy::rules-twice",
                    "both `signal_rules` and `signal_rules_file` are given",
                )
                .at(source, spanned_range(source, file))
                .with_hint("keep one of them"),
            );
            RulesFound::Invalid
        }
        (Some(inline), None) => {
            let embedded =
                SourceFile::new(format!("{} (signal_rules)", source.name), inline.value.as_str());
            let (rules, found) = parse_rules(&embedded, scenario);
            let start = location_offset(source, &inline.referenced);
            diagnostics.extend(relocate(source, start, &embedded, found));
            rules.map_or(RulesFound::Invalid, RulesFound::Parsed)
        }
        (None, Some(file)) => match read_file(&file.value) {
            Ok(text) => {
                let rules_source = SourceFile::new(file.value.clone(), text);
                let (rules, found) = parse_rules(&rules_source, scenario);
                diagnostics.extend(found);
                // The file is what gets pasted into the setting, so it must be one line too.
                diagnostics.extend(check_single_line(&rules_source));
                rules.map_or(RulesFound::Invalid, RulesFound::Parsed)
            }
            Err(reason) => {
                diagnostics.push(
                    Diagnostic::error(
                        "policy::rules-file",
                        format!("cannot read `{}`: {reason}", file.value),
                    )
                    .at(source, spanned_range(source, file))
                    .with_hint("the path is relative to the policy file"),
                );
                RulesFound::Invalid
            }
        },
    }
}

fn dynamic_lock(
    section: &DynamicLockDocument,
    source: &SourceFile,
    read_file: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DynamicLockPolicy> {
    let enabled = section.enabled.value;
    let rules = rules_from(
        section.signal_rules.as_ref(),
        section.signal_rules_file.as_ref(),
        SignalScenario::DynamicLock,
        source,
        read_file,
        diagnostics,
    );
    match rules {
        RulesFound::Parsed(rules) => Some(DynamicLockPolicy { enabled, rules }),
        RulesFound::Invalid => None,
        RulesFound::Absent if enabled => {
            diagnostics.push(
                Diagnostic::error(
                    "policy::missing-rules",
                    "Dynamic Lock is enabled but has no signal rules",
                )
                .at(source, spanned_range(source, &section.enabled))
                .with_hint(
                    "add signal_rules: '<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" \
                    scenario=\"Dynamic Lock\"/></rule>'",
                ),
            );
            None
        }
        RulesFound::Absent => Some(DynamicLockPolicy { enabled, rules: RuleSet::default() }),
    }
}
