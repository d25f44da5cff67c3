//! The applied fixes as a VBScript that makes them in the live metabase through ADSI, the interface
//! adsutil.vbs itself uses, for administrators who change the running server rather than the file
//! (IIS saves its in-memory metabase over hand edits unless edit-while-running is on). Values are
//! read from the fixed file: a multi-string is set whole.
//!
//! Why a `.vbs` and not a batch of `cscript adsutil.vbs` commands: cmd.exe reads at most 8,191
//! characters of a batch-file line (KB830473), and a multi-string set whole on one adsutil command
//! line exceeds that (133 ScriptMaps entries make a 12,219-character line): the batch stops half
//! applied, or sets a cut list. A script has no command line: a list is built one entry per line in
//! a VBScript array (`ReDim`, then `entries(i) = ...`) and set with one `Put` and `SetInfo`, so no
//! line grows with the metabase. Every line is at most [`MAX_LINE`] characters.
//!
//! The metabase is input from whoever last changed the server, and the script runs on it as an
//! administrator, so no text from the metabase ever becomes VBScript syntax or reaches a console raw:
//! - the script is printable ASCII and CRLF only. WSH reads a script file in the ANSI code page
//!   unless it is UTF-16 (Eric Lippert, "Unicode output and the Windows Script Host", 2004: WSH
//!   "calls IsTextUnicode and then does whatever is necessary ... call MultiByteToWideChar"), so
//!   any other byte could reach the server as a different character;
//! - a value is a string expression: runs of printable ASCII in double quotes, a `"` written `""`
//!   (the VBScript literal rule: "To insert a double quotation mark into a string, it should be
//!   duplicated"), every other UTF-16 code unit as `ChrW(n)` ("Its argument is a Unicode (wide)
//!   character code", VBScript Chr Function, learn.microsoft.com ws6aa3sf). VBScript has no escape
//!   character, so a backslash is itself, at the end of a string too;
//! - comments and progress messages show such characters as `\u{hex}`, as the reports do: control
//!   characters, bidirectional controls and U+2028/U+2029 never reach an editor or a console;
//! - a value that cannot be set faithfully (a line break inside one entry, which MetaBase.xml reads
//!   as the end of the entry; a type mblint does not know) refuses the whole script, naming the
//!   value: never a partial script;
//! - the script stops at the first failing call, before any `iisreset`, and exits 1. It does not
//!   rely on cscript's own handling of a run-time error ("the host running the code determines the
//!   exact behavior", VBScript On Error Statement, learn.microsoft.com 53f3k80h; cscript can exit 0
//!   after one): the changes run in `Main`, which has no error handling, called from global code
//!   that has `On Error Resume Next`, so the first error ends `Main` and is reported
//!   ("control is passed back through the call stack until a procedure with error-handling enabled
//!   is found", same page).
//!
//! Saved as a `.cmd` by habit (the output of `--script adsutil` once was a batch file), its first
//! line is a VBScript comment that cmd.exe runs as: fail quietly, say what the file is, `exit /b 2`.

use super::Applied;
use crate::diagnostic::MetabaseOp;
use crate::metabase::props::{self, PropType};
use crate::metabase::schema::{Lookup, Schema};
use crate::metabase::{Metabase, SourceFile, parse};
use std::fmt::Write as _;

/// The longest line the script has, CRLF not counted. VBScript documents no limit; the classic Visual
/// Basic editor refused lines past 1,023 characters, and a reviewer reads shorter ones. Far below
/// cmd.exe's 8,191, should the file ever be read by it.
pub const MAX_LINE: usize = 1000;

/// The longest progress message (the full text is in the comment above it).
const MAX_MESSAGE: usize = 200;

const INDENT: &str = "    ";

/// The first line: a comment to VBScript; to cmd.exe, a failing command `'` (its error hidden),
/// an `echo` of what the file is, and `exit /b 2` before the second line is read.
pub const CMD_GUARD: &str = "' 2>nul & echo mblint: this file is a VBScript, not a batch file: save it as FILE.vbs and run cscript //nologo FILE.vbs & exit /b 2";

/// A value the script cannot carry faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot write the script for {name}: {what} {why}; nothing was printed. Apply the fix with --fix, or make the change in IIS Manager"
)]
pub struct Inexpressible {
    pub name: String,
    /// `the value of ScriptMaps at "/LM/W3SVC" (".pl,...")`.
    pub what: String,
    /// `holds a line break, ...`.
    pub why: &'static str,
}

const LINE_BREAK: &str = "holds a line break, which MetaBase.xml reads as the end of a list entry: the live value could differ from the file's";

/// `/LM/W3SVC/AppPools` -> `IIS://localhost/W3SVC/AppPools`: IIS://localhost is /LM (IIS ADSI
/// provider, "ADsPath IIS://MachineName/W3SVC"). `None` outside /LM.
fn ads_path(location: &str) -> Option<String> {
    let trimmed = location.trim_end_matches('/');
    let lm = trimmed.get(..3)?;
    if !lm.eq_ignore_ascii_case("/LM") {
        return None;
    }
    match &trimmed[3..] {
        "" => Some("IIS://localhost".to_string()),
        rest if rest.starts_with('/') => Some(format!("IIS://localhost{rest}")),
        _ => None,
    }
}

/// Whether a character is written as itself in the script: printable ASCII.
fn plain(c: char) -> bool {
    matches!(c, ' '..='~')
}

/// Text for a comment or a message: printable ASCII as itself, every other character (controls,
/// bidirectional controls, U+2028/U+2029, any non-ASCII) as `\u{hex}`, the reports' notation.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if plain(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    out
}

fn quote(run: &str) -> String {
    format!("\"{}\"", run.replace('"', "\"\""))
}

/// Appends `target = <value>` as lines of at most [`MAX_LINE`] characters: the first assigns, the
/// next append (`target = target & ...`). A quoted run is split wherever the line is full (never
/// between the two quotes of a `""`), a `ChrW(n)` is never split.
fn assign(out: &mut String, target: &str, value: &str) {
    let first = format!("{INDENT}{target} = ");
    let more = format!("{INDENT}{target} = {target} & ");
    let mut line = first;
    let mut empty = true;
    let flush = |out: &mut String, line: &mut String, empty: &mut bool| {
        out.push_str(line);
        out.push_str("\r\n");
        line.clone_from(&more);
        *empty = true;
    };
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        if plain(c) {
            let end = rest.find(|c| !plain(c)).unwrap_or(rest.len());
            let mut run = &rest[..end];
            rest = &rest[end..];
            while !run.is_empty() {
                let separator = if empty { 0 } else { 3 };
                let room = MAX_LINE.saturating_sub(line.len() + separator + 2);
                let mut take = 0;
                let mut width = 0;
                for b in run.bytes() {
                    let w = if b == b'"' { 2 } else { 1 };
                    if width + w > room {
                        break;
                    }
                    width += w;
                    take += 1;
                }
                // Start a new line rather than leave a sliver of a run at the end of this one.
                if !empty && (take == 0 || (take < run.len() && take < 16)) {
                    flush(out, &mut line, &mut empty);
                    continue;
                }
                if !empty {
                    line.push_str(" & ");
                }
                line.push_str(&quote(&run[..take]));
                empty = false;
                run = &run[take..];
                if !run.is_empty() {
                    flush(out, &mut line, &mut empty);
                }
            }
        } else {
            rest = &rest[c.len_utf8()..];
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let piece = format!("ChrW({unit})");
                let separator = if empty { 0 } else { 3 };
                if !empty && line.len() + separator + piece.len() > MAX_LINE {
                    flush(out, &mut line, &mut empty);
                }
                if !empty {
                    line.push_str(" & ");
                }
                line.push_str(&piece);
                empty = false;
            }
        }
    }
    if value.is_empty() {
        line.push_str("\"\"");
        empty = false;
    }
    if !empty {
        out.push_str(&line);
        out.push_str("\r\n");
    }
}

/// Appends `text` as comment lines (`' ...`) of at most [`MAX_LINE`] characters, characters shown
/// as [`shown`] says; an escape is never split, and no line ends in `_` (Visual Basic's line
/// continuation).
fn comment(out: &mut String, indent: &str, text: &str) {
    let prefix = format!("{indent}' ");
    let mut line = prefix.clone();
    let mut piece = String::new();
    for c in text.chars() {
        piece.clear();
        if plain(c) {
            piece.push(c);
        } else {
            let _ = write!(piece, "\\u{{{:x}}}", c as u32);
        }
        if line.len() + piece.len() > MAX_LINE {
            // At the last space, if there is one in the last fifth of the line (an escape has none).
            let carried = match line[prefix.len()..].rfind(' ') {
                Some(space) if prefix.len() + space > MAX_LINE * 4 / 5 => {
                    let tail = line[prefix.len() + space + 1..].to_string();
                    line.truncate(prefix.len() + space);
                    tail
                }
                _ => String::new(),
            };
            end_comment_line(out, &mut line);
            line.clone_from(&prefix);
            line.push_str(&carried);
        }
        line.push_str(&piece);
    }
    end_comment_line(out, &mut line);
}

fn end_comment_line(out: &mut String, line: &mut String) {
    if line.ends_with('_') {
        line.pop();
        line.push_str("\\u{5f}");
    }
    out.push_str(line);
    out.push_str("\r\n");
}

/// `Doing "..."`: the progress line, and what the failure message names.
fn doing(out: &mut String, what: &str) {
    let mut text = shown(what);
    if text.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE - 3;
        // Not inside an escape: cut before its backslash.
        if let Some(open) = text[..cut].rfind("\\u{")
            && !text[open..cut].contains('}')
        {
            cut = open;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    let _ = write!(out, "{INDENT}Doing {}\r\n", quote(&text));
}

/// Which helper procedures the script calls.
#[derive(Default)]
struct Uses {
    set: bool,
    delete: bool,
    create: bool,
    restart: bool,
    /// `RequireFile` and `RegisterAspNet`: an `aspnet_regiis.exe -ir` runs.
    register: bool,
}

/// The VBScript for `applied`, given the fixed file's text; refused whole if any value cannot be
/// carried. `summary` is the fixer's account of what the fixes do ([`Fixed::summary`](super::Fixed::summary),
/// the words `--fix` prints).
pub fn vbscript(name: &str, summary: &str, fixed_text: &str, applied: &[Applied]) -> Result<String, Inexpressible> {
    let fixed: Option<Metabase> = parse(SourceFile::from_text(name, fixed_text)).ok();
    let mut main = String::new();
    let mut uses = Uses::default();
    let mut changes = 0usize;
    let mut seen: Vec<&MetabaseOp> = Vec::new();
    for a in applied {
        let ops: Vec<&MetabaseOp> = a.fix.ops.iter().filter(|op| !seen.contains(op)).collect();
        uses.restart |= a.fix.restart;
        let about = format!(
            "{} at {}: {}",
            a.code,
            a.location.as_deref().unwrap_or("?"),
            a.fix.message
        );
        if ops.is_empty() {
            comment(&mut main, INDENT, &about);
            comment(&mut main, INDENT, "  (its changes are made above)");
            continue;
        }
        for (i, op) in ops.into_iter().enumerate() {
            seen.push(op);
            // Each comment stands right above its own change.
            if i == 0 {
                comment(&mut main, INDENT, &about);
            } else {
                comment(&mut main, INDENT, &format!("  and: {}", describe(op)));
            }
            change(&mut main, &mut uses, name, op, fixed.as_ref())?;
            changes += 1;
        }
    }
    let programs = registrations(name, applied.iter().flat_map(|a| &a.fix.registrations))?;
    if !programs.is_empty() {
        uses.register = true;
        // Checked before any change: a server without that Framework is told so with nothing changed.
        let mut checks = String::new();
        for program in &programs {
            comment(
                &mut checks,
                INDENT,
                "ASP.NET is registered for the new worker bitness after the changes (KB894435): first, check that this Framework is installed.",
            );
            doing(&mut checks, &format!("check that {program} exists"));
            assign(&mut checks, "program", program);
            checks.push_str(&format!("{INDENT}RequireFile program\r\n"));
        }
        main.insert_str(0, &checks);
        for program in &programs {
            comment(
                &mut main,
                INDENT,
                "Register this Framework's ASP.NET with IIS for the new worker bitness (KB894435), with -ir: it changes no script map (-i would move every application of an older ASP.NET to it) and is not given -enable (which would allow it in Web Service Extensions whatever the administrator chose).",
            );
            doing(&mut main, &format!("register ASP.NET: {program} -ir"));
            assign(&mut main, "program", program);
            main.push_str(&format!("{INDENT}RegisterAspNet program\r\n"));
            changes += 1;
        }
        // What aspnet_regiis -ir writes in the restriction list is not documented: the list is put
        // back as the fix leaves it, so nothing is allowed that the administrator prohibited.
        let list = MetabaseOp::Set {
            location: "/LM/W3SVC".into(),
            property: "WebSvcExtRestrictionList".into(),
        };
        let has_list = fixed.as_ref().is_some_and(|mb| {
            mb.find("/LM/W3SVC").is_some_and(|key| {
                mb.key(key)
                    .attrs
                    .clone()
                    .any(|a| mb.attr_name(a).eq_ignore_ascii_case("WebSvcExtRestrictionList"))
            })
        });
        if has_list {
            comment(
                &mut main,
                INDENT,
                "Put WebSvcExtRestrictionList back as this fix leaves it: aspnet_regiis may have added or changed its Framework's entry, and nothing may be allowed that was prohibited.",
            );
            change(&mut main, &mut uses, name, &list, fixed.as_ref())?;
            changes += 1;
        }
    }
    if uses.restart {
        comment(
            &mut main,
            INDENT,
            "Restart IIS for the change of worker processes to take effect.",
        );
        doing(&mut main, "restart IIS (iisreset)");
        main.push_str(&format!("{INDENT}RestartIis\r\n"));
    }

    let mut out = String::with_capacity(main.len() + 2048);
    out.push_str(CMD_GUARD);
    out.push_str("\r\n");
    comment(&mut out, "", &format!("mblint: {name}: {summary}."));
    out.push_str(concat!(
        "' It makes the changes in the live metabase through ADSI, the interface adsutil.vbs uses.\r\n",
        "' Review it, then run it as an administrator on the IIS server: cscript //nologo FILE.vbs\r\n",
        "' It stops at the first change that fails, before any restart of IIS.\r\n",
        "' Exit code: 0 every change made, 1 a change failed (those before it were made), 2 not run.\r\n",
        "Option Explicit\r\n",
        "Dim doingNow\r\n",
        "doingNow = \"start\"\r\n",
        "If LCase(Right(WScript.FullName, 12)) <> \"\\cscript.exe\" Then\r\n",
        "    WScript.Echo \"mblint: run this script with cscript //nologo FILE.vbs\"\r\n",
        "    WScript.Quit 2\r\n",
        "End If\r\n",
        "On Error Resume Next\r\n",
        "Main\r\n",
        "If Err.Number <> 0 Then\r\n",
        "    WScript.StdErr.WriteLine \"mblint: could not \" & doingNow & \": error 0x\" & Hex(Err.Number) & \" \" & Err.Description\r\n",
        "    WScript.StdErr.WriteLine \"mblint: the changes after it were not made; those before it were.\"\r\n",
        "    WScript.Quit 1\r\n",
        "End If\r\n",
    ));
    let _ = write!(
        out,
        "WScript.Echo \"mblint: done: {changes} change(s) made{}\"\r\nWScript.Quit 0\r\n\r\n",
        if uses.restart { ", IIS restarted" } else { "" }
    );
    out.push_str("Sub Main()\r\n");
    out.push_str(&format!(
        "{INDENT}Dim adsPath, propName, keyType, keyName, newValue, entries(){}\r\n",
        if uses.register { ", program" } else { "" }
    ));
    out.push_str(&main);
    out.push_str("End Sub\r\n\r\n");
    out.push_str(concat!(
        "Sub Doing(what)\r\n",
        "    doingNow = what\r\n",
        "    WScript.Echo \"mblint: \" & what\r\n",
        "End Sub\r\n",
    ));
    if uses.set {
        out.push_str(concat!(
            "\r\n",
            "Sub SetValue(adsPath, propName, newValue)\r\n",
            "    Dim key\r\n",
            "    Set key = GetObject(adsPath)\r\n",
            "    key.Put propName, newValue\r\n",
            "    key.SetInfo\r\n",
            "End Sub\r\n",
        ));
    }
    if uses.delete {
        out.push_str(concat!(
            "\r\n",
            "' PutEx 1 (ADS_PROPERTY_CLEAR) removes the property from the key, so that it inherits.\r\n",
            "Sub DeleteValue(adsPath, propName)\r\n",
            "    Dim key\r\n",
            "    Set key = GetObject(adsPath)\r\n",
            "    key.PutEx 1, propName, \"\"\r\n",
            "    key.SetInfo\r\n",
            "End Sub\r\n",
        ));
    }
    if uses.create {
        out.push_str(concat!(
            "\r\n",
            "Sub CreateKey(adsPath, keyType, keyName)\r\n",
            "    Dim key\r\n",
            "    Set key = GetObject(adsPath).Create(keyType, keyName)\r\n",
            "    key.SetInfo\r\n",
            "End Sub\r\n",
        ));
    }
    if uses.register {
        out.push_str(concat!(
            "\r\n",
            "Sub RequireFile(program)\r\n",
            "    If Not CreateObject(\"Scripting.FileSystemObject\").FileExists(program) Then Err.Raise vbObjectError + 2, \"mblint\", program & \" is not on this server\"\r\n",
            "End Sub\r\n",
            "\r\n",
            "Sub RegisterAspNet(program)\r\n",
            "    Dim run\r\n",
            "    Set run = CreateObject(\"WScript.Shell\").Exec(\"\"\"\" & program & \"\"\" -ir\")\r\n",
            "    Do While Not run.StdOut.AtEndOfStream\r\n",
            "        WScript.Echo run.StdOut.ReadLine\r\n",
            "    Loop\r\n",
            "    Do While run.Status = 0\r\n",
            "        WScript.Sleep 100\r\n",
            "    Loop\r\n",
            "    If run.ExitCode <> 0 Then Err.Raise vbObjectError + 1, \"aspnet_regiis\", program & \" -ir exited with code \" & run.ExitCode\r\n",
            "End Sub\r\n",
        ));
    }
    if uses.restart {
        out.push_str(concat!(
            "\r\n",
            "Sub RestartIis()\r\n",
            "    Dim run\r\n",
            "    Set run = CreateObject(\"WScript.Shell\").Exec(\"iisreset\")\r\n",
            "    Do While Not run.StdOut.AtEndOfStream\r\n",
            "        WScript.Echo run.StdOut.ReadLine\r\n",
            "    Loop\r\n",
            "    Do While run.Status = 0\r\n",
            "        WScript.Sleep 100\r\n",
            "    Loop\r\n",
            "    If run.ExitCode <> 0 Then Err.Raise vbObjectError + 1, \"iisreset\", \"iisreset exited with code \" & run.ExitCode\r\n",
            "End Sub\r\n",
        ));
    }
    Ok(out)
}

/// The `aspnet_regiis.exe` programs the applied fixes need run, each once (compared without case).
/// A program path becomes part of a command line on the server, so it must be a plain Windows path
/// to `aspnet_regiis.exe` (letters, digits, space, `\\ : . _ - ( )`): anything else (`"`, `%`, `&`)
/// refuses the script.
fn registrations<'a>(name: &str, wanted: impl Iterator<Item = &'a String>) -> Result<Vec<String>, Inexpressible> {
    let mut programs: Vec<String> = Vec::new();
    for program in wanted {
        let plain_path = program.len() > 3
            && program.as_bytes()[1] == b':'
            && program.as_bytes()[2] == b'\\'
            && program.to_ascii_lowercase().ends_with("\\aspnet_regiis.exe")
            && program
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " \\:._-()".contains(c));
        if !plain_path {
            return Err(refuse(
                name,
                format!("the program {}", shown(program)),
                "is not a plain path to aspnet_regiis.exe, so it is not put on a command line",
            ));
        }
        if !programs.iter().any(|p| p.eq_ignore_ascii_case(program)) {
            programs.push(program.clone());
        }
    }
    Ok(programs)
}

fn describe(op: &MetabaseOp) -> String {
    match op {
        MetabaseOp::CreateKey { location, key_type } => format!("create {location} ({key_type})"),
        MetabaseOp::Delete { location, property } => format!("delete {property} at {location}"),
        MetabaseOp::Set { location, property } => format!("set {property} at {location}"),
    }
}

/// The schema type of a property, from mblint's tables; `None` for one they do not hold.
fn property_type(property: &str) -> Option<PropType> {
    props::by_name(property).map(|p| p.ty).or_else(|| {
        let schema = Schema::builtin();
        match schema.lookup(property) {
            Lookup::Exact(i) | Lookup::Case(i) => Some(schema.property(i).ty),
            Lookup::Unknown => None,
        }
    })
}

fn refuse(name: &str, what: String, why: &'static str) -> Inexpressible {
    Inexpressible {
        name: name.to_string(),
        what,
        why,
    }
}

/// The statements that make one change, after its `Doing` line.
fn change(
    out: &mut String,
    uses: &mut Uses,
    name: &str,
    op: &MetabaseOp,
    fixed: Option<&Metabase>,
) -> Result<(), Inexpressible> {
    let location = match op {
        MetabaseOp::CreateKey { location, .. }
        | MetabaseOp::Delete { location, .. }
        | MetabaseOp::Set { location, .. } => location,
    };
    let path = ads_path(location).ok_or_else(|| {
        refuse(
            name,
            format!("the Location {location:?}"),
            "is not under /LM, where ADSI's IIS://localhost paths lead",
        )
    })?;
    match op {
        MetabaseOp::CreateKey { key_type, .. } => {
            let (parent, child) = path
                .rsplit_once('/')
                .filter(|(parent, _)| parent.len() >= "IIS://localhost".len())
                .ok_or_else(|| {
                    refuse(
                        name,
                        format!("the Location {location:?}"),
                        "is /LM itself, which cannot be created",
                    )
                })?;
            doing(out, &describe(op));
            assign(out, "adsPath", parent);
            assign(out, "keyType", key_type);
            assign(out, "keyName", child);
            out.push_str(&format!("{INDENT}CreateKey adsPath, keyType, keyName\r\n"));
            uses.create = true;
        }
        MetabaseOp::Delete { property, .. } => {
            doing(out, &describe(op));
            assign(out, "adsPath", &path);
            assign(out, "propName", property);
            out.push_str(&format!("{INDENT}DeleteValue adsPath, propName\r\n"));
            uses.delete = true;
        }
        MetabaseOp::Set { property, .. } => {
            let ty = property_type(property).ok_or_else(|| {
                refuse(
                    name,
                    format!("the property {property:?} at {location:?}"),
                    "is of a type mblint's property tables do not give",
                )
            })?;
            let attr = fixed.and_then(|mb| {
                let key = mb.find(location)?;
                let attr = mb
                    .key(key)
                    .attrs
                    .clone()
                    .find(|&a| mb.attr_name(a).eq_ignore_ascii_case(property))?;
                Some((mb, attr))
            });
            let Some((mb, attr)) = attr else {
                return Err(refuse(
                    name,
                    format!("the new value of {property} at {location:?}"),
                    "is nothing mblint could read back from the fixed file",
                ));
            };
            let what = |value: &str| format!("the value of {property} at {location:?} ({value:?})");
            if ty == PropType::MultiSz {
                let entries: Vec<String> = mb
                    .attr_lines(attr)
                    .map(|l| l.text().into_owned())
                    .filter(|l| !l.is_empty())
                    .collect();
                if entries.is_empty() {
                    return Err(refuse(
                        name,
                        format!("the new value of {property} at {location:?}"),
                        "is an empty list, which ADSI is not documented to set",
                    ));
                }
                if let Some(bad) = entries.iter().find(|e| e.contains(['\r', '\n'])) {
                    return Err(refuse(name, what(bad), LINE_BREAK));
                }
                doing(out, &format!("{} ({} entries)", describe(op), entries.len()));
                assign(out, "adsPath", &path);
                assign(out, "propName", property);
                out.push_str(&format!("{INDENT}ReDim entries({})\r\n", entries.len() - 1));
                for (i, entry) in entries.iter().enumerate() {
                    assign(out, &format!("entries({i})"), entry);
                }
                out.push_str(&format!("{INDENT}SetValue adsPath, propName, entries\r\n"));
            } else {
                let value = mb.attr_value(attr);
                if value.contains(['\r', '\n']) {
                    return Err(refuse(name, what(&value), LINE_BREAK));
                }
                doing(out, &describe(op));
                assign(out, "adsPath", &path);
                assign(out, "propName", property);
                match ty {
                    PropType::Bool => {
                        let on = props::parse_bool(&value)
                            .ok_or_else(|| refuse(name, what(&value), "is not a boolean (TRUE, FALSE or a number)"))?;
                        let _ = write!(out, "{INDENT}newValue = {}\r\n", if on { "True" } else { "False" });
                    }
                    PropType::Dword => {
                        let n = value.trim().parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                            refuse(
                                name,
                                what(&value),
                                "is not a decimal number from 0 to 2147483647 (flag names are not converted)",
                            )
                        })?;
                        let _ = write!(out, "{INDENT}newValue = {n}\r\n");
                    }
                    PropType::String | PropType::ExpandSz | PropType::MultiSz => assign(out, "newValue", &value),
                    PropType::Binary | PropType::NtAcl | PropType::IpSecList | PropType::MimeMap | PropType::Other => {
                        return Err(refuse(
                            name,
                            what(&value),
                            "is of a type the script does not write (binary, a security descriptor, an IP list or a MIME map)",
                        ));
                    }
                }
                out.push_str(&format!("{INDENT}SetValue adsPath, propName, newValue\r\n"));
            }
            uses.set = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code points that reorder or break what an editor shows (report/escape.rs's list).
    const BIDI_AND_SEPARATORS: &[char] = &[
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
        '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
    ];

    /// The expression [`assign`] writes for a short value, which must fit one line.
    fn literal(value: &str) -> String {
        let mut out = String::new();
        assign(&mut out, "newValue", value);
        let line = out.strip_suffix("\r\n").unwrap();
        assert!(!line.contains("\r\n"), "more than one line: {out}");
        line.strip_prefix("    newValue = ").unwrap().to_string()
    }

    #[test]
    fn ads_paths_are_under_lm() {
        assert_eq!(
            ads_path("/LM/W3SVC/AppPools").as_deref(),
            Some("IIS://localhost/W3SVC/AppPools")
        );
        assert_eq!(
            ads_path("/lm/w3svc/1/ROOT/").as_deref(),
            Some("IIS://localhost/w3svc/1/ROOT")
        );
        assert_eq!(ads_path("/LM").as_deref(), Some("IIS://localhost"));
        assert_eq!(ads_path("/LMX/W3SVC"), None);
        assert_eq!(ads_path("."), None);
        assert_eq!(ads_path("/"), None);
    }

    #[test]
    fn literals_follow_the_vbscript_rules() {
        assert_eq!(literal(""), "\"\"");
        assert_eq!(literal("C:\\a.dll"), "\"C:\\a.dll\"");
        // No escape character: a trailing backslash is itself, however many.
        assert_eq!(literal("C:\\dir\\"), "\"C:\\dir\\\"");
        assert_eq!(literal("C:\\dir\\\\"), "\"C:\\dir\\\\\"");
        assert_eq!(literal("C:\\dir\\\\\\"), "\"C:\\dir\\\\\\\"");
        assert_eq!(literal("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(literal("\" & Run(\"x\") & \""), "\"\"\" & Run(\"\"x\"\") & \"\"\"");
        assert_eq!(literal("a\u{1b}]0;x\u{7}"), "\"a\" & ChrW(27) & \"]0;x\" & ChrW(7)");
        assert_eq!(literal("caf\u{e9}"), "\"caf\" & ChrW(233)");
        // Beyond the BMP: its two UTF-16 code units.
        assert_eq!(literal("\u{1F600}"), "ChrW(55357) & ChrW(56832)");
        assert_eq!(literal("\t"), "ChrW(9)");
    }

    #[test]
    fn every_bidirectional_control_and_separator_is_escaped_in_values_comments_and_messages() {
        for &c in BIDI_AND_SEPARATORS {
            let text = format!("evil{c}lld.exe");
            let unit = c as u32;
            assert_eq!(
                literal(&text),
                format!("\"evil\" & ChrW({unit}) & \"lld.exe\""),
                "{unit:x}"
            );
            let mut out = String::new();
            comment(&mut out, "", &format!("at /LM/W3SVC/{text}"));
            assert_eq!(out, format!("' at /LM/W3SVC/evil\\u{{{unit:x}}}lld.exe\r\n"));
            let mut out = String::new();
            doing(&mut out, &text);
            assert_eq!(out, format!("    Doing \"evil\\u{{{unit:x}}}lld.exe\"\r\n"));
            assert!(!out.contains(c));
        }
    }

    #[test]
    fn comments_carry_no_line_break_and_no_continuation() {
        let mut out = String::new();
        comment(&mut out, "", "a\r\nMsgBox 1\u{85}b\u{2028}c");
        assert_eq!(out, "' a\\u{d}\\u{a}MsgBox 1\\u{85}b\\u{2028}c\r\n");
        let mut out = String::new();
        comment(&mut out, "", "ends in _");
        assert_eq!(out, "' ends in \\u{5f}\r\n");
        let mut out = String::new();
        comment(&mut out, "    ", &"\u{202e}".repeat(400));
        for line in out.split_terminator("\r\n") {
            assert!(line.len() <= MAX_LINE && line.starts_with("    ' "), "{line}");
            assert!(line.ends_with('}'), "an escape split: {line}");
        }
        assert_eq!(out.matches("\\u{202e}").count(), 400);
        // Words are wrapped whole.
        let mut out = String::new();
        comment(&mut out, "    ", &"aspnet_regiis.exe ".repeat(120));
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 3, "{out}");
        for line in &lines {
            assert!(line.len() <= MAX_LINE);
            assert!(line.trim_end().ends_with("aspnet_regiis.exe"), "{line}");
        }
        assert_eq!(out.matches("aspnet_regiis.exe").count(), 120);
    }

    #[test]
    fn long_values_become_bounded_lines_that_join_to_the_value() {
        let value = format!("{}\"{}\u{202e}{}", "x".repeat(2500), "\"".repeat(700), "y".repeat(10));
        let mut out = String::new();
        assign(&mut out, "entries(12)", &value);
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(lines.len() > 3, "{out}");
        assert!(lines[0].starts_with("    entries(12) = \""));
        for line in &lines[1..] {
            assert!(line.starts_with("    entries(12) = entries(12) & "), "{line}");
        }
        for line in &lines {
            assert!(line.len() <= MAX_LINE, "{} characters", line.len());
        }
        // Joined: the same pieces as one literal.
        let joined: Vec<&str> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l.trim_start_matches("    entries(12) = ")
                } else {
                    l.trim_start_matches("    entries(12) = entries(12) & ")
                }
            })
            .collect();
        assert_eq!(unquote_all(&joined.join(" & ")), value);
    }

    /// Evaluates an expression [`assign`] writes (tests/script.rs has the reader of whole scripts).
    fn unquote_all(expr: &str) -> String {
        let mut out = String::new();
        let mut units: Vec<u16> = Vec::new();
        let mut rest = expr;
        loop {
            if let Some(r) = rest.strip_prefix('"') {
                let mut i = 0;
                let b = r.as_bytes();
                loop {
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
                let close = r.find(')').unwrap();
                units.push(r[..close].parse().unwrap());
                rest = &r[close + 1..];
            } else {
                panic!("not an expression: {rest}");
            }
            match rest.strip_prefix(" & ") {
                Some(r) => rest = r,
                None => break,
            }
        }
        assert!(rest.is_empty(), "{rest}");
        out.push_str(&String::from_utf16(&units).unwrap());
        out
    }

    #[test]
    fn long_messages_are_cut_outside_an_escape() {
        let mut out = String::new();
        doing(&mut out, &format!("{}\u{202e}{}", "a".repeat(190), "b".repeat(50)));
        assert_eq!(out, format!("    Doing \"{}...\"\r\n", "a".repeat(190)));
    }

    /// The lines [`assign`] writes for `value` to `v`.
    fn assigned(value: &str) -> Vec<String> {
        let mut out = String::new();
        assign(&mut out, "v", value);
        out.split_terminator("\r\n").map(str::to_string).collect()
    }

    fn quoted(c: &str, n: usize) -> String {
        format!("\"{}\"", c.repeat(n))
    }

    #[test]
    fn a_value_fills_each_line_to_the_limit_and_leaves_no_sliver_of_a_run() {
        // A line is filled to exactly MAX_LINE characters, the first and those after a `ChrW`.
        let got = assigned(&"x".repeat(2500));
        assert_eq!(got[0], format!("    v = {}", quoted("x", 990)));
        assert_eq!(got[0].len(), MAX_LINE);
        let got = assigned(&format!("{}\u{1}{}", "x".repeat(900), "y".repeat(200)));
        assert_eq!(
            got,
            [
                format!("    v = {} & ChrW(1) & {}", quoted("x", 900), quoted("y", 75)),
                format!("    v = v & {}", quoted("y", 125)),
            ]
        );
        assert_eq!(got[0].len(), MAX_LINE);
        // Room for 16 characters of a run: the run is split there.
        let got = assigned(&format!("{}\u{1}{}", "x".repeat(959), "y".repeat(50)));
        assert_eq!(
            got,
            [
                format!("    v = {} & ChrW(1) & {}", quoted("x", 959), quoted("y", 16)),
                format!("    v = v & {}", quoted("y", 34)),
            ]
        );
        assert_eq!(got[0].len(), MAX_LINE);
        // Room for fewer: the run starts the next line whole rather than leave a sliver.
        let got = assigned(&format!("{}\u{1}{}", "x".repeat(970), "y".repeat(50)));
        assert_eq!(
            got,
            [
                format!("    v = {} & ChrW(1)", quoted("x", 970)),
                format!("    v = v & {}", quoted("y", 50)),
            ]
        );
        // A short run that fits whole stays on its line.
        let got = assigned(&format!("{}\u{1}{}", "x".repeat(970), "y".repeat(4)));
        assert_eq!(
            got,
            [format!("    v = {} & ChrW(1) & {}", quoted("x", 970), quoted("y", 4))]
        );
    }

    #[test]
    fn a_chrw_that_does_not_fit_starts_the_next_line() {
        // It fits exactly.
        let got = assigned(&format!("{}\u{1}", "x".repeat(980)));
        assert_eq!(got, [format!("    v = {} & ChrW(1)", quoted("x", 980))]);
        assert_eq!(got[0].len(), MAX_LINE);
        // It would not.
        let got = assigned(&format!("{}\u{1}", "x".repeat(985)));
        assert_eq!(
            got,
            [
                format!("    v = {}", quoted("x", 985)),
                "    v = v & ChrW(1)".to_string()
            ]
        );
    }

    #[test]
    fn comments_fill_lines_to_the_limit_and_wrap_at_a_space_only_in_the_last_fifth() {
        let lines = |text: &str| {
            let mut out = String::new();
            comment(&mut out, "", text);
            out.split_terminator("\r\n").map(str::to_string).collect::<Vec<_>>()
        };
        // No space: cut at the limit exactly.
        assert_eq!(
            lines(&"x".repeat(1500)),
            [format!("' {}", "x".repeat(998)), format!("' {}", "x".repeat(502))]
        );
        // A space before the last fifth of the line is not where it breaks (the line is full).
        assert_eq!(
            lines(&format!("{} {}", "x".repeat(100), "y".repeat(1000))),
            [
                format!("' {} {}", "x".repeat(100), "y".repeat(897)),
                format!("' {}", "y".repeat(103))
            ]
        );
        // Nor one that ends the first four fifths (column 800 counting the "' ").
        assert_eq!(
            lines(&format!("{} {}", "x".repeat(798), "y".repeat(1000))),
            [
                format!("' {} {}", "x".repeat(798), "y".repeat(199)),
                format!("' {}", "y".repeat(801))
            ]
        );
        // One in the last fifth is: the line ends before it, the next starts with the word after it.
        assert_eq!(
            lines(&format!("{} {}", "x".repeat(799), "y".repeat(1000))),
            [
                format!("' {}", "x".repeat(799)),
                format!("' {}", "y".repeat(998)),
                "' yy".to_string()
            ]
        );
    }

    #[test]
    fn a_message_of_the_longest_length_is_shown_whole() {
        let mut out = String::new();
        doing(&mut out, &"a".repeat(MAX_MESSAGE));
        assert_eq!(out, format!("    Doing \"{}\"\r\n", "a".repeat(MAX_MESSAGE)));
        let mut out = String::new();
        doing(&mut out, &"a".repeat(MAX_MESSAGE + 1));
        assert_eq!(out, format!("    Doing \"{}...\"\r\n", "a".repeat(MAX_MESSAGE - 3)));
    }

    /// The statements for one operation on a key at /LM/W3SVC holding `attrs`.
    fn change_of(attrs: &str, op: MetabaseOp) -> Result<String, Inexpressible> {
        let text = format!(
            "<configuration>\r\n<MBProperty>\r\n<IIsWebService\tLocation =\"/LM/W3SVC\"\r\n{attrs}\t>\r\n</IIsWebService>\r\n</MBProperty>\r\n</configuration>\r\n"
        );
        let mb = parse(SourceFile::from_text("t.xml", &text)).unwrap();
        let mut out = String::new();
        change(&mut out, &mut Uses::default(), "t.xml", &op, Some(&mb))?;
        Ok(out)
    }

    fn set(location: &str, property: &str) -> MetabaseOp {
        MetabaseOp::Set {
            location: location.into(),
            property: property.into(),
        }
    }

    #[test]
    fn values_are_typed_by_the_schema() {
        let out = change_of("\t\tAccessFlags=\"513\"\r\n", set("/LM/W3SVC", "AccessFlags")).unwrap();
        assert!(
            out.contains("    newValue = 513\r\n    SetValue adsPath, propName, newValue\r\n"),
            "{out}"
        );
        let out = change_of(
            "\t\tIIs5IsolationModeEnabled=\"0\"\r\n",
            set("/LM/W3SVC", "IIs5IsolationModeEnabled"),
        )
        .unwrap();
        assert!(out.contains("    newValue = False\r\n"), "{out}");
        let out = change_of(
            "\t\tHcCompressionDll=\"%windir%\\gzip.dll\"\r\n",
            set("/LM/W3SVC", "HcCompressionDll"),
        )
        .unwrap();
        assert!(out.contains("    newValue = \"%windir%\\gzip.dll\"\r\n"), "{out}");
        let out = change_of(
            "\t\tInProcessIsapiApps=\"C:\\a.dll\r\n\t\t\tC:\\b &amp; c.dll\"\r\n",
            set("/LM/W3SVC", "InProcessIsapiApps"),
        )
        .unwrap();
        assert!(
            out.contains(
                "    ReDim entries(1)\r\n    entries(0) = \"C:\\a.dll\"\r\n    entries(1) = \"C:\\b & c.dll\"\r\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn what_cannot_be_set_faithfully_is_refused_with_its_reason() {
        let why = |attrs: &str, op: MetabaseOp| change_of(attrs, op).unwrap_err().why;
        assert!(why("", set("/Schema/x", "ScriptMaps")).contains("not under /LM"));
        assert!(why("", set("/LMX", "ScriptMaps")).contains("not under /LM"));
        assert!(why("\t\tNoSuch=\"1\"\r\n", set("/LM/W3SVC", "NoSuch")).contains("type"));
        assert!(why("", set("/LM/W3SVC", "ScriptMaps")).contains("read back"));
        assert!(why("\t\tScriptMaps=\"\"\r\n", set("/LM/W3SVC", "ScriptMaps")).contains("empty list"));
        assert!(
            why(
                "\t\tAccessFlags=\"AccessRead | AccessScript\"\r\n",
                set("/LM/W3SVC", "AccessFlags")
            )
            .contains("decimal")
        );
        assert!(why("\t\tAccessFlags=\"4294967295\"\r\n", set("/LM/W3SVC", "AccessFlags")).contains("decimal"));
        assert!(
            why(
                "\t\tIIs5IsolationModeEnabled=\"yes\"\r\n",
                set("/LM/W3SVC", "IIs5IsolationModeEnabled")
            )
            .contains("boolean")
        );
        assert_eq!(
            why(
                "\t\tHcCompressionDll=\"a&#13;&#10;b.dll\"\r\n",
                set("/LM/W3SVC", "HcCompressionDll")
            ),
            LINE_BREAK
        );
        assert_eq!(
            why("\t\tScriptMaps=\".a,b&#10;c,1\"\r\n", set("/LM/W3SVC", "ScriptMaps")),
            LINE_BREAK
        );
        let create = MetabaseOp::CreateKey {
            location: "/LM".into(),
            key_type: "IIsComputer".into(),
        };
        assert!(why("", create).contains("cannot be created"));
    }

    #[test]
    fn only_a_plain_path_to_aspnet_regiis_reaches_a_command_line() {
        let one = |p: &str| registrations("m", [p.to_string()].iter());
        let good = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_regiis.exe";
        assert_eq!(one(good).unwrap(), vec![good.to_string()]);
        assert_eq!(one(r"D:\WIN (2003)\aspnet_regiis.EXE").unwrap().len(), 1);
        for bad in [
            r#"C:\WINDOWS\x" & calc & "\aspnet_regiis.exe"#,
            r"C:\%windir%\aspnet_regiis.exe",
            r"C:\WINDOWS\a&b\aspnet_regiis.exe",
            r"C:\WINDOWS\calc.exe",
            r"\\server\share\aspnet_regiis.exe",
            r"aspnet_regiis.exe",
            "C:\\WINDOWS\\\u{202e}\\aspnet_regiis.exe",
        ] {
            let e = one(bad).unwrap_err();
            assert!(e.why.contains("not a plain path"), "{bad}: {e}");
        }
        // Each program once, compared without case.
        let twice = [good.to_string(), good.to_uppercase()];
        assert_eq!(registrations("m", twice.iter()).unwrap().len(), 1);
    }

    #[test]
    fn the_cmd_guard_is_a_comment_with_no_other_cmd_syntax() {
        assert!(CMD_GUARD.starts_with("' 2>nul & echo "));
        assert!(CMD_GUARD.ends_with(" & exit /b 2"));
        let echoed = &CMD_GUARD["' 2>nul & echo ".len()..CMD_GUARD.len() - " & exit /b 2".len()];
        assert!(
            !echoed.contains(['&', '|', '<', '>', '^', '%', '"', '(', ')']),
            "{echoed}"
        );
        assert!(CMD_GUARD.len() < 200);
    }
}
