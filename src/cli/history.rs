//! `mblint history PATH`: the command line of [`crate::history`]. Exit codes as for `check`, on the
//! current file's findings: 0 none at the fail level, 1 some, 2 the current file, the History
//! folder or the configuration could not be read. A history file that cannot be read is listed and
//! skipped, never fatal.

use std::io::Write;
use std::path::PathBuf;

use super::{
    Charset, CheckArgs, Color, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Format, PlatformArg, drives_for, settings_for,
};
use crate::diagnostic::Severity;
use crate::lint::Options;
use crate::report::{github, history as render, sarif};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// A copy of a server's system drive (with WINDOWS/system32/inetsrv/MetaBase.xml and its History
    /// folder, in any letter case), a History folder itself, or a MetaBase.xml with History beside it.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The current MetaBase.xml (default: the drive copy's, or the one beside the History folder;
    /// with neither, the newest history file that reads).
    #[arg(long, value_name = "FILE")]
    pub metabase: Option<PathBuf>,
    /// Map a Windows drive to a folder, to read the DLLs the metabase names (repeatable): -d D:=/mnt/d.
    #[arg(short, long = "drive", value_name = "X:=DIR", value_parser = crate::resolve::drive::parse_mapping)]
    pub drives: Vec<(char, PathBuf)>,
    /// Output format (concise is not offered: a timeline needs its lines).
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
    if args.format == Format::Concise {
        say!("mblint: error: history has no concise format: use text, json, sarif or github");
        return Ok(EXIT_ERROR);
    }
    let check = as_check(args);
    let prepared = crate::history::layout(&args.path, args.metabase.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|layout| {
            // The configuration of the current file (none is looked for inside a drive copy).
            let anchor = layout
                .current
                .clone()
                .unwrap_or_else(|| layout.folder.join("MetaBase.xml"));
            let in_copy = layout.drive.is_some() || layout.current.is_none();
            let settings =
                settings_for(&check, &anchor, in_copy.then_some(layout.folder.as_path())).map_err(|e| e.to_string())?;
            let options = Options {
                drives: drives_for(&check, &settings)?,
                platform: args.platform.map(Into::into).or(settings.platform),
                drive_copy: layout.drive.clone(),
                settings,
                forced_bitness: None,
                dll_map: false,
            };
            Ok((layout, options))
        });
    let (layout, options) = match prepared {
        Ok(p) => p,
        Err(e) => {
            say!("mblint: error: {e}");
            return failure_page(args, e);
        }
    };
    let result = match crate::history::run(&layout, &options) {
        Ok(r) => r,
        Err(e) => {
            say!("mblint: error: {e}");
            return failure_page(args, e.to_string());
        }
    };
    for skipped in result.history.skipped() {
        say!(
            "mblint: warning: history file {} skipped: {}",
            skipped.path,
            skipped.error.as_deref().unwrap_or_default()
        );
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Text | Format::Concise => {
            stdout.write_all(render::text(&result.history, &result.current).as_bytes())?
        }
        Format::Json => render::json(&result.history, &result.current, &mut stdout)?,
        Format::Sarif => {
            let (report, skipped) = render::annotated(&result.history, &result.current);
            sarif::write(std::slice::from_ref(&report), &skipped, &mut stdout)?
        }
        Format::Github => {
            let (report, skipped) = render::annotated(&result.history, &result.current);
            github::write(std::slice::from_ref(&report), &skipped, &mut stdout)?
        }
        Format::Html => crate::report::html::history::write(&result.history, &result.current, &mut stdout)?,
    }
    stdout.flush()?;
    let failing = result.current.diagnostics.iter().any(|d| d.severity >= args.fail_on);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Exit 2; with `--format html`, a page that says the history could not be read (never fail open).
fn failure_page(args: &HistoryArgs, error: String) -> std::io::Result<u8> {
    if args.format == Format::Html {
        let failure = crate::lint::InputFailure {
            path: args.path.display().to_string(),
            error,
        };
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        crate::report::html::history::write_failure(&failure, &mut stdout)?;
        stdout.flush()?;
    }
    Ok(EXIT_ERROR)
}
