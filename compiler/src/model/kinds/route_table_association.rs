//! `ec2.route_table_association`: a subnet's route table. It takes no tags; its id is
//! AWS's association id.

use crate::model::{schema::nothing, Schema, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.route_table_association";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["subnet"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    pub subnet: Val<String>,
    pub route_table: Val<String>,
}
