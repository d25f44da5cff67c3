//! The dependency closures of every entry of an ISAPI set, for one run (one platform): each entry's
//! DLL in each process that loads it ([`Host`]), worked out once per distinct (path, process) and
//! shared by every entry naming it ([`Loader`] caches modules across all of them).

use std::sync::Arc;

use super::addr::{AddrMap, addr};
use super::images::{Images, load_path};
use super::loader::{Closure, Host, Loader, Partial, Site};
use super::resolver::{Found, Resolution, Resolver};
use crate::metabase::Metabase;
use crate::metabase::isapi::{IsapiSet, WorkerBitness};

/// The closures of an ISAPI set's entries, index for index.
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    /// Per entry: the closure of its DLL in each process that loads it; empty when the DLL itself
    /// does not load (other rules say why) or its process's closures are not judged.
    pub closures: Vec<Vec<(Host, Arc<Closure>)>>,
    /// Processes whose closures are not judged because the copy lacks their core modules, with the
    /// entries that would have needed them.
    pub partial: Vec<(Site, Arc<Partial>, Vec<usize>)>,
}

impl Dependencies {
    pub fn of(
        mb: &Metabase,
        set: &IsapiSet,
        worker: WorkerBitness,
        images: &Images,
        resolver: &mut Resolver,
        loader: &mut Loader,
    ) -> Dependencies {
        let process = worker.process();
        let windir = resolver.drives().windir.to_string();
        let mut out = Dependencies {
            closures: Vec::with_capacity(set.entries.len()),
            partial: Vec::new(),
        };
        // Per (path address, whether expanded, host): the closure, shared by the entries naming it.
        let mut by_entry: AddrMap<(usize, bool, Host), Option<Arc<Closure>>> = AddrMap::default();
        // Whether the copy lacks the process's core modules: the same for every host (asked once,
        // when the first entry that loads needs it), and the hosts each host text names (one of a
        // few constant texts: the last one's hosts are kept).
        let mut partial: Option<Option<Arc<Partial>>> = None;
        let mut hosts: Option<(&'static str, Vec<Host>)> = None;
        for (index, (entry, resolution)) in set.entries.iter().zip(&images.current).enumerate() {
            let mut mine = Vec::new();
            let loads = match &**resolution {
                Resolution::Resolved {
                    found: Found::Image { image, .. },
                    ..
                } => image.as_ref().as_ref().is_ok_and(|i| i.loads_in(process)),
                _ => false,
            };
            if loads {
                let needs = resolution.image().is_some_and(|i| !i.import_modules.is_empty());
                let text = worker.host(mb, entry);
                let named = match &hosts {
                    Some((last, named)) if *last == text => named,
                    _ => &hosts.insert((text, Host::named_in(text))).1,
                };
                for &host in named {
                    let site = Site { process, host };
                    let partial = partial.get_or_insert_with(|| loader.partial(resolver, site));
                    debug_assert_eq!(partial.is_some(), loader.partial(resolver, site).is_some());
                    if let Some(partial) = partial {
                        if needs {
                            match out.partial.iter_mut().find(|(s, ..)| s.process == site.process) {
                                Some((.., entries)) => {
                                    if entries.last() != Some(&index) {
                                        entries.push(index)
                                    }
                                }
                                None => out.partial.push((site, partial.clone(), vec![index])),
                            }
                        }
                        continue;
                    }
                    let compression = entry.role == crate::metabase::isapi::Role::CompressionScheme;
                    let closure = by_entry
                        .entry((addr(&entry.path), compression, host))
                        .or_insert_with(|| {
                            let path = load_path(entry, &windir);
                            Some(loader.closure(resolver, site, &path))
                        })
                        .clone();
                    if let Some(closure) = closure {
                        mine.push((host, closure));
                    }
                }
            }
            out.closures.push(mine);
        }
        out
    }
}
