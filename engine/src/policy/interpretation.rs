//! Named interpretations: the places where Microsoft's documentation is ambiguous.
//!
//! Source: design section 3.6. Each ambiguity is an option with a default (the design's bold
//! choice), so a designer can run a scenario under every combination and see whether a policy's
//! outcome leans on a guess. Evaluation of rules uses `repeated_elements` and `dns_suffix_scope`;
//! the simulator uses `rssi_delta_reference`, `authentication_lock` and
//! `dont_display_last_user_name`.

use serde::{Deserialize, Serialize};

/// When a Bluetooth device counts as "absent" once it was present.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RssiDeltaReference {
    /// Present at RSSI >= rssiMin, absent at RSSI < rssiMin + rssiMaxDelta, unchanged between.
    #[default]
    Hysteresis,
    /// Absent at RSSI < (RSSI when it became present) + rssiMaxDelta.
    UnlockRssi,
    /// Absent at RSSI < (highest RSSI since it became present) + rssiMaxDelta.
    PeakRssi,
    /// Absent at RSSI < rssiMin.
    SingleThreshold,
}

/// How several `ipv4DnsServer`/`ipv6DnsServer`/`dnsSuffix` elements in one signal combine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RepeatedElements {
    /// Every repeated element must match.
    #[default]
    All,
    /// One matching element is enough.
    Any,
}

/// Which DNS suffix a `dnsSuffix` element is compared with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DnsSuffixScope {
    /// Only the computer's primary DNS suffix.
    #[default]
    Primary,
    /// The primary suffix or the adapter's connection-specific suffix.
    PrimaryOrConnection,
}

/// Whether losing an `Authentication` Bluetooth signal also locks an idle PC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AuthenticationLock {
    /// An `Authentication` rule only gates unlocking.
    #[default]
    Off,
    /// Losing the signal locks an idle PC, like Dynamic Lock.
    On,
}

/// What the `DontDisplayLastUserName` security option does to multi-factor unlock at the lock
/// screen, when a policy turns it on (`sign_in: {dont_display_last_user_name: true}`).
///
/// Seed 003 says only that it "is known to interfere with the ability to use multi factor
/// unlock" (design 3.5b); how is not documented. A policy that leaves the option off behaves the
/// same under both values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DontDisplayLastUserName {
    /// The option changes nothing the simulator models (today's behaviour).
    #[default]
    NoEffect,
    /// With the option on and a device-unlock policy, the lock screen shows no user, so no
    /// multi-factor unlock can complete: every Hello unlock attempt at a locked PC is denied
    /// (3520, then 7520 error), and only password or smart card sign-in, where the policy
    /// enables them, gets the user in.
    BlocksMultiFactor,
}

/// One choice for every named interpretation; `Default` is the design's bold defaults.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(default, deny_unknown_fields)]
pub struct Interpretations {
    /// When a phone is judged absent (simulator).
    pub rssi_delta_reference: RssiDeltaReference,
    /// How repeated DNS elements combine (evaluator).
    pub repeated_elements: RepeatedElements,
    /// Which DNS suffix `dnsSuffix` matches (evaluator).
    pub dns_suffix_scope: DnsSuffixScope,
    /// Whether an `Authentication` rule also locks (simulator).
    pub authentication_lock: AuthenticationLock,
    /// What `DontDisplayLastUserName` does to multi-factor unlock (simulator).
    pub dont_display_last_user_name: DontDisplayLastUserName,
}

impl RssiDeltaReference {
    /// Every value, in declaration order.
    pub const ALL: [RssiDeltaReference; 4] = [
        RssiDeltaReference::Hysteresis,
        RssiDeltaReference::UnlockRssi,
        RssiDeltaReference::PeakRssi,
        RssiDeltaReference::SingleThreshold,
    ];

    /// The snake_case name used in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            RssiDeltaReference::Hysteresis => "hysteresis",
            RssiDeltaReference::UnlockRssi => "unlock_rssi",
            RssiDeltaReference::PeakRssi => "peak_rssi",
            RssiDeltaReference::SingleThreshold => "single_threshold",
        }
    }
}

impl RepeatedElements {
    /// Every value, in declaration order.
    pub const ALL: [RepeatedElements; 2] = [RepeatedElements::All, RepeatedElements::Any];

    /// The snake_case name used in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            RepeatedElements::All => "all",
            RepeatedElements::Any => "any",
        }
    }
}

impl DnsSuffixScope {
    /// Every value, in declaration order.
    pub const ALL: [DnsSuffixScope; 2] =
        [DnsSuffixScope::Primary, DnsSuffixScope::PrimaryOrConnection];

    /// The snake_case name used in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            DnsSuffixScope::Primary => "primary",
            DnsSuffixScope::PrimaryOrConnection => "primary_or_connection",
        }
    }
}

impl AuthenticationLock {
    /// Every value, in declaration order.
    pub const ALL: [AuthenticationLock; 2] = [AuthenticationLock::Off, AuthenticationLock::On];

    /// The snake_case name used in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            AuthenticationLock::Off => "off",
            AuthenticationLock::On => "on",
        }
    }
}

impl DontDisplayLastUserName {
    /// Every value, in declaration order.
    pub const ALL: [DontDisplayLastUserName; 2] =
        [DontDisplayLastUserName::NoEffect, DontDisplayLastUserName::BlocksMultiFactor];

    /// The snake_case name used in YAML.
    pub const fn name(self) -> &'static str {
        match self {
            DontDisplayLastUserName::NoEffect => "no_effect",
            DontDisplayLastUserName::BlocksMultiFactor => "blocks_multi_factor",
        }
    }
}

impl Interpretations {
    /// Every combination (4 x 2 x 2 x 2 x 2 = 64), in a fixed order: the defaults first, then
    /// the last field varying fastest in declaration order.
    pub fn all_combinations() -> Vec<Interpretations> {
        let mut out = Vec::with_capacity(64);
        for rssi_delta_reference in RssiDeltaReference::ALL {
            for repeated_elements in RepeatedElements::ALL {
                for dns_suffix_scope in DnsSuffixScope::ALL {
                    for authentication_lock in AuthenticationLock::ALL {
                        for dont_display_last_user_name in DontDisplayLastUserName::ALL {
                            out.push(Interpretations {
                                rssi_delta_reference,
                                repeated_elements,
                                dns_suffix_scope,
                                authentication_lock,
                                dont_display_last_user_name,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// A short label for reports, e.g. `hysteresis/all/primary/off/no_effect`.
    pub fn label(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.rssi_delta_reference.name(),
            self.repeated_elements.name(),
            self.dns_suffix_scope.name(),
            self.authentication_lock.name(),
            self.dont_display_last_user_name.name()
        )
    }
}

/// The names of the interpretations, in [`Interpretations::label`]'s order: the keys of a
/// scenario's `interpretations:` and of `unlocksim run --interpretation KEY=VALUE`.
pub const INTERPRETATION_NAMES: [&str; 5] = [
    "rssi_delta_reference",
    "repeated_elements",
    "dns_suffix_scope",
    "authentication_lock",
    "dont_display_last_user_name",
];

impl Interpretations {
    /// Each interpretation's chosen value, in [`INTERPRETATION_NAMES`]' order.
    pub fn values(&self) -> [&'static str; 5] {
        [
            self.rssi_delta_reference.name(),
            self.repeated_elements.name(),
            self.dns_suffix_scope.name(),
            self.authentication_lock.name(),
            self.dont_display_last_user_name.name(),
        ]
    }

    /// Sets interpretation `name` to `value` (both as written in YAML).
    ///
    /// # Errors
    /// `unknown interpretation `NAME`` with a did-you-mean or the list of names, or the
    /// value's error naming the values allowed.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        if !INTERPRETATION_NAMES.contains(&name) {
            return Err(format!(
                "unknown interpretation `{name}`; {}",
                crate::diagnostic::suggest::did_you_mean(name, &INTERPRETATION_NAMES)
            ));
        }
        let mut object = serde_json::to_value(*self).map_err(|e| e.to_string())?;
        object[name] = serde_json::Value::String(value.to_owned());
        *self = serde_json::from_value(object)
            .map_err(|error| format!("interpretation `{name}`: {error}"))?;
        Ok(())
    }

    /// Every combination (see [`Interpretations::all_combinations`]) that keeps the
    /// interpretations named in `pinned` at their value in `self`.
    pub fn combinations_keeping(&self, pinned: &[String]) -> Vec<Interpretations> {
        let own = self.values();
        Interpretations::all_combinations()
            .into_iter()
            .filter(|combination| {
                let values = combination.values();
                INTERPRETATION_NAMES
                    .iter()
                    .enumerate()
                    .all(|(i, name)| !pinned.iter().any(|p| p == name) || values[i] == own[i])
            })
            .collect()
    }
}

impl std::fmt::Display for Interpretations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_designs_bold_choices() {
        assert_eq!(Interpretations::default().label(), "hysteresis/all/primary/off/no_effect");
    }

    #[test]
    fn combinations_are_distinct_ordered_and_start_with_the_defaults() {
        let all = Interpretations::all_combinations();
        assert_eq!(all.len(), 64);
        assert_eq!(all[0], Interpretations::default());
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), 64);
        assert_eq!(
            all[63].label(),
            "single_threshold/any/primary_or_connection/on/blocks_multi_factor"
        );
    }

    #[test]
    fn yaml_uses_snake_case_and_rejects_unknown_fields() {
        let parsed: Interpretations = serde_saphyr::from_str(
            "rssi_delta_reference: peak_rssi\ndns_suffix_scope: primary_or_connection\n",
        )
        .unwrap();
        assert_eq!(parsed.label(), "peak_rssi/all/primary_or_connection/off/no_effect");
        assert!(serde_saphyr::from_str::<Interpretations>("repeated: any\n").is_err());
    }
}
