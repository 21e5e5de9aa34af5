#![cfg(feature = "aws")]
//! NAT gateways against moto, from drove source: a network with public and private
//! subnets in two zones and `nat = true` on one public subnet per zone gets an Elastic IP
//! and a NAT gateway in each, a private route table per NAT whose default route goes
//! through it, and each private subnet associated with the table of its own zone; the
//! second plan is empty; a NAT deleted behind drove's back is made again; destroy releases
//! the addresses.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::aws::aws_sdk_ec2;
use drove_engine::plan::{Action, PlanOptions};
use drove_engine::session::Session;
use support::apply;
use support::moto::Moto;

const REGION: &str = "ap-northeast-1";

const SOURCE: &str = r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24   zone = a  public = true  nat = true }
  subnet public-c  { cidr = 10.0.2.0/24   zone = c  public = true  nat = true }
  subnet private-a { cidr = 10.0.11.0/24  zone = a }
  subnet private-c { cidr = 10.0.12.0/24  zone = c }
  subnet private-d { cidr = 10.0.13.0/24  zone = d }
}
"#;

fn compile(text: &str) -> DesiredState {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    drove_compiler::compile::compile(&a).expect("compiles")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_subnets_route_out_through_the_nat_of_their_zone() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = m.config(REGION).await;
    let d = compile(SOURCE);
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    let first = apply(&s, &d).await;
    let created = |kind: &str| first.changes.iter().filter(|c| c.kind == kind && c.action == Action::Create).count();
    assert_eq!((created("ec2.elastic_ip"), created("ec2.nat_gateway")), (2, 2));
    let again = s.plan(&d, &PlanOptions::default()).await.expect("plan");
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));

    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let st = s.read_state().await.expect("state").expect("a state");
    let id = |address: &str| st.resources[address].id.clone();
    let nats = ec2.describe_nat_gateways().send().await.expect("nats");
    let nat_of = |subnet: &str| {
        nats.nat_gateways()
            .iter()
            .find(|g| g.subnet_id() == Some(id(subnet).as_str()))
            .unwrap_or_else(|| panic!("a NAT in {subnet}"))
            .clone()
    };
    let (nat_a, nat_c) = (nat_of("network.main.subnet.public-a"), nat_of("network.main.subnet.public-c"));
    assert_eq!(nat_a.nat_gateway_id(), Some(id("network.main.subnet.public-a.nat").as_str()));
    let addresses = ec2.describe_addresses().send().await.expect("addresses");
    assert_eq!(addresses.addresses().len(), 2);
    assert_eq!(
        nat_a.nat_gateway_addresses().first().and_then(|a| a.allocation_id()),
        Some(id("network.main.subnet.public-a.nat.ip").as_str())
    );
    let tagged = addresses.addresses().iter().all(|a| {
        a.tags().iter().any(|t| t.key() == Some("drove:stack") && t.value() == Some("shop"))
            && a.tags().iter().any(|t| t.key() == Some("drove:lineage"))
    });
    assert!(tagged, "{addresses:?}");

    // Each private subnet's table sends 0.0.0.0/0 to its zone's NAT; zone d has none, so
    // its subnet shares the first.
    let tables = ec2.describe_route_tables().send().await.expect("tables");
    let default_route_of = |subnet: &str| -> String {
        let sid = id(subnet);
        let t = tables
            .route_tables()
            .iter()
            .find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(sid.as_str())))
            .unwrap_or_else(|| panic!("{subnet} is associated"));
        t.routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .and_then(|r| r.nat_gateway_id().or(r.gateway_id()))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(default_route_of("network.main.subnet.private-a"), nat_a.nat_gateway_id().unwrap_or_default());
    assert_eq!(default_route_of("network.main.subnet.private-c"), nat_c.nat_gateway_id().unwrap_or_default());
    assert_eq!(default_route_of("network.main.subnet.private-d"), nat_a.nat_gateway_id().unwrap_or_default());
    assert!(default_route_of("network.main.subnet.public-a").starts_with("igw-"));

    // Deleted behind drove's back: planned again, made again, routed again.
    ec2.delete_nat_gateway().nat_gateway_id(id("network.main.subnet.public-c.nat")).send().await.expect("delete");
    // AWS frees a deleted NAT gateway's address; moto keeps it associated, so free it here.
    let ip = id("network.main.subnet.public-c.nat.ip");
    let held = ec2.describe_addresses().allocation_ids(&ip).send().await.expect("address");
    if let Some(assoc) = held.addresses().first().and_then(|a| a.association_id()) {
        ec2.disassociate_address().association_id(assoc).send().await.expect("disassociate");
    }
    let drift = s.plan(&d, &PlanOptions::default()).await.expect("plan");
    let planned: Vec<(&str, Action)> = drift.changes.iter().map(|c| (c.address.as_str(), c.action)).collect();
    assert!(planned.contains(&("network.main.subnet.public-c.nat", Action::Create)), "{planned:?}");
    apply(&s, &d).await;
    let after = s.plan(&d, &PlanOptions::default()).await.expect("plan");
    assert!(!after.has_changes(), "{}", drove_engine::plan::render::text(&after, false));

    // Destroy: NAT gateways gone, addresses released.
    let destroy = PlanOptions { destroy: true, allow_mass_delete: true, ..Default::default() };
    let (_, report) = s
        .apply(Some(&d), None, &destroy, &Default::default(), &|_| true, &|_| {})
        .await
        .expect("destroy runs")
        .expect("confirmed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let left = ec2.describe_addresses().send().await.expect("addresses");
    assert!(left.addresses().is_empty(), "{left:?}");
    let nats = ec2.describe_nat_gateways().send().await.expect("nats");
    assert!(nats.nat_gateways().iter().all(|g| g.state().map(|s| s.as_str()) == Some("deleted")), "{nats:?}");
}

/// An apply of a NAT network that dies once `k` calls were answered (the future dropped
/// while calls are in flight, as a killed process stops), then a second apply: it must
/// converge with one Elastic IP and one NAT gateway (AllocateAddress takes no token, so
/// the address is found again by its tags), and a clean plan after.
async fn crash_at(k: u64) -> Vec<String> {
    use drove_test_proxy::{Config, Proxy};
    use std::time::Duration;
    const ONE_NAT: &str = r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24   zone = a  public = true  nat = true }
  subnet private-a { cidr = 10.0.11.0/24  zone = a }
}
"#;
    let m = Moto::start().expect("moto");
    let proxy =
        Proxy::start(&m.endpoint(), Config { latency: Duration::from_millis(50), ..Config::default() }).expect("proxy");
    let dir = tempfile::tempdir().expect("temp dir");
    let d = compile(ONE_NAT);
    let conf = drove_engine::aws::endpoint_config(REGION, &proxy.endpoint(), "testing", "testing").await;
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    let (popts, aopts) = (PlanOptions::default(), drove_engine::apply::ApplyOptions::default());
    let reached = async {
        while proxy.counts().answered < k {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    tokio::select! {
        r = s.apply(Some(&d), None, &popts, &aopts, &|_| true, &|_| {}) => {
            return match r {
                Ok(_) => Vec::new(),
                Err(e) => vec![format!("k = {k}: the first apply failed: {e:?}")],
            };
        }
        _ = reached => {}
    }
    drop(s);
    let s = Session::with_config(&d, dir.path(), &conf).expect("session");
    if let Some(lock) = s.backend.current_lock().await.expect("lock") {
        s.backend.force_unlock(&lock.id).await.expect("unlock");
    }
    let mut wrong = Vec::new();
    match s.apply(Some(&d), None, &popts, &aopts, &|_| true, &|_| {}).await {
        Ok(Some((_, report))) if report.failed.is_empty() => {}
        other => wrong.push(format!("k = {k}: the second apply: {:?}", other.map(|x| x.map(|p| p.1.failed)))),
    }
    let again = s.plan(&d, &popts).await.expect("plan");
    if again.has_changes() {
        wrong.push(format!(
            "k = {k}: changes after the second apply: {}",
            drove_engine::plan::render::summary_line(&again)
        ));
    }
    let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
    let addresses = ec2.describe_addresses().send().await.expect("addresses").addresses().len();
    let nats = ec2.describe_nat_gateways().send().await.expect("nats");
    let alive = nats.nat_gateways().iter().filter(|g| g.state().map(|s| s.as_str()) != Some("deleted")).count();
    if (addresses, alive) != (1, 1) {
        wrong.push(format!("k = {k}: {addresses} Elastic IPs and {alive} NAT gateways"));
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_applies_that_die_at_any_call_converge_on_the_next_run() {
    if Moto::start().is_none() {
        return;
    }
    let mut wrong = Vec::new();
    for k in 1..=22 {
        wrong.extend(crash_at(k).await);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
