//! `drove plan --refresh-only`: what changed in AWS since drove last saw it, without
//! looking at the source. Every resource of the state is read again and compared with
//! the state's own record of it (both live views, so they compare like for like): a
//! firewall rule added in the console, a record edited by hand, an instance terminated.
//! Nothing is written: neither AWS nor the state. The result is a plan whose changes are
//! drift (`refresh_only`), which `apply` refuses.

use super::{normalize, summarize, Action, Plan, PlannedChange, PLAN_FORMAT};
use crate::error::Result;
use crate::provider::Provider;
use crate::state::State;
use drove_compiler::model::DesiredState;
use serde_json::Value;

pub async fn refresh_only(desired: &DesiredState, state: Option<&State>, provider: &dyn Provider) -> Result<Plan> {
    let fresh = State::new(&desired.stack.name);
    let state = state.unwrap_or(&fresh);
    let known = super::planner::known_of(state);
    let lives = provider.refresh(&known).await?;
    let mut changes = Vec::new();
    for (k, live) in known.iter().zip(lives) {
        let mut change = PlannedChange {
            address: k.address.clone(),
            kind: k.kind.clone(),
            action: Action::NoOp,
            id: Some(k.id.clone()),
            before: k.attributes.clone(),
            after: Value::Null,
            outputs: Default::default(),
            diffs: vec![],
            notes: vec![],
            depends_on: vec![],
            state_depends_on: vec![],
            protect: false,
            claim: false,
        };
        match live {
            None => {
                change.action = Action::Delete;
                change.notes.push(format!("{} ({}) is gone: deleted outside drove", k.address, k.id));
            }
            Some(mut l) => {
                normalize::drop_ignored_tags(&mut l.attributes, &desired.stack);
                let mut recorded = k.attributes.clone();
                normalize::drop_ignored_tags(&mut recorded, &desired.stack);
                change.diffs = super::planner::diff(&k.kind, &l.attributes, &recorded)
                    .into_iter()
                    // The state's side is `after` in the planner's terms: swap them back, so
                    // each diff reads "as drove left it → as it is now".
                    .map(|mut d| {
                        std::mem::swap(&mut d.before, &mut d.after);
                        d.forces_replacement = false;
                        d
                    })
                    .collect();
                if !change.diffs.is_empty() {
                    change.action = Action::Update;
                    change.notes.push("changed outside drove".into());
                }
                change.after = l.attributes;
            }
        }
        changes.push(change);
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(Plan {
        format: PLAN_FORMAT,
        stack: desired.stack.name.clone(),
        region: desired.stack.region.clone(),
        backend: desired.stack.state.clone(),
        stack_path: None,
        sources: None,
        lineage: Some(state.lineage.clone()),
        serial: state.serial,
        destroy: false,
        refresh_only: true,
        summary: summarize(&changes),
        changes,
        cost: None,
        rollouts: vec![],
        unmanaged: vec![],
        exposure: Default::default(),
        moves: vec![],
    })
}
