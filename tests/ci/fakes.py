"""Stand-ins for what exists only on a CI machine, for test_templates.py: `gh`, `curl`
(the GitHub and CircleCI APIs) and `aws` (STS). Each records its arguments in
$FAKE_DIR/calls.jsonl and answers from $FAKE_DIR: the pull request's comments live in
comments.json (listed, created, edited as GitHub would), the merged pull request in
pull.json, plan artifacts under artifacts/NAME/. Run as `fakes.py TOOL ARGS…`."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

FAKE = Path(os.environ["FAKE_DIR"])


def record(tool, args, **extra):
    with open(FAKE / "calls.jsonl", "a") as f:
        f.write(json.dumps({"tool": tool, "args": args, **extra}) + "\n")


def comments():
    path = FAKE / "comments.json"
    return json.loads(path.read_text()) if path.exists() else []


def save_comments(items):
    (FAKE / "comments.json").write_text(json.dumps(items))


def pull():
    return json.loads((FAKE / "pull.json").read_text())


def artifacts():
    root = FAKE / "artifacts"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def github(method, path, body):
    """GitHub's REST API, the few routes the templates call; path without the host."""
    path, _, query = path.partition("?")
    if m := re.fullmatch(r"/?repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
        if method == "GET":
            page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
            return comments() if page == 1 else []
        items = comments()
        item = {"id": 1000 + len(items), "body": body}
        save_comments(items + [item])
        return item
    if m := re.fullmatch(r"/?repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
        assert method == "PATCH", method
        items = comments()
        for item in items:
            if item["id"] == int(m.group(1)):
                item["body"] = body
        save_comments(items)
        return {"id": int(m.group(1))}
    if re.fullmatch(r"/?repos/[^/]+/[^/]+/commits/[0-9a-f]+/pulls", path):
        return [pull()] if (FAKE / "pull.json").exists() else []
    if re.fullmatch(r"/?repos/[^/]+/[^/]+/pulls/\d+", path):
        return pull()
    if re.fullmatch(r"/?repos/[^/]+/[^/]+/actions/runs", path):
        return {"workflow_runs": [{"id": 77, "path": ".github/workflows/drove.yml", "head_sha": pull()["head"]["sha"]}]}
    raise SystemExit(f"fake GitHub: no route for {method} {path}")


def circleci(url):
    """CircleCI's API v2 and artifact downloads."""
    pr_head = pull()["head"]["sha"]
    if m := re.search(r"/project/gh/[^/]+/[^/]+/pipeline\?branch=", url):
        return {"items": [{"id": "p1", "vcs": {"revision": pr_head}}]}
    if url.endswith("/pipeline/p1/workflow"):
        return {"items": [{"id": "w1", "name": "drove-plan", "status": "success"}]}
    if url.endswith("/workflow/w1/job"):
        return {"items": [{"name": f"plan-{a.name}", "job_number": i} for i, a in enumerate(artifacts(), 1)]}
    if m := re.search(r"/project/gh/[^/]+/[^/]+/(\d+)/artifacts$", url):
        a = artifacts()[int(m.group(1)) - 1]
        return {"items": [{"path": f"drove-plans/{f.name}", "url": f"https://output.circle-artifacts.com/{a.name}/{f.name}"}
                          for f in sorted(a.iterdir())]}
    raise SystemExit(f"fake CircleCI: no route for {url}")


def jq(expr, value):
    out = subprocess.run(["jq", "-r", expr], input=json.dumps(value), capture_output=True, text=True, check=True)
    return out.stdout


def gh(args):
    record("gh", args)
    if args[:2] == ["run", "download"]:
        dest = Path(args[args.index("--dir") + 1])
        pattern = re.compile(args[args.index("--pattern") + 1].replace("*", ".*"))
        for a in artifacts():
            if pattern.fullmatch(a.name):
                shutil.copytree(a, dest / a.name)
        return
    assert args[0] == "api", args
    method, path, body, expr, rest = "GET", None, None, None, args[1:]
    while rest:
        a = rest.pop(0)
        if a in ("--method", "-X"):
            method = rest.pop(0)
        elif a == "--jq":
            expr = rest.pop(0)
        elif a in ("-F", "-f"):
            key, _, value = rest.pop(0).partition("=")
            body = Path(value[1:]).read_text() if value.startswith("@") else value
            method = "POST" if method == "GET" else method
        elif a == "--paginate":
            pass
        else:
            path = a
    answer = github(method, path, body)
    sys.stdout.write(jq(expr, answer) if expr else json.dumps(answer))


def curl(args):
    method, data, out, url, rest = "GET", None, None, None, list(args)
    while rest:
        a = rest.pop(0)
        if a == "-X":
            method = rest.pop(0)
        elif a == "--data":
            value = rest.pop(0)
            data = sys.stdin.read() if value == "@-" else value
        elif a == "-o":
            out = rest.pop(0)
        elif a == "-H":
            rest.pop(0)
        elif a.startswith("http"):
            url = a
    record("curl", args, method=method, url=url)
    if url.startswith("https://output.circle-artifacts.com/"):
        name, file = url.split("/")[-2:]
        shutil.copy(FAKE / "artifacts" / name / file, out)
        return
    if url.startswith("https://api.github.com"):
        body = json.loads(data)["body"] if data else None
        answer = github(method, url.removeprefix("https://api.github.com"), body)
    else:
        answer = circleci(url)
    if out and out != "/dev/null":
        Path(out).write_text(json.dumps(answer))
    elif not out:
        sys.stdout.write(json.dumps(answer))


def aws(args):
    record("aws", args)
    assert args[:2] == ["sts", "assume-role-with-web-identity"], args
    # moto takes any key; the session token is what a role's credentials carry.
    print("testing\ttesting\tfake-session-token")


if __name__ == "__main__":
    {"gh": gh, "curl": curl, "aws": aws}[sys.argv[1]](sys.argv[2:])
