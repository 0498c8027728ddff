//! The duration parser: any text gives a duration within the documented bound or an error,
//! and a parsed duration's display parses back to the same value.

#![no_main]

use engine::SimDuration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(duration) = SimDuration::parse(text) {
        let shown = duration.to_string();
        assert_eq!(SimDuration::parse(&shown).ok(), Some(duration), "{text:?} shown as {shown:?}");
    }
});
