//! The rule registry: one entry per rule, each rule in its own module with its document in
//! `rules/<CODE>.md` (embedded in the binary).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::bitness::Bitness;
use crate::diagnostic::{Diagnostic, Evidence, Fix, MetabaseOp, Occurrence, Severity};
use crate::metabase::isapi::{IsapiRef, IsapiSet, Role, WorkerBitness};
use crate::metabase::server::ServerConfig;
use crate::metabase::{AttrId, KeyId, Metabase, Span};
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

// One module a rule.
pub mod conflicting_evidence;
// The MB6xx family: drift between nodes, reported by `mblint compare` (no per-file check).
pub mod drift;
pub mod duplicate_filter;
pub mod duplicate_location;
pub mod edit_while_running_unsafe;
pub mod extension_prohibited;
pub mod filter_not_defined;
pub mod filter_not_in_load_order;
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
pub mod undefined_app_pool;
pub mod unexpanded_variable;
pub mod unknown_dependency_group;
pub mod unresolvable_path;
pub mod unsupported_architecture;
pub mod worker_bitness_mismatch;
pub mod worker_isolation_required;

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
    /// `--worker-bitness`: the bitness the planner must aim for.
    pub forced_bitness: Option<Bitness>,
    /// The server's platform, isolation mode and Windows folder, with their evidence. Verdicts are
    /// worked out for one platform at a time (`worker.platform`), each one the model leaves open.
    pub model: &'a crate::host::ServerModel,
    pub(crate) plan: std::cell::OnceCell<Option<crate::rules::plan::Plan>>,
    /// Whether a place of a finding counts: false under a Location the configuration ignores the
    /// rule at (`[[per-location]]`). Asked once per place, as the rules report it.
    pub keep: &'a dyn Fn(&str, Option<&str>) -> bool,
    /// The cause of each distinct (role, DLL), once: see [`Context::cause`].
    pub(crate) causes: std::cell::RefCell<HashMap<(Role, usize), Arc<str>>>,
    /// The repoint fix's words per distinct (DLL, target): see [`plan::repoint_fix`].
    pub(crate) repoint_words: std::cell::RefCell<HashMap<usize, Vec<(String, plan::RepointWords)>>>,
}

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
        keep: &'a dyn Fn(&str, Option<&str>) -> bool,
    ) -> Context<'a> {
        Context {
            metabase,
            isapi,
            server,
            worker,
            images,
            forced_bitness,
            model,
            plan: Default::default(),
            keep,
            causes: Default::default(),
            repoint_words: Default::default(),
        }
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

/// `a`, `b`, `c` and 2 more: paths sorted and de-duplicated case-insensitively, at most `limit`
/// shown, each as its file name or in full. Returns how many distinct paths there are, and the list.
pub fn path_list<'a>(paths: impl IntoIterator<Item = &'a str>, limit: usize, file_names: bool) -> (usize, String) {
    let mut paths: Vec<&str> = paths.into_iter().collect();
    paths.sort_unstable_by_key(|p| p.to_ascii_lowercase());
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

impl Context<'_> {
    /// The cause of a per-entry finding: the DLL in its role ([`cause_of`]), made once per distinct
    /// pair: paths are shared, so a path's address names it.
    pub fn cause(&self, entry: &IsapiRef) -> Arc<str> {
        self.causes
            .borrow_mut()
            .entry((entry.role, entry.path.as_ptr() as usize))
            .or_insert_with(|| cause_of(entry))
            .clone()
    }

    /// The place an entry names: its span, key, property and value line.
    pub fn place(&self, entry: &IsapiRef) -> Occurrence {
        place(self.metabase, entry.key, entry.attr, entry.span)
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
    /// building its evidence: what a rule asks of every one of a million entries.
    pub fn bits(&self, index: usize) -> Option<Bitness> {
        if let Some(images) = self.images {
            match &*images.current[index] {
                Resolution::Resolved {
                    found: Found::Image { image, .. },
                    ..
                } => return image.as_ref().as_ref().ok()?.bitness_on(self.worker.platform),
                Resolution::Resolved { .. } => return None,
                Resolution::Unresolvable(_) => {}
            }
        }
        self.isapi.entries[index].evidence.map(|e| e.bitness)
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
        let e = entry.evidence?;
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
    let value = mb.attr(attr).value;
    Occurrence {
        span,
        location: Some(mb.location(key).into_owned()),
        attribute: Some(mb.attr_name(attr).into_owned()),
        value_line: (value.start <= span.start && span.start <= value.end).then(|| {
            let before = &mb.text().as_bytes()[value.start as usize..span.start as usize];
            memchr::memchr_iter(b'\n', before).count() as u32
        }),
    }
}

/// A grouped finding's fix's edits by span (indexes into its edits) and its operations.
type MergedFix = (HashMap<(u32, u32), Vec<usize>>, HashSet<MetabaseOp>);

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
    causes: HashMap<(&'static str, Arc<str>), Vec<usize>>,
    /// By finding, its fix's edits by span (indexes into the edits) and its operations: joining a
    /// place's fix is a lookup, so a cause at 100,000 places stays linear.
    merged: HashMap<usize, MergedFix>,
}

impl<'c> Findings<'c> {
    pub fn new(keep: &'c dyn Fn(&str, Option<&str>) -> bool) -> Findings<'c> {
        Findings {
            list: Vec::new(),
            keep,
            causes: HashMap::new(),
            merged: HashMap::new(),
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
        let Some(i) = self.finding_of(code, cause, fix.as_ref()) else {
            return Joined::No(fix);
        };
        let place = place();
        if !(self.keep)(code, place.location.as_deref()) {
            return Joined::Yes;
        }
        self.list[i].occurrences.push(place);
        if let Some(from) = fix {
            self.merge_fix(i, from);
        }
        Joined::Yes
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
        let Some(i) = self.finding_of(code, cause, fix) else {
            return false;
        };
        let place = place();
        if (self.keep)(code, place.location.as_deref()) {
            self.list[i].occurrences.push(place);
        }
        true
    }

    /// The finding of rule `code` for `cause` whose fix has the kind and words of `fix`.
    fn finding_of(&self, code: &'static str, cause: &Arc<str>, fix: Option<&Fix>) -> Option<usize> {
        let candidates = self.causes.get(&(code, cause.clone()))?;
        let key = fix.map(|f| (f.applicability, f.message.as_str()));
        candidates
            .iter()
            .copied()
            .find(|&i| self.list[i].fix.as_ref().map(|f| (f.applicability, f.message.as_str())) == key)
    }

    /// Adds a joining place's edits and operations to finding `i`'s fix, each once.
    fn merge_fix(&mut self, i: usize, from: Fix) {
        let Some(into) = self.list[i].fix.as_mut() else { return };
        let (edits, ops) = self.merged.entry(i).or_insert_with(|| {
            let mut by_span: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
            for (j, e) in into.edits.iter().enumerate() {
                by_span.entry((e.span.start, e.span.end)).or_default().push(j);
            }
            (by_span, into.ops.iter().cloned().collect())
        });
        for e in from.edits {
            let same = edits.entry((e.span.start, e.span.end)).or_default();
            if !same.iter().any(|&j| into.edits[j].content == e.content) {
                same.push(into.edits.len());
                into.edits.push(e);
            }
        }
        for op in from.ops {
            if !ops.contains(&op) {
                ops.insert(op.clone());
                into.ops.push(op);
            }
        }
        into.restart |= from.restart;
    }

    /// The findings so far, in the order reported.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.list
    }

    pub fn as_mut_slice(&mut self) -> &mut [Diagnostic] {
        &mut self.list
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
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
    &mixed_bitness::RULE,
    &worker_bitness_mismatch::RULE,
    &unsupported_architecture::RULE,
    &no_working_mode::RULE,
    &misplaced_enable32bit::RULE,
    &worker_isolation_required::RULE,
    &platform_unknown::RULE,
    &conflicting_evidence::RULE,
    &image_not_found::RULE,
    &invalid_image::RULE,
    &missing_isapi_exports::RULE,
    &unexpanded_variable::RULE,
    &unresolvable_path::RULE,
    &filter_not_defined::RULE,
    &filter_not_in_load_order::RULE,
    &duplicate_filter::RULE,
    &extension_prohibited::RULE,
    &unknown_dependency_group::RULE,
    &mixed_aspnet_versions::RULE,
    &undefined_app_pool::RULE,
    &drift::PLATFORM_DRIFT,
    &drift::ISOLATION_DRIFT,
    &drift::WORKER_BITNESS_DRIFT,
    &drift::ISAPI_SET_DRIFT,
    &drift::FILTER_ORDER_DRIFT,
    &drift::IMAGE_DRIFT,
    &drift::IMAGE_VERSION_DRIFT,
    &drift::LOCKDOWN_DRIFT,
];

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
pub fn run(ctx: &Context<'_>, enabled: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut findings = Findings::new(ctx.keep);
    for rule in RULES {
        if let Some(check) = rule.check.filter(|_| enabled(rule.code)) {
            check(ctx, &mut findings);
        }
    }
    crate::rules::plan::attach(ctx, findings.as_mut_slice());
    let mut out = findings.into_vec();
    out.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
                "MB101 mixed-bitness error",
                "MB102 worker-bitness-mismatch error",
                "MB103 unsupported-architecture error",
                "MB104 no-working-mode error",
                "MB105 misplaced-enable32bit warning",
                "MB106 32bit-needs-worker-isolation warning",
                "MB107 platform-unknown warning",
                "MB108 conflicting-evidence warning",
                "MB201 image-not-found error",
                "MB202 invalid-image error",
                "MB203 missing-isapi-exports error",
                "MB204 unexpanded-variable warning",
                "MB205 unresolvable-path info",
                "MB301 filter-not-defined error",
                "MB302 filter-not-in-load-order warning",
                "MB303 duplicate-filter warning",
                "MB401 extension-prohibited info",
                "MB402 unknown-dependency-group warning",
                "MB501 mixed-aspnet-versions error",
                "MB502 undefined-app-pool error",
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
