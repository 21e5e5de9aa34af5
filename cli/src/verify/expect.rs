//! What DNS should answer, from the compiled model: the record sets of each zone grouped
//! by name and type, values taken from hosts filled in from the state's outputs, aliases
//! to records of the stack replaced by their target's values.

use drove_compiler::model::{as_reference, DesiredState, Resource};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Outputs of the applied resources (ids, `public_ip`, `name_servers`), by address.
pub type Outputs = BTreeMap<String, Map<String, Value>>;

pub struct Zone {
    pub name: String,
    pub private: bool,
    /// The delegation set's host names, when the zone was applied.
    pub name_servers: Vec<String>,
    pub groups: Vec<Group>,
}

/// The record sets of one name and type: one set, or several routed ones.
pub struct Group {
    pub name: String,
    pub rtype: String,
    pub policy: Policy,
    pub alternatives: Vec<Alternative>,
}

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

pub struct Alternative {
    pub set_id: Option<String>,
    pub ttl: Option<u64>,
    pub values: Values,
}

pub enum Values {
    Known(Vec<String>),
    /// A value known only after apply that the state does not hold (why).
    Unknown(String),
    /// An alias Route53 resolves itself (a load balancer, CloudFront…): why.
    NotCheckable(String),
}

fn text<'a>(r: &'a Resource, key: &str) -> Option<&'a str> {
    r.attributes.get(key).and_then(Value::as_str)
}

fn lower_dot(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n.ends_with('.') {
        n
    } else {
        format!("{n}.")
    }
}

/// Every zone of the desired state with the record sets it should serve.
pub fn zones(desired: &DesiredState, outputs: &Outputs) -> Vec<Zone> {
    let sets: Vec<&Resource> = desired.resources.iter().filter(|r| r.kind == "route53.record_set").collect();
    desired
        .resources
        .iter()
        .filter(|r| r.kind == "route53.hosted_zone")
        .map(|z| {
            let mut groups: Vec<Group> = Vec::new();
            for s in sets.iter().filter(|s| s.attributes.pointer("/zone/ref").and_then(Value::as_str) == Some(z.address.as_str())) {
                let name = lower_dot(text(s, "name").unwrap_or(""));
                let rtype = text(s, "type").unwrap_or("").to_string();
                let alt = alternative(s, &sets, outputs, 0);
                match groups.iter_mut().find(|g| g.name == name && g.rtype == rtype) {
                    Some(g) => g.alternatives.push(alt),
                    None => groups.push(Group { name, rtype, policy: policy(&s.attributes), alternatives: vec![alt] }),
                }
            }
            let name_servers = outputs
                .get(&z.address)
                .and_then(|o| o.get("name_servers"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            Zone {
                name: lower_dot(text(z, "name").unwrap_or("")),
                private: z.attributes.get("private_vpcs").and_then(Value::as_array).is_some_and(|v| !v.is_empty()),
                name_servers,
                groups,
            }
        })
        .collect()
}

fn policy(attrs: &Value) -> Policy {
    if attrs.get("set_identifier").is_none() {
        Policy::Simple
    } else if attrs.get("multivalue").and_then(Value::as_bool) == Some(true) {
        Policy::Multivalue
    } else if attrs.get("weight").is_some() {
        Policy::Weighted
    } else if attrs.get("failover").is_some() {
        Policy::Failover
    } else if attrs.get("geolocation").is_some() {
        Policy::Geolocation
    } else {
        Policy::Latency
    }
}

/// Aliases may point at aliases; Route53 allows chains, so a bound keeps a cycle finite.
const MAX_ALIAS_DEPTH: usize = 8;

fn alternative(s: &Resource, sets: &[&Resource], outputs: &Outputs, depth: usize) -> Alternative {
    let set_id = text(s, "set_identifier").map(str::to_string);
    let Some(alias) = s.attributes.get("alias") else {
        return Alternative { set_id, ttl: s.attributes.get("ttl").and_then(Value::as_u64), values: values(&s.attributes, outputs) };
    };
    let target = lower_dot(alias.get("dns_name").and_then(Value::as_str).unwrap_or(""));
    let rtype = text(s, "type").unwrap_or("");
    let targets: Vec<&&Resource> =
        sets.iter().filter(|t| text(t, "name").map(lower_dot).as_deref() == Some(target.as_str()) && text(t, "type") == Some(rtype)).collect();
    let not_checkable = |why: String| Alternative { set_id: set_id.clone(), ttl: None, values: Values::NotCheckable(why) };
    match targets.as_slice() {
        [] => not_checkable(format!("an alias to `{target}`, which Route53 resolves itself")),
        _ if depth >= MAX_ALIAS_DEPTH => not_checkable(format!("an alias chain longer than {MAX_ALIAS_DEPTH} through `{target}`")),
        [only] if only.attributes.get("set_identifier").is_none() => {
            let inner = alternative(only, sets, outputs, depth + 1);
            Alternative { set_id, ttl: inner.ttl, values: inner.values }
        }
        _ => not_checkable(format!("an alias to `{target}`, whose routed sets Route53 picks from")),
    }
}

/// A set's values as presentation text; a value from a host comes from the state.
fn values(attrs: &Value, outputs: &Outputs) -> Values {
    let mut out = Vec::new();
    for v in attrs.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        match v {
            Value::String(s) => out.push(s.clone()),
            other => match as_reference(other) {
                Some((address, attribute)) => match outputs.get(address).and_then(|o| o.get(attribute)).and_then(Value::as_str) {
                    Some(s) => out.push(s.to_string()),
                    None => return Values::Unknown(format!("`{address}.{attribute}` is not in the state (not applied yet?)")),
                },
                None => return Values::Unknown(format!("unexpected value {other} in the model")),
            },
        }
    }
    Values::Known(out)
}
