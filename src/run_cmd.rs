//! `unlocksim run`: load scenarios, run them, judge expectations, print and write results.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use engine::diagnostic::render_all;
use engine::trace::TraceSink;
use scenarios::{RunOptions, Scenario, ScenarioOutcome};
use serde_json::{Value, json};

use crate::trace_file::TraceFiles;

/// Most scenario files one invocation reads.
const SCENARIO_FILES_MAX: usize = 10_000;
/// Largest scenario or policy file read, in bytes.
pub const INPUT_FILE_BYTES_MAX: u64 = 1024 * 1024;
/// Seconds of trace shown on each side of a failure.
const EXCERPT_WINDOW_S: f64 = 90.0;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or folders searched recursively for *.yaml / *.yml. Default: the bundled
    /// suite (scenarios/suite/).
    paths: Vec<PathBuf>,
    /// Master seed of the first run (run i uses seed + i); default: each scenario's own.
    #[arg(long)]
    seed: Option<u64>,
    /// Number of seeded runs per scenario; default: each scenario's own.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: Option<u32>,
    /// `default` runs the scenario's interpretations; `all` runs every combination and reports
    /// outcomes that differ between them.
    #[arg(long, value_enum, default_value_t = InterpretationMode::Default)]
    interpretations: InterpretationMode,
    /// Write the full trace of every run as JSON Lines under this folder
    /// (`<scenario>/seed-<n>.jsonl`), streamed while each run goes.
    #[arg(long)]
    trace_dir: Option<PathBuf>,
    /// Write a report of every run under this folder: an HTML page with SVG timelines and a
    /// plain-text timeline (`<scenario>/seed-<n>.html`, `.txt`). Runs then keep their poll
    /// records in memory for the charts (otherwise polls are hashed and dropped).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write JUnit XML (one test case per scenario) to this file.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Print one JSON object with every result on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Instead of judging expectations, run every seed of every scenario twice, on 1 and on
    /// 4 threads, and compare the trace hashes; exit 1 if any differ.
    #[arg(long, conflicts_with_all = ["json", "junit", "report", "trace_dir", "interpretations"])]
    check_determinism: bool,
}

/// Thread counts of the two passes of `--check-determinism`.
const DETERMINISM_THREADS: [usize; 2] = [1, 4];

/// The trace hash of every seed of `scenario`, run on a pool of `threads` threads.
fn trace_hashes(
    scenario: &Scenario,
    options: RunOptions,
    threads: usize,
) -> Result<Vec<(u64, engine::trace::TraceHash)>, String> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
    pool.install(|| {
        scenarios::seeds(scenario, options)
            .into_par_iter()
            .map(|seed| {
                let mut sink = engine::trace::TraceHasher::new();
                scenarios::runner::run_into(scenario, seed, &scenario.interpretations, &mut sink)
                    .map(|(_, hash)| (seed, hash))
                    .map_err(|failure| format!("{}: seed {seed}: {failure}", scenario.file))
            })
            .collect()
    })
}

/// `--check-determinism`: every seed twice, under different thread counts; a differing trace
/// hash is a failed check (exit 1).
fn check_determinism(scenarios: &[Scenario], options: RunOptions) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut mismatches = 0usize;
    for scenario in scenarios {
        let mut passes = Vec::new();
        for threads in DETERMINISM_THREADS {
            match trace_hashes(scenario, options, threads) {
                Ok(hashes) => passes.push(hashes),
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            }
        }
        let differing: Vec<String> = passes[0]
            .iter()
            .zip(&passes[1])
            .filter(|(a, b)| a != b)
            .map(|((seed, a), (_, b))| {
                format!(
                    "  seed {seed}: {a} on {} thread(s), {b} on {}",
                    DETERMINISM_THREADS[0], DETERMINISM_THREADS[1]
                )
            })
            .collect();
        let verdict = if differing.is_empty() { "DETERMINISTIC" } else { "NONDETERMINISTIC" };
        let _ = writeln!(
            stdout,
            "{verdict} {} ({}) seeds={} threads={:?}",
            scenario.name,
            scenario.file,
            passes[0].len(),
            DETERMINISM_THREADS
        );
        for line in &differing {
            let _ = writeln!(stdout, "{line}");
        }
        mismatches += usize::from(!differing.is_empty());
    }
    let _ = writeln!(
        stdout,
        "determinism: {} scenario(s) reproducible, {mismatches} not",
        scenarios.len() - mismatches
    );
    if mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InterpretationMode {
    Default,
    All,
}

/// The bundled suite: next to the sources when run from a checkout, else `./scenarios/suite`.
fn default_suite() -> PathBuf {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("suite");
    if built_in.is_dir() { built_in } else { PathBuf::from("scenarios").join("suite") }
}

fn display_path(path: &Path) -> String {
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

/// Reads a file of at most [`INPUT_FILE_BYTES_MAX`] as UTF-8: every input file of every command
/// (scenarios, policies, rule XML, snapshots, device profiles) goes through here.
///
/// The size is checked twice: from the metadata before reading (a 100 MB file is rejected
/// without reading it), and while reading, never more than one byte past the limit (a device
/// or a pipe such as `/dev/zero` reports length 0 but never ends). Non-UTF-8 input is reported
/// with the line and column of the first invalid byte.
pub fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let too_large =
        |bytes: u64| format!("{bytes} bytes is more than the limit of {INPUT_FILE_BYTES_MAX}");
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if metadata.is_dir() {
        return Err("is a directory".into());
    }
    if metadata.len() > INPUT_FILE_BYTES_MAX {
        return Err(too_large(metadata.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(INPUT_FILE_BYTES_MAX + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > INPUT_FILE_BYTES_MAX {
        return Err(format!("more than the limit of {INPUT_FILE_BYTES_MAX} bytes"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        format!(
            "not UTF-8: invalid byte 0x{:02x} at {}:{line}:{column} (byte offset {})",
            e.as_bytes()[valid.len()],
            path.display(),
            valid.len()
        )
    })
}

fn load_all(files: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    let mut scenarios = Vec::new();
    let mut report = String::new();
    for file in files {
        let name = display_path(file);
        let text = match read_bounded(file) {
            Ok(text) => text,
            Err(reason) => {
                report.push_str(&format!("error: {name}: cannot read: {reason}\n"));
                continue;
            }
        };
        let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut read_file = |relative: &str| read_bounded(&folder.join(relative));
        match scenarios::load_scenario(&name, &text, &mut read_file) {
            Ok(scenario) => scenarios.push(scenario),
            Err(diagnostics) => {
                for d in &diagnostics {
                    report.push_str(&format!("{d}\n"));
                }
                report.push_str(&render_all(&diagnostics));
                report.push('\n');
            }
        }
    }
    if report.is_empty() { Ok(scenarios) } else { Err(report) }
}

/// A trace record as the `--json` output shows it: time in seconds, the device, the kind and the
/// payload's fields.
fn event_json(record: &engine::trace::TraceRecord) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("t_s".into(), json!(record.time.as_s_f64()));
    let device = record.entity.split_once(':').map_or(record.entity.as_str(), |(_, id)| id);
    object.insert("device".into(), json!(device));
    object.insert("kind".into(), json!(record.kind));
    if let Value::Object(payload) = &record.payload {
        for (key, value) in payload {
            object.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(object)
}

const JSON_EVENT_KINDS: [&str; 6] =
    ["lock", "unlock", "unlock_denied", "event_log", "presence", "notification"];

fn outcome_json(scenario: &Scenario, outcome: &ScenarioOutcome) -> Value {
    let runs: Vec<Value> = outcome
        .runs
        .iter()
        .map(|run| {
            let events: Vec<Value> = run
                .trace
                .records
                .iter()
                .filter(|r| {
                    r.entity.starts_with("pc:") && JSON_EVENT_KINDS.contains(&r.kind.as_str())
                })
                .map(event_json)
                .collect();
            json!({ "seed": run.seed, "trace_hash": run.trace_hash.to_string(), "events": events })
        })
        .collect();
    json!({
        "file": scenario.file,
        "name": scenario.name,
        "content_hash": scenario.content_hash,
        "interpretations": outcome.interpretations.label(),
        "passed": outcome.passed(),
        "runs": runs,
        "expectations": outcome.expectations,
    })
}

fn excerpt(outcome: &ScenarioOutcome, seed: u64, at_s: f64) -> String {
    let Some(run) = outcome.runs.iter().find(|r| r.seed == seed) else { return String::new() };
    let lines: Vec<String> = run
        .trace
        .records
        .iter()
        .filter(|r| r.kind != "poll" && (r.time.as_s_f64() - at_s).abs() <= EXCERPT_WINDOW_S)
        .take(40)
        .map(|r| {
            format!(
                "      {:>10} {:<12} {:<14} {}",
                r.time.since_start().to_string(),
                r.entity,
                r.kind,
                r.payload
            )
        })
        .collect();
    lines.join("\n")
}

pub fn run(args: RunArgs) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![default_suite()] } else { args.paths.clone() };
    let files = match collect_files(&paths) {
        Ok(files) if files.is_empty() => {
            eprintln!("error: no scenario files (*.yaml, *.yml) under the given paths");
            return ExitCode::from(2);
        }
        Ok(files) => files,
        Err(reason) => {
            eprintln!("error: {reason}");
            return ExitCode::from(2);
        }
    };
    let scenarios = match load_all(&files) {
        Ok(scenarios) => scenarios,
        Err(report) => {
            eprint!("{report}");
            eprintln!("error: invalid input; nothing was run");
            return ExitCode::from(2);
        }
    };
    // Polls are kept in memory only for the report timelines; trace files are written while
    // each run goes.
    let discard_polls = args.report.is_none();
    let options = RunOptions { seed: args.seed, runs: args.runs, discard_polls };
    if args.check_determinism {
        return check_determinism(&scenarios, options);
    }
    let version = env!("CARGO_PKG_VERSION");
    let mut all_passed = true;
    let mut json_scenarios = Vec::new();
    let mut junit_cases = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for scenario in &scenarios {
        let started = Instant::now();
        let stem = Path::new(&scenario.file)
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
        let all_interpretations = args.interpretations == InterpretationMode::All;
        let trace_files = args
            .trace_dir
            .as_ref()
            .map(|dir| TraceFiles::new(dir.join(&stem), all_interpretations));
        let open_trace_file = trace_files.as_ref().map(|files| {
            move |seed: u64, interpretations: &engine::policy::Interpretations| {
                Box::new(files.open(seed, interpretations)) as Box<dyn TraceSink + Send + '_>
            }
        });
        let tee = open_trace_file.as_ref().map(|open| open as &scenarios::RunTee<'_>);
        let result = match args.interpretations {
            InterpretationMode::Default => {
                scenarios::run_scenario(scenario, options, &scenario.interpretations, tee)
                    .map(|o| (vec![o], Vec::new()))
            }
            InterpretationMode::All => scenarios::compare_interpretations(scenario, options, tee),
        };
        let (outcomes, differences) = match result {
            Ok(result) => result,
            Err(failure) => {
                if let Some(files) = &trace_files {
                    files.discard();
                }
                eprintln!("error: {}: {failure}", scenario.file);
                return ExitCode::from(2);
            }
        };
        if let Some(Err(error)) = trace_files.as_ref().map(TraceFiles::commit) {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        let elapsed_s = started.elapsed().as_secs_f64();
        let primary = &outcomes[0];
        let passed = outcomes.iter().all(ScenarioOutcome::passed);
        all_passed &= passed;
        if let Some(dir) = &args.report {
            let options = reports::metrics::MetricOptions::default();
            for outcome in &outcomes {
                for run in &outcome.runs {
                    let meta = reports::output::RunMeta {
                        scenario_name: scenario.name.clone(),
                        scenario_file: scenario.file.clone(),
                        content_hash: scenario.content_hash.clone(),
                        seed: run.seed,
                        program_version: version.to_string(),
                        interpretation: outcome.interpretations.label(),
                    };
                    let mut name = format!("seed-{}", run.seed);
                    if outcomes.len() > 1 {
                        name =
                            format!("{name}-{}", outcome.interpretations.label().replace('/', "-"));
                    }
                    let html = reports::timeline::run_html(&run.trace, &meta, &options);
                    let text = reports::timeline::text_timeline(&run.trace, &meta, &options);
                    for (extension, contents) in [("html", html), ("txt", text)] {
                        let path = dir.join(&stem).join(format!("{name}.{extension}"));
                        if let Err(error) =
                            reports::output::write_atomic(&path, contents.as_bytes())
                        {
                            eprintln!("error: cannot write {}: {error}", path.display());
                            return ExitCode::from(2);
                        }
                    }
                }
            }
        }
        let failures: Vec<String> = outcomes
            .iter()
            .flat_map(|o| o.expectations.iter().filter(|e| !e.passed).map(move |e| (o, e)))
            .map(|(o, e)| {
                let mut text = format!("  FAIL {}\n       {}", e.description, e.detail);
                if outcomes.len() > 1 {
                    text.push_str(&format!("\n       under interpretations {}", o.interpretations.label()));
                }
                if let Some(seed) = e.failed_seed {
                    if let Some(at) = e.failed_at_s {
                        let lines = excerpt(o, seed, at);
                        if !lines.is_empty() {
                            text.push_str(&format!("\n    timeline around t={at}s (seed {seed}):\n{lines}"));
                        }
                    }
                    text.push_str(&format!(
                        "\n    repro: unlocksim run {} --seed {seed} --runs 1   # unlocksim {version}",
                        scenario.file
                    ));
                }
                text
            })
            .collect();
        junit_cases.push(reports::junit::JunitCase {
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            passed,
            duration: started.elapsed(),
            failure_detail: failures.join("\n"),
        });
        if args.json {
            let mut value = outcome_json(scenario, primary);
            if args.interpretations == InterpretationMode::All {
                value["interpretation_differences"] = json!(differences);
                value["passed"] = json!(passed);
            }
            json_scenarios.push(value);
        } else {
            let verdict = if passed { "PASS" } else { "FAIL" };
            let _ = writeln!(
                stdout,
                "{verdict} {} ({}) runs={} {:.2}s",
                scenario.name,
                scenario.file,
                primary.runs.len() * outcomes.len(),
                elapsed_s
            );
            for failure in &failures {
                let _ = writeln!(stdout, "{failure}");
            }
            for difference in &differences {
                let _ = writeln!(stdout, "  DIFFERS {}", difference.what);
                for (label, outcome) in &difference.outcomes {
                    let _ = writeln!(stdout, "       {label:<48} {outcome}");
                }
            }
        }
    }
    if let Some(path) = &args.junit {
        let xml = reports::junit::junit_xml("unlocksim", &junit_cases);
        if let Err(error) = reports::output::write_atomic(path, xml.as_bytes()) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return ExitCode::from(2);
        }
    }
    if args.json {
        let value = json!({ "version": version, "scenarios": json_scenarios });
        let _ = writeln!(stdout, "{value}");
    } else {
        let failed = junit_cases.iter().filter(|c| !c.passed).count();
        let _ = writeln!(stdout, "{} passed, {failed} failed", junit_cases.len() - failed);
    }
    if all_passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
