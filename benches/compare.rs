//! The compare benchmark: `cargo bench --bench compare`.
//!
//! Generates ten drive copies of the nodes of one farm, each a server with 50,000 sites
//! (`MBLINT_BENCH_SITES=5000` to choose) in the layout IIS writes (CRLF, tabs, ScriptMaps of 20
//! entries per site, ServerBindings, application pools, a filter), every DLL on the drive. The nodes
//! agree but for what a farm drifts by, one difference each on four nodes: a site whose `.aspx` map
//! names another DLL (MB604), a filter loaded in another order (MB605), a DLL that is another
//! build (MB607), a Web Service Extension prohibited (MB608); the other six are alike.
//!
//! It runs, as child processes measured for CPU time, wall time and peak resident memory (best of
//! `MBLINT_BENCH_RUNS`, default 3), `mblint check --isolated NODE` for the first node and
//! `mblint compare --isolated NODE...` for the ten, pair by pair, and prints compare's CPU and
//! memory as ratios of check's. The targets (issue 23): ten nodes within ten checks and a small
//! fraction of CPU (11x), and peak memory bounded by one node's model and the drift tables (2x).

mod common;

use common::{FW64, INETSRV, Sample, key, measure};
use std::path::{Path, PathBuf};
use std::process::Command;

const NODES: usize = 10;

/// How a node differs from the farm (the first node, and most others, are `Alike`).
#[derive(Clone, Copy, PartialEq)]
enum Drift {
    Alike,
    /// One site maps `.aspx` to another DLL (MB604).
    ScriptMap,
    /// The global filters load in another order (MB605).
    FilterOrder,
    /// `ssinc.dll` is another build on the drive (MB607).
    Build,
    /// ASP is prohibited in WebSvcExtRestrictionList (MB608).
    Lockdown,
}

fn drift_of(node: usize) -> Drift {
    match node {
        2 => Drift::ScriptMap,
        4 => Drift::FilterOrder,
        6 => Drift::Build,
        8 => Drift::Lockdown,
        _ => Drift::Alike,
    }
}

fn script_maps(aspx: &str) -> String {
    let mut lines = Vec::new();
    for ext in [".asp", ".cer", ".cdx", ".asa"] {
        lines.push(format!("{ext},{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE"));
    }
    lines.push(format!(".idc,{INETSRV}\\httpodbc.dll,5,GET,POST"));
    for ext in [".shtm", ".shtml", ".stm"] {
        lines.push(format!("{ext},{INETSRV}\\ssinc.dll,5,GET,POST"));
    }
    for ext in [
        ".asax", ".ascx", ".ashx", ".asmx", ".axd", ".config", ".cs", ".vb", ".resx", ".rem", ".soap",
    ] {
        lines.push(format!("{ext},{FW64}\\aspnet_isapi.dll,5,GET,HEAD,POST,DEBUG"));
    }
    lines.push(format!(".aspx,{aspx},5,GET,HEAD,POST,DEBUG"));
    lines.join("\r\n\t\t\t")
}

fn metabase(sites: usize, drift: Drift) -> String {
    let aspnet = format!("{FW64}\\aspnet_isapi.dll");
    let mut out = String::with_capacity(sites * 2400);
    out.push_str("\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n");
    key(&mut out, "IIS_Global", ".", &[("ChangeNumber", "1000".into())]);
    key(&mut out, "IIS_ROOT", "/", &[]);
    key(
        &mut out,
        "IIsComputer",
        "/LM",
        &[("EnableEditWhileRunning", "0".into())],
    );
    let asp = if drift == Drift::Lockdown { 0 } else { 1 };
    key(
        &mut out,
        "IIsWebService",
        "/LM/W3SVC",
        &[
            ("AppPoolId", "DefaultAppPool".into()),
            ("IIs5IsolationModeEnabled", "FALSE".into()),
            ("ScriptMaps", script_maps(&aspnet)),
            (
                "WebSvcExtRestrictionList",
                [
                    "0,*.dll".to_string(),
                    "0,*.exe".to_string(),
                    format!("{asp},{INETSRV}\\asp.dll,0,ASP,Active Server Pages"),
                    format!("1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector"),
                    format!("1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes"),
                    format!("1,{FW64}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"),
                ]
                .join("\r\n\t\t\t"),
            ),
        ],
    );
    let odd = format!("{INETSRV}\\ssinc.dll");
    for n in 1..=sites {
        key(
            &mut out,
            "IIsWebServer",
            &format!("/LM/W3SVC/{n}"),
            &[
                ("AppPoolId", format!("Pool{}", n % 20)),
                ("ServerAutoStart", "TRUE".into()),
                ("ServerBindings", format!(":80:site{n}.example.com")),
                ("ServerComment", format!("Site {n}")),
            ],
        );
        let aspx = if drift == Drift::ScriptMap && n == sites / 2 {
            &odd
        } else {
            &aspnet
        };
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
                ("ScriptMaps", script_maps(aspx)),
            ],
        );
    }
    key(
        &mut out,
        "IIsApplicationPools",
        "/LM/W3SVC/AppPools",
        &[("AppPoolIdentityType", "2".into())],
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
    let order = if drift == Drift::FilterOrder {
        "Compress,UrlScan"
    } else {
        "UrlScan,Compress"
    };
    key(
        &mut out,
        "IIsFilters",
        "/LM/W3SVC/Filters",
        &[("FilterLoadOrder", order.into())],
    );
    key(
        &mut out,
        "IIsFilter",
        "/LM/W3SVC/Filters/Compress",
        &[("FilterPath", format!("{INETSRV}\\compress.dll"))],
    );
    key(
        &mut out,
        "IIsFilter",
        "/LM/W3SVC/Filters/UrlScan",
        &[("FilterPath", format!("{INETSRV}\\urlscan\\urlscan.dll"))],
    );
    out.push_str("</MBProperty>\r\n</configuration>\r\n");
    out
}

/// A 64-bit drive: every DLL resolves to a 64-bit build; on the `Build` node `ssinc.dll` is
/// another (still 64-bit) file.
fn drive(root: &Path, images: &Path, drift: Drift) {
    let put = |path: &str, image: &str| common::put(root, path, images, image);
    for dll in ["asp.dll", "httpodbc.dll"] {
        put(&format!("WINDOWS/system32/inetsrv/{dll}"), "x64/isapi-extension.dll");
    }
    let ssinc = if drift == Drift::Build {
        "x64/isapi-filter-extension.dll"
    } else {
        "x64/isapi-extension.dll"
    };
    put("WINDOWS/system32/inetsrv/ssinc.dll", ssinc);
    put("WINDOWS/system32/inetsrv/urlscan/urlscan.dll", "x64/isapi-filter.dll");
    put("WINDOWS/system32/inetsrv/compress.dll", "x64/isapi-filter.dll");
    put("WINDOWS/system32/ntdll.dll", "x64/no-isapi.dll");
    put(
        "WINDOWS/Microsoft.NET/Framework64/v2.0.50727/aspnet_isapi.dll",
        "x64/isapi-extension.dll",
    );
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
    let images = manifest.join("testdata/images");
    let mblint = env!("CARGO_BIN_EXE_mblint");
    println!("mblint compare benchmark: {NODES} nodes of {sites} sites each; best of {runs} runs\n");
    let farm = manifest.join(format!("target/bench-data/compare-{sites}"));
    let _ = std::fs::remove_dir_all(&farm);
    let mut nodes = Vec::new();
    let mut size = 0;
    for n in 0..NODES {
        let root = farm.join(format!("web{}", n + 1));
        drive(&root, &images, drift_of(n));
        let text = metabase(sites, drift_of(n));
        size = size.max(text.len());
        let inetsrv = root.join("WINDOWS/system32/inetsrv");
        std::fs::write(inetsrv.join("MetaBase.xml"), &text).unwrap();
        nodes.push(root.to_str().unwrap().to_string());
    }
    let out = farm.with_extension("stdout");
    // Pair by pair: a check and a compare measured one after the other, so that both see the same
    // load on a shared machine; the best of each over the runs.
    let mut check: Option<Sample> = None;
    let mut compare: Option<Sample> = None;
    let better = |a: Option<Sample>, b: Sample| match a {
        None => b,
        Some(a) => Sample {
            secs: a.secs.min(b.secs),
            cpu: a.cpu.min(b.cpu),
            peak: a.peak.max(b.peak),
            out: b.out,
        },
    };
    for _ in 0..runs {
        let c = best(1, &out, || {
            let mut c = Command::new(mblint);
            c.args(["check", "--isolated", &nodes[0]]);
            c
        });
        check = Some(better(check, c));
        let m = best(1, &out, || {
            let mut c = Command::new(mblint);
            c.args(["compare", "--isolated"]).args(&nodes);
            c
        });
        compare = Some(better(compare, m));
    }
    let (check, compare) = (check.unwrap(), compare.unwrap());
    println!(
        "{:>8} {:>8} {:>9} {:>9} {:>10} {:>10} {:>9} {:>9}",
        "sites", "MB/node", "check s", "check MB", "compare s", "compare MB", "x CPU", "x memory"
    );
    println!(
        "{sites:>8} {:>8.1} {:>9.3} {:>9.1} {:>10.3} {:>10.1} {:>9.2} {:>9.2}",
        size as f64 / 1e6,
        check.cpu,
        check.peak as f64 / 1e6,
        compare.cpu,
        compare.peak as f64 / 1e6,
        compare.cpu / check.cpu,
        compare.peak as f64 / check.peak as f64
    );
    println!(
        "\ntarget (issue 23): ten nodes within 11x one check's CPU and 2x its peak memory; compare's report: {} bytes",
        compare.out
    );
}
