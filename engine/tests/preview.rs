//! The editor's plan preview: the planner against the last state alone. It must agree with
//! a real plan where nothing changed outside drove, call no provider, take what only AWS
//! answers from the state, and turn the safety rails' refusals into warnings.

use drove_compiler::ide::plan_lens::Change;
use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::plan::preview::{preview, W_DELETES_RECORDS, W_PROTECTED};
use drove_engine::plan::{plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend, State};
use serde_json::json;
use std::sync::Arc;

fn desired() -> DesiredState {
    serde_json::from_str(include_str!("data/web.json")).expect("fixture parses")
}

/// The fixture applied to the in-memory cloud; the state it left.
async fn applied(d: &DesiredState) -> (tempfile::TempDir, State, Arc<MemoryProvider>) {
    let p = Arc::new(MemoryProvider::new());
    p.add_image("ami-old", "base-ruby-2024-01", "2024-01-01T00:00:00Z");
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = LocalBackend::new(dir.path().join("state.json"), "web");
    let pl = plan(d, None, p.as_ref(), &PlanOptions::default()).await.expect("plans");
    let prov: Arc<dyn Provider> = p.clone();
    let rep = apply(&pl, None, &backend, prov, &ApplyOptions::default(), &|_| {}).await.expect("applies");
    assert!(rep.failed.is_empty());
    let state = backend.read().await.expect("reads").expect("written");
    (dir, state, p)
}

fn change_of(view: &drove_compiler::ide::plan_lens::PlanView, address: &str) -> Change {
    view.resources.iter().find(|r| r.address == address).map(|r| r.change).unwrap_or_else(|| panic!("{address}?"))
}

#[tokio::test]
async fn without_a_state_everything_is_created_and_unknowns_are_named() {
    let view = preview(&desired(), None, None, Some("production".into())).await.expect("previews");
    assert!(view.resources.iter().all(|r| r.change == Change::Create));
    let app = view.resources.iter().find(|r| r.address == "record.app.acme.example./A").unwrap();
    assert_eq!(app.unknown, vec!["zone", "values"], "the zone's id and the host's address are known after apply");
    assert!(
        view.assumptions.iter().any(|a| a.contains("resolved when planning against AWS")),
        "{:?}",
        view.assumptions
    );
    assert!(view.text.contains("+ hosts.app[0]"), "{}", view.text);
    assert_eq!(view.environment.as_deref(), Some("production"));
}

#[tokio::test]
async fn after_an_apply_it_shows_no_change_then_what_an_edit_does() {
    let mut d = desired();
    let (_dir, state, _cloud) = applied(&d).await;
    let before = state.to_json();
    let view = preview(&d, Some(&state), None, None).await.expect("previews");
    assert!(view.resources.iter().all(|r| r.change == Change::NoChange), "{:?}", view.resources);
    assert!(view.assumptions.iter().any(|a| a.contains("is still ami-old")), "{:?}", view.assumptions);

    let r = d.resources.iter_mut().find(|r| r.address == "hosts.app[0]").unwrap();
    r.edit(|a| a["instance_type"] = json!("t3.large")).unwrap();
    r.protect = true;
    let view = preview(&d, Some(&state), None, None).await.expect("previews");
    let app = view.resources.iter().find(|r| r.address == "hosts.app[0]").unwrap();
    assert_eq!((app.change, app.forced_by.clone()), (Change::Replace, vec!["instance_type".to_string()]));
    let w = view.warnings.iter().find(|w| w.code == W_PROTECTED).expect("a protected replacement warns");
    assert_eq!(w.address.as_deref(), Some("hosts.app[0]"));
    assert_eq!(state.to_json(), before, "the preview leaves the state as it was");

    d.resources.retain(|r| !r.address.starts_with("record.www"));
    let view = preview(&d, Some(&state), None, None).await.expect("previews");
    assert_eq!(change_of(&view, "record.www.acme.example./CNAME"), Change::Delete);
    let w = view.warnings.iter().find(|w| w.code == W_DELETES_RECORDS).expect("deleting records warns");
    assert_eq!(w.address.as_deref(), Some("zone.acme.example."));
    assert!(w.message.contains("www.acme.example. CNAME"), "{}", w.message);
}
