//! File names compared as NTFS compares them: each UTF-16 code unit is upper-cased through the
//! volume's `$UpCase` table, one code unit to one code unit, and the results compared exactly.
//! There is no Unicode case folding, no normalisation and no special casing: `ß` is not `SS`,
//! the Kelvin sign `K` (U+212A) is not `K`, and a character outside the BMP (a surrogate pair)
//! is never changed.
//!
//! The table is the default `$UpCase` that Windows NT 4.0 to Windows XP and Server 2003 write
//! when they format an NTFS volume (NTFS 3.x, Unicode 2/3-era case pairs). Its content is
//! public through the NTFS implementations that must reproduce it byte for byte to format a
//! volume Windows accepts: Linux `fs/ntfs/upcase.c` (`generate_default_upcase`) and ntfs-3g's
//! `ntfs_upcase_table_build` ("the table as defined by Windows XP"), the same run, pair and
//! single-entry ranges encoded below. Windows Vista and later format with a larger table
//! (Unicode 5 pairs such as `ɐ`, `ƀ` or U+0450), but a Server 2003 system drive carries this one.
//!
//! Where it differs from the simple uppercase mapping of today's Unicode (what
//! `char::to_uppercase` gives when it yields one char), notably:
//! - `ı` (U+0131, dotless i) and `ſ` (U+017F, long s) are unchanged: they do not match `I`/`i`
//!   or `S`/`s` on NTFS, though Unicode upper-cases them to ASCII;
//! - `µ` (U+00B5) is unchanged (Unicode: `Μ`, Greek capital mu);
//! - nothing maps to or from `ẞ` (U+1E9E) or the Kelvin sign: `ẞ` is not `ß` and `K` is not `k`;
//! - characters added to Unicode after 3.0 (Latin Extended-C/D, Georgian Mtavruli, Cherokee
//!   small letters, Glagolitic, ...) have no case partner.

use std::sync::OnceLock;

/// `(first, end)`: every code unit in `first..end` has `delta` added.
const RUNS: &[(u16, u16, i32)] = &[
    (0x0061, 0x007B, -32),
    (0x00E0, 0x00F7, -32),
    (0x00F8, 0x00FF, -32),
    (0x0256, 0x0258, -205),
    (0x028A, 0x028C, -217),
    (0x03AC, 0x03AD, -38),
    (0x03AD, 0x03B0, -37),
    (0x03B1, 0x03C2, -32),
    (0x03C2, 0x03C3, -31),
    (0x03C3, 0x03CC, -32),
    (0x03CC, 0x03CD, -64),
    (0x03CD, 0x03CF, -63),
    (0x0430, 0x0450, -32),
    (0x0451, 0x045D, -80),
    (0x045E, 0x0460, -80),
    (0x0561, 0x0587, -48),
    (0x1F00, 0x1F08, 8),
    (0x1F10, 0x1F16, 8),
    (0x1F20, 0x1F28, 8),
    (0x1F30, 0x1F38, 8),
    (0x1F40, 0x1F46, 8),
    (0x1F51, 0x1F52, 8),
    (0x1F53, 0x1F54, 8),
    (0x1F55, 0x1F56, 8),
    (0x1F57, 0x1F58, 8),
    (0x1F60, 0x1F68, 8),
    (0x1F70, 0x1F72, 74),
    (0x1F72, 0x1F76, 86),
    (0x1F76, 0x1F78, 100),
    (0x1F78, 0x1F7A, 128),
    (0x1F7A, 0x1F7C, 112),
    (0x1F7C, 0x1F7E, 126),
    (0x1FB0, 0x1FB2, 8),
    (0x1FD0, 0x1FD2, 8),
    (0x1FE0, 0x1FE2, 8),
    (0x1FE5, 0x1FE6, 7),
    (0x2170, 0x2180, -16),
    (0x24D0, 0x24EA, -26),
    (0xFF41, 0xFF5B, -32),
];

/// `(first, end)`: alternating capital/small pairs. For each even offset `i` from `first`
/// below `end`, the code unit `i + 1` upper-cases to `i`.
const PAIRS: &[(u16, u16)] = &[
    (0x0100, 0x012F),
    (0x0132, 0x0137),
    (0x0139, 0x0149),
    (0x014A, 0x0178),
    (0x0179, 0x017E),
    (0x01A0, 0x01A6),
    (0x01B3, 0x01B7),
    (0x01CD, 0x01DD),
    (0x01DE, 0x01EF),
    (0x01F4, 0x01F5),
    (0x01FA, 0x0218),
    (0x03E2, 0x03EF),
    (0x0460, 0x0481),
    (0x0490, 0x04BF),
    (0x04C1, 0x04C4),
    (0x04C7, 0x04C8),
    (0x04CB, 0x04CC),
    (0x04D0, 0x04EB),
    (0x04EE, 0x04F5),
    (0x04F8, 0x04F9),
    (0x1E00, 0x1E95),
    (0x1EA0, 0x1EF9),
];

/// Single code units and their capitals (applied last).
const SINGLES: &[(u16, u16)] = &[
    (0x00FF, 0x0178),
    (0x0183, 0x0182),
    (0x0185, 0x0184),
    (0x0188, 0x0187),
    (0x018C, 0x018B),
    (0x0192, 0x0191),
    (0x0199, 0x0198),
    (0x01A8, 0x01A7),
    (0x01AD, 0x01AC),
    (0x01B0, 0x01AF),
    (0x01B9, 0x01B8),
    (0x01BD, 0x01BC),
    (0x01C6, 0x01C4),
    (0x01C9, 0x01C7),
    (0x01CC, 0x01CA),
    (0x01DD, 0x018E),
    (0x01F3, 0x01F1),
    (0x0253, 0x0181),
    (0x0254, 0x0186),
    (0x0259, 0x018F),
    (0x025B, 0x0190),
    (0x0260, 0x0193),
    (0x0263, 0x0194),
    (0x0268, 0x0197),
    (0x0269, 0x0196),
    (0x026F, 0x019C),
    (0x0272, 0x019D),
    (0x0275, 0x019F),
    (0x0283, 0x01A9),
    (0x0288, 0x01AE),
    (0x0292, 0x01B7),
];

fn table() -> &'static [u16] {
    static TABLE: OnceLock<Box<[u16]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<u16> = (0..=u16::MAX).collect();
        for &(first, end, delta) in RUNS {
            for u in first..end {
                t[usize::from(u)] = (i32::from(u) + delta) as u16;
            }
        }
        for &(first, end) in PAIRS {
            for u in (first..end).step_by(2) {
                t[usize::from(u) + 1] = u;
            }
        }
        for &(small, capital) in SINGLES {
            t[usize::from(small)] = capital;
        }
        t.into_boxed_slice()
    })
}

/// One UTF-16 code unit upper-cased as NTFS does.
pub fn upcase_unit(unit: u16) -> u16 {
    if unit < 0x80 {
        return u16::from((unit as u8).to_ascii_uppercase());
    }
    table()[usize::from(unit)]
}

/// A name upper-cased code unit by code unit: two names are the same NTFS name exactly when
/// their keys are equal.
pub fn upcase(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_uppercase();
    }
    // The table maps no code unit to or from a surrogate, so each BMP char maps to a char and a
    // pair (a char outside the BMP) is left as it is.
    name.chars()
        .map(|c| match u16::try_from(u32::from(c)) {
            Ok(unit) => char::from_u32(u32::from(upcase_unit(unit))).unwrap_or(c),
            Err(_) => c,
        })
        .collect()
}

/// Whether two names are the same name on NTFS.
pub fn same_name(a: &str, b: &str) -> bool {
    (a.len() == b.len() && a.eq_ignore_ascii_case(b)) || upcase(a) == upcase(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(c: char) -> char {
        char::from_u32(u32::from(upcase_unit(c as u16))).unwrap()
    }

    #[test]
    fn ascii_latin1_and_common_scripts() {
        assert_eq!(upcase("asp.dll"), "ASP.DLL");
        assert_eq!(up('ä'), 'Ä');
        assert_eq!(up('ÿ'), 'Ÿ');
        assert_eq!(up('ā'), 'Ā');
        assert_eq!(up('ž'), 'Ž');
        assert_eq!(up('ǆ'), 'Ǆ');
        assert_eq!(up('ω'), 'Ω');
        assert_eq!(up('ς'), 'Σ');
        assert_eq!(up('я'), 'Я');
        assert_eq!(up('ё'), 'Ё');
        assert_eq!(up('ա'), 'Ա');
        assert_eq!(up('ⅰ'), 'Ⅰ');
        assert_eq!(up('ⓐ'), 'Ⓐ');
        assert_eq!(up('ｚ'), 'Ｚ');
        assert!(same_name("Program Files", "PROGRAM FILES"));
        assert!(same_name("Příliš.dll", "PŘÍLIŠ.DLL"));
    }

    #[test]
    fn not_unicode_case_folding() {
        // Dotless i and long s stay themselves: not `I`, not `S`.
        assert_eq!(up('ı'), 'ı');
        assert_eq!(up('ſ'), 'ſ');
        assert!(!same_name("ısapi.dll", "ISAPI.DLL"));
        assert!(!same_name("ſystem32", "system32"));
        assert!(!same_name("İsapi.dll", "isapi.dll"));
        // The Kelvin sign is not K; capital sharp s is not ß, and ß is not SS.
        assert_eq!(up('\u{212A}'), '\u{212A}');
        assert!(!same_name("\u{212A}b.dll", "kb.dll"));
        assert!(!same_name("\u{212A}b.dll", "KB.dll"));
        assert!(!same_name("stra\u{1E9E}e", "straße"));
        assert!(!same_name("straße", "strasse"));
        assert_eq!(up('ß'), 'ß');
        // Micro sign, and pairs Unicode added after NT 5 formatted the volume.
        assert_eq!(up('µ'), 'µ');
        assert_eq!(up('ƀ'), 'ƀ');
        assert_eq!(up('ѐ'), 'ѐ');
        assert_eq!(up('ა'), 'ა');
        // Outside the BMP nothing changes (each surrogate is its own upper case).
        assert_eq!(upcase("\u{10428}"), "\u{10428}");
        assert_eq!(upcase_unit(0xD801), 0xD801);
    }

    #[test]
    fn the_table_is_a_subset_of_simple_uppercase() {
        // Every pair the table has is a Unicode simple uppercase mapping: a check that the ranges
        // were transcribed right (an off-by-one in a range would map a capital or a neighbour).
        let mut mapped = 0;
        for unit in 0..=u16::MAX {
            let to = upcase_unit(unit);
            if to == unit {
                continue;
            }
            mapped += 1;
            let c = char::from_u32(u32::from(unit)).expect("no surrogate is mapped");
            let mut simple = c.to_uppercase();
            assert_eq!(
                (simple.next(), simple.next()),
                (char::from_u32(u32::from(to)), None),
                "U+{unit:04X}"
            );
        }
        assert!(mapped > 600, "{mapped}");
        // And applying it twice changes nothing.
        for unit in 0..=u16::MAX {
            assert_eq!(upcase_unit(upcase_unit(unit)), upcase_unit(unit), "U+{unit:04X}");
        }
    }

    #[test]
    fn the_ascii_shortcut_gives_the_tables_answer() {
        // `upcase_unit` answers ASCII without the table; the table holds `$UpCase` whole, and the two
        // agree everywhere.
        for unit in 0..=u16::MAX {
            assert_eq!(upcase_unit(unit), table()[usize::from(unit)], "U+{unit:04X}");
        }
        assert_eq!(table()[usize::from(b'a')], u16::from(b'A'));
    }
}
