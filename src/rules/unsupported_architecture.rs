//! MB103 unsupported-architecture: an image no worker on an x64 server can load, or a managed
//! assembly configured as an ISAPI DLL.

use super::worker_bitness_mismatch::subject;
use super::{Context, EntryImage, FixAvailability, Rule, rule_doc};
use crate::diagnostic::{Evidence, Severity};
use crate::resolve::pe::{Machine, PeFormat};

pub static RULE: Rule = Rule {
    code: "MB103",
    name: "unsupported-architecture",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An ISAPI image no process on the server's platform can load (IA64 on x64, AMD64 on IA64, ARM64), or a managed IL-only assembly",
    doc: rule_doc!("MB103"),
    check: Some(check),
};

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    for EntryImage {
        entry,
        effective,
        file,
        image,
        ..
    } in ctx.entry_images()
    {
        let Ok(info) = image else { continue };
        if !info.is_dll || info.bitness_on(ctx.worker.platform).is_some() {
            continue;
        }
        let problem = match (info.machine, info.format, info.clr) {
            (_, _, Some(clr)) if clr.il_only => format!(
                "is a managed assembly ({}, IL only{}): IIS loads native ISAPI DLLs, and a managed one has no native GetFilterVersion or GetExtensionVersion to call",
                info.format.name(),
                if clr.requires_32bit { ", 32BIT-REQUIRED" } else { "" }
            ),
            (Machine::I386, PeFormat::Pe32Plus, _) | (Machine::Amd64, PeFormat::Pe32, _) => format!(
                "is {}: the machine type and the optional header disagree, and the loader refuses it",
                info.describe()
            ),
            (machine, ..) => format!(
                "is built for {} ({}): {} runs {}",
                machine.name(),
                info.describe(),
                ctx.worker.platform.describe(),
                ctx.worker.platform.runs()
            ),
        };
        let cause = ctx.cause(entry);
        if out.join_same_fix(RULE.code, &cause, None, || ctx.place(entry)) {
            continue;
        }
        out.push(
            RULE.diagnostic(
                entry.span,
                format!(
                    "{} {problem}; loading it fails with Win32 error 193 in every worker bitness",
                    subject(entry)
                ),
            )
            .label(format!("image: {} at {effective}", info.describe()))
            .at(mb, entry.key, Some(entry.attr))
            .cause(cause)
            .help(if ctx.worker.platform.is_64bit() {
                format!(
                    "replace it with the component's {} (or x86) build, or remove the entry",
                    ctx.worker.platform.architecture(crate::bitness::Bitness::Bits64)
                )
            } else {
                "replace it with the component's x86 build, or remove the entry".to_string()
            })
            .evidence(Evidence::Image {
                configured: entry.path.clone(),
                resolved: effective.to_string(),
                file: file.display().to_string(),
                image: info.describe(),
                bitness: None,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    /// `image` with its COFF machine set to `machine` and its CLR header's ILONLY flag cleared: a
    /// mixed-mode assembly (native code beside the IL) built for that machine.
    fn mixed_mode(mut image: Vec<u8>, machine: u16) -> Vec<u8> {
        let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
        let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let pe = u32_at(&image, 0x3c);
        image[pe + 4..pe + 6].copy_from_slice(&machine.to_le_bytes());
        let sections = u16_at(&image, pe + 6);
        let optional = pe + 24;
        assert_eq!(u16_at(&image, optional), 0x10b, "a PE32 image");
        let clr_rva = u32_at(&image, optional + 96 + 14 * 8);
        let table = optional + u16_at(&image, pe + 20);
        let clr = (0..sections)
            .map(|i| table + i * 40)
            .find_map(|s| {
                let (size, va, raw) = (u32_at(&image, s + 8), u32_at(&image, s + 12), u32_at(&image, s + 20));
                (va..va + size).contains(&clr_rva).then(|| clr_rva - va + raw)
            })
            .unwrap();
        assert_eq!(image[clr + 16] & 1, 1, "ILONLY set before");
        image[clr + 16] &= !1;
        image
    }

    /// A mixed-mode assembly is native code: MB103 judges it by its machine like any image, and
    /// does not call it IL only.
    #[test]
    fn a_mixed_mode_assembly_is_judged_by_its_machine() {
        let il = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/images/managed/il-only.dll"
        ))
        .unwrap();
        let image = mixed_mode(il, 0x200);
        let info = crate::resolve::pe::classify(&image).unwrap();
        assert_eq!(info.clr.map(|c| c.il_only), Some(false));
        let dir = tempfile::tempdir().unwrap();
        let inetsrv = dir.path().join("WINDOWS/system32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        std::fs::write(
            inetsrv.join("MetaBase.xml"),
            crate::rules::testing::server(false, "\t\tScriptMaps=\".m,C:\\Acme\\m.dll,1,GET\"\r\n", ""),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("Acme")).unwrap();
        std::fs::write(dir.path().join("Acme/m.dll"), image).unwrap();
        let options = crate::lint::Options {
            platform: Some(crate::platform::Platform::X64),
            ..Default::default()
        };
        let report = crate::lint::lint_path(dir.path(), &options).unwrap();
        let said: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "MB103")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(said.len(), 1, "{:#?}", report.diagnostics);
        assert!(
            said[0].contains("is built for IA64") && !said[0].contains("IL only"),
            "{}",
            said[0]
        );
    }
}
