//! `ec2.internet_gateway`: derived for a network with public subnets.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.internet_gateway";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["vpc"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGateway {
    pub vpc: Val<String>,
    pub tags: Tags,
}
