//! `mblint compare`: the command line of [`crate::compare`]: read each node, lint it, report the
//! drift between them.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::config::Configs;
use crate::diagnostic::Severity;
use crate::lint::{InputFailure, Options, input};
use crate::report::{github, json, sarif, text};
use crate::resolve::drive::{Drives, parse_mapping};

use super::args::quiet_usage;
use super::args::{Color, Format, PlatformArg};
use super::check::{check_drive_root, unread_dlls};
use super::statistics::{statistics, statistics_json};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, outputs};

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

pub fn run(args: &CompareArgs) -> std::io::Result<u8> {
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
