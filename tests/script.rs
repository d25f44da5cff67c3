//! `check --script vbs`: the VBScript that makes the fixes in the live metabase through ADSI.
//!
//! [`read`] is a strict reader of the scripts mblint writes: every line must be one of the shapes
//! the generator writes (the fixed lines byte for byte, the rest by a small grammar of VBScript
//! string expressions), and reading returns the ADSI calls in order with their argument values
//! evaluated by VBScript's literal rules. A line it does not know fails the test, so metabase text
//! that became syntax anywhere would fail here; a value that does not come back exactly would too.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mblint::fixer::script::{CMD_GUARD, MAX_LINE};
use predicates::prelude::*;

fn mblint() -> Command {
    Command::cargo_bin("mblint").unwrap()
}

/// cmd.exe's limit on a batch-file line (KB830473): the old adsutil batch broke it.
const CMD_LINE_LIMIT: usize = 8191;

/// One call the script makes, with its arguments evaluated.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Set {
        path: String,
        name: String,
        value: Value,
    },
    Delete {
        path: String,
        name: String,
    },
    Create {
        path: String,
        key_type: String,
        name: String,
    },
    Restart,
    /// `RequireFile program`: the script stops, changing nothing, when the program is not there.
    Require(String),
    /// `RegisterAspNet program`: runs `"program" -ir`.
    Register(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    List(Vec<String>),
    Bool(bool),
    Number(i64),
}

/// What a script does: its calls, the progress message before each, and its comments.
#[derive(Debug, Default)]
struct Script {
    calls: Vec<Call>,
    messages: Vec<String>,
    comments: Vec<String>,
}

/// The lines before `Main` other than the guard, the header comments and the final message.
const PROLOGUE: &[&str] = &[
    "Option Explicit",
    "Dim doingNow",
    "doingNow = \"start\"",
    "If LCase(Right(WScript.FullName, 12)) <> \"\\cscript.exe\" Then",
    "    WScript.Echo \"mblint: run this script with cscript //nologo FILE.vbs\"",
    "    WScript.Quit 2",
    "End If",
    "On Error Resume Next",
    "Main",
    "If Err.Number <> 0 Then",
    "    WScript.StdErr.WriteLine \"mblint: could not \" & doingNow & \": error 0x\" & Hex(Err.Number) & \" \" & Err.Description",
    "    WScript.StdErr.WriteLine \"mblint: the changes after it were not made; those before it were.\"",
    "    WScript.Quit 1",
    "End If",
];

/// The procedures after `Main`: the code that runs with the administrator's rights, pinned here
/// line by line so that a change to it is reviewed twice.
const HELPERS: &[(&str, &str)] = &[
    (
        "Doing",
        "Sub Doing(what)\n    doingNow = what\n    WScript.Echo \"mblint: \" & what\nEnd Sub",
    ),
    (
        "SetValue",
        "Sub SetValue(adsPath, propName, newValue)\n    Dim key\n    Set key = GetObject(adsPath)\n    key.Put propName, newValue\n    key.SetInfo\nEnd Sub",
    ),
    (
        "DeleteValue",
        "' PutEx 1 (ADS_PROPERTY_CLEAR) removes the property from the key, so that it inherits.\nSub DeleteValue(adsPath, propName)\n    Dim key\n    Set key = GetObject(adsPath)\n    key.PutEx 1, propName, \"\"\n    key.SetInfo\nEnd Sub",
    ),
    (
        "CreateKey",
        "Sub CreateKey(adsPath, keyType, keyName)\n    Dim key\n    Set key = GetObject(adsPath).Create(keyType, keyName)\n    key.SetInfo\nEnd Sub",
    ),
    (
        "RequireFile",
        "Sub RequireFile(program)\n    If Not CreateObject(\"Scripting.FileSystemObject\").FileExists(program) Then Err.Raise vbObjectError + 2, \"mblint\", program & \" is not on this server\"\nEnd Sub",
    ),
    (
        "RegisterAspNet",
        "Sub RegisterAspNet(program)\n    Dim run\n    Set run = CreateObject(\"WScript.Shell\").Exec(\"\"\"\" & program & \"\"\" -ir\")\n    Do While Not run.StdOut.AtEndOfStream\n        WScript.Echo run.StdOut.ReadLine\n    Loop\n    Do While run.Status = 0\n        WScript.Sleep 100\n    Loop\n    If run.ExitCode <> 0 Then Err.Raise vbObjectError + 1, \"aspnet_regiis\", program & \" -ir exited with code \" & run.ExitCode\nEnd Sub",
    ),
    (
        "RestartIis",
        "Sub RestartIis()\n    Dim run\n    Set run = CreateObject(\"WScript.Shell\").Exec(\"iisreset\")\n    Do While Not run.StdOut.AtEndOfStream\n        WScript.Echo run.StdOut.ReadLine\n    Loop\n    Do While run.Status = 0\n        WScript.Sleep 100\n    Loop\n    If run.ExitCode <> 0 Then Err.Raise vbObjectError + 1, \"iisreset\", \"iisreset exited with code \" & run.ExitCode\nEnd Sub",
    ),
];

/// Evaluates a string expression: `"..."` (`""` is one quote) and `ChrW(n)` joined by ` & `.
fn expression(expr: &str, line: &str) -> Vec<u16> {
    let mut units = Vec::new();
    let mut rest = expr;
    loop {
        if let Some(r) = rest.strip_prefix('"') {
            let b = r.as_bytes();
            let mut i = 0;
            loop {
                assert!(i < b.len(), "an unclosed string: {line}");
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        units.push(u16::from(b'"'));
                        i += 2;
                        continue;
                    }
                    break;
                }
                units.push(u16::from(b[i]));
                i += 1;
            }
            rest = &r[i + 1..];
        } else if let Some(r) = rest.strip_prefix("ChrW(") {
            let close = r.find(')').unwrap_or_else(|| panic!("an unclosed ChrW: {line}"));
            let digits = &r[..close];
            assert!(
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
                "ChrW of something else than a number: {line}"
            );
            units.push(
                digits
                    .parse::<u16>()
                    .unwrap_or_else(|_| panic!("not a code unit: {line}")),
            );
            rest = &r[close + 1..];
        } else {
            panic!("not a string expression at {rest:?}: {line}");
        }
        if rest.is_empty() {
            return units;
        }
        rest = rest
            .strip_prefix(" & ")
            .unwrap_or_else(|| panic!("something after a string at {rest:?}: {line}"));
    }
}

enum Var {
    Text(Vec<u16>),
    Bool(bool),
    Number(i64),
}

/// Reads a script mblint wrote; panics on anything else.
fn read(script: &str) -> Script {
    assert!(script.ends_with("\r\n"), "the script does not end with CRLF");
    for (i, b) in script.bytes().enumerate() {
        assert!(
            (b' '..=b'~').contains(&b)
                || (b == b'\r' && script.as_bytes().get(i + 1) == Some(&b'\n'))
                || (b == b'\n' && i > 0 && script.as_bytes()[i - 1] == b'\r'),
            "byte {b:#x} at {i}: the script must be printable ASCII and CRLF"
        );
    }
    let lines: Vec<&str> = script.split_terminator("\r\n").collect();
    for line in &lines {
        assert!(
            line.len() <= MAX_LINE,
            "a line of {} characters: {line:.120}",
            line.len()
        );
        assert!(line.len() <= CMD_LINE_LIMIT);
    }
    let mut out = Script::default();
    assert_eq!(lines[0], CMD_GUARD);
    let mut i = 1;
    while let Some(comment) = lines[i].strip_prefix("' ") {
        out.comments.push(comment.to_string());
        i += 1;
    }
    for expected in PROLOGUE {
        assert_eq!(lines[i], *expected);
        i += 1;
    }
    assert!(
        lines[i].starts_with("WScript.Echo \"mblint: done: ") && lines[i].ends_with('"'),
        "{}",
        lines[i]
    );
    assert_eq!(&lines[i + 1..i + 4], ["WScript.Quit 0", "", "Sub Main()"]);
    // `program` only in a script that runs aspnet_regiis (checked below: RequireFile is called).
    let declares_program = match lines[i + 4] {
        "    Dim adsPath, propName, keyType, keyName, newValue, entries()" => false,
        "    Dim adsPath, propName, keyType, keyName, newValue, entries(), program" => true,
        other => panic!("the declarations: {other}"),
    };
    i += 5;

    let mut vars: HashMap<String, Var> = HashMap::new();
    let mut entries: Vec<Option<Vec<u16>>> = Vec::new();
    // Since the last call: comments and Doing lines seen.
    let (mut comments, mut doings) = (0, 0);
    let text = |vars: &HashMap<String, Var>, name: &str, line: &str| match vars.get(name) {
        Some(Var::Text(units)) => String::from_utf16(units).unwrap_or_else(|_| panic!("a lone surrogate: {line}")),
        _ => panic!("{name} is not a string here: {line}"),
    };
    let mut used: Vec<&str> = vec!["Doing"];
    loop {
        let line = lines[i];
        i += 1;
        if line == "End Sub" {
            break;
        }
        let body = line
            .strip_prefix("    ")
            .unwrap_or_else(|| panic!("not in Main: {line}"));
        if let Some(comment) = body.strip_prefix("' ") {
            out.comments.push(comment.to_string());
            comments += 1;
            continue;
        }
        if let Some(message) = body.strip_prefix("Doing ") {
            let units = expression(message, line);
            assert!(
                !message.contains("ChrW"),
                "a message shows every character as text: {line}"
            );
            out.messages.push(String::from_utf16(&units).unwrap());
            doings += 1;
            continue;
        }
        if let Some(n) = body.strip_prefix("ReDim entries(").and_then(|r| r.strip_suffix(')')) {
            entries = vec![None; n.parse::<usize>().unwrap() + 1];
            continue;
        }
        let call = match body {
            "SetValue adsPath, propName, newValue" => Some(Call::Set {
                path: text(&vars, "adsPath", line),
                name: text(&vars, "propName", line),
                value: match vars.get("newValue") {
                    Some(Var::Text(units)) => Value::Text(String::from_utf16(units).unwrap()),
                    Some(Var::Bool(b)) => Value::Bool(*b),
                    Some(Var::Number(n)) => Value::Number(*n),
                    None => panic!("no newValue: {line}"),
                },
            }),
            "SetValue adsPath, propName, entries" => Some(Call::Set {
                path: text(&vars, "adsPath", line),
                name: text(&vars, "propName", line),
                value: Value::List(
                    entries
                        .iter()
                        .map(|e| String::from_utf16(e.as_ref().expect("an entry left unset")).unwrap())
                        .collect(),
                ),
            }),
            "DeleteValue adsPath, propName" => Some(Call::Delete {
                path: text(&vars, "adsPath", line),
                name: text(&vars, "propName", line),
            }),
            "CreateKey adsPath, keyType, keyName" => Some(Call::Create {
                path: text(&vars, "adsPath", line),
                key_type: text(&vars, "keyType", line),
                name: text(&vars, "keyName", line),
            }),
            "RestartIis" => Some(Call::Restart),
            "RequireFile program" => Some(Call::Require(text(&vars, "program", line))),
            "RegisterAspNet program" => Some(Call::Register(text(&vars, "program", line))),
            _ => None,
        };
        if let Some(call) = call {
            // Each change has its comment right above it, and one progress message.
            assert!(
                comments >= 1 && doings == 1,
                "{line}: {comments} comment(s), {doings} message(s) before it"
            );
            used.push(match call {
                Call::Set { .. } => "SetValue",
                Call::Delete { .. } => "DeleteValue",
                Call::Create { .. } => "CreateKey",
                Call::Restart => "RestartIis",
                Call::Require(_) => "RequireFile",
                Call::Register(_) => "RegisterAspNet",
            });
            out.calls.push(call);
            (comments, doings) = (0, 0);
            // Values do not leak from one change into the next.
            vars.clear();
            entries.clear();
            continue;
        }
        let (target, expr) = body
            .split_once(" = ")
            .unwrap_or_else(|| panic!("a line the script must not have: {line}"));
        let (target, expr, append) = match expr.strip_prefix(&format!("{target} & ")) {
            Some(rest) => (target, rest, true),
            None => (target, expr, false),
        };
        if target == "newValue" && !append {
            match expr {
                "True" | "False" => {
                    vars.insert(target.into(), Var::Bool(expr == "True"));
                    continue;
                }
                n if n.bytes().all(|b| b.is_ascii_digit()) => {
                    vars.insert(target.into(), Var::Number(n.parse().unwrap()));
                    continue;
                }
                _ => {}
            }
        }
        let units = expression(expr, line);
        if let Some(index) = target.strip_prefix("entries(").and_then(|r| r.strip_suffix(')')) {
            let slot = &mut entries[index.parse::<usize>().unwrap()];
            match (slot.as_mut(), append) {
                (Some(old), true) => old.extend(units),
                (None, false) => *slot = Some(units),
                _ => panic!("an entry assigned twice, or appended to before it was set: {line}"),
            }
            continue;
        }
        assert!(
            ["adsPath", "propName", "keyType", "keyName", "newValue"].contains(&target)
                || (target == "program" && declares_program),
            "an assignment to {target}: {line}"
        );
        match (vars.get_mut(target), append) {
            (Some(Var::Text(old)), true) => old.extend(units),
            (_, false) => {
                vars.insert(target.into(), Var::Text(units));
            }
            _ => panic!("appended to before it was set: {line}"),
        }
    }
    assert_eq!(
        (comments, doings),
        (0, 0),
        "comments or a message with no change after them"
    );
    // Then the helpers, each once, and only those the script calls.
    let rest = lines[i..].join("\n");
    let blocks: Vec<&str> = rest
        .split("\n\n")
        .map(|b| b.trim_matches('\n'))
        .filter(|b| !b.is_empty())
        .collect();
    let mut defined = Vec::new();
    for block in &blocks {
        let (name, _) = HELPERS
            .iter()
            .find(|(_, text)| text == block)
            .unwrap_or_else(|| panic!("code the script must not have:\n{block}"));
        defined.push(*name);
    }
    used.sort_unstable();
    used.dedup();
    defined.sort_unstable();
    assert_eq!(defined, used, "helpers defined and helpers called");
    assert_eq!(
        declares_program,
        used.contains(&"RequireFile"),
        "`program` declared where unused"
    );
    out
}

/// A metabase with the given Location and extra ScriptMaps lines on a 32-bit-mode server whose maps
/// point at Framework64: the repoint fix sets that key's ScriptMaps.
fn framework64_input(dir: &Path, location: &str, extra_lines: &[&str]) -> PathBuf {
    let fw64 = r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll";
    let extra: String = extra_lines.iter().map(|l| format!("\r\n\t\t\t{l}")).collect();
    let text = format!(
        concat!(
            "\u{feff}<?xml version =\"1.0\"?>\r\n<configuration>\r\n<MBProperty>\r\n",
            "<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\r\n\t>\r\n</IIsWebService>\r\n",
            "<IIsWebVirtualDir\tLocation =\"{location}\"\r\n\t\tScriptMaps=\".aspx,{fw64},1,GET{extra}\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n",
            "<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"\r\n\t\tEnable32BitAppOnWin64=\"TRUE\"\r\n\t>\r\n</IIsApplicationPools>\r\n",
            "</MBProperty>\r\n</configuration>\r\n",
        ),
        location = location,
        fw64 = fw64,
        extra = extra,
    );
    let path = dir.join("MetaBase.xml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The repointed first entry of [`framework64_input`].
const ASPX_32: &str = r".aspx,C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll,1,GET";

/// `check --script KIND --unsafe-fixes PATH`: its standard output, having exited 1.
fn script_of(kind: &str, path: &Path) -> String {
    let out = mblint()
        .args(["check", "--script", kind, "--unsafe-fixes"])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("the script is ASCII")
}

/// The one ScriptMaps call of a script.
fn script_maps(script: &Script) -> (&str, &[String]) {
    let sets: Vec<_> = script
        .calls
        .iter()
        .filter_map(|c| match c {
            Call::Set {
                path,
                name,
                value: Value::List(list),
            } if name == "ScriptMaps" => Some((path.as_str(), list.as_slice())),
            _ => None,
        })
        .collect();
    assert_eq!(sets.len(), 1, "{:?}", script.calls);
    sets[0]
}

#[test]
fn hundreds_of_long_entries_make_no_long_line() {
    // 600 entries of 150 to 700 characters, and three of 2,000 to 9,000: as one adsutil command
    // line this list was some 260,000 characters; cmd.exe reads 8,191.
    let dir = tempfile::tempdir().unwrap();
    let mut entries: Vec<String> = (0..600)
        .map(|i| {
            let folder = format!("Vendor {i} \"Suite\"\\").repeat(1 + i % 40);
            format!(".e{i},C:\\Program Files\\{folder}isapi{i}.dll,1,GET,POST")
        })
        .collect();
    for n in [2_000, 5_000, 9_000] {
        entries.push(format!(".long{n},C:\\{}\\x.dll,1,GET", "d".repeat(n)));
    }
    let escaped: Vec<String> = entries.iter().map(|e| e.replace('"', "&quot;")).collect();
    let refs: Vec<&str> = escaped.iter().map(String::as_str).collect();
    let path = framework64_input(dir.path(), "/LM/W3SVC/1/ROOT", &refs);
    // Under its old name too: existing command lines keep working.
    let text = script_of("adsutil", &path);
    let longest = text.split("\r\n").map(str::len).max().unwrap();
    assert!(longest <= MAX_LINE, "a line of {longest} characters");
    let script = read(&text);
    let (ads_path, list) = script_maps(&script);
    assert_eq!(ads_path, "IIS://localhost/W3SVC/1/ROOT");
    assert_eq!(list[0], ASPX_32);
    assert_eq!(&list[1..], entries.as_slice(), "every entry, whole and in order");
    let total: usize = entries.iter().map(|e| e.len() + 3).sum();
    eprintln!(
        "{} entries, {total} characters of arguments; longest script line {longest}",
        entries.len() + 1
    );
    assert_eq!(
        text,
        script_of("vbs", &path),
        "--script adsutil and --script vbs print the same script"
    );
}

#[test]
fn values_ending_in_backslashes_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        r".a,C:\a.dll,1,GET\",
        r".b,C:\b.dll,1,GET\\",
        r".c,C:\c.dll,1,GET\\\",
        // A backslash before a comma (in the extension: a path ending in one is MB206's).
        r".d\,C:\d.dll,1,GET",
        r#".e,C:\e.dll,1,"GET\""#,
    ];
    let escaped: Vec<String> = entries.iter().map(|e| e.replace('"', "&quot;")).collect();
    let refs: Vec<&str> = escaped.iter().map(String::as_str).collect();
    let path = framework64_input(dir.path(), r"/LM/W3SVC/1/ROOT/a\b\\", &refs);
    let script = read(&script_of("vbs", &path));
    let (ads_path, list) = script_maps(&script);
    assert_eq!(ads_path, r"IIS://localhost/W3SVC/1/ROOT/a\b\\");
    assert_eq!(list[0], ASPX_32);
    assert_eq!(&list[1..], entries.as_slice());
}

#[test]
fn metabase_text_never_becomes_syntax() {
    let dir = tempfile::tempdir().unwrap();
    // What would be VBScript if a literal ended early, and what would be cmd.exe syntax.
    let entries = [
        r#".x," & CreateObject("WScript.Shell").Run("calc") & ",1,GET"#,
        r#".y,C:\y.dll,1,GET" : WScript.Quit 0 : x = ""#,
        r".z,C:\Tools\x&echo Y %PATH% ^| more.dll,1,GET ' rem _",
        // ActivePerl's map, which the adsutil batch could not carry.
        r#".pl,"C:\Perl\bin\perl.exe" "%s" %s,1,GET"#,
    ];
    let escaped: Vec<String> = entries
        .iter()
        .map(|e| e.replace('&', "&amp;").replace('"', "&quot;"))
        .collect();
    let refs: Vec<&str> = escaped.iter().map(String::as_str).collect();
    let location = r#"/LM/W3SVC/1/ROOT/a" & MsgBox(1) & "&echo X%PATH%|more"#;
    let path = framework64_input(
        dir.path(),
        &location.replace('&', "&amp;").replace('"', "&quot;"),
        &refs,
    );
    let text = script_of("vbs", &path);
    let script = read(&text);
    let (ads_path, list) = script_maps(&script);
    assert_eq!(
        ads_path,
        r#"IIS://localhost/W3SVC/1/ROOT/a" & MsgBox(1) & "&echo X%PATH%|more"#
    );
    assert_eq!(&list[1..], entries.as_slice());
    assert!(
        script
            .messages
            .iter()
            .any(|m| m.contains(r#"a" & MsgBox(1) & "&echo X%PATH%|more"#)),
        "{:?}",
        script.messages
    );
}

#[test]
fn control_and_bidirectional_characters_reach_the_server_exactly_and_the_reviewer_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // Every bidirectional control, the line and paragraph separators, C1 controls and TAB (as XML
    // allows them), non-ASCII and a character beyond the BMP.
    let specials = [
        '\u{202E}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{200E}',
        '\u{200F}',
        '\u{061C}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{2028}',
        '\u{2029}',
        '\u{85}',
        '\u{9B}',
        '\t',
        '\u{e9}',
        '\u{1F600}',
    ];
    let entries: Vec<String> = specials
        .iter()
        .map(|c| format!(".s{:x},C:\\evil{c}lld.exe,1,GET", *c as u32))
        .collect();
    let escaped: Vec<String> = entries.iter().map(|e| e.replace('\t', "&#9;")).collect();
    let refs: Vec<&str> = escaped.iter().map(String::as_str).collect();
    let location = "/LM/W3SVC/1/ROOT/gpj\u{202E}\u{2066}exe.\u{2069}\u{2028}x";
    let path = framework64_input(dir.path(), location, &refs);
    let text = script_of("vbs", &path);
    let script = read(&text); // ASCII only: nothing reaches an editor or a console raw
    let (ads_path, list) = script_maps(&script);
    assert_eq!(
        ads_path,
        "IIS://localhost/W3SVC/1/ROOT/gpj\u{202E}\u{2066}exe.\u{2069}\u{2028}x"
    );
    assert_eq!(&list[1..], entries.as_slice());
    // The reviewer sees each as its code point, in comments and in progress messages.
    let shown = r"gpj\u{202e}\u{2066}exe.\u{2069}\u{2028}x";
    assert!(
        script.comments.iter().any(|c| c.contains(shown)),
        "{:?}",
        script.comments
    );
    assert!(
        script.messages.iter().any(|m| m.contains(shown)),
        "{:?}",
        script.messages
    );
}

#[test]
fn a_line_break_inside_an_entry_refuses_the_whole_script() {
    let dir = tempfile::tempdir().unwrap();
    // &#10; inside one entry: MetaBase.xml reads a line break as the end of an entry.
    let path = framework64_input(dir.path(), "/LM/W3SVC/1/ROOT", &[r".y,C:\Tools\y.dll&#10;echo Z,1,GET"]);
    mblint()
        .args(["check", "--script", "vbs", "--unsafe-fixes"])
        .arg(&path)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("a line break"))
        .stderr(predicate::str::contains("ScriptMaps"))
        .stderr(predicate::str::contains("nothing was printed"));
}

#[test]
fn one_metabase_per_script() {
    let dir = tempfile::tempdir().unwrap();
    let a = framework64_input(dir.path(), "/LM/W3SVC/1/ROOT", &[r".z,C:\z.dll,1,GET"]);
    mblint()
        .args(["check", "--script", "vbs"])
        .arg(&a)
        .arg(&a)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("one metabase"));
}

#[test]
fn the_fpse_server_script_switches_last_and_restarts_after_every_change() {
    let text = script_of("vbs", Path::new("testdata/servers/fpse2002-64bit"));
    let script = read(&text);
    assert_eq!(script.calls.len(), 6, "{:?}", script.calls);
    let (ads_path, list) = script_maps(&script);
    assert_eq!(ads_path, "IIS://localhost/W3SVC");
    assert_eq!(list.len(), 13);
    assert!(
        list.iter().all(|e| !e.contains("Framework64")),
        "the new list, not the old one"
    );
    let regiis = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_regiis.exe";
    // KB894435's order: the switch, then the 32-bit Framework's registration, then the restart;
    // the program is checked before anything changes.
    assert_eq!(script.calls[0], Call::Require(regiis.into()));
    assert_eq!(
        script.calls[2],
        Call::Set {
            path: "IIS://localhost/W3SVC/AppPools".into(),
            name: "Enable32BitAppOnWin64".into(),
            value: Value::Bool(true)
        }
    );
    assert_eq!(script.calls[3], Call::Register(regiis.into()));
    assert!(matches!(&script.calls[4], Call::Set { name, .. } if name == "WebSvcExtRestrictionList"));
    assert_eq!(script.calls[5], Call::Restart);
    assert!(text.contains("WScript.Echo \"mblint: done: 4 change(s) made, IIS restarted\"\r\n"));
    insta::assert_snapshot!("script_fpse2002", text.replace("\r\n", "\n"));
}

#[test]
fn nothing_to_fix_is_a_script_that_changes_nothing() {
    let out = mblint()
        .args(["check", "--script", "vbs", "testdata/metabases/clean-64bit.xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = read(&String::from_utf8(out.stdout).unwrap());
    assert!(script.calls.is_empty());
    assert!(
        script.comments.iter().any(|c| c.ends_with(": nothing to fix.")),
        "{:?}",
        script.comments
    );
}

#[test]
fn a_missing_key_is_created_before_its_value_is_set() {
    // The FrontPage metabase without its /LM/W3SVC/AppPools key: the switch creates it.
    let original = std::fs::read_to_string("testdata/metabases/fpse2002-64bit.xml").unwrap();
    let start = original.find("<IIsApplicationPools\t").unwrap();
    let end = original.find("</IIsApplicationPools>\r\n").unwrap() + "</IIsApplicationPools>\r\n".len();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MetaBase.xml");
    std::fs::write(&path, format!("{}{}", &original[..start], &original[end..])).unwrap();
    let script = read(&script_of("vbs", &path));
    let create = script
        .calls
        .iter()
        .position(|c| matches!(c, Call::Create { .. }))
        .expect("a key is created");
    assert_eq!(
        script.calls[create],
        Call::Create {
            path: "IIS://localhost/W3SVC".into(),
            key_type: "IIsApplicationPools".into(),
            name: "AppPools".into()
        }
    );
    assert_eq!(
        script.calls[create + 1],
        Call::Set {
            path: "IIS://localhost/W3SVC/AppPools".into(),
            name: "Enable32BitAppOnWin64".into(),
            value: Value::Bool(true)
        }
    );
    assert_eq!(script.calls.last(), Some(&Call::Restart));
}

/// The restriction list as the fixed file holds it at /LM/W3SVC.
fn fixed_restriction_list(path: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("drive");
    common::copy_tree(path, &copy);
    mblint()
        .args(["check", "--fix", "--unsafe-fixes"])
        .arg(&copy)
        .assert()
        .code(0);
    let metabase = copy.join("Windows/System32/InetSrv/MetaBase.xml");
    let text = std::fs::read_to_string(metabase).unwrap();
    let start = text.find("WebSvcExtRestrictionList=\"").unwrap() + "WebSvcExtRestrictionList=\"".len();
    let end = start + text[start..].find('"').unwrap();
    text[start..end]
        .split('\n')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_switch_registers_asp_net_without_moving_maps_or_allowing_anything() {
    // KB894435 registers the target Framework's ASP.NET after the switch. The script runs its
    // aspnet_regiis with -ir: never -i (which would move every older ASP.NET application to it),
    // never -enable (which would allow it whatever the administrator chose). Then the restriction
    // list is set back to exactly what --fix writes, whatever aspnet_regiis did to it.
    let server = Path::new("testdata/servers/fpse2002-64bit");
    let text = script_of("vbs", server);
    let script = read(&text);
    assert!(
        !text.contains("-enable") || text.contains("not given -enable"),
        "{text}"
    );
    assert!(!text.contains(".exe -i\"") && !text.contains(".exe -i "), "{text}");
    let register = script
        .calls
        .iter()
        .position(|c| matches!(c, Call::Register(_)))
        .expect("aspnet_regiis runs");
    let switch = script
        .calls
        .iter()
        .position(|c| matches!(c, Call::Set { name, .. } if name == "Enable32BitAppOnWin64"))
        .unwrap();
    assert!(switch < register, "registered after the switch, as KB894435 orders it");
    let Call::Set {
        value: Value::List(list),
        path,
        ..
    } = &script.calls[register + 1]
    else {
        panic!(
            "the restriction list is not set after aspnet_regiis: {:?}",
            script.calls
        )
    };
    assert_eq!(path, "IIS://localhost/W3SVC");
    assert_eq!(*list, fixed_restriction_list(server), "the list as --fix leaves it");
    assert_eq!(script.calls.last(), Some(&Call::Restart));
}

#[test]
fn a_script_without_unsafe_fixes_says_in_its_header_what_it_leaves_out() {
    // The FrontPage server needs the switch, an unsafe fix: without --unsafe-fixes the script makes
    // no change, and says so in the file itself, not only on standard error.
    let out = mblint()
        .args(["check", "--script", "vbs", "testdata/servers/fpse2002-64bit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let script = read(&String::from_utf8(out.stdout).unwrap());
    assert!(script.calls.is_empty(), "{:?}", script.calls);
    assert!(
        script
            .comments
            .iter()
            .any(|c| c.ends_with(": nothing to fix (1 more with --unsafe-fixes).")),
        "{:?}",
        script.comments
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 more with --unsafe-fixes"));
}
