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
//! firewall without `to` rules (`egress: null`) into exactly that rule
//! (`kinds::null_means`), so here egress is always a list and is made to match exactly:
//! the default rule is revoked on create when the list does not hold it.

use super::ec2_tags;
use super::sdk_error;
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, IpPermission, IpRange, Ipv6Range, ResourceType, RouteTable, SecurityGroup, UserIdGroupPair,
    VpcAttributeName,
};
use aws_sdk_ec2::Client;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The client and the stack whose tags creates write and adoption looks for.
pub struct Ctx<'a> {
    pub client: &'a Client,
    pub stack: &'a str,
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn b(v: &Value, k: &str) -> Option<bool> {
    v.get(k).and_then(Value::as_bool)
}

fn live(id: &str, attributes: Value) -> Live {
    let mut outputs = Map::new();
    outputs.insert("id".into(), json!(id));
    Live { id: id.to_string(), attributes, outputs }
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
        Some("InvalidPermission.Duplicate") => EngineError::new(codes::AWS_CALL, format!("{address}: a rule already exists in {id} ({call})")),
        Some(c) if c.ends_with(".NotFound") => {
            let msg = e.as_service_error().and_then(|x| x.message()).unwrap_or("").to_string();
            EngineError::new(codes::AWS_CALL, format!("{address}: {call} refers to something that does not exist: {c}: {msg}"))
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
    let Some(v) = r.vpcs().first() else { return Ok(None) };
    let support = vpc_attribute(client, id, VpcAttributeName::EnableDnsSupport).await?;
    let hostnames = vpc_attribute(client, id, VpcAttributeName::EnableDnsHostnames).await?;
    let mut attrs = json!({
        "cidr": v.cidr_block(),
        "enable_dns_support": support,
        "enable_dns_hostnames": hostnames,
        "tags": ec2_tags::user_tags(v.tags()),
    });
    if let Some(o) = attrs.as_object_mut() {
        o.retain(|_, x| !x.is_null());
    }
    Ok(Some(live(id, attrs)))
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

async fn set_vpc_dns(client: &Client, c: &Change, id: &str, before: &Value) -> Result<()> {
    // One attribute per call, as the API wants; support before host names, which need it.
    for key in ["enable_dns_support", "enable_dns_hostnames"] {
        let Some(want) = b(&c.after, key) else { continue };
        if b(before, key) == Some(want) {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        let req = client.modify_vpc_attribute().vpc_id(id);
        let req = if key == "enable_dns_support" { req.enable_dns_support(value) } else { req.enable_dns_hostnames(value) };
        req.send().await.map_err(|e| fail("ec2 ModifyVpcAttribute", &c.address, id, e))?;
    }
    Ok(())
}

pub async fn create_vpc(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let out = x
        .client
        .create_vpc()
        .cidr_block(s(&c.after, "cidr").unwrap_or(""))
        .tag_specifications(ec2_tags::specification(ResourceType::Vpc, x.stack, &c.address, c.after.get("tags")))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateVpc", &c.address, "new", e))?;
    let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or("").to_string();
    // AWS's defaults for a new VPC: DNS support on, host names off.
    set_vpc_dns(x.client, c, &id, &json!({"enable_dns_support": true, "enable_dns_hostnames": false})).await?;
    read_vpc(x.client, &id).await?.ok_or_else(|| gone("VPC", &id))
}

pub async fn update_vpc(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    set_vpc_dns(x.client, c, id, &c.before).await?;
    ec2_tags::update(x.client, id, x.stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    read_vpc(x.client, id).await?.ok_or_else(|| gone("VPC", id))
}

pub async fn delete_vpc(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_vpc().vpc_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteVpc", address, id, e)),
    }
}

pub async fn find_vpc(x: &Ctx<'_>, address: &str) -> Result<Option<Live>> {
    let r = x
        .client
        .describe_vpcs()
        .set_filters(Some(ec2_tags::filters(x.stack, Some(address))))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeVpcs", e))?;
    match r.vpcs().first().and_then(|v| v.vpc_id()) {
        Some(id) => read_vpc(x.client, id).await,
        None => Ok(None),
    }
}

// ------------------------------------------------------------------------------- subnet

pub async fn read_subnet(client: &Client, id: &str) -> Result<Option<Live>> {
    let r = match client.describe_subnets().subnet_ids(id).send().await {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("ec2 DescribeSubnets", e)),
    };
    Ok(r.subnets().first().map(|sn| {
        live(
            id,
            json!({
                "vpc": sn.vpc_id(),
                "cidr": sn.cidr_block(),
                "availability_zone": sn.availability_zone(),
                "map_public_ip_on_launch": sn.map_public_ip_on_launch().unwrap_or(false),
                "tags": ec2_tags::user_tags(sn.tags()),
            }),
        )
    }))
}

async fn set_public_ip(client: &Client, c: &Change, id: &str) -> Result<()> {
    let want = b(&c.after, "map_public_ip_on_launch").unwrap_or(false);
    client
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
        .send()
        .await
        .map_err(|e| fail("ec2 ModifySubnetAttribute", &c.address, id, e))?;
    Ok(())
}

pub async fn create_subnet(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let mut req = x
        .client
        .create_subnet()
        .vpc_id(s(&c.after, "vpc").unwrap_or(""))
        .cidr_block(s(&c.after, "cidr").unwrap_or(""))
        .tag_specifications(ec2_tags::specification(ResourceType::Subnet, x.stack, &c.address, c.after.get("tags")));
    if let Some(az) = s(&c.after, "availability_zone") {
        req = req.availability_zone(az);
    }
    let out = req.send().await.map_err(|e| fail("ec2 CreateSubnet", &c.address, "new", e))?;
    let id = out.subnet().and_then(|v| v.subnet_id()).unwrap_or("").to_string();
    if b(&c.after, "map_public_ip_on_launch") == Some(true) {
        set_public_ip(x.client, c, &id).await?;
    }
    read_subnet(x.client, &id).await?.ok_or_else(|| gone("subnet", &id))
}

pub async fn update_subnet(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    if c.after.get("map_public_ip_on_launch").is_some_and(|v| !v.is_null()) && c.after.get("map_public_ip_on_launch") != c.before.get("map_public_ip_on_launch") {
        set_public_ip(x.client, c, id).await?;
    }
    ec2_tags::update(x.client, id, x.stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    read_subnet(x.client, id).await?.ok_or_else(|| gone("subnet", id))
}

pub async fn delete_subnet(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_subnet().subnet_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteSubnet", address, id, e)),
    }
}

pub async fn find_subnet(x: &Ctx<'_>, address: &str) -> Result<Option<Live>> {
    let r = x
        .client
        .describe_subnets()
        .set_filters(Some(ec2_tags::filters(x.stack, Some(address))))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeSubnets", e))?;
    match r.subnets().first().and_then(|v| v.subnet_id()) {
        Some(id) => read_subnet(x.client, id).await,
        None => Ok(None),
    }
}

// --------------------------------------------------------------------- internet gateway

pub async fn read_gateway(client: &Client, id: &str) -> Result<Option<Live>> {
    let r = match client.describe_internet_gateways().internet_gateway_ids(id).send().await {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("ec2 DescribeInternetGateways", e)),
    };
    Ok(r.internet_gateways().first().map(|g| {
        let vpc = g.attachments().iter().find_map(|a| a.vpc_id());
        live(id, json!({"vpc": vpc, "tags": ec2_tags::user_tags(g.tags())}))
    }))
}

pub async fn create_gateway(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let out = x
        .client
        .create_internet_gateway()
        .tag_specifications(ec2_tags::specification(ResourceType::InternetGateway, x.stack, &c.address, c.after.get("tags")))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateInternetGateway", &c.address, "new", e))?;
    let id = out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or("").to_string();
    attach_gateway(x.client, c, &id).await?;
    read_gateway(x.client, &id).await?.ok_or_else(|| gone("internet gateway", &id))
}

async fn attach_gateway(client: &Client, c: &Change, id: &str) -> Result<()> {
    let Some(vpc) = s(&c.after, "vpc") else { return Ok(()) };
    client
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(|e| fail("ec2 AttachInternetGateway", &c.address, id, e))?;
    Ok(())
}

pub async fn update_gateway(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    // Detached behind drove's back: attach it again.
    if s(&c.before, "vpc").is_none() {
        attach_gateway(x.client, c, id).await?;
    }
    ec2_tags::update(x.client, id, x.stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    read_gateway(x.client, id).await?.ok_or_else(|| gone("internet gateway", id))
}

/// Detaches the gateway from every VPC first: AWS refuses to delete an attached one.
pub async fn delete_gateway(client: &Client, address: &str, id: &str) -> Result<()> {
    let Some(now) = read_gateway(client, id).await? else { return Ok(()) };
    if let Some(vpc) = s(&now.attributes, "vpc") {
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

pub async fn find_gateway(x: &Ctx<'_>, address: &str) -> Result<Option<Live>> {
    let r = x
        .client
        .describe_internet_gateways()
        .set_filters(Some(ec2_tags::filters(x.stack, Some(address))))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeInternetGateways", e))?;
    match r.internet_gateways().first().and_then(|v| v.internet_gateway_id()) {
        Some(id) => read_gateway(x.client, id).await,
        None => Ok(None),
    }
}

// --------------------------------------------------------------------------- route table

/// The routes drove manages: those with an IPv4 destination through a gateway, without
/// the VPC's own `local` route.
fn routes_of(t: &RouteTable) -> Vec<Value> {
    t.routes()
        .iter()
        .filter_map(|r| {
            let gw = r.gateway_id().filter(|g| *g != "local")?;
            Some(json!({"destination": r.destination_cidr_block()?, "gateway": gw}))
        })
        .collect()
}

async fn describe_tables(client: &Client, ids: Option<&str>, filters: Vec<Filter>) -> Result<Vec<RouteTable>> {
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
    Ok(tables.first().map(|t| live(id, json!({"vpc": t.vpc_id(), "routes": routes_of(t), "tags": ec2_tags::user_tags(t.tags())}))))
}

fn route_map(v: &Value) -> Vec<(String, String)> {
    v.get("routes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|r| Some((s(r, "destination")?.to_string(), s(r, "gateway")?.to_string()))).collect())
        .unwrap_or_default()
}

/// Routes that are not wanted go, wanted ones come or are pointed at their gateway.
async fn set_routes(client: &Client, c: &Change, id: &str, before: &Value) -> Result<()> {
    let have = route_map(before);
    let want = route_map(&c.after);
    for (dest, _) in have.iter().filter(|(d, _)| !want.iter().any(|(w, _)| w == d)) {
        match client.delete_route().route_table_id(id).destination_cidr_block(dest).send().await {
            Ok(_) => {}
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(fail("ec2 DeleteRoute", &c.address, id, e)),
        }
    }
    for (dest, gw) in &want {
        match have.iter().find(|(d, _)| d == dest) {
            Some((_, g)) if g == gw => {}
            Some(_) => {
                client
                    .replace_route()
                    .route_table_id(id)
                    .destination_cidr_block(dest)
                    .gateway_id(gw)
                    .send()
                    .await
                    .map_err(|e| fail("ec2 ReplaceRoute", &c.address, id, e))?;
            }
            None => {
                client
                    .create_route()
                    .route_table_id(id)
                    .destination_cidr_block(dest)
                    .gateway_id(gw)
                    .send()
                    .await
                    .map_err(|e| fail("ec2 CreateRoute", &c.address, id, e))?;
            }
        }
    }
    Ok(())
}

pub async fn create_table(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let out = x
        .client
        .create_route_table()
        .vpc_id(s(&c.after, "vpc").unwrap_or(""))
        .client_token(&c.token)
        .tag_specifications(ec2_tags::specification(ResourceType::RouteTable, x.stack, &c.address, c.after.get("tags")))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateRouteTable", &c.address, "new", e))?;
    let id = out.route_table().and_then(|t| t.route_table_id()).unwrap_or("").to_string();
    // A retried create (same token) returns the table made the first time, routes and all.
    let now = read_table(x.client, &id).await?.ok_or_else(|| gone("route table", &id))?;
    set_routes(x.client, c, &id, &now.attributes).await?;
    read_table(x.client, &id).await?.ok_or_else(|| gone("route table", &id))
}

pub async fn update_table(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    set_routes(x.client, c, id, &c.before).await?;
    ec2_tags::update(x.client, id, x.stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    read_table(x.client, id).await?.ok_or_else(|| gone("route table", id))
}

pub async fn delete_table(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_route_table().route_table_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteRouteTable", address, id, e)),
    }
}

pub async fn find_table(x: &Ctx<'_>, address: &str) -> Result<Option<Live>> {
    let tables = describe_tables(x.client, None, ec2_tags::filters(x.stack, Some(address))).await?;
    match tables.first().and_then(|t| t.route_table_id()) {
        Some(id) => read_table(x.client, id).await,
        None => Ok(None),
    }
}

// ---------------------------------------------------------- route table association

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub async fn read_association(client: &Client, id: &str) -> Result<Option<Live>> {
    let tables = describe_tables(client, None, vec![filter("association.route-table-association-id", id)]).await?;
    Ok(tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| a.route_table_association_id() == Some(id))?;
        Some(live(id, json!({"subnet": a.subnet_id(), "route_table": t.route_table_id()})))
    }))
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
    let subnet = s(&c.after, "subnet").unwrap_or("");
    let table = s(&c.after, "route_table").unwrap_or("");
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
    read_association(x.client, &id).await?.ok_or_else(|| gone("route table association", &id))
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
    let new = replace_association(x.client, &c.address, id, s(&c.after, "route_table").unwrap_or("")).await?;
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

async fn describe_group(client: &Client, id: &str) -> Result<Option<SecurityGroup>> {
    match client.describe_security_groups().group_ids(id).send().await {
        Ok(r) => Ok(r.security_groups().first().cloned()),
        Err(e) if not_found(&e) || code(&e) == Some("InvalidGroupId.Malformed") => Ok(None),
        Err(e) => Err(sdk_error("ec2 DescribeSecurityGroups", e)),
    }
}

pub async fn read_group(client: &Client, id: &str) -> Result<Option<Live>> {
    Ok(describe_group(client, id).await?.map(|g| {
        live(
            id,
            json!({
                "vpc": g.vpc_id(),
                "name": g.group_name(),
                "description": g.description(),
                "tags": ec2_tags::user_tags(g.tags()),
            }),
        )
    }))
}

pub async fn create_group(x: &Ctx<'_>, c: &Change) -> Result<Live> {
    let out = x
        .client
        .create_security_group()
        .vpc_id(s(&c.after, "vpc").unwrap_or(""))
        .group_name(s(&c.after, "name").unwrap_or(""))
        .description(s(&c.after, "description").unwrap_or(""))
        .tag_specifications(ec2_tags::specification(ResourceType::SecurityGroup, x.stack, &c.address, c.after.get("tags")))
        .send()
        .await
        .map_err(|e| fail("ec2 CreateSecurityGroup", &c.address, s(&c.after, "name").unwrap_or(""), e))?;
    let id = out.group_id().unwrap_or("").to_string();
    read_group(x.client, &id).await?.ok_or_else(|| gone("security group", &id))
}

pub async fn update_group(x: &Ctx<'_>, c: &Change, id: &str) -> Result<Live> {
    ec2_tags::update(x.client, id, x.stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    read_group(x.client, id).await?.ok_or_else(|| gone("security group", id))
}

pub async fn delete_group(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_security_group().group_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(fail("ec2 DeleteSecurityGroup", address, id, e)),
    }
}

pub async fn find_group(x: &Ctx<'_>, address: &str) -> Result<Option<Live>> {
    let r = x
        .client
        .describe_security_groups()
        .set_filters(Some(ec2_tags::filters(x.stack, Some(address))))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeSecurityGroups", e))?;
    match r.security_groups().first().and_then(|g| g.group_id()) {
        Some(id) => read_group(x.client, id).await,
        None => Ok(None),
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

/// One model entry per port range and peer, as the compiler writes them.
fn entries(perms: &[IpPermission]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in perms {
        let proto = protocol_name(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if proto == "-1" { (-1, -1) } else { (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1)) };
        let entry = |key: &str, v: &str| json!({"protocol": proto, "from_port": from, "to_port": to, key: v});
        out.extend(p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(|c| entry("cidr", c)));
        out.extend(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).map(|c| entry("ipv6_cidr", c)));
        out.extend(p.user_id_group_pairs().iter().filter_map(|g| g.group_id()).map(|g| entry("group", g)));
    }
    out
}

fn permission(e: &Value) -> IpPermission {
    let proto = s(e, "protocol").unwrap_or("-1");
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        p = p
            .from_port(e.get("from_port").and_then(Value::as_i64).unwrap_or(-1) as i32)
            .to_port(e.get("to_port").and_then(Value::as_i64).unwrap_or(-1) as i32);
    }
    if let Some(c) = s(e, "cidr") {
        p = p.ip_ranges(IpRange::builder().cidr_ip(c).build());
    }
    if let Some(c) = s(e, "ipv6_cidr") {
        p = p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).build());
    }
    if let Some(g) = s(e, "group") {
        p = p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).build());
    }
    p.build()
}

pub async fn read_rules(client: &Client, group: &str) -> Result<Option<Live>> {
    Ok(describe_group(client, group).await?.map(|g| {
        live(
            group,
            json!({"group": group, "ingress": entries(g.ip_permissions()), "egress": entries(g.ip_permissions_egress())}),
        )
    }))
}

fn keyed(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array).map(|a| a.iter().map(Value::to_string).collect()).unwrap_or_default()
}

/// Makes the group's rules in one direction exactly `want` (given as the live view and
/// the wanted list): revokes the extra ones first, then authorizes the missing ones.
/// `want = None` leaves the direction as it is.
async fn sync_direction(client: &Client, address: &str, group: &str, egress: bool, have: Option<&Value>, want: Option<&Value>) -> Result<()> {
    let Some(want_list) = want.filter(|w| !w.is_null()) else { return Ok(()) };
    let (have_keys, want_keys) = (keyed(have), keyed(Some(want_list)));
    let parse = |k: &String| serde_json::from_str::<Value>(k).ok();
    let revoke: Vec<IpPermission> = have_keys.difference(&want_keys).filter_map(parse).map(|e| permission(&e)).collect();
    let grant: Vec<IpPermission> = want_keys.difference(&have_keys).filter_map(parse).map(|e| permission(&e)).collect();
    if !revoke.is_empty() {
        let r = if egress {
            client.revoke_security_group_egress().group_id(group).set_ip_permissions(Some(revoke)).send().await.map(|_| ())
                .map_err(|e| fail("ec2 RevokeSecurityGroupEgress", address, group, e))
        } else {
            client.revoke_security_group_ingress().group_id(group).set_ip_permissions(Some(revoke)).send().await.map(|_| ())
                .map_err(|e| fail("ec2 RevokeSecurityGroupIngress", address, group, e))
        };
        r?;
    }
    if !grant.is_empty() {
        let r = if egress {
            client.authorize_security_group_egress().group_id(group).set_ip_permissions(Some(grant)).send().await.map(|_| ())
                .map_err(|e| fail("ec2 AuthorizeSecurityGroupEgress", address, group, e))
        } else {
            client.authorize_security_group_ingress().group_id(group).set_ip_permissions(Some(grant)).send().await.map(|_| ())
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
    let group = s(&c.after, "group").unwrap_or("");
    let now = read_rules(x.client, group)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: security group {group} does not exist", c.address)))?;
    for (key, egress) in [("ingress", false), ("egress", true)] {
        sync_direction(x.client, &c.address, group, egress, now.attributes.get(key), c.after.get(key)).await?;
    }
    read_rules(x.client, group).await?.ok_or_else(|| gone("security group", group))
}

/// Deleting the rules resource revokes every rule of the group (the group itself goes
/// with its own resource); AWS's default egress is revoked too when drove managed egress.
pub async fn delete_rules(x: &Ctx<'_>, address: &str, id: &str) -> Result<()> {
    let Some(now) = read_rules(x.client, id).await? else { return Ok(()) };
    for (key, egress) in [("ingress", false), ("egress", true)] {
        sync_direction(x.client, address, id, egress, now.attributes.get(key), Some(&json!([]))).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_through_entries() {
        let want = json!([
            {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr": "0.0.0.0/0"},
            {"protocol": "tcp", "from_port": 8000, "to_port": 8080, "ipv6_cidr": "2001:db8::/32"},
            {"protocol": "icmp", "from_port": -1, "to_port": -1, "group": "sg-1"},
            {"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "10.0.0.0/8"},
        ]);
        let perms: Vec<IpPermission> = want.as_array().unwrap().iter().map(permission).collect();
        assert_eq!(Value::Array(entries(&perms)), want);
        assert_eq!(protocol_name("58"), "icmpv6");
    }
}
