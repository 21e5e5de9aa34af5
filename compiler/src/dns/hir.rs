//! The typed form of `zone` and `healthcheck` declarations, held in `hir::Stack::zones`
//! and `hir::Stack::healthchecks`. Values that failed to lower were reported and are
//! left out (`None`, or a record without that value), so checks only see what parsed.

use super::name::Name;
use super::rdata::Rdata;
use super::rtype::RType;
use crate::hir::{Ident, Ref, Spanned};
use crate::source::{FileId, Span};
use smallvec::SmallVec;
use std::net::IpAddr;

/// `zone "acme.example." { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub file: FileId,
    /// The zone's name as written (for messages), with the span of the string.
    pub ident: Ident,
    /// `None` when the written name is not a valid absolute DNS name (reported).
    pub name: Option<Name>,
    pub span: Span,
    /// Default TTL of records that give none.
    pub ttl: Option<Spanned<u64>>,
    /// Networks of a private zone; empty for a public one.
    pub private: Vec<Ref>,
    /// Span of the `private` attribute's key, when given.
    pub private_span: Option<Span>,
    pub comment: Option<Spanned<String>>,
    /// `unmanaged = keep | delete`, when given.
    pub unmanaged: Option<Spanned<UnmanagedPolicy>>,
    /// `ignore "PATTERN" TYPE, …` lines that lowered.
    pub ignores: Vec<Ignore>,
    pub records: Vec<Record>,
}

impl Zone {
    pub fn is_private(&self) -> bool {
        self.private_span.is_some()
    }
}

pub use crate::model::hosted_zone::Policy as UnmanagedPolicy;

/// `ignore "PATTERN" TYPE, …`: record sets of the zone another system owns.
#[derive(Debug, Clone, PartialEq)]
pub struct Ignore {
    pub span: Span,
    /// The string as written, with its span.
    pub pattern: Spanned<String>,
    /// The pattern made absolute, in lower case (`@` is the zone's name).
    pub name: String,
    /// No types: every type.
    pub types: Vec<Spanned<RType>>,
}

impl Ignore {
    /// The rule as the model carries it (and the planner applies it).
    pub fn rule(&self) -> crate::model::hosted_zone::IgnoreRule {
        crate::model::hosted_zone::IgnoreRule {
            name: self.name.clone(),
            types: self.types.iter().map(|t| t.value.as_str().to_string()).collect(),
        }
    }
}

/// One record line: `NAME [TTL] TYPE VALUE, … [{ routing }]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub span: Span,
    pub owner: Name,
    /// The owner word as written (`@`, `www`).
    pub owner_span: Span,
    pub ttl: Option<Spanned<u64>>,
    pub rtype: RType,
    pub type_span: Span,
    pub data: RecordData,
    pub routing: Routed,
}

/// A record's values, or its alias target. Most records have one value, held inline in
/// the record (no allocation of its own); an alias, rarer and larger, is boxed.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordData {
    Values(Values),
    Alias(Box<Alias>),
}

pub type Values = SmallVec<[Value; 1]>;

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub data: Rdata,
    /// From the first to the last term of the value.
    pub span: Span,
}

/// `alias TARGET` with the target's settings from the record's block.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub target: Name,
    pub target_span: Span,
    /// Span of the `alias` keyword.
    pub keyword_span: Span,
    pub zone_id: Option<Spanned<String>>,
    pub evaluate_health: Option<Spanned<bool>>,
    /// `alias balancer.NAME`: the stack's balancer, whose DNS name and zone the plan fills in.
    pub balancer: Option<crate::hir::Ident>,
    /// `USE` of `alias USE.balancer.NAME`, a balancer of a used stack; `balancer` is
    /// then its `NAME`. Only a name the stack `use`s makes it one (see `Alias::balancer_in`).
    pub balancer_stack: Option<crate::hir::Ident>,
}

impl Alias {
    /// The balancer this alias names, and the used stack it is in (`None`: this stack);
    /// `None` for an alias to a DNS name.
    pub fn balancer_in<'s>(
        &self,
        stack: &'s crate::hir::Stack,
    ) -> Option<(Option<&'s crate::hir::UsedStack>, &crate::hir::Ident)> {
        let b = self.balancer.as_ref()?;
        match &self.balancer_stack {
            None => Some((None, b)),
            Some(u) if stack.uses.iter().any(|x| x.name.text == u.text) => Some((stack.used(&u.text), b)),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failover {
    Primary,
    Secondary,
}

impl Failover {
    pub fn as_str(self) -> &'static str {
        match self {
            Failover::Primary => "PRIMARY",
            Failover::Secondary => "SECONDARY",
        }
    }
}

/// The routing block of a record; all empty for simple routing.
/// A record's routing settings, allocated only for records that have a routing block:
/// most records have none, and the settings are ten times the size of the rest of a
/// record (a 50,000-record zone saved 18 MB). Reads as a `Routing` through `Deref`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routed(Option<Box<Routing>>);

static NO_ROUTING: Routing = Routing {
    block: None,
    set: None,
    weight: None,
    failover: None,
    continent: None,
    country: None,
    subdivision: None,
    region: None,
    multivalue: None,
    health: None,
};

impl std::ops::Deref for Routed {
    type Target = Routing;
    fn deref(&self) -> &Routing {
        self.0.as_deref().unwrap_or(&NO_ROUTING)
    }
}

impl Routed {
    /// Whether the record has no routing block (simple routing, nothing to check).
    pub fn is_simple(&self) -> bool {
        self.0.is_none()
    }
}

impl From<Routing> for Routed {
    fn from(r: Routing) -> Self {
        Routed(Some(Box::new(r)))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routing {
    /// The `{ … }` block, when there is one.
    pub block: Option<Span>,
    pub set: Option<Spanned<String>>,
    pub weight: Option<Spanned<u64>>,
    pub failover: Option<Spanned<Failover>>,
    pub continent: Option<Spanned<String>>,
    pub country: Option<Spanned<String>>,
    pub subdivision: Option<Spanned<String>>,
    pub region: Option<Spanned<String>>,
    pub multivalue: Option<Spanned<bool>>,
    pub health: Option<Ref>,
}

/// The routing policies Route53 has besides simple routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    Weighted,
    Failover,
    Geolocation,
    Latency,
    Multivalue,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Weighted => "weighted (`weight`)",
            Policy::Failover => "failover (`failover`)",
            Policy::Geolocation => "geolocation (`continent`, `country`, `subdivision`)",
            Policy::Latency => "latency (`region`)",
            Policy::Multivalue => "multivalue answer (`multivalue`)",
        }
    }
}

impl Routing {
    /// Each policy the block names, with the span of the attribute that names it.
    pub fn policies(&self) -> Vec<(Policy, Span)> {
        let mut out = Vec::new();
        if let Some(w) = &self.weight {
            out.push((Policy::Weighted, w.span.clone()));
        }
        if let Some(f) = &self.failover {
            out.push((Policy::Failover, f.span.clone()));
        }
        if let Some(g) = self.continent.as_ref().or(self.country.as_ref()).or(self.subdivision.as_ref()) {
            out.push((Policy::Geolocation, g.span.clone()));
        }
        if let Some(r) = &self.region {
            out.push((Policy::Latency, r.span.clone()));
        }
        if let Some(m) = self.multivalue.as_ref().filter(|m| m.value) {
            out.push((Policy::Multivalue, m.span.clone()));
        }
        out
    }

    /// The first policy `policies` would list, without collecting them (this runs for
    /// every record of a zone).
    pub fn policy(&self) -> Option<Policy> {
        if self.weight.is_some() {
            Some(Policy::Weighted)
        } else if self.failover.is_some() {
            Some(Policy::Failover)
        } else if self.continent.is_some() || self.country.is_some() || self.subdivision.is_some() {
            Some(Policy::Geolocation)
        } else if self.region.is_some() {
            Some(Policy::Latency)
        } else if self.multivalue.as_ref().is_some_and(|m| m.value) {
            Some(Policy::Multivalue)
        } else {
            None
        }
    }

    pub fn is_routed(&self) -> bool {
        self.set.is_some() || self.policy().is_some()
    }

    /// Whether two routing blocks say the same thing. Values only: two lines of one set
    /// are written in different places, so their spans always differ, and comparing
    /// them made every merged set look like a conflict.
    pub fn same_as(&self, other: &Routing) -> bool {
        fn value<T: PartialEq>(a: &Option<Spanned<T>>, b: &Option<Spanned<T>>) -> bool {
            a.as_ref().map(|s| &s.value) == b.as_ref().map(|s| &s.value)
        }
        value(&self.set, &other.set)
            && value(&self.weight, &other.weight)
            && value(&self.failover, &other.failover)
            && value(&self.continent, &other.continent)
            && value(&self.country, &other.country)
            && value(&self.subdivision, &other.subdivision)
            && value(&self.region, &other.region)
            // `multivalue = false` is no policy at all, the same as leaving it out.
            && self.multivalue.as_ref().is_some_and(|m| m.value) == other.multivalue.as_ref().is_some_and(|m| m.value)
            && self.health.as_ref().map(|h| &h.text) == other.health.as_ref().map(|h| &h.text)
    }
}

/// `healthcheck NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub kind: Option<Spanned<CheckType>>,
    pub host: Option<Spanned<Name>>,
    pub ip: Option<Spanned<IpAddr>>,
    pub port: Option<Spanned<u64>>,
    pub path: Option<Spanned<String>>,
    /// Seconds: 10 or 30.
    pub interval: Option<Spanned<u64>>,
    pub threshold: Option<Spanned<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckType {
    Http,
    Https,
    Tcp,
}

impl CheckType {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckType::Http => "HTTP",
            CheckType::Https => "HTTPS",
            CheckType::Tcp => "TCP",
        }
    }

    pub fn default_port(self) -> u64 {
        match self {
            CheckType::Http => 80,
            CheckType::Https => 443,
            CheckType::Tcp => 0,
        }
    }
}
