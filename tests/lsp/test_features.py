"""Hover, navigation, rename, completion, symbols, formatting, quick fixes, semantic
tokens and inlay hints through a real client."""

from __future__ import annotations

import pathlib

import pytest
from lsprotocol import types as t

from conftest import APP, NET, diagnostics_for, drove, open_doc, uri


def pos_of(text: str, needle: str, nth: int = 0, delta: int = 1) -> t.Position:
    """Position `delta` characters into the `nth` occurrence of `needle`."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text[:i].count("\n")
    col = i - (text[:i].rfind("\n") + 1)
    return t.Position(line, col + delta)


def doc_pos(u: str, p: t.Position) -> dict:
    return dict(text_document=t.TextDocumentIdentifier(u), position=p)


@pytest.mark.asyncio
async def test_hover_subnet_shows_range_capacity_and_hosts(client, stack):
    u = open_doc(client, stack / "app.drove")
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(APP, "public-a"))))
    md = h.contents.value
    assert "10.0.1.0/24" in md and "251 usable" in md
    assert "2 × app" in md


@pytest.mark.asyncio
async def test_hover_instance_type_shows_catalog_entry(client, stack):
    u = open_doc(client, stack / "app.drove")
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(APP, "t3.medium"))))
    md = h.contents.value
    assert "2 vCPU" in md and "4 GiB" in md and "/month" in md


@pytest.mark.asyncio
async def test_definition_crosses_files(client, stack):
    u = open_doc(client, stack / "app.drove")
    loc = await client.text_document_definition_async(t.DefinitionParams(**doc_pos(u, pos_of(APP, "public-c"))))
    loc = loc[0] if isinstance(loc, list) else loc
    assert loc.uri == uri(stack / "net.drove")
    assert loc.range.start == pos_of(NET, "public-c", delta=0)


@pytest.mark.asyncio
async def test_references_of_a_firewall(client, stack):
    u = open_doc(client, stack / "net.drove")
    refs = await client.text_document_references_async(
        t.ReferenceParams(**doc_pos(u, pos_of(NET, "web")), context=t.ReferenceContext(include_declaration=True))
    )
    assert sorted((pathlib.Path(r.uri).name, r.range.start.line) for r in refs) == [("app.drove", 3), ("net.drove", 8)]


@pytest.mark.asyncio
async def test_rename_network_across_files(client, stack):
    u = open_doc(client, stack / "net.drove")
    prep = await client.text_document_prepare_rename_async(t.PrepareRenameParams(**doc_pos(u, pos_of(NET, "main"))))
    assert prep.start == pos_of(NET, "main", delta=0)
    edit = await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(NET, "main")), new_name="core"))
    changes = edit.changes
    assert len(changes[u]) == 2  # the declaration and `firewall web in main`
    app_edits = changes[uri(stack / "app.drove")]
    assert [(e.range.start.line, e.new_text) for e in app_edits] == [(6, "core"), (6, "core")]
    with pytest.raises(Exception):
        await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(NET, "main")), new_name="not valid"))


@pytest.mark.asyncio
async def test_completion_by_context(client, stack):
    u = open_doc(client, stack / "app.drove")

    async def labels(p: t.Position) -> set[str]:
        r = await client.text_document_completion_async(t.CompletionParams(**doc_pos(u, p)))
        items = r.items if hasattr(r, "items") else r
        return {i.label for i in items}

    assert {"t3.medium", "m5.large"} <= await labels(pos_of(APP, "t3.medium", delta=0))
    assert await labels(pos_of(APP, "web]", delta=0)) >= {"web"}
    assert await labels(pos_of(APP, "main.public-c", delta=0)) >= {"main.public-a", "main.public-c"}
    assert {"image", "type", "firewall", "provision"} <= await labels(t.Position(1, 2))
    top = await labels(t.Position(5, 0))
    assert {"network", "zone", "hosts", "firewall"} <= top
    net = open_doc(client, stack / "net.drove")
    r = await client.text_document_completion_async(t.CompletionParams(**doc_pos(net, pos_of(NET, "zone = a", delta=7))))
    zones = {i.label for i in (r.items if hasattr(r, "items") else r)}
    assert {"a", "c", "d", "ap-northeast-1a"} <= zones


@pytest.mark.asyncio
async def test_completion_record_types_in_zone(client, tmp_path):
    text = NET + '\nzone "acme.example." {\n  www 300 \n}\n'
    u = open_doc(client, tmp_path / "z.drove", text)
    p = pos_of(text, "www 300 ", delta=8)
    r = await client.text_document_completion_async(t.CompletionParams(**doc_pos(u, p)))
    labels = {i.label for i in (r.items if hasattr(r, "items") else r)}
    assert {"A", "AAAA", "CNAME", "MX", "TXT"} <= labels


@pytest.mark.asyncio
async def test_document_and_workspace_symbols(client, stack):
    u = open_doc(client, stack / "net.drove")
    syms = await client.text_document_document_symbol_async(t.DocumentSymbolParams(t.TextDocumentIdentifier(u)))
    names = {s.name: s for s in syms}
    assert {"demo", "main", "web"} <= names.keys()
    assert [c.name for c in names["main"].children] == ["public-a", "public-c"]
    ws = await client.workspace_symbol_async(t.WorkspaceSymbolParams(query="public"))
    assert {s.name for s in ws} == {"main.public-a", "main.public-c"}


@pytest.mark.asyncio
async def test_formatting_matches_drove_fmt(client, tmp_path):
    messy = 'stack demo {region="ap-northeast-1"}\nnetwork   main {\ncidr =    10.0.0.0/16\n  # keep me\n}\n'
    path = tmp_path / "m.drove"
    path.write_text(messy)
    u = open_doc(client, path, messy)
    edits = await client.text_document_formatting_async(
        t.DocumentFormattingParams(t.TextDocumentIdentifier(u), t.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert len(edits) == 1
    assert drove("fmt", str(path)).returncode == 0
    assert edits[0].new_text == path.read_text()
    assert edits[0].range.start == t.Position(0, 0)


@pytest.mark.asyncio
async def test_quick_fix_from_did_you_mean(client, stack):
    text = APP.replace("role = app", "role = ap")
    u = open_doc(client, stack / "app.drove", text)
    diags = await diagnostics_for(client, u, 1)
    [d] = [d for d in diags if d.code.startswith("E01")]
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(u), d.range, t.CodeActionContext(diagnostics=[d]))
    )
    [fix] = [a for a in actions if a.kind == t.CodeActionKind.QuickFix]
    [edit] = fix.edit.changes[u]
    assert edit.new_text == "app"
    assert edit.range == d.range


@pytest.mark.asyncio
async def test_semantic_tokens(client, stack):
    init_legend = ["keyword", "comment", "string", "number", "property", "type", "function", "namespace", "enumMember", "interface", "class", "variable"]
    u = open_doc(client, stack / "net.drove")
    toks = await client.text_document_semantic_tokens_full_async(t.SemanticTokensParams(t.TextDocumentIdentifier(u)))
    data = toks.data
    line = col = 0
    decoded = []
    for i in range(0, len(data), 5):
        dl, dc, ln, ty, mods = data[i : i + 5]
        line += dl
        col = col + dc if dl == 0 else dc
        text = NET.splitlines()[line][col : col + ln]
        decoded.append((text, init_legend[ty], mods & 1))
    assert ("network", "keyword", 0) in decoded
    assert ("main", "namespace", 1) in decoded
    assert ("public-a", "enumMember", 1) in decoded
    assert ('"ap-northeast-1"', "string", 0) in decoded
    assert ("cidr", "property", 0) in decoded


@pytest.mark.asyncio
async def test_inlay_hints_hosts_per_subnet(client, stack):
    u = open_doc(client, stack / "net.drove")
    hints = await client.text_document_inlay_hint_async(
        t.InlayHintParams(t.TextDocumentIdentifier(u), t.Range(t.Position(0, 0), t.Position(20, 0)))
    )
    labels = [(h.position.line, h.label) for h in hints]
    assert (4, "2 hosts / 251 usable") in labels and (5, "2 hosts / 251 usable") in labels


ZONE = '''zone "acme.example." {
  ttl = 300
  www A hosts.app.public_ip
  mail.acme.example. 60 A 192.0.2.25
}
'''


@pytest.mark.asyncio
async def test_records_show_their_absolute_name(client, stack):
    # A record may take `public_ip` only of hosts whose role asks for one (E0299).
    app = APP.replace("  firewall = [web]\n", "  firewall = [web]\n  public_ip = true\n")
    (stack / "app.drove").write_text(app)
    (stack / "dns.drove").write_text(ZONE)
    u = open_doc(client, stack / "dns.drove")
    assert await diagnostics_for(client, u, 1) == []
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(ZONE, "www"))))
    assert "www.acme.example. 300 A hosts.app.public_ip" in h.contents.value
    hints = await client.text_document_inlay_hint_async(
        t.InlayHintParams(t.TextDocumentIdentifier(u), t.Range(t.Position(0, 0), t.Position(9, 0)))
    )
    # Only the relative name gets a hint; `mail.acme.example.` is written in full.
    assert [(h.position.line, h.label) for h in hints] == [(2, "= www.acme.example.")]
    # `hosts.app.public_ip` leads to the hosts declaration in another file.
    loc = await client.text_document_definition_async(t.DefinitionParams(**doc_pos(u, pos_of(ZONE, "app.public_ip"))))
    loc = loc[0] if isinstance(loc, list) else loc
    assert loc.uri == uri(stack / "app.drove") and loc.range.start == pos_of(app, "app {", 1, delta=0)


@pytest.mark.asyncio
async def test_requests_anywhere_answer_without_error(client, stack):
    u = open_doc(client, stack / "net.drove")
    await diagnostics_for(client, u, 1)
    for p in [t.Position(0, 0), t.Position(3, 999), t.Position(999, 0), t.Position(4, 2)]:
        await client.text_document_hover_async(t.HoverParams(**doc_pos(u, p)))
        await client.text_document_definition_async(t.DefinitionParams(**doc_pos(u, p)))
        await client.text_document_completion_async(t.CompletionParams(**doc_pos(u, p)))
    # Requests for a file the server never saw get an empty answer, not an error.
    other = uri(stack / "missing.drove")
    assert await client.text_document_hover_async(t.HoverParams(**doc_pos(other, t.Position(0, 0)))) is None
