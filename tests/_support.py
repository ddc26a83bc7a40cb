"""Helpers every test area imports: repository paths, the Node runner and the CLI runner.

conftest.py files hold fixtures (and run-wide hooks); importable builders live in `_support` modules
(this one, and `tests/<area>/_support.py` for one area's builders). Tests import them as
`from tests._support import ...` (pytest runs with `--import-mode=importlib` from the
repository root, and mypy sees the same module path).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from saas_contracts.cli import main

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "CASES",
    "EVERYDAY_PROFILE",
    "EXAMPLES",
    "NODE_DIR",
    "ROOT",
    "Cli",
    "budget",
    "everyday_loop",
    "fifo_feeding",
    "invoke_cli",
    "node_or_skip",
    "on_ci",
    "run_node",
    "skip_or_fail",
]

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
EXAMPLES = ROOT / "examples"
NODE_DIR = ROOT / "node"


class Cli(Protocol):
    """The type of the `cli` fixture (and of `invoke_cli`)."""

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result: ...  # noqa: A002 - click's name


def invoke_cli(*args: str, input: str | bytes | None = None) -> Result:  # noqa: A002 - click's own name
    """Run `saas-contracts ARGS...` in click's CliRunner; exceptions propagate (they are bugs)."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


EVERYDAY_PROFILE = "everyday"
"""The hypothesis profile of the everyday loop (registered and loaded by tests/conftest.py)."""


def on_ci() -> bool:
    """True under ``CI=true`` (any case), where nothing may be skipped or cut short."""
    return os.environ.get("CI", "").lower() == "true"


def everyday_loop(markexpr: str, *, ci: bool) -> bool:
    """True for the everyday loop: ``-m "not slow"`` (spacing aside), outside CI."""
    return not ci and " ".join(markexpr.split()) == "not slow"


def budget(max_examples: int) -> int:
    """A test's own example budget: all of it in full runs and CI, 30% (at least 10) in the everyday loop.

    Use it where a test sets ``max_examples`` itself (``@settings(max_examples=budget(300))``);
    tests on hypothesis' default budget get the everyday profile's 30 without it. Decorators run
    at collection, after tests/conftest.py loaded the profile.
    """
    if settings.get_current_profile_name() == EVERYDAY_PROFILE:
        return max(10, max_examples * 3 // 10)
    return max_examples


def skip_or_fail(reason: str, *, what: str) -> NoReturn:
    """Skip the test for ``reason``; under ``CI=true`` fail instead, since ``what`` must run there."""
    if on_ci():
        pytest.fail(f"{reason}; {what} must run under CI=true")
    pytest.skip(reason)


def node_or_skip() -> str:
    """Path of `node` with the locked npm packages, or skip (fail under CI=true)."""
    node = shutil.which("node")
    reason = ""
    if node is None:
        reason = "Node.js is not installed"
    elif not (NODE_DIR / "node_modules").is_dir():
        reason = "node/node_modules is missing: run `npm ci --prefix node`"
    if reason:
        skip_or_fail(reason, what="the Node agreement tests")
    assert node is not None
    return node


def run_node(script: str, *args: str) -> str:
    """Run a script from node/ and return its stdout."""
    node = node_or_skip()
    result = subprocess.run(  # noqa: S603 - runs our own script with the node found on PATH
        [node, str(NODE_DIR / script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class _FifoWriter(threading.Thread):
    """Writes ``data`` into a FIFO once a reader opened it; gives up after ``patience`` seconds."""

    def __init__(self, path: Path, data: bytes, patience: float) -> None:
        super().__init__(daemon=True)
        self.path, self.data, self.patience = path, data, patience
        self.written = False

    def run(self) -> None:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                # Non-blocking open fails with ENXIO until a reader is there: a command that
                # refuses the FIFO without opening it never leaves this thread blocked.
                descriptor = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as error:
                if error.errno != errno.ENXIO or time.monotonic() > deadline:
                    return
                time.sleep(0.005)
        os.set_blocking(descriptor, True)
        with contextlib.suppress(BrokenPipeError), os.fdopen(descriptor, "wb") as stream:
            stream.write(self.data)
            self.written = True


@contextlib.contextmanager
def fifo_feeding(path: Path, data: bytes, *, patience: float = 10.0) -> Iterator[_FifoWriter]:
    """Create a FIFO at ``path`` and feed it ``data`` from a thread (a named pipe, as ``<(...)`` is).

    The writer's ``written`` says afterwards whether a reader took the data.
    """
    os.mkfifo(path)
    writer = _FifoWriter(path, data, patience)
    writer.start()
    try:
        yield writer
    finally:
        writer.join(timeout=patience)
