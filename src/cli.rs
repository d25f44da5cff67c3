//! The command line: argument parsing, running the lint, printing, and the exit-code contract
//! (0 no finding at or above the fail level, 1 findings, 2 usage, input or internal error).
//!
//! One module per subcommand, as ruff's `commands/` ([`check`], [`compare`], [`history`],
//! [`inspect`] with [`deps`], [`rules`], [`man`]), and the options and values they share in one
//! place ([`args`]); [`outputs`] guards where a run writes, [`statistics`] counts findings per rule.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Writes a line to standard error with every control character escaped: paths and messages may
/// come from a drive copy (a file name in the server's folder) and must not reach the terminal as
/// control sequences.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", crate::report::escape::escape(&format!($($arg)*)))
    };
}

// The options and values every subcommand shares, defined once.
pub mod args;
// `mblint check`.
pub mod check;
// `mblint compare` (issue 18).
pub mod compare;
// `mblint inspect --deps`: dependency trees on a drive copy (issue 20).
mod deps;
// `mblint history`: its arguments and command (issue 14).
pub mod history;
// `mblint inspect`.
pub mod inspect;
// `mblint completions` and `mblint man`.
pub mod man;
// Where `check` and `compare` write, guarded against the files they read (issue 19).
mod outputs;
// `mblint rules` and `mblint rule`.
pub mod rules;
// `--statistics`.
pub mod statistics;

pub use args::{Charset, Color, Format, ListFormat, PlatformArg, ScriptKind, SharedArgs, auto_ascii, auto_color};
pub use check::{CheckArgs, STDIN_NAME};
pub use compare::CompareArgs;
pub use history::HistoryArgs;
pub use inspect::InspectArgs;
pub use man::{CompletionsArgs, ManArgs};
pub use rules::{ListArgs, RuleArgs, RuleFormat};
pub use statistics::statistics;

#[derive(Debug, Parser)]
#[command(
    name = "mblint",
    version,
    about = "Lint an IIS 6.0 metabase (MetaBase.xml) for ISAPI DLLs that worker processes cannot load",
    after_help = TOP_EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check MetaBase.xml files, or copies of servers' system drives.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(CheckArgs),
    /// Compare the nodes of a farm or cluster: lint each, then report what differs in what decides
    /// whether DLLs load (MB6xx).
    #[command(after_help = COMPARE_EXIT_CODES)]
    Compare(CompareArgs),
    /// Show what PE images are: machine, PE32/PE32+, DLL, exports, imports, CLR flags.
    #[command(after_help = INSPECT_EXIT_CODES)]
    Inspect(InspectArgs),
    /// List every rule: code, name, default severity, fix availability, summary.
    #[command(after_help = LIST_EXIT_CODES)]
    Rules(ListArgs),
    /// Print a rule's document (by code, like MB102, or name, like worker-bitness-mismatch).
    #[command(after_help = RULE_EXIT_CODES)]
    Rule(RuleArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = WRITE_EXIT_CODES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per subcommand into a folder.
    #[command(after_help = WRITE_EXIT_CODES)]
    Man(ManArgs),
    /// Lint every saved version of a metabase (its History folder) and tell which change introduced
    /// each finding of the current file.
    #[command(after_help = HISTORY_EXIT_CODES)]
    History(HistoryArgs),
}

// Every subcommand's help ends with its exit codes (the contract scripts rely on), and so does the
// top-level help; the manual pages show them under EXIT STATUS (`man`).
const TOP_EXIT_CODES: &str = "Exit codes (each subcommand's --help gives its own):\n  0  no finding at or above the fail level (--fail-on), or the command did what was asked\n  1  findings at or above the fail level remain\n  2  usage error, an input not read or checked, an output not written, or an internal error";
const COMPARE_EXIT_CODES: &str = "compare reports and changes nothing: --fix, --diff, --script and --write-baseline are\ncheck's (run `mblint check` on a node). --baseline and --min-severity hide findings; the\ncomparison tables still show every difference between the nodes.\n\nExit codes:\n  0  every node was read, and no drift or finding at or above --fail-on (or --exit-zero)\n  1  drift (MB6xx) or a node's findings at or above --fail-on\n  2  a node that could not be read or does not parse (also with --exit-zero), a usage error, a\n     report (-o) or baseline not written, or an internal error";
const HISTORY_EXIT_CODES: &str = "history reports and changes nothing: --fix, --diff, --script and --write-baseline are\ncheck's (run `mblint check` on the current MetaBase.xml). --baseline and --min-severity hide\ncurrent findings (the timeline still counts every finding of each version); -q leaves out the\nclosing summary.\n\nExit codes:\n  0  no finding of the current file at or above --fail-on (or --exit-zero)\n  1  findings of the current file at or above --fail-on\n  2  anything that could not be read, a version included (also with --exit-zero), a usage\n     error, or an internal error";
const CHECK_EXIT_CODES: &str = "Exit codes:\n  0  no finding at or above --fail-on (or --exit-zero)\n  1  findings at or above --fail-on remain (--diff, --script: nothing written)\n  2  usage error, unreadable input, a fix, report (-o) or baseline not written, or an internal error";
const INSPECT_EXIT_CODES: &str = "Exit codes:\n  0  every file is a readable PE image\n  1  some files are not valid PE images\n  2  usage error, or a file or folder could not be read";
const LIST_EXIT_CODES: &str =
    "Exit codes:\n  0  the rules were listed\n  2  usage error, or the output could not be written";
const RULE_EXIT_CODES: &str =
    "Exit codes:\n  0  the document was printed\n  2  no rule has that code or name, or a usage or output error";
const WRITE_EXIT_CODES: &str = "Exit codes:\n  0  written\n  2  usage error, or the output could not be written";

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
            say!("mblint: internal error (this is a bug in mblint; please report it with the input that caused it)");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    let result = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Rule(args) => rules::show(args),
        Command::Completions(args) => man::completions(args),
        Command::Man(args) => man::man(args),
        Command::History(args) => history::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`mblint ... | head`) is the reader's choice, not an error to report.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                say!("mblint: error: cannot write the output: {e}");
            }
            EXIT_ERROR
        }
    }
}

fn output(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
