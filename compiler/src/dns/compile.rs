//! Zones, records and health checks → `route53.hosted_zone`, `route53.record_set` and
//! `route53.health_check` resources (attributes as listed in `crate::model`).
//!
//! Records of one name, type and set identifier merge into one record set whose `values`
//! keep the order written. An A value taken from `hosts.NAME.ATTR` becomes one
//! `{"ref": "hosts.NAME[i]", "attribute": ATTR}` per instance. Only a stack without
//! errors is compiled, so everything here is already checked.

use super::hir::*;
use super::name::Name;
use super::rdata::{AValue, Rdata};
use crate::hir::Stack;
use crate::model::health_check::HealthCheck as HealthCheckSpec;
use crate::model::hosted_zone::Unmanaged;
use crate::model::record_set::{Alias as AliasSpec, Geolocation, RecordSet};
use crate::model::{HostedZone, Resource, Spec, Tags, Val};

pub fn resources(stack: &Stack) -> Vec<Resource> {
    let mut out = Vec::new();
    for h in &stack.healthchecks {
        out.push(health_check(h));
    }
    for z in &stack.zones {
        let Some(name) = &z.name else { continue };
        out.push(hosted_zone(stack, z, name));
        out.extend(record_sets(stack, z, name));
    }
    out
}

/// What tells a private zone apart from another zone of the same name (split-horizon
/// DNS): `@NETWORK`, its first network. Empty for every other zone, so the usual address
/// is `zone.NAME`.
pub fn zone_suffix(stack: &Stack, z: &Zone, name: &Name) -> String {
    let shared = stack.zones.iter().filter(|o| o.name.as_ref() == Some(name)).count() > 1;
    match z.private.first() {
        Some(n) if shared => format!("@{}", n.text),
        _ => String::new(),
    }
}

pub fn zone_address(stack: &Stack, z: &Zone, name: &Name) -> String {
    format!("zone.{name}{}", zone_suffix(stack, z, name))
}

fn hosted_zone(stack: &Stack, z: &Zone, name: &Name) -> Resource {
    let mut tags = Tags::new();
    if let Some(info) = stack.info() {
        for t in &info.tags {
            tags.insert(t.key.value.clone(), t.value.value.clone());
        }
    }
    let spec = HostedZone {
        name: name.to_string(),
        comment: z.comment.as_ref().map(|c| c.value.clone()),
        private_vpcs: z.private.iter().map(|n| Val::id_of(format!("network.{}", n.text))).collect(),
        tags,
        unmanaged: Unmanaged {
            policy: z.unmanaged.as_ref().map(|u| u.value).unwrap_or_default(),
            ignore: z.ignores.iter().map(Ignore::rule).collect(),
        },
    };
    let mut r = Resource::new(zone_address(stack, z, name), spec);
    r.depends_on = z.private.iter().map(|n| format!("network.{}", n.text)).collect();
    r
}

fn health_check(h: &HealthCheck) -> Resource {
    let kind = h.kind.as_ref().map(|k| k.value).unwrap_or(CheckType::Https);
    let port = h.port.as_ref().map(|p| p.value).unwrap_or(kind.default_port());
    let path = match kind {
        CheckType::Tcp => None,
        _ => Some(h.path.as_ref().map(|p| p.value.clone()).unwrap_or_else(|| "/".into())),
    };
    Resource::new(
        format!("healthcheck.{}", h.name.text),
        HealthCheckSpec {
            check_type: kind.as_str().into(),
            fqdn: h.host.as_ref().map(|n| n.value.to_string()),
            ip: h.ip.as_ref().map(|i| i.value.to_string()),
            // The checker keeps ports within 1–65535.
            port: u16::try_from(port).unwrap_or(u16::MAX),
            resource_path: path,
            request_interval: h.interval.as_ref().map(|i| i.value).unwrap_or(30),
            failure_threshold: h.threshold.as_ref().map(|t| t.value).unwrap_or(3),
        },
    )
}

/// The values of one A value: an address, or one reference per instance.
fn values_of(stack: &Stack, data: &Rdata) -> (Vec<Val<String>>, Vec<String>) {
    match data {
        Rdata::A(AValue::Host(h)) => {
            let used = h.stack.as_ref().and_then(|u| stack.used(&u.text));
            let scope = used.map_or(stack, |u| &u.stack);
            let addresses: Vec<String> = if h.group {
                crate::compile::instances::group_addresses(scope, &h.name)
            } else {
                vec![crate::compile::instances::host_address(&h.name)]
            };
            let path = used.map(|u| u.path.as_str());
            let values = addresses.iter().map(|a| Val::across(path, a, h.attribute.as_str())).collect();
            // Another stack's instances are applied before this stack: nothing to wait for.
            (values, if used.is_some() { Vec::new() } else { addresses })
        }
        d => (d.presentation().map(Val::Lit).into_iter().collect(), Vec::new()),
    }
}

/// A record set's address: `record.OWNER/TYPE`, its set identifier after another `/`,
/// and the zone's suffix (`zone_suffix`).
pub fn record_address(r: &Record, zone_suffix: &str) -> String {
    let mut address = format!("record.{}/{}", r.owner, r.rtype);
    if let Some(s) = &r.routing.set {
        address = format!("{address}/{}", s.value);
    }
    address.push_str(zone_suffix);
    address
}

fn record_sets(stack: &Stack, z: &Zone, zone: &Name) -> Vec<Resource> {
    let zone_addr = zone_address(stack, z, zone);
    let suffix = zone_suffix(stack, z, zone);
    let mut sets: Vec<Resource> = Vec::new();
    // Position of each address in `sets`: records of one set may be far apart, and a
    // linear search made compiling a 50,000-record zone quadratic.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::with_capacity(z.records.len());
    for r in &z.records {
        let address = record_address(r, &suffix);
        let (values, deps) = match &r.data {
            RecordData::Values(vs) => {
                let mut values = Vec::new();
                let mut deps = Vec::new();
                for v in vs {
                    let (vals, d) = values_of(stack, &v.data);
                    values.extend(vals);
                    deps.extend(d);
                }
                (values, deps)
            }
            RecordData::Alias(_) => (Vec::new(), Vec::new()),
        };
        if let Some(existing) = index.get(&address).and_then(|&i| sets.get_mut(i)) {
            if let Spec::RecordSet(set) = &mut existing.spec {
                if let Some(vals) = &mut set.values {
                    vals.extend(values);
                }
            }
            for d in deps {
                if !existing.depends_on.contains(&d) {
                    existing.depends_on.push(d);
                }
            }
            continue;
        }
        let mut depends_on = vec![zone_addr.clone()];
        let mut spec = RecordSet {
            zone: Val::id_of(&zone_addr),
            name: r.owner.to_string(),
            rtype: r.rtype.as_str().into(),
            ttl: None,
            values: None,
            alias: None,
            routing: routing(&r.routing, &mut depends_on),
        };
        match &r.data {
            RecordData::Values(_) => {
                spec.ttl = Some(super::check::ttl_of(z, r));
                spec.values = Some(values);
                depends_on.splice(1..1, deps);
            }
            RecordData::Alias(a) if a.balancer_in(stack).is_some() => {
                let Some((used, b)) = a.balancer_in(stack) else { continue };
                let lb = crate::model::load_balancer::address(&b.text);
                let path = used.map(|u| u.path.as_str());
                spec.alias = Some(AliasSpec {
                    dns_name: Val::across(path, &lb, "dns_name"),
                    zone_id: Some(Val::across(path, &lb, "zone_id")),
                    evaluate_health: a.evaluate_health.as_ref().is_some_and(|e| e.value),
                });
                if used.is_none() {
                    depends_on.push(lb);
                }
            }
            RecordData::Alias(a) => {
                let zone_id = match &a.zone_id {
                    Some(id) => Some(Val::Lit(id.value.clone())),
                    None if a.target.is_within(zone) => Some(Val::id_of(&zone_addr)),
                    None => super::alias_targets::known_zone(&a.target.to_string()).map(|z| Val::Lit(z.into())),
                };
                spec.alias = Some(AliasSpec {
                    dns_name: Val::Lit(a.target.to_string()),
                    zone_id,
                    evaluate_health: a.evaluate_health.as_ref().is_some_and(|e| e.value),
                });
            }
        }
        index.insert(address.clone(), sets.len());
        sets.push(Resource { address, spec: spec.into(), depends_on, protect: false });
    }
    sets
}

/// The routing policy of a set; nothing for simple routing (no set identifier).
fn routing(ro: &Routing, depends_on: &mut Vec<String>) -> crate::model::record_set::Routing {
    let Some(set) = &ro.set else { return Default::default() };
    let text = |s: &Option<crate::hir::Spanned<String>>| s.as_ref().map(|s| s.value.clone());
    let geolocation = (ro.continent.is_some() || ro.country.is_some() || ro.subdivision.is_some()).then(|| {
        Geolocation { continent: text(&ro.continent), country: text(&ro.country), subdivision: text(&ro.subdivision) }
    });
    let health_check = ro.health.as_ref().map(|h| {
        let address = format!("healthcheck.{}", h.text);
        depends_on.push(address.clone());
        Val::id_of(address)
    });
    crate::model::record_set::Routing {
        set_identifier: Some(set.value.clone()),
        weight: ro.weight.as_ref().map(|w| w.value),
        failover: ro.failover.as_ref().map(|f| f.value.as_str().into()),
        geolocation,
        region: text(&ro.region),
        multivalue: ro.multivalue.as_ref().filter(|m| m.value).map(|m| m.value),
        health_check,
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Sink;
    use serde_json::json;

    fn compile(text: &str) -> Vec<crate::model::Resource> {
        let (file, parse) = crate::syntax::parse(0, text);
        assert!(parse.is_empty(), "{parse:#?}");
        let mut sink = Sink::default();
        let stack = crate::lower::lower(&[file], &mut sink);
        crate::dns::check::check(&stack, &mut sink);
        assert!(!sink.has_errors(), "{:#?}", sink.diagnostics);
        super::resources(&stack)
    }

    #[test]
    fn zone_records_and_health_checks() {
        let rs = compile(
            r#"
stack s { region = "ap-northeast-1"  tags = { team = "ops" } }
network main { cidr = 10.0.0.0/16  subnet a { cidr = 10.0.1.0/24  zone = a  public = true } }
role app { image = image("base-*")  type = t3.micro  public_ip = true }
hosts app { role = app  count = 2  subnets = [main.a] }
zone "Acme.Example." {
  ttl = 600
  @ 300 A 54.64.225.166
  app 60 A hosts.app.public_ip
  @ MX 10 mx1, 20 mx2.example.net.
  @ MX 30 mx3
  mx1 A 192.0.2.1
  mx3 A 192.0.2.3
  @ TXT "v=spf1 -all"
  api 60 A 192.0.2.10 { set = "blue" weight = 90 health = web }
  api 60 A 192.0.2.20 { set = "green" weight = 10 }
  www A alias @ { evaluate_health = true }
  geo A 192.0.2.1 { set = "jp" country = JP }
  geo A 192.0.2.2 { set = "default" country = "*" }
}
zone "acme.example." { private = [main]  db A 10.0.1.5 }
healthcheck web { type = https  host = www.acme.example.  path = "/health" }
"#,
        );
        let get = |a: &str| rs.iter().find(|r| r.address == a).unwrap_or_else(|| panic!("no {a}: {rs:#?}"));
        assert_eq!(
            get("record.db.acme.example./A@main").attributes()["zone"],
            json!({"ref": "zone.acme.example.@main", "attribute": "id"})
        );
        assert_eq!(
            get("zone.acme.example.@main").attributes()["private_vpcs"],
            json!([{"ref": "network.main", "attribute": "id"}])
        );
        let z = get("zone.acme.example.");
        assert_eq!(z.kind(), "route53.hosted_zone");
        assert_eq!(
            z.attributes(),
            json!({"name": "acme.example.", "comment": null, "private_vpcs": [], "tags": {"team": "ops"}})
        );
        let app = get("record.app.acme.example./A");
        assert_eq!(
            app.attributes(),
            json!({"zone": {"ref": "zone.acme.example.", "attribute": "id"}, "name": "app.acme.example.", "type": "A", "ttl": 60,
                   "values": [{"ref": "hosts.app[0]", "attribute": "public_ip"}, {"ref": "hosts.app[1]", "attribute": "public_ip"}]})
        );
        assert_eq!(app.depends_on, ["zone.acme.example.", "hosts.app[0]", "hosts.app[1]"]);
        let mx = get("record.acme.example./MX");
        assert_eq!(
            mx.attributes()["values"],
            json!(["10 mx1.acme.example.", "20 mx2.example.net.", "30 mx3.acme.example."])
        );
        assert_eq!(mx.attributes()["ttl"], json!(600));
        let blue = get("record.api.acme.example./A/blue");
        assert_eq!(blue.attributes()["set_identifier"], json!("blue"));
        assert_eq!(blue.attributes()["weight"], json!(90));
        assert_eq!(blue.attributes()["health_check"], json!({"ref": "healthcheck.web", "attribute": "id"}));
        let www = get("record.www.acme.example./A");
        assert_eq!(
            www.attributes()["alias"],
            json!({"dns_name": "acme.example.", "zone_id": {"ref": "zone.acme.example.", "attribute": "id"}, "evaluate_health": true})
        );
        assert!(www.attributes().get("ttl").is_none() && www.attributes().get("values").is_none());
        assert_eq!(
            get("record.geo.acme.example./A/default").attributes()["geolocation"],
            json!({"continent": null, "country": "*", "subdivision": null})
        );
        assert_eq!(get("record.acme.example./TXT").attributes()["values"], json!(["\"v=spf1 -all\""]));
        assert_eq!(
            get("healthcheck.web").attributes(),
            json!({"type": "HTTPS", "fqdn": "www.acme.example.", "ip": null, "port": 443, "resource_path": "/health",
                   "request_interval": 30, "failure_threshold": 3})
        );
    }
}
