"""Shutdown and exit end the server process."""

from __future__ import annotations

import json
import subprocess

from conftest import DROVE


def frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read(p: subprocess.Popen) -> dict:
    length = 0
    while (line := p.stdout.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(p.stdout.read(length))


def send(p: subprocess.Popen, msg: dict) -> None:
    p.stdin.write(frame(msg))
    p.stdin.flush()


def test_shutdown_then_exit_ends_the_process():
    p = subprocess.Popen([DROVE, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}, "rootUri": None}})
    assert read(p)["result"]["serverInfo"]["name"] == "drove"
    send(p, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(p, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    assert read(p) == {"jsonrpc": "2.0", "result": None, "id": 2}
    assert p.poll() is None  # still running until `exit`
    send(p, {"jsonrpc": "2.0", "method": "exit"})
    assert p.wait(timeout=10) == 0


def test_closed_input_ends_the_process():
    p = subprocess.Popen([DROVE, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.close()
    p.wait(timeout=10)
    assert p.returncode is not None
