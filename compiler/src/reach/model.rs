//! The network as reachability sees it, built from compiled resources: subnets with their
//! routes out, instances with their subnet, firewalls and public address, firewalls with
//! their rules, balancers with their listeners and the instances behind them.
//!
//! Resources point at each other by reference in a compiled model and by id in a state;
//! both are read through [`Links`], so the same model is built from either.

use crate::model::security_group_rules::{Peer, Rule};
use crate::model::{Resource, Spec, Val};
use ipnet::IpNet;
use std::collections::HashMap;

/// How a resource names another: by `{"ref"}` (compiled) or by its AWS id (a state, whose
/// ids `by_id` maps back to addresses).
#[derive(Debug, Default)]
pub struct Links {
    pub by_id: HashMap<String, String>,
}

impl Links {
    pub fn address<'a>(&'a self, v: &'a Val<String>) -> Option<&'a str> {
        match v {
            Val::Ref(r) => Some(r.address.as_str()),
            Val::Lit(id) => self.by_id.get(id).map(String::as_str),
            Val::Secret(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub address: String,
    pub vpc: String,
    pub cidr: Option<IpNet>,
    /// The internet gateway its table routes `0.0.0.0/0` to.
    pub gateway: Option<String>,
    /// The subnet of the NAT gateway its table routes `0.0.0.0/0` to.
    pub nat: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub address: String,
    pub role: String,
    pub subnet: Option<String>,
    pub groups: Vec<String>,
    pub public_ip: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Firewall {
    pub ingress: Vec<Rule>,
    /// `None`: AWS's default, everything out.
    pub egress: Option<Vec<Rule>>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub port: u16,
    pub protocol: String,
    /// The target group it forwards to (a redirect forwards nothing).
    pub forward: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Balancer {
    pub address: String,
    pub internet_facing: bool,
    pub subnets: Vec<String>,
    pub groups: Vec<String>,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Default)]
pub struct Model {
    pub vpcs: HashMap<String, Option<IpNet>>,
    pub subnets: HashMap<String, Subnet>,
    pub instances: Vec<Instance>,
    pub firewalls: HashMap<String, Firewall>,
    pub balancers: Vec<Balancer>,
    /// Target group → the instances registered in it and the port they take.
    pub targets: HashMap<String, Vec<(String, u16)>>,
}

impl Model {
    pub fn build(resources: &[Resource], links: &Links) -> Model {
        let mut m = Model::default();
        let mut tables: HashMap<&str, (Option<String>, Option<String>)> = HashMap::new();
        let mut nats: HashMap<&str, String> = HashMap::new();
        let mut associations: Vec<(String, String)> = Vec::new();
        let mut listeners: Vec<(String, Listener)> = Vec::new();
        for r in resources {
            let a = r.address.as_str();
            match &r.spec {
                Spec::Vpc(v) => {
                    m.vpcs.insert(a.to_string(), v.cidr.parse().ok());
                }
                Spec::Subnet(s) => {
                    let subnet = Subnet {
                        address: a.to_string(),
                        vpc: links.address(&s.vpc).unwrap_or_default().to_string(),
                        cidr: s.cidr.parse().ok(),
                        gateway: None,
                        nat: None,
                    };
                    m.subnets.insert(a.to_string(), subnet);
                }
                Spec::RouteTable(t) => {
                    let out = t
                        .routes
                        .iter()
                        .filter(|r| r.destination == "0.0.0.0/0")
                        .find_map(|r| links.address(&r.gateway));
                    let entry = match out {
                        Some(g)
                            if resources.iter().any(|x| x.address == g && matches!(x.spec, Spec::NatGateway(_))) =>
                        {
                            (None, Some(g.to_string()))
                        }
                        Some(g) => (Some(g.to_string()), None),
                        None => (None, None),
                    };
                    tables.insert(a, entry);
                }
                Spec::RouteTableAssociation(x) => {
                    if let (Some(s), Some(t)) = (links.address(&x.subnet), links.address(&x.route_table)) {
                        associations.push((s.to_string(), t.to_string()));
                    }
                }
                Spec::NatGateway(n) => {
                    nats.insert(a, links.address(&n.subnet).unwrap_or_default().to_string());
                }
                Spec::SecurityGroup(_) => {
                    m.firewalls.entry(a.to_string()).or_default();
                }
                Spec::SecurityGroupRules(x) => {
                    if let Some(g) = links.address(&x.group) {
                        let fw = m.firewalls.entry(g.to_string()).or_default();
                        fw.ingress = x.ingress.clone();
                        fw.egress = x.egress.clone();
                    }
                }
                Spec::Instance(i) => m.instances.push(Instance {
                    address: a.to_string(),
                    role: i.role.clone(),
                    subnet: links.address(&i.subnet).map(str::to_string),
                    groups: i.security_groups.iter().filter_map(|g| links.address(g)).map(str::to_string).collect(),
                    public_ip: i.associate_public_ip,
                }),
                Spec::LoadBalancer(b) => m.balancers.push(Balancer {
                    address: a.to_string(),
                    internet_facing: b.scheme != "internal",
                    subnets: b.subnets.iter().filter_map(|s| links.address(s)).map(str::to_string).collect(),
                    groups: b.security_groups.iter().filter_map(|g| links.address(g)).map(str::to_string).collect(),
                    listeners: Vec::new(),
                }),
                Spec::Listener(l) => {
                    let forward = match &l.action {
                        crate::model::listener::Action::Forward { target_group } => {
                            links.address(target_group).map(str::to_string)
                        }
                        crate::model::listener::Action::Redirect { .. } => None,
                    };
                    let listener = Listener { port: l.port, protocol: l.protocol.to_ascii_lowercase(), forward };
                    if let Some(b) = links.address(&l.load_balancer) {
                        listeners.push((b.to_string(), listener));
                    }
                }
                Spec::Target(t) => {
                    if let (Some(g), Some(i)) = (links.address(&t.target_group), links.address(&t.instance)) {
                        m.targets.entry(g.to_string()).or_default().push((i.to_string(), t.port));
                    }
                }
                _ => {}
            }
        }
        for (subnet, table) in associations {
            let (Some(s), Some((gateway, nat))) = (m.subnets.get_mut(&subnet), tables.get(table.as_str())) else {
                continue;
            };
            s.gateway = gateway.clone();
            s.nat = nat.as_ref().map(|n| nats.get(n.as_str()).cloned().unwrap_or_default());
        }
        for (b, l) in listeners {
            if let Some(x) = m.balancers.iter_mut().find(|x| x.address == b) {
                x.listeners.push(l);
            }
        }
        m
    }

    pub fn instance(&self, address: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.address == address)
    }

    pub fn balancer(&self, address: &str) -> Option<&Balancer> {
        self.balancers.iter().find(|b| b.address == address)
    }

    /// Whether `rule` lets `protocol`/`port` through (`-1`: every protocol and port).
    pub fn rule_allows(rule: &Rule, protocol: &str, port: u16) -> bool {
        let p = rule.protocol.as_str();
        (p == "-1" || p == protocol)
            && (rule.from_port < 0 || (rule.from_port <= i64::from(port) && i64::from(port) <= rule.to_port))
    }

    /// The rule's peer as written for a reader: `0.0.0.0/0`, `firewall lb`.
    pub fn peer_text(rule: &Rule, links: &Links) -> String {
        match &rule.peer {
            Peer::Cidr(c) | Peer::Ipv6Cidr(c) => c.clone(),
            Peer::Group(g) => {
                links.address(g).map_or("a group".to_string(), |a| a.replacen("firewall.", "firewall ", 1))
            }
        }
    }
}
