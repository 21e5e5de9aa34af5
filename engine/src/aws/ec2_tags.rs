//! EC2 tags as drove uses them: every resource it creates carries `drove:stack` and
//! `drove:address` from the create call on (TagSpecifications, so there is no moment
//! without them), those two find a resource again after a lost state, and they are
//! removed from the live view because they are drove's, not the model's.

use super::sdk_error;
use crate::error::Result;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const STACK_TAG: &str = "drove:stack";
pub const ADDRESS_TAG: &str = "drove:address";

/// The user's tags (the model's `tags` object) plus drove's two.
pub fn tags(stack: &str, address: &str, user: Option<&Value>) -> Vec<Tag> {
    let mut all: BTreeMap<String, String> = BTreeMap::new();
    if let Some(o) = user.and_then(Value::as_object) {
        for (k, v) in o {
            all.insert(k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    all.insert(STACK_TAG.into(), stack.into());
    all.insert(ADDRESS_TAG.into(), address.into());
    all.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The TagSpecification of a create call.
pub fn specification(resource: ResourceType, stack: &str, address: &str, user: Option<&Value>) -> TagSpecification {
    TagSpecification::builder().resource_type(resource).set_tags(Some(tags(stack, address, user))).build()
}

/// Filters for the resources of one stack, or of one address in it.
pub fn filters(stack: &str, address: Option<&str>) -> Vec<Filter> {
    let mut out = vec![Filter::builder().name(format!("tag:{STACK_TAG}")).values(stack).build()];
    if let Some(a) = address {
        out.push(Filter::builder().name(format!("tag:{ADDRESS_TAG}")).values(a).build());
    }
    out
}

/// The user's tags of a live resource, drove's own removed, as the model writes them.
pub fn user_tags(tags: &[Tag]) -> Value {
    let mut m = Map::new();
    for t in tags {
        if let Some(k) = t.key().filter(|k| !k.starts_with("drove:")) {
            m.insert(k.to_string(), json!(t.value().unwrap_or("")));
        }
    }
    Value::Object(m)
}

/// The value of one tag.
pub fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key() == Some(key)).and_then(|t| t.value())
}

/// Makes the user tags of `id` go from `before` to `after` (objects of strings): new and
/// changed keys written, dropped keys deleted. drove's own tags are written again, which
/// also repairs them if someone removed them.
pub async fn update(client: &Client, id: &str, stack: &str, address: &str, before: Option<&Value>, after: Option<&Value>) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let removed: Vec<Tag> = before
        .and_then(Value::as_object)
        .map(|o| {
            o.keys()
                .filter(|k| !k.starts_with("drove:") && after.and_then(|a| a.get(k.as_str())).is_none())
                .map(|k| Tag::builder().key(k).build())
                .collect()
        })
        .unwrap_or_default();
    if !removed.is_empty() {
        client
            .delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| sdk_error("ec2 DeleteTags", e))?;
    }
    client
        .create_tags()
        .resources(id)
        .set_tags(Some(tags(stack, address, after)))
        .send()
        .await
        .map_err(|e| sdk_error("ec2 CreateTags", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drove_tags_added_and_stripped() {
        let t = tags("shop", "network.main", Some(&json!({"Name": "main", "drove:stack": "other"})));
        assert_eq!(tag(&t, STACK_TAG), Some("shop"), "the stack tag cannot be overridden by the user's");
        assert_eq!(tag(&t, ADDRESS_TAG), Some("network.main"));
        assert_eq!(user_tags(&t), json!({"Name": "main"}));
        assert_eq!(filters("shop", Some("a")).len(), 2);
    }
}
