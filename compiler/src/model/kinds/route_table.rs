//! `ec2.route_table`: a network's routes (the derived public table sends
//! `0.0.0.0/0` to the internet gateway).

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.route_table";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["vpc"],
    sets: &["routes"],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    pub vpc: Val<String>,
    pub routes: Vec<Route>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub destination: String,
    pub gateway: Val<String>,
}
