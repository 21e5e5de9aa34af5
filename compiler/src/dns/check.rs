//! Rules between records, zones and health checks: what no single record line shows.
//! Name uses (hosts in A values, `health`, `private` networks) are resolved here too.

use super::alias_targets;
use super::codes::*;
use super::geo;
use super::hir::*;
use super::name::Name;
use super::rdata::{AValue, HostAttr, Rdata};
use super::rtype::RType;
use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{Ref, Stack};
use crate::source::{FileId, Span};
// Fx instead of the standard SipHash: the sets of a zone are keyed by names, hashed once
// per record, and a zone file is the user's own input (no hash flooding to defend against).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub const E_UNKNOWN_NAME: &str = "E0100";
/// TTL of a record when neither it nor its zone gives one.
pub const DEFAULT_TTL: u64 = 300;

pub fn check(stack: &Stack, sink: &mut Sink) {
    check_zone_names(stack, sink);
    for z in &stack.zones {
        check_zone(stack, z, sink);
    }
    for h in &stack.healthchecks {
        check_healthcheck(h, sink);
    }
    check_healthcheck_use(stack, sink);
}

fn unknown(sink: &mut Sink, file: FileId, span: Span, what: &str, name: &str, candidates: Vec<&str>) {
    let mut d = Diagnostic::new(E_UNKNOWN_NAME, file, span.clone(), format!("unknown {what} `{name}`"))
        .with_label(format!("no {what} of this name"));
    if let Some(s) = did_you_mean(name, candidates.iter().copied()) {
        d = d.with_replacement(file, span, s);
    } else if candidates.is_empty() {
        d = d.with_help(format!("declare the {what} first"));
    }
    sink.push(d);
}

fn check_zone_names(stack: &Stack, sink: &mut Sink) {
    let mut seen: Vec<&Zone> = Vec::new();
    for z in &stack.zones {
        let Some(name) = &z.name else { continue };
        // A public and a private zone of one name is split-horizon DNS, which is allowed;
        // two public ones, or two private ones on a shared network, collide.
        let clash = seen.iter().find(|o| {
            o.name.as_ref() == Some(name)
                && (o.is_private() == z.is_private())
                && (!z.is_private() || o.private.iter().any(|a| z.private.iter().any(|b| a.text == b.text)))
        });
        if let Some(first) = clash {
            sink.push(
                Diagnostic::new(
                    E_DUPLICATE_ZONE,
                    z.file,
                    z.ident.span.clone(),
                    format!("zone `{name}` is declared twice"),
                )
                .with_label("declared again here")
                .with_secondary(first.file, first.ident.span.clone(), "first declared here")
                .with_help("put all records of a zone in one `zone` block"),
            );
        } else {
            seen.push(z);
        }
    }
}

fn check_zone(stack: &Stack, z: &Zone, sink: &mut Sink) {
    let file = z.file;
    for n in &z.private {
        if stack.network(&n.text).is_none() {
            unknown(
                sink,
                file,
                n.span.clone(),
                "network",
                &n.text,
                stack.networks.iter().map(|n| n.name.text.as_str()).collect(),
            );
        }
    }
    let Some(zone) = &z.name else { return };
    super::ignore::check_rules(z, sink);
    let mut inside = Vec::with_capacity(z.records.len());
    for r in &z.records {
        // The labels above the zone, computed once for both rules that need them.
        let above = r.owner.prefix_in(zone);
        if above.is_none() && !(zone.is_root() || r.owner == *zone) {
            sink.push(
                Diagnostic::new(E_OUTSIDE_ZONE, file, r.owner_span.clone(), format!("`{}` is not inside zone `{zone}`", r.owner))
                    .with_label("outside the zone")
                    .with_secondary(file, z.ident.span.clone(), "the zone")
                    .with_help("write names relative to the zone (`www`, `@` for the apex) or absolute names that end in the zone's name"),
            );
            continue;
        }
        inside.push(r);
        check_repeated_origin(r, above, zone, file, sink);
        if r.owner == *zone && r.rtype == RType::Ns {
            sink.push(
                Diagnostic::new(E_APEX_NS, file, r.type_span.clone(), "the apex NS records belong to Route53")
                    .with_label("NS at the zone apex")
                    .with_help("Route53 creates the zone's NS and SOA records with its own name servers; remove this line (NS records below the apex delegate subdomains)"),
            );
        }
        if r.owner == *zone && r.rtype == RType::Cname {
            sink.push(
                Diagnostic::new(E_CNAME_APEX, file, r.type_span.clone(), "a CNAME cannot be at the zone apex")
                    .with_label("CNAME at the apex")
                    .with_help("the apex holds the zone's SOA and NS records; use an A/AAAA record or an alias: `@ A alias www`"),
            );
        }
        check_values(stack, z, r, sink);
        check_routing_attrs(r, file, sink);
        if let RecordData::Alias(a) = &r.data {
            check_alias(stack, z, zone, r, a, sink);
        }
    }
    let grouping = Grouping::new(&inside);
    check_cname_beside(&inside, &grouping, file, sink);
    check_sets(z, &inside, &grouping, sink);
    check_set_sizes(stack, &inside, &grouping, file, sink);
    check_groups(&inside, file, sink);
    check_dangling(&inside, &grouping, zone, file, sink);
}

/// Route53's per-request limits on each set that holds more than one value.
fn check_set_sizes(stack: &Stack, records: &[&Record], grouping: &Grouping, file: FileId, sink: &mut Sink) {
    let mut rs: Vec<&Record> = Vec::new();
    for set in grouping.sets() {
        let first = records[set[0].3 as usize];
        let one_value = match &first.data {
            RecordData::Values(v) => v.len() == 1 && !matches!(&v[0].data, Rdata::A(AValue::Host(h)) if h.group),
            RecordData::Alias(_) => true,
        };
        if set.len() == 1 && one_value {
            continue;
        }
        rs.clear();
        rs.extend(set.iter().map(|k| records[k.3 as usize]));
        super::change_limits::check_set(stack, file, &rs, sink);
    }
}

/// The records of a zone by owner and by record set, for the rules between records.
/// Built once per zone: each owner is hashed once, and a set is a run of one sorted list
/// rather than a vector of its own (a zone may hold tens of thousands of sets).
struct Grouping<'r> {
    /// Owner names, numbered in the order they first appear.
    owners: HashMap<&'r Name, u32>,
    /// (owner number, type, `set` number, position in the records), sorted: the records
    /// of one set are a run, in the order they are written, and the sets of one owner
    /// are next to each other.
    order: Vec<(u32, RType, u32, u32)>,
}

impl<'r> Grouping<'r> {
    fn new(records: &[&'r Record]) -> Grouping<'r> {
        let mut owners: HashMap<&Name, u32> = HashMap::with_capacity_and_hasher(records.len(), Default::default());
        // `set` identifiers are rare: numbered only where given, 0 for none.
        let mut sets: HashMap<&str, u32> = HashMap::default();
        let mut order = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let next = owners.len() as u32;
            let owner = *owners.entry(&r.owner).or_insert(next);
            let set = match &r.routing.set {
                Some(s) => {
                    let next = sets.len() as u32 + 1;
                    *sets.entry(s.value.as_str()).or_insert(next)
                }
                None => 0,
            };
            order.push((owner, r.rtype, set, i as u32));
        }
        order.sort_unstable();
        Grouping { owners, order }
    }

    /// The record sets: one owner, type and `set` each.
    fn sets(&self) -> impl Iterator<Item = &[(u32, RType, u32, u32)]> {
        self.order.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2))
    }

    /// The records of each owner name, by type.
    fn names(&self) -> impl Iterator<Item = &[(u32, RType, u32, u32)]> {
        self.order.chunk_by(|a, b| a.0 == b.0)
    }
}

/// `www.acme.example` (no trailing dot) in zone `acme.example.` means
/// `www.acme.example.acme.example.`, which is almost never meant.
fn check_repeated_origin(r: &Record, above: Option<&str>, zone: &Name, file: FileId, sink: &mut Sink) {
    // `www.acme.example.acme.example.`: what is left above the zone ends in the zone again.
    let Some(above) = above else { return };
    let z = zone.as_str();
    let repeated = !z.is_empty() && above.strip_suffix(z).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'));
    if repeated {
        let fixed = format!("{above}.");
        sink.push(
            Diagnostic::new(W_REPEATED_ORIGIN, file, r.owner_span.clone(), format!("this name is `{}`", r.owner))
                .with_label("the zone's name is appended to a relative name")
                .with_help(format!("names without a trailing dot are relative to the zone; write `{fixed}`"))
                .with_fix("make it absolute", file, r.owner_span.clone(), fixed),
        );
    }
}

/// RFC 1918 space plus carrier-grade NAT (100.64.0.0/10), and IPv6 unique local
/// addresses (fc00::/7). Tested bitwise: this runs on every address record.
fn is_private(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_private() || (a.octets()[0] == 100 && a.octets()[1] & 0xc0 == 64),
        IpAddr::V6(a) => a.segments()[0] & 0xfe00 == 0xfc00,
    }
}

fn check_values(stack: &Stack, z: &Zone, r: &Record, sink: &mut Sink) {
    let RecordData::Values(values) = &r.data else { return };
    let file = z.file;
    if r.rtype == RType::Cname && values.len() > 1 {
        sink.push(
            Diagnostic::new(E_BAD_VALUE, file, values[1].span.clone(), "a CNAME has exactly one target")
                .with_label("second target")
                .with_help(
                    "use A/AAAA records for several addresses, or weighted routing between several CNAME records",
                ),
        );
    }
    for v in values {
        let addr = match &v.data {
            Rdata::A(AValue::Addr(a)) => Some(IpAddr::V4(*a)),
            Rdata::Aaaa(a) => Some(IpAddr::V6(*a)),
            Rdata::A(AValue::Host(h)) => {
                check_host_ref(stack, file, h, sink);
                if h.attribute == HostAttr::PublicIp {
                    check_public_ip(stack, file, h, v.span.clone(), sink);
                }
                if h.attribute == HostAttr::PrivateIp && !z.is_private() {
                    sink.push(
                        Diagnostic::new(
                            W_PRIVATE_ADDRESS,
                            file,
                            v.span.clone(),
                            "a public zone publishes a private address",
                        )
                        .with_label("`private_ip` is only reachable inside the network")
                        .with_help("use `public_ip`, or put the record in a private zone (`private = [NETWORK]`)"),
                    );
                }
                None
            }
            _ => None,
        };
        if let Some(a) = addr.filter(|a| is_private(*a) && !z.is_private()) {
            sink.push(
                Diagnostic::new(W_PRIVATE_ADDRESS, file, v.span.clone(), format!("a public zone publishes the private address {a}"))
                    .with_label("private address")
                    .with_help("anyone can look it up, and it reveals the network's layout; put it in a private zone (`private = [NETWORK]`)"),
            );
        }
    }
}

/// The stack whose instances a host reference names: this one, or the used stack its
/// prefix names. `None` when the prefix names no stack that loaded (reported here when it
/// names no `use` at all; at the `use` when it did not load).
pub fn host_scope<'s>(stack: &'s Stack, file: FileId, h: &super::rdata::HostRef, sink: &mut Sink) -> Option<&'s Stack> {
    let Some(used) = &h.stack else { return Some(stack) };
    if let Some(u) = stack.used(&used.text) {
        return Some(&u.stack);
    }
    if !stack.uses.iter().any(|u| u.name.text == used.text) {
        let names = stack.uses.iter().map(|u| u.name.text.as_str()).collect();
        unknown(sink, file, used.span.clone(), "used stack", &used.text, names);
    }
    None
}

fn check_host_ref(stack: &Stack, file: FileId, h: &super::rdata::HostRef, sink: &mut Sink) {
    let Some(stack) = host_scope(stack, file, h, sink) else { return };
    let found = if h.group {
        stack.hosts.iter().any(|x| x.name.text == h.name)
    } else {
        stack.host.iter().any(|x| x.name.text == h.name)
    };
    if !found {
        let (what, candidates) = if h.group {
            ("hosts group", stack.hosts.iter().map(|x| x.name.text.as_str()).collect())
        } else {
            ("host", stack.host.iter().map(|x| x.name.text.as_str()).collect())
        };
        unknown(sink, file, h.name_span.clone(), what, &h.name, candidates);
    }
}

/// `hosts.NAME.public_ip` of instances that get no public address: EC2 reports none, so
/// the record would have no value to write and the apply would fail half-way.
fn check_public_ip(stack: &Stack, file: FileId, h: &super::rdata::HostRef, at: Span, sink: &mut Sink) {
    let Some(stack) = host_scope(stack, file, h, &mut Sink::default()) else { return };
    let role_ref = if h.group {
        stack.hosts.iter().find(|x| x.name.text == h.name).and_then(|x| x.role.as_ref())
    } else {
        stack.host.iter().find(|x| x.name.text == h.name).and_then(|x| x.role.as_ref())
    };
    // An unknown host or role is reported where it is named; there is nothing to add.
    let Some(role) = role_ref.and_then(|r| stack.role(&r.text)) else { return };
    if role.public_ip.as_ref().is_some_and(|p| p.value) {
        return;
    }
    let (what, word) = if h.group { ("hosts", "have") } else { ("host", "has") };
    let there = match &role.public_ip {
        Some(p) => (p.span.clone(), "`public_ip = false`".to_string()),
        None => (role.name.span.clone(), format!("role `{}` has no `public_ip = true`", role.name.text)),
    };
    let mut d = Diagnostic::new(
        E_NO_PUBLIC_IP,
        file,
        at,
        format!("{what} `{}` {word} no public address: role `{}` does not ask for one", h.name, role.name.text),
    )
    .with_label("`public_ip` of instances without one");
    // The role of a used stack lies in another stack's files, which this report can't name.
    if h.stack.is_none() {
        d = d.with_secondary(role.file, there.0, there.1);
    }
    sink.push(
        d.with_help(format!(
            "set `public_ip = true` on role `{}` (its hosts must sit in public subnets), or publish `{}.{}.private_ip` in a private zone",
            role.name.text,
            what,
            h.name
        )),
    );
}

fn check_routing_attrs(r: &Record, file: FileId, sink: &mut Sink) {
    if r.routing.is_simple() {
        return;
    }
    let ro = &r.routing;
    let policies = ro.policies();
    if let [(first, first_span), rest @ ..] = policies.as_slice() {
        for (p, span) in rest {
            sink.push(
                Diagnostic::new(
                    E_MIXED_POLICY,
                    file,
                    span.clone(),
                    format!("a record has one routing policy; this is {}", p.as_str()),
                )
                .with_label("second routing policy")
                .with_secondary(file, first_span.clone(), format!("{} here", first.as_str()))
                .with_help("keep one policy per record; all records of a name and type share it"),
            );
        }
    }
    if let Some(c) = &ro.continent {
        if !geo::is_continent(&c.value) {
            let upper = c.value.to_ascii_uppercase();
            let mut d = Diagnostic::new(E_GEO, file, c.span.clone(), format!("`{}` is not a continent code", c.value))
                .with_label("expected AF, AN, AS, EU, NA, OC or SA");
            if geo::is_continent(&upper) {
                d = d.with_help(format!("codes are upper case: `{upper}`")).with_fix(
                    format!("replace with `{upper}`"),
                    file,
                    c.span.clone(),
                    upper,
                );
            } else {
                d = d.with_help(
                    geo::CONTINENTS.iter().map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join(", "),
                );
            }
            sink.push(d);
        }
        if let Some(k) = &ro.country {
            sink.push(
                Diagnostic::new(E_GEO, file, k.span.clone(), "a record routes by continent or by country, not both")
                    .with_secondary(file, c.span.clone(), "continent given here")
                    .with_help("remove one; use `country = \"*\"` for the default record"),
            );
        }
    }
    if let Some(k) = &ro.country {
        if !geo::is_country(&k.value) {
            let upper = k.value.to_ascii_uppercase();
            let mut d =
                Diagnostic::new(E_GEO, file, k.span.clone(), format!("`{}` is not an ISO 3166 country code", k.value))
                    .with_label("expected a two-letter country code or `*`");
            if geo::is_country(&upper) {
                d = d.with_help(format!("codes are upper case: `{upper}`")).with_fix(
                    format!("replace with `{upper}`"),
                    file,
                    k.span.clone(),
                    upper,
                );
            } else if geo::is_continent(&upper) {
                d = d.with_help(format!("`{upper}` is a continent: write `continent = {upper}`"));
            } else {
                d = d.with_help(
                    "countries are ISO 3166-1 alpha-2 codes such as `JP`, `DE`, `US`; `*` is the default record",
                );
            }
            sink.push(d);
        }
    }
    if let Some(s) = &ro.subdivision {
        match &ro.country {
            None => sink.push(
                Diagnostic::new(E_GEO, file, s.span.clone(), "a subdivision needs its country")
                    .with_help("add `country = US` (or the subdivision's country)"),
            ),
            Some(k) if geo::is_country(&k.value) && k.value != "*" && !geo::is_subdivision(&k.value, &s.value) => sink
                .push(
                    Diagnostic::new(
                        E_GEO,
                        file,
                        s.span.clone(),
                        format!("`{}` is not a subdivision of {}", s.value, k.value),
                    )
                    .with_label("unknown subdivision")
                    .with_help(if k.value == "US" {
                        "US subdivisions are state codes such as `WA`, `NY`, `DC`".to_string()
                    } else {
                        "subdivisions are ISO 3166-2 codes without the country prefix".to_string()
                    }),
                ),
            _ => {}
        }
    }
    if let Some(region) = &ro.region {
        if crate::catalog::region(&region.value).is_none() {
            let mut d = Diagnostic::new(
                E_REGION,
                file,
                region.span.clone(),
                format!("`{}` is not an AWS region", region.value),
            )
            .with_label("unknown region");
            if let Some(s) = crate::catalog::regions::suggest(&region.value).first() {
                d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                    format!("replace with `{s}`"),
                    file,
                    region.span.clone(),
                    *s,
                );
            }
            sink.push(d);
        }
    }
    if let Some(m) = ro.multivalue.as_ref().filter(|m| m.value) {
        if !r.rtype.multivalue_allowed() {
            sink.push(
                Diagnostic::new(
                    E_MULTIVALUE,
                    file,
                    m.span.clone(),
                    format!("Route53 has no multivalue answers for {} records", r.rtype),
                )
                .with_secondary(file, r.type_span.clone(), "record type")
                .with_help("use weighted or failover routing instead"),
            );
        }
        if matches!(r.data, RecordData::Alias(_)) {
            sink.push(
                Diagnostic::new(E_MULTIVALUE, file, m.span.clone(), "an alias record cannot use multivalue answers")
                    .with_help("give the record its values, or use another routing policy"),
            );
        }
    }
}

/// Route53 aliases to AWS resources (balancers, CloudFront, S3 websites) answer addresses:
/// the record must be A or AAAA.
fn address_record_only(file: FileId, r: &Record, a: &Alias, what: &str, sink: &mut Sink) {
    if !matches!(r.rtype, RType::A | RType::Aaaa) {
        sink.push(
            Diagnostic::new(
                E_ALIAS_TYPE,
                file,
                r.type_span.clone(),
                format!("an alias to {what} is an A or AAAA record, not {}", r.rtype),
            )
            .with_secondary(file, a.keyword_span.clone(), "alias here"),
        );
    }
}

fn check_alias(stack: &Stack, z: &Zone, zone: &Name, r: &Record, a: &Alias, sink: &mut Sink) {
    let file = z.file;
    if let Some((used, b)) = a.balancer_in(stack) {
        // A used stack that did not load was reported at its `use`.
        let scope = match (used, &a.balancer_stack) {
            (Some(u), _) => Some(&u.stack),
            (None, Some(_)) => None,
            (None, None) => Some(stack),
        };
        if let Some(scope) = scope.filter(|s| !s.balancers.iter().any(|x| x.name.text == b.text)) {
            let names = scope.balancers.iter().map(|x| x.name.text.as_str()).collect();
            unknown(sink, file, b.span.clone(), "balancer", &b.text, names);
        }
        address_record_only(file, r, a, "a balancer", sink);
        return;
    }
    if a.target.is_within(zone) {
        if !r.rtype.alias_allowed() {
            sink.push(
                Diagnostic::new(
                    E_ALIAS_TYPE,
                    file,
                    r.type_span.clone(),
                    format!("Route53 has no alias {} records", r.rtype),
                )
                .with_secondary(file, a.keyword_span.clone(), "alias here")
                .with_help("give the record its values instead"),
            );
            return;
        }
        let same = z.records.iter().any(|o| o.owner == a.target && o.rtype == r.rtype && !std::ptr::eq(o, r));
        if !same {
            let names: Vec<String> = z
                .records
                .iter()
                .filter(|o| o.rtype == r.rtype && !std::ptr::eq(*o, r))
                .map(|o| o.owner.relative_to(zone))
                .collect();
            let written = a.target.relative_to(zone);
            let mut d = Diagnostic::new(
                E_ALIAS_TARGET,
                file,
                a.target_span.clone(),
                format!("no {} record `{}` in this zone for the alias to point at", r.rtype, a.target),
            )
            .with_label("alias target not found");
            if let Some(s) = did_you_mean(&written, names.iter().map(String::as_str)) {
                d = d.with_replacement(file, a.target_span.clone(), s);
            } else {
                d = d.with_help(format!("an alias points at a record of the same type ({}) in the same zone", r.rtype));
            }
            sink.push(d);
        }
        return;
    }
    if let Some(other) =
        stack.zones.iter().find(|o| o.name.as_ref().is_some_and(|n| a.target.is_within(n) && n != zone))
    {
        sink.push(
            Diagnostic::new(
                E_ALIAS_TARGET,
                file,
                a.target_span.clone(),
                "an alias to a record of the stack must stay in its zone",
            )
            .with_secondary(other.file, other.ident.span.clone(), "the target is in this zone")
            .with_help("Route53 aliases records of the same hosted zone only; use a CNAME to reach another zone"),
        );
        return;
    }
    address_record_only(file, r, a, "an AWS resource", sink);
    if a.zone_id.is_none() && alias_targets::known_zone(&a.target.to_string()).is_none() {
        sink.push(
            Diagnostic::new(E_ALIAS_ZONE_ID, file, a.target_span.clone(), format!("drove does not know the hosted zone of `{}`", a.target))
                .with_label("alias target outside the stack")
                .with_help("add `{ zone_id = \"Z…\" }` with the target's hosted zone id (a load balancer's `CanonicalHostedZoneId`)"),
        );
    }
}

fn check_cname_beside(records: &[&Record], grouping: &Grouping, file: FileId, sink: &mut Sink) {
    for name in grouping.names().filter(|n| n.len() > 1) {
        // The first CNAME and the first other record of the name, in the order written.
        let first = |cname: bool| name.iter().filter(|k| (k.1 == RType::Cname) == cname).map(|k| k.3).min();
        let (Some(c), Some(o)) = (first(true), first(false)) else { continue };
        let (cname, other) = (records[c as usize], records[o as usize]);
        sink.push(
            Diagnostic::new(
                E_CNAME_BESIDE,
                file,
                cname.type_span.clone(),
                format!("`{}` has a CNAME and other records", cname.owner),
            )
            .with_label("CNAME here")
            .with_secondary(file, other.type_span.clone(), format!("{} record at the same name", other.rtype))
            .with_help(
                "a name with a CNAME can hold nothing else; use an alias (`A alias TARGET`) or move the other records",
            ),
        );
    }
}

/// A record's TTL: its own, else its zone's, else [`DEFAULT_TTL`]. The one place the rule
/// is written; the checks and the compiled record sets both use it.
pub fn ttl_of(z: &Zone, r: &Record) -> u64 {
    r.ttl.as_ref().map(|t| t.value).or(z.ttl.as_ref().map(|t| t.value)).unwrap_or(DEFAULT_TTL)
}

/// What makes two values of a set the same record.
#[derive(PartialEq, Eq, Hash)]
enum Same<'r> {
    Alias(&'r Name),
    Host(bool, &'r str, HostAttr),
    /// Values compare as they are typed (names are lower-case, hex upper-case)…
    Data(&'r Rdata),
    /// …except SVCB parameters, which compare as Route53 would read them.
    Text(String),
}

/// Duplicates, TTLs and alias/value mixes inside each record set.
fn check_sets(z: &Zone, records: &[&Record], grouping: &Grouping, sink: &mut Sink) {
    let file = z.file;
    // Reused from set to set: most sets are one record, and those are skipped.
    let mut rs: Vec<&Record> = Vec::new();
    let mut seen: HashMap<Same, Span> = HashMap::default();
    for set in grouping.sets() {
        let first = records[set[0].3 as usize];
        // A set of one record with one value (or one alias) can break none of the rules.
        if set.len() == 1 && !matches!(&first.data, RecordData::Values(v) if v.len() > 1) {
            continue;
        }
        rs.clear();
        rs.extend(set.iter().map(|k| records[k.3 as usize]));
        seen.clear();
        for r in &rs {
            if ttl_of(z, r) != ttl_of(z, first) {
                let at = r.ttl.as_ref().map(|t| t.span.clone()).unwrap_or(r.type_span.clone());
                let there = first.ttl.as_ref().map(|t| t.span.clone()).unwrap_or(first.type_span.clone());
                sink.push(
                    Diagnostic::new(
                        E_TTL_MISMATCH,
                        file,
                        at,
                        format!("{} `{}` has two TTLs: {} and {}", r.rtype, r.owner, ttl_of(z, first), ttl_of(z, r)),
                    )
                    .with_label(format!("TTL {}", ttl_of(z, r)))
                    .with_secondary(file, there, format!("TTL {} here", ttl_of(z, first)))
                    .with_help("records of one name and type form one record set with one TTL; give them the same TTL"),
                );
            }
            if !std::ptr::eq(*r, first) && !r.routing.same_as(&first.routing) && r.routing.set.is_some() {
                if let Some(s) = &r.routing.set {
                    sink.push(
                        Diagnostic::new(E_DUPLICATE_SET, file, s.span.clone(), format!("set `{}` is used twice with different routing", s.value))
                            .with_label("set used again here")
                            .with_secondary(file, first.routing.set.as_ref().map(|s| s.span.clone()).unwrap_or(first.type_span.clone()), "first used here")
                            .with_help("each record of a routed group needs its own `set`; records with the same `set` must have the same routing"),
                    );
                }
            }
            match &r.data {
                RecordData::Alias(a) => {
                    if let Some(v) = rs.iter().find(|o| matches!(o.data, RecordData::Values(_))) {
                        sink.push(
                            Diagnostic::new(
                                E_ALIAS_TYPE,
                                file,
                                a.keyword_span.clone(),
                                "an alias cannot share its name and type with records that have values",
                            )
                            .with_secondary(file, v.type_span.clone(), "record with values here")
                            .with_help("keep either the alias or the values"),
                        );
                    }
                    if let Some(span) = seen.get(&Same::Alias(&a.target)) {
                        dup(sink, file, a.target_span.clone(), span.clone());
                    } else {
                        seen.insert(Same::Alias(&a.target), a.target_span.clone());
                    }
                }
                RecordData::Values(values) => {
                    for v in values {
                        let key = match &v.data {
                            Rdata::A(AValue::Host(h)) => Same::Host(h.group, &h.name, h.attribute),
                            d @ (Rdata::Https(_) | Rdata::Svcb(_)) => Same::Text(d.presentation().unwrap_or_default()),
                            d => Same::Data(d),
                        };
                        if let Some(span) = seen.get(&key) {
                            dup(sink, file, v.span.clone(), span.clone());
                        } else {
                            seen.insert(key, v.span.clone());
                        }
                    }
                }
            }
        }
    }
}

fn dup(sink: &mut Sink, file: FileId, span: Span, first: Span) {
    sink.push(
        Diagnostic::new(E_DUPLICATE_RECORD, file, span.clone(), "duplicate record")
            .with_label("same name, type and value again")
            .with_secondary(file, first, "first declared here")
            .with_help("remove one of them")
            .with_fix("remove the duplicate value", file, span, ""),
    );
}

/// Routing groups: all records of one owner and type, routed or not.
fn check_groups(records: &[&Record], file: FileId, sink: &mut Sink) {
    // Only groups with a routed record have rules to break; most zones have none.
    let routed: HashSet<(&Name, RType)> =
        records.iter().filter(|r| r.routing.is_routed()).map(|r| (&r.owner, r.rtype)).collect();
    if routed.is_empty() {
        return;
    }
    let mut groups: BTreeMap<(&Name, RType), Vec<&Record>> = BTreeMap::new();
    for r in records.iter().filter(|r| routed.contains(&(&r.owner, r.rtype))) {
        groups.entry((&r.owner, r.rtype)).or_default().push(r);
    }
    for rs in groups.values() {
        let Some(routed) = rs.iter().find(|r| r.routing.is_routed()) else { continue };
        let group_policy = rs.iter().find_map(|r| r.routing.policies().first().cloned());
        for r in rs {
            let ro = &r.routing;
            if !ro.is_routed() {
                sink.push(
                    Diagnostic::new(
                        E_ROUTING_INCOMPLETE,
                        file,
                        r.type_span.clone(),
                        format!("{} `{}` has no routing, but others of its group do", r.rtype, r.owner),
                    )
                    .with_label("simple record in a routed group")
                    .with_secondary(
                        file,
                        routed.routing.block.clone().unwrap_or(routed.type_span.clone()),
                        "routed record here",
                    )
                    .with_help(
                        "give every record of this name and type a `{ set = \"…\" … }` block with the same policy",
                    ),
                );
                continue;
            }
            let at = ro.block.clone().unwrap_or(r.type_span.clone());
            if ro.set.is_none() {
                sink.push(
                    Diagnostic::new(E_ROUTING_INCOMPLETE, file, at.clone(), "a routed record needs a `set` identifier")
                        .with_label("no `set`")
                        .with_help("add `set = \"NAME\"`, unique among the records of this name and type"),
                );
            }
            match (ro.policies().first(), &group_policy) {
                (None, _) => sink.push(
                    Diagnostic::new(E_ROUTING_INCOMPLETE, file, at, "a record with a `set` needs a routing policy")
                        .with_label("no policy")
                        .with_help("add `weight`, `failover`, `continent`/`country`, `region` or `multivalue = true`"),
                ),
                (Some((p, span)), Some((gp, gspan))) if p != gp => sink.push(
                    Diagnostic::new(
                        E_MIXED_POLICY,
                        file,
                        span.clone(),
                        format!("this record uses {}, its group {}", p.as_str(), gp.as_str()),
                    )
                    .with_label("different policy")
                    .with_secondary(file, gspan.clone(), "the group's policy")
                    .with_help("all records of one name and type use the same routing policy"),
                ),
                _ => {}
            }
        }
        check_policy_group(rs, file, sink);
    }
}

/// Distinct records by `set`: merged lines share a set and count once.
fn by_set<'r>(rs: &[&'r Record]) -> Vec<&'r Record> {
    let mut seen = HashSet::default();
    rs.iter().copied().filter(|r| seen.insert(r.routing.set.as_ref().map(|s| s.value.clone()))).collect()
}

fn check_policy_group(rs: &[&Record], file: FileId, sink: &mut Sink) {
    let distinct = by_set(rs);
    let failover: Vec<(&Record, Failover, Span)> =
        distinct.iter().filter_map(|r| r.routing.failover.as_ref().map(|f| (*r, f.value, f.span.clone()))).collect();
    if !failover.is_empty() {
        for role in [Failover::Primary, Failover::Secondary] {
            let of: Vec<_> = failover.iter().filter(|(_, f, _)| *f == role).collect();
            let other = if role == Failover::Primary { "secondary" } else { "primary" };
            let this = if role == Failover::Primary { "primary" } else { "secondary" };
            if let [(_, _, first), rest @ ..] = of.as_slice() {
                for (_, _, span) in rest {
                    sink.push(
                        Diagnostic::new(E_FAILOVER, file, span.clone(), format!("a failover group has one {this}"))
                            .with_label(format!("second {this}"))
                            .with_secondary(file, first.clone(), format!("first {this} here"))
                            .with_help(format!("make this one the {other}, or remove it")),
                    );
                }
                if failover.iter().all(|(_, f, _)| *f == role) {
                    sink.push(
                        Diagnostic::new(E_FAILOVER, file, first.clone(), format!("failover {this} without a {other}"))
                            .with_label(format!("no {other} in this group"))
                            .with_help(format!(
                                "add a record of the same name and type with `{{ set = \"…\" failover = {other} }}`"
                            )),
                    );
                }
            }
        }
    }
    let mut locations: HashMap<(String, String, String), Span> = HashMap::default();
    let mut regions: HashMap<String, Span> = HashMap::default();
    for r in &distinct {
        let ro = &r.routing;
        if ro.continent.is_some() || ro.country.is_some() || ro.subdivision.is_some() {
            let v = |s: &Option<crate::hir::Spanned<String>>| s.as_ref().map(|s| s.value.clone()).unwrap_or_default();
            let key = (v(&ro.continent), v(&ro.country), v(&ro.subdivision));
            let span = ro
                .subdivision
                .as_ref()
                .or(ro.country.as_ref())
                .or(ro.continent.as_ref())
                .map(|s| s.span.clone())
                .unwrap_or_default();
            if let Some(first) = locations.get(&key) {
                sink.push(
                    Diagnostic::new(E_GEO, file, span, "this location is already routed in this group")
                        .with_secondary(file, first.clone(), "first routed here")
                        .with_help("each record of a geolocation group covers a different location"),
                );
            } else {
                locations.insert(key, span);
            }
        }
        if let Some(reg) = &ro.region {
            if let Some(first) = regions.get(&reg.value) {
                sink.push(
                    Diagnostic::new(
                        E_REGION,
                        file,
                        reg.span.clone(),
                        format!("region `{}` is already routed in this group", reg.value),
                    )
                    .with_secondary(file, first.clone(), "first routed here")
                    .with_help("each record of a latency group names a different region"),
                );
            } else {
                regions.insert(reg.value.clone(), reg.span.clone());
            }
        }
    }
}

/// In-zone targets (CNAME, MX, SRV, NS…) that name nothing in the zone.
fn check_dangling(records: &[&Record], grouping: &Grouping, zone: &Name, file: FileId, sink: &mut Sink) {
    let owners = &grouping.owners;
    // The names each wildcard covers lie below its parent (`*.cdn` covers `x.cdn`).
    let wildcard_parents: Vec<Name> = owners.keys().filter(|n| n.is_wildcard()).map(|n| n.parent()).collect();
    for r in records {
        let RecordData::Values(values) = &r.data else { continue };
        for v in values {
            let Some(t) = v.data.target() else { continue };
            if t.is_root() || !t.is_within(zone) || owners.contains_key(t) || r.rtype == RType::Ns {
                continue;
            }
            let covered = wildcard_parents.iter().any(|p| t.strictly_below(p));
            if !covered {
                sink.push(
                    Diagnostic::new(
                        W_DANGLING_TARGET,
                        file,
                        v.span.clone(),
                        format!("`{t}` has no record in this zone"),
                    )
                    .with_label("target not declared")
                    .with_help(format!("add a record for `{}`, or correct the name", t.relative_to(zone))),
                );
            }
        }
    }
}

fn check_healthcheck(h: &HealthCheck, sink: &mut Sink) {
    let file = h.file;
    if h.host.is_none() && h.ip.is_none() {
        sink.push(
            Diagnostic::new(
                E_HEALTHCHECK_TARGET,
                file,
                h.name.span.clone(),
                format!("health check `{}` has nothing to check", h.name.text),
            )
            .with_label("no `host` or `ip`")
            .with_help("add `host = www.acme.example.` or `ip = 192.0.2.10`"),
        );
    }
    if let Some(k) = &h.kind {
        if k.value == CheckType::Tcp {
            if let Some(p) = &h.path {
                sink.push(
                    Diagnostic::new(E_HEALTHCHECK_TARGET, file, p.span.clone(), "a TCP health check has no path")
                        .with_secondary(file, k.span.clone(), "TCP check")
                        .with_help("use `type = http` or `https` to request a path, or remove `path`"),
                );
            }
            if h.port.is_none() {
                sink.push(
                    Diagnostic::new(E_HEALTHCHECK_TARGET, file, k.span.clone(), "a TCP health check needs a `port`")
                        .with_help("add `port = …`"),
                );
            }
        }
    }
    if let Some(p) = &h.path {
        if !p.value.starts_with('/') {
            sink.push(
                Diagnostic::new(E_HEALTHCHECK, file, p.span.clone(), "a health check path starts with `/`").with_fix(
                    "add the leading slash",
                    file,
                    p.span.clone(),
                    format!("\"/{}\"", p.value),
                ),
            );
        }
    }
    if let Some(ip) = &h.ip {
        if is_private(ip.value) {
            sink.push(
                Diagnostic::new(
                    E_HEALTHCHECK,
                    file,
                    ip.span.clone(),
                    format!("Route53 health checkers cannot reach the private address {}", ip.value),
                )
                .with_help("check a public address or name; Route53's checkers run on the internet"),
            );
        }
    }
}

fn check_healthcheck_use(stack: &Stack, sink: &mut Sink) {
    let mut seen: HashMap<&str, &HealthCheck> = HashMap::default();
    for h in &stack.healthchecks {
        if let Some(first) = seen.get(h.name.text.as_str()) {
            sink.push(
                Diagnostic::new(
                    E_DUPLICATE_NAME,
                    h.file,
                    h.name.span.clone(),
                    format!("healthcheck `{}` is declared twice", h.name.text),
                )
                .with_label("declared again here")
                .with_secondary(first.file, first.name.span.clone(), "first declared here")
                .with_help("rename one of them or remove the duplicate healthcheck"),
            );
        } else {
            seen.insert(&h.name.text, h);
        }
    }
    let mut used = HashSet::default();
    for z in &stack.zones {
        for r in &z.records {
            let Some(h) = &r.routing.health else { continue };
            let r: &Ref = h;
            if seen.contains_key(r.text.as_str()) {
                used.insert(r.text.as_str());
            } else {
                unknown(sink, z.file, r.span.clone(), "healthcheck", &r.text, seen.keys().copied().collect());
            }
        }
    }
    for h in &stack.healthchecks {
        if !used.contains(h.name.text.as_str()) {
            sink.push(
                Diagnostic::new(W_UNUSED_HEALTHCHECK, h.file, h.name.span.clone(), format!("health check `{}` is not used by any record", h.name.text))
                    .with_label("unused")
                    .with_help("reference it from a routed record with `health = NAME`, or remove it (Route53 bills every health check)"),
            );
        }
    }
}

#[cfg(test)]
mod tests;
