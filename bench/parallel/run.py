#!/usr/bin/env python3
"""An EC2 stack's apply against its longest dependency chain, with network latency.

The brief's target: instances and networks are created in parallel, so a stack's apply
takes about its longest dependency chain, not the sum of its operations. moto answers at
once and serves one call at a time, so drove talks to it through drove-test-proxy, which
holds every answer back a fixed time (--latency-ms) and serves calls concurrently, as
AWS does.

The stack (bench/parallel/stack.drove.in, N hosts per role): a VPC with two public and
two private subnets, their gateway and route tables, three firewalls referencing each
other, a web and an app role of N hosts each, two database pets, and a zone whose records
point at the hosts' addresses. It is applied on a freshly reset moto once per
--parallelism value. The serial run (--parallelism 1) gives each resource's own time
(from drove's progress lines); the longest dependency chain (from `drove compile`'s
`depends_on`) is the slowest path through those times: no schedule can beat it. The
table shows each run's wall time against the serial sum and against that chain.

Usage: bench/parallel/run.py [--hosts 4] [--latency-ms 50] [--parallelism 1,10,32] [--write]
DROVE=path and PROXY=path use binaries built elsewhere; otherwise both are built in release.
--write puts the table into docs/benchmarks.md (between the parallel markers).
"""
import argparse
import datetime
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH / "dns"))
from tools import ROOT, Moto, aws_env, drove_binary, machine, write_section  # noqa: E402

# The latency benchmark's proxy runner (its module is also called run.py).
_spec = importlib.util.spec_from_file_location("latency_run", BENCH / "latency" / "run.py")
latency_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(latency_run)
LatencyProxy, proxy_binary = latency_run.LatencyProxy, latency_run.proxy_binary

OUT = ROOT / "bench" / "out" / "parallel"
DONE = re.compile(r"^(\S+): creating… done \(([0-9.]+)s")


def write_stack(hosts):
    stack = OUT / "stack"
    shutil.rmtree(stack, ignore_errors=True)
    stack.mkdir(parents=True)
    text = (ROOT / "bench/parallel/stack.drove.in").read_text().replace("@HOSTS@", str(hosts))
    (stack / "stack.drove").write_text(text)
    return stack


def resources(drove, stack):
    """{address: [addresses it depends on]} from the compiled model."""
    out = subprocess.run([drove, "compile", stack], check=True, stdout=subprocess.PIPE, text=True).stdout
    return {r["address"]: r.get("depends_on", []) for r in json.loads(out)["resources"]}


def longest_chain(deps, took):
    """The slowest path through the dependency graph: (seconds, [addresses])."""
    memo = {}

    def finish(a):
        if a not in memo:
            before = max((finish(d) for d in deps.get(a, []) if d in deps), default=(0.0, []))
            memo[a] = (before[0] + took.get(a, 0.0), before[1] + [a])
        return memo[a]

    return max((finish(a) for a in deps), default=(0.0, []))


def warm(moto):
    """moto builds a region's EC2 backend (its image catalogue: seconds) on the first call
    after a reset; made here, outside the timings. Then forgets the recorded calls."""
    body = b"Action=DescribeRegions&Version=2016-11-15"
    auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-northeast-1/ec2/aws4_request, SignedHeaders=host, Signature=0"
    req = urllib.request.Request(moto.endpoint + "/", data=body, method="POST", headers={
        "Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
    moto.recorded_calls()


def env_for(endpoint):
    return dict(aws_env(endpoint), AWS_DEFAULT_REGION="ap-northeast-1", CI="true")


def plan(drove, stack, endpoint):
    """Wall time of the plan an apply starts with (refresh, re-adoption lookups, images)."""
    for f in stack.glob("drove.state.json*"):
        f.unlink()
    start = time.perf_counter()
    p = subprocess.run([drove, "plan", "--detailed-exitcode", stack], env=env_for(endpoint),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 2:
        sys.exit(f"drove plan on an empty account should exit 2 (changes), not {p.returncode}:\n{p.stderr[-4000:]}")
    return time.perf_counter() - start


def apply(drove, stack, endpoint, parallelism):
    """Wall time, each resource's own time, and the calls moto saw."""
    for f in stack.glob("drove.state.json*"):
        f.unlink()
    env = env_for(endpoint)
    start = time.perf_counter()
    p = subprocess.run([drove, "apply", "--auto-approve", "--parallelism", str(parallelism), stack],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"drove apply --parallelism {parallelism} failed (exit {p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    took = {m.group(1): float(m.group(2)) for m in map(DONE.match, p.stderr.splitlines()) if m}
    return wall, took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=4, help="hosts per role (default 4)")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--parallelism", default="1,10,32", help="comma-separated; must include 1 (default 1,10,32)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    levels = [int(x) for x in args.parallelism.split(",")]
    if 1 not in levels:
        sys.exit("--parallelism must include 1: the serial run gives each resource's own time")
    drove, proxy_bin = drove_binary(), proxy_binary()
    OUT.mkdir(parents=True, exist_ok=True)
    stack = write_stack(args.hosts)
    deps = resources(drove, stack)

    moto = Moto(OUT / "recording.jsonl")
    proxy = LatencyProxy(proxy_bin, moto.endpoint, args.latency_ms)
    runs = {}
    try:
        moto.reset()
        warm(moto)
        planning = plan(drove, stack, proxy.endpoint)
        planning_calls = sum(moto.recorded_calls().values())
        print(f"plan alone: {planning:6.2f} s, {planning_calls} calls", flush=True)
        for p in sorted(levels):
            moto.reset()
            warm(moto)
            wall, took = apply(drove, stack, proxy.endpoint, p)
            calls = sum(moto.recorded_calls().values())
            runs[p] = (wall, took, calls)
            print(f"parallelism {p:>3}: {wall:6.2f} s, {calls} calls", flush=True)
    finally:
        proxy.stop()
        moto.stop()

    serial_wall, serial_took, _ = runs[1]
    missing = sorted(set(deps) - set(serial_took))
    if missing:
        sys.exit(f"no progress line for {missing}")
    total = sum(serial_took.values())
    chain_s, chain = longest_chain(deps, serial_took)
    lines = [
        f"**{len(deps)} resources ({2 * args.hosts + 2} instances), {args.latency_ms} ms per call.** "
        f"Sum of the resources' own times (serial run): {total:.1f} s. Longest dependency chain: "
        f"{len(chain)} resources, {chain_s:.1f} s (`{'` → `'.join(chain)}`). The plan every apply "
        f"starts with (lookups for resources to re-adopt, images; `drove plan` alone): {planning:.2f} s, "
        f"{planning_calls} calls.",
        "",
        "| `--parallelism` | apply (wall) | ÷ serial | apply − plan | ÷ longest chain | AWS calls |",
        "|---|---|---|---|---|---|",
    ]
    for p in sorted(runs):
        wall, _, calls = runs[p]
        changes = wall - planning
        lines.append(f"| {p} | {wall:.2f} s | {wall / serial_wall:.2f} | {changes:.2f} s | {changes / chain_s:.2f} | {calls} |")
    print("\n" + "\n".join(lines))
    if args.write:
        load = open("/proc/loadavg").read().split()[0]
        header = [
            f"`python3 bench/parallel/run.py --hosts {args.hosts} --latency-ms {args.latency_ms} "
            f"--parallelism {args.parallelism} --write`, {datetime.date.today()}, {machine()}, load average {load}.",
            "",
        ]
        write_section(ROOT / "docs" / "benchmarks.md", "parallel-result", "\n".join(header + lines))


if __name__ == "__main__":
    main()
