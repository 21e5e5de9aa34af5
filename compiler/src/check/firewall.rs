//! Firewall rules (ports per protocol, peers in the same network, `let` peers holding
//! CIDRs) and the security lints tfsec and checkov apply to security groups.

use crate::diag::{Diagnostic, Sink};
use crate::hir::{self, Direction, Firewall, Peer, Rule, Spanned};
use crate::names::{self, Kind, Symbols};
use crate::source::Span;
use ipnet::IpNet;

pub const E_PORTS_REQUIRED: &str = "E0216";
pub const E_PORTS_NOT_ALLOWED: &str = "E0217";
pub const E_PEER_OTHER_NETWORK: &str = "E0218";
pub const E_LET_NOT_CIDR: &str = "E0219";

pub const W_SSH_OPEN: &str = "W0001";
pub const W_RDP_OPEN: &str = "W0002";
pub const W_DATABASE_OPEN: &str = "W0003";
pub const W_ALL_OPEN: &str = "W0004";
pub const W_UNUSED: &str = "W0005";

/// Database and cache ports that should never face the internet.
const DATABASE_PORTS: [(u16, &str); 9] = [
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (27017, "MongoDB"),
    (6379, "Redis"),
    (9200, "Elasticsearch"),
    (5984, "CouchDB"),
    (11211, "Memcached"),
];

/// `0.0.0.0/0` or `::/0`: every address of a family.
pub fn world_open(net: &IpNet) -> bool {
    net.prefix_len() == 0
}

pub fn check(stack: &hir::Stack, symbols: &Symbols, sink: &mut Sink) {
    for f in &stack.firewalls {
        for rule in &f.rules {
            check_ports(f, rule, sink);
            let world = peer_cidrs(stack, symbols, f, rule, sink).into_iter().find(|(net, _)| world_open(net));
            if let (Direction::Ingress, Some((net, span))) = (rule.direction.value, world) {
                lint_world_open(f, rule, &net, span, &narrower_sources(stack, f), sink);
            }
        }
        let used = |fws: &[hir::Ref]| fws.iter().any(|fw| fw.text == f.name.text);
        if !stack.roles.iter().any(|r| used(&r.firewalls)) && !stack.balancers.iter().any(|b| used(&b.firewalls)) {
            sink.push(
                Diagnostic::new(
                    W_UNUSED,
                    f.file,
                    f.name.span.clone(),
                    format!("firewall `{}` is not used by any role", f.name.text),
                )
                .with_label("unused firewall")
                .with_help(format!("attach it with `firewall = [{}]` in a role, or remove it", f.name.text)),
            );
        }
    }
}

fn check_ports(f: &Firewall, rule: &Rule, sink: &mut Sink) {
    let proto = rule.protocol.value;
    if proto.has_ports() && rule.ports.is_empty() {
        sink.push(
            Diagnostic::new(
                E_PORTS_REQUIRED,
                f.file,
                rule.protocol.span.clone(),
                format!("a `{}` rule needs ports", proto.name()),
            )
            .with_label("ports expected after this")
            .with_help(format!(
                "write e.g. `allow {} 443 …` or a range `allow {} 8000-8080 …`",
                proto.name(),
                proto.name()
            )),
        );
    }
    if !proto.has_ports() {
        if let (Some(first), Some(last)) = (rule.ports.first(), rule.ports.last()) {
            let span = first.span.start..last.span.end;
            sink.push(
                Diagnostic::new(
                    E_PORTS_NOT_ALLOWED,
                    f.file,
                    span.clone(),
                    format!("`{}` rules take no ports", proto.name()),
                )
                .with_label("ports not allowed here")
                .with_help("only `tcp` and `udp` rules name ports")
                .with_fix("remove the ports", f.file, first.span.start..rule.direction.span.start, ""),
            );
        }
    }
}

/// The CIDRs a rule's peers stand for, with the span of the use; reports firewall peers in
/// another network and `let` peers that do not hold CIDRs.
fn peer_cidrs(stack: &hir::Stack, symbols: &Symbols, f: &Firewall, rule: &Rule, sink: &mut Sink) -> Vec<(IpNet, Span)> {
    let mut out = Vec::new();
    for peer in &rule.peers {
        match peer {
            Peer::Cidr(c) => out.push((c.value, c.span.clone())),
            Peer::Name(r) => {
                if let Some(other) = stack.firewall(&r.text) {
                    same_network(stack, f, other, r, sink);
                } else if let Some(l) = stack.let_decl(&r.text).filter(|_| symbols.get(Kind::Let, &r.text).is_some()) {
                    match names::let_cidrs(l) {
                        Ok(nets) => out.extend(nets.into_iter().map(|n: Spanned<IpNet>| (n.value, r.span.clone()))),
                        Err(bad) => sink.push(
                            Diagnostic::new(E_LET_NOT_CIDR, f.file, r.span.clone(), format!("`{}` does not hold CIDRs", r.text))
                                .with_label("used as a rule source here")
                                .with_secondary(l.file, bad, "this is not a CIDR")
                                .with_help("a `let` used in a rule holds a CIDR or a list of CIDRs, e.g. `let office = 203.0.113.0/24`"),
                        ),
                    }
                }
            }
        }
    }
    out
}

fn same_network(stack: &hir::Stack, f: &Firewall, other: &Firewall, r: &hir::Ref, sink: &mut Sink) {
    let (Some(mine), Some(theirs)) = (&f.network, &other.network) else { return };
    // Compared as declarations: `net.main` here and `main` in the used stack are one network.
    let (Some(a), Some(b)) = (stack.network(&mine.text), stack.firewall_network(&r.text)) else { return };
    if !std::ptr::eq(a, b) {
        let mut d = Diagnostic::new(
            E_PEER_OTHER_NETWORK,
            f.file,
            r.span.clone(),
            format!("firewall `{}` is in network `{}`, not `{}`", other.name.text, theirs.text, mine.text),
        )
        .with_label("a rule can only name firewalls of its own network")
        .with_help("use the other network's CIDR instead, or move the firewall");
        // A used stack's firewall is declared in files this report can't name.
        if stack.across(&r.text).is_none() {
            d = d.with_secondary(
                other.file,
                theirs.span.clone(),
                format!("`{}` is in `{}` here", other.name.text, theirs.text),
            );
        }
        sink.push(d);
    }
}

/// What could stand in a rule in place of the whole internet: the `let`s that hold
/// narrower CIDRs, and the firewall's own network.
fn narrower_sources(stack: &hir::Stack, f: &Firewall) -> Vec<String> {
    let mut out: Vec<String> = stack
        .lets
        .iter()
        .filter(|l| {
            names::let_cidrs(l).is_ok_and(|nets| !nets.is_empty() && !nets.iter().any(|n| world_open(&n.value)))
        })
        .filter(|l| stack.firewall(&l.name.text).is_none())
        .map(|l| l.name.text.clone())
        .collect();
    let network = f.network.as_ref().and_then(|n| stack.network(&n.text)).and_then(|n| n.cidr.as_ref());
    out.extend(network.map(|c| c.value.to_string()));
    out
}

/// The fixes that put each narrower source in place of the world-open one.
fn narrowed(d: Diagnostic, f: &Firewall, span: &Span, sources: &[String]) -> Diagnostic {
    sources.iter().fold(d, |d, s| d.with_fix(format!("allow only from `{s}`"), f.file, span.clone(), s.clone()))
}

fn lint_world_open(f: &Firewall, rule: &Rule, net: &IpNet, span: Span, sources: &[String], sink: &mut Sink) {
    let proto = rule.protocol.value;
    let everything =
        proto == hir::Protocol::All || rule.ports.iter().any(|p| p.value.low == 0 && p.value.high == 65535);
    if everything {
        let d = Diagnostic::new(
            W_ALL_OPEN,
            f.file,
            rule.protocol.span.clone(),
            format!("firewall `{}` opens every port to the internet ({net})", f.name.text),
        )
        .with_label("all ports")
        .with_secondary(f.file, span.clone(), "from anywhere")
        .with_help("allow only the ports the service needs, or narrow the source");
        sink.push(narrowed(d, f, &span, sources));
        return;
    }
    if !proto.has_ports() {
        return;
    }
    for p in &rule.ports {
        let mut hit = |code: &'static str, what: &str| {
            let d = Diagnostic::new(
                code,
                f.file,
                p.span.clone(),
                format!("{what} is open to the internet ({net}) in firewall `{}`", f.name.text),
            )
            .with_label(format!("{what} open to everyone"))
            .with_secondary(f.file, span.clone(), "from anywhere")
            .with_help("narrow the source to the addresses that need it, e.g. a `let office = …` CIDR");
            sink.push(narrowed(d, f, &span, sources));
        };
        if proto == hir::Protocol::Tcp && p.value.contains(22) {
            hit(W_SSH_OPEN, "SSH (port 22)");
        }
        if p.value.contains(3389) {
            hit(W_RDP_OPEN, "RDP (port 3389)");
        }
        if proto == hir::Protocol::Tcp {
            if let Some((port, name)) = DATABASE_PORTS.iter().find(|(port, _)| p.value.contains(*port)) {
                hit(W_DATABASE_OPEN, &format!("{name} (port {port})"));
            }
        }
    }
}
