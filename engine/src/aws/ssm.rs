//! `ssm.parameter` on SSM Parameter Store: a stack's secret as a SecureString under
//! `/drove/STACK/NAME`, encrypted with the account's AWS-managed key (`aws/ssm`).
//!
//! The value written is the base64 of the secret (any bytes survive SSM's string values
//! and the host's `aws ssm get-parameter --output text`). It exists only in memory here:
//! the live view holds the keyed fingerprint of what SSM returns, so a value changed by
//! hand shows as a diff and the next apply writes the source's value back. Each write is
//! a new version, which SSM keeps (the 100 most recent). A parameter is found again by
//! its name, which the stack's name and the secret's make; its `drove:lineage` tag says
//! which state owns it.

use super::ec2_tags::{Owner, LINEAGE_TAG};
use super::{after, before, sdk_error};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use crate::userdata::UserData;
use age::secrecy::ExposeSecret as _;
use aws_sdk_ssm::error::ProvideErrorMetadata as _;
use aws_sdk_ssm::types::{ParameterTier, ParameterType, ResourceTypeForTagging, Tag};
use aws_sdk_ssm::Client;
use drove_compiler::model::parameter::{Parameter, Sealed};
use drove_compiler::model::Tags;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The live parameter named `name`, or `None` when there is none. `known` is what the
/// state holds (its fingerprint stands when this run cannot decrypt the stack's secrets).
pub async fn read(client: &Client, name: &str, known: &Sealed, renderer: Option<&UserData>) -> Result<Option<Live>> {
    let got = match client.get_parameter().name(name).with_decryption(true).send().await {
        Ok(out) => out,
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ParameterNotFound") => return Ok(None),
        Err(e) => return Err(sdk_error("ssm GetParameter", e)),
    };
    let Some(p) = got.parameter() else { return Ok(None) };
    let fingerprint = if p.r#type() != Some(&ParameterType::SecureString) {
        // Not what drove writes: a plain String (readable without a key) differs from any
        // fingerprint, so the plan shows it and the apply writes a SecureString back.
        Some(format!("{} (not a SecureString)", p.r#type().map_or("no type", |t| t.as_str())))
    } else {
        match renderer.and_then(|r| r.fingerprint_parameter(&known.secret, p.value().unwrap_or_default())) {
            Some(fp) => Some(fp),
            None => known.fingerprint.clone(),
        }
    };
    let arn = p.arn().unwrap_or_default().to_string();
    let all = read_tags(client, name).await?;
    let owner = all.get(LINEAGE_TAG).cloned();
    let tags: Tags = all.into_iter().filter(|(k, _)| !k.starts_with("drove:")).collect();
    let spec = Parameter {
        name: name.to_string(),
        value: Sealed { secret: known.secret.clone(), ciphertexts: BTreeMap::new(), fingerprint },
        tags,
    };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(name.to_string()));
    outputs.insert("arn".into(), Value::String(arn));
    outputs.insert("version".into(), Value::from(p.version()));
    Ok(Some(Live::new(name, crate::provider::attributes(&spec), outputs).owned_by(owner)))
}

async fn read_tags(client: &Client, name: &str) -> Result<BTreeMap<String, String>> {
    let out = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| sdk_error("ssm ListTagsForResource", e))?;
    Ok(out.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
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

/// The value to write, refused when the secret changed since the plan fingerprinted it.
fn value_of(c: &Change, want: &Parameter, renderer: Option<&UserData>) -> Result<String> {
    let renderer = renderer.ok_or_else(|| {
        EngineError::new(
            codes::USER_DATA,
            format!("{}: the secret cannot be written without the stack's sources and keys", c.address),
        )
    })?;
    let (bytes, fingerprint) = renderer.parameter_value(&want.value)?;
    if want.value.fingerprint.as_ref().is_some_and(|f| *f != fingerprint) {
        return Err(EngineError::new(
            codes::STALE_PLAN,
            format!("{}: secret `{}` changed since the plan was made", c.address, want.value.secret),
        )
        .with_help("make a new plan"));
    }
    Ok(String::from_utf8_lossy(bytes.expose_secret()).into_owned())
}

/// Writes the parameter's value as a SecureString. SSM takes tags only on a first write
/// without `Overwrite`, so a create passes them (the parameter never exists untagged) and
/// an update overwrites and tags apart.
async fn put(client: &Client, stack: &str, want: &Parameter, value: String, tags: Option<Vec<Tag>>) -> Result<()> {
    let overwrite = tags.is_none();
    client
        .put_parameter()
        .name(&want.name)
        .value(value)
        .r#type(ParameterType::SecureString)
        .tier(ParameterTier::IntelligentTiering)
        .description(format!("drove stack {stack}: secret {} (base64)", want.value.secret))
        .set_tags(tags)
        .overwrite(overwrite)
        .send()
        .await
        .map_err(|e| sdk_error("ssm PutParameter", e))?;
    Ok(())
}

pub async fn create(client: &Client, c: &Change, stack: &str, renderer: Option<&UserData>) -> Result<Live> {
    let want: Parameter = after(c)?;
    let value = value_of(c, &want, renderer)?;
    put(client, stack, &want, value, Some(tag_list(&Owner::of(stack, c), &want.tags)?)).await?;
    written(client, c, &want, renderer).await
}

pub async fn update(client: &Client, c: &Change, stack: &str, renderer: Option<&UserData>) -> Result<Live> {
    let (want, have): (Parameter, Parameter) = (after(c)?, before(c)?);
    if want.value.fingerprint.is_none() || want.value.fingerprint != have.value.fingerprint {
        let value = value_of(c, &want, renderer)?;
        put(client, stack, &want, value, None).await?;
    }
    if want.tags != have.tags || c.claim {
        let removed: Vec<String> = have.tags.keys().filter(|k| !want.tags.contains_key(*k)).cloned().collect();
        if !removed.is_empty() {
            client
                .remove_tags_from_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&want.name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("ssm RemoveTagsFromResource", e))?;
        }
        client
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(&want.name)
            .set_tags(Some(tag_list(&Owner::of(stack, c), &want.tags)?))
            .send()
            .await
            .map_err(|e| sdk_error("ssm AddTagsToResource", e))?;
    }
    written(client, c, &want, renderer).await
}

/// The parameter as SSM now holds it (its ARN and version are only known from SSM).
async fn written(client: &Client, c: &Change, want: &Parameter, renderer: Option<&UserData>) -> Result<Live> {
    read(client, &want.name, &want.value, renderer).await?.ok_or_else(|| {
        EngineError::new(codes::AWS_CALL, format!("{}: {} vanished right after it was written", c.address, want.name))
    })
}

/// Deletes the parameter and its versions; one already gone is fine.
pub async fn delete(client: &Client, name: &str) -> Result<()> {
    match client.delete_parameter().name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ParameterNotFound") => Ok(()),
        Err(e) => Err(sdk_error("ssm DeleteParameter", e)),
    }
}
