"""What the `drove verify` tests share (conftest.py makes fixtures of them): the drove binary, and a BIND `named` serving a zone
file on a free loopback port (UDP and TCP) from a scratch directory."""

import os
import sys
import shutil
import socket
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drovebin import drove_binary  # noqa: E402  (tests/drovebin.py, shared by the suites)

ROOT = Path(__file__).resolve().parents[2]
STACK = Path(__file__).resolve().parent / "stack"
ZONE = "acme.example."


def drove(*args, env=None, cwd=None):
    return subprocess.run([drove_binary(), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})}, cwd=cwd, timeout=300)


def named_binary() -> str:
    found = shutil.which("named") or "/usr/sbin/named"
    if not Path(found).exists():
        pytest.fail("BIND's named is missing: apt-get install bind9")
    return found


def free_port() -> int:
    """A port free for both TCP and UDP on 127.0.0.1 (named listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    pytest.fail("no free port for named")


class Named:
    """`named -g` in the foreground, as the current user, with everything in `workdir`."""

    def __init__(self, workdir: Path, zone_text: str):
        self.dir = workdir
        self.port = free_port()
        (workdir / "zone.db").write_text(zone_text)
        conf = workdir / "named.conf"
        conf.write_text(f"""
options {{
  directory "{workdir}";
  pid-file "{workdir}/named.pid";
  session-keyfile "{workdir}/session.key";
  managed-keys-directory "{workdir}";
  listen-on port {self.port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  notify no;
}};
zone "{ZONE}" {{ type primary; file "{workdir}/zone.db"; }};
""")
        self.log = open(workdir / "named.log", "w")
        self.proc = subprocess.Popen([named_binary(), "-g", "-4", "-n", "1", "-c", str(conf)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _wait_ready(self):
        query = dns.message.make_query(ZONE, dns.rdatatype.SOA)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("named exited:\n" + (self.dir / "named.log").read_text())
            try:
                answer = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.5)
                if answer.answer:
                    return
            except (OSError, dns.exception.Timeout):
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail("named did not serve the zone within 20 s:\n" + (self.dir / "named.log").read_text())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
