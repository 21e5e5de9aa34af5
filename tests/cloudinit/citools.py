"""Shared helpers of the cloud-init tests: the drove binary, the cloud-config of every
role of a stack, markers filled in the way the engine fills them, and Debian's
`cloud-init schema` as the oracle."""

import base64
import gzip
import json
import os
import sys
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drovebin import drove_binary  # noqa: E402  (tests/drovebin.py, shared by the suites)

ROOT = Path(__file__).resolve().parents[2]
STACKS = Path(__file__).resolve().parent / "stacks"
# EC2's limit on user data, counted before base64.
LIMIT = 16_384
# The passphrase the secrets under stacks/ are encrypted with.
PASSPHRASE = "drove-cloudinit-test"
MARKER = re.compile(r"\{\{(secret|file):([^}]*)\}\}")


def drove(*args, check=True, env=None, stdin=None):
    proc = subprocess.run([drove_binary(), *map(str, args)], capture_output=True, text=True, input=stdin,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"drove {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def environments(path) -> list:
    """The environments a stack declares (none: `[None]`), from the error of a compile
    without `--env`."""
    proc = drove("compile", path, check=False)
    m = re.search(r"declares the environments (.*); choose one", proc.stderr)
    return re.findall(r"`([^`]+)`", m.group(1)) if proc.returncode == 2 and m else [None]


def compiled(path, env=None) -> dict:
    return json.loads(drove("compile", path, *(["--env", env] if env else [])).stdout)


def user_data(path) -> dict:
    """The `user_data` of each role of a stack that provisions anything, by role."""
    out = {}
    for env in environments(path):
        for r in compiled(path, env)["resources"]:
            if r["kind"] == "ec2.instance" and r["attributes"]["user_data"] is not None:
                out.setdefault(r["attributes"]["role"], r["attributes"]["user_data"])
    return out


def filled(ud: dict, stack_dir: Path, secrets: dict | None = None) -> str:
    """The document with every marker replaced by the base64 of its content, as the
    engine does at launch (a missing repository file or secret counts as empty)."""
    secrets = secrets or {}

    def value(m):
        kind, name = m.group(1), m.group(2)
        if kind == "secret":
            assert name in ud["secrets"], f"{name} not listed in user_data.secrets"
            data = secrets.get(name, b"")
        else:
            assert name in ud["files"], f"{name} not listed in user_data.files"
            p = stack_dir / name
            data = p.read_bytes() if p.exists() else b""
        return base64.b64encode(data).decode()

    return MARKER.sub(value, ud["cloud_config"])


def sent(ud: dict, document: str) -> bytes:
    """The bytes the engine puts in EC2's user data."""
    raw = document.encode()
    return gzip.compress(raw, compresslevel=9, mtime=0) if ud.get("encoding") == "gzip" else raw


def schema_check(document: str, tmp_path: Path, name: str = "user-data.yaml"):
    """Runs `cloud-init schema` on a document; fails the test with its output when invalid."""
    cloud_init = shutil.which("cloud-init")
    if cloud_init is None:
        if os.environ.get("CI") == "true":
            pytest.fail("cloud-init is not installed (apt-get install cloud-init)")
        pytest.skip("cloud-init is not installed (apt-get install cloud-init)")
    f = tmp_path / name
    f.write_text(document)
    proc = subprocess.run([cloud_init, "schema", "--config-file", str(f)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Valid cloud-config" in proc.stdout, \
        f"cloud-init schema rejected {name}:\n{proc.stdout}{proc.stderr}\n---\n{document}"


def parsed(document: str) -> dict:
    assert document.startswith("#cloud-config\n")
    return yaml.safe_load(document)


def content(entry: dict) -> bytes:
    """What cloud-init writes for a `write_files` entry."""
    if entry.get("encoding") == "b64":
        return base64.b64decode(entry["content"])
    return entry.get("content", "").encode()
