//! `drove import aws` against moto: resources made straight through the SDK (as someone
//! before drove made them) are printed as source that `drove check` passes, adopted into
//! the state with their live ids, and the first plan after the import changes nothing.

mod support;

use drove_engine::aws::aws_sdk_route53 as r53;
use r53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, ResourceRecordSetFailover, RrType, Tag, TagResourceType,
};
use serde_json::Value;
use std::path::Path;
use support::moto::Moto;
use support::{drove, runtime, REGION};

fn set(name: &str, ty: RrType, ttl: i64, values: &[&str]) -> ResourceRecordSet {
    let mut b = ResourceRecordSet::builder().name(name).r#type(ty).ttl(ttl);
    for v in values {
        b = b.resource_records(ResourceRecord::builder().value(*v).build().unwrap());
    }
    b.build().unwrap()
}

fn routed(name: &str, value: &str, ident: &str, f: impl FnOnce(r53::types::builders::ResourceRecordSetBuilder) -> r53::types::builders::ResourceRecordSetBuilder) -> ResourceRecordSet {
    let b = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .ttl(60)
        .set_identifier(ident)
        .resource_records(ResourceRecord::builder().value(value).build().unwrap());
    f(b).build().unwrap()
}

fn alias(name: &str, target: &str, zone: &str, evaluate: bool) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(AliasTarget::builder().dns_name(target).hosted_zone_id(zone).evaluate_target_health(evaluate).build().unwrap())
        .build()
        .unwrap()
}

async fn create(client: &r53::Client, zone: &str, sets: Vec<ResourceRecordSet>) {
    let mut batch = ChangeBatch::builder();
    for s in sets {
        batch = batch.changes(Change::builder().action(ChangeAction::Create).resource_record_set(s).build().unwrap());
    }
    client.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch.build().unwrap()).send().await.unwrap();
}

async fn new_zone(client: &r53::Client, name: &str, comment: &str) -> String {
    let out = client
        .create_hosted_zone()
        .name(name)
        .caller_reference(format!("test-{name}"))
        .hosted_zone_config(HostedZoneConfig::builder().comment(comment).private_zone(false).build())
        .send()
        .await
        .unwrap();
    out.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_string()
}

/// A public zone with most record types, weighted, failover and geolocation sets, alias
/// records inside and outside the zone, and a health check with a `Name` tag. Returns
/// (zone id, health check id).
async fn shop_zone(client: &r53::Client) -> (String, String) {
    let zone = new_zone(client, "shop.example.", "the shop").await;
    client
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(&zone)
        .add_tags(Tag::builder().key("team").value("ops").build())
        .send()
        .await
        .unwrap();
    let hc = client
        .create_health_check()
        .caller_reference("hc-api")
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name("api.shop.example")
                .port(443)
                .resource_path("/health")
                .request_interval(30)
                .failure_threshold(3)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let hc = hc.health_check().unwrap().id().to_string();
    client
        .change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(&hc)
        .add_tags(Tag::builder().key("Name").value("API blue").build())
        .send()
        .await
        .unwrap();
    let hc2 = hc.clone();
    create(
        client,
        &zone,
        vec![
            set("shop.example.", RrType::A, 300, &["192.0.2.1"]),
            set("shop.example.", RrType::Aaaa, 300, &["2001:db8::1"]),
            set("shop.example.", RrType::Mx, 3600, &["10 mx1.shop.example.", "20 mx2.example.net."]),
            set("shop.example.", RrType::Txt, 300, &["\"v=spf1 include:_spf.example.net ~all\"", "\"say \\\"hi\\\"\""]),
            set("shop.example.", RrType::Caa, 3600, &["0 issue \"letsencrypt.org\""]),
            set("www.shop.example.", RrType::Cname, 300, &["shop.example."]),
            set("mx1.shop.example.", RrType::A, 300, &["192.0.2.25"]),
            set("_sip._tcp.shop.example.", RrType::Srv, 300, &["0 5 5060 sip.shop.example."]),
            set("sip.shop.example.", RrType::A, 300, &["192.0.2.26"]),
            set("sub.shop.example.", RrType::Ns, 86400, &["ns1.example.net.", "ns2.example.net."]),
            set("*.wild.shop.example.", RrType::A, 60, &["192.0.2.30"]),
            routed("api.shop.example.", "192.0.2.10", "blue", |b| b.weight(90).health_check_id(hc2)),
            routed("api.shop.example.", "192.0.2.20", "green", |b| b.weight(10)),
            routed("app.shop.example.", "192.0.2.40", "primary", |b| b.failover(ResourceRecordSetFailover::Primary)),
            routed("app.shop.example.", "192.0.2.41", "secondary", |b| b.failover(ResourceRecordSetFailover::Secondary)),
            alias("alt.shop.example.", "shop.example.", &zone, false),
            alias("cdn.shop.example.", "d111111abcdef8.cloudfront.net.", "Z2FDTNDATAQYW2", false),
        ],
    )
    .await;
    (zone, hc)
}

fn state_of(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).expect("the state was written")).expect("state JSON")
}

#[test]
fn route53_zones_are_imported_adopted_and_plan_clean() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let client = r53::Client::new(&conf);
    let (zone, hc) = rt.block_on(shop_zone(&client));
    // Another zone the import must leave alone when --zone names only the shop.
    let other = rt.block_on(new_zone(&client, "other.example.", "not imported"));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let dir_arg = dir.display().to_string();
    let run = drove(&moto, tmp.path(), &["import", "aws", "--zone", "shop.example", "--stack", "shop", "--out", &dir_arg]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the first plan shows no changes"), "{}", run.stderr);
    let source = std::fs::read_to_string(dir.join("main.drove")).unwrap();
    // Compared with blanks collapsed: the formatter's column widths are its own business.
    let flat = source.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "stack shop { region = \"ap-northeast-1\" tags = { team = \"ops\" } }",
        "healthcheck api-blue { type = https host = \"api.shop.example.\" port = 443 path = \"/health\" interval = 30s threshold = 3 }",
        "zone \"shop.example.\" { comment = \"the shop\"",
        "@ 3600 MX 10 mx1.shop.example., 20 mx2.example.net.",
        "@ 300 TXT \"v=spf1 include:_spf.example.net ~all\", \"say \\\"hi\\\"\"",
        "@ 3600 CAA 0 issue \"letsencrypt.org\"",
        "_sip._tcp 300 SRV 0 5 5060 sip.shop.example.",
        "api 60 A 192.0.2.10 { set = \"blue\" weight = 90 health = api-blue }",
        "app 60 A 192.0.2.41 { set = \"secondary\" failover = secondary }",
        "alt A alias shop.example. ",
        "cdn A alias d111111abcdef8.cloudfront.net. { zone_id = \"Z2FDTNDATAQYW2\" }",
        "sub 86400 NS ns1.example.net., ns2.example.net.",
        "*.wild 60 A 192.0.2.30",
        "www 300 CNAME shop.example.",
    ] {
        assert!(flat.contains(expected), "missing `{expected}` in:\n{source}");
    }
    assert!(!source.contains("other.example"), "{source}");
    assert!(!source.contains(" SOA "), "the apex SOA is Route53's: {source}");

    // The source is canonical and clean, and the plan after the import is empty.
    assert_eq!(drove(&moto, &dir, &["fmt", "--check", "."]).code, 0);
    let check = drove(&moto, &dir, &["check", "."]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let plan = drove(&moto, &dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);

    // The state holds the live ids.
    let state = state_of(&dir);
    let res = &state["resources"];
    assert_eq!(res["zone.shop.example."]["id"], zone.as_str());
    assert_eq!(res["healthcheck.api-blue"]["id"], hc.as_str());
    assert_eq!(res["record.api.shop.example./A/blue"]["id"], format!("{zone}/api.shop.example./A/blue"));
    assert_eq!(res["record.api.shop.example./A/blue"]["attributes"]["health_check"], hc.as_str());
    assert_eq!(res["record.cdn.shop.example./A"]["attributes"]["alias"]["zone_id"], "Z2FDTNDATAQYW2");
    assert!(res.as_object().unwrap().keys().all(|k| !k.contains("other.example")));
    assert!(!state.to_string().contains(&other));

    // A second import into the same state is refused and writes nothing.
    std::fs::remove_file(dir.join("main.drove")).unwrap();
    let again = drove(&moto, tmp.path(), &["import", "aws", "--zone", "shop.example.", "--stack", "shop", "--out", &dir_arg]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already holds"), "{}", again.stderr);
    assert!(!dir.join("main.drove").exists());
    assert_eq!(state_of(&dir)["serial"], state["serial"]);
}

#[test]
fn stdout_import_every_zone_and_clear_refusals() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let client = r53::Client::new(&conf);
    let zone = rt.block_on(new_zone(&client, "plain.example.", "plain"));
    rt.block_on(create(&client, &zone, vec![set("www.plain.example.", RrType::A, 120, &["198.51.100.7"])]));

    // A zone nobody has is refused by name, with what the account does have.
    let tmp = tempfile::tempdir().unwrap();
    let missing = drove(&moto, tmp.path(), &["import", "aws", "--zone", "nope.example."]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("no hosted zone is named nope.example.") && missing.stderr.contains("plain.example."), "{}", missing.stderr);
    assert!(!tmp.path().join("drove.state.json").exists());

    // A private zone: networks are not imported yet, so it is refused when asked for by
    // name and left out (with a note) otherwise.
    let ec2 = drove_engine::aws::aws_sdk_ec2::Client::new(&conf);
    let private = rt.block_on(async {
        let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap();
        let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
        client
            .create_hosted_zone()
            .name("inside.example.")
            .caller_reference("test-inside")
            .vpc(r53::types::Vpc::builder().vpc_id(&vpc).vpc_region(r53::types::VpcRegion::from(REGION)).build())
            .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
            .send()
            .await
            .unwrap();
        vpc
    });
    let refused = drove(&moto, tmp.path(), &["import", "aws", "--zone", "inside.example"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("private zone inside.example.") && refused.stderr.contains(&private), "{}", refused.stderr);
    assert!(refused.stderr.contains("nothing was written"), "{}", refused.stderr);
    assert!(!tmp.path().join("drove.state.json").exists());

    // Without --zone every public zone is imported; the source goes to stdout, the state here.
    let run = drove(&moto, tmp.path(), &["import", "aws"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("note: private zone inside.example.") && run.stderr.contains("left out"), "{}", run.stderr);
    assert!(!run.stdout.contains("inside.example"), "{}", run.stdout);
    assert!(run.stdout.split_whitespace().collect::<Vec<_>>().join(" ").contains("www 120 A 198.51.100.7"), "{}", run.stdout);
    std::fs::write(tmp.path().join("main.drove"), &run.stdout).unwrap();
    let plan = drove(&moto, tmp.path(), &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert_eq!(state_of(tmp.path())["resources"]["record.www.plain.example./A"]["id"], format!("{zone}/www.plain.example./A/"));
}
