//! Route53 change batches, one zone at a time. Route53 refuses a change to a zone while an
//! earlier one is still being applied (`PriorRequestNotComplete`) and takes five requests a
//! second per account, so a zone has at most one batch in flight and the record changes
//! that become ready meanwhile join its next batch instead of going out one call each.
//! Zones go in parallel; a batch holds one slot of the walk's bound while it is sent.
//!
//! Nothing is spawned: the first change queued at an idle zone leads. It sends the zone's
//! next batch (packed within Route53's limits, `limits::pack`) and, once Route53 has
//! answered, hands the lead to the oldest change still queued, then settles its batch (the
//! state write) while the next batch goes. A change is done as soon as its batch is, not
//! when the zone's queue runs dry.

use super::limits::{measure, pack, Measure};
use crate::provider::Change;
use crate::walk::{Slots, Verdict};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::oneshot;

/// One change batch for a zone, as the apply layer sends it: the walk's node of each
/// change with the change. Every change of the batch gets the verdict.
pub(super) type Batch = Vec<(usize, Change)>;

/// How the batcher sends a batch, in two steps: `call` is the zone's one call, the zone
/// busy until it returns; `settle` records what the call did and gives its verdict.
pub(super) trait BatchSender: Sync {
    type Sent: Send;
    fn call(&self, zone: String, batch: Batch) -> impl Future<Output = Self::Sent> + Send;
    fn settle(&self, sent: Self::Sent) -> impl Future<Output = Verdict> + Send;
}

pub(super) struct ZoneBatches<'s, S> {
    slots: Slots,
    sender: &'s S,
    zones: Mutex<Zones>,
}

#[derive(Default)]
struct Zones {
    next_id: u64,
    by_id: HashMap<String, Zone>,
}

#[derive(Default)]
struct Zone {
    queue: Vec<Entry>,
    /// Whether a queued change leads (sends the zone's batches).
    led: bool,
}

struct Entry {
    id: u64,
    node: usize,
    change: Change,
    /// Measured once: a long queue is packed again for every batch.
    measure: Measure,
    done: oneshot::Sender<Verdict>,
    /// Tells the entry's waiter to lead; `None` while it leads.
    lead: Option<oneshot::Sender<()>>,
}

/// A change queued for its zone's batch; `ZoneBatches::wait` gives its verdict.
pub(super) struct Ticket {
    zone: String,
    id: u64,
    done: oneshot::Receiver<Verdict>,
    lead: Option<oneshot::Receiver<()>>,
}

impl<'s, S: BatchSender> ZoneBatches<'s, S> {
    pub(super) fn new(slots: Slots, sender: &'s S) -> ZoneBatches<'s, S> {
        ZoneBatches { slots, sender, zones: Mutex::new(Zones::default()) }
    }

    fn zones(&self) -> MutexGuard<'_, Zones> {
        self.zones.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a change for `zone`. Nothing is sent before a ticket is waited on, so changes
    /// queued together, before any wait is polled, go in one batch.
    pub(super) fn enqueue(&self, zone: &str, node: usize, change: Change) -> Ticket {
        let mut zones = self.zones();
        let id = zones.next_id;
        zones.next_id += 1;
        let z = zones.by_id.entry(zone.to_string()).or_default();
        let (done, done_rx) = oneshot::channel();
        let (lead, lead_rx) = if z.led {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        z.led = true;
        z.queue.push(Entry { id, node, measure: measure(&change), change, done, lead });
        Ticket { zone: zone.to_string(), id, done: done_rx, lead: lead_rx }
    }

    /// The verdict of the batch that carried the ticket's change.
    pub(super) async fn wait(&self, ticket: Ticket) -> Verdict {
        let Ticket { zone, id, mut done, mut lead } = ticket;
        loop {
            if let Some(told) = lead.as_mut() {
                tokio::select! {
                    biased;
                    verdict = &mut done => return verdict.unwrap_or(Verdict::Failed),
                    answer = told => if answer.is_err() {
                        // Dropped unsent: the change went in someone else's batch.
                        return done.await.unwrap_or(Verdict::Failed);
                    },
                }
            }
            lead = self.send_next(&zone, id).await;
            if lead.is_none() {
                return done.await.unwrap_or(Verdict::Failed);
            }
        }
    }

    /// Sends the zone's next batch as its leader, hands the lead on once the call has
    /// answered, and settles the batch. While the leader's own change `own` is still
    /// queued, it gets back a channel on which it is told to lead again.
    async fn send_next(&self, zone: &str, own: u64) -> Option<oneshot::Receiver<()>> {
        // The batch is taken once a slot is free, so it holds what queued meanwhile.
        let slot = self.slots.take().await;
        let batch = self.next_batch(zone);
        let carries_own = batch.iter().any(|e| e.id == own);
        let (changes, waiters): (Batch, Vec<_>) = batch.into_iter().map(|e| ((e.node, e.change), e.done)).unzip();
        let sent = if changes.is_empty() { None } else { Some(self.sender.call(zone.to_string(), changes).await) };
        drop(slot);
        let again = if carries_own { None } else { self.wait_for_lead(zone, own) };
        self.hand_over(zone);
        if let Some(sent) = sent {
            // The next leader sends before this batch settles: settling may block the task
            // (a local state file is written synchronously).
            tokio::task::yield_now().await;
            let verdict = self.sender.settle(sent).await;
            for w in waiters {
                // A waiter that went away needs no answer.
                let _ = w.send(verdict);
            }
        }
        again
    }

    /// A channel on which the queued change `own` is told to lead; `None` if it is not
    /// queued (another batch carried it).
    fn wait_for_lead(&self, zone: &str, own: u64) -> Option<oneshot::Receiver<()>> {
        let mut zones = self.zones();
        let entry = zones.by_id.get_mut(zone)?.queue.iter_mut().find(|e| e.id == own)?;
        let (tx, rx) = oneshot::channel();
        entry.lead = Some(tx);
        Some(rx)
    }

    /// The first batch the zone's queue packs into; the rest stays queued.
    fn next_batch(&self, zone: &str) -> Vec<Entry> {
        let mut zones = self.zones();
        let Some(z) = zones.by_id.get_mut(zone) else { return Vec::new() };
        let mut batches = pack(std::mem::take(&mut z.queue), |e| e.measure.clone()).into_iter();
        let first = batches.next().unwrap_or_default();
        z.queue = batches.flatten().collect();
        first
    }

    /// Gives the lead to the oldest change still queued, or leaves the zone idle.
    fn hand_over(&self, zone: &str) {
        let mut zones = self.zones();
        let Some(z) = zones.by_id.get_mut(zone) else { return };
        z.queue.sort_by_key(|e| e.id);
        for e in &mut z.queue {
            if let Some(tell) = e.lead.take() {
                if tell.send(()).is_ok() {
                    return;
                }
            }
        }
        z.led = false;
    }
}

#[cfg(test)]
mod tests;
