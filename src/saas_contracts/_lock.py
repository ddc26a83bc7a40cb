"""Exclusive inter-process locks: the one way this package keeps two writers of one file apart.

A lock is an ``flock`` on a file that is opened (and created when missing) for
the purpose and never replaced by rename: a lock on a file that a writer
replaces would stay on the old inode and not exclude a process that opens the
new one. The lock belongs to the open descriptor, so it is released when the
descriptor is closed, including by the kernel when the process dies (``kill -9``
leaves no stale lock). Waiting is a poll with a deadline, so a caller can refuse
after ``timeout`` seconds instead of hanging.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["lock_exclusively", "unlock"]

_POLL_SECONDS: Final = 0.05


def lock_exclusively(path: str | Path, timeout: float) -> int | None:
    """Open (creating, mode 0666 less the umask) ``path`` and take its exclusive flock.

    Waits up to ``timeout`` seconds (0: one try) for another holder to let go;
    returns the descriptor that holds the lock (release it with :func:`unlock`),
    or None when the lock is still held elsewhere at the deadline. Raises
    :class:`OSError` when the file cannot be opened (missing or unwritable folder).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                return None
            time.sleep(_POLL_SECONDS)
        except BaseException:
            os.close(descriptor)
            raise
        else:
            return descriptor


def unlock(descriptor: int) -> None:
    """Release a lock taken by :func:`lock_exclusively` (closing the last descriptor releases the flock)."""
    os.close(descriptor)
