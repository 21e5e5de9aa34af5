//! Load balancers, target groups, listeners and target registrations
//! (`elbv2.load_balancer`, `elbv2.target_group`, `elbv2.listener`, `elbv2.target`).
//!
//! Balancer and target group names are unique in an account's region, so a run killed
//! between a create and its state write finds them again by name, and claims them only
//! when their `drove:lineage` tag is this state's. A listener is found by its balancer
//! and port. Registering a target is idempotent; its create waits until the group calls
//! the instance healthy, its delete until the deregistration delay has run out, so a
//! rolling replacement never takes a host out before its successor serves.

use super::{after, before, sdk_error, view};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_elasticloadbalancingv2::types::{
    self as t, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum,
    RedirectActionStatusCodeEnum, TargetHealthStateEnum, TargetTypeEnum,
};
use aws_sdk_elasticloadbalancingv2::Client;
use drove_compiler::model::listener::{Action, Listener};
use drove_compiler::model::target_group::Health;
use drove_compiler::model::{LoadBalancer, Tags, Target, TargetGroup, Val};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_secs(2);
/// How long a balancer may take to become active or to go.
const BALANCER_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long a new target may take to pass its health checks.
const HEALTHY_WAIT: Duration = Duration::from_secs(10 * 60);
const DELAY_ATTRIBUTE: &str = "deregistration_delay.timeout_seconds";

fn owner_tags(stack: &str, c: &Change, user: &Tags) -> Vec<t::Tag> {
    super::ec2_tags::Owner::of(stack, c)
        .with(Some(user))
        .into_iter()
        .map(|(k, v)| t::Tag::builder().key(k).value(v).build())
        .collect()
}

fn text<'a>(v: &'a Val<String>, what: &str) -> Result<&'a str> {
    v.text().ok_or_else(|| EngineError::new(codes::INVALID_CHANGE, format!("{what} is not known yet")))
}

fn gone(what: &str, id: &str) -> EngineError {
    EngineError::new(codes::AWS_CALL, format!("{what} {id} is gone"))
}

fn not_found(e: &impl aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata) -> bool {
    matches!(e.code(), Some("LoadBalancerNotFound" | "TargetGroupNotFound" | "ListenerNotFound" | "InvalidTarget"))
}

/// Each resource's tags, user tags and owner separately.
async fn tags_of(client: &Client, arn: &str) -> Result<(Tags, Option<String>)> {
    let out = client.describe_tags().resource_arns(arn).send().await.map_err(|e| sdk_error("elbv2 DescribeTags", e))?;
    let all = out.tag_descriptions().first().map(|d| d.tags().to_vec()).unwrap_or_default();
    let user: Tags = all
        .iter()
        .filter_map(|t| {
            t.key().filter(|k| !k.starts_with("drove:")).map(|k| (k.to_string(), t.value().unwrap_or("").into()))
        })
        .collect();
    let owner =
        all.iter().find(|t| t.key() == Some(super::ec2_tags::LINEAGE_TAG)).and_then(|t| t.value()).map(String::from);
    Ok((user, owner))
}

/// User tags from `before` to `after`, and drove's own written again.
async fn retag(client: &Client, arn: &str, stack: &str, c: &Change, have: &Tags, want: &Tags) -> Result<()> {
    let gone: Vec<String> = have.keys().filter(|k| !want.contains_key(*k)).cloned().collect();
    if !gone.is_empty() {
        client
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(gone))
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 RemoveTags", e))?;
    }
    client
        .add_tags()
        .resource_arns(arn)
        .set_tags(Some(owner_tags(stack, c, want)))
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 AddTags", e))?;
    Ok(())
}

// ---- balancers ----

pub(super) async fn balancer_live(client: &Client, lb: &t::LoadBalancer) -> Result<Option<Live>> {
    if matches!(lb.state().and_then(|s| s.code()), Some(LoadBalancerStateEnum::Failed)) {
        return Ok(None);
    }
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    let (tags, owner) = tags_of(client, &arn).await?;
    let spec = LoadBalancer {
        name: lb.load_balancer_name().unwrap_or_default().into(),
        lb_type: lb.r#type().map(|x| x.as_str().to_string()).unwrap_or_default(),
        scheme: lb.scheme().map(|x| x.as_str().to_string()).unwrap_or_default(),
        subnets: lb.availability_zones().iter().filter_map(|z| z.subnet_id()).map(|s| Val::Lit(s.into())).collect(),
        security_groups: lb.security_groups().iter().map(|s| Val::Lit(s.clone())).collect(),
        tags,
    };
    let mut outputs = Map::new();
    outputs.insert("arn".into(), Value::String(arn.clone()));
    outputs.insert("dns_name".into(), Value::String(lb.dns_name().unwrap_or_default().to_string()));
    outputs.insert("zone_id".into(), Value::String(lb.canonical_hosted_zone_id().unwrap_or_default().to_string()));
    Ok(Some(Live::new(&arn, view(&spec, []), outputs).owned_by(owner)))
}

async fn describe_balancer(client: &Client, arn: Option<&str>, name: Option<&str>) -> Result<Option<t::LoadBalancer>> {
    match client
        .describe_load_balancers()
        .set_load_balancer_arns(arn.map(|a| vec![a.into()]))
        .set_names(name.map(|n| vec![n.into()]))
        .send()
        .await
    {
        Ok(out) => Ok(out.load_balancers().first().cloned()),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("elbv2 DescribeLoadBalancers", e)),
    }
}

pub async fn read_balancer(client: &Client, arn: &str) -> Result<Option<Live>> {
    match describe_balancer(client, Some(arn), None).await? {
        Some(lb) => balancer_live(client, &lb).await,
        None => Ok(None),
    }
}

/// A balancer of that name, however made: the planner claims it only if its lineage is
/// this state's.
pub async fn find_balancer(client: &Client, name: &str) -> Result<Option<Live>> {
    match describe_balancer(client, None, Some(name)).await? {
        Some(lb) => balancer_live(client, &lb).await,
        None => Ok(None),
    }
}

fn ids(vals: &[Val<String>], what: &str) -> Result<Vec<String>> {
    vals.iter().map(|v| text(v, what).map(String::from)).collect()
}

pub async fn create_balancer(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let want: LoadBalancer = after(c)?;
    let out = client
        .create_load_balancer()
        .name(&want.name)
        .r#type(LoadBalancerTypeEnum::from(want.lb_type.as_str()))
        .scheme(LoadBalancerSchemeEnum::from(want.scheme.as_str()))
        .set_subnets(Some(ids(&want.subnets, "a subnet")?))
        .set_security_groups(Some(ids(&want.security_groups, "a security group")?).filter(|g| !g.is_empty()))
        .set_tags(Some(owner_tags(stack, c, &want.tags)))
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 CreateLoadBalancer", e))?;
    let arn = out.load_balancers().first().and_then(|l| l.load_balancer_arn()).unwrap_or_default().to_string();
    wait_active(client, &c.address, &arn).await
}

async fn wait_active(client: &Client, address: &str, arn: &str) -> Result<Live> {
    let started = Instant::now();
    loop {
        let lb = describe_balancer(client, Some(arn), None).await?.ok_or_else(|| gone("load balancer", arn))?;
        match lb.state().and_then(|s| s.code()) {
            Some(LoadBalancerStateEnum::Provisioning) if started.elapsed() < BALANCER_WAIT => {
                tokio::time::sleep(POLL).await
            }
            Some(LoadBalancerStateEnum::Failed) => {
                let why = lb.state().and_then(|s| s.reason()).unwrap_or("no reason given");
                return Err(EngineError::new(codes::AWS_CALL, format!("{address}: the load balancer failed: {why}")));
            }
            _ => return balancer_live(client, &lb).await?.ok_or_else(|| gone("load balancer", arn)),
        }
    }
}

pub async fn update_balancer(client: &Client, c: &Change, stack: &str, arn: &str) -> Result<Live> {
    let (want, have): (LoadBalancer, LoadBalancer) = (after(c)?, before(c)?);
    let subnets = ids(&want.subnets, "a subnet")?;
    if subnets != ids(&have.subnets, "a subnet").unwrap_or_default() {
        client
            .set_subnets()
            .load_balancer_arn(arn)
            .set_subnets(Some(subnets))
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 SetSubnets", e))?;
    }
    let groups = ids(&want.security_groups, "a security group")?;
    if groups != ids(&have.security_groups, "a security group").unwrap_or_default() {
        client
            .set_security_groups()
            .load_balancer_arn(arn)
            .set_security_groups(Some(groups))
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 SetSecurityGroups", e))?;
    }
    retag(client, arn, stack, c, &have.tags, &want.tags).await?;
    read_balancer(client, arn).await?.ok_or_else(|| gone("load balancer", arn))
}

/// Deletes the balancer and waits until it is gone: its network interfaces hold its
/// subnets and security groups until then.
pub async fn delete_balancer(client: &Client, arn: &str) -> Result<()> {
    match client.delete_load_balancer().load_balancer_arn(arn).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(not_found) => return Ok(()),
        Err(e) => return Err(sdk_error("elbv2 DeleteLoadBalancer", e)),
    }
    let started = Instant::now();
    while describe_balancer(client, Some(arn), None).await?.is_some() && started.elapsed() < BALANCER_WAIT {
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

// ---- target groups ----

pub(super) async fn group_live(client: &Client, g: &t::TargetGroup) -> Result<Live> {
    let arn = g.target_group_arn().unwrap_or_default().to_string();
    let (tags, owner) = tags_of(client, &arn).await?;
    let attrs = client
        .describe_target_group_attributes()
        .target_group_arn(&arn)
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 DescribeTargetGroupAttributes", e))?;
    let delay = attrs
        .attributes()
        .iter()
        .find(|a| a.key() == Some(DELAY_ATTRIBUTE))
        .and_then(|a| a.value())
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let http = g.health_check_protocol().is_some_and(|p| matches!(p, ProtocolEnum::Http | ProtocolEnum::Https));
    let spec = TargetGroup {
        name: g.target_group_name().unwrap_or_default().into(),
        protocol: g.protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
        port: g.port().and_then(|p| u16::try_from(p).ok()).unwrap_or_default(),
        vpc: Val::Lit(g.vpc_id().unwrap_or_default().into()),
        health: Health {
            protocol: g.health_check_protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
            path: if http { g.health_check_path().map(String::from) } else { None },
            codes: if http { g.matcher().and_then(|m| m.http_code()).map(String::from) } else { None },
            interval: g.health_check_interval_seconds().and_then(|v| u64::try_from(v).ok()).unwrap_or_default(),
            healthy_threshold: g.healthy_threshold_count().and_then(|v| u64::try_from(v).ok()).unwrap_or_default(),
            unhealthy_threshold: g.unhealthy_threshold_count().and_then(|v| u64::try_from(v).ok()).unwrap_or_default(),
        },
        deregistration_delay: delay,
        tags,
    };
    let mut outputs = Map::new();
    outputs.insert("arn".into(), Value::String(arn.clone()));
    Ok(Live::new(&arn, view(&spec, []), outputs).owned_by(owner))
}

async fn describe_group(client: &Client, arn: Option<&str>, name: Option<&str>) -> Result<Option<t::TargetGroup>> {
    match client
        .describe_target_groups()
        .set_target_group_arns(arn.map(|a| vec![a.into()]))
        .set_names(name.map(|n| vec![n.into()]))
        .send()
        .await
    {
        Ok(out) => Ok(out.target_groups().first().cloned()),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("elbv2 DescribeTargetGroups", e)),
    }
}

pub async fn read_group(client: &Client, arn: &str) -> Result<Option<Live>> {
    match describe_group(client, Some(arn), None).await? {
        Some(g) => group_live(client, &g).await.map(Some),
        None => Ok(None),
    }
}

pub async fn find_group(client: &Client, name: &str) -> Result<Option<Live>> {
    match describe_group(client, None, Some(name)).await? {
        Some(g) => group_live(client, &g).await.map(Some),
        None => Ok(None),
    }
}

fn to_i32(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

pub async fn create_group(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let want: TargetGroup = after(c)?;
    let h = &want.health;
    let out = client
        .create_target_group()
        .name(&want.name)
        .protocol(ProtocolEnum::from(want.protocol.as_str()))
        .port(i32::from(want.port))
        .vpc_id(text(&want.vpc, "the network")?)
        .target_type(TargetTypeEnum::Instance)
        .health_check_protocol(ProtocolEnum::from(h.protocol.as_str()))
        .set_health_check_path(h.path.clone())
        .health_check_interval_seconds(to_i32(h.interval))
        .healthy_threshold_count(to_i32(h.healthy_threshold))
        .unhealthy_threshold_count(to_i32(h.unhealthy_threshold))
        .set_matcher(h.codes.as_ref().map(|c| t::Matcher::builder().http_code(c).build()))
        .set_tags(Some(owner_tags(stack, c, &want.tags)))
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 CreateTargetGroup", e))?;
    let arn = out.target_groups().first().and_then(|g| g.target_group_arn()).unwrap_or_default().to_string();
    set_delay(client, &arn, want.deregistration_delay).await?;
    read_group(client, &arn).await?.ok_or_else(|| gone("target group", &arn))
}

async fn set_delay(client: &Client, arn: &str, seconds: u64) -> Result<()> {
    client
        .modify_target_group_attributes()
        .target_group_arn(arn)
        .attributes(t::TargetGroupAttribute::builder().key(DELAY_ATTRIBUTE).value(seconds.to_string()).build())
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 ModifyTargetGroupAttributes", e))?;
    Ok(())
}

pub async fn update_group(client: &Client, c: &Change, stack: &str, arn: &str) -> Result<Live> {
    let (want, have): (TargetGroup, TargetGroup) = (after(c)?, before(c)?);
    let h = &want.health;
    if *h != have.health {
        client
            .modify_target_group()
            .target_group_arn(arn)
            .health_check_protocol(ProtocolEnum::from(h.protocol.as_str()))
            .set_health_check_path(h.path.clone())
            .health_check_interval_seconds(to_i32(h.interval))
            .healthy_threshold_count(to_i32(h.healthy_threshold))
            .unhealthy_threshold_count(to_i32(h.unhealthy_threshold))
            .set_matcher(h.codes.as_ref().map(|c| t::Matcher::builder().http_code(c).build()))
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 ModifyTargetGroup", e))?;
    }
    if want.deregistration_delay != have.deregistration_delay {
        set_delay(client, arn, want.deregistration_delay).await?;
    }
    retag(client, arn, stack, c, &have.tags, &want.tags).await?;
    read_group(client, arn).await?.ok_or_else(|| gone("target group", arn))
}

pub async fn delete_group(client: &Client, arn: &str) -> Result<()> {
    match client.delete_target_group().target_group_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(()),
        Err(e) => Err(sdk_error("elbv2 DeleteTargetGroup", e)),
    }
}

// ---- listeners ----

pub(super) fn listener_live(l: &t::Listener) -> Live {
    let arn = l.listener_arn().unwrap_or_default().to_string();
    let action = l.default_actions().first();
    let action = match action.and_then(|a| a.redirect_config()) {
        Some(r) => Action::Redirect {
            protocol: r.protocol().unwrap_or_default().into(),
            port: r.port().and_then(|p| p.parse().ok()).unwrap_or_default(),
        },
        None => Action::Forward {
            target_group: Val::Lit(action.and_then(|a| a.target_group_arn()).unwrap_or_default().into()),
        },
    };
    let spec = Listener {
        load_balancer: Val::Lit(l.load_balancer_arn().unwrap_or_default().into()),
        port: l.port().and_then(|p| u16::try_from(p).ok()).unwrap_or_default(),
        protocol: l.protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
        certificate: l.certificates().first().and_then(|c| c.certificate_arn()).map(|a| Val::Lit(a.into())),
        ssl_policy: l.ssl_policy().map(String::from),
        action,
    };
    let mut outputs = Map::new();
    outputs.insert("arn".into(), Value::String(arn.clone()));
    Live::new(&arn, view(&spec, []), outputs)
}

pub async fn read_listener(client: &Client, arn: &str) -> Result<Option<Live>> {
    match client.describe_listeners().listener_arns(arn).send().await {
        Ok(out) => Ok(out.listeners().first().map(listener_live)),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("elbv2 DescribeListeners", e)),
    }
}

/// The listener on that port of that balancer.
pub async fn find_listener(client: &Client, balancer: &str, port: u16) -> Result<Option<Live>> {
    match client.describe_listeners().load_balancer_arn(balancer).send().await {
        Ok(out) => Ok(out.listeners().iter().find(|l| l.port() == Some(i32::from(port))).map(listener_live)),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("elbv2 DescribeListeners", e)),
    }
}

fn default_action(a: &Action) -> Result<t::Action> {
    Ok(match a {
        Action::Forward { target_group } => t::Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(text(target_group, "the target group")?)
            .build(),
        Action::Redirect { protocol, port } => t::Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                t::RedirectActionConfig::builder()
                    .protocol(protocol)
                    .port(port.to_string())
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build(),
    })
}

fn certificates(l: &Listener) -> Result<Option<Vec<t::Certificate>>> {
    l.certificate
        .as_ref()
        .map(|c| text(c, "the certificate").map(|arn| vec![t::Certificate::builder().certificate_arn(arn).build()]))
        .transpose()
}

pub async fn create_listener(client: &Client, c: &Change) -> Result<Live> {
    let want: Listener = after(c)?;
    let balancer = text(&want.load_balancer, "the load balancer")?;
    // A run that died after CreateListener left it there: the same port is this one.
    if let Some(found) = find_listener(client, balancer, want.port).await? {
        return update_listener_to(client, &want, &found.id).await;
    }
    let out = client
        .create_listener()
        .load_balancer_arn(balancer)
        .port(i32::from(want.port))
        .protocol(ProtocolEnum::from(want.protocol.as_str()))
        .set_certificates(certificates(&want)?)
        .set_ssl_policy(want.ssl_policy.clone())
        .default_actions(default_action(&want.action)?)
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 CreateListener", e))?;
    out.listeners().first().map(listener_live).ok_or_else(|| gone("listener", &c.address))
}

async fn update_listener_to(client: &Client, want: &Listener, arn: &str) -> Result<Live> {
    client
        .modify_listener()
        .listener_arn(arn)
        .protocol(ProtocolEnum::from(want.protocol.as_str()))
        .set_certificates(certificates(want)?)
        .set_ssl_policy(want.ssl_policy.clone())
        .default_actions(default_action(&want.action)?)
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 ModifyListener", e))?;
    read_listener(client, arn).await?.ok_or_else(|| gone("listener", arn))
}

pub async fn update_listener(client: &Client, c: &Change, arn: &str) -> Result<Live> {
    update_listener_to(client, &after(c)?, arn).await
}

pub async fn delete_listener(client: &Client, arn: &str) -> Result<()> {
    match client.delete_listener().listener_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(()),
        Err(e) => Err(sdk_error("elbv2 DeleteListener", e)),
    }
}

// ---- targets ----

fn parse_target_id(id: &str) -> Option<(&str, &str, u16)> {
    let mut parts = id.rsplitn(3, '|');
    let port = parts.next()?.parse().ok()?;
    let instance = parts.next()?;
    let group = parts.next()?;
    Some((group, instance, port))
}

async fn target_health(client: &Client, group: &str, instance: &str, port: u16) -> Result<Option<t::TargetHealth>> {
    let target = t::TargetDescription::builder().id(instance).port(i32::from(port)).build();
    match client.describe_target_health().target_group_arn(group).targets(target).send().await {
        Ok(out) => Ok(out
            .target_health_descriptions()
            .iter()
            .find(|d| d.target().and_then(|x| x.id()) == Some(instance))
            .and_then(|d| d.target_health().cloned())
            .filter(|h| h.reason().is_none_or(|r| r.as_str() != "Target.NotRegistered"))),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("elbv2 DescribeTargetHealth", e)),
    }
}

fn target_live(group: &str, instance: &str, port: u16) -> Live {
    let spec = Target { target_group: Val::Lit(group.into()), instance: Val::Lit(instance.into()), port };
    Live::new(drove_compiler::model::target::id(group, instance, port), view(&spec, []), Map::new())
}

pub async fn read_target(client: &Client, id: &str) -> Result<Option<Live>> {
    let Some((group, instance, port)) = parse_target_id(id) else { return Ok(None) };
    Ok(target_health(client, group, instance, port).await?.map(|_| target_live(group, instance, port)))
}

/// Registers the instance and waits until the group calls it healthy.
pub async fn create_target(client: &Client, c: &Change) -> Result<Live> {
    let want: Target = after(c)?;
    let (group, instance) = (text(&want.target_group, "the target group")?, text(&want.instance, "the instance")?);
    client
        .register_targets()
        .target_group_arn(group)
        .targets(t::TargetDescription::builder().id(instance).port(i32::from(want.port)).build())
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 RegisterTargets", e))?;
    let started = Instant::now();
    loop {
        let health = target_health(client, group, instance, want.port).await?;
        match health.as_ref().and_then(|h| h.state()) {
            Some(TargetHealthStateEnum::Healthy) => return Ok(target_live(group, instance, want.port)),
            state if started.elapsed() >= HEALTHY_WAIT => {
                let why = health.as_ref().and_then(|h| h.description()).unwrap_or("no answer");
                return Err(EngineError::new(
                    codes::AWS_CALL,
                    format!(
                        "{}: instance {instance} did not become healthy within {} (state {}: {why})",
                        c.address,
                        humantime::format_duration(HEALTHY_WAIT),
                        state.map_or("unknown", |s| s.as_str())
                    ),
                )
                .with_help(
                    "check the target's port and health check path, and that the role's firewall lets the balancer in",
                ));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// Deregisters the instance and waits out the deregistration delay (`draining`).
pub async fn delete_target(client: &Client, id: &str) -> Result<()> {
    let Some((group, instance, port)) = parse_target_id(id) else { return Ok(()) };
    match client
        .deregister_targets()
        .target_group_arn(group)
        .targets(t::TargetDescription::builder().id(instance).port(i32::from(port)).build())
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(not_found) => return Ok(()),
        Err(e) => return Err(sdk_error("elbv2 DeregisterTargets", e)),
    }
    let started = Instant::now();
    while started.elapsed() < HEALTHY_WAIT {
        match target_health(client, group, instance, port).await?.as_ref().and_then(|h| h.state()) {
            Some(TargetHealthStateEnum::Draining) => tokio::time::sleep(POLL).await,
            _ => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_target_id;

    #[test]
    fn target_ids_split_back() {
        let arn = "arn:aws:elasticloadbalancing:r:1:targetgroup/shop-web-app/abc";
        let id = drove_compiler::model::target::id(arn, "i-0abc", 3000);
        assert_eq!(parse_target_id(&id), Some((arn, "i-0abc", 3000)));
        assert_eq!(parse_target_id("nonsense"), None);
    }
}
