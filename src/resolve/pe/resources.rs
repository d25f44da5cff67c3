//! The side-by-side manifest a DLL embeds: an RT_MANIFEST (24) resource.
//!
//! Windows reserves RT_MANIFEST IDs 1 to 16, and "a binary cannot have two IDs of resource type
//! RT_MANIFEST within 1-16. Windows will refuse to load such binary in Windows XP/Windows Server
//! 2003". ID 2 (ISOLATIONAWARE_MANIFEST_RESOURCE_ID) is the one LoadLibrary reads "before loading
//! the dependencies of the dll" to create the activation context its static imports are found in;
//! "if the dll has a resource of type RT_MANIFEST, ID CREATEPROCESS_MANIFEST_RESOURCE_ID (1),
//! Windows will use that manifest as the dependency" too (Junfeng Zhang, "RT_MANIFEST resource,
//! and ISOLATION_AWARE_ENABLED", <https://learn.microsoft.com/archive/blogs/junfeng/rt_manifest-resource-and-isolation_aware_enabled>).
//! ID 3 (ISOLATIONAWARE_NOSTATICIMPORT) is not used for static imports ("Using Side-by-Side
//! Assemblies as a Resource", <https://learn.microsoft.com/windows/win32/sbscs/using-side-by-side-assemblies-as-a-resource>).
//!
//! The resource tree is read three levels deep (type, name, language) and no deeper, so a tree
//! that loops cannot make the reader loop: an entry that leads to a directory where a data entry
//! belongs, or to data where a directory belongs, makes the manifest unreadable. Directories are
//! searched by ID as the loader does, by binary search over entries in ascending order; entries
//! out of order make it unreadable too (which one the loader would find is not settled).

use serde::Serialize;

use super::Headers;
use super::manifest::{AssemblyManifest, DependentAssembly, MAX_MANIFEST_TEXT, parse_assembly_manifest};

/// RT_MANIFEST.
const RT_MANIFEST: u32 = 24;
/// The IDs Windows reserves for manifests (MINIMUM_RESERVED_MANIFEST_RESOURCE_ID to MAXIMUM_...).
const RESERVED_IDS: std::ops::RangeInclusive<u32> = 1..=16;
/// The most entries read from one resource directory (its two counts are 16 bits each).
const MAX_DIRECTORY_ENTRIES: usize = 4096;

/// The manifest an image embeds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EmbeddedManifest {
    /// No RT_MANIFEST resource with a reserved ID (1-16): no side-by-side dependencies.
    #[default]
    None,
    /// Exactly one.
    Present(Box<Manifest>),
    /// More than one reserved ID: Windows XP and Server 2003 refuse to load the image.
    Several { resource_ids: Vec<u16> },
    /// The resources or the manifest could not be read: its dependencies are unknown.
    Unreadable { unreadable: String },
}

/// An embedded manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// 1 (CREATEPROCESS), 2 (ISOLATIONAWARE), 3 (ISOLATIONAWARE_NOSTATICIMPORT), or another
    /// reserved ID Windows gives no meaning.
    pub resource_id: u16,
    pub language: u16,
    #[serde(flatten)]
    pub parsed: AssemblyManifest,
    /// The manifest's text, at most [`MAX_MANIFEST_TEXT`] bytes.
    pub text: Box<str>,
}

impl Manifest {
    /// Whether the loader reads this manifest for the image's static imports: IDs 1 and 2.
    pub fn applies_to_static_imports(&self) -> bool {
        matches!(self.resource_id, 1 | 2)
    }

    pub fn dependencies(&self) -> &[DependentAssembly] {
        &self.parsed.dependencies
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One resource directory: its ID entries as (ID, offset field), in their order. Named entries
/// (which precede the ID entries) are skipped: RT_MANIFEST and its reserved IDs are IDs.
fn id_entries(h: &Headers, b: &[u8], root: u32, offset: u32, what: &str) -> Result<Vec<(u32, u32)>, String> {
    let at = root
        .checked_add(offset)
        .ok_or_else(|| format!("the {what} directory lies outside the image"))?;
    let head = h
        .bytes(b, at, 16)
        .ok_or_else(|| format!("the {what} directory (RVA {at:#x}) lies outside the file"))?;
    let named = usize::from(u16::from_le_bytes([head[12], head[13]]));
    let ids = usize::from(u16::from_le_bytes([head[14], head[15]]));
    if named + ids > MAX_DIRECTORY_ENTRIES {
        return Err(format!(
            "the {what} directory lists {} entries; mblint reads at most {MAX_DIRECTORY_ENTRIES}",
            named + ids
        ));
    }
    let first = at
        .checked_add(16 + 8 * named as u32)
        .ok_or_else(|| format!("the {what} directory lies outside the image"))?;
    let raw = h
        .bytes(b, first, 8 * ids)
        .ok_or_else(|| format!("the entries of the {what} directory (RVA {first:#x}) lie outside the file"))?;
    let entries: Vec<(u32, u32)> = raw.chunks_exact(8).map(|e| (le32(e, 0), le32(e, 4))).collect();
    if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(format!(
            "the {what} directory's IDs are not in ascending order: which entry the loader finds is not settled"
        ));
    }
    Ok(entries)
}

const SUBDIRECTORY: u32 = 0x8000_0000;

/// A subdirectory's offset, or why the entry is not one.
fn subdirectory(offset: u32, what: &str) -> Result<u32, String> {
    if offset & SUBDIRECTORY == 0 {
        return Err(format!("the {what} entry leads to data where a directory belongs"));
    }
    Ok(offset & !SUBDIRECTORY)
}

/// Reads the manifest resource, if any. `notes` learns of what was passed over.
pub(super) fn embedded_manifest(h: &Headers, b: &[u8], notes: &mut Vec<String>) -> EmbeddedManifest {
    let Some((root, _)) = h.directory(2) else {
        return EmbeddedManifest::None;
    };
    match read(h, b, root, notes) {
        Ok(manifest) => manifest,
        Err(unreadable) => EmbeddedManifest::Unreadable { unreadable },
    }
}

fn read(h: &Headers, b: &[u8], root: u32, notes: &mut Vec<String>) -> Result<EmbeddedManifest, String> {
    let types = id_entries(h, b, root, 0, "resource type")?;
    let Some(&(_, manifests)) = types.iter().find(|(id, _)| *id == RT_MANIFEST) else {
        return Ok(EmbeddedManifest::None);
    };
    let names = id_entries(h, b, root, subdirectory(manifests, "RT_MANIFEST")?, "RT_MANIFEST")?;
    let reserved: Vec<(u32, u32)> = names.into_iter().filter(|(id, _)| RESERVED_IDS.contains(id)).collect();
    let (id, languages) = match reserved.as_slice() {
        [] => return Ok(EmbeddedManifest::None),
        [one] => *one,
        several => {
            return Ok(EmbeddedManifest::Several {
                // reserved IDs are 1-16
                resource_ids: several.iter().map(|(id, _)| *id as u16).collect(),
            });
        }
    };
    let what = format!("RT_MANIFEST {id}");
    let languages = id_entries(h, b, root, subdirectory(languages, &what)?, &what)?;
    let Some(&(language, entry)) = languages.first() else {
        return Err(format!("the {what} directory has no language entry"));
    };
    if languages.len() > 1 {
        notes.push(format!(
            "the manifest (RT_MANIFEST {id}) is there in {} languages; the first, {language:#06x}, is read",
            languages.len()
        ));
    }
    if entry & SUBDIRECTORY != 0 {
        return Err(format!(
            "the {what} language entry leads to a directory where its data belongs"
        ));
    }
    let at = root
        .checked_add(entry)
        .ok_or_else(|| format!("the {what} data entry lies outside the image"))?;
    let data = h
        .bytes(b, at, 16)
        .ok_or_else(|| format!("the {what} data entry (RVA {at:#x}) lies outside the file"))?;
    let (data_rva, size) = (le32(&data, 0), le32(&data, 4) as usize);
    if size > MAX_MANIFEST_TEXT {
        return Err(format!(
            "the manifest (RT_MANIFEST {id}) is {size} bytes; mblint reads at most {MAX_MANIFEST_TEXT}"
        ));
    }
    let bytes = h
        .bytes(b, data_rva, size)
        .ok_or_else(|| format!("the manifest (RT_MANIFEST {id}, RVA {data_rva:#x}) lies outside the file"))?;
    let text = decode(&bytes).map_err(|why| format!("the manifest (RT_MANIFEST {id}) {why}"))?;
    let parsed =
        parse_assembly_manifest(&text).map_err(|e| format!("the manifest (RT_MANIFEST {id}) cannot be read: {e}"))?;
    Ok(EmbeddedManifest::Present(Box::new(Manifest {
        // reserved IDs are 1-16; languages are 16-bit LANGIDs
        resource_id: id as u16,
        language: language as u16,
        parsed,
        text: text.into_boxed_str(),
    })))
}

/// A manifest's bytes as text: UTF-8 (its byte-order mark dropped) or UTF-16 with a byte-order
/// mark; NULs that pad the resource's end are dropped.
fn decode(bytes: &[u8]) -> Result<String, String> {
    let end = bytes.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let utf16 = |units: Vec<u16>| String::from_utf16(&units).map_err(|_| "is not valid UTF-16".to_string());
    // UTF-16's padding NULs come in pairs: keep the last unit whole.
    let even = |bytes: &[u8]| -> usize { (end + 1).min(bytes.len()) & !1 };
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(&rest[..end - 3])
            .map(str::to_string)
            .map_err(|_| "is not valid UTF-8".into());
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let body = &bytes[2..even(bytes).max(2)];
        return utf16(body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect());
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let body = &bytes[2..even(bytes).max(2)];
        return utf16(body.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect());
    }
    std::str::from_utf8(&bytes[..end])
        .map(str::to_string)
        .map_err(|_| "is neither UTF-8 nor UTF-16 with a byte-order mark".into())
}

#[cfg(test)]
mod tests {
    use super::super::classify;
    use super::super::testing::{SECTION_RVA, TestImage};
    use super::*;

    const ROOT: u32 = SECTION_RVA;

    /// A directory at `at` (relative to ROOT) with `named` named entries and these ID entries.
    fn directory(img: &mut TestImage, at: u32, named: u16, ids: &[(u32, u32)]) {
        img.put_u16(ROOT + at + 12, named)
            .put_u16(ROOT + at + 14, ids.len() as u16);
        for (k, (id, offset)) in ids.iter().enumerate() {
            let entry = ROOT + at + 16 + 8 * (u32::from(named) + k as u32);
            img.put_u32(entry, *id).put_u32(entry + 4, *offset);
        }
    }

    /// RT_MANIFEST with one ID entry per `(id, bytes)`, each in language 0x409.
    fn manifests(items: &[(u32, &[u8])]) -> TestImage {
        let mut img = TestImage::new(false);
        // A version resource (16) before RT_MANIFEST, as real images have.
        directory(
            &mut img,
            0,
            0,
            &[(16, SUBDIRECTORY | 0x100), (24, SUBDIRECTORY | 0x200)],
        );
        directory(&mut img, 0x100, 0, &[]);
        let names: Vec<(u32, u32)> = items
            .iter()
            .enumerate()
            .map(|(k, (id, _))| (*id, SUBDIRECTORY | (0x300 + 0x40 * k as u32)))
            .collect();
        directory(&mut img, 0x200, 0, &names);
        let mut data_at = ROOT + 0x1000;
        for (k, (_, bytes)) in items.iter().enumerate() {
            let lang = 0x300 + 0x40 * k as u32;
            directory(&mut img, lang, 0, &[(0x409, lang + 0x20)]);
            img.put_u32(ROOT + lang + 0x20, data_at)
                .put_u32(ROOT + lang + 0x24, bytes.len() as u32);
            img.put(data_at, bytes);
            data_at += bytes.len() as u32 + 16;
        }
        img.dir(2, ROOT, 0x1000);
        img
    }

    const TEXT: &str = "<assembly xmlns='urn:schemas-microsoft-com:asm.v1' manifestVersion='1.0'><dependency>\
        <dependentAssembly><assemblyIdentity type='win32' name='Microsoft.VC80.CRT' version='8.0.50727.762' \
        processorArchitecture='x86' publicKeyToken='1fc8b3b9a1e18e3b'/></dependentAssembly></dependency></assembly>";

    fn read(img: &TestImage) -> EmbeddedManifest {
        classify(&img.build()).unwrap().manifest
    }

    #[test]
    fn the_reserved_ids_and_what_they_mean() {
        for id in [1, 2, 3] {
            let EmbeddedManifest::Present(m) = read(&manifests(&[(id, TEXT.as_bytes())])) else {
                panic!("{id}")
            };
            assert_eq!((m.resource_id, m.language), (id as u16, 0x409));
            assert_eq!(m.applies_to_static_imports(), id != 3);
            assert_eq!(&*m.dependencies()[0].identity.name, "Microsoft.VC80.CRT");
            assert_eq!(&*m.text, TEXT);
        }
        // IDs past 16 are the developer's own: not a manifest the loader reads.
        assert_eq!(read(&manifests(&[(17, TEXT.as_bytes())])), EmbeddedManifest::None);
        // Two reserved IDs: Windows Server 2003 refuses the image.
        assert_eq!(
            read(&manifests(&[(1, TEXT.as_bytes()), (2, TEXT.as_bytes()), (40, b"x")])),
            EmbeddedManifest::Several {
                resource_ids: vec![1, 2]
            }
        );
        // No RT_MANIFEST at all.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0, 0, &[(16, SUBDIRECTORY | 0x100)]);
        assert_eq!(read(&img), EmbeddedManifest::None);
    }

    #[test]
    fn text_encodings() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(TEXT.encode_utf16().flat_map(u16::to_le_bytes))
            .chain([0, 0, 0, 0])
            .collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(TEXT.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let utf8_bom: Vec<u8> = [0xEF, 0xBB, 0xBF]
            .into_iter()
            .chain(TEXT.bytes())
            .chain([0, 0])
            .collect();
        for bytes in [utf16le, utf16be, utf8_bom] {
            match read(&manifests(&[(2, &bytes)])) {
                EmbeddedManifest::Present(m) => assert_eq!(&*m.text, TEXT),
                other => panic!("{other:?}"),
            }
        }
        for (bytes, why) in [
            (&b"<assembly>\xff</assembly>"[..], "neither UTF-8 nor UTF-16"),
            (&[0xFF, 0xFE, 0x00, 0xD8][..], "not valid UTF-16"),
            (&b"<assembly>"[..], "cannot be read: line 1"),
        ] {
            match read(&manifests(&[(2, bytes)])) {
                EmbeddedManifest::Unreadable { unreadable } => assert!(unreadable.contains(why), "{unreadable}"),
                other => panic!("{why}: {other:?}"),
            }
        }
    }

    fn unreadable(img: &TestImage) -> String {
        match read(img) {
            EmbeddedManifest::Unreadable { unreadable } => unreadable,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_trees_are_unreadable_never_followed() {
        // The language entry leads back to the root: a loop, refused at the fixed depth.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0x300, 0, &[(0x409, SUBDIRECTORY)]);
        assert!(unreadable(&img).contains("leads to a directory where its data belongs"));
        // RT_MANIFEST's entry leads to the root itself: the root's IDs are read as manifest IDs,
        // as the loader would read them: 16 (RT_VERSION) is a reserved manifest ID, whose
        // "language directory" (the version resource's) is empty. Read three levels deep, no loop.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0, 0, &[(16, SUBDIRECTORY | 0x100), (24, SUBDIRECTORY)]);
        assert!(unreadable(&img).contains("RT_MANIFEST 16 directory has no language entry"));
        // ... and to data where a directory belongs.
        directory(&mut img, 0, 0, &[(24, 0x20)]);
        assert!(unreadable(&img).contains("leads to data where a directory belongs"));
        // IDs out of order.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(
            &mut img,
            0,
            0,
            &[(24, SUBDIRECTORY | 0x200), (16, SUBDIRECTORY | 0x100)],
        );
        assert!(unreadable(&img).contains("not in ascending order"));
        // Huge counts.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        img.put_u16(ROOT + 12, 0xffff).put_u16(ROOT + 14, 0xffff);
        assert!(unreadable(&img).contains("lists 131070 entries"));
        // A manifest larger than mblint reads, and one outside the file.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        img.put_u32(ROOT + 0x324, 0x7fff_ffff);
        assert!(unreadable(&img).contains("mblint reads at most"));
        img.put_u32(ROOT + 0x324, 16).put_u32(ROOT + 0x320, 0x7fff_0000);
        assert!(unreadable(&img).contains("lies outside the file"));
        // A directory outside the file.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0x200, 0, &[(2, SUBDIRECTORY | 0x7fff_0000)]);
        assert!(unreadable(&img).contains("RT_MANIFEST 2 directory"));
        // No language entry.
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0x300, 0, &[]);
        assert!(unreadable(&img).contains("no language entry"));
    }

    #[test]
    fn several_languages_are_noted() {
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0x300, 0, &[(0x407, 0x320), (0x409, 0x320)]);
        let info = classify(&img.build()).unwrap();
        assert!(matches!(&info.manifest, EmbeddedManifest::Present(m) if m.language == 0x407));
        assert!(info.notes.iter().any(|n| n.contains("2 languages")), "{:?}", info.notes);
    }

    #[test]
    fn serialises_for_inspect() {
        let json = |m: &EmbeddedManifest| serde_json::to_value(m).unwrap();
        assert_eq!(json(&EmbeddedManifest::None), serde_json::Value::Null);
        assert_eq!(
            json(&EmbeddedManifest::Several {
                resource_ids: vec![1, 2]
            }),
            serde_json::json!({"resource_ids": [1, 2]})
        );
        let present = json(&read(&manifests(&[(2, TEXT.as_bytes())])));
        assert_eq!(present["resource_id"], 2);
        assert_eq!(
            present["dependencies"][0]["identity"]["public_key_token"],
            "1fc8b3b9a1e18e3b"
        );
        assert_eq!(present["text"], TEXT);
    }

    #[test]
    fn a_directory_of_max_directory_entries_is_read() {
        // The language directory moved out of the way and given 4,095 named entries (zeros, read
        // past) before its one ID entry: 4,096 entries in all are read; 4,097 are refused.
        let far = 0x2000;
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        directory(&mut img, 0x200, 0, &[(2, SUBDIRECTORY | far)]);
        directory(&mut img, far, 4095, &[(0x409, 0x320)]);
        assert!(matches!(read(&img), EmbeddedManifest::Present(m) if &*m.text == TEXT));
        directory(&mut img, far, 4096, &[(0x409, 0x320)]);
        assert!(unreadable(&img).contains("lists 4097 entries"));
    }

    #[test]
    fn one_language_is_read_without_a_note() {
        let info = classify(&manifests(&[(2, TEXT.as_bytes())]).build()).unwrap();
        assert!(matches!(&info.manifest, EmbeddedManifest::Present(m) if m.language == 0x409));
        assert!(!info.notes.iter().any(|n| n.contains("languages")), "{:?}", info.notes);
    }

    #[test]
    fn a_manifest_resource_of_exactly_max_manifest_text_bytes_is_read() {
        // The resource's size counts the NULs that pad it: the text, then zeros to the limit.
        let data = ROOT + 0x1000;
        let mut img = manifests(&[(2, TEXT.as_bytes())]);
        img.put(data + MAX_MANIFEST_TEXT as u32, &[0]);
        img.put_u32(ROOT + 0x324, MAX_MANIFEST_TEXT as u32);
        assert!(matches!(read(&img), EmbeddedManifest::Present(m) if &*m.text == TEXT));
        img.put_u32(ROOT + 0x324, MAX_MANIFEST_TEXT as u32 + 1);
        assert!(unreadable(&img).contains("mblint reads at most"));
    }
}
