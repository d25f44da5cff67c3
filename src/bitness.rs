//! Bitness: the one fact that decides whether a worker process can load a DLL.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bitness {
    /// 32-bit (x86): PE32 i386 images; a WOW64 worker process.
    Bits32,
    /// 64-bit (x64): PE32+ AMD64 images; a native worker process.
    Bits64,
}

impl Bitness {
    pub fn bits(self) -> u32 {
        match self {
            Bitness::Bits32 => 32,
            Bitness::Bits64 => 64,
        }
    }

    pub fn other(self) -> Bitness {
        match self {
            Bitness::Bits32 => Bitness::Bits64,
            Bitness::Bits64 => Bitness::Bits32,
        }
    }

    /// The processor architecture IIS names in event 2274 for a worker of this bitness.
    pub fn architecture(self) -> &'static str {
        match self {
            Bitness::Bits32 => "x86",
            Bitness::Bits64 => "AMD64",
        }
    }
}

impl fmt::Display for Bitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-bit", self.bits())
    }
}

impl serde::Serialize for Bitness {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.bits())
    }
}
