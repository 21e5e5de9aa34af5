#!/usr/bin/env python3
"""Writes the same N records as a BIND zone file and as a drove stack.

The mix is what a real zone holds: mostly A and CNAME, some AAAA, MX, TXT and SRV.
Both files describe exactly the same record sets, so the two checkers do the same job.
"""
import sys
from pathlib import Path

ORIGIN = "bench.example."


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


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "bench/out/check")
    out.mkdir(parents=True, exist_ok=True)
    recs = list(records(n))

    with open(out / "bench.zone", "w") as z:
        z.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n")
        z.write(f"@ 3600 IN SOA ns1.{ORIGIN} hostmaster.{ORIGIN} 1 7200 900 1209600 300\n")
        z.write(f"@ 3600 IN NS ns1.{ORIGIN}\nns1 300 IN A 192.0.2.53\n")
        for name, ttl, rtype, values in recs:
            for v in values:
                z.write(f"{name} {ttl} IN {rtype} {v}\n")

    stack = out / "stack"
    stack.mkdir(exist_ok=True)
    with open(stack / "zone.drove", "w") as d:
        d.write('stack bench {\n  region = "ap-northeast-1"\n}\n\n')
        d.write(f'zone "{ORIGIN}" {{\n  ns1 300 A 192.0.2.53\n')
        for name, ttl, rtype, values in recs:
            d.write(f"  {name} {ttl} {rtype} {', '.join(values)}\n")
        d.write("}\n")
    print(f"{n} records -> {out}/bench.zone and {stack}/zone.drove")


if __name__ == "__main__":
    main()
