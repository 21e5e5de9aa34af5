//! EC2 made straight through the SDK, as someone before drove made it: what the import
//! tests start from.

use drove_engine::aws::aws_sdk_ec2 as ec2;
use ec2::types::{
    AttributeBooleanValue, BlockDeviceMapping, EbsBlockDevice, Filter, InstanceNetworkInterfaceSpecification,
    InstanceType, IpPermission, ResourceType, Tag as Ec2Tag, TagSpecification,
};

pub fn tagged(kind: ResourceType, tags: &[(&str, &str)]) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(kind);
    for (k, v) in tags {
        spec = spec.tags(Ec2Tag::builder().key(*k).value(*v).build());
    }
    spec.build()
}

/// An Amazon Linux image of moto's catalogue: (id, name).
pub async fn an_image(client: &ec2::Client) -> (String, String) {
    let out = client
        .describe_images()
        .owners("137112412989")
        .filters(Filter::builder().name("name").values("al2023-ami-2023.*-x86_64").build())
        .send()
        .await
        .unwrap();
    let i = out.images().first().expect("moto ships Amazon Linux images");
    (i.image_id().unwrap().to_string(), i.name().unwrap().to_string())
}

pub async fn vpc(client: &ec2::Client, cidr: &str, tags: &[(&str, &str)]) -> String {
    let out =
        client.create_vpc().cidr_block(cidr).tag_specifications(tagged(ResourceType::Vpc, tags)).send().await.unwrap();
    let id = out.vpc().unwrap().vpc_id().unwrap().to_string();
    client
        .modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    id
}

pub async fn subnet(
    client: &ec2::Client,
    vpc: &str,
    cidr: &str,
    az: &str,
    public: bool,
    tags: &[(&str, &str)],
) -> String {
    let out = client
        .create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .availability_zone(az)
        .tag_specifications(tagged(ResourceType::Subnet, tags))
        .send()
        .await
        .unwrap();
    let id = out.subnet().unwrap().subnet_id().unwrap().to_string();
    if public {
        client
            .modify_subnet_attribute()
            .subnet_id(&id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .unwrap();
    }
    id
}

pub fn tcp(port: i32) -> ec2::types::builders::IpPermissionBuilder {
    IpPermission::builder().ip_protocol("tcp").from_port(port).to_port(port)
}

pub async fn group(client: &ec2::Client, vpc: &str, name: &str, description: &str, tags: &[(&str, &str)]) -> String {
    let out = client
        .create_security_group()
        .vpc_id(vpc)
        .group_name(name)
        .description(description)
        .tag_specifications(tagged(ResourceType::SecurityGroup, tags))
        .send()
        .await
        .unwrap();
    out.group_id().unwrap().to_string()
}

/// Launches as drove does: the root volume given on the image's root device (moto attaches
/// a default volume elsewhere otherwise), 10 GiB, encrypted.
pub async fn launch(
    client: &ec2::Client,
    image: &str,
    subnet: &str,
    groups: &[&str],
    public: bool,
    tags: &[(&str, &str)],
) -> String {
    let images = client.describe_images().image_ids(image).send().await.unwrap();
    let root = images.images()[0].root_device_name().unwrap().to_string();
    let mut nic = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(subnet)
        .associate_public_ip_address(public);
    for g in groups {
        nic = nic.groups(*g);
    }
    let out = client
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .network_interfaces(nic.build())
        .block_device_mappings(
            BlockDeviceMapping::builder()
                .device_name(root)
                .ebs(EbsBlockDevice::builder().volume_size(10).encrypted(true).build())
                .build(),
        )
        .tag_specifications(tagged(ResourceType::Instance, tags))
        .send()
        .await
        .unwrap();
    out.instances()[0].instance_id().unwrap().to_string()
}
