//! The history benchmark: `cargo bench --bench history`.
//!
//! Generates a drive copy of a server with 50,000 sites (`MBLINT_BENCH_SITES=10000` to choose) in the
//! layout IIS writes (CRLF, tabs, ScriptMaps of 20 entries per site, ServerBindings, application
//! pools), with a History folder of ten versions as IIS keeps them (`MetaBase_<major>_<minor>.xml`,
//! ten-digit numbers, each file carrying its own HistoryMajorVersionNumber and ChangeNumber). Each
//! version is one save of a real change (a site added, a comment edited, a script map added, a
//! filter registered, a site removed, ...); the current MetaBase.xml is the newest version, as IIS
//! writes both at once. Then it runs, each as a child process measured for wall time and peak
//! resident memory (best of `MBLINT_BENCH_RUNS`, default 3):
//! - `mblint check --isolated DRIVE`: one check of the current file, with every DLL resolved;
//! - `mblint history --isolated DRIVE`: every version and the current file;
//!
//! and prints the ratio, against the target: ten history files well under ten checks. With
//! `MBLINT_THREADS=1` history lints on one thread (the default is one per core, at most four).

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
        let comment = if n == 7 {
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

/// The quickest run's seconds and the largest peak memory, over `runs` runs, stdout to `out`.
fn best(runs: usize, out: &Path, mut cmd: impl FnMut() -> Command) -> (f64, u64) {
    (0..runs)
        .map(|_| {
            let Sample { secs, peak, .. } = measure(&mut cmd(), out);
            (secs, peak)
        })
        .fold((f64::MAX, 0), |(t, m), (t2, m2)| (t.min(t2), m.max(m2)))
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
    let root = manifest.join(format!("target/bench-data/history-{sites}"));
    let _ = std::fs::remove_dir_all(&root);
    drive(&root, &manifest.join("testdata/images"));
    let inetsrv = root.join("WINDOWS/system32/inetsrv");
    let history = inetsrv.join("History");
    std::fs::create_dir_all(&history).unwrap();
    let mut size = 0;
    for v in 0..VERSIONS {
        let text = metabase(&state(sites, v), v);
        size = text.len();
        let name = format!("MetaBase_{:010}_{:010}.xml", 100 + v, 0);
        std::fs::write(history.join(name), &text).unwrap();
        if v + 1 == VERSIONS {
            std::fs::write(inetsrv.join("MetaBase.xml"), &text).unwrap();
        }
    }
    let mblint = env!("CARGO_BIN_EXE_mblint");
    let drive = root.to_str().unwrap().to_string();
    let out = manifest.join(format!("target/bench-data/history-{sites}.stdout"));
    println!(
        "mblint history benchmark: {sites} sites ({:.1} MB a version), {VERSIONS} history files; best of {runs} runs\n",
        size as f64 / 1e6
    );
    let (check_t, check_m) = best(runs, &out, || {
        let mut c = Command::new(mblint);
        c.args(["check", "--isolated", &drive]);
        c
    });
    let (history_t, history_m) = best(runs, &out, || {
        let mut c = Command::new(mblint);
        c.args(["history", "--isolated", &drive]);
        c
    });
    let (single_t, single_m) = best(runs, &out, || {
        let mut c = Command::new(mblint);
        c.env("MBLINT_THREADS", "1").args(["history", "--isolated", &drive]);
        c
    });
    println!("{:<40} {:>8} {:>10} {:>9}", "run", "seconds", "peak MB", "x check");
    for (name, t, m) in [
        ("check (current file, drive)", check_t, check_m),
        ("history (10 versions + current)", history_t, history_m),
        ("history, MBLINT_THREADS=1", single_t, single_m),
    ] {
        println!("{name:<40} {t:>8.3} {:>10.1} {:>9.2}", m as f64 / 1e6, t / check_t);
    }
    let ratio = history_t / check_t;
    println!(
        "\nhistory / check: {ratio:.2}x for {} lints ({:.2}x a version); target: well under 10x",
        VERSIONS + 1,
        ratio / (VERSIONS + 1) as f64
    );
}
