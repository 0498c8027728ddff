//! `unlocksim`: the command-line front end. Glue only: every capability lives in a library crate
//! (`engine`, `sim-devices`, `scenarios`, `reports`); this file parses arguments, calls them, and
//! maps outcomes to exit codes.
//!
//! Exit codes ([`reports::summary::Exit`]): 0 success, 1 a check failed (invalid policy, failed
//! expectation, lock-out found), 2 usage error or unreadable/invalid input.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use reports::summary::Exit;

/// `println!` for command output that does not panic when standard output is closed early
/// (`unlocksim radio | head -3`): see [`write_stdout`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::write_stdout(format_args!($($arg)*), true) };
}

/// `print!` for command output; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_stdout(format_args!($($arg)*), false) };
}

/// `eprintln!` for diagnostics that does not panic when standard error is closed early
/// (`unlocksim run bad.yaml 2>&1 | head -1`): a message nobody can read is dropped, and the
/// exit code still says what happened.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::write_stderr(format_args!($($arg)*), true) };
}

/// `eprint!` for diagnostics; see [`errln!`].
#[allow(unused_macros)]
macro_rules! err {
    ($($arg:tt)*) => { $crate::write_stderr(format_args!($($arg)*), false) };
}

mod analyze_cmd;
mod audit_cmd;
mod calibrate_cmd;
mod input;
mod policy_cmd;
mod policy_file;
mod policy_forms_cmd;
mod radio_cmd;
mod radio_range;
mod replay_cmd;
mod run_cmd;
mod run_plan;
mod run_select;
mod serve;
mod trace_file;

/// Test bench for Windows Hello for Business unlock policies.
#[derive(Debug, Parser)]
#[command(name = "unlocksim", version, about, propagate_version = true)]
struct Cli {
    /// Log simulation progress to stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse a policy against a device: `analyze lockout` finds lock-out paths.
    Analyze(analyze_cmd::AnalyzeArgs),
    /// Check, evaluate and format signal rules and policy files.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCommand),
    /// Run scenarios and judge their expectations (default: the bundled suite).
    Run(run_cmd::RunArgs),
    /// What would Windows read at this distance? Relative RSSI by distance.
    Radio(radio_cmd::RadioArgs),
    /// The tuning workbench: a local web page that re-simulates a scenario as you move its knobs.
    Serve(serve::ServeArgs),
    /// Fit the radio model to recorded RSSI logs (CSV, hcitool rssi, btmon).
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// Replay a recorded relative-RSSI log through a policy's Dynamic Lock: when would it lock?
    Replay(replay_cmd::ReplayArgs),
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default_level = match verbose {
        0 => return_if_no_env(),
        1 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// With no `-v`, logging stays off unless RUST_LOG asks for it.
fn return_if_no_env() -> &'static str {
    "off"
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { Exit::BadInput } else { Exit::Success }.into();
        }
    };
    init_tracing(cli.verbose);
    let exit = match cli.command {
        Command::Analyze(args) => analyze_cmd::run(args),
        Command::Policy(command) => policy_cmd::run(command),
        Command::Run(args) => run_cmd::run(args),
        Command::Radio(args) => radio_cmd::run(&args),
        Command::Serve(args) => serve::run(args),
        Command::Calibrate(args) => calibrate_cmd::run(&args),
        Command::Replay(args) => replay_cmd::run(&args),
    };
    exit.into()
}

/// Writes command output to standard output. When the reader has gone (a broken pipe, as with
/// `| head`), nobody wants the rest: the process ends quietly with exit 0, as ripgrep does. Any
/// other write error is reported and ends the process with exit 2.
fn write_stderr(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write as _;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_fmt(args);
    if newline {
        let _ = stderr.write_all(b"\n");
    }
}

fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let mut result = stdout.write_fmt(args);
    if newline {
        result = result.and_then(|()| stdout.write_all(b"\n"));
    }
    match result {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(i32::from(Exit::Success.code()))
        }
        Err(error) => {
            errln!("error: cannot write to standard output: {error}");
            std::process::exit(i32::from(Exit::BadInput.code()))
        }
    }
}
