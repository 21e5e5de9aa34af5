"""bench/repo/gen.py writes what it promises: a git repository of stacks using each other
that `drove check` of its root accepts without a diagnostic, and whose stacks each check
alone. No timing is asserted here; bench/repo/run.py measures."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from drovebin import drove_binary  # noqa: E402


def load_gen():
    spec = importlib.util.spec_from_file_location("bench_repo_gen", ROOT / "bench" / "repo" / "gen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    out = tmp_path_factory.mktemp("repo") / "infra"
    shape = load_gen().build(out, 20, 200)
    return out, shape


def test_shape(repo):
    out, shape = repo
    assert shape == {"networks": 2, "services": 17, "dns": 1, "lines": shape["lines"]}
    assert 3000 < shape["lines"] < 5000
    dirs = sorted(p.parent for p in out.glob("*/*/stack.drove"))
    assert len(dirs) == 20
    log = subprocess.run(["git", "log", "--oneline"], cwd=out, capture_output=True, text=True, check=True).stdout
    assert len(log.splitlines()) == 1
    assert subprocess.run(["git", "status", "--porcelain"], cwd=out, capture_output=True, text=True).stdout == ""


def test_repository_check_is_clean(repo):
    out, _ = repo
    p = subprocess.run([drove_binary(), "check", str(out), "--format", "json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout) == []
    p = subprocess.run([drove_binary(), "check", str(out)], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert p.returncode == 0, p.stdout + p.stderr
    assert "20 stacks" in p.stdout, p.stdout


@pytest.mark.parametrize("stack", ["network/net-00", "apps/app-0000", "apps/app-0016", "dns/dns-00"])
def test_each_kind_of_stack_checks_alone(repo, stack):
    out, _ = repo
    p = subprocess.run([drove_binary(), "check", str(out / stack)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_dns_stack_uses_services_on_both_networks(repo):
    out, _ = repo
    text = (out / "dns" / "dns-00" / "stack.drove").read_text()
    used = [line.split('"')[1] for line in text.splitlines() if line.startswith("use ")]
    assert len(used) == 8
    nets = set()
    for u in used:
        svc = (out / "dns" / "dns-00" / u / "stack.drove").resolve().read_text()
        nets.add(next(line for line in svc.splitlines() if line.startswith("use net")))
    assert len(nets) == 2


def test_repository_check_refuses_a_second_stack_of_one_name(tmp_path):
    """E0116 comes from the repository check (every stack's name is read by its own
    check): a copy of a service under another directory is the later of the two."""
    out = tmp_path / "infra"
    load_gen().build(out, 20, 60)
    (out / "apps" / "zz-copy").mkdir()
    for f in (out / "apps" / "app-0003").glob("*.drove"):
        (out / "apps" / "zz-copy" / f.name).write_text(f.read_text())
    p = subprocess.run([drove_binary(), "check", str(out), "--format", "json"], capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    found = json.loads(p.stdout)
    assert [(d["code"], Path(d["file"]).parent.name) for d in found] == [("E0116", "zz-copy")]
    assert "apps/app-0003" in found[0]["message"]
