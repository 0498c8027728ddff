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

/// The `unlocksim` command with `args`, to run from the workspace root (set its streams and
/// environment, then run it).
pub fn unlocksim_command<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_unlocksim"));
    command.args(args).current_dir(repo_root());
    command
}

/// Runs `unlocksim` with `args` from the workspace root.
pub fn unlocksim(args: &[&str]) -> Output {
    unlocksim_command(args).output().expect("the unlocksim binary runs")
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
    let mut child = unlocksim_command(args)
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

/// A closed standard error (`unlocksim run bad.yaml 2>&1 | head -1`) never turns a usage or
/// input error into a panic: the exit code still says what happened.
#[rstest::rstest]
#[case::bad_scenario(&["run", "tests/fixtures/scenarios/unknown_key.yaml"], 2)]
#[case::unknown_command(&["frobnicate"], 2)]
fn a_closed_standard_error_keeps_the_exit_code(#[case] args: &[&str], #[case] code: i32) {
    let mut child = unlocksim_command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the unlocksim binary runs");
    drop(child.stderr.take());
    let status = child.wait().expect("the command ends");
    assert_eq!(status.code(), Some(code), "{status:?}");
}

/// A scenario with one line of 70,000 characters (miette 7.6 panics on lines near 65,530)
/// is a clean input error: exit 2, the position named, and a short report.
#[test]
fn a_huge_line_is_an_input_error_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("unlocksim-long-line-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let file = dir.join("long.yaml");
    std::fs::write(&file, format!("{{name: {}, bogus: 1}}\n", "x".repeat(70_000)))
        .expect("written");
    let output = unlocksim(&["run", file.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("long.yaml:1:"), "{stderr}");
    assert!(stderr.len() < 4_000, "{} bytes of stderr", stderr.len());
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
