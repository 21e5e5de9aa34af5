//! EC2 networking in the model's shape: VPCs, subnets, internet gateways, route tables
//! and their subnet associations, security groups and the rules of each group (one
//! resource holding all of them, so a rule change is one update).
//!
//! Every create tags `drove:stack`/`drove:address` in the create call itself. Rules and
//! associations carry no tags: a create of either first looks at what AWS already has
//! and only adds what is missing, so a run whose state was lost neither fails on
//! duplicates nor creates anything twice.
//!
//! Egress: AWS gives every new group an allow-all IPv4 egress rule. The planner turns a
//! firewall without `to` rules (`egress: null`) into exactly that rule (the schema's
//! `null_means`), so here egress is a list and is made to match exactly: the default rule
//! is revoked on create when the list does not hold it. Egress still `None` leaves the
//! group's egress as it is.
//!
//! Each kind is its model struct (`drove_compiler::model`) on both sides: a change's
//! attributes are read typed, and each live view is built from the struct.
//!
//! Reads go together, since each is a request AWS makes drove wait for: a refresh reads
//! each kind with one Describe call (`read_known`), re-adoption finds the stack's
//! resources of each kind with one (`find_all`), and a create's live view is what it sent
//! and what the create call answered, not read back.

use super::{after, before, ec2_tags, sdk_error, view};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, IpPermission, IpRange, Ipv6Range, ResourceType, UserIdGroupPair, VpcAttributeName,
};
use aws_sdk_ec2::Client;
use drove_compiler::model::route_table::Route;
use drove_compiler::model::security_group_rules::{Peer, Rule};
use drove_compiler::model::{
    internet_gateway, route_table, route_table_association, security_group, security_group_rules, subnet, vpc,
    InternetGateway, RouteTable, RouteTableAssociation, SecurityGroup, SecurityGroupRules, Subnet, Tags, Val, Vpc,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The client and the stack whose tags creates write and adoption looks for.
pub struct Ctx<'a> {
    pub client: &'a Client,
    pub stack: &'a str,
}

fn live(id: &str, attributes: Value) -> Live {
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.to_string()));
    Live::new(id, attributes, outputs)
}

/// An id AWS answered, as a model value, and the attribute's name when it did not answer
/// one (the live view then says `null`).
fn answered(name: &'static str, value: Option<&str>, missing: &mut Vec<&'static str>) -> String {
    if value.is_none() {
        missing.push(name);
    }
    value.unwrap_or_default().to_string()
}

/// A resolved reference: the id it now holds (apply time resolves every one).
fn id_of(v: &Val<String>) -> &str {
    v.text().unwrap_or("")
}

fn code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    e.as_service_error().and_then(|x| x.code())
}

/// `InvalidVpcID.NotFound`, `InvalidGroup.NotFound`, `InvalidAssociationID.NotFound`, …
fn not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    code(e).is_some_and(|c| c.ends_with(".NotFound"))
}

/// An SDK error, with AWS's refusals that name another resource said plainly.
fn fail<E, R>(call: &str, address: &str, id: &str, e: SdkError<E, R>) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let aws_code = code(&e).map(str::to_string);
    match aws_code.as_deref() {
        Some("DependencyViolation") => {
            let msg = e.as_service_error().and_then(|x| x.message()).unwrap_or("").to_string();
            EngineError::new(codes::AWS_CALL, format!("{address} ({id}) is still in use, so {call} was refused: {msg}"))
                .with_help("something outside this stack (or not yet deleted) uses it: an instance, a network interface, another group's rule; remove that first")
        }
        Some("InvalidPermission.Duplicate") => {
            EngineError::new(codes::AWS_CALL, format!("{address}: a rule already exists in {id} ({call})"))
        }
        Some(c) if c.ends_with(".NotFound") => {
            let msg = e.as_service_error().and_then(|x| x.message()).unwrap_or("").to_string();
            EngineError::new(
                codes::AWS_CALL,
                format!("{address}: {call} refers to something that does not exist: {c}: {msg}"),
            )
            .with_help("a resource it needs was deleted outside drove; run `drove plan` again")
        }
        _ => {
            let mut err = sdk_error(call, e);
            err.message = format!("{address}: {}", err.message);
            err
        }
    }
}

fn gone(kind: &str, id: &str) -> EngineError {
    EngineError::new(codes::AWS_CALL, format!("{kind} {id} vanished right after it was changed"))
}

// ---------------------------------------------------------------------------------- VPC

pub async fn read_vpc(client: &Client, id: &str) -> Result<Option<Live>> {
    let r = match client.describe_vpcs().vpc_ids(id).send().await {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("ec2 DescribeVpcs", e)),
    };
    match r.vpcs().first() {
        Some(v) => vpc_live(client, v).await.map(Some),
        None => Ok(None),
    }
}

/// A described VPC with its DNS settings, which DescribeVpcs does not answer: two more
/// calls, one per attribute (EC2 reads them one VPC and one attribute at a time).
async fn vpc_live(client: &Client, v: &aws_sdk_ec2::types::Vpc) -> Result<Live> {
    let id = v.vpc_id().unwrap_or_default();
    let support = vpc_attribute(client, id, VpcAttributeName::EnableDnsSupport).await?;
    let hostnames = vpc_attribute(client, id, VpcAttributeName::EnableDnsHostnames).await?;
    let mut missing = Vec::new();
    let vpc = Vpc {
        cidr: answered("cidr", v.cidr_block(), &mut missing),
        enable_dns_support: support,
        enable_dns_hostnames: hostnames,
        tags: ec2_tags::user_tags(v.tags()),
    };
    Ok(live(id, view(&vpc, missing)).owned_by(ec2_tags::owner(v.tags())))
}

async fn vpc_attribute(client: &Client, id: &str, name: VpcAttributeName) -> Result<bool> {
    let r = client
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeVpcAttribute", e))?;
    let v = match name {
        VpcAttributeName::EnableDnsHostnames => r.enable_dns_hostnames(),
        _ => r.enable_dns_support(),
    };
    Ok(v.and_then(|x| x.value()).unwrap_or(false))
}

/// Sets DNS support and host names where `want` differs from `have`
/// (`(enable_dns_support, enable_dns_hostnames)`).
async fn set_vpc_dns(client: &Client, address: &str, id: &str, want: &Vpc, have: (bool, bool)) -> Result<()> {
    // One attribute per call, as the API wants; support before host names, which need it.
    let steps = [(true, want.enable_dns_support, have.0), (false, want.enable_dns_hostnames, have.1)];
    for (support, want, have) in steps {
        if have == want {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        let req = client.modify_vpc_attribute().vpc_id(id);
        let req = if support { req.enable_dns_support(value) } else { req.enable_dns_hostnames(value) };
        req.send().await.map_err(|e| fail("ec2 ModifyVpcAttribute", address, id, e))?;
    }
    Ok(())
}

pub async fn create_vpc(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: Vpc = after(c)?;
    let out = x
        .client
        .create_vpc()
        .cidr_block(&want.cidr)
        .tag_specifications(ec2_tags::specification(
            ResourceType::Vpc,
            &ec2_tags::Owner::of(x.stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateVpc", &c.address, "new", e))?;
    let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or("").to_string();
    // AWS's defaults for a new VPC: DNS support on, host names off.
    set_vpc_dns(x.client, &c.address, &id, &want, (true, false)).await?;
    // What was just sent is what the VPC holds now: reading it back would cost three calls.
    let cidr = out.vpc().and_then(|v| v.cidr_block()).map_or(want.cidr.clone(), str::to_string);
    Ok(live(&id, view(&Vpc { cidr, ..want }, [])))
}

pub async fn update_vpc(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let (want, have): (Vpc, Vpc) = (after(c)?, before(c)?);
    set_vpc_dns(x.client, &c.address, id, &want, (have.enable_dns_support, have.enable_dns_hostnames)).await?;
    ec2_tags::update(x.client, id, &ec2_tags::Owner::of(x.stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_vpc(x.client, id).await?.ok_or_else(|| gone("VPC", id))
}

pub async fn delete_vpc(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_vpc().vpc_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteVpc", address, id, e)),
    }
}

// ------------------------------------------------------------------------------- subnet

pub async fn read_subnet(client: &Client, id: &str) -> Result<Option<Live>> {
    let r = match client.describe_subnets().subnet_ids(id).send().await {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("ec2 DescribeSubnets", e)),
    };
    Ok(r.subnets().first().map(subnet_live))
}

fn subnet_live(sn: &aws_sdk_ec2::types::Subnet) -> Live {
    let mut missing = Vec::new();
    let subnet = Subnet {
        vpc: Val::Lit(answered("vpc", sn.vpc_id(), &mut missing)),
        cidr: answered("cidr", sn.cidr_block(), &mut missing),
        availability_zone: answered("availability_zone", sn.availability_zone(), &mut missing),
        map_public_ip_on_launch: sn.map_public_ip_on_launch().unwrap_or(false),
        tags: ec2_tags::user_tags(sn.tags()),
    };
    live(sn.subnet_id().unwrap_or_default(), view(&subnet, missing)).owned_by(ec2_tags::owner(sn.tags()))
}

async fn set_public_ip(client: &Client, address: &str, id: &str, want: bool) -> Result<()> {
    client
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
        .send()
        .await
        .map_err(|e| fail("ec2 ModifySubnetAttribute", address, id, e))?;
    Ok(())
}

pub async fn create_subnet(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: Subnet = after(c)?;
    let out = x
        .client
        .create_subnet()
        .vpc_id(id_of(&want.vpc))
        .cidr_block(&want.cidr)
        .tag_specifications(ec2_tags::specification(
            ResourceType::Subnet,
            &ec2_tags::Owner::of(x.stack, c),
            Some(&want.tags),
        ))
        .availability_zone(&want.availability_zone)
        .send()
        .await
        .map_err(|e| fail("ec2 CreateSubnet", &c.address, "new", e))?;
    let id = out.subnet().and_then(|v| v.subnet_id()).unwrap_or("").to_string();
    if want.map_public_ip_on_launch {
        set_public_ip(x.client, &c.address, &id, true).await?;
    }
    // CreateSubnet answers the subnet (its zone as AWS names it); the public-IP setting
    // and the tags are what was just sent.
    let made = out.subnet();
    let subnet = Subnet {
        vpc: Val::Lit(made.and_then(|s| s.vpc_id()).unwrap_or(id_of(&want.vpc)).to_string()),
        cidr: made.and_then(|s| s.cidr_block()).map_or(want.cidr.clone(), str::to_string),
        availability_zone: made
            .and_then(|s| s.availability_zone())
            .map_or(want.availability_zone.clone(), str::to_string),
        ..want
    };
    Ok(live(&id, view(&subnet, [])))
}

pub async fn update_subnet(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let (want, have): (Subnet, Subnet) = (after(c)?, before(c)?);
    if want.map_public_ip_on_launch != have.map_public_ip_on_launch {
        set_public_ip(x.client, &c.address, id, want.map_public_ip_on_launch).await?;
    }
    ec2_tags::update(x.client, id, &ec2_tags::Owner::of(x.stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_subnet(x.client, id).await?.ok_or_else(|| gone("subnet", id))
}

pub async fn delete_subnet(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_subnet().subnet_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteSubnet", address, id, e)),
    }
}

// --------------------------------------------------------------------- internet gateway

/// The gateway's VPC (none when detached) and user tags.
async fn describe_gateway(client: &Client, id: &str) -> Result<Option<aws_sdk_ec2::types::InternetGateway>> {
    let r = match client.describe_internet_gateways().internet_gateway_ids(id).send().await {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("ec2 DescribeInternetGateways", e)),
    };
    Ok(r.internet_gateways().first().cloned())
}

fn attached_vpc(g: &aws_sdk_ec2::types::InternetGateway) -> Option<String> {
    g.attachments().iter().find_map(|a| a.vpc_id()).map(str::to_string)
}

/// A detached gateway's `vpc` is `null`.
pub async fn read_gateway(client: &Client, id: &str) -> Result<Option<Live>> {
    Ok(describe_gateway(client, id).await?.as_ref().map(gateway_live))
}

fn gateway_view(id: &str, vpc: Option<String>, tags: Tags) -> Live {
    let missing = vpc.is_none().then_some("vpc");
    live(id, view(&InternetGateway { vpc: Val::Lit(vpc.unwrap_or_default()), tags }, missing))
}

fn gateway_live(g: &aws_sdk_ec2::types::InternetGateway) -> Live {
    gateway_view(g.internet_gateway_id().unwrap_or_default(), attached_vpc(g), ec2_tags::user_tags(g.tags()))
        .owned_by(ec2_tags::owner(g.tags()))
}

pub async fn create_gateway(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: InternetGateway = after(c)?;
    let out = x
        .client
        .create_internet_gateway()
        .tag_specifications(ec2_tags::specification(
            ResourceType::InternetGateway,
            &ec2_tags::Owner::of(x.stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateInternetGateway", &c.address, "new", e))?;
    let id = out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or("").to_string();
    attach_gateway(x.client, &c.address, &id, &want).await?;
    // Attached to the wanted VPC (or detached when none is wanted), with the tags sent.
    Ok(gateway_view(&id, want.vpc.text().map(str::to_string), want.tags))
}

async fn attach_gateway(client: &Client, address: &str, id: &str, want: &InternetGateway) -> Result<()> {
    let Some(vpc) = want.vpc.text() else { return Ok(()) };
    client
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(|e| fail("ec2 AttachInternetGateway", address, id, e))?;
    Ok(())
}

pub async fn update_gateway(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let want: InternetGateway = after(c)?;
    // A detached gateway's view (`vpc: null`) is no gateway of the model: nothing known.
    let have: Option<InternetGateway> = before(c).ok();
    // Detached behind drove's back: attach it again.
    if have.as_ref().and_then(|g| g.vpc.text()).is_none() {
        attach_gateway(x.client, &c.address, id, &want).await?;
    }
    ec2_tags::update(x.client, id, &ec2_tags::Owner::of(x.stack, c), have.as_ref().map(|g| &g.tags), Some(&want.tags))
        .await?;
    read_gateway(x.client, id).await?.ok_or_else(|| gone("internet gateway", id))
}

/// Detaches the gateway from every VPC first: AWS refuses to delete an attached one.
pub async fn delete_gateway(client: &Client, address: &str, id: &str) -> Result<()> {
    let Some(vpc) = describe_gateway(client, id).await?.map(|g| attached_vpc(&g)) else { return Ok(()) };
    if let Some(vpc) = vpc {
        match client.detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc).send().await {
            Ok(_) => {}
            Err(e) if code(&e) == Some("Gateway.NotAttached") || not_found(&e) => {}
            Err(e) => return Err(fail("ec2 DetachInternetGateway", address, id, e)),
        }
    }
    match client.delete_internet_gateway().internet_gateway_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteInternetGateway", address, id, e)),
    }
}

// --------------------------------------------------------------------------- route table

/// The routes drove manages: those with an IPv4 destination through an internet or NAT
/// gateway, without the VPC's own `local` route.
fn routes_of(t: &aws_sdk_ec2::types::RouteTable) -> Vec<Route> {
    t.routes()
        .iter()
        .filter_map(|r| {
            let gw = r.gateway_id().filter(|g| *g != "local").or(r.nat_gateway_id())?;
            Some(Route { destination: r.destination_cidr_block()?.to_string(), gateway: Val::Lit(gw.to_string()) })
        })
        .collect()
}

async fn describe_tables(
    client: &Client,
    ids: Option<&str>,
    filters: Vec<Filter>,
) -> Result<Vec<aws_sdk_ec2::types::RouteTable>> {
    let mut req = client.describe_route_tables();
    if let Some(id) = ids {
        req = req.route_table_ids(id);
    }
    if !filters.is_empty() {
        req = req.set_filters(Some(filters));
    }
    match req.send().await {
        Ok(r) => Ok(r.route_tables().to_vec()),
        Err(e) if not_found(&e) => Ok(vec![]),
        Err(e) => Err(sdk_error("ec2 DescribeRouteTables", e)),
    }
}

pub async fn read_table(client: &Client, id: &str) -> Result<Option<Live>> {
    let tables = describe_tables(client, Some(id), vec![]).await?;
    Ok(tables.first().map(table_live))
}

fn table_live(t: &aws_sdk_ec2::types::RouteTable) -> Live {
    let mut missing = Vec::new();
    let table = RouteTable {
        vpc: Val::Lit(answered("vpc", t.vpc_id(), &mut missing)),
        routes: routes_of(t),
        tags: ec2_tags::user_tags(t.tags()),
    };
    live(t.route_table_id().unwrap_or_default(), view(&table, missing)).owned_by(ec2_tags::owner(t.tags()))
}

/// `(destination, gateway)` of each route.
fn route_map(routes: &[Route]) -> Vec<(String, String)> {
    routes.iter().filter_map(|r| Some((r.destination.clone(), r.gateway.text()?.to_string()))).collect()
}

/// Routes that are not wanted go, wanted ones come or are pointed at their gateway.
async fn set_routes(client: &Client, address: &str, id: &str, have: &[Route], want: &[Route]) -> Result<()> {
    let have = route_map(have);
    let want = route_map(want);
    for (dest, _) in have.iter().filter(|(d, _)| !want.iter().any(|(w, _)| w == d)) {
        match client.delete_route().route_table_id(id).destination_cidr_block(dest).send().await {
            Ok(_) => {}
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(fail("ec2 DeleteRoute", address, id, e)),
        }
    }
    for (dest, gw) in &want {
        match have.iter().find(|(d, _)| d == dest) {
            Some((_, g)) if g == gw => {}
            Some(_) => {
                replace_route(client, id, dest, gw).await.map_err(|e| fail("ec2 ReplaceRoute", address, id, e))?;
            }
            None => {
                let req = client.create_route().route_table_id(id).destination_cidr_block(dest);
                // A NAT gateway is a route target of its own in EC2's API.
                let made = if is_nat(gw) { req.nat_gateway_id(gw) } else { req.gateway_id(gw) }.send().await;
                match made {
                    Ok(_) => {}
                    // `have` may be older than the table: a create sent again with its
                    // ClientToken (a saved plan applied again) answers the table as it
                    // was first made, without the routes added after.
                    Err(e) if code(&e) == Some("RouteAlreadyExists") => {
                        replace_route(client, id, dest, gw)
                            .await
                            .map_err(|e| fail("ec2 ReplaceRoute", address, id, e))?;
                    }
                    Err(e) => return Err(fail("ec2 CreateRoute", address, id, e)),
                }
            }
        }
    }
    Ok(())
}

fn is_nat(gateway: &str) -> bool {
    gateway.starts_with("nat-")
}

async fn replace_route(
    client: &Client,
    table: &str,
    destination: &str,
    gateway: &str,
) -> std::result::Result<
    (),
    SdkError<
        aws_sdk_ec2::operation::replace_route::ReplaceRouteError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
> {
    let req = client.replace_route().route_table_id(table).destination_cidr_block(destination);
    let req = if is_nat(gateway) { req.nat_gateway_id(gateway) } else { req.gateway_id(gateway) };
    req.send().await.map(|_| ())
}

pub async fn create_table(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: RouteTable = after(c)?;
    let out = x
        .client
        .create_route_table()
        .vpc_id(id_of(&want.vpc))
        .client_token(&c.token)
        .tag_specifications(ec2_tags::specification(
            ResourceType::RouteTable,
            &ec2_tags::Owner::of(x.stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateRouteTable", &c.address, "new", e))?;
    let made = out.route_table().ok_or_else(|| gone("route table", "new"))?;
    let id = made.route_table_id().unwrap_or("").to_string();
    // A retried create (same token) answers the table made the first time.
    set_routes(x.client, &c.address, &id, &routes_of(made), &want.routes).await?;
    let vpc = Val::Lit(made.vpc_id().unwrap_or(id_of(&want.vpc)).to_string());
    Ok(live(&id, view(&RouteTable { vpc, ..want }, [])))
}

pub async fn update_table(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let (want, have): (RouteTable, RouteTable) = (after(c)?, before(c)?);
    set_routes(x.client, &c.address, id, &have.routes, &want.routes).await?;
    ec2_tags::update(x.client, id, &ec2_tags::Owner::of(x.stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_table(x.client, id).await?.ok_or_else(|| gone("route table", id))
}

pub async fn delete_table(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_route_table().route_table_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteRouteTable", address, id, e)),
    }
}

// ---------------------------------------------------------- route table association

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub async fn read_association(client: &Client, id: &str) -> Result<Option<Live>> {
    let tables = describe_tables(client, None, vec![filter("association.route-table-association-id", id)]).await?;
    Ok(association_in(&tables, id))
}

/// The association `id` among described tables.
fn association_in(tables: &[aws_sdk_ec2::types::RouteTable], id: &str) -> Option<Live> {
    tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| a.route_table_association_id() == Some(id))?;
        let mut missing = Vec::new();
        let association = RouteTableAssociation {
            subnet: Val::Lit(answered("subnet", a.subnet_id(), &mut missing)),
            route_table: Val::Lit(answered("route_table", t.route_table_id(), &mut missing)),
        };
        Some(live(id, view(&association, missing)))
    })
}

/// The explicit association of a subnet, if it has one: `(association id, table id)`.
async fn subnet_association(client: &Client, subnet: &str) -> Result<Option<(String, String)>> {
    let tables = describe_tables(client, None, vec![filter("association.subnet-id", subnet)]).await?;
    Ok(tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| a.subnet_id() == Some(subnet) && a.main() != Some(true))?;
        Some((a.route_table_association_id()?.to_string(), t.route_table_id()?.to_string()))
    }))
}

/// A subnet has at most one explicit association: one that exists already (a run whose
/// state was lost) is kept when it points at the wanted table and moved when it does not.
pub async fn create_association(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: RouteTableAssociation = after(c)?;
    let (subnet, table) = (id_of(&want.subnet), id_of(&want.route_table));
    let id = match subnet_association(x.client, subnet).await? {
        Some((assoc, t)) if t == table => assoc,
        Some((assoc, _)) => replace_association(x.client, &c.address, &assoc, table).await?,
        None => x
            .client
            .associate_route_table()
            .subnet_id(subnet)
            .route_table_id(table)
            .send()
            .await
            .map_err(|e| fail("ec2 AssociateRouteTable", &c.address, subnet, e))?
            .association_id()
            .unwrap_or("")
            .to_string(),
    };
    // Whichever way it came about, the subnet is now associated with the wanted table.
    let association = RouteTableAssociation { subnet: Val::Lit(subnet.into()), route_table: Val::Lit(table.into()) };
    Ok(live(&id, view(&association, [])))
}

async fn replace_association(client: &Client, address: &str, id: &str, table: &str) -> Result<String> {
    let r = client
        .replace_route_table_association()
        .association_id(id)
        .route_table_id(table)
        .send()
        .await
        .map_err(|e| fail("ec2 ReplaceRouteTableAssociation", address, id, e))?;
    Ok(r.new_association_id().unwrap_or("").to_string())
}

/// A new table for the same subnet: AWS gives the association a new id.
pub async fn update_association(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let want: RouteTableAssociation = after(c)?;
    let new = replace_association(x.client, &c.address, id, id_of(&want.route_table)).await?;
    read_association(x.client, &new).await?.ok_or_else(|| gone("route table association", &new))
}

pub async fn delete_association(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.disassociate_route_table().association_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DisassociateRouteTable", address, id, e)),
    }
}

// ------------------------------------------------------------------------ security group

async fn describe_group(client: &Client, id: &str) -> Result<Option<aws_sdk_ec2::types::SecurityGroup>> {
    match client.describe_security_groups().group_ids(id).send().await {
        Ok(r) => Ok(r.security_groups().first().cloned()),
        Err(e) if not_found(&e) || code(&e) == Some("InvalidGroupId.Malformed") => Ok(None),
        Err(e) => Err(sdk_error("ec2 DescribeSecurityGroups", e)),
    }
}

pub async fn read_group(client: &Client, id: &str) -> Result<Option<Live>> {
    Ok(describe_group(client, id).await?.as_ref().map(group_live))
}

fn group_live(g: &aws_sdk_ec2::types::SecurityGroup) -> Live {
    let mut missing = Vec::new();
    let group = SecurityGroup {
        vpc: Val::Lit(answered("vpc", g.vpc_id(), &mut missing)),
        name: answered("name", g.group_name(), &mut missing),
        description: answered("description", g.description(), &mut missing),
        tags: ec2_tags::user_tags(g.tags()),
    };
    live(g.group_id().unwrap_or_default(), view(&group, missing)).owned_by(ec2_tags::owner(g.tags()))
}

pub async fn create_group(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: SecurityGroup = after(c)?;
    let out = x
        .client
        .create_security_group()
        .vpc_id(id_of(&want.vpc))
        .group_name(&want.name)
        .description(&want.description)
        .tag_specifications(ec2_tags::specification(
            ResourceType::SecurityGroup,
            &ec2_tags::Owner::of(x.stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateSecurityGroup", &c.address, &want.name, e))?;
    let id = out.group_id().unwrap_or("").to_string();
    // A group's VPC, name and description are what the create sent, and cannot change.
    let vpc = Val::Lit(id_of(&want.vpc).to_string());
    Ok(live(&id, view(&SecurityGroup { vpc, ..want }, [])))
}

pub async fn update_group(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    let (want, have): (SecurityGroup, SecurityGroup) = (after(c)?, before(c)?);
    ec2_tags::update(x.client, id, &ec2_tags::Owner::of(x.stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_group(x.client, id).await?.ok_or_else(|| gone("security group", id))
}

pub async fn delete_group(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_security_group().group_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteSecurityGroup", address, id, e)),
    }
}

// -------------------------------------------------------------------- security group rules

/// EC2 answers protocols by name or by number; the model writes names (`-1` for all).
fn protocol_name(p: &str) -> &str {
    match p {
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "58" => "icmpv6",
        "all" => "-1",
        other => other,
    }
}

/// One model rule per port range and peer, as the compiler writes them.
fn entries(perms: &[IpPermission]) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in perms {
        let proto = protocol_name(p.ip_protocol().unwrap_or("-1"));
        let (from, to) =
            if proto == "-1" { (-1, -1) } else { (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1)) };
        let rule = |peer: Peer| Rule { protocol: proto.to_string(), from_port: from.into(), to_port: to.into(), peer };
        out.extend(p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(|c| rule(Peer::Cidr(c.to_string()))));
        out.extend(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).map(|c| rule(Peer::Ipv6Cidr(c.to_string()))));
        out.extend(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id())
                .map(|g| rule(Peer::Group(Val::Lit(g.to_string())))),
        );
    }
    out
}

fn permission(e: &Rule) -> IpPermission {
    let proto = e.protocol.as_str();
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        let port = |n: i64| i32::try_from(n).unwrap_or(-1);
        p = p.from_port(port(e.from_port)).to_port(port(e.to_port));
    }
    match &e.peer {
        Peer::Cidr(c) => p = p.ip_ranges(IpRange::builder().cidr_ip(c).build()),
        Peer::Ipv6Cidr(c) => p = p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).build()),
        Peer::Group(g) => {
            if let Some(g) = g.text() {
                p = p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).build());
            }
        }
    }
    p.build()
}

/// The group's rules, ingress and egress.
async fn describe_rules(client: &Client, group: &str) -> Result<Option<(Vec<Rule>, Vec<Rule>)>> {
    Ok(describe_group(client, group).await?.map(|g| (entries(g.ip_permissions()), entries(g.ip_permissions_egress()))))
}

pub async fn read_rules(client: &Client, group: &str) -> Result<Option<Live>> {
    Ok(describe_group(client, group).await?.as_ref().map(rules_live))
}

/// The rules of a described group: the same answer as the group's own view.
fn rules_live(g: &aws_sdk_ec2::types::SecurityGroup) -> Live {
    let group = g.group_id().unwrap_or_default();
    let rules = SecurityGroupRules {
        group: Val::Lit(group.to_string()),
        ingress: entries(g.ip_permissions()),
        egress: Some(entries(g.ip_permissions_egress())),
    };
    live(group, view(&rules, []))
}

/// Rules by their JSON text: equal rules compare equal, and the text orders the calls.
fn keyed(rules: &[Rule]) -> BTreeMap<String, &Rule> {
    rules.iter().map(|r| (crate::provider::attributes(r).to_string(), r)).collect()
}

/// Makes the group's rules in one direction exactly `want` (given what it holds now):
/// revokes the extra ones first, then authorizes the missing ones. `want = None` leaves
/// the direction as it is.
async fn sync_direction(
    client: &Client,
    address: &str,
    group: &str,
    egress: bool,
    have: &[Rule],
    want: Option<&[Rule]>,
) -> Result<()> {
    let Some(want) = want else { return Ok(()) };
    let (have_keys, want_keys) = (keyed(have), keyed(want));
    let revoke: Vec<IpPermission> =
        have_keys.iter().filter(|(k, _)| !want_keys.contains_key(*k)).map(|(_, r)| permission(r)).collect();
    let grant: Vec<IpPermission> =
        want_keys.iter().filter(|(k, _)| !have_keys.contains_key(*k)).map(|(_, r)| permission(r)).collect();
    if !revoke.is_empty() {
        let r = if egress {
            client
                .revoke_security_group_egress()
                .group_id(group)
                .set_ip_permissions(Some(revoke))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| fail("ec2 RevokeSecurityGroupEgress", address, group, e))
        } else {
            client
                .revoke_security_group_ingress()
                .group_id(group)
                .set_ip_permissions(Some(revoke))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| fail("ec2 RevokeSecurityGroupIngress", address, group, e))
        };
        r?;
    }
    if !grant.is_empty() {
        let r = if egress {
            client
                .authorize_security_group_egress()
                .group_id(group)
                .set_ip_permissions(Some(grant))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| fail("ec2 AuthorizeSecurityGroupEgress", address, group, e))
        } else {
            client
                .authorize_security_group_ingress()
                .group_id(group)
                .set_ip_permissions(Some(grant))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| fail("ec2 AuthorizeSecurityGroupIngress", address, group, e))
        };
        r?;
    }
    Ok(())
}

/// Create and update alike compare with what the group holds now, not with the plan's
/// `before`: a create after a lost state finds the rules it made the first time, and a
/// new group holds AWS's default egress rule.
pub async fn put_rules(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let want: SecurityGroupRules = after(c)?;
    let group = id_of(&want.group);
    let (ingress, egress) = describe_rules(x.client, group).await?.ok_or_else(|| {
        EngineError::new(codes::AWS_CALL, format!("{}: security group {group} does not exist", c.address))
    })?;
    sync_direction(x.client, &c.address, group, false, &ingress, Some(&want.ingress)).await?;
    sync_direction(x.client, &c.address, group, true, &egress, want.egress.as_deref()).await?;
    // Each managed direction now holds exactly what is wanted; an unmanaged one what it held.
    let rules = SecurityGroupRules {
        group: Val::Lit(group.to_string()),
        egress: Some(want.egress.clone().unwrap_or(egress)),
        ingress: want.ingress,
    };
    Ok(live(group, view(&rules, [])))
}

/// Deleting the rules resource revokes every rule of the group (the group itself goes
/// with its own resource); AWS's default egress is revoked too when drove managed egress.
pub async fn delete_rules(x: &Ctx<'_>, address: &str, id: &str) -> Result<()> {
    let Some((ingress, egress)) = describe_rules(x.client, id).await? else { return Ok(()) };
    sync_direction(x.client, address, id, false, &ingress, Some(&[])).await?;
    sync_direction(x.client, address, id, true, &egress, Some(&[])).await?;
    Ok(())
}

// ------------------------------------------------------------------------ read together

/// Every page of a Describe call built by `$req` (re-built for each page), its `$items`
/// collected; a repeated token ends the walk (moto can answer the last token again).
macro_rules! all_pages {
    ($req:expr, $call:literal, $items:ident) => {{
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = $req.set_next_token(token.clone()).send().await.map_err(|e| sdk_error($call, e))?;
            out.extend(page.$items().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
                _ => break out,
            }
        }
    }};
}

/// AWS takes up to 200 values in one filter; this leaves room.
const IDS_PER_CALL: usize = 150;

/// A filter on any of `values`. Filters, unlike the `…Ids` parameters, answer what exists
/// instead of failing the whole call for one id that is gone.
fn any_of(name: &str, values: &[String]) -> Vec<Filter> {
    vec![Filter::builder().name(name).set_values(Some(values.to_vec())).build()]
}

/// A known network resource to read: its kind, id and, for an association, the route
/// table the state last saw it in (an association cannot move to another table: a new
/// table gives it a new id).
pub struct KnownNet<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub table: Option<String>,
}

/// Live views by `(kind, id)` or `(kind, address)`.
pub type Views = HashMap<(String, String), Live>;

fn ids_of(known: &[KnownNet<'_>], kinds: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = known.iter().filter(|k| kinds.contains(&k.kind)).map(|k| k.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The live view of known network resources, read together: one Describe call per kind
/// (a page for every 150 ids), a route table and its associations in the same answer, a
/// security group and its rules in the same answer; a VPC's two DNS settings cost a call
/// each (EC2 reads them one VPC and one attribute at a time). Absent: gone.
pub async fn read_known(client: &Client, known: &[KnownNet<'_>]) -> Result<Views> {
    let (vpcs, subnets, gateways, tables, groups) = futures::try_join!(
        read_vpcs(client, ids_of(known, &[vpc::KIND])),
        read_subnets(client, ids_of(known, &[subnet::KIND])),
        read_gateways(client, ids_of(known, &[internet_gateway::KIND])),
        read_tables(client, known),
        read_groups(client, ids_of(known, &[security_group::KIND, security_group_rules::KIND])),
    )?;
    let mut out = Views::new();
    out.extend(vpcs.into_iter().map(|l| ((vpc::KIND.to_string(), l.id.clone()), l)));
    out.extend(
        subnets.iter().map(|s| ((subnet::KIND.to_string(), s.subnet_id().unwrap_or_default().into()), subnet_live(s))),
    );
    out.extend(gateways.iter().map(|g| {
        ((internet_gateway::KIND.to_string(), g.internet_gateway_id().unwrap_or_default().into()), gateway_live(g))
    }));
    for k in known.iter().filter(|k| k.kind == route_table::KIND) {
        if let Some(t) = tables.iter().find(|t| t.route_table_id() == Some(k.id)) {
            out.insert((k.kind.to_string(), k.id.to_string()), table_live(t));
        }
    }
    for k in known.iter().filter(|k| k.kind == route_table_association::KIND) {
        if let Some(l) = association_in(&tables, k.id) {
            out.insert((k.kind.to_string(), k.id.to_string()), l);
        }
    }
    for g in &groups {
        let id = g.group_id().unwrap_or_default().to_string();
        out.insert((security_group::KIND.to_string(), id.clone()), group_live(g));
        out.insert((security_group_rules::KIND.to_string(), id), rules_live(g));
    }
    Ok(out)
}

async fn read_vpcs(client: &Client, ids: Vec<String>) -> Result<Vec<Live>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        let found =
            all_pages!(client.describe_vpcs().set_filters(Some(any_of("vpc-id", chunk))), "ec2 DescribeVpcs", vpcs);
        for v in &found {
            out.push(vpc_live(client, v).await?);
        }
    }
    Ok(out)
}

async fn read_subnets(client: &Client, ids: Vec<String>) -> Result<Vec<aws_sdk_ec2::types::Subnet>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        out.extend(all_pages!(
            client.describe_subnets().set_filters(Some(any_of("subnet-id", chunk))),
            "ec2 DescribeSubnets",
            subnets
        ));
    }
    Ok(out)
}

async fn read_gateways(client: &Client, ids: Vec<String>) -> Result<Vec<aws_sdk_ec2::types::InternetGateway>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        out.extend(all_pages!(
            client.describe_internet_gateways().set_filters(Some(any_of("internet-gateway-id", chunk))),
            "ec2 DescribeInternetGateways",
            internet_gateways
        ));
    }
    Ok(out)
}

/// The known tables and the tables the known associations were last seen in, in one call;
/// associations not found there (their table is gone, or the state has none) by their
/// own ids in a second.
async fn read_tables(client: &Client, known: &[KnownNet<'_>]) -> Result<Vec<aws_sdk_ec2::types::RouteTable>> {
    let associations: Vec<&KnownNet> = known.iter().filter(|k| k.kind == route_table_association::KIND).collect();
    let mut table_ids = ids_of(known, &[route_table::KIND]);
    table_ids.extend(associations.iter().filter_map(|k| k.table.clone()));
    table_ids.sort();
    table_ids.dedup();
    let mut out = Vec::new();
    for chunk in table_ids.chunks(IDS_PER_CALL) {
        out.extend(all_pages!(
            client.describe_route_tables().set_filters(Some(any_of("route-table-id", chunk))),
            "ec2 DescribeRouteTables",
            route_tables
        ));
    }
    let missing: Vec<String> =
        associations.iter().filter(|k| association_in(&out, k.id).is_none()).map(|k| k.id.to_string()).collect();
    for chunk in missing.chunks(IDS_PER_CALL) {
        out.extend(all_pages!(
            client.describe_route_tables().set_filters(Some(any_of("association.route-table-association-id", chunk))),
            "ec2 DescribeRouteTables",
            route_tables
        ));
    }
    Ok(out)
}

async fn read_groups(client: &Client, ids: Vec<String>) -> Result<Vec<aws_sdk_ec2::types::SecurityGroup>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        out.extend(all_pages!(
            client.describe_security_groups().set_filters(Some(any_of("group-id", chunk))),
            "ec2 DescribeSecurityGroups",
            security_groups
        ));
    }
    Ok(out)
}

/// The stack's network resources of the given kinds, by their `drove:address` tag, for
/// re-adoption: one Describe call per kind for the whole stack. Rules and associations
/// carry no tags and are never found (their creates look at what exists instead). Two
/// resources with one address: the first AWS answers, as a lookup by address gives.
pub async fn find_all(x: &Ctx<'_>, kinds: &[&str]) -> Result<Views> {
    let (c, stack) = (x.client, ec2_tags::filters(x.stack, None));
    let wants = |k: &str| kinds.contains(&k);
    let mut out = Views::new();
    let mut put = |kind: &str, tags: &[aws_sdk_ec2::types::Tag], live: Live| {
        if let Some(address) = ec2_tags::tag(tags, ec2_tags::ADDRESS_TAG) {
            out.entry((kind.to_string(), address.to_string())).or_insert(live);
        }
    };
    if wants(vpc::KIND) {
        let found = all_pages!(c.describe_vpcs().set_filters(Some(stack.clone())), "ec2 DescribeVpcs", vpcs);
        for v in &found {
            put(vpc::KIND, v.tags(), vpc_live(c, v).await?);
        }
    }
    if wants(subnet::KIND) {
        let found = all_pages!(c.describe_subnets().set_filters(Some(stack.clone())), "ec2 DescribeSubnets", subnets);
        for s in &found {
            put(subnet::KIND, s.tags(), subnet_live(s));
        }
    }
    if wants(internet_gateway::KIND) {
        let found = all_pages!(
            c.describe_internet_gateways().set_filters(Some(stack.clone())),
            "ec2 DescribeInternetGateways",
            internet_gateways
        );
        for g in &found {
            put(internet_gateway::KIND, g.tags(), gateway_live(g));
        }
    }
    if wants(route_table::KIND) {
        let found = all_pages!(
            c.describe_route_tables().set_filters(Some(stack.clone())),
            "ec2 DescribeRouteTables",
            route_tables
        );
        for t in &found {
            put(route_table::KIND, t.tags(), table_live(t));
        }
    }
    if wants(security_group::KIND) {
        let found = all_pages!(
            c.describe_security_groups().set_filters(Some(stack.clone())),
            "ec2 DescribeSecurityGroups",
            security_groups
        );
        for g in &found {
            put(security_group::KIND, g.tags(), group_live(g));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_through_entries() {
        let rule = |protocol: &str, from_port: i64, to_port: i64, peer: Peer| Rule {
            protocol: protocol.into(),
            from_port,
            to_port,
            peer,
        };
        let want = vec![
            rule("tcp", 80, 80, Peer::Cidr("0.0.0.0/0".into())),
            rule("tcp", 8000, 8080, Peer::Ipv6Cidr("2001:db8::/32".into())),
            rule("icmp", -1, -1, Peer::Group(Val::Lit("sg-1".into()))),
            rule("-1", -1, -1, Peer::Cidr("10.0.0.0/8".into())),
        ];
        let perms: Vec<IpPermission> = want.iter().map(permission).collect();
        assert_eq!(entries(&perms), want);
        assert_eq!(protocol_name("58"), "icmpv6");
    }

    #[test]
    fn rules_keep_their_json_shape() {
        let rules = SecurityGroupRules {
            group: Val::Lit("sg-1".into()),
            ingress: vec![Rule {
                protocol: "tcp".into(),
                from_port: 22,
                to_port: 22,
                peer: Peer::Cidr("10.0.0.0/8".into()),
            }],
            egress: Some(vec![]),
        };
        assert_eq!(
            view(&rules, []),
            serde_json::json!({
                "group": "sg-1",
                "ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}],
                "egress": [],
            })
        );
        let gateway = InternetGateway { vpc: Val::Lit(String::new()), tags: Tags::new() };
        assert_eq!(view(&gateway, Some("vpc")), serde_json::json!({"vpc": null, "tags": {}}));
    }
}
