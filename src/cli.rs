//! The command line: argument parsing, running the lint, printing, and the exit-code contract
//! (0 no finding at or above the fail level, 1 findings, 2 usage, input or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::lint::{FileReport, Options, lint_path};
use crate::report::inspect::{InspectResult, Inspected, isapi_roles};
use crate::report::{json, text};
use crate::resolve::drive::{Drives, parse_mapping};
use crate::resolve::{fsys, pe};

#[derive(Debug, Parser)]
#[command(
    name = "mblint",
    version,
    about = "Lint an IIS 6.0 metabase (MetaBase.xml) for ISAPI DLLs that worker processes cannot load"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check MetaBase.xml files, or copies of servers' system drives.
    Check(CheckArgs),
    /// Show what PE images are: machine, PE32/PE32+, DLL, exports, imports, CLR flags.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Image files (DLL or EXE).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings drawn with the source lines around them.
    Text,
    /// One JSON document (schema in the README).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// MetaBase.xml files, or folders that are copies of a server's system drive (with
    /// WINDOWS/system32/inetsrv/MetaBase.xml in any letter case; the folder stands for C:).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Map a Windows drive to a folder, to read the DLLs the metabase names (repeatable): -d D:=/mnt/d.
    #[arg(short, long = "drive", value_name = "X:=DIR", value_parser = parse_mapping)]
    pub drives: Vec<(char, PathBuf)>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = Severity::Warning, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Exit 0 even when findings remain (errors reading input still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Exit codes.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN });
        }
    };
    match std::panic::catch_unwind(|| run(&cli)) {
        Ok(code) => ExitCode::from(code),
        Err(_) => {
            eprintln!(
                "mblint: internal error (this is a bug in mblint; please report it with the input that caused it)"
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    match &cli.command {
        Command::Check(args) => check(args),
        Command::Inspect(args) => inspect(args),
    }
}

/// The drives to resolve on: those given, else on Windows the machine's own (mblint on the server).
fn drives(args: &CheckArgs) -> Drives {
    let mut drives = if args.drives.is_empty() && cfg!(windows) {
        Drives::native()
    } else {
        Drives::default()
    };
    for (letter, root) in &args.drives {
        drives.insert(*letter, root.clone());
    }
    drives
}

fn inspect(args: &InspectArgs) -> u8 {
    let items: Vec<Inspected> = args
        .files
        .iter()
        .map(|file| {
            let bytes = fsys::entry_kind(file)
                .map_err(|e| e.to_string())
                .and_then(|kind| match kind {
                    fsys::EntryKind::Special(what) => Err(format!("{what}: not opened")),
                    fsys::EntryKind::Dir => Err("a folder".into()),
                    _ => std::fs::File::open(file).map_err(|e| e.to_string()),
                })
                .and_then(|f| fsys::read_capped(f, pe::MAX_IMAGE_SIZE).map_err(|e| e.to_string()))
                .and_then(|b| b.ok_or_else(|| format!("larger than {} bytes", pe::MAX_IMAGE_SIZE)));
            let result = match bytes {
                Err(unreadable) => InspectResult::Unreadable {
                    unreadable: format!("cannot read: {unreadable}"),
                },
                Ok(bytes) => match pe::classify(&bytes) {
                    Ok(info) => InspectResult::Image {
                        bitness: info.bitness(),
                        isapi: isapi_roles(&info),
                        info,
                    },
                    Err(error) => InspectResult::Invalid { error },
                },
            };
            Inspected {
                file: file.display().to_string(),
                result,
            }
        })
        .collect();
    let out = match args.format {
        Format::Json => crate::report::inspect::json(&items),
        Format::Text => crate::report::inspect::table(&items),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return EXIT_ERROR;
    }
    if items
        .iter()
        .any(|i| matches!(i.result, InspectResult::Unreadable { .. }))
    {
        EXIT_ERROR
    } else if items.iter().any(|i| matches!(i.result, InspectResult::Invalid { .. })) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn check(args: &CheckArgs) -> u8 {
    let mut reports: Vec<FileReport> = Vec::new();
    let mut input_failed = false;
    let options = Options { drives: drives(args) };
    for path in &args.paths {
        match lint_path(path, &options) {
            Ok(report) => reports.push(report),
            Err(e) => {
                eprintln!("mblint: error: {e}");
                input_failed = true;
            }
        }
    }
    let output = match args.format {
        Format::Json => json::render(&reports),
        Format::Text => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            text::render(
                &reports,
                text::TextOptions {
                    color,
                    ..Default::default()
                },
            )
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return EXIT_ERROR;
    }
    if input_failed {
        return EXIT_ERROR;
    }
    let failing = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity >= args.fail_on);
    if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
