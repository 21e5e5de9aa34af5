//! Adoption: the compiled addresses of the imported source mapped to the live ids, read
//! through the provider's refresh (so the state holds exactly what a plan would read),
//! and written into the stack's state under its lock. A state that already holds any of
//! these addresses is refused, and nothing is written.

use drove_compiler::model::{DesiredState, Spec, Val};
use drove_engine::error::{codes, EngineError, Result};
use drove_engine::plan::{Action, PlanOptions};
use drove_engine::provider::{self, Known};
use drove_engine::session::{locked, Session};
use drove_engine::state::{ResourceRecord, State};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The live id of each resource: given for most, derived for record sets (their zone's id,
/// name, type and set identifier). A resource drove derives that has no live counterpart
/// (a public subnet's explicit route table association, say) is left to the first plan,
/// which creates it.
fn known(desired: &DesiredState, ids: &BTreeMap<String, String>) -> Result<Vec<Known>> {
    let mut out = Vec::new();
    for r in &desired.resources {
        let (id, attributes) = if let Spec::RecordSet(set) = &r.spec {
            let zone_addr = r.container().unwrap_or_default();
            let zone = ids.get(zone_addr).ok_or_else(|| internal(&r.address, "its zone has no live id"))?;
            let mut set = set.as_ref().clone();
            set.zone = Val::Lit(zone.clone());
            let attrs = provider::attributes(&set);
            (drove_engine::aws::route53::record_id(zone, &attrs), attrs)
        } else {
            let Some(id) = ids.get(&r.address) else { continue };
            (id.clone(), Value::Null)
        };
        out.push(Known { address: r.address.clone(), kind: r.kind().to_string(), id, attributes });
    }
    Ok(out)
}

fn internal(address: &str, why: &str) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("cannot adopt {address}: {why} (a drove bug: please report it)"))
}

fn taken_error(describe: String, taken: &[&String]) -> EngineError {
    let first = taken.first().map(|s| s.as_str()).unwrap_or("");
    EngineError::new(
        codes::INVALID_CHANGE,
        format!(
            "the state {describe} already holds {} of the imported addresses ({first}{}); nothing was written",
            taken.len(),
            if taken.len() > 1 { ", …" } else { "" }
        ),
    )
    .with_help("import into a new stack (--out DIR, or --stack NAME), or remove those entries first")
}

/// Refuses early (before anything is written to AWS) when the state holds any address
/// of the import; [`adopt`] checks again under the lock.
pub async fn refuse_taken(session: &Session, desired: &DesiredState) -> Result<()> {
    let backend = session.backend.as_ref();
    let Some(state) = backend.read().await? else { return Ok(()) };
    let taken: Vec<&String> =
        desired.resources.iter().map(|r| &r.address).filter(|a| state.resources.contains_key(*a)).collect();
    if taken.is_empty() {
        Ok(())
    } else {
        Err(taken_error(backend.describe(), &taken))
    }
}

/// Writes the adopted resources into the state; returns how many.
pub async fn adopt(session: &Session, desired: &DesiredState, ids: &BTreeMap<String, String>) -> Result<usize> {
    let known = known(desired, ids)?;
    let lives = session.provider.refresh(&known).await?;
    let declared: BTreeSet<&str> = desired.resources.iter().map(|r| r.address.as_str()).collect();
    let by_address: BTreeMap<&str, &drove_compiler::model::Resource> =
        desired.resources.iter().map(|r| (r.address.as_str(), r)).collect();
    let mut records = BTreeMap::new();
    for (k, live) in known.iter().zip(lives) {
        let r = by_address.get(k.address.as_str()).ok_or_else(|| internal(&k.address, "it is not declared"))?;
        let live = live.ok_or_else(|| {
            EngineError::new(
                codes::AWS_CALL,
                format!("{} ({}) was deleted while it was being imported", k.address, k.id),
            )
        })?;
        records.insert(
            k.address.clone(),
            ResourceRecord {
                kind: k.kind.clone(),
                id: live.id,
                attributes: live.attributes,
                outputs: live.outputs,
                depends_on: drove_engine::plan::dependencies(r, |a| declared.contains(a)),
                protect: r.protect,
            },
        );
    }
    let backend = session.backend.as_ref();
    locked(backend, "import", async {
        let mut state = backend.read().await?.unwrap_or_else(|| State::new(&desired.stack.name));
        let taken: Vec<&String> = records.keys().filter(|a| state.resources.contains_key(*a)).collect();
        if !taken.is_empty() {
            return Err(taken_error(backend.describe(), &taken));
        }
        let n = records.len();
        state.resources.extend(records);
        state.serial += 1;
        backend.write(&state).await?;
        Ok(n)
    })
    .await
}

/// What the first plan after an import would do.
pub struct FirstPlan {
    /// Changes other than writing drove's ownership tags, one line each (none when the
    /// import is exact).
    pub changes: Vec<String>,
    /// Resources that only get drove's ownership tags (every adopted one, shown in the plan).
    pub claims: usize,
    /// Whether it would rename something: a `Name` tag other than the one drove writes.
    pub renames: bool,
}

pub async fn first_plan(session: &Session, desired: &DesiredState) -> Result<FirstPlan> {
    let plan = session.plan(desired, &PlanOptions::default()).await?;
    let name = |v: &serde_json::Value| v.get("tags").and_then(|t| t.get("Name")).cloned();
    let renames = plan.changes.iter().any(|c| c.action != Action::NoOp && name(&c.before) != name(&c.after));
    let claim_only =
        |c: &&drove_engine::plan::PlannedChange| c.action == Action::Update && c.claim && c.diffs.is_empty();
    let claims = plan.changes.iter().filter(claim_only).count();
    let changes = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp && !claim_only(c))
        .map(|c| {
            let attrs: Vec<&str> = c.diffs.iter().map(|d| d.name.as_str()).collect();
            let action = format!("{:?}", c.action).to_lowercase();
            if attrs.is_empty() {
                format!("{}: {action}", c.address)
            } else {
                format!("{}: {action} ({})", c.address, attrs.join(", "))
            }
        })
        .collect();
    Ok(FirstPlan { changes, claims, renames })
}
