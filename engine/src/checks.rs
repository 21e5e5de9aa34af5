//! Checks AWS makes on Route53 changes that moto does not (see notes/moto.md), made by
//! drove itself before anything is sent: a CNAME beside other data at one name (including
//! records drove does not manage), and A/AAAA values that are not addresses (a value can
//! come from a reference the compiler could not check).

use crate::error::{codes, EngineError, Result};
use crate::kinds;
use crate::plan::{is_unknown, Action, PlannedChange};
use crate::provider::Provider;
use crate::state::State;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Route53 answers `\052` for a leading `*`, moto a literal `*`: compare one form.
pub fn normalize_name(name: &str) -> String {
    name.replace("\\052", "*").to_ascii_lowercase()
}

pub fn check_values(address: &str, after: &Value) -> Result<()> {
    let kind = s(after, "type");
    let Some(values) = after.get("values").and_then(Value::as_array) else { return Ok(()) };
    for v in values {
        if is_unknown(v) {
            continue;
        }
        let text = v.as_str().unwrap_or("");
        let ok = match kind {
            "A" => text.parse::<std::net::Ipv4Addr>().is_ok(),
            "AAAA" => text.parse::<std::net::Ipv6Addr>().is_ok(),
            _ => true,
        };
        if !ok {
            return Err(EngineError::new(
                codes::INVALID_CHANGE,
                format!("{address}: `{text}` is not a valid {kind} value; Route53 would reject the change"),
            ));
        }
    }
    Ok(())
}

pub async fn check_records(changes: &[PlannedChange], work: &State, provider: &dyn Provider) -> Result<()> {
    let records: Vec<&PlannedChange> = changes.iter().filter(|c| c.kind == kinds::RECORD_SET).collect();
    for c in &records {
        if matches!(c.action, Action::Create | Action::Update | Action::Replace) {
            check_values(&c.address, &c.after)?;
        }
    }
    // Zones where something is created or changed, with a known id.
    let zones: BTreeSet<&str> = records
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Replace))
        .filter_map(|c| c.after.get("zone").and_then(Value::as_str))
        .collect();
    for zone in zones {
        // name -> (type, set identifier, who)
        let mut at: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
        let managed: HashSet<(String, String, String)> = work
            .resources
            .values()
            .map(|r| &r.attributes)
            .chain(records.iter().map(|c| &c.before))
            .chain(records.iter().map(|c| &c.after))
            .filter(|a| s(a, "zone") == zone)
            .map(|a| (normalize_name(s(a, "name")), s(a, "type").to_string(), s(a, "set_identifier").to_string()))
            .collect();
        for live in provider.zone_records(zone).await? {
            let key = (normalize_name(s(&live, "name")), s(&live, "type").to_string(), s(&live, "set_identifier").to_string());
            if !managed.contains(&key) {
                at.entry(key.0).or_default().push((key.1, key.2, "a record drove does not manage".into()));
            }
        }
        let deleted: HashSet<&str> =
            records.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.as_str()).collect();
        for r in work.resources.iter().filter(|(a, r)| {
            r.kind == kinds::RECORD_SET && s(&r.attributes, "zone") == zone && !deleted.contains(a.as_str())
                && !records.iter().any(|c| &c.address == *a && c.action != Action::NoOp)
        }) {
            at.entry(normalize_name(s(&r.1.attributes, "name")))
                .or_default()
                .push((s(&r.1.attributes, "type").into(), s(&r.1.attributes, "set_identifier").into(), r.0.clone()));
        }
        for c in records.iter().filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Replace)) {
            if s(&c.after, "zone") != zone {
                continue;
            }
            at.entry(normalize_name(s(&c.after, "name")))
                .or_default()
                .push((s(&c.after, "type").into(), s(&c.after, "set_identifier").into(), c.address.clone()));
        }
        for (name, entries) in at {
            let cname = entries.iter().find(|e| e.0 == "CNAME");
            let other = entries.iter().find(|e| e.0 != "CNAME");
            if let (Some(c), Some(o)) = (cname, other) {
                return Err(EngineError::new(
                    codes::INVALID_CHANGE,
                    format!("{name} would have a CNAME ({}) beside a {} record ({}); Route53 rejects that", c.2, o.0, o.2),
                )
                .with_help("a name with a CNAME can hold no other record: remove one of them"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_a_values_are_refused() {
        assert!(check_values("r", &json!({"type": "A", "values": ["192.0.2.1"]})).is_ok());
        assert_eq!(check_values("r", &json!({"type": "A", "values": ["not-an-ip"]})).unwrap_err().code, codes::INVALID_CHANGE);
        assert!(check_values("r", &json!({"type": "AAAA", "values": ["192.0.2.1"]})).is_err());
        assert!(check_values("r", &json!({"type": "A", "values": [{"ref": "h", "attribute": "public_ip", "unknown": true}]})).is_ok());
        assert_eq!(normalize_name("\\052.Example."), "*.example.");
    }
}
