//! Parsed forms of the multi-field values that name ISAPI DLLs or govern them.
//!
//! Each parser takes one line (or one whole value) and returns either the parsed entry or a
//! [`ValueError`] saying which field is wrong; rules decide what a bad entry means. Spans of the
//! path inside a line are kept whenever the raw line has no XML reference (then raw and text
//! offsets agree); otherwise the path's span is the whole line.

use super::model::ValueLine;
use super::source::Span;

/// A malformed entry: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

/// What runs a script map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcessorKind {
    /// A DLL, loaded into the worker process.
    Isapi,
    /// An executable started per request (CGI); not loaded into the worker.
    Cgi,
}

/// One line of `ScriptMaps`: `<ext>,<processor>,<flags>[,<verb>...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptMap {
    /// `.asp`, or `*` for a wildcard map.
    pub extension: String,
    /// The processor's path, without CGI arguments or quotes.
    pub processor: String,
    /// Where the processor's path stands in the file.
    pub processor_span: Span,
    /// CGI arguments after the executable (`%s %s`).
    pub arguments: Option<String>,
    pub kind: ProcessorKind,
    /// MD_SCRIPTMAPFLAG_SCRIPT (1) | MD_SCRIPTMAPFLAG_CHECK_PATH_INFO (4).
    pub flags: u32,
    /// The verbs the map is limited to; empty means all verbs.
    pub verbs: Vec<String>,
}

impl ScriptMap {
    pub fn is_wildcard(&self) -> bool {
        self.extension == "*"
    }

    /// Parses one ScriptMaps line. `None` for an empty line.
    pub fn parse(line: &ValueLine<'_>) -> Option<Result<ScriptMap, ValueError>> {
        let text = line.text();
        if text.trim().is_empty() {
            return None;
        }
        let exact_offsets = !line.raw.contains('&');
        let mut fields = split_fields(&text);
        let (_, extension) = fields.next()?;
        let Some((path_offset, processor_field)) = fields.next() else {
            return Some(Err(ValueError(format!(
                "script map `{text}` has no processor path (expected `<extension>,<path>,<flags>[,<verbs>]`)"
            ))));
        };
        let Some((_, flags_field)) = fields.next() else {
            return Some(Err(ValueError(format!(
                "script map `{text}` has no flags field (expected `<extension>,<path>,<flags>[,<verbs>]`)"
            ))));
        };
        let Ok(flags) = flags_field.trim().parse::<u32>() else {
            return Some(Err(ValueError(format!(
                "script map flags `{}` are not a number (1 = script, 4 = check that file exists, 5 = both)",
                flags_field.trim()
            ))));
        };
        if extension.trim().is_empty() {
            return Some(Err(ValueError(format!("script map `{text}` has an empty extension"))));
        }
        let (within, processor, arguments) = split_processor(processor_field);
        if processor.trim().is_empty() {
            return Some(Err(ValueError(format!(
                "script map `{text}` has an empty processor path"
            ))));
        }
        let processor_span = if exact_offsets {
            let start = line.span.start as usize + path_offset + within;
            Span::new(start, start + processor.len())
        } else {
            line.span
        };
        let kind = if processor.trim_end().to_ascii_lowercase().ends_with(".exe") {
            ProcessorKind::Cgi
        } else {
            ProcessorKind::Isapi
        };
        Some(Ok(ScriptMap {
            extension: extension.trim().to_string(),
            processor: processor.to_string(),
            processor_span,
            arguments: arguments.map(str::to_string),
            kind,
            flags,
            verbs: fields
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
        }))
    }
}

/// Splits on commas, yielding each field with its byte offset in `text`.
fn split_fields(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split(',').map(move |field| {
        let start = offset;
        offset += field.len() + 1;
        (start, field)
    })
}

/// Separates a processor field into (offset of the path within the field, path, CGI arguments).
/// `"C:\Perl\perl.exe" "%s" %s` and `C:\php\php-cgi.exe %s` both give the bare executable path.
/// A path with no quotes and no arguments is the whole field, white space and all: IIS 6 opens the
/// text it holds (whether it trims the field first is not documented; MB206 names the doubt).
fn split_processor(field: &str) -> (usize, &str, Option<&str>) {
    let leading = field.len() - field.trim_start().len();
    let trimmed = field.trim();
    if let Some(rest) = trimmed.strip_prefix('"')
        && let Some(close) = rest.find('"')
    {
        let args = rest[close + 1..].trim();
        return (leading + 1, &rest[..close], (!args.is_empty()).then_some(args));
    }
    let lower = trimmed.to_ascii_lowercase();
    let mut search = 0;
    while let Some(found) = lower[search..].find(".exe") {
        let end = search + found + 4;
        match trimmed.as_bytes().get(end) {
            None => break,
            Some(b' ' | b'\t') => {
                let args = trimmed[end..].trim();
                return (leading, &trimmed[..end], (!args.is_empty()).then_some(args));
            }
            Some(_) => search = end,
        }
    }
    (0, field, None)
}

/// The filter names of a `FilterLoadOrder` value, each with its span (when offsets are exact).
pub fn filter_load_order(raw: &str, value: Span) -> Vec<(String, Span)> {
    let exact = !raw.contains('&');
    let text = super::model::unescape(raw);
    split_fields(&text)
        .filter_map(|(offset, name)| {
            let trimmed = name.trim();
            if trimmed.is_empty() {
                return None;
            }
            let span = if exact {
                let start = value.start as usize + offset + (name.len() - name.trim_start().len());
                Span::new(start, start + trimmed.len())
            } else {
                value
            };
            Some((trimmed.to_string(), span))
        })
        .collect()
}

/// One line of `WebSvcExtRestrictionList`:
/// `AllowDenyFlag,ExtensionPhysicalPath[,UIDeletableFlag,GroupID,Description]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub allowed: bool,
    /// A DLL or EXE path, or `*.dll` / `*.exe` for all unknown ISAPI / CGI extensions.
    pub path: String,
    pub deletable: Option<bool>,
    pub group_id: Option<String>,
    pub description: Option<String>,
}

/// A path (or a CGI command line) as WebSvcExtRestrictionList compares it: case-insensitive, quotes
/// and repeated spaces ignored, WOW64-neutral (`SysWOW64` is `system32`), and a path IIS 6 and
/// Win32 read differently compared as Win32 reads it (`asp.dll.` is `asp.dll`): the reading whose
/// image the rules judge. Whether IIS compares paths as written is not documented; MB206 names that
/// doubt. A CGI entry keeps its arguments: `cmd.exe %s %s` is another entry than `cmd.exe` (cc779909).
pub fn restriction_key(path: &str) -> String {
    let canonical = crate::winpath::opened(path)
        .filter(|o| o.spelling())
        .and_then(|_| crate::winpath::parse(path).ok())
        .map(|p| p.to_string());
    let path = canonical.as_deref().unwrap_or(path);
    let unquoted: String = path.chars().filter(|&c| c != '"').collect();
    unquoted
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('/', "\\")
        .to_lowercase()
        .replace("\\syswow64\\", "\\system32\\")
}

impl Restriction {
    pub fn is_wildcard(&self) -> bool {
        self.path.starts_with('*')
    }

    pub fn parse(line: &ValueLine<'_>) -> Option<Result<Restriction, ValueError>> {
        let text = line.text();
        if text.trim().is_empty() {
            return None;
        }
        let fields: Vec<&str> = text.splitn(5, ',').map(str::trim).collect();
        let allowed = match fields[0] {
            "0" => false,
            "1" => true,
            other => {
                return Some(Err(ValueError(format!(
                    "web service extension `{text}`: the allow flag `{other}` is neither 0 nor 1"
                ))));
            }
        };
        let Some(path) = fields.get(1).filter(|p| !p.is_empty()) else {
            return Some(Err(ValueError(format!("web service extension `{text}` has no path"))));
        };
        let deletable = match fields.get(2) {
            None => None,
            Some(&"0") => Some(false),
            Some(&"1") => Some(true),
            Some(other) => {
                return Some(Err(ValueError(format!(
                    "web service extension `{text}`: the deletable flag `{other}` is neither 0 nor 1"
                ))));
            }
        };
        Some(Ok(Restriction {
            allowed,
            path: path.to_string(),
            deletable,
            group_id: fields.get(3).filter(|g| !g.is_empty()).map(|g| g.to_string()),
            description: fields.get(4).map(|d| d.to_string()),
        }))
    }
}

/// One line of `ApplicationDependencies`: `ApplicationName;GroupID[,GroupID...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub application: String,
    pub groups: Vec<String>,
}

impl Dependency {
    pub fn parse(line: &ValueLine<'_>) -> Option<Result<Dependency, ValueError>> {
        let text = line.text();
        if text.trim().is_empty() {
            return None;
        }
        let Some((application, groups)) = text.split_once(';') else {
            return Some(Err(ValueError(format!(
                "application dependency `{text}` has no `;` between the application name and its group IDs"
            ))));
        };
        Some(Ok(Dependency {
            application: application.trim().to_string(),
            groups: groups
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::model::value_lines;

    fn line(text: &str) -> ValueLine<'_> {
        value_lines(text, Span::new(0, text.len())).next().unwrap()
    }

    fn map(text: &str) -> ScriptMap {
        ScriptMap::parse(&line(text)).unwrap().unwrap()
    }

    #[test]
    fn script_map_fields() {
        let text = ".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE";
        let m = map(text);
        assert_eq!(m.extension, ".asp");
        assert_eq!(m.processor, "C:\\WINDOWS\\system32\\inetsrv\\asp.dll");
        assert_eq!(&text[m.processor_span.range()], m.processor);
        assert_eq!(m.flags, 5);
        assert_eq!(m.verbs, ["GET", "HEAD", "POST", "TRACE"]);
        assert_eq!(m.kind, ProcessorKind::Isapi);
    }

    #[test]
    fn spaces_in_paths_and_after_commas() {
        let text = ".fp, C:\\Program Files (x86)\\Common Files\\fp.dll , 1, GET, POST";
        let m = map(text);
        // The path is the field as written: whether IIS trims it is not documented (MB206).
        assert_eq!(m.processor, " C:\\Program Files (x86)\\Common Files\\fp.dll ");
        assert_eq!(m.kind, ProcessorKind::Isapi);
        assert_eq!(&text[m.processor_span.range()], m.processor);
        assert_eq!(m.verbs, ["GET", "POST"]);
    }

    #[test]
    fn wildcard_and_cgi() {
        let w = map("*,C:\\Program Files\\Helicon\\ISAPI_Rewrite.dll,0");
        assert!(w.is_wildcard());
        assert!(w.verbs.is_empty());
        let text = ".pl,\"C:\\Perl 5\\bin\\perl.exe\" \"%s\" %s,1";
        let c = map(text);
        assert_eq!(c.processor, "C:\\Perl 5\\bin\\perl.exe");
        assert_eq!(&text[c.processor_span.range()], c.processor);
        assert_eq!(c.arguments.as_deref(), Some("\"%s\" %s"));
        assert_eq!(c.kind, ProcessorKind::Cgi);
        let c = map(".php,C:\\php.exe.d\\php-cgi.exe %s %s,5");
        assert_eq!(c.processor, "C:\\php.exe.d\\php-cgi.exe");
        assert_eq!(c.arguments.as_deref(), Some("%s %s"));
    }

    #[test]
    fn bad_script_maps() {
        for (text, expected) in [
            (".asp", "no processor"),
            (".asp,C:\\a.dll", "no flags"),
            (".asp,C:\\a.dll,x", "not a number"),
            (",C:\\a.dll,1", "empty extension"),
            (".a, ,1", "empty processor"),
        ] {
            let err = ScriptMap::parse(&line(text)).unwrap().unwrap_err();
            assert!(err.0.contains(expected), "{text}: {}", err.0);
        }
        assert!(ScriptMap::parse(&line("  ")).is_none());
    }

    #[test]
    fn load_order_names_and_spans() {
        let raw = "URLSCAN, fpexedll.dll ,,ASP.NET_2.0.50727";
        let names = filter_load_order(raw, Span::new(10, 10 + raw.len()));
        let got: Vec<_> = names.iter().map(|(n, s)| (n.as_str(), s.start - 10)).collect();
        assert_eq!(got, [("URLSCAN", 0), ("fpexedll.dll", 9), ("ASP.NET_2.0.50727", 24)]);
    }

    #[test]
    fn restrictions_and_dependencies() {
        let r = Restriction::parse(&line("1,C:\\WINDOWS\\a.dll,0,ASP,Active Server Pages, v2"))
            .unwrap()
            .unwrap();
        assert!(r.allowed);
        assert_eq!(r.group_id.as_deref(), Some("ASP"));
        assert_eq!(r.description.as_deref(), Some("Active Server Pages, v2"));
        let r = Restriction::parse(&line("0,*.dll")).unwrap().unwrap();
        assert!(r.is_wildcard() && !r.allowed);
        assert!(Restriction::parse(&line("2,x.dll")).unwrap().is_err());
        let d = Dependency::parse(&line("FrontPage Server Extensions 2002;FPSE2002,ASP"))
            .unwrap()
            .unwrap();
        assert_eq!(d.groups, ["FPSE2002", "ASP"]);
        assert!(Dependency::parse(&line("nothing")).unwrap().is_err());
    }
}
