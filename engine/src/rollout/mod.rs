//! Rolling replacement of instances (cattle, not pets). A change that replaces a role's
//! instances creates the new ones first, `batch` at a time, points what references them
//! at the new addresses, and terminates each old instance only once the role's drain check
//! passes. While an instance is being replaced the old one is kept in the state under
//! `ADDRESS#deposed` (as Terraform keeps deposed objects), so a run killed at any point
//! leaves both recorded and the next plan finishes the job.
//!
//! - `settings`: the compiled `rollout` attribute of each instance, taken out of what is
//!   diffed and sent to AWS;
//! - `schedule`: the plan's rollout section (which instances, in which batches);
//! - `wire`: the apply graph's edges for create-before-destroy and batches;
//! - `drain`: the drain check, run on the instance through the provider (SSM Run Command)
//!   and retried until it passes or times out;
//! - `replace`: what `drove replace ADDRESS` may replace, and its plan holding nothing else;
//! - `render`: the rollout section of text and Markdown plans.

mod drain;
pub mod render;
pub mod replace;
mod schedule;
mod settings;
mod wire;

pub use drain::{run as run_drain, Drain};
pub use schedule::schedule;
pub use settings::{split, Settings};
pub(crate) use wire::{wire, Rollouts};

use serde::{Deserialize, Serialize};

/// The suffix of the state key that holds an instance being replaced.
pub const DEPOSED_SUFFIX: &str = "#deposed";

/// The state key of the old instance while `address` is being replaced.
pub fn deposed(address: &str) -> String {
    format!("{address}{DEPOSED_SUFFIX}")
}

/// The address a deposed state key belongs to (itself for any other key).
pub fn base(address: &str) -> &str {
    address.strip_suffix(DEPOSED_SUFFIX).unwrap_or(address)
}

/// One role's part of a plan: what is replaced in which batch, what is terminated, and
/// the drain check that guards every termination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    pub role: String,
    /// Instances replaced at a time.
    pub batch: u64,
    /// The shell command that must succeed before an instance is terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<String>,
    /// Seconds the drain check is retried for.
    pub drain_timeout: u64,
    /// Replacements, one batch after the other: the batch's new instances are created,
    /// references move to them, then each old one is drained and terminated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batches: Vec<Vec<String>>,
    /// Replacements done destroy-first because the instance has a fixed private address
    /// (the old one must release it); still drained first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destroy_first: Vec<String>,
    /// Instances terminated with no replacement (count lowered, hosts removed, destroy, or
    /// the old instance of a replacement an earlier run left behind).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terminate: Vec<String>,
    /// Instances already gone from AWS: only their state entry goes, with no drain check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<String>,
}

impl Rollout {
    /// Whether the termination of this state key runs the drain check.
    pub fn drains(&self, key: &str) -> bool {
        self.drain.is_some() && !self.gone.iter().any(|g| g == key)
    }

    /// Whether this rollout covers the instance at `key` (a deposed key included).
    pub fn covers(&self, key: &str) -> bool {
        let b = base(key);
        self.batches.iter().flatten().any(|a| a == b)
            || self.destroy_first.iter().any(|a| a == b)
            || self.terminate.iter().any(|a| a == key)
            || self.gone.iter().any(|a| a == key)
    }
}

/// The token of the create that replaces the instance deposed with id `deposed_id`: the same
/// for a retry after a crash (whatever the plan's serial), so EC2 returns the instance the
/// killed run launched instead of launching a second one.
pub fn replacement_token(lineage: &str, address: &str, deposed_id: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    address.hash(&mut h);
    deposed_id.hash(&mut h);
    format!("drove-{}-r-{:016x}", lineage.get(..16).unwrap_or(lineage), h.finish())
}

/// Addresses like `hosts.app[10]` in numeric order, so batches go `[0]`, `[1]`, … `[10]`.
pub(crate) fn natural_key(address: &str) -> (String, u64, String) {
    if let Some(open) = address.rfind('[') {
        if let Some(close) = address[open..].find(']') {
            if let Ok(n) = address[open + 1..open + close].parse::<u64>() {
                return (address[..open].to_string(), n, address[open + close..].to_string());
            }
        }
    }
    (address.to_string(), 0, String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_order() {
        assert_eq!(deposed("hosts.app[0]"), "hosts.app[0]#deposed");
        assert_eq!(base("hosts.app[0]#deposed"), "hosts.app[0]");
        assert_eq!(base("host.db"), "host.db");
        let mut v = vec!["hosts.a[10]", "hosts.a[2]", "host.db", "hosts.a[1]"];
        v.sort_by_key(|a| natural_key(a));
        assert_eq!(v, ["host.db", "hosts.a[1]", "hosts.a[2]", "hosts.a[10]"]);
        assert_eq!(
            replacement_token("0123456789abcdef0123", "hosts.a[0]", "i-1"),
            replacement_token("0123456789abcdef", "hosts.a[0]", "i-1")
        );
        assert_ne!(replacement_token("l", "hosts.a[0]", "i-1"), replacement_token("l", "hosts.a[0]", "i-2"));
        assert!(replacement_token("0123456789abcdef0123", "hosts.a[0]", "i-1").len() <= 64);
    }
}
