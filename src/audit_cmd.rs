//! `unlocksim policy audit FILE... [--json]`: trusted signals an outsider can satisfy.
//!
//! Reads rule XML (`.xml`, scenario `Authentication`), policy YAML (`.yaml`/`.yml`) or an
//! administrator's form (through [`PolicyFile`], as the policy it imports to), audits it with
//! `engine::policy::audit` and the radio model of `sim_devices::reach`, and prints one block
//! per finding: `file:line:col: severity code element`, then why and what to do. The exit code
//! is a contract: 1 when any finding is high-severity, 0 otherwise, 2 for unreadable or invalid
//! input (nothing is audited then). `--json` prints one object:
//! `{"files": [{"file", "findings": [{"code", "severity", "file", "line", "column", "element",
//! "why", "fix"}]}], "high": N}`; line and column are null where a finding has no position.
//! A form's findings never have one (its text does not place the policy's elements): its file
//! object carries a `"note"` saying so, and its text summary line says so too.
//!
//! `policy check` shows the same findings as warnings ([`check_warnings`]). Whether the password
//! provider is enabled comes from the policy's `sign_in: password` (default enabled, as on a
//! Windows nobody hardened).

use std::ops::Range;
use std::path::{Path, PathBuf};

use engine::diagnostic::yaml::{from_yaml, location_offset};
use engine::diagnostic::{Diagnostic, SourceFile, has_errors, render_all};
use engine::policy::audit::{
    AuditInput, Finding, FindingSeverity, FindingTarget, audit_policy, audit_rules, has_high,
    locate,
};
use engine::policy::{PolicyDocument, SignalScenario, parse_rule_file};
use reports::summary::Exit;
use serde_json::json;
use sim_devices::reach::ModelReach;

use crate::policy_file::{Kind, PolicyFile};

/// A finding and the diagnostic that places it (`file:line:col` where the text shows it).
struct Located {
    finding: Finding,
    diagnostic: Diagnostic,
}

/// One audited file: its name, its placed findings, and whether it is a form (whose findings
/// belong to the policy it imports to and have no line and column in it).
struct Audited {
    file: String,
    found: Vec<Located>,
    form: bool,
}

/// Runs `policy audit` over `files`.
pub fn audit(files: &[PathBuf], json: bool) -> Exit {
    let mut audited = Vec::new();
    for path in files {
        let file = match PolicyFile::read(path) {
            Ok(file) => file,
            Err(code) => return code,
        };
        match audit_file(&file) {
            Ok(found) => audited.push(Audited {
                file: file.source.name.clone(),
                found,
                form: file.kind == Kind::Form,
            }),
            Err(diagnostics) => {
                err!("{}", render_all(&diagnostics));
                errln!("{}: invalid input, not audited", path.display());
                return Exit::BadInput;
            }
        }
    }
    if json {
        print_json(&audited);
    } else {
        print_text(&audited);
    }
    let findings: Vec<Finding> =
        audited.into_iter().flat_map(|a| a.found).map(|l| l.finding).collect();
    Exit::from_passed(!has_high(&findings))
}

/// The findings of `file` as `policy check` warnings; none when the file has errors (the
/// check reports those).
pub fn check_warnings(file: &PolicyFile) -> Vec<Diagnostic> {
    audit_file(file)
        .map_or_else(|_| Vec::new(), |found| found.into_iter().map(|l| l.diagnostic).collect())
}

/// Audits one file: its findings, placed, or the diagnostics that make it invalid.
fn audit_file(file: &PolicyFile) -> Result<Vec<Located>, Vec<Diagnostic>> {
    let reach = ModelReach::default();
    let source = &file.source;
    let Some((policy, diagnostics)) = file.policy() else {
        // The setting comes from the signals' `scenario` (issue 13): a Dynamic Lock rule never
        // grants an unlock, so it has nothing to audit.
        let rules_file = parse_rule_file(source, None);
        let rules = rules_file
            .rules
            .filter(|_| !has_errors(&rules_file.diagnostics))
            .ok_or(rules_file.diagnostics)?;
        if rules_file.scenario == SignalScenario::DynamicLock {
            return Ok(Vec::new());
        }
        let findings = audit_rules(&rules, &reach);
        return Ok(findings.into_iter().map(|f| place(f, source, 0)).collect());
    };
    let policy = policy.filter(|_| !has_errors(&diagnostics)).ok_or(diagnostics)?;
    let input = AuditInput { password_enabled: policy.sign_in.password };
    let findings = audit_policy(&policy, &input, &reach);
    if file.kind == Kind::Form {
        // The form's text (escaped JSON, registry data) does not place the policy's elements.
        return Ok(findings
            .into_iter()
            .map(|finding| {
                let diagnostic = finding.to_diagnostic(source, None);
                Located { finding, diagnostic }
            })
            .collect());
    }
    let base = file.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (rules_source, from) = rules_text(source, &base);
    Ok(findings
        .into_iter()
        .map(|finding| match finding.target {
            FindingTarget::Policy => {
                let at = section_key(&source.text, "device_unlock");
                let diagnostic = finding.to_diagnostic(source, at);
                Located { finding, diagnostic }
            }
            FindingTarget::Signal { .. } => place(finding, &rules_source, from),
        })
        .collect())
}

/// Where a valid policy's multi-factor unlock rules are written: the policy text from the
/// inline string's start, or the rules file from its start.
fn rules_text(source: &SourceFile, base: &Path) -> (SourceFile, usize) {
    let section = from_yaml::<PolicyDocument>(source).ok().and_then(|d| d.device_unlock);
    let Some(section) = section else { return (source.clone(), 0) };
    if let Some(inline) = &section.signal_rules {
        return (source.clone(), location_offset(source, &inline.referenced));
    }
    let file = section.signal_rules_file.as_ref().and_then(|name| {
        let text = crate::input::read_input(&base.join(&name.value)).ok()?;
        Some(SourceFile::new(base.join(&name.value).display().to_string(), text))
    });
    (file.unwrap_or_else(|| source.clone()), 0)
}

/// The span of a top-level YAML key written at the start of a line (not in a comment).
fn section_key(text: &str, key: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(key) && line[key.len()..].trim_start().starts_with(':') {
            return Some(offset..offset + key.len());
        }
        offset += line.len();
    }
    None
}

fn place(finding: Finding, source: &SourceFile, from: usize) -> Located {
    let at: Option<Range<usize>> = locate(&source.text, from, &finding.target);
    let diagnostic = finding.to_diagnostic(source, at);
    Located { finding, diagnostic }
}

/// What the text and JSON say of a form's findings.
const FORM_NOTE: &str =
    "findings of the policy this form imports to: they have no line and column in the form";

fn print_text(audited: &[Audited]) {
    for Audited { file, found, form } in audited {
        for Located { finding, diagnostic } in found {
            let position = diagnostic.position().unwrap_or_else(|| file.clone());
            outln!("{position}: {} {} {}", finding.severity, finding.code, finding.element);
            outln!("  why: {}", finding.why);
            outln!("  fix: {}", finding.fix);
        }
        let count = |s: FindingSeverity| found.iter().filter(|l| l.finding.severity == s).count();
        outln!(
            "{file}: {} finding(s): {} high, {} medium, {} low{}",
            found.len(),
            count(FindingSeverity::High),
            count(FindingSeverity::Medium),
            count(FindingSeverity::Low),
            if *form { format!(" ({FORM_NOTE})") } else { String::new() }
        );
    }
}

fn print_json(audited: &[Audited]) {
    let mut high = 0;
    let files: Vec<_> = audited
        .iter()
        .map(|Audited { file, found, form }| {
            let findings: Vec<_> = found
                .iter()
                .map(|Located { finding, diagnostic }| {
                    high += usize::from(finding.severity == FindingSeverity::High);
                    let location = diagnostic.location.as_ref();
                    json!({
                        "code": finding.code,
                        "severity": finding.severity,
                        "file": location.map_or(file.as_str(), |l| l.source.name.as_str()),
                        "line": location.map(|l| l.line),
                        "column": location.map(|l| l.column),
                        "element": finding.element,
                        "why": finding.why,
                        "fix": finding.fix,
                    })
                })
                .collect();
            let mut object = json!({ "file": file, "findings": findings });
            if *form {
                object["note"] = json!(FORM_NOTE);
            }
            object
        })
        .collect();
    outln!("{}", json!({ "files": files, "high": high }));
}
