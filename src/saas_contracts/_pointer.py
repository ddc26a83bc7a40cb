"""RFC 6901 JSON Pointers: the one place that escapes, parses, reads and writes them.

These helpers work on raw reference tokens. Output that may reach a person
goes through :func:`saas_contracts._mask.pointer`, which builds on
:func:`escape_token` and masks tokens that could be secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "escape_token",
    "format_pointer",
    "parse_pointer",
    "resolve_pointer",
    "set_pointer",
    "unescape_token",
]


def escape_token(token: str) -> str:
    """Escape one reference token (``~`` as ``~0``, then ``/`` as ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """Undo :func:`escape_token` (``~1`` first, then ``~0``, as RFC 6901 section 4 requires)."""
    return token.replace("~1", "/").replace("~0", "~")


def format_pointer(tokens: Iterable[str | int]) -> str:
    """The pointer to a path of object keys and array indices (``""`` for the whole document)."""
    return "".join("/" + escape_token(str(token)) for token in tokens)


def parse_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer.

    :class:`ValueError` unless the pointer is ``""`` or starts with ``/``.
    """
    if not pointer:
        return []
    if not pointer.startswith("/"):
        msg = "a JSON Pointer is empty or starts with '/'"
        raise ValueError(msg)
    return [unescape_token(token) for token in pointer[1:].split("/")]


def resolve_pointer(document: object, pointer: str) -> Any:
    """The value a pointer designates; :class:`LookupError` (``KeyError``/``IndexError``) when absent."""
    target: Any = document
    for token in parse_pointer(pointer):
        target = _step(target, token)
    return target


def set_pointer(document: object, pointer: str, value: object) -> None:
    """Set the value a pointer designates, in place (the last object member may be new).

    The whole document (``""``) cannot be replaced in place: :class:`ValueError`.
    """
    tokens = parse_pointer(pointer)
    if not tokens:
        msg = "the empty pointer designates the whole document, which cannot be set in place"
        raise ValueError(msg)
    parent: Any = document
    for token in tokens[:-1]:
        parent = _step(parent, token)
    last = tokens[-1]
    if isinstance(parent, list):
        parent[_index(last, len(parent))] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise KeyError(last)


def _step(container: Any, token: str) -> Any:
    if isinstance(container, list):
        return container[_index(token, len(container))]
    if isinstance(container, dict):
        return container[token]
    raise KeyError(token)


def _index(token: str, length: int) -> int:
    # RFC 6901: an array index is "0" or digits without a leading zero; "-" (past the end) is not
    # readable. More than 18 digits cannot index a real list (and int() would refuse 4,300+).
    if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0") or len(token) > 18:
        raise IndexError(token)
    index = int(token)
    if index >= length:
        raise IndexError(token)
    return index
