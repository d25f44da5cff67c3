//! Pretty-printed JSON written by hand, byte for byte as `serde_json::to_writer_pretty` writes it,
//! for the records a report repeats hundreds of thousands of times (a finding's places, a fix's
//! edits). Everything else goes through serde at the right depth ([`Pretty::value`]).
//!
//! Why: serde's pretty printer makes a small dynamic write for every brace, indent, colon and digit,
//! which on a finding-heavy file (680,000 places, 280 MB of JSON) cost more than linting it. Here a
//! record is appended to one large buffer and handed to the writer 256 KiB at a time. Strings are
//! escaped by serde_json itself, so the escaping is exactly JSON's as serde writes it.

use std::io::Write;

use serde::Serialize;

use crate::metabase::SourceFile;

/// How much is gathered before it is handed to the writer.
const CHUNK: usize = 256 * 1024;
/// serde_json's pretty indent is two spaces per level.
const SPACES: &[u8; 64] = b"                                                                ";

/// A pretty JSON document being written: the nesting depth and whether the innermost container
/// has a member yet, exactly the state serde_json's `PrettyFormatter` keeps.
pub struct Pretty<W: Write> {
    buf: Vec<u8>,
    sink: W,
    depth: usize,
    /// Whether the innermost open container has had a member (serde_json's `has_value`).
    has_value: bool,
}

impl<W: Write> Pretty<W> {
    pub fn new(sink: W) -> Pretty<W> {
        Pretty {
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            sink,
            depth: 0,
            has_value: false,
        }
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
        let mut n = self.depth * 2;
        while n > SPACES.len() {
            self.buf.extend_from_slice(SPACES);
            n -= SPACES.len();
        }
        self.buf.extend_from_slice(&SPACES[..n]);
    }

    /// The separator and indent before a member of the innermost container.
    #[inline]
    fn member(&mut self) {
        self.buf.extend_from_slice(if self.has_value { b",\n" } else { b"\n" });
        self.indent();
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
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
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

/// `value` as a JSON string (quotes included), escaped as serde_json escapes it.
pub fn escape_into(buf: &mut Vec<u8>, value: &str) {
    serde_json::to_writer(buf, value).expect("a string always serialises, and to memory");
}

/// `value` as a JSON string, for a piece written into many records.
pub fn escaped(value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 2);
    escape_into(&mut out, value);
    out
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

/// How many lines a cursor steps forward before it searches instead.
const STEPS: usize = 8;

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

    /// Moves to the line holding `offset` (clamped to the text's end, as `line_col` does).
    #[inline]
    fn find(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if self.holds(offset) {
            return offset;
        }
        if offset > self.start {
            // Past this line, which is then not the last: step on a few lines.
            for _ in 0..STEPS {
                self.seek_line(self.line + 1);
                if self.holds(offset) {
                    return offset;
                }
            }
        }
        self.seek_line(self.source.line_index(offset));
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
    /// break, in UTF-8 and UTF-16, visited in order, backwards and scattered: the cursor agrees
    /// with the source's own line index.
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
                for order in [forward, backward, scattered] {
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
