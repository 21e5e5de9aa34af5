//! The `drove` binary against moto behind the test proxy: the plain progress lines of an
//! apply off a terminal, and applies killed with SIGKILL at several points that converge
//! on the next run, with no duplicate and no orphan: of a Route53 stack (zones, records,
//! a health check) and of an EC2 stack (a VPC and its parts, security groups, instances
//! and a record on their addresses).

// The engine tests' moto starter; this test reaches moto through drove, not the SDK config.
#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use drove_engine::aws::aws_sdk_ec2;
use drove_engine::aws::aws_sdk_route53::types::TagResourceType;
use drove_engine::aws::aws_sdk_route53::Client;
use drove_test_proxy::{Config, Proxy};
use moto::Moto;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const REGION: &str = "ap-northeast-1";

/// The Route53 stack of the engine's fault tests.
const ROUTE53: &str = "route53-faults.drove";
/// The EC2 stack of the crash tests.
const EC2: &str = "ec2-crash.drove";

/// A stack directory holding one of the engine's test stacks.
fn stack_dir(stack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data").join(stack);
    std::fs::copy(src, dir.path().join("stack.drove")).unwrap();
    dir
}

fn drove(endpoint: &str, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_drove"));
    c.args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(endpoint: &str, dir: &Path, args: &[&str]) -> Out {
    let o = drove(endpoint, dir, args).output().expect("drove runs");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).unwrap()).unwrap()
}

#[test]
fn apply_off_a_terminal_prints_plain_progress_lines() {
    let Some(m) = Moto::start() else { return };
    let dir = stack_dir(ROUTE53);
    let out = run(&m.endpoint(), dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let st = state(dir.path());
    let addresses: Vec<&String> = st["resources"].as_object().unwrap().keys().collect();
    assert!(addresses.len() >= 10, "{addresses:?}");
    for a in addresses {
        assert!(out.stderr.lines().any(|l| l == format!("{a}: creating…")), "no start line for {a}:\n{}", out.stderr);
        let done = format!("{a}: creating… done (");
        assert!(
            out.stderr.lines().any(|l| l.starts_with(&done) && l.ends_with(')')),
            "no done line for {a}:\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains('\x1b') && !out.stderr.contains('\r'), "nothing but plain lines: {:?}", out.stderr);
    assert!(out.stdout.contains("Applied: "), "{}", out.stdout);
}

/// What moto holds, read with the SDK: zone names, health check ids, the record sets of
/// each zone (apex NS/SOA left out), and the ids of everything tagged for the stack.
struct Live {
    zones: Vec<String>,
    health_checks: Vec<String>,
    records: BTreeSet<String>,
    tagged: BTreeSet<String>,
}

async fn live(endpoint: &str) -> Live {
    let conf = drove_engine::aws::endpoint_config(REGION, endpoint, "testing", "testing").await;
    let r53 = Client::new(&conf);
    let mut out = Live { zones: vec![], health_checks: vec![], records: BTreeSet::new(), tagged: BTreeSet::new() };
    let zones = r53.list_hosted_zones().send().await.unwrap();
    for z in zones.hosted_zones() {
        let id = z.id().trim_start_matches("/hostedzone/").to_string();
        out.zones.push(z.name().to_string());
        let sets = r53.list_resource_record_sets().hosted_zone_id(&id).send().await.unwrap();
        for r in sets.resource_record_sets() {
            let ty = r.r#type().as_str();
            if r.name() == z.name() && (ty == "NS" || ty == "SOA") {
                continue;
            }
            out.records.insert(format!("{id}/{}/{ty}/{}", r.name(), r.set_identifier().unwrap_or("")));
        }
        let tags = r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .send()
            .await
            .unwrap();
        if tags.resource_tag_set().is_some_and(|t| t.tags().iter().any(|t| t.key() == Some("drove:stack"))) {
            out.tagged.insert(id);
        }
    }
    let checks = r53.list_health_checks().send().await.unwrap();
    for h in checks.health_checks() {
        out.health_checks.push(h.id().to_string());
        let tags = r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Healthcheck)
            .resource_id(h.id())
            .send()
            .await
            .unwrap();
        if tags.resource_tag_set().is_some_and(|t| t.tags().iter().any(|t| t.key() == Some("drove:stack"))) {
            out.tagged.insert(h.id().to_string());
        }
    }
    out
}

fn wait_exit(child: &mut Child) {
    let _ = child.wait();
}

/// Kills an apply once the proxy has answered `k` calls (the k-th answer still held back
/// by the latency, so its effect exists and drove does not know), then applies again: the
/// state and AWS must match.
fn kill_at(stack: &str, k: u64) {
    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config { latency: Duration::from_millis(150), ..Config::default() })
        .expect("proxy");
    let endpoint = proxy.endpoint();
    let dir = stack_dir(stack);
    let mut child = drove(&endpoint, dir.path(), &["apply", "--auto-approve"]).spawn().expect("drove starts");
    assert!(proxy.wait_answered(k, Duration::from_secs(120)), "the apply never made {k} calls");
    assert!(child.try_wait().unwrap().is_none(), "the apply ended before call {k}: pick a smaller k");
    child.kill().expect("SIGKILL");
    wait_exit(&mut child);

    // The killed run's lock is left behind; its process is gone, so the next run takes it over.
    let lock =
        std::fs::read_to_string(dir.path().join("drove.state.json.lock")).expect("the killed run's lock is left");
    assert!(lock.contains(&format!("(pid {})", child.id())), "{lock}");
    let again = run(&endpoint, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert!(!dir.path().join("drove.state.json.lock").exists());
    let plan = run(&endpoint, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(0), "a plan after the second run shows changes:\n{}", plan.stdout);

    let st = state(dir.path());
    let resources = st["resources"].as_object().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    match stack {
        EC2 => rt.block_on(ec2_matches_the_state(&m.endpoint(), resources, k)),
        _ => rt.block_on(route53_matches_the_state(&m.endpoint(), resources, k)),
    }
}

/// Each zone and the health check exist once, everything tagged for the stack is in the
/// state, and the zones hold exactly the state's records.
async fn route53_matches_the_state(endpoint: &str, resources: &serde_json::Map<String, Value>, k: u64) {
    let l = live(endpoint).await;
    let mut zones = l.zones.clone();
    zones.sort();
    assert_eq!(zones, ["shop.example.", "shop.test."], "each zone exactly once (k = {k})");
    assert_eq!(l.health_checks.len(), 1, "one health check (k = {k}): {:?}", l.health_checks);
    let ids: BTreeSet<String> = resources.values().map(|r| r["id"].as_str().unwrap_or("").to_string()).collect();
    for t in &l.tagged {
        assert!(ids.contains(t), "{t} is tagged for the stack but not in the state (k = {k})");
    }
    let record_ids: BTreeSet<String> = resources
        .values()
        .filter(|r| r["kind"] == "route53.record_set")
        .map(|r| r["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(l.records, record_ids, "the zones hold exactly the declared records (k = {k})");
}

/// Every resource of the EC2 stack exists once: what moto holds tagged for the stack is
/// exactly what the state holds, kind by kind (an instance launched twice, or a VPC left
/// behind by the killed run, would be one more), and the record holds the instances'
/// addresses.
async fn ec2_matches_the_state(endpoint: &str, resources: &serde_json::Map<String, Value>, k: u64) {
    let conf = drove_engine::aws::endpoint_config(REGION, endpoint, "testing", "testing").await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let ours = || aws_sdk_ec2::types::Filter::builder().name("tag:drove:stack").values("shop").build();
    let in_state = |kind: &str| -> BTreeSet<String> {
        resources.values().filter(|r| r["kind"] == kind).map(|r| r["id"].as_str().unwrap_or("").to_string()).collect()
    };
    let vpcs: BTreeSet<String> = ec2
        .describe_vpcs()
        .filters(ours())
        .send()
        .await
        .unwrap()
        .vpcs()
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let subnets: BTreeSet<String> = ec2
        .describe_subnets()
        .filters(ours())
        .send()
        .await
        .unwrap()
        .subnets()
        .iter()
        .filter_map(|v| v.subnet_id().map(str::to_string))
        .collect();
    let gateways: BTreeSet<String> = ec2
        .describe_internet_gateways()
        .filters(ours())
        .send()
        .await
        .unwrap()
        .internet_gateways()
        .iter()
        .filter_map(|v| v.internet_gateway_id().map(str::to_string))
        .collect();
    let tables = ec2.describe_route_tables().filters(ours()).send().await.unwrap();
    let route_tables: BTreeSet<String> =
        tables.route_tables().iter().filter_map(|v| v.route_table_id().map(str::to_string)).collect();
    let associations =
        tables.route_tables().iter().flat_map(|t| t.associations()).filter(|a| a.main() != Some(true)).count();
    let groups: BTreeSet<String> = ec2
        .describe_security_groups()
        .filters(ours())
        .send()
        .await
        .unwrap()
        .security_groups()
        .iter()
        .filter_map(|v| v.group_id().map(str::to_string))
        .collect();
    let alive =
        aws_sdk_ec2::types::Filter::builder().name("instance-state-name").values("pending").values("running").build();
    let reservations = ec2.describe_instances().filters(ours()).filters(alive).send().await.unwrap();
    let instances: Vec<_> = reservations.reservations().iter().flat_map(|r| r.instances()).collect();
    let instance_ids: BTreeSet<String> = instances.iter().filter_map(|i| i.instance_id().map(str::to_string)).collect();

    assert_eq!(vpcs, in_state("ec2.vpc"), "one VPC (k = {k})");
    assert_eq!(subnets, in_state("ec2.subnet"), "the subnets (k = {k})");
    assert_eq!(gateways, in_state("ec2.internet_gateway"), "the internet gateway (k = {k})");
    assert_eq!(route_tables, in_state("ec2.route_table"), "the route tables (k = {k})");
    assert_eq!(associations, in_state("ec2.route_table_association").len(), "the subnet associations (k = {k})");
    assert_eq!(groups, in_state("ec2.security_group"), "the security groups (k = {k})");
    assert_eq!(instance_ids, in_state("ec2.instance"), "no instance launched twice or left behind (k = {k})");
    assert_eq!(instance_ids.len(), 2, "k = {k}");

    let mut addresses: Vec<Value> =
        instances.iter().filter_map(|i| i.public_ip_address()).map(|a| Value::String(a.to_string())).collect();
    addresses.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    let mut values =
        resources["record.app.shop.example./A"]["attributes"]["values"].as_array().cloned().unwrap_or_default();
    values.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(values, addresses, "the record holds the live instances' addresses (k = {k})");
}

/// How many calls a whole uninterrupted apply of a test stack makes.
fn calls_of_a_whole_apply(stack: &str) -> u64 {
    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config::default()).expect("proxy");
    let dir = stack_dir(stack);
    let out = run(&proxy.endpoint(), dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    proxy.counts().answered
}

/// Kills at `points` places spread over a whole apply, its last call included.
fn kill_throughout(stack: &str, points: u64) {
    let total = calls_of_a_whole_apply(stack);
    assert!(total >= points, "a whole apply made only {total} calls");
    let mut ks: Vec<u64> = (1..=points).map(|i| (total * i / points).clamp(1, total - 1)).collect();
    ks.dedup();
    for k in ks {
        kill_at(stack, k);
    }
}

#[test]
fn applies_killed_at_any_point_converge_on_the_next_run() {
    if Moto::start().is_none() {
        return;
    }
    // Each k kills inside another step (zone creation and tagging, the health check, the
    // record batches).
    kill_throughout(ROUTE53, 6);
}

#[test]
fn ec2_applies_killed_at_any_point_converge_on_the_next_run() {
    if Moto::start().is_none() {
        return;
    }
    // Each k kills inside another step: the VPC and its attributes, subnets, the gateway
    // and route tables, security groups and their rules, RunInstances, the record.
    kill_throughout(EC2, 8);
}

/// A stack applied with its state in a local file moves it to S3 with `drove init
/// --migrate-state`: the first plan from S3 has no changes, a second migration copies
/// nothing, and a state of another history is never copied over the one in S3.
#[test]
fn init_migrates_a_local_state_to_s3_once_and_never_over_another() {
    let Some(m) = Moto::start() else { return };
    let endpoint = m.endpoint();
    let dir = stack_dir(ROUTE53);
    let out = run(&endpoint, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let local = state(dir.path());

    let stack = dir.path().join("stack.drove");
    let text = std::fs::read_to_string(&stack).unwrap();
    assert!(text.contains(r#"state  = local("drove.state.json")"#));
    std::fs::write(&stack, text.replace(r#"local("drove.state.json")"#, r#"s3("shop-drove-state", "shop.json")"#))
        .unwrap();
    let out = run(&endpoint, dir.path(), &["init", "--migrate-state", "drove.state.json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let n = local["resources"].as_object().unwrap().len();
    let moved = format!(
        "moved the state ({n} resources, serial {}) from drove.state.json to s3://shop-drove-state/shop.json",
        local["serial"]
    );
    assert!(out.stdout.contains(&moved), "{}", out.stdout);
    let plan = run(&endpoint, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(0), "the first plan from S3 has changes:\n{}\n{}", plan.stdout, plan.stderr);
    let again = run(&endpoint, dir.path(), &["init", "--migrate-state", "drove.state.json"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stdout.contains("already holds this state"), "{}", again.stdout);

    let mut other = local.clone();
    other["lineage"] = Value::String("another-history".into());
    std::fs::write(dir.path().join("other.json"), serde_json::to_string(&other).unwrap()).unwrap();
    let refused = run(&endpoint, dir.path(), &["init", "--migrate-state", "other.json"]);
    assert_eq!(refused.code, Some(1), "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("E0312") && refused.stderr.contains("already holds another state"),
        "{}",
        refused.stderr
    );
    let listed = run(&endpoint, dir.path(), &["state", "list"]);
    assert_eq!(listed.stdout.lines().count(), n, "the state in S3 is unchanged:\n{}", listed.stdout);
}
