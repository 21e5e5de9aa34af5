//! A bounded walk over a dependency graph, run the way Terraform's `dag` walker runs one: a
//! node starts once every node it depends on succeeded, a node whose dependency failed never
//! starts (it is reported as skipped), and at most N nodes hold a slot at once. It knows
//! nothing of what the nodes do; `crate::apply` gives it a plan's operations.
//!
//! Every node runs in the caller's task (no spawning), so nodes may borrow from the caller.
//! All nodes that become ready at one moment are started before any of them is polled: work
//! that gathers what is ready (a zone's change batch) sees them all.

use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What a node costs against the walk's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// The node holds one slot while it runs.
    Slot,
    /// The node starts as soon as it is ready and holds no slot: it waits on work that takes
    /// its own slot from the same `Slots` (record sets waiting for their zone's change
    /// batch), so any number of them can wait without using up the bound.
    Free,
}

/// How a node ended, as its future tells the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    Failed,
    /// Nothing more may start (the caller can no longer record what it does); what runs
    /// is left to finish. The node counts as failed.
    Halt,
}

/// How a node ended, as the walk reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Never started: a dependency failed, or the walk was halted first.
    Skipped,
}

/// Why a graph cannot be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A node depends on a node the graph does not have.
    Unknown { node: usize, dependency: usize },
    /// These nodes could never start: each is on a cycle or depends on one.
    Cycle(Vec<usize>),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unknown { node, dependency } => write!(f, "node {node} depends on a missing node {dependency}"),
            Refused::Cycle(nodes) => write!(f, "nodes {nodes:?} are on or behind a dependency cycle"),
        }
    }
}

/// Nodes numbered from 0, each with its cost and the nodes it depends on. Only an acyclic
/// graph can be built, so a walk always ends.
#[derive(Debug, Clone)]
pub struct Graph {
    costs: Vec<Cost>,
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
}

impl Graph {
    /// `nodes[i]` is node `i`: its cost and its dependencies (repeats are ignored).
    pub fn new(nodes: Vec<(Cost, Vec<usize>)>) -> Result<Graph, Refused> {
        let n = nodes.len();
        let mut costs = Vec::with_capacity(n);
        let mut deps = Vec::with_capacity(n);
        for (node, (cost, mut d)) in nodes.into_iter().enumerate() {
            d.sort_unstable();
            d.dedup();
            if let Some(&dependency) = d.iter().find(|&&x| x >= n) {
                return Err(Refused::Unknown { node, dependency });
            }
            costs.push(cost);
            deps.push(d);
        }
        let mut dependents = vec![Vec::new(); n];
        for (i, d) in deps.iter().enumerate() {
            for &x in d {
                dependents[x].push(i);
            }
        }
        let graph = Graph { costs, deps, dependents };
        graph.refuse_cycles()?;
        Ok(graph)
    }

    pub fn len(&self) -> usize {
        self.costs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.costs.is_empty()
    }

    pub fn cost(&self, node: usize) -> Cost {
        self.costs.get(node).copied().unwrap_or(Cost::Slot)
    }

    /// Kahn's algorithm: whatever cannot be ordered is on or behind a cycle.
    fn refuse_cycles(&self) -> Result<(), Refused> {
        let mut waiting: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut free: Vec<usize> = (0..self.len()).filter(|&i| waiting[i] == 0).collect();
        let mut ordered = 0;
        while let Some(x) = free.pop() {
            ordered += 1;
            for &d in &self.dependents[x] {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    free.push(d);
                }
            }
        }
        if ordered == self.len() {
            return Ok(());
        }
        Err(Refused::Cycle((0..self.len()).filter(|&i| waiting[i] > 0).collect()))
    }
}

/// The walk's bound, shared with work that takes its own slot (see `Cost::Free`).
#[derive(Debug, Clone)]
pub struct Slots(Arc<Semaphore>);

/// One slot, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Slots {
    /// At most `n` slots taken at once (at least one).
    pub fn new(n: usize) -> Slots {
        Slots(Arc::new(Semaphore::new(n.max(1))))
    }

    /// Waits for a free slot; waiters are served in the order they asked.
    pub async fn take(&self) -> Slot {
        loop {
            // The semaphore is never closed, so this does not loop in practice.
            if let Ok(permit) = self.0.clone().acquire_owned().await {
                return Slot { _permit: permit };
            }
        }
    }

    pub fn try_take(&self) -> Option<Slot> {
        self.0.clone().try_acquire_owned().ok().map(|p| Slot { _permit: p })
    }
}

/// Which of the nodes ready from the beginning starts first; later nodes start in the
/// order they became ready (dependents of one node in their index order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    InOrder,
    Reversed,
}

/// Walks `graph`, calling `start(node)` for each node once its dependencies succeeded, and
/// returns every node's outcome. A `Cost::Slot` node starts only with a free slot of
/// `slots` and holds it until its future ends.
pub async fn run<F, Fut>(graph: &Graph, slots: &Slots, roots: Roots, mut start: F) -> Vec<Outcome>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Verdict>,
{
    let mut waiting: Vec<usize> = graph.deps.iter().map(Vec::len).collect();
    let mut outcomes = vec![Outcome::Skipped; graph.len()];
    let mut ready: VecDeque<usize> = (0..graph.len()).filter(|&i| waiting[i] == 0).collect();
    if roots == Roots::Reversed {
        ready.make_contiguous().reverse();
    }
    let mut running = FuturesUnordered::new();
    let mut halted = false;
    loop {
        if !halted {
            // Free nodes always start; the others while slots last, keeping their order.
            let mut blocked = VecDeque::new();
            while let Some(i) = ready.pop_front() {
                let slot = match graph.costs[i] {
                    Cost::Free => None,
                    Cost::Slot if !blocked.is_empty() => {
                        blocked.push_back(i);
                        continue;
                    }
                    Cost::Slot => match slots.try_take() {
                        Some(s) => Some(s),
                        None => {
                            blocked.push_back(i);
                            continue;
                        }
                    },
                };
                running.push(hold(i, slot, start(i)));
            }
            ready = blocked;
        }
        let next = if halted || ready.is_empty() {
            match running.next().await {
                Some(done) => Next::Done(done),
                None => break,
            }
        } else {
            tokio::select! {
                biased;
                Some(done) = running.next() => Next::Done(done),
                slot = slots.take() => Next::Slot(slot),
            }
        };
        match next {
            Next::Slot(slot) => {
                if let Some(i) = ready.pop_front() {
                    running.push(hold(i, Some(slot), start(i)));
                }
            }
            Next::Done((i, Verdict::Succeeded)) => {
                outcomes[i] = Outcome::Succeeded;
                for &d in &graph.dependents[i] {
                    waiting[d] -= 1;
                    if waiting[d] == 0 {
                        ready.push_back(d);
                    }
                }
            }
            Next::Done((i, Verdict::Failed)) => outcomes[i] = Outcome::Failed,
            Next::Done((i, Verdict::Halt)) => {
                outcomes[i] = Outcome::Failed;
                halted = true;
            }
        }
    }
    outcomes
}

enum Next {
    Done((usize, Verdict)),
    Slot(Slot),
}

/// A node's future with the slot it holds until it ends.
async fn hold<Fut: Future<Output = Verdict>>(node: usize, slot: Option<Slot>, work: Fut) -> (usize, Verdict) {
    let verdict = work.await;
    drop(slot);
    (node, verdict)
}

#[cfg(test)]
mod tests;
