//! `drove affected --since GIT_REF [--format text|json] [PATH]` (or `--all`): the stacks of the
//! repository that a change since GIT_REF touches, in the order they apply, so CI plans
//! and applies those and no others.
//!
//! A change is what `git diff` shows from the merge base of GIT_REF and HEAD to the
//! working tree (commits, staged and unstaged edits) and the untracked files git does not
//! ignore: CI compares a pull request with where it branched off, and a developer's
//! uncommitted edit counts before it is committed.

use crate::output::{write, Stream};
use drove_compiler::repo::{self, DiskLoader, Repository};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The git revision to compare with (a branch, tag or commit): its merge base with HEAD
    #[arg(long, value_name = "GIT_REF", required_unless_present = "all")]
    pub since: Option<String>,
    /// Every stack of the repository, as if each had changed (drift checks, a first run)
    #[arg(long, conflicts_with = "since")]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// A directory inside the repository (its whole repository is read)
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

/// Why a stack is affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A file in its directory changed.
    Changed,
    /// It uses (directly) this affected stack, by path.
    Uses(String),
    /// `--all`.
    All,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Changed => f.write_str("changed"),
            Reason::Uses(path) => write!(f, "uses {path}"),
            Reason::All => f.write_str("all"),
        }
    }
}

/// A stack whose `*.drove` files were all deleted: there is nothing to plan, and what its
/// state holds stays in AWS until someone destroys it from the old source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub path: String,
}

pub fn run(args: &Args) -> u8 {
    let Some(root) = repo::root_of(&args.path) else {
        return crate::output::fail(format!(
            "{} is not inside a git repository (no `.git` here or above)",
            args.path.display()
        ));
    };
    let repository = Repository::discover(&root, &DiskLoader::new());
    let (affected, removed) = match &args.since {
        Some(since) => match changed_files(&root, since) {
            Ok(changed) => affected(&repository, &changed),
            Err(message) => return crate::output::fail(message),
        },
        None => (repository.order().into_iter().map(|i| (i, Reason::All)).collect(), Vec::new()),
    };
    // Dependencies are followed through the whole repository; what is listed is the
    // stacks under PATH (a team's directory of a larger repository).
    let under = drove_compiler::uses::absolute(&args.path);
    let affected: Vec<(usize, Reason)> =
        affected.into_iter().filter(|(i, _)| repository.stacks[*i].dir.starts_with(&under)).collect();
    let removed: Vec<Removed> =
        removed.into_iter().filter(|r| root.join(&r.path).starts_with(&under) || r.path == ".").collect();
    match args.format {
        Format::Text => {
            let mut out = String::new();
            for (i, _) in &affected {
                out.push_str(&repository.stacks[*i].path);
                out.push('\n');
            }
            write(Stream::Stdout, &out);
            for r in &removed {
                write(
                    Stream::Stderr,
                    &format!("drove: {}: removed (its *.drove files were deleted; nothing to plan there)\n", r.path),
                );
            }
        }
        Format::Json => {
            let mut stacks: Vec<serde_json::Value> = affected
                .iter()
                .map(|(i, reason)| {
                    let s = &repository.stacks[*i];
                    json!({"path": s.path, "name": s.name, "environments": s.environments, "reason": reason.to_string()})
                })
                .collect();
            stacks.extend(
                removed.iter().map(|r| json!({"path": r.path, "name": null, "environments": [], "reason": "removed"})),
            );
            let doc = json!({"since": args.since, "all": args.all, "stacks": stacks});
            write(Stream::Stdout, &format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
        }
    }
    crate::exit::OK
}

/// The affected stacks in `repository.order()`, each with its reason, and the stacks
/// removed. `changed` holds paths relative to the repository root, `/`-separated.
pub fn affected(repository: &Repository, changed: &BTreeSet<String>) -> (Vec<(usize, Reason)>, Vec<Removed>) {
    let mut direct = BTreeSet::new();
    let mut removed = BTreeSet::new();
    for path in changed {
        let full = repository.root.join(path);
        if let Some(i) = repository.owner_of(&full) {
            direct.insert(i);
        }
        // A deleted `*.drove` file whose directory is no stack now: the whole stack went.
        if path.ends_with(".drove") && !full.exists() {
            let dir = full.parent().unwrap_or(&repository.root);
            if !repository.stacks.iter().any(|s| s.dir == dir) {
                let rel = Path::new(path).parent().map(|p| p.to_string_lossy().replace('\\', "/"));
                removed.insert(rel.filter(|p| !p.is_empty()).unwrap_or_else(|| ".".to_string()));
            }
        }
    }
    let direct: Vec<usize> = direct.into_iter().collect();
    let order = repository.dependents(&direct);
    let mut out: Vec<(usize, Reason)> = Vec::new();
    for i in order {
        let reason = if direct.contains(&i) {
            Reason::Changed
        } else {
            let by = repository.stacks[i].uses.iter().find(|u| out.iter().any(|(a, _)| a == *u));
            Reason::Uses(by.map(|&u| repository.stacks[u].path.clone()).unwrap_or_default())
        };
        out.push((i, reason));
    }
    (out, removed.into_iter().map(|path| Removed { path }).collect())
}

/// Paths changed since the merge base of `since` and HEAD, relative to `root`: in commits,
/// the index and the working tree (both sides of a rename), and untracked files.
fn changed_files(root: &Path, since: &str) -> Result<BTreeSet<String>, String> {
    let base = git(root, &["merge-base", since, "HEAD"])?;
    let base = base.trim();
    let mut out = BTreeSet::new();
    // Paths from the top, whatever the user's `diff.relative`; both names of a rename.
    let diff = git(root, &["-c", "diff.relative=false", "diff", "--name-only", "--no-renames", "-z", base])?;
    let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "-z", "--full-name"])?;
    for path in diff.split('\0').chain(untracked.split('\0')) {
        if !path.is_empty() {
            out.insert(path.to_string());
        }
    }
    Ok(out)
}

/// `git ARGS` in `dir`; its stderr is the error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e} (drove affected needs git on PATH)"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git {}: {}", args.join(" "), said.trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("git {}: output is not UTF-8", args.join(" ")))
}
