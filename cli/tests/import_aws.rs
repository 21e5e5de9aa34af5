//! `drove import aws` against moto: resources made straight through the SDK (as someone
//! before drove made them) are printed as source that `drove check` passes, adopted into
//! the state with their live ids, and the first plan after the import changes nothing.

mod support;

use drove_engine::aws::aws_sdk_route53 as r53;
use r53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, HostedZoneConfig,
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, RrType, Tag, TagResourceType,
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

fn routed(
    name: &str,
    value: &str,
    ident: &str,
    f: impl FnOnce(r53::types::builders::ResourceRecordSetBuilder) -> r53::types::builders::ResourceRecordSetBuilder,
) -> ResourceRecordSet {
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
        .alias_target(
            AliasTarget::builder()
                .dns_name(target)
                .hosted_zone_id(zone)
                .evaluate_target_health(evaluate)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

async fn create(client: &r53::Client, zone: &str, sets: Vec<ResourceRecordSet>) {
    let mut batch = ChangeBatch::builder();
    for s in sets {
        batch = batch.changes(Change::builder().action(ChangeAction::Create).resource_record_set(s).build().unwrap());
    }
    client
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch.build().unwrap())
        .send()
        .await
        .unwrap();
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
            routed("app.shop.example.", "192.0.2.41", "secondary", |b| {
                b.failover(ResourceRecordSetFailover::Secondary)
            }),
            alias("alt.shop.example.", "shop.example.", &zone, false),
            alias("cdn.shop.example.", "d111111abcdef8.cloudfront.net.", "Z2FDTNDATAQYW2", false),
        ],
    )
    .await;
    (zone, hc)
}

fn state_of(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).expect("the state was written"))
        .expect("state JSON")
}

/// Text with its blanks collapsed: the formatter's column widths are its own business.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails unless each snippet is in the source, blanks collapsed.
fn assert_has(source: &str, expected: &[&str]) {
    let flat = flat(source);
    for e in expected {
        assert!(flat.contains(e), "missing `{e}` in:\n{source}");
    }
}

/// The imported stack in `dir` is canonical and checks clean; its first plan only writes
/// drove's ownership tags on what it adopted, and after that apply the plan is empty.
fn assert_clean_and_unchanged(moto: &Moto, dir: &Path) {
    assert_eq!(drove(moto, dir, &["fmt", "--check", "."]).code, 0);
    let check = drove(moto, dir, &["check", "."]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let plan = drove(moto, dir, &["plan", ".", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    for c in plan["changes"].as_array().expect("changes").iter().filter(|c| c["action"] != "no-op") {
        assert!(c["action"] == "update" && c["claim"] == true && c.get("diffs").is_none(), "{c}");
    }
    let apply = drove(moto, dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let plan = drove(moto, dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
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
    let run =
        drove(&moto, tmp.path(), &["import", "aws", "--zone", "shop.example", "--stack", "shop", "--out", &dir_arg]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the first plan shows no changes"), "{}", run.stderr);
    let source = std::fs::read_to_string(dir.join("main.drove")).unwrap();
    assert_has(
        &source,
        &[
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
        ],
    );
    assert!(!source.contains("other.example"), "{source}");
    assert!(!source.contains(" SOA "), "the apex SOA is Route53's: {source}");

    assert_clean_and_unchanged(&moto, &dir);

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
    let again =
        drove(&moto, tmp.path(), &["import", "aws", "--zone", "shop.example.", "--stack", "shop", "--out", &dir_arg]);
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
    assert!(
        missing.stderr.contains("no hosted zone is named nope.example.") && missing.stderr.contains("plain.example."),
        "{}",
        missing.stderr
    );
    assert!(!tmp.path().join("drove.state.json").exists());

    // A private zone brings the VPC it is associated with.
    let ec2c = drove_engine::aws::aws_sdk_ec2::Client::new(&conf);
    let private = rt.block_on(async {
        let vpc = vpc(&ec2c, "10.9.0.0/16", &[("Name", "inside")]).await;
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
    let inside = tmp.path().join("inside");
    let one = drove(
        &moto,
        tmp.path(),
        &["import", "aws", "--zone", "inside.example", "--out", &inside.display().to_string()],
    );
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(one.stderr.contains("no changes apart from writing drove's ownership tags"), "{}", one.stderr);
    let source = std::fs::read_to_string(inside.join("main.drove")).unwrap();
    assert_has(&source, &["network inside { cidr = 10.9.0.0/16 }", "zone \"inside.example.\" { private = [inside]"]);
    assert!(!source.contains("plain.example"), "{source}");
    assert_eq!(state_of(&inside)["resources"]["network.inside"]["id"], private.as_str());

    // Without options every zone and every VPC but the default one is imported; the source
    // goes to stdout, the state here.
    let run = drove(&moto, tmp.path(), &["import", "aws"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("inside.example") && run.stdout.contains("network inside"), "{}", run.stdout);
    assert!(!run.stdout.contains("172.31."), "the default VPC is imported only by name: {}", run.stdout);
    assert_has(&run.stdout, &["www 120 A 198.51.100.7"]);
    std::fs::write(tmp.path().join("main.drove"), &run.stdout).unwrap();
    assert_clean_and_unchanged(&moto, tmp.path());
    assert_eq!(
        state_of(tmp.path())["resources"]["record.www.plain.example./A"]["id"],
        format!("{zone}/www.plain.example./A/")
    );
}

use drove_engine::aws::aws_sdk_ec2 as ec2;
use ec2::types::{Filter, IpPermission, IpRange, ResourceType, UserIdGroupPair};
use support::ec2::{an_image, group, launch, subnet, tagged, tcp, vpc};

/// What the network test creates, by what it is.
struct Shop {
    vpc: String,
    public_a: String,
    private_c: String,
    igw: String,
    table: String,
    association: String,
    web: String,
    db: String,
    app: Vec<String>,
    pet: String,
    zone: String,
    image_name: String,
}

/// A VPC made by hand: two public subnets and a private one, an internet gateway and a
/// public route table, two security groups (one referring to the other, one with its own
/// egress), two instances of role `app` and a pet database, and a private zone.
async fn shop_network(client: &ec2::Client, r53c: &r53::Client) -> Shop {
    let vpc = vpc(client, "10.20.0.0/16", &[("Name", "main")]).await;
    let public_a = subnet(client, &vpc, "10.20.1.0/24", "ap-northeast-1a", true, &[("Name", "main-public-a")]).await;
    let public_c = subnet(client, &vpc, "10.20.2.0/24", "ap-northeast-1c", true, &[("Name", "main-public-c")]).await;
    let private_c =
        subnet(client, &vpc, "10.20.11.0/24", "ap-northeast-1c", false, &[("Name", "main-private-c")]).await;
    let igw = client
        .create_internet_gateway()
        .tag_specifications(tagged(ResourceType::InternetGateway, &[("Name", "main")]))
        .send()
        .await
        .unwrap();
    let igw = igw.internet_gateway().unwrap().internet_gateway_id().unwrap().to_string();
    client.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&vpc).send().await.unwrap();
    let table = client
        .create_route_table()
        .vpc_id(&vpc)
        .tag_specifications(tagged(ResourceType::RouteTable, &[("Name", "main-public")]))
        .send()
        .await
        .unwrap();
    let table = table.route_table().unwrap().route_table_id().unwrap().to_string();
    client
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let mut associations = Vec::new();
    for s in [&public_a, &public_c] {
        let a = client.associate_route_table().route_table_id(&table).subnet_id(s).send().await.unwrap();
        associations.push(a.association_id().unwrap().to_string());
    }

    let web = group(client, &vpc, "shop-web", "web servers", &[("Name", "web")]).await;
    let db = group(client, &vpc, "shop-db", "databases", &[("Name", "db")]).await;
    let anywhere = || IpRange::builder().cidr_ip("0.0.0.0/0").build();
    client
        .authorize_security_group_ingress()
        .group_id(&web)
        .ip_permissions(tcp(80).ip_ranges(anywhere()).build())
        .ip_permissions(tcp(443).ip_ranges(anywhere()).build())
        .send()
        .await
        .unwrap();
    client
        .authorize_security_group_ingress()
        .group_id(&db)
        .ip_permissions(tcp(5432).user_id_group_pairs(UserIdGroupPair::builder().group_id(&web).build()).build())
        .send()
        .await
        .unwrap();
    // The database talks only to 10.20.0.0/16 on 443: AWS's default egress goes.
    client
        .revoke_security_group_egress()
        .group_id(&db)
        .ip_permissions(IpPermission::builder().ip_protocol("-1").ip_ranges(anywhere()).build())
        .send()
        .await
        .unwrap();
    client
        .authorize_security_group_egress()
        .group_id(&db)
        .ip_permissions(tcp(443).ip_ranges(IpRange::builder().cidr_ip("10.20.0.0/16").build()).build())
        .send()
        .await
        .unwrap();

    let (image, image_name) = an_image(client).await;
    let app = vec![
        launch(client, &image, &public_a, &[&web], true, &[("Name", "app-0"), ("drove:role", "app")]).await,
        launch(client, &image, &public_c, &[&web], true, &[("Name", "app-1"), ("drove:role", "app")]).await,
    ];
    let pet = launch(client, &image, &private_c, &[&db], false, &[("Name", "db")]).await;

    let zone = r53c
        .create_hosted_zone()
        .name("internal.shop.")
        .caller_reference("test-internal")
        .vpc(r53::types::Vpc::builder().vpc_id(&vpc).vpc_region(r53::types::VpcRegion::from(REGION)).build())
        .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
        .send()
        .await
        .unwrap();
    let zone = zone.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_string();
    create(r53c, &zone, vec![set("db.internal.shop.", RrType::A, 300, &["10.20.11.10"])]).await;
    Shop {
        vpc,
        public_a,
        private_c,
        igw,
        table,
        association: associations.remove(0),
        web,
        db,
        app,
        pet,
        zone,
        image_name,
    }
}

#[test]
fn networks_firewalls_instances_and_private_zones_are_imported_and_plan_clean() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let client = ec2::Client::new(&conf);
    let shop = rt.block_on(shop_network(&client, &r53::Client::new(&conf)));
    // Another VPC, which --network leaves out.
    let other = rt.block_on(vpc(&client, "10.30.0.0/16", &[("Name", "other")]));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let dir_arg = dir.display().to_string();
    let run = drove(&moto, tmp.path(), &["import", "aws", "--network", "main", "--stack", "shop", "--out", &dir_arg]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the first plan shows no changes"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "tagged 1 instance(s) with drove:role, the tag drove reads an instance's role from: {}=db",
            shop.pet
        )),
        "{}",
        run.stderr
    );
    let source = std::fs::read_to_string(dir.join("main.drove")).unwrap();
    let role = format!(
        "role app {{ image = image(\"{}\", \"137112412989\") type = t3.micro firewall = [web] disk = 10GiB",
        shop.image_name
    );
    assert_has(
        &source,
        &[
            "network main { cidr = 10.20.0.0/16",
            "subnet public-a { cidr = 10.20.1.0/24 zone = a public = true }",
            "subnet public-c { cidr = 10.20.2.0/24 zone = c public = true }",
            "subnet private-c { cidr = 10.20.11.0/24 zone = c }",
            "firewall web in main { description = \"web servers\" allow tcp 80, 443 from 0.0.0.0/0 }",
            "firewall db in main { description = \"databases\" allow tcp 5432 from web allow tcp 443 to 10.20.0.0/16 }",
            &role,
            "hosts app { role = app count = 2 subnets = [main.public-a, main.public-c] }",
            "firewall = [db]",
            "host db { role = db subnet = main.private-c }",
            "zone \"internal.shop.\" { private = [main]",
            "db 300 A 10.20.11.10",
        ],
    );
    assert!(!source.contains("10.30.0.0"), "{source}");
    assert_clean_and_unchanged(&moto, &dir);

    let state = state_of(&dir);
    let res = &state["resources"];
    for (address, id) in [
        ("network.main", &shop.vpc),
        ("network.main.subnet.public-a", &shop.public_a),
        ("network.main.subnet.private-c", &shop.private_c),
        ("network.main.internet_gateway", &shop.igw),
        ("network.main.route_table.public", &shop.table),
        ("network.main.subnet.public-a.route_table", &shop.association),
        ("firewall.web", &shop.web),
        ("firewall.db.rules", &shop.db),
        ("hosts.app[0]", &shop.app[0]),
        ("hosts.app[1]", &shop.app[1]),
        ("host.db", &shop.pet),
        ("zone.internal.shop.", &shop.zone),
    ] {
        assert_eq!(res[address]["id"], id.as_str(), "{address}");
    }
    assert!(!state.to_string().contains(&other));
    // The default group is AWS's: not declared, not adopted.
    assert!(!res.as_object().unwrap().keys().any(|k| k.contains("default")));
}

#[test]
fn tag_filter_picks_vpcs_and_instances_and_role_tag_names_roles() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let client = ec2::Client::new(&conf);
    let (blue, green, web, loose) = rt.block_on(async {
        let blue = vpc(&client, "10.40.0.0/16", &[("Name", "blue"), ("env", "blue")]).await;
        let green = vpc(&client, "10.41.0.0/16", &[("Name", "green"), ("env", "green")]).await;
        let sub =
            subnet(&client, &blue, "10.40.1.0/24", "ap-northeast-1a", false, &[("Name", "blue-a"), ("env", "blue")])
                .await;
        subnet(&client, &green, "10.41.1.0/24", "ap-northeast-1a", false, &[("Name", "green-a")]).await;
        let (image, _) = an_image(&client).await;
        let web =
            launch(&client, &image, &sub, &[], false, &[("Name", "web-0"), ("Role", "web"), ("env", "blue")]).await;
        let loose = launch(&client, &image, &sub, &[], false, &[("Name", "scratch")]).await;
        (blue, green, web, loose)
    });

    let tmp = tempfile::tempdir().unwrap();
    let run = drove(&moto, tmp.path(), &["import", "aws", "--tag", "env=blue", "--stack", "blue"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let flat = flat(&run.stdout);
    assert!(
        flat.contains("tags = { env = \"blue\" }"),
        "the tag all imported resources share is the stack's: {}",
        run.stdout
    );
    assert!(
        flat.contains("network blue { cidr = 10.40.0.0/16 subnet a { cidr = 10.40.1.0/24 zone = a } }"),
        "{}",
        run.stdout
    );
    assert!(flat.contains("host web-0 { role = web subnet = blue.a }"), "a lone instance is a pet: {}", run.stdout);
    assert!(flat.contains("ignore_tags = [\"Role\"]"), "the Role tag stays its owners': {}", run.stdout);
    assert!(!run.stdout.contains("green") && !run.stdout.contains("scratch"), "{}", run.stdout);
    // The instance's role came from its Role tag; drove reads roles from drove:role, so
    // the import wrote it. The Role tag itself is not drove's: the stack's ignore_tags keeps it.
    assert!(
        run.stderr.contains(&format!(
            "tagged 1 instance(s) with drove:role, the tag drove reads an instance's role from: {web}=web"
        )),
        "{}",
        run.stderr
    );
    // It is in the VPC's default group, which drove does not declare; its role names no
    // firewall, so the group is left to EC2 (an instance always has one) and not planned.
    assert!(run.stderr.contains("which this import does not declare; drove leaves the groups"), "{}", run.stderr);
    assert!(!run.stderr.contains("host.web-0: update (security_groups)"), "{}", run.stderr);
    let tags = rt
        .block_on(client.describe_tags().filters(Filter::builder().name("resource-id").values(&web).build()).send())
        .unwrap();
    assert!(tags.tags().iter().any(|t| t.key() == Some("drove:role") && t.value() == Some("web")));

    std::fs::write(tmp.path().join("main.drove"), &run.stdout).unwrap();
    let check = drove(&moto, tmp.path(), &["check", "."]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let state = state_of(tmp.path());
    assert_eq!(state["resources"]["network.blue"]["id"], blue.as_str());
    assert_eq!(state["resources"]["host.web-0"]["id"], web.as_str());
    assert!(!state.to_string().contains(&green) && !state.to_string().contains(&loose));
}
