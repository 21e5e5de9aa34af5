#![cfg(feature = "aws")]
//! `drove plan --refresh-only` against moto: no drift right after an apply (exit 0); a rule
//! added in the console shows as a change of the firewall's rules, a terminated instance
//! as deleted outside drove (exit 2); nothing is written, and the plan cannot be applied.

mod support;

use drove_engine::aws::aws_sdk_ec2 as ec2;
use support::moto::Moto;

const STACK: &str = r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}
let office = 198.51.100.0/24
firewall bastion in main {
  allow tcp 22 from office
}
role bastion {
  image     = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type      = t3.micro
  disk      = 16GiB
  firewall  = [bastion]
  public_ip = true
}
host jump { role = bastion  subnet = main.public-a }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_only_shows_what_changed_outside_drove_and_changes_nothing() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    std::fs::write(&main, STACK).expect("write");
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    let r = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["plan", "stack", "--refresh-only"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No drift:"), "{}", r.stdout);

    let client = ec2::Client::new(&m.config(support::REGION).await);
    let groups = client.describe_security_groups().group_names("shop-bastion").send().await.expect("groups");
    let group = groups.security_groups()[0].group_id().expect("id").to_string();
    let range = ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build();
    let rule =
        ec2::types::IpPermission::builder().ip_protocol("tcp").from_port(3389).to_port(3389).ip_ranges(range).build();
    client
        .authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(rule)
        .send()
        .await
        .expect("a console edit");
    let state_before = std::fs::read_to_string(dir.path().join("stack/drove.state.json")).ok();
    assert!(state_before.is_some(), "a local state beside the stack");

    let r = run(&["plan", "stack", "--refresh-only"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("refresh only: what changed outside drove"), "{}", r.stdout);
    assert!(
        r.stdout.contains("firewall.bastion.rules  (ec2.security_group_rules, changed outside drove)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("3389"), "{}", r.stdout);
    assert!(r.stdout.contains("Drift: 1 changed and 0 deleted outside drove"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("stack/drove.state.json")).ok(),
        state_before,
        "nothing written"
    );

    let out = dir.path().join("drift.json");
    let r = run(&["plan", "stack", "--refresh-only", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&["apply", out.to_str().expect("utf-8"), "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("nothing to apply"), "{}", r.stderr);

    let instances = client.describe_instances().send().await.expect("instances");
    let id = instances.reservations()[0].instances()[0].instance_id().expect("id").to_string();
    client.terminate_instances().instance_ids(&id).send().await.expect("terminated by hand");
    let r = run(&["plan", "stack", "--refresh-only", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(plan["refresh_only"], true);
    let gone: Vec<&str> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] == "delete")
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(gone, ["host.jump"]);
}
