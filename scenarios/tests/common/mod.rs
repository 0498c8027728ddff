//! Helpers shared by the scenario loader's test binaries.

use engine::diagnostic::Diagnostic;

/// Every error of `diagnostics`, one line each: `LINE:COLUMN CODE: MESSAGE (HINT)`; warnings
/// are left out.
pub fn error_lines(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
            let hint = d.hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
            format!("{line}:{column} {}: {}{hint}", d.code, d.message)
        })
        .collect();
    lines.join("\n")
}
