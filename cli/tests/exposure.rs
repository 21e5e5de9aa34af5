#![cfg(feature = "aws")]
//! The plan's exposure delta against moto: what a change newly opens to the internet is in
//! the text and JSON plans, with the path that opens it, and `--fail-on-exposure` stops
//! on it; what a change closes is listed too; a plan that changes nothing lists nothing
//! (the live side is read from the state, ids mapped back to addresses).

mod support;

use support::moto::Moto;

fn stack(ssh_from: &str) -> String {
    format!(
        r#"stack shop {{ region = "ap-northeast-1" }}
network main {{
  cidr = 10.0.0.0/16
  subnet public-a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
}}
let office = 198.51.100.0/24
firewall bastion in main {{
  allow tcp 22 from {ssh_from}
}}
role bastion {{
  image     = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type      = t3.micro
  disk      = 16GiB
  firewall  = [bastion]
  public_ip = true
}}
host jump {{ role = bastion  subnet = main.public-a }}
"#
    )
}

fn drove(m: &Moto, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

#[test]
fn a_plan_says_what_it_opens_to_the_internet_and_can_refuse_it() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| drove(&m, dir.path(), args);

    std::fs::write(&main, stack("office")).expect("write");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode", "--fail-on-exposure"]);
    assert_eq!(code, 0, "nothing changes, nothing is exposed:\n{out}");
    assert!(!out.contains("Reachable from the internet"), "{out}");

    std::fs::write(&main, stack("0.0.0.0/0")).expect("write");
    let (code, out) = run(&["plan", "stack"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("+ newly reachable: host.jump 22/tcp"), "{out}");
    assert!(out.contains("firewall bastion allows tcp 22 from 0.0.0.0/0"), "{out}");
    let json = support::drove(&m, dir.path(), &["plan", "stack", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("a JSON plan");
    assert_eq!(plan["exposure"]["opened"][0]["address"], "host.jump");
    assert_eq!(plan["exposure"]["opened"][0]["port"], 22);
    let (code, out) = run(&["plan", "stack", "--fail-on-exposure"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("makes host.jump 22/tcp newly reachable from the internet"), "{out}");

    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    std::fs::write(&main, stack("office")).expect("write");
    let (code, out) = run(&["plan", "stack", "--fail-on-exposure", "--format", "markdown"]);
    assert_eq!(code, 0, "closing is never refused:\n{out}");
    assert!(out.contains("- no longer reachable: host.jump 22/tcp"), "{out}");
}
