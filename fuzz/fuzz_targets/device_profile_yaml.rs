//! The device-profile loader (`unlocksim analyze lockout --device`).

#![no_main]

use engine::SourceFile;
use engine::recovery::load_device_profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = SourceFile::new("device.yaml", text);
    let _ = load_device_profile(&source);
});
