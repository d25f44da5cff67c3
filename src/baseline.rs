//! A baseline for legacy estates: today's findings recorded by identity, so that a pre-deployment
//! gate reports only what is new.
//!
//! A finding's identity is its rule, file, Location, property and cause (the value it is about: the
//! DLL path, the script-map line), never its line number, which moves whenever a key is added above
//! it. Identities are counted: two sites mapping the same DLL are two findings, and a third one is
//! new.
//!
//! MB001 (malformed metabase) is never baselined: its identity is its rule and file, so one recorded
//! while a file was truncated would match whatever broke the file later. It is not recorded, and a
//! baseline that holds one (written by hand, or by an older mblint) filters none.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Occurrence};
use crate::lint::FileReport;

/// The version of the baseline file's shape.
const VERSION: u32 = 1;
/// The largest baseline file read.
const MAX_SIZE: u64 = 256 * 1024 * 1024;
/// The rule no baseline accepts: a file mblint cannot read as a metabase.
pub const NEVER_BASELINED: &str = "MB001";

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub code: String,
    /// The file, by what does not depend on how it was named ([`file_key`]).
    pub file: String,
    pub location: String,
    pub attribute: String,
    /// The text the finding is about, trimmed.
    pub cause: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mblint_baseline: u32,
    findings: Vec<Identity>,
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {message}")]
    Read { path: String, message: String },
}

/// How a baseline knows a file, whatever the command line called it: `./x/MetaBase.xml`,
/// `x/MetaBase.xml`, `../../ops/x/MetaBase.xml`, `x\MetaBase.xml` and the drive folder named instead
/// of its metabase are one file.
///
/// A metabase inside a drive copy (`.../<root>/<Windows>/System32/InetSrv/<file>`) is known by its
/// place within the copy, with the copy's folder name: `iis01/windows/system32/inetsrv/metabase.xml`.
/// Any other file by its folder's name and its own: `metabases/web1.xml`. Lower case, `/` between
/// names, `.` and `..` applied as written (no file system is asked: the baseline's own folder and the
/// working folder may differ between the run that wrote it and the one that reads it). Two inputs of
/// one run with the same key share their recorded findings' counts.
pub fn file_key(name: &str) -> String {
    let slashed = name.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in slashed.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    // A drive letter (`C:`) names no folder of a copy.
    let is = |i: usize, name: &str| parts.get(i).is_some_and(|p| p.eq_ignore_ascii_case(name));
    let inetsrv = (1..parts.len().saturating_sub(2))
        .rev()
        .find(|&i| is(i, "system32") && is(i + 1, "inetsrv"));
    let from = match inetsrv {
        Some(i) => i.saturating_sub(2),
        None => parts.len().saturating_sub(2),
    };
    parts[from..].join("/").to_lowercase()
}

fn identity(report: &FileReport, d: &Diagnostic, place: &Occurrence) -> Identity {
    place_identity(&report.source.name, &report.source.text, d, place)
}

/// The identity of one place of a finding in a file named `file` whose decoded text is `text`: what
/// `--baseline` and `mblint history` recognise a finding by.
pub fn place_identity(file: &str, text: &str, d: &Diagnostic, place: &Occurrence) -> Identity {
    Identity {
        code: d.code.to_string(),
        file: file_key(file),
        location: place.location().unwrap_or_default().to_lowercase(),
        attribute: place.attribute().unwrap_or_default().to_lowercase(),
        cause: text
            .get(place.span.start as usize..place.span.end as usize)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Today's findings.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: HashMap<Identity, usize>,
    /// MB001 places left out: found today and not recorded ([`Baseline::of`]), or held by the file
    /// and ignored ([`Baseline::read`]).
    never_baselined: usize,
}

impl Baseline {
    /// Today's findings, but MB001's (counted in [`Baseline::never_baselined`]).
    pub fn of(reports: &[FileReport]) -> Baseline {
        let mut counts = HashMap::new();
        let mut never_baselined = 0;
        for r in reports {
            for d in &r.diagnostics {
                if d.code == NEVER_BASELINED {
                    never_baselined += d.places().count();
                    continue;
                }
                for place in d.places() {
                    *counts.entry(identity(r, d, &place)).or_insert(0) += 1;
                }
            }
        }
        Baseline {
            counts,
            never_baselined,
        }
    }

    /// How many MB001 places were left out (see the module documentation).
    pub fn never_baselined(&self) -> usize {
        self.never_baselined
    }

    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Writes the baseline file (sorted, so that it diffs well under version control).
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut findings: Vec<Identity> = self
            .counts
            .iter()
            .flat_map(|(id, n)| std::iter::repeat_n(id.clone(), *n))
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.location, &a.code, &a.attribute, &a.cause).cmp(&(
                &b.file,
                &b.location,
                &b.code,
                &b.attribute,
                &b.cause,
            ))
        });
        let text = serde_json::to_string_pretty(&File {
            mblint_baseline: VERSION,
            findings,
        })
        .expect("serialisable")
            + "\n";
        out.write_all(text.as_bytes())
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let read_error = |message: String| BaselineError::Read {
            path: path.display().to_string(),
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| read_error(e.to_string()))?;
        if !meta.is_file() || meta.len() > MAX_SIZE {
            return Err(read_error(format!("not a regular file of at most {MAX_SIZE} bytes")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| read_error(e.to_string()))?;
        let file: File = serde_json::from_str(&text).map_err(|e| read_error(format!("not a baseline: {e}")))?;
        if file.mblint_baseline != VERSION {
            return Err(read_error(format!(
                "version {} (this mblint writes and reads version {VERSION})",
                file.mblint_baseline
            )));
        }
        let mut counts = HashMap::new();
        let mut never_baselined = 0;
        for mut id in file.findings {
            // Written by this mblint, or by hand, or by one that recorded the name as given.
            id.file = file_key(&id.file);
            if id.code == NEVER_BASELINED {
                never_baselined += 1;
                continue;
            }
            *counts.entry(id).or_insert(0) += 1;
        }
        Ok(Baseline {
            counts,
            never_baselined,
        })
    }

    /// The files the baseline holds findings of, by [`file_key`], sorted.
    pub fn files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self.counts.keys().map(|id| id.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Whether the baseline holds findings and none of them is of a file among `reports`: then it
    /// filters nothing, and every finding is shown as new.
    pub fn matches_no_file(&self, reports: &[FileReport]) -> bool {
        let run: std::collections::HashSet<String> = reports.iter().map(|r| file_key(&r.source.name)).collect();
        !self.counts.is_empty() && !self.counts.keys().any(|id| run.contains(&id.file))
    }

    /// For each report, each of its findings and each place of a finding: whether the baseline
    /// holds it (never an MB001). Each recorded finding covers one place, first come first served.
    pub fn held(&self, reports: &[FileReport]) -> Vec<Vec<Vec<bool>>> {
        let mut left = self.counts.clone();
        reports
            .iter()
            .map(|r| {
                r.diagnostics
                    .iter()
                    .map(|d| {
                        d.places()
                            .map(|p| {
                                if d.code == NEVER_BASELINED {
                                    return false;
                                }
                                match left.get_mut(&identity(r, d, &p)) {
                                    Some(n) if *n > 0 => {
                                        *n -= 1;
                                        true
                                    }
                                    _ => false,
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// Removes from `reports` the findings the baseline holds, never an MB001; returns how many
    /// were removed.
    pub fn filter(&self, reports: &mut [FileReport]) -> usize {
        let held = self.held(reports);
        let mut removed = 0;
        for (r, held) in reports.iter_mut().zip(held) {
            // Per place: a finding stays with the places the baseline does not hold.
            let mut held = held.into_iter();
            r.diagnostics.retain_mut(|d| {
                let mut places = held.next().expect("one per finding").into_iter();
                d.retain_places(|_| {
                    let known = places.next().expect("one per place");
                    removed += usize::from(known);
                    !known
                })
            });
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_known_whatever_it_was_called() {
        let copy = "iis01/windows/system32/inetsrv/metabase.xml";
        for name in [
            "testdata/servers/iis01/Windows/System32/InetSrv/MetaBase.xml",
            "./testdata/servers/iis01/Windows/System32/InetSrv/MetaBase.xml",
            "../../ops/testdata/servers/iis01/WINDOWS/system32/inetsrv/MetaBase.xml",
            "/mnt/x/iis01/Windows/System32/InetSrv/MetaBase.xml",
            "C:\\copies\\iis01\\Windows\\System32\\InetSrv\\MetaBase.xml",
            "iis01/Windows/./System32/x/../InetSrv/MetaBase.xml",
            copy,
        ] {
            assert_eq!(file_key(name), copy, "{name}");
        }
        // The Windows folder is part of the place (a copy may hold WINNT or Windows on D:).
        assert_eq!(
            file_key("d/WINNT/System32/InetSrv/MetaBase.xml"),
            "d/winnt/system32/inetsrv/metabase.xml"
        );
        assert_eq!(
            file_key("Windows/System32/InetSrv/MetaBase.xml"),
            "windows/system32/inetsrv/metabase.xml"
        );
        // Not in a copy: the folder's name and the file's.
        for name in [
            "metabases/web1.xml",
            "./metabases/web1.xml",
            "/srv/ops/Metabases/WEB1.xml",
            "a/../metabases/web1.xml",
        ] {
            assert_eq!(file_key(name), "metabases/web1.xml", "{name}");
        }
        assert_eq!(file_key("MetaBase.xml"), "metabase.xml");
        assert_eq!(file_key(""), "");
        assert_eq!(file_key("../x.xml"), "../x.xml");
        // Idempotent: a key read back from a baseline is itself.
        assert_eq!(file_key(copy), copy);
        assert_eq!(file_key("metabases/web1.xml"), "metabases/web1.xml");
    }
    use crate::lint::lint_bytes;

    const FIXTURE: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/metabases/fpse2002-64bit.xml"
    ));

    #[test]
    fn findings_are_known_by_identity_not_by_line() {
        let before = lint_bytes("m.xml", FIXTURE);
        let baseline = Baseline::of(std::slice::from_ref(&before));
        assert_eq!(baseline.len(), before.diagnostics.len());
        // A key added at the top moves every line: nothing is new.
        let moved = FIXTURE.replacen(
            "<IIS_ROOT",
            "<IIsConfigObject\tLocation =\"/LM/Extra\"\r\n\t>\r\n</IIsConfigObject>\r\n<IIS_ROOT",
            1,
        );
        let mut after = [lint_bytes("m.xml", moved.as_str())];
        assert_eq!(baseline.filter(&mut after), before.diagnostics.len());
        assert!(after[0].diagnostics.is_empty());
        // A new DLL of the wrong bitness is new.
        let worse = FIXTURE.replacen(
            "ScriptMaps=\".asp,",
            "ScriptMaps=\".new,C:\\Program Files (x86)\\New\\new.dll,1,GET\r\n\t\t\t.asp,",
            1,
        );
        let mut after = [lint_bytes("m.xml", worse.as_str())];
        baseline.filter(&mut after);
        let new: Vec<&str> = after[0].diagnostics.iter().map(|d| d.code).collect();
        assert!(new.contains(&"MB102"), "{new:?}");
        for d in after[0].diagnostics.iter().filter(|d| d.code == "MB102") {
            assert!(
                d.message.contains("new.dll") || d.message.contains("`.new`"),
                "{}",
                d.message
            );
        }
    }

    #[test]
    fn a_baseline_round_trips_through_its_file() {
        let report = lint_bytes("m.xml", FIXTURE);
        let baseline = Baseline::of(std::slice::from_ref(&report));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let mut file = Vec::new();
        baseline.write_to(&mut file).unwrap();
        std::fs::write(&path, file).unwrap();
        let read = Baseline::read(&path).unwrap();
        assert_eq!(read.counts, baseline.counts);
        std::fs::write(&path, "{\"mblint_baseline\": 9, \"findings\": []}").unwrap();
        assert!(Baseline::read(&path).unwrap_err().to_string().contains("version 9"));
        std::fs::write(&path, "not json").unwrap();
        assert!(Baseline::read(&path).unwrap_err().to_string().contains("line 1"));
    }

    #[test]
    fn mb001_is_never_recorded_nor_filtered() {
        // A truncated metabase: its MB001 is not recorded, its other findings are.
        let truncated = &FIXTURE[..FIXTURE.len() / 2];
        let before = lint_bytes("m.xml", truncated);
        assert!(before.diagnostics.iter().any(|d| d.code == "MB001"));
        let baseline = Baseline::of(std::slice::from_ref(&before));
        assert_eq!(baseline.never_baselined(), 1);
        assert!(
            baseline.counts.keys().all(|id| id.code != "MB001"),
            "{:?}",
            baseline.counts
        );
        let mut again = [lint_bytes("m.xml", truncated)];
        baseline.filter(&mut again);
        assert_eq!(
            again[0].diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["MB001"]
        );
        // A baseline file that holds one (by hand, or from an older mblint) filters none: its identity
        // (rule and file, no cause) would match any later malformation of the file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let held: Vec<Identity> = before
            .diagnostics
            .iter()
            .flat_map(|d| d.places().map(|p| identity(&before, d, &p)))
            .collect();
        assert!(held.iter().any(|id| id.code == "MB001" && id.cause.is_empty()));
        std::fs::write(
            &path,
            serde_json::to_string(&File {
                mblint_baseline: VERSION,
                findings: held,
            })
            .unwrap(),
        )
        .unwrap();
        let read = Baseline::read(&path).unwrap();
        assert_eq!(read.never_baselined(), 1);
        let mut later = [lint_bytes("m.xml", &FIXTURE[..100])];
        read.filter(&mut later);
        assert!(later[0].diagnostics.iter().any(|d| d.code == "MB001"));
    }
}
