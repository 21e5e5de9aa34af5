//! `ec2.security_group`: a firewall, without its rules (those are
//! `ec2.security_group_rules`, so groups that name each other can both exist first).

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.security_group";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["vpc", "name", "description"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub vpc: Val<String>,
    pub name: String,
    pub description: String,
    pub tags: Tags,
}
