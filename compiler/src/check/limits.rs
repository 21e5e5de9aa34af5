//! EC2's quota on the rules of one security group, counted offline: 60 inbound and 60
//! outbound rules, each a protocol, a port range and one peer, as `compile` expands a
//! firewall's lines (every port of a list, every CIDR of a `let`). The quota holds for
//! IPv4 and IPv6 rules separately, and a rule naming another group counts in both.
//! AWS refuses the rule that goes over it, half way through an apply; drove refuses the
//! firewall here.

use crate::compile::security_groups::rule_entries;
use crate::diag::{Diagnostic, Sink};
use crate::hir::{self, Direction, Firewall};
use crate::model::security_group_rules::{Peer, Rule};

pub const E_TOO_MANY_RULES: &str = "E0423";

/// EC2's default quota of inbound, and of outbound, rules per security group.
pub const RULES_PER_GROUP: usize = 60;

pub fn check(stack: &hir::Stack, sink: &mut Sink) {
    for f in &stack.firewalls {
        for direction in [Direction::Ingress, Direction::Egress] {
            check_direction(stack, f, direction, sink);
        }
    }
}

fn check_direction(stack: &hir::Stack, f: &Firewall, direction: Direction, sink: &mut Sink) {
    let rules: Vec<&hir::Rule> = f.rules.iter().filter(|r| r.direction.value == direction).collect();
    // Each line gives at least one entry: fewer lines than the quota need no expanding
    // unless a line holds several ports or peers.
    if rules.len() <= RULES_PER_GROUP && rules.iter().all(|r| r.ports.len() <= 1 && r.peers.len() <= 1) {
        return;
    }
    let mut entries: Vec<Rule> = Vec::new();
    for rule in &rules {
        // A rule whose peer does not resolve was reported by the name checks.
        for e in rule_entries(stack, rule).unwrap_or_default() {
            if !entries.contains(&e) {
                entries.push(e);
            }
        }
    }
    let v4 = entries.iter().filter(|e| !matches!(e.peer, Peer::Ipv6Cidr(_))).count();
    let v6 = entries.iter().filter(|e| !matches!(e.peer, Peer::Cidr(_))).count();
    let (count, family) = if v4 >= v6 { (v4, "IPv4") } else { (v6, "IPv6") };
    if count <= RULES_PER_GROUP {
        return;
    }
    let (way, word) = match direction {
        Direction::Ingress => ("inbound", "from"),
        Direction::Egress => ("outbound", "to"),
    };
    let at = rules.iter().find(|r| r.direction.value == direction).map_or(f.name.span.clone(), |r| r.span.clone());
    sink.push(
        Diagnostic::new(
            E_TOO_MANY_RULES,
            f.file,
            f.name.span.clone(),
            format!(
                "firewall `{}` has {count} {way} {family} rules; a security group takes at most {RULES_PER_GROUP}",
                f.name.text
            ),
        )
        .with_label(format!("{count} {way} rules"))
        .with_secondary(f.file, at, format!("each port (or range) and each peer of a `{word}` line is one rule"))
        .with_help(
            "merge ports into ranges (`8000-8099`), CIDRs into wider ones, or let peers in through a firewall of theirs; or split the rules over two firewalls of the role",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{codes, run};

    fn stack(lines: &str) -> String {
        format!(
            "network main {{ cidr = 10.0.0.0/16 }}\nfirewall web in main {{\n{lines}}}\nfirewall lb in main {{ allow tcp 443 from 0.0.0.0/0 }}\n"
        )
    }

    fn ports(n: u16) -> String {
        (1..=n).map(|p| (8000 + p).to_string()).collect::<Vec<_>>().join(", ")
    }

    #[test]
    fn sixty_rules_pass_and_sixty_one_do_not() {
        let text = stack(&format!("  allow tcp {} from 10.1.0.0/16\n", ports(60)));
        assert_eq!(codes(&run(&text, check)), Vec::<&str>::new());
        let text = stack(&format!("  allow tcp {} from 10.1.0.0/16\n", ports(61)));
        let d = run(&text, check);
        assert_eq!(codes(&d), [E_TOO_MANY_RULES]);
        assert!(d[0].message.contains("61 inbound IPv4 rules"), "{}", d[0].message);
    }

    #[test]
    fn ports_times_peers_and_duplicates_once() {
        // 20 ports × 3 peers = 60, and the repeated line adds nothing.
        let line = format!("  allow tcp {} from 10.1.0.0/16, 10.2.0.0/16, lb\n", ports(20));
        assert_eq!(codes(&run(&stack(&format!("{line}{line}")), check)), Vec::<&str>::new());
        let more = format!("{line}  allow udp 53 from 10.3.0.0/16\n");
        assert_eq!(codes(&run(&stack(&more), check)), [E_TOO_MANY_RULES]);
    }

    #[test]
    fn ipv4_and_ipv6_are_counted_apart_and_directions_too() {
        let both = format!("  allow tcp {} from 10.1.0.0/16, 2001:db8::/32\n", ports(40));
        assert_eq!(codes(&run(&stack(&both), check)), Vec::<&str>::new());
        let out = format!("  allow tcp {} to 10.1.0.0/16\n  allow tcp {} from 10.1.0.0/16\n", ports(45), ports(45));
        assert_eq!(codes(&run(&stack(&out), check)), Vec::<&str>::new());
        let out = format!("  allow tcp {} to 10.1.0.0/16, 10.2.0.0/16\n", ports(31));
        let d = run(&stack(&out), check);
        assert!(d[0].message.contains("62 outbound IPv4 rules"), "{}", d[0].message);
    }
}
