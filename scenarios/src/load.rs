//! Loading: YAML text -> [`ScenarioDocument`] -> validated [`Scenario`], or every problem found.
//!
//! The caller does the I/O: it passes the scenario text and a function that reads a file named
//! in the scenario (`policy_file`), resolved relative to the scenario's folder.

use std::collections::BTreeSet;
use std::ops::Range;

use engine::diagnostic::suggest::did_you_mean;
use engine::diagnostic::yaml::{from_yaml_every_unknown_key, spanned_range, yaml_options};
use engine::diagnostic::{Diagnostic, SourceFile};
use engine::policy::{CredentialProvider, SignInProvider};
use engine::time::{SimDuration, SimTime};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};
use sim_devices::geometry::Position;
use sim_devices::world::{AccessPointId, NetworkId, PcId, PhoneId, UserId, WorldConfig};

use crate::format::{KeySet, PlaceOrPosition, ScenarioDocument};
use crate::model::{
    EXPECTATIONS_MAX, PcSetup, SCENARIO_DURATION_MAX, SCENARIO_ENTITIES_MAX, SCENARIO_RUNS_MAX,
    Scenario, TIMELINE_ENTRIES_MAX, TimedAction,
};

mod calibration;
mod expectations;
mod timeline;
mod world_checks;

/// Reads a file named inside a scenario (the path as written), or says why it cannot.
pub use engine::diagnostic::ReadFile;

/// Loads and validates a scenario named `file_name` with contents `text`.
pub fn load_scenario(
    file_name: &str,
    text: &str,
    read_file: &mut ReadFile<'_>,
) -> Result<Scenario, Vec<Diagnostic>> {
    let source = SourceFile::new(file_name, text);
    let document: ScenarioDocument = from_yaml_every_unknown_key(&source)?;
    let mut checker = Checker {
        source: &source,
        diagnostics: Vec::new(),
        ids: Ids::of(&document),
        world: document.world.clone(),
        places: document.places.clone(),
        pcs_with_profile: document
            .windows
            .iter()
            .filter(|(_, w)| w.value.device_profile.is_some())
            .map(|(id, _)| id.clone())
            .collect(),
    };
    let scenario = checker.scenario(document, read_file);
    if checker.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(checker.diagnostics);
    }
    let Some(scenario) = scenario else {
        return Err(checker.diagnostics);
    };
    checker.walls_under_nlos(&scenario.world);
    checker.beyond_fitted_range(&scenario);
    Ok(Scenario { warnings: checker.diagnostics, ..scenario })
}

/// The ids a scenario defines, by kind.
struct Ids {
    pcs: Vec<String>,
    phones: Vec<String>,
    users: Vec<String>,
    access_points: Vec<String>,
    networks: Vec<String>,
    places: Vec<String>,
}

impl Ids {
    fn of(document: &ScenarioDocument) -> Ids {
        Ids {
            pcs: document.world.pcs.keys().cloned().collect(),
            phones: document.world.phones.keys().cloned().collect(),
            users: document.world.users.keys().cloned().collect(),
            access_points: document.world.access_points.keys().cloned().collect(),
            networks: document.world.networks.keys().cloned().collect(),
            places: document.places.keys().cloned().collect(),
        }
    }
}

struct Checker<'a> {
    source: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    ids: Ids,
    /// The world's configuration, which issues the handles actions hold.
    world: WorldConfig,
    places: std::collections::BTreeMap<String, Position>,
    /// PCs whose `windows` entry names a device profile (PIN resets need one).
    pcs_with_profile: BTreeSet<String>,
}

impl Checker<'_> {
    fn error_at(&mut self, code: &str, message: String, span: Range<usize>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::error(code, message).at(self.source, span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Reports an entry that sets several (or none) of the keys of `table` (a format table such
    /// as [`crate::format::ACTIONS`]) of which exactly one is allowed; true when exactly one is.
    /// The hint lists the table's keys after `listed` (`"actions"`), in the table's order.
    fn exactly_one<T>(
        &mut self,
        table: &[(&str, KeySet<T>)],
        entry: &Spanned<T>,
        code: &str,
        what: &str,
        listed: &str,
    ) -> bool {
        let set = table.iter().filter(|(_, is_set)| is_set(&entry.value)).count();
        if set == 1 {
            return true;
        }
        let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
        let span = spanned_range(self.source, entry);
        self.error_at(code, format!("{what}, found {set}"), span).hint =
            Some(format!("{listed}: {}", names.join(", ")));
        false
    }

    /// Reads a file the scenario names (`what`: "policy file"...), as a source shown beside the
    /// scenario; an unreadable file is a diagnostic at the name.
    fn read_beside(
        &mut self,
        file: &Spanned<String>,
        code: &str,
        what: &str,
        read_file: &mut ReadFile<'_>,
    ) -> Option<SourceFile> {
        match read_file(&file.value) {
            Ok(text) => Some(SourceFile::new(self.beside(&file.value), text)),
            Err(reason) => {
                let span = spanned_range(self.source, file);
                self.error_at(code, format!("cannot read {what} `{}`: {reason}", file.value), span);
                None
            }
        }
    }

    /// How to show a file named relative to the scenario: joined to the scenario's folder, with
    /// `dir/../` steps folded, so positions read `scenarios/policies/x.yaml:3:5`.
    fn beside(&self, relative: &str) -> String {
        let base =
            std::path::Path::new(&self.source.name).parent().unwrap_or(std::path::Path::new(""));
        let mut parts: Vec<String> = Vec::new();
        for component in base.join(relative).components() {
            match component {
                std::path::Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                    parts.pop();
                }
                std::path::Component::CurDir => {}
                other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
            }
        }
        parts.join("/")
    }

    /// The span of the first line that starts with `key:` (for values without spans).
    fn key_span(&self, key: &str) -> Range<usize> {
        let pattern = format!("{key}:");
        let mut offset = 0;
        for line in self.source.text.split_inclusive('\n') {
            if line.starts_with(&pattern) {
                return offset..offset + key.len();
            }
            offset += line.len();
        }
        0..0
    }

    /// Checks that `reference` names an id of `kind`; reports a dangling one with a hint.
    fn reference(&mut self, kind: &str, reference: &Spanned<String>) -> bool {
        let candidates: &[String] = match kind {
            "pc" => &self.ids.pcs,
            "phone" => &self.ids.phones,
            "user" => &self.ids.users,
            "access point" => &self.ids.access_points,
            "network" => &self.ids.networks,
            _ => &self.ids.places,
        };
        if candidates.iter().any(|c| c == &reference.value) {
            return true;
        }
        let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let hint = did_you_mean(&reference.value, &names);
        let span = spanned_range(self.source, reference);
        let message = format!("no {kind} is named `{}`", reference.value);
        let diagnostic = Diagnostic::error("scenario::unknown-reference", message)
            .at(self.source, span)
            .with_hint(hint);
        self.diagnostics.push(diagnostic);
        false
    }

    /// The PC `reference` names, or `None` after reporting it.
    fn pc_ref(&mut self, reference: &Spanned<String>) -> Option<PcId> {
        self.reference("pc", reference).then(|| self.world.pc_id(&reference.value)).flatten()
    }

    /// The user `reference` names, or `None` after reporting it.
    fn user_ref(&mut self, reference: &Spanned<String>) -> Option<UserId> {
        self.reference("user", reference).then(|| self.world.user_id(&reference.value)).flatten()
    }

    /// The phone `reference` names, or `None` after reporting it.
    fn phone_ref(&mut self, reference: &Spanned<String>) -> Option<PhoneId> {
        self.reference("phone", reference).then(|| self.world.phone_id(&reference.value)).flatten()
    }

    /// The access point `reference` names, or `None` after reporting it.
    fn access_point_ref(&mut self, reference: &Spanned<String>) -> Option<AccessPointId> {
        let known = self.reference("access point", reference);
        known.then(|| self.world.access_point_id(&reference.value)).flatten()
    }

    /// The network `reference` names, or `None` after reporting it.
    fn network_ref(&mut self, reference: &Spanned<String>) -> Option<NetworkId> {
        let known = self.reference("network", reference);
        known.then(|| self.world.network_id(&reference.value)).flatten()
    }

    /// The whole scenario: header values, the world, the PCs' Windows side, the timeline and
    /// the expectations, each checked; `None` when a list is too long to go on.
    fn scenario(
        &mut self,
        document: ScenarioDocument,
        read_file: &mut ReadFile<'_>,
    ) -> Option<Scenario> {
        self.header(&document);
        self.world_counts(&document);
        self.world_checks(&document.world);
        let pcs = self.pcs(&document, read_file);
        if !self.list_lengths(&document) {
            return None;
        }
        let mut timeline = Vec::new();
        for entry in &document.timeline {
            if let Some(action) = self.action(entry) {
                let at = SimTime::ZERO.saturating_add(entry.value.at);
                timeline.push((TimedAction { at, action }, entry));
            }
        }
        timeline.sort_by_key(|(a, _)| a.at);
        self.pc_carriers(&timeline);
        let timeline = timeline.into_iter().map(|(action, _)| action).collect();
        let expectations = document.expect.iter().filter_map(|e| self.expectation(e)).collect();
        Some(Scenario {
            name: document.name,
            description: document.description,
            file: self.source.name.clone(),
            content_hash: content_hash(&self.source.text),
            seed: document.seed,
            runs: document.runs.value,
            duration: document.duration.value,
            interpretations: document.interpretations,
            pinned_interpretations: pinned_interpretations(&self.source.text),
            repro_flags: String::new(),
            calibration: document.calibration,
            world: document.world,
            pcs,
            timeline,
            expectations,
            warnings: Vec::new(),
        })
    }

    /// `runs`, `duration` and `calibration`.
    fn header(&mut self, document: &ScenarioDocument) {
        let runs = document.runs.value;
        if !(1..=SCENARIO_RUNS_MAX).contains(&runs) {
            let span = spanned_range(self.source, &document.runs);
            let message = format!("`runs` must be 1 to {SCENARIO_RUNS_MAX}, not {runs}");
            self.error_at("scenario::runs", message, span);
        }
        let duration = document.duration.value;
        if duration == SimDuration::ZERO || duration > SCENARIO_DURATION_MAX {
            let span = spanned_range(self.source, &document.duration);
            let message = format!(
                "`duration` must be more than 0s and at most {SCENARIO_DURATION_MAX}, \
                 not {duration}"
            );
            self.error_at("scenario::duration", message, span);
        }
        self.calibration(&document.calibration, &document.world);
    }

    /// At most `SCENARIO_ENTITIES_MAX` entities of each kind.
    fn world_counts(&mut self, document: &ScenarioDocument) {
        let world = &document.world;
        for (kind, count) in [
            ("PCs", world.pcs.len()),
            ("phones", world.phones.len()),
            ("users", world.users.len()),
            ("access points", world.access_points.len()),
            ("networks", world.networks.len()),
        ] {
            if count > SCENARIO_ENTITIES_MAX {
                let span = self.key_span("world");
                let message = format!(
                    "the world has {count} {kind}; at most {SCENARIO_ENTITIES_MAX} are allowed"
                );
                self.error_at("scenario::too-many", message, span);
            }
        }
    }

    /// The timeline and the expectations within their bounds; false (reported) when one is not.
    fn list_lengths(&mut self, document: &ScenarioDocument) -> bool {
        if document.timeline.len() > TIMELINE_ENTRIES_MAX {
            let span = self.key_span("timeline");
            let count = document.timeline.len();
            let message =
                format!("the timeline has {count} entries; at most {TIMELINE_ENTRIES_MAX}");
            self.error_at("scenario::too-many", message, span);
            return false;
        }
        if document.expect.len() > EXPECTATIONS_MAX {
            let span = self.key_span("expect");
            let count = document.expect.len();
            let message = format!("there are {count} expectations; at most {EXPECTATIONS_MAX}");
            self.error_at("scenario::too-many", message, span);
            return false;
        }
        true
    }

    /// Every key of `windows` names a PC of the world.
    fn windows_references(&mut self, document: &ScenarioDocument) {
        for (id, windows) in &document.windows {
            if !document.world.pcs.contains_key(id) {
                let names: Vec<&str> = self.ids.pcs.iter().map(String::as_str).collect();
                let span = spanned_range(self.source, windows);
                let hint = did_you_mean(id, &names);
                self.error_at(
                    "scenario::unknown-reference",
                    format!("`windows` names PC `{id}`, which `world.pcs` does not define"),
                    span,
                )
                .hint = Some(hint);
            }
        }
    }

    /// The Windows side of every PC of the world, in id order, with its policy and device
    /// profile read and checked.
    fn pcs(&mut self, document: &ScenarioDocument, read_file: &mut ReadFile<'_>) -> Vec<PcSetup> {
        self.windows_references(document);
        let mut setups = Vec::new();
        let pcs = document.world.pcs.keys().filter_map(|id| Some((self.world.pc_id(id)?, id)));
        for (pc, id) in pcs.collect::<Vec<_>>() {
            let Some(windows) = document.windows.get(id) else {
                setups.push(PcSetup {
                    id: id.clone(),
                    pc,
                    user: None,
                    policy: None,
                    inactivity_timeout: None,
                    device_profile: None,
                });
                continue;
            };
            let windows = &windows.value;
            let user = self.user_ref(&windows.user);
            let policy = windows
                .policy_file
                .as_ref()
                .and_then(|file| {
                    let source =
                        self.read_beside(file, "scenario::policy-file", "policy file", read_file);
                    source.map(|source| (source, file))
                })
                .and_then(|(policy_source, file)| {
                    // A policy's `signal_rules_file` is relative to the policy file, as it is
                    // for `unlocksim policy`; `read_file` reads relative to the scenario.
                    let folder = std::path::Path::new(&file.value).parent();
                    let folder = folder.unwrap_or(std::path::Path::new(""));
                    let mut beside_policy =
                        |name: &str| read_file(&folder.join(name).to_string_lossy());
                    let (policy, diagnostics) =
                        engine::policy::load_policy(&policy_source, &mut beside_policy);
                    self.diagnostics.extend(diagnostics);
                    policy
                });
            let device_profile = windows
                .device_profile
                .as_ref()
                .and_then(|file| {
                    self.read_beside(file, "scenario::device-profile", "device profile", read_file)
                })
                .and_then(|profile_source| {
                    engine::recovery::load_device_profile(&profile_source)
                        .map_err(|diagnostics| self.diagnostics.extend(diagnostics))
                        .ok()
                });
            setups.push(PcSetup {
                id: id.clone(),
                pc,
                user,
                policy,
                inactivity_timeout: windows.inactivity_timeout,
                device_profile,
            });
        }
        setups
    }

    fn position(&mut self, place: &PlaceOrPosition, at: &Spanned<impl Sized>) -> Option<Position> {
        match place {
            PlaceOrPosition::Position(position) => Some(*position),
            PlaceOrPosition::Place(name) => {
                let reference = Spanned::new(name.clone(), at.referenced, at.defined);
                if self.reference("place", &reference) {
                    self.places.get(name).copied()
                } else {
                    None
                }
            }
        }
    }

    /// The presented names as Hello credentials and sign-in credentials (design 3.5b).
    fn credentials(
        &mut self,
        names: &Spanned<Vec<String>>,
    ) -> Option<(Vec<CredentialProvider>, Vec<SignInProvider>)> {
        let mut out = Vec::new();
        let mut sign_in = Vec::new();
        let mut seen = BTreeSet::new();
        for name in &names.value {
            let name = if name.eq_ignore_ascii_case("face") { "facial_recognition" } else { name };
            match (CredentialProvider::parse(name), SignInProvider::parse(name)) {
                (Err(_), Some(provider)) => {
                    if !sign_in.contains(&provider) {
                        sign_in.push(provider);
                    }
                }
                (Ok(CredentialProvider::TrustedSignal) | Err(_), _) => {
                    let span = spanned_range(self.source, names);
                    self.error_at(
                        "scenario::credential",
                        format!("`{name}` is not a credential a user can present"),
                        span,
                    )
                    .hint = Some(
                        "present pin, fingerprint, facial_recognition (or face), security_key, \
                         password or smart_card; the trusted signal is evaluated from the world"
                            .into(),
                    );
                    return None;
                }
                (Ok(provider), _) => {
                    if seen.insert(provider) {
                        out.push(provider);
                    }
                }
            }
        }
        Some((out, sign_in))
    }

    fn factors(
        &mut self,
        names: &[String],
        at: &Spanned<String>,
    ) -> Option<Vec<CredentialProvider>> {
        let mut out = Vec::new();
        for name in names {
            let name = if name.eq_ignore_ascii_case("face") { "facial_recognition" } else { name };
            match CredentialProvider::parse(name) {
                Ok(provider) => out.push(provider),
                Err(error) => {
                    let span = spanned_range(self.source, at);
                    self.error_at("scenario::credential", error.to_string(), span);
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// The interpretation names that the scenario's `interpretations:` mapping sets, in
/// `INTERPRETATION_NAMES`' order (the text already parsed once, so a second parse succeeds).
fn pinned_interpretations(text: &str) -> Vec<String> {
    use engine::policy::interpretation::INTERPRETATION_NAMES;
    #[derive(serde::Deserialize)]
    struct Keys {
        #[serde(default)]
        interpretations: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
    }
    let keys = serde_saphyr::from_str_with_options::<Keys>(text, yaml_options())
        .map(|keys| keys.interpretations)
        .unwrap_or_default();
    INTERPRETATION_NAMES
        .iter()
        .filter(|name| keys.contains_key(**name))
        .map(|name| (*name).to_owned())
        .collect()
}

/// SHA-256 of the scenario text, all 64 hex characters: recorded in every report, so that a
/// reader can check it against `sha256sum FILE`.
pub fn content_hash(text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
