//! The apply graph of a rollout. For each replaced instance the create comes before the
//! termination (create-before-destroy); every node of a batch waits for every node of the
//! batch before; an old instance is terminated only after what referenced it points at
//! its replacement. A dependent that references instances of several batches (a record
//! set over all of a role's hosts) is updated once per batch, by a `Sync` node between the
//! batch's creates and its terminations, so it never points at a terminated instance.

use super::{base, deposed, Rollout, DEPOSED_SUFFIX};
use crate::apply::{Node, Part};
use crate::plan::{Action, PlannedChange};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the apply walk asks about a plan's rollouts.
pub(crate) struct Rollouts<'p> {
    rollouts: &'p [Rollout],
    /// Changes (by index) replaced create-before-destroy.
    cbd: HashSet<usize>,
}

impl<'p> Rollouts<'p> {
    pub(crate) fn new(changes: &[PlannedChange], rollouts: &'p [Rollout]) -> Rollouts<'p> {
        let batched: HashSet<&str> =
            rollouts.iter().flat_map(|r| r.batches.iter().flatten()).map(String::as_str).collect();
        let cbd = changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.action == Action::Replace && rolled_with(c, &batched))
            .map(|(i, _)| i)
            .collect();
        Rollouts { rollouts, cbd }
    }

    /// Whether this change is replaced create-before-destroy.
    pub(crate) fn create_first(&self, change: usize) -> bool {
        self.cbd.contains(&change)
    }

    /// The rollout whose drain check guards terminating the instance at this state key.
    pub(crate) fn drain_for(&self, key: &str) -> Option<&'p Rollout> {
        self.rollouts.iter().find(|r| r.covers(key)).filter(|r| r.drains(key))
    }

    pub(crate) fn batch_of(&self, address: &str) -> Option<(usize, usize)> {
        self.rollouts.iter().find_map(|r| {
            r.batches.iter().position(|b| b.iter().any(|a| a == address)).map(|i| (i + 1, r.batches.len()))
        })
    }
}

/// Whether a replaced change goes create-before-destroy with the rollout: a rolled
/// instance, or its registration in a balancer's target group, so the new instance is
/// registered and healthy before the old one is deregistered.
fn rolled_with(c: &PlannedChange, batched: &HashSet<&str>) -> bool {
    use drove_compiler::model::{instance, target};
    match c.kind.as_str() {
        instance::KIND => batched.contains(c.address.as_str()),
        target::KIND => c.depends_on.iter().any(|d| batched.contains(d.as_str())),
        _ => false,
    }
}

/// Adds a rollout's edges and `Sync` nodes to the apply graph (`deps[n]` are node `n`'s).
pub(crate) fn wire(changes: &[PlannedChange], rollouts: &[Rollout], nodes: &mut Vec<Node>, deps: &mut Vec<Vec<usize>>) {
    let index: HashMap<&str, usize> = changes.iter().enumerate().map(|(i, c)| (c.address.as_str(), i)).collect();
    let mut up: HashMap<usize, usize> = HashMap::new();
    let mut down: HashMap<usize, usize> = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        match node.part {
            Part::Up => up.insert(node.change, n),
            Part::Down => down.insert(node.change, n),
            Part::Sync => None,
        };
    }
    let down_of = |key: &str| index.get(key).and_then(|c| down.get(c)).copied();
    // A registration of a rolled instance: the new one first, then the old one out.
    let batched: HashSet<&str> = rollouts.iter().flat_map(|r| r.batches.iter().flatten()).map(String::as_str).collect();
    for (ci, c) in changes.iter().enumerate() {
        if c.kind == drove_compiler::model::target::KIND && c.action == Action::Replace && rolled_with(c, &batched) {
            if let (Some(&u), Some(&d)) = (up.get(&ci), down.get(&ci)) {
                deps[u].retain(|&x| x != d);
                deps[d].push(u);
            }
        }
    }
    for r in rollouts {
        let mut batch_nodes: Vec<Vec<usize>> = Vec::new();
        let mut batch_of: HashMap<&str, usize> = HashMap::new();
        // The terminations that come after an instance's replacement exists.
        let mut late: HashMap<&str, Vec<usize>> = HashMap::new();
        for (b, batch) in r.batches.iter().enumerate() {
            let mut members = Vec::new();
            for a in batch {
                let Some(&ci) = index.get(a.as_str()) else { continue };
                let u = up.get(&ci).copied();
                let d = down.get(&ci).copied();
                let leftover = down_of(&deposed(a));
                if let (Some(u), Some(d)) = (u, d) {
                    deps[u].retain(|&x| x != d);
                    deps[d].push(u);
                    late.entry(a.as_str()).or_default().push(d);
                }
                if let (Some(l), Some(u)) = (leftover, u) {
                    if changes[ci].action == Action::Replace {
                        // One deposed slot per address: the earlier leftover goes first.
                        deps[u].push(l);
                    } else {
                        deps[l].push(u);
                        late.entry(a.as_str()).or_default().push(l);
                    }
                }
                members.extend(u.into_iter().chain(d).chain(leftover));
                batch_of.insert(a.as_str(), b);
            }
            batch_nodes.push(members);
        }
        for b in 1..batch_nodes.len() {
            let previous = batch_nodes[b - 1].clone();
            for &n in &batch_nodes[b] {
                deps[n].extend(previous.iter().copied());
            }
        }
        // An old instance left deposed by an earlier run whose replacement already exists.
        for key in r.terminate.iter().filter(|k| k.ends_with(DEPOSED_SUFFIX)) {
            if let Some(l) = down_of(key) {
                late.entry(base(key)).or_default().push(l);
            }
        }
        for (di, d) in changes.iter().enumerate().filter(|(_, d)| d.action == Action::Update) {
            let Some(&ud) = up.get(&di) else { continue };
            let rolled: Vec<&str> = d.depends_on.iter().map(String::as_str).filter(|a| late.contains_key(a)).collect();
            let Some(last) = rolled.iter().filter_map(|a| batch_of.get(a)).max().copied() else {
                for a in &rolled {
                    for &l in &late[a] {
                        deps[l].push(ud);
                    }
                }
                continue;
            };
            let mut syncs: BTreeMap<usize, usize> = BTreeMap::new();
            for a in rolled {
                let waits_for = match batch_of.get(a) {
                    Some(&b) if b != last => *syncs.entry(b).or_insert_with(|| {
                        let s = nodes.len();
                        nodes.push(Node { change: di, part: Part::Sync, deps: vec![] });
                        let mut sd = Vec::new();
                        for dep in &d.depends_on {
                            let Some(&ci) = index.get(dep.as_str()) else { continue };
                            let usable = match batch_of.get(dep.as_str()) {
                                Some(&bb) => bb <= b,
                                None => changes[ci].action == Action::Create,
                            };
                            if usable {
                                sd.extend(up.get(&ci).copied());
                            }
                        }
                        deps.push(sd);
                        s
                    }),
                    _ => ud,
                };
                for &l in &late[a] {
                    deps[l].push(waits_for);
                }
            }
        }
    }
}
