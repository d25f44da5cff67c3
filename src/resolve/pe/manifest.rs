//! Side-by-side manifests: the one a DLL embeds (its dependent assemblies), and the files Windows
//! keeps in `Windows\WinSxS\Manifests` (an assembly's identity and the DLLs it holds) and
//! `Windows\WinSxS\Policies` (publisher configuration: version redirects). One reader serves all
//! three, as they share one schema: `<assembly>` holding an `<assemblyIdentity>`, `<file name=>`
//! entries, and `<dependency><dependentAssembly><assemblyIdentity/>` entries, each with optional
//! `<bindingRedirect oldVersion= newVersion=>` (Assembly Manifests, Application Manifests and
//! Publisher Configuration Files: <https://learn.microsoft.com/windows/win32/sbscs/assembly-manifests>,
//! <https://learn.microsoft.com/windows/win32/sbscs/application-manifests>,
//! <https://learn.microsoft.com/windows/win32/sbscs/publisher-configuration-files>).
//!
//! The text comes from a drive copy or an image: the read is bounded (size, depth, counts),
//! elements are matched by local name whatever their namespace prefix, a UTF-8 byte-order mark is
//! skipped, and no entity is ever expanded: a DOCTYPE is refused, and attribute values resolve
//! only XML's predefined entities and character references.

use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde::Serialize;

/// The largest manifest read, in bytes of text. Real ones are a few kilobytes.
pub const MAX_MANIFEST_TEXT: usize = 1 << 20;
/// The deepest element nesting read.
const MAX_DEPTH: usize = 64;
/// The most dependencies, files and redirects read from one manifest.
const MAX_ENTRIES: usize = 4096;

/// An assembly's identity: what a dependency names and what a WinSxS manifest declares. The loader
/// matches a dependency with an installed assembly on name, version, processorArchitecture and
/// publicKeyToken (and language and type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssemblyIdentity {
    /// `type`: `win32`, or `win32-policy` in a policy file.
    #[serde(rename = "type")]
    pub kind: Option<Box<str>>,
    pub name: Box<str>,
    pub version: Option<Box<str>>,
    pub processor_architecture: Option<Box<str>>,
    pub public_key_token: Option<Box<str>>,
    pub language: Option<Box<str>>,
}

impl AssemblyIdentity {
    /// The version as four numbers, if it is written as four.
    pub fn version_parts(&self) -> Option<[u16; 4]> {
        parse_version(self.version.as_deref()?)
    }
}

/// `Microsoft.VC80.CRT 8.0.50727.762 x86 1fc8b3b9a1e18e3b`: name, then what else it states.
impl fmt::Display for AssemblyIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for part in [
            &self.version,
            &self.processor_architecture,
            &self.public_key_token,
            &self.language,
        ]
        .into_iter()
        .flatten()
        {
            write!(f, " {part}")?;
        }
        Ok(())
    }
}

/// `a.b.c.d`, each part a 16-bit number, as assembly versions are written.
pub fn parse_version(text: &str) -> Option<[u16; 4]> {
    let mut parts = [0u16; 4];
    let mut split = text.split('.');
    for part in &mut parts {
        let piece = split.next()?;
        if piece.is_empty() || !piece.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *part = piece.parse().ok()?;
    }
    split.next().is_none().then_some(parts)
}

/// A publisher policy's redirect: versions in `old_version` (one, or `low-high`) load `new_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingRedirect {
    pub old_version: Box<str>,
    pub new_version: Box<str>,
}

impl BindingRedirect {
    /// The redirected range, both ends included.
    pub fn old_range(&self) -> Option<([u16; 4], [u16; 4])> {
        match self.old_version.split_once('-') {
            Some((low, high)) => Some((parse_version(low)?, parse_version(high)?)),
            None => parse_version(&self.old_version).map(|v| (v, v)),
        }
    }

    /// Whether `version` is one this redirect sends to `new_version`.
    pub fn redirects(&self, version: [u16; 4]) -> bool {
        self.old_range()
            .is_some_and(|(low, high)| low <= version && version <= high)
    }
}

/// One `<dependentAssembly>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependentAssembly {
    pub identity: AssemblyIdentity,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binding_redirects: Vec<BindingRedirect>,
}

/// What a manifest says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssemblyManifest {
    /// The `<assemblyIdentity>` directly under `<assembly>`: a WinSxS manifest's or policy's own;
    /// a DLL's embedded manifest usually has none.
    pub identity: Option<AssemblyIdentity>,
    pub dependencies: Vec<DependentAssembly>,
    /// The `name` of every `<file>` directly under `<assembly>`: the DLLs an assembly holds.
    pub files: Vec<Box<str>>,
}

/// Why a manifest could not be read, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ManifestError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ManifestError {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> ManifestError {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        ManifestError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Where an element sits, as far as the reader cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Assembly,
    Dependency,
    DependentAssembly,
    /// Anything else: read past.
    Other,
}

/// The unprefixed attributes of an element, unescaped. `asmv2:hash` and the like are skipped.
fn attributes<'a>(
    text: &str,
    offset: usize,
    element: &'a BytesStart<'a>,
) -> Result<Vec<(&'a str, String)>, ManifestError> {
    let mut out = Vec::new();
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| ManifestError::at(text, offset, format!("bad attribute: {e}")))?;
        if attribute.key.prefix().is_some() {
            continue;
        }
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| ManifestError::at(text, offset, format!("bad attribute value: {e}")))?;
        out.push((attribute.key.into_inner(), value.into_owned()));
    }
    Ok(out)
}

fn identity(text: &str, offset: usize, element: &BytesStart<'_>) -> Result<AssemblyIdentity, ManifestError> {
    let mut id = AssemblyIdentity {
        kind: None,
        name: "".into(),
        version: None,
        processor_architecture: None,
        public_key_token: None,
        language: None,
    };
    let mut name = None;
    for (key, value) in attributes(text, offset, element)? {
        let value = Some(value.into_boxed_str());
        match key {
            "type" => id.kind = value,
            "name" => name = value,
            "version" => id.version = value,
            "processorArchitecture" => id.processor_architecture = value,
            "publicKeyToken" => id.public_key_token = value,
            "language" => id.language = value,
            _ => {}
        }
    }
    id.name = name.ok_or_else(|| ManifestError::at(text, offset, "an assemblyIdentity without a name"))?;
    Ok(id)
}

/// Reads a manifest, a WinSxS assembly manifest or a publisher policy file.
pub fn parse_assembly_manifest(text: &str) -> Result<AssemblyManifest, ManifestError> {
    if text.len() > MAX_MANIFEST_TEXT {
        return Err(ManifestError::at(
            text,
            0,
            format!(
                "the manifest is {} bytes; mblint reads at most {MAX_MANIFEST_TEXT}",
                text.len()
            ),
        ));
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut reader = Reader::from_str(&text[bom..]);
    // Text is read (and ignored) rather than trimmed, so that the position before an element's
    // event is its `<`, where errors point.
    reader.config_mut().trim_text(false);
    let mut manifest = AssemblyManifest::default();
    let mut stack: Vec<Place> = Vec::new();
    let mut seen_root = false;
    // The dependentAssembly being read: its identity and redirects.
    let mut dependent: Option<(Option<AssemblyIdentity>, Vec<BindingRedirect>)> = None;
    loop {
        let offset = bom + reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            ManifestError::at(
                text,
                bom + reader.error_position() as usize,
                format!("not well-formed XML: {e}"),
            )
        })?;
        let (element, empty) = match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(ManifestError::at(
                    text,
                    offset,
                    "a DOCTYPE: manifests have none, and mblint expands no entities",
                ));
            }
            Event::End(_) => {
                if stack.pop() == Some(Place::DependentAssembly) {
                    close_dependent(text, offset, &mut dependent, &mut manifest)?;
                }
                continue;
            }
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            _ => continue,
        };
        if stack.len() >= MAX_DEPTH {
            return Err(ManifestError::at(
                text,
                offset,
                format!("elements nested deeper than {MAX_DEPTH}"),
            ));
        }
        let local = element.local_name();
        let local = local.as_ref();
        let parent = stack.last().copied();
        let place = match (parent, local) {
            (None, "assembly") if !seen_root => {
                seen_root = true;
                Place::Assembly
            }
            (None, _) if seen_root => {
                return Err(ManifestError::at(text, offset, "a second root element"));
            }
            (None, _) => {
                return Err(ManifestError::at(
                    text,
                    offset,
                    format!("the root element is <{}>, not <assembly>", element.name().as_ref()),
                ));
            }
            (Some(Place::Assembly), "assemblyIdentity") => {
                if manifest.identity.is_some() {
                    return Err(ManifestError::at(
                        text,
                        offset,
                        "a second assemblyIdentity of the assembly",
                    ));
                }
                manifest.identity = Some(identity(text, offset, &element)?);
                Place::Other
            }
            (Some(Place::Assembly), "file") => {
                let name = attributes(text, offset, &element)?
                    .into_iter()
                    .find_map(|(key, value)| (key == "name").then_some(value))
                    .ok_or_else(|| ManifestError::at(text, offset, "a file without a name"))?;
                if manifest.files.len() == MAX_ENTRIES {
                    return Err(ManifestError::at(
                        text,
                        offset,
                        format!("more than {MAX_ENTRIES} files"),
                    ));
                }
                manifest.files.push(name.into_boxed_str());
                Place::Other
            }
            (Some(Place::Assembly), "dependency") => Place::Dependency,
            (Some(Place::Dependency), "dependentAssembly") => {
                dependent = Some((None, Vec::new()));
                Place::DependentAssembly
            }
            (Some(Place::DependentAssembly), "assemblyIdentity") => {
                let id = identity(text, offset, &element)?;
                if let Some((slot, _)) = dependent.as_mut() {
                    if slot.is_some() {
                        return Err(ManifestError::at(
                            text,
                            offset,
                            "a second assemblyIdentity in one dependentAssembly",
                        ));
                    }
                    *slot = Some(id);
                }
                Place::Other
            }
            (Some(Place::DependentAssembly), "bindingRedirect") => {
                let mut old_version = None;
                let mut new_version = None;
                for (key, value) in attributes(text, offset, &element)? {
                    match key {
                        "oldVersion" => old_version = Some(value.into_boxed_str()),
                        "newVersion" => new_version = Some(value.into_boxed_str()),
                        _ => {}
                    }
                }
                let (Some(old_version), Some(new_version)) = (old_version, new_version) else {
                    return Err(ManifestError::at(
                        text,
                        offset,
                        "a bindingRedirect without oldVersion and newVersion",
                    ));
                };
                if let Some((_, redirects)) = dependent.as_mut() {
                    if redirects.len() == MAX_ENTRIES {
                        return Err(ManifestError::at(
                            text,
                            offset,
                            format!("more than {MAX_ENTRIES} binding redirects"),
                        ));
                    }
                    redirects.push(BindingRedirect {
                        old_version,
                        new_version,
                    });
                }
                Place::Other
            }
            _ => Place::Other,
        };
        if empty {
            if place == Place::DependentAssembly {
                close_dependent(text, offset, &mut dependent, &mut manifest)?;
            }
        } else {
            stack.push(place);
        }
    }
    if !seen_root {
        return Err(ManifestError::at(text, text.len(), "no <assembly> element"));
    }
    if !stack.is_empty() {
        return Err(ManifestError::at(text, text.len(), "the text ends inside an element"));
    }
    Ok(manifest)
}

/// Ends a `<dependentAssembly>`: it must have named what it depends on.
fn close_dependent(
    text: &str,
    offset: usize,
    dependent: &mut Option<(Option<AssemblyIdentity>, Vec<BindingRedirect>)>,
    manifest: &mut AssemblyManifest,
) -> Result<(), ManifestError> {
    let Some((identity, binding_redirects)) = dependent.take() else {
        return Ok(());
    };
    let identity =
        identity.ok_or_else(|| ManifestError::at(text, offset, "a dependentAssembly without an assemblyIdentity"))?;
    if manifest.dependencies.len() == MAX_ENTRIES {
        return Err(ManifestError::at(
            text,
            offset,
            format!("more than {MAX_ENTRIES} dependencies"),
        ));
    }
    manifest.dependencies.push(DependentAssembly {
        identity,
        binding_redirects,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn winsxs(path: &str) -> String {
        std::fs::read_to_string(format!("{}/testdata/images/winsxs/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn vc80_crt(arch: &str) -> AssemblyIdentity {
        AssemblyIdentity {
            kind: Some("win32".into()),
            name: "Microsoft.VC80.CRT".into(),
            version: Some("8.0.50727.762".into()),
            processor_architecture: Some(arch.into()),
            public_key_token: Some("1fc8b3b9a1e18e3b".into()),
            language: None,
        }
    }

    const EMBEDDED: &str = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n\
        <assembly xmlns='urn:schemas-microsoft-com:asm.v1' manifestVersion='1.0'>\n\
          <dependency>\n    <dependentAssembly>\n\
              <assemblyIdentity type='win32' name='Microsoft.VC80.CRT' version='8.0.50727.762' \
                processorArchitecture='x86' publicKeyToken='1fc8b3b9a1e18e3b' />\n\
            </dependentAssembly>\n  </dependency>\n</assembly>\n";

    #[test]
    fn an_embedded_manifest_names_its_dependencies() {
        let m = parse_assembly_manifest(EMBEDDED).unwrap();
        assert_eq!(m.identity, None);
        assert_eq!(
            m.dependencies,
            [DependentAssembly {
                identity: vc80_crt("x86"),
                binding_redirects: vec![]
            }]
        );
        assert_eq!(
            m.dependencies[0].identity.to_string(),
            "Microsoft.VC80.CRT 8.0.50727.762 x86 1fc8b3b9a1e18e3b"
        );
        assert_eq!(m.dependencies[0].identity.version_parts(), Some([8, 0, 50727, 762]));
    }

    #[test]
    fn a_winsxs_assembly_manifest_declares_itself_and_its_files() {
        for (arch, file) in [
            (
                "x86",
                "x86_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_6b128700.manifest",
            ),
            (
                "amd64",
                "amd64_Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_8.0.50727.762_x-ww_9d1c6ce0.manifest",
            ),
        ] {
            let m = parse_assembly_manifest(&winsxs(&format!("Manifests/{file}"))).unwrap();
            assert_eq!(m.identity, Some(vc80_crt(arch)));
            assert_eq!(
                m.files,
                ["msvcr80.dll".into(), "msvcp80.dll".into(), "msvcm80.dll".into()] as [Box<str>; 3]
            );
            assert!(m.dependencies.is_empty());
        }
    }

    #[test]
    fn a_publisher_policy_redirects_versions() {
        let m = parse_assembly_manifest(&winsxs(
            "Policies/x86_policy.8.0.Microsoft.VC80.CRT_1fc8b3b9a1e18e3b_x-ww_77c24773/8.0.50727.762.policy",
        ))
        .unwrap();
        let id = m.identity.unwrap();
        assert_eq!(
            (id.kind.as_deref(), &*id.name),
            (Some("win32-policy"), "policy.8.0.Microsoft.VC80.CRT")
        );
        let [dep] = m.dependencies.as_slice() else {
            panic!("{:?}", m.dependencies)
        };
        assert_eq!(dep.identity.version, None);
        assert_eq!(dep.binding_redirects.len(), 2);
        let redirected = |v| dep.binding_redirects.iter().any(|r| r.redirects(v));
        assert!(redirected([8, 0, 50727, 42]));
        assert!(redirected([8, 0, 50608, 0]));
        assert!(redirected([8, 0, 41204, 256]));
        assert!(!redirected([8, 0, 41204, 255]));
        assert!(!redirected([8, 0, 50727, 763]));
        assert_eq!(
            dep.binding_redirects[1].old_range(),
            Some(([8, 0, 50727, 42], [8, 0, 50727, 762]))
        );
        assert_eq!(&*dep.binding_redirects[1].new_version, "8.0.50727.762");
    }

    #[test]
    fn bom_namespaces_prefixes_and_escapes_are_tolerated() {
        let text = "\u{feff}<?xml version=\"1.0\"?>\r\n\
            <asmv1:assembly xmlns:asmv1=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">\r\n\
            <!-- a comment -->\r\n\
            <asmv1:dependency><asmv1:dependentAssembly>\r\n\
            <asmv1:assemblyIdentity type=\"win32\" name=\"A&amp;B&#x2E;C\" version=\"1.0.0.0\" \
               processorArchitecture=\"*\" language=\"*\" asmv2:name=\"ignored\" xmlns:asmv2=\"urn:x\"/>\r\n\
            </asmv1:dependentAssembly></asmv1:dependency>\r\n\
            <trustInfo xmlns=\"urn:schemas-microsoft-com:asm.v3\"><security/></trustInfo>\r\n\
            </asmv1:assembly>";
        let m = parse_assembly_manifest(text).unwrap();
        let id = &m.dependencies[0].identity;
        assert_eq!(&*id.name, "A&B.C");
        assert_eq!(
            (id.processor_architecture.as_deref(), id.language.as_deref()),
            (Some("*"), Some("*"))
        );
        assert_eq!(id.public_key_token, None);
    }

    #[test]
    fn entities_are_never_expanded() {
        let doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE assembly [<!ENTITY x \"Microsoft.VC80.CRT\">]>\n\
            <assembly><dependency><dependentAssembly><assemblyIdentity name=\"&x;\"/>\
            </dependentAssembly></dependency></assembly>";
        let e = parse_assembly_manifest(doctype).unwrap_err();
        assert!(e.message.contains("DOCTYPE"), "{e}");
        assert_eq!((e.line, e.column), (2, 1));
        // Without the DOCTYPE, the reference is an unknown entity: an error, not a name.
        let reference = "<assembly><dependency><dependentAssembly><assemblyIdentity name=\"&x;\"/>\
            </dependentAssembly></dependency></assembly>";
        let e = parse_assembly_manifest(reference).unwrap_err();
        assert!(e.message.contains("bad attribute value"), "{e}");
    }

    #[test]
    fn malformed_manifests_say_what_and_where() {
        let cases = [
            ("<assemblyX/>", "not <assembly>", 1, 1),
            ("", "no <assembly> element", 1, 1),
            ("<assembly>\n  <dependency>\n", "ends inside", 3, 1),
            ("<assembly></assembly><assembly/>", "a second root element", 1, 22),
            (
                "<assembly>\n<dependency><dependentAssembly/></dependency></assembly>",
                "without an assemblyIdentity",
                2,
                13,
            ),
            (
                "<assembly>\n<dependency><dependentAssembly><assemblyIdentity version=\"1.0.0.0\"/>\
                 </dependentAssembly></dependency></assembly>",
                "without a name",
                2,
                32,
            ),
            (
                "<assembly><dependency><dependentAssembly><assemblyIdentity name=\"a\"/>\
                 <assemblyIdentity name=\"b\"/></dependentAssembly></dependency></assembly>",
                "a second assemblyIdentity",
                1,
                70,
            ),
            (
                "<assembly><dependency><dependentAssembly><assemblyIdentity name=\"a\"/>\
                 <bindingRedirect oldVersion=\"1.0.0.0\"/></dependentAssembly></dependency></assembly>",
                "without oldVersion and newVersion",
                1,
                70,
            ),
            ("<assembly><file/></assembly>", "a file without a name", 1, 11),
            ("<assembly><a></b></assembly>", "not well-formed", 1, 14),
            (
                "<assembly><assemblyIdentity name=\"a\" name=\"b\"/></assembly>",
                "bad attribute",
                1,
                11,
            ),
        ];
        for (text, message, line, column) in cases {
            let e = parse_assembly_manifest(text).unwrap_err();
            assert!(e.message.contains(message), "{text}: {e}");
            assert_eq!((e.line, e.column), (line, column), "{text}: {e}");
        }
    }

    #[test]
    fn reading_is_bounded() {
        let deep = format!("<assembly>{}</assembly>", "<a>".repeat(70) + &"</a>".repeat(70));
        assert!(
            parse_assembly_manifest(&deep)
                .unwrap_err()
                .message
                .contains("deeper than 64")
        );
        let huge = format!("<assembly>{}</assembly>", " ".repeat(MAX_MANIFEST_TEXT));
        assert!(
            parse_assembly_manifest(&huge)
                .unwrap_err()
                .message
                .contains("mblint reads at most")
        );
        let files = format!(
            "<assembly>{}</assembly>",
            "<file name=\"a.dll\"/>".repeat(MAX_ENTRIES + 1)
        );
        assert!(
            parse_assembly_manifest(&files)
                .unwrap_err()
                .message
                .contains("more than 4096 files")
        );
        let deps = format!(
            "<assembly><dependency>{}</dependency></assembly>",
            "<dependentAssembly><assemblyIdentity name=\"a\"/></dependentAssembly>".repeat(MAX_ENTRIES + 1)
        );
        assert!(
            parse_assembly_manifest(&deps)
                .unwrap_err()
                .message
                .contains("more than 4096 dependencies")
        );
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("8.0.50727.762"), Some([8, 0, 50727, 762]));
        for bad in [
            "8.0.50727",
            "8.0.50727.762.1",
            "8.0.70000.1",
            "8..1.2",
            "8.0.x.1",
            " 8.0.1.2",
            "",
        ] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
        let one = BindingRedirect {
            old_version: "1.0.0.0".into(),
            new_version: "1.0.0.1".into(),
        };
        assert!(one.redirects([1, 0, 0, 0]) && !one.redirects([1, 0, 0, 1]));
        let broken = BindingRedirect {
            old_version: "1.0.0.0-x".into(),
            new_version: "1.0.0.1".into(),
        };
        assert_eq!(broken.old_range(), None);
        assert!(!broken.redirects([1, 0, 0, 0]));
    }

    #[test]
    fn a_version_part_with_a_sign_is_no_version() {
        // Rust's `parse` takes a leading `+` ("+8" is 8); an assembly version's parts are digits.
        assert_eq!(parse_version("+8.0.50727.762"), None);
        assert_eq!(parse_version("8.0.50727.+762"), None);
    }

    #[test]
    fn a_manifest_of_exactly_max_manifest_text_bytes_is_read() {
        let text = format!("<assembly>{}</assembly>", " ".repeat(MAX_MANIFEST_TEXT - 21));
        assert_eq!(text.len(), MAX_MANIFEST_TEXT);
        assert_eq!(parse_assembly_manifest(&text), Ok(AssemblyManifest::default()));
    }
}
