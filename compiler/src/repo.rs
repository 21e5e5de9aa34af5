//! A repository of stacks: where it starts (the nearest directory holding `.git`), the
//! stacks in it (every directory holding `*.drove` files), which uses which, and the
//! order they apply in. `drove check` of a repository root, `drove affected` and the
//! language server read it; [`DiskLoader`] loads used stacks for the checks.

use crate::diag::Sink;
use crate::hir::UsedStack;
use crate::source::Sources;
use crate::uses::{absolute, normalize, relative, LoadProblem, Loader};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Directories never searched for stacks: build output, dependencies, VCS data.
const SKIPPED: [&str; 4] = ["target", "node_modules", "venv", "__pycache__"];

/// The nearest directory at or above `path` holding `.git` (a directory or, in a
/// worktree, a file).
pub fn root_of(path: &Path) -> Option<PathBuf> {
    let start = absolute(path);
    let mut at = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(dir) = at {
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
        at = dir.parent();
    }
    None
}

/// The `*.drove` files directly in `dir`, sorted.
pub fn stack_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "drove") && p.is_file())
        .collect();
    out.sort();
    out
}

/// Every stack directory under `root` (absolute), sorted; hidden directories and build
/// output are skipped.
pub fn stack_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![absolute(root)];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut has_files = false;
        for e in entries.filter_map(Result::ok) {
            let Ok(t) = e.file_type() else { continue };
            let name = e.file_name();
            let name = name.to_string_lossy();
            if t.is_dir() {
                if !name.starts_with('.') && !SKIPPED.contains(&name.as_ref()) {
                    todo.push(e.path());
                }
            } else if name.ends_with(".drove") {
                has_files = true;
            }
        }
        if has_files {
            out.push(dir);
        }
    }
    out.sort();
    out
}

/// Reads used stacks from disk, each once per environment; text the editor holds for a
/// file (`overlay`) wins over the disk.
#[derive(Default)]
pub struct DiskLoader {
    cache: Mutex<HashMap<(PathBuf, Option<String>), Loaded>>,
    roots: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    overlay: Option<Box<Overlay>>,
}

type Overlay = dyn Fn(&Path) -> Option<String> + Send + Sync;
type Loaded = Result<(Arc<UsedStack>, Vec<String>), LoadProblem>;

impl DiskLoader {
    pub fn new() -> DiskLoader {
        DiskLoader::default()
    }

    /// A loader that asks `overlay` for a file's text before reading it.
    pub fn with_overlay(overlay: impl Fn(&Path) -> Option<String> + Send + Sync + 'static) -> DiskLoader {
        DiskLoader { overlay: Some(Box::new(overlay)), ..DiskLoader::default() }
    }

    /// The files of the stack in `dir`, with the overlay's text where it has some.
    pub fn sources(&self, dir: &Path) -> Result<Sources, LoadProblem> {
        let files = stack_files(dir);
        if files.is_empty() {
            return Err(LoadProblem::NotAStack);
        }
        let mut sources = Sources::default();
        for p in files {
            let text = match self.overlay.as_ref().and_then(|o| o(&p)) {
                Some(t) => t,
                None => {
                    std::fs::read_to_string(&p).map_err(|e| LoadProblem::Unreadable(format!("{}: {e}", p.display())))?
                }
            };
            sources.add(p, text);
        }
        Ok(sources)
    }
}

impl Loader for DiskLoader {
    fn root(&self, from: &Path) -> Option<PathBuf> {
        let mut roots = self.roots.lock().unwrap_or_else(|e| e.into_inner());
        roots.entry(from.to_path_buf()).or_insert_with(|| root_of(from)).clone()
    }

    fn load(&self, dir: &Path, environment: Option<&str>) -> Loaded {
        let key = (dir.to_path_buf(), environment.map(str::to_string));
        if let Some(hit) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return hit.clone();
        }
        let loaded = self.read(dir, environment);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, loaded.clone());
        loaded
    }
}

impl DiskLoader {
    fn read(&self, dir: &Path, environment: Option<&str>) -> Loaded {
        let sources = self.sources(dir)?;
        let root = self.root(dir).unwrap_or_else(|| dir.to_path_buf());
        let (stack, declared) = crate::analysis::lower_only(&sources, environment);
        let mut sink = Sink::default();
        let symbols = crate::names::Symbols::build(&stack, &mut sink);
        let used = UsedStack {
            path: relative(&root, dir).unwrap_or_else(|| dir.display().to_string()),
            dir: dir.to_path_buf(),
            files: sources.files.iter().map(|f| f.path.clone()).collect(),
            stack,
            environment: environment.map(str::to_string),
            symbols,
        };
        Ok((Arc::new(used), declared))
    }
}

/// One stack of a repository, as discovery reads it: its name, environments and uses.
#[derive(Debug, Clone)]
pub struct RepoStack {
    /// Absolute.
    pub dir: PathBuf,
    /// Relative to the root, `/`-separated; `.` for a stack at the root.
    pub path: String,
    /// The `stack` block's name; empty when it has none (its check says so).
    pub name: String,
    pub environments: Vec<String>,
    /// Indexes of the stacks it uses, in `Repository::stacks`.
    pub uses: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub root: PathBuf,
    pub stacks: Vec<RepoStack>,
}

impl Repository {
    /// Every stack under `root` with what it uses, read in parallel. Uses that lead
    /// nowhere are left out here; each stack's own check reports them.
    pub fn discover(root: &Path, loader: &DiskLoader) -> Repository {
        let root = absolute(root);
        let dirs = stack_dirs(&root);
        let read: Vec<Option<(Arc<UsedStack>, Vec<String>)>> = parallel_map(&dirs, |d| loader.load(d, None).ok());
        let index: HashMap<&Path, usize> = dirs.iter().enumerate().map(|(i, d)| (d.as_path(), i)).collect();
        let stacks = dirs
            .iter()
            .zip(&read)
            .map(|(dir, r)| {
                let (name, environments, uses) = match r {
                    Some((s, envs)) => {
                        let uses = s
                            .stack
                            .uses
                            .iter()
                            .filter_map(|u| u.path.as_ref())
                            .filter_map(|p| index.get(normalize(&dir.join(&p.value)).as_path()).copied())
                            .collect();
                        (s.stack.info().map(|i| i.name.text.clone()).unwrap_or_default(), envs.clone(), uses)
                    }
                    None => (String::new(), Vec::new(), Vec::new()),
                };
                RepoStack { dir: dir.clone(), path: relative(&root, dir).unwrap_or_default(), name, environments, uses }
            })
            .collect();
        Repository { root, stacks }
    }

    /// The stack whose directory holds `file` directly.
    pub fn stack_of(&self, file: &Path) -> Option<usize> {
        let file = absolute(file);
        let dir = if file.is_dir() { file.as_path() } else { file.parent()? };
        self.stacks.iter().position(|s| s.dir == dir)
    }

    /// The stack whose directory holds `path` (a file or directory at any depth below it,
    /// and not inside a nested stack's).
    pub fn owner_of(&self, path: &Path) -> Option<usize> {
        let path = absolute(path);
        self.stacks
            .iter()
            .enumerate()
            .filter(|(_, s)| path.starts_with(&s.dir))
            .max_by_key(|(_, s)| s.dir.components().count())
            .map(|(i, _)| i)
    }

    /// Every stack, those a stack uses before it; the stacks of a cycle (which their
    /// checks refuse) come last, in path order.
    pub fn order(&self) -> Vec<usize> {
        let n = self.stacks.len();
        let mut placed = vec![false; n];
        let mut out = Vec::with_capacity(n);
        loop {
            let before = out.len();
            for i in 0..n {
                if !placed[i] && self.stacks[i].uses.iter().all(|&u| placed[u] || u == i) {
                    placed[i] = true;
                    out.push(i);
                }
            }
            if out.len() == before {
                break;
            }
        }
        out.extend((0..n).filter(|&i| !placed[i]));
        out
    }

    /// `of` and every stack that uses one of them, directly or not, in `order()`.
    pub fn dependents(&self, of: &[usize]) -> Vec<usize> {
        let mut hit = vec![false; self.stacks.len()];
        for &i in of {
            hit[i] = true;
        }
        let mut changed = true;
        while changed {
            changed = false;
            for (i, s) in self.stacks.iter().enumerate() {
                if !hit[i] && s.uses.iter().any(|&u| hit[u]) {
                    hit[i] = true;
                    changed = true;
                }
            }
        }
        self.order().into_iter().filter(|&i| hit[i]).collect()
    }

    /// Pairs (later, first) of stacks sharing a name and an environment: they would share
    /// derived names and ownership tags in one account.
    pub fn duplicates(&self) -> Vec<(usize, usize)> {
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let mut out = Vec::new();
        for (i, s) in self.stacks.iter().enumerate() {
            if s.name.is_empty() {
                continue;
            }
            let envs = if s.environments.is_empty() { vec![String::new()] } else { s.environments.clone() };
            for e in envs {
                match seen.get(&(s.name.clone(), e.clone())) {
                    Some(&first) => {
                        if !out.contains(&(i, first)) {
                            out.push((i, first));
                        }
                    }
                    None => {
                        seen.insert((s.name.clone(), e), i);
                    }
                }
            }
        }
        out
    }
}

/// `f` over `items` on every core, results in order. Each thread claims the next item
/// when it is done with one, rather than taking a fixed share up front: stacks differ in
/// size, and on a machine whose cores other processes also want, a thread held back
/// leaves its items to the others instead of finishing last with half of them.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in done.into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_the_order_whatever_finishes_first() {
        let items: Vec<u64> = (0..200).collect();
        // Early items take longest, so later ones finish first on every thread.
        let out = parallel_map(&items, |&i| {
            std::thread::sleep(std::time::Duration::from_micros((200 - i) * 20));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map(&[] as &[u64], |&i| i).is_empty());
    }
}
