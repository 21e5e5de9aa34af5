use super::*;
use crate::source::Sources;

const STACK: &str = r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24   zone = a  public = true  nat = true }
  subnet public-c  { cidr = 10.0.2.0/24   zone = c  public = true }
  subnet private-a { cidr = 10.0.11.0/24  zone = a }
}
let office = 198.51.100.0/24
firewall lb in main {
  allow tcp 443 from 0.0.0.0/0
}
firewall web in main {
  allow tcp 80 from lb
  allow tcp 22 from office
}
firewall db in main {
  allow tcp 3306 from web
}
firewall bastion in main {
  allow tcp 22 from 0.0.0.0/0
}
role web {
  image    = image("base-*")
  type     = t3.micro
  firewall = [web]
}
role db {
  image    = image("base-*")
  type     = t3.micro
  firewall = [db]
}
role bastion {
  image     = image("base-*")
  type      = t3.micro
  firewall  = [bastion]
  public_ip = true
}
hosts web { role = web  count = 2  subnets = [main.private-a] }
host db { role = db  subnet = main.private-a }
host jump { role = bastion  subnet = main.public-a }
balancer front in main {
  subnets     = [main.public-a, main.public-c]
  firewall    = [lb]
  certificate = "arn:aws:acm:ap-northeast-1:123456789012:certificate/abc"
  listen 443 https forward web
  target web { hosts = [web]  port = 80 }
}
"#;

fn model() -> (Model, Links) {
    let a = crate::analyze(&Sources::single("t.drove", STACK.to_string()));
    assert!(a.diagnostics.iter().all(|d| d.severity != crate::diag::Severity::Error), "{:?}", a.diagnostics);
    of_desired(&crate::compile::compile(&a).expect("compiles"))
}

fn ask(src: &str, dst: &str) -> Answer {
    let (m, l) = model();
    let (s, _) = parse(src, &m).expect("source");
    let (d, p) = parse(dst, &m).expect("destination");
    reach(&m, &l, &s, &d, p)
}

#[test]
fn the_internet_reaches_private_hosts_through_the_balancer_only() {
    let a = ask("internet", "hosts.web:80");
    assert!(a.reachable, "{a:#?}");
    let steps = a.verdicts[0].steps.join("\n");
    assert!(steps.contains("firewall lb allows tcp 443 from 0.0.0.0/0"), "{steps}");
    assert!(steps.contains("listener 443 forwards to target web on port 80"), "{steps}");
    assert!(steps.contains("firewall web allows tcp 80 from firewall lb"), "{steps}");

    let a = ask("internet", "hosts.web:22");
    assert!(!a.reachable);
    assert!(a.verdicts[0].blocked.as_deref().unwrap_or("").contains("no route to an internet gateway"), "{a:#?}");
}

#[test]
fn firewalls_decide_inside_the_network() {
    assert!(ask("hosts.web", "host.db:3306").reachable);
    let a = ask("host.jump", "host.db:3306");
    assert!(!a.reachable);
    assert_eq!(a.verdicts[0].blocked.as_deref(), Some("no firewall of host.db allows 3306/tcp from host.jump"));
    assert!(!ask("198.51.100.7", "hosts.web:22").reachable, "the office is outside the network");
    assert!(!ask("10.0.1.0/24", "host.db:3306").reachable);
}

#[test]
fn hosts_reach_out_through_their_gateway_or_nat() {
    let a = ask("hosts.web", "internet:443");
    assert!(a.reachable, "{a:#?}");
    assert!(a.verdicts[0].steps[0].contains("through the NAT gateway in network.main.subnet.public-a"), "{a:#?}");
    let a = ask("host.jump", "internet:443");
    assert!(a.verdicts[0].steps[0].contains("public address"), "{a:#?}");
}

#[test]
fn exposed_lists_what_the_internet_reaches() {
    let (m, l) = model();
    let e: Vec<(String, u16)> = exposed(&m, &l).into_iter().map(|e| (e.destination, e.port)).collect();
    assert_eq!(
        e,
        [
            ("balancer.front".to_string(), 443),
            ("host.jump".to_string(), 22),
            ("hosts.web[0]".to_string(), 80),
            ("hosts.web[1]".to_string(), 80),
        ]
    );
}

#[test]
fn endpoints_are_read_or_refused_with_a_reason() {
    let (m, _) = model();
    assert!(parse("hosts.wbe:80", &m).unwrap_err().contains("did you mean `hosts.web`"));
    assert!(parse("internet:http", &m).is_err());
    assert!(parse("hosts.web:53/udp", &m).is_ok_and(|(_, p)| p == Some(Port { port: 53, protocol: "udp" })));
    assert!(parse("role.db", &m).is_ok());
    assert!(parse("nonsense", &m).is_err());
}

proptest::proptest! {
    /// Whatever the user types as an endpoint, and whichever two endpoints are asked
    /// about, the answer is an answer or a reason, never a panic.
    #[test]
    fn any_endpoint_text_is_answered_or_refused(a in "\\PC{0,24}", b in "(internet|hosts\\.web|host\\.db|host\\.jump|role\\.web|balancer\\.front|10\\.0\\.0\\.0/8|\\PC{0,8})(:[0-9]{0,6}(/(tcp|udp|x))?)?") {
        let (m, l) = model();
        if let (Ok((s, _)), Ok((d, p))) = (parse(&a, &m).or_else(|_| parse("internet", &m)), parse(&b, &m)) {
            let answer = reach(&m, &l, &s, &d, p);
            proptest::prop_assert_eq!(answer.reachable, !answer.verdicts.is_empty() && answer.verdicts.iter().all(|v| v.reachable));
        }
    }
}
