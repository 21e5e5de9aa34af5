#!/usr/bin/env python3
"""A repository of 1,000 stacks that use each other (`bench/repo/gen.py`): `drove check`
of the whole repository against one `drove check` per stack, `drove affected` after a
change to a shared network, and the language server on a service stack and on a network
stack.

    python3 bench/repo/run.py [--drove target/release/drove] [--stacks 1000] [--lines 200]
                              [--runs 3] [--edits 100] [--write]

Build first: `nice cargo build --release -p drove --no-default-features`. Each figure is
the median of `--runs` runs; a run is: the repository's check and the peer (alternating,
so the machine's load hits both alike), the language server on a service stack (open,
then `--edits` edits), the language server on a network stack (open), and `drove
affected` (when the binary has it). The 1-minute load average is taken at the start of
each run. `--write` puts the table into docs/benchmarks.md, section "A repository of
1,000 stacks" (between `<!-- repo-result:start -->` and `<!-- repo-result:end -->`).
No timing is asserted: every target is reported as met or not.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench" / "out" / "repo"


def _load(name: str, path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load("bench_repo_gen", HERE / "gen.py")
# One process timed with its peak RSS from wait4 (bench/check), the LSP client and the
# percentile (bench/lsp).
timed = _load("bench_check_run", ROOT / "bench" / "check" / "run.py").timed
_lsp = _load("bench_lsp_run", ROOT / "bench" / "lsp" / "run.py")
Client, pct = _lsp.Client, _lsp.pct

TARGETS = {
    "check_s": 1.5,
    "check_rss_mib": 300,
    "affected_s": 1.0,
    "open_ms": 200,
    "p99_ms": 50,
    "server_rss_mib": 300,
}


def stack_dirs(root: pathlib.Path) -> list[str]:
    """Every stack directory, relative to `root`, as the repository check finds them."""
    return sorted(str(p.parent.relative_to(root)) for p in root.glob("*/*/stack.drove"))


def check_json(drove: str, root: pathlib.Path) -> list[dict]:
    p = subprocess.run([drove, "check", str(root), "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"drove check {root} exited {p.returncode}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return json.loads(p.stdout)


def has_affected(drove: str) -> bool:
    out = subprocess.run([drove, "--help"], capture_output=True, text=True).stdout
    return re.search(r"^\s+affected\b", out, re.M) is not None


TIME = "/usr/bin/time"


def measured(cmd: list[str]) -> tuple[float, int, int, str, float | None]:
    """`timed` (wall time, peak RSS in KiB, exit code, stderr) and the CPU time (user and
    system, s), taken by GNU time when it is installed: wait4's ru_maxrss also counts the
    memory of the process before its exec, a fork of this Python (about 16 MiB), which
    would hide a smaller peak."""
    if not os.path.exists(TIME):
        return (*timed(cmd), None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        t, _, code, err = timed([TIME, "-f", "%M %U %S", "-o", f.name, *cmd])
        rss, user, system = f.read().split()[-3:]
        return t, int(rss), code, err, float(user) + float(system)


def check_vs_peer(drove: str, root: pathlib.Path, dirs: list[str]) -> dict:
    """`drove check ROOT` once, and a shell loop of one `drove check DIR` per stack."""
    t, rss, code, err, cpu = measured([drove, "check", str(root)])
    if code != 0:
        raise SystemExit(f"drove check {root} exited {code}: {err}")
    # The peer: what CI does without a repository check. `$0` is drove, the stacks are "$@".
    loop = 'cd "$1" && shift && for d in "$@"; do "$0" check "$d" >/dev/null || exit 1; done'
    pt, prss, pcode, perr, pcpu = measured(["bash", "-c", loop, drove, str(root), *dirs])
    if pcode != 0:
        raise SystemExit(f"the peer loop failed (exit {pcode}): {perr}")
    return {"check_s": t, "check_cpu_s": cpu, "check_rss_mib": rss / 1024, "peer_s": pt, "peer_cpu_s": pcpu, "peer_rss_mib": prss / 1024}


def lsp_session(
    drove: str, root: pathlib.Path, file: pathlib.Path, edits: int, toggle: tuple[str, str] | None, networks: int
) -> dict:
    """Opens `file` in `drove lsp` with `root` as the workspace; the time to its first
    diagnostics (while the server indexes the repository in the background, as it does
    from `initialize`), the time until that index is complete, then `edits` edits each
    swapping `toggle[0]` and `toggle[1]` on one line (valid and invalid in turn), the time
    from each `didChange` to the diagnostics of its version, and the server's peak RSS."""
    c = Client([drove, "lsp"])
    uri = file.as_uri()
    text = file.read_text()
    c.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {},
        },
    )
    c.notify("initialized", {})
    t0 = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "drove", "version": 1, "text": text}})
    at, n0, _ = c.wait_published(uri, 1)
    res = {"open_ms": (at - t0) * 1000, "open_diagnostics": n0}
    # The index is complete when workspace symbols name every network's first subnet
    # (the index adds every stack at once, at its end).
    while len(c.request("workspace/symbol", {"query": "main.t00-public-a"}).get("result") or []) < networks:
        if time.perf_counter() - t0 > 120:
            raise SystemExit("the repository index was not complete within 120 s")
        time.sleep(0.005)
    res["index_ms"] = (time.perf_counter() - t0) * 1000
    if edits and toggle:
        good, bad = toggle
        lines = text.splitlines()
        line = next(i for i, l in enumerate(lines) if good in l)
        col = lines[line].index(good)
        lat, bad_n = [], None
        cpu0 = c.cpu_ms()
        for k in range(edits):
            old, new = (good, bad) if k % 2 == 0 else (bad, good)
            edit = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + len(old)}}, "text": new}
            t = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [edit]})
            at, n, _ = c.wait_published(uri, k + 2)
            lat.append((at - t) * 1000)
            if k % 2 == 0:
                bad_n = n if bad_n is None else bad_n
                if n == n0 or n != bad_n:
                    raise SystemExit(f"edit {k}: {n} diagnostics, expected {bad_n} (the broken text)")
            elif n != n0:
                raise SystemExit(f"edit {k}: {n} diagnostics, expected {n0} (the text restored)")
        res.update(
            p50_ms=statistics.median(lat),
            p99_ms=pct(lat, 0.99),
            max_ms=max(lat),
            cpu_ms_per_edit=(c.cpu_ms() - cpu0) / edits,
            edit_diagnostics=bad_n,
        )
    rss, hwm = c.rss_kib()
    res.update(server_rss_mib=rss / 1024, server_peak_mib=hwm / 1024)
    c.request("shutdown", None)
    c.notify("exit", None)
    c.p.wait(timeout=10)
    return res


def lsp_across(drove: str, root: pathlib.Path, service: pathlib.Path, network: pathlib.Path, edits: int, networks: int) -> dict:
    """A service and the network it uses, both open: each edit renames the network's subnet
    the service's web hosts sit in (and back), and the time is until the service's
    diagnostics change (the server re-checks the open stacks using an edited one)."""
    c = Client([drove, "lsp"])
    c.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}], "capabilities": {}})
    c.notify("initialized", {})
    for f in (service, network):
        c.notify("textDocument/didOpen", {"textDocument": {"uri": f.as_uri(), "languageId": "drove", "version": 1, "text": f.read_text()}})
        c.wait_published(f.as_uri(), 1)
    while len(c.request("workspace/symbol", {"query": "main.t00-public-a"}).get("result") or []) < networks:
        time.sleep(0.005)
    svc, uri = service.as_uri(), network.as_uri()
    lines = network.read_text().splitlines()
    good, bad = "subnet t00-public-a ", "subnet t00-public-b "
    line = next(i for i, l in enumerate(lines) if good in l)
    col = lines[line].index(good)
    lat = []
    for k in range(edits):
        old, new = (good, bad) if k % 2 == 0 else (bad, good)
        edit = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + len(old)}}, "text": new}
        t = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [edit]})
        broken = k % 2 == 0
        with c.cv:
            ok = c.cv.wait_for(lambda: c.published[svc][1] > t and (c.published[svc][2] > 0) == broken, timeout=60)
            if not ok:
                raise SystemExit(f"edit {k} of the network: the service's diagnostics did not change within 60 s")
            lat.append((c.published[svc][1] - t) * 1000)
    c.request("shutdown", None)
    c.notify("exit", None)
    c.p.wait(timeout=10)
    return {"across_p50_ms": statistics.median(lat), "across_p99_ms": pct(lat, 0.99)}


def touch_network(root: pathlib.Path) -> None:
    """A second commit: a spare subnet in net-00, which every stack on it depends on."""
    f = root / "network" / "net-00" / "stack.drove"
    text = f.read_text()
    spare = "  subnet spare-a { cidr = 10.1.250.0/24  zone = a }\n"
    f.write_text(text[: text.rindex("}")] + spare + "}\n")
    gen.git(root, "commit", "-q", "-am", "net-00: a spare subnet")


def dependents(root: pathlib.Path, of: str) -> set[str]:
    """`of` and every stack using it, directly or not, read from the `use` lines."""
    uses: dict[str, set[str]] = {}
    for d in stack_dirs(root):
        text = "".join(p.read_text() for p in (root / d).glob("*.drove"))
        uses[d] = {os.path.normpath(os.path.join(d, u)) for u in re.findall(r'^use \S+ = "([^"]+)"', text, re.M)}
    hit = {of}
    while True:
        more = {d for d, us in uses.items() if d not in hit and us & hit}
        if not more:
            return hit
        hit |= more


def affected(drove: str, root: pathlib.Path, expected: set[str]) -> dict:
    cmd = [drove, "affected", "--since", "HEAD~1", "--format", "json", str(root)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    listed = count_listed(p.stdout)
    return {"affected_s": t, "affected_listed": listed, "affected_expected": len(expected), "affected_out": p.stdout[:400]}


def count_listed(out: str) -> int:
    """The stacks `drove affected --format json` lists: a JSON list, or the first list in
    a JSON object; one a line if it is not JSON."""
    try:
        doc = json.loads(out)
    except ValueError:
        return len([l for l in out.splitlines() if l.strip()])
    if isinstance(doc, dict):
        doc = next((v for v in doc.values() if isinstance(v, list)), [])
    return len(doc) if isinstance(doc, list) else 0


def median_of(runs: list[dict], key: str) -> float | None:
    xs = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(xs) if xs else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drove", default=str(ROOT / "target/release/drove"))
    ap.add_argument("--stacks", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--out", default=str(OUT), help="where the repository is generated (replaced)")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    a = ap.parse_args()
    drove = str(pathlib.Path(a.drove).resolve())
    root = pathlib.Path(a.out).resolve()

    shape = gen.build(root, a.stacks, a.lines)
    dirs = stack_dirs(root)
    diags = check_json(drove, root)
    codes: dict[str, int] = {}
    for d in diags:
        codes[d["code"]] = codes.get(d["code"], 0) + 1
    print(f"{len(dirs)} stacks, {shape['lines']:,} lines in {root}; drove check: {codes or 'no diagnostics'}", file=sys.stderr)

    # The service opened: on net-00 and used by dns-00. The edit renames one of its
    # hosts' subnets to one net-00 lacks (E0100 across stacks) and back.
    service = root / "apps" / "app-0000" / "stack.drove"
    toggle = ("net.main.t00-public-a", "net.main.t00-public-b")
    network = root / "network" / "net-00" / "stack.drove"
    dns_file = root / "dns" / "dns-00" / "stack.drove"
    dns_toggle = ("app-0000  60  A  a1.hosts.web.public_ip", "app-0000  60  A  a1.hosts.wbe.public_ip")
    users = dependents(root, "network/net-00")
    with_affected = has_affected(drove)

    runs = []
    for r in range(a.runs):
        run = {"load": os.getloadavg()[0], "at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
        run.update(check_vs_peer(drove, root, dirs))
        svc = lsp_session(drove, root, service, a.edits, toggle, shape["networks"])
        run.update({k: v for k, v in svc.items()})
        # A DNS stack: eight used services (and their networks) read again on every edit.
        dns = lsp_session(drove, root, dns_file, a.edits, dns_toggle, shape["networks"])
        run.update(dns_open_ms=dns["open_ms"], dns_p50_ms=dns["p50_ms"], dns_p99_ms=dns["p99_ms"], dns_cpu_ms_per_edit=dns["cpu_ms_per_edit"])
        run.update(lsp_across(drove, root, service, network, a.edits, shape["networks"]))
        net = lsp_session(drove, root, network, 0, None, shape["networks"])
        run.update(net_open_ms=net["open_ms"], net_index_ms=net["index_ms"], net_server_peak_mib=net["server_peak_mib"])
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in run.items()}), file=sys.stderr)
        runs.append(run)
    if with_affected:
        touch_network(root)
        for run in runs:
            run.update(affected(drove, root, users))

    keys = sorted({k for r in runs for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    res = {k: median_of(runs, k) for k in keys}
    res.update(
        stacks=len(dirs),
        lines=shape["lines"],
        shape=shape,
        diagnostics=codes,
        runs=a.runs,
        edits=a.edits,
        loads=[round(r["load"], 2) for r in runs],
        at=[r["at"] for r in runs],
        has_affected=with_affected,
        dependents_of_net00=len(users),
        per_run=runs,
    )
    res["ratio"] = res["check_s"] / res["peer_s"]
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items() if k != "per_run"}, indent=2))
    if a.write:
        write(res, a)


def row(name: str, value: str, target: str, met: bool | None, command: str) -> str:
    verdict = "" if met is None else ("met" if met else "**missed**")
    return f"| {name} | {value} | {target} | {verdict} | {command} |"


def write(r: dict, a: argparse.Namespace) -> None:
    doc = ROOT / "docs/benchmarks.md"
    body = doc.read_text()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    per = lambda k, f: ", ".join(f.format(x[k]) for x in r["per_run"] if x.get(k) is not None)
    t = TARGETS
    rows = [
        "| measure | median | target | | command |",
        "|---|---|---|---|---|",
        row("`drove check ROOT`, one process", f"{r['check_s']:.2f} s ({per('check_s', '{:.2f}')})", f"< {t['check_s']} s", r["check_s"] < t["check_s"], "`drove check bench/out/repo`"),
        row("its CPU time (user + system)", f"{r['check_cpu_s']:.2f} s ({per('check_cpu_s', '{:.2f}')})", "", None, "GNU time"),
        row("its peak RSS", f"{r['check_rss_mib']:.0f} MiB ({per('check_rss_mib', '{:.0f}')})", f"< {t['check_rss_mib']} MB", r["check_rss_mib"] * 1.048576 < t["check_rss_mib"], ""),
        row("the peer: `drove check DIR` per stack", f"{r['peer_s']:.2f} s ({per('peer_s', '{:.2f}')})", "", None, '`bash -c \'for d in …; do drove check "$d" >/dev/null; done\'`'),
        row("the peer's CPU time", f"{r['peer_cpu_s']:.2f} s ({per('peer_cpu_s', '{:.2f}')})", "", None, ""),
        row("ratio repository check / peer (wall)", f"{r['ratio']:.3f} (the peer {1 / r['ratio']:.1f} times slower)", "", None, ""),
        row("peer's largest process", f"{r['peer_rss_mib']:.0f} MiB", "", None, ""),
    ]
    if r["has_affected"]:
        listed = f"{r['affected_listed']:.0f} stacks listed, of {r['dependents_of_net00']} depending on it"
        rows.append(row(f"`drove affected` after a commit to net-00: {listed}", f"{r['affected_s'] * 1000:.0f} ms ({per('affected_s', '{:.3f}')} s)", f"< {t['affected_s']} s", r["affected_s"] < t["affected_s"], "`drove affected --since HEAD~1 --format json bench/out/repo`"))
    else:
        rows.append(row("`drove affected`", "not in this binary", f"< {t['affected_s']} s", None, ""))
    rows += [
        row("LSP: open a service stack's file, first diagnostics", f"{r['open_ms']:.1f} ms ({per('open_ms', '{:.1f}')})", f"< {t['open_ms']} ms", r["open_ms"] < t["open_ms"], "`drove lsp`, `apps/app-0000/stack.drove`"),
        row("LSP: the repository index complete (workspace symbols of every stack), from the open", f"{r['index_ms']:.0f} ms ({per('index_ms', '{:.0f}')})", "", None, "`workspace/symbol` polled every 5 ms"),
        row(f"LSP: {r['edits']} edits, `didChange` → diagnostics, p50", f"{r['p50_ms']:.1f} ms ({per('p50_ms', '{:.1f}')})", "", None, "a host's subnet renamed to one the used network lacks, and back"),
        row("LSP: the same, p99", f"{r['p99_ms']:.1f} ms ({per('p99_ms', '{:.1f}')})", f"≤ {t['p99_ms']} ms", r["p99_ms"] <= t["p99_ms"], ""),
        row("LSP: server CPU per edit", f"{r['cpu_ms_per_edit']:.1f} ms", "", None, ""),
        row("LSP: server peak RSS", f"{r['server_peak_mib']:.1f} MiB ({per('server_peak_mib', '{:.1f}')})", f"≤ {t['server_rss_mib']} MB", r["server_peak_mib"] * 1.048576 <= t["server_rss_mib"], ""),
        row("LSP: open a DNS stack's file (8 used services), first diagnostics", f"{r['dns_open_ms']:.1f} ms ({per('dns_open_ms', '{:.1f}')})", f"< {t['open_ms']} ms", r["dns_open_ms"] < t["open_ms"], "`drove lsp`, `dns/dns-00/stack.drove`"),
        row(f"LSP: {r['edits']} edits to it, p50 / p99", f"{r['dns_p50_ms']:.1f} / {r['dns_p99_ms']:.1f} ms (p99 {per('dns_p99_ms', '{:.1f}')})", f"p99 ≤ {t['p99_ms']} ms", r["dns_p99_ms"] <= t["p99_ms"], "a record's used hosts group misspelt, and back"),
        row("LSP: server CPU per edit of the DNS stack", f"{r['dns_cpu_ms_per_edit']:.1f} ms", "", None, ""),
        row("LSP: an edit to the open network stack, until the open service using it shows it, p50 / p99", f"{r['across_p50_ms']:.1f} / {r['across_p99_ms']:.1f} ms (p99 {per('across_p99_ms', '{:.1f}')})", f"p99 ≤ {t['p99_ms']} ms", r["across_p99_ms"] <= t["p99_ms"], "the subnet its web hosts sit in renamed, and back"),
        row(f"LSP: open the network stack's file ({r['dependents_of_net00'] - 1} stacks use it), first diagnostics", f"{r['net_open_ms']:.1f} ms ({per('net_open_ms', '{:.1f}')})", f"< {t['open_ms']} ms", r["net_open_ms"] < t["open_ms"], "`drove lsp`, `network/net-00/stack.drove`"),
    ]
    diag = ", ".join(f"{n} {c}" for c, n in sorted(r["diagnostics"].items())) or "no diagnostics"
    s = r["shape"]
    result = "\n".join(
        [
            "<!-- repo-result:start -->",
            f"`python3 bench/repo/run.py --stacks {a.stacks} --lines {a.lines} --runs {a.runs} --edits {a.edits} --write`"
            f" ({r['stacks']:,} stacks: {s['networks']} networks, {s['services']} services, {s['dns']} DNS;"
            f" {r['lines']:,} lines; `drove check` of it: {diag}), {r['at'][0]} to {r['at'][-1][-12:]};"
            f" {cpu}, {os.cpu_count()} cores; load average {', '.join(f'{x:.2f}' for x in r['loads'])} at the start of the runs."
            " Each figure is the median of the runs, which follow it in brackets.",
            "",
            *rows,
            "<!-- repo-result:end -->",
        ]
    )
    start, end = "<!-- repo-result:start -->", "<!-- repo-result:end -->"
    if start in body:
        body = body[: body.index(start)] + result + body[body.index(end) + len(end) :]
    else:
        section = f"<!-- repo:start -->\n## A repository of 1,000 stacks\n\n{result}\n<!-- repo:end -->\n"
        body = body.rstrip("\n") + "\n\n" + section
    doc.write_text(body)


if __name__ == "__main__":
    main()
