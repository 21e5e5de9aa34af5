//! Networks and subnets: CIDR family and size (AWS allows /16–/28 IPv4 for a VPC and its
//! subnets), subnets inside their network, siblings not overlapping.

use crate::diag::{Diagnostic, Sink};
use crate::hir::{self, Network};
use ipnet::IpNet;

pub const E_NETWORK_CIDR: &str = "E0211";
pub const E_SUBNET_OUTSIDE: &str = "E0212";
pub const E_SUBNET_OVERLAP: &str = "E0213";
pub const E_SUBNET_SIZE: &str = "E0214";

pub fn check(stack: &hir::Stack, sink: &mut Sink) {
    for n in &stack.networks {
        check_network(n, sink);
    }
}

/// Why a CIDR cannot be a VPC or subnet block, if it cannot.
fn size_problem(net: &IpNet) -> Option<String> {
    match net {
        IpNet::V6(_) => Some("must be IPv4 (AWS assigns IPv6 blocks itself)".into()),
        IpNet::V4(v4) if v4.prefix_len() < 16 => {
            Some(format!("/{} is larger than AWS allows (/16 at most)", v4.prefix_len()))
        }
        IpNet::V4(v4) if v4.prefix_len() > 28 => {
            Some(format!("/{} is smaller than AWS allows (/28 at least)", v4.prefix_len()))
        }
        IpNet::V4(_) => None,
    }
}

fn check_network(n: &Network, sink: &mut Sink) {
    let file = n.file;
    let net_cidr = n.cidr.as_ref().filter(|c| {
        let Some(problem) = size_problem(&c.value) else { return true };
        sink.push(
            Diagnostic::new(
                E_NETWORK_CIDR,
                file,
                c.span.clone(),
                format!("network `{}`: CIDR `{}` {problem}", n.name.text, c.value),
            )
            .with_label("not a valid VPC block")
            .with_help("a network's CIDR is IPv4 between /16 and /28, e.g. `10.0.0.0/16`"),
        );
        false
    });
    let mut placed: Vec<(&hir::Subnet, &hir::Spanned<IpNet>)> = Vec::new();
    for s in &n.subnets {
        let Some(c) = &s.cidr else { continue };
        if let Some(problem) = size_problem(&c.value) {
            sink.push(
                Diagnostic::new(
                    E_SUBNET_SIZE,
                    file,
                    c.span.clone(),
                    format!("subnet `{}`: CIDR `{}` {problem}", s.name.text, c.value),
                )
                .with_label("not a valid subnet block")
                .with_help("a subnet's CIDR is IPv4 between /16 and /28, e.g. `10.0.1.0/24`"),
            );
            continue;
        }
        if let Some(nc) = net_cidr {
            if !nc.value.contains(&c.value) {
                sink.push(
                    Diagnostic::new(
                        E_SUBNET_OUTSIDE,
                        file,
                        c.span.clone(),
                        format!(
                            "subnet `{}` ({}) is not inside network `{}` ({})",
                            s.name.text, c.value, n.name.text, nc.value
                        ),
                    )
                    .with_label("outside its network")
                    .with_secondary(file, nc.span.clone(), format!("outside {} declared here", nc.value))
                    .with_help(format!("pick a block inside {}", nc.value)),
                );
                continue;
            }
        }
        if let Some((other, oc)) =
            placed.iter().find(|(_, oc)| oc.value.contains(&c.value) || c.value.contains(&oc.value))
        {
            sink.push(
                Diagnostic::new(
                    E_SUBNET_OVERLAP,
                    file,
                    c.span.clone(),
                    format!(
                        "subnet `{}` ({}) overlaps subnet `{}` ({})",
                        s.name.text, c.value, other.name.text, oc.value
                    ),
                )
                .with_label("overlapping block")
                .with_secondary(file, oc.span.clone(), format!("overlaps {} declared here", oc.value))
                .with_help("subnets of one network need disjoint blocks"),
            );
            continue;
        }
        placed.push((s, c));
    }
}
