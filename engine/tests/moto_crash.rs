#![cfg(feature = "aws")]
//! An apply that dies after its k-th AWS call, for several k: the apply future is dropped
//! while calls are in flight (as a killed process would stop, nothing more is written),
//! through a proxy that holds each answer back so the k-th call has taken effect in AWS
//! but drove has not seen its answer. The next apply must converge: every declared zone,
//! record and health check exists exactly once, nothing tagged for the stack is missing
//! from the state, and a final plan shows no changes.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::aws_sdk_route53::types::TagResourceType;
use drove_engine::aws::aws_sdk_route53::Client;
use drove_engine::plan::PlanOptions;
use drove_engine::session::Session;
use drove_test_proxy::{Config, Proxy};
use std::collections::BTreeSet;
use std::time::Duration;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";

fn desired() -> DesiredState {
    support::compile_data("route53-faults.drove")
}

/// What moto holds: zone names, health check ids, record set ids (apex NS/SOA left out)
/// and the ids of everything tagged with `drove:stack`.
struct Live {
    zones: Vec<String>,
    health_checks: Vec<String>,
    records: BTreeSet<String>,
    tagged: BTreeSet<String>,
}

fn tagged(t: Option<&drove_engine::aws::aws_sdk_route53::types::ResourceTagSet>) -> bool {
    t.is_some_and(|t| t.tags().iter().any(|t| t.key() == Some("drove:stack")))
}

async fn live(r53: &Client) -> Live {
    let mut out = Live { zones: vec![], health_checks: vec![], records: BTreeSet::new(), tagged: BTreeSet::new() };
    for z in r53.list_hosted_zones().send().await.unwrap().hosted_zones() {
        let id = z.id().trim_start_matches("/hostedzone/").to_string();
        out.zones.push(z.name().to_string());
        for r in r53.list_resource_record_sets().hosted_zone_id(&id).send().await.unwrap().resource_record_sets() {
            let ty = r.r#type().as_str();
            if !(r.name() == z.name() && (ty == "NS" || ty == "SOA")) {
                out.records.insert(format!("{id}/{}/{ty}/{}", r.name(), r.set_identifier().unwrap_or("")));
            }
        }
        let tags = r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .send()
            .await
            .unwrap();
        if tagged(tags.resource_tag_set()) {
            out.tagged.insert(id);
        }
    }
    for h in r53.list_health_checks().send().await.unwrap().health_checks() {
        out.health_checks.push(h.id().to_string());
        let tags = r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Healthcheck)
            .resource_id(h.id())
            .send()
            .await
            .unwrap();
        if tagged(tags.resource_tag_set()) {
            out.tagged.insert(h.id().to_string());
        }
    }
    out.zones.sort();
    out
}

/// Dies after call `k`, then applies again; returns what was wrong, if anything.
async fn crash_at(k: u64) -> Vec<String> {
    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config { latency: Duration::from_millis(100), ..Config::default() })
        .expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let d = desired();
    let conf = drove_engine::aws::endpoint_config(REGION, &proxy.endpoint(), "testing", "testing").await;
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    let (popts, aopts) = (PlanOptions::default(), ApplyOptions::default());
    let reached = async {
        while proxy.counts().answered < k {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    tokio::select! {
        r = s.apply(Some(&d), None, &popts, &aopts, &|_| true, &|_| {}) => panic!("the apply ended before call {k}: {:?}", r.map(|x| x.map(|p| p.1.calls))),
        _ = reached => {}
    }
    drop(s);

    // The dead run's lock is left; this process still runs, so it is broken by its id.
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    let lock = s.backend.current_lock().await.unwrap().expect("the dead run's lock is left");
    s.backend.force_unlock(&lock.id).await.unwrap();
    let (_, report) = s
        .apply(Some(&d), None, &popts, &aopts, &|_| true, &|_| {})
        .await
        .expect("the second apply runs")
        .expect("confirmed");
    let mut wrong = Vec::new();
    if !report.failed.is_empty() {
        wrong.push(format!("k = {k}: the second apply failed: {:?}", report.failed));
    }
    let again = s.plan(&d, &popts).await.expect("plan");
    if again.has_changes() {
        wrong.push(format!(
            "k = {k}: a plan after the second apply has changes: {}",
            drove_engine::plan::render::summary_line(&again)
        ));
    }
    let st = s.read_state().await.unwrap().expect("a state");
    let l = live(&Client::new(&m.config(REGION).await)).await;
    if l.zones != ["shop.example.", "shop.test."] {
        wrong.push(format!("k = {k}: zones {:?}", l.zones));
    }
    if l.health_checks.len() != 1 {
        wrong.push(format!("k = {k}: {} health checks", l.health_checks.len()));
    }
    let ids: BTreeSet<String> = st.resources.values().map(|r| r.id.clone()).collect();
    for t in l.tagged.difference(&ids) {
        wrong.push(format!("k = {k}: {t} is tagged for the stack but not in the state"));
    }
    let records: BTreeSet<String> =
        st.resources.values().filter(|r| r.kind == "route53.record_set").map(|r| r.id.clone()).collect();
    if l.records != records {
        wrong.push(format!(
            "k = {k}: records in moto but not the state {:?}, in the state but not moto {:?}",
            l.records.difference(&records).collect::<Vec<_>>(),
            records.difference(&l.records).collect::<Vec<_>>()
        ));
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applies_that_die_at_any_call_converge_on_the_next_run() {
    if Moto::start().is_none() {
        return;
    }
    let mut wrong = Vec::new();
    for k in 1..=14 {
        wrong.extend(crash_at(k).await);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
