"""JSON Schema type names of Python JSON values: the one classifier and the one ``type`` check.

Three questions share one answer here:

* :func:`json_type` names a value's *most specific* JSON Schema type, as a
  person would read it in "expected string, got integer" and as the schema
  diff sorts enum values by type: ``1`` and ``1.0`` are ``integer``, ``1.5``
  is ``number``, ``True`` is ``boolean`` (never a number).
* :func:`type_covers` says whether a ``type`` keyword's set of names accepts a
  value of a given most-specific type (``number`` accepts ``integer``).
* :func:`has_json_type` combines the two the way JSON Schema's ``type``
  keyword (and jsonschema's type checker) does, and refuses Python values JSON
  cannot hold (a tuple is neither an array nor an object).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["JSON_TYPES", "has_json_type", "json_type", "type_covers"]

JSON_TYPES: Final = ("null", "boolean", "integer", "number", "string", "array", "object")
"""The seven JSON Schema type names."""


def json_type(value: object) -> str:  # noqa: PLR0911 - one return per JSON type
    """The most specific JSON Schema type of a JSON value (``integer`` for ``1.0``, ``boolean`` for ``True``).

    A Python value JSON cannot hold (a tuple, a set, a date) is reported as
    ``object``: the name a message gives a value that is not one of the others.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def type_covers(types: Collection[str] | None, kind: str) -> bool:
    """True when ``type: types`` accepts a value whose :func:`json_type` is ``kind`` (None: no ``type``)."""
    if types is None:
        return True
    return kind in types or (kind == "integer" and "number" in types)


def has_json_type(value: object, name: str) -> bool:
    """True when JSON Schema's ``type: name`` accepts ``value``; never for a value JSON cannot hold."""
    kind = json_type(value)
    if kind == "object" and not isinstance(value, dict):
        return False
    return type_covers((name,), kind)
