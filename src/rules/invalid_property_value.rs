//! MB002 invalid-property-value: a value IIS cannot read as its schema type, or a list entry with
//! missing or malformed fields.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::props::{self, PropType, is_canonical_bool};
use crate::metabase::schema_table::{SCHEMA, SchemaProp};
use crate::metabase::{AttrId, AttrKind, KeyId, Span};

pub static RULE: Rule = Rule {
    code: "MB002",
    name: "invalid-property-value",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A boolean, number or flag list IIS cannot read, or a malformed ScriptMaps, WebSvcExtRestrictionList or ApplicationDependencies entry",
    doc: rule_doc!("MB002"),
    check: Some(check),
};

fn schema(name: &str) -> Option<&'static SchemaProp> {
    static BY_NAME: OnceLock<HashMap<String, &'static SchemaProp>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| SCHEMA.iter().map(|p| (p.name.to_ascii_lowercase(), p)).collect())
        .get(&name.to_ascii_lowercase())
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

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    check_values(ctx, None, out)
}

/// The check on some values only (`only`: (key, property) pairs sorted by property; `None`: every
/// value), in the order the whole check reports them: for the fix loop's limited re-lint, which
/// re-runs this value-local rule on the values a pass changed.
pub fn check_values(ctx: &Context<'_>, only: Option<&[(KeyId, AttrId)]>, out: &mut super::Findings) {
    let mb = ctx.metabase;
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
            let problem = match a.kind {
                AttrKind::Attribute => {
                    // MB105 owns Enable32bitAppOnWin64's value.
                    if name.eq_ignore_ascii_case(props::ENABLE_32BIT_APP_ON_WIN64.name) {
                        continue;
                    }
                    let Some(prop) = schema(name) else { continue };
                    type_problem(prop, &mb.attr_value(attr))
                }
                AttrKind::Custom { element, .. } => {
                    let declared = mb.slice(element);
                    let dword = declared.contains("Type=\"DWORD\"");
                    let value = mb.attr_value(attr);
                    (dword && value.trim().parse::<u32>().is_err()).then(|| {
                        format!("the Custom property {name} is a DWORD, but its Value \"{value}\" is not a number")
                    })
                }
            };
            if let Some(problem) = problem {
                let suggestion = match mb.attr_value(attr).trim().to_ascii_lowercase().as_str() {
                    "yes" | "y" | "on" => Some("TRUE"),
                    "no" | "n" | "off" => Some("FALSE"),
                    _ => None,
                }
                .filter(|_| schema(name).is_some_and(|p| p.ty == PropType::Bool))
                .map(|value| {
                    let mut fix = crate::diagnostic::Fix::new(
                        crate::diagnostic::Applicability::DisplayOnly,
                        format!("write {value}, if that is what was meant (what IIS makes of the value as written is unknown)"),
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
