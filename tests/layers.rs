//! The pipeline reads top to bottom: every module uses only modules before it in `ORDER` (the order
//! `src/lib.rs` and docs/development.md's layout give). A `crate::` path pointing forward fails here.

const ORDER: &[&str] = &[
    "bitness",
    "platform",
    "winpath",
    "metabase",
    "diagnostic",
    "fix",
    "resolve",
    "host",
    "rules",
    "config",
    "lint",
    "fixer",
    "compare",
    "baseline",
    "history",
    "report",
    "cli",
];

fn rank(module: &str) -> Option<usize> {
    ORDER.iter().position(|m| *m == module)
}

#[test]
fn no_module_uses_a_later_one() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut wrong = Vec::new();
    let mut seen = 0;
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = top.trim_end_matches(".rs");
        let Some(own) = rank(module) else {
            assert!(
                ["lib", "main"].contains(&module),
                "{} is in no layer: add its module to ORDER here, to src/lib.rs and to docs/development.md's layout",
                relative.display()
            );
            continue;
        };
        seen += 1;
        let text = std::fs::read_to_string(&file).unwrap();
        // A file's inline test modules (`#[cfg(test)]` then `mod NAME {`, at its end: clippy's
        // items_after_test_module, denied in CI, keeps code from following them) build what they
        // test from any layer (a unit test of a rule lints a whole metabase for its context).
        let lines: Vec<&str> = text.lines().collect();
        let code_ends = (0..lines.len())
            .find(|&i| {
                lines[i].trim() == "#[cfg(test)]"
                    && lines.get(i + 1).is_some_and(|next| {
                        let next = next.trim_start();
                        ["mod ", "pub mod ", "pub(crate) mod "]
                            .iter()
                            .any(|m| next.starts_with(m))
                            && next.trim_end().ends_with('{')
                    })
            })
            .unwrap_or(lines.len());
        for (n, line) in lines[..code_ends].iter().enumerate() {
            // Doc comments may point anywhere; code may not.
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let used: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(r) = rank(&used)
                    && r > own
                {
                    wrong.push(format!("{}:{}: {module} uses {used}", relative.display(), n + 1));
                }
            }
        }
    }
    assert!(seen > 50, "only {seen} source files were checked");
    assert!(
        wrong.is_empty(),
        "arrows pointing back up the pipeline:\n{}",
        wrong.join("\n")
    );
}
