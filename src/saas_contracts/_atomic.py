"""Atomic file replacement: the one way this package writes a file it may have to keep whole.

A reader, a crash or a power cut sees either the previous file or the new one,
never a half-written mix: the bytes go to a temporary file in the target's own
folder (same filesystem, so the rename is atomic), are flushed and fsynced, the
temporary file is renamed over the target, and the folder is fsynced so the
rename itself survives a power cut. An existing target keeps its permission
bits; a new one gets the mode an ordinary ``open()`` would give it (0666 less
the umask), not ``mkstemp``'s 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "fsync_directory"]

_DEFAULT_MODE = 0o666


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically and durably; return the path written.

    Raises :class:`OSError` (the target is untouched and no temporary file is
    left behind) when the folder is missing or unwritable or the disk is full.
    """
    target = Path(path)
    mode = _mode_for(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` with ``text`` encoded as UTF-8 (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in ``directory`` durable (a no-op where folders cannot be fsynced)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on folders
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return _DEFAULT_MODE & ~umask
