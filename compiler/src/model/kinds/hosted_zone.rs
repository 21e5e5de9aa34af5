//! `route53.hosted_zone`: a public zone, or a private one associated with networks.

use crate::model::{schema::nothing, Schema, Tags, Val};
use serde::{Deserialize, Serialize};

/// The kind's name in the model, the state and plans.
pub const KIND: &str = "route53.hosted_zone";

pub const SCHEMA: Schema = Schema {
    kind: KIND,
    replace_on: &["name", "private_vpcs"],
    sets: &["private_vpcs"],
    outputs: &["name_servers"],
    secrets: &[],
    settings: &[UNMANAGED],
    tagged: true,
    null_means: nothing,
};

/// The attribute holding what drove does with the zone's records it does not declare.
pub const UNMANAGED: &str = "unmanaged";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostedZone {
    pub name: String,
    pub comment: Option<String>,
    pub private_vpcs: Vec<Val<String>>,
    pub tags: Tags,
    /// drove's policy for record sets nobody declares; the planner takes it out before
    /// diffing. Left out of the JSON when it is the default, so zones that do not use it
    /// compile, plan and store as they always did.
    #[serde(default, skip_serializing_if = "Unmanaged::is_default")]
    pub unmanaged: Unmanaged,
}

/// `unmanaged = keep | delete` and the zone's `ignore` rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub policy: Policy,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<IgnoreRule>,
}

impl Unmanaged {
    pub fn is_default(&self) -> bool {
        *self == Unmanaged::default()
    }

    /// The first rule that leaves this record set to another system.
    pub fn ignored_by(&self, name: &str, rtype: &str) -> Option<&IgnoreRule> {
        self.ignore.iter().find(|r| r.matches(name, rtype))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Listed in the plan as not managed, never changed.
    #[default]
    Keep,
    /// Deleted: the zone holds exactly what its source declares.
    Delete,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Keep => "keep",
            Policy::Delete => "delete",
        }
    }
}

/// `ignore "PATTERN" TYPE, …`: record sets another system owns. `name` is absolute, in
/// lower case, with the trailing dot; in a label `*` matches any run of characters, and a
/// label `**` matches one or more whole labels. No types means every type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoreRule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

impl IgnoreRule {
    /// Whether the rule covers a record set of this absolute name and type (Route53's
    /// `\052` for a leading `*` and upper case are read as the plain name).
    pub fn matches(&self, name: &str, rtype: &str) -> bool {
        let type_ok = self.types.is_empty() || self.types.iter().any(|t| t.eq_ignore_ascii_case(rtype));
        type_ok && name_matches(&self.name, &name.replace("\\052", "*").to_ascii_lowercase())
    }
}

fn labels(name: &str) -> Vec<&str> {
    name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()).collect()
}

/// Label-wise match: `**` takes one or more labels, any other pattern label one label
/// (`*` inside it any run of characters). Dynamic programming over the two label lists,
/// so no input makes it exponential.
fn name_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (labels(pattern), labels(name));
    // reach[j]: the first i pattern labels can match the first j name labels.
    let mut reach = vec![false; n.len() + 1];
    reach[0] = true;
    for label in &p {
        let mut next = vec![false; n.len() + 1];
        for j in 0..n.len() {
            if !reach[j] {
                continue;
            }
            if *label == "**" {
                for slot in next.iter_mut().skip(j + 1) {
                    *slot = true;
                }
            } else if label_matches(label, n[j]) {
                next[j + 1] = true;
            }
        }
        reach = next;
    }
    reach[n.len()]
}

/// `*` matches any run of characters (none included) within one label.
fn label_matches(pattern: &str, label: &str) -> bool {
    let (p, l) = (pattern.as_bytes(), label.as_bytes());
    let mut reach = vec![false; l.len() + 1];
    reach[0] = true;
    for &c in p {
        let mut next = vec![false; l.len() + 1];
        if c == b'*' {
            let mut on = false;
            for j in 0..=l.len() {
                on |= reach[j];
                next[j] = on;
            }
        } else {
            for j in 0..l.len() {
                next[j + 1] = reach[j] && l[j] == c;
            }
        }
        reach = next;
    }
    reach[l.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, types: &[&str]) -> IgnoreRule {
        IgnoreRule { name: name.into(), types: types.iter().map(|t| t.to_string()).collect() }
    }

    #[test]
    fn labels_and_wildcards() {
        let acme = rule("_acme-challenge.acme.example.", &["TXT"]);
        assert!(acme.matches("_acme-challenge.acme.example.", "TXT"));
        assert!(acme.matches("_ACME-Challenge.Acme.Example.", "txt"));
        assert!(!acme.matches("_acme-challenge.acme.example.", "CNAME"));
        assert!(!acme.matches("_acme-challenge.www.acme.example.", "TXT"));

        let acm = rule("_*.acme.example.", &["CNAME"]);
        assert!(acm.matches("_3639ac514e785e898d2646601fa951d5.acme.example.", "CNAME"));
        assert!(!acm.matches("_x.www.acme.example.", "CNAME"));
        assert!(!acm.matches("www.acme.example.", "CNAME"));

        let below = rule("_*.**.acme.example.", &[]);
        assert!(below.matches("_x.www.acme.example.", "CNAME"));
        assert!(below.matches("_x.a.b.acme.example.", "TXT"));
        assert!(!below.matches("_x.acme.example.", "TXT"), "`**` takes at least one label");

        let k8s = rule("*.k8s.acme.example.", &[]);
        assert!(k8s.matches("api.k8s.acme.example.", "A"));
        assert!(k8s.matches("\\052.k8s.acme.example.", "A"));
        assert!(!k8s.matches("k8s.acme.example.", "A"));
        assert!(!k8s.matches("a.b.k8s.acme.example.", "A"));

        let prefix = rule("a-*.acme.example.", &["TXT"]);
        assert!(prefix.matches("a-www.acme.example.", "TXT"));
        assert!(prefix.matches("a-.acme.example.", "TXT"));
        assert!(!prefix.matches("cname-www.acme.example.", "TXT"));

        assert!(rule("acme.example.", &[]).matches("acme.example.", "MX"));
        assert!(
            label_matches("a*b*c", "aXXbYYc") && !label_matches("a*b*c", "aXXbYY") && !label_matches("ab*ba", "aba")
        );
    }

    #[test]
    fn the_default_is_left_out_of_the_json() {
        let zone = HostedZone {
            name: "acme.example.".into(),
            comment: None,
            private_vpcs: vec![],
            tags: Tags::new(),
            unmanaged: Unmanaged::default(),
        };
        let json = serde_json::to_value(&zone).expect("serialises");
        assert!(json.get(UNMANAGED).is_none());
        let mut strict = zone.clone();
        strict.unmanaged =
            Unmanaged { policy: Policy::Delete, ignore: vec![rule("_acme-challenge.acme.example.", &["TXT"])] };
        let json = serde_json::to_value(&strict).expect("serialises");
        assert_eq!(
            json[UNMANAGED],
            serde_json::json!({"policy": "delete", "ignore": [{"name": "_acme-challenge.acme.example.", "types": ["TXT"]}]})
        );
        assert_eq!(serde_json::from_value::<HostedZone>(json).expect("reads back"), strict);
    }
}
