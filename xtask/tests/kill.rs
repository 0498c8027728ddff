//! Issue 16: a sweep killed with SIGKILL (`kill -9`) at several points and resumed each time
//! ends with the same store runs and byte-identical report files as an uninterrupted sweep, with
//! no run stored twice and no temporary file left. The sweep runs as a child process of the
//! `xtask` binary, killed by `Child::kill` (SIGKILL on Unix) on a fixed schedule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall time from each start of the sweep to its kill, in thousandths of the uninterrupted
/// sweep's wall time: a fixed, irregular schedule (on this machine some kills come before the
/// store's first 2 s commit, most after), scaled so that it hits running sweeps on any machine.
const KILL_AFTER_PERMILLE: [u64; 5] = [450, 150, 600, 350, 700];
/// Seeds per point: 3 points x 400 seeds, about 5 s of debug-build sweep on 2 threads.
const SEEDS: u32 = 400;
/// Longest a sweep child may run before the test gives up on it, s.
const CHILD_TIMEOUT_S: u64 = 300;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is in the workspace").to_path_buf()
}

/// A fresh folder for this test under the system's temporary folder.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-kill-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

/// Writes the small study (the default study's walk-away scenario, three thresholds) into `dir`.
fn write_study(dir: &Path) -> PathBuf {
    let scenario = repo_root().join("xtask/studies/walk-away.yaml");
    let study = format!(
        "name: kill-test\nscenarios: [{}]\nparameters:\n  - name: dynamic_lock_rssi_min\n    \
         values: [-20, -10, 0]\nseeds: {SEEDS}\n",
        scenario.display()
    );
    let path = dir.join("study.yaml");
    std::fs::write(&path, study).expect("study written");
    path
}

/// Starts `xtask sweep STUDY --out OUT --threads 2`, output discarded.
fn start(study: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("sweep")
        .arg(study)
        .arg("--out")
        .arg(out)
        .args(["--threads", "2"])
        .current_dir(repo_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xtask starts")
}

/// Waits for `child` to exit (bounded) and returns whether it succeeded.
fn wait(child: &mut std::process::Child) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(CHILD_TIMEOUT_S) {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the sweep did not finish within {CHILD_TIMEOUT_S} s");
}

/// Runs the sweep until `after_ms`, then kills it with SIGKILL; returns whether it was still
/// running (false: it had finished first).
fn run_and_kill(study: &Path, out: &Path, after_ms: u64) -> bool {
    let mut child = start(study, out);
    let deadline = Instant::now() + Duration::from_millis(after_ms);
    while Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let running = child.try_wait().expect("wait").is_none();
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    running
}

/// The runs of the store in `out` (each `run` value as stored), asserting no run is stored
/// twice and every line but the header is a run.
fn stored_runs(out: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(out.join("results.jsonl")).expect("store");
    let mut runs = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for line in text.lines().skip(1) {
        let value: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        let run = &value["run"];
        assert!(keys.insert(run["key"].to_string()), "run stored twice: {}", run["key"]);
        runs.insert(run.to_string());
    }
    runs
}

/// The three report files' bytes.
fn report_files(out: &Path) -> Vec<(String, Vec<u8>)> {
    ["report.html", "points.csv", "points.json"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read(out.join(name)).expect("report file")))
        .collect()
}

/// Every file under `dir` whose name holds `.tmp` (a temporary file left behind).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    // Bounded: the output folder holds a handful of files and folders.
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.file_name().to_string_lossy().contains(".tmp") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_sweep_killed_with_sigkill_and_resumed_equals_an_uninterrupted_one() {
    let dir = temp_dir("sweep");
    let study = write_study(&dir);
    let reference = dir.join("reference");
    let started = Instant::now();
    assert!(wait(&mut start(&study, &reference)), "the uninterrupted sweep succeeds");
    let reference_ms = started.elapsed().as_millis() as u64;
    let killed = dir.join("killed");
    let hits: Vec<bool> = KILL_AFTER_PERMILLE
        .iter()
        .map(|permille| run_and_kill(&study, &killed, reference_ms * permille / 1000))
        .collect();
    assert!(hits[0], "the first kill came after the sweep ended: {hits:?}");
    assert!(wait(&mut start(&study, &killed)), "the resumed sweep succeeds");
    let expected = stored_runs(&reference);
    assert_eq!(expected.len(), 3 * SEEDS as usize);
    assert_eq!(stored_runs(&killed), expected);
    assert!(report_files(&killed) == report_files(&reference), "the reports differ");
    assert_eq!(temporaries(&killed), Vec::<PathBuf>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
