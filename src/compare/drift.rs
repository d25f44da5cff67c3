//! The shared mechanism of the drift rules: a value and its place on each node ([`Side`]), the
//! groups of nodes that agree, and one finding per group that differs from the reference.

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::metabase::{AttrId, KeyId, Metabase, Span};
use crate::rules::Rule;

use super::images::*;
use super::isapi::*;
use super::lockdown::*;
use super::matrix::*;
use super::node::*;
use super::server::*;
use super::*;

/// Where a value stands on a node: a span of its text, with its key and property when there are.
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub(super) span: Span,
    pub(super) key: Option<KeyId>,
    pub(super) attr: Option<AttrId>,
}

impl Place {
    pub(super) fn attr(mb: &Metabase, key: KeyId, attr: AttrId) -> Place {
        Place {
            span: mb.attr(attr).value,
            key: Some(key),
            attr: Some(attr),
        }
    }

    /// The Location value of a key: where a value that is absent would be written.
    pub(super) fn key(mb: &Metabase, key: KeyId) -> Place {
        Place {
            span: mb.key(key).location,
            key: Some(key),
            attr: None,
        }
    }

    /// The nearest key at or above `location`, or the file's start.
    pub(super) fn near(mb: &Metabase, location: &str) -> Place {
        match mb.nearest_key(&crate::metabase::model::normalise_location(location)) {
            Some(key) => Place::key(mb, key),
            None => Place {
                span: Span::new(0, 0),
                key: None,
                attr: None,
            },
        }
    }

    pub(super) fn line(&self, mb: &Metabase) -> usize {
        mb.source.line_col(self.span.start as usize).0
    }
}

/// One node's side of a difference: its value and where it stands.
pub(super) struct Side<V> {
    pub(super) node: usize,
    pub(super) value: V,
    pub(super) place: Place,
}

/// Groups the nodes by value: the reference group (the largest; a tie goes to the node named
/// first) first, then the others in the order their first node was named.
pub(super) fn groups<V: PartialEq>(sides: &[Side<V>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, side) in sides.iter().enumerate() {
        match groups.iter_mut().find(|g| sides[g[0]].value == side.value) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    let Some(reference) = (0..groups.len()).max_by(|&a, &b| groups[a].len().cmp(&groups[b].len()).then(b.cmp(&a)))
    else {
        return groups;
    };
    let first = groups.remove(reference);
    std::iter::once(first).chain(groups).collect()
}

/// What a difference says, by group: a phrase for a value (`64-bit w3wp.exe`), and the words around.
pub(super) struct Words<'a, V> {
    pub(super) rule: &'static Rule,
    /// `worker bitness differs between nodes`
    pub(super) subject: String,
    pub(super) phrase: &'a dyn Fn(&V) -> String,
    pub(super) help: String,
    /// What groups findings of one cause (the same difference at many places of one file).
    pub(super) cause: Option<String>,
}

/// One finding per group that differs from the reference, in the file of the group's first node,
/// with a related place in every other node's file.
pub(super) fn report<V: PartialEq>(
    nodes: &[Node],
    sides: &[Side<V>],
    words: &Words<'_, V>,
    out: &mut [Vec<Diagnostic>],
) {
    if sides.len() < 2 {
        return;
    }
    let groups = groups(sides);
    if groups.len() < 2 {
        return;
    }
    let named = |group: &[usize]| -> String {
        group
            .iter()
            .map(|&i| {
                let side = &sides[i];
                let node = &nodes[side.node];
                format!("{} (line {})", node.name, side.place.line(&node.mb))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for g in 1..groups.len() {
        let group = &groups[g];
        let primary = &sides[group[0]];
        let node = &nodes[primary.node];
        let mut others: Vec<String> = vec![format!(
            "{}: {}",
            named(&groups[0]),
            (words.phrase)(&sides[groups[0][0]].value)
        )];
        for (h, other) in groups.iter().enumerate().skip(1) {
            if h != g {
                others.push(format!("{}: {}", named(other), (words.phrase)(&sides[other[0]].value)));
            }
        }
        let message = format!(
            "{}: {}: {}; {}",
            words.subject,
            named(group),
            (words.phrase)(&primary.value),
            others.join("; ")
        );
        let mut d = words
            .rule
            .diagnostic(primary.place.span, message)
            .label(format!("{}: {}", node.name, (words.phrase)(&primary.value)))
            .help(words.help.clone());
        if let Some(key) = primary.place.key {
            d = d.at(&node.mb, key, primary.place.attr);
        }
        if let Some(cause) = &words.cause {
            d = d.cause(cause.as_str());
        }
        for (h, other) in groups.iter().enumerate() {
            for &i in other {
                if h == g && i == group[0] {
                    continue;
                }
                let side = &sides[i];
                let other_node = &nodes[side.node];
                d = d.related_in(
                    other_node.file.clone(),
                    side.place.span,
                    format!("{}: {}", other_node.name, (words.phrase)(&side.value)),
                );
            }
        }
        out[primary.node].push(d);
    }
}

/// Compares the nodes: the findings per node, and the matrix with the rows that differ marked.
pub(super) fn diff(nodes: &[Node]) -> (Vec<Vec<Diagnostic>>, Vec<DllRow>) {
    let mut out: Vec<Vec<Diagnostic>> = vec![Vec::new(); nodes.len()];
    platform(nodes, &mut out);
    isolation(nodes, &mut out);
    worker_bitness(nodes, &mut out);
    let mut differing: BTreeSet<String> = BTreeSet::new();
    isapi_set(nodes, &mut out, &mut differing);
    filter_order(nodes, &mut out);
    let mut contents = Vec::new();
    let mut rows = matrix(nodes, &mut contents);
    images(nodes, &rows, &mut contents, &mut out, &mut differing);
    lockdown(nodes, &mut out);
    for row in &mut rows {
        row.differs = differing.contains(&row.key);
    }
    (out, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_group_is_the_reference_and_ties_go_to_the_first() {
        let side = |node, value: u8| Side {
            node,
            value,
            place: Place {
                span: Span::new(0, 0),
                key: None,
                attr: None,
            },
        };
        assert_eq!(groups(&[side(0, 1), side(1, 2), side(2, 2)]), [vec![1, 2], vec![0]]);
        assert_eq!(groups(&[side(0, 1), side(1, 2)]), [vec![0], vec![1]]);
        assert_eq!(
            groups(&[side(0, 1), side(1, 2), side(2, 3)]),
            [vec![0], vec![1], vec![2]]
        );
        assert_eq!(groups(&[side(0, 1), side(1, 1)]), [vec![0, 1]]);
        assert_eq!(groups::<u8>(&[]), Vec::<Vec<usize>>::new());
    }
}
