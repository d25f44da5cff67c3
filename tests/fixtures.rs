//! Fixture tests: every metabase in testdata/metabases/, its rendered findings and its JSON report
//! snapshotted; and the same findings at the same lines whatever the file's encoding or line endings.

use std::path::Path;

use mblint::lint::{FileReport, lint_bytes};
use mblint::report::{json, text};

/// The fixture's path below `testdata/metabases`, with `/`: the same on every platform, however
/// the glob spelled the root (under Wine, `CARGO_MANIFEST_DIR` is a unix path and the glob's a
/// drive path).
fn fixture_name(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let at = parts
        .windows(2)
        .rposition(|w| w[0] == "testdata" && w[1] == "metabases")
        .unwrap_or_else(|| panic!("{} is not under testdata/metabases", path.display()));
    parts[at + 2..].join("/")
}

fn render_text(report: FileReport) -> String {
    text::render(
        &[report],
        text::TextOptions {
            color: false,
            width: 100,
            quiet: false,
            ascii: false,
        },
    )
}

#[test]
fn rendered_findings_and_json() {
    insta::glob!("../testdata/metabases", "**/*.xml", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = fixture_name(path);
        insta::assert_snapshot!("text", render_text(lint_bytes(&name, bytes.as_slice())));
        insta::assert_snapshot!("json", json::render(&[lint_bytes(&name, bytes.as_slice())]));
    });
}

/// (code, line, column, message) of every finding.
fn findings(report: &FileReport) -> Vec<(String, usize, usize, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let (line, col) = report.source.line_col(d.span.start as usize);
            (d.code.to_string(), line, col, d.message.clone())
        })
        .collect()
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

fn decode_utf16(bytes: &[u8], big_endian: bool) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| {
            if big_endian {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        })
        .collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn encodings_and_line_endings_give_the_same_findings() {
    let mut checked = 0;
    insta::glob!("../testdata/metabases", "**/*.xml", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = fixture_name(path);
        let original = lint_bytes(&name, bytes.as_slice());
        let Some(text) = std::str::from_utf8(&bytes).ok() else {
            return; // the invalid-UTF-8 fixture has no other encoding
        };
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        assert!(
            body.contains("\r\n") || body.len() < 200,
            "{name}: fixtures are written with CRLF"
        );
        let variants: Vec<(&str, Vec<u8>)> = vec![
            ("utf-8 without BOM", body.as_bytes().to_vec()),
            ("LF", format!("\u{feff}{}", body.replace("\r\n", "\n")).into_bytes()),
            ("UTF-16LE with BOM", utf16(body, false, true)),
            ("UTF-16BE with BOM", utf16(body, true, true)),
            ("UTF-16LE without BOM", utf16(body, false, false)),
        ];
        for (label, variant) in variants {
            let report = lint_bytes(&name, variant.as_slice());
            // Lines and columns do not move: columns count characters, and a CR ends a line.
            assert_eq!(findings(&report), findings(&original), "{name} as {label}");
            // The JSON byte span cuts exactly the bytes the finding names, in the file's own encoding.
            for (d, o) in report.diagnostics.iter().zip(&original.diagnostics) {
                let range = report.source.file_span(d.span);
                let mut expected_text = original.source.slice(o.span).to_string();
                if label == "LF" {
                    expected_text = expected_text.replace("\r\n", "\n");
                }
                let cut = &variant[range];
                let got = match label {
                    "UTF-16LE with BOM" | "UTF-16LE without BOM" => decode_utf16(cut, false),
                    "UTF-16BE with BOM" => decode_utf16(cut, true),
                    _ => String::from_utf8(cut.to_vec()).unwrap(),
                };
                assert_eq!(got, expected_text, "{name} as {label}: {}", d.code);
            }
        }
        checked += 1;
    });
    assert!(checked >= 10, "only {checked} fixtures were checked");
}
