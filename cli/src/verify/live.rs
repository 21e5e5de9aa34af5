//! The live half of `drove verify`: refresh and plan as `drove plan` does, but from a
//! snapshot of the state read without taking the lock, so a verify during an apply (a
//! monitoring job, a second CI run) neither waits nor fails; at worst it reports the
//! changes that apply is making. Drift is every change other than a no-op.

use drove_compiler::model::DesiredState;
use drove_engine::error::codes;
use drove_engine::plan::{plan, Action, PlanOptions};
use drove_engine::session::Session;
use drove_engine::state::State;
use drove_engine::EngineError;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct AttributeDrift {
    pub name: String,
    /// What the stack says (`{"unknown": true, …}` when known only after apply).
    pub expected: Value,
    /// What AWS holds.
    pub live: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub address: String,
    pub kind: String,
    /// What apply would do: `create`, `update`, `replace`, `delete`.
    pub action: Action,
    /// One line: missing in AWS, not in the stack, or the attributes that differ.
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDrift>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveReport {
    /// Resources compared (the stack's and those only the state still holds).
    pub checked: usize,
    pub drift: Vec<Drift>,
}

pub struct Checked {
    pub report: LiveReport,
    /// Outputs refreshed from AWS (a zone's name servers), fresher than the state's.
    pub outputs: Vec<(String, serde_json::Map<String, Value>)>,
}

pub async fn check(session: &Session, desired: &DesiredState, state: Option<&State>) -> Result<Checked, EngineError> {
    // The mass-delete rail guards apply; here a large difference is exactly what to report.
    let opts = PlanOptions { allow_mass_delete: true, user_data: session.user_data(), ..Default::default() };
    let planned = match plan(desired, state, session.provider.as_ref(), &opts).await {
        Ok(p) => p,
        // A protected resource that would be replaced or deleted is drift, not a failure.
        Err(e) if e.code == codes::PROTECTED => {
            let drift = Drift {
                address: String::from("(protected resources)"),
                kind: String::new(),
                action: Action::Replace,
                summary: e.message.clone(),
                attributes: Vec::new(),
                notes: e.help.iter().cloned().collect(),
            };
            return Ok(Checked {
                report: LiveReport { checked: desired.resources.len(), drift: vec![drift] },
                outputs: Vec::new(),
            });
        }
        Err(e) => return Err(e),
    };
    let outputs = planned
        .changes
        .iter()
        .filter(|c| !c.outputs.is_empty())
        .map(|c| (c.address.clone(), c.outputs.clone()))
        .collect();
    let drift = planned.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| {
        let attributes: Vec<AttributeDrift> = c
            .diffs
            .iter()
            .map(|d| AttributeDrift { name: d.name.clone(), expected: d.after.clone(), live: d.before.clone() })
            .collect();
        let summary = match c.action {
            Action::Create => "missing in AWS: apply would create it".to_string(),
            Action::Delete => "in the state but no longer in the stack: apply would delete it".to_string(),
            _ => format!("{} differ", attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")),
        };
        Drift {
            address: c.address.clone(),
            kind: c.kind.clone(),
            action: c.action,
            summary,
            attributes,
            notes: c.notes.clone(),
        }
    });
    Ok(Checked { report: LiveReport { checked: planned.changes.len(), drift: drift.collect() }, outputs })
}
