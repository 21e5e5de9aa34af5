//! Pre-flight checks: what RunInstances would refuse, found while planning so a plan that
//! passes them holds. For every instance the plan launches (a create or a replace): the
//! resolved image's architecture against the instance type's, the type offered in the
//! availability zone of the instance's subnet, and the root volume at least as large as
//! the image's root snapshot. Every problem is reported at once, each with the address
//! and attribute it is about, and nothing is applied.
//!
//! Offerings cost one DescribeInstanceTypeOfferings call per availability zone, for all
//! the types launched there; images were described when their patterns were resolved.

use super::{Action, PlannedChange};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Image, Provider};
use drove_compiler::model::instance::{self, Instance};
use drove_compiler::model::{Resource, Spec};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one launch needs checked, read from the plan and the desired state.
struct Launch<'a> {
    address: &'a str,
    instance_type: &'a str,
    image: Option<&'a Image>,
    zone: Option<&'a str>,
    disk_gib: Option<u64>,
}

/// Checks every instance `changes` launches. `images` holds the images the plan resolved,
/// by id; `desired` the declared resources by address (the subnets' zones).
pub async fn check(
    changes: &[PlannedChange],
    desired: &BTreeMap<&str, &Resource>,
    images: &HashMap<String, Image>,
    provider: &dyn Provider,
) -> Result<()> {
    let specs: Vec<(&PlannedChange, Instance)> = changes
        .iter()
        .filter(|c| c.kind == instance::KIND && matches!(c.action, Action::Create | Action::Replace))
        .filter_map(|c| serde_json::from_value(c.after.clone()).ok().map(|i| (c, i)))
        .collect();
    let launches: Vec<Launch> = specs
        .iter()
        .filter_map(|(c, spec)| {
            Some(Launch {
                address: &c.address,
                instance_type: spec.instance_type.as_deref()?,
                image: match &spec.image {
                    Some(instance::Image::Id { id }) => images.get(id),
                    _ => None,
                },
                zone: zone_of(desired, &c.address),
                disk_gib: spec.root_volume.map(|v| v.size_gib),
            })
        })
        .collect();
    if launches.is_empty() {
        return Ok(());
    }

    let mut per_zone: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for l in &launches {
        if let Some(zone) = l.zone {
            per_zone.entry(zone).or_default().insert(l.instance_type.to_string());
        }
    }
    let asked = per_zone.iter().map(|(zone, types)| async move {
        let types: Vec<String> = types.iter().cloned().collect();
        provider.offered_types(zone, &types).await.map(|offered| (*zone, offered))
    });
    let offered: HashMap<&str, BTreeSet<String>> = futures::future::try_join_all(asked).await?.into_iter().collect();

    let mut errors = Vec::new();
    for l in &launches {
        errors.extend(architecture(l));
        if let Some(zone) = l.zone {
            if offered.get(zone).is_some_and(|o| !o.contains(l.instance_type)) {
                errors.push(not_offered(l, zone));
            }
        }
        errors.extend(disk(l));
    }
    match EngineError::all(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The availability zone of the declared subnet an instance is declared in.
fn zone_of<'a>(desired: &BTreeMap<&str, &'a Resource>, address: &str) -> Option<&'a str> {
    let Spec::Instance(i) = &desired.get(address)?.spec else { return None };
    let subnet = i.subnet.as_ref()?;
    match &desired.get(subnet.address.as_str())?.spec {
        Spec::Subnet(s) => Some(s.availability_zone.as_str()),
        _ => None,
    }
}

/// EC2 boots an image only on its architecture. Images of other architectures than the
/// catalog's two (i386, the Mac ones) are left to EC2.
fn architecture(l: &Launch) -> Option<EngineError> {
    let image = l.image?;
    let arch = image.architecture.as_deref().filter(|a| matches!(*a, "x86_64" | "arm64"))?;
    let t = drove_compiler::catalog::instance_type(l.instance_type)?;
    if t.arch.as_str() == arch {
        return None;
    }
    let other = if arch == "arm64" { "a Graviton type such as t4g, m7g or r6g" } else { "an x86_64 type" };
    Some(
        EngineError::new(
            codes::IMAGE_ARCH,
            format!(
                "{}: image {} ({}) is built for {arch}, but {} is {}; EC2 would refuse to launch it",
                l.address,
                image.id,
                image.name,
                l.instance_type,
                t.arch.as_str()
            ),
        )
        .with_help(format!("use an image pattern that matches only {} images, or {other}", t.arch.as_str()))
        .at(l.address, Some("image")),
    )
}

fn not_offered(l: &Launch, zone: &str) -> EngineError {
    EngineError::new(
        codes::TYPE_NOT_OFFERED,
        format!(
            "{}: instance type {} is not offered in {zone}; EC2 would refuse to launch it",
            l.address, l.instance_type
        ),
    )
    .with_help("place the hosts in subnets of another availability zone, or choose a type offered there")
    .at(l.address, Some("instance_type"))
}

fn disk(l: &Launch) -> Option<EngineError> {
    let image = l.image?;
    let (snapshot, disk) = (image.root_snapshot_gib?, l.disk_gib?);
    (disk < snapshot).then(|| {
        EngineError::new(
            codes::DISK_TOO_SMALL,
            format!(
                "{}: its root volume of {disk} GiB is smaller than the {snapshot} GiB snapshot of image {} ({}); EC2 would refuse to launch it",
                l.address, image.id, image.name
            ),
        )
        .with_help(format!("give the role `disk = {snapshot}GiB` or more"))
        .at(l.address, Some("root_volume"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, PlanOptions};
    use crate::provider::memory::MemoryProvider;
    use drove_compiler::model::DesiredState;

    fn desired(instance_type: &str, disk: &str) -> DesiredState {
        let text = format!(
            "stack s {{ region = \"ap-northeast-1\" }}
network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a }}
  subnet c {{ cidr = 10.0.2.0/24  zone = c }}
}}
role app {{ image = image(\"base-*\")  type = {instance_type}  {disk} }}
hosts app {{ role = app  count = 2  subnets = [main.a, main.c] }}
"
        );
        let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        drove_compiler::compile::compile(&a).expect("compiles")
    }

    fn provider(architecture: Option<&str>, snapshot: Option<u64>) -> MemoryProvider {
        let p = MemoryProvider::new();
        p.add_full_image(Image {
            architecture: architecture.map(str::to_string),
            root_snapshot_gib: snapshot,
            ..Image::new("ami-1", "base-1", "2026-01-01")
        });
        p
    }

    async fn refused(d: &DesiredState, p: &MemoryProvider) -> Vec<(&'static str, String, Option<&'static str>)> {
        let e = plan(d, None, p, &PlanOptions::default()).await.expect_err("refused");
        std::iter::once(&e)
            .chain(&e.also)
            .map(|e| {
                let at = e.at.clone().expect("placed");
                (e.code, at.address, at.attribute)
            })
            .collect()
    }

    #[tokio::test]
    async fn each_launch_is_checked_and_every_problem_reported() {
        let p = provider(Some("arm64"), Some(10));
        assert_eq!(
            refused(&desired("t3.micro", "disk = 10GiB"), &p).await,
            [
                (codes::IMAGE_ARCH, "hosts.app[0]".into(), Some("image")),
                (codes::IMAGE_ARCH, "hosts.app[1]".into(), Some("image")),
            ]
        );
        p.withdraw_type("ap-northeast-1c", "t4g.micro");
        assert_eq!(
            refused(&desired("t4g.micro", ""), &p).await,
            [
                (codes::DISK_TOO_SMALL, "hosts.app[0]".into(), Some("root_volume")),
                (codes::TYPE_NOT_OFFERED, "hosts.app[1]".into(), Some("instance_type")),
                (codes::DISK_TOO_SMALL, "hosts.app[1]".into(), Some("root_volume")),
            ]
        );
        assert!(plan(&desired("t4g.small", "disk = 10GiB"), None, &p, &PlanOptions::default()).await.is_ok());
    }

    #[tokio::test]
    async fn what_the_image_does_not_say_is_not_guessed() {
        let p = provider(None, None);
        assert!(plan(&desired("t4g.micro", ""), None, &p, &PlanOptions::default()).await.is_ok());
        let p = provider(Some("i386"), Some(8));
        assert!(plan(&desired("t3.micro", ""), None, &p, &PlanOptions::default()).await.is_ok());
    }
}
