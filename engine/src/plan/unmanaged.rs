//! Record sets in the stack's zones that nothing declares: put there by a person in the
//! console, another tool, or a stack that forgot them. A zone with `unmanaged = keep` (the
//! default) lists them in the plan as not managed and leaves them; one with `unmanaged =
//! delete` plans their deletion like any other delete (so the mass-delete rail counts
//! them). Records a zone's `ignore` rules cover belong to another system and are neither;
//! Route53's SOA and apex NS are never looked at. Only zones this state holds are read:
//! drove never touches a zone it does not manage.

use super::{Action, PlannedChange};
use crate::checks::normalize_name;
use crate::error::Result;
use crate::provider::{attributes, Provider, ZoneRecord};
use crate::state::State;
use drove_compiler::model::hosted_zone::{Policy, Unmanaged};
use drove_compiler::model::{
    certificate_validation, hosted_zone, record_set, CertificateValidation, DesiredState, RecordSet, Spec,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;

/// A declared zone's policy, taken out of its attributes (it is drove's setting, not
/// Route53's, so it is never diffed or sent).
#[derive(Debug, Clone)]
pub struct ZonePolicy {
    pub address: String,
    /// Absolute, lower case.
    pub name: String,
    pub unmanaged: Unmanaged,
}

/// The desired state without the zones' `unmanaged` settings, and those settings.
pub fn split(desired: &DesiredState) -> (Cow<'_, DesiredState>, Vec<ZonePolicy>) {
    let mut zones = Vec::new();
    for r in &desired.resources {
        if let Spec::HostedZone(z) = &r.spec {
            zones.push(ZonePolicy {
                address: r.address.clone(),
                name: normalize_name(&z.name),
                unmanaged: z.unmanaged.clone(),
            });
        }
    }
    if zones.iter().all(|z| z.unmanaged.is_default()) {
        return (Cow::Borrowed(desired), zones);
    }
    let mut owned = desired.clone();
    for r in &mut owned.resources {
        if let Spec::HostedZone(z) = &mut r.spec {
            z.unmanaged = Unmanaged::default();
        }
    }
    (Cow::Owned(owned), zones)
}

/// What the plan does with an undeclared record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    /// Listed, left alone (`unmanaged = keep`).
    Keep,
    /// Deleted by the plan's change at `address` (`unmanaged = delete`).
    Delete,
    /// Covered by an `ignore` rule: another system's.
    Ignored,
}

/// One record set of a zone the stack manages that no declaration and no state entry
/// covers (the plan's `unmanaged` list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmanagedRecord {
    /// The zone's address in the stack.
    pub zone: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    pub action: Disposition,
    /// The change that deletes it (`delete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The pattern of the rule that covers it (`ignored`), absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_by: Option<String>,
}

/// What Route53 knows a set by: name (normalised), type, set identifier.
fn key(set: &RecordSet) -> (String, String, String) {
    (normalize_name(&set.name), set.rtype.to_ascii_uppercase(), set.routing.set_identifier.clone().unwrap_or_default())
}

/// The undeclared record sets of each zone this state holds, and the delete changes of
/// those whose zone says `unmanaged = delete`. `taken` holds the addresses already in use
/// (declared, or in the state), which a delete change's address must not reuse.
pub async fn survey(
    zones: &[ZonePolicy],
    desired: &DesiredState,
    work: &State,
    taken: &HashSet<&str>,
    provider: &dyn Provider,
) -> Result<(Vec<UnmanagedRecord>, Vec<PlannedChange>)> {
    let mut listed = Vec::new();
    let mut deletes = Vec::new();
    for zone in zones {
        // A zone still to be created holds nothing yet; one the state does not hold is not
        // this stack's to read.
        let Some(rec) = work.resources.get(&zone.address).filter(|r| r.kind == hosted_zone::KIND) else { continue };
        let zone_id = rec.id.as_str();
        let managed = managed_keys(zone, zone_id, desired, work);
        let mut records: Vec<ZoneRecord> = provider.zone_records(zone_id).await?;
        records.sort_by_key(|r| key(&r.set));
        for r in records {
            let (name, rtype, set) = key(&r.set);
            let route53s = name == zone.name && (rtype == "SOA" || rtype == "NS");
            if route53s || managed.contains(&(name.clone(), rtype.clone(), set.clone())) {
                continue;
            }
            let mut entry = UnmanagedRecord {
                zone: zone.address.clone(),
                name: name.clone(),
                rtype: rtype.clone(),
                set_identifier: r.set.routing.set_identifier.clone(),
                action: Disposition::Keep,
                address: None,
                ignored_by: None,
            };
            if let Some(rule) = zone.unmanaged.ignored_by(&name, &rtype) {
                entry.action = Disposition::Ignored;
                entry.ignored_by = Some(rule.name.clone());
            } else if zone.unmanaged.policy == Policy::Delete {
                let address = delete_address(zone, &name, &rtype, &set, taken);
                entry.action = Disposition::Delete;
                entry.address = Some(address.clone());
                deletes.push(delete_change(zone, address, r));
            }
            listed.push(entry);
        }
    }
    Ok((listed, deletes))
}

/// The record sets of a zone that are drove's: declared for it, or held by the state.
fn managed_keys(
    zone: &ZonePolicy,
    zone_id: &str,
    desired: &DesiredState,
    work: &State,
) -> HashSet<(String, String, String)> {
    let declared = desired.resources.iter().filter_map(|r| match &r.spec {
        Spec::RecordSet(s) => {
            let here = s.zone.as_ref().is_some_and(|z| z.address == zone.address) || s.zone.text() == Some(zone_id);
            here.then_some(&**s)
        }
        _ => None,
    });
    let stored: Vec<RecordSet> = work
        .resources
        .values()
        .filter(|r| r.kind == record_set::KIND)
        .filter_map(|r| crate::provider::record_set(&r.attributes))
        .filter(|s| s.zone.text() == Some(zone_id))
        .collect();
    let mut keys: HashSet<_> = declared.chain(stored.iter()).map(key).collect();
    // The records a certificate's validation wrote are its own, and known only from the state.
    for r in work.resources.values().filter(|r| r.kind == certificate_validation::KIND) {
        let Ok(v) = serde_json::from_value::<CertificateValidation>(r.attributes.clone()) else { continue };
        for rec in v.records.iter().filter(|rec| rec.zone == zone_id) {
            keys.insert((normalize_name(&rec.name), rec.rtype.to_ascii_uppercase(), String::new()));
        }
    }
    keys
}

/// A delete's address reads like a declared record's (`record.NAME/TYPE[/SET]`, with the
/// zone's `@NETWORK` for a split-horizon private zone), so `--target` names it; in the
/// unlikely case that address is taken, `#unmanaged` sets it apart.
fn delete_address(zone: &ZonePolicy, name: &str, rtype: &str, set: &str, taken: &HashSet<&str>) -> String {
    let suffix = zone.address.strip_prefix("zone.").and_then(|a| a.strip_prefix(zone.name.as_str())).unwrap_or("");
    let mut address = format!("record.{name}/{rtype}");
    if !set.is_empty() {
        address = format!("{address}/{set}");
    }
    address.push_str(suffix);
    if taken.contains(address.as_str()) {
        address.push_str("#unmanaged");
    }
    address
}

fn delete_change(zone: &ZonePolicy, address: String, r: ZoneRecord) -> PlannedChange {
    PlannedChange {
        address,
        kind: record_set::KIND.to_string(),
        action: Action::Delete,
        id: Some(r.id),
        before: attributes(&r.set),
        after: Value::Null,
        outputs: Default::default(),
        diffs: vec![],
        notes: vec![format!("declared nowhere; {} says `unmanaged = delete`", zone.address)],
        depends_on: vec![],
        state_depends_on: vec![],
        protect: false,
        claim: false,
    }
}
