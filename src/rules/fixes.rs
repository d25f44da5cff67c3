//! What a user gets from each rule's fixes: the kinds ([`Applicability`]) its fixes can have, by
//! code, and the words `mblint rules` shows for them. `tests/rules.rs` holds each declaration to the
//! fixes the rule makes on every fixture, both ways: a kind no fixture shows, or a fix of a kind
//! not declared, fails. So the column cannot say "always" of a fix that is only ever shown.

use super::{FixAvailability, Rule};
use crate::diagnostic::Applicability::{self, DisplayOnly, Safe, Unsafe};

/// The kinds of each rule's fixes, most applied first. A rule not listed has no fix.
pub static FIXES: &[(&str, &[Applicability])] = &[
    ("MB002", &[Safe, DisplayOnly]),
    ("MB005", &[Safe, Unsafe]),
    ("MB101", &[Unsafe, DisplayOnly]),
    ("MB102", &[Safe, Unsafe, DisplayOnly]),
    ("MB105", &[Safe, Unsafe, DisplayOnly]),
    ("MB204", &[Safe, Unsafe, DisplayOnly]),
    ("MB206", &[Safe, Unsafe, DisplayOnly]),
    ("MB301", &[Unsafe]),
    ("MB401", &[DisplayOnly]),
];

/// The kinds of rule `code`'s fixes (none: no fix).
pub fn kinds(code: &str) -> &'static [Applicability] {
    FIXES.iter().find(|(c, _)| *c == code).map_or(&[], |(_, k)| k)
}

/// What the rules table says of a rule's fixes: `none`; the kinds, when every finding has a fix
/// (`display-only`, `unsafe`); `sometimes` and the kinds, when only some have one (`sometimes:
/// safe, unsafe, display-only`). `--fix` applies safe fixes, `--unsafe-fixes` unsafe ones too;
/// display-only ones are only shown.
pub fn describe(rule: &Rule) -> String {
    let kinds: Vec<&str> = kinds(rule.code).iter().map(|k| k.as_str()).collect();
    match rule.fix {
        FixAvailability::None => "none".to_string(),
        FixAvailability::Always => kinds.join(", "),
        FixAvailability::Sometimes => format!("sometimes: {}", kinds.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules table's words for a rule's fixes: `none`, the kinds alone when every finding has a
    /// fix, `sometimes:` and the kinds when only some have one.
    #[test]
    fn a_rules_fixes_are_described_by_availability_and_kinds() {
        assert_eq!(describe(&crate::rules::duplicate_location::RULE), "none");
        assert_eq!(describe(&crate::rules::extension_prohibited::RULE), "display-only");
        assert_eq!(describe(&crate::rules::filter_not_defined::RULE), "unsafe");
        assert_eq!(
            describe(&crate::rules::ambiguous_path::RULE),
            "sometimes: safe, unsafe, display-only"
        );
    }
}
