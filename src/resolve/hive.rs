//! Reads a Windows registry hive file (regf): keys by name, values by name, every read bounded.
//!
//! The format is Maxim Suhanov's "Windows registry file format specification"
//! (<https://github.com/msuhanov/regf/blob/master/Windows%20registry%20file%20format%20specification.md>):
//! a 4096-byte base block, then hive bins of cells; a cell is a signed size (negative when in use)
//! and a record: key nodes (`nk`), subkey lists (`lf`, `lh`, `li`, and `ri`, a list of lists), value
//! lists, values (`vk`) and big data (`db`, for data longer than 16,344 bytes).
//!
//! A hive on a copy of a server's drive is input from whoever last touched the server. This reader
//! follows only the cells a lookup needs, never trusts a count or an offset it has not checked against
//! the file, and stops at fixed bounds ([`Limits`]): an `ri` list that lists itself, a list that names
//! one key a million times, or a value list a million values long is an error, not a hang. It reads
//! and allocates nothing in proportion to what a count claims, only to what the file holds.
//!
//! Why not notatin (Apache-2.0), the hive reader the task named: on hostile hives it recursed without
//! end on an `ri` list that lists itself (stack overflow: the process aborts, which no `catch_unwind`
//! can catch, from an 8 KB file), and took 23 GB of memory and two minutes on a 100 KB file whose `ri`
//! list names one `lh` list 20,000 times (measured 2026-12-06, notatin 1.0.1). It stays a
//! dev-dependency: the tests read every test hive with both and require the same answers.

use std::cell::Cell;

use super::upcase;

/// The bounds of one reader; [`Limits::DEFAULT`] is generous for any SYSTEM hive Windows writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Subkey list entries walked to find one subkey (a key's subkeys).
    pub subkeys: usize,
    /// Values in one key.
    pub values: usize,
    /// Bytes of one value's data.
    pub value_data: usize,
    /// Cells read in all, by all lookups of this reader.
    pub cells: usize,
    /// Bytes of value data copied and names decoded, in all.
    pub data: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        subkeys: 65_536,
        values: 16_384,
        value_data: 1024 * 1024,
        cells: 1_000_000,
        data: 32 * 1024 * 1024,
    };
}

/// Why a hive could not be read: what is wrong, and where (a byte offset in the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}{}", at.map(|a| format!(" (at byte {a} of the file)")).unwrap_or_default())]
pub struct HiveError {
    pub what: String,
    pub at: Option<usize>,
}

impl HiveError {
    fn new(what: impl Into<String>, at: Option<usize>) -> HiveError {
        HiveError { what: what.into(), at }
    }
}

/// The base block's length, where the hive bins start.
const BASE_BLOCK: usize = 4096;
/// The longest data segment of a big data record (`db`).
const SEGMENT: usize = 16_344;
/// Data longer than this may be held in big data records (format 1.4 and later).
const BIG_DATA_OVER: usize = 16_344;
const DATA_IN_OFFSET: u32 = 0x8000_0000;
const KEY_COMP_NAME: u16 = 0x0020;
const VALUE_COMP_NAME: u16 = 0x0001;
/// The longest key name Windows allows, 255 characters, in bytes of UTF-16.
const MAX_KEY_NAME_BYTES: usize = 255 * 2;
/// An offset that points nowhere.
const NONE: u32 = 0xFFFF_FFFF;

pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;

/// A hive, parsed as far as its base block; keys and values are read on demand.
pub struct Hive<'a> {
    /// The hive bins data: every offset in a cell is relative to its start.
    bins: &'a [u8],
    limits: Limits,
    cells_read: Cell<usize>,
    /// Bytes of data copied and of names decoded so far.
    bytes_read: Cell<usize>,
    root: u32,
    /// The base block's two sequence numbers when they differ: the last write did not finish (the
    /// hive needs its transaction log, which this reader does not apply).
    pub dirty: Option<(u32, u32)>,
    /// The format's minor version (1.3 on Windows XP and Server 2003).
    pub minor_version: u32,
}

/// A key node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Its cell, relative to the hive bins.
    offset: u32,
    pub name: String,
    subkey_count: u32,
    subkeys: u32,
    value_count: u32,
    values: u32,
}

/// A value: its name, type and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub name: String,
    pub kind: u32,
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// A name as the hive stores it: Latin-1 bytes when `compressed`, else UTF-16LE.
fn decode_name(bytes: &[u8], compressed: bool) -> String {
    if compressed {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

/// The XOR-32 checksum of the base block's first 508 bytes, as Windows computes it (0 is written as
/// 1, and -1 as -2).
fn checksum(block: &[u8]) -> u32 {
    let sum = block[..508]
        .chunks_exact(4)
        .fold(0u32, |x, c| x ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        s => s,
    }
}

impl<'a> Hive<'a> {
    /// Checks the base block and the first hive bin; nothing else is read yet.
    pub fn parse(bytes: &'a [u8], limits: Limits) -> Result<Hive<'a>, HiveError> {
        if bytes.len() < BASE_BLOCK {
            return Err(HiveError::new(
                format!(
                    "{} bytes, shorter than the {BASE_BLOCK}-byte header of a registry hive",
                    bytes.len()
                ),
                None,
            ));
        }
        if &bytes[..4] != b"regf" {
            return Err(HiveError::new(
                "not a registry hive: it does not start with `regf`",
                Some(0),
            ));
        }
        let field = |at: usize| u32_at(bytes, at).unwrap_or(0);
        let stored = field(508);
        let computed = checksum(bytes);
        if stored != computed {
            return Err(HiveError::new(
                format!(
                    "the header's checksum is {stored:#010x}, but its bytes sum to {computed:#010x}: a damaged or half-written file"
                ),
                Some(508),
            ));
        }
        let (major, minor) = (field(20), field(24));
        if major != 1 || !(2..=6).contains(&minor) {
            return Err(HiveError::new(
                format!("format version {major}.{minor}, not one of the 1.2 to 1.6 that Windows writes"),
                Some(20),
            ));
        }
        match field(28) {
            0 => {}
            kind => {
                return Err(HiveError::new(
                    format!("file type {kind}, not a primary hive file (0): a transaction log or backup"),
                    Some(28),
                ));
            }
        }
        if field(32) != 1 {
            return Err(HiveError::new(
                format!("file format {}, not 1 (direct memory load)", field(32)),
                Some(32),
            ));
        }
        let size = field(40) as usize;
        let held = bytes.len() - BASE_BLOCK;
        if size == 0 || !size.is_multiple_of(4096) {
            return Err(HiveError::new(
                format!("the header gives {size} bytes of hive bins, not a positive multiple of 4096"),
                Some(40),
            ));
        }
        if size > held {
            return Err(HiveError::new(
                format!(
                    "truncated: the header gives {size} bytes of hive bins, the file holds {held} after its header"
                ),
                Some(40),
            ));
        }
        let bins = &bytes[BASE_BLOCK..BASE_BLOCK + size];
        if &bins[..4] != b"hbin" {
            return Err(HiveError::new(
                "the first hive bin does not start with `hbin`",
                Some(BASE_BLOCK),
            ));
        }
        let (primary, secondary) = (field(4), field(8));
        Ok(Hive {
            bins,
            limits,
            cells_read: Cell::new(0),
            bytes_read: Cell::new(0),
            root: field(36),
            dirty: (primary != secondary).then_some((primary, secondary)),
            minor_version: minor,
        })
    }

    fn at(offset: u32) -> Option<usize> {
        (offset as usize).checked_add(BASE_BLOCK)
    }

    /// Counts `len` more bytes copied or decoded against [`Limits::data`].
    fn spend(&self, len: usize, what: &str, offset: u32) -> Result<(), HiveError> {
        let total = self.bytes_read.get().saturating_add(len);
        if total > self.limits.data {
            return Err(HiveError::new(
                format!(
                    "{what}: more than {} bytes of names and data in all, more than mblint reads of one hive",
                    self.limits.data
                ),
                Self::at(offset),
            ));
        }
        self.bytes_read.set(total);
        Ok(())
    }

    /// The data of the cell at `offset`: in use, within the hive bins, 8-byte aligned.
    fn cell(&self, offset: u32, what: &str) -> Result<&'a [u8], HiveError> {
        let read = self.cells_read.get() + 1;
        if read > self.limits.cells {
            return Err(HiveError::new(
                format!(
                    "reading {what} would take more than {} cells, more than mblint reads of one hive",
                    self.limits.cells
                ),
                Self::at(offset),
            ));
        }
        self.cells_read.set(read);
        let start = offset as usize;
        let bad = |why: &str| Err(HiveError::new(format!("{what}: {why}"), Self::at(offset)));
        if offset == NONE || !start.is_multiple_of(8) {
            return bad("the offset does not point at a cell");
        }
        let Some(size) = u32_at(self.bins, start) else {
            return bad("the offset points past the end of the hive bins");
        };
        let size = size as i32;
        if size >= 0 {
            return bad("the cell is free, not in use");
        }
        let len = size.unsigned_abs() as usize;
        match start.checked_add(len).and_then(|end| self.bins.get(start + 4..end)) {
            Some(data) if len >= 8 => Ok(data),
            _ => bad("the cell's size runs past the end of the hive bins"),
        }
    }

    fn key_at(&self, offset: u32, what: &str) -> Result<Key, HiveError> {
        let data = self.cell(offset, what)?;
        let bad = |why: &str| Err(HiveError::new(format!("{what}: {why}"), Self::at(offset)));
        if data.get(..2) != Some(b"nk") {
            return bad("not a key node (`nk`)");
        }
        let (Some(flags), Some(name_len)) = (u16_at(data, 2), u16_at(data, 72)) else {
            return bad("the key node is too short");
        };
        // "Key name: 255 characters" (Microsoft, Registry element size limits,
        // https://learn.microsoft.com/windows/win32/sysinfo/registry-element-size-limits).
        if usize::from(name_len) > MAX_KEY_NAME_BYTES {
            return bad(&format!(
                "a key name of {name_len} bytes, longer than the 255 characters Windows allows"
            ));
        }
        let Some(name) = data.get(76..76 + usize::from(name_len)) else {
            return bad("the key's name runs past its cell");
        };
        self.spend(name.len(), what, offset)?;
        let field = |at: usize| u32_at(data, at).unwrap_or(0);
        Ok(Key {
            offset,
            name: decode_name(name, flags & KEY_COMP_NAME != 0),
            subkey_count: field(20),
            subkeys: field(28),
            value_count: field(36),
            values: field(40),
        })
    }

    /// The root key.
    pub fn root(&self) -> Result<Key, HiveError> {
        self.key_at(self.root, "the root key")
    }

    /// The subkey of `key` named `name` (compared as Windows compares key names, upper-cased),
    /// if there is one. Two subkeys of that name, a subkey count the lists disagree with, or lists
    /// longer than the limit are errors: the hive is not one Windows wrote.
    pub fn subkey(&self, key: &Key, name: &str) -> Result<Option<Key>, HiveError> {
        if key.subkey_count == 0 {
            return Ok(None);
        }
        let what = format!("the subkeys of {}", key.name);
        let bad = |why: String, at: u32| Err(HiveError::new(format!("{what}: {why}"), Self::at(at)));
        if key.subkey_count as usize > self.limits.subkeys {
            return bad(
                format!(
                    "{} subkeys, more than the {} mblint reads",
                    key.subkey_count, self.limits.subkeys
                ),
                key.offset,
            );
        }
        let mut found: Option<Key> = None;
        let mut seen = 0usize;
        let mut visit = |entry: u32| -> Result<(), HiveError> {
            seen += 1;
            if seen > key.subkey_count as usize {
                return Err(HiveError::new(
                    format!(
                        "{what}: the lists hold more entries than the key's {} subkeys",
                        key.subkey_count
                    ),
                    Self::at(key.subkeys),
                ));
            }
            let child = self.key_at(entry, &format!("a subkey of {}", key.name))?;
            if upcase::same_name(&child.name, name) {
                if found.is_some() {
                    return Err(HiveError::new(
                        format!("{what}: two subkeys named {name}, which no hive Windows writes holds"),
                        Self::at(entry),
                    ));
                }
                found = Some(child);
            }
            Ok(())
        };
        let list = self.cell(key.subkeys, &what)?;
        match list.get(..2) {
            Some(b"ri") => {
                for at in self.list_entries(list, 4, key.subkeys, &what)? {
                    let leaf = self.cell(at, &what)?;
                    if leaf.get(..2) == Some(b"ri") {
                        return bad("an index root (`ri`) that lists another index root".into(), at);
                    }
                    for entry in self.leaf_entries(leaf, at, &what)? {
                        visit(entry)?;
                    }
                }
            }
            _ => {
                for entry in self.leaf_entries(list, key.subkeys, &what)? {
                    visit(entry)?;
                }
            }
        }
        if seen != key.subkey_count as usize {
            return bad(
                format!("the key counts {} subkeys, its lists hold {seen}", key.subkey_count),
                key.offset,
            );
        }
        Ok(found)
    }

    /// The offsets a leaf list (`lf`, `lh`, `li`) holds.
    fn leaf_entries(&self, list: &'a [u8], at: u32, what: &str) -> Result<Vec<u32>, HiveError> {
        match list.get(..2) {
            Some(b"lf" | b"lh") => self.list_entries(list, 8, at, what),
            Some(b"li") => self.list_entries(list, 4, at, what),
            _ => Err(HiveError::new(
                format!("{what}: not a subkey list (`lf`, `lh`, `li` or `ri`)"),
                Self::at(at),
            )),
        }
    }

    /// The first 4 bytes of each `stride`-byte element of a list whose count is at byte 2.
    fn list_entries(&self, list: &'a [u8], stride: usize, at: u32, what: &str) -> Result<Vec<u32>, HiveError> {
        let count = usize::from(u16_at(list, 2).unwrap_or(0));
        if count > self.limits.subkeys {
            return Err(HiveError::new(
                format!(
                    "{what}: a list of {count} entries, more than the {} mblint reads",
                    self.limits.subkeys
                ),
                Self::at(at),
            ));
        }
        (0..count)
            .map(|i| {
                u32_at(list, 4 + i * stride).ok_or_else(|| {
                    HiveError::new(
                        format!("{what}: the list counts {count} entries, its cell holds {i}"),
                        Self::at(at),
                    )
                })
            })
            .collect()
    }

    /// The key at a path of subkey names below `key`; `None` if a name on the way is missing.
    pub fn path(&self, key: &Key, path: &[&str]) -> Result<Option<Key>, HiveError> {
        let mut here = key.clone();
        for name in path {
            match self.subkey(&here, name)? {
                Some(next) => here = next,
                None => return Ok(None),
            }
        }
        Ok(Some(here))
    }

    /// The value cells of a key: their offsets.
    fn value_offsets(&self, key: &Key) -> Result<Vec<u32>, HiveError> {
        let count = key.value_count as usize;
        if count == 0 {
            return Ok(Vec::new());
        }
        let what = format!("the values of {}", key.name);
        if count > self.limits.values {
            return Err(HiveError::new(
                format!(
                    "{what}: {count} values, more than the {} mblint reads",
                    self.limits.values
                ),
                Self::at(key.offset),
            ));
        }
        let list = self.cell(key.values, &what)?;
        (0..count)
            .map(|i| {
                u32_at(list, i * 4).ok_or_else(|| {
                    HiveError::new(
                        format!("{what}: the key counts {count} values, its list holds {i}"),
                        Self::at(key.values),
                    )
                })
            })
            .collect()
    }

    /// A value's header: its name, type, data size and where the data is.
    fn value_header(&self, offset: u32, key: &Key) -> Result<(String, u32, u32, u32), HiveError> {
        let what = format!("a value of {}", key.name);
        let data = self.cell(offset, &what)?;
        let bad = |why: &str| Err(HiveError::new(format!("{what}: {why}"), Self::at(offset)));
        if data.get(..2) != Some(b"vk") {
            return bad("not a value (`vk`)");
        }
        let (Some(name_len), Some(size), Some(at), Some(kind), Some(flags)) = (
            u16_at(data, 2),
            u32_at(data, 4),
            u32_at(data, 8),
            u32_at(data, 12),
            u16_at(data, 16),
        ) else {
            return bad("the value is too short");
        };
        let Some(name) = data.get(20..20 + usize::from(name_len)) else {
            return bad("the value's name runs past its cell");
        };
        self.spend(name.len(), &what, offset)?;
        Ok((decode_name(name, flags & VALUE_COMP_NAME != 0), kind, size, at))
    }

    /// Every value of a key, data included.
    pub fn values(&self, key: &Key) -> Result<Vec<Value>, HiveError> {
        self.value_offsets(key)?
            .into_iter()
            .map(|offset| {
                let (name, kind, size, at) = self.value_header(offset, key)?;
                let data = self.value_data(size, at, &name, offset)?;
                Ok(Value { name, kind, data })
            })
            .collect()
    }

    /// The value of a key named `name` (compared upper-cased; the default value is ""), if any.
    pub fn value(&self, key: &Key, name: &str) -> Result<Option<Value>, HiveError> {
        let mut found = None;
        for offset in self.value_offsets(key)? {
            let (value_name, kind, size, at) = self.value_header(offset, key)?;
            if upcase::same_name(&value_name, name) {
                if found.is_some() {
                    return Err(HiveError::new(
                        format!("{}: two values named {name}", key.name),
                        Self::at(offset),
                    ));
                }
                found = Some((value_name, kind, size, at, offset));
            }
        }
        found
            .map(|(name, kind, size, at, offset)| {
                let data = self.value_data(size, at, &name, offset)?;
                Ok(Value { name, kind, data })
            })
            .transpose()
    }

    fn value_data(&self, size: u32, at: u32, name: &str, offset: u32) -> Result<Vec<u8>, HiveError> {
        let what = format!("the data of {name}");
        let bad = |why: String, where_: u32| Err(HiveError::new(format!("{what}: {why}"), Self::at(where_)));
        if size & DATA_IN_OFFSET != 0 {
            let len = (size & !DATA_IN_OFFSET) as usize;
            if len > 4 {
                return bad(format!("{len} bytes said to fit in the value's offset field"), offset);
            }
            return Ok(at.to_le_bytes()[..len].to_vec());
        }
        let len = size as usize;
        if len == 0 {
            return Ok(Vec::new());
        }
        if len > self.limits.value_data {
            return bad(
                format!(
                    "{len} bytes, more than the {} mblint reads of one value",
                    self.limits.value_data
                ),
                offset,
            );
        }
        self.spend(len, &what, offset)?;
        let cell = self.cell(at, &what)?;
        if len > BIG_DATA_OVER && self.minor_version >= 4 && cell.get(..2) == Some(b"db") {
            let segments = usize::from(u16_at(cell, 2).unwrap_or(0));
            let list_at = u32_at(cell, 4).unwrap_or(NONE);
            if segments != len.div_ceil(SEGMENT) {
                return bad(
                    format!(
                        "{segments} segments for {len} bytes of big data, which take {}",
                        len.div_ceil(SEGMENT)
                    ),
                    at,
                );
            }
            let list = self.cell(list_at, &what)?;
            let mut data = Vec::with_capacity(len);
            for i in 0..segments {
                let Some(segment_at) = u32_at(list, i * 4) else {
                    return bad(format!("the segment list holds {i} of {segments} segments"), list_at);
                };
                let segment = self.cell(segment_at, &what)?;
                let want = (len - data.len()).min(SEGMENT);
                let Some(part) = segment.get(..want) else {
                    return bad("a segment shorter than its data".into(), segment_at);
                };
                data.extend_from_slice(part);
            }
            return Ok(data);
        }
        match cell.get(..len) {
            Some(data) => Ok(data.to_vec()),
            None => bad(format!("{len} bytes, in a cell of {}", cell.len()), at),
        }
    }
}

impl Value {
    /// A REG_DWORD's number.
    pub fn dword(&self) -> Option<u32> {
        (self.kind == REG_DWORD && self.data.len() == 4).then(|| u32_at(&self.data, 0).unwrap_or(0))
    }

    /// A string's text (REG_SZ, REG_EXPAND_SZ): UTF-16LE up to the first NUL.
    pub fn string(&self) -> Option<String> {
        matches!(self.kind, REG_SZ | REG_EXPAND_SZ).then(|| utf16_strings(&self.data).next().unwrap_or_default())
    }

    /// A REG_MULTI_SZ's strings, up to the first empty one.
    pub fn strings(&self) -> Option<Vec<String>> {
        (self.kind == REG_MULTI_SZ).then(|| utf16_strings(&self.data).take_while(|s| !s.is_empty()).collect())
    }

    /// The type's name, for messages.
    pub fn kind_name(&self) -> String {
        match self.kind {
            0 => "REG_NONE".into(),
            REG_SZ => "REG_SZ".into(),
            REG_EXPAND_SZ => "REG_EXPAND_SZ".into(),
            REG_BINARY => "REG_BINARY".into(),
            REG_DWORD => "REG_DWORD".into(),
            REG_MULTI_SZ => "REG_MULTI_SZ".into(),
            11 => "REG_QWORD".into(),
            n => format!("type {n}"),
        }
    }
}

/// The NUL-separated UTF-16LE strings of a value's data (an odd last byte is dropped).
fn utf16_strings(data: &[u8]) -> impl Iterator<Item = String> + '_ {
    let units: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let mut parts: Vec<String> = units
        .split(|&u| u == 0)
        .map(|s| {
            char::decode_utf16(s.iter().copied())
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        })
        .collect();
    // A string that fills the data without a NUL still counts; the split after a final NUL does not.
    if units.last() == Some(&0) {
        parts.pop();
    }
    parts.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hive_file(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/hives/{name}.hiv", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// The Session Manager key of ControlSet001.
    fn session_manager<'a>(hive: &Hive<'a>) -> Key {
        let root = hive.root().unwrap();
        hive.path(&root, &["ControlSet001", "Control", "Session Manager"])
            .unwrap()
            .unwrap()
    }

    #[test]
    fn keys_and_values_by_name_in_any_case() {
        let bytes = hive_file("system-full");
        let hive = Hive::parse(&bytes, Limits::DEFAULT).unwrap();
        assert_eq!(hive.dirty, None);
        assert_eq!(hive.minor_version, 3);
        let root = hive.root().unwrap();
        assert_eq!(root.name, "$$$PROTO.HIV");
        let select = hive.subkey(&root, "SELECT").unwrap().unwrap();
        assert_eq!(select.name, "Select");
        assert_eq!(hive.value(&select, "current").unwrap().unwrap().dword(), Some(1));
        assert_eq!(hive.value(&select, "Missing").unwrap(), None);
        assert_eq!(hive.subkey(&root, "ControlSet003").unwrap(), None);
        let manager = session_manager(&hive);
        let known = hive.subkey(&manager, "knowndlls").unwrap().unwrap();
        let values = hive.values(&known).unwrap();
        assert_eq!(values.len(), 25, "DllDirectory, DllDirectory32, 22 DLLs and Bogus");
        assert_eq!(values[0].name, "DllDirectory");
        assert_eq!(values[0].kind, REG_EXPAND_SZ);
        assert_eq!(values[0].string().as_deref(), Some("%SystemRoot%\\system32"));
        let ole = values.iter().find(|v| v.name == "ole32").unwrap();
        assert_eq!(ole.string().as_deref(), Some("OLE32.dll"));
        let exclude = hive.value(&manager, "ExcludeFromKnownDlls").unwrap().unwrap();
        assert_eq!(exclude.strings(), Some(vec!["wldap32.dll".to_string()]));
        assert_eq!(exclude.string(), None, "a REG_MULTI_SZ is not a string");
        assert_eq!(
            hive.value(&manager, "SafeDllSearchMode").unwrap().unwrap().dword(),
            Some(0)
        );
    }

    #[test]
    fn big_data_is_put_together_from_its_segments() {
        let bytes = hive_file("system-big-path");
        let hive = Hive::parse(&bytes, Limits::DEFAULT).unwrap();
        assert_eq!(hive.minor_version, 5);
        let root = hive.root().unwrap();
        let env = hive
            .path(&root, &["ControlSet001", "Control", "Session Manager", "Environment"])
            .unwrap()
            .unwrap();
        let path = hive.value(&env, "Path").unwrap().unwrap();
        assert!(path.data.len() > 16_344, "two segments: {}", path.data.len());
        let text = path.string().unwrap();
        let folders: Vec<&str> = text.split(';').collect();
        assert_eq!(folders.len(), 400);
        assert_eq!(folders[0], r"C:\Tools\folder000\bin");
        assert_eq!(folders[399], r"C:\Tools\folder399\bin");
    }

    #[test]
    fn value_decoding() {
        let v = |kind, data: &[u8]| Value {
            name: String::new(),
            kind,
            data: data.to_vec(),
        };
        let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        assert_eq!(v(REG_DWORD, &[1, 0, 0, 0]).dword(), Some(1));
        assert_eq!(v(REG_DWORD, &[1, 0, 0]).dword(), None, "three bytes are no DWORD");
        assert_eq!(v(REG_SZ, &[1, 0, 0, 0]).dword(), None);
        assert_eq!(v(REG_SZ, &utf16("a\0")).string().as_deref(), Some("a"));
        assert_eq!(v(REG_SZ, &utf16("no nul")).string().as_deref(), Some("no nul"));
        assert_eq!(v(REG_SZ, &[]).string().as_deref(), Some(""));
        assert_eq!(v(REG_EXPAND_SZ, &utf16("a\0junk")).string().as_deref(), Some("a"));
        assert_eq!(
            v(REG_MULTI_SZ, &utf16("a\0b\0\0c\0\0")).strings(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        // An unpaired surrogate is replaced, not a panic.
        assert_eq!(
            v(REG_SZ, &[0x00, 0xD8, 0x41, 0x00]).string().as_deref(),
            Some("\u{FFFD}A")
        );
    }

    fn error(bytes: &[u8]) -> String {
        match Hive::parse(bytes, Limits::DEFAULT) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("parsed"),
        }
    }

    #[test]
    fn bad_headers_are_refused_with_where() {
        let good = hive_file("system-full");
        assert!(error(&good[..100]).contains("shorter than the 4096-byte header"));
        let mut b = good.clone();
        b[0] = b'R';
        assert_eq!(
            error(&b),
            "not a registry hive: it does not start with `regf` (at byte 0 of the file)"
        );
        let mut b = good.clone();
        b[100] ^= 1;
        assert!(error(&b).contains("checksum"), "{}", error(&b));
        // A truncated file: the header says more hive bins than the file holds.
        assert!(error(&good[..good.len() - 4096]).contains("truncated"));
        let reseal = |mut b: Vec<u8>| {
            let sum = checksum(&b);
            b[508..512].copy_from_slice(&sum.to_le_bytes());
            b
        };
        let mut b = good.clone();
        b[28] = 1;
        assert!(error(&reseal(b)).contains("not a primary hive file"));
        let mut b = good.clone();
        b[20] = 2;
        assert!(error(&reseal(b)).contains("format version 2.3"));
        let mut b = good.clone();
        b[4] = 9;
        let resealed = reseal(b);
        let hive = Hive::parse(&resealed, Limits::DEFAULT).unwrap();
        assert_eq!(
            hive.dirty,
            Some((9, 1)),
            "sequence numbers that differ: a write did not finish"
        );
    }

    #[test]
    fn a_damaged_key_is_an_error_not_an_absent_key() {
        let bytes = hive_file("system-corrupt");
        let hive = Hive::parse(&bytes, Limits::DEFAULT).unwrap();
        let manager = session_manager(&hive);
        let e = hive.subkey(&manager, "KnownDLLs").unwrap_err();
        assert!(e.what.contains("not a key node"), "{e}");
        assert!(e.at.is_some());
        // Even a lookup of another subkey reads every entry, so the damage is found whatever is asked.
        assert!(hive.subkey(&manager, "Environment").is_err());
    }

    /// Every hostile hive is refused, quickly, whatever is looked up in it.
    #[test]
    fn hostile_hives_are_refused_quickly() {
        for (name, expected) in [
            ("ri-loop", "lists another index root"),
            ("ri-fanout", "two subkeys named KnownDLLs"),
            ("value-fanout", "bytes of names and data in all"),
            (
                "bigdata-bomb",
                "1071104040 bytes, more than the 1048576 mblint reads of one value",
            ),
            ("count-lies", "4294967295 subkeys, more than the 65536 mblint reads"),
            ("count-short", "the key counts 7 subkeys, its lists hold 1"),
        ] {
            let bytes = std::fs::read(format!(
                "{}/testdata/hives/hostile/{name}.hiv",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            let started = std::time::Instant::now();
            let hive = Hive::parse(&bytes, Limits::DEFAULT).unwrap();
            let root = hive.root().unwrap();
            let result = (|| -> Result<(), HiveError> {
                let manager = hive
                    .path(&root, &["ControlSet001", "Control", "Session Manager"])?
                    .ok_or_else(|| HiveError::new("no Session Manager", None))?;
                hive.subkey(&manager, "KnownDLLs")?;
                hive.values(&manager)?;
                Ok(())
            })();
            let e = result.expect_err(name);
            assert!(e.what.contains(expected), "{name}: {e}");
            assert!(started.elapsed().as_secs() < 2, "{name}: {:?}", started.elapsed());
        }
    }

    #[test]
    fn the_limits_hold() {
        let bytes = hive_file("system-full");
        let few_cells = Limits {
            cells: 8,
            ..Limits::DEFAULT
        };
        let hive = Hive::parse(&bytes, few_cells).unwrap();
        let root = hive.root().unwrap();
        let e = hive
            .path(&root, &["ControlSet001", "Control", "Session Manager"])
            .unwrap_err();
        assert!(e.what.contains("more than 8 cells"), "{e}");
        let small_values = Limits {
            value_data: 16,
            ..Limits::DEFAULT
        };
        let hive = Hive::parse(&bytes, small_values).unwrap();
        let manager = session_manager(&hive);
        let e = hive.value(&manager, "ExcludeFromKnownDlls").unwrap_err();
        assert!(e.what.contains("more than the 16 mblint reads of one value"), "{e}");
        assert!(
            hive.value(&manager, "SafeDllSearchMode").unwrap().is_some(),
            "4 bytes fit"
        );
    }

    /// Hostile bytes never panic: every single-bit flip of a real-shaped hive and every truncation,
    /// read along the path the loader's facts take.
    #[test]
    fn flipped_and_truncated_hives_never_panic() {
        let good = hive_file("system-full");
        let walk = |bytes: &[u8]| {
            let Ok(hive) = Hive::parse(bytes, Limits::DEFAULT) else {
                return;
            };
            let Ok(root) = hive.root() else { return };
            let Ok(Some(manager)) = hive.path(&root, &["ControlSet001", "Control", "Session Manager"]) else {
                return;
            };
            for name in ["KnownDLLs", "KnownDlls32", "Environment"] {
                if let Ok(Some(key)) = hive.subkey(&manager, name) {
                    let _ = hive.values(&key);
                }
            }
            let _ = hive.values(&manager);
        };
        for at in 0..good.len() {
            let mut b = good.clone();
            b[at] ^= 1 << (at % 8);
            // Keep the header's checksum right, so that a flip there reaches the rest.
            if at < 508 {
                let sum = checksum(&b);
                b[508..512].copy_from_slice(&sum.to_le_bytes());
            }
            walk(&b);
        }
        for len in (0..good.len()).step_by(7) {
            walk(&good[..len]);
        }
    }
}
