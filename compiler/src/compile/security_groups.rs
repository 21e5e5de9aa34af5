//! `firewall` → a security group and one `ec2.security_group_rules` resource holding all
//! its rules (so a rule change is one update, not a replace of the group).

use super::{missing, network::vpc_address, tags, CompileError};
use crate::hir::{self, Direction, Firewall, Peer, Protocol};
use crate::model::security_group_rules::{Peer as RulePeer, Rule};
use crate::model::{Resource, SecurityGroup, SecurityGroupRules, StackInfo, Val};
use crate::names;
use ipnet::IpNet;

pub fn resources(stack: &hir::Stack, info: &StackInfo) -> Result<Vec<Resource>, CompileError> {
    let mut out = Vec::new();
    for f in &stack.firewalls {
        out.extend(firewall(stack, info, f)?);
    }
    Ok(out)
}

/// The security group's name: as given, else `IDENTITY-NAME` (the stack's identity, with
/// its environment). EC2 cannot rename a group, so a renamed firewall keeps this one.
pub fn group_name(identity: &str, f: &Firewall) -> String {
    f.group_name.as_ref().map_or_else(|| format!("{identity}-{}", f.name.text), |g| g.value.clone())
}

/// The security group's description: as given, else `drove firewall NAME`; EC2 cannot
/// change it either.
pub fn description(f: &Firewall) -> String {
    f.description.as_ref().map_or_else(|| format!("drove firewall {}", f.name.text), |d| d.value.clone())
}

fn firewall(stack: &hir::Stack, info: &StackInfo, f: &Firewall) -> Result<[Resource; 2], CompileError> {
    let name = &f.name.text;
    let address = format!("firewall.{name}");
    let network = f.network.as_ref().ok_or_else(|| missing(format!("firewall `{name}` has no network")))?;
    let group = Resource::new(
        address.clone(),
        SecurityGroup {
            vpc: super::id_across(stack, &network.text, vpc_address),
            name: group_name(&info.name, f),
            description: description(f),
            tags: tags(info, name),
        },
    );
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    for rule in &f.rules {
        let entries = rule_entries(stack, rule)?;
        match rule.direction.value {
            Direction::Ingress => ingress.extend(entries),
            Direction::Egress => egress.extend(entries),
        }
    }
    let rules = Resource::new(
        format!("{address}.rules"),
        SecurityGroupRules {
            group: Val::id_of(&address),
            ingress,
            // No `to` rule keeps AWS's default egress (everything).
            egress: if egress.is_empty() { None } else { Some(egress) },
        },
    );
    Ok([group, rules])
}

fn ec2_protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::All => "-1",
        other => other.name(),
    }
}

/// One entry per port range and peer, as EC2 takes them (and counts them against its
/// rules-per-group quota, `check::limits`). ICMP and `all` have no ports:
/// EC2 writes them `-1`.
pub(crate) fn rule_entries(stack: &hir::Stack, rule: &hir::Rule) -> Result<Vec<Rule>, CompileError> {
    let proto = rule.protocol.value;
    let ranges: Vec<(i64, i64)> = if proto.has_ports() {
        rule.ports.iter().map(|p| (i64::from(p.value.low), i64::from(p.value.high))).collect()
    } else {
        vec![(-1, -1)]
    };
    let mut peers: Vec<RulePeer> = Vec::new();
    for peer in &rule.peers {
        match peer {
            Peer::Cidr(c) => peers.push(cidr_peer(&c.value)),
            Peer::Name(r) => {
                if stack.firewall(&r.text).is_some() {
                    let (used, name) = super::across(stack, &r.text);
                    peers.push(RulePeer::Group(Val::across(used, format!("firewall.{name}"), "id")));
                } else if let Some(l) = stack.let_decl(&r.text) {
                    let nets = names::let_cidrs(l).map_err(|_| missing(format!("`{}` does not hold CIDRs", r.text)))?;
                    peers.extend(nets.iter().map(|n| cidr_peer(&n.value)));
                } else {
                    return Err(missing(format!("`{}` names no firewall or constant", r.text)));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (from, to) in &ranges {
        for peer in &peers {
            out.push(Rule { protocol: ec2_protocol(proto).into(), from_port: *from, to_port: *to, peer: peer.clone() });
        }
    }
    Ok(out)
}

fn cidr_peer(n: &IpNet) -> RulePeer {
    match n {
        IpNet::V4(_) => RulePeer::Cidr(n.to_string()),
        IpNet::V6(_) => RulePeer::Ipv6Cidr(n.to_string()),
    }
}
