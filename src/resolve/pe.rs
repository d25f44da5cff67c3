//! Classifies a PE image: machine, PE32 or PE32+, DLL or not, exports, imports, CLR flags.
//!
//! Two readers look at every image. A small bounded reader of our own checks the headers (it decides
//! whether the file is a PE image at all, and reads the CLR flags and, as a cross-check, the export
//! names); goblin, in permissive mode with certificates, TLS and resources switched off, reads exports
//! and imports. A goblin error or panic, or an empty export list from goblin where ours finds names,
//! falls back to our reader and says so in `notes`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

use crate::bitness::Bitness;
use crate::platform::{Platform, Process};

/// The largest image mblint reads. ISAPI DLLs are kilobytes to a few megabytes.
pub const MAX_IMAGE_SIZE: u64 = 256 * 1024 * 1024;
/// The PE loader refuses images with more sections than this (PE/COFF specification).
const MAX_SECTIONS: usize = 96;
/// Bounds on what the export reader follows.
const MAX_EXPORT_NAMES: usize = 65_536;
const MAX_NAME_LEN: usize = 4096;

/// The COFF machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    I386,
    Amd64,
    Ia64,
    Arm64,
    ArmNt,
    Other(u16),
}

impl Machine {
    fn from_raw(raw: u16) -> Machine {
        match raw {
            0x014c => Machine::I386,
            0x8664 => Machine::Amd64,
            0x0200 => Machine::Ia64,
            0xaa64 => Machine::Arm64,
            0x01c4 => Machine::ArmNt,
            other => Machine::Other(other),
        }
    }

    pub fn name(self) -> String {
        match self {
            Machine::I386 => "i386".into(),
            Machine::Amd64 => "AMD64".into(),
            Machine::Ia64 => "IA64".into(),
            Machine::Arm64 => "ARM64".into(),
            Machine::ArmNt => "ARMNT".into(),
            Machine::Other(raw) => format!("0x{raw:04x}"),
        }
    }
}

impl Serialize for Machine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PeFormat {
    #[serde(rename = "PE32")]
    Pe32,
    #[serde(rename = "PE32+")]
    Pe32Plus,
}

impl PeFormat {
    pub fn name(self) -> &'static str {
        match self {
            PeFormat::Pe32 => "PE32",
            PeFormat::Pe32Plus => "PE32+",
        }
    }
}

/// The CLR header's flags (data directory 14), as corflags shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClrFlags {
    pub raw: u32,
    pub il_only: bool,
    pub requires_32bit: bool,
    pub prefers_32bit: bool,
}

/// What an image is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub machine: Machine,
    pub format: PeFormat,
    pub is_dll: bool,
    /// Export names exactly as exported (decorations kept).
    pub exports: Vec<String>,
    /// Names of the DLLs it imports.
    pub imports: Vec<String>,
    pub clr: Option<ClrFlags>,
    /// How the facts were read when goblin could not read them alone.
    pub notes: Vec<String>,
}

impl ImageInfo {
    /// The bitness of a worker process that can load this image natively, if any. A managed
    /// IL-only image has none: it is not native code.
    pub fn bitness(&self) -> Option<Bitness> {
        if self.clr.is_some_and(|c| c.il_only) {
            return None;
        }
        match (self.machine, self.format) {
            (Machine::I386, PeFormat::Pe32) => Some(Bitness::Bits32),
            (Machine::Amd64, PeFormat::Pe32Plus) => Some(Bitness::Bits64),
            _ => None,
        }
    }

    /// The bitness of the process on `platform` that this image is built for, if any: i386 images
    /// are 32-bit everywhere; an image of the platform's own 64-bit architecture is 64-bit. On x86,
    /// AMD64 and IA64 images count as 64-bit (the right fix is a 32-bit build); on x64 an IA64
    /// image, and on IA64 an AMD64 one, fits no process at all (MB103), like ARM64 everywhere.
    pub fn bitness_on(&self, platform: Platform) -> Option<Bitness> {
        if self.clr.is_some_and(|c| c.il_only) {
            return None;
        }
        match (self.machine, self.format, platform) {
            (Machine::I386, PeFormat::Pe32, _) => Some(Bitness::Bits32),
            (Machine::Amd64, PeFormat::Pe32Plus, Platform::X64 | Platform::X86)
            | (Machine::Ia64, PeFormat::Pe32Plus, Platform::Ia64 | Platform::X86) => Some(Bitness::Bits64),
            _ => None,
        }
    }

    /// Whether a process can load it as a DLL.
    pub fn loads_in(&self, process: Process) -> bool {
        // On x86 a 64-bit image has a bitness but no process to load it.
        self.is_dll && process.exists() && self.bitness_on(process.platform) == Some(process.bitness)
    }

    /// `PE32 i386 DLL`, `PE32+ AMD64 DLL`, `PE32 i386 DLL (managed, IL only)`.
    pub fn describe(&self) -> String {
        let kind = if self.is_dll { "DLL" } else { "executable (not a DLL)" };
        let managed = match self.clr {
            Some(c) if c.il_only => " (managed, IL only)",
            Some(_) => " (mixed-mode managed)",
            None => "",
        };
        format!("{} {} {kind}{managed}", self.format.name(), self.machine.name())
    }

    pub fn exports(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e == name)
    }
}

/// Why a file is not a loadable PE image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", content = "message", rename_all = "kebab-case")]
pub enum ImageError {
    #[error("not a PE image: {0}")]
    NotPe(String),
    #[error("truncated PE image: {0}")]
    Truncated(String),
    #[error("corrupt PE image: {0}")]
    Corrupt(String),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

struct Section {
    va: u32,
    size: u32,
    raw_ptr: u32,
    raw_size: u32,
}

/// What our own reader makes of the headers.
struct Headers {
    machine: Machine,
    format: PeFormat,
    characteristics: u16,
    directories: Vec<(u32, u32)>,
    sections: Vec<Section>,
    size_of_headers: u32,
}

impl Headers {
    fn read(b: &[u8]) -> Result<Headers, ImageError> {
        if b.len() < 2 || &b[..2] != b"MZ" {
            return Err(ImageError::NotPe("no MZ signature at the start of the file".into()));
        }
        let lfanew =
            u32_at(b, 0x3c).ok_or_else(|| ImageError::Truncated("the DOS header is cut short".into()))? as usize;
        let sig = b.get(lfanew..lfanew.saturating_add(4)).ok_or_else(|| {
            ImageError::Truncated(format!("e_lfanew points at {lfanew:#x}, past the end of the file"))
        })?;
        if sig != b"PE\0\0" {
            return Err(ImageError::NotPe(format!("no PE signature at offset {lfanew:#x}")));
        }
        let coff = lfanew + 4;
        let short = || ImageError::Truncated("the file ends inside the PE headers".into());
        let machine = Machine::from_raw(u16_at(b, coff).ok_or_else(short)?);
        let nsections = u16_at(b, coff + 2).ok_or_else(short)? as usize;
        let opt_size = u16_at(b, coff + 16).ok_or_else(short)? as usize;
        let characteristics = u16_at(b, coff + 18).ok_or_else(short)?;
        let opt = coff + 20;
        let format = match u16_at(b, opt).ok_or_else(short)? {
            0x10b => PeFormat::Pe32,
            0x20b => PeFormat::Pe32Plus,
            other => {
                return Err(ImageError::Corrupt(format!(
                    "unknown optional header magic {other:#06x}"
                )));
            }
        };
        if nsections > MAX_SECTIONS {
            return Err(ImageError::Corrupt(format!(
                "{nsections} sections; the Windows loader refuses more than {MAX_SECTIONS}"
            )));
        }
        let file_alignment = u32_at(b, opt + 36).ok_or_else(short)?;
        if file_alignment == 0 || !file_alignment.is_power_of_two() {
            return Err(ImageError::Corrupt(format!(
                "FileAlignment is {file_alignment}; it must be a power of two"
            )));
        }
        let size_of_headers = u32_at(b, opt + 60).ok_or_else(short)?;
        let (count_at, dirs_at) = match format {
            PeFormat::Pe32 => (opt + 92, opt + 96),
            PeFormat::Pe32Plus => (opt + 108, opt + 112),
        };
        let count = (u32_at(b, count_at).ok_or_else(short)? as usize).min(16);
        let mut directories = Vec::with_capacity(count);
        for i in 0..count {
            let at = dirs_at + 8 * i;
            if at + 8 > opt + opt_size {
                break;
            }
            directories.push((u32_at(b, at).ok_or_else(short)?, u32_at(b, at + 4).ok_or_else(short)?));
        }
        let table = opt + opt_size;
        let mut sections = Vec::with_capacity(nsections);
        for i in 0..nsections {
            let at = table + 40 * i;
            if b.len() < at + 40 {
                return Err(ImageError::Truncated(format!(
                    "the section table ends after {i} of {nsections} sections"
                )));
            }
            sections.push(Section {
                size: u32_at(b, at + 8).ok_or_else(short)?,
                va: u32_at(b, at + 12).ok_or_else(short)?,
                raw_size: u32_at(b, at + 16).ok_or_else(short)?,
                raw_ptr: u32_at(b, at + 20).ok_or_else(short)?,
            });
        }
        Ok(Headers {
            machine,
            format,
            characteristics,
            directories,
            sections,
            size_of_headers,
        })
    }

    /// The file offset of an RVA, if it lies in the file.
    fn offset(&self, rva: u32, file_len: usize) -> Option<usize> {
        if rva < self.size_of_headers {
            return Some(rva as usize).filter(|&o| o < file_len);
        }
        self.sections.iter().find_map(|s| {
            let extent = s.size.max(s.raw_size);
            (rva >= s.va && rva - s.va < extent && rva - s.va < s.raw_size)
                .then(|| s.raw_ptr as usize + (rva - s.va) as usize)
                .filter(|&o| o < file_len)
        })
    }

    fn directory(&self, index: usize) -> Option<(u32, u32)> {
        self.directories
            .get(index)
            .copied()
            .filter(|&(rva, size)| rva != 0 && size != 0)
    }

    fn clr(&self, b: &[u8]) -> Option<ClrFlags> {
        let (rva, _) = self.directory(14)?;
        let at = self.offset(rva, b.len())?;
        let raw = u32_at(b, at + 16)?;
        Some(ClrFlags {
            raw,
            il_only: raw & 0x1 != 0,
            requires_32bit: raw & 0x2 != 0,
            prefers_32bit: raw & 0x20000 != 0,
        })
    }

    fn c_string(&self, b: &[u8], rva: u32) -> Option<String> {
        let at = self.offset(rva, b.len())?;
        let bytes = &b[at..b.len().min(at + MAX_NAME_LEN)];
        let end = bytes.iter().position(|&c| c == 0)?;
        Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
    }

    /// Export names from the export directory; `Err` says why they cannot be read.
    fn exports(&self, b: &[u8]) -> Result<Vec<String>, String> {
        let Some((rva, _)) = self.directory(0) else {
            return Ok(Vec::new());
        };
        let dir = self
            .offset(rva, b.len())
            .ok_or_else(|| format!("the export directory (RVA {rva:#x}) lies outside the file"))?;
        let count = u32_at(b, dir + 24).ok_or("the export directory is cut short")? as usize;
        let names_rva = u32_at(b, dir + 32).ok_or("the export directory is cut short")?;
        if count > MAX_EXPORT_NAMES {
            return Err(format!("the export directory claims {count} names"));
        }
        if count == 0 {
            return Ok(Vec::new());
        }
        let names = self
            .offset(names_rva, b.len())
            .ok_or_else(|| format!("the export name table (RVA {names_rva:#x}) lies outside the file"))?;
        (0..count)
            .map(|i| {
                let name_rva = u32_at(b, names + 4 * i).ok_or("the export name table is cut short")?;
                self.c_string(b, name_rva)
                    .ok_or_else(|| format!("export name {i} (RVA {name_rva:#x}) lies outside the file"))
            })
            .collect()
    }
}

/// Classifies an image's bytes.
pub fn classify(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let headers = Headers::read(bytes)?;
    let mut notes = Vec::new();
    // An export directory that cannot be read is a corrupt image whatever a permissive parser makes
    // of it: an empty list from goblin would otherwise read as "no ISAPI exports".
    let own_exports = headers.exports(bytes).map_err(ImageError::Corrupt)?;
    let mut options = goblin::pe::options::ParseOptions::default()
        .with_parse_mode(goblin::options::ParseMode::Permissive)
        .with_parse_tls_data(false)
        .with_parse_resources(false)
        .with_parse_imports(true);
    options.parse_attribute_certificates = false;
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        goblin::pe::PE::parse_with_opts(bytes, &options).map(|pe| {
            let exports: Vec<String> = pe.exports.iter().filter_map(|e| e.name.map(str::to_string)).collect();
            let mut imports: Vec<String> = pe.libraries.iter().map(|l| l.to_string()).collect();
            imports.dedup();
            (exports, imports)
        })
    }));
    let (exports, imports) = match parsed {
        Ok(Ok((exports, imports))) if exports.is_empty() && !own_exports.is_empty() => {
            notes.push(
                "goblin found no exports where the export directory lists some; names read by mblint's own reader"
                    .into(),
            );
            (own_exports, imports)
        }
        Ok(Ok((exports, imports))) => (exports, imports),
        Ok(Err(e)) => {
            notes.push(format!(
                "goblin could not read the image ({e}); exports read by mblint's own reader, imports not read"
            ));
            (own_exports, Vec::new())
        }
        Err(_) => {
            notes.push("goblin panicked on this image; exports read by mblint's own reader, imports not read".into());
            (own_exports, Vec::new())
        }
    };
    Ok(ImageInfo {
        machine: headers.machine,
        format: headers.format,
        is_dll: headers.characteristics & 0x2000 != 0,
        exports,
        imports,
        clr: headers.clr(bytes),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/images/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn real_dlls() {
        let x86 = classify(&image("x86/isapi-filter.dll")).unwrap();
        assert_eq!(
            (x86.machine, x86.format, x86.is_dll),
            (Machine::I386, PeFormat::Pe32, true)
        );
        assert_eq!(x86.bitness(), Some(Bitness::Bits32));
        assert!(x86.exports("GetFilterVersion") && x86.exports("HttpFilterProc"));
        let x64 = classify(&image("x64/isapi-extension.dll")).unwrap();
        assert_eq!(x64.describe(), "PE32+ AMD64 DLL");
        assert_eq!(x64.bitness(), Some(Bitness::Bits64));
        assert_eq!(x64.imports, ["KERNEL32.dll"]);
        assert!(x64.notes.is_empty());
        let exe = classify(&image("x64/app.exe")).unwrap();
        assert!(!exe.is_dll);
    }

    #[test]
    fn decorated_exports_are_kept_as_exported() {
        let mingw = classify(&image("x86/mingw-decorated.dll")).unwrap();
        assert!(mingw.exports("GetFilterVersion@4"));
        let msvc = classify(&image("x86/msvc-decorated.dll")).unwrap();
        assert!(msvc.exports("_GetFilterVersion@4") && !msvc.exports("GetFilterVersion"));
    }

    #[test]
    fn written_images() {
        let ia64 = classify(&image("ia64/isapi-filter.dll")).unwrap();
        assert_eq!(
            (ia64.machine, ia64.format, ia64.bitness()),
            (Machine::Ia64, PeFormat::Pe32Plus, None)
        );
        assert!(ia64.exports("HttpFilterProc"));
        let il = classify(&image("managed/il-only.dll")).unwrap();
        assert_eq!(il.clr.map(|c| (c.il_only, c.requires_32bit)), Some((true, false)));
        assert_eq!(il.bitness(), None);
        let il32 = classify(&image("managed/il-32bit-required.dll")).unwrap();
        assert_eq!(il32.clr.map(|c| c.requires_32bit), Some(true));
    }

    #[test]
    fn corrupt_images_are_errors_not_panics() {
        assert!(matches!(
            classify(&image("corrupt/not-pe.dll")),
            Err(ImageError::NotPe(_))
        ));
        assert!(matches!(
            classify(&image("corrupt/truncated.dll")),
            Err(ImageError::Truncated(_))
        ));
        assert!(
            matches!(classify(&image("corrupt/many-sections.dll")), Err(ImageError::Corrupt(m)) if m.contains("65535"))
        );
        assert!(
            matches!(classify(&image("corrupt/file-alignment-zero.dll")), Err(ImageError::Corrupt(m)) if m.contains("FileAlignment"))
        );
        // The export directory points outside the file: no exports can be read, and it says why.
        assert!(
            matches!(classify(&image("corrupt/export-outside.dll")), Err(ImageError::Corrupt(m)) if m.contains("outside the file"))
        );
        assert!(matches!(classify(b""), Err(ImageError::NotPe(_))));
        assert!(matches!(classify(b"MZ"), Err(ImageError::Truncated(_))));
    }

    #[test]
    fn every_prefix_of_a_real_dll_is_handled() {
        let bytes = image("x64/isapi-filter.dll");
        for len in 0..bytes.len() {
            let _ = classify(&bytes[..len]);
        }
    }
}
