//! `unlocksim analyze lockout POLICY.yaml --device DEVICE.yaml [--pairs] [--json] [--dsregcmd]`:
//! can a policy lock its own user out?
//!
//! Reads the two files, hands the text to `engine::recovery`, prints a table (or JSON, or the
//! `dsregcmd /status` `CanReset` line) and maps the verdict to an exit code: 0 when no case is
//! locked out, 1 when some is, 2 for unreadable or invalid input. The JSON form is a stable
//! contract: `{"cases": [{"failures": [...], "outcome": "unlock" | "recover" | "locked_out",
//! "path": ..., "reason": ...}]}`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use engine::diagnostic::{Diagnostic, SourceFile, render_all};
use engine::policy::{CredentialProvider, FactorGroups};
use engine::recovery::profile::yaml_error_diagnostic;
use engine::recovery::{
    Case, LockoutPolicy, Outcome, SignalKind, SignalRules, analyze_lockout, any_locked_out,
    dsregcmd_can_reset_line, load_device_profile,
};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// Largest input file read, in bytes (the loaders check their own, smaller limits).
const INPUT_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// Analyses of a policy against a device.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(subcommand)]
    pub analysis: Analysis,
}

/// Which analysis to run.
#[derive(Debug, Subcommand)]
pub enum Analysis {
    /// For every failure (and pair), can the user still unlock, recover by PIN reset, or are
    /// they locked out? Exit 0: never locked out; 1: some case is; 2: invalid input.
    Lockout(LockoutArgs),
}

/// Arguments of `analyze lockout`.
#[derive(Debug, Args)]
pub struct LockoutArgs {
    /// The policy YAML (`device_unlock: {first_factors, second_factors, signal_rules}`).
    pub policy: PathBuf,
    /// The device profile YAML (join type, trust model, PIN reset settings, credentials).
    #[arg(long)]
    pub device: PathBuf,
    /// Also analyse every pair of failures.
    #[arg(long)]
    pub pairs: bool,
    /// Print `{"cases": [...]}` instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print only the `CanReset` line `dsregcmd /status` would show for the device.
    #[arg(long)]
    pub dsregcmd: bool,
}

/// Runs `unlocksim analyze ...`.
pub fn run(args: AnalyzeArgs) -> ExitCode {
    match args.analysis {
        Analysis::Lockout(args) => run_lockout(&args),
    }
}

fn run_lockout(args: &LockoutArgs) -> ExitCode {
    let (policy_source, device_source) = match (read(&args.policy), read(&args.device)) {
        (Ok(policy), Ok(device)) => (policy, device),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut diagnostics = Vec::new();
    let policy = lockout_policy_from_policy_yaml(&policy_source, &args.policy)
        .map_err(|d| diagnostics.extend(d))
        .ok();
    let profile = load_device_profile(&device_source).map_err(|d| diagnostics.extend(d)).ok();
    let (Some(policy), Some(profile)) = (policy, profile) else {
        eprintln!("{}", render_all(&diagnostics));
        return ExitCode::from(2);
    };
    if args.dsregcmd {
        println!("{}", dsregcmd_can_reset_line(&profile));
        return ExitCode::SUCCESS;
    }
    let cases = analyze_lockout(&profile, &policy, args.pairs);
    if args.json {
        let cases: Vec<_> = cases.iter().map(Case::to_json).collect();
        println!("{}", serde_json::json!({ "cases": cases }));
    } else {
        print!("{}", render_table(&cases));
    }
    if any_locked_out(&cases) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Reads a file into a [`SourceFile`] named as the user wrote the path.
fn read(path: &Path) -> Result<SourceFile, String> {
    let name = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if metadata.len() > INPUT_BYTES_MAX {
        return Err(format!("{name} is {} bytes, more than {INPUT_BYTES_MAX}", metadata.len()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    Ok(SourceFile::new(name, text))
}

/// The human table: one row per case, then why for every case that is not a plain unlock.
pub fn render_table(cases: &[Case]) -> String {
    let failures: Vec<String> = cases
        .iter()
        .map(|case| {
            if case.failures.is_empty() {
                "(none)".to_owned()
            } else {
                case.failures.iter().map(ToString::to_string).collect::<Vec<_>>().join(" & ")
            }
        })
        .collect();
    let width = failures.iter().map(|f| f.chars().count()).max().unwrap_or(0).max(8);
    let mut out = format!("{:<width$}  {:<10}  PATH\n", "FAILURES", "OUTCOME");
    for (case, failures) in cases.iter().zip(&failures) {
        out.push_str(&format!(
            "{failures:<width$}  {:<10}  {}\n",
            case.outcome.name(),
            case.path_summary()
        ));
        if case.outcome != Outcome::Unlock {
            out.push_str(&format!("{:width$}  why: {}\n", "", case.reason));
        }
    }
    let count = |outcome| cases.iter().filter(|c| c.outcome == outcome).count();
    out.push_str(&format!(
        "\n{} cases: {} unlock, {} recover, {} locked out\n",
        cases.len(),
        count(Outcome::Unlock),
        count(Outcome::Recover),
        count(Outcome::LockedOut)
    ));
    out
}

/// The part of the policy YAML this command reads. Other keys (`dynamic_lock`...) are the
/// policy loader's business and are ignored here.
#[derive(Debug, Deserialize)]
struct InterimPolicy {
    #[serde(default)]
    device_unlock: Option<InterimDeviceUnlock>,
}

#[derive(Debug, Deserialize)]
struct InterimDeviceUnlock {
    #[serde(default)]
    first_factors: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    second_factors: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    signal_rules: Option<String>,
    #[serde(default)]
    signal_rules_file: Option<Spanned<String>>,
}

/// Interim reader of the factor groups and the signal types the rules use, until the policy
/// library (issue 3) lands: the lead switches this one function over to
/// `engine::policy::load_policy` at merge time. It reads `device_unlock.first_factors`,
/// `second_factors` (provider names or GUIDs; the documented defaults when absent) and
/// `signal_rules` or `signal_rules_file` (relative to the policy file), whose `<rule>` elements
/// it scans only for their `<signal type="...">` attributes: full rule validation is the policy
/// library's job.
pub fn lockout_policy_from_policy_yaml(
    source: &SourceFile,
    path: &Path,
) -> Result<LockoutPolicy, Vec<Diagnostic>> {
    let parsed: InterimPolicy = serde_saphyr::from_str(&source.text).map_err(|error| {
        vec![yaml_error_diagnostic(
            source,
            &error,
            "a policy has `device_unlock: {first_factors, second_factors, signal_rules}`",
        )]
    })?;
    let Some(unlock) = parsed.device_unlock else {
        return Err(vec![
            Diagnostic::error("policy::no-device-unlock", "the policy has no `device_unlock`")
                .at(source, 0..0)
                .with_hint("without a device-unlock policy there are no factor groups to analyse"),
        ]);
    };
    let mut diagnostics = Vec::new();
    let mut group = |entries: Option<Vec<Spanned<String>>>, default: Vec<CredentialProvider>| {
        let Some(entries) = entries else { return default };
        let mut providers = Vec::new();
        for entry in entries.iter().take(64) {
            match CredentialProvider::parse(&entry.value) {
                Ok(provider) => providers.push(provider),
                Err(error) => diagnostics.push(
                    Diagnostic::error("policy::unknown-provider", error.to_string())
                        .at(source, span(source, entry)),
                ),
            }
        }
        providers
    };
    let groups = FactorGroups {
        first: group(unlock.first_factors, FactorGroups::default_first()),
        second: group(unlock.second_factors, FactorGroups::default_second()),
    };
    let rules_text = match (&unlock.signal_rules, &unlock.signal_rules_file) {
        (Some(text), _) => text.clone(),
        (None, Some(file)) => {
            let rules_path = path.parent().unwrap_or(Path::new(".")).join(&file.value);
            match read(&rules_path) {
                Ok(rules) => rules.text.to_string(),
                Err(message) => {
                    diagnostics.push(
                        Diagnostic::error("policy::rules-file", message)
                            .at(source, span(source, file))
                            .with_hint("the path is relative to the policy file"),
                    );
                    String::new()
                }
            }
        }
        (None, None) => String::new(),
    };
    if !groups.is_satisfiable() {
        diagnostics.push(
            Diagnostic::error(
                "policy::unsatisfiable",
                "no combination of credentials satisfies both factor groups",
            )
            .at(source, 0..0)
            .with_hint(
                "one credential satisfies one factor: list a different provider in each group",
            ),
        );
    }
    if diagnostics.is_empty() {
        Ok(LockoutPolicy { groups, signal_rules: signal_types_of_rules(&rules_text) })
    } else {
        Err(diagnostics)
    }
}

fn span<T>(source: &SourceFile, spanned: &Spanned<T>) -> std::ops::Range<usize> {
    let location = spanned.referenced;
    let offset = source.offset_of(location.line() as usize, location.column() as usize);
    let len = location.span().byte_len().unwrap_or(0) as usize;
    offset..offset + len
}

/// The signal types of each `<rule>` (rules are alternatives; the signals of one rule all
/// apply). Bounded: at most 64 rules of 64 signals are scanned.
fn signal_types_of_rules(text: &str) -> SignalRules {
    let rules = text
        .split("<rule")
        .skip(1)
        .take(64)
        .map(|rule| {
            let rule = rule.split("</rule>").next().unwrap_or("");
            rule.split("type=")
                .skip(1)
                .take(64)
                .filter_map(|rest| {
                    let value = rest.trim_start_matches(['"', '\'']);
                    let value = value.split(['"', '\'']).next().unwrap_or("");
                    match value {
                        "bluetooth" => Some(SignalKind::Bluetooth),
                        "wifi" => Some(SignalKind::Wifi),
                        "ipConfig" => Some(SignalKind::IpConfig),
                        _ => None,
                    }
                })
                .collect::<BTreeSet<_>>()
        })
        .filter(|kinds| !kinds.is_empty())
        .collect();
    SignalRules { rules }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::one_bluetooth(
        r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication"/></rule>"#,
        "bluetooth"
    )]
    #[case::and(r#"<rule schemaVersion="1.0"><and><signal type="ipConfig"><ipv4Prefix>10.0.0.0/8</ipv4Prefix></signal><signal type='wifi'><ssid>c</ssid></signal></and></rule>"#, "wifi+ipConfig")]
    #[case::alternatives(r#"<rule schemaVersion="1.0"><signal type="bluetooth"/></rule>,<rule schemaVersion="1.0"><signal type="wifi"/></rule>"#, "bluetooth,wifi")]
    #[case::none("", "")]
    fn scans_signal_types(#[case] text: &str, #[case] expected: &str) {
        let got = signal_types_of_rules(text)
            .rules
            .iter()
            .map(|r| r.iter().map(|k| k.name()).collect::<Vec<_>>().join("+"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(got, expected);
    }
}
