//! `network` → VPC, subnets, and (only when some subnet is public) the derived internet
//! gateway, public route table and its associations; NAT gateways for subnets that say
//! `nat = true`, with the private route tables through them.

use super::{missing, tags, CompileError};
use crate::hir::{self, Network};
use crate::model::{
    route_table::Route, ElasticIp, InternetGateway, NatGateway, Resource, RouteTable, RouteTableAssociation, StackInfo,
    Subnet, Val, Vpc,
};

pub fn resources(stack: &hir::Stack, info: &StackInfo) -> Result<Vec<Resource>, CompileError> {
    let mut out = Vec::new();
    for n in &stack.networks {
        network(n, info, &mut out)?;
    }
    Ok(out)
}

pub fn vpc_address(network: &str) -> String {
    format!("network.{network}")
}

pub fn subnet_address(network: &str, subnet: &str) -> String {
    format!("network.{network}.subnet.{subnet}")
}

/// `a` → `ap-northeast-1a`; a full name stays as written.
fn availability_zone(region: &str, zone: &str) -> String {
    match crate::catalog::region(region).map(|r| r.zone(zone)) {
        Some(Ok(full)) => full,
        _ if zone.len() == 1 => format!("{region}{zone}"),
        _ => zone.to_string(),
    }
}

fn network(n: &Network, info: &StackInfo, out: &mut Vec<Resource>) -> Result<(), CompileError> {
    let name = &n.name.text;
    let vpc = vpc_address(name);
    let cidr = n.cidr.as_ref().ok_or_else(|| missing(format!("network `{name}` has no cidr")))?;
    out.push(Resource::new(
        vpc.clone(),
        Vpc {
            cidr: cidr.value.to_string(),
            enable_dns_support: true,
            enable_dns_hostnames: true,
            tags: tags(info, name),
        },
    ));
    for s in &n.subnets {
        let sub = &s.name.text;
        let cidr = s.cidr.as_ref().ok_or_else(|| missing(format!("subnet `{name}.{sub}` has no cidr")))?;
        let zone = s.zone.as_ref().ok_or_else(|| missing(format!("subnet `{name}.{sub}` has no zone")))?;
        out.push(Resource::new(
            subnet_address(name, sub),
            Subnet {
                vpc: Val::id_of(&vpc),
                cidr: cidr.value.to_string(),
                availability_zone: availability_zone(&info.region, &zone.value),
                map_public_ip_on_launch: s.is_public(),
                tags: tags(info, &format!("{name}-{sub}")),
            },
        ));
    }
    let public: Vec<&hir::Subnet> = n.subnets.iter().filter(|s| s.is_public()).collect();
    if public.is_empty() {
        return Ok(());
    }
    let igw = format!("{vpc}.internet_gateway");
    let table = format!("{vpc}.route_table.public");
    out.push(Resource::new(igw.clone(), InternetGateway { vpc: Val::id_of(&vpc), tags: tags(info, name) }));
    out.push(Resource::new(
        table.clone(),
        RouteTable {
            vpc: Val::id_of(&vpc),
            routes: vec![Route { destination: "0.0.0.0/0".into(), gateway: Val::id_of(&igw) }],
            tags: tags(info, &format!("{name}-public")),
        },
    ));
    for s in &public {
        let sub = subnet_address(name, &s.name.text);
        out.push(Resource::new(
            format!("{sub}.route_table"),
            RouteTableAssociation { subnet: Val::id_of(&sub), route_table: Val::id_of(&table) },
        ));
    }
    nat(n, &public, info, out);
    Ok(())
}

/// The public subnet whose NAT gateway a private subnet routes out through: the NAT of
/// its own zone, or, when its zone has none, the network's first (`None` without any).
pub fn nat_route<'n>(n: &'n Network, subnet: &hir::Subnet, region: &str) -> Option<&'n hir::Subnet> {
    let zone_of = |s: &hir::Subnet| s.zone.as_ref().map(|z| availability_zone(region, &z.value));
    let mut nats = n.subnets.iter().filter(|s| s.is_public() && s.has_nat());
    let first = nats.clone().next()?;
    let zone = zone_of(subnet);
    Some(nats.find(|s| zone.is_some() && zone_of(s) == zone).unwrap_or(first))
}

/// A NAT gateway (with its Elastic IP and a private route table through it) in each
/// public subnet that says `nat = true`. A private subnet routes out through the NAT of
/// its zone (a zone's outage then takes only that zone's way out), or, when its zone has
/// none, through the first one (one shared NAT costs less, and crosses zones).
fn nat(n: &Network, public: &[&hir::Subnet], info: &StackInfo, out: &mut Vec<Resource>) {
    let name = &n.name.text;
    let vpc = vpc_address(name);
    let table_of = |s: &hir::Subnet| format!("{vpc}.route_table.private-{}", s.name.text);
    for s in public.iter().filter(|s| s.has_nat()) {
        let sub = subnet_address(name, &s.name.text);
        let gateway = format!("{sub}.nat");
        let ip = format!("{gateway}.ip");
        let label = format!("{name}-{}-nat", s.name.text);
        out.push(Resource::new(ip.clone(), ElasticIp { tags: tags(info, &label) }));
        out.push(Resource::new(
            gateway.clone(),
            NatGateway { subnet: Val::id_of(&sub), allocation: Val::id_of(&ip), tags: tags(info, &label) },
        ));
        out.push(Resource::new(
            table_of(s),
            RouteTable {
                vpc: Val::id_of(&vpc),
                routes: vec![Route { destination: "0.0.0.0/0".into(), gateway: Val::id_of(&gateway) }],
                tags: tags(info, &format!("{name}-private-{}", s.name.text)),
            },
        ));
    }
    for s in n.subnets.iter().filter(|s| !s.is_public()) {
        let Some(via) = nat_route(n, s, &info.region) else { continue };
        let sub = subnet_address(name, &s.name.text);
        out.push(Resource::new(
            format!("{sub}.route_table"),
            RouteTableAssociation { subnet: Val::id_of(&sub), route_table: Val::id_of(table_of(via)) },
        ));
    }
}
