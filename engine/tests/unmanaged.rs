//! Records of a zone that nobody declares, against the in-memory provider: listed as not
//! managed and kept by default, deleted under `unmanaged = delete` (within the mass-delete
//! rail), left alone when an `ignore` rule covers them, and never looked for in a zone the
//! state does not hold.

use drove_compiler::model::{DesiredState, RecordSet};
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::error::codes;
use drove_engine::plan::unmanaged::Disposition;
use drove_engine::plan::{plan, render, Action, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend};
use serde_json::json;
use std::sync::Arc;

fn compile(source: &str) -> DesiredState {
    let sources = drove_compiler::source::Sources::single(std::path::Path::new("zone.drove"), source.to_string());
    let analysis = drove_compiler::analyze(&sources);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    drove_compiler::compile::compile(&analysis).expect("the stack compiles")
}

fn stack(zone_settings: &str) -> DesiredState {
    compile(&format!(
        "stack web {{ region = \"ap-northeast-1\" }}
zone \"acme.example.\" {{
  {zone_settings}
  @    300  A      192.0.2.10
  www  300  CNAME  @
  @    300  TXT    \"v=spf1 -all\"
}}
"
    ))
}

struct Run {
    _dir: tempfile::TempDir,
    backend: LocalBackend,
    cloud: Arc<MemoryProvider>,
}

fn run() -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = LocalBackend::new(dir.path().join("state.json"), "web");
    Run { _dir: dir, backend, cloud: Arc::new(MemoryProvider::new()) }
}

impl Run {
    async fn plan(&self, d: &DesiredState, opts: &PlanOptions) -> drove_engine::Result<Plan> {
        let st = self.backend.read().await?;
        plan(d, st.as_ref(), self.cloud.as_ref(), opts).await
    }

    async fn apply(&self, pl: &Plan) {
        let st = self.backend.read().await.expect("state reads");
        let prov: Arc<dyn Provider> = self.cloud.clone();
        let rep = apply(pl, st, &self.backend, prov, &ApplyOptions::default(), &|_| {}).await.expect("apply runs");
        assert!(rep.failed.is_empty(), "failures: {:?}", rep.failed);
    }

    async fn zone_id(&self) -> String {
        let st = self.backend.read().await.expect("state reads").expect("a state");
        st.resources["zone.acme.example."].id.clone()
    }

    /// A record set made by someone else, straight in the zone.
    fn foreign(&self, zone: &str, name: &str, rtype: &str, value: &str) -> String {
        let set: RecordSet =
            serde_json::from_value(json!({"zone": zone, "name": name, "type": rtype, "ttl": 300, "values": [value]}))
                .expect("a record set");
        self.cloud.put_foreign_record(&set)
    }

    fn holds(&self, name: &str, rtype: &str) -> bool {
        self.cloud.entries().iter().any(|(_, e)| {
            drove_engine::provider::record_set(&e.attributes).is_some_and(|s| s.name == name && s.rtype == rtype)
        })
    }
}

/// Route53's own records, which every zone has and drove never touches.
fn route53_records(r: &Run, zone: &str) {
    r.foreign(zone, "acme.example.", "NS", "ns-1.awsdns-01.org.");
    r.foreign(
        zone,
        "acme.example.",
        "SOA",
        "ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
    );
}

fn listed(pl: &Plan) -> Vec<(String, String, Disposition)> {
    pl.unmanaged.iter().map(|u| (u.name.clone(), u.rtype.clone(), u.action)).collect()
}

#[tokio::test]
async fn records_nobody_declares_are_listed_and_kept_by_default() {
    let r = run();
    let d = stack("");
    let first = r.plan(&d, &PlanOptions::default()).await.unwrap();
    // A zone still to be created holds nothing: nothing is read, nothing listed.
    assert!(first.unmanaged.is_empty());
    assert!(!first.to_json().contains("\"unmanaged\""), "no field when there is nothing to list");
    r.apply(&first).await;
    let zone = r.zone_id().await;
    route53_records(&r, &zone);
    let again = r.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(again.unmanaged.is_empty(), "SOA and the apex NS are Route53's: {:?}", again.unmanaged);
    assert!(!again.to_json().contains("\"unmanaged\""));

    r.foreign(&zone, "old.acme.example.", "CNAME", "gone-bucket.s3-website-ap-northeast-1.amazonaws.com.");
    r.foreign(&zone, "_acme-challenge.acme.example.", "TXT", "\"token\"");
    // Another zone's records are none of this stack's business.
    r.foreign("Zsomeoneelse", "stray.other.example.", "A", "192.0.2.99");
    let pl = r.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!pl.has_changes(), "keep changes nothing: {}", render::text(&pl, false));
    assert_eq!(
        listed(&pl),
        [
            ("_acme-challenge.acme.example.".into(), "TXT".into(), Disposition::Keep),
            ("old.acme.example.".into(), "CNAME".into(), Disposition::Keep),
        ]
    );
    assert!(pl.unmanaged.iter().all(|u| u.zone == "zone.acme.example." && u.address.is_none()));
    let text = render::text(&pl, false);
    assert!(text.contains("Not managed") && text.contains("      old.acme.example. CNAME"), "{text}");
    assert!(text.contains("unmanaged = keep"), "{text}");
    assert!(render::markdown(&pl).contains("<summary>Not managed</summary>"));
    let json: serde_json::Value = serde_json::from_str(&pl.to_json()).unwrap();
    assert_eq!(
        json["unmanaged"][1],
        json!({"zone": "zone.acme.example.", "name": "old.acme.example.", "type": "CNAME", "action": "keep"})
    );
    // The plan file reads back with the list.
    assert_eq!(Plan::parse(&pl.to_json(), "plan.json").unwrap().unmanaged, pl.unmanaged);
}

#[tokio::test]
async fn delete_makes_the_zone_its_source_except_what_ignore_rules_cover() {
    let r = run();
    let d = stack("unmanaged = delete\n  ignore \"_acme-challenge\" TXT\n  ignore \"_*\" CNAME");
    let first = r.plan(&d, &PlanOptions::default()).await.unwrap();
    r.apply(&first).await;
    let zone = r.zone_id().await;
    // The setting is drove's: neither stored as the zone's attribute nor diffed.
    let st = r.backend.read().await.unwrap().unwrap();
    assert!(st.resources["zone.acme.example."].attributes.get("unmanaged").is_none());
    route53_records(&r, &zone);
    r.foreign(&zone, "old.acme.example.", "CNAME", "gone-lb.ap-northeast-1.elb.amazonaws.com.");
    r.foreign(&zone, "_acme-challenge.acme.example.", "TXT", "\"token\"");
    r.foreign(&zone, "_3639ac514e785e898d2646601fa951d5.acme.example.", "CNAME", "_x.acm-validations.aws.");
    // Another type at a name a rule covers is not spared.
    r.foreign(&zone, "_acme-challenge.acme.example.", "A", "192.0.2.60");

    let pl = r.plan(&d, &PlanOptions::default()).await.unwrap();
    assert_eq!(pl.summary.delete, 2, "{}", render::text(&pl, false));
    assert_eq!(pl.summary.update + pl.summary.create + pl.summary.replace, 0);
    let old = pl.changes.iter().find(|c| c.address == "record.old.acme.example./CNAME").expect("planned");
    assert_eq!(old.action, Action::Delete);
    assert!(old.notes[0].contains("unmanaged = delete"), "{:?}", old.notes);
    assert_eq!(
        listed(&pl),
        [
            ("_3639ac514e785e898d2646601fa951d5.acme.example.".into(), "CNAME".into(), Disposition::Ignored),
            ("_acme-challenge.acme.example.".into(), "A".into(), Disposition::Delete),
            ("_acme-challenge.acme.example.".into(), "TXT".into(), Disposition::Ignored),
            ("old.acme.example.".into(), "CNAME".into(), Disposition::Delete),
        ]
    );
    let ignored = pl.unmanaged.iter().find(|u| u.rtype == "TXT").unwrap();
    assert_eq!(ignored.ignored_by.as_deref(), Some("_acme-challenge.acme.example."));
    let text = render::text(&pl, false);
    assert!(text.contains("unmanaged = delete: deleted by this plan") && text.contains("- old.acme.example. CNAME"));
    assert!(text.contains("2 record sets of the stack's zones left to other systems by `ignore` rules."), "{text}");

    r.apply(&pl).await;
    assert!(!r.holds("old.acme.example.", "CNAME"));
    assert!(!r.holds("_acme-challenge.acme.example.", "A"));
    assert!(r.holds("_acme-challenge.acme.example.", "TXT"), "an ignored record stays");
    assert!(r.holds("_3639ac514e785e898d2646601fa951d5.acme.example.", "CNAME"));
    assert!(r.holds("acme.example.", "SOA") && r.holds("acme.example.", "NS"), "Route53's records stay");
    let st = r.backend.read().await.unwrap().unwrap();
    assert!(!st.resources.keys().any(|a| a.contains("old.acme.example.")), "a deleted stray leaves no state entry");
    let after = r.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!after.has_changes(), "{}", render::text(&after, false));
    assert!(after.unmanaged.iter().all(|u| u.action == Disposition::Ignored));
}

#[tokio::test]
async fn unmanaged_deletes_count_toward_the_mass_delete_rail() {
    let r = run();
    let d = stack("unmanaged = delete");
    let first = r.plan(&d, &PlanOptions::default()).await.unwrap();
    r.apply(&first).await;
    let zone = r.zone_id().await;
    // Three declared records, twelve strays: deleting 12 of 15 is a mass deletion.
    for i in 0..12 {
        r.foreign(&zone, &format!("stray{i}.acme.example."), "A", "192.0.2.50");
    }
    let e = r.plan(&d, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::MASS_DELETE, "{e}");
    assert!(e.message.contains("12 of the stack's 16 resources"), "{e}");
    assert!(e.help.as_deref().unwrap_or("").contains("records no zone declares"), "{e:?}");
    // The zone's own share counts them too: 12 of its 15 records.
    let mut zone_rail = d.clone();
    zone_rail.stack.max_delete = 1.0;
    let e = r.plan(&zone_rail, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::MASS_DELETE, "{e}");
    assert!(e.message.contains("12 of the 15 records of zone"), "{e}");
    let allowed = PlanOptions { allow_mass_delete: true, ..Default::default() };
    let pl = r.plan(&d, &allowed).await.unwrap();
    assert_eq!(pl.summary.delete, 12);
    r.apply(&pl).await;
    assert!(!r.plan(&d, &PlanOptions::default()).await.unwrap().has_changes());

    // A few strays in a large zone are an ordinary cleanup.
    r.foreign(&zone, "stray.acme.example.", "A", "192.0.2.51");
    let mut big = String::from("unmanaged = delete\n");
    for i in 0..12 {
        big.push_str(&format!("  h{i}  300  A  192.0.2.{i}\n"));
    }
    let d = stack(&big);
    let pl = r.plan(&d, &PlanOptions::default()).await.unwrap();
    assert_eq!((pl.summary.create, pl.summary.delete), (12, 1));
}

#[tokio::test]
async fn a_stray_of_a_declared_name_is_adopted_not_deleted_and_keep_is_the_default_again() {
    let r = run();
    let d = stack("unmanaged = delete");
    let first = r.plan(&d, &PlanOptions::default()).await.unwrap();
    r.apply(&first).await;
    let zone = r.zone_id().await;
    // Someone made a record the next version of the source declares, with its values.
    r.foreign(&zone, "api.acme.example.", "A", "192.0.2.77");
    let mut src = String::from("unmanaged = delete\n  api  300  A  192.0.2.77");
    let next = stack(&src);
    let pl = r.plan(&next, &PlanOptions::default()).await.unwrap();
    assert!(pl.unmanaged.is_empty(), "{:?}", pl.unmanaged);
    assert_eq!(pl.summary.delete, 0);
    // Removing the setting goes back to keep, and the zone itself does not change.
    src = String::new();
    let kept = stack(&src);
    r.foreign(&zone, "left.acme.example.", "A", "192.0.2.78");
    let pl = r.plan(&kept, &PlanOptions::default()).await.unwrap();
    let zone_change = pl.changes.iter().find(|c| c.address == "zone.acme.example.").unwrap();
    assert_eq!(zone_change.action, Action::NoOp);
    assert_eq!(pl.summary.delete, 0);
    assert!(listed(&pl).contains(&("left.acme.example.".into(), "A".into(), Disposition::Keep)));
}
