//! A `secret("…")` may only be the content of a provisioned file: that is the one place
//! drove keeps it encrypted end to end (into cloud-init, never into a plan or state).

use crate::diag::{Diagnostic, Sink};
use crate::syntax::cst::{self, Expr, Item};

pub const E_SECRET_FLOW: &str = "E0105";

pub fn check(files: &[cst::File], sink: &mut Sink) {
    for f in files {
        for item in &f.items {
            // The value of a `secret` declaration is ciphertext, not a use.
            if let Item::Stmt(s) = item {
                if s.head().text == "secret" {
                    continue;
                }
            }
            walk_item(f.file, item, false, sink);
        }
    }
}

fn walk_item(file: usize, item: &Item, in_provision: bool, sink: &mut Sink) {
    match item {
        Item::Error(_) => {}
        Item::Attr(a) => walk_expr(file, &a.value, sink),
        Item::Stmt(s) => {
            if let Some(v) = s.value.as_deref() {
                let allowed =
                    in_provision && s.head().text == "file" && matches!(v, Expr::Call(c) if c.name.text == "secret");
                if !allowed {
                    walk_expr(file, v, sink);
                }
            }
            if let Some(b) = &s.block {
                let provision = s.head().text == "provision";
                for i in &b.items {
                    walk_item(file, i, provision, sink);
                }
            }
        }
    }
}

fn walk_expr(file: usize, e: &Expr, sink: &mut Sink) {
    match e {
        Expr::Call(c) if c.name.text == "secret" => {
            sink.push(
                Diagnostic::new(E_SECRET_FLOW, file, c.span.clone(), "a secret can only be the content of a provisioned file")
                    .with_label("secret used here")
                    .with_help("secrets flow only into `file \"PATH\" = secret(\"NAME\")` inside a role's `provision` block, where they stay encrypted; anywhere else they would end up in clear in the plan, the state or AWS"),
            );
        }
        Expr::Call(c) => c.args.iter().for_each(|a| walk_expr(file, a, sink)),
        Expr::List(l) => l.items.iter().for_each(|a| walk_expr(file, a, sink)),
        Expr::Map(m) => m.entries.iter().for_each(|en| walk_expr(file, &en.value, sink)),
        Expr::Word(_) | Expr::Str(_) | Expr::Error(_) => {}
    }
}
