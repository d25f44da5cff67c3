//! Holds mblint's reading of every committed test image's import and export tables to what
//! binutils' `objdump -p` printed of it (testdata/images/objdump-p/, written by build.sh): module
//! names, each imported function's name and hint or ordinal, the ordinal base and table size, every
//! name with its ordinal, every address and every forwarder string. objdump is an independent
//! reader; a disagreement is a bug in one of the two, and the test names the image and the entry.

use mblint::resolve::pe::{self, ExportTarget, ImportRef};

const IMAGES: &str = "testdata/images";

#[derive(Debug, Default)]
struct Listing {
    /// (module, functions) in table order.
    imports: Vec<(String, Vec<ImportRef>)>,
    base: Option<u32>,
    count: Option<u32>,
    /// (slot, RVA, forwarder text) of every filled address-table slot.
    addresses: Vec<(u32, u32, Option<String>)>,
    /// (slot, name); `None`: objdump found the name's RVA corrupt.
    names: Vec<(u32, Option<String>)>,
}

/// `[   3]` -> 3, and the rest of the line.
fn bracketed(text: &str) -> (u32, &str) {
    let (number, rest) = text
        .trim_start()
        .strip_prefix('[')
        .and_then(|t| t.split_once(']'))
        .unwrap_or_else(|| panic!("no [n] in {text:?}"));
    (number.trim().parse().unwrap(), rest)
}

fn parse(text: &str) -> Listing {
    let mut listing = Listing::default();
    #[derive(PartialEq)]
    enum Part {
        None,
        Imports,
        Addresses,
        Names,
    }
    let mut part = Part::None;
    for line in text.lines() {
        if let Some(module) = line.strip_prefix("\tDLL Name: ") {
            listing.imports.push((module.to_string(), Vec::new()));
            part = Part::Imports;
            continue;
        }
        if let Some(base) = line.strip_prefix("Ordinal Base") {
            listing.base = Some(base.trim().parse().unwrap());
            continue;
        }
        // Under "Number in:"; the same words under "Table Addresses" give the table's RVA.
        if let Some(count) = line.strip_prefix("\tExport Address Table \t\t") {
            listing
                .count
                .get_or_insert_with(|| u32::from_str_radix(count.trim(), 16).unwrap());
            continue;
        }
        if line.starts_with("Export Address Table -- Ordinal Base") {
            part = Part::Addresses;
            continue;
        }
        if line.starts_with("[Ordinal/Name Pointer] Table") {
            part = Part::Names;
            continue;
        }
        if line.trim().is_empty() || !line.starts_with('\t') {
            if part != Part::Names || line.trim().is_empty() {
                part = Part::None;
            }
            continue;
        }
        match part {
            Part::Imports => {
                if line.starts_with("\tvma:") {
                    continue;
                }
                // "\t4040\t    1  free" or "\t80000005\t    5  <none>"
                let fields: Vec<&str> = line.split('\t').collect();
                let (number, name) = fields[2].trim_start().split_once("  ").unwrap();
                let function = if name == "<none>" {
                    let thunk = u64::from_str_radix(fields[1], 16).unwrap();
                    ImportRef::by_ordinal(thunk as u16)
                } else {
                    ImportRef::Name {
                        name: name.into(),
                        hint: Some(number.trim().parse().unwrap()),
                    }
                };
                listing.imports.last_mut().unwrap().1.push(function);
            }
            Part::Addresses => {
                // "\t[   1] +base[   2] 3086 Forwarder RVA -- KERNEL32.GetTickCount"
                let (slot, rest) = bracketed(line);
                let rest = rest.trim_start().strip_prefix("+base").unwrap();
                let (_, rest) = bracketed(rest);
                let (rva, kind) = rest.trim_start().split_once(' ').unwrap();
                let forwarder = kind.strip_prefix("Forwarder RVA -- ").map(str::to_string);
                assert!(forwarder.is_some() || kind == "Export RVA", "{line:?}");
                listing
                    .addresses
                    .push((slot, u32::from_str_radix(rva, 16).unwrap(), forwarder));
            }
            Part::Names => {
                let (slot, name) = bracketed(line);
                let name = name.trim();
                let name = (!name.starts_with("<corrupt")).then(|| name.to_string());
                listing.names.push((slot, name));
            }
            Part::None => {}
        }
    }
    listing
}

#[test]
fn every_image_reads_as_objdump_p_lists_it() {
    let formats = std::fs::read_to_string(format!("{IMAGES}/objdump-f.txt")).unwrap();
    let mut compared = 0;
    let mut functions = 0;
    for line in formats.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let (file, format) = (fields[0], fields[1]);
        if !format.starts_with("pei-") {
            continue;
        }
        let text = std::fs::read_to_string(format!("{IMAGES}/objdump-p/{file}.txt"))
            .unwrap_or_else(|e| panic!("{file}: no objdump -p listing ({e}): run build.sh --listings"));
        let listing = parse(&text);
        let info = match pe::classify(&std::fs::read(format!("{IMAGES}/{file}")).unwrap()) {
            Ok(info) => info,
            // binutils is more lenient than the Windows loader: these it lists, the loader refuses.
            Err(e) => {
                assert!(file.starts_with("corrupt/"), "{file}: {e}");
                continue;
            }
        };

        let ours: Vec<(String, Vec<ImportRef>)> = info
            .static_imports()
            .map(|m| (m.name.to_string(), m.functions.clone()))
            .collect();
        assert_eq!(ours, listing.imports, "{file}: imports");
        functions += ours.iter().map(|(_, f)| f.len()).sum::<usize>();

        let table = &info.export_table;
        if listing.base.is_none() {
            assert!(table.is_empty(), "{file}: exports where objdump lists none");
            compared += 1;
            continue;
        }
        let base = listing.base.unwrap();
        assert_eq!(Some(table.ordinal_base()), listing.base, "{file}: ordinal base");
        assert_eq!(
            Some(table.function_count()),
            listing.count,
            "{file}: address table size"
        );
        // Names, with the ordinal each leads to (objdump shows the unbiased slot).
        let names: Vec<(u32, &str)> = table.names().map(|(n, ordinal)| (ordinal - base, n)).collect();
        assert_eq!(names.len(), listing.names.len(), "{file}: name count");
        for ((slot, ours), (their_slot, theirs)) in names.iter().zip(&listing.names) {
            assert_eq!(slot, their_slot, "{file}: {ours}");
            // objdump calls a name at RVA 0 corrupt; the loader reads the headers there ("MZ").
            if let Some(theirs) = theirs {
                assert_eq!(ours, theirs, "{file}: name in slot {slot}");
            }
        }
        // Every filled slot, by ordinal: code where objdump says an export RVA, the same forwarder
        // string where it says a forwarder; and the slots objdump skips are empty.
        let mut forwarders: Vec<(u32, String)> = Vec::new();
        for slot in 0..table.function_count().min(65_536) {
            let ordinal = base + slot;
            let resolved = table.resolve(&ImportRef::by_ordinal(ordinal as u16));
            match listing.addresses.iter().find(|(s, _, _)| *s == slot) {
                None => assert_eq!(resolved, None, "{file}: slot {slot} is empty in objdump"),
                Some((_, rva, None)) => assert_eq!(
                    resolved,
                    Some(ExportTarget::Here { ordinal, rva: *rva }),
                    "{file}: slot {slot}"
                ),
                Some((_, _, Some(text))) => {
                    assert!(
                        matches!(
                            resolved,
                            Some(ExportTarget::Forwarded { .. } | ExportTarget::BadForwarder { .. })
                        ),
                        "{file}: slot {slot} is a forwarder: {resolved:?}"
                    );
                    forwarders.push((ordinal, text.clone()));
                }
            }
        }
        let ours: Vec<(u32, String)> = table
            .forwarders()
            .map(|(ordinal, text)| (ordinal, text.unwrap().to_string()))
            .collect();
        assert_eq!(ours, forwarders, "{file}: forwarders");
        compared += 1;
    }
    // Every image binutils reads but the corrupt ones, and their functions.
    assert!(compared >= 45, "only {compared} images compared");
    assert!(functions >= 30, "only {functions} imported functions compared");
}

#[test]
fn the_parser_reads_what_objdump_prints() {
    // Guards the test above against a parser that reads nothing.
    let listing = parse(&std::fs::read_to_string(format!("{IMAGES}/objdump-p/x86/deps/forwarder.dll.txt")).unwrap());
    assert_eq!(
        (listing.base, listing.count, listing.names.len()),
        (Some(1), Some(6), 6)
    );
    assert_eq!(
        listing.addresses[1],
        (1, 0x3086, Some("KERNEL32.GetTickCount".to_string()))
    );
    let listing = parse(&std::fs::read_to_string(format!("{IMAGES}/objdump-p/x64/deps/ext-ordinal.dll.txt")).unwrap());
    assert_eq!(
        listing.imports,
        [(
            "helper.dll".to_string(),
            vec![ImportRef::by_ordinal(5), ImportRef::by_ordinal(99)]
        )]
    );
    let listing =
        parse(&std::fs::read_to_string(format!("{IMAGES}/objdump-p/x64/deps/ext-vista-kernel32.dll.txt")).unwrap());
    assert_eq!(listing.imports[0].1.len(), 3);
    assert_eq!(
        listing.imports[0].1[0],
        ImportRef::Name {
            name: "GetTickCount".into(),
            hint: Some(799)
        }
    );
}
