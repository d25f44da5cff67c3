//! The metabase model: keys, their properties as spans into the source text, and inheritance.
//!
//! Nothing here copies a value: an [`Attr`] is two spans, and a value's text is read from the source
//! when asked for. Inheritance walks parent links (no recursion), and no key carries a copy of an
//! inherited list: that is what keeps a 50,000-site metabase linear in time and memory.

use std::borrow::Cow;

use super::props::Prop;
use super::source::{SourceFile, Span};

pub type KeyId = u32;
pub type AttrId = u32;

/// Where a property's value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// An attribute of the key's element: `ScriptMaps="..."`.
    Attribute,
    /// A `<Custom Name=".." ID=".." Value=".."/>` child; `element` spans the whole child, `id` is 0
    /// when the ID is missing or not a number.
    Custom { id: u32, element: Span },
}

/// One property of a key. `name` spans the attribute name (for a Custom child, its `Name` value);
/// `value` spans the raw value between the quotes (for a Custom child, its `Value` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub name: Span,
    pub value: Span,
    pub kind: AttrKind,
}

/// One metabase key: an element directly inside `<MBProperty>`.
#[derive(Debug, Clone)]
pub struct Key {
    /// The element name, which is the key type (`IIsWebServer`).
    pub key_type: Span,
    /// The raw `Location` value.
    pub location: Span,
    /// The Location normalised for comparison: lower case, no trailing `/`.
    pub path: std::sync::Arc<str>,
    /// From the `<` of the open tag to the `>` of the close tag.
    pub span: Span,
    /// Indexes into [`Metabase::attrs`].
    pub attrs: std::ops::Range<AttrId>,
    /// The nearest key above this one in the Location tree.
    pub parent: Option<KeyId>,
}

/// The keys by normalised Location, hashed with foldhash (seeded per process like std's, faster on
/// short strings: every key is looked up again for its parent).
type KeyIndex = std::collections::HashMap<std::sync::Arc<str>, KeyId, foldhash::fast::RandomState>;

/// How property names written as attributes are matched to the names mblint reads.
///
/// No source says whether IIS 6's metabase reader folds the case of a property name
/// (rules/MB005.md): mblint's verdicts read names without regard to the case of ASCII letters, and
/// when a file holds a name that differs from the schema's only in case, the rules run again on
/// the file read as spelled, and MB005 names what that other reading would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameReading {
    /// `scriptmaps` is ScriptMaps.
    #[default]
    Caseless,
    /// Only `ScriptMaps` is ScriptMaps: a name spelled otherwise is a name IIS does not know.
    Exact,
}

/// A parsed MetaBase.xml.
#[derive(Debug)]
pub struct Metabase {
    pub source: SourceFile,
    pub keys: Vec<Key>,
    pub attrs: Vec<Attr>,
    /// The `xmlns` of `<configuration>`, when present.
    pub namespace: Option<Span>,
    /// Keys whose Location repeats an earlier key's (the earlier key is the one that counts).
    pub duplicate_keys: Vec<KeyId>,
    index: KeyIndex,
    /// For each attribute, which property of [`props::ALL`](super::props::ALL) its name names
    /// and (for a Custom child) which its ID names, as 1 + the index (0: none). Worked out once, so
    /// looking a property up is a byte comparison, not a case-insensitive string one.
    known: Vec<(u8, u8)>,
    /// For each property of `props::ALL`, every key that has it, with the attribute: built on first
    /// use, so each rule asking for every ScriptMaps is a slice, not a scan of every attribute.
    with_prop: std::sync::OnceLock<Vec<Vec<(KeyId, AttrId)>>>,
    /// How attribute names are matched ([`NameReading`]).
    reading: NameReading,
    /// For a text parsed after a version before it ([`super::parse::parse_after`]): the keys taken
    /// whole from that version, as (this key, that version's key), in this text's order; each is
    /// that key byte for byte. Empty otherwise.
    pub taken: Vec<(KeyId, KeyId)>,
}

/// 1 + the index in [`props::ALL`](super::props::ALL) of the property named `name` (as `reading`
/// matches names), or 0.
fn known_name(name: &str, reading: NameReading) -> u8 {
    // Only names of the same length can match: the indices of `props::ALL` by their names'
    // length, in order, so the first match is the first in `ALL` (every attribute of a file is
    // looked up here: a scan of `ALL` for each was 5% of a check).
    static BY_LENGTH: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        let all = super::props::ALL;
        let mut out = vec![Vec::new(); all.iter().map(|p| p.name.len()).max().unwrap_or(0) + 1];
        for (i, p) in all.iter().enumerate() {
            out[p.name.len()].push(i as u8);
        }
        out
    });
    by_length
        .get(name.len())
        .into_iter()
        .flatten()
        .copied()
        .find(|&i| {
            let p = &super::props::ALL[i as usize];
            match reading {
                NameReading::Caseless => p.name.eq_ignore_ascii_case(name),
                NameReading::Exact => p.name == name,
            }
        })
        .map_or(0, |i| i + 1)
}

/// What `known_name` gives a property's name: a Custom child is known by its Name in any case (IIS
/// reads it by its ID; its Name is what tools wrote), an attribute as `reading` matches names.
fn known_attr(source: &SourceFile, a: &Attr, reading: NameReading) -> (u8, u8) {
    let name = &source.text[a.name.range()];
    match a.kind {
        AttrKind::Custom { id, .. } => (known_name(name, NameReading::Caseless), known_id(id)),
        AttrKind::Attribute => (known_name(name, reading), 0),
    }
}

/// 1 + the index in [`props::ALL`](super::props::ALL) of the property with this ID, or 0.
fn known_id(id: u32) -> u8 {
    super::props::ALL
        .iter()
        .position(|p| p.id == id)
        .map_or(0, |i| i as u8 + 1)
}

/// 1 + the index of `prop` in [`props::ALL`](super::props::ALL), or 0 for a property not in it.
fn known_prop(prop: Prop) -> u8 {
    super::props::ALL
        .iter()
        .position(|p| p.id == prop.id && p.name == prop.name)
        .map_or(0, |i| i as u8 + 1)
}

/// Normalises a Location for comparison: IIS compares them case-insensitively.
pub fn normalise_location(location: &str) -> String {
    let trimmed = location.trim();
    let trimmed = if trimmed.len() > 1 {
        trimmed.trim_end_matches('/')
    } else {
        trimmed
    };
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        trimmed.to_lowercase()
    }
}

/// The Location one level up (`/lm/w3svc/1` -> `/lm/w3svc`), or `None` at `/` and `.`.
pub fn parent_path(path: &str) -> Option<&str> {
    if path == "/" || !path.starts_with('/') {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

/// The raw text of a value with XML references resolved. The parser has already checked that
/// every reference is valid, so this never fails on a parsed file.
pub fn unescape(raw: &str) -> Cow<'_, str> {
    if raw.contains('&') {
        quick_xml::escape::unescape(raw).unwrap_or(Cow::Borrowed(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// One line of a multi-string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLine<'a> {
    /// 0-based index of the line within the value.
    pub index: usize,
    /// The line without its continuation indentation and line break.
    pub span: Span,
    pub raw: &'a str,
}

impl ValueLine<'_> {
    pub fn text(&self) -> Cow<'_, str> {
        unescape(self.raw)
    }
}

/// Splits a raw multi-string value into its lines: on `\n` (a preceding `\r` dropped), with the
/// TABs that indent continuation lines removed. Never on spaces: paths contain them.
pub fn value_lines(text: &str, value: Span) -> impl Iterator<Item = ValueLine<'_>> {
    let raw = &text[value.range()];
    let base = value.start as usize;
    // The lines as `raw.split('\n')` gives them (the last one too, empty after a final line
    // break), their ends found with the memchr crate's search: most values' lines are short, where
    // core's `split` costs several times as much per line (a million ScriptMaps lines a check).
    let ends = memchr::memchr_iter(b'\n', raw.as_bytes()).chain(std::iter::once(raw.len()));
    let mut next = 0usize;
    let lines = ends.map(move |end| {
        let line_start = next;
        next = end + 1;
        // A line break is one byte, never inside a character.
        (line_start, &raw[line_start..end])
    });
    lines.enumerate().map(move |(index, (line_start, line))| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let indent = if index == 0 {
            0
        } else {
            line.len() - line.trim_start_matches(['\t', ' ']).len()
        };
        let start = base + line_start + indent;
        ValueLine {
            index,
            span: Span::new(start, base + line_start + line.len()),
            raw: &line[indent..],
        }
    })
}

impl Metabase {
    pub(super) fn new(source: SourceFile, keys: Vec<Key>, attrs: Vec<Attr>, namespace: Option<Span>) -> Metabase {
        Metabase::new_after(source, keys, attrs, namespace, None, &[])
    }

    /// As [`new`](Self::new), for a text parsed after `previous` ([`super::parse::parse_after`]):
    /// each key of `taken` (this text's key, `previous`'s key) is `previous`'s key byte for byte,
    /// so its properties are the same names in the same order, known as `previous` knows them.
    pub(super) fn new_after(
        source: SourceFile,
        keys: Vec<Key>,
        attrs: Vec<Attr>,
        namespace: Option<Span>,
        previous: Option<&Metabase>,
        taken: &[(KeyId, KeyId)],
    ) -> Metabase {
        // Keys' properties in order, one after another, as a parse gives them: else every name
        // is worked out.
        let in_order = keys.windows(2).all(|w| w[0].attrs.end <= w[1].attrs.start)
            && keys.last().is_none_or(|k| k.attrs.end as usize <= attrs.len());
        let previous = previous.filter(|p| p.reading == NameReading::Caseless && in_order);
        let index_keys = || {
            let mut index: KeyIndex = KeyIndex::with_capacity_and_hasher(keys.len(), Default::default());
            let mut duplicate_keys = Vec::new();
            for (id, key) in keys.iter().enumerate() {
                if index.contains_key(&key.path) {
                    duplicate_keys.push(id as KeyId);
                } else {
                    index.insert(key.path.clone(), id as KeyId);
                }
            }
            (index, duplicate_keys)
        };
        let know_attrs = || -> Vec<(u8, u8)> {
            let Some(previous) = previous else {
                return attrs
                    .iter()
                    .map(|a| known_attr(&source, a, NameReading::Caseless))
                    .collect();
            };
            let mut known: Vec<(u8, u8)> = Vec::with_capacity(attrs.len());
            // The names of the properties from the next one not yet known up to `end`.
            let know = |known: &mut Vec<(u8, u8)>, end: AttrId| {
                let start = known.len();
                known.extend(
                    attrs[start..(end as usize).max(start)]
                        .iter()
                        .map(|a| known_attr(&source, a, NameReading::Caseless)),
                )
            };
            let mut taken = taken.iter().peekable();
            for (id, key) in keys.iter().enumerate() {
                // Properties outside keys (none in a parsed file) and keys read again: worked out.
                know(&mut known, key.attrs.start);
                let from = taken
                    .next_if(|(new, _)| *new as usize == id)
                    .and_then(|&(_, old)| Some(&previous.keys.get(old as usize)?.attrs))
                    .filter(|from| from.len() == key.attrs.len());
                match from {
                    Some(from) => known.extend_from_slice(&previous.known[from.start as usize..from.end as usize]),
                    None => know(&mut known, key.attrs.end),
                }
            }
            know(&mut known, attrs.len() as AttrId);
            // The tests (debug builds) work every name out again and hold the copy to it.
            debug_assert!(
                known
                    .iter()
                    .zip(&attrs)
                    .all(|(k, a)| *k == known_attr(&source, a, NameReading::Caseless))
                    && known.len() == attrs.len(),
                "a key taken whole from the version before has the names it had"
            );
            known
        };
        // Two independent passes: on two threads for a large file.
        let ((index, duplicate_keys), known) = if attrs.len() >= 100_000 {
            std::thread::scope(|scope| {
                let known = scope.spawn(know_attrs);
                let indexed = index_keys();
                match known.join() {
                    Ok(known) => (indexed, known),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })
        } else {
            (index_keys(), know_attrs())
        };
        let mut mb = Metabase {
            source,
            keys,
            attrs,
            namespace,
            duplicate_keys,
            index,
            known,
            with_prop: std::sync::OnceLock::new(),
            reading: NameReading::Caseless,
            taken: taken.to_vec(),
        };
        for id in 0..mb.keys.len() {
            let parent = parent_path(&mb.keys[id].path).and_then(|p| mb.nearest_key(p));
            mb.keys[id].parent = parent;
        }
        mb
    }

    pub fn text(&self) -> &str {
        &self.source.text
    }

    /// How this model matches attribute names to the properties mblint reads.
    pub fn reading(&self) -> NameReading {
        self.reading
    }

    /// The same file read with names matched as `reading` says: the text shared, a copy of the
    /// keys, for the second run of the rules that MB005 compares.
    pub fn read_as(&self, reading: NameReading) -> Metabase {
        let source = self.source.sharing();
        let known = self.attrs.iter().map(|a| known_attr(&source, a, reading)).collect();
        Metabase {
            source,
            keys: self.keys.clone(),
            attrs: self.attrs.clone(),
            namespace: self.namespace,
            duplicate_keys: self.duplicate_keys.clone(),
            index: self.index.clone(),
            known,
            with_prop: std::sync::OnceLock::new(),
            reading,
            taken: self.taken.clone(),
        }
    }

    /// Per key, whether it is the key of the same index of the version it was parsed after, byte
    /// for byte ([`Metabase::taken`]).
    pub fn taken_in_place(&self) -> Vec<bool> {
        let mut out = vec![false; self.keys.len()];
        for &(new, old) in &self.taken {
            if new == old
                && let Some(same) = out.get_mut(new as usize)
            {
                *same = true;
            }
        }
        out
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.source.text[span.range()]
    }

    pub fn key(&self, id: KeyId) -> &Key {
        &self.keys[id as usize]
    }

    pub fn attr(&self, id: AttrId) -> &Attr {
        &self.attrs[id as usize]
    }

    pub fn key_type(&self, id: KeyId) -> &str {
        self.slice(self.key(id).key_type)
    }

    /// The Location as written in the file.
    pub fn location(&self, id: KeyId) -> Cow<'_, str> {
        unescape(self.slice(self.key(id).location))
    }

    /// The key at exactly this Location (any spelling), the first one if it is duplicated.
    pub fn find(&self, location: &str) -> Option<KeyId> {
        self.index.get(normalise_location(location).as_str()).copied()
    }

    /// The key at `path` (already normalised), or the nearest one above it.
    pub fn nearest_key(&self, mut path: &str) -> Option<KeyId> {
        loop {
            if let Some(&id) = self.index.get(path) {
                return Some(id);
            }
            path = parent_path(path)?;
        }
    }

    /// The property's name as written (attribute name, or a Custom child's Name).
    pub fn attr_name(&self, attr: AttrId) -> Cow<'_, str> {
        unescape(self.slice(self.attr(attr).name))
    }

    /// The property's value with XML references resolved.
    pub fn attr_value(&self, attr: AttrId) -> Cow<'_, str> {
        unescape(self.slice(self.attr(attr).value))
    }

    /// The lines of a multi-string property.
    pub fn attr_lines(&self, attr: AttrId) -> impl Iterator<Item = ValueLine<'_>> {
        value_lines(self.text(), self.attr(attr).value)
    }

    /// The key's own value of `prop`: an attribute of that name, or a Custom child with its name or ID.
    pub fn own(&self, key: KeyId, prop: Prop) -> Option<AttrId> {
        let wanted = known_prop(prop);
        if wanted != 0 {
            return self.key(key).attrs.clone().find(|&a| {
                let (name, id) = self.known[a as usize];
                name == wanted || id == wanted
            });
        }
        self.key(key).attrs.clone().find(|&a| {
            let attr = self.attr(a);
            let name = self.slice(attr.name);
            match attr.kind {
                AttrKind::Custom { id, .. } => id == prop.id || name.eq_ignore_ascii_case(prop.name),
                AttrKind::Attribute if self.reading == NameReading::Exact => name == prop.name,
                AttrKind::Attribute => name.eq_ignore_ascii_case(prop.name),
            }
        })
    }

    /// The effective value of `prop` at `key`: its own, else (for an inheritable property) the
    /// nearest ancestor's. Returns the key that holds it and the property.
    pub fn effective(&self, key: KeyId, prop: Prop) -> Option<(KeyId, AttrId)> {
        let mut current = Some(key);
        while let Some(k) = current {
            if let Some(a) = self.own(k, prop) {
                return Some((k, a));
            }
            if !prop.inherit {
                return None;
            }
            current = self.key(k).parent;
        }
        None
    }

    /// The effective value of `prop` at a Location, whether or not a key exists there.
    pub fn effective_at(&self, location: &str, prop: Prop) -> Option<(KeyId, AttrId)> {
        let path = normalise_location(location);
        let exact = self.index.get(path.as_str()).copied();
        match exact {
            Some(key) => self.effective(key, prop),
            None if prop.inherit => {
                let key = self.nearest_key(parent_path(&path)?)?;
                self.effective(key, prop)
            }
            None => None,
        }
    }

    /// Every key that holds its own value of `prop`.
    pub fn keys_with(&self, prop: Prop) -> impl Iterator<Item = (KeyId, AttrId)> + '_ {
        let wanted = known_prop(prop);
        let indexed = (wanted != 0).then(|| self.with_prop()[wanted as usize - 1].iter().copied());
        let scanned =
            (wanted == 0).then(|| (0..self.keys.len() as KeyId).filter_map(move |k| self.own(k, prop).map(|a| (k, a))));
        indexed.into_iter().flatten().chain(scanned.into_iter().flatten())
    }

    /// Per property of `props::ALL`, each key's own value of it (as [`Metabase::own`] finds it), in
    /// key order.
    fn with_prop(&self) -> &[Vec<(KeyId, AttrId)>] {
        self.with_prop.get_or_init(|| {
            let mut lists = vec![Vec::new(); super::props::ALL.len()];
            for (k, key) in self.keys.iter().enumerate() {
                let mut seen: u64 = 0;
                for a in key.attrs.clone() {
                    let (name, id) = self.known[a as usize];
                    for p in [name, id] {
                        if p != 0 && seen & (1 << (p - 1)) == 0 {
                            seen |= 1 << (p - 1);
                            lists[p as usize - 1].push((k as KeyId, a));
                        }
                    }
                }
            }
            lists
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-up by length finds what a scan of `props::ALL` finds, in both readings.
    #[test]
    fn known_names_are_found_as_a_scan_finds_them() {
        let scan = |name: &str, reading: NameReading| {
            super::super::props::ALL
                .iter()
                .position(|p| match reading {
                    NameReading::Caseless => p.name.eq_ignore_ascii_case(name),
                    NameReading::Exact => p.name == name,
                })
                .map_or(0, |i| i as u8 + 1)
        };
        let mut names: Vec<String> = Vec::new();
        for p in super::super::props::ALL {
            names.extend([p.name.to_string(), p.name.to_lowercase(), p.name.to_uppercase()]);
            names.push(format!("{}x", p.name));
            names.push(p.name[1..].to_string());
        }
        names.extend(["".to_string(), "ServerComment".to_string(), "é".repeat(40)]);
        for name in &names {
            for reading in [NameReading::Caseless, NameReading::Exact] {
                assert_eq!(known_name(name, reading), scan(name, reading), "{name} {reading:?}");
            }
        }
        assert_ne!(known_name("scriptmaps", NameReading::Caseless), 0);
        assert_eq!(known_name("scriptmaps", NameReading::Exact), 0);
    }

    #[test]
    fn locations_normalise() {
        assert_eq!(normalise_location("/LM/W3SVC/1/Root/"), "/lm/w3svc/1/root");
        assert_eq!(normalise_location("/"), "/");
        assert_eq!(normalise_location("."), ".");
        assert_eq!(normalise_location("/LM/W3SVC/Ä"), "/lm/w3svc/ä");
    }

    #[test]
    fn parents() {
        assert_eq!(parent_path("/lm/w3svc"), Some("/lm"));
        assert_eq!(parent_path("/lm"), Some("/"));
        assert_eq!(parent_path("/"), None);
        assert_eq!(parent_path("."), None);
    }

    #[test]
    fn multistring_lines_keep_spaces_and_drop_indentation() {
        let text = "X=\".a,C:\\Program Files (x86)\\a.dll,5\r\n\t\t\t.b,C:\\b.dll,1\r\n\t\t\t\"";
        let start = text.find('"').unwrap() + 1;
        let end = text.rfind('"').unwrap();
        let lines: Vec<_> = value_lines(text, Span::new(start, end)).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].raw, ".a,C:\\Program Files (x86)\\a.dll,5");
        assert_eq!(lines[1].raw, ".b,C:\\b.dll,1");
        assert_eq!(&text[lines[1].span.range()], ".b,C:\\b.dll,1");
        assert_eq!(lines[2].raw, "");
    }

    /// The lines are those `split('\n')` gives (what `value_lines` was written with): every value
    /// of these pieces, with their spans and indexes, an empty value and final line breaks included.
    #[test]
    fn value_lines_split_as_str_split_does() {
        fn by_split(text: &str, value: Span) -> Vec<ValueLine<'_>> {
            let raw = &text[value.range()];
            let base = value.start as usize;
            let mut offset = 0usize;
            raw.split('\n')
                .enumerate()
                .map(|(index, line)| {
                    let line_start = offset;
                    offset += line.len() + 1;
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    let indent = if index == 0 {
                        0
                    } else {
                        line.len() - line.trim_start_matches(['\t', ' ']).len()
                    };
                    ValueLine {
                        index,
                        span: Span::new(base + line_start + indent, base + line_start + line.len()),
                        raw: &line[indent..],
                    }
                })
                .collect()
        }
        let pieces = ["", "\n", "\r\n", "a", "\t\t", " é,x", "\r"];
        let mut values = vec![String::new()];
        for _ in 0..4 {
            values = values
                .iter()
                .flat_map(|v| pieces.iter().map(move |p| format!("{v}{p}")))
                .collect();
        }
        for value in &values {
            let text = format!("X=\"{value}\"");
            let span = Span::new(3, 3 + value.len());
            assert_eq!(
                value_lines(&text, span).collect::<Vec<_>>(),
                by_split(&text, span),
                "{value:?}"
            );
        }
    }
}
