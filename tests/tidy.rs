//! House rules that are easy to break without noticing, checked so that a regression fails a test
//! that names `file:line`:
//!
//! - every limit is named `THING_UNIT_MAX` (no `MAX_` prefix), and every public `*_MAX` constant
//!   is a row of ARCHITECTURE.md's Limits table, which names no constant that does not exist;
//! - no line of the non-test sources is wider than 100 columns;
//! - no doc or source sends a reader to the team's `shared` folder beside the repository, which a
//!   user's clone does not have (`docs/model.md` carries what they need), and no markdown link
//!   leaves the repository or leads to a file that does not exist;
//! - no function of the scenario language (`scenarios/src`) is longer than 60 lines: each
//!   action and expectation kind has its own small leaf under a short dispatcher;
//! - every diagnostic code the engine raises (`"rules::comma"`, `"policy::empty-group"`...) is
//!   named by at least one test or snapshot, so each condition has a test.
//! - every deliberately invalid input (the catalogue, the fixtures a loader refuses) says so in
//!   its first line or in its folder's `README.md`, and no valid fixture claims to be invalid.
//!
//! Like `tests/determinism_rules.rs`, "non-test" means: not under a `tests/` folder, not a
//! `tests.rs`, `*_tests.rs` or `testing.rs` file, and before a file's `#[cfg(test)] mod ... {`.

use std::path::{Path, PathBuf};

/// The source folders of the workspace's crates (`fuzz/` is a separate workspace).
const SOURCE_DIRS: [&str; 6] =
    ["engine/src", "sim-devices/src", "scenarios/src", "reports/src", "xtask/src", "src"];

/// Every folder holding Rust code or snapshots of this workspace, tests included.
const ALL_DIRS: [&str; 7] =
    ["engine", "sim-devices", "scenarios", "reports", "xtask", "src", "tests"];

/// The widest line allowed, in characters.
const LINE_CHARS_MAX: usize = 100;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of `path` from the workspace root, with `/` separators.
fn shown(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every file under `dir` whose name ends with one of `extensions`, sorted (`target/` skipped).
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            for entry in std::fs::read_dir(&path).expect("readable").flatten() {
                stack.push(entry.path());
            }
        } else if extensions.iter().any(|e| path.to_string_lossy().ends_with(e)) {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Whether `path` (from the root) holds only test code.
fn is_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.split('/').any(|part| part == "tests")
        || name == "tests.rs"
        || name == "testing.rs"
        || name.ends_with("_tests.rs")
}

/// (line number, line) of the code before the file's test module (`#[cfg(test)]` then
/// `mod name {`); a `#[cfg(test)]` before anything else (`mod testing;`) does not end it.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines[index + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty());
            if next.is_some_and(|l| l.starts_with("mod ") && l.ends_with('{')) {
                break;
            }
        }
        kept.push((index + 1, *line));
    }
    kept
}

/// (path, text) of every non-test source file of the workspace's crates.
fn non_test_sources() -> Vec<(String, String)> {
    let mut sources = Vec::new();
    for dir in SOURCE_DIRS {
        for path in files(&root().join(dir), &[".rs"]) {
            let name = shown(&path);
            if !is_test_file(&name) && !sources.iter().any(|(n, _)| *n == name) {
                sources.push((name, read(&path)));
            }
        }
    }
    assert!(sources.len() >= 60, "the scan found only {} source files", sources.len());
    sources
}

/// `file:line` of every line of `text` wider than [`LINE_CHARS_MAX`] characters.
fn long_lines(file: &str, text: &str) -> Vec<String> {
    non_test_lines(text)
        .into_iter()
        .filter(|(_, line)| line.chars().count() > LINE_CHARS_MAX)
        .map(|(number, line)| format!("{file}:{number}: {} columns", line.chars().count()))
        .collect()
}

#[test]
fn no_source_line_is_wider_than_100_columns() {
    let mut found = Vec::new();
    for (file, text) in non_test_sources() {
        found.extend(long_lines(&file, &text));
    }
    assert!(found.is_empty(), "lines wider than {LINE_CHARS_MAX} columns:\n{}", found.join("\n"));
}

/// The longest function allowed in the scenario language, in lines (signature to closing
/// brace), after TigerBeetle's 70 with room for rustfmt's wrapping.
const SCENARIO_FN_LINES_MAX: usize = 60;

/// `file:line: name is N lines` of every function in `lines` longer than `max`. Functions are
/// found by `fn name` at the start of a line and measured by brace depth: enough for rustfmt'd
/// code, whose braces in strings and chars are balanced in this crate.
fn long_functions(file: &str, lines: &[(usize, &str)], max: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let (number, line) = lines[index];
        let words: Vec<&str> = line.split_whitespace().take_while(|w| *w != "fn").collect();
        let is_fn = line.split_whitespace().any(|w| w == "fn")
            && !line.trim_start().starts_with("//")
            && words.iter().all(|w| ["pub", "pub(crate)", "pub(super)", "const"].contains(w));
        if !is_fn {
            index += 1;
            continue;
        }
        let name = line.split("fn ").nth(1).unwrap_or("").split(['(', '<']).next().unwrap_or("");
        let (mut depth, mut opened, mut end) = (0i64, false, index);
        for (offset, (_, body_line)) in lines[index..].iter().enumerate() {
            for c in body_line.chars() {
                match c {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            end = index + offset;
            if (opened && depth == 0) || (!opened && body_line.trim_end().ends_with(';')) {
                break;
            }
        }
        let length = end - index + 1;
        if opened && length > max {
            found.push(format!("{file}:{number}: {name} is {length} lines"));
        }
        index = end + 1;
    }
    found
}

#[test]
fn no_function_of_the_scenario_language_is_longer_than_60_lines() {
    let mut found = Vec::new();
    for (file, text) in non_test_sources() {
        if file.starts_with("scenarios/src/") {
            found.extend(long_functions(&file, &non_test_lines(&text), SCENARIO_FN_LINES_MAX));
        }
    }
    assert!(
        found.is_empty(),
        "functions over {SCENARIO_FN_LINES_MAX} lines:\n{}",
        found.join("\n")
    );
}

#[test]
fn long_functions_finds_a_long_function_and_only_it() {
    let long: String = std::iter::once("pub fn long(x: u8) -> u8 {".to_string())
        .chain((0..60).map(|i| format!("    let _v{i} = {{ x }};")))
        .chain(["    x".to_string(), "}".to_string()])
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("fn short() {{\n}}\n{long}\nfn declared();\n");
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    assert_eq!(long_functions("x.rs", &lines, 60), ["x.rs:3: long is 63 lines"]);
    assert!(long_functions("x.rs", &lines, 63).is_empty());
}

/// `file:line: NAME` of every `const MAX_...` or `static MAX_...` in `text` (all of it: tests
/// name their limits the same way).
fn max_prefixes(file: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "const" || *w == "static")?;
            let name = words.get(at + 1)?.trim_end_matches(':');
            name.starts_with("MAX_").then(|| format!("{file}:{}: {name}", index + 1))
        })
        .collect()
}

#[test]
fn no_limit_is_named_with_a_max_prefix() {
    let mut found = Vec::new();
    for dir in ALL_DIRS {
        for path in files(&root().join(dir), &[".rs"]) {
            found.extend(max_prefixes(&shown(&path), &read(&path)));
        }
    }
    assert!(found.is_empty(), "name limits THING_UNIT_MAX, not MAX_THING:\n{}", found.join("\n"));
}

/// (line number, name) of every `const NAME` ending in `_MAX` in `text`'s non-test code, and
/// whether it is `pub`.
fn max_constants(text: &str) -> Vec<(usize, String, bool)> {
    non_test_lines(text)
        .into_iter()
        .filter_map(|(number, line)| {
            let line = line.trim_start();
            let public = line.starts_with("pub const ");
            let rest = line.strip_prefix("pub const ").or_else(|| line.strip_prefix("const "))?;
            let name = rest.split(':').next()?.trim();
            name.ends_with("_MAX").then(|| (number, name.to_string(), public))
        })
        .collect()
}

/// Every `` `NAME_MAX` `` written in a table row (`| ... |`) of the `## Limits` section of
/// ARCHITECTURE.md.
fn limits_table_names(architecture: &str) -> Vec<String> {
    let start = architecture.find("\n## Limits").expect("ARCHITECTURE.md has a Limits section");
    let section = &architecture[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |end| end + 1)];
    let rows: Vec<&str> = section.lines().filter(|line| line.starts_with('|')).collect();
    rows.join("\n")
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| {
            name.ends_with("_MAX")
                && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// `file:line: NAME` for every public limit missing from `table`, and `ARCHITECTURE.md: NAME`
/// for every table name that no source defines.
fn limits_missing(sources: &[(String, String)], table: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut defined = Vec::new();
    for (file, text) in sources {
        for (number, name, public) in max_constants(text) {
            if public && !table.contains(&name) {
                problems.push(format!("{file}:{number}: {name} is not in the Limits table"));
            }
            defined.push(name);
        }
    }
    for name in table {
        if !defined.contains(name) {
            problems
                .push(format!("ARCHITECTURE.md: the Limits table names {name}, defined nowhere"));
        }
    }
    problems
}

#[test]
fn every_limit_is_a_row_of_the_architecture_limits_table() {
    let table = limits_table_names(&read(&root().join("ARCHITECTURE.md")));
    assert!(table.len() >= 30, "the Limits table names only {} limits", table.len());
    let problems = limits_missing(&non_test_sources(), &table);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// (line number, code) of every diagnostic code literal in `text`'s non-test code: a string
/// `"namespace::code"` of lowercase letters, digits and `-`.
fn diagnostic_codes(text: &str) -> Vec<(usize, String)> {
    let is_code_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let mut codes = Vec::new();
    for (number, line) in non_test_lines(text) {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for literal in line.split('"').skip(1).step_by(2) {
            let Some((namespace, code)) = literal.split_once("::") else { continue };
            let valid = |part: &str| {
                part.starts_with(|c: char| c.is_ascii_lowercase()) && part.chars().all(is_code_char)
            };
            if valid(namespace) && valid(code) {
                codes.push((number, literal.to_string()));
            }
        }
    }
    codes
}

/// Whether `corpus` names `code` as a whole word (`rules::empty` is not named by
/// `rules::empty-and`).
fn names_code(corpus: &str, code: &str) -> bool {
    let is_word_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':';
    corpus.match_indices(code).any(|(at, _)| {
        let before = corpus[..at].chars().next_back();
        let after = corpus[at + code.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// Every test and snapshot text of the workspace: test files, `.snap` files, and the test
/// modules at the end of source files.
fn test_corpus() -> String {
    let mut corpus = String::new();
    for dir in ALL_DIRS {
        for path in files(&root().join(dir), &[".rs", ".snap"]) {
            let name = shown(&path);
            let text = read(&path);
            if is_test_file(&name) || name.ends_with(".snap") {
                corpus += &text;
            } else {
                let kept = non_test_lines(&text).len();
                corpus.extend(text.lines().skip(kept).flat_map(|line| [line, "\n"]));
            }
        }
    }
    corpus
}

#[test]
fn every_engine_diagnostic_code_is_named_by_a_test_or_snapshot() {
    let corpus = test_corpus();
    let mut raised = 0;
    let mut untested = Vec::new();
    for path in files(&root().join("engine/src"), &[".rs"]) {
        let file = shown(&path);
        if is_test_file(&file) {
            continue;
        }
        for (number, code) in diagnostic_codes(&read(&path)) {
            raised += 1;
            if !names_code(&corpus, &code) {
                untested.push(format!("{file}:{number}: {code}"));
            }
        }
    }
    assert!(raised >= 60, "the scan found only {raised} diagnostic codes in engine/src");
    assert!(untested.is_empty(), "codes no test or snapshot names:\n{}", untested.join("\n"));
}

#[test]
fn the_scans_report_file_and_line_and_skip_tests() {
    let long = format!(
        "fn a() {{}}\n// {}\n#[cfg(test)]\nmod tests {{\n// {}\n}}\n",
        "x".repeat(98),
        "y".repeat(99)
    );
    assert_eq!(long_lines("a.rs", &long), vec!["a.rs:2: 101 columns"]);
    let cfg_item = format!("#[cfg(test)]\nmod testing;\n// {}\n", "z".repeat(98));
    assert_eq!(long_lines("lib.rs", &cfg_item), vec!["lib.rs:3: 101 columns"]);

    // Built from pieces, so that this file does not break the rule it plants.
    let max = "MAX";
    let text = format!(
        "pub const {max}_A: usize = 1;\nconst A_{max}: u8 = 2;\n static {max}_B: u8 = 3;\n"
    );
    assert_eq!(
        max_prefixes("p.rs", &text),
        vec![format!("p.rs:1: {max}_A"), format!("p.rs:3: {max}_B")]
    );

    let architecture =
        "# A\n## Limits\nNamed `X_MAX`.\n| a | `x.rs` `A_MAX`, `B_MAX` |\n## Next\n| `C_MAX` |\n";
    assert_eq!(limits_table_names(architecture), vec!["A_MAX", "B_MAX"]);
    let sources = [(
        "x.rs".to_string(),
        "pub const A_MAX: u8 = 1;\npub const D_MAX: u8 = 2;\nconst E_MAX: u8 = 3;\n".to_string(),
    )];
    assert_eq!(
        limits_missing(&sources, &limits_table_names(architecture)),
        vec![
            "x.rs:2: D_MAX is not in the Limits table",
            "ARCHITECTURE.md: the Limits table names B_MAX, defined nowhere",
        ]
    );

    // A namespace no loader uses, so that this file names no real code.
    let code = "    self.error(\"plant::empty\", \"no rule\".into(), 0..1);\n\
                // \"plant::comment\"\n#[cfg(test)]\nmod t {\n\"plant::late\"\n}\n";
    assert_eq!(diagnostic_codes(code), vec![(1, "plant::empty".to_string())]);
    assert!(!names_code("plant::empty-and, xplant::empty", "plant::empty"));
    assert!(names_code("[plant::empty]", "plant::empty"));
}

/// The folder beside the repository that only the team has, as docs would name it. Built from
/// parts so that this file does not name it itself.
fn team_folder_mentions() -> [String; 2] {
    let folder = ["sha", "red"].concat();
    [format!("../{folder}/"), format!("{folder}/seeds")]
}

#[test]
fn no_doc_or_source_sends_a_reader_outside_the_repository() {
    let mut paths: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md"].map(|f| root().join(f)).to_vec();
    paths.extend(files(&root().join("docs"), &[".md"]));
    for dir in ALL_DIRS.iter().chain(&["fuzz"]) {
        paths.extend(files(&root().join(dir), &[".md", ".rs", ".yaml"]));
    }
    let needles = team_folder_mentions();
    let mut found = Vec::new();
    for path in &paths {
        for (index, line) in read(path).lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle.as_str())) {
                found.push(format!("{}:{}: {}", shown(path), index + 1, line.trim()));
            }
        }
    }
    assert!(paths.len() > 100, "the scan found only {} files", paths.len());
    assert!(
        found.is_empty(),
        "write what the reader needs into the repository:\n{}",
        found.join("\n")
    );
}

/// `file:line: target` for every link of the markdown `text` (of file `file`, in folder `dir`
/// under `root`) that leaves the repository or names a file that does not exist (relative
/// `[text](target)` links; web links and anchors are left alone; the team folder has its own
/// scan below).
fn links_outside(root: &Path, dir: &Path, file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for (start, _) in line.match_indices("](") {
            let rest = &line[start + 2..];
            let target = rest[..rest.find(')').unwrap_or(rest.len())].trim();
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            // Resolve lexically: `..` that climbs above the root leaves the repository.
            let mut resolved = dir.to_path_buf();
            let mut left = false;
            for part in path.split('/') {
                match part {
                    "" | "." => {}
                    ".." => left |= !resolved.pop() || !resolved.starts_with(root),
                    name => resolved.push(name),
                }
            }
            if left || !resolved.starts_with(root) || !resolved.exists() {
                found.push(format!("{file}:{}: {target}", index + 1));
            }
        }
    }
    found
}

#[test]
fn no_doc_links_outside_the_repository() {
    let root = root();
    let mut found = Vec::new();
    for path in files(&root, &[".md"]) {
        let dir = path.parent().unwrap_or(&root).to_path_buf();
        found.extend(links_outside(&root, &dir, &shown(&path), &read(&path)));
    }
    assert!(
        found.is_empty(),
        "links that leave the repository or lead nowhere:\n{}",
        found.join("\n")
    );
}

#[test]
fn links_outside_finds_escaping_and_missing_links_only() {
    let root = root();
    let text = "[a](docs/model.md) [b](../outside.md) [c](https://example.org/x)\n\
                [d](docs/missing.md) [e](#anchor)\n\
                [f](docs/../README.md#tour)\n";
    assert_eq!(
        links_outside(&root, &root, "x.md", text),
        ["x.md:1: ../outside.md", "x.md:2: docs/missing.md"]
    );
}

/// Whether a file's first line says that it is deliberately invalid, in its format's comment
/// syntax: `# INVALID: ...` (YAML, CSV, Salt), `<!-- INVALID: ... -->` (XML) or
/// `REM INVALID: ...` (batch).
fn says_invalid(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    ["# INVALID: ", "<!-- INVALID: ", "REM INVALID: "]
        .iter()
        .any(|p| first.starts_with(p.as_bytes()))
}

/// The files a folder's `README.md` lists as invalid without a first-line comment (a format
/// without comments, or a file whose first line is the test): lines "- `NAME`: what is wrong".
fn listed_invalid(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("README.md")) else { return Vec::new() };
    text.lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split_once("`: ").map(|(name, _)| name.to_owned()))
        .collect()
}

/// Whether the loader of `dir`'s files refuses `path`; `None` for a folder without one loader.
type Refuses = fn(&Path) -> Option<bool>;

fn source_of(path: &Path) -> engine::SourceFile {
    engine::SourceFile::new(shown(path), read(path))
}

fn beside(path: &Path) -> impl FnMut(&str) -> Result<String, String> + '_ {
    move |name: &str| {
        let folder = path.parent().unwrap_or(Path::new(""));
        std::fs::read_to_string(folder.join(name)).map_err(|e| e.to_string())
    }
}

fn refuses_scenario(path: &Path) -> Option<bool> {
    Some(scenarios::load_scenario(&shown(path), &read(path), &mut beside(path)).is_err())
}

fn refuses_policy_input(path: &Path) -> Option<bool> {
    let name = shown(path);
    let source = source_of(path);
    Some(if name.ends_with(".xml") {
        engine::policy::parse_rule_file(&source, None).rules.is_none()
    } else if name.contains("snapshot") {
        engine::snapshot::load_snapshot(&source).0.is_none()
    } else {
        engine::policy::load_policy(&source, &mut beside(path)).0.is_none()
    })
}

fn refuses_lockout_input(path: &Path) -> Option<bool> {
    let source = source_of(path);
    Some(if shown(path).rsplit('/').next().is_some_and(|n| n.starts_with("policy-")) {
        engine::policy::load_policy(&source, &mut beside(path)).0.is_none()
    } else {
        engine::recovery::load_device_profile(&source).is_err()
    })
}

/// Folders of committed inputs: the hostile-input catalogue, where every file is invalid, and
/// the fixtures, where the folder's loader decides. (Fuzz corpora are not committed.)
fn input_folders() -> Vec<(PathBuf, Option<Refuses>)> {
    let root = root();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/catalogue")).expect("the catalogue").flatten() {
        folders.push((entry.path(), None));
    }
    let fixtures = root.join("tests/fixtures");
    folders.push((fixtures.join("scenarios"), Some(refuses_scenario as Refuses)));
    folders.push((fixtures.join("policy"), Some(refuses_policy_input as Refuses)));
    folders.push((fixtures.join("lockout"), Some(refuses_lockout_input as Refuses)));
    folders.push((fixtures.join("forms"), Some((|_| None) as Refuses)));
    folders.sort();
    folders
}

#[test]
fn every_deliberately_invalid_input_says_so_in_its_first_line() {
    let mut found = Vec::new();
    for (dir, refuses) in input_folders() {
        let listed = listed_invalid(&dir);
        for name in &listed {
            if !dir.join(name).is_file() {
                found.push(format!("{}/README.md lists `{name}`, which is not there", shown(&dir)));
            }
        }
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(&dir).expect("a folder").flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.file_name().is_some_and(|n| n != "README.md")) {
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let bytes = std::fs::read(path).expect("readable");
            let marked = says_invalid(&bytes) || listed.contains(&name);
            let invalid = refuses.map_or(Some(true), |refuses| refuses(path)).unwrap_or(marked);
            if invalid && !marked {
                found.push(format!("{}: invalid, but its first line does not say so", shown(path)));
            } else if marked && !invalid {
                found.push(format!("{}: says it is invalid, but it loads", shown(path)));
            }
        }
    }
    assert!(
        found.is_empty(),
        "inputs whose first line (`# INVALID: what is wrong`, `<!-- INVALID: ... -->`, or a \
         line `- `NAME`: what is wrong` of the folder's README.md) does not match:\n{}",
        found.join("\n")
    );
}
