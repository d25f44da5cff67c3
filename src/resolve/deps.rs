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
///
/// Entries that name one DLL in one role and host share one list: a server of 50,000 sites holds
/// a million entries and a handful of lists, so each entry costs the four bytes of its list's
/// number (a list of its own per entry took 88 bytes, 0.7x the file of such a server).
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    /// Per entry, index for index: the number of its list in `lists`.
    list_of: Vec<u32>,
    /// The distinct lists, each the closure of a DLL in each process that loads it, in the order
    /// of the first entry that has it; number 0 is the empty list (the DLL itself does not load,
    /// other rules say why, or its process's closures are not judged).
    lists: Vec<Vec<(Host, Arc<Closure>)>>,
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
            list_of: Vec::with_capacity(set.entries.len()),
            lists: vec![Vec::new()],
            partial: Vec::new(),
        };
        // Per (path address, whether expanded, host): the closure, shared by the entries naming it.
        let mut by_entry: AddrMap<(usize, bool, Host), Option<Arc<Closure>>> = AddrMap::default();
        // Per (path address, whether expanded, host text's address): the entry's list, for the
        // entries after the first that name it (their closures are the first one's, by `by_entry`).
        let mut list_by: AddrMap<(usize, bool, usize), u32> = AddrMap::default();
        // Whether the copy lacks the process's core modules: the same for every host (asked once,
        // when the first entry that loads needs it), and the hosts each host text names (one of a
        // few constant texts: the last one's hosts are kept).
        let mut partial: Option<Option<Arc<Partial>>> = None;
        let mut hosts: Option<(&'static str, Vec<Host>)> = None;
        for (index, (entry, resolution)) in set.entries.iter().zip(&images.current).enumerate() {
            let loads = match &**resolution {
                Resolution::Resolved {
                    found: Found::Image { image, .. },
                    ..
                } => image.as_ref().as_ref().is_ok_and(|i| i.loads_in(process)),
                _ => false,
            };
            if !loads {
                out.list_of.push(0);
                continue;
            }
            let needs = resolution.image().is_some_and(|i| !i.import_modules.is_empty());
            let text = worker.host(mb, entry);
            let named = match &hosts {
                Some((last, named)) if *last == text => named,
                _ => &hosts.insert((text, Host::named_in(text))).1,
            };
            let compression = entry.role == crate::metabase::isapi::Role::CompressionScheme;
            // An entry whose closures are not judged is listed with its process, once per entry.
            if let Some(&host) = named.first() {
                let site = Site { process, host };
                let partial = partial.get_or_insert_with(|| loader.partial(resolver, site));
                debug_assert_eq!(partial.is_some(), loader.partial(resolver, site).is_some());
                if let (Some(partial), true) = (partial, needs) {
                    // One process a run: one record, with every entry that needs it.
                    match out.partial.first_mut() {
                        Some((.., entries)) => entries.push(index),
                        None => out.partial.push((site, partial.clone(), vec![index])),
                    }
                }
            }
            let memo = (addr(&entry.path), compression, addr(text));
            let list = match list_by.get(&memo) {
                Some(&list) => {
                    // The list is the one the entry's own closures would make.
                    debug_assert!(
                        matches!(partial, Some(Some(_))) || {
                            let again = named
                                .iter()
                                .filter_map(|&h| by_entry.get(&(addr(&entry.path), compression, h)).cloned().flatten());
                            let had = out.lists[list as usize].iter().map(|(_, c)| c);
                            again.map(|c| Arc::as_ptr(&c)).eq(had.map(Arc::as_ptr))
                        },
                        "an entry's closures are those of the first entry with its DLL, role and host"
                    );
                    list
                }
                None => {
                    let mut mine = Vec::new();
                    // The copy lacks the core modules (the same answer for every host): no closure.
                    if !matches!(partial, Some(Some(_))) {
                        for &host in named {
                            let site = Site { process, host };
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
                    let list = if mine.is_empty() {
                        0
                    } else {
                        out.lists.push(mine);
                        // Fewer lists than entries, and fewer entries than bytes in a text, whose
                        // spans are u32.
                        u32::try_from(out.lists.len() - 1).expect("fewer lists than a text's bytes")
                    };
                    list_by.insert(memo, list);
                    list
                }
            };
            out.list_of.push(list);
        }
        out
    }

    /// The closure of entry `index`'s DLL in each process that loads it; empty when the DLL itself
    /// does not load (other rules say why) or its process's closures are not judged.
    pub fn closures(&self, index: usize) -> &[(Host, Arc<Closure>)] {
        // Every number given is a list's: a wrong one is a bug to be seen, never an empty list
        // (which would let a DLL's dependencies go unjudged in silence).
        &self.lists[self.list_of[index] as usize]
    }

    /// Every distinct closure list, each once, in the order of the first entry that has it.
    pub fn lists(&self) -> impl Iterator<Item = &[(Host, Arc<Closure>)]> {
        self.lists.iter().map(Vec::as_slice)
    }

    /// Closures given per entry, index for index (for tests of the rules that read them).
    #[cfg(test)]
    pub fn per_entry(closures: Vec<Vec<(Host, Arc<Closure>)>>) -> Dependencies {
        let list_of = (1..=closures.len() as u32).collect();
        let mut lists = vec![Vec::new()];
        lists.extend(closures);
        Dependencies {
            list_of,
            lists,
            partial: Vec::new(),
        }
    }
}
