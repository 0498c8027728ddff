//! Scripts that write the registry: `reg add` / `reg delete` lines (cmd and batch files, reg.exe
//! parses its arguments by the Microsoft C runtime rules, so `\"` is a literal quote) and the
//! PowerShell cmdlets `Set-ItemProperty`, `New-ItemProperty`, `Remove-ItemProperty` (also
//! inside `powershell -Command "..."`). Comments (`rem`, `::`, `#`, `<# #>`) are skipped, so a
//! commented-out value is never imported; variables are not resolved, so a value or key that
//! needs one is refused or reported.

use std::ops::Range;

use super::registry::{Data, RegWrite, classify};
use super::{Assignment, Setting, Value};
use crate::diagnostic::{Diagnostic, SourceFile};

/// A word of a command line and where it is in the source.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    span: Range<usize>,
    /// Written in double quotes with a `$` inside (PowerShell interpolation), or bare `$x`.
    variable: bool,
}

/// The assignments a script makes.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut writes = Vec::new();
    let mut offset = 0;
    let mut in_block_comment = false;
    for raw in source.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        let lower = line.trim_start().to_ascii_lowercase();
        if in_block_comment || lower.starts_with("<#") {
            in_block_comment = !line.contains("#>");
            continue;
        }
        if is_comment(&lower) {
            continue;
        }
        if let Some(write) = command(line, start, source, &mut diagnostics) {
            writes.push(write);
        }
        if writes.len() > super::FORM_VALUES_MAX {
            break;
        }
    }
    let assignments = classify(&writes, source, &mut diagnostics);
    (assignments, diagnostics)
}

fn is_comment(lower: &str) -> bool {
    lower.starts_with("rem ")
        || lower == "rem"
        || lower.starts_with("@rem")
        || lower.starts_with("::")
        || lower.starts_with('#')
}

/// The registry write of one line, if it has one.
fn command(
    line: &str,
    start: usize,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<RegWrite> {
    let lower = line.to_ascii_lowercase();
    for cmdlet in ["set-itemproperty", "new-itemproperty", "remove-itemproperty"] {
        if let Some(at) = lower.find(cmdlet) {
            let rest = &line[at + cmdlet.len()..];
            let tokens = powershell_tokens(rest, start + at + cmdlet.len());
            return powershell(cmdlet, &tokens, start + at, source, diagnostics);
        }
    }
    let words = cmd_tokens(line, start);
    let reg = words.iter().position(|w| {
        let t = w.text.to_ascii_lowercase();
        t == "reg" || t == "reg.exe" || t.ends_with("\\reg.exe")
    })?;
    let verb = words.get(reg + 1)?.text.to_ascii_lowercase();
    match verb.as_str() {
        "add" | "delete" => reg_exe(verb == "delete", &words[reg + 2..], start..start + line.len()),
        _ => None,
    }
}

/// Arguments by the C runtime's rules (`\"` literal quote, `""` toggles), cut at unquoted
/// `>`, `<`, `|`, `&` (cmd redirection and chaining); `%%` is a batch file's `%`.
fn cmd_tokens(line: &str, start: usize) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut quoted = false;
    let mut backslashes = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !quoted && c.is_whitespace() {
            if let Some((text, from)) = current.take() {
                tokens.push(Token { text, span: start + from..start + i, variable: false });
            }
            backslashes = 0;
            continue;
        }
        if !quoted && matches!(c, '>' | '<' | '|' | '&') {
            break;
        }
        let (text, _) = current.get_or_insert_with(|| (String::new(), i));
        match c {
            '\\' => {
                backslashes += 1;
                text.push('\\');
                continue;
            }
            '"' => {
                text.truncate(text.len() - backslashes / 2 - backslashes % 2);
                if backslashes % 2 == 1 { text.push('"') } else { quoted = !quoted }
            }
            '%' if chars.peek().map(|p| p.1) == Some('%') => {
                chars.next();
                text.push('%');
            }
            c => text.push(c),
        }
        backslashes = 0;
    }
    if let Some((text, from)) = current {
        tokens.push(Token { text, span: start + from..start + line.len(), variable: false });
    }
    tokens
}

/// `reg add KEY /v NAME /t TYPE /d DATA /f` or `reg delete KEY /v NAME /f`.
fn reg_exe(delete: bool, args: &[Token], line: Range<usize>) -> Option<RegWrite> {
    let key = args.first()?;
    let mut name = None;
    let mut kind = "REG_SZ".to_string();
    let mut data: Option<&Token> = None;
    let mut i = 1;
    while i < args.len() {
        let next = args.get(i + 1);
        match args[i].text.to_ascii_lowercase().as_str() {
            "/v" => name = next.map(|t| t.text.clone()),
            "/t" => kind = next.map_or(kind, |t| t.text.to_ascii_uppercase()),
            "/d" => data = next,
            "/s" => {}
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let name = name?;
    let (data, span) = if delete {
        (Data::Delete, line)
    } else {
        let (text, span) = data.map_or((String::new(), line), |t| (t.text.clone(), t.span.clone()));
        (typed(&kind, &text), span)
    };
    Some(RegWrite { key: key.text.clone(), name, data, span })
}

/// Registry data from a type name and its text (`/t` of reg.exe, `-PropertyType` of
/// PowerShell).
fn typed(kind: &str, text: &str) -> Data {
    match kind.to_ascii_uppercase().as_str() {
        "REG_SZ" | "STRING" => Data::Sz(text.to_string()),
        "REG_DWORD" | "DWORD" => number(text).map_or_else(
            || {
                Data::Other(format!(
                    "the REG_DWORD text `{}`",
                    text.chars().take(20).collect::<String>()
                ))
            },
            Data::Dword,
        ),
        other => Data::Other(other.to_string()),
    }
}

fn number(text: &str) -> Option<u32> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// PowerShell words: `'...'` (`''` is a quote), `"..."` (backtick escapes), bare words; cut at
/// `;`, `|`, or a `"` left open (the end of a cmd `-Command "..."` wrapper).
fn powershell_tokens(text: &str, start: usize) -> Vec<Token> {
    let text = match text.matches('"').count() % 2 {
        1 => &text[..text.rfind('"').unwrap_or(text.len())],
        _ => text,
    };
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
            continue;
        }
        if c == ';' || c == '|' {
            break;
        }
        let (value, end, variable) = match c {
            '\'' | '"' => quoted_ps(&mut chars, c),
            _ => {
                let mut value = String::new();
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || d == ';' || d == '|' {
                        break;
                    }
                    value.push(d);
                    end = j + d.len_utf8();
                    chars.next();
                }
                let variable = value.starts_with('$') && !value.eq_ignore_ascii_case("$null");
                (value, end, variable)
            }
        };
        tokens.push(Token { text: value, span: start + i..start + end, variable });
    }
    tokens
}

fn quoted_ps(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    quote: char,
) -> (String, usize, bool) {
    let (open, _) = chars.next().unwrap_or((0, quote));
    let mut value = String::new();
    let mut end = open + 1;
    while let Some((j, d)) = chars.next() {
        end = j + 1;
        if d == quote {
            if chars.peek().map(|p| p.1) == Some(quote) {
                chars.next();
                value.push(quote);
                continue;
            }
            break;
        }
        if d == '`' && quote == '"' {
            if let Some((_, e)) = chars.next() {
                value.push(e);
            }
            continue;
        }
        value.push(d);
    }
    let variable = quote == '"' && value.contains('$');
    (value, end, variable)
}

/// A `*-ItemProperty` call: named or positional `-Path`, `-Name`, `-Value`, `-PropertyType`.
fn powershell(
    cmdlet: &str,
    tokens: &[Token],
    at: usize,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<RegWrite> {
    let mut named: Vec<(&str, &Token)> = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let lower = tokens[i].text.to_ascii_lowercase();
        let parameter =
            ["-path", "-literalpath", "-name", "-value", "-propertytype", "-type", "-erroraction"]
                .into_iter()
                .find(|p| *p == lower);
        match (parameter, tokens.get(i + 1)) {
            (Some(p), Some(value)) => {
                named.push((p, value));
                i += 2;
            }
            _ => {
                if !lower.starts_with('-') || lower.parse::<i64>().is_ok() {
                    positional.push(&tokens[i]);
                }
                i += 1;
            }
        }
    }
    let get = |names: &[&str], position: usize| {
        named
            .iter()
            .find(|(n, _)| names.contains(n))
            .map(|(_, t)| *t)
            .or(positional.get(position).copied())
    };
    let path = get(&["-path", "-literalpath"], 0)?;
    let name = get(&["-name"], 1)?;
    if path.variable || name.variable {
        diagnostics.push(
            Diagnostic::warning(
                "forms::unresolved",
                "this registry write names its key or value through a variable; it is not read",
            )
            .at(source, at..path.span.end.max(name.span.end))
            .with_hint("write the key and the value name literally to import them"),
        );
        return None;
    }
    let data = if cmdlet == "remove-itemproperty" {
        (Data::Delete, path.span.clone())
    } else {
        let value = get(&["-value"], 2)?;
        let kind = get(&["-propertytype", "-type"], usize::MAX).map(|t| t.text.clone());
        (ps_data(value, kind.as_deref()), value.span.clone())
    };
    Some(RegWrite { key: path.text.clone(), name: name.text.clone(), data: data.0, span: data.1 })
}

fn ps_data(value: &Token, kind: Option<&str>) -> Data {
    if value.text.eq_ignore_ascii_case("$null") {
        return Data::Delete;
    }
    if value.variable {
        return Data::Other(format!("the unresolved PowerShell expression `{}`", value.text));
    }
    match kind {
        Some(kind) => typed(kind, &value.text),
        None => number(&value.text).map_or_else(|| Data::Sz(value.text.clone()), Data::Dword),
    }
}

/// Quotes an argument for reg.exe inside a batch file: C runtime rules (`\"`, backslashes
/// doubled before a quote) and `%` doubled.
fn cmd_quote(text: &str) -> String {
    let mut out = String::from('"');
    let mut backslashes = 0;
    for c in text.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                backslashes = 0;
                out.push('"');
                continue;
            }
            _ => {}
        }
        if c != '\\' {
            out.push_str(&"\\".repeat(backslashes));
            backslashes = 0;
            if c == '%' { out.push_str("%%") } else { out.push(c) }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

/// The values as a batch file of `reg add` lines (run as administrator).
pub fn write(values: &[(Setting, Value)]) -> String {
    let mut out = String::from(
        "@echo off\r\nrem Windows Hello for Business unlock policy (unlocksim policy export). \
        Run as administrator.\r\n",
    );
    for (setting, value) in values {
        let key = cmd_quote(&format!("HKLM\\{}", setting.registry_key()));
        let name = setting.value_name();
        let line = match value {
            Value::Text(text) => {
                format!("reg add {key} /v {name} /t REG_SZ /d {} /f", cmd_quote(text))
            }
            Value::Number(n) => format!("reg add {key} /v {name} /t REG_DWORD /d {n} /f"),
            Value::Deleted => format!("reg delete {key} /v {name} /f"),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        r#"reg add "HKLM\K" /v P /d "<a b=\"1\"/> " /f"#,
        &["reg", "add", r"HKLM\K", "/v", "P", "/d", r#"<a b="1"/> "#, "/f"]
    )]
    #[case(
        r"REG ADD HKLM\K /v D /t REG_DWORD /d 0 /f > NULL",
        &["REG", "ADD", r"HKLM\K", "/v", "D", "/t", "REG_DWORD", "/d", "0", "/f"]
    )]
    #[case(r#"x "a\\" b"#, &["x", r"a\", "b"])]
    #[case("x \"100%%\"", &["x", "100%"])]
    fn splits_like_the_c_runtime(#[case] line: &str, #[case] want: &[&str]) {
        let got: Vec<String> = cmd_tokens(line, 0).into_iter().map(|t| t.text).collect();
        assert_eq!(got, want);
    }

    #[rstest]
    #[case(r#"<rule schemaVersion="1.0"/>"#)]
    #[case(r"ends\")]
    #[case(r#"mixed \" and 50% and \\"#)]
    fn quoting_round_trips(#[case] text: &str) {
        let line = format!("x {}", cmd_quote(text));
        let got: Vec<String> = cmd_tokens(&line, 0).into_iter().map(|t| t.text).collect();
        assert_eq!(got, ["x", text]);
    }

    #[rstest]
    #[case(
        "-Path 'HKLM:\\K' -Name 'GroupB' -Value '{A}'",
        &["-Path", "HKLM:\\K", "-Name", "GroupB", "-Value", "{A}"]
    )]
    #[case("'HKLM:\\K' GroupB 'it''s'\"", &["HKLM:\\K", "GroupB", "it's"])]
    #[case("-Value \"a`\"b\"; Write-Host x", &["-Value", "a\"b"])]
    fn splits_powershell_words(#[case] text: &str, #[case] want: &[&str]) {
        let got: Vec<String> = powershell_tokens(text, 0).into_iter().map(|t| t.text).collect();
        assert_eq!(got, want);
    }
}
