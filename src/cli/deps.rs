//! `mblint inspect --deps`: the dependency tree of DLLs on a drive copy, as the loader of one process
//! would resolve it. The server model is decided as `check` decides it (the Windows folder and the
//! platform from the drive, the loader's facts from its SYSTEM hive or Server 2003's defaults);
//! `--platform` and `--worker-bitness` say what the drive cannot.

use crate::bitness::Bitness;
use crate::host;
use crate::platform::{Platform, Process};
use crate::report::deps::{DepsOutput, DepsReport};
use crate::resolve::drive::Drives;
use crate::resolve::loader::{Host, Loader, Site};
use crate::resolve::resolver::{Found, Resolution, Resolver};

use super::check::check_drive_root;
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InspectArgs, ListFormat, output};

/// Runs `inspect --deps`: `args.files` are Windows paths on the mapped drives.
pub fn run(args: &InspectArgs) -> std::io::Result<u8> {
    if args.drives.is_empty() {
        say!("mblint: error: inspect --deps needs a drive copy: -d C:=DIR (the folder that holds the copy of C:)");
        return Ok(EXIT_ERROR);
    }
    let mut drives = Drives::default();
    for (letter, root) in &args.drives {
        if let Err(why) = check_drive_root(*letter, root) {
            say!("mblint: error: {why}");
            return Ok(EXIT_ERROR);
        }
        drives.insert(*letter, root.clone());
    }
    let mut resolver = Resolver::new(drives.clone());
    let windirs = drives
        .mappings()
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|l| resolver.windows_folders(l))
        .collect();
    let windir = host::decide_windir(windirs, Vec::new());
    resolver.set_windir(windir.value.clone());
    let (loader_facts, failure) = host::decide_loader(&mut resolver, &windir.value);
    if let Some((file, why)) = failure {
        say!("mblint: error: {}: {why}", file.display());
        return Ok(EXIT_ERROR);
    }
    let platform = host::decide_platform(
        args.platform.map(Into::into),
        host::drive_platform_clues(&mut resolver, &windir.value),
        Vec::new(),
    );
    let Some(platform): Option<Platform> = platform.value.single() else {
        say!("mblint: error: the drive does not tell the platform (x86, x64 or IA64): give --platform");
        return Ok(EXIT_ERROR);
    };
    let bitness = match args.worker_bitness.as_deref() {
        Some("32") => Bitness::Bits32,
        Some(_) => Bitness::Bits64,
        None => platform.native_bitness(),
    };
    let process = Process::new(platform, bitness);
    if !process.exists() {
        say!("mblint: error: 32-bit Windows (x86) has no 64-bit processes: give --worker-bitness 32");
        return Ok(EXIT_ERROR);
    }
    let host = match args.host.as_deref() {
        Some("inetinfo") => Host::Inetinfo,
        Some("dllhost") => Host::Dllhost,
        _ => Host::W3wp,
    };
    let site = Site { process, host };
    let mut loader = Loader::new(loader_facts.value.clone(), windir.value.clone());
    let partial = loader.partial(&mut resolver, site).map(|p| {
        format!(
            "the copy lacks {} in {}: it is a partial copy, and dependencies are not judged",
            p.missing.join(" and "),
            p.folder
        )
    });
    let mut unread = false;
    let mut faults = false;
    let mut dlls = Vec::new();
    for file in &args.files {
        let dll = file.to_string_lossy().into_owned();
        let error = match &*resolver.resolve(&dll, process) {
            Resolution::Unresolvable(problem) => Some(problem.describe()),
            Resolution::Resolved { found, .. } => match found {
                Found::Missing { missing } => Some(format!("not found on the drive ({missing} does not exist)")),
                Found::Refused { reason, .. } => {
                    unread = true;
                    Some(format!("not read: {reason}"))
                }
                Found::Image { image, .. } => match &**image {
                    Err(e) => Some(e.to_string()),
                    Ok(info) if !info.loads_in(process) => {
                        Some(format!("a {} does not load in a {}", info.describe(), site.describe()))
                    }
                    Ok(_) => None,
                },
            },
        };
        if error.is_some() || partial.is_some() {
            faults = true;
            dlls.push(DepsReport {
                dll,
                closure: None,
                error: error.or_else(|| partial.clone()),
            });
            continue;
        }
        let closure = loader.closure(&mut resolver, site, &dll);
        for fault in &closure.faults {
            match fault.problem {
                crate::resolve::loader::Problem::Unreadable { .. } => unread = true,
                _ => faults = true,
            }
        }
        dlls.push(DepsReport {
            dll,
            closure: Some(closure),
            error: None,
        });
    }
    let report = DepsOutput {
        process: format!("{} on {}", site.describe(), platform.describe()),
        windir: windir.value.to_string(),
        search: &loader_facts.value,
        partial,
        dlls,
    };
    let text = match args.format {
        ListFormat::Json => crate::report::deps::json(&report),
        ListFormat::Text => crate::report::deps::text(&report),
    };
    output(&text)?;
    Ok(if unread {
        EXIT_ERROR
    } else if faults {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
