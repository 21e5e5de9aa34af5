use super::*;
use crate::analysis::analyze;
use crate::source::Sources;
use serde_json::json;

const STACK: &str = r#"stack s { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a }
}
firewall web in main {
  allow tcp 443 from 0.0.0.0/0
}
role web { image = image("base-*")  type = t3.micro  firewall = [web] }
hosts web { role = web  count = 2  subnets = [main.a] }
zone "example.com." {
  www     A  192.0.2.1
  app 60  A  hosts.web.private_ip
}
"#;

fn drift(address: &str, kind: &str, attributes: Vec<(&str, Value, Value)>) -> Drift {
    Drift {
        address: address.into(),
        kind: kind.into(),
        gone: false,
        attributes: attributes
            .into_iter()
            .map(|(n, recorded, live)| DriftedAttribute { name: n.into(), recorded, live })
            .collect(),
    }
}

fn applied(fix: &crate::diag::Fix) -> String {
    let mut text = STACK.to_string();
    text.replace_range(fix.span.clone(), &fix.replacement);
    text
}

fn view(drifts: Vec<Drift>) -> DriftView {
    DriftView { environment: None, code: "W0001", drifts, checked: 10 }
}

#[test]
fn drift_lands_on_its_declaration_with_an_adopting_fix() {
    let a = analyze(&Sources::single("main.drove", STACK));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let v = view(vec![
        drift(
            "record.www.example.com./A",
            "route53.record_set",
            vec![("values", json!(["192.0.2.1"]), json!(["192.0.2.9"]))],
        ),
        drift("hosts.web[1]", "ec2.instance", vec![("instance_type", json!("t3.micro"), json!("t3.large"))]),
        drift(
            "firewall.web.rules",
            "ec2.security_group_rules",
            vec![(
                "ingress",
                json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}]),
                json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"},
                       {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "203.0.113.0/24"}]),
            )],
        ),
    ]);
    let ds = diagnostics(&a, &v, |_| false);
    assert_eq!(ds.len(), 3);
    assert_eq!(&STACK[ds[0].primary.span.clone()], "www     A  192.0.2.1");
    assert!(ds[0].message.contains("values was [\"192.0.2.1\"], is [\"192.0.2.9\"]"), "{}", ds[0].message);
    assert!(applied(&ds[0].fixes[0]).contains("www     A  192.0.2.9\n"));
    assert_eq!(ds[1].primary.span.start, STACK.find("web { role").unwrap());
    assert!(applied(&ds[1].fixes[0]).contains("type = t3.large"), "{:?}", ds[1].fixes);
    assert_eq!(ds[1].fixes[0].title, "adopt t3.large into the type of role `web` (all its hosts)");
    let adopted = applied(&ds[2].fixes[0]);
    assert!(adopted.contains("  allow tcp 443 from 0.0.0.0/0\n  allow tcp 22 from 203.0.113.0/24\n}"), "{adopted}");
    let reparsed = analyze(&Sources::single("main.drove", &adopted));
    assert!(!reparsed.has_errors(), "{:?}", reparsed.diagnostics);
}

#[test]
fn what_the_source_does_not_say_in_one_place_has_no_fix() {
    let a = analyze(&Sources::single("main.drove", STACK));
    let v = view(vec![
        drift(
            "record.app.example.com./A",
            "route53.record_set",
            vec![("values", json!(["10.0.1.5"]), json!(["10.0.1.6"]))],
        ),
        drift("network.main", "ec2.vpc", vec![("tags", json!({}), json!({"team": "x"}))]),
        Drift { address: "hosts.gone[0]".into(), kind: "ec2.instance".into(), gone: true, attributes: vec![] },
    ]);
    let ds = diagnostics(&a, &v, |a| a == "network.main");
    assert_eq!(ds.len(), 2, "a dismissed drift is left out");
    assert!(ds.iter().all(|d| d.fixes.is_empty()));
    assert_eq!(ds[1].primary.span, 0..0);
    assert!(ds[1].message.contains("deleted outside drove"));
}

#[test]
fn a_changed_ttl_is_written_before_the_type() {
    let a = analyze(&Sources::single("main.drove", STACK));
    let v = view(vec![drift("record.www.example.com./A", "route53.record_set", vec![("ttl", json!(300), json!(60))])]);
    let ds = diagnostics(&a, &v, |_| false);
    assert!(applied(&ds[0].fixes[0]).contains("www     60 A 192.0.2.1\n"), "{}", applied(&ds[0].fixes[0]));
}
