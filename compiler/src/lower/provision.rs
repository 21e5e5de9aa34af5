//! The steps of a role's `provision { … }` block.

use super::decl::term_text;
use super::network::unknown_statement;
use super::value;
use super::{Cx, E_BAD_STATEMENT};
use crate::diag::Diagnostic;
use crate::hir::{FileContent, Ident, Spanned, Step, StepKind};
use crate::literal;
use crate::syntax::cst::{Expr, Stmt, Term};

pub const STEPS: [&str; 5] = ["package", "user", "file", "run", "service"];

pub fn lower_provision(cx: &mut Cx, stmt: &Stmt) -> Vec<Step> {
    let only = super::decl::StatementsOnly {
        what: "provisioning steps",
        label: "expected a step",
        help: "steps are `package`, `user`, `file`, `run` and `service`, one per line",
    };
    let form = "provision { package \"nginx\" … }";
    super::decl::statements_only(cx, stmt, form, only).into_iter().filter_map(|s| lower_step(cx, s)).collect()
}

fn bad(cx: &mut Cx, span: std::ops::Range<usize>, msg: impl Into<String>, help: &str) {
    let d = Diagnostic::new(E_BAD_STATEMENT, cx.file, span, msg).with_help(help);
    cx.report(d);
}

fn lower_step(cx: &mut Cx, s: &Stmt) -> Option<Step> {
    let head = s.head();
    let form = match head.text.as_str() {
        "package" => "package NAME, …",
        "user" => "user NAME [groups GROUP, …] [shell \"PATH\"]",
        "file" => "file \"PATH\" [owner NAME] [mode 0644] = VALUE",
        "run" => "run \"COMMAND\"",
        "service" => "service NAME, …",
        _ => {
            unknown_statement(cx, s, "`provision`", &STEPS);
            return None;
        }
    };
    if let Some(b) = &s.block {
        bad(cx, b.span.clone(), format!("`{}` takes no block", head.text), &format!("write `{form}`"));
        return None;
    }
    if head.text != "file" {
        if let Some(v) = &s.value {
            bad(cx, v.span(), format!("`{}` takes no `= value`", head.text), &format!("write `{form}`"));
            return None;
        }
    }
    let args = s.terms.get(1..).unwrap_or(&[]);
    let kind = match head.text.as_str() {
        "package" | "service" => {
            let names = names(cx, args, head, form)?;
            if head.text == "package" {
                StepKind::Package { names }
            } else {
                StepKind::Service { names }
            }
        }
        "run" => match args {
            [Term::Str(c)] => StepKind::Run { command: Spanned::new(c.value.clone(), c.span.clone()) },
            _ => {
                let at = args.first().map(Term::span).unwrap_or_else(|| head.span.clone());
                bad(cx, at, "`run` takes one quoted command", &format!("write `{form}`"));
                return None;
            }
        },
        "user" => user(cx, args, head, form)?,
        _ => file(cx, s, args, form)?,
    };
    Some(Step { span: s.span.clone(), kind })
}

fn word_or_string(t: &Term) -> Option<Spanned<String>> {
    match t {
        Term::Word(w) => Some(Spanned::new(w.text.to_string(), w.span.clone())),
        Term::Str(s) => Some(Spanned::new(s.value.clone(), s.span.clone())),
        Term::Comma(_) => None,
    }
}

/// `A, B, C`: at least one name, separated by commas.
fn names(cx: &mut Cx, terms: &[Term], head: &crate::syntax::cst::Word, form: &str) -> Option<Vec<Spanned<String>>> {
    let mut out = Vec::new();
    let mut expect_name = true;
    for t in terms {
        match (word_or_string(t), expect_name) {
            (Some(n), true) => {
                out.push(n);
                expect_name = false;
            }
            (None, false) => expect_name = true,
            (Some(n), false) => {
                let d = Diagnostic::new(
                    E_BAD_STATEMENT,
                    cx.file,
                    n.span.clone(),
                    format!("missing `,` before `{}`", n.value),
                )
                .with_fix("insert `,`", cx.file, n.span.start..n.span.start, ", ");
                cx.report(d);
                return None;
            }
            (None, true) => {
                bad(cx, t.span(), "expected a name before `,`", &format!("write `{form}`"));
                return None;
            }
        }
    }
    if out.is_empty() {
        bad(cx, head.span.clone(), format!("`{}` needs at least one name", head.text), &format!("write `{form}`"));
        return None;
    }
    Some(out)
}

fn user(cx: &mut Cx, args: &[Term], head: &crate::syntax::cst::Word, form: &str) -> Option<StepKind> {
    let Some(name) = args.first().and_then(word_or_string) else {
        bad(cx, head.span.clone(), "`user` needs a name", &format!("write `{form}`"));
        return None;
    };
    let mut groups = Vec::new();
    let mut shell = None;
    let mut i = 1;
    while let Some(t) = args.get(i) {
        match t {
            Term::Word(w) if w.text == "groups" => {
                let end = args
                    .iter()
                    .skip(i + 1)
                    .position(|t| matches!(t, Term::Word(w) if w.text == "shell"))
                    .map(|p| p + i + 1);
                let list = args.get(i + 1..end.unwrap_or(args.len())).unwrap_or(&[]);
                groups = names(cx, list, w, form)?;
                i = end.unwrap_or(args.len());
            }
            Term::Word(w) if w.text == "shell" => match args.get(i + 1) {
                Some(Term::Str(s)) => {
                    shell = Some(Spanned::new(s.value.clone(), s.span.clone()));
                    i += 2;
                }
                _ => {
                    bad(cx, w.span.clone(), "`shell` needs a quoted path", &format!("write `{form}`"));
                    return None;
                }
            },
            other => {
                bad(cx, other.span(), format!("unexpected {} in `user`", term_text(other)), &format!("write `{form}`"));
                return None;
            }
        }
    }
    Some(StepKind::User { name, groups, shell })
}

fn file(cx: &mut Cx, s: &Stmt, args: &[Term], form: &str) -> Option<StepKind> {
    let head = s.head();
    let path = match args.first() {
        Some(Term::Str(p)) => Spanned::new(p.value.clone(), p.span.clone()),
        Some(other) => {
            bad(cx, other.span(), "expected the file's path as a quoted string", &format!("write `{form}`"));
            return None;
        }
        None => {
            bad(cx, head.span.clone(), "`file` needs a path", &format!("write `{form}`"));
            return None;
        }
    };
    let mut owner = None;
    let mut mode = None;
    let mut i = 1;
    while let Some(t) = args.get(i) {
        let (Term::Word(kw), Some(arg)) = (t, args.get(i + 1)) else {
            bad(cx, t.span(), format!("unexpected {} in `file`", term_text(t)), &format!("write `{form}`"));
            return None;
        };
        match (kw.text.as_str(), arg) {
            ("owner", a) if word_or_string(a).is_some() => owner = word_or_string(a),
            ("mode", Term::Word(m)) => match literal::file_mode(&m.text) {
                Ok(v) => mode = Some(Spanned::new(v, m.span.clone())),
                Err(e) => {
                    super::value::lit_error(cx, m, e);
                }
            },
            _ => {
                bad(cx, kw.span.clone(), format!("unexpected `{}` in `file`", kw.text), &format!("write `{form}`"));
                return None;
            }
        }
        i += 2;
    }
    let Some(v) = s.value.as_deref() else {
        bad(
            cx,
            path.span.clone(),
            format!("`file \"{}\"` has no content", path.value),
            "add `= \"…\"`, `= file(\"path\")` or `= secret(\"name\")`",
        );
        return None;
    };
    let content = match v {
        Expr::Str(t) => Spanned::new(FileContent::Text(t.value.clone()), t.span.clone()),
        Expr::Call(c) if (c.name.text == "file" || c.name.text == "secret") && c.args.len() == 1 => {
            let arg = value::string(cx, c.args.first()?)?;
            let content = if c.name.text == "file" {
                FileContent::RepoFile(arg.value)
            } else {
                FileContent::Secret(Ident { text: arg.value, span: arg.span })
            };
            Spanned::new(content, c.span.clone())
        }
        other => {
            value::wrong_shape(cx, other, "a string, `file(\"path\")` or `secret(\"name\")`");
            return None;
        }
    };
    Some(StepKind::File { path, owner, mode, content })
}
