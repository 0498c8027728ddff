//! Registry writes, whatever wrote them (`.reg`, `reg add`, PowerShell): which of them set one
//! of the five settings, and which only look like one.
//!
//! Look-alikes (issue 13, `SOURCES.md` files 05 and 13): `Policies\Microsoft\Windows\System`
//! value `DynamicLock` (a different policy), the per-user `Winlogon\EnableGoodbye` (the Settings
//! toggle, not policy), the non-policy `SOFTWARE\Microsoft\PassportForWork`, and any of our
//! keys under `HKCU`. They are reported, never mapped.

use std::ops::Range;

use super::{Assignment, FORM_VALUE_BYTES_MAX, FORM_VALUES_MAX, REGISTRY_ROOT, Setting, Value};
use crate::diagnostic::{Diagnostic, SourceFile};

/// What a registry write stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Sz(String),
    Dword(u32),
    Delete,
    /// Another type (`REG_MULTI_SZ`, `hex(2):`...), by name.
    Other(String),
}

/// One registry write: a full key (with its hive as written), a value name, the data.
#[derive(Debug, Clone)]
pub struct RegWrite {
    pub key: String,
    pub name: String,
    pub data: Data,
    /// The data's bytes in the source (or the line).
    pub span: Range<usize>,
}

/// The hive of a key as written, and the rest (`HKLM:\X`, `HKEY_LOCAL_MACHINE\X`,
/// `Registry::HKLM\X`).
fn split_hive(key: &str) -> (&str, &str) {
    let key = key.trim().trim_start_matches("Registry::").trim_start_matches("registry::");
    let (hive, rest) = key.split_once('\\').unwrap_or((key, ""));
    (hive.trim_end_matches(':'), rest.trim_matches('\\'))
}

fn is_machine(hive: &str) -> bool {
    hive.eq_ignore_ascii_case("HKLM") || hive.eq_ignore_ascii_case("HKEY_LOCAL_MACHINE")
}

/// Why a key/value looks like one of ours but is not, if it does.
fn look_alike(hive: &str, key: &str, name: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let ours = lower.starts_with(&REGISTRY_ROOT.to_ascii_lowercase());
    if ours && !is_machine(hive) {
        return Some(format!("`{hive}\\{key}` is per-user: the policies are read from HKLM only"));
    }
    if lower.ends_with(r"policies\microsoft\windows\system")
        && name.eq_ignore_ascii_case("DynamicLock")
    {
        return Some(
            "`Policies\\Microsoft\\Windows\\System\\DynamicLock` is not the Dynamic Lock policy \
            (that is `PassportForWork\\DynamicLock\\DynamicLock`)"
                .to_string(),
        );
    }
    if name.eq_ignore_ascii_case("EnableGoodbye") {
        return Some(
            "`Winlogon\\EnableGoodbye` is the per-user Settings toggle for Dynamic Lock, not the \
            policy"
                .to_string(),
        );
    }
    if lower.starts_with(r"software\microsoft\passportforwork") {
        return Some(format!("`{key}` is not under `SOFTWARE\\Policies`: it is not policy"));
    }
    if ours
        && !lower.eq_ignore_ascii_case(REGISTRY_ROOT)
        && Setting::from_registry(key, "Plugins").is_none()
    {
        return Some(format!("`{key}` is not one of the two PassportForWork policy keys"));
    }
    None
}

/// Turns registry writes into assignments of our settings, reporting look-alikes (warnings),
/// wrong types, oversized values and too many writes (errors).
pub fn classify(
    writes: &[RegWrite],
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Assignment> {
    if writes.len() > FORM_VALUES_MAX {
        let at = writes[FORM_VALUES_MAX].span.clone();
        diagnostics.push(
            Diagnostic::error(
                "forms::too-many-values",
                format!("the file writes more than {FORM_VALUES_MAX} registry values"),
            )
            .at(source, at),
        );
        return Vec::new();
    }
    writes.iter().filter_map(|w| assignment(w, source, diagnostics)).collect()
}

fn assignment(
    write: &RegWrite,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Assignment> {
    let (hive, key) = split_hive(&write.key);
    let setting = match Setting::from_registry(key, &write.name).filter(|_| is_machine(hive)) {
        Some(setting) => setting,
        None => {
            if let Some(why) = look_alike(hive, key, &write.name) {
                diagnostics.push(
                    Diagnostic::warning(
                        "forms::look-alike",
                        format!("`{}` is not one of these settings: {why}", write.name),
                    )
                    .at(source, write.span.clone())
                    .with_hint(
                        "ignored; the settings are DeviceUnlock GroupA/GroupB/Plugins and \
                    DynamicLock DynamicLock/Plugins",
                    ),
                );
            }
            return None;
        }
    };
    let value = match (&write.data, setting.is_dword()) {
        (Data::Delete, _) => Value::Deleted,
        (Data::Sz(text), false) => Value::Text(text.clone()),
        (Data::Dword(n), true) => Value::Number(*n),
        (data, _) => {
            let found = match data {
                Data::Sz(_) => "REG_SZ",
                Data::Dword(_) => "REG_DWORD",
                Data::Other(name) => name,
                Data::Delete => "a deletion",
            };
            let wanted = if setting.is_dword() { "REG_DWORD" } else { "REG_SZ" };
            diagnostics.push(
                Diagnostic::error(
                    "forms::wrong-type",
                    format!("`{}` is {found}, but the policy reads {wanted}", setting.path()),
                )
                .at(source, write.span.clone())
                .with_hint(format!("write it as {wanted} (Passport.admx)")),
            );
            return None;
        }
    };
    if matches!(&value, Value::Text(text) if text.len() > FORM_VALUE_BYTES_MAX) {
        diagnostics.push(too_long(setting, source, write.span.clone()));
        return None;
    }
    Some(Assignment { setting, value, span: write.span.clone() })
}

/// A value past [`FORM_VALUE_BYTES_MAX`].
pub fn too_long(setting: Setting, source: &SourceFile, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(
        "forms::value-too-long",
        format!("the value of `{}` is longer than {FORM_VALUE_BYTES_MAX} bytes", setting.path()),
    )
    .at(source, span.start..span.start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        r"HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock",
        "GroupB",
        Some(Setting::GroupB)
    )]
    #[case(
        r"HKEY_LOCAL_MACHINE\software\policies\microsoft\passportforwork\dynamiclock",
        "dynamiclock",
        Some(Setting::DynamicLock)
    )]
    #[case(
        r"HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock",
        "Plugins",
        Some(Setting::DynamicLockPlugins)
    )]
    #[case(
        r"Registry::HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock\",
        "Plugins",
        Some(Setting::DeviceUnlockPlugins)
    )]
    #[case(r"HKCU\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock", "GroupB", None)]
    #[case(r"HKLM\SOFTWARE\Policies\Microsoft\Windows\System", "DynamicLock", None)]
    #[case(r"HKLM\SOFTWARE\Microsoft\PassportForWork\DynamicLock", "DynamicLock", None)]
    #[case(r"HKLM\SOFTWARE\Policies\Microsoft\PassportForWork", "Enabled", None)]
    fn maps_only_the_policy_keys(
        #[case] key: &str,
        #[case] name: &str,
        #[case] want: Option<Setting>,
    ) {
        let source = SourceFile::new("t", "x");
        let write = RegWrite { key: key.into(), name: name.into(), data: Data::Delete, span: 0..1 };
        let mut diagnostics = Vec::new();
        let got = classify(&[write], &source, &mut diagnostics);
        assert_eq!(got.first().map(|a| a.setting), want);
    }
}
