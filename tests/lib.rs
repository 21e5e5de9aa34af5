//! Shared helpers of the data-driven tests: where the repository is, which fixtures
//! exist and what they expect.

use drove_compiler::diag::Diagnostic;
use drove_compiler::source::Sources;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Every file under `dir` (recursively) whose name ends with `ext`, sorted.
pub fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// `tests/fixtures/ok/**/*.drove` or `…/err/**/*.drove`.
pub fn fixtures(kind: &str) -> Vec<PathBuf> {
    files_under(&repo_root().join("tests/fixtures").join(kind), "drove")
}

/// The stack directories under `examples/`, at any depth (`examples/platform/app`).
pub fn examples() -> Vec<PathBuf> {
    drove_compiler::repo::stack_dirs(&repo_root().join("examples"))
}

/// A stack directory's name for snapshots: its path under `examples/`, `-`-joined.
pub fn example_name(dir: &Path) -> String {
    let rel = dir.strip_prefix(repo_root().join("examples")).unwrap_or(dir);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("-")
}

/// The path as shown in diagnostics and snapshots: relative to the repository, `/`-separated.
pub fn display_path(path: &Path) -> String {
    let rel = path.strip_prefix(repo_root()).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Loads a file or a stack directory with repository-relative paths, so rendered output
/// does not depend on where the repository is checked out. The checker reads the files a
/// stack names (`file("…")`) relative to those paths, so the process works from the
/// repository's root: every test of this crate wants the same directory.
pub fn load(path: &Path) -> Sources {
    std::env::set_current_dir(repo_root()).unwrap_or_else(|e| panic!("cd {}: {e}", repo_root().display()));
    let loaded = drove_compiler::source::load(path).unwrap_or_else(|e| panic!("{e}"));
    let mut sources = Sources::default();
    for f in loaded.files {
        sources.add(display_path(&f.path), f.text);
    }
    sources
}

/// The codes named by a fixture's first line, `# expect: E0101, W0003`.
pub fn expected_codes(text: &str) -> Option<BTreeSet<String>> {
    let first = text.lines().next()?;
    let list = first.strip_prefix('#')?.trim().strip_prefix("expect:")?;
    Some(list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
}

/// Every diagnostic the front end reports for a stack: what `drove check` reports.
pub fn diagnostics(sources: &Sources) -> Vec<Diagnostic> {
    drove_compiler::analysis::analyze(sources).diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_lines_name_a_set_of_codes() {
        let codes = expected_codes("# expect: E0101, W0003,E0101\nstack x {}\n").unwrap();
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["E0101", "W0003"]);
        assert_eq!(expected_codes("stack x {}\n"), None);
    }
}
