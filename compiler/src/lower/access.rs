//! The lines of a role's `access { … }` block: what its hosts may touch in AWS.

use super::network::unknown_statement;
use super::{Cx, E_BAD_STATEMENT};
use crate::diag::{did_you_mean, Diagnostic};
use crate::hir::{Access, AccessService, Spanned};
use crate::syntax::cst::{Stmt, Term};

pub const FORM: &str = "s3 \"BUCKET/PREFIX*\" read, write";
pub const MODES: [&str; 2] = ["read", "write"];
/// A mode other than `read` and `write`.
pub const E_ACCESS_MODE: &str = "E0228";

pub fn lower_access(cx: &mut Cx, stmt: &Stmt) -> Vec<Access> {
    let help = format!("write `{FORM}`, `parameter \"/PATH/*\" read` or `logs \"GROUP\" write`");
    let only = super::decl::StatementsOnly { what: "access lines", label: "expected an access line", help: &help };
    let form = "access { s3 \"BUCKET/*\" read }";
    super::decl::statements_only(cx, stmt, form, only).into_iter().filter_map(|s| line(cx, s)).collect()
}

fn bad(cx: &mut Cx, span: std::ops::Range<usize>, msg: String, help: &str) {
    cx.report(Diagnostic::new(E_BAD_STATEMENT, cx.file, span, msg).with_help(help));
}

fn line(cx: &mut Cx, s: &Stmt) -> Option<Access> {
    let head = s.head();
    let words: Vec<&str> = AccessService::ALL.iter().map(|(w, _)| *w).collect();
    let Some(service) = AccessService::ALL.iter().find(|(w, _)| *w == head.text).map(|(_, k)| *k) else {
        unknown_statement(cx, s, "`access`", &words);
        return None;
    };
    let form = format!("{} \"{}\" read, write", service.word(), example(service));
    if let Some(b) = &s.block {
        bad(cx, b.span.clone(), format!("`{}` takes no block", head.text), &format!("write `{form}`"));
        return None;
    }
    if let Some(v) = &s.value {
        bad(cx, v.span(), format!("`{}` takes no `= value`", head.text), &format!("write `{form}`"));
        return None;
    }
    let target = match s.terms.get(1) {
        Some(Term::Str(t)) => Spanned::new(t.value.clone(), t.span.clone()),
        Some(Term::Word(w)) => Spanned::new(w.text.to_string(), w.span.clone()),
        other => {
            let at = other.map(Term::span).unwrap_or_else(|| head.span.clone());
            bad(cx, at, format!("`{}` needs what it gives access to", head.text), &format!("write `{form}`"));
            return None;
        }
    };
    let (mut read, mut write) = (false, false);
    let mut mode_span: Option<std::ops::Range<usize>> = None;
    let mut expect_mode = true;
    for t in s.terms.iter().skip(2) {
        match (t, expect_mode) {
            (Term::Word(w), true) => {
                match w.text.as_str() {
                    "read" => read = true,
                    "write" => write = true,
                    other => {
                        mode_error(cx, other, w.span.clone());
                        return None;
                    }
                }
                mode_span = Some(mode_span.map_or(w.span.clone(), |m| m.start..w.span.end));
                expect_mode = false;
            }
            (Term::Comma(_), false) => expect_mode = true,
            (Term::Word(w), false) => {
                let d = Diagnostic::new(
                    E_BAD_STATEMENT,
                    cx.file,
                    w.span.clone(),
                    format!("missing `,` before `{}`", w.text),
                )
                .with_fix("insert `,`", cx.file, w.span.start..w.span.start, ", ");
                cx.report(d);
                return None;
            }
            (t, _) => {
                bad(
                    cx,
                    t.span(),
                    format!("unexpected {} in an access line", super::decl::term_text(t)),
                    &format!("write `{form}`"),
                );
                return None;
            }
        }
    }
    let Some(mode_span) = mode_span else {
        let d = Diagnostic::new(
            E_BAD_STATEMENT,
            cx.file,
            target.span.clone(),
            format!("say whether the hosts may read or write `{}`", target.value),
        )
        .with_label("no `read` or `write` after this")
        .with_help(format!("write `{form}`"))
        .with_fix("give read access", cx.file, target.span.end..target.span.end, " read");
        cx.report(d);
        return None;
    };
    Some(Access {
        span: s.span.clone(),
        service: Spanned::new(service, head.span.clone()),
        target,
        read,
        write,
        mode_span,
    })
}

fn mode_error(cx: &mut Cx, word: &str, span: std::ops::Range<usize>) {
    let mut d = Diagnostic::new(E_ACCESS_MODE, cx.file, span.clone(), format!("`{word}` is not an access mode"))
        .with_label("expected `read` or `write`");
    d = match did_you_mean(word, MODES) {
        Some(m) => d.with_replacement(cx.file, span, m),
        None => d.with_help("write `read`, `write`, or both: `read, write`"),
    };
    cx.report(d);
}

/// A target of the service's shape, for messages.
pub fn example(service: AccessService) -> &'static str {
    match service {
        AccessService::S3 => "BUCKET/PREFIX*",
        AccessService::Parameter => "/PATH/*",
        AccessService::Logs => "LOG-GROUP",
    }
}
