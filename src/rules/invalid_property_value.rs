//! MB002 invalid-property-value: a value IIS cannot read as its schema type (a boolean, a number
//! in the schema's range, flag names, hexadecimal bytes, an encrypted value, MIME map lines), or a
//! list entry with missing or malformed fields.

use std::collections::HashMap;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Applicability, Fix, Severity};
use crate::metabase::props::{self, PropType, is_canonical_bool};
use crate::metabase::schema::{Lookup, Property, Schema};
use crate::metabase::{AttrId, AttrKind, KeyId, NameReading, Span};

pub static RULE: Rule = Rule {
    code: "MB002",
    name: "invalid-property-value",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A value IIS cannot read as its schema type or outside the schema's range, or a malformed ScriptMaps, WebSvcExtRestrictionList or ApplicationDependencies entry",
    doc: rule_doc!("MB002"),
    check: Some(check),
};

/// What is wrong with a value: the words, the value a fix would write, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub suggested: Option<Suggested>,
    pub help: &'static str,
}

const TYPE_HELP: &str = "IIS cannot read the value: it logs \"cannot read property\" and the property keeps its inherited or default value (IIS 6.0, Best Practices for Maintaining Metabase Integrity); write the value as IIS does";
const RANGE_HELP: &str = "the schema bounds the property (StartingNumber and EndingNumber in MBSchema.xml, the \"Lower Bound\" and \"Upper Bound\" of the IIS 6.0 property reference); a value IIS cannot accept is a recoverable metabase schema error, logged as \"cannot read property\" (IIS 6.0, Best Practices for Maintaining Metabase Integrity), and which value then applies, no source says for IIS 6: write a value within the range";
const SECURE_HELP: &str = "set it with IIS Manager or ADSI (adsutil.vbs), which encrypt it with the server's session key; a value typed into MetaBase.xml cannot be decrypted";
const FLAG_CASE_HELP: &str = "spell each flag as the schema does (the fix), so that the value reads the same whichever way IIS matches flag names";

fn problem(message: String, suggested: Option<Suggested>, help: &'static str) -> Problem {
    Problem {
        message,
        suggested,
        help,
    }
}

/// Why a value is not of its property's type, and the fix to offer, if it is not. `written`: the
/// property's name as the file spells it.
pub fn type_problem(prop: &Property, written: &str, value: &str) -> Option<Problem> {
    let name = written;
    if prop.secure && !is_hex(value) {
        return Some(problem(
            format!(
                "{name} is a secure property, which MetaBase.xml holds encrypted as hexadecimal bytes, but its value is not: IIS cannot decrypt it"
            ),
            None,
            SECURE_HELP,
        ));
    }
    match prop.ty {
        PropType::Bool if !is_canonical_bool(value) => Some(problem(
            format!("{name}=\"{value}\" is not a boolean: IIS writes TRUE or FALSE (1 and 0 are read too)"),
            yes_no(value).map(Suggested::Boolean),
            TYPE_HELP,
        )),
        PropType::Dword if prop.flags.is_empty() => match value.trim().parse::<u32>() {
            Err(_) => Some(problem(
                format!("{name}=\"{value}\" is not a number from 0 to 4294967295"),
                None,
                TYPE_HELP,
            )),
            Ok(n) => {
                let (lo, hi) = prop.range?;
                (n < lo || hi.is_some_and(|hi| n > hi)).then(|| {
                    let range = match hi {
                        Some(hi) => format!("{lo} to {hi}"),
                        None => format!("{lo} or more"),
                    };
                    let default = prop
                        .default
                        .as_deref()
                        .map_or(String::new(), |d| format!("; its default is {d}"));
                    problem(
                        format!("{name}=\"{value}\" is outside the range the schema allows ({range}){default}"),
                        None,
                        RANGE_HELP,
                    )
                })
            }
        },
        PropType::Dword => {
            let mut unknown: Vec<&str> = Vec::new();
            let mut respelt: Vec<(&str, &str)> = Vec::new();
            for token in value.split('|').map(str::trim) {
                if token.parse::<u32>().is_ok() || prop.flags.iter().any(|(f, _)| **f == *token) {
                    continue;
                }
                match prop.flags.iter().find(|(f, _)| f.eq_ignore_ascii_case(token)) {
                    Some((f, _)) => respelt.push((token, f)),
                    None => unknown.push(token),
                }
            }
            let known = || prop.flags.iter().map(|(f, _)| &**f).collect::<Vec<_>>().join(", ");
            if !unknown.is_empty() {
                return Some(problem(
                    format!(
                        "{name}=\"{value}\": {} {} not a flag of {} (flags: {})",
                        unknown
                            .iter()
                            .map(|u| if u.is_empty() {
                                "an empty flag".to_string()
                            } else {
                                format!("`{u}`")
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        if unknown.len() == 1 { "is" } else { "are" },
                        prop.name,
                        known()
                    ),
                    None,
                    TYPE_HELP,
                ));
            }
            (!respelt.is_empty()).then(|| {
                let respelling = value
                    .split('|')
                    .map(|t| {
                        let token = t.trim();
                        let flag = respelt.iter().find(|(w, _)| *w == token).map_or(token, |(_, f)| f);
                        t.replacen(token, flag, 1)
                    })
                    .collect::<Vec<_>>()
                    .join("|");
                problem(
                    format!(
                        "{name}=\"{value}\": {} {} from the schema's {} only in letter case, and no source says whether IIS 6 reads flag names without regard to case; if it does not, it cannot read the value",
                        respelt.iter().map(|(w, _)| format!("`{w}`")).collect::<Vec<_>>().join(", "),
                        if respelt.len() == 1 { "differs" } else { "differ" },
                        respelt.iter().map(|(_, f)| format!("`{f}`")).collect::<Vec<_>>().join(", "),
                    ),
                    Some(Suggested::Respelt(respelling)),
                    FLAG_CASE_HELP,
                )
            })
        }
        PropType::Binary | PropType::NtAcl | PropType::IpSecList if !is_hex(value) => Some(problem(
            format!(
                "{name} is of type {}, which MetaBase.xml writes as hexadecimal bytes, but its value is not",
                prop.ty.name()
            ),
            None,
            TYPE_HELP,
        )),
        PropType::MimeMap => value
            .split('\n')
            .map(|l| l.trim_matches(['\r', '\t', ' ']))
            .find(|l| {
                !l.is_empty()
                    && !l
                        .split_once(',')
                        .is_some_and(|(e, t)| !e.trim().is_empty() && !t.trim().is_empty())
            })
            .map(|line| {
                problem(
                    format!("{name}: the entry \"{line}\" is not `.extension,type` (as `.htm,text/html`)"),
                    None,
                    TYPE_HELP,
                )
            }),
        _ => None,
    }
}

/// Whether a value is hexadecimal bytes (an even number of hex digits; empty is no bytes).
fn is_hex(value: &str) -> bool {
    let v = value.trim();
    v.len().is_multiple_of(2) && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The value a fix would write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggested {
    /// TRUE or FALSE for a boolean spelt yes/no or on/off: what IIS makes of it is unknown, so the
    /// administrator confirms (display-only).
    Boolean(&'static str),
    /// Flag names respelt as the schema spells them (safe: the same flags, read either way).
    Respelt(String),
}

/// What MB002 says of one value of one property.
type Verdict = Option<Problem>;

/// `TRUE` or `FALSE` for a boolean written as yes/no or on/off.
fn yes_no(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if ["yes", "y", "on"].iter().any(|v| value.eq_ignore_ascii_case(v)) {
        Some("TRUE")
    } else if ["no", "n", "off"].iter().any(|v| value.eq_ignore_ascii_case(v)) {
        Some("FALSE")
    } else {
        None
    }
}

/// The schema's property an attribute name stands for, as `reading` matches names.
fn schema_prop<'s>(schema: &'s Schema, name: &str, reading: NameReading) -> Option<(u32, &'s Property)> {
    match (schema.lookup(name), reading) {
        (Lookup::Exact(i), _) | (Lookup::Case(i), NameReading::Caseless) => Some((i, schema.property(i))),
        _ => None,
    }
}

/// Whether a value is valid without building any words: the common case of a hosting metabase.
fn plainly_valid(prop: &Property, raw: &str) -> bool {
    if prop.secure || raw.contains('&') {
        return false;
    }
    match prop.ty {
        PropType::Bool => is_canonical_bool(raw),
        PropType::Dword if prop.flags.is_empty() => raw
            .trim()
            .parse::<u32>()
            .is_ok_and(|n| prop.range.is_none_or(|(lo, hi)| lo <= n && hi.is_none_or(|hi| n <= hi))),
        PropType::String | PropType::ExpandSz | PropType::MultiSz | PropType::Other => true,
        _ => false,
    }
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    check_values(ctx, None, out)
}

/// The check on some values only (`only`: (key, property) pairs sorted by property; `None`: every
/// value), in the order the whole check reports them: for the fix loop's limited re-lint, which
/// re-runs this value-local rule on the values a pass changed.
pub fn check_values(ctx: &Context<'_>, only: Option<&[(KeyId, AttrId)]>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    // A hosting metabase writes the same values on every site. A boolean or a plain number is
    // judged in place (cheaper than any lookup); a flag list, and any value that is not valid, is
    // judged once per distinct (property, value) and its words made once: every further place is
    // a lookup by the borrowed text.
    let schema = &*ctx.model.definitions;
    let mut verdicts: HashMap<(u32, &str, &str), Verdict> = HashMap::new();
    let in_scope = |attr: AttrId| only.is_none_or(|o| o.binary_search_by_key(&attr, |&(_, a)| a).is_ok());
    let all = || (0..mb.keys.len() as u32).flat_map(|key| mb.key(key).attrs.clone().map(move |attr| (key, attr)));
    let pairs: Box<dyn Iterator<Item = (KeyId, AttrId)>> = match only {
        None => Box::new(all()),
        Some(o) => Box::new(o.iter().copied()),
    };
    {
        for (key, attr) in pairs {
            let a = mb.attr(attr);
            let name = mb.slice(a.name);
            let verdict = match a.kind {
                AttrKind::Attribute => {
                    // MB105 owns Enable32BitAppOnWin64's value.
                    if name.eq_ignore_ascii_case(props::ENABLE_32BIT_APP_ON_WIN64.name) {
                        continue;
                    }
                    let Some((index, prop)) = schema_prop(schema, name, mb.reading()) else {
                        continue;
                    };
                    let raw = mb.slice(a.value);
                    if plainly_valid(prop, raw) {
                        continue;
                    }
                    let verdict = verdicts.entry((index, name, raw)).or_insert_with(|| {
                        let value = crate::metabase::model::unescape(raw);
                        type_problem(prop, name, &value)
                    });
                    match verdict {
                        Some(p) => p.clone(),
                        None => continue,
                    }
                }
                AttrKind::Custom { element, .. } => {
                    let declared = mb.slice(element);
                    if !declared.contains("Type=\"DWORD\"") {
                        continue;
                    }
                    let value = mb.attr_value(attr);
                    if value.trim().parse::<u32>().is_ok() {
                        continue;
                    }
                    let is_bool =
                        schema_prop(schema, name, NameReading::Caseless).is_some_and(|(_, p)| p.ty == PropType::Bool);
                    problem(
                        format!("the Custom property {name} is a DWORD, but its Value \"{value}\" is not a number"),
                        yes_no(&value).filter(|_| is_bool).map(Suggested::Boolean),
                        TYPE_HELP,
                    )
                }
            };
            let Problem {
                message,
                suggested,
                help,
            } = verdict;
            let suggestion = suggested.map(|suggested| {
                let (applicability, words, value) = match suggested {
                    Suggested::Boolean(value) => (
                        Applicability::DisplayOnly,
                        format!("write {value}, if that is what was meant (what IIS makes of the value as written is unknown)"),
                        value.to_string(),
                    ),
                    Suggested::Respelt(value) => (
                        Applicability::Safe,
                        "spell the flags as the schema does: the same flags, whichever way IIS matches their names".to_string(),
                        value,
                    ),
                };
                let mut fix = Fix::new(applicability, words);
                fix.edits.push(crate::fix::edit::replace(a.value, &value));
                fix
            });
            out.push(
                RULE.diagnostic(a.value, message)
                    .fix(suggestion)
                    .label("not a valid value")
                    .at(mb, key, Some(attr))
                    .help(help),
            );
        }
    }
    let mut entry = |key: u32, attr: u32, span: Span, message: String| {
        out.push(
            RULE.diagnostic(span, message)
                .label("malformed entry")
                .at(mb, key, Some(attr))
                .help("IIS skips or misreads a malformed entry: correct its fields"),
        );
    };
    for (key, attr, span, message) in &ctx.isapi.bad_script_maps {
        if in_scope(*attr) {
            entry(*key, *attr, *span, message.clone());
        }
    }
    let svc = mb.find("/LM/W3SVC");
    for (prop, list) in [
        (
            props::WEB_SVC_EXT_RESTRICTION_LIST,
            ctx.server
                .restrictions
                .iter()
                .map(|e| (e.span, e.entry.as_ref().err()))
                .collect::<Vec<_>>(),
        ),
        (
            props::APPLICATION_DEPENDENCIES,
            ctx.server
                .dependencies
                .iter()
                .map(|e| (e.span, e.entry.as_ref().err()))
                .collect(),
        ),
    ] {
        let Some((key, attr)) = svc
            .and_then(|k| mb.own(k, prop).map(|a| (k, a)))
            .filter(|&(_, a)| in_scope(a))
        else {
            continue;
        };
        for (span, error) in list {
            if let Some(error) = error {
                entry(key, attr, span, error.0.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(name: &str) -> (u32, Property) {
        let schema = Schema::builtin();
        let (i, p) = schema_prop(&schema, name, NameReading::Exact).unwrap();
        (i, p.clone())
    }

    #[test]
    fn the_schema_by_name_in_any_case_or_as_spelt() {
        let schema = Schema::builtin();
        for (i, p) in schema.properties().iter().enumerate() {
            for name in [
                p.name.to_string(),
                p.name.to_ascii_lowercase(),
                p.name.to_ascii_uppercase(),
            ] {
                assert_eq!(
                    schema_prop(&schema, &name, NameReading::Caseless).map(|x| x.0),
                    Some(i as u32)
                );
                let exact = schema_prop(&schema, &name, NameReading::Exact).map(|x| x.0);
                assert_eq!(exact, (name == *p.name).then_some(i as u32), "{name}");
            }
        }
        assert!(schema_prop(&schema, "AccessFlagz", NameReading::Caseless).is_none());
        assert!(schema_prop(&schema, "", NameReading::Caseless).is_none());
        // Only ASCII letters fold: a Kelvin sign is not a K.
        assert!(schema_prop(&schema, "Allow\u{212a}eepAlive", NameReading::Caseless).is_none());
    }

    #[test]
    fn suggestions_for_yes_and_no() {
        for (value, want) in [
            ("yes", Some("TRUE")),
            (" On ", Some("TRUE")),
            ("Y", Some("TRUE")),
            ("no", Some("FALSE")),
            ("OFF", Some("FALSE")),
            ("n", Some("FALSE")),
            ("maybe", None),
            ("", None),
        ] {
            assert_eq!(yes_no(value), want, "{value:?}");
        }
    }

    #[test]
    fn ranges_from_the_schema() {
        let (_, queue) = prop("AppPoolQueueLength");
        for (value, bad) in [
            ("10", false),
            ("65535", false),
            ("9", true),
            ("65536", true),
            ("100000", true),
        ] {
            let problem = type_problem(&queue, "AppPoolQueueLength", value);
            assert_eq!(problem.is_some(), bad, "{value}");
            assert_eq!(plainly_valid(&queue, value), !bad, "{value}");
        }
        let p = type_problem(&queue, "AppPoolQueueLength", "100000").unwrap();
        assert!(
            p.message.contains("10 to 65535") && p.message.contains("default is 1000"),
            "{}",
            p.message
        );
        assert_eq!(p.help, RANGE_HELP);
        let (_, max) = prop("MaxProcesses");
        assert!(
            type_problem(&max, "MaxProcesses", "0")
                .unwrap()
                .message
                .contains("1 or more")
        );
        assert!(type_problem(&max, "MaxProcesses", "4294967295").is_none());
        // Booleans and strings: valid as written without a look at the words, and a boolean IIS
        // writes has no problem however it reached the check (as a character reference, say).
        let (_, keep_alive) = prop("AllowKeepAlive");
        for value in ["TRUE", "FALSE", "1", "0"] {
            assert!(plainly_valid(&keep_alive, value), "{value}");
            assert!(type_problem(&keep_alive, "AllowKeepAlive", value).is_none(), "{value}");
        }
        assert!(!plainly_valid(&keep_alive, "yes"));
        assert!(type_problem(&keep_alive, "AllowKeepAlive", "yes").is_some());
        let (_, binary) = prop("AdminACLBin");
        let (_, server) = prop("ServerComment");
        assert!(plainly_valid(&server, "anything at all") && !plainly_valid(&binary, "zz"));
        // No range: any DWORD.
        let (_, timeout) = prop("MaxBandwidth");
        assert!(type_problem(&timeout, "MaxBandwidth", "0").is_none());
    }

    #[test]
    fn bytes_secrets_mime_maps_and_flag_case() {
        let (_, key) = prop("SSLCertHash");
        assert!(type_problem(&key, "SSLCertHash", "").is_none());
        assert!(type_problem(&key, "SSLCertHash", "0aFF").is_none());
        assert!(type_problem(&key, "SSLCertHash", "0aF").is_some(), "odd length");
        assert!(type_problem(&key, "SSLCertHash", "not hex").is_some());
        let (_, pass) = prop("WAMUserPass");
        assert!(type_problem(&pass, "WAMUserPass", "4963446270000000").is_none());
        let p = type_problem(&pass, "WAMUserPass", "secret").unwrap();
        assert_eq!(p.help, SECURE_HELP);
        assert!(!plainly_valid(&pass, "anything"));
        let (_, mime) = prop("MimeMap");
        assert!(type_problem(&mime, "MimeMap", ".htm,text/html\n\t\t\t*,application/octet-stream").is_none());
        assert!(
            type_problem(&mime, "MimeMap", ".htm,text/html\n\t\t\t.bad")
                .unwrap()
                .message
                .contains("\".bad\"")
        );
        let (_, access) = prop("AccessFlags");
        let p = type_problem(&access, "AccessFlags", "AccessRead | accessscript").unwrap();
        assert_eq!(
            p.suggested,
            Some(Suggested::Respelt("AccessRead | AccessScript".into()))
        );
        assert!(type_problem(&access, "AccessFlags", "AccessRead | 512").is_none());
        // A MimeMap line needs both an extension and a type.
        for line in [".htm,", ",text/html", " , "] {
            assert!(type_problem(&mime, "MimeMap", line).is_some(), "{line:?}");
        }
        // An unknown flag is the problem, whatever else is respelt.
        let p = type_problem(&access, "AccessFlags", "accessread | AccessBogus").unwrap();
        assert!(
            p.message.contains("`AccessBogus`") && p.suggested.is_none(),
            "{}",
            p.message
        );
    }

    /// A Custom property declared a DWORD is judged as a number, and only then; a yes or no gets
    /// TRUE or FALSE suggested only when the schema's property of that name is a boolean.
    #[test]
    fn a_custom_dword_is_a_number_and_a_boolean_by_the_schemas_name() {
        let custom = |name: &str, id: u32, value: &str, ty: &str| {
            format!(
                "\t<Custom\r\n\t\tName=\"{name}\"\r\n\t\tID=\"{id}\"\r\n\t\tValue=\"{value}\"\r\n\t\tType=\"{ty}\"\r\n\t/>\r\n"
            )
        };
        let key = format!(
            "<IIsWebServer\tLocation =\"/LM/W3SVC/1\"\r\n\t>\r\n{}{}{}</IIsWebServer>\r\n",
            custom("AllowKeepAlive", 1016, "yes", "DWORD"),
            custom("MaxConnections", 1014, "yes", "DWORD"),
            custom("ServerComment", 1015, "yes", "STRING"),
        );
        let found = crate::rules::testing::findings_on_x86(&crate::rules::testing::server(true, "", &key), "MB002");
        let said: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|d| (d.message.as_str(), d.fix.as_ref().map(|f| f.message.as_str())))
            .collect();
        assert_eq!(
            said,
            [
                (
                    "the Custom property AllowKeepAlive is a DWORD, but its Value \"yes\" is not a number",
                    Some("write TRUE, if that is what was meant (what IIS makes of the value as written is unknown)")
                ),
                (
                    "the Custom property MaxConnections is a DWORD, but its Value \"yes\" is not a number",
                    None
                ),
            ]
        );
    }
}
