//! References in desired attributes: resolved from the state where the target exists and
//! stays, marked unknown where it is still to be created.

use crate::error::{codes, EngineError, Result};
use crate::state::State;
use drove_compiler::model::{as_reference, Ref};
use serde::Deserialize as _;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The marker for a value known only after apply.
pub fn unknown(address: &str, attribute: &str) -> Value {
    crate::provider::attributes(&Ref { unknown: true, ..Ref::new(address, attribute) })
}

/// Whether a value is, or contains, a value known only after apply.
pub fn is_unknown(v: &Value) -> bool {
    match v {
        Value::Object(o) => Ref::deserialize(v).is_ok_and(|r| r.unknown) || o.values().any(is_unknown),
        Value::Array(a) => a.iter().any(is_unknown),
        _ => false,
    }
}

/// Replaces every reference by its value. `pending` names resources that will be
/// (re)created, whose values are unknown; with `pending = None` every reference must
/// resolve (apply time).
pub fn resolve(v: &Value, state: &State, pending: Option<&HashSet<String>>, from: &str) -> Result<Value> {
    if let Some((address, attribute)) = as_reference(v) {
        if pending.is_some_and(|p| p.contains(address)) {
            return Ok(unknown(address, attribute));
        }
        let record = state.resources.get(address).ok_or_else(|| {
            EngineError::new(
                codes::INVALID_CHANGE,
                format!("{from} refers to {address}, which is neither in the state nor created before it"),
            )
        })?;
        return record.output(attribute).ok_or_else(|| {
            EngineError::new(
                codes::INVALID_CHANGE,
                format!("{from} refers to `{attribute}` of {address}, which it does not have"),
            )
        });
    }
    Ok(match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                out.insert(k.clone(), resolve(x, state, pending, from)?);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, state, pending, from)).collect::<Result<_>>()?),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceRecord;
    use serde_json::json;

    #[test]
    fn resolves_known_and_marks_pending() {
        let mut st = State::new("s");
        st.resources.insert(
            "network.main".into(),
            ResourceRecord {
                kind: "ec2.vpc".into(),
                id: "vpc-1".into(),
                attributes: json!({}),
                outputs: Map::new(),
                depends_on: vec![],
                protect: false,
            },
        );
        let v = json!({"vpc": {"ref": "network.main", "attribute": "id"}, "x": [{"ref": "hosts.a[0]", "attribute": "public_ip"}]});
        let pending: HashSet<String> = ["hosts.a[0]".to_string()].into();
        let r = resolve(&v, &st, Some(&pending), "t").unwrap();
        assert_eq!(r["vpc"], json!("vpc-1"));
        assert!(is_unknown(&r["x"]));
        assert!(resolve(&v, &st, None, "t").is_err());
    }
}
