"""At most `maxDiagnosticsPerFile` diagnostics a file (1,000 unless the client sets it, as
VS Code itself keeps): errors before warnings, and one line saying how many were left out."""

from __future__ import annotations

import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import DROVE, change, diagnostics_for, make_client, open_doc


def zone(warnings: int, clean: int = 3) -> str:
    """A stack whose zone has `warnings` records publishing a private address (W0020)."""
    lines = ['stack limit { region = "ap-northeast-1" }', 'zone "limit.example." {']
    lines += [f"  ok{i} 300 A 192.0.2.{i + 1}" for i in range(clean)]
    lines += [f"  leak{i} 300 A 10.0.{i // 250}.{i % 250 + 1}" for i in range(warnings)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def limited(n: int):
    @pytest_lsp.fixture(config=ClientServerConfig(server_command=[DROVE, "lsp"], client_factory=make_client))
    async def fixture(lsp_client: LanguageClient):
        params = types.InitializeParams(
            capabilities=types.ClientCapabilities(), initialization_options={"maxDiagnosticsPerFile": n}
        )
        await lsp_client.initialize_session(params)
        yield
        await lsp_client.shutdown_session()

    return fixture


five = limited(5)
unlimited = limited(0)


def by_severity(diags, severity):
    return [d for d in diags if d.severity == severity]


@pytest.mark.asyncio
async def test_errors_are_kept_first_and_the_rest_is_counted(five, tmp_path: pathlib.Path):
    path = tmp_path / "zone.drove"
    path.write_text(zone(12))
    u = open_doc(five, path)
    diags = await diagnostics_for(five, u, 1)
    warnings = by_severity(diags, types.DiagnosticSeverity.Warning)
    assert [d.code for d in warnings] == ["W0020"] * 5
    # The kept ones are the first five in the file; the note sits on the first left out.
    assert [d.range.start.line for d in warnings] == [5, 6, 7, 8, 9]
    [note] = by_severity(diags, types.DiagnosticSeverity.Information)
    assert note.message.startswith("7 more warnings in this file are not shown")
    assert "drove check" in note.message
    assert note.range.start.line == 10

    # An error late in the file (an address that isn't one) displaces a warning.
    last = 4 + 12
    text = path.read_text().splitlines()
    col = text[last].rindex(".") + 1
    change(five, u, 2, (last, col), (last, len(text[last])), "999")
    diags = await diagnostics_for(five, u, 2)
    errors = by_severity(diags, types.DiagnosticSeverity.Error)
    assert len(errors) == 1 and errors[0].range.start.line == last
    assert len(by_severity(diags, types.DiagnosticSeverity.Warning)) == 4
    [note] = by_severity(diags, types.DiagnosticSeverity.Information)
    assert note.message.startswith("7 more warnings")


async def open_1200_warnings(client, tmp_path: pathlib.Path):
    path = tmp_path / "zone.drove"
    path.write_text(zone(1200))
    u = open_doc(client, path)
    return await diagnostics_for(client, u, 1, timeout=30)


@pytest.mark.asyncio
async def test_zero_sends_them_all(unlimited, tmp_path: pathlib.Path):
    diags = await open_1200_warnings(unlimited, tmp_path)
    assert len(diags) == 1200
    assert not by_severity(diags, types.DiagnosticSeverity.Information)


@pytest.mark.asyncio
async def test_the_default_is_a_thousand_a_file(client, tmp_path: pathlib.Path):
    diags = await open_1200_warnings(client, tmp_path)
    assert len(by_severity(diags, types.DiagnosticSeverity.Warning)) == 1000
    [note] = by_severity(diags, types.DiagnosticSeverity.Information)
    assert note.message.startswith("200 more warnings in this file are not shown")
    assert "at most 1000 a file" in note.message


@pytest.mark.asyncio
async def test_more_errors_than_the_limit_leave_no_room_for_warnings(five, tmp_path: pathlib.Path):
    lines = ['stack limit { region = "ap-northeast-1" }', 'zone "limit.example." {']
    lines += [f"  leak{i} 300 A 10.0.0.{i + 1}" for i in range(3)]
    lines += [f"  bad{i} 300 A 192.0.2.{300 + i}" for i in range(7)]
    path = tmp_path / "zone.drove"
    path.write_text("\n".join(lines + ["}"]) + "\n")
    diags = await diagnostics_for(five, open_doc(five, path), 1)
    assert len(by_severity(diags, types.DiagnosticSeverity.Error)) == 5
    assert not by_severity(diags, types.DiagnosticSeverity.Warning)
    [note] = by_severity(diags, types.DiagnosticSeverity.Information)
    assert note.message.startswith("5 more errors and warnings in this file are not shown")
    # It sits on the first diagnostic left out in the file: the first warning.
    assert note.range.start.line == 2
