//! The AWS provider: the `Provider` trait over the SDK clients. Zone listings made
//! during refresh are kept until the next refresh, so refresh, re-adoption and the
//! checks AWS makes cost one listing per zone.

use super::ec2_instance::{self, View};
use super::ec2_network::{self as net, Ctx};
use super::{acm, before, ec2_nat, elbv2, iam, route53, ssm, ssm_command, typed_attributes, RequestCounter};
use crate::error::{codes, EngineError, Result};
use crate::provider::{
    record_zone, Change, HostCommand, HostOutcome, Image, Known, Live, Operation, Provider, Wanted, ZoneRecord,
};
use async_trait::async_trait;
use drove_compiler::model::{
    certificate, certificate_validation, elastic_ip, health_check, hosted_zone, instance, instance_role,
    internet_gateway, listener, load_balancer, nat_gateway, parameter, record_set, route_table,
    route_table_association, security_group, security_group_rules, subnet, target, target_group, vpc,
    CertificateValidation, HostedZone, Instance, InstanceRole, LoadBalancer, Parameter, RecordSet,
    RouteTableAssociation, TargetGroup,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tokio::sync::Mutex;

/// A zone's record sets as listed, indexed by record id: a refresh looks up every record
/// of the state in it, so a scan per lookup would make a plan quadratic in the zone's size.
/// How many lookups a refresh or a re-adoption has in flight at once. Each is one
/// Describe/Get call (a zone is listed once, whoever asks first), so a plan of a large
/// stack pays its network latency about a tenth as many times; ten matches the apply's
/// default parallelism and stays far below EC2's and Route53's request rates.
const LOOKUPS: usize = 10;

/// Record sets per ListResourceRecordSets page (Route53's most).
const ROUTE53_PAGE: usize = 300;

struct Listing {
    records: Vec<RecordSet>,
    by_id: HashMap<String, usize>,
}

pub struct AwsProvider {
    route53: aws_sdk_route53::Client,
    ec2: aws_sdk_ec2::Client,
    ssm: aws_sdk_ssm::Client,
    iam: aws_sdk_iam::Client,
    elbv2: aws_sdk_elasticloadbalancingv2::Client,
    acm: aws_sdk_acm::Client,
    instances: ec2_instance::Instances,
    stack: String,
    region: String,
    zones: Mutex<HashMap<String, Arc<Listing>>>,
    /// Renders and fingerprints instances' user data; without it refresh keeps the
    /// state's fingerprint and a create with user data fails.
    user_data: Option<Arc<crate::userdata::UserData>>,
}

impl AwsProvider {
    pub fn new(conf: &aws_config::SdkConfig, stack: &str, region: &str) -> AwsProvider {
        AwsProvider::counted(conf, stack, region, &RequestCounter::default())
    }

    /// A provider whose requests `counter` counts.
    pub fn counted(conf: &aws_config::SdkConfig, stack: &str, region: &str, counter: &RequestCounter) -> AwsProvider {
        let ec2 = super::ec2_client(conf, counter);
        AwsProvider {
            route53: super::route53_client(conf, counter),
            ssm: super::ssm_client(conf, counter),
            iam: super::iam_client(conf, counter),
            elbv2: super::elbv2_client(conf, counter),
            acm: super::acm_client(conf, counter),
            instances: ec2_instance::Instances::new(ec2.clone()),
            ec2,
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
        let listing = Arc::new(self.read_listing(zone, &[]).await?);
        cache.insert(zone.to_string(), listing.clone());
        Ok(listing)
    }

    async fn read_listing(&self, zone: &str, starts: &[(String, String)]) -> Result<Listing> {
        let records = match route53::list_zone_from(&self.route53, zone, starts).await {
            Ok(l) => l,
            // A zone deleted behind drove's back has no records.
            Err(e) if e.message.contains("NoSuchHostedZone") => Vec::new(),
            Err(e) => return Err(e),
        };
        let by_id = records.iter().enumerate().map(|(i, r)| (route53::record_key(zone, r), i)).collect();
        Ok(Listing { records, by_id })
    }

    /// Lists every zone the state holds record sets of, all at once, each in segments
    /// starting at record sets the state knows (`route53::list_zone_from`).
    async fn list_known_zones(&self, known: &[Known]) -> Result<()> {
        let mut per_zone: HashMap<String, Vec<(String, String)>> = HashMap::new();
        // Every zone holds its apex SOA and NS, which sort first: counting them keeps the
        // first segment a page long.
        let apex: HashMap<&str, String> = known
            .iter()
            .filter(|k| k.kind == hosted_zone::KIND)
            .filter_map(|k| Some((k.id.as_str(), k.attributes.get("name")?.as_str()?.to_string())))
            .collect();
        for k in known.iter().filter(|k| k.kind == record_set::KIND) {
            let Some(set) = crate::provider::record_set(&k.attributes) else { continue };
            if let Some(zone) = set.zone.text() {
                per_zone.entry(zone.to_string()).or_default().push((set.name, set.rtype));
            }
        }
        for (zone, names) in per_zone.iter_mut() {
            if let Some(name) = apex.get(zone.as_str()) {
                names.extend([(name.clone(), "NS".to_string()), (name.clone(), "SOA".to_string())]);
            }
        }
        let reads = per_zone.into_iter().map(|(zone, names)| async move {
            let starts = route53::segment_starts(names, ROUTE53_PAGE);
            let listing = self.read_listing(&zone, &starts).await?;
            Ok::<_, EngineError>((zone, Arc::new(listing)))
        });
        let listed: Vec<(String, Arc<Listing>)> = stream::iter(reads).buffer_unordered(LOOKUPS).try_collect().await?;
        self.zones.lock().await.extend(listed);
        Ok(())
    }

    /// The live view of one known resource (instances and networks were read beforehand,
    /// each kind all at once).
    async fn refresh_one(
        &self,
        k: &Known,
        instances: &HashMap<String, View>,
        nets: &net::Views,
    ) -> Result<Option<Live>> {
        Ok(match k.kind.as_str() {
            instance::KIND => instances.get(&k.id).cloned().map(|mut view| {
                // Without a renderer the fingerprint cannot be recomputed: keep the state's
                // (a state without an instance's attributes, as an import gives, keeps none).
                if self.user_data.is_none() {
                    if let Ok(known) = typed_attributes::<Instance>(&k.address, &k.attributes) {
                        view.instance.user_data = known.user_data;
                    }
                }
                view.live()
            }),
            hosted_zone::KIND => route53::read_zone(&self.route53, &k.id, &self.region).await?,
            record_set::KIND => self.find_record(&k.address, &k.attributes).await?,
            health_check::KIND => route53::read_health_check_owned(&self.route53, &k.id).await?,
            kind if is_network(kind) => nets.get(&(k.kind.clone(), k.id.clone())).cloned(),
            parameter::KIND => {
                let known: Parameter = typed_attributes(&k.address, &k.attributes)?;
                ssm::read(&self.ssm, &k.id, &known.value, self.user_data.as_deref()).await?
            }
            instance_role::KIND => iam::read(&self.iam, &k.id).await?,
            elastic_ip::KIND => ec2_nat::read_address(&self.ec2, &k.id).await?,
            nat_gateway::KIND => ec2_nat::read_nat(&self.ec2, &k.id).await?,
            load_balancer::KIND => elbv2::read_balancer(&self.elbv2, &k.id).await?,
            target_group::KIND => elbv2::read_group(&self.elbv2, &k.id).await?,
            listener::KIND => elbv2::read_listener(&self.elbv2, &k.id).await?,
            target::KIND => elbv2::read_target(&self.elbv2, &k.id).await?,
            certificate::KIND => acm::read(&self.acm, &k.id).await?,
            certificate_validation::KIND => {
                let known: CertificateValidation = typed_attributes(&k.address, &k.attributes)?;
                self.read_validation(&known).await?
            }
            other => return Err(unsupported(&k.address, other)),
        })
    }

    /// The resource created earlier for one wanted address, if any (instances and
    /// networks were found beforehand, each kind all at once).
    async fn adopt_one(
        &self,
        w: &Wanted,
        instances: &HashMap<String, View>,
        nets: &net::Views,
    ) -> Result<Option<Live>> {
        Ok(match w.kind.as_str() {
            instance::KIND => instances.get(&w.address).cloned().map(View::live),
            hosted_zone::KIND => {
                let zone: HostedZone = typed_attributes(&w.address, &w.attributes)?;
                route53::find_zone(&self.route53, &zone.name, &self.stack, &w.address, &self.region).await?
            }
            record_set::KIND => self.find_record(&w.address, &w.attributes).await?,
            health_check::KIND => route53::find_health_check(&self.route53, &self.stack, &w.address).await?,
            kind if is_network(kind) => nets.get(&(w.kind.clone(), w.address.clone())).cloned(),
            // Found by the name the stack's and the secret's names make.
            parameter::KIND => {
                let want: Parameter = typed_attributes(&w.address, &w.attributes)?;
                ssm::read(&self.ssm, &want.name, &want.value, self.user_data.as_deref()).await?
            }
            instance_role::KIND => {
                let want: InstanceRole = typed_attributes(&w.address, &w.attributes)?;
                iam::read(&self.iam, &want.name).await?
            }
            elastic_ip::KIND => ec2_nat::find_address(&self.ec2, &self.stack, &w.address).await?,
            nat_gateway::KIND => ec2_nat::find_nat(&self.ec2, &self.stack, &w.address).await?,
            // Names are unique in the account's region; the planner claims only this
            // state's. Listeners and registrations are made idempotently instead.
            load_balancer::KIND => {
                let want: LoadBalancer = typed_attributes(&w.address, &w.attributes)?;
                elbv2::find_balancer(&self.elbv2, &want.name).await?
            }
            target_group::KIND => {
                let want: TargetGroup = typed_attributes(&w.address, &w.attributes)?;
                elbv2::find_group(&self.elbv2, &want.name).await?
            }
            certificate::KIND => acm::find(&self.acm, &self.stack, &w.address).await?,
            _ => None,
        })
    }

    /// AWS refuses to delete a zone that still holds records (moto does not): say which
    /// ones, since drove never deletes records it does not manage.
    async fn refuse_non_empty_zone(&self, c: &Change, id: &str) -> Result<()> {
        self.zones.lock().await.remove(id);
        let zone: HostedZone = before(c)?;
        let apex = zone.name.as_str();
        let left: Vec<String> = self
            .zone_listing(id)
            .await?
            .records
            .iter()
            .filter(|r| !(r.name == apex && (r.rtype == "NS" || r.rtype == "SOA")))
            .map(|r| format!("{} {}", r.name, r.rtype))
            .collect();
        if left.is_empty() {
            return Ok(());
        }
        Err(EngineError::new(
            codes::INVALID_CHANGE,
            format!(
                "{} still holds records drove does not manage ({}); a zone with records cannot be deleted",
                c.address,
                left.join(", ")
            ),
        )
        .with_help("delete those records first, or declare them so drove manages them"))
    }

    /// A certificate validation as it stands, its records looked up in the zone listings.
    async fn read_validation(&self, known: &CertificateValidation) -> Result<Option<Live>> {
        let Some((arn, issued, wanted)) = acm::wanted_records(&self.acm, known).await? else { return Ok(None) };
        let mut present = Vec::new();
        for (name, r) in wanted {
            if acm::is_listed(&self.zone_listing(&r.zone).await?.records, &r) {
                present.push((name, r));
            }
        }
        Ok(Some(acm::validation_live(&arn, known, &present, issued)))
    }

    /// A validation writes records: the zones' listings are stale after it.
    async fn forget_zones(&self, c: &Change) {
        let mut cache = self.zones.lock().await;
        for v in [&c.before, &c.after] {
            if let Ok(x) = typed_attributes::<CertificateValidation>(&c.address, v) {
                for z in x.zones.values().filter_map(|z| z.text()) {
                    cache.remove(z);
                }
            }
        }
    }

    /// The listed record set with the key of these attributes (a known or wanted one).
    async fn find_record(&self, address: &str, attrs: &Value) -> Result<Option<Live>> {
        let set: RecordSet = typed_attributes(address, attrs)?;
        let Some(zone) = set.zone.text() else { return Ok(None) };
        let want = route53::record_key(zone, &set);
        let listing = self.zone_listing(zone).await?;
        Ok(listing.by_id.get(&want).and_then(|&i| listing.records.get(i)).map(|r| route53::record_live(zone, r)))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn supports(&self, kind: &str) -> bool {
        matches!(
            kind,
            hosted_zone::KIND
                | record_set::KIND
                | health_check::KIND
                | instance::KIND
                | parameter::KIND
                | instance_role::KIND
                | elastic_ip::KIND
                | nat_gateway::KIND
                | load_balancer::KIND
                | target_group::KIND
                | listener::KIND
                | target::KIND
                | certificate::KIND
                | certificate_validation::KIND
        ) || is_network(kind)
    }

    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>> {
        // A refresh starts a plan: listings from an earlier plan are stale.
        self.zones.lock().await.clear();
        let instance_ids: Vec<String> =
            known.iter().filter(|k| k.kind == instance::KIND).map(|k| k.id.clone()).collect();
        let networks: Vec<net::KnownNet> = known
            .iter()
            .filter(|k| is_network(&k.kind))
            .map(|k| net::KnownNet {
                kind: &k.kind,
                id: &k.id,
                table: typed_attributes::<RouteTableAssociation>(&k.address, &k.attributes)
                    .ok()
                    .filter(|_| k.kind == route_table_association::KIND)
                    .and_then(|a| a.route_table.text().map(str::to_string)),
            })
            .collect();
        let (instances, nets, ()) = futures::try_join!(
            ec2_instance::read_views(&self.ec2, &instance_ids, self.user_data.as_deref()),
            net::read_known(&self.ec2, &networks),
            self.list_known_zones(known),
        )?;
        let lookups: Vec<_> = known.iter().map(|k| self.refresh_one(k, &instances, &nets)).collect();
        stream::iter(lookups).buffered(LOOKUPS).try_collect().await
    }

    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>> {
        let find_instances = async {
            if wanted.iter().any(|w| w.kind == instance::KIND) {
                ec2_instance::find_by_address(&self.ec2, &self.stack, self.user_data.as_deref()).await
            } else {
                Ok(HashMap::new())
            }
        };
        let mut kinds: Vec<&str> = wanted.iter().map(|w| w.kind.as_str()).filter(|k| is_network(k)).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let x = self.net();
        let (instances, nets) = futures::try_join!(find_instances, net::find_all(&x, &kinds))?;
        let lookups: Vec<_> = wanted.iter().map(|w| self.adopt_one(w, &instances, &nets)).collect();
        stream::iter(lookups).buffered(LOOKUPS).try_collect().await
    }

    async fn zone_records(&self, zone_id: &str) -> Result<Vec<ZoneRecord>> {
        let listing = self.zone_listing(zone_id).await?;
        Ok(listing.records.iter().map(|r| ZoneRecord { id: route53::record_key(zone_id, r), set: r.clone() }).collect())
    }

    async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> Result<Image> {
        self.instances.resolve_image(pattern, owner).await
    }

    async fn resolve_certificate(&self, domain: &str) -> Result<String> {
        acm::resolve(&self.acm, domain).await
    }

    async fn offered_types(&self, zone: &str, types: &[String]) -> Result<BTreeSet<String>> {
        self.instances.offered_types(zone, types).await
    }

    async fn apply(&self, changes: &[Change]) -> Result<Vec<Option<Live>>> {
        let Some(first) = changes.first() else { return Ok(vec![]) };
        if first.kind == record_set::KIND {
            // The apply walk hands over one zone's batch (`apply::zone_batches`).
            let zone_of = |c: &Change| record_zone(if c.operation == Operation::Delete { &c.before } else { &c.after });
            let zone = zone_of(first).unwrap_or_default();
            if changes.iter().any(|c| zone_of(c).unwrap_or_default() != zone) {
                return Err(EngineError::new(
                    codes::INVALID_CHANGE,
                    "one change batch may hold the records of one zone only",
                ));
            }
            self.zones.lock().await.remove(&zone);
            return route53::change_records(&self.route53, &zone, changes).await;
        }
        let mut out = Vec::new();
        for c in changes {
            let id = c.id.clone().unwrap_or_default();
            out.push(match (c.kind.as_str(), c.operation) {
                (hosted_zone::KIND, Operation::Create) => {
                    Some(route53::create_zone(&self.route53, c, &self.stack, &self.region, &c.token).await?)
                }
                (hosted_zone::KIND, Operation::Update) => {
                    Some(route53::update_zone(&self.route53, c, &self.stack, &self.region).await?)
                }
                (hosted_zone::KIND, Operation::Delete) => {
                    self.refuse_non_empty_zone(c, &id).await?;
                    route53::delete_zone(&self.route53, &id).await?;
                    None
                }
                (health_check::KIND, Operation::Create) => {
                    Some(route53::create_health_check(&self.route53, c, &self.stack, &c.token).await?)
                }
                (health_check::KIND, Operation::Update) => {
                    Some(route53::update_health_check(&self.route53, c, &self.stack).await?)
                }
                (health_check::KIND, Operation::Delete) => {
                    route53::delete_health_check(&self.route53, &id).await?;
                    None
                }
                (instance::KIND, Operation::Create) => {
                    Some(self.instances.create(c, &self.stack, self.user_data.as_deref()).await?)
                }
                (instance::KIND, Operation::Update) => {
                    Some(ec2_instance::update(&self.ec2, c, &self.stack, self.user_data.as_deref()).await?)
                }
                (instance::KIND, Operation::Delete) => {
                    self.instances.terminate(&id).await?;
                    None
                }
                (kind, op) if is_network(kind) => self.apply_network(kind, op, c, &id).await?,
                (parameter::KIND, Operation::Create) => {
                    Some(ssm::create(&self.ssm, c, &self.stack, self.user_data.as_deref()).await?)
                }
                (parameter::KIND, Operation::Update) => {
                    Some(ssm::update(&self.ssm, c, &self.stack, self.user_data.as_deref()).await?)
                }
                (parameter::KIND, Operation::Delete) => {
                    ssm::delete(&self.ssm, &id).await?;
                    None
                }
                (instance_role::KIND, Operation::Create) => Some(iam::create(&self.iam, c, &self.stack).await?),
                (instance_role::KIND, Operation::Update) => Some(iam::update(&self.iam, c, &self.stack).await?),
                (instance_role::KIND, Operation::Delete) => {
                    iam::delete(&self.iam, &id).await?;
                    None
                }
                (elastic_ip::KIND, Operation::Create) => {
                    Some(ec2_nat::create_address(&self.ec2, c, &self.stack).await?)
                }
                (elastic_ip::KIND, Operation::Update) => {
                    Some(ec2_nat::update_address(&self.ec2, c, &self.stack, &id).await?)
                }
                (elastic_ip::KIND, Operation::Delete) => {
                    ec2_nat::delete_address(&self.ec2, &id).await?;
                    None
                }
                (nat_gateway::KIND, Operation::Create) => Some(ec2_nat::create_nat(&self.ec2, c, &self.stack).await?),
                (nat_gateway::KIND, Operation::Update) => {
                    Some(ec2_nat::update_nat(&self.ec2, c, &self.stack, &id).await?)
                }
                (nat_gateway::KIND, Operation::Delete) => {
                    ec2_nat::delete_nat(&self.ec2, &c.address, &id).await?;
                    None
                }
                (kind, op) if kind.starts_with("elbv2.") => self.apply_elbv2(kind, op, c, &id).await?,
                (certificate::KIND, Operation::Create) => Some(acm::request(&self.acm, c, &self.stack).await?),
                (certificate::KIND, Operation::Update) => Some(acm::update(&self.acm, c, &self.stack, &id).await?),
                (certificate::KIND, Operation::Delete) => {
                    acm::delete(&self.acm, &id).await?;
                    None
                }
                (certificate_validation::KIND, Operation::Create | Operation::Update) => {
                    self.forget_zones(c).await;
                    Some(acm::validate(&self.acm, &self.route53, c).await?)
                }
                (certificate_validation::KIND, Operation::Delete) => {
                    self.forget_zones(c).await;
                    acm::delete_validation(&self.route53, c).await?;
                    None
                }
                (other, _) => return Err(unsupported(&c.address, other)),
            });
        }
        Ok(out)
    }

    async fn run_on_host(&self, cmd: &HostCommand) -> Result<HostOutcome> {
        ssm_command::run(&self.ssm, cmd).await
    }
}

/// The EC2 networking kinds (`ec2_network`).
fn is_network(kind: &str) -> bool {
    matches!(
        kind,
        vpc::KIND
            | subnet::KIND
            | internet_gateway::KIND
            | route_table::KIND
            | route_table_association::KIND
            | security_group::KIND
            | security_group_rules::KIND
    )
}

impl AwsProvider {
    fn net(&self) -> Ctx<'_> {
        Ctx { client: &self.ec2, stack: &self.stack }
    }

    async fn apply_elbv2(&self, kind: &str, op: Operation, c: &Change, id: &str) -> Result<Option<Live>> {
        let (e, s) = (&self.elbv2, self.stack.as_str());
        let live = match (kind, op) {
            (load_balancer::KIND, Operation::Create) => elbv2::create_balancer(e, c, s).await?,
            (load_balancer::KIND, Operation::Update) => elbv2::update_balancer(e, c, s, id).await?,
            (load_balancer::KIND, Operation::Delete) => return elbv2::delete_balancer(e, id).await.map(|_| None),
            (target_group::KIND, Operation::Create) => elbv2::create_group(e, c, s).await?,
            (target_group::KIND, Operation::Update) => elbv2::update_group(e, c, s, id).await?,
            (target_group::KIND, Operation::Delete) => return elbv2::delete_group(e, id).await.map(|_| None),
            (listener::KIND, Operation::Create) => elbv2::create_listener(e, c).await?,
            (listener::KIND, Operation::Update) => elbv2::update_listener(e, c, id).await?,
            (listener::KIND, Operation::Delete) => return elbv2::delete_listener(e, id).await.map(|_| None),
            // Every attribute of a registration forces a new one.
            (target::KIND, Operation::Create | Operation::Update) => elbv2::create_target(e, c).await?,
            (target::KIND, Operation::Delete) => return elbv2::delete_target(e, id).await.map(|_| None),
            (other, _) => return Err(unsupported(&c.address, other)),
        };
        Ok(Some(live))
    }

    async fn apply_network(&self, kind: &str, op: Operation, c: &Change, id: &str) -> Result<Option<Live>> {
        let x = self.net();
        let (e, a) = (&self.ec2, c.address.as_str());
        let live = match (kind, op) {
            (vpc::KIND, Operation::Create) => net::create_vpc(&x, c).await?,
            (vpc::KIND, Operation::Update) => net::update_vpc(&x, c, id).await?,
            (vpc::KIND, Operation::Delete) => return net::delete_vpc(e, a, id).await.map(|_| None),
            (subnet::KIND, Operation::Create) => net::create_subnet(&x, c).await?,
            (subnet::KIND, Operation::Update) => net::update_subnet(&x, c, id).await?,
            (subnet::KIND, Operation::Delete) => return net::delete_subnet(e, a, id).await.map(|_| None),
            (internet_gateway::KIND, Operation::Create) => net::create_gateway(&x, c).await?,
            (internet_gateway::KIND, Operation::Update) => net::update_gateway(&x, c, id).await?,
            (internet_gateway::KIND, Operation::Delete) => return net::delete_gateway(e, a, id).await.map(|_| None),
            (route_table::KIND, Operation::Create) => net::create_table(&x, c).await?,
            (route_table::KIND, Operation::Update) => net::update_table(&x, c, id).await?,
            (route_table::KIND, Operation::Delete) => return net::delete_table(e, a, id).await.map(|_| None),
            (route_table_association::KIND, Operation::Create) => net::create_association(&x, c).await?,
            (route_table_association::KIND, Operation::Update) => net::update_association(&x, c, id).await?,
            (route_table_association::KIND, Operation::Delete) => {
                return net::delete_association(e, a, id).await.map(|_| None)
            }
            (security_group::KIND, Operation::Create) => net::create_group(&x, c).await?,
            (security_group::KIND, Operation::Update) => net::update_group(&x, c, id).await?,
            (security_group::KIND, Operation::Delete) => return net::delete_group(e, a, id).await.map(|_| None),
            (security_group_rules::KIND, Operation::Create | Operation::Update) => net::put_rules(&x, c).await?,
            (security_group_rules::KIND, Operation::Delete) => return net::delete_rules(&x, a, id).await.map(|_| None),
            (other, _) => return Err(unsupported(a, other)),
        };
        Ok(Some(live))
    }
}

fn unsupported(address: &str, kind: &str) -> EngineError {
    EngineError::new(
        codes::INVALID_CHANGE,
        format!("{address} has kind `{kind}`, which this provider does not manage yet"),
    )
}
