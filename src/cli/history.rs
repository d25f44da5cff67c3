//! `mblint history PATH`: the command line of [`crate::history`]. Exit codes as for `check`, on the
//! current file's findings: 0 none at the fail level, 1 some, 2 when anything could not be read:
//! the History folder, the current file (or one that does not show it is current), the
//! configuration, or a history file. Whatever fails, a report in the format asked for says what
//! and why. History files that read but are not whole metabases, and files named like a version
//! that are not one, are skipped and listed (warnings).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{Format, SharedArgs};
use super::check::{drives_for, settings_for};
use super::statistics::{statistics, statistics_json};
use super::{EXIT_ERROR, outputs};
use crate::diagnostic::Severity;
use crate::history::HistoryRun;
use crate::lint::{InputFailure, Options};
use crate::report::{github, history as render, sarif};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// A copy of a server's system drive (with WINDOWS/system32/inetsrv/MetaBase.xml and its History
    /// folder, in any letter case), a History folder itself, or a MetaBase.xml with History beside it.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The current MetaBase.xml (default: the drive copy's, or the one beside the History folder;
    /// only when there is none, the newest history file that reads stands in, and the report says
    /// so). A file other than the MetaBase.xml beside the History folder must carry a
    /// HistoryMajorVersionNumber at least the newest history file's, or it is refused (exit 2).
    #[arg(long, value_name = "FILE")]
    pub metabase: Option<PathBuf>,
    /// Map a Windows drive to a folder, to read the DLLs the metabase names (repeatable): -d D:=/mnt/d.
    #[arg(short, long = "drive", value_name = "X:=DIR", value_parser = crate::resolve::drive::parse_mapping)]
    pub drives: Vec<(char, PathBuf)>,
    #[command(flatten)]
    pub shared: SharedArgs,
}

pub fn run(args: &HistoryArgs) -> std::io::Result<u8> {
    if let Err(e) = args.shared.usage() {
        say!("mblint: error: {e}");
        return Ok(EXIT_ERROR);
    }
    // Before anything is read: -o is no file the run reads, and nothing inside the history.
    let guard = match outputs::for_history(args) {
        Ok(guard) => guard,
        Err(e) => {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut result = match judge(args) {
        Ok(result) => result,
        Err(failure) => {
            say!("mblint: error: {}", failure.error);
            return failure_report(args, &guard, &failure);
        }
    };
    let history = &result.history;
    for w in &history.warnings {
        say!("mblint: warning: {}", w.message);
    }
    for x in history.skipped() {
        say!(
            "mblint: warning: history file {} skipped: {}",
            x.path,
            x.error.as_deref().unwrap_or_default()
        );
    }
    for m in &history.misnamed {
        say!("mblint: warning: history file {} skipped: {}", m.path, m.reason);
    }
    for x in history.failed() {
        say!(
            "mblint: error: history file {} could not be read: {}",
            x.path,
            x.error.as_deref().unwrap_or_default()
        );
    }
    // --baseline: the current findings it holds are not shown and do not fail the run; one that
    // cannot be read fails it (exit 2), and hides nothing.
    let mut baseline_failures = Vec::new();
    let current = std::slice::from_ref(&result.current);
    if let Some(baseline) = args.shared.read_baseline(current, &mut baseline_failures) {
        let held = baseline.held(current).pop().unwrap_or_default();
        let known = held.iter().flatten().filter(|h| **h).count();
        hide(
            &mut result,
            held.into_iter()
                .map(|places| places.into_iter().map(|h| !h).collect())
                .collect(),
        );
        args.shared.say_known(known);
    }
    // The gate's verdict counts every finding not in the baseline; --min-severity only hides.
    let failed = !result.history.failures().is_empty() || !baseline_failures.is_empty();
    let code = args.shared.exit_code(&result.current.diagnostics, failed);
    if args.shared.min_severity.is_some() {
        let keep: Vec<Vec<bool>> = result
            .current
            .diagnostics
            .iter()
            .map(|d| vec![args.shared.shown(d.severity); d.places().count()])
            .collect();
        let hidden = keep.iter().filter(|k| !k.first().copied().unwrap_or(true)).count();
        hide(&mut result, keep);
        args.shared.say_hidden(hidden);
    }
    let history = &result.history;
    let options = crate::report::text::TextOptions {
        color: args.shared.colored(),
        quiet: args.shared.quiet,
        ascii: args.shared.ascii(),
        ..Default::default()
    };
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        let annotated = || {
            let (report, mut failures, notes) = render::annotated(history, &result.current);
            failures.extend(baseline_failures.iter().cloned());
            (report, failures, notes)
        };
        match format {
            Format::Text | Format::Concise if args.shared.statistics => {
                let (report, failures, _) = annotated();
                out.write_all(
                    statistics(std::slice::from_ref(&report), &failures, super::args::output_width()).as_bytes(),
                )
            }
            Format::Json if args.shared.statistics => {
                let (report, failures, _) = annotated();
                out.write_all(statistics_json(std::slice::from_ref(&report), &failures).as_bytes())
            }
            Format::Text => {
                out.write_all(render::text_with(history, &result.current, &options).as_bytes())?;
                for f in &baseline_failures {
                    out.write_all(
                        format!(
                            "\nThe baseline could not be read (this is no pass): {}\n",
                            crate::report::escape::escape(&f.error)
                        )
                        .as_bytes(),
                    )?;
                }
                Ok(())
            }
            Format::Concise => {
                // The warnings were said on stderr above; failed inputs close the listing. The
                // summary leaves out what --fix would fix: history has no --fix (`check --fix` has).
                let (report, failures, _) = annotated();
                let reports = std::slice::from_ref(&report);
                crate::report::text::write_concise(reports, &failures, true, &mut out)?;
                if args.shared.quiet {
                    return Ok(());
                }
                if let Some(line) = crate::report::text::server_line(&report) {
                    out.write_all(line.as_bytes())?;
                }
                out.write_all(crate::report::text::summary(reports, &failures).as_bytes())
            }
            Format::Json => render::json(history, &result.current, &mut out),
            Format::Sarif => {
                let (report, failures, notes) = annotated();
                sarif::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut out)
            }
            Format::Github => {
                let (report, failures, notes) = annotated();
                github::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut out)
            }
            Format::Gitlab => {
                let (report, failures, notes) = annotated();
                crate::report::gitlab::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut out)
            }
            Format::Junit => {
                let (report, failures, notes) = annotated();
                crate::report::junit::write_with_warnings(
                    std::slice::from_ref(&report),
                    &failures,
                    &notes,
                    args.shared.fail_on,
                    &mut out,
                )
            }
            Format::Html => crate::report::html::history::write(history, &result.current, &mut out),
        }
    };
    let not_written = args.shared.write_report(&guard, render)?;
    for f in &history.unread {
        say!("mblint: error: {}: {}", f.path, f.error);
    }
    // The process ends when this returns: freeing the run's versions, findings and places one by
    // one (3% of a history run of 10,000 sites) is work the exit does at once.
    std::mem::forget(result);
    Ok(if not_written { EXIT_ERROR } else { code })
}

/// Leaves out of a history's current findings the places `keep` says not to show (one list per
/// finding, one flag per place), with the findings left with none, keeping the timeline's links
/// to them whole.
fn hide(run: &mut HistoryRun, keep: Vec<Vec<bool>>) {
    let mut new_index: Vec<Option<usize>> = Vec::with_capacity(keep.len());
    let mut kept_places: Vec<Vec<bool>> = Vec::with_capacity(keep.len());
    let mut next = 0;
    let mut keep = keep.into_iter();
    run.current.diagnostics.retain_mut(|d| {
        let places = keep.next().unwrap_or_default();
        let mut it = places.iter();
        let any = d.retain_places(|_| it.next().copied().unwrap_or(true));
        new_index.push(any.then(|| {
            next += 1;
            next - 1
        }));
        kept_places.push(places);
        any
    });
    run.history.findings.retain_mut(|f| {
        let Some(Some(at)) = new_index.get(f.diagnostic).copied() else {
            return false;
        };
        if let Some(places) = kept_places.get(f.diagnostic)
            && places.len() == f.places.len()
        {
            let mut it = places.iter();
            f.places.retain(|_| *it.next().expect("as many"));
            f.introduced_in = if f.places.iter().any(|p| p.introduced_in.is_none()) {
                None
            } else {
                f.places.iter().filter_map(|p| p.introduced_in).min()
            };
        }
        f.diagnostic = at;
        true
    });
}

/// Finds the history, reads its configuration and lints it; or the input that could not be read.
fn judge(args: &HistoryArgs) -> Result<HistoryRun, InputFailure> {
    let failure = |path: &str, error: String| InputFailure {
        path: path.to_string(),
        error,
    };
    let given = args.path.display().to_string();
    let layout =
        crate::history::layout(&args.path, args.metabase.as_deref()).map_err(|e| failure(e.path(), e.to_string()))?;
    // The configuration of the current file (none is looked for inside a drive copy).
    let anchor = layout
        .current
        .path()
        .map_or_else(|| layout.folder.join("MetaBase.xml"), Path::to_path_buf);
    let in_copy = layout.drive.is_some() || layout.current.path().is_none();
    let settings = settings_for(&args.shared, &anchor, in_copy.then_some(layout.folder.as_path()))
        .map_err(|e| failure(&given, e.to_string()))?;
    let options = Options {
        drives: drives_for(&args.drives, &settings).map_err(|e| failure(&given, e))?,
        platform: args.shared.platform.map(Into::into).or(settings.platform),
        drive_copy: layout.drive.clone(),
        settings,
        forced_bitness: None,
        dll_map: false,
        drive_cache: Default::default(),
    };
    crate::history::run(&layout, &options).map_err(|e| failure(e.path(), e.to_string()))
}

/// The report of a history that could not be judged, in the format asked for: the input that could
/// not be read and why, as `check` lists one (never an empty file: a job that uploads the report
/// whatever happened uploads this). Exit 2.
fn failure_report(args: &HistoryArgs, guard: &outputs::Guard, failure: &InputFailure) -> std::io::Result<u8> {
    let failures = std::slice::from_ref(failure);
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Text => render::failure_text(failure, &mut out),
            Format::Concise => crate::report::text::write_concise(&[], failures, false, &mut out),
            Format::Json if args.shared.statistics => out.write_all(statistics_json(&[], failures).as_bytes()),
            Format::Json => render::failure_json(failure, &mut out),
            Format::Sarif => sarif::write(&[], failures, &mut out),
            Format::Github => github::write(&[], failures, &mut out),
            Format::Gitlab => crate::report::gitlab::write(&[], failures, &mut out),
            Format::Junit => crate::report::junit::write(&[], failures, Severity::Error, &mut out),
            Format::Html => crate::report::html::history::write_failure(failure, &mut out),
        }
    };
    args.shared.write_report(guard, render)?;
    Ok(EXIT_ERROR)
}
