//! Providers sit behind one trait so the planner and the apply walk are tested without
//! AWS (the in-memory provider) and run against AWS (or moto) with the same code.

mod host;
pub mod memory;
pub mod offline;

pub use host::{shell_quote, HostCommand, HostOutcome};

use crate::error::{codes, EngineError, Result};
use async_trait::async_trait;
use drove_compiler::model::Spec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A resource as it exists: its id, its attributes in the model's shape (references
/// resolved, drove's own tags removed), and the values other resources may reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub id: String,
    pub attributes: Value,
    #[serde(default)]
    pub outputs: Map<String, Value>,
    /// The lineage of the state that owns it, as its `drove:lineage` tag says (or, for a
    /// zone created by a run that died before tagging it, the prefix of the lineage its
    /// CallerReference carries); `None` when it carries none or its kind takes no tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl Live {
    pub fn new(id: impl Into<String>, attributes: Value, outputs: Map<String, Value>) -> Live {
        Live { id: id.into(), attributes, outputs, owner: None }
    }

    pub fn owned_by(mut self, owner: Option<String>) -> Live {
        self.owner = owner;
        self
    }

    /// Whether the state of this lineage owns it.
    pub fn owned_by_lineage(&self, lineage: &str) -> bool {
        self.owner.as_deref().is_some_and(|o| !o.is_empty() && lineage.starts_with(o))
    }
}

/// A resource the state knows, to be looked up again.
#[derive(Debug, Clone)]
pub struct Known {
    pub address: String,
    pub kind: String,
    pub id: String,
    pub attributes: Value,
}

/// A declared resource the state does not know: it may exist already when an earlier run
/// died between creating it and writing the state.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub address: String,
    pub kind: String,
    /// Desired attributes; references not yet known are `{"ref", "attribute", "unknown": true}`.
    pub attributes: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// One call's worth of work for a provider. `after` has every reference resolved.
#[derive(Debug, Clone)]
pub struct Change {
    pub address: String,
    pub kind: String,
    pub operation: Operation,
    pub id: Option<String>,
    pub before: Value,
    pub after: Value,
    /// Idempotency token for creates (ClientToken, CallerReference): the same for a
    /// retry of the same plan, different for the next plan.
    pub token: String,
    /// The lineage of the state this change is applied to: every resource created or
    /// updated carries it as its `drove:lineage` tag.
    pub lineage: String,
    /// Write drove's ownership tags even when no attribute changes (a resource adopted, or
    /// one whose tags predate lineage ownership).
    pub claim: bool,
}

impl Change {
    /// The resolved desired attributes, typed by their kind's model struct. Only a plan
    /// edited by hand or written by another version fails here, before any AWS call.
    pub fn spec(&self) -> Result<Spec> {
        spec(&self.address, &self.kind, &self.after)
    }

    /// The attributes the state last saw, typed (for updates that send only what changed).
    pub fn before_spec(&self) -> Result<Spec> {
        spec(&self.address, &self.kind, &self.before)
    }
}

/// Attributes of a kind read into its typed struct.
pub fn spec(address: &str, kind: &str, attributes: &Value) -> Result<Spec> {
    Spec::from_attributes(kind, attributes.clone())
        .map_err(|e| EngineError::new(codes::INVALID_CHANGE, format!("{address}: {e}")))
}

/// A typed struct in the model's JSON shape, for a `Live` view.
pub fn attributes<T: Serialize>(spec: &T) -> Value {
    // Model structs have string keys only, so this cannot fail.
    serde_json::to_value(spec).unwrap_or(Value::Null)
}

/// A record set as its zone lists it: the id the provider knows it by (what a delete
/// change carries) and its attributes, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRecord {
    pub id: String,
    pub set: drove_compiler::model::RecordSet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub created: String,
    /// As EC2 names it (`x86_64`, `arm64`, …); `None` when the image does not say.
    #[serde(default)]
    pub architecture: Option<String>,
    /// The size of the snapshot behind the image's root device, which a root volume may
    /// not undercut; `None` for an instance-store root or when EC2 does not say.
    #[serde(default)]
    pub root_snapshot_gib: Option<u64>,
}

impl Image {
    pub fn new(id: impl Into<String>, name: impl Into<String>, created: impl Into<String>) -> Image {
        Image { id: id.into(), name: name.into(), created: created.into(), architecture: None, root_snapshot_gib: None }
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The live view of each known resource, in order; `None` where it is gone.
    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>>;
    /// For each wanted resource, the existing one created for its address, if any
    /// (found by the `drove:stack`/`drove:address` tags, record sets by name, type and
    /// set identifier).
    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>>;
    /// Every record set of a hosted zone (Route53's SOA and apex NS included), for the
    /// checks AWS would make and for the records the zone does not declare.
    async fn zone_records(&self, zone_id: &str) -> Result<Vec<ZoneRecord>>;
    /// The newest image whose name matches `pattern` (`*` wildcards).
    async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> Result<Image>;
    /// The ARN of the issued certificate that covers `domain` (a balancer's
    /// `certificate = "example.com"`), the one valid longest when several do.
    async fn resolve_certificate(&self, domain: &str) -> Result<String>;
    /// Which of `types` EC2 offers in the availability zone `zone`.
    async fn offered_types(&self, zone: &str, types: &[String]) -> Result<BTreeSet<String>>;
    /// Applies changes that belong together: a single resource, or record sets of one
    /// zone sent as one change batch (deletes first). Returns the live resource after
    /// each create or update, `None` after a delete.
    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>>;
    /// Runs a command on an instance (a drain check; SSM Run Command on AWS) and waits for
    /// its end, at most `cmd.timeout`. An instance nothing can run on is an outcome
    /// (`Unreachable`), not an error; errors are calls that failed.
    async fn run_on_host(&self, cmd: &HostCommand) -> Result<HostOutcome>;
    /// Whether this provider manages resources of this kind.
    fn supports(&self, kind: &str) -> bool {
        drove_compiler::model::schema_of(kind).is_some()
    }
    /// Whether changes of this kind are batched per zone.
    fn batches(&self, kind: &str) -> bool {
        kind == drove_compiler::model::record_set::KIND
    }
}

/// A record set's attributes (planned, live or from the state) typed; `None` for `null`
/// or for attributes of another kind.
pub fn record_set(attributes: &Value) -> Option<drove_compiler::model::RecordSet> {
    drove_compiler::model::RecordSet::deserialize(attributes).ok()
}

/// The hosted-zone id of a record set's attributes (resolved), for grouping batches.
pub fn record_zone(attributes: &Value) -> Option<String> {
    record_set(attributes)?.zone.text().map(str::to_string)
}

/// `*`-wildcard match as EC2's name filters do it.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return false,
    };
    if !name.starts_with(first) {
        return false;
    }
    let mut pos = first.len();
    let last_idx = rest.len().saturating_sub(1);
    for (i, part) in rest.iter().enumerate() {
        if i == last_idx {
            return name.len() >= pos + part.len() && name.ends_with(part);
        }
        match name.get(pos..).and_then(|s| s.find(part)) {
            Some(found) => pos += found + part.len(),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("base-ruby-*", "base-ruby-2024"));
        assert!(!glob_match("base-ruby-*", "base-mysql-1"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
