//! Apply walks the plan's dependency graph in parallel with a bound, in layers:
//!
//! - `graph`: the operations (a replace is a delete then a create) and their edges: the
//!   plan's dependencies, deletes after the deletes of what depended on them, a record swap
//!   at one name, a rollout's batches (`rollout::wire`);
//! - `crate::walk`: the generic bounded walk that runs them;
//! - `operation`: one operation: the change it sends, its events, its call, the state it
//!   leaves; a rollout's hooks (deposing, the drain check) in `rollout_hooks`;
//! - `zone_batches`: record sets of one zone joined into Route53 change batches, one in
//!   flight per zone, within the limits of `limits`;
//! - `ledger`: the state, written after every completed call, so a run killed at any point
//!   loses at most what was in flight (found again by tag on the next run), and the report.
//!
//! Instances a rollout replaces go create-before-destroy, in batches, each old one drained
//! before it is terminated: `crate::rollout` wires those edges and runs the drain check.

mod events;
mod graph;
mod ledger;
mod limits;
mod operation;
mod rollout_hooks;
mod tokens;
mod zone_batches;

pub use events::{Event, Events, Step};
pub(crate) use graph::{Node, Part};
pub use limits::{MAX_BATCH_CHANGES, MAX_BATCH_VALUE_CHARS};
pub use tokens::{idempotency_token, token_suffix};

use crate::error::{codes, EngineError, Result};
use crate::plan::{Action, Plan, PlannedChange};
use crate::provider::Provider;
use crate::rollout::Rollouts;
use crate::state::{Backend, ResourceRecord, State};
use crate::walk::{self, Outcome, Roots, Slots};
use ledger::Ledger;
use operation::Operations;
use std::sync::Arc;
use zone_batches::ZoneBatches;

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Terminate instances without running their role's drain check (`--skip-drain`).
    pub skip_drain: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { parallelism: 10, skip_drain: false }
    }
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<(String, Action)>,
    pub failed: Vec<(String, EngineError)>,
    /// Changes not attempted because something they need failed.
    pub skipped: Vec<String>,
    /// Provider calls made (a batch counts once).
    pub calls: usize,
    pub state: Option<State>,
}

/// Refuses a saved plan whose state moved since it was made.
pub fn check_fresh(plan: &Plan, state: Option<&State>) -> Result<()> {
    let now = state.map(|s| (s.lineage.clone(), s.serial));
    let then = plan.lineage.clone().map(|l| (l, plan.serial));
    if now != then {
        let show = |x: &Option<(String, u64)>| match x {
            Some((l, s)) => format!("lineage {l} serial {s}"),
            None => "no state".to_string(),
        };
        return Err(EngineError::new(
            codes::STALE_PLAN,
            format!("the state changed since this plan was made (plan: {}; now: {})", show(&then), show(&now)),
        )
        .with_help("make a new plan with `drove plan --out FILE`"));
    }
    if let Some(s) = state {
        if s.stack != plan.stack {
            return Err(EngineError::new(
                codes::BAD_PLAN_FILE,
                format!("this plan is for stack `{}`, the state for `{}`", plan.stack, s.stack),
            ));
        }
    }
    Ok(())
}

type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// Applies a plan to the state it was made against (the caller holds the lock), telling
/// `progress` each event in its plain form.
pub async fn apply(
    plan: &Plan,
    state: Option<State>,
    backend: &dyn Backend,
    provider: Arc<dyn Provider>,
    opts: &ApplyOptions,
    progress: Progress<'_>,
) -> Result<ApplyReport> {
    let lines = |e: &Event| {
        if !matches!(e, Event::Begin { .. }) {
            progress(&e.to_string())
        }
    };
    apply_with_events(plan, state, backend, provider, opts, &lines).await
}

/// Applies a plan to the state it was made against (the caller holds the lock).
pub async fn apply_with_events(
    plan: &Plan,
    state: Option<State>,
    backend: &dyn Backend,
    provider: Arc<dyn Provider>,
    opts: &ApplyOptions,
    events: Events<'_>,
) -> Result<ApplyReport> {
    check_fresh(plan, state.as_ref())?;
    let first = state.is_none() && plan.has_changes();
    let mut st = state.unwrap_or_else(|| State::new(&plan.stack));
    let changes = &plan.changes;
    let nodes = graph::build(changes, &plan.rollouts);
    let rollouts = Rollouts::new(changes, &plan.rollouts);
    // Record sets wait for their zone's batch, which takes the slot (never an instance a
    // rollout replaces: it deposes the old one first).
    let batched = |n: &Node| provider.batches(&changes[n.change].kind) && !rollouts.create_first(n.change);
    let walk_graph = graph::for_walk(&nodes, changes, batched)?;

    // A new state is written before the first create, so its lineage, which every create
    // tags, is on record: a run killed before any state write is re-adopted on the next.
    // Moves are announced by the plans until an apply takes them in.
    // The plan's moves of `moved` declarations go into the state here; its serial was
    // checked against the plan's and goes up once below.
    let serial = st.serial;
    crate::state::moves::apply_planned(&mut st, &plan.moves)?;
    st.serial = serial;
    let moved = !st.moves.is_empty();
    st.moves.clear();
    if adopt_refreshed(&mut st, changes) || first || moved {
        st.serial += 1;
        backend.write(&st).await?;
    }
    events(&Event::Begin { operations: nodes.len() });
    if opts.skip_drain && !plan.rollouts.is_empty() {
        events(&Event::Note { address: "", note: "--skip-drain: instances are terminated without their drain check" });
    }
    let slots = Slots::new(opts.parallelism);
    let ops = Operations {
        plan,
        nodes: &nodes,
        graph: &walk_graph,
        rollouts,
        provider,
        opts,
        events,
        ledger: Ledger::new(backend, st),
        slots: slots.clone(),
    };
    let batches = ZoneBatches::new(slots.clone(), &ops);
    // Roots last-first, as apply has always started them (with `--parallelism 1` a
    // rollout's batch launches its last instance first).
    let outcomes = walk::run(&walk_graph, &slots, Roots::Reversed, |n| ops.start(n, &batches)).await;
    drop(batches);
    let mut skipped: Vec<String> = outcomes
        .iter()
        .zip(&nodes)
        .filter(|(o, _)| **o == Outcome::Skipped)
        .map(|(_, n)| changes[n.change].address.clone())
        .collect();
    skipped.dedup();
    ops.ledger.finish(skipped)
}

/// What refresh and re-adoption learned goes into the state first; whether anything did.
fn adopt_refreshed(st: &mut State, changes: &[PlannedChange]) -> bool {
    let mut refreshed = false;
    for c in changes.iter().filter(|c| c.action == Action::NoOp) {
        let Some(id) = &c.id else { continue };
        let rec = ResourceRecord {
            kind: c.kind.clone(),
            id: id.clone(),
            attributes: c.before.clone(),
            outputs: c.outputs.clone(),
            depends_on: c.depends_on.clone(),
            protect: c.protect,
        };
        if st.resources.get(&c.address) != Some(&rec) {
            st.resources.insert(c.address.clone(), rec);
            refreshed = true;
        }
    }
    refreshed
}
