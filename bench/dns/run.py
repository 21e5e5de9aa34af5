#!/usr/bin/env python3
"""drove against octoDNS (octodns-route53) on the same Route53 records and the same moto.

Three phases per tool, each on a moto reset before the first one: the first apply of a
zone with N records, a run that finds no changes, and an update of 10 % of the records.
Both tools run in this one process's run, alternately per round, so machine noise hits
both alike; medians are printed with the ratio and the Route53 calls each made (counted
by moto's own request recorder, which both pay for alike).

Usage: bench/dns/run.py [RECORDS] [ROUNDS] [--write]   (DROVE=path/to/drove skips the release build)
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "dns"
ORIGIN = "bench.example."
OCTODNS = ["octodns==1.22.0", "octodns-route53==1.3.1"]
sys.path.insert(0, str(ROOT / "bench" / "check"))
from gen import records  # noqa: E402  (the same record mix as the check benchmark)


def updated(recs, generation):
    """10 % of the records (every tenth, all A records) get a new address."""
    for i, (name, ttl, rtype, values) in enumerate(recs):
        if i % 10 == 0 and generation:
            values = [f"198.51.{generation % 256}.{i % 256}"]
        yield name, ttl, rtype, values


def write_drove(recs, stack):
    stack.mkdir(parents=True, exist_ok=True)
    with open(stack / "zone.drove", "w") as f:
        f.write('stack bench {\n  region = "us-east-1"\n}\n\n')
        f.write(f'zone "{ORIGIN}" {{\n')
        for name, ttl, rtype, values in recs:
            f.write(f"  {name} {ttl} {rtype} {', '.join(values)}\n")
        f.write("}\n")


def octodns_value(rtype, v):
    if rtype == "MX":
        pref, exchange = v.split()
        return {"preference": int(pref), "exchange": exchange}
    if rtype == "TXT":
        return v.strip('"')
    return v


def write_octodns(recs, conf):
    (conf / "zones").mkdir(parents=True, exist_ok=True)
    with open(conf / "config.yaml", "w") as f:
        f.write(
            "providers:\n"
            "  config:\n"
            "    class: octodns.provider.yaml.YamlProvider\n"
            f"    directory: {conf / 'zones'}\n"
            "    enforce_order: false\n"
            "  route53:\n"
            "    class: octodns_route53.Route53Provider\n"
            "    access_key_id: testing\n"
            "    secret_access_key: testing\n"
            "zones:\n"
            f"  {ORIGIN}:\n"
            "    sources: [config]\n"
            "    targets: [route53]\n"
        )
    zone = {}
    for name, ttl, rtype, values in recs:
        vals = [octodns_value(rtype, v) for v in values]
        body = {"type": rtype, "ttl": ttl}
        body["values" if len(vals) > 1 else "value"] = vals if len(vals) > 1 else vals[0]
        zone[name] = body
    # JSON is YAML: no PyYAML needed in this process.
    with open(conf / "zones" / f"{ORIGIN}yaml", "w") as f:
        json.dump(zone, f)


# Runs octodns-sync with moto's one gap patched: its ListHealthChecks answer lacks
# IsTruncated, which octodns-route53 reads (see shared notes on moto).
OCTODNS_SHIM = """
import sys, boto3.session
_client = boto3.session.Session.client
def fill(parsed, **_):
    parsed.setdefault("IsTruncated", False)
def client(self, *args, **kwargs):
    c = _client(self, *args, **kwargs)
    c.meta.events.register("after-call.route53.ListHealthChecks", fill)
    return c
boto3.session.Session.client = client
from octodns.cmds.sync import main
sys.argv = ["octodns-sync"] + sys.argv[1:]
main()
"""


class Moto:
    def __init__(self, recording):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(recording))
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.call("GET", "/moto-api/")
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("moto did not start")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def call(self, method, path):
        req = urllib.request.Request(self.endpoint + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()

    def reset(self):
        self.call("POST", "/moto-api/reset")

    def recorded_calls(self):
        """Route53 calls since the last call, as `METHOD /path` with ids elided."""
        lines = self.call("GET", "/moto-api/recorder/download-recording").splitlines()
        self.call("POST", "/moto-api/recorder/reset-recording")
        calls = Counter()
        for line in lines:
            e = json.loads(line)
            path = re.sub(r"^https?://[^/]+", "", e["url"]).split("?")[0]
            if not path.startswith("/2013-04-01/"):
                continue
            path = re.sub(r"/(hostedzone|change|healthcheck)/[^/]+", r"/\1/ID", path)
            calls[f"{e['method']} {path}"] += 1
        return calls

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


def timed(cmd, env, expect=(0,)):
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if p.returncode not in expect:
        sys.exit(f"{' '.join(map(str, cmd))} failed (exit {p.returncode}):\n{p.stdout.decode()[-2000:]}\n{p.stderr.decode()[-4000:]}")
    return elapsed


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    rounds = int(args[1]) if len(args) > 1 else 3
    if os.environ.get("DROVE"):  # a build made elsewhere, e.g. to try the harness on a debug build
        drove = Path(os.environ["DROVE"])
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "drove"], cwd=ROOT, check=True)
        drove = ROOT / "target" / "release" / "drove"
    subprocess.run([str(ROOT / "scripts/setup-moto")], check=True)
    venv = OUT / "venv-octodns"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", *OCTODNS], check=True)
    shim = OUT / "octodns_sync.py"
    OUT.mkdir(parents=True, exist_ok=True)
    shim.write_text(OCTODNS_SHIM)

    base = list(records(n))
    moto = Moto(OUT / "recording.jsonl")
    env = dict(os.environ, AWS_ENDPOINT_URL=moto.endpoint, AWS_ENDPOINT_URL_ROUTE_53=moto.endpoint,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               NO_COLOR="1")
    phases = ["first apply", "no changes", "10% update"]
    times = {t: {p: [] for p in phases} for t in ("drove", "octodns")}
    calls = {t: {} for t in ("drove", "octodns")}
    try:
        for r in range(rounds):
            # drove: local state in the stack directory, started afresh each round.
            stack = OUT / "drove"
            shutil.rmtree(stack, ignore_errors=True)
            write_drove(base, stack)
            moto.reset()
            moto.recorded_calls()
            times["drove"]["first apply"].append(timed([drove, "apply", "--auto-approve", stack], env))
            calls["drove"]["first apply"] = moto.recorded_calls()
            times["drove"]["no changes"].append(timed([drove, "plan", "--detailed-exitcode", stack], env))
            calls["drove"]["no changes"] = moto.recorded_calls()
            write_drove(list(updated(base, r + 1)), stack)
            times["drove"]["10% update"].append(timed([drove, "apply", "--auto-approve", stack], env))
            calls["drove"]["10% update"] = moto.recorded_calls()

            conf = OUT / "octodns"
            shutil.rmtree(conf, ignore_errors=True)
            write_octodns(base, conf)
            moto.reset()
            moto.recorded_calls()
            sync = [venv / "bin/python", shim, "--config-file", conf / "config.yaml", "--log-stream-stdout"]
            times["octodns"]["first apply"].append(timed(sync + ["--doit", "--force"], env))
            calls["octodns"]["first apply"] = moto.recorded_calls()
            times["octodns"]["no changes"].append(timed(sync, env))
            calls["octodns"]["no changes"] = moto.recorded_calls()
            write_octodns(list(updated(base, r + 1)), conf)
            times["octodns"]["10% update"].append(timed(sync + ["--doit", "--force"], env))
            calls["octodns"]["10% update"] = moto.recorded_calls()
    finally:
        moto.stop()

    lines = [f"records: {n}, rounds: {rounds} (medians), load average {os.getloadavg()[0]:.1f}", "",
             "| phase | drove | octoDNS | ratio | drove calls | octoDNS calls |", "|---|---|---|---|---|---|"]
    for p in phases:
        d, o = statistics.median(times["drove"][p]), statistics.median(times["octodns"][p])
        dc, oc = sum(calls["drove"][p].values()), sum(calls["octodns"][p].values())
        lines.append(f"| {p} | {d:.2f} s | {o:.2f} s | {d / o:.2f} | {dc} | {oc} |")
    lines.append("")
    for t in ("drove", "octodns"):
        for p in phases:
            detail = ", ".join(f"{k} ×{v}" for k, v in sorted(calls[t][p].items()))
            lines.append(f"- {t}, {p}: {detail}")
    report = "\n".join(lines)
    print(report)
    if "--write" in sys.argv:
        (OUT / "result.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
