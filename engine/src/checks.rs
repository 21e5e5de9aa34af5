//! Checks AWS makes on Route53 changes that moto does not (see notes/moto.md), made by
//! drove itself before anything is sent: a CNAME beside other data at one name (including
//! records drove does not manage), and A/AAAA values that are not addresses (a value can
//! come from a reference the compiler could not check).

use crate::error::{codes, EngineError, Result};
use crate::plan::{Action, PlannedChange};
use crate::provider::{record_set as record, Provider};
use crate::state::State;
use drove_compiler::model::{record_set, RecordSet, Val};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What Route53 knows a set by: name (normalised), type, set identifier.
fn key(r: &RecordSet) -> (String, String, String) {
    (normalize_name(&r.name), r.rtype.clone(), r.routing.set_identifier.clone().unwrap_or_default())
}

fn in_zone(r: &RecordSet, zone: &str) -> bool {
    r.zone.text() == Some(zone)
}

/// Route53 answers `\052` for a leading `*`, moto a literal `*`: compare one form.
pub fn normalize_name(name: &str) -> String {
    name.replace("\\052", "*").to_ascii_lowercase()
}

pub fn check_values(address: &str, after: &Value) -> Result<()> {
    let Some(set) = record(after) else { return Ok(()) };
    let kind = set.rtype.as_str();
    for v in set.values.iter().flatten() {
        if v.is_unknown() {
            continue;
        }
        let text = match v {
            Val::Lit(t) => t.as_str(),
            _ => continue,
        };
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
    let records: Vec<&PlannedChange> = changes.iter().filter(|c| c.kind == record_set::KIND).collect();
    let writes = |c: &&&PlannedChange| matches!(c.action, Action::Create | Action::Update | Action::Replace);
    for c in records.iter().filter(writes) {
        check_values(&c.address, &c.after)?;
    }
    let planned: Vec<(&PlannedChange, Option<RecordSet>, Option<RecordSet>)> =
        records.iter().map(|c| (*c, record(&c.before), record(&c.after))).collect();
    let stored: Vec<(&String, RecordSet)> = work
        .resources
        .iter()
        .filter(|(_, r)| r.kind == record_set::KIND)
        .filter_map(|(a, r)| record(&r.attributes).map(|s| (a, s)))
        .collect();
    // Zones where something is created or changed, with a known id.
    let zones: BTreeSet<String> = planned
        .iter()
        .filter(|(c, _, _)| writes(&c))
        .filter_map(|(_, _, after)| after.as_ref().and_then(|a| a.zone.text().map(str::to_string)))
        .collect();
    for zone in &zones {
        // name -> (type, set identifier, who)
        let mut at: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
        let managed: HashSet<(String, String, String)> = stored
            .iter()
            .map(|(_, s)| s)
            .chain(planned.iter().filter_map(|(_, before, _)| before.as_ref()))
            .chain(planned.iter().filter_map(|(_, _, after)| after.as_ref()))
            .filter(|s| in_zone(s, zone))
            .map(key)
            .collect();
        for live in provider.zone_records(zone).await? {
            let key = key(&live.set);
            if !managed.contains(&key) {
                at.entry(key.0).or_default().push((key.1, key.2, "a record drove does not manage".into()));
            }
        }
        let deleted: HashSet<&str> =
            records.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.as_str()).collect();
        for (address, set) in stored.iter().filter(|(a, s)| {
            in_zone(s, zone)
                && !deleted.contains(a.as_str())
                && !records.iter().any(|c| &c.address == *a && c.action != Action::NoOp)
        }) {
            let (name, rtype, id) = key(set);
            at.entry(name).or_default().push((rtype, id, address.to_string()));
        }
        for (c, _, after) in planned.iter().filter(|(c, _, _)| writes(&c)) {
            let Some(set) = after.as_ref().filter(|s| in_zone(s, zone)) else { continue };
            let (name, rtype, id) = key(set);
            at.entry(name).or_default().push((rtype, id, c.address.clone()));
        }
        for (name, entries) in at {
            let cname = entries.iter().find(|e| e.0 == "CNAME");
            let other = entries.iter().find(|e| e.0 != "CNAME");
            if let (Some(c), Some(o)) = (cname, other) {
                return Err(EngineError::new(
                    codes::INVALID_CHANGE,
                    format!(
                        "{name} would have a CNAME ({}) beside a {} record ({}); Route53 rejects that",
                        c.2, o.0, o.2
                    ),
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
        assert!(check_values(
            "r",
            &json!({"zone": "Z1", "name": "r.example.", "ttl": 60, "type": "A", "values": ["192.0.2.1"]})
        )
        .is_ok());
        assert_eq!(
            check_values(
                "r",
                &json!({"zone": "Z1", "name": "r.example.", "ttl": 60, "type": "A", "values": ["not-an-ip"]})
            )
            .unwrap_err()
            .code,
            codes::INVALID_CHANGE
        );
        assert!(check_values(
            "r",
            &json!({"zone": "Z1", "name": "r.example.", "ttl": 60, "type": "AAAA", "values": ["192.0.2.1"]})
        )
        .is_err());
        assert!(check_values(
            "r",
            &json!({"zone": "Z1", "name": "r.example.", "ttl": 60, "type": "A", "values": [{"ref": "h", "attribute": "public_ip", "unknown": true}]})
        )
        .is_ok());
        assert_eq!(normalize_name("\\052.Example."), "*.example.");
    }
}
