//! The bitness planner: which worker bitness lets every ISAPI DLL load, and with which repoints.
//!
//! For each bitness the server can run ISAPI DLLs in, every DLL of the ISAPI set either loads as
//! configured (after WOW64 redirection), or can be repointed to its counterpart of that bitness, or
//! rules the bitness out. Counterparts come from the drive when one is mapped (a verified image of the
//! right bitness) and otherwise from `rules/components.toml`. The plan is the bitness needing the
//! fewest edits (the current one on a tie), or none when neither works (MB104) or nothing is wrong.
//!
//! Which bitnesses are open depends on the server: on 32-bit Windows only 32-bit; on 64-bit Windows
//! in worker process isolation mode both, by Enable32BitAppOnWin64; in IIS 5.0 isolation mode the
//! native 64-bit, or 32-bit only by switching to worker process isolation mode. A repoint to a 32-bit
//! build is never planned for a process that is 64-bit by its isolation mode.

use std::sync::OnceLock;

use serde::Deserialize;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Context;
use super::lockdown::{self, Follow};
use crate::bitness::Bitness;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::{Applicability, Edit, Fix, MetabaseOp};
use crate::fix::edit;
use crate::metabase::isapi::{APP_POOLS, IsapiRef, Role};
use crate::metabase::props;
use crate::resolve::addr::{AddrMap, addr};

/// A known component: its path pattern, the bitnesses it exists in, and its other build's pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    pub path: String,
    pub builds: Vec<u32>,
    pub counterpart: Option<String>,
    pub source: String,
}

#[derive(Deserialize)]
struct Table {
    component: Vec<Component>,
}

/// The table in `rules/components.toml`.
pub fn components() -> &'static [Component] {
    static TABLE: OnceLock<Vec<Component>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table: Table = toml::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/components.toml"
        )))
        .expect("rules/components.toml is valid (tested)");
        table.component
    })
}

fn normalised(path: &str) -> String {
    path.replace('/', "\\").to_ascii_lowercase()
}

/// The component a path belongs to.
pub fn component(path: &str) -> Option<&'static Component> {
    let path = normalised(path);
    components()
        .iter()
        .find(|c| path.contains(&c.path.to_ascii_lowercase()))
}

/// Repoint one ISAPI entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repoint {
    /// Index into the ISAPI set's entries.
    pub entry: usize,
    /// The path it is repointed to: shared by the entries that name one DLL.
    pub to: Arc<str>,
    /// Whether the drive shows an image of the right bitness at `to`.
    pub verified: bool,
}

/// A server-wide change the plan needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Flip Enable32BitAppOnWin64 at /LM/W3SVC/AppPools.
    Bitness,
    /// Leave IIS 5.0 isolation mode for worker process isolation mode, with 32-bit worker processes.
    ToWorkerIsolation32,
}

/// A way for every DLL to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub target: Bitness,
    /// The server-wide change `target` needs, if it differs from the current bitness.
    pub switch: Option<Switch>,
    pub repoints: Vec<Repoint>,
    /// Each repointed entry's index in `repoints`.
    by_entry: AddrMap<usize, usize>,
}

/// What one entry needs in a worker of one bitness.
#[derive(Clone)]
enum Need {
    Nothing,
    Repoint(Arc<str>, bool),
    Impossible,
}

fn need(ctx: &Context<'_>, index: usize, b: Bitness) -> Need {
    let entry = &ctx.isapi.entries[index];
    // A URL names the file itself: the DLL can be replaced on disk, not repointed in the metabase.
    let need = need_by_path(ctx, index, b);
    match need {
        Need::Repoint(..) if matches!(entry.role, Role::DirectUrl | Role::WebDav) => Need::Impossible,
        other => other,
    }
}

fn need_by_path(ctx: &Context<'_>, index: usize, b: Bitness) -> Need {
    let entry = &ctx.isapi.entries[index];
    if let Some(images) = ctx.images {
        // (Viability is worked out on the server's platform: on x86 nothing is 64-bit-viable.)
        let v = &images.viable[index];
        return match (v.get(b), v.get(b.other())) {
            (Some(c), _) if !c.counterpart => Need::Nothing,
            (Some(c), _) => Need::Repoint(c.path.as_str().into(), true),
            // Missing or unreadable in both bitnesses: other rules' business, not the plan's.
            (None, None) => Need::Nothing,
            (None, Some(_)) => Need::Impossible,
        };
    }
    let Some(evidence) = entry.evidence() else {
        return Need::Nothing;
    };
    if evidence.bitness == b {
        return Need::Nothing;
    }
    match component(&entry.path) {
        Some(c) if c.builds.contains(&b.bits()) => match &c.counterpart {
            Some(to) => {
                let path = normalised(&entry.path);
                let at = path.find(&c.path.to_ascii_lowercase()).expect("matched");
                let repointed = format!("{}{}{}", &entry.path[..at], to, &entry.path[at + c.path.len()..]);
                Need::Repoint(repointed.into(), false)
            }
            None => Need::Impossible,
        },
        _ => Need::Impossible,
    }
}

/// The repoints a bitness needs, or `None` if some DLL cannot load in it.
pub fn repoints_for(ctx: &Context<'_>, b: Bitness) -> Option<Vec<Repoint>> {
    let mut out = Vec::new();
    // What an entry needs follows from its path and from whether it is a URL's DLL (which cannot
    // be repointed) or a compression DLL (whose path is expanded before it is resolved): worked
    // out once per distinct path and kind, then read per entry by index.
    let distinct = ctx.distinct_paths();
    let kind = |role: Role| {
        usize::from(matches!(role, Role::DirectUrl | Role::WebDav)) * 2 + usize::from(role == Role::CompressionScheme)
    };
    let slot = |index: usize| distinct.of_entry[index] as usize * 4 + kind(ctx.isapi.entries[index].role);
    let mut needs: Vec<Option<Need>> = vec![None; distinct.paths.len() * 4];
    // Each distinct (path, role) first: when none needs a repoint, no entry is walked.
    let mut repoints = false;
    for index in distinct.representatives() {
        match needs[slot(index)].get_or_insert_with(|| need(ctx, index, b)) {
            Need::Nothing => {}
            Need::Repoint(..) => repoints = true,
            Need::Impossible => return None,
        }
    }
    if !repoints {
        return Some(out);
    }
    for index in 0..ctx.isapi.entries.len() {
        match needs[slot(index)].get_or_insert_with(|| need(ctx, index, b)) {
            Need::Nothing => {}
            Need::Repoint(to, verified) => out.push(Repoint {
                entry: index,
                to: to.clone(),
                verified: *verified,
            }),
            Need::Impossible => return None,
        }
    }
    Some(out)
}

/// The bitnesses open to the server, and the switch each needs.
pub fn targets(ctx: &Context<'_>) -> Vec<(Bitness, Option<Switch>)> {
    let current = ctx.worker.bitness;
    let w = &ctx.worker;
    if !w.platform.is_64bit() {
        vec![(Bitness::Bits32, None)]
    } else if w.iis5 {
        vec![
            (Bitness::Bits64, None),
            (Bitness::Bits32, Some(Switch::ToWorkerIsolation32)),
        ]
    } else {
        vec![(current, None), (current.other(), Some(Switch::Bitness))]
    }
}

/// The plan, if something needs doing and some bitness works. `forced` pins the target.
pub fn plan(ctx: &Context<'_>, forced: Option<Bitness>) -> Option<Plan> {
    let best = targets(ctx)
        .into_iter()
        .filter(|(b, _)| forced.is_none_or(|f| f == *b))
        .filter_map(|(b, switch)| repoints_for(ctx, b).map(|r| (b, switch, r)))
        // A server-wide switch changes every application, including 32-bit-only components the
        // metabase cannot show (Jet, 32-bit COM objects called from ASP): it is taken only when
        // repoints cannot make every DLL load, however few edits it needs.
        .min_by_key(|(_, switch, r)| (switch.is_some(), r.len()))?;
    let (target, switch, repoints) = best;
    if switch.is_none() && repoints.is_empty() {
        return None;
    }
    let by_entry = repoints.iter().enumerate().map(|(i, r)| (r.entry, i)).collect();
    Some(Plan {
        target,
        switch,
        repoints,
        by_entry,
    })
}

/// What a repoint fix says and adds, the same for every place that repoints one DLL to one target:
/// worked out once per pair.
pub struct RepointWords {
    applicability: Applicability,
    message: String,
    /// The restriction list's entry for the target, when the repoint needs one.
    follow: Option<(Edit, MetabaseOp)>,
    /// The target as the attribute writes it (escaped).
    escaped: Arc<str>,
}

/// The fix MB102 offers at ISAPI entry `index` when the plan repoints it (and changes nothing
/// server-wide): the entry's edit, with the restriction list following as `aspnet_regiis -i
/// -enable` would make it, or shown only where that would loosen the lockdown.
pub fn repoint_fix(ctx: &Context<'_>, index: usize) -> Option<Fix> {
    let (words, edit, op) = repoint_place(ctx, index)?;
    let mut fix = Fix::new(words.applicability, words.message.clone());
    fix.edits.push(edit);
    fix.ops.push(op);
    if let Some((e, op)) = &words.follow {
        fix.edits.push(e.clone());
        fix.ops.push(op.clone());
    }
    Some(fix)
}

/// The words of [`repoint_fix`] at entry `index` (worked out once per DLL and target), for
/// [`super::Findings::join_with`]: `(applicability, message)`.
pub fn repoint_key(ctx: &Context<'_>, index: usize) -> Option<std::sync::Arc<RepointWords>> {
    let plan = ctx.plan()?;
    if plan.switch.is_some() {
        return None;
    }
    let r = &plan.repoints[*plan.by_entry.get(&index)?];
    let entry = &ctx.isapi.entries[r.entry];
    let mut memo = ctx.repoint_words.borrow_mut();
    let known = memo.entry(addr(&entry.path)).or_default();
    Some(match known.iter().find(|(to, _)| *to == r.to) {
        Some((_, words)) => words.clone(),
        None => {
            let words = std::sync::Arc::new(repoint_words(ctx, plan, r));
            known.push((r.to.clone(), words.clone()));
            words
        }
    })
}

impl RepointWords {
    /// What [`super::Findings::join_with`] matches a finding's fix by.
    pub fn key(&self) -> (Applicability, &str) {
        (self.applicability, &self.message)
    }
}

/// A place's own part of [`repoint_fix`]: its edit and operation, and the restriction list's
/// (the same at every place of the words), to join a finding that has those words.
pub fn repoint_parts(ctx: &Context<'_>, index: usize, words: &RepointWords) -> Option<super::FixParts> {
    let plan = ctx.plan()?;
    let r = &plan.repoints[*plan.by_entry.get(&index)?];
    let (edit, op) = repoint_edit(ctx, r, &words.escaped)?;
    let (mut edits, mut ops) = (vec![edit], vec![op]);
    if let Some((e, op)) = &words.follow {
        edits.push(e.clone());
        ops.push(op.clone());
    }
    Some((edits, ops))
}

fn repoint_place(ctx: &Context<'_>, index: usize) -> Option<(std::sync::Arc<RepointWords>, Edit, MetabaseOp)> {
    let words = repoint_key(ctx, index)?;
    let plan = ctx.plan()?;
    let r = &plan.repoints[*plan.by_entry.get(&index)?];
    let (edit, op) = repoint_edit(ctx, r, &words.escaped)?;
    Some((words, edit, op))
}

fn repoint_words(ctx: &Context<'_>, plan: &Plan, r: &Repoint) -> RepointWords {
    let entry = &ctx.isapi.entries[r.entry];
    let follow = if governed(entry.role) {
        lockdown::follow(ctx, &entry.path, &r.to)
    } else {
        Follow::Nothing
    };
    let mut message = format!(
        "repoint to `{}`, its {} build{}",
        r.to,
        plan.target,
        if r.verified {
            " (found on the drive)"
        } else {
            " (known from rules/components.toml, not checked on a drive)"
        }
    );
    let applicability = match follow {
        Follow::Refused(_) => Applicability::DisplayOnly,
        _ if r.verified => Applicability::Safe,
        _ => Applicability::Unsafe,
    };
    let mut added = None;
    match follow {
        Follow::Nothing => {}
        Follow::Add(line) => {
            if let Some((e, op)) = lockdown::append(ctx, std::slice::from_ref(&line)) {
                // The entry mirrors the replaced DLL's flag: an Allowed entry allows, a Prohibited
                // one keeps the repointed maps denied.
                let verb = if line.starts_with("1,") { "allow" } else { "prohibit" };
                message +=
                    &format!(", and {verb} it in WebSvcExtRestrictionList as the DLL it replaces was (`{line}`)");
                added = Some((e, op));
            }
        }
        Follow::Refused(why) => message += &format!(". Not applied: {why}"),
    }
    RepointWords {
        applicability,
        message,
        follow: added,
        escaped: edit::escape(&r.to).into(),
    }
}

/// The property a role's path is written in, as the live metabase names it.
fn property(role: Role) -> &'static str {
    match role {
        Role::GlobalFilter | Role::SiteFilter => props::FILTER_PATH.name,
        Role::ScriptMap | Role::WildcardMap => props::SCRIPT_MAPS.name,
        Role::CompressionScheme => props::HC_COMPRESSION_DLL.name,
        Role::DirectUrl => props::IN_PROCESS_ISAPI_APPS.name,
        Role::WebDav => props::WEB_SVC_EXT_RESTRICTION_LIST.name,
    }
}

/// The edit that repoints an entry. Where the value is written with XML references (`&amp;`,
/// `&#65;`), the value or the script-map line is written anew from its decoded text, escaped: the
/// same text to IIS, with the path replaced.
fn repoint_edit(ctx: &Context<'_>, r: &Repoint, escaped_to: &str) -> Option<(Edit, MetabaseOp)> {
    path_edit(ctx, &ctx.isapi.entries[r.entry], &r.to, escaped_to)
}

/// The edit that writes `to` (escaped: `escaped_to`) where an entry names its path, and the
/// property it sets: the value when it is the path alone, or the path's field of a script-map line.
/// What MB102's repoints and MB206's canonical spellings write.
pub(crate) fn path_edit(ctx: &Context<'_>, entry: &IsapiRef, to: &str, escaped_to: &str) -> Option<(Edit, MetabaseOp)> {
    let mb = ctx.metabase;
    let raw = mb.slice(entry.span);
    // `escaped_to` is `to` escaped, made once per target: the edit of a value that is the path
    // alone copies it.
    let content = if raw == &*entry.path {
        escaped_to.to_string()
    } else {
        let text = crate::metabase::model::unescape(raw);
        if text == *entry.path || text.trim() == entry.path.trim() {
            escaped_to.to_string()
        } else if entry.line().is_some() {
            // The span is the whole script-map line: the path is its second field.
            let after_extension = text.find(',')? + 1;
            let at = text[after_extension..].find(&*entry.path)? + after_extension;
            edit::escape(&format!("{}{}{}", &text[..at], to, &text[at + entry.path.len()..]))
        } else {
            return None;
        }
    };
    Some((
        Edit {
            span: entry.span,
            content,
        },
        MetabaseOp::Set {
            location: mb.location(entry.key).into_owned(),
            property: property(entry.role).to_string(),
        },
    ))
}

/// Keeps the first of each equal operation, in order: what pushing each operation unless already
/// there gives, in one hashed pass. A switch on a hosting server gathers an operation per repointed
/// script map (one per site, each site's `Set ScriptMaps` many times over): a linear search for
/// each was quadratic, 28 s of a `check` at 100,000 sites.
fn dedup_keep_first(ops: &mut Vec<MetabaseOp>) {
    let keep: Vec<bool> = {
        let mut seen: HashSet<&MetabaseOp> = HashSet::with_capacity(ops.len());
        ops.iter().map(|op| seen.insert(op)).collect()
    };
    let mut keep = keep.into_iter();
    ops.retain(|_| keep.next().unwrap_or(true));
}

/// The edits that set the worker bitness server-wide.
fn switch_edits(ctx: &Context<'_>, target: Bitness) -> (Vec<Edit>, Vec<MetabaseOp>) {
    let mb = ctx.metabase;
    let value = if target == Bitness::Bits32 { "TRUE" } else { "FALSE" };
    let name = "Enable32BitAppOnWin64";
    match mb.find(APP_POOLS) {
        Some(key) => {
            let own = mb.own(key, props::ENABLE_32BIT_APP_ON_WIN64);
            let (e, op) = edit::set_property(
                mb,
                key,
                own.map_or(name.to_string(), |a| mb.attr_name(a).into_owned()).as_str(),
                own,
                value,
            );
            (vec![e], vec![op])
        }
        None => {
            let (e, ops) = edit::create_key(mb, "IIsApplicationPools", APP_POOLS, &[(name, value)]);
            (vec![e], ops)
        }
    }
}

/// The loaded filters that register for raw data (`NotifyReadRawData`, 0x8000), by name: unsupported
/// in worker process isolation mode (IIS 6.0 SDK, "Changes in ISAPI Filter Features", ms525612).
fn raw_data_filters(ctx: &Context<'_>) -> Vec<String> {
    let mb = ctx.metabase;
    ctx.isapi
        .filters
        .iter()
        .filter(|f| f.loads())
        .filter(|f| {
            f.key
                .and_then(|k| mb.own(k, props::FILTER_FLAGS))
                .is_some_and(|a| props::reads_raw_data(&mb.attr_value(a)))
        })
        .map(|f| format!("the filter `{}`", f.name))
        .collect()
}

/// The edits that turn IIS 5.0 isolation mode off at /LM/W3SVC.
fn isolation_edits(ctx: &Context<'_>) -> (Vec<Edit>, Vec<MetabaseOp>) {
    let mb = ctx.metabase;
    let name = props::IIS5_ISOLATION_MODE_ENABLED.name;
    match mb.find("/LM/W3SVC") {
        Some(key) => {
            let own = mb.own(key, props::IIS5_ISOLATION_MODE_ENABLED);
            let shown = own.map_or(name.to_string(), |a| mb.attr_name(a).into_owned());
            let (e, op) = edit::set_property(mb, key, &shown, own, "FALSE");
            (vec![e], vec![op])
        }
        None => {
            let (e, ops) = edit::create_key(mb, "IIsWebService", "/LM/W3SVC", &[(name, "FALSE")]);
            (vec![e], ops)
        }
    }
}

/// Attaches the plan's fixes to the findings it resolves: one fix per repoint (on its MB102) when
/// the worker bitness stays, or one unsafe fix (on MB101, else the first MB102) that switches the
/// bitness together with every repoint it needs.
pub fn attach(ctx: &Context<'_>, diagnostics: &mut [Diagnostic]) {
    let Some(plan) = ctx.plan() else { return };
    let at = |diagnostics: &[Diagnostic], code: &str| diagnostics.iter().position(|d| d.code == code);
    // Repoints alone: MB102 attached each place's fix as it reported it (`repoint_fix`).
    let Some(switch) = plan.switch else { return };
    let Some(carrier) = at(diagnostics, "MB101").or_else(|| at(diagnostics, "MB102")) else {
        return;
    };
    // The server-wide switch goes last among the operations: a script that stops at a failing
    // command then leaves the worker bitness as it was.
    let (mut switch_edits, mut switch_ops) = switch_edits(ctx, plan.target);
    if switch == Switch::ToWorkerIsolation32 {
        let (e, o) = isolation_edits(ctx);
        switch_edits.extend(e);
        switch_ops.extend(o);
    }
    let (mut edits, mut ops): (Vec<Edit>, Vec<MetabaseOp>) = (Vec::new(), Vec::new());
    let mut added: Vec<String> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut followed: HashMap<(&str, &str), ()> = HashMap::new();
    let mut escaped: AddrMap<usize, String> = AddrMap::default();
    for r in &plan.repoints {
        // A repoint that cannot be written exactly leaves the plan incomplete: offer nothing.
        let escaped_to = escaped.entry(addr(&r.to)).or_insert_with(|| edit::escape(&r.to));
        let Some((edit, op)) = repoint_edit(ctx, r, escaped_to) else {
            return;
        };
        edits.push(edit);
        ops.push(op);
        let entry = &ctx.isapi.entries[r.entry];
        if governed(entry.role) && followed.insert((&*entry.path, &*r.to), ()).is_none() {
            match lockdown::follow(ctx, &entry.path, &r.to) {
                Follow::Nothing => {}
                Follow::Add(line) => added.push(line),
                Follow::Refused(why) => refused.push(why),
            }
        }
    }
    if let Some((e, op)) = (!added.is_empty()).then(|| lockdown::append(ctx, &added)).flatten() {
        edits.push(e);
        ops.push(op);
    }
    let unknown = unknown_bitness(ctx, plan);
    let (regiis, registrations) = aspnet_regiis(ctx, plan.target);
    let tail = format!(
        "{}{}{}{}",
        match added.len() {
            0 => String::new(),
            n => {
                let allowed = added.iter().filter(|l| l.starts_with("1,")).count();
                let status = match (allowed, n - allowed) {
                    (a, 0) => format!("{a} Allowed entry(ies)"),
                    (0, p) => format!("{p} Prohibited entry(ies)"),
                    (a, p) => format!("{a} Allowed and {p} Prohibited entry(ies)"),
                };
                format!("; WebSvcExtRestrictionList gains {status} for the new builds, as the builds they replace were")
            }
        },
        unknown,
        regiis,
        if refused.is_empty() {
            String::new()
        } else {
            format!(". Not applied: {}", refused.join("; "))
        }
    );
    let repoints = match plan.repoints.len() {
        0 => String::new(),
        n => format!(
            " and repoint {n} ISAPI DLL reference(s) to their {} builds",
            plan.target
        ),
    };
    let mut fix = match switch {
        Switch::Bitness => Fix::new(
            Applicability::Unsafe,
            format!(
                "switch every worker process to {} (Enable32BitAppOnWin64={} at {APP_POOLS}){repoints}; this changes every application on the server and takes effect after iisreset",
                plan.target,
                if plan.target == Bitness::Bits32 {
                    "TRUE"
                } else {
                    "FALSE"
                },
            ),
        ),
        Switch::ToWorkerIsolation32 => {
            let raw = raw_data_filters(ctx);
            Fix::new(
                // A filter that reads raw data stops working in worker process isolation mode:
                // the switch is shown, never applied.
                if raw.is_empty() {
                    Applicability::Unsafe
                } else {
                    Applicability::DisplayOnly
                },
                format!(
                    "leave IIS 5.0 isolation mode for worker process isolation mode (IIs5IsolationModeEnabled=FALSE at /LM/W3SVC) with 32-bit worker processes (Enable32BitAppOnWin64=TRUE at {APP_POOLS}){repoints}. This changes how every application runs: w3wp.exe application pools instead of inetinfo.exe and dllhost.exe, the Network Service identity, AppIsolated no longer applies, ISAPI filters that read raw data (NotifyReadRawData) are not supported, and ASP.NET stops using machine.config's processModel; W3SVC and the HTTP SSL service must be restarted (iisreset){}",
                    if raw.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ". Not applied: {} read(s) raw data and would stop working",
                            raw.join(", ")
                        )
                    }
                ),
            )
        }
    };
    fix.message += &tail;
    if !refused.is_empty() {
        fix.applicability = Applicability::DisplayOnly;
    }
    edits.extend(switch_edits);
    ops.extend(switch_ops);
    dedup_keep_first(&mut ops);
    fix.edits = edits;
    fix.ops = ops;
    fix.restart = true;
    fix.registrations = registrations;
    diagnostics[carrier].fix = Some(fix);
}

/// Whether the restriction list governs a role: script and wildcard maps (filters and compression
/// DLLs are not Web Service Extensions).
fn governed(role: Role) -> bool {
    matches!(role, Role::ScriptMap | Role::WildcardMap)
}

/// `; the bitness of `a.dll` and 2 more is unknown ...`: the DLLs a switch is unverified for.
fn unknown_bitness(ctx: &Context<'_>, plan: &Plan) -> String {
    let mut repointed = vec![false; ctx.isapi.entries.len()];
    for r in &plan.repoints {
        repointed[r.entry] = true;
    }
    let bits = ctx.all_bits();
    let unknown = (0..ctx.isapi.entries.len())
        .filter(|&i| !repointed[i] && bits[i].is_none())
        .map(|i| &*ctx.isapi.entries[i].path);
    match crate::rules::path_list(unknown, 4, false) {
        (0, _) => String::new(),
        (n, list) => format!(
            "; the bitness of {n} DLL(s) is unknown ({list}): the switch is unverified for them{}",
            if ctx.images.is_none() {
                ", map the server's drive to check"
            } else {
                ""
            }
        ),
    }
}

/// `; then register ASP.NET ... with ...aspnet_regiis.exe -ir`: after a switch, ASP.NET's
/// registration must be the target bitness's (KB894435: "run aspnet_regiis.exe -i" of the target
/// Framework folder), once per ASP.NET version the server maps; with the programs to run.
///
/// Why `-ir` and not KB894435's `-i`, nor `-i -enable` (the ASP.NET IIS Registration Tool's
/// documentation, learn.microsoft.com k6h9cz8h, v=vs.71 and v=vs.80): `-i` also moves every script
/// map of an older ASP.NET on the server to this version ("Only applications that are currently
/// mapped to an earlier version of ASP.NET are affected"), a change nobody asked for, where this fix
/// has already repointed exactly the maps the switch needs; `-ir` "registers ASP.NET in IIS" and
/// "does not update script maps". `-enable` would allow the Framework in Web Service Extensions
/// whatever the administrator chose; the fix's own restriction-list edits carry each old entry's
/// status to its new build, and the script puts the list back as the fix leaves it after
/// aspnet_regiis has run, since no source says what `-ir` alone writes there.
fn aspnet_regiis(ctx: &Context<'_>, target: Bitness) -> (String, Vec<String>) {
    let mut versions: Vec<String> = Vec::new();
    for path in &ctx.isapi.paths {
        let lower = path.to_ascii_lowercase();
        let Some(at) = lower.find("\\microsoft.net\\framework") else {
            continue;
        };
        let rest = &path[at..];
        // A Framework folder's name: `v2.0.50727`, `v1.1.4322` (nothing else becomes a program path).
        let framework = |v: &&str| {
            v.strip_prefix(['v', 'V']).is_some_and(|n| {
                n.split('.').count() >= 2
                    && n.split('.')
                        .all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            })
        };
        let Some(version) = rest.split('\\').nth(3).filter(framework) else {
            continue;
        };
        if !versions.iter().any(|v| v.eq_ignore_ascii_case(version)) {
            versions.push(version.to_string());
        }
    }
    let (windir, _) = ctx.windir();
    let folder = if target == Bitness::Bits64 {
        "Framework64"
    } else {
        "Framework"
    };
    let programs: Vec<String> = versions
        .iter()
        // ASP.NET 1.x has no 64-bit build.
        .filter(|v| !(v.starts_with(['v', 'V']) && v[1..].starts_with('1') && target == Bitness::Bits64))
        .map(|v| format!("{windir}\\Microsoft.NET\\{folder}\\{v}\\aspnet_regiis.exe"))
        .collect();
    if programs.is_empty() {
        return (String::new(), programs);
    }
    let commands: Vec<String> = programs.iter().map(|p| format!("`{p} -ir`")).collect();
    (
        format!(
            "; then register ASP.NET for {target} worker processes with {} (KB894435; -ir leaves the script maps and Web Service Extensions as this fix sets them; --script vbs runs it)",
            commands.join(" and ")
        ),
        programs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_counterpart_is_a_component() {
        assert!(components().len() >= 6);
        for c in components() {
            assert!(!c.source.is_empty() && !c.builds.is_empty(), "{}", c.name);
            if let Some(to) = &c.counterpart {
                assert!(c.builds.len() == 2, "{}: a counterpart means two builds", c.name);
                assert!(
                    components().iter().any(|o| o.path.eq_ignore_ascii_case(to)),
                    "{}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn components_by_path() {
        assert_eq!(
            component(r"C:\WINDOWS\Microsoft.NET\Framework\v1.1.4322\aspnet_isapi.dll")
                .unwrap()
                .builds,
            [32]
        );
        assert_eq!(
            component(
                r"C:\Program Files (x86)\Common Files\Microsoft Shared\Web Server Extensions\50\bin\fpexedll.dll"
            )
            .unwrap()
            .name,
            "FrontPage Server Extensions 2002"
        );
        assert!(component(r"C:\Program Files\Acme\x.dll").is_none());
    }

    use crate::rules::testing::{root, server, with_context};

    const FW64: &str = r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll";
    const FW32: &str = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";

    /// What an entry needs is worked out once per path and kind (a URL's DLL, a compression DLL,
    /// any other): a URL's DLL that a script map or a compression scheme also names is still never
    /// repointed, so 32-bit workers cannot serve it and the plan is the switch to 64-bit ones.
    #[test]
    fn a_urls_dll_is_never_repointed_whatever_else_names_its_path() {
        let executes = root(
            1,
            r"C:\WINDOWS\Microsoft.NET\Framework64",
            "\t\tAccessFlags=\"AccessExecute\"\r\n",
        );
        let compression = format!(
            "<IIsCompressionScheme\tLocation =\"/LM/W3SVC/Filters/Compression/gzip\"\r\n\t\tHcCompressionDll=\"{FW64}\"\r\n\t>\r\n</IIsCompressionScheme>\r\n"
        );
        let url = format!("\t\tInProcessIsapiApps=\"{FW64}\"\r\n");
        for (other, service, keys) in [
            (
                Role::ScriptMap,
                format!("{url}\t\tScriptMaps=\".aspx,{FW64},1,GET\"\r\n"),
                executes.clone(),
            ),
            (Role::CompressionScheme, url.clone(), format!("{executes}{compression}")),
        ] {
            with_context(&server(true, &service, &keys), |ctx| {
                let roles: Vec<Role> = ctx.isapi.entries.iter().map(|e| e.role).collect();
                assert_eq!(roles.len(), 2, "{other:?}: {roles:?}");
                assert!(roles.contains(&other) && roles.contains(&Role::DirectUrl), "{roles:?}");
                assert_eq!(repoints_for(ctx, Bitness::Bits32), None, "{other:?}");
                let plan = plan(ctx, None).unwrap();
                assert_eq!(
                    (plan.target, plan.switch, plan.repoints.len()),
                    (Bitness::Bits64, Some(Switch::Bitness), 0),
                    "{other:?}"
                );
            });
        }
    }

    /// A place's part of the repoint fix is the whole fix's edits and operations (the restriction
    /// list's entry among them), and the fix's words are worked out once per DLL and target: every
    /// place of the DLL shares them.
    #[test]
    fn each_place_joins_its_part_of_the_one_repoint_fix() {
        let maps = format!("\t\tScriptMaps=\".aspx,{FW64},1,GET\"\r\n");
        let list = format!(
            "\t\tWebSvcExtRestrictionList=\"0,*.dll\r\n\t\t\t1,{FW64},0,ASP.NET v2.0.50727,ASP.NET v2.0.50727\"\r\n"
        );
        let text = server(
            true,
            &list,
            &format!("{}{}", root(1, r"D:\Sites\One", &maps), root(2, r"D:\Sites\Two", &maps)),
        );
        with_context(&text, |ctx| {
            let plan = ctx.plan().unwrap();
            assert_eq!(plan.switch, None);
            let places: Vec<usize> = plan.repoints.iter().map(|r| r.entry).collect();
            assert_eq!(places.len(), 2, "{:?}", plan.repoints);
            let mut shared: Option<Arc<RepointWords>> = None;
            for &index in &places {
                let words = repoint_key(ctx, index).unwrap();
                let fix = repoint_fix(ctx, index).unwrap();
                assert_eq!(words.key(), (fix.applicability, fix.message.as_str()));
                assert!(
                    fix.message.contains("and allow it in WebSvcExtRestrictionList"),
                    "{}",
                    fix.message
                );
                assert_eq!(fix.edits.len(), 2, "the map's and the list's: {fix:#?}");
                assert_eq!(repoint_parts(ctx, index, &words), Some((fix.edits, fix.ops)));
                let first = shared.get_or_insert_with(|| words.clone());
                assert!(Arc::ptr_eq(first, &words), "the words are worked out once");
                assert!(Arc::ptr_eq(&words, &repoint_key(ctx, index).unwrap()));
            }
        });
    }

    /// A script-map line written with a character reference (its edit writes the whole line anew)
    /// whose extension ends in a character beyond ASCII: the path is found after the extension's
    /// comma, whatever the extension's last character.
    #[test]
    fn a_script_map_with_an_extension_beyond_ascii_is_repointed() {
        let text = server(true, &format!("\t\tScriptMaps=\".asp&#233;,{FW64},1,GET\"\r\n"), "");
        with_context(&text, |ctx| {
            let fix = repoint_fix(ctx, 0).unwrap();
            assert_eq!(fix.edits[0].span, ctx.isapi.entries[0].span);
            assert_eq!(fix.edits[0].content, edit::escape(&format!(".aspé,{FW32},1,GET")));
        });
    }

    /// An entry whose path is its line's text trimmed (a URL's DLL in InProcessIsapiApps, written
    /// with a space after it): the edit writes the new path as the whole line.
    #[test]
    fn a_path_written_with_a_space_after_it_is_replaced_whole() {
        let dll = r"C:\Inetpub\scripts\acme.dll";
        let text = server(
            false,
            &format!("\t\tInProcessIsapiApps=\"{dll} \"\r\n"),
            &root(1, r"C:\Inetpub\scripts", "\t\tAccessFlags=\"AccessExecute\"\r\n"),
        );
        with_context(&text, |ctx| {
            let entry = &ctx.isapi.entries[0];
            assert_eq!((entry.role, &*entry.path), (Role::DirectUrl, dll));
            assert_eq!(ctx.metabase.slice(entry.span), format!("{dll} "));
            let to = r"C:\Inetpub\scripts\acme2.dll";
            let (edit, op) = path_edit(ctx, entry, to, to).unwrap();
            assert_eq!((edit.span, edit.content.as_str()), (entry.span, to));
            assert_eq!(
                op,
                MetabaseOp::Set {
                    location: "/LM/W3SVC".into(),
                    property: "InProcessIsapiApps".into()
                }
            );
        });
    }

    /// After a switch, `aspnet_regiis -ir` of each ASP.NET version the server maps, from the target's
    /// Framework folder: a version is a folder named `v` and two or more numbers, and ASP.NET 1.x
    /// (32-bit only) is registered for 32-bit workers only.
    #[test]
    fn aspnet_regiis_runs_for_each_framework_version_the_target_has() {
        let dll = |folder: &str| format!(r"C:\WINDOWS\Microsoft.NET\{folder}\aspnet_isapi.dll");
        let maps: Vec<String> = [
            "Framework64\\v2.0.50727",
            "Framework\\v1.1.4322",
            // Not versions: one number, a part that is not a number, an empty part.
            "Framework64\\v2",
            "Framework64\\v2.0.beta",
            "Framework64\\v.",
            "Framework64\\v2..0",
        ]
        .iter()
        .enumerate()
        .map(|(i, folder)| format!(".a{i},{},1,GET", dll(folder)))
        .collect();
        let text = server(true, &format!("\t\tScriptMaps=\"{}\"\r\n", maps.join("\r\n\t\t\t")), "");
        with_context(&text, |ctx| {
            let regiis = |folder: &str| format!(r"C:\WINDOWS\Microsoft.NET\{folder}\aspnet_regiis.exe");
            let (_, to64) = aspnet_regiis(ctx, Bitness::Bits64);
            assert_eq!(to64, [regiis("Framework64\\v2.0.50727")]);
            let (words, to32) = aspnet_regiis(ctx, Bitness::Bits32);
            assert_eq!(to32, [regiis("Framework\\v2.0.50727"), regiis("Framework\\v1.1.4322")]);
            assert!(
                words.contains(&format!("`{} -ir` and `{} -ir`", to32[0], to32[1])),
                "{words}"
            );
        });
    }

    proptest::proptest! {
        /// The hashed de-duplication keeps what a linear search before each push kept, in order.
        #[test]
        fn dedup_keeps_the_first_of_each(picks in proptest::collection::vec((0u8..3, 0u8..6, 0u8..3), 0..60)) {
            let ops: Vec<MetabaseOp> = picks
                .iter()
                .map(|&(kind, location, property)| {
                    let location = format!("/LM/W3SVC/{location}/ROOT");
                    let property = ["ScriptMaps", "FilterPath", "Enable32bitAppOnWin64"][property as usize].to_string();
                    match kind {
                        0 => MetabaseOp::Set { location, property },
                        1 => MetabaseOp::Delete { location, property },
                        _ => MetabaseOp::CreateKey { location, key_type: property },
                    }
                })
                .collect();
            let mut linear: Vec<MetabaseOp> = Vec::new();
            for op in &ops {
                if !linear.contains(op) {
                    linear.push(op.clone());
                }
            }
            let mut hashed = ops;
            dedup_keep_first(&mut hashed);
            proptest::prop_assert_eq!(hashed, linear);
        }
    }
}
