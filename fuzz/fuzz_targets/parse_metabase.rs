//! Any bytes through decoding, parsing, every rule and every report: no panic, no hang, and every
//! span a finding names lies inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mblint::lint::lint_bytes;
use mblint::report::{github, json, sarif, text};

fuzz_target!(|data: &[u8]| {
    let report = lint_bytes("fuzz.xml", data);
    for d in &report.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end as usize <= report.source.text.len());
        assert!(report.source.text.is_char_boundary(d.span.start as usize));
        assert!(report.source.text.is_char_boundary(d.span.end as usize));
    }
    let reports = [report];
    let _ = json::render(&reports);
    let _ = sarif::build(&reports, &[]);
    let mut annotations = Vec::new();
    github::write(&reports, &[], &mut annotations).expect("writing to memory does not fail");
    // Nothing from the input reaches a terminal as a control character.
    let shown = text::render(&reports, text::TextOptions::default());
    assert!(!shown.contains(['\u{1b}', '\u{7}']), "a raw control character in the text report");
});
