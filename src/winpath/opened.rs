//! The path as IIS 6 opens it, beside Win32's reading of it.
//!
//! IIS 6 puts `\\?\` before every path it opens, ISAPI DLLs included: "For security reasons, IIS
//! 6.0 uses \\?\ on all file system accesses (this includes serving of static files and loading of
//! ISAPI DLLs and CreateProcess of CGI EXEs). \\?\ disables namespace canonicalization by the file
//! system" (David Wang, 2005-07-12,
//! <https://blogs.msdn.microsoft.com/david.wang/2005/07/13/iis-6-prefixing-paths-with/>); IIS 6.0
//! "adds the following string as a prefix to all modules before IIS loads the modules: \\?\"
//! (KB839330). Under `\\?\` the file APIs "disable all string parsing and ... send the string that
//! follows it straight to the file system", so "you cannot use forward slashes to represent path
//! separators, or a period to represent the current directory, or double dots to represent the
//! parent directory" (Microsoft Learn, "Naming Files, Paths, and Namespaces",
//! <https://learn.microsoft.com/windows/win32/fileio/naming-a-file>), and no trailing dot or space is
//! trimmed ("File path formats on Windows systems", Skip normalization:
//! <https://learn.microsoft.com/dotnet/standard/io/file-path-formats>).
//!
//! [`super::parse`] is Win32's reading: what an IIS that canonicalised a path before prefixing it
//! would open. No source found says whether IIS 6 does (not the IIS 6.0 SDK's ScriptMaps and
//! FilterPath pages, not KB839330, not David Wang's posts), so where the readings differ [`opened`]
//! lists how ([`Difference`]) and what the name as written leads to ([`Literal`]).

use super::{WinPath, beyond_max_path, is_plain, parse, unquoted};

/// One way the path IIS 6 opens (`\\?\` and the text as written) differs from Win32's reading of
/// it, or a doubt `\\?\` raises that Win32's reading does not. Ordered as the text reads, left to
/// right; [`Difference::describe`] says what it is, [`Difference::as_written`] what `\\?\` makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Difference {
    /// White space before the path: ` C:\x.dll`. mblint's Win32 reading trims it (Win32 itself would
    /// read the path as relative); `\\?\ C:\x.dll` names a drive ` C:` that no system has.
    LeadingSpace,
    /// Quotes around the path: `"C:\x.dll"`. mblint's Win32 reading removes them; `"` is one of the
    /// reserved characters no file or folder name may hold (Naming Files, Naming Conventions).
    Quoted,
    /// The text carries `\\?\` or `\\.\` already. Whether IIS adds its own before it (`\\?\\\?\C:\...`,
    /// an empty name after the prefix, which nothing can open) or leaves it alone is not documented.
    Prefixed,
    /// `/` between names. Win32 reads it as `\`; NTFS allows no `/` in a name: a worker's `\\?\` open
    /// of such a path fails with NAME INVALID in FileMon (David Wang, 2005-05-27, "IIS 6 and Invalid
    /// CGI Filename"), Win32 error 123 (ERROR_INVALID_NAME, data `7B 00 00 00`).
    ForwardSlash,
    /// `\\` inside the path: an empty name. Win32 collapses the run; a file system handed a name that
    /// starts with a separator refuses it (the FastFAT sample's create returns
    /// STATUS_OBJECT_NAME_INVALID), and `\\?\C:\Web\\Templates\...` from IIS 6 fails to open (the
    /// question in David Wang's 2005-07-12 post).
    DoubledSeparator,
    /// A `.` name. Win32 drops it; under `\\?\` it is looked up as a name, which no NTFS folder holds
    /// (Naming Files: with `\\?\` "you cannot use ... a period to represent the current directory").
    CurrentFolder,
    /// A `..` name. Win32 applies it; under `\\?\` it is looked up as a folder named `..`, which no
    /// NTFS folder holds (Naming Files, as above; `\\.\C:\Windows\..\file.txt` does not find the file).
    ParentFolder,
    /// A folder name ending in `.`: `C:\WINDOWS.\x.dll`. Win32 drops one dot ("If a segment ends in a
    /// single period, that period is removed", File path formats); `\\?\` keeps it, and `bar.` is
    /// another folder than `bar` (`md "\\?\c:\temp\bar."` makes both side by side: Junfeng Zhang,
    /// 2004-02-18, "Fun stuff with \\?\").
    FolderTrailingDot,
    /// The last name ends in dots: `asp.dll.`. Win32 removes them ("If the path doesn't end in a
    /// separator, all trailing periods and spaces (U+0020) are removed", File path formats; KB115827);
    /// `\\?\` keeps them: another name, which only a file created through `\\?\` has.
    TrailingDot,
    /// The last name ends in spaces (or the value in other white space): `asp.dll `. As
    /// [`Difference::TrailingDot`]; Win32 strips trailing spaces, mblint's reading any white space.
    TrailingSpace,
    /// The path ends in a separator: `C:\x\asp.dll\`. Win32 keeps it as well (normalisation trims
    /// nothing from a path that ends in a separator); a file system asked for a file by a name that
    /// ends in `\` refuses it in the FastFAT sample (STATUS_OBJECT_NAME_INVALID), and no source says
    /// what NTFS does. mblint's Win32 reading drops it and looks for the file.
    TrailingSeparator,
    /// The last name is a DOS device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`),
    /// with or without an extension: `C:\x\nul.dll`. Win32 opens the device instead ("File path
    /// formats": the DOS device path for `CON.TXT` is `\\.\CON`); `\\?\` opens the file of that name.
    DosDevice,
    /// Longer than `MAX_PATH` - 1 (259) UTF-16 code units. Win32 refuses it without `\\?\`; with it the
    /// file APIs take up to 32,767 ("Maximum Path Length Limitation"). Whether the Windows Server 2003
    /// loader (`LoadLibraryEx`, `LdrLoadDll`) takes a DLL path that long is not documented: ReactOS's
    /// loader, modelled on Server 2003's, refuses a name of `MAX_PATH` + 6 WCHARs or more, prefix
    /// included (`LdrpLoadDll`, STATUS_NAME_TOO_LONG), and `LoadLibraryExW` refused long `\\?\` paths
    /// on later Windows too (nodejs/node#3667, libuv/libuv#826).
    LongerThanMaxPath,
}

impl Difference {
    /// What differs, as a phrase after "the path": `ends in a dot, which Win32 removes`.
    pub fn describe(self) -> &'static str {
        match self {
            Difference::LeadingSpace => "starts with white space, which Win32 would read as a relative path",
            Difference::Quoted => "is in quotes",
            Difference::Prefixed => "carries a `\\\\?\\` or `\\\\.\\` prefix of its own",
            Difference::ForwardSlash => "uses `/` as a separator, which Win32 reads as `\\`",
            Difference::DoubledSeparator => "has an empty name between two separators (`\\\\`), which Win32 collapses",
            Difference::CurrentFolder => "has a `.` name, which Win32 drops",
            Difference::ParentFolder => "has a `..` name, which Win32 applies",
            Difference::FolderTrailingDot => "has a folder name ending in `.`, which Win32 drops",
            Difference::TrailingDot => "ends in a dot, which Win32 removes",
            Difference::TrailingSpace => "ends in white space, which Win32 removes",
            Difference::TrailingSeparator => "ends in a separator",
            Difference::DosDevice => "ends in a DOS device name, which Win32 opens as the device",
            Difference::LongerThanMaxPath => "is longer than MAX_PATH (259 characters without the terminating NUL)",
        }
    }

    /// What `\\?\` and the text as written make of this difference, as a phrase after "the path it
    /// opens": `holds \`/\` inside a name, which NTFS does not allow: the open fails (...)`.
    pub fn as_written(self) -> &'static str {
        match self {
            Difference::LeadingSpace => "names a drive that no system has: the open fails",
            Difference::Quoted => {
                "holds `\"`, a character no file name may hold: the open fails (Win32 error 123, the name is invalid)"
            }
            Difference::Prefixed => {
                "is an empty name after the prefix, one nothing can open, if IIS puts its own before the one written, or the path as written if it does not: no source says which"
            }
            Difference::ForwardSlash => {
                "holds `/` inside a name, a character NTFS does not allow in one: the open fails (Win32 error 123, the name is invalid)"
            }
            Difference::DoubledSeparator => {
                "holds an empty name, one the file system refuses: the open fails (the name is invalid)"
            }
            Difference::CurrentFolder => "looks for a folder named `.`, a name NTFS never holds: the open fails",
            Difference::ParentFolder => "looks for a folder named `..`, a name NTFS never holds: the open fails",
            Difference::FolderTrailingDot | Difference::TrailingDot | Difference::TrailingSpace => {
                "is another name, one only a file created through `\\\\?\\` has: otherwise the open fails (Win32 error 2, not found; 3 for a folder)"
            }
            Difference::TrailingSeparator => {
                "asks for a file by a name ending in `\\`, one the FastFAT file system refuses (the name is invalid); what NTFS does is not documented"
            }
            Difference::DosDevice => "opens the file of that name, where Win32 would open the device",
            Difference::LongerThanMaxPath => {
                "passes the file APIs' length check (up to 32,767 with `\\\\?\\`); whether the Windows Server 2003 loader takes a DLL path this long is not documented"
            }
        }
    }

    /// Whether the difference is one of spelling: writing the path as Win32 reads it removes it.
    /// (A DOS device name and a length are not spelling: the canonical text has them too.)
    pub fn is_spelling(self) -> bool {
        !matches!(self, Difference::DosDevice | Difference::LongerThanMaxPath)
    }
}

/// What `\\?\` and the text as written open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A path of its own: every name as written, trailing dots and spaces kept. Whether a file answers
    /// to it is for the drive to say.
    Names(WinPath),
    /// No file can answer to it: the difference that makes it so.
    Invalid(Difference),
    /// What IIS 6 opens hangs on a fact no source settles: the difference that raises it.
    Unsettled(Difference),
}

/// How IIS 6 opens a path whose two readings differ: every difference, and what the name as written
/// leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Each difference once, in [`Difference`]'s order.
    pub differences: Vec<Difference>,
    pub literal: Literal,
}

impl Opened {
    pub fn has(&self, difference: Difference) -> bool {
        self.differences.contains(&difference)
    }

    /// Whether the spelling differs ([`Difference::is_spelling`]): writing the Win32 reading changes it.
    pub fn spelling(&self) -> bool {
        self.differences.iter().any(|d| d.is_spelling())
    }
}

/// The text IIS 6 hands the file system for a configured path: `\\?\` and the text as written.
pub fn as_opened(path: &str) -> String {
    format!("{}{path}", super::LITERAL_PREFIX)
}

/// Whether a name is one Win32 opens as a DOS device: `CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9` or
/// `LPT1`-`LPT9`, before its first dot, trailing spaces and a colon (`nul.dll`, `COM1.x.y`, `AUX:`).
pub fn is_dos_device(name: &str) -> bool {
    let base = name
        .split('.')
        .next()
        .unwrap_or(name)
        .trim_end_matches([' ', ':'])
        .as_bytes();
    match base.len() {
        3 => ["CON", "PRN", "AUX", "NUL"]
            .iter()
            .any(|d| base.eq_ignore_ascii_case(d.as_bytes())),
        4 => {
            (base[..3].eq_ignore_ascii_case(b"COM") || base[..3].eq_ignore_ascii_case(b"LPT"))
                && (b'1'..=b'9').contains(&base[3])
        }
        _ => false,
    }
}

/// How IIS 6 opens `path` (`\\?\` and the text as written), when that differs from Win32's reading
/// ([`super::parse`]) or raises a doubt Win32's reading does not; `None` when the two agree, for
/// every [`is_plain`] path, and for a path Win32's reading refuses (a variable, UNC, relative or
/// too long: other rules say so).
pub fn opened(path: &str) -> Option<Opened> {
    if is_plain(path) {
        return None;
    }
    let win32 = match parse(path) {
        Ok(p) => p,
        Err(_) => return None,
    };
    let mut differences = Vec::new();
    if path.starts_with(char::is_whitespace) {
        differences.push(Difference::LeadingSpace);
    }
    let start = path.trim_start();
    let quoted = start.starts_with('"') || start.trim_end().ends_with('"');
    // The text after leading white space and quotes, with its trailing white space.
    let body = if quoted {
        differences.push(Difference::Quoted);
        unquoted(path)
    } else {
        start
    };
    let core = body.trim_end();
    if core.len() != body.len() {
        differences.push(Difference::TrailingSpace);
    }
    let slashed = core.get(..4).map(|p| p.replace('/', "\\"));
    let exact = core.starts_with(super::LITERAL_PREFIX);
    let rest = match slashed.as_deref() {
        Some("\\\\?\\" | "\\\\.\\") => {
            differences.push(Difference::Prefixed);
            &core[4..]
        }
        _ => core,
    };
    // After exactly `\\?\` Win32 parses nothing either: the names are read alike.
    if !exact {
        names(rest, &mut differences);
    }
    if beyond_max_path(path) {
        differences.push(Difference::LongerThanMaxPath);
    }
    if differences.is_empty() {
        return None;
    }
    differences.sort();
    differences.dedup();
    let decisive = |list: &[Difference]| list.iter().copied().find(|d| differences.contains(d));
    let literal = if let Some(d) = decisive(&[
        Difference::LeadingSpace,
        Difference::Quoted,
        Difference::ForwardSlash,
        Difference::DoubledSeparator,
        Difference::CurrentFolder,
        Difference::ParentFolder,
    ]) {
        Literal::Invalid(d)
    } else if let Some(d) = decisive(&[Difference::Prefixed, Difference::TrailingSeparator]) {
        Literal::Unsettled(d)
    } else {
        // A drive, a separator, and names as written: `body` keeps the last name's trailing white space.
        let after_root = body.get(3..).unwrap_or_default();
        Literal::Names(WinPath {
            drive: win32.drive,
            components: after_root.split('\\').map(str::to_string).collect(),
        })
    };
    Some(Opened { differences, literal })
}

/// The differences in the names of `rest` (`X:\...`, with `/` read as Win32 reads it).
fn names(rest: &str, differences: &mut Vec<Difference>) {
    let Some(after_root) = rest.get(3..) else {
        return;
    };
    if rest.contains('/') {
        differences.push(Difference::ForwardSlash);
    }
    let parts: Vec<&str> = after_root.split(['\\', '/']).collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "" if i == last => {
                if i > 0 {
                    differences.push(Difference::TrailingSeparator);
                }
            }
            "" => differences.push(Difference::DoubledSeparator),
            "." => differences.push(Difference::CurrentFolder),
            ".." => differences.push(Difference::ParentFolder),
            name if i == last => {
                let kept = name.trim_end_matches(['.', ' ']);
                let trimmed = &name[kept.len()..];
                if trimmed.contains('.') {
                    differences.push(Difference::TrailingDot);
                }
                if trimmed.contains(' ') {
                    differences.push(Difference::TrailingSpace);
                }
                if is_dos_device(kept) {
                    differences.push(Difference::DosDevice);
                }
            }
            name => {
                if name.ends_with('.') {
                    differences.push(Difference::FolderTrailingDot);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Difference::*;
    use super::*;

    fn kinds(path: &str) -> Vec<Difference> {
        opened(path).map(|o| o.differences).unwrap_or_default()
    }

    fn literal(path: &str) -> Literal {
        opened(path).unwrap().literal
    }

    fn names_as_written(path: &str) -> Vec<String> {
        match literal(path) {
            Literal::Names(p) => p.components,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn the_four_spellings() {
        // Each of them Win32 reads as C:\WINDOWS\system32\inetsrv\asp.dll.
        let asp = r"C:\WINDOWS\system32\inetsrv\asp.dll";
        for (path, want) in [
            (r"C:\WINDOWS\system32\inetsrv\asp.dll.", vec![TrailingDot]),
            (r"C:\WINDOWS\system32\inetsrv\asp.dll ", vec![TrailingSpace]),
            ("C:/WINDOWS/system32/inetsrv/asp.dll", vec![ForwardSlash]),
            (r"C:\WINDOWS\system32\inetsrv\..\inetsrv\asp.dll", vec![ParentFolder]),
        ] {
            assert_eq!(parse(path).unwrap().to_string(), asp, "{path}");
            assert_eq!(kinds(path), want, "{path}");
        }
        // A trailing dot or space is another name: looked for as written.
        assert_eq!(
            names_as_written(r"C:\WINDOWS\system32\inetsrv\asp.dll."),
            ["WINDOWS", "system32", "inetsrv", "asp.dll."]
        );
        assert_eq!(
            names_as_written(r"C:\WINDOWS\system32\inetsrv\asp.dll "),
            ["WINDOWS", "system32", "inetsrv", "asp.dll "]
        );
        // `/` and `..` name nothing NTFS can hold.
        assert_eq!(
            literal("C:/WINDOWS/system32/inetsrv/asp.dll"),
            Literal::Invalid(ForwardSlash)
        );
        assert_eq!(
            literal(r"C:\WINDOWS\system32\inetsrv\..\inetsrv\asp.dll"),
            Literal::Invalid(ParentFolder)
        );
    }

    #[test]
    fn every_difference_win32_makes() {
        for (path, want, lit) in [
            (r" C:\x.dll", vec![LeadingSpace], Literal::Invalid(LeadingSpace)),
            (r#""C:\Program Files\x.dll""#, vec![Quoted], Literal::Invalid(Quoted)),
            (r"\\?\C:\x.dll", vec![Prefixed], Literal::Unsettled(Prefixed)),
            (r"\\.\C:\x.dll", vec![Prefixed], Literal::Unsettled(Prefixed)),
            (
                r"C:\a\\x.dll",
                vec![DoubledSeparator],
                Literal::Invalid(DoubledSeparator),
            ),
            (r"C:\a\.\x.dll", vec![CurrentFolder], Literal::Invalid(CurrentFolder)),
            (
                r"C:\x\asp.dll\",
                vec![TrailingSeparator],
                Literal::Unsettled(TrailingSeparator),
            ),
        ] {
            assert_eq!(kinds(path), want, "{path}");
            assert_eq!(literal(path), lit, "{path}");
        }
        assert_eq!(kinds(r"C:\x.dll. . "), [TrailingDot, TrailingSpace]);
        assert_eq!(names_as_written(r"C:\x.dll. . "), ["x.dll. . "]);
        // A folder's trailing dot, with a trailing dot on the file: both names kept.
        assert_eq!(kinds(r"C:\WINDOWS.\x.dll."), [FolderTrailingDot, TrailingDot]);
        assert_eq!(names_as_written(r"C:\WINDOWS.\x.dll."), ["WINDOWS.", "x.dll."]);
        // A DOS device name: Win32 opens the device, `\\?\` the file; the names are the same.
        assert_eq!(kinds(r"C:\isapi\nul.dll"), [DosDevice]);
        assert_eq!(kinds(r"C:\isapi\COM1.x.dll"), [DosDevice]);
        assert_eq!(names_as_written(r"C:\isapi\aux.dll"), ["isapi", "aux.dll"]);
        assert!(kinds(r"C:\isapi\com10.dll").is_empty());
        assert!(kinds(r"C:\isapi\console.dll").is_empty());
        assert!(kinds(r"C:\isapi\lpt0.dll").is_empty());
        for device in ["AUX", "aux.dll", "Con", "PRN.x.y", "nul :", "lpt9.dll", "COM1"] {
            assert!(is_dos_device(device), "{device}");
        }
        // The one invalid difference decides over the others, whatever order they come in.
        assert_eq!(literal(r" C:/a/..\x.dll."), Literal::Invalid(LeadingSpace));
        assert_eq!(literal(r"C:/a\..\x.dll."), Literal::Invalid(ForwardSlash));
        assert_eq!(literal(r"\\.\C:\a.\x.dll."), Literal::Unsettled(Prefixed));
    }

    #[test]
    fn what_win32_keeps_is_no_difference() {
        // A folder's trailing space: Win32 keeps it too.
        for same in [
            r"C:\WINDOWS \x.dll",
            r"C:\a b\x y.dll",
            r"C:\WINDOWS\system32\inetsrv\asp.dll",
            r"c:\windows\SYSTEM32\x.dll",
            // After exactly `\\?\` Win32 parses nothing: only the prefix is in doubt.
        ] {
            assert!(opened(same).is_none(), "{same}");
        }
        assert_eq!(kinds(r"\\?\C:\a.\x.dll."), [Prefixed]);
        // What Win32 refuses is another rule's: a variable, UNC, relative, above the root.
        for other in [
            r"%windir%\x.dll.",
            r"\\srv\share\x.dll.",
            r"isapi\x.dll.",
            r"C:\..\x.dll",
        ] {
            assert!(opened(other).is_none(), "{other}");
        }
    }

    #[test]
    fn longer_than_max_path_is_a_doubt_not_a_spelling() {
        let at = |n: usize| format!(r"C:\{}", "a".repeat(n - 3));
        assert!(opened(&at(259)).is_none());
        let long = opened(&at(260)).unwrap();
        assert_eq!(long.differences, [LongerThanMaxPath]);
        assert!(!long.spelling());
        assert_eq!(long.literal, Literal::Names(parse(&at(260)).unwrap()));
        // Counted without a `\\?\` of its own.
        assert_eq!(kinds(&format!(r"\\?\{}", at(259))), [Prefixed]);
        assert_eq!(kinds(&format!(r"\\?\{}", at(260))), [Prefixed, LongerThanMaxPath]);
        let dotted = opened(&format!("{}.", at(260))).unwrap();
        assert_eq!(dotted.differences, [TrailingDot, LongerThanMaxPath]);
        assert!(dotted.spelling());
    }

    #[test]
    fn plain_paths_have_no_difference() {
        // What is plain is read alike; every difference makes a path not plain.
        for path in [
            r"C:\x.dll.",
            r"C:\x.dll ",
            r"C:\a.\x.dll",
            r"C:\a\.\x.dll",
            r"C:\x\nul.dll",
            r"C:\x\",
            "C:/x.dll",
        ] {
            assert!(!is_plain(path), "{path}");
            assert!(opened(path).is_some(), "{path}");
        }
        assert!(is_plain(r"C:\WINDOWS\system32\inetsrv\asp.dll"));
    }

    #[test]
    fn the_text_iis_opens() {
        assert_eq!(as_opened(r"C:\x\asp.dll."), r"\\?\C:\x\asp.dll.");
        assert_eq!(as_opened(r"\\?\C:\x.dll"), r"\\?\\\?\C:\x.dll");
    }
    const ALL: [Difference; 13] = [
        LeadingSpace,
        Quoted,
        Prefixed,
        ForwardSlash,
        DoubledSeparator,
        CurrentFolder,
        ParentFolder,
        FolderTrailingDot,
        TrailingDot,
        TrailingSpace,
        TrailingSeparator,
        DosDevice,
        LongerThanMaxPath,
    ];

    #[test]
    fn each_difference_says_what_it_is_in_its_own_words() {
        // MB206 tells an administrator what differs and what `\\?\` makes of it: each difference in
        // words of its own, and the three that make another name share what that leads to.
        let described: std::collections::BTreeSet<&str> = ALL.iter().map(|d| d.describe()).collect();
        assert_eq!(described.len(), ALL.len(), "{described:?}");
        let written: std::collections::BTreeSet<&str> = ALL.iter().map(|d| d.as_written()).collect();
        assert_eq!(written.len(), ALL.len() - 2, "{written:?}");
        assert_eq!(TrailingDot.describe(), "ends in a dot, which Win32 removes");
        assert_eq!(
            ForwardSlash.as_written(),
            "holds `/` inside a name, a character NTFS does not allow in one: the open fails (Win32 error 123, the name is invalid)"
        );
        assert!(TrailingSpace.as_written().starts_with("is another name"));
    }

    #[test]
    fn has_asks_for_one_difference() {
        let o = opened(r"C:\WINDOWS.\x.dll.").unwrap();
        for d in ALL {
            assert_eq!(o.has(d), [FolderTrailingDot, TrailingDot].contains(&d), "{d:?}");
        }
    }

    #[test]
    fn a_quote_at_either_end_is_quoted() {
        // One quote is enough: `"` is a character no name may hold, wherever it stands.
        for path in [r#""C:\x.dll"#, r#"C:\x.dll""#, r#" "C:\x.dll" "#] {
            let o = opened(path).unwrap_or_else(|| panic!("{path}"));
            assert!(o.has(Quoted), "{path}: {o:?}");
            assert!(o.literal != Literal::Names(parse(path).unwrap()), "{path}");
        }
        assert_eq!(literal(r#""C:\x.dll"#), Literal::Invalid(Quoted));
        assert_eq!(literal(r#"C:\x.dll""#), Literal::Invalid(Quoted));
    }

    #[test]
    fn a_drive_root_is_no_difference() {
        // `C:\` is the root under either reading: its final `\` is no trailing separator.
        assert_eq!(opened(r"C:\"), None);
        assert_eq!(kinds(r"C:\x\"), [TrailingSeparator]);
    }
}
