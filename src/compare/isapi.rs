//! MB604 and MB605: the ISAPI set after path resolution (what each filter, script or wildcard map,
//! compression scheme and extension called by URL names on each node) and FilterLoadOrder.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::metabase::isapi::{IsapiRef, Role};
use crate::metabase::props;
use crate::rules::drift::{FILTER_ORDER_DRIFT, ISAPI_SET_DRIFT};

use super::drift::*;
use super::node::*;

/// What kind of place an ISAPI entry has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum SlotKind {
    /// A filter of a filters collection (`/lm/w3svc/filters`, `/lm/w3svc/1/filters`), by name.
    Filter,
    /// A script or wildcard map written on a key, by extension.
    Map,
    /// A compression scheme's DLL, by the scheme's key.
    Compression,
    /// An extension called by URL, by URL.
    Url,
    /// WebDAV's extension: one a server.
    WebDav,
}

/// Where an ISAPI entry belongs, across nodes: borrowed from the nodes' own text, so that a
/// million script-map lines cost no copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Slot<'a> {
    pub(super) kind: SlotKind,
    /// The normalised Location of the filters collection, the key with the map, or the scheme.
    pub(super) scope: &'a str,
    /// The filter's name, the map's extension or the URL, folded.
    pub(super) name: std::borrow::Cow<'a, str>,
}

/// Lower case without a copy when it already is.
pub(super) fn folded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(text.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

impl Slot<'_> {
    /// `global ISAPI filter `fpexedll.dll``, with the Location and name as `entry` writes them.
    pub(super) fn describe(&self, node: &Node, entry: &IsapiRef) -> String {
        let location = node.mb.location(entry.key);
        match self.kind {
            SlotKind::Filter => {
                let what = if self.scope == "/lm/w3svc/filters" {
                    "global ISAPI filter"
                } else {
                    "site ISAPI filter"
                };
                format!("{what} `{}`", entry.filter_name().unwrap_or_default())
            }
            SlotKind::Map => {
                let what = match entry.role {
                    Role::WildcardMap => "the wildcard script map".to_string(),
                    _ => format!("the script map for `{}`", entry.extension().unwrap_or_default()),
                };
                format!("{what} at {location}")
            }
            SlotKind::Compression => format!("the compression scheme {location}"),
            SlotKind::Url => format!(
                "the ISAPI extension called by URL ({})",
                entry.extension().unwrap_or_default()
            ),
            SlotKind::WebDav => "the WebDAV extension (allowed in WebSvcExtRestrictionList)".to_string(),
        }
    }
}

pub(super) fn slot_of<'a>(node: &'a Node, entry: &'a IsapiRef) -> Slot<'a> {
    let path = &*node.mb.key(entry.key).path;
    let (kind, scope, name) = match entry.role {
        Role::GlobalFilter | Role::SiteFilter => (
            SlotKind::Filter,
            crate::metabase::model::parent_path(path).unwrap_or(path),
            entry.filter_name().unwrap_or_default(),
        ),
        Role::ScriptMap | Role::WildcardMap => (SlotKind::Map, path, entry.extension().unwrap_or_default()),
        Role::CompressionScheme => (SlotKind::Compression, path, ""),
        Role::DirectUrl => (SlotKind::Url, "", entry.extension().unwrap_or_default()),
        Role::WebDav => (SlotKind::WebDav, "", ""),
    };
    Slot {
        kind,
        scope,
        name: folded(name),
    }
}

/// Texts interned across nodes: one id per distinct text, so that what the drift rules compare is
/// a number and a table indexed by it, not a string hashed again on every node.
#[derive(Default)]
pub(super) struct Interner {
    ids: foldhash::HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

/// An id from a count: every id counts ISAPI entries held in memory (each a hundred bytes and
/// more), so memory runs out long before four billion of them.
fn id(count: usize) -> u32 {
    u32::try_from(count).expect("fewer than 2^32 ISAPI entries in memory")
}

impl Interner {
    pub(super) fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let new = id(self.texts.len());
        let text: Arc<str> = Arc::from(text);
        self.texts.push(text.clone());
        self.ids.insert(text, new);
        new
    }

    pub(super) fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    pub(super) fn text(&self, id: u32) -> &Arc<str> {
        &self.texts[id as usize]
    }
}

/// A slot as ids: its kind, its scope and its folded name.
type SlotId = (SlotKind, u32, u32);

/// Every slot any node writes, and every DLL key, interned in the order the nodes give them.
#[derive(Default)]
pub(super) struct SlotTable {
    scopes: Interner,
    names: Interner,
    pub(super) dlls: Interner,
    ids: foldhash::HashMap<SlotId, u32>,
    slots: Vec<SlotId>,
}

/// "No entry": the empty cell of [`NodeSlots::first`].
const NONE: u32 = u32::MAX;

/// One node's ISAPI set by slot: for each slot id, the first entry that writes it (IIS uses the
/// first line that maps an extension) and its DLL's id; for each entry, its slot id.
pub(super) struct NodeSlots {
    first: Vec<(u32, u32)>,
    pub(super) of_entry: Vec<u32>,
}

impl NodeSlots {
    /// The first entry writing the slot, and its DLL's id.
    pub(super) fn get(&self, slot: u32) -> Option<(usize, u32)> {
        match self.first.get(slot as usize) {
            Some(&(entry, dll)) if entry != NONE => Some((entry as usize, dll)),
            _ => None,
        }
    }
}

impl SlotTable {
    /// Interns a node's slots and DLL keys. Entries of one key share its scope, and entries naming
    /// one DLL share its key's text: each is interned once a run of them.
    pub(super) fn node(&mut self, node: &Node) -> NodeSlots {
        let entries = &node.linted.isapi.entries;
        let mut of_entry = Vec::with_capacity(entries.len());
        let mut first: Vec<(u32, u32)> = Vec::new();
        let mut last_scope: Option<(crate::metabase::KeyId, bool, u32)> = None;
        // The interned id of each of the node's DLL keys, by the key's number on the node.
        let mut dll_of: Vec<u32> = vec![NONE; node.dll_keys.len()];
        for (i, entry) in entries.iter().enumerate() {
            let slot = slot_of(node, entry);
            let filter = slot.kind == SlotKind::Filter;
            let scope = match last_scope {
                Some((key, f, id)) if key == entry.key && f == filter => id,
                _ => {
                    let id = self.scopes.intern(slot.scope);
                    last_scope = Some((entry.key, filter, id));
                    id
                }
            };
            // The nodes of a farm write their entries in the same order: the slot after the last
            // entry's is the likely one, told by comparing it rather than hashing (a table of a
            // million slots costs a cache miss a look-up).
            let guess = of_entry.last().map_or(0, |&last: &u32| last as usize + 1);
            let slot_id = match self.slots.get(guess) {
                Some(&(kind, s, name)) if kind == slot.kind && s == scope && **self.names.text(name) == *slot.name => {
                    id(guess)
                }
                _ => {
                    let ids = (slot.kind, scope, self.names.intern(&slot.name));
                    let next = id(self.slots.len());
                    let slot_id = *self.ids.entry(ids).or_insert(next);
                    if slot_id == next {
                        self.slots.push(ids);
                    }
                    slot_id
                }
            };
            of_entry.push(slot_id);
            if first.len() <= slot_id as usize {
                first.resize(slot_id as usize + 1, (NONE, NONE));
            }
            if first[slot_id as usize].0 == NONE {
                let number = node.entry_dlls[i] as usize;
                if dll_of[number] == NONE {
                    dll_of[number] = self.dlls.intern(&node.dll_keys[number]);
                }
                let dll = dll_of[number];
                first[slot_id as usize] = (id(i), dll);
            }
        }
        NodeSlots { first, of_entry }
    }

    /// The id of a slot some node writes.
    pub(super) fn find(&self, kind: SlotKind, scope: &str, name: &str) -> Option<u32> {
        let ids = (kind, self.scopes.get(scope)?, self.names.get(name)?);
        self.ids.get(&ids).copied()
    }

    /// A slot by its id, as text.
    pub(super) fn slot(&self, id: u32) -> Slot<'_> {
        let (kind, scope, name) = self.slots[id as usize];
        Slot {
            kind,
            scope: self.scopes.text(scope),
            name: std::borrow::Cow::Borrowed(self.names.text(name)),
        }
    }
}

/// The value and place of a slot on a node that does not write it: a script map inherited from a
/// key above, or nothing (placed where it would be written).
pub(super) fn absent(node: &Node, own: &NodeSlots, table: &SlotTable, slot: &Slot<'_>) -> (Option<Arc<str>>, Place) {
    let mb = &node.mb;
    match slot.kind {
        SlotKind::Map => {
            if let Some(near) = mb.nearest_key(slot.scope)
                && let Some((key, attr)) = mb.effective(near, props::SCRIPT_MAPS)
            {
                let inherited = table
                    .find(SlotKind::Map, &mb.key(key).path, &slot.name)
                    .and_then(|id| own.get(id));
                if let Some((first, dll)) = inherited {
                    let entry = &node.linted.isapi.entries[first];
                    let place = Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    };
                    return (Some(table.dlls.text(dll).clone()), place);
                }
                return (None, Place::attr(mb, key, attr));
            }
            (None, Place::near(mb, slot.scope))
        }
        SlotKind::Filter => {
            let place = match mb.find(slot.scope) {
                Some(key) => match mb.own(key, props::FILTER_LOAD_ORDER) {
                    Some(attr) => Place::attr(mb, key, attr),
                    None => Place::key(mb, key),
                },
                None => Place::near(mb, slot.scope),
            };
            (None, place)
        }
        SlotKind::Compression => (None, Place::near(mb, slot.scope)),
        SlotKind::WebDav => {
            let place = mb
                .find("/LM/W3SVC")
                .and_then(|svc| {
                    mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)
                        .map(|attr| Place::attr(mb, svc, attr))
                })
                .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"));
            (None, place)
        }
        SlotKind::Url => {
            let place = mb
                .find("/LM/W3SVC")
                .and_then(|svc| {
                    mb.own(svc, props::IN_PROCESS_ISAPI_APPS)
                        .map(|attr| Place::attr(mb, svc, attr))
                })
                .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"));
            (None, place)
        }
    }
}

pub(super) fn isapi_set(nodes: &[Node], out: &mut [Vec<Diagnostic>], differing: &mut BTreeSet<String>) {
    let mut table = SlotTable::default();
    let per_node: Vec<NodeSlots> = nodes.iter().map(|node| table.node(node)).collect();
    // Every slot any node writes, once, in the order nodes and entries give them: a slot is new
    // where it is first met. Slot ids are given in that order, so the slots met so far are the ids
    // below a watermark.
    let mut met: u32 = 0;
    for (first_node, own) in per_node.iter().enumerate() {
        for (first_entry, &slot) in own.of_entry.iter().enumerate() {
            if slot < met {
                continue;
            }
            met = slot + 1;
            let Some((entry, dll)) = own.get(slot) else { continue };
            debug_assert_eq!(entry, first_entry);
            // Most slots agree on every node: tell that with one array look-up a node.
            let agree = per_node
                .iter()
                .enumerate()
                .all(|(m, other)| m == first_node || other.get(slot).is_some_and(|(_, d)| d == dll));
            if agree {
                continue;
            }
            slot_drift(
                nodes,
                &per_node,
                &table,
                slot,
                (first_node, first_entry),
                out,
                differing,
            );
        }
    }
}

/// MB604 for one slot, if the nodes do not agree on it.
pub(super) fn slot_drift(
    nodes: &[Node],
    per_node: &[NodeSlots],
    table: &SlotTable,
    id: u32,
    (first_node, first_entry): (usize, usize),
    out: &mut [Vec<Diagnostic>],
    differing: &mut BTreeSet<String>,
) {
    let slot = &table.slot(id);
    let sides: Vec<Side<Option<Arc<str>>>> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| match per_node[n].get(id) {
            Some((first, dll)) => {
                let entry = &node.linted.isapi.entries[first];
                Side {
                    node: n,
                    value: Some(table.dlls.text(dll).clone()),
                    place: Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    },
                }
            }
            None => {
                let (value, place) = absent(node, &per_node[n], table, slot);
                Side { node: n, value, place }
            }
        })
        .collect();
    if groups(&sides).len() < 2 {
        return;
    }
    for side in &sides {
        if let Some(key) = &side.value {
            differing.insert(key.to_string());
        }
    }
    // The DLL as each node writes it.
    let shown: Vec<(Option<Arc<str>>, String)> = sides
        .iter()
        .map(|s| {
            let text = match &s.value {
                None if slot.kind == SlotKind::Map => "not mapped".to_string(),
                None => "not registered".to_string(),
                Some(key) => {
                    let node = &nodes[s.node];
                    node.first(key)
                        .map(|i| format!("`{}`", node.linted.isapi.entries[i].path))
                        .unwrap_or_default()
                }
            };
            (s.value.clone(), text)
        })
        .collect();
    let phrase = |v: &Option<Arc<str>>| {
        shown
            .iter()
            .find(|(value, _)| value == v)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    // The same difference at many keys of one file (a map on 50,000 sites) is one cause.
    let cause = (slot.kind == SlotKind::Map).then(|| {
        let values: Vec<&str> = sides.iter().map(|s| s.value.as_deref().unwrap_or_default()).collect();
        format!("map|{}|{}", slot.name, values.join("|"))
    });
    let node = &nodes[first_node];
    report(
        nodes,
        &sides,
        &Words {
            rule: &ISAPI_SET_DRIFT,
            subject: format!(
                "{} differs between nodes",
                slot.describe(node, &node.linted.isapi.entries[first_entry])
            ),
            phrase: &phrase,
            help: "register the same filters, script maps and extensions on every node: copy the configuration with `iiscnfg /copy` (which replaces machine-specific values) or repeat the installation on the node that differs; a request served by the other node fails or is handled differently".into(),
            cause,
        },
        out,
    );
}

/// The names a filters collection loads, in FilterLoadOrder's order, folded.
pub(super) fn load_order(node: &Node) -> HashMap<String, (Vec<String>, Place)> {
    let mb = &node.mb;
    let mut out: HashMap<String, (Vec<String>, Place)> = HashMap::new();
    for def in &node.linted.isapi.filters {
        if !def.loads() {
            continue;
        }
        let scope = mb.key(def.filters_key).path.to_string();
        let place = match mb.own(def.filters_key, props::FILTER_LOAD_ORDER) {
            Some(attr) => Place::attr(mb, def.filters_key, attr),
            None => Place::key(mb, def.filters_key),
        };
        out.entry(scope)
            .or_insert_with(|| (Vec::new(), place))
            .0
            .push(def.name.to_lowercase());
    }
    out
}

pub(super) fn filter_order(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let orders: Vec<HashMap<String, (Vec<String>, Place)>> = nodes.iter().map(load_order).collect();
    let mut scopes: Vec<&String> = orders.iter().flat_map(|o| o.keys()).collect();
    scopes.sort();
    scopes.dedup();
    // Names as the nodes write them (compared case-insensitively): once, not once per scope, so
    // 50,000 sites with a filter each stay linear.
    let written: HashMap<String, String> = nodes
        .iter()
        .flat_map(|node| {
            node.linted
                .isapi
                .filters
                .iter()
                .map(|d| (d.name.to_lowercase(), d.name.clone()))
        })
        .collect();
    for scope in scopes {
        if !orders.iter().all(|o| o.contains_key(scope)) {
            continue;
        }
        // Only the filters every node loads: one loaded on some nodes only is MB604's.
        let common: BTreeSet<&String> = orders
            .iter()
            .map(|o| o[scope].0.iter().collect::<BTreeSet<_>>())
            .reduce(|a, b| a.intersection(&b).copied().collect())
            .unwrap_or_default();
        let sides: Vec<Side<Vec<String>>> = orders
            .iter()
            .enumerate()
            .map(|(n, o)| {
                let (names, place) = &o[scope];
                Side {
                    node: n,
                    value: names.iter().filter(|x| common.contains(x)).cloned().collect(),
                    place: *place,
                }
            })
            .collect();
        let phrase = |v: &Vec<String>| {
            let names: Vec<&str> = v
                .iter()
                .map(|n| written.get(n).map_or(n.as_str(), String::as_str))
                .collect();
            format!("`{}`", names.join(","))
        };
        let shown = sides
            .iter()
            .find_map(|s| Some(nodes[s.node].mb.location(s.place.key?).into_owned()))
            .unwrap_or_else(|| scope.clone());
        report(
            nodes,
            &sides,
            &Words {
                rule: &FILTER_ORDER_DRIFT,
                subject: format!("the filters of {shown} load in another order on some nodes"),
                phrase: &phrase,
                help: "write FilterLoadOrder alike on every node: filters of one priority see each notification in this order, so a rewriting or authentication filter behaves differently on the node that differs".into(),
                cause: None,
            },
            out,
        );
    }
}
