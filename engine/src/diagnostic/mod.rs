//! Diagnostics: one problem in an input file, with file, line, column, a snippet and a hint.
//!
//! Every loader in the workspace (rule XML, policy YAML, snapshot YAML, scenario YAML) reports
//! problems as a list of [`Diagnostic`]s, never only the first. Rendering goes through `miette`'s
//! graphical handler without colours, so output is stable enough to snapshot-test.
//!
//! The loaders' shared toolkit lives here too: [`yaml`] turns YAML errors and spans into
//! diagnostics under one input budget, and [`suggest`] finds the "did you mean" for a typo.

pub mod keys;
pub mod suggest;
pub mod yaml;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

/// Reads a file named inside an input (a policy's `signal_rules_file`, a scenario's policy file
/// or device profile): the path as written in, the text out, or a sentence saying why it cannot.
/// Loaders take it as `&mut ReadFile<'_>`, so the engine itself never touches the file system.
pub type ReadFile<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// An input text with the name it is reported under (a repo-relative or user-given path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile { name: name.into(), text: text.into() }
    }

    /// 1-based line and column (in characters) of a byte offset; offsets past the end or inside
    /// a character are clamped to the nearest valid position before them.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// The byte offset of a 1-based line and column, for parsers that report positions as
    /// line/column (the YAML parser). Out-of-range positions clamp to the end.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for _ in 1..line.max(1) {
            match self.text[offset..].find('\n') {
                Some(i) => offset += i + 1,
                None => return self.text.len(),
            }
        }
        let rest = &self.text[offset..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let within: usize =
            rest[..line_end].chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
        offset + within
    }
}

/// One problem found in an input.
#[derive(Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier for the kind of problem, e.g. `xml::unknown-element`.
    pub code: String,
    pub message: String,
    /// Where the problem is; `None` for problems of the file as a whole.
    pub location: Option<Location>,
    /// What to do about it, when something useful can be said.
    pub hint: Option<String>,
}

/// A span in a source file, with its line and column already computed.
#[derive(Clone)]
pub struct Location {
    pub source: SourceFile,
    /// The same text under its name, as miette wants it for the snippet header.
    named: NamedSource<Arc<str>>,
    /// Byte range in `source.text`.
    pub span: Range<usize>,
    pub line: usize,
    pub column: usize,
    /// A short label shown under the caret.
    pub label: Option<String>,
}

impl PartialEq for Location {
    fn eq(&self, other: &Self) -> bool {
        (&self.source, &self.span, &self.label) == (&other.source, &other.span, &other.label)
    }
}
impl Eq for Location {}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{} {:?}", self.source.name, self.line, self.column, self.span)
    }
}

impl fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostic")
            .field("severity", &self.severity)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("location", &self.location)
            .field("hint", &self.hint)
            .finish()
    }
}

impl Diagnostic {
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: code.into(),
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// Places the diagnostic at byte range `span` of `source`.
    pub fn at(mut self, source: &SourceFile, span: Range<usize>) -> Diagnostic {
        let end = span.end.min(source.text.len());
        let start = span.start.min(end);
        let (line, column) = source.line_column(start);
        let named = NamedSource::new(source.name.clone(), source.text.clone());
        self.location = Some(Location {
            source: source.clone(),
            named,
            span: start..end,
            line,
            column,
            label: None,
        });
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        if let Some(location) = &mut self.location {
            location.label = Some(label.into());
        }
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` (or just the file name, or nothing) for one-line summaries.
    pub fn position(&self) -> Option<String> {
        self.location.as_ref().map(|l| format!("{}:{}:{}", l.source.name, l.line, l.column))
    }

    /// The full report: header, `file:line:column`, snippet with caret, hint. No colours.
    ///
    /// A snippet whose lines (the span's and one either side) are longer than
    /// [`SNIPPET_LINE_CHARS_MAX`] is left out: the report then names the position in its first
    /// line. A message or hint longer than [`MESSAGE_CHARS_MAX`] is cut with `…`.
    pub fn render(&self) -> String {
        let shown = self.shortened();
        if shown.location.as_ref().is_some_and(Location::has_long_lines) {
            let mut plain = Diagnostic { location: None, ..shown.clone() };
            // The position on a line of its own: wrapping never depends on the path's length.
            let position = shown.position().unwrap_or_default();
            plain.message = format!("at {position}:\n{}", shown.message);
            return plain.render();
        }
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_context_lines(1);
        if handler.render_report(&mut out, &ForMiette(&shown)).is_err() {
            out = shown.to_string();
        }
        out
    }

    /// This diagnostic with its message and hint cut to [`MESSAGE_CHARS_MAX`] characters.
    fn shortened(&self) -> Diagnostic {
        let cut = |text: &str| match text.char_indices().nth(MESSAGE_CHARS_MAX) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.to_owned(),
        };
        Diagnostic {
            message: cut(&self.message),
            hint: self.hint.as_deref().map(cut),
            ..self.clone()
        }
    }
}

/// Longest source line a snippet shows, in characters. miette 7.6's renderer panics on a line
/// of about 65,530 characters ("Formatting argument out of range"), and nobody reads a snippet
/// that wide: a diagnostic on (or next to) a longer line is rendered without its snippet.
pub const SNIPPET_LINE_CHARS_MAX: usize = 1_000;

/// Longest message or hint a rendered diagnostic shows, in characters; the rest is cut with
/// `…` (a message may quote a value from the input, and the input may be huge).
pub const MESSAGE_CHARS_MAX: usize = 500;

impl Location {
    /// Whether the span's lines, or the line either side, are longer than
    /// [`SNIPPET_LINE_CHARS_MAX`] characters.
    fn has_long_lines(&self) -> bool {
        let text = &self.source.text;
        let start = text[..self.span.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let before = text[..start.saturating_sub(1)].rfind('\n').map_or(0, |i| i + 1);
        let end = self.span.end.clamp(start, text.len());
        let lines_after = text[end..].split('\n').take(2);
        let after_len: usize = lines_after.map(|l| l.len() + 1).sum();
        let window = &text[before..(end + after_len).min(text.len())];
        window.split('\n').any(|line| line.chars().nth(SNIPPET_LINE_CHARS_MAX).is_some())
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `error: file:line:column: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = self.shortened().message;
        match self.position() {
            Some(position) => write!(f, "{severity}: {position}: {message}"),
            None => write!(f, "{severity}: {message}"),
        }
    }
}

impl std::error::Error for Diagnostic {}

/// The view of a diagnostic that miette renders: its Display is the bare message, because the
/// snippet header already shows the position.
#[derive(Debug)]
struct ForMiette<'a>(&'a Diagnostic);

impl fmt::Display for ForMiette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for ForMiette<'_> {}

impl miette::Diagnostic for ForMiette<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.0.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.hint.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.location.as_ref().map(|l| &l.named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let location = self.0.location.as_ref()?;
        let span = location.span.clone();
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(location.label.clone(), span))))
    }
}

/// Renders every diagnostic, errors and warnings alike, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(Diagnostic::render).collect::<Vec<_>>().join("\n")
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The largest character boundary of `text` at or before `offset`.
pub(crate) fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span on a line of 70,000 characters (miette panics from about 65,530) renders without
    /// its snippet, names the position, and cuts the message that quotes the line.
    #[test]
    fn a_huge_line_renders_without_its_snippet_and_without_a_panic() {
        for width in [1_001, 70_000] {
            let line = format!("name: {}, bogus: 1", "x".repeat(width));
            let source =
                SourceFile { name: "long.yaml".into(), text: format!("a: 1\n{line}\n").into() };
            let start = source.text.find("bogus").expect("bogus");
            let message = format!("unknown key in `{line}`");
            let diagnostic =
                Diagnostic::error("yaml::unknown-key", message).at(&source, start..start + 5);
            let shown = diagnostic.render();
            assert!(shown.contains(&format!("long.yaml:2:{}", start - 4)), "{shown}");
            assert!(shown.len() < 2 * MESSAGE_CHARS_MAX + 200, "{} bytes", shown.len());
            assert!(diagnostic.to_string().len() < MESSAGE_CHARS_MAX + 100);
        }
    }

    #[test]
    fn line_and_column_count_characters() {
        let source = SourceFile::new("a.yaml", "ab\ncé d\n");
        assert_eq!(source.line_column(0), (1, 1));
        assert_eq!(source.line_column(3), (2, 1));
        assert_eq!(source.line_column(7), (2, 4), "é is one column");
        assert_eq!(source.line_column(100), (3, 1), "clamped to the end");
        assert_eq!(source.offset_of(2, 4), 7);
        assert_eq!(source.offset_of(9, 1), source.text.len());
    }

    #[test]
    fn renders_file_line_column_snippet_and_hint() {
        let source =
            SourceFile::new("rules.xml", "<rule schemaVersion=\"1.0\">\n  <or/>\n</rule>\n");
        let diagnostic = Diagnostic::error("xml::unknown-element", "unknown element `or`")
            .at(&source, 29..34)
            .with_label("not a rule element")
            .with_hint("rules have no <or>: separate alternative rules with commas");
        assert_eq!(diagnostic.to_string(), "error: rules.xml:2:3: unknown element `or`");
        insta::assert_snapshot!(diagnostic.render(), @r#"
        xml::unknown-element

          × unknown element `or`
           ╭─[rules.xml:2:3]
         1 │ <rule schemaVersion="1.0">
         2 │   <or/>
           ·   ──┬──
           ·     ╰── not a rule element
         3 │ </rule>
           ╰────
          help: rules have no <or>: separate alternative rules with commas
        "#);
    }
}
