//! The random-shape benchmark: `cargo bench --bench shapes`.
//!
//! The scale benchmark measures five shapes of server; a cliff hides in the shapes it does not
//! generate. This one draws shapes at random from a seed it prints: how many application pools,
//! filters per site, global filters, compression schemes, a script-map mix that calls for repoints,
//! a bitness switch, both or neither, UTF-16, long multi-strings (bindings, the restriction list), a
//! drive copy with a folder of one DLL per site, and the command (`check` in a format, or `--diff`).
//! Every count that can grow grows with the number of sites, so each shape is generated at N and at
//! 4N sites and the two are run in turn, `MBLINT_BENCH_RUNS` pairs (default 3): linear work costs
//! about 4x the CPU and the memory. A shape above 5x in either is a cliff, and fails the run.
//!
//! - `MBLINT_SHAPES=30`: how many shapes (from one base seed, printed; `MBLINT_SHAPES_SEED` sets it);
//! - `MBLINT_SHAPE_SEEDS=s1,s2`: replay those shapes (each row prints its seed);
//! - `MBLINT_SHAPES_SITES=3000`: N.
//!
//! Each shape's files are deleted once it is measured (`target/bench-data/shapes/`).

mod common;

use common::{FW64, INETSRV, attr_lines, key, measure};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const FW32: &str = "C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727";

/// A tiny seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed: nearby seeds give unrelated streams, and zero is no fixed point.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, of: &[T]) -> T {
        of[self.below(of.len() as u64) as usize]
    }
}

/// Which ASP.NET builds the sites map, on a server running 32-bit workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mix {
    /// Every site maps the 32-bit Framework: nothing to plan.
    Neither,
    /// Every third site maps Framework64: repoint those.
    Repoints,
    /// Every site maps Framework64, and a global filter has only a 64-bit build: switch the
    /// workers to 64-bit.
    Switch,
    /// As `Switch`, but every third site maps the 32-bit Framework: switch, and repoint those.
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pools {
    One,
    Twenty,
    PerSite,
}

/// The command a shape is run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    Text,
    Json,
    Sarif,
    Diff,
}

/// One drawn shape: every count below is per site, or a fraction of the sites.
#[derive(Clone, Debug)]
struct Shape {
    seed: u64,
    pools: Pools,
    /// Filters on each filtered site (0: none), and how often a site has them (every `filter_every`th).
    site_filters: usize,
    filter_every: usize,
    /// Global filters: one per `global_filter_sites` sites (0: just UrlScan).
    global_filter_sites: usize,
    /// Compression schemes: one per `scheme_sites` sites (0: gzip and deflate).
    scheme_sites: usize,
    mix: Mix,
    /// Whether a mixed site maps all twelve ASP.NET extensions to its build, or only `.aspx`.
    all_maps: bool,
    utf16: bool,
    /// ServerBindings lines per site.
    bindings: usize,
    /// Restriction-list entries: one per `restriction_sites` sites, each its own DLL (0: the usual).
    restriction_sites: usize,
    /// Every site maps `.s<n>` to its own DLL in one folder (`C:\Isapi`), present on the drive.
    own_dlls: bool,
    drive: bool,
    run: Run,
}

impl Shape {
    fn draw(seed: u64) -> Shape {
        let mut rng = Rng::new(seed);
        let own_dlls = rng.below(3) == 0;
        let mut shape = Shape {
            seed,
            pools: rng.pick(&[Pools::One, Pools::Twenty, Pools::PerSite]),
            site_filters: rng.pick(&[0, 1, 3]),
            filter_every: rng.pick(&[1, 2, 10]),
            global_filter_sites: rng.pick(&[0, 0, 1, 4]),
            scheme_sites: rng.pick(&[0, 0, 1, 10]),
            mix: rng.pick(&[Mix::Neither, Mix::Repoints, Mix::Switch, Mix::Both]),
            all_maps: rng.below(2) == 0,
            utf16: rng.below(4) == 0,
            bindings: rng.pick(&[2, 2, 40]),
            restriction_sites: rng.pick(&[0, 0, 1, 5]),
            own_dlls,
            drive: own_dlls || rng.below(2) == 0,
            run: rng.pick(&[Run::Text, Run::Text, Run::Json, Run::Sarif, Run::Diff]),
        };
        // A switch is planned only where the workers' bitness cannot load everything: the 64-bit
        // filter that calls for it is known 64-bit from the drive.
        shape.drive |= matches!(shape.mix, Mix::Switch | Mix::Both);
        shape
    }

    /// The shape in one line, for the table.
    fn describe(&self) -> String {
        let mut parts = vec![format!("{:?} maps", self.mix).to_lowercase()];
        if !self.all_maps && self.mix != Mix::Neither {
            parts.push(".aspx only".into());
        }
        parts.push(
            match self.pools {
                Pools::One => "1 pool",
                Pools::Twenty => "20 pools",
                Pools::PerSite => "pool/site",
            }
            .into(),
        );
        if self.site_filters > 0 {
            parts.push(format!("{} filt/{} site", self.site_filters, self.filter_every));
        }
        if self.global_filter_sites > 0 {
            parts.push(format!("glob filt/{}", self.global_filter_sites));
        }
        if self.scheme_sites > 0 {
            parts.push(format!("schemes/{}", self.scheme_sites));
        }
        if self.bindings > 2 {
            parts.push(format!("{} bindings", self.bindings));
        }
        if self.restriction_sites > 0 {
            parts.push(format!("restr/{}", self.restriction_sites));
        }
        if self.own_dlls {
            parts.push("dll/site".into());
        }
        if self.drive {
            parts.push("drive".into());
        }
        if self.utf16 {
            parts.push("UTF-16".into());
        }
        parts.push(
            match self.run {
                Run::Text => "text",
                Run::Json => "json",
                Run::Sarif => "sarif",
                Run::Diff => "--diff",
            }
            .into(),
        );
        parts.join(", ")
    }

    /// Which build site `site` maps ASP.NET from.
    fn framework(&self, site: usize) -> &'static str {
        match self.mix {
            Mix::Neither => FW32,
            Mix::Repoints if site.is_multiple_of(3) => FW64,
            Mix::Repoints => FW32,
            Mix::Switch => FW64,
            Mix::Both if site.is_multiple_of(3) => FW32,
            Mix::Both => FW64,
        }
    }

    fn script_maps(&self, rng: &mut Rng, site: usize) -> String {
        let mut lines = Vec::new();
        for ext in [".asp", ".cer", ".cdx", ".asa"] {
            lines.push(format!("{ext},{INETSRV}\\asp.dll,5,GET,HEAD,POST,TRACE"));
        }
        lines.push(format!(".idc,{INETSRV}\\httpodbc.dll,5,GET,POST"));
        for ext in [".shtm", ".shtml", ".stm"] {
            lines.push(format!("{ext},{INETSRV}\\ssinc.dll,5,GET,POST"));
        }
        let own = self.framework(site);
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
            let folder = if self.all_maps || i == 4 { own } else { FW32 };
            let verbs = if rng.below(2) == 0 {
                "GET,HEAD,POST,DEBUG"
            } else {
                "GET,HEAD,POST"
            };
            lines.push(format!("{ext},{folder}\\aspnet_isapi.dll,5,{verbs}"));
        }
        if self.own_dlls {
            lines.push(format!(".s{site},C:\\Isapi\\ext{site}.dll,5,GET,POST"));
        }
        lines.join("\r\n\t\t\t")
    }

    /// The metabase of `sites` sites.
    fn metabase(&self, sites: usize) -> String {
        let mut rng = Rng::new(self.seed ^ sites as u64);
        let mut out = String::with_capacity(sites * 3000);
        out.push_str("\u{feff}<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n");
        key(&mut out, "IIS_Global", ".", &[("ChangeNumber", "42".into())]);
        key(&mut out, "IIS_ROOT", "/", &[]);
        key(
            &mut out,
            "IIsComputer",
            "/LM",
            &[("EnableEditWhileRunning", "0".into())],
        );
        let mut restrictions = vec![
            "0,*.dll".to_string(),
            "0,*.exe".into(),
            format!("1,{INETSRV}\\asp.dll,0,ASP,Active Server Pages"),
            format!("1,{INETSRV}\\httpodbc.dll,0,HTTPODBC,Internet Data Connector"),
            format!("1,{INETSRV}\\ssinc.dll,0,SSINC,Server Side Includes"),
            format!("1,{FW32}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727,ASP.NET v2.0.50727"),
            format!("1,{FW64}\\aspnet_isapi.dll,1,ASP.NET v2.0.50727 (64-bit),ASP.NET v2.0.50727 (64-bit)"),
        ];
        if self.restriction_sites > 0 {
            for n in (1..=sites).step_by(self.restriction_sites) {
                restrictions.push(format!(
                    "1,D:\\Sites\\site{n}\\wwwroot\\bin\\app{n}.dll,1,App{n},Application {n}"
                ));
            }
        }
        if self.own_dlls {
            restrictions.push("1,C:\\Isapi\\*.dll,0,Own,Own DLLs".into());
        }
        let service_maps = Shape {
            own_dlls: false,
            ..self.clone()
        }
        .script_maps(&mut rng, 1);
        key(
            &mut out,
            "IIsWebService",
            "/LM/W3SVC",
            &[
                ("AppPoolId", "DefaultAppPool".into()),
                ("IIs5IsolationModeEnabled", "FALSE".into()),
                ("ScriptMaps", service_maps),
                ("WebSvcExtRestrictionList", restrictions.join("\r\n\t\t\t")),
            ],
        );
        let pools = match self.pools {
            Pools::One => 1,
            Pools::Twenty => 20,
            Pools::PerSite => sites,
        };
        for site in 1..=sites {
            let pool = format!(
                "Pool{}",
                if pools == sites {
                    site
                } else {
                    rng.below(pools as u64) as usize + 1
                }
            );
            let mut bindings = String::new();
            for b in 0..self.bindings {
                if b > 0 {
                    bindings.push_str("\r\n\t\t\t");
                }
                let _ = write!(bindings, ":{}:www{b}.site{site}.example.com", 80 + b % 2);
            }
            key(
                &mut out,
                "IIsWebServer",
                &format!("/LM/W3SVC/{site}"),
                &[
                    ("AppPoolId", pool.clone()),
                    ("ServerAutoStart", "TRUE".into()),
                    ("ServerBindings", bindings),
                    ("ServerComment", format!("Customer site {site}")),
                ],
            );
            let filtered = self.site_filters > 0 && site.is_multiple_of(self.filter_every);
            let names: Vec<String> = (0..if filtered { self.site_filters } else { 0 })
                .map(|f| format!("Filter{f}"))
                .collect();
            key(
                &mut out,
                "IIsFilters",
                &format!("/LM/W3SVC/{site}/Filters"),
                &if filtered {
                    vec![("FilterLoadOrder", names.join(","))]
                } else {
                    vec![]
                },
            );
            for name in &names {
                key(
                    &mut out,
                    "IIsFilter",
                    &format!("/LM/W3SVC/{site}/Filters/{name}"),
                    &[
                        ("FilterDescription", "site filter".into()),
                        ("FilterPath", format!("{INETSRV}\\{}.dll", name.to_lowercase())),
                    ],
                );
            }
            out.push_str(&format!("<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/{site}/ROOT\"\r\n"));
            attr_lines(
                &mut out,
                &[
                    ("AccessFlags", "AccessRead | AccessScript".into()),
                    ("AppIsolated", "2".into()),
                    ("AppPoolId", pool),
                    ("AppRoot", format!("/LM/W3SVC/{site}/ROOT")),
                    ("Path", format!("D:\\Sites\\site{site}\\wwwroot")),
                    ("ScriptMaps", self.script_maps(&mut rng, site)),
                ],
            );
            out.push_str("\t>\r\n</IIsWebVirtualDir>\r\n");
        }
        key(
            &mut out,
            "IIsApplicationPools",
            "/LM/W3SVC/AppPools",
            &[("Enable32bitAppOnWin64", "TRUE".into())],
        );
        key(&mut out, "IIsApplicationPool", "/LM/W3SVC/AppPools/DefaultAppPool", &[]);
        for p in 1..=pools {
            key(
                &mut out,
                "IIsApplicationPool",
                &format!("/LM/W3SVC/AppPools/Pool{p}"),
                &[("AppPoolAutoStart", "TRUE".into())],
            );
        }
        let globals: Vec<String> = (0..sites.checked_div(self.global_filter_sites).unwrap_or(0))
            .map(|g| format!("Global{g}"))
            .collect();
        let mut order = vec!["UrlScan".to_string()];
        if matches!(self.mix, Mix::Switch | Mix::Both) {
            order.push("Acme64".into());
        }
        order.extend(globals.iter().cloned());
        key(
            &mut out,
            "IIsFilters",
            "/LM/W3SVC/Filters",
            &[("FilterLoadOrder", order.join(","))],
        );
        key(&mut out, "IIsFilter", "/LM/W3SVC/Filters/Compression", &[]);
        let schemes = sites.checked_div(self.scheme_sites).unwrap_or(2);
        for s in 0..schemes {
            let name = match s {
                0 => "gzip".to_string(),
                1 => "deflate".into(),
                n => format!("scheme{n}"),
            };
            key(
                &mut out,
                "IIsCompressionScheme",
                &format!("/LM/W3SVC/Filters/Compression/{name}"),
                &[
                    ("HcCompressionDll", "%windir%\\system32\\inetsrv\\gzip.dll".to_string()),
                    ("HcFileExtensions", "htm\r\n\t\t\thtml\r\n\t\t\ttxt".into()),
                ],
            );
        }
        key(
            &mut out,
            "IIsFilter",
            "/LM/W3SVC/Filters/UrlScan",
            &[("FilterPath", format!("{INETSRV}\\urlscan\\urlscan.dll"))],
        );
        if matches!(self.mix, Mix::Switch | Mix::Both) {
            // A filter with no 32-bit build: 32-bit workers cannot load it.
            key(
                &mut out,
                "IIsFilter",
                "/LM/W3SVC/Filters/Acme64",
                &[("FilterPath", "C:\\Program Files\\Acme\\acme64.dll".into())],
            );
        }
        for (g, name) in globals.iter().enumerate() {
            let path = if self.own_dlls {
                format!("C:\\Isapi\\ext{}.dll", g + 1)
            } else {
                format!("{INETSRV}\\global{}.dll", g % 7)
            };
            key(
                &mut out,
                "IIsFilter",
                &format!("/LM/W3SVC/Filters/{name}"),
                &[("FilterEnabled", "TRUE".into()), ("FilterPath", path)],
            );
        }
        out.push_str("</MBProperty>\r\n</configuration>\r\n");
        out
    }

    /// A drive copy for `sites` sites: the usual DLLs, and with `own_dlls` one DLL per site in
    /// `C:\Isapi`, as 32-bit images.
    fn drive(&self, root: &Path, images: &Path, sites: usize) {
        let put = |path: &str, image: &str| common::put(root, path, images, image);
        let mut inetsrv = vec![
            "asp.dll",
            "httpodbc.dll",
            "ssinc.dll",
            "gzip.dll",
            "urlscan/urlscan.dll",
        ];
        let extra: Vec<String> = (0..7)
            .map(|g| format!("global{g}.dll"))
            .chain((0..3).map(|f| format!("filter{f}.dll")))
            .collect();
        inetsrv.extend(extra.iter().map(String::as_str));
        for dll in inetsrv {
            put(&format!("WINDOWS/SysWOW64/inetsrv/{dll}"), "x86/isapi-filter.dll");
            put(&format!("WINDOWS/system32/inetsrv/{dll}"), "x64/isapi-filter.dll");
        }
        put(
            &format!("{}/aspnet_isapi.dll", FW32[3..].replace('\\', "/")),
            "x86/isapi-extension.dll",
        );
        put(
            &format!("{}/aspnet_isapi.dll", FW64[3..].replace('\\', "/")),
            "x64/isapi-extension.dll",
        );
        put("Program Files/Acme/acme64.dll", "x64/isapi-filter.dll");
        if self.own_dlls {
            let folder = root.join("Isapi");
            std::fs::create_dir_all(&folder).unwrap();
            let first = folder.join("ext1.dll");
            std::fs::copy(images.join("x86/isapi-extension.dll"), &first).unwrap();
            for n in 2..=sites {
                // Copies, not links: a folder of distinct files, as a server holds.
                std::fs::copy(&first, folder.join(format!("ext{n}.dll"))).unwrap();
            }
        }
    }

    fn args(&self) -> Vec<&'static str> {
        match self.run {
            Run::Text => vec![],
            Run::Json => vec!["--format", "json"],
            Run::Sarif => vec!["--format", "sarif"],
            Run::Diff => vec!["--diff", "--unsafe-fixes"],
        }
    }
}

fn utf16(text: &str) -> Vec<u8> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = vec![0xFF, 0xFE];
    for u in body.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
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

/// What one shape measured: CPU and peak memory at N and 4N (medians), and their ratios.
struct Measured {
    cpu: (f64, f64),
    peak: (f64, f64),
}

impl Measured {
    fn cpu_ratio(&self) -> f64 {
        self.cpu.1 / self.cpu.0
    }
    fn peak_ratio(&self) -> f64 {
        self.peak.1 / self.peak.0
    }
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::spawned(&args) || args.iter().any(|a| a == "--list") {
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--describe") {
        // `--describe FROM TO`: the shapes of those seeds, to pick one to replay.
        let from: u64 = args[i + 1].parse().unwrap();
        let to: u64 = args[i + 2].parse().unwrap();
        for seed in from..to {
            println!("{seed:>10}  {}", Shape::draw(seed).describe());
        }
        return;
    }
    let sites: usize = env("MBLINT_SHAPES_SITES").unwrap_or(3000);
    let runs: usize = env("MBLINT_BENCH_RUNS").unwrap_or(3);
    let seeds: Vec<u64> = match std::env::var("MBLINT_SHAPE_SEEDS") {
        Ok(list) => list.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        Err(_) => {
            let base: u64 = env("MBLINT_SHAPES_SEED").unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007)
            });
            let count: usize = env("MBLINT_SHAPES").unwrap_or(30);
            println!("base seed {base} (MBLINT_SHAPES_SEED={base} replays this run)");
            let mut rng = Rng::new(base);
            (0..count).map(|_| rng.next() % 1_000_000_007).collect()
        }
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let images = manifest.join("testdata/images");
    let data = manifest.join("target/bench-data/shapes");
    let mblint = env!("CARGO_BIN_EXE_mblint");
    println!(
        "mblint random shapes: each shape at N = {sites} and 4N sites, {runs} pairs, medians; the cost ratio N -> 4N of CPU and of peak memory (linear: about 4; a cliff: above 5)\n"
    );
    println!(
        "{:>10}  {:<92} {:>8} {:>8} {:>8} {:>8}",
        "seed", "shape", "cpu N s", "cpu 4N", "x cpu", "x peak"
    );
    let mut cliffs = Vec::new();
    for seed in seeds {
        let shape = Shape::draw(seed);
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).unwrap();
        let out = data.join("stdout");
        let mut commands = Vec::new();
        for n in [sites, 4 * sites] {
            let file = data.join(format!("metabase-{n}.xml"));
            let text = shape.metabase(n);
            if shape.utf16 {
                std::fs::write(&file, utf16(&text)).unwrap();
            } else {
                std::fs::write(&file, text).unwrap();
            }
            let mut args: Vec<String> = vec!["check".into(), "--isolated".into()];
            args.extend(shape.args().into_iter().map(String::from));
            if shape.drive {
                let root = data.join(format!("drive-{n}"));
                shape.drive(&root, &images, n);
                args.push("--drive".into());
                args.push(format!("C:={}", root.display()));
            }
            args.push(file.to_str().unwrap().into());
            commands.push(args);
        }
        let mut cpu = (Vec::new(), Vec::new());
        let mut peak = (Vec::new(), Vec::new());
        for _ in 0..runs {
            for (i, args) in commands.iter().enumerate() {
                let mut cmd = Command::new(mblint);
                cmd.args(args);
                let s = measure(&mut cmd, &out);
                let (c, p) = if i == 0 {
                    (&mut cpu.0, &mut peak.0)
                } else {
                    (&mut cpu.1, &mut peak.1)
                };
                c.push(s.cpu);
                p.push(s.peak as f64);
            }
        }
        let m = Measured {
            cpu: (median(cpu.0), median(cpu.1)),
            peak: (median(peak.0), median(peak.1)),
        };
        let cliff = m.cpu_ratio() > 5.0 || m.peak_ratio() > 5.0;
        println!(
            "{seed:>10}  {:<92} {:>8.3} {:>8.3} {:>8.2} {:>8.2}{}",
            shape.describe(),
            m.cpu.0,
            m.cpu.1,
            m.cpu_ratio(),
            m.peak_ratio(),
            if cliff { "  CLIFF" } else { "" }
        );
        if cliff {
            cliffs.push(seed);
        }
        let _ = std::fs::remove_dir_all(&data);
    }
    if cliffs.is_empty() {
        println!("\nno shape above 5x from N to 4N");
    } else {
        println!(
            "\n{} shape(s) above 5x from N to 4N: MBLINT_SHAPE_SEEDS={} replays them",
            cliffs.len(),
            cliffs.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
        );
        std::process::exit(1);
    }
}
