//! Running the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The workspace root, where `scenarios/` and the fixtures live.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `unlocksim` with `args` from the workspace root: (exit code, stdout, stderr).
pub fn run_text(args: &[&str]) -> (Option<i32>, String, String) {
    let output = unlocksim(args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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

/// A reader that stops early (`unlocksim ... | head`) closes the pipe: the command then ends
/// quietly with exit 0, never with a panic. The read end is closed before the command writes,
/// so every output line meets a broken pipe.
#[rstest::rstest]
#[case::radio(&["radio"])]
#[case::policy_audit(&["policy", "audit", "examples/audit/home_network.yaml"])]
#[case::policy_fmt(&["policy", "fmt", "scenarios/policies/mfu_bluetooth.yaml"])]
#[case::analyze(&[
    "analyze",
    "lockout",
    "tests/fixtures/lockout/policy-defaults-bluetooth.yaml",
    "--device",
    "tests/fixtures/lockout/forum-story.yaml",
])]
fn a_closed_standard_output_ends_quietly(#[case] args: &[&str]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unlocksim"))
        .args(args)
        .current_dir(repo_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the unlocksim binary runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("the command ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{:?}: {stderr}", output.status);
}
