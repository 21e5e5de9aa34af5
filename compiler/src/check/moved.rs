//! `moved` declarations: each names a resource the state may hold (`from`, which the
//! stack no longer declares) and where the stack declares it now (`to`). The plan applies
//! them to the state; here they are held to what it can apply: declared targets of the
//! same kind, and one move per address, none leading into another.

use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{Moved, Spanned, Stack};
use std::collections::HashMap;

/// `to` names nothing the stack declares.
pub const E_UNDECLARED_TARGET: &str = "E0108";
/// `from` is still declared: the move would take its resources from it.
pub const E_STILL_DECLARED: &str = "E0109";
/// Two moves from one address, or two onto one.
pub const E_CHAINED: &str = "E0110";
/// An address no declaration compiles to, or a move between two kinds of declaration.
pub const E_KIND: &str = "E0111";

pub fn check(stack: &Stack, sink: &mut Sink) {
    if stack.moved.is_empty() {
        return;
    }
    let declared = declared_addresses(stack);
    let mut valid: Vec<(&Moved, &Spanned<String>, &Spanned<String>)> = Vec::new();
    for m in &stack.moved {
        let (Some(from), Some(to)) = (&m.from, &m.to) else { continue };
        if shapes(m, from, to, sink) && targets(m, from, to, &declared, sink) {
            valid.push((m, from, to));
        }
    }
    repeats(&valid, sink);
}

/// Both addresses have a declaration's shape, the same one.
fn shapes(m: &Moved, from: &Spanned<String>, to: &Spanned<String>, sink: &mut Sink) -> bool {
    let mut ok = true;
    for a in [from, to] {
        if shape(&a.value).is_none() {
            sink.push(
                Diagnostic::new(
                    E_KIND,
                    m.file,
                    a.span.clone(),
                    format!("`{}` is not a declaration's address", a.value),
                )
                .with_label("not an address a declaration compiles to")
                .with_help(
                    "a move names a declaration: `hosts.app`, `\"hosts.app[0]\"`, `host.db`, `network.main`, \
                         `network.main.subnet.public-a`, `firewall.web`, `zone.example.com.`, `balancer.front`, \
                         `balancer.front.target.app`, `certificate.site`, `healthcheck.web`, `role.app`, `secret.db`; \
                         what it holds moves with it",
                ),
            );
            ok = false;
        }
    }
    if let (true, Some(a), Some(b)) = (ok, shape(&from.value), shape(&to.value)) {
        if a != b {
            sink.push(
                Diagnostic::new(
                    E_KIND,
                    m.file,
                    to.span.clone(),
                    format!("`{}` is {b}, `{}` is {a}", to.value, from.value),
                )
                .with_label(format!("expected {a}"))
                .with_secondary(m.file, from.span.clone(), format!("{a} moves from here"))
                .with_help("a move keeps a resource as it is: it can only give it the address of the same kind"),
            );
            ok = false;
        }
    }
    ok
}

/// `to` is declared and `from` is not.
fn targets(m: &Moved, from: &Spanned<String>, to: &Spanned<String>, declared: &[String], sink: &mut Sink) -> bool {
    let mut ok = true;
    if !declared.contains(&to.value) {
        let mut d = Diagnostic::new(
            E_UNDECLARED_TARGET,
            m.file,
            to.span.clone(),
            format!("`{}` is not declared by the stack", to.value),
        )
        .with_label("moved to nothing");
        match did_you_mean(&to.value, declared.iter().map(String::as_str)) {
            Some(s) => d = d.with_replacement(m.file, to.span.clone(), s),
            None => d = d.with_help("`to` names the declaration the resources now belong to"),
        }
        sink.push(d);
        ok = false;
    }
    if declared.contains(&from.value) {
        sink.push(
            Diagnostic::new(E_STILL_DECLARED, m.file, from.span.clone(), format!("`{}` is still declared", from.value))
                .with_label("the stack declares this address")
                .with_help(
                    "a move takes the resources of a declaration that was renamed; rename or remove the old \
                 declaration, or remove this `moved`",
                ),
        );
        ok = false;
    }
    ok
}

/// No address is moved from twice or moved onto twice. Chains (A → B, B → C) and cycles
/// need an address both declared (a `to`) and not (a `from`), so the checks before refuse them.
fn repeats(valid: &[(&Moved, &Spanned<String>, &Spanned<String>)], sink: &mut Sink) {
    let mut froms: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut tos: HashMap<&str, &Spanned<String>> = HashMap::new();
    for (m, from, to) in valid {
        if let Some(first) = froms.insert(from.value.as_str(), from) {
            sink.push(
                Diagnostic::new(E_CHAINED, m.file, from.span.clone(), format!("`{}` is moved twice", from.value))
                    .with_label("moved again here")
                    .with_secondary(m.file, first.span.clone(), "first moved here")
                    .with_help("one address moves to one place: remove one of the two"),
            );
        }
        if let Some(first) = tos.insert(to.value.as_str(), to) {
            sink.push(
                Diagnostic::new(E_CHAINED, m.file, to.span.clone(), format!("two moves end at `{}`", to.value))
                    .with_label("moved onto here again")
                    .with_secondary(m.file, first.span.clone(), "first moved onto here")
                    .with_help("one address holds one resource: remove one of the two"),
            );
        }
    }
}

/// What kind of declaration an address names, by its shape; `None` for an address no
/// declaration compiles to (one it holds, such as `firewall.web.rules`, moves with it).
pub fn shape(address: &str) -> Option<&'static str> {
    let (head, rest) = address.split_once('.')?;
    let name = |s: &str| crate::lower::decl::valid_name(s);
    Some(match head {
        "hosts" => match rest.split_once('[') {
            None if name(rest) => "a hosts group",
            Some((group, index))
                if name(group) && index.strip_suffix(']').is_some_and(|i| i.parse::<u64>().is_ok()) =>
            {
                "an instance of a hosts group"
            }
            _ => return None,
        },
        "network" => match rest.split_once(".subnet.") {
            None if name(rest) => "a network",
            Some((n, s)) if name(n) && name(s) => "a subnet",
            _ => return None,
        },
        "balancer" => match rest.split_once(".target.") {
            None if name(rest) => "a balancer",
            Some((b, t)) if name(b) && name(t) => "a balancer target",
            _ => return None,
        },
        "zone" if !rest.is_empty() && !rest.contains(['/', '[']) => "a zone",
        "host" if name(rest) => "a host",
        "firewall" if name(rest) => "a firewall",
        "healthcheck" if name(rest) => "a health check",
        "certificate" if name(rest) => "a certificate",
        "role" if name(rest) => "a role",
        "secret" if !rest.is_empty() => "a secret",
        _ => return None,
    })
}

/// The address every declaration compiles to, and each instance of a hosts group.
pub fn declared_addresses(stack: &Stack) -> Vec<String> {
    use crate::compile::instances::{group_address, host_address};
    use crate::compile::network::{subnet_address, vpc_address};
    use crate::model::{certificate, instance_role, load_balancer, parameter, target_group};
    let mut out = Vec::new();
    for n in &stack.networks {
        out.push(vpc_address(&n.name.text));
        out.extend(n.subnets.iter().map(|s| subnet_address(&n.name.text, &s.name.text)));
    }
    out.extend(stack.firewalls.iter().map(|f| format!("firewall.{}", f.name.text)));
    for h in &stack.hosts {
        out.push(format!("hosts.{}", h.name.text));
        let count = h.count.as_ref().map_or(0, |c| c.value);
        out.extend((0..count.min(1000)).map(|i| group_address(&h.name.text, i)));
    }
    out.extend(stack.host.iter().map(|h| host_address(&h.name.text)));
    for z in &stack.zones {
        if let Some(name) = &z.name {
            out.push(crate::dns::compile::zone_address(stack, z, name));
        }
    }
    out.extend(stack.healthchecks.iter().map(|h| format!("healthcheck.{}", h.name.text)));
    for b in &stack.balancers {
        out.push(load_balancer::address(&b.name.text));
        out.extend(b.targets.iter().map(|t| target_group::address(&b.name.text, &t.name.text)));
    }
    out.extend(stack.certificates.iter().map(|c| certificate::address(&c.name.text)));
    out.extend(stack.roles.iter().map(|r| instance_role::address(&r.name.text)));
    out.extend(stack.secrets.iter().map(|s| parameter::address(&s.name.text)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_the_declarations_addresses() {
        assert_eq!(shape("hosts.app"), Some("a hosts group"));
        assert_eq!(shape("hosts.app[2]"), Some("an instance of a hosts group"));
        assert_eq!(shape("network.main.subnet.public-a"), Some("a subnet"));
        assert_eq!(shape("zone.example.com."), Some("a zone"));
        assert_eq!(shape("balancer.front.target.app"), Some("a balancer target"));
        for not in
            ["firewall.web.rules", "hosts.app[x]", "network.main.internet_gateway", "record.www.x./A", "web", "x.y"]
        {
            assert_eq!(shape(not), None, "{not}");
        }
    }
}
