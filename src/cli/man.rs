//! `mblint completions` and `mblint man`: generated from the command line's own definition.

use std::path::PathBuf;

use super::{Cli, EXIT_CLEAN, EXIT_ERROR, output};

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

/// `mblint completions SHELL`: the completion script, generated from this command line's definition.
pub fn completions(args: &CompletionsArgs) -> std::io::Result<u8> {
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
pub fn man(args: &ManArgs) -> std::io::Result<u8> {
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
