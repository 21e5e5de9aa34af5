//! `ec2.nat_gateway`: a public NAT gateway in a public subnet, with its Elastic IP, that
//! the network's private subnets route `0.0.0.0/0` through.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.nat_gateway";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["subnet", "allocation"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGateway {
    pub subnet: Val<String>,
    /// The Elastic IP's allocation id.
    pub allocation: Val<String>,
    pub tags: Tags,
}
