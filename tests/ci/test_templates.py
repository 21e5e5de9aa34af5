"""The CI templates under ci/: their structure (check on every branch, plan only on pull
requests, apply only on main) and their drove steps, run as the CI would run them (bash
-eo pipefail) in a scratch copy of the reservation example's DNS against a moto server.

Steps that only make sense on a CI machine are recognised and skipped by name or by
pattern (CI_ONLY_STEPS, CI_ONLY_SCRIPTS); any other step that does not run drove fails
the test, so a new step can't slip through unexercised."""

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
CIRCLECI = ROOT / "ci" / "circleci" / "config.yml"

# Steps provided by the CI itself (GitHub `uses:` actions, CircleCI built-in steps).
CI_ONLY_STEPS = {
    "actions/checkout",          # the test works on a scratch copy instead
    "actions/cache",             # caches the drove binary; the test uses the built one
    "actions/upload-artifact",   # keeps plan.bin; the test reads it from disk
    "checkout",
    "restore_cache",
    "save_cache",
    "store_artifacts",
}
# Shell steps that only make sense on a CI machine: (why it is skipped, pattern).
CI_ONLY_SCRIPTS = [
    ("installs drove; the test puts the built binary on PATH",
     re.compile(r"^(command -v drove \|\| )?cargo install --locked --git \"\$DROVE_GIT\" --tag \"[^\"]+\" drove$")),
    ("posts the plan as a pull-request comment with gh",
     re.compile(r"^gh pr comment \"\$PR\" --body-file plan\.md$")),
    ("posts the plan as a pull-request comment through the GitHub API",
     re.compile(r"^jq -Rs '\{body: \.\}' plan\.md \| curl .*api\.github\.com/repos/.*/comments\"$", re.S)),
    ("stops CircleCI's plan job on a branch without a pull request",
     re.compile(r"^\[ -n \"\$\{CIRCLE_PULL_REQUEST:-\}\" \] \|\| circleci-agent step halt$")),
]


def drove_bin():
    found = os.environ.get("DROVE") or shutil.which("drove") or str(ROOT / "target" / "debug" / "drove")
    if not Path(found).exists():
        pytest.fail("no drove binary: run `cargo build -p drove` or set DROVE")
    return Path(found).resolve()


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def github_triggers(workflow):
    # YAML 1.1 reads the bare key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


def invokes_drove(script):
    return any(line.split()[:1] == ["drove"] for line in script.splitlines())


def classify(script):
    """The reason a CI-only script is skipped, or None when it must be run."""
    for why, pattern in CI_ONLY_SCRIPTS:
        if pattern.match(script.strip()):
            return why
    return None


def github_scripts(workflow, job):
    scripts = []
    for step in workflow["jobs"][job]["steps"]:
        if "uses" in step:
            action = step["uses"].split("@")[0]
            assert action in CI_ONLY_STEPS, f"{job}: unknown action {action}"
            continue
        scripts.append(step["run"])
    return scripts


def circleci_scripts(config, job):
    scripts = []

    def walk(steps):
        for step in steps:
            name, body = (step, None) if isinstance(step, str) else next(iter(step.items()))
            if name in CI_ONLY_STEPS:
                continue
            if name in config.get("commands", {}):
                walk(config["commands"][name]["steps"])
            elif name == "run":
                scripts.append(body if isinstance(body, str) else body["command"])
            else:
                pytest.fail(f"{job}: unknown CircleCI step {name}")

    walk(config["jobs"][job]["steps"])
    return scripts


def drove_scripts(scripts):
    """The scripts that run drove; every other one must be a known CI-only script."""
    run = []
    for script in scripts:
        if invokes_drove(script):
            assert classify(script) is None
            run.append(script)
        else:
            assert classify(script), f"a step neither runs drove nor is a known CI-only step:\n{script}"
    assert run, "the job runs no drove step"
    return run


# --- structure -------------------------------------------------------------------------

def test_github_triggers_and_jobs():
    wf = load(GITHUB)
    on = github_triggers(wf)
    assert set(on) == {"push", "pull_request"}
    assert not (on["push"] or {}).get("branches"), "check must run on a push to any branch"
    jobs = wf["jobs"]
    assert set(jobs) == {"check", "plan", "apply"}
    assert "if" not in jobs["check"]
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["apply"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert jobs["apply"]["needs"] == "check"
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    for job in ("plan", "apply"):
        env = jobs[job]["env"]
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DROVE_SECRET_PASSPHRASE"):
            assert env[var] == "${{ secrets.%s }}" % var
    assert "secrets" not in str(jobs["check"]), "check needs no credentials"
    assert any("gh pr comment" in s for s in github_scripts(wf, "plan"))


def test_circleci_filters_and_jobs():
    config = load(CIRCLECI)
    assert config["version"] == 2.1
    assert set(config["jobs"]) == {"check", "plan", "apply"}
    (workflow,) = config["workflows"].values()
    entries = {}
    for entry in workflow["jobs"]:
        name, opts = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        entries[name] = opts
    assert set(entries) == {"check", "plan", "apply"}
    assert "filters" not in entries["check"], "check must run on every branch"
    assert entries["plan"]["filters"] == {"branches": {"ignore": "main"}}
    assert entries["apply"]["filters"] == {"branches": {"only": "main"}}
    assert entries["apply"]["requires"] == ["check"]
    for job in ("plan", "apply"):
        assert entries[job]["context"] == "drove", "credentials come from the `drove` context"
    assert "context" not in entries["check"]
    # CircleCI builds branches: the plan job must stop on a branch with no pull request,
    # before it does anything else.
    first = config["jobs"]["plan"]["steps"][0]["run"]["command"]
    assert "circleci-agent step halt" in first and "CIRCLE_PULL_REQUEST" in first
    assert any("api.github.com" in s for s in circleci_scripts(config, "plan"))


# --- running the drove steps ------------------------------------------------------------


@pytest.fixture
def moto():
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def stack(tmp_path):
    # The reservation example's DNS: without the record that needs a host.
    work = tmp_path / "stack"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "reservation" / "stack.drove", work)
    dns = (ROOT / "examples" / "reservation" / "dns.drove").read_text()
    (work / "dns.drove").write_text("".join(l for l in dns.splitlines(keepends=True) if "hosts." not in l))
    return work


def run_job(scripts, cwd, env):
    for script in scripts:
        out = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                             capture_output=True, text=True)
        assert out.returncode == 0, f"{script!r} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"


ADDRESSES = ["zone.acme.example.", "record.acme.example./A", "record.www.acme.example./CNAME",
             "record.acme.example./MX", "record.mx1.acme.example./A", "record.mx2.acme.example./A",
             "record.acme.example./TXT"]


def exercise(jobs, stack, endpoint):
    env = {**os.environ, "PATH": f"{drove_bin().parent}:{os.environ['PATH']}",
           "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "ap-northeast-1", "DROVE_SECRET_PASSPHRASE": "ci-test-passphrase", "NO_COLOR": "1"}
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        env.pop(var, None)
    run_job(jobs["check"], stack, env)

    run_job(jobs["plan"], stack, env)
    markdown = (stack / "plan.md").read_text()
    assert "**Plan: 7 to create, 0 to update, 0 to replace, 0 to delete.**" in markdown
    for address in ADDRESSES:
        assert f"| `+` | `{address}` |" in markdown, address
    assert "<details>" in markdown
    assert '"format": 3' in (stack / "plan.bin").read_text()

    run_job(jobs["apply"], stack, env)

    (stack / "plan.md").unlink()
    run_job(jobs["plan"], stack, env)
    markdown = (stack / "plan.md").read_text()
    assert "**No changes: 7 resources match the desired state.**" in markdown
    assert "to create" not in markdown


def test_github_drove_steps(moto, stack):
    wf = load(GITHUB)
    jobs = {job: drove_scripts(github_scripts(wf, job)) for job in ("check", "plan", "apply")}
    exercise(jobs, stack, moto)


def test_circleci_drove_steps(moto, stack):
    config = load(CIRCLECI)
    jobs = {job: drove_scripts(circleci_scripts(config, job)) for job in ("check", "plan", "apply")}
    exercise(jobs, stack, moto)


DRIFT = ROOT / "ci" / "github" / "drift.yml"


def test_github_drift_job_is_scheduled_read_only_and_runs_refresh_only(moto, stack):
    """The drift template runs on a schedule, asks for no write access to the code, and
    its drove step, run as the CI would, reports no drift on a freshly applied stack."""
    wf = yaml.safe_load(DRIFT.read_text())
    triggers = wf.get(True, wf.get("on"))
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    job = wf["jobs"]["drift"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    step = next(s for s in job["steps"] if s.get("id") == "drift")
    assert "drove plan --refresh-only" in step["run"]
    env = {**os.environ, "PATH": f"{drove_bin().parent}:{os.environ['PATH']}",
           "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "ap-northeast-1", "DROVE_SECRET_PASSPHRASE": "ci-test-passphrase", "NO_COLOR": "1",
           "GITHUB_STEP_SUMMARY": str(stack / "summary.md"), "GITHUB_OUTPUT": str(stack / "out.txt")}
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        env.pop(var, None)
    subprocess.run(["drove", "init"], cwd=stack, env=env, check=True, capture_output=True)
    subprocess.run(["drove", "apply", "--auto-approve"], cwd=stack, env=env, check=True, capture_output=True)
    subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=stack, env=env, check=True)
    assert (stack / "out.txt").read_text().strip() == "code=0"
    assert "No drift" in (stack / "summary.md").read_text()
