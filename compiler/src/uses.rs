//! Finding the stacks `use NAME = "PATH"` names, before the checks run: each is loaded
//! through a [`Loader`] (from disk for the command line, from open buffers first for the
//! language server), in the environment being checked.
//!
//! A use must stay inside the repository (the nearest directory holding `.git` above the
//! stack), name a directory holding a stack, and not close a cycle: the plan of a stack
//! reads the states of the stacks it uses, so those must be applied first.

use crate::diag::{Diagnostic, Sink};
use crate::hir::{Stack, Use, UsedStack};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const E_BAD_USE: &str = "E0112";
pub const E_USE_CYCLE: &str = "E0113";
pub const E_USE_ENVIRONMENT: &str = "E0114";
pub const E_USE_NAME: &str = "E0115";

/// Use names refused: `NAME.…` already means this stack's own instances and balancers.
const RESERVED: [&str; 3] = ["hosts", "host", "balancer"];

/// Why a used stack could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadProblem {
    /// No directory there, or one without `*.drove` files.
    NotAStack,
    /// It exists but can't be read (permissions, not UTF-8).
    Unreadable(String),
}

/// Where used stacks come from.
pub trait Loader: Sync {
    /// The repository the stacks live in; a use may not leave it.
    fn root(&self, from: &Path) -> Option<PathBuf>;
    /// The stack in `dir` (absolute, normalised), lowered as `environment` sees it (as
    /// written for `None`), with the names of the environments it declares.
    fn load(&self, dir: &Path, environment: Option<&str>) -> Result<(Arc<UsedStack>, Vec<String>), LoadProblem>;
}

/// `a/./b/../c` → `a/c`, without touching the disk (a path that does not exist yet is
/// still compared to the root).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The path of `dir` relative to `root`, `/`-separated (`.` for the root itself).
pub fn relative(root: &Path, dir: &Path) -> Option<String> {
    let rel = dir.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Some(if parts.is_empty() { ".".to_string() } else { parts.join("/") })
}

/// Loads the target of every `use` of `stack` (lowered in `stack.environment`), reporting
/// what keeps one from loading. Names are then resolved by the checks as usual.
pub fn resolve(stack: &mut Stack, loader: &dyn Loader, sink: &mut Sink) {
    if stack.uses.is_empty() {
        return;
    }
    let Some(dir) = stack.dir.clone() else { return };
    let dir = absolute(&dir);
    let root = loader.root(&dir);
    let environment = stack.environment.clone();

    let mut seen: Vec<String> = Vec::new();
    let local = local_names(stack);
    for u in &mut stack.uses {
        if RESERVED.contains(&u.name.text.as_str()) || local.contains(&u.name.text) || seen.contains(&u.name.text) {
            sink.push(name_clash(u, &seen));
            continue;
        }
        seen.push(u.name.text.clone());
        let Some(path) = &u.path else { continue };
        let target = normalize(&dir.join(&path.value));
        let Some(root) = &root else {
            sink.push(bad_use(
                u,
                "this stack is not inside a repository",
                "a use names a stack of the same git repository: the nearest directory holding `.git`",
            ));
            continue;
        };
        let Some(rel) = relative(root, &target) else {
            sink.push(bad_use(
                u,
                &format!("`{}` leaves the repository", path.value),
                &format!("the repository is `{}`; a used stack must be inside it", root.display()),
            ));
            continue;
        };
        if target == dir {
            sink.push(bad_use(u, "a stack cannot use itself", "name another stack's directory"));
            continue;
        }
        let (loaded, declared) = match loader.load(&target, None) {
            Ok(x) => x,
            Err(LoadProblem::NotAStack) => {
                sink.push(bad_use(u, &format!("no stack at `{rel}`"), "a stack is a directory holding `.drove` files"));
                continue;
            }
            Err(LoadProblem::Unreadable(why)) => {
                sink.push(bad_use(u, &format!("the stack at `{rel}` can't be read: {why}"), "fix the files there"));
                continue;
            }
        };
        let loaded = match (&environment, declared.is_empty()) {
            (_, true) => loaded,
            (Some(env), false) if declared.contains(env) => match loader.load(&target, Some(env)) {
                Ok((l, _)) => l,
                Err(_) => continue,
            },
            (Some(env), false) => {
                sink.push(environment_missing(u, &rel, Some(env), &declared));
                continue;
            }
            (None, false) => {
                sink.push(environment_missing(u, &rel, None, &declared));
                continue;
            }
        };
        if let Some(chain) = cycle(loader, &dir, &loaded, root) {
            let d = Diagnostic::new(
                E_USE_CYCLE,
                u.file,
                path.span.clone(),
                format!("stacks use each other: {}", chain.join(" → ")),
            )
            .with_label("closes a cycle")
            .with_help("a stack's plan reads the states of the stacks it uses, which must be applied before it: move what both need into a third stack");
            sink.push(d);
            continue;
        }
        u.target = Some(loaded);
    }
}

/// Names a `NAME.…` reference could confuse with a use name: networks (`main.public-a`)
/// and any other declaration a dotted path starts with.
fn local_names(stack: &Stack) -> Vec<String> {
    stack.networks.iter().map(|n| n.name.text.clone()).collect()
}

fn name_clash(u: &Use, seen: &[String]) -> Diagnostic {
    let name = &u.name.text;
    let (message, help) = if RESERVED.contains(&name.as_str()) {
        (
            format!("`{name}` can't name a used stack"),
            format!("`{name}.…` already means this stack's own {name}; choose another name"),
        )
    } else if seen.contains(name) {
        (format!("`use {name}` is declared twice"), "give each used stack its own name".to_string())
    } else {
        (
            format!("`{name}` names both a used stack and a network of this stack"),
            format!("`{name}.…` could mean either; rename one of them"),
        )
    };
    Diagnostic::new(E_USE_NAME, u.file, u.name.span.clone(), message).with_label("ambiguous name").with_help(help)
}

fn bad_use(u: &Use, message: &str, help: &str) -> Diagnostic {
    let span = u.path.as_ref().map_or(u.name.span.clone(), |p| p.span.clone());
    Diagnostic::new(E_BAD_USE, u.file, span, message.to_string())
        .with_label("not a stack of this repository")
        .with_help(help.to_string())
}

fn environment_missing(u: &Use, rel: &str, env: Option<&str>, declared: &[String]) -> Diagnostic {
    let list = declared.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    let span = u.path.as_ref().map_or(u.name.span.clone(), |p| p.span.clone());
    let message = match env {
        Some(env) => format!("the stack at `{rel}` declares no environment `{env}`"),
        None => format!("the stack at `{rel}` declares environments ({list}); this stack declares none"),
    };
    Diagnostic::new(E_USE_ENVIRONMENT, u.file, span, message).with_label("which environment's resources?").with_help(
        format!("a stack with environments uses the same environment of the stacks it uses: it declares {list}"),
    )
}

/// The chain of stack paths from `loaded` back to `dir`, when `loaded` (transitively)
/// uses the stack being checked.
fn cycle(loader: &dyn Loader, dir: &Path, loaded: &UsedStack, root: &Path) -> Option<Vec<String>> {
    let me = relative(root, dir)?;
    let mut stack: Vec<(PathBuf, Vec<String>)> = vec![(loaded.dir.clone(), vec![me.clone(), loaded.path.clone()])];
    let mut visited: Vec<PathBuf> = Vec::new();
    while let Some((at, chain)) = stack.pop() {
        if visited.contains(&at) {
            continue;
        }
        visited.push(at.clone());
        let Ok((used, _)) = loader.load(&at, None) else { continue };
        for u in &used.stack.uses {
            let Some(p) = &u.path else { continue };
            let next = normalize(&at.join(&p.value));
            let Some(rel) = relative(root, &next) else { continue };
            let mut c = chain.clone();
            c.push(rel);
            if next == dir {
                return Some(c);
            }
            stack.push((next, c));
        }
    }
    None
}

/// `dir` made absolute against the working directory, normalised.
pub fn absolute(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        normalize(dir)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        normalize(&cwd.join(dir))
    }
}
