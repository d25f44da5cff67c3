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

    // The verdict first: red, the errors with where they are, and the fix with what it changes;
    // then the reading status: every input was read, and no failure section exists.
    let banners = body.find(|n| n.has_class("banner"));
    assert_eq!(banners.len(), 2);
    assert_eq!(body.children[1].attr("id"), Some("verdict"));
    let verdict = &banners[0];
    assert!(!verdict.has_class("clean") && !verdict.has_class("warn"), "red");
    assert!(
        verdict
            .text
            .contains("This configuration fails on the server: 2 errors"),
        "{}",
        verdict.text
    );
    assert!(verdict.text.contains("MB102"), "{}", verdict.text);
    assert!(verdict.text.contains("MetaBase.xml line 106"), "{}", verdict.text);
    assert!(
        verdict.text.contains("mblint check --fix --unsafe-fixes"),
        "{}",
        verdict.text
    );
    assert!(
        verdict.text.contains("switch every worker process to 32-bit"),
        "{}",
        verdict.text
    );
    // Markdown's inline code is drawn as code, never shown as backticks.
    let codes: Vec<&str> = verdict
        .find(|n| n.name == "code")
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert!(codes.contains(&"fpexedll.dll"), "{codes:?}");
    assert!(!verdict.text.contains('`'), "{}", verdict.text);
    assert!(banners[1].has_class("clean"), "{}", banners[1].text);
    assert!(banners[1].text.contains("Every input was read and checked (1 file)"));

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
        worker.contains("64-bit w3wp.exe") && worker.contains("Enable32BitAppOnWin64 is not set"),
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
    assert!(added.contains(&"+\t\tEnable32BitAppOnWin64=\"TRUE\""), "{added:?}");
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
    // Before anything else: the header, the verdict (no pass), then the failure.
    let order: Vec<&str> = body
        .children
        .iter()
        .map(|n| n.attr("id").unwrap_or(n.name.as_str()))
        .collect();
    assert_eq!(&order[..3], ["header", "verdict", "failed"], "{order:?}");
    let verdict = body.by_id("verdict");
    assert!(!verdict.has_class("clean") && !verdict.has_class("warn"), "red");
    assert!(
        verdict
            .text
            .contains("Not a pass: 1 input could not be checked (exit code 2)"),
        "{}",
        verdict.text
    );
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
#[cfg(unix)]
fn hostile_metabase() -> String {
    "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n\
<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\
\t\tScriptMaps=\".x&quot;'&gt;&lt;b&gt;,C:\\Program Files (x86)\\e\u{202e}lld.txt&quot;&gt;&lt;img&gt;'x.dll,5,GET\r\n\
\t\t\t.y,C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\a&lt;script&gt;alert(1)&lt;/script&gt;.dll,5,GET\"\r\n\t>\r\n</IIsWebService>\r\n\
<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"evil\u{9b}2J&#13;spoof&#10;x\u{202e}gpj.exe,&lt;script&gt;\"\r\n\t>\r\n</IIsFilters>\r\n\
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/&lt;/pre&gt;&lt;script&gt;alert('x')&lt;/script&gt;\u{2067}\"\r\n\
\t\tAppPoolId=\"'&quot;&gt;&lt;svg onload=alert(1)&gt;\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n\
<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n\
</MBProperty>\r\n</configuration>\r\n"
        .to_string()
}

#[cfg(unix)]
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

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
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
    estate_of(sites, "Vendor")
}

/// [`estate`] with the filters' vendor folder named `vendor`.
fn estate_of(sites: usize, vendor: &str) -> String {
    let mut keys = String::from(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\t>\r\n</IIsWebService>\r\n",
    );
    for site in 1..=sites {
        keys.push_str(&format!(
            "<IIsFilters\tLocation =\"/LM/W3SVC/{site}/Filters\"\r\n\t\tFilterLoadOrder=\"F{site}\"\r\n\t>\r\n</IIsFilters>\r\n\
<IIsFilter\tLocation =\"/LM/W3SVC/{site}/Filters/F{site}\"\r\n\t\tFilterPath=\"C:\\Program Files (x86)\\{vendor} {site}\\{}\\filter.dll\"\r\n\t>\r\n</IIsFilter>\r\n\
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
    // It was checked: the page does not say otherwise, and says its fixes were not written.
    assert!(!page.contains("could not be checked: this page"), "{page}");
    let top = html.by_id("not-written");
    assert!(
        top.text.contains(
            "The fixes to 1 file could not be written: it was checked, and stays as found below (exit code 2)"
        ),
        "{}",
        top.text
    );
    assert!(page.find("id=\"not-written\"").unwrap() < page.find("id=\"file-1\"").unwrap());
    let file = html.by_id("file-1");
    let banner = file.find(|n| n.has_class("banner"));
    assert_eq!(banner.len(), 1);
    assert!(
        banner[0].text.contains("Checked, but its fixes were not written")
            && banner[0].text.contains("read-only: <not written>")
    );
    assert!(page.contains("read-only: &lt;not written&gt;"));
}

// ---------------------------------------------------------------------------------------------
// The views of `compare` and `history`.
// ---------------------------------------------------------------------------------------------

fn testdata(path: &str) -> String {
    format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn farm(name: &str) -> Vec<String> {
    let folder = testdata(&format!("farms/{name}"));
    // Spelled with `/` on every platform, as the page is expected to show the nodes.
    let mut out: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| format!("{folder}/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    out.sort();
    out
}

fn compare_page(farm_name: &str, code: i32) -> String {
    let nodes = farm(farm_name);
    let mut args = vec!["compare", "--isolated", "--format", "html"];
    args.extend(nodes.iter().map(String::as_str));
    html_of(&args, code)
}

/// The cells of a table row (`td` and `th`), in order.
fn cells(row: &Node) -> Vec<&Node> {
    row.children
        .iter()
        .filter(|c| c.name == "td" || c.name == "th")
        .collect()
}

#[test]
fn the_compare_page_shows_the_nodes_side_by_side_the_matrix_and_the_differences() {
    let page = compare_page("web-farm", 1);
    let html = parse(&page);
    assert_self_contained(&html);
    assert!(raw_hazards(&page).is_empty());
    let body = html.find(|n| n.name == "body")[0];
    // First the inputs (all read), then what the comparison found.
    let order: Vec<String> = body
        .children
        .iter()
        .map(|n| n.attr("id").or(n.attr("class")).unwrap_or(n.name.as_str()).to_string())
        .collect();
    // The verdict (the nodes differ) first, then the reading status (all read).
    assert_eq!(&order[..3], ["header", "banner", "banner clean"], "{order:?}");
    assert!(
        body.children[2]
            .text
            .contains("Every input was read and checked (3 files)")
    );
    assert!(
        body.children[1]
            .text
            .contains("The nodes differ: 3 differences (MB6xx)")
    );
    assert!(html.find(|n| n.attr("id") == Some("failed")).is_empty());

    // The nodes side by side: web3 runs 64-bit workers where web1 and web2 run 32-bit ones.
    let nodes = body.by_id("nodes");
    let heads: Vec<&str> = nodes
        .find(|n| n.name == "th" && n.children.is_empty())
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert!(heads.starts_with(&["Node", "web1", "web2", "web3"]), "{heads:?}");
    let row = |label: &str| -> Vec<&Node> {
        let rows = nodes.find(|n| n.name == "tr" && cells(n).first().is_some_and(|c| c.text == label));
        assert_eq!(rows.len(), 1, "{label}");
        cells(rows[0])[1..].to_vec()
    };
    let bitness = row("Worker bitness");
    assert!(bitness[0].text.contains("32-bit") && bitness[0].text.contains("Enable32BitAppOnWin64=\"TRUE\""));
    assert!(bitness[2].text.starts_with("≠ 64-bit"), "{}", bitness[2].text);
    assert_eq!(
        bitness.iter().map(|c| c.has_class("differs")).collect::<Vec<_>>(),
        [false, false, true]
    );
    let platform = row("Platform");
    for cell in &platform {
        assert!(cell.text.contains("x64 Windows") && cell.text.contains("read from the drive"));
        assert!(!cell.has_class("differs"));
        // The evidence, collapsed.
        let evidence = cell.find(|n| n.name == "details");
        assert_eq!(evidence.len(), 1);
        assert!(evidence[0].attr("open").is_none());
        assert!(
            evidence[0].text.contains("system32\\ntdll.dll is a PE32+ AMD64 DLL"),
            "{}",
            evidence[0].text
        );
    }
    assert!(
        row("Isolation mode")
            .iter()
            .all(|c| c.text.contains("worker process isolation mode"))
    );
    assert!(
        row("Processes that load ISAPI DLLs")
            .iter()
            .all(|c| c.text == "w3wp.exe")
    );
    assert!(row("Windows folder").iter().all(|c| c.text.starts_with("C:\\WINDOWS")));
    assert!(row("Drives read")[2].text.contains("web-farm/web3"));
    let findings = row("Findings");
    assert!(
        findings[0].text.contains("own: no findings") && findings[0].text.contains("differences here: no findings")
    );
    assert!(findings[2].text.contains("own: 5 errors") && findings[2].text.contains("differences here: 3 errors"));

    // The matrix: one row per distinct DLL, the two an MB6xx finding names first.
    let matrix = body.by_id("matrix");
    assert!(
        matrix.text.contains("9 distinct DLLs across 3 nodes"),
        "{}",
        matrix.text
    );
    let rows = matrix.find(|n| n.name == "tr" && n.has_class("row"));
    assert_eq!(rows.len(), 9);
    let totals = matrix.find(|n| n.name == "tr" && cells(n).first().is_some_and(|c| c.text == "All DLLs"));
    assert_eq!(totals.len(), 1);
    let totals = cells(totals[0]);
    assert!(totals[1].text.contains("8 configured: 8 load"), "{}", totals[1].text);
    assert!(
        totals[3].text.contains("9 configured: 3 fail 6 load"),
        "{}",
        totals[3].text
    );
    let named: Vec<&str> = rows
        .iter()
        .take_while(|r| r.text.contains("an MB6xx finding names it"))
        .map(|r| cells(r)[0].text.as_str())
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named[0].starts_with("C:\\Program Files\\Acme\\Auth\\acmeauth.dll"),
        "{named:?}"
    );
    assert!(named[1].contains("fpexedll.dll"), "{named:?}");
    // acmeauth.dll: a 32-bit build on web1 and web2, a 64-bit one of another version on web3.
    let acme = cells(rows[0]);
    assert!(acme[1].has_class("good") && !acme[1].has_class("differs"));
    for part in [
        "PE32 i386 DLL",
        "32-bit",
        "loads",
        "version 1.0.100.0",
        "605e381fabc8…",
        "line 112",
    ] {
        assert!(acme[1].text.contains(part), "{part}: {}", acme[1].text);
    }
    assert!(acme[3].has_class("differs"));
    for part in [
        "PE32+ AMD64 DLL",
        "64-bit",
        "version 1.1.200.0",
        "451d52440f34…",
        "line 111",
    ] {
        assert!(acme[3].text.contains(part), "{part}: {}", acme[3].text);
    }
    // The whole hash is the title of the short one.
    let hash = acme[3].find(|n| n.attr("title").is_some_and(|t| t.starts_with("SHA-256 451d52440f34")));
    assert_eq!(hash.len(), 1);
    assert_eq!(hash[0].attr("title").unwrap().len(), "SHA-256 ".len() + 64);
    // The FrontPage filter: not configured on web1 and web2, failing on web3.
    let fpse = cells(rows[1]);
    assert!(rows[1].has_class("bad"));
    assert!(fpse[1].has_class("absent") && fpse[1].text == "not configured");
    assert!(!fpse[1].has_class("differs") && !fpse[2].has_class("differs"));
    assert!(fpse[3].has_class("bad") && fpse[3].has_class("differs"));
    assert!(fpse[3].text.contains("does not load"), "{}", fpse[3].text);
    // A DLL every node loads alike but from another folder under WOW64 is one row.
    let urlscan = rows.iter().find(|r| r.text.contains("urlscan.dll")).unwrap();
    assert!(cells(urlscan)[1].text.contains("(WOW64)"), "{}", urlscan.text);

    // The differences, in web3's file, each node's place drawn with its own lines.
    let drift = body.by_id("drift");
    let shown: Vec<&Node> = drift.find(|n| n.name == "details" && n.has_class("finding"));
    let codes: Vec<&str> = shown
        .iter()
        .map(|d| {
            let summary = &d.find(|n| n.name == "summary")[0].text;
            ["MB603", "MB604", "MB606"]
                .into_iter()
                .find(|c| summary.contains(c))
                .unwrap_or("other")
        })
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(codes.contains(&"MB603") && codes.contains(&"MB604") && codes.contains(&"MB606"));
    assert!(
        drift.find(|n| n.name == "h3")[0]
            .text
            .starts_with("web3: 3 differences")
    );
    let mb603 = shown
        .iter()
        .find(|d| d.find(|n| n.name == "summary")[0].text.contains("MB603"))
        .unwrap();
    let sources = mb603.find(|n| n.name == "pre" && n.has_class("src"));
    assert_eq!(sources.len(), 3, "web3's line, then web1's and web2's");
    assert!(sources[0].text.contains("84"));
    assert_eq!(sources[1].find(|n| n.name == "mark")[0].text, "TRUE");
    assert!(sources[1].text.contains("86") && sources[1].text.contains("Enable32BitAppOnWin64=\"TRUE\""));
    let related = mb603.find(|n| n.name == "li" && n.text.starts_with("web1: 32-bit w3wp.exe"));
    assert_eq!(related.len(), 1);
    assert!(
        related[0]
            .text
            .contains("web-farm/web1/Windows/System32/InetSrv/MetaBase.xml line 86"),
        "{}",
        related[0].text
    );

    // Each node's own findings, collapsed; web3's MB102 among them, and no MB6xx there.
    let own = body.by_id("own");
    let blocks = own.find(|n| n.name == "details" && n.has_class("block"));
    assert_eq!(blocks.len(), 3);
    assert!(blocks.iter().all(|b| b.attr("open").is_none()));
    assert!(blocks[0].text.contains("No findings of its own"));
    let web3 = blocks[2].find(|n| n.name == "details" && n.has_class("finding"));
    assert_eq!(web3.len(), 5);
    assert!(
        web3.iter()
            .all(|d| !d.find(|n| n.name == "summary")[0].text.contains("MB6"))
    );
    assert!(web3.iter().all(|d| d.attr("open").is_none()));
}

#[test]
fn the_compare_page_of_nodes_that_agree_is_clean_and_one_of_a_node_not_read_says_so_first() {
    let page = compare_page("machine-specific", 0);
    let html = parse(&page);
    assert_self_contained(&html);
    assert!(
        html.text
            .contains("The nodes agree on everything that decides whether DLLs load")
    );
    assert!(html.find(|n| n.has_class("differs")).is_empty(), "no cell differs");
    assert!(html.by_id("drift").text.contains("No difference"));
    assert!(html.by_id("matrix").text.contains("alike"));

    // A node that cannot be read: exit 2, and the page says so before anything else.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("web9");
    let nodes = farm("web-farm");
    let page = html_of(
        &[
            "compare",
            "--isolated",
            "--format",
            "html",
            &nodes[0],
            &nodes[1],
            missing.to_str().unwrap(),
        ],
        2,
    );
    let html = parse(&page);
    assert_self_contained(&html);
    let body = html.find(|n| n.name == "body")[0];
    // The verdict first (the nodes read agree, but one was not read), then the failure.
    assert!(body.children[1].has_class("warn"), "{}", body.children[1].text);
    assert!(
        body.children[1].text.contains("but 1 input was not (see below)"),
        "{}",
        body.children[1].text
    );
    assert_eq!(body.children[2].attr("id"), Some("failed"));
    assert!(
        body.children[2].text.contains("1 input could not be checked"),
        "{}",
        body.children[2].text
    );
    assert!(body.children[2].text.contains("web9"));
    assert!(html.by_id("nodes").text.contains("Not compared: web9"));
    assert!(html.find(|n| n.has_class("clean")).is_empty());
}

fn history_page(args: &[&str], code: i32) -> String {
    let mut all = vec!["history", "--isolated", "--format", "html"];
    all.extend(args);
    html_of(&all, code)
}

#[test]
fn the_history_page_shows_the_timeline_and_the_change_that_introduced_each_finding() {
    let page = history_page(&[&testdata("history/fpse-64bit")], 1);
    let html = parse(&page);
    assert_self_contained(&html);
    assert!(raw_hazards(&page).is_empty());
    let body = html.find(|n| n.name == "body")[0];
    // The current file was read (green, first); the truncated history file is a warning (amber).
    // The verdict on the current file comes first.
    assert_eq!(body.children[1].attr("id"), Some("verdict"));
    assert!(
        body.children[1].text.contains("This configuration fails on the server"),
        "{}",
        body.children[1].text
    );
    let banners: Vec<&Node> = body.children[2..].iter().filter(|n| n.has_class("banner")).collect();
    assert_eq!(banners.len(), 2);
    assert!(banners[0].has_class("clean"));
    assert!(
        banners[0]
            .text
            .contains("The current file was read and checked, and 6 history files with it")
    );
    assert!(banners[1].has_class("warn") && banners[1].attr("id") == Some("skipped"));
    assert!(banners[1].text.contains("1 history file skipped"));
    assert!(
        banners[1]
            .text
            .contains("MetaBase_0000000064_0000000000.xml: truncated or malformed at line 69")
    );
    assert!(
        html.find(|n| n.attr("id") == Some("failed")).is_empty(),
        "a skipped file is no failure"
    );

    // The timeline, oldest first.
    let rows = body.by_id("timeline").find(|n| n.name == "tr" && n.has_class("row"));
    let versions: Vec<&str> = rows.iter().map(|r| cells(r)[0].text.as_str()).collect();
    assert_eq!(
        versions,
        ["60.0", "61.0", "62.0", "63.0", "63.1", "64.0", "65.0", "current"]
    );
    let tone = |r: &Node| {
        ["good", "bad", "warn", "unknown"]
            .into_iter()
            .find(|t| r.has_class(t))
            .unwrap()
    };
    assert_eq!(
        rows.iter().map(|r| tone(r)).collect::<Vec<_>>(),
        ["unknown", "unknown", "bad", "bad", "good", "warn", "unknown", "unknown"]
    );
    let v62 = cells(rows[2]);
    assert_eq!(v62[1].text, "MetaBase_0000000062_0000000000.xml");
    assert_eq!(v62[2].text, "1 key added, 1 key changed");
    assert_eq!(v62[3].text, "2");
    assert_eq!(v62[4].text, "+2");
    assert_eq!(cells(rows[4])[5].text, "−2");
    assert!(
        cells(rows[5])[2].text.starts_with("skipped truncated or malformed"),
        "{}",
        cells(rows[5])[2].text
    );
    assert!(cells(rows[7])[2].text.contains("unchanged but for ChangeNumber"));
    // Every version links to its block.
    assert_eq!(rows[2].find(|n| n.name == "a")[0].attr("href"), Some("#v-3"));

    // The current findings under the version that introduced them, with its key diff.
    let findings = body.by_id("findings");
    let groups = findings.find(|n| n.has_class("group"));
    assert_eq!(groups.len(), 1);
    assert!(
        groups[0].find(|n| n.name == "h3")[0]
            .text
            .starts_with("Introduced in 62.0 (2 findings)")
    );
    assert!(
        groups[0]
            .text
            .contains("MetaBase_0000000062_0000000000.xml compared with MetaBase_0000000061_0000000000.xml")
    );
    let diff = groups[0].find(|n| n.name == "pre" && n.has_class("diff"));
    let diff = diff.first().expect("the key diff");
    let lines = |class: &str| -> Vec<String> {
        diff.find(|n| n.has_class(class))
            .iter()
            .map(|n| n.text.clone())
            .collect()
    };
    assert_eq!(
        lines("hunk"),
        [
            "@@ /LM/W3SVC/Filters (IIsFilters) changed, line 107 -> 107 @@",
            "@@ /LM/W3SVC/Filters/fpexedll.dll (IIsFilter) added, line 126 @@"
        ]
    );
    assert!(
        lines("del").contains(&"-\t\tFilterLoadOrder=\"UrlScan,ASP.NET_2.0.50727\"".to_string()),
        "{:?}",
        lines("del")
    );
    assert!(lines("add").contains(&"+\t\tFilterPath=\"C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\Web Server Extensions\\50\\bin\\fpexedll.dll\"".to_string()), "{:?}", lines("add"));
    let drawn = groups[0].find(|n| n.name == "details" && n.has_class("finding"));
    assert_eq!(drawn.len(), 2);
    assert!(drawn.iter().all(|d| d.attr("open").is_none()), "collapsed");
    let summaries: Vec<&str> = drawn
        .iter()
        .map(|d| d.find(|n| n.name == "summary")[0].text.as_str())
        .collect();
    assert!(summaries.iter().any(|s| s.contains("MB101")) && summaries.iter().any(|s| s.contains("MB102")));
    // Inside: the source line of the current file, the value marked.
    assert!(drawn[0].find(|n| n.name == "mark")[0].text.ends_with("fpexedll.dll"));

    // Each version: what it introduced and removed, collapsed.
    let v63 = body.by_id("v-4");
    assert!(v63.find(|n| n.name == "details")[0].attr("open").is_none());
    assert!(v63.text.contains("+2 introduced"));
    let introduced = v63.find(|n| {
        n.name == "details"
            && n.find(|s| s.name == "summary" && s.text.starts_with("Introduced: 2 finding places"))
                .len()
                == 1
    });
    assert!(!introduced.is_empty());
    assert!(
        v63.text.contains("MB201 × 1") && v63.text.contains("MB401 × 1"),
        "{}",
        v63.text
    );
    assert!(body.by_id("v-5").text.contains("−2 removed"));
    assert!(
        body.by_id("v-6")
            .text
            .contains("Skipped (a warning, not a failure): truncated or malformed")
    );

    // The findings that came and went.
    let gone = body.by_id("gone");
    let rows = gone.find(|n| n.name == "tr" && n.has_class("row"));
    assert_eq!(rows.len(), 2);
    for (row, code) in rows.iter().zip(["MB201", "MB401"]) {
        let c = cells(row);
        assert_eq!(c[0].text, code);
        // Location and property as the file writes them (identities are compared in lower case).
        assert_eq!(c[1].text, "/LM/W3SVC/2/ROOT");
        assert_eq!(c[2].text, "ScriptMaps");
        assert_eq!(c[3].text, "C:\\Inetpub\\Legacy\\legacy.dll");
        assert_eq!((c[4].text.as_str(), c[5].text.as_str()), ("63.0", "63.1"));
    }
    // And the server the current file describes.
    assert!(body.by_id("server").text.contains("x64 Windows"));
}

#[test]
fn a_history_whose_current_file_cannot_be_read_is_the_failure_banner() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("MetaBase.xml");
    let history = testdata("history/fpse-64bit/Windows/System32/InetSrv/History");
    for args in [
        vec![history.as_str(), "--metabase", missing.to_str().unwrap()],
        vec![missing.to_str().unwrap()],
    ] {
        let page = history_page(&args, 2);
        let html = parse(&page);
        assert_self_contained(&html);
        let body = html.find(|n| n.name == "body")[0];
        assert_eq!(body.children[1].attr("id"), Some("failed"), "{args:?}");
        assert!(body.children[1].text.contains("1 input could not be checked"));
        assert!(body.children[1].text.contains("MetaBase.xml"));
        assert!(html.find(|n| n.has_class("clean")).is_empty());
        assert!(html.find(|n| n.attr("id") == Some("timeline")).is_empty());
    }
}

#[test]
fn a_current_file_that_does_not_parse_is_red_on_the_history_page() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("History");
    std::fs::create_dir_all(&history).unwrap();
    let kept = testdata("history/fpse-64bit/Windows/System32/InetSrv/History/MetaBase_0000000060_0000000000.xml");
    std::fs::copy(kept, history.join("MetaBase_0000000060_0000000000.xml")).unwrap();
    std::fs::write(
        dir.path().join("MetaBase.xml"),
        "<configuration><MBProperty><IIsWebService",
    )
    .unwrap();
    let page = history_page(&[history.to_str().unwrap()], 1);
    let html = parse(&page);
    assert_self_contained(&html);
    let body = html.find(|n| n.name == "body")[0];
    // The verdict (red: MB001), then the reading status (red: it does not parse).
    assert_eq!(body.children[1].attr("id"), Some("verdict"));
    assert!(body.children[1].has_class("banner") && !body.children[1].has_class("clean"));
    assert!(body.children[1].text.contains("MB001"), "{}", body.children[1].text);
    assert!(body.children[2].has_class("banner") && !body.children[2].has_class("clean"));
    assert!(body.children[2].text.contains("The current file does not parse"));
    assert!(html.find(|n| n.has_class("clean")).is_empty());
    let rows = html.by_id("timeline").find(|n| n.name == "tr" && n.has_class("row"));
    assert!(
        cells(rows[1])[2]
            .text
            .contains("does not parse (see its MB001), not compared")
    );
    assert!(html.by_id("findings").text.contains("MB001"));
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn names_and_text_in_compare_and_history_pages_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // Two drive copies, one under a hostile folder name (the node's default name).
    let mut nodes = Vec::new();
    for name in ["a<img src=x onerror=alert(1)>\"'\u{1b}[2J\u{202e}fdp", "plain"] {
        let inetsrv = dir.path().join(name).join("WINDOWS/system32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        std::fs::write(inetsrv.join("MetaBase.xml"), hostile_metabase()).unwrap();
        nodes.push(dir.path().join(name).to_string_lossy().into_owned());
    }
    std::fs::write(
        dir.path().join("plain/WINDOWS/system32/inetsrv/MetaBase.xml"),
        hostile_metabase().replace("Enable32BitAppOnWin64=\"TRUE\"", "Enable32BitAppOnWin64=\"FALSE\""),
    )
    .unwrap();
    let page = html_of(
        &[
            "compare",
            "--isolated",
            "--format",
            "html",
            "--platform",
            "x64",
            &nodes[0],
            &nodes[1],
        ],
        1,
    );
    assert_escaped(&page);
    let html = parse(&page);
    assert!(
        html.text
            .contains("a<img src=x onerror=alert(1)>\"'\\u{1b}[2J\\u{202e}fdp"),
        "{}",
        html.text
    );
    let matrix = html.by_id("matrix");
    assert!(
        matrix.text.contains("a<script>alert(1)</script>.dll"),
        "{}",
        matrix.text
    );
    assert!(
        matrix.text.contains("e\\u{202e}lld.txt\"><img>'x.dll"),
        "{}",
        matrix.text
    );
    assert!(html.by_id("drift").text.contains("MB603"));

    // A history whose change holds markup and control characters: the key diff shows them as text.
    let history = dir.path().join("h<script>\u{1b}]0;x\u{7}").join("History");
    std::fs::create_dir_all(&history).unwrap();
    let clean = hostile_metabase().replace("Enable32BitAppOnWin64=\"TRUE\"", "Enable32BitAppOnWin64=\"FALSE\"");
    std::fs::write(history.join("MetaBase_0000000001_0000000000.xml"), &clean).unwrap();
    std::fs::write(
        history.join("MetaBase_0000000002_0000000000.xml"),
        hostile_metabase().replace(".y,", ".z,"),
    )
    .unwrap();
    std::fs::write(
        history.join("../MetaBase.xml"),
        hostile_metabase().replace(".y,", ".z,"),
    )
    .unwrap();
    let page = history_page(&["--platform", "x64", history.to_str().unwrap()], 1);
    assert_escaped(&page);
    let html = parse(&page);
    assert!(html.text.contains("h<script>\\u{1b}]0;x\\u{7}"), "{}", html.text);
    let diffs = html.find(|n| n.name == "pre" && n.has_class("diff"));
    assert!(!diffs.is_empty());
    // The file's own references (`&lt;`) are shown as written, their `&` escaped on the page.
    assert!(page.contains("a&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;.dll"));
    assert!(
        diffs.iter().any(|d| d.text.contains(
            "+\t\t\t.z,C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727\\a&lt;script&gt;alert(1)&lt;/script&gt;.dll"
        )),
        "{:?}",
        diffs.iter().map(|d| &d.text).collect::<Vec<_>>()
    );
}

#[test]
fn a_large_comparison_is_grouped_by_distinct_dll_capped_and_counted() {
    let sites = 1_500;
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<mblint::compare::NodeSpec> = ["web1", "web2"]
        .iter()
        .zip([estate(sites), estate_of(sites, "Other")])
        .map(|(name, text)| {
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, text).unwrap();
            mblint::compare::NodeSpec {
                name: name.to_string(),
                path,
                options: Options {
                    platform: Some(mblint::platform::Platform::X64),
                    ..Options::default()
                },
            }
        })
        .collect();
    let outcome = mblint::compare::compare(&specs);
    assert!(outcome.failures.is_empty());
    let distinct = outcome.comparison.dlls.len();
    assert_eq!(distinct, 2 * sites + 1, "each node's filters, and asp.dll once");
    let page = mblint::report::html::compare::render(&outcome.comparison, &outcome.reports, &outcome.failures);
    assert!(page.len() < kit::PAGE_LIMIT + (256 << 10), "{} bytes", page.len());
    let html = parse(&page);
    assert_self_contained(&html);
    let matrix = html.by_id("matrix");
    assert_eq!(
        matrix.find(|n| n.name == "tr" && n.has_class("row")).len(),
        check::DLL_ROWS_SHOWN
    );
    assert!(
        matrix.text.contains(&format!(
            "{} more DLLs not shown",
            kit::grouped(distinct - check::DLL_ROWS_SHOWN)
        )),
        "{}",
        &matrix.text[matrix.text.len() - 400..]
    );
    assert!(
        matrix
            .text
            .contains(&format!("{} distinct DLLs across 2 nodes", kit::grouped(distinct)))
    );
    // The totals cover every DLL, shown or not.
    assert!(matrix.text.contains(&format!("{} configured", kit::grouped(sites + 1))));
    // asp.dll, alike on both nodes, is one row with its places counted... if shown; the differing
    // filters come first.
    let first = matrix.find(|n| n.name == "tr" && n.has_class("row"))[0];
    assert!(first.text.contains("filter.dll") && first.find(|n| n.has_class("differs")).len() == 1);
}

#[test]
fn a_long_history_is_capped_and_counted() {
    let sites = 1_200;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("History");
    std::fs::create_dir_all(&history).unwrap();
    std::fs::write(history.join("MetaBase_1_0.xml"), estate(sites)).unwrap();
    std::fs::write(history.join("MetaBase_2_0.xml"), estate_of(sites, "Other")).unwrap();
    std::fs::write(dir.path().join("MetaBase.xml"), estate_of(sites, "Other")).unwrap();
    let layout = mblint::history::layout(&history, None).unwrap();
    let options = Options {
        platform: Some(mblint::platform::Platform::X64),
        ..Options::default()
    };
    let run = mblint::history::run(&layout, &options).unwrap();
    assert_eq!(run.history.gone.len(), sites);
    let page = mblint::report::html::history::render(&run.history, &run.current);
    assert!(page.len() < kit::PAGE_LIMIT + (256 << 10), "{} bytes", page.len());
    let html = parse(&page);
    assert_self_contained(&html);
    // Version 2.0 introduced a finding on every site: counted by rule, the first listed.
    let v2 = html.by_id("v-2");
    assert!(
        v2.text.contains(&format!("MB102 × {}", kit::grouped(sites))),
        "{}",
        v2.text
    );
    let introduced = v2.find(|n| {
        n.name == "details"
            && n.find(|s| s.name == "summary" && s.text.starts_with("Introduced:"))
                .len()
                == 1
    });
    let listed = introduced
        .last()
        .unwrap()
        .find(|n| n.name == "tr" && n.has_class("row"))
        .len();
    assert_eq!(listed, check::OCCURRENCES_SHOWN);
    assert!(v2.text.contains("more not listed here"), "{}", v2.text);
    // Its key diff stops after KEY_DIFF_LINES_SHOWN lines and says so.
    let diff = v2.find(|n| n.name == "pre" && n.has_class("diff"));
    let lines = diff[0].children.iter().filter(|n| !n.has_class("hunk")).count();
    assert!(lines <= mblint::report::html::history::KEY_DIFF_LINES_SHOWN, "{lines}");
    assert!(v2.text.contains("more changed keys not listed"));
    // The findings that came and went: at most GONE_ROWS_SHOWN rows, the rest counted.
    let gone = html.by_id("gone");
    assert_eq!(
        gone.find(|n| n.name == "tr" && n.has_class("row")).len(),
        mblint::report::html::history::GONE_ROWS_SHOWN
    );
    assert!(gone.text.contains(&format!(
        "and {} more not listed",
        sites - mblint::report::html::history::GONE_ROWS_SHOWN
    )));
}
