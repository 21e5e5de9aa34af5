//! EC2 tags as drove uses them: every resource it creates carries `drove:stack`,
//! `drove:address` and `drove:lineage` from the create call on (TagSpecifications, so
//! there is no moment without them). The first two find a resource again after a lost
//! state; the lineage says which state owns it, so a copy of the stack with another state
//! never takes it (`docs/state.md`). They are removed from the live view because they are
//! drove's, not the model's.

use super::sdk_error;
use crate::error::Result;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use drove_compiler::model::Tags;
use std::collections::BTreeMap;

pub const STACK_TAG: &str = "drove:stack";
pub const ADDRESS_TAG: &str = "drove:address";
pub const LINEAGE_TAG: &str = "drove:lineage";

/// Who a resource belongs to: the three tags drove writes on it.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub stack: &'a str,
    pub address: &'a str,
    pub lineage: &'a str,
    /// Write the tags even when the user's tags do not change.
    pub claim: bool,
}

impl<'a> Owner<'a> {
    pub fn of(stack: &'a str, c: &'a crate::provider::Change) -> Owner<'a> {
        Owner { stack, address: &c.address, lineage: &c.lineage, claim: c.claim }
    }

    /// drove's own tags, as key and value.
    pub fn pairs(&self) -> [(&'static str, &'a str); 3] {
        [(STACK_TAG, self.stack), (ADDRESS_TAG, self.address), (LINEAGE_TAG, self.lineage)]
    }

    /// The user's tags (the model's `tags`) plus drove's own, which a user tag of the same
    /// key cannot override, in key order: what every service's create or tag call writes.
    pub fn with<'t>(&self, user: Option<&'t Tags>) -> BTreeMap<&'t str, &'t str>
    where
        'a: 't,
    {
        let mut all: BTreeMap<&str, &str> = user.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend(self.pairs());
        all
    }
}

/// The user's tags (the model's `tags`) plus drove's own.
pub fn tags(owner: &Owner, user: Option<&Tags>) -> Vec<Tag> {
    owner.with(user).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The TagSpecification of a create call.
pub fn specification(resource: ResourceType, owner: &Owner, user: Option<&Tags>) -> TagSpecification {
    TagSpecification::builder().resource_type(resource).set_tags(Some(tags(owner, user))).build()
}

/// The lineage a live resource's tags name, if any.
pub fn owner(tags: &[Tag]) -> Option<String> {
    tag(tags, LINEAGE_TAG).map(str::to_string)
}

/// Filters for the resources of one stack, or of one address in it.
pub fn filters(stack: &str, address: Option<&str>) -> Vec<Filter> {
    let mut out = vec![Filter::builder().name(format!("tag:{STACK_TAG}")).values(stack).build()];
    if let Some(a) = address {
        out.push(Filter::builder().name(format!("tag:{ADDRESS_TAG}")).values(a).build());
    }
    out
}

/// Whether a resource's tags say it is `address` of `stack`. The filters ask EC2 for
/// exactly that, but moto ignores tag filters on NAT gateways and addresses, so what comes
/// back is checked again.
pub fn is_of(tags: &[Tag], stack: &str, address: &str) -> bool {
    tag(tags, STACK_TAG) == Some(stack) && tag(tags, ADDRESS_TAG) == Some(address)
}

/// The user's tags of a live resource, drove's own removed, as the model writes them.
pub fn user_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| {
            t.key().filter(|k| !k.starts_with("drove:")).map(|k| (k.to_string(), t.value().unwrap_or("").to_string()))
        })
        .collect()
}

/// The value of one tag.
pub fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key() == Some(key)).and_then(|t| t.value())
}

/// Makes the user tags of `id` go from `before` to `after`: new and
/// changed keys written, dropped keys deleted. drove's own tags are written again, which
/// also repairs them if someone removed them, and is all a claim does.
pub async fn update(
    client: &Client,
    id: &str,
    owner: &Owner<'_>,
    before: Option<&Tags>,
    after: Option<&Tags>,
) -> Result<()> {
    if before == after && !owner.claim {
        return Ok(());
    }
    let removed: Vec<Tag> = before
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| !k.starts_with("drove:") && !after.is_some_and(|a| a.contains_key(k.as_str())))
        .map(|k| Tag::builder().key(k).build())
        .collect();
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
        .set_tags(Some(tags(owner, after)))
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
        let user: Tags = [("Name", "main"), ("drove:stack", "other")].map(|(k, v)| (k.into(), v.into())).into();
        let who = Owner { stack: "shop", address: "network.main", lineage: "0123abcd", claim: false };
        let t = tags(&who, Some(&user));
        assert_eq!(tag(&t, STACK_TAG), Some("shop"), "the stack tag cannot be overridden by the user's");
        assert_eq!(tag(&t, ADDRESS_TAG), Some("network.main"));
        assert_eq!(owner(&t).as_deref(), Some("0123abcd"));
        assert_eq!(user_tags(&t), Tags::from([("Name".to_string(), "main".to_string())]));
        assert_eq!(filters("shop", Some("a")).len(), 2);
    }
}
