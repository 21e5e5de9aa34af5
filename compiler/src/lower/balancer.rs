//! `balancer NAME in NETWORK { … }`: attributes, `listen` lines and `target` blocks.

use super::network::unknown_statement;
use super::{decl, Attrs, Cx, E_BAD_HEADER, E_BAD_STATEMENT};
use crate::diag::{did_you_mean, Diagnostic};
use crate::hir::{
    Balancer, BalancerKind, CertificateUse, Ident, LbProtocol, Listen, ListenAction, Ref, Spanned, TargetDecl,
};
use crate::syntax::cst::{Stmt, Term, Word};

const FORM: &str = "balancer NAME in NETWORK { subnets = [ … ]  listen 443 https forward TARGET }";
pub const ATTRS: [&str; 6] = ["name", "type", "internal", "subnets", "firewall", "certificate"];
pub const STATEMENTS: [&str; 2] = ["listen", "target"];
pub const TARGET_ATTRS: [&str; 8] =
    ["name", "hosts", "port", "protocol", "health_path", "health_codes", "health_interval", "deregistration_delay"];
const LISTEN_FORM: &str = "listen PORT PROTOCOL forward TARGET | listen PORT PROTOCOL redirect PORT";
/// An unknown balancer type or listener protocol.
pub const E_BALANCER_WORD: &str = "E0230";

pub fn lower_balancer(cx: &mut Cx, stmt: &Stmt) -> Option<Balancer> {
    let name = decl::name(cx, stmt, FORM)?;
    let network = match (stmt.terms.get(2), stmt.terms.get(3)) {
        (Some(Term::Word(kw)), Some(Term::Word(net))) if kw.text == "in" => {
            decl::no_more_terms(cx, stmt, 4, FORM);
            Some(Ref::from_word(&net.text, net.span.clone()))
        }
        _ => {
            let d = Diagnostic::new(
                E_BAD_HEADER,
                cx.file,
                name.span.clone(),
                format!("balancer `{}` does not say its network", name.text),
            )
            .with_label("`in NETWORK` expected after this")
            .with_help(format!("write `balancer {} in NETWORK {{ … }}`", name.text));
            cx.report(d);
            None
        }
    };
    let block = decl::block(cx, stmt, FORM)?;
    let a = Attrs::read_with_statements(cx, block, &ATTRS, "balancer", &name);
    a.require(cx, &["subnets"]);
    let kind = a.text(cx, "type").and_then(|t| {
        let k = match t.value.as_str() {
            "application" => BalancerKind::Application,
            "network" => BalancerKind::Network,
            other => {
                word_error(cx, other, &t.span, &["application", "network"], "a balancer type");
                return None;
            }
        };
        Some(Spanned::new(k, t.span))
    });
    let mut listeners = Vec::new();
    let mut targets = Vec::new();
    for s in a.statements() {
        match s.head().text.as_str() {
            "listen" => listeners.extend(listen(cx, s)),
            "target" => targets.extend(target(cx, s)),
            _ => unknown_statement(cx, s, &format!("balancer `{}`", name.text), &STATEMENTS),
        }
    }
    Some(Balancer {
        file: cx.file,
        span: stmt.span.clone(),
        aws_name: a.string(cx, "name"),
        network,
        kind,
        internal: a.boolean(cx, "internal"),
        subnets: a.references(cx, "subnets"),
        subnets_span: a.expr("subnets").map(|e| e.span()),
        firewalls: a.references(cx, "firewall"),
        certificate: a.expr("certificate").and_then(|e| certificate_use(cx, e)),
        listeners,
        targets,
        name,
    })
}

/// `certificate.NAME`, or a string: an ACM ARN, or the domain of an issued certificate.
fn certificate_use(cx: &mut Cx, e: &crate::syntax::cst::Expr) -> Option<CertificateUse> {
    const PREFIX: &str = "certificate.";
    if let crate::syntax::cst::Expr::Word(w) = e {
        if let Some(name) = w.text.strip_prefix(PREFIX) {
            let start = w.span.start + PREFIX.len();
            return Some(CertificateUse::Declared(Ref::from_word(name, start..w.span.end)));
        }
    }
    let s = super::value::string(cx, e)?;
    Some(if s.value.starts_with("arn:") { CertificateUse::Arn(s) } else { CertificateUse::Domain(s) })
}

fn word_error(cx: &mut Cx, word: &str, span: &std::ops::Range<usize>, known: &[&str], what: &str) {
    let mut d = Diagnostic::new(E_BALANCER_WORD, cx.file, span.clone(), format!("`{word}` is not {what}"))
        .with_label(format!("expected {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")));
    if let Some(k) = did_you_mean(word, known.iter().copied()) {
        d = d.with_replacement(cx.file, span.clone(), k);
    }
    cx.report(d);
}

fn bad(cx: &mut Cx, span: std::ops::Range<usize>, msg: String) {
    cx.report(Diagnostic::new(E_BAD_STATEMENT, cx.file, span, msg).with_help(format!("write `{LISTEN_FORM}`")));
}

fn port_of(cx: &mut Cx, w: &Word) -> Option<Spanned<u16>> {
    match w.text.parse::<u16>() {
        Ok(p) if p > 0 => Some(Spanned::new(p, w.span.clone())),
        _ => {
            bad(cx, w.span.clone(), format!("`{}` is not a port (1–65535)", w.text));
            None
        }
    }
}

fn protocol_of(cx: &mut Cx, w: &Word) -> Option<Spanned<LbProtocol>> {
    match LbProtocol::ALL.iter().find(|(k, _)| *k == w.text) {
        Some((_, p)) => Some(Spanned::new(*p, w.span.clone())),
        None => {
            let known: Vec<&str> = LbProtocol::ALL.iter().map(|(k, _)| *k).collect();
            word_error(cx, &w.text, &w.span, &known, "a listener protocol");
            None
        }
    }
}

fn listen(cx: &mut Cx, s: &Stmt) -> Option<Listen> {
    if let Some(b) = &s.block {
        bad(cx, b.span.clone(), "`listen` takes no block".into());
        return None;
    }
    let words: Vec<&Word> = s
        .terms
        .iter()
        .skip(1)
        .filter_map(|t| match t {
            Term::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    if words.len() + 1 != s.terms.len() || words.len() != 4 {
        bad(cx, s.span.clone(), "a listener is `listen PORT PROTOCOL forward TARGET` or `… redirect PORT`".into());
        return None;
    }
    let port = port_of(cx, words[0])?;
    let protocol = protocol_of(cx, words[1])?;
    let action = match words[2].text.as_str() {
        "forward" => ListenAction::Forward(Ident { text: words[3].text.to_string(), span: words[3].span.clone() }),
        "redirect" => ListenAction::Redirect(port_of(cx, words[3])?),
        other => {
            word_error(cx, other, &words[2].span, &["forward", "redirect"], "a listener action");
            return None;
        }
    };
    Some(Listen { span: s.span.clone(), port, protocol, action })
}

fn target(cx: &mut Cx, s: &Stmt) -> Option<TargetDecl> {
    const TARGET_FORM: &str = "target NAME { hosts = [GROUP]  port = 3000 }";
    let name = decl::name(cx, s, TARGET_FORM)?;
    decl::no_more_terms(cx, s, 2, TARGET_FORM);
    let block = decl::block(cx, s, TARGET_FORM)?;
    let a = Attrs::read(cx, block, &TARGET_ATTRS, "target", &name);
    a.require(cx, &["hosts", "port"]);
    let port = a.integer(cx, "port").and_then(|p| match u16::try_from(p.value) {
        Ok(v) if v > 0 => Some(Spanned::new(v, p.span)),
        _ => {
            bad(cx, p.span, format!("`{}` is not a port (1–65535)", p.value));
            None
        }
    });
    let protocol = a.text(cx, "protocol").and_then(|t| {
        let w = Word { text: t.value.as_str().into(), span: t.span.clone() };
        protocol_of(cx, &w)
    });
    Some(TargetDecl {
        span: s.span.clone(),
        aws_name: a.string(cx, "name"),
        hosts: a.references(cx, "hosts"),
        port,
        protocol,
        health_path: a.string(cx, "health_path"),
        health_codes: a.string(cx, "health_codes"),
        health_interval: a.duration(cx, "health_interval"),
        deregistration_delay: a.duration(cx, "deregistration_delay"),
        name,
    })
}
