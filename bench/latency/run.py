#!/usr/bin/env python3
"""drove against octoDNS and Ansible's amazon.aws Route53 modules, with network latency.

moto answers in a few milliseconds; AWS's API is tens of milliseconds away. Here every
tool talks to moto through drove-test-proxy, which holds each answer back a fixed time
(--latency-ms) and serves calls concurrently, as AWS would. A tool that makes a call per
record pays that time per record; one that lists in pages and changes in batches pays it
a few times per zone.

For each latency and zone size, each tool on a freshly reset moto: the first apply of
the zone, a run that finds no changes (`drove plan`, `octodns-sync` without `--doit`,
`ansible-playbook --check`), and an update of every tenth record (10 %). Wall time of the
whole command; Route53 calls as moto's request recorder saw them. Ansible runs one
module process per record, so it is measured on the smaller sizes only
(--ansible-records).

With --cache-reads the proxy answers a GET moto answered before from that answer (until
any other call), and the run that finds no changes is made twice, timed the second time:
that leaves out moto's own time per call, which it spends one call at a time (about 75 ms
for a page of a 10,000-record zone) where AWS serves calls side by side. The no-change
row's calls are those moto saw in the first run; the 10 % update's listing comes from the
cache too, so its calls are only the changes; the first apply is timed as without it.

Usage: bench/latency/run.py [--records 100,1000] [--ansible-records 100] [--latency-ms 20,50]
                            [--rounds 1] [--cache-reads] [--write [--section latency-result]]
DROVE=path and PROXY=path use binaries built elsewhere; otherwise both are built in release.
--write puts the tables into docs/benchmarks.md (between the markers named by --section).
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dns"))
from tools import (ORIGIN, RELEASE_BUILD, ROOT, Moto, aws_env, call_list, drove_binary, machine, octodns_sync,  # noqa: E402
                   records, timed, updated, venv, write_drove, write_octodns, write_section)

OUT = ROOT / "bench" / "out" / "latency"
PHASES = ["first apply", "no changes", "10% update"]
TOOLS = {"drove": "drove", "octodns": "octoDNS", "ansible": "Ansible"}


def proxy_binary():
    if os.environ.get("PROXY"):
        return Path(os.environ["PROXY"]).resolve()
    subprocess.run(RELEASE_BUILD + ["-p", "drove-test-proxy"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "drove-test-proxy"


class LatencyProxy:
    def __init__(self, binary, upstream, latency_ms, cache_reads=False):
        self.proc = subprocess.Popen([str(binary), "--upstream", upstream, "--latency-ms", str(latency_ms)]
                                     + (["--cache-reads"] if cache_reads else []),
                                     stdout=subprocess.PIPE, text=True)
        self.endpoint = self.proc.stdout.readline().strip()
        if not self.endpoint.startswith("http://"):
            sys.exit(f"drove-test-proxy did not start (printed {self.endpoint!r})")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.communicate(timeout=30)


def write_ansible(recs, path):
    """The records as Ansible variables (JSON is YAML)."""
    rows = [{"name": f"{name}.{ORIGIN}", "type": rtype, "ttl": ttl, "value": values}
            for name, ttl, rtype, values in recs]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"records": rows}))


class Tools:
    """Runs one tool's phase in its own directory under bench/out/latency."""

    def __init__(self, drove, sync, ansible_bin):
        self.drove, self.sync, self.ansible_bin = drove, sync, ansible_bin

    def write(self, tool, recs, update=False):
        d = OUT / tool
        if tool == "drove":
            write_drove(recs, d)
        elif tool == "octodns":
            write_octodns(recs, d, update)
        else:
            write_ansible(recs, d / "records.json")

    def fresh(self, tool, recs):
        shutil.rmtree(OUT / tool, ignore_errors=True)
        self.write(tool, recs)

    def command(self, tool, phase, endpoint):
        d = OUT / tool
        if tool == "drove":
            return [self.drove, "plan", "--detailed-exitcode", d] if phase == "no changes" \
                else [self.drove, "apply", "--auto-approve", d]
        if tool == "octodns":
            c = self.sync + ["--config-file", d / "config.yaml", "--log-stream-stdout"]
            return c if phase == "no changes" else c + ["--doit", "--force"]
        c = [self.ansible_bin / "ansible-playbook", "-i", "localhost,", ROOT / "bench/latency/route53.yml",
             "-e", f"endpoint={endpoint}", "-e", f"records_file={d / 'records.json'}"]
        return c + ["--check"] if phase == "no changes" else c

    def env(self, tool, endpoint):
        env = aws_env(endpoint)
        if tool == "ansible":
            env.update(ANSIBLE_HOME=str(OUT / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(OUT / "ansible-tmp"),
                       ANSIBLE_PYTHON_INTERPRETER=str(self.ansible_bin / "python"), ANSIBLE_NOCOLOR="1",
                       ANSIBLE_RETRY_FILES_ENABLED="0")
        return env


def measure(tools, moto, endpoint, tool, base, generation, warm_reads=False):
    """The three phases of one tool on a reset moto: {phase: (seconds, calls)}. With
    `warm_reads`, the no-change phase runs once untimed first (the proxy's read cache then
    answers the timed run), and its calls are those of that first run."""
    moto.reset()
    tools.fresh(tool, base)
    env = tools.env(tool, endpoint)
    out = {}
    for phase in PHASES:
        if phase == "10% update":
            tools.write(tool, list(updated(base, generation)), update=True)
        # `drove plan --detailed-exitcode` exits 2 on changes: a no-change phase that found some fails here.
        warm = warm_reads and phase == "no changes"
        if warm:
            timed(tools.command(tool, phase, endpoint), env)  # fills the proxy's read cache
            calls = moto.recorded_calls()
        t = timed(tools.command(tool, phase, endpoint), env)
        recorded = moto.recorded_calls()
        out[phase] = (t, calls if warm else recorded)
    return out


def ratio(ours, theirs):
    """Two decimals, or two significant digits below 0.1 (Ansible's ratios are about 0.005)."""
    r = ours / theirs
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def table(n, latency, results, tools_here):
    head = "| phase | " + " | ".join(TOOLS[t] for t in tools_here) + " | " + \
        " | ".join(f"drove ÷ {TOOLS[t]}" for t in tools_here if t != "drove") + " | calls: " + \
        " / ".join(TOOLS[t] for t in tools_here) + " |"
    lines = [f"**{n:,} records, {latency} ms per call**", "", head, "|" + "---|" * (head.count("|") - 1)]
    for p in PHASES:
        med = {t: statistics.median(r[p][0] for r in results[t]) for t in tools_here}
        calls = {t: sum(results[t][-1][p][1].values()) for t in tools_here}
        lines.append(f"| {p} | " + " | ".join(f"{med[t]:.2f} s" for t in tools_here) + " | " +
                     " | ".join(ratio(med["drove"], med[t]) for t in tools_here if t != "drove") + " | " +
                     " / ".join(str(calls[t]) for t in tools_here) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", default="100,1000")
    ap.add_argument("--ansible-records", type=int, default=100, help="Ansible only on zones up to this size")
    ap.add_argument("--latency-ms", default="20,50")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cache-reads", action="store_true", help="time the no-change run without moto's time per call")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--section", default="latency-result", help="the docs/benchmarks.md markers --write fills")
    a = ap.parse_args()
    sizes = [int(x) for x in a.records.split(",")]
    latencies = [int(x) for x in a.latency_ms.split(",")]

    drove, proxy_bin = drove_binary(), proxy_binary()
    sync = octodns_sync(OUT)
    ansible_bin = venv(OUT / "venv-ansible", "requirements-ansible.txt")
    tools = Tools(drove, sync, ansible_bin)

    load = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc)
    moto = Moto(OUT / "recording.jsonl")
    report = []
    details = []
    try:
        for latency in latencies:
            proxy = LatencyProxy(proxy_bin, moto.endpoint, latency, a.cache_reads)
            try:
                for n in sizes:
                    base = list(records(n))
                    here = [t for t in TOOLS if t != "ansible" or n <= a.ansible_records]
                    results = {t: [] for t in here}
                    for r in range(a.rounds):
                        for t in here:
                            results[t].append(measure(tools, moto, proxy.endpoint, t, base, r + 1, a.cache_reads))
                            print(f"{latency} ms, {n} records, round {r + 1}: {t} "
                                  + ", ".join(f"{p} {results[t][-1][p][0]:.2f} s" for p in PHASES), file=sys.stderr)
                    report += table(n, latency, results, here) + [""]
                    for t in here:
                        for p in PHASES:
                            details.append(f"- {n:,} records, {latency} ms, {TOOLS[t]}, {p}: {call_list(results[t][-1][p][1])}")
            finally:
                proxy.stop()
    finally:
        moto.stop()

    cmd = (f"python3 bench/latency/run.py --records {a.records} --ansible-records {a.ansible_records} "
           f"--latency-ms {a.latency_ms} --rounds {a.rounds}" + (" --cache-reads" if a.cache_reads else ""))
    header = [f"`{cmd}`: {machine()}; load average {load:.1f} at the start; "
              f"{started:%Y-%m-%d %H:%M} UTC; {a.rounds} round(s), medians.", ""]
    text = "\n".join(header + report + ["Route53 calls per phase (moto's recorder):", ""] + details)
    print(text)
    if a.write:
        write_section(ROOT / "docs" / "benchmarks.md", a.section, text)


if __name__ == "__main__":
    main()
