"""A moto server on a free loopback port for the Python suites that need AWS."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def moto_server_bin():
    for candidate in (ROOT / ".venv" / "bin" / "moto_server", Path(sys.executable).parent / "moto_server"):
        if candidate.exists():
            return candidate
    pytest.fail("no moto_server: run scripts/setup-moto")


@contextlib.contextmanager
def running_moto():
    """Yields the endpoint URL; the server is stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(moto_server_bin()), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
