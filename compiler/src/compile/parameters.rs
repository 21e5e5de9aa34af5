//! Secrets a role reads from Parameter Store → one `ssm.parameter` per secret (at
//! `secret.NAME`); the role's instance role (`instance_roles`) may read exactly its own
//! secrets' parameters. A secret several roles read is one parameter.

use super::tags;
use crate::hir::{Role, Stack};
use crate::model::parameter::{self, Parameter, Sealed};
use crate::model::{Resource, StackInfo};
use std::collections::BTreeMap;

/// The roles whose hosts read secrets from Parameter Store.
pub fn reading_roles(stack: &Stack) -> impl Iterator<Item = &Role> {
    stack.roles.iter().filter(|r| reads_parameters(stack, r))
}

/// Whether the role's hosts read secrets from Parameter Store.
pub fn reads_parameters(stack: &Stack, role: &Role) -> bool {
    !role.provisioned_secrets().is_empty() && super::cloud_config::Fetch::of(stack, role).is_some()
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
