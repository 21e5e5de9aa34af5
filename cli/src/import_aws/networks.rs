//! Live VPCs → drove `network` (with its subnets) and `firewall` declarations, and the live
//! ids of what drove derives from them (the internet gateway, the public route table and
//! its associations) under the addresses drove's compile gives them.
//!
//! drove declares less than EC2 holds: what it cannot declare is said in a note, and the
//! first plan after the import shows it as a change (`mod.rs` reports that plan).

use super::names::{sanitize, Namer, NAME_TAG};
use super::typed;
use super::zones::Imported;
use drove_compiler::model::security_group_rules::{Peer, Rule};
use drove_compiler::model::{SecurityGroup, SecurityGroupRules, Subnet, Tags, Vpc};
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover::NetworkDump;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the networks give the rest of the import: the name each VPC, subnet and security
/// group became.
#[derive(Default)]
pub struct Declared {
    /// VPC id → network name.
    pub networks: BTreeMap<String, String>,
    /// Subnet id → (network name, subnet name, public).
    pub subnets: BTreeMap<String, (String, String, bool)>,
    /// Security group id → (firewall name, VPC id).
    pub firewalls: BTreeMap<String, (String, String)>,
}

/// A rule's port range (`None` for a protocol without ports).
type Ports = Option<(i64, i64)>;

fn name_tag(tags: &Tags) -> Option<&str> {
    tags.get(NAME_TAG).map(String::as_str).filter(|n| !n.is_empty())
}

/// A security group and its rules, read in the model's types.
struct Group {
    id: String,
    group: SecurityGroup,
    rules: SecurityGroupRules,
}

/// The tags of a VPC, its subnets and its security groups (those drove can read; the
/// others are refused by [`networks`]).
pub fn tags(d: &NetworkDump) -> Vec<Tags> {
    let mut out: Vec<Tags> = typed::<Vpc>(&d.vpc.id, &d.vpc.attributes).into_iter().map(|v| v.tags).collect();
    out.extend(d.subnets.iter().filter_map(|s| typed::<Subnet>(&s.id, &s.attributes).ok()).map(|s| s.tags));
    out.extend(
        d.groups.iter().filter_map(|g| typed::<SecurityGroup>(&g.group.id, &g.group.attributes).ok()).map(|g| g.tags),
    );
    out
}

/// Subnets print in address order: `10.0.2.0/24` before `10.0.11.0/24`.
fn cidr_key(cidr: &str) -> (u32, String) {
    let addr = cidr.split('/').next().and_then(|a| a.parse::<std::net::Ipv4Addr>().ok()).map_or(u32::MAX, u32::from);
    (addr, cidr.to_string())
}

/// `ap-northeast-1a` → `a` in that region; other names stay whole.
fn zone_suffix(region: &str, az: &str) -> String {
    match az.strip_prefix(region) {
        Some(rest) if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase()) => rest.to_string(),
        _ => az.to_string(),
    }
}

/// The networks and firewalls of `dumps`, in order, into `out`.
pub fn networks(
    dumps: &[NetworkDump],
    stack: &str,
    region: &str,
    namer: &mut Namer,
    out: &mut Imported,
) -> Result<Declared, Vec<String>> {
    let mut declared = Declared::default();
    let mut errors = Vec::new();
    for d in dumps {
        let vpc_id = &d.vpc.id;
        let vpc: Vpc = match typed(vpc_id, &d.vpc.attributes) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("VPC {vpc_id} cannot be declared in drove: {e}"));
                continue;
            }
        };
        let name = namer.name("network", name_tag(&vpc.tags).unwrap_or(vpc_id));
        declared.networks.insert(vpc_id.clone(), name.clone());
        let mut text = format!("network {name} {{\n  cidr = {}\n", vpc.cidr);
        let address = format!("network.{name}");
        out.ids.insert(address.clone(), vpc_id.clone());
        for (key, on) in
            [("enable_dns_support", vpc.enable_dns_support), ("enable_dns_hostnames", vpc.enable_dns_hostnames)]
        {
            if !on {
                out.notes.push(format!(
                    "VPC {vpc_id} has {key} off; a drove network has it on, so the first apply turns it on"
                ));
            }
        }
        let mut subnet_names = Namer::default();
        let mut subnets: Vec<(&str, Subnet)> = Vec::new();
        for sn in &d.subnets {
            match typed(&sn.id, &sn.attributes) {
                Ok(a) => subnets.push((&sn.id, a)),
                Err(e) => errors.push(format!("subnet {} of VPC {vpc_id} cannot be declared in drove: {e}", sn.id)),
            }
        }
        subnets.sort_by_key(|(_, a)| cidr_key(&a.cidr));
        for (id, a) in subnets {
            // drove tags a subnet `NETWORK-SUBNET`: a tag written that way gives the subnet its name back.
            let wanted = name_tag(&a.tags).map(|t| sanitize(t, "subnet")).unwrap_or_else(|| id.to_string());
            let wanted =
                wanted.strip_prefix(&format!("{name}-")).filter(|r| !r.is_empty()).unwrap_or(&wanted).to_string();
            let sub = subnet_names.name("subnet", &wanted);
            let public = d.public_subnets.iter().any(|p| p == id);
            let _ = write!(
                text,
                "  subnet {sub} {{ cidr = {}  zone = {}",
                a.cidr,
                zone_suffix(region, &a.availability_zone)
            );
            if public {
                text.push_str("  public = true");
            }
            let nat = d.nats.iter().find(|n| n.subnet == id);
            let sub_address = format!("{address}.subnet.{sub}");
            match nat {
                Some(n) if public => {
                    text.push_str("  nat = true");
                    out.ids.insert(format!("{sub_address}.nat"), n.id.clone());
                    if let Some(ip) = &n.allocation {
                        out.ids.insert(format!("{sub_address}.nat.ip"), ip.clone());
                    }
                    match &n.table {
                        Some(t) => {
                            out.ids.insert(format!("{address}.route_table.private-{sub}"), t.clone());
                        }
                        None => out.notes.push(format!(
                            "NAT gateway {} ({sub}) has no route table through it; the first apply makes one",
                            n.id
                        )),
                    }
                }
                Some(n) => out.notes.push(format!(
                    "NAT gateway {} sits in subnet {id} ({sub}), which is not public; left out: drove puts a NAT in a public subnet",
                    n.id
                )),
                None => {}
            }
            text.push_str(" }\n");
            out.ids.insert(sub_address.clone(), id.to_string());
            if a.map_public_ip_on_launch != public {
                out.notes.push(format!(
                    "subnet {id} ({sub}) is {} but {} public addresses; drove makes a subnet's public addresses follow its route, so the first apply changes that",
                    if public { "routed to the internet gateway" } else { "not routed to an internet gateway" },
                    if public { "does not hand out" } else { "hands out" },
                ));
            }
            if !public {
                // A private subnet routed through a NAT gateway: drove routes it through the
                // NAT of its zone (or the first), so the first plan moves it if that differs.
                if let Some(assoc) = d.nats.iter().find_map(|n| n.associations.get(id)) {
                    out.ids.insert(format!("{sub_address}.route_table"), assoc.clone());
                }
            }
            if public {
                match d.associations.get(id) {
                    Some(assoc) => {
                        out.ids.insert(format!("{sub_address}.route_table"), assoc.clone());
                    }
                    None => out.notes.push(format!(
                        "subnet {id} ({sub}) reaches the internet through the VPC's main route table; drove associates it with its public table explicitly on the first apply"
                    )),
                }
            }
            declared.subnets.insert(id.to_string(), (name.clone(), sub, public));
        }
        text.push_str("}\n\n");
        if d.public_subnets.iter().any(|id| declared.subnets.contains_key(id)) {
            if let (Some(igw), Some(table)) = (&d.gateway, &d.public_table) {
                out.ids.insert(format!("{address}.internet_gateway"), igw.clone());
                out.ids.insert(format!("{address}.route_table.public"), table.clone());
            }
        } else if let Some(igw) = &d.gateway {
            out.notes.push(format!(
                "internet gateway {igw} of VPC {vpc_id} left out: no subnet routes to it, and drove keeps a gateway only for public subnets"
            ));
        }
        for t in &d.other_tables {
            out.notes.push(format!(
                "route table {t} of VPC {vpc_id} left out: drove declares only the public route table; it stays as it is"
            ));
        }
        out.source.push_str(&text);
    }
    // Firewall names first, so that rules can name any group of the import.
    let mut firewalls = Vec::new();
    for d in dumps {
        for g in &d.groups {
            let read = typed::<SecurityGroup>(&g.group.id, &g.group.attributes)
                .and_then(|group| Ok((group, typed::<SecurityGroupRules>(&g.rules.id, &g.rules.attributes)?)));
            let g = match read {
                Ok((group, rules)) => Group { id: g.group.id.clone(), group, rules },
                Err(e) => {
                    errors.push(format!("security group {} cannot be declared in drove: {e}", g.group.id));
                    continue;
                }
            };
            let group_name = g.group.name.as_str();
            // drove names a group `STACK-FIREWALL`: one named so keeps that name.
            let wanted = group_name
                .strip_prefix(&format!("{stack}-"))
                .filter(|r| !r.is_empty() && sanitize(r, "firewall") == *r);
            let wanted = wanted.or(name_tag(&g.group.tags)).unwrap_or(group_name);
            let fw = namer.name("firewall", wanted);
            declared.firewalls.insert(g.id.clone(), (fw.clone(), d.vpc.id.clone()));
            firewalls.push((d, g, fw));
        }
    }
    firewalls.sort_by(|a, b| a.2.cmp(&b.2));
    for (d, g, fw) in firewalls {
        let network = declared.networks.get(&d.vpc.id).cloned().unwrap_or_default();
        let text = firewall(d, &g, (stack, &fw), &network, &declared, out);
        out.source.push_str(&text);
        out.ids.insert(format!("firewall.{fw}"), g.id.clone());
        out.ids.insert(format!("firewall.{fw}.rules"), g.id.clone());
    }
    if errors.is_empty() {
        Ok(declared)
    } else {
        Err(errors)
    }
}

/// One rule entry's peer in drove's syntax, or why it has none.
fn peer(e: &Rule, vpc: &str, declared: &Declared, default_group: Option<&str>) -> Result<String, String> {
    let g = match &e.peer {
        Peer::Cidr(c) | Peer::Ipv6Cidr(c) => return Ok(c.clone()),
        Peer::Group(g) => g.text().unwrap_or(""),
    };
    match declared.firewalls.get(g) {
        Some((name, v)) if v == vpc => Ok(name.clone()),
        Some(_) => Err(format!("group {g} of another VPC")),
        None if Some(g) == default_group => Err(format!("the VPC's default group {g}")),
        None => Err(format!("group {g}, which this import does not declare")),
    }
}

/// The protocol as drove writes it and the port range; `None` for what drove cannot write.
fn protocol_and_ports(proto: &str, from: i64, to: i64) -> Option<(String, Option<(i64, i64)>)> {
    match proto {
        "-1" => Some(("all".into(), None)),
        "tcp" | "udp" if (0..=65535).contains(&from) && (from..=65535).contains(&to) => {
            Some((proto.to_string(), Some((from, to))))
        }
        "icmp" | "icmpv6" if from == -1 && to == -1 => Some((proto.to_string(), None)),
        _ => None,
    }
}

fn firewall(
    d: &NetworkDump,
    g: &Group,
    (stack, fw): (&str, &str),
    network: &str,
    declared: &Declared,
    out: &mut Imported,
) -> String {
    let mut text = format!("firewall {fw} in {network} {{\n");
    if g.group.name != format!("{stack}-{fw}") {
        // A group's name cannot change: it keeps the one its owners gave it.
        let _ = writeln!(text, "  group_name = {}", drove_string(&g.group.name));
    }
    let description = g.group.description.as_str();
    if description != format!("drove firewall {fw}") {
        let _ = writeln!(text, "  description = {}", drove_string(description));
    }
    let egress = g.rules.egress.as_deref();
    let egress_is_default = egress == Some(&[Rule::default_egress()][..]);
    if egress.is_some_and(<[Rule]>::is_empty) {
        out.notes.push(format!(
            "security group {} allows no egress; a drove firewall without `to` rules allows all, so the first apply adds AWS's default egress rule",
            g.id
        ));
    }
    for (key, word, rules) in [("ingress", "from", Some(g.rules.ingress.as_slice())), ("egress", "to", egress)] {
        if key == "egress" && egress_is_default {
            continue;
        }
        // (protocol, ports) → peers, then peers → ports, so rules read as people write them.
        let mut by_ports: BTreeMap<(String, Ports), Vec<String>> = BTreeMap::new();
        for e in rules.unwrap_or(&[]) {
            let (proto, from, to) = (e.protocol.as_str(), e.from_port, e.to_port);
            let Some(pp) = protocol_and_ports(proto, from, to) else {
                out.notes.push(format!("security group {}: {key} rule {proto} {from}-{to} cannot be written in drove; the first apply removes it", g.id));
                continue;
            };
            match peer(e, &d.vpc.id, declared, d.default_group.as_deref()) {
                Ok(p) => by_ports.entry(pp).or_default().push(p),
                Err(why) => out.notes.push(format!(
                    "security group {}: a {key} rule names {why}; a drove rule names a firewall of its network, so the first apply removes it",
                    g.id
                )),
            }
        }
        let mut by_peers: BTreeMap<(String, Vec<String>), Vec<Ports>> = BTreeMap::new();
        for ((proto, ports), mut peers) in by_ports {
            peers.sort();
            peers.dedup();
            by_peers.entry((proto, peers)).or_default().push(ports);
        }
        for ((proto, peers), ports) in by_peers {
            let ports: Vec<String> = ports
                .into_iter()
                .flatten()
                .map(|(f, t)| if f == t { f.to_string() } else { format!("{f}-{t}") })
                .collect();
            let ports = if ports.is_empty() { String::new() } else { format!(" {}", ports.join(", ")) };
            let _ = writeln!(text, "  allow {proto}{ports} {word} {}", peers.join(", "));
        }
    }
    text.push_str("}\n\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_rules_as_drove_writes_them() {
        assert_eq!(zone_suffix("ap-northeast-1", "ap-northeast-1c"), "c");
        assert_eq!(zone_suffix("ap-northeast-1", "ap-northeast-1-tpe-1a"), "ap-northeast-1-tpe-1a");
        assert_eq!(protocol_and_ports("-1", -1, -1), Some(("all".into(), None)));
        assert_eq!(protocol_and_ports("tcp", 8000, 8080), Some(("tcp".into(), Some((8000, 8080)))));
        assert_eq!(protocol_and_ports("icmp", -1, -1), Some(("icmp".into(), None)));
        // An ICMP type, or a protocol drove has no word for, cannot be written.
        assert_eq!(protocol_and_ports("icmp", 8, -1), None);
        assert_eq!(protocol_and_ports("50", -1, -1), None);
        assert!(cidr_key("10.0.2.0/24") < cidr_key("10.0.11.0/24"));
    }
}
