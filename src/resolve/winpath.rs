//! Windows paths as IIS reads them, and the WOW64 file-system redirection a 32-bit worker is subject to.
//!
//! Pure functions of text: no file-system access here, so every rule is unit-tested on any platform.

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
        }
    }
}

/// The `%NAME%` in a path, if any.
pub fn variable(path: &str) -> Option<&str> {
    let start = path.find('%')?;
    let len = path[start + 1..].find('%')?;
    let name = &path[start + 1..start + 1 + len];
    (!name.is_empty() && !name.contains(['\\', '/'])).then_some(name)
}

/// Whether a path is a plain absolute path on a drive (`X:\...`) with nothing [`parse`] or
/// [`redirect`] could object to: no variable, `..`, `/`, quotes, UNC or device prefix, or
/// `Sysnative`. Cheap: what a rule asks of a million script maps before parsing any.
pub fn is_plain(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() > 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2] == b'\\'
        && !path.contains(['%', '/', '"'])
        && !path.contains("..")
        && !path.contains("\\\\")
        && !b.windows(9).any(|w| w.eq_ignore_ascii_case(b"sysnative"))
        && path.trim() == path
}

/// Parses a configured DLL path. Quotes around it are removed; `/` is read as `\`.
pub fn parse(path: &str) -> Result<WinPath, PathProblem> {
    let path = path.trim().trim_matches('"').trim();
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if let Some(name) = variable(path) {
        return Err(PathProblem::Variable { name: name.to_string() });
    }
    let path = path.replace('/', "\\");
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
    for part in rest[3..].split('\\') {
        match part {
            "" | "." => {}
            ".." => {
                components.pop().ok_or(PathProblem::AboveRoot)?;
            }
            name => components.push(name.to_string()),
        }
    }
    Ok(WinPath {
        drive: bytes[0].to_ascii_uppercase() as char,
        components,
    })
}

/// Folders under `system32` that WOW64 does not redirect (File System Redirector, Windows Server 2003).
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
            .any(|e| below.len() > e.len() && below.iter().zip(e.iter()).all(|(a, b)| eq(a, b)));
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
}
