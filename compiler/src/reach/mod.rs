//! Reachability from the compiled model alone: can SOURCE open a connection to DEST on a
//! port, and by what path (the firewall rules, the route out, the balancer listener), or
//! what stops it first. `drove reach` and the plan's exposure delta use it; no AWS call.
//!
//! Endpoints: `internet`, a CIDR, `hosts.NAME` (one `hosts.NAME[i]`), `host.NAME`,
//! `role.NAME` (every instance of the role), `balancer.NAME`. A connection from the
//! internet to an instance is direct (a public address in a subnet routed to an internet
//! gateway) or through a balancer that forwards to it; one from an instance to the
//! internet leaves through an internet gateway (with a public address) or a NAT gateway.

mod model;

pub use model::{Links, Model};

use crate::model::security_group_rules::{Peer, Rule};
use crate::model::DesiredState;
use ipnet::IpNet;
use serde::Serialize;

/// One side of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Internet,
    Cidr(IpNet),
    /// Instances by address, with how the user named them.
    Instances {
        name: String,
        addresses: Vec<String>,
    },
    Balancer(String),
}

impl Endpoint {
    pub fn name(&self) -> String {
        match self {
            Endpoint::Internet => "internet".into(),
            Endpoint::Cidr(c) => c.to_string(),
            Endpoint::Instances { name, .. } => name.clone(),
            Endpoint::Balancer(b) => b.clone(),
        }
    }
}

/// A port and protocol: `443`, `53/udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Port {
    pub port: u16,
    pub protocol: &'static str,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

/// Reads an endpoint as the user wrote it, with its port (`hosts.web:80`, `internet:443`).
pub fn parse(text: &str, m: &Model) -> Result<(Endpoint, Option<Port>), String> {
    let (name, port) = match text.rsplit_once(':') {
        Some((n, p)) if !n.contains('/') || p.contains('/') || p.parse::<u16>().is_ok() => (n, Some(parse_port(p)?)),
        _ => (text, None),
    };
    let endpoint = if name == "internet" {
        Endpoint::Internet
    } else if let Ok(c) = name.parse::<IpNet>() {
        Endpoint::Cidr(c)
    } else if let Ok(a) = name.parse::<std::net::IpAddr>() {
        Endpoint::Cidr(IpNet::from(a))
    } else if let Some(role) = name.strip_prefix("role.") {
        let addresses: Vec<String> = m.instances.iter().filter(|i| i.role == role).map(|i| i.address.clone()).collect();
        if addresses.is_empty() {
            return Err(format!("no instance has the role `{role}`"));
        }
        Endpoint::Instances { name: name.to_string(), addresses }
    } else if name.starts_with("balancer.") {
        m.balancer(name).ok_or_else(|| unknown(name, m))?;
        Endpoint::Balancer(name.to_string())
    } else if name.starts_with("hosts.") || name.starts_with("host.") {
        let group = format!("{name}[");
        let addresses: Vec<String> = m
            .instances
            .iter()
            .filter(|i| i.address == name || i.address.starts_with(&group))
            .map(|i| i.address.clone())
            .collect();
        if addresses.is_empty() {
            return Err(unknown(name, m));
        }
        Endpoint::Instances { name: name.to_string(), addresses }
    } else {
        return Err(format!(
            "`{name}` is not an endpoint: write `internet`, a CIDR, `hosts.NAME`, `host.NAME`, `role.NAME` or `balancer.NAME`"
        ));
    };
    Ok((endpoint, port))
}

fn unknown(name: &str, m: &Model) -> String {
    let known = m
        .instances
        .iter()
        .map(|i| i.address.split('[').next().unwrap_or(&i.address).to_string())
        .chain(m.balancers.iter().map(|b| b.address.clone()));
    let mut msg = format!("the stack declares no `{name}`");
    if let Some(s) = crate::diag::did_you_mean(name, known.collect::<Vec<_>>().iter().map(String::as_str)) {
        msg.push_str(&format!("; did you mean `{s}`?"));
    }
    msg
}

fn parse_port(text: &str) -> Result<Port, String> {
    let (p, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    let protocol = match proto {
        "tcp" => "tcp",
        "udp" => "udp",
        other => return Err(format!("`{other}` is not a protocol: write `tcp` or `udp`")),
    };
    match p.parse::<u16>() {
        Ok(port) if port > 0 => Ok(Port { port, protocol }),
        _ => Err(format!("`{p}` is not a port (1–65535)")),
    }
}

/// The answer for one destination instance or balancer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub source: String,
    pub destination: String,
    pub reachable: bool,
    /// What allows it, in order; or, when not reachable, what was checked before the block.
    pub steps: Vec<String>,
    /// The first thing that blocks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub source: String,
    pub destination: String,
    pub port: Option<Port>,
    pub reachable: bool,
    pub verdicts: Vec<Verdict>,
}

/// Where a connection comes from, as the firewalls and routes see it.
enum From<'m> {
    Internet,
    Cidr(IpNet),
    Instance(&'m model::Instance),
    Balancer(&'m model::Balancer),
}

/// Can `src` reach `dst` on `port` (every port a rule or listener names, when `None`)?
pub fn reach(m: &Model, links: &Links, src: &Endpoint, dst: &Endpoint, port: Option<Port>) -> Answer {
    let sources: Vec<From> = match src {
        Endpoint::Internet => vec![From::Internet],
        Endpoint::Cidr(c) => vec![From::Cidr(*c)],
        Endpoint::Instances { addresses, .. } => {
            addresses.iter().filter_map(|a| m.instance(a)).map(From::Instance).collect()
        }
        Endpoint::Balancer(b) => m.balancer(b).map(From::Balancer).into_iter().collect(),
    };
    let mut verdicts = Vec::new();
    for from in &sources {
        let mut add = |mut v: Verdict| {
            v.source = from_name(from);
            verdicts.push(v);
        };
        match dst {
            Endpoint::Instances { addresses, .. } => {
                for a in addresses {
                    if let Some(i) = m.instance(a) {
                        add(to_instance(m, links, from, i, port));
                    }
                }
            }
            Endpoint::Balancer(b) => {
                if let Some(b) = m.balancer(b) {
                    add(to_balancer(m, links, from, b, port));
                }
            }
            Endpoint::Internet | Endpoint::Cidr(_) => add(to_outside(m, links, from, dst, port)),
        }
    }
    Answer {
        source: src.name(),
        destination: dst.name(),
        port,
        reachable: !verdicts.is_empty() && verdicts.iter().all(|v| v.reachable),
        verdicts,
    }
}

fn verdict(destination: &str, steps: Vec<String>, blocked: Option<String>) -> Verdict {
    Verdict {
        source: String::new(),
        destination: destination.to_string(),
        reachable: blocked.is_none(),
        steps,
        blocked,
    }
}

impl Verdict {
    /// The verdict's reasoning with its own source and destination taken out: the
    /// instances of a group usually share it, and are then shown together.
    pub fn shape(&self) -> (bool, Vec<String>, Option<String>) {
        let plain = |t: &String| t.replace(&self.source, "SOURCE").replace(&self.destination, "DEST");
        (self.reachable, self.steps.iter().map(plain).collect(), self.blocked.as_ref().map(plain))
    }
}

/// The address range a connection comes from, for CIDR rules.
fn source_range(m: &Model, from: &From) -> Vec<IpNet> {
    match from {
        From::Internet => vec!["0.0.0.0/0".parse().expect("literal")],
        From::Cidr(c) => vec![*c],
        From::Instance(i) => i.subnet.iter().filter_map(|s| m.subnets.get(s)?.cidr).collect(),
        From::Balancer(b) => b.subnets.iter().filter_map(|s| m.subnets.get(s)?.cidr).collect(),
    }
}

fn source_groups<'m>(from: &From<'m>) -> &'m [String] {
    match from {
        From::Instance(i) => &i.groups,
        From::Balancer(b) => &b.groups,
        From::Internet | From::Cidr(_) => &[],
    }
}

fn from_name(from: &From) -> String {
    match from {
        From::Internet => "internet".into(),
        From::Cidr(c) => c.to_string(),
        From::Instance(i) => i.address.clone(),
        From::Balancer(b) => b.address.clone(),
    }
}

/// The first ingress rule of `groups` that takes this connection, described.
fn ingress(m: &Model, links: &Links, groups: &[String], from: &From, port: Port) -> Option<String> {
    let ranges = source_range(m, from);
    let theirs = source_groups(from);
    for g in groups {
        let Some(fw) = m.firewalls.get(g) else { continue };
        for rule in &fw.ingress {
            if !Model::rule_allows(rule, port.protocol, port.port) {
                continue;
            }
            if peer_matches(rule, &ranges, theirs, links) {
                return Some(allows(g, rule, links));
            }
        }
    }
    None
}

/// Whether a rule's peer covers the other side: a CIDR holding every one of its ranges, or
/// a firewall it is in.
fn peer_matches(rule: &Rule, ranges: &[IpNet], groups: &[String], links: &Links) -> bool {
    match &rule.peer {
        Peer::Cidr(c) => c.parse::<IpNet>().is_ok_and(|c| !ranges.is_empty() && ranges.iter().all(|r| c.contains(r))),
        Peer::Ipv6Cidr(_) => false,
        Peer::Group(x) => links.address(x).is_some_and(|x| groups.iter().any(|t| t == x)),
    }
}

fn allows(group: &str, rule: &Rule, links: &Links) -> String {
    let ports = match (rule.protocol.as_str(), rule.from_port, rule.to_port) {
        ("-1", ..) => "all traffic".to_string(),
        (p, f, t) if f == t => format!("{p} {f}"),
        (p, f, t) => format!("{p} {f}-{t}"),
    };
    format!("{} allows {ports} from {}", group.replacen("firewall.", "firewall ", 1), Model::peer_text(rule, links))
}

/// The first egress rule of the source's groups that lets it out to `to` (a range, or a
/// group of the destination); AWS's default (no `to` rules) lets everything out.
fn egress(
    m: &Model,
    from: &From,
    to_ranges: &[IpNet],
    to_groups: &[String],
    port: Port,
    links: &Links,
) -> Result<Option<String>, String> {
    let groups = source_groups(from);
    if groups.is_empty() {
        return Ok(None);
    }
    for g in groups {
        let Some(fw) = m.firewalls.get(g) else { continue };
        let Some(rules) = &fw.egress else { return Ok(None) };
        for rule in rules {
            if !Model::rule_allows(rule, port.protocol, port.port) {
                continue;
            }
            if peer_matches(rule, to_ranges, to_groups, links) {
                return Ok(Some(format!("{} lets it out", g.replacen("firewall.", "firewall ", 1))));
            }
        }
    }
    Err(format!("the firewalls of {} do not let {port} out to it", from_name(from)))
}

fn vpc_of(m: &Model, subnet: Option<&String>) -> Option<String> {
    subnet.and_then(|s| m.subnets.get(s)).map(|s| s.vpc.clone())
}

/// Whether the connection stays inside the destination's network (the local route).
fn inside(m: &Model, from: &From, vpc: &str) -> bool {
    match from {
        From::Internet => false,
        From::Cidr(c) => m.vpcs.get(vpc).copied().flatten().is_some_and(|v| v.contains(c)),
        From::Instance(i) => vpc_of(m, i.subnet.as_ref()).as_deref() == Some(vpc),
        From::Balancer(b) => vpc_of(m, b.subnets.first()).as_deref() == Some(vpc),
    }
}

/// The ports to try when none was asked: those the destination's rules or listeners name.
fn candidate_ports(m: &Model, groups: &[String], extra: &[u16]) -> Vec<Port> {
    let mut out: Vec<Port> = extra.iter().map(|&port| Port { port, protocol: "tcp" }).collect();
    for g in groups {
        for rule in m.firewalls.get(g).map(|f| f.ingress.as_slice()).unwrap_or_default() {
            let protocol = match rule.protocol.as_str() {
                "tcp" => "tcp",
                "udp" => "udp",
                _ => continue,
            };
            if rule.from_port > 0 {
                out.push(Port { port: u16::try_from(rule.from_port).unwrap_or(0), protocol });
            }
        }
    }
    out.sort_by_key(|p| (p.port, p.protocol));
    out.dedup();
    out
}

fn to_instance(m: &Model, links: &Links, from: &From, i: &model::Instance, port: Option<Port>) -> Verdict {
    let ports = match port {
        Some(p) => vec![p],
        None => candidate_ports(m, &i.groups, &[]),
    };
    let mut first_block = None;
    for p in &ports {
        let direct = direct_to_instance(m, links, from, i, *p);
        if direct.reachable {
            return direct;
        }
        for b in &m.balancers {
            for l in &b.listeners {
                let Some(group) = &l.forward else { continue };
                let Some(members) = m.targets.get(group) else { continue };
                let Some(&(_, target_port)) = members.iter().find(|(a, tp)| *a == i.address && *tp == p.port) else {
                    continue;
                };
                let front = to_balancer(m, links, from, b, Some(Port { port: l.port, protocol: "tcp" }));
                if !front.reachable {
                    continue;
                }
                let back =
                    direct_to_instance(m, links, &From::Balancer(b), i, Port { port: target_port, protocol: "tcp" });
                if back.reachable {
                    let mut steps = front.steps;
                    steps.push(format!(
                        "listener {} forwards to {} on port {target_port}",
                        l.port,
                        group.rsplit(".target.").next().map_or(group.clone(), |t| format!("target {t}"))
                    ));
                    steps.extend(back.steps);
                    return verdict(&i.address, steps, None);
                }
            }
        }
        first_block.get_or_insert(direct);
    }
    first_block
        .unwrap_or_else(|| verdict(&i.address, vec![], Some(format!("no firewall of {} opens any port", i.address))))
}

fn direct_to_instance(m: &Model, links: &Links, from: &From, i: &model::Instance, p: Port) -> Verdict {
    let mut steps = Vec::new();
    let Some(vpc) = vpc_of(m, i.subnet.as_ref()) else {
        return verdict(&i.address, steps, Some(format!("{} is in no subnet of the stack", i.address)));
    };
    if inside(m, from, &vpc) {
        steps.push(format!("{} and {} share {vpc}: its local route", from_name(from), i.address));
    } else {
        match from {
            From::Internet | From::Cidr(_) => {
                let subnet = i.subnet.as_ref().and_then(|s| m.subnets.get(s));
                let Some(gw) = subnet.and_then(|s| s.gateway.as_ref()) else {
                    let s = i.subnet.as_deref().unwrap_or("its subnet");
                    return verdict(
                        &i.address,
                        steps,
                        Some(format!("{} is in {s}, which has no route to an internet gateway", i.address)),
                    );
                };
                if !i.public_ip {
                    return verdict(&i.address, steps, Some(format!("{} has no public address", i.address)));
                }
                steps.push(format!("{} has a public address in a subnet routed to {gw}", i.address));
            }
            From::Instance(_) | From::Balancer(_) => {
                return verdict(&i.address, steps, Some(format!("{} is in another network ({vpc})", i.address)));
            }
        }
    }
    let dest_range: Vec<IpNet> = i.subnet.iter().filter_map(|s| m.subnets.get(s)?.cidr).collect();
    match egress(m, from, &dest_range, &i.groups, p, links) {
        Ok(Some(s)) => steps.push(s),
        Ok(None) => {}
        Err(e) => return verdict(&i.address, steps, Some(e)),
    }
    match ingress(m, links, &i.groups, from, p) {
        Some(s) => {
            steps.push(s);
            verdict(&i.address, steps, None)
        }
        None => verdict(
            &i.address,
            steps,
            Some(format!("no firewall of {} allows {p} from {}", i.address, from_name(from))),
        ),
    }
}

fn to_balancer(m: &Model, links: &Links, from: &From, b: &model::Balancer, port: Option<Port>) -> Verdict {
    let mut steps = Vec::new();
    let vpc = vpc_of(m, b.subnets.first()).unwrap_or_default();
    if !inside(m, from, &vpc) {
        if matches!(from, From::Instance(_) | From::Balancer(_)) {
            return verdict(&b.address, steps, Some(format!("{} is in another network ({vpc})", b.address)));
        }
        if !b.internet_facing {
            return verdict(&b.address, steps, Some(format!("{} is internal", b.address)));
        }
        let routed: Vec<&String> =
            b.subnets.iter().filter(|s| m.subnets.get(*s).is_some_and(|x| x.gateway.is_some())).collect();
        if routed.is_empty() {
            return verdict(
                &b.address,
                steps,
                Some(format!("{}'s subnets have no route to an internet gateway", b.address)),
            );
        }
        steps.push(format!("{} is internet-facing in subnets routed to an internet gateway", b.address));
    }
    let listeners: Vec<&model::Listener> =
        b.listeners.iter().filter(|l| port.is_none_or(|p| p.port == l.port && l.protocol != "udp")).collect();
    let Some(l) = listeners.first() else {
        let what = port.map_or("any port".to_string(), |p| format!("port {}", p.port));
        return verdict(&b.address, steps, Some(format!("{} has no listener on {what}", b.address)));
    };
    let p = Port { port: l.port, protocol: "tcp" };
    if b.groups.is_empty() {
        steps.push(format!("{} has no firewall: its listener {} takes any source", b.address, l.port));
    } else {
        match ingress(m, links, &b.groups, from, p) {
            Some(s) => steps.push(s),
            None => {
                return verdict(
                    &b.address,
                    steps,
                    Some(format!("no firewall of {} allows {p} from {}", b.address, from_name(from))),
                )
            }
        }
    }
    steps.push(format!("{} listens on {} ({})", b.address, l.port, l.protocol));
    verdict(&b.address, steps, None)
}

fn to_outside(m: &Model, links: &Links, from: &From, dst: &Endpoint, port: Option<Port>) -> Verdict {
    let name = dst.name();
    let p = port.unwrap_or(Port { port: 443, protocol: "tcp" });
    let From::Instance(i) = from else {
        return verdict(&name, vec![], Some("only instances open connections out".into()));
    };
    let target: Vec<IpNet> = match dst {
        Endpoint::Cidr(c) => vec![*c],
        _ => vec!["0.0.0.0/0".parse().expect("literal")],
    };
    let subnet = i.subnet.as_ref().and_then(|s| m.subnets.get(s));
    let vpc_range = subnet.and_then(|s| m.vpcs.get(&s.vpc).copied().flatten());
    let mut steps = Vec::new();
    if let (Some(v), Endpoint::Cidr(c)) = (vpc_range, dst) {
        if v.contains(c) {
            steps.push(format!("{c} is inside {}: its local route", subnet.map_or("", |s| s.vpc.as_str())));
        }
    }
    if steps.is_empty() {
        match subnet {
            Some(s) if s.gateway.is_some() && i.public_ip => {
                steps.push(format!(
                    "{} has a public address in a subnet routed to {}",
                    i.address,
                    s.gateway.as_deref().unwrap_or("")
                ));
            }
            Some(s @ model::Subnet { nat: Some(at), .. }) => {
                steps.push(format!("{} routes out through the NAT gateway in {at}", s.address));
            }
            Some(s) if s.gateway.is_some() => {
                return verdict(
                    &name,
                    steps,
                    Some(format!("{} has no public address, and {} no NAT route", i.address, s.address)),
                );
            }
            Some(s) => return verdict(&name, steps, Some(format!("{} has no route out of its network", s.address))),
            None => return verdict(&name, steps, Some(format!("{} is in no subnet of the stack", i.address))),
        }
    }
    match egress(m, from, &target, &[], p, links) {
        Ok(Some(s)) => steps.push(s),
        Ok(None) => steps.push(format!("{}'s firewalls let everything out (AWS's default)", i.address)),
        Err(e) => return verdict(&name, steps, Some(e)),
    }
    verdict(&name, steps, None)
}

/// Something the internet can reach: an instance or balancer, a port, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Exposure {
    pub destination: String,
    pub port: u16,
    pub protocol: String,
    pub path: String,
}

/// Every port of every instance and balancer the internet can reach, and how.
pub fn exposed(m: &Model, links: &Links) -> Vec<Exposure> {
    let mut out = Vec::new();
    for b in &m.balancers {
        for l in &b.listeners {
            let v = to_balancer(m, links, &From::Internet, b, Some(Port { port: l.port, protocol: "tcp" }));
            if v.reachable {
                out.push(Exposure {
                    destination: b.address.clone(),
                    port: l.port,
                    protocol: "tcp".into(),
                    path: v.steps.join("; "),
                });
            }
        }
    }
    for i in &m.instances {
        for p in candidate_ports(m, &i.groups, &[]) {
            let v = to_instance(m, links, &From::Internet, i, Some(p));
            if v.reachable {
                out.push(Exposure {
                    destination: i.address.clone(),
                    port: p.port,
                    protocol: p.protocol.into(),
                    path: v.steps.join("; "),
                });
            }
        }
        // `all traffic` rules open ports no rule names: say so once, for port 0.
        let all_open = i
            .groups
            .iter()
            .filter_map(|g| m.firewalls.get(g))
            .flat_map(|f| &f.ingress)
            .any(|r| r.protocol == "-1" && matches!(&r.peer, Peer::Cidr(c) if c == "0.0.0.0/0"));
        if all_open && direct_to_instance(m, links, &From::Internet, i, Port { port: 1, protocol: "tcp" }).reachable {
            out.push(Exposure {
                destination: i.address.clone(),
                port: 0,
                protocol: "all".into(),
                path: "every port is open to 0.0.0.0/0".into(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The model of a compiled stack.
pub fn of_desired(state: &DesiredState) -> (Model, Links) {
    let links = Links::default();
    (Model::build(&state.resources, &links), links)
}

#[cfg(test)]
mod tests;
