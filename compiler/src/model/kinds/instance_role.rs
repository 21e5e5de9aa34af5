//! `iam.instance_role`: the IAM role a role's hosts run as, its one inline policy, and
//! the instance profile of the same name that carries it onto the instances.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "iam.instance_role";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name"],
    sets: &["grants", "foreign_policies"],
    outputs: &["arn", "profile_arn"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

/// The name of the inline policy drove writes; any other policy on the role is foreign.
pub const POLICY_NAME: &str = "drove";
/// The service that assumes the role.
pub const EC2_SERVICE: &str = "ec2.amazonaws.com";
/// IAM's limit on role and instance-profile names.
pub const MAX_NAME: usize = 64;

/// The action a host needs to read its role's secrets. With the AWS-managed key
/// (`aws/ssm`) the key policy already lets the account's principals decrypt through SSM,
/// so no `kms:Decrypt` is granted.
pub const READ_PARAMETER: &str = "ssm:GetParameter";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRole {
    /// The role's name, also the instance profile's.
    pub name: String,
    /// Who may assume it: `ec2.amazonaws.com`. A live role whose trust policy says
    /// anything else reads as that policy's JSON, so the diff shows it.
    pub trusts: String,
    /// What the role may do: one statement per resource, so the list compares as a set.
    pub grants: Vec<Grant>,
    /// Policies on the role that drove did not write (other inline policies by name,
    /// attached managed policies by ARN): always `[]` in the source, so a permission
    /// added by hand shows in the plan and the apply takes it away.
    pub foreign_policies: Vec<String>,
    /// The instance profile's name; empty on the live side when the profile is missing
    /// or does not hold the role.
    pub instance_profile: String,
    pub tags: Tags,
}

/// `Allow` `actions` on one `resource` (an ARN), optionally only when `condition` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub actions: Vec<String>,
    pub resource: Val<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

/// One IAM condition: `{"TEST": {"KEY": [VALUES]}}`, e.g. `StringLike` on `s3:prefix`,
/// which limits listing a bucket to the keys a grant gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub test: String,
    pub key: String,
    pub values: Vec<String>,
}

/// The IAM name of a role's instance role: `drove-STACK-ROLE`, or when that is longer
/// than IAM allows, its start and a hash of the whole, so two roles never share one.
pub fn name(stack: &str, role: &str) -> String {
    use sha2::{Digest, Sha256};
    let full = format!("drove-{stack}-{role}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = MAX_NAME - hash.len() - 1;
    // Stack and role names are ASCII identifiers, so any byte is a char boundary.
    format!("{}-{hash}", full.get(..keep).unwrap_or(&full))
}

/// The model's address of a role's instance role.
pub fn address(role: &str) -> String {
    format!("role.{role}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_keep_their_start_and_stay_distinct() {
        assert_eq!(name("shop", "app"), "drove-shop-app");
        let a = name(&"s".repeat(40), &"role-a".repeat(5));
        let b = name(&"s".repeat(40), &"role-b".repeat(5));
        assert_eq!(a.len(), MAX_NAME);
        assert_ne!(a, b);
        assert!(a.starts_with("drove-ssss"));
    }
}
