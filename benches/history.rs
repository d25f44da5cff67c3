//! The history benchmark: `cargo bench --bench history`.
//!
//! Generates drive copies of a server with 50,000 sites (`MBLINT_BENCH_SITES=10000` to choose) in the
//! layout IIS writes (CRLF, tabs, ScriptMaps of 20 entries per site, ServerBindings, application
//! pools), each with a History folder of ten versions as IIS keeps them
//! (`MetaBase_<major>_<minor>.xml`, ten-digit numbers, each file carrying its own
//! HistoryMajorVersionNumber and ChangeNumber); the current MetaBase.xml is the newest version, as
//! IIS writes both at once. Two histories:
//! - `saves`: each version one save of a real change (a site added, a comment edited, a script map
//!   added, a filter registered, a site removed, ...): four of the nine add or remove a key;
//! - `comments`: each version differs from the one before in one site's comment (and IIS's
//!   bookkeeping numbers), the case of ten versions with small changes;
//! - `most`: each version renames every site and changes the pools' recycle time, so most keys
//!   differ from the version before (the issue: such a version costs about one check).
//!
//! For each it runs, as child processes measured for CPU time, wall time and peak resident memory
//! (best of `MBLINT_BENCH_RUNS`, default 3), `mblint check --isolated DRIVE` (one check of the
//! current file, with every DLL resolved) and `mblint history --isolated DRIVE` (every version and
//! the current file, one after another), and prints history's CPU and memory as ratios of check's.
//! The targets (issue 23): ten versions with small changes within 3x one check's CPU and 2x its
//! peak memory.

mod common;

use common::{FW64, INETSRV, Sample, key, measure};
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSIONS: usize = 10;

fn script_maps(extra: Option<&str>) -> String {
    let mut lines = Vec::new();
    for ext in [".asp", ".cer", ".cdx", ".asa"] {
        lines.push(format!("{ext},{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE"));
    }
    lines.push(format!(".idc,{INETSRV}\\httpodbc.dll,5,GET,POST"));
    for ext in [".shtm", ".shtml", ".stm"] {
        lines.push(format!("{ext},{INETSRV}\\ssinc.dll,5,GET,POST"));
    }
    for ext in [
        ".asax", ".ascx", ".ashx", ".asmx", ".aspx", ".axd", ".config", ".cs", ".vb", ".resx", ".rem", ".soap",
    ] {
        lines.push(format!("{ext},{FW64}\\aspnet_isapi.dll,5,GET,HEAD,POST,DEBUG"));
    }
    if let Some(extra) = extra {
        lines.push(extra.to_string());
    }
    lines.join("\r\n\t\t\t")
}

/// What one save changed, cumulatively: version `v` has the changes of every save up to `v`.
struct State {
    sites: usize,
    removed_site: Option<usize>,
    comment_of_7: &'static str,
    extra_map_on_9: bool,
    rewrite_filter: bool,
    pool_recycle: &'static str,
    bindings_of_3: &'static str,
    /// Sites whose comment a save of the `comments` history changed, with the new comment.
    comments: Vec<(usize, String)>,
    /// In the `most` history, the save that last renamed every site.
    renamed_all: Option<usize>,
}

/// Version `version` of the `most` history: every save renames every site and changes the pools'
/// recycle time.
fn most_state(sites: usize, version: usize) -> State {
    let mut s = state(sites, 0);
    s.renamed_all = Some(version);
    s.pool_recycle = RECYCLE[version % RECYCLE.len()];
    s
}

const RECYCLE: &[&str] = &[
    "1740", "1741", "1742", "1743", "1744", "1745", "1746", "1747", "1748", "1749",
];

/// Version `version` of the `comments` history: save `v` renames one site (spread over the file).
fn comments_state(sites: usize, version: usize) -> State {
    let mut s = state(sites, 0);
    for v in 1..=version {
        s.comments
            .push(((v * 7919) % sites + 1, format!("Site renamed in save {v}")));
    }
    s
}

fn state(sites: usize, version: usize) -> State {
    let mut s = State {
        sites,
        removed_site: None,
        comment_of_7: "Site 7",
        extra_map_on_9: false,
        rewrite_filter: false,
        pool_recycle: "1740",
        bindings_of_3: ":82:",
        comments: Vec::new(),
        renamed_all: None,
    };
    for v in 1..=version {
        match v {
            1 => s.sites += 1,
            2 => s.comment_of_7 = "Site 7 (intranet)",
            3 => s.extra_map_on_9 = true,
            4 => s.pool_recycle = "1440",
            5 => s.rewrite_filter = true,
            6 => s.removed_site = Some(sites / 2),
            7 => s.bindings_of_3 = ":82:,:8082:",
            8 => s.sites += 1,
            9 => s.comment_of_7 = "Site 7 (HR)",
            _ => {}
        }
    }
    s
}

fn metabase(s: &State, version: usize) -> String {
    let mut out = String::with_capacity(s.sites * 2400);
    out.push_str("\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n");
    key(
        &mut out,
        "IIS_Global",
        ".",
        &[
            ("ChangeNumber", (1000 + 7 * version).to_string()),
            ("HistoryMajorVersionNumber", (100 + version).to_string()),
        ],
    );
    key(&mut out, "IIS_ROOT", "/", &[]);
    key(
        &mut out,
        "IIsComputer",
        "/LM",
        &[
            ("EnableEditWhileRunning", "0".into()),
            ("EnableHistory", "1".into()),
            ("MaxHistoryFiles", "10".into()),
        ],
    );
    key(
        &mut out,
        "IIsWebService",
        "/LM/W3SVC",
        &[
            ("AppPoolId", "DefaultAppPool".into()),
            ("IIs5IsolationModeEnabled", "FALSE".into()),
            ("ScriptMaps", script_maps(None)),
            (
                "WebSvcExtRestrictionList",
                [
                    "0,*.dll".to_string(),
                    "0,*.exe".to_string(),
                    format!("1,{INETSRV}\\asp.dll,0,ASP,Active Server Pages"),
                    format!("1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector"),
                    format!("1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes"),
                    format!("1,{FW64}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"),
                ]
                .join("\r\n\t\t\t"),
            ),
        ],
    );
    for n in 1..=s.sites {
        if s.removed_site == Some(n) {
            continue;
        }
        let comment = if let Some((_, c)) = s.comments.iter().rev().find(|(site, _)| *site == n) {
            c.clone()
        } else if let Some(v) = s.renamed_all {
            format!("Site {n} v{v}")
        } else if n == 7 {
            s.comment_of_7.to_string()
        } else {
            format!("Site {n}")
        };
        let bindings = if n == 3 {
            s.bindings_of_3.to_string()
        } else {
            format!(":80:site{n}.example.com")
        };
        key(
            &mut out,
            "IIsWebServer",
            &format!("/LM/W3SVC/{n}"),
            &[
                ("AppPoolId", format!("Pool{}", n % 20)),
                ("ServerAutoStart", "TRUE".into()),
                ("ServerBindings", bindings),
                ("ServerComment", comment),
            ],
        );
        let extra = (n == 9 && s.extra_map_on_9).then(|| format!(".rpt,{INETSRV}\\ssinc.dll,5,GET,POST"));
        key(
            &mut out,
            "IIsWebVirtualDir",
            &format!("/LM/W3SVC/{n}/ROOT"),
            &[
                ("AccessFlags", "AccessRead | AccessScript".into()),
                ("AppFriendlyName", "Default Application".into()),
                ("AppIsolated", "2".into()),
                ("AppRoot", format!("/LM/W3SVC/{n}/ROOT")),
                ("Path", format!("D:\\Sites\\site{n}")),
                ("ScriptMaps", script_maps(extra.as_deref())),
            ],
        );
    }
    key(
        &mut out,
        "IIsApplicationPools",
        "/LM/W3SVC/AppPools",
        &[
            ("AppPoolIdentityType", "2".into()),
            ("PeriodicRestartTime", s.pool_recycle.into()),
        ],
    );
    key(&mut out, "IIsApplicationPool", "/LM/W3SVC/AppPools/DefaultAppPool", &[]);
    for p in 0..20 {
        key(
            &mut out,
            "IIsApplicationPool",
            &format!("/LM/W3SVC/AppPools/Pool{p}"),
            &[],
        );
    }
    let order = if s.rewrite_filter { "UrlScan,Rewrite" } else { "UrlScan" };
    key(
        &mut out,
        "IIsFilters",
        "/LM/W3SVC/Filters",
        &[("FilterLoadOrder", order.into())],
    );
    key(&mut out, "IIsFilter", "/LM/W3SVC/Filters/Compression", &[]);
    if s.rewrite_filter {
        // A 32-bit filter on this 64-bit server: the finding the history is asked about.
        key(
            &mut out,
            "IIsFilter",
            "/LM/W3SVC/Filters/Rewrite",
            &[("FilterPath", "C:\\Program Files (x86)\\Rewrite\\rewrite.dll".into())],
        );
    }
    key(
        &mut out,
        "IIsFilter",
        "/LM/W3SVC/Filters/UrlScan",
        &[("FilterPath", format!("{INETSRV}\\urlscan\\urlscan.dll"))],
    );
    out.push_str("</MBProperty>\r\n</configuration>\r\n");
    out
}

/// A 64-bit drive: every DLL resolves, 64-bit builds in system32 and Framework64, the rewrite
/// filter 32-bit.
fn drive(root: &Path, images: &Path) {
    let put = |path: &str, image: &str| common::put(root, path, images, image);
    for dll in ["asp.dll", "httpodbc.dll", "ssinc.dll"] {
        put(&format!("WINDOWS/system32/inetsrv/{dll}"), "x64/isapi-extension.dll");
        put(&format!("WINDOWS/SysWOW64/inetsrv/{dll}"), "x86/isapi-extension.dll");
    }
    put("WINDOWS/system32/inetsrv/urlscan/urlscan.dll", "x64/isapi-filter.dll");
    put("WINDOWS/system32/ntdll.dll", "x64/no-isapi.dll");
    put(
        "WINDOWS/Microsoft.NET/Framework64/v2.0.50727/aspnet_isapi.dll",
        "x64/isapi-extension.dll",
    );
    put("Program Files (x86)/Rewrite/rewrite.dll", "x86/isapi-filter.dll");
}

/// The least CPU and the largest peak memory, over `runs` runs, stdout to `out`.
fn best(runs: usize, out: &Path, mut cmd: impl FnMut() -> Command) -> Sample {
    (0..runs)
        .map(|_| measure(&mut cmd(), out))
        .reduce(|a, b| Sample {
            secs: a.secs.min(b.secs),
            cpu: a.cpu.min(b.cpu),
            peak: a.peak.max(b.peak),
            out: a.out,
        })
        .expect("at least one run")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::spawned(&args) {
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let sites: usize = std::env::var("MBLINT_BENCH_SITES")
        .ok()
        .and_then(|s| s.split(',').filter_map(|s| s.trim().parse().ok()).max())
        .unwrap_or(50_000);
    let runs: usize = std::env::var("MBLINT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mblint = env!("CARGO_BIN_EXE_mblint");
    println!(
        "mblint history benchmark: {sites} sites, {VERSIONS} history files and the current file; best of {runs} runs\n"
    );
    println!(
        "{:<10} {:>8} {:>9} {:>9} {:>10} {:>9} {:>9}",
        "history", "MB/file", "check s", "check MB", "history s", "x CPU", "x memory"
    );
    type Shape = fn(usize, usize) -> State;
    for (shape, make) in [
        ("saves", state as Shape),
        ("comments", comments_state as Shape),
        ("most", most_state as Shape),
    ] {
        let root = manifest.join(format!("target/bench-data/history-{sites}-{shape}"));
        let _ = std::fs::remove_dir_all(&root);
        drive(&root, &manifest.join("testdata/images"));
        let inetsrv = root.join("WINDOWS/system32/inetsrv");
        let history = inetsrv.join("History");
        std::fs::create_dir_all(&history).unwrap();
        let mut size = 0;
        for v in 0..VERSIONS {
            let text = metabase(&make(sites, v), v);
            size = text.len();
            let name = format!("MetaBase_{:010}_{:010}.xml", 100 + v, 0);
            std::fs::write(history.join(name), &text).unwrap();
            if v + 1 == VERSIONS {
                std::fs::write(inetsrv.join("MetaBase.xml"), &text).unwrap();
            }
        }
        let drive = root.to_str().unwrap().to_string();
        let out = manifest.join(format!("target/bench-data/history-{sites}-{shape}.stdout"));
        let check = best(runs, &out, || {
            let mut c = Command::new(mblint);
            c.args(["check", "--isolated", &drive]);
            c
        });
        let hist = best(runs, &out, || {
            let mut c = Command::new(mblint);
            c.args(["history", "--isolated", &drive]);
            c
        });
        println!(
            "{shape:<10} {:>8.1} {:>9.3} {:>9.1} {:>10.3} {:>9.2} {:>9.2}",
            size as f64 / 1e6,
            check.cpu,
            check.peak as f64 / 1e6,
            hist.cpu,
            hist.cpu / check.cpu,
            hist.peak as f64 / check.peak as f64
        );
    }
    println!("\ntarget: ten versions with small changes (comments) within 3x one check's CPU and 2x its peak memory;");
    println!("a version that changes most keys (most) about one check: ten versions about 10x");
}
