//! The export table, read as the loader resolves an import against it.
//!
//! Layout: PE/COFF specification, "The .edata Section (Image Only)"
//! (<https://learn.microsoft.com/windows/win32/debug/pe-format#the-edata-section-image-only>).
//! Resolution follows ReactOS `LdrpSnapThunk` and `LdrpNameToOrdinal` (reactos/reactos
//! dll/ntdll/ldr/ldrpe.c, a reimplementation of the NT 5.2 loader), where no Microsoft document
//! says more:
//! - by ordinal `n`: slot `(u16)(n - Base)`, which must be below `NumberOfFunctions`; so
//!   `Base <= n < Base + NumberOfFunctions` for any table of at most 65,536 slots;
//! - by name: the name table entry at the hint if it is that name, else a binary search of the
//!   name table by `strcmp` (the table must be in order, as the specification requires, or the
//!   search can miss a name it holds); the name's ordinal-table value is the slot;
//! - a slot whose RVA is zero resolves to nothing (error 127);
//! - a slot whose RVA lies inside the export directory (after its start, before its end) is a
//!   forwarder string `MODULE.Function` or `MODULE.#ordinal`, split at its first dot; the loader
//!   loads `MODULE` with the default extension `.DLL` and resolves the rest there.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::SerializeStruct;

use super::{Headers, ImportRef};

/// The most names read from one export table.
pub const MAX_EXPORT_NAMES: usize = 65_536;
/// The most address-table slots read: an ordinal is 16 bits, and so is a name's ordinal-table
/// value, so no import reaches a slot past these.
pub const MAX_EXPORT_SLOTS: usize = 65_536;

/// What an import resolves to in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    /// Code or data in this image.
    Here { ordinal: u32, rva: u32 },
    /// A forwarder: the loader loads `dll` (the forwarder's module with `.dll` added, as the
    /// loader adds the default extension) and resolves `import` in it, by name with no hint or by
    /// ordinal.
    Forwarded {
        ordinal: u32,
        dll: Box<str>,
        import: ImportRef,
    },
    /// A forwarder the loader cannot follow (no dot, no module, an ordinal that is not a number),
    /// or whose string mblint could not read: `text` says which.
    BadForwarder { ordinal: u32, text: Box<str> },
}

/// An image's export table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportTable {
    dll_name: Option<Box<str>>,
    base: u32,
    /// `NumberOfFunctions` as the directory states it.
    function_count: u32,
    /// The export address table: slot `i` is ordinal `base + i`; zero is an empty slot.
    addresses: Box<[u32]>,
    /// The name pointer table in its own order, each name with its ordinal-table value (a slot).
    names: Box<[(Box<str>, u16)]>,
    /// Forwarder strings by slot; `Err`: why the string could not be read.
    forwarders: BTreeMap<u16, Result<Box<str>, Box<str>>>,
    sorted: bool,
}

impl ExportTable {
    /// The DLL's own name in its export directory (informational: the loader does not use it).
    pub fn dll_name(&self) -> Option<&str> {
        self.dll_name.as_deref()
    }

    pub fn ordinal_base(&self) -> u32 {
        self.base
    }

    /// `NumberOfFunctions`: the size of the address table, empty slots included.
    pub fn function_count(&self) -> u32 {
        self.function_count
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.names.is_empty()
    }

    /// Whether the name table is in `strcmp` order, as the loader's binary search needs.
    pub fn names_sorted(&self) -> bool {
        self.sorted
    }

    /// Every name with its ordinal, in the name table's order.
    pub fn names(&self) -> impl Iterator<Item = (&str, u32)> {
        self.names
            .iter()
            .map(|(name, slot)| (&**name, self.base.wrapping_add(u32::from(*slot))))
    }

    /// Every forwarder, by ordinal: its string, or why it could not be read.
    pub fn forwarders(&self) -> impl Iterator<Item = (u32, Result<&str, &str>)> {
        self.forwarders.iter().map(|(slot, text)| {
            (
                self.base.wrapping_add(u32::from(*slot)),
                text.as_deref().map_err(|e| &**e),
            )
        })
    }

    /// The ordinals of the filled slots that no name leads to: exported by ordinal only.
    pub fn ordinal_only(&self) -> Vec<u32> {
        let named: std::collections::HashSet<usize> = self.names.iter().map(|(_, slot)| usize::from(*slot)).collect();
        let reachable = self.addresses.len().min(self.function_count as usize);
        (0..reachable)
            .filter(|slot| !named.contains(slot) && self.addresses[*slot] != 0)
            // slot < MAX_EXPORT_SLOTS = 65,536
            .map(|slot| self.base.wrapping_add(slot as u32))
            .collect()
    }

    /// What the loader finds for `import` in this image: `None` is Win32 error 127 (the
    /// specified procedure could not be found).
    pub fn resolve(&self, import: &ImportRef) -> Option<ExportTarget> {
        let slot = match import {
            ImportRef::Ordinal { ordinal } => u32::from(*ordinal).wrapping_sub(self.base) as u16,
            ImportRef::Name { name, hint } => self.slot_of_name(name, *hint)?,
        };
        self.target(slot)
    }

    /// The slot a name leads to: the hint's entry if it is the name, else a binary search.
    fn slot_of_name(&self, name: &str, hint: Option<u16>) -> Option<u16> {
        // Not UTF-8 in the image: which bytes it had is lost, so it finds nothing (fail closed).
        if name.contains('\u{FFFD}') {
            return None;
        }
        if let Some((found, slot)) = hint.and_then(|h| self.names.get(usize::from(h)))
            && **found == *name
        {
            return Some(*slot);
        }
        let (mut low, mut high) = (0usize, self.names.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let (found, slot) = &self.names[mid];
            match name.as_bytes().cmp(found.as_bytes()) {
                std::cmp::Ordering::Equal => return Some(*slot),
                std::cmp::Ordering::Less => high = mid,
                std::cmp::Ordering::Greater => low = mid + 1,
            }
        }
        None
    }

    fn target(&self, slot: u16) -> Option<ExportTarget> {
        if u32::from(slot) >= self.function_count {
            return None;
        }
        let rva = *self.addresses.get(usize::from(slot))?;
        let ordinal = self.base.wrapping_add(u32::from(slot));
        if let Some(text) = self.forwarders.get(&slot) {
            return Some(match text {
                Ok(text) => forwarder(ordinal, text),
                Err(why) => ExportTarget::BadForwarder {
                    ordinal,
                    text: why.clone(),
                },
            });
        }
        (rva != 0).then_some(ExportTarget::Here { ordinal, rva })
    }
}

/// Parses a forwarder string as the loader does: the module before the first dot; after it a
/// name, or `#` and an ordinal (of more than one character: `#` alone is a name).
fn forwarder(ordinal: u32, text: &str) -> ExportTarget {
    let bad = || ExportTarget::BadForwarder {
        ordinal,
        text: text.into(),
    };
    let Some((module, rest)) = text.split_once('.') else {
        return bad();
    };
    if module.is_empty() {
        return bad();
    }
    let import = match rest.strip_prefix('#').filter(|_| rest.len() > 1) {
        // The loader reads the number with RtlCharToInteger (base 0): decimal, or hex after 0x.
        // Other spellings it may read some way; mblint does not guess.
        Some(number) => {
            let parsed = match number.strip_prefix("0x").or_else(|| number.strip_prefix("0X")) {
                // Hex digits only: `from_str_radix` would take a sign (`0x+10`), as `parse` would.
                Some(hex) if hex.bytes().all(|c| c.is_ascii_hexdigit()) => u16::from_str_radix(hex, 16).ok(),
                Some(_) => None,
                None if number.bytes().all(|c| c.is_ascii_digit()) => number.parse().ok(),
                None => None,
            };
            match parsed {
                Some(n) => ImportRef::Ordinal { ordinal: n },
                None => return bad(),
            }
        }
        None => ImportRef::Name {
            name: rest.into(),
            hint: None,
        },
    };
    ExportTarget::Forwarded {
        ordinal,
        dll: format!("{module}.dll").into(),
        import,
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads the export table (data directory 0). An error: a table the loader cannot use (it lies
/// outside the file, or its names do), or one beyond mblint's bounds.
pub(super) fn read(h: &Headers, b: &[u8]) -> Result<ExportTable, String> {
    let Some((dir, size)) = h.directory(0) else {
        return Ok(ExportTable {
            sorted: true,
            ..ExportTable::default()
        });
    };
    let d = h
        .bytes(b, dir, 40)
        .ok_or_else(|| format!("the export directory (RVA {dir:#x}) lies outside the file"))?;
    let (name_rva, base, function_count, name_count) = (le32(&d, 12), le32(&d, 16), le32(&d, 20), le32(&d, 24));
    let (functions_rva, names_rva, ordinals_rva) = (le32(&d, 28), le32(&d, 32), le32(&d, 36));
    let name_count = name_count as usize;
    if name_count > MAX_EXPORT_NAMES {
        return Err(format!(
            "the export directory claims {name_count} names; mblint reads at most {MAX_EXPORT_NAMES}"
        ));
    }
    let slots = (function_count as usize).min(MAX_EXPORT_SLOTS);
    let addresses: Box<[u32]> = if slots == 0 {
        Box::default()
    } else {
        h.bytes(b, functions_rva, 4 * slots)
            .ok_or_else(|| {
                format!("the export address table (RVA {functions_rva:#x}, {slots} entries) lies outside the file")
            })?
            .chunks_exact(4)
            .map(|c| le32(c, 0))
            .collect()
    };
    let mut names = Vec::with_capacity(name_count);
    if name_count > 0 {
        let pointers = h
            .bytes(b, names_rva, 4 * name_count)
            .ok_or_else(|| format!("the export name table (RVA {names_rva:#x}) lies outside the file"))?;
        let ordinals = h
            .bytes(b, ordinals_rva, 2 * name_count)
            .ok_or_else(|| format!("the export ordinal table (RVA {ordinals_rva:#x}) lies outside the file"))?;
        for i in 0..name_count {
            let rva = le32(&pointers, 4 * i);
            let name = h
                .c_string(b, rva)
                .map_err(|f| f.describe(&format!("export name {i}"), rva))?;
            let slot = u16::from_le_bytes([ordinals[2 * i], ordinals[2 * i + 1]]);
            names.push((name.into_boxed_str(), slot));
        }
    }
    let inside = |rva: u32| u64::from(rva) > u64::from(dir) && u64::from(rva) < u64::from(dir) + u64::from(size);
    let mut forwarders = BTreeMap::new();
    for (slot, &rva) in addresses.iter().enumerate() {
        if inside(rva) {
            let text = h
                .c_string(b, rva)
                .map(String::into_boxed_str)
                .map_err(|f| f.describe("the forwarder", rva).into_boxed_str());
            // slot < MAX_EXPORT_SLOTS = 65,536
            forwarders.insert(slot as u16, text);
        }
    }
    let sorted = names.windows(2).all(|w| w[0].0.as_bytes() <= w[1].0.as_bytes());
    let dll_name = (name_rva != 0)
        .then(|| h.c_string(b, name_rva).ok())
        .flatten()
        .map(String::into_boxed_str);
    Ok(ExportTable {
        dll_name,
        base,
        function_count,
        addresses,
        names: names.into_boxed_slice(),
        forwarders,
        sorted,
    })
}

/// `{"name", "ordinal_base", "functions", "named": [{name, ordinal}], "ordinal_only": [..],
/// "forwarders": [{ordinal, to}]}`: what `mblint inspect --format json` shows.
impl Serialize for ExportTable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Named<'a> {
            name: &'a str,
            ordinal: u32,
        }
        #[derive(Serialize)]
        struct Forwarder<'a> {
            ordinal: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            to: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            unreadable: Option<&'a str>,
        }
        let mut st = s.serialize_struct("ExportTable", 7)?;
        st.serialize_field("name", &self.dll_name)?;
        st.serialize_field("ordinal_base", &self.base)?;
        st.serialize_field("functions", &self.function_count)?;
        st.serialize_field("names_sorted", &self.sorted)?;
        st.serialize_field(
            "named",
            &self
                .names()
                .map(|(name, ordinal)| Named { name, ordinal })
                .collect::<Vec<_>>(),
        )?;
        st.serialize_field("ordinal_only", &self.ordinal_only())?;
        st.serialize_field(
            "forwarders",
            &self
                .forwarders()
                .map(|(ordinal, text)| Forwarder {
                    ordinal,
                    to: text.ok(),
                    unreadable: text.err(),
                })
                .collect::<Vec<_>>(),
        )?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{SECTION_RVA, TestImage};
    use super::super::{ImageError, classify};
    use super::*;

    const DIR: u32 = SECTION_RVA;
    const EAT: u32 = SECTION_RVA + 0x40;
    const NAMES: u32 = SECTION_RVA + 0x80;
    const ORDINALS: u32 = SECTION_RVA + 0xc0;
    const STRINGS: u32 = SECTION_RVA + 0x100;

    /// An export table with ordinal base `base`: `slots` are the address table's RVAs (a small
    /// number is code; 0 an empty slot; a string puts a forwarder there), `names` (in table order)
    /// each with its slot.
    fn table(base: u32, slots: &[Result<u32, &str>], names: &[(&str, u16)]) -> TestImage {
        let mut img = TestImage::new(false);
        let mut text = STRINGS;
        let mut string = |img: &mut TestImage, s: &str| {
            let at = text;
            img.put_str(at, s);
            text += s.len() as u32 + 1;
            at
        };
        let dll = string(&mut img, "test.dll");
        for (i, slot) in slots.iter().enumerate() {
            let rva = match slot {
                Ok(rva) => *rva,
                Err(forwarder) => string(&mut img, forwarder),
            };
            img.put_u32(EAT + 4 * i as u32, rva);
        }
        for (i, (name, slot)) in names.iter().enumerate() {
            let at = string(&mut img, name);
            img.put_u32(NAMES + 4 * i as u32, at)
                .put_u16(ORDINALS + 2 * i as u32, *slot);
        }
        img.put_u32(DIR + 12, dll)
            .put_u32(DIR + 16, base)
            .put_u32(DIR + 20, slots.len() as u32)
            .put_u32(DIR + 24, names.len() as u32)
            .put_u32(DIR + 28, EAT)
            .put_u32(DIR + 32, NAMES)
            .put_u32(DIR + 36, ORDINALS);
        img.dir(0, DIR, text - DIR);
        img
    }

    fn exports(img: &TestImage) -> ExportTable {
        classify(&img.build()).unwrap().export_table
    }

    const CODE: u32 = 0x3000;

    #[test]
    fn by_ordinal_within_base_and_count() {
        let t = exports(&table(4, &[Ok(CODE), Ok(0), Ok(CODE + 0x10)], &[]));
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(4)),
            Some(ExportTarget::Here { ordinal: 4, rva: CODE })
        );
        // An empty slot resolves to nothing (127).
        assert_eq!(t.resolve(&ImportRef::by_ordinal(5)), None);
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(6)),
            Some(ExportTarget::Here {
                ordinal: 6,
                rva: CODE + 0x10
            })
        );
        // Past the table, and below the base (the loader's 16-bit index wraps, and is past it).
        assert_eq!(t.resolve(&ImportRef::by_ordinal(7)), None);
        assert_eq!(t.resolve(&ImportRef::by_ordinal(3)), None);
        assert_eq!(t.resolve(&ImportRef::by_ordinal(0)), None);
        assert_eq!(t.ordinal_only(), [4, 6]);
        assert_eq!(
            (t.ordinal_base(), t.function_count(), t.dll_name()),
            (4, 3, Some("test.dll"))
        );
    }

    #[test]
    fn by_name_with_hint_and_binary_search() {
        let names = [("Alpha", 2), ("Beta", 0), ("Gamma", 1)];
        let t = exports(&table(1, &[Ok(CODE), Ok(CODE + 4), Ok(CODE + 8)], &names));
        assert!(t.names_sorted());
        let here = |ordinal, rva| Some(ExportTarget::Here { ordinal, rva });
        assert_eq!(t.resolve(&ImportRef::by_name("Alpha")), here(3, CODE + 8));
        assert_eq!(t.resolve(&ImportRef::by_name("Beta")), here(1, CODE));
        assert_eq!(t.resolve(&ImportRef::by_name("Gamma")), here(2, CODE + 4));
        // Names compare byte for byte, case included.
        assert_eq!(t.resolve(&ImportRef::by_name("beta")), None);
        assert_eq!(t.resolve(&ImportRef::by_name("Delta")), None);
        // A wrong hint falls back to the search; a right one is used.
        let hinted = |name: &str, hint| ImportRef::Name {
            name: name.into(),
            hint: Some(hint),
        };
        assert_eq!(t.resolve(&hinted("Gamma", 0)), here(2, CODE + 4));
        assert_eq!(t.resolve(&hinted("Gamma", 2)), here(2, CODE + 4));
        assert_eq!(t.resolve(&hinted("Gamma", 900)), here(2, CODE + 4));
        assert_eq!(t.names().collect::<Vec<_>>(), [("Alpha", 3), ("Beta", 1), ("Gamma", 2)]);
    }

    #[test]
    fn an_unsorted_name_table_is_searched_as_the_loader_searches_it() {
        // "Zeta" first: the binary search (Alpha < Beta at the middle) never looks at it, so
        // only its hint finds it, as in the loader.
        let names = [("Zeta", 0), ("Alpha", 1), ("Beta", 2)];
        let img = table(1, &[Ok(CODE), Ok(CODE + 4), Ok(CODE + 8)], &names);
        let info = classify(&img.build()).unwrap();
        let t = &info.export_table;
        assert!(!t.names_sorted());
        assert!(
            info.notes.iter().any(|n| n.contains("not in order")),
            "{:?}",
            info.notes
        );
        assert_eq!(t.resolve(&ImportRef::by_name("Zeta")), None);
        assert_eq!(
            t.resolve(&ImportRef::Name {
                name: "Zeta".into(),
                hint: Some(0)
            }),
            Some(ExportTarget::Here { ordinal: 1, rva: CODE })
        );
        // The JSON field `exports` keeps the table's order and every name.
        assert_eq!(info.exports, ["Zeta", "Alpha", "Beta"]);
    }

    #[test]
    fn a_name_whose_ordinal_lies_beyond_the_table_resolves_to_nothing() {
        let t = exports(&table(1, &[Ok(CODE)], &[("Beyond", 7), ("Fine", 0)]));
        assert_eq!(t.resolve(&ImportRef::by_name("Beyond")), None);
        assert_eq!(
            t.resolve(&ImportRef::by_name("Fine")),
            Some(ExportTarget::Here { ordinal: 1, rva: CODE })
        );
    }

    #[test]
    fn forwarders_by_name_and_ordinal() {
        let slots = [
            Err("NTDLL.RtlAllocateHeap"),
            Err("helper.#5"),
            Err("helper.#0x10"),
            Err("nodot"),
            Err(".Func"),
            Err("helper.#12abc"),
            Err("a.b.c"),
            Err("helper.#"),
        ];
        let t = exports(&table(1, &slots, &[]));
        let forwarded = |ordinal, dll: &str, import| {
            Some(ExportTarget::Forwarded {
                ordinal,
                dll: dll.into(),
                import,
            })
        };
        let bad = |ordinal, text: &str| {
            Some(ExportTarget::BadForwarder {
                ordinal,
                text: text.into(),
            })
        };
        let at = |n| t.resolve(&ImportRef::by_ordinal(n));
        assert_eq!(at(1), forwarded(1, "NTDLL.dll", ImportRef::by_name("RtlAllocateHeap")));
        assert_eq!(at(2), forwarded(2, "helper.dll", ImportRef::by_ordinal(5)));
        assert_eq!(at(3), forwarded(3, "helper.dll", ImportRef::by_ordinal(16)));
        assert_eq!(at(4), bad(4, "nodot"));
        assert_eq!(at(5), bad(5, ".Func"));
        assert_eq!(at(6), bad(6, "helper.#12abc"));
        // Split at the first dot, as the loader does.
        assert_eq!(at(7), forwarded(7, "a.dll", ImportRef::by_name("b.c")));
        // `#` alone is a name.
        assert_eq!(at(8), forwarded(8, "helper.dll", ImportRef::by_name("#")));
        assert_eq!(t.forwarders().count(), 8);
        assert_eq!(t.forwarders().next(), Some((1, Ok("NTDLL.RtlAllocateHeap"))));
    }

    #[test]
    fn forwarder_bounds_are_the_loaders() {
        // An RVA at the very start of the export directory is not a forwarder (the loader wants
        // it after the start), and one at its end is not either.
        let mut img = table(1, &[Ok(DIR), Ok(CODE)], &[]);
        let (_, size) = img.dirs[0];
        img.put_u32(EAT + 4, DIR + size);
        let t = exports(&img);
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(1)),
            Some(ExportTarget::Here { ordinal: 1, rva: DIR })
        );
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(2)),
            Some(ExportTarget::Here {
                ordinal: 2,
                rva: DIR + size
            })
        );
        img.put_u32(EAT + 4, DIR + size - 1);
        assert!(matches!(
            exports(&img).resolve(&ImportRef::by_ordinal(2)),
            Some(ExportTarget::Forwarded { .. } | ExportTarget::BadForwarder { .. })
        ));
    }

    #[test]
    fn names_that_are_not_utf8_never_match() {
        let mut img = table(1, &[Ok(CODE), Ok(CODE + 4)], &[("A\u{7f}", 0), ("B", 1)]);
        // Make the first name's DEL byte an invalid UTF-8 byte.
        let at = img.section.iter().position(|&c| c == 0x7f).unwrap();
        img.section[at] = 0xff;
        let t = exports(&img);
        assert_eq!(t.names().next().map(|(n, _)| n), Some("A\u{fffd}"));
        assert_eq!(t.resolve(&ImportRef::by_name("A\u{fffd}")), None);
        assert!(t.resolve(&ImportRef::by_name("B")).is_some());
    }

    #[test]
    fn hostile_directories() {
        // Claims more names than mblint reads.
        let mut img = table(1, &[Ok(CODE)], &[("A", 0)]);
        img.put_u32(DIR + 24, 65_537);
        assert!(matches!(classify(&img.build()), Err(ImageError::Corrupt(m)) if m.contains("claims 65537 names")));
        // A huge address table: only 65,536 slots are read, and those lie outside the file.
        let mut img = table(1, &[Ok(CODE)], &[("A", 0)]);
        img.put_u32(DIR + 20, u32::MAX);
        assert!(
            matches!(classify(&img.build()), Err(ImageError::Corrupt(m)) if m.contains("export address table") && m.contains("65536 entries"))
        );
        // The directory points at itself: its fields are the name pointer table (name RVAs 0:
        // the headers' "MZ") and the address table (from its Name field, which lies inside it:
        // a forwarder).
        let mut img = table(1, &[Ok(CODE)], &[("A", 0), ("B", 0)]);
        img.put_u32(DIR + 28, DIR + 12).put_u32(DIR + 32, DIR);
        let t = exports(&img);
        assert_eq!(t.names().map(|(n, _)| n).collect::<Vec<_>>(), ["MZ", "MZ"]);
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(1)),
            Some(ExportTarget::Forwarded {
                ordinal: 1,
                dll: "test.dll".into(),
                import: ImportRef::by_name("dll")
            })
        );
        // The ordinal table outside the file.
        let mut img = table(1, &[Ok(CODE)], &[("A", 0)]);
        img.put_u32(DIR + 36, 0x7fff_0000);
        assert!(matches!(classify(&img.build()), Err(ImageError::Corrupt(m)) if m.contains("export ordinal table")));
        // A forwarder string that never ends is a bad forwarder, not a corrupt image: only an
        // import of it fails.
        let mut img = table(1, &[Err("X.Y"), Ok(CODE)], &[]);
        let end = SECTION_RVA + img.section.len() as u32;
        img.put(end, &[b'Z'; 5000]);
        img.put_u32(EAT, end);
        let (dir, _) = img.dirs[0];
        img.dir(0, dir, end + 5000 - dir);
        let t = exports(&img);
        assert!(matches!(
            t.resolve(&ImportRef::by_ordinal(1)),
            Some(ExportTarget::BadForwarder { text, .. }) if text.contains("no end within")
        ));
        assert!(t.resolve(&ImportRef::by_ordinal(2)).is_some());
    }

    #[test]
    fn serialises_for_inspect() {
        let t = exports(&table(1, &[Ok(CODE), Err("K.F"), Ok(CODE)], &[("A", 0), ("B", 1)]));
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({
                "name": "test.dll", "ordinal_base": 1, "functions": 3, "names_sorted": true,
                "named": [{"name": "A", "ordinal": 1}, {"name": "B", "ordinal": 2}],
                "ordinal_only": [3],
                "forwarders": [{"ordinal": 2, "to": "K.F"}],
            })
        );
    }

    #[test]
    fn an_image_without_an_export_directory_has_an_empty_table_in_order() {
        // No export directory: nothing exported, and no name out of order to note.
        let info = classify(&TestImage::new(false).build()).unwrap();
        assert!(info.export_table.is_empty());
        assert!(info.export_table.names_sorted());
        assert!(
            !info.notes.iter().any(|n| n.contains("not in order")),
            "{:?}",
            info.notes
        );
        // An address table alone, or names alone, is not empty.
        assert!(!exports(&table(1, &[Ok(CODE)], &[])).is_empty());
        assert!(!exports(&table(1, &[], &[("A", 0)])).is_empty());
    }

    #[test]
    fn up_to_max_export_names_are_read() {
        // MAX_EXPORT_NAMES names, every pointer at the one string "A" and every ordinal-table
        // value slot 0, are read; one more is refused.
        let mut img = table(1, &[Ok(CODE)], &[("A", 0)]);
        let at = (NAMES - SECTION_RVA) as usize;
        let a = u32::from_le_bytes(img.section[at..at + 4].try_into().unwrap());
        let pointers = SECTION_RVA + 0x1000;
        let ordinals = pointers + 4 * MAX_EXPORT_NAMES as u32;
        img.put(pointers, &a.to_le_bytes().repeat(MAX_EXPORT_NAMES))
            .put(ordinals, &vec![0; 2 * MAX_EXPORT_NAMES]);
        img.put_u32(DIR + 24, MAX_EXPORT_NAMES as u32)
            .put_u32(DIR + 32, pointers)
            .put_u32(DIR + 36, ordinals);
        let t = exports(&img);
        assert_eq!(t.names().count(), MAX_EXPORT_NAMES);
        assert!(t.names().all(|name| name == ("A", 1)));
        img.put_u32(DIR + 24, MAX_EXPORT_NAMES as u32 + 1);
        assert!(matches!(classify(&img.build()), Err(ImageError::Corrupt(m)) if m.contains("claims 65537 names")));
    }

    #[test]
    fn a_forwarded_ordinal_with_a_sign_is_a_bad_forwarder() {
        // `#+5`, `#0x+10`: Rust's `parse` and `from_str_radix` take the sign; the ordinal mblint
        // reads is digits only, decimal or hex after `0x` (other spellings fail closed), so each
        // forwarder is bad. `#0x10` beside them is ordinal 16.
        let texts = ["helper.#+5", "helper.#0x+10", "helper.#0x-1", "helper.#0x"];
        let slots: Vec<Result<u32, &str>> = texts.iter().map(|&t| Err(t)).chain([Err("helper.#0x10")]).collect();
        let t = exports(&table(1, &slots, &[]));
        for (i, text) in texts.iter().enumerate() {
            let ordinal = i as u32 + 1;
            assert_eq!(
                t.resolve(&ImportRef::by_ordinal(ordinal as u16)),
                Some(ExportTarget::BadForwarder {
                    ordinal,
                    text: (*text).into()
                }),
                "{text}"
            );
        }
        assert_eq!(
            t.resolve(&ImportRef::by_ordinal(5)),
            Some(ExportTarget::Forwarded {
                ordinal: 5,
                dll: "helper.dll".into(),
                import: ImportRef::by_ordinal(16)
            })
        );
    }
}
