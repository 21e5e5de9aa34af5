"""`drove export zonefile`: every zone of the ok fixtures and the examples is exported,
accepted by BIND's named-checkzone, and (for plain records) imported and compiled back
to the same record sets."""

import shutil
import subprocess
from pathlib import Path

import pytest

from zonetools import ROOT, compiled, compiled_sets, drove, env_args

# Every stack directory of the examples, at any depth (examples/platform/dns).
STACKS = sorted((ROOT / "tests" / "fixtures" / "ok").rglob("*.drove")) + sorted(
    {p.parent for p in (ROOT / "examples").rglob("*.drove")})


def zones_of(stack):
    state = compiled(stack)
    return state, [r["attributes"]["name"] for r in state["resources"] if r["kind"] == "route53.hosted_zone"]


def named_checkzone():
    found = shutil.which("named-checkzone") or "/usr/sbin/named-checkzone"
    if not Path(found).exists():
        pytest.fail("named-checkzone is missing: apt-get install bind9utils")
    return found


CASES = [(s, z) for s in STACKS for z in zones_of(s)[1]]


@pytest.mark.parametrize("stack,zone", CASES, ids=[f"{s.name}:{z}" for s, z in CASES])
def test_export_is_accepted_by_bind_and_round_trips(tmp_path, stack, zone):
    state = compiled(stack)
    names = [r["attributes"]["name"] for r in state["resources"] if r["kind"] == "route53.hosted_zone"]
    if names.count(zone) > 1:
        pytest.skip("split-horizon zones are exported by address")
    out = drove("export", "zonefile", zone, stack, "--allow-unknown", *env_args(stack))
    path = tmp_path / "zone.db"
    path.write_text(out.stdout)
    check = subprocess.run([named_checkzone(), zone, path], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr + out.stdout
    imported = drove("import", "zonefile", path, "--origin", zone, "--stack", "back", "--region", "ap-northeast-1")
    back = tmp_path / "back"
    back.mkdir()
    (back / "zone.drove").write_text(imported.stdout)
    original = {k: v for k, v in compiled_sets(state, plain_only=True).items()
                if not (k[0] == zone and k[1] == "NS")}
    zone_keys = {(r["attributes"]["name"], r["attributes"]["type"]) for r in state["resources"]
                 if r["kind"] == "route53.record_set" and r["attributes"]["zone"]["ref"].endswith(zone)}
    original = {k: v for k, v in original.items() if k in zone_keys}
    got = compiled_sets(compiled(back))
    assert {k: v for k, v in got.items() if k in original} == original


def test_unknown_values_are_refused_by_name():
    out = drove("export", "zonefile", "acme.example.", ROOT / "examples" / "reservation", check=False)
    assert out.returncode == 1 and out.stdout == ""
    assert "app.acme.example. A" in out.stderr and "hosts.app" in out.stderr and "--allow-unknown" in out.stderr


def test_unknown_zone_gets_a_suggestion():
    out = drove("export", "zonefile", "acme.exampel.", ROOT / "examples" / "reservation", check=False)
    assert out.returncode == 1 and "acme.example." in out.stderr
