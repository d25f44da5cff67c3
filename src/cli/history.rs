//! `mblint history PATH`: the command line of [`crate::history`]. Exit codes as for `check`, on the
//! current file's findings: 0 none at the fail level, 1 some, 2 when anything could not be read:
//! the History folder, the current file (or one that does not show it is current), the
//! configuration, or a history file. Whatever fails, a report in the format asked for says what
//! and why. History files that read but are not whole metabases, and files named like a version
//! that are not one, are skipped and listed (warnings).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::check::{drives_for, settings_for};
use super::{Charset, CheckArgs, Color, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Format, PlatformArg};
use crate::diagnostic::Severity;
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
    /// Output format: text is the timeline; concise one line per finding of the current file, with
    /// the history's warnings and failed inputs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Rules to run, by code or prefix (MB1, MB102); replaces the configuration's select.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules not to run, by code or prefix; adds to the configuration's ignore.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// The lowest severity of a current finding that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = Severity::Warning, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Exit 0 even when the current file has findings (errors reading it still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Use this configuration file instead of an mblint.toml next to the current metabase.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// The server's platform, above what the drive and the metabase say.
    #[arg(long, value_enum, value_name = "PLATFORM")]
    pub platform: Option<PlatformArg>,
    /// Say (on standard error) which configuration was used.
    #[arg(short, long)]
    pub verbose: bool,
}

/// The `check` arguments the shared configuration and drive helpers read.
fn as_check(args: &HistoryArgs) -> CheckArgs {
    CheckArgs {
        paths: vec![args.path.clone()],
        drives: args.drives.clone(),
        format: args.format,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on,
        exit_zero: args.exit_zero,
        statistics: false,
        config: args.config.clone(),
        isolated: args.isolated,
        verbose: args.verbose,
        color: Color::Never,
        charset: Charset::Auto,
        quiet: false,
        min_severity: None,
        output_file: None,
        fix: false,
        unsafe_fixes: false,
        diff: false,
        script: None,
        backup: false,
        worker_bitness: None,
        write_baseline: None,
        baseline: None,
        platform: args.platform,
    }
}

pub fn run(args: &HistoryArgs) -> std::io::Result<u8> {
    let result = match judge(args) {
        Ok(result) => result,
        Err(failure) => {
            say!("mblint: error: {}", failure.error);
            return failure_report(args.format, &failure);
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
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Text => stdout.write_all(render::text(history, &result.current).as_bytes())?,
        Format::Concise => {
            // The warnings were said on stderr above; failed inputs close the listing. The summary
            // leaves out what --fix would fix: history has no --fix (`check --fix` has).
            let (report, failures, _) = render::annotated(history, &result.current);
            let reports = std::slice::from_ref(&report);
            crate::report::text::write_concise(reports, &failures, true, &mut stdout)?;
            if let Some(line) = crate::report::text::server_line(&report) {
                stdout.write_all(line.as_bytes())?;
            }
            stdout.write_all(crate::report::text::summary(reports, &failures).as_bytes())?
        }
        Format::Json => render::json(history, &result.current, &mut stdout)?,
        Format::Sarif => {
            let (report, failures, notes) = render::annotated(history, &result.current);
            sarif::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut stdout)?
        }
        Format::Github => {
            let (report, failures, notes) = render::annotated(history, &result.current);
            github::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut stdout)?
        }
        Format::Gitlab => {
            let (report, failures, notes) = render::annotated(history, &result.current);
            crate::report::gitlab::write_with_warnings(std::slice::from_ref(&report), &failures, &notes, &mut stdout)?
        }
        Format::Junit => {
            let (report, failures, notes) = render::annotated(history, &result.current);
            crate::report::junit::write_with_warnings(
                std::slice::from_ref(&report),
                &failures,
                &notes,
                args.fail_on,
                &mut stdout,
            )?
        }
        Format::Html => crate::report::html::history::write(history, &result.current, &mut stdout)?,
    }
    stdout.flush()?;
    for f in &history.unread {
        say!("mblint: error: {}: {}", f.path, f.error);
    }
    if !history.failures().is_empty() {
        // A version or a DLL that could not be read: no pass, whatever the current file holds.
        return Ok(EXIT_ERROR);
    }
    let failing = result.current.diagnostics.iter().any(|d| d.severity >= args.fail_on);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Finds the history, reads its configuration and lints it; or the input that could not be read.
fn judge(args: &HistoryArgs) -> Result<crate::history::HistoryRun, InputFailure> {
    let check = as_check(args);
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
    let settings = settings_for(&check, &anchor, in_copy.then_some(layout.folder.as_path()))
        .map_err(|e| failure(&given, e.to_string()))?;
    let options = Options {
        drives: drives_for(&check, &settings).map_err(|e| failure(&given, e))?,
        platform: args.platform.map(Into::into).or(settings.platform),
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
fn failure_report(format: Format, failure: &InputFailure) -> std::io::Result<u8> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let failures = std::slice::from_ref(failure);
    match format {
        Format::Text => render::failure_text(failure, &mut stdout)?,
        Format::Concise => crate::report::text::write_concise(&[], failures, false, &mut stdout)?,
        Format::Json => render::failure_json(failure, &mut stdout)?,
        Format::Sarif => sarif::write(&[], failures, &mut stdout)?,
        Format::Github => github::write(&[], failures, &mut stdout)?,
        Format::Gitlab => crate::report::gitlab::write(&[], failures, &mut stdout)?,
        Format::Junit => crate::report::junit::write(&[], failures, Severity::Error, &mut stdout)?,
        Format::Html => crate::report::html::history::write_failure(failure, &mut stdout)?,
    }
    stdout.flush()?;
    Ok(EXIT_ERROR)
}
