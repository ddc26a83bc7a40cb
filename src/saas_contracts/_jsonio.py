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

Input is read as a stream, never with a size taken from ``stat``: memory is
bounded by the largest document, not by the file. A ``.json`` document or a
JSON Lines line longer than :data:`MAX_DOCUMENT_BYTES` (64 MiB) is refused: the
``.json`` file raises :class:`InputFileError`, the line becomes an invalid
document with its number (its bytes are skipped, never held). A FIFO, a
process substitution (``<(...)``, ``/dev/fd/N``) or another non-regular,
non-directory file without a ``.json``/``.jsonl`` suffix is read the way
``-`` (standard input) is.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from saas_contracts._mask import path as mask_path
from saas_contracts._mask import pointer as mask_pointer
from saas_contracts.errors import InputFileError, JSONInputError

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
STDIN = "-"
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024
"""The largest ``.json`` document or JSON Lines line read (64 MiB): the memory bound per document."""
_SKIP_CHUNK: Final = 1024 * 1024


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not valid JSON"
    raise JSONInputError(msg)


_DUPLICATE_KEY: Final = "duplicate object key (JSON objects must have unique keys)"
"""The decoder hook's refusal; :func:`loads` adds where the repeated key is."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise JSONInputError(_DUPLICATE_KEY)
    return result


class _Found:
    """Stands, in :func:`_duplicate_path`'s parse, for the value that holds the first repeated key."""

    def __init__(self, path: list[str]) -> None:
        self.path = path


def _found_in(value: Any) -> list[str] | None:
    pending: list[tuple[Any, list[str]]] = [(value, [])]
    while pending:
        item, prefix = pending.pop()
        if isinstance(item, _Found):
            return prefix + item.path
        if isinstance(item, list):
            pending.extend((each, [*prefix, str(index)]) for index, each in reversed(list(enumerate(item))))
    return None


def _locating_hook(pairs: list[tuple[str, Any]]) -> Any:
    seen: set[str] = set()
    for key, value in pairs:
        inner = _found_in(value)
        if inner is not None:
            return _Found([key, *inner])
        if key in seen:
            return _Found([key])
        seen.add(key)
    return {}


_LOCATOR = json.JSONDecoder(
    object_pairs_hook=_locating_hook, parse_int=lambda _: 0, parse_constant=lambda _: 0
)


def _duplicate_path(text: str) -> list[str]:
    """The path (keys and indices) of the first repeated key in a text the strict decoder refused for one."""
    try:
        return _found_in(_LOCATOR.decode(text)) or []
    except (ValueError, RecursionError):  # broken or deeper past the point where the strict decoder stopped
        return []


_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
"""One JSON token: a string, a structural character, or a run of a literal's characters."""


def _scan_step(frames: list[list[Any]], piece: str) -> bool:
    """Follow one token; True when it was an object's key (now the innermost frame's current key)."""
    top = frames[-1] if frames else None
    if piece in {"{", "["}:
        path = [] if top is None else [*top[1], str(top[2])]
        frames.append([piece == "{", path, 0, piece == "{"])
    elif piece in {"}", "]"}:
        if frames:
            frames.pop()
    elif top is None:
        pass
    elif piece == ",":
        if top[0]:
            top[3] = True
        else:
            top[2] += 1
    elif piece.startswith('"') and top[0] and top[3]:
        top[2], top[3] = json.loads(piece), False
        return True
    return False


def _second_key_line(text: str, where: list[str]) -> int | None:
    """The 1-based line where the key at ``where`` (keys and indices) appears the second time.

    One linear pass over a text the locating parse read, tracking the path of the container each
    token sits in; None when the text does not scan (it never should).
    """
    holder, name = where[:-1], where[-1]
    frames: list[list[Any]] = []
    """Per open container: [is an object, its path, the current key or index, a key is expected]."""
    seen = False
    for match in _TOKEN.finditer(text):
        if _scan_step(frames, match.group(0)) and frames[-1][2] == name and frames[-1][1] == holder:
            if seen:
                return text.count("\n", 0, match.start()) + 1
            seen = True
    return None


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


def loads(text: str, *, locate_duplicates: bool = False) -> Any:
    """Parse one strict JSON text; raise :class:`JSONInputError` with a safe reason.

    ``locate_duplicates`` adds the (masked) JSON Pointer of a repeated key to
    the refusal. Whole documents a reviewer fixes by hand (schema files, the
    diff's sides) ask for it; JSON Lines events keep the plain reason, which the
    TypeScript package's ``parseStrict`` and replay give word for word.
    """
    try:
        value = _DECODER.decode(text)
    except JSONInputError as error:
        if not locate_duplicates or str(error) != _DUPLICATE_KEY:
            raise
        where = _duplicate_path(text)
        if not where:
            raise
        line = _second_key_line(text, where)
        holder = mask_pointer(where[:-1]) or "/"
        at = f" (line {line})" if line is not None else ""
        msg = f"{_DUPLICATE_KEY}: the key {mask_pointer(where)} appears twice in the object at {holder}{at}"
        raise JSONInputError(msg) from None
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


def _is_stream(path: Path) -> bool:
    """True for a FIFO, socket or character device (``<(...)``, ``/dev/stdin``): read like ``-``."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def open_input(source: str) -> Iterator[IO[bytes]]:
    """Open ``source`` for binary streaming (``-`` is standard input, left open afterwards).

    Raises :class:`InputFileError` (file and reason) when it cannot be opened;
    a FIFO is opened like any file and read as a stream.
    """
    if source == STDIN:
        yield sys.stdin.buffer
        return
    try:
        stream = Path(source).open("rb")  # noqa: SIM115 - closed below, after the caller's reads
    except FileNotFoundError:
        raise InputFileError(source, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(source, "is a directory, expected a .json or .jsonl file") from None
    except OSError as error:
        raise InputFileError(source, f"cannot read: {error.strerror}") from error
    with stream:
        yield stream


def _read_whole(source: str, stream: IO[bytes]) -> bytes:
    try:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise InputFileError(source, f"cannot read: {error.strerror}") from error
    if len(data) > MAX_DOCUMENT_BYTES:
        reason = (
            f"a .json document is read whole and this one is larger than {MAX_DOCUMENT_BYTES} bytes; "
            "write one document per line to a .jsonl file instead"
        )
        raise InputFileError(source, reason)
    return data


def is_json_lines(source: str, *, default_lines: bool = False) -> bool:
    """Decide the format from the suffix; raise for a suffix we do not read.

    A stream without a known suffix (FIFO, ``<(...)``) takes the format of ``-``: ``default_lines``.
    """
    if source == STDIN:
        return default_lines
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return True
    if suffix in JSON_SUFFIXES:
        return False
    if _is_stream(path):
        return default_lines
    expected = ", ".join(sorted(JSON_SUFFIXES | JSONL_SUFFIXES))
    raise InputFileError(source, f"unsupported file type {suffix or '(none)'!r}, expected one of {expected}")


def ensure_readable(source: str) -> None:
    """Raise :class:`InputFileError` now if ``source`` could not be read later.

    Only ``stat``: a FIFO is accepted without being opened (opening would wait for its writer).
    """
    if source == STDIN:
        return
    is_json_lines(source)
    path = Path(source)
    if not path.exists():
        raise InputFileError(source, "no such file")
    if path.is_dir():
        raise InputFileError(source, "is a directory, expected a .json or .jsonl file")


def _decode_document(source: str, raw: bytes, line: int | None) -> Document:
    try:
        text = raw.decode("utf-8-sig" if line in (None, 1) else "utf-8")
    except UnicodeDecodeError as error:
        return Document(source=source, line=line, error=f"not UTF-8 (byte {error.start})")
    try:
        return Document(source=source, line=line, value=loads(text, locate_duplicates=line is None))
    except JSONInputError as error:
        return Document(source=source, line=line, error=str(error))


def _too_long(source: str, line: int) -> Document:
    reason = f"line longer than {MAX_DOCUMENT_BYTES} bytes (the most one JSON Lines document may hold)"
    return Document(source=source, line=line, error=reason)


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def iter_stream_lines(source: str, stream: IO[bytes]) -> Iterator[Document]:
    """Yield one document per non-blank line of a binary JSON Lines stream, reading lazily.

    Memory is bounded by :data:`MAX_DOCUMENT_BYTES` per line whatever the stream's
    length; a longer line is an error document with its number. A missing final
    newline, CRLF line ends and a byte order mark on line 1 are accepted.
    """
    number = 0
    while True:
        try:
            raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        except OSError as error:
            raise InputFileError(source, f"cannot read: {error.strerror}", line=number + 1) from error
        if not raw:
            return
        number += 1
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        elif len(raw) > MAX_DOCUMENT_BYTES:
            _skip_rest_of_line(stream)
            yield _too_long(source, number)
            continue
        if raw.strip():
            yield _decode_document(source, raw, number)


def iter_lines(source: str, data: bytes) -> Iterator[Document]:
    """Yield one document per non-blank line of JSON Lines bytes."""
    return iter_stream_lines(source, io.BytesIO(data))


def read_documents(source: str, *, default_lines: bool = False) -> Iterator[Document]:
    """Yield the documents of one ``.json`` / ``.jsonl`` file (or ``-`` for stdin), lazily.

    Raises :class:`InputFileError` before yielding anything when the file cannot
    be read at all (or a ``.json`` document is over :data:`MAX_DOCUMENT_BYTES`);
    parse failures are yielded as documents with ``error`` set. JSON Lines are
    read one line at a time: nothing but the current line is held.
    """
    lines = is_json_lines(source, default_lines=default_lines)
    with open_input(source) as stream:
        if lines:
            yield from iter_stream_lines(source, stream)
        else:
            yield _decode_document(source, _read_whole(source, stream), None)


def load_json_file(path: str | Path) -> Any:
    """Load one whole JSON file or raise :class:`InputFileError` (file and reason)."""
    source = str(path)
    with open_input(source) as stream:
        document = _decode_document(source, _read_whole(source, stream), None)
    if document.error is not None:
        raise InputFileError(source, document.error)
    return document.value
