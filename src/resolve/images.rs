//! What the images on a mapped drive say about the worker's ISAPI set: per entry, the image the
//! current worker bitness loads, and which path (as configured or a counterpart of the other
//! bitness) would load in a 32-bit and in a 64-bit worker.

use std::collections::HashMap;
use std::sync::Arc;

use super::addr::{AddrMap, addr};
use super::resolver::{Resolution, Resolver};
use crate::bitness::Bitness;
use crate::metabase::isapi::{IsapiRef, IsapiSet, Role};
use crate::platform::Process;
use crate::winpath::counterparts;

/// A path that loads in a worker of some bitness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: String,
    /// Whether it is a counterpart rather than the configured path.
    pub counterpart: bool,
}

/// Which bitnesses an entry can work in, by the images on the drive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viability {
    pub bits32: Option<Candidate>,
    pub bits64: Option<Candidate>,
}

impl Viability {
    pub fn get(&self, b: Bitness) -> Option<&Candidate> {
        match b {
            Bitness::Bits32 => self.bits32.as_ref(),
            Bitness::Bits64 => self.bits64.as_ref(),
        }
    }
}

/// Image facts for every entry of an [`IsapiSet`], index for index.
#[derive(Debug, Clone)]
pub struct Images {
    pub current: Vec<Arc<Resolution>>,
    /// Shared by the entries that name one path.
    pub viable: Vec<Arc<Viability>>,
}

/// The path a worker really loads for an entry: compression scheme DLLs are EXPANDSZ, so their
/// `%windir%`, `%SystemRoot%` and `%SystemDrive%` are expanded; nothing else is.
pub fn load_path(entry: &IsapiRef, windir: &str) -> String {
    if entry.role != Role::CompressionScheme {
        return entry.path.to_string();
    }
    let drive = &windir[..2];
    let mut out = entry.path.to_string();
    for (var, value) in [("%windir%", windir), ("%systemroot%", windir), ("%systemdrive%", drive)] {
        while let Some(at) = out.to_ascii_lowercase().find(var) {
            out.replace_range(at..at + var.len(), value);
        }
    }
    out
}

fn loads_in(resolver: &mut Resolver, path: &str, process: Process) -> bool {
    process.exists()
        && resolver
            .resolve(path, process)
            .image()
            .is_some_and(|image| image.loads_in(process))
}

impl Images {
    /// Resolves every entry as `worker` opens it, and which path would load in a 32-bit and in a
    /// 64-bit process on the same platform: once per distinct path (entries naming one path share
    /// its text, so its address names it), then shared by every entry that names it.
    pub fn of(set: &IsapiSet, worker: Process, resolver: &mut Resolver) -> Images {
        let windir = resolver.drives().windir.to_string();
        // By load path: two texts that expand alike (a compression DLL's `%windir%`) share one.
        let mut viable_by_path: HashMap<String, Arc<Viability>> = HashMap::new();
        // By the path's address and whether it is expanded (compression schemes only).
        let mut by_entry: AddrMap<(usize, bool), (Arc<Resolution>, Arc<Viability>)> = AddrMap::default();
        let mut current = Vec::with_capacity(set.entries.len());
        let mut viable = Vec::with_capacity(set.entries.len());
        for entry in &set.entries {
            let key = (addr(&entry.path), entry.role == Role::CompressionScheme);
            let (resolution, v) = by_entry.entry(key).or_insert_with(|| {
                let path = load_path(entry, &windir);
                let resolution = resolver.resolve(&path, worker);
                let v = match viable_by_path.get(&path) {
                    Some(v) => v.clone(),
                    None => {
                        let v = Arc::new(viability(resolver, &path, worker));
                        viable_by_path.insert(path, v.clone());
                        v
                    }
                };
                (resolution, v)
            });
            current.push(resolution.clone());
            viable.push(v.clone());
        }
        Images { current, viable }
    }
}

/// Which path loads for `path` in a 32-bit and in a 64-bit process on `worker`'s platform: the path
/// itself, or the first of its counterparts that does.
fn viability(resolver: &mut Resolver, path: &str, worker: Process) -> Viability {
    let mut v = Viability::default();
    for b in [Bitness::Bits32, Bitness::Bits64] {
        let process = Process::new(worker.platform, b);
        let found = std::iter::once((path.to_string(), false))
            .chain(counterparts(path).into_iter().map(|p| (p, true)))
            .find(|(p, _)| loads_in(resolver, p, process))
            .map(|(path, counterpart)| Candidate { path, counterpart });
        match b {
            Bitness::Bits32 => v.bits32 = found,
            Bitness::Bits64 => v.bits64 = found,
        }
    }
    v
}
