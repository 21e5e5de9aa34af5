//! The SSM agent on the hosts of a role with a `drain`: the role's drain check runs on the
//! instance through SSM Run Command, which reaches only an instance whose agent has
//! registered with SSM. The role's instance role (`iam.instance_role`, see
//! [`super::instance_roles`]) gets what the agent needs, the actions of AWS's managed policy
//! `AmazonSSMManagedInstanceCore`, on every resource as that policy grants them.

use crate::hir::Role;
use crate::model::instance_role::Grant;
use crate::model::Val;

/// The actions of `AmazonSSMManagedInstanceCore`: the agent registers, takes commands and
/// answers them (`ssm`, `ec2messages`), and opens the channels Run Command and Session
/// Manager use (`ssmmessages`).
pub const ACTIONS: &[&str] = &[
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    "ssm:DescribeAssociation",
    "ssm:DescribeDocument",
    "ssm:GetDeployablePatchSnapshotForInstance",
    "ssm:GetDocument",
    "ssm:GetManifest",
    "ssm:ListAssociations",
    "ssm:ListInstanceAssociations",
    "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult",
    "ssm:PutInventory",
    "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// Whether the role's hosts need the SSM agent's permissions: its drain check runs on them.
pub fn needed(role: &Role) -> bool {
    role.drain.is_some()
}

/// What the agent may do: one grant of [`ACTIONS`] (sorted, as IAM reads back) on `*`.
pub fn ssm_agent_grants() -> Vec<Grant> {
    let mut actions: Vec<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
    actions.sort();
    vec![Grant { actions, resource: Val::Lit("*".to_string()), condition: None }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_are_sorted_and_distinct() {
        let g = ssm_agent_grants();
        assert_eq!(g[0].actions.len(), ACTIONS.len());
        let mut seen: Vec<&str> = ACTIONS.to_vec();
        seen.dedup();
        assert_eq!(seen.len(), ACTIONS.len());
        assert_eq!(g[0].actions, ACTIONS, "kept in the order IAM's policy reads back in");
    }
}
