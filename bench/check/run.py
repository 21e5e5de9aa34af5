#!/usr/bin/env python3
"""drove check vs named-checkzone on the same 50,000 records, and what reporting costs.

Runs the two alternately (so machine noise hits both alike), takes medians, and prints
the ratio and drove's peak memory. Then `drove check` (text and `--format json`) on a
stack of the same records of which WARNINGS draw a warning (`gen.py --warnings`), again
alternating with the clean stack, and the ratio warning/clean.
Usage: [DROVE=BINARY] bench/check/run.py [RECORDS] [ROUNDS] [WARNINGS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "check"


def timed(cmd):
    """Wall time and peak RSS (KiB) of one run, read from wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    return elapsed, usage.ru_maxrss, code, err


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    warnings = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    checkzone = shutil.which("named-checkzone")
    if not checkzone:
        sys.exit("named-checkzone not found: apt-get install bind9utils")
    # DROVE= times a binary built elsewhere (another commit's, to compare) instead.
    drove = os.environ.get("DROVE")
    if not drove:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "drove", "--no-default-features"], cwd=ROOT, check=True)
        drove = ROOT / "target" / "release" / "drove"
    gen = [sys.executable, str(ROOT / "bench/check/gen.py"), str(n), str(OUT), "--warnings", str(warnings)]
    subprocess.run(gen, check=True)

    drove_cmd = [str(drove), "check", str(OUT / "stack")]
    bind_cmd = [checkzone, "-q", "bench.example.", str(OUT / "bench.zone")]
    for cmd in (drove_cmd, bind_cmd):  # warm the page cache; both must accept the input
        _, _, code, err = timed(cmd)
        if code != 0:
            sys.exit(f"{cmd[0]} rejected the benchmark input (exit {code}):\n{err}")

    drove_t, bind_t, drove_mem = [], [], []
    for _ in range(rounds):
        t, mem, _, _ = timed(drove_cmd)
        drove_t.append(t)
        drove_mem.append(mem)
        t, _, _, _ = timed(bind_cmd)
        bind_t.append(t)
    d, b = statistics.median(drove_t), statistics.median(bind_t)
    print(f"records:          {n}")
    print(f"drove check:      {d * 1000:.1f} ms (median of {rounds})")
    print(f"named-checkzone:  {b * 1000:.1f} ms (median of {rounds})")
    print(f"ratio:            {d / b:.3f}  (target <= 0.25)")
    print(f"drove peak RSS:   {max(drove_mem) / 1024:.1f} MiB (target <= 40)")
    if warnings:
        reporting(drove, rounds, warnings)


def reporting(drove, rounds, warnings):
    """`drove check` on the warning stack against the clean one, per output format."""
    print(f"\nwarnings:         {warnings} (stack-warn/, same records)")
    for fmt in ("text", "json"):
        clean_cmd = [str(drove), "check", str(OUT / "stack"), "--format", fmt]
        warn_cmd = [str(drove), "check", str(OUT / "stack-warn"), "--format", fmt]
        for cmd in (clean_cmd, warn_cmd):
            _, _, code, err = timed(cmd)
            if code != 0:
                sys.exit(f"drove rejected {cmd[2]} (exit {code}):\n{err}")
        clean_t, warn_t, warn_mem = [], [], []
        for _ in range(rounds):
            t, _, _, _ = timed(clean_cmd)
            clean_t.append(t)
            t, mem, _, _ = timed(warn_cmd)
            warn_t.append(t)
            warn_mem.append(mem)
        c, w = statistics.median(clean_t), statistics.median(warn_t)
        print(f"--format {fmt}:")
        print(f"  clean stack:    {c * 1000:.1f} ms (median of {rounds})")
        print(f"  warning stack:  {w * 1000:.1f} ms (median of {rounds}), peak RSS {max(warn_mem) / 1024:.1f} MiB")
        print(f"  ratio:          {w / c:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
