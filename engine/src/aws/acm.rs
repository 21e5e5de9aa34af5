//! ACM certificates (`acm.certificate`) and their DNS validation (`acm.validation`).
//!
//! A certificate is requested with an idempotency token and tagged at once, so a run
//! killed before its state write finds it again by its `drove:stack`/`drove:address`
//! tags. The validation writes the CNAME records ACM asks for into the stack's zones with
//! UPSERT (writing them twice is harmless) and then waits until ACM issues the
//! certificate, so a listener that uses it is created only once it can be.

use super::{after, before, sdk_error, view};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Live};
use aws_sdk_acm::types::{self as t, CertificateStatus, KeyAlgorithm, ValidationMethod};
use aws_sdk_acm::Client;
use aws_sdk_route53::types::{
    Change as RrChange, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use drove_compiler::model::certificate_validation::{ValidationRecord, RECORD_TTL};
use drove_compiler::model::{Certificate, CertificateValidation, RecordSet, Tags, Val};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_secs(2);
/// ACM fills in a new certificate's validation records within seconds.
const RECORDS_WAIT: Duration = Duration::from_secs(3 * 60);
/// DNS validation usually takes minutes; ACM itself gives up after 72 hours.
const ISSUE_WAIT: Duration = Duration::from_secs(60 * 60);
/// A certificate is in use until ELB lets go of it, some time after its listener is gone.
const IN_USE_WAIT: Duration = Duration::from_secs(10 * 60);

fn not_found(e: &impl aws_sdk_acm::error::ProvideErrorMetadata) -> bool {
    e.code() == Some("ResourceNotFoundException")
}

/// ACM's idempotency token is at most 32 word characters.
fn idempotency_token(token: &str) -> String {
    let word: String = token.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    word[word.len().saturating_sub(32)..].to_string()
}

fn acm_tags(stack: &str, c: &Change, user: &Tags) -> Vec<t::Tag> {
    super::ec2_tags::Owner::of(stack, c)
        .with(Some(user))
        .into_iter()
        // A tag always has its key, so building one cannot fail.
        .filter_map(|(k, v)| t::Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// User tags and the owning lineage of a certificate.
async fn tags_of(client: &Client, arn: &str) -> Result<(Tags, Option<String>, BTreeMap<String, String>)> {
    let out = client
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("acm ListTagsForCertificate", e))?;
    let all: BTreeMap<String, String> =
        out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string())).collect();
    let user = all.iter().filter(|(k, _)| !k.starts_with("drove:")).map(|(k, v)| (k.clone(), v.clone())).collect();
    let owner = all.get(super::ec2_tags::LINEAGE_TAG).cloned();
    Ok((user, owner, all))
}

async fn describe(client: &Client, arn: &str) -> Result<Option<t::CertificateDetail>> {
    match client.describe_certificate().certificate_arn(arn).send().await {
        Ok(out) => Ok(out.certificate().cloned()),
        Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
        Err(e) => Err(sdk_error("acm DescribeCertificate", e)),
    }
}

fn lower(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

async fn certificate_live(client: &Client, d: &t::CertificateDetail) -> Result<Live> {
    let arn = d.certificate_arn().unwrap_or_default().to_string();
    let domain = lower(d.domain_name().unwrap_or_default());
    let mut alternative: Vec<String> =
        d.subject_alternative_names().iter().map(|n| lower(n)).filter(|n| *n != domain).collect();
    alternative.sort();
    alternative.dedup();
    let (tags, owner, _) = tags_of(client, &arn).await?;
    let spec = Certificate { domain, alternative_names: alternative, tags };
    let mut outputs = Map::new();
    outputs.insert("arn".into(), Value::String(arn.clone()));
    if let Some(s) = d.status() {
        outputs.insert("status".into(), Value::String(s.as_str().to_string()));
    }
    Ok(Live::new(&arn, view(&spec, []), outputs).owned_by(owner))
}

pub async fn request(client: &Client, c: &Change, stack: &str) -> Result<Live> {
    let spec: Certificate = after(c)?;
    let out = client
        .request_certificate()
        .domain_name(&spec.domain)
        .set_subject_alternative_names(
            (!spec.alternative_names.is_empty()).then(|| spec.names().map(str::to_string).collect::<Vec<_>>()),
        )
        .validation_method(ValidationMethod::Dns)
        .idempotency_token(idempotency_token(&c.token))
        .set_tags(Some(acm_tags(stack, c, &spec.tags)))
        .send()
        .await
        .map_err(|e| sdk_error("acm RequestCertificate", e))?;
    let arn = out.certificate_arn().unwrap_or_default();
    match describe(client, arn).await? {
        Some(d) => certificate_live(client, &d).await,
        None => Err(EngineError::new(codes::AWS_CALL, format!("certificate {arn} is gone right after its request"))),
    }
}

pub async fn read(client: &Client, arn: &str) -> Result<Option<Live>> {
    match describe(client, arn).await? {
        Some(d) => certificate_live(client, &d).await.map(Some),
        None => Ok(None),
    }
}

/// The certificate a killed run requested for this address, found by its tags.
pub async fn find(client: &Client, stack: &str, address: &str) -> Result<Option<Live>> {
    for arn in list(client, &[]).await?.into_iter().map(|s| s.certificate_arn().unwrap_or_default().to_string()) {
        let (_, _, all) = tags_of(client, &arn).await?;
        let tagged = |k: &str, v: &str| all.get(k).map(String::as_str) == Some(v);
        if tagged(super::ec2_tags::STACK_TAG, stack) && tagged(super::ec2_tags::ADDRESS_TAG, address) {
            return read(client, &arn).await;
        }
    }
    Ok(None)
}

/// Every certificate of the account's region in these states (all when empty), of every
/// key type: ListCertificates shows RSA 2048 keys only unless asked for the others.
async fn list(client: &Client, statuses: &[CertificateStatus]) -> Result<Vec<t::CertificateSummary>> {
    let key_types = vec![
        KeyAlgorithm::Rsa1024,
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::EcPrime256v1,
        KeyAlgorithm::EcSecp384r1,
        KeyAlgorithm::EcSecp521r1,
    ];
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_certificates()
            .set_certificate_statuses((!statuses.is_empty()).then(|| statuses.to_vec()))
            .includes(t::Filters::builder().set_key_types(Some(key_types.clone())).build())
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| sdk_error("acm ListCertificates", e))?;
        out.extend(page.certificate_summary_list().iter().cloned());
        match page.next_token() {
            Some(tok) if !tok.is_empty() => next = Some(tok.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Whether a certificate for `names` covers `domain` (a wildcard covers one label).
fn covers(names: &[String], domain: &str) -> bool {
    let domain = lower(domain);
    names.iter().map(|n| lower(n)).any(|n| {
        n == domain
            || n.strip_prefix("*.").is_some_and(|base| domain.split_once('.').is_some_and(|(_, rest)| rest == base))
    })
}

/// The issued certificate for `domain` that stays valid longest: what a balancer that
/// names its certificate by domain uses.
pub async fn resolve(client: &Client, domain: &str) -> Result<String> {
    let issued = list(client, &[CertificateStatus::Issued]).await?;
    let mut best: Option<(i64, String)> = None;
    for s in issued {
        let mut names: Vec<String> = s.subject_alternative_name_summaries().to_vec();
        names.extend(s.domain_name().map(str::to_string));
        if !covers(&names, domain) {
            continue;
        }
        let until = s.not_after().map_or(0, |d| d.secs());
        if best.as_ref().is_none_or(|(b, _)| until > *b) {
            best = Some((until, s.certificate_arn().unwrap_or_default().to_string()));
        }
    }
    best.map(|(_, arn)| arn).ok_or_else(|| {
        EngineError::new(codes::NO_CERTIFICATE, format!("no issued ACM certificate in this region covers `{domain}`"))
            .with_help(
                "request one (a `certificate` declaration makes drove do it), or name the certificate by its ARN",
            )
    })
}

pub async fn update(client: &Client, c: &Change, stack: &str, arn: &str) -> Result<Live> {
    let want: Certificate = after(c)?;
    let have: Certificate = before(c)?;
    let gone: Vec<t::Tag> = have
        .tags
        .keys()
        .filter(|k| !want.tags.contains_key(*k))
        .filter_map(|k| t::Tag::builder().key(k).build().ok())
        .collect();
    if !gone.is_empty() {
        client
            .remove_tags_from_certificate()
            .certificate_arn(arn)
            .set_tags(Some(gone))
            .send()
            .await
            .map_err(|e| sdk_error("acm RemoveTagsFromCertificate", e))?;
    }
    client
        .add_tags_to_certificate()
        .certificate_arn(arn)
        .set_tags(Some(acm_tags(stack, c, &want.tags)))
        .send()
        .await
        .map_err(|e| sdk_error("acm AddTagsToCertificate", e))?;
    read(client, arn).await?.ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("certificate {arn} is gone")))
}

pub async fn delete(client: &Client, arn: &str) -> Result<()> {
    let start = Instant::now();
    loop {
        match client.delete_certificate().certificate_arn(arn).send().await {
            Ok(_) => return Ok(()),
            Err(e) if e.as_service_error().is_some_and(not_found) => return Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception())
                    && start.elapsed() < IN_USE_WAIT =>
            {
                tokio::time::sleep(POLL * 5).await;
            }
            Err(e) => return Err(sdk_error("acm DeleteCertificate", e)),
        }
    }
}

// ---- validation ----

/// The validation record ACM asks for each name that has a zone; `None` while ACM has not
/// made them all yet. A name and its wildcard share one record.
fn records_of(d: &t::CertificateDetail, zones: &BTreeMap<String, String>) -> Option<Vec<(String, ValidationRecord)>> {
    let mut out = Vec::new();
    for o in d.domain_validation_options() {
        let r = o.resource_record()?;
        let domain = lower(o.domain_name());
        let Some(zone) = zones.get(&domain) else { continue };
        let record = ValidationRecord {
            zone: zone.clone(),
            name: format!("{}.", lower(r.name())),
            rtype: r.r#type().as_str().to_string(),
            value: r.value().to_string(),
        };
        out.push((domain, record));
    }
    Some(out)
}

fn distinct(records: &[(String, ValidationRecord)]) -> Vec<ValidationRecord> {
    records.iter().map(|(_, r)| r.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

fn literal_zones(spec: &CertificateValidation) -> Result<BTreeMap<String, String>> {
    spec.zones
        .iter()
        .map(|(n, z)| match z.text() {
            Some(id) => Ok((lower(n), id.to_string())),
            None => Err(EngineError::new(codes::INVALID_CHANGE, format!("the zone of `{n}` is not known yet"))),
        })
        .collect()
}

async fn write_records(
    route53: &aws_sdk_route53::Client,
    records: &[ValidationRecord],
    action: ChangeAction,
) -> Result<()> {
    let mut by_zone: BTreeMap<&str, Vec<&ValidationRecord>> = BTreeMap::new();
    for r in records {
        by_zone.entry(r.zone.as_str()).or_default().push(r);
    }
    for (zone, recs) in by_zone {
        let changes = recs
            .iter()
            .map(|r| {
                let set = ResourceRecordSet::builder()
                    .name(&r.name)
                    .r#type(RrType::from(r.rtype.as_str()))
                    .ttl(RECORD_TTL)
                    .resource_records(ResourceRecord::builder().value(&r.value).build().map_err(build_error)?)
                    .build()
                    .map_err(build_error)?;
                RrChange::builder().action(action.clone()).resource_record_set(set).build().map_err(build_error)
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = ChangeBatch::builder().set_changes(Some(changes)).build().map_err(build_error)?;
        match route53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await {
            Ok(_) => {}
            // Deleting records someone already removed: what the delete wanted.
            Err(e)
                if action == ChangeAction::Delete
                    && e.as_service_error()
                        .is_some_and(|s| s.is_invalid_change_batch() || s.is_no_such_hosted_zone()) => {}
            Err(e) => return Err(sdk_error("route53 ChangeResourceRecordSets", e)),
        }
    }
    Ok(())
}

fn build_error(e: impl std::fmt::Display) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("a validation record cannot be built: {e}"))
}

/// The live validation: the names whose record is in place, the records, and the
/// certificate's ARN as `certificate_arn` once it is issued.
pub fn validation_live(
    arn: &str,
    spec: &CertificateValidation,
    present: &[(String, ValidationRecord)],
    issued: bool,
) -> Live {
    let zones = spec
        .zones
        .iter()
        .filter(|(n, _)| present.iter().any(|(d, _)| d == &lower(n)))
        .map(|(n, z)| (n.clone(), z.clone()))
        .collect();
    let live = CertificateValidation { certificate: Val::Lit(arn.to_string()), zones, records: distinct(present) };
    let mut outputs = Map::new();
    if issued {
        outputs.insert("certificate_arn".into(), Value::String(arn.to_string()));
    }
    Live::new(format!("{arn}/validation"), view(&live, []), outputs)
}

/// Writes the validation records and waits until ACM issues the certificate.
pub async fn validate(client: &Client, route53: &aws_sdk_route53::Client, c: &Change) -> Result<Live> {
    let spec: CertificateValidation = after(c)?;
    let arn = spec
        .certificate
        .text()
        .ok_or_else(|| EngineError::new(codes::INVALID_CHANGE, "the certificate is not known yet"))?
        .to_string();
    let zones = literal_zones(&spec)?;
    let start = Instant::now();
    let records = loop {
        let d = describe(client, &arn).await?.ok_or_else(|| gone(&arn))?;
        if let Some(r) = records_of(&d, &zones) {
            break r;
        }
        if start.elapsed() > RECORDS_WAIT {
            return Err(EngineError::new(
                codes::CERTIFICATE_WAIT,
                format!("ACM gave no validation records for {arn} within {}s", RECORDS_WAIT.as_secs()),
            ));
        }
        tokio::time::sleep(POLL).await;
    };
    let wanted = distinct(&records);
    if let Ok(old) = before::<CertificateValidation>(c) {
        let stale: Vec<ValidationRecord> = old.records.into_iter().filter(|r| !wanted.contains(r)).collect();
        write_records(route53, &stale, ChangeAction::Delete).await?;
    }
    write_records(route53, &wanted, ChangeAction::Upsert).await?;
    loop {
        let d = describe(client, &arn).await?.ok_or_else(|| gone(&arn))?;
        match d.status() {
            Some(CertificateStatus::Issued) => return Ok(validation_live(&arn, &spec, &records, true)),
            Some(CertificateStatus::PendingValidation) if start.elapsed() < ISSUE_WAIT => {}
            Some(CertificateStatus::PendingValidation) => {
                return Err(EngineError::new(
                    codes::CERTIFICATE_WAIT,
                    format!("{arn} is still pending validation after {} minutes", ISSUE_WAIT.as_secs() / 60),
                )
                .with_help("check that the zone holding the validation records is the one the domain is delegated to"))
            }
            other => {
                let why = d.failure_reason().map(|r| format!(" ({})", r.as_str())).unwrap_or_default();
                return Err(EngineError::new(
                    codes::CERTIFICATE_WAIT,
                    format!("ACM will not issue {arn}: it is {}{why}", other.map_or("unknown", |s| s.as_str())),
                ));
            }
        }
        tokio::time::sleep(POLL * 5).await;
    }
}

fn gone(arn: &str) -> EngineError {
    EngineError::new(codes::AWS_CALL, format!("certificate {arn} is gone"))
}

/// What a known validation's certificate asks for: its ARN, whether it is issued, and the
/// record for each name. `None` when the certificate is gone.
pub async fn wanted_records(
    client: &Client,
    known: &CertificateValidation,
) -> Result<Option<(String, bool, Vec<(String, ValidationRecord)>)>> {
    let Some(arn) = known.certificate.text() else { return Ok(None) };
    let Some(d) = describe(client, arn).await? else { return Ok(None) };
    let zones = literal_zones(known)?;
    let issued = d.status() == Some(&CertificateStatus::Issued);
    Ok(Some((arn.to_string(), issued, records_of(&d, &zones).unwrap_or_default())))
}

/// Whether a zone's listed record sets hold this validation record.
pub fn is_listed(sets: &[RecordSet], r: &ValidationRecord) -> bool {
    sets.iter().any(|s| {
        lower(&s.name) == lower(&r.name)
            && s.rtype == r.rtype
            && s.values.iter().flatten().any(|v| v.text().is_some_and(|v| lower(v) == lower(&r.value)))
    })
}

/// Removes the records the validation wrote; the certificate itself goes with its own
/// resource.
pub async fn delete_validation(route53: &aws_sdk_route53::Client, c: &Change) -> Result<()> {
    let old: CertificateValidation = before(c)?;
    write_records(route53, &old.records, ChangeAction::Delete).await
}
