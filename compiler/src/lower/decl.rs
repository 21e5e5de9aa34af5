//! The header of a declaration: `KEYWORD NAME [in NETWORK] { … }` or `let NAME = VALUE`.

use super::{Cx, E_BAD_HEADER, E_MISSING_BLOCK};
use crate::diag::Diagnostic;
use crate::hir::Ident;
use crate::syntax::cst::{Block, Stmt, Term};

/// Names are what references can point at, so they cannot hold `.` (the path separator).
pub fn valid_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The name after the keyword (`network main`). `form` shows the expected shape in help.
pub fn name(cx: &mut Cx, stmt: &Stmt, form: &str) -> Option<Ident> {
    let head = stmt.head();
    match stmt.terms.get(1) {
        Some(Term::Word(w)) if valid_name(&w.text) => Some(Ident { text: w.text.to_string(), span: w.span.clone() }),
        Some(Term::Word(w)) => {
            let d = Diagnostic::new(
                E_BAD_HEADER,
                cx.file,
                w.span.clone(),
                format!("`{}` is not a valid {} name", w.text, head.text),
            )
            .with_label("invalid name")
            .with_help("names are letters, digits, `-` and `_`, starting with a letter or digit");
            cx.report(d);
            None
        }
        Some(other) => {
            let d =
                Diagnostic::new(E_BAD_HEADER, cx.file, other.span(), format!("expected a name after `{}`", head.text))
                    .with_help(format!("write `{form}`"));
            cx.report(d);
            None
        }
        None => {
            let d = Diagnostic::new(E_BAD_HEADER, cx.file, head.span.clone(), format!("`{}` needs a name", head.text))
                .with_label("name missing")
                .with_help(format!("write `{form}`"));
            cx.report(d);
            None
        }
    }
}

/// Reports terms after position `from` that the declaration does not take.
pub fn no_more_terms(cx: &mut Cx, stmt: &Stmt, from: usize, form: &str) {
    if let Some(extra) = stmt.terms.get(from) {
        let d = Diagnostic::new(
            E_BAD_HEADER,
            cx.file,
            extra.span(),
            format!("unexpected {} in `{}` declaration", term_text(extra), stmt.head().text),
        )
        .with_label("not expected here")
        .with_help(format!("write `{form}`"));
        cx.report(d);
    }
}

pub fn term_text(t: &Term) -> String {
    match t {
        Term::Word(w) => format!("`{}`", w.text),
        Term::Str(_) => "a string".into(),
        Term::Comma(_) => "`,`".into(),
    }
}

/// The `{ … }` of a declaration that needs one (E0058 when missing).
pub fn block<'t>(cx: &mut Cx, stmt: &'t Stmt, form: &str) -> Option<&'t Block> {
    if let Some(v) = &stmt.value {
        let d = Diagnostic::new(
            E_BAD_HEADER,
            cx.file,
            v.span(),
            format!("`{}` takes a block, not `= value`", stmt.head().text),
        )
        .with_help(format!("write `{form}`"));
        cx.report(d);
    }
    match &stmt.block {
        Some(b) => Some(b),
        None => {
            let at = stmt.terms.last().map(Term::span).unwrap_or_else(|| stmt.span.clone());
            let d = Diagnostic::new(
                E_MISSING_BLOCK,
                cx.file,
                at,
                format!("`{}` needs a `{{ … }}` block", stmt.head().text),
            )
            .with_label("block expected after this")
            .with_help(format!("write `{form}`"));
            cx.report(d);
            None
        }
    }
}

/// Reports a block on a statement that takes none.
pub fn no_block(cx: &mut Cx, stmt: &Stmt, form: &str) {
    if let Some(b) = &stmt.block {
        let d =
            Diagnostic::new(E_BAD_HEADER, cx.file, b.span.clone(), format!("`{}` takes no block", stmt.head().text))
                .with_help(format!("write `{form}`"));
        cx.report(d);
    }
}

/// What a block of statements only holds, for its messages: `provisioning steps`, `expected
/// a step`, and the help naming them.
pub struct StatementsOnly<'a> {
    pub what: &'a str,
    pub label: &'a str,
    pub help: &'a str,
}

/// The statements of `KEYWORD { … }` (a role's `provision` or `access`): words after the
/// keyword and `key = …` lines inside are reported, and what is left is returned.
pub fn statements_only<'t>(cx: &mut Cx, stmt: &'t Stmt, form: &str, only: StatementsOnly) -> Vec<&'t Stmt> {
    let keyword = stmt.head().text.clone();
    if let Some(t) = stmt.terms.get(1) {
        let d = Diagnostic::new(
            super::E_BAD_STATEMENT,
            cx.file,
            t.span(),
            format!("unexpected {} after `{keyword}`", term_text(t)),
        )
        .with_help(format!("write `{form}`"));
        cx.report(d);
    }
    let Some(block) = block(cx, stmt, form) else { return Vec::new() };
    let mut out = Vec::new();
    for item in &block.items {
        match item {
            crate::syntax::cst::Item::Error(_) => {}
            crate::syntax::cst::Item::Attr(a) => {
                let d = Diagnostic::new(
                    super::E_ATTRIBUTE_NOT_ALLOWED,
                    cx.file,
                    a.key.span.clone(),
                    format!("`{} = …` in `{keyword}`: only {} are allowed here", a.key.text, only.what),
                )
                .with_label(only.label)
                .with_help(only.help);
                cx.report(d);
            }
            crate::syntax::cst::Item::Stmt(s) => out.push(s),
        }
    }
    out
}
