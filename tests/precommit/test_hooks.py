"""The hooks of .pre-commit-hooks.yaml through the real `pre-commit` tool, in a scratch
git repository: a bad .drove file blocks the commit and shows the diagnostic, an
unformatted one is refused by drove-fmt, and a good one is committed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = 'stack shop { region = "ap-northeast-1" }\n\nzone "shop.example." {\n  www  300  A  192.0.2.10\n}\n'
BAD = 'stack shop { region = "ap-northeast-1" }\n\nzone "shop.example." {\n  www  300  A  192.0.2.999\n}\n'
UGLY = 'stack shop {region="ap-northeast-1"}\n'


def drove_dir():
    found = os.environ.get("DROVE") or shutil.which("drove") or str(ROOT / "target" / "debug" / "drove")
    if not Path(found).exists():
        pytest.fail("no drove binary: run `cargo build -p drove` or set DROVE")
    return str(Path(found).resolve().parent)


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path):
    env = {**os.environ, "PATH": f"{drove_dir()}:{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    # The hooks repository: this checkout's hook files, committed (pre-commit clones a rev).
    hooks = tmp_path / "hooks"
    (hooks / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", hooks)
    shutil.copytree(ROOT / "scripts" / "pre-commit", hooks / "scripts" / "pre-commit")
    git(hooks, "init", "-q")
    subprocess.run(["git", "add", "."], cwd=hooks, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "hooks"], cwd=hooks, check=True, env=env)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, check=True, capture_output=True, text=True).stdout.strip()
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: drove-check\n      - id: drove-fmt\n")
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    subprocess.run([pre_commit, "install"], cwd=work, check=True, env=env, capture_output=True)
    subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=work, check=True, env=env)
    return work, env


def commit(work, env, files):
    for name, text in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        subprocess.run(["git", "add", name], cwd=work, check=True, env=env)
    return subprocess.run(["git", "commit", "-m", "change"], cwd=work, env=env, capture_output=True, text=True)


def test_bad_file_blocks_the_commit_with_the_diagnostic(repo):
    work, env = repo
    out = commit(work, env, {"shop/zone.drove": BAD})
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "drove check" in text and "Failed" in text
    assert "192.0.2.999" in text and "E0" in text
    head = subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=work, capture_output=True)
    assert head.returncode != 0, "nothing may have been committed"


def test_unformatted_file_is_refused(repo):
    work, env = repo
    out = commit(work, env, {"shop/stack.drove": UGLY})
    assert out.returncode != 0
    assert "drove fmt" in out.stdout + out.stderr and "not formatted" in out.stdout + out.stderr


def test_good_file_is_committed(repo):
    work, env = repo
    out = commit(work, env, {"shop/zone.drove": GOOD})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "drove check" in out.stdout + out.stderr and "Passed" in out.stdout + out.stderr
