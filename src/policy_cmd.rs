//! `unlocksim policy check|eval|fmt`: the rule linter, evaluator and formatter.
//!
//! A stable contract (issue 3): `check FILE...` exits 0 when valid (warnings allowed), 1 when a
//! file has errors, 2 for usage or unreadable files; `eval RULES.xml --snapshot SNAP.yaml
//! [--json]` exits 0 whatever the verdict, 1 for invalid rules, 2 for usage/IO/snapshot errors;
//! `fmt FILE [--single-line]` prints the canonical or the one-line form of a rule file, and the
//! canonical form of a policy file (every setting it holds), 1 when invalid.
//!
//! A rule file (`.xml`) is checked for the setting its signals' `scenario` attributes name
//! (issue 13: `Dynamic Lock` is `DynamicLock/Plugins`, `Authentication` or none is
//! `DeviceUnlock/Plugins`), or the one `--setting dynamic-lock|device-unlock` forces. `eval` of
//! a Dynamic Lock rule prints `presence: present|absent|unchanged` instead of `result:`.
//!
//! `audit FILE... [--json]` (`audit_cmd.rs`) exits 1 on a high-severity finding, 0 otherwise,
//! 2 for unreadable or invalid input; `check` shows the audit's findings as warnings.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use engine::SourceFile;
use engine::diagnostic::has_errors;
use engine::policy::interpretation::{DnsSuffixScope, RepeatedElements};
use engine::policy::{
    Evaluation, Interpretations, PresenceEvaluation, RuleFile, SignalScenario, check_single_line,
    format_policy, format_pretty, format_single_line, parse_rule_file,
};
use engine::snapshot::load_snapshot;
use reports::summary::Exit;

use crate::policy_file::{Kind, PolicyFile, cannot_read, is_yaml, report};

/// Policy subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate rule files (.xml), policy files (.yaml/.yml) and administrators' forms
    /// (.reg/.json/.cmd/.bat/.ps1/.txt/.sls).
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        setting: SettingArgs,
    },
    /// Evaluate rules against a signal snapshot and explain the verdict. Exit 0 when the
    /// rules evaluate true (a Dynamic Lock rule: present or unchanged), 1 when they evaluate
    /// false (absent) or are invalid, 2 for unreadable files or an invalid snapshot.
    Eval(EvalArgs),
    /// Find trusted signals an outsider can satisfy (exit 1 on a high-severity finding).
    Audit {
        /// Rule files (.xml), policy files (.yaml/.yml) and administrators' forms.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print rules in canonical form.
    Fmt {
        /// A rule file (.xml), a policy file (.yaml/.yml) or an administrator's form.
        file: PathBuf,
        /// Print the single-line form for Intune or Group Policy.
        #[arg(long)]
        single_line: bool,
        #[command(flatten)]
        setting: SettingArgs,
    },
    /// Write a policy as Intune CSP rows, a .reg file, a `reg add` script or Intune JSON.
    Export(crate::policy_forms_cmd::ExportArgs),
    /// Read a .reg file, a `reg add`/PowerShell script or Intune JSON into a policy YAML.
    Import(crate::policy_forms_cmd::ImportArgs),
}

/// `--setting`: which setting a rule file is for.
#[derive(Debug, Clone, Copy, Args)]
pub struct SettingArgs {
    /// The setting a rule file is for; inferred from its signals' `scenario` when omitted.
    #[arg(long, value_enum)]
    setting: Option<SettingArg>,
}

/// The values of `--setting`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SettingArg {
    /// `DeviceUnlock/Plugins`: trusted-signal rules, scenario `Authentication`.
    DeviceUnlock,
    /// `DynamicLock/Plugins`: the Dynamic Lock rule, scenario `Dynamic Lock`.
    DynamicLock,
}

impl SettingArgs {
    /// The forced setting for `path`; a usage error (2) for a policy file, whose sections say.
    fn for_file(self, path: &Path) -> Result<Option<SignalScenario>, Exit> {
        let scenario = self.setting.map(|s| match s {
            SettingArg::DeviceUnlock => SignalScenario::Authentication,
            SettingArg::DynamicLock => SignalScenario::DynamicLock,
        });
        if scenario.is_some() && is_yaml(path) {
            errln!(
                "error: --setting applies to rule files (.xml); {} is a policy file, whose \
                sections name their settings",
                path.display()
            );
            return Err(Exit::BadInput);
        }
        Ok(scenario)
    }
}

/// Arguments of `policy eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The rule file (XML).
    rules: PathBuf,
    #[command(flatten)]
    setting: SettingArgs,
    /// The signal snapshot (YAML).
    #[arg(long)]
    snapshot: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// How repeated DNS elements combine.
    #[arg(long, value_enum, default_value_t = RepeatedArg::All)]
    repeated_elements: RepeatedArg,
    /// Which DNS suffix `dnsSuffix` matches.
    #[arg(long, value_enum, default_value_t = ScopeArg::Primary)]
    dns_suffix_scope: ScopeArg,
}

/// `--repeated-elements`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum RepeatedArg {
    All,
    Any,
}

/// `--dns-suffix-scope`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScopeArg {
    Primary,
    PrimaryOrConnection,
}

/// Runs a policy subcommand and returns the exit code.
pub fn run(command: PolicyCommand) -> Exit {
    match command {
        PolicyCommand::Check { files, setting } => check(&files, setting),
        PolicyCommand::Eval(args) => eval(&args),
        PolicyCommand::Audit { files, json } => crate::audit_cmd::audit(&files, json),
        PolicyCommand::Fmt { file, single_line, setting } => fmt(&file, single_line, setting),
        PolicyCommand::Export(args) => crate::policy_forms_cmd::run_export(&args),
        PolicyCommand::Import(args) => crate::policy_forms_cmd::run_import(&args),
    }
}

fn read(path: &Path) -> Result<SourceFile, Exit> {
    let text = crate::input::read_input(path).map_err(|error| cannot_read(path, error))?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

/// Checks every file, even after one that cannot be read: exit 2 when a file could not be
/// read (or `--setting` does not apply to it), else 1 when any has an error, else 0.
fn check(files: &[PathBuf], setting: SettingArgs) -> Exit {
    let mut failed = false;
    let mut unreadable = false;
    for path in files {
        let file = match load(path, setting) {
            Ok(loaded) => loaded,
            Err(_) => {
                unreadable = true;
                continue;
            }
        };
        let mut diagnostics = match file.policy() {
            Some((_, diagnostics)) => diagnostics,
            None => {
                let mut diagnostics = parse_rule_file(&file.source, file.given).diagnostics;
                diagnostics.extend(check_single_line(&file.source));
                diagnostics
            }
        };
        diagnostics.extend(crate::audit_cmd::check_warnings(&file));
        report(&diagnostics);
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = diagnostics.len() - errors;
        failed |= errors > 0;
        errln!("{}: {errors} error(s), {warnings} warning(s)", path.display());
    }
    if unreadable { Exit::BadInput } else { Exit::from_passed(!failed) }
}

/// A file read by [`PolicyFile::read`], with the setting `--setting` forces on a rule file.
struct Loaded {
    file: PolicyFile,
    given: Option<SignalScenario>,
}

impl std::ops::Deref for Loaded {
    type Target = PolicyFile;
    fn deref(&self) -> &PolicyFile {
        &self.file
    }
}

/// Reads any file `check` and `fmt` take; `--setting` on a policy or a form is a usage error.
fn load(path: &Path, setting: SettingArgs) -> Result<Loaded, Exit> {
    let given = setting.for_file(path)?;
    let file = PolicyFile::read(path)?;
    if given.is_some() && file.kind == Kind::Form {
        errln!(
            "error: --setting applies to rule files (.xml); {} is an administrator's form, \
            whose values name their settings",
            path.display()
        );
        return Err(Exit::BadInput);
    }
    Ok(Loaded { file, given })
}

fn eval(args: &EvalArgs) -> Exit {
    let given = match args.setting.for_file(&args.rules) {
        Ok(given) => given,
        Err(code) => return code,
    };
    let rules_source = match read(&args.rules) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let snapshot_source = match read(&args.snapshot) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let snapshot = match load_snapshot(&snapshot_source) {
        (Some(snapshot), _) => snapshot,
        (None, diagnostics) => {
            report(&diagnostics);
            return Exit::BadInput;
        }
    };
    let file = parse_rule_file(&rules_source, given);
    report(&file.diagnostics);
    let Some(rules) = file.rules.filter(|_| !has_errors(&file.diagnostics)) else {
        return Exit::CheckFailed;
    };
    if file.scenario == SignalScenario::DynamicLock {
        let presence = rules.evaluate_presence(&snapshot);
        let held = presence.presence != engine::policy::presence::PresenceVerdict::Absent;
        return print_evaluation(&presence, args.json, PresenceEvaluation::render_text)
            .and_held(held);
    }
    let interpretations = Interpretations {
        repeated_elements: match args.repeated_elements {
            RepeatedArg::All => RepeatedElements::All,
            RepeatedArg::Any => RepeatedElements::Any,
        },
        dns_suffix_scope: match args.dns_suffix_scope {
            ScopeArg::Primary => DnsSuffixScope::Primary,
            ScopeArg::PrimaryOrConnection => DnsSuffixScope::PrimaryOrConnection,
        },
        ..Interpretations::default()
    };
    let evaluation = rules.evaluate(&snapshot, &interpretations);
    print_evaluation(&evaluation, args.json, Evaluation::render_text).and_held(evaluation.result)
}

/// `policy eval`'s verdict in its exit code, like `grep`: a printed evaluation whose rules did
/// not hold is [`Exit::CheckFailed`].
trait AndHeld {
    fn and_held(self, held: bool) -> Exit;
}

impl AndHeld for Exit {
    fn and_held(self, held: bool) -> Exit {
        if self == Exit::Success && !held { Exit::CheckFailed } else { self }
    }
}

/// Prints an evaluation as one JSON object or as its text explanation.
fn print_evaluation<T: serde::Serialize>(value: &T, json: bool, text: fn(&T) -> String) -> Exit {
    if !json {
        out!("{}", text(value));
        return Exit::Success;
    }
    match serde_json::to_string(value) {
        Ok(json) => outln!("{json}"),
        Err(error) => {
            errln!("error: {error}");
            return Exit::BadInput;
        }
    }
    Exit::Success
}

fn fmt(path: &Path, single_line: bool, setting: SettingArgs) -> Exit {
    let file = match load(path, setting) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(loaded) = file.policy() {
        return match loaded {
            (Some(policy), _) => {
                out!("{}", format_policy(&policy));
                Exit::Success
            }
            (None, diagnostics) => {
                report(&diagnostics);
                Exit::CheckFailed
            }
        };
    }
    let RuleFile { rules, diagnostics, .. } = parse_rule_file(&file.source, file.given);
    match rules {
        Some(rules) => {
            if single_line {
                outln!("{}", format_single_line(&rules));
            } else {
                out!("{}", format_pretty(&rules));
            }
            Exit::Success
        }
        None => {
            report(&diagnostics);
            Exit::CheckFailed
        }
    }
}
