//! What the engine must know of a kind without knowing the kind: which attribute changes
//! need a new resource, which lists are sets, what other resources may reference, which
//! attributes hold secrets, and whether it takes tags. Each kind's module declares its
//! own [`Schema`]; the planner, the providers and the docs read them from here.

use serde_json::Value;

#[derive(Debug)]
pub struct Schema {
    /// The kind's name in the model, the state and plans (`ec2.vpc`).
    pub kind: &'static str,
    /// Attributes AWS cannot change in place.
    pub replace_on: &'static [&'static str],
    /// Lists compared without regard to order or repeats.
    pub sets: &'static [&'static str],
    /// What other resources may reference besides `id` (filled in by the provider).
    pub outputs: &'static [&'static str],
    /// Attributes that carry secret material; plans and the state keep only a keyed
    /// fingerprint of them.
    pub secrets: &'static [&'static str],
    /// drove's settings carried beside the AWS attributes (a role's rollout), taken out
    /// before the planner diffs.
    pub settings: &'static [&'static str],
    /// Whether resources of this kind carry tags, and so can be found again by tag.
    pub tagged: bool,
    /// What `null` stands for where it does not mean "leave unmanaged".
    pub null_means: fn(attribute: &str) -> Option<Value>,
}

impl Schema {
    pub fn forces_replacement(&self, attribute: &str) -> bool {
        self.replace_on.contains(&attribute)
    }

    pub fn is_set(&self, attribute: &str) -> bool {
        self.sets.contains(&attribute)
    }

    pub fn is_secret(&self, attribute: &str) -> bool {
        self.secrets.contains(&attribute)
    }
}

/// For kinds where `null` always means "not set".
pub fn nothing(_: &str) -> Option<Value> {
    None
}
