//! The sweep YAML format and its expansion into a deterministic, ordered list of runs. Users'
//! reference for every key: `docs/formats/sweep-study.md` (a test keeps it equal to these
//! structs); the commented example is `examples/sweep/study.yaml`.
//!
//! ```yaml
//! name: walk-away-grid
//! scenarios: [../../scenarios/suite/walk-away.yaml]   # relative to this file
//! combine: cartesian            # or zip: the i-th values of every parameter together
//! parameters:                   # in order: the first varies slowest
//!   - name: rssi_min
//!     range: { from: -20, to: 0, step: 5 }
//!   - name: rssi_max_delta
//!     values: [-5, -10, -20]
//! seeds: { first: 1, count: 20 } # or just `seeds: 20` (1..=20)
//! metrics: [time_to_lock_s_p95, false_locks_per_h]   # optional: default every metric
//! far_distance_m: 8             # optional: unlock from afar beyond this distance
//! criteria:                     # optional: what "good" means; a key left out keeps its default
//!   time_to_lock_p95_s_max: 90
//!   false_locks_per_h_max: 0.1
//!   unlock_availability_share_min: 0.95
//!   unlock_from_afar_share_max: 0.01
//! objective: fastest_lock       # or fewest_false_locks, highest_availability,
//!                               # lowest_unlock_from_afar
//! ```
//!
//! Parameters are settings (RSSI thresholds) or robustness dimensions (interpretations,
//! calibration values, conditions): see `docs/sweep.md`. When RSSI thresholds are swept and no
//! point sets them all to Microsoft's default (-10 dB), the plan gets extra points with them at
//! -10 for every combination of robustness values, so that the report can compare.
//!
//! Runs are ordered point by point, then scenario, then seed. That order, not the order in
//! which runs finish, is the order of aggregation.

use std::path::{Path, PathBuf};

use reports::metrics::{Metric, MetricOptions};
use reports::output::ReadError;
use reports::recommend::{Objective, RecommendationCriteria};
use scenarios::params::{MICROSOFT_DEFAULT_RSSI_DB, ParamValue, parameter};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

/// Most runs a sweep may expand to.
pub const SWEEP_RUNS_MAX: u64 = 10_000_000;
/// Most values one range may produce.
pub const RANGE_VALUES_MAX: u64 = 100_000;
/// Farthest "unlock from afar" distance a sweep may ask for (a building's length, generously).
pub const FAR_DISTANCE_M_MAX: f64 = 10_000.0;
/// Largest sweep file read.
pub const SPEC_BYTES_MAX: u64 = 1 << 20;

/// How parameters combine into points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Every combination (the first parameter varies slowest).
    #[default]
    Cartesian,
    /// The i-th values of every parameter form point i; all lists must have the same length.
    Zip,
}

/// An inclusive numeric range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// First value.
    pub from: f64,
    /// Last value (included when a whole number of steps away).
    pub to: f64,
    /// Step, with the sign that leads from `from` to `to`.
    pub step: f64,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// The parameter's name, as the scenario runner understands it (e.g. `rssi_min`), with
    /// where it is written (errors about the parameter point there).
    pub name: Spanned<String>,
    /// Explicit values.
    #[serde(default)]
    pub values: Option<Vec<ParamValue>>,
    /// A numeric range.
    #[serde(default)]
    pub range: Option<Range>,
}

/// Seeds of every point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Seeds {
    /// `seeds: 20`: seeds 1..=20.
    Count(u64),
    /// `seeds: { first: 100, count: 20 }`.
    Range {
        /// First seed.
        first: u64,
        /// How many consecutive seeds.
        count: u64,
    },
}

/// `seeds: 20` or `seeds: {first: 100, count: 20}`, with an error that says so (an untagged
/// enum would only say that no variant matched).
impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Seeds, D::Error> {
        struct SeedsVisitor;
        impl<'de> serde::de::Visitor<'de> for SeedsVisitor {
            type Value = Seeds;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a seed count such as `20`, or `{first: 100, count: 20}`")
            }

            fn visit_u64<E: serde::de::Error>(self, count: u64) -> Result<Seeds, E> {
                Ok(Seeds::Count(count))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Seeds, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Range {
                    first: u64,
                    count: u64,
                }
                let range = Range::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Seeds::Range { first: range.first, count: range.count })
            }
        }
        deserializer.deserialize_any(SeedsVisitor)
    }
}

impl Seeds {
    /// How many seeds, without building the list.
    pub fn count(&self) -> u64 {
        match *self {
            Seeds::Count(count) | Seeds::Range { count, .. } => count,
        }
    }

    /// The seeds, in order.
    pub fn list(&self) -> Vec<u64> {
        let (first, count) = match *self {
            Seeds::Count(count) => (1, count),
            Seeds::Range { first, count } => (first, count),
        };
        (0..count).map(|i| first.saturating_add(i)).collect()
    }
}

/// A sweep file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The sweep's name (also its default output directory name).
    pub name: String,
    /// Base scenario files, relative to the sweep file.
    pub scenarios: Spanned<Vec<Spanned<String>>>,
    /// How parameters combine.
    #[serde(default)]
    pub combine: Combine,
    /// The swept parameters, in order.
    pub parameters: Vec<ParameterSpec>,
    /// Seeds of every point.
    pub seeds: Spanned<Seeds>,
    /// Metrics to report (default: all).
    #[serde(default)]
    pub metrics: Option<Vec<Metric>>,
    /// Unlock attempts with the phone farther than this count as "from afar" (default 8 m).
    #[serde(default)]
    pub far_distance_m: Option<Spanned<f64>>,
    /// The acceptance criteria (default: [`RecommendationCriteria::default`]).
    #[serde(default)]
    pub criteria: Option<Spanned<RecommendationCriteria>>,
    /// The objective among settings that meet the criteria (default `fastest_lock`).
    #[serde(default)]
    pub objective: Objective,
}

impl SweepSpec {
    /// `file:line:column` of parameter `name`'s name in the sweep file `file`.
    pub fn parameter_position(&self, file: &str, name: &str) -> Option<String> {
        self.parameters.iter().find(|p| p.name.value == name).map(|p| position(file, &p.name))
    }
}

/// `file:line:column` of a spanned value.
fn position<T>(file: &str, spanned: &Spanned<T>) -> String {
    format!("{file}:{}:{}", spanned.referenced.line(), spanned.referenced.column())
}

/// A point's parameter values, in the sweep's parameter order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointParams {
    /// Index of the point in the sweep.
    pub index: usize,
    /// (name, value) per parameter.
    pub values: Vec<(String, ParamValue)>,
    /// Not a point of the grid: Microsoft's default setting, run for the comparison.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extra: bool,
}

/// A base scenario: the path as written in the sweep, where it is, and its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRef {
    /// As written in the sweep file.
    pub name: String,
    /// Resolved against the sweep file's directory (not part of the fingerprint).
    #[serde(skip)]
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Every file the scenario names (policy file, the policy's signal rules file, device
    /// profile...), as it names them, with the SHA-256 of its bytes, in the order the loader
    /// reads them: part of the fingerprint, so an edited policy is another sweep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<NamedFile>,
}

/// A file a base scenario names, and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedFile {
    /// As the scenario (or its policy) writes it, relative to the scenario's folder.
    pub name: String,
    /// SHA-256 of the file's bytes, hex; empty when it cannot be read (the sweep then stops
    /// when it loads the scenario, saying why).
    pub sha256: String,
}

/// The files the scenario at `path` (whose bytes are `bytes`) names, each read through `read`
/// and hashed, by loading it the way the runner does (names relative to its folder). A
/// scenario that does not load names the files read before its first problem; its run will
/// report the problem.
fn named_files(
    path: &Path,
    bytes: &[u8],
    read: &dyn Fn(&Path) -> Result<Vec<u8>, String>,
) -> Vec<NamedFile> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Vec::new() };
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files: Vec<NamedFile> = Vec::new();
    let mut read_file = |relative: &str| {
        let read = read(&folder.join(relative));
        let sha256 = read.as_ref().map(|bytes| hex_sha256(bytes)).unwrap_or_default();
        if !files.iter().any(|f| f.name == relative) {
            files.push(NamedFile { name: relative.to_owned(), sha256 });
        }
        let bytes = read?;
        String::from_utf8(bytes).map_err(|_| format!("{relative}: not UTF-8"))
    };
    let _ = scenarios::load_scenario(&path.to_string_lossy(), text, &mut read_file);
    files
}

/// One run: a point, a scenario and a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunKey {
    /// Index of the point.
    pub point_index: usize,
    /// Index of the scenario.
    pub scenario_index: usize,
    /// The seed.
    pub seed: u64,
}

impl RunKey {
    /// The run's result file name.
    pub fn file_name(&self) -> String {
        format!("p{:06}-s{:03}-seed{}.json", self.point_index, self.scenario_index, self.seed)
    }
}

/// A sweep expanded: what to run, in order, and the fingerprint that ties results to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The sweep's name.
    pub name: String,
    /// The sweep file: from the repository root when it is inside it (see
    /// [`super::exec::repo_relative`]), else as given. Not part of the fingerprint.
    pub file: String,
    /// SHA-256 of the sweep file's bytes, hex (shown in the report; not part of the
    /// fingerprint, which covers what the file means, not how it is written).
    #[serde(default)]
    pub study_sha256: String,
    /// Base scenarios.
    pub scenarios: Vec<ScenarioRef>,
    /// Every point, in order.
    pub points: Vec<PointParams>,
    /// Seeds of every point.
    pub seeds: Vec<u64>,
    /// Metrics reported.
    pub metrics: Vec<Metric>,
    /// Metric options.
    pub options: MetricOptions,
    /// The acceptance criteria.
    pub criteria: RecommendationCriteria,
    /// The objective among settings that meet the criteria.
    pub objective: Objective,
    /// The program version that made the results.
    pub program_version: String,
    /// SHA-256 over everything above except the file's path and hash and the seeds: the
    /// sweep's identity. Results (stored per seed) of another identity are never mixed in; the
    /// same study from any path, with more or other seeds, is the same sweep.
    pub fingerprint: String,
}

impl Plan {
    /// Every run, in aggregation order: point, then scenario, then seed.
    pub fn runs(&self) -> Vec<RunKey> {
        let mut runs = Vec::with_capacity(self.runs_count() as usize);
        for point in &self.points {
            for scenario_index in 0..self.scenarios.len() {
                for &seed in &self.seeds {
                    runs.push(RunKey { point_index: point.index, scenario_index, seed });
                }
            }
        }
        runs
    }

    /// How many runs the plan has.
    pub fn runs_count(&self) -> u64 {
        (self.points.len() as u64) * (self.scenarios.len() as u64) * (self.seeds.len() as u64)
    }
}

fn range_values(name: &str, range: &Range) -> Result<Vec<ParamValue>, String> {
    scenarios::params::range_values(name, range.from, range.to, range.step, RANGE_VALUES_MAX)
}

/// The study's criteria, checked: every bound finite and not negative, shares at most 1.
fn criteria(spec: &SweepSpec, file: &str) -> Result<RecommendationCriteria, String> {
    let Some(spanned) = &spec.criteria else { return Ok(RecommendationCriteria::default()) };
    let c = spanned.value;
    let bounds = [
        ("time_to_lock_p95_s_max", c.time_to_lock_p95_s_max, f64::INFINITY),
        ("false_locks_per_h_max", c.false_locks_per_h_max, f64::INFINITY),
        ("unlock_availability_share_min", c.unlock_availability_share_min, 1.0),
        ("unlock_from_afar_share_max", c.unlock_from_afar_share_max, 1.0),
    ];
    for (name, value, max) in bounds {
        if !(value.is_finite() && (0.0..=max).contains(&value)) {
            let range = if max.is_finite() { "0 to 1" } else { "a finite number of at least 0" };
            return Err(format!(
                "{}: criteria: `{name}` must be {range}, not {value}",
                position(file, spanned)
            ));
        }
    }
    Ok(c)
}

/// Extra points for Microsoft's defaults (design 3.1: `rssiMin` and `rssiMaxDelta` -10): when
/// the grid sweeps RSSI settings but has no point with all of them at -10, one point per
/// combination of the robustness values of the grid, with every setting at -10, numbered after
/// the grid.
fn default_points(grid: &[PointParams]) -> Vec<PointParams> {
    let default = ParamValue::Int(MICROSOFT_DEFAULT_RSSI_DB);
    let is_setting = |name: &str| parameter(name).is_some_and(|p| p.kind.is_setting());
    let Some(first) = grid.first() else { return Vec::new() };
    if !first.values.iter().any(|(n, _)| is_setting(n))
        || grid.iter().any(|p| p.values.iter().all(|(n, v)| !is_setting(n) || *v == default))
    {
        return Vec::new();
    }
    let mut extra: Vec<PointParams> = Vec::new();
    for point in grid {
        let values: Vec<(String, ParamValue)> = point
            .values
            .iter()
            .map(|(n, v)| (n.clone(), if is_setting(n) { default.clone() } else { v.clone() }))
            .collect();
        if !extra.iter().any(|p| p.values == values) {
            // Not a loop without bound: at most one extra point per grid point.
            extra.push(PointParams { index: grid.len() + extra.len(), values, extra: true });
        }
    }
    extra
}

/// Parses a sweep file's text.
///
/// `file` names the text in errors, which read `file:line:column: invalid sweep file: ...`,
/// with the loader's hint (e.g. a did-you-mean for an unknown key) after `; `.
/// The YAML parser has the same budget as every other loader
/// ([`engine::diagnostic::yaml::yaml_options`]): bounded nesting, aliases and events.
pub fn parse_spec(file: &str, text: &str) -> Result<SweepSpec, String> {
    let source = engine::SourceFile::new(file, text);
    engine::diagnostic::yaml::from_yaml(&source).map_err(|diagnostics| {
        let lines: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                let at = d.position().unwrap_or_else(|| file.to_owned());
                let hint = d.hint.as_ref().map_or(String::new(), |h| format!("; {h}"));
                format!("{at}: invalid sweep file: {}{hint}", d.message)
            })
            .collect();
        lines.join("\n")
    })
}

/// Longest sweep name, in characters: it names the default output folder.
pub const SWEEP_NAME_CHARS_MAX: usize = 64;

/// A sweep's name is its default output folder (`target/sweep/NAME`): one path component of
/// letters, digits, `.`, `_` and `-`, not `.` or `..`, at most [`SWEEP_NAME_CHARS_MAX`]
/// characters, so a study file can never write outside `target/sweep`.
///
/// # Errors
/// Which rule the name breaks.
pub fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.chars().count() > SWEEP_NAME_CHARS_MAX {
        return Err(format!("the sweep `name` needs 1 to {SWEEP_NAME_CHARS_MAX} characters"));
    }
    if !name.chars().all(allowed) || name == "." || name == ".." {
        return Err(format!(
            "the sweep `name` `{name}` names its output folder: use only letters, digits, `.`, \
            `_` and `-` (no `/`, no `..`)"
        ));
    }
    Ok(())
}

/// Reads a file of at most [`SPEC_BYTES_MAX`] bytes through the shared bounded reader
/// ([`reports::output::read_at_most`]): the sweep file and the scenario files it names.
///
/// # Errors
/// `PATH: REASON` in the sweep's wording (see [`read_error`]).
pub fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    reports::output::read_at_most(path, SPEC_BYTES_MAX).map_err(|error| read_error(path, &error))
}

/// Reads a UTF-8 file of at most [`SPEC_BYTES_MAX`] bytes through
/// [`reports::output::read_bounded`]: the sweep file, its scenarios and the files they name.
///
/// # Errors
/// `PATH: REASON` in the sweep's wording (see [`read_error`]).
pub fn read_text(path: &Path) -> Result<String, String> {
    reports::output::read_bounded(path, SPEC_BYTES_MAX).map_err(|error| read_error(path, &error))
}

/// A refused read in the sweep's wording, which its catalogue snapshots pin: `PATH: REASON`,
/// with a shorter reason than `unlocksim`'s for a file too large (`more than the limit of N
/// bytes`, without the file's length) or not UTF-8 (`not UTF-8 (byte offset N)`).
pub fn read_error(path: &Path, error: &ReadError) -> String {
    let path = path.display();
    match error {
        ReadError::TooLarge { bytes_max, .. } => {
            format!("{path}: more than the limit of {bytes_max} bytes")
        }
        ReadError::NotUtf8 { offset_bytes, .. } => {
            format!("{path}: not UTF-8 (byte offset {offset_bytes})")
        }
        error => format!("{path}: {error}"),
    }
}

/// Reads the sweep file at `path` and expands it: its scenario paths start at its folder, and
/// this program's version goes into the plan's fingerprint. The plan names the file from the
/// repository root (whatever path was typed) and carries its content hash.
pub fn load_plan(path: &Path) -> Result<(SweepSpec, Plan), String> {
    let (text, spec) = load_spec(path)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut plan =
        expand(&spec, &path.to_string_lossy(), base_dir, &read_input, env!("CARGO_PKG_VERSION"))?;
    plan.file = checkout_relative(path);
    plan.study_sha256 = hex_sha256(text.as_bytes());
    Ok((spec, plan))
}

/// `path` from the root of the checkout it is in (the nearest folder above it with
/// `xtask/Cargo.toml`), so that every checkout and node names a study alike; else from this
/// program's repository root, or absolute (see [`super::exec::repo_relative`]).
pub fn checkout_relative(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // Bounded: one step per component of the path.
    for root in absolute.ancestors().skip(1) {
        if root.join("xtask/Cargo.toml").is_file()
            && let Ok(relative) = absolute.strip_prefix(root)
        {
            return relative.to_string_lossy().into_owned();
        }
    }
    super::exec::repo_relative(&absolute)
}

/// Reads and parses the sweep file at `path` (see [`read_text`] and [`parse_spec`]): its text
/// and what it says.
pub fn load_spec(path: &Path) -> Result<(String, SweepSpec), String> {
    let text = read_text(path)?;
    let spec = parse_spec(&path.to_string_lossy(), &text)?;
    Ok((text, spec))
}

/// Expands a sweep into a plan. `file` is the sweep file as given, `base_dir` where its relative
/// scenario paths start, and `read` reads a scenario file (the hash covers its bytes).
pub fn expand(
    spec: &SweepSpec,
    file: &str,
    base_dir: &Path,
    read: &dyn Fn(&Path) -> Result<Vec<u8>, String>,
    program_version: &str,
) -> Result<Plan, String> {
    check_name(&spec.name).map_err(|reason| format!("{file}: {reason}"))?;
    if spec.scenarios.value.is_empty() {
        return Err(format!(
            "{}: a sweep needs at least one scenario",
            position(file, &spec.scenarios)
        ));
    }
    let far_distance_m = match &spec.far_distance_m {
        None => MetricOptions::default().far_distance_m,
        Some(far)
            if far.value.is_finite() && far.value > 0.0 && far.value <= FAR_DISTANCE_M_MAX =>
        {
            far.value
        }
        Some(far) => {
            return Err(format!(
                "{}: far_distance_m must be a distance in metres above 0 and at most \
                {FAR_DISTANCE_M_MAX}, not {}",
                position(file, far),
                far.value
            ));
        }
    };
    let mut lists = Vec::new();
    for p in &spec.parameters {
        let name = &p.name.value;
        let at = spec.parameter_position(file, name).unwrap_or_else(|| file.to_owned());
        let values = match (&p.values, &p.range) {
            (Some(values), None) if !values.is_empty() => values.clone(),
            (None, Some(range)) => range_values(name, range).map_err(|e| format!("{at}: {e}"))?,
            _ => {
                return Err(format!(
                    "{at}: parameter `{name}`: give exactly one of a non-empty `values` or a \
                    `range`"
                ));
            }
        };
        if spec.parameters.iter().filter(|q| q.name.value == *name).count() > 1 {
            let last = spec.parameters.iter().rev().find(|q| q.name.value == *name);
            let at = last.map_or(at, |q| position(file, &q.name));
            return Err(format!("{at}: parameter `{name}` is swept twice"));
        }
        lists.push((name.clone(), values));
    }
    let combos: Vec<Vec<(String, ParamValue)>> = match spec.combine {
        Combine::Zip => {
            let len = lists.first().map_or(1, |(_, v)| v.len());
            if let Some((name, v)) = lists.iter().find(|(_, v)| v.len() != len) {
                let at = spec.parameter_position(file, name).unwrap_or_else(|| file.to_owned());
                return Err(format!(
                    "{at}: combine: zip needs equally long lists; `{name}` has {} values, not \
                    {len}",
                    v.len()
                ));
            }
            (0..len)
                .map(|i| lists.iter().map(|(n, v)| (n.clone(), v[i].clone())).collect())
                .collect()
        }
        Combine::Cartesian => {
            let count: u64 = lists.iter().map(|(_, v)| v.len() as u64).product();
            if count > SWEEP_RUNS_MAX {
                let at =
                    spec.parameters.first().map_or(file.to_owned(), |p| position(file, &p.name));
                return Err(format!(
                    "{at}: the sweep has {count} points, at most {SWEEP_RUNS_MAX}"
                ));
            }
            scenarios::params::cartesian_points(&lists)
        }
    };
    let criteria = criteria(spec, file)?;
    let mut points: Vec<PointParams> = combos
        .into_iter()
        .enumerate()
        .map(|(index, values)| PointParams { index, values, extra: false })
        .collect();
    points.extend(default_points(&points));
    // Check the run count before building any list, so an absurd seed count is an error, not
    // an allocation of its size.
    let runs_count = (points.len() as u64)
        .saturating_mul(spec.scenarios.value.len() as u64)
        .saturating_mul(spec.seeds.value.count());
    if runs_count > SWEEP_RUNS_MAX {
        return Err(format!(
            "{}: the sweep has {runs_count} runs, at most {SWEEP_RUNS_MAX}",
            position(file, &spec.seeds)
        ));
    }
    let seeds = spec.seeds.value.list();
    if seeds.is_empty() {
        return Err(format!("{}: a sweep needs at least one seed", position(file, &spec.seeds)));
    }
    let mut scenarios = Vec::new();
    for spanned in &spec.scenarios.value {
        let name = &spanned.value;
        let path = base_dir.join(name);
        let bytes = read(&path)
            .map_err(|e| format!("{}: scenario `{name}`: {e}", position(file, spanned)))?;
        let sha256 = hex_sha256(&bytes);
        let files = named_files(&path, &bytes, read);
        scenarios.push(ScenarioRef { name: name.clone(), path, sha256, files });
    }
    let mut plan = Plan {
        name: spec.name.clone(),
        file: file.to_string(),
        study_sha256: String::new(),
        scenarios,
        points,
        seeds,
        metrics: spec.metrics.clone().unwrap_or_else(|| Metric::ALL.to_vec()),
        options: MetricOptions { far_distance_m },
        criteria,
        objective: spec.objective,
        program_version: program_version.to_string(),
        fingerprint: String::new(),
    };
    if plan.runs_count() > SWEEP_RUNS_MAX {
        return Err(format!("the sweep has {} runs, at most {SWEEP_RUNS_MAX}", plan.runs_count()));
    }
    plan.fingerprint = fingerprint(&plan);
    Ok(plan)
}

/// The identity of `plan`: SHA-256 of its canonical JSON without file path, file hash, seeds
/// and fingerprint.
pub fn fingerprint(plan: &Plan) -> String {
    let identity = Plan {
        file: String::new(),
        study_sha256: String::new(),
        seeds: Vec::new(),
        fingerprint: String::new(),
        ..plan.clone()
    };
    let canonical = serde_json::to_vec(&identity).expect("plan serialises");
    hex_sha256(&canonical)
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use reports::sweep::param_text;
    use rstest::rstest;

    use super::*;

    fn plan_of(yaml: &str) -> Result<Plan, String> {
        let spec = parse_spec("s.yaml", yaml)?;
        expand(
            &spec,
            "s.yaml",
            Path::new("dir"),
            &|p| Ok(p.to_string_lossy().into_owned().into_bytes()),
            "0.1.0",
        )
    }

    fn describe(plan: &Plan) -> String {
        plan.points
            .iter()
            .map(|p| {
                let values = p.values.iter().map(|(n, v)| format!("{n}={}", param_text(v)));
                values.collect::<Vec<_>>().join(" ")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[rstest]
    #[case::cartesian(
        "name: g\nscenarios: [a.yaml]\nparameters:\n  - {name: a, values: [1, 2]}\n  - {name: b, range: {from: -5, to: -15, step: -5}}\nseeds: 2\n",
        "a=1 b=-5; a=1 b=-10; a=1 b=-15; a=2 b=-5; a=2 b=-10; a=2 b=-15"
    )]
    #[case::zip(
        "name: z\nscenarios: [a.yaml]\ncombine: zip\nparameters:\n  - {name: a, values: [1, 2]}\n  - {name: r, values: [hysteresis, peak_rssi]}\nseeds: 1\n",
        "a=1 r=hysteresis; a=2 r=peak_rssi"
    )]
    #[case::defaults_added(
        "name: d\nscenarios: [a.yaml]\nparameters:\n  - {name: dynamic_lock_rssi_min, values: [-5, -15]}\n  - {name: carry, values: [hand, bag]}\nseeds: 1\n",
        "dynamic_lock_rssi_min=-5 carry=hand; dynamic_lock_rssi_min=-5 carry=bag; \
         dynamic_lock_rssi_min=-15 carry=hand; dynamic_lock_rssi_min=-15 carry=bag; \
         dynamic_lock_rssi_min=-10 carry=hand; dynamic_lock_rssi_min=-10 carry=bag"
    )]
    #[case::defaults_in_the_grid(
        "name: d\nscenarios: [a.yaml]\nparameters:\n  - {name: unlock_rssi_min, values: [-5, -10]}\n  - {name: rssi_delta_reference, values: [hysteresis]}\nseeds: 1\n",
        "unlock_rssi_min=-5 rssi_delta_reference=hysteresis; unlock_rssi_min=-10 rssi_delta_reference=hysteresis"
    )]
    #[case::float_range(
        "name: f\nscenarios: [a.yaml]\nparameters:\n  - {name: x, range: {from: 0, to: 1, step: 0.5}}\nseeds: 1\n",
        "x=0; x=0.5; x=1"
    )]
    fn expansion(#[case] yaml: &str, #[case] expected: &str) {
        assert_eq!(describe(&plan_of(yaml).unwrap()), expected);
    }

    #[rstest]
    #[case::zip_lengths(
        "name: z\nscenarios: [a]\ncombine: zip\nparameters:\n  - {name: a, values: [1, 2]}\n  - {name: b, values: [1]}\nseeds: 1\n",
        "equally long"
    )]
    #[case::wrong_step(
        "name: z\nscenarios: [a]\nparameters:\n  - {name: a, range: {from: 0, to: 10, step: -1}}\nseeds: 1\n",
        "does not lead"
    )]
    #[case::both(
        "name: z\nscenarios: [a]\nparameters:\n  - {name: a, values: [1], range: {from: 0, to: 1, step: 1}}\nseeds: 1\n",
        "exactly one"
    )]
    #[case::no_seeds("name: z\nscenarios: [a]\nparameters: []\nseeds: 0\n", "at least one seed")]
    #[case::no_scenarios(
        "name: z\nscenarios: []\nparameters: []\nseeds: 1\n",
        "at least one scenario"
    )]
    #[case::unknown_key(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\nsedes: 2\n",
        "invalid sweep file"
    )]
    #[case::unknown_metric(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\nmetrics: [speed]\n",
        "invalid sweep file"
    )]
    #[case::unknown_criterion(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\ncriteria:\n  false_lock_per_h_max: 1\n",
        "s.yaml:6:3: invalid sweep file: unknown key `false_lock_per_h_max`; did you mean `false_locks_per_h_max`?"
    )]
    #[case::share_above_one(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\ncriteria: {unlock_availability_share_min: 1.5}\n",
        "s.yaml:5:11: criteria: `unlock_availability_share_min` must be 0 to 1, not 1.5"
    )]
    #[case::negative_bound(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\ncriteria: {time_to_lock_p95_s_max: -1}\n",
        "`time_to_lock_p95_s_max` must be a finite number of at least 0, not -1"
    )]
    #[case::unknown_objective(
        "name: z\nscenarios: [a]\nparameters: []\nseeds: 1\nobjective: fastest\n",
        "s.yaml:5:12: invalid sweep file: unknown value `fastest`; expected one of: fastest_lock,"
    )]
    #[case::twice(
        "name: z\nscenarios: [a]\nparameters:\n  - {name: a, values: [1]}\n  - {name: a, values: [2]}\nseeds: 1\n",
        "swept twice"
    )]
    #[case::too_many(
        "name: z\nscenarios: [a]\nparameters:\n  - {name: a, range: {from: 0, to: 1000000, step: 1}}\nseeds: 1\n",
        "at most"
    )]
    fn rejected(#[case] yaml: &str, #[case] message: &str) {
        let error = plan_of(yaml).unwrap_err();
        assert!(error.contains(message), "{error}");
    }

    /// The study's criteria and objective reach the plan (and its fingerprint); a key left out
    /// keeps its default.
    #[test]
    fn criteria_and_objective_come_from_the_study() {
        let base = "name: c\nscenarios: [a.yaml]\nparameters: []\nseeds: 1\n";
        let plan = plan_of(base).unwrap();
        assert_eq!(plan.criteria, RecommendationCriteria::default());
        assert_eq!(plan.objective, Objective::FastestLock);
        let study = format!(
            "{base}criteria: {{false_locks_per_h_max: 0.5}}\nobjective: highest_availability\n"
        );
        let other = plan_of(&study).unwrap();
        let expected = RecommendationCriteria {
            false_locks_per_h_max: 0.5,
            ..RecommendationCriteria::default()
        };
        assert_eq!(other.criteria, expected);
        assert_eq!(other.objective, Objective::HighestAvailability);
        assert_ne!(plan.fingerprint, other.fingerprint);
    }

    #[test]
    fn runs_are_ordered_point_scenario_seed_and_fingerprinted() {
        let yaml = "name: g\nscenarios: [a.yaml, b.yaml]\nparameters:\n  - {name: a, values: [1, 2]}\nseeds: {first: 7, count: 2}\n";
        let plan = plan_of(yaml).unwrap();
        let runs: Vec<String> = plan.runs().iter().map(RunKey::file_name).collect();
        assert_eq!(
            runs[..5],
            [
                "p000000-s000-seed7.json",
                "p000000-s000-seed8.json",
                "p000000-s001-seed7.json",
                "p000000-s001-seed8.json",
                "p000001-s000-seed7.json",
            ]
        );
        assert_eq!(plan.runs_count(), 8);
        // The seeds are not part of the identity: more seeds extend the same sweep.
        let other = plan_of(&yaml.replace("count: 2", "count: 3")).unwrap();
        assert_eq!(plan.fingerprint, other.fingerprint);
        let other = plan_of(&yaml.replace("values: [1, 2]", "values: [1, 3]")).unwrap();
        assert_ne!(plan.fingerprint, other.fingerprint);
        assert_eq!(plan.fingerprint, plan_of(yaml).unwrap().fingerprint);
    }
}
