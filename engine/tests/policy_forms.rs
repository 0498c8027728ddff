//! The administrator's forms at the boundary (issue 13 section 2): a file's text in, a policy or
//! diagnostics out; and `import(export(P)) == P` for every form over the bundled policies.
//! Fixtures are our own, written in the formats of the real files `SOURCES.md` describes.

use engine::SourceFile;
use engine::diagnostic::render_all;
use engine::policy::forms::{Form, decode_text, export, policy_yaml, read_form, read_form_onto};
use engine::policy::{Policy, load_policy};
use rstest::rstest;

/// The bundled policies, compiled in (the engine does no I/O, not even in tests).
const BUNDLED: &[(&str, &str)] = &[
    ("dynamic_lock_default", include_str!("../../scenarios/policies/dynamic_lock_default.yaml")),
    ("dynamic_lock_tight", include_str!("../../scenarios/policies/dynamic_lock_tight.yaml")),
    (
        "mfu_biometric_then_pin",
        include_str!("../../scenarios/policies/mfu_biometric_then_pin.yaml"),
    ),
    ("mfu_bluetooth", include_str!("../../scenarios/policies/mfu_bluetooth.yaml")),
    ("mfu_dock_gateway_dhcp", include_str!("../../scenarios/policies/mfu_dock_gateway_dhcp.yaml")),
    ("mfu_example1_ipconfig", include_str!("../../scenarios/policies/mfu_example1_ipconfig.yaml")),
    ("mfu_example2", include_str!("../../scenarios/policies/mfu_example2_ip_or_bluetooth.yaml")),
    ("mfu_example3", include_str!("../../scenarios/policies/mfu_example3_ip_and_bluetooth.yaml")),
    ("mfu_example4_wifi", include_str!("../../scenarios/policies/mfu_example4_wifi.yaml")),
    (
        "mfu_fingerprint_and_signal",
        include_str!("../../scenarios/policies/mfu_fingerprint_and_signal.yaml"),
    ),
    ("mfu_fingerprint_first", include_str!("../../scenarios/policies/mfu_fingerprint_first.yaml")),
    ("mfu_ipv6", include_str!("../../scenarios/policies/mfu_ipv6.yaml")),
    ("mfu_vpn_dns", include_str!("../../scenarios/policies/mfu_vpn_dns.yaml")),
    ("mfu_wifi_any_bssid", include_str!("../../scenarios/policies/mfu_wifi_any_bssid.yaml")),
];

fn load(name: &str, text: &str) -> Policy {
    try_load(name, text).unwrap_or_else(|| panic!("{name} is valid"))
}

fn try_load(name: &str, text: &str) -> Option<Policy> {
    let mut no_files = |path: &str| Err(format!("no file {path} in this test"));
    load_policy(&SourceFile::new(name, text), &mut no_files).0
}

/// The valid bundled policies; the one invalid on purpose (PIN in no group) is the only one
/// left out.
fn bundled() -> Vec<(&'static str, Policy)> {
    let valid: Vec<_> =
        BUNDLED.iter().filter_map(|(name, text)| Some((*name, try_load(name, text)?))).collect();
    assert_eq!(valid.len(), BUNDLED.len() - 1, "only mfu_fingerprint_and_signal is invalid");
    valid
}

fn import(name: &str, text: &str) -> (Option<Policy>, String) {
    let (policy, diagnostics) = read_form(&SourceFile::new(name, text));
    (policy, render_all(&diagnostics))
}

#[rstest]
fn every_form_round_trips_every_bundled_policy(
    #[values(Form::Csp, Form::Gpo, Form::Script, Form::Json)] form: Form,
) {
    for (name, policy) in bundled() {
        let exported = export(&policy, form);
        assert_eq!(Form::detect(&exported), form, "{name}: detected form");
        let (back, diagnostics) = import(name, &exported);
        assert!(!diagnostics.contains("error"), "{name} {form:?}:\n{diagnostics}\n{exported}");
        assert_eq!(back.as_ref(), Some(&policy), "{name} {form:?}:\n{exported}");
    }
}

#[test]
fn the_imported_yaml_loads_back_to_the_same_policy() {
    for (name, policy) in bundled() {
        assert_eq!(load(name, &policy_yaml(&policy, "a test")), policy, "{name}");
    }
}

#[test]
fn a_utf16_reg_export_round_trips() {
    let policy = load("p", BUNDLED[6].1);
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(export(&policy, Form::Gpo).encode_utf16().flat_map(u16::to_le_bytes));
    let source = decode_text("p.reg", &bytes).expect("UTF-16LE with BOM decodes");
    assert_eq!(read_form(&source).0, Some(policy));
}

/// A short account of a policy: what each section says.
fn summary(policy: &Policy) -> String {
    let unlock = policy.device_unlock.as_ref().map(|u| {
        let names = |g: &[engine::policy::CredentialProvider]| {
            g.iter().map(|p| p.name()).collect::<Vec<_>>().join(",")
        };
        let rules = u.signal_rules.as_ref().map_or(0, |r| r.rules.len());
        format!("first={} second={} rules={rules}", names(&u.groups.first), names(&u.groups.second))
    });
    let lock = policy.dynamic_lock.as_ref().map(|l| {
        format!("lock={} rules={}", if l.enabled { "on" } else { "off" }, l.rules.rules.len())
    });
    format!("{} | {}", unlock.as_deref().unwrap_or("-"), lock.as_deref().unwrap_or("-"))
}

/// Diagnostic codes with their `line:column`, then the policy's summary or `rejected`.
fn outcome(text: &str) -> String {
    let (policy, diagnostics) = read_form(&SourceFile::new("f", text));
    let mut parts: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let at = d.position().unwrap_or_default();
            format!("{} {}", d.code, at.trim_start_matches("f:"))
        })
        .collect();
    parts.push(policy.as_ref().map_or("rejected".into(), summary));
    parts.join("; ")
}

const PIN: &str = "{D6886603-9D2F-4EB2-B667-1971041FA96B}";
const FACE: &str = "{8AF662BF-65A0-4D0A-A540-A338A999D36F}";
const FINGER: &str = "{BEC09223-B018-416D-A0AC-523971B639F5}";
const TS: &str = "{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD}";
const BT_AUTH: &str = r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>"#;
const BT_LOCK: &str = r#"<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>"#;
const KEY_UNLOCK: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock";
const KEY_LOCK: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock";

fn reg(body: &str) -> String {
    format!("Windows Registry Editor Version 5.00\r\n\r\n{body}")
}
fn reg_escape(text: &str) -> String {
    text.replace('"', "\\\"")
}

#[rstest]
#[case::reg_device_unlock_trailing_space(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"{PIN}\"\r\n\"GroupB\"=\"{TS},{PIN}\"\r\n\"Plugins\"=\"{} \"\r\n",
    reg_escape(BT_AUTH)
)), "first=pin second=trusted_signal,pin rules=1 | -")]
#[case::reg_dynamic_lock_leading_and_trailing_space(reg(&format!(
    "[{KEY_LOCK}]\r\n\"DynamicLock\"=dword:00000001\r\n\"Plugins\"=\" {} \"\r\n", reg_escape(BT_LOCK)
)), "- | lock=on rules=1")]
#[case::reg_deleted_values_are_not_configured(reg(&format!(
    "[{KEY_LOCK}]\r\n\"DynamicLock\"=-\r\n\"Plugins\"=-\r\n"
)), "- | -")]
#[case::reg_deleted_key(reg(&format!("[-{KEY_LOCK}]\r\n")), "- | -")]
#[case::reg_decoy_windows_system(
    reg(
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\System]\r\n\"DynamicLock\"=dword:00000000\r\n"
    ),
    "forms::look-alike 4:15; forms::no-settings 1:1; - | -"
)]
#[case::reg_per_user_key(
    reg(
        "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\DynamicLock]\r\n\"DynamicLock\"=dword:00000001\r\n"
    ),
    "forms::look-alike 4:15; forms::no-settings 1:1; - | -"
)]
#[case::reg_placeholder(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"text-placeholder\"\r\n\"GroupB\"=\"{PIN}\"\r\n"
)), "forms::placeholder 4:11; rejected")]
#[case::reg_bare_guid(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"D6886603-9D2F-4EB2-B667-1971041FA96B\"\r\n\"GroupB\"=\"{TS}\"\r\n\"Plugins\"=\"{}\"\r\n",
    reg_escape(BT_AUTH)
)), "forms::bare-guid 4:11; first=pin second=trusted_signal rules=1 | -")]
#[case::reg_names_are_not_guids(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"pin\"\r\n\"GroupB\"=\"{TS}\"\r\n"
)), "forms::bad-group 4:11; rejected")]
#[case::reg_unknown_guid(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"{PIN},{{00000000-0000-0000-0000-000000000000}}\"\r\n\"GroupB\"=\"{PIN}\"\r\n"
)), "forms::unknown-provider 4:50; rejected")]
#[case::reg_partial_update_group_b(reg(&format!("[{KEY_UNLOCK}]\r\n\"GroupB\"=\"{PIN}\"\r\n")),
    "forms::incomplete 4:11; rejected")]
#[case::reg_trusted_signal_without_plugins(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"{PIN}\"\r\n\"GroupB\"=\"{TS}\"\r\n"
)), "forms::incomplete 5:11; rejected")]
#[case::reg_lock_rule_without_on_off(reg(&format!("[{KEY_LOCK}]\r\n\"Plugins\"=\"{}\"\r\n", reg_escape(BT_LOCK))),
    "forms::incomplete 4:12; rejected")]
#[case::reg_lock_on_without_rule(reg(&format!("[{KEY_LOCK}]\r\n\"DynamicLock\"=dword:00000001\r\n")),
    "forms::incomplete 4:15; rejected")]
#[case::reg_lock_two(reg(&format!("[{KEY_LOCK}]\r\n\"DynamicLock\"=dword:00000002\r\n")),
    "forms::out-of-range 4:15; rejected")]
#[case::reg_lock_as_string(reg(&format!("[{KEY_LOCK}]\r\n\"DynamicLock\"=\"1\"\r\n")),
    "forms::wrong-type 4:16; rejected")]
#[case::reg_truncated(reg(&format!("[{KEY_LOCK}]\r\n\"Plugins\"=\"<rule schema")),
    "forms::reg-syntax 4:11; rejected")]
#[case::reg_value_before_key(reg("\"GroupA\"=\"x\"\r\n"), "forms::reg-syntax 3:1; rejected")]
#[case::reg_mixed_settings(reg(&format!(
    "[{KEY_UNLOCK}]\r\n\"GroupA\"=\"{PIN}\"\r\n\"GroupB\"=\"{TS}\"\r\n\"Plugins\"=\"{}\"\r\n", reg_escape(BT_LOCK)
)), "rules::scenario 6:12; rejected")]
fn reg_files(#[case] text: String, #[case] want: &str) {
    assert_eq!(outcome(&text), want, "\n{text}");
}

const PS_KEY: &str = r"HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork";
const CMD_KEY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\PassportForWork";

fn cmd_escape(text: &str) -> String {
    text.replace('"', "\\\"")
}

#[rstest]
#[case::bat_dynamic_lock_on_with_out_of_scope_values(format!(
    "@echo off\r\nreg add \"{CMD_KEY}\" /v EnablePinRecovery /t REG_DWORD /d 1 /f\r\n\
    reg add \"{CMD_KEY}\\DynamicLock\" /v DynamicLock /t REG_DWORD /d 1 /f\r\n\
    reg add \"{CMD_KEY}\\DynamicLock\" /v Plugins /t REG_SZ /d \"{} \" /f\r\n",
    cmd_escape(&BT_LOCK.replace("><", "> <"))
), "- | lock=on rules=1")]
#[case::upper_case_unquoted_with_redirect(
    format!("REG ADD {CMD_KEY}\\DynamicLock /v DynamicLock /t REG_DWORD /d 0 /f > NULL"),
    "- | lock=off rules=0"
)]
#[case::cmd_then_powershell_rewrite(format!(
    "reg add \"{CMD_KEY}\\DeviceUnlock\" /f\n\
    reg add \"{CMD_KEY}\\DeviceUnlock\" /v GroupA /t REG_SZ /d \"{PIN},{FACE},{FINGER}\" /f\n\
    reg add \"{CMD_KEY}\\DeviceUnlock\" /v GroupB /t REG_SZ /d \"{TS},{PIN}\" /f\n\
    reg add \"{CMD_KEY}\\DeviceUnlock\" /v Plugins /t REG_SZ /d \"{} \" /f\n\
    powershell -Command \"Set-ItemProperty -Path '{PS_KEY}\\DeviceUnlock' -Name 'GroupB' -Value '{TS},{PIN}'\"\n",
    cmd_escape(BT_AUTH)
), "first=pin,facial_recognition,fingerprint second=trusted_signal,pin rules=1 | -")]
#[case::powershell_partial_update(
    format!("Set-ItemProperty -Path '{PS_KEY}\\DeviceUnlock' -Name 'GroupB' -Value '{PIN}'\n"),
    "forms::incomplete 1:111; rejected"
)]
#[case::powershell_new_item_property_typed(format!(
    "New-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name DynamicLock -PropertyType DWord -Value 1 -Force\n\
    New-ItemProperty '{PS_KEY}\\DynamicLock' 'Plugins' '{BT_LOCK}' -PropertyType String\n"
), "- | lock=on rules=1")]
#[case::commented_out_values_are_ignored(format!(
    "rem reg add \"{CMD_KEY}\\DynamicLock\" /v DynamicLock /t REG_DWORD /d 1 /f\n\
    :: reg add \"{CMD_KEY}\\DynamicLock\" /v DynamicLock /t REG_DWORD /d 1 /f\n\
    # Set-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name DynamicLock -Value 1\n\
    <#\nSet-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name DynamicLock -Value 1\n#>\n\
    Remove-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name 'Plugins'\n"
), "- | -")]
#[case::null_removes(
    format!("Set-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name DynamicLock -Value $null\n"),
    "- | -"
)]
#[case::unresolved_variable_value(
    format!("Set-ItemProperty -Path '{PS_KEY}\\DynamicLock' -Name DynamicLock -Value $On\n"),
    "forms::wrong-type 1:113; rejected"
)]
#[case::interpolated_path(
    "Set-ItemProperty -Path \"$PFW\\DynamicLock\" -Name DynamicLock -Value 1\n".to_string(),
    "forms::unresolved 1:1; forms::no-settings 1:1; - | -"
)]
#[case::per_user_settings_toggle(
    "Set-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' -Name EnableGoodbye -Value 1\n".to_string(),
    "forms::look-alike 1:113; forms::no-settings 1:1; - | -"
)]
#[case::non_policy_key(
    format!("reg add HKLM\\SOFTWARE\\Microsoft\\PassportForWork\\DynamicLock /v DynamicLock /t REG_DWORD /d 1 /f\n"),
    "forms::look-alike 1:92; forms::no-settings 1:1; - | -"
)]
fn scripts(#[case] text: String, #[case] want: &str) {
    assert_eq!(outcome(&text), want, "\n{text}");
}

fn row(uri: &str, data_type: &str, value: &str) -> String {
    format!(
        "OMA-URI: ./Device/Vendor/MSFT/PassportForWork/{uri}\nData type: {data_type}\nValue: {value}\n\n"
    )
}

#[rstest]
#[case::csp_rows([
    row("DeviceUnlock/GroupA", "String", PIN),
    row("DeviceUnlock/GroupB", "String", &format!("{TS},{PIN}")),
    row("DeviceUnlock/Plugins", "String", BT_AUTH),
    row("DynamicLock/DynamicLock", "Boolean", "false"),
].concat(), "first=pin second=trusted_signal,pin rules=1 | lock=off rules=0")]
#[case::csp_wrong_type(
    row("DynamicLock/DynamicLock", "String", "true"),
    "forms::wrong-type 3:8; rejected"
)]
#[case::csp_other_node(
    row("{TenantId}/Policies/UsePassportForWork", "Boolean", "true"),
    "forms::other-setting 1:10; forms::no-settings 1:1; - | -"
)]
#[case::csp_unknown_field("OMA-URI: x\nColour: red\n".to_string(), "forms::csp-syntax 2:1; forms::other-setting 1:10; rejected")]
#[case::json_profile(format!(
    r##"{{"omaSettings": [
  {{"@odata.type": "#microsoft.graph.omaSettingBoolean", "omaUri": "./Device/Vendor/MSFT/PassportForWork/DynamicLock/DynamicLock", "value": true}},
  {{"omaUri": "./Device/Vendor/MSFT/PassportForWork/DynamicLock/Plugins", "value": "{}"}}
]}}"##,
    BT_LOCK.replace('"', "\\\"")
), "- | lock=on rules=1")]
#[case::json_integer_on_off(
    r##"[{"@odata.type": "#microsoft.graph.omaSettingInteger", "omaUri": "./Vendor/MSFT/PassportForWork/DynamicLock/DynamicLock", "value": 0}]"##.to_string(),
    "- | lock=off rules=0"
)]
#[case::json_truncated(r#"{"omaSettings": [{"omaUri": "./Dev"#.to_string(), "forms::json-syntax 1:34; rejected")]
#[case::json_not_a_profile(r#"{"settings": []}"#.to_string(), "forms::json-shape 1:1; rejected")]
#[case::json_wrong_value_type(
    r#"[{"omaUri": "./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/GroupA", "value": 1}]"#.to_string(),
    "forms::wrong-type 1:82; rejected"
)]
fn csp_rows_and_json(#[case] text: String, #[case] want: &str) {
    assert_eq!(outcome(&text), want, "\n{text}");
}

#[test]
fn a_partial_update_applies_onto_a_base_policy() {
    let base = load("base", BUNDLED[3].1);
    let text =
        format!("Set-ItemProperty -Path '{PS_KEY}\\DeviceUnlock' -Name 'GroupB' -Value '{TS}'\n");
    let (policy, diagnostics) = read_form_onto(&SourceFile::new("f", text), Some(&base));
    let policy = policy.unwrap_or_else(|| panic!("{}", render_all(&diagnostics)));
    assert_eq!(
        summary(&base),
        "first=pin,fingerprint,facial_recognition second=trusted_signal,pin rules=1 | lock=on rules=1"
    );
    assert_eq!(
        summary(&policy),
        "first=pin,fingerprint,facial_recognition second=trusted_signal rules=1 | lock=on rules=1"
    );
}

#[test]
fn exports_write_braced_groups_and_one_line_rules() {
    let policy = load("p", BUNDLED[6].1);
    let reg = export(&policy, Form::Gpo);
    insta::assert_snapshot!(reg.replace("\r\n", "\n"), @r#"
        Windows Registry Editor Version 5.00

        [HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock]
        "GroupA"="{D6886603-9D2F-4EB2-B667-1971041FA96B},{BEC09223-B018-416D-A0AC-523971B639F5},{8AF662BF-65A0-4D0A-A540-A338A999D36F}"
        "GroupB"="{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD},{D6886603-9D2F-4EB2-B667-1971041FA96B}"
        "Plugins"="<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com</dnsSuffix></signal></rule>,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>"
        "#);
    let script = export(&policy, Form::Script);
    insta::assert_snapshot!(script.replace("\r\n", "\n"), @r#"
        @echo off
        rem Windows Hello for Business unlock policy (unlocksim policy export). Run as administrator.
        reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v GroupA /t REG_SZ /d "{D6886603-9D2F-4EB2-B667-1971041FA96B},{BEC09223-B018-416D-A0AC-523971B639F5},{8AF662BF-65A0-4D0A-A540-A338A999D36F}" /f
        reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v GroupB /t REG_SZ /d "{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD},{D6886603-9D2F-4EB2-B667-1971041FA96B}" /f
        reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v Plugins /t REG_SZ /d "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>corp.contoso.com</dnsSuffix></signal></rule>,<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>" /f
        "#);
    insta::assert_snapshot!(export(&policy, Form::Csp), @r#"
        # Intune custom profile rows (PassportForWork CSP, ./Device/Vendor/MSFT/PassportForWork). One row per block.

        OMA-URI: ./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/GroupA
        Data type: String
        Value: {D6886603-9D2F-4EB2-B667-1971041FA96B},{BEC09223-B018-416D-A0AC-523971B639F5},{8AF662BF-65A0-4D0A-A540-A338A999D36F}

        OMA-URI: ./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/GroupB
        Data type: String
        Value: {27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD},{D6886603-9D2F-4EB2-B667-1971041FA96B}

        OMA-URI: ./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/Plugins
        Data type: String
        Value: <rule schemaVersion="1.0"><signal type="ipConfig"><dnsSuffix>corp.contoso.com</dnsSuffix></signal></rule>,<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Authentication" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>
        "#);
    insta::assert_snapshot!(export(&load("d", BUNDLED[0].1), Form::Json), @r##"
        {
          "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
          "displayName": "Windows Hello for Business unlock policy",
          "omaSettings": [
            {
              "@odata.type": "#microsoft.graph.omaSettingBoolean",
              "displayName": "DynamicLock/DynamicLock",
              "omaUri": "./Device/Vendor/MSFT/PassportForWork/DynamicLock/DynamicLock",
              "value": true
            },
            {
              "@odata.type": "#microsoft.graph.omaSettingString",
              "displayName": "DynamicLock/Plugins",
              "omaUri": "./Device/Vendor/MSFT/PassportForWork/DynamicLock/Plugins",
              "value": "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>"
            }
          ]
        }
        "##);
}

fn policy_rules(rows: &[(&str, &str, &str, &str)]) -> String {
    let rows: String = rows
        .iter()
        .map(|(key, value, kind, data)| {
            format!(
                "<ComputerConfig><Key>{key}</Key><Value>{value}</Value><RegType>{kind}</RegType>\
                <RegData>{data}</RegData></ComputerConfig>\r\n"
            )
        })
        .collect();
    format!("<PolicyRules>\r\n{rows}</PolicyRules>\r\n")
}

const LOCK_KEY: &str = r"SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock";

#[rstest]
#[case::decoy_windows_system(
    policy_rules(&[(r"SOFTWARE\Policies\Microsoft\Windows\System", "DynamicLock", "REG_DWORD", "0")]),
    "forms::look-alike 2:133; forms::no-settings 1:1; - | -"
)]
#[case::dynamic_lock(
    policy_rules(&[
        (LOCK_KEY, "DynamicLock", "REG_DWORD", "1"),
        (LOCK_KEY, "Plugins", "REG_SZ", &BT_LOCK.replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")),
    ]),
    "- | lock=on rules=1"
)]
fn policy_analyzer_exports(#[case] text: String, #[case] want: &str) {
    assert_eq!(outcome(&text), want, "\n{text}");
}

/// A Salt state (`SOURCES.md` 07/08 format): a comment header, one `lgpo.set` call, CRLF.
fn sls(id: &str, policy: &str, setting: &str) -> String {
    format!(
        "# LGPO DETAILS\r\n#\r\n{id}:\r\n  lgpo.set:\r\n  - name: {policy}\r\n  - setting:{setting}\r\n  \
        - policy_class: Machine\r\n"
    )
}
/// Element values under `setting:`: XML and GUID lists single-quoted, words plain (as in 07).
fn elements(values: &[(&str, &str)]) -> String {
    let quote = |v: &str| if v.starts_with(['<', '{']) { format!("'{v}'") } else { v.to_string() };
    values.iter().map(|(id, value)| format!("\r\n      {id}: {}", quote(value))).collect()
}
const UNLOCK: &str = "MSPassport_UseDeviceUnlock";
const LOCK: &str = "MSPassport_UseDynamicLock";

#[rstest]
#[case::sls_all_placeholders_as_in_07(
    sls("Configure device unlock factors", UNLOCK, &elements(&[
        ("MSPassport_UseDeviceUnlock_GroupA", "text-placeholder"),
        ("MSPassport_UseDeviceUnlock_GroupB", "text-placeholder"),
        ("MSPassport_UseDeviceUnlock_Plugins", "text-placeholder"),
    ])),
    "forms::placeholder 7:42; forms::placeholder 8:42; forms::placeholder 9:43; rejected"
)]
#[case::sls_lock_rule_placeholder_as_in_08(
    sls("Configure dynamic lock factors", LOCK, &elements(&[("MSPassport_UseDynamicLock_Plugins", "text-placeholder")])),
    "forms::placeholder 7:42; rejected"
)]
#[case::sls_device_unlock_and_dynamic_lock(
    format!("{}{}", sls("unlock", UNLOCK, &elements(&[
        ("MSPassport_UseDeviceUnlock_GroupA", &format!("{FACE},{FINGER}")),
        ("MSPassport_UseDeviceUnlock_GroupB", &format!("{TS},{PIN}")),
        ("MSPassport_UseDeviceUnlock_Plugins", &format!("{BT_AUTH} ")),
    ])), sls("lock", LOCK, &elements(&[("MSPassport_UseDynamicLock_Plugins", BT_LOCK)]))),
    "first=facial_recognition,fingerprint second=trusted_signal,pin rules=1 | lock=on rules=1"
)]
#[case::sls_lf_computer_policy_map(
    format!("lock:\n  lgpo.set:\n    - computer_policy:\n        MSPassport_UseDynamicLock: Disabled\n"),
    "- | lock=off rules=0"
)]
#[case::sls_name_defaults_to_the_state_id(
    format!("MSPassport_UseDynamicLock:\n  lgpo.set:\n    - setting: Enabled\n    - policy_class: Machine\n"),
    "forms::incomplete 1:1; rejected"
)]
#[case::sls_user_class_is_not_these_settings(
    sls("x", LOCK, &elements(&[("MSPassport_UseDynamicLock_Plugins", BT_LOCK)])).replace("Machine", "User"),
    "forms::look-alike 5:11; forms::no-settings 1:1; - | -"
)]
#[case::sls_unknown_element(
    sls("x", LOCK, &elements(&[("MSPassport_UseDynamicLock_Plugin", BT_LOCK)])),
    "forms::sls-unknown-element 7:7; rejected"
)]
#[case::sls_unknown_word(sls("x", LOCK, " Enable"), "forms::sls-shape 6:14; rejected")]
#[case::sls_enabled_device_unlock_has_no_groups(
    sls("x", UNLOCK, " Enabled"),
    "forms::incomplete 5:11; rejected"
)]
#[case::sls_no_policy_class(
    "x:\n  lgpo.set:\n    - name: MSPassport_UseDynamicLock\n    - setting: Enabled\n".to_string(),
    "forms::sls-shape 3:13; rejected"
)]
#[case::sls_other_policy(
    sls("x", "MSPassport_UsePassportForWork", " Enabled"),
    "forms::other-setting 5:11; forms::no-settings 1:1; - | -"
)]
#[case::sls_truncated("x:\n  lgpo.set:\n  - setting: {a: 'b\n".to_string(), "yaml::invalid 3:18; rejected")]
fn salt_lgpo_states(#[case] text: String, #[case] want: &str) {
    assert_eq!(outcome(&text), want, "\n{text}");
}

/// A JSON value that is no OMA-URI value at all is named by its JSON kind, never by an empty
/// data type.
#[rstest]
#[case::array(r#"["{D6886603-9D2F-4EB2-B667-1971041FA96B}"]"#, "a json array")]
#[case::object(r#"{"pin": true}"#, "a json object")]
#[case::null("null", "null (no value)")]
fn a_json_value_of_the_wrong_kind_is_named(#[case] value: &str, #[case] named: &str) {
    let text = format!(
        r#"[{{"omaUri": "./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/GroupA", "value": {value}}}]"#
    );
    let (policy, diagnostics) = read_form(&SourceFile::new("f.json", text));
    assert!(policy.is_none());
    let message = diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n");
    assert!(message.contains(&format!("not `{named}`")), "{message}");
}
