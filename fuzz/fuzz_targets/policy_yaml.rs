//! The policy YAML loader. A `signal_rules_file` reads a fixed rule list, so the fuzzer explores
//! the YAML and the validation around it.

#![no_main]

use engine::SourceFile;
use engine::policy::load_policy;
use libfuzzer_sys::fuzz_target;

/// What every `signal_rules_file` named in the input reads.
const RULES_XML: &str = include_str!("../../engine/tests/fixtures/policy/seed_example_2.xml");

fuzz_target!(|text: &str| {
    let source = SourceFile::new("policy.yaml", text);
    let mut read_file = |_: &str| -> Result<String, String> { Ok(RULES_XML.to_owned()) };
    let (policy, diagnostics) = load_policy(&source, &mut read_file);
    assert!(policy.is_none() || !diagnostics.iter().any(engine::Diagnostic::is_error));
});
