//! The trusted-signal rule XML parser, for both scenarios: it must return diagnostics, never
//! panic, on any UTF-8 text.

#![no_main]

use engine::SourceFile;
use engine::policy::{SignalScenario, parse_rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = SourceFile::new("rules.xml", text);
    for scenario in [SignalScenario::Authentication, SignalScenario::DynamicLock] {
        let (rules, diagnostics) = parse_rules(&source, scenario);
        // A rule set is only returned without errors.
        assert!(rules.is_none() || !diagnostics.iter().any(engine::Diagnostic::is_error));
    }
});
