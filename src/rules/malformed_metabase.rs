//! MB001 malformed-metabase: the file cannot be read as a metabase. Reported by the loader, not by a
//! check: nothing else can be said of a file that does not parse.

use super::{FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::Span;

pub static RULE: Rule = Rule {
    code: "MB001",
    name: "malformed-metabase",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The file is not well-formed XML, not decodable, or not a metabase",
    doc: rule_doc!("MB001"),
    check: None,
};

/// The finding for a file that failed to decode or parse. The help depends on what the file is: a
/// damaged metabase is restored, while another XML file (MBSchema.xml, a pom.xml) was given by
/// mistake, and restoring it from the History folder would be the wrong advice.
pub fn diagnostic(span: Span, message: &str) -> Diagnostic {
    let help = if message.starts_with(NOT_A_METABASE) {
        "this is not an IIS 6.0 metabase: MetaBase.xml has a <configuration> root element holding <MBProperty>, which holds the keys (MBSchema.xml, beside it, is the schema, not the metabase). Give the path of MetaBase.xml, or a copy of the server's system drive"
    } else if message.starts_with(crate::metabase::parse::NO_KEYS) {
        "a MetaBase.xml without keys is what a hand edit or a broken export leaves: IIS 6 reads its whole configuration from this file, and has nothing to start from. Restore MetaBase.xml from the History folder (%windir%\\system32\\inetsrv\\History) or a backup"
    } else if message.starts_with(EMPTY) {
        "an empty MetaBase.xml is what a failed or interrupted save leaves; IIS refuses to start with it. Restore MetaBase.xml from the History folder (%windir%\\system32\\inetsrv\\History) or a backup"
    } else {
        "IIS refuses to start with a metabase it cannot parse; restore MetaBase.xml from the History folder (%windir%\\system32\\inetsrv\\History) or a backup, or correct the file by hand"
    };
    RULE.diagnostic(span, message).label("here").help(help)
}

/// How the parser's message for a well-formed file that is not a metabase begins.
pub const NOT_A_METABASE: &str = "not a metabase";
/// How the parser's message for an empty file begins.
pub const EMPTY: &str = "the file is empty";

#[cfg(test)]
mod tests {
    use super::*;

    /// The help follows what the parser says: each kind of file gets its own advice.
    #[test]
    fn help_fits_the_file() {
        let help = |text: &str| {
            let err = crate::metabase::parse(crate::metabase::SourceFile::from_text("m.xml", text)).unwrap_err();
            diagnostic(err.error.span, &err.error.message).help.unwrap_or_default()
        };
        for other in [
            "<?xml version=\"1.0\"?>\n<project><modelVersion>4.0.0</modelVersion></project>\n",
            "<MetabaseSchema><Collection InternalName=\"IIsConfigObject\"/></MetabaseSchema>",
            "<configuration><Other/></configuration>",
        ] {
            let h = help(other);
            assert!(
                h.contains("not an IIS 6.0 metabase") && !h.contains("History"),
                "{other}: {h}"
            );
        }
        for empty in ["", "  \r\n"] {
            assert!(help(empty).contains("empty MetaBase.xml"), "{empty:?}");
        }
        assert!(help("<configuration><MBProperty><A Location=\"/\">").contains("History folder"));
        assert!(help("<configuration><MBProperty/></configuration>").contains("without keys"));
    }
}
