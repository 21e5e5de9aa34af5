//! What "formatting never changes meaning" is checked against: the tree without spans.

use crate::syntax::cst::{Expr, File, Item, Term};

/// The tree without spans, with comments, and with record types in upper case (which the
/// formatter normalises): two files mean the same when their shapes are equal.
pub fn shape(file: &File) -> String {
    let mut out = String::new();
    for it in &file.items {
        item(&mut out, it, true, false);
    }
    out.push_str("comments:");
    for c in &file.comments {
        out.push_str(c.text.trim_end());
        out.push('|');
    }
    out
}

fn item(out: &mut String, it: &Item, top: bool, in_zone: bool) {
    match it {
        Item::Attr(a) => {
            out.push_str(&format!("attr {} = ", a.key.text));
            expr(out, &a.value);
        }
        Item::Stmt(s) => {
            let head = matches!(s.terms.first(), Some(Term::Word(w)) if w.text == "zone");
            out.push_str("stmt(");
            for (i, t) in s.terms.iter().enumerate() {
                match t {
                    Term::Word(w) if in_zone && i > 0 && i < 3 && super::is_record_type(&w.text) => {
                        out.push_str(&format!("w:{} ", w.text.to_ascii_uppercase()))
                    }
                    Term::Word(w) => out.push_str(&format!("w:{} ", w.text)),
                    Term::Str(s) => out.push_str(&format!("s:{:?}{} ", s.value, s.triple)),
                    Term::Comma(_) => out.push_str(", "),
                }
            }
            out.push(')');
            if let Some(v) = &s.value {
                out.push_str(" = ");
                expr(out, v);
            }
            if let Some(b) = &s.block {
                out.push_str(" {");
                for it in &b.items {
                    item(out, it, false, top && head);
                }
                out.push('}');
            }
        }
        Item::Error(_) => out.push_str("error"),
    }
    out.push('\n');
}

fn expr(out: &mut String, e: &Expr) {
    match e {
        Expr::Word(w) => out.push_str(&format!("w:{}", w.text)),
        Expr::Str(s) => out.push_str(&format!("s:{:?}{}", s.value, s.triple)),
        Expr::List(l) => {
            out.push('[');
            for i in &l.items {
                expr(out, i);
                out.push(',');
            }
            out.push(']');
        }
        Expr::Map(m) => {
            out.push('{');
            for en in &m.entries {
                match &en.key {
                    Term::Word(w) => out.push_str(&w.text),
                    Term::Str(s) => out.push_str(&format!("{:?}", s.value)),
                    Term::Comma(_) => out.push(','),
                }
                out.push('=');
                expr(out, &en.value);
                out.push(';');
            }
            out.push('}');
        }
        Expr::Call(c) => {
            out.push_str(&format!("{}(", c.name.text));
            for a in &c.args {
                expr(out, a);
                out.push(',');
            }
            out.push(')');
        }
        Expr::Error(_) => out.push_str("error"),
    }
}
