//! The applied fixes as a batch of `cscript adsutil.vbs` commands, for administrators who change the
//! live metabase rather than the file (IIS saves its in-memory metabase over hand edits unless
//! edit-while-running is on). Values are read from the fixed file: a multi-string is set whole,
//! every entry quoted. A bitness switch ends with `iisreset`.

use super::MetabaseOp;
use super::engine::Applied;
use crate::metabase::{Metabase, SourceFile, parse};

const ADSUTIL: &str = "cscript //nologo %SystemDrive%\\Inetpub\\AdminScripts\\adsutil.vbs";

/// `/LM/W3SVC/AppPools` -> `W3SVC/AppPools`: adsutil's paths are below `/LM`.
fn adsutil_path(location: &str) -> String {
    let trimmed = location.trim_start_matches('/');
    match trimmed.get(..3) {
        Some(lm) if lm.eq_ignore_ascii_case("LM/") => trimmed[3..].to_string(),
        _ => trimmed.to_string(),
    }
}

/// One argument for cmd.exe: quoted, `%` doubled for a batch file. `None` if it holds a `"`,
/// which no adsutil argument can carry.
fn argument(value: &str) -> Option<String> {
    (!value.contains('"')).then(|| format!("\"{}\"", value.replace('%', "%%")))
}

/// The batch file for `applied`, given the fixed file's text.
pub fn adsutil(name: &str, fixed_text: &str, applied: &[Applied]) -> String {
    let mut out = format!(
        "@echo off\r\nrem mblint: {} fix(es) for {name}, applied through the live metabase with adsutil.vbs.\r\nrem Review before running; run as an administrator on the IIS server.\r\n",
        applied.len()
    );
    let fixed: Option<Metabase> = parse(SourceFile::from_text(name, fixed_text)).ok();
    let mut restart = false;
    let mut seen: Vec<&MetabaseOp> = Vec::new();
    for a in applied {
        out.push_str(&format!(
            "rem {} at {}: {}\r\n",
            a.code,
            a.location.as_deref().unwrap_or("?"),
            a.fix.message
        ));
        restart |= a.fix.restart;
        for op in &a.fix.ops {
            if seen.contains(&op) {
                continue;
            }
            seen.push(op);
            out.push_str(&command(op, fixed.as_ref()));
        }
    }
    if restart {
        out.push_str("rem The worker bitness changed: restart IIS for it to take effect.\r\niisreset\r\n");
    }
    out
}

fn command(op: &MetabaseOp, fixed: Option<&Metabase>) -> String {
    match op {
        MetabaseOp::CreateKey { location, key_type } => {
            format!("{ADSUTIL} CREATE {} \"{key_type}\"\r\n", adsutil_path(location))
        }
        MetabaseOp::Delete { location, property } => {
            format!("{ADSUTIL} DELETE {}/{property}\r\n", adsutil_path(location))
        }
        MetabaseOp::Set { location, property } => {
            let value = fixed.and_then(|mb| {
                let key = mb.find(location)?;
                let attr = mb
                    .key(key)
                    .attrs
                    .clone()
                    .find(|&a| mb.attr_name(a).eq_ignore_ascii_case(property))?;
                let lines: Vec<String> = mb
                    .attr_lines(attr)
                    .map(|l| l.text().into_owned())
                    .filter(|l| !l.is_empty())
                    .collect();
                Some(lines)
            });
            match value.map(|lines| lines.iter().map(|l| argument(l)).collect::<Option<Vec<String>>>()) {
                Some(Some(args)) => format!(
                    "{ADSUTIL} SET {}/{property} {}\r\n",
                    adsutil_path(location),
                    args.join(" ")
                ),
                Some(None) => format!(
                    "rem cannot express {location} {property}: a value holds a double quote; set it in IIS Manager\r\n"
                ),
                None => format!("rem cannot read the new value of {location} {property}\r\n"),
            }
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
        assert_eq!(argument("say \"hi\""), None);
    }
}
