//! The desired state: what `drove compile` prints and what the engine plans against.
//! Every resource is one of the kinds in [`kinds`], each a typed attribute struct with a
//! static [`Schema`]. JSON exists only at the edges (`drove compile`, plan files, the
//! state), through serde; the forms below are that edge format.
//!
//! Values not known before apply, and links between resources, are [`Val`]s, written
//! `{"ref": ADDRESS, "attribute": NAME}` (e.g. a subnet's `vpc` is
//! `{"ref": "network.main", "attribute": "id"}`; an A record filled from a host is
//! `{"ref": "hosts.app[0]", "attribute": "public_ip"}`). A secret is never in clear:
//! it is `{"secret": NAME}`.
//!
//! Adding a kind: a module under `kinds/` with its struct and `SCHEMA`, a variant of
//! [`Spec`], its entry in [`SCHEMAS`], then the provider module that maps it to AWS calls
//! (see `docs/architecture.md`, "Adding a resource kind").

pub mod kinds;
pub mod schema;
mod val;

pub use kinds::*;
pub use schema::Schema;
pub use val::{Ref, SecretRef, Val};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredState {
    pub stack: StackInfo,
    pub resources: Vec<Resource>,
    /// The stack's `moved` declarations, which the plan applies to the state before it
    /// diffs. Absent from the JSON when there are none, so other stacks keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<Move>,
    /// The stacks this one names (`use`), whose states the plan reads the values of
    /// `{"ref", "stack"}` references from. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<UsedState>,
}

/// Where a used stack keeps its state: read by the plan, never locked or written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedState {
    /// Its directory in the repository, as references name it.
    pub path: String,
    /// Its directory relative to this stack's (a local state's path is relative to it).
    pub dir: String,
    /// Its name (its identity, with an environment), which its state records.
    pub name: String,
    pub region: String,
    pub state: StateBackend,
}

/// `moved { from = … to = … }`: what the state holds at `from`, and under it, is what the
/// stack declares at `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: String,
    pub to: String,
}

impl DesiredState {
    /// The user-data documents of the stack's instances, in resource order.
    pub fn user_data(&self) -> impl Iterator<Item = &instance::UserData> {
        self.resources.iter().filter_map(|r| match &r.spec {
            Spec::Instance(i) => i.user_data.as_ref(),
            _ => None,
        })
    }

    /// The sealed values of the stack's Parameter Store secrets, in resource order.
    pub fn sealed(&self) -> impl Iterator<Item = &parameter::Sealed> {
        self.resources.iter().filter_map(|r| match &r.spec {
            Spec::Parameter(p) => Some(&p.value),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackInfo {
    pub name: String,
    pub region: String,
    pub state: StateBackend,
    pub tags: BTreeMap<String, String>,
    /// Largest share (0.0–1.0) of the stack's resources one plan may delete.
    pub max_delete: f64,
    /// Largest share (0.0–1.0) of one zone's records one plan may delete.
    pub max_zone_delete: f64,
    pub recipients: Vec<String>,
    /// Tag keys (`Owner`, or prefixes such as `team:*`) drove neither writes nor removes:
    /// tags other tools and people own. Keys AWS reserves (`aws:*`) are always left alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_tags: Vec<String>,
    /// The environment compiled (`drove compile --env NAME`); `name` is then the stack's
    /// identity in it (`crate::environment::identity`), which every derived name, tag and
    /// the state's owner use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl StackInfo {
    /// Whether drove leaves this tag key alone.
    pub fn ignores_tag(&self, key: &str) -> bool {
        key.starts_with("aws:")
            || self.ignore_tags.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => key.starts_with(prefix),
                None => key == p,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum StateBackend {
    Local { path: String },
    S3 { bucket: String, key: String },
}

/// Tags in the order they are written (stack tags, then `Name` and drove's own).
pub type Tags = indexmap::IndexMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Stable across runs; the key of the resource in the state.
    pub address: String,
    /// `"kind"` and `"attributes"` in JSON.
    #[serde(flatten)]
    pub spec: Spec,
    /// Addresses this resource needs to exist first (also every `ref` in `attributes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `protect = true`: the engine refuses to delete or replace it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
}

impl Resource {
    pub fn new(address: impl Into<String>, spec: impl Into<Spec>) -> Resource {
        Resource { address: address.into(), spec: spec.into(), depends_on: Vec::new(), protect: false }
    }

    pub fn kind(&self) -> &'static str {
        self.spec.schema().kind
    }

    pub fn schema(&self) -> &'static Schema {
        self.spec.schema()
    }

    /// The attributes in their JSON form, as the planner diffs them.
    pub fn attributes(&self) -> Value {
        self.spec.attributes()
    }

    /// Edits the attributes in their JSON form, for tests and tools that change a model
    /// by hand; the result must still fit the kind.
    pub fn edit(&mut self, f: impl FnOnce(&mut Value)) -> Result<(), SpecError> {
        let mut attributes = self.attributes();
        f(&mut attributes);
        self.spec = Spec::from_attributes(self.kind(), attributes)?;
        Ok(())
    }

    /// The address of every `{"ref"}` in the attributes, in attribute order.
    pub fn references(&self) -> Vec<String> {
        fn walk(v: &Value, out: &mut Vec<String>) {
            if let Some((addr, _)) = as_reference(v) {
                out.push(addr.to_string());
                return;
            }
            match v {
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.attributes(), &mut out);
        out
    }

    /// The resource this one sits in: a subnet's or gateway's network, an instance's or
    /// association's subnet, a record's zone, rules' group.
    pub fn container(&self) -> Option<&str> {
        let v = match &self.spec {
            Spec::Subnet(s) => &s.vpc,
            Spec::InternetGateway(g) => &g.vpc,
            Spec::NatGateway(g) => &g.subnet,
            Spec::RouteTable(t) => &t.vpc,
            Spec::SecurityGroup(g) => &g.vpc,
            Spec::SecurityGroupRules(r) => &r.group,
            Spec::RouteTableAssociation(a) => &a.subnet,
            Spec::Instance(i) => &i.subnet,
            Spec::RecordSet(s) => &s.zone,
            Spec::TargetGroup(g) => &g.vpc,
            Spec::Vpc(_)
            | Spec::ElasticIp(_)
            | Spec::HostedZone(_)
            | Spec::HealthCheck(_)
            | Spec::Parameter(_)
            | Spec::InstanceRole(_)
            | Spec::LoadBalancer(_)
            | Spec::Listener(_)
            | Spec::Target(_)
            | Spec::Certificate(_)
            | Spec::CertificateValidation(_) => return None,
        };
        v.as_ref().map(|r| r.address.as_str())
    }
}

/// One resource's attributes, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "attributes")]
pub enum Spec {
    #[serde(rename = "ec2.vpc")]
    Vpc(Vpc),
    #[serde(rename = "ec2.subnet")]
    Subnet(Subnet),
    #[serde(rename = "ec2.internet_gateway")]
    InternetGateway(InternetGateway),
    #[serde(rename = "ec2.elastic_ip")]
    ElasticIp(ElasticIp),
    #[serde(rename = "ec2.nat_gateway")]
    NatGateway(NatGateway),
    #[serde(rename = "ec2.route_table")]
    RouteTable(RouteTable),
    #[serde(rename = "ec2.route_table_association")]
    RouteTableAssociation(RouteTableAssociation),
    #[serde(rename = "ec2.security_group")]
    SecurityGroup(SecurityGroup),
    #[serde(rename = "ec2.security_group_rules")]
    SecurityGroupRules(SecurityGroupRules),
    #[serde(rename = "ec2.instance")]
    Instance(Box<Instance>),
    #[serde(rename = "route53.hosted_zone")]
    HostedZone(HostedZone),
    #[serde(rename = "route53.record_set")]
    RecordSet(Box<RecordSet>),
    #[serde(rename = "route53.health_check")]
    HealthCheck(HealthCheck),
    #[serde(rename = "ssm.parameter")]
    Parameter(Parameter),
    #[serde(rename = "iam.instance_role")]
    InstanceRole(InstanceRole),
    #[serde(rename = "elbv2.load_balancer")]
    LoadBalancer(LoadBalancer),
    #[serde(rename = "elbv2.target_group")]
    TargetGroup(TargetGroup),
    #[serde(rename = "elbv2.listener")]
    Listener(Listener),
    #[serde(rename = "elbv2.target")]
    Target(Target),
    #[serde(rename = "acm.certificate")]
    Certificate(Certificate),
    #[serde(rename = "acm.validation")]
    CertificateValidation(CertificateValidation),
}

/// Every kind's schema, in the order the docs list them.
pub const SCHEMAS: &[&Schema] = &[
    &vpc::SCHEMA,
    &subnet::SCHEMA,
    &internet_gateway::SCHEMA,
    &elastic_ip::SCHEMA,
    &nat_gateway::SCHEMA,
    &route_table::SCHEMA,
    &route_table_association::SCHEMA,
    &security_group::SCHEMA,
    &security_group_rules::SCHEMA,
    &instance::SCHEMA,
    &hosted_zone::SCHEMA,
    &record_set::SCHEMA,
    &health_check::SCHEMA,
    &parameter::SCHEMA,
    &instance_role::SCHEMA,
    &load_balancer::SCHEMA,
    &target_group::SCHEMA,
    &listener::SCHEMA,
    &target::SCHEMA,
    &certificate::SCHEMA,
    &certificate_validation::SCHEMA,
];

/// The schema of a kind named in a state or plan file; `None` for a kind this version
/// does not know.
pub fn schema_of(kind: &str) -> Option<&'static Schema> {
    SCHEMAS.iter().copied().find(|s| s.kind == kind)
}

impl Spec {
    pub fn schema(&self) -> &'static Schema {
        match self {
            Spec::Vpc(_) => &vpc::SCHEMA,
            Spec::Subnet(_) => &subnet::SCHEMA,
            Spec::InternetGateway(_) => &internet_gateway::SCHEMA,
            Spec::ElasticIp(_) => &elastic_ip::SCHEMA,
            Spec::NatGateway(_) => &nat_gateway::SCHEMA,
            Spec::RouteTable(_) => &route_table::SCHEMA,
            Spec::RouteTableAssociation(_) => &route_table_association::SCHEMA,
            Spec::SecurityGroup(_) => &security_group::SCHEMA,
            Spec::SecurityGroupRules(_) => &security_group_rules::SCHEMA,
            Spec::Instance(_) => &instance::SCHEMA,
            Spec::HostedZone(_) => &hosted_zone::SCHEMA,
            Spec::RecordSet(_) => &record_set::SCHEMA,
            Spec::HealthCheck(_) => &health_check::SCHEMA,
            Spec::Parameter(_) => &parameter::SCHEMA,
            Spec::InstanceRole(_) => &instance_role::SCHEMA,
            Spec::LoadBalancer(_) => &load_balancer::SCHEMA,
            Spec::TargetGroup(_) => &target_group::SCHEMA,
            Spec::Listener(_) => &listener::SCHEMA,
            Spec::Target(_) => &target::SCHEMA,
            Spec::Certificate(_) => &certificate::SCHEMA,
            Spec::CertificateValidation(_) => &certificate_validation::SCHEMA,
        }
    }

    pub fn attributes(&self) -> Value {
        let v = match self {
            Spec::Vpc(a) => serde_json::to_value(a),
            Spec::Subnet(a) => serde_json::to_value(a),
            Spec::InternetGateway(a) => serde_json::to_value(a),
            Spec::ElasticIp(a) => serde_json::to_value(a),
            Spec::NatGateway(a) => serde_json::to_value(a),
            Spec::RouteTable(a) => serde_json::to_value(a),
            Spec::RouteTableAssociation(a) => serde_json::to_value(a),
            Spec::SecurityGroup(a) => serde_json::to_value(a),
            Spec::SecurityGroupRules(a) => serde_json::to_value(a),
            Spec::Instance(a) => serde_json::to_value(a),
            Spec::HostedZone(a) => serde_json::to_value(a),
            Spec::RecordSet(a) => serde_json::to_value(a),
            Spec::HealthCheck(a) => serde_json::to_value(a),
            Spec::Parameter(a) => serde_json::to_value(a),
            Spec::InstanceRole(a) => serde_json::to_value(a),
            Spec::LoadBalancer(a) => serde_json::to_value(a),
            Spec::TargetGroup(a) => serde_json::to_value(a),
            Spec::Listener(a) => serde_json::to_value(a),
            Spec::Target(a) => serde_json::to_value(a),
            Spec::Certificate(a) => serde_json::to_value(a),
            Spec::CertificateValidation(a) => serde_json::to_value(a),
        };
        // Plain data with string keys serialises without fail.
        v.unwrap_or(Value::Null)
    }

    /// Reads attributes of a named kind (a provider's resolved `after`, a state record).
    pub fn from_attributes(kind: &str, attributes: Value) -> Result<Spec, SpecError> {
        let mut o = serde_json::Map::new();
        o.insert("kind".into(), Value::String(kind.to_string()));
        o.insert("attributes".into(), attributes);
        serde_json::from_value(Value::Object(o))
            .map_err(|e| SpecError { kind: kind.to_string(), message: e.to_string() })
    }
}

/// Attributes that do not fit their kind's struct: a state or plan written by hand or by
/// another version.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub kind: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "attributes of a `{}` do not fit its schema: {}", self.kind, self.message)
    }
}

impl std::error::Error for SpecError {}

/// A kind's typed attributes: the struct a [`Spec`] variant holds. What the providers map
/// to SDK calls and back, and what `import aws` reads live views as.
pub trait Kind: Sized + Into<Spec> {
    const KIND: &'static str;
    /// The struct out of a spec of this kind; `None` for another kind.
    fn from_spec(spec: Spec) -> Option<Self>;
}

macro_rules! into_spec {
    ($($t:ident => $m:ident $(, $unbox:tt)?);* $(;)?) => {
        $(impl From<$t> for Spec {
            fn from(a: $t) -> Spec {
                Spec::$t(a.into())
            }
        }

        impl Kind for $t {
            const KIND: &'static str = $m::KIND;
            fn from_spec(spec: Spec) -> Option<$t> {
                match spec {
                    Spec::$t(x) => Some($($unbox)? x),
                    _ => None,
                }
            }
        })*
    };
}

// Instances and record sets are boxed in `Spec` (they are the large ones): `*` unboxes.
into_spec!(
    Vpc => vpc;
    Subnet => subnet;
    InternetGateway => internet_gateway;
    ElasticIp => elastic_ip;
    NatGateway => nat_gateway;
    RouteTable => route_table;
    RouteTableAssociation => route_table_association;
    SecurityGroup => security_group;
    SecurityGroupRules => security_group_rules;
    Instance => instance, *;
    HostedZone => hosted_zone;
    RecordSet => record_set, *;
    HealthCheck => health_check;
    Parameter => parameter;
    InstanceRole => instance_role;
    LoadBalancer => load_balancer;
    TargetGroup => target_group;
    Listener => listener;
    Target => target;
    Certificate => certificate;
    CertificateValidation => certificate_validation;
);

/// `{"ref": address, "attribute": name}`
pub fn reference(address: &str, attribute: &str) -> Value {
    serde_json::json!({ "ref": address, "attribute": attribute })
}

/// The address and attribute of a `{"ref", "attribute"}` value.
/// A reference to a resource of this stack. One to another stack's (with `"stack"`) is
/// not: the plan puts the value read from that stack's state in its place first.
pub fn as_reference(v: &Value) -> Option<(&str, &str)> {
    let o = v.as_object()?;
    if o.contains_key("stack") {
        return None;
    }
    Some((o.get("ref")?.as_str()?, o.get("attribute")?.as_str()?))
}
