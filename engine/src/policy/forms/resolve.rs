//! Assignments to a validated [`Policy`]: the last write of each setting wins, a section is
//! configured when one of its values is set, and a section with values missing is incomplete
//! (never completed with invented defaults). Group and rule checks are the policy YAML's.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Assignment, Setting, Value};
use crate::diagnostic::yaml::relocate;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::policy::document::SignInPolicy;
use crate::policy::document::{
    DeviceUnlockPolicy, DynamicLockPolicy, GROUP_PROVIDERS_MAX, Policy, check_groups,
};
use crate::policy::factors::FactorGroups;
use crate::policy::parse::parse_rules;
use crate::policy::provider::CredentialProvider;
use crate::policy::rules::{RuleSet, SignalScenario};

type Latest<'a> = BTreeMap<Setting, &'a Assignment>;

/// The policy the assignments describe, or `None` with errors.
pub fn resolve(
    assignments: &[Assignment],
    source: &SourceFile,
) -> (Option<Policy>, Vec<Diagnostic>) {
    let mut latest: Latest<'_> = BTreeMap::new();
    for assignment in assignments {
        latest.insert(assignment.setting, assignment);
    }
    let mut diagnostics = Vec::new();
    let device_unlock = device_unlock(&latest, source, &mut diagnostics);
    let dynamic_lock = dynamic_lock(&latest, source, &mut diagnostics);
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    // The five PassportForWork values say nothing of password or smart-card sign-in: an
    // imported policy has Windows' own defaults for those (design 3.5b).
    let sign_in = SignInPolicy::default();
    (ok.then_some(Policy { device_unlock, dynamic_lock, sign_in }), diagnostics)
}

/// The set (not deleted) value of a setting.
fn set<'a>(latest: &Latest<'a>, setting: Setting) -> Option<&'a Assignment> {
    latest.get(&setting).copied().filter(|a| a.value != Value::Deleted)
}

fn incomplete(
    section: &str,
    missing: &[Setting],
    at: Range<usize>,
    source: &SourceFile,
) -> Diagnostic {
    let names: Vec<String> = missing.iter().map(|s| format!("`{}`", s.path())).collect();
    Diagnostic::error(
        "forms::incomplete",
        format!(
            "{section} is set only in part: {} not set here (a partial update); unlocksim does \
            not invent the missing values",
            names.join(" and ")
        ),
    )
    .at(source, at)
    .with_hint(
        "import the complete policy, or apply this file onto one: \
        `policy import FILE --onto POLICY.yaml`",
    )
}

fn device_unlock(
    latest: &Latest<'_>,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DeviceUnlockPolicy> {
    let [a, b, plugins] =
        [Setting::GroupA, Setting::GroupB, Setting::DeviceUnlockPlugins].map(|s| set(latest, s));
    let first_set = a.or(b).or(plugins)?;
    let missing: Vec<Setting> = [(Setting::GroupA, a), (Setting::GroupB, b)]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(s, _)| *s)
        .collect();
    if !missing.is_empty() {
        diagnostics.push(incomplete("DeviceUnlock", &missing, first_set.span.clone(), source));
        return None;
    }
    let (a, b) = (a?, b?);
    let errors_before = error_count(diagnostics);
    let first = group(a, source, diagnostics);
    let second = group(b, source, diagnostics);
    let rules = plugins.and_then(|p| rules(p, SignalScenario::Authentication, source, diagnostics));
    let (Some(first), Some(second)) = (first, second) else { return None };
    let groups = FactorGroups { first, second };
    check_groups(&groups, a.span.clone(), b.span.clone(), source, diagnostics);
    let uses_signal = groups.second.contains(&CredentialProvider::TrustedSignal);
    if uses_signal && plugins.is_none() {
        diagnostics.push(
            incomplete("DeviceUnlock", &[Setting::DeviceUnlockPlugins], b.span.clone(), source)
                .with_label("GroupB lists the trusted signal"),
        );
    }
    if let (Some(p), false) = (plugins, uses_signal) {
        diagnostics.push(
            Diagnostic::warning(
                "policy::unused-rules",
                "DeviceUnlock/Plugins is set but GroupB does not list the trusted signal: the \
                rules are never evaluated",
            )
            .at(source, p.span.clone())
            .with_hint(format!("add {} to GroupB", CredentialProvider::TrustedSignal.guid())),
        );
    }
    (error_count(diagnostics) == errors_before)
        .then_some(DeviceUnlockPolicy { groups, signal_rules: rules })
}

fn dynamic_lock(
    latest: &Latest<'_>,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DynamicLockPolicy> {
    let on_off = set(latest, Setting::DynamicLock);
    let plugins = set(latest, Setting::DynamicLockPlugins);
    let Some(on_off) = on_off else {
        let plugins = plugins?;
        diagnostics.push(incomplete(
            "DynamicLock",
            &[Setting::DynamicLock],
            plugins.span.clone(),
            source,
        ));
        return None;
    };
    let enabled = match on_off.value {
        Value::Number(0) => false,
        Value::Number(1) => true,
        Value::Number(n) => {
            diagnostics.push(
                Diagnostic::error(
                    "forms::out-of-range",
                    format!("`DynamicLock/DynamicLock` is {n}; the policy is 1 (on) or 0 (off)"),
                )
                .at(source, on_off.span.clone())
                .with_hint("Passport.admx: enabledValue decimal 1, disabledValue decimal 0"),
            );
            return None;
        }
        _ => return None,
    };
    match plugins {
        Some(p) => rules(p, SignalScenario::DynamicLock, source, diagnostics)
            .map(|rules| DynamicLockPolicy { enabled, rules }),
        None if enabled => {
            diagnostics.push(incomplete(
                "DynamicLock",
                &[Setting::DynamicLockPlugins],
                on_off.span.clone(),
                source,
            ));
            None
        }
        None => Some(DynamicLockPolicy { enabled, rules: RuleSet::default() }),
    }
}

fn error_count(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

fn text(assignment: &Assignment) -> &str {
    match &assignment.value {
        Value::Text(text) => text,
        _ => "",
    }
}

/// Text that stands for a value instead of being one: an unresolved variable, a template
/// placeholder, nothing at all.
fn placeholder(text: &str) -> bool {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    trimmed.is_empty()
        || lower.contains("placeholder")
        || ["...", "todo", "changeme", "<value>", "tbd"].contains(&lower.as_str())
        || trimmed.starts_with('$')
        || (trimmed.starts_with('%') && trimmed.ends_with('%'))
}

fn refuse_placeholder(
    assignment: &Assignment,
    what: &str,
    source: &SourceFile,
) -> Option<Diagnostic> {
    let value = text(assignment);
    placeholder(value).then(|| {
        Diagnostic::error(
            "forms::placeholder",
            format!(
                "`{}` is `{}`, a placeholder, not {what}",
                assignment.setting.path(),
                value.chars().take(40).collect::<String>()
            ),
        )
        .at(source, assignment.span.clone())
        .with_hint("replace it with the real value before importing")
    })
}

/// A group value: braced GUIDs, comma-separated (bare GUIDs warned, names refused).
fn group(
    assignment: &Assignment,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<CredentialProvider>> {
    if let Some(refused) = refuse_placeholder(assignment, "a list of provider GUIDs", source) {
        diagnostics.push(refused);
        return None;
    }
    let value = text(assignment);
    let path = assignment.setting.path();
    let pieces: Vec<(usize, &str)> = value
        .split(',')
        .scan(0, |offset, piece| {
            let at = *offset;
            *offset += piece.len() + 1;
            Some((at, piece))
        })
        .collect();
    if pieces.len() > GROUP_PROVIDERS_MAX {
        diagnostics.push(
            Diagnostic::error(
                "policy::group-too-long",
                format!("`{path}` lists more than {GROUP_PROVIDERS_MAX} providers"),
            )
            .at(source, assignment.span.clone()),
        );
        return None;
    }
    let mut providers = Vec::new();
    let mut ok = true;
    for (offset, piece) in pieces {
        let start = (assignment.span.start + offset).min(assignment.span.end);
        let at = start..(start + piece.len()).min(assignment.span.end.max(start));
        match guid(piece.trim(), &path, source, at.clone(), diagnostics) {
            Some(provider) if providers.contains(&provider) => diagnostics.push(
                Diagnostic::warning(
                    "policy::duplicate-provider",
                    format!("`{provider}` is listed twice in `{path}`"),
                )
                .at(source, at),
            ),
            Some(provider) => providers.push(provider),
            None => ok = false,
        }
    }
    ok.then_some(providers)
}

fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() }
        })
}

/// One group entry: `{GUID}` (or a bare GUID, with a warning) of a supported provider.
fn guid(
    entry: &str,
    path: &str,
    source: &SourceFile,
    at: Range<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CredentialProvider> {
    let inner = entry.strip_prefix('{').and_then(|e| e.strip_suffix('}'));
    let bare = inner.is_none() && is_guid(entry);
    let Some(inner) = inner.or(bare.then_some(entry)).filter(|g| is_guid(g)) else {
        diagnostics.push(
            Diagnostic::error(
                "forms::bad-group",
                format!(
                    "`{}` in `{path}` is not a provider GUID",
                    entry.chars().take(40).collect::<String>()
                ),
            )
            .at(source, at)
            .with_hint(
                "write braced GUIDs separated by commas, e.g. \
                {D6886603-9D2F-4EB2-B667-1971041FA96B}",
            ),
        );
        return None;
    };
    let Ok(provider) = CredentialProvider::parse(inner) else {
        diagnostics.push(
            Diagnostic::error(
                "forms::unknown-provider",
                format!(
                    "`{entry}` in `{path}` is not a credential provider multi-factor unlock \
                    supports"
                ),
            )
            .at(source, at)
            .with_hint(
                "only the Microsoft providers PIN, Fingerprint, Facial Recognition, Trusted Signal \
                and FIDO2 security key",
            ),
        );
        return None;
    };
    if bare {
        diagnostics.push(
            Diagnostic::warning("forms::bare-guid", format!("`{entry}` in `{path}` has no braces"))
                .at(source, at)
                .with_hint(format!(
                    "the CSP's allowed-values pattern has them: write {}",
                    provider.guid()
                )),
        );
    }
    Some(provider)
}

/// A Plugins value: rule XML, compared as parsed XML (leading and trailing spaces from the
/// ADML's CDATA default are insignificant).
fn rules(
    assignment: &Assignment,
    scenario: SignalScenario,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<RuleSet> {
    if let Some(refused) = refuse_placeholder(assignment, "rule XML", source) {
        diagnostics.push(refused);
        return None;
    }
    let name = format!("{} ({})", source.name, assignment.setting.path());
    let embedded = SourceFile::new(name, text(assignment));
    let (rules, found) = parse_rules(&embedded, scenario);
    diagnostics.extend(relocate(source, assignment.span.start, &embedded, found));
    rules
}
