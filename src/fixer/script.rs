//! The applied fixes as a batch of `cscript adsutil.vbs` commands, for administrators who change the
//! live metabase rather than the file (IIS saves its in-memory metabase over hand edits unless
//! edit-while-running is on). Values are read from the fixed file: a multi-string is set whole.
//!
//! The metabase is input from whoever last changed the server, and the script runs on it as an
//! administrator, so no text from the metabase ever reaches cmd.exe as syntax:
//! - every argument of every command is one double-quoted token, `%` doubled, delayed expansion off;
//! - a value that cannot be written that way (a `"`, a line break or another control character)
//!   refuses the whole script, naming the value: never a partial script;
//! - `rem` lines carry only characters cmd.exe gives no meaning to in a comment;
//! - the batch stops at the first command that fails, before any `iisreset`.

use super::Applied;
use crate::diagnostic::MetabaseOp;
use crate::metabase::{Metabase, SourceFile, parse};

const ADSUTIL: &str = "cscript //nologo \"%SystemDrive%\\Inetpub\\AdminScripts\\adsutil.vbs\"";
/// After each command: stop the batch if it failed.
const STOP_ON_FAILURE: &str = "if errorlevel 1 goto failed\r\n";

/// A value the script cannot carry safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot write an adsutil script for {name}: {what} holds {why}, which no cmd.exe argument can carry safely; nothing was printed. Apply the fix with --fix, or set the value in IIS Manager"
)]
pub struct Inexpressible {
    pub name: String,
    /// `the value of ScriptMaps at /LM/W3SVC (".pl,...")`.
    pub what: String,
    pub why: &'static str,
}

/// `/LM/W3SVC/AppPools` -> `W3SVC/AppPools`: adsutil's paths are below `/LM`.
fn adsutil_path(location: &str) -> String {
    let trimmed = location.trim_start_matches('/');
    match trimmed.get(..3) {
        Some(lm) if lm.eq_ignore_ascii_case("LM/") => trimmed[3..].to_string(),
        _ => trimmed.to_string(),
    }
}

/// Why a text cannot be one quoted cmd.exe argument, if it cannot.
fn unsafe_for_cmd(value: &str) -> Option<&'static str> {
    if value.contains('"') {
        Some("a double quote")
    } else if value.contains(['\r', '\n']) {
        Some("a line break")
    } else if value.chars().any(char::is_control) {
        Some("a control character")
    } else {
        None
    }
}

/// One argument for cmd.exe: quoted (inside quotes `&`, `|`, `<`, `>`, `^` are plain characters),
/// `%` doubled for a batch file. `None` if it cannot be carried (see [`unsafe_for_cmd`]).
fn argument(value: &str) -> Option<String> {
    unsafe_for_cmd(value)
        .is_none()
        .then(|| format!("\"{}\"", value.replace('%', "%%")))
}

/// Text for a `rem` line: what cmd.exe could read as syntax even in a comment (`%` expansion, `^`
/// joining the next line, redirection and command separators, line breaks) becomes `_`.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '%' | '^' | '&' | '|' | '<' | '>' | '!' | '"' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The batch file for `applied`, given the fixed file's text; refused whole if any value cannot be
/// carried. `summary` is the fixer's account of what the fixes do ([`Fixed::summary`](super::Fixed::summary),
/// the words `--fix` prints).
pub fn adsutil(name: &str, summary: &str, fixed_text: &str, applied: &[Applied]) -> Result<String, Inexpressible> {
    let mut out = format!(
        "@echo off\r\nsetlocal DisableDelayedExpansion\r\nrem mblint: {}: {}; applied through the live metabase with adsutil.vbs.\r\nrem Review before running; run as an administrator on the IIS server. It stops at the first command that fails.\r\n",
        comment(name),
        comment(summary)
    );
    let fixed: Option<Metabase> = parse(SourceFile::from_text(name, fixed_text)).ok();
    let mut restart = false;
    let mut seen: Vec<&MetabaseOp> = Vec::new();
    for a in applied {
        let ops: Vec<&MetabaseOp> = a.fix.ops.iter().filter(|op| !seen.contains(op)).collect();
        restart |= a.fix.restart;
        let about = format!(
            "rem {} at {}: {}\r\n",
            a.code,
            comment(a.location.as_deref().unwrap_or("?")),
            comment(&a.fix.message)
        );
        if ops.is_empty() {
            // Its changes are made by an earlier fix's commands.
            out.push_str(&about);
            out.push_str("rem   (made by the command above)\r\n");
            continue;
        }
        for (i, op) in ops.into_iter().enumerate() {
            seen.push(op);
            // Each rem stands right above its own command.
            if i == 0 {
                out.push_str(&about);
            } else {
                out.push_str(&format!("rem   and: {}\r\n", comment(&describe(op))));
            }
            out.push_str(&command(name, op, fixed.as_ref())?);
            out.push_str(STOP_ON_FAILURE);
        }
    }
    if restart {
        out.push_str("rem Restart IIS for the change of worker processes to take effect.\r\niisreset\r\n");
        out.push_str(STOP_ON_FAILURE);
    }
    out.push_str("endlocal\r\nexit /b 0\r\n:failed\r\necho mblint: a command failed; the commands after it were not run. 1>&2\r\nendlocal\r\nexit /b 1\r\n");
    Ok(out)
}

fn describe(op: &MetabaseOp) -> String {
    match op {
        MetabaseOp::CreateKey { location, key_type } => format!("create {location} ({key_type})"),
        MetabaseOp::Delete { location, property } => format!("delete {property} at {location}"),
        MetabaseOp::Set { location, property } => format!("set {property} at {location}"),
    }
}

fn quoted(name: &str, what: impl Fn() -> String, value: &str) -> Result<String, Inexpressible> {
    argument(value).ok_or_else(|| Inexpressible {
        name: name.to_string(),
        what: what(),
        why: unsafe_for_cmd(value).unwrap_or("a character cmd.exe reads as syntax"),
    })
}

fn command(name: &str, op: &MetabaseOp, fixed: Option<&Metabase>) -> Result<String, Inexpressible> {
    match op {
        MetabaseOp::CreateKey { location, key_type } => Ok(format!(
            "{ADSUTIL} CREATE {} {}\r\n",
            quoted(name, || format!("the Location {location:?}"), &adsutil_path(location))?,
            quoted(name, || format!("the key type {key_type:?}"), key_type)?
        )),
        MetabaseOp::Delete { location, property } => Ok(format!(
            "{ADSUTIL} DELETE {}\r\n",
            quoted(
                name,
                || format!("the Location {location:?}"),
                &format!("{}/{property}", adsutil_path(location))
            )?
        )),
        MetabaseOp::Set { location, property } => {
            let path = quoted(
                name,
                || format!("the Location {location:?}"),
                &format!("{}/{property}", adsutil_path(location)),
            )?;
            let lines = fixed
                .and_then(|mb| {
                    let key = mb.find(location)?;
                    let attr = mb
                        .key(key)
                        .attrs
                        .clone()
                        .find(|&a| mb.attr_name(a).eq_ignore_ascii_case(property))?;
                    Some(
                        mb.attr_lines(attr)
                            .map(|l| l.text().into_owned())
                            .filter(|l| !l.is_empty())
                            .collect::<Vec<String>>(),
                    )
                })
                .ok_or_else(|| Inexpressible {
                    name: name.to_string(),
                    what: format!("the new value of {property} at {location:?}"),
                    why: "nothing mblint could read back from the fixed file",
                })?;
            let mut args = Vec::with_capacity(lines.len());
            for line in &lines {
                args.push(quoted(
                    name,
                    || format!("the value of {property} at {location:?} ({line:?})"),
                    line,
                )?);
            }
            Ok(format!("{ADSUTIL} SET {path} {}\r\n", args.join(" ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_arguments() {
        assert_eq!(adsutil_path("/LM/W3SVC/AppPools"), "W3SVC/AppPools");
        assert_eq!(adsutil_path("/lm/w3svc/1/ROOT"), "w3svc/1/ROOT");
        assert_eq!(
            argument("C:\\Program Files (x86)\\a.dll"),
            Some("\"C:\\Program Files (x86)\\a.dll\"".into())
        );
        assert_eq!(argument("50%"), Some("\"50%%\"".into()));
        assert_eq!(argument("a&echo X"), Some("\"a&echo X\"".into()));
        assert_eq!(argument("say \"hi\""), None);
        assert_eq!(argument("a\r\nb"), None);
        assert_eq!(argument("a\u{1b}]0;x"), None);
    }

    #[test]
    fn comments_carry_no_syntax() {
        assert_eq!(comment("a&echo X|y>z^"), "a_echo X_y_z_");
        assert_eq!(comment("%PATH%\r\nnext"), "_PATH_  next");
    }
}
