//! An in-memory cloud for unit tests of the planner and the apply walk. It keeps
//! resources by id, answers like the AWS provider does (ids, outputs, drove tags), counts
//! calls, and lets a test change things behind drove's back or make a call fail. With a
//! latency, calls overlap as they would against AWS, and it refuses, as Route53 does, a
//! change batch for a zone that already has one in flight. Commands run on its instances
//! (drain checks) answer from a script a test gives, as SSM Run Command would.

use super::{Change, HostCommand, HostOutcome, Image, Known, Live, Operation, Provider, Wanted, ZoneRecord};
use crate::error::{codes, EngineError, Result};
use async_trait::async_trait;
use drove_compiler::model::{
    elastic_ip, hosted_zone, instance, instance_role, parameter, record_set, Instance, InstanceRole, Parameter,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: String,
    pub address: String,
    pub attributes: Value,
    pub outputs: Map<String, Value>,
    /// The lineage its `drove:lineage` tag would name (kinds that take tags).
    pub owner: Option<String>,
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
    /// Issued certificates by the domain they cover, for `resolve_certificate`.
    certificates: HashMap<String, String>,
    /// Instance types withdrawn from an availability zone; every other type is offered
    /// everywhere.
    withdrawn: HashSet<(String, String)>,
    fail: HashSet<String>,
    apply_calls: usize,
    /// `create ADDRESS`, `update ADDRESS`, `delete ADDRESS` per change, in call order.
    log: Vec<String>,
    /// Idempotency tokens of creates and what they created (EC2's ClientToken).
    tokens: BTreeMap<String, String>,
    /// How long each apply call takes.
    latency: Duration,
    /// Calls in flight, in all and per zone of a record batch; the most seen of each.
    in_flight: usize,
    most_in_flight: usize,
    zone_batches: HashMap<String, usize>,
    most_zone_batches: usize,
    /// Commands run on instances (drain checks), in order.
    host_commands: Vec<HostCommand>,
    /// What the next runs on an instance (by id or address) answer, in order; once used
    /// up, a run on a live instance exits 0.
    host_scripts: HashMap<String, VecDeque<HostOutcome>>,
    /// While set, every run on an instance exits 1 (`busy`).
    hosts_busy: bool,
    /// Instances SSM does not reach (by id).
    unreachable: HashSet<String>,
}

fn poisoned() -> EngineError {
    EngineError::new(codes::AWS_CALL, "the in-memory provider's lock was poisoned")
}

impl MemoryProvider {
    pub fn new() -> MemoryProvider {
        MemoryProvider::default()
    }

    /// An issued certificate covering `domain`.
    pub fn add_certificate(&self, domain: &str, arn: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.certificates.insert(domain.to_string(), arn.to_string());
        }
    }

    pub fn add_image(&self, id: &str, name: &str, created: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.images.push(Image::new(id, name, created));
        }
    }

    /// An image with everything a test sets (architecture, root snapshot size).
    pub fn add_full_image(&self, image: Image) {
        if let Ok(mut g) = self.inner.lock() {
            g.images.push(image);
        }
    }

    /// Makes `instance_type` not offered in the availability zone `zone`.
    pub fn withdraw_type(&self, zone: &str, instance_type: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.withdrawn.insert((zone.into(), instance_type.into()));
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

    /// Makes every later apply call take this long, so calls overlap.
    pub fn set_latency(&self, latency: Duration) {
        if let Ok(mut g) = self.inner.lock() {
            g.latency = latency;
        }
    }

    /// The most apply calls that were in flight at once.
    pub fn most_calls_at_once(&self) -> usize {
        self.inner.lock().map(|g| g.most_in_flight).unwrap_or(0)
    }

    /// The most change batches one zone had in flight at once (Route53 allows one).
    pub fn most_batches_of_a_zone_at_once(&self) -> usize {
        self.inner.lock().map(|g| g.most_zone_batches).unwrap_or(0)
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

    /// Sets or removes a resource's lineage tag behind drove's back.
    pub fn set_owner(&self, address: &str, owner: Option<&str>) {
        if let Ok(mut g) = self.inner.lock() {
            for e in g.resources.values_mut().filter(|e| e.address == address) {
                e.owner = owner.map(str::to_string);
            }
        }
    }

    /// A record set created by another system (a person in the console, external-dns):
    /// in its zone's listing, in no state. Returns its id.
    pub fn put_foreign_record(&self, set: &drove_compiler::model::RecordSet) -> String {
        let attributes = super::attributes(set);
        let (z, name, t, s) = record_key(&attributes);
        let id = format!("{z}/{name}/{t}/{s}");
        if let Ok(mut g) = self.inner.lock() {
            let entry = Entry {
                kind: record_set::KIND.into(),
                address: String::new(),
                attributes,
                outputs: Map::new(),
                owner: None,
            };
            g.resources.insert(id.clone(), entry);
        }
        id
    }

    /// Deletes a resource behind drove's back.
    pub fn remove(&self, address: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.resources.retain(|_, e| e.address != address);
        }
    }

    /// An instance at `address` created behind drove's back (for tests of commands run on
    /// hosts); returns its id.
    pub fn add_instance(&self, address: &str) -> String {
        let Ok(mut g) = self.inner.lock() else { return String::new() };
        g.next += 1;
        let id = format!("instance-{:04}", g.next);
        let entry = Entry {
            kind: instance::KIND.into(),
            address: address.into(),
            attributes: Value::Null,
            outputs: Map::new(),
            owner: None,
        };
        g.resources.insert(id.clone(), entry);
        id
    }

    /// What the next commands run on the instance `key` (its id or its address) answer,
    /// one outcome per run; the script replaces an earlier one.
    pub fn script_host(&self, key: &str, outcomes: Vec<HostOutcome>) {
        if let Ok(mut g) = self.inner.lock() {
            g.host_scripts.insert(key.into(), outcomes.into());
        }
    }

    /// While `busy`, every command run on an instance exits 1 (a drain that cannot pass).
    pub fn set_hosts_busy(&self, busy: bool) {
        if let Ok(mut g) = self.inner.lock() {
            g.hosts_busy = busy;
        }
    }

    /// Makes the instance with this id one SSM does not reach.
    pub fn make_unreachable(&self, id: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.unreachable.insert(id.into());
        }
    }

    /// Every command run on an instance so far, in order.
    pub fn host_commands(&self) -> Vec<HostCommand> {
        self.inner.lock().map(|g| g.host_commands.clone()).unwrap_or_default()
    }

    fn live(id: &str, e: &Entry) -> Live {
        Live::new(id, e.attributes.clone(), e.outputs.clone()).owned_by(e.owner.clone())
    }
}

/// Zone, name, type and set identifier of a record set; empty for anything else.
fn record_key(attrs: &Value) -> (String, String, String, String) {
    let Some(set) = super::record_set(attrs) else { return Default::default() };
    let zone = set.zone.text().unwrap_or_default().to_string();
    (zone, set.name, set.rtype, set.routing.set_identifier.unwrap_or_default())
}

fn outputs_for(kind: &str, id: &str, n: u64, attrs: &Value) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    match kind {
        instance::KIND => {
            o.insert("private_ip".into(), json!(format!("10.0.{}.{}", n / 250, n % 250 + 4)));
            let public = serde_json::from_value::<Instance>(attrs.clone()).is_ok_and(|i| i.associate_public_ip);
            if public {
                o.insert("public_ip".into(), json!(format!("198.51.100.{}", n % 250 + 1)));
            }
        }
        hosted_zone::KIND => {
            o.insert("name_servers".into(), json!(["ns-1.awsdns-01.org.", "ns-2.awsdns-02.net."]));
        }
        elastic_ip::KIND => {
            o.insert("public_ip".into(), json!(format!("203.0.113.{}", n % 250 + 1)));
        }
        parameter::KIND => {
            let name = serde_json::from_value::<Parameter>(attrs.clone()).map_or_else(|_| id.to_string(), |p| p.name);
            o.insert("arn".into(), json!(format!("arn:aws:ssm:ap-northeast-1:123456789012:parameter{name}")));
            o.insert("version".into(), json!(1));
        }
        instance_role::KIND => {
            let name =
                serde_json::from_value::<InstanceRole>(attrs.clone()).map_or_else(|_| id.to_string(), |r| r.name);
            o.insert("arn".into(), json!(format!("arn:aws:iam::123456789012:role/{name}")));
            o.insert("profile_arn".into(), json!(format!("arn:aws:iam::123456789012:instance-profile/{name}")));
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
                            && if w.kind == record_set::KIND {
                                record_key(&e.attributes) == record_key(&w.attributes)
                            } else {
                                e.address == w.address
                            }
                    })
                    .map(|(id, e)| Self::live(id, e))
            })
            .collect())
    }

    async fn zone_records(&self, zone_id: &str) -> Result<Vec<ZoneRecord>> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(g.resources
            .iter()
            .filter(|(_, e)| e.kind == record_set::KIND && record_key(&e.attributes).0 == zone_id)
            .filter_map(|(id, e)| Some(ZoneRecord { id: id.clone(), set: super::record_set(&e.attributes)? }))
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

    async fn resolve_certificate(&self, domain: &str) -> Result<String> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        g.certificates.get(domain).cloned().ok_or_else(|| {
            EngineError::new(
                codes::NO_CERTIFICATE,
                format!("no issued ACM certificate in this region covers `{domain}`"),
            )
        })
    }

    async fn offered_types(&self, zone: &str, types: &[String]) -> Result<BTreeSet<String>> {
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(types.iter().filter(|t| !g.withdrawn.contains(&(zone.to_string(), t.to_string()))).cloned().collect())
    }

    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>> {
        let zone = batch_zone(changes)?;
        let latency = {
            let mut g = self.inner.lock().map_err(|_| poisoned())?;
            if let Some(z) = &zone {
                let n = g.zone_batches.get(z).copied().unwrap_or(0) + 1;
                g.most_zone_batches = g.most_zone_batches.max(n);
                if n > 1 {
                    g.apply_calls += 1;
                    return Err(EngineError::new(
                        codes::AWS_CALL,
                        format!("PriorRequestNotComplete: zone {z} has a change batch in flight"),
                    ));
                }
                g.zone_batches.insert(z.clone(), n);
            }
            g.in_flight += 1;
            g.most_in_flight = g.most_in_flight.max(g.in_flight);
            g.latency
        };
        // Counted out even when the caller drops the call half way (a killed run).
        let _flight = InFlight { inner: &self.inner, zone };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        apply_now(&mut g, changes)
    }

    /// As SSM Run Command answers: an instance that does not exist (or was made
    /// unreachable) is not a managed instance; otherwise the script's next outcome.
    async fn run_on_host(&self, cmd: &HostCommand) -> Result<HostOutcome> {
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        g.host_commands.push(cmd.clone());
        let address = match g.resources.get(&cmd.instance_id) {
            Some(e) if e.kind == instance::KIND && !g.unreachable.contains(&cmd.instance_id) => e.address.clone(),
            _ => {
                return Ok(HostOutcome::Unreachable {
                    why: format!("{} is not a managed instance (SendCommand: InvalidInstanceId)", cmd.instance_id),
                })
            }
        };
        for key in [&cmd.instance_id, &address] {
            if let Some(next) = g.host_scripts.get_mut(key).and_then(VecDeque::pop_front) {
                return Ok(next);
            }
        }
        Ok(if g.hosts_busy {
            HostOutcome::Exited { status: 1, output: "busy".into() }
        } else {
            HostOutcome::Exited { status: 0, output: String::new() }
        })
    }
}

/// A call in flight, counted out when it ends.
struct InFlight<'a> {
    inner: &'a Mutex<Inner>,
    zone: Option<String>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut g) = self.inner.lock() {
            g.in_flight -= 1;
            if let Some(z) = &self.zone {
                g.zone_batches.remove(z);
            }
        }
    }
}

/// The zone of a batch of record sets (`None` for another kind); a batch mixing zones is
/// refused, as Route53's ChangeResourceRecordSets takes one zone.
fn batch_zone(changes: &[Change]) -> Result<Option<String>> {
    let zone_of = |c: &Change| {
        super::record_zone(if c.operation == Operation::Delete { &c.before } else { &c.after }).unwrap_or_default()
    };
    let Some(first) = changes.first().filter(|c| c.kind == record_set::KIND) else { return Ok(None) };
    let zone = zone_of(first);
    if changes.iter().any(|c| zone_of(c) != zone) {
        return Err(EngineError::new(codes::INVALID_CHANGE, "one change batch may hold the records of one zone only"));
    }
    Ok(Some(zone))
}

fn tagged(kind: &str) -> bool {
    drove_compiler::model::schema_of(kind).is_some_and(|s| s.tagged)
}

/// One apply call's work, all at once.
fn apply_now(g: &mut Inner, changes: &[Change]) -> Result<Vec<Option<Live>>> {
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
            Operation::Create if repeated.is_some() && c.kind == instance::KIND => {
                let id = repeated.unwrap_or_default();
                out.push(g.resources.get(&id).map(|e| MemoryProvider::live(&id, e)));
            }
            Operation::Create => {
                g.next += 1;
                let n = g.next;
                let id = if c.kind == record_set::KIND {
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
                    owner: tagged(&c.kind).then(|| c.lineage.clone()),
                };
                out.push(Some(MemoryProvider::live(&id, &e)));
                g.tokens.insert(c.token.clone(), id.clone());
                g.resources.insert(id, e);
            }
            Operation::Update => {
                let id = c.id.clone().unwrap_or_default();
                let e = g
                    .resources
                    .get_mut(&id)
                    .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{} ({id}) does not exist", c.address)))?;
                e.attributes = c.after.clone();
                if tagged(&c.kind) {
                    e.owner = Some(c.lineage.clone());
                }
                out.push(Some(MemoryProvider::live(&id, e)));
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
