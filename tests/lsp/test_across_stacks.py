"""Stacks that use each other in the editor: a stack naming another's declarations gets
its diagnostics without the rest of the repository being read; go-to-definition and
hover on `net.main.public-a` lead into the used stack's file; an unsaved edit to the used
stack re-checks the stack using it."""

from __future__ import annotations

import asyncio
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import DROVE, change, diagnostics_for, make_client, open_doc, uri, wait_for

NETWORK = """\
stack shared-net { region = "ap-northeast-1" }

network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}
"""

APP = """\
stack shop-app { region = "ap-northeast-1" }
use net = "../network"
firewall web in net.main { allow tcp 443 from 0.0.0.0/0 }
role app { image = image("base-*")  type = t3.micro  firewall = [web] }
hosts app { role = app  count = 2  subnets = [net.main.public-a] }
"""


@pytest.fixture
def repo(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / ".git").mkdir()
    for name, text in [("network", NETWORK), ("app", APP)]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "stack.drove").write_text(text)
    # Many other stacks the editor must not read to answer for the app.
    for i in range(50):
        d = tmp_path / "others" / f"s{i}"
        d.mkdir(parents=True)
        (d / "stack.drove").write_text(f'stack other-{i} {{ region = "ap-northeast-1" }}\nnetwork n {{ cidr = 10.{i}.0.0/16 }}\n')
    return tmp_path


@pytest.mark.asyncio
async def test_names_of_a_used_stack_check_and_lead_to_its_file(client, repo):
    app = open_doc(client, repo / "app" / "stack.drove")
    assert await diagnostics_for(client, app, 1) == []

    line = APP.splitlines()[4]
    col = line.index("net.main.public-a") + len("net.main.pub")
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(app), types.Position(4, col))
    )
    assert found.uri == uri(repo / "network" / "stack.drove")
    target = NETWORK.splitlines()[4]
    assert (found.range.start.line, found.range.start.character) == (4, target.index("public-a"))

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(app), types.Position(2, APP.splitlines()[2].index("main") + 1))
    )
    assert "network main" in hover.contents.value and "`network`" in hover.contents.value, hover.contents.value


@pytest.mark.asyncio
async def test_an_unsaved_edit_to_a_used_stack_rechecks_its_users(client, repo):
    app = open_doc(client, repo / "app" / "stack.drove")
    assert await diagnostics_for(client, app, 1) == []
    net = open_doc(client, repo / "network" / "stack.drove")
    await diagnostics_for(client, net, 1)
    # Rename the subnet in the network's buffer only: the app names a subnet gone.
    row = NETWORK.splitlines()[4]
    col = row.index("public-a")
    change(client, net, 2, (4, col + 7), (4, col + 8), "b")
    await wait_for(lambda: any(d.code == "E0100" for d in client.diagnostics.get(app, [])))
    [d] = client.diagnostics[app]
    assert "public-a" in d.message and "`network`" in d.message, d.message
    assert (d.range.start.line, d.range.start.character) == (4, APP.splitlines()[4].index("public-a"))
    # Back as it was: the app is clean again.
    change(client, net, 3, (4, col + 7), (4, col + 8), "a")
    await wait_for(lambda: list(client.diagnostics.get(app, [1])) == [])


@pytest.mark.asyncio
async def test_a_use_that_leads_nowhere_is_reported_at_its_path(client, repo):
    text = APP.replace('"../network"', '"../netwrok"')
    app = open_doc(client, repo / "app" / "stack.drove", text)
    diags = await diagnostics_for(client, app, 1)
    assert [d.code for d in diags] == ["E0112"], diags
    assert diags[0].range.start.line == 1


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DROVE, "lsp"], client_factory=make_client))
async def rooted(lsp_client: LanguageClient, repo: pathlib.Path):
    """A client whose workspace is the repository, as an editor opened on its root."""
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=uri(repo), name="repo")],
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_symbols_and_references_span_the_repository(rooted, repo):
    client = rooted
    net = open_doc(client, repo / "network" / "stack.drove")
    await diagnostics_for(client, net, 1)
    # The index is built in the background: stacks never opened show up once it is.
    async def symbols(query: str):
        return await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query)) or []

    found: list = []

    async def poll():
        nonlocal found
        found = await symbols("other-4")
        return found

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not await poll():
        assert loop.time() < deadline, "the repository's stacks never showed in workspace symbols"
        await asyncio.sleep(0.05)
    assert any(s.location.uri == uri(repo / "others" / "s4" / "stack.drove") for s in found), found

    # References to the network's subnet include the app stack's use of it, never opened.
    row = NETWORK.splitlines()[4]
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(net),
            position=types.Position(4, row.index("public-a") + 2),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    app = uri(repo / "app" / "stack.drove")
    across = [r for r in refs if r.uri == app]
    assert len(across) == 1, refs
    line = APP.splitlines()[4]
    assert (across[0].range.start.line, across[0].range.start.character) == (4, line.index("public-a"))


@pytest.mark.asyncio
async def test_a_rename_follows_into_the_stacks_using_it(rooted, repo):
    client = rooted
    net = open_doc(client, repo / "network" / "stack.drove")
    await diagnostics_for(client, net, 1)
    app = uri(repo / "app" / "stack.drove")
    row = NETWORK.splitlines()[4]
    position = types.Position(4, row.index("public-a") + 1)

    # The index is built in the background; once it is, the app's use is part of the edit.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        edit = await client.text_document_rename_async(
            types.RenameParams(text_document=types.TextDocumentIdentifier(net), position=position, new_name="front")
        )
        if app in (edit.changes or {}):
            break
        assert loop.time() < deadline, edit
        await asyncio.sleep(0.05)
    [change_in_app] = edit.changes[app]
    line = APP.splitlines()[4]
    assert change_in_app.new_text == "front"
    assert (change_in_app.range.start.line, change_in_app.range.start.character) == (4, line.index("public-a"))
    assert change_in_app.range.end.character == line.index("public-a") + len("public-a")
    # Written out, both stacks check clean.
    for path, edits in edit.changes.items():
        p = pathlib.Path(path.removeprefix("file://"))
        lines = p.read_text().splitlines(keepends=True)
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            assert e.range.start.line == e.range.end.line, e
            l = lines[e.range.start.line]
            lines[e.range.start.line] = l[: e.range.start.character] + e.new_text + l[e.range.end.character :]
        p.write_text("".join(lines))
    import subprocess

    r = subprocess.run([DROVE, "check", str(repo)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "front" in (repo / "app" / "stack.drove").read_text()
