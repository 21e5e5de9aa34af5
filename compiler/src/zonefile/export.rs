//! Compiled record sets of one zone → a BIND master file that `named-checkzone` accepts.
//!
//! A zone file needs an SOA and NS records at the apex, which Route53 makes itself: the
//! SOA is synthetic (serial 1, Route53's default timers) and the NS records are the apex
//! NS set of the stack when it has one, else `ns-placeholder-N.drove.invalid.` (the
//! `.invalid` TLD never resolves, RFC 6761).
//!
//! What a zone file cannot say:
//! - values known only after apply (`hosts.app.public_ip`) and aliases to targets outside
//!   the zone are refused, or left out with a comment when `allow_unknown` is set; an
//!   alias to a simple record set of the same zone is written with that set's values;
//! - routing policies: a zone file holds one set per name and type, so the set that
//!   answers when everything is healthy is written (failover: the primary; weighted: the
//!   highest weight, the first of equals; geolocation: the default `*` location, else the
//!   first; latency: the first), with a comment naming the sets left out. Multivalue
//!   answer sets are merged into one set, which is what a resolver is served.

use crate::dns::name::{Name, NameUse};
use crate::model::record_set::Alias;
use crate::model::{DesiredState, HostedZone, RecordSet, Resource, Spec, Val};
use std::fmt::Write as _;

/// Route53's SOA timers for a new zone: refresh, retry, expire, minimum (negative TTL).
const SOA_TIMERS: &str = "7200 900 1209600 86400";
const SOA_TTL: u64 = 900;
const NS_TTL: u64 = 172_800;

pub struct Exported {
    pub text: String,
    /// What was left out or chosen, for stderr.
    pub warnings: Vec<String>,
}

/// One record set as compiled.
struct Set<'a> {
    name: String,
    rtype: String,
    attrs: &'a RecordSet,
}

impl Set<'_> {
    fn routed(&self) -> Option<&str> {
        self.attrs.routing.set_identifier.as_deref()
    }

    fn ttl(&self) -> u64 {
        // The compiler always sets the TTL of a set with values; an alias has none.
        self.attrs.ttl.unwrap_or(crate::dns::check::DEFAULT_TTL)
    }

    /// The values, or what makes one unknown before apply.
    fn values(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for v in self.attrs.values.as_deref().unwrap_or(&[]) {
            match v {
                Val::Lit(s) => out.push(s.clone()),
                Val::Ref(r) => {
                    return Err(format!("its value comes from `{}.{}`, known only after apply", r.address, r.attribute))
                }
                Val::Secret(s) => return Err(format!("its value is the secret `{}`", s.secret)),
            }
        }
        Ok(out)
    }
}

fn zone_of(r: &Resource) -> Option<&HostedZone> {
    match &r.spec {
        Spec::HostedZone(z) => Some(z),
        _ => None,
    }
}

/// The hosted zone `zone` names: a DNS name (with or without the final dot) or an address.
fn find_zone<'a>(state: &'a DesiredState, zone: &str) -> Result<&'a Resource, String> {
    let zones: Vec<&Resource> = state.resources.iter().filter(|r| zone_of(r).is_some()).collect();
    if let Some(z) = zones.iter().find(|z| z.address == zone) {
        return Ok(z);
    }
    let wanted =
        if zone.ends_with('.') { zone.to_ascii_lowercase() } else { format!("{}.", zone.to_ascii_lowercase()) };
    let matching: Vec<&&Resource> = zones.iter().filter(|z| zone_of(z).is_some_and(|z| z.name == wanted)).collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let names: Vec<&str> = zones.iter().filter_map(|z| zone_of(z)).map(|z| z.name.as_str()).collect();
            let hint = crate::diag::did_you_mean(&wanted, names.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_else(|| {
                    if names.is_empty() {
                        " (the stack has no zones)".into()
                    } else {
                        format!(" (zones: {})", names.join(", "))
                    }
                });
            Err(format!("the stack has no zone `{wanted}`{hint}"))
        }
        many => Err(format!(
            "several zones are named `{wanted}`; name one by its address: {}",
            many.iter().map(|z| z.address.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Picks the set a resolver gets when everything is healthy (see the module comment).
fn pick<'a, 'b>(group: &'b [Set<'a>]) -> &'b Set<'a> {
    let weight = |s: &Set| s.attrs.routing.weight;
    let first = &group[0];
    if let Some(p) = group.iter().find(|s| s.attrs.routing.failover.as_deref() == Some("PRIMARY")) {
        return p;
    }
    if group.iter().any(|s| weight(s).is_some()) {
        let max = group.iter().filter_map(weight).max();
        return group.iter().find(|s| weight(s) == max).unwrap_or(first);
    }
    let default_geo =
        group.iter().find(|s| s.attrs.routing.geolocation.as_ref().and_then(|g| g.country.as_deref()) == Some("*"));
    default_geo.unwrap_or(first)
}

fn absolute(zone: &str, text: &str) -> Option<Name> {
    let origin = Name::parse(zone, None, NameUse::Zone).ok()?;
    Name::parse(text, Some(&origin), NameUse::Target).ok()
}

/// Writes zone `zone` of `state`; refuses unknown values unless `allow_unknown`.
pub fn export(state: &DesiredState, zone: &str, allow_unknown: bool) -> Result<Exported, String> {
    let z = find_zone(state, zone)?;
    let apex = zone_of(z).map_or(".", |z| z.name.as_str()).to_string();
    let sets: Vec<Set> = state
        .resources
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::RecordSet(s) if s.zone.as_ref().is_some_and(|zr| zr.address == z.address) => Some(s),
            _ => None,
        })
        .map(|s| Set { name: s.name.clone(), rtype: s.rtype.clone(), attrs: s })
        .collect();
    // Groups of one name and type, in compile order.
    let mut groups: Vec<Vec<Set>> = Vec::new();
    for s in sets {
        match groups.iter_mut().find(|g| g[0].name == s.name && g[0].rtype == s.rtype) {
            Some(g) => g.push(s),
            None => groups.push(vec![s]),
        }
    }
    let mut warnings = Vec::new();
    let mut unknown = Vec::new();
    let mut body = String::new();
    let mut apex_ns: Option<(u64, Vec<String>)> = None;
    for g in &groups {
        let head = &g[0];
        let label = format!("{} {}", head.name, head.rtype);
        let routed = head.routed().is_some();
        let multivalue = g.iter().all(|s| s.attrs.routing.multivalue == Some(true));
        let chosen: Vec<&Set> = if routed && multivalue { g.iter().collect() } else { vec![pick(g)] };
        if routed && !multivalue {
            let others: Vec<&str> =
                g.iter().filter_map(Set::routed).filter(|id| Some(*id) != chosen[0].routed()).collect();
            let note = format!(
                "{label}: routed record sets; the zone file holds set \"{}\" and leaves out {}",
                chosen[0].routed().unwrap_or(""),
                others.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")
            );
            let _ = writeln!(body, "; {note}");
            warnings.push(note);
        }
        let mut ttl = u64::MAX;
        let mut values = Vec::new();
        let mut problem = None;
        for s in &chosen {
            let resolved = match &s.attrs.alias {
                Some(alias) => resolve_alias(&groups, &apex, &head.rtype, alias).map(|(t, v)| {
                    ttl = ttl.min(t);
                    v
                }),
                None => {
                    ttl = ttl.min(s.ttl());
                    s.values()
                }
            };
            match resolved {
                Ok(v) => values.extend(v.into_iter().filter(|x| !values_contains(&values, x)).collect::<Vec<_>>()),
                Err(e) => problem = Some(e),
            }
        }
        if let Some(why) = problem {
            if allow_unknown {
                let _ = writeln!(body, "; left out: {label}: {why}");
                warnings.push(format!("left out {label}: {why}"));
            } else {
                unknown.push(format!("{label}: {why}"));
            }
            continue;
        }
        if head.rtype == "NS" && head.name == apex {
            apex_ns = Some((ttl, values));
            continue;
        }
        for v in values {
            let _ = writeln!(body, "{} {ttl} IN {} {v}", head.name, head.rtype);
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "zone `{apex}` has records a zone file cannot hold before apply (pass --allow-unknown to leave them out):\n  {}",
            unknown.join("\n  ")
        ));
    }
    let mut text = String::new();
    let _ = writeln!(text, "; Zone `{apex}` of stack `{}`, written by `drove export zonefile`.", state.stack.name);
    let _ = writeln!(text, "; The SOA is synthetic: Route53 writes its own for the hosted zone.");
    let _ = writeln!(text, "$ORIGIN {apex}");
    let (ns_ttl, ns) = match apex_ns {
        Some(ns) => ns,
        None => {
            let _ = writeln!(
                text,
                "; The stack sets no apex NS records; Route53 assigns the name servers, so these are placeholders."
            );
            (NS_TTL, vec!["ns-placeholder-1.drove.invalid.".into(), "ns-placeholder-2.drove.invalid.".into()])
        }
    };
    let primary = ns.first().cloned().unwrap_or_else(|| "ns-placeholder-1.drove.invalid.".into());
    let hostmaster =
        absolute(&apex, "hostmaster").map(|n| n.to_string()).unwrap_or_else(|| format!("hostmaster.{apex}"));
    let _ = writeln!(text, "{apex} {SOA_TTL} IN SOA {primary} {hostmaster} 1 {SOA_TIMERS}");
    for n in &ns {
        let _ = writeln!(text, "{apex} {ns_ttl} IN NS {n}");
    }
    text.push_str(&body);
    Ok(Exported { text, warnings })
}

fn values_contains(values: &[String], v: &str) -> bool {
    values.iter().any(|x| x == v)
}

/// The values an alias answers with, when its target is a simple set of this zone.
fn resolve_alias(groups: &[Vec<Set>], apex: &str, rtype: &str, alias: &Alias) -> Result<(u64, Vec<String>), String> {
    let Some(target) = alias.dns_name.text() else {
        let what = alias.dns_name.as_ref().map_or("a resource".to_string(), |r| format!("`{}`", r.address));
        return Err(format!("it is an alias to {what}, whose name is known only after apply"));
    };
    let in_zone = absolute(apex, target).zip(absolute(apex, apex)).is_some_and(|(t, z)| t.is_within(&z));
    let outside = || format!("it is an alias to `{target}`, which Route53 resolves");
    if !in_zone {
        return Err(outside());
    }
    let group = groups.iter().find(|g| g[0].name == target && g[0].rtype == rtype).ok_or_else(outside)?;
    match group.as_slice() {
        [only] if only.routed().is_none() && only.attrs.alias.is_none() => Ok((only.ttl(), only.values()?)),
        _ => Err(outside()),
    }
}
