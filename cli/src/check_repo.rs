//! `drove check DIR` of a directory holding stacks below it rather than files of its own
//! (a repository root): every stack checked in one process, in parallel, the stacks
//! they use loaded once and shared.

use crate::check::Format;
use crate::output::{color, write, Stream};
use drove_compiler::diag::Diagnostic;
use drove_compiler::repo::{self, DiskLoader, Repository};
use drove_compiler::source::Sources;
use drove_compiler::{analysis, render};
use std::path::Path;

pub fn run(path: &Path, format: Format) -> u8 {
    let loader = DiskLoader::new();
    let repo = Repository::discover(path, &loader);
    if repo.stacks.is_empty() {
        return crate::output::fail(format!("{}: no stacks here or below (no *.drove files)", path.display()));
    }
    let duplicates = repo.duplicates();
    let indexes: Vec<usize> = (0..repo.stacks.len()).collect();
    let checked: Vec<Result<(Sources, Vec<Diagnostic>), String>> = repo::parallel_map(&indexes, |&i| {
        let s = &repo.stacks[i];
        let sources = loader.sources(&s.dir).map_err(|e| format!("{}: {e:?}", s.dir.display()))?;
        let sources = relative_paths(sources, path, &repo);
        let a = analysis::analyze_with(&sources, &loader);
        let mut diagnostics = a.diagnostics.clone();
        for (_, first) in duplicates.iter().filter(|(later, _)| *later == i) {
            diagnostics.extend(duplicate_stack(&a.stack, &repo.stacks[*first]));
        }
        Ok((sources, diagnostics))
    });
    let mut unreadable = false;
    let mut parts = Vec::new();
    for c in &checked {
        match c {
            Ok((sources, d)) => parts.push((sources, d.as_slice())),
            Err(why) => {
                unreadable = true;
                write(Stream::Stderr, &format!("error: {why}\n"));
            }
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
            let owned: Vec<Diagnostic> = all.iter().map(|d| (*d).clone()).collect();
            let with = parts.iter().filter(|(_, d)| !d.is_empty()).count();
            out.push_str(&format!(
                "{}: {} ({}, {} with problems)\n",
                path.display(),
                render::summary(&owned),
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
fn relative_paths(mut sources: Sources, path: &Path, repo: &Repository) -> Sources {
    for f in &mut sources.files {
        if let Ok(rest) = f.path.strip_prefix(&repo.root) {
            f.path = path.join(rest);
        }
    }
    sources
}

const E_DUPLICATE_STACK: &str = "E0116";

/// E0116 at the `stack` block of `stack` (the later of two sharing a name), naming the
/// stack at `first` that has it already.
fn duplicate_stack(stack: &drove_compiler::hir::Stack, first: &drove_compiler::repo::RepoStack) -> Option<Diagnostic> {
    let decl = stack.info()?;
    Some(
        Diagnostic::new(
            E_DUPLICATE_STACK,
            decl.file,
            decl.name.span.clone(),
            format!("the stack at `{}` has the name `{}` already", first.path, decl.name.text),
        )
        .with_label("a second stack of this name")
        .with_help(
            "a stack's name (with its environment) names its resources in AWS, tags what it owns and keys its state: \
             give each stack of the repository its own",
        ),
    )
}
