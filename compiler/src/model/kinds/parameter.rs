//! `ssm.parameter`: one secret of the stack in SSM Parameter Store, a SecureString the
//! role's hosts read at boot (`docs/secrets.md`).

use crate::model::{schema::nothing, Schema, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "ssm.parameter";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name"],
    sets: &[],
    outputs: &["arn", "version"],
    secrets: &["value"],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

/// Every parameter drove writes sits under this path, then the stack's name.
pub const PREFIX: &str = "/drove/";

/// The parameter name of a stack's secret: `/drove/STACK/NAME`.
pub fn name(stack: &str, secret: &str) -> String {
    format!("{PREFIX}{stack}/{secret}")
}

/// The model's address of a secret's parameter.
pub fn address(secret: &str) -> String {
    format!("secret.{secret}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// `/drove/STACK/SECRET`.
    pub name: String,
    pub value: Sealed,
    pub tags: Tags,
}

/// A secret's value as the model carries it: never in clear. The age ciphertext of the
/// secret (and of the stack's hash key, under `drove.hash-key`) travels with it so a
/// saved plan applies without the sources; a plan adds the keyed fingerprint of the
/// plaintext, the only part a live view or the state holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sealed {
    /// The secret's name in the stack (`db.yml`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret: String,
    /// Secret name → its age ciphertext as the source holds it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ciphertexts: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// SSM's largest SecureString (advanced tier), in characters of the value drove writes:
/// the base64 of the secret.
pub const MAX_VALUE_CHARS: usize = 8192;
/// The standard tier's limit; larger values go to the advanced tier (a monthly charge).
pub const STANDARD_VALUE_CHARS: usize = 4096;
