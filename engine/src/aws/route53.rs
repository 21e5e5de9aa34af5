//! Route53: hosted zones, record sets and health checks in the model's shape. Record sets
//! are read a zone at a time (pages of 300, the API's most) and changed a zone at a time
//! in change batches; zones and health checks carry drove's tags.
//!
//! Each kind is its model struct on both sides: changes are read typed, and live views
//! (zone listings included) are built as `RecordSet`, `HostedZone` and `HealthCheck`.

use super::ec2_tags::{Owner, ADDRESS_TAG, LINEAGE_TAG, STACK_TAG};
use super::{after, before, sdk_error, view};
use crate::checks::normalize_name;
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live, Operation};
use aws_sdk_route53::types::{
    AliasTarget, ChangeAction, ChangeBatch, ChangeStatus, GeoLocation, HealthCheckConfig, HealthCheckType,
    HostedZoneConfig, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
    Tag, TagResourceType, Vpc, VpcRegion,
};
use aws_sdk_route53::Client;
use drove_compiler::model::record_set::{Alias, Geolocation, Routing};
use drove_compiler::model::{HealthCheck, HostedZone, RecordSet, Tags, Val};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn build_err(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("cannot build the {what} request: {e}"))
}

pub fn zone_id(raw: &str) -> String {
    raw.trim_start_matches("/hostedzone/").to_string()
}

/// The id drove gives a record set: its zone, normalised name, type and set identifier.
pub fn record_key(zone: &str, set: &RecordSet) -> String {
    let (name, rtype, ident) = set.key();
    format!("{zone}/{}/{rtype}/{}", normalize_name(name), ident.unwrap_or(""))
}

/// [`record_key`] of a record set's attributes in JSON (the model's or a live view);
/// attributes that are no record set give the key of nothing.
pub fn record_id(zone: &str, attrs: &Value) -> String {
    match serde_json::from_value::<RecordSet>(attrs.clone()) {
        Ok(set) => record_key(zone, &set),
        Err(_) => format!("{zone}///"),
    }
}

/// A live record set as the model writes it: only the routing fields that are set, values
/// or an alias.
pub fn record_to_model(zone: &str, r: &ResourceRecordSet) -> RecordSet {
    let (ttl, values, alias) = match r.alias_target() {
        Some(a) => {
            let alias = Alias {
                dns_name: Val::Lit(normalize_name(a.dns_name())),
                zone_id: Some(Val::Lit(a.hosted_zone_id().to_string())),
                evaluate_health: a.evaluate_target_health(),
            };
            (None, None, Some(alias))
        }
        None => {
            let values = r.resource_records().iter().map(|v| Val::Lit(v.value().to_string())).collect();
            (r.ttl().and_then(|t| u64::try_from(t).ok()), Some(values), None)
        }
    };
    let routing = Routing {
        set_identifier: r.set_identifier().map(str::to_string),
        weight: r.weight().and_then(|w| u64::try_from(w).ok()),
        failover: r.failover().map(|f| f.as_str().to_string()),
        geolocation: r.geo_location().map(|g| Geolocation {
            continent: g.continent_code().map(str::to_string),
            country: g.country_code().map(str::to_string),
            subdivision: g.subdivision_code().map(str::to_string),
        }),
        region: r.region().map(|x| x.as_str().to_string()),
        multivalue: r.multi_value_answer(),
        health_check: r.health_check_id().map(|h| Val::Lit(h.to_string())),
    };
    RecordSet {
        zone: Val::Lit(zone.to_string()),
        name: normalize_name(r.name()),
        rtype: r.r#type().as_str().to_string(),
        ttl,
        values,
        alias,
        routing,
    }
}

/// A resolved value's text (apply time resolves every reference; one that is not is sent
/// as its JSON, which Route53 refuses with its own message).
fn value_text(v: &Val<String>) -> String {
    v.text().map(str::to_string).unwrap_or_else(|| crate::provider::attributes(v).to_string())
}

fn model_to_record(set: &RecordSet) -> Result<ResourceRecordSet> {
    let mut b =
        ResourceRecordSet::builder().name(set.name.to_ascii_lowercase()).r#type(RrType::from(set.rtype.as_str()));
    if let Some(a) = &set.alias {
        b = b.alias_target(
            AliasTarget::builder()
                .dns_name(a.dns_name.text().unwrap_or_default())
                .hosted_zone_id(a.zone_id.as_ref().and_then(Val::text).unwrap_or(""))
                .evaluate_target_health(a.evaluate_health)
                .build()
                .map_err(|e| build_err("alias", e))?,
        );
    } else {
        if let Some(t) = set.ttl.and_then(|t| i64::try_from(t).ok()) {
            b = b.ttl(t);
        }
        for value in set.values.iter().flatten() {
            let record = ResourceRecord::builder().value(value_text(value)).build();
            b = b.resource_records(record.map_err(|e| build_err("record", e))?);
        }
    }
    let r = &set.routing;
    if let Some(x) = &r.set_identifier {
        b = b.set_identifier(x);
    }
    if let Some(x) = r.weight.and_then(|w| i64::try_from(w).ok()) {
        b = b.weight(x);
    }
    if let Some(x) = &r.failover {
        b = b.failover(ResourceRecordSetFailover::from(x.to_ascii_uppercase().as_str()));
    }
    if let Some(g) = &r.geolocation {
        let gb = GeoLocation::builder()
            .set_continent_code(g.continent.clone())
            .set_country_code(g.country.clone())
            .set_subdivision_code(g.subdivision.clone());
        b = b.geo_location(gb.build());
    }
    if let Some(x) = &r.region {
        b = b.region(ResourceRecordSetRegion::from(x.as_str()));
    }
    if let Some(x) = r.multivalue {
        b = b.multi_value_answer(x);
    }
    if let Some(x) = r.health_check.as_ref().and_then(Val::text) {
        b = b.health_check_id(x);
    }
    b.build().map_err(|e| build_err("record set", e))
}

/// Every record set of a zone, following pages of 300.
pub async fn list_zone(client: &Client, zone: &str) -> Result<Vec<RecordSet>> {
    list_zone_from(client, zone, &[]).await
}

/// Route53 returns a zone's record sets a page of 300 at a time, each page asked for
/// with where the previous one ended, so a 10,000-record zone costs 34 round trips in a
/// row. With `starts` (names and types known to be in the zone, in Route53's order, about
/// a page apart) the pages are read side by side: each segment from its start until it
/// meets the next segment's start. A segment stops only on that exact record set, never on
/// a guess about Route53's order, so a start that is gone from the zone costs reads, not
/// records.
pub async fn list_zone_from(client: &Client, zone: &str, starts: &[(String, String)]) -> Result<Vec<RecordSet>> {
    let mut bounds: Vec<Option<&(String, String)>> = vec![None];
    bounds.extend(starts.iter().map(Some));
    let segments: Vec<_> = (0..bounds.len())
        .map(|i| list_segment(client, zone, bounds[i], bounds.get(i + 1).copied().flatten()))
        .collect();
    let pages: Vec<Vec<RecordSet>> = stream::iter(segments).buffered(SEGMENTS_AT_ONCE).try_collect().await?;
    let mut seen = std::collections::HashSet::new();
    Ok(pages.into_iter().flatten().filter(|r| seen.insert(record_key(zone, r))).collect())
}

/// Segments of one zone read at once. Route53 throttles an account's requests with token
/// buckets (a burst of 50 and 10 a second, account-wide and per operation, in its
/// throttling guide since change-based throttling), so a 10,000-record zone's 34 pages
/// fit one burst; more at once would only crowd other callers of the same account, and
/// the SDK retries a throttled call.
const SEGMENTS_AT_ONCE: usize = 8;

async fn list_segment(
    client: &Client,
    zone: &str,
    from: Option<&(String, String)>,
    until: Option<&(String, String)>,
) -> Result<Vec<RecordSet>> {
    let is_until = |name: &str, ty: &str| until.is_some_and(|(n, t)| names_equal(n, name) && t == ty);
    let mut out = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> =
        from.map(|(n, t)| (n.clone(), RrType::from(t.as_str()), None));
    loop {
        let mut req = client.list_resource_record_sets().hosted_zone_id(zone).max_items(300);
        if let Some((name, ty, ident)) = &start {
            req = req.start_record_name(name).start_record_type(ty.clone());
            if let Some(i) = ident {
                req = req.start_record_identifier(i);
            }
        }
        let page = req.send().await.map_err(|e| sdk_error("route53 ListResourceRecordSets", e))?;
        for r in page.resource_record_sets() {
            let set = record_to_model(zone, r);
            if is_until(&set.name, &set.rtype) {
                return Ok(out);
            }
            out.push(set);
        }
        match (page.is_truncated(), page.next_record_name(), page.next_record_type()) {
            (true, Some(n), Some(t)) => {
                if is_until(&normalize_name(n), t.as_str()) {
                    return Ok(out);
                }
                let next = (n.to_string(), t.clone(), page.next_record_identifier().map(str::to_string));
                // An endpoint that ignores the start identifier would loop forever.
                if start.as_ref() == Some(&next) {
                    return Err(EngineError::new(
                        codes::AWS_CALL,
                        format!("route53 pagination of zone {zone} does not advance at {n}"),
                    ));
                }
                start = Some(next);
            }
            _ => return Ok(out),
        }
    }
}

fn names_equal(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// Where to start reading each segment of a zone whose record sets include `known`
/// (name, type): every `page`th of them in Route53's order (names compared label by
/// label from the right, then types), the first segment starting at the zone's top.
pub fn segment_starts(mut known: Vec<(String, String)>, page: usize) -> Vec<(String, String)> {
    let order = |n: &str| -> Vec<String> { n.trim_end_matches('.').rsplit('.').map(str::to_ascii_lowercase).collect() };
    // Weighted sets share a name and type and are each a record set of the page: none is
    // dropped, or the segments would be longer than a page.
    known.sort_by_cached_key(|(n, t)| (order(n), t.clone()));
    known.into_iter().skip(page.max(1)).step_by(page.max(1)).collect()
}

/// A record set's live view: its key as id, its name as the `fqdn` output.
pub fn record_live(zone: &str, set: &RecordSet) -> Live {
    let mut outputs = Map::new();
    outputs.insert("fqdn".into(), Value::String(set.name.clone()));
    Live::new(record_key(zone, set), view(set, []), outputs)
}

/// Sends one change batch (deletes first, so a CNAME↔A swap of one name is valid) and
/// waits for it to be in sync.
pub async fn change_records(client: &Client, zone: &str, changes: &[Change]) -> Result<Vec<Option<Live>>> {
    let mut ordered: Vec<&Change> = changes.iter().filter(|c| c.operation == Operation::Delete).collect();
    ordered.extend(changes.iter().filter(|c| c.operation != Operation::Delete));
    let mut batch = ChangeBatch::builder().comment(format!("drove: {} changes", changes.len()));
    for c in &ordered {
        let (action, set): (ChangeAction, RecordSet) = match c.operation {
            Operation::Delete => (ChangeAction::Delete, before(c)?),
            Operation::Create => (ChangeAction::Create, after(c)?),
            Operation::Update => (ChangeAction::Upsert, after(c)?),
        };
        if c.operation != Operation::Delete {
            crate::checks::check_values(&c.address, &c.after)?;
        }
        batch = batch.changes(
            aws_sdk_route53::types::Change::builder()
                .action(action)
                .resource_record_set(model_to_record(&set)?)
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
                let want: RecordSet = after(c).ok()?;
                // What Route53 now holds is what was sent: the sent record read back.
                let set = record_to_model(zone, &model_to_record(&want).ok()?);
                let mut live = record_live(zone, &set);
                live.outputs.insert("fqdn".into(), Value::String(want.name));
                Some(live)
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

fn drove_tags(owner: &Owner, tags: Option<&Tags>) -> Vec<Tag> {
    owner.with(tags).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The lineage prefix a drove token carries (`drove-<lineage prefix>-<serial>-<hash>`),
/// for a resource created by a run that died before tagging it.
fn token_owner(token: &str) -> Option<String> {
    let rest = token.strip_prefix("drove-")?;
    let prefix = rest.split('-').next()?;
    (prefix.len() == 16 && prefix.bytes().all(|b| b.is_ascii_hexdigit())).then(|| prefix.to_string())
}

async fn read_tags(client: &Client, kind: TagResourceType, id: &str) -> Result<BTreeMap<String, String>> {
    let r = client
        .list_tags_for_resource()
        .resource_type(kind)
        .resource_id(id)
        .send()
        .await
        .map_err(|e| sdk_error("route53 ListTagsForResource", e))?;
    Ok(r.resource_tag_set()
        .map(|t| {
            t.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect()
        })
        .unwrap_or_default())
}

/// User tags only: drove's own are how it finds things, not part of the model.
fn user_tags(tags: &BTreeMap<String, String>) -> Tags {
    tags.iter().filter(|(k, _)| !k.starts_with("drove:")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

async fn set_tags(client: &Client, kind: TagResourceType, id: &str, tags: Vec<Tag>, remove: Vec<String>) -> Result<()> {
    let mut req = client.change_tags_for_resource().resource_type(kind).resource_id(id).set_add_tags(Some(tags));
    if !remove.is_empty() {
        req = req.set_remove_tag_keys(Some(remove));
    }
    req.send().await.map_err(|e| sdk_error("route53 ChangeTagsForResource", e))?;
    Ok(())
}

/// A hosted zone as the model writes it (its VPCs in this region), with its live view.
pub async fn read_zone_typed(client: &Client, id: &str, region: &str) -> Result<Option<(HostedZone, Live)>> {
    let r = match client.get_hosted_zone().id(id).send().await {
        Ok(r) => r,
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_hosted_zone()) => return Ok(None),
        Err(e) => return Err(sdk_error("route53 GetHostedZone", e)),
    };
    let Some(z) = r.hosted_zone() else { return Ok(None) };
    let tags = read_tags(client, TagResourceType::Hostedzone, id).await?;
    let private = z.config().is_some_and(|c| c.private_zone());
    let vpcs: Vec<Val<String>> = r
        .vpcs()
        .iter()
        .filter(|v| v.vpc_region().is_none_or(|r| r.as_str() == region))
        .filter_map(|v| v.vpc_id())
        .map(|v| Val::Lit(v.to_string()))
        .collect();
    let zone = HostedZone {
        name: normalize_name(z.name()),
        comment: z.config().and_then(|c| c.comment()).filter(|c| !c.is_empty()).map(str::to_string),
        private_vpcs: if private { vpcs } else { Vec::new() },
        tags: user_tags(&tags),
        unmanaged: Default::default(),
    };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.to_string()));
    if let Some(d) = r.delegation_set() {
        let servers = d.name_servers().iter().map(|n| Value::String(n.clone())).collect();
        outputs.insert("name_servers".into(), Value::Array(servers));
    }
    let live = Live::new(id, view(&zone, []), outputs).owned_by(tags.get(LINEAGE_TAG).cloned());
    Ok(Some((zone, live)))
}

pub async fn read_zone(client: &Client, id: &str, region: &str) -> Result<Option<Live>> {
    Ok(read_zone_typed(client, id, region).await?.map(|(_, live)| live))
}

pub async fn create_zone(client: &Client, c: &Change, stack: &str, region: &str, token: &str) -> Result<Live> {
    let want: HostedZone = after(c)?;
    let vpcs: Vec<&str> = want.private_vpcs.iter().filter_map(Val::text).collect();
    let mut conf = HostedZoneConfig::builder().private_zone(!vpcs.is_empty());
    if let Some(cm) = &want.comment {
        conf = conf.comment(cm);
    }
    let mut req = client.create_hosted_zone().name(&want.name).caller_reference(token).hosted_zone_config(conf.build());
    if let Some(first) = vpcs.first() {
        req = req.vpc(Vpc::builder().vpc_id(*first).vpc_region(VpcRegion::from(region)).build());
    }
    let out = req.send().await.map_err(|e| sdk_error("route53 CreateHostedZone", e))?;
    let id = zone_id(out.hosted_zone().map(|z| z.id()).unwrap_or(""));
    set_tags(client, TagResourceType::Hostedzone, &id, drove_tags(&Owner::of(stack, c), Some(&want.tags)), vec![])
        .await?;
    for vpc in vpcs.iter().skip(1) {
        client
            .associate_vpc_with_hosted_zone()
            .hosted_zone_id(&id)
            .vpc(Vpc::builder().vpc_id(*vpc).vpc_region(VpcRegion::from(region)).build())
            .send()
            .await
            .map_err(|e| sdk_error("route53 AssociateVPCWithHostedZone", e))?;
    }
    read_zone(client, &id, region).await?.ok_or_else(|| {
        EngineError::new(codes::AWS_CALL, format!("hosted zone {id} vanished right after it was created"))
    })
}

pub async fn update_zone(client: &Client, c: &Change, stack: &str, region: &str) -> Result<Live> {
    let id = c.id.clone().unwrap_or_default();
    let (want, have): (HostedZone, HostedZone) = (after(c)?, before(c)?);
    if want.comment != have.comment {
        client
            .update_hosted_zone_comment()
            .id(&id)
            .comment(want.comment.as_deref().unwrap_or(""))
            .send()
            .await
            .map_err(|e| sdk_error("route53 UpdateHostedZoneComment", e))?;
    }
    if want.tags != have.tags || c.claim {
        let removed: Vec<String> = have.tags.keys().filter(|k| !want.tags.contains_key(k.as_str())).cloned().collect();
        set_tags(client, TagResourceType::Hostedzone, &id, drove_tags(&Owner::of(stack, c), Some(&want.tags)), removed)
            .await?;
    }
    read_zone(client, &id, region)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("hosted zone {id} is gone")))
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
        if tags.get(STACK_TAG).map(String::as_str) == Some(stack)
            && tags.get(ADDRESS_TAG).map(String::as_str) == Some(address)
        {
            return read_zone(client, &id, region).await;
        }
        let untagged = !tags.contains_key(STACK_TAG);
        let ours = z.caller_reference().starts_with("drove-")
            && z.caller_reference().ends_with(&crate::apply::token_suffix(address));
        if untagged && ours {
            let live = read_zone(client, &id, region).await?;
            return Ok(live.map(|l| l.owned_by(token_owner(z.caller_reference()))));
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
            let tagged = tags.get(STACK_TAG).map(String::as_str) == Some(stack)
                && tags.get(ADDRESS_TAG).map(String::as_str) == Some(address);
            let created_untagged = !tags.contains_key(STACK_TAG)
                && h.caller_reference().starts_with("drove-")
                && h.caller_reference().ends_with(&crate::apply::token_suffix(address));
            if tagged || created_untagged {
                let owner = tags.get(LINEAGE_TAG).cloned().or_else(|| token_owner(h.caller_reference()));
                return Ok(read_health_check(client, h.id()).await?.map(|x| x.0.owned_by(owner)));
            }
        }
        match page.next_marker() {
            Some(m) if page.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    }
}

fn health_config(h: &HealthCheck) -> Result<HealthCheckConfig> {
    let mut b = HealthCheckConfig::builder()
        .r#type(HealthCheckType::from(h.check_type.to_ascii_uppercase().as_str()))
        .port(i32::from(h.port));
    if let Some(x) = &h.fqdn {
        b = b.fully_qualified_domain_name(x.trim_end_matches('.'));
    }
    if let Some(x) = &h.ip {
        b = b.ip_address(x);
    }
    if let Some(x) = &h.resource_path {
        b = b.resource_path(x);
    }
    b = b.set_request_interval(i32::try_from(h.request_interval).ok());
    b = b.set_failure_threshold(i32::try_from(h.failure_threshold).ok());
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
    // Numbers Route53 did not answer (a kind of check drove does not make) are `null`.
    let mut missing = Vec::new();
    let mut number = |name: &'static str, v: Option<i32>| {
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or_default()
    };
    let check = HealthCheck {
        check_type: c.r#type().as_str().to_string(),
        fqdn: c.fully_qualified_domain_name().map(|x| format!("{}.", x.trim_end_matches('.'))),
        ip: c.ip_address().map(str::to_string),
        port: u16::try_from(number("port", c.port())).unwrap_or_default(),
        resource_path: c.resource_path().map(str::to_string),
        request_interval: u64::try_from(number("request_interval", c.request_interval())).unwrap_or_default(),
        failure_threshold: u64::try_from(number("failure_threshold", c.failure_threshold())).unwrap_or_default(),
    };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.to_string()));
    let live = Live::new(id, view(&check, missing), outputs);
    Ok(Some((live, h.health_check_version())))
}

/// A health check with the lineage its tags name (the planner claims one that names none).
pub async fn read_health_check_owned(client: &Client, id: &str) -> Result<Option<Live>> {
    let Some((live, _)) = read_health_check(client, id).await? else { return Ok(None) };
    let tags = read_tags(client, TagResourceType::Healthcheck, id).await?;
    Ok(Some(live.owned_by(tags.get(LINEAGE_TAG).cloned())))
}

pub async fn create_health_check(client: &Client, c: &Change, stack: &str, token: &str) -> Result<Live> {
    let want: HealthCheck = after(c)?;
    let out = client
        .create_health_check()
        .caller_reference(token)
        .health_check_config(health_config(&want)?)
        .send()
        .await
        .map_err(|e| sdk_error("route53 CreateHealthCheck", e))?;
    let id = out.health_check().map(|h| h.id().to_string()).unwrap_or_default();
    set_tags(client, TagResourceType::Healthcheck, &id, drove_tags(&Owner::of(stack, c), None), vec![]).await?;
    read_health_check(client, &id).await?.map(|x| x.0).ok_or_else(|| {
        EngineError::new(codes::AWS_CALL, format!("health check {id} vanished right after it was created"))
    })
}

pub async fn update_health_check(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let id = c.id.clone().unwrap_or_default();
    if c.claim {
        set_tags(client, TagResourceType::Healthcheck, &id, drove_tags(&Owner::of(stack, c), None), vec![]).await?;
    }
    let want: HealthCheck = after(c)?;
    let (_, version) = read_health_check(client, &id)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("health check {id} is gone")))?;
    let mut req =
        client.update_health_check().health_check_id(&id).health_check_version(version).port(i32::from(want.port));
    if let Some(x) = &want.fqdn {
        req = req.fully_qualified_domain_name(x.trim_end_matches('.'));
    }
    if let Some(x) = &want.ip {
        req = req.ip_address(x);
    }
    if let Some(x) = &want.resource_path {
        req = req.resource_path(x);
    }
    req = req.set_failure_threshold(i32::try_from(want.failure_threshold).ok());
    req.send().await.map_err(|e| sdk_error("route53 UpdateHealthCheck", e))?;
    read_health_check(client, &id)
        .await?
        .map(|x| x.0)
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("health check {id} is gone")))
}

pub async fn delete_health_check(client: &Client, id: &str) -> Result<()> {
    match client.delete_health_check().health_check_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_health_check()) => Ok(()),
        Err(e) => Err(sdk_error("route53 DeleteHealthCheck", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: Value) -> RecordSet {
        serde_json::from_value(json).expect("a record set")
    }

    #[test]
    fn records_round_trip_through_route53() {
        for json in [
            serde_json::json!({"zone": "Z1", "name": "www.example.com.", "type": "A", "ttl": 300, "values": ["192.0.2.1"]}),
            serde_json::json!({"zone": "Z1", "name": "example.com.", "type": "A",
                "alias": {"dns_name": "lb.example.net.", "zone_id": "Z2", "evaluate_health": true},
                "set_identifier": "eu", "geolocation": {"continent": "EU", "country": null, "subdivision": null}}),
            serde_json::json!({"zone": "Z1", "name": "api.example.com.", "type": "CNAME", "ttl": 60,
                "values": ["a.example.com."], "set_identifier": "a", "weight": 10, "health_check": "hc-1"}),
        ] {
            let want = set(json.clone());
            let got = record_to_model("Z1", &model_to_record(&want).expect("builds"));
            assert_eq!(got, want);
            assert_eq!(view(&got, []), json);
        }
        let key =
            record_key("Z1", &set(serde_json::json!({"zone": "Z1", "name": "\\052.Example.com.", "type": "TXT"})));
        assert_eq!(key, "Z1/*.example.com./TXT/");
        assert_eq!(record_id("Z1", &Value::Null), "Z1///");
    }
}
