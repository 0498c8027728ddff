//! `unlocksim policy export|import` and `policy check` on a form: the files an administrator
//! pastes or already has, through the binary (issue 13 section 2).

use std::path::Path;

use rstest::rstest;

use crate::util::{repo_root, unlocksim};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = unlocksim(args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

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
