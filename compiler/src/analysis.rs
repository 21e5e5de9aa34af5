//! The one entry point the CLI and the language server share: parse, lower and check a
//! stack, keeping the trees so hover, go-to-definition and the formatter can use them.

use crate::diag::{Diagnostic, Sink};
use crate::hir;
use crate::source::Sources;
use crate::syntax::{self, cst};

pub struct Analysis {
    /// One tree per file, in the order of `Sources::files`.
    pub files: Vec<cst::File>,
    pub stack: hir::Stack,
    /// Sorted by file, then position, then code.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn analyze(sources: &Sources) -> Analysis {
    let mut sink = Sink::default();
    let mut files = Vec::with_capacity(sources.files.len());
    for (id, f) in sources.files.iter().enumerate() {
        let (tree, diags) = syntax::parse(id, &f.text);
        sink.diagnostics.extend(diags);
        files.push(tree);
    }
    let mut stack = crate::lower::lower(&files, &mut sink);
    stack.dir = sources.dir();
    crate::check::run_syntax(&files, &mut sink);
    crate::check::run(&stack, &mut sink);
    let mut diagnostics = sink.diagnostics;
    diagnostics.sort_by(|a, b| {
        (a.primary.file, a.primary.span.start, a.primary.span.end, a.code).cmp(&(
            b.primary.file,
            b.primary.span.start,
            b.primary.span.end,
            b.code,
        ))
    });
    diagnostics.dedup();
    Analysis { files, stack, diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Lowering and checking never panic, whatever the parser hands them.
        #[test]
        fn analysis_never_panics(text in "(stack|network|firewall|role|hosts|host|let|secret|subnet|allow|provision|file|user|cidr|zone|in|from|to|tcp|icmp|all|=|\\{|\\}|\\[|\\]|\\(|\\)|,|\n| |10\\.0\\.0\\.0/16|0\\.0\\.0\\.0/0|22|8080-80|main\\.a|secret\\(\"x\"\\)|\"s\"|AKIAIOSFODNN7EXAMPLE|-----BEGIN PRIVATE KEY-----|a){0,60}") {
            let a = analyze(&Sources::single("p.drove", text));
            let _ = crate::compile::compile(&a);
        }
    }
}
