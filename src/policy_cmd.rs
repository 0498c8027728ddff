//! `unlocksim policy check|eval|fmt`: the rule linter, evaluator and formatter.
//!
//! A stable contract (issue 3): `check FILE...` exits 0 when valid (warnings allowed), 1 when a
//! file has errors, 2 for usage or unreadable files; `eval RULES.xml --snapshot SNAP.yaml
//! [--json]` exits 0 whatever the verdict, 1 for invalid rules, 2 for usage/IO/snapshot errors;
//! `fmt FILE [--single-line]` prints the canonical or the one-line form.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use engine::SourceFile;
use engine::diagnostic::{Diagnostic, has_errors};
use engine::policy::interpretation::{DnsSuffixScope, RepeatedElements};
use engine::policy::{
    Interpretations, SignalScenario, check_single_line, format_pretty, format_single_line,
    load_policy, parse_rules,
};
use engine::snapshot::load_snapshot;
use reports::summary::Exit;

/// Policy subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate rule files (.xml), policy files (.yaml/.yml) and administrators' forms
    /// (.reg/.json/.cmd/.bat/.ps1/.txt).
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Evaluate rules against a signal snapshot and explain the verdict.
    Eval(EvalArgs),
    /// Print rules in canonical form.
    Fmt {
        /// The rule file.
        file: PathBuf,
        /// Print the single-line form for Intune or Group Policy.
        #[arg(long)]
        single_line: bool,
    },
    /// Write a policy as Intune CSP rows, a .reg file, a `reg add` script or Intune JSON.
    Export(crate::policy_forms_cmd::ExportArgs),
    /// Read a .reg file, a `reg add`/PowerShell script or Intune JSON into a policy YAML.
    Import(crate::policy_forms_cmd::ImportArgs),
}

/// Arguments of `policy eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The rule file (XML).
    rules: PathBuf,
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
        PolicyCommand::Check { files } => check(&files),
        PolicyCommand::Eval(args) => eval(&args),
        PolicyCommand::Fmt { file, single_line } => fmt(&file, single_line),
        PolicyCommand::Export(args) => crate::policy_forms_cmd::run_export(&args),
        PolicyCommand::Import(args) => crate::policy_forms_cmd::run_import(&args),
    }
}

fn read(path: &Path) -> Result<SourceFile, Exit> {
    match crate::input::read_input(path) {
        Ok(text) => Ok(SourceFile::new(path.display().to_string(), text)),
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            Err(Exit::BadInput)
        }
    }
}

fn report(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{}", diagnostic.render());
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn check(files: &[PathBuf]) -> Exit {
    let mut failed = false;
    for path in files {
        match crate::policy_forms_cmd::check_form(path) {
            Some(Ok(errors)) => {
                failed |= errors;
                continue;
            }
            Some(Err(code)) => return code,
            None => {}
        }
        let source = match read(path) {
            Ok(source) => source,
            Err(code) => return code,
        };
        let diagnostics = if is_yaml(path) {
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut read_file = |name: &str| crate::input::read_input(&base.join(name));
            load_policy(&source, &mut read_file).1
        } else {
            let (_, mut diagnostics) = parse_rules(&source, SignalScenario::Authentication);
            diagnostics.extend(check_single_line(&source));
            diagnostics
        };
        report(&diagnostics);
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = diagnostics.len() - errors;
        failed |= errors > 0;
        eprintln!("{}: {errors} error(s), {warnings} warning(s)", path.display());
    }
    Exit::from_passed(!failed)
}

fn eval(args: &EvalArgs) -> Exit {
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
    let (rules, diagnostics) = parse_rules(&rules_source, SignalScenario::Authentication);
    report(&diagnostics);
    let Some(rules) = rules.filter(|_| !has_errors(&diagnostics)) else {
        return Exit::CheckFailed;
    };
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
    if args.json {
        match serde_json::to_string(&evaluation) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("error: {error}");
                return Exit::BadInput;
            }
        }
    } else {
        print!("{}", evaluation.render_text());
    }
    Exit::Success
}

fn fmt(path: &Path, single_line: bool) -> Exit {
    let source = match read(path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let (rules, diagnostics) = parse_rules(&source, SignalScenario::Authentication);
    match rules {
        Some(rules) => {
            if single_line {
                println!("{}", format_single_line(&rules));
            } else {
                print!("{}", format_pretty(&rules));
            }
            Exit::Success
        }
        None => {
            report(&diagnostics);
            Exit::CheckFailed
        }
    }
}
