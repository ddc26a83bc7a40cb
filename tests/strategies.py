"""Hypothesis strategies that generate instances of our schemas.

Covers the subset of Draft 2020-12 our schemas use (hygiene tests keep them in
it); every generated value is finally checked with the real validator, so a
gap here can only make a test fail loudly, never pass wrongly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from saas_contracts._registry import default_catalog
from saas_contracts._validation import is_valid

MAX_SAFE = 2**53 - 1


def _timestamps() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31))  # noqa: DTZ001
    fractions = st.sampled_from(["", ".5", ".125", ".123456"])
    return st.builds(lambda m, f: m.strftime("%Y-%m-%dT%H:%M:%S") + f + "Z", moments, fractions)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return _timestamps()
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    if "pattern" in schema:
        pattern = schema["pattern"].replace("$", "\\Z")
        return st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high and s.isascii())
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_ 0123456789", min_size=low, max_size=min(high, 40))


def _merge(resolver: Any, schema: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Inline a sibling $ref (and allOf members) into one flat schema dict."""
    merged: dict[str, Any] = {}
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        resolver, inner = resolved.resolver, resolved.contents
        resolver, inner = _merge(resolver, inner)
        merged.update(inner)
    for part in schema.get("allOf", []):
        _, inner = _merge(resolver, part)
        for key, value in inner.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    merged.update({key: value for key, value in schema.items() if key not in {"$ref", "allOf"}})
    return resolver, merged


def _from(resolver: Any, schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:  # noqa: C901, PLR0911, PLR0912
    if schema is True:
        return st.integers(0, 9)
    resolver, schema = _merge(resolver, schema)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of(
                [
                    _from(resolver, {**{k: v for k, v in schema.items() if k != key}, **option}, depth)
                    for option in schema[key]
                ]
            )
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind is None and "properties" in schema:
        kind = "object"
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), min(schema.get("maximum", MAX_SAFE), 2**40))
    if kind == "number":
        return st.one_of(st.integers(0, 1000), st.floats(0, 1000, allow_nan=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = _from(resolver, schema.get("items", True), depth + 1)
        high = min(schema.get("maxItems", 3), 3)
        return st.lists(items, min_size=min(schema.get("minItems", 0), high), max_size=high, unique_by=None)
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fixed = {
            name: _from(resolver, sub, depth + 1) for name, sub in properties.items() if name in required
        }
        optional = {
            name: _from(resolver, sub, depth + 1)
            for name, sub in properties.items()
            if name not in required and depth < 4
        }
        base = st.fixed_dictionaries(fixed, optional=optional)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not properties:
            keys = _from(resolver, schema.get("propertyNames", {"type": "string"}), depth + 1)
            return st.dictionaries(keys, _from(resolver, extra, depth + 1), max_size=3)
        return base
    return st.none()


def instances(schema: str) -> st.SearchStrategy[Any]:
    """Valid instances of a packaged schema (name, path or $id, optional fragment)."""
    info = default_catalog().get(schema)
    resolver = default_catalog().registry.resolver(base_uri=info.id)
    _, _, fragment = schema.partition("#")
    root: Any = resolver.lookup(f"{info.id}#{fragment}").contents if fragment else info.contents
    return _from(resolver, root).filter(lambda value: is_valid(value, schema))
