//! The catalogue of malformed and hostile inputs of `unlocksim` (issue 7): every entry runs
//! through the binary and must fail cleanly, as `catalogue_harness` defines it. The sweep
//! files of `cargo xtask sweep` have their own list in `xtask/tests/catalogue.rs`.
//!
//! Large inputs (100 MB, thousands of elements, non-UTF-8 bytes) are generated into `$T`, never
//! committed. The 100 MB files are sparse: they cost no disk and prove the size check happens
//! before reading.

use std::path::Path;

use crate::catalogue_harness::{Entry, USAGE, entry, generated, huge, run_catalogue, write};
use crate::util::repo_root;

/// `policy check`: 1 for invalid rules or policies, 2 for unreadable files and usage errors.
const CHECK: &str = "policy check: 1 = invalid rules or policy, 2 = unreadable file";
/// `policy eval`: 1 for invalid rules, 2 for unreadable files and invalid snapshots.
const EVAL: &str = "policy eval: 1 = invalid rules, 2 = unreadable file or invalid snapshot";
/// `policy fmt`: 1 for invalid rules, 2 for unreadable files.
const FMT: &str = "policy fmt: 1 = invalid rules, 2 = unreadable file";
/// `policy audit`: 2 for unreadable or invalid input, nothing audited.
const AUDIT: &str = "policy audit: 2 = unreadable or invalid input, nothing audited";
/// `policy import`: 2 for any unreadable or invalid form, nothing written.
const IMPORT: &str = "policy import: 2 = unreadable or invalid form, nothing written";
/// `policy export`: 2 for an unreadable or invalid policy, nothing written.
const EXPORT: &str = "policy export: 2 = unreadable or invalid policy, nothing written";
/// `run`: 2 for any invalid or unreadable input, nothing run and nothing written.
const RUN: &str = "run: 2 = invalid input, nothing run or written";
/// `calibrate`: 2 for any unreadable or invalid log, nothing fitted or written.
const CALIBRATE: &str = "calibrate: 2 = unreadable or invalid log, nothing written";
/// `replay`: 2 for an unreadable or invalid log or policy, nothing replayed.
const REPLAY: &str = "replay: 2 = unreadable or invalid log or policy";
/// `analyze lockout`: 2 for unreadable or invalid input.
const ANALYZE: &str = "analyze lockout: 2 = unreadable or invalid input";

/// A valid policy and device for `analyze lockout` entries that break the other file.
const LOCKOUT_POLICY: &str = "tests/fixtures/lockout/policy-defaults-bluetooth.yaml";
const LOCKOUT_DEVICE: &str = "tests/fixtures/lockout/hybrid-desk.yaml";
/// Valid rules and snapshot for `policy eval` entries that break the other file.
const RULES: &str = "tests/fixtures/policy/seed_example_1.xml";
const SNAPSHOT: &str = "tests/fixtures/policy/office.snapshot.yaml";

fn huge_scenario(dir: &Path) {
    huge(dir, "huge.yaml", "name: huge\n");
}
fn huge_rules(dir: &Path) {
    huge(dir, "huge.xml", "<rule schemaVersion=\"1.0\">");
}
fn huge_snapshot(dir: &Path) {
    huge(dir, "huge.yaml", "bluetooth: []\n");
}
fn huge_device(dir: &Path) {
    huge(dir, "huge.yaml", "join: entra_joined\n");
}
fn huge_policy(dir: &Path) {
    huge(dir, "huge.yaml", "device_unlock:\n");
}

/// A valid scenario's text with one byte that is not UTF-8 on line 2.
fn non_utf8_scenario(dir: &Path) {
    write(dir, "latin1.yaml", b"name: caf\xe9\nseed: 1\n");
}
fn non_utf8_rules(dir: &Path) {
    write(dir, "latin1.xml", b"<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\">\n<dnsSuffix>caf\xe9</dnsSuffix></signal></rule>");
}
fn non_utf8_snapshot(dir: &Path) {
    write(dir, "latin1.yaml", b"primary_dns_suffix: caf\xe9\n");
}
fn non_utf8_device(dir: &Path) {
    write(dir, "latin1.yaml", b"\xff\xfej\x00o\x00i\x00n\x00");
}

/// One signal with 2,000 `dnsSuffix` elements, one a line (under the rule size limit).
fn thousands_of_elements(dir: &Path) {
    let elements = "<dnsSuffix>a</dnsSuffix>\n".repeat(2_000);
    write(
        dir,
        "elements.xml",
        format!("<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\">{elements}</signal></rule>"),
    );
}

/// 10,000 small rules: past both the rule count and the rule size limit.
fn thousands_of_rules(dir: &Path) {
    let rule = "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>a</dnsSuffix></signal></rule>";
    write(dir, "rules.xml", vec![rule; 10_000].join(","));
}

/// 300 rules (past the rule count limit, within the size limit).
fn too_many_rules(dir: &Path) {
    let rule = "<rule schemaVersion=\"1.0\"><signal type=\"ipConfig\"><dnsSuffix>a</dnsSuffix></signal></rule>";
    write(dir, "rules.xml", vec![rule; 300].join(","));
}

/// The start of every generated scenario: one PC, phone and user.
const SCENARIO_HEAD: &str = "name: generated\nseed: 1\nruns: 1\nduration: 10m\n";
const SCENARIO_WORLD: &str = "world:\n  pcs:\n    desk: {position: [0, 0], paired_phones: [p]}\n  phones:\n    p: {carried_by: ana, carry: hand}\n  users:\n    ana: {position: [0.6, 0]}\n";

/// 1,001 PCs: one past the scenario's entity limit.
fn absurd_device_count(dir: &Path) {
    let mut text = format!("{SCENARIO_HEAD}world:\n  pcs:\n");
    for i in 0..1_001 {
        text.push_str(&format!("    pc{i}: {{position: [0, 0]}}\n"));
    }
    text.push_str("  phones: {}\n  users:\n    ana: {position: [0.6, 0]}\n");
    write(dir, "pcs.yaml", text);
}

/// 10,001 timeline entries: one past the limit.
fn absurd_timeline(dir: &Path) {
    let mut text = format!("{SCENARIO_HEAD}{SCENARIO_WORLD}timeline:\n");
    for i in 0..10_001 {
        text.push_str(&format!("  - {{at: {i}ms, idle: {{user: ana}}}}\n"));
    }
    write(dir, "timeline.yaml", text);
}

/// 1,001 expectations: one past the limit.
fn absurd_expectations(dir: &Path) {
    let mut text = format!("{SCENARIO_HEAD}{SCENARIO_WORLD}expect:\n");
    for _ in 0..1_001 {
        text.push_str("  - never_locked: {pc: desk, from: 0s}\n");
    }
    write(dir, "expect.yaml", text);
}

/// A scenario nested 100 mappings deep under `world`.
fn deep_scenario(dir: &Path) {
    let mut text = format!("{SCENARIO_HEAD}world:\n");
    for depth in 1..=100 {
        text.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
    }
    write(dir, "deep.yaml", text);
}

/// A snapshot with 200,000 adapters (600,000 events, past the YAML event budget, within the
/// size limit).
fn many_yaml_events(dir: &Path) {
    let mut text = String::from("adapters:\n");
    for _ in 0..200_000 {
        text.push_str("- {}\n");
    }
    write(dir, "events.yaml", text);
}

const POLICY_KEY: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\PassportForWork";

/// A `.reg` file in Latin-1 (no BOM, not UTF-8) on line 4.
fn reg_latin1(dir: &Path) {
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{POLICY_KEY}\\DynamicLock]\r\n\"Plugins\"=\"caf\u{e9}\""
    );
    let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
    write(dir, "latin1.reg", bytes);
}
/// A UTF-16LE `.reg` file cut in the middle of a character (an odd byte count).
fn reg_utf16_odd(dir: &Path) {
    let text =
        format!("Windows Registry Editor Version 5.00\r\n\r\n[{POLICY_KEY}\\DynamicLock]\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.push(b'"');
    write(dir, "odd.reg", bytes);
}
/// A UTF-16LE `.reg` file with an unpaired surrogate on line 3.
fn reg_lone_surrogate(dir: &Path) {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("REGEDIT4\r\n\r\n[".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend([0x00, 0xD8]);
    write(dir, "surrogate.reg", bytes);
}
/// A Plugins value of 100 KB: past the value bound, within the file bound.
fn reg_huge_value(dir: &Path) {
    let value = "a".repeat(100_000);
    let text = format!(
        "REGEDIT4\r\n\r\n[{POLICY_KEY}\\DynamicLock]\r\n\"DynamicLock\"=dword:00000001\r\n\"Plugins\"=\"{value}\"\r\n"
    );
    write(dir, "huge_value.reg", text);
}
fn huge_reg(dir: &Path) {
    huge(dir, "huge.reg", "Windows Registry Editor Version 5.00\r\n");
}
/// 2,000 `reg add` lines: past the number of values read from one file.
fn script_too_many_values(dir: &Path) {
    let line = "reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\DynamicLock\" /v DynamicLock /t REG_DWORD /d 1 /f\r\n";
    write(dir, "many.cmd", line.repeat(2_000));
}
/// A JSON array nested 10,000 deep.
fn json_deep_nesting(dir: &Path) {
    write(dir, "deep.json", "[".repeat(10_000));
}

fn huge_log(dir: &Path) {
    huge(dir, "huge.csv", "time_s,rssi_db,distance_m\n");
}
/// 200,001 readings (3 bytes each, under the file bound): one past the readings bound.
fn too_many_readings(dir: &Path) {
    write(dir, "many.csv", format!("time_s,rssi_db\n{}", "0,\n".repeat(200_001)));
}
/// A place name of 65 characters on line 2.
fn long_place(dir: &Path) {
    write(dir, "place.csv", format!("time_s,rssi_db,place\n0,-5,{}\n", "p".repeat(65)));
}
/// A CSV in Latin-1 (not UTF-8) on line 2.
fn non_utf8_log(dir: &Path) {
    write(dir, "latin1.csv", b"time_s,rssi_db,place\n0,-5,caf\xe9\n");
}

/// The catalogue. Paths under `$C` are committed files; `$T` ones are generated by the setup.
#[rustfmt::skip]
const CATALOGUE: &[Entry] = &[
    // Rule XML (`policy check`, `eval`, `fmt`).
    entry("rules_truncated", &["policy", "check", "$C/rules/truncated.xml"], 1, CHECK, true),
    entry("rules_rssi_wrong_type", &["policy", "check", "$C/rules/rssi_wrong_type.xml"], 1, CHECK, true),
    entry("rules_rssi_out_of_range", &["policy", "check", "$C/rules/rssi_out_of_range.xml"], 1, CHECK, true),
    entry("rules_rssi_nan_inf", &["policy", "check", "$C/rules/rssi_nan_inf.xml"], 1, CHECK, true),
    entry("rules_duplicate_attribute", &["policy", "check", "$C/rules/duplicate_attribute.xml"], 1, CHECK, true),
    entry("rules_unknown_attribute", &["policy", "check", "$C/rules/unknown_attribute.xml"], 1, CHECK, true),
    entry("rules_billion_laughs", &["policy", "check", "$C/rules/billion_laughs.xml"], 1, CHECK, true),
    entry("rules_external_entity", &["policy", "eval", "$C/rules/external_entity.xml", "--snapshot", SNAPSHOT], 1, EVAL, true),
    entry("rules_undefined_entity", &["policy", "check", "$C/rules/undefined_entity.xml"], 1, CHECK, true),
    entry("rules_nul_char_reference", &["policy", "check", "$C/rules/nul_char_reference.xml"], 1, CHECK, true),
    entry("rules_cdata", &["policy", "check", "$C/rules/cdata.xml"], 1, CHECK, true),
    entry("rules_prefix_out_of_range", &["policy", "check", "$C/rules/prefix_out_of_range.xml"], 1, CHECK, true),
    entry("rules_sig_quality_negative", &["policy", "check", "$C/rules/sig_quality_negative.xml"], 1, CHECK, true),
    entry("rules_empty_rule", &["policy", "check", "$C/rules/empty_rule.xml"], 1, CHECK, true),
    entry("rules_unclosed_second_rule", &["policy", "fmt", "$C/rules/unclosed_second_rule.xml"], 1, FMT, true),
    entry("rules_trailing_garbage", &["policy", "check", "$C/rules/trailing_garbage.xml"], 1, CHECK, true),
    entry("rules_empty_file", &["policy", "check", "$C/rules/empty.xml"], 1, CHECK, true),
    entry("rules_unterminated_tag", &["policy", "check", "$C/rules/unterminated_tag.xml"], 1, CHECK, true),
    entry("rules_mismatched_end_tag", &["policy", "check", "$C/rules/mismatched_end_tag.xml"], 1, CHECK, true),
    entry("rules_namespace_attribute", &["policy", "check", "$C/rules/namespace_attribute.xml"], 1, CHECK, true),
    entry("rules_deep_nesting", &["policy", "check", "$C/rules/deep_nesting.xml"], 1, CHECK, true),
    entry("rules_mixed_scenarios", &["policy", "check", "$C/rules/mixed_scenarios.xml"], 1, CHECK, true),
    entry("rules_dynamic_lock_wifi", &["policy", "eval", "$C/rules/dynamic_lock_wifi.xml", "--snapshot", SNAPSHOT], 1, EVAL, true),
    generated("rules_thousands_of_elements", &["policy", "check", "$T/elements.xml"], 1, CHECK, true, thousands_of_elements),
    generated("rules_thousands_of_rules", &["policy", "check", "$T/rules.xml"], 1, CHECK, true, thousands_of_rules),
    generated("rules_too_many_rules", &["policy", "check", "$T/rules.xml"], 1, CHECK, true, too_many_rules),
    generated("rules_100_mb", &["policy", "check", "$T/huge.xml"], 2, CHECK, false, huge_rules),
    generated("rules_non_utf8", &["policy", "fmt", "$T/latin1.xml"], 2, FMT, true, non_utf8_rules),
    entry("rules_is_a_directory", &["policy", "check", "$C/rules"], 2, CHECK, false),
    entry("rules_missing_file", &["policy", "check", "$C/rules/does-not-exist.xml"], 2, CHECK, false),
    // Policy YAML (`policy check`).
    entry("policy_truncated", &["policy", "check", "$C/policy/truncated.yaml"], 1, CHECK, true),
    entry("policy_wrong_type", &["policy", "check", "$C/policy/wrong_type.yaml"], 1, CHECK, true),
    entry("policy_bool_wrong_type", &["policy", "check", "$C/policy/bool_wrong_type.yaml"], 1, CHECK, true),
    entry("policy_dangling_rules_file", &["policy", "check", "$C/policy/dangling_rules_file.yaml"], 1, CHECK, true),
    entry("policy_rules_file_is_a_device", &["policy", "check", "$C/policy/rules_file_device.yaml"], 1, CHECK, true),
    entry("policy_duplicate_key", &["policy", "check", "$C/policy/duplicate_key.yaml"], 1, CHECK, true),
    entry("policy_unknown_key", &["policy", "check", "$C/policy/unknown_key.yaml"], 1, CHECK, true),
    entry("policy_too_many_providers", &["policy", "check", "$C/policy/too_many_providers.yaml"], 1, CHECK, true),
    entry("policy_billion_laughs", &["policy", "check", "$C/policy/billion_laughs.yaml"], 1, CHECK, true),
    entry("policy_deep_flow_nesting", &["policy", "check", "$C/policy/deep_flow_nesting.yaml"], 1, CHECK, true),
    entry("policy_deep_block_nesting", &["policy", "check", "$C/policy/deep_block_nesting.yaml"], 1, CHECK, true),
    entry("policy_embedded_rules_error", &["policy", "check", "$C/policy/embedded_rules_error.yaml"], 1, CHECK, true),
    entry("policy_not_a_mapping", &["policy", "check", "$C/policy/not_a_mapping.yaml"], 1, CHECK, true),
    entry("policy_binary_tag", &["policy", "check", "$C/policy/binary_tag.yaml"], 1, CHECK, true),
    generated("policy_100_mb", &["policy", "check", "$T/huge.yaml"], 2, CHECK, false, huge_policy),
    // `policy audit` (issue 13): invalid input is 2, not 1: nothing was audited.
    entry("audit_rules_truncated", &["policy", "audit", "$C/rules/truncated.xml"], 2, AUDIT, true),
    entry("audit_policy_embedded_rules_error", &["policy", "audit", "--json", "$C/policy/embedded_rules_error.yaml"], 2, AUDIT, true),
    entry("audit_policy_billion_laughs", &["policy", "audit", "$C/policy/billion_laughs.yaml"], 2, AUDIT, true),
    generated("audit_100_mb", &["policy", "audit", "$T/huge.xml"], 2, AUDIT, false, huge_rules),
    // Administrators' forms (`policy import`, `policy check`, `policy export`).
    entry("forms_reg_truncated", &["policy", "import", "$C/forms/truncated.reg", "--out", "$T/policy.yaml"], 2, IMPORT, true),
    entry("forms_reg_unknown_keys", &["policy", "import", "$C/forms/unknown_keys.reg", "--out", "$T/policy.yaml"], 2, IMPORT, true),
    entry("forms_reg_mixed_settings", &["policy", "import", "$C/forms/mixed_settings.reg", "--out", "$T/policy.yaml"], 2, IMPORT, true),
    entry("forms_reg_placeholder", &["policy", "check", "$C/forms/placeholder.reg"], 1, CHECK, true),
    entry("forms_json_truncated", &["policy", "import", "$C/forms/truncated.json", "--out", "$T/policy.yaml"], 2, IMPORT, true),
    entry("forms_script_wrong_type", &["policy", "import", "$C/forms/wrong_type.cmd"], 2, IMPORT, true),
    entry("forms_sls_malformed", &["policy", "import", "$C/forms/malformed.sls", "--out", "$T/policy.yaml"], 2, IMPORT, true),
    entry("forms_sls_placeholder", &["policy", "check", "$C/forms/placeholder.sls"], 1, CHECK, true),
    entry("forms_export_invalid_policy", &["policy", "export", "$C/policy/unknown_key.yaml", "--format", "gpo", "--out", "$T/policy.reg"], 2, EXPORT, true),
    generated("forms_reg_not_utf8", &["policy", "import", "$T/latin1.reg", "--out", "$T/policy.yaml"], 2, IMPORT, true, reg_latin1),
    generated("forms_reg_utf16_truncated", &["policy", "check", "$T/odd.reg"], 2, CHECK, true, reg_utf16_odd),
    generated("forms_reg_utf16_lone_surrogate", &["policy", "import", "$T/surrogate.reg"], 2, IMPORT, true, reg_lone_surrogate),
    generated("forms_reg_huge_value", &["policy", "import", "$T/huge_value.reg", "--out", "$T/policy.yaml"], 2, IMPORT, true, reg_huge_value),
    generated("forms_reg_100_mb", &["policy", "import", "$T/huge.reg", "--out", "$T/policy.yaml"], 2, IMPORT, false, huge_reg),
    generated("forms_script_too_many_values", &["policy", "import", "$T/many.cmd"], 2, IMPORT, true, script_too_many_values),
    generated("forms_json_deep_nesting", &["policy", "import", "$T/deep.json"], 2, IMPORT, true, json_deep_nesting),
    // Snapshot YAML (`policy eval --snapshot`).
    entry("snapshot_rssi_nan", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/rssi_nan.yaml"], 2, EVAL, true),
    entry("snapshot_rssi_inf", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/rssi_inf.yaml"], 2, EVAL, true),
    entry("snapshot_rssi_out_of_range", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/rssi_out_of_range.yaml"], 2, EVAL, true),
    entry("snapshot_class_negative", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/class_negative.yaml"], 2, EVAL, true),
    entry("snapshot_signal_quality_out_of_range", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/signal_quality_out_of_range.yaml"], 2, EVAL, true),
    entry("snapshot_bad_ip", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/bad_ip.yaml"], 2, EVAL, true),
    entry("snapshot_unknown_key", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/unknown_key.yaml"], 2, EVAL, true),
    entry("snapshot_duplicate_key", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/duplicate_key.yaml"], 2, EVAL, true),
    entry("snapshot_truncated", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/truncated.yaml"], 2, EVAL, true),
    entry("snapshot_wrong_type", &["policy", "eval", RULES, "--snapshot", "$C/snapshot/wrong_type.yaml"], 2, EVAL, true),
    generated("snapshot_100_mb", &["policy", "eval", RULES, "--snapshot", "$T/huge.yaml"], 2, EVAL, false, huge_snapshot),
    generated("snapshot_non_utf8", &["policy", "eval", RULES, "--snapshot", "$T/latin1.yaml"], 2, EVAL, true, non_utf8_snapshot),
    generated("snapshot_yaml_event_budget", &["policy", "eval", RULES, "--snapshot", "$T/events.yaml"], 2, EVAL, true, many_yaml_events),
    // Scenario YAML (`run`), each also asked to write every output file into `$T`.
    entry("scenario_negative_duration", &["run", "$C/scenario/negative_duration.yaml", "--junit", "$T/junit.xml", "--trace-dir", "$T/traces", "--report", "$T/report"], 2, RUN, true),
    entry("scenario_duration_absurd", &["run", "$C/scenario/duration_absurd.yaml", "--junit", "$T/junit.xml"], 2, RUN, true),
    entry("scenario_duration_nan", &["run", "$C/scenario/duration_nan.yaml", "--trace-dir", "$T/traces"], 2, RUN, true),
    entry("scenario_duration_overflow", &["run", "$C/scenario/duration_overflow.yaml", "--report", "$T/report"], 2, RUN, true),
    entry("scenario_runs_zero", &["run", "$C/scenario/runs_zero.yaml", "--junit", "$T/junit.xml"], 2, RUN, true),
    entry("scenario_runs_absurd", &["run", "$C/scenario/runs_absurd.yaml"], 2, RUN, true),
    entry("scenario_runs_wrong_type", &["run", "$C/scenario/runs_wrong_type.yaml"], 2, RUN, true),
    entry("scenario_seed_negative", &["run", "$C/scenario/seed_negative.yaml"], 2, RUN, true),
    entry("scenario_unknown_key", &["run", "$C/scenario/unknown_key.yaml", "--junit", "$T/junit.xml"], 2, RUN, true),
    entry("scenario_duplicate_key", &["run", "$C/scenario/duplicate_key.yaml"], 2, RUN, true),
    entry("scenario_dangling_place", &["run", "$C/scenario/dangling_place.yaml", "--trace-dir", "$T/traces"], 2, RUN, true),
    entry("scenario_dangling_user", &["run", "$C/scenario/dangling_user.yaml"], 2, RUN, true),
    entry("scenario_dangling_phone", &["run", "$C/scenario/dangling_phone.yaml"], 2, RUN, true),
    entry("scenario_dangling_policy_file", &["run", "$C/scenario/dangling_policy_file.yaml", "--report", "$T/report"], 2, RUN, true),
    entry("scenario_policy_file_is_a_directory", &["run", "$C/scenario/policy_file_is_directory.yaml"], 2, RUN, true),
    entry("scenario_policy_file_is_invalid", &["run", "$C/scenario/policy_file_is_invalid.yaml"], 2, RUN, true),
    entry("scenario_speed_nan", &["run", "$C/scenario/speed_nan.yaml"], 2, RUN, true),
    entry("scenario_speed_infinite", &["run", "$C/scenario/speed_infinite.yaml"], 2, RUN, true),
    entry("scenario_speed_negative", &["run", "$C/scenario/speed_negative.yaml"], 2, RUN, true),
    entry("scenario_position_nan", &["run", "$C/scenario/position_nan.yaml"], 2, RUN, true),
    entry("scenario_position_far_away", &["run", "$C/scenario/position_far_away.yaml"], 2, RUN, true),
    entry("scenario_wall_loss_nan", &["run", "$C/scenario/wall_loss_nan.yaml", "--junit", "$T/junit.xml"], 2, RUN, true),
    entry("scenario_timeline_two_actions", &["run", "$C/scenario/timeline_two_actions.yaml"], 2, RUN, true),
    entry("scenario_timeline_negative_time", &["run", "$C/scenario/timeline_negative_time.yaml"], 2, RUN, true),
    entry("scenario_expectation_share_out_of_range", &["run", "$C/scenario/expectation_share_out_of_range.yaml"], 2, RUN, true),
    entry("scenario_false_locks_nan", &["run", "$C/scenario/false_locks_nan.yaml"], 2, RUN, true),
    entry("scenario_truncated", &["run", "$C/scenario/truncated.yaml"], 2, RUN, true),
    entry("scenario_tab_indentation", &["run", "$C/scenario/tab_indentation.yaml"], 2, RUN, true),
    entry("scenario_calibration_zero_poll", &["run", "$C/scenario/calibration_zero_poll.yaml"], 2, RUN, true),
    entry("scenario_unknown_carry", &["run", "$C/scenario/unknown_carry.yaml"], 2, RUN, true),
    entry("scenario_pick_up_dangling", &["run", "$C/scenario/pick_up_dangling.yaml"], 2, RUN, true),
    entry("scenario_pick_up_carried_pc", &["run", "$C/scenario/pick_up_carried_pc.yaml"], 2, RUN, true),
    entry("scenario_custom_carry_loss_out_of_range", &["run", "$C/scenario/custom_carry_loss_out_of_range.yaml"], 2, RUN, true),
    entry("scenario_custom_carry_unknown_side", &["run", "$C/scenario/custom_carry_unknown_side.yaml"], 2, RUN, true),
    entry("scenario_custom_carry_action_negative", &["run", "$C/scenario/custom_carry_action_negative.yaml"], 2, RUN, true),
    entry("scenario_billion_laughs", &["run", "$C/scenario/billion_laughs.yaml", "--junit", "$T/junit.xml"], 2, RUN, true),
    generated("scenario_100_mb", &["run", "$T/huge.yaml", "--junit", "$T/junit.xml", "--trace-dir", "$T/traces", "--report", "$T/report"], 2, RUN, false, huge_scenario),
    generated("scenario_non_utf8", &["run", "$T/latin1.yaml", "--junit", "$T/junit.xml"], 2, RUN, true, non_utf8_scenario),
    generated("scenario_absurd_device_count", &["run", "$T/pcs.yaml", "--junit", "$T/junit.xml"], 2, RUN, true, absurd_device_count),
    generated("scenario_absurd_timeline", &["run", "$T/timeline.yaml"], 2, RUN, true, absurd_timeline),
    generated("scenario_absurd_expectations", &["run", "$T/expect.yaml"], 2, RUN, true, absurd_expectations),
    generated("scenario_deep_nesting", &["run", "$T/deep.yaml", "--trace-dir", "$T/traces"], 2, RUN, true, deep_scenario),
    entry("scenario_one_bad_among_good", &["run", "scenarios/suite/walk_away_trouser_pocket.yaml", "$C/scenario/unknown_key.yaml", "--junit", "$T/junit.xml", "--trace-dir", "$T/traces", "--report", "$T/report"], 2, RUN, true),
    // Device profiles (`analyze lockout --device`) and lock-out policies.
    entry("device_unknown_join", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/unknown_join.yaml"], 2, ANALYZE, true),
    entry("device_unknown_key", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/unknown_key.yaml"], 2, ANALYZE, true),
    entry("device_wrong_type", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/wrong_type.yaml"], 2, ANALYZE, true),
    entry("device_dangling_phone", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/dangling_phone.yaml"], 2, ANALYZE, true),
    entry("device_duplicate_key", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/duplicate_key.yaml"], 2, ANALYZE, true),
    entry("device_truncated", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/truncated.yaml"], 2, ANALYZE, true),
    entry("device_many_phones", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/many_phones.yaml"], 2, ANALYZE, true),
    entry("device_long_name", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$C/device/long_name.yaml"], 2, ANALYZE, true),
    entry("device_policy_billion_laughs", &["analyze", "lockout", "$C/policy/billion_laughs.yaml", "--device", LOCKOUT_DEVICE], 2, ANALYZE, true),
    generated("device_100_mb", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$T/huge.yaml"], 2, ANALYZE, false, huge_device),
    generated("device_non_utf8", &["analyze", "lockout", LOCKOUT_POLICY, "--device", "$T/latin1.yaml"], 2, ANALYZE, true, non_utf8_device),
    // RSSI logs (`calibrate`).
    entry("calibrate_csv_bad_number", &["calibrate", "$C/calibrate/bad_row.csv", "--out", "$T/env.yaml"], 2, CALIBRATE, true),
    entry("calibrate_csv_mixed_kinds", &["calibrate", "$C/calibrate/mixed_kinds.csv", "--out", "$T/env.yaml"], 2, CALIBRATE, true),
    entry("calibrate_nan_distance", &["calibrate", "$C/calibrate/nan_distance.csv"], 2, CALIBRATE, true),
    entry("calibrate_time_backwards", &["calibrate", "$C/calibrate/time_backwards.csv", "--json"], 2, CALIBRATE, true),
    entry("calibrate_all_censored", &["calibrate", "$C/calibrate/all_censored.csv", "--out", "$T/env.yaml"], 2, CALIBRATE, false),
    entry("calibrate_hcitool_out_of_range", &["calibrate", "$C/calibrate/hcitool_out_of_range.txt@5"], 2, CALIBRATE, true),
    entry("calibrate_hcitool_no_timestamps", &["calibrate", "$C/calibrate/hcitool_no_timestamps.txt@5"], 2, CALIBRATE, true),
    entry("calibrate_btmon_ambiguous_device", &["calibrate", "$C/calibrate/btmon_two_devices.txt@1"], 2, CALIBRATE, false),
    entry("calibrate_bluetoothctl_ambiguous_device", &["calibrate", "$C/calibrate/bluetoothctl_two_devices.txt@1"], 2, CALIBRATE, false),
    entry("calibrate_bluetoothctl_hex_disagrees", &["calibrate", "$C/calibrate/bluetoothctl_hex_disagrees.txt@1"], 2, CALIBRATE, true),
    entry("calibrate_bleak_bad_value", &["calibrate", "$C/calibrate/bleak_bad_value.log@1", "--out", "$T/env.yaml"], 2, CALIBRATE, true),
    entry("calibrate_bleak_all_missed", &["calibrate", "$C/calibrate/bleak_all_missed.log@1", "--json"], 2, CALIBRATE, false),
    entry("calibrate_bleak_no_timestamp", &["calibrate", "$C/calibrate/bleak_no_timestamp.log@1"], 2, CALIBRATE, true),
    entry("calibrate_unknown_format", &["calibrate", "$C/calibrate/unknown_format.jsonl@1"], 2, CALIBRATE, true),
    entry("calibrate_logs_of_two_quantities", &["calibrate", "examples/calibrate/capture.csv", "$C/calibrate/btmon_two_devices.txt@1", "--device", "40:11:22:33:44:55", "--out", "$T/env.yaml"], 2, CALIBRATE, false),
    entry("calibrate_missing_file", &["calibrate", "$C/calibrate/does-not-exist.csv"], 2, CALIBRATE, false),
    entry("calibrate_is_a_directory", &["calibrate", "$C/calibrate"], 2, CALIBRATE, false),
    entry("calibrate_out_unwritable", &["calibrate", "examples/calibrate/capture.csv", "--out", "/dev/null/env.yaml"], 2, CALIBRATE, false),
    generated("calibrate_100_mb", &["calibrate", "$T/huge.csv", "--out", "$T/env.yaml"], 2, CALIBRATE, false, huge_log),
    generated("calibrate_too_many_readings", &["calibrate", "$T/many.csv@1"], 2, CALIBRATE, true, too_many_readings),
    generated("calibrate_long_place", &["calibrate", "$T/place.csv@1"], 2, CALIBRATE, true, long_place),
    generated("calibrate_non_utf8", &["calibrate", "$T/latin1.csv@1"], 2, CALIBRATE, true, non_utf8_log),
    // Recorded days (`replay`).
    entry("replay_bad_row", &["replay", "$C/calibrate/bad_row.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml"], 2, REPLAY, true),
    entry("replay_dbm_log", &["replay", "$C/calibrate/btmon_two_devices.txt", "--device", "40:11:22:33:44:55", "--policy", "scenarios/policies/dynamic_lock_default.yaml"], 2, REPLAY, false),
    entry("replay_policy_without_dynamic_lock", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/mfu_example1_ipconfig.yaml"], 2, REPLAY, false),
    entry("replay_policy_billion_laughs", &["replay", "examples/calibrate/day.csv", "--policy", "$C/policy/billion_laughs.yaml"], 2, REPLAY, true),
    entry("replay_activity_nan", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--activity", "$C/replay/activity_nan.csv"], 2, REPLAY, true),
    entry("replay_activity_overlap", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--activity", "$C/replay/activity_overlap.csv"], 2, REPLAY, true),
    entry("replay_activity_unknown", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--activity", "$C/replay/activity_unknown.csv", "--report", "$T/report"], 2, REPLAY, true),
    entry("replay_grid_too_large", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--grid", "rssiMin=-128..127:1", "--grid", "rssiMaxDelta=-128..127:1", "--interpretations", "all", "--report", "$T/report"], 2, REPLAY, false),
    // Command-line arguments.
    entry("args_runs_zero", &["run", "--runs", "0"], 2, USAGE, false),
    entry("args_runs_absurd", &["run", "--runs", "100001"], 2, USAGE, false),
    entry("args_seed_negative", &["run", "--seed", "-1"], 2, USAGE, false),
    entry("args_seed_overflow", &["run", "--seed", "18446744073709551616"], 2, USAGE, false),
    entry("args_run_missing_path", &["run", "$C/scenario/does-not-exist.yaml", "--junit", "$T/junit.xml"], 2, RUN, false),
    entry("args_run_trace_dir_unwritable", &["run", "scenarios/suite/walk_away_slow_hand.yaml", "--trace-dir", "/dev/null/traces", "--junit", "$T/junit.xml"], 2, RUN, false),
    entry("args_run_empty_folder", &["run", "$C/rules"], 2, RUN, false),
    entry("args_check_determinism_with_json", &["run", "--check-determinism", "--json"], 2, USAGE, false),
    entry("args_eval_without_snapshot", &["policy", "eval", RULES], 2, USAGE, false),
    entry("args_check_without_files", &["policy", "check"], 2, USAGE, false),
    entry("args_radio_distances_nan", &["radio", "--distances", "NaN..1:1"], 2, USAGE, false),
    entry("args_radio_distances_absurd", &["radio", "--distances", "0..1000000:0.001"], 2, USAGE, false),
    entry("args_radio_rssi_out_of_range", &["radio", "--rssi-min", "99999"], 2, USAGE, false),
    entry("args_radio_unknown_environment", &["radio", "--environment", "moon"], 2, USAGE, false),
    entry("args_calibrate_distance_nan", &["calibrate", "examples/calibrate/capture.csv@NaN"], 2, USAGE, false),
    entry("args_calibrate_unknown_carry", &["calibrate", "examples/calibrate/capture.csv", "--carry", "sock"], 2, USAGE, false),
    entry("args_calibrate_without_logs", &["calibrate"], 2, USAGE, false),
    entry("args_replay_set_unknown", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--set", "rssiMax=-3"], 2, USAGE, false),
    entry("args_replay_grid_nan", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--grid", "rssiMin=NaN..-5:1"], 2, USAGE, false),
    entry("args_replay_grid_twice", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--grid", "rssiMin=-20,-10", "--grid", "dynamic_lock_rssi_min=-5"], 2, USAGE, false),
    entry("args_replay_grid_not_replayable", &["replay", "examples/calibrate/day.csv", "--policy", "scenarios/policies/dynamic_lock_default.yaml", "--grid", "carry=hand,back_pocket"], 2, USAGE, false),
    entry("args_replay_without_policy", &["replay", "examples/calibrate/day.csv"], 2, USAGE, false),
    entry("args_analyze_missing_device", &["analyze", "lockout", LOCKOUT_POLICY], 2, USAGE, false),
];

#[test]
fn every_hostile_input_fails_cleanly_with_its_documented_diagnostic() {
    assert!(CATALOGUE.len() >= 60, "the catalogue has {} entries", CATALOGUE.len());
    let binary = Path::new(env!("CARGO_BIN_EXE_unlocksim"));
    for (name, snapshot) in run_catalogue(binary, &repo_root(), CATALOGUE, "unlocksim") {
        insta::assert_snapshot!(name, snapshot);
    }
}
