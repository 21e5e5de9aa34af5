//! `drove plan ROOT` and `drove apply ROOT` of a directory holding stacks below it but no
//! `*.drove` files of its own (a repository root): every stack in the order they apply
//! (`Repository::order`, used stacks first), each under a header, and every environment of
//! a stack that declares them (only `--env NAME`'s when one is given).
//!
//! Each stack runs in a child `drove` process: the environment is chosen once per
//! process (`stack::choose_environment`), and a child keeps one stack's failure, state
//! lock and output apart from the next's exactly as running them one by one would.

use crate::output::{write, Stream};
use drove_compiler::repo::{DiskLoader, Repository};
use std::path::Path;
use std::process::Command;

/// Whether `path` is a repository root rather than a stack.
pub fn is_root(path: &Path) -> bool {
    path.is_dir() && drove_compiler::repo::stack_files(path).is_empty()
}

/// One run: a stack's repository path and the environment it runs in.
struct Run {
    path: String,
    dir: std::path::PathBuf,
    env: Option<String>,
    /// The stack's index in the repository.
    index: usize,
}

impl Run {
    fn shown(&self) -> String {
        match &self.env {
            Some(e) => format!("{} ({e})", self.path),
            None => self.path.clone(),
        }
    }
}

fn runs(root: &Path) -> Result<(Repository, Vec<Run>), u8> {
    let repository = Repository::discover(root, &DiskLoader::new());
    if repository.stacks.is_empty() {
        return Err(crate::output::fail(format!("{}: no stacks here or below (no *.drove files)", root.display())));
    }
    let chosen = crate::stack::environment();
    let mut out = Vec::new();
    for i in repository.order() {
        let s = &repository.stacks[i];
        let envs: Vec<Option<String>> = match chosen {
            _ if s.environments.is_empty() => vec![None],
            Some(e) if s.environments.iter().any(|x| x == e) => vec![Some(e.to_string())],
            Some(e) => {
                write(Stream::Stderr, &format!("drove: {}: skipped, it declares no environment `{e}`\n", s.path));
                continue;
            }
            None => s.environments.iter().cloned().map(Some).collect(),
        };
        for env in envs {
            out.push(Run { path: s.path.clone(), dir: s.dir.clone(), env, index: i });
        }
    }
    Ok((repository, out))
}

fn child(command: &str, run: &Run, args: &[String]) -> Result<u8, u8> {
    let exe = std::env::current_exe().map_err(|e| crate::output::fail(format!("cannot find drove itself: {e}")))?;
    let mut c = Command::new(exe);
    c.arg(command).arg(&run.dir).args(args);
    if let Some(e) = &run.env {
        c.args(["--env", e]);
    }
    let status = c.status().map_err(|e| crate::output::fail(format!("cannot run drove for {}: {e}", run.path)))?;
    Ok(status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(crate::exit::PROBLEMS))
}

fn header(markdown: bool, run: &Run) {
    let text = if markdown { format!("## {}\n\n", run.shown()) } else { format!("== {}\n", run.shown()) };
    write(Stream::Stdout, &text);
}

/// Plans every stack: exit 1 when one failed (the rest are still planned: a plan changes
/// nothing), else 2 when `detailed` and one has changes, else 0.
pub fn plan(root: &Path, args: &[String], markdown: bool, detailed: bool) -> u8 {
    let (_, runs) = match runs(root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (mut failed, mut changes) = (Vec::new(), false);
    for run in &runs {
        header(markdown, run);
        match child("plan", run, args) {
            Ok(0) => {}
            Ok(2) if detailed => changes = true,
            Ok(_) => failed.push(run.shown()),
            Err(code) => return code,
        }
        write(Stream::Stdout, "\n");
    }
    if !failed.is_empty() {
        write(Stream::Stderr, &format!("drove: the plan failed for {}\n", failed.join(", ")));
        return crate::exit::PROBLEMS;
    }
    if changes {
        2
    } else {
        crate::exit::OK
    }
}

/// Applies every stack in order and stops at the first failure: what comes after it was
/// planned against states that may now be wrong, and the stacks using the failed one
/// would read its half-applied state.
pub fn apply(root: &Path, args: &[String]) -> u8 {
    let (repository, runs) = match runs(root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    for (n, run) in runs.iter().enumerate() {
        header(false, run);
        let code = match child("apply", run, args) {
            Ok(c) => c,
            Err(code) => return code,
        };
        write(Stream::Stdout, "\n");
        if code == crate::exit::OK {
            continue;
        }
        let users = repository.dependents(&[run.index]);
        let mut text = format!("drove: {} failed; not applied:\n", run.shown());
        for later in &runs[n + 1..] {
            let why = if users.contains(&later.index) && later.index != run.index {
                format!(" (uses {})", run.path)
            } else {
                String::new()
            };
            text.push_str(&format!("  {}{why}\n", later.shown()));
        }
        write(Stream::Stderr, &text);
        return code;
    }
    crate::exit::OK
}
