//! `acm.validation`: the DNS records that prove a certificate's names, written into the
//! stack's zones, and the wait until ACM issues it. ACM makes the records' names when it
//! takes the request, so they are known only at apply time; this resource holds them, and
//! its `certificate_arn` output is known only once the certificate is issued, so a
//! listener that uses it waits for that.

use crate::model::{schema::nothing, Schema, Val};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "acm.validation";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["certificate"],
    sets: &[],
    outputs: &["certificate_arn"],
    secrets: &[],
    settings: &[],
    tagged: false,
    null_means: nothing,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateValidation {
    /// The certificate's ARN.
    pub certificate: Val<String>,
    /// For each name the certificate covers, the hosted zone its validation record goes in.
    /// Live, only the names whose record is in its zone.
    pub zones: BTreeMap<String, Val<String>>,
    /// The records written, as ACM asked for them (live only: the source cannot know
    /// them). The state keeps them, so a delete removes exactly these and the zones' survey
    /// of undeclared records knows them as drove's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<ValidationRecord>,
}

/// One validation record as ACM asks for it, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValidationRecord {
    /// The hosted zone's id.
    pub zone: String,
    /// Absolute, lower case.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub value: String,
}

/// The model's address of a certificate's validation.
pub fn address(certificate: &str) -> String {
    format!("certificate.{certificate}.validation")
}

/// The TTL of the validation records drove writes.
pub const RECORD_TTL: i64 = 300;
