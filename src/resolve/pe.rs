//! Reads a PE image: machine, PE32 or PE32+, DLL or not, CLR flags, and what it needs to load:
//! its imports by module and function (and its delay-loaded ones), its export table as the loader
//! resolves it (ordinals, names, forwarders), and its embedded side-by-side manifest.
//!
//! Two readers look at every image. A bounded reader of our own reads everything, as the Windows
//! loader maps the file (an RVA in a section's zero-filled tail reads as zeros): the headers
//! (whether the file is a PE image at all), the CLR flags, the import and delay-import tables
//! ([`imports`]), the export table ([`exports`]) and the RT_MANIFEST resource ([`resources`],
//! parsed by [`manifest`]). goblin, in permissive mode with certificates, TLS and resources switched
//! off and run under `catch_unwind`, reads the exports and imports again as a cross-check: where the
//! two disagree, or goblin fails, `notes` says so and our reading stands. Every reader is bounded
//! (counts, string lengths, a fixed resource depth), so a hostile image costs at most a few
//! megabytes and never loops.

pub mod exports;
pub mod imports;
pub mod manifest;
pub mod resources;
#[cfg(test)]
mod testing;

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

use crate::bitness::Bitness;
use crate::platform::{Platform, Process};

pub use exports::{ExportTable, ExportTarget};
pub use imports::{ImportRef, ImportedModule};
pub use manifest::{
    AssemblyIdentity, AssemblyManifest, BindingRedirect, DependentAssembly, ManifestError, parse_assembly_manifest,
};
pub use resources::{EmbeddedManifest, Manifest};

/// The largest image mblint reads. ISAPI DLLs are kilobytes to a few megabytes.
pub const MAX_IMAGE_SIZE: u64 = 256 * 1024 * 1024;
/// The PE loader refuses images with more sections than this (PE/COFF specification).
const MAX_SECTIONS: usize = 96;
/// The longest name (module, function, forwarder) the readers follow; the loader has no such bound,
/// but no real name comes near it.
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
    /// Export names exactly as exported (decorations kept), in the export table's order.
    pub exports: Vec<String>,
    /// Names of the DLLs it imports statically (not delay-loaded), as the image writes them.
    pub imports: Vec<String>,
    pub clr: Option<ClrFlags>,
    /// What the two readers disagreed on, or what goblin could not read; and what the readers
    /// noticed that the loader might read otherwise (see each note).
    pub notes: Vec<String>,
    /// Every module the image imports, with the functions it imports from each: the static imports
    /// first, in the import table's order, then the delay-loaded ones (`delay`), which do not stop
    /// the image from loading.
    pub import_modules: Vec<ImportedModule>,
    /// Why the delay-load table could not be read, if it could not: the delay-loaded modules listed
    /// are then only those before the fault. The static imports are read in full or the image is
    /// an error ([`ImageError::Corrupt`]).
    pub delay_load_error: Option<String>,
    /// The export table as the loader resolves imports against it.
    pub export_table: ExportTable,
    /// The side-by-side manifest in its resources, if any.
    pub manifest: EmbeddedManifest,
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

    /// The modules it imports statically: the ones that must load for this image to load.
    pub fn static_imports(&self) -> impl Iterator<Item = &ImportedModule> {
        self.import_modules.iter().filter(|m| !m.delay)
    }

    /// The modules it delay-loads: needed only when a function of theirs is first called.
    pub fn delay_imports(&self) -> impl Iterator<Item = &ImportedModule> {
        self.import_modules.iter().filter(|m| m.delay)
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

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

struct Section {
    va: u32,
    size: u32,
    raw_ptr: u32,
    raw_size: u32,
}

/// A run of image bytes from an RVA on, as the loader maps them: file bytes, or the zeros of a
/// section's tail beyond its raw data.
#[derive(Debug, Clone, Copy)]
struct Span {
    /// Where the run starts in the file; `None`: it is zeros.
    file: Option<usize>,
    /// How many bytes the run holds.
    len: usize,
}

/// Why a string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrFault {
    /// Part of it is not in the image (or the file ends first).
    Unmapped,
    /// No NUL within [`MAX_NAME_LEN`] bytes.
    TooLong,
}

impl StrFault {
    fn describe(self, what: &str, rva: u32) -> String {
        match self {
            StrFault::Unmapped => format!("{what} (RVA {rva:#x}) lies outside the file"),
            StrFault::TooLong => format!("{what} (RVA {rva:#x}) has no end within {MAX_NAME_LEN} bytes"),
        }
    }
}

/// What our own reader makes of the headers, and the image as the loader maps it.
struct Headers {
    machine: Machine,
    format: PeFormat,
    characteristics: u16,
    image_base: u64,
    size_of_image: u32,
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
        let image_base = match format {
            PeFormat::Pe32 => u64::from(u32_at(b, opt + 28).ok_or_else(short)?),
            PeFormat::Pe32Plus => u64_at(b, opt + 24).ok_or_else(short)?,
        };
        let size_of_image = u32_at(b, opt + 56).ok_or_else(short)?;
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
            image_base,
            size_of_image,
            directories,
            sections,
            size_of_headers,
        })
    }

    /// The run of image bytes that starts at `rva`: the headers, a section's raw data, or the
    /// zero-filled rest of a section (as far as its virtual size or raw size reaches, whichever is
    /// larger). `None` where nothing is mapped, or the file ends before the raw data does.
    fn span(&self, rva: u32, file_len: usize) -> Option<Span> {
        if rva < self.size_of_headers {
            let end = (self.size_of_headers as usize).min(file_len);
            return ((rva as usize) < end).then(|| Span {
                file: Some(rva as usize),
                len: end - rva as usize,
            });
        }
        self.sections.iter().find_map(|s| {
            let into = rva.checked_sub(s.va)?;
            let extent = s.size.max(s.raw_size);
            if into >= extent {
                return None;
            }
            if into < s.raw_size {
                let at = (s.raw_ptr as usize).checked_add(into as usize)?;
                let end = (s.raw_ptr as usize).saturating_add(s.raw_size as usize).min(file_len);
                return (at < end).then(|| Span {
                    file: Some(at),
                    len: end - at,
                });
            }
            Some(Span {
                file: None,
                len: (extent - into) as usize,
            })
        })
    }

    /// Copies the mapped bytes at `rva` into `out`; false when any of them is not mapped.
    fn read_into(&self, b: &[u8], rva: u32, out: &mut [u8]) -> bool {
        let mut done = 0;
        while done < out.len() {
            let Some(at) = u32::try_from(done).ok().and_then(|d| rva.checked_add(d)) else {
                return false;
            };
            let Some(span) = self.span(at, b.len()) else {
                return false;
            };
            let n = span.len.min(out.len() - done);
            match span.file {
                Some(offset) => out[done..done + n].copy_from_slice(&b[offset..offset + n]),
                None => out[done..done + n].fill(0),
            }
            done += n;
        }
        true
    }

    /// The mapped bytes at `rva`, `len` of them (a bounded `len`: the callers bound their counts).
    fn bytes(&self, b: &[u8], rva: u32, len: usize) -> Option<Vec<u8>> {
        let mut out = vec![0; len];
        self.read_into(b, rva, &mut out).then_some(out)
    }

    fn u16(&self, b: &[u8], rva: u32) -> Option<u16> {
        let mut out = [0; 2];
        self.read_into(b, rva, &mut out).then(|| u16::from_le_bytes(out))
    }

    fn u32(&self, b: &[u8], rva: u32) -> Option<u32> {
        let mut out = [0; 4];
        self.read_into(b, rva, &mut out).then(|| u32::from_le_bytes(out))
    }

    /// The NUL-terminated string at `rva` (not UTF-8: shown with U+FFFD; see [`ImportRef`]).
    fn c_string(&self, b: &[u8], rva: u32) -> Result<String, StrFault> {
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let at = u32::try_from(bytes.len())
                .ok()
                .and_then(|d| rva.checked_add(d))
                .ok_or(StrFault::Unmapped)?;
            let span = self.span(at, b.len()).ok_or(StrFault::Unmapped)?;
            let room = MAX_NAME_LEN - bytes.len();
            let run = span.len.min(room);
            match span.file {
                // Zeros: the string ends here.
                None => break,
                Some(offset) => {
                    let chunk = &b[offset..offset + run];
                    if let Some(end) = chunk.iter().position(|&c| c == 0) {
                        bytes.extend_from_slice(&chunk[..end]);
                        break;
                    }
                    bytes.extend_from_slice(chunk);
                }
            }
            if bytes.len() >= MAX_NAME_LEN {
                return Err(StrFault::TooLong);
            }
        }
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// A data directory that is present: RVA and size both non-zero.
    fn directory(&self, index: usize) -> Option<(u32, u32)> {
        self.directories
            .get(index)
            .copied()
            .filter(|&(rva, size)| rva != 0 && size != 0)
    }

    fn clr(&self, b: &[u8]) -> Option<ClrFlags> {
        let (rva, _) = self.directory(14)?;
        let raw = self.u32(b, rva.checked_add(16)?)?;
        Some(ClrFlags {
            raw,
            il_only: raw & 0x1 != 0,
            requires_32bit: raw & 0x2 != 0,
            prefers_32bit: raw & 0x20000 != 0,
        })
    }
}

/// What goblin reads of an image: export names, and each static import as (module, function).
struct GoblinView {
    exports: Vec<String>,
    imports: Vec<(String, String)>,
}

fn goblin_view(bytes: &[u8]) -> Result<GoblinView, String> {
    let mut options = goblin::pe::options::ParseOptions::default()
        .with_parse_mode(goblin::options::ParseMode::Permissive)
        .with_parse_tls_data(false)
        .with_parse_resources(false)
        .with_parse_imports(true);
    options.parse_attribute_certificates = false;
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        goblin::pe::PE::parse_with_opts(bytes, &options).map(|pe| GoblinView {
            exports: pe.exports.iter().filter_map(|e| e.name.map(str::to_string)).collect(),
            imports: pe
                .imports
                .iter()
                .map(|i| (i.dll.to_ascii_lowercase(), i.name.to_string()))
                .collect(),
        })
    }));
    match parsed {
        Ok(Ok(view)) => Ok(view),
        Ok(Err(e)) => Err(format!("goblin could not read the image ({e})")),
        Err(_) => Err("goblin panicked on this image".into()),
    }
}

/// What goblin says of the imports, in its words: `ORDINAL 5` for an import by ordinal.
fn goblin_words(modules: &[ImportedModule]) -> Vec<(String, String)> {
    modules
        .iter()
        .filter(|m| !m.delay)
        .flat_map(|m| {
            m.functions.iter().map(|f| {
                let name = match f {
                    ImportRef::Name { name, .. } => name.to_string(),
                    ImportRef::Ordinal { ordinal } => format!("ORDINAL {ordinal}"),
                };
                (m.name.to_ascii_lowercase(), name)
            })
        })
        .collect()
}

/// Reads an image's bytes.
pub fn classify(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let headers = Headers::read(bytes)?;
    let mut notes = Vec::new();
    // An export or import table that cannot be read is a corrupt image whatever a permissive parser
    // makes of it: an empty list would otherwise read as "no ISAPI exports" or "imports nothing".
    let export_table = exports::read(&headers, bytes).map_err(ImageError::Corrupt)?;
    let mut import_modules = imports::read_static(&headers, bytes).map_err(ImageError::Corrupt)?;
    let delay_load_error = match imports::read_delay(&headers, bytes) {
        Ok(delay) => {
            import_modules.extend(delay);
            None
        }
        Err((delay, why)) => {
            import_modules.extend(delay);
            Some(why)
        }
    };
    let manifest = resources::embedded_manifest(&headers, bytes, &mut notes);
    if !export_table.names_sorted() {
        notes.push(
            "the export name table is not in order: the loader's binary search may miss names that it lists".into(),
        );
    }
    let exports: Vec<String> = export_table.names().map(|(name, _)| name.to_string()).collect();
    let mut imports: Vec<String> = import_modules
        .iter()
        .filter(|m| !m.delay)
        .map(|m| m.name.to_string())
        .collect();
    imports.dedup();
    match goblin_view(bytes) {
        Ok(view) => {
            let (mut ours, mut theirs) = (exports.clone(), view.exports);
            ours.sort();
            theirs.sort();
            if ours != theirs {
                notes.push(format!(
                    "goblin reads {} export name(s) where mblint's reader reads {}; mblint's reading is used",
                    theirs.len(),
                    ours.len()
                ));
            }
            let (mut ours, mut theirs) = (goblin_words(&import_modules), view.imports);
            ours.sort();
            theirs.sort();
            if ours != theirs {
                notes.push(format!(
                    "goblin reads {} imported function(s) where mblint's reader reads {}; mblint's reading is used",
                    theirs.len(),
                    ours.len()
                ));
            }
        }
        Err(why) => notes.push(format!("{why}; read by mblint's own reader alone")),
    }
    Ok(ImageInfo {
        machine: headers.machine,
        format: headers.format,
        is_dll: headers.characteristics & 0x2000 != 0,
        exports,
        imports,
        clr: headers.clr(bytes),
        notes,
        import_modules,
        delay_load_error,
        export_table,
        manifest,
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
        // Every table the readers follow, cut anywhere (every 3rd length: each table's fields
        // span several), in both bitnesses: an error or a reading, never a panic.
        for path in [
            "x86/deps/ext-vc80.dll",
            "x64/deps/ext-delay.dll",
            "x86/deps/delay-vc6.dll",
            "x64/deps/forwarder.dll",
            "x86/system/kernel32.dll",
            "hostile/resource-loop.dll",
        ] {
            let bytes = image(path);
            for len in (0..bytes.len()).step_by(3) {
                let _ = classify(&bytes[..len]);
            }
        }
    }

    fn info(path: &str) -> ImageInfo {
        classify(&image(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn name(name: &str, hint: u16) -> ImportRef {
        ImportRef::Name {
            name: name.into(),
            hint: Some(hint),
        }
    }

    #[test]
    fn imports_by_module_and_function() {
        for arch in ["x86", "x64"] {
            let ext = info(&format!("{arch}/deps/ext-helper.dll"));
            assert_eq!(
                ext.import_modules,
                [ImportedModule {
                    name: "helper.dll".into(),
                    delay: false,
                    functions: vec![name("HelperFunc", 1)],
                }],
                "{arch}"
            );
            assert_eq!(ext.imports, ["helper.dll"]);
            let helper = info(&format!("{arch}/deps/helper.dll"));
            assert_eq!(helper.imports, ["helper2.dll"]);
            let ordinal = info(&format!("{arch}/deps/ext-ordinal.dll"));
            assert_eq!(
                ordinal.import_modules[0].functions,
                [ImportRef::by_ordinal(5), ImportRef::by_ordinal(99)]
            );
            let vista = info(&format!("{arch}/deps/ext-vista-kernel32.dll"));
            let mut functions: Vec<&str> = vista.import_modules[0]
                .functions
                .iter()
                .filter_map(ImportRef::name)
                .collect();
            functions.sort();
            assert_eq!(functions, ["GetTickCount", "GetTickCount64", "InitializeSRWLock"]);
            assert!(vista.notes.is_empty(), "{:?}", vista.notes);
        }
    }

    #[test]
    fn delay_loads_do_not_count_as_static_imports() {
        for arch in ["x86", "x64"] {
            let delay = info(&format!("{arch}/deps/ext-delay.dll"));
            assert_eq!(delay.imports, Vec::<String>::new(), "{arch}");
            assert_eq!(delay.static_imports().count(), 0);
            assert_eq!(
                delay.delay_imports().collect::<Vec<_>>(),
                [&ImportedModule {
                    name: "helper.dll".into(),
                    delay: true,
                    functions: vec![name("HelperFunc", 1)],
                }]
            );
            assert_eq!(delay.delay_load_error, None);
        }
        let vc6 = info("x86/deps/delay-vc6.dll");
        assert_eq!(vc6.imports, ["KERNEL32.dll"]);
        assert_eq!(
            vc6.delay_imports().next().map(|m| &m.functions),
            Some(&vec![name("HelperFunc", 0), ImportRef::by_ordinal(5)])
        );
    }

    #[test]
    fn exports_resolve_as_the_loader_resolves_them() {
        for arch in ["x86", "x64"] {
            let helper = info(&format!("{arch}/deps/helper.dll")).export_table;
            // HelperByOrdinal is exported by ordinal 5 only (NONAME); ld puts the base at 4.
            assert_eq!(helper.ordinal_base(), 4);
            assert!(matches!(
                helper.resolve(&name("HelperFunc", 1)),
                Some(ExportTarget::Here { ordinal: 4, .. })
            ));
            assert!(matches!(
                helper.resolve(&ImportRef::by_ordinal(5)),
                Some(ExportTarget::Here { ordinal: 5, .. })
            ));
            assert_eq!(helper.resolve(&ImportRef::by_name("HelperByOrdinal")), None);
            assert_eq!(helper.ordinal_only(), [5]);
            // What ext-ordinal.dll imports from it: 5 is there, 99 is not (error 127).
            let wanted = &info(&format!("{arch}/deps/ext-ordinal.dll")).import_modules[0].functions;
            let found: Vec<bool> = wanted.iter().map(|f| helper.resolve(f).is_some()).collect();
            assert_eq!(found, [true, false], "{arch}");
        }
    }

    #[test]
    fn the_kernel32_stand_in_is_server_2003s() {
        for arch in ["x86", "x64"] {
            let k32 = info(&format!("{arch}/system/kernel32.dll"));
            let wanted = &info(&format!("{arch}/deps/ext-vista-kernel32.dll")).import_modules[0].functions;
            let mut found: Vec<(&str, bool)> = wanted
                .iter()
                .map(|f| (f.name().unwrap(), k32.export_table.resolve(f).is_some()))
                .collect();
            found.sort();
            // GetTickCount is there; GetTickCount64 and InitializeSRWLock came with Vista.
            assert_eq!(
                found,
                [
                    ("GetTickCount", true),
                    ("GetTickCount64", false),
                    ("InitializeSRWLock", false)
                ],
                "{arch}"
            );
            for vista in [
                "InitializeConditionVariable",
                "AcquireSRWLockExclusive",
                "CreateEventExW",
            ] {
                assert_eq!(k32.export_table.resolve(&ImportRef::by_name(vista)), None, "{vista}");
            }
            // HeapAlloc is a forwarder to ntdll, which exports its target.
            let Some(ExportTarget::Forwarded { dll, import, .. }) =
                k32.export_table.resolve(&ImportRef::by_name("HeapAlloc"))
            else {
                panic!("HeapAlloc")
            };
            assert_eq!((&*dll, import.name()), ("NTDLL.dll", Some("RtlAllocateHeap")));
            let ntdll = info(&format!("{arch}/system/ntdll.dll"));
            assert!(matches!(
                ntdll.export_table.resolve(&import),
                Some(ExportTarget::Here { .. })
            ));
            assert_eq!(k32.imports, ["ntdll.dll"]);
            assert!(k32.export_table.names_sorted());
            let crt = info(&format!("{arch}/system/msvcr80.dll"));
            assert!(crt.exports("malloc") && crt.exports("free"));
        }
        // Only the 32-bit kernel32 exports the Interlocked functions.
        let interlocked = ImportRef::by_name("InterlockedIncrement");
        assert!(
            info("x86/system/kernel32.dll")
                .export_table
                .resolve(&interlocked)
                .is_some()
        );
        assert!(
            info("x64/system/kernel32.dll")
                .export_table
                .resolve(&interlocked)
                .is_none()
        );
    }

    #[test]
    fn forwarded_exports() {
        for arch in ["x86", "x64"] {
            let fwd = info(&format!("{arch}/deps/forwarder.dll")).export_table;
            let to = |f: &str| match fwd.resolve(&ImportRef::by_name(f)) {
                Some(ExportTarget::Forwarded { dll, import, .. }) => format!("{dll}!{import}"),
                other => format!("{other:?}"),
            };
            assert_eq!(to("HelperFunc"), "helper.dll!HelperFunc");
            assert_eq!(to("GetTickCount"), "KERNEL32.dll!GetTickCount");
            assert_eq!(to("HeapAlloc"), "KERNEL32.dll!HeapAlloc");
            assert!(matches!(
                fwd.resolve(&ImportRef::by_name("HttpExtensionProc")),
                Some(ExportTarget::Here { .. })
            ));
            assert_eq!(fwd.forwarders().count(), 3);
        }
        let by_ordinal = info("x64/deps/forward-ordinal.dll").export_table;
        assert_eq!(
            by_ordinal.resolve(&ImportRef::by_name("ByOrdinal")),
            Some(ExportTarget::Forwarded {
                ordinal: 1,
                dll: "helper.dll".into(),
                import: ImportRef::by_ordinal(5)
            })
        );
        // Each of the looping pair forwards to the other; following the loop is the loader model's.
        let a = info("hostile/forward-loop-a.dll").export_table;
        let b = info("hostile/forward-loop-b.dll").export_table;
        let func = ImportRef::by_name("Func");
        assert!(matches!(a.resolve(&func), Some(ExportTarget::Forwarded { dll, .. }) if &*dll == "forward-loop-b.dll"));
        assert!(matches!(b.resolve(&func), Some(ExportTarget::Forwarded { dll, .. }) if &*dll == "forward-loop-a.dll"));
    }

    #[test]
    fn embedded_manifests() {
        for (arch, processor) in [("x86", "x86"), ("x64", "amd64")] {
            let ext = info(&format!("{arch}/deps/ext-vc80.dll"));
            let EmbeddedManifest::Present(m) = &ext.manifest else {
                panic!("{arch}: {:?}", ext.manifest)
            };
            assert_eq!(m.resource_id, 2);
            assert!(m.applies_to_static_imports());
            assert_eq!(
                m.dependencies()[0].identity.to_string(),
                format!("Microsoft.VC80.CRT 8.0.50727.762 {processor} 1fc8b3b9a1e18e3b")
            );
            assert_eq!(ext.imports, ["MSVCR80.dll"]);
        }
        // A version resource and no manifest; no resources at all.
        assert_eq!(info("x64/filter-v1.0.dll").manifest, EmbeddedManifest::None);
        assert_eq!(info("x86/isapi-filter.dll").manifest, EmbeddedManifest::None);
        assert_eq!(
            info("hostile/manifest-two-ids.dll").manifest,
            EmbeddedManifest::Several {
                resource_ids: vec![1, 2]
            }
        );
        assert!(matches!(
            info("hostile/resource-loop.dll").manifest,
            EmbeddedManifest::Unreadable { unreadable } if unreadable.contains("where its data belongs")
        ));
    }

    #[test]
    fn hostile_export_tables() {
        let beyond = info("hostile/export-ordinal-beyond.dll");
        assert_eq!(beyond.export_table.resolve(&ImportRef::by_name("Beyond")), None);
        assert_eq!(beyond.export_table.resolve(&ImportRef::by_name("Empty")), None);
        assert!(
            beyond
                .export_table
                .resolve(&ImportRef::by_name("HttpExtensionProc"))
                .is_some()
        );
        // goblin reads the table otherwise: the note says so, and mblint's reading stands.
        assert!(beyond.notes.iter().any(|n| n.contains("goblin")), "{:?}", beyond.notes);
        let selfish = info("hostile/export-self.dll");
        assert_eq!(selfish.exports, ["MZ", "MZ", "MZ"]);
        assert!(matches!(
            selfish.export_table.resolve(&ImportRef::by_ordinal(1)),
            Some(ExportTarget::Forwarded { dll, import, .. }) if &*dll == "export-self.dll" && import.name() == Some("dll")
        ));
    }

    #[test]
    fn corrupt_import_tables_are_errors() {
        assert!(
            matches!(classify(&image("corrupt/imports-unterminated.dll")), Err(ImageError::Corrupt(m)) if m.contains("import descriptor 12"))
        );
        assert!(
            matches!(classify(&image("corrupt/import-name-outside.dll")), Err(ImageError::Corrupt(m)) if m.contains("the name of imported module 0"))
        );
    }

    use super::testing::{SECTION_RVA, TestImage};

    /// Where a `TestImage`'s optional header starts.
    fn opt_at(b: &[u8]) -> usize {
        u32_at(b, 0x3c).unwrap() as usize + 24
    }

    fn set16(b: &mut [u8], at: usize, v: u16) {
        b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn set32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A PE32 image whose CLR header (directory 14) is at `rva`: its flags are read at `rva + 16`.
    fn clr_at(rva: u32) -> TestImage {
        let mut img = TestImage::new(false);
        img.dir(14, rva, 72);
        img
    }

    #[test]
    fn up_to_96_sections_are_read() {
        let built = TestImage::new(false).build();
        let opt = opt_at(&built);
        let table = opt + 224;
        for sections in [96u16, 97] {
            let mut b = built.clone();
            set16(&mut b, opt - 18, sections);
            // The sections after the first are all zeros: nothing is mapped at them.
            b.resize(b.len().max(table + 40 * usize::from(sections)), 0);
            match classify(&b) {
                Ok(_) => assert_eq!(sections, 96),
                Err(ImageError::Corrupt(m)) => {
                    assert_eq!(sections, 97);
                    assert!(m.starts_with("97 sections"), "{m}");
                }
                Err(e) => panic!("{sections}: {e}"),
            }
        }
    }

    #[test]
    fn file_alignment_is_a_power_of_two() {
        let mut b = TestImage::new(false).build();
        let opt = opt_at(&b);
        assert!(classify(&b).is_ok());
        set32(&mut b, opt + 36, 0x300);
        assert!(
            matches!(classify(&b), Err(ImageError::Corrupt(m)) if m == "FileAlignment is 768; it must be a power of two")
        );
    }

    /// `b` with an optional header that holds `dirs` data directories, though its count still says
    /// 16: the section table moved up behind it.
    fn holding_directories(mut b: Vec<u8>, dirs: usize) -> Vec<u8> {
        let opt = opt_at(&b);
        let (old, new) = (opt + 224, opt + 96 + 8 * dirs);
        b.copy_within(old..old + 40, new);
        b[new + 40..old + 40].fill(0);
        set16(&mut b, opt - 4, (96 + 8 * dirs) as u16);
        b
    }

    #[test]
    fn only_the_directories_the_optional_header_holds_are_read() {
        let mut img = clr_at(SECTION_RVA);
        img.put_u32(SECTION_RVA + 16, 1);
        let il_only = |b: &[u8]| classify(b).unwrap().clr.map(|c| c.il_only);
        assert_eq!(il_only(&img.build()), Some(true));
        // Fifteen directories: the CLR header's is the last.
        assert_eq!(il_only(&holding_directories(img.build(), 15)), Some(true));
        // Fourteen: the 8 bytes after them are the section table's first (the section's name,
        // here bytes that would read as the CLR directory), never a directory.
        let mut b = holding_directories(img.build(), 14);
        let table = opt_at(&b) + 96 + 8 * 14;
        set32(&mut b, table, SECTION_RVA);
        set32(&mut b, table + 4, 72);
        assert_eq!(il_only(&b), None);
    }

    #[test]
    fn a_file_cut_in_its_section_table_is_truncated() {
        let b = TestImage::new(false).build();
        let table = opt_at(&b) + 224;
        // The whole table and nothing after it: the headers are read, the section's data is not
        // in the file.
        assert!(classify(&b[..table + 40]).is_ok());
        assert!(matches!(
            classify(&b[..table + 39]),
            Err(ImageError::Truncated(m)) if m == "the section table ends after 0 of 1 sections"
        ));
    }

    #[test]
    fn bytes_are_read_as_the_loader_maps_them() {
        let read = |b: &[u8], rva: u32, len: usize| Headers::read(b).unwrap().bytes(b, rva, len);
        let mut img = TestImage::new(false);
        img.put(SECTION_RVA, b"sect").put(SECTION_RVA + 0x1fc, b"tail");
        // Raw data to 0x1200, virtual size to 0x1300.
        img.zero_tail = 0x100;
        let b = img.build();
        let (opt, table) = (opt_at(&b), opt_at(&b) + 224);
        assert_eq!(read(&b, 0, 2).as_deref(), Some(&b"MZ"[..]));
        assert_eq!(read(&b, SECTION_RVA, 4).as_deref(), Some(&b"sect"[..]));
        // Across the end of the headers (0x200 bytes): nothing is mapped up to the section.
        assert_eq!(read(&b, 0x1fe, 4), None);
        // Across the end of the raw data: zeros, as far as the virtual size reaches.
        assert_eq!(read(&b, 0x11fc, 8).as_deref(), Some(&b"tail\0\0\0\0"[..]));
        assert_eq!(read(&b, 0x1200, 4), Some(vec![0; 4]));
        assert_eq!(read(&b, 0x12fc, 4), Some(vec![0; 4]));
        assert_eq!(read(&b, 0x12fe, 4), None);
        // Headers that reach the section (SizeOfHeaders 0x1000): 0x1000 is the section's first
        // byte, and the headers end where the file (0x400 bytes) does.
        let mut big_headers = b.clone();
        set32(&mut big_headers, opt + 60, SECTION_RVA);
        assert_eq!(read(&big_headers, SECTION_RVA, 4).as_deref(), Some(&b"sect"[..]));
        assert_eq!(b.len(), 0x400);
        assert_eq!(read(&big_headers, 0x3fe, 2).as_deref(), Some(&b[0x3fe..]));
        assert_eq!(read(&big_headers, 0x3fe, 4), None);
        assert_eq!(read(&big_headers, 0x400, 1), None);
        // A section without raw data (.bss) is zeros from its first byte.
        let mut bss = b.clone();
        set32(&mut bss, table + 16, 0);
        assert_eq!(read(&bss, SECTION_RVA, 4), Some(vec![0; 4]));
        // Raw data said to start at the file's first byte: read without a panic.
        let mut at_zero = b.clone();
        set32(&mut at_zero, table + 20, 0);
        assert!(read(&at_zero, SECTION_RVA, 4).is_some());
    }

    #[test]
    fn each_kind_of_image_is_described() {
        let il = info("managed/il-only.dll");
        assert_eq!(il.describe(), "PE32 i386 DLL (managed, IL only)");
        let mixed = ImageInfo {
            clr: il.clr.map(|c| ClrFlags { il_only: false, ..c }),
            ..il.clone()
        };
        assert_eq!(mixed.describe(), "PE32 i386 DLL (mixed-mode managed)");
        assert_eq!(info("x64/app.exe").describe(), "PE32+ AMD64 executable (not a DLL)");
    }

    #[test]
    fn a_name_is_read_to_its_limit_across_runs() {
        // SizeOfHeaders 0x1000: RVA 0x200 to 0x1000 reads the file's bytes 0x200 to 0x1000 (the
        // section's first 0xe00), and the section follows at 0x1000. A name from 0x200 with its NUL
        // at the section's byte 0xf00 is 0xe00 + 0xf00 bytes long, past MAX_NAME_LEN.
        let mut img = TestImage::new(false);
        img.put(SECTION_RVA, &[b'a'; 0x1000]).put(SECTION_RVA + 0xf00, &[0]);
        let mut b = img.build();
        let opt = opt_at(&b);
        set32(&mut b, opt + 60, SECTION_RVA);
        let h = Headers::read(&b).unwrap();
        assert_eq!(h.c_string(&b, 0x200), Err(StrFault::TooLong));
        assert_eq!(h.c_string(&b, SECTION_RVA).map(|s| s.len()), Ok(0xf00));
    }

    #[test]
    fn a_directory_is_there_only_with_an_rva_and_a_size() {
        let mut img = clr_at(SECTION_RVA);
        img.put_u32(SECTION_RVA + 16, 1);
        let clr = |img: &TestImage| classify(&img.build()).unwrap().clr.map(|c| c.il_only);
        assert_eq!(clr(&img), Some(true));
        img.dir(14, SECTION_RVA, 0);
        assert_eq!(clr(&img), None);
    }

    #[test]
    fn each_clr_flag_is_its_own_bit() {
        let flags = |raw: u32| {
            let mut img = clr_at(SECTION_RVA);
            img.put_u32(SECTION_RVA + 16, raw);
            classify(&img.build())
                .unwrap()
                .clr
                .map(|c| (c.il_only, c.requires_32bit, c.prefers_32bit))
        };
        assert_eq!(flags(0x1), Some((true, false, false)));
        assert_eq!(flags(0x2), Some((false, true, false)));
        assert_eq!(flags(0x2_0000), Some((false, false, true)));
        assert_eq!(flags(0x2_0003), Some((true, true, true)));
        assert_eq!(flags(0), Some((false, false, false)));
    }
}
