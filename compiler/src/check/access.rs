//! A role's `access { … }` lines: each pattern must be able to name something AWS allows
//! (a bucket pattern no bucket name can match grants nothing, silently), and hosts must
//! not be able to rewrite drove's own state.

use super::secret_delivery::E_PARAMETER_NAME;
use crate::compile::access::split_s3;
use crate::diag::{Diagnostic, Sink};
use crate::hir::{Access, AccessService, Role, Stack, StateBackend};

/// An S3 pattern whose bucket part no bucket name can match.
pub const E_BUCKET_PATTERN: &str = "E0226";
/// A log group name CloudWatch Logs refuses.
pub const E_LOG_GROUP: &str = "E0227";
/// Hosts that may write the bucket holding the stack's state.
pub const W_STATE_WRITABLE: &str = "W0036";

const MAX_BUCKET: usize = 63;
const MAX_LOG_GROUP: usize = 512;
const MAX_PARAMETER_NAME: usize = 1011;

pub fn check(stack: &Stack, sink: &mut Sink) {
    let state_bucket = stack.info().and_then(|i| i.state.as_ref()).and_then(|s| match &s.value {
        StateBackend::S3 { bucket, .. } => Some(bucket.as_str()),
        StateBackend::Local { .. } => None,
    });
    for role in &stack.roles {
        for a in &role.access {
            match a.service.value {
                AccessService::S3 => {
                    bucket(role, a, sink);
                    if let Some(state) = state_bucket {
                        state_writable(role, a, state, sink);
                    }
                }
                AccessService::Parameter => parameter(role, a, sink),
                AccessService::Logs => log_group(role, a, sink),
            }
        }
    }
}

fn at(role: &Role, a: &Access, code: &'static str, msg: String, label: String) -> Diagnostic {
    Diagnostic::new(code, role.file, a.target.span.clone(), msg).with_label(label)
}

fn bucket(role: &Role, a: &Access, sink: &mut Sink) {
    let (name, _) = split_s3(&a.target.value);
    let Some(why) = bucket_never_matches(name) else { return };
    let mut d = at(role, a, E_BUCKET_PATTERN, format!("no S3 bucket can be named like `{name}`"), why)
        .with_help("bucket names are 3–63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit; `*` and `?` match any characters");
    let lower = name.to_ascii_lowercase().replace('_', "-");
    if lower != name && bucket_never_matches(&lower).is_none() {
        let start = a.target.span.start + 1;
        d = d.with_fix(format!("write `{lower}`"), role.file, start..start + name.len(), lower);
    }
    sink.push(d);
}

/// Why no bucket name matches the pattern, if none can. `*` and `?` are IAM's wildcards.
fn bucket_never_matches(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("the bucket is empty: write `BUCKET/KEYS`".into());
    }
    if let Some(c) =
        pattern.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '*' | '?')))
    {
        return Some(if c.is_ascii_uppercase() {
            "bucket names have no uppercase letters".into()
        } else {
            format!("`{c}` cannot be part of a bucket name")
        });
    }
    let fixed = pattern.chars().filter(|c| *c != '*').count();
    if fixed > MAX_BUCKET {
        return Some(format!("it needs at least {fixed} characters; bucket names have at most {MAX_BUCKET}"));
    }
    let wild = |c: char| matches!(c, '*' | '?');
    let edge_ok = |c: Option<char>| c.is_none_or(|c| wild(c) || c.is_ascii_alphanumeric());
    if !edge_ok(pattern.chars().next()) || !edge_ok(pattern.chars().last()) {
        return Some("bucket names start and end with a letter or digit".into());
    }
    if pattern.contains("..") {
        return Some("bucket names have no `..`".into());
    }
    if !pattern.chars().any(wild) {
        if pattern.len() < 3 {
            return Some("bucket names have at least 3 characters".into());
        }
        if pattern.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some("bucket names are not IP addresses".into());
        }
        if let Some(p) = ["xn--", "sthree-", "amzn-s3-demo-"].iter().find(|p| pattern.starts_with(**p)) {
            return Some(format!("S3 reserves names starting with `{p}`"));
        }
        if let Some(s) = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"].iter().find(|s| pattern.ends_with(**s)) {
            return Some(format!("S3 reserves names ending with `{s}`"));
        }
    }
    None
}

fn state_writable(role: &Role, a: &Access, state: &str, sink: &mut Sink) {
    if !a.write {
        return;
    }
    let (name, _) = split_s3(&a.target.value);
    let matches = globset::Glob::new(name).map(|g| g.compile_matcher().is_match(state)).unwrap_or(false);
    if matches {
        sink.push(
            at(
                role,
                a,
                W_STATE_WRITABLE,
                format!(
                    "hosts of role `{}` may write bucket `{state}`, which holds this stack's state",
                    role.name.text
                ),
                "a host could rewrite the state or take its lock".into(),
            )
            .with_help(
                "keep drove's state in a bucket no host writes to, or narrow the pattern to a bucket of its own",
            ),
        );
    }
}

fn parameter(role: &Role, a: &Access, sink: &mut Sink) {
    let name = a.target.value.as_str();
    let why = if let Some(c) =
        name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '*' | '?')))
    {
        Some(format!("`{c}` is not allowed in a parameter name"))
    } else if name.contains('/') && !name.starts_with('/') {
        Some("a name with `/` levels starts with `/`".into())
    } else if name.contains("//") || name.is_empty() {
        Some("a `/` must separate two non-empty parts".into())
    } else if name.len() > MAX_PARAMETER_NAME {
        Some(format!("the name is {} characters long; SSM allows {MAX_PARAMETER_NAME}", name.len()))
    } else {
        None
    };
    if let Some(why) = why {
        sink.push(
            at(role, a, E_PARAMETER_NAME, format!("no SSM parameter can be named like `{name}`"), why).with_help(
                "parameter names use letters, digits, `_`, `.`, `-` and `/`; a hierarchy is written `/app/prod/*`",
            ),
        );
    }
}

fn log_group(role: &Role, a: &Access, sink: &mut Sink) {
    let name = a.target.value.as_str();
    let why = if let Some(c) =
        name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#' | '*')))
    {
        Some(format!("`{c}` is not allowed in a log group name"))
    } else if name.is_empty() || name.len() > MAX_LOG_GROUP {
        Some(format!("log group names are 1–{MAX_LOG_GROUP} characters long"))
    } else if name.starts_with("aws/") {
        Some("CloudWatch Logs reserves names starting with `aws/`".into())
    } else {
        None
    };
    if let Some(why) = why {
        sink.push(
            at(role, a, E_LOG_GROUP, format!("CloudWatch Logs refuses the log group name `{name}`"), why)
                .with_help("log group names use letters, digits, `.`, `-`, `_`, `/` and `#`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::bucket_never_matches;
    use crate::source::Sources;

    fn codes(access: &str) -> Vec<(&'static str, String)> {
        let text = format!(
            "stack s {{ region = \"ap-northeast-1\"  state = s3(\"s-state\", \"s.json\") }}\nrole app {{\n  image = image(\"base-*\")\n  type = t3.micro\n  access {{\n{access}\n  }}\n}}\n"
        );
        crate::analyze(&Sources::single("s.drove", &text))
            .diagnostics
            .iter()
            .map(|d| (d.code, text[d.primary.span.clone()].to_string()))
            .collect()
    }

    #[test]
    fn bucket_patterns_that_can_match_are_accepted() {
        for ok in ["logs", "my-logs.example", "logs-*", "*", "a?c", "toreta-logs"] {
            assert_eq!(bucket_never_matches(ok), None, "{ok}");
        }
        for bad in ["Logs", "my_logs", "ab", "-logs", "logs-", "a..b", "192.168.1.1", "xn--abc", &"a".repeat(64)] {
            assert!(bucket_never_matches(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn lines_are_checked_at_their_pattern() {
        assert_eq!(
            codes(
                "    s3 \"toreta-logs/app/*\" write\n    parameter \"/toreta/*\" read\n    logs \"/toreta/app\" write"
            ),
            vec![]
        );
        assert_eq!(codes("    s3 \"Toreta_Logs/*\" read"), vec![("E0226", "\"Toreta_Logs/*\"".to_string())]);
        assert_eq!(codes("    parameter \"toreta/db\" read"), vec![("E0262", "\"toreta/db\"".to_string())]);
        assert_eq!(codes("    logs \"app logs\" write"), vec![("E0227", "\"app logs\"".to_string())]);
        assert_eq!(codes("    s3 \"s-*/x\" write"), vec![("W0036", "\"s-*/x\"".to_string())]);
        assert_eq!(codes("    s3 \"s-*/x\" read"), vec![]);
        assert_eq!(codes("    s3 \"logs/*\" reed"), vec![("E0228", "reed".to_string())]);
        assert_eq!(codes("    s3 \"logs/*\""), vec![("E0060", "\"logs/*\"".to_string())]);
        assert_eq!(codes("    sqs \"q\" read"), vec![("E0059", "sqs".to_string())]);
    }
}
