//! MB002 invalid-property-value: a value IIS cannot read as its schema type, or a list entry with
//! missing or malformed fields.

use std::collections::HashMap;
use std::sync::OnceLock;

use std::hash::Hasher;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props::{self, PropType, is_canonical_bool};
use crate::metabase::schema_table::{SCHEMA, SchemaProp};
use crate::metabase::{AttrId, AttrKind, KeyId, Span};
use crate::resolve::addr::{AddrHasher, AddrMap};

pub static RULE: Rule = Rule {
    code: "MB002",
    name: "invalid-property-value",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A boolean, number or flag list IIS cannot read, or a malformed ScriptMaps, WebSvcExtRestrictionList or ApplicationDependencies entry",
    doc: rule_doc!("MB002"),
    check: Some(check),
};

/// A hash of `name` that ignores the case of ASCII letters, as IIS compares property names.
fn caseless_hash(name: &str) -> u64 {
    let mut hasher = AddrHasher::default();
    for chunk in name.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        for (to, from) in word.iter_mut().zip(chunk) {
            *to = from.to_ascii_lowercase();
        }
        hasher.write_u64(u64::from_le_bytes(word));
    }
    hasher.write_usize(name.len());
    hasher.finish()
}

/// The schema's property named `name` (ASCII letters in either case), looked up without copying
/// the name: 1.4 million lookups on a hosting metabase. The table is the schema's, fixed in the
/// binary: a name from the file cannot fill a bucket, so an unkeyed hash is safe here.
fn schema(name: &str) -> Option<&'static SchemaProp> {
    static BY_HASH: OnceLock<AddrMap<u64, Vec<&'static SchemaProp>>> = OnceLock::new();
    BY_HASH
        .get_or_init(|| {
            let mut by_hash: AddrMap<u64, Vec<&'static SchemaProp>> = AddrMap::default();
            for p in SCHEMA {
                by_hash.entry(caseless_hash(p.name)).or_default().push(p);
            }
            by_hash
        })
        .get(&caseless_hash(name))?
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .copied()
}

/// Why a value is not of its property's type, if it is not.
pub fn type_problem(prop: &SchemaProp, value: &str) -> Option<String> {
    match prop.ty {
        PropType::Bool if !is_canonical_bool(value) => Some(format!(
            "{}=\"{value}\" is not a boolean: IIS writes TRUE or FALSE (1 and 0 are read too)",
            prop.name
        )),
        PropType::Dword if prop.flags.is_empty() => value
            .trim()
            .parse::<u32>()
            .is_err()
            .then(|| format!("{}=\"{value}\" is not a number from 0 to 4294967295", prop.name)),
        PropType::Dword => {
            let unknown: Vec<&str> = value
                .split('|')
                .map(str::trim)
                .filter(|t| t.parse::<u32>().is_err() && !prop.flags.iter().any(|(f, _)| f.eq_ignore_ascii_case(t)))
                .collect();
            (!unknown.is_empty()).then(|| {
                let known: Vec<&str> = prop.flags.iter().map(|(f, _)| *f).collect();
                format!(
                    "{}=\"{value}\": {} {} not a flag of {} (flags: {})",
                    prop.name,
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
                    known.join(", ")
                )
            })
        }
        _ => None,
    }
}

/// What MB002 says of one value of one property: the problem, and the value to suggest.
type Verdict = Option<(String, Option<&'static str>)>;

/// `TRUE` or `FALSE` for a boolean written as yes/no or on/off.
fn suggestion(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if ["yes", "y", "on"].iter().any(|v| value.eq_ignore_ascii_case(v)) {
        Some("TRUE")
    } else if ["no", "n", "off"].iter().any(|v| value.eq_ignore_ascii_case(v)) {
        Some("FALSE")
    } else {
        None
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
    let mut verdicts: HashMap<(usize, &str), Verdict> = HashMap::new();
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
                    // MB105 owns Enable32bitAppOnWin64's value.
                    if name.eq_ignore_ascii_case(props::ENABLE_32BIT_APP_ON_WIN64.name) {
                        continue;
                    }
                    // Only booleans and numbers have a form to check: a string is never read.
                    let Some(prop) = schema(name).filter(|p| matches!(p.ty, PropType::Bool | PropType::Dword)) else {
                        continue;
                    };
                    let raw = mb.slice(a.value);
                    let valid = match prop.ty {
                        PropType::Bool => is_canonical_bool(&crate::metabase::model::unescape(raw)),
                        _ if prop.flags.is_empty() => {
                            crate::metabase::model::unescape(raw).trim().parse::<u32>().is_ok()
                        }
                        _ => false,
                    };
                    if valid {
                        continue;
                    }
                    let verdict = verdicts
                        .entry((prop as *const SchemaProp as usize, raw))
                        .or_insert_with(|| {
                            let value = crate::metabase::model::unescape(raw);
                            let problem = type_problem(prop, &value)?;
                            Some((problem, suggestion(&value).filter(|_| prop.ty == PropType::Bool)))
                        });
                    match verdict {
                        Some((problem, suggested)) => (problem.clone(), *suggested),
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
                    (
                        format!("the Custom property {name} is a DWORD, but its Value \"{value}\" is not a number"),
                        suggestion(&value).filter(|_| schema(name).is_some_and(|p| p.ty == PropType::Bool)),
                    )
                }
            };
            let (problem, suggested) = verdict;
            let suggestion = suggested.map(|value| {
                let mut fix = crate::diagnostic::Fix::new(
                    crate::diagnostic::Applicability::DisplayOnly,
                    format!(
                        "write {value}, if that is what was meant (what IIS makes of the value as written is unknown)"
                    ),
                );
                fix.edits.push(crate::fix::edit::replace(a.value, value));
                fix
            });
            out.push(
                RULE.diagnostic(a.value, problem)
                    .fix(suggestion)
                    .label("not a valid value")
                    .at(mb, key, Some(attr))
                    .help("IIS Admin logs a warning and uses the property's default, or refuses the key; write the value as IIS does"),
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

    #[test]
    fn the_schema_by_name_in_any_case() {
        for p in SCHEMA {
            for name in [
                p.name.to_string(),
                p.name.to_ascii_lowercase(),
                p.name.to_ascii_uppercase(),
            ] {
                assert!(std::ptr::eq(schema(&name).unwrap(), p), "{name}");
            }
        }
        assert!(schema("AccessFlagz").is_none());
        assert!(schema("").is_none());
        // Only ASCII letters fold, as before: a Kelvin sign is not a K.
        assert!(schema("Allow\u{212a}eepAlive").is_none());
        assert_eq!(schema("allowkeepalive").map(|p| p.name), Some("AllowKeepAlive"));
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
            assert_eq!(suggestion(value), want, "{value:?}");
        }
    }
}
