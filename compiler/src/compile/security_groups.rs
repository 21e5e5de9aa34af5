//! `firewall` → a security group and one `ec2.security_group_rules` resource holding all
//! its rules (so a rule change is one update, not a replace of the group).

use super::{missing, network::vpc_address, tags, CompileError};
use crate::hir::{self, Direction, Firewall, Peer, Protocol};
use crate::model::{reference, Resource, StackInfo};
use crate::names;
use ipnet::IpNet;
use serde_json::{json, Value};

pub fn resources(stack: &hir::Stack, info: &StackInfo) -> Result<Vec<Resource>, CompileError> {
    let mut out = Vec::new();
    for f in &stack.firewalls {
        out.extend(firewall(stack, info, f)?);
    }
    Ok(out)
}

fn firewall(stack: &hir::Stack, info: &StackInfo, f: &Firewall) -> Result<[Resource; 2], CompileError> {
    let name = &f.name.text;
    let address = format!("firewall.{name}");
    let network = f.network.as_ref().ok_or_else(|| missing(format!("firewall `{name}` has no network")))?;
    let description = f.description.as_ref().map_or_else(|| format!("drove firewall {name}"), |d| d.value.clone());
    let group = Resource {
        address: address.clone(),
        kind: "ec2.security_group".into(),
        attributes: json!({
            "vpc": reference(&vpc_address(&network.text), "id"),
            "name": format!("{}-{name}", info.name),
            "description": description,
            "tags": tags(info, name),
        }),
        depends_on: Vec::new(),
        protect: false,
    };
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    for rule in &f.rules {
        let entries = rule_entries(stack, rule)?;
        match rule.direction.value {
            Direction::Ingress => ingress.extend(entries),
            Direction::Egress => egress.extend(entries),
        }
    }
    let rules = Resource {
        address: format!("{address}.rules"),
        kind: "ec2.security_group_rules".into(),
        attributes: json!({
            "group": reference(&address, "id"),
            "ingress": ingress,
            // No `to` rule keeps AWS's default egress (everything).
            "egress": if egress.is_empty() { Value::Null } else { Value::Array(egress) },
        }),
        depends_on: Vec::new(),
        protect: false,
    };
    Ok([group, rules])
}

fn ec2_protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::All => "-1",
        other => other.name(),
    }
}

/// One entry per port range and peer, as EC2 takes them. ICMP and `all` have no ports:
/// EC2 writes them `-1`.
fn rule_entries(stack: &hir::Stack, rule: &hir::Rule) -> Result<Vec<Value>, CompileError> {
    let proto = rule.protocol.value;
    let ranges: Vec<(i64, i64)> = if proto.has_ports() {
        rule.ports.iter().map(|p| (i64::from(p.value.low), i64::from(p.value.high))).collect()
    } else {
        vec![(-1, -1)]
    };
    let mut peers: Vec<(&'static str, Value)> = Vec::new();
    for peer in &rule.peers {
        match peer {
            Peer::Cidr(c) => peers.push(cidr_peer(&c.value)),
            Peer::Name(r) => {
                if stack.firewall(&r.text).is_some() {
                    peers.push(("group", reference(&format!("firewall.{}", r.text), "id")));
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
        for (key, value) in &peers {
            out.push(json!({ "protocol": ec2_protocol(proto), "from_port": from, "to_port": to, *key: value }));
        }
    }
    Ok(out)
}

fn cidr_peer(n: &IpNet) -> (&'static str, Value) {
    match n {
        IpNet::V4(_) => ("cidr", Value::String(n.to_string())),
        IpNet::V6(_) => ("ipv6_cidr", Value::String(n.to_string())),
    }
}
