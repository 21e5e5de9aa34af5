//! The compiler puts a role's rollout settings on each of its instances as the attribute
//! `rollout` (`{batch, drain, drain_timeout}`). They say how drove replaces the instance,
//! not what AWS holds, so the planner takes them out before anything is diffed, adopted or
//! sent to a provider.

use drove_compiler::model::{DesiredState, Spec};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A role's replacement settings: the model's, with a batch of at least one.
pub type Settings = drove_compiler::model::instance::Rollout;

/// The desired state without `rollout` attributes, and the settings per role (roles whose
/// instances carry none get the defaults).
pub fn split(desired: &DesiredState) -> (Cow<'_, DesiredState>, BTreeMap<String, Settings>) {
    let mut roles = BTreeMap::new();
    let mut carries = false;
    for r in &desired.resources {
        if let Spec::Instance(i) = &r.spec {
            carries |= i.rollout.is_some();
            roles.entry(i.role.clone()).or_insert_with(|| i.rollout.clone().unwrap_or_default().normalized());
        }
    }
    if !carries {
        return (Cow::Borrowed(desired), roles);
    }
    let mut owned = desired.clone();
    for r in &mut owned.resources {
        if let Spec::Instance(i) = &mut r.spec {
            i.rollout = None;
        }
    }
    (Cow::Owned(owned), roles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn instance(role: &str, rollout: Value) -> Value {
        let mut v = json!({"role": role, "image": null, "instance_type": "t3.micro", "subnet": "subnet-1",
            "security_groups": [], "private_ip": null, "associate_public_ip": false,
            "root_volume": {"size_gib": 8, "encrypted": true}, "imdsv2_required": true, "user_data": null, "tags": {}});
        if !rollout.is_null() {
            v["rollout"] = rollout;
        }
        v
    }

    #[test]
    fn settings_come_out_of_the_attributes() {
        let d: DesiredState = serde_json::from_value(json!({
            "stack": {"name": "s", "region": "ap-northeast-1", "state": {"backend": "local", "path": "s.json"}, "tags": {},
                      "max_delete": 0.5, "max_zone_delete": 0.5, "recipients": []},
            "resources": [
                {"address": "hosts.app[0]", "kind": "ec2.instance",
                 "attributes": instance("app", json!({"batch": 2, "drain": "true", "drain_timeout": 9}))},
                {"address": "host.db", "kind": "ec2.instance", "attributes": instance("db", Value::Null)}
            ]
        }))
        .expect("desired state");
        let (clean, roles) = split(&d);
        assert!(clean.resources.iter().all(|r| !r.attributes().as_object().is_some_and(|o| o.contains_key("rollout"))));
        assert_eq!(roles["app"], Settings { batch: 2, drain: Some("true".into()), drain_timeout: 9 });
        assert_eq!(roles["db"], Settings::default());
    }
}
