//! The sources a saved plan was made from, so `drove apply PLANFILE` applies the plan
//! that was reviewed against the source that was reviewed: a commit pushed after the
//! plan, or a file edited in the working tree, is named and the plan refused (E0317)
//! rather than applied under a source that no longer says the same.
//!
//! A stack's sources are its `*.drove` files and the repository files they embed with
//! `file("…")`, each by its path relative to the stack directory. The digest covers
//! the files by name, so a file moved or renamed changes it as an edit does.

use crate::error::{codes, EngineError, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDigest {
    /// `sha256:` over every file's path and digest, in path order.
    pub digest: String,
    /// Path relative to the stack directory → `sha256:` of its bytes.
    pub files: BTreeMap<String, String>,
}

/// One file that differs between the plan's sources and the stack's now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceChange {
    Changed(String),
    Added(String),
    Removed(String),
}

impl std::fmt::Display for SourceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceChange::Changed(p) => write!(f, "{p} (changed)"),
            SourceChange::Added(p) => write!(f, "{p} (added)"),
            SourceChange::Removed(p) => write!(f, "{p} (removed)"),
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    let mut out = String::from("sha256:");
    for b in Sha256::digest(bytes) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl SourceDigest {
    fn of(files: BTreeMap<String, String>) -> SourceDigest {
        let mut listing = String::new();
        for (path, digest) in &files {
            let _ = writeln!(listing, "{path}\0{digest}");
        }
        SourceDigest { digest: sha256(listing.as_bytes()), files }
    }

    /// Reads the stack at `path` (a directory, or one `.drove` file as `drove plan` takes
    /// it) and the files it embeds, named relative to the stack directory. A file that
    /// cannot be read is left out, so it shows as removed against a plan that had it.
    pub fn read(path: &Path, embedded: impl IntoIterator<Item = String>) -> SourceDigest {
        let dir = if path.is_file() { path.parent().unwrap_or(Path::new(".")) } else { path };
        let mut files = BTreeMap::new();
        for name in drove_files(path) {
            if let Ok(bytes) = std::fs::read(dir.join(&name)) {
                files.insert(name, sha256(&bytes));
            }
        }
        for name in embedded {
            if let Ok(bytes) = std::fs::read(dir.join(&name)) {
                files.insert(name, sha256(&bytes));
            }
        }
        SourceDigest::of(files)
    }

    /// The stack's sources now, as the plan named them: its `*.drove` files as they are
    /// and the embedded files the plan recorded. A file a changed source newly embeds
    /// needs no reading: the `.drove` file naming it changed.
    pub fn read_again(&self, path: &Path) -> SourceDigest {
        let embedded = self.files.keys().filter(|p| !is_drove(p)).cloned();
        SourceDigest::read(path, embedded.collect::<Vec<_>>())
    }

    /// What differs from `now`, in path order; empty when the digests agree.
    pub fn changes(&self, now: &SourceDigest) -> Vec<SourceChange> {
        if self.digest == now.digest {
            return Vec::new();
        }
        let paths: BTreeSet<&String> = self.files.keys().chain(now.files.keys()).collect();
        paths
            .into_iter()
            .filter_map(|p| match (self.files.get(p), now.files.get(p)) {
                (Some(a), Some(b)) if a != b => Some(SourceChange::Changed(p.clone())),
                (Some(_), None) => Some(SourceChange::Removed(p.clone())),
                (None, Some(_)) => Some(SourceChange::Added(p.clone())),
                _ => None,
            })
            .collect()
    }

    /// Refuses (E0317) when the stack at `path` is not the one the plan was made from.
    pub fn verify(&self, path: &Path) -> Result<()> {
        let changes = self.changes(&self.read_again(path));
        if changes.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = changes.iter().map(ToString::to_string).collect();
        let shown = path.display();
        let message = if !path.exists() {
            format!("the plan was made from the stack at {shown}, which is not here")
        } else {
            format!("the stack's sources at {shown} changed since the plan was made: {}", listed.join(", "))
        };
        Err(EngineError::new(codes::SOURCES_CHANGED, message).with_help(
            "nothing was applied; make a new plan of the source as it is now and review it (run `drove apply PLANFILE` in the directory `drove plan` ran in)",
        ))
    }
}

fn is_drove(name: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == "drove") && !name.contains('/')
}

/// The `*.drove` files `drove_compiler::source::load` reads for `path`, by file name.
fn drove_files(path: &Path) -> Vec<String> {
    if path.is_file() {
        return path.file_name().map(|n| vec![n.to_string_lossy().into_owned()]).unwrap_or_default();
    }
    let mut names: Vec<String> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "drove") && p.is_file())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("main.drove"), "stack s { region = \"ap-northeast-1\" }\n").expect("write");
        std::fs::write(dir.path().join("dns.drove"), "zone a.example { }\n").expect("write");
        std::fs::create_dir(dir.path().join("files")).expect("mkdir");
        std::fs::write(dir.path().join("files/nginx.conf"), "events {}\n").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a source\n").expect("write");
        dir
    }

    #[test]
    fn the_same_sources_give_the_same_digest() {
        let dir = stack();
        let a = SourceDigest::read(dir.path(), ["files/nginx.conf".to_string()]);
        assert_eq!(a.files.keys().collect::<Vec<_>>(), ["dns.drove", "files/nginx.conf", "main.drove"]);
        assert_eq!(a, a.read_again(dir.path()));
        std::fs::write(dir.path().join("notes.txt"), "edited\n").expect("write");
        assert!(a.verify(dir.path()).is_ok(), "a file the stack does not read is not a source");
    }

    #[test]
    fn edits_additions_and_removals_are_named() {
        let dir = stack();
        let a = SourceDigest::read(dir.path(), ["files/nginx.conf".to_string()]);
        std::fs::write(dir.path().join("files/nginx.conf"), "events { worker_connections 10; }\n").expect("write");
        std::fs::remove_file(dir.path().join("dns.drove")).expect("rm");
        std::fs::write(dir.path().join("extra.drove"), "\n").expect("write");
        let changes = a.changes(&a.read_again(dir.path()));
        let shown: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["dns.drove (removed)", "extra.drove (added)", "files/nginx.conf (changed)"]);
        let e = a.verify(dir.path()).unwrap_err();
        assert_eq!(e.code, codes::SOURCES_CHANGED);
        assert!(e.message.contains("files/nginx.conf (changed)"), "{}", e.message);
    }

    #[test]
    fn a_rename_changes_the_digest() {
        let dir = stack();
        let a = SourceDigest::read(dir.path(), Vec::new());
        std::fs::rename(dir.path().join("dns.drove"), dir.path().join("zones.drove")).expect("mv");
        assert_ne!(a.digest, a.read_again(dir.path()).digest);
    }

    #[test]
    fn a_missing_stack_is_said_so() {
        let dir = stack();
        let a = SourceDigest::read(dir.path(), Vec::new());
        let e = a.verify(&dir.path().join("elsewhere")).unwrap_err();
        assert!(e.message.contains("not here"), "{}", e.message);
    }

    #[test]
    fn one_file_stacks_are_read_as_plan_took_them() {
        let dir = stack();
        let a = SourceDigest::read(&dir.path().join("main.drove"), Vec::new());
        assert_eq!(a.files.keys().collect::<Vec<_>>(), ["main.drove"]);
        assert!(a.verify(&dir.path().join("main.drove")).is_ok());
    }
}
