//! The apply graph: one node per operation of the plan (a replace is two, a delete then a
//! create; a rollout adds `Sync` nodes) and the edges between them, from the plan's
//! dependencies, deletes waiting for their dependents' deletes, a record swap at one name,
//! and a rollout's batches (`rollout::wire`).

use crate::error::{codes, EngineError, Result};
use crate::plan::{Action, PlannedChange};
use crate::provider;
use crate::rollout;
use crate::walk;
use drove_compiler::model::record_set;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

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

pub(crate) fn build(changes: &[PlannedChange], rollouts: &[rollout::Rollout]) -> Vec<Node> {
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
        if node.part != Part::Down || c.kind != record_set::KIND {
            continue;
        }
        let key = zone_and_name(&c.before);
        for (m, other) in nodes.iter().enumerate() {
            let o = &changes[other.change];
            if other.part == Part::Up && o.kind == record_set::KIND && zone_and_name(&o.after) == key && m != n {
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

/// A record set's zone id and name, to find changes at one name.
fn zone_and_name(attributes: &Value) -> Option<(Option<String>, String)> {
    provider::record_set(attributes).map(|s| (s.zone.text().map(str::to_string), s.name))
}

/// The graph as the walk takes it: what costs no slot is what waits for a batch.
pub(crate) fn for_walk(
    nodes: &[Node],
    changes: &[PlannedChange],
    batched: impl Fn(&Node) -> bool,
) -> Result<walk::Graph> {
    let costs = nodes.iter().map(|n| (if batched(n) { walk::Cost::Free } else { walk::Cost::Slot }, n.deps.clone()));
    walk::Graph::new(costs.collect()).map_err(|e| {
        let at = |i: &usize| nodes.get(*i).and_then(|n| changes.get(n.change)).map(|c| c.address.as_str());
        let message = match &e {
            walk::Refused::Cycle(stuck) => {
                let names: Vec<&str> = stuck.iter().filter_map(at).collect();
                format!("these changes wait for each other in a cycle: {}", names.join(", "))
            }
            walk::Refused::Unknown { node, .. } => {
                format!("{} waits for an operation that is not in the plan", at(node).unwrap_or("a change"))
            }
        };
        EngineError::new(codes::INVALID_CHANGE, message)
    })
}
