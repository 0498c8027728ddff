//! Running a plan: sharding, parallel execution with atomic per-run results, resuming, reading
//! results back and aggregating them in plan order.
//!
//! Layout of an output directory:
//! - `plan.json`: the expanded plan (with its fingerprint), written atomically before any run.
//! - `runs/<RunKey::file_name>`: one [`RunResult`] per finished run, written atomically
//!   (temporary name, then rename), so a crash (even `kill -9`) leaves whole files or none.
//!   Temporary files start with `.` and are never read.
//! - `report.html`, `points.csv`, `points.json`: written once every run has a result.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use reports::metrics::{AggregateMetrics, RunMetrics};
use reports::output::read_at_most;
use reports::sweep::{RecommendationCriteria, SweepMeta, SweepPoint, write_sweep_report};
use reports::write_atomic;
use serde::{Deserialize, Serialize};

use super::spec::{Plan, PointParams, RunKey, ScenarioRef, read_error};

/// Largest `plan.json` a merge reads (a resume reads at most its own plan's size). A plan is
/// about 150 bytes per point with two parameters, so 4 GiB holds 10 million points (the sweep's
/// own bound) of up to about five parameters.
pub const PLAN_BYTES_MAX: u64 = 4 << 30;
/// Largest run result read back: one run's metrics, a few kB for an office day.
pub const RESULT_BYTES_MAX: u64 = 16 << 20;

/// What the runner is asked to simulate: one scenario of the sweep at one point and seed.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    /// The base scenario (index into [`Plan::scenarios`], path and hash).
    pub scenario_index: usize,
    /// The base scenario.
    pub scenario: &'a ScenarioRef,
    /// The point's parameter values.
    pub params: &'a PointParams,
    /// The seed.
    pub seed: u64,
}

/// Simulates one run and computes its metrics. Called from several threads at once; must be a
/// deterministic function of the request.
pub trait RunOnePoint: Sync {
    /// Runs `request`; an `Err` is recorded as a failed run with its message.
    fn run(&self, request: &RunRequest<'_>) -> Result<RunMetrics, String>;
}

impl<F> RunOnePoint for F
where
    F: Fn(&RunRequest<'_>) -> Result<RunMetrics, String> + Sync,
{
    fn run(&self, request: &RunRequest<'_>) -> Result<RunMetrics, String> {
        self(request)
    }
}

/// The stored result of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    /// The plan the run belongs to.
    pub fingerprint: String,
    /// Which run.
    pub key: RunKey,
    /// Metrics, or the run's error.
    pub outcome: Result<RunMetrics, String>,
}

/// The I-th of N deterministic slices of a plan's runs (run `k` belongs to shard `k % N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// The whole plan.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether run number `k` (in plan order) is in this shard.
    pub fn contains(&self, k: usize) -> bool {
        k as u64 % self.count == self.index
    }

    /// The shard from `--shard I/N`, else from Slurm (`SLURM_ARRAY_TASK_ID` minus
    /// `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`), else from Kubernetes
    /// (`JOB_COMPLETION_INDEX` of `--shard-count`), else the whole plan.
    pub fn resolve(
        arg: Option<&str>,
        shard_count: Option<u64>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let number = |name: &str, text: &str| {
            text.trim().parse::<u64>().map_err(|_| format!("{name}: `{text}` is not a number"))
        };
        let shard = if let Some(arg) = arg {
            let (i, n) = arg
                .split_once('/')
                .ok_or_else(|| format!("--shard: `{arg}` is not I/N (e.g. 0/4)"))?;
            Shard { index: number("--shard", i)?, count: number("--shard", n)? }
        } else if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
            let id = number("SLURM_ARRAY_TASK_ID", &id)?;
            let min = env("SLURM_ARRAY_TASK_MIN")
                .map(|m| number("SLURM_ARRAY_TASK_MIN", &m))
                .transpose()?
                .unwrap_or(0);
            let count = match (env("SLURM_ARRAY_TASK_COUNT"), shard_count) {
                (_, Some(count)) => count,
                (Some(c), None) => number("SLURM_ARRAY_TASK_COUNT", &c)?,
                (None, None) => return Err(
                    "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; pass --shard-count"
                        .into(),
                ),
            };
            Shard {
                index: id
                    .checked_sub(min)
                    .ok_or("SLURM_ARRAY_TASK_ID below SLURM_ARRAY_TASK_MIN")?,
                count,
            }
        } else if let Some(index) = env("JOB_COMPLETION_INDEX") {
            let count = shard_count
                .ok_or("JOB_COMPLETION_INDEX is set: pass --shard-count (the Job's completions)")?;
            Shard { index: number("JOB_COMPLETION_INDEX", &index)?, count }
        } else if let Some(count) = shard_count {
            return Err(format!(
                "--shard-count {count} without a shard index (--shard, SLURM_ARRAY_TASK_ID or \
                JOB_COMPLETION_INDEX)"
            ));
        } else {
            Shard::ALL
        };
        if shard.count == 0 || shard.index >= shard.count {
            return Err(format!(
                "shard {}/{} is out of range (0-based: 0 <= I < N)",
                shard.index, shard.count
            ));
        }
        Ok(shard)
    }
}

fn runs_dir(out: &Path) -> PathBuf {
    out.join("runs")
}

fn io_error(path: &Path, error: io::Error) -> String {
    format!("{}: {error}", path.display())
}

/// Writes `plan.json` into `out`, or checks that the one there is the same plan. The same plan
/// serialises to the same bytes, so the existing file is read to at most one byte more than
/// this plan's text: its bound is the plan's own size.
pub fn prepare(plan: &Plan, out: &Path) -> Result<(), String> {
    let path = out.join("plan.json");
    let text = serde_json::to_string_pretty(plan).expect("plan serialises");
    match path.try_exists() {
        Ok(true) => {
            let different = |detail: String| {
                format!(
                    "{} holds results of a different sweep ({detail}); use another output \
                    directory",
                    out.display()
                )
            };
            let bound = text.len() as u64;
            let size = std::fs::metadata(&path).map_err(|e| io_error(&path, e))?.len();
            if size > bound {
                return Err(different("its plan.json is larger than this sweep's".to_owned()));
            }
            let bytes = read_at_most(&path, bound).map_err(|e| read_error(&path, &e))?;
            if bytes == text.as_bytes() {
                return Ok(());
            }
            let existing = serde_json::from_slice::<Plan>(&bytes).ok();
            Err(different(match existing {
                Some(existing) => {
                    format!("fingerprint {} vs {}", existing.fingerprint, plan.fingerprint)
                }
                None => "its plan.json is not this sweep's plan".to_owned(),
            }))
        }
        Ok(false) => write_atomic(&path, text.as_bytes()).map_err(|e| io_error(&path, e)),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// Reads the result of `key` from `dir` if a whole result of this plan is there.
fn read_result(plan: &Plan, dir: &Path, key: &RunKey) -> Result<Option<RunResult>, String> {
    let path = runs_dir(dir).join(key.file_name());
    match path.try_exists() {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(e) => return Err(io_error(&path, e)),
    }
    let bytes = read_at_most(&path, RESULT_BYTES_MAX).map_err(|e| read_error(&path, &e))?;
    let result: RunResult =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if result.fingerprint != plan.fingerprint || result.key != *key {
        return Err(format!("{}: belongs to another sweep", path.display()));
    }
    Ok(Some(result))
}

/// The runs of `shard` without a successful result in `out`, in plan order. Failed runs are
/// tried again (their failure may have been the environment's).
pub fn pending(plan: &Plan, out: &Path, shard: Shard) -> Result<Vec<RunKey>, String> {
    let mut pending = Vec::new();
    for (k, key) in plan.runs().into_iter().enumerate() {
        if shard.contains(k)
            && read_result(plan, out, &key)?.is_none_or(|result| result.outcome.is_err())
        {
            pending.push(key);
        }
    }
    Ok(pending)
}

/// Runs one request from the plan.
pub fn run_key(plan: &Plan, runner: &dyn RunOnePoint, key: &RunKey) -> RunResult {
    let request = RunRequest {
        scenario_index: key.scenario_index,
        scenario: &plan.scenarios[key.scenario_index],
        params: &plan.points[key.point_index],
        seed: key.seed,
    };
    RunResult { fingerprint: plan.fingerprint.clone(), key: *key, outcome: runner.run(&request) }
}

/// What [`execute`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSummary {
    /// Runs of the shard that already had results.
    pub skipped_count: u64,
    /// Runs executed now.
    pub executed_count: u64,
    /// Wall-clock time of the execution.
    pub elapsed: Duration,
}

/// Executes the pending runs of `shard` in parallel on `threads` threads (default: rayon's),
/// writing each result atomically as soon as it is known. The order runs finish in does not
/// matter: results are read back and aggregated in plan order.
pub fn execute(
    plan: &Plan,
    out: &Path,
    shard: Shard,
    runner: &dyn RunOnePoint,
    threads: Option<usize>,
    progress: bool,
) -> Result<ExecSummary, String> {
    prepare(plan, out)?;
    let total = plan.runs().iter().enumerate().filter(|(k, _)| shard.contains(*k)).count() as u64;
    let todo = pending(plan, out, shard)?;
    let bar = ProgressBar::with_draw_target(
        Some(todo.len() as u64),
        if progress { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .expect("valid progress template"),
    );
    let start = Instant::now();
    let dir = runs_dir(out);
    let done = AtomicU64::new(0);
    let work = || {
        todo.par_iter().try_for_each(|key| {
            let result = run_key(plan, runner, key);
            let text = serde_json::to_vec(&result).expect("run result serialises");
            let path = dir.join(key.file_name());
            write_atomic(&path, &text).map_err(|e| io_error(&path, e))?;
            done.fetch_add(1, Ordering::Relaxed);
            bar.inc(1);
            Ok::<(), String>(())
        })
    };
    match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| format!("thread pool: {e}"))?
            .install(work)?,
        None => work()?,
    }
    bar.finish_and_clear();
    let executed_count = done.load(Ordering::Relaxed);
    Ok(ExecSummary {
        skipped_count: total - executed_count,
        executed_count,
        elapsed: start.elapsed(),
    })
}

/// Reads every run's result of `plan` from `dirs` (the first directory holding a run wins;
/// duplicates must agree) and aggregates them point by point in plan order. Errors name the
/// runs still missing.
pub fn collect(plan: &Plan, dirs: &[PathBuf]) -> Result<Vec<SweepPoint>, String> {
    // Per point and seed position: the scenarios' metrics pooled, or `None` once one failed.
    let mut per_point: Vec<(Vec<Option<RunMetrics>>, Vec<String>)> = plan
        .points
        .iter()
        .map(|_| (vec![Some(RunMetrics::default()); plan.seeds.len()], Vec::new()))
        .collect();
    let mut missing = Vec::new();
    for key in plan.runs() {
        let mut found: Option<RunResult> = None;
        for dir in dirs {
            if let Some(result) = read_result(plan, dir, &key)? {
                match &found {
                    Some(first) if *first != result => {
                        return Err(format!(
                            "run {} differs between output directories",
                            key.file_name()
                        ));
                    }
                    Some(_) => {}
                    None => found = Some(result),
                }
            }
        }
        let Some(result) = found else {
            missing.push(key.file_name());
            continue;
        };
        let seed_position =
            plan.seeds.iter().position(|&s| s == key.seed).expect("run seeds come from the plan");
        let (seeds, failed) = &mut per_point[key.point_index];
        match result.outcome {
            Ok(metrics) => {
                if let Some(acc) = &mut seeds[seed_position] {
                    acc.absorb(&metrics);
                }
            }
            Err(error) => {
                seeds[seed_position] = None;
                failed.push(format!("{}: {error}", key.file_name()));
            }
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} runs have no result yet (first: {}); run the remaining shards or resume",
            missing.len(),
            missing[0]
        ));
    }
    Ok(plan
        .points
        .iter()
        .zip(per_point)
        .map(|(point, (seeds, failed_runs))| SweepPoint {
            params: point.values.clone(),
            failed_runs,
            metrics: AggregateMetrics::from_runs(&seeds.into_iter().flatten().collect::<Vec<_>>()),
        })
        .collect())
}

/// The report metadata of a plan.
pub fn meta(plan: &Plan) -> SweepMeta {
    let seeds = match (plan.seeds.first(), plan.seeds.last()) {
        (Some(first), Some(last)) => format!("{first}-{last} per point"),
        _ => "none".into(),
    };
    SweepMeta {
        name: plan.name.clone(),
        file: plan.file.clone(),
        scenarios: plan.scenarios.iter().map(|s| (s.name.clone(), s.sha256.clone())).collect(),
        seeds,
        program_version: plan.program_version.clone(),
        interpretation: "scenario defaults unless swept".into(),
    }
}

/// Aggregates the results in `dirs` and writes the report into `out`.
pub fn report(plan: &Plan, dirs: &[PathBuf], out: &Path) -> Result<Vec<SweepPoint>, String> {
    let points = collect(plan, dirs)?;
    write_sweep_report(
        out,
        &meta(plan),
        &points,
        &plan.metrics,
        &RecommendationCriteria::default(),
    )
    .map_err(|e| io_error(out, e))?;
    Ok(points)
}

/// Reads the plan of every shard directory; they must all be the same plan.
pub fn read_plans(dirs: &[PathBuf]) -> Result<Plan, String> {
    let mut plan: Option<Plan> = None;
    for dir in dirs {
        let path = dir.join("plan.json");
        if !path.try_exists().unwrap_or(false) {
            return Err(format!(
                "{} is not a sweep output folder: it has no plan.json",
                dir.display()
            ));
        }
        let bytes = read_at_most(&path, PLAN_BYTES_MAX).map_err(|e| read_error(&path, &e))?;
        let this: Plan =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        match &plan {
            Some(first) if first.fingerprint != this.fingerprint => {
                return Err(format!(
                    "{} is a different sweep from {}",
                    dir.display(),
                    dirs[0].display()
                ));
            }
            Some(_) => {}
            None => plan = Some(this),
        }
    }
    plan.ok_or_else(|| "merge needs at least one directory".into())
}

#[cfg(test)]
mod tests;
