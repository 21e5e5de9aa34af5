//! Drift in the editor: what a read-only refresh found changed outside drove, as
//! diagnostics on the declarations, with a fix that adopts the live value into the source
//! where the source says it in one place (a record line, a role's type, a firewall's
//! rules). Without that fix the drift stays for the next apply to revert.

use crate::analysis::Analysis;
use crate::diag::Diagnostic;
use crate::dns::hir::RecordData;
use crate::dns::rdata::{AValue, Rdata};
use crate::hir::Stack;
use crate::model::security_group_rules::{Peer, Rule};
use crate::sites::Declarations;
use crate::source::{FileId, Span};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct DriftedAttribute {
    pub name: String,
    /// As the state recorded it after the last apply.
    pub recorded: Value,
    /// As it is now.
    pub live: Value,
}

/// One resource that changed outside drove.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub address: String,
    pub kind: String,
    /// Deleted outside drove.
    pub gone: bool,
    pub attributes: Vec<DriftedAttribute>,
}

/// What a refresh found, for one stack in one environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftView {
    pub environment: Option<String>,
    /// The engine's code for drift (its page explains adopt and revert).
    pub code: &'static str,
    pub drifts: Vec<Drift>,
    /// How many resources were read.
    pub checked: usize,
}

/// A diagnostic per drifted resource at its declaration (the top of the first file when
/// the source no longer declares it), with an adopting fix where there is one. The
/// diagnostic's label carries the address, which the language server's "revert on next
/// apply" action names.
pub fn diagnostics(analysis: &Analysis, view: &DriftView, skip: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    if view.drifts.is_empty() {
        return Vec::new();
    }
    let stack = analysis.stack_in(view.environment.as_deref());
    let declared = Declarations::of(stack);
    let mut out = Vec::new();
    for d in view.drifts.iter().filter(|d| !skip(&d.address)) {
        let (file, span) = declared.find(&d.address).unwrap_or((0, 0..0));
        let message = if d.gone {
            format!("{} was deleted outside drove; the next apply creates it again", d.address)
        } else {
            let what: Vec<String> = d.attributes.iter().map(describe).collect();
            format!("{} changed outside drove: {}", d.address, what.join("; "))
        };
        let mut diag = Diagnostic::new(view.code, file, span, message)
            .with_label(d.address.clone())
            .with_help("adopt the live value into the source, or leave it and the next apply reverts it");
        if let Some((title, file, span, text)) = adoption(stack, d) {
            diag = diag.with_fix(title, file, span, text);
        }
        out.push(analysis.locate(diag));
    }
    out
}

fn describe(a: &DriftedAttribute) -> String {
    format!("{} was {}, is {}", a.name, short(&a.recorded), short(&a.live))
}

fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "unset".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(79).collect::<String>())
    } else {
        text
    }
}

type Adoption = (String, FileId, Span, String);

fn adoption(stack: &Stack, d: &Drift) -> Option<Adoption> {
    if d.gone || d.attributes.is_empty() {
        return None;
    }
    match d.kind.as_str() {
        crate::model::record_set::KIND => adopt_record(stack, d),
        crate::model::instance::KIND => adopt_instance_type(stack, d),
        crate::model::security_group_rules::KIND => adopt_rules(stack, d),
        _ => None,
    }
}

fn live_of<'a>(d: &'a Drift, name: &str) -> Option<&'a Value> {
    d.attributes.iter().find(|a| a.name == name).map(|a| &a.live)
}

/// A record set written on one line of literal values takes the live values and TTL.
fn adopt_record(stack: &Stack, d: &Drift) -> Option<Adoption> {
    if d.attributes.iter().any(|a| a.name != "values" && a.name != "ttl") {
        return None;
    }
    for z in &stack.zones {
        let Some(name) = &z.name else { continue };
        let suffix = crate::dns::compile::zone_suffix(stack, z, name);
        let lines: Vec<_> =
            z.records.iter().filter(|r| crate::dns::compile::record_address(r, &suffix) == d.address).collect();
        let [r] = lines.as_slice() else { continue };
        if !r.routing.is_simple() {
            return None;
        }
        let RecordData::Values(values) = &r.data else { return None };
        if values.iter().any(|v| matches!(&v.data, Rdata::A(AValue::Host(_)))) {
            return None;
        }
        let live_values: Vec<String> = match live_of(d, "values") {
            Some(Value::Array(vs)) => vs.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<_>>()?,
            Some(_) => return None,
            None => values.iter().map(|v| v.data.presentation().unwrap_or_default()).collect(),
        };
        let first = values.first()?.span.start;
        let last = values.last()?.span.end;
        let mut edits = live_values.join(", ");
        let mut start = first;
        if let Some(ttl) = live_of(d, "ttl").and_then(Value::as_u64) {
            // Rewrite from the TTL (or the type) on, so the TTL is written where it goes.
            start = r.ttl.as_ref().map_or(r.type_span.start, |t| t.span.start);
            edits = format!("{ttl} {} {edits}", r.rtype);
        }
        return Some((format!("adopt the live {} into the source", what(d)), z.file, start..last, edits));
    }
    None
}

fn what(d: &Drift) -> String {
    let names: Vec<&str> = d.attributes.iter().map(|a| a.name.as_str()).collect();
    names.join(" and ")
}

/// An instance's live type goes into its role's `type`, which every host of the role shares.
fn adopt_instance_type(stack: &Stack, d: &Drift) -> Option<Adoption> {
    if d.attributes.len() != 1 {
        return None;
    }
    let live = live_of(d, "instance_type")?.as_str()?;
    let site = crate::sites::instance_site(stack, &d.address, Some("instance_type"))?;
    let (file, span, label) = site.cause?;
    Some((format!("adopt {live} into {label} (all its hosts)"), file, span, live.to_string()))
}

/// Rules added in the console are written into the firewall; a rule removed there is
/// not adopted (which of the source's lines made it is not always one line).
fn adopt_rules(stack: &Stack, d: &Drift) -> Option<Adoption> {
    let name = d.address.strip_prefix("firewall.")?.strip_suffix(".rules")?;
    let fw = stack.firewall(name)?;
    let mut lines = Vec::new();
    for a in &d.attributes {
        let dir = match a.name.as_str() {
            "ingress" => "from",
            "egress" => "to",
            _ => return None,
        };
        let recorded: Vec<Rule> = serde_json::from_value(a.recorded.clone()).unwrap_or_default();
        let live: Vec<Rule> = serde_json::from_value(a.live.clone()).ok()?;
        for rule in live.iter().filter(|r| !recorded.contains(r)) {
            lines.push(rule_line(rule, dir)?);
        }
    }
    if lines.is_empty() {
        return None;
    }
    let close = fw.span.end.checked_sub(1)?;
    let text: String = lines.iter().map(|l| format!("  {l}\n")).collect();
    Some((
        format!("adopt {} into firewall {name}", crate::render::counted(lines.len(), "live rule")),
        fw.file,
        close..close,
        text,
    ))
}

/// A rule as the source writes it; `None` for one that names another group by id.
fn rule_line(rule: &Rule, dir: &str) -> Option<String> {
    let peer = match &rule.peer {
        Peer::Cidr(c) | Peer::Ipv6Cidr(c) => c.clone(),
        Peer::Group(_) => return None,
    };
    let (protocol, ports) = match rule.protocol.as_str() {
        "-1" => ("all".to_string(), String::new()),
        "tcp" | "udp" if rule.from_port == rule.to_port => (rule.protocol.clone(), format!(" {}", rule.from_port)),
        "tcp" | "udp" => (rule.protocol.clone(), format!(" {}-{}", rule.from_port, rule.to_port)),
        "icmp" => ("icmp".to_string(), String::new()),
        _ => return None,
    };
    Some(format!("allow {protocol}{ports} {dir} {peer}"))
}

#[cfg(test)]
mod tests;
