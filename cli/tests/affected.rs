//! `drove affected --since REF` in a real git repository of three stacks, network ← app ←
//! dns (each uses the one before): a change in the network affects all three, in the
//! order they apply; one in dns affects dns alone; an untracked file counts, and so does
//! an edit not yet committed; a deleted stack is reported removed; a bad ref is exit 2
//! with git's own words.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NETWORK: &str = r#"stack network { region = "ap-northeast-1" }

environment staging {
  tags = { env = "staging" }
}

environment production {
  tags = { env = "production" }
}

network main {
  cidr = 10.20.0.0/16
  subnet public-a { cidr = 10.20.1.0/24  zone = a  public = true }
}
"#;

const APP: &str = r#"stack app { region = "ap-northeast-1" }

use net = "../network"

firewall web in net.main {
  allow tcp 443 from 0.0.0.0/0
}
"#;

const DNS: &str = r#"stack dns { region = "ap-northeast-1" }

use app = "../app"

zone "shop.example." {
  www  300  A  198.51.100.7
}
"#;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository with the three stacks committed on `main`, and a branch `change` checked out.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    for (stack, text) in [("network", NETWORK), ("app", APP), ("dns", DNS)] {
        std::fs::create_dir_all(root.join(stack)).expect("mkdir");
        std::fs::write(root.join(stack).join("stack.drove"), text).expect("write");
    }
    std::fs::write(root.join("README.md"), "stacks\n").expect("write");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "three stacks"]);
    git(root, &["checkout", "-q", "-b", "change"]);
    dir
}

fn commit(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", message]);
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn affected(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_drove"))
        .arg("affected")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("drove runs");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn lines(r: &Run) -> Vec<&str> {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.stdout.lines().collect()
}

#[test]
fn a_change_in_the_network_affects_everything_that_uses_it_in_order() {
    let dir = repository();
    let root = dir.path();
    std::fs::write(root.join("network/stack.drove"), NETWORK.replace("10.20.1.0/24", "10.20.3.0/24")).expect("write");
    commit(root, "move the subnet");
    assert_eq!(lines(&affected(root, &["--since", "main"])), ["network", "app", "dns"]);

    let r = affected(root, &["--since", "main", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(doc["since"], "main");
    let stacks = doc["stacks"].as_array().expect("stacks");
    assert_eq!(stacks.len(), 3);
    assert_eq!(stacks[0]["path"], "network");
    assert_eq!(stacks[0]["name"], "network");
    assert_eq!(stacks[0]["environments"], serde_json::json!(["staging", "production"]));
    assert_eq!(stacks[0]["reason"], "changed");
    assert_eq!(stacks[1]["path"], "app");
    assert_eq!(stacks[1]["environments"], serde_json::json!([]));
    assert_eq!(stacks[1]["reason"], "uses network");
    assert_eq!(stacks[2]["reason"], "uses app");

    // From a subdirectory, the whole repository is read all the same (dns is affected
    // through the network it never names), and the stacks under it are listed.
    assert_eq!(lines(&affected(&root.join("dns"), &["--since", "main"])), ["dns"]);
}

#[test]
fn a_change_in_dns_affects_dns_alone_and_files_outside_stacks_nothing() {
    let dir = repository();
    let root = dir.path();
    std::fs::write(root.join("dns/stack.drove"), DNS.replace("198.51.100.7", "198.51.100.8")).expect("write");
    std::fs::write(root.join("README.md"), "three stacks\n").expect("write");
    commit(root, "new address");
    assert_eq!(lines(&affected(root, &["--since", "main"])), ["dns"]);
    // main moved on meanwhile: only what the branch changed since it forked counts.
    git(root, &["checkout", "-q", "main"]);
    std::fs::write(root.join("network/notes.txt"), "on main\n").expect("write");
    commit(root, "on main");
    git(root, &["checkout", "-q", "change"]);
    assert_eq!(lines(&affected(root, &["--since", "main"])), ["dns"]);
}

#[test]
fn untracked_and_uncommitted_files_count_and_ignored_ones_do_not() {
    let dir = repository();
    let root = dir.path();
    assert!(lines(&affected(root, &["--since", "main"])).is_empty(), "nothing changed yet");
    std::fs::create_dir(root.join("app/files")).expect("mkdir");
    std::fs::write(root.join("app/files/nginx.conf"), "events {}\n").expect("write");
    assert_eq!(lines(&affected(root, &["--since", "main"])), ["app", "dns"]);
    let r = affected(root, &["--since", "main", "--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(doc["stacks"][0]["reason"], "changed");
    assert_eq!(doc["stacks"][1]["reason"], "uses app");

    std::fs::remove_dir_all(root.join("app/files")).expect("rm");
    std::fs::write(root.join(".gitignore"), "*.state.json\n").expect("write");
    git(root, &["add", ".gitignore"]);
    git(root, &["commit", "-q", "-m", "ignore states"]);
    std::fs::write(root.join("network/drove.state.json"), "{}\n").expect("write");
    assert!(lines(&affected(root, &["--since", "HEAD"])).is_empty(), "ignored files are no change");
    // Staged, not committed.
    std::fs::write(root.join("network/stack.drove"), NETWORK.replace("10.20.0.0/16", "10.30.0.0/16")).expect("write");
    git(root, &["add", "network/stack.drove"]);
    assert_eq!(lines(&affected(root, &["--since", "HEAD"])), ["network", "app", "dns"]);
}

#[test]
fn a_deleted_stack_is_reported_removed() {
    let dir = repository();
    let root = dir.path();
    std::fs::create_dir(root.join("old")).expect("mkdir");
    std::fs::write(root.join("old/stack.drove"), "stack old { region = \"ap-northeast-1\" }\n").expect("write");
    commit(root, "old stack");
    git(root, &["branch", "-f", "main"]);
    std::fs::remove_dir_all(root.join("old")).expect("rm");
    commit(root, "drop the old stack");
    let r = affected(root, &["--since", "main"]);
    assert!(lines(&r).is_empty(), "nothing to plan: {}", r.stdout);
    assert!(r.stderr.contains("old: removed"), "{}", r.stderr);
    let r = affected(root, &["--since", "main", "--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        doc["stacks"],
        serde_json::json!([{"path": "old", "name": null, "environments": [], "reason": "removed"}])
    );
}

#[test]
fn a_bad_ref_is_a_usage_error_with_gits_message() {
    let dir = repository();
    let r = affected(dir.path(), &["--since", "no-such-branch"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no-such-branch"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    let outside = tempfile::tempdir().expect("temp dir");
    let r = affected(outside.path(), &["--since", "main"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not inside a git repository"), "{}", r.stderr);
}

#[test]
fn all_lists_every_stack_in_order() {
    let dir = repository();
    assert_eq!(lines(&affected(dir.path(), &["--all"])), ["network", "app", "dns"]);
    let r = affected(dir.path(), &["--all", "--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(doc["stacks"][2]["reason"], "all");
    let r = affected(dir.path(), &[]);
    assert_eq!(r.code, 2, "--since or --all is required: {}", r.stderr);
}
