//! The rule registry: one entry per rule, each rule in its own module with its document in
//! `rules/<CODE>.md` (embedded in the binary).

use std::sync::Arc;

use crate::bitness::Bitness;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Evidence, Fix, MetabaseOp, Occurrence, PlaceNames, Severity};
pub use crate::metabase::isapi::DistinctPaths;
use crate::metabase::isapi::{IsapiRef, IsapiSet, Role, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::{AttrId, KeyId, Metabase, Span};
use crate::resolve::addr::{AddrMap, addr};
use crate::resolve::images::Images;
use crate::resolve::pe::{ImageError, ImageInfo};
use crate::resolve::resolver::{Found, Resolution};
use crate::winpath::WinPath;

// The bitness planner that rules consult for their fixes, and the lockdown it keeps.
pub mod lockdown;
pub mod plan;
// The ISAPI DLL map (for the HTML page), from the same contexts and findings.
pub mod map;
// What each rule reads, for the fix loop's limited re-lint.
pub mod reads;
// What kinds of fix each rule makes, for the rules table.
pub mod fixes;

// One module a rule.
pub mod ambiguous_path;
pub mod conflicting_evidence;
// The MB6xx family: drift between nodes, reported by `mblint compare` (no per-file check).
pub mod drift;
pub mod duplicate_filter;
pub mod duplicate_location;
pub mod edit_while_running_unsafe;
pub mod extension_prohibited;
pub mod extensionless_url_unmapped;
pub mod fastcgi_misconfigured;
pub mod filter_not_defined;
pub mod filter_not_in_load_order;
pub mod filter_order;
pub mod image_not_found;
pub mod invalid_image;
pub mod invalid_property_value;
pub mod malformed_metabase;
pub mod misplaced_enable32bit;
pub mod missing_isapi_exports;
pub mod mixed_aspnet_versions;
pub mod mixed_bitness;
pub mod no_working_mode;
pub mod platform_unknown;
pub mod property_name_case;
pub mod raw_data_filter;
pub mod undefined_app_pool;
pub mod unexpanded_variable;
pub mod unknown_dependency_group;
pub mod unknown_property;
pub mod unresolvable_path;
pub mod unsupported_architecture;
pub mod worker_bitness_mismatch;
pub mod worker_isolation_required;
// MB207-MB211: the dependency closure of each DLL (issue 20), and what they share.
pub mod delay_load_missing;
pub mod dependencies_not_judged;
pub mod dependency;
pub mod dependency_beside_dll;
pub mod missing_dependency;
pub mod missing_function;

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// What every rule sees: the parsed metabase and what follows from it.
pub struct Context<'a> {
    pub metabase: &'a Metabase,
    pub isapi: &'a IsapiSet,
    pub server: &'a ServerConfig,
    pub worker: WorkerBitness,
    /// The images on the mapped drives, entry for entry; `None` with no drive mapped.
    pub images: Option<&'a Images>,
    /// The dependency closures of the entries' DLLs ([`Context::with_deps`]); `None` without a drive.
    pub deps: Option<&'a crate::resolve::deps::Dependencies>,
    /// The fcgiext.ini files the entries' fcgiext.dll script maps read ([`Context::with_fastcgi`]);
    /// `None` without a drive.
    pub fastcgi: Option<&'a crate::resolve::fastcgi::FastCgi>,
    /// `--worker-bitness`: the bitness the planner must aim for.
    pub forced_bitness: Option<Bitness>,
    /// The server's platform, isolation mode and Windows folder, with their evidence. Verdicts are
    /// worked out for one platform at a time (`worker.platform`), each one the model leaves open.
    pub model: &'a crate::host::ServerModel,
    pub(crate) plan: std::cell::OnceCell<Option<crate::rules::plan::Plan>>,
    /// Whether a place of a finding counts: false under a Location the configuration ignores the
    /// rule at (`[[per-location]]`). Asked once per place, as the rules report it.
    pub keep: &'a Keep<'a>,
    /// The cause of each distinct (role, DLL), once: see [`Context::cause`].
    pub(crate) causes: std::cell::RefCell<AddrMap<(Role, usize), Arc<str>>>,
    /// The repoint fix's words per distinct (DLL, target): see [`plan::repoint_fix`].
    pub(crate) repoint_words: std::cell::RefCell<AddrMap<usize, RepointMemo>>,
    /// The shared Location and property-name strings of places: see [`Context::place`].
    pub(crate) names: std::cell::RefCell<Names>,
    /// Every entry's bitness (built on first use): see [`Context::bits`].
    pub(crate) bits: std::cell::OnceCell<Vec<Option<Bitness>>>,
}

/// Per DLL (by its interned path's address), the targets it is repointed to and the repoint
/// fix's words for each.
pub(crate) type RepointMemo = Vec<(Arc<str>, Arc<plan::RepointWords>)>;

impl<'a> Context<'a> {
    /// A context for one platform's run over one metabase.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        metabase: &'a Metabase,
        isapi: &'a IsapiSet,
        server: &'a ServerConfig,
        worker: WorkerBitness,
        images: Option<&'a Images>,
        forced_bitness: Option<Bitness>,
        model: &'a crate::host::ServerModel,
        keep: &'a Keep<'a>,
    ) -> Context<'a> {
        Context {
            metabase,
            isapi,
            server,
            worker,
            images,
            deps: None,
            fastcgi: None,
            forced_bitness,
            model,
            plan: Default::default(),
            keep,
            causes: Default::default(),
            repoint_words: Default::default(),
            names: Default::default(),
            bits: Default::default(),
        }
    }

    /// The context with the entries' dependency closures (the MB207-MB211 rules read them).
    pub fn with_deps(mut self, deps: Option<&'a crate::resolve::deps::Dependencies>) -> Self {
        self.deps = deps;
        self
    }

    /// The context with the fcgiext.ini files the entries' fcgiext.dll script maps read (MB403).
    pub fn with_fastcgi(mut self, fastcgi: Option<&'a crate::resolve::fastcgi::FastCgi>) -> Self {
        self.fastcgi = fastcgi;
        self
    }
}

impl Context<'_> {
    /// The same context with caches of its own: for a rule run on another thread.
    fn fresh(&self) -> Self {
        Context::new(
            self.metabase,
            self.isapi,
            self.server,
            self.worker,
            self.images,
            self.forced_bitness,
            self.model,
            self.keep,
        )
        .with_deps(self.deps)
        .with_fastcgi(self.fastcgi)
    }
}

/// An entry whose path resolved to a file that was read as an image.
pub struct EntryImage<'a> {
    pub entry: &'a IsapiRef,
    /// The Windows path the worker opens, and whether WOW64 redirection made it.
    pub effective: &'a WinPath,
    pub redirected: bool,
    pub file: &'a std::path::Path,
    pub image: &'a Result<ImageInfo, ImageError>,
}

/// `a`, `b`, `c` and 2 more: paths sorted and de-duplicated case-insensitively (ASCII letters), at
/// most `limit` shown, each as its file name or in full; of spellings that differ only in case, the
/// first given. Returns how many distinct paths there are, and the list. A million entries naming
/// ten shared texts cost a million address lookups and a sort of ten.
pub fn path_list<'a>(paths: impl IntoIterator<Item = &'a str>, limit: usize, file_names: bool) -> (usize, String) {
    // Each distinct text once, first seen first (texts at one address are one text).
    let mut seen: AddrMap<(usize, usize), ()> = AddrMap::default();
    let mut paths: Vec<&str> = paths
        .into_iter()
        .filter(|p| seen.insert((addr(p), p.len()), ()).is_none())
        .collect();
    // A stable sort keeps the first spelling of each case-insensitive run first.
    paths.sort_by_cached_key(|p| p.to_ascii_lowercase());
    paths.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let shown: Vec<String> = paths
        .iter()
        .take(limit)
        .map(|p| {
            let p = if file_names {
                p.rsplit(['\\', '/']).next().unwrap_or(p)
            } else {
                p
            };
            format!("`{p}`")
        })
        .collect();
    let more = paths.len().saturating_sub(limit);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    (paths.len(), format!("{}{more}", shown.join(", ")))
}

/// What is known of an ISAPI entry's bitness, and on what evidence.
pub struct EntryBitness {
    pub bitness: Bitness,
    pub evidence: Evidence,
    /// A short phrase for messages: `image: PE32 i386 DLL`, or the path pattern.
    pub basis: String,
}

impl<'a> Context<'a> {
    /// The cause of a per-entry finding: the DLL in its role ([`cause_of`]), made once per distinct
    /// pair: paths are shared, so a path's address names it.
    pub fn cause(&self, entry: &IsapiRef) -> Arc<str> {
        self.causes
            .borrow_mut()
            .entry((entry.role, addr(&entry.path)))
            .or_insert_with(|| cause_of(entry))
            .clone()
    }

    /// The place an entry names: its span, key, property and value line.
    pub fn place(&self, entry: &IsapiRef) -> Occurrence {
        let mb = self.metabase;
        let mut names = self.names.borrow_mut();
        // A rule walks the entries in order, and the lines of one ScriptMaps value are entries one
        // after another: the property of the place before is most often this one's.
        let shared = match &names.last {
            Some((attr, shared)) if *attr == entry.attr => shared.clone(),
            _ => {
                let shared = match names.places.get(&entry.attr) {
                    Some(shared) => shared.clone(),
                    None => {
                        let location = names
                            .locations
                            .entry(entry.key)
                            .or_insert_with(|| Arc::from(mb.location(entry.key)))
                            .clone();
                        let name = mb.attr_name(entry.attr);
                        let attribute = match names.attributes.get(&*name) {
                            Some(shared) => shared.clone(),
                            None => {
                                let shared: Arc<str> = Arc::from(&*name);
                                names
                                    .attributes
                                    .insert(name.into_owned().into_boxed_str(), shared.clone());
                                shared
                            }
                        };
                        let shared = PlaceNames::new(Some(location), Some(attribute));
                        names.places.insert(entry.attr, shared.clone());
                        shared
                    }
                };
                names.last = Some((entry.attr, shared.clone()));
                shared
            }
        };
        let occurrence = Occurrence::shared(
            entry.span,
            shared,
            // The entry knows its line: no counting of line breaks per place.
            entry.line().or_else(|| value_line(mb, entry.attr, entry.span)),
        );
        debug_assert_eq!(occurrence, place(mb, entry.key, entry.attr, entry.span));
        occurrence
    }

    /// Whether entry `index` is a loaded filter's DLL seen again as a DLL called by URL
    /// ([`IsapiRef::from_filter`]: a connector's filter in an execute folder). IIS 6 runs every
    /// worker in one bitness, and the filter loads in each of them: whether the DLL exists, reads
    /// and has the workers' bitness is judged on the filter entry, once, not again on its twin.
    pub fn judged_as_filter(&self, index: usize) -> bool {
        self.isapi.entries[index].from_filter
    }

    /// Whether a URL calls entry `index`'s DLL as an ISAPI extension, so that what an extension
    /// needs (its entry points, its Web Service Extension) applies. Every entry but a filter's twin
    /// does; a twin only when its image exports an extension entry point (`GetExtensionVersion` or
    /// `HttpExtensionProc`, by plain or decorated name): a connector such as Tomcat's
    /// `isapi_redirect.dll` or JRun's `jrun.dll`, to which its filter forwards requests. A filter
    /// that merely lies in an execute folder is judged as a filter only. A twin whose image was
    /// not read stays an extension: nothing shows otherwise.
    pub fn called_by_url(&self, index: usize) -> bool {
        if !self.isapi.entries[index].from_filter {
            return true;
        }
        match self.images.map(|i| &*i.current[index]) {
            Some(Resolution::Resolved {
                found: Found::Image { image, .. },
                ..
            }) => match image.as_ref() {
                Ok(info) => exports_an_extension_entry(info),
                Err(_) => true,
            },
            _ => true,
        }
    }

    /// The bitness plan (computed once).
    pub fn plan(&self) -> Option<&crate::rules::plan::Plan> {
        self.plan
            .get_or_init(|| crate::rules::plan::plan(self, self.forced_bitness))
            .as_ref()
    }

    /// `%windir%`, and whether the drive or a declaration makes it certain (else it is inferred from
    /// the metabase's paths or assumed).
    pub fn windir(&self) -> (&WinPath, bool) {
        let w = &self.model.windir;
        (&w.value, w.source <= crate::host::Source::Drive)
    }

    /// The platform this run judges, for messages: without a drive one run stands for x64 and IA64
    /// alike (nothing mblint can see tells them apart), and says so.
    pub fn platform_name(&self) -> &'static str {
        let open = self.model.platform.value;
        if self.images.is_none() && open.all_64bit() && open.single().is_none() {
            "64-bit Windows (x64 or IA64)"
        } else {
            self.worker.platform.describe()
        }
    }

    /// The process that loads an entry's DLL, for messages: `w3wp.exe`, `inetinfo.exe`.
    pub fn host(&self, entry: &IsapiRef) -> &'static str {
        self.worker.host(self.metabase, entry)
    }

    /// Every entry whose path resolved to a file read as an image (none without a drive).
    pub fn entry_images(&self) -> impl Iterator<Item = EntryImage<'_>> {
        self.images.into_iter().flat_map(move |images| {
            self.isapi
                .entries
                .iter()
                .zip(&images.current)
                .filter_map(|(entry, resolution)| match &**resolution {
                    Resolution::Resolved {
                        effective,
                        redirected,
                        found: Found::Image { file, image },
                        ..
                    } => Some(EntryImage {
                        entry,
                        effective,
                        redirected: *redirected,
                        file,
                        image,
                    }),
                    _ => None,
                })
        })
    }

    /// Just the bitness of entry `index`, as [`Context::entry_bitness`] decides it, without
    /// building its evidence: what a rule asks of every one of a million entries, worked out for
    /// them all once.
    pub fn bits(&self, index: usize) -> Option<Bitness> {
        self.all_bits()[index]
    }

    /// [`Context::bits`] of every entry, index for index.
    pub fn all_bits(&self) -> &[Option<Bitness>] {
        self.bits.get_or_init(|| {
            let platform = self.worker.platform;
            match self.images {
                Some(images) => self
                    .isapi
                    .entries
                    .iter()
                    .zip(&images.current)
                    .map(|(entry, resolution)| match &**resolution {
                        Resolution::Resolved {
                            found: Found::Image { image, .. },
                            ..
                        } => image.as_ref().as_ref().ok()?.bitness_on(platform),
                        Resolution::Resolved { .. } => None,
                        Resolution::Unresolvable(_) => entry.evidence().map(|e| e.bitness),
                    })
                    .collect(),
                None => self
                    .isapi
                    .entries
                    .iter()
                    .map(|e| e.evidence().map(|e| e.bitness))
                    .collect(),
            }
        })
    }

    /// The distinct paths of the entries, and each entry's (built once).
    pub fn distinct_paths(&self) -> &'a DistinctPaths {
        self.isapi.distinct()
    }

    /// The bitness of entry `index`: the image's when a drive is mapped and the image was read;
    /// the path's folder pattern when no image can be looked for (no drive, or an unresolvable
    /// path). A missing or unreadable image has no bitness here (MB201, MB202 report it).
    pub fn entry_bitness(&self, index: usize) -> Option<EntryBitness> {
        let entry = &self.isapi.entries[index];
        if let Some(images) = self.images {
            match &*images.current[index] {
                Resolution::Resolved {
                    effective,
                    found: Found::Image { file, image },
                    ..
                } => {
                    let info = image.as_ref().as_ref().ok()?;
                    let bitness = info.bitness_on(self.worker.platform)?;
                    return Some(EntryBitness {
                        bitness,
                        basis: format!("image: {} at {effective}", info.describe()),
                        evidence: Evidence::Image {
                            configured: entry.path.clone(),
                            resolved: effective.to_string(),
                            file: file.display().to_string(),
                            image: info.describe(),
                            bitness: Some(bitness),
                        },
                    });
                }
                Resolution::Resolved { .. } => return None,
                Resolution::Unresolvable(_) => {}
            }
        }
        let e = entry.evidence()?;
        Some(EntryBitness {
            bitness: e.bitness,
            basis: format!("path: `{}` is a {} folder: {}", e.pattern, e.bitness, e.reason),
            evidence: Evidence::PathPattern {
                path: entry.path.clone(),
                pattern: e.pattern,
                bitness: e.bitness,
                reason: e.reason,
            },
        })
    }
}

pub type Check = fn(&Context<'_>, &mut Findings);

/// The place `span` stands at: the key, the property, and the line of the value (as
/// [`Diagnostic::at`] records it for a finding's primary place).
pub fn place(mb: &Metabase, key: KeyId, attr: AttrId, span: Span) -> Occurrence {
    Occurrence::new(
        span,
        Some(Arc::from(mb.location(key))),
        Some(Arc::from(mb.attr_name(attr))),
        value_line(mb, attr, span),
    )
}

/// The line of `attr`'s value that `span` starts on, when it starts in the value.
fn value_line(mb: &Metabase, attr: AttrId, span: Span) -> Option<u32> {
    let value = mb.attr(attr).value;
    (value.start <= span.start && span.start <= value.end).then(|| {
        let before = &mb.text().as_bytes()[value.start as usize..span.start as usize];
        memchr::memchr_iter(b'\n', before).count() as u32
    })
}

/// The Locations and property names the places of a run share: one string per key and per name.
/// The maps of this module hash with foldhash, seeded per process as the standard maps are and
/// several times faster on the long causes and the many places of a finding-heavy server.
#[derive(Default)]
pub(crate) struct Names {
    locations: foldhash::HashMap<KeyId, Arc<str>>,
    attributes: foldhash::HashMap<Box<str>, Arc<str>>,
    /// By property (of one key), the names its places share.
    places: foldhash::HashMap<AttrId, Arc<PlaceNames>>,
    /// The property of the last place asked for, with its places' names.
    last: Option<(AttrId, Arc<PlaceNames>)>,
}

/// What a finding's fix is matched by when a place joins it: its applicability and message.
fn words(fix: &Fix) -> (Applicability, &str) {
    (fix.applicability, fix.message.as_str())
}

/// A place's own edits and operations of a fix.
pub type FixParts = (Vec<Edit>, Vec<MetabaseOp>);

/// A grouped finding's fix, indexed for merging further places into it: its edits by span and its
/// operations by hash, each as chains of indexes into the fix's own lists, so a place that joins
/// costs lookups and no copy of what the fix already holds.
struct MergedFix {
    /// By span, the last edit added at it; `prev_edit[j]`: the edit added at that span before `j`.
    edit_at: foldhash::HashMap<(u32, u32), usize>,
    prev_edit: Vec<usize>,
    /// By hash (keyed with a seed of this process, as the model's maps of the file's texts are:
    /// foldhash, which hashes an operation's texts in a fifth of SipHash's time), the last
    /// operation added with it; `prev_op[j]`: the one added with the same hash before `j`.
    op_with: AddrMap<u64, usize>,
    prev_op: Vec<usize>,
    hasher: foldhash::fast::RandomState,
}

/// The end of a chain of [`MergedFix`].
const NONE: usize = usize::MAX;

impl MergedFix {
    fn of(fix: &Fix) -> MergedFix {
        let mut merged = MergedFix {
            edit_at: Default::default(),
            prev_edit: Vec::new(),
            op_with: AddrMap::default(),
            prev_op: Vec::new(),
            hasher: Default::default(),
        };
        for e in &fix.edits {
            merged.link_edit(e);
        }
        for op in &fix.ops {
            merged.link_op(op);
        }
        merged
    }

    /// Whether `fix` holds an edit like `e` (same span, same content).
    fn has_edit(&self, fix: &Fix, e: &crate::diagnostic::Edit) -> bool {
        let mut j = self.edit_at.get(&(e.span.start, e.span.end)).copied().unwrap_or(NONE);
        while j != NONE {
            if fix.edits[j].content == e.content {
                return true;
            }
            j = self.prev_edit[j];
        }
        false
    }

    /// Indexes `e`, the fix's next edit.
    fn link_edit(&mut self, e: &crate::diagnostic::Edit) {
        let j = self.prev_edit.len();
        let prev = self.edit_at.insert((e.span.start, e.span.end), j);
        self.prev_edit.push(prev.unwrap_or(NONE));
    }

    fn has_op(&self, fix: &Fix, op: &MetabaseOp) -> bool {
        let mut j = self
            .op_with
            .get(&std::hash::BuildHasher::hash_one(&self.hasher, op))
            .copied()
            .unwrap_or(NONE);
        while j != NONE {
            if fix.ops[j] == *op {
                return true;
            }
            j = self.prev_op[j];
        }
        false
    }

    /// Indexes `op`, the fix's next operation.
    fn link_op(&mut self, op: &MetabaseOp) {
        let j = self.prev_op.len();
        let prev = self
            .op_with
            .insert(std::hash::BuildHasher::hash_one(&self.hasher, op), j);
        self.prev_op.push(prev.unwrap_or(NONE));
    }
}

/// Whether a place joined a finding, or the fix to build a new finding with.
pub enum Joined {
    Yes,
    No(Option<Fix>),
}

/// What the rules report, as they report it: one finding per cause. A rule that reports a cause at
/// many places asks [`Findings::join`] first, and builds a finding's words only for the first
/// place; every further place becomes an occurrence. So 500,000 places of eight causes are eight
/// messages and 500,000 small records, not 500,000 findings grouped afterwards. Places under a
/// Location the configuration ignores the rule at are left out as they come.
pub struct Findings<'c> {
    list: Vec<Diagnostic>,
    keep: &'c dyn Fn(&str, Option<&str>) -> bool,
    /// By rule and cause, the findings reported so far (one per distinct fix).
    causes: foldhash::HashMap<(&'static str, Arc<str>), Vec<usize>>,
    /// By finding, its fix's edits by span (indexes into the edits) and its operations: joining a
    /// place's fix is a lookup, so a cause at 100,000 places stays linear.
    merged: foldhash::HashMap<usize, MergedFix>,
    /// The finding the last lookup of a cause found, by rule and cause (the cause by address): a
    /// rule gives a cause's places one after another, so most lookups end here without hashing.
    last: Option<(&'static str, Arc<str>, usize)>,
}

impl<'c> Findings<'c> {
    pub fn new(keep: &'c dyn Fn(&str, Option<&str>) -> bool) -> Findings<'c> {
        Findings {
            list: Vec::new(),
            keep,
            causes: Default::default(),
            merged: Default::default(),
            last: None,
        }
    }

    /// Adds a finding (unless its Location is ignored for its rule).
    pub fn push(&mut self, d: Diagnostic) {
        if !(self.keep)(d.code, d.location.as_deref()) {
            return;
        }
        if let Some(cause) = &d.cause {
            self.causes
                .entry((d.code, cause.clone()))
                .or_default()
                .push(self.list.len());
        }
        self.list.push(d);
    }

    /// A further place of `cause` for rule `code`, with the place's fix: when the rule already
    /// reported the cause with a fix of the same kind and words, the place joins that finding (its
    /// fix's edits and operations join the finding's fix) and the rule moves on. Otherwise the rule
    /// builds the finding, with the fix given back.
    pub fn join(
        &mut self,
        code: &'static str,
        cause: &Arc<str>,
        fix: Option<Fix>,
        place: impl FnOnce() -> Occurrence,
    ) -> Joined {
        let Some(i) = self.finding_of(code, cause, fix.as_ref().map(words)) else {
            return Joined::No(fix);
        };
        self.add_place(i, code, place, fix.map(|f| (f.edits, f.ops, f.restart)));
        Joined::Yes
    }

    /// [`Findings::join`] without building the place's whole fix: `fix` is its fix's words
    /// (applicability, message) with the place's own edits and operations, or `None` for a place
    /// with no fix. `false`: build the finding (the place has not joined).
    pub fn join_with(
        &mut self,
        code: &'static str,
        cause: &Arc<str>,
        fix: Option<((Applicability, &str), FixParts)>,
        place: impl FnOnce() -> Occurrence,
    ) -> bool {
        let Some(i) = self.finding_of(code, cause, fix.as_ref().map(|(words, _)| *words)) else {
            return false;
        };
        self.add_place(i, code, place, fix.map(|(_, (edits, ops))| (edits, ops, false)));
        true
    }

    /// [`Findings::join`] for a rule whose fix is the same at every place of a cause (an edit of
    /// the restriction list, say): the place joins, and nothing of the fix is copied. `false`:
    /// build the finding.
    pub fn join_same_fix(
        &mut self,
        code: &'static str,
        cause: &Arc<str>,
        fix: Option<&Fix>,
        place: impl FnOnce() -> Occurrence,
    ) -> bool {
        let Some(i) = self.finding_of(code, cause, fix.map(words)) else {
            return false;
        };
        self.add_place(i, code, place, None);
        true
    }

    /// The finding of rule `code` for `cause` whose fix has these words (`None`: no fix): the first
    /// one reported. The last answer is remembered: findings are only appended and a fix keeps its
    /// words, so the finding found before for the same rule and cause is still the first with its
    /// words (a debug build checks it against the lookup).
    fn finding_of(
        &mut self,
        code: &'static str,
        cause: &Arc<str>,
        key: Option<(Applicability, &str)>,
    ) -> Option<usize> {
        if let Some((c, last_cause, i)) = &self.last
            && std::ptr::eq(*c, code)
            && Arc::ptr_eq(last_cause, cause)
            && self.list[*i].fix.as_ref().map(words) == key
        {
            debug_assert_eq!(Some(*i), self.lookup(code, cause, key));
            return Some(*i);
        }
        let i = self.lookup(code, cause, key)?;
        self.last = Some((code, cause.clone(), i));
        Some(i)
    }

    fn lookup(&self, code: &'static str, cause: &Arc<str>, key: Option<(Applicability, &str)>) -> Option<usize> {
        let candidates = self.causes.get(&(code, cause.clone()))?;
        candidates
            .iter()
            .copied()
            .find(|&i| self.list[i].fix.as_ref().map(words) == key)
    }

    /// Adds a place to finding `i` (unless its Location is ignored for the rule), and the place's
    /// edits and operations to the finding's fix, each once.
    fn add_place(
        &mut self,
        i: usize,
        code: &'static str,
        place: impl FnOnce() -> Occurrence,
        parts: Option<(Vec<Edit>, Vec<MetabaseOp>, bool)>,
    ) {
        let place = place();
        if !(self.keep)(code, place.location()) {
            return;
        }
        self.list[i].occurrences.push(place);
        let (Some((edits, ops, restart)), Some(into)) = (parts, self.list[i].fix.as_mut()) else {
            return;
        };
        let merged = self.merged.entry(i).or_insert_with(|| MergedFix::of(into));
        for e in edits {
            if !merged.has_edit(into, &e) {
                merged.link_edit(&e);
                into.edits.push(e);
            }
        }
        for op in ops {
            if !merged.has_op(into, &op) {
                merged.link_op(&op);
                into.ops.push(op);
            }
        }
        into.restart |= restart;
    }

    /// The findings, in the order reported. A finding's places and its fix's edits grew one push at
    /// a time (a vector doubles): they are held until the report is written, so without the spare
    /// capacity (up to half of 680,000 places' records on a finding-heavy server).
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        for d in &mut self.list {
            d.occurrences.shrink_to_fit();
            if let Some(fix) = d.fix.as_mut() {
                fix.edits.shrink_to_fit();
                fix.ops.shrink_to_fit();
            }
        }
        self.list
    }
}

/// A rule's identity and its check. `check` is `None` for a rule that another stage reports
/// (MB001 comes from the parser).
pub struct Rule {
    /// The stable code: `MB102`.
    pub code: &'static str,
    /// The kebab-case name: `worker-bitness-mismatch`.
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The rule's document (`rules/<CODE>.md`).
    pub doc: &'static str,
    pub check: Option<Check>,
}

impl Rule {
    /// A finding of this rule, at its default severity.
    pub fn diagnostic(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.severity, span, message)
    }
}

macro_rules! rule_doc {
    ($code:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, ".md"))
    };
}
pub(crate) use rule_doc;

/// Every rule, by code.
pub static RULES: &[&Rule] = &[
    &malformed_metabase::RULE,
    &invalid_property_value::RULE,
    &duplicate_location::RULE,
    &edit_while_running_unsafe::RULE,
    &property_name_case::RULE,
    &unknown_property::RULE,
    &mixed_bitness::RULE,
    &worker_bitness_mismatch::RULE,
    &unsupported_architecture::RULE,
    &no_working_mode::RULE,
    &misplaced_enable32bit::RULE,
    &worker_isolation_required::RULE,
    &platform_unknown::RULE,
    &conflicting_evidence::RULE,
    &raw_data_filter::RULE,
    &image_not_found::RULE,
    &invalid_image::RULE,
    &missing_isapi_exports::RULE,
    &unexpanded_variable::RULE,
    &unresolvable_path::RULE,
    &ambiguous_path::RULE,
    &missing_dependency::RULE,
    &missing_function::RULE,
    &dependency_beside_dll::RULE,
    &delay_load_missing::RULE,
    &dependencies_not_judged::RULE,
    &filter_not_defined::RULE,
    &filter_not_in_load_order::RULE,
    &duplicate_filter::RULE,
    &filter_order::RULE,
    &extension_prohibited::RULE,
    &unknown_dependency_group::RULE,
    &fastcgi_misconfigured::RULE,
    &mixed_aspnet_versions::RULE,
    &undefined_app_pool::RULE,
    &extensionless_url_unmapped::RULE,
    &drift::PLATFORM_DRIFT,
    &drift::ISOLATION_DRIFT,
    &drift::WORKER_BITNESS_DRIFT,
    &drift::ISAPI_SET_DRIFT,
    &drift::FILTER_ORDER_DRIFT,
    &drift::IMAGE_DRIFT,
    &drift::IMAGE_VERSION_DRIFT,
    &drift::LOCKDOWN_DRIFT,
];

/// Whether an image exports an ISAPI extension entry point, by its plain or stdcall-decorated name.
pub fn exports_an_extension_entry(info: &ImageInfo) -> bool {
    ["GetExtensionVersion", "HttpExtensionProc"]
        .iter()
        .any(|name| info.exports(name) || missing_isapi_exports::decorated(info, name).is_some())
}

/// The cause of a per-entry finding: the DLL in its role. The places that name one DLL in one role
/// are one finding (one decision fixes them all).
pub fn cause_of(entry: &IsapiRef) -> std::sync::Arc<str> {
    std::sync::Arc::from(format!("{}|{}", entry.role.describe(), entry.path))
}

/// `C:\WINDOWS\system32\x.dll (opened as C:\WINDOWS\SysWOW64\x.dll by a 32-bit worker)`, or the
/// path alone when redirection did not change it.
pub fn opened_as(configured: &str, effective: &crate::winpath::WinPath, redirected: bool, worker: Bitness) -> String {
    if redirected {
        format!("`{configured}` (opened as `{effective}` by a {worker} worker)")
    } else {
        format!("`{configured}`")
    }
}

/// The rule with this code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Runs every enabled rule that has a check over one metabase; findings sorted by position, then code.
pub fn run(ctx: &Context<'_>, enabled: impl Fn(&str) -> bool + Sync) -> Vec<Diagnostic> {
    let checks = |second: bool| {
        RULES
            .iter()
            .filter(move |rule| SECOND_THREAD.contains(&rule.code) == second)
            .filter_map(|rule| rule.check.filter(|_| enabled(rule.code)))
    };
    // The rules that walk every key and consult no plan run on a second thread, with a context of
    // their own (the caches are per context); the rest, and the plan, on this one.
    let (mut out, second) = std::thread::scope(|scope| {
        let own = ctx.fresh();
        let second = scope.spawn(move || {
            let mut findings = Findings::new(own.keep);
            for check in checks(true) {
                check(&own, &mut findings);
            }
            findings.into_vec()
        });
        let mut findings = Findings::new(ctx.keep);
        for check in checks(false) {
            check(ctx, &mut findings);
        }
        (findings.into_vec(), second.join())
    });
    match second {
        Ok(second) => out.extend(second),
        Err(panic) => std::panic::resume_unwind(panic),
    }
    crate::rules::plan::attach(ctx, &mut out);
    // Each rule runs whole on one thread, and the sort is stable: the order is the same however the
    // threads were scheduled.
    out.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    out
}

/// Whether a place of a finding counts (see [`Context::keep`]); shared by the threads of a run.
pub type Keep<'a> = dyn Fn(&str, Option<&str>) -> bool + Sync + 'a;

/// The rules [`run`] gives a thread of their own: each reads every key (MB002 every value) and
/// none consults the plan, so the two threads share nothing but the model.
const SECOND_THREAD: &[&str] = &["MB002", "MB501", "MB502"];

/// Findings named in words, as MB107 and MB005 list what one reading gives and another does not:
/// `MB102 for `C:\x.dll` (9 places), MB201, 2 more` — code, what (left out when empty or longer
/// than 120 characters), and the number of places when more than one; the first `shown`, then how
/// many more.
pub(crate) fn findings_in_words<'a>(
    findings: impl ExactSizeIterator<Item = (&'a str, &'a str, usize)>,
    shown: usize,
) -> String {
    let total = findings.len();
    let mut items: Vec<String> = findings
        .take(shown)
        .map(|(code, what, n)| {
            let what = if what.is_empty() || what.len() > 120 {
                String::new()
            } else {
                format!(" for `{what}`")
            };
            let times = if n > 1 { format!(" ({n} places)") } else { String::new() };
            format!("{code}{what}{times}")
        })
        .collect();
    if total > shown {
        items.push(format!("{} more", total - shown));
    }
    items.join(", ")
}

/// Metabases and contexts for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Context;
    use crate::lint::{Options, lint_metabase};
    use crate::metabase::server::ServerConfig;
    use crate::metabase::{SourceFile, parse};
    use crate::platform::Platform;
    use crate::resolve::deps::Dependencies;

    /// A metabase of a server in worker process isolation mode with 32-bit workers (64-bit ones
    /// without `enable32` on 64-bit Windows): `service`, more attributes of /LM/W3SVC (each line
    /// ending in CRLF), and `keys`, more keys.
    pub fn server(enable32: bool, service: &str, keys: &str) -> String {
        format!(
            "<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n{service}\t>\r\n</IIsWebService>\r\n{keys}<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"{}\"\r\n\t>\r\n</IIsApplicationPools>\r\n</MBProperty>\r\n</configuration>\r\n",
            if enable32 { "TRUE" } else { "FALSE" }
        )
    }

    /// Site `site`'s root at folder `path`, with `attrs`, more attributes (each line ending in CRLF).
    pub fn root(site: u32, path: &str, attrs: &str) -> String {
        format!(
            "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{site}/ROOT\"\r\n\t\tAppRoot=\"/LM/W3SVC/{site}/ROOT\"\r\n{attrs}\t\tPath=\"{path}\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n"
        )
    }

    /// The findings of rule `code` when mblint lints `text` as a metabase of x86 (one 32-bit
    /// worker), with no drive.
    pub fn findings_on_x86(text: &str, code: &str) -> Vec<crate::diagnostic::Diagnostic> {
        let mb = parse(SourceFile::from_text("m.xml", text)).unwrap();
        let options = Options {
            platform: Some(Platform::X86),
            ..Options::default()
        };
        lint_metabase(&mb, &options)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == code)
            .collect()
    }

    /// `f` with the context of mblint's first run of the rules over `text`, on x64 with no drive.
    pub fn with_context<T>(text: &str, f: impl FnOnce(&Context<'_>) -> T) -> T {
        with_deps(text, None, f)
    }

    /// [`with_context`], the context given `deps` as the entries' dependency closures.
    pub fn with_deps<T>(text: &str, deps: Option<&Dependencies>, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let mb = parse(SourceFile::from_text("m.xml", text)).unwrap();
        let options = Options {
            platform: Some(Platform::X64),
            ..Options::default()
        };
        let linted = lint_metabase(&mb, &options);
        let server = ServerConfig::of(&mb);
        let keep = |_: &str, _: Option<&str>| true;
        let ctx = Context::new(
            &mb,
            &linted.isapi,
            &server,
            linted.workers[0],
            None,
            None,
            &linted.model,
            &keep,
        )
        .with_deps(deps);
        f(&ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Context::place` takes the strings of the place before only for the same key and property:
    /// two entries of one key (/LM/W3SVC's ScriptMaps, then its restriction list's WebDAV entry)
    /// one after the other each get their own property's name.
    #[test]
    fn a_place_of_the_same_key_and_another_property_gets_its_own_name() {
        let service = "\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET\"\r\n\t\tWebSvcExtRestrictionList=\"1,C:\\WINDOWS\\system32\\inetsrv\\httpext.dll,0,WEBDAV,WebDAV\"\r\n";
        testing::with_context(&testing::server(true, service, ""), |ctx| {
            let (mb, entries) = (ctx.metabase, &ctx.isapi.entries);
            assert_eq!(entries.len(), 2, "{entries:?}");
            assert_eq!(entries[0].key, entries[1].key);
            assert_ne!(entries[0].attr, entries[1].attr);
            for order in [[0, 1], [1, 0], [0, 0], [1, 1]] {
                for i in order {
                    let e = &entries[i];
                    assert_eq!(ctx.place(e), place(mb, e.key, e.attr, e.span));
                }
            }
            let places: Vec<_> = entries.iter().map(|e| ctx.place(e)).collect();
            assert_eq!(
                places.iter().map(|p| p.attribute().unwrap()).collect::<Vec<_>>(),
                ["ScriptMaps", "WebSvcExtRestrictionList"]
            );
        });
    }

    /// A place joins the first finding of its rule and cause whose fix has the same words, whatever
    /// the lookup before it found: findings of one cause with other words are not joined.
    #[test]
    fn a_place_joins_the_finding_of_its_cause_with_the_same_words() {
        let keep = |_: &str, _: Option<&str>| true;
        let mut findings = Findings::new(&keep);
        let cause: Arc<str> = Arc::from("cause");
        let fix = |words: &str| Some(Fix::new(Applicability::Safe, words));
        let finding = |words: &str| {
            dependencies_not_judged::RULE
                .diagnostic(Span::new(0, 1), "m")
                .cause(cause.clone())
                .fix(fix(words))
        };
        let code = dependencies_not_judged::RULE.code;
        let at = |n: u32| move || Occurrence::new(Span::new(n as usize, n as usize + 1), None, None, None);
        findings.push(finding("one"));
        assert!(matches!(findings.join(code, &cause, fix("one"), at(1)), Joined::Yes));
        // The lookup before found the first finding: a place with other words does not join it.
        assert!(matches!(
            findings.join(code, &cause, fix("two"), at(2)),
            Joined::No(Some(_))
        ));
        assert!(matches!(findings.join(code, &cause, None, at(3)), Joined::No(None)));
        findings.push(finding("two"));
        assert!(matches!(findings.join(code, &cause, fix("two"), at(4)), Joined::Yes));
        assert!(matches!(findings.join(code, &cause, fix("one"), at(5)), Joined::Yes));
        assert!(matches!(findings.join(code, &cause, fix("two"), at(6)), Joined::Yes));
        let other: Arc<str> = Arc::from("cause");
        assert!(matches!(findings.join(code, &other, fix("one"), at(7)), Joined::Yes));
        let list = findings.into_vec();
        let spans = |d: &Diagnostic| d.occurrences.iter().map(|o| o.span.start).collect::<Vec<_>>();
        assert_eq!(list.len(), 2);
        assert_eq!(spans(&list[0]), [1, 5, 7]);
        assert_eq!(spans(&list[1]), [4, 6]);
    }

    /// A place's edits and operations join its finding's fix each once: an edit is the same when
    /// its span and content are, another content at the same span is another edit; an operation
    /// the same when it is equal. A place that needs a restart makes the fix need one.
    #[test]
    fn a_place_adds_its_edits_and_operations_to_the_fix_each_once() {
        let keep = |_: &str, _: Option<&str>| true;
        let mut findings = Findings::new(&keep);
        let cause: Arc<str> = Arc::from("cause");
        let code = dependencies_not_judged::RULE.code;
        let edit = |at: usize, content: &str| Edit {
            span: Span::new(at, at + 2),
            content: content.to_string(),
        };
        let set = |property: &str| MetabaseOp::Set {
            location: "/LM/W3SVC".to_string(),
            property: property.to_string(),
        };
        let mut fix = Fix::new(Applicability::Safe, "fix");
        fix.edits.push(edit(0, "a"));
        fix.ops.push(set("A"));
        findings.push(
            dependencies_not_judged::RULE
                .diagnostic(Span::new(0, 1), "m")
                .cause(cause.clone())
                .fix(Some(fix)),
        );
        let at = |n: usize| move || Occurrence::new(Span::new(n, n + 1), None, None, None);
        let words = (Applicability::Safe, "fix");
        let parts = |edits: Vec<Edit>, ops: Vec<MetabaseOp>| Some((words, (edits, ops)));
        // The finding's own edit and operation again, with a new one of each.
        assert!(findings.join_with(
            code,
            &cause,
            parts(vec![edit(0, "a"), edit(4, "b")], vec![set("A"), set("B")]),
            at(1)
        ));
        // The new ones again and another content at the new edit's span; then a place whose fix is
        // the finding's (`join_same_fix`: nothing of it copied).
        assert!(findings.join_with(
            code,
            &cause,
            parts(vec![edit(4, "b"), edit(4, "c")], vec![set("B")]),
            at(2)
        ));
        assert!(findings.join_same_fix(code, &cause, Some(&Fix::new(Applicability::Safe, "fix")), at(3)));
        let list = findings.into_vec();
        assert_eq!(list.len(), 1);
        let fix = list[0].fix.as_ref().unwrap();
        assert_eq!(fix.edits, [edit(0, "a"), edit(4, "b"), edit(4, "c")]);
        assert_eq!(fix.ops, [set("A"), set("B")]);
        assert!(!fix.restart);
        assert_eq!(
            list[0].occurrences.iter().map(|o| o.span.start).collect::<Vec<_>>(),
            [1, 2, 3]
        );

        // A place whose fix needs a restart (`join`, with the whole fix) makes the finding's fix
        // need one; a later place that does not leaves it so.
        let mut findings = Findings::new(&keep);
        findings.push(
            dependencies_not_judged::RULE
                .diagnostic(Span::new(0, 1), "m")
                .cause(cause.clone())
                .fix(Some(Fix::new(Applicability::Safe, "fix"))),
        );
        let mut restart = Fix::new(Applicability::Safe, "fix");
        restart.restart = true;
        assert!(matches!(findings.join(code, &cause, Some(restart), at(1)), Joined::Yes));
        assert!(matches!(
            findings.join(code, &cause, Some(Fix::new(Applicability::Safe, "fix")), at(2)),
            Joined::Yes
        ));
        assert!(findings.into_vec()[0].fix.as_ref().unwrap().restart);
    }

    /// `%windir%` is certain when declared or read from the drive, not when inferred from the
    /// metabase or assumed.
    #[test]
    fn windir_is_certain_when_declared_or_read_from_the_drive() {
        use crate::host::Source;
        testing::with_context(&testing::server(true, "", ""), |ctx| {
            for (source, certain) in [
                (Source::Declared, true),
                (Source::Drive, true),
                (Source::Metabase, false),
                (Source::Default, false),
            ] {
                let mut model = ctx.model.clone();
                model.windir.source = source;
                let ctx = Context::new(
                    ctx.metabase,
                    ctx.isapi,
                    ctx.server,
                    ctx.worker,
                    None,
                    None,
                    &model,
                    ctx.keep,
                );
                assert_eq!(ctx.windir().1, certain, "{source:?}");
                assert_eq!(ctx.windir().0, &model.windir.value);
            }
        });
    }

    /// Without a drive, a run that stands for x64 and IA64 alike says so; a run with a drive, or
    /// with one platform (or a set that is not all 64-bit) left open, names its own.
    #[test]
    fn the_platform_is_named_for_both_64bit_platforms_only_without_a_drive_and_with_both_open() {
        use crate::platform::{Platform, Platforms};
        let images = crate::resolve::images::Images {
            current: Vec::new(),
            viable: Vec::new(),
        };
        testing::with_context(&testing::server(true, "", ""), |ctx| {
            for (open, drive, said) in [
                (Platforms::WIN64, false, "64-bit Windows (x64 or IA64)"),
                (Platforms::WIN64, true, "x64 Windows"),
                (Platforms::only(Platform::X64), false, "x64 Windows"),
                (Platforms::ANY, false, "x64 Windows"),
            ] {
                let mut model = ctx.model.clone();
                model.platform.value = open;
                let ctx = Context::new(
                    ctx.metabase,
                    ctx.isapi,
                    ctx.server,
                    ctx.worker,
                    drive.then_some(&images),
                    None,
                    &model,
                    ctx.keep,
                );
                assert_eq!(ctx.worker.platform, Platform::X64);
                assert_eq!(ctx.platform_name(), said, "{open:?}, drive {drive}");
            }
        });
    }

    /// The line of a place is counted only when the place starts in the property's value (from
    /// its start to its end, both included).
    #[test]
    fn a_value_line_is_counted_only_inside_the_value() {
        let service =
            "\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET\r\n\t\t\t.x,C:\\x.dll,5,GET\"\r\n";
        testing::with_context(&testing::server(true, service, ""), |ctx| {
            let (mb, entries) = (ctx.metabase, &ctx.isapi.entries);
            let attr = entries[1].attr;
            let value = mb.attr(attr).value;
            let at = |n: u32| Span::new(n as usize, n as usize + 1);
            assert_eq!(value_line(mb, attr, entries[1].span), Some(1));
            assert_eq!(value_line(mb, attr, at(value.start)), Some(0));
            assert_eq!(value_line(mb, attr, at(value.end)), Some(1));
            assert_eq!(value_line(mb, attr, at(value.start - 1)), None);
            assert_eq!(value_line(mb, attr, at(value.end + 1)), None);
            assert_eq!(value_line(mb, attr, at(0)), None);
        });
    }

    /// `opened_as` names the path the worker opens only when redirection changed it.
    #[test]
    fn a_path_is_said_as_opened_only_when_redirected() {
        let effective = crate::winpath::parse(r"C:\WINDOWS\SysWOW64\x.dll").unwrap();
        assert_eq!(
            opened_as(r"C:\WINDOWS\system32\x.dll", &effective, true, Bitness::Bits32),
            r"`C:\WINDOWS\system32\x.dll` (opened as `C:\WINDOWS\SysWOW64\x.dll` by a 32-bit worker)"
        );
        assert_eq!(
            opened_as(r"C:\x.dll", &effective, false, Bitness::Bits32),
            r"`C:\x.dll`"
        );
    }

    /// What MB107 and MB005 list: the what left out when empty or longer than 120 characters, the
    /// places counted from two, and the findings past `shown` counted.
    #[test]
    fn findings_in_words_leave_out_long_whats_and_count_places_and_the_rest() {
        let long = "x".repeat(121);
        let fits = "y".repeat(120);
        let list = [
            ("MB102", r"C:\x.dll", 1),
            ("MB201", "", 2),
            ("MB203", long.as_str(), 3),
            ("MB204", fits.as_str(), 0),
            ("MB205", "z", 9),
        ];
        assert_eq!(
            findings_in_words(list.iter().copied(), 4),
            format!("MB102 for `C:\\x.dll`, MB201 (2 places), MB203 (3 places), MB204 for `{fits}`, 1 more")
        );
        assert_eq!(
            findings_in_words(list[..4].iter().copied(), 4).matches("more").count(),
            0
        );
        assert_eq!(findings_in_words(list[..1].iter().copied(), 1), "MB102 for `C:\\x.dll`");
    }

    /// A DLL exports an extension entry point by a plain name (`isapi-extension.dll`,
    /// `isapi-filter-extension.dll`), not a filter's only (`isapi-filter.dll`, `no-isapi.dll`).
    #[test]
    fn an_image_exports_an_extension_entry_by_its_plain_name() {
        let image = |name: &str| {
            let path = format!("{}/testdata/images/x86/{name}", env!("CARGO_MANIFEST_DIR"));
            crate::resolve::pe::classify(&std::fs::read(path).unwrap()).unwrap()
        };
        for (name, exports) in [
            ("isapi-extension.dll", true),
            ("isapi-filter-extension.dll", true),
            ("isapi-filter.dll", false),
            ("no-isapi.dll", false),
        ] {
            assert_eq!(exports_an_extension_entry(&image(name)), exports, "{name}");
        }
    }

    /// Filters in an execute folder on a drive copy (x86): `f.dll` a filter only, `c.dll` a
    /// connector (a filter that exports the extension's entry points too), `m.dll` missing; and a
    /// script map's `n.dll`, which exports neither. Each filter's twin, called by URL, is judged as
    /// the filter (MB201 once, on the filter); the restriction list, which prohibits every DLL it
    /// does not name, governs the twins a URL runs as an extension (the connector's, the missing
    /// one's, whose image shows nothing otherwise) and not the filter's only; MB203 reads the
    /// images that were read.
    #[test]
    fn a_filter_in_an_execute_folder_is_judged_as_a_filter_and_an_extension_only_when_it_exports_one() {
        let dir = tempfile::tempdir().unwrap();
        let inetsrv = dir.path().join("WINDOWS/system32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        let filters = concat!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"f,c,m\"\r\n\t>\r\n</IIsFilters>\r\n",
            "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/f\"\r\n\t\tFilterPath=\"C:\\Conn\\f.dll\"\r\n\t>\r\n</IIsFilter>\r\n",
            "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/c\"\r\n\t\tFilterPath=\"C:\\Conn\\c.dll\"\r\n\t>\r\n</IIsFilter>\r\n",
            "<IIsFilter\tLocation =\"/LM/W3SVC/Filters/m\"\r\n\t\tFilterPath=\"C:\\Conn\\m.dll\"\r\n\t>\r\n</IIsFilter>\r\n",
        );
        let keys = format!(
            "{}{filters}",
            testing::root(
                1,
                "C:\\Conn",
                "\t\tAccessFlags=\"AccessRead | AccessExecute\"\r\n\t\tScriptMaps=\".n,C:\\Conn\\n.dll,5,GET\"\r\n"
            )
        );
        let service = "\t\tWebSvcExtRestrictionList=\"0,*.dll\"\r\n";
        std::fs::write(inetsrv.join("MetaBase.xml"), testing::server(false, service, &keys)).unwrap();
        let conn = dir.path().join("Conn");
        std::fs::create_dir_all(&conn).unwrap();
        for (name, image) in [
            ("f.dll", "isapi-filter.dll"),
            ("c.dll", "isapi-filter-extension.dll"),
            ("n.dll", "no-isapi.dll"),
        ] {
            let from = format!("{}/testdata/images/x86/{image}", env!("CARGO_MANIFEST_DIR"));
            std::fs::copy(from, conn.join(name)).unwrap();
        }
        let options = crate::lint::Options {
            platform: Some(crate::platform::Platform::X86),
            ..Default::default()
        };
        let report = crate::lint::lint_path(dir.path(), &options).unwrap();
        // Each finding's rule, Location and subject (what its message says before the DLL).
        let said: Vec<(&str, &str, &str)> = report
            .diagnostics
            .iter()
            .filter(|d| ["MB201", "MB203", "MB401"].contains(&d.code))
            .map(|d| {
                let subject = d.message.split(" `").next().unwrap();
                (d.code, d.location.as_deref().unwrap(), subject)
            })
            .collect();
        let root = "/LM/W3SVC/1/ROOT";
        assert_eq!(
            said,
            [
                ("MB203", root, "script map extension for"),
                ("MB401", root, "script map extension for"),
                (
                    "MB401",
                    "/LM/W3SVC/Filters/c",
                    "ISAPI extension called by URL (site 1: /c.dll) runs"
                ),
                ("MB201", "/LM/W3SVC/Filters/m", "global ISAPI filter"),
                (
                    "MB401",
                    "/LM/W3SVC/Filters/m",
                    "ISAPI extension called by URL (site 1: /m.dll) runs"
                ),
            ],
            "{:#?}",
            report.diagnostics
        );
    }

    #[test]
    fn path_lists_sort_once_per_distinct_path_and_keep_the_first_spelling() {
        let shared: Arc<str> = r"C:\x\B.dll".into();
        let paths = [
            &*shared,
            r"c:\x\a.dll",
            &*shared,
            r"C:\X\A.DLL",
            r"C:\x\c.dll",
            &*shared,
        ];
        assert_eq!(
            path_list(paths, 2, false),
            (3, r"`c:\x\a.dll`, `C:\x\B.dll` and 1 more".to_string())
        );
        assert_eq!(path_list(paths, 5, true), (3, "`a.dll`, `B.dll`, `c.dll`".to_string()));
        assert_eq!(path_list([], 3, false), (0, String::new()));
    }

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(a.code.len() == 5 && a.code.starts_with("MB") && a.code[2..].bytes().all(|b| b.is_ascii_digit()));
            assert!(
                a.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            for b in &RULES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn every_rule_has_a_document_and_every_document_a_rule() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut documented: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|name| name.strip_suffix(".md").map(str::to_string))
            .filter(|name| name.starts_with("MB"))
            .collect();
        documented.sort();
        let mut codes: Vec<String> = RULES.iter().map(|r| r.code.to_string()).collect();
        codes.sort();
        assert_eq!(documented, codes);
        for rule in RULES {
            let title = format!("# {} {}", rule.code, rule.name);
            assert!(
                rule.doc.starts_with(&title),
                "rules/{}.md must start with `{title}`",
                rule.code
            );
            for section in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(rule.doc.contains(section), "rules/{}.md lacks `{section}`", rule.code);
            }
        }
    }

    #[test]
    fn codes_are_pinned() {
        let listing: Vec<String> = RULES
            .iter()
            .map(|r| format!("{} {} {}", r.code, r.name, r.severity.as_str()))
            .collect();
        assert_eq!(
            listing,
            [
                "MB001 malformed-metabase error",
                "MB002 invalid-property-value warning",
                "MB003 duplicate-location warning",
                "MB004 edit-while-running-unsafe warning",
                "MB005 property-name-case warning",
                "MB006 unknown-property warning",
                "MB101 mixed-bitness error",
                "MB102 worker-bitness-mismatch error",
                "MB103 unsupported-architecture error",
                "MB104 no-working-mode error",
                "MB105 misplaced-enable32bit warning",
                "MB106 32bit-needs-worker-isolation warning",
                "MB107 platform-unknown warning",
                "MB108 conflicting-evidence warning",
                "MB109 raw-data-filter-in-worker-isolation error",
                "MB201 image-not-found error",
                "MB202 invalid-image error",
                "MB203 missing-isapi-exports error",
                "MB204 unexpanded-variable warning",
                "MB205 unresolvable-path info",
                "MB206 ambiguous-path warning",
                "MB207 missing-dependency error",
                "MB208 missing-function error",
                "MB209 dependency-beside-dll warning",
                "MB210 delay-load-missing warning",
                "MB211 dependencies-not-judged info",
                "MB301 filter-not-defined error",
                "MB302 filter-not-in-load-order warning",
                "MB303 duplicate-filter warning",
                "MB304 security-filter-after-rewriter warning",
                "MB401 extension-prohibited info",
                "MB402 unknown-dependency-group warning",
                "MB403 fastcgi-misconfigured error",
                "MB501 mixed-aspnet-versions error",
                "MB502 undefined-app-pool error",
                "MB503 extensionless-url-unmapped error",
                "MB601 platform-drift error",
                "MB602 isolation-mode-drift error",
                "MB603 worker-bitness-drift error",
                "MB604 isapi-set-drift error",
                "MB605 filter-order-drift warning",
                "MB606 image-drift error",
                "MB607 image-version-drift warning",
                "MB608 lockdown-drift error",
            ]
        );
    }
}
