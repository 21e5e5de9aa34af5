//! Which zones and VPCs an import takes: the ones named, the ones carrying every `--tag`,
//! everything but the default VPC when nothing is asked for; then a private zone brings
//! its VPCs and a VPC its private zones.

use super::names::NAME_TAG;
use super::zones::Zone;
use drove_compiler::model::{HostedZone, Val};
use drove_engine::aws::discover::VpcSummary;
use drove_engine::error::{codes, EngineError, Result};
use std::collections::BTreeSet;

/// What the user asked for.
pub struct Ask<'a> {
    pub zones: &'a [String],
    pub networks: &'a [String],
    pub tags: &'a [(String, String)],
}

impl Ask<'_> {
    fn everything(&self) -> bool {
        self.zones.is_empty() && self.networks.is_empty() && self.tags.is_empty()
    }
}

fn same_zone_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// The VPC a `--network` names: its id, or its `Name` tag.
fn named_vpc<'v>(vpcs: &'v [VpcSummary], name: &str) -> Result<&'v VpcSummary> {
    if let Some(v) = vpcs.iter().find(|v| v.id == name) {
        return Ok(v);
    }
    let by_tag: Vec<&VpcSummary> = vpcs.iter().filter(|v| v.tags.get(NAME_TAG).is_some_and(|n| n == name)).collect();
    match by_tag.as_slice() {
        [one] => Ok(one),
        [] => Err(EngineError::new(codes::AWS_CALL, format!("no VPC has the id or Name tag `{name}`")).with_help(
            format!(
                "the region has {}",
                if vpcs.is_empty() {
                    "no VPCs".to_string()
                } else {
                    vpcs.iter()
                        .map(|v| v.tags.get(NAME_TAG).map_or(v.id.clone(), |n| format!("{} ({n})", v.id)))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        )),
        many => {
            Err(EngineError::new(codes::AWS_CALL, format!("{} VPCs have the Name tag `{name}`", many.len())).with_help(
                format!("name one by its id: {}", many.iter().map(|v| v.id.as_str()).collect::<Vec<_>>().join(", ")),
            ))
        }
    }
}

/// The VPCs asked for by name or tag (all but the default one when nothing is asked for).
pub fn vpcs(ask: &Ask, vpcs: &[VpcSummary]) -> Result<BTreeSet<String>> {
    let mut picked: BTreeSet<String> = BTreeSet::new();
    for name in ask.networks {
        picked.insert(named_vpc(vpcs, name)?.id.clone());
    }
    let tagged = |t: &std::collections::BTreeMap<String, String>| ask.tags.iter().all(|(k, v)| t.get(k) == Some(v));
    for v in vpcs {
        if (ask.everything() && !v.is_default) || (!ask.tags.is_empty() && tagged(&v.tags)) {
            picked.insert(v.id.clone());
        }
    }
    Ok(picked)
}

/// Refuses a `--zone` the account does not have; `all` is every zone's name.
pub fn check_zone_names(ask: &Ask, all: &[String]) -> Result<()> {
    for name in ask.zones {
        if !all.iter().any(|z| same_zone_name(z, name)) {
            return Err(EngineError::new(
                codes::AWS_CALL,
                format!("no hosted zone is named {}.", name.trim_end_matches('.')),
            )
            .with_help(format!(
                "the account has {}",
                if all.is_empty() { "no hosted zones".to_string() } else { all.join(", ") }
            )));
        }
    }
    Ok(())
}

/// Whether a zone (its live attributes: name, tags, private VPCs) is imported, given the
/// VPCs picked so far.
pub fn wants_zone(ask: &Ask, zone: &HostedZone, vpcs: &BTreeSet<String>) -> bool {
    ask.everything()
        || ask.zones.iter().any(|n| same_zone_name(&zone.name, n))
        || (!ask.tags.is_empty() && ask.tags.iter().all(|(k, v)| zone.tags.get(k) == Some(v)))
        || zone.private_vpcs.iter().filter_map(Val::text).any(|v| vpcs.contains(v))
}

/// The picked VPCs with those the picked private zones are associated with (in this region).
pub fn with_zone_vpcs(mut picked: BTreeSet<String>, zones: &[Zone], vpcs: &[VpcSummary]) -> Vec<String> {
    for z in zones {
        picked.extend(z.private_vpcs().into_iter().filter(|v| vpcs.iter().any(|x| x.id == *v)).map(str::to_string));
    }
    picked.into_iter().collect()
}
