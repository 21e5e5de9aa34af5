//! Test helper: source text through the parser, lowering and one check.

use crate::diag::{Diagnostic, Sink};
use crate::hir::Stack;

/// Diagnostics of `check` on a one-file stack; fails the test when the text does not
/// parse and lower cleanly, so a test cannot pass on a typo in its own source.
pub fn run(text: &str, check: fn(&Stack, &mut Sink)) -> Vec<Diagnostic> {
    let (file, parse_diags) = crate::syntax::parse(0, text);
    assert!(parse_diags.is_empty(), "parse errors: {parse_diags:#?}");
    let mut sink = Sink::default();
    let stack = crate::lower::lower(&[file], &mut sink);
    assert!(sink.diagnostics.is_empty(), "lowering errors: {:#?}", sink.diagnostics);
    check(&stack, &mut sink);
    sink.diagnostics
}

pub fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

/// The source text under a diagnostic's primary span.
pub fn primary_text<'t>(text: &'t str, d: &Diagnostic) -> &'t str {
    text.get(d.primary.span.clone()).unwrap_or("")
}
