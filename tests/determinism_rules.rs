//! The rule that keeps simulations reproducible, checked so that a regression fails a test:
//! the simulation crates (`engine`, `sim-devices`) read no clock, take no OS entropy, do no file
//! or environment access and iterate no unordered hash map.
//!
//! Three layers, each checked here: the clippy lists in `engine/clippy.toml` and
//! `sim-devices/clippy.toml` (denied through the workspace lints), `rand` built without its OS
//! entropy features, and a scan of the crates' non-test sources for the forbidden names, which
//! fails with `file:line`.

use std::path::{Path, PathBuf};

/// The simulation crates.
const SIMULATION_CRATES: [&str; 2] = ["engine", "sim-devices"];

/// What each crate's clippy.toml must forbid as methods.
const DISALLOWED_METHODS: [&str; 7] = [
    "std::time::Instant::now",
    "std::time::SystemTime::now",
    "std::env::var",
    "std::env::var_os",
    "std::fs::read",
    "std::fs::read_to_string",
    "std::fs::write",
];

/// What each crate's clippy.toml must forbid as types.
const DISALLOWED_TYPES: [&str; 5] = [
    "std::collections::HashMap",
    "std::collections::HashSet",
    "std::time::Instant",
    "std::time::SystemTime",
    "std::fs::File",
];

/// Names that must not appear in the simulation crates' non-test sources.
const FORBIDDEN_IN_SOURCES: [&str; 11] = [
    "HashMap",
    "HashSet",
    "Instant::now",
    "SystemTime",
    "thread_rng",
    "from_os_rng",
    "OsRng",
    "rand::rng(",
    "env::var",
    "std::fs",
    "std::env",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The quoted `path = "..."` entries of one list (`disallowed-methods = [...]`) of a clippy.toml.
fn clippy_list(text: &str, list: &str) -> Vec<String> {
    let Some(start) = text.find(&format!("{list} = [")) else { return Vec::new() };
    let body = &text[start..];
    let body = &body[..body.find("\n]").unwrap_or(body.len())];
    body.match_indices("path = \"")
        .filter_map(|(i, found)| {
            let rest = &body[i + found.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn clippy_forbids_clocks_entropy_io_and_hash_maps_in_every_simulation_crate() {
    let mut problems = Vec::new();
    for krate in SIMULATION_CRATES {
        let path = root().join(krate).join("clippy.toml");
        let text = read(&path);
        for (list, required) in [
            ("disallowed-methods", &DISALLOWED_METHODS[..]),
            ("disallowed-types", &DISALLOWED_TYPES[..]),
        ] {
            let present = clippy_list(&text, list);
            for name in required {
                if !present.iter().any(|p| p == name) {
                    problems.push(format!("{}: `{list}` lacks {name}", path.display()));
                }
            }
        }
        let manifest = read(&root().join(krate).join("Cargo.toml"));
        if !manifest.contains("[lints]\nworkspace = true") {
            problems.push(format!("{krate}/Cargo.toml: does not inherit the workspace lints"));
        }
        for line in manifest.lines().filter(|l| l.starts_with("rand")) {
            if line.contains("features") {
                problems.push(format!("{krate}/Cargo.toml: `{line}` adds rand features"));
            }
        }
    }
    let workspace = read(&root().join("Cargo.toml"));
    for lint in ["disallowed_methods = \"deny\"", "disallowed_types = \"deny\""] {
        if !workspace.contains(lint) {
            problems.push(format!("Cargo.toml: the workspace lints lack {lint}"));
        }
    }
    let rand = workspace.lines().find(|l| l.starts_with("rand =")).unwrap_or_default();
    if !rand.contains("default-features = false") {
        problems.push(format!("Cargo.toml: `{rand}` keeps rand's default (OS entropy) features"));
    }
    for feature in ["os_rng", "thread_rng", "\"default\""] {
        if rand.contains(feature) {
            problems.push(format!("Cargo.toml: `{rand}` enables {feature}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.rs` file under `dir` that is not a test file (`tests.rs`, `tests/`).
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            for entry in std::fs::read_dir(&path).expect("readable").flatten() {
                stack.push(entry.path());
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `file:line: name` for every forbidden name in the non-test code of `text`: lines before the
/// first `#[cfg(test)]` (test modules close the files here), comments excluded.
fn forbidden_uses(file: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .flat_map(|(index, line)| {
            FORBIDDEN_IN_SOURCES
                .iter()
                .filter(|name| line.contains(*name))
                .map(move |name| format!("{file}:{}: {name} in `{}`", index + 1, line.trim()))
        })
        .collect()
}

#[test]
fn simulation_sources_name_no_clock_entropy_io_or_hash_map() {
    let mut found = Vec::new();
    let mut scanned = 0;
    for krate in SIMULATION_CRATES {
        for path in sources(&root().join(krate).join("src")) {
            let shown = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
            found.extend(forbidden_uses(&shown, &read(&path)));
            scanned += 1;
        }
    }
    assert!(scanned >= 20, "the scan found only {scanned} source files");
    assert!(found.is_empty(), "forbidden in simulation crates:\n{}", found.join("\n"));
}

#[test]
fn the_scan_reports_forbidden_names_with_file_and_line_and_skips_tests() {
    let text = "use std::collections::BTreeMap;\n// a HashMap in a comment\nlet t = std::time::Instant::now();\n#[cfg(test)]\nmod tests { use std::collections::HashMap; }\n";
    assert_eq!(
        forbidden_uses("engine/src/x.rs", text),
        vec!["engine/src/x.rs:3: Instant::now in `let t = std::time::Instant::now();`"]
    );
    let clippy =
        "disallowed-types = [\n  { path = \"std::collections::HashMap\", reason = \"r\" },\n]\n";
    assert_eq!(clippy_list(clippy, "disallowed-types"), vec!["std::collections::HashMap"]);
    assert!(clippy_list(clippy, "disallowed-methods").is_empty());
}
