#![cfg(feature = "aws")]
//! Route53 and the S3 state through the real AWS SDK against moto: apply, a plan with no
//! changes, update / replace / delete, a CNAME→A swap, drift made behind drove's back,
//! the S3 backend's init, lock and ETag checks, and two applies at once.

mod support;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::aws_sdk_route53;
use drove_engine::error::codes;
use drove_engine::plan::{Action, Plan, PlanOptions};
use drove_engine::session::Session;
use drove_engine::state::{Backend, S3Backend};
use serde_json::{json, Value};
use std::path::Path;
use support::apply;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";

/// Writes one record set straight through the SDK, as someone outside drove would.
async fn change_behind_drove(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    action: ChangeAction,
    name: &str,
    ty: RrType,
    ttl: i64,
    value: &str,
) {
    let set = ResourceRecordSet::builder()
        .name(name)
        .r#type(ty)
        .ttl(ttl)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder().action(action).resource_record_set(set).build().unwrap();
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
        .send()
        .await
        .unwrap();
}

fn zone_ref() -> Value {
    json!({"ref": "zone.shop.example.", "attribute": "id"})
}

fn record(name: &str, ty: &str, ttl: i64, values: Value) -> Value {
    json!({"address": format!("record.{name}/{ty}"), "kind": "route53.record_set",
           "attributes": {"zone": zone_ref(), "name": name, "type": ty, "ttl": ttl, "values": values}})
}

fn stack(state: Value, extra: Vec<Value>) -> DesiredState {
    let mut resources = vec![
        json!({"address": "zone.shop.example.", "kind": "route53.hosted_zone",
               "attributes": {"name": "shop.example.", "comment": "drove test", "private_vpcs": [], "tags": {"team": "ops"}}}),
        json!({"address": "healthcheck.web", "kind": "route53.health_check",
               "attributes": {"type": "HTTPS", "fqdn": "www.shop.example.", "ip": null, "port": 443, "resource_path": "/health",
                              "request_interval": 30, "failure_threshold": 3}}),
        record("shop.example.", "A", 300, json!(["192.0.2.1"])),
        record("www.shop.example.", "CNAME", 300, json!(["shop.example."])),
        record("shop.example.", "MX", 3600, json!(["10 mx1.shop.example.", "20 mx2.shop.example."])),
        record("shop.example.", "TXT", 300, json!(["\"v=spf1 -all\""])),
        json!({"address": "record.api.shop.example./A/blue", "kind": "route53.record_set",
               "attributes": {"zone": zone_ref(), "name": "api.shop.example.", "type": "A", "ttl": 60, "values": ["192.0.2.10"],
                              "set_identifier": "blue", "weight": 90,
                              "health_check": {"ref": "healthcheck.web", "attribute": "id"}},
               "depends_on": ["healthcheck.web"]}),
        json!({"address": "record.api.shop.example./A/green", "kind": "route53.record_set",
               "attributes": {"zone": zone_ref(), "name": "api.shop.example.", "type": "A", "ttl": 60, "values": ["192.0.2.20"],
                              "set_identifier": "green", "weight": 10}}),
        json!({"address": "record.cdn.shop.example./A", "kind": "route53.record_set",
               "attributes": {"zone": zone_ref(), "name": "cdn.shop.example.", "type": "A",
                              "alias": {"dns_name": "d111111abcdef8.cloudfront.net.", "zone_id": "Z2FDTNDATAQYW2", "evaluate_health": false}}}),
    ];
    resources.extend(extra);
    serde_json::from_value(json!({
        "stack": {"name": "shop", "region": REGION, "state": state, "tags": {}, "max_delete": 0.5, "max_zone_delete": 0.5, "recipients": []},
        "resources": resources
    }))
    .expect("desired state")
}

fn local() -> Value {
    json!({"backend": "local", "path": "drove.state.json"})
}

async fn open(m: &Moto, d: &DesiredState, dir: &Path) -> Session {
    Session::with_config(d, dir, &m.config(REGION).await).expect("session")
}

fn action(p: &Plan, a: &str) -> Action {
    p.changes.iter().find(|c| c.address == a).map(|c| c.action).unwrap_or_else(|| panic!("{a} not planned"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route53_lifecycle_against_moto() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut d = stack(local(), vec![]);
    let s = open(&m, &d, dir.path()).await;

    let first = apply(&s, &d).await;
    assert_eq!(first.summary.create, 9);
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));

    // What moto holds, read with the SDK, not through drove.
    let conf = m.config(REGION).await;
    let r53 = aws_sdk_route53::Client::new(&conf);
    let st = s.read_state().await.unwrap().unwrap();
    let zone = st.resources["zone.shop.example."].id.clone();
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let names: Vec<String> =
        sets.resource_record_sets().iter().map(|r| format!("{} {}", r.name(), r.r#type().as_str())).collect();
    assert!(names.contains(&"www.shop.example. CNAME".to_string()), "{names:?}");
    let zone_tags = r53
        .list_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
        .resource_id(&zone)
        .send()
        .await
        .unwrap();
    let tags: Vec<(String, String)> = zone_tags
        .resource_tag_set()
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    assert!(tags.contains(&("drove:address".into(), "zone.shop.example.".into())), "{tags:?}");

    // Update a TTL, swap www from CNAME to A, delete the TXT record.
    for r in d.resources.iter_mut() {
        if r.address == "record.shop.example./MX" {
            r.edit(|a| a["ttl"] = json!(600)).expect("fits its kind");
        }
        if r.address == "record.www.shop.example./CNAME" {
            r.address = "record.www.shop.example./A".into();
            r.edit(|a| a["type"] = json!("A")).expect("fits its kind");
            r.edit(|a| a["values"] = json!(["192.0.2.80"])).expect("fits its kind");
        }
    }
    d.resources.retain(|r| r.address != "record.shop.example./TXT");
    let p = apply(&s, &d).await;
    assert_eq!(action(&p, "record.shop.example./MX"), Action::Update);
    assert_eq!(action(&p, "record.www.shop.example./A"), Action::Create);
    assert_eq!(action(&p, "record.www.shop.example./CNAME"), Action::Delete);
    assert_eq!(action(&p, "record.shop.example./TXT"), Action::Delete);
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let www: Vec<&str> = sets
        .resource_record_sets()
        .iter()
        .filter(|r| r.name() == "www.shop.example.")
        .map(|r| r.r#type().as_str())
        .collect();
    assert_eq!(www, ["A"]);
    assert!(!sets.resource_record_sets().iter().any(|r| r.r#type().as_str() == "TXT"));

    // Drift: a record changed behind drove's back shows up and is put back.
    change_behind_drove(&r53, &zone, ChangeAction::Upsert, "shop.example.", RrType::A, 300, "203.0.113.66").await;
    let drift = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&drift, "record.shop.example./A"), Action::Update);
    let c = drift.changes.iter().find(|c| c.address == "record.shop.example./A").unwrap();
    assert_eq!(c.diffs[0].before, json!(["203.0.113.66"]));
    apply(&s, &d).await;
    assert!(!s.plan(&d, &PlanOptions::default()).await.unwrap().has_changes());

    // A CNAME beside a record drove does not manage is refused before anything is sent.
    let extra = serde_json::from_value(record("txt.shop.example.", "CNAME", 60, json!(["shop.example."]))).unwrap();
    change_behind_drove(&r53, &zone, ChangeAction::Create, "txt.shop.example.", RrType::Txt, 60, "\"hand made\"").await;
    let mut clash = d.clone();
    clash.resources.push(extra);
    let e = s.plan(&clash, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::INVALID_CHANGE, "{e}");

    // Destroy removes what drove made and leaves the hand-made record alone... which
    // keeps the zone from being deleted, as on AWS.
    let destroy = PlanOptions { destroy: true, ..Default::default() };
    let res = s.apply(Some(&d), None, &destroy, &ApplyOptions::default(), &|_| true, &|_| {}).await.unwrap().unwrap();
    assert_eq!(res.1.failed.len(), 1, "only the zone fails: {:?}", res.1.failed);
    assert_eq!(res.1.failed[0].0, "zone.shop.example.");
    let left = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let left: Vec<&str> = left.resource_record_sets().iter().map(|r| r.r#type().as_str()).collect();
    assert_eq!(left.iter().filter(|t| **t == "TXT").count(), 1, "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_state_init_lock_and_concurrent_applies() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = stack(json!({"backend": "s3", "bucket": "shop-state", "key": "shop/drove.json"}), vec![]);
    let s = open(&m, &d, dir.path()).await;

    // Before init: a clear error, nothing changed.
    let e = s.plan(&d, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::NO_BUCKET, "{e}");
    s.init().await.unwrap();
    s.init().await.unwrap();
    let conf = m.config(REGION).await;
    let s3 = drove_engine::aws::s3_client(&conf);
    // moto answers GetBucketVersioning with a root element the SDK rejects: read it raw.
    let v = m.get("/shop-state?versioning").expect("versioning answer");
    assert!(v.contains("<Status>Enabled</Status>"), "{v}");
    let pab = s3.get_public_access_block().bucket("shop-state").send().await.unwrap();
    assert_eq!(pab.public_access_block_configuration().and_then(|c| c.block_public_acls()), Some(true));

    // A lock held elsewhere: the error names the holder and the operation.
    let other = S3Backend::new(s3.clone(), "shop-state", "shop/drove.json", "shop");
    let held = other.lock("apply").await.unwrap();
    let e = s.plan(&d, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::LOCKED);
    assert!(
        e.message.contains(&held.who) && e.message.contains(&held.id) && e.message.contains("`apply`"),
        "{}",
        e.message
    );
    assert_eq!(s.backend.force_unlock("wrong").await.unwrap_err().code, codes::LOCK_ID);
    s.backend.force_unlock(&held.id).await.unwrap();

    // Two applies at once: the second finds the lock of the first, the first completes.
    let s2 = open(&m, &d, dir.path()).await;
    let slow = |_: &Plan| {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        true
    };
    let (popts, aopts) = (PlanOptions::default(), ApplyOptions::default());
    let first = s.apply(Some(&d), None, &popts, &aopts, &slow, &|_| {});
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        s2.apply(Some(&d), None, &PlanOptions::default(), &ApplyOptions::default(), &|_| true, &|_| {}).await
    };
    let (a, b) = tokio::join!(first, second);
    let (_, report) = a.unwrap().unwrap();
    assert!(report.failed.is_empty());
    let e = b.unwrap_err();
    assert_eq!(e.code, codes::LOCKED, "{e}");
    assert!(e.message.contains("`apply`"), "{}", e.message);

    // The state is intact, complete, and the lock is gone.
    let st = s2.read_state().await.unwrap().unwrap();
    assert_eq!(st.resources.len(), 9);
    assert!(s.backend.current_lock().await.unwrap().is_none());
    assert!(!s2.plan(&d, &PlanOptions::default()).await.unwrap().has_changes());

    // A writer holding a stale ETag cannot overwrite the newer state.
    let stale = S3Backend::new(s3.clone(), "shop-state", "shop/drove.json", "shop");
    let mut old = stale.read().await.unwrap().unwrap();
    let mut newer = old.clone();
    newer.serial += 1;
    s2.backend.read().await.unwrap();
    s2.backend.write(&newer).await.unwrap();
    old.serial += 5;
    assert_eq!(stale.write(&old).await.unwrap_err().code, codes::STATE_WRITE);
    assert_eq!(s2.read_state().await.unwrap().unwrap().serial, newer.serial);
    let versions = s3.list_object_versions().bucket("shop-state").prefix("shop/drove.json").send().await.unwrap();
    assert!(versions.versions().len() > 2, "every state version is kept");
}

/// A zone of more than two pages is read in segments side by side, starting at record sets
/// the state knows: the call count is the floor (one call per page) while the zone holds
/// what the state says, and nothing is missed, not even a record set another system wrote
/// between drove's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_zone_is_listed_in_segments_at_the_call_floor() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<Value> = (0..700)
        .map(|i| record(&format!("h{i:04}.shop.example."), "A", 300, json!([format!("192.0.2.{}", i % 250 + 1)])))
        .collect();
    let d = stack(local(), records);
    let s = open(&m, &d, dir.path()).await;
    let first = apply(&s, &d).await;
    assert_eq!(first.summary.create, 709);

    // 709 record sets (700, the 7 declared beside them, the apex SOA and NS) as the state
    // knows them: three pages, one call each.
    let before = s.requests();
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    let calls = s.requests().since(&before);
    assert_eq!(calls.of("Route 53", "ListResourceRecordSets"), 3, "{calls:?}");

    let conf = m.config(REGION).await;
    let r53 = aws_sdk_route53::Client::new(&conf);
    let st = s.read_state().await.unwrap().unwrap();
    let zone = st.resources["zone.shop.example."].id.clone();
    // Another system's record, between drove's.
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(
            aws_sdk_route53::types::ChangeBatch::builder()
                .changes(
                    aws_sdk_route53::types::Change::builder()
                        .action(aws_sdk_route53::types::ChangeAction::Create)
                        .resource_record_set(
                            aws_sdk_route53::types::ResourceRecordSet::builder()
                                .name("h0450x.shop.example.")
                                .r#type(aws_sdk_route53::types::RrType::A)
                                .ttl(60)
                                .resource_records(
                                    aws_sdk_route53::types::ResourceRecord::builder()
                                        .value("192.0.2.9")
                                        .build()
                                        .unwrap(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let before = s.requests();
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    let calls = s.requests().since(&before);
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    let unmanaged: Vec<&str> = again.unmanaged.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(unmanaged, vec!["h0450x.shop.example."], "the foreign record is seen");
    // The segment holding it is a record over a page: one call more.
    assert_eq!(calls.of("Route 53", "ListResourceRecordSets"), 4, "{calls:?}");
}
