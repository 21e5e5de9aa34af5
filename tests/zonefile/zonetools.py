"""Shared helpers for the zone-file tests: where the drove binary is, running it, and
record sets in one comparable shape (dnspython's presentation format, names lower-case)."""

import json
import re
import os
import sys
import subprocess
from pathlib import Path

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drovebin import drove_binary  # noqa: E402  (tests/drovebin.py, shared by the suites)

ROOT = Path(__file__).resolve().parents[2]
ZONEFILES = ROOT / "tests" / "zonefiles"


def drove(*args, check=True, cwd=None):
    proc = subprocess.run([drove_binary(), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, cwd=cwd, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"drove {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def canonical(rdtype: str, rd, origin=dns.name.root) -> str:
    """Presentation format through the canonical wire form, so names inside the data are
    absolute and lower-case on both sides (RFC 4034 §6.2) while strings keep their case."""
    t = dns.rdatatype.from_text(rdtype)
    wire = rd.to_digestable(origin)
    return dns.rdata.from_wire(dns.rdataclass.IN, t, wire, 0, len(wire)).to_text()


def from_text(rdtype: str, value: str) -> str:
    rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), value, origin=dns.name.root)
    return canonical(rdtype, rd)


def dnspython_sets(path: Path, origin=None, skip_types=()):
    """{(name, type): (ttl, sorted values)} of a zone file, minus the apex SOA and NS."""
    here = os.getcwd()
    os.chdir(path.parent)  # dnspython resolves $INCLUDE from the working directory
    try:
        # relativize=False trips dnspython on generic data of a known type (`MX \# …`);
        # relative names are made absolute again below.
        zone = dns.zone.from_file(path.name, origin=origin, relativize=True, check_origin=False)
    finally:
        os.chdir(here)
    out = {}
    for name, rds in zone.iterate_rdatasets():
        rdtype = dns.rdatatype.to_text(rds.rdtype)
        name = name.derelativize(zone.origin)
        if name == zone.origin and rdtype in ("SOA", "NS"):
            continue
        if rdtype in skip_types:
            continue
        values = sorted(canonical(rdtype, rd, zone.origin) for rd in rds)
        out[(name.to_text().lower(), rdtype)] = (rds.ttl, values)
    return out


def env_args(path: Path) -> list:
    """`--env NAME` for a stack that declares environments (its last one, as the error of a
    compile without it lists them), else nothing."""
    proc = drove("compile", path, check=False)
    m = re.search(r"declares the environments (.*); choose one", proc.stderr)
    if not m:
        return []
    return ["--env", re.findall(r"`([^`]+)`", m.group(1))[-1]]


def compiled(path: Path):
    return json.loads(drove("compile", path, *env_args(path)).stdout)


def compiled_sets(state, plain_only=False):
    """{(name, type): (ttl, sorted values)} of a compiled stack's record sets."""
    out = {}
    for r in state["resources"]:
        if r["kind"] != "route53.record_set":
            continue
        a = r["attributes"]
        if plain_only and ("alias" in a or "set_identifier" in a
                           or any(not isinstance(v, str) for v in a.get("values", []))):
            continue
        values = sorted(from_text(a["type"], v) for v in a["values"])
        out[(a["name"], a["type"])] = (a["ttl"], values)
    return out
