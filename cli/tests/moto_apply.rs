//! The `drove` binary against moto behind the test proxy: the plain progress lines of an
//! apply off a terminal, and applies killed with SIGKILL at several points that converge
//! on the next run, with no duplicate and no orphan.

// The engine tests' moto starter; this test reaches moto through drove, not the SDK config.
#[allow(dead_code)]
#[path = "../../engine/tests/support/moto.rs"]
mod moto;

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

/// A stack directory holding the Route53 test stack of the engine's fault test.
fn stack_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data/route53-faults.drove");
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
    Out { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).unwrap()).unwrap()
}

#[test]
fn apply_off_a_terminal_prints_plain_progress_lines() {
    let Some(m) = Moto::start() else { return };
    let dir = stack_dir();
    let out = run(&m.endpoint(), dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let st = state(dir.path());
    let addresses: Vec<&String> = st["resources"].as_object().unwrap().keys().collect();
    assert!(addresses.len() >= 10, "{addresses:?}");
    for a in addresses {
        assert!(out.stderr.lines().any(|l| l == format!("{a}: creating…")), "no start line for {a}:\n{}", out.stderr);
        let done = format!("{a}: creating… done (");
        assert!(out.stderr.lines().any(|l| l.starts_with(&done) && l.ends_with(')')), "no done line for {a}:\n{}", out.stderr);
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
        let tags = r53.list_tags_for_resource().resource_type(TagResourceType::Hostedzone).resource_id(&id).send().await.unwrap();
        if tags.resource_tag_set().is_some_and(|t| t.tags().iter().any(|t| t.key() == Some("drove:stack"))) {
            out.tagged.insert(id);
        }
    }
    let checks = r53.list_health_checks().send().await.unwrap();
    for h in checks.health_checks() {
        out.health_checks.push(h.id().to_string());
        let tags = r53.list_tags_for_resource().resource_type(TagResourceType::Healthcheck).resource_id(h.id()).send().await.unwrap();
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
fn kill_at(k: u64) {
    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config { latency: Duration::from_millis(150), ..Config::default() }).expect("proxy");
    let endpoint = proxy.endpoint();
    let dir = stack_dir();
    let mut child = drove(&endpoint, dir.path(), &["apply", "--auto-approve"]).spawn().expect("drove starts");
    assert!(proxy.wait_answered(k, Duration::from_secs(120)), "the apply never made {k} calls");
    assert!(child.try_wait().unwrap().is_none(), "the apply ended before call {k}: pick a smaller k");
    child.kill().expect("SIGKILL");
    wait_exit(&mut child);

    // The killed run's lock is left behind; its process is gone, so the next run takes it over.
    let lock = std::fs::read_to_string(dir.path().join("drove.state.json.lock")).expect("the killed run's lock is left");
    assert!(lock.contains(&format!("(pid {})", child.id())), "{lock}");
    let again = run(&endpoint, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert!(!dir.path().join("drove.state.json.lock").exists());
    let plan = run(&endpoint, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(0), "a plan after the second run shows changes:\n{}", plan.stdout);

    let st = state(dir.path());
    let resources = st["resources"].as_object().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let l = rt.block_on(live(&m.endpoint()));
    let mut zones = l.zones.clone();
    zones.sort();
    assert_eq!(zones, ["shop.example.", "shop.test."], "each zone exactly once (k = {k})");
    assert_eq!(l.health_checks.len(), 1, "one health check (k = {k}): {:?}", l.health_checks);
    let ids: BTreeSet<String> = resources.values().map(|r| r["id"].as_str().unwrap_or("").to_string()).collect();
    for t in &l.tagged {
        assert!(ids.contains(t), "{t} is tagged for the stack but not in the state (k = {k})");
    }
    let record_ids: BTreeSet<String> =
        resources.values().filter(|r| r["kind"] == "route53.record_set").map(|r| r["id"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(l.records, record_ids, "the zones hold exactly the declared records (k = {k})");
}

/// How many calls a whole uninterrupted apply of the test stack makes.
fn calls_of_a_whole_apply() -> u64 {
    let m = Moto::start().expect("moto");
    let proxy = Proxy::start(&m.endpoint(), Config::default()).expect("proxy");
    let dir = stack_dir();
    let out = run(&proxy.endpoint(), dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    proxy.counts().answered
}

#[test]
fn applies_killed_at_any_point_converge_on_the_next_run() {
    if Moto::start().is_none() {
        return;
    }
    // Each k kills inside another step (zone creation and tagging, the health check, the
    // record batches), spread over the whole apply, its last call included.
    let total = calls_of_a_whole_apply();
    assert!(total >= 6, "a whole apply made only {total} calls");
    let mut ks: Vec<u64> = (1..=6).map(|i| (total * i / 6).max(1)).collect();
    ks.dedup();
    for k in ks {
        kill_at(k.min(total - 1).max(1));
    }
}
