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
    let stack = crate::lower::lower(&files, &mut sink);
    crate::check::run_syntax(&files, &mut sink);
    crate::check::run(&stack, &mut sink);
    let mut diagnostics = sink.diagnostics;
    diagnostics.sort_by(|a, b| {
        (a.primary.file, a.primary.span.start, a.primary.span.end, a.code)
            .cmp(&(b.primary.file, b.primary.span.start, b.primary.span.end, b.code))
    });
    diagnostics.dedup();
    Analysis { files, stack, diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The areas whose rules live in this part of the compiler; the fixture runner of
    /// the tests crate covers every area.
    const AREAS: [&str; 6] = ["structure", "literal", "names", "network", "firewall", "secrets"];

    fn drove_files(dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "drove")).collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
    }

    #[test]
    fn ok_fixtures_give_no_diagnostics() {
        let mut seen = 0;
        let mut failures = Vec::new();
        for area in AREAS {
            for path in drove_files(&root().join("ok").join(area)) {
                let a = analyze(&crate::source::load(&path).expect("fixture loads"));
                let got: Vec<String> = a.diagnostics.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
                if !got.is_empty() {
                    failures.push(format!("{}: {got:#?}", path.display()));
                }
                seen += 1;
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(seen >= 3, "expected ok fixtures, found {seen}");
    }

    #[test]
    fn err_fixtures_give_their_codes() {
        let mut seen = 0;
        let mut failures = Vec::new();
        for area in AREAS {
            for path in drove_files(&root().join("err").join(area)) {
                let sources = crate::source::load(&path).expect("fixture loads");
                let first = sources.files[0].text.lines().next().unwrap_or_default().to_string();
                let expected: std::collections::BTreeSet<&str> =
                    first.strip_prefix("# expect:").expect("first line is `# expect: CODE, …`").split(',').map(str::trim).collect();
                let a = analyze(&sources);
                let got: std::collections::BTreeSet<&str> = a.diagnostics.iter().map(|d| d.code).collect();
                let detail: Vec<String> = a.diagnostics.iter().map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message)).collect();
                if got != expected {
                    failures.push(format!("{}: expected {expected:?}, got {detail:#?}", path.display()));
                }
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                assert!(expected.iter().any(|c| stem.starts_with(c)), "{}: named after a code it expects", path.display());
                seen += 1;
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(seen >= 40, "expected error fixtures, found {seen}");
    }

    proptest::proptest! {
        /// Lowering and checking never panic, whatever the parser hands them.
        #[test]
        fn analysis_never_panics(text in "(stack|network|firewall|role|hosts|host|let|secret|subnet|allow|provision|file|user|cidr|zone|in|from|to|tcp|icmp|all|=|\\{|\\}|\\[|\\]|\\(|\\)|,|\n| |10\\.0\\.0\\.0/16|0\\.0\\.0\\.0/0|22|8080-80|main\\.a|secret\\(\"x\"\\)|\"s\"|AKIAIOSFODNN7EXAMPLE|-----BEGIN PRIVATE KEY-----|a){0,60}") {
            let a = analyze(&Sources::single("p.drove", text));
            let _ = crate::compile::compile(&a.stack);
        }
    }
}
