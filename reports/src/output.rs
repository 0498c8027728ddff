//! Writing files that are never half-written, the metadata every report prints, and the
//! number and text formatting shared by all reports.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over `path`. A reader sees the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
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
}

impl RunMeta {
    /// One line: `unlocksim 0.1.0 · scenario NAME (FILE) · sha256 HASH · seed N · interpretation X`.
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

    /// The command that reproduces the run.
    pub fn command(&self) -> String {
        format!("unlocksim run {} --seed {}", self.scenario_file, self.seed)
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
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\nbody{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}\ntable{{border-collapse:collapse;font-size:0.9em}}\ntd,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\nth{{background:#f4f4f4}}\n.meta{{color:#555;font-family:monospace}}\nsvg text{{font-family:sans-serif}}\n</style>\n</head>\n<body>\n",
        xml_escape(title)
    )
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }
}
