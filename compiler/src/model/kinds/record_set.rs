//! `route53.record_set`: the records of one name, type and set identifier. Record sets
//! take no tags; they are found again by that key.

use crate::model::{schema::nothing, Schema, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "route53.record_set";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["zone", "name", "type", "set_identifier"],
    sets: &["values"],
    outputs: &["fqdn"],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSet {
    pub zone: Val<String>,
    /// Absolute, with the final dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// Set with `values`; an alias has neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    /// Each in Route53's presentation format, or a reference to a host's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Val<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
    #[serde(flatten)]
    pub routing: Routing,
}

impl RecordSet {
    /// The key Route53 knows a set by: name, type and set identifier.
    pub fn key(&self) -> (&str, &str, Option<&str>) {
        (&self.name, &self.rtype, self.routing.set_identifier.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    /// A name, or a balancer's `dns_name` output.
    pub dns_name: Val<String>,
    /// `None` only for a target whose zone drove cannot know; the checker refuses that.
    pub zone_id: Option<Val<String>>,
    pub evaluate_health: bool,
}

/// The routing policy of a set; all absent for simple routing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Routing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u64>,
    /// `PRIMARY` or `SECONDARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geolocation: Option<Geolocation>,
    /// Latency routing's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multivalue: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<Val<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Geolocation {
    pub continent: Option<String>,
    pub country: Option<String>,
    pub subdivision: Option<String>,
}

/// How Route53 picks among the sets of one name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Simple,
    Weighted,
    Failover,
    Geolocation,
    Latency,
    Multivalue,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Simple => "simple",
            Policy::Weighted => "weighted",
            Policy::Failover => "failover",
            Policy::Geolocation => "geolocation",
            Policy::Latency => "latency",
            Policy::Multivalue => "multivalue",
        }
    }
}

impl Routing {
    /// The policy these settings give: simple without a set identifier, else the one its
    /// settings name (latency's `region` being the one left).
    pub fn policy(&self) -> Policy {
        if self.set_identifier.is_none() {
            Policy::Simple
        } else if self.multivalue == Some(true) {
            Policy::Multivalue
        } else if self.weight.is_some() {
            Policy::Weighted
        } else if self.failover.is_some() {
            Policy::Failover
        } else if self.geolocation.is_some() {
            Policy::Geolocation
        } else {
            Policy::Latency
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_names_its_policy() {
        let routed = |r: Routing| Routing { set_identifier: Some("a".into()), ..r };
        assert_eq!(Routing::default().policy(), Policy::Simple);
        assert_eq!(routed(Routing { weight: Some(10), ..Default::default() }).policy(), Policy::Weighted);
        assert_eq!(
            routed(Routing { failover: Some("PRIMARY".into()), ..Default::default() }).policy(),
            Policy::Failover
        );
        let geo = Geolocation { country: Some("JP".into()), ..Default::default() };
        assert_eq!(routed(Routing { geolocation: Some(geo), ..Default::default() }).policy(), Policy::Geolocation);
        assert_eq!(
            routed(Routing { region: Some("ap-northeast-1".into()), ..Default::default() }).policy(),
            Policy::Latency
        );
        let multi = routed(Routing { multivalue: Some(true), weight: Some(1), ..Default::default() });
        assert_eq!(multi.policy(), Policy::Multivalue);
        assert_eq!(multi.policy().as_str(), "multivalue");
    }
}
