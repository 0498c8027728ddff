//! Running a plan: sharding, parallel execution into the directory's results store, resuming,
//! reading results back and aggregating them in plan order.
//!
//! Layout of an output directory:
//! - `lock`: held by the one sweep writing here ([`store::lock`]).
//! - `plan.json`: the expanded plan (with its fingerprint), written atomically before any run.
//! - `shard`: `I/N`, the shard that runs here (removed by a merge into the directory).
//! - `results.jsonl`: every finished run, appended in committed batches ([`store`]); a crash
//!   (even `kill -9`) loses at most the uncommitted batch.
//! - `report.html`, `points.csv`, `points.json`: written once every run has a result.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::spec::{Plan, PointParams, RunKey, ScenarioRef, read_error};
use super::store::{self, StoredRun};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use reports::metrics::{AggregateMetrics, RunMetrics};
use reports::output::read_at_most;
use reports::recommend::{Recommendation, microsoft_defaults, recommend, repro_command};
use reports::sweep::{SweepKind, SweepMeta, SweepPoint, write_sweep_report};
use reports::write_atomic;

/// Largest `plan.json` a merge reads (a resume reads at most its own plan's size). A plan is
/// about 150 bytes per point with two parameters, so 4 GiB holds 10 million points (the sweep's
/// own bound) of up to about five parameters.
pub const PLAN_BYTES_MAX: u64 = 4 << 30;
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

    /// The shard from `--shard I/N` (always wins), else from a Slurm job array, else from a
    /// Kubernetes Indexed Job (`JOB_COMPLETION_INDEX` of `--shard-count`), else the whole plan.
    ///
    /// Slurm: index = (`SLURM_ARRAY_TASK_ID` - `SLURM_ARRAY_TASK_MIN`) /
    /// `SLURM_ARRAY_TASK_STEP`, count = `SLURM_ARRAY_TASK_COUNT` (so `--array=0-6:2` is shards
    /// 0..4 of 4). A one-task array whose id is not 0 (one task resubmitted, e.g.
    /// `sbatch --array=2`, which sets ID = MIN = 2 and COUNT = 1), a missing count, an id off
    /// the step, or a `--shard-count` that
    /// disagrees is an error telling to pass `--shard I/N`: guessing would run the wrong slice.
    ///
    /// # Errors
    /// Those above, a value that is not a number, and `I >= N` or `N == 0`.
    pub fn resolve(
        arg: Option<&str>,
        shard_count: Option<u64>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let shard = if let Some(arg) = arg {
            let (i, n) = arg
                .split_once('/')
                .ok_or_else(|| format!("--shard: `{arg}` is not I/N (e.g. 0/4)"))?;
            Shard { index: number("--shard", i)?, count: number("--shard", n)? }
        } else if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
            Shard::from_slurm(&id, shard_count, env)?
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

    /// The shard of Slurm array task `id` (see [`Shard::resolve`]).
    fn from_slurm(
        id: &str,
        shard_count: Option<u64>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let id = number("SLURM_ARRAY_TASK_ID", id)?;
        let optional = |name: &str| env(name).map(|v| number(name, &v)).transpose();
        let min = optional("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = optional("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let pass = "pass --shard I/N (0-based) to say which slice this task runs";
        let count = optional("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
            format!("SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; {pass}")
        })?;
        // `sbatch --array=2` (task 2 resubmitted) sets ID = MIN = 2, COUNT = 1: a one-task
        // array that does not start at 0 is a piece of a larger one.
        if count == 1 && id != 0 {
            return Err(format!(
                "this is a one-task Slurm array (task {id}, e.g. one task resubmitted): its \
                shard count is unknown; {pass}, e.g. --shard {id}/N with N the original array's \
                task count"
            ));
        }
        let offset = id.checked_sub(min).filter(|offset| offset % step == 0).ok_or_else(|| {
            format!("SLURM_ARRAY_TASK_ID {id} is not MIN {min} + k x STEP {step}; {pass}")
        })?;
        if let Some(given) = shard_count.filter(|&given| given != count) {
            return Err(format!(
                "--shard-count {given} disagrees with SLURM_ARRAY_TASK_COUNT {count}; {pass}"
            ));
        }
        Ok(Shard { index: offset / step, count })
    }
}

/// `text` as a number, or an error naming `name`.
fn number(name: &str, text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("{name}: `{text}` is not a number"))
}

fn io_error(path: &Path, error: io::Error) -> String {
    format!("{}: {error}", path.display())
}

/// Writes `plan.json` into `out` (whose lock the caller holds), or checks that the one there is
/// the same sweep: the same fingerprint. Only the seeds may differ (runs are stored per seed,
/// so growing them reuses every finished run): then the new plan replaces the old. Any other
/// difference is refused with what differs, field by field.
pub fn prepare(plan: &Plan, out: &Path, _lock: &store::Lock) -> Result<(), String> {
    let path = out.join("plan.json");
    let text = serde_json::to_string_pretty(plan).expect("plan serialises");
    match path.try_exists() {
        Ok(true) => {
            let bytes = read_at_most(&path, PLAN_BYTES_MAX).map_err(|e| read_error(&path, &e))?;
            if bytes == text.as_bytes() {
                return Ok(());
            }
            let existing = serde_json::from_slice::<Plan>(&bytes)
                .map_err(|e| format!("{}: not a sweep plan: {e}", path.display()))?;
            if existing.fingerprint != plan.fingerprint {
                return Err(format!(
                    "{} holds results of a different sweep: {}; use another output directory",
                    out.display(),
                    plan_differences(&existing, plan)
                ));
            }
            write_atomic(&path, text.as_bytes()).map_err(|e| io_error(&path, e))
        }
        Ok(false) => write_atomic(&path, text.as_bytes()).map_err(|e| io_error(&path, e)),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// What differs between the plan `old` of an output directory and `new`, field by field
/// (`name: `a` -> `b`; scenario walk.yaml: sha256 12ab.. -> 34cd..`).
pub fn plan_differences(old: &Plan, new: &Plan) -> String {
    let mut parts = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            parts.push(format!("{name}: `{a}` -> `{b}`"));
        }
    };
    let json = |v: &dyn erased::Json| v.text();
    field("name", old.name.clone(), new.name.clone());
    field("program_version", old.program_version.clone(), new.program_version.clone());
    field("scenario count", old.scenarios.len().to_string(), new.scenarios.len().to_string());
    for (a, b) in old.scenarios.iter().zip(&new.scenarios) {
        field("scenario", a.name.clone(), b.name.clone());
        field(&format!("scenario {} sha256", b.name), a.sha256.clone(), b.sha256.clone());
        // Every file either names, once, in the order they name them.
        let mut names: Vec<&str> = Vec::new();
        for file in a.files.iter().chain(&b.files) {
            if !names.contains(&file.name.as_str()) {
                names.push(&file.name);
            }
        }
        let hash = |files: &[super::spec::NamedFile], name: &str| {
            let found = files.iter().find(|f| f.name == name);
            found.map_or("(not named)".to_owned(), |f| f.sha256.clone())
        };
        for name in names {
            let what = format!("scenario {} file {name} sha256", b.name);
            field(&what, hash(&a.files, name), hash(&b.files, name));
        }
    }
    field("point count", old.points.len().to_string(), new.points.len().to_string());
    if let Some((a, b)) = old.points.iter().zip(&new.points).find(|(a, b)| a != b) {
        field(&format!("point {}", b.index), json(&a.values), json(&b.values));
    }
    field("metrics", json(&old.metrics), json(&new.metrics));
    field("far_distance_m", json(&old.options), json(&new.options));
    field("criteria", json(&old.criteria), json(&new.criteria));
    field("objective", json(&old.objective), json(&new.objective));
    if parts.is_empty() {
        parts.push("its plan was made by another store format (fingerprint differs)".into());
    }
    parts.join("; ")
}

/// Serialising for [`plan_differences`] without naming every type.
mod erased {
    /// A value shown as compact JSON.
    pub trait Json {
        /// The value's JSON text.
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// The runs of `shard` without a successful result in `out`, in plan order. Failed runs are
/// tried again (their failure may have been the environment's).
pub fn pending(plan: &Plan, out: &Path, shard: Shard) -> Result<Vec<RunKey>, String> {
    let stored = store::read(out, &plan.fingerprint)?;
    Ok(pending_in(plan, &stored, shard))
}

fn pending_in(plan: &Plan, stored: &store::Loaded, shard: Shard) -> Vec<RunKey> {
    let done = |key: &RunKey| stored.runs.get(key).is_some_and(Result::is_ok);
    plan.runs()
        .into_iter()
        .enumerate()
        .filter(|(k, key)| shard.contains(*k) && !done(key))
        .map(|(_, key)| key)
        .collect()
}

/// Runs one request from the plan.
pub fn run_key(plan: &Plan, runner: &dyn RunOnePoint, key: &RunKey) -> StoredRun {
    let request = RunRequest {
        scenario_index: key.scenario_index,
        scenario: &plan.scenarios[key.scenario_index],
        params: &plan.points[key.point_index],
        seed: key.seed,
    };
    StoredRun { key: *key, outcome: runner.run(&request) }
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

/// How progress is shown while a sweep runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing (tests, benchmarks).
    Hidden,
    /// A bar on a terminal.
    Bar,
    /// A line on stderr every [`PROGRESS_LINE_INTERVAL_S`] seconds: done/total, rate, ETA
    /// (for Slurm and CI logs).
    Lines,
}

/// Seconds between two progress lines without a terminal. Unknown; chosen, range 1..600:
/// often enough that a log shows life, rarely enough that a day's sweep logs a few thousand.
pub const PROGRESS_LINE_INTERVAL_S: u64 = 5;

/// One progress line: `done/total runs, rate runs/s, ETA s`.
pub fn progress_line(done: u64, total: u64, elapsed: Duration) -> String {
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let eta = if done == 0 {
        "unknown".into()
    } else {
        format!("{:.0} s", total.saturating_sub(done) as f64 / rate)
    };
    format!("xtask sweep: {done}/{total} runs, {rate:.1} runs/s, ETA {eta}")
}

/// The file of an output directory that records which shard ran there (`I/N`).
pub const SHARD_FILE: &str = "shard";

/// Records `shard` in `out`, or checks it against the shard recorded there: a task that resolved
/// another shard into the same directory (a resubmitted one-task array, a changed array size)
/// would run the wrong slice, so it is an error that says to pass `--shard I/N`. A merge into
/// `out` removes the record (the directory then holds every shard).
fn record_shard(out: &Path, shard: Shard, _lock: &store::Lock) -> Result<(), String> {
    let path = out.join(SHARD_FILE);
    let text = format!("{}/{}", shard.index, shard.count);
    match std::fs::read(&path) {
        Ok(bytes) if bytes == text.as_bytes() => Ok(()),
        Ok(bytes) => {
            let recorded = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
            Err(format!(
                "{} holds shard {recorded}, but this task resolved to shard {text}; pass --shard \
                {recorded} to resume it (or use another --out)",
                out.display()
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_atomic(&path, text.as_bytes()).map_err(|e| io_error(&path, e))
        }
        Err(e) => Err(io_error(&path, e)),
    }
}

/// The store's writer and the progress of the runs done now.
struct Sink {
    writer: store::Writer,
    done: u64,
    last_line: Instant,
}

/// Executes the pending runs of `shard` in parallel on `threads` threads (default: rayon's),
/// appending each result to the directory's store (committed in batches, see [`store`]). Holds
/// the directory's lock throughout: a second sweep into `out` is refused. The order runs finish
/// in does not matter: results are aggregated in plan order.
pub fn execute(
    plan: &Plan,
    out: &Path,
    shard: Shard,
    runner: &dyn RunOnePoint,
    threads: Option<usize>,
    progress: Progress,
) -> Result<ExecSummary, String> {
    let lock = store::lock(out)?;
    prepare(plan, out, &lock)?;
    record_shard(out, shard, &lock)?;
    let stored = store::read(out, &plan.fingerprint)?;
    let total = plan.runs().iter().enumerate().filter(|(k, _)| shard.contains(*k)).count() as u64;
    let todo = pending_in(plan, &stored, shard);
    let writer = store::Writer::open(&lock, out, &plan.fingerprint, stored.valid_bytes)?;
    drop(stored);
    let bar = ProgressBar::with_draw_target(
        Some(todo.len() as u64),
        if progress == Progress::Bar {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .expect("valid progress template"),
    );
    let start = Instant::now();
    let sink = Mutex::new(Sink { writer, done: 0, last_line: start });
    let todo_count = todo.len() as u64;
    let work = || {
        todo.par_iter().try_for_each(|key| {
            let result = run_key(plan, runner, key);
            let mut sink = sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            sink.writer.append(&result)?;
            sink.done += 1;
            bar.inc(1);
            let interval = Duration::from_secs(PROGRESS_LINE_INTERVAL_S);
            if progress == Progress::Lines && sink.last_line.elapsed() >= interval {
                sink.last_line = Instant::now();
                eprintln!("{}", progress_line(sink.done, todo_count, start.elapsed()));
            }
            Ok::<(), String>(())
        })
    };
    let outcome = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| format!("thread pool: {e}"))?
            .install(work),
        None => work(),
    };
    let mut sink = sink.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Commit what finished even when a run's storing failed: it is work done.
    let committed = sink.writer.commit();
    outcome?;
    committed?;
    bar.finish_and_clear();
    Ok(ExecSummary {
        skipped_count: total - sink.done,
        executed_count: sink.done,
        elapsed: start.elapsed(),
    })
}

/// Most runs [`estimate`] times. Unknown; chosen, range 1..1_000: enough to fill two threads a
/// few times over and average out a slow point, few enough that `--dry-run` stays quick.
pub const ESTIMATE_RUNS_MAX: usize = 16;

/// What [`estimate`] measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Runs timed.
    pub timed_count: usize,
    /// Wall-clock seconds per run on the pool (runs in parallel, so already divided by the
    /// threads' parallelism as it really is).
    pub per_run_s: f64,
    /// Seconds for every run of `pending`.
    pub total_s: f64,
}

/// Times up to [`ESTIMATE_RUNS_MAX`] runs of `pending`, spread evenly over it (points differ in
/// cost), in parallel on `threads` threads as the sweep would, and extrapolates to all of
/// `pending`. Nothing is stored.
///
/// # Errors
/// The thread pool's, or the first timed run's failure.
pub fn estimate(
    plan: &Plan,
    runner: &dyn RunOnePoint,
    pending: &[RunKey],
    threads: Option<usize>,
) -> Result<Estimate, String> {
    let step = pending.len().div_ceil(ESTIMATE_RUNS_MAX).max(1);
    let sample: Vec<RunKey> = pending.iter().step_by(step).copied().collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("thread pool: {e}"))?;
    let start = Instant::now();
    let results: Vec<StoredRun> =
        pool.install(|| sample.par_iter().map(|key| run_key(plan, runner, key)).collect());
    let wall_s = start.elapsed().as_secs_f64();
    if let Some(Err(error)) = results.into_iter().map(|r| r.outcome).find(Result::is_err) {
        return Err(format!("a timed run failed: {error}"));
    }
    let per_run_s = wall_s / sample.len().max(1) as f64;
    Ok(Estimate { timed_count: sample.len(), per_run_s, total_s: per_run_s * pending.len() as f64 })
}

/// Reads every run's result of `plan` from `dirs` (the first directory holding a run wins;
/// duplicates must agree) and aggregates them point by point in plan order. Errors name the
/// runs still missing.
pub fn collect(plan: &Plan, dirs: &[PathBuf]) -> Result<Vec<SweepPoint>, String> {
    let slots = read_slots(plan, dirs)?;
    if let Some(first) = slots.iter().position(Option::is_none) {
        let missing_count = slots.iter().filter(|slot| slot.is_none()).count();
        return Err(format!(
            "{missing_count} runs have no result yet (first: {}); run the remaining shards or \
            resume",
            run_at(plan, first).file_name()
        ));
    }
    let (scenario_count, seed_count) = (plan.scenarios.len(), plan.seeds.len());
    let mut slots = slots.into_iter();
    let mut points = Vec::with_capacity(plan.points.len());
    // Point by point, in plan order (scenario, then seed): each point's runs are pooled per
    // seed, aggregated and dropped before the next point's.
    for point in &plan.points {
        let mut seeds: Vec<Option<RunMetrics>> = vec![Some(RunMetrics::default()); seed_count];
        let mut failed_runs = Vec::new();
        for scenario_index in 0..scenario_count {
            for (position, &seed) in plan.seeds.iter().enumerate() {
                match slots.next().flatten() {
                    Some(Ok(metrics)) => {
                        if let Some(acc) = &mut seeds[position] {
                            acc.absorb(&metrics);
                        }
                    }
                    Some(Err(error)) => {
                        seeds[position] = None;
                        let key = RunKey { point_index: point.index, scenario_index, seed };
                        let command = run_command(plan, &key);
                        failed_runs
                            .push(format!("{}: {error}; reproduce: {command}", key.file_name()));
                    }
                    None => unreachable!("missing runs were reported above"),
                }
            }
        }
        let pooled: Vec<RunMetrics> = seeds.into_iter().flatten().collect();
        points.push(SweepPoint {
            params: point.values.clone(),
            failed_runs,
            metrics: AggregateMetrics::from_runs(&pooled),
            command: point_command(plan, point),
        });
    }
    Ok(points)
}

/// Every run's outcome in plan order (`None`: no result yet), streamed from the stores of
/// `dirs`: a success wins over a failure, and two different successes of one run are an error.
/// Runs of seeds the plan no longer has are skipped.
fn read_slots(
    plan: &Plan,
    dirs: &[PathBuf],
) -> Result<Vec<Option<Result<RunMetrics, String>>>, String> {
    let (scenario_count, seed_count) = (plan.scenarios.len(), plan.seeds.len());
    let first_seed = plan.seeds.first().copied().unwrap_or(0);
    let ordinal = |key: &RunKey| -> Option<usize> {
        let position = usize::try_from(key.seed.checked_sub(first_seed)?).ok()?;
        let known = plan.seeds.get(position) == Some(&key.seed)
            && key.point_index < plan.points.len()
            && key.scenario_index < scenario_count;
        known.then(|| {
            (key.point_index * scenario_count + key.scenario_index) * seed_count + position
        })
    };
    let mut slots: Vec<Option<Result<RunMetrics, String>>> = Vec::new();
    slots.resize_with(plan.runs_count() as usize, || None);
    for dir in dirs {
        store::read_each(dir, &plan.fingerprint, &mut |run| {
            let Some(i) = ordinal(&run.key) else { return Ok(()) };
            match (&slots[i], &run.outcome) {
                (Some(Ok(first)), Ok(metrics)) if first != metrics => {
                    Err(format!("run {} differs between output directories", run.key.file_name()))
                }
                (Some(Ok(_)), _) => Ok(()),
                _ => {
                    slots[i] = Some(run.outcome);
                    Ok(())
                }
            }
        })?;
    }
    Ok(slots)
}

/// The run at position `ordinal` of the plan's order (point, scenario, seed).
fn run_at(plan: &Plan, ordinal: usize) -> RunKey {
    let seed_count = plan.seeds.len().max(1);
    let scenario_count = plan.scenarios.len().max(1);
    RunKey {
        point_index: ordinal / seed_count / scenario_count,
        scenario_index: ordinal / seed_count % scenario_count,
        seed: plan.seeds[ordinal % seed_count],
    }
}

/// `path` as a reproduce command names it: relative to the repository root when it is inside
/// it (commands run from there), `.` and `..` resolved lexically.
pub fn repo_relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("/"));
    let shown = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<std::path::Component<'_>> = Vec::new();
    for component in shown.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect::<PathBuf>().to_string_lossy().into_owned()
}

/// Where base scenario `index` is: where the sweep read it, else (a plan read back from
/// `plan.json`) beside the sweep file, as written in it, a relative sweep file path starting at
/// the repository root.
pub fn scenario_path(plan: &Plan, index: usize) -> PathBuf {
    let scenario = &plan.scenarios[index];
    if !scenario.path.as_os_str().is_empty() {
        return scenario.path.clone();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("/"));
    let base = Path::new(&plan.file).parent().unwrap_or(Path::new(""));
    root.join(base).join(&scenario.name)
}

/// Base scenario `index` as commands and reports name it: from the repository root, found
/// from the plan alone (never from the path typed), so that every machine names it alike.
pub fn scenario_shown(plan: &Plan, index: usize) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("/"));
    let base = Path::new(&plan.file).parent().unwrap_or(Path::new(""));
    repo_relative(&root.join(base).join(&plan.scenarios[index].name))
}

/// The folder of a point's traces in its reproduce command (independent of `--out`, so a
/// merged report is identical to a single run's).
fn trace_dir(plan: &Plan, point_index: usize) -> String {
    format!("target/sweep/{}/traces/p{point_index:06}", plan.name)
}

/// The command that reproduces every run of `point` (every base scenario, every seed).
fn point_command(plan: &Plan, point: &PointParams) -> String {
    let scenarios: Vec<String> =
        (0..plan.scenarios.len()).map(|i| scenario_shown(plan, i)).collect();
    let first = plan.seeds.first().copied().unwrap_or(1);
    let dir = trace_dir(plan, point.index);
    repro_command(&scenarios, &point.values, first, plan.seeds.len() as u64, &dir)
}

/// The command that reproduces one run.
fn run_command(plan: &Plan, key: &RunKey) -> String {
    let scenario = scenario_shown(plan, key.scenario_index);
    let values = &plan.points[key.point_index].values;
    repro_command(&[scenario], values, key.seed, 1, &trace_dir(plan, key.point_index))
}

/// The report metadata of a plan.
pub fn meta(plan: &Plan) -> SweepMeta {
    let seeds = match (plan.seeds.first(), plan.seeds.last()) {
        (Some(first), Some(last)) => format!("{first}-{last} per point"),
        _ => "none".into(),
    };
    let file_name = Path::new(&plan.file).file_name().map(|n| n.to_string_lossy().into_owned());
    SweepMeta {
        kind: SweepKind::Sweep,
        name: plan.name.clone(),
        file: format!("{} sha256 {}", file_name.unwrap_or_default(), plan.study_sha256),
        scenarios: plan.scenarios.iter().map(|s| (s.name.clone(), s.sha256.clone())).collect(),
        seeds,
        program_version: plan.program_version.clone(),
        interpretation: "scenario defaults unless swept (swept ones are robustness dimensions)"
            .into(),
        criteria: plan.criteria,
        objective: plan.objective,
    }
}

/// What [`report`] found: every point (the grid's, then the extra ones) and the recommendation.
#[derive(Debug, Clone)]
pub struct Reported {
    /// Every point of the plan, in plan order (extra points last).
    pub points: Vec<SweepPoint>,
    /// The recommendation over the grid's points.
    pub recommendation: Option<Recommendation>,
}

/// The recommendation over the grid's points, with Microsoft's defaults (from the grid or the
/// extra points), the winner's command and, when the first base scenario loads, its paste-ready
/// rules.
pub fn recommendation(plan: &Plan, points: &[SweepPoint]) -> Option<Recommendation> {
    let grid_count = plan.points.iter().filter(|p| !p.extra).count();
    let (grid, extra) = points.split_at(grid_count.min(points.len()));
    let mut r = recommend(grid, &plan.criteria, plan.objective)?;
    r.microsoft_defaults = microsoft_defaults(grid, extra, &plan.criteria);
    r.command = Some(grid[r.point_index].command.clone());
    r.paste = match super::runner::paste_for(plan, &r.verdict.setting) {
        Ok(paste) => Some(paste),
        Err(error) => {
            eprintln!("xtask sweep: no paste-ready rule: {error}");
            None
        }
    };
    Some(r)
}

/// Aggregates the results in `dirs` and writes the report into `out`.
pub fn report(plan: &Plan, dirs: &[PathBuf], out: &Path) -> Result<Reported, String> {
    let points = collect(plan, dirs)?;
    let recommendation = recommendation(plan, &points);
    let grid_count = plan.points.iter().filter(|p| !p.extra).count();
    let grid = &points[..grid_count.min(points.len())];
    write_sweep_report(out, &meta(plan), grid, &plan.metrics, recommendation.as_ref())
        .map_err(|e| io_error(out, e))?;
    Ok(Reported { points, recommendation })
}

/// Merges the stores of `dirs` into the store of `out` (which may be one of them), under
/// `out`'s lock: every run of the plan that `out` lacks, or has only as a failure, is appended
/// in plan order (a success in any directory wins over a failure). Returns the runs appended.
///
/// # Errors
/// `out` locked by a running sweep, a store of another sweep, or an I/O error.
pub fn merge(plan: &Plan, dirs: &[PathBuf], out: &Path) -> Result<u64, String> {
    let lock = store::lock(out)?;
    prepare(plan, out, &lock)?;
    let existing = store::read(out, &plan.fingerprint)?;
    let same = |dir: &Path| match (std::fs::canonicalize(dir), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let others: Vec<store::Loaded> = dirs
        .iter()
        .filter(|dir| !same(dir))
        .map(|dir| store::read(dir, &plan.fingerprint))
        .collect::<Result<_, _>>()?;
    let mut writer = store::Writer::open(&lock, out, &plan.fingerprint, existing.valid_bytes)?;
    let mut appended_count = 0;
    for key in plan.runs() {
        if existing.runs.get(&key).is_some_and(Result::is_ok) {
            continue;
        }
        let found = others.iter().filter_map(|o| o.runs.get(&key));
        let best = found.clone().find(|outcome| outcome.is_ok()).or(found.clone().next());
        match best {
            Some(outcome) if Some(outcome) != existing.runs.get(&key) => {
                writer.append(&StoredRun { key, outcome: outcome.clone() })?;
                appended_count += 1;
            }
            _ => {}
        }
    }
    writer.commit()?;
    match std::fs::remove_file(out.join(SHARD_FILE)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(&out.join(SHARD_FILE), e)),
        _ => Ok(appended_count),
    }
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
            Some(first) if first.fingerprint != this.fingerprint || first.seeds != this.seeds => {
                let mut differences = plan_differences(first, &this);
                if first.fingerprint == this.fingerprint {
                    differences = format!("seeds: {} -> {}", meta(first).seeds, meta(&this).seeds);
                }
                return Err(format!(
                    "{} is a different sweep from {}: {differences}",
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
