//! Keeps the source layout the way ARCHITECTURE.md describes it: modules form one direction
//! (a module uses only those in lower tiers), and no source file grows past 600 lines without
//! its tests. Reads `src/` as text, so it needs nothing built and fails with the offending
//! file and line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

/// The tiers, lowest first. A module may use its own items and those of lower tiers only;
/// modules sharing a tier may not use each other.
const TIERS: &[&[&str]] = &[
    &["domain"],
    &["phonebook", "config"],
    &["db"],
    &["ari", "omm"],
    &["calls"],
    &["service", "asterisk_conf"],
    &["web"],
    &["ldap"],
    &["app"],
    &["main"],
];

/// The longest a source file may be, not counting its `#[cfg(test)]` module.
const MAX_LINES: usize = 600;

fn tier(module: &str) -> Option<usize> {
    TIERS.iter().position(|t| t.contains(&module))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/db/users.rs` is `db`, `src/app.rs` is `app`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src");
    let first = rel.components().next().expect("non-empty path");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The file's lines up to its test module (which may use anything).
fn production_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

/// Top-level modules a line refers to through `crate::` (or `eventpbx::` in the binary),
/// comments left out.
fn referenced_modules(line: &str, prefix: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    // `use crate::{a, b::c}` names several modules at once.
    if let Some(group) = code.split(&format!("{prefix}{{")).nth(1) {
        for part in group.split(',') {
            let name: String = part
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn modules_use_only_lower_tiers() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let Some(own) = tier(&module) else {
            violations.push(format!(
                "{}: module `{module}` has no tier in tests/layout.rs",
                file.display()
            ));
            continue;
        };
        let prefix = if module == "main" {
            "eventpbx::"
        } else {
            "crate::"
        };
        let text = fs::read_to_string(file).expect("readable source");
        for (n, line) in production_lines(&text).iter().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in referenced_modules(line, prefix) {
                if used == module {
                    continue;
                }
                match tier(&used) {
                    Some(t) if t < own => {}
                    Some(_) => violations.push(format!(
                        "{}:{}: `{module}` uses `{used}`, which is not below it",
                        file.display(),
                        n + 1
                    )),
                    // Not a module of ours (e.g. a macro path); nothing to order.
                    None => {}
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "module order broken (see ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

#[test]
fn source_files_stay_short() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = fs::read_to_string(file).expect("readable source");
            let n = production_lines(&text).len();
            (n > MAX_LINES).then(|| format!("{}: {n} lines", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "source files over {MAX_LINES} lines without their tests:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_should() {
    // The parser itself: a check that finds nothing must be because there is nothing.
    assert_eq!(
        referenced_modules("use crate::db::users;", "crate::"),
        ["db"]
    );
    assert_eq!(
        referenced_modules("use crate::{config::Settings, domain::Number};", "crate::"),
        ["config", "domain"]
    );
    assert!(referenced_modules("// crate::web", "crate::").is_empty());
    assert!(referenced_modules("let x = mycrate::web::f();", "crate::").is_empty());
    let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n use crate::web;\n}\n";
    assert_eq!(production_lines(text), ["fn a() {}"]);
    assert_eq!(
        module_of(Path::new("/s"), Path::new("/s/db/users.rs")),
        "db"
    );
    assert_eq!(module_of(Path::new("/s"), Path::new("/s/app.rs")), "app");
}
