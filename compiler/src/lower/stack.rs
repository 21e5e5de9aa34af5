//! `stack`, `let` and `secret` declarations.

use super::decl;
use super::value;
use super::{Attrs, Cx, E_BAD_HEADER};
use crate::diag::Diagnostic;
use crate::hir::{Ident, Let, Secret, Spanned, StackDecl, StateBackend, Tag};
use crate::syntax::cst::{Expr, Stmt, Term};

const STACK_FORM: &str = "stack NAME { region = \"…\" }";
pub(crate) const STACK_ATTRS: [&str; 7] =
    ["region", "state", "tags", "max_delete", "max_zone_delete", "recipients", "ignore_tags"];

pub fn lower_stack(cx: &mut Cx, stmt: &Stmt) -> Option<StackDecl> {
    let name = decl::name(cx, stmt, STACK_FORM)?;
    decl::no_more_terms(cx, stmt, 2, STACK_FORM);
    let block = decl::block(cx, stmt, STACK_FORM)?;
    let a = Attrs::read(cx, block, &STACK_ATTRS, "stack", &name);
    a.require(cx, &["region"]);
    let state = a.expr("state").and_then(|e| state(cx, e));
    let mut tags: Vec<Tag> = a.string_map(cx, "tags").into_iter().map(|(key, value)| Tag { key, value }).collect();
    // An environment's tags are merged over the stack's.
    if let Some(own) = a.own_expr("tags").filter(|_| a.is_overridden("tags")) {
        for (key, value) in value::string_map(cx, own).into_iter().rev() {
            if !tags.iter().any(|t| t.key.value == key.value) {
                tags.insert(0, Tag { key, value });
            }
        }
    }
    let ignored = a.strings(cx, "ignore_tags");
    Some(StackDecl {
        file: cx.file,
        span: stmt.span.clone(),
        region: a.string(cx, "region"),
        state,
        tags,
        max_delete: a.share(cx, "max_delete"),
        max_zone_delete: a.share(cx, "max_zone_delete"),
        recipients: a.strings(cx, "recipients"),
        ignore_tags: ignore_tags(cx, ignored),
        name,
    })
}

/// Tag keys, or prefixes ending in `*`; drove's own keys cannot be left alone, since they
/// are how drove knows what it owns.
fn ignore_tags(cx: &mut Cx, keys: Vec<Spanned<String>>) -> Vec<Spanned<String>> {
    keys.into_iter()
        .filter(|k| {
            let v = k.value.as_str();
            let why = if v.is_empty() || v == "*" {
                "an empty key or a lone `*` would leave every tag alone"
            } else if v.starts_with("drove:") {
                "drove's own tags (`drove:stack`, `drove:address`, `drove:lineage`, `drove:role`) say what it owns"
            } else if v.trim_end_matches('*').contains('*') {
                "`*` may only end a key, as a prefix match"
            } else {
                return true;
            };
            cx.report(
                Diagnostic::new(
                    super::E_WRONG_SHAPE,
                    cx.file,
                    k.span.clone(),
                    format!("`ignore_tags` cannot hold `{v}`"),
                )
                .with_label("not a tag key drove can leave alone")
                .with_help(why),
            );
            false
        })
        .collect()
}

fn state(cx: &mut Cx, e: &Expr) -> Option<Spanned<StateBackend>> {
    const EXPECTED: &str = "`local(\"path\")` or `s3(\"bucket\", \"key\")`";
    let Expr::Call(c) = e else {
        value::wrong_shape(cx, e, EXPECTED);
        return None;
    };
    let args: Vec<Option<Spanned<String>>> = c.args.iter().map(|a| value::string(cx, a)).collect();
    let backend = match (c.name.text.as_str(), args.as_slice()) {
        ("local", [Some(path)]) => StateBackend::Local { path: path.value.clone() },
        ("s3", [Some(bucket), Some(key)]) => StateBackend::S3 { bucket: bucket.value.clone(), key: key.value.clone() },
        // A bad argument was reported by `value::string`.
        ("local", [_]) | ("s3", [_, _]) => return None,
        _ => {
            value::wrong_shape(cx, e, EXPECTED);
            return None;
        }
    };
    Some(Spanned::new(backend, c.span.clone()))
}

const LET_FORM: &str = "let NAME = VALUE";

pub fn lower_let(cx: &mut Cx, stmt: &Stmt) -> Option<Let> {
    let name = decl::name(cx, stmt, LET_FORM)?;
    decl::no_more_terms(cx, stmt, 2, LET_FORM);
    decl::no_block(cx, stmt, LET_FORM);
    let Some(value) = stmt.value.as_deref() else {
        let d = Diagnostic::new(E_BAD_HEADER, cx.file, name.span.clone(), format!("`let {}` has no value", name.text))
            .with_label("`= VALUE` expected after this")
            .with_help(format!("write `let {} = VALUE`", name.text));
        cx.report(d);
        return None;
    };
    cidr_host_bits(cx, value);
    Some(Let { file: cx.file, name, span: stmt.span.clone(), value: value.clone() })
}

/// A `let` is typed where it is used, but a CIDR written with host bits is wrong wherever
/// it goes: reported here, once, at the word, rather than at every use (where a rule
/// source said only "does not hold CIDRs"). The uses then stay silent about it.
fn cidr_host_bits(cx: &mut Cx, value: &Expr) {
    let members = match value {
        Expr::List(l) => l.items.iter().collect(),
        other => vec![other],
    };
    for m in members {
        if let Expr::Word(w) = m {
            // Only host bits: a word with any other CIDR problem may be meant as another
            // kind of literal, which its use decides.
            match crate::literal::cidr(&w.text) {
                Err(e) if e.code == crate::literal::E_CIDR_HOST_BITS => value::lit_error(cx, w, e),
                _ => {}
            }
        }
    }
}

const SECRET_FORM: &str = "secret \"NAME\" = \"CIPHERTEXT\"";

pub fn lower_secret(cx: &mut Cx, stmt: &Stmt) -> Option<Secret> {
    let name = match stmt.terms.get(1) {
        Some(Term::Str(s)) => Ident { text: s.value.clone(), span: s.span.clone() },
        Some(Term::Word(w)) => Ident { text: w.text.to_string(), span: w.span.clone() },
        Some(t) => {
            let d = Diagnostic::new(E_BAD_HEADER, cx.file, t.span(), "expected the secret's name")
                .with_help(format!("write `{SECRET_FORM}`"));
            cx.report(d);
            return None;
        }
        None => {
            let d = Diagnostic::new(E_BAD_HEADER, cx.file, stmt.head().span.clone(), "`secret` needs a name")
                .with_help(format!("write `{SECRET_FORM}` (made by `drove secret encrypt`)"));
            cx.report(d);
            return None;
        }
    };
    decl::no_more_terms(cx, stmt, 2, SECRET_FORM);
    decl::no_block(cx, stmt, SECRET_FORM);
    let ciphertext = match &stmt.value {
        Some(v) => value::string(cx, v),
        None => {
            let d = Diagnostic::new(
                E_BAD_HEADER,
                cx.file,
                name.span.clone(),
                format!("secret `{}` has no value", name.text),
            )
            .with_help("encrypt the value with `drove secret encrypt`, which writes the whole declaration");
            cx.report(d);
            None
        }
    };
    Some(Secret { file: cx.file, name, span: stmt.span.clone(), ciphertext })
}

const USE_FORM: &str = "use NAME = \"../network\"";

/// `use NAME = "PATH"`: the path is kept as written; `crate::uses` finds the stack.
pub fn lower_use(cx: &mut Cx, stmt: &Stmt) -> Option<crate::hir::Use> {
    let name = decl::name(cx, stmt, USE_FORM)?;
    decl::no_more_terms(cx, stmt, 2, USE_FORM);
    decl::no_block(cx, stmt, USE_FORM);
    let path = match stmt.value.as_deref() {
        Some(Expr::Str(s)) => Some(Spanned::new(s.value.clone(), s.span.clone())),
        Some(other) => {
            value::wrong_shape(cx, other, "the used stack's directory as a string, such as `\"../network\"`");
            None
        }
        None => {
            let d =
                Diagnostic::new(E_BAD_HEADER, cx.file, name.span.clone(), format!("`use {}` has no path", name.text))
                    .with_label("`= \"PATH\"` expected after this")
                    .with_help(format!("write `use {} = \"../STACK-DIRECTORY\"`", name.text));
            cx.report(d);
            None
        }
    };
    Some(crate::hir::Use { file: cx.file, name, span: stmt.span.clone(), path, target: None })
}
