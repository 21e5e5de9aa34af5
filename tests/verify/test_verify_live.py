"""The live half of `drove verify` against moto: a Route53 stack applied by drove has no
drift (exit 0); a record changed behind drove's back through the AWS API is drift (exit 1,
named with its attribute); a verify while another run holds the state lock still works."""

import json
import sys
from pathlib import Path

import boto3
import pytest

from verifytools import ROOT, drove

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from motoserver import running_moto  # noqa: E402  (tests/motoserver.py, shared by the suites)

STACK = """stack verify-live { region = "ap-northeast-1" }

zone "acme.example." {
  @     300 A     192.0.2.1
  www   300 A     192.0.2.10, 192.0.2.11
  mail  300 MX    10 mx1.acme.example.
  mx1   300 A     192.0.2.25
}
"""


@pytest.fixture
def moto():
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(moto, monkeypatch):
    env = {"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "ap-northeast-1"}
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    return env


@pytest.fixture
def applied(tmp_path, aws_env):
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.drove").write_text(STACK)
    out = drove("apply", stack, "--auto-approve", env=aws_env)
    assert out.returncode == 0, out.stdout + out.stderr
    return stack


def route53(env):
    return boto3.client("route53", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_no_drift_after_apply(applied, aws_env):
    out = drove("verify", applied, "--skip-dns", env=aws_env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == "live: 5 resources checked, no drift\n"


def test_a_record_changed_behind_drove_s_back_is_drift(applied, aws_env):
    client = route53(aws_env)
    zone_id = next(z["Id"] for z in client.list_hosted_zones()["HostedZones"] if z["Name"] == "acme.example.")
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT",
        "ResourceRecordSet": {"Name": "www.acme.example.", "Type": "A", "TTL": 300,
                              "ResourceRecords": [{"Value": "192.0.2.10"}, {"Value": "198.51.100.7"}]}}]})
    out = drove("verify", applied, "--skip-dns", env=aws_env)
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "drift: record.www.acme.example./A (updated in place): values differ",
        '  values: expected ["192.0.2.10","192.0.2.11"], live ["192.0.2.10","198.51.100.7"]',
        "live: 5 resources checked, 1 drifted",
    ], out.stdout
    doc = json.loads(drove("verify", applied, "--skip-dns", "--format", "json", env=aws_env).stdout)
    assert doc["ok"] is False and doc["dns"] is None and doc["summary"]["drift"] == 1
    [d] = doc["live"]["drift"]
    assert d["address"] == "record.www.acme.example./A" and d["action"] == "update"
    assert d["attributes"] == [{"name": "values", "expected": ["192.0.2.10", "192.0.2.11"],
                                "live": ["192.0.2.10", "198.51.100.7"]}]


def test_a_deleted_record_is_drift(applied, aws_env):
    client = route53(aws_env)
    zone_id = next(z["Id"] for z in client.list_hosted_zones()["HostedZones"] if z["Name"] == "acme.example.")
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "DELETE",
        "ResourceRecordSet": {"Name": "mx1.acme.example.", "Type": "A", "TTL": 300,
                              "ResourceRecords": [{"Value": "192.0.2.25"}]}}]})
    out = drove("verify", applied, "--skip-dns", env=aws_env)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "drift: record.mx1.acme.example./A (created): missing in AWS: apply would create it" in out.stdout
    assert "  note: deleted outside drove; it will be created again" in out.stdout


def test_verify_does_not_wait_for_the_state_lock(applied, aws_env):
    lock = applied / "drove.state.json.lock"
    lock.write_text(json.dumps({"id": "0123456789abcdef", "who": "someone@ci (pid 1)", "operation": "apply",
                                "created": "2026-11-26T00:00:00Z"}))
    out = drove("verify", applied, "--skip-dns", env=aws_env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert lock.exists(), "verify must leave another run's lock alone"
    assert drove("plan", applied, env=aws_env).returncode == 1, "the lock is real: plan refuses it"
