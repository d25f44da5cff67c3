//! Windows paths as IIS reads them, and the WOW64 file-system redirection a 32-bit worker is subject to.
//!
//! Pure functions of text: no file-system access here, so every rule is unit-tested on any platform.
//!
//! Two readings of a configured path. IIS 6 opens every path with `\\?\` before it, which turns
//! Win32's string parsing off ([`opened`] has the sources): the names are taken as written. [`parse`]
//! is Win32's reading (`RtlGetFullPathName_U`, which `GetFullPathName`, `CreateFile` and
//! `LoadLibraryEx` go through for a path without the prefix): `/` is `\`, runs of separators are one,
//! `.` and `..` are applied, a folder name loses one trailing `.`, and the last name loses all
//! trailing dots and spaces (`asp.dll.` and `asp.dll ` are `asp.dll`; `Windows.\` is `Windows\`, but
//! `Windows \` keeps its space); a path that starts exactly `\\?\` is passed on as written. It is
//! what an IIS that canonicalised a path before prefixing it would open. No source says whether IIS 6
//! does, so where the two differ [`opened`] says how, and rules name the doubt (MB206) while judging
//! the image the Win32 reading finds. Lengths are checked first, before anything is allocated.

pub mod evidence;
pub mod opened;

pub use opened::{Difference, Literal, Opened, opened};

use crate::platform::Process;

/// An absolute path on a drive: `C:\WINDOWS\system32\inetsrv\asp.dll`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WinPath {
    /// Upper case.
    pub drive: char,
    /// The components below the drive root, `.` and `..` already applied.
    pub components: Vec<String>,
}

impl std::fmt::Display for WinPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:\\{}", self.drive, self.components.join("\\"))
    }
}

/// Why a configured path names no file mblint can look for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PathProblem {
    /// `%windir%\...`: ScriptMaps and FilterPath are not EXPANDSZ; IIS does not expand them.
    Variable {
        name: String,
    },
    /// `\\server\share\...`.
    Unc,
    /// `isapi\x.dll`, `\x.dll` or `C:x.dll`: relative to a current directory the worker does not define.
    Relative,
    /// `\\.\device` and other device-namespace paths.
    Device,
    /// `..` climbs above the drive root.
    AboveRoot,
    /// A drive no `--drive` mapping covers.
    UnmappedDrive {
        drive: char,
    },
    /// `%windir%\Sysnative\...` in a 64-bit worker: the alias exists only for 32-bit processes.
    SysnativeIn64Bit,
    /// `%windir%\Sysnative\...` on 32-bit Windows, which has no WOW64 and no such alias.
    SysnativeOnX86,
    Empty,
    /// Longer than Windows can open: with the `\\?\` IIS 6 puts before it, more than the 32,767
    /// UTF-16 code units of any path; `limit` is the most the configured text may hold.
    TooLong {
        limit: usize,
    },
    /// A component that looks like a generated 8.3 short name (`PROGRA~2`) and is not on the
    /// copy of the drive: copies do not carry short names, so what it names is unknown.
    ShortName {
        /// The path up to and including the short name.
        path: String,
    },
}

impl PathProblem {
    pub fn describe(&self) -> String {
        match self {
            PathProblem::Variable { name } => format!(
                "contains %{name}%, which IIS 6 does not expand in ScriptMaps or FilterPath (they are STRING and MULTISZ properties, not EXPANDSZ)"
            ),
            PathProblem::Unc => "is a UNC path: the worker loads it with the application pool identity's network credentials, and mblint cannot follow it to a mapped drive".into(),
            PathProblem::Relative => "is not an absolute path: the worker process has no defined current directory to resolve it against".into(),
            PathProblem::Device => "is a device-namespace path, not a file".into(),
            PathProblem::AboveRoot => "climbs with `..` above the drive root".into(),
            PathProblem::UnmappedDrive { drive } => format!("is on drive {drive}:, which no --drive mapping covers"),
            PathProblem::SysnativeIn64Bit => "goes through Sysnative, an alias that exists only for 32-bit processes (and on Server 2003 only after hotfix KB942589): a 64-bit worker cannot open it".into(),
            PathProblem::SysnativeOnX86 => "goes through Sysnative, an alias that exists only for 32-bit processes on 64-bit Windows: 32-bit Windows has no such folder".into(),
            PathProblem::Empty => "is empty".into(),
            PathProblem::TooLong { limit } => format!(
                "is longer than {limit} UTF-16 code units: with the `\\\\?\\` IIS 6 puts before it, longer than the {MAX_UNICODE_PATH} a Windows path can hold (the limit of a UNICODE_STRING): no process can open it"
            ),
            PathProblem::ShortName { path } => format!(
                "goes through {path}, a short 8.3 name mblint cannot map on a copy of the drive (a copy keeps only the long names, and which long name NTFS gave that short name is not recorded)"
            ),
        }
    }
}

/// The most UTF-16 code units a Windows path can hold: a `UNICODE_STRING` counts bytes in 16 bits.
pub const MAX_UNICODE_PATH: usize = 32_767;

/// `MAX_PATH`: the buffer, terminating NUL included, that Win32 gives a path without `\\?\`.
pub const MAX_PATH: usize = 260;

/// The text of a configured path: outer whitespace and quotes removed. A slice: nothing allocated.
fn unquoted(path: &str) -> &str {
    path.trim().trim_matches('"').trim()
}

/// Whether `s` is longer than `limit` UTF-16 code units. Each code unit takes at least one byte
/// of UTF-8, so a short string is not counted at all and a long one only up to the limit.
fn utf16_longer_than(s: &str, limit: usize) -> bool {
    s.len() > limit && s.encode_utf16().nth(limit).is_some()
}

/// The prefix IIS 6 puts before every path it opens.
pub const LITERAL_PREFIX: &str = "\\\\?\\";

/// Whether a path starts exactly `\\?\` (backslashes only): Win32 passes it on as written.
fn is_literal(path: &str) -> bool {
    path.starts_with(LITERAL_PREFIX)
}

/// The most UTF-16 code units the text of a path may hold: the path IIS 6 opens is `\\?\` and the
/// text, and must fit [`MAX_UNICODE_PATH`] (a text that carries the prefix already is counted as it is).
fn max_text(path: &str) -> usize {
    if is_literal(path) {
        MAX_UNICODE_PATH
    } else {
        MAX_UNICODE_PATH - LITERAL_PREFIX.len()
    }
}

/// Why a configured path is too long for Windows to open, if it is: with the `\\?\` IIS 6 puts
/// before every path, more than 32,767 UTF-16 code units. `\\?\` lifts `MAX_PATH` ("Maximum Path
/// Length Limitation", Microsoft Learn), so a longer path is no longer refused here: whether the
/// Windows Server 2003 loader takes one over `MAX_PATH` is a doubt MB206 names ([`Difference::LongerThanMaxPath`]).
/// Checked on the text as given, in time bounded by the limit and with no allocation, before any parsing.
pub fn length_problem(path: &str) -> Option<PathProblem> {
    let path = unquoted(path);
    let limit = max_text(path);
    utf16_longer_than(path, limit).then_some(PathProblem::TooLong { limit })
}

/// Whether a path, without its own `\\?\`, is longer than `MAX_PATH` - 1 (259) UTF-16 code units:
/// what Win32 refuses without the prefix.
pub fn beyond_max_path(path: &str) -> bool {
    let path = unquoted(path);
    utf16_longer_than(path.strip_prefix(LITERAL_PREFIX).unwrap_or(path), MAX_PATH - 1)
}

/// Whether a file name has the shape of a generated 8.3 short name: a base of at most 8
/// characters ending in `~` and digits (`PROGRA~2`, `SYSTEM~1`, `MICROS~1.NET`, `AB12CD~1`),
/// an extension of at most 3, and none of the characters a short name cannot hold.
pub fn looks_short(name: &str) -> bool {
    let (base, ext) = match name.rsplit_once('.') {
        Some((base, ext)) => (base, ext),
        None => (name, ""),
    };
    let Some((stem, digits)) = base.rsplit_once('~') else {
        return false;
    };
    !stem.is_empty()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && base.chars().count() <= 8
        && ext.chars().count() <= 3
        && !name.ends_with('.')
        && !base.contains('.')
        && !name.contains([' ', '+', ',', ';', '=', '[', ']', '"', '*', '?', '<', '>', '|', ':'])
}

/// The `%NAME%` in a path, if any.
pub fn variable(path: &str) -> Option<&str> {
    let start = path.find('%')?;
    let len = path[start + 1..].find('%')?;
    let name = &path[start + 1..start + 1 + len];
    (!name.is_empty() && !name.contains(['\\', '/'])).then_some(name)
}

/// Whether a path is a plain absolute path on a drive (`X:\...`) with nothing [`parse`] or
/// [`redirect`] could object to, and that IIS 6 and Win32 read alike ([`opened`] finds nothing): no
/// variable, `..`, `/`, quotes, UNC or device prefix, `Sysnative`, doubled or trailing separator, name
/// ending in `.`, outer white space or DOS device name, and not longer than `MAX_PATH` - 1. Cheap:
/// what a rule asks of a million script maps before parsing any.
pub fn is_plain(path: &str) -> bool {
    let b = path.as_bytes();
    !utf16_longer_than(path, MAX_PATH - 1)
        && b.len() > 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2] == b'\\'
        && !path.contains(['%', '/', '"'])
        && !path.contains("..")
        && !path.contains(".\\")
        && !path.contains("\\\\")
        && !path.ends_with(['.', '\\'])
        && !b.windows(9).any(|w| w.eq_ignore_ascii_case(b"sysnative"))
        && path.trim() == path
        && !opened::is_dos_device(path.rsplit('\\').next().unwrap_or(path))
}

/// Parses a configured DLL path as Win32 normalises it (see the module comment). Quotes around it
/// are removed. A path too long for Windows is refused before anything else is looked at.
pub fn parse(path: &str) -> Result<WinPath, PathProblem> {
    if let Some(problem) = length_problem(path) {
        return Err(problem);
    }
    let path = unquoted(path);
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    let literal = is_literal(path);
    if let Some(name) = variable(path) {
        return Err(PathProblem::Variable { name: name.to_string() });
    }
    // After `\\?\` nothing is parsed: `/` stays a character of a name (which no NTFS name holds).
    let path = if literal {
        path.to_string()
    } else {
        path.replace('/', "\\")
    };
    let rest = if let Some(long) = path.strip_prefix("\\\\?\\").or_else(|| path.strip_prefix("\\\\.\\")) {
        if long.len() >= 3 && long.as_bytes()[1] == b':' {
            long.to_string()
        } else if long.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("UNC\\")) {
            return Err(PathProblem::Unc);
        } else {
            return Err(PathProblem::Device);
        }
    } else if path.starts_with("\\\\") {
        return Err(PathProblem::Unc);
    } else {
        path
    };
    let bytes = rest.as_bytes();
    if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphabetic() {
        return Err(PathProblem::Relative);
    }
    if bytes.get(2) != Some(&b'\\') {
        return Err(PathProblem::Relative);
    }
    let mut components: Vec<String> = Vec::new();
    let mut parts = rest[3..].split('\\').peekable();
    while let Some(part) = parts.next() {
        match part {
            "" | "." => {}
            ".." => {
                components.pop().ok_or(PathProblem::AboveRoot)?;
            }
            name => {
                let name = if literal {
                    name
                } else if parts.peek().is_none() {
                    // The last name: every trailing dot and space goes.
                    name.trim_end_matches(['.', ' '])
                } else {
                    // A folder name: one trailing dot goes, spaces stay.
                    name.strip_suffix('.').unwrap_or(name)
                };
                if !name.is_empty() {
                    components.push(name.to_string());
                }
            }
        }
    }
    Ok(WinPath {
        drive: bytes[0].to_ascii_uppercase() as char,
        components,
    })
}

/// Folders under `system32` that WOW64 does not redirect (File System Redirector, Windows Server 2003):
/// "Access to these subdirectories is not redirected", the folder itself as well as what lies below it
/// (<https://learn.microsoft.com/windows/win32/winprog64/file-system-redirector>).
const EXEMPT: &[&[&str]] = &[
    &["catroot"],
    &["catroot2"],
    &["drivers", "etc"],
    &["logfiles"],
    &["spool"],
];

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The path a process really opens: under WOW64 (a 32-bit process on 64-bit Windows)
/// `%windir%\system32` becomes `%windir%\SysWOW64` (but for the exempt folders) and
/// `%windir%\Sysnative` the real `system32`; a 64-bit process, and any process on 32-bit Windows,
/// cannot use `Sysnative`. `Program Files` is never redirected.
pub fn redirect(path: &WinPath, process: Process, windir: &WinPath) -> Result<WinPath, PathProblem> {
    let n = windir.components.len();
    let under_windir = path.drive == windir.drive
        && path.components.len() > n
        && path.components.iter().zip(&windir.components).all(|(a, b)| eq(a, b));
    if !under_windir {
        return Ok(path.clone());
    }
    let mut out = path.clone();
    let rest = &path.components[n..];
    let first = rest[0].as_str();
    let wow64 = process.wow64();
    if eq(first, "sysnative") {
        if wow64 {
            out.components[n] = "system32".into();
        } else if process.platform.is_64bit() {
            return Err(PathProblem::SysnativeIn64Bit);
        } else {
            return Err(PathProblem::SysnativeOnX86);
        }
    } else if wow64 && eq(first, "system32") {
        let below = &rest[1..];
        let exempt = EXEMPT
            .iter()
            .any(|e| below.len() >= e.len() && below.iter().zip(e.iter()).all(|(a, b)| eq(a, b)));
        if !exempt {
            out.components[n] = "SysWOW64".into();
        }
    } else if wow64 && eq(first, "lastgood") && rest.get(1).is_some_and(|c| eq(c, "system32")) {
        out.components[n + 1] = "SysWOW64".into();
    }
    Ok(out)
}

/// Paths of the other bitness's build of the same component, by the folder conventions of 64-bit
/// Windows: `Framework` <-> `Framework64` (under Microsoft.NET), `system32` <-> `SysWOW64`,
/// `Program Files` <-> `Program Files (x86)`.
pub fn counterparts(path: &str) -> Vec<String> {
    let Ok(parsed) = parse(path) else {
        return Vec::new();
    };
    let pairs: &[(&str, &str)] = &[
        ("Framework", "Framework64"),
        ("system32", "SysWOW64"),
        ("Program Files", "Program Files (x86)"),
    ];
    let mut out = Vec::new();
    for (i, component) in parsed.components.iter().enumerate() {
        for &(a, b) in pairs {
            let replacement = if eq(component, a) {
                b
            } else if eq(component, b) {
                a
            } else {
                continue;
            };
            let framework = eq(a, "Framework");
            if framework && !(i > 0 && eq(&parsed.components[i - 1], "Microsoft.NET")) {
                continue;
            }
            let mut alt = parsed.clone();
            alt.components[i] = replacement.to_string();
            out.push(alt.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitness::Bitness;
    use crate::platform::Platform;

    fn x64(b: Bitness) -> Process {
        Process::new(Platform::X64, b)
    }

    fn p(s: &str) -> WinPath {
        parse(s).unwrap()
    }

    #[test]
    fn parsing() {
        assert_eq!(
            p(r"c:\WINDOWS\system32\inetsrv\asp.dll").to_string(),
            r"C:\WINDOWS\system32\inetsrv\asp.dll"
        );
        assert_eq!(
            p(r#""C:\Program Files (x86)\a b\x.dll""#).components,
            ["Program Files (x86)", "a b", "x.dll"]
        );
        assert_eq!(p("C:/a/./b/../c.dll").to_string(), r"C:\a\c.dll");
        assert_eq!(p(r"\\?\D:\x.dll").to_string(), r"D:\x.dll");
        // After `\\?\` a `/` is a character of a name, not a separator.
        assert_eq!(p(r"\\?\D:\a/b\x.dll").components, ["a/b", "x.dll"]);
        assert_eq!(parse(r"C:\..\x.dll"), Err(PathProblem::AboveRoot));
        assert_eq!(parse(r"\\server\share\x.dll"), Err(PathProblem::Unc));
        assert_eq!(parse(r"\\?\UNC\server\share\x.dll"), Err(PathProblem::Unc));
        assert_eq!(parse(r"\\.\pipe\x"), Err(PathProblem::Device));
        assert_eq!(parse(r"isapi\x.dll"), Err(PathProblem::Relative));
        assert_eq!(parse(r"\x.dll"), Err(PathProblem::Relative));
        assert_eq!(parse(r"C:x.dll"), Err(PathProblem::Relative));
        assert_eq!(
            parse(r"%windir%\system32\x.dll"),
            Err(PathProblem::Variable { name: "windir".into() })
        );
        assert_eq!(parse("  "), Err(PathProblem::Empty));
        assert_eq!(variable("100%"), None);
    }

    #[test]
    fn trailing_dots_and_spaces_as_win32_strips_them() {
        let asp = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        for odd in [
            r"C:\WINDOWS\system32\inetsrv\asp.dll.",
            r"C:\WINDOWS\system32\inetsrv\asp.dll...",
            r"C:\WINDOWS\system32\inetsrv\asp.dll . .",
            r"C:\WINDOWS.\system32\inetsrv\asp.dll",
            r"C:\WINDOWS.\system32.\inetsrv.\asp.dll. ",
            r"\\.\C:\WINDOWS.\system32\inetsrv\asp.dll.",
            r"//?/C:/WINDOWS./system32/inetsrv/asp.dll.",
        ] {
            assert_eq!(p(odd).to_string(), asp, "{odd}");
        }
        // A folder loses one dot and no space.
        assert_eq!(p(r"C:\WINDOWS..\x.dll").components, ["WINDOWS.", "x.dll"]);
        assert_eq!(p(r"C:\WINDOWS \x.dll").components, ["WINDOWS ", "x.dll"]);
        assert_eq!(p(r"C:\a\b. \x.dll").components, ["a", "b. ", "x.dll"]);
        // A last name of only dots and spaces names the folder.
        assert_eq!(p(r"C:\a\. .").components, ["a"]);
        // `\\?\` exactly: nothing stripped.
        assert_eq!(p(r"\\?\C:\WINDOWS.\x.dll.").components, ["WINDOWS.", "x.dll."]);
        // Redirection sees the normalised name.
        let windir = p(r"C:\WINDOWS");
        assert_eq!(
            redirect(&p(r"C:\WINDOWS.\system32.\x.dll."), x64(Bitness::Bits32), &windir)
                .unwrap()
                .to_string(),
            r"C:\WINDOWS\SysWOW64\x.dll"
        );
    }

    #[test]
    fn too_long_paths_are_refused_before_parsing() {
        let at = |n: usize| format!(r"C:\{}", "a".repeat(n - 3));
        // IIS 6 opens every path with `\\?\` before it: MAX_PATH is no limit, 32,767 is (with the
        // four units of the prefix), counted in UTF-16 code units.
        for n in [259, 260, 4_000, 32_763] {
            assert_eq!(at(n).encode_utf16().count(), n);
            assert!(parse(&at(n)).is_ok(), "{n}");
            assert!(length_problem(&at(n)).is_none(), "{n}");
        }
        assert_eq!(parse(&at(32_764)), Err(PathProblem::TooLong { limit: 32_763 }));
        // But only paths of up to 259 are plain: a longer one is a doubt MB206 names.
        assert!(is_plain(&at(259)));
        assert!(!is_plain(&at(260)));
        assert!(!beyond_max_path(&at(259)));
        assert!(beyond_max_path(&at(260)));
        // Not bytes: 200 `é` are 400 bytes and 200 code units, and a pair is two units.
        assert!(!beyond_max_path(&format!(r"C:\{}", "é".repeat(200))));
        assert!(beyond_max_path(&format!(r"C:\{}", "\u{10428}".repeat(130))));
        assert_eq!(
            parse(&format!(r"C:\{}", "\u{10428}".repeat(16_381))),
            Err(PathProblem::TooLong { limit: 32_763 })
        );
        // A text with its own `\\?\` is counted as it is.
        let long = format!(r"\\?\C:\{}\x.dll", "a".repeat(30_000));
        assert!(parse(&long).is_ok());
        let too_long = format!(r"\\?\C:\{}\x.dll", "a".repeat(32_767));
        assert_eq!(parse(&too_long), Err(PathProblem::TooLong { limit: 32_767 }));
        // The length comes first: a path that would climb above the root, hold a variable or
        // normalise to something short is refused for its length, before it is split.
        let climbs = format!(r"C:\{}x.dll", "..\\".repeat(20_000));
        assert_eq!(parse(&climbs), Err(PathProblem::TooLong { limit: 32_763 }));
        let dots = format!(r"C:\{}x.dll", ".\\".repeat(20_000));
        assert_eq!(parse(&dots), Err(PathProblem::TooLong { limit: 32_763 }));
        let variable = format!(r"%windir%\{}", "a".repeat(33_000));
        assert_eq!(parse(&variable), Err(PathProblem::TooLong { limit: 32_763 }));
        // Quotes and outer spaces are not counted.
        assert!(parse(&format!("  \"{}\"  ", at(32_763))).is_ok());
    }

    #[test]
    fn short_name_shapes() {
        for short in [
            "PROGRA~2",
            "SYSTEM~1",
            "progra~1",
            "MICROS~1.NET",
            "AB12CD~1",
            "X~12345.D",
            "DOCUM~10",
        ] {
            assert!(looks_short(short), "{short}");
        }
        for long in [
            "Program Files",
            "system32",
            "asp.dll",
            "~1",
            "PROGRA~",
            "PROGRA~X",
            "LONGERNAME~1",
            "PROGRA~1.LONG",
            "A~1.B.C",
            "MY DOC~1",
            "A~1.",
        ] {
            assert!(!looks_short(long), "{long}");
        }
    }

    #[test]
    fn plain_paths_need_no_parsing() {
        assert!(is_plain(r"C:\WINDOWS\system32\inetsrv\asp.dll"));
        for odd in [
            r"%windir%\x.dll",
            r"\\srv\s\x.dll",
            r"C:\a\..\x.dll",
            "C:/x.dll",
            r"x.dll",
            r"C:\WINDOWS\Sysnative\x.dll",
            r"C:\a\\b.dll",
            " C:\\x.dll",
        ] {
            assert!(!is_plain(odd), "{odd}");
        }
        // Whatever is plain parses, and redirect finds nothing to object to.
        let windir = parse(r"C:\WINDOWS").unwrap();
        for b in [Bitness::Bits32, Bitness::Bits64] {
            assert!(redirect(&parse(r"C:\WINDOWS\system32\x.dll").unwrap(), x64(b), &windir).is_ok());
        }
    }

    #[test]
    fn wow64_redirection() {
        let windir = p(r"C:\WINDOWS");
        let r = |s: &str, b| redirect(&p(s), x64(b), &windir).map(|w| w.to_string());
        assert_eq!(
            r(r"C:\WINDOWS\system32\inetsrv\asp.dll", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\SysWOW64\inetsrv\asp.dll"
        );
        assert_eq!(
            r(r"c:\windows\SYSTEM32\inetsrv\asp.dll", Bitness::Bits64).unwrap(),
            r"C:\windows\SYSTEM32\inetsrv\asp.dll"
        );
        assert_eq!(
            r(r"C:\WINDOWS\system32\spool\x.dll", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\system32\spool\x.dll"
        );
        assert_eq!(
            r(r"C:\WINDOWS\system32\drivers\etc\x.dll", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\system32\drivers\etc\x.dll"
        );
        assert_eq!(
            r(r"C:\WINDOWS\system32\drivers\x.sys", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\SysWOW64\drivers\x.sys"
        );
        assert_eq!(
            r(r"C:\WINDOWS\Sysnative\inetsrv\asp.dll", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\system32\inetsrv\asp.dll"
        );
        assert_eq!(
            r(r"C:\WINDOWS\Sysnative\inetsrv\asp.dll", Bitness::Bits64),
            Err(PathProblem::SysnativeIn64Bit)
        );
        assert_eq!(
            r(r"C:\WINDOWS\lastgood\system32\x.dll", Bitness::Bits32).unwrap(),
            r"C:\WINDOWS\lastgood\SysWOW64\x.dll"
        );
        assert_eq!(
            r(r"C:\Program Files\x.dll", Bitness::Bits32).unwrap(),
            r"C:\Program Files\x.dll"
        );
        assert_eq!(
            r(r"D:\WINDOWS\system32\x.dll", Bitness::Bits32).unwrap(),
            r"D:\WINDOWS\system32\x.dll"
        );
        // Windows on D: redirects there, and not on C:.
        let on_d = p(r"D:\WINDOWS");
        assert_eq!(
            redirect(&p(r"D:\WINDOWS\system32\x.dll"), x64(Bitness::Bits32), &on_d)
                .unwrap()
                .to_string(),
            r"D:\WINDOWS\SysWOW64\x.dll"
        );
        // 32-bit Windows has no WOW64: system32 is itself, and Sysnative does not exist.
        let x86 = Process::new(Platform::X86, Bitness::Bits32);
        assert_eq!(
            redirect(&p(r"C:\WINDOWS\system32\x.dll"), x86, &windir)
                .unwrap()
                .to_string(),
            r"C:\WINDOWS\system32\x.dll"
        );
        assert_eq!(
            redirect(&p(r"C:\WINDOWS\Sysnative\x.dll"), x86, &windir),
            Err(PathProblem::SysnativeOnX86)
        );
        // IA64 redirects as x64 does.
        assert_eq!(
            redirect(
                &p(r"C:\WINDOWS\system32\x.dll"),
                Process::new(Platform::Ia64, Bitness::Bits32),
                &windir
            )
            .unwrap()
            .to_string(),
            r"C:\WINDOWS\SysWOW64\x.dll"
        );
    }

    #[test]
    fn counterpart_paths() {
        assert_eq!(
            counterparts(r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll"),
            [r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll"]
        );
        assert_eq!(
            counterparts(r"C:\Program Files (x86)\A\x.dll"),
            [r"C:\Program Files\A\x.dll"]
        );
        assert_eq!(
            counterparts(r"C:\WINDOWS\SysWOW64\inetsrv\x.dll"),
            [r"C:\WINDOWS\system32\inetsrv\x.dll"]
        );
        assert!(counterparts(r"C:\Apps\Framework\x.dll").is_empty());
    }

    #[test]
    fn each_problem_says_what_is_wrong_with_the_path() {
        // The words are what the administrator reads of a path mblint cannot follow: each names
        // its own problem.
        assert_eq!(
            PathProblem::Relative.describe(),
            "is not an absolute path: the worker process has no defined current directory to resolve it against"
        );
        assert!(
            PathProblem::Variable { name: "windir".into() }
                .describe()
                .starts_with("contains %windir%, which IIS 6 does not expand")
        );
        assert_eq!(
            PathProblem::UnmappedDrive { drive: 'E' }.describe(),
            "is on drive E:, which no --drive mapping covers"
        );
    }

    #[test]
    fn a_drive_letter_is_one_letter_and_a_colon() {
        // `v2\isapi.dll` is relative, not `V:\isapi.dll`; a one-character path is relative too,
        // and reading its second byte must not panic.
        for relative in [r"v2\isapi.dll", "x", "C", r"\", r"ab\x.dll"] {
            assert_eq!(parse(relative), Err(PathProblem::Relative), "{relative}");
        }
        assert_eq!(p(r"v:\isapi.dll").to_string(), r"V:\isapi.dll");
    }

    #[test]
    fn only_lastgood_system32_is_redirected_beside_system32() {
        let windir = p(r"C:\WINDOWS");
        let r = |s: &str, b| redirect(&p(s), x64(b), &windir).unwrap().to_string();
        // Another folder's `system32` is itself, in either bitness.
        for b in [Bitness::Bits32, Bitness::Bits64] {
            for path in [
                r"C:\WINDOWS\Acme\system32\x.dll",
                r"C:\WINDOWS\lastgood\Acme\x.dll",
                r"C:\WINDOWS\lastgood",
            ] {
                assert_eq!(r(path, b), path, "{path} {b:?}");
            }
        }
        // `lastgood\system32` is redirected for a 32-bit process only.
        let lastgood = r"C:\WINDOWS\lastgood\system32\x.dll";
        assert_eq!(r(lastgood, Bitness::Bits64), lastgood);
        assert_eq!(r(lastgood, Bitness::Bits32), r"C:\WINDOWS\lastgood\SysWOW64\x.dll");
    }

    #[test]
    fn a_framework_folder_at_the_root_has_no_counterpart() {
        // `Framework` pairs with `Framework64` only under `Microsoft.NET`; at the drive root there is
        // no parent to look at, and looking must not panic.
        assert!(counterparts(r"C:\Framework\x.dll").is_empty());
        assert!(counterparts(r"C:\Framework64\x.dll").is_empty());
        assert_eq!(counterparts(r"C:\system32\x.dll"), [r"C:\SysWOW64\x.dll"]);
    }
    #[test]
    fn a_percent_sign_in_a_name_is_no_variable() {
        // `%` is a character a name may hold: between two of them a `\` means no variable is named,
        // and the path is the path it says (a variable crossing a folder is no variable).
        assert_eq!(variable(r"C:\50%\x%.dll"), None);
        assert_eq!(p(r"C:\50%\x%.dll").components, ["50%", "x%.dll"]);
        assert_eq!(variable(r"C:\a%b/c%\x.dll"), None);
        assert_eq!(variable(r"C:\%SystemRoot%\x.dll"), Some("SystemRoot"));
    }

    #[test]
    fn the_windows_folder_itself_is_not_redirected() {
        // A configured path that names `%windir%` itself (a folder, not a DLL, but the metabase may
        // say anything) has nothing below it to redirect, for either bitness, and must not panic.
        let windir = p(r"C:\WINDOWS");
        for b in [Bitness::Bits32, Bitness::Bits64] {
            assert_eq!(redirect(&p(r"C:\WINDOWS"), x64(b), &windir).unwrap(), windir, "{b:?}");
            assert_eq!(
                redirect(&p(r"C:\windows\"), x64(b), &windir).unwrap().to_string(),
                r"C:\windows"
            );
        }
    }

    #[test]
    fn an_exempt_folder_itself_is_not_redirected() {
        // "Access to these subdirectories is not redirected" (File System Redirector): the folder
        // as well as what is in it. Its parent, and a folder that only starts like it, are redirected.
        let windir = p(r"C:\WINDOWS");
        let r = |s: &str| redirect(&p(s), x64(Bitness::Bits32), &windir).unwrap().to_string();
        for exempt in [
            r"C:\WINDOWS\system32\spool",
            r"C:\WINDOWS\system32\drivers\etc",
            r"C:\WINDOWS\system32\CatRoot2",
        ] {
            assert_eq!(r(exempt), exempt);
        }
        assert_eq!(r(r"C:\WINDOWS\system32\drivers"), r"C:\WINDOWS\SysWOW64\drivers");
        assert_eq!(
            r(r"C:\WINDOWS\system32\spooler\x.dll"),
            r"C:\WINDOWS\SysWOW64\spooler\x.dll"
        );
    }
}
