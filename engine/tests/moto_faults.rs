#![cfg(feature = "aws")]
//! A Route53 stack applied through a proxy that answers a quarter of the calls with
//! throttling (`Throttling`, `PriorRequestNotComplete`) or a 500/503: the SDK's retries
//! carry the apply through, and it ends exactly where a clean run ends; a destroy through
//! heavy throttling leaves nothing behind. And EC2 instances whose RunInstances answer was
//! lost are sent again with the same ClientToken.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::plan::PlanOptions;
use drove_engine::session::Session;
use drove_engine::state::State;
use drove_test_proxy::{Config, Fault, Proxy};
use std::path::Path;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";

fn desired() -> DesiredState {
    support::compile_data("route53-faults.drove")
}

/// Applies the stack through `endpoint`; the state it ends with.
async fn apply_through(endpoint: &str, dir: &Path) -> (Session, State) {
    let d = desired();
    let conf = drove_engine::aws::endpoint_config(REGION, endpoint, "testing", "testing").await;
    let s = Session::with_config(&d, dir, &conf).expect("session");
    let (plan, report) = s
        .apply(Some(&d), None, &PlanOptions::default(), &ApplyOptions::default(), &|_| true, &|_| {})
        .await
        .expect("apply runs")
        .expect("confirmed");
    assert!(report.failed.is_empty() && report.skipped.is_empty(), "{:?} {:?}", report.failed, report.skipped);
    assert_eq!(plan.summary.create, d.resources.len());
    let again = s.plan(&d, &PlanOptions::default()).await.expect("plan after apply");
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    let st = s.read_state().await.unwrap().expect("a state");
    (s, st)
}

/// The state as JSON with every id AWS chose replaced by the address it belongs to, so
/// two runs against two emulators compare equal when they did the same.
fn comparable(st: &State) -> serde_json::Value {
    let mut text = serde_json::to_string(&st.resources).unwrap();
    let mut ids: Vec<(&String, &String)> = st.resources.iter().map(|(a, r)| (a, &r.id)).collect();
    // Zone ids are inside record ids: replace the longer ids first.
    ids.sort_by_key(|(_, id)| std::cmp::Reverse(id.len()));
    for (address, id) in ids {
        text = text.replace(id.as_str(), &format!("<id of {address}>"));
    }
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_rides_out_throttling_and_server_errors() {
    let Some(clean_moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (_, clean) = apply_through(&clean_moto.endpoint(), dir.path()).await;
    drop(clean_moto);

    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config { seed: 11, fault_share: 0.3, ..Config::default() }).expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let (_, faulty) = apply_through(&proxy.endpoint(), dir.path()).await;

    assert_eq!(comparable(&faulty), comparable(&clean));
    let counts = proxy.counts();
    let faults = counts.total_faults();
    assert!(faults >= 4, "{faults} faults in {} calls: {counts:?}", counts.received);
    for action in ["CreateHostedZone", "ChangeResourceRecordSets", "CreateHealthCheck", "ChangeTagsForResource"] {
        assert!(counts.calls.get(action).copied().unwrap_or(0) > 0, "{action} was not called: {counts:?}");
    }

    // Destroying through a proxy that throttles half the calls leaves nothing behind.
    let throttling = Proxy::start(
        &m.endpoint(),
        Config { seed: 5, fault_share: 0.5, faults: vec![Fault::Throttle], ..Config::default() },
    )
    .expect("proxy");
    let d = desired();
    let conf = drove_engine::aws::endpoint_config(REGION, &throttling.endpoint(), "testing", "testing").await;
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    let destroy = PlanOptions { destroy: true, ..Default::default() };
    let (_, report) =
        s.apply(Some(&d), None, &destroy, &ApplyOptions::default(), &|_| true, &|_| {}).await.unwrap().unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(s.read_state().await.unwrap().unwrap().resources.is_empty());
    let direct = drove_engine::aws::aws_sdk_route53::Client::new(&m.config(REGION).await);
    assert!(direct.list_hosted_zones().send().await.unwrap().hosted_zones().is_empty());
    assert!(direct.list_health_checks().send().await.unwrap().health_checks().is_empty());

    let mut codes = counts.fault_codes.clone();
    for (code, n) in throttling.counts().fault_codes {
        *codes.entry(code).or_insert(0) += n;
    }
    for code in ["Throttling", "PriorRequestNotComplete"] {
        assert!(codes.get(code).copied().unwrap_or(0) > 0, "no {code} answer was sent: {codes:?}");
    }
    assert!(
        codes.get("InternalFailure").or(codes.get("ServiceUnavailable")).copied().unwrap_or(0) > 0,
        "no 5xx was sent: {codes:?}"
    );
}

/// EC2 takes a `ClientToken` so that a RunInstances sent again after its answer was lost
/// starts no second instance. The proxy forwards each first RunInstances and answers it
/// with a 500 anyway: the retry must carry the very token of the attempt that took effect,
/// and each instance its own token. (moto ignores the token and starts a second instance
/// where AWS would return the first: the count below shows the lost attempts did act.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_instances_sent_again_after_a_lost_answer_carries_the_same_client_token() {
    let Some(m) = Moto::start() else { return };
    let config = Config {
        fault_share: 1.0,
        faults: vec![Fault::InternalError],
        max_faults_in_a_row: 1,
        only: vec!["RunInstances".into()],
        lose_answers: true,
        ..Config::default()
    };
    let proxy = Proxy::start(&m.endpoint(), config).expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let (d, user_data) = support::compile_data_with_user_data("ec2-crash.drove");
    let conf = drove_engine::aws::endpoint_config(REGION, &proxy.endpoint(), "testing", "testing").await;
    let s = Session::with_config(&d, dir.path(), &conf).expect("session").with_user_data(user_data);
    let one_at_a_time = ApplyOptions { parallelism: 1, ..Default::default() };
    let (_, report) = s
        .apply(Some(&d), None, &PlanOptions::default(), &one_at_a_time, &|_| true, &|_| {})
        .await
        .expect("apply runs")
        .expect("confirmed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    let counts = proxy.counts();
    assert_eq!(counts.faults.get("RunInstances"), Some(&2), "{counts:?}");
    let tokens: Vec<&str> =
        counts.client_tokens.iter().filter(|(a, _)| a == "RunInstances").map(|(_, t)| t.as_str()).collect();
    assert_eq!(tokens.len(), 4, "two hosts, each sent twice: {tokens:?}");
    assert_eq!((tokens[0], tokens[2]), (tokens[1], tokens[3]), "a retry carries its first attempt's token");
    assert_ne!(tokens[0], tokens[2], "each instance has its own token");
    assert!(tokens.iter().all(|t| t.len() <= 64 && t.starts_with("drove-")), "{tokens:?}");

    let ec2 = drove_engine::aws::aws_sdk_ec2::Client::new(&m.config(REGION).await);
    let out = ec2.describe_instances().send().await.unwrap();
    let started = out.reservations().iter().flat_map(|r| r.instances()).count();
    assert_eq!(started, 4, "moto acted on every attempt, the lost ones included");
    let st = s.read_state().await.unwrap().expect("a state");
    assert_eq!(st.resources.values().filter(|r| r.kind == "ec2.instance").count(), 2);
}
