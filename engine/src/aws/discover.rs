//! Listing what exists in an account, for `drove import aws` and `drove inventory`: the
//! providers read resources by id; these find the ids in the first place. What they find
//! is read in the model's shape by the providers' own read functions.

use super::route53::{self as r53, zone_id};
use super::sdk_error;
use crate::checks::normalize_name;
use crate::error::{codes, EngineError, Result};
use crate::provider::Live;
use aws_sdk_ec2::types::Filter;
use drove_compiler::model::{HostedZone, Val};
use serde_json::Value;
use std::collections::BTreeMap;

/// A hosted zone with its record sets (model shape, the zone's id in `zone`).
#[derive(Debug, Clone)]
pub struct ZoneDump {
    pub zone: Live,
    /// The zone as the model writes it (what `zone.attributes` holds, typed).
    pub hosted_zone: HostedZone,
    pub records: Vec<Value>,
}

impl ZoneDump {
    pub fn id(&self) -> &str {
        &self.zone.id
    }
    pub fn name(&self) -> &str {
        &self.hosted_zone.name
    }
    pub fn private_vpcs(&self) -> Vec<String> {
        self.hosted_zone.private_vpcs.iter().filter_map(Val::text).map(str::to_string).collect()
    }
}

/// `(id, name)` of every hosted zone, following pages.
pub async fn list_zones(client: &aws_sdk_route53::Client) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut req = client.list_hosted_zones().max_items(100);
        if let Some(m) = &marker {
            req = req.marker(m);
        }
        let page = req.send().await.map_err(|e| sdk_error("route53 ListHostedZones", e))?;
        out.extend(page.hosted_zones().iter().map(|z| (zone_id(z.id()), normalize_name(z.name()))));
        match page.next_marker() {
            Some(m) if page.is_truncated() && marker.as_deref() != Some(m) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// The zones whose live view (`name`, `tags`, `private_vpcs`, …) `keep` takes, each with
/// its records; records are listed only for those.
pub async fn read_zones_where(
    client: &aws_sdk_route53::Client,
    region: &str,
    keep: impl Fn(&Value) -> bool,
) -> Result<Vec<ZoneDump>> {
    let mut out = Vec::new();
    for (id, _) in list_zones(client).await? {
        let Some((hosted_zone, zone)) = r53::read_zone_typed(client, &id, region).await? else { continue };
        if !keep(&zone.attributes) {
            continue;
        }
        let records = r53::list_zone(client, &id).await?.iter().map(|r| super::view(r, [])).collect();
        out.push(ZoneDump { zone, hosted_zone, records });
    }
    Ok(out)
}

/// The health checks with these ids, each with its `Name` tag if it has one.
pub async fn read_health_checks(
    client: &aws_sdk_route53::Client,
    ids: &[String],
) -> Result<Vec<(Live, Option<String>)>> {
    let mut out = Vec::new();
    for id in ids {
        let Some((live, _)) = r53::read_health_check(client, id).await? else {
            return Err(EngineError::new(
                codes::AWS_CALL,
                format!("a record uses health check {id}, which does not exist"),
            ));
        };
        let tags = client
            .list_tags_for_resource()
            .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
            .resource_id(id)
            .send()
            .await
            .map_err(|e| sdk_error("route53 ListTagsForResource", e))?;
        let name = tags.resource_tag_set().and_then(|s| {
            s.tags().iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value()).map(str::to_string)
        });
        out.push((live, name));
    }
    Ok(out)
}

/// One running (or starting) instance as an inventory lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunningInstance {
    pub id: String,
    pub state: String,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub subnet: Option<String>,
    pub availability_zone: Option<String>,
    pub instance_type: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// Running and pending instances whose tags match every `(key, value)` of `tags`.
pub async fn running_instances(
    client: &aws_sdk_ec2::Client,
    tags: &[(String, String)],
) -> Result<Vec<RunningInstance>> {
    let mut filters = vec![Filter::builder().name("instance-state-name").values("running").values("pending").build()];
    for (k, v) in tags {
        filters.push(Filter::builder().name(format!("tag:{k}")).values(v).build());
    }
    let mut out: Vec<RunningInstance> = super::ec2_instance::describe(client, filters)
        .await?
        .iter()
        .filter_map(|i| {
            Some(RunningInstance {
                id: i.instance_id()?.to_string(),
                state: i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()).unwrap_or_default(),
                private_ip: i.private_ip_address().map(str::to_string),
                public_ip: i.public_ip_address().map(str::to_string),
                subnet: i.subnet_id().map(str::to_string),
                availability_zone: i.placement().and_then(|p| p.availability_zone()).map(str::to_string),
                instance_type: i.instance_type().map(|t| t.as_str().to_string()),
                tags: i
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
                    .collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// A VPC as `drove import aws` lists it before reading it.
#[derive(Debug, Clone)]
pub struct VpcSummary {
    pub id: String,
    pub is_default: bool,
    pub tags: BTreeMap<String, String>,
}

fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect()
}

fn tag_filters(tags: &[(String, String)]) -> Vec<Filter> {
    tags.iter().map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build()).collect()
}

/// The region's VPCs carrying every `(key, value)` of `tags`, by id.
pub async fn list_vpcs(client: &aws_sdk_ec2::Client, tags: &[(String, String)]) -> Result<Vec<VpcSummary>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = client.describe_vpcs().set_next_token(token.clone());
        if !tags.is_empty() {
            req = req.set_filters(Some(tag_filters(tags)));
        }
        let page = req.send().await.map_err(|e| sdk_error("ec2 DescribeVpcs", e))?;
        out.extend(page.vpcs().iter().filter_map(|v| {
            Some(VpcSummary {
                id: v.vpc_id()?.to_string(),
                is_default: v.is_default().unwrap_or(false),
                tags: tag_map(v.tags()),
            })
        }));
        match page.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// A security group and its rules, each in the model's shape.
#[derive(Debug, Clone)]
pub struct GroupDump {
    pub group: Live,
    pub rules: Live,
}

/// A VPC with what drove declares in it, in the model's shape. drove's public subnets
/// share one route table with a default route to the VPC's internet gateway: `public_table`
/// is the table that routes there (the one most subnets use explicitly), and
/// `associations` its explicit associations by subnet id.
#[derive(Debug, Clone)]
pub struct NetworkDump {
    pub vpc: Live,
    pub subnets: Vec<Live>,
    pub gateway: Option<String>,
    pub public_table: Option<String>,
    pub associations: BTreeMap<String, String>,
    /// Subnets whose traffic to 0.0.0.0/0 goes to the internet gateway, explicitly or
    /// through the main route table.
    pub public_subnets: Vec<String>,
    /// Route tables other than the main one, `public_table` and the NAT tables, which
    /// drove does not declare.
    pub other_tables: Vec<String>,
    /// NAT gateways (not failed or going), each with the table that sends 0.0.0.0/0 to it
    /// and that table's associations by subnet id.
    pub nats: Vec<NatDump>,
    /// Security groups, AWS's `default` group left out (it cannot be deleted or declared).
    pub groups: Vec<GroupDump>,
    pub default_group: Option<String>,
}

/// A NAT gateway of a VPC, as `import aws` declares it.
#[derive(Debug, Clone)]
pub struct NatDump {
    pub id: String,
    pub subnet: String,
    /// The Elastic IP's allocation id.
    pub allocation: Option<String>,
    /// The route table whose 0.0.0.0/0 goes to this NAT gateway (the one most subnets use).
    pub table: Option<String>,
    /// That table's explicit associations: subnet id → association id.
    pub associations: BTreeMap<String, String>,
}

/// The id of the gateway a table sends 0.0.0.0/0 to, if it is `igw`.
fn routes_to(t: &aws_sdk_ec2::types::RouteTable, igw: &str) -> bool {
    t.routes().iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && r.gateway_id() == Some(igw))
}

/// Everything of one VPC that drove declares.
pub async fn read_network(client: &aws_sdk_ec2::Client, vpc_id: &str) -> Result<Option<NetworkDump>> {
    use super::ec2_network as net;
    let Some(vpc) = net::read_vpc(client, vpc_id).await? else { return Ok(None) };
    let in_vpc = || Filter::builder().name("vpc-id").values(vpc_id).build();

    let listed =
        client.describe_subnets().filters(in_vpc()).send().await.map_err(|e| sdk_error("ec2 DescribeSubnets", e))?;
    let mut subnet_ids: Vec<String> =
        listed.subnets().iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect();
    subnet_ids.sort();
    let mut subnets = Vec::new();
    for id in &subnet_ids {
        if let Some(s) = net::read_subnet(client, id).await? {
            subnets.push(s);
        }
    }

    let igws = client
        .describe_internet_gateways()
        .filters(Filter::builder().name("attachment.vpc-id").values(vpc_id).build())
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeInternetGateways", e))?;
    let gateway = igws.internet_gateways().iter().find_map(|g| g.internet_gateway_id()).map(str::to_string);

    let tables = client
        .describe_route_tables()
        .filters(in_vpc())
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeRouteTables", e))?;
    let tables = tables.route_tables();
    let is_main = |t: &aws_sdk_ec2::types::RouteTable| t.associations().iter().any(|a| a.main() == Some(true));
    let explicit = |t: &aws_sdk_ec2::types::RouteTable| {
        t.associations().iter().filter(|a| a.main() != Some(true) && a.subnet_id().is_some()).count()
    };
    let public_table = gateway.as_deref().and_then(|igw| {
        tables
            .iter()
            .filter(|t| routes_to(t, igw))
            // The table most subnets use explicitly; a main table only when no other routes there.
            .max_by_key(|t| (explicit(t), !is_main(t), t.route_table_id().map(str::to_string)))
            .and_then(|t| t.route_table_id())
            .map(str::to_string)
    });
    let mut associations = BTreeMap::new();
    let mut explicitly: BTreeMap<String, bool> = BTreeMap::new();
    let mut main_public = false;
    for t in tables {
        let public = gateway.as_deref().is_some_and(|igw| routes_to(t, igw));
        if is_main(t) {
            main_public = public;
        }
        for a in t.associations().iter().filter(|a| a.main() != Some(true)) {
            let Some(subnet) = a.subnet_id() else { continue };
            explicitly.insert(subnet.to_string(), public);
            if t.route_table_id() == public_table.as_deref() {
                if let Some(id) = a.route_table_association_id() {
                    associations.insert(subnet.to_string(), id.to_string());
                }
            }
        }
    }
    let public_subnets =
        subnet_ids.iter().filter(|s| explicitly.get(*s).copied().unwrap_or(main_public)).cloned().collect();
    let nats = read_nats(client, vpc_id, tables, &explicit).await?;
    let nat_tables: Vec<&str> = nats.iter().filter_map(|n| n.table.as_deref()).collect();
    let other_tables = tables
        .iter()
        .filter(|t| !is_main(t) && t.route_table_id() != public_table.as_deref())
        .filter(|t| !t.route_table_id().is_some_and(|id| nat_tables.contains(&id)))
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect();

    let listed = client
        .describe_security_groups()
        .filters(in_vpc())
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeSecurityGroups", e))?;
    let mut groups = Vec::new();
    let mut default_group = None;
    let mut listed: Vec<_> = listed
        .security_groups()
        .iter()
        .filter_map(|g| Some((g.group_id()?.to_string(), g.group_name() == Some("default"))))
        .collect();
    listed.sort();
    for (id, is_default) in listed {
        if is_default {
            default_group = Some(id);
            continue;
        }
        if let (Some(group), Some(rules)) = (net::read_group(client, &id).await?, net::read_rules(client, &id).await?) {
            groups.push(GroupDump { group, rules });
        }
    }
    Ok(Some(NetworkDump {
        vpc,
        subnets,
        gateway,
        public_table,
        associations,
        public_subnets,
        other_tables,
        nats,
        groups,
        default_group,
    }))
}

/// The VPC's NAT gateways with the route table through each.
async fn read_nats(
    client: &aws_sdk_ec2::Client,
    vpc_id: &str,
    tables: &[aws_sdk_ec2::types::RouteTable],
    explicit: &dyn Fn(&aws_sdk_ec2::types::RouteTable) -> usize,
) -> Result<Vec<NatDump>> {
    use aws_sdk_ec2::types::NatGatewayState;
    let listed = client
        .describe_nat_gateways()
        .filter(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeNatGateways", e))?;
    let mut out = Vec::new();
    for g in listed.nat_gateways() {
        if matches!(g.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)) {
            continue;
        }
        let (Some(id), Some(subnet)) = (g.nat_gateway_id(), g.subnet_id()) else { continue };
        let through = |t: &&aws_sdk_ec2::types::RouteTable| {
            t.routes().iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && r.nat_gateway_id() == Some(id))
        };
        let table = tables.iter().filter(through).max_by_key(|t| (explicit(t), t.route_table_id().map(str::to_string)));
        let associations = table
            .map(|t| {
                t.associations()
                    .iter()
                    .filter(|a| a.main() != Some(true))
                    .filter_map(|a| Some((a.subnet_id()?.to_string(), a.route_table_association_id()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.push(NatDump {
            id: id.to_string(),
            subnet: subnet.to_string(),
            allocation: g.nat_gateway_addresses().first().and_then(|a| a.allocation_id()).map(str::to_string),
            table: table.and_then(|t| t.route_table_id()).map(str::to_string),
            associations,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The instances (not terminated) in these VPCs that carry every `(key, value)` of `tags`,
/// in the model's shape (user data left out: drove cannot read it back into source), by id.
pub async fn read_instances(
    client: &aws_sdk_ec2::Client,
    vpc_ids: &[String],
    tags: &[(String, String)],
) -> Result<Vec<Live>> {
    if vpc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut filters = vec![Filter::builder().name("vpc-id").set_values(Some(vpc_ids.to_vec())).build()];
    filters.extend(tag_filters(tags));
    let mut ids: Vec<String> = super::ec2_instance::describe(client, filters)
        .await?
        .iter()
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    let mut by_id = super::ec2_instance::read(client, &ids, None).await?;
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// An AMI's name and owner, for an image pattern that matches exactly it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageName {
    pub name: String,
    pub owner: String,
}

/// The names and owners of these AMIs; one that is gone (deregistered) is absent.
pub async fn image_names(client: &aws_sdk_ec2::Client, ids: &[String]) -> Result<BTreeMap<String, ImageName>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let filter = Filter::builder().name("image-id").set_values(Some(chunk.to_vec())).build();
        let r =
            client.describe_images().filters(filter).send().await.map_err(|e| sdk_error("ec2 DescribeImages", e))?;
        for i in r.images() {
            if let (Some(id), Some(name), Some(owner)) = (i.image_id(), i.name(), i.owner_id()) {
                out.insert(id.to_string(), ImageName { name: name.to_string(), owner: owner.to_string() });
            }
        }
    }
    Ok(out)
}
