//! What each rule reads, for the fix loop's limited re-lint ([`crate::fixer::relint`]).
//!
//! Between two passes of the fix loop only property values change (an edit that adds or removes a
//! key or a property makes the loop re-lint in full), and the drive, the options and the server
//! model are held to be the same (the re-lint compares the model it builds with the previous one,
//! and re-lints in full when they differ). So a rule's findings can change only when a value it
//! reads changes: its declaration lists those properties, directly or through the structures it
//! reads (the ISAPI set, the server configuration, the worker bitness, the bitness plan), each of
//! which lists the properties its builder reads. The server model's decisions (platform, isolation
//! mode, Windows folder, and what decided each) must come out the same, or the re-lint is made in
//! full; its clues may change (a repointed path is a clue), so the one rule that reads them re-runs
//! on every change. A rule with no declaration is re-run on every change too; the oracle
//! (`tests/relint.rs`) holds the limited re-lint to the full one.

use crate::metabase::props::{self, Prop};

/// The properties of `IIS_Global` (Location `.`) that IIS rewrites on its own (ChangeNumber and
/// HistoryMajorVersionNumber on every save, the schema time stamps and SessionKey when it writes
/// the schema or the key) and no rule reads: a change of their value forces no rule to re-run but
/// MB002 (on the changed values, as for any property) and MB108 (on every change). The IIS 6.0
/// schema puts them on IIS_Global only (`schema_table.rs`: ChangeNumber 9997,
/// HistoryMajorVersionNumber 9994, XMLSchemaTimeStamp 9992, BINSchemaTimeStamp 9991, SessionKey
/// 9999). `tests/history_relint.rs` holds this to the full lint of every version.
pub const READ_BY_NO_RULE: &[&str] = &[
    "ChangeNumber",
    "HistoryMajorVersionNumber",
    "XMLSchemaTimeStamp",
    "BINSchemaTimeStamp",
    "SessionKey",
];

/// What a rule's findings depend on.
#[derive(Debug, Clone, Copy)]
pub enum Reads {
    /// Each finding stands on one property value and depends on that value alone (with its
    /// property's name and, for a Custom child, its element): after an edit, the rule is re-run
    /// on the changed values only, and its other findings stand. MB002.
    Values,
    /// The values of these properties, wherever they are set (and the metabase's keys and
    /// properties, which do not change between the passes a limited re-lint compares).
    Props(&'static [&'static [Prop]]),
    /// Anything: re-run on every change. MB108 reads the server model's clues, which come from
    /// every value of /LM/W3SVC and the ISAPI set's paths; it is cheap to run again.
    Everything,
}

/// What `IsapiSet::of` (`metabase/isapi.rs`) reads: every ISAPI reference, filter, CGI and
/// malformed script map, and the host process of each entry.
pub const ISAPI_SET: &[Prop] = &[
    props::ACCESS_FLAGS,
    props::APP_ISOLATED,
    props::APP_ROOT,
    props::ENABLE_32BIT_APP_ON_WIN64,
    props::FILTER_ENABLED,
    props::FILTER_LOAD_ORDER,
    props::FILTER_PATH,
    props::HC_COMPRESSION_DLL,
    props::IN_PROCESS_ISAPI_APPS,
    props::PATH,
    props::SCRIPT_MAPS,
    props::WEB_SVC_EXT_RESTRICTION_LIST,
];

/// What `ServerConfig::of` (`metabase/server.rs`) reads.
pub const SERVER: &[Prop] = &[
    props::APPLICATION_DEPENDENCIES,
    props::APP_POOL_ID,
    props::APP_ROOT,
    props::ENABLE_EDIT_WHILE_RUNNING,
    props::ENABLE_HISTORY,
    props::IIS5_ISOLATION_MODE_ENABLED,
    props::MAX_HISTORY_FILES,
    props::WEB_SVC_EXT_RESTRICTION_LIST,
];

/// What `WorkerBitness::of` reads (the platform and isolation mode come from the server model).
/// The images on the drive are the ISAPI set's entries opened by this worker: a rule that reads
/// images declares [`ISAPI_SET`] and [`WORKER`].
pub const WORKER: &[Prop] = &[props::ENABLE_32BIT_APP_ON_WIN64, props::IIS5_ISOLATION_MODE_ENABLED];

/// What the bitness planner (`plan.rs`) and the restriction list it keeps (`lockdown.rs`) read on
/// top of the ISAPI set, the server configuration, the worker and the images.
pub const PLAN: &[Prop] = &[
    props::ENABLE_32BIT_APP_ON_WIN64,
    props::FILTER_FLAGS,
    props::FILTER_PATH,
    props::HC_COMPRESSION_DLL,
    props::IIS5_ISOLATION_MODE_ENABLED,
    props::IN_PROCESS_ISAPI_APPS,
    props::SCRIPT_MAPS,
    props::WEB_SVC_EXT_RESTRICTION_LIST,
];

/// Rules whose fixes come from the plan: `plan::attach` puts the server-wide switch on the first
/// MB101 or MB102, so these two are always re-run together.
const PLANNED: Reads = Reads::Props(&[ISAPI_SET, SERVER, WORKER, PLAN]);
/// Rules that read the images the worker opens, or the ISAPI set with the worker.
const IMAGES: Reads = Reads::Props(&[ISAPI_SET, WORKER]);

/// Every rule with a per-file check, by code. MB001 (the parser) and MB107 (made from the runs of
/// every platform) have no check; a limited re-lint is only made when one platform is open.
pub static READS: &[(&str, Reads)] = &[
    ("MB002", Reads::Values),
    // Keys and their Locations only; but its message names the first key's line, which any edit
    // that adds or removes a line break before it moves: re-run on every change (it is cheap: it
    // walks the duplicate keys alone). Found by tests/history_relint.rs's random edits.
    ("MB003", Reads::Everything),
    ("MB004", Reads::Props(&[SERVER])),
    // Names and key types against the schema: the structure, which a limited re-lint holds the
    // same, and the schema, one of the model's decisions.
    ("MB005", Reads::Props(&[])),
    ("MB006", Reads::Props(&[])),
    ("MB101", PLANNED),
    ("MB102", PLANNED),
    ("MB103", IMAGES),
    ("MB104", IMAGES),
    ("MB105", Reads::Props(&[WORKER])),
    ("MB106", Reads::Props(&[SERVER, WORKER])),
    ("MB108", Reads::Everything),
    // The loaded filters' FilterFlags, and the isolation mode.
    (
        "MB109",
        Reads::Props(&[ISAPI_SET, SERVER, WORKER, &[props::FILTER_FLAGS]]),
    ),
    ("MB201", IMAGES),
    ("MB202", IMAGES),
    ("MB203", IMAGES),
    ("MB204", Reads::Props(&[ISAPI_SET])),
    ("MB205", IMAGES),
    // The images both readings open, and the restriction list (its entries, and its verdict on a fix).
    ("MB206", Reads::Props(&[ISAPI_SET, SERVER, WORKER])),
    // The dependency closures of the images the worker opens, in the processes the entries name.
    ("MB207", IMAGES),
    ("MB208", IMAGES),
    ("MB209", IMAGES),
    ("MB210", IMAGES),
    ("MB211", IMAGES),
    ("MB301", Reads::Props(&[ISAPI_SET])),
    ("MB302", Reads::Props(&[ISAPI_SET])),
    ("MB303", Reads::Props(&[ISAPI_SET])),
    ("MB304", Reads::Props(&[ISAPI_SET, &[props::FILTER_FLAGS]])),
    ("MB401", Reads::Props(&[ISAPI_SET, SERVER])),
    ("MB402", Reads::Props(&[SERVER])),
    // The fcgiext.dll script maps (their extensions and Locations), as the worker opens them.
    ("MB403", IMAGES),
    ("MB501", Reads::Props(&[ISAPI_SET, SERVER])),
    ("MB502", Reads::Props(&[SERVER])),
    // The global filters and script maps, the pools of the applications, and each site's ServerComment.
    (
        "MB503",
        Reads::Props(&[ISAPI_SET, SERVER, &[super::extensionless_url_unmapped::SERVER_COMMENT]]),
    ),
];

/// Every property some rule's declaration names (each once, in declaration order): the properties
/// a [`Reads::Props`] rule can read. A changed value of any other property re-runs no such rule
/// (only MB002 on the changed values and MB108, which read everything); `tests/relint.rs` and
/// `tests/history_relint.rs` hold the declarations to the full lint, and
/// `tests/history_relint.rs::a_comment_change_reruns_only_the_rules_that_read_comments` fails when
/// a rule reads a property its declaration leaves out.
pub fn declared() -> impl Iterator<Item = &'static Prop> {
    static ALL: std::sync::OnceLock<Vec<&'static Prop>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut out: Vec<&'static Prop> = Vec::new();
        for (_, r) in READS {
            if let Reads::Props(sets) = r {
                for p in sets.iter().flat_map(|s| s.iter()) {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
            }
        }
        out
    })
    .iter()
    .copied()
}

/// The declaration of rule `code`, if it has one.
pub fn of(code: &str) -> Option<Reads> {
    READS.iter().find(|(c, _)| *c == code).map(|(_, r)| *r)
}

impl Reads {
    /// Whether the rule reads property `prop`'s values.
    pub fn reads(&self, prop: &Prop) -> bool {
        match self {
            Reads::Values | Reads::Everything => true,
            Reads::Props(sets) => sets.iter().flat_map(|s| s.iter()).any(|p| p == prop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_with_a_check_is_declared_once() {
        for rule in super::super::RULES.iter().filter(|r| r.check.is_some()) {
            assert_eq!(
                READS.iter().filter(|(c, _)| *c == rule.code).count(),
                1,
                "{} has a check: declare what it reads",
                rule.code
            );
        }
        for (code, _) in READS {
            assert!(
                super::super::by_code(code).is_some_and(|r| r.check.is_some()),
                "{code} is declared but has no check"
            );
        }
    }

    /// A rule's declaration is found by its code (a rule found with none would be re-run on every
    /// change), and a code with no declaration has none.
    #[test]
    fn a_declaration_is_found_by_its_code() {
        assert!(matches!(of("MB002"), Some(Reads::Values)));
        assert!(matches!(of("MB108"), Some(Reads::Everything)));
        let Some(Reads::Props(sets)) = of("MB004") else {
            panic!("MB004 reads properties: {:?}", of("MB004"));
        };
        assert!(sets.iter().any(|s| s.contains(&props::ENABLE_EDIT_WHILE_RUNNING)));
        assert!(of("MB999").is_none());
    }

    /// The limited re-lint finds the changed properties among the declared ones only, and takes
    /// the ISAPI set of the version before when none of them is one of these: each must be
    /// declared, or its change would go unseen.
    #[test]
    fn what_the_isapi_set_and_the_worker_read_is_declared() {
        for p in ISAPI_SET.iter().chain(WORKER) {
            assert!(declared().any(|d| d == p), "{} is not declared", p.name);
        }
    }
}
