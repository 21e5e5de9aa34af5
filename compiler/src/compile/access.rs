//! A role's `access { … }` lines → the least-privilege grants of its instance role
//! (`docs/roles.md#access`). Each line gives the actions its mode needs on exactly the
//! resources its pattern names; lines that end on the same resource share one statement.

use crate::hir::{Access, AccessService};
use crate::model::instance_role::{Condition, Grant};
use crate::model::Val;

/// The account in a resource ARN: IAM fills in the account of the role using the policy,
/// so the compiled policy does not depend on which account it is applied to.
pub const ACCOUNT: &str = "${aws:PrincipalAccount}";

pub fn grants(region: &str, access: &[Access]) -> Vec<Grant> {
    let mut out: Vec<Grant> = Vec::new();
    for a in access {
        for g in line_grants(region, a) {
            merge(&mut out, g);
        }
    }
    for g in &mut out {
        g.actions.sort();
        g.actions.dedup();
    }
    out
}

fn merge(out: &mut Vec<Grant>, g: Grant) {
    match out.iter_mut().find(|o| o.resource == g.resource && o.condition == g.condition) {
        Some(o) => o.actions.extend(g.actions),
        None => out.push(g),
    }
}

fn grant(actions: &[&str], resource: String, condition: Option<Condition>) -> Grant {
    Grant { actions: actions.iter().map(|a| a.to_string()).collect(), resource: Val::Lit(resource), condition }
}

/// The grants of one line, unsorted.
pub fn line_grants(region: &str, a: &Access) -> Vec<Grant> {
    let target = a.target.value.as_str();
    let mut out = Vec::new();
    match a.service.value {
        AccessService::S3 => {
            let (bucket, keys) = split_s3(target);
            let objects = format!("arn:aws:s3:::{bucket}/{keys}");
            if a.read {
                out.push(grant(&["s3:GetObject"], objects.clone(), None));
                // Listing is a bucket action; the condition keeps it to the keys granted.
                let condition = (keys != "*").then(|| Condition {
                    test: "StringLike".into(),
                    key: "s3:prefix".into(),
                    values: vec![keys.to_string()],
                });
                out.push(grant(&["s3:ListBucket"], format!("arn:aws:s3:::{bucket}"), condition));
            }
            if a.write {
                out.push(grant(&["s3:PutObject", "s3:AbortMultipartUpload"], objects, None));
            }
        }
        AccessService::Parameter => {
            // AWS's public parameters (`/aws/service/…`, AMI ids among them) belong to no account.
            let account = if target.starts_with("/aws/") { "" } else { ACCOUNT };
            let arn = |name: &str| format!("arn:aws:ssm:{region}:{account}:parameter/{}", name.trim_start_matches('/'));
            if a.read {
                out.push(grant(&["ssm:GetParameter", "ssm:GetParameters"], arn(target), None));
                if let Some(path) = target.strip_suffix("/*").filter(|p| !p.is_empty()) {
                    out.push(grant(&["ssm:GetParametersByPath"], arn(path), None));
                }
            }
            if a.write {
                out.push(grant(&["ssm:PutParameter"], arn(target), None));
            }
        }
        AccessService::Logs => {
            let group = format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{target}");
            let streams = format!("{group}:log-stream:*");
            if a.read {
                out.push(grant(&["logs:DescribeLogStreams", "logs:FilterLogEvents"], group.clone(), None));
                out.push(grant(&["logs:GetLogEvents"], streams.clone(), None));
            }
            if a.write {
                out.push(grant(
                    &["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"],
                    group,
                    None,
                ));
                out.push(grant(&["logs:PutLogEvents"], streams, None));
            }
        }
    }
    out
}

/// `BUCKET/KEYS` → (`BUCKET`, `KEYS`); a bare bucket means all its keys.
pub fn split_s3(target: &str) -> (&str, &str) {
    match target.split_once('/') {
        Some((b, k)) if !k.is_empty() => (b, k),
        Some((b, _)) => (b, "*"),
        None => (target, "*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::Spanned;

    fn line(service: AccessService, target: &str, read: bool, write: bool) -> Access {
        Access {
            span: 0..1,
            service: Spanned::new(service, 0..1),
            target: Spanned::new(target.to_string(), 0..1),
            read,
            write,
            mode_span: 0..1,
        }
    }

    fn statements(g: &[Grant]) -> Vec<(String, String, Option<String>)> {
        g.iter()
            .map(|g| {
                (
                    g.actions.join(" "),
                    g.resource.text().unwrap_or_default().to_string(),
                    g.condition.as_ref().map(|c| c.values.join(" ")),
                )
            })
            .collect()
    }

    #[test]
    fn s3_read_lists_only_the_granted_keys_and_write_puts_them() {
        let g = grants("r", &[line(AccessService::S3, "logs/app/*", true, true)]);
        assert_eq!(
            statements(&g),
            [
                ("s3:AbortMultipartUpload s3:GetObject s3:PutObject".into(), "arn:aws:s3:::logs/app/*".into(), None),
                ("s3:ListBucket".into(), "arn:aws:s3:::logs".into(), Some("app/*".into())),
            ]
        );
        let whole = grants("r", &[line(AccessService::S3, "logs", true, false)]);
        assert_eq!(statements(&whole)[1], ("s3:ListBucket".into(), "arn:aws:s3:::logs".into(), None));
        assert_eq!(statements(&whole)[0].1, "arn:aws:s3:::logs/*");
    }

    #[test]
    fn parameters_and_logs_name_the_region_and_the_callers_account() {
        let g = grants("ap-northeast-1", &[line(AccessService::Parameter, "/toreta/app/*", true, false)]);
        assert_eq!(
            statements(&g),
            [
                (
                    "ssm:GetParameter ssm:GetParameters".into(),
                    "arn:aws:ssm:ap-northeast-1:${aws:PrincipalAccount}:parameter/toreta/app/*".into(),
                    None
                ),
                (
                    "ssm:GetParametersByPath".into(),
                    "arn:aws:ssm:ap-northeast-1:${aws:PrincipalAccount}:parameter/toreta/app".into(),
                    None
                ),
            ]
        );
        let g = grants("r", &[line(AccessService::Logs, "/toreta/app", false, true)]);
        assert_eq!(
            g[1].resource.text(),
            Some("arn:aws:logs:r:${aws:PrincipalAccount}:log-group:/toreta/app:log-stream:*")
        );
        assert_eq!(g[1].actions, ["logs:PutLogEvents"]);
    }

    #[test]
    fn lines_on_one_resource_share_a_statement() {
        let g = grants(
            "r",
            &[line(AccessService::S3, "logs/*", true, false), line(AccessService::S3, "logs/*", false, true)],
        );
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].actions, ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]);
    }
}
