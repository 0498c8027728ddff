//! `cargo xtask`: developer and designer workflows, built in release mode (see
//! `.cargo/config.toml`). Glue only: the work happens in the library crates or in cargo.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};
use reports::summary::Exit;

mod bench;
mod fuzz;
mod serve_check;
mod sweep;

/// Most failed sweep runs whose errors are printed (the count of all of them follows).
const FAILED_RUNS_SHOWN_MAX: usize = 10;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "unlocksim developer and designer workflows")]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run every benchmark (release build) and print one table of ratios measured side by side.
    Bench(bench::BenchArgs),
    /// Drive the workbench page (`unlocksim serve`) in headless Chromium: move a threshold, compare
    /// the median shown with `unlocksim run`'s; screenshot in target/serve-browser/.
    Browser,
    /// Run every cargo-fuzz target for N seconds each, seeded from the suite and fixtures.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Run only this target.
        #[arg(long)]
        target: Option<String>,
    },
    /// (Used by `bench`.) Run a scenario once, streaming its trace, and print its peak RSS.
    #[command(hide = true)]
    BenchChild(bench::ChildArgs),
    /// (Used by `bench`.) A synthetic sweep into one results store, then its peak RSS.
    #[command(hide = true)]
    BenchStoreChild(bench::StoreChildArgs),
    /// Run a parameter sweep (default: the bundled study) and write its report, or merge shards.
    Sweep(SweepArgs),
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    command: Option<SweepCommand>,
    /// The sweep file (default: xtask/studies/default.yaml).
    file: Option<PathBuf>,
    /// Output directory (default: target/sweep/<name>). Existing results there are reused.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only the I-th of N slices (0-based), e.g. `--shard 2/8`. Defaults from
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX with --shard-count.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Number of shards, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job).
    #[arg(long, value_name = "N")]
    shard_count: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Print the points, runs and a time estimate (times a few runs) without running the sweep.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
enum SweepCommand {
    /// Combine shard output directories into one store and one report, byte-identical to a
    /// single run.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the report (default: the first directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn main() -> ExitCode {
    let xtask = match Xtask::try_parse() {
        Ok(xtask) => xtask,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { Exit::BadInput } else { Exit::Success }.into();
        }
    };
    let exit = match xtask.task {
        Task::Bench(args) => {
            task_exit("bench", bench::run(&workspace_root(), &args).map(|()| Exit::Success))
        }
        Task::BenchChild(args) => {
            task_exit("bench-child", bench::child(&args).map(|()| Exit::Success))
        }
        Task::Browser => {
            task_exit("browser", serve_check::browser(&workspace_root()).map(Exit::from_passed))
        }
        Task::BenchStoreChild(args) => {
            task_exit("bench-store-child", bench::store_child(&args).map(|()| Exit::Success))
        }
        Task::Fuzz { seconds, target } => {
            let passed = fuzz::run(&workspace_root(), seconds, target.as_deref());
            task_exit("fuzz", passed.map(Exit::from_passed))
        }
        Task::Sweep(args) => task_exit("sweep", sweep_task(args)),
    };
    exit.into()
}

/// A task's own exit, or [`Exit::BadInput`] after `xtask TASK: ERROR` on stderr.
fn task_exit(task: &str, result: Result<Exit, String>) -> Exit {
    result.unwrap_or_else(|error| {
        eprintln!("xtask {task}: {error}");
        Exit::BadInput
    })
}

/// The workspace root (where `target/` and the bundled studies are).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn sweep_task(args: SweepArgs) -> Result<Exit, String> {
    use sweep::exec;
    if let Some(SweepCommand::Merge { dirs, out }) = args.command {
        let plan = exec::read_plans(&dirs)?;
        let out = out.unwrap_or_else(|| dirs[0].clone());
        let appended_count = exec::merge(&plan, &dirs, &out)?;
        eprintln!("xtask sweep: {appended_count} runs merged into {}", out.display());
        let reported = exec::report(&plan, std::slice::from_ref(&out), &out)?;
        print_recommendation(&plan, &reported);
        println!("{}", out.join("report.html").display());
        return Ok(failed_exit(&reported.points));
    }
    let file = args.file.unwrap_or_else(|| workspace_root().join("xtask/studies/default.yaml"));
    let (spec, plan) = sweep::spec::load_plan(&file)?;
    let out = args.out.unwrap_or_else(|| workspace_root().join("target/sweep").join(&plan.name));
    let shard = exec::Shard::resolve(args.shard.as_deref(), args.shard_count, &|name| {
        std::env::var(name).ok()
    })?;
    let runner = sweep::runner::scenario_runner(&plan, &spec)?;
    if args.dry_run {
        let pending = exec::pending(&plan, &out, shard)?;
        let extra_count = plan.points.iter().filter(|p| p.extra).count();
        if extra_count > 0 {
            println!(
                "{extra_count} of the points are extra: Microsoft's default setting (-10 dB), \
                which the grid lacks, for the comparison"
            );
        }
        println!(
            "sweep {}: {} points x {} scenarios x {} seeds = {} runs",
            plan.name,
            plan.points.len(),
            plan.scenarios.len(),
            plan.seeds.len(),
            plan.runs_count()
        );
        println!(
            "shard {}/{}: {} runs still to do, results in {}",
            shard.index,
            shard.count,
            pending.len(),
            out.display()
        );
        if !pending.is_empty() {
            match exec::estimate(&plan, &runner, &pending, args.threads) {
                Ok(e) => println!(
                    "estimate: {:.4} s per run ({} runs timed in parallel) x {} runs = {:.1} s",
                    e.per_run_s,
                    e.timed_count,
                    pending.len(),
                    e.total_s
                ),
                Err(error) => println!("estimate: unavailable, {error}"),
            }
        }
        return Ok(Exit::Success);
    }
    let progress = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        exec::Progress::Bar
    } else {
        exec::Progress::Lines
    };
    let summary = exec::execute(&plan, &out, shard, &runner, args.threads, progress)?;
    eprintln!(
        "xtask sweep: {} runs done now, {} already done, {:.1} s ({:.1} runs/s)",
        summary.executed_count,
        summary.skipped_count,
        summary.elapsed.as_secs_f64(),
        summary.executed_count as f64 / summary.elapsed.as_secs_f64().max(1e-9)
    );
    match exec::report(&plan, std::slice::from_ref(&out), &out) {
        Ok(reported) => {
            print_recommendation(&plan, &reported);
            println!("{}", out.join("report.html").display());
            Ok(failed_exit(&reported.points))
        }
        Err(_) if shard != exec::Shard::ALL => {
            println!(
                "shard {}/{} done in {}; when every shard is done: cargo xtask sweep merge DIR...",
                shard.index,
                shard.count,
                out.display()
            );
            Ok(Exit::Success)
        }
        Err(error) => Err(error),
    }
}

/// The recommendation, ready to paste, on stdout.
fn print_recommendation(plan: &sweep::spec::Plan, reported: &sweep::exec::Reported) {
    if let Some(r) = &reported.recommendation {
        print!("{}", reports::recommend::recommendation_text(r, &plan.criteria));
    }
}

/// [`Exit::CheckFailed`] when some runs failed (their errors are listed), else success.
fn failed_exit(points: &[reports::sweep::SweepPoint]) -> Exit {
    let failed: Vec<&String> = points.iter().flat_map(|p| &p.failed_runs).collect();
    for error in failed.iter().take(FAILED_RUNS_SHOWN_MAX) {
        eprintln!("xtask sweep: run failed: {error}");
    }
    if !failed.is_empty() {
        eprintln!("xtask sweep: {} runs failed", failed.len());
    }
    Exit::from_passed(failed.is_empty())
}
