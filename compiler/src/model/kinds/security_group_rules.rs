//! `ec2.security_group_rules`: every rule of one group, managed exactly.

use crate::model::{Schema, Val};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.security_group_rules";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["group"],
    sets: &["ingress", "egress"],
    outputs: &[],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means,
};

/// A firewall without `to` rules has AWS's default egress, the one rule every new group
/// gets (all traffic to anywhere over IPv4; drove's networks have no IPv6). Filling it in
/// makes drove put that rule back when the last `to` rule goes, and show drift when it is
/// changed.
fn null_means(attribute: &str) -> Option<Value> {
    (attribute == "egress").then(|| serde_json::to_value([Rule::default_egress()]).unwrap_or(Value::Null))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupRules {
    pub group: Val<String>,
    pub ingress: Vec<Rule>,
    /// `None` keeps AWS's default egress rule.
    pub egress: Option<Vec<Rule>>,
}

/// One rule as EC2 names it: protocol `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all), ports
/// `-1` where the protocol has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    #[serde(flatten)]
    pub peer: Peer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    Cidr(String),
    Ipv6Cidr(String),
    Group(Val<String>),
}

impl Rule {
    pub fn default_egress() -> Rule {
        Rule { protocol: "-1".into(), from_port: -1, to_port: -1, peer: Peer::Cidr("0.0.0.0/0".into()) }
    }
}
