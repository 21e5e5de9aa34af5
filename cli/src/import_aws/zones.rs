//! Live hosted zones, record sets and health checks → drove `zone` and `healthcheck`
//! declarations. Record values are read with the zone-file reader (a Route53 value is a
//! zone file's record data) and printed by `drove import zonefile`'s value printer.

use super::names::Namer;
use super::typed;
use drove_compiler::dns::name::{Name, NameUse};
use drove_compiler::dns::rtype::RType;
use drove_compiler::model::{HealthCheck, HostedZone, RecordSet, Val};
use drove_compiler::zonefile::import::{drove_string, drove_value};
use drove_compiler::zonefile::{data, lexer};
use drove_engine::aws::discover::ZoneDump;
use drove_engine::provider::Live;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the zones give the stack: source text, and the live id behind each address
/// whose id is not derived from its attributes (zones and health checks).
#[derive(Default)]
pub struct Imported {
    pub source: String,
    pub ids: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

/// A hosted zone read from AWS, in the model's types: its id, attributes and record sets
/// (each with the zone's id in `zone`).
#[derive(Clone)]
pub struct Zone {
    pub id: String,
    pub zone: HostedZone,
    pub records: Vec<RecordSet>,
}

impl Zone {
    pub fn read(dump: &ZoneDump) -> Result<Zone, String> {
        let id = dump.id().to_string();
        let zone = dump.hosted_zone.clone();
        let records = dump.records.iter().map(|r| typed::<RecordSet>(&id, r)).collect::<Result<_, _>>()?;
        Ok(Zone { id, zone, records })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.zone.name
    }

    /// The VPCs of a private zone (in this region); none for a public zone.
    pub fn private_vpcs(&self) -> Vec<&str> {
        self.zone.private_vpcs.iter().filter_map(Val::text).collect()
    }
}

/// A Route53 value in drove's record syntax.
fn value_text(rtype: RType, value: &str) -> Result<String, String> {
    let entries = lexer::entries(value.as_bytes()).map_err(|e| e.message)?;
    let tokens: Vec<lexer::Token> = entries.into_iter().flat_map(|e| e.tokens).collect();
    // Route53 takes names in values as fully qualified, dot or not.
    let data = data::parse(rtype, &tokens, &Name::root())?;
    Ok(drove_value(&data))
}

/// The health checks' declarations; `checks` pairs each live check with its `Name` tag.
pub fn health_checks(
    checks: &[(Live, Option<String>)],
    namer: &mut Namer,
    out: &mut Imported,
) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut names = BTreeMap::new();
    let mut errors = Vec::new();
    for (live, tag) in checks {
        let a: HealthCheck = match typed(&live.id, &live.attributes) {
            Ok(a) => a,
            Err(e) => {
                errors.push(format!("health check {} cannot be declared in drove: {e}", live.id));
                continue;
            }
        };
        let kind = a.check_type.to_ascii_lowercase();
        if !matches!(kind.as_str(), "http" | "https" | "tcp") {
            errors.push(format!(
                "health check {}: type {} cannot be declared in drove (http, https and tcp can)",
                live.id,
                kind.to_ascii_uppercase()
            ));
            continue;
        }
        let short: String = live.id.chars().take(8).collect();
        let name = namer.name("healthcheck", tag.as_deref().unwrap_or(&format!("check-{short}")));
        let mut text = format!("healthcheck {name} {{\n  type = {kind}\n");
        if let Some(h) = &a.fqdn {
            let _ = writeln!(text, "  host = {}", drove_string(h));
        }
        if let Some(ip) = &a.ip {
            let _ = writeln!(text, "  ip = {ip}");
        }
        let _ = writeln!(text, "  port = {}", a.port);
        if kind != "tcp" {
            match &a.resource_path {
                Some(p) => {
                    let _ = writeln!(text, "  path = {}", drove_string(p));
                }
                None => out
                    .notes
                    .push(format!("health check {}: no path; drove checks `/`, so the first apply sets it", live.id)),
            }
        }
        let _ = writeln!(text, "  interval = {}s", a.request_interval);
        let _ = writeln!(text, "  threshold = {}", a.failure_threshold);
        text.push_str("}\n\n");
        out.source.push_str(&text);
        out.ids.insert(format!("healthcheck.{name}"), live.id.clone());
        names.insert(live.id.clone(), name);
    }
    if errors.is_empty() {
        Ok(names)
    } else {
        Err(errors)
    }
}

/// The routing block of a record set, empty for simple routing.
fn routing(r: &RecordSet, checks: &BTreeMap<String, String>) -> Vec<String> {
    let mut items = Vec::new();
    if let Some(a) = &r.alias {
        if let Some(z) = a.zone_id.as_ref().and_then(Val::text) {
            items.push(format!("zone_id = {}", drove_string(z)));
        }
        if a.evaluate_health {
            items.push("evaluate_health = true".into());
        }
    }
    let p = &r.routing;
    if let Some(x) = &p.set_identifier {
        items.push(format!("set = {}", drove_string(x)));
    }
    if let Some(w) = p.weight {
        items.push(format!("weight = {w}"));
    }
    if let Some(f) = &p.failover {
        items.push(format!("failover = {}", f.to_ascii_lowercase()));
    }
    if let Some(g) = &p.geolocation {
        for (key, v) in [("continent", &g.continent), ("country", &g.country), ("subdivision", &g.subdivision)] {
            if let Some(v) = v {
                items.push(format!("{key} = {}", drove_string(v)));
            }
        }
    }
    if let Some(x) = &p.region {
        items.push(format!("region = {x}"));
    }
    if p.multivalue == Some(true) {
        items.push("multivalue = true".into());
    }
    if let Some(h) = p.health_check.as_ref().and_then(Val::text).and_then(|id| checks.get(id)) {
        items.push(format!("health = {h}"));
    }
    items
}

/// One record set as a drove record line.
fn record_line(zone: &Zone, origin: &Name, r: &RecordSet, checks: &BTreeMap<String, String>) -> Result<String, String> {
    let name_text = r.name.as_str();
    let ty = r.rtype.as_str();
    let what = format!("{name_text} {ty}");
    let owner = Name::parse(name_text, None, NameUse::Owner).map_err(|e| format!("{what}: the name: {e}"))?;
    let rtype = RType::parse(ty).ok_or_else(|| format!("{what}: drove does not know record type {ty}"))?;
    let mut line = format!("  {} ", owner.relative_to(origin));
    if let Some(a) = &r.alias {
        let target = a.dns_name.text().unwrap_or_default();
        let _ = write!(line, "{} alias {target}", rtype.as_str());
        // The zone's own records need no zone id: drove fills it in.
        let own = Name::parse(target, None, NameUse::Target).is_ok_and(|t| t.is_within(origin))
            && a.zone_id.as_ref().and_then(Val::text) == Some(zone.id());
        let mut r = r.clone();
        if own {
            if let Some(al) = &mut r.alias {
                al.zone_id = None;
            }
        }
        let items = routing(&r, checks);
        if !items.is_empty() {
            let _ = write!(line, " {{ {} }}", items.join("  "));
        }
        return Ok(line);
    }
    let ttl = r.ttl.ok_or_else(|| format!("{what}: no TTL"))?;
    let mut values = Vec::new();
    for v in r.values.as_deref().unwrap_or(&[]) {
        let text = v.text().unwrap_or("");
        values.push(value_text(rtype, text).map_err(|e| format!("{what}: value `{text}`: {e}"))?);
    }
    let _ = write!(line, "{ttl} {} {}", rtype.as_str(), values.join(", "));
    let items = routing(r, checks);
    if !items.is_empty() {
        let _ = write!(line, " {{ {} }}", items.join("  "));
    }
    Ok(line)
}

/// The address suffix that tells a private zone from a public one of the same name.
pub fn zone_address(zone: &Zone, all: &[Zone], networks: &BTreeMap<String, String>) -> String {
    let shared = all.iter().filter(|z| z.name() == zone.name()).count() > 1;
    let first_net = zone.private_vpcs().first().and_then(|v| networks.get(*v)).cloned();
    match first_net {
        Some(n) if shared => format!("zone.{}@{n}", zone.name()),
        _ => format!("zone.{}", zone.name()),
    }
}

/// The zones' declarations. `networks` names the network each imported VPC became (a
/// private zone's VPCs must be among them).
pub fn zones(
    all: &[Zone],
    checks: &BTreeMap<String, String>,
    networks: &BTreeMap<String, String>,
    out: &mut Imported,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let mut public_names = BTreeMap::new();
    for z in all.iter().filter(|z| z.private_vpcs().is_empty()) {
        if let Some(other) = public_names.insert(z.name().to_string(), z.id().to_string()) {
            errors.push(format!(
                "public zones {other} and {} are both named {}; a stack holds one: pick one with --zone and import the other into another stack",
                z.id(),
                z.name()
            ));
        }
    }
    for z in all {
        let origin = match Name::parse(z.name(), None, NameUse::Zone) {
            Ok(n) => n,
            Err(e) => {
                errors.push(format!("zone {} ({}): {e}", z.name(), z.id()));
                continue;
            }
        };
        let mut text = format!("zone {} {{\n", drove_string(z.name()));
        if let Some(c) = &z.zone.comment {
            let _ = writeln!(text, "  comment = {}", drove_string(c));
        }
        let vpcs = z.private_vpcs();
        if !vpcs.is_empty() {
            let mut nets = Vec::new();
            for v in &vpcs {
                match networks.get(*v) {
                    Some(n) => nets.push(n.clone()),
                    None => errors.push(format!(
                        "private zone {} ({}) is associated with VPC {v}, which this import does not declare as a network",
                        z.name(),
                        z.id()
                    )),
                }
            }
            let _ = writeln!(text, "  private = [{}]", nets.join(", "));
        }
        text.push('\n');
        for r in &z.records {
            // Route53 creates and owns the apex SOA and NS.
            if r.name == z.name() && (r.rtype == "SOA" || r.rtype == "NS") {
                continue;
            }
            match record_line(z, &origin, r, checks) {
                Ok(line) => {
                    text.push_str(&line);
                    text.push('\n');
                }
                Err(e) => errors.push(format!("zone {}: {e}", z.name())),
            }
        }
        text.push_str("}\n\n");
        out.source.push_str(&text);
        out.ids.insert(zone_address(z, all, networks), z.id().to_string());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The ids of the health checks the records use, in order of first use.
pub fn used_health_checks(all: &[Zone]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in all.iter().flat_map(|z| &z.records) {
        if let Some(id) = r.routing.health_check.as_ref().and_then(Val::text) {
            if !out.iter().any(|x| x == id) {
                out.push(id.to_string());
            }
        }
    }
    out
}
