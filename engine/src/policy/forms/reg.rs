//! `.reg` files (regedit's export format, "Windows Registry Editor Version 5.00" or
//! `REGEDIT4`): `[key]` sections, `"Name"="string"` (escapes `\\` and `\"`),
//! `"Name"=dword:0000000n`, `"Name"=-` (delete) and `[-key]` (delete the key). regedit writes
//! UTF-16LE with a BOM and CRLF; [`decode_text`](super::decode_text) reads either encoding.

use std::ops::Range;

use super::registry::{Data, RegWrite, classify};
use super::{Assignment, Setting, Value};
use crate::diagnostic::{Diagnostic, SourceFile};

const HEADER: &str = "Windows Registry Editor Version 5.00";

/// The assignments a `.reg` file makes, with syntax errors located.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut writes = Vec::new();
    let mut key: Option<String> = None;
    let mut offset = 0;
    let mut header_seen = false;
    for raw in source.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        let trimmed = line.trim_start();
        let at = start + (line.len() - trimmed.len());
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        match parse_line(trimmed, at, &mut key) {
            Ok(found) => writes.extend(found),
            Err((message, span)) => {
                diagnostics.push(
                    Diagnostic::error("forms::reg-syntax", message).at(source, span).with_hint(
                        "a .reg line is `[KEY]`, `\"Name\"=\"text\"`, \
                        `\"Name\"=dword:00000001` or `\"Name\"=-`",
                    ),
                );
            }
        }
        if writes.len() > super::FORM_VALUES_MAX {
            break;
        }
    }
    let assignments = classify(&writes, source, &mut diagnostics);
    (assignments, diagnostics)
}

type LineError = (String, Range<usize>);

/// One meaningful line at byte `at`: a key (updates `key`) or a value write.
fn parse_line(line: &str, at: usize, key: &mut Option<String>) -> Result<Vec<RegWrite>, LineError> {
    if let Some(rest) = line.strip_prefix('[') {
        let Some(name) = rest.trim_end().strip_suffix(']') else {
            return Err(("the key has no closing `]`".into(), at..at + line.len()));
        };
        if let Some(deleted) = name.strip_prefix('-') {
            *key = None;
            return Ok(deleted_key(deleted, at..at + line.len()));
        }
        *key = Some(name.to_string());
        return Ok(Vec::new());
    }
    let Some(current) = key.clone() else {
        return Err(("a value before any `[KEY]` line".into(), at..at + 1));
    };
    let (name, after) = if let Some(rest) = line.strip_prefix('@') {
        (String::new(), rest)
    } else {
        let (name, used) = quoted(line, at)?;
        (name, &line[used..])
    };
    let eq_at = at + line.len() - after.len();
    let Some(data_text) = after.trim_start().strip_prefix('=') else {
        return Err(("expected `=` after the value name".into(), eq_at..eq_at + 1));
    };
    let data_at = at + line.len() - data_text.len();
    let (data, span) = data(data_text.trim_end(), data_at)?;
    Ok(vec![RegWrite { key: current, name, data, span }])
}

/// Deleting a key deletes every setting in it.
fn deleted_key(key: &str, span: Range<usize>) -> Vec<RegWrite> {
    let (_, rest) = key.split_once('\\').unwrap_or((key, ""));
    Setting::ALL
        .into_iter()
        .filter(|s| s.registry_key().eq_ignore_ascii_case(rest.trim_matches('\\')))
        .map(|s| RegWrite {
            key: key.to_string(),
            name: s.value_name().to_string(),
            data: Data::Delete,
            span: span.clone(),
        })
        .collect()
}

/// A `"..."` string at the start of `text` (at byte `at`): its value and the bytes it used.
fn quoted(text: &str, at: usize) -> Result<(String, usize), LineError> {
    let Some(body) = text.strip_prefix('"') else {
        return Err(("expected a `\"` here".into(), at..at + 1));
    };
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, i + 2)),
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => break,
            },
            c => value.push(c),
        }
    }
    Err(("the string has no closing `\"` (a truncated file?)".into(), at..at + 1))
}

fn data(text: &str, at: usize) -> Result<(Data, Range<usize>), LineError> {
    let whole = at..at + text.len().max(1);
    if text == "-" {
        return Ok((Data::Delete, whole));
    }
    if text.starts_with('"') {
        let (value, used) = quoted(text, at)?;
        if !text[used..].trim().is_empty() {
            return Err(("unexpected text after the string".into(), at + used..at + text.len()));
        }
        return Ok((Data::Sz(value), at + 1..at + used.saturating_sub(1).max(1)));
    }
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("dword:") {
        return match u32::from_str_radix(hex, 16) {
            Ok(n) if hex.len() <= 8 => Ok((Data::Dword(n), whole)),
            _ => Err(("a dword is 1 to 8 hexadecimal digits".into(), whole)),
        };
    }
    if lower.starts_with("hex") {
        let kind = lower.split(':').next().unwrap_or("hex").to_string();
        return Ok((Data::Other(format!("`{kind}:` binary data")), whole));
    }
    Err(("expected a string, `dword:`, `hex:` or `-`".into(), whole))
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The values as a `.reg` file (CRLF, as regedit writes; encode as UTF-16LE with a BOM for
/// regedit when the text is not ASCII).
pub fn write(values: &[(Setting, Value)]) -> String {
    let mut out = format!("{HEADER}\r\n");
    let mut current = None;
    for (setting, value) in values {
        if current != Some(setting.node()) {
            current = Some(setting.node());
            out.push_str(&format!("\r\n[HKEY_LOCAL_MACHINE\\{}]\r\n", setting.registry_key()));
        }
        let data = match value {
            Value::Text(text) => format!("\"{}\"", escape(text)),
            Value::Number(n) => format!("dword:{n:08x}"),
            Value::Deleted => "-".to_string(),
        };
        out.push_str(&format!("\"{}\"={data}\r\n", setting.value_name()));
    }
    out
}
