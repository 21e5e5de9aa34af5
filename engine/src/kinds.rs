//! What the planner must know per resource kind: which attribute changes force a
//! replacement (AWS cannot change them in place), and which lists are sets (order does
//! not matter when comparing desired and live).

use serde_json::{json, Value};

pub const VPC: &str = "ec2.vpc";
pub const SUBNET: &str = "ec2.subnet";
pub const INTERNET_GATEWAY: &str = "ec2.internet_gateway";
pub const ROUTE_TABLE: &str = "ec2.route_table";
pub const ROUTE_TABLE_ASSOCIATION: &str = "ec2.route_table_association";
pub const SECURITY_GROUP: &str = "ec2.security_group";
pub const SECURITY_GROUP_RULES: &str = "ec2.security_group_rules";
pub const INSTANCE: &str = "ec2.instance";
pub const HOSTED_ZONE: &str = "route53.hosted_zone";
pub const RECORD_SET: &str = "route53.record_set";
pub const HEALTH_CHECK: &str = "route53.health_check";

pub const ALL: &[&str] = &[
    VPC,
    SUBNET,
    INTERNET_GATEWAY,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    SECURITY_GROUP,
    SECURITY_GROUP_RULES,
    INSTANCE,
    HOSTED_ZONE,
    RECORD_SET,
    HEALTH_CHECK,
];

/// Attributes whose change needs a new resource.
pub fn forces_replacement(kind: &str, attribute: &str) -> bool {
    let list: &[&str] = match kind {
        VPC => &["cidr"],
        SUBNET => &["vpc", "cidr", "availability_zone"],
        INTERNET_GATEWAY => &["vpc"],
        ROUTE_TABLE => &["vpc"],
        ROUTE_TABLE_ASSOCIATION => &["subnet"],
        SECURITY_GROUP => &["vpc", "name", "description"],
        SECURITY_GROUP_RULES => &["group"],
        INSTANCE => &[
            "image",
            "instance_type",
            "subnet",
            "private_ip",
            "associate_public_ip",
            "root_volume",
            "user_data",
            "imdsv2_required",
            "role",
        ],
        HOSTED_ZONE => &["name", "private_vpcs"],
        RECORD_SET => &["zone", "name", "type", "set_identifier"],
        HEALTH_CHECK => &["type", "request_interval"],
        _ => &[],
    };
    list.contains(&attribute)
}

/// Lists compared without regard to order.
fn is_set(kind: &str, attribute: &str) -> bool {
    matches!(
        (kind, attribute),
        (RECORD_SET, "values")
            | (INSTANCE, "security_groups")
            | (SECURITY_GROUP_RULES, "ingress")
            | (SECURITY_GROUP_RULES, "egress")
            | (ROUTE_TABLE, "routes")
            | (HOSTED_ZONE, "private_vpcs")
    )
}

/// Whether resources of this kind carry tags (and so can be found again by tag).
pub fn taggable(kind: &str) -> bool {
    matches!(kind, VPC | SUBNET | INTERNET_GATEWAY | ROUTE_TABLE | SECURITY_GROUP | INSTANCE | HOSTED_ZONE | HEALTH_CHECK)
}

/// What `null` stands for where it does not mean "leave unmanaged": a firewall without
/// `to` rules has AWS's default egress, the one rule every new group gets (all traffic to
/// anywhere over IPv4; drove's networks have no IPv6). Filling it in makes drove put that
/// rule back when the last `to` rule goes, and show drift when it is changed.
pub fn null_means(kind: &str, attribute: &str) -> Option<Value> {
    match (kind, attribute) {
        (SECURITY_GROUP_RULES, "egress") => Some(json!([{"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "0.0.0.0/0"}])),
        _ => None,
    }
}

/// The desired attributes with `null`s that stand for a value replaced by it.
pub fn fill_defaults(kind: &str, attributes: &mut Value) {
    if let Some(o) = attributes.as_object_mut() {
        for (name, v) in o.iter_mut() {
            if v.is_null() {
                if let Some(d) = null_means(kind, name) {
                    *v = d;
                }
            }
        }
    }
}

/// Drops `null` members of objects: an unset field and an absent one mean the same
/// (`{"continent": null, "country": "JP"}` is `{"country": "JP"}` as AWS answers it).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k.clone(), without_nulls(x))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// One attribute in canonical form: sets sorted, nulls inside objects dropped, so equal
/// values compare equal.
pub fn normalize(kind: &str, attribute: &str, v: &Value) -> Value {
    // User data is compared by the fingerprint of its rendered document: the live side
    // has nothing else, and the template alone misses a changed secret.
    if (kind, attribute) == (INSTANCE, "user_data") && !v.is_null() {
        return v.get("fingerprint").cloned().unwrap_or(Value::Null);
    }
    let v = &without_nulls(v);
    match v {
        Value::Array(items) if is_set(kind, attribute) => {
            let mut items = items.clone();
            items.sort_by_cached_key(|x| x.to_string());
            items.dedup();
            Value::Array(items)
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_ignore_order_lists_do_not() {
        let a = normalize(RECORD_SET, "values", &json!(["b", "a"]));
        assert_eq!(a, json!(["a", "b"]));
        assert_eq!(normalize(VPC, "cidr", &json!(["b", "a"])), json!(["b", "a"]));
        assert!(forces_replacement(SUBNET, "cidr"));
        assert!(!forces_replacement(RECORD_SET, "ttl"));
        assert_eq!(normalize(RECORD_SET, "geolocation", &json!({"continent": null, "country": "JP"})), json!({"country": "JP"}));
    }

    #[test]
    fn null_egress_is_the_default_rule() {
        let mut a = json!({"group": "sg-1", "ingress": [], "egress": null});
        fill_defaults(SECURITY_GROUP_RULES, &mut a);
        assert_eq!(a["egress"][0]["cidr"], json!("0.0.0.0/0"));
        let mut z = json!({"comment": null});
        fill_defaults(HOSTED_ZONE, &mut z);
        assert_eq!(z["comment"], Value::Null);
    }
}
