#![cfg(feature = "aws")]
//! `moved` declarations against moto: after renaming a hosts group, a firewall and a
//! subnet in the source and declaring the moves (as the editor's rename writes them), the
//! plan says "moved" and creates, replaces and deletes nothing; the JSON plan carries the
//! moves; the apply writes them into the state; the declarations may stay; a move with
//! nothing to move is refused at its declaration.

mod support;

use support::moto::Moto;

fn stack(group: &str, firewall: &str, subnet: &str, moves: &str) -> String {
    // A security group's name and description cannot change: a renamed firewall keeps
    // them, as the editor's rename writes.
    let keep =
        if firewall == "ssh" { "" } else { "  group_name  = \"shop-ssh\"\n  description = \"drove firewall ssh\"\n" };
    format!(
        r#"stack shop {{ region = "ap-northeast-1" }}
network main {{
  cidr = 10.0.0.0/16
  subnet {subnet} {{ cidr = 10.0.1.0/24  zone = a  public = true }}
}}
let office = 198.51.100.0/24
firewall {firewall} in main {{
{keep}  allow tcp 22 from office
}}
role app {{
  image    = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type     = t3.micro
  disk     = 16GiB
  firewall = [{firewall}]
}}
hosts {group} {{ role = app  count = 2  subnets = [main.{subnet}] }}
{moves}"#
    )
}

const MOVES: &str = "
moved {
  from = hosts.app
  to   = hosts.worker
}

moved {
  from = firewall.ssh
  to   = firewall.admin
}

moved {
  from = network.main.subnet.public-a
  to   = network.main.subnet.front
}
";

#[test]
fn renames_declared_in_the_source_touch_nothing_in_aws() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    std::fs::write(&main, stack("app", "ssh", "public-a", "")).expect("write");
    let r = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // Nothing to move: the closest address the state holds, at the declaration.
    let typo = "moved {\n  from = firewall.shh\n  to   = firewall.admin\n}\n";
    std::fs::write(&main, stack("app", "admin", "public-a", typo)).expect("write");
    let r = run(&["plan", "stack"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0316") && r.stderr.contains("firewall.ssh"), "{}", r.stderr);
    assert!(r.stderr.contains("main.drove:"), "at the declaration: {}", r.stderr);

    std::fs::write(&main, stack("worker", "admin", "front", MOVES)).expect("write");
    let r = run(&["plan", "stack"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("moved from hosts.app[0] (a moved declaration)"), "{}", r.stdout);
    assert!(r.stdout.contains("moved from firewall.ssh (a moved declaration)"), "{}", r.stdout);
    assert!(r.stdout.contains("moved from network.main.subnet.public-a (a moved declaration)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("0 to create") && r.stdout.contains("0 to replace") && r.stdout.contains("0 to delete"),
        "{}",
        r.stdout
    );
    let json = run(&["plan", "stack", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let moves = plan["moves"].as_array().expect("moves");
    assert!(moves.iter().any(|m| m["from"] == "hosts.app[1]" && m["to"] == "hosts.worker[1]"), "{moves:?}");
    assert!(moves.iter().any(|m| m["from"] == "firewall.ssh.rules" && m["to"] == "firewall.admin.rules"));
    // The plan wrote nothing: the state still holds the old addresses.
    let r = run(&["state", "list", "stack"]);
    assert!(r.stdout.contains("hosts.app[0]") && !r.stdout.contains("hosts.worker"), "{}", r.stdout);

    let r = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["state", "list", "stack"]);
    assert!(r.stdout.contains("hosts.worker[1]") && r.stdout.contains("firewall.admin.rules"), "{}", r.stdout);
    assert!(!r.stdout.contains("hosts.app") && !r.stdout.contains("public-a"), "{}", r.stdout);
    // The declarations stay in the source: already applied, nothing moves again.
    let r = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("moved from"), "the apply took the moves in:\n{}", r.stdout);
}
