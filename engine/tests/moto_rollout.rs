#![cfg(feature = "aws")]
//! A rolling replacement through the real AWS SDK against moto: a role of 4 hosts in
//! batches of 2 changes its instance type. Every provider call and every drain check is
//! written to one log in the order it happened, and the log must be exactly: batch 1's
//! new instances, the record moved to them, drain and terminate batch 1's old instances,
//! then batch 2 the same way. The drain check sees moto's real instance ids and addresses;
//! afterwards moto holds the old instances terminated, the new ones running with the new
//! type spread over both subnets, and the record on their addresses.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::aws_sdk_ec2;
use drove_engine::aws::aws_sdk_route53;
use drove_engine::plan::{render, PlanOptions};
use drove_engine::session::Session;
use drove_engine::state::State;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use support::moto::Moto;
use support::recorder::{drain_command, rollout_log, take_log, Host, Recorder};
use support::{MOTO_IMAGE as IMAGE, NETWORK};

const REGION: &str = "ap-northeast-1";

fn source(instance_type: &str, drain: &str) -> String {
    format!(
        r#"stack shop {{
  region = "{REGION}"
}}
{NETWORK}role app {{
  image = image("{IMAGE}", "137112412989")
  type = {instance_type}
  disk = 20GiB
  firewall = [web]
  public_ip = true
  drain = "{drain}"
  drain_timeout = 10s
  batch = 2
}}
hosts app {{ role = app  count = 4  subnets = [main.a, main.c] }}
zone "shop.example." {{
  app 60 A hosts.app.public_ip
}}
"#
    )
}

fn compile(text: &str) -> DesiredState {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    drove_compiler::compile::compile(&a).expect("compiles")
}

/// A session on moto whose provider writes each change to `log`.
async fn session(m: &Moto, d: &DesiredState, dir: &Path, log: &Path) -> Session {
    let mut s = Session::with_config(d, dir, &m.config(REGION).await).expect("session");
    s.provider = Arc::new(Recorder::new(s.provider.clone(), log.to_path_buf(), None));
    s
}

/// One change at a time, so the log's order is exact.
async fn apply(s: &Session, d: &DesiredState) {
    support::apply_with(s, d, &ApplyOptions { parallelism: 1, ..Default::default() }).await;
}

fn host(st: &State, i: usize) -> Host {
    let r = &st.resources[&format!("hosts.app[{i}]")];
    let s = |k: &str| r.outputs.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (r.id.clone(), s("private_ip"), s("public_ip"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_replacement_on_moto_drains_each_old_instance_after_its_batch_is_up() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("calls.log");
    let drain = drain_command(&log, &dir.path().join("busy"));

    let first = compile(&source("t3.micro", &drain));
    let s = session(&m, &first, dir.path(), &log).await;
    apply(&s, &first).await;
    assert!(!s.plan(&first, &PlanOptions::default()).await.expect("plans").has_changes());
    let _ = take_log(&log);
    let st = s.read_state().await.expect("reads").expect("a state");
    let old: Vec<_> = (0..4).map(|i| host(&st, i)).collect();
    assert!(old.iter().all(|h| h.0.starts_with("i-") && !h.1.is_empty() && !h.2.is_empty()), "{old:?}");

    let second = compile(&source("t3.small", &drain));
    let pl = s.plan(&second, &PlanOptions::default()).await.expect("plans");
    assert_eq!(pl.summary.replace, 4, "{}", render::text(&pl, false));
    assert_eq!(
        pl.rollouts[0].batches,
        vec![vec!["hosts.app[0]", "hosts.app[1]"], vec!["hosts.app[2]", "hosts.app[3]"]]
    );
    apply(&s, &second).await;

    let st = s.read_state().await.expect("reads").expect("a state");
    let new: Vec<_> = (0..4).map(|i| host(&st, i)).collect();
    assert_eq!(take_log(&log), rollout_log("record.app.shop.example./A", "shop", &old, &new));

    // What moto holds, read through the SDK.
    let conf = m.config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let all: Vec<String> = old.iter().chain(&new).map(|h| h.0.clone()).collect();
    let out = ec2.describe_instances().set_instance_ids(Some(all)).send().await.expect("describes");
    let instances: Vec<_> = out.reservations().iter().flat_map(|r| r.instances()).collect();
    let state_of = |id: &str| {
        let i = instances.iter().find(|i| i.instance_id() == Some(id)).expect("described");
        (
            i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()),
            i.instance_type().map(|t| t.as_str().to_string()),
            i.subnet_id().map(str::to_string),
        )
    };
    for h in &old {
        assert_eq!(state_of(&h.0).0.as_deref(), Some("terminated"), "{}", h.0);
    }
    let subnet = |name: &str| st.resources[&format!("network.main.subnet.{name}")].id.clone();
    for (i, h) in new.iter().enumerate() {
        let (state, ty, sub) = state_of(&h.0);
        assert_eq!((state.as_deref(), ty.as_deref()), (Some("running"), Some("t3.small")), "{}", h.0);
        assert_eq!(sub, Some(subnet(if i % 2 == 0 { "a" } else { "c" })), "hosts.app[{i}] keeps its subnet");
    }
    let r53 = aws_sdk_route53::Client::new(&conf);
    let zone = st.resources["zone.shop.example."].id.clone();
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.expect("lists");
    let a = sets
        .resource_record_sets()
        .iter()
        .find(|r| r.name() == "app.shop.example." && r.r#type().as_str() == "A")
        .expect("the record");
    let mut live: Vec<String> = a.resource_records().iter().map(|r| r.value().to_string()).collect();
    let mut want: Vec<String> = new.iter().map(|h| h.2.clone()).collect();
    live.sort();
    want.sort();
    assert_eq!(live, want);
    assert!(st.resources.keys().all(|k| !k.contains("#deposed")));
    assert!(!s.plan(&second, &PlanOptions::default()).await.expect("plans").has_changes());
}
