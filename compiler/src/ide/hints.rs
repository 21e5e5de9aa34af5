//! Inlay hints, and where hosts land: `hosts` spread round-robin over their subnets in
//! the order given (see `docs/language.md`), a `host` sits in its one subnet.

use crate::hir;
use crate::source::FileId;

/// Instances of one `hosts` or `host` declaration placed in one subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub network: String,
    pub subnet: String,
    /// `app` for `hosts app`, `host db` for a pet.
    pub who: String,
    pub count: u64,
}

pub fn placements(stack: &hir::Stack) -> Vec<Placement> {
    let mut out = Vec::new();
    for h in &stack.hosts {
        let Some(count) = h.count.as_ref().map(|c| c.value) else { continue };
        let subnets: Vec<_> = h.subnets.iter().filter_map(split).collect();
        let n = subnets.len() as u64;
        if n == 0 {
            continue;
        }
        for (i, (net, sub)) in subnets.into_iter().enumerate() {
            let i = i as u64;
            let here = count / n + u64::from(i < count % n);
            if here > 0 {
                out.push(Placement { network: net, subnet: sub, who: h.name.text.clone(), count: here });
            }
        }
    }
    for h in &stack.host {
        if let Some((net, sub)) = h.subnet.as_ref().and_then(split) {
            out.push(Placement { network: net, subnet: sub, who: format!("host {}", h.name.text), count: 1 });
        }
    }
    out
}

fn split(r: &hir::Ref) -> Option<(String, String)> {
    match r.segments.as_slice() {
        [n, s] => Some((n.text.clone(), s.text.clone())),
        _ => None,
    }
}

/// Usable addresses of a subnet: AWS keeps the first four and the last one.
pub fn usable(cidr: &ipnet::IpNet) -> u128 {
    let bits = u32::from(cidr.max_prefix_len() - cidr.prefix_len());
    let total = if bits >= 128 { u128::MAX } else { 1u128 << bits };
    total.saturating_sub(5)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    pub file: FileId,
    /// Shown after this byte offset.
    pub offset: usize,
    pub label: String,
}

/// After each subnet's closing brace: how many instances land in it out of how many
/// addresses it has. After each record's owner: its absolute name.
pub fn inlay_hints(stack: &hir::Stack, file: FileId) -> Vec<InlayHint> {
    let places = placements(stack);
    let mut out = Vec::new();
    for n in stack.networks.iter().filter(|n| n.file == file) {
        for s in &n.subnets {
            let hosts: u64 =
                places.iter().filter(|p| p.network == n.name.text && p.subnet == s.name.text).map(|p| p.count).sum();
            let label = match &s.cidr {
                Some(c) => format!("{hosts} hosts / {} usable", usable(&c.value)),
                None => format!("{hosts} hosts"),
            };
            out.push(InlayHint { file, offset: s.span.end, label });
        }
    }
    for z in stack.zones.iter().filter(|z| z.file == file) {
        // A name written absolute (`www.acme.example.`) needs no hint.
        for r in z.records.iter().filter(|r| r.owner_span.len() < r.owner.to_string().len()) {
            out.push(InlayHint { file, offset: r.owner_span.end, label: format!("= {}", r.owner) });
        }
    }
    out.sort_by_key(|h| h.offset);
    out
}
