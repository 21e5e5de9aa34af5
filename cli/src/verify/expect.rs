//! What DNS should answer, from the compiled model: the record sets of each zone grouped
//! by name and type, values taken from hosts filled in from the state's outputs, aliases
//! to records of the stack replaced by their target's values.

use drove_compiler::model::record_set::{Policy, RecordSet};
use drove_compiler::model::{DesiredState, Spec, Val};
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
    // (zone address, set) of every record set.
    let sets: Vec<(&str, &RecordSet)> = desired
        .resources
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::RecordSet(s) => Some((r.container().unwrap_or(""), s.as_ref())),
            _ => None,
        })
        .collect();
    let all: Vec<&RecordSet> = sets.iter().map(|(_, s)| *s).collect();
    desired
        .resources
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::HostedZone(z) => Some((r.address.as_str(), z)),
            _ => None,
        })
        .map(|(address, z)| {
            let mut groups: Vec<Group> = Vec::new();
            for (_, s) in sets.iter().filter(|(zone, _)| *zone == address) {
                let name = lower_dot(&s.name);
                let rtype = s.rtype.clone();
                let alt = alternative(s, &all, outputs, 0);
                match groups.iter_mut().find(|g| g.name == name && g.rtype == rtype) {
                    Some(g) => g.alternatives.push(alt),
                    None => groups.push(Group { name, rtype, policy: s.routing.policy(), alternatives: vec![alt] }),
                }
            }
            let name_servers = outputs
                .get(address)
                .and_then(|o| o.get("name_servers"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            Zone { name: lower_dot(&z.name), private: !z.private_vpcs.is_empty(), name_servers, groups }
        })
        .collect()
}

/// Aliases may point at aliases; Route53 allows chains, so a bound keeps a cycle finite.
const MAX_ALIAS_DEPTH: usize = 8;

fn alternative(s: &RecordSet, sets: &[&RecordSet], outputs: &Outputs, depth: usize) -> Alternative {
    let set_id = s.routing.set_identifier.clone();
    let Some(alias) = &s.alias else {
        return Alternative { set_id, ttl: s.ttl, values: values(s.values.as_deref().unwrap_or(&[]), outputs) };
    };
    let target = lower_dot(alias.dns_name.text().unwrap_or_default());
    let targets: Vec<&&RecordSet> =
        sets.iter().filter(|t| lower_dot(&t.name) == target && t.rtype == s.rtype).collect();
    let not_checkable =
        |why: String| Alternative { set_id: set_id.clone(), ttl: None, values: Values::NotCheckable(why) };
    match targets.as_slice() {
        [] => not_checkable(format!("an alias to `{target}`, which Route53 resolves itself")),
        _ if depth >= MAX_ALIAS_DEPTH => {
            not_checkable(format!("an alias chain longer than {MAX_ALIAS_DEPTH} through `{target}`"))
        }
        [only] if only.routing.set_identifier.is_none() => {
            let inner = alternative(only, sets, outputs, depth + 1);
            Alternative { set_id, ttl: inner.ttl, values: inner.values }
        }
        _ => not_checkable(format!("an alias to `{target}`, whose routed sets Route53 picks from")),
    }
}

/// A set's values as presentation text; a value from a host comes from the state.
fn values(values: &[Val<String>], outputs: &Outputs) -> Values {
    let mut out = Vec::new();
    for v in values {
        match v {
            Val::Lit(s) => out.push(s.clone()),
            Val::Ref(r) => match outputs.get(&r.address).and_then(|o| o.get(&r.attribute)).and_then(Value::as_str) {
                Some(s) => out.push(s.to_string()),
                None => {
                    return Values::Unknown(format!(
                        "`{}.{}` is not in the state (not applied yet?)",
                        r.address, r.attribute
                    ))
                }
            },
            Val::Secret(_) => {
                let shown = serde_json::to_string(v).unwrap_or_default();
                return Values::Unknown(format!("unexpected value {shown} in the model"));
            }
        }
    }
    Values::Known(out)
}
