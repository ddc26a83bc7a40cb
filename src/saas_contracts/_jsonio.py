"""Strict JSON and JSON Lines input shared by every command, and the one pretty JSON output.

JSON here means RFC 8259 read the I-JSON way (RFC 7493): ``NaN``/``Infinity``
are rejected, and so are duplicate object keys (Python would silently keep the
last one, which drops data), strings with a lone surrogate escape (no UTF-8
spelling exists, so nothing downstream could encode them), numbers beyond an
IEEE 754 double and integer literals longer than Python converts
(``sys.get_int_max_str_digits()``, 4,300 digits by default). A ``.json``
file is one document; a ``.jsonl`` file is one document per non-blank line,
and a bad line is reported with its 1-based number without stopping the lines
after it.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_contracts._mask import path as mask_path
from saas_contracts.errors import InputFileError, JSONInputError

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
STDIN = "-"


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not valid JSON"
    raise JSONInputError(msg)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        msg = "duplicate object key (JSON objects must have unique keys)"
        raise JSONInputError(msg)
    return result


def dumps_pretty(value: object, *, final_newline: bool) -> str:
    """The one human-facing JSON spelling: 2-space indent, sorted keys, non-ASCII kept.

    ``final_newline=True`` for the text of a file (POSIX text files end in a
    newline); ``False`` for text handed to ``click.echo`` or embedded further.
    """
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n" if final_newline else text


def _parse_int(literal: str) -> int:
    try:
        return int(literal)
    except ValueError:  # only the int-string limit: the scanner hands over digits alone
        digits = len(literal.lstrip("-"))
        msg = f"invalid JSON: an integer literal of {digits} digits is longer than this reader accepts"
        raise JSONInputError(msg) from None


def _parse_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        msg = "invalid JSON: a number beyond the range of an IEEE 754 double"
        raise JSONInputError(msg)
    return value


_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant,
    parse_int=_parse_int,
    parse_float=_parse_float,
    object_pairs_hook=_no_duplicate_keys,
)
# A surrogate escape anywhere in the text: only then are the decoded strings checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(text: str) -> Any:
    """Parse one strict JSON text; raise :class:`JSONInputError` with a safe reason."""
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        # The position is useful; the document itself never appears in the message.
        msg = f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        raise JSONInputError(msg) from None
    except RecursionError:
        msg = "invalid JSON: nested too deeply"
        raise JSONInputError(msg) from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        msg = "invalid JSON: a string holds a lone surrogate escape (no UTF-8 spelling; RFC 7493 2.1)"
        raise JSONInputError(msg)
    return value


def _has_lone_surrogate(value: Any) -> bool:
    # Iterative: the decoder already bounded the nesting, this walk must not add a recursion limit.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodes(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class Document:
    """One parsed JSON document, or the reason it could not be parsed."""

    source: str
    """The path as given on the command line ("-" for standard input)."""
    line: int | None = None
    """1-based line number for JSON Lines input; None for a whole ``.json`` file."""
    value: Any = None
    error: str | None = None
    """Why parsing failed; ``value`` is meaningless when this is set."""

    @property
    def location(self) -> str:
        """``path`` or ``path:line``, for messages (path segments the privacy rules flag are masked)."""
        where = mask_path(self.source)
        return where if self.line is None else f"{where}:{self.line}"


def _read_bytes(source: str) -> bytes:
    if source == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise InputFileError(source, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(source, "is a directory, expected a .json or .jsonl file") from None
    except OSError as error:
        raise InputFileError(source, f"cannot read: {error.strerror}") from error


def is_json_lines(source: str, *, default_lines: bool = False) -> bool:
    """Decide the format from the suffix; raise for a suffix we do not read."""
    if source == STDIN:
        return default_lines
    suffix = Path(source).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return True
    if suffix in JSON_SUFFIXES:
        return False
    expected = ", ".join(sorted(JSON_SUFFIXES | JSONL_SUFFIXES))
    raise InputFileError(source, f"unsupported file type {suffix or '(none)'!r}, expected one of {expected}")


def ensure_readable(source: str) -> None:
    """Raise :class:`InputFileError` now if ``source`` could not be read later."""
    if source == STDIN:
        return
    is_json_lines(source)
    path = Path(source)
    if not path.exists():
        raise InputFileError(source, "no such file")
    if not path.is_file():
        raise InputFileError(source, "is not a regular file, expected a .json or .jsonl file")


def _decode_document(source: str, raw: bytes, line: int | None) -> Document:
    try:
        text = raw.decode("utf-8-sig" if line in (None, 1) else "utf-8")
    except UnicodeDecodeError as error:
        return Document(source=source, line=line, error=f"not UTF-8 (byte {error.start})")
    try:
        return Document(source=source, line=line, value=loads(text))
    except JSONInputError as error:
        return Document(source=source, line=line, error=str(error))


def iter_lines(source: str, data: bytes) -> Iterator[Document]:
    """Yield one document per non-blank line of JSON Lines bytes."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            yield _decode_document(source, raw, number)


def read_documents(source: str, *, default_lines: bool = False) -> Iterator[Document]:
    """Yield the documents of one ``.json`` / ``.jsonl`` file (or ``-`` for stdin).

    Raises :class:`InputFileError` before yielding anything when the file cannot
    be read at all; parse failures are yielded as documents with ``error`` set.
    """
    lines = is_json_lines(source, default_lines=default_lines)
    data = _read_bytes(source)
    if lines:
        yield from iter_lines(source, data)
    else:
        yield _decode_document(source, data, None)


def load_json_file(path: str | Path) -> Any:
    """Load one whole JSON file or raise :class:`InputFileError` (file and reason)."""
    source = str(path)
    document = _decode_document(source, _read_bytes(source), None)
    if document.error is not None:
        raise InputFileError(source, document.error)
    return document.value
