"""`drove import zonefile` against dnspython: each zone file is read by both, the drove
source is compiled, and the record sets must be what dnspython reads (minus the apex SOA
and NS, which Route53 owns)."""

import random

import pytest

from zonetools import ZONEFILES, compiled, compiled_sets, dnspython_sets, drove

ZONES = [
    ("rfc1035.zone", None),
    ("isc/example.com.db", "example.com."),
    ("provider-export.zone", None),
    ("rfc3597.zone", "Generic.Example."),
]


def import_and_compile(tmp_path, zone_file, *args):
    out = drove("import", "zonefile", zone_file, *args, "--stack", "imported", "--region", "ap-northeast-1")
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "zone.drove").write_text(out.stdout)
    drove("check", stack)
    fmt = drove("fmt", "--check", stack, check=False)
    assert fmt.returncode == 0, f"the import is not formatted canonically:\n{fmt.stdout}{fmt.stderr}"
    return out, compiled_sets(compiled(stack))


@pytest.mark.parametrize("name,origin", ZONES)
def test_import_matches_dnspython(tmp_path, name, origin):
    path = ZONEFILES / name
    args = ["--origin", origin] if origin else []
    out, got = import_and_compile(tmp_path, path, *args)
    want = dnspython_sets(path, origin)
    assert got == want
    assert "SOA and NS" in out.stderr and "SOA and NS" in out.stdout


def test_unsupported_types_are_refused_with_their_lines(tmp_path):
    path = ZONEFILES / "unsupported.zone"
    refused = drove("import", "zonefile", path, check=False)
    assert refused.returncode == 1
    assert refused.stdout == ""
    for line, rtype in [(6, "HINFO"), (7, "LOC"), (8, "TYPE65534")]:
        assert f"unsupported.zone:{line}: " in refused.stderr and rtype in refused.stderr
    out, got = import_and_compile(tmp_path, path, "--skip-unsupported")
    assert got == dnspython_sets(path, skip_types=("HINFO", "LOC", "TYPE65534"))
    assert "LOC" in out.stderr and "(left out)" in out.stderr


NEW_TYPES = ZONEFILES / "new-types.zone"
# (line, word): records Route53 can't hold, known to drove or not, and a CAA tag it does not take.
NEW_TYPES_LEFT_OUT = [(8, "AMTRELAY"), (9, "RESINFO"), (10, "WALLET"), (11, "TYPE260"), (13, "contactemail")]


def test_any_type_route53_cannot_hold_is_refused_then_skipped(tmp_path):
    refused = drove("import", "zonefile", NEW_TYPES, check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    for line, word in NEW_TYPES_LEFT_OUT:
        assert f"new-types.zone:{line}: " in refused.stderr and word in refused.stderr, refused.stderr
    assert "--skip-unsupported" in refused.stderr
    # The SVCB and HTTPS records (escapes, dohpath, ohttp, generic data) are not refused.
    assert refused.stderr.count("new-types.zone:") == len(NEW_TYPES_LEFT_OUT), refused.stderr

    out, got = import_and_compile(tmp_path, NEW_TYPES, "--skip-unsupported")
    # dnspython knows TYPE260 as AMTRELAY.
    want = dnspython_sets(NEW_TYPES, skip_types=("AMTRELAY", "RESINFO", "WALLET"))
    ttl, caa = want[("new.example.", "CAA")]
    want[("new.example.", "CAA")] = (ttl, [v for v in caa if "contactemail" not in v])
    assert got == want
    warnings = [l for l in out.stderr.splitlines() if l.startswith("warning: ")]
    for line, word in NEW_TYPES_LEFT_OUT:
        assert any(f"new-types.zone:{line}: " in w and word in w and "(left out)" in w for w in warnings), out.stderr
        assert f"at line {line}: " in out.stdout


def test_fragment_without_stack_block(tmp_path):
    out = drove("import", "zonefile", ZONEFILES / "provider-export.zone")
    assert "stack " not in out.stdout and out.stdout.count('zone "shop.example."') == 1


@pytest.mark.parametrize("text,line,words", [
    ("$ORIGIN t.example.\n$TTL 1h\n@ A 192.0.2.1\nx TXT \"open\n", 4, "not closed"),
    ("$ORIGIN t.example.\n$TTL 1h\n@ MX ( 10\n  mx\n", 3, "not closed"),
    ("$ORIGIN t.example.\n$TTL 1h\n$GENERATE 1-9 h$ A 192.0.2.$\n", 3, "$GENERATE"),
    ("$ORIGIN t.example.\n$TTL 1h\nw A 192.0.2.300\n", 3, "IPv4"),
    ("$ORIGIN t.example.\nw A 192.0.2.1\n", 2, "TTL"),
    ("$ORIGIN t.example.\n$TTL 1h\nw 1x A 192.0.2.1\n", 3, "TTL"),
    ("$ORIGIN t.example.\n$TTL 1h\nw CH A 192.0.2.1\n", 3, "IN"),
    ("$ORIGIN t.example.\n$TTL 1h\nw A 192.0.2.1\nw CNAME x\n", 4, "CNAME"),
    ("$ORIGIN t.example.\n$TTL 1h\nw TXT \\# 3 0161\n", 3, "length"),
    ("$ORIGIN t.example.\n$TTL 1h\n$INCLUDE missing.inc\n", 3, "missing.inc"),
    ("$TTL 1h\nwww A 192.0.2.1\n", 2, "origin"),
    # Not a type at all, and malformed data of a type that would be left out.
    ("$ORIGIN t.example.\n$TTL 1h\nw TYPE70000 \\# 0\n", 3, "unknown record type"),
    ("$ORIGIN t.example.\n$TTL 1h\nw WALLET \\# 3 01\n", 3, "length"),
    # A CAA record with a foreign tag but malformed otherwise is an error, not a skip.
    ("$ORIGIN t.example.\n$TTL 1h\nw CAA 300 contactemail \"x\"\n", 3, "flags"),
    ("$ORIGIN t.example.\n$TTL 1h\nw HTTPS 1 . dohpath=/dns-query\n", 3, "dns"),
    ("$ORIGIN t.example.\n$TTL 1h\nw HTTPS 1 . alpn=h2\\\\\n", 3, "alpn"),
])
def test_malformed_files_get_an_error_at_their_line(tmp_path, text, line, words):
    path = tmp_path / "bad.zone"
    path.write_text(text)
    out = drove("import", "zonefile", path, check=False)
    assert out.returncode == 1, out.stderr
    assert f"bad.zone:{line}: " in out.stderr and words in out.stderr, out.stderr


def generated_zone(path, count):
    """A zone of `count` records of every common type; CNAME and SRV targets are hosts
    of the zone, some names have several values."""
    rng = random.Random(7)
    lines = ["$ORIGIN big.example.", "$TTL 300",
             "@ 3600 IN SOA ns1.big.example. hostmaster.big.example. 1 7200 900 1209600 300",
             "@ NS ns1.other.example."]
    hosts = []
    n = 0
    while n < count:
        i = len(lines)
        kind = rng.randrange(6) if hosts else 0
        if kind == 0:
            lines.append(f"h{i} A 198.51.100.{i % 250 + 1}")
            lines.append(f"h{i} A 192.0.2.{i % 250 + 1}")
            hosts.append(f"h{i}")
            n += 2
        elif kind == 1:
            lines.append(f"v{i} 60 IN AAAA 2001:db8::{i:x}")
            n += 1
        elif kind == 2:
            lines.append(f'_t{i} TXT "token={rng.getrandbits(64):016x}" "part two"')
            n += 1
        elif kind == 3:
            lines.append(f"c{i} CNAME {rng.choice(hosts)}")
            n += 1
        elif kind == 4:
            lines.append(f"m{i} MX {rng.randrange(100)} {rng.choice(hosts)}")
            n += 1
        else:
            lines.append(f"_s{i}._tcp SRV 0 5 {rng.randrange(1, 65535)} {rng.choice(hosts)}.big.example.")
            n += 1
    path.write_text("\n".join(lines) + "\n")


def test_fifty_thousand_records(tmp_path):
    path = tmp_path / "big.zone"
    generated_zone(path, 50_000)
    _, got = import_and_compile(tmp_path, path)
    want = dnspython_sets(path)
    assert sum(len(v[1]) for v in want.values()) >= 50_000
    assert got == want
