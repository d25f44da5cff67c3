//! Any bytes through the fixer (unsafe fixes too): when it gives a result, bytes outside the
//! changes are the original's, a second run changes nothing, and the diff renders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mblint::fixer::{Request, fix_bytes};
use mblint::lint::Options;

fuzz_target!(|data: &[u8]| {
    let request = Request { unsafe_fixes: true };
    let Ok(fixed) = fix_bytes("fuzz.xml", data.to_vec(), &Options::default(), request) else {
        return; // a refused fix writes nothing: fine
    };
    if fixed.changes.is_empty() {
        assert_eq!(&*fixed.bytes(), data);
        return;
    }
    let bom = fixed.before.source.encoding.bom_len();
    if !fixed.before.source.encoding.is_utf16() {
        let first = fixed.changes.changes()[0].start;
        assert_eq!(&fixed.bytes()[..bom + first], &data[..bom + first]);
    }
    let _ = fixed.changes.unified_diff(&fixed.before.source, "fuzz.xml", 3);
    let again = fix_bytes("fuzz.xml", fixed.bytes().into_owned(), &Options::default(), request).expect("the fixed file fixes");
    assert!(again.changes.is_empty(), "a second run changed the file");
});
