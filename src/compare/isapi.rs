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
                format!("{what} `{}`", entry.filter_name.as_deref().unwrap_or_default())
            }
            SlotKind::Map => {
                let what = match entry.role {
                    Role::WildcardMap => "the wildcard script map".to_string(),
                    _ => format!(
                        "the script map for `{}`",
                        entry.extension.as_deref().unwrap_or_default()
                    ),
                };
                format!("{what} at {location}")
            }
            SlotKind::Compression => format!("the compression scheme {location}"),
            SlotKind::Url => format!(
                "the ISAPI extension called by URL ({})",
                entry.extension.as_deref().unwrap_or_default()
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
            entry.filter_name.as_deref().unwrap_or_default(),
        ),
        Role::ScriptMap | Role::WildcardMap => (SlotKind::Map, path, entry.extension.as_deref().unwrap_or_default()),
        Role::CompressionScheme => (SlotKind::Compression, path, ""),
        Role::DirectUrl => (SlotKind::Url, "", entry.extension.as_deref().unwrap_or_default()),
        Role::WebDav => (SlotKind::WebDav, "", ""),
    };
    Slot {
        kind,
        scope,
        name: folded(name),
    }
}

/// Per node, its entries by slot: the first entry's DLL key and index (IIS uses the first line
/// that maps an extension).
/// Hashed with foldhash (seeded per process, as std's is): a node of 50,000 sites has a million
/// slots, each hashed once into its node's table and looked up once in every other node's.
pub(super) type Slots<'a> = HashMap<Slot<'a>, (Arc<str>, usize), foldhash::fast::RandomState>;

pub(super) fn slots(node: &Node) -> Slots<'_> {
    let mut out: Slots = HashMap::with_capacity_and_hasher(node.linted.isapi.entries.len(), Default::default());
    for (i, entry) in node.linted.isapi.entries.iter().enumerate() {
        out.entry(slot_of(node, entry))
            .or_insert_with(|| (node.entry_keys[i].clone(), i));
    }
    out
}

/// The value and place of a slot on a node that does not write it: a script map inherited from a
/// key above, or nothing (placed where it would be written).
pub(super) fn absent<'a>(node: &'a Node, slots: &Slots<'a>, slot: &Slot<'a>) -> (Option<Arc<str>>, Place) {
    let mb = &node.mb;
    match slot.kind {
        SlotKind::Map => {
            if let Some(near) = mb.nearest_key(slot.scope)
                && let Some((key, attr)) = mb.effective(near, props::SCRIPT_MAPS)
            {
                let inherited = Slot {
                    kind: SlotKind::Map,
                    scope: &mb.key(key).path,
                    name: slot.name.clone(),
                };
                if let Some((dll, first)) = slots.get(&inherited) {
                    let entry = &node.linted.isapi.entries[*first];
                    let place = Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    };
                    return (Some(dll.clone()), place);
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
    let per_node: Vec<Slots> = nodes.iter().map(slots).collect();
    // Every slot any node writes, once, in the order nodes and entries give them: a slot is new
    // where it is first met, one lookup an entry (looking it up on every earlier node instead made
    // the comparison grow with the square of the nodes).
    let mut met: foldhash::HashSet<&Slot<'_>> = foldhash::HashSet::default();
    for (first_node, node) in nodes.iter().enumerate() {
        for (first_entry, entry) in node.linted.isapi.entries.iter().enumerate() {
            let slot = slot_of(node, entry);
            let Some((written, (dll, i))) = per_node[first_node].get_key_value(&slot) else {
                continue;
            };
            if *i != first_entry || !met.insert(written) {
                continue;
            }
            // Most slots agree on every node: tell that with one lookup a node.
            let agree = per_node
                .iter()
                .enumerate()
                .all(|(m, slots)| m == first_node || slots.get(&slot).is_some_and(|(other, _)| other == dll));
            if agree {
                continue;
            }
            slot_drift(nodes, &per_node, &slot, (first_node, first_entry), out, differing);
        }
    }
}

/// MB604 for one slot, if the nodes do not agree on it.
pub(super) fn slot_drift<'a>(
    nodes: &'a [Node],
    per_node: &[Slots<'a>],
    slot: &Slot<'a>,
    (first_node, first_entry): (usize, usize),
    out: &mut [Vec<Diagnostic>],
    differing: &mut BTreeSet<String>,
) {
    let sides: Vec<Side<Option<Arc<str>>>> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| match per_node[n].get(slot) {
            Some((dll, first)) => {
                let entry = &node.linted.isapi.entries[*first];
                Side {
                    node: n,
                    value: Some(dll.clone()),
                    place: Place {
                        span: entry.span,
                        key: Some(entry.key),
                        attr: Some(entry.attr),
                    },
                }
            }
            None => {
                let (value, place) = absent(node, &per_node[n], slot);
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
