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

pub use expect::{ExpectationResult, FailedRun};
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

/// Everything one scenario produced under one set of interpretations.
#[derive(Debug)]
pub struct ScenarioOutcome {
    pub interpretations: Interpretations,
    pub runs: Vec<RunOutput>,
    pub expectations: Vec<ExpectationResult>,
}

impl ScenarioOutcome {
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

/// The seeds of a scenario's runs: `seed`, `seed + 1`, ...
pub fn seeds(scenario: &Scenario, options: RunOptions) -> Vec<u64> {
    let first = options.seed.unwrap_or(scenario.seed);
    let count = options.runs.unwrap_or(scenario.runs).clamp(1, model::SCENARIO_RUNS_MAX);
    (0..u64::from(count)).map(|i| first.wrapping_add(i)).collect()
}

/// Runs every seeded repetition (in parallel across runs, results in seed order) and judges the
/// expectations.
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
    let runs: Vec<RunOutput> = seeds(scenario, options)
        .into_par_iter()
        .map(|seed| {
            let mut extra = tee.map(|make| make(seed, interpretations));
            runner::run_once_with(
                scenario,
                seed,
                interpretations,
                options.discard_polls,
                extra.as_deref_mut().map(|sink| sink as &mut dyn TraceSink),
            )
        })
        .collect::<Result<_, _>>()?;
    let mut expectations = expect::judge(scenario, &runs);
    for (index, expectation) in scenario.expectations.iter().enumerate() {
        if let model::Expectation::CompareInterpretations(comparison) = expectation {
            expectations[index] = judge_comparison(scenario, &runs, interpretations, comparison)?;
        }
    }
    Ok(ScenarioOutcome { interpretations: *interpretations, runs, expectations })
}

/// Judges a `compare_interpretations` expectation: every seed of `runs` runs once more under
/// each side's interpretations (set over `interpretations`, the ones `runs` ran under), polls
/// dropped and no trace file written, and the two counts are compared seed by seed.
fn judge_comparison(
    scenario: &Scenario,
    runs: &[RunOutput],
    interpretations: &Interpretations,
    comparison: &model::Comparison,
) -> Result<ExpectationResult, RunFailure> {
    let side = |settings: &[(String, String)]| -> Result<Vec<RunOutput>, RunFailure> {
        let mut chosen = *interpretations;
        for (name, value) in settings {
            // The loader set each of these on a default set already: it cannot fail here.
            let _ = chosen.set(name, value);
        }
        runs.par_iter()
            .map(|run| runner::run_once_with(scenario, run.seed, &chosen, true, None))
            .collect()
    };
    let left = side(&comparison.left)?;
    let right = side(&comparison.right)?;
    Ok(expect::judge_comparison(comparison, &left, &right))
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
/// verdicts, and each run's lock and unlock times.
pub fn compare_interpretations(
    scenario: &Scenario,
    options: RunOptions,
    tee: Option<&RunTee<'_>>,
) -> Result<(Vec<ScenarioOutcome>, Vec<InterpretationDifference>), RunFailure> {
    let combinations =
        scenario.interpretations.combinations_keeping(&scenario.pinned_interpretations);
    let outcomes: Vec<ScenarioOutcome> = combinations
        .iter()
        .map(|interpretations| run_scenario(scenario, options, interpretations, tee))
        .collect::<Result<_, _>>()?;
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
    for run_index in 0..outcomes[0].runs.len() {
        let timelines: Vec<String> =
            outcomes.iter().map(|o| lock_unlock_summary(&o.runs[run_index].trace)).collect();
        if timelines.iter().any(|s| s != &timelines[0]) {
            let seed = outcomes[0].runs[run_index].seed;
            let what = format!("lock/unlock times of run with seed {seed}");
            differences.push(InterpretationDifference::new(what, &combinations, timelines));
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
