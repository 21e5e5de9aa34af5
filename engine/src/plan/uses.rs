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
    let mut errors: Vec<Missing> = Vec::new();
    for r in &mut out.resources {
        let mut attributes = r.attributes();
        if !replace(&mut attributes, states, &r.address, &mut errors) {
            continue;
        }
        match Spec::from_attributes(r.kind(), attributes) {
            Ok(spec) => *r = Resource { spec, ..r.clone() },
            Err(e) => errors.push(Missing {
                error: EngineError::new(codes::NOT_APPLIED, format!("{}: {e}", r.address)),
                stack: String::new(),
                needed_by: r.address.clone(),
            }),
        }
    }
    match EngineError::all(merged(errors)) {
        None => Ok(out),
        Some(e) => Err(e),
    }
}

/// Replaces the references to other stacks inside `v`; whether there were any.
fn replace(v: &mut Value, states: &UsedStates, from: &str, errors: &mut Vec<Missing>) -> bool {
    match v {
        Value::Object(o) if o.contains_key("stack") && o.contains_key("ref") => {
            let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            let (stack, address, attribute) = (text("stack"), text("ref"), text("attribute"));
            match value_of(states, &stack, &address, &attribute) {
                Ok(value) => *v = value,
                Err(error) => errors.push(Missing { error, stack, needed_by: from.to_string() }),
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

/// A value a used state could not give, and the resource of this stack needing it.
struct Missing {
    error: EngineError,
    stack: String,
    needed_by: String,
}

/// One error per missing value, naming the resources that need it: a stack not applied
/// yet is one error, not one per reference.
fn merged(missing: Vec<Missing>) -> Vec<EngineError> {
    let mut out: Vec<(Missing, Vec<String>)> = Vec::new();
    for m in missing {
        match out.iter_mut().find(|(o, _)| o.error.message == m.error.message) {
            Some((_, needers)) => {
                if !needers.contains(&m.needed_by) {
                    needers.push(m.needed_by)
                }
            }
            None => {
                let first = m.needed_by.clone();
                out.push((m, vec![first]));
            }
        }
    }
    out.into_iter()
        .map(|(m, needers)| {
            let shown: Vec<String> = needers.iter().take(3).map(|n| format!("`{n}`")).collect();
            let who = match needers.len() - shown.len() {
                0 => shown.join(", "),
                more => format!("{} and {more} more", shown.join(", ")),
            };
            let verb = if needers.len() == 1 { "needs" } else { "need" };
            let then =
                if m.stack.is_empty() { String::new() } else { format!("; apply the stack at `{}` first", m.stack) };
            m.error.with_help(format!("{who} {verb} it{then}"))
        })
        .collect()
}
