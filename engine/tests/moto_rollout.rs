#![cfg(feature = "aws")]
//! A rolling replacement through the real AWS SDK against moto: a role of 4 hosts in
//! batches of 2 changes its instance type. Every provider call and every drain check is
//! written to one log in the order it happened, and the log must be exactly: batch 1's
//! new instances, the record moved to them, drain and terminate batch 1's old instances,
//! then batch 2 the same way. moto's request recorder holds the AWS calls in the order
//! moto served them: each old instance's drain check is a SendCommand of the role's drain
//! (`AWS-RunShellScript`, the `DROVE_*` variables exported first) to that instance and a
//! GetCommandInvocation of it, after its batch's RunInstances and before its
//! TerminateInstances. The instance role of the role holds the SSM agent's permissions and
//! the new instances run with its profile. Afterwards moto holds the old instances
//! terminated, the new ones running with the new type spread over both subnets, and the
//! record on their addresses.

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
use support::moto::{recorded, Moto};
use support::recorder::{rollout_log, take_log, Host, Recorder, DRAIN};
use support::{MOTO_IMAGE as IMAGE, NETWORK};

const REGION: &str = "ap-northeast-1";

fn source(instance_type: &str) -> String {
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
  drain = "{DRAIN}"
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
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = dir.path().join("moto.jsonl");
    let Some(m) = Moto::start_recording(&recording) else { return };
    let log = dir.path().join("calls.log");

    let first = compile(&source("t3.micro"));
    let s = session(&m, &first, dir.path(), &log).await;
    apply(&s, &first).await;
    assert!(!s.plan(&first, &PlanOptions::default()).await.expect("plans").has_changes());
    let _ = take_log(&log);
    let st = s.read_state().await.expect("reads").expect("a state");
    let old: Vec<_> = (0..4).map(|i| host(&st, i)).collect();
    assert!(old.iter().all(|h| h.0.starts_with("i-") && !h.1.is_empty() && !h.2.is_empty()), "{old:?}");

    let second = compile(&source("t3.small"));
    let pl = s.plan(&second, &PlanOptions::default()).await.expect("plans");
    let before = recorded(&recording).len();
    assert_eq!(pl.summary.replace, 4, "{}", render::text(&pl, false));
    assert_eq!(
        pl.rollouts[0].batches,
        vec![vec!["hosts.app[0]", "hosts.app[1]"], vec!["hosts.app[2]", "hosts.app[3]"]]
    );
    apply(&s, &second).await;

    let st = s.read_state().await.expect("reads").expect("a state");
    let new: Vec<_> = (0..4).map(|i| host(&st, i)).collect();
    assert_eq!(take_log(&log), rollout_log("record.app.shop.example./A", "shop", &old, &new));

    // The AWS calls of the rollout, in the order moto served them.
    let calls = recorded(&recording).split_off(before);
    let launched = "RunInstances".to_string();
    let drained = |h: &Host| {
        vec![
            format!("SendCommand {}", h.0),
            format!("GetCommandInvocation {}", h.0),
            format!("TerminateInstances {}", h.0),
        ]
    };
    let mut want = vec![launched.clone(), launched.clone(), "ChangeResourceRecordSets".to_string()];
    want.extend(drained(&old[0]));
    want.extend(drained(&old[1]));
    want.extend([launched.clone(), launched, "ChangeResourceRecordSets".to_string()]);
    want.extend(drained(&old[2]));
    want.extend(drained(&old[3]));
    assert_eq!(rollout_calls(&calls), want);
    for (i, h) in old.iter().enumerate() {
        let body = calls
            .iter()
            .find(|(a, b)| a == "SendCommand" && b.contains(&h.0))
            .map(|(_, b)| serde_json::from_str::<Value>(b).expect("json"))
            .expect("sent");
        assert_eq!(body["DocumentName"], "AWS-RunShellScript");
        assert_eq!(body["InstanceIds"], serde_json::json!([h.0]));
        let script = format!(
            "export DROVE_INSTANCE_ID='{}'\nexport DROVE_PRIVATE_IP='{}'\nexport DROVE_PUBLIC_IP='{}'\n\
             export DROVE_ROLE='app'\nexport DROVE_ADDRESS='hosts.app[{i}]'\nexport DROVE_STACK='shop'\n{DRAIN}",
            h.0, h.1, h.2
        );
        assert_eq!(body["Parameters"]["commands"], serde_json::json!([script]));
        let timeout: u64 =
            body["Parameters"]["executionTimeout"][0].as_str().and_then(|t| t.parse().ok()).expect("set");
        assert!((1..=10).contains(&timeout), "within the role's drain_timeout: {timeout}");
        assert_eq!(body["TimeoutSeconds"], 30, "SSM's least delivery timeout");
    }
    let launches: Vec<&String> = calls.iter().filter(|(a, _)| a == "RunInstances").map(|(_, b)| b).collect();
    assert!(
        launches
            .iter()
            .all(|b| b.contains("IamInstanceProfile.Arn=") && b.contains("instance-profile%2Fdrove-shop-app")),
        "the new instances run with the role's profile: {launches:?}"
    );
    let grants = &st.resources["role.app"].attributes["grants"];
    let actions: Vec<&str> = grants
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["resource"] == "*")
        .flat_map(|g| g["actions"].as_array().into_iter().flatten().filter_map(Value::as_str))
        .collect();
    for a in ["ssm:UpdateInstanceInformation", "ssmmessages:OpenControlChannel", "ec2messages:GetMessages"] {
        assert!(actions.contains(&a), "the SSM agent may {a}: {grants}");
    }

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

/// The calls of a rollout that matter to the drain, in order: launches, record changes,
/// drain checks (SendCommand, GetCommandInvocation) and terminations, each of these three
/// with the instance it names.
fn rollout_calls(calls: &[(String, String)]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|(action, body)| match action.as_str() {
            "RunInstances" => Some(action.clone()),
            "SendCommand" | "GetCommandInvocation" => {
                let v: Value = serde_json::from_str(body).expect("json");
                let id = v["InstanceIds"][0].as_str().or(v["InstanceId"].as_str()).unwrap_or("?").to_string();
                Some(format!("{action} {id}"))
            }
            "TerminateInstances" => {
                let id = body.split('&').find_map(|kv| kv.strip_prefix("InstanceId.1=")).unwrap_or("?");
                Some(format!("{action} {id}"))
            }
            a if a.starts_with("POST ") && a.contains("/rrset") => Some("ChangeResourceRecordSets".to_string()),
            _ => None,
        })
        .collect()
}
