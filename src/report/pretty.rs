//! Pretty-printed JSON written by hand, byte for byte as `serde_json::to_writer_pretty` writes it,
//! for the records a report repeats hundreds of thousands of times (a finding's places, a fix's
//! edits). Everything else goes through serde at the right depth ([`Pretty::value`]).
//!
//! Why: serde's pretty printer makes a small dynamic write for every brace, indent, colon and digit,
//! which on a finding-heavy file (800,000 places and edits, 280 MB of JSON) cost more than linting it. Here a
//! record is appended to one large buffer and handed to the writer 256 KiB at a time; the constant
//! bytes of a repeated record are laid out once ([`Shape`]). Strings are escaped by a copy of
//! serde_json's escape table, tested against serde_json.

use std::io::Write;

use serde::Serialize;

use crate::metabase::SourceFile;

/// How much is gathered before it is handed to the writer.
const CHUNK: usize = 256 * 1024;
/// `,` and a line break, then serde_json's pretty indent (two spaces a level) for up to 31 levels.
const BREAK: &[u8; 64] = b",\n                                                              ";

/// A pretty JSON document being written: the nesting depth and whether the innermost container
/// has a member yet, exactly the state serde_json's `PrettyFormatter` keeps.
pub struct Pretty<W: Write> {
    buf: Vec<u8>,
    sink: W,
    depth: usize,
    /// Whether the innermost open container has had a member (serde_json's `has_value`).
    has_value: bool,
    /// Where the values of a [`Shape`] being recorded go.
    holes: Vec<usize>,
}

impl<W: Write> Pretty<W> {
    pub fn new(sink: W) -> Pretty<W> {
        Pretty {
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            sink,
            depth: 0,
            has_value: false,
            holes: Vec::new(),
        }
    }

    /// The constant bytes of a record written many times at this place of the document (a
    /// finding's places, a fix's edits): `record` writes it once, calling [`hole`](Self::hole)
    /// where each value goes. Writing the record is then a copy of each constant piece and its
    /// values, by [`Shape::fill`]. Begin the record (an array's [`element`](Self::element)) first.
    pub fn shape(&self, record: impl FnOnce(&mut Pretty<std::io::Sink>)) -> Shape {
        let mut rec = Pretty {
            buf: Vec::new(),
            sink: std::io::sink(),
            depth: self.depth,
            has_value: self.has_value,
            holes: Vec::new(),
        };
        record(&mut rec);
        assert_eq!(rec.depth, self.depth, "a shape is a whole record");
        let mut pieces = Vec::with_capacity(rec.holes.len() + 1);
        let mut from = 0;
        for &at in rec.holes.iter().chain([&rec.buf.len()]) {
            pieces.push(rec.buf[from..at].to_vec());
            from = at;
        }
        Shape { pieces }
    }

    /// Where a value of a [`Shape`] being recorded goes.
    pub fn hole(&mut self) {
        self.holes.push(self.buf.len());
    }

    /// Hands what is gathered to the writer once it is a chunk's worth. Call it between records:
    /// memory stays one chunk and one record, however many records there are.
    #[inline]
    pub fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.sink.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out the rest and gives the writer back (not flushed itself: its owner decides).
    pub fn finish(mut self) -> std::io::Result<W> {
        self.sink.write_all(&self.buf)?;
        Ok(self.sink)
    }

    #[inline]
    fn indent(&mut self) {
        let n = self.depth * 2;
        match BREAK.get(2..2 + n) {
            Some(spaces) => self.buf.extend_from_slice(spaces),
            None => self.buf.extend(std::iter::repeat_n(b' ', n)),
        }
    }

    /// The separator and indent before a member of the innermost container: one copy of a
    /// constant run, however deep.
    #[inline]
    fn member(&mut self) {
        let n = self.depth * 2;
        let from = if self.has_value { 0 } else { 1 };
        match BREAK.get(from..2 + n) {
            Some(run) => self.buf.extend_from_slice(run),
            None => {
                self.buf.extend_from_slice(&BREAK[from..2]);
                self.buf.extend(std::iter::repeat_n(b' ', n));
            }
        }
        self.has_value = true;
    }

    #[inline]
    pub fn begin_object(&mut self) {
        self.depth += 1;
        self.has_value = false;
        self.buf.push(b'{');
    }

    #[inline]
    pub fn end_object(&mut self) {
        self.close(b'}');
    }

    #[inline]
    pub fn begin_array(&mut self) {
        self.depth += 1;
        self.has_value = false;
        self.buf.push(b'[');
    }

    #[inline]
    pub fn end_array(&mut self) {
        self.close(b']');
    }

    #[inline]
    fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if self.has_value {
            self.buf.push(b'\n');
            self.indent();
        }
        self.buf.push(bracket);
        // The container just closed is a member of its parent.
        self.has_value = true;
    }

    /// An object's key (a plain identifier: the schema's own names, never input) and `: `.
    #[inline]
    pub fn key(&mut self, key: &'static str) {
        debug_assert!(key.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'));
        self.member();
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\": ");
    }

    /// The start of an array's next element.
    #[inline]
    pub fn element(&mut self) {
        self.member();
    }

    /// A string, escaped as serde_json escapes it.
    #[inline]
    pub fn str(&mut self, value: &str) {
        escape_into(&mut self.buf, value);
    }

    /// A string or `null`.
    #[inline]
    pub fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(s) => self.str(s),
            None => self.buf.extend_from_slice(b"null"),
        }
    }

    /// Bytes already in JSON form (a string escaped once for many records).
    #[inline]
    pub fn raw(&mut self, json: &[u8]) {
        self.buf.extend_from_slice(json);
    }

    #[inline]
    pub fn uint(&mut self, n: u64) {
        const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = n;
        while n >= 100 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            at -= 2;
            digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if n >= 10 {
            let pair = n as usize * 2;
            at -= 2;
            digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            at -= 1;
            digits[at] = b'0' + n as u8;
        }
        self.buf.extend_from_slice(&digits[at..]);
    }

    #[inline]
    pub fn bool(&mut self, value: bool) {
        self.buf.extend_from_slice(if value { b"true" } else { b"false" });
    }

    #[inline]
    pub fn null(&mut self) {
        self.buf.extend_from_slice(b"null");
    }

    /// Any value, by serde, indented for where it stands.
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> std::io::Result<()> {
        let formatter = Nested {
            depth: self.depth,
            has_value: false,
        };
        let mut ser = serde_json::Serializer::with_formatter(&mut self.buf, formatter);
        value.serialize(&mut ser).map_err(std::io::Error::other)?;
        self.has_value = true;
        Ok(())
    }
}

/// What serde_json writes after a backslash for each byte it escapes (`u`: `\u00XX`, lowercase
/// hex); 0 for a byte written as it is. Only ASCII is escaped: every other character is written
/// as its UTF-8 bytes, `DEL`, U+2028 and U+2029 included.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// `value` as a JSON string (quotes included), escaped exactly as serde_json escapes it (a test
/// holds the two together on every ASCII character and on generated strings).
#[inline]
pub fn escape_into(buf: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    buf.reserve(bytes.len() + 2);
    buf.push(b'"');
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[b as usize];
        if escape == 0 {
            continue;
        }
        buf.extend_from_slice(&bytes[from..i]);
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        } else {
            buf.extend_from_slice(&[b'\\', escape]);
        }
        from = i + 1;
    }
    buf.extend_from_slice(&bytes[from..]);
    buf.push(b'"');
}

/// `value` as a JSON string, for a piece written into many records.
pub fn escaped(value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 2);
    escape_into(&mut out, value);
    out
}

/// A record's constant bytes, between its values (see [`Pretty::shape`]).
pub struct Shape {
    pieces: Vec<Vec<u8>>,
}

impl Shape {
    /// Starts writing one record of this shape into `p`.
    #[inline]
    pub fn fill<'s, 'p, W: Write>(&'s self, p: &'p mut Pretty<W>) -> Fill<'s, 'p, W> {
        Fill {
            shape: self,
            p,
            next: 0,
        }
    }
}

/// One record of a [`Shape`] being written: each value follows the constant piece before it.
pub struct Fill<'s, 'p, W: Write> {
    shape: &'s Shape,
    p: &'p mut Pretty<W>,
    next: usize,
}

impl<W: Write> Fill<'_, '_, W> {
    #[inline]
    fn piece(&mut self) {
        self.p.buf.extend_from_slice(&self.shape.pieces[self.next]);
        self.next += 1;
    }

    #[inline]
    pub fn uint(&mut self, n: u64) {
        self.piece();
        self.p.uint(n);
    }

    #[inline]
    pub fn str(&mut self, value: &str) {
        self.piece();
        self.p.str(value);
    }

    #[inline]
    pub fn opt_str(&mut self, value: Option<&str>) {
        self.piece();
        self.p.opt_str(value);
    }

    /// The last piece: the record is written, a member of its container.
    #[inline]
    pub fn end(mut self) {
        debug_assert_eq!(self.next + 1, self.shape.pieces.len(), "a value for every hole");
        self.piece();
        self.p.has_value = true;
    }
}

/// serde_json's `PrettyFormatter`, starting at a depth: what a value written inside a hand-written
/// document needs to come out as `to_writer_pretty` would have written it there.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> std::io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Line, column and file offset of text offsets that mostly come in file order (a finding's
/// places): the line is found by stepping on from the last one, and only a jump back or far ahead
/// searches the line index (O(log n)). Columns count characters, as everywhere in mblint.
pub struct Cursor<'a> {
    source: &'a SourceFile,
    text: &'a str,
    /// The line of the last offset (0-based), its start and the next line's start.
    line: usize,
    start: usize,
    next: usize,
    /// For a UTF-16 file: the file offset of `start`, once asked for on this line.
    file_start: Option<usize>,
    lines: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(source: &'a SourceFile) -> Cursor<'a> {
        let mut cursor = Cursor {
            source,
            text: &source.text,
            line: 0,
            start: 0,
            next: 0,
            file_start: None,
            lines: source.line_count(),
        };
        cursor.seek_line(0);
        cursor
    }

    /// The file the cursor walks.
    pub fn source(&self) -> &'a SourceFile {
        self.source
    }

    fn seek_line(&mut self, line: usize) {
        self.line = line;
        self.start = self.source.line_start(line);
        self.next = self.source.line_start(line + 1);
        self.file_start = None;
    }

    /// Whether the cursor's line holds `offset` (the last line holds the text's end).
    #[inline]
    fn holds(&self, offset: usize) -> bool {
        offset >= self.start && (offset < self.next || self.line + 1 == self.lines)
    }

    /// Moves to the line holding `offset` (clamped to the text's end, as `line_col` does): forward
    /// from the cursor's line by galloping, so places in file order cost O(log distance) each;
    /// backward by the source's line index.
    #[inline]
    fn find(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if self.holds(offset) {
            return offset;
        }
        if offset < self.start {
            self.seek_line(self.source.line_index(offset));
            return offset;
        }
        // Past this line, which is then not the last: the line holding `offset` is the last one
        // starting at or before it, at `lo` or after; `hi` starts after it, or is past the end.
        let mut lo = self.line + 1;
        let mut step = 1;
        let mut hi = loop {
            let probe = lo + step;
            if probe >= self.lines || self.source.line_start(probe) > offset {
                break probe.min(self.lines);
            }
            lo = probe;
            step *= 2;
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.source.line_start(mid) <= offset {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        self.seek_line(lo);
        offset
    }

    /// Characters from the line's start to `offset` (a byte count when `offset` is not on a
    /// character boundary, as `SourceFile::line_col` counts it).
    fn column_of(&self, offset: usize) -> usize {
        let within = &self.text.as_bytes()[self.start..offset];
        if within.is_ascii() {
            return within.len();
        }
        self.text
            .get(self.start..offset)
            .map_or(offset - self.start, |s| s.chars().count())
    }

    /// 1-based line and column of a text offset, as [`SourceFile::line_col`] gives them.
    pub fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = self.find(offset);
        (self.line + 1, self.column_of(offset) + 1)
    }

    /// The byte offset in the file on disk of a text offset, as [`SourceFile::file_offset`] gives it.
    pub fn file_offset(&mut self, offset: usize) -> usize {
        if !self.source.encoding.is_utf16() {
            return self.source.encoding.bom_len() + offset;
        }
        let offset = self.find(offset);
        let file_start = match self.file_start {
            Some(at) => at,
            None => {
                let at = self.source.file_offset(self.start);
                self.file_start = Some(at);
                at
            }
        };
        let units: usize = match self.text.get(self.start..offset) {
            Some(s) => s.chars().map(char::len_utf16).sum(),
            // Not on a character boundary: what the file offset of the source says.
            None => return self.source.file_offset(offset),
        };
        file_start + 2 * units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile strings: quotes, backslashes, every control character, DEL, non-ASCII of every
    /// UTF-8 length, and the characters JSON needs no escape for but others do.
    fn hostile() -> Vec<String> {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é€😀\u{2028}\u{2029}\u{feff}\u{fffd}/</script>");
        vec![
            String::new(),
            "plain".into(),
            "\"quoted\" and \\back\\slashed\\".into(),
            "C:\\WINDOWS\\system32\\inetsrv\\asp.dll".into(),
            "\r\n\t\u{8}\u{c}\u{0}\u{1f}\u{7f}".into(),
            all,
            "/LM/W3SVC/1/ROOT/\u{1b}[31mred".into(),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_escaped_exactly_as_serde_json_escapes_it(s in "(?s).{0,40}", t in "[\\x00-\\x7f\"\\\\é€😀]{0,40}") {
            for s in [&s, &t] {
                let mut buf = Vec::new();
                escape_into(&mut buf, s);
                proptest::prop_assert_eq!(buf, serde_json::to_vec(s).unwrap());
            }
        }
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        for s in hostile() {
            let mut p = Pretty::new(Vec::new());
            p.str(&s);
            assert_eq!(p.finish().unwrap(), serde_json::to_vec(&s).unwrap(), "{s:?}");
            assert_eq!(escaped(&s), serde_json::to_vec(&s).unwrap());
        }
    }

    #[derive(Serialize)]
    struct Inner {
        empty_list: Vec<u32>,
        empty_map: std::collections::BTreeMap<String, u32>,
        list: Vec<Option<u32>>,
        text: String,
    }

    #[derive(Serialize)]
    struct Doc {
        a: u64,
        b: Vec<Inner>,
        c: Option<&'static str>,
        d: bool,
        e: Vec<Vec<u32>>,
        f: u64,
    }

    fn doc() -> Doc {
        Doc {
            a: u64::MAX,
            b: hostile()
                .into_iter()
                .map(|text| Inner {
                    empty_list: vec![],
                    empty_map: Default::default(),
                    list: vec![Some(0), None, Some(10)],
                    text,
                })
                .collect(),
            c: None,
            d: true,
            e: vec![vec![], vec![1], vec![]],
            f: 0,
        }
    }

    /// The same document by hand, with serde for some members at every depth, as the reports mix
    /// them: it must be serde_json's pretty output to the byte.
    #[test]
    fn hand_written_documents_are_serde_json_pretty_output() {
        let doc = doc();
        let expected = serde_json::to_vec_pretty(&doc).unwrap();
        for by_serde in 0..4 {
            let mut p = Pretty::new(Vec::new());
            p.begin_object();
            p.key("a");
            p.uint(doc.a);
            p.key("b");
            if by_serde == 0 {
                p.value(&doc.b).unwrap();
            } else {
                p.begin_array();
                for inner in &doc.b {
                    p.element();
                    if by_serde == 1 {
                        p.value(inner).unwrap();
                        continue;
                    }
                    p.begin_object();
                    p.key("empty_list");
                    p.begin_array();
                    p.end_array();
                    p.key("empty_map");
                    if by_serde == 2 {
                        p.value(&inner.empty_map).unwrap();
                    } else {
                        p.begin_object();
                        p.end_object();
                    }
                    p.key("list");
                    p.begin_array();
                    for v in &inner.list {
                        p.element();
                        match v {
                            Some(n) => p.uint(u64::from(*n)),
                            None => p.null(),
                        }
                    }
                    p.end_array();
                    p.key("text");
                    p.str(&inner.text);
                    p.end_object();
                }
                p.end_array();
            }
            p.key("c");
            p.opt_str(doc.c);
            p.key("d");
            p.bool(doc.d);
            p.key("e");
            p.begin_array();
            for list in &doc.e {
                p.element();
                p.value(list).unwrap();
            }
            p.end_array();
            p.key("f");
            p.uint(doc.f);
            p.end_object();
            let written = p.finish().unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected.clone()).unwrap(),
                "serde for level {by_serde}"
            );
        }
    }

    #[derive(Serialize)]
    struct Place {
        line: u64,
        end: Inner2,
        location: Option<String>,
    }

    #[derive(Serialize)]
    struct Inner2 {
        line: u64,
        text: String,
    }

    /// Records written through a shape are what serde writes of them, first and later ones.
    #[test]
    fn records_written_through_a_shape_are_serde_json_pretty_output() {
        let places: Vec<Place> = hostile()
            .into_iter()
            .enumerate()
            .map(|(i, text)| Place {
                line: i as u64 * 1000,
                end: Inner2 { line: i as u64, text },
                location: (i % 2 == 0).then(|| format!("/LM/W3SVC/{i}")),
            })
            .collect();
        let mut p = Pretty::new(Vec::new());
        p.begin_object();
        p.key("places");
        p.begin_array();
        let mut shape = None;
        for place in &places {
            p.element();
            let shape = shape.get_or_insert_with(|| {
                p.shape(|r| {
                    r.begin_object();
                    r.key("line");
                    r.hole();
                    r.key("end");
                    r.begin_object();
                    r.key("line");
                    r.hole();
                    r.key("text");
                    r.hole();
                    r.end_object();
                    r.key("location");
                    r.hole();
                    r.end_object();
                })
            });
            let mut f = shape.fill(&mut p);
            f.uint(place.line);
            f.uint(place.end.line);
            f.str(&place.end.text);
            f.opt_str(place.location.as_deref());
            f.end();
        }
        p.end_array();
        p.key("after");
        p.bool(false);
        p.end_object();
        #[derive(Serialize)]
        struct Doc<'a> {
            places: &'a [Place],
            after: bool,
        }
        let expected = serde_json::to_string_pretty(&Doc {
            places: &places,
            after: false,
        })
        .unwrap();
        assert_eq!(String::from_utf8(p.finish().unwrap()).unwrap(), expected);
    }

    #[test]
    fn numbers_are_written_as_serde_writes_them() {
        let mut numbers: Vec<u64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 4096, u64::MAX, u64::MAX - 1];
        numbers.extend((0..20).map(|e| 10u64.pow(e)));
        numbers.extend((1..20).map(|e| 10u64.pow(e) - 1));
        numbers.extend((0..10_000u64).map(|i| i * 7_919 + i));
        let mut p = Pretty::new(Vec::new());
        p.begin_array();
        for &n in &numbers {
            p.element();
            p.uint(n);
        }
        p.end_array();
        assert_eq!(p.finish().unwrap(), serde_json::to_vec_pretty(&numbers).unwrap());
    }

    /// Deeper than the constant run of spaces reaches (31 levels), by hand and by serde inside.
    #[test]
    fn deep_documents_are_indented_as_serde_indents_them() {
        fn nest(depth: usize) -> serde_json::Value {
            match depth {
                0 => serde_json::json!({ "a": [1, {}, []], "b": "x" }),
                _ => serde_json::json!({ "k": [nest(depth - 1)], "n": depth }),
            }
        }
        let value = nest(30);
        let mut p = Pretty::new(Vec::new());
        p.begin_array();
        for _ in 0..40 {
            p.element();
            p.begin_array();
        }
        p.element();
        p.value(&value).unwrap();
        p.element();
        p.str("deep");
        for _ in 0..40 {
            p.end_array();
        }
        p.end_array();
        let mut expected = serde_json::json!([value, "deep"]);
        for _ in 0..40 {
            expected = serde_json::json!([expected]);
        }
        assert_eq!(
            String::from_utf8(p.finish().unwrap()).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }

    #[test]
    fn large_documents_reach_the_writer_in_chunks() {
        let mut p = Pretty::new(Vec::new());
        p.begin_array();
        for i in 0..200_000u64 {
            p.element();
            p.uint(i);
            p.flush_if_full().unwrap();
        }
        p.end_array();
        let written = p.finish().unwrap();
        let expected = serde_json::to_vec_pretty(&(0..200_000u64).collect::<Vec<_>>()).unwrap();
        assert_eq!(written, expected);
    }

    /// Every offset of texts with long and short lines, multi-byte characters, CRLF, no final
    /// break, in UTF-8 and UTF-16, visited in order, backwards, scattered and in strides of many
    /// lines: the cursor agrees with the source's own line index.
    #[test]
    fn the_cursor_agrees_with_the_source() {
        use crate::metabase::source::Encoding;
        let texts = [
            "",
            "a",
            "\n",
            "\n\n\n",
            "<a>\r\n\t<b x=\"é€😀\"/>\r\n</a>",
            "one\ntwo\n\nfour\n",
            "x\u{2028}y\n😀😀\nz",
        ];
        let long: String = (0..300).map(|i| format!("line {i} é\n")).collect();
        for text in texts.iter().copied().chain([long.as_str()]) {
            for encoding in [
                Encoding::Utf8,
                Encoding::Utf8Bom,
                Encoding::Utf16LeBom,
                Encoding::Utf16Be,
            ] {
                let source = SourceFile::with_encoding("t.xml", encoding, text);
                let n = text.len();
                let forward: Vec<usize> = (0..=n + 2).collect();
                let backward: Vec<usize> = (0..=n).rev().collect();
                let scattered: Vec<usize> = (0..=n).map(|i| (i * 7919) % (n + 1)).collect();
                let strides: Vec<usize> = [1, 37, 500, 5_000]
                    .iter()
                    .flat_map(|&stride| (0..=n).step_by(stride))
                    .collect();
                for order in [forward, backward, scattered, strides] {
                    let mut cursor = Cursor::new(&source);
                    for &offset in &order {
                        assert_eq!(cursor.line_col(offset), source.line_col(offset), "{text:?} at {offset}");
                        // The source's own answer needs a character boundary.
                        if text.is_char_boundary(offset) {
                            assert_eq!(
                                cursor.file_offset(offset),
                                source.file_offset(offset),
                                "{text:?} {encoding:?} at {offset}"
                            );
                        }
                    }
                }
            }
        }
    }
}
