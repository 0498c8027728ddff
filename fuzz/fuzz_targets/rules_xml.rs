//! The trusted-signal rule XML parser, for both scenarios and for a rule file whose setting is
//! inferred: it must return diagnostics, never panic, on any UTF-8 text.

#![no_main]

use engine::SourceFile;
use engine::policy::{SignalScenario, parse_rule_file, parse_rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = SourceFile::new("rules.xml", text);
    for scenario in [SignalScenario::Authentication, SignalScenario::DynamicLock] {
        let (rules, diagnostics) = parse_rules(&source, scenario);
        // A rule set is only returned without errors.
        assert!(rules.is_none() || !diagnostics.iter().any(engine::Diagnostic::is_error));
    }
    let file = parse_rule_file(&source, None);
    assert!(file.rules.is_none() || !file.diagnostics.iter().any(engine::Diagnostic::is_error));
});
