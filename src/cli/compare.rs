//! `mblint compare`: the command line of [`crate::compare`]: read each node, lint it, report the
//! drift between them.

use std::io::Write;
use std::path::PathBuf;

use crate::lint::{InputFailure, Options, input};
use crate::report::{github, json, sarif, text};
use crate::resolve::drive::{Drives, parse_mapping};

use super::args::{Format, SharedArgs};
use super::check::{check_drive_root, settings_in, unread_dlls};
use super::statistics::{statistics, statistics_json};
use super::{EXIT_ERROR, outputs};

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
    #[command(flatten)]
    pub shared: SharedArgs,
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
    if let Err(e) = args.shared.usage() {
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
    let mut configs = match args.shared.configs() {
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
        args.shared.config.as_deref(),
        args.shared.baseline.as_deref(),
        args.shared.output_file.as_deref(),
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
            let settings = settings_in(
                &args.shared,
                &mut configs,
                &input.metabase,
                input.drive.as_ref().map(|(d, _)| d.as_path()),
            )?;
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
                platform: args.shared.platform.map(Into::into).or(settings.platform),
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
    let mut reports = outcome.reports;
    let comparison = outcome.comparison;
    // --baseline hides the findings it holds (they do not fail the run); one that cannot be read
    // fails it. The comparison's tables still show every difference.
    args.shared.apply_baseline(&mut reports, &mut failures);
    let code = args
        .shared
        .exit_code(reports.iter().flat_map(|r| &r.diagnostics), !failures.is_empty());
    // --min-severity only hides: the exit code above counts every finding.
    args.shared.hide_below_min_severity(&mut reports);
    let color = args.shared.colored();
    let ascii = args.shared.ascii();
    let render = |format: Format, out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = out;
        match format {
            Format::Json if args.shared.statistics => out.write_all(statistics_json(&reports, &failures).as_bytes()),
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
            Format::Junit => crate::report::junit::write(&reports, &failures, args.shared.fail_on, &mut out),
            Format::Html => crate::report::html::compare::write(&comparison, &reports, &failures, &mut out),
            Format::Text | Format::Concise if args.shared.statistics => {
                out.write_all(statistics(&reports, &failures, super::args::output_width()).as_bytes())
            }
            Format::Text | Format::Concise => {
                if format == Format::Concise {
                    text::write_concise(&reports, &failures, true, &mut out)?;
                } else {
                    let options = text::TextOptions {
                        color,
                        ascii,
                        quiet: true,
                        ..Default::default()
                    };
                    text::write(&reports, &failures, options, &mut out)?;
                }
                if args.shared.quiet {
                    return Ok(());
                }
                out.write_all(crate::report::compare::text(&comparison, &reports).as_bytes())?;
                out.write_all(text::summary(&reports, &failures).as_bytes())
            }
        }
    };
    let not_written = args.shared.write_report(&guard, render)?;
    Ok(if not_written { EXIT_ERROR } else { code })
}
