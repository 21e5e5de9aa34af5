//! A zone's `unmanaged = keep | delete` and its `ignore "PATTERN" TYPE, …` lines: the
//! records other systems own (external-dns, ACM validation, ACME clients), which drove
//! neither lists as not managed nor deletes. Lowering reports a malformed rule (E0266);
//! the check refuses a rule that covers a declared record (E0265), since drove would then
//! both manage and ignore it.

use super::codes::{E_IGNORE_DECLARED, E_IGNORE_MALFORMED};
use super::hir::{Ignore, UnmanagedPolicy, Zone};
use super::name::{Name, MAX_LABEL, MAX_NAME};
use super::rtype::RType;
use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::Spanned;
use crate::lower::{Attrs, Cx};
use crate::syntax::cst::{Stmt, Term};

const FORM: &str = "write `ignore \"PATTERN\" TYPE, …`, e.g. `ignore \"_acme-challenge\" TXT`";

/// Whether a statement of a zone is an ignore rule rather than a record of the name
/// `ignore` (whose second word is a TTL or a record type).
pub fn is_ignore(stmt: &Stmt) -> bool {
    if stmt.head().text != "ignore" {
        return false;
    }
    match stmt.terms.get(1) {
        Some(Term::Word(w)) => RType::parse(&w.text).is_none() && !w.text.starts_with(|c: char| c.is_ascii_digit()),
        _ => true,
    }
}

/// `unmanaged = keep | delete`.
pub fn lower_policy(cx: &mut Cx, attrs: &Attrs) -> Option<Spanned<UnmanagedPolicy>> {
    let t = attrs.text(cx, "unmanaged")?;
    let policy = match t.value.as_str() {
        "keep" => UnmanagedPolicy::Keep,
        "delete" => UnmanagedPolicy::Delete,
        other => {
            let mut d = Diagnostic::new(
                E_IGNORE_MALFORMED,
                cx.file,
                t.span.clone(),
                format!("`{other}` is not a policy for records the zone does not declare"),
            )
            .with_label("expected `keep` or `delete`");
            d = match did_you_mean(other, ["keep", "delete"]) {
                Some(s) => d.with_replacement(cx.file, t.span, s),
                None => d.with_help(
                    "`keep` lists them in the plan and leaves them; `delete` deletes them (the zone is its source)",
                ),
            };
            cx.report(d);
            return None;
        }
    };
    Some(Spanned::new(policy, t.span))
}

fn malformed(cx: &mut Cx, span: crate::source::Span, message: impl Into<String>, help: impl Into<String>) {
    cx.report(Diagnostic::new(E_IGNORE_MALFORMED, cx.file, span, message).with_help(help));
}

/// One `ignore` line; `None` (reported) when its pattern is malformed. A bad type is
/// reported and left out, so the rule still covers the types that parsed.
pub fn lower_ignore(cx: &mut Cx, stmt: &Stmt, origin: &Name) -> Option<Ignore> {
    if let Some(v) = &stmt.value {
        malformed(cx, v.span(), "an ignore rule takes no `= value`", FORM);
    }
    if let Some(b) = &stmt.block {
        malformed(cx, b.span.clone(), "an ignore rule takes no block", FORM);
    }
    let pattern = match stmt.terms.get(1) {
        Some(Term::Str(s)) => Spanned::new(s.value.clone(), s.span.clone()),
        Some(other) => {
            let help = format!("quote the pattern: {FORM}");
            malformed(cx, other.span(), "the pattern of an ignore rule is a string", help);
            return None;
        }
        None => {
            malformed(cx, stmt.head().span.clone(), "`ignore` needs a name pattern", FORM);
            return None;
        }
    };
    let name = match absolute(&pattern.value, origin) {
        Ok(n) => n,
        Err((message, help)) => {
            malformed(cx, pattern.span.clone(), format!("ignore pattern: {message}"), help);
            return None;
        }
    };
    let types = lower_types(cx, &stmt.terms[2..]);
    Some(Ignore { span: stmt.span.clone(), pattern, name, types })
}

/// The record types after the pattern, separated by commas (or blanks).
fn lower_types(cx: &mut Cx, terms: &[Term]) -> Vec<Spanned<RType>> {
    let mut out = Vec::new();
    for t in terms {
        let w = match t {
            Term::Comma(_) => continue,
            Term::Word(w) => w,
            Term::Str(s) => {
                malformed(cx, s.span.clone(), "a record type is a word, not a string", "write the type bare: `TXT`");
                continue;
            }
        };
        if let Some(rt) = RType::parse(&w.text) {
            out.push(Spanned::new(rt, w.span.clone()));
            continue;
        }
        let upper = w.text.to_ascii_uppercase();
        let mut d =
            Diagnostic::new(E_IGNORE_MALFORMED, cx.file, w.span.clone(), format!("`{}` is not a record type", w.text))
                .with_label("not a Route53 record type");
        d = if upper == "SOA" {
            d.with_help("drove never touches the zone's SOA (nor its apex NS records): they need no ignore rule")
        } else if let Some(s) = did_you_mean(&upper, RType::ALL.iter().map(|t| t.as_str())) {
            d.with_replacement(cx.file, w.span.clone(), s)
        } else {
            d.with_help(format!(
                "record types are {}",
                RType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
            ))
        };
        cx.report(d);
    }
    out
}

/// The pattern absolute and in lower case, or what is wrong with it and how to fix it.
fn absolute(pattern: &str, origin: &Name) -> Result<String, (String, String)> {
    let zone = origin.to_string();
    let lower = pattern.to_ascii_lowercase();
    if lower.is_empty() {
        return Err(("the pattern is empty".into(), "write a name relative to the zone, `@` for the apex".into()));
    }
    if lower == "@" || lower == zone {
        return Ok(zone);
    }
    let relative = match lower.strip_suffix(&format!(".{zone}")) {
        Some(r) => r.to_string(),
        None if lower.ends_with('.') => {
            return Err((
                format!("`{pattern}` is not inside zone `{zone}`"),
                "write the pattern relative to the zone (`_acme-challenge`), or absolute ending in the zone's name"
                    .into(),
            ))
        }
        None => lower,
    };
    for label in relative.split('.') {
        if label.is_empty() {
            return Err(("empty label".into(), "remove the doubled, leading or trailing dot".into()));
        }
        if label.len() > MAX_LABEL {
            return Err((
                format!("a label is {} bytes long", label.len()),
                format!("a label holds at most {MAX_LABEL} bytes"),
            ));
        }
        if label.contains("**") && label != "**" {
            return Err((
                format!("`{label}`: `**` stands for whole labels"),
                "write `**` as a label of its own (`_*.**` covers `_x.www` and `_x.a.b`), or `*` inside a label".into(),
            ));
        }
        if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*'))) {
            return Err((
                format!("`{}` is not allowed in a name pattern", c.escape_debug()),
                "patterns hold letters, digits, `-`, `_`, `*` (any run within a label) and `**` (one or more labels)"
                    .into(),
            ));
        }
    }
    let name = format!("{relative}.{zone}");
    if name.len() - 1 > MAX_NAME {
        return Err((
            format!("the name is {} bytes long", name.len() - 1),
            format!("a name holds at most {MAX_NAME} bytes"),
        ));
    }
    Ok(name)
}

/// E0265: a rule that covers a declared record, reported once per rule at its pattern.
pub fn check_rules(z: &Zone, sink: &mut Sink) {
    for rule in &z.ignores {
        let model = rule.rule();
        let mut covered = z.records.iter().filter(|r| model.matches(&r.owner.to_string(), r.rtype.as_str()));
        let Some(first) = covered.next() else { continue };
        let more = covered.count();
        let also = if more > 0 { format!(" (and {more} more)") } else { String::new() };
        sink.push(
            Diagnostic::new(
                E_IGNORE_DECLARED,
                z.file,
                rule.pattern.span.clone(),
                format!(
                    "ignore rule `{}` covers the declared record {} {}{also}",
                    rule.pattern.value, first.owner, first.rtype
                ),
            )
            .with_label("ignores a record this zone declares")
            .with_secondary(z.file, first.owner_span.clone(), "declared here")
            .with_help(
                "a record is either drove's or another system's: narrow the pattern or its types, or remove the record",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::absolute;
    use crate::dns::name::{Name, NameUse};

    #[test]
    fn patterns_become_absolute() {
        let zone = Name::parse("acme.example.", None, NameUse::Zone).expect("zone");
        let ok = |p: &str| absolute(p, &zone).expect(p);
        assert_eq!(ok("@"), "acme.example.");
        assert_eq!(ok("Acme.Example."), "acme.example.");
        assert_eq!(ok("_acme-challenge"), "_acme-challenge.acme.example.");
        assert_eq!(ok("_*.**"), "_*.**.acme.example.");
        assert_eq!(ok("a-*.k8s.acme.example."), "a-*.k8s.acme.example.");
        for bad in ["", "a..b", "www.", "other.example.", "a**", "ww w", "x.@", &"a".repeat(64), "."] {
            assert!(absolute(bad, &zone).is_err(), "{bad:?} should be refused");
        }
        let long = vec!["abcdefghij"; 23].join(".");
        assert!(absolute(&long, &zone).is_err());
    }
}
