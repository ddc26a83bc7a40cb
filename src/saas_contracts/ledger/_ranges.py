"""Byte ranges of a JSON Lines file: the unit of work a worker reads for itself.

A range ``[start, end)`` owns the lines whose first byte lies in it (a line
starts at offset 0 or right after an LF), so consecutive ranges cover every
line exactly once whatever the cut points. The local parallel replay and the
Dask engine both hand workers ranges instead of the bytes, so the calling
process never reads or copies the input.
"""

from __future__ import annotations

from typing import IO, Final

__all__ = ["FIRST_LINE_OF_LATER_RANGE", "read_lines_range"]

_READ_CHUNK: Final = 1 << 16
FIRST_LINE_OF_LATER_RANGE: Final = 2
"""The line number a worker gives the first line of a range that does not start the input.

Any number but 1 (the UTF-8 BOM rule is for an input's line 1); the caller
shifts the range's line numbers once it knows how many lines came before.
"""


def _skip_to_line_start(stream: IO[bytes], start: int) -> int:
    """Offset of the first line that starts at or after ``start`` (a line starts at 0 or after LF)."""
    if start == 0:
        return 0
    stream.seek(start - 1)
    offset = start - 1
    while chunk := stream.read(_READ_CHUNK):
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(chunk)
    return offset


def read_lines_range(stream: IO[bytes], start: int, end: int) -> bytes:
    """The complete lines of seekable ``stream`` whose first byte lies in ``[start, end)``.

    The last one may lack its LF (the end of the input).
    """
    begin = _skip_to_line_start(stream, start)
    if begin >= end:
        return b""
    stream.seek(begin)
    data = stream.read(end - begin)
    if len(data) == end - begin and not data.endswith(b"\n"):
        tail = []
        while chunk := stream.read(_READ_CHUNK):
            found = chunk.find(b"\n")
            if found >= 0:
                tail.append(chunk[: found + 1])
                break
            tail.append(chunk)
        data += b"".join(tail)
    return bytes(data)
