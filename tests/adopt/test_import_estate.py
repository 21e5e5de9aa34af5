"""Adopting an estate built by another client (boto3), as teams really have it: instances
tagged `Role=app` with their own `Name`s, security groups named by their owners, tags
other tools own, a lone database server. After `drove import aws` the first plan only
writes drove's ownership tags, and after applying it nothing of what the owners set has
changed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drovebin import drove_binary  # noqa: E402
from motoserver import running_moto  # noqa: E402

REGION = "ap-northeast-1"


@pytest.fixture
def env():
    with running_moto() as endpoint:
        yield {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION, "NO_COLOR": "1"}


def drove(env, *args):
    return subprocess.run([drove_binary(), *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def tags(**kv):
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def spec(kind, **kv):
    return [{"ResourceType": kind, "Tags": tags(**kv)}]


def build_estate(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16",
                         TagSpecifications=spec("vpc", Name="prod", Owner="netops", CostCenter="42"))["Vpc"]["VpcId"]
    # As the console's VPC wizard leaves it; a network without DNS hostnames cannot be declared
    # yet (drove turns them on), see the import's note.
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{az}",
                                 TagSpecifications=spec("subnet", Name=f"prod-{az}", Owner="netops"))["Subnet"]["SubnetId"]
               for cidr, az in [("10.20.1.0/24", "a"), ("10.20.2.0/24", "c")]]
    # The private subnets reach out through a NAT gateway in a public subnet, as the
    # console's "VPC and more" wizard builds it.
    igw = ec2.create_internet_gateway(TagSpecifications=spec("internet-gateway", Name="prod"))
    igw = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    edge = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24", AvailabilityZone=f"{REGION}a",
                             TagSpecifications=spec("subnet", Name="prod-edge", Owner="netops"))["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=edge, MapPublicIpOnLaunch={"Value": True})
    public = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", Name="prod-public"))
    public = public["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public, SubnetId=edge)
    ip = ec2.allocate_address(Domain="vpc", TagSpecifications=spec("elastic-ip", Name="prod-nat"))["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=edge, AllocationId=ip,
                                 TagSpecifications=spec("natgateway", Name="prod-nat"))["NatGateway"]["NatGatewayId"]
    private = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", Name="prod-private"))
    private = private["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for sn in subnets:
        ec2.associate_route_table(RouteTableId=private, SubnetId=sn)
    web = ec2.create_security_group(GroupName="legacy-web", Description="web servers", VpcId=vpc,
                                    TagSpecifications=spec("security-group", Owner="webteam"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    db = ec2.create_security_group(GroupName="mysql-sg", Description="database", VpcId=vpc,
                                   TagSpecifications=spec("security-group", Owner="dba"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "UserIdGroupPairs": [{"GroupId": web}]}])
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def launch(subnet, group, **kv):
        return ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[group],
                                 TagSpecifications=spec("instance", **kv))["Instances"][0]["InstanceId"]

    ids = {
        "web-prod-1": launch(subnets[0], web, Name="web-prod-1", Role="app", Owner="webteam"),
        "web-prod-2": launch(subnets[1], web, Name="web-prod-2", Role="app", Owner="webteam"),
        "mysql-master": launch(subnets[0], db, Name="mysql-master", Role="db", Owner="dba", Backup="daily"),
    }
    return vpc, ids


def instance_tags(ec2, ids):
    found = ec2.describe_instances(InstanceIds=list(ids.values()))
    out = {}
    for r in found["Reservations"]:
        for i in r["Instances"]:
            out[i["InstanceId"]] = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
    return out


def test_adopting_an_estate_changes_nothing_but_drove_ownership_tags(tmp_path, env):
    ec2 = boto3.client("ec2", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    vpc, ids = build_estate(ec2)
    before = instance_tags(ec2, ids)
    stack = tmp_path / "shop"

    run = drove(env, "import", "aws", "--network", "prod", "--role-tag", "Role", "--stack", "shop",
                "--region", REGION, "--out", stack)
    assert run.returncode == 0, run.stdout + run.stderr
    source = (stack / "main.drove").read_text()
    assert "host mysql-master" in source, source            # a lone instance is a pet
    assert re.search(r"subnet edge .*public = true\s+nat = true", source), source  # its NAT gateway
    assert re.search(r'group_name\s+= "legacy-web"', source), source  # a group keeps its owners' name
    for key in ["Owner", "CostCenter", "Role", "Backup", "Name"]:
        assert f'"{key}"' in source.split("ignore_tags")[1].splitlines()[0], source
    assert "no changes apart from writing drove's ownership tags" in run.stderr, run.stderr
    assert drove(env, "check", stack).returncode == 0

    plan = drove(env, "plan", stack, "--format", "json")
    assert plan.returncode == 0, plan.stderr
    changes = json.loads(plan.stdout)["changes"]
    touched = [c for c in changes if c["action"] != "no-op"]
    assert touched, "adopted resources get drove's ownership tags"
    for c in touched:
        assert c["action"] == "update" and c.get("claim") and not c.get("diffs"), c

    applied = drove(env, "apply", stack, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = drove(env, "plan", stack, "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr

    after = instance_tags(ec2, ids)
    for iid, was in before.items():
        mine = {k: v for k, v in after[iid].items() if k.startswith("drove:")}
        theirs = {k: v for k, v in after[iid].items() if not k.startswith("drove:")}
        assert theirs == was, (iid, was, after[iid])
        assert {"drove:stack", "drove:address", "drove:lineage"} <= set(mine), after[iid]
    names = {g["GroupName"] for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
             ["SecurityGroups"]}
    assert {"legacy-web", "mysql-sg"} <= names
    vpc_tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]}
    assert vpc_tags["Owner"] == "netops" and vpc_tags["CostCenter"] == "42" and vpc_tags["Name"] == "prod"
    state = json.loads((stack / "drove.state.json").read_text())
    assert vpc_tags["drove:lineage"] == state["lineage"]
    nat = ec2.describe_nat_gateways()["NatGateways"][0]
    nat_tags = {t["Key"]: t["Value"] for t in nat.get("Tags", [])}
    assert nat_tags.get("drove:lineage") == state["lineage"] and nat_tags.get("Name") == "prod-nat", nat_tags
    assert any(r["kind"] == "ec2.nat_gateway" and r["id"] == nat["NatGatewayId"] for r in state["resources"].values())
