//! The file I/O at the edges of both binaries: reading input files with a byte bound, writing
//! files that are never half-written; the metadata every report prints, and the number and text
//! formatting shared by all reports.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over `path`. A reader sees the old file or the whole new one, never a part.
///
/// A `path` that is not a regular file is never replaced: a symbolic link is followed and its
/// target written (atomically, beside the target); a device, FIFO or socket (`/dev/stdout`, a
/// named pipe) is written through, since renaming over it would swap the special file for a
/// regular one; a directory is an error.
///
/// # Errors
/// The I/O error; `is a directory` for a directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = fs::metadata(path) {
        if meta.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        if !meta.is_file() {
            let mut special = fs::OpenOptions::new().write(true).open(path)?;
            special.write_all(bytes)?;
            return special.flush();
        }
        if fs::symlink_metadata(path).is_ok_and(|link| link.file_type().is_symlink()) {
            return write_replacing(&fs::canonicalize(path)?, bytes);
        }
    }
    write_replacing(path, bytes)
}

/// [`write_atomic`] onto a path that is a regular file or does not exist.
fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().ok_or_else(|| io::Error::other("path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Why [`read_at_most`] or [`read_bounded`] refused a file.
///
/// Its `Display` is the reason without the path (`is a directory`, `104857600 bytes is more than
/// the limit of 1048576`), except for [`ReadError::NotUtf8`], which names the file's position.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be found, opened or read.
    Io(io::Error),
    /// The path is a directory.
    Directory,
    /// The file holds more than `bytes_max` bytes: `length_bytes` is its length when the
    /// metadata told (before reading), `None` when reading went past the bound (a device or a
    /// pipe, whose metadata says 0).
    TooLarge { length_bytes: Option<u64>, bytes_max: u64 },
    /// The file is not UTF-8: the first invalid `byte` is at `offset_bytes`, on 1-based `line`
    /// and `column` (in characters) of `file`.
    NotUtf8 { file: String, byte: u8, offset_bytes: usize, line: usize, column: usize },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "{error}"),
            ReadError::Directory => write!(f, "is a directory"),
            ReadError::TooLarge { length_bytes: Some(length), bytes_max } => {
                write!(f, "{length} bytes is more than the limit of {bytes_max}")
            }
            ReadError::TooLarge { length_bytes: None, bytes_max } => {
                write!(f, "more than the limit of {bytes_max} bytes")
            }
            ReadError::NotUtf8 { file, byte, offset_bytes, line, column } => write!(
                f,
                "not UTF-8: invalid byte 0x{byte:02x} at {file}:{line}:{column} \
                 (byte offset {offset_bytes})"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the file at `path` if it holds at most `bytes_max` bytes: the binaries' input files go
/// through here (scenarios, policies, rule XML, snapshots, device profiles, sweep files, sweep
/// results read back).
///
/// The size is checked twice: from the metadata before reading (a 100 MB file is rejected
/// without reading it), and while reading, never more than one byte past the limit (a device
/// or a pipe such as `/dev/zero` reports length 0 but never ends).
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::Directory`] or [`ReadError::TooLarge`].
pub fn read_at_most(path: &Path, bytes_max: u64) -> Result<Vec<u8>, ReadError> {
    let metadata = fs::metadata(path).map_err(ReadError::Io)?;
    if metadata.is_dir() {
        return Err(ReadError::Directory);
    }
    if metadata.len() > bytes_max {
        return Err(ReadError::TooLarge { length_bytes: Some(metadata.len()), bytes_max });
    }
    let file = fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(bytes_max.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > bytes_max {
        return Err(ReadError::TooLarge { length_bytes: None, bytes_max });
    }
    Ok(bytes)
}

/// Reads the file at `path` through [`read_at_most`] as UTF-8 text.
///
/// # Errors
/// Those of [`read_at_most`], and [`ReadError::NotUtf8`] with the line and column of the first
/// invalid byte (as [`engine::diagnostic::SourceFile::line_column`] counts them).
pub fn read_bounded(path: &Path, bytes_max: u64) -> Result<String, ReadError> {
    String::from_utf8(read_at_most(path, bytes_max)?).map_err(|error| {
        let offset_bytes = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let valid = String::from_utf8_lossy(&bytes[..offset_bytes]);
        let file = path.display().to_string();
        let (line, column) =
            engine::diagnostic::SourceFile::new(file.clone(), valid).line_column(offset_bytes);
        ReadError::NotUtf8 { file, byte: bytes[offset_bytes], offset_bytes, line, column }
    })
}

/// What every report prints so that any number can be reproduced with one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMeta {
    /// The scenario's name.
    pub scenario_name: String,
    /// The scenario file as given on the command line (relative paths stay relative).
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes, hex.
    pub content_hash: String,
    /// The seed of the run.
    pub seed: u64,
    /// The program version (`CARGO_PKG_VERSION`, plus a commit where known).
    pub program_version: String,
    /// The interpretation options, e.g. `rssi_delta_reference=hysteresis`.
    pub interpretation: String,
    /// The command-line overrides of the run (` --set NAME=VALUE` each), empty without any.
    #[serde(default)]
    pub repro_flags: String,
}

impl RunMeta {
    /// One line:
    /// `unlocksim 0.1.0 · scenario NAME (FILE) · sha256 HASH · seed N · interpretation X`.
    pub fn line(&self) -> String {
        format!(
            "unlocksim {} · scenario {} ({}) · sha256 {} · seed {} · interpretation {}",
            self.program_version,
            self.scenario_name,
            self.scenario_file,
            self.content_hash,
            self.seed,
            self.interpretation
        )
    }

    /// The command that reproduces the run: `unlocksim run FILE --seed N` (see
    /// [`crate::summary::repro_command`]).
    pub fn command(&self) -> String {
        let command = crate::summary::repro_command(&self.scenario_file, self.seed, None, None);
        format!("{command}{}", self.repro_flags)
    }
}

/// Formats a number for reports: integers without decimals, others with up to 3 decimals and no
/// trailing zeros; `None` as `never`/`-` chosen by the caller.
pub fn fmt_num(value: f64) -> String {
    if !value.is_finite() {
        return "inf".into();
    }
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

/// Escapes text for XML/XHTML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The shared page head of every HTML report: XHTML, inline style, no scripts, no network.
pub(crate) fn html_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n\
            <meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\n\
            body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}\n\
            table{{border-collapse:collapse;font-size:0.9em}}\n\
            td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\n\
            th{{background:#f4f4f4}}\n.meta{{color:#555;font-family:monospace}}\n\
            svg text{{font-family:sans-serif}}\n</style>\n</head>\n<body>\n",
        xml_escape(title)
    )
}

#[cfg(test)]
mod tests {

    /// A symbolic link is followed (the link stays a link, its target gets the bytes) and a
    /// special file is written through, never replaced by a regular file.
    #[test]
    fn write_atomic_keeps_links_and_special_files() {
        let dir = std::env::temp_dir().join(format!("unlocksim-write-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp folder");
        let (target, link) = (dir.join("target.txt"), dir.join("link.txt"));
        fs::write(&target, "old").expect("target");
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        write_atomic(&link, b"new").expect("write through the link");
        let still_link = fs::symlink_metadata(&link).expect("link").file_type().is_symlink();
        let written = fs::read_to_string(&target).expect("target");
        // A named pipe (made by coreutils' mkfifo), read by another thread.
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()), "mkfifo");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).expect("read the pipe"))
        };
        write_atomic(&fifo, b"through the pipe").expect("write to a pipe");
        let piped = reader.join().expect("reader");
        use std::os::unix::fs::FileTypeExt;
        let still_fifo = fs::symlink_metadata(&fifo).expect("pipe").file_type().is_fifo();
        let directory = write_atomic(&dir, b"x").map_err(|e| e.to_string());
        let _ = fs::remove_dir_all(&dir);
        assert!(still_link, "the link was replaced by a regular file");
        assert_eq!(written, "new");
        assert!(still_fifo, "the pipe was replaced by a regular file");
        assert_eq!(piped, "through the pipe");
        assert_eq!(directory, Err("is a directory".to_owned()));
    }

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(1.0, "1")]
    #[case(0.5, "0.5")]
    #[case(2.0 / 3.0, "0.667")]
    #[case(-0.0001, "0")]
    #[case(-12.25, "-12.25")]
    #[case(f64::INFINITY, "inf")]
    fn numbers(#[case] value: f64, #[case] text: &str) {
        assert_eq!(fmt_num(value), text);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("reports-atomic-{}", std::process::id()));
        let path = dir.join("sub").join("out.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A fresh folder for one test's files.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("reports-read-{name}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// What `read_bounded` makes of `bytes` under `bytes_max`: the text, or the error shown.
    fn read_of(name: &str, bytes: &[u8], bytes_max: u64) -> String {
        let dir = scratch(name);
        let path = dir.join("input.txt");
        fs::write(&path, bytes).unwrap();
        let shown = match read_bounded(&path, bytes_max) {
            Ok(text) => format!("ok: {text:?}"),
            Err(error) => format!("error: {error}").replace(&dir.display().to_string(), "[DIR]"),
        };
        fs::remove_dir_all(dir).unwrap();
        shown
    }

    #[rstest]
    #[case::empty("empty", b"", 4, "ok: \"\"")]
    #[case::at_the_bound("at", b"abcd", 4, "ok: \"abcd\"")]
    #[case::past_the_bound("past", b"abcde", 4, "error: 5 bytes is more than the limit of 4")]
    #[case::invalid_first_byte(
        "first",
        b"\xff",
        16,
        "error: not UTF-8: invalid byte 0xff at [DIR]/input.txt:1:1 (byte offset 0)"
    )]
    #[case::invalid_after_characters(
        "later",
        b"a: 1\nnom: \xc3\xa9t\xc3\xa9 \xe9",
        64,
        "error: not UTF-8: invalid byte 0xe9 at [DIR]/input.txt:2:10 (byte offset 16)"
    )]
    fn reads_text_up_to_its_bound(
        #[case] name: &str,
        #[case] bytes: &[u8],
        #[case] bytes_max: u64,
        #[case] expected: &str,
    ) {
        assert_eq!(read_of(name, bytes, bytes_max), expected);
    }

    #[test]
    fn a_directory_is_refused_by_name() {
        let dir = scratch("directory");
        let error = read_at_most(&dir, 1024).err().map(|e| e.to_string());
        fs::remove_dir_all(dir).unwrap();
        assert_eq!(error.as_deref(), Some("is a directory"));
    }

    /// A device that reports length 0 and never ends is cut off one byte past the bound.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_endless_device_stops_one_byte_past_the_bound() {
        let error = read_at_most(Path::new("/dev/zero"), 1024).err();
        assert!(
            matches!(error, Some(ReadError::TooLarge { length_bytes: None, bytes_max: 1024 })),
            "{error:?}"
        );
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("more than the limit of 1024 bytes")
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }
}
