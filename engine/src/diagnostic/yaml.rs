//! YAML errors and spans as [`Diagnostic`]s: shared by the policy, snapshot and scenario loaders.
//!
//! serde-saphyr reports errors with a line and column (and a byte offset for string input);
//! these helpers turn them into diagnostics with a snippet, and unknown keys or variants into a
//! "did you mean" hint, so a typo never silently falls back to a default.

use std::ops::Range;

use serde_saphyr::{Location, Spanned};

use super::suggest::did_you_mean;
use super::{Diagnostic, SourceFile};

/// Largest YAML input accepted by the loaders in this module's callers, in bytes.
pub const YAML_BYTES_MAX: usize = 1024 * 1024;

/// The byte offset of a serde-saphyr location in `source` (0 when unknown).
pub fn location_offset(source: &SourceFile, location: &Location) -> usize {
    if location.line() == 0 {
        return 0;
    }
    match location.span().byte_offset() {
        Some(offset) => usize::try_from(offset).unwrap_or(0).min(source.text.len()),
        None => source.offset_of(
            usize::try_from(location.line()).unwrap_or(0),
            usize::try_from(location.column()).unwrap_or(0),
        ),
    }
}

/// The byte span of a spanned scalar in `source`: from its location, as long as its source
/// length when known, else one character.
pub fn spanned_range<T>(source: &SourceFile, spanned: &Spanned<T>) -> Range<usize> {
    let start = location_offset(source, &spanned.referenced);
    let length = spanned
        .referenced
        .span()
        .byte_len()
        .and_then(|len| usize::try_from(len).ok())
        .filter(|&len| len > 0)
        .unwrap_or(1);
    start..(start + length).min(source.text.len())
}

/// A YAML deserialisation error as a diagnostic with position and, for unknown keys and
/// values, a "did you mean" hint.
pub fn yaml_error(source: &SourceFile, error: &serde_saphyr::Error) -> Diagnostic {
    let location = error.location();
    let (diagnostic, hint) = match error.without_snippet() {
        serde_saphyr::Error::SerdeUnknownField { field, expected, .. } => (
            Diagnostic::error("yaml::unknown-key", format!("unknown key `{field}`")),
            Some(did_you_mean(field, expected)),
        ),
        serde_saphyr::Error::SerdeUnknownVariant { variant, expected, .. } => (
            Diagnostic::error("yaml::unknown-value", format!("unknown value `{variant}`")),
            Some(did_you_mean(variant, expected)),
        ),
        serde_saphyr::Error::SerdeMissingField { field, .. } => {
            (Diagnostic::error("yaml::missing-key", format!("missing key `{field}`")), None)
        }
        other => {
            let text = other.without_snippet().to_string();
            let first_line = text.lines().next().unwrap_or("invalid YAML");
            let first_line = match first_line.rfind(" at line ") {
                Some(i) if i > 0 => &first_line[..i],
                _ => first_line,
            };
            reworded(first_line)
        }
    };
    let diagnostic = match location {
        Some(location) if location.line() > 0 => {
            let start = super::floor_boundary(&source.text, location_offset(source, &location));
            let end = source.text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
            diagnostic.at(source, start..end)
        }
        _ => diagnostic.at(source, 0..0),
    };
    match hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic,
    }
}

/// serde-saphyr's wording of a problem in people's words where it names a Rust type or one of
/// its own options: `invalid u32` says which numbers are expected, a duplicate key says which
/// key and what to do. Other messages are kept as they are.
fn reworded(message: &str) -> (Diagnostic, Option<String>) {
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .map(|rest| rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest))
    {
        let diagnostic = Diagnostic::error(
            "yaml::duplicate-key",
            format!("the key `{key}` appears twice in one mapping"),
        );
        return (diagnostic, Some("keep one of the two".into()));
    }
    let expected = match message.strip_prefix("invalid ") {
        Some("u8") => Some(format!("a whole number from 0 to {}", u8::MAX)),
        Some("u16") => Some(format!("a whole number from 0 to {}", u16::MAX)),
        Some("u32") => Some(format!("a whole number from 0 to {}", u32::MAX)),
        Some("u64" | "usize") => Some(format!("a whole number from 0 to {}", u64::MAX)),
        Some("i8") => Some(format!("a whole number from {} to {}", i8::MIN, i8::MAX)),
        Some("i16") => Some(format!("a whole number from {} to {}", i16::MIN, i16::MAX)),
        Some("i32") => Some(format!("a whole number from {} to {}", i32::MIN, i32::MAX)),
        Some("i64" | "isize") => Some(format!("a whole number from {} to {}", i64::MIN, i64::MAX)),
        Some("f32" | "f64" | "floating point") => Some("a number".to_string()),
        Some("bool" | "boolean") => Some("true or false".to_string()),
        _ => None,
    };
    match expected {
        Some(expected) => {
            (Diagnostic::error("yaml::invalid", format!("expected {expected} here")), None)
        }
        None => (Diagnostic::error("yaml::invalid", message.to_string()), None),
    }
}

/// Deserialises `source` as YAML into `T`, bounded to [`YAML_BYTES_MAX`]; any error becomes one
/// diagnostic (returned in a list, like every loader's diagnostics).
pub fn from_yaml<T: serde::de::DeserializeOwned>(
    source: &SourceFile,
) -> Result<T, Vec<Diagnostic>> {
    if source.text.len() > YAML_BYTES_MAX {
        return Err(vec![
            Diagnostic::error(
                "yaml::too-large",
                format!(
                    "the file is {} bytes, more than the limit of {YAML_BYTES_MAX}",
                    source.text.len()
                ),
            )
            .at(source, 0..0),
        ]);
    }
    serde_saphyr::from_str_with_options::<T>(&source.text, yaml_options())
        .map_err(|error| vec![yaml_error(source, &error)])
}

/// Most unknown keys one file reports at once (each costs a parse of the file).
pub const UNKNOWN_KEYS_MAX: usize = 32;

/// Like [`from_yaml`], but an unknown key does not hide the next one: each unknown key of a
/// block mapping (the key first on its line) is commented out, with everything indented under
/// it, and the text parsed again, so that every such key is reported in one run (at most
/// [`UNKNOWN_KEYS_MAX`]). Offsets do not move, so later diagnostics of the caller, made on the
/// original `source`, point at the right place.
///
/// # Errors
/// Every unknown key found; a problem of another kind when it is the first one (after a key
/// was commented out, another problem is left out: it may only follow from the commenting).
pub fn from_yaml_every_unknown_key<T: serde::de::DeserializeOwned>(
    source: &SourceFile,
) -> Result<T, Vec<Diagnostic>> {
    let mut unknown = Vec::new();
    let mut text = source.text.to_string();
    loop {
        let attempt = SourceFile::new(source.name.clone(), text.clone());
        let error = match from_yaml::<T>(&attempt) {
            Ok(value) if unknown.is_empty() => return Ok(value),
            Ok(_) => return Err(unknown),
            Err(mut errors) if unknown.is_empty() || errors[0].code == "yaml::unknown-key" => {
                errors.remove(0)
            }
            Err(_) => return Err(unknown),
        };
        let offset = error.location.as_ref().map(|l| l.span.start);
        let retry = error.code == "yaml::unknown-key" && unknown.len() + 1 < UNKNOWN_KEYS_MAX;
        // Diagnostics point into the original text (same offsets, original snippet).
        let moved = match &error.location {
            Some(location) => {
                Diagnostic { location: None, ..error.clone() }.at(source, location.span.clone())
            }
            None => error.clone(),
        };
        unknown.push(moved);
        let without = |at| comment_out_block_key(&text, at).or_else(|| blank_flow_pair(&text, at));
        match offset.filter(|_| retry).and_then(without) {
            Some(commented) => text = commented,
            None => return Err(unknown),
        }
    }
}

/// `text` with the block-mapping key at byte `at` turned into a comment (its first character
/// replaced by `#`), and every following line indented deeper than it too; `None` when the key
/// is not the first thing on its line (a flow mapping, or `- key:`).
fn comment_out_block_key(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    if !indent.chars().all(|c| c == ' ') || !text.is_char_boundary(at) || at >= text.len() {
        return None;
    }
    let mut out = text.to_string();
    let first_len = text[at..].chars().next().map_or(1, char::len_utf8);
    out.replace_range(at..at + first_len, &"#".repeat(first_len));
    let mut cursor = text[at..].find('\n').map(|i| at + i + 1);
    while let Some(start) = cursor.filter(|&c| c < text.len()) {
        let line = &text[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let depth = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() && depth <= indent.len() {
            break;
        }
        if !line.trim().is_empty() {
            let first = start + depth;
            let len = text[first..].chars().next().map_or(1, char::len_utf8);
            out.replace_range(first..first + len, &"#".repeat(len));
        }
        cursor = Some(start + line.len() + 1);
    }
    Some(out)
}

/// `text` with the flow-mapping entry whose key starts at byte `at` (`withn: 3m` in
/// `{pc: a, withn: 3m}`) and the comma after it blanked out with spaces, line breaks kept, so
/// every other offset and line stays where it was; `None` when the key does not follow `{` or
/// `,`. The entry ends at the first `,` or `}` outside quotes and nested brackets (one pass over
/// the text after `at`).
fn blank_flow_pair(text: &str, at: usize) -> Option<String> {
    if at >= text.len() || !text.is_char_boundary(at) {
        return None;
    }
    let before = text[..at].trim_end_matches([' ', '\t', '\r', '\n']);
    if !(before.ends_with('{') || before.ends_with(',')) {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut end = None;
    for (offset, c) in text[at..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') if depth > 0 => depth -= 1,
            (None, '}') => {
                end = Some(at + offset);
                break;
            }
            (None, ',') if depth == 0 => {
                end = Some(at + offset + 1);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    // Byte for byte: a character of several bytes becomes as many spaces.
    let blanked: String = text[at..end]
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { c.to_string() } else { " ".repeat(c.len_utf8()) })
        .collect();
    let mut out = text.to_string();
    out.replace_range(at..end, &blanked);
    Some(out)
}

/// Deepest YAML nesting (sequences and mappings) accepted: a scenario needs about 6.
pub const YAML_DEPTH_MAX: usize = 32;
/// Most YAML aliases (`*name`) in one file.
pub const YAML_ALIASES_MAX: usize = 1_000;
/// Most events replayed from aliases in one file (what a "billion laughs" multiplies).
pub const YAML_ALIAS_REPLAYED_EVENTS_MAX: usize = 100_000;
/// Most parser events (scalars, collection starts and ends...) in one file.
pub const YAML_EVENTS_MAX: usize = 250_000;

/// The parser budget of every YAML loader: bounded nesting, aliases, alias expansion and
/// events, so a hostile file costs at most a bounded amount of time and memory. Duplicate keys
/// are errors.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: YAML_DEPTH_MAX,
            flow_nesting_limit: YAML_DEPTH_MAX,
            max_aliases: YAML_ALIASES_MAX,
            max_events: YAML_EVENTS_MAX,
            max_recorded_anchor_events: YAML_ALIAS_REPLAYED_EVENTS_MAX,
            max_reader_input_bytes: Some(YAML_BYTES_MAX),
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: YAML_ALIAS_REPLAYED_EVENTS_MAX,
            max_replay_stack_depth: YAML_DEPTH_MAX,
        },
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
    }
}

/// Moves diagnostics found in text embedded in a YAML scalar (`embedded`, starting at byte
/// `value_start` of `yaml`) to the YAML file's own lines and columns. Each line of the embedded
/// text is located verbatim in the YAML text (true of plain, single-quoted and literal block
/// scalars); when that fails (escapes, folding), diagnostics point at the YAML value and name
/// the position inside the embedded text in their message.
pub fn relocate(
    yaml: &SourceFile,
    value_start: usize,
    embedded: &SourceFile,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let line_starts = embedded_line_starts(yaml, value_start, &embedded.text);
    diagnostics
        .into_iter()
        .map(|diagnostic| {
            let Some(location) = diagnostic.location.clone() else { return diagnostic };
            let label = location.label.clone();
            let mapped = line_starts.as_ref().and_then(|starts| {
                let start = map_offset(&embedded.text, starts, location.span.start)?;
                let end = map_offset(&embedded.text, starts, location.span.end)?;
                Some(start..end.max(start))
            });
            let mut moved = Diagnostic { location: None, ..diagnostic };
            moved = match mapped {
                Some(span) => moved.at(yaml, span),
                None => {
                    moved.message = format!(
                        "{} (at line {}, column {} of the embedded rules)",
                        moved.message, location.line, location.column
                    );
                    moved.at(yaml, value_start..value_start + 1)
                }
            };
            match label {
                Some(label) => moved.with_label(label),
                None => moved,
            }
        })
        .collect()
}

/// For each line of `embedded`, the YAML byte offset where it starts, when every non-empty
/// line is found in order.
fn embedded_line_starts(
    yaml: &SourceFile,
    value_start: usize,
    embedded: &str,
) -> Option<Vec<usize>> {
    let mut cursor = super::floor_boundary(&yaml.text, value_start);
    let mut starts = Vec::new();
    for line in embedded.split('\n') {
        if line.is_empty() {
            starts.push(cursor);
            continue;
        }
        let found = yaml.text[cursor..].find(line)? + cursor;
        starts.push(found);
        cursor = found + line.len();
    }
    Some(starts)
}

fn map_offset(embedded: &str, line_starts: &[usize], offset: usize) -> Option<usize> {
    let offset = super::floor_boundary(embedded, offset);
    let line = embedded[..offset].bytes().filter(|&b| b == b'\n').count();
    let line_start = embedded[..offset].rfind('\n').map_or(0, |i| i + 1);
    Some(line_starts.get(line)? + (offset - line_start))
}

#[cfg(test)]
mod every_unknown_key_tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        #[serde(default)]
        a: u32,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        #[serde(default)]
        b: u32,
    }

    /// The messages of every error `text` gives.
    fn unknown_keys(text: &str) -> Vec<String> {
        let source = SourceFile::new("t.yaml", text);
        match from_yaml_every_unknown_key::<Doc>(&source) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
        }
    }

    #[rstest::rstest]
    #[case::none("a: 1\n", &[])]
    #[case::two_at_the_top("x: 1\na: 2\ny: 3\n", &["unknown key `x`", "unknown key `y`"])]
    #[case::nested_block_goes_with_its_key(
        "x:\n  deep: 1\n  deeper: {z: 2}\ninner:\n  c: 1\n  b: 2\n",
        &["unknown key `x`", "unknown key `c`"]
    )]
    #[case::every_key_of_a_flow_mapping(
        "inner: {c: 1, b: 2, d: [3, {e: 4}]}\n",
        &["unknown key `c`", "unknown key `d`"]
    )]
    #[case::a_flow_mapping_over_lines_with_quotes(
        "inner: {c: 'x, }',\n  b: 2, d: \"ü\"}\nzz: 1\n",
        &["unknown key `c`", "unknown key `d`", "unknown key `zz`"]
    )]
    #[case::the_only_key_of_a_flow_mapping("inner: {c: 1}\na: 2\n", &["unknown key `c`"])]
    #[case::flow_and_block(
        "x: 1\ninner: {b: 1, y: 2}\n",
        &["unknown key `x`", "unknown key `y`"]
    )]
    fn every_unknown_key_of_a_file_at_once(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(unknown_keys(text), expected);
    }

    /// Blanking a flow entry keeps every other byte offset, so later keys are reported where
    /// they are in the original text.
    #[test]
    fn a_later_flow_key_is_reported_at_its_place() {
        let text = "inner: {c: \"ü\", d: 2}\n";
        let source = SourceFile::new("t.yaml", text);
        let errors = from_yaml_every_unknown_key::<Doc>(&source).expect_err("two unknown keys");
        let starts: Vec<Option<usize>> =
            errors.iter().map(|d| d.location.as_ref().map(|l| l.span.start)).collect();
        assert_eq!(starts, [text.find("c:"), text.find("d:")]);
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Typed {
        #[serde(default)]
        id: u32,
        #[serde(default)]
        level: i8,
        #[serde(default)]
        on: bool,
        #[serde(default)]
        share: f64,
    }

    /// Problems serde-saphyr words after a Rust type or its own options, in people's words.
    #[rstest::rstest]
    #[case::text_for_a_u32("id: abc\n", "expected a whole number from 0 to 4294967295 here")]
    #[case::negative_u32("id: -5\n", "expected a whole number from 0 to 4294967295 here")]
    #[case::fraction_for_a_u32("id: 3.5\n", "expected a whole number from 0 to 4294967295 here")]
    #[case::too_big_for_an_i8("level: 300\n", "expected a whole number from -128 to 127 here")]
    #[case::text_for_a_bool("on: maybe\n", "expected true or false here")]
    #[case::text_for_a_number("share: lots\n", "expected a number here")]
    #[case::duplicate_key("id: 1\nid: 2\n", "the key `id` appears twice in one mapping")]
    fn wordings_name_what_was_expected(#[case] text: &str, #[case] message: &str) {
        let source = SourceFile::new("t.yaml", text);
        let errors = from_yaml::<Typed>(&source).expect_err("invalid");
        assert_eq!(errors[0].message, message);
        assert!(!errors[0].message.contains("Options"), "{}", errors[0].message);
    }

    #[test]
    fn at_most_the_bound_of_unknown_keys() {
        let text: String = (0..UNKNOWN_KEYS_MAX + 5).map(|i| format!("k{i}: 1\n")).collect();
        assert_eq!(unknown_keys(&text).len(), UNKNOWN_KEYS_MAX);
    }
}
