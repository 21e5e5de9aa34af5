#![cfg(feature = "aws")]
//! `drove state mv` against moto: after renaming a hosts group and a firewall in the source
//! and moving them in the state, the plan says "moved" and creates, replaces and deletes
//! nothing; the JSON plan carries the moves; the apply takes them in; an address the
//! state does not hold is refused with the closest one.

mod support;

use support::moto::Moto;

fn stack(group: &str, firewall: &str) -> String {
    // A security group's name and description cannot change: a renamed firewall keeps
    // them by saying so, as the docs tell.
    let keep =
        if firewall == "ssh" { "" } else { "  group_name  = \"shop-ssh\"\n  description = \"drove firewall ssh\"\n" };
    format!(
        r#"stack shop {{ region = "ap-northeast-1" }}
network main {{
  cidr = 10.0.0.0/16
  subnet public-a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
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
hosts {group} {{ role = app  count = 2  subnets = [main.public-a] }}
"#
    )
}

#[test]
fn a_rename_recorded_as_a_move_touches_nothing_in_aws() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    std::fs::write(&main, stack("app", "ssh")).expect("write");
    let r = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    std::fs::write(&main, stack("worker", "admin")).expect("write");
    let r = run(&["state", "mv", "hosts.ap", "hosts.worker", "stack"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("the state has no resource hosts.ap"), "{}", r.stderr);
    let r = run(&["state", "mv", "hosts.app", "hosts.worker", "stack"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Moved hosts.app[1] to hosts.worker[1]."), "{}", r.stdout);
    let r = run(&["state", "mv", "firewall.ssh", "firewall.admin", "stack"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Moved firewall.ssh.rules to firewall.admin.rules."), "{}", r.stdout);

    let r = run(&["plan", "stack"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("moved from hosts.app[0] (drove state mv)"), "{}", r.stdout);
    assert!(r.stdout.contains("moved from firewall.ssh (drove state mv)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("0 to create") && r.stdout.contains("0 to replace") && r.stdout.contains("0 to delete"),
        "{}",
        r.stdout
    );
    let json = run(&["plan", "stack", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let moves = plan["moves"].as_array().expect("moves");
    assert!(moves.iter().any(|m| m["from"] == "hosts.app[0]" && m["to"] == "hosts.worker[0]"), "{moves:?}");

    let r = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("moved from"), "the apply took the moves in:\n{}", r.stdout);
}
