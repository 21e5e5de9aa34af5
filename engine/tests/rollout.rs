//! Rolling replacement against the in-memory provider, from drove source through the
//! compiler: the exact order of provider calls and drain checks for a role of 4 hosts in
//! batches of 2, a drain check that passes after retries, one that times out, a host SSM
//! cannot reach, `--skip-drain`, a run killed after each provider call in turn (the next
//! run converges), pets, lowering `count`, and `drove replace`'s checks and its
//! interrupted replacement finished by a second run. The drain checks run on the
//! instances through the provider, which answers them from a script.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions, ApplyReport};
use drove_engine::error::codes;
use drove_engine::plan::{plan, render, Action, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::HostOutcome;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend, State};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use support::recorder::{rollout_log, take_log, Recorder, DRAIN};
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

    fn stack(&self, app_type: &str) -> Stack<'static> {
        let t: &'static str = if app_type == "t3.medium" { "t3.medium" } else { "t3.large" };
        Stack { app_type: t, db_type: "r6g.large", count: 4, drain: DRAIN.to_string(), timeout: "2s" }
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
    assert!(
        text.contains(
            "role app: 2 at a time; drain check `test ! -s /var/log/td-agent/buffer/*` on the host, through SSM"
        ),
        "{text}"
    );
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
    w.cloud.set_hosts_busy(true);
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
    w.cloud.set_hosts_busy(false);
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
    w.cloud.set_hosts_busy(true);
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

#[tokio::test]
async fn a_drain_check_runs_on_the_old_host_with_its_variables_and_passes_after_retries() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    let st = w.state().await;
    let old: Vec<(String, String, String)> = (0..4).map(|i| outputs(&st, &format!("hosts.app[{i}]"))).collect();
    w.cloud.script_host(
        &old[0].0,
        vec![
            HostOutcome::Exited { status: 1, output: "buffer not empty\n".into() },
            HostOutcome::TimedOut { output: "flushing".into() },
            HostOutcome::Exited { status: 0, output: "empty".into() },
        ],
    );
    let d = compile(&w.stack("t3.large"));
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    let (rep, progress) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    let from = |l: &str| progress.iter().position(|p| p == l).unwrap_or_else(|| panic!("no line {l:?}: {progress:?}"));
    let announced =
        from(&format!("hosts.app[0]#deposed: running the drain check `{DRAIN}` on {} (SSM Run Command)", old[0].0));
    let first =
        from("hosts.app[0]#deposed: drain check attempt 1 failed: exit status 1: buffer not empty; again in 500ms");
    let second =
        from("hosts.app[0]#deposed: drain check attempt 2 failed: still running at the timeout; cancelled: flushing; again in 1s");
    let passed = from("hosts.app[0]#deposed: drain check passed on attempt 3 (exit status 0: empty)");
    let terminated =
        progress.iter().position(|p| p.starts_with("hosts.app[0]#deposed: deleting… done")).expect("terminated");
    assert!(announced < first && first < second && second < passed && passed < terminated, "{progress:?}");

    // Three runs on the first old host, then one on each of the others, in rollout order.
    let ran: Vec<String> = w.cloud.host_commands().iter().map(|c| c.instance_id.clone()).collect();
    let o = |i: usize| old[i].0.as_str();
    assert_eq!(ran, [o(0), o(0), o(0), o(1), o(2), o(3)]);
    let (id, private, public) = &old[0];
    assert_eq!(
        w.cloud.host_commands()[0].script(),
        format!(
            "export DROVE_INSTANCE_ID='{id}'\nexport DROVE_PRIVATE_IP='{private}'\nexport DROVE_PUBLIC_IP='{public}'\n\
             export DROVE_ROLE='app'\nexport DROVE_ADDRESS='hosts.app[0]'\nexport DROVE_STACK='web'\n{DRAIN}"
        )
    );
    let st = w.state().await;
    let new: Vec<(String, String, String)> = (0..4).map(|i| outputs(&st, &format!("hosts.app[{i}]"))).collect();
    assert_eq!(w.take_log(), rollout_log("record.app.acme.example./A", "web", &old, &new));
}

#[tokio::test]
async fn a_host_ssm_cannot_reach_fails_its_drain_at_once_and_is_kept() {
    let w = World::new();
    w.converge(&compile(&w.stack("t3.medium"))).await;
    let _ = w.take_log();
    let old0 = outputs(&w.state().await, "hosts.app[0]").0;
    w.cloud.make_unreachable(&old0);
    let d = compile(&w.stack("t3.medium"));
    let opts = PlanOptions { replace: vec!["hosts.app[0]".into()], ..Default::default() };
    let pl = w.plan(&d, &opts).await.expect("plans");
    assert_eq!(pl.rollouts[0].batches, vec![vec!["hosts.app[0]"]]);
    let started = std::time::Instant::now();
    let (rep, _) = w.apply(&pl, &serial()).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "no retries against an unreachable host");
    assert_eq!(rep.failed.len(), 1, "{:?}", rep.failed);
    let (address, e) = &rep.failed[0];
    assert_eq!((address.as_str(), e.code), ("hosts.app[0]", codes::DRAIN_UNREACHABLE));
    assert!(e.message.contains(&format!("hosts.app[0] on {old0}")) && e.message.contains("InvalidInstanceId"), "{e}");
    assert!(e.help.as_deref().is_some_and(|h| h.contains("SSM agent") && h.contains("--skip-drain")), "{e}");
    let st = w.state().await;
    assert_eq!(st.resources["hosts.app[0]#deposed"].id, old0, "the old instance is kept, deposed");
    assert!(st.resources.contains_key("hosts.app[0]"), "its replacement stays");
    assert!(w.take_log().iter().all(|l| !l.starts_with("delete")), "nothing was terminated");

    // `--skip-drain` finishes the job without the check.
    let pl = w.plan(&d, &PlanOptions::default()).await.expect("plans");
    assert_eq!(pl.rollouts[0].terminate, vec!["hosts.app[0]#deposed"]);
    let (rep, _) = w.apply(&pl, &ApplyOptions { parallelism: 1, skip_drain: true }).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    assert_eq!(w.take_log(), ["delete hosts.app[0]#deposed"]);
    assert!(!w.plan(&d, &PlanOptions::default()).await.expect("plans").has_changes());
}

/// `drove replace`'s checks and its path: it replaces an instance of a `hosts` the state
/// holds and nothing else, and run again after being killed it finishes the replacement
/// it started instead of launching another.
#[tokio::test]
async fn drove_replace_checks_its_target_and_finishes_an_interrupted_replacement() {
    use drove_engine::rollout::replace;
    let w = World::new();
    let d = compile(&w.stack("t3.medium"));
    w.converge(&d).await;
    let _ = w.take_log();
    let st = w.state().await;
    let refused = |a: &str| replace::target(a, &d, Some(&st)).expect_err("refused");
    let e = refused("host.db");
    assert_eq!(e.code, codes::REPLACE_REFUSED);
    assert!(e.message.contains("host.db is a pet (`protect = true`)"), "{e}");
    let zone = d.resources.iter().find(|r| r.kind() == "route53.hosted_zone").expect("a zone").address.clone();
    assert_eq!(refused(&zone).code, codes::REPLACE_REFUSED);
    let e = refused("hosts.app[9]");
    assert_eq!(e.code, codes::UNKNOWN_TARGET);
    assert!(e.help.as_deref().is_some_and(|h| h.starts_with("did you mean `hosts.app[")), "{e}");
    replace::target("hosts.app[2]", &d, Some(&st)).expect("cattle in the state");

    // Killed right after its first call (the new instance launched, its answer lost).
    let old = outputs(&st, "hosts.app[2]").0;
    let opts = replace::plan_options("hosts.app[2]", Some(&st));
    assert_eq!(opts.replace, ["hosts.app[2]"]);
    let pl = w.plan(&d, &opts).await.expect("plans");
    replace::alone(&pl, "hosts.app[2]").expect("the replacement and the record that follows it");
    let dying = w.recorder(Some(1));
    let prov: Arc<dyn Provider> = dying.clone();
    let st = w.backend.read().await.expect("reads");
    let one_at_a_time = serial();
    tokio::select! {
        r = apply(&pl, st, &w.backend, prov, &one_at_a_time, &|_| {}) => panic!("should have died: {:?}", r.map(|r| r.failed)),
        _ = dying.died.notified() => {}
    }
    let st = w.state().await;
    assert_eq!(st.resources["hosts.app[2]#deposed"].id, old);

    // Run again: it finishes that replacement, asking for no other.
    let opts = replace::plan_options("hosts.app[2]", Some(&st));
    assert!(opts.replace.is_empty());
    let pl = w.plan(&d, &opts).await.expect("plans");
    replace::alone(&pl, "hosts.app[2]").expect("only the interrupted replacement");
    let (rep, _) = w.apply(&pl, &serial()).await;
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    let log = w.take_log();
    let drained = log.iter().position(|l| l.starts_with(&format!("drain hosts.app[2] {old} ")));
    let terminated = log.iter().position(|l| l == "delete hosts.app[2]#deposed");
    assert!(matches!((drained, terminated), (Some(d), Some(t)) if d < t), "{log:?}");
    // The second run's create carries the first's token: EC2 answers with the instance
    // already launched, so there is still one instance per host.
    assert_eq!(w.cloud.entries().iter().filter(|(_, e)| e.kind == "ec2.instance").count(), 5, "{log:?}");
    assert!(!w.plan(&d, &PlanOptions::default()).await.expect("plans").has_changes());

    // With other changes pending, the plan is refused, naming them.
    let other = compile(&w.stack("t3.large"));
    let opts = replace::plan_options("hosts.app[2]", Some(&w.state().await));
    let pl = w.plan(&other, &opts).await.expect("plans");
    let e = replace::alone(&pl, "hosts.app[2]").expect_err("not alone");
    assert_eq!(e.code, codes::REPLACE_REFUSED);
    assert!(e.message.contains("hosts.app[0] (replaced), hosts.app[1] (replaced), hosts.app[3] (replaced)"), "{e}");
}
