//! NAT gateways and their Elastic IPs (`ec2.nat_gateway`, `ec2.elastic_ip`).
//!
//! Both are tagged in their create call. An Elastic IP takes no idempotency token, so a
//! run killed between AllocateAddress and its state write finds the address again by its
//! `drove:address` tag (re-adoption), as it does a NAT gateway. A NAT gateway takes a
//! minute or two to become available and as long to go: create waits for `available`,
//! delete for `deleted`, so the private route through it and the release of its address
//! come after. A NAT gateway that failed or is being deleted counts as gone.

use super::{after, before, ec2_tags, sdk_error, view};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_ec2::error::ProvideErrorMetadata as _;
use aws_sdk_ec2::types::{DomainType, Filter, NatGatewayState, ResourceType};
use aws_sdk_ec2::Client;
use drove_compiler::model::{ElasticIp, NatGateway, Val};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// How long a NAT gateway may take to become available, or to go.
const NAT_WAIT: Duration = Duration::from_secs(15 * 60);
const POLL: Duration = Duration::from_secs(2);

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn address_live(a: &aws_sdk_ec2::types::Address) -> Live {
    let id = a.allocation_id().unwrap_or_default().to_string();
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.clone()));
    if let Some(ip) = a.public_ip() {
        outputs.insert("public_ip".into(), Value::String(ip.to_string()));
    }
    let spec = ElasticIp { tags: ec2_tags::user_tags(a.tags()) };
    Live::new(&id, view(&spec, []), outputs).owned_by(ec2_tags::owner(a.tags()))
}

async fn describe_addresses(client: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::Address>> {
    let out = client
        .describe_addresses()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeAddresses", e))?;
    Ok(out.addresses().to_vec())
}

pub async fn read_address(client: &Client, id: &str) -> Result<Option<Live>> {
    Ok(describe_addresses(client, vec![filter("allocation-id", id)]).await?.first().map(address_live))
}

/// The stack's address created for `address`, if any.
pub async fn find_address(client: &Client, stack: &str, address: &str) -> Result<Option<Live>> {
    let found = describe_addresses(client, ec2_tags::filters(stack, Some(address))).await?;
    Ok(found.iter().find(|a| ec2_tags::is_of(a.tags(), stack, address)).map(address_live))
}

pub async fn create_address(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let want: ElasticIp = after(c)?;
    let out = client
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(ec2_tags::specification(
            ResourceType::ElasticIp,
            &ec2_tags::Owner::of(stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 AllocateAddress", e))?;
    let id = out.allocation_id().unwrap_or_default().to_string();
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.clone()));
    if let Some(ip) = out.public_ip() {
        outputs.insert("public_ip".into(), Value::String(ip.to_string()));
    }
    Ok(Live::new(&id, view(&want, []), outputs).owned_by(Some(c.lineage.clone())))
}

pub async fn update_address(client: &Client, c: &Change, stack: &str, id: &str) -> Result<Live> {
    let (want, have): (ElasticIp, ElasticIp) = (after(c)?, before(c)?);
    ec2_tags::update(client, id, &ec2_tags::Owner::of(stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_address(client, id).await?.ok_or_else(|| gone("Elastic IP", id))
}

/// Releases the address; one already released is fine. Right after its NAT gateway is
/// deleted, EC2 may still call it in use for a moment: that is waited out.
pub async fn delete_address(client: &Client, id: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        match client.release_address().allocation_id(id).send().await {
            Ok(_) => return Ok(()),
            Err(e) => match e.as_service_error().and_then(|s| s.code()) {
                Some("InvalidAllocationID.NotFound") => return Ok(()),
                Some("InvalidIPAddress.InUse" | "AuthFailure") if started.elapsed() < NAT_WAIT => {
                    tokio::time::sleep(POLL).await;
                }
                _ => return Err(sdk_error("ec2 ReleaseAddress", e)),
            },
        }
    }
}

fn gone(what: &str, id: &str) -> EngineError {
    EngineError::new(codes::AWS_CALL, format!("{what} {id} is gone"))
}

/// A NAT gateway that still exists, as the model sees it.
fn nat_live(g: &aws_sdk_ec2::types::NatGateway) -> Option<Live> {
    if matches!(g.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)) {
        return None;
    }
    let id = g.nat_gateway_id().unwrap_or_default().to_string();
    let allocation = g.nat_gateway_addresses().first().and_then(|a| a.allocation_id()).unwrap_or_default();
    let spec = NatGateway {
        subnet: Val::Lit(g.subnet_id().unwrap_or_default().to_string()),
        allocation: Val::Lit(allocation.to_string()),
        tags: ec2_tags::user_tags(g.tags()),
    };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.clone()));
    Some(Live::new(&id, view(&spec, []), outputs).owned_by(ec2_tags::owner(g.tags())))
}

async fn describe_nats(client: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::NatGateway>> {
    let out = client
        .describe_nat_gateways()
        .set_filter(Some(filters))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeNatGateways", e))?;
    Ok(out.nat_gateways().to_vec())
}

pub async fn read_nat(client: &Client, id: &str) -> Result<Option<Live>> {
    Ok(describe_nats(client, vec![filter("nat-gateway-id", id)]).await?.iter().find_map(nat_live))
}

/// The stack's NAT gateway created for `address`, if one still exists.
pub async fn find_nat(client: &Client, stack: &str, address: &str) -> Result<Option<Live>> {
    let found = describe_nats(client, ec2_tags::filters(stack, Some(address))).await?;
    Ok(found.iter().filter(|g| ec2_tags::is_of(g.tags(), stack, address)).find_map(nat_live))
}

/// Polls the NAT gateway until it is in `want` (or, for `Deleted`, no longer listed).
async fn wait_nat(client: &Client, address: &str, id: &str, want: NatGatewayState) -> Result<()> {
    let started = Instant::now();
    loop {
        let found = describe_nats(client, vec![filter("nat-gateway-id", id)]).await?;
        let state = found.first().and_then(|g| g.state().cloned());
        match (&state, &want) {
            (Some(s), w) if s == w => return Ok(()),
            (None, NatGatewayState::Deleted) => return Ok(()),
            (Some(NatGatewayState::Failed), _) => {
                let why = found.first().and_then(|g| g.failure_message()).unwrap_or("no reason given");
                return Err(EngineError::new(codes::AWS_CALL, format!("{address}: NAT gateway {id} failed: {why}")));
            }
            _ if started.elapsed() > NAT_WAIT => {
                return Err(EngineError::new(
                    codes::INSTANCE_WAIT,
                    format!("{address}: NAT gateway {id} is still {state:?} after {} minutes", NAT_WAIT.as_secs() / 60),
                )
                .with_help("apply again: the next plan finds it by its tags"));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

pub async fn create_nat(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let want: NatGateway = after(c)?;
    let bad = |what: &str| EngineError::new(codes::INVALID_CHANGE, format!("{}: {what}", c.address));
    let subnet = want.subnet.text().ok_or_else(|| bad("no subnet id"))?;
    let allocation = want.allocation.text().ok_or_else(|| bad("no Elastic IP allocation id"))?;
    let out = client
        .create_nat_gateway()
        .subnet_id(subnet)
        .allocation_id(allocation)
        .client_token(&c.token)
        .tag_specifications(ec2_tags::specification(
            ResourceType::Natgateway,
            &ec2_tags::Owner::of(stack, c),
            Some(&want.tags),
        ))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 CreateNatGateway", e))?;
    let id = out.nat_gateway().and_then(|g| g.nat_gateway_id()).unwrap_or_default().to_string();
    wait_nat(client, &c.address, &id, NatGatewayState::Available).await?;
    read_nat(client, &id).await?.ok_or_else(|| gone("NAT gateway", &id))
}

pub async fn update_nat(client: &Client, c: &Change, stack: &str, id: &str) -> Result<Live> {
    let (want, have): (NatGateway, NatGateway) = (after(c)?, before(c)?);
    ec2_tags::update(client, id, &ec2_tags::Owner::of(stack, c), Some(&have.tags), Some(&want.tags)).await?;
    read_nat(client, id).await?.ok_or_else(|| gone("NAT gateway", id))
}

pub async fn delete_nat(client: &Client, address: &str, id: &str) -> Result<()> {
    match client.delete_nat_gateway().nat_gateway_id(id).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("NatGatewayNotFound") => return Ok(()),
        Err(e) => return Err(sdk_error("ec2 DeleteNatGateway", e)),
    }
    wait_nat(client, address, id, NatGatewayState::Deleted).await
}
