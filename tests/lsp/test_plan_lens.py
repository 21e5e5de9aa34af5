"""The plan while typing, through a real client: code lenses with what the next apply does
to each declaration (from the stack's last state, without AWS), the whole plan through a
command, warnings where an edit deletes records, an unreadable state said once, and
"drove: Refresh" showing drift live on moto with its adopt and revert fixes."""

from __future__ import annotations

import ast
import json
import os
import pathlib
import subprocess
import sys

import boto3
import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import DROVE, change, diagnostics_for, make_client, open_doc, wait_for

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from motoserver import running_moto  # noqa: E402

REGION = "ap-northeast-1"

STACK = """\
stack lens { region = "ap-northeast-1" }

network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}

firewall web in main {
  allow tcp 443 from 0.0.0.0/0
}

zone "lens.example." {
  www  300  A  192.0.2.1
  api  300  A  192.0.2.2
}
"""

HOSTS = """\
role app {
  image    = image("base-*")
  type     = t3.medium
  firewall = [web]
}

hosts app { role = app  count = 2  subnets = [main.public-a] }
"""


def lens_client_factory() -> LanguageClient:
    client = make_client()
    client.lens_refreshes = 0

    @client.feature(t.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params):
        client.lens_refreshes += 1
        return None

    return client


CAPABILITIES = t.ClientCapabilities(
    text_document=t.TextDocumentClientCapabilities(code_lens=t.CodeLensClientCapabilities()),
    workspace=t.WorkspaceClientCapabilities(code_lens=t.CodeLensWorkspaceClientCapabilities(refresh_support=True)),
)


@pytest.fixture(scope="module")
def moto_env():
    """A moto server the language server (started after this) and the test's own drove
    and boto3 calls share, through the process environment."""
    saved = dict(os.environ)
    with running_moto() as endpoint:
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION, "NO_COLOR": "1",
                           "AWS_EC2_METADATA_DISABLED": "true"})
        yield endpoint
    os.environ.clear()
    os.environ.update(saved)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DROVE, "lsp"], client_factory=lens_client_factory))
async def lens_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(t.InitializeParams(capabilities=CAPABILITIES))
    yield
    await lsp_client.shutdown_session()


async def lenses(client: LanguageClient, u: str) -> list[t.CodeLens]:
    return await client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=u)))


async def lens_titles(client: LanguageClient, u: str, until, timeout: float = 20.0) -> dict[int, list[str]]:
    """Lens titles by line, once `until(titles)` holds (the plan is computed after the
    diagnostics, and the server asks the client to re-read lenses when it is)."""
    got: dict[int, list[str]] = {}

    async def ready():
        nonlocal got
        got = {}
        for lens in await lenses(client, u):
            got.setdefault(lens.range.start.line, []).append(lens.command.title)
        return until(got)

    import asyncio
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await ready():
        if loop.time() > deadline:
            raise AssertionError(f"lenses never matched: {got}")
        await asyncio.sleep(0.1)
    return got


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


@pytest.mark.asyncio
async def test_without_a_state_the_lens_shows_what_the_first_apply_creates(lens_client, tmp_path):
    (tmp_path / "main.drove").write_text(STACK)
    u = open_doc(lens_client, tmp_path / "app.drove", HOSTS)
    await diagnostics_for(lens_client, u, 1)
    hosts = line_of(HOSTS, "hosts app")
    got = await lens_titles(lens_client, u, lambda g: hosts in g)
    assert got[hosts] == ["2 instances: [0] + create · [1] + create"], got
    assert got[0][0].startswith("plan: "), got
    assert "to create" in got[0][0]
    [lens] = [x for x in await lenses(lens_client, u) if x.range.start.line == hosts]
    assert lens.command.command == "drove.showPlan" and list(lens.command.arguments) == [u]

    text = await lens_client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="drove.server.plan", arguments=[u]))
    assert "+ hosts.app[0]" in text and "+ zone.lens.example." in text, text

    # An edit is planned again, and the client is asked to re-read the lenses.
    before = lens_client.lens_refreshes
    change(lens_client, u, 2, (hosts, HOSTS.splitlines()[hosts].index("2")), (hosts, HOSTS.splitlines()[hosts].index("2") + 1), "3")
    got = await lens_titles(lens_client, u, lambda g: "3 instances" in " ".join(g.get(hosts, [])))
    await wait_for(lambda: lens_client.lens_refreshes > before)


@pytest.mark.asyncio
async def test_an_unreadable_state_is_said_once_and_nothing_else_breaks(lens_client, tmp_path):
    (tmp_path / "main.drove").write_text(STACK)
    (tmp_path / "drove.state.json").write_text("{ not json")
    u = open_doc(lens_client, tmp_path / "main.drove")
    assert [d.code for d in await diagnostics_for(lens_client, u, 1)] == ["W0005"], "the checks run as ever"
    got = await lens_titles(lens_client, u, lambda g: any("plan: none" in x for x in g.get(0, [])))
    assert len(got) == 1 and len(got[0]) == 1, f"one lens says why: {got}"
    assert "cannot read the state" in got[0][0], got
    # Hover still answers.
    hover = await lens_client.text_document_hover_async(t.HoverParams(
        text_document=t.TextDocumentIdentifier(uri=u), position=t.Position(line=line_of(STACK, "firewall web"), character=10)))
    assert hover is not None


def drove(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([DROVE, *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.asyncio
@pytest.mark.usefixtures("moto_env")
async def test_after_an_apply_edits_show_their_effect_and_refresh_shows_drift(lens_client, tmp_path, moto_env):
    (tmp_path / "main.drove").write_text(STACK)
    applied = drove("apply", "--auto-approve", ".", cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    u = open_doc(lens_client, tmp_path / "main.drove")
    await diagnostics_for(lens_client, u, 1)
    fw, www, zone = line_of(STACK, "firewall web"), line_of(STACK, "www  300"), line_of(STACK, 'zone "')
    got = await lens_titles(lens_client, u, lambda g: fw in g and g[0][0].startswith("plan: no changes"))
    assert got[fw] == ["no change"] and got[www] == ["no change"], got

    # Changing a value is an update of that record; removing a line deletes its record and warns at the zone.
    lines = STACK.splitlines()
    col = lines[www].index("192.0.2.1")
    change(lens_client, u, 2, (www, col), (www, col + len("192.0.2.1")), "192.0.2.7")
    got = await lens_titles(lens_client, u, lambda g: "~ update values" in " ".join(g.get(www, [])))
    api = line_of(STACK, "api  300")
    change(lens_client, u, 3, (api, 0), (api + 1, 0), "")
    ds = await diagnostics_for(lens_client, u, 3)
    await wait_for(lambda: any(d.code == "W0041" for d in lens_client.diagnostics.get(u, [])), 20)
    [w] = [d for d in lens_client.diagnostics[u] if d.code == "W0041"]
    assert w.range.start.line == zone and "api.lens.example. A" in w.message, w
    change(lens_client, u, 4, (0, 0), (len(lines) + 2, 0), STACK)
    await wait_for(lambda: lens_client.versions.get(u) == 4 and not any(d.code == "W0041" for d in lens_client.diagnostics.get(u, [])), 20)

    # Changes made in the console: a rule added and a record edited by hand.
    ec2 = boto3.client("ec2", endpoint_url=moto_env, region_name=REGION)
    r53 = boto3.client("route53", endpoint_url=moto_env, region_name=REGION)
    state = json.loads((tmp_path / "drove.state.json").read_text())
    group = state["resources"]["firewall.web"]["id"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}])
    zone_id = state["resources"]["zone.lens.example."]["id"]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "www.lens.example.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.99"}]}}]})

    summary = await lens_client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="drove.server.refresh", arguments=[u]))
    assert "2 of" in summary and "changed outside drove" in summary, summary
    await wait_for(lambda: sum(d.code == "W0043" for d in lens_client.diagnostics.get(u, [])) == 2, 20)
    drifts = {d.range.start.line: d for d in lens_client.diagnostics[u] if d.code == "W0043"}
    assert set(drifts) == {fw, www}, drifts
    assert "192.0.2.99" in drifts[www].message

    # Adopt the record's live value into the source.
    actions = await lens_client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(uri=u), range=drifts[www].range,
        context=t.CodeActionContext(diagnostics=[drifts[www]])))
    titles = [a.title for a in actions]
    adopt = next(a for a in actions if a.title.startswith("adopt"))
    assert any(x.startswith("revert record.www.lens.example./A") for x in titles), titles
    [edit] = adopt.edit.changes[u]
    assert edit.new_text == "192.0.2.99", edit

    # Adopt the rule added live: a new line in the firewall.
    actions = await lens_client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(uri=u), range=drifts[fw].range,
        context=t.CodeActionContext(diagnostics=[drifts[fw]])))
    adopt = next(a for a in actions if a.title.startswith("adopt"))
    assert adopt.edit.changes[u][0].new_text == "  allow tcp 22 from 203.0.113.0/24\n", adopt.edit

    # Or leave it to the next apply: the diagnostic goes, the lens shows the revert.
    revert = next(a for a in actions if a.title.startswith("revert"))
    # lsprotocol reads a code action that carries a command as a bare Command whose
    # `command` is the nested object's text; VS Code and Neovim read the code action.
    if isinstance(revert, t.CodeAction):
        command, arguments = revert.command.command, revert.command.arguments
    else:
        nested = ast.literal_eval(revert.command)
        command, arguments = nested["command"], nested["arguments"]
    assert command == "drove.server.revert" and list(arguments) == [u, "firewall.web.rules"]
    await lens_client.workspace_execute_command_async(t.ExecuteCommandParams(command=command, arguments=arguments))
    await wait_for(lambda: [d.range.start.line for d in lens_client.diagnostics.get(u, []) if d.code == "W0043"] == [www], 20)
    got = await lens_titles(lens_client, u, lambda g: "~ update ingress" in " ".join(g.get(fw, [])))
    assert "rules ~ update ingress" in got[fw][0], got


@pytest.mark.asyncio
async def test_the_lens_of_a_stack_using_another_reads_the_used_state(lens_client, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "network").mkdir()
    (tmp_path / "network" / "stack.drove").write_text(
        'stack shared-net { region = "ap-northeast-1" }\n'
        "network main {\n  cidr = 10.0.0.0/16\n"
        "  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }\n}\n"
    )
    (tmp_path / "app").mkdir()
    app_text = (
        'stack shop-app { region = "ap-northeast-1" }\nuse net = "../network"\n'
        "firewall web in net.main { allow tcp 443 from 0.0.0.0/0 }\n"
    )
    u = open_doc(lens_client, tmp_path / "app" / "stack.drove", app_text)
    await diagnostics_for(lens_client, u, 1)
    # The network was never applied: one lens at the top says so, as `drove plan` would.
    got = await lens_titles(lens_client, u, lambda g: any("not been applied" in x for x in g.get(0, [])))
    assert len(got) == 1, got

    # Once its state holds the VPC, the firewall plans to be created in it.
    state = {"format": 1, "lineage": "0" * 32, "serial": 1, "stack": "shared-net", "resources": {
        "network.main": {"kind": "ec2.vpc", "id": "vpc-0123", "attributes": {}, "outputs": {"id": "vpc-0123"}}}}
    (tmp_path / "network" / "drove.state.json").write_text(json.dumps(state))
    change(lens_client, u, 2, (2, 0), (2, 0), "# placed in the shared network\n")
    fw = 3
    got = await lens_titles(lens_client, u, lambda g: any("create" in x for x in g.get(fw, [])))
    text = await lens_client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="drove.server.plan", arguments=[u]))
    assert "vpc-0123" in text, text
