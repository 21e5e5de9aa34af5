//! Hover on what is written rather than declared: CIDRs, a `let`'s value, attribute
//! keys, record types, and the diagnostic at a word nothing else explains.

use super::attributes;
use super::hints::usable;
use crate::diag::Diagnostic;
use crate::hir::{self, Peer};
use crate::source::{FileId, Span};
use crate::syntax::cst::{self, Expr, Item, Stmt};
use ipnet::IpNet;
use std::fmt::Write;

fn holds(span: &Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// The CIDR written at a position: a network's or subnet's block, a rule's source, a
/// `let`'s value.
pub fn cidr_at(stack: &hir::Stack, file: FileId, offset: usize) -> Option<(Span, IpNet)> {
    let mut found = None;
    let mut consider = |span: &Span, net: &IpNet| {
        if holds(span, offset) {
            found = Some((span.clone(), *net));
        }
    };
    for n in stack.networks.iter().filter(|n| n.file == file) {
        if let Some(c) = &n.cidr {
            consider(&c.span, &c.value);
        }
        for s in &n.subnets {
            if let Some(c) = &s.cidr {
                consider(&c.span, &c.value);
            }
        }
    }
    for f in stack.firewalls.iter().filter(|f| f.file == file) {
        for peer in f.rules.iter().flat_map(|r| &r.peers) {
            if let Peer::Cidr(c) = peer {
                consider(&c.span, &c.value);
            }
        }
    }
    for l in stack.lets.iter().filter(|l| l.file == file) {
        for c in crate::names::let_cidrs(l).unwrap_or_default() {
            consider(&c.span, &c.value);
        }
    }
    found
}

/// Size, usable addresses and where in the stack's networks a CIDR falls.
pub fn cidr(stack: &hir::Stack, net: &IpNet) -> String {
    let mut md = format!("**`{net}`**: ");
    if net.prefix_len() == 0 {
        md.push_str("every address (anywhere on the internet)\n");
        return md;
    }
    let bits = u32::from(net.max_prefix_len() - net.prefix_len());
    let size = if bits >= 64 { format!("2^{bits}") } else { (1u128 << bits).to_string() };
    let _ =
        writeln!(md, "{size} address{} ({} – {})", if bits == 0 { "" } else { "es" }, net.network(), net.broadcast());
    if (16..=28).contains(&net.prefix_len()) && net.addr().is_ipv4() {
        let _ = writeln!(md, "\n{} usable as a subnet (AWS reserves 5 addresses in each)", usable(net));
    }
    for n in &stack.networks {
        let Some(nc) = &n.cidr else { continue };
        if nc.value == *net {
            let _ = writeln!(md, "\nthe block of network `{}`", n.name.text);
        } else if nc.value.contains(net) {
            let _ = writeln!(md, "\ninside network `{}` (`{}`)", n.name.text, nc.value);
        } else if net.contains(&nc.value) {
            let _ = writeln!(md, "\nholds all of network `{}` (`{}`)", n.name.text, nc.value);
        }
        for s in &n.subnets {
            let Some(sc) = &s.cidr else { continue };
            let path = format!("{}.{}", n.name.text, s.name.text);
            if sc.value == *net {
                let _ = writeln!(md, "\nthe block of subnet `{path}`");
            } else if sc.value.contains(net) {
                let _ = writeln!(md, "\ninside subnet `{path}` (`{}`)", sc.value);
            } else if net.contains(&sc.value) {
                let _ = writeln!(md, "\nholds subnet `{path}` (`{}`)", sc.value);
            }
        }
    }
    md
}

/// A `let`'s value as written, and what its CIDRs cover.
pub fn let_value(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let l = stack.let_decl(name)?;
    let _ = writeln!(md, "= `{}`", expr(&l.value));
    for c in crate::names::let_cidrs(l).unwrap_or_default() {
        let _ = write!(md, "\n{}", cidr(stack, &c.value));
    }
    Some(())
}

/// An expression in source form, shortened where it would not fit a hover.
fn expr(e: &Expr) -> String {
    match e {
        Expr::Word(w) => w.text.to_string(),
        Expr::Str(s) => format!("{:?}", s.value),
        Expr::List(l) => format!("[{}]", l.items.iter().map(expr).collect::<Vec<_>>().join(", ")),
        Expr::Map(_) => "{ … }".to_string(),
        Expr::Call(c) => format!("{}(…)", c.name.text),
        Expr::Error(_) => "…".to_string(),
    }
}

/// The statements whose blocks hold `offset`, outermost first.
fn enclosing<'t>(items: &'t [Item], offset: usize, out: &mut Vec<&'t Stmt>) -> &'t [Item] {
    for item in items {
        if let Item::Stmt(s) = item {
            if let Some(b) = s.block.as_ref().filter(|b| b.span.start < offset && offset < b.span.end) {
                out.push(s);
                return enclosing(&b.items, offset, out);
            }
        }
    }
    items
}

/// An attribute key or a block's statement keyword (`allow`, `subnet`): what it means.
pub fn attribute(tree: &cst::File, offset: usize) -> Option<(Span, String)> {
    let mut stmts = Vec::new();
    let items = enclosing(&tree.items, offset, &mut stmts);
    let heads: Vec<&str> = stmts.iter().map(|s| &*s.head().text).collect();
    let block = match heads.as_slice() {
        [.., "zone", _] => "record",
        [.., last] => last,
        [] => return None,
    };
    let key = items.iter().find_map(|i| match i {
        Item::Attr(a) if holds(&a.key.span, offset) => Some(&a.key),
        Item::Stmt(s) if holds(&s.head().span, offset) => Some(s.head()),
        _ => None,
    })?;
    let doc = attributes::doc(block, &key.text)?;
    let what = if block == "record" { "routing setting".to_string() } else { format!("`{block}` attribute") };
    Some((key.span.clone(), format!("```drove\n{}\n```\n{what}: {doc}\n", key.text)))
}

/// A record's type: what its values are.
pub fn record_type(stack: &hir::Stack, file: FileId, offset: usize) -> Option<(Span, String)> {
    let r =
        stack.zones.iter().filter(|z| z.file == file).flat_map(|z| &z.records).find(|r| holds(&r.type_span, offset))?;
    let (name, what) = match r.rtype.as_str() {
        "A" => ("address", "IPv4 addresses, or `hosts.NAME.public_ip` / `host.NAME.private_ip`"),
        "AAAA" => ("IPv6 address", "IPv6 addresses"),
        "CAA" => ("certification authority authorization", "`flags tag \"value\"`: which CAs may issue certificates"),
        "CNAME" => ("canonical name", "one DNS name this name is an alias of; nothing else may live at the name"),
        "DS" => ("delegation signer", "`key-tag algorithm digest-type digest` of a child zone's key"),
        "HTTPS" | "SVCB" => ("service binding", "`priority target \"params\"`"),
        "MX" => ("mail exchange", "`preference exchange`: where mail for the name goes"),
        "NAPTR" => ("naming authority pointer", "`order preference \"flags\" \"service\" \"regexp\" replacement`"),
        "NS" => ("name server", "DNS names of the servers a subdomain is delegated to"),
        "PTR" => ("pointer", "the DNS name an address maps back to"),
        "SPF" | "TXT" => ("text", "one or more strings"),
        "SRV" => ("service locator", "`priority weight port target`"),
        "SSHFP" => ("SSH fingerprint", "`algorithm fp-type fingerprint`"),
        "TLSA" => ("TLS authentication", "`usage selector matching-type data`"),
        _ => ("record type", "see docs/language.md"),
    };
    Some((r.type_span.clone(), format!("**{}** ({name}): {what}\n", r.rtype.as_str())))
}

/// The message and help of the diagnostics at a position, for a word that resolves to
/// nothing (a misspelt name).
pub fn diagnostics(diagnostics: &[Diagnostic], file: FileId, offset: usize) -> Option<(Span, String)> {
    let here: Vec<&Diagnostic> =
        diagnostics.iter().filter(|d| d.primary.file == file && holds(&d.primary.span, offset)).collect();
    let span = here.first()?.primary.span.clone();
    let mut md = String::new();
    for d in here {
        let _ = writeln!(md, "**{}**: {}", d.code, d.message);
        if let Some(h) = &d.help {
            let _ = writeln!(md, "\nhelp: {h}");
        }
        md.push('\n');
    }
    Some((span, md.trim_end().to_string() + "\n"))
}
