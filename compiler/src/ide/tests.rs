//! The queries on a small two-file stack, parsed and lowered by the real front end.

use super::*;
use crate::diag::Sink;
use crate::hir;
use crate::source::SourceFile;
use crate::syntax::{cst, parse};

const NET: &str = "stack demo { region = \"ap-northeast-1\" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet public-c { cidr = 10.0.2.0/24  zone = c  public = true }
}
firewall web in main {
  allow tcp 80, 443 from 0.0.0.0/0
  allow tcp 22 from office
}
let office = 203.0.113.0/24
";

const APP: &str = "role app {
  image    = image(\"base-*\")
  type     = t3.medium
  firewall = [web]
}
hosts app { role = app  count = 5  subnets = [main.public-a, main.public-c] }
host db { role = app  subnet = main.public-c }
zone \"acme.example.\" {
  ttl = 300
  www A hosts.app.public_ip
  db.acme.example. 60 A host.db.private_ip
}
";

struct Fixture {
    files: Vec<cst::File>,
    stack: hir::Stack,
    index: Index,
}

fn fixture() -> Fixture {
    let mut sink = Sink::default();
    let files: Vec<cst::File> = [NET, APP].iter().enumerate().map(|(i, t)| parse(i, t).0).collect();
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    Fixture { files, stack, index }
}

fn at(text: &str, needle: &str, nth: usize) -> usize {
    text.match_indices(needle).nth(nth).map(|(i, _)| i).expect("needle in text")
}

#[test]
fn subnet_use_resolves_to_its_declaration() {
    let f = fixture();
    let id = f.index.at(1, at(APP, "public-c", 0) + 2).expect("a symbol");
    let s = f.index.symbol(id).unwrap();
    assert_eq!((s.kind, s.name.as_str(), s.file), (SymbolKind::Subnet, "public-c", 0));
    assert_eq!(s.name_span.start, at(NET, "public-c", 0));
    assert_eq!(s.path(&f.index), "main.public-c");
    // Declaration and both uses (hosts and host).
    assert_eq!(f.index.occurrences(id, true).len(), 3);
}

#[test]
fn network_segment_and_let_uses_are_references() {
    let f = fixture();
    let main = f.index.at(0, at(NET, "main", 0)).unwrap();
    let uses: Vec<_> = f.index.references_to(main).map(|r| (r.file, r.span.start)).collect();
    assert_eq!(
        uses,
        vec![(0, at(NET, "main", 1)), (1, at(APP, "main", 0)), (1, at(APP, "main", 1)), (1, at(APP, "main", 2))]
    );
    let office = f.index.at(0, at(NET, "office", 0)).unwrap();
    assert_eq!(f.index.symbol(office).unwrap().kind, SymbolKind::Let);
    assert_eq!(f.index.occurrences(office, false).len(), 1);
}

#[test]
fn rename_edits_every_file_and_refuses_clashes() {
    let f = fixture();
    let edits = f.index.rename(1, at(APP, "public-a", 0), "edge-a").unwrap();
    assert_eq!(
        edits,
        vec![
            (0, at(NET, "public-a", 0)..at(NET, "public-a", 0) + 8, "edge-a".into()),
            (1, at(APP, "public-a", 0)..at(APP, "public-a", 0) + 8, "edge-a".into())
        ]
    );
    assert!(matches!(
        f.index.rename(1, at(APP, "public-a", 0), "public-c"),
        Err(RenameError::Taken { kind: SymbolKind::Subnet, same_kind: true, .. })
    ));
    assert!(matches!(f.index.rename(1, at(APP, "public-a", 0), "a.b"), Err(RenameError::BadName { .. })));
    assert_eq!(f.index.rename(1, 0, "x"), Err(RenameError::NothingHere));
}

/// A rule's `from NAME` takes a firewall or a `let`: a rename that would make one name
/// both would change what the rule lets in.
#[test]
fn rename_refuses_names_a_rule_could_confuse() {
    let f = fixture();
    let web = at(NET, "web", 0);
    let office = at(NET, "office", 1);
    let err = f.index.rename(0, web, "office").unwrap_err();
    assert!(matches!(err, RenameError::Taken { kind: SymbolKind::Let, same_kind: false, .. }), "{err:?}");
    assert!(err.to_string().contains("could then mean either"), "{err}");
    let err = f.index.rename(0, office, "web").unwrap_err();
    assert!(matches!(err, RenameError::Taken { kind: SymbolKind::Firewall, .. }), "{err:?}");
    // `hosts app` and `role app` share a name, which no position confuses.
    assert!(f.index.rename(0, office, "app").is_ok());
    for bad in ["1abc", "0600", "true"] {
        assert!(matches!(f.index.rename(0, office, bad), Err(RenameError::BadName { .. })), "{bad}");
    }
    // Renaming to its own name is no clash.
    assert!(f.index.rename(0, web, "web").is_ok());
    let zone = at(APP, "acme.example.", 0) + 1;
    assert_eq!(f.index.prepare_rename(1, zone), Err(RenameError::Zone));
    assert_eq!(f.index.prepare_rename(0, office + 1), Ok(office..office + 6));
}

#[test]
fn hover_subnet_counts_hosts_round_robin() {
    let f = fixture();
    let (_, md) = hover(&f.stack, &f.index, 0, at(NET, "public-c", 0)).unwrap();
    // 5 instances over two subnets: 3 in the first, 2 in the second, plus the pet.
    assert!(md.contains("10.0.2.0/24"), "{md}");
    assert!(md.contains("251 usable"), "{md}");
    assert!(md.contains("3 hosts land here: 2 × app, 1 × host db"), "{md}");
    let (_, md) = hover(&f.stack, &f.index, 0, at(NET, "public-a", 0)).unwrap();
    assert!(md.contains("3 hosts land here: 3 × app"), "{md}");
}

#[test]
fn hover_instance_type_reads_the_catalog() {
    let f = fixture();
    let (span, md) = hover(&f.stack, &f.index, 1, at(APP, "t3.medium", 0) + 3).unwrap();
    assert_eq!(span.start, at(APP, "t3.medium", 0));
    assert!(md.contains("2 vCPU, 4 GiB memory"), "{md}");
    assert!(md.contains("/month on demand in ap-northeast-1"), "{md}");
}

#[test]
fn inlay_hints_show_hosts_per_subnet() {
    let f = fixture();
    let hints: Vec<_> = inlay_hints(&f.stack, 0).into_iter().map(|h| h.label).collect();
    assert_eq!(hints, vec!["3 hosts / 251 usable", "3 hosts / 251 usable"]);
    let records: Vec<_> = inlay_hints(&f.stack, 1).into_iter().map(|h| (h.offset, h.label)).collect();
    assert_eq!(records, vec![(at(APP, "www", 0) + 3, "= www.acme.example.".to_string())]);
}

fn labels(f: &Fixture, file: usize, text: &str, offset: usize) -> Vec<String> {
    let src = SourceFile::new("x.drove", text);
    completions(&f.stack, &f.index, &f.files[file], &src, offset).into_iter().map(|c| c.label).collect()
}

#[test]
fn completion_follows_context() {
    let f = fixture();
    let types = labels(&f, 1, APP, at(APP, "t3.medium", 0));
    assert!(types.iter().any(|t| t == "t3.medium") && types.iter().any(|t| t == "m5.large"));
    assert_eq!(labels(&f, 1, APP, at(APP, "web]", 0)), vec!["web"]);
    // `main.public-c` is in the list already.
    assert_eq!(labels(&f, 1, APP, at(APP, "main.public-a", 0)), vec!["main.public-a"]);
    let zones = labels(&f, 0, NET, at(NET, "a  public", 0));
    assert_eq!(zones, vec!["a", "c", "d", "ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]);
    assert!(labels(&f, 1, APP, at(APP, "hosts", 0)).contains(&"network".to_string()));
    assert!(labels(&f, 1, APP, at(APP, "  type", 0) + 2).contains(&"drain_timeout".to_string()));
    let rule = at(NET, "office\n", 0);
    assert!(labels(&f, 0, NET, rule).contains(&"web".to_string()));
}

#[test]
fn semantic_tokens_classify_names_by_declaration() {
    let f = fixture();
    let toks = semantic_tokens(&f.index, &f.files[1], 1, APP);
    let find = |start: usize| toks.iter().find(|t| t.span.start == start).map(|t| (t.kind, t.declaration));
    assert_eq!(find(0), Some((TokenKind::Keyword, false)));
    assert_eq!(find(at(APP, "app", 0)), Some((TokenKind::Symbol(SymbolKind::Role), true)));
    assert_eq!(find(at(APP, "web", 0)), Some((TokenKind::Symbol(SymbolKind::Firewall), false)));
    assert_eq!(find(at(APP, "public-a", 0)), Some((TokenKind::Symbol(SymbolKind::Subnet), false)));
    assert_eq!(find(at(APP, "main", 0)), Some((TokenKind::Symbol(SymbolKind::Network), false)));
    assert_eq!(find(at(APP, "image", 1)), Some((TokenKind::Function, false)));
    assert_eq!(find(at(APP, "\"base", 0)), Some((TokenKind::String, false)));
    assert_eq!(find(at(APP, "count", 0)), Some((TokenKind::Property, false)));
    assert_eq!(find(at(APP, "5", 0)), Some((TokenKind::Number, false)));
    // In order and never overlapping.
    assert!(toks.windows(2).all(|w| w[0].span.end <= w[1].span.start));
}

#[test]
fn queries_survive_broken_text() {
    for text in ["", "network {", "hosts x { subnets = [main., .a, ] }", "role { type = \u{1F600} }", "}}}{{{"] {
        let mut sink = Sink::default();
        let files = vec![parse(0, text).0];
        let stack = crate::lower::lower(&files, &mut sink);
        let index = Index::build(&stack);
        let src = SourceFile::new("x.drove", text);
        for off in 0..=text.len() {
            let _ = hover(&stack, &index, 0, off);
            let _ = completions(&stack, &index, &files[0], &src, off);
            let _ = index.rename(0, off, "y");
        }
        let _ = semantic_tokens(&index, &files[0], 0, text);
        let _ = inlay_hints(&stack, 0);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Every query at every offset of any text answers without panicking.
    #[test]
    fn queries_never_panic(text in "(stack|network|firewall|let|role|hosts|host|zone|healthcheck|allow|from|to|in|tcp|type|region|public_ip|subnets|cidr|zone|=|\\{|\\}|\\[|\\]|,|\\.|\"|\n| |10\\.0\\.0\\.0/16|0\\.0\\.0\\.0/0|t3\\.m|main\\.|hosts\\.|A|www|office|web|é){0,40}") {
        let sources = crate::source::Sources::single("p.drove", text.clone());
        let a = crate::analyze(&sources);
        let index = Index::build(&a.stack);
        for off in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
            let _ = hover_at(&a, &index, &sources, 0, off);
            let _ = completions(&a.stack, &index, &a.files[0], sources.file(0), off);
            let _ = index.prepare_rename(0, off);
            let _ = index.rename(0, off, "y");
        }
    }
}

#[test]
fn records_hover_with_their_absolute_name_and_link_to_hosts() {
    let f = fixture();
    let (span, md) = hover(&f.stack, &f.index, 1, at(APP, "www", 0)).unwrap();
    assert_eq!(span, at(APP, "www", 0)..at(APP, "www", 0) + 3);
    assert!(md.contains("www.acme.example. 300 A hosts.app.public_ip"), "{md}");
    let id = f.index.at(1, at(APP, "app.public_ip", 0)).unwrap();
    assert_eq!(f.index.symbol(id).unwrap().kind, SymbolKind::Hosts);
    let id = f.index.at(1, at(APP, "db.private_ip", 0)).unwrap();
    assert_eq!(f.index.symbol(id).unwrap().kind, SymbolKind::Host);
    // Renaming the hosts group follows into the record value.
    let edits = f.index.rename(1, at(APP, "hosts app", 0) + 6, "web").unwrap();
    assert!(edits.iter().any(|(_, s, _)| s.start == at(APP, "app.public_ip", 0)));
}

const ZONE: &str = "stack demo { region = \"ap-northeast-1\" }
network main { cidr = 10.0.0.0/16 }
healthcheck web { type = https  host = www.acme.example. }
zone \"acme.example.\" {
  private = [main]
  www 60 A 192.0.2.1 { set = \"a\"  health = web  failover = primary  region = ap-northeast-1 }
  www 60 A 192.0.2.2 {  }
}
";

#[test]
fn completion_inside_zones_offers_networks_health_checks_and_routing() {
    let mut sink = Sink::default();
    let files = vec![parse(0, ZONE).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    let src = SourceFile::new("z.drove", ZONE);
    let labels = |offset: usize| -> Vec<String> {
        completions(&stack, &index, &files[0], &src, offset).into_iter().map(|c| c.label).collect()
    };
    assert_eq!(labels(at(ZONE, "main]", 0)), vec!["main"]);
    assert_eq!(labels(at(ZONE, "web  failover", 0)), vec!["web"]);
    assert_eq!(labels(at(ZONE, "primary", 0)), vec!["primary", "secondary"]);
    assert!(labels(at(ZONE, "ap-northeast-1 }", 0)).contains(&"eu-west-1".to_string()));
    let (span, md) = hover(&stack, &index, 0, at(ZONE, "192.0.2.2", 0) + 2).expect("a record's value");
    assert_eq!(&ZONE[span], "192.0.2.2");
    assert!(md.contains("value `192.0.2.2`") && md.contains("www.acme.example. 60 A"), "{md}");
    let (_, md) = super::hover_values::attribute(&files[0], at(ZONE, "failover", 0)).expect("a routing setting");
    assert!(md.contains("routing setting") && md.contains("primary"), "{md}");
    let routing = labels(at(ZONE, "{  }", 0) + 2);
    assert!(routing.contains(&"weight".to_string()) && routing.contains(&"health".to_string()), "{routing:?}");
}

const AUTHORITATIVE: &str = "stack demo { region = \"ap-northeast-1\" }
role app {
  image = image(\"base-*\")
  type = t3.micro
  secrets = user_data
}
zone \"acme.example.\" {
  unmanaged = delete
  ignore \"_acme-challenge\" TXT
  ignore \"_*\" CNAME
  www 60 A 192.0.2.1
}
";

#[test]
fn zones_complete_and_explain_their_unmanaged_policy_and_ignore_rules() {
    let mut sink = Sink::default();
    let files = vec![parse(0, AUTHORITATIVE).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    let src = SourceFile::new("z.drove", AUTHORITATIVE);
    let labels = |offset: usize| -> Vec<String> {
        completions(&stack, &index, &files[0], &src, offset).into_iter().map(|c| c.label).collect()
    };
    assert_eq!(labels(at(AUTHORITATIVE, "delete", 0)), vec!["keep", "delete"]);
    assert_eq!(labels(at(AUTHORITATIVE, "user_data", 0)), vec!["parameter_store", "user_data"]);
    let (_, md) = hover(&stack, &index, 0, at(AUTHORITATIVE, "user_data", 0)).expect("hover on the delivery");
    assert!(md.contains("embedded in the hosts' user data") && md.contains("W0035"), "{md}");
    let types = labels(at(AUTHORITATIVE, "CNAME", 0));
    assert!(types.contains(&"TXT".to_string()) && types.contains(&"CNAME".to_string()), "{types:?}");
    let in_zone = labels(at(AUTHORITATIVE, "  www", 0) + 2);
    // `unmanaged` is set already; `ignore` may repeat.
    assert!(!in_zone.contains(&"unmanaged".to_string()) && in_zone.contains(&"ignore".to_string()), "{in_zone:?}");

    let (span, md) = hover(&stack, &index, 0, at(AUTHORITATIVE, "delete", 0)).expect("hover on the policy");
    assert_eq!(span, at(AUTHORITATIVE, "delete", 0)..at(AUTHORITATIVE, "delete", 0) + 6);
    assert!(md.contains("deleted") && md.contains("2 ignore rules"), "{md}");
    let (_, md) = hover(&stack, &index, 0, at(AUTHORITATIVE, "_acme", 0)).expect("hover on a pattern");
    assert!(md.contains("ignore _acme-challenge.acme.example. TXT"), "{md}");
}

#[test]
fn hover_on_a_subnet_says_how_it_routes_out() {
    const NATTED: &str = "stack demo { region = \"ap-northeast-1\" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24   zone = a  public = true  nat = true }
  subnet private-a { cidr = 10.0.11.0/24  zone = a }
  subnet private-d { cidr = 10.0.13.0/24  zone = d }
}
network bare {
  cidr = 10.1.0.0/16
  subnet inner { cidr = 10.1.1.0/24  zone = a }
}
";
    let mut sink = Sink::default();
    let files = vec![parse(0, NATTED).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    let md = |word: &str| hover(&stack, &index, 0, at(NATTED, word, 0)).map(|h| h.1).unwrap_or_default();
    assert!(md("public-a").contains("a NAT gateway here"), "{}", md("public-a"));
    assert!(md("private-a").contains("through the NAT gateway in `public-a`"), "{}", md("private-a"));
    // Zone d has no NAT of its own: it shares the first.
    assert!(md("private-d").contains("through the NAT gateway in `public-a`"), "{}", md("private-d"));
    assert!(md("inner").contains("no route out"), "{}", md("inner"));
}

#[test]
fn hover_on_secrets_names_the_parameters_and_the_role() {
    const READS: &str = "stack shop { region = \"ap-northeast-1\" }
role app {
  image = image(\"base-*\")
  type = t3.micro
  secrets = parameter_store
  provision {
    file \"/etc/app/db.yml\" = secret(\"db.yml\")
  }
}
";
    let mut sink = Sink::default();
    let files = vec![parse(0, READS).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    let (_, md) = hover(&stack, &index, 0, at(READS, "parameter_store", 0)).expect("hover");
    assert!(md.contains("`/drove/shop/db.yml`") && md.contains("`drove-shop-app`"), "{md}");
}

#[test]
fn access_lines_complete_and_hover_with_their_statements() {
    const ACCESS: &str = "stack shop { region = \"ap-northeast-1\" }
role app {
  image = image(\"base-*\")
  type = t3.micro
  access {
    s3 \"shop-logs/app/*\" write
    logs \"/shop/app\" 
  }
}
";
    let mut sink = Sink::default();
    let files = vec![parse(0, ACCESS).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    let src = SourceFile::new("a.drove", ACCESS);
    let labels = |offset: usize| -> Vec<String> {
        completions(&stack, &index, &files[0], &src, offset).into_iter().map(|c| c.label).collect()
    };
    assert_eq!(labels(at(ACCESS, "    s3", 0) + 4), vec!["s3", "parameter", "logs"]);
    assert_eq!(labels(at(ACCESS, "\" \n", 0) + 2), vec!["read", "write"]);
    let (_, md) = hover(&stack, &index, 0, at(ACCESS, "shop-logs", 0)).expect("hover on the line");
    assert!(
        md.contains("`drove-shop-app`")
            && md.contains("`s3:AbortMultipartUpload`, `s3:PutObject` on `arn:aws:s3:::shop-logs/app/*`"),
        "{md}"
    );
}

const TYPING: &str = "stack demo { region = \"ap-\" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = t }
}
network edge { cidr = 10.9.0.0/16 }
firewall web in main {
  allow tcp 80 from 0.0.0.0/0
  allow tcp 22 from of
  allow u
}
firewall other in edge { allow tcp 1 from 10.9.0.0/16 }
let office = 203.0.113.0/24
let greeting = \"hi\"
role app {
  image = image(\"base-*\")
  type = t3.m
  ty
}
role other { public_ip =  }
hosts app { role = app  count = 2  subnets = [main.] }
healthcheck hc { type =  }
zone \"acme.example.\" {
  www A hosts.
}
";

fn typing() -> (Vec<cst::File>, hir::Stack, Index) {
    let mut sink = Sink::default();
    let files = vec![parse(0, TYPING).0];
    let stack = crate::lower::lower(&files, &mut sink);
    let index = Index::build(&stack);
    (files, stack, index)
}

/// Every item replaces the word being typed, dots and dashes included, and only what
/// fits the position is offered.
#[test]
fn completion_replaces_the_word_and_fits_the_position() {
    let (files, stack, index) = typing();
    let src = SourceFile::new("t.drove", TYPING);
    let at_end = |needle: &str| at(TYPING, needle, 0) + needle.len();
    let complete = |offset: usize| completions(&stack, &index, &files[0], &src, offset);
    let labels = |offset: usize| -> Vec<String> { complete(offset).into_iter().map(|c| c.label).collect() };

    let subnets = complete(at_end("[main."));
    assert!(!subnets.is_empty());
    for c in &subnets {
        assert_eq!(&TYPING[c.range.clone()], "main.", "{c:?}");
    }
    // A subnet already in the list is not offered again.
    let listed = TYPING.replace("[main.]", "[main.public-a, ]");
    let src2 = SourceFile::new("t.drove", listed.as_str());
    let tree2 = parse(0, &listed).0;
    let offset = listed.find("public-a, ").unwrap() + 10;
    let again: Vec<String> = completions(&stack, &index, &tree2, &src2, offset).into_iter().map(|c| c.label).collect();
    assert!(again.is_empty(), "the only subnet is listed already: {again:?}");
    let types = complete(at_end("t3.m"));
    let medium = types.iter().find(|c| c.label == "t3.medium").expect("t3.medium");
    assert_eq!(&TYPING[medium.range.clone()], "t3.m");

    let regions = complete(at_end("\"ap-"));
    let tokyo = regions.iter().find(|c| c.label == "ap-northeast-1").expect("a region");
    // The string typed so far, both quotes, is replaced by a quoted region.
    assert_eq!((&TYPING[tokyo.range.clone()], tokyo.insert.as_str()), ("\"ap-\"", "\"ap-northeast-1\""));
    assert!(!regions.iter().any(|c| c.label == "web" || c.label == "office"));
    // With the closing quote an editor paired: that one is replaced too.
    let paired = TYPING.replacen("\"ap-\"", "\"\"", 1);
    let src2 = SourceFile::new("t.drove", paired.as_str());
    let offset = paired.find("\"\"").unwrap() + 1;
    let tokyo = completions(&stack, &index, &files[0], &src2, offset).into_iter().find(|c| c.label == "ap-northeast-1");
    assert_eq!(tokyo.map(|c| &paired[c.range]), Some("\"\""));

    assert_eq!(labels(at_end("public_ip = ")), vec!["true", "false"]);
    // What was typed filters: editors given a text edit leave that to the server.
    assert_eq!(labels(at_end("public = t")), vec!["true"]);
    assert_eq!(labels(at_end("allow u")), vec!["udp"]);
    assert_eq!(labels(at_end("allow ")), vec!["tcp", "udp", "icmp", "icmpv6", "all"]);
    assert!(types.iter().all(|c| c.label.starts_with("t3")), "only what `t3.m` could be");
    // Firewalls of the rule's network and the lets holding CIDRs; not `greeting`, not `other`.
    assert_eq!(labels(at_end("from of")), vec!["office"]);
    assert_eq!(labels(at_end("from of") - 2), vec!["web", "office"]);
    assert_eq!(labels(at_end("type =  ") - 1), vec!["http", "https", "tcp"]);
    let addresses = labels(at_end("hosts."));
    assert_eq!(addresses, vec!["hosts.app.private_ip", "hosts.app.public_ip"]);
    // `image` and `type` are set: not offered again.
    let attrs = labels(at_end("t3.m\n  "));
    assert!(attrs.contains(&"disk".to_string()) && !attrs.contains(&"image".to_string()), "{attrs:?}");
    assert!(!attrs.contains(&"type".to_string()) && attrs.contains(&"public_ip".to_string()), "{attrs:?}");
}

#[test]
fn hover_explains_values_attributes_and_lets() {
    let (files, stack, index) = typing();
    let (_, md) = hover(&stack, &index, 0, at(TYPING, "office", 0) + 1).expect("the let");
    assert!(md.contains("= `203.0.113.0/24`") && md.contains("256 addresses"), "{md}");
    let (span, md) = hover(&stack, &index, 0, at(TYPING, "10.0.1.0/24", 0) + 3).expect("a subnet's CIDR");
    assert_eq!(&TYPING[span], "10.0.1.0/24");
    assert!(md.contains("251 usable") && md.contains("inside network `main`"), "{md}");
    assert!(md.contains("the block of subnet `main.public-a`"), "{md}");
    let (_, md) = hover(&stack, &index, 0, at(TYPING, "0.0.0.0/0", 0)).expect("anywhere");
    assert!(md.contains("every address"), "{md}");
    let (_, md) = hover(&stack, &index, 0, at(TYPING, " A ", 0) + 1).expect("a record type");
    assert!(md.contains("IPv4"), "{md}");
    let (span, md) = super::hover_values::attribute(&files[0], at(TYPING, "public_ip", 0) + 2).expect("an attribute");
    assert_eq!(&TYPING[span], "public_ip");
    assert!(md.contains("public address"), "{md}");
    let (_, md) = super::hover_values::attribute(&files[0], at(TYPING, "allow", 0)).expect("a rule keyword");
    assert!(md.contains("PROTOCOL"), "{md}");
}
