//! Providers sit behind one trait so the planner and the apply walk are tested without
//! AWS (the in-memory provider) and run against AWS (or moto) with the same code.

pub mod memory;

use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A resource as it exists: its id, its attributes in the model's shape (references
/// resolved, drove's own tags removed), and the values other resources may reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub id: String,
    pub attributes: Value,
    #[serde(default)]
    pub outputs: Map<String, Value>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub created: String,
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The live view of each known resource, in order; `None` where it is gone.
    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>>;
    /// For each wanted resource, the existing one created for its address, if any
    /// (found by the `drove:stack`/`drove:address` tags, record sets by name, type and
    /// set identifier).
    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>>;
    /// Every record set of a hosted zone, in the model's shape (for checks AWS would make).
    async fn zone_records(&self, zone_id: &str) -> Result<Vec<Value>>;
    /// The newest image whose name matches `pattern` (`*` wildcards).
    async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> Result<Image>;
    /// Applies changes that belong together: a single resource, or record sets of one
    /// zone sent as one change batch (deletes first). Returns the live resource after
    /// each create or update, `None` after a delete.
    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>>;
    /// Whether this provider manages resources of this kind.
    fn supports(&self, kind: &str) -> bool {
        crate::kinds::ALL.contains(&kind)
    }
    /// Whether changes of this kind are batched per zone.
    fn batches(&self, kind: &str) -> bool {
        kind == crate::kinds::RECORD_SET
    }
}

/// The hosted-zone id of a record set's attributes (resolved), for grouping batches.
pub fn record_zone(attributes: &Value) -> Option<&str> {
    attributes.get("zone").and_then(Value::as_str)
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
