//! What one workbench request computes: N seeded runs of a scenario with parameter overrides,
//! reduced to the decision metrics with their intervals, the time-to-lock CDF beside Microsoft's
//! defaults, one sample run's RSSI timeline, the pasteable rule and the command that
//! reproduces the runs.
//!
//! Runs are exactly `unlocksim run`'s: the same seeds ([`scenarios::seeds`]), the same runner
//! call with polls dropped, the scenario's interpretations after the overrides; they go in
//! parallel across rayon's pool, never inside one run, and are aggregated in seed order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use engine::SimTime;
use engine::policy::forms::{Form, Setting, Value, export, policy_values};
use engine::trace::{AtDeskRecord, LockRecord, PollRecord, PresenceRecord, Trace};
use rayon::prelude::*;
use reports::metrics::{AggregateMetrics, Metric, MetricOptions, RunMetrics};
use scenarios::params::ParamValue;
use scenarios::{RunOptions, Scenario};
use serde::Serialize;

/// Most points of a CDF sent to the page; a longer one is thinned to evenly spaced ranks
/// (unknown; chosen, range 100..2000: a chart 600 px wide shows no more).
pub const CDF_POINTS_MAX: usize = 600;
/// Microsoft's defaults, the reference curve: `rssiMin` -10 and `rssiMaxDelta` -10 dB
/// (Microsoft Learn, "Configure Dynamic Lock").
pub const REFERENCE_PARAMS: [(&str, i64); 2] = [("rssi_min", -10), ("rssi_max_delta", -10)];

/// Why a request computed nothing.
#[derive(Debug)]
pub enum ComputeError {
    /// A parameter the scenario refuses (the message says which and why).
    Parameter(String),
    /// A newer request from the same client replaced this one.
    Cancelled,
    /// A run could not complete (a bound of the simulation was exceeded).
    Run(String),
}

/// One metric as the page shows it: value and 95% interval (`None`: nothing measured, or
/// "never" for a time to lock, which `never` then says).
#[derive(Debug, Clone, Serialize)]
pub struct MetricView {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The value is "never locks" (a time-to-lock percentile that fell on a walk-away that
    /// never locked).
    pub never: bool,
}

/// An empirical CDF of time to lock: `t_s[i]` seconds, `share[i]` of walk-aways locked by then
/// (ascending; walk-aways that never lock keep the curve below 1).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cdf {
    pub t_s: Vec<f64>,
    pub share: Vec<f64>,
}

/// The reference curve: the same runs with Microsoft's default thresholds.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub label: &'static str,
    pub cdf: Cdf,
    pub time_to_lock_s_p50: Option<f64>,
}

/// One run's Bluetooth view of its first PC: relative RSSI per poll (`None`: failed poll), the
/// absence threshold, `rssiMin`, and when the user left/came back and the PC locked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sample {
    pub seed: u64,
    pub pc: String,
    pub phone: String,
    pub t_s: Vec<f64>,
    pub rssi_db: Vec<Option<f64>>,
    pub absence_threshold_db: Vec<Option<f64>>,
    pub rssi_min_db: Option<f64>,
    /// (time s, `left` or `back`) of the PC's users.
    pub desk: Vec<(f64, &'static str)>,
    /// (time s, lock reason) of the PC.
    pub locks: Vec<(f64, serde_json::Value)>,
}

/// The rules to paste: each plugin rule on one line (as the registry value holds it) and the
/// whole policy as Intune OMA-URI rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rule {
    pub dynamic_lock: Option<String>,
    pub unlock: Option<String>,
    pub csp: String,
}

/// Everything one request returns.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub scenario: String,
    pub file: String,
    pub runs: usize,
    pub seed_first: u64,
    pub set: BTreeMap<String, ParamValue>,
    pub walk_aways: u64,
    pub metrics: Vec<MetricView>,
    pub cdf: Cdf,
    pub reference: Reference,
    pub sample: Sample,
    pub rule: Rule,
    pub repro: String,
    /// Every run's trace hash, in seed order: the same as `unlocksim run --json`'s.
    pub trace_hashes: Vec<String>,
    /// Time the server spent on this request (simulation and reduction), ms.
    pub server_ms: f64,
}

/// What to compute: the scenario (already loaded), how many runs from which seed, and the
/// overrides applied in name order.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub name: &'a str,
    pub scenario: &'a Scenario,
    pub runs: u32,
    pub seed: Option<u64>,
    pub set: &'a BTreeMap<String, ParamValue>,
}

/// The scenario with `set` applied in name order.
///
/// # Errors
/// [`ComputeError::Parameter`] with `set_parameter`'s message.
pub fn apply(
    scenario: &Scenario,
    set: &BTreeMap<String, ParamValue>,
) -> Result<Scenario, ComputeError> {
    let mut scenario = scenario.clone();
    for (name, value) in set {
        scenario.set_parameter(name, value).map_err(ComputeError::Parameter)?;
    }
    Ok(scenario)
}

/// Runs every seed (in parallel across runs; results in seed order), each checking `cancel`
/// before it starts, and returns each run's metrics and trace hash.
///
/// # Errors
/// [`ComputeError::Cancelled`] once `cancel` is set; [`ComputeError::Run`] for a failed run.
pub fn simulate(
    scenario: &Scenario,
    seeds: &[u64],
    cancel: &AtomicBool,
) -> Result<(Vec<RunMetrics>, Vec<String>), ComputeError> {
    let run_end = SimTime::ZERO.saturating_add(scenario.duration);
    let options = MetricOptions::default();
    let interpretations = scenario.interpretations;
    let runs: Vec<(RunMetrics, String)> = seeds
        .par_iter()
        .map(|&seed| {
            if cancel.load(Ordering::Relaxed) {
                return Err(ComputeError::Cancelled);
            }
            let output =
                scenarios::runner::run_once_with(scenario, seed, &interpretations, true, None)
                    .map_err(|e| ComputeError::Run(format!("seed {seed}: {e}")))?;
            let metrics = RunMetrics::from_trace(&output.trace, run_end, &options);
            Ok((metrics, output.trace_hash.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok(runs.into_iter().unzip())
}

/// The seeds of a job: `unlocksim run --seed S --runs N`'s.
pub fn job_seeds(job: &Job<'_>) -> Vec<u64> {
    let options = RunOptions { seed: job.seed, runs: Some(job.runs), discard_polls: true };
    scenarios::seeds(job.scenario, options)
}

/// Gives the reference curve of a scenario over seeds (see [`reference_of`]).
pub type ReferenceOf<'a> = dyn Fn(&Scenario, &[u64]) -> Result<Reference, ComputeError> + 'a;

/// Computes a job; `reference` gives the Microsoft-default curve for the overridden scenario
/// (the caller caches it).
///
/// # Errors
/// See [`apply`] and [`simulate`].
pub fn evaluate(
    job: &Job<'_>,
    cancel: &AtomicBool,
    reference: &ReferenceOf<'_>,
) -> Result<Evaluation, ComputeError> {
    let started = std::time::Instant::now();
    let scenario = apply(job.scenario, job.set)?;
    let seeds = job_seeds(job);
    let (runs, trace_hashes) = simulate(&scenario, &seeds, cancel)?;
    let aggregate = AggregateMetrics::from_runs(&runs);
    let reference = reference(&scenario, &seeds)?;
    let sample = sample_run(&scenario, seeds[0])?;
    Ok(Evaluation {
        scenario: job.name.to_string(),
        file: scenario.file.clone(),
        runs: seeds.len(),
        seed_first: seeds[0],
        set: job.set.clone(),
        walk_aways: aggregate.walk_aways_count,
        metrics: metric_views(&aggregate),
        cdf: cdf(&aggregate.time_to_lock_us),
        reference,
        sample,
        rule: rule(&scenario),
        repro: repro(&scenario.file, seeds[0], seeds.len(), job.set),
        trace_hashes,
        server_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// The Microsoft-default curve of `scenario` over `seeds`: its thresholds set to
/// [`REFERENCE_PARAMS`], everything else as given.
///
/// # Errors
/// See [`simulate`].
pub fn reference_of(
    scenario: &Scenario,
    seeds: &[u64],
    cancel: &AtomicBool,
) -> Result<Reference, ComputeError> {
    let mut defaults = scenario.clone();
    for (name, value) in REFERENCE_PARAMS {
        defaults.set_parameter(name, &ParamValue::Int(value)).map_err(ComputeError::Parameter)?;
    }
    let (runs, _) = simulate(&defaults, seeds, cancel)?;
    let aggregate = AggregateMetrics::from_runs(&runs);
    Ok(Reference {
        label: "Microsoft defaults (rssiMin -10, rssiMaxDelta -10)",
        cdf: cdf(&aggregate.time_to_lock_us),
        time_to_lock_s_p50: aggregate.time_to_lock_s_p50,
    })
}

/// Every metric with its interval; infinite ends become `None`.
fn metric_views(aggregate: &AggregateMetrics) -> Vec<MetricView> {
    let finite = |x: f64| x.is_finite().then_some(x);
    Metric::ALL
        .into_iter()
        .map(|metric| {
            let value = aggregate.value(metric);
            let interval = aggregate.interval(metric);
            let never =
                metric.is_time_to_lock() && value.is_none() && aggregate.walk_aways_count > 0;
            MetricView {
                name: metric.name(),
                label: metric.label(),
                unit: metric.unit(),
                value,
                low: interval.and_then(|(low, _)| finite(low)),
                high: interval.and_then(|(_, high)| finite(high)),
                never,
            }
        })
        .collect()
}

/// The CDF of sorted times to lock (`None` = never, last), thinned to [`CDF_POINTS_MAX`].
pub fn cdf(sorted: &[Option<u64>]) -> Cdf {
    let total = sorted.len();
    let locked: Vec<u64> = sorted.iter().flatten().copied().collect();
    let mut out = Cdf::default();
    if locked.is_empty() {
        return out;
    }
    let stride = locked.len().div_ceil(CDF_POINTS_MAX).max(1);
    let last = locked.len() - 1;
    for i in (0..locked.len()).filter(|i| i % stride == stride - 1 || *i == last) {
        out.t_s.push(locked[i] as f64 / 1e6);
        out.share.push((i + 1) as f64 / total as f64);
    }
    out
}

/// Re-runs `seed` keeping its polls and extracts the first PC's Bluetooth view.
///
/// # Errors
/// [`ComputeError::Run`] when the run fails.
fn sample_run(scenario: &Scenario, seed: u64) -> Result<Sample, ComputeError> {
    let interpretations = scenario.interpretations;
    let output = scenarios::runner::run_once_with(scenario, seed, &interpretations, false, None)
        .map_err(|e| ComputeError::Run(format!("seed {seed}: {e}")))?;
    let pc = scenario
        .pcs
        .iter()
        .find(|pc| pc.policy.is_some())
        .or(scenario.pcs.first())
        .map_or(String::new(), |pc| pc.id.clone());
    Ok(sample_of(&output.trace, seed, pc))
}

/// The Bluetooth view of `pc` in a trace kept with its polls.
fn sample_of(trace: &Trace, seed: u64, pc: String) -> Sample {
    let mut sample = Sample { seed, ..Sample::default() };
    for record in &trace.records {
        let t = record.time.as_s_f64();
        if let Some(at_desk) = record.read::<AtDeskRecord>() {
            if at_desk.pc == pc {
                sample.desk.push((t, if at_desk.seated { "back" } else { "left" }));
            }
            continue;
        }
        if record.entity.id() != pc {
            continue;
        }
        if let Some(poll) = PollRecord::read(record) {
            if sample.phone.is_empty() {
                sample.phone = poll.phone.to_string();
            }
            if poll.phone == sample.phone {
                sample.t_s.push(t);
                sample.rssi_db.push(poll.rssi_db.map(f64::from));
                sample.absence_threshold_db.push(poll.absence_threshold_db.map(f64::from));
            }
        } else if let Some(presence) = record.read::<PresenceRecord>() {
            if let Some(min) = presence.rssi_db_min {
                sample.rssi_min_db = Some(f64::from(min));
            }
        } else if let Some(lock) = record.read::<LockRecord>() {
            sample.locks.push((t, serde_json::to_value(lock.reason).unwrap_or_default()));
        }
    }
    sample.pc = pc;
    sample
}

/// The first PC's policy as rules to paste (see [`Rule`]).
fn rule(scenario: &Scenario) -> Rule {
    let Some(policy) = scenario.pcs.iter().find_map(|pc| pc.policy.as_ref()) else {
        return Rule::default();
    };
    let mut rule = Rule { csp: export(policy, Form::Csp), ..Rule::default() };
    for (setting, value) in policy_values(policy) {
        let Value::Text(text) = value else { continue };
        match setting {
            Setting::DynamicLockPlugins => rule.dynamic_lock = Some(text),
            Setting::DeviceUnlockPlugins => rule.unlock = Some(text),
            _ => {}
        }
    }
    rule
}

/// `unlocksim run FILE --seed S --runs N --set NAME=VALUE ...`: the command that reproduces
/// the runs. Names and values are plain words and numbers; the file is single-quoted for a
/// POSIX shell when it holds anything but letters, digits and `/._-`.
pub fn repro(file: &str, seed: u64, runs: usize, set: &BTreeMap<String, ParamValue>) -> String {
    let plain = file.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
    let file = if plain { file.to_string() } else { format!("'{}'", file.replace('\'', "'\\''")) };
    let mut command = format!("unlocksim run {file} --seed {seed} --runs {runs}");
    for (name, value) in set {
        let value = match value {
            ParamValue::Int(n) => n.to_string(),
            ParamValue::Float(x) => x.to_string(),
            ParamValue::Text(t) => t.clone(),
        };
        command.push_str(&format!(" --set {name}={value}"));
    }
    command
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    /// (points, first time s, last time s, last share) of the CDF of `locked` walk-aways at
    /// 1 s, 2 s, ... and `never` that never locked.
    fn summary(locked: u64, never: usize) -> (usize, Option<f64>, Option<f64>, Option<f64>) {
        let mut sorted: Vec<Option<u64>> = (1..=locked).map(|s| Some(s * 1_000_000)).collect();
        sorted.extend(std::iter::repeat_n(None, never));
        let c = cdf(&sorted);
        (c.t_s.len(), c.t_s.first().copied(), c.t_s.last().copied(), c.share.last().copied())
    }

    #[rstest]
    #[case::nothing(0, 0, (0, None, None, None))]
    #[case::all_never(0, 3, (0, None, None, None))]
    #[case::small(4, 1, (4, Some(1.0), Some(4.0), Some(0.8)))]
    #[case::at_the_bound(600, 0, (600, Some(1.0), Some(600.0), Some(1.0)))]
    #[case::past_the_bound(601, 0, (301, Some(2.0), Some(601.0), Some(1.0)))]
    #[case::thinned(5000, 5000, (556, Some(9.0), Some(5000.0), Some(0.5)))]
    fn cdfs_are_thinned_to_their_bound(
        #[case] locked: u64,
        #[case] never: usize,
        #[case] expected: (usize, Option<f64>, Option<f64>, Option<f64>),
    ) {
        assert_eq!(summary(locked, never), expected);
    }

    #[rstest]
    #[case("scenarios/suite/walk_away.yaml", "scenarios/suite/walk_away.yaml")]
    #[case("my scenarios/it's.yaml", "'my scenarios/it'\\''s.yaml'")]
    fn the_repro_command_quotes_a_file_with_spaces(#[case] file: &str, #[case] shown: &str) {
        let command = repro(file, 1, 2, &BTreeMap::new());
        assert_eq!(command, format!("unlocksim run {shown} --seed 1 --runs 2"));
    }

    #[test]
    fn the_repro_command_lists_overrides_in_name_order() {
        let set = BTreeMap::from([
            ("rssi_min".to_string(), ParamValue::Int(-5)),
            ("authentication_lock".to_string(), ParamValue::Text("on".into())),
        ]);
        assert_eq!(
            repro("scenarios/suite/a.yaml", 11, 500, &set),
            "unlocksim run scenarios/suite/a.yaml --seed 11 --runs 500 \
             --set authentication_lock=on --set rssi_min=-5"
        );
    }
}
