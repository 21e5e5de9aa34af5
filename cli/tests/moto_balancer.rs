#![cfg(feature = "aws")]
//! A balancer end to end through the `drove` binary against moto: the load balancer, its
//! target group with the declared health check and deregistration delay, a listener
//! forwarding to it, every host registered (and healthy before the apply moves on), and
//! the zone's alias pointing at the balancer's DNS name and zone; then a clean second
//! plan, an update in place, and a destroy that leaves nothing.

mod support;

use drove_engine::aws::{aws_sdk_elasticloadbalancingv2 as elb, aws_sdk_route53};
use support::moto::{recorded, Moto};

use support::REGION;

fn stack(delay: &str) -> String {
    stack_of(delay, 2)
}

fn stack_of(delay: &str, count: u32) -> String {
    format!(
        r#"stack shop {{ region = "{REGION}" }}
network main {{
  cidr = 10.0.0.0/16
  subnet public-a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
  subnet public-c {{ cidr = 10.0.2.0/24  zone = c  public = true }}
}}
firewall lb in main {{
  allow tcp 80 from 0.0.0.0/0
}}
firewall app in main {{
  allow tcp 3000 from lb
}}
role app {{
  image    = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type     = t3.micro
  disk     = 16GiB
  firewall = [app]
  drain    = "test ! -s /var/log/td-agent/buffer/*"
}}
hosts app {{ role = app  count = {count}  subnets = [main.public-a, main.public-c] }}
balancer web in main {{
  subnets  = [main.public-a, main.public-c]
  firewall = [lb]
  listen 80 http forward app
  target app {{
    hosts       = [app]
    port        = 3000
    health_path = "/health"
    deregistration_delay = {delay}
  }}
}}
zone "shop.example." {{
  www A alias balancer.web
}}
"#
    )
}

/// `drove ARGS` in `dir` against moto: its exit code and everything it printed.
fn drove(m: &Moto, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balancer_serves_the_hosts_and_the_zone_aliases_it() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| drove(&m, dir.path(), args);
    let conf = m.config(REGION).await;
    let (lbs, r53) = (elb::Client::new(&conf), aws_sdk_route53::Client::new(&conf));

    std::fs::write(&main, stack("30s")).expect("write");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");

    let lb = lbs.describe_load_balancers().names("shop-web").send().await.expect("balancer");
    let lb = lb.load_balancers().first().expect("one balancer").clone();
    assert_eq!(lb.availability_zones().len(), 2);
    assert_eq!(lb.security_groups().len(), 1);
    let groups = lbs.describe_target_groups().names("shop-web-app").send().await.expect("group");
    let group = groups.target_groups().first().expect("one group").clone();
    assert_eq!((group.port(), group.health_check_path()), (Some(3000), Some("/health")));
    let group_arn = group.target_group_arn().expect("arn");
    let attrs = lbs.describe_target_group_attributes().target_group_arn(group_arn).send().await.expect("attrs");
    let delay = |a: &elb::operation::describe_target_group_attributes::DescribeTargetGroupAttributesOutput| {
        a.attributes()
            .iter()
            .find(|x| x.key() == Some("deregistration_delay.timeout_seconds"))
            .and_then(|x| x.value())
            .map(String::from)
    };
    assert_eq!(delay(&attrs).as_deref(), Some("30"));
    let health = lbs.describe_target_health().target_group_arn(group_arn).send().await.expect("health");
    assert_eq!(health.target_health_descriptions().len(), 2, "both hosts registered");
    let listeners = lbs.describe_listeners().load_balancer_arn(lb.load_balancer_arn().expect("arn")).send().await;
    let listener = listeners.expect("listeners").listeners().first().expect("one listener").clone();
    assert_eq!(listener.port(), Some(80));
    assert_eq!(listener.default_actions().first().and_then(|a| a.target_group_arn()), Some(group_arn));

    let zones = r53.list_hosted_zones().send().await.expect("zones");
    let zone = zones.hosted_zones().iter().find(|z| z.name() == "shop.example.").expect("zone").id().to_string();
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.expect("records");
    let www = sets.resource_record_sets().iter().find(|r| r.name() == "www.shop.example.").expect("www");
    let alias = www.alias_target().expect("an alias");
    assert_eq!(alias.dns_name().trim_end_matches('.'), lb.dns_name().expect("dns name").trim_end_matches('.'));
    assert_eq!(Some(alias.hosted_zone_id()), lb.canonical_hosted_zone_id());

    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "no changes after apply:\n{out}");

    std::fs::write(&main, stack("1m")).expect("write");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("balancer.web.target.app") && !out.contains("must be replaced"), "{out}");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let attrs = lbs.describe_target_group_attributes().target_group_arn(group_arn).send().await.expect("attrs");
    assert_eq!(delay(&attrs).as_deref(), Some("60"));

    let (code, out) = run(&["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let left = lbs.describe_load_balancers().send().await.expect("balancers");
    assert!(left.load_balancers().is_empty(), "the balancer is gone");
    let left = lbs.describe_target_groups().send().await.expect("groups");
    assert!(left.target_groups().is_empty(), "the target group is gone");
}

/// `drove replace` of a host behind the balancer, in the seed's order: the new instance
/// launched and registered (healthy), the old one deregistered (its delay waited out),
/// then drained on the host through SSM, then terminated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_host_is_registered_before_its_predecessor_leaves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recording = dir.path().join("moto.jsonl");
    let Some(m) = Moto::start_recording(&recording) else { return };
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| drove(&m, dir.path(), args);
    std::fs::write(&main, stack_of("5s", 1)).expect("write");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let before = recorded(&recording).len();

    let (code, out) = run(&["replace", "hosts.app[0]", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let calls: Vec<String> = recorded(&recording)
        .split_off(before)
        .into_iter()
        .map(|(action, _)| action)
        .filter(|a| {
            ["RunInstances", "RegisterTargets", "DeregisterTargets", "SendCommand", "TerminateInstances"]
                .contains(&a.as_str())
        })
        .collect();
    assert_eq!(
        calls,
        ["RunInstances", "RegisterTargets", "DeregisterTargets", "SendCommand", "TerminateInstances"],
        "{out}"
    );
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "nothing left after the replacement:\n{out}");
}
