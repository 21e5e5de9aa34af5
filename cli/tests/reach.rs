//! `drove reach` through the binary on the seed estate: answers with their paths, exit 0
//! for yes and 3 for no, JSON, `--exposed`, and endpoints it cannot read.

use std::path::Path;
use std::process::Command;

fn reach(args: &[&str]) -> (i32, String, String) {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/seed");
    let mut all = vec!["reach"];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_drove"))
        .args(&all)
        .arg("--env")
        .arg("production")
        .current_dir(seed)
        .env("NO_COLOR", "1")
        .output()
        .expect("drove runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().expect("an exit code"), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_internet_reaches_the_web_tier_through_the_balancer_and_not_the_database() {
    let (code, out, _) = reach(&["internet", "hosts.web:80"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("yes: internet → hosts.web:80/tcp"), "{out}");
    assert!(out.contains("firewall lb allows tcp 443 from 0.0.0.0/0"), "{out}");
    assert!(out.contains("listener 443 forwards to target web on port 80"), "{out}");

    let (code, out, _) = reach(&["internet", "host.db:3306"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("blocked: host.db is in network.main.subnet.private-a, which has no route to an internet gateway"),
        "{out}"
    );

    let (code, out, _) = reach(&["hosts.web", "host.db:3306", "."]);
    assert_eq!(code, 3, "web may not talk to the database: {out}");
    assert!(out.contains("no firewall of host.db allows 3306/tcp"), "{out}");
    let (code, out, _) = reach(&["role.app", "host.db:3306"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn private_hosts_reach_out_through_nat_and_json_says_so() {
    let (code, out, _) = reach(&["hosts.app", "internet:443", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["reachable"], true);
    assert_eq!(v["port"]["port"], 443);
    let verdicts = v["verdicts"].as_array().expect("verdicts");
    assert_eq!(verdicts.len(), 4, "one per app server");
    assert!(verdicts.iter().all(|x| x["steps"][0].as_str().unwrap_or("").contains("NAT gateway")), "{out}");
}

#[test]
fn exposed_lists_the_balancer_and_what_it_forwards_to() {
    let (code, out, _) = reach(&["--exposed"]);
    assert_eq!(code, 0, "{out}");
    let heads: Vec<&str> = out.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        heads,
        ["balancer.front 80/tcp", "balancer.front 443/tcp", "hosts.web[0] 80/tcp", "hosts.web[1] 80/tcp"]
    );
}

#[test]
fn endpoints_it_cannot_read_are_usage_errors() {
    let (code, _, err) = reach(&["internet", "hosts.wbe:80"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `hosts.web`?"), "{err}");
    let (code, _, err) = reach(&["internet", "hosts.web:http"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a port"), "{err}");
    let (code, _, err) = reach(&["internet"]);
    assert_eq!(code, 2, "{err}");
}
