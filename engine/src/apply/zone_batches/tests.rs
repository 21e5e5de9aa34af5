use super::*;
use crate::provider::Operation;
use drove_compiler::model::record_set;
use futures::future::join_all;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn record(zone: &str, name: &str, op: Operation, values: &[&str]) -> Change {
    let body = json!({"zone": zone, "name": name, "type": "A", "ttl": 60, "values": values});
    let (before, after) = if op == Operation::Delete { (body, Value::Null) } else { (Value::Null, body) };
    Change {
        address: format!("record.{name}/A"),
        kind: record_set::KIND.into(),
        operation: op,
        id: None,
        before,
        after,
        token: String::new(),
        lineage: String::new(),
        claim: false,
    }
}

fn create(zone: &str, name: &str) -> Change {
    record(zone, name, Operation::Create, &["192.0.2.1"])
}

/// A Route53 stand-in: each call takes `delay` and its settling `settle_delay`; calls are
/// logged with how many were in flight, per zone and in all.
#[derive(Default)]
struct Fake {
    delay: Duration,
    settle_delay: Duration,
    /// A batch holding this record name fails.
    fail: Option<&'static str>,
    log: Mutex<Vec<String>>,
    /// Each call's zone and record names, in call order.
    calls: Mutex<Vec<(String, Vec<String>)>>,
    per_zone: Mutex<HashMap<String, usize>>,
    most_per_zone: AtomicUsize,
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Fake {
    fn new(delay_ms: u64) -> Fake {
        Fake { delay: Duration::from_millis(delay_ms), ..Fake::default() }
    }

    fn note(&self, line: String) {
        self.log.lock().expect("log").push(line);
    }

    async fn send(&self, zone: String, batch: Batch) -> (Vec<String>, Verdict) {
        let names: Vec<String> = batch
            .iter()
            .map(|(_, c)| c.after["name"].as_str().or(c.before["name"].as_str()).unwrap_or("").to_string())
            .collect();
        {
            let mut per_zone = self.per_zone.lock().expect("zones");
            let n = per_zone.entry(zone.clone()).or_default();
            *n += 1;
            self.most_per_zone.fetch_max(*n, Ordering::SeqCst);
        }
        self.most.fetch_max(self.now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
        self.note(format!("send {}", names.join(" ")));
        self.calls.lock().expect("calls").push((zone.clone(), names.clone()));
        tokio::time::sleep(self.delay).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        *self.per_zone.lock().expect("zones").entry(zone).or_default() -= 1;
        let verdict =
            if self.fail.is_some_and(|f| names.iter().any(|n| n == f)) { Verdict::Failed } else { Verdict::Succeeded };
        (names, verdict)
    }

    fn sizes(&self) -> Vec<usize> {
        self.calls.lock().expect("calls").iter().map(|(_, names)| names.len()).collect()
    }
}

impl BatchSender for Fake {
    type Sent = (Vec<String>, Verdict);

    fn call(&self, zone: String, batch: Batch) -> impl Future<Output = Self::Sent> + Send {
        self.send(zone, batch)
    }

    async fn settle(&self, (names, verdict): Self::Sent) -> Verdict {
        tokio::time::sleep(self.settle_delay).await;
        self.note(format!("settled {}", names.len()));
        verdict
    }
}

/// Queues `change` after `at_ms` and waits for its verdict, logging when it is done.
async fn ready_at(b: &ZoneBatches<'_, Fake>, fake: &Fake, at_ms: u64, zone: &str, change: Change) -> Verdict {
    if at_ms > 0 {
        tokio::time::sleep(Duration::from_millis(at_ms)).await;
    }
    let name = change.after["name"].as_str().unwrap_or("").to_string();
    let verdict = b.wait(b.enqueue(zone, 0, change)).await;
    fake.note(format!("done {name}"));
    verdict
}

#[tokio::test(start_paused = true)]
async fn twenty_records_ready_one_after_another_while_a_batch_is_in_flight_go_out_in_two_calls() {
    let fake = Fake::new(100);
    let b = ZoneBatches::new(Slots::new(10), &fake);
    let all = (0..20).map(|i| ready_at(&b, &fake, i, "Z1", create("Z1", &format!("h{i}."))));
    let verdicts = join_all(all).await;
    assert!(verdicts.iter().all(|v| *v == Verdict::Succeeded));
    assert_eq!(fake.sizes(), vec![1, 19]);
    assert_eq!(fake.most_per_zone.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_change_is_done_when_its_batch_is_not_when_the_queue_runs_dry() {
    let fake = Fake::new(50);
    let b = ZoneBatches::new(Slots::new(10), &fake);
    join_all([ready_at(&b, &fake, 0, "Z1", create("Z1", "a.")), ready_at(&b, &fake, 5, "Z1", create("Z1", "b."))])
        .await;
    let log = fake.log.lock().expect("log").clone();
    // b's batch goes as soon as a's call has answered; a is done before b's call is.
    assert_eq!(log, ["send a.", "send b.", "settled 1", "done a.", "settled 1", "done b."]);
}

#[tokio::test(start_paused = true)]
async fn zones_go_in_parallel_and_a_zone_never_has_two_batches_in_flight() {
    let fake = Fake::new(20);
    let b = ZoneBatches::new(Slots::new(10), &fake);
    let all = (0..60).map(|i| {
        let zone = if i % 2 == 0 { "Z1" } else { "Z2" };
        ready_at(&b, &fake, i / 2, zone, create(zone, &format!("h{i}.")))
    });
    let verdicts = join_all(all).await;
    assert!(verdicts.iter().all(|v| *v == Verdict::Succeeded));
    assert_eq!(fake.most_per_zone.load(Ordering::SeqCst), 1);
    assert_eq!(fake.most.load(Ordering::SeqCst), 2, "the two zones overlap");
    let calls = fake.calls.lock().expect("calls").clone();
    for zone in ["Z1", "Z2"] {
        let n = calls.iter().filter(|(z, _)| z == zone).count();
        assert!(n <= 4, "{zone}: {n} calls for 30 records: {calls:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn batches_take_slots_from_the_walks_bound() {
    let fake = Fake::new(10);
    let b = ZoneBatches::new(Slots::new(1), &fake);
    let all = ["Z1", "Z2", "Z3"].map(|z| ready_at(&b, &fake, 0, z, create(z, "a.")));
    join_all(all).await;
    assert_eq!(fake.sizes(), vec![1, 1, 1]);
    assert_eq!(fake.most.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_queue_over_the_limits_goes_out_batch_after_batch() {
    let fake = Fake::new(5);
    let b = ZoneBatches::new(Slots::new(10), &fake);
    // Queued together: 600 creates of two values are 1,200 ResourceRecord elements.
    let tickets: Vec<Ticket> = (0..600)
        .map(|i| b.enqueue("Z1", i, record("Z1", &format!("h{i:03}."), Operation::Create, &["192.0.2.1", "192.0.2.2"])))
        .collect();
    let verdicts = join_all(tickets.into_iter().map(|t| b.wait(t))).await;
    assert!(verdicts.iter().all(|v| *v == Verdict::Succeeded));
    assert_eq!(fake.sizes(), vec![500, 100]);
    assert_eq!(fake.most_per_zone.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_delete_and_a_create_at_one_name_stay_in_one_batch() {
    let fake = Fake::new(20);
    let b = ZoneBatches::new(Slots::new(10), &fake);
    let busy = ready_at(&b, &fake, 0, "Z1", create("Z1", "first."));
    let later = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        // 999 names sort before the pair: the pair does not fit the next batch whole.
        let mut tickets: Vec<Ticket> =
            (0..999).map(|i| b.enqueue("Z1", i, create("Z1", &format!("a{i:03}.")))).collect();
        tickets.push(b.enqueue("Z1", 999, record("Z1", "x.", Operation::Delete, &["192.0.2.9"])));
        tickets.push(b.enqueue("Z1", 1000, create("Z1", "x.")));
        join_all(tickets.into_iter().map(|t| b.wait(t))).await
    };
    let (_, verdicts) = tokio::join!(busy, later);
    assert!(verdicts.iter().all(|v| *v == Verdict::Succeeded));
    assert_eq!(fake.sizes(), vec![1, 999, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_batch_fails_its_own_changes_only() {
    let fake = Fake { fail: Some("bad."), ..Fake::new(30) };
    let b = ZoneBatches::new(Slots::new(10), &fake);
    let verdicts = join_all([
        ready_at(&b, &fake, 0, "Z1", create("Z1", "bad.")),
        ready_at(&b, &fake, 5, "Z1", create("Z1", "good.")),
        ready_at(&b, &fake, 6, "Z1", create("Z1", "fine.")),
    ])
    .await;
    assert_eq!(verdicts, vec![Verdict::Failed, Verdict::Succeeded, Verdict::Succeeded]);
    assert_eq!(fake.sizes(), vec![1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_zones_next_batch_goes_while_the_last_one_is_settled() {
    // Settling (the state write) takes longer than the call: the second batch is sent
    // before the first is settled, and still never while the first call is in flight.
    let fake = Fake { settle_delay: Duration::from_millis(50), ..Fake::new(10) };
    let b = ZoneBatches::new(Slots::new(10), &fake);
    let tickets: Vec<Ticket> = (0..600)
        .map(|i| b.enqueue("Z1", i, record("Z1", &format!("h{i:03}."), Operation::Create, &["192.0.2.1", "192.0.2.2"])))
        .collect();
    let verdicts = join_all(tickets.into_iter().map(|t| b.wait(t))).await;
    assert!(verdicts.iter().all(|v| *v == Verdict::Succeeded));
    let log: Vec<String> = fake.log.lock().expect("log").iter().filter(|l| !l.starts_with("done")).cloned().collect();
    assert!(log[0].starts_with("send h000.") && log[0].ends_with(" h499."), "{:?}", &log[0][..20]);
    assert_eq!(log.len(), 4);
    assert!(log[1].starts_with("send h500."), "{:?}", &log[1][..20]);
    assert_eq!(log[2..], ["settled 500", "settled 100"]);
    assert_eq!(fake.most_per_zone.load(Ordering::SeqCst), 1);
}
