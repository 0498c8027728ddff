//! `cargo xtask`: developer and designer workflows, built in release mode (see
//! `.cargo/config.toml`). Glue only: the work happens in the library crates or in cargo.

use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod sweep;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "unlocksim developer and designer workflows")]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run every benchmark and print its table of ratios against a bare baseline.
    Bench,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(mut command: Command) -> ExitCode {
    eprintln!("xtask: running {command:?}");
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(error) => {
            eprintln!("xtask: could not start cargo: {error}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let xtask = match Xtask::try_parse() {
        Ok(xtask) => xtask,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match xtask.task {
        Task::Bench => {
            let mut command = cargo();
            command.args(["bench", "--workspace"]);
            run(command)
        }
    }
}
