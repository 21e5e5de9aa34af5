use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

fn graph(nodes: &[(Cost, &[usize])]) -> Graph {
    Graph::new(nodes.iter().map(|(c, d)| (*c, d.to_vec())).collect()).expect("acyclic")
}

fn slots_only(deps: &[&[usize]]) -> Graph {
    Graph::new(deps.iter().map(|d| (Cost::Slot, d.to_vec())).collect()).expect("acyclic")
}

/// Walks `g` with `n` slots; each node logs its start and end and yields once between them.
async fn order(g: &Graph, n: usize, roots: Roots) -> Vec<String> {
    let log = Mutex::new(Vec::new());
    let log = &log;
    let outcomes = run(g, &Slots::new(n), roots, |i| {
        log.lock().expect("log").push(format!("start {i}"));
        async move {
            tokio::task::yield_now().await;
            log.lock().expect("log").push(format!("end {i}"));
            Verdict::Succeeded
        }
    })
    .await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Succeeded), "{outcomes:?}");
    let lines = log.lock().expect("log").clone();
    lines
}

#[tokio::test(start_paused = true)]
async fn nodes_start_after_their_dependencies_in_the_order_they_became_ready() {
    // 0 and 1 before 2, 2 before 3; 4 on its own.
    let g = slots_only(&[&[], &[], &[0, 1], &[2], &[]]);
    let serial =
        |ids: &[usize]| ids.iter().flat_map(|i| [format!("start {i}"), format!("end {i}")]).collect::<Vec<_>>();
    assert_eq!(order(&g, 1, Roots::InOrder).await, serial(&[0, 1, 4, 2, 3]));
    assert_eq!(order(&g, 1, Roots::Reversed).await, serial(&[4, 1, 0, 2, 3]));
    // With room for all, every root starts before any ends, and 3 still comes last.
    let wide = order(&g, 10, Roots::InOrder).await;
    assert_eq!(wide[..3], ["start 0", "start 1", "start 4"]);
    assert_eq!(wide.last().map(String::as_str), Some("end 3"));
    let pos = |s: &str| wide.iter().position(|x| x == s).expect("logged");
    assert!(pos("end 0") < pos("start 2") && pos("end 1") < pos("start 2") && pos("end 2") < pos("start 3"));
}

#[tokio::test(start_paused = true)]
async fn at_most_n_nodes_hold_a_slot_at_once() {
    let g = slots_only(&[&[][..]; 20]);
    let (now, max) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let outcomes = run(&g, &Slots::new(3), Roots::InOrder, |_| async {
        max.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        now.fetch_sub(1, Ordering::SeqCst);
        Verdict::Succeeded
    })
    .await;
    assert_eq!(outcomes, vec![Outcome::Succeeded; 20]);
    assert_eq!(max.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn free_nodes_wait_without_a_slot_and_work_they_start_takes_one() {
    // One slot: node 0 holds it until all five free nodes have started, which they could
    // not if they needed a slot of their own to start.
    let started = AtomicUsize::new(0);
    let all_started = tokio::sync::Notify::new();
    let mut nodes: Vec<(Cost, &[usize])> = vec![(Cost::Slot, &[])];
    nodes.extend([(Cost::Free, &[][..]); 5]);
    let g = graph(&nodes);
    let slots = Slots::new(1);
    let (now, max) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let outcomes = run(&g, &slots, Roots::InOrder, |i| {
        let (slots, started, all_started, now, max) = (&slots, &started, &all_started, &now, &max);
        async move {
            if i == 0 {
                all_started.notified().await;
                return Verdict::Succeeded;
            }
            if started.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
                all_started.notify_one();
            }
            // Work a free node does takes a slot from the same bound.
            let _slot = slots.take().await;
            max.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(2)).await;
            now.fetch_sub(1, Ordering::SeqCst);
            Verdict::Succeeded
        }
    })
    .await;
    assert_eq!(outcomes, vec![Outcome::Succeeded; 6]);
    assert_eq!(max.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn nodes_ready_together_all_start_before_any_is_polled() {
    let g = graph(&[(Cost::Slot, &[]), (Cost::Free, &[0]), (Cost::Free, &[0]), (Cost::Slot, &[0])]);
    let log = Mutex::new(Vec::new());
    let log = &log;
    run(&g, &Slots::new(4), Roots::InOrder, |i| {
        log.lock().expect("log").push(format!("start {i}"));
        async move {
            log.lock().expect("log").push(format!("poll {i}"));
            Verdict::Succeeded
        }
    })
    .await;
    let lines = log.lock().expect("log").clone();
    assert_eq!(lines[..5], ["start 0", "poll 0", "start 1", "start 2", "start 3"], "{lines:?}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_node_skips_everything_behind_it_and_nothing_else() {
    // 0 fails; 1 and 2 are behind it, 4 partly; 3 is independent.
    let g = slots_only(&[&[], &[0], &[1], &[], &[3, 0]]);
    let started = Mutex::new(Vec::new());
    let outcomes = run(&g, &Slots::new(2), Roots::InOrder, |i| {
        started.lock().expect("log").push(i);
        async move {
            if i == 0 {
                Verdict::Failed
            } else {
                Verdict::Succeeded
            }
        }
    })
    .await;
    use Outcome::*;
    assert_eq!(outcomes, vec![Failed, Skipped, Skipped, Succeeded, Skipped]);
    assert_eq!(started.into_inner().expect("log"), vec![0, 3]);
}

#[tokio::test(start_paused = true)]
async fn a_halt_starts_nothing_more_and_lets_running_nodes_finish() {
    // Two slots: 0 and 1 run, 3 waits for a slot; 0 halts while 1 still runs.
    let g = slots_only(&[&[], &[], &[0], &[]]);
    let outcomes = run(&g, &Slots::new(2), Roots::InOrder, |i| async move {
        match i {
            0 => Verdict::Halt,
            _ => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Verdict::Succeeded
            }
        }
    })
    .await;
    use Outcome::*;
    assert_eq!(outcomes, vec![Failed, Succeeded, Skipped, Skipped]);
}

#[test]
fn cycles_and_unknown_nodes_are_refused() {
    let cyclic =
        Graph::new(vec![(Cost::Slot, vec![1]), (Cost::Slot, vec![0]), (Cost::Slot, vec![]), (Cost::Free, vec![1])]);
    assert_eq!(cyclic.map(|_| ()), Err(Refused::Cycle(vec![0, 1, 3])));
    assert_eq!(Graph::new(vec![(Cost::Slot, vec![0])]).map(|_| ()), Err(Refused::Cycle(vec![0])));
    assert_eq!(
        Graph::new(vec![(Cost::Slot, vec![]), (Cost::Slot, vec![5])]).map(|_| ()),
        Err(Refused::Unknown { node: 1, dependency: 5 })
    );
    // Repeated dependencies count once.
    let g = Graph::new(vec![(Cost::Slot, vec![]), (Cost::Slot, vec![0, 0])]).expect("acyclic");
    assert_eq!(g.deps[1], vec![0]);
}

#[tokio::test(start_paused = true)]
async fn an_empty_graph_ends_at_once() {
    let g = Graph::new(vec![]).expect("empty");
    assert!(g.is_empty());
    assert!(run(&g, &Slots::new(1), Roots::InOrder, |_| async { Verdict::Succeeded }).await.is_empty());
}
