//! `cargo xtask fuzz --seconds N`: runs every cargo-fuzz (libFuzzer) target in `fuzz/` for N
//! seconds each, seeded from the repository's scenarios, policies, fixtures and hostile-input
//! catalogue, and prints the executions, coverage and findings per target.
//!
//! cargo-fuzz needs a nightly compiler (sanitizer flags): the `nightly` rustup toolchain when it
//! is installed, else the stable one with `RUSTC_BOOTSTRAP=1`. The corpora grow in
//! `fuzz/corpus/<target>/`; crashing inputs land in `fuzz/artifacts/<target>/`; the full log of
//! each target is `target/fuzz/<target>.log`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo-fuzz release this workflow is tested with; the one command to install it is
/// [`install_command`]. Source: crates.io, the release current when the check was added.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The one command that installs the cargo-fuzz this workflow needs.
fn install_command() -> String {
    format!("cargo install cargo-fuzz --version {CARGO_FUZZ_VERSION} --locked")
}

/// Checks that `probe` (`cargo fuzz --version` with the toolchain settings) runs.
///
/// # Errors
/// That cargo-fuzz is missing and the one command that installs it.
fn require_cargo_fuzz(mut probe: Command) -> Result<(), String> {
    match probe.output() {
        Ok(output) if output.status.success() => Ok(()),
        _ => Err(format!(
            "cargo-fuzz is not installed (`cargo fuzz` is not a cargo command here); install \
             it with:\n    {}",
            install_command()
        )),
    }
}

/// Longest input libFuzzer generates, bytes: large enough for a scenario, small enough to keep
/// executions fast (the loaders' own size limits are tested elsewhere).
const INPUT_BYTES_MAX: usize = 16_384;

/// Folders (relative to the workspace root) whose files seed the corpora: valid inputs (the
/// suite, policies, fixtures) and the hostile-input catalogue.
const SEED_DIRS: [&str; 5] = [
    "scenarios/suite",
    "scenarios/policies",
    "engine/tests/fixtures",
    "tests/fixtures",
    "tests/catalogue",
];

/// Durations seeding the duration parser (the loaders' files hold few bare durations).
const DURATION_SEEDS: [&str; 12] = [
    "0",
    "250ms",
    "30s",
    "5m",
    "1h30m",
    "2d",
    "1500us",
    "1500µs",
    "1000d",
    "1d2h3m4s5ms6us",
    " 8h ",
    "-1s",
];

/// One fuzz target: its name in `fuzz/Cargo.toml` and the file extensions that seed it.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    /// Seed files: those under [`SEED_DIRS`] with one of these extensions.
    pub seed_extensions: &'static [&'static str],
}

/// Every target, in the order they run.
pub const TARGETS: [Target; 6] = [
    Target { name: "rules_xml", seed_extensions: &["xml"] },
    Target { name: "policy_yaml", seed_extensions: &["yaml"] },
    Target { name: "scenario_yaml", seed_extensions: &["yaml"] },
    Target { name: "snapshot_yaml", seed_extensions: &["yaml"] },
    Target { name: "device_profile_yaml", seed_extensions: &["yaml"] },
    Target { name: "duration", seed_extensions: &[] },
];

/// What one target's run reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuzzStats {
    /// Inputs executed (`stat::number_of_executed_units`).
    pub executions_count: u64,
    /// Code edges covered at the end (`cov:`).
    pub coverage_edges: u64,
    /// Coverage features at the end (`ft:`).
    pub features_count: u64,
    /// Inputs in the corpus at the end (`corp:`).
    pub corpus_count: u64,
    /// Crash, timeout or out-of-memory artifacts written during this run.
    pub findings: Vec<String>,
}

impl fmt::Display for FuzzStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>12} {:>8} {:>8} {:>8}  {}",
            self.executions_count,
            self.coverage_edges,
            self.features_count,
            self.corpus_count,
            if self.findings.is_empty() { "none".to_owned() } else { self.findings.join(", ") }
        )
    }
}

/// Reads libFuzzer's stderr: the last status line (`#N ... cov: C ft: F corp: K/...`), the final
/// statistics (`-print_final_stats=1`) and artifact paths.
pub fn parse_log(log: &str) -> FuzzStats {
    let mut stats = FuzzStats::default();
    let field = |line: &str, key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        let number: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        number.parse().ok()
    };
    for line in log.lines() {
        if line.starts_with('#') {
            if let Some(edges) = field(line, "cov:") {
                stats.coverage_edges = edges;
            }
            if let Some(features) = field(line, "ft:") {
                stats.features_count = features;
            }
            if let Some(corpus) = field(line, "corp:") {
                stats.corpus_count = corpus;
            }
        }
        if let Some(executions) = field(line, "stat::number_of_executed_units:") {
            stats.executions_count = executions;
        }
        if let Some(index) = line.find("Test unit written to ") {
            stats.findings.push(line[index + "Test unit written to ".len()..].trim().to_owned());
        }
    }
    stats
}

/// The toolchain arguments for cargo-fuzz: `RUSTUP_TOOLCHAIN=nightly` when rustup has a nightly
/// toolchain, else `RUSTC_BOOTSTRAP=1` on the default one.
fn fuzz_command(root: &Path) -> Command {
    let nightly = Command::new("rustup").args(["toolchain", "list"]).output().is_ok_and(|out| {
        String::from_utf8_lossy(&out.stdout).lines().any(|l| l.starts_with("nightly"))
    });
    // The proxy `cargo`, not `$CARGO`: the latter is pinned to the toolchain running xtask.
    let mut command = Command::new("cargo");
    command.current_dir(root.join("fuzz")).env_remove("CARGO").env_remove("RUSTC");
    if nightly {
        command.env("RUSTUP_TOOLCHAIN", "nightly");
    } else {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    command
}

/// Files under `dir` (recursively), sorted, so that seeding is reproducible.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Writes `target`'s seed inputs into `seeds_dir` (emptied first) and returns how many.
fn write_seeds(root: &Path, target: &Target, seeds_dir: &Path) -> Result<usize, String> {
    let _ = std::fs::remove_dir_all(seeds_dir);
    std::fs::create_dir_all(seeds_dir).map_err(|e| format!("{}: {e}", seeds_dir.display()))?;
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    if target.seed_extensions.is_empty() {
        inputs.extend(DURATION_SEEDS.iter().map(|s| s.as_bytes().to_vec()));
    }
    let mut files = Vec::new();
    for dir in SEED_DIRS {
        files_under(&root.join(dir), &mut files);
    }
    for file in files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if !target.seed_extensions.contains(&extension) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&file) else { continue };
        if bytes.len() > INPUT_BYTES_MAX {
            continue;
        }
        inputs.push(bytes);
    }
    for (index, bytes) in inputs.iter().enumerate() {
        let path = seeds_dir.join(format!("seed-{index:04}"));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(inputs.len())
}

/// Builds every target once, then runs each for `seconds`; prints one table. Returns whether
/// nothing was found.
pub fn run(root: &Path, seconds: u64, only: Option<&str>) -> Result<bool, String> {
    let targets: Vec<&Target> =
        TARGETS.iter().filter(|t| only.is_none_or(|name| name == t.name)).collect();
    if targets.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        return Err(format!("no such target; targets: {}", names.join(", ")));
    }
    let mut probe = fuzz_command(root);
    probe.args(["fuzz", "--version"]);
    require_cargo_fuzz(probe)?;
    let mut build = fuzz_command(root);
    build.args(["fuzz", "build", "-O"]);
    eprintln!("xtask fuzz: building the targets ({build:?})");
    let status = build
        .status()
        .map_err(|e| format!("cannot start cargo fuzz: {e} ({})", install_command()))?;
    if !status.success() {
        return Err("cargo fuzz build failed".to_owned());
    }
    let log_dir = root.join("target/fuzz");
    std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let mut rows = Vec::new();
    for target in targets {
        let seeds_dir = log_dir.join("seeds").join(target.name);
        let seeds_count = write_seeds(root, target, &seeds_dir)?;
        let corpus_dir = root.join("fuzz/corpus").join(target.name);
        std::fs::create_dir_all(&corpus_dir)
            .map_err(|e| format!("{}: {e}", corpus_dir.display()))?;
        let artifacts_dir = root.join("fuzz/artifacts").join(target.name);
        std::fs::create_dir_all(&artifacts_dir)
            .map_err(|e| format!("{}: {e}", artifacts_dir.display()))?;
        eprintln!("xtask fuzz: {} for {seconds} s ({seeds_count} seeds)", target.name);
        let mut command = fuzz_command(root);
        command.args(["fuzz", "run", "-O", target.name]).arg(&corpus_dir).arg(&seeds_dir).args([
            "--".to_owned(),
            format!("-max_total_time={seconds}"),
            format!("-max_len={INPUT_BYTES_MAX}"),
            "-print_final_stats=1".to_owned(),
            "-timeout=10".to_owned(),
            "-rss_limit_mb=2048".to_owned(),
            format!("-artifact_prefix={}/", artifacts_dir.display()),
        ]);
        let output = command.output().map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let log_path = log_dir.join(format!("{}.log", target.name));
        std::fs::write(&log_path, log.as_bytes())
            .map_err(|e| format!("{}: {e}", log_path.display()))?;
        let mut stats = parse_log(&log);
        if !output.status.success() && stats.findings.is_empty() {
            stats.findings.push(format!("exit {} (see {})", output.status, log_path.display()));
        }
        rows.push((target.name, stats));
    }
    println!(
        "{:<20} {:>12} {:>8} {:>8} {:>8}  findings   ({seconds} s per target)",
        "target", "executions", "cov", "ft", "corpus"
    );
    for (name, stats) in &rows {
        println!("{name:<20} {stats}");
    }
    Ok(rows.iter().all(|(_, stats)| stats.findings.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (program, arguments, whether cargo-fuzz counts as installed): a missing command and a
    /// failing one both end in the one install command, pinned.
    #[rstest::rstest]
    #[case::missing_program("unlocksim-no-such-program", &[], false)]
    #[case::failing_command("cargo", &["no-such-subcommand-of-cargo"], false)]
    #[case::working_command("cargo", &["--version"], true)]
    fn a_missing_cargo_fuzz_names_the_one_install_command(
        #[case] program: &str,
        #[case] args: &[&str],
        #[case] installed: bool,
    ) {
        let mut probe = Command::new(program);
        probe.args(args);
        match require_cargo_fuzz(probe) {
            Ok(()) => assert!(installed),
            Err(message) => {
                assert!(!installed, "{message}");
                let command = "cargo install cargo-fuzz --version 0.13.2 --locked";
                assert!(message.ends_with(&format!("\n    {command}")), "{message}");
            }
        }
    }

    #[test]
    fn parse_log_reads_the_last_status_the_final_stats_and_artifacts() {
        let log = "\
INFO: seed corpus: files: 59 min: 2b max: 3519b total: 60000b rss: 40Mb
#60\tINITED cov: 1200 ft: 3000 corp: 50/40Kb exec/s: 0 rss: 50Mb
#1024\tpulse  cov: 1300 ft: 3500 corp: 61/45Kb lim: 4096 exec/s: 512 rss: 60Mb
#2000\tDONE   cov: 1342 ft: 3671 corp: 70/50Kb lim: 4096 exec/s: 666 rss: 61Mb
==1== ERROR: libFuzzer: deadly signal
artifact_prefix='fuzz/artifacts/x/'; Test unit written to fuzz/artifacts/x/crash-abc
stat::number_of_executed_units: 2001
stat::peak_rss_mb:              61
";
        let stats = parse_log(log);
        assert_eq!(stats.executions_count, 2001);
        assert_eq!(stats.coverage_edges, 1342);
        assert_eq!(stats.features_count, 3671);
        assert_eq!(stats.corpus_count, 70);
        assert_eq!(stats.findings, vec!["fuzz/artifacts/x/crash-abc".to_owned()]);
    }

    #[test]
    fn every_fuzz_target_is_declared_in_the_fuzz_manifest() {
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/Cargo.toml"),
        )
        .expect("fuzz/Cargo.toml");
        for target in TARGETS {
            assert!(manifest.contains(&format!("name = \"{}\"", target.name)), "{}", target.name);
        }
    }
}
