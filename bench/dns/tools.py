"""What the Route53 benchmarks share: moto with its request recorder, the same records
written as a drove stack and as an octoDNS config, octoDNS in its own venv, and a timer
that stops the run on a failed command."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "bench.example."
sys.path.insert(0, str(ROOT / "bench" / "check"))
from gen import records  # noqa: E402,F401  (the same record mix as the check benchmark)


def updated(recs, generation):
    """10 % of the records (every tenth, all A records) get a new address."""
    for i, (name, ttl, rtype, values) in enumerate(recs):
        if i % 10 == 0 and generation:
            values = [f"198.51.{generation % 256}.{i % 256}"]
        yield name, ttl, rtype, values


# The EC2 and S3 SDKs are the largest crates of the build and these benchmarks call
# neither (a zone-only stack, local state): unoptimised they build in a fraction of the
# time, and can only make drove slower, never faster.
RELEASE_BUILD = ["cargo", "build", "--release", "-q",
                 "--config", "profile.release.package.aws-sdk-ec2.opt-level=0",
                 "--config", "profile.release.package.aws-sdk-s3.opt-level=0"]


def drove_binary():
    """DROVE=path uses a build made elsewhere (e.g. a debug build, to try a harness)."""
    if os.environ.get("DROVE"):
        return Path(os.environ["DROVE"]).resolve()
    subprocess.run(RELEASE_BUILD + ["-p", "drove"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "drove"


def venv(path, requirements):
    """A venv at `path` with a pinned requirements file of bench/ installed; its bin/."""
    if not (path / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin/pip"), "install", "-q", "--disable-pip-version-check",
                        "-r", str(ROOT / "bench" / requirements)], check=True)
    return path / "bin"


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


def write_octodns(recs, conf, update=False):
    """`update`: a config for changing existing records. octodns-route53 counts an UPSERT
    as one ResourceRecord towards a batch's 1,000 where Route53 (and moto) count it twice,
    so with its default a batch of 999 updates is refused; its `max_changes: 500` (its own
    setting) keeps update batches valid. Creates keep the default, so its first apply
    sends batches as large as they may be."""
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
            + ("    max_changes: 500\n" if update else "")
            + "zones:\n"
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


def octodns_sync(out):
    """The octodns-sync command (without --doit), octoDNS installed under bench/out/dns."""
    bin_ = venv(ROOT / "bench" / "out" / "dns" / "venv-octodns", "requirements-octodns.txt")
    shim = out / "octodns_sync.py"
    out.mkdir(parents=True, exist_ok=True)
    shim.write_text(OCTODNS_SHIM)
    return [bin_ / "python", shim]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} did not start")


def recorded_entries(text):
    """The entries of moto's recording. moto writes an entry and its newline in two writes,
    from one thread per request: calls answered at once (drove sends a zone's change
    batches in parallel) can put two entries on one line, so entries are read one JSON
    value after another, not line by line."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return
        entry, i = decoder.raw_decode(text, i)
        yield entry


class Moto:
    """moto's server with its request recorder on: the Route53 calls a tool made reach
    moto whatever is between them, so every tool is counted the same way."""

    def __init__(self, recording):
        subprocess.run([str(ROOT / "scripts/setup-moto")], check=True)
        self.port = free_port()
        env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(recording))
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        wait_up(self.endpoint + "/moto-api/", "moto")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def call(self, method, path):
        req = urllib.request.Request(self.endpoint + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()

    def reset(self):
        """Forgets every resource and the calls recorded so far."""
        self.call("POST", "/moto-api/reset")
        self.recorded_calls()

    def recorded_calls(self):
        """AWS calls since the last call: Route53's as `METHOD /path` with ids elided, any
        other service's (none is expected) as `METHOD /path Action`, so none goes uncounted."""
        text = self.call("GET", "/moto-api/recorder/download-recording")
        self.call("POST", "/moto-api/recorder/reset-recording")
        calls = Counter()
        for e in recorded_entries(text):
            path = re.sub(r"^https?://[^/]+", "", e.get("url", "")).split("?")[0]
            if path.startswith("/moto-api"):
                continue
            if path.startswith("/2013-04-01/"):
                path = re.sub(r"/(hostedzone|change|healthcheck)/[^/]+", r"/\1/ID", path)
            else:
                action = re.search(r"Action=(\w+)", f"{e.get('url', '')} {e.get('body') or ''}")
                path = f"{path} {action.group(1) if action else ''}".rstrip()
            calls[f"{e.get('method', '?')} {path}"] += 1
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


def aws_env(endpoint):
    """Every AWS client of every tool pointed at `endpoint`, with dummy credentials."""
    return dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ENDPOINT_URL_ROUTE_53=endpoint,
                AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                NO_COLOR="1")


def call_list(calls):
    return ", ".join(f"{k} ×{v}" for k, v in sorted(calls.items()))


def machine():
    """`AMD EPYC …, 2 cores`: the CPU model and core count, for the results' header."""
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def write_section(doc, marker, text):
    """Replaces the text between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` in `doc`."""
    body = doc.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    i, j = body.find(start), body.find(end)
    if i < 0 or j < i:
        sys.exit(f"{doc} has no {start} … {end} section")
    doc.write_text(body[: i + len(start)] + "\n" + text.rstrip("\n") + "\n" + body[j:])
