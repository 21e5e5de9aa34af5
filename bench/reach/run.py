#!/usr/bin/env python3
"""drove reach on a stack of 1,000 hosts and 200 firewalls (issue 14's target: answered
in under 50 ms).

The stack: one network over four subnets (two public, with NAT), 200 firewalls whose
rules name each other, a CIDR `let` and the internet, 100 roles of two firewalls each,
100 hosts groups of 10, and a balancer forwarding to ten of the groups. Each command runs
the whole binary (read, check, compile, then answer), so `drove check` of the same stack
runs alternately beside it as the baseline: the difference is compiling the stack and
answering (the plan and the language server have the compiled stack already). Medians,
with the load average. Usage: bench/reach/run.py [ROUNDS]
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "reach"
ROLES, PER_ROLE, FIREWALLS = 100, 10, 200


def stack() -> str:
    lines = ['stack bench { region = "ap-northeast-1" }', "network main {", "  cidr = 10.0.0.0/16"]
    lines += [
        "  subnet public-a  { cidr = 10.0.0.0/20   zone = a  public = true  nat = true }",
        "  subnet public-c  { cidr = 10.0.16.0/20  zone = c  public = true  nat = true }",
        "  subnet private-a { cidr = 10.0.32.0/19  zone = a }",
        "  subnet private-c { cidr = 10.0.64.0/19  zone = c }",
        "}",
        "let office = 198.51.100.0/24",
    ]
    for f in range(FIREWALLS):
        lines.append(f"firewall f{f} in main {{")
        lines.append(f"  allow tcp {3000 + f % 50} from f{(f + 1) % FIREWALLS}")
        lines.append(f"  allow tcp 22 from office")
        if f % 20 == 0:
            lines.append("  allow tcp 443 from 0.0.0.0/0")
        if f < 2 * 10 and f % 2 == 0:
            # The first ten roles sit behind the balancer, whose firewall is f0.
            lines.append("  allow tcp 3001 from f0")
        lines.append("}")
    for r in range(ROLES):
        lines += [
            f"role r{r} {{",
            '  image    = image("base-*")',
            "  type     = t3.micro",
            f"  firewall = [f{2 * r}, f{2 * r + 1}]",
            "}",
            f"hosts g{r} {{ role = r{r}  count = {PER_ROLE}  subnets = [main.private-a, main.private-c] }}",
        ]
    lines += [
        "balancer front in main {",
        "  subnets     = [main.public-a, main.public-c]",
        "  firewall    = [f0]",
        '  certificate = "arn:aws:acm:ap-northeast-1:123456789012:certificate/bench"',
        "  listen 443 https forward web",
        "  target web { hosts = [" + ", ".join(f"g{r}" for r in range(10)) + "]  port = 3001 }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start, proc.returncode, proc.stderr.decode(errors="replace")


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "drove", "--no-default-features"], cwd=ROOT, check=True)
    drove = str(ROOT / "target" / "release" / "drove")
    (OUT / "stack").mkdir(parents=True, exist_ok=True)
    (OUT / "stack" / "main.drove").write_text(stack())
    path = str(OUT / "stack")
    commands = {
        "check": [drove, "check", path],
        "reach --exposed": [drove, "reach", "--exposed", path],
        "reach internet hosts.g1:3001": [drove, "reach", "internet", "hosts.g1:3001", path],
        "reach hosts.g7 hosts.g3:3006": [drove, "reach", "hosts.g7", "hosts.g3:3006", path],
    }
    for name, cmd in commands.items():  # warm the page cache; each must run
        _, code, err = timed(cmd)
        if code not in (0, 3):
            sys.exit(f"{name} failed (exit {code}):\n{err}")
    times = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(timed(cmd)[0])
    base = statistics.median(times["check"])
    print(f"hosts: {ROLES * PER_ROLE}, firewalls: {FIREWALLS}, rounds: {rounds}, load: {os.getloadavg()[0]:.2f}")
    print(f"{'drove check (baseline)':34} {base * 1000:7.1f} ms")
    for name in list(commands)[1:]:
        m = statistics.median(times[name])
        print(f"{'drove ' + name:34} {m * 1000:7.1f} ms   compile + answer: {(m - base) * 1000:6.1f} ms   ratio to check: {m / base:.2f}")


if __name__ == "__main__":
    main()
