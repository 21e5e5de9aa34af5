//! Listing what exists in an account, for `drove import aws` and `drove inventory`: the
//! providers read resources by id; these find the ids in the first place. What they find
//! is read in the model's shape by the providers' own read functions.

use super::route53::{self as r53, zone_id};
use super::sdk_error;
use crate::checks::normalize_name;
use crate::error::{codes, EngineError, Result};
use crate::provider::Live;
use aws_sdk_ec2::types::Filter;
use serde_json::Value;
use std::collections::BTreeMap;

/// A hosted zone with its record sets (model shape, the zone's id in `zone`).
#[derive(Debug, Clone)]
pub struct ZoneDump {
    pub zone: Live,
    pub records: Vec<Value>,
}

impl ZoneDump {
    pub fn id(&self) -> &str {
        &self.zone.id
    }
    pub fn name(&self) -> &str {
        self.zone.attributes.get("name").and_then(Value::as_str).unwrap_or("")
    }
    pub fn private_vpcs(&self) -> Vec<String> {
        self.zone.attributes.get("private_vpcs").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
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

/// The zones named in `names` (every zone when `names` is empty), each with its records.
/// A name that matches no zone is an error: the user asked for it.
pub async fn read_zones(client: &aws_sdk_route53::Client, names: &[String], region: &str) -> Result<Vec<ZoneDump>> {
    let all = list_zones(client).await?;
    let wanted: Vec<String> = names.iter().map(|n| normalize_name(&format!("{}.", n.trim_end_matches('.')))).collect();
    for w in &wanted {
        if !all.iter().any(|(_, n)| n == w) {
            return Err(EngineError::new(codes::AWS_CALL, format!("no hosted zone is named {w}"))
                .with_help(format!("the account has {}", if all.is_empty() { "no hosted zones".to_string() } else { all.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ") })));
        }
    }
    let mut out = Vec::new();
    for (id, name) in all {
        if !wanted.is_empty() && !wanted.contains(&name) {
            continue;
        }
        let Some(zone) = r53::read_zone(client, &id, region).await? else { continue };
        let records = r53::list_zone(client, &id).await?;
        out.push(ZoneDump { zone, records });
    }
    Ok(out)
}

/// The health checks with these ids, each with its `Name` tag if it has one.
pub async fn read_health_checks(client: &aws_sdk_route53::Client, ids: &[String]) -> Result<Vec<(Live, Option<String>)>> {
    let mut out = Vec::new();
    for id in ids {
        let Some((live, _)) = r53::read_health_check(client, id).await? else {
            return Err(EngineError::new(codes::AWS_CALL, format!("a record uses health check {id}, which does not exist")));
        };
        let tags = client
            .list_tags_for_resource()
            .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
            .resource_id(id)
            .send()
            .await
            .map_err(|e| sdk_error("route53 ListTagsForResource", e))?;
        let name = tags
            .resource_tag_set()
            .and_then(|s| s.tags().iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value()).map(str::to_string));
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
pub async fn running_instances(client: &aws_sdk_ec2::Client, tags: &[(String, String)]) -> Result<Vec<RunningInstance>> {
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
                tags: i.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
