//! MB006 unknown-property: an attribute the schema defines for no class the key can have: a name
//! the schema does not know at all (`AppPoolIdentiyType`, `DefaultDocs`), or a property of other
//! key types (`MaxProcesses` on an `IIsWebVirtualDir`). `<Custom>` children are read by their ID
//! and are never reported; a name that differs from the schema's only in letter case is MB005's,
//! and judged here as the property it may be read as.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Context, FixAvailability, Joined, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::AttrKind;
use crate::metabase::schema::{Lookup, Schema};

pub static RULE: Rule = Rule {
    code: "MB006",
    name: "unknown-property",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A property the schema defines for no class the key can have (a misspelt or misplaced name): IIS does not apply it",
    doc: rule_doc!("MB006"),
    check: Some(check),
};

/// The element that holds any property: a key with no KeyType of its own ("Metabase Schema":
/// IIsConfigObject is the generic class).
pub const GENERIC_CLASS: &str = "IIsConfigObject";

/// How many distinct unknown names get a "did you mean" (each costs an edit-distance pass over the
/// schema): a hostile file with a million made-up names stays linear.
const MAX_SUGGESTED: usize = 1_000;

const HELP: &str = "IIS 6 reports a property the schema does not allow at a key as a recoverable metabase schema error: it logs \"cannot read property\" and keeps running without it (IIS 6.0, Best Practices for Maintaining Metabase Integrity), so the setting never takes effect; spell it as the schema does, set it at a key whose type holds it, or write it as a <Custom> property if a product reads it by ID";

/// Why a name is not allowed at a key of `class`, or `None` when it is.
pub enum Verdict<'s> {
    /// No property of the schema has this name (in any letter case): the closest names.
    NotDefined(Vec<&'s str>),
    /// The schema's property, which keys of this class may not hold: the classes that may.
    NotAtClass { property: &'s str, holders: Vec<&'s str> },
}

/// Properties whose place another rule judges, with what IIS does there: Enable32BitAppOnWin64
/// on a pool or a site is MB105's.
fn placed_by_another_rule(name: &str) -> bool {
    name == crate::metabase::props::ENABLE_32BIT_APP_ON_WIN64.name
}

/// What the schema says of an attribute `name` at a key of element `element`. `None`: allowed, a
/// case variant (MB005), or a key type the schema does not define (its members are unknown).
pub fn verdict<'s>(schema: &'s Schema, element: &str, name: &str, suggest: bool) -> Option<Verdict<'s>> {
    let class = schema.class(element);
    match schema.lookup(name) {
        // A case variant is judged as the property it may be read as (MB005 says the rest): at a
        // key type that does not hold it, IIS applies it under neither reading.
        Lookup::Exact(i) | Lookup::Case(i) => {
            let class = class?;
            if element == GENERIC_CLASS || schema.allows(class, i) || placed_by_another_rule(&schema.property(i).name) {
                return None;
            }
            Some(Verdict::NotAtClass {
                property: &schema.property(i).name,
                holders: schema.classes_holding(i).collect(),
            })
        }
        Lookup::Unknown => {
            let near = if !suggest {
                Vec::new()
            } else {
                // The names the key may hold first; any of the schema's when none is close.
                let own = class
                    .filter(|_| element != GENERIC_CLASS)
                    .map(|c| schema.suggest(name, Some(c)));
                match own {
                    Some(near) if !near.is_empty() => near,
                    _ => schema.suggest(name, None),
                }
            };
            Some(Verdict::NotDefined(near))
        }
    }
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    let schema = &*ctx.model.definitions;
    // Per distinct (element, name): the cause and words, made once; every further place of a
    // cause joins its finding.
    type Said = Option<(Arc<str>, Arc<(String, &'static str)>)>;
    let mut said: HashMap<(&str, &str), Said> = HashMap::new();
    let mut suggested = 0usize;
    for key in 0..mb.keys.len() as u32 {
        let element = mb.slice(mb.key(key).key_type);
        let class = schema.class(element);
        for attr in mb.key(key).attrs.clone() {
            let a = mb.attr(attr);
            if !matches!(a.kind, AttrKind::Attribute) {
                continue;
            }
            let name = mb.slice(a.name);
            // The common case: a property the key may hold, judged without a map entry.
            if let Lookup::Exact(i) | Lookup::Case(i) = schema.lookup(name)
                && class.is_none_or(|c| schema.allows(c, i))
            {
                continue;
            }
            let entry = said.entry((element, name)).or_insert_with(|| {
                let suggest = suggested < MAX_SUGGESTED;
                let v = verdict(schema, element, name, suggest)?;
                if matches!(v, Verdict::NotDefined(_)) {
                    suggested += 1;
                }
                Some((
                    Arc::from(format!("{element}|{name}")),
                    Arc::new(message(ctx, element, name, v, suggest)),
                ))
            });
            let Some((cause, words)) = entry.clone() else { continue };
            if let Joined::Yes = out.join(RULE.code, &cause, None, || super::place(mb, key, attr, a.name)) {
                continue;
            }
            let (message, label) = &*words;
            out.push(
                RULE.diagnostic(a.name, message.clone())
                    .label(*label)
                    .at(mb, key, Some(attr))
                    .help(HELP)
                    .cause(cause),
            );
        }
    }
}

fn message(ctx: &Context<'_>, element: &str, name: &str, v: Verdict<'_>, suggested: bool) -> (String, &'static str) {
    let schema = ctx.model.schema.value.describe();
    match v {
        Verdict::NotDefined(near) => {
            let hint = match near.as_slice() {
                [] if suggested => String::new(),
                [] => " (no closer name looked for: too many unknown names)".into(),
                [one] => format!(": did you mean {one}?"),
                many => format!(": did you mean one of {}?", many.join(", ")),
            };
            (
                format!("`{name}` is not a property the schema defines ({schema}){hint}"),
                "not a property of the schema",
            )
        }
        Verdict::NotAtClass { property, holders } => {
            let holders = match holders.len() {
                0 => "no key type".to_string(),
                n if n <= 6 => holders.join(", "),
                n => format!("{} and {} more", holders[..6].join(", "), n - 6),
            };
            (
                format!("{property} is not a property of {element} keys ({schema}): it belongs to {holders}"),
                "not a property of this key type",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_schema_does_not_define_with_the_nearest() {
        let s = Schema::builtin();
        let Some(Verdict::NotDefined(near)) = verdict(&s, "IIsWebVirtualDir", "DefaultDocs", true) else {
            panic!()
        };
        assert_eq!(near, ["DefaultDoc"]);
        let Some(Verdict::NotDefined(near)) = verdict(&s, "IIsApplicationPool", "AppPoolIdentiyType", true) else {
            panic!()
        };
        assert_eq!(near, ["AppPoolIdentityType"]);
        let Some(Verdict::NotDefined(near)) = verdict(&s, "IIsWebVirtualDir", "Xyzzy", true) else {
            panic!()
        };
        assert!(near.is_empty());
    }

    #[test]
    fn properties_of_other_key_types() {
        let s = Schema::builtin();
        let Some(Verdict::NotAtClass { property, holders }) = verdict(&s, "IIsWebVirtualDir", "MaxProcesses", true)
        else {
            panic!()
        };
        assert_eq!(property, "MaxProcesses");
        assert!(holders.contains(&"IIsApplicationPool"), "{holders:?}");
        // Allowed where the schema allows it, anywhere on the generic class, and not judged on a
        // key type the schema does not define.
        assert!(verdict(&s, "IIsApplicationPool", "MaxProcesses", true).is_none());
        assert!(verdict(&s, GENERIC_CLASS, "MaxProcesses", true).is_none());
        assert!(verdict(&s, "MyProductKey", "MaxProcesses", true).is_none());
        // Enable32BitAppOnWin64 on a pool is MB105's.
        assert!(verdict(&s, "IIsApplicationPool", "Enable32BitAppOnWin64", true).is_none());
        // A case variant's spelling is MB005's; where it belongs is judged as for the property.
        assert!(verdict(&s, "IIsApplicationPool", "maxprocesses", true).is_none());
        assert!(matches!(
            verdict(&s, "IIsWebVirtualDir", "maxprocesses", true),
            Some(Verdict::NotAtClass {
                property: "MaxProcesses",
                ..
            })
        ));
        // An unknown name is unknown at any key type.
        assert!(matches!(
            verdict(&s, "MyProductKey", "DefaultDocs", true),
            Some(Verdict::NotDefined(_))
        ));
    }

    /// The first MAX_SUGGESTED distinct unknown names get a "did you mean" pass over the schema;
    /// the next says that none was looked for.
    #[test]
    fn names_past_the_limit_are_not_looked_up() {
        let attrs: String = (0..=MAX_SUGGESTED)
            .map(|i| format!("\t\tZq{i:05}x=\"1\"\r\n"))
            .collect();
        let text = crate::rules::testing::server(true, "", &crate::rules::testing::root(1, r"D:\Sites", &attrs));
        let found = crate::rules::testing::findings_on_x86(&text, RULE.code);
        let said = |i: usize| {
            let name = format!("`Zq{i:05}x` ");
            found
                .iter()
                .find(|d| d.message.starts_with(&name))
                .map(|d| d.message.clone())
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(found.len(), MAX_SUGGESTED + 1);
        for i in [0, MAX_SUGGESTED - 1] {
            assert!(said(i).ends_with(')'), "{}", said(i));
            assert!(!said(i).contains("no closer name"), "{}", said(i));
        }
        assert!(
            said(MAX_SUGGESTED).ends_with(" (no closer name looked for: too many unknown names)"),
            "{}",
            said(MAX_SUGGESTED)
        );
    }

    /// An unknown name is offered the nearest names the key may hold, and those of the whole schema
    /// only when none of its own is near (or at the generic class, which may hold any).
    #[test]
    fn the_nearest_names_are_the_keys_own_first() {
        let s = Schema::builtin();
        let near = |element: &str, name: &str| match verdict(&s, element, name, true) {
            Some(Verdict::NotDefined(near)) => near,
            _ => panic!("{element} {name}"),
        };
        assert_eq!(
            near("IIsWebVirtualDir", "HcDoDynamicCompressio"),
            ["DoDynamicCompression"]
        );
        assert_eq!(near(GENERIC_CLASS, "HcDoDynamicCompressio"), ["HcDoDynamicCompression"]);
        assert_eq!(near("IIsWebVirtualDir", "AppPoolIdentiyType"), ["AppPoolIdentityType"]);
    }

    /// A misplaced property names the key types that may hold it, six of them and then how many
    /// more: ServerBindings belongs to eight.
    #[test]
    fn the_holders_past_six_are_counted() {
        let root = crate::rules::testing::root(1, r"D:\Sites", "\t\tServerBindings=\":80:\"\r\n");
        let found = crate::rules::testing::findings_on_x86(&crate::rules::testing::server(true, "", &root), RULE.code);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .starts_with("ServerBindings is not a property of IIsWebVirtualDir keys ("),
            "{}",
            found[0].message
        );
        assert!(found[0].message.ends_with(" and 2 more"), "{}", found[0].message);
        assert_eq!(found[0].message.matches(", ").count(), 5, "{}", found[0].message);
    }
}
