//! The desired state: what `drove compile` prints and what the engine plans against.
//! It is plain data so the planner can be tested without AWS and a plan file can embed it.
//!
//! Values not known before apply, and links between resources, are written
//! `{"ref": ADDRESS, "attribute": NAME}` (e.g. a subnet's `vpc` is
//! `{"ref": "network.main", "attribute": "id"}`; an A record filled from a host is
//! `{"ref": "hosts.app[0]", "attribute": "public_ip"}`). A secret is never in clear:
//! it is `{"secret": NAME}`.
//!
//! Kinds and their attributes (see `docs/language.md`, "Resource addresses"):
//! - `ec2.vpc`: `cidr`, `enable_dns_support`, `enable_dns_hostnames`, `tags`
//! - `ec2.subnet`: `vpc`, `cidr`, `availability_zone`, `map_public_ip_on_launch`, `tags`
//! - `ec2.internet_gateway`: `vpc`, `tags`
//! - `ec2.route_table`: `vpc`, `routes` (`[{destination, gateway}]`), `tags`
//! - `ec2.route_table_association`: `subnet`, `route_table`
//! - `ec2.security_group`: `vpc`, `name`, `description`, `tags`
//! - `ec2.security_group_rules`: `group`, `ingress`, `egress` (null keeps AWS's default);
//!   each rule `{protocol, from_port, to_port, cidr | ipv6_cidr | group}`, protocol as EC2
//!   names it (`tcp`, `udp`, `icmp`, `icmpv6`, `-1`)
//! - `ec2.instance`: `role`, `image` (`{pattern, owner}` or `{id}`), `instance_type`,
//!   `subnet`, `security_groups`, `private_ip`, `associate_public_ip`, `root_volume`
//!   (`{size_gib, encrypted}`), `imdsv2_required`, `user_data`, `tags`, and `rollout`
//!   (`{batch, drain, drain_timeout}`: the role's replacement settings, seconds for the
//!   timeout; the engine takes it out before diffing, it is not an AWS attribute)
//! - `route53.hosted_zone`: `name`, `comment`, `private_vpcs`, `tags`
//! - `route53.record_set`: `zone`, `name`, `type`, `ttl`, `values`, and when routed
//!   `set_identifier`, `weight`, `failover`, `geolocation` (`{continent, country,
//!   subdivision}`), `region`, `multivalue`, `health_check`; an alias has `alias`
//!   (`{dns_name, zone_id, evaluate_health}`) instead of `ttl` and `values`
//! - `route53.health_check`: `type`, `fqdn`, `ip`, `port`, `resource_path`,
//!   `request_interval`, `failure_threshold`

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredState {
    pub stack: StackInfo,
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackInfo {
    pub name: String,
    pub region: String,
    pub state: StateBackend,
    pub tags: BTreeMap<String, String>,
    /// Largest share (0.0–1.0) of the stack's resources one plan may delete.
    pub max_delete: f64,
    /// Largest share (0.0–1.0) of one zone's records one plan may delete.
    pub max_zone_delete: f64,
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum StateBackend {
    Local { path: String },
    S3 { bucket: String, key: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Stable across runs; the key of the resource in the state.
    pub address: String,
    pub kind: String,
    /// Always a JSON object.
    pub attributes: Value,
    /// Addresses this resource needs to exist first (also every `ref` in `attributes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `protect = true`: the engine refuses to delete or replace it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
}

/// `{"ref": address, "attribute": name}`
pub fn reference(address: &str, attribute: &str) -> Value {
    serde_json::json!({ "ref": address, "attribute": attribute })
}

/// The address and attribute of a `{"ref", "attribute"}` value.
pub fn as_reference(v: &Value) -> Option<(&str, &str)> {
    let o = v.as_object()?;
    Some((o.get("ref")?.as_str()?, o.get("attribute")?.as_str()?))
}
