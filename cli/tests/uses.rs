#![cfg(feature = "aws")]
//! Stacks that use each other's declarations, against moto: a network stack, an app
//! stack placing its firewall and hosts in the network's subnets, and a DNS stack
//! pointing at the app's instances. Each has its own state; a plan reads the states of
//! the stacks it uses and refuses (E0318) while they are not applied.

mod support;

use serde_json::Value;
use support::moto::Moto;

const NETWORK: &str = r#"stack net { region = "ap-northeast-1" }
network main {
  cidr = 10.50.0.0/16
  subnet public-a { cidr = 10.50.1.0/24  zone = a  public = true }
}
"#;

const APP: &str = r#"stack app { region = "ap-northeast-1" }
use net = "../network"
firewall web in net.main { allow tcp 443 from 0.0.0.0/0 }
role web {
  image     = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type      = t3.micro
  disk      = 16GiB
  firewall  = [web]
  public_ip = true
}
hosts web { role = web  count = 2  subnets = [net.main.public-a] }
"#;

const DNS: &str = r#"stack dns { region = "ap-northeast-1" }
use app = "../app"
zone "uses.example." {
  www 60 A app.hosts.web.public_ip
}
"#;

fn state(dir: &std::path::Path, stack: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(stack).join("drove.state.json")).expect("a state");
    serde_json::from_str(&text).expect("JSON")
}

fn id(state: &Value, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_plan_reads_the_values_it_names_from_the_used_stacks_states() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("a repository");
    for (name, text) in [("network", NETWORK), ("app", APP), ("dns", DNS)] {
        std::fs::create_dir_all(dir.path().join(name)).expect("mkdir");
        std::fs::write(dir.path().join(name).join("stack.drove"), text).expect("write");
    }
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    // The repository checks as a whole.
    let r = run(&["check", "."]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 stacks"), "{}", r.stdout);

    // Nothing applied below it: refused, naming what is missing and whose.
    let r = run(&["plan", "app"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0318") && r.stderr.contains("`network`"), "{}", r.stderr);
    assert!(!dir.path().join("app/drove.state.json").exists(), "nothing applied");

    let r = run(&["apply", "network", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["apply", "app", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // The app's resources sit in the network stack's VPC and subnet, which it does not own.
    let (net, app) = (state(dir.path(), "network"), state(dir.path(), "app"));
    let vpc = id(&net, "network.main");
    assert!(vpc.starts_with("vpc-"), "{net}");
    assert_eq!(app["resources"]["firewall.web"]["attributes"]["vpc"], Value::String(vpc), "{app}");
    let subnet = id(&net, "network.main.subnet.public-a");
    assert_eq!(app["resources"]["hosts.web[0]"]["attributes"]["subnet"], Value::String(subnet), "{app}");
    assert!(app["resources"].get("network.main").is_none(), "the network stays the network stack's");

    // The zone's record holds the instances' addresses read from the app's state.
    let ips: Vec<String> = ["hosts.web[0]", "hosts.web[1]"]
        .iter()
        .map(|a| app["resources"][*a]["outputs"]["public_ip"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(ips.iter().all(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok()), "{app}");
    let r = run(&["plan", "dns"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(ips.iter().all(|ip| r.stdout.contains(ip)), "{}", r.stdout);
    let r = run(&["apply", "dns", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["plan", "dns", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "no changes after apply: {}{}", r.stdout, r.stderr);

    // A used stack's state that can't be read stops the plan, nothing else.
    std::fs::write(dir.path().join("app/drove.state.json"), "{ not json").expect("write");
    let r = run(&["plan", "dns"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0319") && r.stderr.contains("`app`"), "{}", r.stderr);
}
