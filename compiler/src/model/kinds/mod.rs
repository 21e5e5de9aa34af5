//! One module per resource kind: its typed attributes and its schema.

pub mod elastic_ip;
pub mod health_check;
pub mod hosted_zone;
pub mod instance;
pub mod instance_role;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod parameter;
pub mod record_set;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod security_group_rules;
pub mod subnet;
pub mod vpc;

pub use elastic_ip::ElasticIp;
pub use health_check::HealthCheck;
pub use hosted_zone::HostedZone;
pub use instance::Instance;
pub use instance_role::InstanceRole;
pub use internet_gateway::InternetGateway;
pub use nat_gateway::NatGateway;
pub use parameter::Parameter;
pub use record_set::RecordSet;
pub use route_table::RouteTable;
pub use route_table_association::RouteTableAssociation;
pub use security_group::SecurityGroup;
pub use security_group_rules::SecurityGroupRules;
pub use subnet::Subnet;
pub use vpc::Vpc;
