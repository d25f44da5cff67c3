//! The import table and the delay-load table: every module an image imports, and each function
//! it imports from it, by name (with its hint) or by ordinal.
//!
//! The static table is walked as the NT loader walks it (ReactOS `LdrpHandleOldFormatImportDescriptors`
//! and `LdrpSnapIAT`, reactos/reactos dll/ntdll/ldr/ldrpe.c, a reimplementation of the NT 5.2
//! loader): descriptors until one whose `Name` or `FirstThunk` is zero (the directory's size is not
//! consulted); the functions from `OriginalFirstThunk`, or from `FirstThunk` when that field lies in
//! the headers or beyond `SizeOfImage` ("a strange linked file"); entries until a zero one, the
//! high bit marking an import by ordinal (its low 16 bits). A bound image's `FirstThunk` holds
//! addresses, not names: where it has no `OriginalFirstThunk`, the table read is what the loader
//! reads when the binding is stale, as it is against another machine's system DLLs. ReactOS skips a
//! descriptor whose address table starts with a zero entry without loading its module; such a
//! module is listed here with no functions, and whether Windows loads it is not settled.
//!
//! The delay-load table (data directory 13, `ImgDelayDescr` in delayimp.h) is read by the image's
//! own delay-load helper when a function is first called, never by the loader: a missing
//! delay-loaded module does not stop the image from loading. Its descriptors run until one with no
//! name or the end of the directory. With `grAttrs & 1` (`dlattrRva`, Visual C++ 7 and later) the
//! fields are RVAs; without, as Visual C++ 6 wrote them, they and the name table's entries are VAs
//! (<https://learn.microsoft.com/cpp/build/reference/understanding-the-helper-function>).

use std::fmt;

use serde::Serialize;

use super::{Headers, PeFormat};

/// The most modules (import descriptors, and delay-load descriptors) read from one image.
pub const MAX_IMPORT_MODULES: usize = 4096;
/// The most functions read from one module's lookup table.
pub const MAX_MODULE_FUNCTIONS: usize = 65_536;
/// The most functions read from one image's import table (and again from its delay-load table).
pub const MAX_IMPORT_FUNCTIONS: usize = 262_144;

/// One function an image imports, or that a forwarder names.
///
/// Names are compared as the loader compares them, byte for byte (`strcmp`). A name that is not
/// UTF-8 is shown with U+FFFD and never matches an export ([`super::ExportTable::resolve`]): mblint
/// cannot tell which export the loader would find, so it says none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum ImportRef {
    /// By name. `hint` is the index into the exporting DLL's name table that the linker expected
    /// the name at, which the loader tries first; a forwarder has none.
    Name {
        name: Box<str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<u16>,
    },
    /// By ordinal.
    Ordinal { ordinal: u16 },
}

impl ImportRef {
    pub fn by_name(name: &str) -> ImportRef {
        ImportRef::Name {
            name: name.into(),
            hint: None,
        }
    }

    pub fn by_ordinal(ordinal: u16) -> ImportRef {
        ImportRef::Ordinal { ordinal }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            ImportRef::Name { name, .. } => Some(name),
            ImportRef::Ordinal { .. } => None,
        }
    }

    pub fn ordinal(&self) -> Option<u16> {
        match self {
            ImportRef::Name { .. } => None,
            ImportRef::Ordinal { ordinal } => Some(*ordinal),
        }
    }
}

/// `GetTickCount`, or `#5` for an ordinal (as forwarders write it).
impl fmt::Display for ImportRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportRef::Name { name, .. } => f.write_str(name),
            ImportRef::Ordinal { ordinal } => write!(f, "#{ordinal}"),
        }
    }
}

/// A module an image imports, and what it imports from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedModule {
    /// The module's name as the image writes it (`KERNEL32.dll`): the loader searches for it by
    /// this name, adding `.dll` when it has no extension, in any letter case.
    pub name: Box<str>,
    /// Delay-loaded: loaded on first call, not when the image loads.
    pub delay: bool,
    pub functions: Vec<ImportRef>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads one lookup table: thunks until a zero one. `va_form`: names are given by VA (the
/// Visual C++ 6 delay-load form). `total` counts the functions read from the whole table.
fn lookup_table(
    h: &Headers,
    b: &[u8],
    table: u32,
    va_form: bool,
    module: &str,
    total: &mut usize,
) -> Result<Vec<ImportRef>, String> {
    let size: u32 = match h.format {
        PeFormat::Pe32 => 4,
        PeFormat::Pe32Plus => 8,
    };
    let mut functions = Vec::new();
    for j in 0usize.. {
        let at = u32::try_from(j)
            .ok()
            .and_then(|j| j.checked_mul(size))
            .and_then(|off| table.checked_add(off));
        let mut raw = [0u8; 8];
        if !at.is_some_and(|at| h.read_into(b, at, &mut raw[..size as usize])) {
            return Err(format!(
                "the functions imported from {module} (lookup table at RVA {table:#x}) run outside the file after {j} entries"
            ));
        }
        let value = u64::from_le_bytes(raw);
        if value == 0 {
            return Ok(functions);
        }
        if j == MAX_MODULE_FUNCTIONS {
            return Err(format!(
                "more than {MAX_MODULE_FUNCTIONS} functions imported from {module}; mblint reads at most {MAX_MODULE_FUNCTIONS}"
            ));
        }
        *total += 1;
        if *total > MAX_IMPORT_FUNCTIONS {
            return Err(format!(
                "more than {MAX_IMPORT_FUNCTIONS} imported functions; mblint reads at most {MAX_IMPORT_FUNCTIONS}"
            ));
        }
        let by_ordinal = match h.format {
            PeFormat::Pe32 => value & 0x8000_0000 != 0,
            PeFormat::Pe32Plus => value & (1 << 63) != 0,
        };
        if by_ordinal {
            functions.push(ImportRef::Ordinal { ordinal: value as u16 });
            continue;
        }
        // The loader takes the low 32 bits as the hint/name entry's RVA (ReactOS LdrpSnapThunk).
        let rva = if va_form {
            value
                .checked_sub(h.image_base)
                .and_then(|r| u32::try_from(r).ok())
                .ok_or_else(|| {
                    format!("function {j} imported from {module} is named at {value:#x}, not an address in the image")
                })?
        } else {
            value as u32
        };
        let hint = h.u16(b, rva).ok_or_else(|| {
            format!("the name of function {j} imported from {module} (RVA {rva:#x}) lies outside the file")
        })?;
        let name = rva
            .checked_add(2)
            .ok_or(super::StrFault::Unmapped)
            .and_then(|at| h.c_string(b, at))
            .map_err(|f| f.describe(&format!("the name of function {j} imported from {module}"), rva))?;
        functions.push(ImportRef::Name {
            name: name.into(),
            hint: Some(hint),
        });
    }
    Ok(functions)
}

/// The import table (data directory 1). An error: the table cannot be walked, so the loader
/// cannot load the image either, or it is beyond mblint's bounds.
pub(super) fn read_static(h: &Headers, b: &[u8]) -> Result<Vec<ImportedModule>, String> {
    // The loader looks only at the directory's RVA (ReactOS RtlImageDirectoryEntryToData).
    let dir = match h.directories.get(1) {
        Some(&(rva, _)) if rva != 0 => rva,
        _ => return Ok(Vec::new()),
    };
    let mut modules = Vec::new();
    let mut total = 0;
    for i in 0usize.. {
        let at = u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(20))
            .and_then(|off| dir.checked_add(off));
        let mut d = [0u8; 20];
        if !at.is_some_and(|at| h.read_into(b, at, &mut d)) {
            return Err(format!(
                "import descriptor {i} (of the table at RVA {dir:#x}) lies outside the file"
            ));
        }
        let (original_first_thunk, name_rva, first_thunk) = (le32(&d, 0), le32(&d, 12), le32(&d, 16));
        if name_rva == 0 || first_thunk == 0 {
            return Ok(modules);
        }
        if i == MAX_IMPORT_MODULES {
            return Err(format!(
                "more than {MAX_IMPORT_MODULES} import descriptors; mblint reads at most {MAX_IMPORT_MODULES}"
            ));
        }
        let name = h
            .c_string(b, name_rva)
            .map_err(|f| f.describe(&format!("the name of imported module {i}"), name_rva))?;
        let table = if original_first_thunk < h.size_of_headers || original_first_thunk >= h.size_of_image {
            first_thunk
        } else {
            original_first_thunk
        };
        let functions = lookup_table(h, b, table, false, &name, &mut total)?;
        modules.push(ImportedModule {
            name: name.into(),
            delay: false,
            functions,
        });
    }
    Ok(modules)
}

/// The delay-load table (data directory 13). An error carries the modules read before the fault.
pub(super) fn read_delay(h: &Headers, b: &[u8]) -> Result<Vec<ImportedModule>, (Vec<ImportedModule>, String)> {
    let Some((dir, size)) = h.directory(13) else {
        return Ok(Vec::new());
    };
    let mut modules = Vec::new();
    let count = (size / 32) as usize;
    if count == 0 {
        return Err((
            modules,
            format!("the delay-load directory is {size} bytes, smaller than one descriptor (32 bytes)"),
        ));
    }
    let mut total = 0;
    for i in 0..count {
        if i == MAX_IMPORT_MODULES {
            return Err((
                modules,
                format!(
                    "more than {MAX_IMPORT_MODULES} delay-load descriptors; mblint reads at most {MAX_IMPORT_MODULES}"
                ),
            ));
        }
        let at = dir.checked_add(32 * i as u32); // i < size / 32 < 2^27
        let mut d = [0u8; 32];
        if !at.is_some_and(|at| h.read_into(b, at, &mut d)) {
            return Err((
                modules,
                format!("delay-load descriptor {i} (of the table at RVA {dir:#x}) lies outside the file"),
            ));
        }
        let (attributes, name_field, int_field) = (le32(&d, 0), le32(&d, 4), le32(&d, 16));
        if name_field == 0 {
            break;
        }
        let va_form = attributes & 1 == 0;
        if va_form && h.format == PeFormat::Pe32Plus {
            return Err((
                modules,
                format!(
                    "delay-load descriptor {i} has no RVA attribute, and a 64-bit image's addresses do not fit its fields"
                ),
            ));
        }
        let to_rva = |field: u32| -> Option<u32> {
            if va_form {
                u64::from(field)
                    .checked_sub(h.image_base)
                    .and_then(|r| u32::try_from(r).ok())
            } else {
                Some(field)
            }
        };
        let Some(name_rva) = to_rva(name_field) else {
            return Err((
                modules,
                format!("delay-load descriptor {i} names its module at {name_field:#x}, not an address in the image"),
            ));
        };
        let name = match h.c_string(b, name_rva) {
            Ok(name) => name,
            Err(f) => {
                return Err((
                    modules,
                    f.describe(&format!("the name of delay-loaded module {i}"), name_rva),
                ));
            }
        };
        let Some(int_rva) = to_rva(int_field).filter(|&r| r != 0) else {
            return Err((modules, format!("delay-load descriptor {i} ({name}) has no name table")));
        };
        match lookup_table(h, b, int_rva, va_form, &name, &mut total) {
            Ok(functions) => modules.push(ImportedModule {
                name: name.into(),
                delay: true,
                functions,
            }),
            Err(why) => return Err((modules, why)),
        }
    }
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{SECTION_RVA, TestImage};
    use super::super::{ImageError, classify};
    use super::*;

    const DESC: u32 = SECTION_RVA;
    const NAME: u32 = SECTION_RVA + 0x800;
    const TABLE: u32 = SECTION_RVA + 0x900;
    const HINT_NAME: u32 = SECTION_RVA + 0xa00;

    /// One descriptor for `module` at DESC whose lookup table (at TABLE) holds `thunks`.
    fn one_module(pe32_plus: bool, thunks: &[u64]) -> TestImage {
        let mut img = TestImage::new(pe32_plus);
        img.put_u32(DESC, TABLE)
            .put_u32(DESC + 12, NAME)
            .put_u32(DESC + 16, TABLE);
        img.put_str(NAME, "KERNEL32.dll");
        img.put_u16(HINT_NAME, 7).put_str(HINT_NAME + 2, "GetTickCount");
        let size = if pe32_plus { 8 } else { 4 };
        for (i, t) in thunks.iter().enumerate() {
            img.put_thunk(TABLE + size * i as u32, *t);
        }
        img.put_thunk(TABLE + size * thunks.len() as u32, 0);
        img.dir(1, DESC, 40);
        img
    }

    fn modules(img: &TestImage) -> Vec<ImportedModule> {
        classify(&img.build()).unwrap().import_modules
    }

    #[test]
    fn names_hints_and_ordinals_in_both_formats() {
        for (pe32_plus, flag) in [(false, 0x8000_0000u64), (true, 1 << 63)] {
            let got = modules(&one_module(pe32_plus, &[u64::from(HINT_NAME), flag | 5]));
            assert_eq!(
                got,
                [ImportedModule {
                    name: "KERNEL32.dll".into(),
                    delay: false,
                    functions: vec![
                        ImportRef::Name {
                            name: "GetTickCount".into(),
                            hint: Some(7)
                        },
                        ImportRef::by_ordinal(5),
                    ],
                }],
                "pe32+ {pe32_plus}"
            );
        }
        // In PE32, bit 31 is the ordinal flag; in PE32+ it is an ordinary RVA bit (and the
        // loader keeps the low 32 bits): 0x8000_0000 | RVA is no ordinal there.
        let err = classify(&one_module(true, &[0x8000_0000 | u64::from(HINT_NAME)]).build()).unwrap_err();
        assert!(matches!(err, ImageError::Corrupt(m) if m.contains("outside the file")));
    }

    #[test]
    fn original_first_thunk_outside_the_image_falls_back_to_first_thunk() {
        // OriginalFirstThunk in the headers (as old linkers left it zero): the loader reads
        // FirstThunk, which here holds an ordinal.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        img.put_u32(DESC, 0x10);
        img.put_u32(DESC + 16, TABLE + 0x40).put_u32(TABLE + 0x40, 0x8000_0009);
        assert_eq!(modules(&img)[0].functions, [ImportRef::by_ordinal(9)]);
        // ...and beyond SizeOfImage likewise.
        img.put_u32(DESC, 0x7fff_0000);
        assert_eq!(modules(&img)[0].functions, [ImportRef::by_ordinal(9)]);
        // A valid one is read in preference.
        img.put_u32(DESC, TABLE);
        assert_eq!(modules(&img)[0].functions[0].name(), Some("GetTickCount"));
    }

    #[test]
    fn descriptors_end_at_a_missing_name_or_address_table() {
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        // A second descriptor with a name but no FirstThunk ends the table, as the loader's loop
        // does; the one after it is never read.
        img.put_u32(DESC + 20 + 12, NAME);
        img.put_u32(DESC + 40, TABLE)
            .put_u32(DESC + 40 + 12, NAME)
            .put_u32(DESC + 40 + 16, TABLE);
        assert_eq!(modules(&img).len(), 1);
        img.put_u32(DESC + 20 + 16, TABLE);
        assert_eq!(modules(&img).len(), 3);
    }

    #[test]
    fn the_zero_filled_tail_reads_as_zeros() {
        // The import directory lies past the raw data, in the section's virtual tail: the loader
        // reads zeros there, a terminating descriptor, so nothing is imported.
        let mut img = TestImage::new(false);
        img.put(SECTION_RVA, &[1; 0x200]);
        img.zero_tail = 0x1000;
        img.dir(1, SECTION_RVA + 0x400, 40);
        assert_eq!(modules(&img), []);
        // A module name that runs into the tail ends there.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        let end = SECTION_RVA + img.section.len() as u32;
        img.put(end - 3, b"abc");
        img.put_u32(DESC + 12, end - 3);
        img.zero_tail = 0x100;
        assert_eq!(&*modules(&img)[0].name, "abc");
    }

    #[test]
    fn unreadable_tables_are_corrupt_images() {
        type Mutation = fn(&mut TestImage);
        let cases: [(&str, Mutation); 4] = [
            ("the name of imported module 0", |i| {
                i.put_u32(DESC + 12, 0x7fff_0000);
            }),
            ("lookup table at RVA 0x7fff0000", |i| {
                i.put_u32(DESC, 0x7fff_0000).put_u32(DESC + 16, 0x7fff_0000);
            }),
            ("the name of function 0 imported from KERNEL32.dll", |i| {
                i.put_u32(TABLE, 0x7fff_0000);
            }),
            ("import descriptor 0", |i| {
                i.dir(1, 0x7fff_0000, 40);
            }),
        ];
        for (expected, mutate) in cases {
            let mut img = one_module(false, &[u64::from(HINT_NAME)]);
            mutate(&mut img);
            match classify(&img.build()) {
                Err(ImageError::Corrupt(m)) => assert!(m.contains(expected), "{m} / {expected}"),
                other => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_name_without_an_end_is_refused() {
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        img.put(NAME, &[b'A'; 5000]).put_u32(DESC + 12, NAME);
        // The table and hint/name entry were overwritten: move them past the long name.
        let (table, hint_name) = (NAME + 0x1400, NAME + 0x1500);
        img.put_u32(DESC, table)
            .put_u32(DESC + 16, table)
            .put_u32(table, hint_name)
            .put_u32(table + 4, 0);
        img.put_u16(hint_name, 0).put_str(hint_name + 2, "F");
        match classify(&img.build()) {
            Err(ImageError::Corrupt(m)) => assert!(m.contains("no end within 4096 bytes"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn counts_are_bounded() {
        // More descriptors than MAX_IMPORT_MODULES, none the terminating one.
        let mut img = TestImage::new(false);
        let (name, table, hint_name) = (SECTION_RVA, SECTION_RVA + 0x20, SECTION_RVA + 0x40);
        img.put_str(name, "a.dll")
            .put_u32(table, hint_name)
            .put_u32(table + 4, 0);
        img.put_u16(hint_name, 0).put_str(hint_name + 2, "F");
        let desc = SECTION_RVA + 0x100;
        for i in 0..=MAX_IMPORT_MODULES as u32 {
            img.put_u32(desc + 20 * i + 12, name).put_u32(desc + 20 * i + 16, table);
        }
        img.dir(1, desc, 20);
        match classify(&img.build()) {
            Err(ImageError::Corrupt(m)) => assert!(m.contains("more than 4096 import descriptors"), "{m}"),
            other => panic!("{other:?}"),
        }
        // A lookup table longer than MAX_MODULE_FUNCTIONS.
        let mut img = one_module(false, &[]);
        let long = SECTION_RVA + 0x2000;
        for j in 0..=MAX_MODULE_FUNCTIONS as u32 {
            img.put_u32(long + 4 * j, 0x8000_0001);
        }
        img.put_u32(DESC, long).put_u32(DESC + 16, long);
        match classify(&img.build()) {
            Err(ImageError::Corrupt(m)) => assert!(m.contains("more than 65536 functions"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Five modules sharing one table of 60,000 functions: 300,000 in all.
        let mut img = TestImage::new(false);
        img.put_str(name, "a.dll");
        let shared = SECTION_RVA + 0x2000;
        for j in 0..60_000 {
            img.put_u32(shared + 4 * j, 0x8000_0001);
        }
        for i in 0..5 {
            img.put_u32(desc + 20 * i + 12, name)
                .put_u32(desc + 20 * i + 16, shared);
        }
        img.dir(1, desc, 120);
        match classify(&img.build()) {
            Err(ImageError::Corrupt(m)) => assert!(m.contains("more than 262144 imported functions"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    /// A delay-load descriptor at `at` for `module`, in the RVA form or the VC6 (VA) form.
    fn delay(img: &mut TestImage, at: u32, va_form: bool, name: u32, int: u32) {
        let base = if va_form { img.image_base() as u32 } else { 0 };
        img.put_u32(at, u32::from(!va_form))
            .put_u32(at + 4, base + name)
            .put_u32(at + 8, base + 0x1f00)
            .put_u32(at + 12, base + 0x1f10)
            .put_u32(at + 16, base + int);
    }

    #[test]
    fn delay_loads_in_both_forms() {
        for va_form in [false, true] {
            let mut img = one_module(false, &[u64::from(HINT_NAME)]);
            let (dir, name, int, hint_name) = (0x1c00, 0x1c80, 0x1ca0, 0x1cc0);
            delay(&mut img, dir, va_form, name, int);
            img.put_str(name, "helper.dll");
            let base = if va_form { img.image_base() as u32 } else { 0 };
            img.put_u32(int, base + hint_name)
                .put_u32(int + 4, 0x8000_0005)
                .put_u32(int + 8, 0);
            img.put_u16(hint_name, 3).put_str(hint_name + 2, "HelperFunc");
            img.dir(13, dir, 64);
            let info = classify(&img.build()).unwrap();
            assert_eq!(info.delay_load_error, None);
            let delayed: Vec<_> = info.delay_imports().collect();
            assert_eq!(
                delayed,
                [&ImportedModule {
                    name: "helper.dll".into(),
                    delay: true,
                    functions: vec![
                        ImportRef::Name {
                            name: "HelperFunc".into(),
                            hint: Some(3)
                        },
                        ImportRef::by_ordinal(5)
                    ],
                }],
                "va form {va_form}"
            );
            // The static imports come first and are not delay-loaded.
            assert_eq!(info.static_imports().count(), 1);
            assert_eq!(info.imports, ["KERNEL32.dll"]);
        }
    }

    #[test]
    fn a_broken_delay_table_is_reported_not_fatal() {
        let (dir, name, int, hint_name) = (0x1c00, 0x1c80, 0x1ca0, 0x1cc0);
        let good = |img: &mut TestImage| {
            delay(img, dir, false, name, int);
            img.put_str(name, "helper.dll")
                .put_u32(int, hint_name)
                .put_u32(int + 4, 0);
            img.put_u16(hint_name, 0).put_str(hint_name + 2, "F");
        };
        // The second descriptor's module name lies outside the file: the first is kept.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        good(&mut img);
        delay(&mut img, dir + 32, false, 0x7fff_0000, int);
        img.dir(13, dir, 96);
        let info = classify(&img.build()).unwrap();
        assert_eq!(info.delay_imports().count(), 1);
        assert!(
            info.delay_load_error
                .as_deref()
                .is_some_and(|e| e.contains("the name of delay-loaded module 1")),
            "{:?}",
            info.delay_load_error
        );
        assert_eq!(info.static_imports().count(), 1);
        // No name table.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        delay(&mut img, dir, false, name, 0);
        img.put_str(name, "helper.dll").dir(13, dir, 64);
        let info = classify(&img.build()).unwrap();
        assert!(info.delay_load_error.is_some_and(|e| e.contains("has no name table")));
        // The VC6 form in a 64-bit image: its fields cannot hold 64-bit addresses.
        let mut img = one_module(true, &[u64::from(HINT_NAME)]);
        delay(&mut img, dir, true, name, int);
        img.put_str(name, "helper.dll").dir(13, dir, 64);
        let info = classify(&img.build()).unwrap();
        assert!(info.delay_load_error.is_some_and(|e| e.contains("no RVA attribute")));
        // A directory smaller than one descriptor.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        good(&mut img);
        img.dir(13, dir, 16);
        let info = classify(&img.build()).unwrap();
        assert!(
            info.delay_load_error
                .is_some_and(|e| e.contains("smaller than one descriptor"))
        );
        // The directory's size ends the table even without a zero descriptor.
        let mut img = one_module(false, &[u64::from(HINT_NAME)]);
        good(&mut img);
        delay(&mut img, dir + 32, false, 0x7fff_0000, int);
        img.dir(13, dir, 32);
        let info = classify(&img.build()).unwrap();
        assert_eq!((info.delay_imports().count(), info.delay_load_error), (1, None));
    }

    #[test]
    fn display_and_accessors() {
        assert_eq!(ImportRef::by_name("GetTickCount").to_string(), "GetTickCount");
        assert_eq!(ImportRef::by_ordinal(5).to_string(), "#5");
        assert_eq!(ImportRef::by_ordinal(5).ordinal(), Some(5));
        assert_eq!(ImportRef::by_name("F").name(), Some("F"));
        assert_eq!(
            serde_json::to_string(&ImportRef::Name {
                name: "F".into(),
                hint: Some(2)
            })
            .unwrap(),
            r#"{"name":"F","hint":2}"#
        );
        assert_eq!(
            serde_json::to_string(&ImportRef::by_ordinal(5)).unwrap(),
            r#"{"ordinal":5}"#
        );
    }

    #[test]
    fn up_to_max_import_functions_are_read() {
        // Four modules of MAX_MODULE_FUNCTIONS ordinals each (one table, four descriptors) make
        // MAX_IMPORT_FUNCTIONS; a fifth with one function more is refused.
        let mut img = TestImage::new(false);
        let (name, one, long) = (SECTION_RVA, SECTION_RVA + 0x20, SECTION_RVA + 0x1000);
        img.put_str(name, "a.dll").put_u32(one, 0x8000_0001).put_u32(one + 4, 0);
        for j in 0..MAX_MODULE_FUNCTIONS as u32 {
            img.put_u32(long + 4 * j, 0x8000_0001);
        }
        img.put_u32(long + 4 * MAX_MODULE_FUNCTIONS as u32, 0);
        let desc = SECTION_RVA + 0x100;
        for i in 0..4 {
            img.put_u32(desc + 20 * i + 12, name).put_u32(desc + 20 * i + 16, long);
        }
        img.dir(1, desc, 20);
        let info = classify(&img.build()).unwrap();
        let total: usize = info.import_modules.iter().map(|m| m.functions.len()).sum();
        assert_eq!(total, MAX_IMPORT_FUNCTIONS);
        img.put_u32(desc + 20 * 4 + 12, name).put_u32(desc + 20 * 4 + 16, one);
        match classify(&img.build()) {
            Err(ImageError::Corrupt(m)) => assert!(m.starts_with("more than 262144 imported functions"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_import_directory_at_rva_zero_is_none_whatever_its_size() {
        let mut img = TestImage::new(false);
        img.dir(1, 0, 40);
        let mut b = img.build();
        // The DOS header at RVA 0 holds the usual stub's fields (e_maxalloc 0xffff, e_sp 0xb8),
        // which read as a descriptor would name a module.
        b[0x0c..0x14].copy_from_slice(&[0xff, 0xff, 0, 0, 0, 0, 0xb8, 0]);
        assert_eq!(classify(&b).unwrap().import_modules, []);
    }

    #[test]
    fn a_lookup_table_where_the_headers_end_is_read() {
        // OriginalFirstThunk is passed over for FirstThunk only when it points into the headers
        // or past the image: SizeOfHeaders itself is the first RVA it may hold.
        let (desc, iat) = (SECTION_RVA + 0x100, SECTION_RVA + 0xb00);
        let mut img = TestImage::new(false);
        img.put_thunk(SECTION_RVA, u64::from(HINT_NAME))
            .put_thunk(SECTION_RVA + 4, 0);
        img.put_u32(desc, SECTION_RVA)
            .put_u32(desc + 12, NAME)
            .put_u32(desc + 16, iat);
        img.put_str(NAME, "KERNEL32.dll");
        img.put_u16(HINT_NAME, 7).put_str(HINT_NAME + 2, "GetTickCount");
        img.put_thunk(iat, 0x8000_0005).put_thunk(iat + 4, 0);
        img.dir(1, desc, 40);
        let mut b = img.build();
        let opt = u32::from_le_bytes(b[0x3c..0x40].try_into().unwrap()) as usize + 24;
        b[opt + 60..opt + 64].copy_from_slice(&SECTION_RVA.to_le_bytes());
        assert_eq!(
            classify(&b).unwrap().import_modules[0].functions,
            [ImportRef::Name {
                name: "GetTickCount".into(),
                hint: Some(7)
            }]
        );
    }
}
