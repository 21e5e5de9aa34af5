//! Live VPCs → drove `network` (with its subnets) and `firewall` declarations, and the live
//! ids of what drove derives from them (the internet gateway, the public route table and
//! its associations) under the addresses drove's compile gives them.
//!
//! drove declares less than EC2 holds: what it cannot declare is said in a note, and the
//! first plan after the import shows it as a change (`mod.rs` reports that plan).

use super::names::{sanitize, Namer};
use super::zones::Imported;
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover::{GroupDump, NetworkDump};
use serde_json::Value;
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

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn name_tag(v: &Value) -> Option<&str> {
    v.get("tags").and_then(|t| s(t, "Name")).filter(|n| !n.is_empty())
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
pub fn networks(dumps: &[NetworkDump], stack: &str, region: &str, namer: &mut Namer, out: &mut Imported) -> Result<Declared, Vec<String>> {
    let mut declared = Declared::default();
    let mut errors = Vec::new();
    for d in dumps {
        let vpc = &d.vpc;
        let name = namer.name("network", name_tag(&vpc.attributes).unwrap_or(&vpc.id));
        declared.networks.insert(vpc.id.clone(), name.clone());
        let Some(cidr) = s(&vpc.attributes, "cidr") else {
            errors.push(format!("VPC {} has no IPv4 CIDR", vpc.id));
            continue;
        };
        let mut text = format!("network {name} {{\n  cidr = {cidr}\n");
        let address = format!("network.{name}");
        out.ids.insert(address.clone(), vpc.id.clone());
        for key in ["enable_dns_support", "enable_dns_hostnames"] {
            if vpc.attributes.get(key).and_then(Value::as_bool) != Some(true) {
                out.notes.push(format!("VPC {} has {key} off; a drove network has it on, so the first apply turns it on", vpc.id));
            }
        }
        let mut subnet_names = Namer::default();
        let mut subnets: Vec<&drove_engine::provider::Live> = d.subnets.iter().collect();
        subnets.sort_by_key(|sn| cidr_key(s(&sn.attributes, "cidr").unwrap_or("")));
        for sn in subnets {
            let a = &sn.attributes;
            // drove tags a subnet `NETWORK-SUBNET`: a tag written that way gives the subnet its name back.
            let wanted = name_tag(a).map(|t| sanitize(t, "subnet")).unwrap_or_else(|| sn.id.clone());
            let wanted = wanted.strip_prefix(&format!("{name}-")).filter(|r| !r.is_empty()).unwrap_or(&wanted).to_string();
            let sub = subnet_names.name("subnet", &wanted);
            let public = d.public_subnets.contains(&sn.id);
            let (Some(cidr), Some(az)) = (s(a, "cidr"), s(a, "availability_zone")) else {
                errors.push(format!("subnet {} of VPC {} has no IPv4 CIDR or availability zone", sn.id, vpc.id));
                continue;
            };
            let _ = write!(text, "  subnet {sub} {{ cidr = {cidr}  zone = {}", zone_suffix(region, az));
            if public {
                text.push_str("  public = true");
            }
            text.push_str(" }\n");
            let sub_address = format!("{address}.subnet.{sub}");
            out.ids.insert(sub_address.clone(), sn.id.clone());
            if a.get("map_public_ip_on_launch").and_then(Value::as_bool) != Some(public) {
                out.notes.push(format!(
                    "subnet {} ({sub}) is {} but {} public addresses; drove makes a subnet's public addresses follow its route, so the first apply changes that",
                    sn.id,
                    if public { "routed to the internet gateway" } else { "not routed to an internet gateway" },
                    if public { "does not hand out" } else { "hands out" },
                ));
            }
            if public {
                match d.associations.get(&sn.id) {
                    Some(assoc) => {
                        out.ids.insert(format!("{sub_address}.route_table"), assoc.clone());
                    }
                    None => out.notes.push(format!(
                        "subnet {} ({sub}) reaches the internet through the VPC's main route table; drove associates it with its public table explicitly on the first apply",
                        sn.id
                    )),
                }
            }
            declared.subnets.insert(sn.id.clone(), (name.clone(), sub, public));
        }
        text.push_str("}\n\n");
        if d.public_subnets.iter().any(|id| declared.subnets.contains_key(id)) {
            if let (Some(igw), Some(table)) = (&d.gateway, &d.public_table) {
                out.ids.insert(format!("{address}.internet_gateway"), igw.clone());
                out.ids.insert(format!("{address}.route_table.public"), table.clone());
            }
        } else if let Some(igw) = &d.gateway {
            out.notes.push(format!(
                "internet gateway {igw} of VPC {} left out: no subnet routes to it, and drove keeps a gateway only for public subnets",
                vpc.id
            ));
        }
        for t in &d.other_tables {
            out.notes.push(format!("route table {t} of VPC {} left out: drove declares only the public route table; it stays as it is", vpc.id));
        }
        out.source.push_str(&text);
    }
    // Firewall names first, so that rules can name any group of the import.
    let mut firewalls = Vec::new();
    for d in dumps {
        for g in &d.groups {
            let group_name = s(&g.group.attributes, "name").unwrap_or("");
            // drove names a group `STACK-FIREWALL`: one named so keeps that name.
            let wanted = group_name.strip_prefix(&format!("{stack}-")).filter(|r| !r.is_empty() && sanitize(r, "firewall") == *r);
            let wanted = wanted.or(name_tag(&g.group.attributes)).unwrap_or(group_name);
            let fw = namer.name("firewall", wanted);
            if group_name != format!("{stack}-{fw}") {
                out.notes.push(format!(
                    "security group {} is named `{group_name}`; drove names it `{stack}-{fw}`, and a group's name cannot change, so the first apply replaces it (import with --stack STACK where the groups are named STACK-…)",
                    g.group.id
                ));
            }
            declared.firewalls.insert(g.group.id.clone(), (fw.clone(), d.vpc.id.clone()));
            firewalls.push((d, g, fw));
        }
    }
    firewalls.sort_by(|a, b| a.2.cmp(&b.2));
    for (d, g, fw) in firewalls {
        let network = declared.networks.get(&d.vpc.id).cloned().unwrap_or_default();
        let text = firewall(d, g, &fw, &network, &declared, out);
        out.source.push_str(&text);
        out.ids.insert(format!("firewall.{fw}"), g.group.id.clone());
        out.ids.insert(format!("firewall.{fw}.rules"), g.group.id.clone());
    }
    if errors.is_empty() {
        Ok(declared)
    } else {
        Err(errors)
    }
}

/// One rule entry's peer in drove's syntax, or why it has none.
fn peer(e: &Value, vpc: &str, declared: &Declared, default_group: Option<&str>) -> Result<String, String> {
    if let Some(c) = s(e, "cidr").or_else(|| s(e, "ipv6_cidr")) {
        return Ok(c.to_string());
    }
    let g = s(e, "group").unwrap_or("");
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
        "tcp" | "udp" if (0..=65535).contains(&from) && (from..=65535).contains(&to) => Some((proto.to_string(), Some((from, to)))),
        "icmp" | "icmpv6" if from == -1 && to == -1 => Some((proto.to_string(), None)),
        _ => None,
    }
}

fn firewall(d: &NetworkDump, g: &GroupDump, fw: &str, network: &str, declared: &Declared, out: &mut Imported) -> String {
    let mut text = format!("firewall {fw} in {network} {{\n");
    let description = s(&g.group.attributes, "description").unwrap_or("");
    if description != format!("drove firewall {fw}") {
        let _ = writeln!(text, "  description = {}", drove_string(description));
    }
    let default_egress = serde_json::json!([{"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "0.0.0.0/0"}]);
    let egress = g.rules.attributes.get("egress").cloned().unwrap_or(Value::Null);
    let egress_is_default = egress == default_egress;
    if egress.as_array().is_some_and(Vec::is_empty) {
        out.notes.push(format!(
            "security group {} allows no egress; a drove firewall without `to` rules allows all, so the first apply adds AWS's default egress rule",
            g.group.id
        ));
    }
    for (key, word) in [("ingress", "from"), ("egress", "to")] {
        if key == "egress" && egress_is_default {
            continue;
        }
        // (protocol, ports) → peers, then peers → ports, so rules read as people write them.
        let mut by_ports: BTreeMap<(String, Option<(i64, i64)>), Vec<String>> = BTreeMap::new();
        for e in g.rules.attributes.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            let proto = s(e, "protocol").unwrap_or("");
            let from = e.get("from_port").and_then(Value::as_i64).unwrap_or(-1);
            let to = e.get("to_port").and_then(Value::as_i64).unwrap_or(-1);
            let Some(pp) = protocol_and_ports(proto, from, to) else {
                out.notes.push(format!("security group {}: {key} rule {proto} {from}-{to} cannot be written in drove; the first apply removes it", g.group.id));
                continue;
            };
            match peer(e, &d.vpc.id, declared, d.default_group.as_deref()) {
                Ok(p) => by_ports.entry(pp).or_default().push(p),
                Err(why) => out.notes.push(format!(
                    "security group {}: a {key} rule names {why}; a drove rule names a firewall of its network, so the first apply removes it",
                    g.group.id
                )),
            }
        }
        let mut by_peers: BTreeMap<(String, Vec<String>), Vec<Option<(i64, i64)>>> = BTreeMap::new();
        for ((proto, ports), mut peers) in by_ports {
            peers.sort();
            peers.dedup();
            by_peers.entry((proto, peers)).or_default().push(ports);
        }
        for ((proto, peers), ports) in by_peers {
            let ports: Vec<String> = ports.into_iter().flatten().map(|(f, t)| if f == t { f.to_string() } else { format!("{f}-{t}") }).collect();
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
