#![cfg(feature = "aws")]
//! `drove plan ROOT` and `drove apply ROOT` of a repository root against moto: every
//! stack in the order they apply (used stacks first), each under a header; apply stops at
//! the first failure and says which stacks it left, and those using the failed one.

mod support;

use support::moto::Moto;

const NETWORK: &str = r#"stack network { region = "ap-northeast-1" }
network main {
  cidr = 10.70.0.0/16
  subnet public-a { cidr = 10.70.1.0/24  zone = a  public = true }
}
"#;

const APP: &str = r#"stack app { region = "ap-northeast-1" }
use net = "../network"
firewall web in net.main { allow tcp 443 from 0.0.0.0/0 }
"#;

const DNS: &str = r#"stack dns { region = "ap-northeast-1" }
zone "runs.example." {
  www  300  A  198.51.100.7
}
"#;

fn headers(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("== ")).collect()
}

#[test]
fn a_repository_root_is_planned_and_applied_stack_by_stack_in_order() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).expect("the repository's root");
    for (stack, text) in [("network", NETWORK), ("app", APP), ("dns", DNS)] {
        std::fs::create_dir(root.join(stack)).expect("mkdir");
        std::fs::write(root.join(stack).join("stack.drove"), text).expect("write");
    }
    let run = |args: &[&str]| support::drove(&m, root, args);

    // The app reads the network's state, which is not there yet: its plan alone fails.
    let r = run(&["plan", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(headers(&r.stdout), ["== dns", "== network", "== app"]);
    assert!(r.stderr.contains("E0318") && r.stderr.contains("the plan failed for app"), "{}", r.stderr);

    let r = run(&["apply", ".", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(headers(&r.stdout), ["== dns", "== network", "== app"]);
    for stack in ["network", "app", "dns"] {
        assert!(root.join(stack).join("drove.state.json").exists(), "{stack} applied");
    }
    let r = run(&["plan", ".", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "no changes anywhere: {}{}", r.stdout, r.stderr);

    // The network fails (a subnet outside its network): the app after it is left alone,
    // the zone before it was applied.
    let broken =
        NETWORK.replace("public = true }", "public = true }\n  subnet public-c { cidr = 10.99.2.0/24  zone = c }");
    std::fs::write(root.join("network/stack.drove"), broken).expect("write");
    std::fs::write(root.join("app/stack.drove"), APP.replace("443", "8443")).expect("write");
    std::fs::write(root.join("dns/stack.drove"), DNS.replace("198.51.100.7", "198.51.100.8")).expect("write");
    let r = run(&["apply", ".", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(headers(&r.stdout), ["== dns", "== network"]);
    assert!(r.stderr.contains("network failed; not applied:\n  app (uses network)"), "{}", r.stderr);
    let r = run(&["plan", "dns", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "the zone was applied: {}{}", r.stdout, r.stderr);
    let r = run(&["plan", "app", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "the app was not: {}{}", r.stdout, r.stderr);

    // What names one stack's plan or resources is refused at the root.
    for args in [&["plan", ".", "--out", "p"][..], &["plan", ".", "--format", "json"], &["apply", ".", "--target", "x"]]
    {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("holds stacks"), "{}", r.stderr);
    }
}
