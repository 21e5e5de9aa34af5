//! How a role's secrets reach its hosts (`docs/secrets.md`): through SSM Parameter Store
//! by default, whose names allow fewer characters than secret names; or, when the role
//! says `secrets = user_data`, in the user data, which is readable by whoever may describe
//! the instance, so it is linted.

use crate::diag::{Diagnostic, Sink};
use crate::hir::{FileContent, Role, SecretDelivery, Stack, StepKind};
use crate::model::parameter;

/// A secret whose name cannot be part of a Parameter Store name.
pub const E_PARAMETER_NAME: &str = "E0262";
/// Secrets embedded in user data.
pub const W_SECRETS_IN_USER_DATA: &str = "W0035";
/// A secret too large for a Parameter Store value.
pub const E_PARAMETER_TOO_BIG: &str = "E0267";

/// SSM's limits on a parameter name: its length, and levels of `/` hierarchy.
const MAX_PARAMETER_NAME: usize = 1011;
const MAX_LEVELS: usize = 15;

pub fn check(stack: &Stack, sink: &mut Sink) {
    let Some(info) = stack.info() else { return };
    for role in &stack.roles {
        match role.secret_delivery() {
            SecretDelivery::UserData => lint_user_data(role, sink),
            SecretDelivery::ParameterStore => {
                for (name, span) in secret_uses(role) {
                    let full = parameter::name(&info.name.text, name);
                    use crate::compile::cloud_config::size::{b64_len, secret_plaintext_len};
                    let plain = stack
                        .secret(name)
                        .and_then(|s| s.ciphertext.as_ref())
                        .and_then(|c| secret_plaintext_len(&c.value));
                    let encoded = plain.map_or(0, b64_len);
                    if encoded > parameter::MAX_VALUE_CHARS {
                        sink.push(
                            Diagnostic::new(
                                E_PARAMETER_TOO_BIG,
                                role.file,
                                span.clone(),
                                format!(
                                    "secret `{name}` is {} bytes, {encoded} characters in base64: over Parameter Store's {}",
                                    plain.unwrap_or(0),
                                    parameter::MAX_VALUE_CHARS
                                ),
                            )
                            .with_label("too large for SSM Parameter Store")
                            .with_help("keep secrets to keys, passwords and certificates (up to 6 KiB), or deliver this role's secrets in user data with `secrets = user_data`"),
                        );
                    }
                    if let Some(why) = invalid_parameter_name(name, &full) {
                        sink.push(
                            Diagnostic::new(
                                E_PARAMETER_NAME,
                                role.file,
                                span,
                                format!("secret `{name}` cannot be stored in SSM Parameter Store as `{full}`"),
                            )
                            .with_label(why)
                            .with_help("rename the secret (`drove secret encrypt NEW-NAME` with the same value) using letters, digits, `_`, `.`, `-` and `/`"),
                        );
                    }
                }
            }
        }
    }
}

/// Each `secret("NAME")` of the role's `file` steps, with the span of the name.
fn secret_uses(role: &Role) -> impl Iterator<Item = (&str, crate::source::Span)> {
    role.provision.iter().filter_map(|s| match &s.kind {
        StepKind::File { content, .. } => match &content.value {
            FileContent::Secret(name) => Some((name.text.as_str(), name.span.clone())),
            _ => None,
        },
        _ => None,
    })
}

fn invalid_parameter_name(secret: &str, full: &str) -> Option<String> {
    if let Some(c) = secret.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))) {
        return Some(format!("`{c}` is not allowed in a parameter name"));
    }
    if secret.starts_with('/') || secret.ends_with('/') || secret.contains("//") {
        return Some("a `/` must separate two non-empty parts".into());
    }
    if full.len() > MAX_PARAMETER_NAME {
        return Some(format!("the name is {} characters long; SSM allows {MAX_PARAMETER_NAME}", full.len()));
    }
    let levels = full.matches('/').count();
    if levels > MAX_LEVELS {
        return Some(format!("the name has {levels} levels; SSM allows {MAX_LEVELS}"));
    }
    None
}

fn lint_user_data(role: &Role, sink: &mut Sink) {
    let names: Vec<&str> = role.provisioned_secrets().iter().map(|n| n.text.as_str()).collect();
    let (Some(first), Some(at)) = (names.first(), role.secrets.as_ref()) else { return };
    let list = if names.len() == 1 { format!("`{first}`") } else { format!("{} secrets", names.len()) };
    sink.push(
        Diagnostic::new(
            W_SECRETS_IN_USER_DATA,
            role.file,
            at.span.clone(),
            format!("role `{}` sends {list} in its hosts' user data", role.name.text),
        )
        .with_label("readable by anyone allowed ec2:DescribeInstanceAttribute, and from the host's metadata service")
        .with_help("remove `secrets = user_data` so the hosts read their secrets from SSM Parameter Store with their own instance role")
        .with_fix("deliver through Parameter Store", role.file, at.span.clone(), "parameter_store"),
    );
}

#[cfg(test)]
mod tests {
    use crate::source::Sources;

    fn found(text: &str) -> Vec<(&'static str, String)> {
        crate::analyze(&Sources::single("s.drove", text))
            .diagnostics
            .iter()
            .map(|d| (d.code, text[d.primary.span.clone()].to_string()))
            .collect()
    }

    fn stack(role_attrs: &str, secret: &str) -> String {
        format!(
            "stack s {{ region = \"ap-northeast-1\" }}\nrole app {{\n  image = image(\"base-*\")\n  type = t3.micro\n{role_attrs}\n  provision {{\n    file \"/etc/app/k\" = secret(\"{secret}\")\n  }}\n}}\n"
        )
    }

    #[test]
    fn user_data_delivery_is_linted_on_the_attribute() {
        let text = stack("  secrets = user_data", "db.yml");
        let got = found(&text);
        assert!(got.contains(&("W0035", "user_data".to_string())), "{got:?}");
        let a = crate::analyze(&Sources::single("s.drove", text.as_str()));
        let w = a.diagnostics.iter().find(|d| d.code == "W0035").expect("W0035");
        assert_eq!(w.fixes[0].replacement, "parameter_store");
        let got = found(&stack("", "db.yml"));
        assert!(!got.iter().any(|(c, _)| *c == "W0035" || *c == "E0262"), "{got:?}");
    }

    #[test]
    fn names_parameter_store_refuses_are_errors_unless_in_user_data() {
        let got = found(&stack("", "db key"));
        assert!(got.contains(&("E0262", "\"db key\"".to_string())), "{got:?}");
        let got = found(&stack("", "app//db"));
        assert!(got.iter().any(|(c, _)| *c == "E0262"), "{got:?}");
        let got = found(&stack("  secrets = user_data", "db key"));
        assert!(!got.iter().any(|(c, _)| *c == "E0262"), "{got:?}");
        let got = found(&stack("", "team/db.yml"));
        assert!(!got.iter().any(|(c, _)| *c == "E0262"), "{got:?}");
    }

    #[test]
    fn an_unknown_delivery_gets_a_suggestion() {
        let got = found(&stack("  secrets = parameter_stor", "db.yml"));
        assert!(got.contains(&("E0261", "parameter_stor".to_string())), "{got:?}");
    }
}
