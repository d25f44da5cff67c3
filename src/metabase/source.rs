//! Owns the raw bytes of a metabase file and their decoding into text.
//!
//! Every span elsewhere in the crate is a byte range into the *decoded* UTF-8 text. This module is the
//! one place that knows how those ranges map back to bytes of the file on disk (BOM, UTF-16), and how
//! they map to 1-based lines and columns for display.

use std::sync::OnceLock;

/// A byte range into the decoded text. `u32` keeps the model small at 50,000 sites; files that do
/// not fit are refused up front by [`SourceFile::decode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, serde::Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// How the file's bytes encode its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    /// UTF-16 recognised from a leading `<?` without a byte order mark.
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn is_utf16(self) -> bool {
        !matches!(self, Encoding::Utf8 | Encoding::Utf8Bom)
    }
    fn big_endian(self) -> bool {
        matches!(self, Encoding::Utf16BeBom | Encoding::Utf16Be)
    }
    /// Bytes of byte order mark at the start of the file.
    pub fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8Bom => 3,
            Encoding::Utf16LeBom | Encoding::Utf16BeBom => 2,
            _ => 0,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16LeBom => "UTF-16LE with BOM",
            Encoding::Utf16BeBom => "UTF-16BE with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// The line-break convention the file uses, as far as its first line tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    Lf,
    Crlf,
    /// The file has no line break at all.
    None,
}

/// Text that could not be decoded: where (a byte offset in the file) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub file_offset: usize,
    pub message: String,
    /// How the file's bytes were being decoded (by its byte order mark or first bytes).
    pub encoding: Encoding,
    /// The text decoded before the fault, so that the error can be shown at a line and column.
    /// As a source in [`encoding`](Self::encoding) (see [`SourceFile::with_encoding`]), its end is
    /// at `file_offset` in the file.
    pub valid_prefix: String,
}

/// The largest file mblint reads: spans are 32-bit.
pub const MAX_FILE_SIZE: usize = u32::MAX as usize - 1;

/// The decoded text of a file, checked as UTF-8 once, when it was made. (It was once also the
/// memory-mapped file itself; a file rewritten under a map faults the reader, and is undefined
/// behaviour for a `str` over it, so every file is read: issue 19.) Shared, never changed: a
/// clone is the same text, not a copy of it (the second reading of names MB005 compares reads the
/// file's text, not a copy of 100 MB).
pub struct Text(std::sync::Arc<String>);

impl Text {
    /// The text as an owned `String` (a copy only when it is shared).
    pub fn into_string(self) -> String {
        std::sync::Arc::try_unwrap(self.0).unwrap_or_else(|shared| shared.as_str().to_string())
    }

    pub fn as_str(&self) -> &str {
        self
    }

    /// The text as an owned `String` when nothing else holds it; `None` when it is shared.
    pub fn try_into_string(self) -> Option<String> {
        std::sync::Arc::try_unwrap(self.0).ok()
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(std::sync::Arc::new(s))
    }
}

impl Clone for Text {
    fn clone(&self) -> Text {
        Text(std::sync::Arc::clone(&self.0))
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// A decoded metabase file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name to show for this file (as given on the command line).
    pub name: String,
    pub encoding: Encoding,
    pub text: Text,
    line_starts: OnceLock<Vec<u32>>,
    /// For a UTF-16 file: the UTF-16 units before each line, so a text offset maps to a file offset
    /// by one line's worth of counting, not the whole text's.
    line_units: OnceLock<Vec<u64>>,
}

impl SourceFile {
    /// Decodes `bytes` by their byte order mark (UTF-8 otherwise). UTF-8 input becomes the text in
    /// place: a 100 MB file is held once, not twice.
    pub fn decode(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<SourceFile, DecodeError> {
        let name = name.into();
        let mut bytes = bytes.into();
        let encoding = sniff(&bytes);
        if bytes.len() > MAX_FILE_SIZE {
            return Err(DecodeError {
                file_offset: MAX_FILE_SIZE,
                message: format!(
                    "the file is {} bytes; mblint reads metabases up to {} bytes",
                    bytes.len(),
                    MAX_FILE_SIZE
                ),
                encoding,
                valid_prefix: String::new(),
            });
        }
        let bom = encoding.bom_len();
        let text = if encoding.is_utf16() {
            decode_utf16(&bytes[bom..], encoding)?
        } else {
            bytes.drain(..bom);
            String::from_utf8(bytes).map_err(|e| {
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                let message = format!(
                    "invalid UTF-8: byte 0x{:02X} at file offset {} does not start or continue a UTF-8 character",
                    bytes[valid],
                    bom + valid
                );
                bytes.truncate(valid);
                DecodeError {
                    file_offset: bom + valid,
                    message,
                    encoding,
                    valid_prefix: String::from_utf8(bytes).expect("the prefix is valid UTF-8"),
                }
            })?
        };
        Ok(SourceFile {
            name,
            encoding,
            text: text.into(),
            line_starts: OnceLock::new(),
            line_units: OnceLock::new(),
        })
    }

    /// Builds a source from text that is already decoded (tests, generated data).
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile::with_encoding(name, Encoding::Utf8, text)
    }

    /// Builds a source from text decoded from a file in `encoding`, so that its offsets map back
    /// to that file's bytes: the [`valid_prefix`](DecodeError::valid_prefix) of a decode error,
    /// whose end [`file_offset`](Self::file_offset) gives is the error's `file_offset`.
    pub fn with_encoding(name: impl Into<String>, encoding: Encoding, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            encoding,
            text: Text::from(text.into()),
            line_starts: OnceLock::new(),
            line_units: OnceLock::new(),
        }
    }

    /// The same file and text under another name's reading: the text shared, not copied.
    pub fn sharing(&self) -> SourceFile {
        SourceFile {
            name: self.name.clone(),
            encoding: self.encoding,
            text: self.text.clone(),
            line_starts: OnceLock::new(),
            line_units: OnceLock::new(),
        }
    }

    pub fn line_ending(&self) -> LineEnding {
        match memchr::memchr(b'\n', self.text.as_bytes()) {
            None => LineEnding::None,
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => LineEnding::Crlf,
            Some(_) => LineEnding::Lf,
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i as u32 + 1));
            starts
        })
    }

    /// Number of lines (a final line without a break counts).
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// 0-based index of the line holding a text offset.
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&s| s as usize <= offset) - 1
    }

    /// Text offset where a 0-based line starts (the text's end past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts().get(line).map_or(self.text.len(), |&s| s as usize)
    }

    /// The 1-based lines of a few text offsets, in their order. Without the table of line starts
    /// (which [`line_col`](Self::line_col) builds, one entry per line), the line breaks before the
    /// last of them are counted once, in offset order: `mblint history` numbers the lines of a few
    /// changed keys in each version and needs nothing else of its lines.
    pub fn lines_of(&self, offsets: &[usize]) -> Vec<usize> {
        if self.line_starts.get().is_some() {
            return offsets.iter().map(|&o| self.line_index(o) + 1).collect();
        }
        let bytes = self.text.as_bytes();
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_unstable_by_key(|&i| offsets[i]);
        let mut lines = vec![0; offsets.len()];
        let (mut at, mut breaks) = (0, 0);
        for i in order {
            let to = offsets[i].min(bytes.len());
            breaks += memchr::memchr_iter(b'\n', &bytes[at..to]).count();
            at = to;
            lines[i] = breaks + 1;
        }
        lines
    }

    /// 1-based line and 1-based column (in characters) of a text offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col_in(&self.text, self.line_starts(), offset)
    }

    /// The byte offset in the file on disk of a text offset: what an edit of the file needs.
    pub fn file_offset(&self, text_offset: usize) -> usize {
        let bom = self.encoding.bom_len();
        if !self.encoding.is_utf16() {
            return bom + text_offset;
        }
        let line = self.line_index(text_offset);
        let start = self.line_start(line);
        let units_before = self.line_units.get_or_init(|| {
            let starts = self.line_starts();
            let mut units = Vec::with_capacity(starts.len());
            let mut total = 0u64;
            for (i, &s) in starts.iter().enumerate() {
                units.push(total);
                let end = starts.get(i + 1).map_or(self.text.len(), |&e| e as usize);
                total += self.text[s as usize..end]
                    .chars()
                    .map(|c| c.len_utf16() as u64)
                    .sum::<u64>();
            }
            units
        })[line] as usize;
        let within: usize = self.text[start..text_offset].chars().map(char::len_utf16).sum();
        bom + 2 * (units_before + within)
    }

    /// The file offsets of ascending text offsets, in one pass over the text.
    pub fn file_offsets(&self, offsets: &[usize]) -> Vec<usize> {
        let bom = self.encoding.bom_len();
        if !self.encoding.is_utf16() {
            return offsets.iter().map(|o| bom + o).collect();
        }
        let mut out = Vec::with_capacity(offsets.len());
        let (mut text_at, mut units) = (0usize, 0usize);
        for &offset in offsets {
            debug_assert!(offset >= text_at, "offsets ascend");
            units += self.text[text_at..offset].chars().map(char::len_utf16).sum::<usize>();
            text_at = offset;
            out.push(bom + 2 * units);
        }
        out
    }

    /// A text span as a byte range of the file on disk.
    pub fn file_span(&self, span: Span) -> std::ops::Range<usize> {
        self.file_offset(span.start as usize)..self.file_offset(span.end as usize)
    }
}

/// Line and column of `offset` in `text`, given the starts of its lines.
pub fn line_col_in(text: &str, line_starts: &[u32], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let line = line_starts.partition_point(|&s| s as usize <= offset) - 1;
    let start = line_starts[line] as usize;
    let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
    (line + 1, column + 1)
}

fn sniff(bytes: &[u8]) -> Encoding {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => Encoding::Utf8Bom,
        [0xFF, 0xFE, ..] => Encoding::Utf16LeBom,
        [0xFE, 0xFF, ..] => Encoding::Utf16BeBom,
        [b'<', 0, b'?', 0, ..] => Encoding::Utf16Le,
        [0, b'<', 0, b'?', ..] => Encoding::Utf16Be,
        _ => Encoding::Utf8,
    }
}

fn decode_utf16(body: &[u8], encoding: Encoding) -> Result<String, DecodeError> {
    let bom = encoding.bom_len();
    let form = if encoding.big_endian() { "UTF-16BE" } else { "UTF-16LE" };
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if encoding.big_endian() {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut offset = bom;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => {
                text.push(c);
                offset += 2 * c.len_utf16();
            }
            Err(e) => {
                return Err(DecodeError {
                    file_offset: offset,
                    message: format!(
                        "invalid {form}: unpaired surrogate 0x{:04X} at file offset {offset}",
                        e.unpaired_surrogate()
                    ),
                    encoding,
                    valid_prefix: text,
                });
            }
        }
    }
    if body.len() % 2 == 1 {
        return Err(DecodeError {
            file_offset: offset,
            message: format!("truncated {form}: the file ends in the middle of a code unit, at file offset {offset}"),
            encoding,
            valid_prefix: text,
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn lines_of_offsets_are_the_lines_line_col_gives() {
        let text = "<a>\r\n\tb=\"1\"\n\n\n<c\u{e9}/>\nlast";
        // Every offset, in an order that is not the text's, and one past the end.
        let mut offsets: Vec<usize> = (0..=text.len() + 1).rev().collect();
        offsets.swap(1, 7);
        let src = SourceFile::from_text("a", text);
        let counted = src.lines_of(&offsets);
        assert!(src.line_starts.get().is_none(), "no table is built for them");
        let from_table: Vec<usize> = offsets.iter().map(|&o| src.line_col(o).0).collect();
        assert_eq!(counted, from_table);
        assert_eq!(src.lines_of(&offsets), from_table, "with the table built");
        assert_eq!(src.lines_of(&[]), Vec::<usize>::new());
    }

    #[test]
    fn utf8_bom_offsets_shift_by_three() {
        let src = SourceFile::decode("a", b"\xEF\xBB\xBF<a/>").unwrap();
        assert_eq!(src.encoding, Encoding::Utf8Bom);
        assert_eq!(src.text, "<a/>");
        assert_eq!(src.file_offset(1), 4);
    }

    #[test]
    fn utf16_offsets_map_back_to_file_bytes() {
        let text = "<?xml?>\r\n<a b=\"\u{e9}\u{1F600}x\"/>";
        let src = SourceFile::decode("a", utf16le(text, true)).unwrap();
        assert_eq!(src.encoding, Encoding::Utf16LeBom);
        assert_eq!(src.text, text);
        let x = text.rfind('x').unwrap();
        // BOM (2 bytes) + 15 ASCII units + é (1 unit) + emoji (2 units) = 2 + 2 * 18
        assert_eq!(src.file_offset(x), 38);
        assert_eq!(src.line_ending(), LineEnding::Crlf);
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let src = SourceFile::decode("a", utf16le("<?xml?><a/>", false)).unwrap();
        assert_eq!(src.encoding, Encoding::Utf16Le);
        assert_eq!(src.text, "<?xml?><a/>");
    }

    #[test]
    fn invalid_utf8_reports_its_offset_and_prefix() {
        let err = SourceFile::decode("a", b"<a>\n<b \xFF/>").unwrap_err();
        assert_eq!(err.file_offset, 7);
        assert_eq!(err.valid_prefix, "<a>\n<b ");
    }

    #[test]
    fn unpaired_surrogate_and_odd_length_are_errors() {
        let mut bytes = utf16le("<a>", true);
        bytes.extend([0x00, 0xD8, b'x', 0]);
        assert!(
            SourceFile::decode("a", bytes.clone())
                .unwrap_err()
                .message
                .contains("surrogate")
        );
        let mut bytes = utf16le("<a>", true);
        bytes.push(b'x');
        assert!(
            SourceFile::decode("a", bytes.clone())
                .unwrap_err()
                .message
                .contains("truncated")
        );
    }

    /// The error's source (as `lint_bytes_with` builds it) keeps the file's encoding, and its end
    /// is the error's offset in the file.
    fn assert_located(bytes: Vec<u8>, encoding: Encoding, file_offset: usize) {
        let err = SourceFile::decode("a", bytes).unwrap_err();
        assert_eq!(
            (err.encoding, err.file_offset),
            (encoding, file_offset),
            "{}",
            err.message
        );
        assert!(
            err.message.contains(&format!("file offset {file_offset}")),
            "{}",
            err.message
        );
        let end = err.valid_prefix.len();
        let source = SourceFile::with_encoding("a", err.encoding, err.valid_prefix);
        assert_eq!(source.encoding, encoding);
        assert_eq!(source.file_offset(end), file_offset);
    }

    #[test]
    fn decode_errors_keep_the_encoding_and_the_file_offset() {
        let utf16be = |s: &str, bom: bool| {
            let mut out = if bom { vec![0xFE, 0xFF] } else { vec![] };
            out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
            out
        };
        // An unpaired surrogate after "<?é\u{1F600}": 5 code units.
        let text = "<?\u{e9}\u{1F600}";
        for (bom, encoding, at) in [(true, Encoding::Utf16LeBom, 12), (false, Encoding::Utf16Le, 10)] {
            let mut bytes = utf16le(text, bom);
            bytes.extend([0x00, 0xDC, b'x', 0]);
            assert_located(bytes, encoding, at);
        }
        for (bom, encoding, at) in [(true, Encoding::Utf16BeBom, 12), (false, Encoding::Utf16Be, 10)] {
            let mut bytes = utf16be(text, bom);
            bytes.extend([0xDC, 0x00, 0, b'x']);
            assert_located(bytes, encoding, at);
        }
        // A truncated code unit.
        let mut bytes = utf16le(text, true);
        bytes.push(b'<');
        assert_located(bytes, Encoding::Utf16LeBom, 12);
        // Invalid UTF-8 after a UTF-8 BOM: the BOM counts.
        assert_located(b"\xEF\xBB\xBF<a>\xFF".to_vec(), Encoding::Utf8Bom, 6);
        assert_located(b"<a>\xC3(".to_vec(), Encoding::Utf8, 3);
        // A surrogate encoded in UTF-8 (CESU-8) is invalid UTF-8.
        assert_located(b"<a>\xED\xA0\x80".to_vec(), Encoding::Utf8, 3);
    }

    #[test]
    fn line_and_column_are_one_based_in_characters() {
        let src = SourceFile::from_text("a", "ab\r\n\u{e9}cd\nx");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(4), (2, 1));
        assert_eq!(src.line_col(7), (2, 3));
        assert_eq!(src.line_col(src.text.len()), (3, 2));
    }
}
