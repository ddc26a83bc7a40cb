"""Split secrets: the one way the repository stores a value it must never hold whole.

Fixtures, rule examples and test corpora need forbidden values (keys, tokens,
raw ids, e-mail addresses) to prove they are rejected, yet no file may hold
one contiguously, or the privacy scanner, repository hygiene and push
protection would flag the repository itself. Such a value is stored as
fragments and joined only at run time:

* a value is the object ``{"$concat": ["sk_li", "ve_..."]}`` (that single
  member, a non-empty array of strings), standing for the strings joined with
  no separator;
* a member name is ``"$concat:sk_li|ve_..."``: the prefix, then the fragments
  separated by ``|``.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["CONCAT", "KEY_PREFIX", "KEY_SEPARATOR", "is_fragments", "join", "join_fragments"]

CONCAT: Final = "$concat"
KEY_PREFIX: Final = "$concat:"
KEY_SEPARATOR: Final = "|"


def is_fragments(value: object) -> bool:
    """True when ``value`` is a ``{"$concat": [str, ...]}`` object."""
    if not isinstance(value, dict) or set(value) != {CONCAT}:
        return False
    parts = value[CONCAT]
    return isinstance(parts, list) and bool(parts) and all(isinstance(part, str) for part in parts)


def join(value: object) -> str:
    """The string one ``{"$concat": [...]}`` object stands for; :class:`ValueError` for anything else."""
    if not is_fragments(value):
        msg = f'expected {{"{CONCAT}": [string, ...]}} (a split value)'
        raise ValueError(msg)
    parts: list[str] = value[CONCAT]  # type: ignore[index]  # is_fragments checked the shape
    return "".join(parts)


def _join_key(key: str) -> str:
    if key.startswith(KEY_PREFIX):
        return "".join(key[len(KEY_PREFIX) :].split(KEY_SEPARATOR))
    return key


def join_fragments(document: Any) -> Any:
    """A copy of ``document`` with every split value and split member name joined."""
    if is_fragments(document):
        return join(document)
    if isinstance(document, list):
        return [join_fragments(item) for item in document]
    if isinstance(document, dict):
        return {_join_key(key): join_fragments(item) for key, item in document.items()}
    return document
