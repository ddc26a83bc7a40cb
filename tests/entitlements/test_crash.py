"""Crash injection for `entitlements apply`: kill -9 at any point, rerun, and get what a clean run gives.

Each killed run applies a stream onto a state that already holds an earlier
run (so the audit file has content that must survive). The kill comes either
after a delay (anywhere in the run) or exactly at one step of the commit,
through a driver that patches that step to SIGKILL its own process. The rerun
must leave the state byte-identical to a clean run's, the audit file with the
same envelopes (as a multiset: no duplicates, none missing) and no temporary
files.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from tests._support import ROOT
from tests.entitlements._support import SHA, record_stream

from saas_contracts.entitlements._audit import write_identity

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and flock are POSIX"),
    pytest.mark.slow,  # whole applies of 400 events in subprocesses: 2-3 s each, about a minute here
]

NOW = "2026-03-01T00:00:00Z"
RECORDS = 100
DRIVER = """
import os, signal, sys
from saas_contracts import _atomic
from saas_contracts.entitlements import _audit, _files

point = sys.argv.pop(1)
real_stage, real_append = _files.stage_bytes, _audit.append_durably

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def staged(path, data):
    real_stage(path, data)
    die()

def torn(path, data):
    real_append(path, data[: len(data) // 2])
    die()

def appended(path, data):
    real_append(path, data)
    die()

def renamed(self):
    self.temporary.replace(self.target)
    die()

if point == "staged":
    _files.stage_bytes = staged
elif point == "torn":
    _audit.append_durably = torn
elif point == "appended":
    _audit.append_durably = appended
elif point == "renamed":
    _atomic.StagedFile.commit = renamed
from saas_contracts.cli import main
main(prog_name="saas-contracts")
"""


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in events), encoding="utf-8")
    return path


def _apply_args(events: Path, folder: Path, *extra: str) -> list[str]:
    return [
        "entitlements", "apply", str(events), "--state", str(folder / "state.json"),
        "--writes", str(folder / "writes.jsonl"), "--commit-sha", SHA, "--now", NOW, "-o", "json", *extra,
    ]  # fmt: skip


def _run(args: list[str], *, point: str | None = None) -> subprocess.CompletedProcess[str]:
    prefix = [sys.executable, "-c", DRIVER, point] if point else [sys.executable, "-m", "saas_contracts"]
    return subprocess.run(  # noqa: S603 - our own CLI, arguments built here
        [*prefix, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def _popen(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "saas_contracts", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _lines(folder: Path) -> Counter[str]:
    return Counter((folder / "writes.jsonl").read_text(encoding="utf-8").splitlines())


class _Streams:
    """The earlier run every killed run builds on, and the stream that is killed."""

    def __init__(self, folder: Path) -> None:
        self.first = _write(folder / "first.jsonl", record_stream(5, first=RECORDS))
        self.main = _write(folder / "main.jsonl", record_stream(RECORDS))


@pytest.fixture(scope="module")
def streams(tmp_path_factory: pytest.TempPathFactory) -> _Streams:
    return _Streams(tmp_path_factory.mktemp("streams"))


@pytest.fixture(scope="module")
def clean(streams: _Streams, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What an uninterrupted run gives: its duration, state bytes, audit lines and counts."""
    folder = tmp_path_factory.mktemp("clean")
    assert _run(_apply_args(streams.first, folder)).returncode == 0
    started = time.monotonic()
    done = _run(_apply_args(streams.main, folder))
    assert done.returncode == 0, done.stderr
    return {
        "seconds": time.monotonic() - started,
        "state": (folder / "state.json").read_bytes(),
        "lines": _lines(folder),
        "counts": json.loads(done.stdout)["counts"],
    }


def _prepare(streams: _Streams, folder: Path) -> bytes:
    assert _run(_apply_args(streams.first, folder)).returncode == 0
    return (folder / "state.json").read_bytes()


def _rerun_and_compare(streams: _Streams, folder: Path, clean: dict[str, Any], prior: bytes) -> None:
    committed = (folder / "state.json").read_bytes() != prior
    rerun = _run(_apply_args(streams.main, folder))
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)["counts"]
    if committed:  # the kill came after the rename: the rerun sees every event again
        assert counts["duplicate"] == 4 * RECORDS
    else:
        assert counts == clean["counts"]
    assert (folder / "state.json").read_bytes() == clean["state"]
    lines = _lines(folder)
    assert lines == clean["lines"]
    assert max(lines.values()) == 1, "an envelope was written twice"
    assert not [path.name for path in folder.iterdir() if path.name.endswith(".tmp")]


class TestKillAtACommitStep:
    """A kill -9 at each step of the commit protocol, then a rerun, equals a clean run."""

    @pytest.mark.parametrize("point", ["staged", "torn", "appended", "renamed"])
    def test_kill_then_rerun(self, streams, clean, tmp_path, point):
        """staged: temp written; torn: half an append; appended: envelopes durable; renamed: state in."""
        prior = _prepare(streams, tmp_path)
        killed = _run(_apply_args(streams.main, tmp_path), point=point)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        if point != "renamed":
            assert (tmp_path / "state.json").read_bytes() == prior
        if point == "staged":
            assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")]
        _rerun_and_compare(streams, tmp_path, clean, prior)


class TestKillAtRandom:
    """A kill -9 after a random share of a clean run's duration, then a rerun, equals a clean run."""

    @pytest.mark.parametrize("share", [0.4, 0.8, 0.95])
    def test_kill_midway(self, streams, clean, tmp_path, share):
        """Wherever the kill lands, the state is old or new and the trail holds each envelope once."""
        prior = _prepare(streams, tmp_path)
        process = _popen(_apply_args(streams.main, tmp_path))
        time.sleep(clean["seconds"] * share)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        _rerun_and_compare(streams, tmp_path, clean, prior)


class TestConcurrentProcesses:
    """Two apply processes on one state: the second waits (nothing lost) or is refused with exit 2."""

    def test_disjoint_streams_end_with_the_union(self, tmp_path):
        """Both runs report their own applies; the state holds both; the trail holds both envelope sets."""
        left = _write(tmp_path / "left.jsonl", record_stream(40))
        right = _write(tmp_path / "right.jsonl", record_stream(40, first=40))
        runs = [_popen(_apply_args(path, tmp_path, "--lock-timeout", "120")) for path in (left, right)]
        outputs = [run.communicate() for run in runs]
        assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
        assert [json.loads(out)["counts"]["applied"] for out, _ in outputs] == [160, 160]
        state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
        assert len(state["records"]) == 80
        assert len(state["receipts"]) == 320
        lines = _lines(tmp_path)
        assert sum(lines.values()) == 320
        assert max(lines.values()) == 1

    def test_second_run_is_refused_with_exit_2(self, streams, tmp_path):
        """With --lock-timeout 0 the second run exits 2 at once, writing nothing; the first completes."""
        first = _popen(_apply_args(streams.main, tmp_path))
        deadline = time.monotonic() + 10
        while not (tmp_path / "state.json.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        other = _write(tmp_path / "other.jsonl", record_stream(2, first=10_000))
        second = _run(_apply_args(other, tmp_path, "--lock-timeout", "0"))
        first.communicate()
        if second.returncode == 0:
            pytest.skip("the first run finished before the second started")
        assert second.returncode == 2, second.stderr
        assert "being written by another run" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.returncode == 0
        state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
        assert len(state["records"]) == RECORDS


# The SQLite store: one transaction per run, so a kill at any point leaves the store as the earlier run
# committed it; the audit JSON Lines file is appended before COMMIT, its envelopes matched on the rerun.
STORE_DRIVER = """
import os, signal, sqlite3, sys
from saas_contracts.entitlements import _audit, _store

point = sys.argv.pop(1)
real_append, real_flush = _audit.append_durably, _store.SqliteState.flush

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def appended(path, data):
    real_append(path, data)
    die()

def flushed(self):
    real_flush(self)
    die()

if point == "appended":
    _audit.append_durably = appended
elif point == "flushed":
    _store.SqliteState.flush = flushed
from saas_contracts.cli import main
main(prog_name="saas-contracts")
"""


def _store_args(events: Path, folder: Path, *extra: str) -> list[str]:
    return [
        "entitlements", "apply", str(events), "--state", str(folder / "state.sqlite"),
        "--writes", str(folder / "writes.jsonl"), "--commit-sha", SHA, "--now", NOW, "-o", "json", *extra,
    ]  # fmt: skip


def _export(folder: Path) -> str:
    done = _run(["entitlements", "export", str(folder / "state.sqlite")])
    assert done.returncode == 0, done.stderr
    return done.stdout


def _store_writes(folder: Path) -> Counter[str]:
    connection = sqlite3.connect(folder / "state.sqlite")
    try:
        return Counter(
            write_identity(json.loads(row[0]))
            for row in connection.execute("SELECT envelope FROM ent_events WHERE envelope IS NOT NULL")
        )
    finally:
        connection.close()


@pytest.fixture(scope="module")
def clean_store(streams: _Streams, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What an uninterrupted store run gives: duration, exported state, audit lines, stored writes, counts."""
    folder = tmp_path_factory.mktemp("clean-store")
    assert _run(_store_args(streams.first, folder)).returncode == 0
    started = time.monotonic()
    done = _run(_store_args(streams.main, folder))
    assert done.returncode == 0, done.stderr
    return {
        "seconds": time.monotonic() - started,
        "state": _export(folder),
        "lines": _lines(folder),
        "writes": _store_writes(folder),
        "counts": json.loads(done.stdout)["counts"],
    }


def _store_rerun_and_compare(streams: _Streams, folder: Path, clean: dict[str, Any], prior: str) -> None:
    committed = _export(folder) != prior
    rerun = _run(_store_args(streams.main, folder))
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)["counts"]
    if committed:  # the kill came after COMMIT: the rerun sees every event again
        assert counts["duplicate"] == 4 * RECORDS
    else:
        assert counts == clean["counts"]
    assert _export(folder) == clean["state"]
    assert _store_writes(folder) == clean["writes"]
    lines = _lines(folder)
    assert lines == clean["lines"]
    assert max(lines.values()) == 1, "an envelope was written twice"


class TestStoreKills:
    """kill -9 during a store run (at a step or at random), then a rerun, equals a clean run."""

    @pytest.mark.parametrize("point", ["flushed", "appended"])
    def test_kill_at_a_step(self, streams, clean_store, tmp_path, point):
        """flushed: rows written, not committed; appended: audit file durable, store not committed."""
        _run(_store_args(streams.first, tmp_path))
        prior = _export(tmp_path)
        prefix = [sys.executable, "-c", STORE_DRIVER, point]
        killed = subprocess.run(  # noqa: S603 - our own CLI, arguments built here
            [*prefix, *_store_args(streams.main, tmp_path)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert _export(tmp_path) == prior
        _store_rerun_and_compare(streams, tmp_path, clean_store, prior)

    @pytest.mark.parametrize("share", [0.5, 0.9])
    def test_kill_midway(self, streams, clean_store, tmp_path, share):
        """Wherever the kill lands, the store is the old or the new one and each write is there once."""
        _run(_store_args(streams.first, tmp_path))
        prior = _export(tmp_path)
        process = _popen(_store_args(streams.main, tmp_path))
        time.sleep(clean_store["seconds"] * share)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        _store_rerun_and_compare(streams, tmp_path, clean_store, prior)

    def test_concurrent_runs_serialize(self, tmp_path):
        """Two store runs of disjoint streams: the second waits for the first's transaction; both land."""
        left = _write(tmp_path / "left.jsonl", record_stream(40))
        right = _write(tmp_path / "right.jsonl", record_stream(40, first=40))
        runs = [_popen(_store_args(path, tmp_path, "--lock-timeout", "120")) for path in (left, right)]
        outputs = [run.communicate() for run in runs]
        assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
        state = json.loads(_export(tmp_path))
        assert (len(state["records"]), len(state["receipts"])) == (80, 320)
        assert sum(_store_writes(tmp_path).values()) == 320
