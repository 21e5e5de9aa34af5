//! Plans are data: a list of changes with attribute diffs, saved as JSON (`--out`) and
//! applied exactly later. The format is documented in `docs/plan.md`.

pub mod cost;
mod drift;
pub mod exposure;
pub mod normalize;
mod ownership;
mod planner;
mod preflight;
pub mod preview;
pub mod render;
pub(crate) mod resolve;
pub mod sources;
pub mod unmanaged;
pub mod uses;

pub use drift::refresh_only;
pub use planner::{dependencies, plan, PlanOptions};
pub use resolve::{is_unknown, unknown};

use crate::error::{codes, EngineError, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// 2: instances' user data carries its secrets' ciphertexts and its files' contents, so a
/// plan applies without decrypting or reading the source tree. 3: the plan records its
/// sources' digest (`sources`), which apply checks. Plans are short-lived, so an older
/// one is refused with the way out rather than migrated.
pub const PLAN_FORMAT: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::NoOp => "unchanged",
            Action::Create => "created",
            Action::Update => "updated in place",
            Action::Replace => "replaced",
            Action::Delete => "deleted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeDiff {
    pub name: String,
    #[serde(default)]
    pub before: Value,
    /// `{"ref", "attribute", "unknown": true}` when known only after apply.
    #[serde(default)]
    pub after: Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedChange {
    pub address: String,
    pub kind: String,
    pub action: Action,
    /// The existing resource's id (update, replace, delete, no-op).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Live attributes (null for a create).
    #[serde(default)]
    pub before: Value,
    /// Desired attributes (null for a delete); unknown values marked as in `diffs`.
    #[serde(default)]
    pub after: Value,
    /// Live outputs of the existing resource (ids, addresses) for the state.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub outputs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<AttributeDiff>,
    /// Why: drift, re-adoption, the image a pattern resolved to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Desired dependencies (create/update) or, for a delete, the state's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// What the state says this resource depended on (orders deletes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
    /// The update writes drove's ownership tags (`drove:lineage`): the resource carries
    /// none, or another state's, though this state holds it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub claim: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub no_op: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    pub stack: String,
    pub region: String,
    /// Where the state lives, so `drove apply PLANFILE` finds it without the sources.
    pub backend: drove_compiler::model::StateBackend,
    /// The stack path `drove plan` was given (a local state path is relative to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_path: Option<String>,
    /// The stack's sources the plan was made from (`drove plan --out`); apply refuses a
    /// plan whose sources changed since (see `sources`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<sources::SourceDigest>,
    /// The state this plan was made against; apply refuses a state that moved.
    pub lineage: Option<String>,
    pub serial: u64,
    pub destroy: bool,
    /// Drift only (`drove plan --refresh-only`): what changed outside drove since the
    /// state was written; nothing to apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_only: bool,
    pub summary: Summary,
    pub changes: Vec<PlannedChange>,
    /// The monthly cost delta of the planned instances (an estimate); absent when the
    /// plan has no instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<cost::CostDelta>,
    /// How instances are replaced and terminated, per role (see `crate::rollout`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollouts: Vec<crate::rollout::Rollout>,
    /// Record sets of the stack's zones that nothing declares, and what the plan does with
    /// them (see `unmanaged`); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<unmanaged::UnmanagedRecord>,
    /// What the plan opens to the internet, and closes (see `exposure`); absent when
    /// nothing changes there.
    #[serde(default, skip_serializing_if = "exposure::ExposureDelta::is_empty")]
    pub exposure: exposure::ExposureDelta,
    /// Addresses `drove state mv` moved since the last apply: AWS is not touched for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<crate::state::moves::Move>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a saved plan, refusing other formats and documents that are not plans.
    pub fn parse(text: &str, origin: &str) -> Result<Plan> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| {
            EngineError::new(codes::BAD_PLAN_FILE, format!("{origin} is not a drove plan: {e}"))
                .with_help("make a new one with `drove plan --out FILE`")
        })?;
        if plan.format != PLAN_FORMAT {
            let why = if plan.format < PLAN_FORMAT {
                " (an older drove made it, and it does not record the sources it was made from)"
            } else {
                ""
            };
            return Err(EngineError::new(
                codes::BAD_PLAN_FILE,
                format!("{origin} has plan format {}, this drove reads format {PLAN_FORMAT}{why}", plan.format),
            )
            .with_help("make a new one with `drove plan --out FILE`"));
        }
        let summary = summarize(&plan.changes);
        if summary != plan.summary {
            return Err(EngineError::new(
                codes::BAD_PLAN_FILE,
                format!("{origin} was edited: its summary does not match its changes"),
            )
            .with_help("make a new one with `drove plan --out FILE`"));
        }
        Ok(plan)
    }
}

pub fn summarize(changes: &[PlannedChange]) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.action {
            Action::NoOp => s.no_op += 1,
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Replace => s.replace += 1,
            Action::Delete => s.delete += 1,
        }
    }
    s
}
