//! `drove check DIR` of a directory holding stacks below it rather than files of its own
//! (a repository root): every stack checked in one process, in parallel, the stacks
//! they use loaded once and shared.
//!
//! Each stack is read and analysed once: its name and environments, which E0116 compares
//! across the repository, come from its own analysis, so there is no discovery pass
//! lowering every stack beforehand (which cost a third of the run on 1,000 stacks); the
//! loader lowers only the stacks some other stack uses.

use crate::check::Format;
use crate::output::{color, write, Stream};
use drove_compiler::diag::Diagnostic;
use drove_compiler::repo::{self, DiskLoader, RepoStack, Repository};
use drove_compiler::source::{FileId, Sources, Span};
use drove_compiler::{analysis, render};
use std::path::Path;

/// One stack's check: its files, diagnostics, and what E0116 needs of it.
struct Checked {
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    environments: Vec<String>,
    /// The `stack` block's name, its file and span; `None` when it has none (its check says so).
    name: Option<(String, FileId, Span)>,
}

pub fn run(path: &Path, format: Format) -> u8 {
    let loader = DiskLoader::new();
    let root = drove_compiler::uses::absolute(path);
    let dirs = repo::stack_dirs(&root);
    if dirs.is_empty() {
        return crate::output::fail(format!("{}: no stacks here or below (no *.drove files)", path.display()));
    }
    let mut checked: Vec<Result<Checked, String>> = repo::parallel_map(&dirs, |dir| {
        let sources = loader.sources(dir).map_err(|e| format!("{}: {e:?}", dir.display()))?;
        let sources = relative_paths(sources, path, &root);
        let mut a = analysis::analyze_with(&sources, &loader);
        let name = a.stack.info().map(|i| (i.name.text.clone(), i.file, i.name.span.clone()));
        let environments = a.environment_names().into_iter().map(str::to_string).collect();
        Ok(Checked { sources, diagnostics: std::mem::take(&mut a.diagnostics), environments, name })
    });
    let repo = Repository {
        root: root.clone(),
        stacks: dirs
            .iter()
            .zip(&checked)
            .map(|(dir, c)| RepoStack {
                dir: dir.clone(),
                path: drove_compiler::uses::relative(&root, dir).unwrap_or_default(),
                name: c.as_ref().ok().and_then(|c| c.name.as_ref()).map(|n| n.0.clone()).unwrap_or_default(),
                environments: c.as_ref().map(|c| c.environments.clone()).unwrap_or_default(),
                uses: Vec::new(),
            })
            .collect(),
    };
    for (later, first) in repo.duplicates() {
        if let Ok(c) = &mut checked[later] {
            if let Some(d) = c.name.as_ref().map(|n| duplicate_stack(n, &repo.stacks[first])) {
                c.diagnostics.push(d);
            }
        }
    }
    let parts: Vec<(&Sources, &[Diagnostic])> =
        checked.iter().filter_map(|c| c.as_ref().ok()).map(|c| (&c.sources, c.diagnostics.as_slice())).collect();
    let mut unreadable = false;
    for c in &checked {
        if let Err(why) = c {
            unreadable = true;
            write(Stream::Stderr, &format!("error: {why}\n"));
        }
    }
    let all: Vec<&Diagnostic> = parts.iter().flat_map(|(_, d)| d.iter()).collect();
    match format {
        Format::Json => write(Stream::Stdout, &format!("{}\n", render::json_stacks(&parts))),
        Format::Text => {
            let c = color(Stream::Stdout);
            let mut out = String::new();
            for (sources, d) in parts.iter().filter(|(_, d)| !d.is_empty()) {
                out.push_str(&render::text(sources, d, c));
            }
            let with = parts.iter().filter(|(_, d)| !d.is_empty()).count();
            out.push_str(&format!(
                "{}: {} ({}, {} with problems)\n",
                path.display(),
                render::summary(all.iter().copied()),
                render::counted(repo.stacks.len(), "stack"),
                with
            ));
            write(Stream::Stdout, &out);
        }
    }
    if all.iter().any(|d| d.is_error()) {
        crate::exit::PROBLEMS
    } else if unreadable {
        crate::exit::USAGE
    } else {
        crate::exit::OK
    }
}

/// The files named as the user named the directory (`infra/app/stack.drove`), as a
/// single stack's check names them, rather than by absolute path.
fn relative_paths(mut sources: Sources, path: &Path, root: &Path) -> Sources {
    for f in &mut sources.files {
        if let Ok(rest) = f.path.strip_prefix(root) {
            f.path = path.join(rest);
        }
    }
    sources
}

const E_DUPLICATE_STACK: &str = "E0116";

/// E0116 at the `stack` block's name `(name, file, span)` (the later of two stacks sharing
/// a name), naming the stack `first` that has it already.
fn duplicate_stack((name, file, span): &(String, FileId, Span), first: &RepoStack) -> Diagnostic {
    Diagnostic::new(
        E_DUPLICATE_STACK,
        *file,
        span.clone(),
        format!("the stack at `{}` has the name `{name}` already", first.path),
    )
    .with_label("a second stack of this name")
    .with_help(
        "a stack's name (with its environment) names its resources in AWS, tags what it owns and keys its state: \
         give each stack of the repository its own",
    )
}
