//! The plan the editor shows while the source is typed: the planner run against the last
//! state alone (`provider::offline`), no AWS call and no lock. Where only AWS could
//! answer, the state's record stands in and the preview says so; the safety rails that
//! would refuse the real plan become warnings at the declaration they are about.

use super::{is_unknown, planner, render, Action, Plan, PlanOptions};
use crate::error::{codes, EngineError, Result};
use crate::provider::offline::StateProvider;
use crate::state::State;
use crate::userdata::UserData;
use drove_compiler::ide::drift::{Drift, DriftView, DriftedAttribute};
use drove_compiler::ide::plan_lens::{Change, ExposureChange, PlanView, PlanWarning, ResourcePlan};
use drove_compiler::model::instance::{self, Instance};
use drove_compiler::model::{hosted_zone, record_set, DesiredState, Listener, Val};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The next apply would replace or delete a protected resource: the plan will refuse it.
pub const W_PROTECTED: &str = "W0040";
/// The next apply deletes record sets of a zone.
pub const W_DELETES_RECORDS: &str = "W0041";
/// The next plan would refuse this for another reason (a mass deletion, a change Route53
/// refuses).
pub const W_REFUSED: &str = "W0042";

/// A resource changed outside drove (a refresh in the editor).
pub const W_DRIFT: &str = "W0043";

/// What marks a note the preview made in place of asking AWS.
const ASSUMED: &str = "assumed: ";

pub async fn preview(
    desired: &DesiredState,
    state: Option<&State>,
    user_data: Option<Arc<UserData>>,
    environment: Option<String>,
) -> Result<PlanView> {
    let provider = StateProvider::new(state.cloned().unwrap_or_else(|| State::new(&desired.stack.name)));
    let opts = PlanOptions { offline: true, user_data, ..PlanOptions::default() };
    let mut refused = Vec::new();
    let plan = planner::plan_with_warnings(desired, state, &provider, &opts, &mut refused).await?;
    Ok(view(&plan, state, &refused, environment))
}

fn view(plan: &Plan, state: Option<&State>, refused: &[EngineError], environment: Option<String>) -> PlanView {
    let moved: BTreeMap<&str, &str> = plan.moves.iter().map(|m| (m.to.as_str(), m.from.as_str())).collect();
    let resources = plan
        .changes
        .iter()
        .map(|c| ResourcePlan {
            address: c.address.clone(),
            change: match c.action {
                Action::NoOp => Change::NoChange,
                Action::Create => Change::Create,
                Action::Update => Change::Update,
                Action::Replace => Change::Replace,
                Action::Delete => Change::Delete,
            },
            attributes: c.diffs.iter().map(|d| d.name.clone()).collect(),
            forced_by: c.diffs.iter().filter(|d| d.forces_replacement).map(|d| d.name.clone()).collect(),
            unknown: unknown_attributes(&c.after),
            moved_from: moved.get(c.address.as_str()).map(|f| f.to_string()),
        })
        .collect();
    let mut exposure: Vec<ExposureChange> = Vec::new();
    for (list, opened) in [(&plan.exposure.opened, true), (&plan.exposure.closed, false)] {
        exposure.extend(list.iter().map(|e| ExposureChange {
            address: e.address.clone(),
            port: e.port_text(),
            opened,
        }));
    }
    let assumptions = plan
        .changes
        .iter()
        .flat_map(|c| {
            c.notes.iter().filter_map(|n| n.strip_prefix(ASSUMED)).map(move |n| format!("{}: {n}", c.address))
        })
        .collect();
    PlanView {
        environment,
        resources,
        warnings: warnings(plan, state, refused),
        exposure,
        assumptions,
        text: render::text(plan, false),
    }
}

/// The top-level attributes whose value is known only after the apply.
fn unknown_attributes(after: &Value) -> Vec<String> {
    match after {
        Value::Object(o) => o.iter().filter(|(_, v)| is_unknown(v)).map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}

fn warnings(plan: &Plan, state: Option<&State>, refused: &[EngineError]) -> Vec<PlanWarning> {
    let mut out = Vec::new();
    for c in plan.changes.iter().filter(|c| c.protect) {
        let what = match c.action {
            Action::Replace => {
                let why: Vec<&str> = c.diffs.iter().filter(|d| d.forces_replacement).map(|d| d.name.as_str()).collect();
                format!("this edit replaces {}, which is protected (because of {})", c.address, why.join(", "))
            }
            Action::Delete => format!("this edit deletes {}, which is protected", c.address),
            _ => continue,
        };
        out.push(PlanWarning {
            code: W_PROTECTED,
            address: Some(c.address.clone()),
            message: format!("{what}: the next plan will refuse it"),
            help: Some(if c.action == Action::Delete {
                "keep it declared, or remove `protect = true` and apply that first".into()
            } else {
                format!(
                    "keep the attributes it has, or replace it on purpose with `drove apply --replace {}`",
                    c.address
                )
            }),
        });
    }
    let zone_of_id: BTreeMap<&str, &str> = state
        .map(|s| {
            s.resources
                .iter()
                .filter(|(_, r)| r.kind == hosted_zone::KIND)
                .map(|(a, r)| (r.id.as_str(), a.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let mut per_zone: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for c in plan.changes.iter().filter(|c| c.kind == record_set::KIND && c.action == Action::Delete) {
        let zone = crate::provider::record_zone(&c.before).and_then(|id| zone_of_id.get(id.as_str()).copied());
        let set = crate::provider::record_set(&c.before);
        per_zone.entry(zone).or_default().push(set.map_or(c.address.clone(), |s| format!("{} {}", s.name, s.rtype)));
    }
    for (zone, records) in per_zone {
        let shown: Vec<&str> = records.iter().take(5).map(String::as_str).collect();
        let more = if records.len() > 5 { format!(" and {} more", records.len() - 5) } else { String::new() };
        out.push(PlanWarning {
            code: W_DELETES_RECORDS,
            address: zone.map(str::to_string),
            message: format!(
                "this edit deletes {} of {}: {}{more}",
                drove_compiler::render::counted(records.len(), "record set"),
                zone.unwrap_or("a zone"),
                shown.join(", ")
            ),
            help: Some("if they are still needed, declare them again".into()),
        });
    }
    for e in refused.iter().filter(|e| e.code != codes::PROTECTED) {
        out.push(PlanWarning {
            code: W_REFUSED,
            address: e.at.as_ref().map(|p| p.address.clone()),
            message: format!("the next plan will refuse this ({}): {}", e.code, e.message),
            help: e.help.clone(),
        });
    }
    out
}

/// An image pattern resolves to the newest matching image only when AWS is asked; the
/// preview takes the image the state records for this instance.
pub(super) fn assume_image(spec: &mut Instance, recorded: Option<&Value>, notes: &mut Vec<String>) {
    let Some(instance::Image::Pattern { pattern, .. }) = &spec.image else { return };
    let id = recorded.and_then(|r| r.get("image")).and_then(|i| i.get("id")).and_then(Value::as_str);
    match id {
        Some(id) => {
            notes.push(format!("{ASSUMED}image(\"{pattern}\") is still {id}; the plan asks EC2"));
            spec.image = Some(instance::Image::Id { id: id.to_string() });
        }
        None => notes.push(format!("{ASSUMED}image(\"{pattern}\") is resolved when planning against AWS")),
    }
}

/// Without the keys to render it, an instance's user data is taken as the state recorded it.
pub(super) fn assume_user_data(
    spec: &mut Instance,
    recorded: Option<&Value>,
    why: &EngineError,
    notes: &mut Vec<String>,
) {
    let kept = recorded.and_then(|r| r.get("user_data")).and_then(|u| serde_json::from_value(u.clone()).ok());
    notes.push(format!("{ASSUMED}user data not compared ({})", why.message));
    spec.user_data = kept;
}

/// A certificate named by domain is looked up in ACM by the real plan; the preview takes
/// the ARN the state records for this listener.
pub(super) fn assume_certificate(spec: &mut Listener, recorded: Option<&Value>, notes: &mut Vec<String>) {
    let Some(Val::Lit(domain)) = &spec.certificate else { return };
    if domain.starts_with("arn:") {
        return;
    }
    match recorded.and_then(|r| r.get("certificate")).and_then(Value::as_str) {
        Some(arn) => {
            notes.push(format!("{ASSUMED}certificate \"{domain}\" is still {arn}; the plan asks ACM"));
            spec.certificate = Some(Val::Lit(arn.to_string()));
        }
        None => notes.push(format!("{ASSUMED}certificate \"{domain}\" is looked up when planning against AWS")),
    }
}

/// A refresh-only plan (`plan::refresh_only`) as the editor shows it.
pub fn drift_view(plan: &Plan, environment: Option<String>) -> DriftView {
    let drifts = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| Drift {
            address: c.address.clone(),
            kind: c.kind.clone(),
            gone: c.action == Action::Delete,
            attributes: c
                .diffs
                .iter()
                .map(|d| DriftedAttribute { name: d.name.clone(), recorded: d.before.clone(), live: d.after.clone() })
                .collect(),
        })
        .collect();
    DriftView { environment, code: W_DRIFT, drifts, checked: plan.changes.len() }
}

/// The state as the refresh found AWS: what previews plan against until the state
/// changes, so the lens shows what the next apply does about the drift.
pub fn as_refreshed(state: &State, refresh: &Plan) -> State {
    let mut live = state.clone();
    for c in &refresh.changes {
        match c.action {
            Action::Delete => {
                live.resources.remove(&c.address);
            }
            Action::Update => {
                if let Some(r) = live.resources.get_mut(&c.address) {
                    r.attributes = c.after.clone();
                }
            }
            _ => {}
        }
    }
    live
}
