//! The processor platform Windows runs on, and the processes it can run: the facts below every
//! bitness verdict.
//!
//! Windows Server 2003 shipped for x86, x64 and Itanium (IA64). On x86 every process is 32-bit and
//! there is no WOW64; on x64 and IA64 native processes are 64-bit and 32-bit x86 processes run
//! through WOW64, whose file-system redirector sends `system32` to `SysWOW64`.

use std::fmt;

use crate::bitness::Bitness;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    X86,
    X64,
    Ia64,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::X86, Platform::X64, Platform::Ia64];

    /// `x86`, `x64`, `ia64`: as `--platform` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::X86 => "x86",
            Platform::X64 => "x64",
            Platform::Ia64 => "ia64",
        }
    }

    /// `32-bit Windows (x86)`.
    pub fn describe(self) -> &'static str {
        match self {
            Platform::X86 => "32-bit Windows (x86)",
            Platform::X64 => "x64 Windows",
            Platform::Ia64 => "Itanium Windows (IA64)",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x86" | "i386" | "32" => Some(Platform::X86),
            "x64" | "amd64" | "x86_64" | "x86-64" => Some(Platform::X64),
            "ia64" | "itanium" => Some(Platform::Ia64),
            _ => None,
        }
    }

    pub fn is_64bit(self) -> bool {
        self != Platform::X86
    }

    /// The bitness of the platform's native processes.
    pub fn native_bitness(self) -> Bitness {
        if self.is_64bit() {
            Bitness::Bits64
        } else {
            Bitness::Bits32
        }
    }

    /// The processor architecture IIS names in event 2274 for a process of this bitness.
    pub fn architecture(self, bitness: Bitness) -> &'static str {
        match (self, bitness) {
            (_, Bitness::Bits32) => "x86",
            (Platform::Ia64, Bitness::Bits64) => "IA64",
            (_, Bitness::Bits64) => "AMD64",
        }
    }

    /// What images its processes run, for messages: `AMD64 and, under WOW64, i386`.
    pub fn runs(self) -> &'static str {
        match self {
            Platform::X86 => "only i386 images",
            Platform::X64 => "AMD64 images and, under WOW64, i386 ones",
            Platform::Ia64 => "IA64 images and, under WOW64, i386 ones",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A process that loads DLLs: the platform it runs on and its bitness. A 32-bit process on 64-bit
/// Windows runs under WOW64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Process {
    pub platform: Platform,
    pub bitness: Bitness,
}

impl Process {
    pub fn new(platform: Platform, bitness: Bitness) -> Process {
        Process { platform, bitness }
    }

    /// Whether the WOW64 file-system redirector applies.
    pub fn wow64(self) -> bool {
        self.platform.is_64bit() && self.bitness == Bitness::Bits32
    }

    /// Whether a process of this bitness exists on the platform (x86 has no 64-bit processes).
    pub fn exists(self) -> bool {
        self.platform.is_64bit() || self.bitness == Bitness::Bits32
    }
}

/// What is known of the platform: the set of platforms the evidence leaves open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Platforms(u8);

impl Platforms {
    pub const ANY: Platforms = Platforms(0b111);
    /// x64 or IA64: what `SysWOW64`, `Framework64` or `Program Files (x86)` say.
    pub const WIN64: Platforms = Platforms(0b110);

    fn bit(p: Platform) -> u8 {
        match p {
            Platform::X86 => 1,
            Platform::X64 => 2,
            Platform::Ia64 => 4,
        }
    }

    pub fn only(p: Platform) -> Platforms {
        Platforms(Self::bit(p))
    }

    /// The platforms both leave open, if any.
    pub fn intersect(self, other: Platforms) -> Option<Platforms> {
        let both = self.0 & other.0;
        (both != 0).then_some(Platforms(both))
    }

    pub fn contains(self, p: Platform) -> bool {
        self.0 & Self::bit(p) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Platform> {
        Platform::ALL.into_iter().filter(move |&p| self.contains(p))
    }

    /// The platform, when only one is left.
    pub fn single(self) -> Option<Platform> {
        let mut it = self.iter();
        match (it.next(), it.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }

    /// Whether every platform left is 64-bit.
    pub fn all_64bit(self) -> bool {
        self.0 != 0 && !self.contains(Platform::X86)
    }

    /// `x64`, `x64 or ia64` (64-bit Windows), `x86, x64 or ia64` (unknown).
    pub fn describe(self) -> String {
        if let Some(p) = self.single() {
            return p.describe().to_string();
        }
        if self == Platforms::WIN64 {
            return "64-bit Windows (x64 or IA64)".to_string();
        }
        if self == Platforms::ANY {
            return "unknown (x86, x64 or IA64)".to_string();
        }
        let names: Vec<&str> = self.iter().map(Platform::name).collect();
        format!("one of {}", names.join(", "))
    }

    /// `x64`, `win64`, `unknown`: for JSON.
    pub fn key(self) -> String {
        match self.single() {
            Some(p) => p.name().to_string(),
            None if self == Platforms::WIN64 => "win64".to_string(),
            None if self == Platforms::ANY => "unknown".to_string(),
            None => self.iter().map(Platform::name).collect::<Vec<_>>().join("|"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_and_wow64() {
        assert!(Process::new(Platform::X64, Bitness::Bits32).wow64());
        assert!(Process::new(Platform::Ia64, Bitness::Bits32).wow64());
        assert!(!Process::new(Platform::X86, Bitness::Bits32).wow64());
        assert!(!Process::new(Platform::X64, Bitness::Bits64).wow64());
        assert!(!Process::new(Platform::X86, Bitness::Bits64).exists());
        assert_eq!(Platform::Ia64.architecture(Bitness::Bits64), "IA64");
        assert_eq!(Platform::X64.architecture(Bitness::Bits32), "x86");
    }

    #[test]
    fn platform_sets() {
        assert_eq!(Platforms::WIN64.single(), None);
        assert!(Platforms::WIN64.all_64bit());
        assert!(!Platforms::ANY.all_64bit());
        assert_eq!(Platforms::only(Platform::Ia64).single(), Some(Platform::Ia64));
        assert_eq!(
            Platforms::WIN64.iter().collect::<Vec<_>>(),
            [Platform::X64, Platform::Ia64]
        );
        assert_eq!(Platforms::WIN64.key(), "win64");
        assert_eq!(Platforms::ANY.describe(), "unknown (x86, x64 or IA64)");
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.name()), Some(p));
        }
        assert_eq!(Platform::parse("AMD64"), Some(Platform::X64));
        assert_eq!(Platform::parse("arm64"), None);
    }
}
