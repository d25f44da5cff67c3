//! Hostile input against the reports: a finding far along a 200 KB line, terminal control
//! sequences in values and file names, characters XML 1.0 forbids, and decode errors in UTF-16.
//! Each ends in a bounded, inert report and the right finding at the right place.

use assert_cmd::Command;
use mblint::lint::{FileReport, lint_bytes};
use mblint::report::text::{TextOptions, render};

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

fn codes(report: &FileReport) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

fn wrap(keys: &str) -> String {
    format!(
        "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n{keys}</MBProperty>\r\n</configuration>\r\n"
    )
}

/// A FilterLoadOrder of `count` undefined filters with names `len` characters long: one MB301 per
/// name, all on one line of the file.
fn load_order(count: usize, len: usize) -> String {
    let names: Vec<String> = (0..count).map(|i| format!("f{i:05}_{}", "n".repeat(len - 7))).collect();
    wrap(&format!(
        "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"{}\"\r\n\t>\r\n</IIsFilters>\r\n",
        names.join(",")
    ))
}

/// Every character of `out` a terminal could act on, other than the line break and TAB: control
/// characters, bidirectional formatting characters, line and paragraph separators.
fn raw_controls(out: &str) -> Vec<char> {
    out.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        })
        .collect()
}

#[test]
fn a_finding_far_along_a_200_kb_line_is_drawn_clipped() {
    // One attribute value of 200 KB; its last finding starts near column 200,000.
    let report = lint_bytes("long.xml", load_order(1_000, 200).into_bytes());
    assert_eq!(report.diagnostics.len(), 1_000, "{:?}", &codes(&report)[..3]);
    let last = report.diagnostics.last().unwrap();
    let (line, column) = report.source.line_col(last.span.start as usize);
    assert!(column > 190_000, "{column}");
    let only_last = FileReport {
        diagnostics: vec![last.clone()],
        ..lint_bytes("long.xml", load_order(1_000, 200).into_bytes())
    };
    let out = render(&[only_last], TextOptions::default());
    // The header keeps the file's own line and column; the line is cut around the finding.
    assert!(out.contains(&format!("[long.xml:{line}:{column}]")), "{out}");
    assert!(out.contains(",f00999_nnnn") && out.contains(" │ …nnnn"), "{out}");
    assert!(out.len() < 10_000, "{} bytes:\n{out}", out.len());
    assert!(out.lines().all(|l| l.len() < 2_000), "{out}");

    // All 1,000 findings on the one line: each drawn in a few KB, not the whole line each time.
    let out = render(&[report], TextOptions::default());
    assert!(out.len() < 1_000 * 10_000, "{} bytes", out.len());
    assert!(out.lines().all(|l| l.len() < 2_000));
    assert_eq!(out.matches("MB301(filter-not-defined)").count(), 1_000);
    // Every header names its finding's own column.
    assert!(out.contains(&format!("[long.xml:{line}:{column}]")));
}

#[test]
fn a_long_line_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::write(&path, load_order(1_000, 106)).unwrap();
    let out = mblint()
        .args(["check", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    // 1,000 findings on a 106 KB line: a few MB at most, never 1,000 copies of the line.
    assert!(out.stdout.len() < 10_000_000, "{} bytes", out.stdout.len());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Found 1000 problems"), "{}", &text[text.len() - 500..]);
}

#[test]
fn short_lines_are_shown_whole() {
    let report = lint_bytes("short.xml", load_order(2, 30).into_bytes());
    let out = render(&[report], TextOptions::default());
    assert!(!out.contains('…'), "{out}");
    assert!(out.contains("FilterLoadOrder=\"f00000_"), "{out}");
}

/// A metabase whose values carry a C1 CSI (allowed by XML 1.0), a carriage return and a line
/// feed as references, and a right-to-left override: all in the MB301 message, the label's line
/// and the source lines.
#[cfg(unix)]
fn with_controls() -> String {
    wrap(
        "<IIsFilters\tLocation =\"/LM/W3SVC/Filters\"\r\n\t\tFilterLoadOrder=\"evil\u{9b}2J&#13;spoof&#10;::error::x\u{202e}gpj.exe\"\r\n\t>\r\n</IIsFilters>\r\n",
    )
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn control_characters_are_escaped_in_the_text_report() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with ESC and BEL: an OSC sequence that would retitle the terminal.
    let path = dir.path().join("Meta\u{1b}]0;pwned\u{7}Base.xml");
    std::fs::write(&path, with_controls()).unwrap();
    let out = mblint()
        .args(["check", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("MB301"), "{text}");
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text:?}");
    // Shown, in one visible form.
    for shown in [
        "Meta\\u{1b}]0;pwned\\u{7}Base.xml",
        "evil\\u{9b}2J",
        "\\u{d}spoof\\u{a}",
        "x\\u{202e}gpj",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }

    // In-process too, with colour: only miette's own styling escapes, none from the file.
    let report = lint_bytes("Meta\u{1b}[2J.xml", with_controls().into_bytes());
    let out = render(
        &[report],
        TextOptions {
            color: false,
            width: 100,
            quiet: false,
            ascii: false,
        },
    );
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out:?}");
    assert!(out.contains("Meta\\u{1b}[2J.xml"), "{out}");
}

#[test]
fn control_characters_in_a_malformed_file_are_escaped_in_the_source_lines() {
    // A raw ESC is MB001 itself; the line drawn under it shows it escaped.
    let text = wrap(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tServerComment=\"\u{1b}[31mred\u{7}\"\r\n\t>\r\n</IIsWebService>\r\n",
    );
    let report = lint_bytes("m.xml", text.into_bytes());
    assert_eq!(codes(&report), ["MB001"]);
    let out = render(&[report], TextOptions::default());
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out:?}");
    assert!(out.contains("ServerComment=\"\\u{1b}[31mred\\u{7}\""), "{out}");
    assert!(out.contains("[m.xml:5:18]"), "{out}");
}

// Control characters in file names: NTFS forbids them (Win32 error 123), so there is nothing to
// stage on Windows.
#[cfg(unix)]
#[test]
fn control_characters_are_escaped_in_github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a%b:c,d\u{1b}[2J.xml");
    std::fs::write(&path, with_controls()).unwrap();
    let out = mblint()
        .args(["check", "--format", "github"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text:?}");
    // One command per line: the references' CR and LF cannot start a command of their own.
    let lines: Vec<&str> = text.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "),
            "{line}"
        );
    }
    let mb301 = lines.iter().find(|l| l.contains("MB301")).expect("an MB301 annotation");
    assert!(
        mb301.contains("`evil\\u{9b}2J\\u{d}spoof\\u{a}::error::x\\u{202e}gpj.exe`"),
        "{mb301}"
    );
    assert!(mb301.contains("%0AHelp: "), "{mb301}");
    // The file property: control characters escaped, then `%`, `:` and `,` as GitHub requires.
    assert!(mb301.contains("a%25b%3Ac%2Cd\\u{1b}[2J.xml,line="), "{mb301}");
}

/// The MB001 finding of a text, and its 1-based line and column.
fn malformed(text: &str) -> (String, (usize, usize)) {
    let report = lint_bytes("x.xml", text.as_bytes());
    assert_eq!(codes(&report), ["MB001"], "{text:?}");
    let d = &report.diagnostics[0];
    (d.message.clone(), report.source.line_col(d.span.start as usize))
}

#[test]
fn characters_xml_forbids_are_malformed_where_they_are() {
    let key = |comment: &str| {
        wrap(&format!(
            "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tServerComment=\"{comment}\"\r\n\t>\r\n</IIsWebService>\r\n"
        ))
    };
    // Raw, in an attribute value: line 5, after `\t\tServerComment="ab`.
    for (c, shown) in [
        ('\0', "U+0000"),
        ('\u{1}', "U+0001"),
        ('\u{8}', "U+0008"),
        ('\u{b}', "U+000B"),
        ('\u{c}', "U+000C"),
        ('\u{1b}', "U+001B"),
        ('\u{1f}', "U+001F"),
        ('\u{fffe}', "U+FFFE"),
        ('\u{ffff}', "U+FFFF"),
    ] {
        let (message, at) = malformed(&key(&format!("ab{c}cd")));
        assert!(
            message.contains(shown) && message.contains("XML 1.0 does not allow"),
            "{message}"
        );
        assert_eq!(at, (5, 20), "{shown}");
    }
    // As character references, hex or decimal.
    for (reference, shown) in [
        ("&#0;", "U+0000"),
        ("&#1;", "U+0001"),
        ("&#x1b;", "U+001B"),
        ("&#31;", "U+001F"),
        ("&#xFFFE;", "U+FFFE"),
        ("&#65535;", "U+FFFF"),
        ("&#xD800;", "U+D800"),
        ("&#xdfff;", "U+DFFF"),
    ] {
        let (message, at) = malformed(&key(&format!("ab{reference}")));
        assert!(message.contains(shown) && message.contains(reference), "{message}");
        assert_eq!(at, (5, 20), "{reference}");
    }
    // Elsewhere: in text between keys, in a comment, in a tag.
    let (_, at) = malformed(&wrap("<!-- a\u{0}b -->\r\n"));
    assert_eq!(at, (4, 7));
    let (_, at) = malformed(&wrap("\u{1}\r\n"));
    assert_eq!(at, (4, 1));
    let (_, at) = malformed(&wrap(
        "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t>&#2;\r\n</IIsWebService>\r\n",
    ));
    assert_eq!(at, (5, 3));
    let (message, at) = malformed(&wrap(
        "<IIsWebService\u{0}\tLocation =\"/LM/W3SVC\"\r\n\t>\r\n</IIsWebService>\r\n",
    ));
    assert!(message.contains("U+0000"), "{message}");
    assert_eq!(at, (4, 15));
    // The first fault is the one reported: a reference before a raw one, a bad tag before either.
    let (message, _) = malformed(&key("&#1;\u{2}"));
    assert!(message.contains("&#1;"), "{message}");
    let (message, _) = malformed(&wrap("<A Location=\"/\"></B>\r\n<C Location=\"/x\" D=\"\u{0}\"/>\r\n"));
    assert!(message.contains("expected `</A>`"), "{message}");
    // What XML does allow still parses: TAB, LF and CR raw or referenced, C1, DEL, U+FFFD.
    let text = key("a\tb&#9;&#10;&#13;&#x85;\u{7f}\u{9f}\u{fffd}&#xFFFD;&#x10FFFF;");
    assert!(lint_bytes("x.xml", text.as_bytes()).diagnostics.is_empty());
    // And malformed references stay malformed.
    for reference in ["&#;", "&#x;", "&#+65;", "&#X41;", "&#x110000;", "&#99999999999;"] {
        malformed(&key(reference));
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if big_endian { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
    }
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn a_utf16_decode_error_names_the_file_encoding_and_file_offset() {
    let good = String::from_utf8(std::fs::read("testdata/metabases/clean-64bit.xml").unwrap()).unwrap();
    let good = good.trim_start_matches('\u{feff}');
    let cut = good.find("<MBProperty>").unwrap();
    for (big_endian, bom, encoding) in [
        (false, true, "utf16-le-bom"),
        (true, true, "utf16-be-bom"),
        (false, false, "utf16-le"),
        (true, false, "utf16-be"),
    ] {
        // An unpaired low surrogate in place of `<MBProperty>`.
        let mut bytes = utf16(&good[..cut], big_endian, bom);
        let at = bytes.len();
        bytes.extend(if big_endian { [0xDC, 0x00] } else { [0x00, 0xDC] });
        bytes.extend(utf16(&good[cut..], big_endian, false));
        let report = lint_bytes("u.xml", bytes);
        assert_eq!(codes(&report), ["MB001"]);
        let json: serde_json::Value = serde_json::from_str(&mblint::report::json::render(&[report])).unwrap();
        assert_eq!(json["files"][0]["encoding"], encoding);
        let d = &json["diagnostics"][0];
        assert_eq!(d["span"]["start"], at, "{d}");
        assert!(
            d["message"].as_str().unwrap().contains(&format!("at file offset {at}")),
            "{d}"
        );
        let form = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
        assert!(d["message"].as_str().unwrap().contains(form), "{d}");
        // Line and column of the fault in the text: the line of `<MBProperty>`, column 1.
        let line = good[..cut].matches('\n').count() + 1;
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(line as u64), Some(1)),
            "{d}"
        );
    }
    // Invalid UTF-8 after a UTF-8 BOM: the BOM is counted in the file offset.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(&good.as_bytes()[..cut]);
    bytes.push(0xFF);
    let at = bytes.len() - 1;
    let json: serde_json::Value =
        serde_json::from_str(&mblint::report::json::render(&[lint_bytes("u.xml", bytes)])).unwrap();
    assert_eq!(json["files"][0]["encoding"], "utf8-bom");
    assert_eq!(json["diagnostics"][0]["span"]["start"], at);
}
