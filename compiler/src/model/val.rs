//! `Val<T>`: an attribute that is either a literal or something only the engine can fill
//! in: a reference to another resource's attribute, a secret, or (in a plan) a value known
//! only after apply. The JSON forms are the model's edge format and must not change:
//! `{"ref": ADDRESS, "attribute": NAME}`, `{"ref", "attribute", "unknown": true}` and
//! `{"secret": NAME}`; a literal is written as itself.

use serde::de::{self, IntoDeserializer};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// `{"ref": address, "attribute": name}`, with `"unknown": true` once the planner knows
/// the target is still to be created.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    #[serde(rename = "ref")]
    pub address: String,
    pub attribute: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    /// The used stack the address is in (its path in the repository), whose state the
    /// plan reads the value from; absent for this stack's own resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

impl Ref {
    pub fn new(address: impl Into<String>, attribute: impl Into<String>) -> Ref {
        Ref { address: address.into(), attribute: attribute.into(), unknown: false, stack: None }
    }

    /// An attribute of a resource of another stack (`stack` is its repository path).
    pub fn across(stack: Option<&str>, address: impl Into<String>, attribute: impl Into<String>) -> Ref {
        Ref { stack: stack.map(str::to_string), ..Ref::new(address, attribute) }
    }

    /// The `id` of the resource at `address`: how most resources point at each other.
    pub fn id(address: impl Into<String>) -> Ref {
        Ref::new(address, "id")
    }
}

/// `{"secret": name}`: a value that is never in clear in the model, the plan or the state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub secret: String,
}

/// The variants are tried in this order when read back, so a literal that is itself an
/// object (a geolocation, an image) is never taken for a reference: those need the `ref`
/// or `secret` key and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Val<T> {
    Ref(Ref),
    Secret(SecretRef),
    Lit(T),
}

/// A `Val` written as an object or a list, read by trying the variants in order.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written<T> {
    Ref(Ref),
    Secret(SecretRef),
    Lit(T),
}

impl<T> From<Written<T>> for Val<T> {
    fn from(w: Written<T>) -> Val<T> {
        match w {
            Written::Ref(r) => Val::Ref(r),
            Written::Secret(s) => Val::Secret(s),
            Written::Lit(v) => Val::Lit(v),
        }
    }
}

// A string, number or boolean can only be a literal: it is read as one straight away.
// Trying it as a reference first (what an untagged enum does) built and formatted an
// error for every literal of a state, most of reading a large zone's.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Val<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor(PhantomData))
    }
}

struct ValVisitor<T>(PhantomData<T>);

impl<T> ValVisitor<T> {
    fn lit<'de, D: de::Deserializer<'de, Error = E>, E: de::Error>(d: D) -> Result<Val<T>, E>
    where
        T: Deserialize<'de>,
    {
        T::deserialize(d).map(Val::Lit)
    }
}

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for ValVisitor<T> {
    type Value = Val<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value, a `ref` or a `secret`")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<T>, E> {
        Self::lit(de::value::BorrowedStrDeserializer::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Val<T>, E> {
        Self::lit(v.into_deserializer())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Val<T>, E> {
        Self::lit(().into_deserializer())
    }

    fn visit_none<E: de::Error>(self) -> Result<Val<T>, E> {
        Self::lit(().into_deserializer())
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Val<T>, A::Error> {
        let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Written::deserialize(v).map(Val::from).map_err(de::Error::custom)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Val<T>, A::Error> {
        let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Written::deserialize(v).map(Val::from).map_err(de::Error::custom)
    }
}

impl<T> Val<T> {
    pub fn reference(address: impl Into<String>, attribute: impl Into<String>) -> Val<T> {
        Val::Ref(Ref::new(address, attribute))
    }

    /// The `id` of the resource at `address`.
    pub fn id_of(address: impl Into<String>) -> Val<T> {
        Val::Ref(Ref::id(address))
    }

    /// An attribute of a resource of this stack (`stack` is `None`) or a used one.
    pub fn across(stack: Option<&str>, address: impl Into<String>, attribute: impl Into<String>) -> Val<T> {
        Val::Ref(Ref::across(stack, address, attribute))
    }

    /// The literal, once every reference has been resolved (apply time).
    pub fn lit(&self) -> Option<&T> {
        match self {
            Val::Lit(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<&Ref> {
        match self {
            Val::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Known only after apply: a reference the planner marked unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Ref(r) if r.unknown)
    }
}

impl<T> From<T> for Val<T> {
    fn from(v: T) -> Val<T> {
        Val::Lit(v)
    }
}

impl Val<String> {
    /// The resolved text, or `None` while it is still a reference (a provider only sees
    /// resolved values, so `None` there is a bug in the planner, not in the input).
    pub fn text(&self) -> Option<&str> {
        self.lit().map(String::as_str)
    }
}

/// For fields AWS may report as missing on the live side: `null` reads as the default.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Geo {
        country: Option<String>,
    }

    #[test]
    fn json_forms_round_trip() {
        let r: Val<String> = Val::id_of("network.main");
        assert_eq!(serde_json::to_value(&r).unwrap(), json!({"ref": "network.main", "attribute": "id"}));
        let unknown = json!({"ref": "hosts.a[0]", "attribute": "public_ip", "unknown": true});
        let u: Val<String> = serde_json::from_value(unknown.clone()).unwrap();
        assert!(u.is_unknown());
        assert_eq!(serde_json::to_value(&u).unwrap(), unknown);
        let s: Val<String> = serde_json::from_value(json!({"secret": "db"})).unwrap();
        assert_eq!(s, Val::Secret(SecretRef { secret: "db".into() }));
        let l: Val<String> = serde_json::from_value(json!("vpc-1")).unwrap();
        assert_eq!(l.text(), Some("vpc-1"));
        let g: Val<Geo> = serde_json::from_value(json!({"country": "JP"})).unwrap();
        assert_eq!(g, Val::Lit(Geo { country: Some("JP".into()) }));
    }
}
