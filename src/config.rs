//! Which rules run and how their findings are reported: `--select`/`--ignore` and `mblint.toml`.
//!
//! A metabase has no room for suppression comments, so the configuration file is the only way to
//! silence a finding for part of a server: ignores scoped to a Location and everything below it.
//!
//! Trust: a configuration is either named (`--config FILE`, trusted as the user's own) or discovered
//! (`mblint.toml` beside a MetaBase.xml given as a file). A copy of a server's drive is input from
//! whoever last touched the server, so nothing inside one configures mblint: no file is discovered
//! in it. A discovered file may select, ignore and re-rate rules (it belongs to whoever keeps the
//! metabase), but not map drives, which would let it point mblint at any folder of the machine; a
//! gate that must not be silenced passes `--config` or `--isolated`, which turn discovery off.
//! A configuration file is read only if it is a regular file (no link followed when discovered), up
//! to [`MAX_CONFIG_SIZE`], and its errors never echo its content.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Severity};
use crate::metabase::model::normalise_location;
use crate::rules::RULES;

/// The name of the configuration file looked for next to a metabase.
pub const CONFIG_FILE: &str = "mblint.toml";

/// The largest configuration file read.
pub const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// How a configuration file came to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--config FILE`: the user's own.
    Named,
    /// Found beside the metabase.
    Discovered,
}

/// Rule selection and reporting settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Codes or prefixes to run; empty: all.
    pub select: Vec<String>,
    /// Codes or prefixes not to run.
    pub ignore: Vec<String>,
    /// Severity overrides by code.
    pub severity: BTreeMap<String, Severity>,
    /// (normalised Location, codes or prefixes) ignored at that Location and below.
    pub location_ignores: Vec<(String, Vec<String>)>,
    /// Drive mappings from the file, folders resolved against the file's folder.
    pub drives: Vec<(char, PathBuf)>,
    /// The file these came from, for `--verbose`.
    pub source: Option<PathBuf>,
    /// `platform = "x86" | "x64" | "ia64"`: the server's platform, above what the evidence says.
    pub platform: Option<crate::platform::Platform>,
}

/// A configuration problem: what and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{0}")]
    Usage(String),
}

fn matches(code: &str, pattern: &str) -> bool {
    pattern.eq_ignore_ascii_case("ALL")
        || code.len() >= pattern.len() && code[..pattern.len()].eq_ignore_ascii_case(pattern)
}

/// A pattern as the code or prefix it stands for: a code (`MB102`), a prefix (`MB1`), `ALL`, or a
/// rule's name (`worker-bitness-mismatch`, as `mblint rule` takes it). An error if it names no rule.
pub fn resolve_pattern(pattern: &str) -> Result<String, String> {
    if let Some(rule) = RULES.iter().find(|r| r.name.eq_ignore_ascii_case(pattern)) {
        return Ok(rule.code.to_string());
    }
    if RULES.iter().any(|r| matches(r.code, pattern)) {
        Ok(pattern.to_string())
    } else {
        Err(format!("`{pattern}` matches no rule code or name (see `mblint rules`)"))
    }
}

/// Checks that a code, prefix or name names at least one rule.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    resolve_pattern(pattern).map(|_| ())
}

/// Resolves a pattern to ignore: one that names MB001 alone (`MB001`, `malformed-metabase`) is
/// refused, since MB001 always runs; a wider one (`ALL`, `MB0`) leaves MB001 running, as
/// docs/configuration.md says.
pub fn resolve_ignore(pattern: &str) -> Result<String, String> {
    let code = resolve_pattern(pattern)?;
    if RULES
        .iter()
        .filter(|r| matches(r.code, &code))
        .all(|r| r.code == "MB001")
    {
        return Err(format!(
            "`{pattern}`: MB001 (malformed-metabase) cannot be ignored: a file mblint cannot read as a metabase must never look clean"
        ));
    }
    Ok(code)
}

/// `line L, column C: ` for a byte range of a configuration file's text.
fn place(text: &str, span: std::ops::Range<usize>) -> String {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: ")
}

/// `--select` and `--ignore` as the codes or prefixes they stand for: validated once per run,
/// before any input is read, so that a bad pattern is one usage error, not one per input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl CommandLine {
    /// A pattern that names no rule, or an ignore of MB001 alone, is a usage error.
    pub fn parse(select: &[String], ignore: &[String]) -> Result<CommandLine, ConfigError> {
        let select = select
            .iter()
            .map(|p| resolve_pattern(p).map_err(|e| ConfigError::Usage(format!("--select {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let ignore = ignore
            .iter()
            .map(|p| resolve_ignore(p).map_err(|e| ConfigError::Usage(format!("--ignore {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CommandLine { select, ignore })
    }
}

/// The settings of every input of one run: the command line's rule selection over the
/// configuration file that applies to each input (the one named with `--config`, the one found
/// beside the metabase, or none with `--isolated`). Each file is read once however many inputs
/// share it, so they share its settings, or its one error.
#[derive(Debug)]
pub struct Configs {
    command_line: CommandLine,
    isolated: bool,
    named: Option<PathBuf>,
    read: std::collections::HashMap<PathBuf, Result<Settings, String>>,
}

impl Configs {
    /// An error if `--select` or `--ignore` names no rule (or ignores MB001 alone): a usage error,
    /// before any input is read.
    pub fn new(
        select: &[String],
        ignore: &[String],
        isolated: bool,
        named: Option<&Path>,
    ) -> Result<Configs, ConfigError> {
        Ok(Configs {
            command_line: CommandLine::parse(select, ignore)?,
            isolated,
            named: named.map(Path::to_path_buf),
            read: Default::default(),
        })
    }

    /// The configuration file that applies to a metabase, and how it came to apply; none with
    /// `--isolated`, or when none is named and none is beside it (or it is in a drive copy).
    pub fn file_for(&self, metabase: &Path, in_drive_copy: bool) -> Option<(PathBuf, Origin)> {
        if self.isolated {
            None
        } else if let Some(named) = &self.named {
            Some((named.clone(), Origin::Named))
        } else {
            Settings::discover(metabase, in_drive_copy).map(|p| (p, Origin::Discovered))
        }
    }

    /// The settings for a metabase: its configuration file's (read the first time a metabase
    /// needs it), then the command line over them. The error names the file.
    pub fn settings(&mut self, metabase: &Path, in_drive_copy: bool) -> Result<Settings, String> {
        let settings = match self.file_for(metabase, in_drive_copy) {
            None => Settings::default(),
            Some((path, origin)) => self
                .read
                .entry(path)
                .or_insert_with_key(|path| Settings::load(path, origin).map_err(|e| e.to_string()))
                .clone()?,
        };
        Ok(settings.with(&self.command_line))
    }
}

impl Settings {
    /// Whether a rule runs. MB001 always does: a file that does not parse must never look clean.
    pub fn enabled(&self, code: &str) -> bool {
        if code == "MB001" {
            return true;
        }
        let selected = self.select.is_empty() || self.select.iter().any(|p| matches(code, p));
        selected && !self.ignore.iter().any(|p| matches(code, p))
    }

    /// Whether a finding of rule `code` at Location `location` counts: false under a
    /// `[[per-location]]` scope that ignores the rule (never for MB001).
    pub fn keeps(&self, code: &str, location: Option<&str>) -> bool {
        let Some(location) = location.filter(|_| !self.location_ignores.is_empty()) else {
            return true;
        };
        let location = normalise_location(location);
        !self.location_ignores.iter().any(|(scope, codes)| {
            let below = location == *scope || location.starts_with(&format!("{}/", scope.trim_end_matches('/')));
            below && code != "MB001" && codes.iter().any(|p| matches(code, p))
        })
    }

    /// Applies per-Location ignores and severity overrides to a file's findings. (The rules leave
    /// ignored places out as they report them; this catches findings made after, such as MB107.)
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if !self.location_ignores.is_empty() {
            diagnostics.retain(|d| self.keeps(d.code, d.location.as_deref()));
        }
        for d in diagnostics.iter_mut() {
            if let Some(&severity) = self.severity.get(d.code) {
                d.severity = severity;
            }
        }
    }

    /// Applies command-line options over the file's: `--select` replaces, `--ignore` adds. Codes,
    /// prefixes and rule names are taken; a pattern that names no rule, or an ignore of MB001 alone,
    /// is a usage error.
    pub fn with_command_line(self, select: &[String], ignore: &[String]) -> Result<Settings, ConfigError> {
        Ok(self.with(&CommandLine::parse(select, ignore)?))
    }

    /// Applies the command line's rule selection, already validated, over the file's.
    pub fn with(mut self, command_line: &CommandLine) -> Settings {
        if !command_line.select.is_empty() {
            self.select = command_line.select.clone();
        }
        self.ignore.extend(command_line.ignore.iter().cloned());
        self
    }

    /// The `[[per-location]]` Locations that match no key of `mb` (neither a key at the Location nor
    /// one below it): their ignores do nothing there, which is worth a warning (a typo, or a site
    /// that was removed).
    pub fn unmatched_locations(&self, mb: &crate::metabase::Metabase) -> Vec<&str> {
        self.location_ignores
            .iter()
            .filter(|(scope, _)| {
                let below = format!("{}/", scope.trim_end_matches('/'));
                !mb.keys.iter().any(|k| *k.path == **scope || k.path.starts_with(&below))
            })
            .map(|(scope, _)| scope.as_str())
            .collect()
    }

    /// Reads a configuration file: a regular file of at most [`MAX_CONFIG_SIZE`] bytes.
    pub fn load(path: &Path, origin: Origin) -> Result<Settings, ConfigError> {
        let shown = path.display().to_string();
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };
        let meta = match origin {
            Origin::Named => std::fs::metadata(path),
            Origin::Discovered => std::fs::symlink_metadata(path),
        }
        .map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        if !meta.is_file() {
            return Err(invalid(
                "not a regular file (a discovered configuration is never read through a link)".into(),
            ));
        }
        if meta.len() > MAX_CONFIG_SIZE {
            return Err(invalid(format!(
                "{} bytes, more than a configuration file may have ({MAX_CONFIG_SIZE})",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| invalid(format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let settings = Settings::parse(&text, base).map_err(invalid)?;
        if origin == Origin::Discovered && !settings.drives.is_empty() {
            return Err(invalid(
                "[drives] is read only from a file named with --config: a configuration found beside a metabase could point mblint at any folder of this machine".into(),
            ));
        }
        Ok(Settings {
            source: Some(path.to_path_buf()),
            ..settings
        })
    }

    /// Parses a configuration file's text; relative drive folders are taken from `base`. Every
    /// error names its line and column.
    pub fn parse(text: &str, base: &Path) -> Result<Settings, String> {
        // The error names the place and the problem, never the file's text (which may not be ours to
        // show: a link to /proc/self/environ, a secret).
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|r| place(text, r));
            format!("{}{}", at.unwrap_or_default(), e.message().trim_end())
        })?;
        let at = |s: &Spanned<String>| place(text, s.span());
        let resolve_all = |patterns: &[Spanned<String>], key: &str, ignore: bool| -> Result<Vec<String>, String> {
            patterns
                .iter()
                .map(|p| {
                    let resolved = if ignore {
                        resolve_ignore(p.get_ref())
                    } else {
                        resolve_pattern(p.get_ref())
                    };
                    resolved.map_err(|e| format!("{}{key}: {e}", at(p)))
                })
                .collect()
        };
        let select = resolve_all(&file.select, "select", false)?;
        let ignore = resolve_all(&file.ignore, "ignore", true)?;
        let mut severity = BTreeMap::new();
        for (code, level) in &file.severity {
            let rule = crate::rules::by_code(code.get_ref())
                .or_else(|| {
                    RULES
                        .iter()
                        .copied()
                        .find(|r| r.name.eq_ignore_ascii_case(code.get_ref()))
                })
                .ok_or_else(|| {
                    format!(
                        "{}[severity]: `{}` is not a rule code or name",
                        at(code),
                        code.get_ref()
                    )
                })?;
            if rule.code == "MB001" && *level != Severity::Error {
                return Err(format!(
                    "{}[severity]: MB001 (malformed-metabase) is always an error: a file mblint cannot read as a metabase must never pass a gate",
                    at(code)
                ));
            }
            severity.insert(rule.code.to_string(), *level);
        }
        let mut drives: Vec<(char, PathBuf)> = Vec::new();
        for (key, dir) in &file.drives {
            let (letter, _) = crate::resolve::drive::parse_mapping(&format!("{}={}", key.get_ref(), dir.display()))
                .map_err(|e| format!("{}[drives]: {e}", at(key)))?;
            if drives.iter().any(|(l, _)| *l == letter) {
                return Err(format!(
                    "{}[drives]: drive {letter}: is mapped twice (`{letter}`, `{letter}:` and `{}:` are one drive)",
                    at(key),
                    letter.to_ascii_lowercase()
                ));
            }
            drives.push((letter, base.join(dir)));
        }
        let mut location_ignores = Vec::new();
        for entry in file.per_location {
            let location = entry.location.get_ref();
            if !location.starts_with('/') {
                return Err(format!(
                    "{}[[per-location]]: `{location}` is not a metabase Location (like /LM/W3SVC/1/ROOT)",
                    at(&entry.location)
                ));
            }
            let ignore = resolve_all(&entry.ignore, &format!("[[per-location]] {location}: ignore"), true)?;
            location_ignores.push((normalise_location(location), ignore));
        }
        let platform = match &file.platform {
            None => None,
            Some(p) => Some(crate::platform::Platform::parse(p.get_ref()).ok_or_else(|| {
                format!(
                    "{}platform: `{}` is not a platform mblint knows (x86, x64 or ia64)",
                    at(p),
                    p.get_ref()
                )
            })?),
        };
        Ok(Settings {
            select,
            ignore,
            severity,
            location_ignores,
            drives,
            source: None,
            platform,
        })
    }

    /// The configuration beside a metabase given as a file, if there is one. None for a metabase
    /// found in a copy of a server's drive (`in_drive_copy`): nothing in one configures mblint.
    pub fn discover(metabase: &Path, in_drive_copy: bool) -> Option<PathBuf> {
        if in_drive_copy {
            return None;
        }
        let beside = metabase.parent().map(|d| d.join(CONFIG_FILE))?;
        // Presence only, without following a link: load() refuses anything but a regular file.
        std::fs::symlink_metadata(&beside).is_ok().then_some(beside)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
    #[serde(default)]
    drives: BTreeMap<Spanned<String>, PathBuf>,
    #[serde(default)]
    per_location: Vec<PerLocation>,
    platform: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerLocation {
    location: Spanned<String>,
    ignore: Vec<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_code_and_prefix() {
        let s = Settings {
            select: vec!["MB1".into(), "MB401".into()],
            ignore: vec!["mb105".into()],
            ..Settings::default()
        };
        assert!(s.enabled("MB102") && s.enabled("MB401") && s.enabled("MB001"));
        assert!(!s.enabled("MB105") && !s.enabled("MB201"));
        assert!(
            Settings {
                ignore: vec!["ALL".into()],
                ..Settings::default()
            }
            .enabled("MB001")
        );
        assert!(check_pattern("MB9").is_err() && check_pattern("mb2").is_ok());
    }

    #[test]
    fn a_config_file() {
        let text = r#"
select = ["MB1", "MB2"]
ignore = ["MB205"]

[severity]
MB302 = "error"
mb105 = "info"

[drives]
"C:" = "server/c"
D = "/mnt/d"

[[per-location]]
location = "/LM/W3SVC/5/ROOT"
ignore = ["MB102"]
"#;
        let s = Settings::parse(text, Path::new("/etc/mblint")).unwrap();
        assert_eq!(s.select, ["MB1", "MB2"]);
        assert_eq!(s.severity.get("MB105"), Some(&Severity::Info));
        assert_eq!(
            s.drives,
            [
                ('C', PathBuf::from("/etc/mblint/server/c")),
                ('D', PathBuf::from("/mnt/d"))
            ]
        );
        assert_eq!(
            s.location_ignores,
            [("/lm/w3svc/5/root".to_string(), vec!["MB102".to_string()])]
        );
    }

    #[test]
    fn config_errors_say_where() {
        let err = Settings::parse("selct = []", Path::new(".")).unwrap_err();
        assert!(err.contains("line 1") && err.contains("selct"), "{err}");
        assert!(
            Settings::parse("select = [\"MB999\"]", Path::new("."))
                .unwrap_err()
                .contains("MB999")
        );
        assert!(Settings::parse("[severity]\nMB102 = \"fatal\"", Path::new(".")).is_err());
        assert!(
            Settings::parse(
                "[[per-location]]\nlocation = \"W3SVC/1\"\nignore = [\"MB1\"]",
                Path::new(".")
            )
            .is_err()
        );
    }

    #[test]
    fn location_ignores_cover_the_subtree_only() {
        let s = Settings::parse(
            "[[per-location]]\nlocation = \"/LM/W3SVC/5\"\nignore = [\"MB1\"]",
            Path::new("."),
        )
        .unwrap();
        let rule = crate::rules::by_code("MB102").unwrap();
        let at = |loc: &str| {
            let mut d = rule.diagnostic(crate::metabase::Span::default(), "x");
            d.location = Some(loc.into());
            d
        };
        let mut ds = vec![
            at("/LM/W3SVC/5/ROOT"),
            at("/lm/w3svc/5"),
            at("/LM/W3SVC/50/ROOT"),
            at("/LM/W3SVC"),
        ];
        s.apply(&mut ds);
        let left: Vec<_> = ds.iter().map(|d| d.location.clone().unwrap()).collect();
        assert_eq!(left, ["/LM/W3SVC/50/ROOT", "/LM/W3SVC"]);
    }

    #[test]
    fn every_code_error_names_its_line() {
        for (text, line, what) in [
            (
                "select = [\"MB1\"]\nignore = [\n  \"MB999\",\n]",
                "line 3, column 3",
                "MB999",
            ),
            (
                "[severity]\nMB102 = \"error\"\nMB998 = \"info\"",
                "line 3, column 1",
                "MB998",
            ),
            (
                "[[per-location]]\nlocation = \"/LM/W3SVC/1\"\nignore = [\"MB102\", \"nope\"]",
                "line 3, column 20",
                "nope",
            ),
            ("platform = \"arm\"", "line 1, column 12", "arm"),
            (
                "[[per-location]]\nlocation = \"W3SVC/1\"\nignore = [\"MB1\"]",
                "line 2, column 12",
                "W3SVC/1",
            ),
        ] {
            let err = Settings::parse(text, Path::new(".")).unwrap_err();
            assert!(err.starts_with(line) && err.contains(what), "{text:?}: {err}");
        }
    }

    #[test]
    fn rule_names_stand_for_their_codes() {
        let s = Settings::parse(
            "select = [\"worker-bitness-mismatch\", \"MB2\"]\nignore = [\"Unresolvable-Path\"]\n[severity]\nextension-prohibited = \"error\"",
            Path::new("."),
        )
        .unwrap();
        assert_eq!(s.select, ["MB102", "MB2"]);
        assert_eq!(s.ignore, ["MB205"]);
        assert_eq!(s.severity.get("MB401"), Some(&Severity::Error));
        let s = Settings::default()
            .with_command_line(&["mixed-bitness".into()], &["platform-unknown".into()])
            .unwrap();
        assert_eq!(
            (s.select, s.ignore),
            (vec!["MB101".to_string()], vec!["MB107".to_string()])
        );
    }

    #[test]
    fn mb001_cannot_be_ignored_or_downgraded() {
        for pattern in ["MB001", "mb001", "Malformed-Metabase"] {
            let err = Settings::default()
                .with_command_line(&[], &[pattern.into()])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("MB001") && err.contains("cannot be ignored"),
                "{pattern}: {err}"
            );
        }
        // A wider pattern keeps MB001 running, as documented.
        for wider in ["ALL", "MB0", "MB00"] {
            assert!(Settings::default().with_command_line(&[], &[wider.into()]).is_ok());
        }
        assert!(Settings::parse("ignore = [\"MB001\"]", Path::new(".")).is_err());
        assert!(
            Settings::parse(
                "[[per-location]]\nlocation = \"/LM\"\nignore = [\"MB001\"]",
                Path::new(".")
            )
            .is_err()
        );
        let err = Settings::parse("[severity]\nMB001 = \"info\"", Path::new(".")).unwrap_err();
        assert!(
            err.starts_with("line 2, column 1") && err.contains("always an error"),
            "{err}"
        );
        assert!(Settings::parse("[severity]\nMB001 = \"error\"", Path::new(".")).is_ok());
    }

    #[test]
    fn a_drive_letter_mapped_twice_is_an_error() {
        let err = Settings::parse("[drives]\n\"C:\" = \"a\"\nc = \"b\"", Path::new(".")).unwrap_err();
        assert!(err.contains("mapped twice") && err.contains("line "), "{err}");
    }

    #[test]
    fn locations_that_match_no_key() {
        let s = Settings::parse(
            "[[per-location]]\nlocation = \"/LM/W3SVC/1\"\nignore = [\"MB1\"]\n[[per-location]]\nlocation = \"/LM/W3SVC/9/ROOT\"\nignore = [\"MB1\"]",
            Path::new("."),
        )
        .unwrap();
        let mb = crate::metabase::parse(crate::metabase::SourceFile::from_text(
            "m.xml",
            "<configuration><MBProperty><IIsWebVirtualDir Location=\"/LM/W3SVC/1/ROOT\"/></MBProperty></configuration>",
        ))
        .unwrap();
        assert_eq!(s.unmatched_locations(&mb), ["/lm/w3svc/9/root"]);
    }

    #[test]
    fn a_run_reads_each_configuration_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("mblint.toml");
        std::fs::write(&config, "ignore = [\"MB205\"]\n").unwrap();
        let mut configs = Configs::new(&["MB2".into()], &[], false, None).unwrap();
        let first = configs.settings(&dir.path().join("a.xml"), false).unwrap();
        assert_eq!(
            (first.select.as_slice(), first.ignore.as_slice()),
            (&["MB2".to_string()][..], &["MB205".to_string()][..])
        );
        // The file changes between two inputs of one run: both are checked with what was read.
        std::fs::write(&config, "bogus = 1\n").unwrap();
        assert_eq!(configs.settings(&dir.path().join("b.xml"), false), Ok(first));
        // A new run reads it again, and its error is the same for every input.
        let mut configs = Configs::new(&[], &[], false, None).unwrap();
        let error = configs.settings(&dir.path().join("a.xml"), false).unwrap_err();
        assert!(error.contains("unknown field `bogus`"), "{error}");
        assert_eq!(configs.settings(&dir.path().join("b.xml"), false), Err(error));
        // Nothing is read with --isolated, or in a drive copy.
        assert_eq!(
            Configs::new(&[], &[], true, None).unwrap().settings(&config, false),
            Ok(Settings::default())
        );
        assert_eq!(configs.settings(&config, true), Ok(Settings::default()));
    }
}
