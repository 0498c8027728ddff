//! `unlocksim policy export|import`, and `policy check` on an administrator's form: a policy
//! YAML out as Intune CSP rows, a `.reg` file, a `reg add` script or Intune JSON; those forms
//! (and PowerShell `Set-ItemProperty` scripts) in as a policy YAML.
//!
//! Contract: `export POLICY.yaml --format csp|gpo|reg|json [--out FILE]` and
//! `import FILE [--onto BASE.yaml] [--out POLICY.yaml]` exit 0 when they wrote their output
//! (warnings allowed, on stderr), 2 for usage errors, unreadable files and any error in the
//! input (with `file:line:column`; nothing is written), or when the file sets none of the five
//! values; `export` warns about each `sign_in` setting off Windows' default, which no form
//! carries. `check`, `audit` and `fmt` read a form as the policy it imports to
//! (`policy_file.rs`); Markdown and ADMX/ADML files are refused as holding no policy values.
//! A `.reg` file goes out as UTF-16LE with a BOM when written with `--out` (what regedit
//! writes); stdout is always UTF-8.

use std::path::{Path, PathBuf};

use crate::policy_file::{cannot_read, load_policy_beside, read_form_source, report};
use clap::{Args, ValueEnum};
use engine::SourceFile;
use engine::policy::Policy;
use engine::policy::forms::{Form, export, not_exported, policy_yaml, read_form_onto};
use reports::summary::Exit;

/// Arguments of `policy export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The policy file (YAML).
    policy: PathBuf,
    /// The form to write.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Write here (atomically) instead of stdout; a `gpo` file is written as UTF-16LE.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `policy import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A `.reg` export, a `reg add` / PowerShell script, Intune JSON or OMA-URI rows.
    file: PathBuf,
    /// Apply the file onto this policy (for partial updates, e.g. a script that sets only
    /// GroupB); without it a partial update is an error.
    #[arg(long)]
    onto: Option<PathBuf>,
    /// Write the policy YAML here (atomically) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Intune custom OMA-URI rows (PassportForWork CSP).
    Csp,
    /// Group Policy registry values as a `.reg` file.
    Gpo,
    /// A `reg add` batch script.
    Reg,
    /// Intune custom profile JSON (Microsoft Graph `omaSettings`).
    Json,
}

/// Loads a policy YAML (its `signal_rules_file` relative to it); `Err` after reporting.
fn load_policy_file(path: &Path) -> Result<Policy, Exit> {
    let text = crate::input::read_input(path).map_err(|error| cannot_read(path, error))?;
    let source = SourceFile::new(path.display().to_string(), text);
    let (policy, diagnostics) = load_policy_beside(path, &source);
    report(&diagnostics);
    policy.ok_or(Exit::BadInput)
}

/// Prints `text` or writes `bytes` to `out`.
fn emit(out: Option<&Path>, text: &str, bytes: Vec<u8>) -> Exit {
    let Some(out) = out else {
        out!("{text}");
        return Exit::Success;
    };
    match reports::output::write_atomic(out, &bytes) {
        Ok(()) => Exit::Success,
        Err(error) => {
            errln!("error: cannot write {}: {error}", out.display());
            Exit::BadInput
        }
    }
}

/// `policy export`.
pub fn run_export(args: &ExportArgs) -> Exit {
    let policy = match load_policy_file(&args.policy) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let form = match args.format {
        FormatArg::Csp => Form::Csp,
        FormatArg::Gpo => Form::Gpo,
        FormatArg::Reg => Form::Script,
        FormatArg::Json => Form::Json,
    };
    report(&not_exported(&policy));
    let text = export(&policy, form);
    let bytes = match form {
        Form::Gpo => {
            [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
        }
        _ => text.clone().into_bytes(),
    };
    emit(args.out.as_deref(), &text, bytes)
}

/// `policy import`.
pub fn run_import(args: &ImportArgs) -> Exit {
    let base = match args.onto.as_deref().map(load_policy_file).transpose() {
        Ok(base) => base,
        Err(code) => return code,
    };
    if let Err(code) = crate::policy_file::refuse_documents(&args.file) {
        return code;
    }
    let source = match read_form_source(&args.file) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let (policy, diagnostics) = read_form_onto(&source, base.as_ref());
    report(&diagnostics);
    let Some(policy) = policy else { return Exit::BadInput };
    if base.is_none() && diagnostics.iter().any(|d| d.code == "forms::no-settings") {
        errln!("error: nothing to import from {}", args.file.display());
        return Exit::BadInput;
    }
    let yaml = policy_yaml(&policy, &args.file.display().to_string());
    emit(args.out.as_deref(), &yaml, yaml.clone().into_bytes())
}
