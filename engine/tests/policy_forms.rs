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
#[case::reg_per_user_key(reg(&format!(
    "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\DynamicLock]\r\n\"DynamicLock\"=dword:00000001\r\n"
)), "forms::look-alike 4:15; forms::no-settings 1:1; - | -")]
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
