//! The plan's rollout section: per role, the instances replaced in each batch (in index
//! order), those replaced destroy-first, and those only terminated.

use super::{base, deposed, natural_key, Rollout, Settings, DEPOSED_SUFFIX};
use crate::plan::{Action, PlannedChange};
use drove_compiler::model::{instance, Instance};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// An instance's planned or live attributes, typed; `None` for `null` (a delete's after).
fn instance(v: &Value) -> Option<Instance> {
    serde_json::from_value(v.clone()).ok()
}

fn role_of(c: &PlannedChange) -> String {
    [&c.after, &c.before].into_iter().find_map(instance).map(|i| i.role).unwrap_or_default()
}

/// `gone` holds the state keys whose resource no longer exists in AWS.
pub fn schedule(changes: &[PlannedChange], roles: &BTreeMap<String, Settings>, gone: &HashSet<String>) -> Vec<Rollout> {
    let by_address: HashMap<&str, &PlannedChange> = changes.iter().map(|c| (c.address.as_str(), c)).collect();
    let deleted = |key: &str| by_address.get(key).is_some_and(|c| c.action == Action::Delete);
    let mut per_role: BTreeMap<String, Rollout> = BTreeMap::new();
    let mut units: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in changes.iter().filter(|c| c.kind == instance::KIND) {
        let role = role_of(c);
        let r = per_role.entry(role.clone()).or_insert_with(|| {
            let s = roles.get(&role).cloned().unwrap_or_default();
            Rollout {
                role: role.clone(),
                batch: s.batch,
                drain: s.drain,
                drain_timeout: s.drain_timeout,
                batches: vec![],
                destroy_first: vec![],
                terminate: vec![],
                gone: vec![],
            }
        });
        let fixed_ip = instance(&c.after).is_some_and(|i| i.private_ip.is_some());
        match c.action {
            Action::Replace if fixed_ip => r.destroy_first.push(c.address.clone()),
            Action::Replace => units.entry(role).or_default().push(c.address.clone()),
            // A create whose old instance an earlier run left deposed finishes that replacement.
            Action::Create if deleted(&deposed(&c.address)) => units.entry(role).or_default().push(c.address.clone()),
            Action::Delete => {
                if gone.contains(&c.address) {
                    r.gone.push(c.address.clone());
                }
                let finishes_replacement = c.address.ends_with(DEPOSED_SUFFIX)
                    && by_address
                        .get(base(&c.address))
                        .is_some_and(|b| matches!(b.action, Action::Replace | Action::Create));
                if !finishes_replacement {
                    r.terminate.push(c.address.clone());
                }
            }
            _ => {}
        }
    }
    for (role, mut list) in units {
        list.sort_by_key(|a| natural_key(a));
        if let Some(r) = per_role.get_mut(&role) {
            let size = usize::try_from(r.batch).unwrap_or(usize::MAX).max(1);
            r.batches = list.chunks(size).map(<[String]>::to_vec).collect();
        }
    }
    per_role
        .into_values()
        .filter(|r| {
            !(r.batches.is_empty() && r.destroy_first.is_empty() && r.terminate.is_empty() && r.gone.is_empty())
        })
        .map(|mut r| {
            r.terminate.sort_by_key(|a| natural_key(a));
            r.destroy_first.sort_by_key(|a| natural_key(a));
            r
        })
        .collect()
}
