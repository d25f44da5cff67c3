//! The command line: argument parsing, running the lint, printing, and the exit-code contract
//! (0 no finding at or above the fail level, 1 findings, 2 usage, input or internal error).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::bitness::Bitness;
use crate::config::{ConfigError, Origin, Settings};
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
    /// List every rule: code, name, default severity, fix availability.
    Rules(ListArgs),
    /// Print a rule's document.
    Rule(RuleArgs),
    /// Lint every saved version of a metabase (its History folder) and tell which change introduced
    /// each finding of the current file.
    History(history::HistoryArgs),
}

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
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
    /// Rules to run, by code or prefix (MB1, MB102); replaces the configuration's select.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules not to run, by code or prefix; adds to the configuration's ignore.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = Severity::Warning, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Exit 0 even when findings remain (errors reading input still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings (text format).
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
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Text and concise formats: the findings only, no server lines and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the report in --format to FILE, and a concise summary to the console (SARIF for code
    /// scanning and text for the log, in one run).
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["diff", "script"])]
    pub output_file: Option<PathBuf>,
    /// Apply safe fixes to the files (after verifying the result), then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "script"])]
    pub fix: bool,
    /// With --fix, --diff or --script: unsafe fixes too (server-wide switches, allowing extensions).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff (for patch -p1 or git apply); write nothing.
    #[arg(long, conflicts_with = "script")]
    pub diff: bool,
    /// Print the fixes as commands that apply them to the live metabase; write nothing.
    #[arg(long, value_enum, value_name = "KIND")]
    pub script: Option<ScriptKind>,
    /// With --fix: keep the original beside the file (<name>.bak).
    #[arg(long, requires = "fix")]
    pub backup: bool,
    /// The worker bitness fixes aim for, instead of the one needing the fewest edits.
    #[arg(long, value_parser = ["32", "64"], value_name = "BITS")]
    pub worker_bitness: Option<String>,
    /// Record today's findings in FILE (by rule, file, Location, property and cause, not by line), for
    /// `--baseline`; exits 0 once written.
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
    /// `cscript adsutil.vbs SET ...` commands, then `iisreset` if the worker bitness changes.
    Adsutil,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Image files (DLL or EXE).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code, like MB102.
    pub code: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
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
        Command::Inspect(args) => inspect(args),
        Command::Rules(args) => list_rules(args),
        Command::Rule(args) => show_rule(args),
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
            let mut out = format!(
                "{:<6} {:<width$}  {:<8} {:<9} SUMMARY\n",
                "CODE", "NAME", "SEVERITY", "FIX"
            );
            for r in RULES {
                out += &format!(
                    "{:<6} {:<width$}  {:<8} {:<9} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    fix_name(r.fix),
                    r.summary
                );
            }
            out
        }
    };
    output(&text).map(|()| EXIT_CLEAN)
}

fn show_rule(args: &RuleArgs) -> std::io::Result<u8> {
    let Some(rule) = by_code(&args.code).or_else(|| RULES.iter().copied().find(|r| r.name == args.code)) else {
        say!("mblint: error: no rule `{}` (`mblint rules` lists them)", args.code);
        return Ok(EXIT_ERROR);
    };
    let text = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&rule_json(rule, true)).expect("serialisable") + "\n",
        ListFormat::Text => rule.doc.to_string(),
    };
    output(&text).map(|()| EXIT_CLEAN)
}

/// The settings for one metabase: the configuration file that applies (unless `--isolated`), then
/// the command line over it.
fn settings_for(
    args: &CheckArgs,
    metabase: &std::path::Path,
    drive: Option<&std::path::Path>,
) -> Result<Settings, ConfigError> {
    let file = if args.isolated {
        None
    } else if let Some(config) = &args.config {
        Some((config.clone(), Origin::Named))
    } else {
        Settings::discover(metabase, drive.is_some()).map(|p| (p, Origin::Discovered))
    };
    let settings = match &file {
        Some((path, origin)) => Settings::load(path, *origin)?,
        None => Settings::default(),
    };
    let file = file.map(|(path, _)| path);
    if args.verbose {
        match &file {
            Some(path) => say!(
                "mblint: {} checked with configuration {}",
                metabase.display(),
                path.display()
            ),
            None => say!("mblint: {} checked with no configuration file", metabase.display()),
        }
    }
    settings.with_command_line(&args.select, &args.ignore)
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
        say!("mblint: {name}: nothing to fix{hint}");
        let output = match (args.diff, args.script) {
            (true, _) => Some(String::new()),
            (false, Some(_)) => Some(script::adsutil(&name, "", &[]).map_err(|e| (e.to_string(), None))?),
            (false, None) => None,
        };
        return Ok((fixed.into_after(), output));
    }
    if args.diff {
        let shown = name.replace('\\', "/");
        let diff = fixed
            .changes
            .unified_diff(&fixed.before.source, shown.trim_start_matches("./"), 3);
        return Ok((fixed.before, Some(diff)));
    }
    if args.script.is_some() {
        // Refused whole when any value cannot be carried safely: never a partial script.
        let script =
            script::adsutil(&name, &fixed.after().source.text, &fixed.applied).map_err(|e| (e.to_string(), None))?;
        return Ok((fixed.before, Some(script)));
    }
    // Not written: the file's findings stand, and are reported with the error.
    let lock = lock.expect("--fix locks the file before reading it");
    let written = lock.and_then(|lock| lock.replace(&fixed.original, &fixed.bytes, args.backup, &mut write::Disk));
    let written = match written {
        Ok(written) => written,
        Err(e) => return Err((e.to_string(), Some(Box::new(fixed.before)))),
    };
    let remaining = fixed.after().diagnostics.len();
    say!(
        "mblint: {name}: fixed {} problem(s) with {} fix(es) in {} pass(es), {remaining} remain{hint}{}{}",
        fixed.before.diagnostics.len().saturating_sub(remaining),
        fixed.applied.len(),
        fixed.passes,
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
            "mblint: warning: EnableEditWhileRunning is off in {name}: a running IIS keeps the metabase in memory and saves it over this file. Stop IIS (iisreset /stop) and start it again after the edit, or apply the same changes through the live metabase with --script adsutil"
        );
    }
    if fixed.applied.iter().any(|a| a.fix.restart) {
        say!("mblint: the worker bitness changed in {name}: run iisreset for it to take effect");
    }
    Ok((fixed.into_after(), None))
}

fn check(args: &CheckArgs) -> std::io::Result<u8> {
    if args.script.is_some() && args.paths.len() > 1 {
        // One script is one server's: concatenated batches would run a second server's changes
        // (and iisreset) on the first.
        say!(
            "mblint: error: --script writes the changes of one metabase; give one PATH (got {})",
            args.paths.len()
        );
        return Ok(EXIT_ERROR);
    }
    let mut reports: Vec<FileReport> = Vec::new();
    let mut failures: Vec<InputFailure> = Vec::new();
    let mut fix_output = String::new();
    for path in &args.paths {
        let result = input(path).map_err(|e| (e.to_string(), None)).and_then(|input| {
            let drive = input.drive.as_ref().map(|(folder, _)| folder.as_path());
            let settings = settings_for(args, &input.metabase, drive).map_err(|e| (e.to_string(), None))?;
            let options = Options {
                drives: drives_for(args, &settings).map_err(|e| (e, None))?,
                platform: args.platform.map(Into::into).or(settings.platform),
                drive_copy: None,
                settings,
                forced_bitness: args
                    .worker_bitness
                    .as_deref()
                    .map(|b| if b == "32" { Bitness::Bits32 } else { Bitness::Bits64 }),
            };
            let options = effective_options(&input, &options);
            if args.fix || args.diff || args.script.is_some() {
                return fix_one(args, &input.metabase, &options);
            }
            Ok((
                lint_file(&input.metabase, &options).map_err(|e| (e.to_string(), None))?,
                None,
            ))
        });
        match result {
            Ok((report, extra)) => {
                if let Some(extra) = extra {
                    fix_output.push_str(&extra);
                }
                reports.push(report)
            }
            Err((error, report)) => {
                // The error may quote a path from the drive copy or the command line: escaped.
                say!("mblint: error: {error}");
                failures.push(InputFailure {
                    path: path.display().to_string(),
                    error,
                });
                reports.extend(report.map(|r| *r));
            }
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = crate::baseline::Baseline::of(&reports);
        if let Err(e) = baseline.write(path) {
            say!("mblint: error: {e}");
            return Ok(EXIT_ERROR);
        }
        say!(
            "mblint: recorded {} finding(s) in {}; `--baseline {}` reports only new ones",
            baseline.len(),
            path.display(),
            path.display()
        );
    }
    if let Some(path) = &args.baseline {
        match crate::baseline::Baseline::read(path) {
            Ok(baseline) => {
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
    let failed = !failures.is_empty();
    if args.diff || args.script.is_some() {
        // The diff or the script is the output; the files are unchanged, so their findings remain.
        output(&fix_output)?;
        return Ok(exit_code(args, &reports, failed));
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Json if args.statistics => out.write_all(statistics_json(&reports, &failures).as_bytes()),
            Format::Json => json::write(&reports, &failures, &mut out),
            Format::Sarif => sarif::write(&reports, &failures, &mut out),
            Format::Github => github::write(&reports, &failures, &mut out),
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
                    ..Default::default()
                },
                &mut out,
            ),
        }
    };
    match &args.output_file {
        None => render(args.format, &mut stdout)?,
        Some(path) => {
            let mut file = Vec::new();
            render(args.format, &mut file)?;
            if let Err(e) = std::fs::write(path, &file) {
                say!("mblint: error: cannot write {}: {e}", path.display());
                return Ok(EXIT_ERROR);
            }
            // The console gets the findings in brief.
            render(Format::Concise, &mut stdout)?;
        }
    }
    stdout.flush()?;
    Ok(exit_code(args, &reports, failed))
}

/// 2 if an input failed, else 1 if a finding at the fail level remains (unless --exit-zero), else 0.
fn exit_code(args: &CheckArgs, reports: &[FileReport], failed: bool) -> u8 {
    if failed {
        return EXIT_ERROR;
    }
    // Writing a baseline accepts today's findings.
    if args.write_baseline.is_some() {
        return EXIT_CLEAN;
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

/// `  10  MB102  worker-bitness-mismatch  error  9 fixable`, then the summary.
pub fn statistics(reports: &[FileReport], failures: &[InputFailure]) -> String {
    let rows = rule_counts(reports);
    let width = rows.first().map_or(1, |r| r.1.to_string().len());
    let mut out = String::new();
    for (code, n, safe, unsafe_) in &rows {
        let rule = by_code(code);
        let fixable = match (safe, unsafe_) {
            (0, 0) => String::new(),
            (s, 0) => format!("  [*] {s} fixable"),
            (0, u) => format!("  [~] {u} fixable with --unsafe-fixes"),
            (s, u) => format!("  [*] {s} fixable, {u} more with --unsafe-fixes"),
        };
        out += &format!(
            "{n:>width$}  {code}  {}  {}{fixable}\n",
            rule.map_or("", |r| r.name),
            rule.map_or("", |r| r.severity.as_str())
        );
    }
    out + &text::summary(reports, failures) + &text::fixable(reports)
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

fn inspect(args: &InspectArgs) -> std::io::Result<u8> {
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
