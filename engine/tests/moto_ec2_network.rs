#![cfg(feature = "aws")]
//! The EC2 network through the planner and the apply walk against moto: a VPC with public
//! and private subnets, gateway, route table and firewalls (one referencing another) and a
//! private zone on the VPC; no changes after apply; updates, a replace, drift made through
//! the SDK, a run whose state was lost, and a destroy that leaves nothing tagged.

mod support;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};
use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::aws_sdk_ec2;
use drove_engine::aws::aws_sdk_route53;
use drove_engine::plan::{Action, Plan, PlanOptions};
use drove_engine::session::Session;
use serde_json::{json, Value};
use std::path::Path;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";
const STACK: &str = "shop";

fn id_of(address: &str) -> Value {
    json!({"ref": address, "attribute": "id"})
}

fn tags(name: &str) -> Value {
    json!({"service": "shop", "Name": name})
}

fn subnet(name: &str, cidr: &str, az: &str, public: bool) -> Value {
    json!({"address": format!("network.main.subnet.{name}"), "kind": "ec2.subnet",
           "attributes": {"vpc": id_of("network.main"), "cidr": cidr, "availability_zone": format!("{REGION}{az}"),
                          "map_public_ip_on_launch": public, "tags": tags(&format!("main-{name}"))},
           "depends_on": ["network.main"]})
}

fn rule(proto: &str, port: i64, key: &str, peer: Value) -> Value {
    json!({"protocol": proto, "from_port": port, "to_port": port, key: peer})
}

/// What `drove compile` makes of a network with a public and a private subnet, a `web`
/// firewall open to the world and a `db` firewall open to `web` only, with one `to` rule.
fn network() -> Vec<Value> {
    vec![
        json!({"address": "network.main", "kind": "ec2.vpc",
               "attributes": {"cidr": "10.0.0.0/16", "enable_dns_support": true, "enable_dns_hostnames": true, "tags": tags("main")}}),
        subnet("public-a", "10.0.1.0/24", "a", true),
        subnet("private-c", "10.0.12.0/24", "c", false),
        json!({"address": "network.main.internet_gateway", "kind": "ec2.internet_gateway",
               "attributes": {"vpc": id_of("network.main"), "tags": tags("main")}, "depends_on": ["network.main"]}),
        json!({"address": "network.main.route_table.public", "kind": "ec2.route_table",
               "attributes": {"vpc": id_of("network.main"),
                              "routes": [{"destination": "0.0.0.0/0", "gateway": id_of("network.main.internet_gateway")}],
                              "tags": tags("main-public")},
               "depends_on": ["network.main", "network.main.internet_gateway"]}),
        json!({"address": "network.main.subnet.public-a.route_table", "kind": "ec2.route_table_association",
               "attributes": {"subnet": id_of("network.main.subnet.public-a"), "route_table": id_of("network.main.route_table.public")}}),
        json!({"address": "firewall.web", "kind": "ec2.security_group",
               "attributes": {"vpc": id_of("network.main"), "name": "shop-web", "description": "drove firewall web", "tags": tags("web")}}),
        json!({"address": "firewall.web.rules", "kind": "ec2.security_group_rules",
               "attributes": {"group": id_of("firewall.web"),
                              "ingress": [rule("tcp", 80, "cidr", json!("0.0.0.0/0")), rule("tcp", 443, "cidr", json!("0.0.0.0/0")),
                                          rule("tcp", 22, "cidr", json!("203.0.113.0/24"))],
                              "egress": null}}),
        json!({"address": "firewall.db", "kind": "ec2.security_group",
               "attributes": {"vpc": id_of("network.main"), "name": "shop-db", "description": "drove firewall db", "tags": tags("db")}}),
        json!({"address": "firewall.db.rules", "kind": "ec2.security_group_rules",
               "attributes": {"group": id_of("firewall.db"),
                              "ingress": [rule("tcp", 3306, "group", id_of("firewall.web"))],
                              "egress": [rule("udp", 53, "cidr", json!("10.0.0.2/32"))]}}),
        json!({"address": "zone.internal.example.@main", "kind": "route53.hosted_zone",
               "attributes": {"name": "internal.example.", "comment": null, "private_vpcs": [id_of("network.main")], "tags": {}}}),
        json!({"address": "record.db.internal.example./A@main", "kind": "route53.record_set",
               "attributes": {"zone": id_of("zone.internal.example.@main"), "name": "db.internal.example.", "type": "A", "ttl": 60,
                              "values": ["10.0.12.10"]}}),
    ]
}

fn stack(resources: Vec<Value>) -> DesiredState {
    serde_json::from_value(json!({
        "stack": {"name": STACK, "region": REGION, "state": {"backend": "local", "path": "drove.state.json"}, "tags": {"service": "shop"},
                  "max_delete": 0.5, "max_zone_delete": 0.5, "recipients": []},
        "resources": resources
    }))
    .expect("desired state")
}

/// Edits one resource's attributes in their JSON form.
fn edit(d: &mut DesiredState, address: &str, f: impl FnOnce(&mut Value)) {
    d.resources
        .iter_mut()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("{address} declared"))
        .edit(f)
        .expect("still fits its kind");
}

async fn open(m: &Moto, d: &DesiredState, dir: &Path) -> Session {
    Session::with_config(d, dir, &m.config(REGION).await).expect("session")
}

async fn apply_with(s: &Session, d: &DesiredState, opts: &PlanOptions) -> Plan {
    let (plan, report) = s
        .apply(Some(d), None, opts, &ApplyOptions::default(), &|_| true, &|_| {})
        .await
        .expect("apply runs")
        .expect("confirmed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    plan
}

async fn apply(s: &Session, d: &DesiredState) -> Plan {
    apply_with(s, d, &PlanOptions::default()).await
}

async fn assert_no_changes(s: &Session, d: &DesiredState) {
    let p = s.plan(d, &PlanOptions::default()).await.expect("plan");
    assert!(!p.has_changes(), "{}", drove_engine::plan::render::text(&p, false));
}

fn action(p: &Plan, a: &str) -> Action {
    p.changes.iter().find(|c| c.address == a).map(|c| c.action).unwrap_or_else(|| panic!("{a} not planned"))
}

fn tagged() -> Vec<Filter> {
    vec![Filter::builder().name("tag:drove:stack").values(STACK).build()]
}

/// Everything moto holds with this stack's tag, by kind, read through the SDK.
async fn tagged_counts(ec2: &aws_sdk_ec2::Client) -> [usize; 5] {
    let vpcs = ec2.describe_vpcs().set_filters(Some(tagged())).send().await.unwrap();
    let subnets = ec2.describe_subnets().set_filters(Some(tagged())).send().await.unwrap();
    let gws = ec2.describe_internet_gateways().set_filters(Some(tagged())).send().await.unwrap();
    let tables = ec2.describe_route_tables().set_filters(Some(tagged())).send().await.unwrap();
    let groups = ec2.describe_security_groups().set_filters(Some(tagged())).send().await.unwrap();
    [
        vpcs.vpcs().len(),
        subnets.subnets().len(),
        gws.internet_gateways().len(),
        tables.route_tables().len(),
        groups.security_groups().len(),
    ]
}

async fn group(ec2: &aws_sdk_ec2::Client, id: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let r = ec2.describe_security_groups().group_ids(id).send().await.unwrap();
    r.security_groups()[0].clone()
}

/// (protocol, port, cidr or group) of every rule of one direction.
fn rules(perms: &[IpPermission]) -> Vec<(String, i32, String)> {
    let mut out = Vec::new();
    for p in perms {
        let key = (p.ip_protocol().unwrap_or("").to_string(), p.from_port().unwrap_or(-1));
        out.extend(p.ip_ranges().iter().map(|r| (key.0.clone(), key.1, r.cidr_ip().unwrap_or("").to_string())));
        out.extend(
            p.user_id_group_pairs().iter().map(|g| (key.0.clone(), key.1, g.group_id().unwrap_or("").to_string())),
        );
    }
    out.sort();
    out
}

fn ssh_from(cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_lifecycle_against_moto() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut d = stack(network());
    let s = open(&m, &d, dir.path()).await;
    let conf = m.config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);

    let first = apply(&s, &d).await;
    assert_eq!(first.summary.create, 12);
    assert_no_changes(&s, &d).await;

    // What moto holds, read with the SDK, not through drove.
    let st = s.read_state().await.unwrap().unwrap();
    let id = |a: &str| st.resources[a].id.clone();
    let (vpc, web, db) = (id("network.main"), id("firewall.web"), id("firewall.db"));
    assert_eq!(tagged_counts(&ec2).await, [1, 2, 1, 1, 2]);
    let hostnames = ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(hostnames.enable_dns_hostnames().and_then(|v| v.value()), Some(true));
    let public = ec2.describe_subnets().subnet_ids(id("network.main.subnet.public-a")).send().await.unwrap();
    assert_eq!(public.subnets()[0].map_public_ip_on_launch(), Some(true));
    assert_eq!(public.subnets()[0].availability_zone(), Some("ap-northeast-1a"));
    let gw = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(id("network.main.internet_gateway"))
        .send()
        .await
        .unwrap();
    assert_eq!(gw.internet_gateways()[0].attachments()[0].vpc_id(), Some(vpc.as_str()));
    let table =
        ec2.describe_route_tables().route_table_ids(id("network.main.route_table.public")).send().await.unwrap();
    let table = &table.route_tables()[0];
    assert!(table.routes().iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0")
        && r.gateway_id() == Some(id("network.main.internet_gateway").as_str())));
    assert_eq!(
        table
            .associations()
            .iter()
            .filter(|a| a.subnet_id() == Some(id("network.main.subnet.public-a").as_str()))
            .count(),
        1
    );
    // web keeps AWS's default egress; db has exactly its `to` rule, and takes MySQL from web.
    let w = group(&ec2, &web).await;
    assert_eq!(rules(w.ip_permissions_egress()), [("-1".to_string(), -1, "0.0.0.0/0".to_string())]);
    assert_eq!(rules(w.ip_permissions()).len(), 3);
    let g = group(&ec2, &db).await;
    assert_eq!(rules(g.ip_permissions_egress()), [("udp".to_string(), 53, "10.0.0.2/32".to_string())]);
    assert_eq!(rules(g.ip_permissions()), [("tcp".to_string(), 3306, web.clone())]);
    // The private zone is associated with the VPC drove made.
    let r53 = aws_sdk_route53::Client::new(&conf);
    let zone = r53.get_hosted_zone().id(id("zone.internal.example.@main")).send().await.unwrap();
    assert_eq!(zone.vpcs().iter().filter_map(|v| v.vpc_id()).collect::<Vec<_>>(), [vpc.as_str()]);
    assert_eq!(zone.hosted_zone().and_then(|z| z.config()).map(|c| c.private_zone()), Some(true));

    // Updates: a tag, a DNS attribute, a rule added and one removed, egress rules given.
    edit(&mut d, "network.main", |a| a["tags"]["team"] = json!("ops"));
    edit(&mut d, "network.main", |a| a["enable_dns_hostnames"] = json!(false));
    edit(&mut d, "network.main.subnet.private-c", |a| a["map_public_ip_on_launch"] = json!(true));
    edit(&mut d, "firewall.web.rules", |web_rules| {
        web_rules["ingress"] = json!([
            rule("tcp", 80, "cidr", json!("0.0.0.0/0")),
            rule("tcp", 443, "cidr", json!("0.0.0.0/0")),
            rule("icmp", -1, "cidr", json!("10.0.0.0/8"))
        ]);
        web_rules["egress"] = json!([rule("tcp", 443, "cidr", json!("0.0.0.0/0"))]);
    });
    let p = apply(&s, &d).await;
    assert_eq!(p.summary.update, 3, "{}", drove_engine::plan::render::text(&p, false));
    assert_eq!(action(&p, "firewall.web.rules"), Action::Update);
    assert_no_changes(&s, &d).await;
    let hostnames = ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(hostnames.enable_dns_hostnames().and_then(|v| v.value()), Some(false));
    let v = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    assert!(v.vpcs()[0].tags().iter().any(|t| t.key() == Some("team") && t.value() == Some("ops")));
    let w = group(&ec2, &web).await;
    assert_eq!(
        rules(w.ip_permissions_egress()),
        [("tcp".to_string(), 443, "0.0.0.0/0".to_string())],
        "the default egress is gone"
    );
    assert!(!rules(w.ip_permissions()).iter().any(|r| r.1 == 22));
    assert!(rules(w.ip_permissions()).contains(&("icmp".to_string(), -1, "10.0.0.0/8".to_string())));

    // No `to` rules again: AWS's default egress comes back.
    edit(&mut d, "firewall.web.rules", |a| a["egress"] = Value::Null);
    let p = apply(&s, &d).await;
    assert_eq!(action(&p, "firewall.web.rules"), Action::Update);
    assert_eq!(
        rules(group(&ec2, &web).await.ip_permissions_egress()),
        [("-1".to_string(), -1, "0.0.0.0/0".to_string())]
    );
    assert_no_changes(&s, &d).await;

    // Drift: a rule added and one of drove's removed behind its back.
    ec2.authorize_security_group_ingress()
        .group_id(&web)
        .ip_permissions(ssh_from("198.51.100.0/24"))
        .send()
        .await
        .unwrap();
    let drift = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&drift, "firewall.web.rules"), Action::Update);
    let c = drift.changes.iter().find(|c| c.address == "firewall.web.rules").unwrap();
    assert!(c.diffs[0].before.to_string().contains("198.51.100.0/24"), "{:?}", c.diffs);
    ec2.revoke_security_group_ingress()
        .group_id(&db)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3306)
                .to_port(3306)
                .user_id_group_pairs(aws_sdk_ec2::types::UserIdGroupPair::builder().group_id(&web).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drift = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&drift, "firewall.db.rules"), Action::Update);
    apply(&s, &d).await;
    assert_no_changes(&s, &d).await;
    assert_eq!(rules(group(&ec2, &db).await.ip_permissions()), [("tcp".to_string(), 3306, web.clone())]);
    assert!(!rules(group(&ec2, &web).await.ip_permissions()).iter().any(|r| r.2 == "198.51.100.0/24"));

    // Replace: a new CIDR is a new subnet (and the public one's association with it).
    edit(&mut d, "network.main.subnet.public-a", |a| a["cidr"] = json!("10.0.3.0/24"));
    let old = id("network.main.subnet.public-a");
    let p = apply(&s, &d).await;
    assert_eq!(action(&p, "network.main.subnet.public-a"), Action::Replace);
    assert_eq!(action(&p, "network.main.subnet.public-a.route_table"), Action::Replace);
    assert_no_changes(&s, &d).await;
    let st = s.read_state().await.unwrap().unwrap();
    let new = st.resources["network.main.subnet.public-a"].id.clone();
    assert_ne!(new, old);
    let e = ec2.describe_subnets().subnet_ids(&old).send().await;
    assert!(e.is_err() || e.unwrap().subnets().is_empty(), "the old subnet is deleted");
    assert_eq!(tagged_counts(&ec2).await, [1, 2, 1, 1, 2]);

    // Destroy: everything goes, in an order AWS accepts, and nothing tagged is left.
    apply_with(&s, &d, &PlanOptions { destroy: true, ..Default::default() }).await;
    assert_eq!(tagged_counts(&ec2).await, [0, 0, 0, 0, 0]);
    assert!(s.read_state().await.unwrap().unwrap().resources.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_state_is_found_again_by_tag() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = stack(network());
    let conf = m.config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    {
        let s = open(&m, &d, dir.path()).await;
        apply(&s, &d).await;
    }
    // The run "died" after its first state write (the lineage its creates tagged) and
    // before it recorded anything it created.
    let path = dir.path().join("drove.state.json");
    let mut st: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    st["resources"] = json!({});
    std::fs::write(&path, st.to_string()).unwrap();

    let s = open(&m, &d, dir.path()).await;
    let p = s.plan(&d, &PlanOptions::default()).await.unwrap();
    for tagged in [
        "network.main",
        "network.main.subnet.public-a",
        "network.main.internet_gateway",
        "network.main.route_table.public",
        "firewall.web",
        "firewall.db",
    ] {
        let c = p.changes.iter().find(|c| c.address == tagged).unwrap();
        assert_eq!(c.action, Action::NoOp, "{tagged}: {}", drove_engine::plan::render::text(&p, false));
        assert!(c.notes.iter().any(|n| n.contains("adopted")), "{tagged}: {:?}", c.notes);
    }
    // Rules and associations carry no tags: their creates find what is there.
    apply(&s, &d).await;
    assert_no_changes(&s, &d).await;
    assert_eq!(tagged_counts(&ec2).await, [1, 2, 1, 1, 2], "nothing created twice");
    let st = s.read_state().await.unwrap().unwrap();
    let table = ec2
        .describe_route_tables()
        .route_table_ids(&st.resources["network.main.route_table.public"].id)
        .send()
        .await
        .unwrap();
    assert_eq!(table.route_tables()[0].associations().iter().filter(|a| a.main() != Some(true)).count(), 1);
    let web = group(&ec2, &st.resources["firewall.web"].id).await;
    assert_eq!(rules(web.ip_permissions()).len(), 3);
    assert_eq!(rules(web.ip_permissions_egress()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_of_the_stack_is_refused_and_the_first_untouched() {
    let Some(m) = Moto::start() else { return };
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let d = stack(network());
    let conf = m.config(REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let s1 = open(&m, &d, first.path()).await;
    apply(&s1, &d).await;
    let lineage = s1.read_state().await.unwrap().unwrap().lineage;
    let vpcs = ec2.describe_vpcs().set_filters(Some(vec![tag_filter("drove:lineage", &lineage)])).send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1, "creates carry the state's lineage");

    // A teammate's checkout, or a copied directory whose `stack` name was not changed.
    let s2 = open(&m, &d, second.path()).await;
    let e = s2.plan(&d, &PlanOptions::default()).await.expect_err("refused");
    assert_eq!(e.code, "E0313", "{e:?}");
    for address in ["network.main (", "firewall.web (", "zone.internal.example.@main ("] {
        assert!(e.message.contains(address), "{address}: {}", e.message);
    }
    let refused = s2.apply(Some(&d), None, &PlanOptions::default(), &ApplyOptions::default(), &|_| true, &|_| {}).await;
    assert!(refused.is_err());
    assert!(!second.path().join("drove.state.json").exists(), "the copy wrote no state");
    assert_eq!(tagged_counts(&ec2).await, [1, 2, 1, 1, 2], "nothing created, nothing deleted");
    assert_no_changes(&s1, &d).await;

    // Tags removed by hand (or a state from before lineage tags): the state that holds the
    // resource writes them back, and says so in the plan.
    let vpc = &s1.read_state().await.unwrap().unwrap().resources["network.main"].id;
    ec2.delete_tags()
        .resources(vpc)
        .tags(aws_sdk_ec2::types::Tag::builder().key("drove:lineage").build())
        .send()
        .await
        .unwrap();
    let p = s1.plan(&d, &PlanOptions::default()).await.unwrap();
    let c = p.changes.iter().find(|c| c.address == "network.main").unwrap();
    assert!(c.action == Action::Update && c.claim, "{}", drove_engine::plan::render::text(&p, false));
    apply(&s1, &d).await;
    assert_no_changes(&s1, &d).await;
}

fn tag_filter(key: &str, value: &str) -> Filter {
    Filter::builder().name(format!("tag:{key}")).values(value).build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_vpc_still_in_use_names_it() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = stack(network().into_iter().filter(|r| r["address"] == "network.main").collect());
    let s = open(&m, &d, dir.path()).await;
    apply(&s, &d).await;
    let vpc = s.read_state().await.unwrap().unwrap().resources["network.main"].id.clone();
    // A subnet drove does not manage keeps the VPC from going.
    let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
    ec2.create_subnet().vpc_id(&vpc).cidr_block("10.0.99.0/24").send().await.unwrap();
    let (_, report) = s
        .apply(
            Some(&d),
            None,
            &PlanOptions { destroy: true, ..Default::default() },
            &ApplyOptions::default(),
            &|_| true,
            &|_| {},
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    let (address, e) = &report.failed[0];
    assert_eq!(address, "network.main");
    assert!(e.message.contains("network.main") && e.message.contains(&vpc) && e.message.contains("in use"), "{e}");
}
