//! `scenarios`: the unlocksim YAML scenario format.
//!
//! Loading (raw serde structs with source spans in [`format`], then a validated model in
//! [`model`] via [`load`]), wiring a scenario into a simulation ([`runner`]), and judging
//! expectations on the resulting traces ([`expect`]). The format is documented, with a commented
//! example, in `scenarios/README.md`; every file in `scenarios/suite/` is a regression test.
//!
//! What it must never do: panic on any input, or hand a half-validated scenario to the engine.
//! Every problem comes back as a diagnostic with file, line and column.

pub mod calibration;
pub mod determinism;
pub mod expect;
pub mod format;
pub mod load;
pub mod model;
pub mod params;
pub mod replay;
pub mod rssi_log;
pub mod runner;

use engine::policy::Interpretations;
use engine::policy::interpretation::INTERPRETATION_NAMES;
use engine::trace::TraceSink;
use rayon::prelude::*;
use serde::Serialize;

pub use expect::{ExpectationResult, FailedGroup, FailedRun, Judge};
pub use load::load_scenario;
pub use model::Scenario;
pub use runner::{RunFailure, RunOutput, run_once};

/// How to run a scenario: overrides of its own seed and run count, and what runs keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    pub seed: Option<u64>,
    pub runs: Option<u32>,
    /// Keep every record but `poll`s in each run's [`RunOutput::trace`]. Expectations never read
    /// polls, and polls are nearly all of a long run's records (one per phone per poll
    /// interval), so a run's memory then grows with what happens, not with simulated time.
    /// The trace hash still covers every record.
    pub discard_polls: bool,
}

/// Makes the extra sink of one run from its seed and interpretations (see [`run_scenario`]).
pub type RunTee<'a> = dyn Fn(u64, &Interpretations) -> Box<dyn TraceSink + Send + 'a> + Sync + 'a;

/// Most runs of one scenario simulated at once (`unlocksim run` goes through the seeds in
/// chunks of this many, in parallel inside a chunk, judged in seed order after it): what a
/// scenario holds in memory at a time, whatever its number of runs. Unknown; chosen, range
/// 16..4,096 (enough to keep every core busy; a walk-away run without polls is ~20 KB).
pub const RUNS_IN_FLIGHT_MAX: usize = 256;

/// Everything one scenario produced under one set of interpretations.
#[derive(Debug)]
pub struct ScenarioOutcome {
    pub interpretations: Interpretations,
    /// The runs kept: every run from [`run_scenario`]; from [`run_scenario_streaming`] only
    /// those a failure may name (the first run and the first failing ones, see
    /// [`expect::Judge::observe`]), for the timeline excerpts. In seed order.
    pub runs: Vec<RunOutput>,
    /// The seed of the first run; run `i` used `first_seed + i` (wrapping).
    pub first_seed: u64,
    /// How many runs ran (kept or not).
    pub runs_count: usize,
    pub expectations: Vec<ExpectationResult>,
}

impl ScenarioOutcome {
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

/// The first seed and the number of a scenario's runs: `seed`, `seed + 1`, ... (wrapping).
pub fn seed_span(scenario: &Scenario, options: RunOptions) -> (u64, usize) {
    let first = options.seed.unwrap_or(scenario.seed);
    let count = options.runs.unwrap_or(scenario.runs).clamp(1, model::SCENARIO_RUNS_MAX);
    (first, count as usize)
}

/// The seeds of a scenario's runs: `seed`, `seed + 1`, ...
pub fn seeds(scenario: &Scenario, options: RunOptions) -> Vec<u64> {
    let (first, count) = seed_span(scenario, options);
    (0..count as u64).map(|i| first.wrapping_add(i)).collect()
}

/// What a caller does with each run as it finishes, in seed order, under the interpretations
/// it ran with (write its report page, its `--json` object...); the `bool` says whether a
/// failure may name the run ([`expect::Judge::observe`]: the first run, a first failing run).
/// An error stops the scenario.
pub type OnRun<'a> = dyn FnMut(&Interpretations, &RunOutput, bool) -> Result<(), String> + 'a;

/// Runs every seeded repetition (in parallel across runs, results in seed order), judges the
/// expectations, and keeps every run.
///
/// `tee`, when given, makes one more sink per run (seed, interpretations) that sees every
/// record as it happens, polls included, whatever the run keeps: a trace file written while
/// the run goes, so that a long run's file does not have to fit in memory.
pub fn run_scenario(
    scenario: &Scenario,
    options: RunOptions,
    interpretations: &Interpretations,
    tee: Option<&RunTee<'_>>,
) -> Result<ScenarioOutcome, RunFailure> {
    run_chunked(scenario, options, interpretations, tee, true, &mut |_, _, _| Ok(()))
}

/// Like [`run_scenario`], but memory stays flat in the number of runs: runs go in chunks of
/// [`RUNS_IN_FLIGHT_MAX`], each is handed to `on_run` and to a streaming [`expect::Judge`] in
/// seed order, and only the runs a failure may name are kept ([`ScenarioOutcome::runs`]).
///
/// # Errors
/// The first run (in seed order) that could not complete, or `on_run`'s error
/// ([`RunFailure::Output`]).
pub fn run_scenario_streaming(
    scenario: &Scenario,
    options: RunOptions,
    interpretations: &Interpretations,
    tee: Option<&RunTee<'_>>,
    on_run: &mut OnRun<'_>,
) -> Result<ScenarioOutcome, RunFailure> {
    run_chunked(scenario, options, interpretations, tee, false, on_run)
}

fn run_chunked(
    scenario: &Scenario,
    options: RunOptions,
    interpretations: &Interpretations,
    tee: Option<&RunTee<'_>>,
    keep_all: bool,
    on_run: &mut OnRun<'_>,
) -> Result<ScenarioOutcome, RunFailure> {
    let (first_seed, runs_count) = seed_span(scenario, options);
    let mut judge = expect::Judge::new(scenario);
    let mut kept = Vec::new();
    // Bounded: runs_count / RUNS_IN_FLIGHT_MAX chunks, runs_count <= SCENARIO_RUNS_MAX.
    for chunk_start in (0..runs_count).step_by(RUNS_IN_FLIGHT_MAX) {
        let chunk_end = (chunk_start + RUNS_IN_FLIGHT_MAX).min(runs_count);
        let runs: Vec<Result<(RunOutput, ComparisonCounts), RunFailure>> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|index| {
                let seed = first_seed.wrapping_add(index as u64);
                let mut extra = tee.map(|make| make(seed, interpretations));
                let run = runner::run_once_with(
                    scenario,
                    seed,
                    interpretations,
                    options.discard_polls,
                    extra.as_deref_mut().map(|sink| sink as &mut dyn TraceSink),
                )?;
                let counts = compare_sides(scenario, seed, interpretations)?;
                Ok((run, counts))
            })
            .collect();
        for run in runs {
            let (run, counts) = run?;
            let mut named = judge.observe(run.seed, &run.trace);
            for (index, pair) in counts {
                named |= judge.observe_comparison(index, run.seed, pair);
            }
            on_run(interpretations, &run, named).map_err(RunFailure::Output)?;
            if keep_all || named {
                kept.push(run);
            }
        }
    }
    Ok(ScenarioOutcome {
        interpretations: *interpretations,
        runs: kept,
        first_seed,
        runs_count,
        expectations: judge.finish(),
    })
}

/// Per `compare_interpretations` of a scenario (its index in the expectations), one seed's count
/// of the compared metric under the left and the right side.
type ComparisonCounts = Vec<(usize, (usize, usize))>;

/// Runs seed `seed` once more under each side of every `compare_interpretations` of `scenario`
/// (each side's settings over `interpretations`, polls dropped, no trace file) and returns, per
/// comparison (its index in the scenario's expectations), the metric's count on each side. The
/// traces are dropped here, so a comparison keeps nothing per run.
///
/// # Errors
/// The first side's run that could not complete.
fn compare_sides(
    scenario: &Scenario,
    seed: u64,
    interpretations: &Interpretations,
) -> Result<ComparisonCounts, RunFailure> {
    let mut counts = Vec::new();
    for (index, expectation) in scenario.expectations.iter().enumerate() {
        let model::Expectation::CompareInterpretations(comparison) = expectation else {
            continue;
        };
        let count = |settings: &[(String, String)]| -> Result<usize, RunFailure> {
            let mut chosen = *interpretations;
            for (name, value) in settings {
                // The loader set each of these on a default set already: it cannot fail here.
                let _ = chosen.set(name, value);
            }
            let run = runner::run_once_with(scenario, seed, &chosen, true, None)?;
            Ok(expect::metric_count(&run.trace, &comparison.pc, comparison.metric))
        };
        counts.push((index, (count(&comparison.left)?, count(&comparison.right)?)));
    }
    Ok(counts)
}

/// One expectation, or one run's lock/unlock times, that differs between interpretations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterpretationDifference {
    pub what: String,
    /// (interpretation label, outcome) for every combination compared, in a fixed order.
    pub outcomes: Vec<(String, String)>,
    /// The interpretations whose value changes the outcome (the others never do, whatever
    /// the rest are set to), in `INTERPRETATION_NAMES`' order.
    pub depends_on: Vec<String>,
    /// Each distinct outcome, in order of first appearance, with the settings of
    /// `depends_on` under which it happens.
    pub groups: Vec<OutcomeGroup>,
}

/// One outcome of an [`InterpretationDifference`] and where it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeGroup {
    pub outcome: String,
    /// Settings of the interpretations the outcome depends on, one per line of the summary:
    /// `authentication_lock=on`, `rssi_delta_reference=hysteresis, authentication_lock=off`.
    pub under: Vec<String>,
}

impl InterpretationDifference {
    /// The difference `what` between `outcomes`, one per combination of `combinations` (the
    /// full grid over the interpretations that are not pinned).
    fn new(what: String, combinations: &[Interpretations], outcomes: Vec<String>) -> Self {
        let values: Vec<[&str; 5]> = combinations.iter().map(Interpretations::values).collect();
        let relevant: Vec<usize> = (0..INTERPRETATION_NAMES.len())
            .filter(|&knob| {
                (0..values.len()).any(|i| {
                    (0..values.len()).any(|j| {
                        outcomes[i] != outcomes[j]
                            && (0..values[i].len())
                                .all(|k| (k == knob) != (values[i][k] == values[j][k]))
                    })
                })
            })
            .collect();
        let mut groups: Vec<OutcomeGroup> = Vec::new();
        for (index, outcome) in outcomes.iter().enumerate() {
            let setting: Vec<String> = relevant
                .iter()
                .map(|&k| format!("{}={}", INTERPRETATION_NAMES[k], values[index][k]))
                .collect();
            let setting = setting.join(", ");
            match groups.iter_mut().find(|g| &g.outcome == outcome) {
                Some(group) if !group.under.contains(&setting) => group.under.push(setting),
                Some(_) => {}
                None => {
                    groups.push(OutcomeGroup { outcome: outcome.clone(), under: vec![setting] })
                }
            }
        }
        InterpretationDifference {
            what,
            outcomes: combinations.iter().map(Interpretations::label).zip(outcomes).collect(),
            depends_on: relevant.iter().map(|&k| INTERPRETATION_NAMES[k].to_owned()).collect(),
            groups,
        }
    }
}

/// Runs the scenario under every combination of the named interpretations it does not pin
/// (`Scenario::pinned_interpretations` keep their value) and lists what differs: expectation
/// verdicts, and each run's lock and unlock times. Every run is kept.
pub fn compare_interpretations(
    scenario: &Scenario,
    options: RunOptions,
    tee: Option<&RunTee<'_>>,
) -> Result<(Vec<ScenarioOutcome>, Vec<InterpretationDifference>), RunFailure> {
    compare_chunked(scenario, options, tee, true, &mut |_, _, _| Ok(()))
}

/// Like [`compare_interpretations`], streaming as [`run_scenario_streaming`] does: `on_run`
/// sees every run of every combination. What grows with the runs is one short lock/unlock
/// line per run and combination (to compare them).
///
/// # Errors
/// As [`run_scenario_streaming`].
pub fn compare_interpretations_streaming(
    scenario: &Scenario,
    options: RunOptions,
    tee: Option<&RunTee<'_>>,
    on_run: &mut OnRun<'_>,
) -> Result<(Vec<ScenarioOutcome>, Vec<InterpretationDifference>), RunFailure> {
    compare_chunked(scenario, options, tee, false, on_run)
}

fn compare_chunked(
    scenario: &Scenario,
    options: RunOptions,
    tee: Option<&RunTee<'_>>,
    keep_all: bool,
    on_run: &mut OnRun<'_>,
) -> Result<(Vec<ScenarioOutcome>, Vec<InterpretationDifference>), RunFailure> {
    let combinations =
        scenario.interpretations.combinations_keeping(&scenario.pinned_interpretations);
    let mut outcomes = Vec::new();
    // [combination][run]: each run's lock and unlock times.
    let mut timelines: Vec<Vec<String>> = Vec::new();
    for interpretations in &combinations {
        let mut lines = Vec::new();
        let mut each = |ran: &Interpretations, run: &RunOutput, named: bool| {
            lines.push(lock_unlock_summary(&run.trace));
            on_run(ran, run, named)
        };
        outcomes.push(run_chunked(scenario, options, interpretations, tee, keep_all, &mut each)?);
        timelines.push(lines);
    }
    let mut differences = Vec::new();
    for (index, expectation) in outcomes[0].expectations.iter().enumerate() {
        let verdicts: Vec<String> = outcomes
            .iter()
            .map(|o| {
                let e = &o.expectations[index];
                if e.passed { "pass".into() } else { format!("fail: {}", e.detail) }
            })
            .collect();
        if verdicts.iter().any(|v| (v == "pass") != (verdicts[0] == "pass")) {
            let what = expectation.description.clone();
            differences.push(InterpretationDifference::new(what, &combinations, verdicts));
        }
    }
    for run_index in 0..outcomes[0].runs_count {
        let lines: Vec<String> = timelines.iter().map(|t| t[run_index].clone()).collect();
        if lines.iter().any(|s| s != &lines[0]) {
            let seed = outcomes[0].first_seed.wrapping_add(run_index as u64);
            let what = format!("lock/unlock times of run with seed {seed}");
            differences.push(InterpretationDifference::new(what, &combinations, lines));
        }
    }
    Ok((outcomes, differences))
}

/// A time of a run as the text timeline shows it: `0:01:59.519` (hours, minutes, seconds to
/// the millisecond).
fn clock(time: engine::time::SimTime) -> String {
    let ms = time.as_us() / 1000;
    format!("{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// `lock 0:01:30.000 pc:desk (dynamic_lock); unlock 0:05:00.000 pc:desk` for a trace.
pub fn lock_unlock_summary(trace: &engine::trace::Trace) -> String {
    use engine::trace::Observed;
    let parts: Vec<String> = trace
        .records
        .iter()
        .filter_map(|r| {
            let (time, entity) = (clock(r.time), &r.entity);
            match r.observed() {
                Observed::Lock(lock) => {
                    Some(format!("lock {time} {entity} ({})", lock.reason.name()))
                }
                Observed::Unlock(_) => Some(format!("unlock {time} {entity}")),
                Observed::SignIn(_) => Some(format!("sign_in {time} {entity}")),
                Observed::UnlockDenied(_) => Some(format!("unlock_denied {time} {entity}")),
                _ => None,
            }
        })
        .collect();
    if parts.is_empty() { "no lock or unlock".into() } else { parts.join("; ") }
}
