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

/// Checks that a code or prefix names at least one rule.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if RULES.iter().any(|r| matches(r.code, pattern)) {
        Ok(())
    } else {
        Err(format!("`{pattern}` matches no rule code (see `mblint rules`)"))
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

    /// Applies command-line options over the file's: `--select` replaces, `--ignore` adds.
    pub fn with_command_line(mut self, select: &[String], ignore: &[String]) -> Result<Settings, ConfigError> {
        for p in select.iter().chain(ignore) {
            check_pattern(p).map_err(ConfigError::Usage)?;
        }
        if !select.is_empty() {
            self.select = select.to_vec();
        }
        self.ignore.extend(ignore.iter().cloned());
        Ok(self)
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

    /// Parses a configuration file's text; relative drive folders are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Settings, String> {
        // The error names the place and the problem, never the file's text (which may not be ours to
        // show: a link to /proc/self/environ, a secret).
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|r| {
                let before = &text[..r.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}: ")
            });
            format!("{}{}", at.unwrap_or_default(), e.message().trim_end())
        })?;
        for p in file.select.iter().chain(&file.ignore) {
            check_pattern(p)?;
        }
        let mut severity = BTreeMap::new();
        for (code, level) in file.severity {
            let rule =
                crate::rules::by_code(&code).ok_or_else(|| format!("[severity]: `{code}` is not a rule code"))?;
            severity.insert(rule.code.to_string(), level);
        }
        let mut drives = Vec::new();
        for (letter, dir) in file.drives {
            let (letter, _) = crate::resolve::drive::parse_mapping(&format!("{letter}={}", dir.display()))
                .map_err(|e| format!("[drives]: {e}"))?;
            drives.push((letter, base.join(dir)));
        }
        let mut location_ignores = Vec::new();
        for entry in file.per_location {
            for p in &entry.ignore {
                check_pattern(p).map_err(|e| format!("[[per-location]] {}: {e}", entry.location))?;
            }
            if !entry.location.starts_with('/') {
                return Err(format!(
                    "[[per-location]]: `{}` is not a metabase Location (like /LM/W3SVC/1/ROOT)",
                    entry.location
                ));
            }
            location_ignores.push((normalise_location(&entry.location), entry.ignore));
        }
        let platform = match &file.platform {
            None => None,
            Some(text) => Some(
                crate::platform::Platform::parse(text)
                    .ok_or_else(|| format!("platform: `{text}` is not a platform mblint knows (x86, x64 or ia64)"))?,
            ),
        };
        Ok(Settings {
            select: file.select,
            ignore: file.ignore,
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
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    drives: BTreeMap<String, PathBuf>,
    #[serde(default)]
    per_location: Vec<PerLocation>,
    platform: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerLocation {
    location: String,
    ignore: Vec<String>,
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
}
