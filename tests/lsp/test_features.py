"""Hover, navigation, rename, completion, symbols, formatting, quick fixes, semantic
tokens and inlay hints through a real client."""

from __future__ import annotations

import json
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
    # The declaration, `firewall web in main`, and the move that keeps the network's resources.
    assert len(changes[u]) == 3
    assert any("moved {\n  from = network.main\n  to   = network.core\n}" in e.new_text for e in changes[u])
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
    # `main.public-a` is in the list already.
    assert await labels(pos_of(APP, "main.public-c", delta=0)) == {"main.public-c"}
    # `image`, `type` and `firewall` are set already in the block.
    in_role = await labels(t.Position(1, 2))
    assert {"disk", "provision", "public_ip"} <= in_role and not {"type", "firewall"} & in_role
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


RULES = NET.replace("  allow tcp 80, 443 from 0.0.0.0/0\n", "  allow tcp 80, 443 from 0.0.0.0/0\n  allow tcp 22 from office\n") + "let office = 203.0.113.0/24\n"


@pytest.mark.asyncio
async def test_rename_refuses_names_that_change_what_a_rule_means(client, stack):
    (stack / "net.drove").write_text(RULES)
    u = open_doc(client, stack / "net.drove")
    assert await diagnostics_for(client, u, 1) == []
    # The firewall renamed to the let's name: `from office` could mean either.
    with pytest.raises(Exception, match="already declared as a constant"):
        await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(RULES, "web")), new_name="office"))
    with pytest.raises(Exception, match="already declared as a firewall"):
        await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(RULES, "office =")), new_name="web"))
    for bad in ["1abc", "0600"]:
        with pytest.raises(Exception, match="not a valid name"):
            await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(RULES, "office =")), new_name=bad))
    # A clean name renames the let and its use in the rule.
    edit = await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(RULES, "office =")), new_name="hq"))
    assert sorted(e.range.start.line for e in edit.changes[u]) == [10, 12]


def applied(text: str, edits: list) -> str:
    """`text` with the workspace edit's changes of one file made (ASCII positions)."""
    lines = text.split("\n")
    offset = lambda p: sum(len(line) + 1 for line in lines[: p.line]) + p.character
    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


@pytest.mark.asyncio
async def test_a_renamed_firewall_keeps_its_group_and_records_a_move(client, stack):
    u = open_doc(client, stack / "net.drove")
    edit = await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(NET, "web")), new_name="front"))
    for path in ["net.drove", "app.drove"]:
        (stack / path).write_text(applied((stack / path).read_text(), edit.changes[uri(stack / path)]))
    net = (stack / "net.drove").read_text()
    assert 'firewall front in main {\n  group_name  = "demo-web"\n  description = "drove firewall web"\n' in net
    assert "moved {\n  from = firewall.web\n  to   = firewall.front\n}" in net
    r = drove("check", str(stack))
    assert r.returncode == 0, r.stdout + r.stderr
    r = drove("compile", str(stack))
    assert r.returncode == 0, r.stderr
    compiled = json.loads(r.stdout)
    assert compiled["moves"] == [{"from": "firewall.web", "to": "firewall.front"}]
    group = next(x for x in compiled["resources"] if x["address"] == "firewall.front")
    assert group["attributes"]["name"] == "demo-web"
    # A `let` makes no resource: its rename adds nothing.
    text = RULES
    (stack / "other").mkdir()
    (stack / "other" / "rules.drove").write_text(text)
    u = open_doc(client, stack / "other" / "rules.drove")
    edit = await client.text_document_rename_async(t.RenameParams(**doc_pos(u, pos_of(text, "office =")), new_name="hq"))
    assert all("moved" not in e.new_text for es in edit.changes.values() for e in es)


@pytest.mark.asyncio
async def test_prepare_rename_on_a_zone_explains_why_not(client, tmp_path):
    text = NET + '\nzone "acme.example." {\n  www 300 A 192.0.2.1\n}\n'
    u = open_doc(client, tmp_path / "z.drove", text)
    with pytest.raises(Exception, match="DNS name"):
        await client.text_document_prepare_rename_async(t.PrepareRenameParams(**doc_pos(u, pos_of(text, "acme"))))


@pytest.mark.asyncio
async def test_completion_items_replace_the_word_being_typed(client, stack):
    text = APP.replace("[main.public-a, main.public-c]", "[main.pu]").replace("t3.medium", "t3.me")
    u = open_doc(client, stack / "app.drove", text)
    r = await client.text_document_completion_async(t.CompletionParams(**doc_pos(u, pos_of(text, "main.pu", delta=7))))
    items = r.items if hasattr(r, "items") else r
    assert {i.label for i in items} == {"main.public-a", "main.public-c"}
    for i in items:
        assert i.text_edit.new_text == i.label
        assert i.text_edit.range == t.Range(pos_of(text, "main.pu", delta=0), pos_of(text, "main.pu", delta=7))
    r = await client.text_document_completion_async(t.CompletionParams(**doc_pos(u, pos_of(text, "t3.me", delta=5))))
    items = r.items if hasattr(r, "items") else r
    medium = next(i for i in items if i.label == "t3.medium")
    assert medium.text_edit.range.start == pos_of(text, "t3.me", delta=0)


@pytest.mark.asyncio
async def test_hover_shows_a_lets_value_and_a_misspelt_names_diagnostic(client, stack):
    (stack / "net.drove").write_text(RULES)
    u = open_doc(client, stack / "net.drove")
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(RULES, "office\n"))))
    assert "203.0.113.0/24" in h.contents.value and "256 addresses" in h.contents.value
    text = APP.replace("firewall = [web]", "firewall = [wbe]")
    a = open_doc(client, stack / "app.drove", text)
    await diagnostics_for(client, a, 1)
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(a, pos_of(text, "wbe"))))
    assert "E0100" in h.contents.value and "did you mean `web`?" in h.contents.value


async def actions_at(client, u: str, p: t.Position) -> list:
    got = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(u), t.Range(p, p), t.CodeActionContext(diagnostics=[]))
    )
    return [a for a in got or [] if a.kind == t.CodeActionKind.QuickFix]


@pytest.mark.asyncio
async def test_quick_fixes_beyond_did_you_mean(client, stack):
    # A zone letter the region lacks: each of its zones, offered with the cursor inside
    # the word; SSH open to the internet: narrowed to the office or the network.
    text = RULES.replace("zone = c", "zone = b").replace("443 from 0.0.0.0/0", "443, 22 from 0.0.0.0/0")
    u = open_doc(client, stack / "net.drove", text)
    await diagnostics_for(client, u, 1)
    titles = [a.title for a in await actions_at(client, u, pos_of(text, "zone = b", delta=7))]
    assert titles == ["replace with `a`", "replace with `c`", "replace with `d`"]
    ssh = await actions_at(client, u, pos_of(text, "22 from 0.0.0.0"))
    assert [a.title for a in ssh] == ["allow only from `office`", "allow only from `10.0.0.0/16`"]
    [edit] = ssh[0].edit.changes[u]
    assert edit.new_text == "office" and edit.range.start == pos_of(text, "0.0.0.0/0", delta=0)
    # A missing required attribute with an obvious start gets it inserted.
    app = APP.replace("  type     = t3.medium\n", "")
    a = open_doc(client, stack / "app.drove", app)
    await diagnostics_for(client, a, 1)
    [fix] = await actions_at(client, a, pos_of(app, "app {", delta=2))
    assert fix.title == "add `type = t3.micro`"


@pytest.mark.asyncio
async def test_quick_fix_creates_a_missing_file(client, stack):
    text = APP.replace("  firewall = [web]\n", '  firewall = [web]\n  provision {\n    file "/etc/app.conf" = file("files/app.conf")\n  }\n')
    u = open_doc(client, stack / "app.drove", text)
    diags = await diagnostics_for(client, u, 1)
    assert [d.code for d in diags] == ["E0264"]
    [fix] = await actions_at(client, u, pos_of(text, "files/app"))
    [op] = fix.edit.document_changes
    assert op.kind == "create" and op.uri == uri(stack / "files" / "app.conf")


EDGE = """stack edge { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24   zone = a  public = true  nat = true }
  subnet public-c  { cidr = 10.0.2.0/24   zone = c  public = true }
  subnet private-a { cidr = 10.0.11.0/24  zone = a }
}
firewall lb in main {
  allow tcp 443 from 0.0.0.0/0
}
firewall web in main {
  allow tcp 80 from lb
}
role web {
  image    = image("base-*")
  type     = t3.micro
  firewall = [web]
}
hosts web { role = web  count = 2  subnets = [main.private-a] }
balancer front in main {
  subnets     = [main.public-a, main.public-c]
  firewall    = [lb]
  certificate = "arn:aws:acm:ap-northeast-1:123456789012:certificate/abc"
  listen 443 https forward web
  target web { hosts = [web]  port = 80 }
}
"""


@pytest.mark.asyncio
async def test_hover_on_a_firewall_or_role_says_who_reaches_it_and_what_it_reaches(client, tmp_path):
    (tmp_path / "edge.drove").write_text(EDGE)
    u = open_doc(client, tmp_path / "edge.drove")
    await diagnostics_for(client, u, 1)
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(EDGE, "firewall web", delta=10))))
    md = h.contents.value
    assert "**From the internet**" in md, md
    assert "80/tcp" in md and "listener 443 forwards to target web on port 80" in md, md
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(EDGE, "role web", delta=6))))
    md = h.contents.value
    assert "**Reaches the internet** (443/tcp): yes" in md and "NAT gateway" in md, md
