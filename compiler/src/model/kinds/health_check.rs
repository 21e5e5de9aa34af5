//! `route53.health_check`: what routed records fail over on.

use crate::model::{schema::nothing, Schema};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "route53.health_check";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["type", "request_interval"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// Route53's name: `HTTP`, `HTTPS`, `TCP`.
    #[serde(rename = "type")]
    pub check_type: String,
    pub fqdn: Option<String>,
    pub ip: Option<String>,
    pub port: u16,
    pub resource_path: Option<String>,
    pub request_interval: u64,
    pub failure_threshold: u64,
}
