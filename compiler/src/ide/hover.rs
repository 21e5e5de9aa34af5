//! Hover text (Markdown): what the thing under the cursor is, with its resolved values.

use super::hints::{placements, usable};
use super::hover_values;
use super::index::{Index, SymbolKind};
use crate::analysis::Analysis;
use crate::catalog;
use crate::dns::hir::{Ignore, Record, RecordData, UnmanagedPolicy, Zone};
use crate::dns::rdata::{AValue, Rdata};
use crate::hir::{self, Spanned};
use crate::render::counted;
use crate::source::{FileId, Sources, Span};
use std::fmt::Write;

fn within<T>(s: &Option<Spanned<T>>, offset: usize) -> Option<&Spanned<T>> {
    s.as_ref().filter(|s| s.span.start <= offset && offset <= s.span.end)
}

/// The hover text for a position and the span it describes.
pub fn hover(stack: &hir::Stack, index: &Index, file: FileId, offset: usize) -> Option<(Span, String)> {
    for r in stack.roles.iter().filter(|r| r.file == file) {
        if let Some(t) = within(&r.instance_type, offset) {
            return Some((t.span.clone(), instance_type(stack, &t.value)));
        }
        if let Some(d) = within(&r.secrets, offset) {
            return Some((d.span.clone(), secret_delivery(stack, r)));
        }
        if let Some(a) = r.access.iter().find(|a| a.span.start <= offset && offset <= a.span.end) {
            return Some((a.span.clone(), access(stack, r, a)));
        }
    }
    for z in stack.zones.iter().filter(|z| z.file == file) {
        if let Some(u) = within(&z.unmanaged, offset) {
            return Some((u.span.clone(), unmanaged(z)));
        }
        for rule in &z.ignores {
            if rule.pattern.span.start <= offset && offset <= rule.pattern.span.end {
                return Some((rule.pattern.span.clone(), ignore(z, rule)));
            }
        }
        for r in &z.records {
            if r.owner_span.start <= offset && offset <= r.owner_span.end {
                return Some((r.owner_span.clone(), record(z, r)));
            }
        }
    }
    if let Some(found) = hover_values::record_type(stack, file, offset) {
        return Some(found);
    }
    let Some(id) = index.at(file, offset) else { return written(stack, file, offset) };
    let sym = index.symbol(id)?;
    let span = index
        .references
        .iter()
        .find(|r| r.file == file && r.span.start <= offset && offset <= r.span.end)
        .map(|r| r.span.clone())
        .unwrap_or_else(|| sym.name_span.clone());
    let mut md = format!("```drove\n{} {}\n```\n", sym.kind.keyword(), sym.path(index));
    let _ = match sym.kind {
        SymbolKind::Subnet => subnet(stack, index, id, &mut md),
        SymbolKind::Network => network(stack, &sym.name, &mut md),
        SymbolKind::Role => role(stack, &sym.name, &mut md),
        SymbolKind::Hosts => hosts(stack, &sym.name, &mut md),
        SymbolKind::Host => host(stack, &sym.name, &mut md),
        SymbolKind::Firewall => firewall(stack, &sym.name, &mut md),
        SymbolKind::Stack => stack_info(stack, &mut md),
        SymbolKind::Zone => zone(stack, &sym.name, &mut md),
        SymbolKind::Balancer => balancer(stack, &sym.name, &mut md),
        SymbolKind::Certificate => certificate(stack, &sym.name, &mut md),
        SymbolKind::Let => hover_values::let_value(stack, &sym.name, &mut md),
        SymbolKind::Secret | SymbolKind::HealthCheck | SymbolKind::BalancerTarget | SymbolKind::Use => Some(()),
    };
    let uses = index.references_to(id).count();
    let _ = writeln!(md, "\n{}", counted(uses, "reference"));
    Some((span, md))
}

/// Everything hover can say at a position, in the order the editor wants it: the thing
/// under the cursor, an environment block, an attribute's meaning, and last the
/// diagnostic of a word nothing else explains (a misspelt name).
pub fn hover_at(
    analysis: &Analysis,
    index: &Index,
    sources: &Sources,
    file: FileId,
    offset: usize,
) -> Option<(Span, String)> {
    let found = hover(&analysis.stack, index, file, offset)
        .or_else(|| super::environment_hover(&analysis.files, sources, file, offset))
        .or_else(|| hover_values::attribute(analysis.files.get(file)?, offset))
        .or_else(|| hover_values::diagnostics(&analysis.diagnostics, file, offset));
    let (span, mut md) = found?;
    // Reachability needs the compiled stack, so it is added to a name's hover here.
    if let Some(sym) = index.at(file, offset).and_then(|id| index.symbol(id)) {
        if let Some(extra) = super::hover_reach::section(analysis, sym.kind, &sym.name) {
            md.push_str(&extra);
        }
    }
    Some((span, md))
}

/// A CIDR, or a record's values (its DNS names written relative to the zone).
fn written(stack: &hir::Stack, file: FileId, offset: usize) -> Option<(Span, String)> {
    if let Some((span, net)) = hover_values::cidr_at(stack, file, offset) {
        return Some((span, hover_values::cidr(stack, &net)));
    }
    let holds = |s: &Span| s.start <= offset && offset <= s.end;
    for z in stack.zones.iter().filter(|z| z.file == file) {
        for r in z.records.iter().filter(|r| holds(&r.span)) {
            match &r.data {
                RecordData::Values(values) => {
                    if let Some(v) = values.iter().find(|v| holds(&v.span)) {
                        let md = format!("value `{}`\n\n{}", value(&v.data), record(z, r));
                        return Some((v.span.clone(), md));
                    }
                }
                RecordData::Alias(a) if holds(&a.target_span) => {
                    return Some((a.target_span.clone(), record(z, r)));
                }
                RecordData::Alias(_) => {}
            }
        }
    }
    None
}

fn instance_type(stack: &hir::Stack, name: &str) -> String {
    let Some(t) = catalog::instance_type(name) else {
        return format!("`{name}`: not in the instance-type catalog");
    };
    let mut md = format!("**{}**: {} vCPU, {} GiB memory, {}\n", t.name, t.vcpus, t.memory_gib, t.arch.as_str());
    let region = stack.info().and_then(|s| s.region.as_ref()).map(|r| r.value.as_str());
    if let Some(region) = region {
        if let (Some(h), Some(m)) = (catalog::hourly_price(region, name), catalog::monthly_cost(region, name)) {
            let _ = writeln!(md, "\n${h:.4}/hour, about ${m:.2}/month on demand in {region}");
        }
    }
    md
}

fn subnet(stack: &hir::Stack, index: &Index, id: usize, md: &mut String) -> Option<()> {
    let sym = index.symbol(id)?;
    let net = index.symbol(sym.parent?)?;
    let (_, s) = stack.subnet(&net.name, &sym.name)?;
    if let Some(c) = &s.cidr {
        let _ = writeln!(
            md,
            "range `{}` ({} – {}), {} usable addresses",
            c.value,
            c.value.network(),
            c.value.broadcast(),
            usable(&c.value)
        );
    }
    if let Some(z) = &s.zone {
        let _ = writeln!(md, "\nzone `{}`{}", z.value, if s.is_public() { ", public" } else { "" });
    }
    if let Some(network) = stack.networks.iter().find(|n| n.name.text == net.name) {
        let region = stack.info().and_then(|i| i.region.as_ref()).map(|r| r.value.clone()).unwrap_or_default();
        if s.is_public() && s.has_nat() {
            let _ = writeln!(md, "\na NAT gateway here gives the network's private subnets their way out");
        } else if !s.is_public() {
            match crate::compile::network::nat_route(network, s, &region) {
                Some(via) => {
                    let _ = writeln!(md, "\nroutes out through the NAT gateway in `{}`", via.name.text);
                }
                None => {
                    let _ = writeln!(md, "\nno route out: the network has no NAT gateway");
                }
            }
        }
    }
    let here: Vec<_> =
        placements(stack).into_iter().filter(|p| p.network == net.name && p.subnet == sym.name).collect();
    if here.is_empty() {
        let _ = writeln!(md, "\nno hosts land here");
    } else {
        let total: u64 = here.iter().map(|p| p.count).sum();
        let list: Vec<_> = here.iter().map(|p| format!("{} × {}", p.count, p.who)).collect();
        let _ = writeln!(md, "\n{total} host{} land here: {}", if total == 1 { "" } else { "s" }, list.join(", "));
    }
    Some(())
}

fn network(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let n = stack.network(name)?;
    if let Some(c) = &n.cidr {
        let _ = writeln!(md, "range `{}`, {}", c.value, counted(n.subnets.len(), "subnet"));
    }
    Some(())
}

fn role(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let r = stack.role(name)?;
    if let Some(t) = &r.instance_type {
        let summary = catalog::instance_type(&t.value).map(|t| format!(" ({})", t.summary())).unwrap_or_default();
        let _ = writeln!(md, "type `{}`{summary}", t.value);
    }
    if !r.firewalls.is_empty() {
        let names: Vec<_> = r.firewalls.iter().map(|f| f.text.as_str()).collect();
        let _ = writeln!(md, "\nfirewalls: {}", names.join(", "));
    }
    Some(())
}

fn hosts(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let h = stack.hosts.iter().find(|h| h.name.text == name)?;
    let count = h.count.as_ref().map_or(0, |c| c.value);
    let role = h.role.as_ref().map_or("?", |r| r.text.as_str());
    let _ = writeln!(md, "{count} × role `{role}`");
    let spread: Vec<_> = placements(stack)
        .into_iter()
        .filter(|p| p.who == name)
        .map(|p| format!("{} in {}.{}", p.count, p.network, p.subnet))
        .collect();
    if !spread.is_empty() {
        let _ = writeln!(md, "\n{}", spread.join(", "));
    }
    Some(())
}

fn host(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let h = stack.host.iter().find(|h| h.name.text == name)?;
    let role = h.role.as_ref().map_or("?", |r| r.text.as_str());
    let subnet = h.subnet.as_ref().map_or("?", |r| r.text.as_str());
    let _ = writeln!(md, "role `{role}` in `{subnet}`");
    Some(())
}

fn firewall(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let f = stack.firewall(name)?;
    let net = f.network.as_ref().map_or("?", |r| r.text.as_str());
    let _ = writeln!(md, "security group in `{net}`, {}", counted(f.rules.len(), "rule"));
    Some(())
}

fn stack_info(stack: &hir::Stack, md: &mut String) -> Option<()> {
    let region = stack.info()?.region.as_ref()?;
    let _ = writeln!(md, "region `{}`", region.value);
    Some(())
}

fn balancer(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let b = stack.balancers.iter().find(|b| b.name.text == name)?;
    let scheme = if b.internal.as_ref().is_some_and(|i| i.value) { "internal" } else { "internet-facing" };
    let _ = writeln!(md, "{scheme} {} load balancer", b.kind().word());
    for l in &b.listeners {
        let what = match &l.action {
            hir::ListenAction::Forward(t) => format!("forwards to target `{}`", t.text),
            hir::ListenAction::Redirect(p) => format!("redirects to port {}", p.value),
        };
        let _ = writeln!(md, "- {} {}: {what}", l.protocol.value.word(), l.port.value);
    }
    Some(())
}

fn certificate(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let c = crate::compile::certificates::declared(stack, name)?;
    let _ = writeln!(md, "ACM certificate, validated through DNS records drove writes:");
    for n in c.all_names() {
        let zone = crate::compile::certificates::name_of(&n.value)
            .and_then(|dn| crate::compile::certificates::covering_zone(stack, &dn))
            .map_or("no zone of this stack holds it".to_string(), |z| format!("in zone `{}`", z.ident.text));
        let _ = writeln!(md, "- `{}`: {zone}", n.value);
    }
    Some(())
}

fn zone(stack: &hir::Stack, name: &str, md: &mut String) -> Option<()> {
    let z = stack.zones.iter().find(|z| z.ident.text == name)?;
    let kind = if z.is_private() { "private" } else { "public" };
    let _ = writeln!(md, "{kind} hosted zone, {}", counted(z.records.len(), "record"));
    let _ = writeln!(md, "\n{}", unmanaged(z));
    Some(())
}

/// What the zone does with records it does not declare.
/// What a role's `secrets = …` makes of the secrets its files hold.
fn secret_delivery(stack: &hir::Stack, r: &hir::Role) -> String {
    let names: Vec<&str> = r.provisioned_secrets().iter().map(|n| n.text.as_str()).collect();
    let stack_name = stack.info().map_or("STACK", |i| i.name.text.as_str());
    match r.secret_delivery() {
        hir::SecretDelivery::UserData => format!(
            "`secrets = user_data`: {} embedded in the hosts' user data, readable by whoever may describe the instances (W0035)\n",
            if names.is_empty() { "secrets would be".to_string() } else { format!("{} travel", names.join(", ")) }
        ),
        hir::SecretDelivery::ParameterStore => {
            let mut md = "`secrets = parameter_store`: written to SSM Parameter Store as SecureStrings and read by the hosts at boot\n".to_string();
            for n in &names {
                let _ = writeln!(md, "- `{}`", crate::model::parameter::name(stack_name, n));
            }
            let role = crate::model::instance_role::name(stack_name, &r.name.text);
            let _ = writeln!(md, "\nthe hosts run as IAM role `{role}`, allowed to read exactly these");
            md
        }
    }
}

/// The IAM statements one `access` line grants, as the compiled policy holds them.
fn access(stack: &hir::Stack, r: &hir::Role, a: &hir::Access) -> String {
    let region = stack.info().and_then(|s| s.region.as_ref()).map_or("REGION", |r| r.value.as_str());
    let stack_name = stack.info().map_or("STACK", |i| i.name.text.as_str());
    let role = crate::model::instance_role::name(stack_name, &r.name.text);
    let mut md = format!("the hosts of role `{}` run as IAM role `{role}`, allowed:\n", r.name.text);
    for g in crate::compile::access::grants(region, std::slice::from_ref(a)) {
        let _ = write!(md, "- `{}` on `{}`", g.actions.join("`, `"), g.resource.text().unwrap_or_default());
        if let Some(c) = &g.condition {
            let _ = write!(md, " when `{}` is like `{}`", c.key, c.values.join("`, `"));
        }
        md.push('\n');
    }
    md
}

fn unmanaged(z: &Zone) -> String {
    let policy = z.unmanaged.as_ref().map(|u| u.value).unwrap_or_default();
    let what = match policy {
        UnmanagedPolicy::Keep => "kept: plans list them as not managed",
        UnmanagedPolicy::Delete => "deleted: the zone holds exactly what its source declares",
    };
    let rules = match z.ignores.len() {
        0 => String::new(),
        1 => "; 1 ignore rule leaves records to other systems".into(),
        n => format!("; {n} ignore rules leave records to other systems"),
    };
    format!("`unmanaged = {}`: records the zone does not declare are {what}{rules}\n", policy.as_str())
}

fn ignore(z: &Zone, rule: &Ignore) -> String {
    let types: Vec<&str> = rule.types.iter().map(|t| t.value.as_str()).collect();
    let types = if types.is_empty() { "every type".to_string() } else { types.join(", ") };
    format!(
        "```\nignore {} {types}\n```\nrecords of zone `{}` another system owns: drove neither lists them as not managed nor deletes them\n",
        rule.name, z.ident.text
    )
}

/// A record line: its absolute name, TTL, type and values in presentation format.
fn record(z: &Zone, r: &Record) -> String {
    let ttl = r.ttl.as_ref().map(|t| t.value).or(z.ttl.as_ref().map(|t| t.value));
    let ttl = ttl.map(|t| format!(" {t}")).unwrap_or_default();
    let values = match &r.data {
        RecordData::Values(vs) => vs.iter().map(|v| value(&v.data)).collect::<Vec<_>>().join(", "),
        RecordData::Alias(a) => format!("alias {}", a.target),
    };
    format!("```\n{}{ttl} {} {values}\n```\nin zone `{}`\n", r.owner, r.rtype.as_str(), z.ident.text)
}

fn value(d: &Rdata) -> String {
    match d {
        Rdata::A(AValue::Host(h)) => {
            format!("{}.{}.{}", if h.group { "hosts" } else { "host" }, h.name, h.attribute.as_str())
        }
        d => d.presentation().unwrap_or_default(),
    }
}
