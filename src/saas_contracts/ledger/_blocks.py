"""Reading the inputs as blocks or byte ranges, and the worker pool that classifies them.

One process reads an input as blocks that end on a line boundary; with
workers, a regular file is cut into byte ranges that each worker reads itself
(see :mod:`~saas_contracts.ledger._ranges`), so this process never copies the
input through a pipe. Results are folded in input order whatever the number
of workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import stat
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from saas_contracts.errors import InputFileError, ReplayWorkerError
from saas_contracts.ledger._pipeline import classify
from saas_contracts.ledger._ranges import FIRST_LINE_OF_LATER_RANGE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from saas_contracts.ledger._outcomes import BlockResult, Context
    from saas_contracts.ledger._pipeline import Job, Range
    from saas_contracts.ledger._report import Accumulator

__all__ = ["BLOCK_BYTES", "PARALLEL_MIN_BYTES", "default_workers", "input_size", "iter_jobs", "run_parallel"]

BLOCK_BYTES: Final = 1 << 20
PARALLEL_MIN_BYTES: Final = 8 << 20
"""Below this much input, worker processes cost more than they save."""
_RANGE_READ_AHEAD: Final = 48
"""Byte ranges in flight in the parallel replay: more than one resolve batch, so workers never wait for it."""
_WORKER_NICENESS: Final = 5
_PARENT_POLL_SECONDS: Final = 0.25


_WORKER_CONTEXT: Context | None = None


def _init_worker(context: Context, parent: int) -> None:
    global _WORKER_CONTEXT  # noqa: PLW0603 - per-process state of a pool worker
    _WORKER_CONTEXT = context
    # The calling process applies results in order and is the pipeline's
    # bottleneck; workers have read-ahead slack, so they yield the CPU to it.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(_WORKER_NICENESS)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot shut its pool down; without this the workers
    # would live on (holding memory and the inherited lock on the index) until they
    # next touch the pool's pipes. Re-parenting changes getppid().
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _classify_job(job: Job) -> BlockResult:
    assert _WORKER_CONTEXT is not None  # noqa: S101 - set by the pool initializer
    return classify(_WORKER_CONTEXT, job)


def _iter_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """Yield ``(first_line, block, bytes_read)``; blocks end on a line boundary except the last."""
    line = 1
    rest = b""
    while True:
        data = stream.read(block_bytes)
        if not data:
            if rest:
                yield line, rest, 0
            return
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        block, rest = data[:cut], data[cut:]
        yield line, block, len(block)
        line += block.count(b"\n")


def _open(source: str | Path | IO[bytes]) -> tuple[IO[bytes], bool]:
    if not isinstance(source, (str, Path)):
        return source, False
    if str(source) == "-":
        return sys.stdin.buffer, False
    path = Path(source)
    try:
        return path.open("rb"), True
    except FileNotFoundError:
        raise InputFileError(str(source), "no such file") from None
    except IsADirectoryError:
        raise InputFileError(str(source), "is a directory, expected a .jsonl file") from None
    except OSError as error:
        raise InputFileError(str(source), f"cannot read: {error.strerror}") from error


def input_size(sources: Sequence[str | Path | IO[bytes]]) -> int | None:
    """Total bytes of the inputs when all are regular files (for progress bars), else None.

    A FIFO or ``<(...)`` has no size (``stat`` says 0): it makes the total unknown.
    """
    total = 0
    for source in sources:
        if not isinstance(source, (str, Path)) or str(source) == "-":
            return None
        try:
            status = Path(source).stat()
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        total += status.st_size
    return total


def default_workers() -> int:
    """Worker processes for large inputs: the CPUs this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def iter_jobs(
    sources: Sequence[str | Path | IO[bytes]],
    block_bytes: int,
    progress: Callable[[int], None] | None,
    *,
    ranges: bool = False,
) -> Iterator[Job]:
    """The blocks of every input in order; with ``ranges``, a regular file is cut into byte ranges.

    A range's first line is 1 for the one at offset 0, else
    :data:`~saas_contracts.ledger._ranges.FIRST_LINE_OF_LATER_RANGE`; the
    caller shifts its line numbers (see ``run_parallel``).
    """
    for input_no, source in enumerate(sources, start=1):
        stream, owned = _open(source)
        try:
            if ranges and owned and stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                size = os.fstat(stream.fileno()).st_size
                path = str(Path(str(source)).resolve())
                for start in range(0, size, block_bytes):
                    end = min(start + block_bytes, size)
                    first = 1 if start == 0 else FIRST_LINE_OF_LATER_RANGE
                    yield input_no, first, (path, start, end)
                    if progress is not None:
                        progress(end - start)
                continue
            for first_line, block, consumed in _iter_blocks(stream, block_bytes):
                yield input_no, first_line, block
                if progress is not None and consumed:
                    progress(consumed)
        except OSError as error:
            raise InputFileError(str(source), f"cannot read: {error.strerror}") from error
        finally:
            if owned:
                stream.close()


def run_parallel(
    context: Context,
    jobs: Iterator[Job],
    workers: int,
    accumulator: Accumulator,
) -> None:
    # "fork" starts workers without re-importing __main__ (which may be stdin or
    # a REPL); elsewhere spawn. A worker that dies breaks the pool with an error
    # instead of hanging the run. Regular files go to the workers as byte ranges
    # they read themselves, so this process never copies the input through a pipe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(context, os.getpid()),
    )
    next_line: dict[int, int] = {}

    def fold(future: Future[BlockResult], input_no: int, first: int, block: bytes | Range) -> None:
        try:
            result = future.result()
        except OSError as error:  # a range the worker could not read
            path = block[0] if isinstance(block, tuple) else "-"
            raise InputFileError(path, f"cannot read: {error.strerror}") from error
        line = next_line.get(input_no, 1)
        result.line_shift = line - first
        next_line[input_no] = line + result.lines
        accumulator.push(result)

    try:
        pending: deque[tuple[Future[BlockResult], int, int, bytes | Range]] = deque()
        for job in jobs:
            pending.append((executor.submit(_classify_job, job), *job))
            # Bounded read-ahead keeps memory flat. A range costs this process only its result,
            # so more of them wait: the workers keep busy while a batch is resolved (see Accumulator.push).
            if len(pending) >= (_RANGE_READ_AHEAD if isinstance(job[2], tuple) else 3 * workers):
                fold(*pending.popleft())
        while pending:
            fold(*pending.popleft())
    except BrokenProcessPool as error:
        raise ReplayWorkerError("a replay worker process died; rerun with workers=1 to see why") from error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
