//! The options and values the subcommands share: output formats, colour and character set, the
//! platform, and the usage rules that hold for every subcommand alike.

use std::path::Path;

use clap::ValueEnum;

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
