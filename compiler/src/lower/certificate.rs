//! `certificate NAME { domain = "…"  names = [ … ] }`.

use super::{decl, Attrs, Cx};
use crate::hir::Certificate;
use crate::syntax::cst::Stmt;

const FORM: &str = "certificate NAME { domain = \"example.com\"  names = [\"www.example.com\"] }";
pub const ATTRS: [&str; 2] = ["domain", "names"];

pub fn lower_certificate(cx: &mut Cx, stmt: &Stmt) -> Option<Certificate> {
    let name = decl::name(cx, stmt, FORM)?;
    decl::no_more_terms(cx, stmt, 2, FORM);
    let block = decl::block(cx, stmt, FORM)?;
    let a = Attrs::read(cx, block, &ATTRS, "certificate", &name);
    a.require(cx, &["domain"]);
    Some(Certificate {
        file: cx.file,
        span: stmt.span.clone(),
        domain: a.string(cx, "domain"),
        names: a.strings(cx, "names"),
        name,
    })
}
