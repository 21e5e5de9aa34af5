//! Apply walks the plan's dependency graph in parallel with a bound. A replace is two
//! nodes (delete, then create); deletes wait for the deletes of what depended on them;
//! record sets ready at the same moment go to the provider together, one batch per zone,
//! so a CNAME↔A swap of one name lands in one Route53 change batch. The state is saved
//! after every completed call, so a run killed at any point loses at most what was in
//! flight, and those resources are found again by tag on the next run.
//!
//! Instances a rollout replaces go create-before-destroy, in batches, each old one drained
//! before it is terminated: `crate::rollout` wires those edges and runs the drain check.

use crate::error::{codes, EngineError, Result};
use crate::kinds;
use crate::plan::resolve::resolve;
use crate::plan::{Action, Plan, PlannedChange};
use crate::rollout::{self, Walk};
use crate::provider::{record_zone, Change, Live, Operation, Provider};
use crate::state::{Backend, ResourceRecord, State};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Route53 takes at most 1,000 ResourceRecord elements per batch, an UPSERT's counted
/// twice; a change with none (an alias) still takes a place, so it counts as one.
pub const MAX_BATCH_CHANGES: usize = 1000;
/// Route53 limits a batch to 32,000 characters of record values, an UPSERT's counted twice.
pub const MAX_BATCH_VALUE_CHARS: usize = 32_000;

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Part {
    Down,
    Up,
    /// A dependent's update between two batches of a rollout (see `rollout::wire`).
    Sync,
}

pub(crate) struct Node {
    pub(crate) change: usize,
    pub(crate) part: Part,
    pub(crate) deps: Vec<usize>,
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
            return Err(EngineError::new(codes::BAD_PLAN_FILE, format!("this plan is for stack `{}`, the state for `{}`", plan.stack, s.stack)));
        }
    }
    Ok(())
}

fn step_of(op: Operation) -> Step {
    match op {
        Operation::Create => Step::Create,
        Operation::Update => Step::Update,
        Operation::Delete => Step::Delete,
    }
}

fn build_graph(changes: &[PlannedChange], rollouts: &[rollout::Rollout]) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut up: HashMap<&str, usize> = HashMap::new();
    let mut down: HashMap<&str, usize> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if matches!(c.action, Action::Delete | Action::Replace) {
            down.insert(&c.address, nodes.len());
            nodes.push(Node { change: i, part: Part::Down, deps: vec![] });
        }
        if matches!(c.action, Action::Create | Action::Update | Action::Replace) {
            up.insert(&c.address, nodes.len());
            nodes.push(Node { change: i, part: Part::Up, deps: vec![] });
        }
    }
    let mut deps: Vec<Vec<usize>> = vec![vec![]; nodes.len()];
    for (n, node) in nodes.iter().enumerate() {
        let c = &changes[node.change];
        match node.part {
            Part::Up => {
                if let Some(&d) = down.get(c.address.as_str()) {
                    deps[n].push(d);
                }
                deps[n].extend(c.depends_on.iter().filter_map(|d| up.get(d.as_str()).copied()));
            }
            Part::Sync => {}
            Part::Down => {
                for other in changes {
                    if !other.state_depends_on.contains(&c.address) {
                        continue;
                    }
                    if let Some(&d) = down.get(other.address.as_str()) {
                        deps[n].push(d);
                    }
                    // Something that stops referencing this resource is changed first.
                    if !other.depends_on.contains(&c.address) {
                        if let Some(&u) = up.get(other.address.as_str()) {
                            deps[n].push(u);
                        }
                    }
                }
            }
        }
    }
    // A record set deleted at a name where another type is created waits until that
    // create can run, so both go in one batch (a CNAME↔A swap is never half done).
    for (n, node) in nodes.iter().enumerate() {
        let c = &changes[node.change];
        if node.part != Part::Down || c.kind != kinds::RECORD_SET {
            continue;
        }
        let key = (record_zone(&c.before), c.before.get("name"));
        for (m, other) in nodes.iter().enumerate() {
            let o = &changes[other.change];
            if other.part == Part::Up && o.kind == kinds::RECORD_SET && (record_zone(&o.after), o.after.get("name")) == key && m != n {
                let extra: Vec<usize> = deps[m].iter().copied().filter(|&d| d != n && !reaches(&deps, d, n)).collect();
                deps[n].extend(extra);
            }
        }
    }
    rollout::wire(changes, rollouts, &mut nodes, &mut deps);
    for (node, d) in nodes.iter_mut().zip(deps) {
        let mut d = d;
        d.sort_unstable();
        d.dedup();
        node.deps = d;
    }
    nodes
}

/// Whether `from` depends, directly or not, on `to`.
fn reaches(deps: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if seen.insert(x) {
            stack.extend(deps.get(x).map(Vec::as_slice).unwrap_or(&[]));
        }
    }
    false
}

/// What a change costs against the batch limits: (ResourceRecord elements, characters of
/// values), as Route53 counts them.
fn batch_cost(c: &Change) -> (usize, usize) {
    let body = if c.operation == Operation::Delete { &c.before } else { &c.after };
    let values: Vec<&str> = body.get("values").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
    let factor = if c.operation == Operation::Update { 2 } else { 1 };
    let records = values.len().max(1) * factor;
    let chars = values.iter().map(|v| v.chars().count()).sum::<usize>() * factor;
    (records, chars)
}

/// Packs record changes of one zone into batches within Route53's limits, keeping all
/// changes of one name in the same batch.
fn pack(mut group: Vec<(usize, Change)>) -> Vec<Vec<(usize, Change)>> {
    let name = |c: &Change| {
        let v = if c.operation == Operation::Delete { &c.before } else { &c.after };
        v.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string()
    };
    group.sort_by_key(|(_, c)| name(c));
    let mut batches: Vec<Vec<(usize, Change)>> = Vec::new();
    let mut current: Vec<(usize, Change)> = Vec::new();
    let (mut records, mut chars) = (0, 0);
    let mut i = 0;
    while i < group.len() {
        let n = name(&group[i].1);
        let mut j = i;
        while j < group.len() && name(&group[j].1) == n {
            j += 1;
        }
        let run: Vec<(usize, Change)> = group[i..j].to_vec();
        let (run_records, run_chars) = run.iter().map(|(_, c)| batch_cost(c)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        if !current.is_empty() && (records + run_records > MAX_BATCH_CHANGES || chars + run_chars > MAX_BATCH_VALUE_CHARS) {
            batches.push(std::mem::take(&mut current));
            (records, chars) = (0, 0);
        }
        records += run_records;
        chars += run_chars;
        current.extend(run);
        i = j;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Moves the instance at `address` to its deposed key while its replacement is created.
/// A deposed instance is no longer protected: its replacement was asked for.
fn depose(st: &mut State, address: &str) -> Result<bool> {
    let key = rollout::deposed(address);
    if !st.resources.contains_key(address) {
        return Ok(false);
    }
    if st.resources.contains_key(&key) {
        return Err(EngineError::new(codes::INVALID_CHANGE, format!("{address} cannot be replaced while {key} is still in the state"))
            .with_help("apply again: the next plan terminates the deposed instance first"));
    }
    let Some(mut rec) = st.resources.remove(address) else { return Ok(false) };
    rec.protect = false;
    st.resources.insert(key, rec);
    Ok(true)
}

/// The state as a rollout's intermediate updates see it: an address whose old instance is
/// deposed and whose new one is not created yet still stands for the old one.
fn rollout_view(st: &State) -> State {
    let mut view = st.clone();
    for (key, rec) in &st.resources {
        let base = rollout::base(key);
        if base != key && !st.resources.contains_key(base) {
            view.resources.insert(base.to_string(), rec.clone());
        }
    }
    view
}

fn drain_of(r: &rollout::Rollout, c: &Change, rec: Option<&ResourceRecord>, stack: &str) -> rollout::Drain {
    let out = |k: &str| rec.and_then(|r| r.outputs.get(k)).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let address = rollout::base(&c.address).to_string();
    rollout::Drain {
        command: r.drain.clone().unwrap_or_default(),
        timeout: std::time::Duration::from_secs(r.drain_timeout),
        address: address.clone(),
        env: vec![
            ("DROVE_INSTANCE_ID".into(), c.id.clone().unwrap_or_default()),
            ("DROVE_PRIVATE_IP".into(), out("private_ip")),
            ("DROVE_PUBLIC_IP".into(), out("public_ip")),
            ("DROVE_ROLE".into(), r.role.clone()),
            ("DROVE_ADDRESS".into(), address),
            ("DROVE_STACK".into(), stack.to_string()),
        ],
    }
}

/// Stable for one plan and address (a retry after a crash sends the same token), at most
/// 64 characters as EC2's ClientToken requires.
pub fn idempotency_token(plan: &Plan, address: &str) -> String {
    let lineage = plan.lineage.as_deref().unwrap_or("new");
    format!("drove-{}-{}{}", lineage.get(..16).unwrap_or(lineage), plan.serial, token_suffix(address))
}

/// How every token made for `address` ends, whatever the plan: a resource created by a
/// run that died before tagging it is recognised by it (a zone's CallerReference).
pub fn token_suffix(address: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    address.hash(&mut h);
    format!("-{:016x}", h.finish())
}

type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// What an operation of apply does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Create,
    Update,
    Delete,
}

impl Step {
    pub fn doing(self) -> &'static str {
        match self {
            Step::Create => "creating",
            Step::Update => "updating",
            Step::Delete => "deleting",
        }
    }
}

/// Progress of an apply, for a display to show as it likes.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The walk begins with this many operations (a replace is two).
    Begin { operations: usize },
    Start { address: &'a str, step: Step },
    Done { address: &'a str, step: Step, id: Option<&'a str>, elapsed: Duration },
    Failed { address: &'a str, step: Step, error: &'a EngineError, elapsed: Duration },
    /// Something worth saying about an operation (a rollout's batch, a drain check); an
    /// empty address is about the whole run.
    Note { address: &'a str, note: &'a str },
}

impl std::fmt::Display for Event<'_> {
    /// The plain form: `ADDRESS: creating…`, `ADDRESS: creating… done (1.2s)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Begin { operations } => write!(f, "applying {operations} changes"),
            Event::Start { address, step } => write!(f, "{address}: {}…", step.doing()),
            Event::Done { address, step, id, elapsed } => {
                write!(f, "{address}: {}… done ({:.1}s", step.doing(), elapsed.as_secs_f64())?;
                match id {
                    Some(id) if *step != Step::Delete => write!(f, ", {id})"),
                    _ => write!(f, ")"),
                }
            }
            Event::Failed { address, step, error, elapsed } => {
                write!(f, "{address}: {}… failed ({:.1}s): {}", step.doing(), elapsed.as_secs_f64(), error.message)
            }
            Event::Note { address: "", note } => write!(f, "{note}"),
            Event::Note { address, note } => write!(f, "{address}: {note}"),
        }
    }
}

pub type Events<'a> = &'a (dyn Fn(&Event) + Sync);

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
    let mut st = state.unwrap_or_else(|| State::new(&plan.stack));
    let mut report = ApplyReport::default();
    let changes = &plan.changes;

    // What refresh and re-adoption learned goes into the state first.
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
    if refreshed {
        st.serial += 1;
        backend.write(&st).await?;
    }

    let nodes = build_graph(changes, &plan.rollouts);
    events(&Event::Begin { operations: nodes.len() });
    let walk = Walk::new(changes, &plan.rollouts);
    if opts.skip_drain && !plan.rollouts.is_empty() {
        events(&Event::Note { address: "", note: "--skip-drain: instances are terminated without their drain check" });
    }
    let mut waiting: Vec<usize> = nodes.iter().map(|n| n.deps.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![vec![]; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for &d in &n.deps {
            if let Some(v) = dependents.get_mut(d) {
                v.push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| waiting[i] == 0).rev().collect();
    let mut finished = vec![false; nodes.len()];
    let mut inflight: tokio::task::JoinSet<(Vec<usize>, Result<Vec<Option<Live>>>, Instant)> = tokio::task::JoinSet::new();
    let parallelism = opts.parallelism.max(1);
    let mut write_error: Option<EngineError> = None;

    loop {
        if write_error.is_none() {
            // Group what is ready: record sets per zone, everything else alone.
            let mut singles = Vec::new();
            let mut zones: BTreeMap<String, Vec<(usize, Change)>> = BTreeMap::new();
            let mut deposed_now = false;
            for n in ready.drain(..) {
                let node = &nodes[n];
                let c = &changes[node.change];
                let create_first = walk.create_first(node.change);
                if node.part == Part::Up && create_first {
                    // The old instance steps aside (recorded before anything is launched).
                    match depose(&mut st, &c.address) {
                        Ok(moved) => deposed_now |= moved,
                        Err(e) => {
                            let step = if c.action == Action::Update { Step::Update } else { Step::Create };
                            events(&Event::Failed { address: &c.address, step, error: &e, elapsed: Duration::ZERO });
                            report.failed.push((c.address.clone(), e));
                            finished[n] = true;
                            continue;
                        }
                    }
                }
                let resolved = match node.part {
                    Part::Up => resolve(&c.after, &st, None, &c.address),
                    Part::Sync => resolve(&c.after, &rollout_view(&st), None, &c.address),
                    Part::Down => Ok(serde_json::Value::Null),
                };
                let after = match resolved {
                    Ok(v) => v,
                    Err(e) => {
                        let step = if c.action == Action::Update || node.part == Part::Sync { Step::Update } else { Step::Create };
                        events(&Event::Failed { address: &c.address, step, error: &e, elapsed: Duration::ZERO });
                        report.failed.push((c.address.clone(), e));
                        finished[n] = true;
                        continue;
                    }
                };
                // The state key a termination removes: the deposed one in a rollout.
                let key = if node.part == Part::Down && create_first { rollout::deposed(&c.address) } else { c.address.clone() };
                let id = st.resources.get(&key).map(|r| r.id.clone()).or_else(|| c.id.clone());
                let operation = match (node.part, c.action) {
                    (Part::Down, _) => Operation::Delete,
                    (Part::Sync, _) | (Part::Up, Action::Update) => Operation::Update,
                    _ => Operation::Create,
                };
                let token = match st.resources.get(&rollout::deposed(&c.address)) {
                    Some(old) if node.part == Part::Up && c.kind == kinds::INSTANCE => {
                        rollout::replacement_token(plan.lineage.as_deref().unwrap_or(&st.lineage), &c.address, &old.id)
                    }
                    _ => idempotency_token(plan, &c.address),
                };
                let before = if node.part == Part::Sync { st.resources.get(&c.address).map(|r| r.attributes.clone()).unwrap_or_default() } else { c.before.clone() };
                let change = Change { address: key, kind: c.kind.clone(), operation, id, before, after, token };
                let zone = if provider.batches(&c.kind) {
                    let v = if operation == Operation::Delete { &change.before } else { &change.after };
                    record_zone(v).map(str::to_string)
                } else {
                    None
                };
                match zone {
                    Some(z) => zones.entry(z).or_default().push((n, change)),
                    None => singles.push(vec![(n, change)]),
                }
            }
            let mut work: Vec<Vec<(usize, Change)>> = zones.into_values().flat_map(pack).collect();
            work.extend(singles);
            if deposed_now {
                st.serial += 1;
                if let Err(e) = backend.write(&st).await {
                    write_error.get_or_insert(e);
                    work.clear();
                }
            }
            // Over the bound, the rest waits in `ready` for a free slot.
            for batch in work {
                if inflight.len() >= parallelism {
                    ready.extend(batch.iter().map(|(n, _)| *n));
                    continue;
                }
                let provider = provider.clone();
                let mut drains = Vec::new();
                for (n, c) in &batch {
                    events(&Event::Start { address: &c.address, step: step_of(c.operation) });
                    if nodes[*n].part == Part::Sync {
                        events(&Event::Note { address: &c.address, note: "pointed at the rollout batch's new instances" });
                    }
                    if let Some((b, of)) = walk.batch_of(rollout::base(&c.address)).filter(|_| c.kind == kinds::INSTANCE) {
                        events(&Event::Note { address: &c.address, note: &format!("rollout batch {b} of {of}") });
                    }
                    if c.operation == Operation::Delete && c.kind == kinds::INSTANCE {
                        match (walk.drain_for(&c.address), opts.skip_drain) {
                            (Some(_), true) => events(&Event::Note { address: &c.address, note: "drain check skipped (--skip-drain)" }),
                            (Some(r), false) => {
                                let d = drain_of(r, c, st.resources.get(&c.address), &plan.stack);
                                events(&Event::Note { address: &c.address, note: &format!("running the drain check `{}`", d.command) });
                                drains.push(d);
                            }
                            (None, _) => {}
                        }
                    }
                }
                inflight.spawn(async move {
                    let started = Instant::now();
                    let ids: Vec<usize> = batch.iter().map(|(n, _)| *n).collect();
                    for d in &drains {
                        if let Err(e) = rollout::run_drain(d).await {
                            return (ids, Err(e), started);
                        }
                    }
                    let calls: Vec<Change> = batch.into_iter().map(|(_, c)| c).collect();
                    (ids, provider.apply(&calls).await, started)
                });
            }
        }
        let Some(joined) = inflight.join_next().await else { break };
        let (ids, result, started) = joined.map_err(|e| EngineError::new(codes::AWS_CALL, format!("an apply task failed: {e}")))?;
        report.calls += 1;
        let elapsed = started.elapsed();
        match result {
            Ok(lives) => {
                for (n, live) in ids.iter().zip(lives) {
                    let node = &nodes[*n];
                    let c = &changes[node.change];
                    match (node.part, live) {
                        (Part::Down, _) => {
                            let key = if walk.create_first(node.change) { rollout::deposed(&c.address) } else { c.address.clone() };
                            st.resources.remove(&key);
                            events(&Event::Done { address: &key, step: Step::Delete, id: None, elapsed });
                        }
                        (Part::Sync, Some(l)) => {
                            events(&Event::Done { address: &c.address, step: Step::Update, id: Some(&l.id), elapsed });
                            if let Some(rec) = st.resources.get_mut(&c.address) {
                                rec.id = l.id;
                                rec.attributes = l.attributes;
                                rec.outputs = l.outputs;
                            }
                        }
                        (Part::Up, Some(l)) => {
                            let step = if c.action == Action::Update { Step::Update } else { Step::Create };
                            events(&Event::Done { address: &c.address, step, id: Some(&l.id), elapsed });
                            st.resources.insert(
                                c.address.clone(),
                                ResourceRecord {
                                    kind: c.kind.clone(),
                                    id: l.id,
                                    attributes: l.attributes,
                                    outputs: l.outputs,
                                    depends_on: c.depends_on.clone(),
                                    protect: c.protect,
                                },
                            );
                        }
                        (Part::Up | Part::Sync, None) => {
                            let step = if c.action == Action::Update { Step::Update } else { Step::Create };
                            events(&Event::Done { address: &c.address, step, id: None, elapsed });
                        }
                    }
                    finished[*n] = true;
                    if node.part == Part::Up || c.action == Action::Delete {
                        report.completed.push((c.address.clone(), c.action));
                    }
                    for &d in &dependents[*n] {
                        if let Some(w) = waiting.get_mut(d) {
                            *w = w.saturating_sub(1);
                            if *w == 0 {
                                ready.push(d);
                            }
                        }
                    }
                }
                st.serial += 1;
                if let Err(e) = backend.write(&st).await {
                    write_error.get_or_insert(e);
                }
            }
            Err(e) => {
                for n in &ids {
                    finished[*n] = true;
                    let node = &nodes[*n];
                    let c = &changes[node.change];
                    let step = match (node.part, c.action) {
                        (Part::Down, _) => Step::Delete,
                        (Part::Up, Action::Update) => Step::Update,
                        _ => Step::Create,
                    };
                    events(&Event::Failed { address: &c.address, step, error: &e, elapsed });
                    report.failed.push((c.address.clone(), e.clone()));
                }
            }
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if !finished[i] {
            report.skipped.push(changes[n.change].address.clone());
        }
    }
    report.skipped.dedup();
    if let Some(e) = write_error {
        return Err(e);
    }
    report.state = Some(st);
    Ok(report)
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use serde_json::{json, Value};

    fn change(name: &str, op: Operation, values: &[&str]) -> (usize, Change) {
        let body = json!({"zone": "Z1", "name": name, "type": "MX", "ttl": 300, "values": values});
        let (before, after) = if op == Operation::Delete { (body, Value::Null) } else { (Value::Null, body) };
        (0, Change { address: name.into(), kind: kinds::RECORD_SET.into(), operation: op, id: None, before, after, token: String::new() })
    }

    #[test]
    fn batches_count_resource_records_and_upserts_twice() {
        // 600 creates of two values each are 1,200 ResourceRecord elements: two batches.
        let creates: Vec<_> = (0..600).map(|i| change(&format!("h{i}."), Operation::Create, &["10 a.", "20 b."])).collect();
        let batches = pack(creates);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![500, 100]);
        // 600 upserts of one value count 1,200 too.
        let upserts: Vec<_> = (0..600).map(|i| change(&format!("h{i}."), Operation::Update, &["10 a."])).collect();
        assert_eq!(pack(upserts).iter().map(Vec::len).collect::<Vec<_>>(), vec![500, 100]);
    }

    #[test]
    fn batches_stay_under_the_value_characters() {
        let long = "x".repeat(250);
        let creates: Vec<_> = (0..200).map(|i| change(&format!("h{i}."), Operation::Create, &[long.as_str()])).collect();
        let batches = pack(creates);
        assert!(batches.iter().all(|b| b.iter().map(|(_, c)| batch_cost(c).1).sum::<usize>() <= MAX_BATCH_VALUE_CHARS));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 200);
        assert_eq!(batches.len(), 2);
    }
}
