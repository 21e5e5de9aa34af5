//! `drove replace ADDRESS`: one instance of a `hosts` declaration replaced the way a
//! rollout replaces it (its replacement launched, what references it moved over, the old
//! one drained on the host and terminated), from a plan made with `--replace ADDRESS`.
//! What it may replace is checked against the state before planning ([`target`]), and the
//! plan must hold that replacement and nothing else ([`alone`]): a stack with other
//! changes pending is `drove apply`'s business.

use super::{base, deposed};
use crate::error::{codes, EngineError, Result};
use crate::plan::{Action, Plan, PlanOptions};
use crate::state::State;
use drove_compiler::model::{instance, DesiredState};
use serde_json::Value;

/// What planning the replacement of `address` needs: `--replace ADDRESS`, or, when an
/// earlier replacement of it was interrupted (its old instance still deposed in the state),
/// nothing but finishing that one.
pub fn plan_options(address: &str, state: Option<&State>) -> PlanOptions {
    let interrupted = state.is_some_and(|s| s.resources.contains_key(&deposed(address)));
    PlanOptions { replace: if interrupted { Vec::new() } else { vec![address.to_string()] }, ..Default::default() }
}

/// Refuses what `drove replace` does not replace: an address that is not an instance of the
/// state, one no longer declared, another kind of resource, and a pet (a `host`, or an
/// instance with `protect = true`).
pub fn target(address: &str, desired: &DesiredState, state: Option<&State>) -> Result<()> {
    let declared = desired.resources.iter().find(|r| r.address == address);
    let recorded =
        state.and_then(|s| s.resources.get(address).or_else(|| s.resources.get(&deposed(address)))).map(|r| &r.kind);
    let refuse = |why: String, help: &str| Err(EngineError::new(codes::REPLACE_REFUSED, why).with_help(help));
    match (declared, recorded) {
        (Some(r), _) if r.kind() != instance::KIND => refuse(
            format!("{address} is a `{}`; drove replace replaces instances", r.kind()),
            &format!("to replace it anyway, run `drove apply --replace {address}`"),
        ),
        (Some(r), _) if r.protect || address.starts_with("host.") => refuse(
            format!("{address} is a pet{}; drove replace replaces cattle (`hosts`)", protected(r.protect)),
            &format!("to replace it on purpose, review the whole plan of `drove apply --replace {address}`"),
        ),
        (Some(_), Some(_)) => Ok(()),
        (Some(_), None) => Err(EngineError::new(
            codes::UNKNOWN_TARGET,
            format!("{address} is declared but not in the state: there is no instance to replace"),
        )
        .with_help("`drove apply` creates it")),
        (None, Some(_)) => refuse(
            format!("{address} is no longer declared"),
            "`drove apply` drains and terminates it without a replacement",
        ),
        (None, None) => {
            let mut e =
                EngineError::new(codes::UNKNOWN_TARGET, format!("{address} is not an instance of this stack's state"));
            let instances: Vec<&str> = state
                .map(|s| s.resources.iter().filter(|(_, r)| r.kind == instance::KIND).map(|(a, _)| base(a)).collect())
                .unwrap_or_default();
            if let Some(s) = drove_compiler::diag::did_you_mean(address, instances.iter().copied()) {
                e = e.with_help(format!("did you mean `{s}`?"));
            } else if instances.is_empty() {
                e = e.with_help("the state holds no instance; `drove apply` creates them");
            }
            Err(e)
        }
    }
}

fn protected(protect: bool) -> &'static str {
    if protect {
        " (`protect = true`)"
    } else {
        ""
    }
}

/// Refuses a plan that does more than replace `address`: besides that instance (its
/// replacement, or the termination of its deposed old one) it may only update what refers
/// to it, with the values its replacement will have, and replace its registrations in
/// balancers' target groups.
pub fn alone(plan: &Plan, address: &str) -> Result<()> {
    let old = deposed(address);
    let others: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| match c.action {
            Action::NoOp => false,
            Action::Replace if c.kind == drove_compiler::model::target::KIND => {
                !c.diffs.iter().all(|d| d.name == "instance" && waits_only_for(&d.after, address))
            }
            Action::Replace | Action::Create => c.address != address,
            Action::Delete => c.address != old,
            Action::Update => {
                c.claim || c.diffs.is_empty() || !c.diffs.iter().all(|d| waits_only_for(&d.after, address))
            }
        })
        .map(|c| format!("{} ({})", c.address, c.action.verb()))
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let mut list = others.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if others.len() > SHOWN {
        list.push_str(&format!(" and {} more", others.len() - SHOWN));
    }
    Err(EngineError::new(codes::REPLACE_REFUSED, format!("replacing {address} is not all this plan would do: {list}"))
        .with_help(format!(
            "apply the stack's pending changes first (`drove apply`), or do both in one run with \
         `drove apply --replace {address}`"
        )))
}

/// Whether `v` holds a value known only once `address` is created, and no other unknown.
fn waits_only_for(v: &Value, address: &str) -> bool {
    let mut seen = false;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) if o.get("unknown") == Some(&Value::Bool(true)) => {
                if o.get("ref").and_then(Value::as_str) != Some(address) {
                    return false;
                }
                seen = true;
            }
            Value::Object(o) => stack.extend(o.values()),
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::resolve::unknown;
    use serde_json::json;

    #[test]
    fn an_unknown_of_the_replaced_instance_only() {
        let ip = unknown("hosts.app[1]", "public_ip");
        assert!(waits_only_for(&json!(["198.51.100.1", ip]), "hosts.app[1]"));
        assert!(!waits_only_for(&json!(["198.51.100.1", ip]), "hosts.app[0]"));
        assert!(!waits_only_for(&json!(["198.51.100.1"]), "hosts.app[1]"));
        let other = unknown("hosts.app[2]", "public_ip");
        assert!(!waits_only_for(&json!([ip, other]), "hosts.app[1]"));
    }
}
