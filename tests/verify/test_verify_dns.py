"""`drove verify --skip-live` against BIND's named serving `drove export zonefile` output of
tests/verify/stack: the exported zone matches; a zone with one value changed and one
record missing gives exit 1 and names both, with what was expected and what was served."""

import json
import re

from verifytools import STACK, drove


def verify(server, *extra):
    return drove("verify", STACK, "--skip-live", "--nameserver", server.address, "--timeout", "2", *extra)


def test_exported_zone_matches(named_with, exported_zone):
    server = named_with(exported_zone)
    out = verify(server)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not re.search(r"^(mismatch|error)", out.stdout, re.M), out.stdout
    # The alias to CloudFront is reported as not checkable, not as a failure.
    assert re.search(r"^skipped: cdn\.acme\.example\. A at 127\.0\.0\.1:\d+: not checkable by value: "
                     r"an alias to `d111111abcdef8\.cloudfront\.net\.`", out.stdout, re.M), out.stdout
    assert re.search(r"^dns: \d+ answers checked: \d+ match, 0 mismatch, 0 unknown, 1 not checkable, 0 errors$",
                     out.stdout, re.M), out.stdout


def test_json_reports_every_record_set_and_routing_rule(named_with, exported_zone):
    server = named_with(exported_zone)
    out = verify(server, "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True and doc["live"] is None
    by_key = {(r["name"], r["type"]): r for r in doc["dns"]}
    types = {r["type"] for r in doc["dns"] if r["status"] == "match"}
    assert types >= {"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "SVCB", "MX", "NAPTR", "NS", "SRV", "PTR",
                     "SPF", "SSHFP", "TLSA", "TXT"}
    # A routed group: the answer is one of its sets (the zone file holds the heavier one).
    api = by_key[("api.acme.example.", "A")]
    assert api["policy"] == "weighted" and api["status"] == "match" and 'set "blue"' in api["detail"]
    assert [s["set"] for s in api["expected"]] == ["blue", "green"]
    mv = by_key[("mv.acme.example.", "A")]
    assert mv["policy"] == "multivalue" and mv["status"] == "match" and sorted(mv["got"]) == ["192.0.2.10", "192.0.2.20"]
    # An alias to a record of the zone is compared with its target's values.
    alias = by_key[("alias.acme.example.", "AAAA")]
    assert alias["status"] == "match" and alias["got"] == ["2001:db8::50"]
    # Over 512 bytes: answered over TCP after a truncated UDP answer.
    big = by_key[("big.acme.example.", "TXT")]
    assert big["status"] == "match" and len(big["got"]) == 6
    # A delegation's NS set comes back as a referral.
    assert by_key[("sub.acme.example.", "NS")]["status"] == "match"
    assert by_key[("cdn.acme.example.", "A")]["status"] == "not_checkable"
    assert doc["summary"]["mismatch"] == 0 and doc["summary"]["not_checkable"] == 1


def test_changed_and_missing_records_are_reported(named_with, exported_zone):
    changed = re.sub(r"^(mx1\.acme\.example\. \d+ IN A) 192\.0\.2\.25$", r"\1 192.0.2.125", exported_zone, flags=re.M)
    assert changed != exported_zone
    without_tlsa = "\n".join(l for l in changed.splitlines() if not l.startswith("_443._tcp.acme.example. ")) + "\n"
    assert without_tlsa != changed
    fo = re.sub(r"^(fo\.acme\.example\. \d+ IN A) 192\.0\.2\.10$", r"\1 192.0.2.77", without_tlsa, flags=re.M)
    assert fo != without_tlsa
    server = named_with(fo)
    out = verify(server)
    assert out.returncode == 1, out.stdout + out.stderr
    lines = [l for l in out.stdout.splitlines() if l.startswith("mismatch: ")]
    at = f"at {server.address}"
    assert f"mismatch: mx1.acme.example. A {at}: missing 192.0.2.25; unexpected 192.0.2.125; " \
           f"expected 192.0.2.25; got 192.0.2.125 (TTL 3600)" in lines, out.stdout
    assert f"mismatch: _443._tcp.acme.example. TLSA {at}: missing: the name does not exist (NXDOMAIN); " \
           f"expected 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF; got nothing" in lines, out.stdout
    assert f'mismatch: fo.acme.example. A {at}: the answer is none of the routed sets; ' \
           f'expected one of set "primary": 192.0.2.10 | set "secondary": 192.0.2.99; got 192.0.2.77 (TTL 60)' in lines, out.stdout
    assert len(lines) == 3, out.stdout
    assert re.search(r"^dns: \d+ answers checked: \d+ match, 3 mismatch, 0 unknown, 1 not checkable, 0 errors$",
                     out.stdout, re.M), out.stdout


def test_a_server_that_does_not_answer_is_an_error_not_a_match(named_with, exported_zone):
    server = named_with(exported_zone)
    server.stop()
    out = drove("verify", STACK, "--skip-live", "--nameserver", server.address, "--timeout", "1", "--tries", "1")
    assert out.returncode == 2, out.stdout + out.stderr
    assert re.search(r"^error: www\.acme\.example\. CNAME at 127\.0\.0\.1:\d+: no answer", out.stdout, re.M), out.stdout


def test_usage_errors_exit_2():
    out = drove("verify", STACK, "--skip-live", "--nameserver", "not-an-ip")
    assert out.returncode == 2 and "not an IP address" in out.stderr
    out = drove("verify", STACK, "--skip-live", "--skip-dns")
    assert out.returncode == 2 and "cannot be used with" in out.stderr
