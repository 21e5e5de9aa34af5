use super::{to_dot, to_mermaid};
use crate::model::{reference, DesiredState, Resource, Spec, StackInfo, StateBackend};
use serde_json::json;

/// A resource of `kind` with the attributes the drawing looks at; the rest are filler.
fn res(address: &str, kind: &str, attributes: serde_json::Value, depends_on: &[&str]) -> Resource {
    let none = serde_json::Value::Null;
    let id = reference("x", "id");
    let mut full = match kind {
        "ec2.vpc" => {
            json!({"cidr": "10.0.0.0/16", "enable_dns_support": true, "enable_dns_hostnames": true, "tags": {}})
        }
        "ec2.subnet" => {
            json!({"vpc": id, "cidr": "", "availability_zone": "", "map_public_ip_on_launch": false, "tags": {}})
        }
        "ec2.internet_gateway" => json!({"vpc": id, "tags": {}}),
        "ec2.security_group" => json!({"vpc": id, "name": "", "description": "", "tags": {}}),
        "ec2.security_group_rules" => json!({"group": id, "ingress": [], "egress": none}),
        "ec2.instance" => json!({"role": "", "image": none, "instance_type": none, "subnet": id, "security_groups": [],
            "private_ip": none, "associate_public_ip": false, "root_volume": {"size_gib": 8, "encrypted": true},
            "imdsv2_required": true, "user_data": none, "tags": {}}),
        "route53.hosted_zone" => json!({"name": "", "comment": none, "private_vpcs": [], "tags": {}}),
        "route53.record_set" => json!({"zone": id, "name": "", "type": "A", "ttl": 300, "values": []}),
        "route53.health_check" => json!({"type": "HTTPS", "fqdn": none, "ip": none, "port": 443, "resource_path": "/",
            "request_interval": 30, "failure_threshold": 3}),
        other => panic!("no filler for {other}"),
    };
    for (k, v) in attributes.as_object().expect("an object") {
        full[k] = v.clone();
    }
    let mut r = Resource::new(address, Spec::from_attributes(kind, full).expect("attributes fit"));
    r.depends_on = depends_on.iter().map(|s| s.to_string()).collect();
    r
}

/// A network with one subnet, a firewall, two instances (one protected), a zone with a
/// record filled from the instances, and a health check outside every cluster.
fn state() -> DesiredState {
    let vpc = "network.main";
    let subnet = "network.main.subnet.public-a";
    let mut db = res(
        "host.db",
        "ec2.instance",
        json!({ "subnet": reference(subnet, "id"), "security_groups": [reference("firewall.web", "id")] }),
        &[subnet],
    );
    db.protect = true;
    DesiredState {
        stack: StackInfo {
            name: "reservation".into(),
            region: "ap-northeast-1".into(),
            state: StateBackend::Local { path: "drove.state.json".into() },
            tags: Default::default(),
            max_delete: 0.25,
            max_zone_delete: 0.5,
            recipients: Vec::new(),
            ignore_tags: Vec::new(),
            environment: None,
        },
        resources: vec![
            res(vpc, "ec2.vpc", json!({ "cidr": "10.0.0.0/16" }), &[]),
            res(subnet, "ec2.subnet", json!({ "vpc": reference(vpc, "id") }), &[vpc]),
            res("network.main.internet_gateway", "ec2.internet_gateway", json!({ "vpc": reference(vpc, "id") }), &[]),
            res("firewall.web", "ec2.security_group", json!({ "vpc": reference(vpc, "id") }), &[vpc]),
            res(
                "firewall.web.rules",
                "ec2.security_group_rules",
                json!({ "group": reference("firewall.web", "id") }),
                &[],
            ),
            res(
                "hosts.app[0]",
                "ec2.instance",
                json!({ "subnet": reference(subnet, "id") }),
                &[subnet, "firewall.web"],
            ),
            db,
            res("zone.acme.example.", "route53.hosted_zone", json!({ "name": "acme.example." }), &[]),
            res(
                "record.app.acme.example./A",
                "route53.record_set",
                json!({ "zone": reference("zone.acme.example.", "id"), "values": [reference("hosts.app[0]", "public_ip")] }),
                &["zone.acme.example."],
            ),
            res("healthcheck.web", "route53.health_check", json!({ "fqdn": "www.acme.example." }), &[]),
        ],
        moves: Vec::new(),
        uses: Vec::new(),
    }
}

#[test]
fn dot_nests_networks_subnets_and_zones() {
    let want = r#"digraph "stack reservation" {
  rankdir = LR
  node [shape = box, fontname = "Helvetica"]
  edge [fontname = "Helvetica"]
  "healthcheck.web" [label = "healthcheck.web\nroute53.health_check"]
  subgraph cluster_0 {
    label = "network main"
    "network.main" [label = "network.main\nec2.vpc"]
    "network.main.internet_gateway" [label = "network.main.internet_gateway\nec2.internet_gateway"]
    "firewall.web" [label = "firewall.web\nec2.security_group"]
    "firewall.web.rules" [label = "firewall.web.rules\nec2.security_group_rules"]
    subgraph cluster_2 {
      label = "subnet public-a"
      "network.main.subnet.public-a" [label = "network.main.subnet.public-a\nec2.subnet"]
      "hosts.app[0]" [label = "hosts.app[0]\nec2.instance"]
      "host.db" [label = "host.db\nec2.instance", style = bold]
    }
  }
  subgraph cluster_1 {
    label = "zone acme.example."
    "zone.acme.example." [label = "zone.acme.example.\nroute53.hosted_zone"]
    "record.app.acme.example./A" [label = "record.app.acme.example./A\nroute53.record_set"]
  }
  "network.main.subnet.public-a" -> "network.main"
  "network.main.internet_gateway" -> "network.main"
  "firewall.web" -> "network.main"
  "firewall.web.rules" -> "firewall.web"
  "hosts.app[0]" -> "network.main.subnet.public-a"
  "hosts.app[0]" -> "firewall.web"
  "host.db" -> "network.main.subnet.public-a"
  "host.db" -> "firewall.web"
  "record.app.acme.example./A" -> "zone.acme.example."
  "record.app.acme.example./A" -> "hosts.app[0]"
}
"#;
    assert_eq!(to_dot(&state()), want);
}

#[test]
fn mermaid_has_the_same_shape() {
    let want = r#"flowchart LR
  n9["healthcheck.web<br/>route53.health_check"]
  subgraph c0["network main"]
    n0["network.main<br/>ec2.vpc"]
    n2["network.main.internet_gateway<br/>ec2.internet_gateway"]
    n3["firewall.web<br/>ec2.security_group"]
    n4["firewall.web.rules<br/>ec2.security_group_rules"]
    subgraph c2["subnet public-a"]
      n1["network.main.subnet.public-a<br/>ec2.subnet"]
      n5["hosts.app[0]<br/>ec2.instance"]
      n6["host.db<br/>ec2.instance"]
    end
  end
  subgraph c1["zone acme.example."]
    n7["zone.acme.example.<br/>route53.hosted_zone"]
    n8["record.app.acme.example./A<br/>route53.record_set"]
  end
  n1 --> n0
  n2 --> n0
  n3 --> n0
  n4 --> n3
  n5 --> n1
  n5 --> n3
  n6 --> n1
  n6 --> n3
  n8 --> n7
  n8 --> n5
  style n6 stroke-width:3px
"#;
    assert_eq!(to_mermaid(&state()), want);
}

#[test]
fn labels_are_escaped_and_unknown_references_dropped() {
    let mut s = state();
    s.resources.truncate(1);
    s.resources[0].address = "network.\"odd\"#<x>".into();
    s.resources[0].depends_on = vec!["network.gone".into()];
    let dot = to_dot(&s);
    assert!(dot.contains(r##""network.\"odd\"#<x>" [label = "network.\"odd\"#<x>\nec2.vpc"]"##), "{dot}");
    assert!(!dot.contains("->"), "{dot}");
    let mermaid = to_mermaid(&s);
    assert!(mermaid.contains("n0[\"network.#quot;odd#quot;#35;#lt;x#gt;<br/>ec2.vpc\"]"), "{mermaid}");
    assert!(!mermaid.contains("-->"), "{mermaid}");
}

#[test]
fn an_empty_stack_is_an_empty_graph() {
    let mut s = state();
    s.resources.clear();
    assert_eq!(to_mermaid(&s), "flowchart LR\n");
    assert!(to_dot(&s).ends_with("edge [fontname = \"Helvetica\"]\n}\n"));
}
