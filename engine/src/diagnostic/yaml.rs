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
            let first_line = first_line.to_string();
            (Diagnostic::error("yaml::invalid", first_line), None)
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
