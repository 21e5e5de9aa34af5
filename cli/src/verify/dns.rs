//! The DNS half of `drove verify`: every record set of the model is asked of the zone's
//! name servers (or of `--nameserver`) and the answer judged by the set's routing policy.

use super::canon::{self, Canon};
use super::expect::{Group, Values, Zone};
use super::query::{ask, Limits};
use drove_compiler::model::record_set::Policy;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Match,
    Mismatch,
    /// A value known only after apply that the state does not hold.
    Unknown,
    /// An alias Route53 resolves itself, or a private zone without `--nameserver`.
    NotCheckable,
    /// No usable answer: timeout, REFUSED, a name server that does not resolve.
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpectedSet {
    /// The set identifier of a routed set.
    pub set: Option<String>,
    pub values: Vec<String>,
    pub ttl: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub zone: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// `host (address:port)` of a delegation name server, or the `--nameserver` address.
    pub server: String,
    pub policy: &'static str,
    pub status: Status,
    pub expected: Vec<ExpectedSet>,
    pub got: Vec<String>,
    pub got_ttl: Option<u32>,
    /// Why it does not match, which set answered, or why it was not checked.
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub label: String,
    pub addr: SocketAddr,
}

/// Questions in flight at once: enough to check a large zone quickly without flooding a
/// name server that rate-limits.
const PARALLEL: usize = 16;

/// The servers of each zone: `--nameserver` for all, else the zone's delegation set.
pub async fn servers_of(zone: &Zone, nameserver: Option<SocketAddr>) -> Result<Vec<Server>, String> {
    if let Some(addr) = nameserver {
        return Ok(vec![Server { label: addr.to_string(), addr }]);
    }
    if zone.private {
        return Err("a private zone: only checked with --nameserver (a resolver inside its VPC)".into());
    }
    if zone.name_servers.is_empty() {
        return Err("the state holds no name servers for this zone (not applied yet?); pass --nameserver".into());
    }
    let mut out = Vec::new();
    for host in &zone.name_servers {
        let found = tokio::net::lookup_host((host.trim_end_matches('.'), 53))
            .await
            .map_err(|e| format!("cannot resolve the name server {host}: {e}"))?
            .min_by_key(|a| a.is_ipv6());
        match found {
            Some(addr) => out.push(Server { label: format!("{host} ({addr})"), addr }),
            None => return Err(format!("the name server {host} has no address")),
        }
    }
    Ok(out)
}

/// Checks every record set of `zones` at their servers; findings in model order.
pub async fn check(zones: &[Zone], servers: &[Result<Vec<Server>, String>], limits: Limits) -> Vec<Finding> {
    let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    // One slot per finding: judged at once when no question is needed, else after the answer.
    let mut slots: Vec<Result<Finding, (&Zone, &Group, String)>> = Vec::new();
    for (zone, servers) in zones.iter().zip(servers) {
        for group in &zone.groups {
            let list = match servers {
                Ok(list) => list,
                Err(why) => {
                    let status = if zone.private { Status::NotCheckable } else { Status::Error };
                    slots.push(Ok(finding(zone, group, "", status, Vec::new(), None, why.clone())));
                    continue;
                }
            };
            for server in list {
                match question(group) {
                    Ok((name, rtype)) => {
                        let (gate, addr, slot) = (gate.clone(), server.addr, slots.len());
                        tasks.spawn(async move {
                            let _permit = gate.acquire_owned().await;
                            (slot, ask(addr, &name, rtype, limits).await)
                        });
                        slots.push(Err((zone, group, server.label.clone())));
                    }
                    Err(why) => {
                        slots.push(Ok(finding(zone, group, &server.label, Status::Error, Vec::new(), None, why)))
                    }
                }
            }
        }
    }
    let mut answers: Vec<Option<Result<Message, String>>> = vec![None; slots.len()];
    while let Some(done) = tasks.join_next().await {
        if let Ok((slot, answer)) = done {
            if let Some(a) = answers.get_mut(slot) {
                *a = Some(answer);
            }
        }
    }
    slots
        .into_iter()
        .zip(answers)
        .map(|(slot, answer)| match slot {
            Ok(f) => f,
            Err((zone, group, server)) => {
                judge(zone, group, &server, answer.unwrap_or_else(|| Err("the query task failed".into())))
            }
        })
        .collect()
}

fn question(group: &Group) -> Result<(Name, RecordType), String> {
    let name = Name::from_ascii(&group.name).map_err(|e| format!("cannot ask for `{}`: {e}", group.name))?;
    let rtype = canon::record_type(&group.rtype).ok_or_else(|| format!("cannot ask for type {}", group.rtype))?;
    Ok((name, rtype))
}

fn expected_sets(group: &Group) -> Vec<ExpectedSet> {
    group
        .alternatives
        .iter()
        .map(|a| ExpectedSet {
            set: a.set_id.clone(),
            values: match &a.values {
                Values::Known(v) => v.clone(),
                _ => Vec::new(),
            },
            ttl: a.ttl,
        })
        .collect()
}

fn finding(
    zone: &Zone,
    group: &Group,
    server: &str,
    status: Status,
    got: Vec<String>,
    got_ttl: Option<u32>,
    detail: String,
) -> Finding {
    Finding {
        zone: zone.name.clone(),
        name: group.name.clone(),
        rtype: group.rtype.clone(),
        server: server.to_string(),
        policy: group.policy.as_str(),
        status,
        expected: expected_sets(group),
        got,
        got_ttl,
        detail,
    }
}

/// One alternative's values in comparable form, deduplicated.
fn canon_set(rtype: &str, values: &[String]) -> Result<Vec<Canon>, String> {
    let mut out: Vec<Canon> = Vec::new();
    for v in values {
        let c = canon::from_text(rtype, v)?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

fn same_set(a: &[Canon], b: &[Canon]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

fn judge(zone: &Zone, group: &Group, server: &str, answer: Result<Message, String>) -> Finding {
    let make = |status, got, ttl, detail| finding(zone, group, server, status, got, ttl, detail);
    if let Some(why) = group.alternatives.iter().find_map(|a| match &a.values {
        Values::NotCheckable(w) => Some(w.clone()),
        _ => None,
    }) {
        return make(Status::NotCheckable, Vec::new(), None, format!("not checkable by value: {why}"));
    }
    if let Some(why) = group.alternatives.iter().find_map(|a| match &a.values {
        Values::Unknown(w) => Some(w.clone()),
        _ => None,
    }) {
        return make(Status::Unknown, Vec::new(), None, format!("unknown: {why}"));
    }
    let mut sets = Vec::new();
    for a in &group.alternatives {
        let Values::Known(values) = &a.values else { continue };
        match canon_set(&group.rtype, values) {
            Ok(c) => sets.push(c),
            Err(e) => return make(Status::Error, Vec::new(), None, format!("the model's value: {e}")),
        }
    }
    let message = match answer {
        Ok(m) => m,
        Err(e) => return make(Status::Error, Vec::new(), None, format!("no answer: {e}")),
    };
    let rcode = message.metadata.response_code;
    if rcode != ResponseCode::NoError && rcode != ResponseCode::NXDomain {
        return make(
            Status::Error,
            Vec::new(),
            None,
            format!("the server answered {rcode} (is it authoritative for {}?)", zone.name),
        );
    }
    let (got, shown, ttl) = records(&message, group);
    let unexpected = |expected: &[Canon]| -> Vec<String> {
        got.iter().zip(&shown).filter(|(g, _)| !expected.contains(g)).map(|(_, s)| s.clone()).collect()
    };
    if got.is_empty() {
        let why = if rcode == ResponseCode::NXDomain {
            "the name does not exist (NXDOMAIN)"
        } else {
            "no record of this type"
        };
        return make(Status::Mismatch, shown, ttl, format!("missing: {why}"));
    }
    let ttl_check = |expected: Option<u64>| match (expected, ttl) {
        (Some(e), Some(g)) if e != u64::from(g) => Some(format!("TTL {g}, expected {e}")),
        _ => None,
    };
    match group.policy {
        Policy::Simple => {
            let expected = sets.first().map(Vec::as_slice).unwrap_or(&[]);
            if same_set(expected, &got) {
                match ttl_check(group.alternatives.first().and_then(|a| a.ttl)) {
                    Some(t) => make(Status::Mismatch, shown, ttl, t),
                    None => make(Status::Match, shown, ttl, String::new()),
                }
            } else {
                let extra = unexpected(expected);
                make(
                    Status::Mismatch,
                    shown.clone(),
                    ttl,
                    difference(&group.rtype, group.alternatives.first(), &got, &extra),
                )
            }
        }
        Policy::Multivalue => {
            let all: Vec<Canon> = sets.iter().flatten().cloned().collect();
            let stray = unexpected(&all);
            if stray.is_empty() {
                make(
                    Status::Match,
                    shown,
                    ttl,
                    format!("{} of the sets' values answered (a subset is expected)", got.len()),
                )
            } else {
                make(Status::Mismatch, shown, ttl, format!("unexpected {} (no set holds it)", stray.join(", ")))
            }
        }
        _ => {
            let found = sets.iter().position(|s| same_set(s, &got));
            match found.and_then(|i| group.alternatives.get(i)) {
                Some(alt) => {
                    let name = alt.set_id.clone().unwrap_or_default();
                    match ttl_check(alt.ttl) {
                        Some(t) => make(Status::Mismatch, shown, ttl, format!("set \"{name}\" answered with {t}")),
                        None => make(
                            Status::Match,
                            shown,
                            ttl,
                            format!("set \"{name}\" answered (one of the routed sets is expected)"),
                        ),
                    }
                }
                None => make(Status::Mismatch, shown, ttl, "the answer is none of the routed sets".into()),
            }
        }
    }
}

/// What a simple set misses and what it has too much, in the model's and the server's text.
fn difference(rtype: &str, alt: Option<&super::expect::Alternative>, got: &[Canon], extra: &[String]) -> String {
    let texts: Vec<String> = match alt.map(|a| &a.values) {
        Some(Values::Known(v)) => v.clone(),
        _ => Vec::new(),
    };
    let missing: Vec<String> = texts
        .iter()
        .filter(|t| canon::from_text(rtype, t).map(|c| !got.contains(&c)).unwrap_or(false))
        .cloned()
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("unexpected {}", extra.join(", ")));
    }
    parts.join("; ")
}

/// The records of the answer for the question (for an NS set below the apex, the referral
/// in the authority section), in comparable and in shown form, and their smallest TTL.
fn records(message: &Message, group: &Group) -> (Vec<Canon>, Vec<String>, Option<u32>) {
    let Ok((name, rtype)) = question(group) else { return (Vec::new(), Vec::new(), None) };
    let pick = |section: &[hickory_proto::rr::Record]| -> Vec<hickory_proto::rr::Record> {
        section.iter().filter(|r| r.record_type() == rtype && r.name == name).cloned().collect()
    };
    let mut found = pick(&message.answers);
    if found.is_empty() && rtype == RecordType::NS {
        found = pick(&message.authorities);
    }
    let mut canon = Vec::new();
    let mut shown = Vec::new();
    for r in &found {
        let (c, s) = canon::from_answer(&group.rtype, &r.data);
        if !canon.contains(&c) {
            canon.push(c);
            shown.push(s);
        }
    }
    (canon, shown, found.iter().map(|r| r.ttl).min())
}
