//! The command line: argument parsing, running the lint, printing, and the exit-code contract
//! (0 no finding at or above the fail level, 1 findings, 2 usage, input or internal error).

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::bitness::Bitness;
use crate::config::{ConfigError, Configs, Settings};
use crate::diagnostic::Severity;
use crate::fixer::{self, Request};
use crate::fixer::{script, write};
use crate::lint::{FileReport, InputFailure, Options, effective_options, input, lint_file, read_metabase};
use crate::report::inspect::{InspectResult, Inspected, isapi_roles};
use crate::report::{github, json, sarif, text};
use crate::resolve::drive::{Drives, parse_mapping};
use crate::resolve::{fsys, pe};
use crate::rules::{FixAvailability, RULES, by_code};

/// Writes a line to standard error with every control character escaped: paths and messages may
/// come from a drive copy (a file name in the server's folder) and must not reach the terminal as
/// control sequences.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", crate::report::escape::escape(&format!($($arg)*)))
    };
}

// `mblint history`: its arguments and command (issue 14).
mod history;
// Where `check` and `compare` write, guarded against the files they read (issue 19).
mod outputs;
// `mblint inspect --deps`: dependency trees on a drive copy (issue 20).
mod deps;

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
    History(history::HistoryArgs),
}

// Every subcommand's help ends with its exit codes (the contract scripts rely on), and so does the
// top-level help; the manual pages show them under EXIT STATUS (`man`).
const TOP_EXIT_CODES: &str = "Exit codes (each subcommand's --help gives its own):\n  0  no finding at or above the fail level (--fail-on), or the command did what was asked\n  1  findings at or above the fail level remain\n  2  usage error, an input not read or checked, an output not written, or an internal error";
const COMPARE_EXIT_CODES: &str = "Exit codes:\n  0  every node was read, and no drift or finding at or above --fail-on (or --exit-zero)\n  1  drift (MB6xx) or a node's findings at or above --fail-on\n  2  a node that could not be read or does not parse (also with --exit-zero), a usage error, a\n     report (-o) or baseline not written, or an internal error";
const HISTORY_EXIT_CODES: &str = "Exit codes:\n  0  no finding of the current file at or above --fail-on (or --exit-zero)\n  1  findings of the current file at or above --fail-on\n  2  anything that could not be read, a version included (also with --exit-zero), a usage\n     error, or an internal error";
const CHECK_EXIT_CODES: &str = "Exit codes:\n  0  no finding at or above --fail-on (or --exit-zero)\n  1  findings at or above --fail-on remain (--diff, --script: nothing written)\n  2  usage error, unreadable input, a fix, report (-o) or baseline not written, or an internal error";
const INSPECT_EXIT_CODES: &str = "Exit codes:\n  0  every file is a readable PE image\n  1  some files are not valid PE images\n  2  usage error, or a file or folder could not be read";
const LIST_EXIT_CODES: &str =
    "Exit codes:\n  0  the rules were listed\n  2  usage error, or the output could not be written";
const RULE_EXIT_CODES: &str =
    "Exit codes:\n  0  the document was printed\n  2  no rule has that code or name, or a usage or output error";
const WRITE_EXIT_CODES: &str = "Exit codes:\n  0  written\n  2  usage error, or the output could not be written";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings drawn with the source lines around them.
    Text,
    /// One line per finding: `file:line:col: CODE [*] message` (`[*]` fixable with --fix, `[~]` with
    /// --unsafe-fixes).
    Concise,
    /// One JSON document (schema in the README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality (a JSON array of issues with fingerprints), for merge requests.
    Gitlab,
    /// JUnit XML (a test case per finding; failures at --fail-on), for Jenkins, Azure Pipelines,
    /// CircleCI, Buildkite and GitLab's test reports.
    Junit,
    /// One self-contained HTML page (no network): the server model, the ISAPI DLL map, the
    /// findings with their source lines and fix diffs.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table (rules, inspect) or the Markdown document (rule), for people.
    Text,
    /// JSON, for scripts: the same fields, and the document as a string (rule).
    Json,
}

/// The characters the text report draws its boxes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Charset {
    /// ASCII when TERM is dumb or the locale (LC_ALL, LC_CTYPE or LANG, the first set) is not
    /// UTF-8, else Unicode.
    Auto,
    /// Unicode box-drawing characters.
    Unicode,
    /// ASCII only, for consoles and logs that cannot show box-drawing characters.
    Ascii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("fixing").args(["fix", "diff", "script"]).multiple(true)))]
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
    /// Rules to run, by code, prefix or name (MB1, MB102, mixed-bitness); replaces the
    /// configuration's select.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules not to run, by code, prefix or name; adds to the configuration's ignore. MB001
    /// (malformed-metabase) cannot be ignored.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = Severity::Warning, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Exit 0 even when findings remain (errors reading input still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings (text, concise and json
    /// formats; sarif and github have no place for them).
    #[arg(long)]
    pub statistics: bool,
    /// Use this configuration file instead of an mblint.toml found next to each metabase.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Say which configuration file each metabase was checked with (on standard error).
    #[arg(short, long)]
    pub verbose: bool,
    /// Colour in text output (auto: on a terminal, unless NO_COLOR is set and not empty, or TERM is
    /// dumb).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The characters text output draws its boxes with.
    #[arg(long, value_enum, default_value_t = Charset::Auto)]
    pub charset: Charset,
    /// Text and concise formats: the findings only, no server lines and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Show only findings of at least this severity, in every format. Display only: the exit code
    /// (--fail-on) still counts every finding, and stderr says how many were not shown.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
    /// Write the report in --format to FILE, and a concise summary to the console (SARIF for code
    /// scanning and text for the log, in one run). FILE is never a file the run reads; a device or
    /// a FIFO is written to, not replaced; a folder or a link to a file is refused.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["diff", "script"])]
    pub output_file: Option<PathBuf>,
    /// Apply safe fixes to the files (after verifying the result), then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "script"])]
    pub fix: bool,
    /// With --fix, --diff or --script: unsafe fixes too (server-wide switches, repoints not checked
    /// on a drive).
    #[arg(long, requires = "fixing")]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff (for patch -p1 or git apply); write nothing.
    #[arg(long, conflicts_with = "script")]
    pub diff: bool,
    /// Print the fixes as a VBScript that makes them in the live metabase (cscript //nologo FILE.vbs);
    /// write nothing.
    #[arg(long, value_enum, value_name = "KIND")]
    pub script: Option<ScriptKind>,
    /// With --fix: keep the original beside the file (<name>.bak).
    #[arg(long, requires = "fix")]
    pub backup: bool,
    /// With --fix, --diff or --script: the worker bitness fixes aim for, instead of the one needing
    /// the fewest edits.
    #[arg(long, value_parser = ["32", "64"], value_name = "BITS", requires = "fixing")]
    pub worker_bitness: Option<String>,
    /// Record today's findings in FILE (by rule, file, Location, property and cause, not by line), for
    /// `--baseline`; exits 0 once written (1 if a malformed metabase, MB001, was found: it is never
    /// recorded).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff", "script"])]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings that FILE (written by `--write-baseline`) does not hold: what is new.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "script"])]
    pub baseline: Option<PathBuf>,
    /// The server's platform, above what the drive and the metabase say (also `platform =` in
    /// mblint.toml). Without it, a verdict that depends on the platform is a warning (MB107).
    #[arg(long, value_enum, value_name = "PLATFORM")]
    pub platform: Option<PlatformArg>,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The nodes, at least two: each a copy of the node's system drive (WINDOWS/system32/inetsrv/
    /// MetaBase.xml in any letter case), or its MetaBase.xml with --drive; as PATH or NAME=PATH (a
    /// drive copy is named after its folder).
    #[arg(required = true, num_args = 2.., value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Map a Windows drive to a folder, for every node (C:=DIR) or for one (NAME:C:=DIR); repeatable.
    #[arg(short, long = "drive", value_name = "[NAME:]X:=DIR")]
    pub drives: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Rules to run, by code or prefix (MB6, MB603); replaces the configuration's select.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules not to run, by code or prefix; adds to the configuration's ignore.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = Severity::Warning, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Exit 0 even when findings remain (a node that could not be compared still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Use this configuration file for every node instead of an mblint.toml next to each metabase.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Text and concise formats: the findings only, no node table and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the report in --format to FILE, and the findings in brief to the console (FILE is
    /// never a node's metabase or configuration; a device or a FIFO is written to, not replaced).
    #[arg(short, long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Every node's platform, above what its drive and metabase say.
    #[arg(long, value_enum, value_name = "PLATFORM")]
    pub platform: Option<PlatformArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// 32-bit Windows Server 2003.
    X86,
    /// x64 Windows Server 2003 (or XP x64).
    X64,
    /// Itanium Windows Server 2003.
    Ia64,
}

impl From<PlatformArg> for crate::platform::Platform {
    fn from(p: PlatformArg) -> Self {
        match p {
            PlatformArg::X86 => crate::platform::Platform::X86,
            PlatformArg::X64 => crate::platform::Platform::X64,
            PlatformArg::Ia64 => crate::platform::Platform::Ia64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScriptKind {
    /// A VBScript that makes the changes in the live metabase through ADSI, as adsutil.vbs does, then
    /// runs iisreset if the worker bitness changes; run it with `cscript //nologo FILE.vbs` (`adsutil`
    /// is the same).
    #[value(alias = "adsutil")]
    Vbs,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Image files (DLL or EXE), or folders: every .dll and .exe under a folder, in any letter case
    /// (links that lead outside the folder are not followed, and are listed as not read).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Output format: a table (each image's imports, delay-loads, forwarders and manifest under
    /// its row), or JSON with the export table, every imported function and the manifest.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// The dependency tree of each DLL as the Windows Server 2003 loader would resolve it on a drive
    /// copy: where each module is found and why, and why each missing one is missing. FILE is then
    /// a Windows path (C:\Apps\x.dll) on a drive given with -d.
    #[arg(long, requires = "drives")]
    pub deps: bool,
    /// With --deps: map a Windows drive to a folder holding its copy (repeatable): -d C:=/mnt/c.
    #[arg(short, long = "drive", value_name = "X:=DIR", value_parser = parse_mapping)]
    pub drives: Vec<(char, PathBuf)>,
    /// With --deps: the server's platform, above what the drive says.
    #[arg(long, value_enum, value_name = "PLATFORM", requires = "deps")]
    pub platform: Option<PlatformArg>,
    /// With --deps: the bitness of the process that loads the DLL (default: the platform's native).
    #[arg(long, value_parser = ["32", "64"], value_name = "BITS", requires = "deps")]
    pub worker_bitness: Option<String>,
    /// With --deps: the process that loads the DLL, whose folder is searched first (w3wp.exe and
    /// inetinfo.exe: system32\inetsrv; dllhost.exe: system32).
    #[arg(long, value_parser = ["w3wp", "inetinfo", "dllhost"], value_name = "EXE", requires = "deps")]
    pub host: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format: a table (code, name, severity, fix, summary), or a JSON array of the same.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code (MB102) or name (worker-bitness-mismatch), in any letter case.
    #[arg(value_name = "CODE|NAME")]
    pub code: String,
    /// Output format: the Markdown document, or JSON with the rule's fields and the document.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write mblint.1 and one page per subcommand (mblint-check.1, ...) into DIR instead of printing
    /// mblint.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
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
            say!("mblint: internal error (this is a bug in mblint; please report it with the input that caused it)");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    let result = match &cli.command {
        Command::Check(args) => check(args),
        Command::Compare(args) => compare(args),
        Command::Inspect(args) => inspect(args),
        Command::Rules(args) => list_rules(args),
        Command::Rule(args) => show_rule(args),
        Command::Completions(args) => completions(args),
        Command::Man(args) => man(args),
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

fn fix_name(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::None => "none",
        FixAvailability::Sometimes => "sometimes",
        FixAvailability::Always => "always",
    }
}

fn rule_json(rule: &crate::rules::Rule, with_doc: bool) -> serde_json::Value {
    let mut v = serde_json::json!({
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.as_str(),
        "fix": fix_name(rule.fix),
        "fix_kinds": crate::rules::fixes::kinds(rule.code).iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "summary": rule.summary,
    });
    if with_doc {
        v["doc"] = serde_json::json!(rule.doc);
    }
    v
}

fn list_rules(args: &ListArgs) -> std::io::Result<u8> {
    let text = match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = RULES.iter().map(|r| rule_json(r, false)).collect();
            serde_json::to_string_pretty(&rules).expect("serialisable") + "\n"
        }
        ListFormat::Text => {
            let width = RULES.iter().map(|r| r.name.len()).max().unwrap_or(0);
            // What a user gets from the fixes: their kinds, derived from what each rule makes.
            let fixes: Vec<String> = RULES.iter().map(|r| crate::rules::fixes::describe(r)).collect();
            let fix_width = fixes.iter().map(String::len).max().unwrap_or(0);
            let mut out = format!(
                "{:<6} {:<width$}  {:<8} {:<fix_width$} SUMMARY\n",
                "CODE", "NAME", "SEVERITY", "FIX"
            );
            for (r, fix) in RULES.iter().zip(&fixes) {
                out += &format!(
                    "{:<6} {:<width$}  {:<8} {:<fix_width$} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    fix,
                    r.summary
                );
            }
            out
        }
    };
    output(&text).map(|()| EXIT_CLEAN)
}

fn show_rule(args: &RuleArgs) -> std::io::Result<u8> {
    let Some(rule) =
        by_code(&args.code).or_else(|| RULES.iter().copied().find(|r| r.name.eq_ignore_ascii_case(&args.code)))
    else {
        say!("mblint: error: no rule `{}` (`mblint rules` lists them)", args.code);
        return Ok(EXIT_ERROR);
    };
    let text = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&rule_json(rule, true)).expect("serialisable") + "\n",
        ListFormat::Text => rule.doc.to_string(),
    };
    output(&text).map(|()| EXIT_CLEAN)
}

/// The settings for one metabase (as [`settings_in`]), in a run of its own: for a command that
/// checks one metabase.
fn settings_for(
    args: &CheckArgs,
    metabase: &std::path::Path,
    drive: Option<&std::path::Path>,
) -> Result<Settings, String> {
    let mut configs = configs_of(args).map_err(|e| e.to_string())?;
    settings_in(args, &mut configs, metabase, drive)
}

/// The configurations of a `check` run; an error if `--select` or `--ignore` names no rule.
fn configs_of(args: &CheckArgs) -> Result<Configs, ConfigError> {
    Configs::new(&args.select, &args.ignore, args.isolated, args.config.as_deref())
}

/// The settings for one metabase: the configuration file that applies (unless `--isolated`), then
/// the command line over it; with `--verbose`, says which file that is.
fn settings_in(
    args: &CheckArgs,
    configs: &mut Configs,
    metabase: &std::path::Path,
    drive: Option<&std::path::Path>,
) -> Result<Settings, String> {
    if args.verbose {
        match configs.file_for(metabase, drive.is_some()) {
            Some((path, _)) => say!(
                "mblint: {} checked with configuration {}",
                metabase.display(),
                path.display()
            ),
            None => say!("mblint: {} checked with no configuration file", metabase.display()),
        }
    }
    configs.settings(metabase, drive.is_some())
}

/// The drives for one metabase: the configuration's, then `--drive` over them. None by default, on
/// Windows too: the machine mblint runs on is never the IIS server (see README, "Where mblint runs").
/// A root that is missing, not a folder or unreadable is an error: with it every DLL would look
/// unresolvable (MB205, info), and a gate would pass a server it never looked at.
fn drives_for(args: &CheckArgs, settings: &Settings) -> Result<Drives, String> {
    let mut drives = Drives::default();
    for (letter, root) in settings.drives.iter().chain(&args.drives) {
        check_drive_root(*letter, root)?;
        drives.insert(*letter, root.clone());
    }
    Ok(drives)
}

fn check_drive_root(letter: char, root: &std::path::Path) -> Result<(), String> {
    let why = match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
        Err(e) => format!("cannot be examined: {e}"),
        Ok(meta) if !meta.is_dir() => "is not a folder".to_string(),
        Ok(_) => match std::fs::read_dir(root) {
            Err(e) => format!("cannot be listed: {e}"),
            Ok(_) => return Ok(()),
        },
    };
    Err(format!(
        "drive {letter}: is mapped to {}, which {why}; map it to the folder that holds the copy of the server's drive",
        root.display()
    ))
}

/// Why an input was not checked (or not fixed), and its report when it was linted all the same
/// (boxed: the error path stays small).
type Failed = (String, Option<Box<FileReport>>);

/// Fixes one file: in memory for `--diff` and `--script` (returning their text), or on disk for
/// `--fix` (returning the report of the fixed file). An error means nothing was written.
fn fix_one(
    args: &CheckArgs,
    path: &std::path::Path,
    options: &Options,
) -> Result<(FileReport, Option<String>), Failed> {
    let name = path.display().to_string();
    // --fix: lock the file from before the read until after the write, so a second mblint waits
    // for this one and fixes its result (taking the lock also removes temporary files of killed
    // runs, and names them). A file that cannot be locked (read-only, say) is still checked: the
    // error comes with its findings when the fixes would be written.
    let lock = args.fix.then(|| write::lock(path));
    if let Some(Ok(lock)) = &lock {
        for warning in lock.warnings() {
            say!("mblint: warning: {warning}");
        }
    }
    // One read: the fixes are computed on, and spliced into, the same bytes.
    let original = read_metabase(path).map_err(|e| (e.to_string(), None))?;
    let request = Request {
        unsafe_fixes: args.unsafe_fixes,
    };
    let fixed = fixer::fix_bytes(&name, original, options, request).map_err(|e| (format!("{name}: {e}"), None))?;
    let unsafe_left = fixed
        .after()
        .diagnostics
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == crate::diagnostic::Applicability::Unsafe)
        })
        .count();
    let hint = if unsafe_left > 0 && !args.unsafe_fixes {
        format!(" ({unsafe_left} more with --unsafe-fixes)")
    } else {
        String::new()
    };
    if fixed.changes.is_empty() {
        let why = args
            .worker_bitness
            .as_deref()
            .map(|bits| {
                format!(
                    " with --worker-bitness {bits}: {}",
                    why_nothing_for(bits, fixed.after())
                )
            })
            .unwrap_or_default();
        say!("mblint: {name}: nothing to fix{why}{hint}");
        let output = match (args.diff, args.script) {
            (true, _) => Some(String::new()),
            (false, Some(_)) => {
                Some(script::vbscript(&name, "nothing to fix", "", &[]).map_err(|e| (e.to_string(), None))?)
            }
            (false, None) => None,
        };
        return Ok((fixed.into_after(), output));
    }
    if args.diff {
        if fixed.before.source.encoding.is_utf16() {
            // The diff is of the decoded text: its lines are UTF-8, the file's are UTF-16.
            say!(
                "mblint: note: {name} is UTF-16: the diff shows the changes as UTF-8 text, for reading; patch and git apply cannot apply it to the file. Apply the fixes with --fix, which keeps the file's encoding"
            );
        }
        let shown = name.replace('\\', "/");
        let diff = fixed
            .changes
            .unified_diff(&fixed.before.source, shown.trim_start_matches("./"), 3);
        return Ok((fixed.before, Some(diff)));
    }
    if args.script.is_some() {
        // Refused whole when any value cannot be carried safely: never a partial script.
        let script = script::vbscript(&name, &fixed.summary(), &fixed.after().source.text, &fixed.applied)
            .map_err(|e| (e.to_string(), None))?;
        return Ok((fixed.before, Some(script)));
    }
    // A DLL that could not be read has no verdict: a fix decided without it (a switch of every
    // worker's bitness, say) could break it, so nothing is written. Likewise a SYSTEM hive that
    // could not be read: the DLL searches the verdicts rest on are unknown.
    if !fixed.before.unread.is_empty() {
        let n = fixed.before.unread.len();
        return Err((
            format!(
                "{name}: the fixes were not written: {n} input{} on the drive could not be read (an ISAPI DLL, or the SYSTEM hive the DLL searches rest on; each is named as an error), and a fix decided without {} could break what {} would have shown; make {} readable to mblint and run again",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" },
                if n == 1 { "it" } else { "they" },
                if n == 1 { "it" } else { "them" },
            ),
            Some(Box::new(fixed.before)),
        ));
    }
    // Not written: the file's findings stand, and are reported with the error.
    let lock = lock.expect("--fix locks the file before reading it");
    let written = lock.and_then(|lock| lock.replace(&fixed.original, &fixed.bytes(), args.backup, &mut write::Disk));
    let written = match written {
        Ok(written) => written,
        Err(e) => return Err((e.to_string(), Some(Box::new(fixed.before)))),
    };
    say!(
        "mblint: {name}: {}{hint}{}{}",
        fixed.summary(),
        if written.through_link {
            format!("; written to the link's target {}", written.path.display())
        } else {
            String::new()
        },
        written
            .backup
            .as_ref()
            .map(|b| format!("; the original is kept as {}", b.display()))
            .unwrap_or_default()
    );
    for warning in &written.warnings {
        say!("mblint: warning: {name}: {warning}");
    }
    if fixed.before.edit_while_running != Some(true) {
        say!(
            "mblint: warning: EnableEditWhileRunning is off in {name}: a running IIS keeps the metabase in memory and saves it over this file. Stop IIS (iisreset /stop) and start it again after the edit, or apply the same changes through the live metabase with --script vbs"
        );
    }
    if fixed.applied.iter().any(|a| a.fix.restart) {
        say!("mblint: the worker bitness changed in {name}: run iisreset for it to take effect");
    }
    Ok((fixed.into_after(), None))
}

/// Warns of each `[[per-location]]` Location that matches no key of a parsed metabase: its ignores
/// silence nothing there. (The metabase is parsed again for this, only when there are such ignores.)
fn warn_unmatched_locations(settings: &Settings, report: &FileReport) {
    if settings.location_ignores.is_empty() || report.worker.is_none() {
        return;
    }
    let source = crate::metabase::SourceFile::from_text(report.source.name.clone(), report.source.text.to_string());
    let Ok(mb) = crate::metabase::parse(source) else {
        return;
    };
    let from = settings
        .source
        .as_ref()
        .map_or("the configuration".to_string(), |p| p.display().to_string());
    for location in settings.unmatched_locations(&mb) {
        say!(
            "mblint: warning: {from}: [[per-location]] {location} matches no key in {}: its ignores do nothing there",
            report.source.name
        );
    }
}

/// Why `--worker-bitness BITS` left nothing to fix, from the report of the file as it stands.
fn why_nothing_for(bits: &str, report: &FileReport) -> String {
    let Some(worker) = &report.worker else {
        return "the file is not a metabase mblint can read (MB001)".into();
    };
    let x86 = report
        .server
        .as_ref()
        .and_then(|s| s.platform.value.single())
        .is_some_and(|p| !p.is_64bit());
    if bits == "64" && x86 {
        return "32-bit Windows (x86) runs only 32-bit worker processes".into();
    }
    let mut codes: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.code)
        .filter(|c| matches!(*c, "MB101" | "MB102" | "MB103" | "MB104" | "MB106"))
        .collect();
    codes.dedup();
    if codes.is_empty() {
        return match worker.bitness {
            Some(b) if b.bits().to_string() == bits => format!(
                "worker processes already run {bits}-bit and no ISAPI DLL mblint could judge needs another build"
            ),
            _ => "no finding about bitness needs fixing; --worker-bitness chooses how such findings are fixed, and switches no server that has none".into(),
        };
    }
    format!(
        "no fix makes every ISAPI DLL load in {bits}-bit worker processes: some DLL has no {bits}-bit build on the drive or in rules/components.toml, or is called by URL and cannot be repointed (see {})",
        codes.join(", ")
    )
}

/// Whether `--color auto` colours: on a terminal, unless NO_COLOR is set to something (an empty
/// NO_COLOR counts as unset: no-color.org) or TERM is `dumb`.
pub fn auto_color(is_terminal: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    is_terminal && var("NO_COLOR").is_none_or(|v| v.is_empty()) && var("TERM").is_none_or(|t| t != "dumb")
}

/// Whether `--charset auto` draws with ASCII: when TERM is `dumb`, or the locale that decides the
/// character set (LC_ALL, else LC_CTYPE, else LANG: the first one set and not empty) is set and not
/// UTF-8 (`C`, `POSIX`, `en_US.ISO-8859-1`). With no locale variable at all (Windows, many
/// containers) the console is taken to draw Unicode.
pub fn auto_ascii(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    if var("TERM").is_some_and(|t| t == "dumb") {
        return true;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| var(name))
        .find(|v| !v.is_empty());
    locale.is_some_and(|l| {
        let l = l.to_string_lossy().to_ascii_lowercase();
        !(l.contains("utf-8") || l.contains("utf8"))
    })
}

/// Usage errors among options that parse but do nothing together, found before any input is read.
/// One input's outcome: its report and any diff or script text, or why it failed (with the report
/// when there is one, as for a fix that could not be written).
type Checked = Result<(FileReport, Option<String>), (String, Option<Box<FileReport>>)>;

/// Checks (or fixes) one PATH: a MetaBase.xml or a copy of a server's system drive.
fn check_path(args: &CheckArgs, configs: &mut Configs, path: &std::path::Path) -> Checked {
    input(path).map_err(|e| (e.to_string(), None)).and_then(|input| {
        let drive = input.drive.as_ref().map(|(folder, _)| folder.as_path());
        let settings = settings_in(args, configs, &input.metabase, drive).map_err(|e| (e, None))?;
        let options = options_for(args, settings).map_err(|e| (e, None))?;
        let options = effective_options(&input, &options);
        let result = if args.fix || args.diff || args.script.is_some() {
            fix_one(args, &input.metabase, &options)
        } else {
            lint_file(&input.metabase, &options)
                .map(|report| (report, None))
                .map_err(|e| (e.to_string(), None))
        };
        if let Ok((report, _)) = &result {
            warn_unmatched_locations(&options.settings, report);
        }
        result
    })
}

/// The lint options of `check` for one input, from its configuration and the command line.
fn options_for(args: &CheckArgs, settings: Settings) -> Result<Options, String> {
    Ok(Options {
        drives: drives_for(args, &settings)?,
        platform: args.platform.map(Into::into).or(settings.platform),
        drive_copy: None,
        // The HTML page draws the ISAPI DLL map.
        dll_map: args.format == Format::Html,
        settings,
        forced_bitness: args
            .worker_bitness
            .as_deref()
            .map(|b| if b == "32" { Bitness::Bits32 } else { Bitness::Bits64 }),
        drive_cache: Default::default(),
    })
}

/// The name standard input's findings are reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Checks a metabase read from standard input (`-`): up to the size a metabase may have, with the
/// configuration found from the working folder. Only checked: there is no file to fix.
fn check_stdin(args: &CheckArgs, configs: &mut Configs) -> Checked {
    let cap = crate::metabase::source::MAX_FILE_SIZE as u64;
    let bytes = read_stdin(std::io::stdin().lock(), cap)
        .map_err(|e| (format!("{STDIN_NAME}: cannot read standard input: {e}"), None))?
        .ok_or_else(|| {
            (
                format!("{STDIN_NAME}: more than {cap} bytes, larger than a metabase can be"),
                None,
            )
        })?;
    let anchor = std::env::current_dir()
        .map_err(|e| (format!("{STDIN_NAME}: the working folder cannot be read: {e}"), None))?
        .join("MetaBase.xml");
    let settings = settings_in(args, configs, &anchor, None).map_err(|e| (e, None))?;
    let options = options_for(args, settings).map_err(|e| (e, None))?;
    let report = crate::lint::lint_bytes_with(STDIN_NAME, bytes, &options);
    warn_unmatched_locations(&options.settings, &report);
    Ok((report, None))
}

/// Reads a metabase from a stream, stopping as it streams in: past `cap` bytes (`None`: no metabase
/// is that large), or as soon as the first bytes show it cannot be one (a text whose first
/// character, after a byte order mark and white space, is not `<`: `yes | mblint check -`), with
/// what was read, which the parser then refuses as MB001. Never more than `cap` + 64 KiB in memory.
fn read_stdin(mut input: impl std::io::Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    const CHUNK: usize = 64 * 1024;
    let mut bytes: Vec<u8> = Vec::new();
    let mut judged = false;
    loop {
        let at = bytes.len();
        bytes.resize(at + CHUNK, 0);
        let read = input.read(&mut bytes[at..]);
        bytes.truncate(at + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => return Ok(Some(bytes)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if bytes.len() as u64 > cap {
            return Ok(None);
        }
        if !judged && let Some(starts) = starts_like_xml(&bytes) {
            judged = true;
            if !starts {
                return Ok(Some(bytes));
            }
        }
    }
}

/// Whether text starts as XML does (`<` first, after a UTF-8 byte order mark and white space);
/// `None` until a character other than white space has been read. UTF-16 (a byte order mark, or a
/// NUL beside the first `<`) is left to the decoder.
fn starts_like_xml(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(b"\0<") {
        return Some(true);
    }
    let text = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()).map(|&b| b == b'<')
}

/// The name `--format` takes for `format`.
fn format_name(format: Format) -> String {
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// `-q` leaves out the summary of the text and concise formats (and of the console's listing with
/// `-o`); with any other format and no `-o` it would do nothing, which is a usage error.
fn quiet_usage(quiet: bool, format: Format, output: Option<&Path>) -> Result<(), String> {
    if quiet && output.is_none() && !matches!(format, Format::Text | Format::Concise) {
        return Err(format!(
            "-q (--quiet) leaves out the summary of the text and concise formats; --format {} has none (leave out -q, or give -o FILE: -q then quiets the findings listed on the console)",
            format_name(format)
        ));
    }
    Ok(())
}

fn check_usage(args: &CheckArgs) -> Result<(), String> {
    quiet_usage(args.quiet, args.format, args.output_file.as_deref())?;
    let stdin = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin > 1 {
        return Err("`-` (standard input) can be given once".into());
    }
    if stdin == 1 && (args.fix || args.diff || args.script.is_some()) {
        return Err(
            "`-` (standard input) can be checked, not fixed: save it to a file for --diff, --fix or --script".into(),
        );
    }
    if args.statistics && !matches!(args.format, Format::Text | Format::Concise | Format::Json) {
        return Err(format!(
            "--statistics counts findings in the text, concise and json formats; --format {} has no place for them (leave out --statistics, or write the statistics with -o FILE in another run)",
            format_name(args.format)
        ));
    }
    for (i, (letter, root)) in args.drives.iter().enumerate() {
        if let Some((_, first)) = args.drives[..i].iter().find(|(l, _)| l == letter) {
            return Err(format!(
                "drive {letter}: is mapped twice (to {} and to {}); map each drive once",
                first.display(),
                root.display()
            ));
        }
    }
    Ok(())
}

fn check(args: &CheckArgs) -> std::io::Result<u8> {
    if let Err(e) = check_usage(args) {
        say!("mblint: error: {e}");
        return Ok(EXIT_ERROR);
    }
    if args.script.is_some() && args.paths.len() > 1 {
        // One script is one server's: concatenated batches would run a second server's changes
        // (and iisreset) on the first.
        say!(
            "mblint: error: --script writes the changes of one metabase; give one PATH (got {})",
            args.paths.len()
        );
        return Ok(EXIT_ERROR);
    }
    let mut configs = match configs_of(args) {
        Ok(configs) => configs,
        Err(e) => {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    // An output (-o, --write-baseline) that could not be written: exit 2, the rest still written.
    let mut not_written = false;
    // Before any input is read: no output is a file the run reads, or anything but a file, a
    // device or a FIFO.
    let guard = match outputs::for_check(args, &configs) {
        Ok(guard) => guard,
        Err(e) => {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut reports: Vec<FileReport> = Vec::new();
    let mut failures: Vec<InputFailure> = Vec::new();
    let mut fix_output = String::new();
    // Each error is said once: inputs that share a configuration file share its one error (every
    // input is still listed in the report).
    let mut said: std::collections::HashSet<String> = std::collections::HashSet::new();
    for path in &args.paths {
        let result = if path.as_os_str() == "-" {
            check_stdin(args, &mut configs)
        } else {
            check_path(args, &mut configs, path)
        };
        match result {
            Ok((report, extra)) => {
                if let Some(extra) = extra {
                    fix_output.push_str(&extra);
                }
                unread_dlls(&report, &mut failures);
                reports.push(report)
            }
            Err((error, None)) => {
                // The error may quote a path from the drive copy or the command line: escaped.
                if said.insert(error.clone()) {
                    say!("mblint: error: {error}");
                }
                failures.push(InputFailure {
                    path: path.display().to_string(),
                    error,
                });
            }
            Err((error, Some(report))) => {
                // Checked, and its fixes not written: the failure goes under the report's name
                // (the metabase found in a drive copy, not the folder), which is how every format
                // tells it from an input that could not be checked.
                say!(
                    "mblint: error: {}: checked, but its fixes were not written: {error}",
                    report.source.name
                );
                failures.push(InputFailure {
                    path: report.source.name.clone(),
                    error,
                });
                unread_dlls(&report, &mut failures);
                reports.push(*report);
            }
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = crate::baseline::Baseline::of(&reports);
        if let Err(e) = guard.write("--write-baseline", path, |out| baseline.write_to(out)) {
            // The report is still written, and the run fails.
            say!("mblint: error: {e}; no baseline written");
            not_written = true;
        } else {
            say!(
                "mblint: recorded {} finding(s) in {}; `--baseline {}` reports only new ones",
                baseline.len(),
                path.display(),
                path.display()
            );
        }
        if baseline.never_baselined() > 0 {
            say!(
                "mblint: warning: {} MB001 finding(s) (malformed-metabase) not recorded in {}: a baseline never accepts a file mblint cannot read as a metabase; it fails this run and every `--baseline` run until the file is fixed",
                baseline.never_baselined(),
                path.display()
            );
        }
    }
    if let Some(path) = &args.baseline {
        match crate::baseline::Baseline::read(path) {
            Ok(baseline) => {
                if baseline.never_baselined() > 0 {
                    say!(
                        "mblint: warning: the baseline {} holds {} MB001 finding(s) (malformed-metabase): ignored, a baseline never hides a malformed metabase",
                        path.display(),
                        baseline.never_baselined()
                    );
                }
                if baseline.matches_no_file(&reports) {
                    say!(
                        "mblint: warning: the baseline {} matches no file of this run (it holds findings of {}): every finding is shown",
                        path.display(),
                        baseline.files().join(", ")
                    );
                }
                let known = baseline.filter(&mut reports);
                if known > 0 {
                    say!(
                        "mblint: {known} finding(s) in the baseline {} not shown",
                        path.display()
                    );
                }
            }
            Err(e) => {
                // A baseline that cannot be read must not pass the gate: nothing is filtered.
                say!("mblint: error: {e}");
                failures.push(InputFailure {
                    path: path.display().to_string(),
                    error: e.to_string(),
                });
            }
        }
    }
    let failed = !failures.is_empty() || not_written;
    if args.diff || args.script.is_some() {
        // The diff or the script is the output; the files are unchanged, so their findings remain.
        output(&fix_output)?;
        return Ok(exit_code(args, &reports, failed));
    }
    // The gate's verdict counts every finding; what is shown may be fewer.
    let code = exit_code(args, &reports, failed);
    if let Some(min) = args.min_severity {
        let mut hidden = 0;
        for report in &mut reports {
            let before = report.diagnostics.len();
            report.diagnostics.retain(|d| d.severity >= min);
            hidden += before - report.diagnostics.len();
        }
        if hidden > 0 {
            say!(
                "mblint: {hidden} finding(s) below {} not shown (--min-severity); the exit code counts them",
                min.as_str()
            );
        }
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(std::io::stdout().is_terminal(), |v| std::env::var_os(v)),
    };
    let ascii = match args.charset {
        Charset::Ascii => true,
        Charset::Unicode => false,
        Charset::Auto => auto_ascii(|v| std::env::var_os(v)),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Json if args.statistics => out.write_all(statistics_json(&reports, &failures).as_bytes()),
            Format::Json => json::write(&reports, &failures, &mut out),
            Format::Sarif => sarif::write(&reports, &failures, &mut out),
            Format::Github => github::write(&reports, &failures, &mut out),
            Format::Gitlab => crate::report::gitlab::write(&reports, &failures, &mut out),
            Format::Junit => crate::report::junit::write(&reports, &failures, args.fail_on, &mut out),
            Format::Html => crate::report::html::check::write(&reports, &failures, &mut out),
            Format::Text | Format::Concise if args.statistics => {
                out.write_all(statistics(&reports, &failures).as_bytes())
            }
            Format::Concise => text::write_concise(&reports, &failures, args.quiet, &mut out),
            Format::Text => text::write(
                &reports,
                &failures,
                text::TextOptions {
                    color,
                    quiet: args.quiet,
                    ascii,
                    ..Default::default()
                },
                &mut out,
            ),
        }
    };
    match &args.output_file {
        None => render(args.format, &mut stdout)?,
        Some(path) => {
            // Streamed to a temporary file beside it, renamed over it when whole (or written to a
            // device or a FIFO): a SARIF of a million places is never one buffer, and a failed
            // write never leaves half a report.
            if let Err(e) = guard.write("-o", path, |out| render(args.format, out)) {
                say!("mblint: error: {e}");
                not_written = true;
            }
            // The console gets the findings in brief, whether or not the file was written.
            render(Format::Concise, &mut stdout)?;
        }
    }
    stdout.flush()?;
    // The process ends here: freeing every finding and source one by one would only cost time.
    std::mem::forget(reports);
    Ok(if not_written { EXIT_ERROR } else { code })
}

/// The DLLs a report's lint could not read, as inputs not checked (said on stderr too): the run
/// exits 2 and every format lists them.
fn unread_dlls(report: &FileReport, failures: &mut Vec<InputFailure>) {
    for f in &report.unread {
        say!("mblint: error: {}: {}", f.path, f.error);
        failures.push(f.clone());
    }
}

/// 2 if an input failed, else 1 if a finding at the fail level remains (unless --exit-zero), else 0.
fn exit_code(args: &CheckArgs, reports: &[FileReport], failed: bool) -> u8 {
    if failed {
        return EXIT_ERROR;
    }
    // Writing a baseline accepts today's findings, but for those no baseline accepts (MB001).
    let accepted = |code: &str| args.write_baseline.is_some() && code != crate::baseline::NEVER_BASELINED;
    let failing = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity >= args.fail_on && !accepted(d.code));
    if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Findings per rule, most first, with how many of them `--fix` (or `--fix --unsafe-fixes`) could fix.
fn rule_counts(reports: &[FileReport]) -> Vec<(&'static str, usize, usize, usize)> {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        let c = counts.entry(d.code).or_default();
        c.0 += 1;
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::diagnostic::Applicability::Safe) => c.1 += 1,
            Some(crate::diagnostic::Applicability::Unsafe) => c.2 += 1,
            _ => {}
        }
    }
    let mut rows: Vec<(&str, usize, usize, usize)> = counts.into_iter().map(|(k, (n, s, u))| (k, n, s, u)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows
}

/// The distinct fixes `--fix` can apply (with `--unsafe-fixes` or without) of a rule's findings:
/// (applicability, what it does, how many findings), in the order first found. Display-only advice
/// is left out: it is under each finding in the text report, and it is not what `--fix` does.
fn rule_fixes<'a>(reports: &'a [FileReport], code: &str) -> Vec<(crate::diagnostic::Applicability, &'a str, usize)> {
    let mut fixes: Vec<(crate::diagnostic::Applicability, &str, usize)> = Vec::new();
    let mut seen: HashMap<(crate::diagnostic::Applicability, &str), usize> = HashMap::new();
    for fix in reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.code == code)
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability != crate::diagnostic::Applicability::DisplayOnly)
    {
        let key = (fix.applicability, fix.message.as_str());
        match seen.get(&key) {
            Some(&i) => fixes[i].2 += 1,
            None => {
                seen.insert(key, fixes.len());
                fixes.push((fix.applicability, fix.message.as_str(), 1));
            }
        }
    }
    fixes
}

/// How many distinct fixes `--statistics` shows under a rule.
const FIXES_SHOWN: usize = 3;

/// `10  MB102  worker-bitness-mismatch  error  [*] 9 fixable`, in aligned columns, with what each
/// distinct fix does under its rule; then the summary.
pub fn statistics(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let rows = rule_counts(reports);
    let width = rows.first().map_or(1, |r| r.1.to_string().len());
    let rule = |code: &str| by_code(code);
    let name_width = rows
        .iter()
        .map(|r| rule(r.0).map_or(0, |r| r.name.len()))
        .max()
        .unwrap_or(0);
    let code_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let severity_width = rows
        .iter()
        .map(|r| rule(r.0).map_or(0, |r| r.severity.as_str().len()))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (code, n, safe, unsafe_) in &rows {
        let rule = rule(code);
        let fixable = match (safe, unsafe_) {
            (0, 0) => String::new(),
            (s, 0) => format!("[*] {s} fixable"),
            (0, u) => format!("[~] {u} fixable with --unsafe-fixes"),
            (s, u) => format!("[*] {s} fixable, {u} more with --unsafe-fixes"),
        };
        let line = format!(
            "{n:>width$}  {code:<code_width$}  {:<name_width$}  {:<severity_width$}  {fixable}",
            rule.map_or("", |r| r.name),
            rule.map_or("", |r| r.severity.as_str())
        );
        out += line.trim_end();
        out.push('\n');
        let fixes = rule_fixes(reports, code);
        let indent = " ".repeat(width + 2);
        for (applicability, message, count) in fixes.iter().take(FIXES_SHOWN) {
            let marker = match applicability {
                crate::diagnostic::Applicability::Safe => "[*]",
                _ => "[~]",
            };
            let times = if *count > 1 {
                format!(" ({count} findings)")
            } else {
                String::new()
            };
            out += &format!("{indent}{marker} {}{times}\n", crate::report::escape::escape(message));
        }
        if fixes.len() > FIXES_SHOWN {
            out += &format!(
                "{indent}... and {} other fixes (--format json lists them)\n",
                fixes.len() - FIXES_SHOWN
            );
        }
    }
    out + &text::summary(reports, failures) + &text::fixable(reports, failures)
}

/// `--statistics --format json`: the same per rule, and the inputs that failed.
fn statistics_json(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let rules: Vec<serde_json::Value> = rule_counts(reports)
        .into_iter()
        .map(|(code, count, safe, unsafe_)| {
            let rule = by_code(code);
            serde_json::json!({
                "code": code,
                "name": rule.map_or("", |r| r.name),
                "severity": rule.map_or("", |r| r.severity.as_str()),
                "count": count,
                "fixable": safe,
                "fixable_unsafe": unsafe_,
                "fixes": rule_fixes(reports, code)
                    .into_iter()
                    .map(|(applicability, message, count)| serde_json::json!({
                        "applicability": applicability,
                        "message": message,
                        "count": count,
                    }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema_version": json::SCHEMA_VERSION,
        "statistics": rules,
        "failed_inputs": failures,
    });
    serde_json::to_string_pretty(&doc).expect("serialisable") + "\n"
}

/// `mblint completions SHELL`: the completion script, generated from this command line's definition.
fn completions(args: &CompletionsArgs) -> std::io::Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "mblint",
        &mut out,
    );
    output(&String::from_utf8_lossy(&out)).map(|()| EXIT_CLEAN)
}

/// `mblint man`: mblint(1) in roff on standard output, or with `--out-dir` every page
/// (mblint.1, mblint-check.1, ...) written into a folder.
fn man(args: &ManArgs) -> std::io::Result<u8> {
    let mut command = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    command.build();
    match &args.out_dir {
        None => {
            let mut out = Vec::new();
            man_page(command, &mut out)?;
            output(&String::from_utf8_lossy(&out)).map(|()| EXIT_CLEAN)
        }
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| man_pages(command, dir)) {
                say!(
                    "mblint: error: cannot write the manual pages into {}: {e}",
                    dir.display()
                );
                return Ok(EXIT_ERROR);
            }
            Ok(EXIT_CLEAN)
        }
    }
}

/// One page per command and subcommand (mblint.1, mblint-check.1, ...), as `clap_mangen::generate_to`
/// names them.
fn man_pages(command: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        man_pages(sub, dir)?;
    }
    let name = clap_mangen::Man::new(command.clone()).get_filename();
    let mut out = Vec::new();
    man_page(command, &mut out)?;
    std::fs::write(dir.join(name), out)
}

/// A manual page as clap_mangen renders it, but with the help's closing exit codes under the
/// conventional EXIT STATUS heading (man-pages(7)) instead of clap_mangen's EXTRA.
fn man_page(command: clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let codes = command.get_after_help().map(ToString::to_string);
    let has_args = command.get_arguments().any(|a| !a.is_hide_set());
    let has_subs = command.get_subcommands().any(|s| !s.is_hide_set());
    let has_version = command.get_version().or(command.get_long_version()).is_some();
    let has_author = command.get_author().is_some();
    let man = clap_mangen::Man::new(command);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if has_args {
        man.render_options_section(out)?;
    }
    if has_subs {
        man.render_subcommands_section(out)?;
    }
    if let Some(codes) = codes {
        out.extend_from_slice(exit_status_roff(&codes).as_bytes());
    }
    if has_version {
        man.render_version_section(out)?;
    }
    if has_author {
        man.render_authors_section(out)?;
    }
    Ok(())
}

/// The `Exit codes:` block of a help text (`  N  meaning`, continued on lines indented further) as
/// a roff EXIT STATUS section: one tagged paragraph per code.
fn exit_status_roff(help: &str) -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    let mut lines = help.lines();
    if let Some(first) = lines.next() {
        // "Exit codes (each subcommand's --help gives its own):" keeps its note.
        if let Some(note) = first.strip_prefix("Exit codes").and_then(|r| r.strip_suffix(':')) {
            let note = note.trim().trim_start_matches('(').trim_end_matches(')');
            if !note.is_empty() {
                roff.push_str(&roff_text(&format!("{}{}.", note[..1].to_uppercase(), &note[1..])));
                roff.push('\n');
            }
        }
    }
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        match trimmed.split_once("  ") {
            Some((code, meaning))
                if code.len() == 1
                    && code.bytes().all(|b| b.is_ascii_digit())
                    && line.starts_with("  ")
                    && !line.starts_with("   ") =>
            {
                roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning.trim())));
            }
            _ => {
                roff.push_str(&roff_text(trimmed));
                roff.push('\n');
            }
        }
    }
    roff
}

/// Text as a roff line: backslashes and hyphens escaped, and a leading `.` or `'` guarded.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The most entries `inspect DIR` visits under one folder, and the deepest it goes: a drive copy
/// has a few hundred thousand files; past either bound the listing stops and says so (exit 2).
const INSPECT_MAX_ENTRIES: usize = 1_000_000;
const INSPECT_MAX_DEPTH: usize = 64;

/// The images under a folder for `inspect`: every file named `*.dll` or `*.exe` (any letter case),
/// sorted, and every entry that could not be read, with why. A link is followed only when it
/// leads to a file inside the folder (a link to a folder is not descended: what it leads to inside
/// is listed under its own name); one that leads outside, or nowhere, is listed as not read.
fn images_under(root: &std::path::Path) -> Vec<(PathBuf, Option<String>)> {
    let mut found: Vec<(PathBuf, Option<String>)> = Vec::new();
    let inside = match crate::resolve::fsys::canonical(root) {
        Ok(p) => p,
        Err(e) => return vec![(root.to_path_buf(), Some(format!("cannot read: {e}")))],
    };
    let is_image = |p: &std::path::Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("dll") || e.eq_ignore_ascii_case("exe"))
    };
    let mut stack: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
    let mut visited = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found.push((dir, Some(format!("cannot list the folder: {e}"))));
                continue;
            }
        };
        for entry in entries {
            visited += 1;
            if visited > INSPECT_MAX_ENTRIES {
                found.push((
                    root.to_path_buf(),
                    Some(format!(
                        "more than {INSPECT_MAX_ENTRIES} entries: stopped listing (inspect a smaller folder)"
                    )),
                ));
                return found;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    found.push((dir.clone(), Some(format!("cannot list the folder: {e}"))));
                    continue;
                }
            };
            let path = fsys::child(&dir, entry.file_name());
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    found.push((path, Some(format!("cannot read: {e}"))));
                    continue;
                }
            };
            if kind.is_dir() {
                if depth + 1 > INSPECT_MAX_DEPTH {
                    found.push((
                        path,
                        Some(format!("deeper than {INSPECT_MAX_DEPTH} folders: not listed")),
                    ));
                } else {
                    stack.push((path, depth + 1));
                }
            } else if kind.is_symlink() {
                if !is_image(&path) {
                    continue;
                }
                match crate::resolve::fsys::canonical(&path) {
                    Ok(target) if target.starts_with(&inside) => found.push((path, None)),
                    Ok(_) => found.push((path, Some("a link that leads outside the folder: not followed".into()))),
                    Err(e) => found.push((path, Some(format!("a link that leads nowhere readable: {e}")))),
                }
            } else if is_image(&path) {
                found.push((path, None));
            }
        }
    }
    found.sort();
    found
}

/// What `inspect` says of one file.
fn inspect_file(file: &std::path::Path) -> InspectResult {
    let bytes = fsys::entry_kind(file)
        .map_err(|e| e.to_string())
        .and_then(|kind| match kind {
            fsys::EntryKind::Special(what) => Err(format!("{what}: not opened")),
            fsys::EntryKind::Dir => Err("a folder".into()),
            _ => std::fs::File::open(file).map_err(|e| e.to_string()),
        })
        .and_then(|f| fsys::read_capped(f, pe::MAX_IMAGE_SIZE).map_err(|e| e.to_string()))
        .and_then(|b| b.ok_or_else(|| format!("larger than {} bytes", pe::MAX_IMAGE_SIZE)));
    match bytes {
        Err(unreadable) => InspectResult::Unreadable {
            unreadable: format!("cannot read: {unreadable}"),
        },
        Ok(bytes) => match pe::classify(&bytes) {
            Ok(info) => InspectResult::Image {
                bitness: info.bitness(),
                isapi: isapi_roles(&info),
                info: Box::new(info),
            },
            Err(error) => InspectResult::Invalid { error },
        },
    }
}

fn inspect(args: &InspectArgs) -> std::io::Result<u8> {
    if args.deps {
        return deps::run(args);
    }
    if !args.drives.is_empty() {
        say!("mblint: error: -d/--drive is for inspect --deps; without it, give the image files themselves");
        return Ok(EXIT_ERROR);
    }
    let mut items: Vec<Inspected> = Vec::new();
    for file in &args.files {
        let folder = std::fs::symlink_metadata(file).is_ok_and(|m| m.is_dir());
        if !folder {
            items.push(Inspected {
                file: file.display().to_string(),
                result: inspect_file(file),
            });
            continue;
        }
        let under = images_under(file);
        if under.is_empty() {
            say!("mblint: {}: no .dll or .exe file under this folder", file.display());
        }
        for (path, unreadable) in under {
            items.push(Inspected {
                file: path.display().to_string(),
                result: match unreadable {
                    Some(unreadable) => InspectResult::Unreadable { unreadable },
                    None => inspect_file(&path),
                },
            });
        }
    }
    let text = match args.format {
        ListFormat::Json => crate::report::inspect::json(&items),
        ListFormat::Text => crate::report::inspect::table(&items),
    };
    output(&text)?;
    Ok(
        if items
            .iter()
            .any(|i| matches!(i.result, InspectResult::Unreadable { .. }))
        {
            EXIT_ERROR
        } else if items.iter().any(|i| matches!(i.result, InspectResult::Invalid { .. })) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        },
    )
}

// ---------------------------------------------------------------------------------------------
// mblint compare
// ---------------------------------------------------------------------------------------------

/// `--drive` of `compare`: `X:=DIR` for every node, or `NAME:X:=DIR` for one.
fn compare_mapping(text: &str) -> Result<(Option<String>, char, PathBuf), String> {
    if let Some((name, rest)) = text.split_once(':')
        && name.len() > 1
        && crate::compare::valid_name(name)
    {
        let (letter, root) = parse_mapping(rest)?;
        return Ok((Some(name.to_string()), letter, root));
    }
    let (letter, root) = parse_mapping(text)?;
    Ok((None, letter, root))
}

/// The JSON document of `compare`: the JSON report of every node, and the comparison.
#[derive(serde::Serialize)]
struct CompareJson<'a> {
    #[serde(flatten)]
    report: json::JsonReport<'a>,
    compare: &'a crate::compare::Comparison,
}

fn compare(args: &CompareArgs) -> std::io::Result<u8> {
    use crate::compare::{NodeSpec, default_names, parse_node};
    if let Err(e) = quiet_usage(args.quiet, args.format, args.output_file.as_deref()) {
        say!("mblint: error: {e}");
        return Ok(EXIT_ERROR);
    }
    let parsed: Vec<(Option<String>, PathBuf)> = args.nodes.iter().map(|n| parse_node(n)).collect();
    let paths: Vec<PathBuf> = parsed.iter().map(|(_, p)| p.clone()).collect();
    let defaults = default_names(&paths);
    let names: Vec<String> = parsed
        .iter()
        .zip(defaults)
        .map(|((name, _), default)| name.clone().unwrap_or(default))
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            say!("mblint: error: two nodes are named `{name}`: name them with NAME=PATH");
            return Ok(EXIT_ERROR);
        }
    }
    let mut global: Vec<(char, PathBuf)> = Vec::new();
    let mut per_node: Vec<(String, char, PathBuf)> = Vec::new();
    for text in &args.drives {
        match compare_mapping(text) {
            Ok((None, letter, root)) => global.push((letter, root)),
            Ok((Some(node), letter, root)) => {
                if !names.contains(&node) {
                    say!(
                        "mblint: error: --drive {text}: no node is named `{node}` (the nodes are {})",
                        names.join(", ")
                    );
                    return Ok(EXIT_ERROR);
                }
                per_node.push((node, letter, root));
            }
            Err(e) => {
                say!("mblint: error: --drive {text}: {e}");
                return Ok(EXIT_ERROR);
            }
        }
    }
    let mut configs = match Configs::new(&args.select, &args.ignore, args.isolated, args.config.as_deref()) {
        Ok(configs) => configs,
        Err(e) => {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let nodes: Vec<(String, PathBuf)> = names.iter().cloned().zip(paths.iter().cloned()).collect();
    let mapped: Vec<PathBuf> = global
        .iter()
        .map(|(_, r)| r.clone())
        .chain(per_node.iter().map(|(_, _, r)| r.clone()))
        .collect();
    let guard = match outputs::for_compare(
        &nodes,
        &mapped,
        args.config.as_deref(),
        args.output_file.as_deref(),
        &configs,
    ) {
        Ok(guard) => guard,
        Err(e) => {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut early: Vec<InputFailure> = Vec::new();
    let mut specs: Vec<NodeSpec> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    // Each error once, naming every node it stopped: a shared configuration file fails once.
    let mut said: Vec<(String, Vec<String>)> = Vec::new();
    for (name, path) in names.iter().zip(&paths) {
        let options = input(path).map_err(|e| e.to_string()).and_then(|input| {
            let settings = configs.settings(&input.metabase, input.drive.is_some())?;
            let mut drives = Drives::default();
            let mappings = settings
                .drives
                .iter()
                .map(|(l, r)| (*l, r.clone()))
                .chain(global.iter().cloned())
                .chain(
                    per_node
                        .iter()
                        .filter(|(n, ..)| n == name)
                        .map(|(_, l, r)| (*l, r.clone())),
                );
            for (letter, root) in mappings {
                check_drive_root(letter, &root)?;
                drives.insert(letter, root);
            }
            Ok(Options {
                drives,
                platform: args.platform.map(Into::into).or(settings.platform),
                drive_copy: None,
                settings,
                forced_bitness: None,
                dll_map: false,
                drive_cache: Default::default(),
            })
        });
        match options {
            Ok(options) => specs.push(NodeSpec {
                name: name.clone(),
                path: path.clone(),
                options,
            }),
            Err(error) => {
                match said.iter_mut().find(|(e, _)| *e == error) {
                    Some((_, nodes)) => nodes.push(name.clone()),
                    None => said.push((error.clone(), vec![name.clone()])),
                }
                early.push(InputFailure {
                    path: path.display().to_string(),
                    error: format!("node {name}: {error}"),
                });
                skipped.push(name.clone());
            }
        }
    }
    for (error, nodes) in &said {
        match nodes.as_slice() {
            [node] => say!("mblint: error: node {node}: {error}"),
            nodes => say!("mblint: error: nodes {}: {error}", nodes.join(", ")),
        }
    }
    let mut outcome = crate::compare::compare(&specs);
    for f in &outcome.failures {
        say!("mblint: error: {}", f.error);
    }
    early.append(&mut outcome.failures);
    let mut failures = early;
    for report in &outcome.reports {
        unread_dlls(report, &mut failures);
    }
    outcome.comparison.not_compared.extend(skipped);
    let reports = outcome.reports;
    let comparison = outcome.comparison;
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Json if args.statistics => out.write_all(statistics_json(&reports, &failures).as_bytes()),
            Format::Json => {
                let doc = CompareJson {
                    report: json::build(&reports, &failures),
                    compare: &comparison,
                };
                serde_json::to_writer_pretty(&mut out, &doc)?;
                out.write_all(b"\n")
            }
            Format::Sarif => sarif::write(&reports, &failures, &mut out),
            Format::Github => github::write(&reports, &failures, &mut out),
            Format::Gitlab => crate::report::gitlab::write(&reports, &failures, &mut out),
            Format::Junit => crate::report::junit::write(&reports, &failures, args.fail_on, &mut out),
            Format::Html => crate::report::html::compare::write(&comparison, &reports, &failures, &mut out),
            Format::Text | Format::Concise if args.statistics => {
                out.write_all(statistics(&reports, &failures).as_bytes())
            }
            Format::Text | Format::Concise => {
                if format == Format::Concise {
                    text::write_concise(&reports, &failures, true, &mut out)?;
                } else {
                    let options = text::TextOptions {
                        color,
                        quiet: true,
                        ..Default::default()
                    };
                    text::write(&reports, &failures, options, &mut out)?;
                }
                if args.quiet {
                    return Ok(());
                }
                out.write_all(crate::report::compare::text(&comparison, &reports).as_bytes())?;
                out.write_all(text::summary(&reports, &failures).as_bytes())
            }
        }
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut not_written = false;
    match &args.output_file {
        None => render(args.format, &mut stdout)?,
        Some(path) => {
            if let Err(e) = guard.write("-o", path, |out| render(args.format, out)) {
                say!("mblint: error: {e}");
                not_written = true;
            }
            render(Format::Concise, &mut stdout)?;
        }
    }
    stdout.flush()?;
    if !failures.is_empty() || not_written {
        return Ok(EXIT_ERROR);
    }
    let failing = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity >= args.fail_on);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

#[cfg(test)]
mod stdin_tests {
    use super::{read_stdin, starts_like_xml};

    #[test]
    fn standard_input_stops_at_the_cap_and_at_a_start_no_metabase_has() {
        let xml = b"\xEF\xBB\xBF \r\n<configuration>".repeat(10_000);
        assert_eq!(read_stdin(&xml[..], 1 << 20).unwrap().unwrap(), xml);
        // One byte over the cap: refused, whatever follows.
        assert!(read_stdin(&xml[..], xml.len() as u64 - 1).unwrap().is_none());
        // Not XML: stopped after the first chunk, however long the stream.
        let junk = b"y\n".repeat(1 << 20);
        let read = read_stdin(&junk[..], 1 << 30).unwrap().unwrap();
        assert!(read.len() <= 64 * 1024, "{}", read.len());
        assert!(!read.is_empty());
    }

    #[test]
    fn what_starts_like_xml() {
        assert_eq!(starts_like_xml(b"  \r\n"), None);
        assert_eq!(starts_like_xml(b"\xEF\xBB\xBF<?xml"), Some(true));
        assert_eq!(starts_like_xml(b" \t<c"), Some(true));
        assert_eq!(starts_like_xml(b"\xFF\xFE<\0"), Some(true));
        assert_eq!(starts_like_xml(b"y\n"), Some(false));
        assert_eq!(starts_like_xml(b"\xEF\xBB\xBFx"), Some(false));
    }
}
