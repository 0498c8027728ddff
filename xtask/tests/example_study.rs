//! The commented example study (`examples/sweep/study.yaml`, linked from
//! `docs/formats/sweep-study.md`) through the `xtask` binary: `sweep --dry-run` checks every
//! value on the example scenario, prints the plan its comments promise and writes nothing.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_example_study_plans_eighteen_runs_and_writes_nothing() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::temp_dir().join(format!("unlocksim-example-study-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["sweep", "examples/sweep/study.yaml", "--dry-run", "--out"])
        .arg(&out)
        .current_dir(&root)
        .output()
        .expect("xtask runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("sweep example-study: 6 points x 1 scenarios x 3 seeds = 18 runs"),
        "{stdout}"
    );
    assert!(!out.exists(), "a dry run writes nothing");
}
