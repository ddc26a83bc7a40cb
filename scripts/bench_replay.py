"""Benchmark the full replay next to a plain jsonschema-per-event loop.

Generates N usage events as JSON Lines (default 1,000,000; ~5% re-sent
duplicates with reordered keys and ``5.0`` spellings, ~1% conflicts, a few
broken lines), then measures, in the same run:

* the full replay - parse, validate (schema + time rules), fingerprint
  (RFC 8785), idempotency index, window, aggregate - in a fresh child process
  per index kind (memory, SQLite), reporting events/s and peak RSS: the
  largest sum of the resident sets of the replay process and its worker
  processes, sampled every 50 ms (an upper bound: pages shared after fork
  count once per process);
* the loops a replay is held against, one process each over the same file:
  ``json.loads`` only (the stdlib decoder: the throughput goal), ``orjson``
  only, ``orjson`` + jsonschema-rs ``is_valid`` (no time rules, no
  fingerprint, no index), and ``json.loads`` + jsonschema ``is_valid`` (the
  project's reference validator) on a sample - it is too slow for millions;
  the sample size is printed.

The table gives events/s and the ratio to the ``json.loads`` loop of the same
run (the replay goal is a ratio >= 1 with the memory index on 2 cores).

With ``--dask`` it measures the distributed replay instead (``saas-contracts[dask]``):
a single-process local replay (``workers=1``) of the same file, then
``replay_distributed`` on a ``LocalCluster`` of 1 and of 2 single-threaded worker
processes (cluster start-up not counted; memory index), as events/s and the
2-vs-1 speed-up.

Usage::

    python scripts/bench_replay.py [--events N] [--index memory|sqlite|both] [--jobs J]
                                   [--reference-sample K] [--keep DIR] [--dask]

The file and the SQLite index live in a temporary directory unless --keep
(a kept ``bench-events-<N>.jsonl`` is reused; the index is always new).
This is a benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from saas_contracts._validation import fast_available, validator_for
from saas_contracts.ledger import MemoryIndex, ReplayRequest, SqliteIndex, replay

WINDOW = ("2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z")
NOW = "2026-11-21T00:00:00Z"
B32 = "abcdefghijklmnopqrstuvwxyz234567"


def generate(path: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` event lines (streamed; memory stays flat)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    subjects = [f"ws_ref_{''.join(rng.choice(B32) for _ in range(26))}" for _ in range(500)]
    kinds = ["render.images_generated", "render.upscaled", "chat.message_sent", "chat.tokens_generated"]
    plans = [("free", "plan-free"), ("pro", "plan-pro"), ("team", "plan-team")]
    written = 0
    with path.open("w", encoding="utf-8") as stream:
        number = 0
        while written < count:
            number += 1
            second = rng.randrange(29 * 86_400)
            day, rest = divmod(second, 86_400)
            stamp = f"2026-10-{day + 1:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"
            label, key = rng.choice(plans)
            kind = rng.choice(kinds)
            event: dict[str, Any] = {
                "event_id": f"evt-{number:012d}",
                "event_type": kind,
                "subject": rng.choice(subjects),
                "plan": {
                    "plan_key": key,
                    "plan_label": label,
                    "catalog_revision": "catalog/2026-10",
                    "captured_at": stamp,
                },
                "quantity": rng.randint(1, 900),
                "occurred_at": stamp,
                "recorded_at": stamp,
                "source": "bench-producer",
                "idempotency_key": f"{kind}:{number:012d}",
            }
            stream.write(json.dumps(event, separators=(",", ":")) + "\n")
            written += 1
            roll = rng.random()
            if roll < 0.05 and written < count:
                resent = dict(reversed(list(event.items())))
                text = json.dumps(resent).replace(
                    f'"quantity": {event["quantity"]},', f'"quantity": {event["quantity"]}.0,'
                )
                stream.write(text + "\n")
                written += 1
            elif roll < 0.06 and written < count:
                stream.write(json.dumps({**event, "quantity": event["quantity"] + 1}) + "\n")
                written += 1
            elif roll < 0.061 and written < count:
                stream.write('{"event_id": "evt-broken", "quantity":\n')
                written += 1


def _rss_kib(pid: int) -> int:
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(child) for child in (task / "children").read_text().split()]
    return found


class PeakRss:
    """Sample the summed RSS of this process and its children in a thread (Linux /proc)."""

    def __init__(self, interval: float = 0.05) -> None:
        """Start sampling."""
        self.peak_kib = 0
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self._interval):
            total = _rss_kib(me) + sum(_rss_kib(pid) for pid in _children(me))
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> int:
        """Stop and return the peak in KiB."""
        self._stop.set()
        self._thread.join()
        return self.peak_kib


def child(path: str, index_kind: str, jobs: int, index_path: str) -> None:
    """Run one full replay and print its figures as JSON (run in a fresh process)."""
    request = ReplayRequest(window_start=WINDOW[0], window_end=WINDOW[1], suppression_threshold=1)
    index = SqliteIndex(index_path) if index_kind == "sqlite" else MemoryIndex()
    sampler = PeakRss()
    started = time.perf_counter()
    report = replay([path], request, now=NOW, index=index, workers=jobs or None)
    elapsed = time.perf_counter() - started
    peak_total = sampler.stop()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "lines": report.lines_read,
                "counts": dict(report.counts),
                "peak_rss_total_mib": peak_total / 1024,
                "peak_rss_mib": own.ru_maxrss / 1024,
                "peak_worker_rss_mib": children.ru_maxrss / 1024,
                "cpu_main_s": own.ru_utime + own.ru_stime,
                "cpu_workers_s": children.ru_utime + children.ru_stime,
                "fast_validator": fast_available(),
            }
        )
    )


def reference_loop(path: Path, sample: int) -> tuple[int, float, float]:
    """Run ``json.loads`` + jsonschema ``is_valid`` per line on the first ``sample`` lines."""
    validator = validator_for("usage-ledger/v1/event")
    done = 0
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as stream:
        for text in stream:
            if done >= sample:
                break
            done += 1
            with contextlib.suppress(ValueError):
                validator.is_valid(json.loads(text))
    return done, time.perf_counter() - started, time.process_time() - cpu


def _parse_loop(path: Path, parse: Any, check: Any = None) -> tuple[int, float, float]:
    """Read the file in 1 MiB blocks, split lines, ``parse`` each (and ``check`` it).

    Returns lines, wall seconds and CPU seconds.
    """
    done = 0
    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        rest = b""
        while block := stream.read(1 << 20):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            done += len(lines)
            for raw in lines:
                try:
                    value = parse(raw)
                except ValueError:
                    continue
                if check is not None:
                    check(value)
    return done, time.perf_counter() - started, time.process_time() - cpu


def baseline_loops(path: Path) -> dict[str, tuple[int, float, float, float]]:
    """The single-process loops a replay is compared with (same file, same run), each with its load."""
    import orjson  # noqa: PLC0415 - a dependency of the package, imported where the loop needs it

    from saas_contracts._validation import schema_check  # noqa: PLC0415
    from saas_contracts.ledger import EVENT_SCHEMA  # noqa: PLC0415 - keeps the module import light

    loops = {
        "json.loads only": (*_parse_loop(path, json.loads), _load()),
        "orjson only": (*_parse_loop(path, orjson.loads), _load()),
    }
    if fast_available():
        measured = _parse_loop(path, orjson.loads, schema_check(EVENT_SCHEMA, "fast"))
        loops["orjson + jsonschema-rs is_valid"] = (*measured, _load())
    return loops


def run_child(events: Path, kind: str, jobs: int, index_path: Path) -> dict[str, Any]:
    """Replay ``events`` in a fresh process; return its figures."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(events), kind, str(jobs), str(index_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    if index_path.exists():
        result["index_mib"] = index_path.stat().st_size / 2**20
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path}{suffix}").unlink(missing_ok=True)
    return result


Row = tuple[str, int, float, float, float]
"""(measurement, lines, wall seconds, CPU seconds, 1-minute load average when it ended)."""


def _load() -> float:
    """The machine's 1-minute load average (``uptime``), or NaN where the OS does not tell."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on Linux/macOS
        return float("nan")


def print_table(rows: list[Row]) -> None:
    """Print events/s and the ratio to the ``json.loads`` loop, one Markdown row per measurement.

    Wall-clock rates move with the machine's load (the last column: the 1-minute load average
    when the measurement ended); the CPU columns (all processes of the measurement) move much
    less, and ``cpu`` / ``cores`` bounds the wall time on an idle machine.
    """
    base, base_cpu = next(
        (lines / seconds, lines / cpu)
        for name, lines, seconds, cpu, _ in rows
        if name.startswith("json.loads only")
    )
    print(
        "| measurement | lines | wall s | events/s | x json.loads | CPU s | events/CPU-s | x json.loads "
        "| load |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, lines, seconds, cpu, load in rows:
        rate, cpu_rate = lines / seconds, lines / cpu
        print(
            f"| {name} | {lines:,} | {seconds:.1f} | {rate:,.0f} | {rate / base:.2f} | {cpu:.1f} "
            f"| {cpu_rate:,.0f} | {cpu_rate / base_cpu:.2f} | {load:.1f} |"
        )


def dask_bench(events: Path, partitions: int) -> None:
    """Local single process vs Dask with 1 and 2 local workers, same file, memory index."""
    distributed: Any = importlib.import_module("distributed")  # the optional extra, only for --dask

    from saas_contracts.ledger import replay_distributed  # noqa: PLC0415 - keeps the module import light

    request = ReplayRequest(window_start=WINDOW[0], window_end=WINDOW[1], suppression_threshold=1)
    started = time.perf_counter()
    local = replay([events], request, now=NOW, workers=1)
    single = local.lines_read / (time.perf_counter() - started)
    print(f"local replay, 1 process: {single:,.0f} events/s")
    rates: dict[int, float] = {}
    for workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            started = time.perf_counter()
            report = replay_distributed([events], request, now=NOW, client=client, partitions=partitions)
            rates[workers] = report.lines_read / (time.perf_counter() - started)
        same = report.to_json() == local.to_json()
        print(
            f"dask, {workers} local worker(s), {partitions} partitions: "
            f"{rates[workers]:,.0f} events/s (same report: {same})"
        )
    print(
        f"dask speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x; "
        f"2 workers vs local 1 process: {rates[2] / single:.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, report."""
    parser = argparse.ArgumentParser(description="Benchmark the usage-ledger replay.")
    parser.add_argument("--events", type=int, default=1_000_000, help="lines to generate (default 1,000,000)")
    parser.add_argument("--index", choices=["memory", "sqlite", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: automatic)")
    parser.add_argument("--reference-sample", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated file in this directory")
    parser.add_argument("--dask", action="store_true", help="measure the Dask engine (1 vs 2 local workers)")
    parser.add_argument("--partitions", type=int, default=8, help="partitions for --dask (default 8)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        path, kind, jobs, index_path = options.child
        child(path, kind, int(jobs), index_path)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        events = folder / f"bench-events-{options.events}.jsonl"
        index_path = folder / "bench-index.sqlite"
        if not events.exists():
            started = time.perf_counter()
            generate(events, options.events)
            print(f"generated {options.events:,} lines in {time.perf_counter() - started:.1f} s")
        print(
            f"input: {events.stat().st_size / 2**20:,.0f} MiB; cpus={os.cpu_count()}, "
            f"jobs={options.jobs or 'auto'}, fast validator={fast_available()}"
        )
        if options.dask:
            dask_bench(events, options.partitions)
            return 0
        kinds = ["memory", "sqlite"] if options.index == "both" else [options.index]
        print(f"load average at the start: {_load():.1f}")
        rows: list[Row] = []
        for name, (lines, seconds, cpu, load) in baseline_loops(events).items():
            rows.append((name + ", 1 process", lines, seconds, cpu, load))
        for kind in kinds:
            result = run_child(events, kind, options.jobs, index_path)
            cpu = result["cpu_main_s"] + result["cpu_workers_s"]
            rows.append((f"full replay, {kind} index", result["lines"], result["seconds"], cpu, _load()))
            size = f", index file {result['index_mib']:,.0f} MiB" if "index_mib" in result else ""
            print(
                f"full replay, {kind} index: peak RSS {result['peak_rss_total_mib']:.0f} MiB "
                f"(main + workers; main alone {result['peak_rss_mib']:.0f} MiB, "
                f"largest worker {result['peak_worker_rss_mib']:.0f} MiB); CPU main "
                f"{result['cpu_main_s']:.1f} s, workers {result['cpu_workers_s']:.1f} s{size}",
            )
            print("  outcomes: " + ", ".join(f"{name}={n:,}" for name, n in result["counts"].items()))
        sample, seconds, cpu = reference_loop(events, options.reference_sample)
        name = f"json.loads + jsonschema is_valid, 1 process, first {sample:,} lines"
        rows.append((name, sample, seconds, cpu, _load()))
        print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
