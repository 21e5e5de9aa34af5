//! Typed readers for one value (`cst::Expr`). Each returns `None` after reporting when the
//! value has the wrong shape or is a bad literal; a `secret(…)` call returns `None`
//! silently because the secret-flow check reports it once, wherever it stands.

use super::{Cx, E_WRONG_SHAPE};
use crate::diag::Diagnostic;
use crate::hir::{Ref, Spanned};
use crate::literal::{self, LitError};
use crate::syntax::cst::{Expr, Term, Word};
use ipnet::IpNet;
use std::net::IpAddr;

/// "a string", "a list", "`image(…)`": how a value is named in "expected X, found Y".
pub fn describe(e: &Expr) -> String {
    match e {
        Expr::Word(w) => format!("`{}`", w.text),
        Expr::Str(_) => "a string".into(),
        Expr::List(_) => "a list".into(),
        Expr::Map(_) => "a map".into(),
        Expr::Call(c) => format!("`{}(…)`", c.name.text),
        Expr::Error(_) => "an invalid value".into(),
    }
}

pub fn is_secret_call(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if c.name.text == "secret")
}

/// Reports "expected X, found Y" unless the value was already reported (a syntax error or
/// a secret, which the secret-flow check reports).
pub fn wrong_shape(cx: &mut Cx, e: &Expr, expected: &str) {
    if matches!(e, Expr::Error(_)) || is_secret_call(e) {
        return;
    }
    let d = Diagnostic::new(E_WRONG_SHAPE, cx.file, e.span(), format!("expected {expected}, found {}", describe(e)))
        .with_label(format!("expected {expected}"));
    cx.report(d);
}

/// Reports a bad literal at its word, with the literal's help and a replacement fix.
pub fn lit_error(cx: &mut Cx, w: &Word, e: LitError) {
    let mut d = Diagnostic::new(e.code, cx.file, w.span.clone(), e.message);
    if let Some(h) = e.help {
        d = d.with_help(h);
    }
    if let Some(f) = e.fix {
        d = d.with_fix(format!("replace with `{f}`"), cx.file, w.span.clone(), f);
    }
    cx.report(d);
}

/// A bare name, which may stand for a `let` constant where a literal is expected.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Reads a word-typed literal, substituting a `let` constant for a bare name.
pub fn literal<T>(cx: &mut Cx, e: &Expr, expected: &str, parse: fn(&str) -> Result<T, LitError>) -> Option<Spanned<T>> {
    match e {
        Expr::Word(w) => match parse(&w.text) {
            Ok(v) => Some(Spanned::new(v, w.span.clone())),
            Err(err) => {
                if is_name(&w.text) {
                    if let Some((file, value)) = cx.let_value(&w.text) {
                        let span = w.span.clone();
                        return cx
                            .in_let(w, file, |cx| literal(cx, value, expected, parse))
                            .map(|v| Spanned::new(v.value, span));
                    }
                }
                // Host bits in a `let` were reported at the `let` itself (`lower_let`).
                if !(cx.in_let_value() && err.code == literal::E_CIDR_HOST_BITS) {
                    lit_error(cx, w, err);
                }
                None
            }
        },
        Expr::Str(s) if parse(&s.value).is_ok() => {
            let d =
                Diagnostic::new(E_WRONG_SHAPE, cx.file, s.span.clone(), format!("expected {expected}, found a string"))
                    .with_label(format!("expected {expected}"))
                    .with_help("typed literals are written without quotes")
                    .with_fix("remove the quotes", cx.file, s.span.clone(), s.value.clone());
            cx.report(d);
            None
        }
        other => {
            wrong_shape(cx, other, expected);
            None
        }
    }
}

pub fn integer(cx: &mut Cx, e: &Expr) -> Option<Spanned<u64>> {
    literal(cx, e, "a whole number", literal::integer)
}

pub fn boolean(cx: &mut Cx, e: &Expr) -> Option<Spanned<bool>> {
    literal(cx, e, "`true` or `false`", literal::boolean)
}

pub fn cidr(cx: &mut Cx, e: &Expr) -> Option<Spanned<IpNet>> {
    literal(cx, e, "a CIDR", literal::cidr)
}

pub fn address(cx: &mut Cx, e: &Expr) -> Option<Spanned<IpAddr>> {
    literal(cx, e, "an IP address", literal::address)
}

pub fn duration(cx: &mut Cx, e: &Expr) -> Option<Spanned<u64>> {
    literal(cx, e, "a duration", literal::duration)
}

pub fn ttl(cx: &mut Cx, e: &Expr) -> Option<Spanned<u64>> {
    literal(cx, e, "a TTL", literal::ttl)
}

pub fn size_gib(cx: &mut Cx, e: &Expr) -> Option<Spanned<u64>> {
    literal(cx, e, "a size", literal::size_gib)
}

pub fn share(cx: &mut Cx, e: &Expr) -> Option<Spanned<f64>> {
    literal(cx, e, "a share", literal::share)
}

pub fn file_mode(cx: &mut Cx, e: &Expr) -> Option<Spanned<u32>> {
    literal(cx, e, "a file mode", literal::file_mode)
}

/// A quoted string (a `let` constant holding one is accepted).
pub fn string(cx: &mut Cx, e: &Expr) -> Option<Spanned<String>> {
    match e {
        Expr::Str(s) => Some(Spanned::new(s.value.clone(), s.span.clone())),
        Expr::Word(w) if is_name(&w.text) && cx.let_value(&w.text).is_some() => {
            let (file, value) = cx.let_value(&w.text)?;
            let span = w.span.clone();
            cx.in_let(w, file, |cx| string(cx, value)).map(|v| Spanned::new(v.value, span))
        }
        Expr::Word(w) => {
            let d = Diagnostic::new(
                E_WRONG_SHAPE,
                cx.file,
                w.span.clone(),
                format!("expected a string, found `{}`", w.text),
            )
            .with_label("expected a string")
            .with_help("strings are written in double quotes")
            .with_fix("add quotes", cx.file, w.span.clone(), format!("\"{}\"", w.text));
            cx.report(d);
            None
        }
        other => {
            wrong_shape(cx, other, "a string");
            None
        }
    }
}

/// A word or a string, for names that are often written either way (`type = t3.medium`).
pub fn text(cx: &mut Cx, e: &Expr) -> Option<Spanned<String>> {
    match e {
        Expr::Str(s) => Some(Spanned::new(s.value.clone(), s.span.clone())),
        Expr::Word(w) => Some(Spanned::new(w.text.to_string(), w.span.clone())),
        other => {
            wrong_shape(cx, other, "a name");
            None
        }
    }
}

/// A reference: a bare name or a dotted path.
pub fn reference(cx: &mut Cx, e: &Expr) -> Option<Ref> {
    match e {
        Expr::Word(w) if w.text.split('.').all(|p| !p.is_empty()) => Some(Ref::from_word(&w.text, w.span.clone())),
        other => {
            wrong_shape(cx, other, "a name");
            None
        }
    }
}

/// The members of a list; a single value is accepted as a list of one, the way people
/// write `firewall = web` for `firewall = [web]`.
pub fn items(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::List(l) => l.items.iter().collect(),
        other => vec![other],
    }
}

pub fn references(cx: &mut Cx, e: &Expr) -> Vec<Ref> {
    items(e).into_iter().filter_map(|i| reference(cx, i)).collect()
}

pub fn strings(cx: &mut Cx, e: &Expr) -> Vec<Spanned<String>> {
    match e {
        Expr::List(l) => l.items.iter().filter_map(|i| string(cx, i)).collect(),
        other => {
            wrong_shape(cx, other, "a list of strings");
            Vec::new()
        }
    }
}

/// A `{ key = "value" }` map of strings; keys may be words or strings.
pub fn string_map(cx: &mut Cx, e: &Expr) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Expr::Map(m) = e else {
        wrong_shape(cx, e, "a map like `{ key = \"value\" }`");
        return Vec::new();
    };
    let mut out: Vec<(Spanned<String>, Spanned<String>)> = Vec::new();
    for entry in &m.entries {
        let key = match &entry.key {
            Term::Word(w) => Spanned::new(w.text.to_string(), w.span.clone()),
            Term::Str(s) => Spanned::new(s.value.clone(), s.span.clone()),
            Term::Comma(_) => continue,
        };
        if let Some(first) = out.iter().find(|(k, _)| k.value == key.value) {
            let d = Diagnostic::new(
                super::E_DUPLICATE_ATTRIBUTE,
                cx.file,
                key.span.clone(),
                format!("`{}` is set twice", key.value),
            )
            .with_label("set again here")
            .with_secondary(cx.file, first.0.span.clone(), "first set here")
            .with_help("remove one of them");
            cx.report(d);
            continue;
        }
        if let Some(v) = string(cx, &entry.value) {
            out.push((key, v));
        }
    }
    out
}
