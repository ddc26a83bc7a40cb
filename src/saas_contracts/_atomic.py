"""Atomic file replacement and durable appends: the one way this package writes a file it must keep whole.

A reader, a crash or a power cut sees either the previous file or the new one,
never a half-written mix: the bytes go to a temporary file in the target's own
folder (same filesystem, so the rename is atomic), are flushed and fsynced, the
temporary file is renamed over the target, and the folder is fsynced so the
rename itself survives a power cut. An existing target keeps its permission
bits; a new one gets the mode an ordinary ``open()`` would give it (0666 less
the umask), not ``mkstemp``'s 0600.

The replacement can be split in two (:func:`stage_bytes`, then
:meth:`StagedFile.commit`) when something else must become durable between
"the new bytes are safely on disk" and "the new bytes are the file". A
``kill -9`` between the two leaves the temporary file behind;
:func:`remove_stale_temporaries` deletes such leftovers, and only a caller
that holds the target's lock (so no other writer is mid-write) may call it.

:func:`append_durably` is the append-only counterpart for JSON Lines logs: the
existing content is never rewritten, the new lines are fsynced with the folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "StagedFile",
    "append_durably",
    "atomic_write_bytes",
    "atomic_write_text",
    "fsync_directory",
    "remove_stale_temporaries",
    "stage_bytes",
]

_DEFAULT_MODE = 0o666
_TEMPORARY_SUFFIX = ".tmp"
_MKSTEMP_NAME = re.compile(r"[a-z0-9_]{8}")  # tempfile's random part: 8 of [a-z0-9_]
_TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class StagedFile:
    """New content for ``target``, durable in a temporary file beside it, not yet the file."""

    target: Path
    temporary: Path

    def commit(self) -> Path:
        """Rename the temporary file over the target and fsync the folder; return the target.

        Raises :class:`OSError` (the target is untouched and the temporary file removed).
        """
        try:
            self.temporary.replace(self.target)
        except BaseException:
            self.discard()
            raise
        fsync_directory(self.target.parent)
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (nothing happens when it is already committed or gone)."""
        self.temporary.unlink(missing_ok=True)


def stage_bytes(path: str | os.PathLike[str], data: bytes) -> StagedFile:
    """Write ``data`` durably to a temporary file beside ``path`` (see :class:`StagedFile`).

    Raises :class:`OSError` (no temporary file is left behind) when the folder
    is missing or unwritable or the disk is full.
    """
    target = Path(path)
    mode = _mode_for(target)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=_temporary_prefix(target), suffix=_TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StagedFile(target, Path(temporary))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically and durably; return the path written.

    Raises :class:`OSError` (the target is untouched and no temporary file is
    left behind) when the folder is missing or unwritable or the disk is full.
    """
    return stage_bytes(path, data).commit()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` with ``text`` encoded as UTF-8 (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temporaries(path: str | os.PathLike[str]) -> int:
    """Delete the temporary files an interrupted write of ``path`` left beside it; return how many.

    Only names this module gives its temporaries (``.<name>.<8 random>.tmp``)
    are touched. Call it only while holding the lock that keeps every other
    writer of ``path`` out, or a live writer's temporary file would vanish.
    """
    target = Path(path)
    prefix = _temporary_prefix(target)
    removed = 0
    for candidate in target.parent.glob(glob.escape(prefix) + "*" + _TEMPORARY_SUFFIX):
        if _MKSTEMP_NAME.fullmatch(candidate.name[len(prefix) : -len(_TEMPORARY_SUFFIX)]):
            candidate.unlink(missing_ok=True)
            removed += 1
    return removed


def append_durably(path: str | os.PathLike[str], data: bytes) -> int:
    """Append ``data`` (whole lines: empty, or ending in a newline) to ``path`` and fsync it; return its size.

    The file is created when missing (0666 less the umask) and never
    rewritten: the only bytes ever removed are a final line without its
    newline, the torn end of an append that a crash or a power cut
    interrupted (never a complete line). When the append fails (disk full),
    the file is cut back to where it was, so no partial line stays behind.
    Raises :class:`OSError` when the folder is missing or unwritable.
    """
    target = Path(path)
    descriptor = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        start = _complete_lines_end(descriptor)
        if start != os.fstat(descriptor).st_size:
            os.ftruncate(descriptor, start)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, start)
            raise
    finally:
        os.close(descriptor)
    fsync_directory(target.parent)
    return len(data)


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


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def _complete_lines_end(descriptor: int) -> int:
    """The size of the file up to and including its last newline (0 when it has none)."""
    end = os.fstat(descriptor).st_size
    position = end
    while position > 0:
        start = max(0, position - _TAIL_CHUNK)
        chunk = os.pread(descriptor, position - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return _DEFAULT_MODE & ~umask
