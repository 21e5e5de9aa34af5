//! One `iam.instance_role` (at `role.NAME`) per role whose hosts call AWS: to read their
//! secrets from Parameter Store (`parameters`), for what its `access { … }` block allows
//! (`access`), or to run its drain check through SSM (`ssm_agent`). Its instances launch
//! with the role's instance profile.

use super::tags;
use crate::hir::{Role, Stack};
use crate::model::instance_role::{self, Grant, InstanceRole};
use crate::model::{parameter, Resource, StackInfo, Val};

/// The roles whose hosts get an instance role.
pub fn roles_with_instance_role(stack: &Stack) -> impl Iterator<Item = &Role> {
    stack.roles.iter().filter(|r| {
        super::parameters::reads_parameters(stack, r) || !r.access.is_empty() || super::ssm_agent::needed(r)
    })
}

pub fn resources(stack: &Stack, info: &StackInfo) -> Vec<Resource> {
    roles_with_instance_role(stack).map(|r| instance_role_of(stack, info, r)).collect()
}

fn instance_role_of(stack: &Stack, info: &StackInfo, role: &Role) -> Resource {
    let name = instance_role::name(&info.name, &role.name.text);
    let mut grants: Vec<Grant> = Vec::new();
    if super::parameters::reads_parameters(stack, role) {
        grants.extend(role.provisioned_secrets().into_iter().map(|s| Grant {
            actions: vec![instance_role::READ_PARAMETER.to_string()],
            resource: Val::reference(parameter::address(&s.text), "arn"),
            condition: None,
        }));
    }
    grants.extend(super::access::grants(&info.region, &role.access));
    if super::ssm_agent::needed(role) {
        grants.extend(super::ssm_agent::ssm_agent_grants());
    }
    let spec = InstanceRole {
        tags: tags(info, &name),
        instance_profile: name.clone(),
        name,
        trusts: instance_role::EC2_SERVICE.to_string(),
        grants,
        foreign_policies: Vec::new(),
    };
    Resource::new(instance_role::address(&role.name.text), spec)
}
