//! Route53: hosted zones, record sets and health checks in the model's shape. Record sets
//! are read a zone at a time (pages of 300, the API's most) and changed a zone at a time
//! in change batches; zones and health checks carry drove's tags.

use super::sdk_error;
use crate::checks::normalize_name;
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live, Operation};
use aws_sdk_route53::types::{
    AliasTarget, ChangeAction, ChangeBatch, ChangeStatus, GeoLocation, HealthCheckConfig, HealthCheckType, HostedZoneConfig,
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType, Tag, TagResourceType,
    Vpc, VpcRegion,
};
use aws_sdk_route53::Client;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn build_err(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("cannot build the {what} request: {e}"))
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

pub fn zone_id(raw: &str) -> String {
    raw.trim_start_matches("/hostedzone/").to_string()
}

pub fn record_id(zone: &str, attrs: &Value) -> String {
    format!(
        "{zone}/{}/{}/{}",
        normalize_name(s(attrs, "name").unwrap_or("")),
        s(attrs, "type").unwrap_or(""),
        s(attrs, "set_identifier").unwrap_or("")
    )
}

/// A live record set in the model's shape; only fields that are set appear, as the
/// compiler leaves unset routing fields out.
pub fn record_to_model(zone: &str, r: &ResourceRecordSet) -> Value {
    let mut m = Map::new();
    m.insert("zone".into(), json!(zone));
    m.insert("name".into(), json!(normalize_name(r.name())));
    m.insert("type".into(), json!(r.r#type().as_str()));
    if let Some(a) = r.alias_target() {
        m.insert(
            "alias".into(),
            json!({"dns_name": normalize_name(a.dns_name()), "zone_id": a.hosted_zone_id(), "evaluate_health": a.evaluate_target_health()}),
        );
    } else {
        if let Some(t) = r.ttl() {
            m.insert("ttl".into(), json!(t));
        }
        m.insert("values".into(), json!(r.resource_records().iter().map(|v| v.value()).collect::<Vec<_>>()));
    }
    if let Some(x) = r.set_identifier() {
        m.insert("set_identifier".into(), json!(x));
    }
    if let Some(x) = r.weight() {
        m.insert("weight".into(), json!(x));
    }
    if let Some(x) = r.failover() {
        m.insert("failover".into(), json!(x.as_str()));
    }
    if let Some(g) = r.geo_location() {
        let mut o = Map::new();
        if let Some(c) = g.continent_code() {
            o.insert("continent".into(), json!(c));
        }
        if let Some(c) = g.country_code() {
            o.insert("country".into(), json!(c));
        }
        if let Some(c) = g.subdivision_code() {
            o.insert("subdivision".into(), json!(c));
        }
        m.insert("geolocation".into(), Value::Object(o));
    }
    if let Some(x) = r.region() {
        m.insert("region".into(), json!(x.as_str()));
    }
    if let Some(x) = r.multi_value_answer() {
        m.insert("multivalue".into(), json!(x));
    }
    if let Some(x) = r.health_check_id() {
        m.insert("health_check".into(), json!(x));
    }
    Value::Object(m)
}

fn model_to_record(v: &Value) -> Result<ResourceRecordSet> {
    let name = s(v, "name").unwrap_or("").to_ascii_lowercase();
    let mut b = ResourceRecordSet::builder().name(name).r#type(RrType::from(s(v, "type").unwrap_or("")));
    if let Some(a) = v.get("alias").filter(|a| !a.is_null()) {
        b = b.alias_target(
            AliasTarget::builder()
                .dns_name(s(a, "dns_name").unwrap_or(""))
                .hosted_zone_id(s(a, "zone_id").unwrap_or(""))
                .evaluate_target_health(a.get("evaluate_health").and_then(Value::as_bool).unwrap_or(false))
                .build()
                .map_err(|e| build_err("alias", e))?,
        );
    } else {
        if let Some(t) = v.get("ttl").and_then(Value::as_i64) {
            b = b.ttl(t);
        }
        for value in v.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
            b = b.resource_records(ResourceRecord::builder().value(text).build().map_err(|e| build_err("record", e))?);
        }
    }
    if let Some(x) = s(v, "set_identifier") {
        b = b.set_identifier(x);
    }
    if let Some(x) = v.get("weight").and_then(Value::as_i64) {
        b = b.weight(x);
    }
    if let Some(x) = s(v, "failover") {
        b = b.failover(ResourceRecordSetFailover::from(x.to_ascii_uppercase().as_str()));
    }
    if let Some(g) = v.get("geolocation").filter(|g| g.is_object()) {
        let mut gb = GeoLocation::builder();
        if let Some(c) = s(g, "continent") {
            gb = gb.continent_code(c);
        }
        if let Some(c) = s(g, "country") {
            gb = gb.country_code(c);
        }
        if let Some(c) = s(g, "subdivision") {
            gb = gb.subdivision_code(c);
        }
        b = b.geo_location(gb.build());
    }
    if let Some(x) = s(v, "region") {
        b = b.region(ResourceRecordSetRegion::from(x));
    }
    if let Some(x) = v.get("multivalue").and_then(Value::as_bool) {
        b = b.multi_value_answer(x);
    }
    if let Some(x) = s(v, "health_check") {
        b = b.health_check_id(x);
    }
    b.build().map_err(|e| build_err("record set", e))
}

/// Every record set of a zone, following pages of 300.
pub async fn list_zone(client: &Client, zone: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = client.list_resource_record_sets().hosted_zone_id(zone).max_items(300);
        if let Some((name, ty, ident)) = &start {
            req = req.start_record_name(name).start_record_type(ty.clone());
            if let Some(i) = ident {
                req = req.start_record_identifier(i);
            }
        }
        let page = req.send().await.map_err(|e| sdk_error("route53 ListResourceRecordSets", e))?;
        out.extend(page.resource_record_sets().iter().map(|r| record_to_model(zone, r)));
        match (page.is_truncated(), page.next_record_name(), page.next_record_type()) {
            (true, Some(n), Some(t)) => {
                let next = (n.to_string(), t.clone(), page.next_record_identifier().map(str::to_string));
                // An endpoint that ignores the start identifier would loop forever.
                if start.as_ref() == Some(&next) {
                    return Err(EngineError::new(codes::AWS_CALL, format!("route53 pagination of zone {zone} does not advance at {n}")));
                }
                start = Some(next);
            }
            _ => break,
        }
    }
    Ok(out)
}

/// Sends one change batch (deletes first, so a CNAME↔A swap of one name is valid) and
/// waits for it to be in sync.
pub async fn change_records(client: &Client, zone: &str, changes: &[Change]) -> Result<Vec<Option<Live>>> {
    let mut ordered: Vec<&Change> = changes.iter().filter(|c| c.operation == Operation::Delete).collect();
    ordered.extend(changes.iter().filter(|c| c.operation != Operation::Delete));
    let mut batch = ChangeBatch::builder().comment(format!("drove: {} changes", changes.len()));
    for c in &ordered {
        let (action, body) = match c.operation {
            Operation::Delete => (ChangeAction::Delete, &c.before),
            Operation::Create => (ChangeAction::Create, &c.after),
            Operation::Update => (ChangeAction::Upsert, &c.after),
        };
        if c.operation != Operation::Delete {
            crate::checks::check_values(&c.address, body)?;
        }
        batch = batch.changes(
            aws_sdk_route53::types::Change::builder()
                .action(action)
                .resource_record_set(model_to_record(body)?)
                .build()
                .map_err(|e| build_err("change", e))?,
        );
    }
    let out = client
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch.build().map_err(|e| build_err("change batch", e))?)
        .send()
        .await
        .map_err(|e| sdk_error("route53 ChangeResourceRecordSets", e))?;
    if let Some(info) = out.change_info() {
        wait_in_sync(client, info.id(), info.status()).await?;
    }
    Ok(changes
        .iter()
        .map(|c| match c.operation {
            Operation::Delete => None,
            _ => {
                let attrs = record_to_model(zone, &model_to_record(&c.after).ok()?);
                let mut outputs = Map::new();
                outputs.insert("fqdn".into(), json!(s(&c.after, "name").unwrap_or("")));
                Some(Live { id: record_id(zone, &attrs), attributes: attrs, outputs })
            }
        })
        .collect())
}

async fn wait_in_sync(client: &Client, id: &str, status: &ChangeStatus) -> Result<()> {
    if *status == ChangeStatus::Insync {
        return Ok(());
    }
    let mut delay = Duration::from_millis(500);
    for _ in 0..60 {
        tokio::time::sleep(delay).await;
        let r = client.get_change().id(id).send().await.map_err(|e| sdk_error("route53 GetChange", e))?;
        if r.change_info().map(|i| *i.status() == ChangeStatus::Insync).unwrap_or(true) {
            return Ok(());
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
    Err(EngineError::new(codes::AWS_CALL, format!("route53 change {id} did not reach INSYNC in time")))
}

fn drove_tags(stack: &str, address: &str, tags: Option<&Value>) -> Vec<Tag> {
    let mut all: BTreeMap<String, String> = BTreeMap::new();
    if let Some(o) = tags.and_then(Value::as_object) {
        for (k, v) in o {
            all.insert(k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    all.insert("drove:stack".into(), stack.into());
    all.insert("drove:address".into(), address.into());
    all.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn read_tags(client: &Client, kind: TagResourceType, id: &str) -> Result<BTreeMap<String, String>> {
    let r = client
        .list_tags_for_resource()
        .resource_type(kind)
        .resource_id(id)
        .send()
        .await
        .map_err(|e| sdk_error("route53 ListTagsForResource", e))?;
    Ok(r
        .resource_tag_set()
        .map(|t| t.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect())
        .unwrap_or_default())
}

/// User tags only: drove's own are how it finds things, not part of the model.
fn user_tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Object(tags.iter().filter(|(k, _)| !k.starts_with("drove:")).map(|(k, v)| (k.clone(), json!(v))).collect())
}

async fn set_tags(client: &Client, kind: TagResourceType, id: &str, tags: Vec<Tag>, remove: Vec<String>) -> Result<()> {
    let mut req = client.change_tags_for_resource().resource_type(kind).resource_id(id).set_add_tags(Some(tags));
    if !remove.is_empty() {
        req = req.set_remove_tag_keys(Some(remove));
    }
    req.send().await.map_err(|e| sdk_error("route53 ChangeTagsForResource", e))?;
    Ok(())
}

pub async fn read_zone(client: &Client, id: &str, region: &str) -> Result<Option<Live>> {
    let r = match client.get_hosted_zone().id(id).send().await {
        Ok(r) => r,
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_hosted_zone()) => return Ok(None),
        Err(e) => return Err(sdk_error("route53 GetHostedZone", e)),
    };
    let Some(z) = r.hosted_zone() else { return Ok(None) };
    let tags = read_tags(client, TagResourceType::Hostedzone, id).await?;
    let private = z.config().is_some_and(|c| c.private_zone());
    let vpcs: Vec<&str> = r.vpcs().iter().filter(|v| v.vpc_region().is_none_or(|r| r.as_str() == region)).filter_map(|v| v.vpc_id()).collect();
    let mut attrs = json!({
        "name": normalize_name(z.name()),
        "comment": z.config().and_then(|c| c.comment()).unwrap_or(""),
        "private_vpcs": if private { json!(vpcs) } else { json!([]) },
        "tags": user_tags(&tags),
    });
    if let Some(o) = attrs.as_object_mut() {
        if o.get("comment") == Some(&json!("")) {
            o.insert("comment".into(), Value::Null);
        }
    }
    let mut outputs = Map::new();
    outputs.insert("id".into(), json!(id));
    if let Some(d) = r.delegation_set() {
        outputs.insert("name_servers".into(), json!(d.name_servers()));
    }
    Ok(Some(Live { id: id.to_string(), attributes: attrs, outputs }))
}

pub async fn create_zone(client: &Client, c: &Change, stack: &str, region: &str, token: &str) -> Result<Live> {
    let a = &c.after;
    let name = s(a, "name").unwrap_or("");
    let vpcs: Vec<&str> = a.get("private_vpcs").and_then(Value::as_array).map(|v| v.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let mut conf = HostedZoneConfig::builder().private_zone(!vpcs.is_empty());
    if let Some(cm) = s(a, "comment") {
        conf = conf.comment(cm);
    }
    let mut req = client.create_hosted_zone().name(name).caller_reference(token).hosted_zone_config(conf.build());
    if let Some(first) = vpcs.first() {
        req = req.vpc(Vpc::builder().vpc_id(*first).vpc_region(VpcRegion::from(region)).build());
    }
    let out = req.send().await.map_err(|e| sdk_error("route53 CreateHostedZone", e))?;
    let id = zone_id(out.hosted_zone().map(|z| z.id()).unwrap_or(""));
    set_tags(client, TagResourceType::Hostedzone, &id, drove_tags(stack, &c.address, a.get("tags")), vec![]).await?;
    for vpc in vpcs.iter().skip(1) {
        client
            .associate_vpc_with_hosted_zone()
            .hosted_zone_id(&id)
            .vpc(Vpc::builder().vpc_id(*vpc).vpc_region(VpcRegion::from(region)).build())
            .send()
            .await
            .map_err(|e| sdk_error("route53 AssociateVPCWithHostedZone", e))?;
    }
    read_zone(client, &id, region)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("hosted zone {id} vanished right after it was created")))
}

pub async fn update_zone(client: &Client, c: &Change, stack: &str, region: &str) -> Result<Live> {
    let id = c.id.clone().unwrap_or_default();
    if c.after.get("comment") != c.before.get("comment") {
        client
            .update_hosted_zone_comment()
            .id(&id)
            .comment(s(&c.after, "comment").unwrap_or(""))
            .send()
            .await
            .map_err(|e| sdk_error("route53 UpdateHostedZoneComment", e))?;
    }
    if c.after.get("tags") != c.before.get("tags") {
        let removed: Vec<String> = c
            .before
            .get("tags")
            .and_then(Value::as_object)
            .map(|o| o.keys().filter(|k| c.after.get("tags").and_then(|t| t.get(k.as_str())).is_none()).cloned().collect())
            .unwrap_or_default();
        set_tags(client, TagResourceType::Hostedzone, &id, drove_tags(stack, &c.address, c.after.get("tags")), removed).await?;
    }
    read_zone(client, &id, region).await?.ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("hosted zone {id} is gone")))
}

pub async fn delete_zone(client: &Client, id: &str) -> Result<()> {
    match client.delete_hosted_zone().id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_hosted_zone()) => Ok(()),
        Err(e) => Err(sdk_error("route53 DeleteHostedZone", e)),
    }
}

/// Zones named `name` that carry this stack's and address's tags, or carry no drove tags
/// but were created with a token for this address (the run died between creating the
/// zone and tagging it; the next apply writes the tags).
pub async fn find_zone(client: &Client, name: &str, stack: &str, address: &str, region: &str) -> Result<Option<Live>> {
    let r = client
        .list_hosted_zones_by_name()
        .dns_name(name)
        .max_items(100)
        .send()
        .await
        .map_err(|e| sdk_error("route53 ListHostedZonesByName", e))?;
    for z in r.hosted_zones().iter().filter(|z| normalize_name(z.name()) == normalize_name(name)) {
        let id = zone_id(z.id());
        let tags = read_tags(client, TagResourceType::Hostedzone, &id).await?;
        if tags.get("drove:stack").map(String::as_str) == Some(stack) && tags.get("drove:address").map(String::as_str) == Some(address) {
            return read_zone(client, &id, region).await;
        }
        let untagged = !tags.contains_key("drove:stack");
        let ours = z.caller_reference().starts_with("drove-") && z.caller_reference().ends_with(&crate::apply::token_suffix(address));
        if untagged && ours {
            return read_zone(client, &id, region).await;
        }
    }
    Ok(None)
}

/// The health check carrying this stack's and address's tags, or no drove tags but a
/// token for this address (a run that died between creating it and writing the state, or
/// before tagging it, left it there).
pub async fn find_health_check(client: &Client, stack: &str, address: &str) -> Result<Option<Live>> {
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_health_checks()
            .set_marker(marker.take())
            .max_items(100)
            .send()
            .await
            .map_err(|e| sdk_error("route53 ListHealthChecks", e))?;
        for h in page.health_checks() {
            let tags = read_tags(client, TagResourceType::Healthcheck, h.id()).await?;
            let tagged = tags.get("drove:stack").map(String::as_str) == Some(stack) && tags.get("drove:address").map(String::as_str) == Some(address);
            let created_untagged = !tags.contains_key("drove:stack")
                && h.caller_reference().starts_with("drove-")
                && h.caller_reference().ends_with(&crate::apply::token_suffix(address));
            if tagged || created_untagged {
                return Ok(read_health_check(client, h.id()).await?.map(|x| x.0));
            }
        }
        match page.next_marker() {
            Some(m) if page.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    }
}

fn health_config(a: &Value) -> Result<HealthCheckConfig> {
    let mut b = HealthCheckConfig::builder().r#type(HealthCheckType::from(s(a, "type").unwrap_or("").to_ascii_uppercase().as_str()));
    if let Some(x) = s(a, "fqdn") {
        b = b.fully_qualified_domain_name(x.trim_end_matches('.'));
    }
    if let Some(x) = s(a, "ip") {
        b = b.ip_address(x);
    }
    if let Some(x) = a.get("port").and_then(Value::as_i64) {
        b = b.port(x as i32);
    }
    if let Some(x) = s(a, "resource_path") {
        b = b.resource_path(x);
    }
    if let Some(x) = a.get("request_interval").and_then(Value::as_i64) {
        b = b.request_interval(x as i32);
    }
    if let Some(x) = a.get("failure_threshold").and_then(Value::as_i64) {
        b = b.failure_threshold(x as i32);
    }
    b.build().map_err(|e| build_err("health check", e))
}

pub async fn read_health_check(client: &Client, id: &str) -> Result<Option<(Live, i64)>> {
    let r = match client.get_health_check().health_check_id(id).send().await {
        Ok(r) => r,
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_health_check()) => return Ok(None),
        Err(e) => return Err(sdk_error("route53 GetHealthCheck", e)),
    };
    let Some(h) = r.health_check() else { return Ok(None) };
    let Some(c) = h.health_check_config() else { return Ok(None) };
    let mut m = Map::new();
    m.insert("type".into(), json!(c.r#type().as_str()));
    if let Some(x) = c.fully_qualified_domain_name() {
        m.insert("fqdn".into(), json!(format!("{}.", x.trim_end_matches('.'))));
    }
    if let Some(x) = c.ip_address() {
        m.insert("ip".into(), json!(x));
    }
    if let Some(x) = c.port() {
        m.insert("port".into(), json!(x));
    }
    if let Some(x) = c.resource_path() {
        m.insert("resource_path".into(), json!(x));
    }
    if let Some(x) = c.request_interval() {
        m.insert("request_interval".into(), json!(x));
    }
    if let Some(x) = c.failure_threshold() {
        m.insert("failure_threshold".into(), json!(x));
    }
    let mut outputs = Map::new();
    outputs.insert("id".into(), json!(id));
    Ok(Some((Live { id: id.to_string(), attributes: Value::Object(m), outputs }, h.health_check_version())))
}

pub async fn create_health_check(client: &Client, c: &Change, stack: &str, token: &str) -> Result<Live> {
    let out = client
        .create_health_check()
        .caller_reference(token)
        .health_check_config(health_config(&c.after)?)
        .send()
        .await
        .map_err(|e| sdk_error("route53 CreateHealthCheck", e))?;
    let id = out.health_check().map(|h| h.id().to_string()).unwrap_or_default();
    set_tags(client, TagResourceType::Healthcheck, &id, drove_tags(stack, &c.address, None), vec![]).await?;
    read_health_check(client, &id)
        .await?
        .map(|x| x.0)
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("health check {id} vanished right after it was created")))
}

pub async fn update_health_check(client: &Client, c: &Change) -> Result<Live> {
    let id = c.id.clone().unwrap_or_default();
    let (_, version) = read_health_check(client, &id)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("health check {id} is gone")))?;
    let a = &c.after;
    let mut req = client.update_health_check().health_check_id(&id).health_check_version(version);
    if let Some(x) = s(a, "fqdn") {
        req = req.fully_qualified_domain_name(x.trim_end_matches('.'));
    }
    if let Some(x) = s(a, "ip") {
        req = req.ip_address(x);
    }
    if let Some(x) = a.get("port").and_then(Value::as_i64) {
        req = req.port(x as i32);
    }
    if let Some(x) = s(a, "resource_path") {
        req = req.resource_path(x);
    }
    if let Some(x) = a.get("failure_threshold").and_then(Value::as_i64) {
        req = req.failure_threshold(x as i32);
    }
    req.send().await.map_err(|e| sdk_error("route53 UpdateHealthCheck", e))?;
    read_health_check(client, &id).await?.map(|x| x.0).ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("health check {id} is gone")))
}

pub async fn delete_health_check(client: &Client, id: &str) -> Result<()> {
    match client.delete_health_check().health_check_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_health_check()) => Ok(()),
        Err(e) => Err(sdk_error("route53 DeleteHealthCheck", e)),
    }
}
