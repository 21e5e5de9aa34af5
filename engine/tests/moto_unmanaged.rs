#![cfg(feature = "aws")]
//! Records of a zone that nobody declares, through the real AWS SDK against moto: records
//! another client writes into a zone drove manages are listed as not managed and kept,
//! deleted under `unmanaged = delete` (refused past the mass-delete share without the
//! flag), and left alone when an `ignore` rule covers them; moto's SOA and apex NS stay.

mod support;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::aws_sdk_route53;
use drove_engine::error::codes;
use drove_engine::plan::unmanaged::Disposition;
use drove_engine::plan::{render, Action, PlanOptions};
use drove_engine::session::Session;
use support::apply;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";

fn stack(settings: &str) -> DesiredState {
    let source = format!(
        "stack shop {{ region = \"{REGION}\"  state = local(\"drove.state.json\") }}
zone \"shop.example.\" {{
  {settings}
  @    300  A      192.0.2.1
  www  300  CNAME  @
}}
"
    );
    let sources = drove_compiler::source::Sources::single(std::path::Path::new("shop.drove"), source);
    let analysis = drove_compiler::analyze(&sources);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    drove_compiler::compile::compile(&analysis).expect("the stack compiles")
}

/// Creates record sets straight through the SDK in one batch, as another system would.
async fn create_behind_drove(r53: &aws_sdk_route53::Client, zone: &str, sets: &[(&str, RrType, &str)]) {
    let mut batch = ChangeBatch::builder();
    for (name, ty, value) in sets {
        let set = ResourceRecordSet::builder()
            .name(*name)
            .r#type(ty.clone())
            .ttl(300)
            .resource_records(ResourceRecord::builder().value(*value).build().unwrap())
            .build()
            .unwrap();
        batch = batch.changes(Change::builder().action(ChangeAction::Create).resource_record_set(set).build().unwrap());
    }
    r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch.build().unwrap()).send().await.unwrap();
}

async fn live(r53: &aws_sdk_route53::Client, zone: &str) -> Vec<String> {
    let sets = r53.list_resource_record_sets().hosted_zone_id(zone).max_items(300).send().await.unwrap();
    sets.resource_record_sets().iter().map(|r| format!("{} {}", r.name(), r.r#type().as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_made_by_another_client_are_kept_deleted_or_ignored() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let kept = stack("");
    let conf = m.config(REGION).await;
    let s = Session::with_config(&kept, dir.path(), &conf).expect("session");
    apply(&s, &kept).await;
    let zone = s.read_state().await.unwrap().unwrap().resources["zone.shop.example."].id.clone();
    let r53 = aws_sdk_route53::Client::new(&conf);
    let before = live(&r53, &zone).await;
    assert!(before.contains(&"shop.example. SOA".to_string()) && before.contains(&"shop.example. NS".to_string()));

    create_behind_drove(
        &r53,
        &zone,
        &[
            ("old.shop.example.", RrType::Cname, "gone-bucket.s3-website-ap-northeast-1.amazonaws.com."),
            ("_acme-challenge.shop.example.", RrType::Txt, "\"challenge-token\""),
        ],
    )
    .await;

    // keep (the default): listed, not changed.
    let pl = s.plan(&kept, &PlanOptions::default()).await.unwrap();
    assert!(!pl.has_changes(), "{}", render::text(&pl, false));
    let listed: Vec<(String, String, Disposition)> =
        pl.unmanaged.iter().map(|u| (u.name.clone(), u.rtype.clone(), u.action)).collect();
    assert_eq!(
        listed,
        [
            ("_acme-challenge.shop.example.".to_string(), "TXT".to_string(), Disposition::Keep),
            ("old.shop.example.".to_string(), "CNAME".to_string(), Disposition::Keep),
        ],
        "moto's SOA and NS are not listed"
    );
    apply(&s, &kept).await;
    assert_eq!(live(&r53, &zone).await.len(), before.len() + 2);

    // delete, with the ACME client's challenge ignored.
    let strict = stack("unmanaged = delete\n  ignore \"_acme-challenge\" TXT");
    let pl = s.plan(&strict, &PlanOptions::default()).await.unwrap();
    assert_eq!(pl.summary.delete, 1, "{}", render::text(&pl, false));
    let old = pl.changes.iter().find(|c| c.address == "record.old.shop.example./CNAME").unwrap();
    assert_eq!(old.action, Action::Delete);
    assert!(pl.unmanaged.iter().any(|u| u.rtype == "TXT" && u.action == Disposition::Ignored));
    apply(&s, &strict).await;
    let now = live(&r53, &zone).await;
    assert!(!now.contains(&"old.shop.example. CNAME".to_string()), "{now:?}");
    assert!(now.contains(&"_acme-challenge.shop.example. TXT".to_string()), "{now:?}");
    assert!(now.contains(&"shop.example. SOA".to_string()) && now.contains(&"shop.example. NS".to_string()));
    let again = s.plan(&strict, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", render::text(&again, false));

    // Twelve strays at once is a mass deletion: refused, then done with the flag.
    let names: Vec<String> = (0..12).map(|i| format!("stray{i}.shop.example.")).collect();
    let strays: Vec<(&str, RrType, &str)> = names.iter().map(|n| (n.as_str(), RrType::A, "192.0.2.50")).collect();
    create_behind_drove(&r53, &zone, &strays).await;
    let e = s.plan(&strict, &PlanOptions::default()).await.unwrap_err();
    assert_eq!(e.code, codes::MASS_DELETE, "{e}");
    let allow = PlanOptions { allow_mass_delete: true, ..Default::default() };
    let (pl, report) =
        s.apply(Some(&strict), None, &allow, &ApplyOptions::default(), &|_| true, &|_| {}).await.unwrap().unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(pl.summary.delete, 12);
    let now = live(&r53, &zone).await;
    assert!(!now.iter().any(|r| r.starts_with("stray")), "{now:?}");
    assert!(now.contains(&"_acme-challenge.shop.example. TXT".to_string()));
    let st = s.read_state().await.unwrap().unwrap();
    assert!(!st.resources.keys().any(|a| a.contains("stray")), "strays never enter the state");
}
