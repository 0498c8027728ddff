//! The rule that keeps exit codes decided in one place: the two binaries (`src/`, `xtask/src/`)
//! end through `reports::summary::Exit`, whose one `From<Exit> for ExitCode` is the only place
//! that names a numeric exit code. A scan of their sources fails with `file:line` for any
//! `ExitCode::from(` literal.

use std::path::{Path, PathBuf};

/// The folders of the two binaries' sources.
const BINARY_SOURCES: [&str; 2] = ["src", "xtask/src"];

/// What must not appear in the binaries' sources.
const FORBIDDEN: &str = "ExitCode::from(";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            stack.extend(entries.flatten().map(|entry| entry.path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `file:line: line` for every numeric exit code in `text`, comments excluded.
fn exit_code_literals(file: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| line.contains(FORBIDDEN))
        .map(|(index, line)| format!("{file}:{}: `{}`", index + 1, line.trim()))
        .collect()
}

#[test]
fn the_binaries_name_no_numeric_exit_code() {
    let mut found = Vec::new();
    let mut scanned = 0;
    for folder in BINARY_SOURCES {
        for path in sources(&root().join(folder)) {
            let shown = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{shown}: {e}"));
            found.extend(exit_code_literals(&shown, &text));
            scanned += 1;
        }
    }
    assert!(scanned >= 10, "the scan found only {scanned} source files");
    assert!(found.is_empty(), "use reports::summary::Exit instead:\n{}", found.join("\n"));
}

#[test]
fn the_scan_reports_literals_with_file_and_line_and_skips_comments() {
    let text =
        "// ExitCode::from(2) in a comment\nfn main() -> ExitCode {\n    ExitCode::from(1)\n}\n";
    assert_eq!(exit_code_literals("src/x.rs", text), vec!["src/x.rs:3: `ExitCode::from(1)`"]);
}
