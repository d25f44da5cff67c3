//! The HTML page (`--format html`): parsed strictly as XML (the kit writes well-formed markup), then
//! checked for its sections, counts, colours, escaping, and that it loads nothing from anywhere.

use assert_cmd::Command;
use mblint::lint::{FileReport, InputFailure, Options, lint_bytes_with};
use mblint::report::html::{check, kit};
use quick_xml::events::Event;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn server(name: &str) -> String {
    format!("{}/testdata/servers/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// An element of the page: its name, attributes, children, and all the text inside it.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split(' ').any(|c| c == class))
    }

    /// Every element below (and including) this one, in document order.
    fn all(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.all());
        }
        out
    }

    fn find(&self, pred: impl Fn(&Node) -> bool) -> Vec<&Node> {
        self.all().into_iter().filter(|n| pred(n)).collect()
    }

    fn by_id(&self, id: &str) -> &Node {
        let found = self.find(|n| n.attr("id") == Some(id));
        assert_eq!(found.len(), 1, "id {id} appears {} times", found.len());
        found[0]
    }
}

/// Parses the page as XML, strictly: every tag closed in order, attributes quoted, only XML's
/// character references. Panics (failing the test) on anything else.
fn parse(page: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(page);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut doctype = false;
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well formed: {e}")) {
            Event::DocType(d) => {
                assert_eq!(&*d, "html");
                doctype = true;
            }
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let node = element(&e);
                stack.last_mut().unwrap().children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().expect("balanced").children.push(node);
            }
            Event::Text(t) => {
                let text = quick_xml::escape::unescape(&t)
                    .expect("only XML's references")
                    .into_owned();
                for n in stack.iter_mut() {
                    n.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let name = (*r).to_string();
                let c = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    n if n.starts_with("#") => {
                        let code = n[1..].parse::<u32>().expect("decimal references only");
                        char::from_u32(code).unwrap().to_string()
                    }
                    other => panic!("reference &{other}; is not XML's"),
                };
                for n in stack.iter_mut() {
                    n.text.push_str(&c);
                }
            }
            Event::CData(_) | Event::PI(_) => panic!("the page has no CDATA or processing instruction"),
            Event::Comment(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    assert!(doctype, "the page starts with <!DOCTYPE html>");
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    let html = root.children.pop().unwrap();
    assert_eq!(html.name, "html");
    html
}

fn element(e: &quick_xml::events::BytesStart) -> Node {
    Node {
        name: e.name().as_ref().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("only XML's references")
                        .into_owned(),
                )
            })
            .collect(),
        ..Node::default()
    }
}

/// What every page must be: self-contained, loading nothing, with links that stay on the page.
fn assert_self_contained(html: &Node) {
    let csp = html.find(|n| n.name == "meta" && n.attr("http-equiv") == Some("Content-Security-Policy"));
    assert_eq!(csp.len(), 1);
    let policy = csp[0].attr("content").unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'none'",
        "img-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    for forbidden in [
        "script", "link", "img", "iframe", "object", "embed", "form", "base", "frame", "audio", "video",
    ] {
        assert!(
            html.find(|n| n.name.eq_ignore_ascii_case(forbidden)).is_empty(),
            "a <{forbidden}> element"
        );
    }
    let ids: Vec<&str> = html.all().iter().filter_map(|n| n.attr("id")).collect();
    for node in html.all() {
        for (name, value) in &node.attrs {
            let lower = value.to_ascii_lowercase();
            assert!(
                !lower.contains("http:") && !lower.contains("https:") && !lower.contains("//"),
                "{name}={value:?}"
            );
            assert_ne!(name, "src", "a src attribute");
            assert!(!name.starts_with("on"), "an event handler {name}");
            assert_ne!(name, "style", "an inline style attribute");
        }
        if let Some(href) = node.attr("href") {
            let target = href
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("href {href:?} leaves the page"));
            assert!(ids.contains(&target), "href {href} points at no element");
        }
    }
    // The one style element is the kit's: no url(), no @import.
    let style = html.find(|n| n.name == "style");
    assert_eq!(style.len(), 1);
    assert!(!style[0].text.contains("url(") && !style[0].text.contains("@import"));
}

/// Characters the page must never hold raw.
fn raw_hazards(page: &str) -> Vec<char> {
    page.chars()
        .filter(|&c| c != '\n' && c != '\t' && (mblint::report::escape::is_escaped(c) || c == '\u{fffe}'))
        .collect()
}

fn html_of(args: &[&str], code: i32) -> String {
    let out = mblint().args(args).assert().code(code).get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_example_page_shows_the_server_the_dll_map_and_the_findings() {
    let page = html_of(&["check", "--format", "html", &server("fpse2002-64bit")], 1);
    let html = parse(&page);
    assert_self_contained(&html);
    assert!(raw_hazards(&page).is_empty());
    let body = html.find(|n| n.name == "body")[0];

    // Every input was read: the banner says so, and no failure section exists.
    let banners = body.find(|n| n.has_class("banner"));
    assert_eq!(banners.len(), 1);
    assert!(banners[0].has_class("clean"), "{}", banners[0].text);
    assert!(banners[0].text.contains("Every input was read and checked (1 file)"));

    // Findings by rule: MB101 and MB102, one each.
    let rules = body.by_id("rules");
    let rows: Vec<&str> = rules
        .find(|n| n.name == "tr" && n.has_class("row"))
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].starts_with("MB101mixed-bitnesserror11"), "{rows:?}");
    assert!(rows[1].starts_with("MB102worker-bitness-mismatcherror11"), "{rows:?}");

    // The server model, with its evidence.
    let file = body.by_id("file-1");
    assert!(
        file.find(|n| n.name == "h2")[0]
            .text
            .ends_with("fpse2002-64bit/Windows/System32/InetSrv/MetaBase.xml")
    );
    let cards: Vec<&Node> = file.find(|n| n.has_class("card"));
    let card = |title: &str| {
        cards
            .iter()
            .find(|c| c.find(|n| n.name == "h4")[0].text == title)
            .unwrap_or_else(|| panic!("no {title} card"))
            .text
            .clone()
    };
    let platform = card("Platform");
    assert!(
        platform.contains("x64 Windows") && platform.contains("read from the drive"),
        "{platform}"
    );
    assert!(
        platform.contains("system32\\inetsrv\\asp.dll is a PE32+ AMD64 DLL"),
        "{platform}"
    );
    assert!(card("Isolation mode").contains("IIs5IsolationModeEnabled=\"FALSE\" at /LM/W3SVC"));
    let worker = card("Worker bitness");
    assert!(
        worker.contains("64-bit w3wp.exe") && worker.contains("Enable32bitAppOnWin64 is not set"),
        "{worker}"
    );
    assert!(card("Windows folder").contains("C:\\WINDOWS"));
    assert!(card("Drives read").contains("C: = "));

    // The DLL map: one row per distinct DLL and role, the FrontPage filter failing, the rest loading.
    let map = body.by_id("dlls-1");
    let rows = map.find(|n| n.name == "tr" && n.has_class("row"));
    assert_eq!(rows.len(), 7, "{:#?}", rows.iter().map(|r| &r.text).collect::<Vec<_>>());
    let bad: Vec<&&Node> = rows.iter().filter(|r| r.has_class("bad")).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].text.contains("fpexedll.dll") && bad[0].text.contains("global ISAPI filter"));
    assert!(bad[0].text.contains("image: PE32 i386 DLL"), "{}", bad[0].text);
    assert!(bad[0].text.contains("MB101") && bad[0].text.contains("MB102"));
    assert_eq!(rows.iter().filter(|r| r.has_class("good")).count(), 6);
    let aspnet = rows
        .iter()
        .find(|r| r.text.contains("Framework64\\v2.0.50727\\aspnet_isapi.dll"))
        .unwrap();
    assert!(
        aspnet.text.contains("script map extension") && aspnet.text.contains(".aspx"),
        "{}",
        aspnet.text
    );
    assert_eq!(map.find(|n| n.name == "h4")[0].text, "w3wp.exe (64-bit)");
    // The codes link to their findings.
    let links: Vec<&str> = bad[0]
        .find(|n| n.name == "a")
        .iter()
        .map(|a| a.attr("href").unwrap())
        .collect();
    assert_eq!(links, ["#f-1-1", "#f-1-2"]);

    // The findings, with source lines, the marked value and the fix diff.
    let mb101 = body.by_id("f-1-1");
    assert!(mb101.find(|n| n.name == "summary")[0].text.contains("MB101"));
    let src = mb101.find(|n| n.name == "pre" && n.has_class("src"));
    assert_eq!(src.len(), 1);
    assert!(src[0].text.contains("106"), "{}", src[0].text);
    let marked = src[0].find(|n| n.name == "mark");
    assert_eq!(marked.len(), 1);
    assert_eq!(
        marked[0].text,
        "C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\Web Server Extensions\\50\\bin\\fpexedll.dll"
    );
    let diff = mb101.find(|n| n.name == "pre" && n.has_class("diff"));
    assert_eq!(diff.len(), 1);
    let added: Vec<&str> = diff[0]
        .find(|n| n.has_class("add"))
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert!(added.contains(&"+\t\tEnable32bitAppOnWin64=\"TRUE\""), "{added:?}");
    assert!(mb101.text.contains("unsafe") && mb101.text.contains("iisreset"));
    let mb102 = body.by_id("f-1-2");
    assert!(mb102.text.contains("503 Service Unavailable"));
    assert!(
        mb102.find(|n| n.name == "pre" && n.has_class("diff")).is_empty(),
        "MB102 here has no fix"
    );
    // The first findings are drawn open.
    assert!(
        body.find(|n| n.name == "details" && n.has_class("finding"))
            .iter()
            .all(|d| d.attr("open").is_some())
    );
}

#[test]
fn output_file_gets_the_page_and_the_console_the_findings_in_brief() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.html");
    let console = html_of(
        &[
            "check",
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
            &server("fpse2002-64bit"),
        ],
        1,
    );
    assert!(console.contains(": MB102 "), "{console}");
    let page = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&parse(&page));
    // A clean server: no findings, and every DLL loads.
    let page = html_of(&["check", "--format", "html", &server("clean-64bit")], 0);
    let html = parse(&page);
    assert!(html.text.contains("No findings."));
    let rows = html.find(|n| n.name == "tr" && n.has_class("row"));
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.has_class("good")),
        "{:#?}",
        rows.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
}

#[test]
fn an_input_that_could_not_be_read_is_said_first() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here.xml");
    let page = html_of(
        &[
            "check",
            "--format",
            "html",
            &server("clean-64bit"),
            missing.to_str().unwrap(),
        ],
        2,
    );
    let html = parse(&page);
    assert_self_contained(&html);
    let body = html.find(|n| n.name == "body")[0];
    let failed = body.by_id("failed");
    assert!(failed.has_class("banner") && !failed.has_class("clean"));
    assert!(
        failed
            .text
            .contains("1 input could not be checked: this page does not cover it (exit code 2)"),
        "{}",
        failed.text
    );
    assert!(failed.text.contains("nothing-here.xml"));
    // Before anything else: the header, then the failure.
    let order: Vec<&str> = body
        .children
        .iter()
        .map(|n| n.attr("id").unwrap_or(n.name.as_str()))
        .collect();
    assert_eq!(&order[..2], ["header", "failed"], "{order:?}");
    assert!(
        body.find(|n| n.has_class("clean")).is_empty(),
        "no 'every input was read' banner"
    );
    // Even when nothing could be read.
    let page = html_of(&["check", "--format", "html", missing.to_str().unwrap()], 2);
    let html = parse(&page);
    assert!(html.text.contains("1 input could not be checked"));
    assert!(html.text.contains("0 files checked"));
}

/// A metabase with `<`, `>`, quotes, control and bidirectional characters where an attacker who
/// can write the metabase or name a file on the drive can put them.
fn hostile_metabase() -> String {
    "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n\
<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\
\t\tScriptMaps=\".x&quot;'&gt;&lt;b&gt;,C:\\Program Files (x86)\\e\u{202e}lld.txt&quot;&gt;&lt;img&gt;'x.dll,5,GET\r\n\
\t\t\t.y,C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\a&lt;script&gt;alert(1)&lt;/script&gt;.dll,5,GET\"\r\n\t>\r\n</IIsWebService>\r\n\
<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"evil\u{9b}2J&#13;spoof&#10;x\u{202e}gpj.exe,&lt;script&gt;\"\r\n\t>\r\n</IIsFilters>\r\n\
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/&lt;/pre&gt;&lt;script&gt;alert('x')&lt;/script&gt;\u{2067}\"\r\n\
\t\tAppPoolId=\"'&quot;&gt;&lt;svg onload=alert(1)&gt;\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n\
<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32bitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n\
</MBProperty>\r\n</configuration>\r\n"
        .to_string()
}

fn assert_escaped(page: &str) {
    let html = parse(page);
    assert_self_contained(&html);
    assert!(raw_hazards(page).is_empty(), "{:?}", raw_hazards(page));
    let lower = page.to_ascii_lowercase();
    for raw in ["<script", "<img", "<svg", "<b>"] {
        assert!(!lower.contains(raw), "{raw} reached the page raw");
    }
    // Only the kit's elements.
    let allowed = [
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "span", "div", "ul",
        "li", "nav", "a", "section", "details", "summary", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
        "mark", "footer",
    ];
    for n in html.all() {
        assert!(allowed.contains(&n.name.as_str()), "<{}>", n.name);
        for (k, _) in &n.attrs {
            assert!(
                [
                    "class",
                    "id",
                    "href",
                    "title",
                    "open",
                    "lang",
                    "charset",
                    "http-equiv",
                    "content",
                    "name"
                ]
                .contains(&k.as_str()),
                "attribute {k}"
            );
        }
    }
}

#[test]
fn text_from_the_metabase_and_the_drive_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with markup, quotes, ESC, BEL and a right-to-left override.
    let path = dir
        .path()
        .join("Meta<script>alert(1)<img src=x onerror=alert(2)>\"'\u{1b}]0;x\u{7}\u{202e}lmx.xml");
    std::fs::write(&path, hostile_metabase()).unwrap();
    let page = html_of(
        &["check", "--format", "html", "--platform", "x64", path.to_str().unwrap()],
        1,
    );
    assert_escaped(&page);
    let html = parse(&page);
    let text = &html.text;
    // Shown, visibly: the name, the bidi override and the markup as text.
    assert!(
        text.contains("Meta<script>alert(1)<img src=x onerror=alert(2)>\"'\\u{1b}]0;x\\u{7}\\u{202e}lmx.xml"),
        "{text}"
    );
    assert!(text.contains("e\\u{202e}lld.txt"), "{text}");
    assert!(text.contains("evil\\u{9b}2J"), "{text}");
    assert!(
        text.contains("'\\\"><svg onload=alert(1)>") || text.contains("<svg onload=alert(1)>"),
        "{text}"
    );
    // The DLL map carries the hostile paths too.
    let map = html.by_id("dlls-1");
    assert!(map.text.contains("e\\u{202e}lld.txt\"><img>'x.dll"), "{}", map.text);
    assert!(map.text.contains("a<script>alert(1)</script>.dll"), "{}", map.text);

    // A file that does not parse: its source lines (MB001) hold raw markup.
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        "<configuration><MBProperty><IIsWebService Location=\"/LM/W3SVC\"></pre><script>alert(1)</script>\u{202e}\u{1b}[2J<",
    )
    .unwrap();
    let page = html_of(&["check", "--format", "html", broken.to_str().unwrap()], 1);
    assert_escaped(&page);
    let html = parse(&page);
    assert!(html.text.contains("MB001"));
    assert!(
        html.text.contains("<script>alert(1)</script>\\u{202e}\\u{1b}[2J"),
        "{}",
        html.text
    );
    assert!(html.text.contains("did not parse"));
}

/// `sites` sites on a 64-bit server, each with a site filter of its own 32-bit DLL (one cause
/// each: MB102 by path), and every site naming one shared 64-bit ASP DLL.
fn estate(sites: usize) -> String {
    let mut keys = String::from(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\t>\r\n</IIsWebService>\r\n",
    );
    for site in 1..=sites {
        keys.push_str(&format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/{site}/Filters\"\r\n\t\tFilterLoadOrder=\"F{site}\"\r\n\t>\r\n</IIsFilters>\r\n\
<IIsFilter\tLocation =\"/LM/W3SVC/{site}/Filters/F{site}\"\r\n\t\tFilterPath=\"C:\\Program Files (x86)\\Vendor {site}\\{}\\filter.dll\"\r\n\t>\r\n</IIsFilter>\r\n\
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{site}/ROOT\"\r\n\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n",
            "long folder name ".repeat(8)
        ));
    }
    format!(
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n{keys}</MBProperty>\r\n</configuration>\r\n"
    )
}

fn lint_estate(sites: usize) -> FileReport {
    let options = Options {
        platform: Some(mblint::platform::Platform::X64),
        dll_map: true,
        ..Options::default()
    };
    lint_bytes_with("estate.xml", estate(sites), &options)
}

#[test]
fn a_large_estate_is_aggregated_and_the_page_capped() {
    let sites = 6_000;
    let report = lint_estate(sites);
    let mb102 = report.diagnostics.iter().filter(|d| d.code == "MB102").count();
    assert_eq!(mb102, sites, "one cause per distinct filter DLL");
    let map = report.dll_map.as_ref().unwrap();
    assert_eq!(map.groups.len(), sites + 1, "each filter, and asp.dll once");
    let asp = map.groups.iter().find(|g| g.path.ends_with("asp.dll")).unwrap();
    assert_eq!(asp.places, sites);
    let findings = report.diagnostics.len();

    let page = check::render(&[report], &[]);
    assert!(
        page.len() < kit::PAGE_LIMIT + (256 << 10),
        "{} bytes: the page is capped near {} bytes",
        page.len(),
        kit::PAGE_LIMIT
    );
    let html = parse(&page);
    assert_self_contained(&html);
    // The map shows at most DLL_ROWS_SHOWN rows and counts the rest.
    let map_rows = html
        .by_id("dlls-1")
        .find(|n| n.name == "tr" && n.has_class("row"))
        .len();
    assert_eq!(map_rows, check::DLL_ROWS_SHOWN);
    assert!(
        html.text.contains(&format!(
            "{} more DLLs not shown",
            kit::grouped(sites + 1 - check::DLL_ROWS_SHOWN)
        )),
        "map notice"
    );
    // Every finding is on the page: drawn, or in brief once the budget is spent.
    let drawn = html.find(|n| n.name == "details" && n.has_class("finding")).len();
    let brief_table = html.find(|n| n.name == "p" && n.text.contains("not drawn: the page reached its size limit"));
    assert_eq!(brief_table.len(), 1, "the page says where it stopped");
    let brief = html
        .by_id("file-1")
        .find(|n| n.name == "tr" && n.has_class("row"))
        .len()
        - map_rows;
    // ... or counted, once the page reaches its limit.
    let counted: usize = html
        .find(|n| n.name == "p" && n.text.starts_with("and ") && n.text.contains("more findings not listed"))
        .first()
        .map_or(0, |n| {
            n.text[4..].split(' ').next().unwrap().replace(',', "").parse().unwrap()
        });
    assert_eq!(
        drawn + brief + counted,
        findings,
        "drawn {drawn} + in brief {brief} + counted {counted}"
    );
    assert!(
        drawn > 100 && brief > 100 && counted > 100,
        "drawn {drawn}, in brief {brief}, counted {counted}"
    );
    // Only the first findings are open.
    let open = html
        .find(|n| n.name == "details" && n.has_class("finding") && n.attr("open").is_some())
        .len();
    assert_eq!(open, check::FINDINGS_OPEN);
}

#[test]
fn one_dll_in_many_places_is_one_row_with_its_places_counted() {
    let sites = 900;
    let report = lint_estate(sites);
    let page = check::render(std::slice::from_ref(&report), &[] as &[InputFailure]);
    let html = parse(&page);
    let asp = html
        .by_id("dlls-1")
        .find(|n| n.name == "tr" && n.text.contains("inetsrv\\asp.dll"))
        .into_iter()
        .next()
        .expect("asp.dll has a row");
    // Nothing tells the bitness of a system32 DLL without a drive: grey, not green.
    assert!(asp.has_class("unknown"), "{}", asp.text);
    assert!(asp.text.contains("no drive mapped"), "{}", asp.text);
    assert!(asp.text.contains("900"), "{}", asp.text);
    assert!(asp.text.contains("/LM/W3SVC/1/ROOT ScriptMaps line"), "{}", asp.text);

    // A finding of many places lists the first OCCURRENCES_SHOWN and counts the others: the
    // filters' findings grouped under one cause by hand.
    let mut grouped = report;
    let mut first = grouped.diagnostics.iter().find(|d| d.code == "MB102").unwrap().clone();
    let others: Vec<_> = grouped
        .diagnostics
        .iter()
        .filter(|d| d.code == "MB102")
        .skip(1)
        .flat_map(|d| d.places())
        .collect();
    first.occurrences = others;
    grouped.diagnostics = vec![first];
    let page = check::render(&[grouped], &[]);
    let html = parse(&page);
    let finding = html.by_id("f-1-1");
    let places = finding.find(|n| n.name == "details" && !n.has_class("finding"));
    assert_eq!(places.len(), 1);
    assert!(places[0].attr("open").is_none(), "many places start collapsed");
    assert!(places[0].text.contains("900 places of this cause"));
    assert_eq!(places[0].find(|n| n.name == "tr").len(), check::OCCURRENCES_SHOWN + 1);
    assert!(places[0].text.contains(&format!(
        "and {} more places not listed",
        kit::grouped(sites - check::OCCURRENCES_SHOWN)
    )));
    assert!(
        finding.find(|n| n.name == "summary")[0]
            .text
            .contains("(and 899 more places)")
    );
}

fn page_of(path: &std::path::Path) -> String {
    let options = Options {
        dll_map: true,
        ..Options::default()
    };
    let report = mblint::lint::lint_path(path, &options).unwrap();
    check::render(&[report], &[])
}

#[test]
fn every_bundled_server_and_fixture_gives_a_well_formed_self_contained_page() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["servers", "metabases", "metabases/malformed", "metabases/rules"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let is_server = dir == "servers" && path.is_dir() && path.file_name().unwrap() != "link-outside";
            if is_server || path.extension().is_some_and(|x| x == "xml") {
                inputs.push(path);
            }
        }
    }
    assert!(inputs.len() > 40, "{} inputs", inputs.len());
    for path in inputs {
        let page = page_of(&path);
        let html = parse(&page);
        assert_self_contained(&html);
        assert!(raw_hazards(&page).is_empty(), "{}", path.display());
        // Every file has its server, and a parsed one its DLL map.
        let file = html.by_id("file-1");
        assert!(file.text.contains("The server"), "{}", path.display());
        let parsed = !file.text.contains("did not parse");
        assert_eq!(
            file.find(|n| n.attr("id") == Some("dlls-1")).len(),
            usize::from(parsed),
            "{}",
            path.display()
        );
    }
}

#[test]
fn host_processes_follow_the_isolation_mode_and_the_platform_doubt_is_amber() {
    // IIS 5.0 isolation mode: filters in inetinfo.exe, the 32-bit FrontPage filter failing there.
    let page = page_of(std::path::Path::new(&server("iis5-mode-32bit-filter")));
    let html = parse(&page);
    let map = html.by_id("dlls-1");
    let hosts: Vec<&str> = map.find(|n| n.name == "h4").iter().map(|n| n.text.as_str()).collect();
    assert_eq!(hosts[0], "inetinfo.exe (64-bit)", "{hosts:?}");
    let rows = map.find(|n| n.name == "tr" && n.has_class("row"));
    let fpse = rows.iter().find(|r| r.text.contains("fpexedll.dll")).unwrap();
    assert!(fpse.has_class("bad"), "{}", fpse.text);

    // No drive and no clue to the platform: a 32-bit Framework DLL loads on x86 and fails on x64,
    // which is doubt (MB107), not a failure.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/metabases/aspnet11-64bit.xml");
    let html = parse(&page_of(&fixture));
    let card = html.find(|n| n.has_class("card") && n.text.starts_with("Worker bitness"));
    assert!(card[0].text.contains("depends on the platform"), "{}", card[0].text);
    let rows = html.by_id("dlls-1").find(|n| n.name == "tr" && n.has_class("row"));
    let isapi = rows
        .iter()
        .find(|r| r.text.contains("v1.1.4322\\aspnet_isapi.dll"))
        .unwrap();
    assert!(isapi.has_class("warn"), "{}", isapi.text);
    assert!(isapi.text.contains("loads on x86, fails on x64"), "{}", isapi.text);
    assert!(isapi.text.contains("MB107"), "{}", isapi.text);
}

#[test]
fn a_file_whose_fix_was_not_written_says_so_at_the_top_and_in_its_section() {
    let report = mblint::lint::lint_bytes("MetaBase.xml", estate(2));
    let failure = InputFailure {
        path: "MetaBase.xml".into(),
        error: "MetaBase.xml is read-only: <not written>".into(),
    };
    let page = check::render(&[report], &[failure]);
    let html = parse(&page);
    assert!(html.by_id("failed").text.contains("1 input could not be checked"));
    let file = html.by_id("file-1");
    let banner = file.find(|n| n.has_class("banner"));
    assert_eq!(banner.len(), 1);
    assert!(banner[0].text.contains("This file failed") && banner[0].text.contains("read-only: <not written>"));
    assert!(page.contains("read-only: &lt;not written&gt;"));
}
