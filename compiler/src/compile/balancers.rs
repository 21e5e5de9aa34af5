//! Balancers → `elbv2.load_balancer` (at `balancer.NAME`), a `elbv2.target_group` per
//! target (`balancer.NAME.target.T`), a `elbv2.listener` per port
//! (`balancer.NAME.listener.PORT`) and an `elbv2.target` per instance of the target's
//! hosts (`balancer.NAME.target.T/hosts.app[0]`). Defaults are decided here.

use super::network::{subnet_address, vpc_address};
use super::tags;
use crate::hir::{Balancer, BalancerKind, LbProtocol, ListenAction, Stack, TargetDecl};
use crate::model::listener::{self, Action, Listener};
use crate::model::load_balancer::{self, LoadBalancer};
use crate::model::target::{self, Target};
use crate::model::target_group::{self, Health, TargetGroup};
use crate::model::{Resource, StackInfo, Val};

/// Seconds between health checks when a target gives no `health_interval`.
pub const DEFAULT_HEALTH_INTERVAL: u64 = 15;
/// Consecutive checks that make a target healthy, or unhealthy.
pub const HEALTH_THRESHOLD: u64 = 3;
/// Seconds a deregistered target keeps its connections, ELB's own default.
pub const DEFAULT_DEREGISTRATION_DELAY: u64 = 300;
/// What an HTTP check counts as healthy when a target gives no `health_codes`.
pub const DEFAULT_HEALTH_CODES: &str = "200-399";

pub fn resources(stack: &Stack, info: &StackInfo) -> Vec<Resource> {
    let mut out = Vec::new();
    for b in &stack.balancers {
        let Some(net) = b.network.as_ref() else { continue };
        out.push(balancer(stack, b, info, &net.text));
        for t in &b.targets {
            let group = target_group::address(&b.name.text, &t.name.text);
            out.push(group_of(stack, b, t, info, &net.text));
            let port = t.port.as_ref().map_or(80, |p| p.value);
            for instance in instances_of(stack, t) {
                let spec =
                    Target { target_group: Val::reference(&group, "arn"), instance: Val::id_of(&instance), port };
                out.push(Resource::new(target::address(&group, &instance), spec));
            }
        }
        for l in &b.listeners {
            out.push(listener_of(b, l));
        }
    }
    out
}

fn balancer(stack: &Stack, b: &Balancer, info: &StackInfo, net: &str) -> Resource {
    let name = b.aws_name.as_ref().map_or_else(|| load_balancer::name(&info.name, &b.name.text), |n| n.value.clone());
    let spec = LoadBalancer {
        tags: tags(info, &name),
        name,
        lb_type: b.kind().word().to_string(),
        scheme: if b.internal.as_ref().is_some_and(|i| i.value) { "internal" } else { "internet-facing" }.to_string(),
        subnets: b
            .subnets
            .iter()
            .filter_map(|r| r.text.rsplit_once('.'))
            .filter(|(n, _)| *n == net)
            .map(|(n, s)| super::id_across(stack, n, |n| subnet_address(n, s)))
            .collect(),
        security_groups: b
            .firewalls
            .iter()
            .map(|f| super::id_across(stack, &f.text, |name| format!("firewall.{name}")))
            .collect(),
    };
    Resource::new(load_balancer::address(&b.name.text), spec)
}

/// The protocol a target group speaks: as given, else HTTP behind an application load
/// balancer and TCP behind a network one.
fn protocol(b: &Balancer, t: &TargetDecl) -> LbProtocol {
    t.protocol.as_ref().map(|p| p.value).unwrap_or(match b.kind() {
        BalancerKind::Application => LbProtocol::Http,
        BalancerKind::Network => LbProtocol::Tcp,
    })
}

fn group_of(stack: &Stack, b: &Balancer, t: &TargetDecl, info: &StackInfo, net: &str) -> Resource {
    let name = t.aws_name.as_ref().map_or_else(
        || load_balancer::name(&info.name, &format!("{}-{}", b.name.text, t.name.text)),
        |n| n.value.clone(),
    );
    let proto = protocol(b, t);
    let http = proto.is_http();
    let spec = TargetGroup {
        tags: tags(info, &name),
        name,
        protocol: proto.aws(),
        port: t.port.as_ref().map_or(80, |p| p.value),
        vpc: super::id_across(stack, net, vpc_address),
        health: Health {
            protocol: if http { proto.aws() } else { "TCP".into() },
            path: http.then(|| t.health_path.as_ref().map_or("/", |p| p.value.as_str()).to_string()),
            codes: http.then(|| t.health_codes.as_ref().map_or(DEFAULT_HEALTH_CODES, |c| c.value.as_str()).to_string()),
            interval: t.health_interval.as_ref().map_or(DEFAULT_HEALTH_INTERVAL, |i| i.value),
            healthy_threshold: HEALTH_THRESHOLD,
            unhealthy_threshold: HEALTH_THRESHOLD,
        },
        deregistration_delay: t.deregistration_delay.as_ref().map_or(DEFAULT_DEREGISTRATION_DELAY, |d| d.value),
    };
    Resource::new(target_group::address(&b.name.text, &t.name.text), spec)
}

fn listener_of(b: &Balancer, l: &crate::hir::Listen) -> Resource {
    let proto = l.protocol.value;
    let action = match &l.action {
        ListenAction::Forward(t) => {
            Action::Forward { target_group: Val::reference(target_group::address(&b.name.text, &t.text), "arn") }
        }
        ListenAction::Redirect(port) => {
            // To the balancer's own listener on that port when it has one, else by convention.
            let to = b.listeners.iter().find(|x| x.port.value == port.value).map(|x| x.protocol.value);
            let https = to.map_or(port.value == 443, |p| p == LbProtocol::Https);
            Action::Redirect { protocol: if https { "HTTPS" } else { "HTTP" }.into(), port: port.value }
        }
    };
    let secure = proto.needs_certificate();
    let spec = Listener {
        load_balancer: Val::reference(load_balancer::address(&b.name.text), "arn"),
        port: l.port.value,
        protocol: proto.aws(),
        certificate: secure.then(|| b.certificate.as_ref().map(super::certificates::listener_value)).flatten(),
        ssl_policy: secure.then(|| listener::SSL_POLICY.to_string()),
        action,
    };
    Resource::new(listener::address(&b.name.text, l.port.value), spec)
}

/// The instance addresses of a target's hosts groups and pets, in order.
fn instances_of(stack: &Stack, t: &TargetDecl) -> Vec<String> {
    let mut out = Vec::new();
    for r in &t.hosts {
        if stack.hosts.iter().any(|g| g.name.text == r.text) {
            out.extend(super::instances::group_addresses(stack, &r.text));
        } else if stack.host.iter().any(|h| h.name.text == r.text) {
            out.push(super::instances::host_address(&r.text));
        }
    }
    out
}
