//! `moved { from = ADDRESS  to = ADDRESS }`. An address is a word (`firewall.web`,
//! `zone.example.com.`) or, where it holds brackets, a string (`"hosts.app[0]"`).

use super::{decl, value, Attrs, Cx};
use crate::hir::{Ident, Moved, Spanned};
use crate::syntax::cst::{Expr, Stmt};

const FORM: &str = "moved { from = firewall.web  to = firewall.office }";
pub const ATTRS: [&str; 2] = ["from", "to"];

pub fn lower_moved(cx: &mut Cx, stmt: &Stmt) -> Option<Moved> {
    decl::no_more_terms(cx, stmt, 1, FORM);
    let block = decl::block(cx, stmt, FORM)?;
    let head = stmt.head();
    // Messages name it "moved `moved`" otherwise; the keyword is what there is to point at.
    let owner = Ident { text: "declaration".into(), span: head.span.clone() };
    let a = Attrs::read(cx, block, &ATTRS, "moved", &owner);
    a.require(cx, &ATTRS);
    let from = a.expr("from").and_then(|e| address(cx, e));
    let to = a.expr("to").and_then(|e| address(cx, e));
    Some(Moved { file: cx.file, span: stmt.span.clone(), keyword: head.span.clone(), from, to })
}

fn address(cx: &mut Cx, e: &Expr) -> Option<Spanned<String>> {
    match e {
        Expr::Word(w) => Some(Spanned::new(w.text.to_string(), w.span.clone())),
        Expr::Str(s) => Some(Spanned::new(s.value.clone(), s.span.clone())),
        other => {
            value::wrong_shape(cx, other, "a resource address such as `firewall.web`");
            None
        }
    }
}
