use super::*;
use crate::analysis::analyze;
use crate::source::Sources;

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
  www A 192.0.2.1
}
"#;

fn plan(address: &str, change: Change) -> ResourcePlan {
    ResourcePlan {
        address: address.into(),
        change,
        attributes: vec![],
        forced_by: vec![],
        unknown: vec![],
        moved_from: None,
    }
}

fn lens_at<'a>(lenses: &'a [Lens], word: &str) -> &'a str {
    let at = STACK.find(word).expect("word in the stack");
    lenses.iter().find(|l| l.span.start == at).map(|l| l.title.as_str()).unwrap_or("(no lens)")
}

#[test]
fn each_declaration_shows_what_the_apply_does_to_it() {
    let a = analyze(&Sources::single("main.drove", STACK));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let mut replace = plan("hosts.web[0]", Change::Replace);
    replace.attributes = vec!["instance_type".into()];
    replace.forced_by = vec!["instance_type".into()];
    let mut update = plan("firewall.web.rules", Change::Update);
    update.attributes = vec!["ingress".into()];
    let mut subnet = plan("network.main.subnet.a", Change::Replace);
    subnet.attributes = vec!["vpc".into()];
    subnet.forced_by = vec!["vpc".into()];
    subnet.unknown = vec!["vpc".into()];
    let view = PlanView {
        resources: vec![
            plan("network.main", Change::NoChange),
            subnet,
            plan("firewall.web", Change::NoChange),
            update,
            replace,
            plan("hosts.web[1]", Change::Create),
            plan("record.www.example.com./A", Change::NoChange),
            plan("hosts.old[0]", Change::Delete),
        ],
        exposure: vec![
            ExposureChange { address: "hosts.web[0]".into(), port: "443/tcp".into(), opened: true },
            ExposureChange { address: "hosts.web[1]".into(), port: "443/tcp".into(), opened: true },
        ],
        ..PlanView::default()
    };
    let lenses = lenses(&a, &view);
    assert_eq!(lens_at(&lenses, "main {"), "no change");
    assert_eq!(lens_at(&lenses, "a {"), "-/+ replace (vpc forces it) (known after apply: vpc)");
    assert_eq!(lens_at(&lenses, "web in"), "rules ~ update ingress · 1 unchanged");
    assert_eq!(
        lens_at(&lenses, "web { role"),
        "2 instances: [0] -/+ replace (instance_type forces it) · [1] + create · ⚠ newly reachable from the internet: 443/tcp"
    );
    assert_eq!(lens_at(&lenses, "www A"), "no change");
    assert_eq!(
        lenses[0].title,
        "plan: 1 to create, 1 to update, 2 to replace, 1 to delete · deletes hosts.old[0] · ⚠ opens 2 ports to the internet"
    );
    assert_eq!(lenses[0].span, 0..0);
}

#[test]
fn moves_and_warnings_land_on_their_declaration() {
    let a = analyze(&Sources::single("main.drove", STACK));
    let mut moved = plan("firewall.web", Change::NoChange);
    moved.moved_from = Some("firewall.front".into());
    let view = PlanView {
        environment: Some("production".into()), // not declared: the stack as written
        resources: vec![moved, plan("firewall.web.rules", Change::NoChange)],
        warnings: vec![
            PlanWarning {
                code: "W0001",
                address: Some("hosts.web[0]".into()),
                message: "refused".into(),
                help: Some("h".into()),
            },
            PlanWarning { code: "W0001", address: None, message: "gone".into(), help: None },
        ],
        ..PlanView::default()
    };
    let lenses = lenses(&a, &view);
    assert_eq!(lens_at(&lenses, "web in"), "moved from firewall.front, no change · 1 unchanged");
    assert_eq!(lenses.iter().filter(|l| l.span == (0..0)).count(), 1, "the summary tops every file");
    assert_eq!(
        lenses[0].title,
        "plan [production]: 0 to create, 0 to update, 0 to replace, 0 to delete, 1 moved · 2 warnings"
    );
    let ds = warnings(&a, &view);
    assert_eq!(&STACK[ds[0].primary.span.clone()], "web");
    assert_eq!(ds[0].primary.span.start, STACK.find("web { role").unwrap());
    assert_eq!(ds[1].primary.span, 0..0);
}

#[test]
fn many_changes_on_one_declaration_are_counted() {
    let a = analyze(&Sources::single("main.drove", STACK));
    let resources = (0..6).map(|i| plan(&format!("hosts.web[{i}]"), Change::Create)).collect();
    let lenses = lenses(&a, &PlanView { resources, ..PlanView::default() });
    assert_eq!(lens_at(&lenses, "web { role"), "6 instances: 6 × + create");
}
