use crate::diag::{Diagnostic, Sink};

fn run(text: &str) -> Vec<Diagnostic> {
    let (file, parse) = crate::syntax::parse(0, text);
    assert!(parse.is_empty(), "{parse:#?}");
    let mut sink = Sink::default();
    let stack = crate::lower::lower(&[file], &mut sink);
    assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
    super::check(&stack, &mut sink);
    sink.diagnostics
}

/// Codes in sorted order: the order checks run in is not part of the contract.
fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<_> = d.iter().map(|d| d.code).collect();
    c.sort_unstable();
    c
}

fn find<'d>(d: &'d [Diagnostic], code: &str) -> &'d Diagnostic {
    d.iter().find(|x| x.code == code).unwrap_or_else(|| panic!("no {code} in {d:#?}"))
}

fn text<'t>(src: &'t str, d: &Diagnostic) -> &'t str {
    &src[d.primary.span.clone()]
}

#[test]
fn clean_zone() {
    let src = r#"
network main { cidr = 10.0.0.0/16  subnet a { cidr = 10.0.1.0/24  zone = a  public = true } }
role app { image = image("base-*")  type = t3.micro  public_ip = true }
hosts app { role = app  count = 2  subnets = [main.a] }
zone "acme.example." {
  @ 300 A 54.64.225.166
  www CNAME acme.example.
  app 60 A hosts.app.public_ip
  @ MX 10 mx1, 20 mx2
  mx1 A 192.0.2.1
  mx2 A 192.0.2.2
  api 60 A 192.0.2.10 { set = "blue" weight = 90 health = web }
  api 60 A 192.0.2.20 { set = "green" weight = 10 }
  cdn A alias d111111abcdef8.cloudfront.net.
  apex AAAA 2001:db8::1
  top AAAA alias apex
}
zone "inside.acme.example." { private = [main]  db A 10.0.0.5 }
healthcheck web { type = https  host = www.acme.example. }
"#;
    let d = run(src);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn zone_rules() {
    let src = r#"
zone "acme.example." {
  @ CNAME www
  www A 192.0.2.1
  www CNAME other.example.
  x.other.example. A 192.0.2.1
  d A 192.0.2.1, 192.0.2.1
  t 60 A 192.0.2.2
  t 120 A 192.0.2.3
  p A 10.1.2.3
  @ NS ns1.example.net.
  m MX 10 nowhere
  host.acme.example A 192.0.2.9
}
"#;
    let d = run(src);
    assert_eq!(
        codes(&d),
        ["E0275", "E0276", "E0277", "E0277", "E0278", "E0279", "E0294", "W0020", "W0022", "W0023"],
        "{d:#?}"
    );
    assert_eq!(text(src, find(&d, "E0275")), "x.other.example.");
    let dup = find(&d, "E0278");
    assert_eq!((text(src, dup), dup.primary.span.start), ("192.0.2.1", src.find("192.0.2.1, 192.0.2.1").unwrap() + 11));
    assert_eq!(dup.secondary[0].message, "first declared here");
    assert_eq!(text(src, find(&d, "E0277")), "CNAME");
    assert_eq!(find(&d, "W0023").fixes[0].replacement, "host.acme.example.");
    assert_eq!(text(src, find(&d, "W0022")), "10 nowhere");
    assert_eq!(text(src, find(&d, "E0279")), "120");
}

#[test]
fn routing_rules() {
    let src = r#"
zone "acme.example." {
  w A 192.0.2.1 { set = "a" weight = 1 }
  w A 192.0.2.2
  f A 192.0.2.1 { set = "p" failover = primary }
  g A 192.0.2.1 { set = "x" country = jp }
  g A 192.0.2.2 { set = "y" continent = XX }
  g A 192.0.2.3 { set = "z" region = ap-northeast-1 }
  l A 192.0.2.1 { set = "t" region = ap-northeest-1 }
  c CNAME x { set = "m" multivalue = true }
  s A 192.0.2.1 { weight = 5 }
  h A 192.0.2.1 { set = "h" weight = 5 health = webb }
}
healthcheck web { type = tcp port = 80 ip = 192.0.2.1 }
"#;
    let d = run(src);
    assert_eq!(
        codes(&d),
        ["E0100", "E0282", "E0282", "E0284", "E0286", "E0287", "E0287", "E0288", "E0289", "W0021", "W0022"],
        "{d:#?}"
    );
    assert_eq!(find(&d, "E0287").fixes[0].replacement, "JP");
    assert_eq!(find(&d, "E0288").fixes[0].replacement, "ap-northeast-1");
    assert_eq!(find(&d, "E0100").fixes[0].replacement, "web");
    assert_eq!(text(src, find(&d, "E0286")), "primary");
}

#[test]
fn alias_rules() {
    let src = r#"
zone "acme.example." {
  a A alias wwww
  www A 192.0.2.1
  b A alias lb.example.net.
  c TXT alias d3.cloudfront.net.
  s A alias site.s3-website-ap-northeast-1.amazonaws.com.
  e A alias lb.example.net. { zone_id = "Z14GRHDCWA56QT" }
}
"#;
    let d = run(src);
    assert_eq!(codes(&d), ["E0290", "E0291", "E0293"], "{d:#?}");
    assert_eq!(find(&d, "E0290").fixes[0].replacement, "www");
    assert_eq!(text(src, find(&d, "E0291")), "lb.example.net.");
}

#[test]
fn healthcheck_rules() {
    let src = r#"
zone "acme.example." { a A 192.0.2.1 { set = "a" failover = primary health = t }  a A 192.0.2.2 { set = "b" failover = secondary health = t } }
healthcheck t { type = tcp  path = "/x" }
healthcheck t { type = http  ip = 10.0.0.1  path = "health" }
"#;
    let d = run(src);
    assert_eq!(codes(&d), ["E0101", "E0295", "E0295", "E0296", "E0296", "E0296"], "{d:#?}");
}

#[test]
fn duplicate_zones_and_private_networks() {
    let src = r#"
network main { cidr = 10.0.0.0/16 }
zone "acme.example." { }
zone "acme.example." { }
zone "acme.example." { private = [mian] }
"#;
    let d = run(src);
    assert_eq!(codes(&d), ["E0100", "E0297"], "{d:#?}");
    assert_eq!(find(&d, "E0100").fixes[0].replacement, "main");
}

#[test]
fn record_sets_gather_lines_written_apart() {
    let src = r#"
hosts app { role = r  count = 1 }
zone "acme.example." {
  mx 300 MX 10 MAIL
  other A 192.0.2.7
  mx 300 MX 20 mail2, 10 mail
  mail A 192.0.2.1
  mail2 A 192.0.2.2
  svc HTTPS 1 . "alpn=h2 port=443"
  svc HTTPS 1 . "port=443 alpn=h2"
  app A hosts.app.public_ip, hosts.app.public_ip
  al A alias mail
  al A alias mail
  mix A alias mail
  mix A 192.0.2.3
  w A 192.0.2.1 { set = "a" weight = 1 }
  w A 192.0.2.2 { set = "a" weight = 2 }
  both TXT "first"
  both CNAME mail
  both AAAA 2001:db8::1
}
"#;
    let (file, parse) = crate::syntax::parse(0, src);
    assert!(parse.is_empty(), "{parse:#?}");
    let mut sink = Sink::default();
    let stack = crate::lower::lower(&[file], &mut sink);
    super::check(&stack, &mut sink);
    let d: Vec<_> = sink
        .diagnostics
        .into_iter()
        .filter(|d| d.code.starts_with("E027") || d.code.starts_with("E028") || d.code == "E0293")
        .collect();
    assert_eq!(codes(&d), ["E0277", "E0278", "E0278", "E0278", "E0278", "E0283", "E0293"], "{d:#?}");
    let dups: Vec<&str> = d.iter().filter(|x| x.code == "E0278").map(|x| text(src, x)).collect();
    assert_eq!(dups, ["10 mail", "1 . \"port=443 alpn=h2\"", "hosts.app.public_ip", "mail"], "{d:#?}");
    // The CNAME is reported with the first other record of its name, in the order written.
    let beside = find(&d, "E0277");
    assert_eq!(beside.primary.span.start, src.find("CNAME mail").unwrap());
    assert_eq!(beside.secondary[0].span.start, src.find("TXT \"first\"").unwrap());
}

#[test]
fn lines_of_one_set_with_the_same_routing_merge() {
    // Same routing written in other places (and orders): one set, no conflict.
    let same = r#"
zone "acme.example." {
  api A 192.0.2.10 { set = "blue" weight = 90 }
  api A 192.0.2.11 { weight = 90 set = "blue" }
  api A 192.0.2.20 { set = "green" weight = 10 multivalue = false }
  api A 192.0.2.21 { set = "green" weight = 10 }
}
"#;
    assert!(run(same).is_empty(), "{:#?}", run(same));
    // A line repeated word for word is a duplicate record, not a routing conflict.
    let repeated = "zone \"acme.example.\" {\n  api A 192.0.2.10 { set = \"a\" weight = 1 }\n  api A 192.0.2.10 { set = \"a\" weight = 1 }\n  api A 192.0.2.20 { set = \"b\" weight = 1 }\n}\n";
    assert_eq!(codes(&run(repeated)), ["E0278"]);
    // Any value that differs is a conflict: the weight, the health check.
    let weight = "zone \"acme.example.\" {\n  api A 192.0.2.10 { set = \"a\" weight = 1 }\n  api A 192.0.2.11 { set = \"a\" weight = 2 }\n}\n";
    assert_eq!(codes(&run(weight)), ["E0283"]);
    let health = "healthcheck h { type = tcp  ip = 192.0.2.1  port = 1 }\nzone \"acme.example.\" {\n  api A 192.0.2.10 { set = \"a\" weight = 1 health = h }\n  api A 192.0.2.11 { set = \"a\" weight = 1 }\n}\n";
    assert_eq!(codes(&run(health)), ["E0283"]);
}

#[test]
fn public_ip_of_instances_without_one() {
    let stack = |role: &str| {
        format!(
            "role app {{ image = image(\"b\")  type = t3.micro{role} }}\nhosts app {{ role = app  count = 1  subnets = [main.a] }}\nhost db {{ role = app  subnet = main.a }}\nzone \"acme.example.\" {{\n  app A hosts.app.public_ip\n  db A host.db.public_ip\n  in A hosts.app.private_ip\n}}\n"
        )
    };
    let without = stack("");
    let d = run(&without);
    let at: Vec<&str> = d.iter().filter(|x| x.code == "E0299").map(|x| text(&without, x)).collect();
    assert_eq!(at, ["hosts.app.public_ip", "host.db.public_ip"], "{d:#?}");
    assert!(run(&stack("  public_ip = false")).iter().any(|x| x.code == "E0299"));
    assert!(!run(&stack("  public_ip = true")).iter().any(|x| x.code == "E0299"));
}
