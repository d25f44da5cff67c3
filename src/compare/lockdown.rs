//! MB608: what the restriction list (WebSvcExtRestrictionList) and ApplicationDependencies allow on
//! each node.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::metabase::values::restriction_key;
use crate::metabase::{Span, props};
use crate::rules::drift::LOCKDOWN_DRIFT;

use super::drift::*;
use super::node::*;

/// What a node's restriction list does with an entry: allowed or not, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Allowance {
    pub(super) allowed: Option<bool>,
}

pub(super) fn lockdown(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    // Restriction entries, by restriction key: (allowed, line span) per node; the wildcards too.
    type Entries = HashMap<String, (bool, Span, String)>;
    let per_node: Vec<Entries> = nodes
        .iter()
        .map(|node| {
            let mut map: Entries = HashMap::new();
            for e in &node.server.restrictions {
                if let Ok(r) = &e.entry {
                    map.entry(restriction_key(&r.path))
                        .or_insert((r.allowed, e.span, r.path.clone()));
                }
            }
            map
        })
        .collect();
    let mut keys: Vec<(String, String)> = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for e in &node.server.restrictions {
            if let Ok(r) = &e.entry {
                let key = restriction_key(&r.path);
                if !keys.iter().any(|(k, _)| *k == key) && per_node[n].contains_key(&key) {
                    keys.push((key, r.path.clone()));
                }
            }
        }
    }
    let list_place = |node: &Node| -> Place {
        let mb = &node.mb;
        mb.find("/LM/W3SVC")
            .and_then(|svc| {
                mb.own(svc, props::WEB_SVC_EXT_RESTRICTION_LIST)
                    .map(|attr| Place::attr(mb, svc, attr))
            })
            .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"))
    };
    for (key, shown) in keys {
        let wildcard = if key.ends_with(".dll") { "*.dll" } else { "*.exe" };
        let sides: Vec<Side<(Allowance, String)>> = nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let (allowed, place, by) = match per_node[n].get(&key) {
                    Some((allowed, span, _)) => (
                        Some(*allowed),
                        Place {
                            span: *span,
                            ..list_place(node)
                        },
                        "its own entry".to_string(),
                    ),
                    None => match per_node[n].get(wildcard) {
                        Some((allowed, span, _)) if key != wildcard => (
                            Some(*allowed),
                            Place {
                                span: *span,
                                ..list_place(node)
                            },
                            format!("no entry of its own, so `{},{wildcard}`", u8::from(*allowed)),
                        ),
                        _ => (
                            None,
                            list_place(node),
                            "no entry for it or for all unknown extensions".to_string(),
                        ),
                    },
                };
                Side {
                    node: n,
                    value: (Allowance { allowed }, by),
                    place,
                }
            })
            .collect();
        // Compared by what is allowed, not by how: an own entry and the wildcard may agree.
        let bare: Vec<Side<Allowance>> = sides
            .iter()
            .map(|s| Side {
                node: s.node,
                value: s.value.0.clone(),
                place: s.place,
            })
            .collect();
        if groups(&bare).len() < 2 {
            continue;
        }
        let whys: Vec<(Allowance, String)> = sides.iter().map(|s| s.value.clone()).collect();
        let phrase = |a: &Allowance| {
            let why = whys.iter().find(|(b, _)| b == a).map(|(_, w)| w.as_str()).unwrap_or("");
            let state = match a.allowed {
                Some(true) => "allowed",
                Some(false) => "prohibited",
                None => "not governed",
            };
            format!("{state} ({why})")
        };
        report(
            nodes,
            &bare,
            &Words {
                rule: &LOCKDOWN_DRIFT,
                subject: format!("the Web Service Extension `{shown}` is allowed on some nodes only"),
                phrase: &phrase,
                help: "allow and prohibit Web Service Extensions alike on every node (IIS Manager, Web Service Extensions, or `iisext.vbs /EnFile` and `/DisFile`): a request the other node serves answers 404.2 on the node that prohibits it".into(),
                cause: None,
            },
            out,
        );
    }
    // ApplicationDependencies: the groups each application needs, by application name.
    type Deps = HashMap<String, (Vec<String>, Span, String)>;
    let deps: Vec<Deps> = nodes
        .iter()
        .map(|node| {
            let mut map: Deps = HashMap::new();
            for e in &node.server.dependencies {
                if let Ok(d) = &e.entry {
                    let mut groups: Vec<String> = d.groups.iter().map(|g| g.to_lowercase()).collect();
                    groups.sort();
                    groups.dedup();
                    map.entry(d.application.to_lowercase())
                        .or_insert((groups, e.span, d.application.clone()));
                }
            }
            map
        })
        .collect();
    let mut apps: Vec<(String, String)> = Vec::new();
    for d in &deps {
        let mut mine: Vec<(&String, &String)> = d.iter().map(|(k, v)| (k, &v.2)).collect();
        mine.sort();
        for (k, shown) in mine {
            if !apps.iter().any(|(a, _)| a == k) {
                apps.push((k.clone(), shown.clone()));
            }
        }
    }
    // GroupIDs as the nodes write them (compared case-insensitively).
    let group_names: HashMap<String, String> = nodes
        .iter()
        .flat_map(|node| &node.server.dependencies)
        .filter_map(|e| e.entry.as_ref().ok())
        .flat_map(|d| d.groups.iter().map(|g| (g.to_lowercase(), g.clone())))
        .collect();
    let deps_place = |node: &Node| -> Place {
        let mb = &node.mb;
        mb.find("/LM/W3SVC")
            .and_then(|svc| {
                mb.own(svc, props::APPLICATION_DEPENDENCIES)
                    .map(|attr| Place::attr(mb, svc, attr))
            })
            .unwrap_or_else(|| Place::near(mb, "/LM/W3SVC"))
    };
    for (app, shown) in apps {
        let sides: Vec<Side<Option<Vec<String>>>> = nodes
            .iter()
            .enumerate()
            .map(|(n, node)| match deps[n].get(&app) {
                Some((groups, span, _)) => Side {
                    node: n,
                    value: Some(groups.clone()),
                    place: Place {
                        span: *span,
                        ..deps_place(node)
                    },
                },
                None => Side {
                    node: n,
                    value: None,
                    place: deps_place(node),
                },
            })
            .collect();
        let phrase = |v: &Option<Vec<String>>| match v {
            Some(groups) => groups
                .iter()
                .map(|g| group_names.get(g).map_or(g.as_str(), String::as_str))
                .collect::<Vec<_>>()
                .join(", "),
            None => "none listed".into(),
        };
        report(
            nodes,
            &sides,
            &Words {
                rule: &LOCKDOWN_DRIFT,
                subject: format!("ApplicationDependencies of `{shown}` differ between nodes"),
                phrase: &phrase,
                help: "record the same application dependencies on every node (`iisext.vbs /AddDep` and `/RmDep`): IIS Manager enables or prohibits an application's extensions by them, so the nodes drift further apart the next time it is used".into(),
                cause: None,
            },
            out,
        );
    }
}
