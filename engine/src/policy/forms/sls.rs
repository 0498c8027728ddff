//! SaltStack `lgpo.set` states (`.sls`): Group Policy keyed by ADMX policy names and element
//! ids, not registry names (issue 13, `SOURCES.md` files 07 and 08). Read only.
//!
//! Both shapes of the state are read: `- name:` / `- setting:` / `- policy_class:` (the name
//! defaults to the state id, as in Salt) and `- computer_policy:` / `- user_policy:` maps of
//! policy name to setting. A setting is `Enabled`, `Disabled`, `Not Configured` or a map of
//! element ids to values. Mapping (`Passport.admx`): `MSPassport_UseDeviceUnlock` elements
//! `_GroupA`, `_GroupB`, `_Plugins`; `MSPassport_UseDynamicLock` element `_Plugins`, and the
//! policy's own value `DynamicLock`: enabling the policy (with elements or `Enabled`) writes
//! its `enabledValue` 1, disabling it 0, although the file never names that value. Both
//! policies are `class="Machine"`: `policy_class: User` is not these settings.
//! Values go through the same checks as every form (placeholders such as `text-placeholder`
//! are refused in `resolve`).

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::{Assignment, FORM_VALUE_BYTES_MAX, FORM_VALUES_MAX, Setting, Value};
use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::yaml::{from_yaml, spanned_range};
use crate::diagnostic::{Diagnostic, SourceFile};

/// A YAML scalar with where it is written.
type Text = Spanned<String>;

/// Whether the file is a Salt state: named `.sls`, or with an `lgpo.set:` line.
pub fn is_sls(source: &SourceFile) -> bool {
    source.name.to_ascii_lowercase().ends_with(".sls")
        || source.text.lines().any(|line| line.trim_start().starts_with("lgpo.set:"))
}

/// A policy's setting: a word (`Enabled`, `Disabled`, `Not Configured`) or element values.
enum SettingArg {
    Word(String),
    Elements(Vec<(Text, Text)>),
}

/// One argument of an `lgpo.set` call (a one-key map in its list).
enum Arg {
    Name(Text),
    Setting(Spanned<SettingArg>),
    Class(Text),
    Policies { user: bool, policies: Vec<(Text, Spanned<SettingArg>)> },
}

/// The `lgpo.set` calls of one state id.
struct StateBody(Vec<Vec<Arg>>);
/// The arguments of one call.
struct Args(Vec<Arg>);
/// One list item of a call: its arguments (none for a plain word such as `set`).
struct ArgItem(Vec<Arg>);
/// A `computer_policy` / `user_policy` map.
struct PolicyMap(Vec<(Text, Spanned<SettingArg>)>);
/// The file: every state id with its calls, in file order.
struct SlsFile(Vec<(Text, Vec<Vec<Arg>>)>);

/// Implements `Deserialize` through a visitor type named `$visitor` expecting `$what`.
macro_rules! visited {
    ($type:ident, $visitor:ident, $what:literal, { $($body:tt)* }) => {
        struct $visitor;
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any($visitor)
            }
        }
        impl<'de> Visitor<'de> for $visitor {
            type Value = $type;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }
            $($body)*
        }
    };
}

visited!(SettingArg, SettingVisitor, "Enabled, Disabled, Not Configured or element values", {
    fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<SettingArg, E> {
        Ok(SettingArg::Word(word.to_string()))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<SettingArg, M::Error> {
        let mut elements = Vec::new();
        while let Some(id) = map.next_key::<Text>()? {
            elements.push((id, map.next_value::<Text>()?));
        }
        Ok(SettingArg::Elements(elements))
    }
});

visited!(PolicyMap, PolicyMapVisitor, "a map of policy names to settings", {
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<PolicyMap, M::Error> {
        let mut policies = Vec::new();
        while let Some(name) = map.next_key::<Text>()? {
            policies.push((name, map.next_value::<Spanned<SettingArg>>()?));
        }
        Ok(PolicyMap(policies))
    }
});

visited!(ArgItem, ArgItemVisitor, "an `lgpo.set` argument", {
    fn visit_str<E: serde::de::Error>(self, _word: &str) -> Result<ArgItem, E> {
        Ok(ArgItem(Vec::new()))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<ArgItem, M::Error> {
        let mut args = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            args.push(match key.as_str() {
                "name" => Arg::Name(map.next_value()?),
                "setting" => Arg::Setting(map.next_value()?),
                "policy_class" => Arg::Class(map.next_value()?),
                "computer_policy" | "user_policy" => Arg::Policies {
                    user: key == "user_policy",
                    policies: map.next_value::<PolicyMap>()?.0,
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            });
        }
        Ok(ArgItem(args))
    }
});

visited!(Args, ArgsVisitor, "a list of `lgpo.set` arguments", {
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Args, S::Error> {
        let mut args = Vec::new();
        while let Some(item) = seq.next_element::<ArgItem>()? {
            args.extend(item.0);
        }
        Ok(Args(args))
    }
});

visited!(StateBody, StateBodyVisitor, "a map of state functions", {
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<StateBody, M::Error> {
        let mut calls = Vec::new();
        while let Some(function) = map.next_key::<String>()? {
            if function == "lgpo.set" || function == "lgpo" {
                calls.push(map.next_value::<Args>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(StateBody(calls))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<StateBody, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(StateBody(Vec::new()))
    }
});

visited!(SlsFile, SlsFileVisitor, "a map of state ids", {
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<SlsFile, M::Error> {
        let mut states = Vec::new();
        while let Some(id) = map.next_key::<Text>()? {
            states.push((id, map.next_value::<StateBody>()?.0));
        }
        Ok(SlsFile(states))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<SlsFile, E> {
        Ok(SlsFile(Vec::new()))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<SlsFile, E> {
        Ok(SlsFile(Vec::new()))
    }
});

/// The assignments the file's `lgpo.set` states make, in file order.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let file = match from_yaml::<SlsFile>(source) {
        Ok(file) => file,
        Err(diagnostics) => return (Vec::new(), diagnostics),
    };
    let mut reader = Reader { source, diagnostics: Vec::new(), assignments: Vec::new() };
    for (id, calls) in &file.0 {
        for call in calls {
            reader.call(id, call);
        }
    }
    if reader.assignments.len() > FORM_VALUES_MAX {
        let at = reader.assignments[FORM_VALUES_MAX].span.clone();
        reader.diagnostics.push(
            Diagnostic::error(
                "forms::too-many-values",
                format!("the states set more than {FORM_VALUES_MAX} values"),
            )
            .at(source, at),
        );
        return (Vec::new(), reader.diagnostics);
    }
    (reader.assignments, reader.diagnostics)
}

/// A policy: its ADMX name, its element ids with their settings, its own on/off value.
type Policy = (&'static str, &'static [(&'static str, Setting)], Option<Setting>);

/// The two policies of `Passport.admx` that hold these settings.
const POLICIES: [Policy; 2] = [
    (
        "MSPassport_UseDeviceUnlock",
        &[
            ("MSPassport_UseDeviceUnlock_GroupA", Setting::GroupA),
            ("MSPassport_UseDeviceUnlock_GroupB", Setting::GroupB),
            ("MSPassport_UseDeviceUnlock_Plugins", Setting::DeviceUnlockPlugins),
        ],
        None,
    ),
    (
        "MSPassport_UseDynamicLock",
        &[("MSPassport_UseDynamicLock_Plugins", Setting::DynamicLockPlugins)],
        Some(Setting::DynamicLock),
    ),
];

struct Reader<'a> {
    source: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    assignments: Vec<Assignment>,
}

impl Reader<'_> {
    fn shape(&mut self, at: &Text, message: String, hint: &str) {
        let span = spanned_range(self.source, at);
        self.diagnostics.push(
            Diagnostic::error("forms::sls-shape", message).at(self.source, span).with_hint(hint),
        );
    }

    /// One call: the `name`/`setting`/`policy_class` form and the policy maps.
    fn call(&mut self, id: &Text, args: &[Arg]) {
        let (mut name, mut setting, mut class) = (None, None, None);
        for arg in args {
            match arg {
                Arg::Name(text) => name = Some(text),
                Arg::Setting(arg) => setting = Some(arg),
                Arg::Class(text) => class = Some(text),
                Arg::Policies { user, policies } => {
                    for (policy, setting) in policies {
                        self.policy(policy, setting, *user);
                    }
                }
            }
        }
        if name.is_none() && setting.is_none() && class.is_none() {
            return;
        }
        let name = name.unwrap_or(id);
        let Some(setting) = setting else {
            let message = format!("the `lgpo.set` state for `{}` has no `setting`", name.value);
            return self.shape(name, message, "add `- setting:` with the element values");
        };
        let Some(class) = class else {
            let message =
                format!("the `lgpo.set` state for `{}` has no `policy_class`", name.value);
            return self.shape(name, message, "add `- policy_class: Machine`");
        };
        match class.value.to_ascii_lowercase().as_str() {
            "machine" | "computer" | "both" => self.policy(name, setting, false),
            "user" => self.policy(name, setting, true),
            other => {
                let message = format!("`{other}` is not a policy class");
                self.shape(class, message, "Machine (HKLM), as these policies are");
            }
        }
    }

    /// One policy's setting, when it is one of ours.
    fn policy(&mut self, name: &Text, setting: &Spanned<SettingArg>, user: bool) {
        let Some(policy) = POLICIES.iter().find(|p| p.0.eq_ignore_ascii_case(&name.value)) else {
            let span = spanned_range(self.source, name);
            let message = format!("`{}` is not one of these policies", name.value);
            self.diagnostics.push(
                Diagnostic::warning("forms::other-setting", message)
                    .at(self.source, span)
                    .with_hint(
                        "the ADMX names are MSPassport_UseDeviceUnlock and \
                        MSPassport_UseDynamicLock",
                    ),
            );
            return;
        };
        if user {
            let span = spanned_range(self.source, name);
            self.diagnostics.push(
                Diagnostic::warning(
                    "forms::look-alike",
                    format!("`{}` as a User policy is not one of these settings", name.value),
                )
                .at(self.source, span)
                .with_hint("Passport.admx defines it with class=\"Machine\": HKLM only"),
            );
            return;
        }
        match &setting.value {
            SettingArg::Word(word) => self.word(policy, name, word, setting),
            SettingArg::Elements(elements) => self.elements(policy, name, elements),
        }
    }

    fn push(&mut self, setting: Setting, value: Value, at: &Text) {
        let span = spanned_range(self.source, at);
        self.assignments.push(Assignment { setting, value, span });
    }

    /// `Enabled`, `Disabled` or `Not Configured`.
    fn word(&mut self, policy: &Policy, name: &Text, word: &str, at: &Spanned<SettingArg>) {
        let (on_off, elements) = match word.to_ascii_lowercase().as_str() {
            "enabled" => (Some(Value::Number(1)), None),
            "disabled" => (Some(Value::Number(0)), Some(Value::Deleted)),
            "not configured" => (Some(Value::Deleted), Some(Value::Deleted)),
            _ => {
                let span = spanned_range(self.source, at);
                self.diagnostics.push(
                    Diagnostic::error("forms::sls-shape", format!("`{word}` is not a setting"))
                        .at(self.source, span)
                        .with_hint(did_you_mean(word, &["Enabled", "Disabled", "Not Configured"])),
                );
                return;
            }
        };
        if let (Some(setting), Some(value)) = (policy.2, on_off) {
            self.push(setting, value, name);
        }
        match elements {
            Some(value) => policy.1.iter().for_each(|(_, s)| self.push(*s, value.clone(), name)),
            None if policy.2.is_none() => {
                let span = spanned_range(self.source, name);
                self.diagnostics.push(
                    Diagnostic::error(
                        "forms::incomplete",
                        format!(
                            "`{}` is Enabled with no element values: GroupA and GroupB are not \
                            set here; unlocksim does not invent them",
                            name.value
                        ),
                    )
                    .at(self.source, span)
                    .with_hint("list the elements under `setting:`"),
                );
            }
            None => {}
        }
    }

    /// Element values: the policy is enabled, each element one setting.
    fn elements(&mut self, policy: &Policy, name: &Text, elements: &[(Text, Text)]) {
        if let Some(setting) = policy.2 {
            self.push(setting, Value::Number(1), name);
        }
        for (id, value) in elements {
            let Some((_, setting)) = policy.1.iter().find(|e| e.0.eq_ignore_ascii_case(&id.value))
            else {
                let ids: Vec<&str> = policy.1.iter().map(|e| e.0).collect();
                let span = spanned_range(self.source, id);
                self.diagnostics.push(
                    Diagnostic::error(
                        "forms::sls-unknown-element",
                        format!("`{}` is not an element of `{}`", id.value, policy.0),
                    )
                    .at(self.source, span)
                    .with_hint(did_you_mean(&id.value, &ids)),
                );
                continue;
            };
            if value.value.len() > FORM_VALUE_BYTES_MAX {
                let span = spanned_range(self.source, value);
                self.diagnostics.push(super::registry::too_long(*setting, self.source, span));
                continue;
            }
            self.push(*setting, Value::Text(value.value.clone()), value);
        }
    }
}
