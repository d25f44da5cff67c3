//! The options and values the subcommands share: output formats, colour and character set, the
//! platform, and the usage rules that hold for every subcommand alike.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::baseline::Baseline;
use crate::config::{ConfigError, Configs};
use crate::diagnostic::Severity;
use crate::lint::{FileReport, InputFailure};

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
    /// A table (rules, inspect), for people.
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

impl Color {
    /// Whether output to standard output is coloured: `always`, `never`, or [`auto_color`].
    pub fn on_stdout(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => auto_color(std::io::stdout().is_terminal(), |v| std::env::var_os(v)),
        }
    }
}

/// Whether `--color auto` colours: on a terminal, unless NO_COLOR is set to something (an empty
/// NO_COLOR counts as unset: no-color.org) or TERM is `dumb`.
pub fn auto_color(is_terminal: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    is_terminal && var("NO_COLOR").is_none_or(|v| v.is_empty()) && var("TERM").is_none_or(|t| t != "dumb")
}

/// The width text for people is wrapped to: the terminal's when standard output is one, else
/// `COLUMNS` when it holds a number (the shells' variable, and the way to ask for a width when
/// piping), else 80. Never below [`crate::report::text::MIN_WRAP_WIDTH`].
pub fn output_width() -> usize {
    let terminal = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0));
    width_from(terminal, std::env::var_os("COLUMNS"))
}

/// [`output_width`] from its inputs: a terminal's width, and `COLUMNS`.
pub fn width_from(terminal: Option<usize>, columns: Option<std::ffi::OsString>) -> usize {
    let columns = || {
        columns
            .as_ref()?
            .to_str()?
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
    };
    terminal
        .filter(|&n| n > 0)
        .or_else(columns)
        .unwrap_or(80)
        .max(crate::report::text::MIN_WRAP_WIDTH)
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

/// The name `--format` takes for `format`.
pub(super) fn format_name(format: Format) -> String {
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// `-q` leaves out the summary of the text and concise formats (and of the console's listing with
/// `-o`); with any other format and no `-o` it would do nothing, which is a usage error.
pub(super) fn quiet_usage(quiet: bool, format: Format, output: Option<&Path>) -> Result<(), String> {
    if quiet && output.is_none() && !matches!(format, Format::Text | Format::Concise) {
        return Err(format!(
            "-q (--quiet) leaves out the summary of the text and concise formats; --format {} has none (leave out -q, or give -o FILE: -q then quiets the findings listed on the console)",
            format_name(format)
        ));
    }
    Ok(())
}

/// The options `check`, `compare` and `history` share, defined once (as ruff's `args.rs`) and
/// flattened into each: every one means the same in the three, and a combination in which one would
/// do nothing is the same usage error in the three ([`SharedArgs::usage`]).
#[derive(Debug, Clone, clap::Args)]
pub struct SharedArgs {
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
    /// Exit 0 even when findings remain (an input that could not be read or checked still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings (text, concise and json
    /// formats; the others have no place for them).
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
    #[arg(short, long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Report only findings that FILE (written by `check --write-baseline`) does not hold: what is
    /// new. Held findings are not shown and do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The server's platform, above what the drive and the metabase say (also `platform =` in
    /// mblint.toml). Without it, a verdict that depends on the platform is a warning (MB107).
    #[arg(long, value_enum, value_name = "PLATFORM")]
    pub platform: Option<PlatformArg>,
}

impl SharedArgs {
    /// Writes the report: to standard output, or, with `-o FILE`, streamed through the guard to a
    /// temporary file beside FILE and renamed over it when whole (a device or a FIFO is written to),
    /// so a SARIF of a million places is never one buffer and a failed write never leaves half a
    /// report; then the findings in brief on the console, whether or not the file was written.
    /// The same in `check`, `compare` and `history`. True when `-o` could not be written (exit 2).
    pub fn write_report(
        &self,
        guard: &super::outputs::Guard,
        render: impl Fn(Format, &mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<bool> {
        use std::io::Write as _;
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut not_written = false;
        match &self.output_file {
            None => render(self.format, &mut stdout)?,
            Some(path) => {
                if let Err(e) = guard.write("-o", path, |out| render(self.format, out)) {
                    say!("mblint: error: {e}");
                    not_written = true;
                }
                render(Format::Concise, &mut stdout)?;
            }
        }
        stdout.flush()?;
        Ok(not_written)
    }

    /// Usage errors among the shared options that parse but would do nothing together, found
    /// before any input is read: the same in every subcommand.
    pub fn usage(&self) -> Result<(), String> {
        quiet_usage(self.quiet, self.format, self.output_file.as_deref())?;
        // `-o -` reads as "standard output" to anyone used to other tools, and would write a file
        // named `-` instead.
        if self.output_file.as_deref() == Some(Path::new("-")) {
            return Err(
                "-o - would write a file named \"-\": leave out -o to print the report on standard output, or write ./- for a file of that name".into(),
            );
        }
        if self.statistics && !matches!(self.format, Format::Text | Format::Concise | Format::Json) {
            return Err(format!(
                "--statistics counts findings in the text, concise and json formats; --format {} has no place for them (leave out --statistics, or write the statistics with -o FILE in another run)",
                format_name(self.format)
            ));
        }
        Ok(())
    }

    /// The configurations of a run; an error if `--select` or `--ignore` names no rule.
    pub fn configs(&self) -> Result<Configs, ConfigError> {
        Configs::new(&self.select, &self.ignore, self.isolated, self.config.as_deref())
    }

    /// Whether text output is coloured (`--color`, on standard output).
    pub fn colored(&self) -> bool {
        self.color.on_stdout()
    }

    /// Whether text output draws with ASCII (`--charset`).
    pub fn ascii(&self) -> bool {
        match self.charset {
            Charset::Ascii => true,
            Charset::Unicode => false,
            Charset::Auto => auto_ascii(|v| std::env::var_os(v)),
        }
    }

    /// Whether a finding of `severity` is shown (`--min-severity`).
    pub fn shown(&self, severity: Severity) -> bool {
        self.min_severity.is_none_or(|min| severity >= min)
    }

    /// Says on stderr how many findings `--min-severity` left out (display only: the exit code was
    /// decided before).
    pub fn say_hidden(&self, hidden: usize) {
        if let Some(min) = self.min_severity
            && hidden > 0
        {
            say!(
                "mblint: {hidden} finding(s) below {} not shown (--min-severity); the exit code counts them",
                min.as_str()
            );
        }
    }

    /// Removes the findings below `--min-severity` from `reports`, and says how many.
    pub fn hide_below_min_severity(&self, reports: &mut [FileReport]) {
        let mut hidden = 0;
        for report in reports {
            let before = report.diagnostics.len();
            report.diagnostics.retain(|d| self.shown(d.severity));
            hidden += before - report.diagnostics.len();
        }
        self.say_hidden(hidden);
    }

    /// Reads `--baseline` and says what it holds that this run cannot use; an unreadable baseline
    /// is an input not read (exit 2: it must not pass the gate), added to `failures`.
    pub fn read_baseline(&self, reports: &[FileReport], failures: &mut Vec<InputFailure>) -> Option<Baseline> {
        let path = self.baseline.as_deref()?;
        match Baseline::read(path) {
            Ok(baseline) => {
                if baseline.never_baselined() > 0 {
                    say!(
                        "mblint: warning: the baseline {} holds {} MB001 finding(s) (malformed-metabase): ignored, a baseline never hides a malformed metabase",
                        path.display(),
                        baseline.never_baselined()
                    );
                }
                if baseline.matches_no_file(reports) {
                    say!(
                        "mblint: warning: the baseline {} matches no file of this run (it holds findings of {}): every finding is shown",
                        path.display(),
                        baseline.files().join(", ")
                    );
                }
                Some(baseline)
            }
            Err(e) => {
                say!("mblint: error: {e}");
                failures.push(InputFailure {
                    path: path.display().to_string(),
                    error: e.to_string(),
                });
                None
            }
        }
    }

    /// Says how many findings `--baseline` held (and so are not shown).
    pub fn say_known(&self, known: usize) {
        if let Some(path) = &self.baseline
            && known > 0
        {
            say!(
                "mblint: {known} finding(s) in the baseline {} not shown",
                path.display()
            );
        }
    }

    /// `--baseline`: removes from `reports` the findings the baseline holds, with what it says.
    pub fn apply_baseline(&self, reports: &mut [FileReport], failures: &mut Vec<InputFailure>) {
        if let Some(baseline) = self.read_baseline(reports, failures) {
            let known = baseline.filter(reports);
            self.say_known(known);
        }
    }

    /// The exit code once every output is written: 2 if an input failed, else 1 if a finding at
    /// `--fail-on` remains (unless `--exit-zero`), else 0.
    pub fn exit_code<'a>(
        &self,
        findings: impl IntoIterator<Item = &'a crate::diagnostic::Diagnostic>,
        failed: bool,
    ) -> u8 {
        if failed {
            return EXIT_ERROR;
        }
        let failing = findings.into_iter().any(|d| d.severity >= self.fail_on);
        if failing && !self.exit_zero {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        }
    }
}

#[cfg(test)]
mod width_tests {
    use super::width_from;

    #[test]
    fn the_terminal_then_columns_then_80() {
        assert_eq!(width_from(Some(132), Some("60".into())), 132);
        assert_eq!(width_from(None, Some("60".into())), 60);
        assert_eq!(width_from(None, Some(" 200 ".into())), 200);
        assert_eq!(width_from(None, None), 80);
        for junk in ["", "wide", "-5", "0", "99999999999999999999999"] {
            assert_eq!(width_from(None, Some(junk.into())), 80, "{junk}");
        }
        assert_eq!(width_from(Some(0), None), 80);
        assert_eq!(width_from(None, Some("3".into())), crate::report::text::MIN_WRAP_WIDTH);
    }
}
