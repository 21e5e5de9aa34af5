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
        let mut d = Diagnostic::new(E_UNKNOWN_REGION, info.file, region.span.clone(), format!("unknown region `{}`", region.value))
            .with_label("not an AWS region");
        match catalog::regions::suggest(&region.value).first() {
            Some(best) => {
                let replacement = if region.span.len() == region.value.len() + 2 { format!("\"{best}\"") } else { best.to_string() };
                d = d
                    .with_help(format!("did you mean `{best}`?"))
                    .with_fix(format!("replace with `{best}`"), info.file, region.span.clone(), replacement);
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
            let best = if full { catalog::closest(&zone.value, candidates.iter().map(String::as_str), 2) } else { Vec::new() };
            d = match (&err, best.as_slice()) {
                (ZoneError::OtherRegion { region: other }, _) => {
                    d.with_help(format!("that is a zone of {other}; {} has zones {letters}", r.code))
                }
                // One clearly closest full name: a typo.
                (ZoneError::Unknown, [only]) => d
                    .with_help(format!("did you mean `{only}`?"))
                    .with_fix(format!("replace with `{only}`"), net.file, zone.span.clone(), only.to_string()),
                _ => d.with_help(format!("{} has zones {letters}", r.code)),
            };
            sink.push(d);
        }
    }
}

fn count_and_subnets(h: &crate::hir::Hosts, sink: &mut Sink) {
    if let Some(c) = &h.count {
        if c.value == 0 || c.value > MAX_COUNT {
            let (label, help) = if c.value == 0 {
                ("must be at least 1", "a group of no instances would delete them all; remove the `hosts` declaration if that is meant")
            } else {
                ("at most 1000", "split a very large fleet into several `hosts` declarations")
            };
            sink.push(
                Diagnostic::new(E_COUNT, h.file, c.span.clone(), format!("`count = {}` in hosts `{}` is out of range", c.value, h.name.text))
                    .with_label(label)
                    .with_help(help),
            );
        }
    }
    if let Some(span) = &h.subnets_span {
        if h.subnets.is_empty() {
            sink.push(
                Diagnostic::new(E_NO_SUBNETS, h.file, span.clone(), format!("hosts `{}` has no subnets to place its instances in", h.name.text))
                    .with_label("empty list")
                    .with_help("list at least one subnet, e.g. `subnets = [main.private-a, main.private-c]`"),
            );
        }
    }
    for (i, r) in h.subnets.iter().enumerate() {
        if let Some(first) = h.subnets.iter().take(i).find(|f| f.text == r.text) {
            sink.push(
                Diagnostic::new(E_SUBNET_TWICE, h.file, r.span.clone(), format!("subnet `{}` is listed twice in hosts `{}`", r.text, h.name.text))
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
                Diagnostic::new(E_IP_TWICE, host.file, ip.span.clone(), format!("{} is already the address of host `{other}`", ip.value))
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
            let mut d = Diagnostic::new(E_IP_OUTSIDE, host.file, ip.span.clone(), format!("{} is not inside subnet `{}` ({cidr})", ip.value, subnet.name.text))
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
                Diagnostic::new(E_IP_RESERVED, host.file, ip.span.clone(), format!("{v4} is reserved by AWS in subnet `{}` ({cidr})", subnet.name.text))
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
        let Some(count) = h.count.as_ref().map(|c| c.value.min(MAX_COUNT)) else { continue };
        let mut tally: Vec<(&Ref, u64)> = Vec::new();
        for (_, r) in placement(&h.subnets, count) {
            match tally.iter_mut().find(|(t, _)| t.text == r.text) {
                Some((_, n)) => *n += 1,
                None => tally.push((r, 1)),
            }
        }
        for (r, n) in tally {
            if let Some((net, sub)) = resolve_subnet(stack, r) {
                let p = Placed { file: h.file, span: r.span.clone(), what: format!("hosts `{}`", h.name.text), instances: n };
                add(&mut per_subnet, (net.name.text.as_str(), sub.name.text.as_str()), p);
            }
        }
    }
    for host in &stack.host {
        let Some(r) = &host.subnet else { continue };
        if let Some((net, sub)) = resolve_subnet(stack, r) {
            let p = Placed { file: host.file, span: r.span.clone(), what: format!("host `{}`", host.name.text), instances: 1 };
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
            format!("subnet `{net}.{sub}` ({cidr}) has {usable} usable addresses but {total} instances are placed in it"),
        )
        .with_label(format!("{usable} usable addresses (AWS keeps 5)"));
        for p in &placed {
            let noun = if p.instances == 1 { "instance" } else { "instances" };
            d = d.with_secondary(p.file, p.span.clone(), format!("{} places {} {noun} here", p.what, p.instances));
        }
        sink.push(d.with_help("lower the counts, spread the hosts over more subnets, or give this subnet a larger CIDR"));
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
                format!("role `{}` asks for a public address, but subnet `{}` has no route to the internet", role.name.text, r.text),
            )
            .with_label("not a public subnet")
            .with_secondary(role.file, p.span.clone(), "public address asked for here")
            .with_help(format!("place these instances in a public subnet, set `public = true` on `{}`, or drop `public_ip`", r.text)),
        );
    }
}

fn firewall_networks(stack: &Stack, sink: &mut Sink) {
    for (role, file, r) in placements(stack) {
        let Some((network, _)) = resolve_subnet(stack, r) else { continue };
        for fw_ref in &role.firewalls {
            let Some(fw) = stack.firewall(&fw_ref.text) else { continue };
            let Some(fw_net) = &fw.network else { continue };
            if fw_net.text == network.name.text || stack.network(&fw_net.text).is_none() {
                continue;
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
