//! Balancers: what ELB refuses (an application load balancer in fewer than two zones, an
//! HTTPS listener without a certificate, a protocol the type does not speak) and what it
//! accepts but never works (a listener its own firewall closes, targets whose firewalls
//! do not let the balancer in, a health check path or codes ELB would reject).

use super::hosts::resolve_subnet;
use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{Balancer, BalancerKind, Direction, ListenAction, Peer, Protocol, Ref, Spanned, Stack, TargetDecl};
use crate::model::load_balancer::MAX_NAME;
use crate::names;
use ipnet::IpNet;

/// An application load balancer in fewer than two zones, or a subnet outside its network.
pub const E_SUBNETS: &str = "E0231";
/// A listener ELB refuses: no certificate, a protocol of the other type, an unknown
/// target, a port used twice.
pub const E_LISTENER: &str = "E0232";
/// A listener port the balancer's own firewall does not open.
pub const E_LISTENER_CLOSED: &str = "E0233";
/// A target port the hosts' firewalls close to the balancer.
pub const E_TARGET_CLOSED: &str = "E0234";
/// A health check path or success codes ELB refuses.
pub const E_HEALTH: &str = "E0235";
/// A `name` ELB refuses for a balancer or target group.
pub const E_AWS_NAME: &str = "E0239";
/// An internet-facing balancer in a subnet with no route to the internet.
pub const W_FACING_PRIVATE: &str = "W0013";

pub fn check(stack: &Stack, sink: &mut Sink) {
    for b in &stack.balancers {
        subnets(stack, b, sink);
        listeners(b, sink);
        aws_name(b, b.aws_name.as_ref(), "balancer", sink);
        for t in &b.targets {
            aws_name(b, t.aws_name.as_ref(), "target group", sink);
        }
        for l in &b.listeners {
            if !b.firewalls.is_empty() && !opens(stack, &b.firewalls, l.port.value, None) {
                let names: Vec<String> = b.firewalls.iter().map(|f| format!("`{}`", f.text)).collect();
                sink.push(
                    Diagnostic::new(
                        E_LISTENER_CLOSED,
                        b.file,
                        l.port.span.clone(),
                        format!(
                            "balancer `{}` listens on port {} but its firewall closes it",
                            b.name.text, l.port.value
                        ),
                    )
                    .with_label(format!("no rule of {} allows tcp {}", names.join(", "), l.port.value))
                    .with_help(format!(
                        "add `allow tcp {} from 0.0.0.0/0` (or the clients' CIDR) to firewall `{}`",
                        l.port.value, b.firewalls[0].text
                    )),
                );
            }
        }
        for t in &b.targets {
            health(b, t, sink);
            reachable(stack, b, t, sink);
        }
    }
}

fn subnets(stack: &Stack, b: &Balancer, sink: &mut Sink) {
    let mut zones: Vec<&str> = Vec::new();
    let facing = !b.internal.as_ref().is_some_and(|i| i.value);
    for r in &b.subnets {
        let Some((net, sub)) = resolve_subnet(stack, r) else { continue };
        if facing && !sub.is_public() {
            sink.push(
                Diagnostic::new(
                    W_FACING_PRIVATE,
                    b.file,
                    r.span.clone(),
                    format!("internet-facing balancer `{}` in private subnet `{}`", b.name.text, r.text),
                )
                .with_label("no route from the internet reaches the balancer's nodes here")
                .with_help("place an internet-facing balancer in public subnets, or say `internal = true`"),
            );
        }
        if let Some(own) = &b.network {
            if !stack.network(&own.text).is_some_and(|n| std::ptr::eq(n, net)) {
                sink.push(
                    Diagnostic::new(
                        E_SUBNETS,
                        b.file,
                        r.span.clone(),
                        format!("subnet `{}` is not in network `{}`", r.text, own.text),
                    )
                    .with_label(format!("in network `{}`", net.name.text))
                    .with_help("a balancer's subnets are all in the network it is declared in"),
                );
            }
        }
        if let Some(z) = &sub.zone {
            if !zones.contains(&z.value.as_str()) {
                zones.push(&z.value);
            }
        }
    }
    if b.kind() == BalancerKind::Application && zones.len() < 2 {
        let span = b.subnets_span.clone().unwrap_or_else(|| b.name.span.clone());
        sink.push(
            Diagnostic::new(
                E_SUBNETS,
                b.file,
                span,
                format!("application load balancer `{}` needs subnets in two availability zones", b.name.text),
            )
            .with_label(format!("{} zone{}", zones.len(), if zones.len() == 1 { "" } else { "s" }))
            .with_help(
                "ELB refuses an application load balancer in fewer than two zones: add a subnet of another zone",
            ),
        );
    }
}

fn listeners(b: &Balancer, sink: &mut Sink) {
    let mut seen: Vec<u16> = Vec::new();
    for l in &b.listeners {
        let at = |msg: String, label: String, span: std::ops::Range<usize>| {
            Diagnostic::new(E_LISTENER, b.file, span, msg).with_label(label)
        };
        if seen.contains(&l.port.value) {
            sink.push(at(
                format!("port {} has two listeners", l.port.value),
                "second listener".into(),
                l.port.span.clone(),
            ));
        }
        seen.push(l.port.value);
        let p = l.protocol.value;
        let speaks = match b.kind() {
            BalancerKind::Application => p.is_http(),
            BalancerKind::Network => !p.is_http(),
        };
        if !speaks {
            sink.push(
                at(
                    format!("a {} load balancer has no {} listeners", b.kind().word(), p.word()),
                    "protocol of the other balancer type".into(),
                    l.protocol.span.clone(),
                )
                .with_help("application load balancers speak http and https; network load balancers tcp, tls and udp"),
            );
        }
        if p.needs_certificate() && b.certificate.is_none() {
            sink.push(
                at(
                    format!("{} listener on port {} without a certificate", p.word(), l.port.value),
                    "needs a certificate".into(),
                    l.protocol.span.clone(),
                )
                .with_help("declare `certificate NAME { domain = \"…\" }` and give the balancer `certificate = certificate.NAME`, or name an issued one by its domain or ARN: `certificate = \"example.com\"`"),
            );
        }
        match &l.action {
            ListenAction::Forward(t) if !b.targets.iter().any(|x| x.name.text == t.text) => {
                let mut d = Diagnostic::new(
                    names::E_UNKNOWN_NAME,
                    b.file,
                    t.span.clone(),
                    format!("balancer `{}` has no target `{}`", b.name.text, t.text),
                )
                .with_label("not a target of this balancer");
                if let Some(s) = did_you_mean(&t.text, b.targets.iter().map(|x| x.name.text.as_str())) {
                    d = d.with_replacement(b.file, t.span.clone(), s);
                }
                sink.push(d);
            }
            ListenAction::Redirect(_) if b.kind() == BalancerKind::Network => {
                sink.push(at(
                    "a network load balancer cannot redirect".into(),
                    "redirects are HTTP".into(),
                    l.span.clone(),
                ));
            }
            _ => {}
        }
    }
}

/// A `name` as ELB takes it: 1–32 letters, digits and hyphens, no hyphen at either end,
/// and (for a balancer, whose DNS name it starts) not `internal-…`.
fn aws_name(b: &Balancer, name: Option<&Spanned<String>>, what: &str, sink: &mut Sink) {
    let Some(n) = name else { return };
    if let Some(why) = elb_name_problem(&n.value, what == "balancer") {
        sink.push(
            Diagnostic::new(
                E_AWS_NAME,
                b.file,
                n.span.clone(),
                format!("`{}` is not a {what} name ELB takes", n.value),
            )
            .with_label(why)
            .with_help(if what == "balancer" {
                "ELB names are 1 to 32 letters, digits and hyphens, without a hyphen at either end, and a balancer's does not start with `internal-`"
            } else {
                "ELB names are 1 to 32 letters, digits and hyphens, without a hyphen at either end"
            }),
        );
    }
}

fn elb_name_problem(name: &str, balancer: bool) -> Option<String> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Some(format!("{} characters; ELB takes 1 to {MAX_NAME}", name.chars().count()));
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_alphanumeric() && *c != '-') {
        return Some(format!("`{c}` is neither a letter, a digit nor a hyphen"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("starts or ends with a hyphen".into());
    }
    if balancer && name.to_ascii_lowercase().starts_with("internal-") {
        return Some("`internal-` starts the DNS names of internal balancers, so ELB refuses it".into());
    }
    None
}

fn health(b: &Balancer, t: &TargetDecl, sink: &mut Sink) {
    let http = t.protocol.as_ref().is_none_or(|p| p.value.is_http());
    let mut bad = |span: std::ops::Range<usize>, msg: String, label: &str| {
        sink.push(Diagnostic::new(E_HEALTH, b.file, span, msg).with_label(label.to_string()));
    };
    if let Some(p) = &t.health_path {
        if !http {
            bad(p.span.clone(), "a health check path needs an http or https target".into(), "tcp checks have no path");
        } else if !p.value.starts_with('/') || p.value.len() > 1024 || p.value.chars().any(|c| c.is_whitespace()) {
            bad(
                p.span.clone(),
                format!("`{}` is not a health check path", p.value),
                "a path starts with `/`, has no spaces and is at most 1024 characters",
            );
        }
    }
    if let Some(c) = &t.health_codes {
        let range = if b.kind() == BalancerKind::Application { 200..=499 } else { 200..=599 };
        if let Some(why) = codes_problem(&c.value, &range) {
            bad(c.span.clone(), format!("`{}` are not success codes ELB takes", c.value), &why);
        }
    }
}

/// ELB's matcher: codes like `200`, `200,302` or `200-299`, each within `range`.
fn codes_problem(text: &str, range: &std::ops::RangeInclusive<u16>) -> Option<String> {
    let code = |s: &str| -> Result<u16, String> {
        let c: u16 = s.trim().parse().map_err(|_| format!("`{s}` is not a status code"))?;
        if range.contains(&c) {
            Ok(c)
        } else {
            Err(format!("{c} is outside {}–{}", range.start(), range.end()))
        }
    };
    let check = || -> Result<(), String> {
        if let Some((lo, hi)) = text.split_once('-') {
            if code(lo)? > code(hi)? {
                return Err("the range runs backwards".into());
            }
        } else {
            for part in text.split(',') {
                code(part)?;
            }
        }
        Ok(())
    };
    check().err()
}

/// Whether an ingress rule of one of `firewalls` allows tcp `port`, from anywhere when
/// `from` is `None`, else from that firewall or a CIDR holding one of its subnets.
fn opens(stack: &Stack, firewalls: &[Ref], port: u16, from: Option<(&[Ref], &[IpNet])>) -> bool {
    firewalls.iter().filter_map(|f| stack.firewall(&f.text)).any(|fw| {
        fw.rules.iter().any(|r| {
            r.direction.value == Direction::Ingress
                && matches!(r.protocol.value, Protocol::Tcp | Protocol::All)
                && (!r.protocol.value.has_ports()
                    || r.ports.iter().any(|p| p.value.low <= port && port <= p.value.high))
                && match from {
                    None => true,
                    Some((groups, nets)) => r.peers.iter().any(|peer| match peer {
                        Peer::Name(n) if stack.firewall(&n.text).is_some() => groups.iter().any(|g| g.text == n.text),
                        Peer::Name(n) => stack.let_decl(&n.text).is_some_and(|l| {
                            names::let_cidrs(l)
                                .is_ok_and(|cs| cs.iter().any(|c| nets.iter().any(|s| c.value.contains(s))))
                        }),
                        Peer::Cidr(c) => nets.iter().any(|s| c.value.contains(s)),
                    }),
                }
        })
    })
}

/// The hosts behind a target must take its port from the balancer: from its firewalls, or,
/// for a network load balancer without any (it keeps the clients' addresses, and health
/// checks come from its own addresses in its subnets), from its subnets' blocks.
fn reachable(stack: &Stack, b: &Balancer, t: &TargetDecl, sink: &mut Sink) {
    let Some(port) = &t.port else { return };
    let by_subnets = b.firewalls.is_empty();
    if by_subnets && b.kind() != BalancerKind::Network {
        return;
    }
    let nets: Vec<IpNet> = b
        .subnets
        .iter()
        .filter_map(|r| resolve_subnet(stack, r))
        .filter_map(|(_, s)| s.cidr.as_ref().map(|c| c.value))
        .collect();
    for h in &t.hosts {
        let role = stack
            .hosts
            .iter()
            .find(|g| g.name.text == h.text)
            .and_then(|g| g.role.as_ref())
            .or_else(|| stack.host.iter().find(|p| p.name.text == h.text).and_then(|p| p.role.as_ref()))
            .and_then(|r| stack.role(&r.text));
        let Some(role) = role else { continue };
        if !opens(stack, &role.firewalls, port.value, Some((&b.firewalls, &nets))) {
            sink.push(
                Diagnostic::new(
                    E_TARGET_CLOSED,
                    b.file,
                    h.span.clone(),
                    format!(
                        "balancer `{}` cannot reach `{}` on port {}: role `{}`'s firewalls close it",
                        b.name.text, h.text, port.value, role.name.text
                    ),
                )
                .with_label("health checks and requests would time out")
                .with_secondary(b.file, port.span.clone(), "target port")
                .with_help(format!(
                    "add `allow tcp {} from {}` to a firewall of role `{}`",
                    port.value,
                    match b.firewalls.first() {
                        Some(f) => f.text.clone(),
                        None => nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                    },
                    role.name.text
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{codes_problem, elb_name_problem};

    #[test]
    fn names_are_checked_as_elb_does() {
        for ok in ["legacy-web", "a", "A1-b2", &"x".repeat(32)] {
            assert_eq!(elb_name_problem(ok, true), None, "{ok}");
        }
        for bad in ["", "-web", "web-", "web_1", "wéb", &"x".repeat(33), "internal-web"] {
            assert!(elb_name_problem(bad, true).is_some(), "{bad}");
        }
        // Only a balancer's name starts its DNS name.
        assert_eq!(elb_name_problem("internal-app", false), None);
    }

    #[test]
    fn success_codes_are_read_as_elb_does() {
        let alb = 200..=499;
        for ok in ["200", "200,302", "200-299", "200-399"] {
            assert_eq!(codes_problem(ok, &alb), None, "{ok}");
        }
        for bad in ["", "abc", "100", "500", "299-200", "200-"] {
            assert!(codes_problem(bad, &alb).is_some(), "{bad}");
        }
    }
}
