//! The one entry point the CLI and the language server share: parse, lower and check a
//! stack, keeping the trees so hover, go-to-definition and the formatter can use them.

use crate::diag::{Diagnostic, Sink};
use crate::environment::Shifts;
use crate::hir;
use crate::source::Sources;
use crate::syntax::{self, cst};

pub struct Analysis {
    /// One tree per file, in the order of `Sources::files`.
    pub files: Vec<cst::File>,
    /// The stack as written. With environments, the declarations of every environment
    /// block are added beside it, unchecked: what the editor's index, hover and
    /// go-to-definition look at.
    pub stack: hir::Stack,
    /// Sorted by file, then position, then code. With environments, those of every
    /// environment, each once, naming the environments it was found in unless all.
    pub diagnostics: Vec<Diagnostic>,
    /// The environments the stack declares, each lowered and checked on its own, in
    /// source order; empty when it declares none.
    pub environments: Vec<EnvironmentAnalysis>,
    shifts: Shifts,
}

/// One environment of a stack (see [`crate::environment`]).
pub struct EnvironmentAnalysis {
    pub name: String,
    /// The stack as the environment sees it, named by its identity.
    pub stack: hir::Stack,
    /// What is wrong with the stack in this environment, sorted like
    /// [`Analysis::diagnostics`].
    pub diagnostics: Vec<Diagnostic>,
}

impl EnvironmentAnalysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn environment(&self, name: &str) -> Option<&EnvironmentAnalysis> {
        self.environments.iter().find(|e| e.name == name)
    }

    pub fn environment_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }

    /// A diagnostic made from an environment's stack (its spans may point into an
    /// override), pointed at the source.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        self.shifts.unshift_diagnostic(d)
    }

    /// A span of an environment's stack, pointed at the source (`locate` for a span).
    pub fn unshift(
        &self,
        file: crate::source::FileId,
        span: &crate::source::Span,
    ) -> (crate::source::FileId, crate::source::Span) {
        self.shifts.unshift(file, span)
    }

    /// The stack as `environment` sees it; the stack as written for `None` or a name the
    /// stack does not declare.
    pub fn stack_in(&self, environment: Option<&str>) -> &crate::hir::Stack {
        environment.and_then(|e| self.environment(e)).map_or(&self.stack, |e| &e.stack)
    }
}

/// Analyses a stack, loading the stacks it `use`s from disk.
pub fn analyze(sources: &Sources) -> Analysis {
    // Only a stack with uses needs a loader; one made here serves this analysis alone.
    let loader = crate::repo::DiskLoader::new();
    analyze_with(sources, &loader)
}

/// The stack lowered as `environment` sees it (as written for `None`, or a name it does
/// not declare), unchecked, with the environments it declares: what a stack that uses
/// this one needs of it.
pub fn lower_only(sources: &Sources, environment: Option<&str>) -> (hir::Stack, Vec<String>) {
    let mut sink = Sink::default();
    let files: Vec<cst::File> = sources.files.iter().enumerate().map(|(id, f)| syntax::parse(id, &f.text).0).collect();
    let declared = crate::environment::declared(&files, &mut sink);
    let names = declared.list.iter().map(|e| e.name.text.clone()).collect();
    let env = environment.and_then(|name| declared.list.iter().find(|e| e.name.text == name));
    let mut stack = crate::lower::lower_in(&files, env, &mut sink);
    stack.dir = sources.dir();
    (stack, names)
}

/// Analyses a stack, loading the stacks it `use`s through `loader` (shared by the stacks
/// of a repository checked together, or holding the editor's buffers).
pub fn analyze_with(sources: &Sources, loader: &dyn crate::uses::Loader) -> Analysis {
    let mut sink = Sink::default();
    let mut files = Vec::with_capacity(sources.files.len());
    for (id, f) in sources.files.iter().enumerate() {
        let (tree, diags) = syntax::parse(id, &f.text);
        sink.diagnostics.extend(diags);
        files.push(tree);
    }
    let declared = crate::environment::declared(&files, &mut sink);
    if declared.list.is_empty() {
        let mut stack = crate::lower::lower(&files, &mut sink);
        stack.dir = sources.dir();
        crate::uses::resolve(&mut stack, loader, &mut sink);
        crate::check::run_syntax(&files, &mut sink);
        crate::check::run(&stack, &mut sink);
        let mut diagnostics = sink.diagnostics;
        sort(&mut diagnostics);
        return Analysis { files, stack, diagnostics, environments: Vec::new(), shifts: Shifts::default() };
    }
    // Once for all environments: the syntax, the environment blocks, the rules on the trees.
    crate::check::run_syntax(&files, &mut sink);
    let shared = sink.diagnostics;
    let mut environments = Vec::with_capacity(declared.list.len());
    for env in &declared.list {
        let mut sink = Sink::default();
        let mut stack = crate::lower::lower_in(&files, Some(env), &mut sink);
        stack.dir = sources.dir();
        crate::uses::resolve(&mut stack, loader, &mut sink);
        crate::check::run(&stack, &mut sink);
        environments.push(EnvironmentAnalysis { name: env.name.text.clone(), stack, diagnostics: sink.diagnostics });
    }
    let mut states = Sink::default();
    let pairs: Vec<_> = declared.list.iter().zip(environments.iter().map(|e| &e.stack)).collect();
    crate::environment::check_states(&pairs, &mut states);
    let states: Vec<Diagnostic> =
        states.diagnostics.into_iter().map(|d| declared.shifts.unshift_diagnostic(d)).collect();
    for e in &mut environments {
        let own = std::mem::take(&mut e.diagnostics);
        e.diagnostics = shared.iter().cloned().chain(states.iter().cloned()).collect();
        e.diagnostics.extend(own.into_iter().map(|d| declared.shifts.unshift_diagnostic(d)));
        sort(&mut e.diagnostics);
    }
    let per_env: Vec<(&str, &[Diagnostic])> =
        environments.iter().map(|e| (e.name.as_str(), e.diagnostics.as_slice())).collect();
    let mut diagnostics = crate::environment::merge_diagnostics(&per_env);
    sort(&mut diagnostics);
    // The editor's view: the stack as written, and every environment's declarations.
    let mut scratch = Sink::default();
    let mut stack = crate::lower::lower(&files, &mut scratch);
    for env in &declared.list {
        crate::environment::append(&mut stack, crate::lower::lower_declarations(&files, env, &mut scratch));
    }
    stack.dir = sources.dir();
    // The editor names the used stacks as the first environment sees them.
    if let Some(first) = environments.first() {
        for u in &mut stack.uses {
            u.target = first.stack.uses.iter().find(|f| f.name.text == u.name.text).and_then(|f| f.target.clone());
        }
    }
    let shifts = declared.shifts;
    drop(declared.list);
    Analysis { files, stack, diagnostics, environments, shifts }
}

fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.primary.file, a.primary.span.start, a.primary.span.end, a.code).cmp(&(
            b.primary.file,
            b.primary.span.start,
            b.primary.span.end,
            b.code,
        ))
    });
    diagnostics.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Lowering and checking never panic, whatever the parser hands them.
        #[test]
        fn analysis_never_panics(text in "(environment|hosts\\.a\\.count|network\\.n\\.subnet\\.a\\.cidr|region|stack|network|firewall|role|hosts|host|let|secret|subnet|allow|provision|file|user|cidr|zone|in|from|to|tcp|icmp|all|=|\\{|\\}|\\[|\\]|\\(|\\)|,|\n| |10\\.0\\.0\\.0/16|0\\.0\\.0\\.0/0|22|8080-80|main\\.a|secret\\(\"x\"\\)|\"s\"|AKIAIOSFODNN7EXAMPLE|-----BEGIN PRIVATE KEY-----|a){0,60}") {
            let len = text.len();
            let a = analyze(&Sources::single("p.drove", text));
            // No span shifted for an environment's override is left out of the file.
            for d in a.diagnostics.iter().chain(a.environments.iter().flat_map(|e| &e.diagnostics)) {
                for l in std::iter::once(&d.primary).chain(&d.secondary) {
                    proptest::prop_assert!(l.span.start <= l.span.end && l.span.end <= len, "{d:?}");
                }
            }
            let _ = crate::compile::compile(&a);
            for e in a.environment_names() {
                let _ = crate::compile::compile_in(&a, Some(e));
            }
        }
    }
}
