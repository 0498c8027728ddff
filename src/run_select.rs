//! Which loaded scenarios `unlocksim run` runs (`--filter`, `--rerun-failed`), what `--list`
//! prints, and the state file that remembers the scenarios that failed in the last run.
//!
//! The state file is `last-failed.txt` in the folder named by the environment variable
//! `UNLOCKSIM_STATE_DIR`, else `target/unlocksim/` under the current folder: a comment line,
//! then one scenario file per line, as the run printed it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use scenarios::{RunOptions, Scenario};

use crate::run_plan::SCENARIO_FILES_MAX;

/// Largest state file `--rerun-failed` reads, in bytes: 10,000 file names (the scenario-file
/// bound) of about 100 bytes each. Unknown; chosen, range 64 KiB..16 MiB.
pub const LAST_FAILED_BYTES_MAX: u64 = 1024 * 1024;
/// The environment variable that moves the state file's folder.
const STATE_DIR_ENV: &str = "UNLOCKSIM_STATE_DIR";
/// The first line of the state file.
const STATE_HEADER: &str = "# unlocksim run: the scenario files that failed in the last run";

/// Where the last run's failures are kept.
pub fn state_file() -> PathBuf {
    let dir = std::env::var_os(STATE_DIR_ENV)
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("target").join("unlocksim"), PathBuf::from);
    dir.join("last-failed.txt")
}

/// The scenario files that failed in the last run; `None` when no run was recorded.
///
/// # Errors
/// `cannot read PATH: REASON` when the file exists but cannot be read, is larger than
/// [`LAST_FAILED_BYTES_MAX`] or names more than `SCENARIO_FILES_MAX` files.
pub fn last_failed() -> Result<Option<BTreeSet<String>>, String> {
    let path = state_file();
    if !path.exists() {
        return Ok(None);
    }
    let text = reports::output::read_bounded(&path, LAST_FAILED_BYTES_MAX)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let files: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if files.len() > SCENARIO_FILES_MAX {
        return Err(format!(
            "cannot read {}: more than {SCENARIO_FILES_MAX} scenario files",
            path.display()
        ));
    }
    Ok(Some(files))
}

/// Records `failed` (scenario files) as the last run's failures.
///
/// # Errors
/// `cannot write PATH: REASON`.
pub fn record_failed(failed: &[&str]) -> Result<(), String> {
    let path = state_file();
    let mut text = format!("{STATE_HEADER}\n");
    for file in failed {
        text.push_str(file);
        text.push('\n');
    }
    reports::output::write_atomic(&path, text.as_bytes())
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Whether `scenario`'s name or file contains one of `filters` (ignoring case); true when
/// there is no filter.
pub fn matches(scenario: &Scenario, filters: &[String]) -> bool {
    matches_name_or_file(Some(&scenario.name), &scenario.file, filters)
}

/// Whether `name` (when known) or `file` contains one of `filters` (ignoring case, `\` read as
/// `/`); true when there is no filter.
pub fn matches_name_or_file(name: Option<&str>, file: &str, filters: &[String]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let name = name.map(str::to_lowercase);
    let file = file.to_lowercase().replace('\\', "/");
    filters.iter().any(|filter| {
        let filter = filter.to_lowercase();
        name.as_deref().is_some_and(|name| name.contains(&filter)) || file.contains(&filter)
    })
}

/// The `name:` of a scenario file's text, read without validating anything else (unknown keys,
/// other values and references are the loader's business); `None` when the text is not YAML or
/// has no `name:` string. `--filter` reads it to decide whether to load the file at all.
pub fn scenario_name(file: &str, text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct NameOnly {
        #[serde(default)]
        name: Option<String>,
    }
    let source = engine::diagnostic::SourceFile::new(file, text);
    engine::diagnostic::yaml::from_yaml::<NameOnly>(&source).ok()?.name
}

/// `--list`: one line per scenario, `FILE  NAME  (N runs, seeds A-B)`, then `N scenario(s)`;
/// every line ends in `\n`.
pub fn list_text(scenarios: &[Scenario], options: RunOptions) -> String {
    let mut text = String::new();
    for scenario in scenarios {
        let runs = options.runs.unwrap_or(scenario.runs);
        let first = options.seed.unwrap_or(scenario.seed);
        let last = first.saturating_add(u64::from(runs).saturating_sub(1));
        let (plural, seeds) = if first == last {
            ("run, seed", first.to_string())
        } else {
            ("runs, seeds", format!("{first}-{last}"))
        };
        text.push_str(&format!(
            "{}  {}  ({runs} {plural} {seeds})\n",
            scenario.file, scenario.name
        ));
    }
    text.push_str(&format!("{} scenario(s)\n", scenarios.len()));
    text
}
