//! The scenario YAML loader. Every file the scenario names (its policy, and the rule XML the
//! policy names) reads as a fixed policy text; that text names no further file.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// A policy with its rules inline, returned for any file the scenario names.
const POLICY_YAML: &str =
    include_str!("../../scenarios/policies/mfu_example2_ip_or_bluetooth.yaml");

fuzz_target!(|text: &str| {
    let mut read_file = |_: &str| -> Result<String, String> { Ok(POLICY_YAML.to_owned()) };
    let _ = scenarios::load_scenario("scenario.yaml", text, &mut read_file);
});
