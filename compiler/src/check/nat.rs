//! NAT gateways: where one may sit, and hosts left without a way out.
//!
//! A NAT gateway forwards private subnets' traffic through the internet gateway, so it
//! must sit in a public subnet. A private subnet of a network without one has no route
//! out: hosts there cannot install packages, reach SSM or ship their logs, and their
//! provisioning fails at boot; a role's drain check, run through SSM, cannot run there.

use crate::diag::{Diagnostic, Sink};
use crate::hir::{Network, Ref, Role, Stack, StepKind};

/// `nat = true` on a subnet that is not public.
pub const E_NAT_PRIVATE: &str = "E0220";
/// Hosts that install packages in a private subnet with no NAT in their network.
pub const W_NO_ROUTE_OUT: &str = "W0011";
/// Hosts drained through SSM Run Command in a private subnet with no NAT in their network.
pub const W_DRAIN_NO_ROUTE_OUT: &str = "W0012";

pub fn check(stack: &Stack, sink: &mut Sink) {
    for n in &stack.networks {
        for s in &n.subnets {
            let Some(nat) = s.nat.as_ref().filter(|n| n.value) else { continue };
            if s.is_public() {
                continue;
            }
            let mut d = Diagnostic::new(
                E_NAT_PRIVATE,
                n.file,
                nat.span.clone(),
                format!("a NAT gateway cannot sit in private subnet `{}.{}`", n.name.text, s.name.text),
            )
            .with_label("this subnet has no route to the internet gateway")
            .with_help("put the NAT in a public subnet of the same zone, or make this one public with `public = true`");
            if let Some(zone) = &s.zone {
                d = d.with_fix("make the subnet public", n.file, zone.span.end..zone.span.end, "  public = true");
            }
            sink.push(d);
        }
    }
    for h in &stack.hosts {
        let role = h.role.as_ref().and_then(|r| stack.role(&r.text));
        for r in &h.subnets {
            lint_way_out(stack, role, r, sink);
        }
    }
    for h in &stack.host {
        let role = h.role.as_ref().and_then(|r| stack.role(&r.text));
        if let Some(r) = &h.subnet {
            lint_way_out(stack, role, r, sink);
        }
    }
}

fn has_way_out(n: &Network) -> bool {
    n.subnets.iter().any(|s| s.is_public() && s.has_nat())
}

fn installs_packages(role: &Role) -> bool {
    role.provision.iter().any(|s| matches!(s.kind, StepKind::Package { .. }))
}

fn lint_way_out(stack: &Stack, role: Option<&Role>, r: &Ref, sink: &mut Sink) {
    let (Some(role), Some((network, subnet))) = (role, crate::check::hosts::resolve_subnet(stack, r)) else { return };
    let drained = role.drain.is_some();
    if subnet.is_public() || has_way_out(network) || !(installs_packages(role) || drained) {
        return;
    }
    let public = network.subnets.iter().find(|s| s.is_public());
    let help = match public {
        Some(p) => format!(
            "add `nat = true` to public subnet `{}.{}` so the network's private subnets route out through a NAT gateway",
            network.name.text, p.name.text
        ),
        None => format!(
            "give network `{}` a public subnet with `nat = true`, or install the packages into the image",
            network.name.text
        ),
    };
    if drained {
        let nat = match public {
            Some(p) => format!("add `nat = true` to public subnet `{}.{}`", network.name.text, p.name.text),
            None => format!("give network `{}` a public subnet with `nat = true`", network.name.text),
        };
        sink.push(
            Diagnostic::new(
                W_DRAIN_NO_ROUTE_OUT,
                role.file,
                r.span.clone(),
                format!(
                    "hosts of role `{}` are drained through SSM, but private subnet `{}` has no route out",
                    role.name.text, r.text
                ),
            )
            .with_label("no NAT gateway in this network: the SSM agent cannot reach SSM, so the drain check cannot run")
            .with_help(format!("{nat}, or create VPC endpoints for ssm, ssmmessages and ec2messages in it")),
        );
    }
    if !installs_packages(role) {
        return;
    }
    sink.push(
        Diagnostic::new(
            W_NO_ROUTE_OUT,
            role.file,
            r.span.clone(),
            format!(
                "hosts of role `{}` install packages, but private subnet `{}` has no route out",
                role.name.text, r.text
            ),
        )
        .with_label("no NAT gateway in this network")
        .with_help(help),
    );
}
