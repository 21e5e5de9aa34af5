//! Secrets a role reads from Parameter Store → one `ssm.parameter` per secret (at
//! `secret.NAME`) and, per such role, an `iam.instance_role` (at `role.NAME`) allowed to
//! read exactly its own secrets' parameters. A secret several roles read is one parameter.
//! The instances of those roles name their role's instance profile (`instances`). A role
//! with a `drain` has an instance role too, with the SSM agent's permissions
//! ([`super::ssm_agent`]).

use super::tags;
use crate::hir::{Role, Stack};
use crate::model::instance_role::{self, Grant, InstanceRole};
use crate::model::parameter::{self, Parameter, Sealed};
use crate::model::{Resource, StackInfo, Val};
use std::collections::BTreeMap;

/// The roles whose hosts read secrets from Parameter Store.
pub fn reading_roles(stack: &Stack) -> impl Iterator<Item = &Role> {
    stack
        .roles
        .iter()
        .filter(|r| !r.provisioned_secrets().is_empty() && super::cloud_config::Fetch::of(stack, r).is_some())
}

/// The roles whose hosts run with an instance role (and its instance profile).
pub fn roles_with_instance_role(stack: &Stack) -> impl Iterator<Item = &Role> {
    let reading: Vec<&str> = reading_roles(stack).map(|r| r.name.text.as_str()).collect();
    stack.roles.iter().filter(move |r| reading.contains(&r.name.text.as_str()) || super::ssm_agent::needed(r))
}

pub fn resources(stack: &Stack, info: &StackInfo) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut written: Vec<&str> = Vec::new();
    for role in reading_roles(stack) {
        for name in role.provisioned_secrets() {
            if written.contains(&name.text.as_str()) {
                continue;
            }
            written.push(&name.text);
            out.push(parameter_of(stack, info, &name.text));
        }
    }
    for role in roles_with_instance_role(stack) {
        out.push(instance_role_of(info, role));
    }
    out
}

fn parameter_of(stack: &Stack, info: &StackInfo, secret: &str) -> Resource {
    let name = parameter::name(&info.name, secret);
    let mut ciphertexts = BTreeMap::new();
    for n in [secret, crate::secrets::HASH_KEY_NAME] {
        if let Some(text) = stack.secret(n).and_then(|s| s.ciphertext.as_ref()) {
            ciphertexts.insert(n.to_string(), text.value.clone());
        }
    }
    let spec = Parameter {
        tags: tags(info, &name),
        name,
        value: Sealed { secret: secret.to_string(), ciphertexts, fingerprint: None },
    };
    Resource::new(parameter::address(secret), spec)
}

fn instance_role_of(info: &StackInfo, role: &Role) -> Resource {
    let name = instance_role::name(&info.name, &role.name.text);
    let reads = role.secret_delivery() == crate::hir::SecretDelivery::ParameterStore;
    let mut grants: Vec<Grant> = role
        .provisioned_secrets()
        .into_iter()
        .filter(|_| reads)
        .map(|s| Grant {
            actions: vec![instance_role::READ_PARAMETER.to_string()],
            resource: Val::reference(parameter::address(&s.text), "arn"),
        })
        .collect();
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
