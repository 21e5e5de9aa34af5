"""Published diagnostics: codes, links to explain pages, related information, stacks that
span files, and a storm of random edits that must end where `drove check` does."""

from __future__ import annotations

import json
import pathlib
import random

import pytest
from lsprotocol import types

from conftest import APP, NET, change, diagnostics_for, drove, open_doc, uri, wait_for


@pytest.mark.asyncio
async def test_clean_stack_publishes_empty_for_every_file(client, stack):
    u = open_doc(client, stack / "app.drove")
    assert await diagnostics_for(client, u, 1) == []
    # The file that is not open is part of the stack and gets (empty) diagnostics too.
    assert await diagnostics_for(client, uri(stack / "net.drove")) == []


@pytest.mark.asyncio
async def test_edit_in_one_file_updates_another(client, stack):
    net = open_doc(client, stack / "net.drove")
    app = open_doc(client, stack / "app.drove")
    await diagnostics_for(client, app, 1)
    # Rename subnet `public-a` to `public-b` in net.drove only (line 4, `public-a` at 9..17).
    line = NET.splitlines()[4]
    col = line.index("public-a")
    change(client, net, 2, (4, col + 7), (4, col + 8), "b")
    await wait_for(lambda: client.versions.get(net) == 2 and len(client.diagnostics.get(app, [])) > 0)
    [d] = client.diagnostics[app]
    assert d.code.startswith("E01")
    row = APP.splitlines()[6]
    start = row.index("public-a")
    assert (d.range.start.line, d.range.start.character) == (6, start)
    assert d.range.end.character == start + len("public-a")
    assert d.severity == types.DiagnosticSeverity.Error
    # Undo: the other file becomes clean again.
    change(client, net, 3, (4, col + 7), (4, col + 8), "a")
    await wait_for(lambda: client.versions.get(net) == 3 and list(client.diagnostics.get(app, [1])) == [])


@pytest.mark.asyncio
async def test_code_description_and_related_information(client, stack):
    text = NET + "\nnetwork main { cidr = 10.1.0.0/16 }\n"
    u = open_doc(client, stack / "net.drove", text)
    diags = await diagnostics_for(client, u, 1)
    dup = [d for d in diags if d.code.startswith("E01")]
    assert dup, diags
    d = dup[0]
    assert d.source == "drove"
    href = d.code_description.href
    assert href.startswith("file://")
    page = pathlib.Path(href.removeprefix("file://")).read_text()
    assert page.rstrip("\n") == drove("explain", d.code).stdout.rstrip("\n")
    [rel] = d.related_information
    assert rel.location.uri == u
    assert rel.location.range.start.line == 2  # the first `network main`


@pytest.mark.asyncio
async def test_unknown_file_and_version_ordering(client, tmp_path):
    # A change reaching the server for a version it already has is ignored.
    path = tmp_path / "a.drove"
    path.write_text(NET + APP)
    u = open_doc(client, path, NET + APP, version=5)
    await diagnostics_for(client, u, 5)
    change(client, u, 5, (0, 0), (0, 0), "garbage {{{ ")
    change(client, u, 6, (0, 0), (0, 0), "\n")
    assert await diagnostics_for(client, u, 6) == []


def check_json(dir: pathlib.Path) -> list[dict]:
    out = drove("check", str(dir), "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


SEVERITY = {types.DiagnosticSeverity.Error: "error", types.DiagnosticSeverity.Warning: "warning"}


def as_check(d: types.Diagnostic) -> tuple:
    """The fields `drove check --format json` has (help lines go after the message here)."""
    message = d.message.split("\nhelp: ")[0]
    return (d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1, d.range.end.character + 1, SEVERITY[d.severity], d.code, message)


def offset_to_pos(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n")
    col = len(before) - (before.rfind("\n") + 1)
    return line, len(before[len(before) - col :].encode("utf-16-le")) // 2


PIECES = [
    "a", " ", "\n", "{", "}", "=", '"', "10.0.", "/24", "é", "😀", "#", ",", "[", "]",
    "\nnetwork edge {\n  cidr = 10.1.0.0/16\n",
    "  subnet public-b { cidr = 10.0.1.128/25  zone = b }\n",
    "\nfirewall db in main {\n  allow tcp 3306 from web\n}\n",
    "  allow tcp 22 from 0.0.0.0/0\n",
    "\nstack again { region = \"us-east-1\" }\n",
    "cidr = 10.0.3.0/24 ",
]


@pytest.mark.asyncio
async def test_random_edit_storm_ends_like_drove_check(client, stack, tmp_path):
    rng = random.Random(4)
    text = NET
    u = open_doc(client, stack / "net.drove", text)
    version = 1
    for _ in range(3000):
        version += 1
        if text and (rng.random() < 0.35 or len(text) > 2500):
            a = rng.randrange(len(text))
            b = min(len(text), a + rng.randrange(1, 5))
            start, end = offset_to_pos(text, a), offset_to_pos(text, b)
            text = text[:a] + text[b:]
            change(client, u, version, start, end, "")
        else:
            a = rng.randrange(len(text) + 1)
            piece = rng.choice(PIECES)
            pos = offset_to_pos(text, a)
            text = text[:a] + piece + text[a:]
            change(client, u, version, pos, pos, piece)
    published = await diagnostics_for(client, u, version, timeout=60)
    # The server is alive and answers requests.
    await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(u), types.Position(0, 0)))
    app = uri(stack / "app.drove")
    final = tmp_path / "final"
    final.mkdir()
    (final / "net.drove").write_text(text)
    (final / "app.drove").write_text(APP)
    lines = text.split("\n")

    def utf16(line: int, column: int) -> int:
        """`drove check` counts columns in characters, the protocol in UTF-16 units."""
        before = lines[line - 1][: column - 1] if line - 1 < len(lines) else ""
        return len(before.encode("utf-16-le")) // 2 + 1

    report = check_json(final)
    expected = sorted(
        (d["line"], utf16(d["line"], d["column"]), d["end_line"], utf16(d["end_line"], d["end_column"]), d["severity"], d["code"], d["message"])
        for d in report
        if d["file"].endswith("net.drove")
    )
    assert len(expected) >= 3, "the storm should leave diagnostics to compare"
    assert sorted(as_check(d) for d in published) == expected
    app_expected = sorted(
        (d["line"], d["column"], d["end_line"], d["end_column"], d["severity"], d["code"], d["message"])
        for d in report
        if d["file"].endswith("app.drove")
    )
    # The file that is not open gets the diagnostics of the same final stack.
    await wait_for(lambda: sorted(as_check(d) for d in client.diagnostics.get(app, [])) == app_expected)
    print(f"storm: {len(text)} bytes, {len(expected)} + {len(app_expected)} diagnostics")


@pytest.mark.asyncio
async def test_closing_a_buffer_falls_back_to_the_file_on_disk(client, stack):
    app = uri(stack / "app.drove")
    u = open_doc(client, stack / "app.drove", APP.replace("role = app", "role = nope"))
    assert [d.code for d in await diagnostics_for(client, u, 1)][0].startswith("E01")
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(u)))
    # The unsaved edit is gone: the stack is analysed from disk again, and is clean.
    await wait_for(lambda: client.versions.get(app, 1) is None and list(client.diagnostics.get(app, [1])) == [])


@pytest.mark.asyncio
async def test_a_file_that_leaves_the_stack_is_cleared(client, stack):
    extra = stack / "extra.drove"
    extra.write_text("bogus thing\n")
    u = open_doc(client, stack / "net.drove")
    await wait_for(lambda: len(client.diagnostics.get(uri(extra), [])) > 0)
    extra.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri(extra), types.FileChangeType.Deleted)])
    )
    await wait_for(lambda: list(client.diagnostics.get(uri(extra), [1])) == [])
    assert await diagnostics_for(client, u) == []
