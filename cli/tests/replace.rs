#![cfg(feature = "aws")]
//! `drove replace ADDRESS` through the binary against moto: `drove plan --replace` shows the
//! replacement for review; `drove replace` off a terminal without `--auto-approve` changes
//! nothing; it refuses a pet, an address the state does not hold (with a did-you-mean) and
//! a stack with other changes pending; and it replaces one host the rollout's way, its log
//! saying so in order: the new instance, the old one's drain check on the host through SSM
//! Run Command, then its termination, with the record on the new address.

mod support;

use drove_engine::aws::aws_sdk_ec2;
use serde_json::Value;
use std::path::Path;
use support::moto::Moto;
use support::{drove, runtime, REGION};

const DRAIN: &str = "test ! -s /var/log/td-agent/buffer/*";

fn source(app_type: &str) -> String {
    format!(
        r#"stack shop {{
  region = "{REGION}"
}}
network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
  subnet c {{ cidr = 10.0.2.0/24  zone = c  public = true }}
}}
firewall web in main {{
  allow tcp 443 from 0.0.0.0/0
}}
role app {{
  image     = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type      = {app_type}
  disk      = 20GiB
  firewall  = [web]
  public_ip = true
  drain     = "{DRAIN}"
  drain_timeout = 10s
}}
role db {{
  image = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type  = t3.micro
  disk  = 20GiB
  firewall = [web]
}}
hosts app {{ role = app  count = 2  subnets = [main.a, main.c] }}
host db {{ role = db  subnet = main.a }}
zone "shop.example." {{
  app 60 A hosts.app.public_ip
}}
"#
    )
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).expect("a state")).expect("json")
}

fn id(st: &Value, address: &str) -> String {
    st["resources"][address]["id"].as_str().unwrap_or_default().to_string()
}

#[test]
fn replace_swaps_one_host_draining_the_old_one_on_the_host_and_refuses_the_rest() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = dir.path();
    std::fs::write(stack.join("stack.drove"), source("t3.micro")).expect("write");
    let applied = drove(&m, stack, &["apply", "--auto-approve"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    let before = state(stack);
    let old = id(&before, "hosts.app[1]");
    let settled = drove(&m, stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(settled.code, 0, "nothing left to do after the apply:\n{}", settled.stdout);

    // For review: the plan of the same replacement.
    let plan = drove(&m, stack, &["plan", "--replace", "hosts.app[1]"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("-/+ hosts.app[1]"), "{}", plan.stdout);
    assert!(plan.stdout.contains(&format!("drain check `{DRAIN}` on the host, through SSM")), "{}", plan.stdout);

    // Off a terminal it asks for --auto-approve and changes nothing.
    let asked = drove(&m, stack, &["replace", "hosts.app[1]"]);
    assert_eq!(asked.code, 1, "{}\n{}", asked.stdout, asked.stderr);
    assert!(
        asked.stderr.contains("pass --auto-approve") && asked.stderr.contains("Nothing replaced."),
        "{}",
        asked.stderr
    );
    assert_eq!(state(stack)["serial"], before["serial"]);

    // A pet, and an address the state does not hold.
    let pet = drove(&m, stack, &["replace", "host.db", "--auto-approve"]);
    assert_eq!(pet.code, 1);
    assert!(pet.stderr.contains("error[E0315]: host.db is a pet"), "{}", pet.stderr);
    assert!(pet.stderr.contains("drove apply --replace host.db"), "{}", pet.stderr);
    let unknown = drove(&m, stack, &["replace", "hosts.app[7]", "--auto-approve"]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("error[E0307]: hosts.app[7] is not an instance of this stack's state"));
    assert!(unknown.stderr.contains("did you mean `hosts.app["), "{}", unknown.stderr);
    assert_eq!(state(stack)["serial"], before["serial"], "nothing was written");

    // The replacement, in the rollout's order.
    let done = drove(&m, stack, &["replace", "hosts.app[1]", "--auto-approve"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    let line = |prefix: &str| {
        done.stderr
            .lines()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?}:\n{}", done.stderr))
    };
    let created = line("hosts.app[1]: creating… done");
    let announced =
        line(&format!("hosts.app[1]#deposed: running the drain check `{DRAIN}` on {old} (SSM Run Command)"));
    let passed = line("hosts.app[1]#deposed: drain check passed on attempt 1 (exit status 0)");
    let terminated = line("hosts.app[1]#deposed: deleting… done");
    assert!(created < announced && announced < passed && passed < terminated, "{}", done.stderr);
    assert!(!done.stderr.contains("hosts.app[0]"), "only hosts.app[1] is touched:\n{}", done.stderr);

    let after = state(stack);
    let new = id(&after, "hosts.app[1]");
    assert!(new.starts_with("i-") && new != old);
    assert_eq!(id(&after, "hosts.app[0]"), id(&before, "hosts.app[0]"));
    assert!(after["resources"].as_object().is_some_and(|r| r.keys().all(|k| !k.contains("#deposed"))));
    let public = after["resources"]["hosts.app[1]"]["outputs"]["public_ip"].clone();
    let values = after["resources"]["record.app.shop.example./A"]["attributes"]["values"].clone();
    assert!(values.as_array().is_some_and(|v| v.contains(&public)), "the record follows: {values}");
    let terminated = runtime().block_on(async {
        let conf = drove_engine::aws::endpoint_config(REGION, &m.endpoint(), "testing", "testing").await;
        let out = aws_sdk_ec2::Client::new(&conf).describe_instances().instance_ids(&old).send().await.expect("reads");
        out.reservations()[0].instances()[0].state().and_then(|s| s.name()).map(|n| n.as_str().to_string())
    });
    assert_eq!(terminated.as_deref(), Some("terminated"));
    let clean = drove(&m, stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(clean.code, 0, "nothing left to do:\n{}", clean.stdout);

    // With other changes pending it does not apply them behind your back.
    std::fs::write(stack.join("stack.drove"), source("t3.small")).expect("write");
    let pending = drove(&m, stack, &["replace", "hosts.app[0]", "--auto-approve"]);
    assert_eq!(pending.code, 1, "{}\n{}", pending.stdout, pending.stderr);
    assert!(
        pending
            .stderr
            .contains("error[E0315]: replacing hosts.app[0] is not all this plan would do: hosts.app[1] (replaced)"),
        "{}",
        pending.stderr
    );
    assert!(pending.stderr.contains("drove apply --replace hosts.app[0]"), "{}", pending.stderr);
    assert_eq!(state(stack)["serial"], after["serial"]);
}
