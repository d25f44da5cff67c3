//! What a DLL's path alone says about its bitness: folders that only ever hold one kind of image.
//!
//! This is evidence, not proof: a later stage that reads the image on disk replaces it.

use crate::bitness::Bitness;

/// A folder pattern in a path that tells its bitness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PathEvidence {
    pub bitness: Bitness,
    /// The pattern as the user would recognise it, e.g. `\Framework64\`.
    pub pattern: &'static str,
    /// Why that folder means that bitness.
    pub reason: &'static str,
}

macro_rules! evidence {
    ($needle:literal, $pattern:literal, $bits:ident, $reason:literal) => {
        (
            $needle,
            PathEvidence {
                bitness: Bitness::$bits,
                pattern: $pattern,
                reason: $reason,
            },
        )
    };
}

/// Patterns, most specific first. Matched on the lower-cased path with `/` read as `\`.
static PATTERNS: [(&str, PathEvidence); 6] = [
    evidence!(
        "\\framework64\\",
        "\\Framework64\\",
        Bits64,
        "the 64-bit .NET Framework folder"
    ),
    evidence!(
        "\\framework\\v1.",
        "\\Framework\\v1.x",
        Bits32,
        "ASP.NET 1.0 and 1.1 exist only as 32-bit images"
    ),
    evidence!(
        "\\microsoft.net\\framework\\",
        "\\Microsoft.NET\\Framework\\",
        Bits32,
        "the 32-bit .NET Framework folder (its 64-bit twin is Framework64)"
    ),
    evidence!(
        "\\syswow64\\",
        "\\SysWOW64\\",
        Bits32,
        "the folder of 32-bit system DLLs on 64-bit Windows"
    ),
    evidence!(
        "\\sysnative\\",
        "\\Sysnative\\",
        Bits64,
        "the alias through which a 32-bit process reaches the 64-bit system32"
    ),
    evidence!(
        "\\program files (x86)\\",
        "\\Program Files (x86)\\",
        Bits32,
        "the folder 32-bit programs install to on 64-bit Windows"
    ),
];

/// The bitness a path's folders imply, if any (a reference into a static table).
pub fn path_evidence(path: &str) -> Option<&'static PathEvidence> {
    EvidenceIndex::of(path).get()
}

/// What [`path_evidence`] says of a path, in one byte (an index into the table, or none), for
/// records held by the million (an ISAPI entry), where a reference would take eight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvidenceIndex(u8);

impl EvidenceIndex {
    /// No folder of the path tells its bitness.
    pub const NONE: EvidenceIndex = EvidenceIndex(u8::MAX);

    /// The first pattern (most specific first) the path's folders match.
    pub fn of(path: &str) -> EvidenceIndex {
        let normalised: String = path
            .chars()
            .map(|c| if c == '/' { '\\' } else { c.to_ascii_lowercase() })
            .collect();
        PATTERNS
            .iter()
            .position(|(needle, _)| normalised.contains(needle))
            .map_or(EvidenceIndex::NONE, |i| EvidenceIndex(i as u8))
    }

    /// The evidence, if any.
    pub fn get(self) -> Option<&'static PathEvidence> {
        PATTERNS.get(usize::from(self.0)).map(|(_, evidence)| evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(path: &str) -> Option<u32> {
        path_evidence(path).map(|e| e.bitness.bits())
    }

    /// Every pattern's index gives its evidence back, and a path no pattern matches gives none.
    #[test]
    fn an_evidence_index_is_its_pattern() {
        for (i, (needle, evidence)) in PATTERNS.iter().enumerate() {
            let index = EvidenceIndex::of(&format!("C:{needle}x.dll"));
            assert_eq!(index, EvidenceIndex(i as u8), "{needle}");
            assert!(std::ptr::eq(index.get().unwrap(), evidence), "{needle}");
        }
        assert_eq!(EvidenceIndex::of("C:\\inetpub\\x.dll"), EvidenceIndex::NONE);
        assert!(EvidenceIndex::NONE.get().is_none());
        assert!(PATTERNS.len() < usize::from(u8::MAX));
    }

    #[test]
    fn folders_that_tell_bitness() {
        assert_eq!(
            bits(r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll"),
            Some(64)
        );
        assert_eq!(
            bits(r"c:\windows\microsoft.net\framework\v1.1.4322\aspnet_isapi.dll"),
            Some(32)
        );
        assert_eq!(
            bits(r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll"),
            Some(32)
        );
        assert_eq!(bits(r"C:\WINDOWS\SysWOW64\inetsrv\asp.dll"), Some(32));
        assert_eq!(bits(r"C:\WINDOWS\Sysnative\inetsrv\asp.dll"), Some(64));
        assert_eq!(
            bits(r"C:\Program Files (x86)\Common Files\Microsoft Shared\Web Server Extensions\50\bin\fpexedll.dll"),
            Some(32)
        );
        assert_eq!(bits("C:/Program Files (x86)/x.dll"), Some(32));
    }

    #[test]
    fn folders_that_do_not() {
        assert_eq!(bits(r"C:\WINDOWS\system32\inetsrv\asp.dll"), None);
        assert_eq!(bits(r"C:\Program Files\Helicon\ISAPI_Rewrite.dll"), None);
        assert_eq!(bits(r"%windir%\system32\inetsrv\gzip.dll"), None);
    }

    #[test]
    fn the_v1_pattern_names_aspnet_1x() {
        let e = path_evidence(r"C:\WINDOWS\Microsoft.NET\Framework\v1.1.4322\aspnet_isapi.dll").unwrap();
        assert_eq!(e.pattern, "\\Framework\\v1.x");
    }
}
