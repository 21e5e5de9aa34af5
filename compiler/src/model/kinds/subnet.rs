//! `ec2.subnet`: one block of a network in one availability zone.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.subnet";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["vpc", "cidr", "availability_zone"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    pub vpc: Val<String>,
    pub cidr: String,
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
    pub tags: Tags,
}
