//! `elbv2.target`: one instance registered in a target group. Creating it waits until the
//! group reports the instance healthy; deleting it waits out the deregistration delay, so
//! a rolling replacement never takes a host out before its successor serves.

use crate::model::{schema::nothing, Schema, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "elbv2.target";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["target_group", "instance", "port"],
    sets: &[],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub target_group: Val<String>,
    pub instance: Val<String>,
    pub port: u16,
}

/// The model's address of an instance's registration: `balancer.web.target.app/hosts.app[0]`.
pub fn address(group_address: &str, instance_address: &str) -> String {
    format!("{group_address}/{instance_address}")
}

/// The registration's id: the group's ARN, the instance id and the port.
pub fn id(group_arn: &str, instance: &str, port: u16) -> String {
    format!("{group_arn}|{instance}|{port}")
}
