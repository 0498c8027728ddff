//! The signal snapshot loader (`unlocksim policy eval --snapshot`).

#![no_main]

use engine::SourceFile;
use engine::snapshot::load_snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = SourceFile::new("snapshot.yaml", text);
    let (snapshot, diagnostics) = load_snapshot(&source);
    assert!(snapshot.is_none() || !diagnostics.iter().any(engine::Diagnostic::is_error));
});
