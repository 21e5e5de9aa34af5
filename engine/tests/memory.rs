//! The planner and the apply walk against the in-memory provider: the whole
//! plan → apply → plan cycle, updates, replacements, deletes, drift, re-adoption, the
//! safety rails and saved plans, without AWS.

use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::error::codes;
use drove_engine::plan::{plan, Action, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend, State};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

fn desired() -> DesiredState {
    serde_json::from_str(include_str!("data/web.json")).expect("fixture parses")
}

fn cloud() -> Arc<MemoryProvider> {
    let p = MemoryProvider::new();
    p.add_image("ami-old", "base-ruby-2024-01", "2024-01-01T00:00:00Z");
    p.add_image("ami-new", "base-ruby-2024-06", "2024-06-01T00:00:00Z");
    p.add_image("ami-sql", "base-mysql-2025", "2025-01-01T00:00:00Z");
    Arc::new(p)
}

struct Run {
    _dir: tempfile::TempDir,
    backend: LocalBackend,
}

fn run() -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = LocalBackend::new(dir.path().join("state.json"), "web");
    Run { _dir: dir, backend }
}

async fn plan_now(
    r: &Run,
    d: &DesiredState,
    p: &Arc<MemoryProvider>,
    opts: &PlanOptions,
) -> drove_engine::Result<Plan> {
    let st = r.backend.read().await?;
    plan(d, st.as_ref(), p.as_ref(), opts).await
}

async fn apply_plan(r: &Run, pl: &Plan, p: &Arc<MemoryProvider>) -> drove_engine::apply::ApplyReport {
    let st = r.backend.read().await.expect("state reads");
    let lines = Mutex::new(Vec::new());
    let progress = |l: &str| lines.lock().expect("lock").push(l.to_string());
    let prov: Arc<dyn Provider> = p.clone();
    let rep = apply(pl, st, &r.backend, prov, &ApplyOptions::default(), &progress).await.expect("apply runs");
    assert!(rep.failed.is_empty(), "failures: {:?}", rep.failed);
    rep
}

fn action(pl: &Plan, address: &str) -> Action {
    pl.changes
        .iter()
        .find(|c| c.address == address)
        .map(|c| c.action)
        .unwrap_or_else(|| panic!("{address} not in plan"))
}

fn set_attr(d: &mut DesiredState, address: &str, attr: &str, v: Value) {
    let r = d.resources.iter_mut().find(|r| r.address == address).expect("resource");
    r.edit(|a| a[attr] = v).expect("fits its kind");
}

#[tokio::test]
async fn apply_then_nothing_to_do() {
    let (r, p, d) = (run(), cloud(), desired());
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert_eq!(pl.summary.create, 9);
    assert!(pl.lineage.is_none());
    // The record filled from the host's address is unknown until the host exists.
    let app = pl.changes.iter().find(|c| c.address == "record.app.acme.example./A").unwrap();
    assert!(drove_engine::plan::is_unknown(&app.after["values"]));
    // The image pattern resolves to the newest match, and the plan says so.
    let host = pl.changes.iter().find(|c| c.address == "hosts.app[0]").unwrap();
    assert_eq!(host.after["image"], json!({"id": "ami-new"}));
    assert!(host.notes.iter().any(|n| n.contains("ami-new")), "{:?}", host.notes);

    let rep = apply_plan(&r, &pl, &p).await;
    assert_eq!(rep.completed.len(), 9);
    let st = r.backend.read().await.unwrap().unwrap();
    assert_eq!(st.resources.len(), 9);
    let ip = st.resources["hosts.app[0]"].outputs["public_ip"].clone();
    let rec = &st.resources["record.app.acme.example./A"];
    assert_eq!(rec.attributes["values"], json!([ip]));
    // 5 single resources, one batch with the 3 records ready once the zone exists, one
    // with the record that waited for the host's address.
    assert_eq!(p.apply_calls(), 7);

    let again = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    assert_eq!(again.lineage.as_deref(), Some(st.lineage.as_str()));
}

#[tokio::test]
async fn update_replace_and_delete() {
    let (r, p, mut d) = (run(), cloud(), desired());
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    apply_plan(&r, &pl, &p).await;
    let old_host = p.id_of("hosts.app[0]").unwrap();

    set_attr(&mut d, "record.www.acme.example./CNAME", "ttl", json!(60));
    set_attr(&mut d, "hosts.app[0]", "instance_type", json!("t3.large"));
    d.resources.retain(|r| r.address != "record.acme.example./TXT");
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&pl, "record.www.acme.example./CNAME"), Action::Update);
    assert_eq!(action(&pl, "hosts.app[0]"), Action::Replace);
    assert_eq!(action(&pl, "record.acme.example./TXT"), Action::Delete);
    // The record that names the replaced host's address is updated with the new one.
    assert_eq!(action(&pl, "record.app.acme.example./A"), Action::Update);
    let host = pl.changes.iter().find(|c| c.address == "hosts.app[0]").unwrap();
    assert!(host.diffs.iter().any(|x| x.name == "instance_type" && x.forces_replacement));
    let text = drove_engine::plan::render::text(&pl, false);
    assert!(text.contains("-/+ hosts.app[0]") && text.contains("# forces replacement"), "{text}");
    assert!(text.contains("Plan: 0 to create, 2 to update, 1 to replace, 1 to delete."), "{text}");

    apply_plan(&r, &pl, &p).await;
    let new_host = p.id_of("hosts.app[0]").unwrap();
    assert_ne!(old_host, new_host);
    assert!(p.id_of("record.acme.example./TXT").is_none());
    let again = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
}

#[tokio::test]
async fn drift_shows_and_is_repaired() {
    let (r, p, d) = (run(), cloud(), desired());
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    p.drift("record.www.acme.example./CNAME", "values", json!(["evil.example."]));
    p.remove("firewall.web");
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&pl, "record.www.acme.example./CNAME"), Action::Update);
    assert_eq!(action(&pl, "firewall.web"), Action::Create);
    assert!(pl.changes.iter().any(|c| c.notes.iter().any(|n| n.contains("deleted outside drove"))));
    // The instance referenced the group: its security groups are unknown, so it changes too.
    assert_ne!(action(&pl, "hosts.app[0]"), Action::NoOp);
    apply_plan(&r, &pl, &p).await;
    assert!(!plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap().has_changes());
}

fn forget_resources(path: &std::path::Path) {
    let mut st: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    st["resources"] = json!({});
    std::fs::write(path, st.to_string()).unwrap();
}

#[tokio::test]
async fn a_copy_with_its_own_state_never_takes_the_first_ones_resources() {
    let (r, p, d) = (run(), cloud(), desired());
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let before = p.entries();
    // The copy: same stack name, same cloud, no state of its own (or a lost one).
    let copy = run();
    let e = plan_now(&copy, &d, &p, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::FOREIGN_RESOURCES);
    assert!(e.message.contains("network.main (") && e.message.contains("lineage"), "{}", e.message);
    assert!(e.help.as_deref().unwrap_or("").contains("drove import aws"));
    assert!(copy.backend.read().await.unwrap().is_none(), "the copy wrote no state");
    assert_eq!(p.entries().len(), before.len());
    // The first copy still plans nothing.
    assert!(!plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap().has_changes());
}

#[tokio::test]
async fn resources_without_this_lineage_are_claimed_by_the_state_that_holds_them() {
    let (r, p, d) = (run(), cloud(), desired());
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    // A state from before lineage tags, or tags removed by hand.
    p.set_owner("network.main", None);
    p.set_owner("hosts.app[0]", Some("0123456789abcdef0123456789abcdef"));
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    for a in ["network.main", "hosts.app[0]"] {
        let c = pl.changes.iter().find(|c| c.address == a).unwrap();
        assert_eq!((c.action, c.claim), (Action::Update, true), "{a}");
        assert!(c.notes.iter().any(|n| n.contains("ownership tags")), "{:?}", c.notes);
    }
    assert_eq!(pl.summary.update, 2, "{}", drove_engine::plan::render::text(&pl, false));
    apply_plan(&r, &pl, &p).await;
    assert!(!plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap().has_changes());
}

#[tokio::test]
async fn resources_created_but_not_recorded_are_adopted() {
    let (r, p, d) = (run(), cloud(), desired());
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    apply_plan(&r, &pl, &p).await;
    let before = p.entries().len();
    // As if the run died after its first state write (the lineage every create tags) and
    // before recording anything it created.
    forget_resources(&r._dir.path().join("state.json"));
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert!(!pl.has_changes(), "{}", drove_engine::plan::render::text(&pl, false));
    assert!(pl.changes.iter().filter(|c| c.notes.iter().any(|n| n.contains("adopted"))).count() >= 9);
    apply_plan(&r, &pl, &p).await;
    assert_eq!(p.entries().len(), before, "nothing was created twice");
    assert_eq!(r.backend.read().await.unwrap().unwrap().resources.len(), 9);
}

#[tokio::test]
async fn protect_and_mass_delete_refuse() {
    let (r, p, mut d) = (run(), cloud(), desired());
    for r in d.resources.iter_mut().filter(|r| r.address == "hosts.app[0]") {
        r.protect = true;
    }
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let mut changed = d.clone();
    set_attr(&mut changed, "hosts.app[0]", "instance_type", json!("t3.large"));
    let e = plan_now(&r, &changed, &p, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::PROTECTED);
    assert!(e.message.contains("hosts.app[0] would be replaced (because of instance_type)"), "{}", e.message);
    let e = plan_now(&r, &d, &p, &PlanOptions { destroy: true, ..Default::default() }).await.unwrap_err();
    assert_eq!(e.code, codes::PROTECTED);

    // Grow the zone to 12 records, then drop 6 of them.
    let mut big = d.clone();
    for i in 0..8 {
        let mut rec = big.resources.iter().find(|r| r.address == "record.acme.example./A").unwrap().clone();
        rec.address = format!("record.h{i}.acme.example./A");
        rec.edit(|a| a["name"] = json!(format!("h{i}.acme.example."))).expect("fits its kind");
        big.resources.push(rec);
    }
    apply_plan(&r, &plan_now(&r, &big, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let mut small = big.clone();
    small.resources.retain(|r| {
        !r.address.starts_with("record.h") || r.address.starts_with("record.h0") || r.address.starts_with("record.h1")
    });
    let e = plan_now(&r, &small, &p, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::MASS_DELETE, "{e}");
    let ok = plan_now(&r, &small, &p, &PlanOptions { allow_mass_delete: true, ..Default::default() }).await.unwrap();
    assert_eq!(ok.summary.delete, 6);
}

#[tokio::test]
async fn protect_lives_in_the_source() {
    let (r, p, mut d) = (run(), cloud(), desired());
    let protect = |d: &mut DesiredState, on: bool| {
        for r in d.resources.iter_mut().filter(|r| r.address == "hosts.app[0]") {
            r.protect = on;
        }
    };
    protect(&mut d, true);
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let destroy = PlanOptions { destroy: true, ..Default::default() };
    assert_eq!(plan_now(&r, &d, &p, &destroy).await.unwrap_err().code, codes::PROTECTED);
    // A declaration removed while still protected in the state stays protected.
    let mut dropped = d.clone();
    dropped.resources.retain(|r| r.address != "hosts.app[0]");
    assert_eq!(plan_now(&r, &dropped, &p, &PlanOptions::default()).await.unwrap_err().code, codes::PROTECTED);

    // Removing `protect` is a plan with no changes whose apply records it.
    protect(&mut d, false);
    let lifted = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert!(!lifted.has_changes(), "{}", drove_engine::plan::render::text(&lifted, false));
    assert!(plan_now(&r, &d, &p, &destroy).await.is_ok(), "the source no longer protects it");
    apply_plan(&r, &lifted, &p).await;
    assert!(!r.backend.read().await.unwrap().unwrap().resources["hosts.app[0]"].protect);
    let gone = plan_now(&r, &d, &p, &destroy).await.expect("destroy plans once protect is lifted");
    assert!(gone.changes.iter().any(|c| c.address == "hosts.app[0]" && c.action == Action::Delete));
    assert!(plan_now(&r, &dropped, &p, &PlanOptions::default()).await.is_ok());
}

#[tokio::test]
async fn targets_scope_the_plan() {
    let (r, p, d) = (run(), cloud(), desired());
    let opts = PlanOptions { targets: vec!["network.main.subnet.public-a".into()], ..Default::default() };
    let pl = plan_now(&r, &d, &p, &opts).await.unwrap();
    let mut addrs: Vec<&str> = pl.changes.iter().map(|c| c.address.as_str()).collect();
    addrs.sort();
    assert_eq!(addrs, ["network.main", "network.main.subnet.public-a"]);
    let e = plan_now(&r, &d, &p, &PlanOptions { targets: vec!["network.mian".into()], ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(e.code, codes::UNKNOWN_TARGET);
    assert_eq!(e.help.as_deref(), Some("did you mean `network.main`?"));
}

#[tokio::test]
async fn saved_plan_refused_when_state_moved() {
    let (r, p, mut d) = (run(), cloud(), desired());
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    set_attr(&mut d, "record.www.acme.example./CNAME", "ttl", json!(60));
    let saved =
        Plan::parse(&plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap().to_json(), "plan.json").unwrap();
    set_attr(&mut d, "record.www.acme.example./CNAME", "ttl", json!(120));
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let st = r.backend.read().await.unwrap();
    let prov: Arc<dyn Provider> = p.clone();
    let e = apply(&saved, st, &r.backend, prov, &ApplyOptions::default(), &|_| {}).await.unwrap_err();
    assert_eq!(e.code, codes::STALE_PLAN);

    let mut edited: Value = serde_json::from_str(&saved.to_json()).unwrap();
    edited["summary"]["update"] = json!(7);
    assert_eq!(Plan::parse(&edited.to_string(), "p").unwrap_err().code, codes::BAD_PLAN_FILE);
    assert_eq!(Plan::parse("[]", "p").unwrap_err().code, codes::BAD_PLAN_FILE);
}

#[tokio::test]
async fn cname_to_a_swap_goes_in_one_batch_and_failures_stop_dependents() {
    let (r, p, mut d) = (run(), cloud(), desired());
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    let calls = p.apply_calls();
    let www = d.resources.iter_mut().find(|r| r.address == "record.www.acme.example./CNAME").unwrap();
    www.address = "record.www.acme.example./A".into();
    www.edit(|a| a["type"] = json!("A")).expect("fits its kind");
    www.edit(|a| a["values"] = json!(["192.0.2.7"])).expect("fits its kind");
    let pl = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap();
    assert_eq!((pl.summary.create, pl.summary.delete), (1, 1));
    apply_plan(&r, &pl, &p).await;
    assert_eq!(p.apply_calls(), calls + 1, "delete and create went together");

    // A failing create leaves what depends on it untouched and the state consistent.
    let (r2, p2, d2) = (run(), cloud(), desired());
    p2.fail_on("zone.acme.example.");
    let pl = plan_now(&r2, &d2, &p2, &PlanOptions::default()).await.unwrap();
    let st = r2.backend.read().await.unwrap();
    let prov: Arc<dyn Provider> = p2.clone();
    let rep = apply(&pl, st, &r2.backend, prov, &ApplyOptions { parallelism: 2, ..Default::default() }, &|_| {})
        .await
        .unwrap();
    assert_eq!(rep.failed.len(), 1);
    assert_eq!(rep.skipped.len(), 4, "{:?}", rep.skipped);
    let st: State = r2.backend.read().await.unwrap().unwrap();
    assert_eq!(st.resources.len(), 4);
}

#[tokio::test]
async fn cname_beside_other_data_is_refused() {
    let (r, p, mut d) = (run(), cloud(), desired());
    let mut clash = d.resources.iter().find(|r| r.address == "record.www.acme.example./CNAME").unwrap().clone();
    clash.address = "record.www.acme.example./TXT".into();
    clash.edit(|a| a["type"] = json!("TXT")).expect("fits its kind");
    clash.edit(|a| a["values"] = json!(["\"x\""])).expect("fits its kind");
    apply_plan(&r, &plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap(), &p).await;
    d.resources.push(clash);
    let e = plan_now(&r, &d, &p, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::INVALID_CHANGE);
    assert!(e.message.contains("www.acme.example. would have a CNAME"), "{}", e.message);
}
