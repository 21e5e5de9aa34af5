//! `elbv2.load_balancer`: an application or network load balancer in a network's
//! subnets, behind its own firewall. Records alias it by its DNS name and zone.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "elbv2.load_balancer";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name", "type", "scheme"],
    sets: &["subnets", "security_groups"],
    outputs: &["arn", "dns_name", "zone_id"],
    secrets: &[],
    settings: &[],
    tagged: true,
    null_means: nothing,
};

/// ELB's limit on load balancer and target group names.
pub const MAX_NAME: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub name: String,
    /// `application` or `network`.
    #[serde(rename = "type")]
    pub lb_type: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub subnets: Vec<Val<String>>,
    pub security_groups: Vec<Val<String>>,
    pub tags: Tags,
}

/// An ELB name for `drove-STACK-PART`: at most 32 letters, digits and hyphens, never
/// starting with `internal-` or ending in a hyphen; past 32 its start and a hash of the
/// whole, so two names never collide.
pub fn name(stack: &str, part: &str) -> String {
    use sha2::{Digest, Sha256};
    let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>();
    let full = format!("{}-{}", clean(stack), clean(part));
    if full.len() <= MAX_NAME && !full.ends_with('-') {
        return full;
    }
    let digest = Sha256::digest(format!("{stack}/{part}").as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = MAX_NAME - hash.len() - 1;
    format!("{}-{hash}", full.get(..keep).unwrap_or(&full).trim_end_matches('-'))
}

/// The model's address of a balancer.
pub fn address(balancer: &str) -> String {
    format!("balancer.{balancer}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_elb_and_stay_distinct() {
        assert_eq!(name("shop", "web"), "shop-web");
        assert_eq!(name("shop", "web.app"), "shop-web-app");
        let a = name("a-rather-long-stack-name", "balancer-one");
        let b = name("a-rather-long-stack-name", "balancer-two");
        assert!(a.len() <= MAX_NAME && b.len() <= MAX_NAME, "{a} {b}");
        assert_ne!(a, b);
    }
}
