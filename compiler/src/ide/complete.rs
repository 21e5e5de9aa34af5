//! Completion candidates for a position, chosen by what stands before the cursor on its
//! line and which declaration block holds it.

use super::attributes;
use super::index::{Index, SymbolKind};
use crate::catalog;
use crate::hir;
use crate::source::{SourceFile, Span};
use crate::syntax::cst::{self, Item, Stmt, Term};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Attribute,
    Name(SymbolKind),
    InstanceType,
    Zone,
    RecordType,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// The text put in place of `range` (the label, quoted where a string is expected).
    pub insert: String,
    /// What accepting the item replaces: the word typed before the cursor, dots and
    /// dashes included (`main.pu`, `t3.m`), so every editor lands the same text.
    pub range: Span,
}

use crate::lower::DECLARATIONS;

/// The statements whose blocks contain `offset`, outermost first (`role`, `provision`).
/// A block left open at the end of the text (being typed) ends at `len`, and still holds a
/// cursor there.
fn enclosing<'t>(items: &'t [Item], offset: usize, len: usize, out: &mut Vec<&'t Stmt>) {
    for item in items {
        if let Item::Stmt(s) = item {
            if let Some(b) = &s.block {
                if b.span.start < offset && (offset < b.span.end || offset == len) {
                    out.push(s);
                    enclosing(&b.items, offset, len, out);
                    return;
                }
            }
        }
    }
}

/// The attributes a block already sets, apart from the item being typed at `offset`.
fn already_set(items: &[Item], offset: usize) -> Vec<&str> {
    items
        .iter()
        .filter(|i| !(i.span().start <= offset && offset <= i.span().end))
        .filter_map(|i| match i {
            Item::Attr(a) => Some(&*a.key.text),
            Item::Stmt(s) if !attributes::repeats(&s.head().text) => Some(&*s.head().text),
            _ => None,
        })
        .collect()
}

/// The other words of the list being typed in (`firewall = [web, |]`): not offered again.
fn listed_elsewhere(items: &[Item], offset: usize) -> Vec<&str> {
    let list = items.iter().find_map(|i| match i {
        Item::Attr(a) if a.span.start <= offset && offset <= a.span.end => match &a.value {
            cst::Expr::List(l) => Some(l),
            _ => None,
        },
        _ => None,
    });
    list.map_or_else(Vec::new, |l| {
        l.items
            .iter()
            .filter_map(|e| match e {
                cst::Expr::Word(w) if !(w.span.start <= offset && offset <= w.span.end) => Some(&*w.text),
                _ => None,
            })
            .collect()
    })
}

fn word_term(stmt: &Stmt, i: usize) -> Option<&str> {
    match stmt.terms.get(i) {
        Some(Term::Word(w)) => Some(&w.text),
        _ => None,
    }
}

/// Whether the words before the cursor leave room for a routing setting's name:
/// `www 60 A 192.0.2.1 {` or `… { set = "a"`.
fn routing_key_expected(words: &[&str]) -> bool {
    let tail = match words.iter().rposition(|w| w.ends_with('{')) {
        Some(i) => &words[i + 1..],
        None => words,
    };
    tail.is_empty() || (tail.len() >= 3 && tail[tail.len() - 2] == "=")
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.*@/:%+".contains(c)
}

/// An item whose label is also its text.
fn item(label: impl Into<String>, kind: CompletionKind, detail: impl Into<Option<String>>) -> Completion {
    let label = label.into();
    Completion { insert: label.clone(), label, kind, detail: detail.into(), range: 0..0 }
}

fn keywords<'a>(out: &mut Vec<Completion>, list: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (word, detail) in list {
        out.push(item(word, CompletionKind::Keyword, Some(detail.to_string())));
    }
}

pub fn completions(
    stack: &hir::Stack,
    index: &Index,
    tree: &cst::File,
    file: &SourceFile,
    offset: usize,
) -> Vec<Completion> {
    let offset = offset.min(file.text.len());
    let line_start = file.text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let Some(before) = file.text.get(line_start..offset) else { return Vec::new() };
    let prefix_len = before.chars().rev().take_while(|&c| is_word_char(c)).map(char::len_utf8).sum::<usize>();
    let prefix = &before[before.len() - prefix_len..];
    let raw_lead = &before[..before.len() - prefix_len];
    // A string being typed (`region = "ap-`): its opening quote is replaced too.
    let quoted = raw_lead.ends_with('"');
    let lead = raw_lead.strip_suffix('"').unwrap_or(raw_lead).trim_end();
    let range = offset - prefix_len - usize::from(quoted)..offset;
    let mut stmts = Vec::new();
    enclosing(&tree.items, offset, file.text.len(), &mut stmts);
    let heads: Vec<&str> = stmts.iter().map(|s| &*s.head().text).collect();
    // A block directly inside a zone is a record's routing block, whatever its owner name.
    let in_record = heads.len() >= 2 && heads[heads.len() - 2] == "zone";
    let block = if in_record { "record" } else { heads.last().copied().unwrap_or("") };
    let items = stmts.last().and_then(|s| s.block.as_ref()).map_or(tree.items.as_slice(), |b| b.items.as_slice());
    let words: Vec<&str> = lead.split_whitespace().collect();

    let mut out = Vec::new();
    let names = |kind: SymbolKind, out: &mut Vec<Completion>| {
        for s in index.symbols.iter().filter(|s| s.kind == kind) {
            out.push(item(s.path(index), CompletionKind::Name(kind), Some(kind.keyword().to_string())));
        }
    };
    let after_eq = lead.ends_with('=') || lead.ends_with('[') || lead.ends_with(',');
    let attr = words.iter().rposition(|w| *w == "=").and_then(|i| i.checked_sub(1)).and_then(|i| words.get(i)).copied();
    let is_rtype = |w: &str| crate::dns::rtype::RType::ALL.iter().any(|t| t.as_str() == w);

    match (block, attr) {
        ("role", Some("type")) if after_eq => {
            for t in catalog::instance_types::all() {
                out.push(item(t.name.clone(), CompletionKind::InstanceType, Some(t.summary())));
            }
        }
        ("subnet", Some("zone")) if after_eq => {
            let region = stack.info().and_then(|s| s.region.as_ref()).and_then(|r| catalog::region(&r.value));
            if let Some(r) = region {
                for z in r.zone_suffixes().into_iter().chain(r.zone_names()) {
                    out.push(item(z, CompletionKind::Zone, Some(r.code.clone())));
                }
            }
        }
        ("stack" | "environment", Some("region")) if after_eq => {
            for r in catalog::regions::all() {
                let mut c = item(r.code.clone(), CompletionKind::Zone, Some(r.name.clone()));
                c.insert = format!("\"{}\"", r.code);
                out.push(c);
            }
        }
        (b, Some(a)) if after_eq && attributes::is_boolean(b, a) => {
            keywords(&mut out, [("true", "yes"), ("false", "no")]);
        }
        ("healthcheck", Some("type")) if after_eq => keywords(
            &mut out,
            [("http", "an HTTP request"), ("https", "an HTTPS request"), ("tcp", "a TCP connection")],
        ),
        ("balancer", Some("type")) if after_eq => keywords(
            &mut out,
            [
                ("application", "an Application Load Balancer (HTTP, HTTPS)"),
                ("network", "a Network Load Balancer (TCP, TLS, UDP)"),
            ],
        ),
        ("target", Some("protocol")) if after_eq => {
            keywords(&mut out, ["http", "https", "tcp", "tls", "udp"].map(|p| (p, "target protocol")));
        }
        ("role" | "balancer", Some("firewall")) if after_eq => names(SymbolKind::Firewall, &mut out),
        ("balancer", Some("subnets")) if after_eq => names(SymbolKind::Subnet, &mut out),
        ("balancer", Some("certificate")) if after_eq => {
            for s in index.symbols.iter().filter(|s| s.kind == SymbolKind::Certificate) {
                let kind = CompletionKind::Name(SymbolKind::Certificate);
                out.push(item(format!("certificate.{}", s.name), kind, Some("certificate".to_string())));
            }
        }
        ("target", Some("hosts")) if after_eq => {
            names(SymbolKind::Hosts, &mut out);
            names(SymbolKind::Host, &mut out);
        }
        ("hosts" | "host", Some("role")) if after_eq => names(SymbolKind::Role, &mut out),
        ("hosts", Some("subnets")) | ("host", Some("subnet")) if after_eq => names(SymbolKind::Subnet, &mut out),
        ("firewall", None) if words == ["allow"] => {
            keywords(&mut out, hir::Protocol::NAMES.map(|p| (p, "protocol")));
        }
        ("firewall", _) if words.first() == Some(&"allow") && (words.contains(&"from") || words.contains(&"to")) => {
            rule_peers(stack, stmts.last().copied(), &mut out);
        }
        ("", _) if words.len() == 3 && words[0] == "firewall" && words[2] == "in" => {
            names(SymbolKind::Network, &mut out)
        }
        // `ignore "PATTERN" TYPE, …`: the types after the pattern.
        ("zone", None) if words.first() == Some(&"ignore") && words.len() >= 2 => {
            for t in crate::dns::rtype::RType::ALL {
                out.push(item(t.as_str(), CompletionKind::RecordType, Some("record type to ignore".to_string())));
            }
        }
        ("role", Some("secrets")) if after_eq => keywords(
            &mut out,
            [
                (
                    "parameter_store",
                    "SSM Parameter Store, read by the hosts at boot with their instance role (default)",
                ),
                ("user_data", "embedded in the user data, readable by whoever may describe the instance (W0035)"),
            ],
        ),
        // `s3 "BUCKET/*" read, write`: the modes after the pattern.
        ("access", None) if words.len() >= 2 => {
            for mode in crate::lower::access::MODES {
                out.push(item(mode, CompletionKind::Keyword, Some(format!("{mode} access"))));
            }
        }
        ("zone", Some("unmanaged")) if after_eq => keywords(
            &mut out,
            [
                ("keep", "records the zone does not declare are listed in plans and left alone"),
                ("delete", "records the zone does not declare are deleted"),
            ],
        ),
        // `www [TTL] A `: the addresses of the stack's instances.
        ("zone", None) if words.len() >= 2 && (words.last() == Some(&"A") || prefix.starts_with("host")) => {
            instance_addresses(stack, &mut out);
        }
        ("zone", None) if (1..=2).contains(&words.len()) && !words.iter().skip(1).any(|w| is_rtype(w)) => {
            for t in crate::dns::rtype::RType::ALL {
                out.push(item(t.as_str(), CompletionKind::RecordType, Some("record type".to_string())));
            }
        }
        ("zone", Some("private")) if after_eq => names(SymbolKind::Network, &mut out),
        ("record", Some("health")) if after_eq => names(SymbolKind::HealthCheck, &mut out),
        ("record", Some("failover")) if after_eq => {
            keywords(&mut out, [("primary", "failover role"), ("secondary", "failover role")]);
        }
        ("record", Some("region")) if after_eq => {
            for r in catalog::regions::all() {
                out.push(item(r.code.clone(), CompletionKind::Zone, Some("latency region".to_string())));
            }
        }
        // After the `{` of a routing block, or after a complete `key = value` in it.
        ("record", None) if routing_key_expected(&words) => {
            let set = already_set(items, offset);
            for (a, doc) in attributes::of("record").iter().filter(|(a, _)| !set.contains(a)) {
                out.push(item(*a, CompletionKind::Attribute, Some(doc.to_string())));
            }
        }
        ("", None) if words.is_empty() => {
            for k in DECLARATIONS {
                out.push(item(k.to_string(), CompletionKind::Keyword, None));
            }
        }
        (b, None) if words.is_empty() => {
            let set = already_set(items, offset);
            for (a, doc) in attributes::of(b).iter().filter(|(a, _)| !set.contains(a)) {
                out.push(item(*a, CompletionKind::Attribute, Some(doc.to_string())));
            }
        }
        // Any other value: a `let` may stand where a literal is expected.
        _ if after_eq => names(SymbolKind::Let, &mut out),
        _ => {}
    }
    // Editors that get a text edit leave filtering to the server (Neovim does).
    let typed = &file.text[range.clone()];
    out.retain(|c| fuzzy(typed, &c.insert) || fuzzy(prefix, &c.label));
    let listed = listed_elsewhere(items, offset);
    out.retain(|c| !listed.contains(&c.label.as_str()));
    // The closing quote an editor paired with the opening one is replaced too.
    let closing = quoted && file.text[offset..].starts_with('"');
    for c in &mut out {
        c.range = range.clone();
        if c.insert.starts_with('"') {
            c.range.end += usize::from(closing);
        } else if quoted {
            // Only a string's value carries quotes; a name typed after one would not parse.
            c.range.start += 1;
        }
    }
    out
}

/// Whether `candidate` could be what is being typed: the same first letter, and the rest
/// of the typed letters in order (`t3med` finds `t3.medium`), ignoring case.
fn fuzzy(typed: &str, candidate: &str) -> bool {
    let mut rest = candidate.chars().map(|c| c.to_ascii_lowercase());
    let mut typed = typed.chars().map(|c| c.to_ascii_lowercase());
    match typed.next() {
        None => return true,
        Some(first) if rest.next() != Some(first) => return false,
        Some(_) => {}
    }
    typed.all(|t| rest.any(|c| c == t))
}

/// What `allow … from|to` takes besides CIDRs: firewalls of the rule's network and the
/// `let`s that hold CIDRs.
fn rule_peers(stack: &hir::Stack, firewall: Option<&Stmt>, out: &mut Vec<Completion>) {
    let network = firewall
        .and_then(|f| word_term(f, 1))
        .and_then(|name| stack.firewall(name))
        .and_then(|f| f.network.as_ref())
        .map(|n| n.text.clone());
    for f in &stack.firewalls {
        let theirs = f.network.as_ref().map(|n| &n.text);
        if network.is_some() && theirs.is_some() && theirs != network.as_ref() {
            continue;
        }
        out.push(item(f.name.text.clone(), CompletionKind::Name(SymbolKind::Firewall), Some("firewall".to_string())));
    }
    for l in &stack.lets {
        if let Ok(nets) = crate::names::let_cidrs(l) {
            if nets.is_empty() {
                continue;
            }
            let list: Vec<String> = nets.iter().map(|n| n.value.to_string()).collect();
            out.push(item(l.name.text.clone(), CompletionKind::Name(SymbolKind::Let), Some(list.join(", "))));
        }
    }
}

/// `hosts.NAME.public_ip`, `host.NAME.private_ip`, … for an `A` record's value.
fn instance_addresses(stack: &hir::Stack, out: &mut Vec<Completion>) {
    let groups = stack.hosts.iter().map(|h| ("hosts", &h.name.text, SymbolKind::Hosts));
    let pets = stack.host.iter().map(|h| ("host", &h.name.text, SymbolKind::Host));
    for (word, name, kind) in groups.chain(pets) {
        for attr in ["private_ip", "public_ip"] {
            let detail = format!("the {} of {word} `{name}`", attr.replace('_', " "));
            out.push(item(format!("{word}.{name}.{attr}"), CompletionKind::Name(kind), Some(detail)));
        }
    }
}
