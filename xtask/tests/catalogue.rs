//! The hostile-input catalogue of `cargo xtask sweep` (issue 7): malformed sweep files, sweeps
//! naming broken or endless scenario files, absurd sizes and bad arguments. Each runs through
//! the `xtask` binary and must fail cleanly as the shared harness defines it: exit 2, no panic,
//! bounded time and memory, `file:line:column` where one exists, nothing on stdout and no
//! output folder (`--out $T/out` is never created). Committed inputs are in
//! `tests/catalogue/sweep/`; large and non-UTF-8 ones are generated into `$T`.

#[path = "../../tests/cli/catalogue_harness.rs"]
mod catalogue_harness;

use std::path::{Path, PathBuf};

use catalogue_harness::{Entry, USAGE, entry, generated, huge, run_catalogue, write};

/// `xtask sweep`: 2 for an invalid or unreadable sweep file, scenario or argument, with nothing
/// run and nothing written.
const SWEEP: &str = "sweep: 2 = invalid input, nothing run or written";

fn huge_sweep(dir: &Path) {
    huge(dir, "huge.yaml", "name: huge\n");
}

/// A valid-looking sweep with a byte that is not UTF-8 in its name.
fn non_utf8_sweep(dir: &Path) {
    write(dir, "latin1.yaml", b"name: caf\xe9\nscenarios: [s.yaml]\n");
}

/// `name:` nested 10,000 flow sequences deep.
fn deep_sweep(dir: &Path) {
    write(dir, "deep.yaml", format!("name: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)));
}

/// A sweep whose scenario names `/dev/zero` as its policy file: the scenario loader's reads are
/// bounded too, not only the sweep file's.
fn endless_policy_file(dir: &Path) {
    let suite = repo_root().join("scenarios/suite/walk_away_trouser_pocket.yaml");
    let scenario = std::fs::read_to_string(suite).expect("suite scenario");
    let policy_line = scenario
        .lines()
        .find(|l| l.trim_start().starts_with("policy_file:"))
        .expect("the scenario names a policy file");
    let indent = &policy_line[..policy_line.len() - policy_line.trim_start().len()];
    write(
        dir,
        "scenario.yaml",
        scenario.replace(policy_line, &format!("{indent}policy_file: /dev/zero")),
    );
    write(
        dir,
        "sweep.yaml",
        "name: endless\nscenarios: [scenario.yaml]\nparameters:\n  - name: rssi_min\n    values: [-10]\nseeds: 1\n",
    );
}

/// An entry for the committed sweep file `tests/catalogue/sweep/<name>.yaml`.
macro_rules! sweep_file {
    ($name:literal, $located:expr) => {
        entry(
            concat!("sweep_", $name),
            &["sweep", concat!("$C/sweep/", $name, ".yaml"), "--out", "$T/out"],
            2,
            SWEEP,
            $located,
        )
    };
}

#[rustfmt::skip]
const CATALOGUE: &[Entry] = &[
    // Malformed YAML and wrong shapes.
    sweep_file!("truncated", true),
    sweep_file!("empty", true),
    sweep_file!("not_a_mapping", true),
    sweep_file!("unknown_key", true),
    sweep_file!("duplicate_key", true),
    sweep_file!("wrong_type", true),
    sweep_file!("negative_seeds", true),
    sweep_file!("unknown_combine", true),
    sweep_file!("unknown_metric", true),
    sweep_file!("billion_laughs", true),
    generated("sweep_deep_nesting", &["sweep", "$T/deep.yaml", "--out", "$T/out"], 2, SWEEP, true, deep_sweep),
    generated("sweep_non_utf8", &["sweep", "$T/latin1.yaml", "--out", "$T/out"], 2, SWEEP, false, non_utf8_sweep),
    generated("sweep_huge_file", &["sweep", "$T/huge.yaml", "--out", "$T/out"], 2, SWEEP, false, huge_sweep),
    entry("sweep_endless_file", &["sweep", "/dev/zero", "--out", "$T/out"], 2, SWEEP, false),
    // Ranges, values and sizes.
    sweep_file!("nan_step", true),
    sweep_file!("infinite_range", true),
    sweep_file!("zero_step", true),
    sweep_file!("wrong_direction", true),
    sweep_file!("values_and_range", true),
    sweep_file!("parameter_twice", true),
    sweep_file!("zip_unequal", true),
    sweep_file!("absurd_points", true),
    sweep_file!("absurd_seeds", true),
    sweep_file!("nan_far_distance", true),
    // Parameters the scenarios do not take: caught before any run, not as failed runs.
    sweep_file!("misspelt_parameter", true),
    sweep_file!("parameter_out_of_range", true),
    sweep_file!("parameter_wrong_kind", true),
    // Scenario files.
    sweep_file!("no_scenario", true),
    sweep_file!("dangling_scenario", true),
    sweep_file!("invalid_scenario", true),
    sweep_file!("device_scenario", true),
    generated("sweep_scenario_endless_policy_file", &["sweep", "$T/sweep.yaml", "--out", "$T/out"], 2, SWEEP, false, endless_policy_file),
    // Arguments.
    entry("sweep_args_shard_past_count", &["sweep", "xtask/studies/default.yaml", "--out", "$T/out", "--shard", "3/2"], 2, USAGE, false),
    entry("sweep_args_shard_not_a_fraction", &["sweep", "xtask/studies/default.yaml", "--out", "$T/out", "--shard", "half"], 2, USAGE, false),
    entry("sweep_args_shard_count_zero", &["sweep", "xtask/studies/default.yaml", "--out", "$T/out", "--shard", "0/0"], 2, USAGE, false),
    entry("sweep_args_merge_nothing", &["sweep", "merge"], 2, USAGE, false),
    entry("sweep_args_merge_not_a_sweep", &["sweep", "merge", "$T"], 2, USAGE, false),
    entry("sweep_args_unknown_flag", &["sweep", "--colour", "blue"], 2, USAGE, false),
];

/// The workspace root (the harness runs commands from there, so `$C` paths resolve).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is in the workspace").to_path_buf()
}

#[test]
fn every_hostile_sweep_input_fails_cleanly_with_its_documented_diagnostic() {
    assert!(CATALOGUE.len() >= 30, "the sweep catalogue has {} entries", CATALOGUE.len());
    let binary = Path::new(env!("CARGO_BIN_EXE_xtask"));
    for (name, snapshot) in run_catalogue(binary, &repo_root(), CATALOGUE, "xtask") {
        insta::assert_snapshot!(name, snapshot);
    }
}
