//! Every plan with instances carries the monthly cost delta of its instances, from the
//! embedded price table: shown in text, JSON and Markdown, creates adding, deletes
//! subtracting, a replace with another type counting the difference.

use drove_compiler::catalog::monthly_cost;
use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::plan::{plan, render, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend};
use serde_json::{json, Value};
use std::sync::Arc;

const REGION: &str = "ap-northeast-1";

fn desired() -> DesiredState {
    serde_json::from_str(include_str!("data/web.json")).expect("fixture parses")
}

fn instances(d: &DesiredState) -> Vec<String> {
    d.resources
        .iter()
        .filter(|r| r.kind() == "ec2.instance")
        .map(|r| r.attributes()["instance_type"].as_str().unwrap_or("").to_string())
        .collect()
}

fn month(t: &str) -> f64 {
    monthly_cost(REGION, t).unwrap_or_else(|| panic!("{t} is priced in {REGION}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.02
}

async fn plan_and_apply(backend: &LocalBackend, d: &DesiredState, p: &Arc<MemoryProvider>) -> Plan {
    let st = backend.read().await.unwrap();
    let pl = plan(d, st.as_ref(), p.as_ref(), &PlanOptions::default()).await.unwrap();
    let prov: Arc<dyn Provider> = p.clone();
    let rep = apply(&pl, st, backend, prov, &ApplyOptions::default(), &|_| {}).await.unwrap();
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    pl
}

#[tokio::test]
async fn plans_show_the_monthly_cost_delta_of_their_instances() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().join("state.json"), "web");
    let p = Arc::new(MemoryProvider::new());
    p.add_image("ami-new", "base-ruby-2024-06", "2024-06-01T00:00:00Z");
    p.add_image("ami-sql", "base-mysql-2025", "2025-01-01T00:00:00Z");
    let mut d = desired();
    let types = instances(&d);
    assert!(!types.is_empty(), "the fixture declares instances");
    let all: f64 = types.iter().map(|t| month(t)).sum();

    // Creating everything: the delta is the whole cost.
    let first = plan_and_apply(&backend, &d, &p).await;
    let c = first.cost.clone().expect("a plan with instances has a cost");
    assert!(close(c.monthly_before, 0.0) && close(c.delta, all) && close(c.monthly_after, all), "{c:?}");
    assert!(c.estimate && c.currency == "USD" && c.unpriced.is_empty());
    let text = render::text(&first, false);
    assert!(text.contains(&format!("Estimated cost: +${all:.2}/month")), "{text}");
    assert!(render::markdown(&first).contains("Estimated cost: +$"), "{}", render::markdown(&first));
    let json: Value = serde_json::from_str(&first.to_json()).unwrap();
    assert_eq!(json["cost"]["estimate"], json!(true));
    assert_eq!(json["cost"]["currency"], json!("USD"));
    assert!(close(json["cost"]["delta"].as_f64().unwrap(), all));
    // A saved plan reads back with its cost.
    assert_eq!(Plan::parse(&first.to_json(), "plan.json").unwrap().cost, first.cost);

    // No change: the delta is zero and the total stays.
    let st = backend.read().await.unwrap();
    let same = plan(&d, st.as_ref(), p.as_ref(), &PlanOptions::default()).await.unwrap();
    let c = same.cost.clone().unwrap();
    assert!(close(c.delta, 0.0) && close(c.monthly_before, all) && close(c.monthly_after, all), "{c:?}");
    assert!(render::text(&same, false).contains("Estimated cost: ±$0.00/month"));

    // A bigger type replaces the instance: the difference is counted.
    let host = d.resources.iter_mut().find(|r| r.kind() == "ec2.instance").unwrap();
    let old = host.attributes()["instance_type"].as_str().unwrap().to_string();
    let new = if old == "t3.xlarge" { "t3.2xlarge" } else { "t3.xlarge" };
    host.edit(|a| a["instance_type"] = json!(new)).expect("fits its kind");
    let bigger = plan_and_apply(&backend, &d, &p).await;
    let c = bigger.cost.clone().unwrap();
    assert!(close(c.delta, month(new) - month(&old)), "{c:?}");
    assert!(c.delta > 0.0);

    // Dropping the instances subtracts them all.
    let now: f64 = instances(&d).iter().map(|t| month(t)).sum();
    d.resources.retain(|r| r.kind() != "ec2.instance" && !r.kind().starts_with("route53.record"));
    d.stack.max_delete = 1.0;
    d.stack.max_zone_delete = 1.0;
    let st = backend.read().await.unwrap();
    let gone = plan(&d, st.as_ref(), p.as_ref(), &PlanOptions { allow_mass_delete: true, ..Default::default() })
        .await
        .unwrap();
    let c = gone.cost.clone().unwrap();
    assert!(close(c.delta, -now) && close(c.monthly_after, 0.0), "{c:?}");
    assert!(render::text(&gone, false).contains("Estimated cost: -$"));
}
