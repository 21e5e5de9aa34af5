//! Keeps the diagnostic codes honest: every code the sources use has a page that
//! `drove explain` prints, and every front-end code has an error fixture that produces it.

use drove_compiler::codes;
use drove_tests::{display_path, expected_codes, files_under, fixtures, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files whose code literals are examples, not codes a check reports.
const NOT_CHECKS: [&str; 2] = ["compiler/src/render.rs", "compiler/src/codes.rs"];

/// Every `"E0123"` / `"W0123"` string literal in the Rust files under `dir`, with where it is.
fn code_literals(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    for path in files_under(dir, "rs") {
        if NOT_CHECKS.contains(&display_path(&path).as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let bytes = text.as_bytes();
        for (i, window) in bytes.windows(7).enumerate() {
            let is_code = window[0] == b'"'
                && window[6] == b'"'
                && matches!(window[1], b'E' | b'W')
                && window[2..6].iter().all(u8::is_ascii_digit);
            if is_code {
                found.entry(text[i + 1..i + 6].to_string()).or_insert_with(|| path.clone());
            }
        }
    }
    found
}

/// The `src/` directories of the workspace's crates (engine and server codes need pages too).
fn crate_sources() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root())
        .map(|rd| rd.flatten().map(|e| e.path().join("src")).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[test]
fn every_code_in_the_sources_has_a_page() {
    let mut missing = Vec::new();
    for dir in crate_sources() {
        for (code, path) in code_literals(&dir) {
            if codes::explain(&code).is_none() {
                missing.push(format!("{code} (used in {}): add docs/codes/{code}.md", display_path(&path)));
            }
        }
    }
    assert!(missing.is_empty(), "codes without a page:\n{}", missing.join("\n"));
}

#[test]
fn every_front_end_code_has_an_error_fixture() {
    let named: BTreeSet<String> = fixtures("err")
        .iter()
        .filter_map(|p| expected_codes(&std::fs::read_to_string(p).unwrap_or_default()))
        .flatten()
        .collect();
    let missing: Vec<String> = code_literals(&repo_root().join("compiler/src"))
        .into_iter()
        .filter(|(code, _)| !named.contains(code))
        .map(|(code, path)| {
            format!("{code} (used in {}): add tests/fixtures/err/<area>/{code}-<slug>.drove", display_path(&path))
        })
        .collect();
    assert!(missing.is_empty(), "codes no error fixture expects:\n{}", missing.join("\n"));
}

#[test]
fn the_scan_finds_code_literals() {
    let dir = std::env::temp_dir().join(format!("drove-code-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.rs"), "Diagnostic::new(\"E0101\", f, s, \"m\"); let x = \"E01\"; \"W0030\"").unwrap();
    let found: Vec<String> = code_literals(&dir).into_keys().collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, ["E0101", "W0030"]);
}

#[test]
fn every_page_is_titled_with_its_code() {
    let on_disk = files_under(&repo_root().join("docs/codes"), "md");
    assert_eq!(on_disk.len(), codes::all().len(), "every docs/codes page is embedded");
    for (code, page) in codes::all() {
        assert!(page.starts_with(&format!("# {code}: ")), "docs/codes/{code}.md must start with `# {code}: <title>`");
    }
}
