//! Any bytes as a PE image: a classification or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = mblint::resolve::pe::classify(data) {
        let _ = info.describe();
        let _ = info.bitness();
    }
});
