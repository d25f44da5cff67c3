//! The scale benchmark: `cargo bench --bench scale`.
//!
//! Generates seeded metabases in the layout IIS writes (CRLF, tabs, `Location =`, ScriptMaps of 20
//! entries per site, ServerBindings, site filters on every tenth site, Custom properties, application
//! pools) at 1,000, 10,000 and 50,000 sites (`MBLINT_BENCH_SITES=1000,10000` to choose), in five
//! variants: clean; finding-heavy (the restriction list prohibits unlisted DLLs and leaves out the
//! SSI and IDC extensions every site maps, and every other site maps ASP.NET from Framework64 under
//! 32-bit workers); an edit on every site; finding-heavy with one application pool per site; and the
//! finding-heavy file in UTF-16. And a drive copy whose DLLs all resolve.
//!
//! Each command runs `MBLINT_BENCH_RUNS` times (default 3), each run paired with the floor (a bare
//! quick-xml scan of every attribute of the same content), floor first; it reports the medians, the
//! ratio to the floor, the peak resident memory against the file's size and the bytes written, then
//! which targets are met: `check` in every format within 2x the floor and 2x the file, `--diff` and
//! `--fix` within 3x and 3x, linear growth, and a few screens of text for the finding-heavy file.

mod common;

use common::{FW64, INETSRV, attr_lines, key, measure};
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// How many of a site's ASP.NET maps point at the 64-bit build on a server running 32-bit workers
/// (the planner repoints them to Framework, found on the drive).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Aspnet64 {
    None,
    /// The `.aspx` map: one edit a site.
    One,
    /// All twelve.
    All,
}

/// The 20 script maps of a site.
fn script_maps(rng: &mut Rng, aspnet64: Aspnet64) -> String {
    let mut lines = Vec::new();
    for ext in [".asp", ".cer", ".cdx", ".asa"] {
        lines.push(format!("{ext},{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE"));
    }
    lines.push(format!(".idc,{INETSRV}\\httpodbc.dll,5,GET,POST"));
    for ext in [".shtm", ".shtml", ".stm"] {
        lines.push(format!("{ext},{INETSRV}\\ssinc.dll,5,GET,POST"));
    }
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
        let folder = if aspnet64 == Aspnet64::All || (aspnet64 == Aspnet64::One && i == 4) {
            FW64
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

/// What a generated metabase is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// A healthy server: no finding without a drive.
    Clean,
    /// Every site has one map to fix (the planner repoints it to Framework, found on the drive).
    Edits,
    /// The finding-heavy file of a hosting server: the restriction list prohibits unlisted DLLs
    /// (`0,*.dll`, as IIS installs it) and leaves out the SSI and IDC extensions every site maps, and
    /// every other site maps ASP.NET from Framework64 under 32-bit workers: hundreds of thousands of
    /// places from a handful of causes.
    Findings,
    /// `Findings` with one application pool per site (MB502's pool lookup at scale).
    PoolPerSite,
}

/// A metabase of `sites` sites on a 32-bit-mode server.
fn metabase(sites: usize, variant: Variant) -> String {
    let heavy = matches!(variant, Variant::Findings | Variant::PoolPerSite);
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
    let mut restrictions = vec![
        "0,*.dll".to_string(),
        "0,*.exe".into(),
        format!("1,{INETSRV}\\asp.dll,0,ASP,Active Server Pages"),
    ];
    if !heavy {
        restrictions.push(format!("1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector"));
        restrictions.push(format!("1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes"));
    }
    restrictions.push(
        "1,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"
            .into(),
    );
    restrictions.push(format!(
        "1,{FW64}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727 (64-bit),ASP.NET v2.0.50727 (64-bit)"
    ));
    key(
        &mut out,
        "IIsWebService",
        "/LM/W3SVC",
        &[
            ("AppPoolId", "DefaultAppPool".into()),
            ("IIs5IsolationModeEnabled", "FALSE".into()),
            ("ScriptMaps", script_maps(&mut rng, Aspnet64::None)),
            ("WebSvcExtRestrictionList", restrictions.join("\r\n\t\t\t")),
        ],
    );
    let pools = if variant == Variant::PoolPerSite {
        sites as u64
    } else {
        20
    };
    for site in 1..=sites {
        let pool = if variant == Variant::PoolPerSite {
            format!("Pool{site:02}")
        } else {
            format!("Pool{:02}", rng.below(pools))
        };
        let aspnet64 = match variant {
            Variant::Edits => Aspnet64::One,
            Variant::Findings | Variant::PoolPerSite if site % 2 == 0 => Aspnet64::All,
            _ => Aspnet64::None,
        };
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
                ("ScriptMaps", script_maps(&mut rng, aspnet64)),
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
        &[("Enable32BitAppOnWin64", "TRUE".into()), ("IdleTimeout", "20".into())],
    );
    key(
        &mut out,
        "IIsApplicationPool",
        "/LM/W3SVC/AppPools/DefaultAppPool",
        &[("AppPoolAutoStart", "TRUE".into())],
    );
    for p in (0..pools).map(|p| if variant == Variant::PoolPerSite { p + 1 } else { p }) {
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
    let put = |path: &str, image: &str| common::put(root, path, images, image);
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
    // The system folders' core modules (Server 2003-like stand-ins), so the copy is whole and every
    // dependency closure is judged: on a partial copy (MB211) the edits file's fixes, which make
    // 32-bit workers load the 32-bit Framework's DLL, could not be verified and `--diff` refuses them.
    for module in ["kernel32.dll", "ntdll.dll"] {
        put(&format!("WINDOWS/system32/{module}"), &format!("x64/system/{module}"));
        put(&format!("WINDOWS/SysWOW64/{module}"), &format!("x86/system/{module}"));
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A command measured in pairs with the floor on the same content, floor first, `runs` times; the
/// medians of both and the largest peak. `prepare` runs before each of the command's runs, untimed.
struct Paired {
    floor: f64,
    secs: f64,
    peak: u64,
    out: u64,
}

fn paired(
    runs: usize,
    floor: &dyn Fn() -> Command,
    cmd: &dyn Fn() -> Command,
    prepare: &dyn Fn(),
    out: &Path,
) -> Paired {
    let mut floors = Vec::new();
    let mut secs = Vec::new();
    let mut peak = 0;
    let mut bytes = 0;
    for _ in 0..runs {
        floors.push(measure(&mut floor(), out).secs);
        prepare();
        let s = measure(&mut cmd(), out);
        secs.push(s.secs);
        peak = peak.max(s.peak);
        bytes = s.out;
    }
    Paired {
        floor: median(floors),
        secs: median(secs),
        peak,
        out: bytes,
    }
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

/// The file as IIS writes it when asked for UTF-16: little-endian with a byte order mark.
fn utf16(text: &str) -> Vec<u8> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = vec![0xFF, 0xFE];
    for u in body.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// What a row of the table is checked against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `check`: at most 2x the floor, peak at most 2x the file.
    Check,
    /// `--diff` / `--fix` with an edit on every site: 3x and 3x.
    Fix,
    /// Measured for linearity only.
    Scale,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::spawned(&args) {
        return;
    }
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
    let out = data.join("stdout");
    println!(
        "mblint scale benchmark: each command paired with the quick-xml floor on the same content, floor first, {runs} pairs;"
    );
    println!("medians; MB = 10^6 bytes; peak = largest peak resident memory; out = bytes written to stdout\n");
    println!(
        "{:>7} {:>8}  {:<46} {:>8} {:>8} {:>9} {:>8} {:>10}",
        "sites", "file MB", "run", "seconds", "x floor", "peak MB", "x file", "out"
    );
    let mut verdicts: Vec<(String, bool)> = Vec::new();
    // Each scaled run's ratio to the floor (paired, so the machine's load cancels), by size: linear
    // when it stays flat, as the floor itself is linear.
    let mut ratios: Vec<(&str, usize, f64)> = Vec::new();
    let largest = *sizes.iter().max().unwrap_or(&0);
    for &sites in &sizes {
        let write = |name: &str, variant: Variant| {
            let path = data.join(format!("metabase-{sites}-{name}.xml"));
            std::fs::write(&path, metabase(sites, variant)).unwrap();
            path
        };
        let clean = write("clean", Variant::Clean);
        let findings = write("findings", Variant::Findings);
        let edits = write("edits", Variant::Edits);
        let pools = write("pool-per-site", Variant::PoolPerSite);
        let wide = data.join(format!("metabase-{sites}-findings-utf16.xml"));
        std::fs::write(&wide, utf16(&std::fs::read_to_string(&findings).unwrap())).unwrap();
        let scratch = data.join(format!("metabase-{sites}-scratch.xml"));
        let floor_of = |p: &Path| {
            let p = p.to_path_buf();
            let me = me.clone();
            move || {
                let mut c = Command::new(&me);
                c.args(["--floor", p.to_str().unwrap()]);
                c
            }
        };
        let mb_of = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
        let check = |extra: &[&str], file: &Path| {
            let mut args: Vec<String> = vec!["check".into(), "--isolated".into()];
            args.extend(extra.iter().map(|s| s.to_string()));
            args.push(file.to_str().unwrap().into());
            move || {
                let mut c = Command::new(mblint);
                c.args(&args);
                c
            }
        };
        let none = || {};
        let restore = || {
            std::fs::copy(&edits, &scratch).unwrap();
        };
        type Row<'a> = (String, &'a Path, &'a Path, Vec<&'a str>, bool, Target);
        let mut rows: Vec<Row> = Vec::new();
        for (label, file) in [("clean", clean.as_path()), ("findings", findings.as_path())] {
            for (name, extra) in [
                ("text", vec![]),
                ("concise", vec!["--format", "concise"]),
                ("json", vec!["--format", "json"]),
                ("sarif", vec!["--format", "sarif"]),
                ("github", vec!["--format", "github"]),
                ("--statistics", vec!["--statistics"]),
                ("json --drive", vec!["--format", "json", "--drive", &drive_arg]),
            ] {
                rows.push((
                    format!("{label}: check {name}"),
                    file,
                    file,
                    extra,
                    false,
                    Target::Check,
                ));
            }
        }
        rows.push((
            "edits: check --diff --drive".into(),
            &edits,
            &edits,
            vec!["--diff", "--drive", &drive_arg],
            false,
            Target::Fix,
        ));
        rows.push((
            "edits: check --fix --drive".into(),
            &scratch,
            &edits,
            vec!["--fix", "--drive", &drive_arg],
            true,
            Target::Fix,
        ));
        rows.push((
            "pool per site: check".into(),
            &pools,
            &pools,
            vec![],
            false,
            Target::Scale,
        ));
        rows.push((
            "findings UTF-16: check --format json".into(),
            &wide,
            &findings,
            vec!["--format", "json"],
            false,
            Target::Scale,
        ));
        for (name, file, floor_file, extra, fixes, target) in rows {
            let measured = paired(
                runs,
                &floor_of(floor_file),
                &check(&extra, file),
                if fixes { &restore } else { &none },
                &out,
            );
            let mb = mb_of(floor_file);
            let ratio = measured.secs / measured.floor;
            let memory = measured.peak as f64 / (mb * 1e6);
            println!(
                "{sites:>7} {mb:>8.1}  {name:<46} {:>8.3} {ratio:>8.2} {:>9.1} {memory:>8.2} {:>10}",
                measured.secs,
                measured.peak as f64 / 1e6,
                human(measured.out)
            );
            if name == "findings: check text" || target == Target::Scale {
                ratios.push((leak(&name), sites, ratio));
            }
            if sites == largest {
                let (time_limit, memory_limit) = match target {
                    Target::Check => (2.0, 2.0),
                    Target::Fix => (3.0, 3.0),
                    Target::Scale => continue,
                };
                verdicts.push((
                    format!("{name}: {ratio:.2}x the floor (target {time_limit}x), peak {memory:.2}x the file (target {memory_limit}x)"),
                    ratio <= time_limit && memory <= memory_limit,
                ));
                if name == "findings: check text" {
                    let lines = std::fs::read_to_string(&out).map_or(0, |t| t.lines().count());
                    verdicts.push((
                        format!(
                            "the finding-heavy file's default text output: {lines} lines (target: a few screens, 250)"
                        ),
                        lines <= 250,
                    ));
                }
            }
        }
        println!();
    }
    let smallest_measured = sizes.iter().copied().filter(|s| *s >= 10_000).min();
    for name in [
        "findings: check text",
        "pool per site: check",
        "findings UTF-16: check --format json",
    ] {
        let at = |s: usize| ratios.iter().find(|(n, z, _)| *n == name && *z == s).map(|r| r.2);
        if let (Some(small), Some(large)) = (smallest_measured.and_then(at), at(largest))
            && smallest_measured != Some(largest)
        {
            let growth = large / small;
            verdicts.push((
                format!(
                    "{name}: its ratio to the floor from {} to {largest} sites x{growth:.2} (linear: at most x1.25)",
                    smallest_measured.unwrap()
                ),
                growth <= 1.25,
            ));
        }
    }
    println!("Targets on the largest file ({largest} sites):");
    for (v, met) in verdicts {
        println!("  {} {v}", if met { "met    " } else { "NOT met" });
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}
