//! Environments through the binary: `--env` chooses one for every command that compiles,
//! its usage errors exit 2 and list the environments, `check` checks them all, and
//! against moto each environment applies into its own state under its own identity, so a
//! state of one is refused for another.

// The engine tests' moto starter; this test reaches moto through drove, not the SDK config.
#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use drove_engine::aws::aws_sdk_route53::types::TagResourceType;
use drove_engine::aws::aws_sdk_route53::Client;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const STACK: &str = r#"stack demo {
  region = "ap-northeast-1"
  tags   = { service = "demo" }
}

healthcheck web { type = https  host = www.env.example.  path = "/health" }

environment staging {
  tags = { env = "staging" }
  healthcheck.web.host = www.staging.env.example.

  zone "staging.env.example." {
    www  60  A  192.0.2.10
  }
}

environment production {
  tags = { env = "production" }

  zone "env.example." {
    www  300  A  192.0.2.20
  }
}
"#;

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(endpoint: Option<&str>, dir: &Path, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_drove"));
    c.args(args)
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env("CI", "true");
    if let Some(e) = endpoint {
        c.env("AWS_ENDPOINT_URL", e);
    }
    let o = c.output().expect("drove runs");
    let out = Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    };
    assert!(!out.stderr.contains("panicked"), "drove {args:?} panicked:\n{}", out.stderr);
    out
}

fn stack_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.drove"), text).unwrap();
    dir
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn env_is_required_checked_and_listed_as_usage_errors() {
    let dir = stack_dir(STACK);
    let d = dir.path();
    let out = run(None, d, &["compile"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("`staging`, `production`") && out.stderr.contains("--env"), "{}", out.stderr);
    let out = run(None, d, &["plan", "--env", "qa"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("no environment `qa`") && out.stderr.contains("`staging`, `production`"),
        "{}",
        out.stderr
    );
    let out = run(None, d, &["fmt", "--env", "staging", "."]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    // check needs none: it checks every environment.
    let out = run(None, d, &["check"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    let out = run(None, d, &["check", "--env", "staging"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);

    let staging = run(None, d, &["compile", "--env", "staging"]);
    assert_eq!(staging.code, Some(0), "{}", staging.stderr);
    let s: Value = serde_json::from_str(&staging.stdout).unwrap();
    assert_eq!(s["stack"]["name"], "demo-staging");
    assert_eq!(s["stack"]["environment"], "staging");
    assert_eq!(s["stack"]["state"]["path"], "drove.state.staging.json");
    assert_eq!(s["stack"]["tags"]["env"], "staging");
    let production = run(None, d, &["--env", "production", "compile"]);
    let p: Value = serde_json::from_str(&production.stdout).unwrap();
    assert_eq!(p["stack"]["name"], "demo-production");
    assert_eq!(p["stack"]["state"]["path"], "drove.state.production.json");

    // A stack without environments takes no --env.
    let plain = stack_dir("stack demo {\n  region = \"ap-northeast-1\"\n}\n");
    let out = run(None, plain.path(), &["compile", "--env", "staging"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("declares no environments"), "{}", out.stderr);
    let out = run(None, plain.path(), &["compile"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!out.stdout.contains("environment"), "{}", out.stdout);
}

#[test]
fn check_names_the_environment_an_error_is_found_in() {
    let text = STACK.replace("healthcheck.web.host = www.staging.env.example.", "healthcheck.web.port = 70000");
    let dir = stack_dir(&text);
    let out = run(None, dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let diags: Value = serde_json::from_str(&out.stdout).unwrap();
    let diags: Vec<&Value> = diags.as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]["message"].as_str().unwrap().ends_with("(in environment staging)"), "{diags:?}");
    let line = text.lines().position(|l| l.contains("healthcheck.web.port")).unwrap() + 1;
    assert_eq!(diags[0]["line"], line);
    // Production has no error: it compiles, staging does not.
    assert_eq!(run(None, dir.path(), &["compile", "--env", "production"]).code, Some(0));
    assert_eq!(run(None, dir.path(), &["compile", "--env", "staging"]).code, Some(1));
    let out = run(None, dir.path(), &["check", "--env", "production"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
}

async fn zone_stack_tag(endpoint: &str, zone: &str) -> Option<String> {
    let conf = drove_engine::aws::endpoint_config("ap-northeast-1", endpoint, "testing", "testing").await;
    let r53 = Client::new(&conf);
    let zones = r53.list_hosted_zones().send().await.unwrap();
    let z = zones.hosted_zones().iter().find(|z| z.name() == zone)?;
    let id = z.id().trim_start_matches("/hostedzone/");
    let tags =
        r53.list_tags_for_resource().resource_type(TagResourceType::Hostedzone).resource_id(id).send().await.unwrap();
    let set = tags.resource_tag_set()?;
    set.tags().iter().find(|t| t.key() == Some("drove:stack")).and_then(|t| t.value().map(str::to_string))
}

#[test]
fn each_environment_has_its_own_state_and_refuses_another_s() {
    let Some(m) = moto::Moto::start() else { return };
    let e = m.endpoint();
    let dir = stack_dir(STACK);
    let d = dir.path();
    for env in ["staging", "production"] {
        let out = run(Some(&e), d, &["apply", "--env", env, "--auto-approve"]);
        assert_eq!(out.code, Some(0), "{env}: {}\n{}", out.stdout, out.stderr);
    }
    let staging = json(&d.join("drove.state.staging.json"));
    let production = json(&d.join("drove.state.production.json"));
    assert!(!d.join("drove.state.json").exists());
    assert_eq!(staging["stack"], "demo-staging");
    assert_eq!(production["stack"], "demo-production");
    assert_ne!(staging["lineage"], production["lineage"]);
    let keys = |v: &Value| v["resources"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert!(keys(&staging).contains(&"zone.staging.env.example.".to_string()), "{:?}", keys(&staging));
    assert!(!keys(&staging).contains(&"zone.env.example.".to_string()), "{:?}", keys(&staging));
    assert!(keys(&production).contains(&"zone.env.example.".to_string()), "{:?}", keys(&production));
    // Each environment's resources carry its identity, and neither plan touches the other's.
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(zone_stack_tag(&e, "staging.env.example.")).as_deref(), Some("demo-staging"));
    assert_eq!(rt.block_on(zone_stack_tag(&e, "env.example.")).as_deref(), Some("demo-production"));
    for env in ["staging", "production"] {
        let out = run(Some(&e), d, &["plan", "--env", env, "--detailed-exitcode"]);
        assert_eq!(out.code, Some(0), "{env}: {}\n{}", out.stdout, out.stderr);
    }
    // Staging pointed at production's state in the source: the checker refuses it.
    let wrong = STACK.replace(
        "tags = { env = \"staging\" }",
        "tags  = { env = \"staging\" }\n  state = local(\"drove.state.production.json\")",
    );
    std::fs::write(d.join("stack.drove"), wrong).unwrap();
    let out = run(Some(&e), d, &["plan", "--env", "staging"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("E0122"), "{}", out.stderr);
    // Production's state copied over staging's by hand: the state belongs to another
    // identity, so plan and apply refuse it and nothing changes.
    std::fs::write(d.join("stack.drove"), STACK).unwrap();
    let production = std::fs::read_to_string(d.join("drove.state.production.json")).unwrap();
    std::fs::write(d.join("drove.state.staging.json"), &production).unwrap();
    let out = run(Some(&e), d, &["plan", "--env", "staging"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("belongs to stack `demo-production`, not `demo-staging`"), "{}", out.stderr);
    let out = run(Some(&e), d, &["apply", "--env", "staging", "--auto-approve"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(std::fs::read_to_string(d.join("drove.state.staging.json")).unwrap(), production);
    assert_eq!(std::fs::read_to_string(d.join("drove.state.production.json")).unwrap(), production);
    assert_eq!(rt.block_on(zone_stack_tag(&e, "env.example.")).as_deref(), Some("demo-production"));
}
