//! An in-memory cloud for unit tests of the planner and the apply walk. It keeps
//! resources by id, answers like the AWS provider does (ids, outputs, drove tags), counts
//! calls, and lets a test change things behind drove's back or make a call fail.

use super::{Change, Image, Known, Live, Operation, Provider, Wanted};
use crate::error::{codes, EngineError, Result};
use crate::kinds;
use async_trait::async_trait;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: String,
    pub address: String,
    pub attributes: Value,
    pub outputs: Map<String, Value>,
}

#[derive(Default)]
pub struct MemoryProvider {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    resources: BTreeMap<String, Entry>,
    images: Vec<Image>,
    fail: HashSet<String>,
    apply_calls: usize,
    /// `create ADDRESS`, `update ADDRESS`, `delete ADDRESS` per change, in call order.
    log: Vec<String>,
    /// Idempotency tokens of creates and what they created (EC2's ClientToken).
    tokens: BTreeMap<String, String>,
}

fn poisoned() -> EngineError {
    EngineError::new(codes::AWS_CALL, "the in-memory provider's lock was poisoned")
}

impl MemoryProvider {
    pub fn new() -> MemoryProvider {
        MemoryProvider::default()
    }

    pub fn add_image(&self, id: &str, name: &str, created: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.images.push(Image { id: id.into(), name: name.into(), created: created.into() });
        }
    }

    /// Makes every later apply of this address fail.
    pub fn fail_on(&self, address: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.fail.insert(address.into());
        }
    }

    /// Every change applied so far, `OPERATION ADDRESS`, in order.
    pub fn log(&self) -> Vec<String> {
        self.inner.lock().map(|g| g.log.clone()).unwrap_or_default()
    }

    pub fn apply_calls(&self) -> usize {
        self.inner.lock().map(|g| g.apply_calls).unwrap_or(0)
    }

    pub fn entries(&self) -> Vec<(String, Entry)> {
        self.inner.lock().map(|g| g.resources.clone().into_iter().collect()).unwrap_or_default()
    }

    pub fn id_of(&self, address: &str) -> Option<String> {
        self.entries().into_iter().find(|(_, e)| e.address == address).map(|(id, _)| id)
    }

    /// Changes one attribute behind drove's back.
    pub fn drift(&self, address: &str, attribute: &str, value: Value) {
        if let Ok(mut g) = self.inner.lock() {
            for e in g.resources.values_mut() {
                if e.address == address {
                    if let Some(o) = e.attributes.as_object_mut() {
                        o.insert(attribute.into(), value.clone());
                    }
                }
            }
        }
    }

    /// Deletes a resource behind drove's back.
    pub fn remove(&self, address: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.resources.retain(|_, e| e.address != address);
        }
    }

    fn live(id: &str, e: &Entry) -> Live {
        Live { id: id.to_string(), attributes: e.attributes.clone(), outputs: e.outputs.clone() }
    }
}

fn record_key(attrs: &Value) -> (String, String, String, String) {
    let s = |k: &str| attrs.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (s("zone"), s("name"), s("type"), s("set_identifier"))
}

fn outputs_for(kind: &str, id: &str, n: u64, attrs: &Value) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    match kind {
        kinds::INSTANCE => {
            o.insert("private_ip".into(), json!(format!("10.0.{}.{}", n / 250, n % 250 + 4)));
            if attrs.get("associate_public_ip") == Some(&json!(true)) {
                o.insert("public_ip".into(), json!(format!("198.51.100.{}", n % 250 + 1)));
            }
        }
        kinds::HOSTED_ZONE => {
            o.insert("name_servers".into(), json!(["ns-1.awsdns-01.org.", "ns-2.awsdns-02.net."]));
        }
        _ => {}
    }
    o
}

#[async_trait]
impl Provider for MemoryProvider {
    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(known.iter().map(|k| g.resources.get(&k.id).map(|e| Self::live(&k.id, e))).collect())
    }

    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(wanted
            .iter()
            .map(|w| {
                g.resources
                    .iter()
                    .find(|(_, e)| {
                        e.kind == w.kind
                            && if w.kind == kinds::RECORD_SET {
                                record_key(&e.attributes) == record_key(&w.attributes)
                            } else {
                                e.address == w.address
                            }
                    })
                    .map(|(id, e)| Self::live(id, e))
            })
            .collect())
    }

    async fn zone_records(&self, zone_id: &str) -> Result<Vec<Value>> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(g.resources
            .values()
            .filter(|e| e.kind == kinds::RECORD_SET && record_key(&e.attributes).0 == zone_id)
            .map(|e| e.attributes.clone())
            .collect())
    }

    async fn resolve_image(&self, pattern: &str, _owner: Option<&str>) -> Result<Image> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        g.images
            .iter()
            .filter(|i| super::glob_match(pattern, &i.name))
            .max_by(|a, b| a.created.cmp(&b.created))
            .cloned()
            .ok_or_else(|| EngineError::new(codes::NO_IMAGE, format!("no image matches `{pattern}`")))
    }

    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>> {
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        g.apply_calls += 1;
        if let Some(c) = changes.iter().find(|c| g.fail.contains(&c.address)) {
            return Err(EngineError::new(codes::AWS_CALL, format!("injected failure for {}", c.address)));
        }
        let mut out = Vec::with_capacity(changes.len());
        for c in changes {
            let verb = match c.operation {
                Operation::Create => "create",
                Operation::Update => "update",
                Operation::Delete => "delete",
            };
            g.log.push(format!("{verb} {}", c.address));
            let repeated = g.tokens.get(&c.token).filter(|id| g.resources.contains_key(*id)).cloned();
            match c.operation {
                // A retried create with the same token gets what the first one created.
                Operation::Create if repeated.is_some() && c.kind == kinds::INSTANCE => {
                    let id = repeated.unwrap_or_default();
                    out.push(g.resources.get(&id).map(|e| Self::live(&id, e)));
                }
                Operation::Create => {
                    g.next += 1;
                    let n = g.next;
                    let id = if c.kind == kinds::RECORD_SET {
                        let (z, name, t, s) = record_key(&c.after);
                        format!("{z}/{name}/{t}/{s}")
                    } else {
                        format!("{}-{n:04}", c.kind.rsplit('.').next().unwrap_or("r"))
                    };
                    let e = Entry {
                        kind: c.kind.clone(),
                        address: c.address.clone(),
                        attributes: c.after.clone(),
                        outputs: outputs_for(&c.kind, &id, n, &c.after),
                    };
                    out.push(Some(Self::live(&id, &e)));
                    g.tokens.insert(c.token.clone(), id.clone());
                    g.resources.insert(id, e);
                }
                Operation::Update => {
                    let id = c.id.clone().unwrap_or_default();
                    let e = g.resources.get_mut(&id).ok_or_else(|| {
                        EngineError::new(codes::AWS_CALL, format!("{} ({id}) does not exist", c.address))
                    })?;
                    e.attributes = c.after.clone();
                    out.push(Some(Self::live(&id, e)));
                }
                Operation::Delete => {
                    let id = c.id.clone().unwrap_or_default();
                    g.resources.remove(&id);
                    out.push(None);
                }
            }
        }
        Ok(out)
    }
}
