//! `route53.hosted_zone`: a public zone, or a private one associated with networks.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "route53.hosted_zone";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name", "private_vpcs"],
    sets: &["private_vpcs"],
    outputs: &["name_servers"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostedZone {
    pub name: String,
    pub comment: Option<String>,
    pub private_vpcs: Vec<Val<String>>,
    pub tags: Tags,
}
