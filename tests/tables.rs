//! Tables and documents people read in a terminal (issue 24): `mblint rule` drawn for a terminal,
//! `mblint rules` and `--statistics` wrapped to the width (the terminal's, else COLUMNS, else 80).

use assert_cmd::Command;

/// mblint with the width given by COLUMNS (standard output is a pipe here, so no terminal's), and
/// no colour unless asked.
fn mblint(columns: &str) -> Command {
    let mut cmd = Command::cargo_bin("mblint").unwrap();
    cmd.env("COLUMNS", columns).env_remove("NO_COLOR").env("TERM", "xterm");
    cmd
}

fn stdout(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// Lines wider than `width`, but for those that are one word (a URL, a path or a code span is
/// never split).
fn too_wide(text: &str, width: usize) -> Vec<&str> {
    let words = |l: &str| {
        let outside_code: String = l.split('`').step_by(2).collect::<Vec<_>>().join("`x`");
        outside_code.split_whitespace().count()
    };
    text.lines()
        .filter(|l| l.chars().count() > width && words(l.trim_start().trim_start_matches("- ")) > 1)
        .filter(|l| !l.starts_with("    ")) // code blocks are verbatim
        .collect()
}

#[test]
fn rule_is_drawn_for_a_terminal_at_80_columns() {
    let (code, out) = stdout(mblint("80").args(["rule", "MB102", "--color", "never"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("rule-MB102-80", out);
}

#[test]
fn every_rule_document_is_drawn_within_the_width_without_markdown_syntax() {
    for rule in mblint::rules::RULES {
        for width in ["60", "100"] {
            let (code, out) = stdout(mblint(width).args(["rule", rule.code]));
            assert_eq!(code, 0);
            let width: usize = width.parse().unwrap();
            assert!(
                too_wide(&out, width).is_empty(),
                "{}: {:#?}",
                rule.code,
                too_wide(&out, width)
            );
            assert!(
                out.starts_with(&format!("{} {}\n", rule.code, rule.name)),
                "{}",
                rule.code
            );
            for syntax in ["<!--", "-->", "```", "\n#", "**", "](", "|---"] {
                assert!(!out.contains(syntax), "{}: {syntax} shows", rule.code);
            }
            assert!(!out.contains('\u{1b}'), "{}: no colour in a pipe", rule.code);
        }
    }
}

#[test]
fn rule_headings_are_bold_with_colour() {
    let (_, out) = stdout(mblint("80").args(["rule", "MB102", "--color", "always"]));
    assert!(
        out.starts_with("\u{1b}[1mMB102 worker-bitness-mismatch\u{1b}[0m\n"),
        "{out}"
    );
    assert!(out.contains("\u{1b}[1mUSE INSTEAD\u{1b}[0m\n"));
    // NO_COLOR and TERM=dumb turn auto off, as everywhere.
    let (_, out) = stdout(mblint("80").args(["rule", "MB102"]).env("NO_COLOR", "1"));
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn markdown_gives_the_document_as_written() {
    let (code, out) = stdout(mblint("40").args(["rule", "MB102", "--format", "markdown"]));
    assert_eq!(code, 0);
    assert_eq!(out, mblint::rules::by_code("MB102").unwrap().doc);
    assert!(out.contains("<!-- example: metabase platform=x64 -->"));
    // JSON carries the document as written too.
    let (_, json) = stdout(mblint("40").args(["rule", "MB102", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["doc"].as_str(), Some(out.as_str()));
}

/// The summary of `code` as `mblint rules` shows it, its wrapped lines joined.
fn summary_in(table: &str, code: &str) -> String {
    let column = table.lines().next().unwrap().find("SUMMARY");
    let mut lines = table.lines().skip_while(|l| !l.starts_with(code));
    let first = lines.next().unwrap();
    let more = lines
        .take_while(|l| l.starts_with(' '))
        .map(str::trim)
        .filter(|l| !l.starts_with("fix: "));
    let beside = column.map(|c| first[c..].trim());
    beside.into_iter().chain(more).collect::<Vec<_>>().join(" ")
}

#[test]
fn rules_wrap_to_the_width_with_aligned_columns() {
    for width in [60, 80, 100, 200] {
        let (code, table) = stdout(mblint(&width.to_string()).arg("rules"));
        assert_eq!(code, 0);
        let wide: Vec<&str> = table.lines().filter(|l| l.chars().count() > width).collect();
        assert!(wide.is_empty(), "COLUMNS={width}: {wide:#?}");
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("MB")).collect();
        assert_eq!(
            rows.len(),
            mblint::rules::RULES.len(),
            "COLUMNS={width}: one row per rule"
        );
        for rule in mblint::rules::RULES {
            assert_eq!(
                summary_in(&table, rule.code),
                rule.summary,
                "COLUMNS={width} {}",
                rule.code
            );
        }
        // Every row's severity starts in the same column, as the header's.
        let column = |l: &str| l.find(" error").or(l.find(" warning")).or(l.find(" info")).unwrap();
        let header = table.lines().next().unwrap();
        assert!(
            rows.iter().all(|r| column(r) == header.find(" SEVERITY").unwrap()),
            "COLUMNS={width}"
        );
    }
    // Wide: the summary is a column of its own, its continuation lines under it.
    let (_, table) = stdout(mblint("200").arg("rules"));
    let summary_column = table.lines().next().unwrap().find("SUMMARY").unwrap();
    for line in table.lines().skip(1) {
        if line.starts_with(' ') {
            assert_eq!(line.len() - line.trim_start().len(), summary_column, "{line}");
        }
    }
    assert!(
        table
            .lines()
            .find(|l| l.starts_with("MB102"))
            .unwrap()
            .contains(" sometimes: safe, unsafe, display-only ")
    );
    // Narrow: the fix and the summary under the rule, under its name.
    let (_, table) = stdout(mblint("60").arg("rules"));
    assert!(!table.lines().next().unwrap().contains("SUMMARY"));
    let mut lines = table.lines().skip_while(|l| !l.starts_with("MB102"));
    lines.next();
    assert_eq!(lines.next(), Some("       fix: sometimes: safe, unsafe, display-only"));
}

#[test]
fn rules_at_80_columns() {
    let (_, table) = stdout(mblint("80").arg("rules"));
    insta::assert_snapshot!("rules-80", table);
}

#[test]
fn statistics_wrap_to_the_width_under_their_columns() {
    let server = "testdata/servers/aspnet64-lockdown-fpse";
    let args = ["check", "--isolated", "--statistics", server];
    let (_, json) = stdout(mblint("60").args(args).args(["--format", "json"]));
    let stats: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fix = stats["statistics"][0]["fixes"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.len() > 200, "a long description to wrap: {fix}");
    // JSON is never wrapped: the same at any width.
    assert_eq!(stdout(mblint("200").args(args).args(["--format", "json"])).1, json);
    for width in [60, 100] {
        let (code, out) = stdout(mblint(&width.to_string()).args(args));
        assert_eq!(code, 1);
        assert!(
            too_wide(&out, width).is_empty(),
            "COLUMNS={width}: {:#?}",
            too_wide(&out, width)
        );
        let lines: Vec<&str> = out.lines().collect();
        let first = lines.iter().position(|l| l.starts_with("   [~] switch")).unwrap();
        let continued: Vec<&str> = lines[first + 1..]
            .iter()
            .take_while(|l| l.starts_with("       "))
            .copied()
            .collect();
        assert!(continued.len() >= 2, "COLUMNS={width}: the description wraps: {out}");
        // The description is whole, its continuation lines under its text (past `[~] `).
        let joined = std::iter::once(&lines[first][7..])
            .chain(continued.iter().map(|l| &l[7..]))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, fix, "COLUMNS={width}");
        // The rows stay aligned: the next rule's severity under the first's.
        let rows: Vec<&&str> = lines.iter().filter(|l| l.starts_with("1  MB")).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].find("error"), rows[1].find("error"), "{out}");
    }
    // Wide enough, the fixable column is beside the row; narrower, under it.
    let (_, out) = stdout(mblint("100").args(args));
    assert!(
        out.starts_with("1  MB101  mixed-bitness            error  [~] 1 fixable with --unsafe-fixes\n"),
        "{out}"
    );
    let (_, out) = stdout(mblint("60").args(args));
    assert!(
        out.starts_with("1  MB101  mixed-bitness            error\n   [~] 1 fixable with --unsafe-fixes\n"),
        "{out}"
    );
}
