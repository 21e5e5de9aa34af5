//! Desired and live attributes in one canonical JSON form, so the diff compares like with
//! like. The rules come from each kind's schema in `drove_compiler::model`.

use drove_compiler::model::{instance, parameter, schema_of};
use serde_json::Value;

/// Whether changing `attribute` needs a new resource.
pub fn forces_replacement(kind: &str, attribute: &str) -> bool {
    schema_of(kind).is_some_and(|s| s.forces_replacement(attribute))
}

/// The desired attributes with `null`s that stand for a value replaced by it.
pub fn fill_defaults(kind: &str, attributes: &mut Value) {
    let Some(schema) = schema_of(kind) else { return };
    if let Some(o) = attributes.as_object_mut() {
        for (name, v) in o.iter_mut() {
            if v.is_null() {
                if let Some(d) = (schema.null_means)(name) {
                    *v = d;
                }
            }
        }
    }
}

/// Whether the desired value leaves the attribute to AWS: an instance no firewall names
/// is put in its VPC's default security group, which drove does not manage.
pub fn left_to_aws(kind: &str, attribute: &str, want: &Value) -> bool {
    (kind, attribute) == (instance::KIND, "security_groups") && want.as_array().is_some_and(Vec::is_empty)
}

/// Drops `null` members of objects: an unset field and an absent one mean the same
/// (`{"continent": null, "country": "JP"}` is `{"country": "JP"}` as AWS answers it).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            Value::Object(o.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k.clone(), without_nulls(x))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// One attribute in canonical form: sets sorted, nulls inside objects dropped, so equal
/// values compare equal.
pub fn normalize(kind: &str, attribute: &str, v: &Value) -> Value {
    // User data is compared by the fingerprint of its rendered document: the live side
    // has nothing else, and the template alone misses a changed secret.
    if (kind, attribute) == (instance::KIND, "user_data") && !v.is_null() {
        let ud: instance::UserData = serde_json::from_value(v.clone()).unwrap_or_default();
        return ud.fingerprint.map(Value::String).unwrap_or(Value::Null);
    }
    // A parameter's secret likewise, by its keyed fingerprint.
    if (kind, attribute) == (parameter::KIND, "value") && !v.is_null() {
        let sealed: parameter::Sealed = serde_json::from_value(v.clone()).unwrap_or_default();
        return sealed.fingerprint.map(Value::String).unwrap_or(Value::Null);
    }
    let v = &without_nulls(v);
    match v {
        Value::Array(items) if schema_of(kind).is_some_and(|s| s.is_set(attribute)) => {
            let mut items = items.clone();
            items.sort_by_cached_key(|x| x.to_string());
            items.dedup();
            Value::Array(items)
        }
        _ => v.clone(),
    }
}

/// Drops the tag keys the stack leaves alone (`ignore_tags`, and AWS's own `aws:*`) from a
/// live or desired resource, so they are never diffed and so never written or removed.
pub fn drop_ignored_tags(attributes: &mut Value, stack: &drove_compiler::model::StackInfo) {
    if let Some(tags) = attributes.get_mut("tags").and_then(Value::as_object_mut) {
        tags.retain(|k, _| !stack.ignores_tag(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drove_compiler::model::{hosted_zone, record_set, security_group_rules, subnet, vpc};
    use serde_json::json;

    #[test]
    fn sets_ignore_order_lists_do_not() {
        let a = normalize(record_set::KIND, "values", &json!(["b", "a"]));
        assert_eq!(a, json!(["a", "b"]));
        assert_eq!(normalize(vpc::KIND, "cidr", &json!(["b", "a"])), json!(["b", "a"]));
        assert!(forces_replacement(subnet::KIND, "cidr"));
        assert!(!forces_replacement(record_set::KIND, "ttl"));
        assert_eq!(
            normalize(record_set::KIND, "geolocation", &json!({"continent": null, "country": "JP"})),
            json!({"country": "JP"})
        );
    }

    #[test]
    fn null_egress_is_the_default_rule() {
        let mut a = json!({"group": "sg-1", "ingress": [], "egress": null});
        fill_defaults(security_group_rules::KIND, &mut a);
        assert_eq!(a["egress"][0]["cidr"], json!("0.0.0.0/0"));
        let mut z = json!({"comment": null});
        fill_defaults(hosted_zone::KIND, &mut z);
        assert_eq!(z["comment"], Value::Null);
    }

    #[test]
    fn user_data_compares_by_fingerprint() {
        let planned = json!({"cloud_config": "#cloud-config\n", "fingerprint": "hmac-sha256:ab"});
        assert_eq!(normalize(instance::KIND, "user_data", &planned), json!("hmac-sha256:ab"));
        assert_eq!(
            normalize(instance::KIND, "user_data", &json!({"fingerprint": "hmac-sha256:ab"})),
            json!("hmac-sha256:ab")
        );
    }
}
