//! The attribute reader: see the module documentation of `lower`.

use super::value;
use super::{Cx, E_DUPLICATE_ATTRIBUTE, E_MISSING_ATTRIBUTE, E_STATEMENT_NOT_ALLOWED, E_UNKNOWN_ATTRIBUTE};
use crate::diag::{did_you_mean, Diagnostic};
use crate::hir::{Ident, Ref, Spanned};
use crate::syntax::cst::{Attr, Block, Expr, Item, Stmt};
use ipnet::IpNet;
use std::net::IpAddr;

/// The attributes of one block, each known key at most once.
pub struct Attrs<'t> {
    /// "subnet `public-a`": how messages name the block.
    owner: String,
    /// Where "missing attribute" points: the declaration's name.
    owner_span: std::ops::Range<usize>,
    attrs: Vec<&'t Attr>,
    /// An environment's overrides of this block (`hosts.app.count = 4`), read in place of
    /// the block's own attribute of the same key. Their spans are shifted (see
    /// `crate::environment`), so what is reported about them lands at the override.
    overridden: Vec<Attr>,
    stmts: Vec<&'t Stmt>,
    /// The declaration's keyword (`subnet`), for what a missing attribute's fix inserts.
    kind: String,
    /// Where a missing attribute is inserted.
    insert_at: Insertion,
}

/// Before the block's first item, or just inside the braces of an empty block.
enum Insertion {
    Before(usize),
    Into(usize),
}

/// A value that checks for a required attribute, where one choice is as good as another
/// to start from; attributes that name something (a role, a subnet) or an address block
/// are the author's to choose, and get no fix.
fn placeholder(kind: &str, key: &str) -> Option<&'static str> {
    Some(match (kind, key) {
        ("stack", "region") => "\"us-east-1\"",
        ("subnet", "zone") => "a",
        ("role", "image") => "image(\"debian-12-amd64-*\")",
        ("role", "type") => "t3.micro",
        ("hosts", "count") => "1",
        ("healthcheck", "type") => "https",
        ("target", "port") => "80",
        _ => return None,
    })
}

impl<'t> Attrs<'t> {
    /// Reads a block that holds only attributes; statements are reported (E0055).
    pub fn read(cx: &mut Cx, block: &'t Block, known: &[&str], kind: &str, name: &Ident) -> Attrs<'t> {
        let attrs = Self::read_with_statements(cx, block, known, kind, name);
        for s in &attrs.stmts {
            let head = s.head();
            let mut d = Diagnostic::new(
                E_STATEMENT_NOT_ALLOWED,
                cx.file,
                head.span.clone(),
                format!("`{}` is not an attribute of {}", head.text, attrs.owner),
            )
            .with_label("expected `key = value`");
            if known.contains(&head.text.as_str()) {
                d = d.with_help(format!("write `{} = …`", head.text));
            } else if !known.is_empty() {
                d = d.with_help(format!("{} takes {}", attrs.owner, list(known)));
            }
            cx.report(d);
        }
        attrs
    }

    /// Reads a block that mixes attributes and statements; the statements are returned by
    /// [`Attrs::statements`] for the caller to interpret.
    pub fn read_with_statements(cx: &mut Cx, block: &'t Block, known: &[&str], kind: &str, name: &Ident) -> Attrs<'t> {
        let items = &block.items;
        let owner = format!("{kind} `{}`", name.text);
        let mut attrs: Vec<&'t Attr> = Vec::new();
        let mut stmts = Vec::new();
        for item in items {
            match item {
                Item::Stmt(s) => stmts.push(s),
                Item::Error(_) => {}
                Item::Attr(a) => {
                    let key = a.key.text.as_str();
                    if !known.contains(&key) {
                        let mut d = Diagnostic::new(
                            E_UNKNOWN_ATTRIBUTE,
                            cx.file,
                            a.key.span.clone(),
                            format!("unknown attribute `{key}` in {owner}"),
                        )
                        .with_label("unknown attribute");
                        if let Some(s) = did_you_mean(key, known.iter().copied()) {
                            d = d.with_replacement(cx.file, a.key.span.clone(), s);
                        } else if !known.is_empty() {
                            d = d.with_help(format!("{owner} takes {}", list(known)));
                        }
                        cx.report(d);
                    } else if let Some(first) = attrs.iter().find(|f| f.key.text == key) {
                        let d = Diagnostic::new(
                            E_DUPLICATE_ATTRIBUTE,
                            cx.file,
                            a.key.span.clone(),
                            format!("`{key}` is set twice in {owner}"),
                        )
                        .with_label("set again here")
                        .with_secondary(cx.file, first.key.span.clone(), "first set here")
                        .with_help("remove one of them")
                        .with_fix("remove this one", cx.file, a.span.clone(), "");
                        cx.report(d);
                    } else {
                        attrs.push(a);
                    }
                }
            }
        }
        let overridden = match block_path(cx, kind, name).filter(|_| cx.in_environment()) {
            Some(path) => overrides(cx, &path, known, &owner),
            None => Vec::new(),
        };
        let insert_at = match items.first() {
            Some(first) => Insertion::Before(first.span().start),
            None => Insertion::Into(block.span.start + 1),
        };
        Attrs { owner, owner_span: name.span.clone(), attrs, overridden, stmts, kind: kind.to_string(), insert_at }
    }

    pub fn statements(&self) -> &[&'t Stmt] {
        &self.stmts
    }

    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.overridden
            .iter()
            .find(|a| a.key.text == key)
            .or_else(|| self.attrs.iter().copied().find(|a| a.key.text == key))
    }

    /// The block's own value of `key`, even when an environment overrides it.
    pub fn own_expr(&self, key: &str) -> Option<&'t Expr> {
        self.attrs.iter().copied().find(|a| a.key.text == key).map(|a| &a.value)
    }

    /// Whether an environment sets `key` of this block.
    pub fn is_overridden(&self, key: &str) -> bool {
        self.overridden.iter().any(|a| a.key.text == key)
    }

    pub fn expr(&self, key: &str) -> Option<&Expr> {
        self.attr(key).map(|a| &a.value)
    }

    /// Reports each of `keys` that is not set (E0052). Returns whether all are set.
    pub fn require(&self, cx: &mut Cx, keys: &[&str]) -> bool {
        let mut all = true;
        for key in keys {
            if self.attr(key).is_none() {
                all = false;
                // `zone a` (missing `=`) was already reported as a statement.
                if self.stmts.iter().any(|s| s.head().text == *key) {
                    continue;
                }
                let mut d = Diagnostic::new(
                    E_MISSING_ATTRIBUTE,
                    cx.file,
                    self.owner_span.clone(),
                    format!("{} has no `{key}`", self.owner),
                )
                .with_label(format!("`{key}` is required"))
                .with_help(format!("add `{key} = …` inside the block"));
                if let Some(value) = placeholder(&self.kind, key) {
                    let (at, text) = match self.insert_at {
                        Insertion::Before(at) => (at, format!("{key} = {value}  ")),
                        Insertion::Into(at) => (at, format!(" {key} = {value}")),
                    };
                    d = d.with_insertion(format!("add `{key} = {value}`"), cx.file, at, text);
                }
                cx.report(d);
            }
        }
        all
    }

    fn with<T>(&self, cx: &mut Cx, key: &str, f: impl FnOnce(&mut Cx, &Expr) -> Option<T>) -> Option<T> {
        let e = self.expr(key)?;
        f(cx, e)
    }

    pub fn string(&self, cx: &mut Cx, key: &str) -> Option<Spanned<String>> {
        self.with(cx, key, value::string)
    }
    pub fn text(&self, cx: &mut Cx, key: &str) -> Option<Spanned<String>> {
        self.with(cx, key, value::text)
    }
    pub fn boolean(&self, cx: &mut Cx, key: &str) -> Option<Spanned<bool>> {
        self.with(cx, key, value::boolean)
    }
    pub fn integer(&self, cx: &mut Cx, key: &str) -> Option<Spanned<u64>> {
        self.with(cx, key, value::integer)
    }
    pub fn cidr(&self, cx: &mut Cx, key: &str) -> Option<Spanned<IpNet>> {
        self.with(cx, key, value::cidr)
    }
    pub fn address(&self, cx: &mut Cx, key: &str) -> Option<Spanned<IpAddr>> {
        self.with(cx, key, value::address)
    }
    pub fn duration(&self, cx: &mut Cx, key: &str) -> Option<Spanned<u64>> {
        self.with(cx, key, value::duration)
    }
    pub fn ttl(&self, cx: &mut Cx, key: &str) -> Option<Spanned<u64>> {
        self.with(cx, key, value::ttl)
    }
    pub fn size_gib(&self, cx: &mut Cx, key: &str) -> Option<Spanned<u64>> {
        self.with(cx, key, value::size_gib)
    }
    pub fn share(&self, cx: &mut Cx, key: &str) -> Option<Spanned<f64>> {
        self.with(cx, key, value::share)
    }
    pub fn reference(&self, cx: &mut Cx, key: &str) -> Option<Ref> {
        self.with(cx, key, value::reference)
    }
    pub fn references(&self, cx: &mut Cx, key: &str) -> Vec<Ref> {
        self.with(cx, key, |cx, e| Some(value::references(cx, e))).unwrap_or_default()
    }
    pub fn strings(&self, cx: &mut Cx, key: &str) -> Vec<Spanned<String>> {
        self.with(cx, key, |cx, e| Some(value::strings(cx, e))).unwrap_or_default()
    }
    pub fn string_map(&self, cx: &mut Cx, key: &str) -> Vec<(Spanned<String>, Spanned<String>)> {
        self.with(cx, key, |cx, e| Some(value::string_map(cx, e))).unwrap_or_default()
    }
}

/// Where an environment override names a block: `hosts.app`, `network.main.subnet.public-a`,
/// `zone.acme.example.`, `stack` for the stack block. Blocks inside a declaration other than
/// a network's subnets (a record's routing) take no overrides.
fn block_path(cx: &Cx, kind: &str, name: &Ident) -> Option<String> {
    match kind {
        "stack" => Some("stack".into()),
        // A record's routing and a `moved` take no overrides.
        "record" | "moved" => None,
        "subnet" => cx.parent_path.as_ref().map(|p| format!("{p}.subnet.{}", name.text)),
        _ => Some(format!("{kind}.{}", name.text)),
    }
}

/// The current environment's overrides of the block at `path`; one naming an attribute
/// the block does not take is reported (E0051) at the override, with the closest one.
fn overrides(cx: &mut Cx, path: &str, known: &[&str], owner: &str) -> Vec<Attr> {
    let mut out = Vec::new();
    for o in cx.take_overrides(path) {
        let key = o.attr.key.text.as_str();
        if known.contains(&key) {
            out.push(o.attr.clone());
            continue;
        }
        let span = o.attr.key.span.clone();
        let mut d = Diagnostic::new(
            E_UNKNOWN_ATTRIBUTE,
            cx.file,
            span.clone(),
            format!("unknown attribute `{key}` in {owner}: the environment overrides nothing"),
        )
        .with_label(format!("{owner} has no `{key}`"));
        if let Some(s) = did_you_mean(key, known.iter().copied()) {
            d = d.with_replacement(cx.file, span, s);
        } else if !known.is_empty() {
            d = d.with_help(format!("{owner} takes {}", list(known)));
        }
        cx.report(d);
    }
    out
}

fn list(known: &[&str]) -> String {
    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use crate::source::Sources;

    /// The text after applying the first fix of the first diagnostic with `code`.
    fn fixed(text: &str, code: &str) -> String {
        let a = crate::analyze(&Sources::single("t.drove", text.to_string()));
        let d = a.diagnostics.iter().find(|d| d.code == code).expect("the diagnostic");
        let fix = d.fixes.first().expect("a fix");
        let mut out = text.to_string();
        out.replace_range(fix.span.clone(), &fix.replacement);
        out
    }

    #[test]
    fn a_missing_attribute_with_an_obvious_start_is_inserted() {
        assert_eq!(fixed("stack demo { }\n", "E0052"), "stack demo { region = \"us-east-1\" }\n");
        let subnet = "stack demo { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet a { cidr = 10.0.1.0/24 }\n}\n";
        let done = fixed(subnet, "E0052");
        assert!(done.contains("subnet a { zone = a  cidr = 10.0.1.0/24 }"), "{done}");
        let after = crate::analyze(&Sources::single("t.drove", done));
        assert!(!after.diagnostics.iter().any(|d| d.code == "E0052"), "{:?}", after.diagnostics);
    }
}
