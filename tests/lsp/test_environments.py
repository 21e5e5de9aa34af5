"""Environments in the editor: an error only one environment has is published at the
override that causes it, naming the environment; one all environments share is published
once; hover on an overridden attribute shows its value in each environment."""

from __future__ import annotations

import pytest
from lsprotocol import types as t

from conftest import APP, change, diagnostics_for, open_doc, wait_for
from test_features import doc_pos, pos_of

ENVS = """\
environment staging {
  hosts.app.count = 1
}

environment production {
  hosts.app.count = 0
}
"""


@pytest.mark.asyncio
async def test_an_error_of_one_environment_is_reported_at_its_override(client, stack):
    u = open_doc(client, stack / "envs.drove", ENVS)
    [d] = await diagnostics_for(client, u, 1)
    # The server adds the help line below the message.
    assert d.message.splitlines()[0].endswith("(in environment production)"), d.message
    assert d.severity == t.DiagnosticSeverity.Error
    col = ENVS.splitlines()[5].index("0")
    assert (d.range.start.line, d.range.start.character) == (5, col)
    # The declaration's own file is clean: the error is the override's.
    app = open_doc(client, stack / "app.drove")
    assert await diagnostics_for(client, app, 1) == []
    # Fixing production leaves nothing.
    change(client, u, 2, (5, col), (5, col + 1), "4")
    await wait_for(lambda: client.versions.get(u) == 2 and list(client.diagnostics.get(u, [1])) == [])


@pytest.mark.asyncio
async def test_an_override_of_no_attribute_offers_the_fix(client, stack):
    text = ENVS.replace("hosts.app.count = 0", "hosts.app.cuont = 4")
    u = open_doc(client, stack / "envs.drove", text)
    [d] = await diagnostics_for(client, u, 1)
    assert d.code == "E0051", d
    col = text.splitlines()[5].index("cuont")
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (5, col, col + 5)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(u),
            range=d.range,
            context=t.CodeActionContext(diagnostics=[d]),
        )
    )
    edits = [e.new_text for a in actions or [] if isinstance(a, t.CodeAction) and a.edit
             for es in (a.edit.changes or {}).values() for e in es]
    assert "count" in edits, actions


@pytest.mark.asyncio
async def test_hover_shows_the_value_in_each_environment(client, stack):
    open_doc(client, stack / "envs.drove", ENVS.replace("= 0", "= 4"))
    u = open_doc(client, stack / "app.drove")
    await diagnostics_for(client, u, 1)
    h = await client.text_document_hover_async(t.HoverParams(**doc_pos(u, pos_of(APP, "count"))))
    md = h.contents.value
    assert "hosts.app.count" in md, md
    assert "| *the stack* | `4` |" in md and "| staging | `1` |" in md and "| production | `4` |" in md, md
