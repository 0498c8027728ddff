//! `unlocksim analyze lockout POLICY.yaml --device DEVICE.yaml [--pairs] [--json] [--dsregcmd]`:
//! can a policy lock its own user out?
//!
//! Reads the two files, hands the text to `engine::recovery`, prints a table (or JSON, or the
//! `dsregcmd /status` `CanReset` line) and maps the verdict to an exit code: 0 when no case is
//! locked out, 1 when some is, 2 for unreadable or invalid input. The JSON form is a stable
//! contract: `{"cases": [{"failures": [...], "outcome": "unlock" | "recover" | "sign_in" |
//! "locked_out", "path": ..., "reason": ...}]}`. `sign_in` (design 3.5b, seed 000): Windows
//! Hello cannot get the user in, but a password or smart card the policy leaves enabled does;
//! its path is `{"kind": "sign_in", "credential", "pin_reset"}` (the reset from Settings).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use engine::diagnostic::{Diagnostic, SourceFile, render_all};
use engine::policy::load_policy;
use engine::recovery::{
    Case, LockoutPolicy, Outcome, analyze_lockout, any_locked_out, dsregcmd_can_reset_line,
    load_device_profile,
};
use reports::summary::Exit;

/// Analyses of a policy against a device.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(subcommand)]
    pub analysis: Analysis,
}

/// Which analysis to run.
#[derive(Debug, Subcommand)]
pub enum Analysis {
    /// For every failure (and pair), can the user still unlock, recover by PIN reset, sign
    /// in with a password or smart card, or are they locked out? Exit 0: never locked out;
    /// 1: some case is; 2: invalid input.
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
pub fn run(args: AnalyzeArgs) -> Exit {
    match args.analysis {
        Analysis::Lockout(args) => run_lockout(&args),
    }
}

fn run_lockout(args: &LockoutArgs) -> Exit {
    let (policy_source, device_source) = match (read(&args.policy), read(&args.device)) {
        (Ok(policy), Ok(device)) => (policy, device),
        (Err(message), _) | (_, Err(message)) => {
            errln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let mut diagnostics = Vec::new();
    let policy =
        lockout_policy(&policy_source, &args.policy).map_err(|d| diagnostics.extend(d)).ok();
    let profile = load_device_profile(&device_source).map_err(|d| diagnostics.extend(d)).ok();
    let (Some(policy), Some(profile)) = (policy, profile) else {
        errln!("{}", render_all(&diagnostics));
        return Exit::BadInput;
    };
    if args.dsregcmd {
        outln!("{}", dsregcmd_can_reset_line(&profile));
        return Exit::Success;
    }
    let cases = analyze_lockout(&profile, &policy, args.pairs);
    if args.json {
        let cases: Vec<_> = cases.iter().map(Case::to_json).collect();
        outln!("{}", serde_json::json!({ "cases": cases }));
    } else {
        out!("{}", render_table(&cases));
    }
    Exit::from_passed(!any_locked_out(&cases))
}

/// Reads a file (bounded, see [`crate::input::read_input`]) into a [`SourceFile`] named as
/// the user wrote the path.
fn read(path: &Path) -> Result<SourceFile, String> {
    let name = path.display().to_string();
    let text = crate::input::read_input(path).map_err(|e| format!("cannot read {name}: {e}"))?;
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
        "\n{} cases: {} unlock, {} recover, {} sign in, {} locked out\n",
        cases.len(),
        count(Outcome::Unlock),
        count(Outcome::Recover),
        count(Outcome::SignIn),
        count(Outcome::LockedOut)
    ));
    out
}

/// Loads the policy with the policy library and reduces it to what the analysis needs.
/// `signal_rules_file` is read relative to the policy file.
fn lockout_policy(source: &SourceFile, path: &Path) -> Result<LockoutPolicy, Vec<Diagnostic>> {
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut read_rules = |name: &str| read(&base.join(name)).map(|s| s.text.to_string());
    let (policy, diagnostics) = load_policy(source, &mut read_rules);
    let Some(policy) = policy else { return Err(diagnostics) };
    for warning in &diagnostics {
        errln!("{warning}");
    }
    LockoutPolicy::from_policy(&policy).ok_or_else(|| {
        vec![
            Diagnostic::error(
                "lockout::no-device-unlock",
                "the policy has no `device_unlock` section: there are no factor groups to analyse",
            )
            .at(source, 0..0)
            .with_hint("add `device_unlock: {first_factors: [...], second_factors: [...]}`"),
        ]
    })
}
