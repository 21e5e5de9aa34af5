//! A fleet's record sets against the in-memory provider with a latency, so calls overlap
//! as they do against AWS: every host has a record in each of two zones, each record ready
//! when its host is. The provider refuses, as Route53 does, a second change batch for a
//! zone while one is in flight; the records must cost a handful of calls, not one each.

mod support;

use drove_compiler::model::{record_set, DesiredState};
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::plan::{plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend};
use std::sync::Arc;
use std::time::Duration;
use support::NETWORK;

const HOSTS: usize = 24;

fn source() -> String {
    let mut s = format!(
        "stack fleet {{\n  region = \"ap-northeast-1\"\n}}\n{NETWORK}role app {{\n  image = image(\"base-ruby-*\")\n  type = t3.medium\n  firewall = [web]\n}}\n"
    );
    for i in 0..HOSTS {
        s.push_str(&format!("host h{i} {{ role = app  subnet = main.a }}\n"));
    }
    for zone in ["one.example.", "two.example."] {
        s.push_str(&format!("zone \"{zone}\" {{\n"));
        for i in 0..HOSTS {
            s.push_str(&format!("  h{i} 60 A host.h{i}.private_ip\n"));
        }
        s.push_str("}\n");
    }
    s
}

fn compile() -> DesiredState {
    let sources = drove_compiler::source::Sources::single("fleet.drove", source());
    let analysis = drove_compiler::analysis::analyze(&sources);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    drove_compiler::compile::compile(&analysis).expect("compiles")
}

#[tokio::test]
async fn a_fleets_records_go_in_few_batches_never_two_at_once_for_one_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = LocalBackend::new(dir.path().join("state.json"), "fleet");
    let cloud = Arc::new(MemoryProvider::new());
    cloud.add_image("ami-ruby", "base-ruby-2024-06", "2024-06-01T00:00:00Z");
    cloud.set_latency(Duration::from_millis(50));
    let d = compile();
    let records = d.resources.iter().filter(|r| r.kind() == record_set::KIND).count();
    assert_eq!(records, 2 * HOSTS);
    let singles = d.resources.len() - records;

    let pl = plan(&d, None, cloud.as_ref(), &PlanOptions::default()).await.expect("plans");
    let prov: Arc<dyn Provider> = cloud.clone();
    let rep = apply(&pl, None, &backend, prov, &ApplyOptions::default(), &|_| {}).await.expect("applies");
    assert!(rep.failed.is_empty(), "{:?}", rep.failed);
    assert_eq!(rep.completed.len(), d.resources.len());

    assert_eq!(cloud.most_batches_of_a_zone_at_once(), 1);
    assert!(cloud.most_calls_at_once() <= ApplyOptions::default().parallelism);
    let record_calls = cloud.apply_calls() - singles;
    assert_eq!(rep.calls, cloud.apply_calls());
    // Hosts finish ten at a time (the bound), each readying its two records: one call per
    // record would be 48; joined while their zone's batch is in flight, a few per zone.
    assert!(record_calls <= 12, "{record_calls} calls for {records} records");

    let st = backend.read().await.expect("reads");
    let again = plan(&d, st.as_ref(), cloud.as_ref(), &PlanOptions::default()).await.expect("plans");
    assert!(!again.has_changes());
}

#[tokio::test]
async fn the_in_memory_provider_refuses_a_second_batch_for_a_busy_zone() {
    use drove_engine::provider::{Change, Operation};
    let cloud = Arc::new(MemoryProvider::new());
    cloud.set_latency(Duration::from_millis(20));
    let record = |name: &str| Change {
        address: format!("record.{name}/A"),
        kind: record_set::KIND.into(),
        operation: Operation::Create,
        id: None,
        before: serde_json::Value::Null,
        after: serde_json::json!({"zone": "Z1", "name": name, "type": "A", "ttl": 60, "values": ["192.0.2.1"]}),
        token: name.into(),
        lineage: String::new(),
        claim: false,
    };
    let (a, b) = ([record("a.")], [record("b.")]);
    let (first, second) = tokio::join!(cloud.apply(&a), cloud.apply(&b));
    assert!(first.is_ok());
    let e = second.expect_err("refused");
    assert!(e.message.contains("PriorRequestNotComplete"), "{}", e.message);
    assert_eq!(cloud.most_batches_of_a_zone_at_once(), 2);
}
