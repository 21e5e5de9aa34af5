//! `acm.certificate`: a public certificate drove requests from ACM, validated through DNS.
//! ACM cannot change a certificate's names: a new name is a new certificate.

use crate::model::{schema::nothing, Schema, Tags};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "acm.certificate";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["domain", "alternative_names"],
    sets: &["alternative_names"],
    outputs: &["arn"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// The subject, lower case, without a final dot (`toreta.in`, `*.toreta.in`).
    pub domain: String,
    /// The other names it covers, sorted, without the subject.
    pub alternative_names: Vec<String>,
    pub tags: Tags,
}

impl Certificate {
    /// Every name the certificate covers, the subject first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.domain.as_str()).chain(self.alternative_names.iter().map(String::as_str))
    }
}

/// The model's address of a `certificate` declaration's certificate.
pub fn address(name: &str) -> String {
    format!("certificate.{name}")
}
