//! Checks of where instances go: the stack's region and its subnets' zones against the
//! catalog, `hosts` counts and subnet lists, fixed addresses of `host`s, subnet capacity
//! (AWS keeps 5 addresses of every subnet), public addresses in private subnets, and
//! firewalls from another network.

use crate::catalog::{self, ZoneError};
use crate::diag::{Diagnostic, Sink};
use crate::hir::{Network, Ref, Role, Stack, Subnet};
use crate::source::{FileId, Span};
use ipnet::{IpNet, Ipv4Net};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

pub const E_UNKNOWN_REGION: &str = "E0240";
pub const E_ZONE: &str = "E0241";
pub const E_COUNT: &str = "E0245";
pub const E_NO_SUBNETS: &str = "E0246";
pub const E_SUBNET_TWICE: &str = "E0247";
pub const E_CAPACITY: &str = "E0248";
pub const E_IP_OUTSIDE: &str = "E0249";
pub const E_IP_RESERVED: &str = "E0250";
pub const E_IP_TWICE: &str = "E0251";
pub const E_PUBLIC_IN_PRIVATE: &str = "E0252";
pub const E_FIREWALL_NETWORK: &str = "E0257";

/// One `hosts` declaration larger than this is most likely a typo.
pub const MAX_COUNT: u64 = 1000;
/// AWS keeps the network address, the next three and the last address of every subnet.
pub const RESERVED_PER_SUBNET: u64 = 5;

pub fn check(stack: &Stack, sink: &mut Sink) {
    region_and_zones(stack, sink);
    for h in &stack.hosts {
        count_and_subnets(h, sink);
    }
    fixed_addresses(stack, sink);
    capacity(stack, sink);
    public_ip_routes(stack, sink);
    firewall_networks(stack, sink);
}

/// The subnet a `NETWORK.SUBNET` reference names; `None` when it does not resolve (the
/// names pass reports that).
pub fn resolve_subnet<'s>(stack: &'s Stack, r: &Ref) -> Option<(&'s Network, &'s Subnet)> {
    match r.segments.as_slice() {
        [net, sub] => stack.subnet(&net.text, &sub.text),
        [used, net, sub] if stack.used(&used.text).is_some() => {
            stack.subnet(&format!("{}.{}", used.text, net.text), &sub.text)
        }
        _ => None,
    }
}

/// Usable addresses of a subnet: its size less the 5 AWS keeps.
pub fn usable_addresses(cidr: &Ipv4Net) -> u64 {
    (1u64 << (32 - u32::from(cidr.prefix_len()))).saturating_sub(RESERVED_PER_SUBNET)
}

/// Whether AWS keeps this address of the subnet for itself.
pub fn is_reserved(cidr: &Ipv4Net, ip: Ipv4Addr) -> bool {
    let offset = u32::from(ip).wrapping_sub(u32::from(cidr.network()));
    offset <= 3 || ip == cidr.broadcast()
}

/// The subnet of each instance of a `hosts`, by index: round-robin over `subnets` in the
/// order given. The compiler's expansion into instances uses the same function.
pub fn placement(subnets: &[Ref], count: u64) -> impl Iterator<Item = (u64, &Ref)> {
    let n = subnets.len() as u64;
    (0..if n == 0 { 0 } else { count }).filter_map(move |i| subnets.get((i % n.max(1)) as usize).map(|r| (i, r)))
}

fn region_and_zones(stack: &Stack, sink: &mut Sink) {
    let Some(info) = stack.info() else { return };
    let Some(region) = &info.region else { return };
    let Some(r) = catalog::region(&region.value) else {
        let mut d = Diagnostic::new(
            E_UNKNOWN_REGION,
            info.file,
            region.span.clone(),
            format!("unknown region `{}`", region.value),
        )
        .with_label("not an AWS region");
        match catalog::regions::suggest(&region.value).first() {
            Some(best) => {
                let replacement =
                    if region.span.len() == region.value.len() + 2 { format!("\"{best}\"") } else { best.to_string() };
                d = d.with_help(format!("did you mean `{best}`?")).with_fix(
                    format!("replace with `{best}`"),
                    info.file,
                    region.span.clone(),
                    replacement,
                );
            }
            None => d = d.with_help("write a region code such as `us-east-1` or `ap-northeast-1`"),
        }
        sink.push(d);
        return;
    };
    for net in &stack.networks {
        for sub in &net.subnets {
            let Some(zone) = &sub.zone else { continue };
            let err = match r.zone(&zone.value) {
                Ok(_) => continue,
                Err(e) => e,
            };
            let letters = r.zones.iter().map(|z| format!("`{z}`")).collect::<Vec<_>>().join(", ");
            let mut d = Diagnostic::new(
                E_ZONE,
                net.file,
                zone.span.clone(),
                format!("`{}` is not an availability zone of {}", zone.value, r.code),
            )
            .with_label(format!("not a zone of {}", r.code))
            .with_secondary(info.file, region.span.clone(), "the stack's region");
            let full = zone.value.len() > 1;
            let candidates = if full { r.zone_names() } else { r.zone_suffixes() };
            // A full name one edit closer to a single zone than to any other is a typo worth
            // a quick fix; a wrong letter alone could be meant as any of the zones.
            let ranked =
                if full { catalog::closest(&zone.value, candidates.iter().map(String::as_str), 2) } else { Vec::new() };
            let distance = |c: &str| strsim::damerau_levenshtein(&zone.value.to_ascii_lowercase(), c);
            let best: Vec<&str> = match ranked.as_slice() {
                [first, second] if distance(first) < distance(second) => vec![*first],
                [only] => vec![*only],
                _ => Vec::new(),
            };
            d = match (&err, best.as_slice()) {
                (ZoneError::OtherRegion { region: other }, _) => d
                    .with_help(format!("that is a zone of {other}; {} has zones {letters}", r.code))
                    .with_choices(net.file, zone.span.clone(), candidates.iter().map(String::as_str)),
                // One clearly closest full name: a typo.
                (ZoneError::Unknown, [only]) => d.with_help(format!("did you mean `{only}`?")).with_fix(
                    format!("replace with `{only}`"),
                    net.file,
                    zone.span.clone(),
                    only.to_string(),
                ),
                // Any of the region's zones could be meant: offer each.
                _ => d.with_help(format!("{} has zones {letters}", r.code)).with_choices(
                    net.file,
                    zone.span.clone(),
                    candidates.iter().map(String::as_str),
                ),
            };
            sink.push(d);
        }
    }
}

fn count_and_subnets(h: &crate::hir::Hosts, sink: &mut Sink) {
    if let Some(c) = &h.count {
        if c.value == 0 || c.value > MAX_COUNT {
            let (label, help) = if c.value == 0 {
                (
                    "must be at least 1",
                    "a group of no instances would delete them all; remove the `hosts` declaration if that is meant",
                )
            } else {
                ("at most 1000", "split a very large fleet into several `hosts` declarations")
            };
            sink.push(
                Diagnostic::new(
                    E_COUNT,
                    h.file,
                    c.span.clone(),
                    format!("`count = {}` in hosts `{}` is out of range", c.value, h.name.text),
                )
                .with_label(label)
                .with_help(help),
            );
        }
    }
    if let Some(span) = &h.subnets_span {
        if h.subnets.is_empty() {
            sink.push(
                Diagnostic::new(
                    E_NO_SUBNETS,
                    h.file,
                    span.clone(),
                    format!("hosts `{}` has no subnets to place its instances in", h.name.text),
                )
                .with_label("empty list")
                .with_help("list at least one subnet, e.g. `subnets = [main.private-a, main.private-c]`"),
            );
        }
    }
    for (i, r) in h.subnets.iter().enumerate() {
        if let Some(first) = h.subnets.iter().take(i).find(|f| f.text == r.text) {
            sink.push(
                Diagnostic::new(
                    E_SUBNET_TWICE,
                    h.file,
                    r.span.clone(),
                    format!("subnet `{}` is listed twice in hosts `{}`", r.text, h.name.text),
                )
                .with_label("listed again here")
                .with_secondary(h.file, first.span.clone(), "first listed here")
                .with_help("remove the repeated entry; round-robin placement would put twice as many instances there"),
            );
        }
    }
}

fn fixed_addresses(stack: &Stack, sink: &mut Sink) {
    let mut taken: HashMap<IpAddr, (FileId, Span, &str)> = HashMap::new();
    for host in &stack.host {
        let Some(ip) = &host.ip else { continue };
        if let Some((file, span, other)) = taken.get(&ip.value) {
            sink.push(
                Diagnostic::new(
                    E_IP_TWICE,
                    host.file,
                    ip.span.clone(),
                    format!("{} is already the address of host `{other}`", ip.value),
                )
                .with_label("used again here")
                .with_secondary(*file, span.clone(), "first used here")
                .with_help("give each host its own address"),
            );
        } else {
            taken.insert(ip.value, (host.file, ip.span.clone(), host.name.text.as_str()));
        }
        let Some((_, subnet)) = host.subnet.as_ref().and_then(|r| resolve_subnet(stack, r)) else { continue };
        let Some(IpNet::V4(cidr)) = subnet.cidr.as_ref().map(|c| c.value) else { continue };
        let inside = match ip.value {
            IpAddr::V4(v4) if cidr.contains(&v4) => Some(v4),
            _ => None,
        };
        let Some(v4) = inside else {
            let mut d = Diagnostic::new(
                E_IP_OUTSIDE,
                host.file,
                ip.span.clone(),
                format!("{} is not inside subnet `{}` ({cidr})", ip.value, subnet.name.text),
            )
            .with_label(format!("outside {cidr}"))
            .with_help(format!("pick an address from {} to {}", first_usable(&cidr), last_usable(&cidr)));
            if let Some(r) = &host.subnet {
                d = d.with_secondary(host.file, r.span.clone(), "the host's subnet");
            }
            sink.push(d);
            continue;
        };
        if is_reserved(&cidr, v4) {
            sink.push(
                Diagnostic::new(
                    E_IP_RESERVED,
                    host.file,
                    ip.span.clone(),
                    format!("{v4} is reserved by AWS in subnet `{}` ({cidr})", subnet.name.text),
                )
                .with_label("reserved address")
                .with_help(format!(
                    "AWS keeps the first four addresses and the last one of every subnet; pick one from {} to {}",
                    first_usable(&cidr),
                    last_usable(&cidr)
                )),
            );
        }
    }
}

fn first_usable(cidr: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.network()).saturating_add(4))
}

fn last_usable(cidr: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.broadcast()).saturating_sub(1))
}

/// One declaration's share of a subnet: where it is placed and how many instances.
struct Placed {
    file: FileId,
    span: Span,
    what: String,
    instances: u64,
}

fn capacity(stack: &Stack, sink: &mut Sink) {
    // Keyed by network and subnet name; a Vec keeps the report order deterministic.
    let mut per_subnet: Vec<((&str, &str), Vec<Placed>)> = Vec::new();
    fn add<'a>(per: &mut Vec<((&'a str, &'a str), Vec<Placed>)>, key: (&'a str, &'a str), p: Placed) {
        match per.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(p),
            None => per.push((key, vec![p])),
        }
    }
    for h in &stack.hosts {
        // An out-of-range count is reported on its own; placing it would only add noise.
        let Some(count) = h.count.as_ref().map(|c| c.value).filter(|c| *c <= MAX_COUNT) else { continue };
        let mut tally: Vec<(&Ref, u64)> = Vec::new();
        for (_, r) in placement(&h.subnets, count) {
            match tally.iter_mut().find(|(t, _)| t.text == r.text) {
                Some((_, n)) => *n += 1,
                None => tally.push((r, 1)),
            }
        }
        for (r, n) in tally {
            if let Some((net, sub)) = resolve_subnet(stack, r) {
                let p = Placed {
                    file: h.file,
                    span: r.span.clone(),
                    what: format!("hosts `{}`", h.name.text),
                    instances: n,
                };
                add(&mut per_subnet, (net.name.text.as_str(), sub.name.text.as_str()), p);
            }
        }
    }
    for host in &stack.host {
        let Some(r) = &host.subnet else { continue };
        if let Some((net, sub)) = resolve_subnet(stack, r) {
            let p = Placed {
                file: host.file,
                span: r.span.clone(),
                what: format!("host `{}`", host.name.text),
                instances: 1,
            };
            add(&mut per_subnet, (net.name.text.as_str(), sub.name.text.as_str()), p);
        }
    }
    for ((net, sub), placed) in per_subnet {
        let Some((network, subnet)) = stack.subnet(net, sub) else { continue };
        let Some(cidr_spanned) = &subnet.cidr else { continue };
        let IpNet::V4(cidr) = cidr_spanned.value else { continue };
        let usable = usable_addresses(&cidr);
        let total: u64 = placed.iter().map(|p| p.instances).sum();
        if total <= usable {
            continue;
        }
        let mut d = Diagnostic::new(
            E_CAPACITY,
            network.file,
            cidr_spanned.span.clone(),
            format!(
                "subnet `{net}.{sub}` ({cidr}) has {usable} usable addresses but {total} instances are placed in it"
            ),
        )
        .with_label(format!("{usable} usable addresses (AWS keeps 5)"));
        for p in &placed {
            let noun = if p.instances == 1 { "instance" } else { "instances" };
            d = d.with_secondary(p.file, p.span.clone(), format!("{} places {} {noun} here", p.what, p.instances));
        }
        sink.push(
            d.with_help("lower the counts, spread the hosts over more subnets, or give this subnet a larger CIDR"),
        );
    }
}

fn role_of<'s>(stack: &'s Stack, r: &Option<Ref>) -> Option<&'s Role> {
    r.as_ref().and_then(|r| stack.role(&r.text))
}

/// Every placement of a role's instances: the declaration's file and subnet reference.
fn placements(stack: &Stack) -> Vec<(&Role, FileId, &Ref)> {
    let mut out = Vec::new();
    for h in &stack.hosts {
        if let Some(role) = role_of(stack, &h.role) {
            let mut seen: Vec<&str> = Vec::new();
            for r in &h.subnets {
                if !seen.contains(&r.text.as_str()) {
                    seen.push(&r.text);
                    out.push((role, h.file, r));
                }
            }
        }
    }
    for host in &stack.host {
        if let (Some(role), Some(r)) = (role_of(stack, &host.role), &host.subnet) {
            out.push((role, host.file, r));
        }
    }
    out
}

fn public_ip_routes(stack: &Stack, sink: &mut Sink) {
    for (role, file, r) in placements(stack) {
        let Some(p) = role.public_ip.as_ref().filter(|p| p.value) else { continue };
        let Some((_, subnet)) = resolve_subnet(stack, r) else { continue };
        if subnet.is_public() {
            continue;
        }
        sink.push(
            Diagnostic::new(
                E_PUBLIC_IN_PRIVATE,
                file,
                r.span.clone(),
                format!(
                    "role `{}` asks for a public address, but subnet `{}` has no route to the internet",
                    role.name.text, r.text
                ),
            )
            .with_label("not a public subnet")
            .with_secondary(role.file, p.span.clone(), "public address asked for here")
            .with_help(format!(
                "place these instances in a public subnet, set `public = true` on `{}`, or drop `public_ip`",
                r.text
            )),
        );
    }
}

fn firewall_networks(stack: &Stack, sink: &mut Sink) {
    for (role, file, r) in placements(stack) {
        let Some((network, _)) = resolve_subnet(stack, r) else { continue };
        for fw_ref in &role.firewalls {
            let Some(fw) = stack.firewall(&fw_ref.text) else { continue };
            let Some(fw_net) = &fw.network else { continue };
            match stack.firewall_network(&fw_ref.text) {
                Some(n) if !std::ptr::eq(n, network) => {}
                _ => continue,
            }
            sink.push(
                Diagnostic::new(
                    E_FIREWALL_NETWORK,
                    file,
                    r.span.clone(),
                    format!("subnet `{}` is in network `{}`, but role `{}` uses firewall `{}` of network `{}`", r.text, network.name.text, role.name.text, fw.name.text, fw_net.text),
                )
                .with_label(format!("in network `{}`", network.name.text))
                .with_secondary(role.file, fw_ref.span.clone(), format!("firewall of network `{}`", fw_net.text))
                .with_help("a security group only attaches to instances in its own network; declare the firewall in this network or place the hosts in its network"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes, primary_text, run};
    use super::*;

    fn stack(region: &str, rest: &str) -> String {
        format!(
            "stack s {{ region = \"{region}\" }}\nnetwork main {{\n  cidr = 10.0.0.0/16\n  subnet pub-a {{ cidr = 10.0.1.0/24  zone = a  public = true }}\n  subnet pub-c {{ cidr = 10.0.2.0/24  zone = c  public = true }}\n  subnet priv-a {{ cidr = 10.0.11.0/24  zone = ap-northeast-1a }}\n  subnet tiny {{ cidr = 10.0.20.0/28  zone = d }}\n}}\nrole app {{ image = image(\"b\")  type = t3.micro }}\nrole web {{ image = image(\"b\")  type = t3.micro  public_ip = true }}\n{rest}"
        )
    }

    #[test]
    fn valid_placement_is_quiet() {
        let src = stack(
            "ap-northeast-1",
            "hosts app { role = app  count = 4  subnets = [main.pub-a, main.pub-c] }\nhosts web { role = web  count = 2  subnets = [main.pub-a, main.pub-c] }\nhost db { role = app  subnet = main.priv-a  ip = 10.0.11.4 }\nhost db2 { role = app  subnet = main.tiny  ip = 10.0.20.14 }\nhosts fill { role = app  count = 10  subnets = [main.tiny] }\n",
        );
        let d = run(&src, check);
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn unknown_region() {
        let src = stack("ap-northeast1", "");
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0240"]);
        assert_eq!(primary_text(&src, &d[0]), "\"ap-northeast1\"");
        assert_eq!(d[0].fixes.first().map(|f| f.replacement.as_str()), Some("\"ap-northeast-1\""));
    }

    #[test]
    fn zones_of_another_region() {
        // us-east-1 has a, c and d, but not `ap-northeast-1a`.
        let src = stack("us-east-1", "");
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0241"]);
        assert_eq!(primary_text(&src, &d[0]), "ap-northeast-1a");
        assert!(d[0].help.as_deref().is_some_and(|h| h.contains("ap-northeast-1")));
    }

    #[test]
    fn zone_letters_and_typos() {
        let src = "stack s { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet x { cidr = 10.0.1.0/24  zone = b }\n  subnet y { cidr = 10.0.2.0/24  zone = ap-northeast-1x }\n  subnet z { cidr = 10.0.3.0/24  zone = ap-northest-1c }\n}\n";
        let d = run(src, check);
        assert_eq!(codes(&d), vec!["E0241", "E0241", "E0241"]);
        assert!(d[0].help.as_deref().is_some_and(|h| h.contains("`a`, `c`, `d`")), "{:?}", d[0].help);
        // A wrong letter could mean any zone: one fix per zone, none preferred.
        let choices: Vec<&str> = d[0].fixes.iter().map(|f| f.replacement.as_str()).collect();
        assert_eq!(choices, ["a", "c", "d"]);
        assert_eq!(d[2].fixes.len(), 1);
        assert_eq!(d[2].fixes.first().map(|f| f.replacement.as_str()), Some("ap-northeast-1c"));
    }

    #[test]
    fn counts_and_subnet_lists() {
        let src = stack(
            "ap-northeast-1",
            "hosts a { role = app  count = 0  subnets = [main.pub-a] }\nhosts b { role = app  count = 1001  subnets = [main.pub-a] }\nhosts c { role = app  count = 1  subnets = [] }\nhosts d { role = app  count = 2  subnets = [main.pub-a, main.pub-c, main.pub-a] }\n",
        );
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0245", "E0245", "E0246", "E0247"]);
        assert_eq!(primary_text(&src, &d[2]), "[]");
        assert_eq!(d[3].secondary.len(), 1);
    }

    #[test]
    fn round_robin_placement() {
        let refs: Vec<Ref> = ["n.a", "n.b", "n.c"].iter().map(|t| Ref::from_word(t, 0..t.len())).collect();
        let placed: Vec<(u64, &str)> = placement(&refs, 5).map(|(i, r)| (i, r.text.as_str())).collect();
        assert_eq!(placed, vec![(0, "n.a"), (1, "n.b"), (2, "n.c"), (3, "n.a"), (4, "n.b")]);
        assert_eq!(placement(&[], 5).count(), 0);
    }

    #[test]
    fn capacity_counts_round_robin_and_pets() {
        // tiny is a /28: 11 usable. 20 spread over [tiny, pub-a] puts 10 in tiny, plus 2 pets.
        let src = stack(
            "ap-northeast-1",
            "hosts app { role = app  count = 20  subnets = [main.tiny, main.pub-a] }\nhost p1 { role = app  subnet = main.tiny }\nhost p2 { role = app  subnet = main.tiny }\n",
        );
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0248"]);
        assert_eq!(primary_text(&src, &d[0]), "10.0.20.0/28");
        assert!(d[0].message.contains("11 usable") && d[0].message.contains("12 instances"), "{}", d[0].message);
        assert_eq!(d[0].secondary.len(), 3);
        assert!(d[0].secondary[0].message.contains("places 10 instances"));
    }

    #[test]
    fn usable_and_reserved() {
        let net: Ipv4Net = "10.0.20.0/28".parse().expect("cidr");
        assert_eq!(usable_addresses(&net), 11);
        let reserved: Vec<u8> = (0..16).filter(|o| is_reserved(&net, Ipv4Addr::new(10, 0, 20, *o))).collect();
        assert_eq!(reserved, vec![0, 1, 2, 3, 15]);
        let big: Ipv4Net = "10.0.0.0/16".parse().expect("cidr");
        assert_eq!(usable_addresses(&big), 65_531);
    }

    #[test]
    fn fixed_addresses() {
        let src = stack(
            "ap-northeast-1",
            "host a { role = app  subnet = main.priv-a  ip = 10.0.12.9 }\nhost b { role = app  subnet = main.priv-a  ip = 10.0.11.255 }\nhost c { role = app  subnet = main.priv-a  ip = 10.0.11.3 }\nhost d { role = app  subnet = main.priv-a  ip = 10.0.11.20 }\nhost e { role = app  subnet = main.priv-a  ip = 10.0.11.20 }\nhost f { role = app  subnet = main.priv-a  ip = 2001:db8::1 }\n",
        );
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0249", "E0250", "E0250", "E0251", "E0249"]);
        assert_eq!(primary_text(&src, &d[0]), "10.0.12.9");
        assert!(d[0].help.as_deref().is_some_and(|h| h.contains("10.0.11.4 to 10.0.11.254")));
        assert_eq!(d[3].secondary.len(), 1);
    }

    #[test]
    fn public_ip_needs_a_public_subnet() {
        let src = stack(
            "ap-northeast-1",
            "hosts web { role = web  count = 2  subnets = [main.pub-a, main.priv-a] }\nhost w { role = web  subnet = main.tiny }\n",
        );
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0252", "E0252"]);
        assert_eq!(primary_text(&src, &d[0]), "main.priv-a");
        assert_eq!(d[0].secondary.len(), 1);
    }

    #[test]
    fn firewall_of_another_network() {
        let src = "stack s { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet a { cidr = 10.0.1.0/24  zone = a }\n}\nnetwork other {\n  cidr = 10.1.0.0/16\n  subnet a { cidr = 10.1.1.0/24  zone = a }\n}\nfirewall web in main {\n  allow tcp 443 from 10.0.0.0/8\n}\nrole app { image = image(\"b\")  type = t3.micro  firewall = [web] }\nhosts app { role = app  count = 1  subnets = [other.a] }\nhost ok { role = app  subnet = main.a }\n";
        let d = run(src, check);
        assert_eq!(codes(&d), vec!["E0257"]);
        assert_eq!(primary_text(src, &d[0]), "other.a");
    }

    #[test]
    fn unresolved_references_are_left_to_the_names_pass() {
        let src = stack("ap-northeast-1", "hosts app { role = nope  count = 3  subnets = [main.nope, nope] }\nhost x { role = app  subnet = main.gone  ip = 1.2.3.4 }\n");
        assert!(run(&src, check).is_empty());
    }
}
