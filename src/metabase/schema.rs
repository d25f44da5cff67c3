//! The metabase schema: every property (name, ID, type, attributes, default, range, flag names) and
//! every class (key type) with the properties it may hold.
//!
//! IIS 6.0's own schema is built in ([`Schema::builtin`], from `schema_table.rs`, generated from a
//! real MBSchema.xml). A server's own `MBSchema.xml` (beside MetaBase.xml in
//! `<windir>\system32\inetsrv`) holds the classes and properties its installed products added
//! through ADSI schema extensions: [`Schema::parse`] reads it, bounded and as carefully as the
//! metabase (no DOCTYPE, a size cap, counted and nested at most so deep), into the same structure.
//! Both go through the same reading of each property's texts ([`property`]), so the table and a
//! parse of the file it was made from are equal (`tests/real_metabase.rs`).
//!
//! What the schema says, and why mblint reads it so (rules/MB002.md, MB005.md, MB006.md):
//! - "The metabase schema also enforces which properties can be set at which keys ... only for
//!   properties that are written as in-schema properties" (IIS 6.0 docs, "Metabase Schema",
//!   aa670790): a class lists its properties with `<Property InheritsPropertiesFrom=
//!   "IIsConfigObject:Name"/>`.
//! - `EndingNumber="0"` is no upper bound: 149 DWORDs of IIS 6.0's schema say 0 with defaults above
//!   it (AspRequestQueueMax, default 500), and the SDK shows such a bound as "not specified".
//!   A range the schema's own default lies outside (SmtpServiceVersion: 1 to any, default 0) is not
//!   used: the schema contradicts itself there.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::props::PropType;

/// One property of the built-in table: the texts MBSchema.xml writes, read by [`property`].
pub struct BuiltinProp {
    pub name: &'static str,
    pub id: Option<&'static str>,
    pub ty: &'static str,
    pub attributes: &'static str,
    pub meta_flags: &'static str,
    pub default: Option<&'static str>,
    pub start: Option<&'static str>,
    pub end: Option<&'static str>,
    pub flags: &'static [(&'static str, &'static str)],
}

/// A property as the schema defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: Box<str>,
    pub id: u32,
    pub ty: PropType,
    /// `Attributes` holds INHERIT: the value applies to the keys below.
    pub inherit: bool,
    /// `Attributes` holds SECURE: MetaBase.xml holds the value encrypted, as hexadecimal bytes.
    pub secure: bool,
    /// `MetaFlags` holds CASEINSENSITIVE: the value compares without regard to case.
    pub case_insensitive: bool,
    pub default: Option<Box<str>>,
    /// The numbers a DWORD may take (StartingNumber to EndingNumber), when the schema gives a
    /// range its own default lies within; `None` for no bound.
    pub range: Option<(u32, Option<u32>)>,
    /// Flag names and values; empty for a plain number or a boolean.
    pub flags: Vec<(Box<str>, u32)>,
}

/// A class: a key type (the element name in MetaBase.xml) and the properties it may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: Box<str>,
    /// A bit per property of [`Schema::properties`].
    members: Vec<u64>,
}

/// What a property name written in MetaBase.xml is to the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The schema's property, spelled as the schema spells it.
    Exact(u32),
    /// A property the name differs from only in the case of ASCII letters.
    Case(u32),
    /// No property of the schema.
    Unknown,
}

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A metabase schema: IIS 6.0's built-in one, or a server's MBSchema.xml.
#[derive(Debug)]
pub struct Schema {
    properties: Vec<Property>,
    classes: Vec<Class>,
    /// By name as spelled, by name with ASCII letters folded to lower case, by ID.
    exact: Map<Box<str>, u32>,
    folded: Map<Box<str>, u32>,
    by_id: Map<u32, u32>,
    class_index: Map<Box<str>, u32>,
}

/// The largest MBSchema.xml mblint reads: IIS 6.0's is 261,251 bytes; products that extend it add a
/// few kilobytes each.
pub const MAX_SCHEMA_SIZE: u64 = 16 << 20;
/// How many properties, classes, class members, flags per property and nested elements a schema
/// may have: IIS 6.0's has 507, 64, 4,500, 20 and 4.
const MAX_PROPERTIES: usize = 65_536;
const MAX_CLASSES: usize = 4_096;
const MAX_MEMBERS: usize = 1_000_000;
const MAX_FLAGS: usize = 1_024;
const MAX_DEPTH: usize = 16;
/// The longest name mblint keeps (IIS 6.0's longest is 38 characters).
const MAX_NAME: usize = 1_024;

/// Why an MBSchema.xml could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SchemaError {
    pub line: usize,
    pub message: String,
}

/// Reads a property's texts: `Err` says what is wrong with them.
#[allow(clippy::too_many_arguments)]
pub fn property(
    name: &str,
    id: Option<&str>,
    ty: &str,
    attributes: &str,
    meta_flags: &str,
    default: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    flags: &[(&str, &str)],
) -> Result<Property, String> {
    let number = |what: &str, text: &str| -> Result<u32, String> {
        text.trim()
            .parse::<u32>()
            .map_err(|_| format!("the {what} of {name} is \"{text}\", not a number from 0 to 4294967295"))
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!("a property name of {} characters", name.len()));
    }
    let id = number("ID", id.ok_or_else(|| format!("the property {name} has no ID"))?)?;
    let words = |text: &str| text.split('|').map(str::trim).map(str::to_string).collect::<Vec<_>>();
    let attributes = words(attributes);
    let meta_flags = words(meta_flags);
    let ty = PropType::parse(ty).unwrap_or(PropType::Other);
    let default = default.map(Box::from);
    let start = start.map(|s| number("StartingNumber", s)).transpose()?;
    let end = end.map(|s| number("EndingNumber", s)).transpose()?.filter(|&e| e != 0);
    let range = (ty == PropType::Dword && (start.is_some_and(|s| s > 0) || end.is_some()))
        .then(|| (start.unwrap_or(0), end))
        .filter(|&(lo, hi)| {
            // A default outside the range: the schema contradicts itself, and no bound is used.
            let default = default.as_deref().and_then(|d: &str| d.trim().parse::<u32>().ok());
            hi.is_none_or(|hi| lo <= hi) && default.is_none_or(|d| lo <= d && hi.is_none_or(|hi| d <= hi))
        });
    if flags.len() > MAX_FLAGS {
        return Err(format!("the property {name} has {} flags", flags.len()));
    }
    let flags = flags
        .iter()
        .map(|(flag, value)| {
            if flag.is_empty() || flag.len() > MAX_NAME {
                return Err(format!("a flag of {name} has a name of {} characters", flag.len()));
            }
            Ok((Box::from(*flag), number(&format!("value of the flag {flag}"), value)?))
        })
        .collect::<Result<Vec<(Box<str>, u32)>, String>>()?;
    // By value, as the documentation lists them (the file's order is not the bits' order).
    let mut flags = flags;
    flags.sort_by_key(|&(_, value)| value);
    Ok(Property {
        name: name.into(),
        id,
        ty,
        inherit: attributes.iter().any(|a| a == "INHERIT"),
        secure: attributes.iter().any(|a| a == "SECURE"),
        case_insensitive: meta_flags.iter().any(|f| f == "CASEINSENSITIVE"),
        default,
        range,
        flags,
    })
}

/// A name with ASCII letters folded to lower case (as [`Lookup::Case`] compares).
fn fold(name: &str) -> Box<str> {
    name.to_ascii_lowercase().into_boxed_str()
}

impl Schema {
    /// Builds a schema from its properties and its classes' member names; a member the schema
    /// does not define is left out (a class cannot hold what no definition gives an ID).
    fn build(properties: Vec<Property>, classes: Vec<(Box<str>, Vec<Box<str>>)>) -> Result<Schema, String> {
        let mut exact: Map<Box<str>, u32> = Map::default();
        let mut folded: Map<Box<str>, u32> = Map::default();
        let mut by_id: Map<u32, u32> = Map::default();
        for (i, p) in properties.iter().enumerate() {
            if exact.insert(p.name.clone(), i as u32).is_some() {
                return Err(format!("the property {} is defined twice", p.name));
            }
            if let Some(other) = by_id.insert(p.id, i as u32) {
                return Err(format!(
                    "the properties {} and {} have one ID, {}",
                    properties[other as usize].name, p.name, p.id
                ));
            }
            // Two names that differ only in case: neither is a case variant of the other.
            folded.entry(fold(&p.name)).or_insert(i as u32);
        }
        let words = properties.len().div_ceil(64);
        let mut class_index: Map<Box<str>, u32> = Map::default();
        let mut built = Vec::with_capacity(classes.len());
        for (name, members) in classes {
            let mut bits = vec![0u64; words];
            for member in members {
                if let Some(&i) = exact.get(&member) {
                    bits[i as usize / 64] |= 1 << (i % 64);
                }
            }
            match class_index.get(&name) {
                // A collection written twice: its lists add up.
                Some(&c) => {
                    let class: &mut Class = &mut built[c as usize];
                    for (to, from) in class.members.iter_mut().zip(bits) {
                        *to |= from;
                    }
                }
                None => {
                    class_index.insert(name.clone(), built.len() as u32);
                    built.push(Class { name, members: bits });
                }
            }
        }
        Ok(Schema {
            properties,
            classes: built,
            exact,
            folded,
            by_id,
            class_index,
        })
    }

    /// IIS 6.0's schema, as its MBSchema.xml defines it (built once).
    pub fn builtin() -> Arc<Schema> {
        static BUILTIN: OnceLock<Arc<Schema>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let properties = super::schema_table::PROPERTIES
                    .iter()
                    .map(|p| {
                        property(
                            p.name,
                            p.id,
                            p.ty,
                            p.attributes,
                            p.meta_flags,
                            p.default,
                            p.start,
                            p.end,
                            p.flags,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .expect("the built-in schema reads");
                let classes = super::schema_table::CLASSES
                    .iter()
                    .map(|(name, members)| (Box::from(*name), members.iter().map(|m| member_name(m)).collect()))
                    .collect();
                Arc::new(Schema::build(properties, classes).expect("the built-in schema is consistent"))
            })
            .clone()
    }

    /// A server's own schema added to this one (IIS 6.0's): every class and property of either.
    /// Where both define a property by name or by ID, the server's definition is the one used: it
    /// is what that server enforces. Nothing of the base is dropped otherwise, as IIS 6's schema is
    /// extended, never reduced ("Editing the metabase schema is not supported"; products add
    /// classes and properties through ADSI, "Extending the Schema").
    pub fn with(&self, server: Schema) -> Schema {
        let mut classes = server.class_lists();
        classes.extend(self.class_lists());
        let mut properties = server.properties;
        let (names, ids): (std::collections::HashSet<Box<str>>, std::collections::HashSet<u32>) =
            properties.iter().map(|p| (p.name.clone(), p.id)).unzip();
        properties.extend(
            self.properties
                .iter()
                .filter(|p| !names.contains(&p.name) && !ids.contains(&p.id))
                .cloned(),
        );
        Schema::build(properties, classes)
            .expect("names and IDs are unique in both, and the base's yield to the server's")
    }

    /// Each class with the names of its members.
    fn class_lists(&self) -> Vec<(Box<str>, Vec<Box<str>>)> {
        (0..self.classes.len() as u32)
            .map(|c| {
                let members = (0..self.properties.len() as u32)
                    .filter(|&p| self.allows(c, p))
                    .map(|p| self.properties[p as usize].name.clone())
                    .collect();
                (self.classes[c as usize].name.clone(), members)
            })
            .collect()
    }

    /// Reads an MBSchema.xml's text.
    pub fn parse(text: &str) -> Result<Schema, SchemaError> {
        SchemaParser::new(text).run()
    }

    pub fn properties(&self) -> &[Property] {
        &self.properties
    }

    pub fn property(&self, index: u32) -> &Property {
        &self.properties[index as usize]
    }

    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// What a property name is to the schema. Only ASCII letters fold, as IIS's names are ASCII.
    pub fn lookup(&self, name: &str) -> Lookup {
        if let Some(&i) = self.exact.get(name) {
            return Lookup::Exact(i);
        }
        if !name.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Lookup::Unknown;
        }
        // Folded on the stack for the names a metabase has; a longer one is rare and allocates.
        let mut buffer = [0u8; 64];
        let found = if name.len() <= buffer.len() {
            let bytes = &mut buffer[..name.len()];
            bytes.copy_from_slice(name.as_bytes());
            bytes.make_ascii_lowercase();
            // Folding ASCII letters keeps UTF-8 valid.
            std::str::from_utf8(bytes).ok().and_then(|f| self.folded.get(f))
        } else {
            self.folded.get(&*fold(name))
        };
        found.map_or(Lookup::Unknown, |&i| Lookup::Case(i))
    }

    /// The property with this ID.
    pub fn by_id(&self, id: u32) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// The class a key element names (as spelled: XML names are case-sensitive).
    pub fn class(&self, name: &str) -> Option<u32> {
        self.class_index.get(name).copied()
    }

    pub fn class_name(&self, class: u32) -> &str {
        &self.classes[class as usize].name
    }

    /// Whether keys of `class` may hold property `prop` as an attribute.
    pub fn allows(&self, class: u32, prop: u32) -> bool {
        self.classes[class as usize].members[prop as usize / 64] & (1 << (prop % 64)) != 0
    }

    /// The classes that may hold `prop`, by name, in the schema's order.
    pub fn classes_holding(&self, prop: u32) -> impl Iterator<Item = &str> + '_ {
        (0..self.classes.len() as u32)
            .filter(move |&c| self.allows(c, prop))
            .map(|c| self.class_name(c))
    }

    /// The schema's names closest to `name` (letter case aside), among those `class` may hold (every
    /// property when `None`): the nearest at an edit distance of at most a third of the name (and
    /// at least 1, at most 3), each once; empty when none is that close.
    pub fn suggest(&self, name: &str, class: Option<u32>) -> Vec<&str> {
        let wanted: Vec<u8> = name.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let limit = (wanted.len() / 3).clamp(1, 3);
        let mut best: Vec<&str> = Vec::new();
        let mut best_distance = limit + 1;
        for (i, p) in self.properties.iter().enumerate() {
            if class.is_some_and(|c| !self.allows(c, i as u32)) {
                continue;
            }
            if p.name.len().abs_diff(wanted.len()) > limit {
                continue;
            }
            let candidate: Vec<u8> = p.name.bytes().map(|b| b.to_ascii_lowercase()).collect();
            let d = edit_distance(&wanted, &candidate, best_distance.min(limit));
            if d < best_distance {
                best_distance = d;
                best.clear();
            }
            if d == best_distance && d <= limit {
                best.push(&p.name);
            }
        }
        best.sort_unstable();
        best
    }
}

/// `IIsConfigObject:Name` -> `Name`: the property a class's `InheritsPropertiesFrom` names.
fn member_name(from: &str) -> Box<str> {
    from.rsplit_once(':').map_or(from, |(_, name)| name).trim().into()
}

/// The optimal string alignment distance (Levenshtein with adjacent transpositions), or `cap + 1`
/// once it must exceed `cap`.
fn edit_distance(a: &[u8], b: &[u8], cap: usize) -> usize {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > cap {
        return cap + 1;
    }
    let mut before: Vec<usize> = vec![0; m + 1];
    let mut previous: Vec<usize> = (0..=m).collect();
    let mut current: Vec<usize> = vec![0; m + 1];
    for i in 1..=n {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > cap {
            return cap + 1;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[m].min(cap + 1)
}

/// Where the parser is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    MetaData,
    DatabaseMeta,
    /// A collection: IIsConfigObject (definitions), MetabaseBaseClass (the key's Location, not a
    /// property), or a class (by index into the classes read so far).
    Definitions,
    BaseClass,
    Class(usize),
    /// A property definition: its flags follow (by index into the properties read so far).
    Property(usize),
    /// Anything else (`ServerWiring`, a `Flag`): nothing in it is read.
    Other,
}

struct SchemaParser<'a> {
    text: &'a str,
    reader: Reader<&'a [u8]>,
    stack: Vec<Frame>,
    /// Each property's texts, until they are read as one.
    raw: Vec<RawProperty>,
    classes: Vec<(Box<str>, Vec<Box<str>>)>,
    members: usize,
    seen_root: bool,
}

struct RawProperty {
    line: usize,
    texts: [Option<String>; 8],
    flags: Vec<(String, String)>,
    /// The class it was defined in, when not IIsConfigObject: it is one of its members.
    class: Option<usize>,
}

/// The texts of a property definition, in [`RawProperty::texts`]' order.
const PROPERTY_TEXTS: [&str; 8] = [
    "InternalName",
    "ID",
    "Type",
    "Attributes",
    "MetaFlags",
    "DefaultValue",
    "StartingNumber",
    "EndingNumber",
];

impl<'a> SchemaParser<'a> {
    fn new(text: &'a str) -> SchemaParser<'a> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().enable_all_checks(true);
        reader.config_mut().expand_empty_elements = false;
        SchemaParser {
            text,
            reader,
            stack: Vec::new(),
            raw: Vec::new(),
            classes: Vec::new(),
            members: 0,
            seen_root: false,
        }
    }

    fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        memchr::memchr_iter(b'\n', &self.text.as_bytes()[..offset]).count() + 1
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> SchemaError {
        SchemaError {
            line: self.line(offset),
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Schema, SchemaError> {
        loop {
            let start = self.reader.buffer_position() as usize;
            let event = self.reader.read_event().map_err(|e| {
                self.error(
                    self.reader.error_position() as usize,
                    format!("not well-formed XML: {e}"),
                )
            })?;
            match event {
                Event::Eof if self.stack.is_empty() => break,
                Event::Eof => return Err(self.error(start, "not well-formed XML: an element is not closed")),
                Event::DocType(_) => {
                    return Err(self.error(start, "a DOCTYPE, which MBSchema.xml never has: it is not read"));
                }
                Event::Start(e) => {
                    let frame = self.open(&e, start)?;
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.error(start, format!("elements nested more than {MAX_DEPTH} deep")));
                    }
                    self.stack.push(frame);
                }
                Event::Empty(e) => {
                    self.open(&e, start)?;
                }
                Event::End(_) => {
                    self.stack.pop();
                }
                Event::Text(t) => {
                    if !t.bytes().all(|b| b.is_ascii_whitespace()) && !self.stack.is_empty() {
                        return Err(self.error(start, "text between the schema's elements"));
                    }
                }
                Event::CData(_) => return Err(self.error(start, "a CDATA section, which MBSchema.xml never has")),
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::GeneralRef(_) => {}
            }
        }
        if !self.seen_root {
            return Err(self.error(self.text.len(), "no <MetaData> element: not an MBSchema.xml"));
        }
        if self.raw.is_empty() {
            return Err(self.error(self.text.len(), "no property definitions"));
        }
        let mut properties = Vec::with_capacity(self.raw.len());
        let mut defined_in: Vec<(usize, Box<str>)> = Vec::new();
        for raw in std::mem::take(&mut self.raw) {
            let [name, id, ty, attributes, meta_flags, default, start, end] = raw.texts;
            let flags: Vec<(&str, &str)> = raw.flags.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let p = property(
                name.as_deref().unwrap_or_default(),
                id.as_deref(),
                ty.as_deref().unwrap_or_default(),
                attributes.as_deref().unwrap_or_default(),
                meta_flags.as_deref().unwrap_or_default(),
                default.as_deref(),
                start.as_deref(),
                end.as_deref(),
                &flags,
            )
            .map_err(|message| SchemaError {
                line: raw.line,
                message,
            })?;
            if let Some(class) = raw.class {
                defined_in.push((class, p.name.clone()));
            }
            properties.push(p);
        }
        for (class, name) in defined_in {
            self.classes[class].1.push(name);
        }
        Schema::build(properties, self.classes).map_err(|message| SchemaError { line: 0, message })
    }

    /// The attributes of an element, unescaped; `Err` for one that is not well-formed.
    fn attributes(&self, e: &BytesStart<'_>, at: usize) -> Result<Vec<(String, String)>, SchemaError> {
        let mut out = Vec::new();
        let mut attributes = e.attributes();
        attributes.with_checks(true);
        for attr in attributes {
            let attr = attr.map_err(|err| self.error(at, format!("not well-formed XML: {err}")))?;
            let name = attr.key.as_ref().to_string();
            let value = quick_xml::escape::unescape(&attr.value)
                .map_err(|err| self.error(at, format!("attribute {name}: {err}")))?
                .into_owned();
            out.push((name, value));
        }
        Ok(out)
    }

    fn open(&mut self, e: &BytesStart<'_>, at: usize) -> Result<Frame, SchemaError> {
        let qname = e.name();
        let name: &str = qname.local_name().into_inner();
        let parent = self.stack.last().copied();
        let attrs = self.attributes(e, at)?;
        let get = |wanted: &str| attrs.iter().find(|(n, _)| n == wanted).map(|(_, v)| v.as_str());
        Ok(match (parent, name) {
            (None, "MetaData") if !self.seen_root => {
                self.seen_root = true;
                Frame::MetaData
            }
            (None, _) => {
                return Err(self.error(
                    at,
                    format!("the root element is <{name}>, not <MetaData>: not an MBSchema.xml"),
                ));
            }
            (Some(Frame::MetaData), "DatabaseMeta") => Frame::DatabaseMeta,
            (Some(Frame::DatabaseMeta), "Collection") => {
                let Some(collection) = get("InternalName") else {
                    return Err(self.error(at, "a <Collection> without an InternalName"));
                };
                match collection.trim() {
                    "IIsConfigObject" => Frame::Definitions,
                    "MetabaseBaseClass" => Frame::BaseClass,
                    class => {
                        if class.is_empty() || class.len() > MAX_NAME {
                            return Err(self.error(at, format!("a class name of {} characters", class.len())));
                        }
                        if self.classes.len() >= MAX_CLASSES {
                            return Err(self.error(at, format!("more than {MAX_CLASSES} classes")));
                        }
                        self.classes.push((class.into(), Vec::new()));
                        Frame::Class(self.classes.len() - 1)
                    }
                }
            }
            (Some(frame @ (Frame::Definitions | Frame::Class(_))), "Property") => {
                if let Some(from) = get("InheritsPropertiesFrom") {
                    let Frame::Class(class) = frame else {
                        return Ok(Frame::Other);
                    };
                    self.members += 1;
                    if self.members > MAX_MEMBERS {
                        return Err(self.error(at, format!("more than {MAX_MEMBERS} class members")));
                    }
                    self.classes[class].1.push(member_name(from));
                    return Ok(Frame::Other);
                }
                if self.raw.len() >= MAX_PROPERTIES {
                    return Err(self.error(at, format!("more than {MAX_PROPERTIES} properties")));
                }
                if get("InternalName").is_none() {
                    return Err(self.error(at, "a <Property> without an InternalName"));
                }
                let texts = PROPERTY_TEXTS.map(|t| get(t).map(str::to_string));
                self.raw.push(RawProperty {
                    line: self.line(at),
                    texts,
                    flags: Vec::new(),
                    class: match frame {
                        Frame::Class(c) => Some(c),
                        _ => None,
                    },
                });
                Frame::Property(self.raw.len() - 1)
            }
            (Some(Frame::Property(p)), "Flag") => {
                let (Some(flag), Some(value)) = (get("InternalName"), get("Value")) else {
                    return Err(self.error(at, "a <Flag> without an InternalName and a Value"));
                };
                let flags = &mut self.raw[p].flags;
                if flags.len() >= MAX_FLAGS {
                    return Err(self.error(at, format!("more than {MAX_FLAGS} flags on one property")));
                }
                flags.push((flag.trim().to_string(), value.to_string()));
                Frame::Other
            }
            _ => Frame::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\u{feff}<?xml version =\"1.0\"?>\n<!-- WARNING, DO NOT EDIT THIS FILE. -->\n<MetaData xmlns=\"x-urn:microsoft-catalog:MetaData_V7\">\n\t<DatabaseMeta InternalName =\"METABASE\">\n\t\t<ServerWiring Interceptor =\"Core_XMLInterceptor\"/>\n\t\t<Collection InternalName =\"MetabaseBaseClass\">\n\t\t\t<Property InternalName =\"Location\" Type=\"WSTR\" MetaFlags=\"PRIMARYKEY\"/>\n\t\t</Collection>\n\t\t<Collection InternalName =\"IIsConfigObject\">\n\t\t\t<Property InternalName =\"KeyType\" ID=\"1002\" Type=\"STRING\" Attributes=\"NO_ATTRIBUTES\" DefaultValue=\"\"/>\n\t\t\t<Property InternalName =\"AccessFlags\" ID=\"6016\" Type=\"DWORD\" Attributes=\"INHERIT\" DefaultValue=\"1\">\n\t\t\t\t<Flag InternalName =\"AccessRead\" Value=\"1\" ID=\"6207\"/>\n\t\t\t\t<Flag InternalName =\"AccessExecute\" Value=\"4\" ID=\"6209\"/>\n\t\t\t</Property>\n\t\t\t<Property InternalName =\"AppPoolQueueLength\" ID=\"9017\" Type=\"DWORD\" Attributes=\"INHERIT\" DefaultValue=\"1000\" StartingNumber=\"10\" EndingNumber=\"65535\"/>\n\t\t\t<Property InternalName =\"WAMUserPass\" ID=\"7502\" Type=\"STRING\" Attributes=\"INHERIT | SECURE\" DefaultValue=\"\"/>\n\t\t\t<Property InternalName =\"SmtpServiceVersion\" ID=\"36931\" Type=\"DWORD\" DefaultValue=\"0\" StartingNumber=\"1\" EndingNumber=\"0\"/>\n\t\t</Collection>\n\t\t<Collection InternalName =\"IIsApplicationPool\">\n\t\t\t<Property InheritsPropertiesFrom =\"IIsConfigObject:KeyType\"/>\n\t\t\t<Property InheritsPropertiesFrom =\"IIsConfigObject:AppPoolQueueLength\"/>\n\t\t\t<Property InheritsPropertiesFrom =\"IIsConfigObject:NotDefined\"/>\n\t\t</Collection>\n\t\t<Collection InternalName =\"MyProductVDir\">\n\t\t\t<Property InheritsPropertiesFrom =\"IIsConfigObject:AccessFlags\"/>\n\t\t\t<Property InternalName =\"MyProductSetting\" ID=\"700001\" Type=\"STRING\"/>\n\t\t</Collection>\n\t</DatabaseMeta>\n</MetaData>\n";

    fn small() -> Schema {
        Schema::parse(SMALL.trim_start_matches('\u{feff}')).unwrap()
    }

    #[test]
    fn properties_classes_and_lookups() {
        let s = small();
        assert_eq!(s.properties().len(), 6, "Location is the key's path, not a property");
        let Lookup::Exact(q) = s.lookup("AppPoolQueueLength") else {
            panic!()
        };
        assert_eq!(s.property(q).range, Some((10, Some(65535))));
        assert_eq!(s.lookup("apppoolqueuelength"), Lookup::Case(q));
        assert_eq!(s.lookup("AppPoolQueueLengths"), Lookup::Unknown);
        assert_eq!(s.lookup(""), Lookup::Unknown);
        assert_eq!(s.lookup(&"a".repeat(100)), Lookup::Unknown);
        let Lookup::Exact(flags) = s.lookup("AccessFlags") else {
            panic!()
        };
        assert_eq!(s.property(flags).flags.len(), 2);
        assert!(s.property(flags).inherit);
        let Lookup::Exact(pass) = s.lookup("WAMUserPass") else {
            panic!()
        };
        assert!(s.property(pass).secure);
        // The schema's own default lies below its StartingNumber: no range is used.
        let Lookup::Exact(smtp) = s.lookup("SmtpServiceVersion") else {
            panic!()
        };
        assert_eq!(s.property(smtp).range, None);
        let pool = s.class("IIsApplicationPool").unwrap();
        assert!(s.allows(pool, q));
        assert!(!s.allows(pool, flags));
        assert_eq!(s.class("iisapplicationpool"), None, "element names are case-sensitive");
        // A property defined in a class is one of its members.
        let mine = s.class("MyProductVDir").unwrap();
        let Lookup::Exact(setting) = s.lookup("MyProductSetting") else {
            panic!()
        };
        assert!(s.allows(mine, setting) && s.allows(mine, flags));
        assert_eq!(s.classes_holding(q).collect::<Vec<_>>(), ["IIsApplicationPool"]);
        assert_eq!(s.by_id(9017), Some(q));
    }

    #[test]
    fn a_servers_schema_adds_to_the_builtin_one() {
        let base = Schema::builtin();
        let merged = base.with(small());
        // The server's classes and properties join IIS 6.0's ...
        let mine = merged.class("MyProductVDir").unwrap();
        let Lookup::Exact(setting) = merged.lookup("MyProductSetting") else {
            panic!()
        };
        assert!(merged.allows(mine, setting));
        assert_eq!(merged.properties().len(), base.properties().len() + 1);
        // ... a class both define holds what either lists ...
        let pool = merged.class("IIsApplicationPool").unwrap();
        let Lookup::Exact(max) = merged.lookup("MaxProcesses") else {
            panic!()
        };
        assert!(merged.allows(pool, max), "the base's members stay");
        // ... and where both define a property, the server's definition is used.
        let Lookup::Exact(access) = merged.lookup("AccessFlags") else {
            panic!()
        };
        assert_eq!(
            merged.property(access).flags.len(),
            2,
            "the server's two flags, not IIS 6.0's"
        );
        assert!(base.property(base.by_id(6016).unwrap()).flags.len() > 2);
        assert_eq!(merged.by_id(6016), Some(access));
    }

    #[test]
    fn suggestions_are_near_and_unique() {
        let s = Schema::builtin();
        assert_eq!(s.suggest("DefaultDocs", None), ["DefaultDoc"]);
        assert_eq!(s.suggest("AppPoolIdentiyType", None), ["AppPoolIdentityType"]);
        let pool = s.class("IIsApplicationPool");
        assert_eq!(s.suggest("MaxProcess", pool), ["MaxProcesses"]);
        assert!(s.suggest("Completely Different", None).is_empty());
        // Only what the class may hold.
        let vdir = s.class("IIsWebVirtualDir");
        assert!(s.suggest("MaxProcess", vdir).is_empty());
    }

    #[test]
    fn edit_distances() {
        let d = |a: &str, b: &str| edit_distance(a.as_bytes(), b.as_bytes(), 10);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1, "a transposition is one edit");
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("same", "same"), 0);
        assert_eq!(edit_distance(b"abcdef", b"uvwxyz", 2), 3, "capped");
    }

    #[test]
    fn the_builtin_schema_is_iis6s() {
        let s = Schema::builtin();
        assert_eq!(s.properties().len(), 507);
        assert_eq!(s.classes().len(), 64);
        let Lookup::Exact(e32) = s.lookup("Enable32BitAppOnWin64") else {
            panic!()
        };
        assert_eq!(s.lookup("Enable32bitAppOnWin64"), Lookup::Case(e32));
        assert!(s.allows(s.class("IIsApplicationPools").unwrap(), e32));
        assert!(!s.allows(s.class("IIsApplicationPool").unwrap(), e32));
        let Lookup::Exact(max) = s.lookup("MaxProcesses") else {
            panic!()
        };
        assert_eq!(s.property(max).range, Some((1, None)));
        let Lookup::Exact(queue) = s.lookup("AppPoolQueueLength") else {
            panic!()
        };
        assert_eq!(s.property(queue).range, Some((10, Some(65535))));
        let Lookup::Exact(id) = s.lookup("AppPoolId") else {
            panic!()
        };
        assert!(s.property(id).case_insensitive);
        assert_eq!(s.property(id).ty, PropType::String);
    }

    #[test]
    fn malformed_and_hostile_schemas_are_refused_with_a_line() {
        for (text, wanted) in [
            ("", "no <MetaData>"),
            ("<configuration/>", "not <MetaData>"),
            ("<!DOCTYPE x [<!ENTITY a \"b\">]><MetaData/>", "DOCTYPE"),
            ("<MetaData><DatabaseMeta>", "not well-formed"),
            ("<MetaData></MetaData>", "no property definitions"),
            (
                "<MetaData><DatabaseMeta><Collection InternalName=\"IIsConfigObject\">\n<Property InternalName=\"A\" Type=\"DWORD\"/></Collection></DatabaseMeta></MetaData>",
                "line 2: the property A has no ID",
            ),
            (
                "<MetaData><DatabaseMeta><Collection InternalName=\"IIsConfigObject\"><Property InternalName=\"A\" ID=\"x\" Type=\"DWORD\"/></Collection></DatabaseMeta></MetaData>",
                "not a number",
            ),
            (
                "<MetaData><DatabaseMeta><Collection InternalName=\"IIsConfigObject\"><Property InternalName=\"A\" ID=\"1\"/><Property InternalName=\"A\" ID=\"2\"/></Collection></DatabaseMeta></MetaData>",
                "defined twice",
            ),
            (
                "<MetaData><DatabaseMeta><Collection InternalName=\"IIsConfigObject\"><Property InternalName=\"A\" ID=\"1\"/><Property InternalName=\"B\" ID=\"1\"/></Collection></DatabaseMeta></MetaData>",
                "one ID",
            ),
            (
                "<MetaData><DatabaseMeta><Collection InternalName=\"IIsConfigObject\"><Property InternalName=\"A\" ID=\"1\" DefaultValue=\"&lol;\"/></Collection></DatabaseMeta></MetaData>",
                "DefaultValue",
            ),
            ("<MetaData>text</MetaData>", "text between"),
        ] {
            let err = Schema::parse(text).unwrap_err().to_string();
            assert!(err.contains(wanted), "{text}: {err}");
        }
        // Deep nesting is counted, not recursed.
        let deep = format!(
            "<MetaData>{}{}</MetaData>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert!(Schema::parse(&deep).unwrap_err().message.contains("nested more than"));
    }
}
