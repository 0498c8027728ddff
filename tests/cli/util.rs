//! Running the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The workspace root, where `scenarios/` and the fixtures live.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `unlocksim` with `args` from the workspace root.
pub fn unlocksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unlocksim"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("the unlocksim binary runs")
}

#[test]
fn help_lists_the_commands_and_exits_zero() {
    let output = unlocksim(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: unlocksim"));
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let output = unlocksim(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}
