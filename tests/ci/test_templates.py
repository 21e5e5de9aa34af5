"""The CI templates under ci/: their structure (check on every branch, one plan job per
affected stack on pull requests, the reviewed plans applied on main, OIDC instead of
stored keys) and their steps, run as the CI would run them (bash -eo pipefail) in a
scratch git repository of three stacks (network ← app, and dns with two environments)
against a moto server.

Steps that run drove, or the CI machine's API clients (`gh`, `curl`, `aws`), are run:
the clients are fakes (tests/ci/fakes.py) that record what they are asked and answer like
GitHub, CircleCI and STS. Steps only a CI machine can run are recognised and skipped by
name or pattern (CI_ONLY_STEPS, CI_ONLY_SCRIPTS); any other step fails the test, so a new
step can't slip through unexercised. Expressions (`${{ }}`, `<< >>`) are allowed in
`env:`/`environment:` only, where the test gives each its value."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from motoserver import running_moto  # noqa: E402  (tests/motoserver.py, shared by the suites)

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / "ci" / "github" / "drove.yml"
DRIFT = ROOT / "ci" / "github" / "drift.yml"
CIRCLECI = ROOT / "ci" / "circleci" / "config.yml"
CONTINUE = ROOT / "ci" / "circleci" / "continue.yml"
FAKES = Path(__file__).resolve().parent / "fakes.py"
REPO = "acme/infra"

# Steps provided by the CI itself (GitHub `uses:` actions, CircleCI built-in and orb steps).
CI_ONLY_STEPS = {
    "actions/checkout",          # the test works in a scratch repository instead
    "actions/cache",             # caches the drove binary; the test uses the built one
    "actions/upload-artifact",   # the test copies drove-plans/ where the fake gh serves it
    "aws-actions/configure-aws-credentials",  # the test gives moto's credentials
    "checkout",
    "restore_cache",
    "save_cache",
    "store_artifacts",           # as upload-artifact
    "continuation/continue",     # the test reads the configuration the setup job wrote
    "aws-cli/install",           # the fake aws is on PATH
}
# Shell steps that only make sense on a CI machine: (why it is skipped, pattern).
CI_ONLY_SCRIPTS = [
    ("installs drove; the test puts the built binary on PATH",
     re.compile(r"^(command -v drove \|\| )?cargo install --locked --git \"\$DROVE_GIT\" --tag \"[^\"]+\" drove$")),
    ("says there is nothing to do",
     re.compile(r"^echo \"No stack is affected[^\"]*\"$")),
]
# Programs a step may run: drove itself, and the fakes of the CI machine's API clients.
RUN = re.compile(r"(^|[\s$(|;])(drove|gh|curl|aws) ", re.M)

NETWORK = """stack network { region = "ap-northeast-1" }

network main {
  cidr = 10.60.0.0/16
  subnet public-a { cidr = 10.60.1.0/24  zone = a  public = true }
}
"""
APP = """stack app { region = "ap-northeast-1" }

use net = "../network"

firewall web in net.main {
  allow tcp 443 from 0.0.0.0/0
}
"""
DNS = """stack dns { region = "ap-northeast-1" }

environment staging {
  state = local("staging.state.json")
}

environment production {
  state = local("production.state.json")
}

zone "ci.example." {
  www  300  A  198.51.100.7
}
"""


def drove_bin():
    found = os.environ.get("DROVE") or shutil.which("drove") or str(ROOT / "target" / "debug" / "drove")
    if not Path(found).exists():
        pytest.fail("no drove binary: run `cargo build --workspace --all-targets` or set DROVE")
    return Path(found).resolve()


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def github_triggers(workflow):
    # YAML 1.1 reads the bare key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


def classify(script):
    """The reason a CI-only script is skipped, or None when it must be run."""
    for why, pattern in CI_ONLY_SCRIPTS:
        if pattern.match(script.strip()):
            return why
    return None


def runnable(scripts):
    """The scripts to run; every other one must be a known CI-only script."""
    run = []
    for script in scripts:
        if classify(script):
            continue
        assert RUN.search(script), f"a step neither runs drove nor is a known CI-only step:\n{script}"
        assert "${{" not in script and "<<" not in script.replace("<<<", ""), f"an expression in:\n{script}"
        run.append(script)
    return run


def github_scripts(workflow, job):
    scripts = []
    for step in workflow["jobs"][job]["steps"]:
        if "uses" in step:
            action = step["uses"].split("@")[0]
            assert action in CI_ONLY_STEPS, f"{job}: unknown action {action}"
            continue
        scripts.append((step.get("id"), step.get("env", {}), step["run"]))
    return scripts


def circleci_scripts(config, job):
    scripts = []

    def walk(steps, params):
        for step in steps:
            name, body = (step, None) if isinstance(step, str) else next(iter(step.items()))
            if name in CI_ONLY_STEPS:
                continue
            if name in config.get("commands", {}):
                walk(config["commands"][name]["steps"], body or {})
            elif name == "run":
                command = body if isinstance(body, str) else body["command"]
                for k, v in params.items():
                    command = command.replace(f"<< parameters.{k} >>", str(v))
                scripts.append((None, {}, command))
            else:
                pytest.fail(f"{job}: unknown CircleCI step {name}")

    walk(config["jobs"][job]["steps"], {})
    return scripts


def resolve(env, values):
    """A job's `env:`, each expression given its value by the test."""
    out = {}
    for k, v in (env or {}).items():
        v = str(v)
        for expr in re.findall(r"\$\{\{.*?\}\}|<<.*?>>", v):
            key = expr.strip("${}<> ")
            assert key in values, f"the test gives no value for {expr} ({k})"
            v = v.replace(expr, str(values[key]))
        out[k] = v
    return out


def run_steps(scripts, cwd, env, values, expect_ok=True):
    """Runs the runnable scripts in order; the output of all, and whether all passed."""
    log = []
    for _, step_env, script in scripts:
        if classify(script):
            continue
        out = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd,
                             env={**env, **resolve(step_env, values)}, capture_output=True, text=True)
        log.append(out.stdout + out.stderr)
        if out.returncode != 0:
            if expect_ok:
                pytest.fail(f"{script!r} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
            return "\n".join(log), False
    return "\n".join(log), True


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def calls(fake):
    path = fake / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- structure -------------------------------------------------------------------------

def test_github_triggers_jobs_and_oidc():
    wf = load(GITHUB)
    on = github_triggers(wf)
    assert set(on) == {"push", "pull_request"}
    assert not (on["push"] or {}).get("branches"), "check must run on a push to any branch"
    jobs = wf["jobs"]
    assert set(jobs) == {"affected", "plan", "apply"}
    assert "if" not in jobs["affected"]
    assert jobs["affected"]["steps"][0]["with"]["fetch-depth"] == 0, "drove affected needs the history"
    assert jobs["plan"]["if"].startswith("github.event_name == 'pull_request'")
    assert jobs["apply"]["if"].startswith("github.event_name == 'push' && github.ref == 'refs/heads/main'")
    assert jobs["plan"]["needs"] == jobs["apply"]["needs"] == "affected"
    assert jobs["plan"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.affected.outputs.stacks) }}"
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    text = GITHUB.read_text()
    assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text, "no stored AWS keys"
    for job, role in (("plan", "DROVE_PLAN_ROLE_ARN"), ("apply", "DROVE_APPLY_ROLE_ARN")):
        assert jobs[job]["permissions"]["id-token"] == "write"
        (oidc,) = [s for s in jobs[job]["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert oidc["with"]["role-to-assume"] == "${{ vars.%s }}" % role
    assert "token.actions.githubusercontent.com:sub" in text, "the header gives the trust policy"
    assert "secrets" not in str(jobs["affected"]), "check needs no credentials"


def test_circleci_is_a_setup_workflow_continued_with_the_affected_stacks():
    config = load(CIRCLECI)
    assert config["version"] == 2.1 and config["setup"] is True
    assert config["orbs"]["continuation"].startswith("circleci/continuation@")
    assert set(config["jobs"]) == {"affected"}
    steps = [s if isinstance(s, str) else next(iter(s)) for s in config["jobs"]["affected"]["steps"]]
    assert steps[-1] == "continuation/continue"
    cont = load(CONTINUE)
    assert "workflows" not in cont, "the setup job writes the workflows"
    assert set(cont["jobs"]) == {"plan", "apply", "nothing-to-do"}
    text = CIRCLECI.read_text() + CONTINUE.read_text()
    assert "AWS_ACCESS_KEY_ID:" not in text and "CIRCLE_OIDC_TOKEN_V2" in text
    assert "assume-role-with-web-identity" in text


# --- running the steps ----------------------------------------------------------------


@pytest.fixture
def moto():
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def world(tmp_path, moto):
    """An origin repository, a clone on a branch `change` whose pull request (#1) edits
    the network and dns stacks, everything on main applied, and the fakes on PATH."""
    if not shutil.which("jq"):
        pytest.fail("the templates use jq, as GitHub's and CircleCI's images have it: install jq")
    origin, work, fake, bin_dir = (tmp_path / n for n in ("origin.git", "work", "fake", "bin"))
    fake.mkdir()
    bin_dir.mkdir()
    for tool in ("gh", "curl", "aws"):
        (bin_dir / tool).write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKES}" {tool} "$@"\n')
        (bin_dir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{drove_bin().parent}:{os.environ['PATH']}", "FAKE_DIR": str(fake),
           "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "ap-northeast-1", "NO_COLOR": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
           "GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com",
           "GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com"}
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "BASH_ENV", "GITHUB_OUTPUT"):
        env.pop(var, None)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, env=env)
    subprocess.run(["git", "clone", "-q", str(origin), str(work)], check=True, env=env, capture_output=True)
    for stack, text in (("network", NETWORK), ("app", APP), ("dns", DNS)):
        (work / stack).mkdir()
        (work / stack / "stack.drove").write_text(text)
    # The templates where a repository keeps them; what the jobs write is not committed.
    for src, dest in ((GITHUB, ".github/workflows/drove.yml"), (DRIFT, ".github/workflows/drove-drift.yml"),
                      (CIRCLECI, ".circleci/config.yml"), (CONTINUE, ".circleci/continue.yml")):
        (work / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, work / dest)
    (work / ".gitignore").write_text("*.state.json\ndrove-plans/\n/*.md\n/*.json\n/*.txt\n/drove-continue.yml\n")
    run = lambda *a: subprocess.run(a, cwd=work, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    for stack in ("network", "app", "dns"):
        run("drove", "fmt", stack)
    run("git", "checkout", "-q", "-b", "main")
    run("git", "add", "-A")
    run("git", "commit", "-q", "-m", "three stacks")
    run("git", "push", "-q", "origin", "main")
    for args in (["network"], ["app"], ["dns", "--env", "staging"], ["dns", "--env", "production"]):
        run("drove", "apply", *args, "--auto-approve")
    run("git", "checkout", "-q", "-b", "change")
    (work / "network" / "stack.drove").write_text(
        NETWORK.replace("public = true }", "public = true }\n  subnet public-c { cidr = 10.60.2.0/24  zone = c  public = true }"))
    (work / "dns" / "stack.drove").write_text(DNS.replace("198.51.100.7", "198.51.100.8"))
    for stack in ("network", "dns"):
        run("drove", "fmt", stack)
    run("git", "commit", "-q", "-am", "a second subnet, a new address")
    head = git(work, "rev-parse", "HEAD")
    (fake / "pull.json").write_text(json.dumps({"number": 1, "head": {"sha": head, "ref": "change"}}))
    return {"work": work, "fake": fake, "env": env, "head": head, "main": git(work, "rev-parse", "main")}


ENTRIES = [("dns", "staging", "dns--staging"), ("dns", "production", "dns--production"),
           ("network", "", "network"), ("app", "", "app")]


def merge(world):
    """The pull request merged into main: (the commit before, the merge commit)."""
    work, env = world["work"], world["env"]
    subprocess.run(["git", "checkout", "-q", "main"], cwd=work, env=env, check=True)
    subprocess.run(["git", "merge", "-q", "--no-ff", "-m", "Merge #1", "change"], cwd=work, env=env, check=True)
    return world["main"], git(work, "rev-parse", "HEAD")


def assert_comments(fake, posts, patches):
    asked = [c for c in calls(fake) if c["tool"] in ("gh", "curl")]
    methods = [c.get("method") or next((a for i, a in enumerate(c["args"]) if c["args"][i - 1] == "--method"), "GET")
               for c in asked]
    assert methods.count("POST") == posts and methods.count("PATCH") == patches, asked
    bodies = json.loads((fake / "comments.json").read_text())
    markers = sorted(b["body"].splitlines()[0] for b in bodies)
    assert markers == sorted(f"<!-- drove plan: {p}{' ' + e if e else ''} -->" for p, e, _ in ENTRIES)
    return bodies


def stacks_applied(world):
    """Each stack and environment plans no change."""
    for path, env, _ in ENTRIES:
        args = ["drove", "plan", path, "--detailed-exitcode"] + (["--env", env] if env else [])
        out = subprocess.run(args, cwd=world["work"], env=world["env"], capture_output=True, text=True)
        assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"


def test_github_plans_each_stack_once_per_comment_and_applies_the_reviewed_plans(world):
    wf = load(GITHUB)
    work, fake, env = world["work"], world["fake"], world["env"]
    base = {"GITHUB_REPOSITORY": REPO, "GITHUB_OUTPUT": str(work / "output.txt")}
    values = {"github.base_ref": "main", "github.token": "gh-token", "github.event.pull_request.number": "1",
              "secrets.DROVE_SECRET_PASSPHRASE": "unused", "github.event.before": ""}

    def affected(event):
        (work / "output.txt").write_text("")
        run_steps(runnable_of(wf, "affected"), work, {**env, **base, **event}, values)
        out = dict(line.split("=", 1) for line in (work / "output.txt").read_text().splitlines())
        return json.loads(out["stacks"])

    pr = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/1/merge"}
    stacks = affected(pr)
    assert [(s["path"], s["env"], s["key"]) for s in stacks] == ENTRIES, "network before app; dns per environment"

    def plan_all():
        for entry in stacks:
            shutil.rmtree(work / "drove-plans", ignore_errors=True)
            job_values = {**values, **{f"matrix.{k}": v for k, v in entry.items()}}
            job_env = {**env, **base, **pr, **resolve(wf["jobs"]["plan"]["env"], job_values)}
            run_steps(runnable_of(wf, "plan"), work, job_env, job_values)
            artifact = fake / "artifacts" / f"drove-plan-{entry['key']}"
            shutil.rmtree(artifact, ignore_errors=True)
            shutil.copytree(work / "drove-plans", artifact)

    plan_all()
    bodies = assert_comments(fake, posts=4, patches=0)
    network = next(b["body"] for b in bodies if "drove plan: network " in b["body"])
    assert "**Plan: 2 to create" in network and "public-c" in network, network
    # A second push: each stack's comment is edited, none added.
    plan_all()
    assert_comments(fake, posts=4, patches=4)
    assert len(json.loads((fake / "comments.json").read_text())) == 4

    before, sha = merge(world)
    push = {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": sha,
            "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/drove.yml@refs/heads/main"}
    values["github.event.before"] = before
    stacks = affected(push)
    assert [s["key"] for s in stacks] == [k for _, _, k in ENTRIES]
    apply_values = {**values, "needs.affected.outputs.stacks": json.dumps(stacks)}
    apply_env = {**env, **base, **push, **resolve(wf["jobs"]["apply"]["env"], apply_values)}

    # A reviewed plan missing: refused before anything is applied.
    kept = fake / "kept"
    shutil.move(fake / "artifacts" / "drove-plan-app", kept)
    log, ok = run_steps(runnable_of(wf, "apply"), work, apply_env, apply_values, expect_ok=False)
    assert not ok and "no reviewed plan for app" in log, log
    assert "== " not in log, "nothing applied"
    shutil.move(kept, fake / "artifacts" / "drove-plan-app")
    shutil.rmtree(work / "drove-plans")

    # Main is not what was reviewed (here: an edit on top of the merge): drove refuses the
    # first plan, dns's, and nothing is applied.
    reviewed = (work / "dns" / "stack.drove").read_text()
    (work / "dns" / "stack.drove").write_text(reviewed.replace("198.51.100.8", "198.51.100.9"))
    log, ok = run_steps(runnable_of(wf, "apply"), work, apply_env, apply_values, expect_ok=False)
    assert not ok and "error[E0317]" in log and "stack.drove (changed)" in log, log
    assert [line for line in log.splitlines() if line.startswith("== ")] == ["== dns--staging"], log
    (work / "dns" / "stack.drove").write_text(reviewed)
    shutil.rmtree(work / "drove-plans")

    log, _ = run_steps(runnable_of(wf, "apply"), work, apply_env, apply_values)
    assert [line for line in log.splitlines() if line.startswith("== ")] == [f"== {k}" for _, _, k in ENTRIES]
    gh = [c["args"] for c in calls(fake) if c["tool"] == "gh"]
    assert ["api", f"repos/{REPO}/commits/{sha}/pulls", "--jq", ".[0].number // empty"] in gh
    assert ["run", "download", "77", "--repo", REPO, "--pattern", "drove-plan-*", "--dir", "drove-plans"] in gh
    stacks_applied(world)

    # The drift template, per stack: nothing drifted.
    drift = load(DRIFT)
    assert set(github_triggers(drift)) == {"schedule", "workflow_dispatch"}
    assert drift["jobs"]["drift"]["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    (work / "output.txt").write_text("")
    run_steps(runnable_of(drift, "stacks"), work, {**env, **base}, values)
    every = json.loads((work / "output.txt").read_text().split("=", 1)[1])
    assert sorted(e["key"] for e in every) == sorted(k for _, _, k in ENTRIES)
    step = next(s for s in drift["jobs"]["drift"]["steps"] if s.get("id") == "drift")
    assert "--refresh-only" in step["run"]
    for entry in every:
        job_values = {**values, **{f"matrix.{k}": v for k, v in entry.items()}}
        job_env = {**env, **base, **resolve(drift["jobs"]["drift"]["env"], job_values),
                   "GITHUB_STEP_SUMMARY": str(work / "summary.md")}
        (work / "output.txt").write_text("")
        subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=work, env=job_env, check=True,
                       capture_output=True)
        assert (work / "output.txt").read_text().strip() == "code=0", entry
    assert "No drift" in (work / "summary.md").read_text()


def runnable_of(workflow, job):
    scripts = github_scripts(workflow, job)
    keep = runnable([s for _, _, s in scripts])
    return [s for s in scripts if s[2] in keep]


def test_circleci_continues_with_a_plan_job_per_stack_and_applies_the_reviewed_plans(world):
    config, cont = load(CIRCLECI), load(CONTINUE)
    work, fake, env = world["work"], world["fake"], world["env"]
    base = {"CIRCLE_PROJECT_USERNAME": "acme", "CIRCLE_PROJECT_REPONAME": "infra", "GITHUB_TOKEN": "gh-token",
            "CIRCLECI_TOKEN": "cci-token", "CIRCLE_OIDC_TOKEN_V2": "oidc-token", "CIRCLE_BUILD_NUM": "9",
            "DROVE_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/drove-plan",
            "DROVE_APPLY_ROLE_ARN": "arn:aws:iam::123456789012:role/drove-apply"}
    values = {"pipeline.parameters.main-branch": "main", "pipeline.git.base_revision": ""}

    def scripts_of(cfg, job):
        scripts = circleci_scripts(cfg, job)
        keep = runnable([s for _, _, s in scripts])
        return [s for s in scripts if s[2] in keep]

    def setup(event):
        run_steps(scripts_of(config, "affected"), work,
                  {**env, **base, **event, **resolve(config["jobs"]["affected"]["environment"], values)}, values)
        continued = yaml.safe_load((work / "drove-continue.yml").read_text())
        assert {k: v for k, v in continued.items() if k != "workflows"} == cont
        return continued["workflows"]

    def job_env(job, params, bash_env):
        bash_env.write_text("")
        job_values = {**values, **{f"parameters.{k}": v for k, v in params.items()}}
        # The role's credentials come from the fake STS through $BASH_ENV, not from here.
        plain = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        return {**plain, **base, "BASH_ENV": str(bash_env),
                **resolve(cont["executors"]["rust"]["environment"], job_values),
                **resolve(cont["jobs"][job]["environment"], job_values)}, job_values

    pr = {"CIRCLE_BRANCH": "change", "CIRCLE_PULL_REQUEST": "https://github.com/acme/infra/pull/1"}
    workflows = setup(pr)
    (jobs,) = [w["jobs"] for w in workflows.values()]
    assert list(workflows) == ["drove-plan"]
    assert [j["plan"]["name"] for j in jobs] == [f"plan-{k}" for _, _, k in ENTRIES]
    assert all(j["plan"]["context"] == "drove" for j in jobs)
    for j in jobs:
        params = {k: v for k, v in j["plan"].items() if k in ("path", "env", "key")}
        shutil.rmtree(work / "drove-plans", ignore_errors=True)
        e, job_values = job_env("plan", params, work.parent / "bash_env")
        e.update(pr)
        run_steps(scripts_of(cont, "plan"), work, e, job_values)
        artifact = fake / "artifacts" / params["key"]
        shutil.copytree(work / "drove-plans", artifact)
        for extra in artifact.glob("*.md"):
            extra.unlink()
    assert_comments(fake, posts=4, patches=0)
    sts = [c["args"] for c in calls(fake) if c["tool"] == "aws"]
    assert len(sts) == 4 and all("arn:aws:iam::123456789012:role/drove-plan" in a for a in sts)
    assert all(a[a.index("--web-identity-token") + 1] == "oidc-token" for a in sts)

    # A branch without a pull request plans nothing.
    assert list(setup({"CIRCLE_BRANCH": "change"})) == ["drove-nothing"]

    before, sha = merge(world)
    values["pipeline.git.base_revision"] = before
    workflows = setup({"CIRCLE_BRANCH": "main", "CIRCLE_SHA1": sha})
    (apply_job,) = workflows["drove-apply"]["jobs"]
    stacks = apply_job["apply"]["stacks"]
    assert [s["key"] for s in json.loads(stacks)] == [k for _, _, k in ENTRIES]
    e, job_values = job_env("apply", {"stacks": stacks}, work.parent / "bash_env")
    e["CIRCLE_SHA1"] = sha
    # A reviewed plan missing: refused before anything is applied.
    shutil.move(fake / "artifacts" / "network", fake / "kept")
    log, ok = run_steps(scripts_of(cont, "apply"), work, e, job_values, expect_ok=False)
    assert not ok and "no reviewed plan for network" in log and "== " not in log, log
    shutil.move(fake / "kept", fake / "artifacts" / "network")
    shutil.rmtree(work / "drove-plans")
    e, job_values = job_env("apply", {"stacks": stacks}, work.parent / "bash_env")
    e["CIRCLE_SHA1"] = sha
    log, _ = run_steps(scripts_of(cont, "apply"), work, e, job_values)
    assert [line for line in log.splitlines() if line.startswith("== ")] == [f"== {k}" for _, _, k in ENTRIES]
    urls = [c["url"] for c in calls(fake) if c["tool"] == "curl"]
    assert f"https://api.github.com/repos/{REPO}/commits/{sha}/pulls" in urls
    assert any(u.startswith("https://output.circle-artifacts.com/app/") for u in urls), urls
    assert any("role/drove-apply" in " ".join(c["args"]) for c in calls(fake) if c["tool"] == "aws")
    stacks_applied(world)
