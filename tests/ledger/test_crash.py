"""Crash injection: kill -9 a replay midway, rerun, and get exactly what a clean run gives."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.ledger._support import NOW, WINDOW, line, make_event

from saas_contracts.ledger import SqliteIndex

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the replay workers"),
    pytest.mark.slow,  # whole replays of 120k events in subprocesses: about 25 s each
]

EVENTS = 120_000
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "events.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for number in range(EVENTS):
            # Every 10th event repeats an earlier scope: duplicates and conflicts across blocks.
            key = number - 5 if number % 10 == 9 else number
            stream.write(
                line(make_event(idempotency_key=f"sample.unit_consumed:{key:07d}", quantity=1 + number % 3))
            )
            stream.write("\n")
    return path


def _command(events: Path, index: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "saas_contracts", "ledger", "replay", str(events),
        "--window-start", WINDOW[0], "--window-end", WINDOW[1], "--now", NOW,
        "--index", str(index), "--commit-sha", SHA, "--jobs", "2", "-o", "json", "--out", str(out),
        "--fail-on", "none",
    ]  # fmt: skip


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _clean_run(events: Path, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "clean.json"
    subprocess.run(  # noqa: S603 - our own CLI, arguments built here
        _command(events, tmp_path / "clean.sqlite", out), check=True, capture_output=True
    )
    return {"summary": json.loads(out.read_text()), "rows": len(SqliteIndex(tmp_path / "clean.sqlite"))}


class TestKillAndRerun:
    """A replay killed at any point leaves the index as before; the rerun equals a clean run."""

    @pytest.mark.parametrize("delay", [0.4, 1.2, 2.5])
    def test_kill_midway(self, events: Path, tmp_path: Path, delay: float) -> None:
        index, out = tmp_path / "index.sqlite", tmp_path / "summary.json"
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            _command(events, index, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        workers = _children(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "replay workers outlived their parent"
        killed_at_end = out.exists()
        if not killed_at_end:
            assert len(SqliteIndex(index)) == 0, "a killed run left scopes behind"
        assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        if killed_at_end:
            return  # the run finished before the kill: nothing to recover
        subprocess.run(_command(events, index, out), check=True, capture_output=True)  # noqa: S603 - our CLI
        clean = _clean_run(events, tmp_path)
        rerun = json.loads(out.read_text())
        assert rerun["counts"] == clean["summary"]["counts"]  # type: ignore[index]
        assert len(SqliteIndex(index)) == clean["rows"]


class TestConcurrentRuns:
    """Two writers on one index: the second is refused cleanly, nothing is lost or doubled."""

    def test_second_run_is_refused_with_exit_2(self, events: Path, tmp_path: Path) -> None:
        index = tmp_path / "index.sqlite"
        first = subprocess.Popen(  # noqa: S603 - our own CLI
            _command(events, index, tmp_path / "first.json"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        second = subprocess.run(  # noqa: S603 - our own CLI
            [*_command(events, index, tmp_path / "second.json"), "--lock-timeout", "0"],
            capture_output=True,
            text=True,
            check=False,
        )
        first.wait()
        if second.returncode == 0:
            pytest.skip("the first run finished before the second started")
        assert second.returncode == 2, second.stderr
        assert "being written by another run" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.returncode == 0
        assert not (tmp_path / "second.json").exists()
