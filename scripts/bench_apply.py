"""Benchmark `entitlements apply` into the SQLite store: events/s (one core) and peak RSS.

Generates a realistic lifecycle stream over many workspaces (one billing
source each: trial or purchase, renewals, a payment failure and recovery,
plan changes, pauses, cancellations scheduled and revoked; about 1 in 50
events delivered late, out of order, and 1 in 100 delivered twice) and applies
it in one run to a fresh store, each size in its own process so the peak RSS
is that run's (the stream is written to a JSON Lines file first and read line by
line, as ``entitlements apply`` reads it). events/s is CPU time of the run (``time.process_time``: one
core, whatever else the machine does); wall time is reported too.

    python scripts/bench_apply.py                  # 100k and 1M events
    python scripts/bench_apply.py --sizes 100000   # one size
    python scripts/bench_apply.py --check          # exit 1 below --min-rate events/s (default 50,000)

Pass ``--json`` for one JSON object per size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from saas_contracts.redaction import Redactor

if TYPE_CHECKING:
    from collections.abc import Iterator

_KEY = b"bench-only-redaction-key-000001"
_DAY = 86_400
_EPOCH_2026 = 1_767_225_600  # 2026-01-01T00:00:00Z


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_EPOCH_2026 + seconds))


def _source_events(number: int, rng: random.Random, redactor: Redactor) -> list[dict[str, Any]]:
    workspace = redactor.redact("ws", f"bench-workspace-{number}")
    record_id = redactor.redact("sub", f"bench-subscription-{number}")
    start = rng.randrange(0, 30 * _DAY)
    base = {
        "workspace": workspace,
        "record_id": record_id,
        "source_kind": "billing_provider",
        "provider": "bench",
    }
    steps: list[tuple[str, int, dict[str, Any]]] = []
    if rng.random() < 0.3:
        steps.append(("trial_start", start, {"plan": "pro", "trial_end": _stamp(start + 14 * _DAY)}))
        start += 14 * _DAY
    steps.append(("purchase", start, {"plan": "pro", "period_end": _stamp(start + 30 * _DAY)}))
    at = start
    for month in range(1, 9):
        at = start + month * 30 * _DAY
        roll = rng.random()
        if roll < 0.15:
            steps.append(("billing_issue", at, {"grace_end": _stamp(at + 7 * _DAY)}))
            steps.append(("billing_recovered", at + 2 * _DAY, {}))
        elif roll < 0.25:
            direction = rng.choice(("upgrade", "downgrade"))
            steps.append(
                (
                    "plan_change",
                    at - _DAY,
                    {
                        "plan": "team" if direction == "upgrade" else "basic",
                        "timing": "immediate",
                        "direction": direction,
                    },
                )
            )
        elif roll < 0.30:
            steps.append(("cancel_scheduled", at - 5 * _DAY, {"effective_at": _stamp(at)}))
            steps.append(("cancel_revoked", at - 3 * _DAY, {}))
        steps.append(("renewal", at, {"period_end": _stamp(at + 30 * _DAY)}))
    steps.append(("cancel_scheduled", at + _DAY, {"effective_at": _stamp(at + 30 * _DAY)}))
    events = []
    for step, (kind, when, fields) in enumerate(steps):
        event = {"event_id": f"evt-bench-{number:07d}-{step:02d}", "kind": kind, "occurred_at": _stamp(when)}
        events.append(base | event | fields)
    return events


def generate(total: int, seed: int = 2026) -> list[dict[str, Any]]:
    """About ``total`` events over ``total / 12`` sources, in delivery order (mostly by time)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not cryptography
    redactor = Redactor(_KEY)
    events: list[dict[str, Any]] = []
    number = 0
    while len(events) < total:
        events.extend(_source_events(number, rng, redactor))
        number += 1
    events = events[:total]
    events.sort(key=lambda item: item["occurred_at"])
    for index in range(0, len(events) - 3, 50):  # 1 in 50 delivered late, a few positions on
        events[index], events[index + 3] = events[index + 3], events[index]
    for index in range(7, len(events), 100):  # 1 in 100 delivered twice
        events.insert(index, events[index - 5])
    return events[:total]


def _lines(path: Path) -> Iterator[object]:
    with path.open("rb") as handle:
        for line in handle:
            yield orjson.loads(line)


def _peak_rss_mib() -> float:
    """This process's peak resident memory: ``VmHWM`` (Linux), else ``ru_maxrss`` (may count the parent's)."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_one(events_path: Path) -> dict[str, Any]:
    """Apply the JSON Lines stream at ``events_path`` to a fresh store in this process; return the figures."""
    from saas_contracts.entitlements import AuditContext, apply_to_store  # noqa: PLC0415 - not timed

    audit = AuditContext(now="2027-01-01T00:00:00Z", commit_sha="0" * 40)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite"
        cpu, wall = time.process_time(), time.perf_counter()
        run = apply_to_store(path, _lines(events_path), audit=audit, keep_results=False)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        size = sum(item.stat().st_size for item in Path(folder).iterdir())
    total = sum(run.report.counts.values())
    return {
        "events": total,
        "events_per_s": round(total / cpu),
        "wall_events_per_s": round(total / wall),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_rss_mib": _peak_rss_mib(),
        "store_mib": round(size / 2**20, 1),
        "counts": run.report.counts,
    }


def main(argv: list[str] | None = None) -> int:
    """Run every size in a subprocess, print the figures, and with --check fail below --min-rate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--check", action="store_true", help="exit 1 when a size runs below --min-rate")
    parser.add_argument("--min-rate", type=int, default=50_000, help="events/s (CPU) --check requires")
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the worker: apply one stream here
    options = parser.parse_args(argv)
    if options.one is not None:
        print(json.dumps(run_one(options.one)))
        return 0
    slow = False
    for total in options.sizes:
        with tempfile.TemporaryDirectory() as folder:
            events_path = Path(folder) / "events.jsonl"
            events_path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in generate(total)))
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(events_path)],
                capture_output=True,
                text=True,
                check=True,
            )
        figures = json.loads(done.stdout)
        slow = slow or figures["events_per_s"] < options.min_rate
        if options.json:
            print(json.dumps(figures))
        else:
            print(
                f"{total:>9,} events: {figures['events_per_s']:>7,} events/s "
                f"(CPU; wall {figures['wall_events_per_s']:,}), "
                f"peak RSS {figures['peak_rss_mib']} MiB, store {figures['store_mib']} MiB, "
                f"outcomes {', '.join(f'{k} {v}' for k, v in figures['counts'].items() if v)}"
            )
    if options.check and slow:
        print(f"bench_apply: below {options.min_rate:,} events/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
