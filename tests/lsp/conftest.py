"""Shared fixtures for the language-server tests: a client (pytest-lsp) talking to a real
`drove lsp` over stdio, and a small two-file stack in a temporary directory."""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = pathlib.Path(__file__).resolve().parents[2]
DROVE = os.environ.get("DROVE") or str(ROOT / "target" / "debug" / "drove")

NET = """\
stack demo { region = "ap-northeast-1" }

network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet public-c { cidr = 10.0.2.0/24  zone = c  public = true }
}

firewall web in main {
  allow tcp 80, 443 from 0.0.0.0/0
}
"""

APP = """\
role app {
  image    = image("base-*")
  type     = t3.medium
  firewall = [web]
}

hosts app { role = app  count = 4  subnets = [main.public-a, main.public-c] }
"""


def make_client() -> LanguageClient:
    """pytest-lsp's client, also keeping the version and a count of every publish so a
    test can wait for the diagnostics of one exact document version."""
    client = LanguageClient(converter_factory=default_converter)
    client.versions = {}
    client.publishes = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.versions[params.uri] = params.version
        client.publishes.append(params)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DROVE, "lsp"], client_factory=make_client))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def stack(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "net.drove").write_text(NET)
    (tmp_path / "app.drove").write_text(APP)
    return tmp_path


def uri(path: pathlib.Path) -> str:
    return path.resolve().as_uri()


def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None, version: int = 1) -> str:
    u = uri(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=u, language_id="drove", version=version, text=text if text is not None else path.read_text())
        )
    )
    return u


def change(client: LanguageClient, u: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(*start), types.Position(*end)), text=text
                )
            ],
        )
    )


async def wait_for(predicate, timeout: float = 10.0) -> None:
    """Polls until `predicate()` holds; fails the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the language server")
        await asyncio.sleep(0.01)


async def diagnostics_for(client: LanguageClient, u: str, version: int | None = None, timeout: float = 10.0):
    """The diagnostics of `u`, once the server published them for `version` (any version
    when None)."""
    await wait_for(lambda: u in client.diagnostics and (version is None or client.versions.get(u) == version), timeout)
    return list(client.diagnostics[u])


def drove(*args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([DROVE, *args], capture_output=True, text=True, cwd=cwd)


def copy_stack(src: pathlib.Path, dst: pathlib.Path) -> pathlib.Path:
    shutil.copytree(src, dst)
    return dst
