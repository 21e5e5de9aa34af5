#![cfg(feature = "aws")]
//! The reviewed plan, and nothing else, is applied: a saved plan records its stack's
//! sources, and `drove apply PLANFILE` refuses it (E0317), touching neither AWS nor the
//! state, once a `*.drove` file or a file it embeds changed, was added or removed; the
//! same plan with its sources as they were applies. An older plan format is refused with
//! the way out.

mod support;

use drove_engine::aws::aws_sdk_route53;
use support::moto::Moto;
use support::REGION;

const STACK: &str = "stack shop { region = \"ap-northeast-1\" }\n";
const DNS: &str = "zone \"shop.example.\" {\n  www  300  A  198.51.100.7\n}\n";

async fn zones(m: &Moto) -> Vec<String> {
    let r53 = aws_sdk_route53::Client::new(&m.config(REGION).await);
    let listed = r53.list_hosted_zones().send().await.expect("ListHostedZones");
    listed.hosted_zones().iter().map(|z| z.name().to_string()).collect()
}

#[test]
fn a_saved_plan_applies_only_under_the_sources_it_was_made_from() {
    let Some(m) = Moto::start() else { return };
    let rt = support::runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = dir.path().join("stacks/shop");
    std::fs::create_dir_all(&stack).expect("mkdir");
    std::fs::write(stack.join("stack.drove"), STACK).expect("write");
    std::fs::write(stack.join("dns.drove"), DNS).expect("write");
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    let r = run(&["plan", "stacks/shop", "--out", "shop.plan"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("shop.plan")).expect("plan")).expect("json");
    assert_eq!(saved["format"], 3);
    assert_eq!(saved["stack_path"], "stacks/shop");
    let files = saved["sources"]["files"].as_object().expect("the plan records its sources");
    assert_eq!(files.keys().collect::<Vec<_>>(), ["dns.drove", "stack.drove"]);
    assert!(saved["sources"]["digest"].as_str().is_some_and(|d| d.starts_with("sha256:")), "{saved}");

    // An edit after the plan: refused, naming the file, nothing applied.
    std::fs::write(stack.join("dns.drove"), DNS.replace("198.51.100.7", "198.51.100.8")).expect("write");
    let r = run(&["apply", "shop.plan", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("error[E0317]") && r.stderr.contains("dns.drove (changed)"), "{}", r.stderr);
    assert!(!r.stderr.contains("stack.drove"), "only what changed is named: {}", r.stderr);
    assert!(rt.block_on(zones(&m)).is_empty(), "nothing was created");
    assert!(!stack.join("drove.state.json").exists(), "no state was written");

    // A file added beside them is a source too; one removed is named as removed.
    std::fs::write(stack.join("dns.drove"), DNS).expect("write");
    std::fs::write(stack.join("more.drove"), "# nothing yet\n").expect("write");
    std::fs::rename(stack.join("stack.drove"), stack.join("main.drove")).expect("mv");
    let r = run(&["apply", "shop.plan", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for named in ["main.drove (added)", "more.drove (added)", "stack.drove (removed)"] {
        assert!(r.stderr.contains(named), "{named}: {}", r.stderr);
    }
    std::fs::remove_file(stack.join("more.drove")).expect("rm");
    std::fs::rename(stack.join("main.drove"), stack.join("stack.drove")).expect("mv");

    // The stack path is taken from the current directory, as the plan was made.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    let r = support::drove(&m, &elsewhere, &["apply", "../shop.plan", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0317") && r.stderr.contains("not here"), "{}", r.stderr);
    assert!(rt.block_on(zones(&m)).is_empty(), "nothing was created");

    // The sources as reviewed: the plan applies.
    let r = run(&["apply", "shop.plan", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(rt.block_on(zones(&m)), ["shop.example."]);

    // A plan from before plans recorded their sources.
    let mut old = saved.clone();
    old["format"] = 2.into();
    old.as_object_mut().expect("object").remove("sources");
    std::fs::write(dir.path().join("old.plan"), old.to_string()).expect("write");
    let r = run(&["apply", "old.plan", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0300") && r.stderr.contains("plan format 2"), "{}", r.stderr);
    assert!(r.stderr.contains("does not record the sources"), "{}", r.stderr);
}

#[test]
fn a_file_the_stack_embeds_is_one_of_its_sources() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = dir.path().join("stack");
    std::fs::create_dir_all(stack.join("files")).expect("mkdir");
    std::fs::write(stack.join("files/motd"), "Managed by drove.\n").expect("write");
    std::fs::write(
        stack.join("main.drove"),
        r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}
role app {
  image = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type  = t3.micro
  disk  = 16GiB
  provision {
    file "/etc/motd" = file("files/motd")
  }
}
hosts app { role = app  count = 1  subnets = [main.public-a] }
"#,
    )
    .expect("write");
    let run = |args: &[&str]| support::drove(&m, dir.path(), args);

    let r = run(&["plan", "stack", "--out", "tfplan"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    std::fs::write(stack.join("files/motd"), "Managed by someone else.\n").expect("write");
    let r = run(&["apply", "tfplan", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("E0317") && r.stderr.contains("files/motd (changed)"), "{}", r.stderr);
    assert!(!stack.join("drove.state.json").exists(), "nothing applied");
}
