//! `cargo xtask bench`: every performance budget of the project, measured in one run on this
//! machine and printed as one table of ratios (each measurement next to its baseline, taken side
//! by side, so that machine load hits both alike).
//!
//! - kernel hold model vs a bare `BinaryHeap` loop (`engine/benches/hold_model.rs`);
//! - the full Bluetooth observation chain vs the bare path-loss formula
//!   (`sim-devices/benches/rssi_chain.rs`);
//! - end to end: `benches-data/office-day-10-phones.yaml` (8 hours, 10 phones polled every
//!   second, Wi-Fi and IP events), parse included, as a speed-up over real time;
//! - memory: peak RSS (`VmHWM`) of a 1-day and a 100-day run of that scenario, each in its own
//!   child process streaming the trace (only its hash is kept); and peak RSS of the release
//!   `unlocksim run` of a walk-away scenario with 10^5 vs 10^3 runs, plain and `--json`
//!   (issue 16: memory flat in the number of runs, target ratio <= 1.5);
//! - sweep runs per second on the default study at 1 and 2 threads;
//! - `unlocksim serve`: server time of 500 walk-away runs (release binary, budget 150 ms).
//! - sweep runs per second into the results store vs the same runs kept in memory;
//! - peak RSS of a synthetic 10^6-run sweep into one store and its aggregation (budget 200 MiB).
//!
//! The two criterion-less benches are built and run by `cargo bench` in release mode; the rest
//! runs inside this (release) xtask binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use engine::{PollRecord, SimDuration, SimTime, TraceRecord, TraceSink};
use scenarios::Scenario;
use scenarios::runner::run_into;

use crate::sweep;

/// The end-to-end fixture, relative to the workspace root.
/// Repetitions of each sweep measurement (interleaved 1 and 2 threads).
const SWEEP_REPETITIONS: usize = 5;
const OFFICE_DAY_FILE: &str = "xtask/benches-data/office-day-10-phones.yaml";
/// Repetitions of the end-to-end measurement; the median is kept.
const END_TO_END_REPETITIONS: usize = 9;
/// Server time budget of one workbench redraw of 500 runs (issue 19), ms.
const SERVE_BUDGET_MS: f64 = 150.0;
/// The walk-away scenario of the `unlocksim run --runs N` memory rows, from the workspace root.
const WALK_AWAY_FILE: &str = "scenarios/suite/walk_away_trouser_pocket.yaml";
/// Runs of the large and the small `unlocksim run` of the memory rows (issue 16).
const RUN_MEMORY_RUNS: [u32; 2] = [100_000, 1_000];
/// How often a child's `VmHWM` is sampled while it runs, ms. Unknown; chosen, range 1..50:
/// the high-water mark only grows, so a sample misses at most what the last few ms added.
const RSS_SAMPLE_MS: u64 = 5;
/// Wall time after which a memory child is killed and the row fails, s (10^5 release runs take
/// about half a minute here). Unknown; chosen, range 60..3,600.
const RSS_CHILD_TIMEOUT_S: u64 = 1_800;
/// Real time the end-to-end run must beat, as a multiple.
const SPEED_UP_TARGET: f64 = 100_000.0;

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Events per hold-model measurement (passed as HOLD_EVENTS).
    #[arg(long, default_value_t = 2_000_000)]
    hold_events: u64,
    /// Polls per Bluetooth-chain measurement (passed as RSSI_POLLS).
    #[arg(long, default_value_t = 200_000)]
    polls: u64,
    /// Simulated days of the long memory run (compared with a 1-day run).
    #[arg(long, default_value_t = 100)]
    memory_days: u64,
    /// Seeds per point of the default study in the sweep measurement (the study has 20).
    #[arg(long, default_value_t = 4)]
    sweep_seeds: usize,
    /// Runs of the synthetic sweep whose peak RSS in one store is measured.
    #[arg(long, default_value_t = 1_000_000)]
    store_runs: u64,
    /// Run only these groups (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
}

/// The groups of measurements, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    /// Kernel hold model and Bluetooth chain (cargo bench).
    Kernel,
    /// End-to-end office day.
    EndToEnd,
    /// Peak RSS of long runs, and of `unlocksim run` with many runs.
    Memory,
    /// Sweep threads, store vs memory, store peak RSS.
    Sweep,
    /// `unlocksim serve`: server time of one workbench request.
    Serve,
}

/// Options of the hidden `bench-child` task: one streamed run, then its peak RSS.
#[derive(Debug, clap::Args)]
pub struct ChildArgs {
    /// The scenario file.
    file: PathBuf,
    /// Simulated duration, replacing the scenario's (e.g. `1d`, `100d`).
    #[arg(long)]
    duration: String,
}

/// Options of the hidden `bench-store-child` task: a synthetic sweep into a results store, then
/// its peak RSS.
#[derive(Debug, clap::Args)]
pub struct StoreChildArgs {
    /// Runs of the synthetic sweep (1,000 points x runs/1,000 seeds).
    #[arg(long)]
    runs: u64,
    /// Output directory (emptied first).
    #[arg(long)]
    out: PathBuf,
}

/// Peak RSS budget of a 10^6-run sweep in one store, in MiB (issue 16).
const STORE_PEAK_MIB_BUDGET: f64 = 200.0;

/// `bench-store-child`: a synthetic sweep of `runs` runs (a trivial runner, so the store and the
/// aggregation are what is measured) executed into one store and aggregated; prints
/// `vm_hwm_kb <peak RSS>`.
pub fn store_child(args: &StoreChildArgs) -> Result<(), String> {
    let points = 1_000u64;
    let seeds = (args.runs / points).max(1);
    let text = format!(
        "name: synthetic\nscenarios: [s.yaml]\nparameters:\n  - name: idle_min_s\n    \
        range: {{from: 1, to: {points}, step: 1}}\nseeds: {seeds}\n"
    );
    let spec = sweep::spec::parse_spec("synthetic.yaml", &text)?;
    let read = |_: &Path| Ok(b"synthetic".to_vec());
    let plan = sweep::spec::expand(&spec, "synthetic.yaml", Path::new("."), &read, "bench")?;
    let runner = |request: &sweep::exec::RunRequest<'_>| {
        Ok(reports::metrics::RunMetrics {
            time_to_lock_us: vec![Some(request.seed * 1_000 + request.params.index as u64)],
            seated_us: 3_600_000_000,
            desk_unlock_attempts_count: 4,
            desk_unlocks_count: 4 - request.seed % 2,
            ..reports::metrics::RunMetrics::default()
        })
    };
    let _ = std::fs::remove_dir_all(&args.out);
    let all = sweep::exec::Shard::ALL;
    let hidden = sweep::exec::Progress::Hidden;
    sweep::exec::execute(&plan, &args.out, all, &runner, Some(2), hidden)?;
    let points = sweep::exec::collect(&plan, std::slice::from_ref(&args.out))?;
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e} (peak RSS needs Linux)"))?;
    let vm_hwm_kb =
        status_kb(&status, "VmHWM:").ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())?;
    let _ = std::fs::remove_dir_all(&args.out);
    println!("points {}", points.len());
    println!("vm_hwm_kb {vm_hwm_kb}");
    Ok(())
}

/// Peak RSS (MiB) and wall time of a synthetic sweep of `runs` runs in a child process.
fn store_child_peak(root: &Path, runs: u64) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
    let start = Instant::now();
    let output = Command::new(exe)
        .args(["bench-store-child", "--runs", &runs.to_string(), "--out"])
        .arg(root.join("target/bench/sweep-synthetic"))
        .output()
        .map_err(|e| format!("bench-store-child: {e}"))?;
    let wall_s = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let kb = stdout.lines().find_map(|l| l.strip_prefix("vm_hwm_kb ")?.trim().parse::<u64>().ok());
    match kb {
        Some(kb) if output.status.success() => Ok((kb as f64 / 1024.0, wall_s)),
        _ => Err(format!(
            "bench-store-child {runs} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

/// Peak RSS of a synthetic sweep of `runs` runs in one store against the 200 MiB budget, with
/// 1,000 runs beside it.
fn store_memory_row(root: &Path, runs: u64) -> Result<Row, String> {
    let (small_mib, _) = store_child_peak(root, 1_000)?;
    let (large_mib, wall_s) = store_child_peak(root, runs)?;
    Ok(Row {
        name: format!("peak RSS, synthetic sweep of {} runs in one store", si(runs as f64)),
        value: format!("{large_mib:.1} MiB in {wall_s:.1} s"),
        baseline: format!("{STORE_PEAK_MIB_BUDGET:.0} MiB (1 k runs: {small_mib:.1})"),
        ratio: large_mib / STORE_PEAK_MIB_BUDGET,
        target: "<= 1".to_owned(),
    })
}

/// One line of the table: a measurement, its baseline, and their ratio against a target.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    value: String,
    baseline: String,
    ratio: f64,
    /// The ratio's budget, as text (`>= 0.8`), or empty when there is none.
    target: String,
}

/// Loads a scenario file, resolving the files it names relative to it; every file goes through
/// the shared bounded reader, at the sweep's bound ([`crate::sweep::spec::SPEC_BYTES_MAX`]).
fn load(path: &Path) -> Result<Scenario, String> {
    let read = |path: &Path| {
        reports::output::read_bounded(path, crate::sweep::spec::SPEC_BYTES_MAX)
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let text = read(path)?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut read_file = |name: &str| read(&dir.join(name));
    scenarios::load_scenario(&path.to_string_lossy(), &text, &mut read_file).map_err(|problems| {
        let messages: Vec<String> = problems.iter().map(|d| format!("{d:?}")).collect();
        format!("{}: {}", path.display(), messages.join("; "))
    })
}

/// A sink that keeps nothing: [`run_into`] already hashes every record itself, so a second
/// [`engine::TraceHasher`] would only double the hashing.
#[derive(Debug, Default)]
struct Discard;

impl TraceSink for Discard {
    fn record(&mut self, _: TraceRecord) {}

    fn record_poll(&mut self, _: SimTime, _: &engine::trace::Entity, _: &PollRecord<'_>) {}
}

/// Runs `scenario` once (its seed and interpretations) streaming the trace: only its hash is
/// kept, so memory does not grow with simulated time. Returns the events handled.
fn run_hashed(scenario: &Scenario) -> Result<u64, String> {
    let mut sink = Discard;
    let (events_handled, _) =
        run_into(scenario, scenario.seed, &scenario.interpretations, &mut sink)
            .map_err(|e| format!("{e:?}"))?;
    Ok(events_handled)
}

/// `bench-child`: runs the scenario for `duration`, streaming its trace (hash only), and
/// prints `events <n>` and `vm_hwm_kb <peak RSS>` read from `/proc/self/status`.
pub fn child(args: &ChildArgs) -> Result<(), String> {
    let mut scenario = load(&args.file)?;
    scenario.duration = SimDuration::parse(&args.duration).map_err(|e| e.to_string())?;
    let events_handled = run_hashed(&scenario)?;
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e} (peak RSS needs Linux)"))?;
    let vm_hwm_kb =
        status_kb(&status, "VmHWM:").ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())?;
    println!("events {events_handled}");
    println!("vm_hwm_kb {vm_hwm_kb}");
    Ok(())
}

/// The value in kB of a `/proc/<pid>/status` field such as `VmHWM:     1234 kB`.
fn status_kb(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// Peak RSS in kB of a child `bench-child` run of `file` for `duration`, and its events.
fn child_peak_rss_kb(file: &Path, duration: &str) -> Result<(u64, u64), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
    let output = Command::new(exe)
        .arg("bench-child")
        .arg(file)
        .args(["--duration", duration])
        .output()
        .map_err(|e| format!("bench-child: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "bench-child {duration} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> Option<u64> {
        stdout.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
    };
    match (field("vm_hwm_kb "), field("events ")) {
        (Some(kb), Some(events)) => Ok((kb, events)),
        _ => Err(format!("bench-child printed no peak RSS: {stdout}")),
    }
}

/// Runs `cargo bench -p PACKAGE --bench NAME` (release) with `env` and returns its stdout.
fn cargo_bench(
    root: &Path,
    package: &str,
    name: &str,
    env: (&str, String),
) -> Result<String, String> {
    let mut command = crate::cargo();
    command
        .current_dir(root)
        .args(["bench", "--quiet", "-p", package, "--bench", name])
        .env(env.0, env.1);
    eprintln!("xtask bench: running {command:?}");
    let output = command.output().map_err(|e| format!("cargo bench: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo bench {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Rows from the hold-model table: `pending bare kernel ratio` lines.
fn hold_rows(stdout: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [pending, bare, kernel, ratio] = fields[..] else { continue };
        let (Ok(pending), Ok(bare), Ok(kernel), Ok(ratio)) = (
            pending.parse::<u64>(),
            bare.parse::<f64>(),
            kernel.parse::<f64>(),
            ratio.parse::<f64>(),
        ) else {
            continue;
        };
        rows.push(Row {
            name: format!("hold model kernel vs BinaryHeap, P = {pending}"),
            value: format!("{} events/s", si(kernel)),
            baseline: format!("{} events/s", si(bare)),
            ratio,
            target: ">= 0.8".to_owned(),
        });
    }
    if rows.len() == 3 { Ok(rows) } else { Err(format!("unexpected hold_model output:\n{stdout}")) }
}

/// The row from the Bluetooth chain table (`full chain ... N` and `bare path-loss formula N`).
fn chain_row(stdout: &str) -> Result<Row, String> {
    let rate = |prefix: &str| -> Option<f64> {
        stdout.lines().find(|l| l.starts_with(prefix))?.split_whitespace().last()?.parse().ok()
    };
    match (rate("full chain"), rate("bare path-loss formula")) {
        (Some(chain), Some(bare)) => Ok(Row {
            name: "Bluetooth full chain vs bare path loss".to_owned(),
            value: format!("{} polls/s", si(chain)),
            baseline: format!("{} polls/s", si(bare)),
            ratio: chain / bare,
            target: String::new(),
        }),
        _ => Err(format!("unexpected rssi_chain output:\n{stdout}")),
    }
}

/// The end-to-end office day: load (parse included) and run, median of
/// [`END_TO_END_REPETITIONS`].
fn end_to_end_row(root: &Path) -> Result<Row, String> {
    let path = root.join(OFFICE_DAY_FILE);
    let mut walls = Vec::new();
    let mut simulated = Duration::ZERO;
    let mut events_handled = 0;
    for _ in 0..END_TO_END_REPETITIONS {
        let start = Instant::now();
        let scenario = load(&path)?;
        events_handled = run_hashed(&scenario)?;
        walls.push(start.elapsed().as_secs_f64());
        simulated = Duration::from_micros(scenario.duration.as_us());
    }
    // The median is the figure; the best run is shown beside it because on a shared machine
    // noise only ever adds time.
    walls.sort_by(f64::total_cmp);
    let wall_s = walls[walls.len() / 2];
    Ok(Row {
        name: "office day (8 h, 10 phones @ 1 s), parse incl.".to_owned(),
        value: format!(
            "{wall_s:.3} s median, {:.3} s best ({} events)",
            walls[0],
            si(events_handled as f64)
        ),
        baseline: format!("{:.0} s simulated", simulated.as_secs_f64()),
        ratio: simulated.as_secs_f64() / wall_s,
        target: format!(">= {SPEED_UP_TARGET:.0}"),
    })
}

/// Peak RSS of a 1-day and a long run, each in a fresh child process.
fn memory_row(root: &Path, days: u64) -> Result<Row, String> {
    let path = root.join(OFFICE_DAY_FILE);
    let (short_kb, _) = child_peak_rss_kb(&path, "1d")?;
    let (long_kb, long_events) = child_peak_rss_kb(&path, &format!("{days}d"))?;
    Ok(Row {
        name: format!("peak RSS, {days}-day vs 1-day office run"),
        value: format!("{:.1} MiB ({} events)", long_kb as f64 / 1024.0, si(long_events as f64)),
        baseline: format!("{:.1} MiB", short_kb as f64 / 1024.0),
        ratio: long_kb as f64 / short_kb as f64,
        target: "<= 1.2".to_owned(),
    })
}

/// Peak RSS in kB of `exe` run with `args` (stdout and stderr discarded), read from its
/// `/proc/<pid>/status` `VmHWM` every [`RSS_SAMPLE_MS`] while it runs (std has no safe
/// `wait4`/`getrusage`, and the workspace forbids `unsafe`), and its exit code.
fn child_vm_hwm_kb(exe: &Path, args: &[&str]) -> Result<(u64, Option<i32>), String> {
    use std::process::Stdio;
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let status_path = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_kb = 0;
    // Bounded by RSS_CHILD_TIMEOUT_S.
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            peak_kb = peak_kb.max(status_kb(&status, "VmHWM:").unwrap_or(0));
        }
        if let Some(exit) = child.try_wait().map_err(|e| format!("wait: {e}"))? {
            return Ok((peak_kb, exit.code()));
        }
        if started.elapsed() > Duration::from_secs(RSS_CHILD_TIMEOUT_S) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{} {args:?}: killed after {RSS_CHILD_TIMEOUT_S} s",
                exe.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(RSS_SAMPLE_MS));
    }
}

/// Peak RSS of the release `unlocksim run` of the walk-away scenario with 10^5 runs against the
/// same with 10^3 (each a fresh child process), with `extra` arguments (`--json`: the document
/// goes to /dev/null). Exit 1 (an expectation failed in some run) is a run that completed.
fn run_memory_row(root: &Path, extra: &[&str]) -> Result<Row, String> {
    let exe = root.join("target/release/unlocksim");
    let file = root.join(WALK_AWAY_FILE);
    let file = file.to_string_lossy();
    let mut peaks_mib = Vec::new();
    for runs in RUN_MEMORY_RUNS {
        let runs = runs.to_string();
        let mut args = vec!["run", &file, "--runs", &runs];
        args.extend_from_slice(extra);
        let (kb, code) = child_vm_hwm_kb(&exe, &args)?;
        if !matches!(code, Some(0 | 1)) {
            return Err(format!("unlocksim {args:?} exited with {code:?}"));
        }
        peaks_mib.push(kb as f64 / 1024.0);
    }
    let [large_runs, small_runs] = RUN_MEMORY_RUNS;
    let shown = if extra.is_empty() { String::new() } else { format!(" {}", extra.join(" ")) };
    Ok(Row {
        name: format!(
            "peak RSS, unlocksim run{shown}: {} vs {} runs",
            si(f64::from(large_runs)),
            si(f64::from(small_runs))
        ),
        value: format!("{:.1} MiB", peaks_mib[0]),
        baseline: format!("{:.1} MiB", peaks_mib[1]),
        ratio: peaks_mib[0] / peaks_mib[1],
        target: "<= 1.5".to_owned(),
    })
}

/// Builds the release `unlocksim` binary the memory rows run.
fn build_release_unlocksim(root: &Path) -> Result<(), String> {
    let status = crate::cargo()
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--bin", "unlocksim"])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo build --release --bin unlocksim failed".into())
    }
}

/// The default study's plan cut to its first `seeds` seeds, and its runner: what the sweep rows
/// measure.
fn default_study(
    root: &Path,
    seeds: usize,
) -> Result<(sweep::spec::Plan, impl sweep::exec::RunOnePoint + use<>), String> {
    let file = root.join("xtask/studies/default.yaml");
    let (spec, mut plan) = sweep::spec::load_plan(&file)?;
    plan.seeds.truncate(seeds.max(1));
    let runner = sweep::runner::scenario_runner(&plan, &spec)?;
    Ok((plan, runner))
}

/// Sweep runs per second on the default study (first `seeds` seeds) at 1 and 2 threads.
fn sweep_row(root: &Path, seeds: usize) -> Result<Row, String> {
    let (plan, runner) = default_study(root, seeds)?;
    // Interleaved repetitions, median of each: the first pass pays for warming caches, and a
    // fixed 1-then-2 order would hand that cost to one side only.
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..SWEEP_REPETITIONS {
        for (side, threads) in [1usize, 2].into_iter().enumerate() {
            let out = root.join(format!("target/bench/sweep-{threads}-threads"));
            rates[side].push(store_runs_per_s(&plan, &runner, &out, threads)?);
        }
    }
    let [one, two] = rates.map(median);
    Ok(Row {
        name: format!(
            "sweep default study, {} runs: 2 vs 1 threads (median of {SWEEP_REPETITIONS})",
            plan.runs_count()
        ),
        value: format!("{two:.1} runs/s"),
        baseline: format!("{one:.1} runs/s"),
        ratio: two / one,
        target: String::new(),
    })
}

/// Runs per second of one whole sweep of `plan` into a fresh results store at `out` on
/// `threads` threads; `out` is removed before and after.
fn store_runs_per_s(
    plan: &sweep::spec::Plan,
    runner: &impl sweep::exec::RunOnePoint,
    out: &Path,
    threads: usize,
) -> Result<f64, String> {
    let _ = std::fs::remove_dir_all(out);
    let summary = sweep::exec::execute(
        plan,
        out,
        sweep::exec::Shard::ALL,
        runner,
        Some(threads),
        sweep::exec::Progress::Hidden,
    )?;
    let _ = std::fs::remove_dir_all(out);
    Ok(summary.executed_count as f64 / summary.elapsed.as_secs_f64().max(1e-9))
}

/// Server time of one workbench request: 500 walk-away runs with a moved threshold, against
/// the 150 ms budget of issue 19.
fn serve_row(root: &Path) -> Result<Row, String> {
    let (median_ms, best_ms) = crate::serve_check::server_ms(root)?;
    Ok(Row {
        name: "serve: 500 walk-away runs, server time".to_owned(),
        value: format!("{median_ms:.1} ms median, {best_ms:.1} ms best"),
        baseline: format!("{SERVE_BUDGET_MS:.0} ms budget"),
        ratio: median_ms / SERVE_BUDGET_MS,
        target: "<= 1".to_owned(),
    })
}

/// Sweep runs per second into the results store vs the same runs kept in memory (as
/// `unlocksim run` does), both on 2 threads, interleaved, median of each.
fn store_row(root: &Path, seeds: usize) -> Result<Row, String> {
    use rayon::prelude::*;
    let (plan, runner) = default_study(root, seeds)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .map_err(|e| format!("thread pool: {e}"))?;
    let runs = plan.runs();
    let out = root.join("target/bench/sweep-store");
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..SWEEP_REPETITIONS {
        let start = Instant::now();
        let kept: Vec<sweep::store::StoredRun> = pool
            .install(|| runs.par_iter().map(|k| sweep::exec::run_key(&plan, &runner, k)).collect());
        rates[0].push(kept.len() as f64 / start.elapsed().as_secs_f64().max(1e-9));
        drop(kept);
        rates[1].push(store_runs_per_s(&plan, &runner, &out, 2)?);
    }
    let [memory, store] = rates.map(median);
    Ok(Row {
        name: format!("sweep into the store vs in memory, {} runs, 2 threads", runs.len()),
        value: format!("{store:.1} runs/s"),
        baseline: format!("{memory:.1} runs/s"),
        ratio: store / memory,
        target: ">= 0.7".to_owned(),
    })
}

/// The median of `values` (the upper one of an even count); `values` is not empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A rate with a metric prefix: `1.23 M`.
fn si(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.2} G", v / 1e9),
        v if v >= 1e6 => format!("{:.2} M", v / 1e6),
        v if v >= 1e3 => format!("{:.1} k", v / 1e3),
        v => format!("{v:.1}"),
    }
}

/// Whether `ratio` meets a target written `>= x` or `<= x` (no target: met).
fn meets(ratio: f64, target: &str) -> bool {
    let parse = |rest: &str| rest.trim().parse::<f64>().ok();
    if let Some(limit) = target.strip_prefix(">=").and_then(parse) {
        ratio >= limit
    } else if let Some(limit) = target.strip_prefix("<=").and_then(parse) {
        ratio <= limit
    } else {
        true
    }
}

/// Runs every measurement and prints the table.
pub fn run(root: &Path, args: &BenchArgs) -> Result<(), String> {
    let mut rows = Vec::new();
    let wanted = |group: Group| args.only.is_empty() || args.only.contains(&group);
    if wanted(Group::Kernel) {
        let hold_events = ("HOLD_EVENTS", args.hold_events.to_string());
        rows.extend(hold_rows(&cargo_bench(root, "engine", "hold_model", hold_events)?)?);
        let polls = ("RSSI_POLLS", args.polls.to_string());
        rows.push(chain_row(&cargo_bench(root, "sim-devices", "rssi_chain", polls)?)?);
    }
    if wanted(Group::EndToEnd) {
        eprintln!("xtask bench: end to end");
        rows.push(end_to_end_row(root)?);
    }
    if wanted(Group::Memory) {
        eprintln!("xtask bench: memory (1 day, {} days)", args.memory_days);
        rows.push(memory_row(root, args.memory_days)?);
        eprintln!("xtask bench: memory of unlocksim run --runs 100000 vs 1000");
        build_release_unlocksim(root)?;
        rows.push(run_memory_row(root, &[])?);
        rows.push(run_memory_row(root, &["--json"])?);
    }
    if wanted(Group::Sweep) {
        eprintln!("xtask bench: sweep");
        rows.push(sweep_row(root, args.sweep_seeds)?);
        eprintln!("xtask bench: sweep store");
        rows.push(store_row(root, args.sweep_seeds)?);
        eprintln!("xtask bench: sweep store memory ({} runs)", args.store_runs);
        rows.push(store_memory_row(root, args.store_runs)?);
    }
    if wanted(Group::Serve) {
        eprintln!("xtask bench: serve");
        rows.push(serve_row(root)?);
    }
    println!(
        "{:<50} {:>30} {:>22} {:>12} {:>9}",
        "measurement", "value", "baseline", "ratio", "target"
    );
    for row in &rows {
        let verdict = if row.target.is_empty() {
            ""
        } else if meets(row.ratio, &row.target) {
            " ok"
        } else {
            " MISSED"
        };
        println!(
            "{:<50} {:>30} {:>22} {:>12.4} {:>9}{verdict}",
            row.name, row.value, row.baseline, row.ratio, row.target
        );
    }
    println!("(ratio = value / baseline; measured side by side in this run)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hold_model_and_chain_tables() {
        let hold = "hold model: 10 events per measurement, median of 5\n\
             pending    bare events/s  kernel events/s    kernel/bare\n\
                  64         20000000         18000000          0.900\n\
                1000         10000000          9000000          0.900\n\
              100000          5000000          4500000          0.900\n";
        let rows = hold_rows(hold).expect("three rows");
        assert_eq!(rows[2].name, "hold model kernel vs BinaryHeap, P = 100000");
        assert!((rows[0].ratio - 0.9).abs() < 1e-12);
        let chain = "measurement polls/s\nfull chain (World::poll_bluetooth)   2000000\n\
             bare path-loss formula   100000000\nfull chain / bare path loss: 0.0200 (50x slower)\n";
        assert!((chain_row(chain).expect("row").ratio - 0.02).abs() < 1e-12);
        assert!(hold_rows("garbage").is_err());
    }

    #[test]
    fn targets_are_checked_in_both_directions() {
        assert!(meets(0.8, ">= 0.8"));
        assert!(!meets(0.79, ">= 0.8"));
        assert!(meets(1.2, "<= 1.2"));
        assert!(!meets(1.21, "<= 1.2"));
        assert!(meets(0.0, ""));
        assert_eq!(status_kb("Name: x\nVmHWM:\t   5120 kB\n", "VmHWM:"), Some(5120));
    }

    #[test]
    fn the_office_day_fixture_loads_with_one_second_polls() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
        let scenario = load(&root.join(OFFICE_DAY_FILE)).expect("fixture loads");
        assert_eq!(scenario.calibration.poll_interval_max, SimDuration::from_s(1));
        assert_eq!(scenario.world.phones.len(), 10);
        assert_eq!(scenario.duration, SimDuration::from_s(8 * 3600));
    }
}
