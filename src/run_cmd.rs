//! `unlocksim run`: glue. The arguments become a [`RunPlan`] (files loaded, everything
//! decided), the scenarios run in `scenarios`, and what is printed or written comes from
//! `reports`: this file only routes results to stdout, stderr and files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use engine::trace::TraceSink;
use reports::summary::{self, Exit, JsonStream, ScenarioReport};
use scenarios::model::SCENARIO_RUNS_MAX;
use scenarios::{InterpretationDifference, RunOptions, RunOutput, Scenario, ScenarioOutcome};

use crate::run_plan::{JudgePlan, Mode, RunPlan};
use crate::trace_file::{TraceFiles, run_file_stem};

// `unlocksim run`'s flags as clap parses them, resolved by `RunPlan::resolve`. (No doc
// comment: clap would show it as the subcommand's help text.)
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or folders searched recursively for *.yaml / *.yml. Default: the bundled
    /// suite (scenarios/suite/).
    pub(crate) paths: Vec<PathBuf>,
    /// Master seed of the first run, a whole number from 0 to 18446744073709551615 (run i uses
    /// seed + i, wrapping past the largest); default: each scenario's own.
    #[arg(long, allow_hyphen_values = true, value_parser = seed_value)]
    pub(crate) seed: Option<u64>,
    /// Override a sweepable parameter on every scenario, e.g. `--set dynamic_lock_rssi_min=-5`
    /// (repeatable, applied in order): the names and values of `cargo xtask sweep`, listed in
    /// docs/sweep.md.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub(crate) set: Vec<String>,
    /// Number of seeded runs per scenario; default: each scenario's own.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(SCENARIO_RUNS_MAX)))]
    pub(crate) runs: Option<u32>,
    /// `default` runs the scenario's interpretations; `all` runs every combination of those
    /// the scenario does not pin and reports, grouped by outcome, what differs and which
    /// interpretations it depends on. Exit 1 when an expectation fails under any of them.
    #[arg(long, value_enum, default_value_t = InterpretationMode::Default)]
    pub(crate) interpretations: InterpretationMode,
    /// Write the full trace of every run as JSON Lines under this folder
    /// (`<scenario>/seed-<n>.jsonl`), streamed while each run goes.
    #[arg(long)]
    pub(crate) trace_dir: Option<PathBuf>,
    /// Write a report of every run under this folder: an HTML page with SVG timelines and a
    /// plain-text timeline (`<scenario>/seed-<n>.html`, `.txt`). Runs then keep their poll
    /// records in memory for the charts (otherwise polls are hashed and dropped).
    #[arg(long)]
    pub(crate) report: Option<PathBuf>,
    /// Write JUnit XML to this file: one test case per expectation (class name = scenario),
    /// the seeds and a failure's repro command in its properties.
    #[arg(long)]
    pub(crate) junit: Option<PathBuf>,
    /// Print one JSON object with every result on stdout instead of the summary.
    #[arg(long)]
    pub(crate) json: bool,
    /// Instead of judging expectations, run every seed of every scenario twice, on 1 and on
    /// 4 threads, and compare the trace hashes; exit 1 if any differ.
    #[arg(long, conflicts_with_all = ["json", "junit", "report", "trace_dir", "interpretations"])]
    pub(crate) check_determinism: bool,
    /// Set one interpretation for every scenario, e.g. `authentication_lock=on` (repeatable);
    /// `--interpretations all` then keeps it and compares only the others.
    #[arg(long = "interpretation", value_name = "KEY=VALUE", value_parser = parse_interpretation)]
    pub(crate) interpretation_settings: Vec<(String, String)>,
    /// Run only the scenarios whose name or file contains PATTERN (ignoring case); repeat to
    /// run those that match any.
    #[arg(long = "filter", value_name = "PATTERN")]
    pub(crate) filters: Vec<String>,
    /// Print the scenarios that would run (file, name, runs and seeds) and run nothing.
    #[arg(long, conflicts_with_all = ["json", "junit", "report", "trace_dir", "check_determinism"])]
    pub(crate) list: bool,
    /// Stop after the first scenario that fails; the rest are not run.
    #[arg(long)]
    pub(crate) fail_fast: bool,
    /// Run only the scenarios that failed in the last run (kept in
    /// `target/unlocksim/last-failed.txt`, or under `$UNLOCKSIM_STATE_DIR`); every scenario
    /// when no run was recorded.
    #[arg(long, conflicts_with = "check_determinism")]
    pub(crate) rerun_failed: bool,
}

/// `--interpretation KEY=VALUE`: the name and value, checked against the interpretations.
///
/// # Errors
/// The message clap shows: no `=`, an unknown name (with a did-you-mean) or value.
fn parse_interpretation(text: &str) -> Result<(String, String), String> {
    let (name, value) =
        text.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got `{text}`"))?;
    let (name, value) = (name.trim(), value.trim());
    engine::policy::Interpretations::default().set(name, value)?;
    Ok((name.to_owned(), value.to_owned()))
}

/// `default` runs the scenario's own interpretations; `all` every combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InterpretationMode {
    Default,
    All,
}

/// Parses `--seed`: a whole number from 0 to 2^64 - 1, said in words when it is not (a negative
/// seed got clap's hint to write `-- -1`, which makes it a file name).
fn seed_value(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("a seed is a whole number from 0 to {}, not `{text}`", u64::MAX))
}

/// Runs `unlocksim run`: 0 when every expectation held (or every run is reproducible), 1 when
/// one did not, 2 for invalid input or a run or write that could not complete.
pub fn run(args: RunArgs) -> Exit {
    let plan = match RunPlan::resolve(args) {
        Ok(plan) => plan,
        Err(error) => {
            errln!("{error}");
            return Exit::BadInput;
        }
    };
    for scenario in &plan.scenarios {
        if !scenario.warnings.is_empty() {
            errln!("{}", engine::diagnostic::render_all(&scenario.warnings));
        }
    }
    match &plan.mode {
        Mode::CheckDeterminism { threads } => {
            check_determinism(&plan.scenarios, plan.options, *threads)
        }
        Mode::Judge(judge) => judge_all(&plan.scenarios, plan.options, judge),
        Mode::List => {
            out!("{}", crate::run_select::list_text(&plan.scenarios, plan.options));
            Exit::Success
        }
    }
}

/// `--check-determinism`: every seed twice, under different thread counts; a differing trace
/// hash is a failed check.
fn check_determinism(scenarios: &[Scenario], options: RunOptions, threads: [usize; 2]) -> Exit {
    let mut stdout = CheckedStdout::default();
    let exit = check_determinism_into(scenarios, options, threads, &mut stdout);
    stdout.finish(exit)
}

fn check_determinism_into(
    scenarios: &[Scenario],
    options: RunOptions,
    threads: [usize; 2],
    stdout: &mut CheckedStdout,
) -> Exit {
    let mut mismatched_count = 0usize;
    for scenario in scenarios {
        let verdict = match scenarios::determinism::check_determinism(scenario, options, threads) {
            Ok(verdict) => verdict,
            Err(error) => {
                errln!("error: {error}");
                return Exit::BadInput;
            }
        };
        let _ = write!(stdout, "{}", summary::determinism_text(scenario, &verdict));
        mismatched_count += usize::from(!verdict.reproducible());
    }
    let reproducible_count = scenarios.len() - mismatched_count;
    let totals = summary::determinism_totals_line(reproducible_count, mismatched_count);
    let _ = writeln!(stdout, "{totals}");
    Exit::from_passed(mismatched_count == 0)
}

/// Judges every scenario, printing each summary as it finishes (or streaming the JSON document
/// as runs finish), then writes the JUnit file and the totals.
fn judge_all(scenarios: &[Scenario], options: RunOptions, plan: &JudgePlan) -> Exit {
    let mut stdout = CheckedStdout::default();
    let exit = judge_all_into(scenarios, options, plan, &mut stdout);
    stdout.finish(exit)
}

/// Standard output of `run`: every write goes through, and the first error other than a closed
/// pipe is kept (later output is dropped) so that [`CheckedStdout::finish`] can fail the command:
/// a full disk under `> file` must not pass as a green run with no output. A closed pipe
/// (`| head`) ends the output quietly and keeps the exit status of the scenarios.
#[derive(Default)]
struct CheckedStdout {
    error: Option<std::io::Error>,
    closed: bool,
}

impl CheckedStdout {
    /// The command's exit: `exit`, or 2 after saying that standard output could not be written.
    fn finish(mut self, exit: Exit) -> Exit {
        let _ = self.flush();
        match self.error {
            None => exit,
            Some(error) => {
                errln!("error: cannot write to standard output: {error}");
                Exit::BadInput
            }
        }
    }

    fn keep(&mut self, error: std::io::Error) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else {
            self.error.get_or_insert(error);
        }
    }
}

impl Write for CheckedStdout {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.error.is_none()
            && !self.closed
            && let Err(error) = std::io::stdout().lock().write_all(bytes)
        {
            self.keep(error);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.error.is_none()
            && !self.closed
            && let Err(error) = std::io::stdout().lock().flush()
        {
            self.keep(error);
        }
        Ok(())
    }
}

fn judge_all_into(
    scenarios: &[Scenario],
    options: RunOptions,
    plan: &JudgePlan,
    stdout: &mut CheckedStdout,
) -> Exit {
    let version = env!("CARGO_PKG_VERSION");
    let mut json = plan.json.then(JsonStream::default);
    if json.is_some() {
        let _ = write!(stdout, "{}", JsonStream::start(version));
    }
    let mut junit_cases = Vec::new();
    // (file, passed) of every scenario judged.
    let mut verdicts: Vec<(&str, bool)> = Vec::new();
    let mut report_index = Vec::new();
    for scenario in scenarios {
        let started = Instant::now();
        let outputs = RunOutputs { version, stdout: &mut *stdout, json: json.as_mut() };
        let (outcomes, differences) = match judge(scenario, options, plan, outputs) {
            Ok(judged) => judged,
            Err(message) => {
                errln!("error: {message}");
                if json.is_some() {
                    let _ = writeln!(
                        stdout,
                        "{}{}",
                        JsonStream::scenario_error(&message),
                        JsonStream::end()
                    );
                }
                return Exit::BadInput;
            }
        };
        let elapsed_s = started.elapsed().as_secs_f64();
        let all_interpretations = plan.all_interpretations;
        let report = ScenarioReport {
            scenario,
            outcomes: &outcomes,
            differences: &differences,
            all_interpretations,
        };
        if plan.report_dir.is_some() {
            report_index.push(index_entry(&report));
        }
        let failures = report.failures(version);
        junit_cases.extend(reports::junit::scenario_cases(&report, started.elapsed(), version));
        verdicts.push((scenario.file.as_str(), report.passed()));
        if json.is_some() {
            let _ = write!(stdout, "{}", JsonStream::scenario_end(&report));
        } else {
            let _ = write!(stdout, "{}", report.text(&failures, elapsed_s));
        }
        if plan.fail_fast && !report.passed() {
            let not_run_count = scenarios.len() - verdicts.len();
            if not_run_count > 0 {
                errln!("--fail-fast: stopped at the first failure; {not_run_count} not run");
            }
            break;
        }
    }
    record_failed(&verdicts);
    if let Some(dir) = plan.report_dir.as_deref()
        && let Err(message) = write_report_index(dir, &report_index, version, plan.json)
    {
        errln!("error: {message}");
        if json.is_some() {
            let _ = writeln!(stdout, "{}", JsonStream::end());
        }
        return Exit::BadInput;
    }
    finish(plan, &junit_cases, &verdicts, stdout)
}

/// Keeps the files of the failed scenarios for `--rerun-failed`; a state file that cannot be
/// written is a warning, not a failed run.
fn record_failed(verdicts: &[(&str, bool)]) {
    let failed: Vec<&str> =
        verdicts.iter().filter(|(_, passed)| !passed).map(|(file, _)| *file).collect();
    if let Err(message) = crate::run_select::record_failed(&failed) {
        errln!("warning: {message}; --rerun-failed will not know this run");
    }
}

/// `--report`: writes `index.html` linking every run page and says where it is: on stdout, or
/// on stderr under `--json` (stdout is then one JSON document).
///
/// # Errors
/// `cannot write PATH: REASON`.
fn write_report_index(
    dir: &Path,
    scenarios: &[reports::timeline::IndexScenario],
    version: &str,
    json: bool,
) -> Result<(), String> {
    let path = dir.join("index.html");
    let html = reports::timeline::run_index_html(version, scenarios);
    reports::output::write_atomic(&path, html.as_bytes())
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    let line = format!("report: {}", path.display());
    if json {
        errln!("{line}");
    } else {
        outln!("{line}");
    }
    Ok(())
}

/// Writes the JUnit file and ends the JSON document or prints the totals line.
fn finish(
    plan: &JudgePlan,
    junit_cases: &[reports::junit::JunitCase],
    verdicts: &[(&str, bool)],
    stdout: &mut impl Write,
) -> Exit {
    if plan.json {
        let _ = writeln!(stdout, "{}", JsonStream::end());
    }
    if let Some(path) = &plan.junit_file {
        let xml = reports::junit::junit_xml("unlocksim", junit_cases);
        if let Err(error) = reports::output::write_atomic(path, xml.as_bytes()) {
            errln!("error: cannot write {}: {error}", path.display());
            return Exit::BadInput;
        }
    }
    let failed_count = verdicts.iter().filter(|(_, passed)| !passed).count();
    if !plan.json {
        let passed_count = verdicts.len() - failed_count;
        let _ = writeln!(stdout, "{}", summary::totals_line(passed_count, failed_count));
    }
    Exit::from_passed(failed_count == 0)
}

/// The file stem of a scenario's outputs: its file's stem.
fn scenario_stem(scenario: &Scenario) -> String {
    Path::new(&scenario.file)
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().to_string())
}

/// Where each run goes as it finishes: its report pages and its object in the JSON document.
struct RunOutputs<'a, W: Write> {
    version: &'a str,
    stdout: &'a mut W,
    json: Option<&'a mut JsonStream>,
}

/// Runs one scenario under the plan's interpretations, streaming trace files, report pages and
/// the JSON runs as runs finish (nothing of a run is kept once they are written, except the
/// runs a failure names); trace files appear only when every run succeeded.
///
/// # Errors
/// The message for stderr (without `error: `) when a run fails or a file cannot be written.
fn judge<W: Write>(
    scenario: &Scenario,
    options: RunOptions,
    plan: &JudgePlan,
    outputs: RunOutputs<'_, W>,
) -> Result<(Vec<ScenarioOutcome>, Vec<InterpretationDifference>), String> {
    let trace_files = plan
        .trace_dir
        .as_ref()
        .map(|dir| TraceFiles::new(dir.join(scenario_stem(scenario)), plan.all_interpretations));
    let open_trace_file = trace_files.as_ref().map(|files| {
        move |seed: u64, interpretations: &engine::policy::Interpretations| {
            Box::new(files.open(seed, interpretations)) as Box<dyn TraceSink + Send + '_>
        }
    });
    let tee = open_trace_file.as_ref().map(|open| open as &scenarios::RunTee<'_>);
    let RunOutputs { version, stdout, mut json } = outputs;
    // The interpretations that run first (the primary ones, whose runs the JSON lists), and
    // whether file names carry the interpretations (several sets of them run).
    let combinations = if plan.all_interpretations {
        scenario.interpretations.combinations_keeping(&scenario.pinned_interpretations)
    } else {
        vec![scenario.interpretations]
    };
    let (primary, several) = (combinations[0], combinations.len() > 1);
    if let Some(dir) = plan.report_dir.as_deref() {
        remove_stale_run_pages(&dir.join(scenario_stem(scenario)))?;
    }
    if let Some(json) = json.as_deref_mut() {
        let _ = write!(stdout, "{}", json.scenario_start(scenario, &primary));
    }
    let (first_seed, _) = scenarios::seed_span(scenario, options);
    let mut on_run =
        |interpretations: &engine::policy::Interpretations, run: &RunOutput, named: bool| {
            if let Some(dir) = plan.report_dir.as_deref()
                && (has_page(first_seed, run.seed) || named)
            {
                write_run_pages(dir, scenario, interpretations, several, run, version)?;
            }
            if let Some(json) = json.as_deref_mut()
                && *interpretations == primary
            {
                let _ = write!(stdout, "{}", json.run(run));
            }
            Ok(())
        };
    let result = if plan.all_interpretations {
        scenarios::compare_interpretations_streaming(scenario, options, tee, &mut on_run)
    } else {
        let interpretations = &scenario.interpretations;
        scenarios::run_scenario_streaming(scenario, options, interpretations, tee, &mut on_run)
            .map(|outcome| (vec![outcome], Vec::new()))
    };
    let judged = result.map_err(|failure| {
        if let Some(files) = &trace_files {
            files.discard();
        }
        format!("{}: {failure}", scenario.file)
    })?;
    trace_files.as_ref().map_or(Ok(()), TraceFiles::commit)?;
    Ok(judged)
}

/// Most runs of one scenario (and interpretation) that get a `--report` page whatever happened
/// in them: the first ones, in seed order. Runs past them get a page only when a failure names
/// them. A disk bound, chosen: two pages of about 8 KiB per run made a 100,000-run report 1.6 GB.
const REPORT_RUN_PAGES_MAX: u64 = 1_000;

/// Whether the run with `seed` is among the first [`REPORT_RUN_PAGES_MAX`] from `first_seed`.
fn has_page(first_seed: u64, seed: u64) -> bool {
    seed.wrapping_sub(first_seed) < REPORT_RUN_PAGES_MAX
}

/// Most entries of a scenario's report folder looked at when clearing it: a bound on the loop
/// (a folder of an earlier `--report` holds two pages per run, at most 2 x 100,000).
const REPORT_FOLDER_ENTRIES_MAX: usize = 1_000_000;

/// `--report`: removes the run pages (`seed-*.html`, `seed-*.txt`) an earlier report left in
/// this scenario's folder, so the folder holds exactly the runs its index links (a rerun with
/// fewer runs or other seeds left the old pages beside the new ones). Nothing else in the
/// folder is touched; a missing folder is fine.
///
/// # Errors
/// `cannot clear PATH: REASON`.
fn remove_stale_run_pages(folder: &Path) -> Result<(), String> {
    let cannot = |error: std::io::Error| format!("cannot clear {}: {error}", folder.display());
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(cannot(error)),
    };
    for entry in entries.take(REPORT_FOLDER_ENTRIES_MAX) {
        let entry = entry.map_err(cannot)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let page = name.starts_with("seed-") && (name.ends_with(".html") || name.ends_with(".txt"));
        if page && entry.file_type().map_err(cannot)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(cannot)?;
        }
    }
    Ok(())
}

/// `--report`: the HTML page and the text timeline of one run, written as it finishes; the
/// file names carry the interpretations under `--interpretations all` (`several`).
///
/// # Errors
/// `cannot write PATH: REASON`.
fn write_run_pages(
    dir: &Path,
    scenario: &Scenario,
    interpretations: &engine::policy::Interpretations,
    several: bool,
    run: &RunOutput,
    version: &str,
) -> Result<(), String> {
    let options = reports::metrics::MetricOptions::default();
    let folder = dir.join(scenario_stem(scenario));
    let meta = reports::output::RunMeta {
        scenario_name: scenario.name.clone(),
        scenario_file: scenario.file.clone(),
        content_hash: scenario.content_hash.clone(),
        seed: run.seed,
        program_version: version.to_string(),
        interpretation: interpretations.label(),
        repro_flags: scenario.repro_flags.clone(),
    };
    let name = run_file_stem(run.seed, several.then_some(interpretations));
    let html = reports::timeline::run_html(&run.trace, &meta, &options);
    let text = reports::timeline::text_timeline(&run.trace, &meta, &options);
    for (extension, contents) in [("html", html), ("txt", text)] {
        let path = folder.join(format!("{name}.{extension}"));
        reports::output::write_atomic(&path, contents.as_bytes())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(())
}

/// `--report`: the scenario's entry in the report's index, a link to every run page (one short
/// entry per run: the index lists them all).
fn index_entry(report: &ScenarioReport<'_>) -> reports::timeline::IndexScenario {
    let scenario = report.scenario;
    let stem = scenario_stem(scenario);
    let several = report.outcomes.len() > 1;
    let mut pages = Vec::new();
    for outcome in report.outcomes {
        // The first runs have pages, and past them the runs a failure names (their first seed).
        let named_later = outcome
            .expectations
            .iter()
            .filter_map(|e| e.failed_seed)
            .filter(|seed| !has_page(outcome.first_seed, *seed));
        let mut seeds: Vec<u64> = (0..outcome.runs_count as u64)
            .take(REPORT_RUN_PAGES_MAX as usize)
            .map(|index| outcome.first_seed.wrapping_add(index))
            .chain(named_later)
            .collect();
        seeds.dedup();
        for seed in seeds {
            let name = run_file_stem(seed, several.then_some(&outcome.interpretations));
            let failed_here = outcome
                .expectations
                .iter()
                .filter(|e| !e.passed && e.failed_seed == Some(seed))
                .map(|e| e.description.clone())
                .collect();
            pages.push(reports::timeline::IndexPage {
                seed,
                interpretation: outcome.interpretations.label(),
                href: format!("{stem}/{name}.html"),
                failed_here,
            });
        }
    }
    reports::timeline::IndexScenario {
        name: scenario.name.clone(),
        file: scenario.file.clone(),
        passed: report.passed(),
        pages,
    }
}
