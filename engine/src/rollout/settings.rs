//! The compiler puts a role's rollout settings on each of its instances as the attribute
//! `rollout` (`{batch, drain, drain_timeout}`). They say how drove replaces the instance,
//! not what AWS holds, so the planner takes them out before anything is diffed, adopted or
//! sent to a provider.

use crate::kinds;
use drove_compiler::model::DesiredState;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const ATTRIBUTE: &str = "rollout";

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub batch: u64,
    pub drain: Option<String>,
    /// Seconds.
    pub drain_timeout: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { batch: 1, drain: None, drain_timeout: 300 }
    }
}

impl Settings {
    fn read(v: &Value) -> Settings {
        let d = Settings::default();
        Settings {
            batch: v.get("batch").and_then(Value::as_u64).filter(|b| *b > 0).unwrap_or(d.batch),
            drain: v.get("drain").and_then(Value::as_str).map(str::to_string).filter(|s| !s.trim().is_empty()),
            drain_timeout: v.get("drain_timeout").and_then(Value::as_u64).unwrap_or(d.drain_timeout),
        }
    }
}

/// The desired state without `rollout` attributes, and the settings per role (roles whose
/// instances carry none get the defaults).
pub fn split(desired: &DesiredState) -> (Cow<'_, DesiredState>, BTreeMap<String, Settings>) {
    let mut roles = BTreeMap::new();
    let carries = |r: &drove_compiler::model::Resource| r.kind == kinds::INSTANCE && r.attributes.get(ATTRIBUTE).is_some();
    for r in desired.resources.iter().filter(|r| r.kind == kinds::INSTANCE) {
        let role = r.attributes.get("role").and_then(Value::as_str).unwrap_or("").to_string();
        let s = r.attributes.get(ATTRIBUTE).map(Settings::read).unwrap_or_default();
        roles.entry(role).or_insert(s);
    }
    if !desired.resources.iter().any(carries) {
        return (Cow::Borrowed(desired), roles);
    }
    let mut owned = desired.clone();
    for r in owned.resources.iter_mut().filter(|r| r.kind == kinds::INSTANCE) {
        if let Some(o) = r.attributes.as_object_mut() {
            o.remove(ATTRIBUTE);
        }
    }
    (Cow::Owned(owned), roles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_come_out_of_the_attributes() {
        let d: DesiredState = serde_json::from_value(json!({
            "stack": {"name": "s", "region": "ap-northeast-1", "state": {"backend": "local", "path": "s.json"}, "tags": {},
                      "max_delete": 0.5, "max_zone_delete": 0.5, "recipients": []},
            "resources": [
                {"address": "hosts.app[0]", "kind": "ec2.instance",
                 "attributes": {"role": "app", "rollout": {"batch": 2, "drain": "true", "drain_timeout": 9}}},
                {"address": "host.db", "kind": "ec2.instance", "attributes": {"role": "db"}}
            ]
        }))
        .expect("desired state");
        let (clean, roles) = split(&d);
        assert!(clean.resources.iter().all(|r| r.attributes.get(ATTRIBUTE).is_none()));
        assert_eq!(roles["app"], Settings { batch: 2, drain: Some("true".into()), drain_timeout: 9 });
        assert_eq!(roles["db"], Settings::default());
    }
}
