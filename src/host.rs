//! The server mblint judges: its platform (x86, x64, IA64), its isolation mode, and where Windows
//! lives, each decided from evidence in a fixed order and kept with that evidence, so that every
//! verdict can say what it rests on and no verdict rests on a guess.
//!
//! - Platform: declared (`--platform`, `platform =` in mblint.toml), else read from the drive copy
//!   (the machine of the images in `system32`; a `SysWOW64` folder), else inferred from the
//!   metabase's own paths (`Program Files (x86)`, `SysWOW64`, `Sysnative`, `Framework64` exist only on
//!   64-bit Windows), else unknown. Sources that disagree with the one followed are a conflict.
//! - Windows folder: the drive's folder that holds `system32`, else the expanded paths IIS wrote in
//!   the metabase (`<windir>\system32\...`, `<windir>\help\iisHelp\...`, `<windir>\Microsoft.NET\...`),
//!   else `C:\WINDOWS`, said to be assumed.
//! - Isolation mode: `IIs5IsolationModeEnabled` at `/LM/W3SVC`, else [`ABSENT_ISOLATION`].
//! - The loader's facts (known DLLs, SafeDllSearchMode, the system PATH), when a drive is mapped:
//!   the drive's SYSTEM hive, else Server 2003's defaults with PATH unknown ([`loader_facts`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::metabase::isapi::IsapiSet;
use crate::metabase::schema::Schema;
use crate::metabase::server::ServerConfig;
use crate::metabase::{Metabase, Span};
use crate::platform::{Platform, Platforms, Process};
use crate::resolve::loader_facts::{self, LoaderFacts};
use crate::resolve::pe::Machine;
use crate::resolve::resolver::Resolver;
use crate::winpath::{self, WinPath};

/// Where a fact came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `--platform` or `platform =` in mblint.toml.
    Declared,
    /// The copy of the server's drive.
    Drive,
    /// The metabase's own values.
    Metabase,
    /// Nothing said: IIS's default, or mblint's assumption.
    Default,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::Declared => "declared",
            Source::Drive => "read from the drive",
            Source::Metabase => "inferred from the metabase",
            Source::Default => "assumed",
        }
    }
}

/// One piece of evidence: a source, what it says, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clue {
    pub source: Source,
    /// The value it points to (`x64`, `D:\WINDOWS`).
    pub says: String,
    /// What was seen: `system32\ntdll.dll is a PE32+ AMD64 DLL`.
    pub detail: String,
    /// Where in the metabase, for metabase clues.
    #[serde(skip)]
    pub span: Option<Span>,
}

/// A decided fact with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact<T> {
    pub value: T,
    /// The source that decided it.
    pub source: Source,
    /// Every clue, the deciding ones first.
    pub evidence: Vec<Clue>,
    /// Clues of another source that contradict the decision, in words.
    pub conflict: Option<String>,
}

/// IIS 6's isolation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IsolationMode {
    /// Worker process isolation mode: application pools, every ISAPI DLL in `w3wp.exe`.
    WorkerProcess,
    /// IIS 5.0 isolation mode: filters and in-process applications in `inetinfo.exe`, out-of-process
    /// ones in `dllhost.exe`; always the platform's native bitness.
    Iis5,
}

impl IsolationMode {
    pub fn describe(self) -> &'static str {
        match self {
            IsolationMode::WorkerProcess => "worker process isolation mode",
            IsolationMode::Iis5 => "IIS 5.0 isolation mode",
        }
    }
}

/// What IIS 6 runs in when `IIs5IsolationModeEnabled` is absent at /LM/W3SVC: see rules/MB106.md.
pub const ABSENT_ISOLATION: IsolationMode = IsolationMode::Iis5;

/// Which schema property names and values are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaSource {
    /// The server's own `MBSchema.xml`, on the drive copy beside MetaBase.xml, added to IIS 6.0's.
    Drive,
    /// IIS 6.0's schema, built into mblint.
    BuiltIn,
}

impl SchemaSource {
    pub fn describe(self) -> &'static str {
        match self {
            SchemaSource::Drive => "the drive's MBSchema.xml with IIS 6.0's",
            SchemaSource::BuiltIn => "IIS 6.0's built-in schema",
        }
    }
}

/// What was read of the FastCGI Extension's configuration, when a script map names `fcgiext.dll`
/// (MB403 reads it from the drive copy only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FastCgiConfig {
    /// Every fcgiext.ini the workers' fcgiext.dll reads was read (or found missing) on the drive.
    Read,
    /// Not read: no drive copy, or a file that could not be read (an input not checked).
    NotChecked,
}

impl FastCgiConfig {
    pub fn describe(self) -> &'static str {
        match self {
            FastCgiConfig::Read => "fcgiext.ini read from the drive",
            FastCgiConfig::NotChecked => "fcgiext.ini not checked",
        }
    }
}

/// The server model of one metabase.
#[derive(Debug, Clone, Serialize)]
pub struct ServerModel {
    /// The platforms the evidence leaves open (one, when known).
    pub platform: Fact<Platforms>,
    pub isolation: Fact<IsolationMode>,
    /// `%windir%`; `source: default` when nothing said where Windows is.
    pub windir: Fact<WinPath>,
    /// What the loader's DLL search rests on: `source: drive` when read from the drive's SYSTEM
    /// hive, `default` for Server 2003's defaults. `None` when no drive is mapped (nothing is
    /// searched then).
    pub loader: Option<Fact<LoaderFacts>>,
    /// The schema the metabase's property names and values are checked against: the drive's, when
    /// a drive holds one that reads, else IIS 6.0's (see [`decide_schema`]).
    pub schema: Fact<SchemaSource>,
    /// That schema.
    #[serde(skip)]
    pub definitions: Arc<Schema>,
    /// What was read of the FastCGI Extension's fcgiext.ini, when a script map names fcgiext.dll;
    /// `None` (and left out of reports) when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fastcgi: Option<Fact<FastCgiConfig>>,
}

impl Serialize for Platforms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl Serialize for WinPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Folders that exist only on 64-bit Windows, as they appear in configured paths.
const WIN64_ONLY: [(&str, &str); 4] = [
    ("\\program files (x86)\\", "Program Files (x86)"),
    ("\\syswow64\\", "SysWOW64"),
    ("\\sysnative\\", "Sysnative"),
    ("\\microsoft.net\\framework64\\", "Framework64"),
];

/// Where the first ISAPI or CGI entry naming a distinct path stands (paths are shared, so this
/// compares pointers).
fn first_span(isapi: &IsapiSet, path: &Arc<str>) -> Option<Span> {
    isapi
        .entries
        .iter()
        .chain(&isapi.cgi)
        .find(|e| Arc::ptr_eq(&e.path, path))
        .map(|e| e.span)
}

/// The metabase's clues to 64-bit Windows: the first path naming each 64-bit-only folder. Looks at
/// each distinct path once, however many sites name it.
pub fn metabase_platform_clues(isapi: &IsapiSet, server: &ServerConfig) -> Vec<Clue> {
    let mut found: BTreeMap<&str, Clue> = BTreeMap::new();
    // (the shared path of an ISAPI entry, or a restriction entry's place, and the text)
    let spans = isapi.paths.iter().map(|p| (Err(p), &**p)).chain(
        server
            .restrictions
            .iter()
            .filter_map(|r| Some((Ok(r.span), r.entry.as_ref().ok().map(|e| e.path.as_str())?))),
    );
    for (place, path) in spans {
        let lower = path.replace('/', "\\").to_ascii_lowercase();
        for (needle, folder) in WIN64_ONLY {
            if !found.contains_key(folder) && lower.contains(needle) {
                found.insert(
                    folder,
                    Clue {
                        source: Source::Metabase,
                        says: "win64".into(),
                        detail: format!("`{path}` names {folder}, which exists only on 64-bit Windows"),
                        span: match place {
                            Ok(span) => Some(span),
                            Err(shared) => first_span(isapi, shared),
                        },
                    },
                );
            }
        }
        if found.len() == WIN64_ONLY.len() {
            break;
        }
    }
    found.into_values().collect()
}

/// The Windows folder a configured path shows, if it is of a shape only Windows' own folders have.
fn windir_of(path: &str) -> Option<WinPath> {
    if !winpath::is_plain(path) {
        return None;
    }
    let parsed = winpath::parse(path).ok()?;
    let c = &parsed.components;
    let eq = |i: usize, name: &str| c.get(i).is_some_and(|x| x.eq_ignore_ascii_case(name));
    let marks = (eq(1, "system32") || eq(1, "syswow64")) && c.len() > 2
        || eq(1, "help") && eq(2, "iisHelp")
        || eq(1, "Microsoft.NET") && c.len() > 2;
    marks.then(|| WinPath {
        drive: parsed.drive,
        components: vec![c[0].clone()],
    })
}

/// The metabase's clues to the Windows folder: per distinct folder, how many distinct paths show it
/// and the first of them. Reads the distinct ISAPI paths and the values at /LM/W3SVC (HttpErrors,
/// LogFileDirectory).
pub fn metabase_windir_clues(mb: &Metabase, isapi: &IsapiSet) -> Vec<(Clue, usize)> {
    let mut votes: BTreeMap<String, (Clue, usize)> = BTreeMap::new();
    // The span is looked up (once per folder, for the first path showing it) only when needed.
    let mut vote = |path: &str, span: &dyn Fn() -> Option<Span>| {
        let Some(w) = windir_of(path) else { return };
        let key = w.to_string().to_ascii_uppercase();
        votes
            .entry(key)
            .or_insert_with(|| {
                (
                    Clue {
                        source: Source::Metabase,
                        says: w.to_string(),
                        detail: format!("`{path}` is a path under {w}"),
                        span: span(),
                    },
                    0,
                )
            })
            .1 += 1;
    };
    for path in &isapi.paths {
        vote(path, &|| first_span(isapi, path));
    }
    if let Some(service) = mb.find("/LM/W3SVC") {
        for attr in mb.key(service).attrs.clone() {
            for line in mb.attr_lines(attr) {
                let text = line.text();
                // HttpErrors: `404,*,FILE,C:\WINDOWS\help\iisHelp\common\404b.htm`.
                let path = text.rsplit(',').next().unwrap_or(&text).trim();
                vote(path, &|| Some(line.span));
            }
        }
    }
    let mut out: Vec<(Clue, usize)> = votes.into_values().collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.1));
    out
}

/// Images in `system32` whose machine tells the platform: the first that exist are read.
const PROBES: [&str; 8] = [
    "ntdll.dll",
    "kernel32.dll",
    "inetsrv\\w3wp.exe",
    "inetsrv\\inetinfo.exe",
    "inetsrv\\w3core.dll",
    "inetsrv\\asp.dll",
    "inetsrv\\ssinc.dll",
    "inetsrv\\httpodbc.dll",
];
/// How many readable probes are enough.
const PROBES_WANTED: usize = 3;

/// The drive's clues to the platform: the machines of images in `<windir>\system32`, and whether
/// `<windir>\SysWOW64` exists.
pub fn drive_platform_clues(resolver: &mut Resolver, windir: &WinPath) -> Vec<Clue> {
    let mut clues = Vec::new();
    // A 32-bit process on x86 opens paths as they are written: no redirection.
    let literal = Process::new(Platform::X86, crate::bitness::Bitness::Bits32);
    for probe in PROBES {
        if clues.len() >= PROBES_WANTED {
            break;
        }
        let path = format!("{windir}\\system32\\{probe}");
        let resolution = resolver.resolve(&path, literal);
        let Some(image) = resolution.image() else { continue };
        let says = match (image.machine, image.format) {
            (Machine::I386, crate::resolve::pe::PeFormat::Pe32) => Platform::X86,
            (Machine::Amd64, crate::resolve::pe::PeFormat::Pe32Plus) => Platform::X64,
            (Machine::Ia64, crate::resolve::pe::PeFormat::Pe32Plus) => Platform::Ia64,
            _ => continue,
        };
        clues.push(Clue {
            source: Source::Drive,
            says: says.name().into(),
            detail: format!("system32\\{probe} is a {}", image.describe()),
            span: None,
        });
    }
    let mut syswow64 = windir.clone();
    syswow64.components.push("SysWOW64".into());
    if resolver.is_folder(&syswow64) {
        clues.push(Clue {
            source: Source::Drive,
            says: "win64".into(),
            detail: format!("{syswow64} exists: WOW64's folder, only on 64-bit Windows"),
            span: None,
        });
    }
    clues
}

fn platforms_said(clue: &Clue) -> Platforms {
    match clue.says.as_str() {
        "win64" => Platforms::WIN64,
        name => Platform::parse(name).map_or(Platforms::ANY, Platforms::only),
    }
}

/// Narrows the platforms by a source's clues; `None` if they contradict each other.
fn narrow(clues: &[Clue]) -> Option<Platforms> {
    let mut set = Platforms::ANY;
    for c in clues {
        set = set.intersect(platforms_said(c))?;
    }
    Some(set)
}

/// Decides the platform: declared, else drive, else metabase, else unknown; a weaker source that
/// contradicts the deciding one is a conflict.
pub fn decide_platform(declared: Option<Platform>, drive: Vec<Clue>, metabase: Vec<Clue>) -> Fact<Platforms> {
    let declared: Vec<Clue> = declared
        .map(|p| Clue {
            source: Source::Declared,
            says: p.name().into(),
            detail: format!("declared as {}", p.name()),
            span: None,
        })
        .into_iter()
        .collect();
    let mut conflicts: Vec<String> = Vec::new();
    let mut decided: Option<(Platforms, Source)> = None;
    let mut evidence = Vec::new();
    for (source, clues) in [
        (Source::Declared, declared),
        (Source::Drive, drive),
        (Source::Metabase, metabase),
    ] {
        if clues.is_empty() {
            continue;
        }
        let said = narrow(&clues);
        match (decided, said) {
            (None, Some(set)) => decided = Some((set, source)),
            (None, None) => conflicts.push(format!(
                "the {} contradicts itself: {}",
                if source == Source::Drive { "drive" } else { "metabase" },
                details(&clues)
            )),
            (Some((set, by)), said) => {
                if said.is_none_or(|s| s.intersect(set).is_none()) {
                    conflicts.push(format!(
                        "{} ({}), but mblint follows what is {}: {}",
                        source_says(source),
                        details(&clues),
                        by.describe(),
                        set.describe()
                    ));
                }
            }
        }
        evidence.extend(clues);
    }
    let (value, source) = decided.unwrap_or((Platforms::ANY, Source::Default));
    Fact {
        value,
        source,
        evidence,
        conflict: (!conflicts.is_empty()).then(|| conflicts.join("; ")),
    }
}

fn source_says(source: Source) -> &'static str {
    match source {
        Source::Declared => "the declaration says otherwise",
        Source::Drive => "the drive copy says otherwise",
        Source::Metabase => "the metabase's paths say otherwise",
        Source::Default => "",
    }
}

fn details(clues: &[Clue]) -> String {
    clues.iter().map(|c| c.detail.as_str()).collect::<Vec<_>>().join("; ")
}

/// Decides the Windows folder: the drive's, else the metabase's most shown, else `C:\WINDOWS`.
pub fn decide_windir(drive: Vec<WinPath>, metabase: Vec<(Clue, usize)>) -> Fact<WinPath> {
    let drive_clues: Vec<Clue> = drive
        .iter()
        .map(|w| Clue {
            source: Source::Drive,
            says: w.to_string(),
            detail: format!("{w}\\system32 exists on the drive"),
            span: None,
        })
        .collect();
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut conflicts = Vec::new();
    // Several Windows folders on a drive: the one the metabase names, else the first.
    let from_drive = drive_clues
        .iter()
        .find(|c| metabase.first().is_some_and(|(m, _)| same(&m.says, &c.says)))
        .or(drive_clues.first())
        .cloned();
    let (value, source) = match (&from_drive, metabase.first()) {
        // The metabase's spelling, when it names the same folder: paths in messages read as written.
        (Some(d), Some((m, _))) if same(&d.says, &m.says) => (m.says.clone(), Source::Drive),
        (Some(d), _) => (d.says.clone(), Source::Drive),
        (None, Some((m, _))) => (m.says.clone(), Source::Metabase),
        (None, None) => ("C:\\WINDOWS".to_string(), Source::Default),
    };
    if drive_clues.len() > 1 {
        conflicts.push(format!(
            "the drive holds more than one Windows folder ({}); mblint uses {value}",
            drive_clues
                .iter()
                .map(|c| c.says.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some((m, n)) = metabase.iter().find(|(m, _)| !same(&m.says, &value)) {
        conflicts.push(format!(
            "{n} path(s) in the metabase lie under {} (e.g. {}), but Windows is {} in {value}",
            m.says,
            m.detail,
            source.describe()
        ));
    }
    let mut evidence = drive_clues;
    evidence.extend(metabase.into_iter().map(|(c, _)| c));
    Fact {
        value: winpath::parse(&value).unwrap_or_else(|_| winpath::parse("C:\\WINDOWS").expect("valid")),
        source,
        evidence,
        conflict: (!conflicts.is_empty()).then(|| conflicts.join("; ")),
    }
}

/// Decides the isolation mode from `IIs5IsolationModeEnabled` at /LM/W3SVC.
pub fn decide_isolation(mb: &Metabase, server: &ServerConfig) -> Fact<IsolationMode> {
    match &server.iis5_isolation {
        Some(setting) => {
            // A value that is not a boolean: IIS reads any non-zero BOOL as TRUE (as KB895976 says
            // of Enable32BitAppOnWin64); MB002 reports the value itself.
            let iis5 = setting.value.unwrap_or(true);
            Fact {
                value: if iis5 {
                    IsolationMode::Iis5
                } else {
                    IsolationMode::WorkerProcess
                },
                source: Source::Metabase,
                evidence: vec![Clue {
                    source: Source::Metabase,
                    says: if iis5 { "iis5" } else { "worker-process" }.into(),
                    detail: format!(
                        "IIs5IsolationModeEnabled=\"{}\" at {}",
                        mb.attr_value(setting.attr),
                        mb.location(setting.key)
                    ),
                    span: Some(mb.attr(setting.attr).value),
                }],
                conflict: None,
            }
        }
        None => Fact {
            value: ABSENT_ISOLATION,
            source: Source::Default,
            evidence: vec![Clue {
                source: Source::Default,
                says: "iis5".into(),
                detail: "IIs5IsolationModeEnabled is not set at /LM/W3SVC; its schema default is TRUE".into(),
                span: None,
            }],
            conflict: None,
        },
    }
}

/// Decides the loader's facts from the drive's SYSTEM hive under `windir` (see [`loader_facts`]):
/// read from the hive, else the defaults. The second value is a hive that is there but could not be
/// read: its host path and why, an input not checked.
pub fn decide_loader(
    resolver: &mut Resolver,
    windir: &WinPath,
) -> (Fact<LoaderFacts>, Option<(std::path::PathBuf, String)>) {
    let reading = loader_facts::read(resolver, windir);
    let source = if reading.facts.from_hive() {
        Source::Drive
    } else {
        Source::Default
    };
    let fact = Fact {
        value: reading.facts,
        source,
        evidence: reading
            .clues
            .into_iter()
            .map(|(says, detail)| Clue {
                source,
                says,
                detail,
                span: None,
            })
            .collect(),
        conflict: None,
    };
    (fact, reading.failure)
}

impl ServerModel {
    /// The platforms verdicts must be worked out for: the one known, or each one left open. Without
    /// a drive, x64 and IA64 differ in nothing mblint can see, and one stands for both.
    pub fn candidates(&self, with_drive: bool) -> Vec<Platform> {
        let set = self.platform.value;
        let mut out: Vec<Platform> = set.iter().collect();
        if !with_drive && set.contains(Platform::X64) {
            out.retain(|&p| p != Platform::Ia64);
        }
        out
    }

    /// One line for the text report: `x64 Windows (read from the drive), worker process isolation
    /// mode (IIs5IsolationModeEnabled="FALSE"), Windows in C:\WINDOWS (read from the drive)`.
    pub fn summary(&self) -> String {
        let platform = match self.platform.source {
            Source::Default => "platform unknown (declare it with --platform)".to_string(),
            source => format!("{} ({})", self.platform.value.describe(), source.describe()),
        };
        let isolation = match self.isolation.source {
            Source::Default => format!(
                "{} (IIs5IsolationModeEnabled is not set)",
                self.isolation.value.describe()
            ),
            _ => self.isolation.value.describe().to_string(),
        };
        let loader = match &self.loader {
            None => String::new(),
            Some(fact) => match &fact.value.origin {
                loader_facts::Origin::Hive { file, control_set } => format!(
                    ", DLL search: {} (read from {file}, ControlSet{control_set:03})",
                    fact.value.summary()
                ),
                loader_facts::Origin::Defaults { reason } => {
                    format!(", DLL search: Server 2003 defaults, PATH unknown ({reason})")
                }
            },
        };
        let fastcgi = match &self.fastcgi {
            None => String::new(),
            Some(fact) => {
                let why: Vec<&str> = fact.evidence.iter().map(|c| c.detail.as_str()).collect();
                format!(", FastCGI: {} ({})", fact.value.describe(), why.join("; "))
            }
        };
        format!(
            "{platform}, {isolation}, Windows in {} ({}), {}{loader}{fastcgi}",
            self.windir.value,
            self.windir.source.describe(),
            self.schema.value.describe()
        )
    }
}

/// What reading a drive's MBSchema.xml gave: the schema, `None` for no such file, or the file
/// and why it did not read.
pub type DriveSchema = Result<Option<Schema>, (String, String)>;

/// Where a drive copy holds its server's schema: beside MetaBase.xml.
pub fn drive_schema_path(windir: &WinPath) -> WinPath {
    let mut path = windir.clone();
    path.components
        .extend(["system32", "inetsrv", "MBSchema.xml"].map(String::from));
    path
}

/// Decides the schema: the drive's MBSchema.xml when the drive holds one that reads, else IIS
/// 6.0's built-in one. `drive`: `None` without a drive holding Windows; else what reading
/// [`drive_schema_path`] gave (`Ok(None)`: no such file). A file that is there but cannot be read
/// or parsed is returned as the error to report as an input not checked: the built-in schema then
/// stands in, and the model says why.
pub fn decide_schema(
    drive: Option<(WinPath, DriveSchema)>,
) -> (Fact<SchemaSource>, Arc<Schema>, Option<(String, String)>) {
    let builtin = |detail: String, failure: Option<(String, String)>| {
        (
            Fact {
                value: SchemaSource::BuiltIn,
                source: Source::Default,
                evidence: vec![Clue {
                    source: Source::Default,
                    says: "built-in".into(),
                    detail,
                    span: None,
                }],
                conflict: None,
            },
            Schema::builtin(),
            failure,
        )
    };
    match drive {
        None => builtin(
            "no drive copy holds the server's MBSchema.xml: IIS 6.0's own schema is used".into(),
            None,
        ),
        Some((path, Ok(None))) => builtin(
            format!("{path} is not on the drive: IIS 6.0's own schema is used"),
            None,
        ),
        Some((path, Err((file, why)))) => builtin(
            format!("{path} could not be read ({why}): IIS 6.0's own schema stands in, and the check is incomplete"),
            Some((file, why)),
        ),
        Some((path, Ok(Some(schema)))) => (
            Fact {
                value: SchemaSource::Drive,
                source: Source::Drive,
                evidence: vec![Clue {
                    source: Source::Drive,
                    says: "drive".into(),
                    detail: {
                        let (p, c) = (schema.properties().len(), schema.classes().len());
                        format!(
                            "{path}: {p} propert{}, {c} class{}, added to IIS 6.0's (the server's definition where both define one)",
                            if p == 1 { "y" } else { "ies" },
                            if c == 1 { "" } else { "es" }
                        )
                    },
                    span: None,
                }],
                conflict: None,
            },
            Arc::new(Schema::builtin().with(schema)),
            None,
        ),
    }
}

/// What the server model says of the FastCGI Extension's configuration: `None` when no script map
/// names fcgiext.dll. `read`: the first run's reading (`None` without a drive, when nothing is
/// read). Each fcgiext.ini is one clue: read, missing, or not read and why.
pub fn decide_fastcgi(
    isapi: &crate::metabase::isapi::IsapiSet,
    read: Option<&crate::resolve::fastcgi::FastCgi>,
) -> Option<Fact<FastCgiConfig>> {
    use crate::metabase::isapi::Role;
    use crate::resolve::fastcgi::{DLL_NAME, IniState};
    let names_dll = |path: &str| {
        path.rsplit(['\\', '/'])
            .next()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case(DLL_NAME))
    };
    // Every entry's path is one of the set's distinct paths: a hosting server's million entries
    // are looked at only when one of its few paths names the DLL.
    let mapped = isapi.paths.iter().any(|p| names_dll(p))
        && isapi
            .entries
            .iter()
            .any(|e| matches!(e.role, Role::ScriptMap | Role::WildcardMap) && names_dll(&e.path));
    match read {
        None if mapped => Some(Fact {
            value: FastCgiConfig::NotChecked,
            source: Source::Default,
            evidence: vec![Clue {
                source: Source::Default,
                says: "not-checked".into(),
                detail: "a script map names fcgiext.dll and no drive copy is given: its fcgiext.ini is not read, and MB403 checks nothing".into(),
                span: None,
            }],
            conflict: None,
        }),
        None => None,
        Some(f) if !f.any() => None,
        Some(f) => {
            let mut all_read = true;
            let evidence = f
                .inis
                .iter()
                .map(|ini| {
                    let detail = match &ini.state {
                        IniState::Read { types, .. } => format!(
                            "{}: read, {} [Types] mapping{}",
                            ini.path,
                            types.len(),
                            if types.len() == 1 { "" } else { "s" }
                        ),
                        IniState::Missing { .. } => format!("{}: not on the drive", ini.path),
                        IniState::Unread { .. } => {
                            all_read = false;
                            format!("{}: could not be read (an input not checked)", ini.path)
                        }
                    };
                    Clue {
                        source: Source::Drive,
                        says: ini.path.to_string(),
                        detail,
                        span: None,
                    }
                })
                .collect();
            Some(Fact {
                value: if all_read {
                    FastCgiConfig::Read
                } else {
                    FastCgiConfig::NotChecked
                },
                source: Source::Drive,
                evidence,
                conflict: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clue(source: Source, says: &str) -> Clue {
        Clue {
            source,
            says: says.into(),
            detail: format!("{says} clue"),
            span: None,
        }
    }

    #[test]
    fn each_source_alone_decides() {
        let f = decide_platform(Some(Platform::X86), vec![], vec![]);
        assert_eq!(
            (f.value, f.source, f.conflict),
            (Platforms::only(Platform::X86), Source::Declared, None)
        );
        let f = decide_platform(
            None,
            vec![clue(Source::Drive, "ia64"), clue(Source::Drive, "win64")],
            vec![],
        );
        assert_eq!((f.value, f.source), (Platforms::only(Platform::Ia64), Source::Drive));
        let f = decide_platform(None, vec![], vec![clue(Source::Metabase, "win64")]);
        assert_eq!((f.value, f.source), (Platforms::WIN64, Source::Metabase));
        let f = decide_platform(None, vec![], vec![]);
        assert_eq!((f.value, f.source), (Platforms::ANY, Source::Default));
    }

    #[test]
    fn the_stronger_source_wins_and_a_conflict_is_said() {
        // A declaration beats a drive.
        let f = decide_platform(Some(Platform::X86), vec![clue(Source::Drive, "x64")], vec![]);
        assert_eq!(f.value, Platforms::only(Platform::X86));
        assert!(
            f.conflict.as_deref().unwrap().contains("drive copy says otherwise"),
            "{:?}",
            f.conflict
        );
        // A drive beats paths.
        let f = decide_platform(
            None,
            vec![clue(Source::Drive, "x86")],
            vec![clue(Source::Metabase, "win64")],
        );
        assert_eq!((f.value, f.source), (Platforms::only(Platform::X86), Source::Drive));
        assert!(f.conflict.as_deref().unwrap().contains("metabase's paths"));
        // Agreement is no conflict: x64 lies within 64-bit Windows.
        let f = decide_platform(Some(Platform::X64), vec![], vec![clue(Source::Metabase, "win64")]);
        assert_eq!(f.conflict, None);
        // A drive that contradicts itself decides nothing.
        let f = decide_platform(
            None,
            vec![clue(Source::Drive, "x86"), clue(Source::Drive, "x64")],
            vec![],
        );
        assert_eq!(f.value, Platforms::ANY);
        assert!(f.conflict.as_deref().unwrap().contains("contradicts itself"));
    }

    #[test]
    fn windir_from_drive_metabase_or_assumed() {
        let w = |s: &str| winpath::parse(s).unwrap();
        let m = |s: &str, n| (clue(Source::Metabase, s), n);
        let f = decide_windir(vec![w("D:\\WINDOWS")], vec![]);
        assert_eq!((f.value.to_string().as_str(), f.source), ("D:\\WINDOWS", Source::Drive));
        let f = decide_windir(vec![], vec![m("D:\\WINNT", 5), m("C:\\WINDOWS", 1)]);
        assert_eq!(
            (f.value.to_string().as_str(), f.source),
            ("D:\\WINNT", Source::Metabase)
        );
        assert!(f.conflict.unwrap().contains("C:\\WINDOWS"));
        let f = decide_windir(vec![], vec![]);
        assert_eq!(
            (f.value.to_string().as_str(), f.source),
            ("C:\\WINDOWS", Source::Default)
        );
        // The drive beats the metabase, and says so.
        let f = decide_windir(vec![w("C:\\WINDOWS")], vec![m("D:\\WINDOWS", 3)]);
        assert_eq!(f.value.to_string(), "C:\\WINDOWS");
        assert!(f.conflict.is_some());
        // Of two Windows folders on a drive, the one the metabase shows (spelt as the metabase does),
        // and the other is said.
        let f = decide_windir(vec![w("C:\\WINDOWS"), w("C:\\WINNT")], vec![m("c:\\winnt", 2)]);
        assert_eq!(f.value.to_string(), "C:\\winnt");
        assert!(f.conflict.unwrap().contains("more than one Windows folder"));
    }

    /// A drive copy with the given images (from testdata/images) at the given paths.
    fn drive(files: &[(&str, &str)]) -> (tempfile::TempDir, Resolver) {
        let dir = tempfile::tempdir().unwrap();
        for (path, image) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            let from = format!("{}/testdata/images/{image}", env!("CARGO_MANIFEST_DIR"));
            std::fs::copy(from, full).unwrap();
        }
        let mut drives = crate::resolve::drive::Drives::default();
        drives.insert('C', dir.path().to_path_buf());
        (dir, Resolver::new(drives))
    }

    fn drive_says(files: &[(&str, &str)]) -> Fact<Platforms> {
        let (_dir, mut r) = drive(files);
        let windirs = r.windows_folders('C');
        assert_eq!(windirs.len(), 1, "{windirs:?}");
        decide_platform(None, drive_platform_clues(&mut r, &windirs[0]), vec![])
    }

    #[test]
    fn the_drive_tells_the_platform() {
        let x86 = drive_says(&[("Windows/System32/ntdll.dll", "x86/no-isapi.dll")]);
        assert_eq!((x86.value, x86.source), (Platforms::only(Platform::X86), Source::Drive));
        let x64 = drive_says(&[
            ("WINDOWS/system32/NTDLL.DLL", "x64/no-isapi.dll"),
            ("WINDOWS/SysWOW64/ntdll.dll", "x86/no-isapi.dll"),
        ]);
        assert_eq!(x64.value, Platforms::only(Platform::X64));
        assert_eq!(x64.evidence.len(), 2, "the machine and the SysWOW64 folder");
        let ia64 = drive_says(&[("WINNT/system32/inetsrv/asp.dll", "ia64/isapi-extension.dll")]);
        assert_eq!(ia64.value, Platforms::only(Platform::Ia64));
        // Only a SysWOW64 folder: 64-bit, architecture open.
        let win64 = drive_says(&[
            ("Windows/System32/readme.txt", "corrupt/not-pe.dll"),
            ("Windows/SysWOW64/x.dll", "x86/no-isapi.dll"),
        ]);
        assert_eq!(win64.value, Platforms::WIN64);
        // i386 images in system32 beside a SysWOW64 folder contradict each other.
        let torn = drive_says(&[
            ("Windows/System32/ntdll.dll", "x86/no-isapi.dll"),
            ("Windows/SysWOW64/ntdll.dll", "x86/no-isapi.dll"),
        ]);
        assert_eq!(torn.value, Platforms::ANY);
        assert!(torn.conflict.unwrap().contains("contradicts itself"));
    }

    #[test]
    fn windows_folders_in_paths() {
        let d = |s: &str| windir_of(s).map(|w| w.to_string());
        assert_eq!(
            d(r"D:\WINDOWS\system32\inetsrv\asp.dll").as_deref(),
            Some(r"D:\WINDOWS")
        );
        assert_eq!(
            d(r"C:\WINNT\help\iisHelp\common\404b.htm").as_deref(),
            Some(r"C:\WINNT")
        );
        assert_eq!(
            d(r"E:\Win\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll").as_deref(),
            Some(r"E:\Win")
        );
        assert_eq!(d(r"C:\Program Files\x.dll"), None);
        assert_eq!(d(r"%windir%\system32\inetsrv\gzip.dll"), None);
        assert_eq!(d(r"C:\Tools\system32"), None);
        // WOW64's folder marks Windows as system32 does, in any case.
        assert_eq!(
            d(r"D:\WINDOWS\SysWOW64\inetsrv\fcgiext.dll").as_deref(),
            Some(r"D:\WINDOWS")
        );
        assert_eq!(d(r"D:\WINDOWS\syswow64").as_deref(), None);
        // `help` alone, or `iisHelp` not under `help`, is anybody's folder.
        assert_eq!(d(r"C:\Docs\help\index.htm"), None);
        assert_eq!(d(r"C:\Docs\manual\iisHelp\x.htm"), None);
        // Any deep path is not a Windows folder; nor is a folder named Microsoft.NET with nothing in it.
        assert_eq!(d(r"C:\Inetpub\scripts\tool.dll"), None);
        assert_eq!(d(r"E:\Win\Microsoft.NET"), None);
    }

    fn metabase(keys: &str) -> Metabase {
        let text = format!("<configuration>\n<MBProperty>\n{keys}</MBProperty>\n</configuration>\n");
        crate::metabase::parse(crate::metabase::SourceFile::from_text("t.xml", text)).unwrap()
    }

    /// A site root whose ScriptMaps map `.eN` to each path in turn.
    fn script_maps(paths: &[&str]) -> String {
        let lines: Vec<String> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| format!(".e{i},{p},5,GET"))
            .collect();
        format!(
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT\"\n\t\tScriptMaps=\"{}\"\n\t>\n</IIsWebVirtualDir>\n",
            lines.join("\n\t\t\t")
        )
    }

    #[test]
    fn each_64bit_folder_is_a_clue_once_from_the_first_path_naming_it() {
        let mb = metabase(&format!(
            "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tWebSvcExtRestrictionList=\"0,*.dll\n\t\t\t1,D:\\Program Files (x86)\\Tool\\tool.dll,0,TOOL,Tool\"\n\t>\n</IIsWebService>\n{}",
            script_maps(&[
                r"C:\WINDOWS\system32\inetsrv\asp.dll",
                r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll",
                r"C:\WINDOWS\SysWOW64\inetsrv\fcgiext.dll",
                r"C:\WINDOWS\syswow64\inetsrv\ssinc.dll",
            ])
        ));
        let isapi = IsapiSet::of(&mb);
        let clues = metabase_platform_clues(&isapi, &ServerConfig::of(&mb));
        let seen: Vec<(&str, &str, Option<&str>)> = clues
            .iter()
            .map(|c| (c.says.as_str(), c.detail.as_str(), c.span.map(|s| mb.slice(s))))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "win64",
                    r"`C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll` names Framework64, which exists only on 64-bit Windows",
                    Some(r"C:\WINDOWS\Microsoft.NET\Framework64\v2.0.50727\aspnet_isapi.dll"),
                ),
                (
                    "win64",
                    r"`D:\Program Files (x86)\Tool\tool.dll` names Program Files (x86), which exists only on 64-bit Windows",
                    Some(r"1,D:\Program Files (x86)\Tool\tool.dll,0,TOOL,Tool"),
                ),
                (
                    "win64",
                    r"`C:\WINDOWS\SysWOW64\inetsrv\fcgiext.dll` names SysWOW64, which exists only on 64-bit Windows",
                    Some(r"C:\WINDOWS\SysWOW64\inetsrv\fcgiext.dll"),
                ),
            ]
        );
        assert!(clues.iter().all(|c| c.source == Source::Metabase));
        // Nothing 64-bit named: no clue.
        let mb = metabase(&script_maps(&[r"C:\WINDOWS\system32\inetsrv\asp.dll"]));
        assert_eq!(metabase_platform_clues(&IsapiSet::of(&mb), &ServerConfig::of(&mb)), []);
    }

    #[test]
    fn the_windows_folder_the_metabase_shows_most_comes_first() {
        let mb = metabase(&format!(
            "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tHttpErrors=\"404,*,FILE,c:\\windows\\help\\iisHelp\\common\\404b.htm\"\n\t>\n</IIsWebService>\n{}",
            script_maps(&[
                r"D:\WINNT\system32\inetsrv\httpodbc.dll",
                r"C:\WINDOWS\system32\inetsrv\asp.dll",
                r"C:\WINDOWS\system32\inetsrv\asp.dll",
                r"C:\WINDOWS\system32\inetsrv\ssinc.dll",
                r"C:\Inetpub\scripts\tool.dll",
            ])
        ));
        let clues = metabase_windir_clues(&mb, &IsapiSet::of(&mb));
        let seen: Vec<(&str, &str, Option<&str>, usize)> = clues
            .iter()
            .map(|(c, n)| (c.says.as_str(), c.detail.as_str(), c.span.map(|s| mb.slice(s)), *n))
            .collect();
        // Each distinct path once (asp.dll is mapped twice), the HttpErrors file in another case.
        assert_eq!(
            seen,
            [
                (
                    r"C:\WINDOWS",
                    r"`C:\WINDOWS\system32\inetsrv\asp.dll` is a path under C:\WINDOWS",
                    Some(r"C:\WINDOWS\system32\inetsrv\asp.dll"),
                    3,
                ),
                (
                    r"D:\WINNT",
                    r"`D:\WINNT\system32\inetsrv\httpodbc.dll` is a path under D:\WINNT",
                    Some(r"D:\WINNT\system32\inetsrv\httpodbc.dll"),
                    1,
                ),
            ]
        );
        let f = decide_windir(vec![], clues);
        assert_eq!(
            (f.value.to_string().as_str(), f.source),
            (r"C:\WINDOWS", Source::Metabase)
        );
        assert_eq!(
            f.conflict.as_deref(),
            Some(
                r"1 path(s) in the metabase lie under D:\WINNT (e.g. `D:\WINNT\system32\inetsrv\httpodbc.dll` is a path under D:\WINNT), but Windows is inferred from the metabase in C:\WINDOWS"
            )
        );
    }

    #[test]
    fn one_windows_folder_on_the_drive_is_no_conflict() {
        let w = |s: &str| winpath::parse(s).unwrap();
        let m = |s: &str| (clue(Source::Metabase, s), 1);
        let f = decide_windir(vec![w(r"D:\WINDOWS")], vec![m(r"d:\windows")]);
        assert_eq!((f.value.to_string().as_str(), f.source), (r"D:\windows", Source::Drive));
        assert_eq!(f.conflict, None);
        let f = decide_windir(vec![w(r"D:\WINDOWS")], vec![]);
        assert_eq!(f.conflict, None);
    }

    #[test]
    fn a_conflict_names_the_clues_that_contradict() {
        let f = decide_platform(Some(Platform::X86), vec![clue(Source::Drive, "x64")], vec![]);
        assert_eq!(
            f.conflict.as_deref(),
            Some("the drive copy says otherwise (x64 clue), but mblint follows what is declared: 32-bit Windows (x86)")
        );
        let f = decide_platform(
            None,
            vec![],
            vec![clue(Source::Metabase, "x86"), clue(Source::Metabase, "win64")],
        );
        assert_eq!(
            f.conflict.as_deref(),
            Some("the metabase contradicts itself: x86 clue; win64 clue")
        );
    }

    /// A model with the given platform fact and everything else as mblint decides it for a metabase
    /// that sets nothing, without a drive.
    fn model(platform: Platforms, source: Source) -> ServerModel {
        let mb = metabase("<IIsWebService Location =\"/LM/W3SVC\">\n</IIsWebService>\n");
        let (schema, definitions, _) = decide_schema(None);
        ServerModel {
            platform: Fact {
                value: platform,
                source,
                evidence: vec![],
                conflict: None,
            },
            isolation: decide_isolation(&mb, &ServerConfig::of(&mb)),
            windir: decide_windir(vec![], vec![]),
            loader: None,
            schema,
            definitions,
            fastcgi: None,
        }
    }

    #[test]
    fn candidates_are_the_platforms_left_open_and_ia64_only_where_a_drive_can_tell_it() {
        use Platform::{Ia64, X64, X86};
        let c = |set, with_drive| model(set, Source::Metabase).candidates(with_drive);
        assert_eq!(c(Platforms::ANY, false), [X86, X64]);
        assert_eq!(c(Platforms::ANY, true), [X86, X64, Ia64]);
        assert_eq!(c(Platforms::WIN64, false), [X64]);
        assert_eq!(c(Platforms::WIN64, true), [X64, Ia64]);
        assert_eq!(c(Platforms::only(Ia64), false), [Ia64]);
        assert_eq!(c(Platforms::only(X86), true), [X86]);
    }

    #[test]
    fn the_summary_says_each_fact_and_where_it_came_from() {
        // Nothing known: each fact says it is assumed, and how to tell mblint.
        let mb = metabase(&script_maps(&[r"C:\PHP\FCGIEXT.DLL"]));
        let mut m = model(Platforms::ANY, Source::Default);
        m.fastcgi = decide_fastcgi(&IsapiSet::of(&mb), None);
        assert_eq!(
            m.summary(),
            r"platform unknown (declare it with --platform), IIS 5.0 isolation mode (IIs5IsolationModeEnabled is not set), Windows in C:\WINDOWS (assumed), IIS 6.0's built-in schema, FastCGI: fcgiext.ini not checked (a script map names fcgiext.dll and no drive copy is given: its fcgiext.ini is not read, and MB403 checks nothing)"
        );
        // Each fact from its source.
        let mb = metabase(
            "<IIsWebService Location =\"/LM/W3SVC\"\n\t\tIIs5IsolationModeEnabled=\"FALSE\"\n\t>\n</IIsWebService>\n",
        );
        let mut m = model(Platforms::WIN64, Source::Metabase);
        m.isolation = decide_isolation(&mb, &ServerConfig::of(&mb));
        m.windir = decide_windir(vec![winpath::parse(r"D:\WINDOWS").unwrap()], vec![]);
        m.schema.value = SchemaSource::Drive;
        m.fastcgi = Some(Fact {
            value: FastCgiConfig::Read,
            source: Source::Drive,
            evidence: vec![clue(Source::Drive, "a"), clue(Source::Drive, "b")],
            conflict: None,
        });
        assert_eq!(
            m.summary(),
            r"64-bit Windows (x64 or IA64) (inferred from the metabase), worker process isolation mode, Windows in D:\WINDOWS (read from the drive), the drive's MBSchema.xml with IIS 6.0's, FastCGI: fcgiext.ini read from the drive (a clue; b clue)"
        );
        let m = model(Platforms::only(Platform::X64), Source::Declared);
        assert!(m.summary().starts_with("x64 Windows (declared), "), "{}", m.summary());
    }

    #[test]
    fn fastcgi_is_said_only_when_a_script_map_names_fcgiext() {
        use crate::resolve::fastcgi::{FastCgi, Ini, IniEncoding, IniFile, IniState, Scope, TypeMapping};
        let mapped = metabase(&script_maps(&[
            r"C:\WINDOWS\system32\inetsrv\asp.dll",
            r"C:\PHP\FcgiExt.dll ",
        ]));
        let mapped = IsapiSet::of(&mapped);
        let unmapped = metabase(&script_maps(&[r"C:\WINDOWS\system32\inetsrv\asp.dll"]));
        let unmapped = IsapiSet::of(&unmapped);
        // No drive: nothing read, and said so only where it matters.
        let f = decide_fastcgi(&mapped, None).expect("mapped");
        assert_eq!((f.value, f.source), (FastCgiConfig::NotChecked, Source::Default));
        assert_eq!(decide_fastcgi(&unmapped, None), None);
        // fcgiext.dll loaded as a filter, beside a script map of another DLL: no script map names
        // it, so nothing is said (the set's paths name it; its script-map entries do not).
        let filter = metabase(&format!(
            "<IIsFilters Location =\"/LM/W3SVC/Filters\"\n\t\tFilterLoadOrder=\"fcgi\"\n\t>\n</IIsFilters>\n<IIsFilter Location =\"/LM/W3SVC/Filters/fcgi\"\n\t\tFilterPath=\"C:\\PHP\\fcgiext.dll\"\n\t>\n</IIsFilter>\n{}",
            script_maps(&[r"C:\WINDOWS\system32\inetsrv\asp.dll"])
        ));
        let filter = IsapiSet::of(&filter);
        assert!(
            filter
                .entries
                .iter()
                .any(|e| e.role.is_filter() && e.path.ends_with("fcgiext.dll"))
        );
        assert_eq!(decide_fastcgi(&filter, None), None);
        // A drive where no script map's DLL is an fcgiext.dll: nothing to say.
        assert_eq!(decide_fastcgi(&unmapped, Some(&FastCgi::default())), None);
        // Each ini file is a clue: read (with its mappings), missing, or unread.
        let path = |s: &str| winpath::parse(s).unwrap();
        let ini = |p: &str, state| IniFile {
            path: path(p),
            dll: path(r"C:\PHP\fcgiext.dll"),
            redirected: false,
            state,
        };
        let read = |n: usize| IniState::Read {
            file: "fcgiext.ini".into(),
            ini: Ini {
                encoding: IniEncoding::Ansi,
                sections: vec![],
            },
            types: (0..n)
                .map(|i| TypeMapping {
                    extension: format!("e{i}"),
                    scope: Scope::All,
                    application: "PHP".into(),
                    line: 2,
                })
                .collect(),
            exes: Default::default(),
        };
        let fastcgi = |inis| FastCgi { inis, of_entry: vec![] };
        let said = |f: Fact<FastCgiConfig>| {
            let details: Vec<String> = f.evidence.iter().map(|c| c.detail.clone()).collect();
            (f.value, f.source, details)
        };
        let all = fastcgi(vec![
            ini(r"C:\PHP\fcgiext.ini", read(1)),
            ini(r"D:\PHP\fcgiext.ini", read(2)),
            ini(r"E:\PHP\fcgiext.ini", IniState::Missing { missing: "PHP".into() }),
        ]);
        assert_eq!(
            said(decide_fastcgi(&mapped, Some(&all)).expect("read")),
            (
                FastCgiConfig::Read,
                Source::Drive,
                vec![
                    r"C:\PHP\fcgiext.ini: read, 1 [Types] mapping".to_string(),
                    r"D:\PHP\fcgiext.ini: read, 2 [Types] mappings".to_string(),
                    r"E:\PHP\fcgiext.ini: not on the drive".to_string(),
                ]
            )
        );
        let torn = fastcgi(vec![
            ini(
                r"C:\PHP\fcgiext.ini",
                IniState::Unread {
                    file: "fcgiext.ini".into(),
                    reason: "a folder".into(),
                },
            ),
            ini(r"D:\PHP\fcgiext.ini", read(0)),
        ]);
        assert_eq!(
            said(decide_fastcgi(&mapped, Some(&torn)).expect("read")),
            (
                FastCgiConfig::NotChecked,
                Source::Drive,
                vec![
                    r"C:\PHP\fcgiext.ini: could not be read (an input not checked)".to_string(),
                    r"D:\PHP\fcgiext.ini: read, 0 [Types] mappings".to_string(),
                ]
            )
        );
    }
}
