"""Masked previews: the only way an instance value may appear in output.

Everything this package emits (violations, findings, reports, logs) goes
through these helpers so that a secret or raw id is never echoed in full.

A JSON Pointer segment (a member name taken from the input) is shown verbatim
only when it is one of:

* an array index (an ``int`` part), or a digit string of at most 3 digits;
* a property name a packaged schema declares (``properties`` keys, collected
  once from every packaged schema);
* a name in the tight *safe field name* grammar (lower-case snake/kebab/dotted
  words or camelCase humps, at most 64 characters and 3 digits) that the
  privacy rules do not flag when it is scanned as a member name.

Everything else is replaced by its masked preview. There is no length or digit
heuristic that lets an unknown key through on its own: ``cus_abcdefghijklmn``
fits the grammar, and the privacy rules flag it.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._pointer import escape_token

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "declared_names",
    "flagged",
    "is_safe_segment",
    "mask",
    "path",
    "pointer",
    "public",
    "public_text",
    "public_value",
]

_SHORT = 12
_LONG = 24

_SAFE_NAME: Final = re.compile(
    r"\$?[a-z][a-z0-9]{0,23}(?:[._-][a-z0-9]{1,24}|[A-Z][a-z0-9]{1,23})*\Z",
    re.ASCII,
)
"""snake_case, kebab-case, dotted.labels and camelCase; a leading ``$`` for JSON Schema keywords."""
_SMALL_INDEX: Final = re.compile(r"[0-9]{1,3}\Z", re.ASCII)
_MAX_NAME: Final = 64
_MAX_DIGITS: Final = 3
_PATH_SEPARATORS: Final = re.compile(r"([/\\])")


def mask(value: object) -> str:
    """Return a preview that hints at a value's shape without revealing it.

    Strings of fewer than 12 characters show nothing but their length; longer
    ones keep a short head (2 characters, 4 from 24 on) so a reader can tell a
    ``sk_`` key from a ``cus_`` id. Non-strings are masked via their JSON text.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    length = len(text)
    if length < _SHORT:
        return f"…({length} chars)"
    head = 4 if length >= _LONG else 2
    visible = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in text[:head])
    return f"{visible}…({length} chars)"


@functools.cache
def declared_names() -> frozenset[str]:
    """Every property name the packaged schemas declare (``properties`` keys, at any depth)."""
    # Imported here: the registry's error path builds messages with this module.
    from saas_contracts._registry import default_catalog  # noqa: PLC0415

    catalog = default_catalog()
    names: set[str] = set()
    for name in catalog.names():
        _collect_properties(catalog.get(name).contents, names)
    return frozenset(names)


def _collect_properties(node: Any, names: set[str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            declared = current.get("properties")
            if isinstance(declared, dict):
                names.update(key for key in declared if isinstance(key, str))
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def flagged(text: str, *, as_key: bool = False) -> tuple[str, ...]:
    """The ids of the packaged privacy rules that fire on ``text`` (empty when none).

    ``as_key`` scans it as a member name, otherwise as a string value.
    """
    # Imported here: the privacy scanner builds its pointers with this module.
    from saas_contracts.privacy._scanner import text_rule_ids  # noqa: PLC0415

    return text_rule_ids(text, as_key=as_key)


@functools.lru_cache(maxsize=8192)
def is_safe_segment(segment: str) -> bool:
    """True when a JSON Pointer segment (a member name) may be shown verbatim."""
    if _SMALL_INDEX.match(segment) or segment in declared_names():
        return True
    if len(segment) > _MAX_NAME or not _SAFE_NAME.match(segment):
        return False
    return sum(ch.isdigit() for ch in segment) <= _MAX_DIGITS and not flagged(segment, as_key=True)


def pointer(parts: Iterable[str | int]) -> str:
    """Build a public-safe RFC 6901 pointer from path parts (keys and indices).

    Keys that are not safe segments (see the module docstring) are replaced by
    their masked preview, so a secret used as an object key never appears in a pointer.
    """
    tokens: list[str] = []
    for part in parts:
        segment = str(part)
        if not isinstance(part, int) and not is_safe_segment(segment):
            segment = mask(segment)
        tokens.append("/" + escape_token(segment))
    return "".join(tokens)


def public(value: str) -> str:
    """``value`` itself when the privacy rules flag nothing in it, else its masked preview.

    For option values a command echoes (``--backfill-ref``, ``--schema``).
    """
    return mask(value) if flagged(value) else value


@functools.lru_cache(maxsize=1024)
def path(file_name: str) -> str:
    """A file name fit to print: every path segment the privacy rules flag is masked.

    Separators (slash and backslash) and clean segments are kept, so ``-`` and
    ``data/events.jsonl`` print as they are while ``exports/jane.doe@example.com.json``
    prints as ``exports/jane…(25 chars)``.
    """
    parts = _PATH_SEPARATORS.split(file_name)
    return "".join(
        part if not part or _PATH_SEPARATORS.fullmatch(part) or not flagged(part) else mask(part)
        for part in parts
    )


_QUOTED: Final = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")
"""A double-quoted (JSON, backslash escapes) or single-quoted (Python ``repr``) literal inside a message."""


@functools.lru_cache(maxsize=4096)
def public_text(text: str) -> str:
    """A message fit to print: each quoted literal the privacy rules flag is masked, else the whole text.

    For messages that quote schema values (``allowed values: removed "sk_live_…"``): the flagged
    literal becomes its masked preview, the rest of the message stays readable; a text still flagged
    after that is masked whole.
    """
    if not flagged(text):
        return text

    def one(match: re.Match[str]) -> str:
        quote, inner = match.group(0)[0], match.group(0)[1:-1]
        return quote + mask(inner) + quote if flagged(inner) else match.group(0)

    shown = _QUOTED.sub(one, text)
    return mask(text) if flagged(shown) else shown


def public_value(value: Any, *, limit: int = 10_000) -> Any:
    """A copy of a JSON value with every string, number and member name the privacy rules flag masked.

    For generated documents a report shows (the differ's counterexamples quote schema values such as
    ``const`` and ``enum`` members). Iterative; past ``limit`` nodes the rest is masked unchecked.
    """
    budget = [limit]

    def scalar(item: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            return mask(item)
        if isinstance(item, str):
            return mask(item) if flagged(item) else item
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            return mask(item) if flagged(json.dumps(item)) else item
        return item

    def key(name: str) -> str:
        budget[0] -= 1
        return mask(name) if budget[0] < 0 or flagged(name, as_key=True) or flagged(name) else name

    root: list[Any] = [None]
    pending: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while pending:
        item, parent, slot = pending.pop()
        if isinstance(item, dict):
            copy: Any = {}
            children: list[tuple[Any, Any, Any]] = []
            for name, child in item.items():
                shown = key(name)
                copy[shown] = None
                children.append((child, copy, shown))
            pending.extend(reversed(children))  # checked in document order
        elif isinstance(item, list):
            copy = [None] * len(item)
            pending.extend((child, copy, index) for index, child in reversed(list(enumerate(item))))
        else:
            copy = scalar(item)
        parent[slot] = copy
    return root[0]
