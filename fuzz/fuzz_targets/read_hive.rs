//! Any bytes as a SYSTEM hive: the loader's facts or an error, never a panic, and quickly (the
//! reader's bounds, not the input, set the work).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let windir = mblint::winpath::parse(r"C:\WINDOWS").expect("a valid path");
    if let Ok((facts, _)) =
        mblint::resolve::loader_facts::from_hive(data, &windir, r"C:\WINDOWS\system32\config\SYSTEM")
    {
        let _ = facts.summary();
        let _ = facts.is_known("kernel32.dll", true);
    }
});
