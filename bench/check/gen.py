#!/usr/bin/env python3
"""Writes the same N records as a BIND zone file and as a drove stack; with
`--warnings W`, also a stack of the same size that draws W warnings.

The mix is what a real zone holds: mostly A and CNAME, some AAAA, MX, TXT and SRV.
Both files describe exactly the same record sets, so the two checkers do the same job.

The warning stack (`stack-warn/`) is the clean one with every (N/W)th record turned into
what a legacy zone holds: an A record publishing a private address (W0020, most of
them), a CNAME to a name the zone lacks (W0022), and an owner written with the zone's
name but no trailing dot (W0023); plus a network whose firewalls open SSH to the
internet and that no role uses (W0001 and W0005 each). Diagnostics are what this stack
is about, so its size stays that of the clean one: it measures what reporting costs.
"""
import argparse
from pathlib import Path

ORIGIN = "bench.example."
# One firewall draws two warnings (SSH open, unused); firewalls are this share of them.
FIREWALL_SHARE = 20


def records(n):
    for i in range(n):
        kind = i % 10
        name = f"h{i}"
        if kind < 5:
            # Public addresses: private ones in a public zone are a lint (W0020).
            yield name, 300, "A", [f"54.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"]
        elif kind < 7:
            yield name, 300, "CNAME", [f"h{i - 1}.{ORIGIN}"]
        elif kind == 7:
            yield name, 300, "AAAA", [f"2001:db8::{i:x}"]
        elif kind == 8:
            # Exchangers are A records of the zone (h{i-8}, h{i-7}), as the W0022 lint wants.
            yield name, 3600, "MX", [f"10 h{i - 8}.{ORIGIN}", f"20 h{i - 7}.{ORIGIN}"]
        else:
            yield name, 300, "TXT", [f'"v=spf1 ip4:192.0.2.{i % 256} -all"']


def legacy(i, k):
    """The kth warning, in place of record i: one warning each, mostly private addresses."""
    name = f"h{i}"
    if k % 20 < 16:
        return name, 300, "A", [f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"]
    if k % 20 < 18:
        return name, 300, "CNAME", [f"gone{i}.{ORIGIN}"]
    return f"{name}.{ORIGIN[:-1]}", 300, "A", [f"54.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"]


def warned(n, warnings):
    """The clean records with `warnings` of them (less the firewalls' share) made legacy."""
    in_zone = warnings - 2 * (warnings // FIREWALL_SHARE // 2)
    # Only records no CNAME or MX points at, so each change draws exactly one warning.
    free = [i for i in range(n) if i % 10 in (2, 3, 7, 8, 9)]
    step = len(free) / in_zone if in_zone else len(free) + 1
    picks = {free[int(k * step)]: k for k in range(in_zone)}
    for i, rec in enumerate(records(n)):
        yield legacy(i, picks[i]) if i in picks else rec


def write_stack(path, recs, firewalls=0):
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "zone.drove", "w") as d:
        d.write('stack bench {\n  region = "ap-northeast-1"\n}\n\n')
        d.write(f'zone "{ORIGIN}" {{\n  ns1 300 A 192.0.2.53\n')
        for name, ttl, rtype, values in recs:
            d.write(f"  {name} {ttl} {rtype} {', '.join(values)}\n")
        d.write("}\n")
    net = path / "network.drove"
    if not firewalls:
        net.unlink(missing_ok=True)
        return
    with open(net, "w") as d:
        d.write("network legacy {\n  cidr = 10.0.0.0/16\n  subnet a { cidr = 10.0.1.0/24  zone = a }\n}\n\n")
        for f in range(firewalls):
            d.write(f"firewall bastion{f} in legacy {{\n  allow tcp 22 from 0.0.0.0/0\n}}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", nargs="?", type=int, default=50_000)
    ap.add_argument("out", nargs="?", default="bench/out/check")
    ap.add_argument("--warnings", type=int, default=0, help="also write stack-warn/ drawing this many warnings")
    a = ap.parse_args()
    n, out = a.records, Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    recs = list(records(n))

    with open(out / "bench.zone", "w") as z:
        z.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n")
        z.write(f"@ 3600 IN SOA ns1.{ORIGIN} hostmaster.{ORIGIN} 1 7200 900 1209600 300\n")
        z.write(f"@ 3600 IN NS ns1.{ORIGIN}\nns1 300 IN A 192.0.2.53\n")
        for name, ttl, rtype, values in recs:
            for v in values:
                z.write(f"{name} {ttl} IN {rtype} {v}\n")

    write_stack(out / "stack", recs)
    print(f"{n} records -> {out}/bench.zone and {out}/stack/zone.drove")
    if a.warnings:
        firewalls = a.warnings // FIREWALL_SHARE // 2
        write_stack(out / "stack-warn", warned(n, a.warnings), firewalls)
        print(f"{n} records, {a.warnings} warnings -> {out}/stack-warn")


if __name__ == "__main__":
    main()
