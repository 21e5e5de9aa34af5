//! Values a stack names in the stacks it uses (`use net = "../network"`): read from
//! their states, read-only and without their locks, and put in place of the references
//! before anything else plans, so the rest of the planner sees literals.

use crate::error::{codes, EngineError, Result};
use crate::state::State;
use drove_compiler::model::{DesiredState, Resource, Spec};
use serde_json::Value;
use std::collections::BTreeMap;

/// The states of the used stacks by their repository path; `None`: no state yet.
pub type UsedStates = BTreeMap<String, Option<State>>;

/// `desired` with every `{"ref", "attribute", "stack"}` replaced by the value the used
/// stack's state holds. A stack not applied yet, or a resource its state lacks, is E0318
/// naming the resource that needs it.
pub fn substitute(desired: &DesiredState, states: &UsedStates) -> Result<DesiredState> {
    if desired.uses.is_empty() {
        return Ok(desired.clone());
    }
    let mut out = desired.clone();
    let mut errors = Vec::new();
    for r in &mut out.resources {
        let mut attributes = r.attributes();
        if !replace(&mut attributes, states, &r.address, &mut errors) {
            continue;
        }
        match Spec::from_attributes(r.kind(), attributes) {
            Ok(spec) => *r = Resource { spec, ..r.clone() },
            Err(e) => errors.push(EngineError::new(codes::NOT_APPLIED, format!("{}: {e}", r.address))),
        }
    }
    match EngineError::all(errors) {
        None => Ok(out),
        Some(e) => Err(e),
    }
}

/// Replaces the references to other stacks inside `v`; whether there were any.
fn replace(v: &mut Value, states: &UsedStates, from: &str, errors: &mut Vec<EngineError>) -> bool {
    match v {
        Value::Object(o) if o.contains_key("stack") && o.contains_key("ref") => {
            let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            let (stack, address, attribute) = (text("stack"), text("ref"), text("attribute"));
            match value_of(states, &stack, &address, &attribute) {
                Ok(value) => *v = value,
                Err(e) => errors.push(e.with_help(format!("`{from}` needs it; apply the stack at `{stack}` first"))),
            }
            true
        }
        Value::Object(o) => o.values_mut().fold(false, |any, x| replace(x, states, from, errors) | any),
        Value::Array(a) => a.iter_mut().fold(false, |any, x| replace(x, states, from, errors) | any),
        _ => false,
    }
}

fn value_of(states: &UsedStates, stack: &str, address: &str, attribute: &str) -> Result<Value> {
    let not_applied = |why: String| EngineError::new(codes::NOT_APPLIED, why);
    let state = match states.get(stack) {
        Some(Some(s)) => s,
        Some(None) => {
            return Err(not_applied(format!("the stack at `{stack}` has not been applied: it has no state yet")))
        }
        None => return Err(not_applied(format!("the state of the stack at `{stack}` was not read"))),
    };
    let record = state.resources.get(address).ok_or_else(|| {
        not_applied(format!("`{address}` of the stack at `{stack}` is not in its state: not applied yet"))
    })?;
    record
        .output(attribute)
        .filter(|v| !v.is_null())
        .ok_or_else(|| not_applied(format!("`{address}` of the stack at `{stack}` has no `{attribute}` in its state")))
}
