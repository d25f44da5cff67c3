//! The page kit: markup that can only be built from static tags and escaped text, the document
//! shell (inline style, a Content-Security-Policy that forbids every load), sections, collapsible
//! blocks, tables, badges and the colour legend. Views (check, and later compare and history) use
//! only these.

use std::fmt::Write as _;

use crate::report::escape::is_escaped;

/// The page stops adding detail once its body reaches this many bytes: past it, each view writes
/// one summary line per remaining item (see the module documentation of [`super`]).
pub const PAGE_BUDGET: usize = 4 << 20;
/// ... and stops adding summary lines at this many: the rest is one count. With one item or row
/// written past each check, and the shell, no page is much larger.
pub const PAGE_LIMIT: usize = PAGE_BUDGET + (1 << 20);
/// The most bytes of one text [`Html::text`] writes; longer text is cut, and says how much is left
/// out. Table cells use less ([`Html::text_max`]).
pub const TEXT_BYTES: usize = 4_000;

/// The policy: nothing is loaded from anywhere (no script, font, image, frame, connection or
/// form target); only the page's own `<style>` applies.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'";

/// Whether a character is shown as `\u{hex}` on the page: everything the terminal report escapes
/// (controls, bidirectional formatting characters, line separators), and the noncharacters HTML
/// calls parse errors.
pub fn shown_escaped(c: char) -> bool {
    is_escaped(c) || matches!(c as u32, 0xFDD0..=0xFDEF) || (c as u32 & 0xFFFE) == 0xFFFE
}

/// Appends `s` as HTML text, safe in element content and in a quoted attribute value alike: `&`,
/// `<`, `>`, `"` and `'` as character references, and every [`shown_escaped`] character as its
/// visible `\u{hex}` form (a right-to-left override cannot reorder a path, a NUL or an ESC cannot
/// reach the page).
pub fn push_text(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || shown_escaped(c)) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().expect("found at a character boundary");
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// `s` as HTML text (see [`push_text`]).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_text(&mut out, s);
    out
}

/// `50,000`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Markup. Tags, classes and identifiers come only from `&'static str` (written in mblint's
/// source) and numbers; every other string goes through [`push_text`]. No method takes dynamic
/// markup, so nothing read from a metabase or a drive can become a tag or an attribute.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
    /// Bytes of the page before this part (see [`Html::after`]).
    base: usize,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// A part of the page that will follow `prior`: its [`len`](Html::len) counts `prior`'s bytes
    /// too, so that budgets hold for the whole page when parts are built out of order.
    pub fn after(prior: &Html) -> Html {
        Html {
            out: String::new(),
            base: prior.len(),
        }
    }

    /// Bytes of the page so far (this part, and the parts before it).
    pub fn len(&self) -> usize {
        self.base + self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Static markup, as written in the source.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// Escaped text, at most [`TEXT_BYTES`] of it.
    pub fn text(&mut self, s: &str) -> &mut Html {
        self.text_max(s, TEXT_BYTES)
    }

    /// Escaped text, at most `max` bytes of it (cut at a character boundary, with `…` and how many
    /// bytes were left out).
    pub fn text_max(&mut self, s: &str, max: usize) -> &mut Html {
        if s.len() <= max {
            push_text(&mut self.out, s);
            return self;
        }
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        push_text(&mut self.out, &s[..end]);
        let _ = write!(self.out, "… ({} more bytes)", grouped(s.len() - end));
        self
    }

    /// A message, help or fix text: escaped like [`text`](Html::text), with each `` `...` `` pair
    /// of backticks (the messages' Markdown for a DLL, a path, a command) drawn as `<code>`. An
    /// unpaired backtick is shown as it is. At most [`TEXT_BYTES`], cut as `text` cuts.
    pub fn prose(&mut self, s: &str) -> &mut Html {
        let mut end = s.len().min(TEXT_BYTES);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut rest = &s[..end];
        while let Some(open) = rest.find('`') {
            let Some(len) = rest[open + 1..].find('`') else { break };
            push_text(&mut self.out, &rest[..open]);
            self.out.push_str("<code>");
            push_text(&mut self.out, &rest[open + 1..open + 1 + len]);
            self.out.push_str("</code>");
            rest = &rest[open + 1 + len + 1..];
        }
        push_text(&mut self.out, rest);
        if end < s.len() {
            let _ = write!(self.out, "… ({} more bytes)", grouped(s.len() - end));
        }
        self
    }

    /// `<tag class="class">prose</tag>`: see [`prose`](Html::prose).
    pub fn prose_el(&mut self, tag: &'static str, class: &'static str, s: &str) -> &mut Html {
        self.open(tag, class).prose(s).close(tag)
    }

    /// A number, digits grouped: `50,000`.
    pub fn num(&mut self, n: usize) -> &mut Html {
        self.out.push_str(&grouped(n));
        self
    }

    /// `<tag class="class">` (no class attribute when `class` is empty).
    pub fn open(&mut self, tag: &'static str, class: &'static str) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.out.push_str(" class=\"");
            self.out.push_str(class);
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    /// `<tag class="class" id="prefix-n">`: an anchor other parts of the page link to.
    pub fn open_id(&mut self, tag: &'static str, class: &'static str, id: &Anchor) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.out.push_str(" class=\"");
            self.out.push_str(class);
            self.out.push('"');
        }
        let _ = write!(self.out, " id=\"{id}\">");
        self
    }

    /// `<tag class="class" title="...">` with the title escaped.
    pub fn open_titled(&mut self, tag: &'static str, class: &'static str, title: &str) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.out.push_str(" class=\"");
            self.out.push_str(class);
            self.out.push('"');
        }
        self.out.push_str(" title=\"");
        push_text(&mut self.out, title);
        self.out.push_str("\">");
        self
    }

    pub fn close(&mut self, tag: &'static str) -> &mut Html {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag class="class">text</tag>`.
    pub fn el(&mut self, tag: &'static str, class: &'static str, s: &str) -> &mut Html {
        self.open(tag, class).text(s).close(tag)
    }

    /// A link to an anchor of this page.
    pub fn link(&mut self, to: &Anchor, s: &str) -> &mut Html {
        let _ = write!(self.out, "<a href=\"#{to}\">");
        self.text(s).close("a")
    }

    /// Appends markup built elsewhere.
    pub fn append(&mut self, other: &Html) -> &mut Html {
        self.out.push_str(&other.out);
        self
    }

    pub fn into_string(self) -> String {
        self.out
    }

    pub fn as_str(&self) -> &str {
        &self.out
    }
}

/// An element identifier: a static prefix and numbers (`file-2`, `f-2-17`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    prefix: &'static str,
    numbers: Vec<usize>,
}

impl Anchor {
    pub fn new(prefix: &'static str, numbers: &[usize]) -> Anchor {
        Anchor {
            prefix,
            numbers: numbers.to_vec(),
        }
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix)?;
        for n in &self.numbers {
            write!(f, "-{n}")?;
        }
        Ok(())
    }
}

/// A colour with a meaning: the same five on every view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Loads, clean.
    Good,
    /// Fails, an error.
    Bad,
    /// In doubt, a warning.
    Warn,
    /// Nothing tells.
    Unknown,
    /// Information.
    Info,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Bad => "bad",
            Tone::Warn => "warn",
            Tone::Unknown => "unknown",
            Tone::Info => "info",
        }
    }

    /// The class of a badge of this tone.
    fn badge(self) -> &'static str {
        match self {
            Tone::Good => "badge good",
            Tone::Bad => "badge bad",
            Tone::Warn => "badge warn",
            Tone::Unknown => "badge unknown",
            Tone::Info => "badge info",
        }
    }

    /// The class of a table cell of this tone (its background).
    pub fn cell(self) -> &'static str {
        match self {
            Tone::Good => "cell good",
            Tone::Bad => "cell bad",
            Tone::Warn => "cell warn",
            Tone::Unknown => "cell unknown",
            Tone::Info => "cell info",
        }
    }

    /// The class of a banner of this tone (see [`banner`]).
    fn banner(self) -> &'static str {
        match self {
            Tone::Good => "banner clean",
            Tone::Bad => "banner",
            Tone::Warn => "banner warn",
            Tone::Unknown | Tone::Info => "banner note",
        }
    }

    /// The class of a table row of this tone.
    pub fn row(self) -> &'static str {
        match self {
            Tone::Good => "row good",
            Tone::Bad => "row bad",
            Tone::Warn => "row warn",
            Tone::Unknown => "row unknown",
            Tone::Info => "row info",
        }
    }
}

/// A small coloured label.
pub fn badge(h: &mut Html, tone: Tone, s: &str) {
    h.el("span", tone.badge(), s);
}

/// What each colour means, for the section that uses them.
pub fn legend(h: &mut Html, items: &[(Tone, &'static str)]) {
    h.open("p", "legend");
    for (tone, meaning) in items {
        h.open("span", "key");
        h.open("span", tone.badge()).raw("&#160;&#160;").close("span");
        h.raw(" ").raw(meaning);
        h.close("span");
    }
    h.close("p");
}

/// `<section id><h2>heading</h2>...</section>`.
pub fn section(h: &mut Html, class: &'static str, id: &Anchor, heading: &str, body: impl FnOnce(&mut Html)) {
    h.open_id("section", class, id);
    h.el("h2", "", heading);
    body(h);
    h.close("section");
}

/// A block that collapses: `<details><summary>...</summary>...</details>`, open or closed at first.
/// Works without script.
pub fn collapsible(
    h: &mut Html,
    class: &'static str,
    open: bool,
    summary: impl FnOnce(&mut Html),
    body: impl FnOnce(&mut Html),
) {
    match (class.is_empty(), open) {
        (true, true) => h.raw("<details open=\"open\">"),
        (true, false) => h.raw("<details>"),
        (false, true) => h.raw("<details open=\"open\" class=\"").raw(class).raw("\">"),
        (false, false) => h.raw("<details class=\"").raw(class).raw("\">"),
    };
    h.open("summary", "");
    summary(h);
    h.close("summary");
    body(h);
    h.close("details");
}

/// A banner across the page: red for what failed (never fail open), amber for warnings, green
/// when all is well; `id` anchors it.
pub fn banner(h: &mut Html, tone: Tone, id: Option<&Anchor>, heading: &str, body: impl FnOnce(&mut Html)) {
    match id {
        Some(id) => h.open_id("div", tone.banner(), id),
        None => h.open("div", tone.banner()),
    };
    h.el("h2", "", heading);
    body(h);
    h.close("div");
}

/// A table whose header cells are written by `head` (`<th>`s, see [`head_cell`]): for headers that
/// are not fixed, such as node names. Wrapped so that a wide table scrolls on its own.
pub fn wide_table(h: &mut Html, class: &'static str, head: impl FnOnce(&mut Html), rows: impl FnOnce(&mut Html)) {
    h.open("div", "scroll");
    h.open("table", class).open("thead", "").open("tr", "");
    head(h);
    h.close("tr").close("thead").open("tbody", "");
    rows(h);
    h.close("tbody").close("table");
    h.close("div");
}

/// A header cell of text.
pub fn head_cell(h: &mut Html, s: &str) {
    h.open("th", "").text_max(s, CELL_BYTES).close("th");
}

/// A table with a header row; `rows` writes `<tr>`s (see [`row`]).
pub fn table(h: &mut Html, class: &'static str, headers: &[&'static str], rows: impl FnOnce(&mut Html)) {
    h.open("table", class).open("thead", "").open("tr", "");
    for header in headers {
        h.open("th", "").raw(header).close("th");
    }
    h.close("tr").close("thead").open("tbody", "");
    rows(h);
    h.close("tbody").close("table");
}

/// One row: `cells` writes `<td>`s.
pub fn row(h: &mut Html, class: &'static str, cells: impl FnOnce(&mut Html)) {
    h.open("tr", class);
    cells(h);
    h.close("tr");
}

/// The most bytes of text a table cell shows.
pub const CELL_BYTES: usize = 600;

/// A cell of text, at most [`CELL_BYTES`] of it.
pub fn cell(h: &mut Html, class: &'static str, s: &str) {
    h.open("td", class).text_max(s, CELL_BYTES).close("td");
}

/// The whole document: doctype, head (charset, policy, title, style) and the body given. Well
/// formed as XML too (void elements closed, only XML's own character references), so a test can
/// parse it strictly.
pub fn document(title: &str, body: &Html) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    out.push_str(CSP);
    out.push_str("\"/>\n<meta name=\"referrer\" content=\"no-referrer\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
    push_text(&mut out, title);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(body.as_str());
    out.push_str("\n</body>\n</html>\n");
    out
}

/// The page's only style: system fonts, no external resource.
const STYLE: &str = r#"
:root{--good:#1a7f37;--good-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--unknown:#57606a;--unknown-bg:#eaeef2;--info:#0969da;--info-bg:#ddf4ff;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{margin:0;padding:1.2rem 1.6rem 3rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#fff;max-width:1400px}
h1{font-size:1.6rem;margin:.2rem 0 .4rem}h2{font-size:1.3rem;margin:1.4rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;overflow-wrap:anywhere}
h3{font-size:1.08rem;margin:1.1rem 0 .5rem}h4{font-size:.98rem;margin:.9rem 0 .4rem}
code,pre,.mono{font-family:ui-monospace,"Cascadia Mono","DejaVu Sans Mono",Consolas,monospace;font-size:12.5px}
code{overflow-wrap:anywhere}
.meta,.muted{color:var(--muted)}
.banner{border:2px solid var(--bad);background:var(--bad-bg);padding:.6rem 1rem;border-radius:6px;margin:.8rem 0}
.banner h2{border:0;margin:.2rem 0;color:var(--bad)}
.banner.clean{border-color:var(--good);background:var(--good-bg)}.banner.clean h2{color:var(--good)}
.banner.warn{border-color:var(--warn);background:var(--warn-bg)}.banner.warn h2{color:var(--warn)}
.banner.note{border-color:var(--info);background:var(--info-bg)}.banner.note h2{color:var(--info)}
.scroll{overflow-x:auto}
td.cell.good{background:var(--good-bg)}td.cell.bad{background:var(--bad-bg)}td.cell.warn{background:var(--warn-bg)}
td.cell.unknown{background:var(--unknown-bg)}td.cell.info{background:var(--info-bg)}
td.absent{color:var(--muted);background:repeating-linear-gradient(135deg,#fff 0 6px,#f6f8fa 6px 12px)}
td.differs{box-shadow:inset 0 0 0 3px var(--bad)}.differs-mark{color:var(--bad);font-weight:700}
table.matrix td,table.nodes td{min-width:11rem}table.matrix td:first-child{min-width:16rem}
.small{font-size:12px}.nowrap{white-space:nowrap}
.badge{display:inline-block;padding:0 .45em;border-radius:1em;font-size:12px;font-weight:600;border:1px solid;white-space:nowrap}
.badge.good{color:var(--good);background:var(--good-bg)}.badge.bad{color:var(--bad);background:var(--bad-bg)}
.badge.warn{color:var(--warn);background:var(--warn-bg)}.badge.unknown{color:var(--unknown);background:var(--unknown-bg)}
.badge.info{color:var(--info);background:var(--info-bg)}
.legend{margin:.3rem 0 .6rem}.legend .key{margin-right:1.2rem;white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:.8rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem}
.card h4{margin:.1rem 0 .3rem}.card .value{font-size:1.1rem;font-weight:600}
.card ul{margin:.3rem 0;padding-left:1.1rem}.card li{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.3rem 0 .8rem}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600;white-space:nowrap}
tr.row.good td:first-child{border-left:6px solid var(--good)}tr.row.bad td:first-child{border-left:6px solid var(--bad)}
tr.row.warn td:first-child{border-left:6px solid var(--warn)}tr.row.unknown td:first-child{border-left:6px solid var(--unknown)}
tr.row.bad{background:var(--bad-bg)}tr.row.warn{background:#fffbe6}
td.n{text-align:right;white-space:nowrap}
details{margin:.35rem 0}
details>summary{cursor:pointer}
details.finding{border:1px solid var(--line);border-left:6px solid var(--unknown);border-radius:6px;padding:.35rem .7rem}
details.finding.error{border-left-color:var(--bad)}details.finding.warning{border-left-color:var(--warn)}details.finding.info{border-left-color:var(--info)}
details.finding>summary{font-weight:600}
details.block>summary{font-weight:600;font-size:1.05rem}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem;overflow-x:auto;margin:.4rem 0;line-height:1.35}
pre .ln{display:inline-block;min-width:4.5em;color:var(--muted);user-select:none}
mark{background:#ffd8b5;color:inherit;border-bottom:2px solid var(--bad)}
pre.diff .add{background:var(--good-bg);display:block}pre.diff .del{background:var(--bad-bg);display:block}
pre.diff .hunk{color:var(--info);display:block}pre.diff .ctx{display:block}
.help{border-left:3px solid var(--info);padding-left:.6rem}
.notice{color:var(--warn);font-weight:600}
nav ul{columns:2;margin:.3rem 0}
footer{margin-top:2rem;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:.5rem}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            text("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(
            text("evil\u{202e}lld.dll\u{1b}[2J\0"),
            "evil\\u{202e}lld.dll\\u{1b}[2J\\u{0}"
        );
        assert_eq!(text("\u{fffe}\u{fdd0}\u{2028}"), "\\u{fffe}\\u{fdd0}\\u{2028}");
        assert_eq!(text("C:\\WINDOWS\\x.dll é\t"), "C:\\WINDOWS\\x.dll é\t");
    }

    #[test]
    fn long_text_is_cut_and_says_so() {
        let mut h = Html::new();
        h.text_max(&"é".repeat(10), 5);
        assert_eq!(h.as_str(), "éé… (16 more bytes)");
        let mut h = Html::new();
        h.text(&"x".repeat(TEXT_BYTES * 3));
        assert!(h.len() < TEXT_BYTES + 40, "{}", h.len());
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(
            [0, 999, 1000, 50_000, 1_234_567].map(grouped),
            ["0", "999", "1,000", "50,000", "1,234,567"]
        );
    }

    #[test]
    fn markup_comes_only_from_static_tags() {
        let mut h = Html::new();
        h.open_titled("td", "x", "a\"><script>").text("<b>");
        h.close("td");
        h.link(&Anchor::new("f", &[1, 2]), "<i>");
        assert_eq!(
            h.as_str(),
            "<td class=\"x\" title=\"a&quot;&gt;&lt;script&gt;\">&lt;b&gt;</td><a href=\"#f-1-2\">&lt;i&gt;</a>"
        );
    }

    #[test]
    fn the_document_forbids_every_load() {
        let page = document("t<", &Html::new());
        assert!(page.contains("default-src 'none'"));
        assert!(page.contains("<title>t&lt;</title>"));
        assert!(!page.contains("http:") && !page.contains("https:") && !page.contains("<script"));
    }
}
