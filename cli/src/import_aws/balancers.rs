//! Live load balancers → drove `balancer` declarations with their listeners and targets,
//! and the live ids of the balancer, its target groups, listeners and registrations.
//!
//! A balancer is declared whole or not at all: one whose listeners do what a `listen` line
//! cannot say (rules, fixed responses, authentication, weighted forwards, redirects
//! elsewhere than the same host and path), whose target groups hold what a `target` cannot
//! name (IP addresses, Lambda functions, instances the import does not declare), or whose
//! secure listeners use different certificates is left out with a note saying why, and
//! stays in AWS as it is. Half of it declared would have the first apply take the rest away.

use super::names::{sanitize, Namer};
use super::networks::Declared;
use super::typed;
use drove_compiler::compile::balancers::{DEFAULT_DEREGISTRATION_DELAY, DEFAULT_HEALTH_CODES, DEFAULT_HEALTH_INTERVAL};
use drove_compiler::model::listener::{Action, Listener};
use drove_compiler::model::{load_balancer, target, LoadBalancer, Tags, TargetGroup, Val};
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover_balancers::{BalancerDump, GroupDump, ListenerDump};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One balancer as source, with the live ids of what it compiles to.
pub struct Balancer {
    /// The declaration's name.
    pub name: String,
    /// Its name in AWS.
    pub aws_name: String,
    pub text: String,
    /// Compiled address → live id.
    pub ids: BTreeMap<String, String>,
    /// The tags of the balancer and its target groups.
    pub tags: Vec<Tags>,
    /// What the first apply will change about it.
    pub notes: Vec<String>,
}

/// Where an imported instance is declared: the `hosts` group or `host` a target names, and
/// the instance's address.
struct Member {
    hosts: String,
    address: String,
}

/// Instance id → where it is declared, from the addresses the instances were given.
fn members(ids: &BTreeMap<String, String>) -> BTreeMap<String, Member> {
    let mut out = BTreeMap::new();
    for (address, id) in ids {
        let hosts = if let Some(rest) = address.strip_prefix("hosts.") {
            rest.split_once('[').map(|(name, _)| name)
        } else {
            address.strip_prefix("host.")
        };
        if let Some(hosts) = hosts {
            out.insert(id.clone(), Member { hosts: hosts.to_string(), address: address.clone() });
        }
    }
    out
}

/// A balancer's name in AWS (its ARN if it has none, which cannot happen).
pub fn aws_name(d: &BalancerDump) -> &str {
    d.balancer.attributes.get("name").and_then(|n| n.as_str()).unwrap_or(&d.balancer.id)
}

/// The balancers of `dumps` that drove can declare, and (AWS name, note) for each one left out.
pub fn balancers(
    dumps: &[BalancerDump],
    stack: &str,
    declared: &Declared,
    instance_ids: &BTreeMap<String, String>,
    namer: &mut Namer,
) -> (Vec<Balancer>, Vec<(String, String)>) {
    let members = members(instance_ids);
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for d in dumps {
        let name = aws_name(d);
        match declare(d, stack, declared, &members, namer) {
            Ok(b) => out.push(b),
            Err(why) => left_out.push((name.to_string(), format!("load balancer {name} left out: {}", why.join("; ")))),
        }
    }
    (out, left_out)
}

/// The declaration name a balancer gets: its AWS name without the stack's prefix when
/// drove would have named it so, else its AWS name made a drove name.
fn declaration_name(aws_name: &str, stack: &str) -> String {
    aws_name
        .strip_prefix(&format!("{stack}-"))
        .filter(|rest| load_balancer::name(stack, rest) == aws_name && sanitize(rest, "balancer") == *rest)
        .unwrap_or(aws_name)
        .to_string()
}

fn declare(
    d: &BalancerDump,
    stack: &str,
    declared: &Declared,
    members: &BTreeMap<String, Member>,
    namer: &mut Namer,
) -> Result<Balancer, Vec<String>> {
    if d.lb_type != "application" && d.lb_type != "network" {
        return Err(vec![format!("it is a {} load balancer; drove declares application and network ones", d.lb_type)]);
    }
    let lb: LoadBalancer = typed(&d.balancer.id, &d.balancer.attributes).map_err(|e| vec![e])?;
    let mut why = Vec::new();
    let Some(network) = declared.networks.get(&d.vpc) else {
        return Err(vec![format!("its VPC {} is not imported", d.vpc)]);
    };
    let mut subnets = Vec::new();
    for s in lb.subnets.iter().filter_map(Val::text) {
        match declared.subnets.get(s) {
            Some((net, sub, _)) => subnets.push(format!("{net}.{sub}")),
            None => why.push(format!("its subnet {s} is not imported")),
        }
    }
    subnets.sort();
    let mut firewalls = Vec::new();
    for g in lb.security_groups.iter().filter_map(Val::text) {
        match declared.firewalls.get(g) {
            Some((fw, _)) => firewalls.push(fw.clone()),
            None => why.push(format!("it uses security group {g}, which this import does not declare")),
        }
    }
    firewalls.sort();

    let decl = declaration_name(&lb.name, stack);
    let wanted = sanitize(&decl, "balancer");
    let name = namer.name("balancer", &wanted);
    let mut ids = BTreeMap::new();
    let mut tags = vec![lb.tags.clone()];
    let mut notes = Vec::new();
    ids.insert(load_balancer::address(&name), d.balancer.id.clone());

    // Targets first: the listeners forward to them by name.
    let mut target_names = Namer::default();
    let mut targets: BTreeMap<String, String> = BTreeMap::new();
    let mut target_text = String::new();
    let mut failed = BTreeSet::new();
    for g in &d.groups {
        match target_block(g, d, (stack, &name, &lb.name), members, &mut target_names) {
            Ok(t) => {
                targets.insert(g.group.id.clone(), t.name.clone());
                target_text.push_str(&t.text);
                tags.push(t.tags);
                notes.extend(t.notes);
                for (address, id) in t.ids {
                    ids.insert(address, id);
                }
            }
            Err(e) => {
                failed.insert(g.group.id.clone());
                why.push(e);
            }
        }
    }
    let mut listen_text = String::new();
    let mut certificates = BTreeSet::new();
    for l in &d.listeners {
        match listen_line(l, &d.listeners, &targets, &failed) {
            Ok(None) => {}
            Ok(Some((line, port, certificate))) => {
                listen_text.push_str(&line);
                certificates.extend(certificate);
                ids.insert(drove_compiler::model::listener::address(&name, port), l.listener.id.clone());
            }
            Err(e) => why.push(e),
        }
    }
    if certificates.len() > 1 {
        why.push(format!(
            "its listeners use {} certificates ({}); a drove balancer has one",
            certificates.len(),
            certificates.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !why.is_empty() {
        return Err(why);
    }

    let mut text = format!("balancer {name} in {network} {{\n");
    if lb.name != load_balancer::name(stack, &name) {
        // A balancer's name cannot change: it keeps the one its owners gave it.
        let _ = writeln!(text, "  name = {}", drove_string(&lb.name));
    }
    if d.lb_type == "network" {
        text.push_str("  type = network\n");
    }
    if lb.scheme == "internal" {
        text.push_str("  internal = true\n");
    }
    let _ = writeln!(text, "  subnets = [{}]", subnets.join(", "));
    if !firewalls.is_empty() {
        let _ = writeln!(text, "  firewall = [{}]", firewalls.join(", "));
    }
    if let Some(c) = certificates.first() {
        let _ = writeln!(text, "  certificate = {}", drove_string(c));
    }
    text.push_str(&listen_text);
    text.push_str(&target_text);
    text.push_str("}\n\n");
    Ok(Balancer { name, aws_name: lb.name.clone(), text, ids, tags, notes })
}

/// A listener's `listen` line, its port and its certificate, or why drove cannot say it;
/// `None` for a forward to a target group `failed` holds, which was said already.
fn listen_line(
    l: &ListenerDump,
    all: &[ListenerDump],
    targets: &BTreeMap<String, String>,
    failed: &BTreeSet<String>,
) -> Result<Option<(String, u16, Option<String>)>, String> {
    let spec: Listener = typed(&l.listener.id, &l.listener.attributes)?;
    let port = spec.port;
    let at = format!("its listener on port {port}");
    if l.rules > 0 {
        return Err(format!(
            "{at} has {} rule(s) besides its default action; drove declares a listener's default action only",
            l.rules
        ));
    }
    let protocol = match spec.protocol.as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" => spec.protocol.to_ascii_lowercase(),
        other => return Err(format!("{at} speaks {other}, which drove does not declare")),
    };
    let action = match l.actions.as_slice() {
        [one] => one.as_str(),
        many => return Err(format!("{at} runs {} actions ({}); drove declares one", many.len(), many.join(", "))),
    };
    let does = match (action, &spec.action) {
        ("forward", _) => match l.forward_groups.as_slice() {
            [group] => match targets.get(group) {
                Some(t) => format!("forward {t}"),
                None if failed.contains(group) => return Ok(None),
                None => return Err(format!("{at} forwards to target group {group}, which is not this balancer's")),
            },
            groups => {
                return Err(format!("{at} forwards to {} target groups by weight; drove forwards to one", groups.len()))
            }
        },
        ("redirect", Action::Redirect { protocol: to_protocol, port: to_port }) => {
            let Some(r) = &l.redirect else { return Err(format!("{at} redirects without saying where")) };
            if r.status != "HTTP_301" || r.host != "#{host}" || r.path != "/#{path}" || r.query != "#{query}" {
                return Err(format!(
                    "{at} redirects ({} to host {}, path {}, query {}); drove redirects permanently (301) to the same host, path and query",
                    r.status, r.host, r.path, r.query
                ));
            }
            if *to_port == 0 {
                return Err(format!("{at} redirects to the port it was asked on; drove redirects to a port it names"));
            }
            // drove derives the redirect's protocol from the balancer's listener on that port.
            let to = all.iter().find_map(|x| {
                let s: Listener = typed(&x.listener.id, &x.listener.attributes).ok()?;
                (s.port == *to_port).then_some(s.protocol)
            });
            let https = to.map_or(*to_port == 443, |p| p == "HTTPS");
            if (to_protocol == "HTTPS") != https {
                return Err(format!(
                    "{at} redirects to {to_protocol} on port {to_port}; drove redirects there with {}",
                    if https { "HTTPS" } else { "HTTP" }
                ));
            }
            format!("redirect {to_port}")
        }
        (other, _) => return Err(format!("{at} answers with a {other} action; drove forwards or redirects")),
    };
    let certificate = spec.certificate.as_ref().and_then(Val::text).map(String::from);
    Ok(Some((format!("  listen {port} {protocol} {does}\n"), port, certificate)))
}

/// A `target` block with its ids.
struct TargetSource {
    name: String,
    text: String,
    ids: BTreeMap<String, String>,
    tags: Tags,
    notes: Vec<String>,
}

/// The declaration name a target group gets: its AWS name past the balancer's (drove's
/// `STACK-BALANCER-TARGET`, or the balancer's own AWS name), else its AWS name.
fn target_name(group: &str, stack: &str, balancer: &str, balancer_aws: &str) -> String {
    [format!("{stack}-{balancer}-"), format!("{balancer_aws}-")]
        .iter()
        .find_map(|p| group.strip_prefix(p.as_str()).filter(|r| !r.is_empty()))
        .unwrap_or(group)
        .to_string()
}

fn target_block(
    g: &GroupDump,
    d: &BalancerDump,
    (stack, balancer, balancer_aws): (&str, &str, &str),
    members: &BTreeMap<String, Member>,
    names: &mut Namer,
) -> Result<TargetSource, String> {
    let spec: TargetGroup = typed(&g.group.id, &g.group.attributes)?;
    let at = format!("its target group {}", spec.name);
    if g.target_type != "instance" {
        return Err(format!("{at} holds {} targets; drove registers instances", g.target_type));
    }
    if let Some(other) = g.balancers.iter().find(|b| **b != d.balancer.id) {
        return Err(format!("{at} also serves load balancer {other}; a drove target belongs to one balancer"));
    }
    let protocol = match spec.protocol.as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" => spec.protocol.to_ascii_lowercase(),
        other => return Err(format!("{at} speaks {other}, which drove does not declare")),
    };
    let mut hosts: Vec<&str> = Vec::new();
    let mut registered: Vec<(&Member, &str)> = Vec::new();
    for (id, port) in &g.targets {
        let Some(m) = members.get(id) else {
            return Err(format!("{at} holds instance {id}, which this import does not declare"));
        };
        if *port != spec.port {
            return Err(format!(
                "{at} holds instance {id} on port {port}; drove registers instances on the group's port {}",
                spec.port
            ));
        }
        if !hosts.contains(&m.hosts.as_str()) {
            hosts.push(&m.hosts);
        }
        registered.push((m, id));
    }
    hosts.sort_unstable();

    let name = names.name("target", &sanitize(&target_name(&spec.name, stack, balancer, balancer_aws), "target"));
    let group_address = drove_compiler::model::target_group::address(balancer, &name);
    let mut ids = BTreeMap::new();
    ids.insert(group_address.clone(), g.group.id.clone());
    for (m, id) in &registered {
        ids.insert(target::address(&group_address, &m.address), target::id(&g.group.id, id, spec.port));
    }
    let mut notes = Vec::new();
    // Naming a hosts group registers all of it: the instances left out get registered.
    for h in &hosts {
        let all = members.values().filter(|m| m.hosts == *h).count();
        let here = registered.iter().filter(|(m, _)| m.hosts == *h).count();
        if here < all {
            notes.push(format!(
                "target group {} holds {here} of the {all} instances of `{h}`; the first apply registers the others",
                spec.name
            ));
        }
    }

    let mut text = format!("  target {name} {{\n");
    if spec.name != load_balancer::name(stack, &format!("{balancer}-{name}")) {
        let _ = writeln!(text, "    name = {}", drove_string(&spec.name));
    }
    let _ = writeln!(text, "    hosts = [{}]\n    port = {}", hosts.join(", "), spec.port);
    let default_protocol = if d.lb_type == "network" { "tcp" } else { "http" };
    if protocol != default_protocol {
        let _ = writeln!(text, "    protocol = {protocol}");
    }
    let h = &spec.health;
    if let Some(path) = h.path.as_deref().filter(|p| *p != "/") {
        let _ = writeln!(text, "    health_path = {}", drove_string(path));
    }
    if let Some(codes) = h.codes.as_deref().filter(|c| *c != DEFAULT_HEALTH_CODES) {
        let _ = writeln!(text, "    health_codes = {}", drove_string(codes));
    }
    if h.interval != DEFAULT_HEALTH_INTERVAL {
        let _ = writeln!(text, "    health_interval = {}s", h.interval);
    }
    if spec.deregistration_delay != DEFAULT_DEREGISTRATION_DELAY {
        let _ = writeln!(text, "    deregistration_delay = {}s", spec.deregistration_delay);
    }
    text.push_str("  }\n");
    Ok(TargetSource { name, text, ids, tags: spec.tags, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use drove_compiler::model::target_group::Health;
    use drove_engine::aws::discover_balancers::Redirect;
    use drove_engine::provider::{attributes, Live};

    const LB: &str = "arn:lb/web";
    const TG: &str = "arn:tg/app";

    fn live<T: serde::Serialize>(id: &str, spec: &T) -> Live {
        Live::new(id, attributes(spec), serde_json::Map::new())
    }

    fn listener(port: u16, action: Action, kinds: &[&str]) -> ListenerDump {
        let spec = Listener {
            load_balancer: Val::Lit(LB.into()),
            port,
            protocol: "HTTP".into(),
            certificate: None,
            ssl_policy: None,
            action: action.clone(),
        };
        let forward_groups = match &action {
            Action::Forward { target_group } => target_group.text().map(String::from).into_iter().collect(),
            Action::Redirect { .. } => Vec::new(),
        };
        let redirect = matches!(action, Action::Redirect { .. }).then(|| Redirect {
            status: "HTTP_301".into(),
            host: "#{host}".into(),
            path: "/#{path}".into(),
            query: "#{query}".into(),
        });
        ListenerDump {
            listener: live(&format!("arn:listener/{port}"), &spec),
            actions: kinds.iter().map(|k| k.to_string()).collect(),
            forward_groups,
            redirect,
            rules: 0,
        }
    }

    /// `shop-web` forwarding port 80 to `shop-web-app`, which holds both instances of `app`.
    fn dump() -> BalancerDump {
        let lb = LoadBalancer {
            name: "shop-web".into(),
            lb_type: "application".into(),
            scheme: "internet-facing".into(),
            subnets: vec![Val::Lit("subnet-a".into()), Val::Lit("subnet-c".into())],
            security_groups: vec![Val::Lit("sg-lb".into())],
            tags: Tags::new(),
        };
        let group = TargetGroup {
            name: "shop-web-app".into(),
            protocol: "HTTP".into(),
            port: 8080,
            vpc: Val::Lit("vpc-1".into()),
            health: Health {
                protocol: "HTTP".into(),
                path: Some("/".into()),
                codes: Some(DEFAULT_HEALTH_CODES.into()),
                interval: DEFAULT_HEALTH_INTERVAL,
                healthy_threshold: 3,
                unhealthy_threshold: 3,
            },
            deregistration_delay: DEFAULT_DEREGISTRATION_DELAY,
            tags: Tags::new(),
        };
        BalancerDump {
            balancer: live(LB, &lb),
            vpc: "vpc-1".into(),
            lb_type: "application".into(),
            listeners: vec![listener(80, Action::Forward { target_group: Val::Lit(TG.into()) }, &["forward"])],
            groups: vec![GroupDump {
                group: live(TG, &group),
                target_type: "instance".into(),
                balancers: vec![LB.into()],
                targets: vec![("i-0".into(), 8080), ("i-1".into(), 8080)],
            }],
        }
    }

    fn declared() -> Declared {
        let mut d = Declared::default();
        d.networks.insert("vpc-1".into(), "main".into());
        d.subnets.insert("subnet-a".into(), ("main".into(), "a".into(), true));
        d.subnets.insert("subnet-c".into(), ("main".into(), "c".into(), true));
        d.firewalls.insert("sg-lb".into(), ("lb".into(), "vpc-1".into()));
        d
    }

    fn instance_ids() -> BTreeMap<String, String> {
        [("hosts.app[0]", "i-0"), ("hosts.app[1]", "i-1"), ("host.db", "i-db")]
            .into_iter()
            .map(|(a, i)| (a.to_string(), i.to_string()))
            .collect()
    }

    fn import(d: BalancerDump) -> (Vec<Balancer>, Vec<(String, String)>) {
        balancers(&[d], "shop", &declared(), &instance_ids(), &mut Namer::default())
    }

    #[test]
    fn a_balancer_drove_can_say_is_declared_with_its_ids() {
        let (out, left_out) = import(dump());
        assert!(left_out.is_empty(), "{left_out:?}");
        let b = &out[0];
        assert_eq!(b.name, "web");
        assert_eq!(
            b.text,
            "balancer web in main {\n  subnets = [main.a, main.c]\n  firewall = [lb]\n  listen 80 http forward app\n  \
             target app {\n    hosts = [app]\n    port = 8080\n  }\n}\n\n"
        );
        assert_eq!(b.ids.get("balancer.web").map(String::as_str), Some(LB));
        assert_eq!(b.ids.get("balancer.web.target.app").map(String::as_str), Some(TG));
        assert_eq!(b.ids.get("balancer.web.listener.80").map(String::as_str), Some("arn:listener/80"));
        assert_eq!(b.ids.get("balancer.web.target.app/hosts.app[1]").map(String::as_str), Some("arn:tg/app|i-1|8080"));
    }

    /// A change to the balancer of [`dump`].
    type Change = Box<dyn FnOnce(&mut BalancerDump)>;

    /// The note a balancer is left out with, changed by `f`.
    fn left_out_by(f: impl FnOnce(&mut BalancerDump)) -> String {
        let mut d = dump();
        f(&mut d);
        let (out, notes) = import(d);
        assert!(out.is_empty());
        notes.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn what_drove_cannot_say_leaves_the_balancer_out_with_why() {
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|d| d.listeners[0].rules = 2), "has 2 rule(s) besides its default action"),
            (
                Box::new(|d| d.listeners[0].actions = vec!["fixed-response".into()]),
                "answers with a fixed-response action",
            ),
            (
                Box::new(|d| d.listeners[0].actions = vec!["authenticate-oidc".into(), "forward".into()]),
                "runs 2 actions (authenticate-oidc, forward)",
            ),
            (Box::new(|d| d.listeners[0].forward_groups.push("arn:tg/other".into())), "2 target groups by weight"),
            (Box::new(|d| d.groups[0].target_type = "ip".into()), "holds ip targets"),
            (
                Box::new(|d| d.groups[0].targets.push(("i-stranger".into(), 8080))),
                "instance i-stranger, which this import does not declare",
            ),
            (Box::new(|d| d.groups[0].targets[0].1 = 9000), "on port 9000"),
            (Box::new(|d| d.groups[0].balancers.push("arn:lb/other".into())), "also serves load balancer arn:lb/other"),
            (Box::new(|d| d.lb_type = "gateway".into()), "it is a gateway load balancer"),
            (
                Box::new(|d| {
                    let mut l = listener(81, Action::Redirect { protocol: "HTTP".into(), port: 80 }, &["redirect"]);
                    l.redirect.as_mut().unwrap().path = "/elsewhere".into();
                    d.listeners.push(l);
                }),
                "redirects (HTTP_301 to host #{host}, path /elsewhere",
            ),
        ];
        for (f, want) in cases {
            let note = left_out_by(f);
            assert!(note.starts_with("load balancer shop-web left out: "), "{note}");
            assert!(note.contains(want), "`{want}` not in: {note}");
        }
    }

    #[test]
    fn an_empty_target_group_is_a_target_of_no_hosts() {
        let mut d = dump();
        d.groups[0].targets.clear();
        let (out, left_out) = import(d);
        assert!(left_out.is_empty(), "{left_out:?}");
        assert!(out[0].text.contains("hosts = []"), "{}", out[0].text);
        assert!(!out[0].ids.keys().any(|a| a.contains('/')), "{:?}", out[0].ids);
    }

    #[test]
    fn secure_listeners_with_two_certificates_leave_it_out() {
        let note = left_out_by(|d| {
            for (port, cert) in [(443, "arn:cert/a"), (8443, "arn:cert/b")] {
                let mut l = listener(port, Action::Forward { target_group: Val::Lit(TG.into()) }, &["forward"]);
                let mut spec: Listener = typed(&l.listener.id, &l.listener.attributes).unwrap();
                spec.protocol = "HTTPS".into();
                spec.certificate = Some(Val::Lit(cert.into()));
                l.listener.attributes = attributes(&spec);
                d.listeners.push(l);
            }
        });
        assert!(note.contains("use 2 certificates (arn:cert/a, arn:cert/b)"), "{note}");
    }

    #[test]
    fn names_come_back_from_what_drove_would_derive() {
        assert_eq!(declaration_name("shop-web", "shop"), "web");
        assert_eq!(declaration_name("legacy-alb", "shop"), "legacy-alb");
        assert_eq!(target_name("shop-web-app", "shop", "web", "shop-web"), "app");
        assert_eq!(target_name("legacy-alb-api", "shop", "legacy-alb", "legacy-alb"), "api");
        assert_eq!(target_name("blue", "shop", "web", "shop-web"), "blue");
    }
}
