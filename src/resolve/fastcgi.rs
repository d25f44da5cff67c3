//! The FastCGI Extension for IIS 6.0 (`fcgiext.dll`): the `fcgiext.ini` it reads beside itself, read
//! from the drive copy as the worker's `fcgiext.dll` would read it, and the `ExePath` of each
//! application its `[Types]` section names, resolved on the drive.
//!
//! "The FastCGI handler will look for this file in the same directory as fcgiext.dll" (the header
//! of the fcgiext.ini the installer writes); a 32-bit worker on x64 loads the SysWOW64 copy
//! ("If you are using a 64-bit platform in WOW mode, you must use the fcgiext.dll file that is
//! located in the %WINDIR%\SysWOW64\inetsrv path"), so the ini is looked for in the folder of the
//! image the resolver found for the worker, after WOW64 redirection. The format (Microsoft,
//! "Configuring the FastCGI Extension for IIS 6.0",
//! <https://learn.microsoft.com/en-us/iis/application-frameworks/install-and-configure-php-on-iis/configuring-the-fastcgi-extension-for-iis-60>):
//! a `[Types]` section maps `ext`, `ext:<site id>`, `ext:/lm/w3svc/<id>/root/<app>` and the same
//! with `*` to application names ("Application names are not case sensitive"); an application
//! section holds `ExePath`, `Arguments`, `QueueLength`, `MaxInstances` and more.
//!
//! The file is read as the Windows profile API reads one (GetPrivateProfileString,
//! <https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-getprivateprofilestring>):
//! section and key names compared without regard to case, a value's surrounding quotes dropped,
//! `;` lines ignored. It is bounded (size, lines, line length, sections) and never panics on
//! hostile bytes: what exceeds a bound is an input that could not be read, never a pass.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::resolver::{DriveFile, Found, Refusal, Resolution, Resolver};
use crate::metabase::isapi::{IsapiSet, Role};
use crate::platform::Process;
use crate::winpath::WinPath;

/// The DLL whose script maps send requests to FastCGI, and the file it reads beside itself.
pub const DLL_NAME: &str = "fcgiext.dll";
pub const INI_NAME: &str = "fcgiext.ini";

/// The most of an fcgiext.ini that is read: the installer's file is about 10 KB.
pub const MAX_INI_SIZE: u64 = 1 << 20;
/// The most lines, characters in a line, and sections an fcgiext.ini may hold.
pub const MAX_LINES: usize = 50_000;
pub const MAX_LINE_CHARS: usize = 32_767;
pub const MAX_SECTIONS: usize = 5_000;

/// How an ini file's bytes were encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IniEncoding {
    /// No byte order mark: the system's ANSI code page, which the copy does not tell. ASCII reads
    /// the same in every one; a non-ASCII byte is kept as U+FFFD and its text is unknown.
    Ansi,
    Utf8Bom,
    Utf16LeBom,
}

/// One `key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// As written, trimmed.
    pub key: String,
    /// Trimmed, surrounding quotes dropped.
    pub value: String,
    /// 1-based.
    pub line: u32,
}

/// One `[name]` section and its entries, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    pub name: String,
    pub line: u32,
    pub entries: Vec<IniEntry>,
}

impl IniSection {
    /// The first entry named `key`, without regard to case.
    pub fn get(&self, key: &str) -> Option<&IniEntry> {
        self.entries.iter().find(|e| e.key.eq_ignore_ascii_case(key))
    }
}

/// A parsed ini file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ini {
    pub encoding: IniEncoding,
    pub sections: Vec<IniSection>,
}

impl Ini {
    /// The first section named `name`, without regard to case.
    pub fn section(&self, name: &str) -> Option<&IniSection> {
        self.sections.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// Why an ini file's bytes could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IniError {
    pub message: String,
}

fn ini_error(message: impl Into<String>) -> IniError {
    IniError {
        message: message.into(),
    }
}

/// Decodes an ini file's bytes: UTF-16 LE or UTF-8 after their byte order marks, else ANSI.
fn decode(bytes: &[u8]) -> Result<(IniEncoding, String), IniError> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        if rest.len() % 2 != 0 {
            return Err(ini_error(format!(
                "it is UTF-16 (its byte order mark says so) but has an odd number of bytes ({})",
                bytes.len()
            )));
        }
        let units = rest.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]]));
        let mut text = String::with_capacity(rest.len() / 2);
        for (i, c) in char::decode_utf16(units).enumerate() {
            match c {
                Ok(c) => text.push(c),
                Err(_) => {
                    return Err(ini_error(format!(
                        "it is UTF-16 (its byte order mark says so) but holds an unpaired surrogate at byte {}",
                        2 + 2 * i
                    )));
                }
            }
        }
        return Ok((IniEncoding::Utf16LeBom, text));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ini_error(
            "it is UTF-16 big-endian (its byte order mark says so), which the Windows profile API does not read",
        ));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((IniEncoding::Utf8Bom, text.to_string())),
            Err(e) => Err(ini_error(format!(
                "it is UTF-8 (its byte order mark says so) but byte {} is not valid UTF-8",
                3 + e.valid_up_to()
            ))),
        };
    }
    // ANSI: the code page is the server's, which the copy does not tell. Only ASCII is certain.
    let text = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii() {
                b as char
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect();
    Ok((IniEncoding::Ansi, text))
}

/// Parses an ini file's bytes, bounded: more than [`MAX_LINES`] lines, a line longer than
/// [`MAX_LINE_CHARS`] or more than [`MAX_SECTIONS`] sections is an error, as bytes that are not
/// the text their byte order mark says.
pub fn parse(bytes: &[u8]) -> Result<Ini, IniError> {
    let (encoding, text) = decode(bytes)?;
    let mut sections: Vec<IniSection> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let number = i + 1;
        if number > MAX_LINES {
            return Err(ini_error(format!("it has more than {MAX_LINES} lines")));
        }
        if line.chars().count() > MAX_LINE_CHARS {
            return Err(ini_error(format!(
                "line {number} is longer than {MAX_LINE_CHARS} characters"
            )));
        }
        let line = line.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\0');
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if sections.len() >= MAX_SECTIONS {
                return Err(ini_error(format!("it has more than {MAX_SECTIONS} sections")));
            }
            let name = rest.split(']').next().unwrap_or(rest).trim();
            sections.push(IniSection {
                name: name.to_string(),
                line: number as u32,
                entries: Vec::new(),
            });
            continue;
        }
        // A line without `=`, or before the first section, names nothing the profile API returns.
        let (Some(section), Some((key, value))) = (sections.last_mut(), line.split_once('=')) else {
            continue;
        };
        let value = value.trim();
        let value = ['"', '\'']
            .iter()
            .find_map(|&q| {
                value
                    .strip_prefix(q)
                    .and_then(|v| v.strip_suffix(q))
                    .filter(|_| value.len() >= 2)
            })
            .unwrap_or(value);
        section.entries.push(IniEntry {
            key: key.trim().to_string(),
            value: value.to_string(),
            line: number as u32,
        });
    }
    Ok(Ini { encoding, sections })
}

/// Where a `[Types]` mapping applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every site.
    All,
    /// `ext:<site id>`.
    Site(String),
    /// `ext:/lm/w3svc/<id>/root/<app>`: the application at that metabase path, lower-cased, with
    /// no trailing `/`.
    App(String),
    /// Something after `:` that is neither: it applies nowhere mblint can tell.
    Unknown(String),
}

/// One `[Types]` entry: an extension (`php`, `*`) in a scope, and the application it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMapping {
    /// Lower-cased, as written (a leading `.` kept: see [`TypeMapping::dotted`]).
    pub extension: String,
    pub scope: Scope,
    pub application: String,
    pub line: u32,
}

impl TypeMapping {
    fn of(entry: &IniEntry) -> TypeMapping {
        let (ext, scope) = match entry.key.split_once(':') {
            None => (entry.key.as_str(), Scope::All),
            Some((ext, scope)) => {
                let scope = scope.trim();
                let scope = if !scope.is_empty() && scope.bytes().all(|b| b.is_ascii_digit()) {
                    Scope::Site(scope.to_string())
                } else if scope.starts_with('/') {
                    Scope::App(scope.trim_end_matches('/').to_ascii_lowercase())
                } else {
                    Scope::Unknown(scope.to_string())
                };
                (ext, scope)
            }
        };
        TypeMapping {
            extension: ext.trim().to_ascii_lowercase(),
            scope,
            application: entry.value.clone(),
            line: entry.line,
        }
    }

    /// Whether the extension is written with a leading dot (`.php`), which the documentation's
    /// examples never are.
    pub fn dotted(&self) -> bool {
        self.extension.starts_with('.') && self.extension.len() > 1
    }
}

/// The `[Types]` section's mappings, in file order (none when the section is missing).
pub fn types(ini: &Ini) -> Vec<TypeMapping> {
    ini.section("Types")
        .map(|s| s.entries.iter().map(TypeMapping::of).collect())
        .unwrap_or_default()
}

/// The metabase path of a Location in the form `[Types]` scopes use: lower case, no trailing `/`,
/// and without the `/lm` prefix's case (`/lm/w3svc/1/root/app1`).
fn scope_path(location: &str) -> String {
    location.trim_end_matches('/').to_ascii_lowercase()
}

/// The site id of a Location under `/LM/W3SVC/<id>`, if it is one.
pub fn site_of(location: &str) -> Option<&str> {
    let rest = location
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("/lm/w3svc/"))
        .map(|_| &location[10..])?;
    let id = rest.split('/').next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Whether `inner` is `outer` or lies under it, as metabase paths (case-insensitive).
fn under(inner: &str, outer: &str) -> bool {
    inner == outer || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('/'))
}

/// The mapping fcgiext.dll picks for a request with extension `ext` (lower case, no dot; `*` for a
/// wildcard script map, which has only the `*` mappings to go by) at metabase path `location`: an
/// application's own mapping over its site's, a site's over the global one, and in each the
/// extension's over `*` (the order the documentation gives). Of two applications that both
/// contain the Location, the deeper one.
pub fn applied<'t>(types: &'t [TypeMapping], ext: &str, location: &str) -> Option<&'t TypeMapping> {
    let location = scope_path(location);
    let site = site_of(&location);
    let matches_ext = |m: &TypeMapping, e: &str| m.extension == e;
    let exts: &[&str] = if ext == "*" { &["*"] } else { &[ext, "*"] };
    // Applications containing the Location, deepest first.
    let mut apps: Vec<&TypeMapping> = types
        .iter()
        .filter(|m| matches!(&m.scope, Scope::App(p) if under(&location, p)))
        .collect();
    apps.sort_by_key(|m| match &m.scope {
        Scope::App(p) => std::cmp::Reverse(p.len()),
        _ => std::cmp::Reverse(0),
    });
    for e in exts {
        if let Some(m) = apps.iter().find(|m| matches_ext(m, e)) {
            return Some(m);
        }
    }
    for e in exts {
        if let Some(m) = types
            .iter()
            .find(|m| matches_ext(m, e) && matches!(&m.scope, Scope::Site(id) if Some(id.as_str()) == site))
        {
            return Some(m);
        }
    }
    for e in exts {
        if let Some(m) = types.iter().find(|m| matches_ext(m, e) && m.scope == Scope::All) {
            return Some(m);
        }
    }
    None
}

/// The mappings for `ext` (or `*`) that apply only below `location` (a site's or an application's
/// own): requests there reach fcgiext.dll through the same script map and go to their own
/// application.
pub fn narrower<'t>(types: &'t [TypeMapping], ext: &str, location: &str) -> Vec<&'t TypeMapping> {
    let location = scope_path(location);
    types
        .iter()
        .filter(|m| m.extension == ext || m.extension == "*")
        .filter(|m| match &m.scope {
            Scope::All | Scope::Unknown(_) => false,
            Scope::Site(id) => {
                let site = format!("/lm/w3svc/{id}");
                under(&site, &location) && site != location
            }
            Scope::App(p) => under(p, &location) && *p != location,
        })
        .collect()
}

/// What an application section's `ExePath` is on the drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exe {
    /// The section has no `ExePath` (or an empty one).
    NoExePath,
    /// `ExePath` holds bytes of an ANSI code page the copy does not tell: not looked for.
    UnknownText { line: u32 },
    /// Looked for as the worker's fcgiext.dll would start it (after WOW64 redirection).
    Looked {
        value: String,
        line: u32,
        resolution: Arc<Resolution>,
    },
}

/// What reading one fcgiext.ini gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniState {
    /// Read and parsed; with the `ExePath` of every section a `[Types]` mapping names, by the
    /// section's name in lower case.
    Read {
        file: PathBuf,
        ini: Ini,
        types: Vec<TypeMapping>,
        exes: HashMap<String, Exe>,
    },
    /// Not on the drive: the first missing component.
    Missing { missing: String },
    /// There, but not read: a link out of the copy, a folder, a FIFO, permission denied, too
    /// large, or bytes that are not the text they claim. An input not checked.
    Unread { file: PathBuf, reason: String },
}

/// One fcgiext.ini a worker's fcgiext.dll reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniFile {
    /// The Windows path, beside the fcgiext.dll the worker opens.
    pub path: WinPath,
    /// That fcgiext.dll, as the worker opens it, and whether WOW64 redirection made the path.
    pub dll: WinPath,
    pub redirected: bool,
    pub state: IniState,
}

/// The FastCGI configuration the ISAPI set's fcgiext.dll script maps read, for one worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FastCgi {
    pub inis: Vec<IniFile>,
    /// Index for index with the ISAPI entries: the ini an entry's fcgiext.dll reads, for a script
    /// map (or wildcard map) whose DLL resolved to an fcgiext.dll file on the drive.
    pub of_entry: Vec<Option<u32>>,
}

impl FastCgi {
    /// Whether any entry maps to fcgiext.dll.
    pub fn any(&self) -> bool {
        !self.inis.is_empty()
    }

    /// Reads the fcgiext.ini beside each fcgiext.dll the ISAPI set's script maps load (as resolved
    /// for the worker in `current`, index for index with the entries), once per folder, and
    /// resolves the `ExePath` of each application its `[Types]` names as `process` would start it.
    pub fn of(set: &IsapiSet, current: &[Arc<Resolution>], resolver: &mut Resolver, process: Process) -> FastCgi {
        let mut out = FastCgi {
            inis: Vec::new(),
            of_entry: vec![None; set.entries.len()],
        };
        let mut by_path: HashMap<String, u32> = HashMap::new();
        for (index, (entry, resolution)) in set.entries.iter().zip(current).enumerate() {
            if !matches!(entry.role, Role::ScriptMap | Role::WildcardMap) {
                continue;
            }
            let Resolution::Resolved {
                effective,
                redirected,
                found: Found::Image { .. },
                ..
            } = &**resolution
            else {
                continue;
            };
            if !effective
                .components
                .last()
                .is_some_and(|name| name.eq_ignore_ascii_case(DLL_NAME))
            {
                continue;
            }
            let mut path = effective.clone();
            if let Some(last) = path.components.last_mut() {
                *last = INI_NAME.to_string();
            }
            let key = path.to_string().to_ascii_lowercase();
            let id = match by_path.get(&key) {
                Some(&id) => id,
                None => {
                    let state = read_ini(resolver, &path, process);
                    out.inis.push(IniFile {
                        path,
                        dll: effective.clone(),
                        redirected: *redirected,
                        state,
                    });
                    let id = out.inis.len() as u32 - 1;
                    by_path.insert(key, id);
                    id
                }
            };
            out.of_entry[index] = Some(id);
        }
        out
    }
}

fn read_ini(resolver: &mut Resolver, path: &WinPath, process: Process) -> IniState {
    match resolver.read_file(path, MAX_INI_SIZE) {
        DriveFile::Read { file, bytes } => match parse(&bytes) {
            Err(e) => IniState::Unread {
                file,
                reason: format!("{path} cannot be read as an ini file: {e}"),
            },
            Ok(ini) => {
                let types = types(&ini);
                let mut exes = HashMap::new();
                for m in &types {
                    let name = m.application.to_ascii_lowercase();
                    if exes.contains_key(&name) {
                        continue;
                    }
                    let Some(section) = ini.section(&m.application) else {
                        continue;
                    };
                    let exe = match section.get("ExePath") {
                        None => Exe::NoExePath,
                        Some(e) if e.value.is_empty() => Exe::NoExePath,
                        Some(e) if e.value.contains(char::REPLACEMENT_CHARACTER) => Exe::UnknownText { line: e.line },
                        Some(e) => Exe::Looked {
                            value: e.value.clone(),
                            line: e.line,
                            resolution: resolver.resolve(&e.value, process),
                        },
                    };
                    exes.insert(name, exe);
                }
                IniState::Read { file, ini, types, exes }
            }
        },
        DriveFile::Missing { missing } => IniState::Missing { missing },
        DriveFile::Refused {
            file,
            kind: Refusal::Folder,
            ..
        } => IniState::Unread {
            file,
            reason: format!("{path} is a folder, not a file"),
        },
        DriveFile::Refused { reason, file, .. } => IniState::Unread { file, reason },
        // The fcgiext.dll beside it was found on this drive: its folder is mapped.
        DriveFile::Unmapped { drive } => IniState::Missing {
            missing: format!("{drive}:\\"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    const INSTALLED: &str = "; fcgiext.ini\r\n[Types]\r\nphp=PHP\r\n\r\n[PHP]\r\nExePath=C:\\PHP\\php-cgi.exe\r\nArguments=\r\nQueueLength=999\r\n";

    #[test]
    fn reads_sections_and_keys_without_regard_to_case_in_every_encoding() {
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice(INSTALLED.as_bytes());
        for (bytes, encoding) in [
            (INSTALLED.as_bytes().to_vec(), IniEncoding::Ansi),
            (utf8, IniEncoding::Utf8Bom),
            (utf16(INSTALLED), IniEncoding::Utf16LeBom),
        ] {
            let ini = parse(&bytes).unwrap();
            assert_eq!(ini.encoding, encoding);
            let php = ini.section("php").unwrap();
            assert_eq!(php.get("exepath").unwrap().value, r"C:\PHP\php-cgi.exe");
            assert_eq!(php.get("EXEPATH").unwrap().line, 6);
            assert_eq!(php.get("Arguments").unwrap().value, "");
            let types = types(&ini);
            assert_eq!(types.len(), 1);
            assert_eq!(
                (types[0].extension.as_str(), types[0].application.as_str()),
                ("php", "PHP")
            );
        }
    }

    #[test]
    fn quotes_comments_and_stray_lines_are_read_as_the_profile_api_reads_them() {
        let ini = parse(
            b"stray=before any section\n[ types ]\n  PHP = \"My App\"  \n; php=Other\nno equals sign\n[my app]\nExePath='C:\\a b\\x.exe'\nExePath=C:\\second.exe\nArguments=-c \"x\"\n",
        )
        .unwrap();
        assert_eq!(ini.sections.len(), 2);
        let types = types(&ini);
        assert_eq!(types.len(), 1);
        assert_eq!(types[0].application, "My App");
        let app = ini.section("MY APP").unwrap();
        // The first of two keys, as GetPrivateProfileString returns it.
        assert_eq!(app.get("exepath").unwrap().value, r"C:\a b\x.exe");
        // Quotes that do not surround the whole value stay.
        assert_eq!(app.get("arguments").unwrap().value, "-c \"x\"");
    }

    #[test]
    fn ansi_bytes_outside_ascii_are_unknown_text() {
        let ini = parse(b"[Types]\nphp=PHP\n[PHP]\nExePath=C:\\Programme\\PH\xd6\\php-cgi.exe\n").unwrap();
        assert_eq!(ini.encoding, IniEncoding::Ansi);
        let value = &ini.section("PHP").unwrap().get("ExePath").unwrap().value;
        assert!(value.contains(char::REPLACEMENT_CHARACTER), "{value}");
    }

    #[test]
    fn hostile_bytes_are_errors_never_panics() {
        // Odd UTF-16, an unpaired surrogate, big-endian, bad UTF-8 after its BOM.
        assert!(parse(&[0xFF, 0xFE, b'[']).unwrap_err().message.contains("odd number"));
        assert!(
            parse(&[0xFF, 0xFE, 0x00, 0xD8, b'[', 0])
                .unwrap_err()
                .message
                .contains("surrogate at byte 2")
        );
        assert!(
            parse(&[0xFE, 0xFF, 0, b'['])
                .unwrap_err()
                .message
                .contains("big-endian")
        );
        assert!(
            parse(&[0xEF, 0xBB, 0xBF, b'[', 0xC3])
                .unwrap_err()
                .message
                .contains("byte 4")
        );
        // Bounds: lines, line length, sections.
        let many = "x\n".repeat(MAX_LINES + 1);
        assert!(parse(many.as_bytes()).unwrap_err().message.contains("lines"));
        let long = format!("[a]\nk={}\n", "v".repeat(MAX_LINE_CHARS));
        assert!(parse(long.as_bytes()).unwrap_err().message.contains("line 2 is longer"));
        let sections = "[s]\n".repeat(MAX_SECTIONS + 1);
        assert!(parse(sections.as_bytes()).unwrap_err().message.contains("sections"));
        // At the bounds: read.
        assert!(parse("x\n".repeat(MAX_LINES - 1).as_bytes()).is_ok());
        assert!(parse(format!("[a]\nk={}", "v".repeat(MAX_LINE_CHARS - 2)).as_bytes()).is_ok());
        // NULs, lone brackets, `=` alone.
        let ini = parse(b"[\0\n=\n[\n]=x\n").unwrap();
        assert_eq!(ini.sections.len(), 2);
    }

    fn mapping(key: &str, app: &str) -> TypeMapping {
        TypeMapping::of(&IniEntry {
            key: key.into(),
            value: app.into(),
            line: 1,
        })
    }

    #[test]
    fn the_most_specific_mapping_applies_in_the_documented_order() {
        let types = vec![
            mapping("*", "App 7"),
            mapping("def", "App 6"),
            mapping("*:1701187997", "App 5"),
            mapping("def:1701187997", "App 4"),
            mapping("*:/LM/W3SVC/1701187997/Root/App1", "App 3"),
            mapping("def:/lm/w3svc/1701187997/root/app1/", "App 2"),
            mapping("ABC", "App 1"),
        ];
        let at = |ext, loc| applied(&types, ext, loc).map(|m| m.application.as_str());
        assert_eq!(at("abc", "/LM/W3SVC"), Some("App 1"));
        assert_eq!(at("def", "/LM/W3SVC/1701187997/ROOT/app1/sub"), Some("App 2"));
        assert_eq!(at("xyz", "/LM/W3SVC/1701187997/ROOT/APP1"), Some("App 3"));
        // `/app10` is not under `/app1`.
        assert_eq!(at("def", "/LM/W3SVC/1701187997/ROOT/app10"), Some("App 4"));
        assert_eq!(at("xyz", "/LM/W3SVC/1701187997/ROOT"), Some("App 5"));
        assert_eq!(at("def", "/LM/W3SVC/2/ROOT"), Some("App 6"));
        assert_eq!(at("xyz", "/LM/W3SVC/2/ROOT"), Some("App 7"));
        // A wildcard script map goes by `*` mappings only.
        assert_eq!(at("*", "/LM/W3SVC/2/ROOT"), Some("App 7"));
        let only_php = vec![mapping("php:1", "PHP")];
        assert_eq!(
            applied(&only_php, "php", "/LM/W3SVC/1/ROOT").unwrap().application,
            "PHP"
        );
        assert_eq!(applied(&only_php, "php", "/LM/W3SVC/2/ROOT"), None);
        assert_eq!(applied(&only_php, "php", "/LM/W3SVC"), None);
        assert_eq!(applied(&only_php, "*", "/LM/W3SVC/1/ROOT"), None);
        let names: Vec<&str> = narrower(&only_php, "php", "/LM/W3SVC")
            .iter()
            .map(|m| m.application.as_str())
            .collect();
        assert_eq!(names, ["PHP"]);
        assert!(narrower(&only_php, "php", "/LM/W3SVC/1").is_empty());
        assert!(mapping(".php", "PHP").dotted());
        assert_eq!(mapping("php:x1", "PHP").scope, Scope::Unknown("x1".into()));
    }

    /// Blanks, tabs, carriage returns and NULs around a line are not part of it: an indented
    /// `  [Types]` is a section and an indented `\t; php=Other` a comment (the loaders of the
    /// profile API skip a line's leading white space before looking at its first character).
    #[test]
    fn an_indented_section_or_comment_is_read_as_one() {
        let ini = parse(b"  [Types]\r\n\t; php=Other\r\n \tphp=PHP\r\n\0[PHP]\0\r\n\tExePath=C:\\PHP\\php-cgi.exe\r\n")
            .unwrap();
        let names: Vec<&str> = ini.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Types", "PHP"]);
        let types = types(&ini);
        assert_eq!(types.len(), 1, "{types:?}");
        assert_eq!((types[0].extension.as_str(), types[0].line), ("php", 3));
        assert_eq!(ini.section("php").unwrap().entries.len(), 1);
    }

    /// A mapping's extension is dotted only when a dot starts a name: `.` alone is not `.php`.
    #[test]
    fn a_dot_alone_is_not_an_extension_written_with_its_dot() {
        assert!(mapping(".php", "PHP").dotted());
        assert!(mapping(".p", "PHP").dotted());
        assert!(!mapping(".", "PHP").dotted());
        assert!(!mapping("php", "PHP").dotted());
    }

    /// A Location's site is its id under /LM/W3SVC, digits and at least one of them: not a key
    /// such as /LM/W3SVC/Info or /LM/W3SVC/Filters, nor the service itself.
    #[test]
    fn a_site_is_a_number_under_w3svc() {
        assert_eq!(site_of("/LM/W3SVC/1/ROOT/app"), Some("1"));
        assert_eq!(site_of("/lm/w3svc/1701187997"), Some("1701187997"));
        assert_eq!(site_of("/LM/W3SVC/Info"), None);
        assert_eq!(site_of("/LM/W3SVC/1a/ROOT"), None);
        assert_eq!(site_of("/LM/W3SVC//ROOT"), None);
        assert_eq!(site_of("/LM/W3SVC/"), None);
        assert_eq!(site_of("/LM/W3SVC"), None);
        assert_eq!(site_of("/LM/MSFTPSVC/1"), None);
    }

    /// Of two applications that both hold the Location, the deeper one's mapping applies, whichever
    /// the file lists first.
    #[test]
    fn the_deepest_application_applies_whatever_the_order_of_the_file() {
        let outer = mapping("php:/LM/W3SVC/1/ROOT", "Outer");
        let inner = mapping("php:/LM/W3SVC/1/ROOT/app/sub", "Inner");
        for types in [vec![outer.clone(), inner.clone()], vec![inner, outer]] {
            let at = |loc| applied(&types, "php", loc).map(|m| m.application.as_str());
            assert_eq!(at("/LM/W3SVC/1/ROOT/app/sub/deeper"), Some("Inner"));
            assert_eq!(at("/LM/W3SVC/1/ROOT/app"), Some("Outer"));
        }
    }

    /// The narrower mappings of a Location are its extension's or `*`, of a site or an application
    /// strictly below it: not another extension's, not one of the Location itself, not one
    /// elsewhere, not a global or unknown scope.
    #[test]
    fn narrower_mappings_are_the_extensions_strictly_below_the_location() {
        let types = vec![
            mapping("asp:1", "Other extension"),
            mapping("*:/lm/w3svc/1/root/app", "Star app"),
            mapping("php:/LM/W3SVC/1/ROOT/", "Root itself"),
            mapping("php:/LM/W3SVC/2/ROOT/app", "Elsewhere"),
            mapping("php:2", "Site 2"),
            mapping("php", "Global"),
            mapping("php:x1", "Unknown"),
        ];
        let names = |loc| -> Vec<&str> {
            narrower(&types, "php", loc)
                .iter()
                .map(|m| m.application.as_str())
                .collect()
        };
        assert_eq!(names("/LM/W3SVC"), ["Star app", "Root itself", "Elsewhere", "Site 2"]);
        assert_eq!(names("/LM/W3SVC/1/ROOT"), ["Star app"]);
        assert_eq!(names("/LM/W3SVC/2"), ["Elsewhere"]);
        assert!(names("/LM/W3SVC/1/ROOT/app").is_empty());
    }

    /// A metabase whose /LM/W3SVC maps `maps` (ScriptMaps lines) and loads `filter` as an ISAPI
    /// filter; a drive with `files`; each entry resolved for a 64-bit worker on x64.
    fn read_on_drive(maps: &[&str], filter: &str, files: &[(&str, &[u8])]) -> (IsapiSet, FastCgi) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("c");
        std::fs::create_dir_all(&root).unwrap();
        for (path, bytes) in files {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, bytes).unwrap();
        }
        let mut drives = crate::resolve::drive::Drives::default();
        drives.insert('C', root);
        let mut resolver = Resolver::new(drives);
        let service = format!("\t\tScriptMaps=\"{}\"\r\n", maps.join("\r\n\t\t\t"));
        let keys = format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"f\"\r\n\t>\r\n</IIsFilters>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/f\"\r\n\t\tFilterPath=\"{filter}\"\r\n\t>\r\n</IIsFilter>\r\n"
        );
        let text = crate::rules::testing::server(false, &service, &keys);
        let mb = crate::metabase::parse(crate::metabase::SourceFile::from_text("m.xml", &text)).unwrap();
        let set = IsapiSet::of(&mb);
        let process = Process::new(crate::platform::Platform::X64, crate::bitness::Bitness::Bits64);
        let current: Vec<Arc<Resolution>> = set.entries.iter().map(|e| resolver.resolve(&e.path, process)).collect();
        let fcgi = FastCgi::of(&set, &current, &mut resolver, process);
        (set, fcgi)
    }

    fn dll() -> Vec<u8> {
        std::fs::read(format!(
            "{}/testdata/images/x64/isapi-extension.dll",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// The ini beside each fcgiext.dll a script map or wildcard map names (found on the drive) is
    /// read once per folder, whatever the letter case of the path; a filter that is fcgiext.dll, a
    /// script map to another DLL and one to an fcgiext.dll not on the drive read none.
    #[test]
    fn the_ini_beside_each_mapped_fcgiext_dll_is_read_once_per_folder() {
        let dll = dll();
        let ini = b"[Types]\r\nphp=PHP\r\n[PHP]\r\nExePath=C:\\PHP\\php-cgi.exe\r\n";
        let (set, fcgi) = read_on_drive(
            &[
                r".asp,C:\PHP\asp.dll,5",
                r".php,C:\PHP\fcgiext.dll,5,GET,HEAD,POST",
                r".gone,C:\Gone\fcgiext.dll,5",
                r".py,C:\Python\fcgiext.dll,5",
                r".php5,c:\php\FCGIEXT.DLL,5",
                r"*,C:\PHP\fcgiext.dll,0",
            ],
            r"C:\Filter\fcgiext.dll",
            &[
                ("PHP/fcgiext.dll", &dll),
                ("PHP/asp.dll", &dll),
                ("PHP/fcgiext.ini", ini),
                ("PHP/php-cgi.exe", &dll),
                ("Python/fcgiext.dll", &dll),
                ("Filter/fcgiext.dll", &dll),
                ("Filter/fcgiext.ini", ini),
            ],
        );
        assert!(fcgi.any());
        let paths: Vec<String> = fcgi.inis.iter().map(|i| i.path.to_string()).collect();
        assert_eq!(paths, [r"C:\PHP\fcgiext.ini", r"C:\Python\fcgiext.ini"]);
        assert!(
            matches!(fcgi.inis[0].state, IniState::Read { .. }),
            "{:?}",
            fcgi.inis[0].state
        );
        assert_eq!(
            fcgi.inis[1].state,
            IniState::Missing {
                missing: r"C:\Python\fcgiext.ini".into()
            }
        );
        let by_path: Vec<(&str, Option<u32>)> = set
            .entries
            .iter()
            .zip(&fcgi.of_entry)
            .map(|(e, id)| (&*e.path, *id))
            .collect();
        assert_eq!(
            by_path,
            [
                (r"C:\Filter\fcgiext.dll", None),
                (r"C:\PHP\asp.dll", None),
                (r"C:\PHP\fcgiext.dll", Some(0)),
                (r"C:\Gone\fcgiext.dll", None),
                (r"C:\Python\fcgiext.dll", Some(1)),
                (r"c:\php\FCGIEXT.DLL", Some(0)),
                (r"C:\PHP\fcgiext.dll", Some(0)),
            ]
        );
        // No script map to fcgiext.dll: nothing read.
        let (_, fcgi) = read_on_drive(
            &[r".asp,C:\PHP\asp.dll,5"],
            r"C:\Filter\fcgiext.dll",
            &[
                ("PHP/asp.dll", &dll),
                ("Filter/fcgiext.dll", &dll),
                ("Filter/fcgiext.ini", ini),
            ],
        );
        assert!(!fcgi.any());
        assert_eq!(fcgi.of_entry, [None, None]);
    }

    /// What each application a `[Types]` mapping names says of its program: looked for on the
    /// drive, no ExePath (missing or empty), text in an unknown code page, or nothing for a section
    /// the file lacks; an ini of up to MAX_INI_SIZE bytes is read, a larger one refused unread.
    #[test]
    fn each_applications_exepath_is_looked_for_as_written() {
        let dll = dll();
        let ini: &[u8] = b"[Types]\r\nphp=PHP\r\nphp5=php\r\npy=Absent\r\n*=NoExe\r\na=Empty\r\nb=Ansi\r\n[PHP]\r\nExePath=C:\\PHP\\php-cgi.exe\r\n[NoExe]\r\nArguments=x\r\n[Empty]\r\nExePath=\r\n[Ansi]\r\nExePath=C:\\PH\xd6\\php-cgi.exe\r\n";
        let (_, fcgi) = read_on_drive(
            &[r".php,C:\PHP\fcgiext.dll,5"],
            r"C:\Filter\f.dll",
            &[
                ("PHP/fcgiext.dll", &dll),
                ("PHP/fcgiext.ini", ini),
                ("PHP/php-cgi.exe", &dll),
            ],
        );
        let IniState::Read { exes, types, file, .. } = &fcgi.inis[0].state else {
            panic!("{:?}", fcgi.inis[0].state)
        };
        assert!(file.ends_with("PHP/fcgiext.ini"), "{}", file.display());
        assert_eq!(types.len(), 6);
        let mut names: Vec<&str> = exes.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["ansi", "empty", "noexe", "php"]);
        match &exes["php"] {
            Exe::Looked {
                value,
                line,
                resolution,
            } => {
                assert_eq!((value.as_str(), *line), (r"C:\PHP\php-cgi.exe", 9));
                assert!(resolution.image().is_some(), "{resolution:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(exes["noexe"], Exe::NoExePath);
        assert_eq!(exes["empty"], Exe::NoExePath);
        assert_eq!(exes["ansi"], Exe::UnknownText { line: 15 });

        // At the size limit the ini is read; one byte more and it is not.
        // (Padded with comment lines: a file of that many line breaks has too many lines.)
        let mut at_limit = ini.to_vec();
        while at_limit.len() < MAX_INI_SIZE as usize {
            let room = (MAX_INI_SIZE as usize - at_limit.len()).min(100);
            at_limit.push(b';');
            at_limit.extend(std::iter::repeat_n(b'x', room.saturating_sub(2)));
            if room > 1 {
                at_limit.push(b'\n');
            }
        }
        assert_eq!(at_limit.len() as u64, MAX_INI_SIZE);
        let (_, fcgi) = read_on_drive(
            &[r".php,C:\PHP\fcgiext.dll,5"],
            r"C:\Filter\f.dll",
            &[("PHP/fcgiext.dll", &dll), ("PHP/fcgiext.ini", &at_limit)],
        );
        assert!(
            matches!(fcgi.inis[0].state, IniState::Read { .. }),
            "{:?}",
            fcgi.inis[0].state
        );
        at_limit.push(b'\n');
        let (_, fcgi) = read_on_drive(
            &[r".php,C:\PHP\fcgiext.dll,5"],
            r"C:\Filter\f.dll",
            &[("PHP/fcgiext.dll", &dll), ("PHP/fcgiext.ini", &at_limit)],
        );
        assert!(
            matches!(&fcgi.inis[0].state, IniState::Unread { reason, .. } if reason.contains("1048577 bytes")),
            "{:?}",
            fcgi.inis[0].state
        );
    }
}
