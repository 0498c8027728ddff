//! `run --trace-dir`: each run's trace written to its JSON Lines file while the run goes, so a
//! long run's trace never has to fit in memory.
//!
//! Files appear whole or not at all: a run writes a hidden temporary file next to its final
//! name (`.seed-1.jsonl.tmp<pid>`, the pattern of `reports::output::write_atomic`), and
//! [`TraceFiles::commit`] renames them once every run of the scenario has succeeded;
//! [`TraceFiles::discard`] removes them otherwise. Both find the files by that pattern in the
//! folder, so nothing is kept per run: memory stays flat however many runs there are.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use engine::SimTime;
use engine::policy::Interpretations;
use engine::trace::{
    Entity, PollRecord, TraceRecord, TraceSink, write_poll_line, write_record_line,
};

/// The name, without extension, of every file written for one run (trace, report page, text
/// timeline): `seed-<n>`, or `seed-<n>-<interpretations>` (slashes as dashes) when
/// `interpretations` is given because several sets of them ran.
pub fn run_file_stem(seed: u64, interpretations: Option<&Interpretations>) -> String {
    match interpretations {
        Some(interpretations) => {
            format!("seed-{seed}-{}", interpretations.label().replace('/', "-"))
        }
        None => format!("seed-{seed}"),
    }
}

/// The trace files of one scenario's runs under `--trace-dir`.
#[derive(Debug)]
pub struct TraceFiles {
    /// `<trace dir>/<scenario file stem>`.
    folder: PathBuf,
    /// Whether names carry the interpretations (`--interpretations all`).
    label_interpretations: bool,
    state: Mutex<FilesState>,
}

#[derive(Debug, Default)]
struct FilesState {
    /// What failed, by path. Runs go in parallel: reporting the first by path keeps the message
    /// the same from one invocation to the next.
    errors: BTreeMap<PathBuf, String>,
}

impl TraceFiles {
    pub fn new(folder: PathBuf, label_interpretations: bool) -> TraceFiles {
        TraceFiles { folder, label_interpretations, state: Mutex::default() }
    }

    /// The file name of a run: `seed-<n>.jsonl`, or `seed-<n>-<interpretations>.jsonl`.
    fn file_name(&self, seed: u64, interpretations: &Interpretations) -> String {
        let label = self.label_interpretations.then_some(interpretations);
        format!("{}.jsonl", run_file_stem(seed, label))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FilesState> {
        self.state.lock().expect("no thread panics while holding it")
    }

    /// Opens the temporary file of one run: the sink given to the runner.
    pub fn open(&self, seed: u64, interpretations: &Interpretations) -> TraceFileSink<'_> {
        let name = self.file_name(seed, interpretations);
        let final_path = self.folder.join(&name);
        let temporary = self.folder.join(format!(".{name}.tmp{}", std::process::id()));
        let writer = if let Err(error) = std::fs::create_dir_all(&self.folder) {
            self.failed(&self.folder, "cannot create folder", &error);
            None
        } else {
            match File::create(&temporary) {
                Ok(file) => Some(BufWriter::new(file)),
                Err(error) => {
                    self.failed(&final_path, "cannot write", &error);
                    None
                }
            }
        };
        TraceFileSink { files: self, path: final_path, writer, line: Vec::new() }
    }

    /// Notes that `what` (`cannot write`) failed at `path`.
    fn failed(&self, path: &Path, what: &str, error: &std::io::Error) {
        self.state()
            .errors
            .entry(path.to_path_buf())
            .or_insert_with(|| format!("{what} {}: {error}", path.display()));
    }

    fn first_error(&self) -> Option<String> {
        self.state().errors.values().next().cloned()
    }

    /// The (temporary, final) path of every temporary file this process wrote in the folder
    /// (`.<name>.tmp<pid>`), in name order; none when the folder cannot be read.
    fn temporaries(&self) -> Vec<(PathBuf, PathBuf)> {
        let suffix = format!(".tmp{}", std::process::id());
        let Ok(entries) = std::fs::read_dir(&self.folder) else { return Vec::new() };
        let mut found: Vec<(PathBuf, PathBuf)> = entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                let stem = name.strip_prefix('.')?.strip_suffix(&suffix)?;
                Some((self.folder.join(&name), self.folder.join(stem)))
            })
            .collect();
        found.sort();
        found
    }

    /// Renames every file to its final name, or removes them all and says why if any write
    /// failed. Call after every sink has been dropped (the runs have returned).
    pub fn commit(&self) -> Result<(), String> {
        if let Some(error) = self.first_error() {
            self.discard();
            return Err(error);
        }
        for (temporary, final_path) in self.temporaries() {
            if let Err(error) = std::fs::rename(&temporary, &final_path) {
                let _ = std::fs::remove_file(&temporary);
                self.failed(&final_path, "cannot write", &error);
            }
        }
        self.first_error().map_or(Ok(()), Err)
    }

    /// Removes every temporary file, and the scenario's folder if that leaves it empty (a run
    /// failed: nothing of this scenario is written).
    pub fn discard(&self) {
        for (temporary, _) in self.temporaries() {
            let _ = std::fs::remove_file(&temporary);
        }
        let _ = std::fs::remove_dir(&self.folder);
    }
}

/// Writes one run's records to its temporary file as they come: the bytes the trace hash covers.
#[derive(Debug)]
pub struct TraceFileSink<'a> {
    files: &'a TraceFiles,
    /// The file's final name, for error messages.
    path: PathBuf,
    /// `None` once a write failed (the failure is in `files`).
    writer: Option<BufWriter<File>>,
    line: Vec<u8>,
}

impl TraceFileSink<'_> {
    fn write_line(&mut self) {
        if let Some(writer) = &mut self.writer
            && let Err(error) = writer.write_all(&self.line)
        {
            self.files.failed(&self.path, "cannot write", &error);
            self.writer = None;
        }
    }
}

impl TraceSink for TraceFileSink<'_> {
    fn record(&mut self, record: TraceRecord) {
        write_record_line(&mut self.line, &record);
        self.write_line();
    }

    fn record_poll(&mut self, time: SimTime, entity: &Entity, poll: &PollRecord<'_>) {
        write_poll_line(&mut self.line, time, entity, poll);
        self.write_line();
    }
}

impl Drop for TraceFileSink<'_> {
    /// Flushes the buffer; a failure marks the files failed (a drop cannot return it).
    fn drop(&mut self) {
        if let Some(mut writer) = self.writer.take() {
            let flushed = writer.flush().and_then(|()| writer.get_ref().sync_all());
            if let Err(error) = flushed {
                self.files.failed(&self.path, "cannot write", &error);
            }
        }
    }
}
