//! Works out what a configured DLL path really is. For now: what the path alone says of its bitness.

pub mod path_evidence;
pub mod pe;

pub use path_evidence::{PathEvidence, path_evidence};
