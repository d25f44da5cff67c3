//! `mblint check`: its arguments, checking and fixing each PATH (or standard input), baselines,
//! and the report in the format asked for.

use std::io::Write;
use std::path::PathBuf;

use crate::bitness::Bitness;
use crate::config::{Configs, Settings};
use crate::fixer::{self, Request};
use crate::fixer::{script, write};
use crate::lint::{FileReport, InputFailure, Options, effective_options, input, lint_file, read_metabase};
use crate::report::{github, json, sarif, text};
use crate::resolve::drive::{Drives, parse_mapping};

use super::args::{Format, ScriptKind, SharedArgs};
use super::statistics::{statistics, statistics_json};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, output, outputs};

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
    #[command(flatten)]
    pub shared: SharedArgs,
    /// Apply safe fixes to the files (after verifying the result), then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "script", "baseline"])]
    pub fix: bool,
    /// With --fix, --diff or --script: unsafe fixes too (server-wide switches, repoints not checked
    /// on a drive).
    #[arg(long, requires = "fixing")]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff (for patch -p1 or git apply); write nothing.
    #[arg(long, conflicts_with_all = ["script", "output_file", "baseline"])]
    pub diff: bool,
    /// Print the fixes as a VBScript that makes them in the live metabase (cscript //nologo FILE.vbs);
    /// write nothing.
    #[arg(long, value_enum, value_name = "KIND", conflicts_with_all = ["output_file", "baseline"])]
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
}

/// The settings for one metabase (as [`settings_in`]), in a run of its own: for a command that
/// checks one metabase.
pub(super) fn settings_for(
    args: &SharedArgs,
    metabase: &std::path::Path,
    drive: Option<&std::path::Path>,
) -> Result<Settings, String> {
    let mut configs = args.configs().map_err(|e| e.to_string())?;
    settings_in(args, &mut configs, metabase, drive)
}

/// The settings for one metabase: the configuration file that applies (unless `--isolated`), then
/// the command line over it; with `--verbose`, says which file that is.
pub(super) fn settings_in(
    args: &SharedArgs,
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
pub(super) fn drives_for(given: &[(char, PathBuf)], settings: &Settings) -> Result<Drives, String> {
    let mut drives = Drives::default();
    for (letter, root) in settings.drives.iter().chain(given) {
        check_drive_root(*letter, root)?;
        drives.insert(*letter, root.clone());
    }
    Ok(drives)
}

pub(super) fn check_drive_root(letter: char, root: &std::path::Path) -> Result<(), String> {
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
            (false, Some(_)) => Some(
                script::vbscript(&name, &format!("nothing to fix{why}{hint}"), "", &[])
                    .map_err(|e| (e.to_string(), None))?,
            ),
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
        // The diff reads the original's text and the changes: the result's lint goes first (its
        // text and model are as large as the original's).
        let fixer::Fixed {
            before, changes, after, ..
        } = fixed;
        drop(after);
        let diff = changes.unified_diff(&before.source, shown.trim_start_matches("./"), 3);
        return Ok((before, Some(diff)));
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
    let written = lock.and_then(|lock| {
        lock.replace(
            fixed.original_content(),
            fixed.new_file().content(),
            args.backup,
            &mut write::Disk,
        )
    });
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

/// Usage errors among options that parse but do nothing together, found before any input is read.
/// One input's outcome: its report and any diff or script text, or why it failed (with the report
/// when there is one, as for a fix that could not be written).
type Checked = Result<(FileReport, Option<String>), (String, Option<Box<FileReport>>)>;

/// Checks (or fixes) one PATH: a MetaBase.xml or a copy of a server's system drive.
fn check_path(args: &CheckArgs, configs: &mut Configs, path: &std::path::Path) -> Checked {
    input(path).map_err(|e| (e.to_string(), None)).and_then(|input| {
        let drive = input.drive.as_ref().map(|(folder, _)| folder.as_path());
        let settings = settings_in(&args.shared, configs, &input.metabase, drive).map_err(|e| (e, None))?;
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
        drives: drives_for(&args.drives, &settings)?,
        platform: args.shared.platform.map(Into::into).or(settings.platform),
        drive_copy: None,
        // The HTML page draws the ISAPI DLL map.
        dll_map: args.shared.format == Format::Html,
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
    let settings = settings_in(&args.shared, configs, &anchor, None).map_err(|e| (e, None))?;
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

fn check_usage(args: &CheckArgs) -> Result<(), String> {
    args.shared.usage()?;
    let stdin = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin > 1 {
        return Err("`-` (standard input) can be given once".into());
    }
    if stdin == 1 && (args.fix || args.diff || args.script.is_some()) {
        return Err(
            "`-` (standard input) can be checked, not fixed: save it to a file for --diff, --fix or --script".into(),
        );
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

pub fn run(args: &CheckArgs) -> std::io::Result<u8> {
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
    let mut configs = match args.shared.configs() {
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
    // A baseline that cannot be read must not pass the gate: nothing is filtered, and it fails.
    args.shared.apply_baseline(&mut reports, &mut failures);
    let failed = !failures.is_empty() || not_written;
    if args.diff || args.script.is_some() {
        // The diff or the script is the output; the files are unchanged, so their findings remain.
        output(&fix_output)?;
        return Ok(exit_code(args, &reports, failed));
    }
    // The gate's verdict counts every finding; what is shown may be fewer.
    let code = exit_code(args, &reports, failed);
    args.shared.hide_below_min_severity(&mut reports);
    let color = args.shared.colored();
    let ascii = args.shared.ascii();
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Json if args.shared.statistics => out.write_all(statistics_json(&reports, &failures).as_bytes()),
            Format::Json => json::write(&reports, &failures, &mut out),
            Format::Sarif => sarif::write(&reports, &failures, &mut out),
            Format::Github => github::write(&reports, &failures, &mut out),
            Format::Gitlab => crate::report::gitlab::write(&reports, &failures, &mut out),
            Format::Junit => crate::report::junit::write(&reports, &failures, args.shared.fail_on, &mut out),
            Format::Html => crate::report::html::check::write(&reports, &failures, &mut out),
            Format::Text | Format::Concise if args.shared.statistics => {
                out.write_all(statistics(&reports, &failures, super::args::output_width()).as_bytes())
            }
            Format::Concise => text::write_concise(&reports, &failures, args.shared.quiet, &mut out),
            Format::Text => text::write(
                &reports,
                &failures,
                text::TextOptions {
                    color,
                    quiet: args.shared.quiet,
                    ascii,
                    ..Default::default()
                },
                &mut out,
            ),
        }
    };
    if args.shared.write_report(&guard, render)? {
        not_written = true;
    }
    // The process ends here: freeing every finding and source one by one would only cost time.
    std::mem::forget(reports);
    Ok(if not_written { EXIT_ERROR } else { code })
}

/// The DLLs a report's lint could not read, as inputs not checked (said on stderr too): the run
/// exits 2 and every format lists them.
pub(super) fn unread_dlls(report: &FileReport, failures: &mut Vec<InputFailure>) {
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
        .any(|d| d.severity >= args.shared.fail_on && !accepted(d.code));
    if failing && !args.shared.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
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
