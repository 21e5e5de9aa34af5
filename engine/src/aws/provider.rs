//! The AWS provider: the `Provider` trait over the SDK clients. Zone listings made
//! during refresh are kept until the next refresh, so refresh, re-adoption and the
//! checks AWS makes cost one listing per zone.

use super::ec2_network::{self as net, Ctx};
use super::ec2_instance;
use super::route53;
use crate::error::{codes, EngineError, Result};
use crate::kinds;
use crate::provider::{Change, Image, Known, Live, Operation, Provider, Wanted};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use futures::stream::{self, StreamExt, TryStreamExt};
use tokio::sync::Mutex;

/// A zone's record sets as listed, indexed by record id: a refresh looks up every record
/// of the state in it, so a scan per lookup would make a plan quadratic in the zone's size.
/// How many lookups a refresh or a re-adoption has in flight at once. Each is one
/// Describe/Get call (a zone is listed once, whoever asks first), so a plan of a large
/// stack pays its network latency about a tenth as many times; ten matches the apply's
/// default parallelism and stays far below EC2's and Route53's request rates.
const LOOKUPS: usize = 10;

struct Listing {
    records: Vec<Value>,
    by_id: HashMap<String, usize>,
}

pub struct AwsProvider {
    route53: aws_sdk_route53::Client,
    ec2: aws_sdk_ec2::Client,
    stack: String,
    region: String,
    zones: Mutex<HashMap<String, Arc<Listing>>>,
    /// Renders and fingerprints instances' user data; without it refresh keeps the
    /// state's fingerprint and a create with user data fails.
    user_data: Option<Arc<crate::userdata::UserData>>,
}

impl AwsProvider {
    pub fn new(conf: &aws_config::SdkConfig, stack: &str, region: &str) -> AwsProvider {
        AwsProvider {
            route53: aws_sdk_route53::Client::new(conf),
            ec2: aws_sdk_ec2::Client::new(conf),
            stack: stack.into(),
            region: region.into(),
            zones: Mutex::new(HashMap::new()),
            user_data: None,
        }
    }

    pub fn with_user_data(mut self, user_data: Arc<crate::userdata::UserData>) -> AwsProvider {
        self.user_data = Some(user_data);
        self
    }

    async fn zone_listing(&self, zone: &str) -> Result<Arc<Listing>> {
        let mut cache = self.zones.lock().await;
        if let Some(v) = cache.get(zone) {
            return Ok(v.clone());
        }
        let records = match route53::list_zone(&self.route53, zone).await {
            Ok(l) => l,
            // A zone deleted behind drove's back has no records.
            Err(e) if e.message.contains("NoSuchHostedZone") => Vec::new(),
            Err(e) => return Err(e),
        };
        let by_id = records.iter().enumerate().map(|(i, r)| (route53::record_id(zone, r), i)).collect();
        let listing = Arc::new(Listing { records, by_id });
        cache.insert(zone.to_string(), listing.clone());
        Ok(listing)
    }

    /// The live view of one known resource (instances were read beforehand, all at once).
    async fn refresh_one(&self, k: &Known, instances: &HashMap<String, Live>) -> Result<Option<Live>> {
        Ok(match k.kind.as_str() {
            kinds::INSTANCE => instances.get(&k.id).cloned().map(|mut live| {
                // Without a renderer the fingerprint cannot be recomputed: keep the state's.
                if self.user_data.is_none() {
                    if let (Some(o), Some(ud)) = (live.attributes.as_object_mut(), k.attributes.get("user_data")) {
                        o.insert("user_data".into(), ud.clone());
                    }
                }
                live
            }),
            kinds::HOSTED_ZONE => route53::read_zone(&self.route53, &k.id, &self.region).await?,
            kinds::RECORD_SET => self.find_record(&k.attributes).await?,
            kinds::HEALTH_CHECK => route53::read_health_check(&self.route53, &k.id).await?.map(|x| x.0),
            kind if is_network(kind) => self.read_network(kind, &k.id).await?,
            other => return Err(unsupported(&k.address, other)),
        })
    }

    /// The resource created earlier for one wanted address, if any (instances were found
    /// beforehand, all at once).
    async fn adopt_one(&self, w: &Wanted, instances: &HashMap<String, Live>) -> Result<Option<Live>> {
        Ok(match w.kind.as_str() {
            kinds::INSTANCE => instances.get(&w.address).cloned(),
            kinds::HOSTED_ZONE => {
                let name = w.attributes.get("name").and_then(Value::as_str).unwrap_or("");
                route53::find_zone(&self.route53, name, &self.stack, &w.address, &self.region).await?
            }
            kinds::RECORD_SET => self.find_record(&w.attributes).await?,
            kinds::HEALTH_CHECK => route53::find_health_check(&self.route53, &self.stack, &w.address).await?,
            kind if is_network(kind) => self.find_network(kind, &w.address).await?,
            _ => None,
        })
    }

    /// AWS refuses to delete a zone that still holds records (moto does not): say which
    /// ones, since drove never deletes records it does not manage.
    async fn refuse_non_empty_zone(&self, c: &Change, id: &str) -> Result<()> {
        self.zones.lock().await.remove(id);
        let apex = c.before.get("name").and_then(Value::as_str).unwrap_or("");
        let left: Vec<String> = self
            .zone_listing(id)
            .await?
            .records
            .iter()
            .filter(|r| {
                let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
                let name = r.get("name").and_then(Value::as_str).unwrap_or("");
                !(name == apex && (ty == "NS" || ty == "SOA"))
            })
            .map(|r| format!("{} {}", r.get("name").and_then(Value::as_str).unwrap_or(""), r.get("type").and_then(Value::as_str).unwrap_or("")))
            .collect();
        if left.is_empty() {
            return Ok(());
        }
        Err(EngineError::new(
            codes::INVALID_CHANGE,
            format!("{} still holds records drove does not manage ({}); a zone with records cannot be deleted", c.address, left.join(", ")),
        )
        .with_help("delete those records first, or declare them so drove manages them"))
    }

    async fn find_record(&self, attrs: &Value) -> Result<Option<Live>> {
        let Some(zone) = attrs.get("zone").and_then(Value::as_str) else { return Ok(None) };
        let want = route53::record_id(zone, attrs);
        let listing = self.zone_listing(zone).await?;
        Ok(listing.by_id.get(&want).and_then(|&i| listing.records.get(i)).map(|r| {
            let mut outputs = Map::new();
            outputs.insert("fqdn".into(), r.get("name").cloned().unwrap_or(Value::Null));
            Live { id: want.clone(), attributes: r.clone(), outputs }
        }))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn supports(&self, kind: &str) -> bool {
        matches!(kind, kinds::HOSTED_ZONE | kinds::RECORD_SET | kinds::HEALTH_CHECK | kinds::INSTANCE) || is_network(kind)
    }

    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>> {
        // A refresh starts a plan: listings from an earlier plan are stale.
        self.zones.lock().await.clear();
        let instance_ids: Vec<String> = known.iter().filter(|k| k.kind == kinds::INSTANCE).map(|k| k.id.clone()).collect();
        let instances = ec2_instance::read(&self.ec2, &instance_ids, self.user_data.as_deref()).await?;
        let lookups: Vec<_> = known.iter().map(|k| self.refresh_one(k, &instances)).collect();
        stream::iter(lookups).buffered(LOOKUPS).try_collect().await
    }

    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>> {
        let instances = if wanted.iter().any(|w| w.kind == kinds::INSTANCE) {
            ec2_instance::find_by_address(&self.ec2, &self.stack, self.user_data.as_deref()).await?
        } else {
            HashMap::new()
        };
        let lookups: Vec<_> = wanted.iter().map(|w| self.adopt_one(w, &instances)).collect();
        stream::iter(lookups).buffered(LOOKUPS).try_collect().await
    }

    async fn zone_records(&self, zone_id: &str) -> Result<Vec<Value>> {
        Ok(self.zone_listing(zone_id).await?.records.clone())
    }

    async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> Result<Image> {
        ec2_instance::resolve_image(&self.ec2, pattern, owner).await
    }

    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>> {
        let Some(first) = changes.first() else { return Ok(vec![]) };
        if first.kind == kinds::RECORD_SET {
            let mut by_zone: BTreeMap<String, Vec<Change>> = BTreeMap::new();
            for c in changes {
                let body = if c.operation == Operation::Delete { &c.before } else { &c.after };
                let zone = body.get("zone").and_then(Value::as_str).unwrap_or("").to_string();
                by_zone.entry(zone).or_default().push(c.clone());
            }
            if by_zone.len() > 1 {
                return Err(EngineError::new(codes::INVALID_CHANGE, "one change batch may hold the records of one zone only"));
            }
            let mut out = Vec::new();
            for (zone, cs) in by_zone {
                self.zones.lock().await.remove(&zone);
                out.extend(route53::change_records(&self.route53, &zone, &cs).await?);
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        for c in changes {
            let id = c.id.clone().unwrap_or_default();
            out.push(match (c.kind.as_str(), c.operation) {
                (kinds::HOSTED_ZONE, Operation::Create) => Some(route53::create_zone(&self.route53, c, &self.stack, &self.region, &c.token).await?),
                (kinds::HOSTED_ZONE, Operation::Update) => Some(route53::update_zone(&self.route53, c, &self.stack, &self.region).await?),
                (kinds::HOSTED_ZONE, Operation::Delete) => {
                    self.refuse_non_empty_zone(c, &id).await?;
                    route53::delete_zone(&self.route53, &id).await?;
                    None
                }
                (kinds::HEALTH_CHECK, Operation::Create) => Some(route53::create_health_check(&self.route53, c, &self.stack, &c.token).await?),
                (kinds::HEALTH_CHECK, Operation::Update) => Some(route53::update_health_check(&self.route53, c).await?),
                (kinds::HEALTH_CHECK, Operation::Delete) => {
                    route53::delete_health_check(&self.route53, &id).await?;
                    None
                }
                (kinds::INSTANCE, Operation::Create) => Some(ec2_instance::create(&self.ec2, c, &self.stack, self.user_data.as_deref()).await?),
                (kinds::INSTANCE, Operation::Update) => Some(ec2_instance::update(&self.ec2, c, &self.stack, self.user_data.as_deref()).await?),
                (kinds::INSTANCE, Operation::Delete) => {
                    ec2_instance::terminate(&self.ec2, &id).await?;
                    None
                }
                (kind, op) if is_network(kind) => self.apply_network(kind, op, c, &id).await?,
                (other, _) => return Err(unsupported(&c.address, other)),
            });
        }
        Ok(out)
    }
}

/// The EC2 networking kinds (`ec2_network`).
fn is_network(kind: &str) -> bool {
    matches!(
        kind,
        kinds::VPC
            | kinds::SUBNET
            | kinds::INTERNET_GATEWAY
            | kinds::ROUTE_TABLE
            | kinds::ROUTE_TABLE_ASSOCIATION
            | kinds::SECURITY_GROUP
            | kinds::SECURITY_GROUP_RULES
    )
}

impl AwsProvider {
    fn net(&self) -> Ctx<'_> {
        Ctx { client: &self.ec2, stack: &self.stack }
    }

    async fn read_network(&self, kind: &str, id: &str) -> Result<Option<Live>> {
        let c = &self.ec2;
        match kind {
            kinds::VPC => net::read_vpc(c, id).await,
            kinds::SUBNET => net::read_subnet(c, id).await,
            kinds::INTERNET_GATEWAY => net::read_gateway(c, id).await,
            kinds::ROUTE_TABLE => net::read_table(c, id).await,
            kinds::ROUTE_TABLE_ASSOCIATION => net::read_association(c, id).await,
            kinds::SECURITY_GROUP => net::read_group(c, id).await,
            kinds::SECURITY_GROUP_RULES => net::read_rules(c, id).await,
            _ => Ok(None),
        }
    }

    /// Rules and associations carry no tags: their creates find what exists instead.
    async fn find_network(&self, kind: &str, address: &str) -> Result<Option<Live>> {
        let x = self.net();
        match kind {
            kinds::VPC => net::find_vpc(&x, address).await,
            kinds::SUBNET => net::find_subnet(&x, address).await,
            kinds::INTERNET_GATEWAY => net::find_gateway(&x, address).await,
            kinds::ROUTE_TABLE => net::find_table(&x, address).await,
            kinds::SECURITY_GROUP => net::find_group(&x, address).await,
            _ => Ok(None),
        }
    }

    async fn apply_network(&self, kind: &str, op: Operation, c: &Change, id: &str) -> Result<Option<Live>> {
        let x = self.net();
        let (e, a) = (&self.ec2, c.address.as_str());
        let live = match (kind, op) {
            (kinds::VPC, Operation::Create) => net::create_vpc(&x, c).await?,
            (kinds::VPC, Operation::Update) => net::update_vpc(&x, c, id).await?,
            (kinds::VPC, Operation::Delete) => return net::delete_vpc(e, a, id).await.map(|_| None),
            (kinds::SUBNET, Operation::Create) => net::create_subnet(&x, c).await?,
            (kinds::SUBNET, Operation::Update) => net::update_subnet(&x, c, id).await?,
            (kinds::SUBNET, Operation::Delete) => return net::delete_subnet(e, a, id).await.map(|_| None),
            (kinds::INTERNET_GATEWAY, Operation::Create) => net::create_gateway(&x, c).await?,
            (kinds::INTERNET_GATEWAY, Operation::Update) => net::update_gateway(&x, c, id).await?,
            (kinds::INTERNET_GATEWAY, Operation::Delete) => return net::delete_gateway(e, a, id).await.map(|_| None),
            (kinds::ROUTE_TABLE, Operation::Create) => net::create_table(&x, c).await?,
            (kinds::ROUTE_TABLE, Operation::Update) => net::update_table(&x, c, id).await?,
            (kinds::ROUTE_TABLE, Operation::Delete) => return net::delete_table(e, a, id).await.map(|_| None),
            (kinds::ROUTE_TABLE_ASSOCIATION, Operation::Create) => net::create_association(&x, c).await?,
            (kinds::ROUTE_TABLE_ASSOCIATION, Operation::Update) => net::update_association(&x, c, id).await?,
            (kinds::ROUTE_TABLE_ASSOCIATION, Operation::Delete) => return net::delete_association(e, a, id).await.map(|_| None),
            (kinds::SECURITY_GROUP, Operation::Create) => net::create_group(&x, c).await?,
            (kinds::SECURITY_GROUP, Operation::Update) => net::update_group(&x, c, id).await?,
            (kinds::SECURITY_GROUP, Operation::Delete) => return net::delete_group(e, a, id).await.map(|_| None),
            (kinds::SECURITY_GROUP_RULES, Operation::Create | Operation::Update) => net::put_rules(&x, c).await?,
            (kinds::SECURITY_GROUP_RULES, Operation::Delete) => return net::delete_rules(&x, a, id).await.map(|_| None),
            (other, _) => return Err(unsupported(a, other)),
        };
        Ok(Some(live))
    }
}

fn unsupported(address: &str, kind: &str) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("{address} has kind `{kind}`, which this provider does not manage yet"))
}
