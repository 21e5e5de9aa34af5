//! Rolling replacement against the in-memory provider, from drove source through the
//! compiler: the exact order of provider calls and drain checks for a role of 4 hosts in
//! batches of 2, a drain check that times out, `--skip-drain`, a run killed after each
//! provider call in turn (the next run converges), pets, and lowering `count`.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions, ApplyReport};
use drove_engine::error::codes;
use drove_engine::plan::{plan, render, Action, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend, State};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use support::recorder::{drain_command, rollout_log, take_log, Recorder};
use support::NETWORK;

struct Stack<'a> {
    app_type: &'a str,
    db_type: &'a str,
    count: u32,
    drain: String,
    timeout: &'a str,
}

fn source(s: &Stack) -> String {
    format!(
        r#"stack web {{
  region = "ap-northeast-1"
}}
{NETWORK}role app {{
  image = image("base-ruby-*")
  type = {}
  firewall = [web]
  public_ip = true
  drain = "{}"
  drain_timeout = {}
  batch = 2
}}
role mysql {{
  image = image("base-mysql-*")
  type = {}
}}
hosts app {{ role = app  count = {}  subnets = [main.a, main.c] }}
host db {{ role = mysql  subnet = main.a  ip = 10.0.1.10  protect = true }}
zone "acme.example." {{
  app 60 A hosts.app.public_ip
}}
"#,
        s.app_type, s.drain, s.timeout, s.db_type, s.count
    )
}

fn compile(s: &Stack) -> DesiredState {
    let sources = drove_compiler::source::Sources::single("web.drove", source(s));
    let analysis = drove_compiler::analysis::analyze(&sources);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    drove_compiler::compile::compile(&analysis).expect("compiles")
}

struct World {
    dir: tempfile::TempDir,
    backend: LocalBackend,
    cloud: Arc<MemoryProvider>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path().join("state.json"), "web");
        let cloud = MemoryProvider::new();
        cloud.add_image("ami-ruby", "base-ruby-2024-06", "2024-06-01T00:00:00Z");
        cloud.add_image("ami-sql", "base-mysql-2025", "2025-01-01T00:00:00Z");
        World { dir, backend, cloud: Arc::new(cloud) }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("calls.log")
    }

    fn block(&self) -> PathBuf {
        self.dir.path().join("busy")
    }

    fn stack(&self, app_type: &str) -> Stack<'static> {
        let t: &'static str = if app_type == "t3.medium" { "t3.medium" } else { "t3.large" };
        Stack {
            app_type: t,
            db_type: "r6g.large",
            count: 4,
            drain: drain_command(&self.log(), &self.block()),
            timeout: "2s",
        }
    }

    fn recorder(&self, die_at: Option<usize>) -> Arc<Recorder> {
        Arc::new(Recorder::new(self.cloud.clone(), self.log(), die_at))
    }

    async fn plan(&self, d: &DesiredState, opts: &PlanOptions) -> drove_engine::Result<Plan> {
        let st = self.backend.read().await?;
        plan(d, st.as_ref(), self.cloud.as_ref(), opts).await
    }

    async fn apply(&self, pl: &Plan, opts: &ApplyOptions) -> (ApplyReport, Vec<String>) {
        let st = self.backend.read().await.expect("state reads");
        let lines = Mutex::new(Vec::new());
        let progress = |l: &str| lines.lock().expect("lock").push(l.to_string());
        let prov: Arc<dyn Provider> = self.recorder(None);
        let rep = apply(pl, st, &self.backend, prov, opts, &progress).await.expect("apply runs");
        (rep, lines.into_inner().expect("lines"))
    }

    /// Plans and applies until nothing is left to do.
    async fn converge(&self, d: &DesiredState) {
        let pl = self.plan(d, &PlanOptions::default()).await.expect("plans");
        let (rep, _) = self.apply(&pl, &serial()).await;
        assert!(rep.failed.is_empty(), "{:?}", rep.failed);
        let again = self.plan(d, &PlanOptions::default()).await.expect("plans");
        assert!(!again.has_changes(), "{}", render::text(&again, false));
    }

    fn take_log(&self) -> Vec<String> {
        take_log(&self.log())
    }

    async fn state(&self) -> State {
        self.backend.read().await.expect("reads").expect("a state")
    }
}

/// One change at a time, so the order is exact.
fn serial() -> ApplyOptions {
    ApplyOptions { parallelism: 1, ..Default::default() }
}

fn outputs(st: &State, address: &str) -> (String, String, String) {
    let r = &st.resources[address];
    let s = |k: &str| r.outputs.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (r.id.clone(), s("private_ip"), s("public_ip"))
}

fn record_values(st: &State) -> Value {
    st.resources["record.app.acme.example./A"].attributes["values"].clone()
}

fn ips(list: &[&(String, String, String)]) -> String {
    serde_json::to_string(&list.iter().map(|o| o.2.clone()).collect::<Vec<_>>()).expect("json")
}

#[tokio::test]
async fn four_hosts_in_batches_of_two_create_first_and_drain_before_terminating() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    let st = w.state().await;
    let old: Vec<(String, String, String)> = (0..4).map(|i| outputs(&st, &format!("hosts.app[{i}]"))).collect();

    let d = compile(&w.stack("t3.large"));
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    assert_eq!(pl.summary.replace, 4);
    let r = &pl.rollouts[0];
    assert_eq!(r.role, "app");
    assert_eq!(r.batches, vec![vec!["hosts.app[0]", "hosts.app[1]"], vec!["hosts.app[2]", "hosts.app[3]"]]);
    assert_eq!((r.batch, r.drain_timeout), (2, 2));
    let text = render::text(&pl, false);
    assert!(text.contains("role app: 2 at a time; drain check `test ! -e"), "{text}");
    assert!(
        text.contains("batch 1: create hosts.app[0], hosts.app[1]; then drain and terminate the old ones"),
        "{text}"
    );
    assert!(text.contains("batch 2: create hosts.app[2], hosts.app[3]"), "{text}");
    assert!(render::markdown(&pl).contains("#### Rollout"));
    let json: Value = serde_json::from_str(&pl.to_json()).expect("json");
    assert_eq!(json["rollouts"][0]["batches"][1][0], "hosts.app[2]");
    assert!(pl.changes.iter().all(|c| c.after.get("rollout").is_none()), "rollout settings are not diffed or sent");

    let (rep, progress) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    assert!(progress.iter().any(|l| l == "hosts.app[0]: rollout batch 1 of 2"), "{progress:?}");
    let st = w.state().await;
    let new: Vec<(String, String, String)> = (0..4).map(|i| outputs(&st, &format!("hosts.app[{i}]"))).collect();
    assert_eq!(w.take_log(), rollout_log("record.app.acme.example./A", "web", &old, &new));
    assert!(st.resources.keys().all(|k| !k.contains("#deposed")));
    assert_eq!(w.cloud.entries().iter().filter(|(_, e)| e.kind == "ec2.instance").count(), 5);
    assert_eq!(
        record_values(&st),
        serde_json::from_str::<Value>(&ips(&[&new[0], &new[1], &new[2], &new[3]])).expect("json")
    );
    assert!(!w.plan(&d, &PlanOptions::default()).await.expect("plans").has_changes());
}

#[tokio::test]
async fn a_drain_that_times_out_keeps_the_old_instance_and_the_next_run_finishes() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    let old0 = outputs(&w.state().await, "hosts.app[0]").0;
    std::fs::write(w.block(), "").expect("block");
    let mut s = w.stack("t3.large");
    s.timeout = "1s";
    let d = compile(&s);
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    let (rep, _) = w.apply(&pl, &serial()).await;
    // Batch 1's checks fail; batch 2 never starts.
    let failed: Vec<&str> = rep.failed.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(failed, ["hosts.app[0]", "hosts.app[1]"], "{:?}", rep.failed);
    let e = &rep.failed[1].1;
    assert_eq!(e.code, codes::DRAIN_FAILED);
    assert!(e.message.contains("the drain check of hosts.app[1] did not pass within 1s"), "{}", e.message);
    assert!(
        rep.skipped.contains(&"hosts.app[2]".to_string()) && rep.skipped.contains(&"hosts.app[3]".to_string()),
        "{:?}",
        rep.skipped
    );
    let st = w.state().await;
    assert!(st.resources.contains_key("hosts.app[1]#deposed"));
    assert!(st.resources.contains_key("hosts.app[1]"), "the new instance stays");
    assert_eq!(st.resources["hosts.app[0]#deposed"].id, old0);
    assert!(w.take_log().iter().all(|l| !l.starts_with("delete")), "nothing was terminated");

    // The next plan finishes the job once the instances can drain.
    std::fs::remove_file(w.block()).expect("unblock");
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    let action = |a: &str| pl.changes.iter().find(|c| c.address == a).map(|c| c.action);
    assert_eq!(action("hosts.app[0]#deposed"), Some(Action::Delete));
    assert_eq!(action("hosts.app[1]#deposed"), Some(Action::Delete));
    assert_eq!(action("hosts.app[2]"), Some(Action::Replace));
    assert_eq!(pl.rollouts[0].terminate, vec!["hosts.app[0]#deposed", "hosts.app[1]#deposed"]);
    let (rep, _) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    let log = w.take_log();
    assert!(log.iter().any(|l| l.starts_with(&format!("drain hosts.app[0] {old0} "))), "{log:?}");
    assert!(!w.plan(&d, &PlanOptions::default()).await.expect("plans").has_changes());
    assert_eq!(w.cloud.entries().iter().filter(|(_, e)| e.kind == "ec2.instance").count(), 5);
}

#[tokio::test]
async fn skip_drain_terminates_without_the_check_and_says_so() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    std::fs::write(w.block(), "").expect("block");
    let d = compile(&w.stack("t3.large"));
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    let (rep, progress) = w.apply(&pl, &ApplyOptions { parallelism: 1, skip_drain: true }).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    assert!(progress.iter().any(|l| l.contains("without their drain check")), "{progress:?}");
    assert_eq!(
        progress.iter().filter(|l| l.ends_with("drain check skipped (--skip-drain)")).count(),
        4,
        "{progress:?}"
    );
    let log = w.take_log();
    assert!(log.iter().all(|l| !l.starts_with("drain")), "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("delete")).count(), 4);
}

/// Kills the run right after its k-th provider call took effect, for every k, and checks
/// that the next plan and apply converge: every old instance drained and terminated, no
/// instance launched twice, the record on the new addresses.
#[tokio::test]
async fn a_run_killed_after_any_call_converges_on_the_next() {
    let probe = World::new();
    probe.converge(&compile(&probe.stack("t3.medium"))).await;
    let pl = probe.plan(&compile(&probe.stack("t3.large")), &PlanOptions::default()).await.expect("plans");
    let before = probe.cloud.apply_calls();
    probe.apply(&pl, &serial()).await;
    let total = probe.cloud.apply_calls() - before;
    assert_eq!(total, 10, "4 creates, 2 record updates, 4 terminations");

    for k in 1..=total {
        let w = World::new();
        w.converge(&compile(&w.stack("t3.medium"))).await;
        let _ = w.take_log();
        let d = compile(&w.stack("t3.large"));
        let old: Vec<String> = (0..4).map(|i| w.cloud.id_of(&format!("hosts.app[{i}]")).expect("exists")).collect();
        let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
        let st = w.backend.read().await.expect("reads");
        let dying = w.recorder(Some(k));
        let prov: Arc<dyn Provider> = dying.clone();
        let opts = serial();
        tokio::select! {
            r = apply(&pl, st, &w.backend, prov, &opts, &|_| {}) => panic!("run {k} should have died: {:?}", r.map(|r| r.failed)),
            _ = dying.died.notified() => {}
        }
        w.converge(&d).await;
        // Both runs' calls and checks, in order.
        let log = w.take_log();
        let st = w.state().await;
        assert!(st.resources.keys().all(|key| !key.contains("#deposed")), "k={k}: {:?}", st.resources.keys());
        let instances: Vec<String> =
            w.cloud.entries().into_iter().filter(|(_, e)| e.kind == "ec2.instance").map(|(id, _)| id).collect();
        assert_eq!(instances.len(), 5, "k={k}: no instance launched twice: {instances:?}");
        assert!(old.iter().all(|o| !instances.contains(o)), "k={k}: every old instance terminated");
        let now: Vec<Value> =
            (0..4).map(|i| st.resources[&format!("hosts.app[{i}]")].outputs["public_ip"].clone()).collect();
        assert_eq!(record_values(&st), Value::Array(now), "k={k}");
        // Every old instance was drained before it was terminated, by one run or the other.
        for (i, o) in old.iter().enumerate() {
            let terminated = log.iter().position(|l| l == &format!("delete hosts.app[{i}]#deposed"));
            let drained = log.iter().position(|l| l.starts_with(&format!("drain hosts.app[{i}] {o} ")));
            assert!(matches!((drained, terminated), (Some(d), Some(t)) if d < t), "k={k}: {o}: {log:?}");
        }
    }
}

#[tokio::test]
async fn pets_are_replaced_only_when_asked_and_never_deleted() {
    let w = World::new();
    let base = w.stack("t3.medium");
    w.converge(&compile(&base)).await;
    let _ = w.take_log();
    let mut s = w.stack("t3.medium");
    s.db_type = "r6g.xlarge";
    let d = compile(&s);
    let e = w.plan(&d, &PlanOptions::default()).await.expect_err("refused");
    assert_eq!(e.code, codes::PROTECTED);
    assert!(e.message.contains("host.db would be replaced (because of instance_type)"), "{}", e.message);
    assert!(e.help.as_deref().is_some_and(|h| h.contains("--replace host.db")), "{:?}", e.help);

    let opts = PlanOptions { replace: vec!["host.db".into()], ..Default::default() };
    let pl = w.plan(&d, &opts).await.expect("plans with --replace");
    let db = pl.changes.iter().find(|c| c.address == "host.db").expect("db");
    assert_eq!(db.action, Action::Replace);
    // A fixed private address cannot be held by two instances: the pet goes destroy-first.
    assert_eq!(
        pl.rollouts.iter().find(|r| r.role == "mysql").map(|r| r.destroy_first.clone()),
        Some(vec!["host.db".to_string()])
    );
    let (rep, _) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    assert_eq!(w.take_log(), vec!["delete host.db", "create host.db"]);
    assert!(w.state().await.resources["host.db"].protect, "still protected after its replacement");

    // Destroy never deletes it.
    let e = w.plan(&d, &PlanOptions { destroy: true, ..Default::default() }).await.expect_err("refused");
    assert_eq!(e.code, codes::PROTECTED);
    assert!(e.message.contains("host.db would be deleted"), "{}", e.message);

    // --replace forces a replacement of anything, and names only declared resources.
    let opts = PlanOptions { replace: vec!["hosts.app[2]".into()], ..Default::default() };
    let pl = w.plan(&d, &opts).await.expect("plans");
    let c = pl.changes.iter().find(|c| c.address == "hosts.app[2]").expect("app[2]");
    assert_eq!(c.action, Action::Replace);
    assert!(c.notes.iter().any(|n| n.contains("--replace")));
    assert_eq!(pl.rollouts[0].batches, vec![vec!["hosts.app[2]"]]);
    let e = w
        .plan(&d, &PlanOptions { replace: vec!["hosts.app[9]".into()], ..Default::default() })
        .await
        .expect_err("unknown");
    assert_eq!(e.code, codes::UNKNOWN_TARGET);
}

#[tokio::test]
async fn lowering_count_drains_and_terminates_the_highest_indexes() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    let st = w.state().await;
    let gone = outputs(&st, "hosts.app[3]");
    let mut s = w.stack("t3.medium");
    s.count = 3;
    let d = compile(&s);
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    assert_eq!(pl.summary.delete, 1);
    assert_eq!(pl.rollouts[0].terminate, vec!["hosts.app[3]"]);
    let (rep, _) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    let three = outputs(&w.state().await, "hosts.app[2]");
    assert_eq!(
        w.take_log(),
        vec![
            format!(
                "update record.app.acme.example./A {}",
                ips(&[&outputs(&st, "hosts.app[0]"), &outputs(&st, "hosts.app[1]"), &three])
            ),
            format!("drain hosts.app[3] {} app web {} {}", gone.0, gone.1, gone.2),
            "delete hosts.app[3]".to_string(),
        ]
    );
}
