//! `iam.instance_role`: an IAM role EC2 may assume, the one inline policy drove writes on
//! it (`drove`), and the instance profile of the same name that puts it on instances.
//!
//! The live view reads all three back, so a role edited by hand shows in the plan: a
//! changed trust policy, a statement added to drove's policy, another inline policy or an
//! attached managed policy (`foreign_policies`), a missing profile. The apply writes the
//! source's version back and takes foreign policies off: least privilege is what the
//! source says. IAM documents come back URL-encoded.

use super::ec2_tags::{Owner, LINEAGE_TAG};
use super::{after, before, sdk_error};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use drove_compiler::model::instance_role::{Condition, Grant, InstanceRole, POLICY_NAME};
use drove_compiler::model::{Tags, Val};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn not_found<E: aws_sdk_iam::error::ProvideErrorMetadata, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some("NoSuchEntity")
}

/// A policy document as IAM returns it (URL-encoded JSON), parsed.
fn document(text: &str) -> Value {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded.into_owned()))
}

/// One value or a list of them, as IAM's policy grammar allows either.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
    #[default]
    #[serde(skip)]
    None,
}

impl OneOrMany {
    fn list(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
            OneOrMany::None => Vec::new(),
        }
    }
}

/// A policy document, as far as drove reads it.
#[derive(Debug, Default, Deserialize)]
struct Document {
    #[serde(rename = "Statement", default)]
    statement: Statements,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Statements {
    Many(Vec<Statement>),
    One(Box<Statement>),
    #[default]
    #[serde(skip)]
    None,
}

impl Statements {
    fn all(&self) -> Vec<&Statement> {
        match self {
            Statements::Many(v) => v.iter().collect(),
            Statements::One(s) => vec![s.as_ref()],
            Statements::None => Vec::new(),
        }
    }
}

/// One statement; anything beyond what drove writes lands in `other`, so a statement
/// with a condition or a `NotAction` is never taken for one drove would write.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    #[serde(default)]
    effect: String,
    #[serde(default)]
    action: OneOrMany,
    #[serde(default)]
    resource: OneOrMany,
    #[serde(default)]
    principal: Option<Principal>,
    #[serde(default)]
    condition: Option<Value>,
    /// Accepted (a label only), so it does not count as something drove did not write.
    #[serde(default, rename = "Sid")]
    _sid: Option<String>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// `{"Service": …}` and nothing else; another principal does not read as one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Principal {
    #[serde(rename = "Service")]
    service: OneOrMany,
}

fn parse(doc: &Value) -> Document {
    serde_json::from_value(doc.clone()).unwrap_or_default()
}

/// The service a trust policy lets assume the role, when that is all it says; otherwise
/// the document itself, so the diff shows what was changed.
fn trusted_service(doc: &Value) -> String {
    let parsed = parse(doc);
    if let [s] = parsed.statement.all().as_slice() {
        let services = s.principal.as_ref().map(|p| p.service.list()).unwrap_or_default();
        let plain = s.effect == "Allow" && s.action.list() == ["sts:AssumeRole"] && s.other.is_empty();
        if let (true, [one]) = (plain, services.as_slice()) {
            return one.clone();
        }
    }
    doc.to_string()
}

fn trust_document(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    })
    .to_string()
}

/// Grants as drove's policy holds them: one per resource, actions sorted. A statement
/// drove would not write (a Deny, a condition, `NotAction`, a principal) becomes a grant
/// that names it, which no source declares.
fn grants_of(doc: &Value) -> Vec<Grant> {
    let mut out = Vec::new();
    let parsed = parse(doc);
    let all = parsed.statement.all();
    for s in all {
        let condition = match &s.condition {
            None => Some(None),
            Some(c) => condition_of(c).map(Some),
        };
        let Some(condition) = condition.filter(|_| s.effect == "Allow" && s.other.is_empty() && s.principal.is_none())
        else {
            out.push(unwritten(doc));
            continue;
        };
        let mut actions = s.action.list();
        actions.sort();
        for r in s.resource.list() {
            out.push(Grant { actions: actions.clone(), resource: Val::Lit(r), condition: condition.clone() });
        }
    }
    out
}

/// A condition of the one shape drove writes: one test on one key.
fn condition_of(c: &Value) -> Option<Condition> {
    let tests = c.as_object()?;
    let [(test, keys)] = tests.iter().collect::<Vec<_>>()[..] else { return None };
    let [(key, values)] = keys.as_object()?.iter().collect::<Vec<_>>()[..] else { return None };
    let values: OneOrMany = serde_json::from_value(values.clone()).ok()?;
    Some(Condition { test: test.clone(), key: key.clone(), values: values.list() })
}

fn unwritten(doc: &Value) -> Grant {
    Grant {
        actions: vec![format!("(statement drove did not write) {doc}")],
        resource: Val::Lit(String::new()),
        condition: None,
    }
}

fn policy_document(grants: &[Grant]) -> Result<String> {
    let statements: Vec<Value> = grants
        .iter()
        .map(|g| {
            let resource = g.resource.text().ok_or_else(|| {
                EngineError::new(codes::INVALID_CHANGE, "a grant's resource is not known yet".to_string())
            })?;
            let mut statement = json!({"Effect": "Allow", "Action": g.actions, "Resource": resource});
            if let Some(c) = &g.condition {
                statement["Condition"] = json!({ &c.test: { &c.key: c.values } });
            }
            Ok(statement)
        })
        .collect::<Result<_>>()?;
    Ok(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

fn tag_list(owner: &Owner, user: &Tags) -> Result<Vec<Tag>> {
    owner
        .with(Some(user))
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| EngineError::new(codes::INVALID_CHANGE, format!("tag {k}: {e}")))
        })
        .collect()
}

/// The live role named `name`, or `None` when there is none.
pub async fn read(client: &Client, name: &str) -> Result<Option<Live>> {
    let role = match client.get_role().role_name(name).send().await {
        Ok(out) => match out.role {
            Some(r) => r,
            None => return Ok(None),
        },
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("iam GetRole", e)),
    };
    let trusts = role.assume_role_policy_document().map(|d| trusted_service(&document(d))).unwrap_or_default();
    let inline = client
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("iam ListRolePolicies", e))?
        .policy_names;
    let mut grants = Vec::new();
    let mut foreign = Vec::new();
    for p in inline {
        if p != POLICY_NAME {
            foreign.push(p);
            continue;
        }
        let got = client
            .get_role_policy()
            .role_name(name)
            .policy_name(&p)
            .send()
            .await
            .map_err(|e| sdk_error("iam GetRolePolicy", e))?;
        grants = grants_of(&document(&got.policy_document));
    }
    let attached = client
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("iam ListAttachedRolePolicies", e))?;
    foreign.extend(attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)));
    let (instance_profile, profile_arn) = match client.get_instance_profile().instance_profile_name(name).send().await {
        Ok(out) => match out.instance_profile {
            Some(p) if p.roles().iter().any(|r| r.role_name() == name) => (name.to_string(), p.arn().to_string()),
            Some(p) => (String::new(), p.arn().to_string()),
            None => (String::new(), String::new()),
        },
        Err(e) if not_found(&e) => (String::new(), String::new()),
        Err(e) => return Err(sdk_error("iam GetInstanceProfile", e)),
    };
    let all: BTreeMap<String, String> =
        role.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
    let owner = all.get(LINEAGE_TAG).cloned();
    let tags: Tags = all.into_iter().filter(|(k, _)| !k.starts_with("drove:")).collect();
    let spec =
        InstanceRole { name: name.to_string(), trusts, grants, foreign_policies: foreign, instance_profile, tags };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(name.to_string()));
    outputs.insert("arn".into(), Value::String(role.arn().to_string()));
    outputs.insert("profile_arn".into(), Value::String(profile_arn));
    Ok(Some(Live::new(name, crate::provider::attributes(&spec), outputs).owned_by(owner)))
}

pub async fn create(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let want: InstanceRole = after(c)?;
    let tags = tag_list(&Owner::of(stack, c), &want.tags)?;
    client
        .create_role()
        .role_name(&want.name)
        .assume_role_policy_document(trust_document(&want.trusts))
        .description(format!("drove stack {stack}: {}", c.address))
        .set_tags(Some(tags.clone()))
        .send()
        .await
        .map_err(|e| sdk_error("iam CreateRole", e))?;
    put_policy(client, &want).await?;
    ensure_profile(client, &want.name, &tags).await?;
    written(client, c, &want.name).await
}

async fn put_policy(client: &Client, want: &InstanceRole) -> Result<()> {
    if want.grants.is_empty() {
        return match client.delete_role_policy().role_name(&want.name).policy_name(POLICY_NAME).send().await {
            Ok(_) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(sdk_error("iam DeleteRolePolicy", e)),
        };
    }
    client
        .put_role_policy()
        .role_name(&want.name)
        .policy_name(POLICY_NAME)
        .policy_document(policy_document(&want.grants)?)
        .send()
        .await
        .map_err(|e| sdk_error("iam PutRolePolicy", e))?;
    Ok(())
}

/// The instance profile of the role's name, made if missing, holding the role.
async fn ensure_profile(client: &Client, name: &str, tags: &[Tag]) -> Result<()> {
    let holds = match client.get_instance_profile().instance_profile_name(name).send().await {
        Ok(out) => {
            out.instance_profile.map(|p| p.roles().iter().map(|r| r.role_name().to_string()).collect::<Vec<_>>())
        }
        Err(e) if not_found(&e) => None,
        Err(e) => return Err(sdk_error("iam GetInstanceProfile", e)),
    };
    let holds = match holds {
        Some(h) => h,
        None => {
            client
                .create_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(tags.to_vec()))
                .send()
                .await
                .map_err(|e| sdk_error("iam CreateInstanceProfile", e))?;
            Vec::new()
        }
    };
    // A profile holds at most one role: another one put there by hand goes.
    for other in holds.iter().filter(|r| r.as_str() != name) {
        client
            .remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(other)
            .send()
            .await
            .map_err(|e| sdk_error("iam RemoveRoleFromInstanceProfile", e))?;
    }
    if !holds.iter().any(|r| r == name) {
        client
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("iam AddRoleToInstanceProfile", e))?;
    }
    Ok(())
}

/// Takes every policy drove did not write off the role.
async fn drop_foreign(client: &Client, name: &str, foreign: &[String]) -> Result<()> {
    for p in foreign {
        let result = if p.starts_with("arn:") {
            client.detach_role_policy().role_name(name).policy_arn(p).send().await.map(|_| ()).map_err(|e| {
                if not_found(&e) {
                    None
                } else {
                    Some(sdk_error("iam DetachRolePolicy", e))
                }
            })
        } else {
            client.delete_role_policy().role_name(name).policy_name(p).send().await.map(|_| ()).map_err(|e| {
                if not_found(&e) {
                    None
                } else {
                    Some(sdk_error("iam DeleteRolePolicy", e))
                }
            })
        };
        if let Err(Some(e)) = result {
            return Err(e);
        }
    }
    Ok(())
}

pub async fn update(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let (want, have): (InstanceRole, InstanceRole) = (after(c)?, before(c)?);
    if want.trusts != have.trusts {
        client
            .update_assume_role_policy()
            .role_name(&want.name)
            .policy_document(trust_document(&want.trusts))
            .send()
            .await
            .map_err(|e| sdk_error("iam UpdateAssumeRolePolicy", e))?;
    }
    let sorted = |g: &[Grant]| {
        let mut v: Vec<String> = g.iter().map(|x| serde_json::to_string(x).unwrap_or_default()).collect();
        v.sort();
        v
    };
    if sorted(&want.grants) != sorted(&have.grants) {
        put_policy(client, &want).await?;
    }
    drop_foreign(client, &want.name, &have.foreign_policies).await?;
    let tags = tag_list(&Owner::of(stack, c), &want.tags)?;
    if want.tags != have.tags || c.claim {
        let removed: Vec<String> = have.tags.keys().filter(|k| !want.tags.contains_key(*k)).cloned().collect();
        if !removed.is_empty() {
            client
                .untag_role()
                .role_name(&want.name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("iam UntagRole", e))?;
        }
        client
            .tag_role()
            .role_name(&want.name)
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(|e| sdk_error("iam TagRole", e))?;
    }
    if have.instance_profile != want.instance_profile {
        ensure_profile(client, &want.name, &tags).await?;
    }
    written(client, c, &want.name).await
}

/// The role as IAM holds it after a write. IAM is eventually consistent: a role made a
/// moment ago may not be readable yet, so a missing one is asked for again for a while.
async fn written(client: &Client, c: &Change, name: &str) -> Result<Live> {
    for _ in 0..10 {
        if let Some(live) = read(client, name).await? {
            return Ok(live);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    Err(EngineError::new(codes::AWS_CALL, format!("{}: role {name} vanished right after it was written", c.address)))
}

/// Deletes the profile, the role's policies and the role; parts already gone are fine.
pub async fn delete(client: &Client, name: &str) -> Result<()> {
    match client.get_instance_profile().instance_profile_name(name).send().await {
        Ok(out) => {
            for r in out.instance_profile.iter().flat_map(|p| p.roles()) {
                client
                    .remove_role_from_instance_profile()
                    .instance_profile_name(name)
                    .role_name(r.role_name())
                    .send()
                    .await
                    .map_err(|e| sdk_error("iam RemoveRoleFromInstanceProfile", e))?;
            }
            match client.delete_instance_profile().instance_profile_name(name).send().await {
                Ok(_) => {}
                Err(e) if not_found(&e) => {}
                Err(e) => return Err(sdk_error("iam DeleteInstanceProfile", e)),
            }
        }
        Err(e) if not_found(&e) => {}
        Err(e) => return Err(sdk_error("iam GetInstanceProfile", e)),
    }
    let Some(live) = read(client, name).await? else { return Ok(()) };
    let role: InstanceRole = serde_json::from_value(live.attributes)
        .map_err(|e| EngineError::new(codes::AWS_CALL, format!("role {name}: {e}")))?;
    let mut policies = role.foreign_policies;
    if !role.grants.is_empty() {
        policies.push(POLICY_NAME.to_string());
    }
    drop_foreign(client, name, &policies).await?;
    match client.delete_role().role_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(sdk_error("iam DeleteRole", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_back_as_drove_writes_them() {
        let g = vec![
            Grant {
                actions: vec!["ssm:GetParameter".into()],
                resource: Val::Lit("arn:aws:ssm:r:1:parameter/drove/s/a".into()),
                condition: None,
            },
            Grant {
                actions: vec!["s3:ListBucket".into()],
                resource: Val::Lit("arn:aws:s3:::logs".into()),
                condition: Some(Condition {
                    test: "StringLike".into(),
                    key: "s3:prefix".into(),
                    values: vec!["app/*".into()],
                }),
            },
        ];
        let text = policy_document(&g).expect("resolved");
        let encoded = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
        assert_eq!(grants_of(&document(&encoded)), g);
        assert_eq!(trusted_service(&document(&trust_document("ec2.amazonaws.com"))), "ec2.amazonaws.com");
        let wide = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}});
        assert!(trusted_service(&wide).contains("\"AWS\""));
        let deny = json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
        assert!(grants_of(&deny)[0].actions[0].starts_with("(statement drove did not write)"));
        let many = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:b", "s3:a"], "Resource": ["x", "y"]}]});
        assert_eq!(grants_of(&many).len(), 2);
        assert_eq!(grants_of(&many)[0].actions, ["s3:a", "s3:b"]);
        let two_tests = json!({"Statement": [{"Effect": "Allow", "Action": "s3:a", "Resource": "x",
            "Condition": {"StringLike": {"s3:prefix": "a"}, "Bool": {"aws:SecureTransport": "true"}}}]});
        assert!(grants_of(&two_tests)[0].actions[0].starts_with("(statement drove did not write)"));
    }
}
