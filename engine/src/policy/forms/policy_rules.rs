//! Policy Analyzer exports of a GPO's `Registry.pol` (`<PolicyRules>` with one
//! `<ComputerConfig>` or `<UserConfig>` element per value: `Key`, `Value`, `RegType`,
//! `RegData`). Read only: the values go through the same registry classification, so a
//! look-alike such as `Windows\System\DynamicLock` is reported, never mapped.

use super::Assignment;
use super::registry::{Data, RegWrite, classify};
use crate::diagnostic::{Diagnostic, SourceFile};

/// Whether the text is a Policy Analyzer export.
pub fn is_policy_rules(text: &str) -> bool {
    text.trim_start().starts_with("<PolicyRules")
}

/// The text of `<name>...</name>` inside `element`, XML-unescaped.
fn field(element: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = element.find(&open)? + open.len();
    let end = start + element[start..].find(&format!("</{name}>"))?;
    Some(
        element[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// The assignments the export's values make.
pub fn read(source: &SourceFile) -> (Vec<Assignment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut writes = Vec::new();
    let text = &*source.text;
    let mut from = 0;
    while let Some(found) = ["<ComputerConfig>", "<UserConfig>"]
        .iter()
        .filter_map(|tag| text[from..].find(tag).map(|at| (from + at, *tag)))
        .min()
    {
        let (start, tag) = found;
        let close = tag.replace('<', "</");
        let Some(length) = text[start..].find(&close) else { break };
        let element = &text[start..start + length];
        from = start + length + close.len();
        let hive = if tag == "<UserConfig>" { "HKCU" } else { "HKLM" };
        let (Some(key), Some(name)) = (field(element, "Key"), field(element, "Value")) else {
            continue;
        };
        let data_text = field(element, "RegData").unwrap_or_default();
        let data = match field(element, "RegType").as_deref() {
            Some("REG_SZ") => Data::Sz(data_text),
            Some("REG_DWORD") => data_text.trim().parse().map_or_else(
                |_| Data::Other(format!("the REG_DWORD text `{data_text}`")),
                Data::Dword,
            ),
            Some("DELETE" | "DELETEVALUE") => Data::Delete,
            other => Data::Other(other.unwrap_or("no RegType").to_string()),
        };
        let at = element.find("<RegData>").map_or(start, |at| start + at + "<RegData>".len());
        writes.push(RegWrite { key: format!("{hive}\\{key}"), name, data, span: at..at + 1 });
        if writes.len() > super::FORM_VALUES_MAX {
            break;
        }
    }
    let assignments = classify(&writes, source, &mut diagnostics);
    (assignments, diagnostics)
}
