//! `ec2.instance`: one host of a role.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ec2.instance";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &[
        "image",
        "instance_type",
        "subnet",
        "private_ip",
        "associate_public_ip",
        "root_volume",
        "user_data",
        "imdsv2_required",
        "role",
        "instance_profile",
    ],
    sets: &["security_groups"],
    outputs: &["private_ip", "public_ip"],
    secrets: &["user_data"],
    settings: &[ROLLOUT],
    tagged: true,
    null_means: nothing,
};

/// The attribute holding the role's replacement settings.
pub const ROLLOUT: &str = "rollout";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Empty on the live side for an instance without a `drove:role` tag.
    #[serde(deserialize_with = "crate::model::val::null_as_default")]
    pub role: String,
    pub image: Option<Image>,
    pub instance_type: Option<String>,
    pub subnet: Val<String>,
    pub security_groups: Vec<Val<String>>,
    pub private_ip: Option<String>,
    pub associate_public_ip: bool,
    /// Always set by the compiler; `None` only on the live side when EC2 reports no root
    /// volume (an instance being torn down).
    pub root_volume: Option<RootVolume>,
    pub imdsv2_required: bool,
    pub user_data: Option<UserData>,
    /// The ARN of the instance profile the host runs with (its role's
    /// `iam.instance_role`), when the role has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile: Option<Val<String>>,
    pub tags: Tags,
    /// The role's replacement settings; the planner takes them out before diffing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

/// `image("pattern", "owner")` resolved newest-first at plan time, or a fixed id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Image {
    Id { id: String },
    Pattern { pattern: String, owner: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootVolume {
    pub size_gib: u64,
    pub encrypted: bool,
}

/// A cloud-config document with `{{secret:NAME}}` and `{{file:PATH}}` markers, the names
/// and paths it holds, and whether it is sent gzipped. It carries everything the engine
/// needs to render it, so a plan applies without the source tree: the age ciphertexts of
/// its secrets (and of the stack's hash key, under `drove.hash-key`) and the base64 of
/// its repository files. A plan adds the keyed fingerprint of the rendered document; the
/// live side has nothing but that fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_config: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<String>>,
    /// Secrets the host reads from Parameter Store at boot. The document holds a
    /// `{{parameter:NAME}}` marker for each, which becomes the secret's keyed fingerprint,
    /// so a changed value replaces the hosts that read the old one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// Secret name → its age ciphertext as the source holds it (never a plaintext).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ciphertexts: BTreeMap<String, String>,
    /// Repository path → the file's content, base64.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contents: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Plain,
    Gzip,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Gzip => "gzip",
        }
    }
}

/// How the role's instances are replaced: `batch` at a time, each old one drained first
/// by `drain` (a shell command) for at most `drain_timeout` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollout {
    pub batch: u64,
    pub drain: Option<String>,
    pub drain_timeout: u64,
}

pub const DEFAULT_BATCH: u64 = 1;
pub const DEFAULT_DRAIN_TIMEOUT_SECS: u64 = 300;

impl Default for Rollout {
    fn default() -> Self {
        Rollout { batch: DEFAULT_BATCH, drain: None, drain_timeout: DEFAULT_DRAIN_TIMEOUT_SECS }
    }
}

impl Rollout {
    /// As the engine uses it: a batch of at least one, a blank drain command as none.
    pub fn normalized(mut self) -> Rollout {
        if self.batch == 0 {
            self.batch = DEFAULT_BATCH;
        }
        self.drain = self.drain.filter(|d| !d.trim().is_empty());
        self
    }
}
