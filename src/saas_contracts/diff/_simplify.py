"""Exact rewrites of one normalized node's keywords that need nothing but the keywords.

The normalizer (:mod:`saas_contracts.diff._normalize`) calls :func:`simplify`
once a node's ``allOf`` branches are merged. Each rewrite keeps the set of valid
instances exactly as it was, and none touches a keyword whose annotations reach
``unevaluatedProperties``/``unevaluatedItems``:

* an ``enum`` of every ``null``/boolean value is that ``type`` (``const: null``
  is ``type: null``, ``enum: [true, false]`` is ``type: boolean``);
* ``type: number`` with a whole ``multipleOf`` is ``type: integer`` (a multiple
  of a whole number is a whole number, ``2.0`` too), where ``multipleOf: 1``
  says nothing more;
* on a grid of valid numbers (the multiples of ``multipleOf``; the integers
  under ``type: integer``) exclusive and off-grid bounds become the inclusive
  grid point inside them: ``exclusiveMinimum: 0`` with ``multipleOf: 0.5`` is
  ``minimum: 0.5`` (for steps a binary float spells exactly);
* keywords that constrain only types ``type`` excludes go (``minimum`` beside
  ``type: string``);
* a ``dependentSchemas`` entry that only lists ``required`` names is a
  ``dependentRequired`` entry; a ``dependentRequired`` name that requires
  itself, or nothing, goes.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Final

from saas_contracts._jsontype import JSON_TYPES, json_type

__all__ = ["TYPED", "TYPE_KEYWORDS", "simplify", "to_fraction"]

TYPE_KEYWORDS: Final[dict[str, frozenset[str]]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "array": frozenset(
        {
            "items",
            "prefixItems",
            "contains",
            "minContains",
            "maxContains",
            "minItems",
            "maxItems",
            "uniqueItems",
            "unevaluatedItems",
        },
    ),
    "object": frozenset(
        {
            "properties",
            "patternProperties",
            "additionalProperties",
            "required",
            "dependentRequired",
            "dependentSchemas",
            "propertyNames",
            "minProperties",
            "maxProperties",
            "unevaluatedProperties",
        },
    ),
    "null": frozenset(),
    "boolean": frozenset(),
}
"""The keywords that constrain values of each type (and no value of another type)."""
TYPE_KEYWORDS["integer"] = TYPE_KEYWORDS["number"]
TYPED: Final = frozenset().union(*TYPE_KEYWORDS.values())
"""Keywords that constrain one kind of value only."""
_VALUE_TYPES: Final = {"null": frozenset({"null"}), "boolean": frozenset({"false", "true"})}
"""Types with finitely many values, by the canonical texts of their values."""


def to_fraction(value: Any) -> Fraction:
    """Exact rational of a JSON number as written (0.1 is 1/10, not the binary float)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def simplify(kw: dict[str, Any]) -> None:
    """Apply every rewrite of this module to a node's keywords, in place."""
    _value_types(kw)
    _whole_steps(kw)
    _grid_bounds(kw)
    _drop_inapplicable(kw)
    _dependencies(kw)


def _value_types(kw: dict[str, Any]) -> None:
    values = kw.get("enum")
    if not values or not all(value is None or isinstance(value, bool) for value in values):
        return
    texts = {"null" if value is None else str(value).lower() for value in values}
    covered = {name for name, every in _VALUE_TYPES.items() if every <= texts}
    if {json_type(value) for value in values} != covered:
        return
    del kw["enum"]
    kw["type"] = sorted(covered & set(kw.get("type", covered)), key=JSON_TYPES.index)


def _whole_steps(kw: dict[str, Any]) -> None:
    types = kw.get("type")
    step = kw.get("multipleOf")
    if not types or isinstance(step, bool) or not isinstance(step, (int, float)):
        return
    if to_fraction(step).denominator != 1:
        return
    if "number" in types:
        kw["type"] = sorted({*types, "integer"} - {"number"}, key=JSON_TYPES.index)
    if "integer" in kw["type"] and to_fraction(step) == 1:
        del kw["multipleOf"]


def _grid(kw: dict[str, Any]) -> Fraction | None:
    """The spacing of the valid numbers: ``multipleOf`` (made whole under ``type: integer``), or 1."""
    types = kw.get("type") or []
    integers = "integer" in types and "number" not in types
    step = to_fraction(kw["multipleOf"]) if "multipleOf" in kw else None
    if not integers:
        return step
    if step is None:
        return Fraction(1)
    return Fraction(math.lcm(step.numerator, 1), math.gcd(step.denominator, 1))


def _grid_bounds(kw: dict[str, Any]) -> None:
    step = _grid(kw)
    if step is None or not step > 0 or step.denominator & (step.denominator - 1):
        # Only steps binary floats spell exactly (whole, halves, quarters, ...): with 0.1 the validator's
        # float division and the exact grid can disagree near a bound.
        return
    lower: list[Fraction] = []
    upper: list[Fraction] = []
    if "minimum" in kw:
        lower.append(math.ceil(to_fraction(kw["minimum"]) / step) * step)
    if "exclusiveMinimum" in kw:
        lower.append((math.floor(to_fraction(kw["exclusiveMinimum"]) / step) + 1) * step)
    if "maximum" in kw:
        upper.append(math.floor(to_fraction(kw["maximum"]) / step) * step)
    if "exclusiveMaximum" in kw:
        upper.append((math.ceil(to_fraction(kw["exclusiveMaximum"]) / step) - 1) * step)
    found: dict[str, Any] = {}
    for key, points, pick in (("minimum", lower, max), ("maximum", upper, min)):
        if points:
            number = _number(pick(points))
            if number is None:
                return  # no exact JSON spelling: the bounds stay as written
            found[key] = number
    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        kw.pop(key, None)
    kw.update(found)


def _number(value: Fraction) -> int | float | None:
    """``value`` as a JSON number that means exactly it, or None (an inexact or out-of-range float)."""
    if value.denominator == 1:
        return int(value)
    try:
        spelled = float(value)
    except OverflowError:
        return None
    return spelled if to_fraction(spelled) == value else None


def _drop_inapplicable(kw: dict[str, Any]) -> None:
    types = kw.get("type")
    if types is None:
        return
    applicable = set().union(*(TYPE_KEYWORDS[name] for name in types))
    for name in [key for key in kw if key in TYPED and key not in applicable]:
        del kw[name]


def _names_only(schema: Any) -> list[str] | None:
    """The names a dependent schema requires when that is all it does (no annotations either), else None."""
    if schema is True:
        return []
    if isinstance(schema, dict) and set(schema) == {"required"} and isinstance(schema["required"], list):
        return list(schema["required"])
    return None


def _dependencies(kw: dict[str, Any]) -> None:
    schemas = kw.get("dependentSchemas")
    if isinstance(schemas, dict):
        listed = {name: _names_only(schema) for name, schema in schemas.items()}
        moved = {name: needed for name, needed in listed.items() if needed is not None}
        if moved:
            merged = {name: list(needed) for name, needed in kw.get("dependentRequired", {}).items()}
            for name, needed in moved.items():
                merged[name] = sorted({*merged.get(name, []), *needed})
            kw["dependentRequired"] = merged
            rest = {name: schema for name, schema in schemas.items() if name not in moved}
            if rest:
                kw["dependentSchemas"] = rest
            else:
                del kw["dependentSchemas"]
    found = kw.get("dependentRequired")
    if not isinstance(found, dict):
        return
    kept = {
        name: sorted(set(needed) - {name})
        for name, needed in found.items()
        if isinstance(needed, list) and set(needed) - {name}
    }
    if kept:
        kw["dependentRequired"] = kept
    else:
        del kw["dependentRequired"]
