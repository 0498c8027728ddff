//! `unlocksim run`'s arguments resolved once, before anything runs (ripgrep's step from
//! `LowArgs` to `HiArgs`): the scenario files are collected and loaded, every problem in them is
//! reported, and the seeds, runs, mode and outputs are decided. [`crate::run_cmd::run`] then
//! only routes the plan and prints.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use engine::diagnostic::render_all;
use reports::sweep::param_text;
use scenarios::params::ParamValue;
use scenarios::{RunOptions, Scenario};

use crate::input::read_input;
use crate::run_cmd::{InterpretationMode, RunArgs};

/// Most scenario files one invocation reads.
pub const SCENARIO_FILES_MAX: usize = 10_000;
/// Thread counts of the two passes of `--check-determinism`.
const DETERMINISM_THREADS: [usize; 2] = [1, 4];

/// Everything `unlocksim run` will do, decided from its arguments.
#[derive(Debug)]
pub struct RunPlan {
    /// Every scenario, loaded and valid, in the order of the paths (folders sorted by name).
    pub scenarios: Vec<Scenario>,
    /// Seed and run-count overrides, and whether runs keep their polls (only `--report` reads
    /// them).
    pub options: RunOptions,
    /// Judge the expectations, or check that runs are reproducible.
    pub mode: Mode,
}

/// What the runs are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Judge every scenario's expectations and write the outputs asked for.
    Judge(JudgePlan),
    /// Run every seed on pools of the two `threads` counts and compare the trace hashes.
    CheckDeterminism { threads: [usize; 2] },
    /// `--list`: print the scenarios and run nothing.
    List,
}

/// How scenarios are judged and where the results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgePlan {
    /// Run every combination of interpretations (`--interpretations all`) instead of the
    /// scenario's own.
    pub all_interpretations: bool,
    /// `--trace-dir`: the folder of the JSON Lines trace files.
    pub trace_dir: Option<PathBuf>,
    /// `--report`: the folder of the HTML and text timelines.
    pub report_dir: Option<PathBuf>,
    /// `--junit`: the JUnit XML file.
    pub junit_file: Option<PathBuf>,
    /// `--json`: one JSON document on stdout instead of the summary.
    pub json: bool,
    /// `--fail-fast`: stop after the first scenario that fails.
    pub fail_fast: bool,
}

/// Why no plan could be made: nothing runs, and the exit code is 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A path could not be read, or there are too many files.
    Paths(String),
    /// The paths hold no scenario file.
    NoFiles,
    /// Some scenario files are unreadable or invalid: every problem, rendered.
    Invalid(String),
    /// A `--set NAME=VALUE` is malformed, names no parameter or has a value a scenario cannot
    /// take.
    Set(String),
}

impl fmt::Display for PlanError {
    /// The text for stderr, without a final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Paths(reason) => write!(f, "error: {reason}"),
            PlanError::NoFiles => {
                write!(f, "error: no scenario files (*.yaml, *.yml) under the given paths")
            }
            PlanError::Invalid(report) => {
                write!(f, "{report}error: invalid input; nothing was run")
            }
            PlanError::Set(reason) => write!(f, "error: {reason}; nothing was run"),
        }
    }
}

impl RunPlan {
    /// Collects and loads the scenario files `args` name (default: the bundled suite) and
    /// decides everything else.
    ///
    /// # Errors
    /// [`PlanError`], after every file was read and every problem gathered.
    pub fn resolve(args: RunArgs) -> Result<RunPlan, PlanError> {
        let last_failed = if args.rerun_failed { read_last_failed()? } else { None };
        let paths = match (&last_failed, args.paths.is_empty()) {
            // `--rerun-failed` alone reruns the recorded files, wherever they are.
            (Some(failed), true) if !failed.is_empty() => {
                failed.iter().map(PathBuf::from).collect()
            }
            (_, true) => vec![default_suite()],
            (_, false) => args.paths,
        };
        let files = collect_files(&paths).map_err(PlanError::Paths)?;
        if files.is_empty() {
            return Err(PlanError::NoFiles);
        }
        let overrides = parse_overrides(&args.set).map_err(PlanError::Set)?;
        let mut scenarios = load_all(&files, &args.filters).map_err(PlanError::Invalid)?;
        pin_interpretations(&mut scenarios, &args.interpretation_settings)?;
        apply_overrides(&mut scenarios, &overrides).map_err(PlanError::Set)?;
        let scenarios = select(scenarios, &args.filters, last_failed.as_ref())?;
        if args.report.is_some() || args.trace_dir.is_some() {
            distinct_output_folders(&scenarios).map_err(PlanError::Paths)?;
        }
        // Polls are kept in memory only for the report timelines; trace files are written
        // while each run goes.
        let discard_polls = args.report.is_none();
        let options = RunOptions { seed: args.seed, runs: args.runs, discard_polls };
        let mode = if args.check_determinism {
            Mode::CheckDeterminism { threads: DETERMINISM_THREADS }
        } else if args.list {
            Mode::List
        } else {
            Mode::Judge(JudgePlan {
                all_interpretations: args.interpretations == InterpretationMode::All,
                trace_dir: args.trace_dir,
                report_dir: args.report,
                junit_file: args.junit,
                json: args.json,
                fail_fast: args.fail_fast,
            })
        };
        Ok(RunPlan { scenarios, options, mode })
    }
}

/// Reports and traces go to one folder per scenario, named after its file's stem: two
/// scenarios with the same stem (`a/walk.yaml`, `b/walk.yaml`) would overwrite each other's
/// pages and traces, so they are refused before anything runs.
///
/// # Errors
/// Which files share a folder, and what to do.
fn distinct_output_folders(scenarios: &[Scenario]) -> Result<(), String> {
    let mut by_stem: BTreeMap<String, &str> = BTreeMap::new();
    for scenario in scenarios {
        let path = Path::new(&scenario.file);
        let stem: String =
            path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into());
        if let Some(other) = by_stem.insert(stem.clone(), &scenario.file) {
            return Err(format!(
                "{other} and {} would both write their reports and traces to the folder \
                 `{stem}/`: run them separately (or rename one) with --report/--trace-dir",
                scenario.file
            ));
        }
    }
    Ok(())
}

/// `--set NAME=VALUE` arguments as (name, value): a whole number is an integer, another number a
/// float, anything else a name (as a sweep file's YAML would read it).
pub(crate) fn parse_overrides(set: &[String]) -> Result<Vec<(String, ParamValue)>, String> {
    set.iter()
        .map(|arg| {
            let (name, text) = arg
                .split_once('=')
                .filter(|(name, text)| !name.trim().is_empty() && !text.trim().is_empty())
                .ok_or_else(|| format!("--set `{arg}`: expected NAME=VALUE"))?;
            Ok((name.trim().to_owned(), parse_value(text)))
        })
        .collect()
}

/// One parameter value as `--set` reads it: a whole number is an integer, another number a
/// float, anything else a name.
pub(crate) fn parse_value(text: &str) -> ParamValue {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        ParamValue::Int(n)
    } else if let Ok(x) = text.parse::<f64>() {
        ParamValue::Float(x)
    } else {
        ParamValue::Text(text.to_owned())
    }
}

/// Sets every override on every scenario, in order (the same `set_parameter` a sweep uses).
fn apply_overrides(
    scenarios: &mut [Scenario],
    overrides: &[(String, ParamValue)],
) -> Result<(), String> {
    for scenario in scenarios {
        for (name, value) in overrides {
            scenario.set_parameter(name, value).map_err(|reason| {
                format!("{}: --set {name}={}: {reason}", scenario.file, param_text(value))
            })?;
            scenario.repro_flags.push_str(&format!(" --set {name}={}", param_text(value)));
        }
    }
    Ok(())
}

/// `--interpretation KEY=VALUE`: sets and pins each interpretation in every scenario.
///
/// # Errors
/// [`PlanError::Paths`] for a setting clap let through that does not apply.
fn pin_interpretations(
    scenarios: &mut [Scenario],
    settings: &[(String, String)],
) -> Result<(), PlanError> {
    for scenario in scenarios {
        for (name, value) in settings {
            scenario
                .interpretations
                .set(name, value)
                .map_err(|error| PlanError::Paths(format!("--interpretation: {error}")))?;
            if !scenario.pinned_interpretations.contains(name) {
                scenario.pinned_interpretations.push(name.clone());
            }
        }
    }
    Ok(())
}

/// `--rerun-failed`: the files that failed in the last run, `None` (and a note) when none was
/// recorded.
///
/// # Errors
/// [`PlanError::Paths`] when the state file cannot be read.
fn read_last_failed() -> Result<Option<BTreeSet<String>>, PlanError> {
    let recorded = crate::run_select::last_failed().map_err(PlanError::Paths)?;
    if recorded.is_none() {
        errln!("--rerun-failed: no earlier run recorded; running every scenario");
    }
    Ok(recorded)
}

/// The scenarios `--filter` keeps and, with `last_failed`, only those that failed last time,
/// in their order.
///
/// # Errors
/// [`PlanError::Paths`] when no scenario matches the filters.
fn select(
    scenarios: Vec<Scenario>,
    filters: &[String],
    last_failed: Option<&BTreeSet<String>>,
) -> Result<Vec<Scenario>, PlanError> {
    let matching: Vec<Scenario> =
        scenarios.into_iter().filter(|s| crate::run_select::matches(s, filters)).collect();
    if matching.is_empty() {
        return Err(PlanError::Paths(format!(
            "no scenario's name or file contains {}",
            filters.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(" or ")
        )));
    }
    let Some(failed) = last_failed else { return Ok(matching) };
    if failed.is_empty() {
        errln!("--rerun-failed: the last run had no failures; nothing to run");
    }
    Ok(matching.into_iter().filter(|s| failed.contains(&s.file)).collect())
}

/// The bundled suite: next to the sources when run from a checkout, else `./scenarios/suite`.
pub(crate) fn default_suite() -> PathBuf {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("suite");
    if built_in.is_dir() { built_in } else { PathBuf::from("scenarios").join("suite") }
}

pub(crate) fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    shown.display().to_string()
}

fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(path) = stack.pop() {
        let metadata = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if metadata.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for entry in entries.into_iter().rev() {
                let is_yaml = entry.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if entry.is_dir() || is_yaml {
                    stack.push(entry);
                }
            }
        } else {
            files.push(path);
        }
        if files.len() > SCENARIO_FILES_MAX {
            return Err(format!("more than {SCENARIO_FILES_MAX} scenario files"));
        }
    }
    Ok(files)
}

/// Loads every file that `filters` keep; on any problem, the rendered problems of every such
/// file.
///
/// `--filter` is applied before loading: a file is loaded when its path or its `name:` (read
/// without validating the rest, [`crate::run_select::scenario_name`]) contains a pattern, so
/// an invalid file that matches neither is skipped and cannot stop a filtered run. A file
/// that cannot be read is reported when its path matches.
fn load_all(files: &[PathBuf], filters: &[String]) -> Result<Vec<Scenario>, String> {
    use crate::run_select::{matches_name_or_file, scenario_name};
    let mut scenarios = Vec::new();
    let mut report = String::new();
    for file in files {
        let name = display_path(file);
        let text = match read_input(file) {
            Ok(text) => text,
            Err(_) if !matches_name_or_file(None, &name, filters) => continue,
            Err(reason) => {
                report.push_str(&format!("error: {name}: cannot read: {reason}\n"));
                continue;
            }
        };
        if !matches_name_or_file(scenario_name(&name, &text).as_deref(), &name, filters) {
            continue;
        }
        let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut read_file = |relative: &str| read_input(&folder.join(relative));
        match scenarios::load_scenario(&name, &text, &mut read_file) {
            Ok(scenario) => scenarios.push(scenario),
            Err(diagnostics) => {
                // Each problem once: the rendered block names its file:line:column.
                report.push_str(&render_all(&diagnostics));
                report.push('\n');
            }
        }
    }
    if report.is_empty() { Ok(scenarios) } else { Err(report) }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use rstest::rstest;

    use super::*;

    /// `unlocksim run`'s arguments alone, as clap parses them.
    #[derive(Debug, Parser)]
    struct RunOnly {
        #[command(flatten)]
        args: RunArgs,
    }

    /// The plan for `argv`, in one line: the scenario files, the run options and the mode; or
    /// the error (clap's kind, or the plan error's first line).
    fn plan_of(argv: &[&str]) -> String {
        let parsed = RunOnly::try_parse_from(std::iter::once("run").chain(argv.iter().copied()));
        let args = match parsed {
            Ok(parsed) => parsed.args,
            Err(error) => return format!("usage error: {:?}", error.kind()),
        };
        match RunPlan::resolve(args) {
            Ok(plan) => {
                let files: Vec<&str> = plan.scenarios.iter().map(|s| s.file.as_str()).collect();
                let RunOptions { seed, runs, discard_polls } = plan.options;
                let polls = if discard_polls { "dropped" } else { "kept" };
                let mode = match plan.mode {
                    Mode::CheckDeterminism { threads } => format!("determinism {threads:?}"),
                    Mode::List => "list".into(),
                    Mode::Judge(judge) => describe_judge(&judge),
                };
                format!("{files:?} seed={seed:?} runs={runs:?} polls {polls}; {mode}")
            }
            Err(error) => {
                let text = error.to_string();
                let first = text.lines().next().unwrap_or_default();
                format!("plan error: {}", first.replace(std::path::MAIN_SEPARATOR, "/"))
            }
        }
    }

    fn describe_judge(judge: &JudgePlan) -> String {
        let mut parts = vec![if judge.all_interpretations { "judge all" } else { "judge default" }];
        let outputs = [
            (judge.trace_dir.is_some(), "traces"),
            (judge.report_dir.is_some(), "report"),
            (judge.junit_file.is_some(), "junit"),
            (judge.json, "json"),
            (judge.fail_fast, "fail-fast"),
        ];
        parts.extend(outputs.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
        parts.join(" ")
    }

    const FAILING: &str = "tests/fixtures/scenarios/failing_expectation.yaml";

    #[rstest]
    #[case::defaults(
        &[FAILING],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; judge default"
    )]
    #[case::seed_runs_and_json(
        &[FAILING, "--seed", "7", "--runs", "3", "--json"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=Some(7) runs=Some(3) \
         polls dropped; judge default json"
    )]
    #[case::a_report_keeps_polls(
        &[FAILING, "--report", "out", "--trace-dir", "t", "--junit", "j.xml"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls kept; judge default traces report junit"
    )]
    #[case::every_interpretation(
        &[FAILING, "--interpretations", "all"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; judge all"
    )]
    #[case::determinism(
        &[FAILING, "--check-determinism", "--runs", "2"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=Some(2) \
         polls dropped; determinism [1, 4]"
    )]
    #[case::filter_and_list(
        &[FAILING, "scenarios/suite/walk_away_fast_bag.yaml", "--filter", "FAILING_EXP", "--list"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; list"
    )]
    #[case::filter_by_name_and_fail_fast(
        &[FAILING, "scenarios/suite", "--filter", "cannot hold", "--fail-fast"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; judge default fail-fast"
    )]
    #[case::filter_skips_invalid_files_by_path(
        &["tests/fixtures/scenarios", "--filter", "failing_exp", "--list"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; list"
    )]
    #[case::filter_skips_invalid_files_by_name(
        &["tests/fixtures/scenarios", "--filter", "CANNOT HOLD", "--list"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; list"
    )]
    #[case::filter_matching_an_invalid_file_reports_it(
        &["tests/fixtures/scenarios", "--filter", "unknown_key"],
        "plan error: yaml::unknown-key"
    )]
    #[case::filter_matching_an_invalid_file_by_name_reports_it(
        &["tests/fixtures/scenarios", "--filter", "three typos"],
        "plan error: yaml::unknown-key"
    )]
    #[case::filter_matching_nothing(
        &[FAILING, "--filter", "nowhere", "--filter", "nothing"],
        "plan error: error: no scenario's name or file contains `nowhere` or `nothing`"
    )]
    #[case::list_runs_nothing_else(&[FAILING, "--list", "--json"], "usage error: ArgumentConflict")]
    #[case::determinism_judges_nothing(
        &[FAILING, "--check-determinism", "--json"],
        "usage error: ArgumentConflict"
    )]
    #[case::runs_bound(&[FAILING, "--runs", "100001"], "usage error: ValueValidation")]
    #[case::overrides(
        &[FAILING, "--set", "dynamic_lock_rssi_min=-5", "--set", "carry=hand"],
        "[\"tests/fixtures/scenarios/failing_expectation.yaml\"] seed=None runs=None \
         polls dropped; judge default"
    )]
    #[case::unknown_override(
        &[FAILING, "--set", "rssi_minn=-5"],
        "plan error: error: tests/fixtures/scenarios/failing_expectation.yaml: --set \
         rssi_minn=-5: unknown sweep parameter `rssi_minn`: did you mean `rssi_min`?; nothing \
         was run"
    )]
    #[case::malformed_override(
        &[FAILING, "--set", "=5"],
        "plan error: error: --set `=5`: expected NAME=VALUE; nothing was run"
    )]
    #[case::missing_path(
        &["tests/fixtures/scenarios/absent.yaml"],
        "plan error: error: tests/fixtures/scenarios/absent.yaml: No such file or directory \
         (os error 2)"
    )]
    #[case::folder_without_scenarios(
        &["src"],
        "plan error: error: no scenario files (*.yaml, *.yml) under the given paths"
    )]
    #[case::invalid_scenario(
        &[FAILING, "tests/fixtures/scenarios/unknown_key.yaml"],
        "plan error: yaml::unknown-key"
    )]
    fn arguments_resolve_into_one_plan(#[case] argv: &[&str], #[case] expected: &str) {
        assert_eq!(plan_of(argv), expected);
    }
}
