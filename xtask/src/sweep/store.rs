//! The results store of a sweep output directory: one append-only, checksummed JSON Lines file
//! (`results.jsonl`) and one lock (`lock`).
//!
//! Format (version [`STORE_VERSION`], documented for users in `xtask/SWEEPS.md`):
//! - line 1, the header: `{"store":"unlocksim-sweep-results","version":1,"fingerprint":"<hex>"}`;
//! - every other line, one run: `{"sum":"<16 hex>","run":{"key":{...},"outcome":{...}}}`, where
//!   `sum` is the first 8 bytes of the SHA-256 of the exact bytes of the `run` value.
//!
//! Runs are appended in batches; a batch is committed (flushed and `fdatasync`ed) every
//! [`BATCH_RUNS_MAX`] runs or [`BATCH_INTERVAL_MS_MAX`] ms, whichever comes first. A `kill -9`
//! loses at most the uncommitted batch: a torn last line fails its checksum or has no newline,
//! is ignored by readers and cut off by the next writer; no temporary file is involved. A run
//! appended twice (a failed run retried) counts once: the last line wins. A damaged line that
//! is not the last is an error naming its line, never silently skipped.
//!
//! One writer per directory: [`lock`] takes an exclusive `flock` on `OUT/lock`. The kernel
//! releases it when its process dies, so the lock of a killed sweep is taken over without any
//! stale-lock heuristics.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reports::metrics::RunMetrics;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::spec::RunKey;

/// The store's file name in an output directory.
pub const STORE_FILE: &str = "results.jsonl";
/// The lock's file name in an output directory.
pub const LOCK_FILE: &str = "lock";
/// The store format's version (the header's `version`).
pub const STORE_VERSION: u32 = 1;
/// The header's `store` tag.
const STORE_TAG: &str = "unlocksim-sweep-results";
/// Most runs in one uncommitted batch. Unknown; chosen, range 1..100_000: real studies (~1,000
/// runs/s per core) reach [`BATCH_INTERVAL_MS_MAX`] first; cheap synthetic runs (10^5 runs/s)
/// would otherwise pay one `fdatasync` (~0.1 s measured on a loaded CI disk) per batch.
pub const BATCH_RUNS_MAX: usize = 16_384;
/// Longest time a finished run stays uncommitted, in milliseconds. Unknown; chosen, range
/// 100..60_000: a kill loses at most this much work.
pub const BATCH_INTERVAL_MS_MAX: u64 = 2_000;
/// Largest store read back: 10 million runs (the sweep bound) of up to about 1.6 kB each.
pub const STORE_BYTES_MAX: u64 = 16 << 30;
/// Longest line of the store read back: one run's metrics, a few kB for an office day.
pub const STORE_LINE_BYTES_MAX: u64 = 16 << 20;

/// The first line of a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    store: String,
    version: u32,
    fingerprint: String,
}

/// One stored run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRun {
    /// Which run.
    pub key: RunKey,
    /// Metrics, or the run's error.
    pub outcome: Result<RunMetrics, String>,
}

/// The runs of a store, last line winning, and how many of its bytes are whole lines.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every stored run by key.
    pub runs: HashMap<RunKey, Result<RunMetrics, String>>,
    /// Bytes of the file up to the end of its last whole, valid line (0: no header yet).
    pub valid_bytes: u64,
}

fn io_error(path: &Path, error: impl std::fmt::Display) -> String {
    format!("{}: {error}", path.display())
}

/// The 16 hex digits of the checksum of `bytes`.
fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8].iter().map(|b| format!("{b:02x}")).collect()
}

const LINE_START: &[u8] = b"{\"sum\":\"";
const LINE_MIDDLE: &[u8] = b"\",\"run\":";

/// One run as a store line, newline included.
fn encode(run: &StoredRun) -> Vec<u8> {
    let body = serde_json::to_vec(run).expect("a run serialises");
    let mut line = Vec::with_capacity(body.len() + 40);
    line.extend_from_slice(LINE_START);
    line.extend_from_slice(checksum(&body).as_bytes());
    line.extend_from_slice(LINE_MIDDLE);
    line.extend_from_slice(&body);
    line.extend_from_slice(b"}\n");
    line
}

/// The run of a store line (without its newline), or `None` when the line is damaged.
fn decode(line: &[u8]) -> Option<StoredRun> {
    let rest = line.strip_prefix(LINE_START)?;
    let (sum, rest) = rest.split_at_checked(16)?;
    let body = rest.strip_prefix(LINE_MIDDLE)?.strip_suffix(b"}")?;
    if checksum(body).as_bytes() != sum {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// Reads the store of `dir` made for `fingerprint` (no store: nothing stored). A torn last line
/// is left out of [`Loaded::valid_bytes`]; a damaged line before it, a store of another sweep or
/// format, or a file past [`STORE_BYTES_MAX`] is an error.
pub fn read(dir: &Path, fingerprint: &str) -> Result<Loaded, String> {
    let mut runs = HashMap::new();
    let valid_bytes = read_each(dir, fingerprint, &mut |run| {
        runs.insert(run.key, run.outcome);
        Ok(())
    })?;
    Ok(Loaded { runs, valid_bytes })
}

/// Streams the runs of the store of `dir` made for `fingerprint`, in file order (a later line
/// of the same run wins), to `each`, keeping nothing; returns the bytes of whole, valid lines.
/// Errors as [`read`], and the first error of `each`.
pub fn read_each(
    dir: &Path,
    fingerprint: &str,
    each: &mut dyn FnMut(StoredRun) -> Result<(), String>,
) -> Result<u64, String> {
    let path = dir.join(STORE_FILE);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(&path, e)),
    };
    let size = file.metadata().map_err(|e| io_error(&path, e))?.len();
    if size > STORE_BYTES_MAX {
        return Err(io_error(&path, format!("more than the limit of {STORE_BYTES_MAX} bytes")));
    }
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut valid_bytes = 0u64;
    let mut line = Vec::new();
    let mut line_number = 0u64;
    // Bounded: every pass consumes at least one byte of a file of at most STORE_BYTES_MAX.
    loop {
        line.clear();
        let read = (&mut reader)
            .take(STORE_LINE_BYTES_MAX + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error(&path, e))?;
        if read == 0 {
            return Ok(valid_bytes);
        }
        line_number += 1;
        let whole = line.last() == Some(&b'\n');
        let at_end = valid_bytes + read as u64 == size;
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if line_number == 1 {
            if !whole && at_end {
                return Ok(valid_bytes);
            }
            check_header(&path, text, fingerprint)?;
        } else {
            match decode(text).filter(|_| whole) {
                Some(run) => each(run)?,
                None if at_end => return Ok(valid_bytes),
                None => return Err(damaged(&path, line_number)),
            }
        }
        valid_bytes += read as u64;
    }
}

/// The error of a damaged line that is not the last (so not a torn write).
fn damaged(path: &Path, line_number: u64) -> String {
    io_error(
        path,
        format!(
            "line {line_number} is damaged (not the last line, so not a torn write); move the \
            file away to start over"
        ),
    )
}

fn check_header(path: &Path, text: &[u8], fingerprint: &str) -> Result<(), String> {
    let header: Header = serde_json::from_slice(text)
        .map_err(|_| io_error(path, "not a sweep results store (bad first line)"))?;
    if header.store != STORE_TAG || header.version != STORE_VERSION {
        return Err(io_error(
            path,
            format!(
                "store `{}` version {} is not this program's `{STORE_TAG}` version \
                {STORE_VERSION}",
                header.store, header.version
            ),
        ));
    }
    if header.fingerprint != fingerprint {
        return Err(io_error(path, "holds results of a different sweep (fingerprint differs)"));
    }
    Ok(())
}

/// The exclusive lock of an output directory, released when dropped or when its process dies.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the lock of `dir` (creating it), or refuses with a message naming the holder's process
/// id. Then removes temporary files (`.NAME.tmpPID`) a killed writer left in `dir`: nobody else
/// writes there while the lock is held.
pub fn lock(dir: &Path) -> Result<Lock, String> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io_error(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = (&mut file).take(32).read_to_string(&mut holder);
            return Err(format!(
                "{} is in use by another sweep (process {}); wait for it to finish or pass \
                another --out",
                dir.display(),
                holder.trim()
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io_error(&path, e)),
    }
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(|e| io_error(&path, e))?;
    remove_temporaries(dir)?;
    Ok(Lock { _file: file })
}

/// Removes `.NAME.tmpPID` files (left by [`reports::write_atomic`] when killed) from `dir`.
fn remove_temporaries(dir: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp") {
            std::fs::remove_file(entry.path()).map_err(|e| io_error(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// Appends runs to a store in committed batches. Needs the directory's [`Lock`].
#[derive(Debug)]
pub struct Writer {
    path: PathBuf,
    file: BufWriter<File>,
    uncommitted_count: usize,
    last_commit: Instant,
}

impl Writer {
    /// Opens the store of `dir` for `fingerprint` after [`read`] found `valid_bytes` of whole
    /// lines: cuts off a torn tail, or writes the header into a new store.
    pub fn open(
        _lock: &Lock,
        dir: &Path,
        fingerprint: &str,
        valid_bytes: u64,
    ) -> Result<Writer, String> {
        let path = dir.join(STORE_FILE);
        let open = || -> io::Result<BufWriter<File>> {
            let mut file =
                OpenOptions::new().write(true).create(true).truncate(false).open(&path)?;
            file.set_len(valid_bytes)?;
            file.seek(SeekFrom::End(0))?;
            if valid_bytes == 0 {
                let header = Header {
                    store: STORE_TAG.into(),
                    version: STORE_VERSION,
                    fingerprint: fingerprint.into(),
                };
                let mut text = serde_json::to_vec(&header).expect("header serialises");
                text.push(b'\n');
                file.write_all(&text)?;
            }
            file.sync_data()?;
            Ok(BufWriter::with_capacity(1 << 16, file))
        };
        let file = open().map_err(|e| io_error(&path, e))?;
        Ok(Writer { path, file, uncommitted_count: 0, last_commit: Instant::now() })
    }

    /// Appends one run; commits when the batch is full or old enough.
    pub fn append(&mut self, run: &StoredRun) -> Result<(), String> {
        self.file.write_all(&encode(run)).map_err(|e| io_error(&self.path, e))?;
        self.uncommitted_count += 1;
        if self.uncommitted_count >= BATCH_RUNS_MAX
            || self.last_commit.elapsed() >= Duration::from_millis(BATCH_INTERVAL_MS_MAX)
        {
            self.commit()?;
        }
        Ok(())
    }

    /// Makes every appended run durable.
    pub fn commit(&mut self) -> Result<(), String> {
        self.file
            .flush()
            .and_then(|()| self.file.get_ref().sync_data())
            .map_err(|e| io_error(&self.path, e))?;
        self.uncommitted_count = 0;
        self.last_commit = Instant::now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn run(seed: u64) -> StoredRun {
        StoredRun {
            key: RunKey { point_index: 1, scenario_index: 0, seed },
            outcome: Ok(RunMetrics { seated_us: seed, ..RunMetrics::default() }),
        }
    }

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// Writes a header and runs 1..=3, then `tail` appended raw; returns what a reader sees.
    fn read_after(name: &str, tail: &[u8]) -> Result<(Vec<u64>, u64, u64), String> {
        let dir = dir(name);
        let lock = lock(&dir).unwrap();
        let mut writer = Writer::open(&lock, &dir, "f", 0).unwrap();
        for seed in 1..=3 {
            writer.append(&run(seed)).unwrap();
        }
        writer.commit().unwrap();
        drop(writer);
        let mut file = OpenOptions::new().append(true).open(dir.join(STORE_FILE)).unwrap();
        file.write_all(tail).unwrap();
        let size = file.metadata().unwrap().len();
        let loaded = read(&dir, "f");
        let _ = std::fs::remove_dir_all(&dir);
        let loaded = loaded?;
        let mut seeds: Vec<u64> = loaded.runs.keys().map(|k| k.seed).collect();
        seeds.sort_unstable();
        Ok((seeds, loaded.valid_bytes, size))
    }

    /// A torn or damaged last line is left out (and will be cut off); a damaged line before the
    /// end is an error; a whole line counts.
    #[rstest]
    #[case::nothing(Vec::new(), Ok(3), true)]
    #[case::whole_line(encode(&run(4)), Ok(4), true)]
    #[case::torn_line(encode(&run(4))[..30].to_vec(), Ok(3), false)]
    #[case::no_newline(encode(&run(4)).strip_suffix(b"\n").unwrap().to_vec(), Ok(3), false)]
    #[case::bad_checksum([b"{\"sum\":\"0000000000000000\"", &encode(&run(4))[25..]].concat(), Ok(3), false)]
    #[case::damaged_then_whole([b"garbage\n".as_slice(), &encode(&run(4))].concat(), Err("line 5 is damaged"), false)]
    fn a_store_reads_back_to_its_last_whole_line(
        #[case] tail: Vec<u8>,
        #[case] expected: Result<usize, &str>,
        #[case] all_valid: bool,
    ) {
        let name = format!("tail{}", tail.len());
        match (read_after(&name, &tail), expected) {
            (Ok((seeds, valid, size)), Ok(count)) => {
                assert_eq!(seeds, (1..=count as u64).collect::<Vec<_>>());
                assert_eq!(valid == size, all_valid, "valid {valid} of {size}");
            }
            (Err(error), Err(part)) => assert!(error.contains(part), "{error}"),
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn a_store_of_another_sweep_is_refused() {
        let dir = dir("other");
        let lock = lock(&dir).unwrap();
        Writer::open(&lock, &dir, "one", 0).unwrap().commit().unwrap();
        let error = read(&dir, "two").unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(error.contains("different sweep"), "{error}");
    }

    /// Defect 5: a second writer on one directory is refused while the first holds the lock,
    /// and takes over once it is gone (as after a kill: the kernel drops the lock).
    #[test]
    fn one_writer_per_directory() {
        let dir = dir("lock");
        let first = lock(&dir).unwrap();
        let error = lock(&dir).unwrap_err();
        assert!(error.contains("in use by another sweep"), "{error}");
        assert!(error.contains(&std::process::id().to_string()), "{error}");
        drop(first);
        std::fs::write(dir.join(".report.html.tmp99999"), b"half").unwrap();
        let second = lock(&dir);
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(second.is_ok());
        assert_eq!(left, [LOCK_FILE], "temporaries of a killed writer are removed");
    }
}
