"""Every role's cloud-config, in the examples, the valid fixtures and the stacks here,
passes Debian's `cloud-init schema` (as compiled, and with its markers filled in as the
engine fills them) and has the shape drove promises."""

import re
from pathlib import Path

import pytest

from citools import ROOT, STACKS, filled, parsed, schema_check, user_data


def stacks():
    found = sorted({p.parent for p in (ROOT / "examples").rglob("*.drove")})
    found += sorted((ROOT / "tests" / "fixtures" / "ok").rglob("*.drove"))
    found += [p for p in sorted(STACKS.iterdir()) if p.is_dir()]
    return found


def provisioned():
    """(stack, role) for every role that provisions something."""
    out = []
    for stack in stacks():
        for role, ud in user_data(stack).items():
            out.append(pytest.param(stack, role, ud, id=f"{stack.relative_to(ROOT)}:{role}"))
    return out


CASES = provisioned()


def test_the_suite_sees_provisioned_roles():
    ids = {c.id for c in CASES}
    assert {"examples/reservation:app", "examples/seed:web", "tests/fixtures/ok/roles/web-and-db.drove:app",
            "tests/cloudinit/stacks/tricky:app"} <= ids, ids


@pytest.mark.parametrize("stack,role,ud", CASES)
def test_cloud_init_accepts_it(stack, role, ud, tmp_path):
    stack_dir = stack if stack.is_dir() else stack.parent
    schema_check(ud["cloud_config"], tmp_path, "compiled.yaml")
    schema_check(filled(ud, stack_dir, {name: b"secret value\n" for name in ud["secrets"]}), tmp_path, "filled.yaml")


@pytest.mark.parametrize("stack,role,ud", CASES)
def test_it_has_the_promised_shape(stack, role, ud):
    doc = parsed(ud["cloud_config"])
    assert ud.get("encoding", "plain") in ("plain", "gzip")
    assert set(doc) <= {"package_update", "packages", "users", "write_files", "runcmd"}, doc.keys()
    if "packages" in doc:
        assert doc["package_update"] is True
        assert all(isinstance(p, str) and p for p in doc["packages"])
    if "users" in doc:
        # The image's default user keeps its SSH key.
        assert doc["users"][0] == "default"
        assert all(isinstance(u, dict) and isinstance(u["name"], str) for u in doc["users"][1:])
    for f in doc.get("write_files", []):
        assert f["path"].startswith("/")
        # After packages are installed and users exist.
        assert f["defer"] is True
        if "permissions" in f:
            assert re.fullmatch(r"0[0-7]{3}", f["permissions"]), f
        if f.get("encoding") == "b64":
            assert re.fullmatch(r"[A-Za-z0-9+/=]*|\{\{(secret|file):[^}]*\}\}", f["content"]), f
    markers = re.findall(r"\{\{(secret|file|parameter):([^}]*)\}\}", ud["cloud_config"])
    assert sorted({n for k, n in markers if k == "secret"}) == sorted(ud["secrets"])
    assert sorted({n for k, n in markers if k == "file"}) == sorted(ud["files"])
    assert sorted({n for k, n in markers if k == "parameter"}) == sorted(ud.get("parameters", []))
    for cmd in doc.get("runcmd", []):
        service = isinstance(cmd, list) and len(cmd) == 3 and cmd[:2] in (["systemctl", "enable"], ["systemctl", "restart"])
        # A secret read from Parameter Store: sh -c SCRIPT drove-secret PATH NAME OWNER MODE REGION MARKER.
        fetch = (isinstance(cmd, list) and len(cmd) == 10 and cmd[:2] == ["sh", "-c"] and cmd[3] == "drove-secret"
                 and cmd[4].startswith("/") and cmd[5].startswith("/drove/") and re.fullmatch(r"0[0-7]{3}", cmd[7])
                 and cmd[9] == "{{parameter:" + cmd[5].split("/", 3)[3] + "}}")
        assert isinstance(cmd, str) or service or fetch, cmd
