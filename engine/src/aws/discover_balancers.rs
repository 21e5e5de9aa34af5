//! Listing the load balancers of some VPCs for `drove import aws`, each with its listeners,
//! target groups and registered targets: in the model's shape through `elbv2.rs`'s readers,
//! with the facts the model has no room for (other actions, rules, target types) beside
//! them, so the import can tell what drove cannot declare instead of losing it silently.

use super::elbv2::{balancer_live, group_live, listener_live};
use super::sdk_error;
use crate::error::Result;
use crate::provider::Live;
use aws_sdk_elasticloadbalancingv2::types as t;
use aws_sdk_elasticloadbalancingv2::Client;

/// A load balancer with what hangs off it.
#[derive(Debug, Clone)]
pub struct BalancerDump {
    /// `elbv2.load_balancer` in the model's shape; `id` is its ARN.
    pub balancer: Live,
    pub vpc: String,
    /// `application`, `network` or `gateway`.
    pub lb_type: String,
    pub listeners: Vec<ListenerDump>,
    /// The target groups that name this balancer among theirs.
    pub groups: Vec<GroupDump>,
}

#[derive(Debug, Clone)]
pub struct ListenerDump {
    /// `elbv2.listener` in the model's shape (its first default action only).
    pub listener: Live,
    /// The default actions' types as ELB names them: `forward`, `redirect`,
    /// `fixed-response`, `authenticate-oidc`, `authenticate-cognito`.
    pub actions: Vec<String>,
    /// The target groups a forward action sends to (more than one: a weighted forward).
    pub forward_groups: Vec<String>,
    /// A redirect's status code, host, path and query as ELB holds them.
    pub redirect: Option<Redirect>,
    /// How many rules besides the default one.
    pub rules: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub status: String,
    pub host: String,
    pub path: String,
    pub query: String,
}

#[derive(Debug, Clone)]
pub struct GroupDump {
    /// `elbv2.target_group` in the model's shape; `id` is its ARN.
    pub group: Live,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    /// The balancers that use it (a group may serve several).
    pub balancers: Vec<String>,
    /// Registered targets but those draining: (id, port), as DescribeTargetHealth lists
    /// them (port 0 for a target without one, a Lambda function).
    pub targets: Vec<(String, u16)>,
}

/// The load balancers in these VPCs, by ARN.
pub async fn read_balancers(client: &Client, vpc_ids: &[String]) -> Result<Vec<BalancerDump>> {
    let mut out = Vec::new();
    if vpc_ids.is_empty() {
        return Ok(out);
    }
    let mut marker: Option<String> = None;
    let mut found = Vec::new();
    loop {
        let page = client
            .describe_load_balancers()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 DescribeLoadBalancers", e))?;
        found.extend(
            page.load_balancers()
                .iter()
                .filter(|lb| lb.vpc_id().is_some_and(|v| vpc_ids.iter().any(|x| x == v)))
                .cloned(),
        );
        match page.next_marker() {
            Some(m) if !m.is_empty() && marker.as_deref() != Some(m) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    found.sort_by(|a, b| a.load_balancer_arn().cmp(&b.load_balancer_arn()));
    for lb in found {
        let Some(balancer) = balancer_live(client, &lb).await? else { continue };
        let arn = balancer.id.clone();
        out.push(BalancerDump {
            balancer,
            vpc: lb.vpc_id().unwrap_or_default().to_string(),
            lb_type: lb.r#type().map(|x| x.as_str().to_string()).unwrap_or_default(),
            listeners: listeners(client, &arn).await?,
            groups: groups(client, &arn).await?,
        });
    }
    Ok(out)
}

async fn listeners(client: &Client, balancer: &str) -> Result<Vec<ListenerDump>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .describe_listeners()
            .load_balancer_arn(balancer)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| sdk_error("elbv2 DescribeListeners", e))?;
        for l in page.listeners() {
            out.push(listener(client, l).await?);
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() && marker.as_deref() != Some(m) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    out.sort_by_key(|l| l.listener.attributes.get("port").and_then(serde_json::Value::as_u64));
    Ok(out)
}

async fn listener(client: &Client, l: &t::Listener) -> Result<ListenerDump> {
    let actions = l.default_actions();
    let mut forward_groups: Vec<String> = Vec::new();
    for a in actions {
        forward_groups.extend(a.target_group_arn().map(String::from));
        if let Some(f) = a.forward_config() {
            forward_groups.extend(f.target_groups().iter().filter_map(|g| g.target_group_arn()).map(String::from));
        }
    }
    forward_groups.sort();
    forward_groups.dedup();
    let redirect = actions.iter().find_map(|a| a.redirect_config()).map(|r| Redirect {
        status: r.status_code().map(|s| s.as_str().to_string()).unwrap_or_default(),
        host: r.host().unwrap_or("#{host}").to_string(),
        path: r.path().unwrap_or("/#{path}").to_string(),
        query: r.query().unwrap_or("#{query}").to_string(),
    });
    let arn = l.listener_arn().unwrap_or_default();
    let rules = client
        .describe_rules()
        .listener_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("elbv2 DescribeRules", e))?
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .count();
    Ok(ListenerDump {
        listener: listener_live(l),
        actions: actions.iter().map(|a| a.r#type().map(|x| x.as_str().to_string()).unwrap_or_default()).collect(),
        forward_groups,
        redirect,
        rules,
    })
}

async fn groups(client: &Client, balancer: &str) -> Result<Vec<GroupDump>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page =
            match client.describe_target_groups().load_balancer_arn(balancer).set_marker(marker.clone()).send().await {
                Ok(page) => page,
                // moto answers a balancer without target groups so, where ELB lists none.
                Err(e) if e.as_service_error().and_then(|e| e.meta().code()) == Some("TargetGroupNotFound") => break,
                Err(e) => return Err(sdk_error("elbv2 DescribeTargetGroups", e)),
            };
        for g in page.target_groups() {
            let group = group_live(client, g).await?;
            let health = client
                .describe_target_health()
                .target_group_arn(&group.id)
                .send()
                .await
                .map_err(|e| sdk_error("elbv2 DescribeTargetHealth", e))?;
            // A draining target is on its way out: the import declares what stays.
            let mut targets: Vec<(String, u16)> = health
                .target_health_descriptions()
                .iter()
                .filter(|d| d.target_health().and_then(|h| h.state()) != Some(&t::TargetHealthStateEnum::Draining))
                .filter_map(|d| d.target())
                .filter_map(|x| {
                    Some((x.id()?.to_string(), x.port().and_then(|p| u16::try_from(p).ok()).unwrap_or_default()))
                })
                .collect();
            targets.sort();
            out.push(GroupDump {
                group,
                target_type: g.target_type().map(|x| x.as_str().to_string()).unwrap_or_default(),
                balancers: g.load_balancer_arns().to_vec(),
                targets,
            });
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() && marker.as_deref() != Some(m) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    out.sort_by(|a, b| a.group.id.cmp(&b.group.id));
    Ok(out)
}
