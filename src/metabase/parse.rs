//! Reads MetaBase.xml text into a [`Metabase`], keeping a span for every key, attribute and value.
//!
//! quick-xml hands back raw attribute text borrowed from the input, so spans are pointer offsets into
//! the source: no value is copied, and the XML attribute-value normalisation that would turn the line
//! breaks of a multi-string into spaces never happens. Nesting is tracked on an explicit stack, so a
//! deeply nested file cannot overflow the call stack. DOCTYPE and entity declarations are refused,
//! never expanded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::model::{Attr, AttrKind, Key, KeyId, Metabase, normalise_location, unescape};
use super::source::{SourceFile, Span};

/// Why a file is not a readable metabase, and where (a text offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub span: Span,
    pub message: String,
}

impl Malformed {
    fn at(offset: usize, message: impl Into<String>) -> Malformed {
        Malformed {
            span: Span::new(offset, offset),
            message: message.into(),
        }
    }
}

/// A file that failed to parse, handed back with its source so the fault can be shown in context.
#[derive(Debug)]
pub struct ParseFailure {
    pub source: SourceFile,
    pub error: Malformed,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Configuration,
    MbProperty,
    Key(KeyId),
    /// Anything else: kept only to match its close tag.
    Other,
}

struct Open {
    frame: Frame,
    name: Span,
}

struct Parser<'a> {
    text: &'a str,
    keys: Vec<Key>,
    attrs: Vec<Attr>,
    namespace: Option<Span>,
    stack: Vec<Open>,
    seen_root: bool,
    seen_mbproperty: bool,
    /// The name of the `<MBProperty>` tag, once seen: where a metabase without keys is reported.
    mbproperty: Option<Span>,
    /// The second part of a split parse ([`parse_split`]) starts inside `<configuration>` and
    /// `<MBProperty>`: so many frames at the bottom of the stack stand for tags opened before it,
    /// whose names the first part knows.
    seeded: usize,
    /// The close tags that closed those seeded frames, innermost first, for the first part to
    /// match against the names it opened.
    seeded_closes: Vec<Span>,
    /// The keys taken whole from the version before ([`parse_after`]): (this parse's key, that
    /// version's key).
    taken: Vec<(KeyId, KeyId)>,
}

/// What parsing yields before the model is built: keys, attributes and the namespace.
type Parsed = (Vec<Key>, Vec<Attr>, Option<Span>);

/// How the message for a metabase without a single key begins.
pub const NO_KEYS: &str = "an empty metabase";

/// Files below this size are parsed on one thread: a second one does not pay for itself.
const SPLIT_MIN: usize = 4 << 20;

/// Parses a decoded file. A large file is parsed in two halves on two threads ([`parse_split`]),
/// with the same result as one pass; a fault, or a half that cannot be proven to join the other
/// exactly, sends the file through one pass, which words the fault.
pub fn parse(source: SourceFile) -> Result<Metabase, Box<ParseFailure>> {
    let text: &str = &source.text;
    let split = (text.len() >= SPLIT_MIN)
        .then(|| split_point(text))
        .flatten()
        .and_then(|at| parse_split(text, at));
    let result = match split {
        Some(parsed) => Ok(parsed),
        None => parse_whole(text),
    };
    // A split parse always reads keys (the second part starts at one); one pass judges a file without.
    let result = match result {
        Ok((keys, ..)) if keys.is_empty() => parse_whole(text),
        other => other,
    };
    match result {
        Ok((keys, attrs, namespace)) => Ok(Metabase::new(source, keys, attrs, namespace)),
        Err(error) => Err(Box::new(ParseFailure { source, error })),
    }
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            keys: Vec::new(),
            attrs: Vec::new(),
            namespace: None,
            stack: Vec::new(),
            seen_root: false,
            seen_mbproperty: false,
            mbproperty: None,
            seeded: 0,
            seeded_closes: Vec::new(),
            taken: Vec::new(),
        }
    }

    /// A parser for the rest of a text from a point directly inside `<MBProperty>`: the two
    /// elements stand open at the bottom of its stack, their names unknown to it.
    fn inside_mbproperty(text: &'a str) -> Parser<'a> {
        let mut parser = Parser::new(text);
        parser.seen_root = true;
        parser.seen_mbproperty = true;
        parser.seeded = 2;
        for frame in [Frame::Configuration, Frame::MbProperty] {
            parser.stack.push(Open {
                frame,
                name: Span::default(),
            });
        }
        parser
    }

    /// Whether this parser (of the rest, [`inside_mbproperty`](Self::inside_mbproperty)) closed
    /// MBProperty, then configuration, by the names `head` (of the start) opened them with.
    fn closes_what_opened(&self, head: &Parser<'_>) -> bool {
        let opened = head.stack.iter().rev().map(|o| &head.text[o.name.range()]);
        let closed = self.seeded_closes.iter().map(|s| &self.text[s.range()]);
        self.seeded_closes.len() == 2 && opened.eq(closed)
    }
}

/// The whole text in one pass: the reference every split parse must equal.
fn parse_whole(text: &str) -> Result<Parsed, Malformed> {
    let mut parser = Parser::new(text);
    parser.run(None)?;
    Ok((parser.keys, parser.attrs, parser.namespace))
}

/// Where to split a text for [`parse_split`]: the first line after the middle that starts with an
/// open tag (`\n<` and a name). Only a guess: the first half proves or disproves it.
fn split_point(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = bytes.len() / 2;
    while let Some(i) = memchr::memmem::find(&bytes[from..], b"\n<") {
        let at = from + i + 1;
        match bytes.get(at + 1) {
            Some(b'/' | b'!' | b'?') => from = at,
            Some(b) if !b.is_ascii_whitespace() => return Some(at),
            _ => return None,
        }
    }
    None
}

/// Parses `text` in two parts on two threads, split at `at`: the first from the start up to `at`,
/// the second from `at` to the end, as if `<configuration>` and `<MBProperty>` were open there.
/// `Some` only when the result is exactly what one pass gives: the first part must reach `at` as
/// the start of an event with just those two elements open, the second must close exactly the
/// names the first opened, neither may find a fault (their messages would be worded from a part),
/// and the file must hold no character XML forbids (that check looks at the whole text). `None`
/// otherwise, and the caller parses in one pass.
fn parse_split(text: &str, at: usize) -> Option<Parsed> {
    if at == 0 || at >= text.len() || !text.is_char_boundary(at) || first_forbidden(text).is_some() {
        return None;
    }
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let mut parser = Parser::inside_mbproperty(text);
            parser.run_from(at).ok().map(|()| parser)
        });
        let first = {
            let mut parser = Parser::new(text);
            matches!(parser.run(Some(at)), Ok(true)).then_some(parser)
        };
        // A part that panicked is not a result: the one pass decides.
        (first, second.join().ok().flatten())
    });
    let (first, second) = (first?, second?);
    let open: Vec<Frame> = first.stack.iter().map(|o| o.frame).collect();
    if open != [Frame::Configuration, Frame::MbProperty] || !first.seen_mbproperty {
        return None;
    }
    if !second.closes_what_opened(&first) {
        return None;
    }
    let Parser {
        mut keys, mut attrs, ..
    } = first;
    let attr_base = attrs.len() as u32;
    keys.extend(second.keys.into_iter().map(|mut k| {
        k.attrs = k.attrs.start + attr_base..k.attrs.end + attr_base;
        k
    }));
    attrs.extend(second.attrs);
    Some((keys, attrs, first.namespace))
}

/// Parses `source`, a later version of `previous`'s text, reading again only the keys that differ:
/// what one pass over `source` gives ([`parse`]), with each key whose text is byte for byte a key
/// of `previous` taken from it (its spans moved) instead of read again. `mblint history` reads
/// each version this way after the one before it.
///
/// Sound for the reason a split parse is: a key's element is read the same wherever it starts, as
/// long as it starts where an event starts, directly inside `<MBProperty>` (no comment, no other
/// element open). The text before the first key must be `previous`'s, and is read again (it names
/// the elements the end tags must close); after it, at each place where an event starts directly
/// inside `<MBProperty>`, the text is compared with the next key of `previous` (in its order,
/// resuming after the key of the Location just read when a key differs), and a match is taken
/// whole; everything else is read by the parser as ever. Anything the fast path cannot show (a
/// changed start, a character XML forbids anywhere, a fault) sends the file through [`parse`],
/// which words the fault.
pub fn parse_after(previous: &Metabase, source: SourceFile) -> Result<Metabase, Box<ParseFailure>> {
    match reparse(previous, &source.text) {
        Some(((keys, attrs, namespace), taken)) if !keys.is_empty() => Ok(Metabase::new_after(
            source,
            keys,
            attrs,
            namespace,
            Some(previous),
            &taken,
        )),
        _ => parse(source),
    }
}

fn reparse(previous: &Metabase, text: &str) -> Option<(Parsed, Vec<(KeyId, KeyId)>)> {
    let first = previous.keys.first()?.span.start as usize;
    if previous.text().as_bytes().get(..first)? != text.as_bytes().get(..first)? {
        return None;
    }
    // The start, read again to the first key: it must end there, with just the two elements open.
    let mut head = Parser::new(text);
    if !matches!(head.run(Some(first)), Ok(true)) || !head.seen_mbproperty || !head.keys.is_empty() {
        return None;
    }
    let open: Vec<Frame> = head.stack.iter().map(|o| o.frame).collect();
    if open != [Frame::Configuration, Frame::MbProperty] {
        return None;
    }
    let mut tail = Parser::inside_mbproperty(text);
    tail.run_reusing(first, previous).ok()?;
    if !tail.closes_what_opened(&head) {
        return None;
    }
    // No character XML forbids, looked for outside the keys taken whole: those are `previous`'s
    // bytes, and `previous` parsed, so it holds none (a parse reports the first as a fault). One
    // found, the text is parsed in one pass, which reports it.
    let mut from = 0usize;
    for &(key, _) in &tail.taken {
        let span = tail.keys[key as usize].span;
        if first_forbidden(text.get(from..span.start as usize)?).is_some() {
            return None;
        }
        from = span.end as usize;
    }
    if first_forbidden(text.get(from..)?).is_some() {
        return None;
    }
    debug_assert!(
        first_forbidden(text).is_none(),
        "the parts looked at hold every new byte"
    );
    Some(((tail.keys, tail.attrs, head.namespace), tail.taken))
}

impl<'a> Parser<'a> {
    /// As [`run_from`](Self::run_from), taking keys of `previous` whole where the text holds them
    /// ([`parse_after`]).
    fn run_reusing(&mut self, from: usize, previous: &Metabase) -> Result<(), Malformed> {
        let (old, new) = (previous.text().as_bytes(), self.text.as_bytes());
        // The next key of `previous` the text is expected to hold.
        let mut next = 0usize;
        let mut at = from;
        'reader: loop {
            let mut reader = self.reader_from(at);
            let base = at;
            loop {
                let start = base + reader.buffer_position() as usize;
                if self.stack.len() == self.seeded
                    && new.get(start) == Some(&b'<')
                    && let Some(key) = previous.keys.get(next)
                    && new.get(start..start + key.span.len()) == Some(&old[key.span.range()])
                {
                    self.take_key(previous, next, start);
                    next += 1;
                    at = start + key.span.len();
                    continue 'reader;
                }
                let keys_before = self.keys.len();
                let read = reader.read_event();
                let end = base + reader.buffer_position() as usize;
                let outcome = match read {
                    Ok(event) => self.event(event, start, end),
                    Err(e) => Err(Malformed::at(
                        reader.error_position() as usize + base,
                        format!("not well-formed XML: {e}"),
                    )),
                };
                if outcome? {
                    return Ok(());
                }
                // A key read anew: expect next the key after the one of its Location, if that is
                // further on (a changed key, or the key after one removed).
                if self.keys.len() > keys_before
                    && let Some(same) = previous.find(&self.keys[keys_before].path)
                    && same as usize >= next
                {
                    next = same as usize + 1;
                }
            }
        }
    }

    /// Key `id` of `previous`, found again at `start`: its spans moved there.
    fn take_key(&mut self, previous: &Metabase, id: usize, start: usize) {
        let key = &previous.keys[id];
        let moved = |s: Span| {
            let at = |o: u32| (o as usize + start) - key.span.start as usize;
            Span::new(at(s.start), at(s.end))
        };
        self.taken.push((self.keys.len() as KeyId, id as KeyId));
        let first = self.attrs.len() as u32;
        self.attrs.extend(
            previous.attrs[key.attrs.start as usize..key.attrs.end as usize]
                .iter()
                .map(|a| Attr {
                    name: moved(a.name),
                    value: moved(a.value),
                    kind: match a.kind {
                        AttrKind::Custom { id, element } => AttrKind::Custom {
                            id,
                            element: moved(element),
                        },
                        AttrKind::Attribute => AttrKind::Attribute,
                    },
                }),
        );
        self.keys.push(Key {
            key_type: moved(key.key_type),
            location: moved(key.location),
            path: key.path.clone(),
            span: moved(key.span),
            attrs: first..self.attrs.len() as u32,
            parent: None,
        });
    }
}

impl<'a> Parser<'a> {
    /// The span of a slice that quick-xml borrowed from the input. A slice that is not borrowed
    /// from it (quick-xml never makes one for a `&str` reader) is an error, never a wrong span.
    fn span_of(&self, slice: &str) -> Result<Span, Malformed> {
        let base = self.text.as_ptr() as usize;
        let start = (slice.as_ptr() as usize).wrapping_sub(base);
        if start > self.text.len() || self.text.len() - start < slice.len() {
            return Err(Malformed::at(
                0,
                "internal error: the XML reader returned text that is not part of the file",
            ));
        }
        Ok(Span::new(start, start + slice.len()))
    }

    /// Parses from the start of the text. With `until`, stops where an event starts there:
    /// `Ok(true)` then, `Ok(false)` when no event starts there (or the text ends first).
    fn run(&mut self, until: Option<usize>) -> Result<bool, Malformed> {
        // quick-xml skips a leading U+FEFF without counting it in its positions; a second BOM after
        // the one the decoder removed must not shift every span.
        let skipped = if self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let mut reader = Reader::from_str(self.text);
        reader.config_mut().enable_all_checks(true);
        reader.config_mut().expand_empty_elements = false;
        let position = |reader: &Reader<&[u8]>| {
            let p = reader.buffer_position() as usize;
            if p == 0 { 0 } else { p + skipped }
        };
        self.events(reader, position, skipped, until)
    }

    /// A reader of the text from `from`, for a parser that matches close tags itself (quick-xml
    /// does not know the tags opened before `from`).
    fn reader_from(&self, from: usize) -> Reader<&'a [u8]> {
        let mut reader = Reader::from_str(&self.text[from..]);
        reader.config_mut().enable_all_checks(true);
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        reader.config_mut().expand_empty_elements = false;
        reader
    }

    /// Parses the second part of a split parse, from `from` to the end. quick-xml does not know
    /// the tags opened before `from`, so close tags are matched here instead, against this
    /// parser's own stack; a close tag that does not match is a fault (the one pass words it).
    fn run_from(&mut self, from: usize) -> Result<(), Malformed> {
        let reader = self.reader_from(from);
        let position = |reader: &Reader<&[u8]>| from + reader.buffer_position() as usize;
        self.events(reader, position, from, None).map(|_| ())
    }

    /// Reads events to the end (or to `until`, see [`run`](Self::run)). `base` is what turns the
    /// reader's own offsets into text offsets: where it started, or the BOM it skipped.
    /// `forbidden` is the text offset of the first character XML does not allow, if any.
    fn events(
        &mut self,
        mut reader: Reader<&'a [u8]>,
        position: impl Fn(&Reader<&[u8]>) -> usize,
        base: usize,
        until: Option<usize>,
    ) -> Result<bool, Malformed> {
        // A character XML 1.0 does not allow makes the document not well-formed where it stands:
        // once the reader has passed the first one, that is the fault, whatever the markup around
        // it would otherwise say (a reference to one earlier in the same markup excepted). A split
        // parse is made only of a text that has none.
        let forbidden = if self.seeded == 0 && until.is_none() {
            first_forbidden(self.text)
        } else {
            None
        };
        loop {
            let start = position(&reader);
            if let Some(until) = until
                && start >= until
            {
                return Ok(start == until);
            }
            let read = reader.read_event();
            let end = position(&reader);
            let outcome = match read {
                Ok(event) => self.event(event, start, end),
                Err(e) => Err(Malformed::at(
                    reader.error_position() as usize + base,
                    format!("not well-formed XML: {e}"),
                )),
            };
            if let Some(at) = forbidden {
                let passed = at < end || outcome.as_ref().is_err_and(|e| at <= e.span.start as usize);
                if passed {
                    return Err(match outcome {
                        Err(e) if (e.span.start as usize) < at && e.message.contains(NOT_ALLOWED) => e,
                        _ => forbidden_character(self.text, at),
                    });
                }
            }
            if outcome? {
                return Ok(until.is_none());
            }
        }
    }

    /// Handles one event; `true` at the end of the file.
    fn event(&mut self, event: Event<'a>, start: usize, end: usize) -> Result<bool, Malformed> {
        match event {
            Event::Start(e) => self.open(&e, start, end, false)?,
            Event::Empty(e) => self.open(&e, start, end, true)?,
            Event::End(e) => {
                let open = self
                    .stack
                    .pop()
                    .ok_or_else(|| Malformed::at(start, "not well-formed XML: a close tag with no open tag"))?;
                if self.seeded > 0 {
                    // The second part of a split parse matches close tags itself.
                    let name = self.span_of(e.name().as_ref())?;
                    if self.stack.len() < self.seeded {
                        self.seeded_closes.push(name);
                    } else if self.text[name.range()] != self.text[open.name.range()] {
                        return Err(Malformed::at(
                            start,
                            "not well-formed XML: a close tag that does not match",
                        ));
                    }
                }
                if let Frame::Key(id) = open.frame {
                    self.keys[id as usize].span.end = end as u32;
                }
            }
            Event::DocType(_) => {
                return Err(Malformed {
                    span: Span::new(start, end),
                    message: "a DOCTYPE declaration: IIS never writes one, and mblint does not expand entities or fetch external ones".into(),
                });
            }
            Event::Text(t) if self.stack.is_empty() => {
                if !t.bytes().all(|b| b.is_ascii_whitespace()) {
                    return Err(Malformed::at(
                        start,
                        "not well-formed XML: text outside the root element",
                    ));
                }
            }
            Event::GeneralRef(r) => {
                if self.stack.is_empty() {
                    return Err(Malformed::at(
                        start,
                        "not well-formed XML: a reference outside the root element",
                    ));
                }
                let name = self.span_of(&r)?;
                check_reference(&self.text[name.range()]).map_err(|m| Malformed {
                    span: Span::new(start, end),
                    message: m,
                })?;
            }
            Event::CData(_) if self.stack.is_empty() => {
                return Err(Malformed::at(
                    start,
                    "not well-formed XML: CDATA outside the root element",
                ));
            }
            Event::Eof => return self.finish(end).map(|()| true),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Text(_) | Event::CData(_) => {}
        }
        Ok(false)
    }

    fn finish(&self, end: usize) -> Result<(), Malformed> {
        if let Some(open) = self.stack.last() {
            let line = line_of(self.text, open.name.start as usize);
            return Err(Malformed::at(
                end,
                format!(
                    "unexpected end of file: <{}> opened on line {line} is not closed",
                    &self.text[open.name.range()]
                ),
            ));
        }
        if !self.seen_root {
            if self.text.trim().is_empty() {
                let what = if self.text.is_empty() {
                    "the file is empty".to_string()
                } else {
                    format!(
                        "the file is empty: it holds only {} byte(s) of white space",
                        self.text.len()
                    )
                };
                return Err(Malformed::at(end, what));
            }
            return Err(Malformed::at(end, "not a metabase: no <configuration> element"));
        }
        if !self.seen_mbproperty {
            return Err(Malformed::at(
                end,
                "not a metabase: <configuration> holds no <MBProperty> element",
            ));
        }
        // The second part of a split parse starts after keys the first part read.
        if self.keys.is_empty() && self.seeded == 0 {
            return Err(Malformed {
                span: self.mbproperty.unwrap_or(Span::new(end, end)),
                message: format!(
                    "{NO_KEYS}: <MBProperty> holds no key (none outside comments), so IIS has no configuration to start from"
                ),
            });
        }
        Ok(())
    }

    fn open(&mut self, e: &BytesStart<'_>, start: usize, end: usize, empty: bool) -> Result<(), Malformed> {
        let name_span = self.span_of(e.name().as_ref())?;
        let name = &self.text[name_span.range()];
        let parent = self.stack.last().map(|o| o.frame);
        let frame = match parent {
            None => {
                if self.seen_root {
                    return Err(Malformed {
                        span: name_span,
                        message: "not well-formed XML: a second root element".into(),
                    });
                }
                self.seen_root = true;
                if local_name(name) != "configuration" {
                    return Err(Malformed {
                        span: name_span,
                        message: format!("not a metabase: the root element is <{name}>, not <configuration>"),
                    });
                }
                for attr in self.attributes(e)? {
                    if &self.text[attr.0.range()] == "xmlns" {
                        self.namespace = Some(attr.1);
                    }
                }
                Frame::Configuration
            }
            Some(Frame::Configuration) if local_name(name) == "MBProperty" => {
                self.attributes(e)?;
                self.seen_mbproperty = true;
                self.mbproperty.get_or_insert(name_span);
                Frame::MbProperty
            }
            Some(Frame::MbProperty) => self.key(e, name_span, start, end)?,
            Some(Frame::Key(id)) if local_name(name) == "Custom" => {
                self.custom(e, id, name_span, start, end)?;
                Frame::Other
            }
            Some(_) => {
                self.attributes(e)?;
                Frame::Other
            }
        };
        if !empty {
            self.stack.push(Open { frame, name: name_span });
        }
        Ok(())
    }

    /// Every attribute as (name span, raw value span), with values checked for well-formedness.
    fn attributes(&self, e: &BytesStart<'_>) -> Result<Vec<(Span, Span)>, Malformed> {
        let mut out = Vec::new();
        let mut attributes = e.attributes();
        attributes.with_checks(true);
        for attr in attributes {
            let attr = attr.map_err(|err| {
                let tag = self.span_of(e.name().as_ref()).map_or(0, |s| s.start as usize);
                Malformed::at(tag, format!("not well-formed XML: {err}"))
            })?;
            let name = self.span_of(attr.key.as_ref())?;
            let value = self.span_of(&attr.value)?;
            let raw = &self.text[value.range()];
            if let Some(i) = raw.find('<') {
                return Err(Malformed::at(
                    value.start as usize + i,
                    "not well-formed XML: '<' inside an attribute value",
                ));
            }
            check_references(raw).map_err(|(i, message)| Malformed::at(value.start as usize + i, message))?;
            out.push((name, value));
        }
        Ok(out)
    }

    fn key(&mut self, e: &BytesStart<'_>, name: Span, start: usize, end: usize) -> Result<Frame, Malformed> {
        let attributes = self.attributes(e)?;
        let first = self.attrs.len() as u32;
        let mut location = None;
        for (attr_name, value) in attributes {
            if &self.text[attr_name.range()] == "Location" {
                location = Some(value);
            } else {
                self.attrs.push(Attr {
                    name: attr_name,
                    value,
                    kind: AttrKind::Attribute,
                });
            }
        }
        let Some(location) = location else {
            return Err(Malformed {
                span: name,
                message: format!(
                    "a metabase key <{}> without a Location attribute",
                    &self.text[name.range()]
                ),
            });
        };
        let path: std::sync::Arc<str> = normalise_location(&unescape(&self.text[location.range()])).into();
        let id = self.keys.len() as KeyId;
        self.keys.push(Key {
            key_type: name,
            location,
            path,
            span: Span::new(start, end),
            attrs: first..self.attrs.len() as u32,
            parent: None,
        });
        Ok(Frame::Key(id))
    }

    fn custom(&mut self, e: &BytesStart<'_>, key: KeyId, tag: Span, start: usize, end: usize) -> Result<(), Malformed> {
        let (mut name, mut value, mut id) = (None, None, 0u32);
        for (attr_name, attr_value) in self.attributes(e)? {
            match &self.text[attr_name.range()] {
                "Name" => name = Some(attr_value),
                "Value" => value = Some(attr_value),
                "ID" => id = self.text[attr_value.range()].trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(Malformed {
                span: tag,
                message: "a <Custom> property without a Name attribute".into(),
            });
        };
        // An empty value is written as no Value at all; point at the end of the name then.
        let value = value.unwrap_or(Span::new(name.end as usize, name.end as usize));
        // The open tag (IIS always self-closes a Custom child).
        let element = Span::new(start, end);
        // A key's attributes are contiguous: Custom children follow the key's own attributes directly.
        let k = &mut self.keys[key as usize];
        debug_assert_eq!(k.attrs.end as usize, self.attrs.len());
        self.attrs.push(Attr {
            name,
            value,
            kind: AttrKind::Custom { id, element },
        });
        k.attrs.end = self.attrs.len() as u32;
        Ok(())
    }
}

fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn line_of(text: &str, offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count() + 1
}

/// How a fault names a character outside XML 1.0's `Char` production.
const NOT_ALLOWED: &str = "a character XML 1.0 does not allow";

/// Whether XML 1.0 allows a code point in a document (its `Char` production): not the C0 controls
/// other than TAB, LF and CR, not the surrogates, not U+FFFE and U+FFFF.
fn is_xml_char(code: u32) -> bool {
    matches!(code, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// The text offset of the first character XML 1.0 does not allow. A `&str` holds no surrogate, so
/// what is left are the C0 controls and U+FFFE and U+FFFF (bytes EF BF BE and EF BF BF). Checked
/// 32 bytes at a time: a 100 MB file has none, and most blocks are passed at once.
fn first_forbidden(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF;
    let mut base = 0;
    for block in bytes.chunks(32) {
        if block.iter().fold(false, |any, &b| any | suspect(b)) {
            for (i, &b) in block.iter().enumerate() {
                let at = base + i;
                if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
                    return Some(at);
                }
                if b == 0xEF && bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)) {
                    return Some(at);
                }
            }
        }
        base += block.len();
    }
    None
}

/// The fault for the character XML 1.0 does not allow at `at`.
fn forbidden_character(text: &str, at: usize) -> Malformed {
    let c = text[at..].chars().next().expect("a character starts here");
    Malformed {
        span: Span::new(at, at + c.len_utf8()),
        message: format!("not well-formed XML: U+{:04X}, {NOT_ALLOWED}", c as u32),
    }
}

/// Checks the name of an entity or character reference (the text between `&` and `;`).
fn check_reference(name: &str) -> Result<(), String> {
    if matches!(name, "lt" | "gt" | "amp" | "apos" | "quot") {
        return Ok(());
    }
    if let Some(num) = name.strip_prefix('#') {
        // `&#x` and hex digits, or `&#` and decimal digits: nothing else (no sign, no `X`).
        let (digits, radix) = match num.strip_prefix('x') {
            Some(hex) => (hex, 16),
            None => (num, 10),
        };
        if !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)) {
            return match u32::from_str_radix(digits, radix) {
                Ok(code) if is_xml_char(code) => Ok(()),
                Ok(code) if code <= 0x10FFFF => Err(format!(
                    "not well-formed XML: '&{name};' refers to U+{code:04X}, {NOT_ALLOWED}"
                )),
                _ => Err(format!(
                    "not well-formed XML: '&{name};' refers to no Unicode character"
                )),
            };
        }
    }
    Err(format!(
        "not well-formed XML: '&{name};' is not a predefined entity or a character reference (mblint does not expand declared entities)"
    ))
}

/// Checks every `&...;` reference in a raw attribute value; on a fault, its offset and why.
fn check_references(raw: &str) -> Result<(), (usize, String)> {
    for amp in memchr::memchr_iter(b'&', raw.as_bytes()) {
        let rest = &raw[amp + 1..];
        let Some(semi) = rest.find(';') else {
            return Err((
                amp,
                "not well-formed XML: '&' not followed by a reference ending in ';'".into(),
            ));
        };
        check_reference(&rest[..semi]).map_err(|m| (amp, m))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::props;

    const SMALL: &str = "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tAppPoolId=\"DefaultAppPool\"\r\n\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD\r\n\t\t\t.aspx,C:\\A &amp; B\\x.dll,1\"\r\n\t>\r\n\t<Custom\r\n\t\tName=\"UnknownName_2041\"\r\n\t\tID=\"2041\"\r\n\t\tValue=\"C:\\f.dll\"\r\n\t\tType=\"STRING\"\r\n\t/>\r\n</IIsWebService>\r\n<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/Root\"\r\n\t\tScriptMaps=\"\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n</MBProperty>\r\n</configuration>\r\n";

    fn parse_text(text: &str) -> Result<Metabase, Malformed> {
        parse(SourceFile::from_text("t.xml", text)).map_err(|f| f.error)
    }

    /// A split parse at every offset of `text` either declines or equals one pass; returns how many
    /// offsets it took.
    fn split_everywhere(text: &str) -> usize {
        let whole = parse_whole(text);
        let mut taken = 0;
        for at in 0..=text.len() {
            if let Some(split) = parse_split(text, at) {
                let whole = whole
                    .as_ref()
                    .unwrap_or_else(|e| panic!("split at {at} of a faulty text: {e:?}"));
                assert_eq!(format!("{split:?}"), format!("{whole:?}"), "split at {at}");
                taken += 1;
            }
        }
        taken
    }

    #[test]
    fn a_split_parse_equals_one_pass_or_declines_at_every_offset() {
        let two_keys = SMALL.replace(
            "</MBProperty>",
            "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"a\"\r\n\t/>\r\n</MBProperty>",
        );
        // Taken at every event boundary with just `<configuration>` and `<MBProperty>` open (a
        // key's open tag, the white space before one, `</MBProperty>`), and nowhere else.
        assert!(split_everywhere(SMALL) >= 2);
        assert!(split_everywhere(&two_keys) > split_everywhere(SMALL));
        assert!(parse_split(&two_keys, split_point(&two_keys).unwrap()).is_some());
        let prefixed = SMALL
            .replace("<configuration", "<x:configuration")
            .replace("</configuration", "</x:configuration");
        assert!(split_everywhere(&prefixed) >= 2);
        // Lines that look like a key's start inside a comment, CDATA or a Custom child are not
        // boundaries; faults anywhere send the file through one pass.
        let faulty = [
            SMALL.replace(
                "<IIsWebServer",
                "<!-- a\r\n<IIsWebServer Location=\"/x\"/>\r\n -->\r\n<IIsWebServer",
            ),
            SMALL.replace("</IIsWebServer>", "</IIsWebServr>"),
            SMALL.replace("</MBProperty>", "</MBPropertx>"),
            SMALL.replace("</configuration>", "</configuratio>"),
            SMALL.replace("</configuration>\r\n", ""),
            SMALL.replace("</IIsWebVirtualDir>\r\n", ""),
            format!("{SMALL}<configuration/>"),
            format!("{SMALL}text"),
            SMALL.replace("AppPoolId", "\u{1}AppPoolId"),
            SMALL.replace("ScriptMaps=\"\"", "ScriptMaps=\"&bad;\""),
            SMALL.replace("<MBProperty>\r\n", ""),
            SMALL.replace(
                "</IIsWebServer>\r\n",
                "</IIsWebServer>\r\n</MBProperty>\r\n<MBProperty>\r\n",
            ),
        ];
        for text in &faulty {
            split_everywhere(text);
        }
    }

    /// Every metabase in testdata/, and the real one when it is beside the repository, parses the
    /// same split where the parser would split it as in one pass.
    #[test]
    fn a_split_parse_of_real_layouts_equals_one_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("testdata/metabases"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        let real = root.join("../shared/real/MetaBase.xml");
        if real.exists() {
            files.push(real);
        } else {
            eprintln!("skipped ../shared/real/MetaBase.xml: not beside the repository");
        }
        for file in files {
            let Ok(source) = SourceFile::decode("t", std::fs::read(&file).unwrap()) else {
                continue;
            };
            let text: &str = &source.text;
            let at = split_point(text).unwrap_or_else(|| panic!("{}: no split point", file.display()));
            let split = parse_split(text, at).unwrap_or_else(|| panic!("{}: split declined", file.display()));
            assert_eq!(
                format!("{split:?}"),
                format!("{:?}", parse_whole(text).unwrap()),
                "{}",
                file.display()
            );
        }
    }

    /// What a parse made, as one string (the model without its index).
    fn parsed_as_text(result: &Result<Metabase, Box<ParseFailure>>) -> String {
        match result {
            Ok(mb) => format!(
                "{:?} {:?} {:?} {:?} {:?}",
                mb.keys,
                mb.attrs,
                mb.namespace,
                mb.duplicate_keys,
                (0..mb.attrs.len() as u32).map(|a| mb.attr_name(a)).collect::<Vec<_>>()
            ),
            Err(failure) => format!("{:?}", failure.error),
        }
    }

    /// `after` parsed after `before` is what one pass over `after` makes, fault included; whether
    /// the keys-reused path was taken.
    fn same_after(before: &str, after: &str) -> bool {
        let Ok(previous) = parse(SourceFile::from_text("t.xml", before)) else {
            return false;
        };
        let again = parse_after(&previous, SourceFile::from_text("t.xml", after));
        let whole = parse(SourceFile::from_text("t.xml", after));
        assert_eq!(
            parsed_as_text(&again),
            parsed_as_text(&whole),
            "{before:?}\n->\n{after:?}"
        );
        reparse(&previous, after).is_some()
    }

    const MORE: &str = "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"a\"\r\n\t/>\r\n<IIsFilter\tLocation =\"/LM/W3SVC/Filters/a\"\r\n\t\tFilterPath=\"C:\\a.dll\"\r\n\t/>\r\n</MBProperty>";

    #[test]
    fn a_version_parsed_after_the_one_before_equals_one_pass() {
        let base = SMALL.replace("</MBProperty>", MORE);
        // Each reuses the keys it did not touch.
        let reused = [
            base.replace(
                "AppPoolId=\"DefaultAppPool\"",
                "AppPoolId=\"Other\"\r\n\t\tServerComment=\"x\"",
            ),
            base.replace("FilterLoadOrder=\"a\"", "FilterLoadOrder=\"a,b\""),
            // A key removed, a key added, keys moved.
            base.replace(
                "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n",
                "",
            ),
            base.replace(
                "</MBProperty>",
                "<IIsWebServer\tLocation =\"/LM/W3SVC/2\"\r\n\t/>\r\n</MBProperty>",
            ),
            base.replace(
                "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n",
                "",
            )
            .replace(
                "</MBProperty>",
                "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n</MBProperty>",
            ),
            // The same key twice (a repeated Location), a comment between keys.
            base.replace(
                "<IIsFilters",
                "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n<IIsFilters",
            ),
            base.replace("<IIsFilters", "<!-- <IIsFilters Location=\"/x\"/> -->\r\n<IIsFilters"),
            base.clone(),
        ];
        for after in &reused {
            assert!(same_after(&base, after), "not reused: {after:?}");
        }
        // A key that now lies inside a comment or another element, a changed start, faults: one
        // pass decides (and the result is still the one pass's).
        let others = [
            base.replace("<IIsWebServer\t", "<!--\r\n<IIsWebServer\t")
                .replace("</IIsWebServer>\r\n", "</IIsWebServer>\r\n-->\r\n"),
            base.replace("<MBProperty>", "<MBProperty >"),
            base.replace("xmlns=", "xmlns:x="),
            base.replace("</IIsWebServer>", "</IIsWebServr>"),
            base.replace("</MBProperty>\r\n</configuration>", "</MBPropertx>\r\n</configuration>"),
            base.replace("</configuration>\r\n", ""),
            base.replace("FilterLoadOrder", "\u{1}FilterLoadOrder"),
            // A character XML forbids outside the keys taken whole: between keys, after the last.
            base.replace("<IIsFilters", "\u{FFFF}<IIsFilters"),
            base.replace("</MBProperty>", "\u{1}</MBProperty>"),
            base.replace("\"C:\\a.dll\"", "\"C:\\a\u{FFFE}.dll\""),
            base.replace(
                "<IIsFilters",
                "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t/>\r\n<Outer>\r\n<IIsFilters",
            )
            .replace("</MBProperty>", "</Outer>\r\n</MBProperty>"),
            String::new(),
            base.replace("<IIsWebService", "<MBProperty/>\r\n<IIsWebService"),
            // A key's very text inside another element is not a key.
            base.replace("<IIsWebServer\t", "<Outer Location=\"/o\">\r\n<IIsWebServer\t")
                .replace("</IIsWebServer>\r\n", "</IIsWebServer>\r\n</Outer>\r\n"),
        ];
        for after in &others {
            same_after(&base, after);
        }
    }

    proptest::proptest! {
        /// Random edits (pieces of markup, quotes, comments, copies of whole keys) of a metabase:
        /// read after the version before, each is what one pass makes of it.
        #[test]
        fn random_edits_parsed_after_the_version_before_equal_one_pass(
            edits in proptest::collection::vec((0usize..10_000, 0usize..40, 0usize..16), 1..4)
        ) {
            let pieces = [
                "", "<", ">", "\"", "<!--", "-->", "/>", "</IIsWebServer>", "\r\n\t\tX=\"1\"",
                "<IIsWebServer\tLocation =\"/LM/W3SVC/9\"\r\n\t/>\r\n",
                "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n</IIsWebServer>\r\n",
                "&amp;", "\u{e9}", "<Custom Name=\"N\" ID=\"1\" Value=\"v\"/>", "\u{1}", "\u{fffe}",
            ];
            let base = SMALL.replace("</MBProperty>", MORE);
            let mut text = base.clone();
            for (at, cut, piece) in edits {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) { at -= 1; }
                let mut end = (at + cut).min(text.len());
                while !text.is_char_boundary(end) { end -= 1; }
                text.replace_range(at..end, pieces[piece % pieces.len()]);
            }
            same_after(&base, &text);
            same_after(&text, &base);
        }
    }

    #[test]
    fn keys_attributes_and_spans() {
        let mb = parse_text(SMALL).unwrap();
        assert_eq!(mb.keys.len(), 3);
        assert!(mb.namespace.is_some());
        let svc = mb.find("/lm/w3svc").unwrap();
        assert_eq!(mb.key_type(svc), "IIsWebService");
        assert_eq!(mb.location(svc), "/LM/W3SVC");
        let key = mb.key(svc);
        assert!(mb.slice(key.span).starts_with("<IIsWebService"));
        assert!(mb.slice(key.span).ends_with("</IIsWebService>"));
        let maps = mb.own(svc, props::SCRIPT_MAPS).unwrap();
        let lines: Vec<_> = mb.attr_lines(maps).map(|l| l.text().into_owned()).collect();
        assert_eq!(
            lines,
            [
                ".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD",
                ".aspx,C:\\A & B\\x.dll,1"
            ]
        );
        // A Custom child counts under its ID.
        let custom = mb.own(svc, props::FILTER_PATH).unwrap();
        assert_eq!(mb.attr_value(custom), "C:\\f.dll");
        assert_eq!(mb.attr_name(custom), "UnknownName_2041");
    }

    #[test]
    fn inheritance_walks_up_and_a_child_list_replaces() {
        let mb = parse_text(SMALL).unwrap();
        let site = mb.find("/LM/W3SVC/1").unwrap();
        let root = mb.find("/lm/w3svc/1/ROOT").unwrap();
        let svc = mb.find("/LM/W3SVC").unwrap();
        assert_eq!(mb.key(root).parent, Some(site));
        assert_eq!(mb.effective(site, props::APP_POOL_ID).map(|e| e.0), Some(svc));
        assert_eq!(mb.effective(root, props::SCRIPT_MAPS).map(|e| e.0), Some(root));
        assert_eq!(mb.effective(site, props::FILTER_PATH), None, "not inheritable");
        assert_eq!(
            mb.effective_at("/LM/W3SVC/1/ROOT/app/dir", props::APP_POOL_ID)
                .map(|e| e.0),
            Some(svc)
        );
    }

    #[test]
    fn faults_are_located() {
        let cases: &[(&str, &str)] = &[
            (
                "<configuration><MBProperty><A Location=\"/\"></B></MBProperty></configuration>",
                "not well-formed",
            ),
            ("<configuration><MBProperty><A Location=\"/\">", "not closed"),
            ("<!DOCTYPE x [<!ENTITY a \"b\">]><configuration/>", "DOCTYPE"),
            ("<root/>", "not a metabase"),
            ("<configuration/>", "no <MBProperty>"),
            ("<configuration><MBProperty/></configuration>", "holds no key"),
            (
                "<configuration><MBProperty><!--<A Location=\"/\"></A>--></MBProperty></configuration>",
                "holds no key",
            ),
            ("", "the file is empty"),
            ("\r\n ", "only 3 byte(s) of white space"),
            ("<?xml version=\"1.0\"?>", "no <configuration>"),
            (
                "<configuration><MBProperty><A/></MBProperty></configuration>",
                "without a Location",
            ),
            (
                "<configuration><MBProperty><A Location=\"&lol;\"/></MBProperty></configuration>",
                "predefined entity",
            ),
            (
                "<configuration><MBProperty><A Location=\"/\" B=\"a&b\"/></MBProperty></configuration>",
                "'&'",
            ),
            (
                "<configuration><MBProperty><A Location=\"/\" B=1/></MBProperty></configuration>",
                "not well-formed",
            ),
            (
                "<configuration><MBProperty><A Location=\"/\" B=\"1\" B=\"2\"/></MBProperty></configuration>",
                "not well-formed",
            ),
            (
                "<configuration><MBProperty></MBProperty></configuration><x/>",
                "second root",
            ),
            (
                "<configuration><MBProperty></MBProperty></configuration>junk",
                "outside the root",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_text(text).expect_err(text);
            assert!(err.message.contains(expected), "{text}: {}", err.message);
            assert!(err.span.end as usize <= text.len());
        }
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = 200_000;
        let text = format!(
            "<configuration><MBProperty><A Location=\"/\">{}{}</A></MBProperty></configuration>",
            "<x>".repeat(depth),
            "</x>".repeat(depth)
        );
        let mb = parse_text(&text).unwrap();
        assert_eq!(mb.keys.len(), 1);
    }
}
