//! `network` (with its `subnet`s) and `firewall` (with its `allow` rules).

use super::decl;
use super::{Attrs, Cx, E_BAD_HEADER, E_BAD_STATEMENT, E_UNKNOWN_STATEMENT, E_WRONG_SHAPE};
use crate::diag::{did_you_mean, Diagnostic};
use crate::hir::{Direction, Firewall, Network, Peer, Protocol, Ref, Rule, Spanned, Subnet};
use crate::literal;
use crate::syntax::cst::{Stmt, Term, Word};

pub const E_UNKNOWN_PROTOCOL: &str = "E0215";

const NETWORK_FORM: &str = "network NAME { cidr = 10.0.0.0/16 }";
const SUBNET_FORM: &str = "subnet NAME { cidr = 10.0.1.0/24  zone = a }";

pub fn lower_network(cx: &mut Cx, stmt: &Stmt) -> Option<Network> {
    let name = decl::name(cx, stmt, NETWORK_FORM)?;
    decl::no_more_terms(cx, stmt, 2, NETWORK_FORM);
    let block = decl::block(cx, stmt, NETWORK_FORM)?;
    let a = Attrs::read_with_statements(cx, block, &["cidr"], "network", &name);
    a.require(cx, &["cidr"]);
    let cidr = a.cidr(cx, "cidr");
    let mut subnets = Vec::new();
    cx.parent_path = Some(format!("network.{}", name.text));
    for s in a.statements() {
        if s.head().text == "subnet" {
            subnets.extend(lower_subnet(cx, s));
        } else {
            unknown_statement(cx, s, &format!("network `{}`", name.text), &["subnet"]);
        }
    }
    cx.parent_path = None;
    Some(Network { file: cx.file, name, span: stmt.span.clone(), cidr, subnets })
}

fn lower_subnet(cx: &mut Cx, stmt: &Stmt) -> Option<Subnet> {
    let name = decl::name(cx, stmt, SUBNET_FORM)?;
    decl::no_more_terms(cx, stmt, 2, SUBNET_FORM);
    let block = decl::block(cx, stmt, SUBNET_FORM)?;
    let a = Attrs::read(cx, block, &["cidr", "zone", "public", "nat"], "subnet", &name);
    a.require(cx, &["cidr", "zone"]);
    Some(Subnet {
        span: stmt.span.clone(),
        cidr: a.cidr(cx, "cidr"),
        zone: a.text(cx, "zone"),
        public: a.boolean(cx, "public"),
        nat: a.boolean(cx, "nat"),
        name,
    })
}

/// Reports a statement a block does not take, suggesting the closest that it does.
pub fn unknown_statement(cx: &mut Cx, s: &Stmt, owner: &str, known: &[&str]) {
    let head = s.head();
    let mut d = Diagnostic::new(
        E_UNKNOWN_STATEMENT,
        cx.file,
        head.span.clone(),
        format!("unknown statement `{}` in {owner}", head.text),
    )
    .with_label("not expected here");
    if let Some(k) = did_you_mean(&head.text, known.iter().copied()) {
        d = d.with_replacement(cx.file, head.span.clone(), k);
    } else {
        let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        d = d.with_help(format!("{owner} takes {}", list.join(", ")));
    }
    cx.report(d);
}

const FIREWALL_FORM: &str = "firewall NAME in NETWORK { allow … }";
const RULE_FORM: &str = "allow PROTOCOL [PORTS] from|to SOURCE, …";

pub fn lower_firewall(cx: &mut Cx, stmt: &Stmt) -> Option<Firewall> {
    let name = decl::name(cx, stmt, FIREWALL_FORM)?;
    let network = match (stmt.terms.get(2), stmt.terms.get(3)) {
        (Some(Term::Word(kw)), Some(Term::Word(net))) if kw.text == "in" => {
            decl::no_more_terms(cx, stmt, 4, FIREWALL_FORM);
            Some(Ref::from_word(&net.text, net.span.clone()))
        }
        (Some(Term::Word(kw)), None) if kw.text == "in" => {
            let d = Diagnostic::new(
                E_BAD_HEADER,
                cx.file,
                kw.span.clone(),
                format!("firewall `{}`: `in` needs a network name", name.text),
            )
            .with_help(format!("write `{FIREWALL_FORM}`"));
            cx.report(d);
            None
        }
        (None, _) => {
            let d = Diagnostic::new(
                E_BAD_HEADER,
                cx.file,
                name.span.clone(),
                format!("firewall `{}` does not say its network", name.text),
            )
            .with_label("`in NETWORK` expected after this")
            .with_help(format!("a firewall belongs to one network: write `firewall {} in NETWORK {{ … }}`", name.text));
            cx.report(d);
            None
        }
        (Some(_), _) => {
            decl::no_more_terms(cx, stmt, 2, FIREWALL_FORM);
            None
        }
    };
    let block = decl::block(cx, stmt, FIREWALL_FORM)?;
    let a = Attrs::read_with_statements(cx, block, &["description", "group_name"], "firewall", &name);
    let description = a.string(cx, "description");
    let group_name = a.string(cx, "group_name");
    let mut rules = Vec::new();
    for s in a.statements() {
        if s.head().text == "allow" {
            rules.extend(lower_rule(cx, s));
        } else {
            let owner = format!("firewall `{}`", name.text);
            if s.head().text == "deny" {
                let d = Diagnostic::new(
                    E_UNKNOWN_STATEMENT,
                    cx.file,
                    s.head().span.clone(),
                    "firewalls have no `deny` rules",
                )
                .with_label("not supported by security groups")
                .with_help("security groups only allow; everything not allowed is denied");
                cx.report(d);
            } else {
                unknown_statement(cx, s, &owner, &["allow"]);
            }
        }
    }
    Some(Firewall { file: cx.file, name, span: stmt.span.clone(), network, description, group_name, rules })
}

fn bad_rule(cx: &mut Cx, span: std::ops::Range<usize>, msg: impl Into<String>, label: &str) {
    let d = Diagnostic::new(E_BAD_STATEMENT, cx.file, span, msg)
        .with_label(label)
        .with_help(format!("write `{RULE_FORM}`"));
    cx.report(d);
}

/// The words of a comma-separated list of terms, or `None` after reporting a string
/// or a missing separator.
fn word_list<'t>(cx: &mut Cx, terms: &'t [Term], what: &str) -> Option<Vec<&'t Word>> {
    let mut out = Vec::new();
    let mut expect_word = true;
    for t in terms {
        match (t, expect_word) {
            (Term::Word(w), true) => {
                out.push(w);
                expect_word = false;
            }
            (Term::Comma(_), false) => expect_word = true,
            (Term::Comma(s), true) => {
                bad_rule(cx, s.clone(), format!("expected {what} before `,`"), "extra comma");
                return None;
            }
            (Term::Word(w), false) => {
                let d = Diagnostic::new(
                    E_BAD_STATEMENT,
                    cx.file,
                    w.span.clone(),
                    format!("missing `,` before `{}`", w.text),
                )
                .with_label("separate list members with `,`")
                .with_fix("insert `,`", cx.file, w.span.start..w.span.start, ", ");
                cx.report(d);
                return None;
            }
            (Term::Str(s), _) => {
                let d =
                    Diagnostic::new(E_WRONG_SHAPE, cx.file, s.span.clone(), format!("expected {what}, found a string"))
                        .with_label(format!("expected {what}"))
                        .with_fix("remove the quotes", cx.file, s.span.clone(), s.value.clone());
                cx.report(d);
                return None;
            }
        }
    }
    Some(out)
}

fn lower_rule(cx: &mut Cx, stmt: &Stmt) -> Option<Rule> {
    if let Some(v) = &stmt.value {
        bad_rule(cx, v.span(), "a rule takes no `= value`", "unexpected value");
        return None;
    }
    if let Some(b) = &stmt.block {
        bad_rule(cx, b.span.clone(), "a rule takes no block", "unexpected block");
        return None;
    }
    let head = stmt.head();
    let Some(proto_term) = stmt.terms.get(1) else {
        bad_rule(cx, head.span.clone(), "`allow` needs a protocol", "protocol expected after this");
        return None;
    };
    let Term::Word(proto_word) = proto_term else {
        bad_rule(cx, proto_term.span(), "expected a protocol", "not a protocol");
        return None;
    };
    let Some(protocol) = Protocol::parse(&proto_word.text) else {
        let mut d = Diagnostic::new(
            E_UNKNOWN_PROTOCOL,
            cx.file,
            proto_word.span.clone(),
            format!("unknown protocol `{}`", proto_word.text),
        )
        .with_label("not a protocol");
        let lower = proto_word.text.to_ascii_lowercase();
        let suggestion =
            Protocol::parse(&lower).map(Protocol::name).or_else(|| did_you_mean(&proto_word.text, Protocol::NAMES));
        d = match suggestion {
            Some(s) => d.with_replacement(cx.file, proto_word.span.clone(), s),
            None => d.with_help("protocols are `tcp`, `udp`, `icmp`, `icmpv6` and `all`"),
        };
        cx.report(d);
        return None;
    };
    let rest = stmt.terms.get(2..).unwrap_or(&[]);
    let Some(dir_pos) = rest.iter().position(|t| matches!(t, Term::Word(w) if w.text == "from" || w.text == "to"))
    else {
        let at = stmt.terms.last().map(Term::span).unwrap_or_else(|| head.span.clone());
        bad_rule(cx, at, "rule has no `from` or `to`", "`from SOURCE` or `to DESTINATION` expected");
        return None;
    };
    let (port_terms, after) = rest.split_at(dir_pos);
    let Some((Term::Word(dir_word), peer_terms)) = after.split_first() else { return None };
    let direction = Spanned::new(
        if dir_word.text == "from" { Direction::Ingress } else { Direction::Egress },
        dir_word.span.clone(),
    );

    let mut ports = Vec::new();
    let mut bad_port = false;
    for w in word_list(cx, port_terms, "a port")? {
        match literal::port_range(&w.text) {
            Ok(p) => ports.push(Spanned::new(p, w.span.clone())),
            Err(e) => {
                super::value::lit_error(cx, w, e);
                bad_port = true;
            }
        }
    }
    let peer_words = word_list(cx, peer_terms, "a CIDR or a name")?;
    if peer_words.is_empty() {
        bad_rule(
            cx,
            dir_word.span.clone(),
            format!("`{}` needs at least one CIDR or name", dir_word.text),
            "nothing after this",
        );
        return None;
    }
    let mut peers = Vec::new();
    for w in peer_words {
        if looks_like_address(&w.text) {
            match literal::cidr(&w.text) {
                Ok(net) => peers.push(Peer::Cidr(Spanned::new(net, w.span.clone()))),
                Err(e) => {
                    super::value::lit_error(cx, w, e);
                }
            }
        } else {
            peers.push(Peer::Name(Ref::from_word(&w.text, w.span.clone())));
        }
    }
    if bad_port {
        return None;
    }
    Some(Rule {
        span: stmt.span.clone(),
        protocol: Spanned::new(protocol, proto_word.span.clone()),
        ports,
        direction,
        peers,
    })
}

/// Names start with a letter; addresses with a digit, or hold `:` (IPv6).
fn looks_like_address(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit()) || text.contains(':')
}
