#!/usr/bin/env python3
"""drove against octoDNS (octodns-route53) on the same Route53 records and the same moto.

Three phases per tool, each on a moto reset before the first one: the first apply of a
zone with N records, a run that finds no changes, and an update of 10 % of the records.
Both tools run in this one process's run, alternately per round, so machine noise hits
both alike; medians are printed with the ratio and the Route53 calls each made (counted
by moto's own request recorder, which both pay for alike).

Usage: bench/dns/run.py [RECORDS] [ROUNDS] [--write]   (DROVE=path/to/drove skips the release build)
--write puts the table into docs/benchmarks.md (between the dns-result markers).
"""
import datetime
import os
import shutil
import statistics
import sys

from tools import (ROOT, Moto, aws_env, call_list, drove_binary, machine, octodns_sync, records, timed,
                   updated, write_drove, write_octodns, write_section)

OUT = ROOT / "bench" / "out" / "dns"
PHASES = ["first apply", "no changes", "10% update"]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    rounds = int(args[1]) if len(args) > 1 else 3
    drove = drove_binary()
    sync = octodns_sync(OUT)

    base = list(records(n))
    load = os.getloadavg()[0]
    moto = Moto(OUT / "recording.jsonl")
    env = aws_env(moto.endpoint)
    times = {t: {p: [] for p in PHASES} for t in ("drove", "octodns")}
    calls = {t: {} for t in ("drove", "octodns")}
    try:
        for r in range(rounds):
            # drove: local state in the stack directory, started afresh each round.
            stack = OUT / "drove"
            shutil.rmtree(stack, ignore_errors=True)
            write_drove(base, stack)
            moto.reset()
            times["drove"]["first apply"].append(timed([drove, "apply", "--auto-approve", stack], env))
            calls["drove"]["first apply"] = moto.recorded_calls()
            times["drove"]["no changes"].append(timed([drove, "plan", "--detailed-exitcode", stack], env))
            calls["drove"]["no changes"] = moto.recorded_calls()
            write_drove(list(updated(base, r + 1)), stack)
            times["drove"]["10% update"].append(timed([drove, "apply", "--auto-approve", stack], env))
            calls["drove"]["10% update"] = moto.recorded_calls()

            conf = OUT / "octodns"
            shutil.rmtree(conf, ignore_errors=True)
            write_octodns(base, conf)
            moto.reset()
            octo = sync + ["--config-file", conf / "config.yaml", "--log-stream-stdout"]
            times["octodns"]["first apply"].append(timed(octo + ["--doit", "--force"], env))
            calls["octodns"]["first apply"] = moto.recorded_calls()
            times["octodns"]["no changes"].append(timed(octo, env))
            calls["octodns"]["no changes"] = moto.recorded_calls()
            write_octodns(list(updated(base, r + 1)), conf, update=True)
            times["octodns"]["10% update"].append(timed(octo + ["--doit", "--force"], env))
            calls["octodns"]["10% update"] = moto.recorded_calls()
    finally:
        moto.stop()

    lines = [f"`python3 bench/dns/run.py {n} {rounds}`: {n:,} records, {rounds} rounds (medians); {machine()}; "
             f"load average {load:.1f} at the start; {datetime.date.today().isoformat()}.", "",
             "| phase | drove | octoDNS | ratio | drove calls | octoDNS calls |", "|---|---|---|---|---|---|"]
    for p in PHASES:
        d, o = statistics.median(times["drove"][p]), statistics.median(times["octodns"][p])
        dc, oc = sum(calls["drove"][p].values()), sum(calls["octodns"][p].values())
        lines.append(f"| {p} | {d:.2f} s | {o:.2f} s | {d / o:.2f} | {dc} | {oc} |")
    lines.append("")
    lines.append("Route53 calls (moto's recorder, last round):")
    lines.append("")
    for t in ("drove", "octodns"):
        for p in PHASES:
            lines.append(f"- {t}, {p}: {call_list(calls[t][p])}")
    report = "\n".join(lines)
    print(report)
    if "--write" in sys.argv:
        write_section(ROOT / "docs" / "benchmarks.md", "dns-result", report)


if __name__ == "__main__":
    main()
