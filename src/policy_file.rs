//! The one way `policy check`, `policy audit` and `policy fmt` read a file, so that they cannot
//! disagree about what it is (issue 13): a rule file (`.xml`), a policy YAML (`.yaml`/`.yml`),
//! or an administrator's form (`.reg`, `.json`, `.cmd`, `.bat`, `.ps1`, `.txt`, `.PolicyRules`,
//! `.sls`), which each command treats exactly as the policy it imports to.
//!
//! A `.xml` file is a form, not a rule file, when it starts UTF-16 (a Task Scheduler export,
//! with or without a byte-order mark) or holds registry writes (`HKLM`) and no `<rule`.
//! Markdown and ADMX/ADML files are documentation and definitions, never policy values: they
//! are refused with one diagnostic (`forms::not-policy-values`, exit 2).

use std::path::{Path, PathBuf};

use engine::SourceFile;
use engine::diagnostic::Diagnostic;
use engine::policy::forms::{decode_text, read_form};
use engine::policy::{Policy, load_policy};
use reports::summary::Exit;

/// What a file holds, which decides how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Signal rules (`<rule>` XML) for one setting.
    Rules,
    /// A policy YAML.
    Yaml,
    /// An administrator's form, read as the policy it imports to.
    Form,
}

/// A file read for a policy command, decoded, with its kind.
#[derive(Debug)]
pub struct PolicyFile {
    /// The path as given (`signal_rules_file` names are relative to its folder).
    pub path: PathBuf,
    /// The decoded text, named by the path.
    pub source: SourceFile,
    /// How to read it.
    pub kind: Kind,
}

/// Extensions read as forms whatever their text.
const FORM_EXTENSIONS: [&str; 8] =
    ["reg", "json", "cmd", "bat", "ps1", "txt", "policyrules", "sls"];
/// Extensions of documentation and policy definitions, which hold no policy values.
const DOCUMENT_EXTENSIONS: [&str; 4] = ["md", "markdown", "admx", "adml"];

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase()
}

/// Whether `path` names a form by its extension.
pub fn is_form_path(path: &Path) -> bool {
    FORM_EXTENSIONS.contains(&extension(path).as_str())
}

/// Whether `path` names a policy YAML.
pub fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Says that `path` cannot be read, and why; the exit code of bad input.
pub fn cannot_read(path: &Path, error: impl std::fmt::Display) -> Exit {
    errln!("error: cannot read {}: {error}", path.display());
    Exit::BadInput
}

/// Prints every diagnostic, rendered, to standard error.
pub fn report(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        errln!("{}", diagnostic.render());
    }
}

/// Loads the policy YAML `source` read from `path`, reading its `signal_rules_file`s relative
/// to it.
pub fn load_policy_beside(path: &Path, source: &SourceFile) -> (Option<Policy>, Vec<Diagnostic>) {
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read_file = |name: &str| crate::input::read_input(&base.join(name));
    load_policy(source, &mut read_file)
}

/// Reads a form file through the shared bounded reader and decodes it (UTF-8, or UTF-16 with
/// or without a byte-order mark).
///
/// # Errors
/// [`Exit::BadInput`] after printing why.
pub fn read_form_source(path: &Path) -> Result<SourceFile, Exit> {
    let bytes = reports::output::read_at_most(path, crate::input::INPUT_FILE_BYTES_MAX)
        .map_err(|e| cannot_read(path, e))?;
    decode_form(path, &bytes)
}

fn decode_form(path: &Path, bytes: &[u8]) -> Result<SourceFile, Exit> {
    decode_text(&path.display().to_string(), bytes).map_err(|diagnostic| {
        report(&[*diagnostic]);
        Exit::BadInput
    })
}

/// Refuses documentation and definition files (Markdown, ADMX/ADML) with one diagnostic at
/// 1:1; `Ok` for any other path.
///
/// # Errors
/// [`Exit::BadInput`] after printing the diagnostic.
pub fn refuse_documents(path: &Path) -> Result<(), Exit> {
    let ext = extension(path);
    if !DOCUMENT_EXTENSIONS.contains(&ext.as_str()) {
        return Ok(());
    }
    // A file that is not there is unreadable first, whatever its name.
    if let Err(error) = std::fs::metadata(path) {
        return Err(cannot_read(path, error));
    }
    let what = if ext.starts_with("adm") {
        "an ADMX/ADML file defines the policies (their keys, names and text), it sets no values"
    } else {
        "a Markdown file is documentation, it sets no policy values"
    };
    let source = SourceFile::new(path.display().to_string(), String::new());
    let diagnostic =
        Diagnostic::error("forms::not-policy-values", what).at(&source, 0..0).with_hint(
            "give the policy itself: a policy YAML, a rule file, a .reg export, a reg add or \
            PowerShell script, Intune JSON or OMA-URI rows",
        );
    report(&[diagnostic]);
    Err(Exit::BadInput)
}

/// Whether an `.xml` file's bytes are a form: UTF-16 (with or without a byte-order mark), or
/// registry writes without a `<rule`.
fn xml_is_form(bytes: &[u8]) -> bool {
    if matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] | [_, 0, ..] | [0, _, ..]) {
        return true;
    }
    let lower = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    !lower.contains("<rule") && (lower.contains("hklm") || lower.contains("hkey_local_machine"))
}

impl PolicyFile {
    /// Reads `path` through the shared bounded reader and decides its kind.
    ///
    /// # Errors
    /// [`Exit::BadInput`] (after printing why) for an unreadable or undecodable file and for
    /// documentation files.
    pub fn read(path: &Path) -> Result<PolicyFile, Exit> {
        refuse_documents(path)?;
        let name = path.display().to_string();
        let done = |source, kind| Ok(PolicyFile { path: path.to_path_buf(), source, kind });
        if is_yaml(path) {
            let text = crate::input::read_input(path).map_err(|e| cannot_read(path, e))?;
            return done(SourceFile::new(name, text), Kind::Yaml);
        }
        let bytes = reports::output::read_at_most(path, crate::input::INPUT_FILE_BYTES_MAX)
            .map_err(|e| cannot_read(path, e))?;
        if is_form_path(path) || (extension(path) == "xml" && xml_is_form(&bytes)) {
            return done(decode_form(path, &bytes)?, Kind::Form);
        }
        match String::from_utf8(bytes) {
            Ok(text) => done(SourceFile::new(name, text), Kind::Rules),
            // The shared reader words the invalid byte and its position.
            Err(_) => Err(crate::input::read_input(path).map_or_else(
                |e| cannot_read(path, e),
                |_| cannot_read(path, "changed while read"),
            )),
        }
    }

    /// The policy a YAML holds or a form imports to, with every diagnostic; `None` for a rule
    /// file. A YAML's `signal_rules_file` is read relative to it.
    pub fn policy(&self) -> Option<(Option<Policy>, Vec<Diagnostic>)> {
        match self.kind {
            Kind::Rules => None,
            Kind::Form => Some(read_form(&self.source)),
            Kind::Yaml => Some(load_policy_beside(&self.path, &self.source)),
        }
    }
}
