//! The scale benchmark: `cargo bench --bench scale`.
//!
//! Generates seeded metabases in the layout IIS writes (CRLF, tabs, `Location =`, ScriptMaps of 20
//! entries per site, ServerBindings, site filters on every tenth site, Custom properties, application
//! pools) at 1,000, 10,000 and 50,000 sites (`MBLINT_BENCH_SITES=1000,10000` to choose), and a drive
//! copy whose DLLs all resolve. Then it runs, each as a child process measured for wall time and peak
//! resident memory (best of `MBLINT_BENCH_RUNS`, default 3):
//! - `mblint check FILE` (no drive),
//! - `mblint check --drive C:=DRIVE FILE` (every DLL resolved and classified),
//! - `mblint check --diff --drive C:=DRIVE FILE` on a variant where every site needs an edit,
//! - the floor: a bare quick-xml scan that reads every attribute of the same file,
//!   and prints MB/s, peak memory and the ratio to the floor, with the targets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A tiny seeded generator (xorshift64*): the same data on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const INETSRV: &str = "C:\\WINDOWS\\system32\\inetsrv";
const FW64: &str = "C:\\WINDOWS\\Microsoft.NET\\Framework64\\v2.0.50727";

fn attr_lines(out: &mut String, attrs: &[(&str, String)]) {
    let mut sorted: Vec<&(&str, String)> = attrs.iter().collect();
    sorted.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    for (name, value) in sorted {
        out.push_str(&format!("\t\t{name}=\"{value}\"\r\n"));
    }
}

fn key(out: &mut String, key_type: &str, location: &str, attrs: &[(&str, String)]) {
    out.push_str(&format!("<{key_type}\tLocation =\"{location}\"\r\n"));
    attr_lines(out, attrs);
    out.push_str(&format!("\t>\r\n</{key_type}>\r\n"));
}

/// The 20 script maps of a site; with `needs_edit`, one ASP.NET map points at the 64-bit build on a
/// server running 32-bit workers (the planner repoints it to Framework, found on the drive).
fn script_maps(rng: &mut Rng, needs_edit: bool) -> String {
    let mut lines = Vec::new();
    for ext in [".asp", ".cer", ".cdx", ".asa"] {
        lines.push(format!("{ext},{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE"));
    }
    lines.push(format!(".idc,{INETSRV}\\httpodbc.dll,5,GET,POST"));
    for ext in [".shtm", ".shtml", ".stm"] {
        lines.push(format!("{ext},{INETSRV}\\ssinc.dll,5,GET,POST"));
    }
    let fw = if needs_edit {
        FW64
    } else {
        "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727"
    };
    for (i, ext) in [
        ".asax",
        ".ascx",
        ".ashx",
        ".asmx",
        ".aspx",
        ".axd",
        ".config",
        ".cs",
        ".csproj",
        ".licx",
        ".rem",
        ".resources",
    ]
    .iter()
    .enumerate()
    {
        let folder = if i == 4 {
            fw
        } else {
            "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727"
        };
        let verbs = if rng.below(2) == 0 {
            "GET,HEAD,POST,DEBUG"
        } else {
            "GET,HEAD,POST"
        };
        lines.push(format!("{ext},{folder}\\aspnet_isapi.dll,5,{verbs}"));
    }
    lines.join("\r\n\t\t\t")
}

/// A metabase of `sites` sites on a 32-bit-mode server. `needs_edit`: every site has one map to fix.
fn metabase(sites: usize, needs_edit: bool) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ sites as u64);
    let mut out = String::with_capacity(sites * 2400);
    out.push_str("\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n");
    key(
        &mut out,
        "IIS_Global",
        ".",
        &[("ChangeNumber", "42".into()), ("HistoryMajorVersionNumber", "7".into())],
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
            ("ScriptMaps", script_maps(&mut rng, false)),
            (
                "WebSvcExtRestrictionList",
                [
                    "0,*.dll".to_string(),
                    "0,*.exe".into(),
                    format!("1,{INETSRV}\\asp.dll,0,ASP,Active Server Pages"),
                    format!("1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector"),
                    format!("1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes"),
                    "1,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727".into(),
                    format!("1,{FW64}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727 (64-bit),ASP.NET v2.0.50727 (64-bit)"),
                ]
                .join("\r\n\t\t\t"),
            ),
        ],
    );
    let pools = 20;
    for site in 1..=sites {
        let pool = format!("Pool{:02}", rng.below(pools));
        key(
            &mut out,
            "IIsWebServer",
            &format!("/LM/W3SVC/{site}"),
            &[
                ("AppPoolId", pool.clone()),
                ("LogFileDirectory", format!("D:\\Logs\\W3SVC{site}")),
                ("MaxConnections", "4294967295".into()),
                ("ServerAutoStart", "TRUE".into()),
                (
                    "ServerBindings",
                    format!(":80:www.site{site}.example.com\r\n\t\t\t:80:site{site}.example.com"),
                ),
                ("ServerComment", format!("Customer site {site}")),
            ],
        );
        let filters = site % 10 == 0;
        key(
            &mut out,
            "IIsFilters",
            &format!("/LM/W3SVC/{site}/Filters"),
            &if filters {
                vec![("FilterLoadOrder", "Rewrite".to_string())]
            } else {
                vec![]
            },
        );
        if filters {
            key(
                &mut out,
                "IIsFilter",
                &format!("/LM/W3SVC/{site}/Filters/Rewrite"),
                &[
                    ("FilterDescription", "URL rewriting".into()),
                    ("FilterPath", "C:\\Program Files (x86)\\Rewrite\\rewrite.dll".into()),
                ],
            );
        }
        out.push_str(&format!("<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{site}/ROOT\"\r\n"));
        attr_lines(
            &mut out,
            &[
                ("AccessFlags", "AccessRead | AccessScript".into()),
                ("AppFriendlyName", "Default Application".into()),
                ("AppIsolated", "2".into()),
                ("AppPoolId", pool),
                ("AppRoot", format!("/LM/W3SVC/{site}/ROOT")),
                ("AuthFlags", "AuthAnonymous | AuthNTLM".into()),
                ("DefaultDoc", "Default.htm,Default.asp,index.htm,Default.aspx".into()),
                ("Path", format!("D:\\Sites\\site{site}\\wwwroot")),
                ("ScriptMaps", script_maps(&mut rng, needs_edit)),
            ],
        );
        out.push_str(&format!(
            "\t>\r\n\t<Custom\r\n\t\tName=\"UnknownName_{0}\"\r\n\t\tID=\"{0}\"\r\n\t\tValue=\"{1}\"\r\n\t\tType=\"DWORD\"\r\n\t\tUserType=\"IIS_MD_UT_SERVER\"\r\n\t\tAttributes=\"NO_ATTRIBUTES\"\r\n\t/>\r\n</IIsWebVirtualDir>\r\n",
            // Unknown IDs, as IIS writes for properties without a schema name (not a real one's ID).
            60000 + rng.below(100),
            rng.below(1000)
        ));
    }
    key(
        &mut out,
        "IIsApplicationPools",
        "/LM/W3SVC/AppPools",
        &[("Enable32bitAppOnWin64", "TRUE".into()), ("IdleTimeout", "20".into())],
    );
    key(
        &mut out,
        "IIsApplicationPool",
        "/LM/W3SVC/AppPools/DefaultAppPool",
        &[("AppPoolAutoStart", "TRUE".into())],
    );
    for p in 0..pools {
        key(
            &mut out,
            "IIsApplicationPool",
            &format!("/LM/W3SVC/AppPools/Pool{p:02}"),
            &[("AppPoolAutoStart", "TRUE".into())],
        );
    }
    key(
        &mut out,
        "IIsFilters",
        "/LM/W3SVC/Filters",
        &[("FilterLoadOrder", "UrlScan".into())],
    );
    key(&mut out, "IIsFilter", "/LM/W3SVC/Filters/Compression", &[]);
    key(
        &mut out,
        "IIsFilter",
        "/LM/W3SVC/Filters/UrlScan",
        &[("FilterPath", format!("{INETSRV}\\urlscan\\urlscan.dll"))],
    );
    out.push_str("</MBProperty>\r\n</configuration>\r\n");
    out
}

/// A drive on which every DLL the metabases name resolves, as 32-bit images where the worker looks.
fn drive(root: &Path, images: &Path) {
    let put = |path: &str, image: &str| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::copy(images.join(image), full).unwrap();
    };
    for dll in ["asp.dll", "httpodbc.dll", "ssinc.dll"] {
        put(&format!("WINDOWS/SysWOW64/inetsrv/{dll}"), "x86/isapi-extension.dll");
        put(&format!("WINDOWS/system32/inetsrv/{dll}"), "x64/isapi-extension.dll");
    }
    put("WINDOWS/SysWOW64/inetsrv/urlscan/urlscan.dll", "x86/isapi-filter.dll");
    put(
        "WINDOWS/Microsoft.NET/Framework/v2.0.50727/aspnet_isapi.dll",
        "x86/isapi-extension.dll",
    );
    put(
        "WINDOWS/Microsoft.NET/Framework64/v2.0.50727/aspnet_isapi.dll",
        "x64/isapi-extension.dll",
    );
    put("Program Files (x86)/Rewrite/rewrite.dll", "x86/isapi-filter.dll");
}

/// Runs a command; wall seconds and peak resident memory in bytes.
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by wait4, which also reports the child's peak memory
fn measure(cmd: &mut Command) -> (f64, u64) {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let secs = start.elapsed().as_secs_f64();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "{cmd:?} failed: status {status}"
    );
    (secs, usage.ru_maxrss as u64 * 1024)
}

#[cfg(not(unix))]
fn measure(cmd: &mut Command) -> (f64, u64) {
    let start = Instant::now();
    cmd.stdout(std::process::Stdio::null()).status().unwrap();
    (start.elapsed().as_secs_f64(), 0)
}

fn best(runs: usize, mut cmd: impl FnMut() -> Command) -> (f64, u64) {
    (0..runs)
        .map(|_| measure(&mut cmd()))
        .fold((f64::MAX, 0), |(t, m), (t2, m2)| (t.min(t2), m.max(m2)))
}

/// The floor: read the file and every attribute's raw value with quick-xml, nothing else.
fn floor(path: &Path) {
    let text = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
    let mut reader = quick_xml::reader::Reader::from_str(&text);
    let mut total = 0usize;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                for a in e.attributes() {
                    let a = a.unwrap();
                    total += a.key.as_ref().len() + a.value.len();
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    std::hint::black_box(total);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--floor") {
        floor(Path::new(&args[i + 1]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let sizes: Vec<usize> = std::env::var("MBLINT_BENCH_SITES")
        .unwrap_or_else(|_| "1000,10000,50000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("MBLINT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = manifest.join("target/bench-data");
    let drive_root = data.join("drive-c");
    std::fs::create_dir_all(&data).unwrap();
    drive(&drive_root, &manifest.join("testdata/images"));
    let mblint = env!("CARGO_BIN_EXE_mblint");
    let me = std::env::current_exe().unwrap();
    let drive_arg = format!("C:={}", drive_root.display());
    println!("mblint scale benchmark: best of {runs} runs; MB = 10^6 bytes; peak = peak resident memory\n");
    println!(
        "{:>7} {:>9}  {:<30} {:>8} {:>9} {:>10} {:>9}",
        "sites", "size MB", "run", "seconds", "MB/s", "peak MB", "x floor"
    );
    let mut per_mb: Vec<(usize, f64)> = Vec::new();
    let mut verdicts = Vec::new();
    for &sites in &sizes {
        let clean = data.join(format!("metabase-{sites}.xml"));
        let edits = data.join(format!("metabase-{sites}-edits.xml"));
        std::fs::write(&clean, metabase(sites, false)).unwrap();
        std::fs::write(&edits, metabase(sites, true)).unwrap();
        let size = std::fs::metadata(&clean).unwrap().len() as f64;
        let mb = size / 1e6;
        let (floor_t, floor_m) = best(runs, || {
            let mut c = Command::new(&me);
            c.args(["--floor", clean.to_str().unwrap()]);
            c
        });
        let rows: Vec<(&str, (f64, u64))> = vec![
            ("quick-xml floor", (floor_t, floor_m)),
            (
                "check (no drive)",
                best(runs, || {
                    let mut c = Command::new(mblint);
                    c.args(["check", "--isolated", clean.to_str().unwrap()]);
                    c
                }),
            ),
            (
                "check --drive (all resolve)",
                best(runs, || {
                    let mut c = Command::new(mblint);
                    c.args(["check", "--isolated", "--drive", &drive_arg, clean.to_str().unwrap()]);
                    c
                }),
            ),
            (
                "check --diff (edit every site)",
                best(runs, || {
                    let mut c = Command::new(mblint);
                    c.args([
                        "check",
                        "--isolated",
                        "--diff",
                        "--drive",
                        &drive_arg,
                        edits.to_str().unwrap(),
                    ]);
                    c
                }),
            ),
        ];
        for (name, (t, m)) in &rows {
            println!(
                "{sites:>7} {mb:>9.1}  {name:<30} {t:>8.3} {:>9.1} {:>10.1} {:>9.2}",
                mb / t,
                *m as f64 / 1e6,
                t / floor_t
            );
        }
        let (check_t, check_m) = rows[1].1;
        let (drive_t, drive_m) = rows[2].1;
        let (diff_t, diff_m) = rows[3].1;
        per_mb.push((sites, check_t / mb));
        if sites == *sizes.iter().max().unwrap() {
            let peak = check_m.max(drive_m).max(diff_m) as f64;
            verdicts.push(format!(
                "check within 1.5x of the floor: {:.2}x ({})",
                check_t / floor_t,
                ok(check_t / floor_t <= 1.5)
            ));
            verdicts.push(format!(
                "check --drive within 1.5x of the floor: {:.2}x ({})",
                drive_t / floor_t,
                ok(drive_t / floor_t <= 1.5)
            ));
            verdicts.push(format!(
                "check --diff within 3x of the floor: {:.2}x ({})",
                diff_t / floor_t,
                ok(diff_t / floor_t <= 3.0)
            ));
            verdicts.push(format!(
                "peak memory at most 2x the file ({:.1} MB): {:.1} MB, {:.2}x ({})",
                mb,
                peak / 1e6,
                peak / size,
                ok(peak / size <= 2.0)
            ));
        }
        println!();
    }
    if let (Some(small), Some(large)) = (
        per_mb.iter().find(|(s, _)| *s == 10_000),
        per_mb.iter().find(|(s, _)| *s == 50_000),
    ) {
        let growth = large.1 / small.1;
        verdicts.push(format!(
            "seconds per MB from 10,000 to 50,000 sites: x{growth:.2} ({})",
            ok(growth <= 1.25)
        ));
    }
    println!("Targets on the largest file:");
    for v in verdicts {
        println!("  {v}");
    }
}

fn ok(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
