//! The harness of the hostile-input catalogue (issue 7), shared by the `unlocksim` catalogue
//! (`tests/cli/catalogue.rs`) and the sweep catalogue of `cargo xtask` (`xtask/tests/catalogue.rs`,
//! which includes this file by path): one place says what "fails cleanly" means.
//!
//! Each [`Entry`] names a command line (`$C` is `tests/catalogue`, `$T` a fresh temporary folder
//! the entry may fill first with [`Entry::setup`]), the exit code its command's contract
//! promises, and whether the diagnostic has a `file:line:column`. For every entry
//! [`run_catalogue`] checks: the exit code; no panic; a bounded time ([`ENTRY_SECONDS_MAX`], the
//! process is killed past it) and, where `prlimit` exists, a bounded address space
//! ([`ADDRESS_SPACE_BYTES_MAX`]); a position when one exists; an empty stdout; and that `$T`
//! holds nothing but what the setup put there (no partial output file). It returns each
//! entry's snapshot text (arguments, contract, exit code, stderr with temporary paths replaced by
//! `[TMP]`), which the caller compares with `insta`.

#![allow(dead_code)] // Each including test binary uses its own part of the helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Longest any entry may take (a debug build on a shared machine); past it the process is
/// killed and the entry fails.
pub const ENTRY_SECONDS_MAX: u64 = 20;
/// Address space each entry runs under when `prlimit` is available: a hostile input that makes
/// the program allocate without bound fails the entry instead of the machine.
pub const ADDRESS_SPACE_BYTES_MAX: u64 = 2 << 30;
/// The size of the "huge file" entries: a hundred times every input limit.
pub const HUGE_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Argument errors of every command.
pub const USAGE: &str = "usage error: 2";

/// One hostile input and what its command must do with it.
pub struct Entry {
    /// The snapshot's name.
    pub name: &'static str,
    /// Arguments; `$C` is the catalogue folder, `$T` the entry's temporary folder.
    pub args: &'static [&'static str],
    /// The command's documented exit code for this input.
    pub code: i32,
    /// Which contract says so (recorded in the snapshot).
    pub contract: &'static str,
    /// Whether the diagnostic must carry `file:line:column`.
    pub located: bool,
    /// Writes generated inputs into the temporary folder.
    pub setup: Option<fn(&Path)>,
}

pub const fn entry(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    contract: &'static str,
    located: bool,
) -> Entry {
    Entry { name, args, code, contract, located, setup: None }
}

pub const fn generated(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    contract: &'static str,
    located: bool,
    setup: fn(&Path),
) -> Entry {
    Entry { name, args, code, contract, located, setup: Some(setup) }
}

pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), contents).expect("temporary input written");
}

/// A sparse file of [`HUGE_FILE_BYTES`] starting with `head`.
pub fn huge(dir: &Path, name: &str, head: &str) {
    let path = dir.join(name);
    std::fs::write(&path, head).expect("written");
    let file = std::fs::OpenOptions::new().write(true).open(&path).expect("opened");
    file.set_len(HUGE_FILE_BYTES).expect("extended");
}

/// What running one entry produced.
pub struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    leftovers: Vec<PathBuf>,
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("readable").flatten() {
                stack.push(entry.path());
            }
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn run_entry(binary: &Path, cwd: &Path, entry: &Entry, temp: &Path) -> Outcome {
    if temp.exists() {
        std::fs::remove_dir_all(temp).expect("old temporary folder removed");
    }
    std::fs::create_dir_all(temp).expect("temporary folder created");
    if let Some(setup) = entry.setup {
        setup(temp);
    }
    let before = files_under(temp);
    let temp_text = temp.display().to_string();
    let args: Vec<String> = entry
        .args
        .iter()
        .map(|a| a.replace("$C", "tests/catalogue").replace("$T", &temp_text))
        .collect();
    let prlimit = Path::new("/usr/bin/prlimit");
    let mut command = if prlimit.exists() {
        let mut command = Command::new(prlimit);
        command.arg(format!("--as={ADDRESS_SPACE_BYTES_MAX}")).arg("--").arg(binary);
        command
    } else {
        Command::new(binary)
    };
    // Output goes to files, so a chatty entry cannot block on a full pipe while it is timed.
    let stdout_path = temp.with_extension("stdout");
    let stderr_path = temp.with_extension("stderr");
    let started = Instant::now();
    let mut child = command
        .args(&args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("the binary runs");
    let deadline = Duration::from_secs(ENTRY_SECONDS_MAX);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            break Some(status);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let leftovers = files_under(temp).into_iter().filter(|f| !before.contains(f)).collect();
    std::fs::remove_dir_all(temp).expect("temporary folder removed");
    let read = |path: &Path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        let _ = std::fs::remove_file(path);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Outcome {
        code: status.and_then(|s| s.code()),
        stdout: read(&stdout_path),
        stderr: read(&stderr_path).replace(&temp_text, "[TMP]"),
        elapsed,
        leftovers,
    }
}

/// Whether `text` has a `name.ext:line:column` position (digits on both sides of a colon after
/// a file extension).
pub fn has_position(text: &str) -> bool {
    text.match_indices(".yaml:")
        .chain(text.match_indices(".xml:"))
        .chain(text.match_indices(".yml:"))
        .chain(
            [".reg:", ".json:", ".cmd:", ".sls:", ".csv:", ".txt:", ".log:", ".jsonl:"]
                .iter()
                .flat_map(|e| text.match_indices(e)),
        )
        .any(|(index, found)| {
            let rest = &text[index + found.len()..];
            let line_digits = rest.chars().take_while(char::is_ascii_digit).count();
            line_digits > 0
                && rest[line_digits..].starts_with(':')
                && rest[line_digits + 1..].starts_with(|c: char| c.is_ascii_digit())
        })
}

/// Runs every entry of `catalogue` through `binary` (from `cwd`, four at a time), fails on any
/// broken promise, and returns (entry name, snapshot text) in catalogue order. `label` names
/// the temporary folders.
pub fn run_catalogue(
    binary: &Path,
    cwd: &Path,
    catalogue: &[Entry],
    label: &str,
) -> Vec<(&'static str, String)> {
    let mut names: Vec<&str> = catalogue.iter().map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), catalogue.len(), "entry names are unique");

    let base = std::env::temp_dir().join(format!("{label}-catalogue-{}", std::process::id()));
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> =
        Mutex::new(catalogue.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(entry) = catalogue.get(index) else { break };
                    let outcome = run_entry(binary, cwd, entry, &base.join(entry.name));
                    outcomes.lock().expect("not poisoned")[index] = Some(outcome);
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&base);
    let outcomes = outcomes.into_inner().expect("not poisoned");

    let mut problems = Vec::new();
    for (entry, outcome) in catalogue.iter().zip(&outcomes) {
        let outcome = outcome.as_ref().expect("every entry ran");
        let name = entry.name;
        if outcome.code != Some(entry.code) {
            problems.push(format!("{name}: exit {:?}, expected {}", outcome.code, entry.code));
        }
        if outcome.stderr.contains("panicked") {
            problems.push(format!("{name}: panicked:\n{}", outcome.stderr));
        }
        if outcome.elapsed > Duration::from_secs(ENTRY_SECONDS_MAX) {
            problems.push(format!("{name}: took {:?} (killed)", outcome.elapsed));
        }
        if entry.located && !has_position(&outcome.stderr) {
            problems.push(format!("{name}: no file:line:column in:\n{}", outcome.stderr));
        }
        if !outcome.stdout.is_empty() {
            problems.push(format!("{name}: wrote to stdout:\n{}", outcome.stdout));
        }
        if !outcome.leftovers.is_empty() {
            problems.push(format!("{name}: left output files {:?}", outcome.leftovers));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    catalogue
        .iter()
        .zip(outcomes)
        .map(|(entry, outcome)| {
            let outcome = outcome.expect("every entry ran");
            let snapshot = format!(
                "args: {}\ncontract: {}\nexit: {}\nstderr:\n{}",
                entry.args.join(" "),
                entry.contract,
                outcome.code.map_or("signal".to_string(), |c| c.to_string()),
                outcome.stderr
            );
            (entry.name, snapshot)
        })
        .collect()
}

#[test]
fn positions_are_recognised() {
    assert!(has_position("error: a/b.yaml:3:7: unknown key"));
    assert!(has_position("╭─[rules.xml:12:1]"));
    assert!(!has_position("error: a/b.yaml: cannot read"));
    assert!(!has_position("error: a/b.yaml:3: no column"));
    assert!(has_position("error: capture.csv:4:3: rssi_db: expected a number"));
}
