//! MB601, MB602, MB603: the platform, the isolation mode and the worker bitness of each node.

use crate::bitness::Bitness;
use crate::diagnostic::Diagnostic;
use crate::host::IsolationMode;
use crate::metabase::isapi::APP_POOLS;
use crate::rules::drift::{ISOLATION_DRIFT, PLATFORM_DRIFT, WORKER_BITNESS_DRIFT};

use super::drift::*;
use super::node::*;

/// Where the platform was decided: a metabase clue's span, else `/LM/W3SVC`.
pub(super) fn platform_place(node: &Node) -> Place {
    let mb = &node.mb;
    let clue = node.linted.model.platform.evidence.iter().find_map(|c| c.span);
    match clue {
        Some(span) => Place {
            span,
            key: None,
            attr: None,
        },
        None => Place::near(mb, "/LM/W3SVC"),
    }
}

pub(super) fn platform(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<crate::platform::Platform>> = nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            Some(Side {
                node: n,
                value: node.linted.model.platform.value.single()?,
                place: platform_place(node),
            })
        })
        .collect();
    let phrase = |p: &crate::platform::Platform| p.describe().to_string();
    report(
        nodes,
        &sides,
        &Words {
            rule: &PLATFORM_DRIFT,
            subject: "the nodes run different platforms".into(),
            phrase: &phrase,
            help: "a node of a farm or cluster must run the platform of the others: a 64-bit image fits no process of 32-bit Windows, and a 32-bit filter fails in a 64-bit worker (KB875423); rebuild the node, or keep it out of the farm".into(),
            cause: None,
        },
        out,
    );
}

pub(super) fn isolation(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<IsolationMode>> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let mb = &node.mb;
            let place = match &node.server.iis5_isolation {
                Some(s) => Place::attr(mb, s.key, s.attr),
                None => Place::near(mb, "/LM/W3SVC"),
            };
            Side {
                node: n,
                value: node.linted.model.isolation.value,
                place,
            }
        })
        .collect();
    let phrase = |m: &IsolationMode| m.describe().to_string();
    report(
        nodes,
        &sides,
        &Words {
            rule: &ISOLATION_DRIFT,
            subject: "the nodes run in different isolation modes".into(),
            phrase: &phrase,
            help: "set IIs5IsolationModeEnabled at /LM/W3SVC alike on every node (IIS Manager, Web Sites, Properties, Service), then restart IIS; in IIS 5.0 isolation mode DLLs load into the native inetinfo.exe and dllhost.exe, and Enable32BitAppOnWin64 is ignored".into(),
            cause: None,
        },
        out,
    );
}

pub(super) fn worker_bitness(nodes: &[Node], out: &mut [Vec<Diagnostic>]) {
    let sides: Vec<Side<Bitness>> = nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            let bitness = node.bitness?;
            let mb = &node.mb;
            let place = match node.worker.setting {
                Some((key, attr)) => Place::attr(mb, key, attr),
                None => Place::near(mb, APP_POOLS),
            };
            Some(Side {
                node: n,
                value: bitness,
                place,
            })
        })
        .collect();
    // The words name the processes and what decides their bitness, as the group's first node says.
    let by_value: Vec<(Bitness, String)> = sides
        .iter()
        .map(|s| {
            let node = &nodes[s.node];
            let process = if node.worker.iis5 {
                "inetinfo.exe and dllhost.exe"
            } else {
                "w3wp.exe"
            };
            (
                s.value,
                format!("{} {process} ({})", s.value, node.worker.describe(&node.mb)),
            )
        })
        .collect();
    let phrase = |v: &Bitness| {
        by_value
            .iter()
            .find(|(b, _)| b == v)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    report(
        nodes,
        &sides,
        &Words {
            rule: &WORKER_BITNESS_DRIFT,
            subject: "the nodes load ISAPI DLLs in workers of different bitness".into(),
            phrase: &phrase,
            help: "set Enable32BitAppOnWin64 at /LM/W3SVC/AppPools alike on every node (`cscript adsutil.vbs SET W3SVC/AppPools/Enable32BitAppOnWin64 TRUE` or FALSE), then iisreset: a failover to a node of the other bitness fails every DLL built for this one (503 for a filter, 500 for an extension; KB875423, KB894435)".into(),
            cause: None,
        },
        out,
    );
}
