//! `ec2.elastic_ip`: the public address of a NAT gateway.

use crate::model::{schema::nothing, Schema, Tags};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.elastic_ip";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &[],
    sets: &[],
    outputs: &["public_ip"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticIp {
    pub tags: Tags,
}
