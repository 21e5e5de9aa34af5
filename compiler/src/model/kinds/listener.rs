//! `elbv2.listener`: a port a balancer listens on and what it does with a request:
//! forward it to a target group, or redirect it (HTTP to HTTPS).

use crate::model::{schema::nothing, Schema, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "elbv2.listener";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["load_balancer", "port"],
    sets: &[],
    outputs: &["arn"],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means: nothing,
};

/// The TLS policy drove sets on HTTPS and TLS listeners: TLS 1.2 and 1.3 only.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub load_balancer: Val<String>,
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP` or `TCP_UDP`.
    pub protocol: String,
    /// The ACM certificate's ARN, for HTTPS and TLS.
    pub certificate: Option<Val<String>>,
    pub ssl_policy: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Forward {
        target_group: Val<String>,
    },
    /// A permanent redirect to the same host and path on another port and protocol.
    Redirect {
        protocol: String,
        port: u16,
    },
}

/// The model's address of a balancer's listener.
pub fn address(balancer: &str, port: u16) -> String {
    format!("balancer.{balancer}.listener.{port}")
}
