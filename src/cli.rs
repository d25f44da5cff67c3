//! The command line: argument parsing, running the lint, printing, and the exit-code contract
//! (0 no finding at or above the fail level, 1 findings, 2 usage, input or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::lint::{FileReport, lint_file};
use crate::report::{json, text};

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
    /// Check one or more MetaBase.xml files.
    Check(CheckArgs),
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
    /// MetaBase.xml files to check.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
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
    }
}

fn check(args: &CheckArgs) -> u8 {
    let mut reports: Vec<FileReport> = Vec::new();
    let mut input_failed = false;
    for path in &args.paths {
        match lint_file(path) {
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
