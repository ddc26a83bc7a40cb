"""Benchmark memory: ``validate`` and ``scan`` stay flat from 1x to 10x the input.

    python scripts/bench_memory.py                  # report peak RSS at 1x and 10x
    python scripts/bench_memory.py --check          # exit 1 when 10x RSS > 1x RSS + margin
    python scripts/bench_memory.py --lines 20000    # a smaller 1x (10x is ten times it)

Generates JSON Lines files of small documents from a fixed seed (1x: ``--lines``,
default 100,000; 10x: ten times that), one in ten invalid or holding a finding
and one in fifty broken JSON, so the runs also exercise the bounded samples.
Each command runs as ``python -m saas_contracts`` in its own subprocess; its
peak resident set size is the child's ``ru_maxrss`` from ``os.wait4`` (so one
run's peak never hides another's). Memory only: the times printed are for
orientation, never a target. ``--check`` fails when a 10x run's peak exceeds the
1x run's by more than ``--margin-mib`` (default 16 MiB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = "common/v1/common#/$defs/utc_timestamp"
MIB = 1024 * 1024
COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "-s", SCHEMA],
    "scan": ["scan", "-q"],
}
EXPECTED_EXIT: dict[str, set[int]] = {
    "validate": {1},  # invalid and broken lines on purpose
    "scan": {2},  # findings, and broken lines are unreadable input (exit 2 after scanning everything)
}
PLANS = ["free", "pro", "team", "enterprise"]


def _validate_line(rng: random.Random, number: int) -> str:
    if number % 50 == 49:
        return '{"broken'
    if number % 10 == 9:
        return json.dumps(f"2026-11-{rng.randint(1, 28):02d} 10:00")  # no T, no Z: invalid
    return json.dumps(f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z")


def _scan_line(rng: random.Random, number: int) -> str:
    if number % 50 == 49:
        return '{"broken'
    document: dict[str, object] = {"plan": rng.choice(PLANS), "count": rng.randint(0, 10**6), "n": number}
    if number % 10 == 9:
        document["contact"] = "ops" + "@" + "example.org"  # an email address: one finding
    return json.dumps(document)


GENERATORS = {"validate": _validate_line, "scan": _scan_line}


def generate(path: Path, command: str, lines: int) -> int:
    """Write ``lines`` JSON Lines for ``command`` to ``path``; return the file size."""
    rng = random.Random(20261121)  # noqa: S311 - benchmark data, not security
    make = GENERATORS[command]
    with path.open("w", encoding="utf-8") as out:
        for number in range(lines):
            out.write(make(rng, number) + "\n")
    return path.stat().st_size


def peak_rss(command: str, path: Path) -> tuple[int, float, int]:
    """Run ``saas-contracts COMMAND PATH``; return (peak RSS bytes, wall seconds, exit code)."""
    args = [sys.executable, "-m", "saas_contracts", *COMMANDS[command], str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss * 1024, time.perf_counter() - started, process.returncode


def main() -> int:
    """Measure both commands at 1x and 10x; with --check, fail on growth beyond the margin."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=100_000, help="lines at 1x (10x is ten times this)")
    parser.add_argument("--margin-mib", type=float, default=16.0, help="allowed growth from 1x to 10x")
    parser.add_argument("--check", action="store_true", help="exit 1 when a 10x run exceeds 1x + margin")
    parser.add_argument("--only", choices=sorted(COMMANDS), help="measure one command")
    options = parser.parse_args()
    failed = []
    columns = [("command", -10), ("scale", 6), ("lines", 12), ("input MiB", 11), ("peak RSS MiB", 14)]
    columns += [("seconds", 9), ("exit", 6)]
    print("".join(name.ljust(-width) if width < 0 else name.rjust(width) for name, width in columns))
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        for command in [options.only] if options.only else sorted(COMMANDS):
            peaks = {}
            for scale in (1, 10):
                lines = options.lines * scale
                path = Path(folder) / f"{command}-{scale}x.jsonl"
                size = generate(path, command, lines)
                rss, seconds, code = peak_rss(command, path)
                path.unlink()
                if code not in EXPECTED_EXIT[command]:
                    expected = " or ".join(map(str, sorted(EXPECTED_EXIT[command])))
                    print(f"{command}: exit {code} at {scale}x (expected {expected})", file=sys.stderr)
                    failed.append(command)
                peaks[scale] = rss
                print(
                    f"{command:<10}{str(scale) + 'x':>6}{lines:>12,}{size / MIB:>11.1f}"
                    f"{rss / MIB:>14.1f}{seconds:>9.1f}{code:>6}"
                )
            growth = (peaks[10] - peaks[1]) / MIB
            verdict = "ok" if growth <= options.margin_mib else "GROWS"
            print(
                f"{command:<10} 1x -> 10x: {growth:+.1f} MiB (margin {options.margin_mib:g} MiB): {verdict}"
            )
            if growth > options.margin_mib:
                failed.append(command)
    if options.check and failed:
        print(f"bench_memory: memory not flat for {', '.join(sorted(set(failed)))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
