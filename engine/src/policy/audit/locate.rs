//! Finds a finding's element in the text its rules were parsed from, for `file:line:col`.
//!
//! The rule model holds no positions (so that `parse(fmt(x)) == x`), so the audit points at a
//! signal by its index in document order and the caller looks it up in the text: the n-th
//! `<signal`, then the element or attribute inside it. Rules inside a YAML string are found the
//! same way from where the string starts.

use std::ops::Range;

use super::FindingTarget;

/// The byte range of `target` in `text`, searching from byte `from` (where the rule text
/// starts); `None` for the policy as a whole or when the text does not show it.
pub fn locate(text: &str, from: usize, target: &FindingTarget) -> Option<Range<usize>> {
    let FindingTarget::Signal { signal, element } = target else { return None };
    let rest = text.get(from..)?;
    let start = from + rest.match_indices("<signal").nth(*signal)?.0;
    let after = &text[start + 1..];
    let end = after.find("<signal").map_or(text.len(), |i| start + 1 + i);
    let signal_text = &text[start..end];
    let tag_end = signal_text.find('>').map_or(signal_text.len(), |i| i + 1);
    let Some(element) = element else { return Some(start..start + tag_end) };
    let child = format!("<{element}");
    if let Some(at) = signal_text.find(&child) {
        let len = signal_text[at..].find('>').map_or(child.len(), |i| i + 1);
        return Some(start + at..start + at + len);
    }
    let attribute = format!("{element}=");
    match signal_text[..tag_end].find(&attribute) {
        Some(at) => Some(start + at..start + at + element.len()),
        None => Some(start..start + tag_end),
    }
}
