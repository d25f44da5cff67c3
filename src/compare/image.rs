//! What tells two copies of one DLL apart beyond its machine and format: its SHA-256 and, where it
//! has one, its version resource (`VS_VERSION_INFO`, the "Version" tab of the file's properties).
//!
//! The version reader is our own, bounded and safe on hostile input: every offset is checked
//! against the buffer before it is read, the resource tree is walked only along the three levels a
//! version resource has (type 16, the first name, the first language), a version block is read
//! only inside its parent's declared length, and at most [`MAX_CHILDREN`] children are read per
//! block. A resource that does not read is `None`, with no panic and no error: a DLL without a
//! readable version is still compared by its hash.

use std::path::Path;

use serde::Serialize;

use crate::resolve::{fsys, pe};

/// `RT_VERSION`: the resource type of `VS_VERSION_INFO`.
const RT_VERSION: u32 = 16;
/// `VS_FIXEDFILEINFO.dwSignature`.
const FIXED_SIGNATURE: u32 = 0xFEEF_04BD;
/// The most sections the PE loader accepts.
const MAX_SECTIONS: usize = 96;
/// A version resource larger than this is not read (real ones are about 1 KB).
const MAX_VERSION_SIZE: usize = 64 * 1024;
/// The most children read per version block (a StringTable has about ten strings).
const MAX_CHILDREN: usize = 256;
/// The most entries read per resource directory.
const MAX_ENTRIES: usize = 4096;
/// The longest string value kept, in UTF-16 units.
const MAX_STRING: usize = 1024;

/// The strings of a `StringFileInfo` table that tell a build apart, in the order they are shown.
const STRING_KEYS: [&str; 6] = [
    "CompanyName",
    "FileDescription",
    "FileVersion",
    "ProductName",
    "ProductVersion",
    "OriginalFilename",
];

/// A DLL's version resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// `VS_FIXEDFILEINFO`'s file version: `5.0.2.6790`.
    pub file_version: Option<String>,
    /// `VS_FIXEDFILEINFO`'s product version.
    pub product_version: Option<String>,
    /// The first string table's values among [`STRING_KEYS`], in that order.
    pub strings: Vec<(String, String)>,
}

impl VersionInfo {
    /// `1.1.200.0`, or the string table's `FileVersion` when the fixed part has none.
    pub fn shown(&self) -> Option<&str> {
        self.file_version.as_deref().or_else(|| {
            self.strings
                .iter()
                .find(|(k, _)| k == "FileVersion")
                .map(|(_, v)| v.as_str())
        })
    }
}

/// A file's content facts: its size, SHA-256 and version resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Content {
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    pub version: Option<VersionInfo>,
}

/// Reads a file the resolver found (a regular file, opened without following a final link, at
/// most [`pe::MAX_IMAGE_SIZE`] bytes) and works out its content facts.
pub fn content_of(file: &Path) -> Result<Content, String> {
    let bytes = fsys::open_regular(file)
        .and_then(|f| fsys::read_capped(f, pe::MAX_IMAGE_SIZE))
        .map_err(|e| format!("{} cannot be read: {e}", file.display()))?
        .ok_or_else(|| format!("{} is larger than {} bytes", file.display(), pe::MAX_IMAGE_SIZE))?;
    Ok(content(&bytes))
}

/// The content facts of an image's bytes.
pub fn content(bytes: &[u8]) -> Content {
    Content {
        size: bytes.len() as u64,
        sha256: hex(&sha256(bytes)),
        version: version_info(bytes),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 digest of `data` (the `sha2` crate: RustCrypto's, maintained and audited, rather
/// than a hash of our own).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

// ---------------------------------------------------------------------------------------------
// The version resource.
// ---------------------------------------------------------------------------------------------

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// Where an RVA lies in the file, by the section table: (va, virtual size, raw pointer, raw size).
fn file_offset(sections: &[(u32, u32, u32, u32)], rva: u32) -> Option<usize> {
    sections.iter().find_map(|&(va, vsize, raw, raw_size)| {
        let span = vsize.max(raw_size);
        let within = rva.checked_sub(va).filter(|&d| d < span)?;
        (within < raw_size).then(|| raw as usize + within as usize)
    })
}

/// The version resource of a PE image, if it has a readable one.
pub fn version_info(b: &[u8]) -> Option<VersionInfo> {
    if b.get(..2)? != b"MZ" {
        return None;
    }
    let lfanew = u32_at(b, 0x3c)? as usize;
    if b.get(lfanew..lfanew.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    let coff = lfanew + 4;
    let nsections = u16_at(b, coff + 2)? as usize;
    let opt_size = u16_at(b, coff + 16)? as usize;
    let opt = coff + 20;
    let (count_at, dirs_at) = match u16_at(b, opt)? {
        0x10b => (opt + 92, opt + 96),
        0x20b => (opt + 108, opt + 112),
        _ => return None,
    };
    if nsections > MAX_SECTIONS || u32_at(b, count_at)? < 3 || dirs_at + 24 > opt + opt_size {
        return None;
    }
    let rsrc_rva = u32_at(b, dirs_at + 16)?;
    if rsrc_rva == 0 {
        return None;
    }
    let table = opt + opt_size;
    let sections: Vec<(u32, u32, u32, u32)> = (0..nsections)
        .map(|i| {
            let at = table + 40 * i;
            Some((
                u32_at(b, at + 12)?,
                u32_at(b, at + 8)?,
                u32_at(b, at + 20)?,
                u32_at(b, at + 16)?,
            ))
        })
        .collect::<Option<_>>()?;
    let root = file_offset(&sections, rsrc_rva)?;
    // Type RT_VERSION, then the first name, then the first language: a data entry.
    let by_type = directory_entry(b, root, root, Some(RT_VERSION), true)?;
    let by_name = directory_entry(b, root, by_type, None, true)?;
    let data = directory_entry(b, root, by_name, None, false)?;
    let (data_rva, size) = (u32_at(b, data)?, u32_at(b, data + 4)? as usize);
    if size > MAX_VERSION_SIZE {
        return None;
    }
    let start = file_offset(&sections, data_rva)?;
    let resource = b.get(start..start.checked_add(size)?)?;
    parse_version(resource)
}

/// The offset (in the file) an entry of the resource directory at `dir` leads to: a subdirectory
/// when `want_dir`, else a data entry. `id`: the entry with that numeric ID, else the first.
fn directory_entry(b: &[u8], root: usize, dir: usize, id: Option<u32>, want_dir: bool) -> Option<usize> {
    let named = u16_at(b, dir + 12)? as usize;
    let ids = u16_at(b, dir + 14)? as usize;
    for i in 0..(named + ids).min(MAX_ENTRIES) {
        let at = dir + 16 + 8 * i;
        let (name, target) = (u32_at(b, at)?, u32_at(b, at + 4)?);
        if let Some(id) = id
            && (name & 0x8000_0000 != 0 || name != id)
        {
            continue;
        }
        let is_dir = target & 0x8000_0000 != 0;
        if is_dir != want_dir {
            continue;
        }
        let offset = root.checked_add((target & 0x7fff_ffff) as usize)?;
        // A subdirectory or a data entry never points back at its parent: no loops.
        if offset <= dir {
            return None;
        }
        b.get(offset..offset.checked_add(16)?)?;
        return Some(offset);
    }
    None
}

/// One block of a version resource: `wLength`, `wValueLength`, `wType`, `szKey`, the value and the
/// children, all inside `data[start..end]`.
struct Block<'a> {
    key: String,
    value: &'a [u8],
    /// Whether the value is text (`wType` 1), whose `wValueLength` counts UTF-16 units.
    text: bool,
    children: std::ops::Range<usize>,
    end: usize,
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// The block at `start` of `data`, ending at most at `limit`.
fn block(data: &[u8], start: usize, limit: usize) -> Option<Block<'_>> {
    let length = u16_at(data, start)? as usize;
    let value_length = u16_at(data, start + 2)? as usize;
    let text = u16_at(data, start + 4)? == 1;
    let end = start.checked_add(length)?;
    if length < 6 || end > limit || end > data.len() {
        return None;
    }
    // The key: UTF-16, NUL-terminated, inside the block.
    let mut units = Vec::new();
    let mut at = start + 6;
    loop {
        let unit = u16_at(data, at).filter(|_| at + 2 <= end)?;
        at += 2;
        if unit == 0 {
            break;
        }
        if units.len() >= MAX_STRING {
            return None;
        }
        units.push(unit);
    }
    let key = String::from_utf16_lossy(&units);
    let value_at = align4(at).min(end);
    let value_bytes = if text {
        value_length.checked_mul(2)?
    } else {
        value_length
    };
    let value_end = value_at.checked_add(value_bytes)?.min(end);
    Some(Block {
        key,
        value: &data[value_at..value_end],
        text,
        children: align4(value_end).min(end)..end,
        end,
    })
}

/// The blocks inside `range` of `data`, at most [`MAX_CHILDREN`].
fn children(data: &[u8], range: std::ops::Range<usize>) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut at = range.start;
    while at + 6 <= range.end && out.len() < MAX_CHILDREN {
        let Some(child) = block(data, at, range.end) else { break };
        let next = align4(child.end);
        out.push(child);
        if next <= at {
            break;
        }
        at = next;
    }
    out
}

fn utf16_text(value: &[u8]) -> String {
    let units: Vec<u16> = value
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .take(MAX_STRING)
        .collect();
    String::from_utf16_lossy(&units)
}

fn four_part(ms: u32, ls: u32) -> String {
    format!("{}.{}.{}.{}", ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff)
}

/// Parses `VS_VERSION_INFO`: its fixed part, and the first string table.
fn parse_version(data: &[u8]) -> Option<VersionInfo> {
    let root = block(data, 0, data.len())?;
    if root.key != "VS_VERSION_INFO" {
        return None;
    }
    let fixed = root.value;
    let (file_version, product_version) = if fixed.len() >= 52 && u32_at(fixed, 0) == Some(FIXED_SIGNATURE) {
        (
            Some(four_part(u32_at(fixed, 8)?, u32_at(fixed, 12)?)),
            Some(four_part(u32_at(fixed, 16)?, u32_at(fixed, 20)?)),
        )
    } else {
        (None, None)
    };
    let mut strings = Vec::new();
    let string_file_info = children(data, root.children.clone())
        .into_iter()
        .find(|c| c.key == "StringFileInfo");
    if let Some(table) = string_file_info.and_then(|sfi| children(data, sfi.children).into_iter().next()) {
        let found: Vec<(String, String)> = children(data, table.children)
            .into_iter()
            .filter(|s| s.text || !s.value.is_empty())
            .map(|s| (s.key, utf16_text(s.value).trim().to_string()))
            .collect();
        for wanted in STRING_KEYS {
            if let Some((k, v)) = found.iter().find(|(k, v)| k == wanted && !v.is_empty()) {
                strings.push((k.clone(), v.clone()));
            }
        }
    }
    if file_version.is_none() && strings.is_empty() {
        return None;
    }
    Some(VersionInfo {
        file_version,
        product_version,
        strings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/images")
    }

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // A million 'a': many blocks, and a length that is a multiple of 64.
        assert_eq!(
            hex(&sha256(&vec![b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        // 55, 56 and 64 bytes: the padding edge cases.
        assert_eq!(
            hex(&sha256(&[b'a'; 55])),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 56])),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 64])),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        );
    }

    #[test]
    fn reads_the_version_resource_windres_wrote() {
        for arch in ["x86", "x64"] {
            for (file, version) in [("filter-v1.0.dll", "1.0.100.0"), ("filter-v1.1.dll", "1.1.200.0")] {
                let bytes = std::fs::read(images().join(arch).join(file)).unwrap();
                let v = version_info(&bytes).unwrap_or_else(|| panic!("{arch}/{file}: no version"));
                assert_eq!(v.file_version.as_deref(), Some(version), "{arch}/{file}");
                assert_eq!(v.shown(), Some(version));
                assert!(v.strings.contains(&("FileVersion".into(), version.into())), "{v:?}");
                assert!(v.strings.contains(&("CompanyName".into(), "Acme Web Tools".into())));
                assert_eq!(v.strings[0].0, "CompanyName");
            }
        }
    }

    #[test]
    fn images_without_a_version_resource_have_none() {
        for file in [
            "x86/isapi-filter.dll",
            "x64/isapi-extension.dll",
            "ia64/compression.dll",
            "corrupt/truncated.dll",
        ] {
            let bytes = std::fs::read(images().join(file)).unwrap();
            assert_eq!(version_info(&bytes), None, "{file}");
        }
        assert_eq!(version_info(b""), None);
        assert_eq!(version_info(b"MZ"), None);
    }

    #[test]
    fn every_truncation_and_corruption_of_a_versioned_image_is_safe() {
        let bytes = std::fs::read(images().join("x64/filter-v1.1.dll")).unwrap();
        for len in 0..bytes.len() {
            let _ = version_info(&bytes[..len]);
        }
        // Flip every byte of the resource section in turn (and a few values that point far away).
        for at in 0..bytes.len() {
            for value in [0x00u8, 0xff, 0x80, 0x7f] {
                let mut b = bytes.clone();
                b[at] = value;
                let _ = version_info(&b);
            }
        }
    }

    #[test]
    fn version_blocks_are_bounded_by_their_parents() {
        // A VS_VERSION_INFO whose child claims more than the parent holds reads no strings.
        let mut data = Vec::new();
        let key: Vec<u8> = "VS_VERSION_INFO\0"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        data.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        data.extend_from_slice(&key);
        while data.len() % 4 != 0 {
            data.push(0);
        }
        // A child with wLength 0xffff.
        data.extend_from_slice(&[0xff, 0xff, 0, 0, 1, 0, b'S', 0, 0, 0]);
        let len = data.len() as u16;
        data[0..2].copy_from_slice(&len.to_le_bytes());
        assert_eq!(parse_version(&data), None);
    }
}
