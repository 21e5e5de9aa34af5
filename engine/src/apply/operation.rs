//! One operation of the apply graph from the moment the walk starts it: the change it sends
//! (operation, attributes with references resolved against the state, id, idempotency
//! token), the events that announce it, the call (alone, or in its zone's change batch)
//! and what it leaves in the state.

use super::events::{Event, Events, Step};
use super::graph::{Node, Part};
use super::ledger::Ledger;
use super::rollout_hooks::{before_termination, depose, drain_of, rollout_view};
use super::tokens::idempotency_token;
use super::zone_batches::{Batch, BatchSender, ZoneBatches};
use super::ApplyOptions;
use crate::error::{codes, EngineError, Result};
use crate::plan::resolve::resolve;
use crate::plan::{Action, Plan, PlannedChange};
use crate::provider::{record_zone, Change, Live, Operation, Provider};
use crate::rollout::{self, Rollouts};
use crate::state::{ResourceRecord, State};
use crate::walk::{self, Slots, Verdict};
use drove_compiler::model::instance;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every operation of one apply shares.
pub(super) struct Operations<'a> {
    pub(super) plan: &'a Plan,
    pub(super) nodes: &'a [Node],
    pub(super) graph: &'a walk::Graph,
    pub(super) rollouts: Rollouts<'a>,
    pub(super) provider: Arc<dyn Provider>,
    pub(super) opts: &'a ApplyOptions,
    pub(super) events: Events<'a>,
    pub(super) ledger: Ledger<'a>,
    pub(super) slots: Slots,
}

pub(super) type Running<'s> = Pin<Box<dyn Future<Output = Verdict> + Send + 's>>;

impl<'a> Operations<'a> {
    fn planned(&self, n: usize) -> &'a PlannedChange {
        &self.plan.changes[self.nodes[n].change]
    }

    /// Starts node `n`. A change the walk gave no slot (a record set) is queued for its
    /// zone's batch right away, so the changes that become ready together share a batch.
    pub(super) fn start<'s>(&'s self, n: usize, batches: &'s ZoneBatches<'s, Self>) -> Running<'s> {
        if self.graph.cost(n) == walk::Cost::Slot {
            return Box::pin(self.alone(n));
        }
        let change = match self.ledger.read(|st| self.prepare(n, st)) {
            Ok(c) => c,
            Err(e) => {
                self.failed_early(n, e);
                return Box::pin(std::future::ready(Verdict::Failed));
            }
        };
        let zone = record_zone(if change.operation == Operation::Delete { &change.before } else { &change.after });
        match zone {
            Some(zone) => {
                let ticket = batches.enqueue(&zone, n, change);
                Box::pin(batches.wait(ticket))
            }
            None => Box::pin(async move {
                let _slot = self.slots.take().await;
                self.call_alone(vec![(n, change)]).await
            }),
        }
    }

    /// A node that holds a slot of the walk: one call of its own.
    async fn alone(&self, n: usize) -> Verdict {
        if self.ledger.halted() {
            return Verdict::Halt;
        }
        let node = &self.nodes[n];
        if node.part == Part::Up && self.rollouts.create_first(node.change) {
            // The old instance steps aside, recorded before anything is launched.
            let address = &self.planned(n).address;
            let mut deposed = Ok(false);
            let written = self
                .ledger
                .update(|st| {
                    deposed = depose(st, address);
                    matches!(deposed, Ok(true))
                })
                .await;
            if let Err(e) = deposed {
                self.failed_early(n, e);
                return Verdict::Failed;
            }
            if !written {
                return Verdict::Halt;
            }
        }
        match self.ledger.read(|st| self.prepare(n, st)) {
            Ok(change) => self.call_alone(vec![(n, change)]).await,
            Err(e) => {
                self.failed_early(n, e);
                Verdict::Failed
            }
        }
    }

    /// The change node `n` sends, against the state as it is now.
    fn prepare(&self, n: usize, st: &State) -> Result<Change> {
        let node = &self.nodes[n];
        let c = self.planned(n);
        let after = match node.part {
            Part::Up => resolve(&c.after, st, None, &c.address)?,
            Part::Sync => resolve(&c.after, &rollout_view(st), None, &c.address)?,
            Part::Down => Value::Null,
        };
        // The state key a termination removes: the deposed one in a rollout.
        let key = if node.part == Part::Down && self.rollouts.create_first(node.change) {
            rollout::deposed(&c.address)
        } else {
            c.address.clone()
        };
        let id = st.resources.get(&key).map(|r| r.id.clone()).or_else(|| c.id.clone());
        let operation = match (node.part, c.action) {
            (Part::Down, _) => Operation::Delete,
            (Part::Sync, _) | (Part::Up, Action::Update) => Operation::Update,
            _ => Operation::Create,
        };
        let token = match st.resources.get(&rollout::deposed(&c.address)) {
            Some(old) if node.part == Part::Up && c.kind == instance::KIND => {
                rollout::replacement_token(self.plan.lineage.as_deref().unwrap_or(&st.lineage), &c.address, &old.id)
            }
            _ => idempotency_token(&st.lineage, self.plan.serial, &c.address),
        };
        let before = if node.part == Part::Sync {
            st.resources.get(&c.address).map(|r| r.attributes.clone()).unwrap_or_default()
        } else {
            c.before.clone()
        };
        let claim = c.claim && operation == Operation::Update;
        Ok(Change {
            address: key,
            kind: c.kind.clone(),
            operation,
            id,
            before,
            after,
            token,
            lineage: st.lineage.clone(),
            claim,
        })
    }

    /// One provider call for these nodes' changes and what it leaves in the state.
    async fn call_alone(&self, batch: Batch) -> Verdict {
        let called = self.make_call(batch).await;
        self.settle_call(called).await
    }

    /// The provider call for these nodes' changes (a single one, or one zone's batch), after
    /// the drain checks of the instances it terminates.
    async fn make_call(&self, batch: Batch) -> Called {
        if self.ledger.halted() {
            return Called::Halted;
        }
        let (ids, changes): (Vec<usize>, Vec<Change>) = batch.into_iter().unzip();
        let drains = self.announce(&ids, &changes);
        let started = Instant::now();
        let result = self.send(&changes, &drains).await;
        self.ledger.report(|r| r.calls += 1);
        Called::Made { ids, result, elapsed: started.elapsed() }
    }

    /// What a call did, in the state and the report.
    async fn settle_call(&self, called: Called) -> Verdict {
        match called {
            Called::Halted => Verdict::Halt,
            Called::Made { ids, result: Ok(lives), elapsed } => self.record(&ids, lives, elapsed).await,
            Called::Made { ids, result: Err(e), elapsed } => {
                self.failed(&ids, &e, elapsed);
                Verdict::Failed
            }
        }
    }

    async fn send(&self, changes: &[Change], drains: &[rollout::Drain]) -> Result<Vec<Option<Live>>> {
        before_termination(drains, self.provider.as_ref(), self.events).await?;
        let lives = self.provider.apply(changes).await?;
        if lives.len() != changes.len() {
            return Err(EngineError::new(
                codes::AWS_CALL,
                format!("the provider answered {} changes with {} results", changes.len(), lives.len()),
            ));
        }
        Ok(lives)
    }

    /// Tells what the call is about to do; the drain checks it must run first.
    fn announce(&self, ids: &[usize], changes: &[Change]) -> Vec<rollout::Drain> {
        let events = self.events;
        let mut drains = Vec::new();
        for (&n, c) in ids.iter().zip(changes) {
            events(&Event::Start { address: &c.address, step: Step::from(c.operation) });
            if self.nodes[n].part == Part::Sync {
                events(&Event::Note { address: &c.address, note: "pointed at the rollout batch's new instances" });
            }
            if let Some((b, of)) =
                self.rollouts.batch_of(rollout::base(&c.address)).filter(|_| c.kind == instance::KIND)
            {
                events(&Event::Note { address: &c.address, note: &format!("rollout batch {b} of {of}") });
            }
            if c.operation != Operation::Delete || c.kind != instance::KIND {
                continue;
            }
            match (self.rollouts.drain_for(&c.address), self.opts.skip_drain) {
                (Some(_), true) => {
                    events(&Event::Note { address: &c.address, note: "drain check skipped (--skip-drain)" })
                }
                (Some(r), false) => {
                    let d = self.ledger.read(|st| drain_of(r, c, st.resources.get(&c.address), &self.plan.stack));
                    events(&Event::Note {
                        address: &c.address,
                        note: &format!(
                            "running the drain check `{}` on {} (SSM Run Command)",
                            d.command, d.instance_id
                        ),
                    });
                    drains.push(d);
                }
                (None, _) => {}
            }
        }
        drains
    }

    /// What a successful call leaves in the state, written once for the whole call.
    async fn record(&self, ids: &[usize], lives: Vec<Option<Live>>, elapsed: Duration) -> Verdict {
        let events = self.events;
        let written = self
            .ledger
            .update(|st| {
                for (&n, live) in ids.iter().zip(lives) {
                    let node = &self.nodes[n];
                    let c = self.planned(n);
                    match (node.part, live) {
                        (Part::Down, _) => {
                            let key = if self.rollouts.create_first(node.change) {
                                rollout::deposed(&c.address)
                            } else {
                                c.address.clone()
                            };
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
                            events(&Event::Done { address: &c.address, step: up_step(c), id: Some(&l.id), elapsed });
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
                            events(&Event::Done { address: &c.address, step: up_step(c), id: None, elapsed });
                        }
                    }
                    // A replace counts once, when its create is done.
                    if node.part == Part::Up || c.action == Action::Delete {
                        self.ledger.report(|r| r.completed.push((c.address.clone(), c.action)));
                    }
                }
                true
            })
            .await;
        if written {
            Verdict::Succeeded
        } else {
            Verdict::Halt
        }
    }

    fn failed(&self, ids: &[usize], e: &EngineError, elapsed: Duration) {
        for &n in ids {
            let c = self.planned(n);
            let step = match self.nodes[n].part {
                Part::Down => Step::Delete,
                Part::Sync => Step::Update,
                Part::Up => up_step(c),
            };
            (self.events)(&Event::Failed { address: &c.address, step, error: e, elapsed });
            self.ledger.report(|r| r.failed.push((c.address.clone(), e.clone())));
        }
    }

    /// A node that failed before its call: its references could not be resolved, or its
    /// instance could not step aside.
    fn failed_early(&self, n: usize, e: EngineError) {
        let c = self.planned(n);
        let step = if self.nodes[n].part == Part::Sync { Step::Update } else { up_step(c) };
        (self.events)(&Event::Failed { address: &c.address, step, error: &e, elapsed: Duration::ZERO });
        self.ledger.report(|r| r.failed.push((c.address.clone(), e)));
    }
}

/// A provider call made (or not: the run was halted), to be settled.
pub(super) enum Called {
    Halted,
    Made { ids: Vec<usize>, result: Result<Vec<Option<Live>>>, elapsed: Duration },
}

/// A zone's batch is settled (its state written) while the zone's next batch goes.
impl BatchSender for Operations<'_> {
    type Sent = Called;

    fn call(&self, _zone: String, batch: Batch) -> impl Future<Output = Called> + Send {
        self.make_call(batch)
    }

    fn settle(&self, sent: Called) -> impl Future<Output = Verdict> + Send {
        self.settle_call(sent)
    }
}

/// The step of a change's create part: a plain update, or the create of a new resource.
fn up_step(c: &PlannedChange) -> Step {
    if c.action == Action::Update {
        Step::Update
    } else {
        Step::Create
    }
}
