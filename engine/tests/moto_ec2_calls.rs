#![cfg(feature = "aws")]
//! The EC2 requests of a stack of instances, counted by drove-test-proxy in front of moto
//! and held at their floor, so that a change that adds calls shows here:
//!
//! - a plan and apply of N instances: the image pattern resolved once (DescribeImages
//!   ×1, none at apply), the pre-flight check of the instance type asked once per
//!   availability zone (DescribeInstanceTypeOfferings ×2), RunInstances ×N, DescribeInstances once for adoption and once
//!   per round of waiting (a round reads every instance launched together; moto runs an
//!   instance at once, so a round per wave the walk launches), no DescribeVolumes or
//!   DescribeInstanceAttribute (what was sent is what EC2 holds), each network kind
//!   looked up for adoption in one call, nothing read back after a create;
//! - a plan that finds nothing to change: one Describe per kind, a VPC's two DNS
//!   settings, and DescribeInstanceAttribute once per instance (EC2 reads user data one
//!   instance at a time), which is 10 + N requests;
//! - a saved plan applied by a new session: its images' root devices, one DescribeImages
//!   per image, and no pattern resolved again;
//! - a destroy: TerminateInstances ×N and a few rounds of DescribeInstances.
//!
//! The session's own count (an SDK interceptor, retries included) must agree with the
//! proxy's, also when the proxy throttles.
//!
//! `cargo nextest run -p drove-engine --features aws --test moto_ec2_calls --no-capture`
//! prints the table in docs/benchmarks.md.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::apply::ApplyOptions;
use drove_engine::aws::Requests;
use drove_engine::plan::{Plan, PlanOptions};
use drove_engine::session::Session;
use drove_engine::userdata::UserData;
use drove_test_proxy::{Config, Fault, Proxy};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use support::moto::Moto;
use support::MOTO_IMAGE;

const REGION: &str = "ap-northeast-1";
const HOSTS: u64 = 12;
const PARALLELISM: u64 = 10;

/// Two subnets, two firewalls (one letting the other in) and a role of `hosts` instances
/// with user data: the instances of the crash tests' stack, more of them.
fn source(hosts: u64) -> String {
    format!(
        r#"stack calls {{
  region = "{REGION}"
  state  = local("drove.state.json")
}}
network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
  subnet c {{ cidr = 10.0.2.0/24  zone = c  public = true }}
}}
firewall lb in main {{
  allow tcp 443 from 0.0.0.0/0
}}
firewall web in main {{
  allow tcp 8080 from lb
}}
role app {{
  image     = image("{MOTO_IMAGE}", "137112412989")
  type      = t3.micro
  disk      = 20GiB
  firewall  = [lb, web]
  public_ip = true
  provision {{
    package "nginx"
  }}
}}
hosts app {{ role = app  count = {hosts}  subnets = [main.a, main.c] }}
"#
    )
}

fn compile(hosts: u64) -> (DesiredState, Arc<UserData>) {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", source(hosts)));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let d = drove_compiler::compile::compile(&a).expect("compiles");
    let no_keys = || Ok(drove_compiler::secrets::Keyring::from_identities(Vec::new()));
    let ud = UserData::open(d.user_data(), d.sealed(), no_keys).expect("user data without secrets");
    (d, Arc::new(ud))
}

async fn session(endpoint: &str, dir: &Path, d: &DesiredState, ud: &Arc<UserData>) -> Session {
    let conf = drove_engine::aws::endpoint_config(REGION, endpoint, "testing", "testing").await;
    Session::with_config(d, dir, &conf).expect("session").with_user_data(ud.clone())
}

/// What the proxy saw since its last reset, by action (this stack calls EC2 only).
fn seen(p: &Proxy) -> BTreeMap<String, u64> {
    p.counts().calls
}

/// What the session counted itself, by action.
fn counted(r: &Requests) -> BTreeMap<String, u64> {
    r.by_action.iter().map(|((service, action), n)| (format!("{service}:{action}"), *n)).collect()
}

fn ec2(r: &Requests) -> BTreeMap<String, u64> {
    r.by_action.iter().filter(|((s, _), _)| s == "EC2").map(|((_, a), n)| (a.clone(), *n)).collect()
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(a, n)| (a.to_string(), *n)).filter(|(_, n)| *n > 0).collect()
}

fn total(m: &BTreeMap<String, u64>) -> u64 {
    m.values().sum()
}

fn show(phase: &str, m: &BTreeMap<String, u64>) {
    let list: Vec<String> = m.iter().map(|(a, n)| format!("{a} ×{n}")).collect();
    eprintln!("{phase}: {} requests: {}", total(m), list.join(", "));
}

async fn apply(s: &Session, d: Option<&DesiredState>, saved: Option<Plan>, opts: &PlanOptions) -> Plan {
    let (plan, report) = s
        .apply(d, saved, opts, &ApplyOptions::default(), &|_| true, &|_| {})
        .await
        .expect("apply runs")
        .expect("confirmed");
    assert!(report.failed.is_empty() && report.skipped.is_empty(), "{:?} {:?}", report.failed, report.skipped);
    plan
}

/// Calls the network of this stack makes whatever the number of instances.
const NETWORK_CREATE: [(&str, u64); 12] = [
    ("CreateVpc", 1),
    ("ModifyVpcAttribute", 1),
    ("CreateSubnet", 2),
    ("ModifySubnetAttribute", 2),
    ("CreateInternetGateway", 1),
    ("AttachInternetGateway", 1),
    ("CreateRouteTable", 1),
    ("CreateRoute", 1),
    ("AssociateRouteTable", 2),
    ("CreateSecurityGroup", 2),
    ("AuthorizeSecurityGroupIngress", 2),
    // A rule set compares with what its group holds (a create after a lost state finds
    // the rules it made); an association with what its subnet holds (it has no tags).
    ("DescribeSecurityGroups", 2),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_requests_stay_at_their_floor() {
    let Some(m) = Moto::start() else { return };
    let proxy = Proxy::start(&m.endpoint(), Config::default()).expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let (d, ud) = compile(HOSTS);
    let s = session(&proxy.endpoint(), dir.path(), &d, &ud).await;
    // moto builds its image catalogue on the first EC2 call: not part of any phase.
    let warm = drove_engine::aws::aws_sdk_ec2::Client::new(&m.config(REGION).await);
    warm.describe_regions().send().await.unwrap();

    // (a) Plan and apply of N instances.
    let before = s.requests();
    apply(&s, Some(&d), None, &PlanOptions::default()).await;
    let a = seen(&proxy);
    show(&format!("plan + apply of {HOSTS} instances"), &a);
    assert_eq!(ec2(&s.requests().since(&before)), a, "the session counts what the proxy sees");
    let rounds = a.get("DescribeInstances").copied().unwrap_or(0) - 1;
    let waves = HOSTS.div_ceil(PARALLELISM);
    assert!(
        (1..=waves + 1).contains(&rounds),
        "{rounds} rounds of DescribeInstances for {HOSTS} instances launched {PARALLELISM} at a time: {a:?}"
    );
    let mut want = expect(&NETWORK_CREATE);
    let adoption = [
        ("DescribeImages", 1),
        ("DescribeInstanceTypeOfferings", 2),
        ("DescribeInstances", 1 + rounds),
        ("DescribeVpcs", 1),
        ("DescribeSubnets", 1),
        ("DescribeInternetGateways", 1),
        ("DescribeRouteTables", 1 + 2),
        ("DescribeSecurityGroups", 1 + 2),
        ("RunInstances", HOSTS),
    ];
    want.extend(expect(&adoption));
    assert_eq!(a, want);

    // (b) A plan that finds nothing to change.
    proxy.reset_counts();
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));
    let b = seen(&proxy);
    show(&format!("no-change plan of {HOSTS} instances"), &b);
    let want = expect(&[
        ("DescribeImages", 1),
        ("DescribeInstances", 1),
        ("DescribeVolumes", 1),
        ("DescribeInstanceAttribute", HOSTS),
        ("DescribeVpcs", 1),
        ("DescribeVpcAttribute", 2),
        ("DescribeSubnets", 1),
        ("DescribeInternetGateways", 1),
        ("DescribeRouteTables", 1),
        ("DescribeSecurityGroups", 1),
    ]);
    assert_eq!(b, want);
    assert_eq!(total(&b), 10 + HOSTS);

    // (c) Two more instances from a saved plan, applied by a new session (a new process
    // in the CLI): the plan carries the image's id; the launch needs its root device.
    let (more, ud_more) = compile(HOSTS + 2);
    let saved = s.plan(&more, &PlanOptions::default()).await.unwrap();
    let saved = Plan::parse(&saved.to_json(), "saved").expect("the plan reads back");
    proxy.reset_counts();
    let fresh = session(&proxy.endpoint(), dir.path(), &more, &ud_more).await;
    apply(&fresh, None, Some(saved), &PlanOptions::default()).await;
    let c = seen(&proxy);
    show("saved plan of 2 more instances, applied by a new session", &c);
    assert_eq!(c, expect(&[("DescribeImages", 1), ("RunInstances", 2), ("DescribeInstances", 1)]));
    assert_eq!(counted(&fresh.requests()).values().sum::<u64>(), total(&c));

    // (d) A destroy: the instances terminate together and are waited for together.
    proxy.reset_counts();
    let destroy = PlanOptions { destroy: true, ..Default::default() };
    apply(&fresh, Some(&more), None, &destroy).await;
    let e = seen(&proxy);
    show(&format!("destroy of {} instances", HOSTS + 2), &e);
    assert_eq!(e.get("TerminateInstances").copied(), Some(HOSTS + 2));
    let waiting = e.get("DescribeInstances").copied().unwrap_or(0) - 1;
    assert!(
        waiting <= 2 * (HOSTS + 2).div_ceil(PARALLELISM) + 1,
        "{waiting} DescribeInstances to wait for {} terminations: {e:?}",
        HOSTS + 2
    );
}

/// Retries are requests too: through a proxy that throttles or fails a third of the
/// calls, the session counts every attempt the proxy sees, faults included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_requests_are_counted() {
    let Some(m) = Moto::start() else { return };
    let faults =
        Config { seed: 3, fault_share: 0.3, faults: vec![Fault::Throttle, Fault::InternalError], ..Config::default() };
    let proxy = Proxy::start(&m.endpoint(), faults).expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let (d, ud) = compile(3);
    let s = session(&proxy.endpoint(), dir.path(), &d, &ud).await;
    apply(&s, Some(&d), None, &PlanOptions::default()).await;
    let seen = proxy.counts();
    assert!(seen.total_faults() > 0, "{seen:?}");
    assert_eq!(ec2(&s.requests()), seen.calls);
}
