//! CST → HIR for `zone` (its attributes, record lines and routing blocks) and
//! `healthcheck` declarations. Problems a single line shows on its own (a bad name, an
//! unknown type, a malformed value) are reported here; problems between records are
//! left to `check`.

use super::codes::*;
use super::hir::*;
use super::name::{Name, NameUse};
use super::rdata::{self, FieldError};
use super::rtype::{self, RType};
use crate::diag::{did_you_mean, Diagnostic};
use crate::hir::{Ident, Spanned};
use crate::lower::{decl, value, Attrs, Cx, E_BAD_STATEMENT};
use crate::syntax::cst::{Expr, Stmt, Term, Word};

const ZONE_FORM: &str = "zone \"acme.example.\" { … }";
const ZONE_ATTRS: [&str; 4] = ["ttl", "private", "comment", "unmanaged"];
/// Settings of a record's routing block; an alias also takes `zone_id`, the last one.
pub const ALIAS_ATTRS: [&str; 11] = [
    "set",
    "weight",
    "failover",
    "continent",
    "country",
    "subdivision",
    "region",
    "multivalue",
    "health",
    "evaluate_health",
    "zone_id",
];
const ROUTING_ATTRS: &[&str] = ALIAS_ATTRS.split_at(ALIAS_ATTRS.len() - 1).0;
const HEALTHCHECK_FORM: &str = "healthcheck NAME { type = https  host = www.acme.example.  path = \"/health\" }";
const HEALTHCHECK_ATTRS: [&str; 7] = ["type", "host", "ip", "port", "path", "interval", "threshold"];
/// Route53's upper bound for a TTL (a signed 32-bit number of seconds).
pub const MAX_TTL: u64 = 2_147_483_647;

pub fn report_field_error(cx: &mut Cx, e: FieldError) {
    let mut d = Diagnostic::new(e.code, cx.file, e.span.clone(), e.message);
    if let Some(h) = e.help {
        d = d.with_help(h);
    }
    if let Some((title, text)) = e.fix {
        d = d.with_fix(title, cx.file, e.span, text);
    }
    cx.report(d);
}

fn ttl_in_range(cx: &mut Cx, ttl: Option<Spanned<u64>>) -> Option<Spanned<u64>> {
    let t = ttl?;
    if t.value > MAX_TTL {
        let d =
            Diagnostic::new(E_TTL_RANGE, cx.file, t.span.clone(), format!("TTL {} is over Route53's limit", t.value))
                .with_label("out of range")
                .with_help(format!("a TTL is 0–{MAX_TTL} seconds"));
        cx.report(d);
        return None;
    }
    Some(t)
}

/// `zone "NAME." { … }`
pub fn lower_zone(cx: &mut Cx, stmt: &Stmt) -> Option<Zone> {
    let head = stmt.head();
    let (text, span, inner) = match stmt.terms.get(1) {
        Some(Term::Str(s)) => (s.value.clone(), s.span.clone(), s.span.len() == s.value.len() + 2),
        Some(Term::Word(w)) => (w.text.to_string(), w.span.clone(), false),
        _ => {
            let d = Diagnostic::new(decl_code(), cx.file, head.span.clone(), "`zone` needs the zone's name")
                .with_label("name missing")
                .with_help(format!("write `{ZONE_FORM}`"));
            cx.report(d);
            return None;
        }
    };
    decl::no_more_terms(cx, stmt, 2, ZONE_FORM);
    let ident = Ident { text: text.clone(), span: span.clone() };
    let name = match Name::parse(&text, None, NameUse::Zone) {
        Ok(n) => Some(n),
        Err(e) => {
            let at = if inner { span.start + 1 + e.range.start..span.start + 1 + e.range.end } else { span.clone() };
            let mut d = Diagnostic::new(e.code(), cx.file, at, format!("zone name: {e}"));
            if let Some(h) = e.help() {
                d = d.with_help(h);
            }
            if matches!(e.kind, super::name::NameErrorKind::NotAbsolute) {
                let fixed = match stmt.terms.get(1) {
                    Some(Term::Str(_)) => format!("\"{text}.\""),
                    _ => format!("{text}."),
                };
                d = d.with_fix("add the trailing dot", cx.file, span.clone(), fixed);
            }
            cx.report(d);
            None
        }
    };
    let block = decl::block(cx, stmt, ZONE_FORM)?;
    let attrs = Attrs::read_with_statements(cx, block, &ZONE_ATTRS, "zone", &ident);
    let ttl = attrs.ttl(cx, "ttl");
    let ttl = ttl_in_range(cx, ttl);
    let private = attrs.references(cx, "private");
    let private_span = attrs.attr("private").map(|a| a.key.span.clone());
    // Route53 makes a zone private by its VPC associations: with none, the zone would be
    // created public while drove (and the reader) took it for private. Judged on the list
    // as written: one whose members failed to lower was reported already.
    if let Some(Expr::List(l)) = attrs.expr("private") {
        if l.items.is_empty() {
            cx.report(
                Diagnostic::new(E_PRIVATE_NO_NETWORK, cx.file, l.span.clone(), "a private zone needs at least one network")
                    .with_label("no network")
                    .with_help("list the networks the zone answers in, e.g. `private = [main]`, or remove `private` for a public zone"),
            );
        }
    }
    let comment = attrs.string(cx, "comment");
    let unmanaged = super::ignore::lower_policy(cx, &attrs);
    let mut ignores = Vec::new();
    // Sized up front: a zone's records are most of the memory `drove check` holds, and
    // growing by doubling kept up to twice that for a moment.
    let mut records = Vec::with_capacity(if name.is_some() { attrs.statements().len() } else { 0 });
    if let Some(origin) = &name {
        for s in attrs.statements() {
            if super::ignore::is_ignore(s) {
                ignores.extend(super::ignore::lower_ignore(cx, s, origin));
            } else {
                records.extend(lower_record(cx, s, origin));
            }
        }
    }
    Some(Zone {
        file: cx.file,
        ident,
        name,
        span: stmt.span.clone(),
        ttl,
        private,
        private_span,
        comment,
        unmanaged,
        ignores,
        records,
    })
}

fn decl_code() -> &'static str {
    crate::lower::E_BAD_HEADER
}

/// Whether a word in the second column is a TTL rather than a type.
fn looks_like_ttl(w: &Word) -> bool {
    w.text.starts_with(|c: char| c.is_ascii_digit())
}

/// One record line.
pub fn lower_record(cx: &mut Cx, stmt: &Stmt, origin: &Name) -> Option<Record> {
    let owner_word = stmt.head();
    let owner = match Name::parse(&owner_word.text, Some(origin), NameUse::Owner) {
        Ok(n) => Some(n),
        Err(e) => {
            report_field_error(cx, FieldError::from_name(&owner_word.span, "record name", &e));
            None
        }
    };
    if let Some(v) = &stmt.value {
        let d = Diagnostic::new(E_BAD_STATEMENT, cx.file, v.span(), "a record line takes no `= value`")
            .with_help("write `NAME [TTL] TYPE VALUE, …`, e.g. `www 300 A 192.0.2.10`");
        cx.report(d);
    }
    let mut i = 1;
    let mut ttl = None;
    if let Some(Term::Word(w)) = stmt.terms.get(1) {
        if looks_like_ttl(w) {
            // The common case directly; errors (and `let` constants) through the reader.
            let t = match crate::literal::ttl(&w.text) {
                Ok(t) => Some(Spanned::new(t, w.span.clone())),
                Err(_) => value::ttl(cx, &Expr::Word(w.clone())),
            };
            ttl = ttl_in_range(cx, t);
            i = 2;
        }
    }
    let type_word = match stmt.terms.get(i) {
        Some(Term::Word(w)) => w,
        other => {
            let span = other.map(Term::span).unwrap_or_else(|| owner_word.span.clone());
            let d = Diagnostic::new(E_UNKNOWN_TYPE, cx.file, span, "expected a record type")
                .with_label("record type expected")
                .with_help("a record line is `NAME [TTL] TYPE VALUE, …`, e.g. `www 300 A 192.0.2.10`");
            cx.report(d);
            return None;
        }
    };
    let rtype = record_type(cx, type_word)?;
    let value_terms = &stmt.terms[i + 1..];
    let mut data =
        if let Some(Term::Word(kw)) = value_terms.first().filter(|t| matches!(t, Term::Word(w) if w.text == "alias")) {
            RecordData::Alias(Box::new(lower_alias(cx, kw, &value_terms[1..], origin)?))
        } else {
            RecordData::Values(lower_values(cx, rtype, type_word, value_terms, origin))
        };
    let routing = match &stmt.block {
        Some(b) => {
            let owner_ident = Ident { text: owner_word.text.to_string(), span: owner_word.span.clone() };
            let known: &[&str] = if matches!(data, RecordData::Alias(_)) { &ALIAS_ATTRS } else { ROUTING_ATTRS };
            let attrs = Attrs::read(cx, b, known, "record", &owner_ident);
            if let RecordData::Alias(a) = &mut data {
                a.zone_id = attrs.string(cx, "zone_id");
                a.evaluate_health = attrs.boolean(cx, "evaluate_health");
            } else if let Some(a) = attrs.attr("evaluate_health") {
                let d = Diagnostic::new(
                    E_ALIAS_TYPE,
                    cx.file,
                    a.key.span.clone(),
                    "`evaluate_health` is a setting of alias records",
                )
                .with_help("health of a record with values is checked with `health = HEALTHCHECK`")
                .with_fix("remove it", cx.file, a.span.clone(), "");
                cx.report(d);
            }
            Routed::from(lower_routing(cx, &attrs, b.span.clone()))
        }
        None => Routed::default(),
    };
    if let (RecordData::Alias(a), Some(t)) = (&data, &ttl) {
        let d = Diagnostic::new(E_ALIAS_TTL, cx.file, t.span.clone(), "an alias record has no TTL")
            .with_label("TTL not allowed here")
            .with_secondary(cx.file, a.keyword_span.clone(), "this record is an alias")
            .with_help("Route53 answers an alias with the TTL of its target; remove the TTL")
            .with_fix("remove the TTL", cx.file, t.span.clone(), "");
        cx.report(d);
        ttl = None;
    }
    Some(Record {
        span: stmt.span.clone(),
        owner: owner?,
        owner_span: owner_word.span.clone(),
        ttl,
        rtype,
        type_span: type_word.span.clone(),
        data,
        routing,
    })
}

fn record_type(cx: &mut Cx, w: &Word) -> Option<RType> {
    if let Some(t) = RType::parse(&w.text) {
        return Some(t);
    }
    if rtype::is_known_unsupported(&w.text) {
        let d = Diagnostic::new(
            E_UNSUPPORTED_TYPE,
            cx.file,
            w.span.clone(),
            format!("Route53 does not support {} records", w.text.to_ascii_uppercase()),
        )
        .with_label("not a Route53 record type")
        .with_help(format!("Route53 serves {}", RType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")));
        cx.report(d);
        return None;
    }
    let mut d = Diagnostic::new(E_UNKNOWN_TYPE, cx.file, w.span.clone(), format!("unknown record type `{}`", w.text))
        .with_label("not a record type");
    let upper = w.text.to_ascii_uppercase();
    match did_you_mean(&upper, RType::ALL.iter().map(|t| t.as_str())) {
        Some(s) => {
            d = d.with_replacement(cx.file, w.span.clone(), s);
        }
        None => {
            d = d.with_help(format!(
                "record types are {}",
                RType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    cx.report(d);
    None
}

fn lower_values(cx: &mut Cx, rtype: RType, type_word: &Word, terms: &[Term], origin: &Name) -> Values {
    if terms.is_empty() {
        let d = Diagnostic::new(E_BAD_VALUE, cx.file, type_word.span.clone(), format!("{rtype} record has no value"))
            .with_label("value expected after this")
            .with_help(format!("a {rtype} value is {}", rdata::value_form(rtype)));
        cx.report(d);
        return Values::new();
    }
    // One value per comma-separated part: the one value of most records stays inline,
    // and several are allocated once.
    let mut out = Values::with_capacity(1 + terms.iter().filter(|t| matches!(t, Term::Comma(_))).count());
    let mut rest = terms;
    loop {
        let end = rest.iter().position(|t| matches!(t, Term::Comma(_))).unwrap_or(rest.len());
        let (value, after) = rest.split_at(end);
        match (value.first(), value.last()) {
            (Some(first), Some(last)) => {
                let span = first.span().start..last.span().end;
                match rdata::parse(rtype, value, origin, span.clone()) {
                    Ok(data) => out.push(super::hir::Value { data, span }),
                    Err(e) => report_field_error(cx, e),
                }
            }
            _ => {
                let at = after.first().map(Term::span).unwrap_or_else(|| type_word.span.clone());
                let d = Diagnostic::new(E_BAD_VALUE, cx.file, at.clone(), "empty value between commas")
                    .with_label("a value is missing before this comma")
                    .with_help("remove the extra comma")
                    .with_fix("remove the comma", cx.file, at, "");
                cx.report(d);
            }
        }
        match after.split_first() {
            Some((_comma, next)) if !next.is_empty() => rest = next,
            Some((comma, _)) => {
                let d = Diagnostic::new(E_BAD_VALUE, cx.file, comma.span(), "trailing comma after the last value")
                    .with_help("remove the comma, or add the next value after it")
                    .with_fix("remove the comma", cx.file, comma.span(), "");
                cx.report(d);
                break;
            }
            None => break,
        }
    }
    out
}

fn lower_alias(cx: &mut Cx, kw: &Word, terms: &[Term], origin: &Name) -> Option<Alias> {
    let form = "write `NAME TYPE alias TARGET`, e.g. `@ A alias www` or `cdn A alias d111111abcdef8.cloudfront.net.`";
    let target = match terms.first() {
        Some(Term::Word(w)) => w,
        other => {
            let span = other.map(Term::span).unwrap_or_else(|| kw.span.clone());
            let d = Diagnostic::new(E_BAD_VALUE, cx.file, span, "an alias needs a target name").with_help(form);
            cx.report(d);
            return None;
        }
    };
    if let Some(extra) = terms.get(1) {
        let end = terms.last().map(|t| t.span().end).unwrap_or(extra.span().end);
        let d = Diagnostic::new(E_BAD_VALUE, cx.file, extra.span().start..end, "an alias has exactly one target")
            .with_label("unexpected after the alias target")
            .with_help(form);
        cx.report(d);
    }
    match Name::parse(&target.text, Some(origin), NameUse::Target) {
        Ok(name) => Some(Alias {
            target: name,
            target_span: target.span.clone(),
            keyword_span: kw.span.clone(),
            zone_id: None,
            evaluate_health: None,
            balancer: balancer_name(&target.text, target.span.start),
            balancer_stack: match target.text.split('.').collect::<Vec<_>>().as_slice() {
                [used, "balancer", name] if !used.is_empty() && !name.is_empty() => Some(crate::hir::Ident {
                    text: used.to_string(),
                    span: target.span.start..target.span.start + used.len(),
                }),
                _ => None,
            },
        }),
        Err(e) => {
            report_field_error(cx, FieldError::from_name(&target.span, "alias target", &e));
            None
        }
    }
}

fn lower_routing(cx: &mut Cx, attrs: &Attrs, block: crate::source::Span) -> Routing {
    let failover = attrs.text(cx, "failover").and_then(|f| match f.value.as_str() {
        "primary" => Some(Spanned::new(Failover::Primary, f.span)),
        "secondary" => Some(Spanned::new(Failover::Secondary, f.span)),
        other => {
            let mut d =
                Diagnostic::new(E_FAILOVER, cx.file, f.span.clone(), format!("`{other}` is not a failover role"))
                    .with_label("expected `primary` or `secondary`");
            if let Some(s) = did_you_mean(other, ["primary", "secondary"]) {
                d = d.with_replacement(cx.file, f.span.clone(), s);
            } else {
                d = d.with_help("write `failover = primary` or `failover = secondary`");
            }
            cx.report(d);
            None
        }
    });
    // An out-of-range weight is reported and kept, so the group still reads as weighted.
    let weight = attrs.integer(cx, "weight").inspect(|w| {
        if w.value > 255 {
            let d = Diagnostic::new(E_WEIGHT, cx.file, w.span.clone(), format!("weight {} is out of range", w.value))
                .with_label("expected 0–255")
                .with_help("Route53 weights are 0–255; a record's share is its weight over the sum of the group's");
            cx.report(d);
        }
    });
    Routing {
        block: Some(block),
        set: attrs.text(cx, "set"),
        weight,
        failover,
        continent: attrs.text(cx, "continent"),
        country: attrs.text(cx, "country"),
        subdivision: attrs.text(cx, "subdivision"),
        region: attrs.text(cx, "region"),
        multivalue: attrs.boolean(cx, "multivalue"),
        health: attrs.reference(cx, "health"),
    }
}

/// `healthcheck NAME { … }`
pub fn lower_healthcheck(cx: &mut Cx, stmt: &Stmt) -> Option<HealthCheck> {
    let name = decl::name(cx, stmt, HEALTHCHECK_FORM)?;
    decl::no_more_terms(cx, stmt, 2, HEALTHCHECK_FORM);
    let block = decl::block(cx, stmt, HEALTHCHECK_FORM)?;
    let attrs = Attrs::read(cx, block, &HEALTHCHECK_ATTRS, "healthcheck", &name);
    attrs.require(cx, &["type"]);
    let kind = attrs.text(cx, "type").and_then(|t| {
        let k = match t.value.as_str() {
            "http" => CheckType::Http,
            "https" => CheckType::Https,
            "tcp" => CheckType::Tcp,
            other => {
                let mut d = Diagnostic::new(
                    E_HEALTHCHECK,
                    cx.file,
                    t.span.clone(),
                    format!("`{other}` is not a health check type"),
                )
                .with_label("expected `http`, `https` or `tcp`");
                if let Some(s) = did_you_mean(other, ["http", "https", "tcp"]) {
                    d = d.with_replacement(cx.file, t.span.clone(), s);
                }
                cx.report(d);
                return None;
            }
        };
        Some(Spanned::new(k, t.span))
    });
    let host = attrs.text(cx, "host").and_then(|h| match Name::parse(&h.value, None, NameUse::Target) {
        Ok(n) if !n.is_root() => Some(Spanned::new(n, h.span)),
        Ok(_) => None,
        Err(e) => {
            let mut d = Diagnostic::new(e.code(), cx.file, h.span.clone(), format!("health check host: {e}"));
            if let Some(help) = e.help() {
                d = d.with_help(help);
            }
            cx.report(d);
            None
        }
    });
    let ip = attrs.address(cx, "ip");
    let port = attrs.integer(cx, "port").filter(|p| {
        let ok = (1..=65535).contains(&p.value);
        if !ok {
            let d =
                Diagnostic::new(E_HEALTHCHECK, cx.file, p.span.clone(), format!("port {} is out of range", p.value))
                    .with_label("expected 1–65535");
            cx.report(d);
        }
        ok
    });
    let path = attrs.string(cx, "path");
    let interval = attrs.duration(cx, "interval").filter(|i| {
        let ok = i.value == 10 || i.value == 30;
        if !ok {
            let fix = if i.value < 20 { "10s" } else { "30s" };
            let d = Diagnostic::new(
                E_HEALTHCHECK,
                cx.file,
                i.span.clone(),
                format!("interval of {}s is not one Route53 offers", i.value),
            )
            .with_label("expected `10s` or `30s`")
            .with_help(format!("Route53 checks every 10 or 30 seconds; did you mean `{fix}`?"))
            .with_fix(format!("replace with `{fix}`"), cx.file, i.span.clone(), fix);
            cx.report(d);
        }
        ok
    });
    let threshold = attrs.integer(cx, "threshold").filter(|t| {
        let ok = (1..=10).contains(&t.value);
        if !ok {
            let d = Diagnostic::new(
                E_HEALTHCHECK,
                cx.file,
                t.span.clone(),
                format!("threshold {} is out of range", t.value),
            )
            .with_label("expected 1–10")
            .with_help("the number of consecutive failures before Route53 marks the endpoint unhealthy is 1–10");
            cx.report(d);
        }
        ok
    });
    Some(HealthCheck { file: cx.file, name, span: stmt.span.clone(), kind, host, ip, port, path, interval, threshold })
}

/// `NAME` of `balancer.NAME` or `USE.balancer.NAME`, with its span.
fn balancer_name(text: &str, start: usize) -> Option<crate::hir::Ident> {
    let (prefix, name) = match text.split('.').collect::<Vec<_>>().as_slice() {
        ["balancer", name] => (0, *name),
        [used, "balancer", name] => (used.len() + 1, *name),
        _ => return None,
    };
    let at = start + prefix + "balancer.".len();
    (!name.is_empty()).then(|| crate::hir::Ident { text: name.to_string(), span: at..at + name.len() })
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::diag::{Diagnostic, Sink};
    use crate::dns::hir::{Policy, RecordData};
    use crate::dns::rdata::Rdata;

    pub(crate) fn lower_src(text: &str) -> (crate::hir::Stack, Vec<Diagnostic>) {
        let (file, mut diags) = crate::syntax::parse(0, text);
        let mut sink = Sink::default();
        let stack = crate::lower::lower(&[file], &mut sink);
        diags.extend(sink.diagnostics);
        (stack, diags)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn lowers_the_language_example() {
        let (stack, diags) = lower_src(
            r#"zone "Acme.Example." {
  ttl     = 300
  comment = "public site"
  @     300   A      54.64.225.166
  www         CNAME  acme.example.
  app   60    A      hosts.app.public_ip
  @     3600  MX     10 mx1.acme.example., 20 mx2.acme.example.
  @           TXT    "v=spf1 include:_spf.google.com ~all"
  api 60 A 192.0.2.10 { set = "blue"  weight = 90 }
  cdn  A  alias d111111abcdef8.cloudfront.net. { evaluate_health = false }
}
healthcheck web { type = https  host = www.acme.example.  port = 443  path = "/health"  interval = 30s  threshold = 3 }
"#,
        );
        assert_eq!(codes(&diags), Vec::<&str>::new(), "{diags:?}");
        let z = &stack.zones[0];
        assert_eq!(z.name.as_ref().unwrap().to_string(), "acme.example.");
        assert_eq!(z.records.len(), 7);
        let mx = &z.records[3];
        match &mx.data {
            RecordData::Values(v) => {
                assert_eq!(v.len(), 2);
                assert_eq!(v[1].data.presentation().as_deref(), Some("20 mx2.acme.example."));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&z.records[4].data, RecordData::Values(v) if matches!(v[0].data, Rdata::Txt(_))));
        assert_eq!(z.records[5].routing.policy(), Some(Policy::Weighted));
        assert!(
            matches!(&z.records[6].data, RecordData::Alias(a) if a.evaluate_health.as_ref().is_some_and(|e| !e.value))
        );
        assert_eq!(stack.healthchecks[0].interval.as_ref().map(|i| i.value), Some(30));
    }

    #[test]
    fn line_errors() {
        let (_, diags) = lower_src(
            r#"zone "acme.example." {
  www CNAM acme.example.
  www LOC "x"
  mx 300 MX ten mx1
  a 3000000000 A 192.0.2.1
  b A alias c { zone_id = "Z1" }
  c 60 A alias b
  d A 192.0.2.1 { weight = 300 failover = primry }
  e A 192.0.2.1,
}
zone "bad..name." { }
healthcheck h { type = htp  interval = 15s  threshold = 11  port = 0 }
"#,
        );
        assert_eq!(
            codes(&diags),
            [
                "E0270", "E0271", "E0272", "E0280", "E0292", "E0286", "E0285", "E0272", "E0273", "E0295", "E0295",
                "E0295", "E0295"
            ],
            "{diags:#?}"
        );
        let cnam = &diags[0];
        assert_eq!(cnam.fixes[0].replacement, "CNAME");
    }
}
