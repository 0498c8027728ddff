//! `unlocksim policy export|import` and `policy check` on a form: the files an administrator
//! pastes or already has, through the binary (issue 13 section 2).

use std::path::Path;

use rstest::rstest;

use crate::util::{repo_root, run_text as run};

/// export to a file, import it back: the policy YAML loads to what `policy check` accepts and
/// exporting the import again gives the same bytes.
#[rstest]
fn export_then_import_gives_the_same_export(
    #[values("csp", "gpo", "reg", "json")] format: &str,
    #[values("mfu_example3_ip_and_bluetooth", "mfu_bluetooth", "dynamic_lock_tight")] name: &str,
) {
    let dir = std::env::temp_dir()
        .join(format!("unlocksim-forms-{format}-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let policy = format!("scenarios/policies/{name}.yaml");
    let exported =
        dir.join(format!("{name}.{}", if format == "reg" { "cmd" } else { format_ext(format) }));
    let imported = dir.join("imported.yaml");
    let paths = [exported.to_str().expect("utf-8"), imported.to_str().expect("utf-8")];
    let (code, _, stderr) =
        run(&["policy", "export", &policy, "--format", format, "--out", paths[0]]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = run(&["policy", "import", paths[0], "--out", paths[1]]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = run(&["policy", "check", paths[0], paths[1]]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, first, _) = run(&["policy", "export", &policy, "--format", format]);
    let (_, again, _) = run(&["policy", "export", paths[1], "--format", format]);
    assert_eq!(first, again);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

fn format_ext(format: &str) -> &str {
    match format {
        "gpo" => "reg",
        "csp" => "txt",
        other => other,
    }
}

#[test]
fn a_gpo_file_is_written_as_utf16_with_a_bom_as_regedit_does() {
    let dir = std::env::temp_dir().join(format!("unlocksim-forms-utf16-{}", std::process::id()));
    let out = dir.join("p.reg");
    let out_text = out.to_str().expect("utf-8");
    let policy = "scenarios/policies/dynamic_lock_default.yaml";
    let (code, _, stderr) =
        run(&["policy", "export", policy, "--format", "gpo", "--out", out_text]);
    assert_eq!(code, Some(0), "{stderr}");
    let bytes = std::fs::read(&out).expect("written");
    assert_eq!(&bytes[..4], &[0xFF, 0xFE, b'W', 0]);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[rstest]
#[case::dynamic_lock_reg("examples/forms/dynamic-lock.reg", 0)]
#[case::profile_json("examples/forms/mfu-intune-profile.json", 0)]
#[case::oma_uri_rows("examples/forms/mfu-oma-uri-rows.txt", 0)]
#[case::script("examples/forms/mfu-and-dynamic-lock.cmd", 0)]
#[case::salt_state("examples/forms/dynamic-lock.sls", 0)]
#[case::partial_update("examples/forms/group-b-pin-only.ps1", 1)]
fn the_examples_check_as_documented(#[case] file: &str, #[case] want: i32) {
    assert!(Path::new(&repo_root()).join(file).exists(), "{file}");
    let (code, _, stderr) = run(&["policy", "check", file]);
    assert_eq!(code, Some(want), "{stderr}");
}

#[test]
fn a_partial_update_imports_onto_a_base_policy() {
    let (code, stdout, stderr) = run(&[
        "policy",
        "import",
        "examples/forms/group-b-pin-only.ps1",
        "--onto",
        "scenarios/policies/mfu_biometric_then_pin.yaml",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!(stdout, @r#"
        # Imported by unlocksim from examples/forms/group-b-pin-only.ps1.
        device_unlock:
          first_factors: [fingerprint, facial_recognition]
          second_factors: [pin]
        "#);
}

/// A `sign_in` section off Windows' default is none of the five values: `export` names each
/// setting on stderr and writes the same output as without it, with the same exit code.
#[test]
fn export_warns_about_sign_in_settings_it_cannot_carry() {
    let dir = std::env::temp_dir().join(format!("unlocksim-forms-sign-in-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let base = "dynamic_lock:\n  enabled: true\n  signal_rules: '<rule schemaVersion=\"1.0\">\
        <signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" \
        rssiMaxDelta=\"-10\"/></rule>'\n";
    let sign_in = "sign_in:\n  password: false\n  smart_card: false\n  \
        dont_display_last_user_name: true\n";
    let (plain, hardened) = (dir.join("plain.yaml"), dir.join("hardened.yaml"));
    std::fs::write(&plain, base).expect("written");
    std::fs::write(&hardened, format!("{base}{sign_in}")).expect("written");
    for format in ["csp", "gpo", "reg", "json"] {
        let path = |p: &Path| p.to_str().expect("utf-8").to_string();
        let (code, want, stderr) = run(&["policy", "export", &path(&plain), "--format", format]);
        assert_eq!((code, stderr.as_str()), (Some(0), ""));
        let (code, got, stderr) = run(&["policy", "export", &path(&hardened), "--format", format]);
        assert_eq!((code, &got), (Some(0), &want), "{format}");
        assert_eq!(stderr.matches("is not in the").count(), 3, "{format}: {stderr}");
    }
    let (_, _, stderr) =
        run(&["policy", "export", hardened.to_str().expect("utf-8"), "--format", "csp"]);
    insta::assert_snapshot!(stderr, @r#"
        forms::sign-in-not-exported

          ⚠ `sign_in.password: false` is not one of the five PassportForWork values and is not in the
          │ export
          help: set it with the "Exclude credential providers" policy (System > Logon;
                `HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\System`
                `ExcludedCredentialProviders`, REG_SZ; Intune `./Device/Vendor/MSFT/Policy/Config/
                ADMX_CredentialProviders/ExcludedCredentialProviders`): password {60b78e88-ead8-445c-9cfd-
                0b87f74ea6cd}, smart card {8FD7E19C-3BF7-489B-A72C-846AB3678C96}

        forms::sign-in-not-exported

          ⚠ `sign_in.smart_card: false` is not one of the five PassportForWork values and is not in the
          │ export
          help: set it with the "Exclude credential providers" policy (System > Logon;
                `HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\System`
                `ExcludedCredentialProviders`, REG_SZ; Intune `./Device/Vendor/MSFT/Policy/Config/
                ADMX_CredentialProviders/ExcludedCredentialProviders`): password {60b78e88-ead8-445c-9cfd-
                0b87f74ea6cd}, smart card {8FD7E19C-3BF7-489B-A72C-846AB3678C96}

        forms::sign-in-not-exported

          ⚠ `sign_in.dont_display_last_user_name: true` is not one of the five PassportForWork values and
          │ is not in the export
          help: set it with the security option "Interactive logon: Don't display last signed-in"
                (`HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\System`
                `DontDisplayLastUserName`, REG_DWORD 1; Intune `./Device/Vendor/MSFT/Policy/Config/
                LocalPoliciesSecurityOptions/InteractiveLogon_DoNotDisplayLastSignedIn`)
        "#);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// The policy's export in `format`, written to a fresh folder under the usual file name.
fn exported(policy: &str, format: &str, tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("unlocksim-{tag}-{format}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let ext = if format == "reg" { "cmd" } else { format_ext(format) };
    let file = dir.join(format!("exported.{ext}"));
    let path = file.to_str().expect("utf-8").to_string();
    let (code, _, stderr) = run(&["policy", "export", policy, "--format", format, "--out", &path]);
    assert_eq!(code, Some(0), "{stderr}");
    (dir, path)
}

/// The lines `policy audit` prints for findings and summaries, with the file name replaced.
fn audit_lines(file: &str) -> (Option<i32>, Vec<String>) {
    let (code, stdout, _) = run(&["policy", "audit", file]);
    let lines = stdout.lines().filter(|l| !l.starts_with(' ')).map(|l| l.replace(file, "F"));
    (code, lines.collect())
}

/// `check`, `audit` and `fmt` treat an exported form exactly as the policy it imports to: the
/// audit warnings in `check`, the same findings (unplaced) in `audit`, the policy YAML in `fmt`.
#[rstest]
fn an_exported_form_checks_audits_and_formats_as_its_policy(
    #[values("csp", "gpo", "reg", "json")] format: &str,
) {
    let policy = "scenarios/policies/mfu_example2_ip_or_bluetooth.yaml";
    let (dir, form) = exported(policy, format, "form-as-policy");
    let (code, _, stderr) = run(&["policy", "check", &form]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains(&format!("{form}: 0 error(s), 3 warning(s)")), "{stderr}");
    assert!(stderr.contains("audit::dns-suffix-only"), "{stderr}");
    let (code, lines) = audit_lines(&form);
    assert_eq!(code, Some(1), "{lines:?}");
    assert_eq!(
        lines,
        [
            "F: high audit::dns-suffix-only <dnsSuffix>corp.contoso.com</dnsSuffix>",
            "F: high audit::bluetooth-next-room rssiMin=\"-10\"",
            "F: medium audit::password-enabled device_unlock (password credential provider \
             enabled)",
            "F: 3 finding(s): 2 high, 1 medium, 0 low (findings of the policy this form imports \
             to: they have no line and column in the form)",
        ]
    );
    let (code, from_form, stderr) = run(&["policy", "fmt", &form]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(from_form, run(&["policy", "fmt", policy]).1);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// A valid form saved as UTF-16 without a byte-order mark (`iconv -t UTF-16LE`/`UTF-16BE`)
/// reads as the same policy as the original.
#[rstest]
fn utf16_without_a_bom_reads_like_the_original(
    #[values("examples/forms/dynamic-lock.reg", "examples/forms/mfu-and-dynamic-lock.cmd")]
    file: &str,
    #[values(true, false)] little_endian: bool,
) {
    let bytes = std::fs::read(Path::new(&repo_root()).join(file)).expect("example");
    let text = match bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some(utf16) => {
            let units: Vec<u16> =
                utf16.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
            String::from_utf16(&units).expect("UTF-16")
        }
        None => String::from_utf8(bytes).expect("UTF-8"),
    };
    let units = text.encode_utf16();
    let converted: Vec<u8> = if little_endian {
        units.flat_map(u16::to_le_bytes).collect()
    } else {
        units.flat_map(u16::to_be_bytes).collect()
    };
    let name = Path::new(file).file_name().expect("a name");
    // One folder per case: the cases run in parallel, and each removes its folder.
    let dir = std::env::temp_dir().join(format!(
        "unlocksim-no-bom-{little_endian}-{}-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let copy = dir.join(name);
    std::fs::write(&copy, converted).expect("written");
    let copy = copy.to_str().expect("utf-8");
    let (code, _, stderr) = run(&["policy", "check", copy]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("forms::no-settings"), "{stderr}");
    let (code, got, stderr) = run(&["policy", "import", copy]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, want, _) = run(&["policy", "import", file]);
    assert_eq!(got.replace(copy, file), want);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// A UTF-16 Task Scheduler XML that rewrites GroupB is a form for `check`, `audit` and `fmt`:
/// the partial update import reports, not a UTF-8 error or a rule-parser error.
#[rstest]
#[case::check(&["policy", "check"], 1)]
#[case::audit(&["policy", "audit"], 2)]
#[case::fmt(&["policy", "fmt"], 1)]
#[case::import(&["policy", "import"], 2)]
fn a_utf16_task_xml_is_read_as_a_form(#[case] command: &[&str], #[case] want: i32) {
    let file = "tests/fixtures/forms/task-group-b-pin-only.xml";
    let (code, stdout, stderr) = run(&[command, &[file]].concat());
    assert_eq!((code, stdout.as_str()), (Some(want), ""), "{stderr}");
    assert!(stderr.contains("forms::incomplete"), "{stderr}");
    assert!(stderr.contains(&format!("{file}:9:138")), "{stderr}");
}

/// Documentation and policy definitions hold no values: one diagnostic at 1:1, exit 2.
#[rstest]
fn documentation_and_definitions_are_not_policies(
    #[values("check", "import", "audit", "fmt")] command: &str,
    #[values("README.md", "tests/fixtures/forms/Passport.admx")] file: &str,
) {
    let (code, stdout, stderr) = run(&["policy", command, file]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""), "{stderr}");
    assert_eq!(stderr.matches("forms::not-policy-values").count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("{file}:1:1")), "{stderr}");
}
