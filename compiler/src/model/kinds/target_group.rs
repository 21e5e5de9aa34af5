//! `elbv2.target_group`: the hosts of some roles behind one port of a balancer, with
//! their health check and how long a deregistered host keeps its connections.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "elbv2.target_group";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name", "protocol", "port", "vpc"],
    sets: &[],
    outputs: &["arn"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroup {
    pub name: String,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP` or `TCP_UDP`.
    pub protocol: String,
    pub port: u16,
    pub vpc: Val<String>,
    pub health: Health,
    /// Seconds a deregistered target keeps its in-flight requests.
    pub deregistration_delay: u64,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `HTTP`, `HTTPS` or `TCP`.
    pub protocol: String,
    /// For HTTP(S) checks.
    pub path: Option<String>,
    /// HTTP codes that count as healthy, as ELB writes them: `200`, `200-399`, `200,302`.
    pub codes: Option<String>,
    pub interval: u64,
    pub healthy_threshold: u64,
    pub unhealthy_threshold: u64,
}

/// The model's address of a balancer's target group.
pub fn address(balancer: &str, target: &str) -> String {
    format!("balancer.{balancer}.target.{target}")
}
