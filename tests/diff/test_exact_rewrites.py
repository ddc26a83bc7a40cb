"""The normalizer's rewrites keep the instance set, and what they let the differ decide is sound.

Random schemas from a grammar aimed at the rewrites (value lists, type lists, ``multipleOf`` with
bounds, conditionals, dependencies, ``contains`` beside ``items``, ``prefixItems`` with
``items: false``) are checked against a pool of instances: the normalized node accepts exactly
what the schema accepts, a ``compatible`` direction is refuted by no instance of the pool, and
every counterexample separates the two schemas.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_contracts._validation import ContractValidator
from saas_contracts.diff import Direction, Verdict, diff_schemas
from saas_contracts.diff._normalize import Normalizer
from saas_contracts.diff._sources import single_document_set

POOL: tuple[Any, ...] = (
    -2,
    -1,
    0,
    0.25,
    0.5,
    1,
    1.5,
    2,
    2.0,
    3,
    5,
    100,
    105,
    "",
    "a",
    "ab",
    None,
    True,
    False,
    [],
    [1],
    [1, "a"],
    [1, 2],
    ["a"],
    [None],
    {},
    {"a": 1},
    {"a": 1, "b": 2},
    {"b": 1},
    {"a": "x"},
    {"a": None, "c": 1},
)
_NAMES = st.sampled_from(["a", "b", "c"])
_TYPES = st.sampled_from(
    [
        "null",
        "boolean",
        "integer",
        "number",
        "string",
        "array",
        "object",
        ["integer", "string"],
        ["number", "null"],
    ]
)
_LEAF = st.one_of(
    st.builds(lambda name: {"type": name}, _TYPES),
    st.builds(
        lambda values: {"enum": values},
        st.lists(st.sampled_from([None, True, False, 1, "a", 0.5]), min_size=1, max_size=3),
    ),
    st.builds(lambda value: {"const": value}, st.sampled_from([None, True, False, 1, "a"])),
    st.builds(
        lambda key, value: {key: value},
        st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
        st.sampled_from([0, 0.5, 1, 2, 3, -1, 0.25, 5, 100]),
    ),
    st.builds(lambda step: {"multipleOf": step}, st.sampled_from([0.5, 1, 2, 0.25, 5])),
    st.builds(lambda names: {"required": names}, st.lists(_NAMES, max_size=2, unique=True)),
    st.builds(
        lambda name, names: {"dependentRequired": {name: names}},
        _NAMES,
        st.lists(_NAMES, max_size=2, unique=True),
    ),
    st.builds(lambda count: {"minItems": count}, st.integers(0, 2)),
    st.builds(lambda count: {"maxItems": count}, st.integers(0, 2)),
    st.builds(lambda count: {"minLength": count}, st.integers(0, 2)),
    st.sampled_from([{}, True, False]),
)


def _both(first: Any, second: Any) -> Any:
    return {**first, **second} if isinstance(first, dict) and isinstance(second, dict) else first


def _extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(_both, inner, inner),
        st.builds(lambda c, t, e: {"if": c, "then": t, "else": e}, inner, inner, inner),
        st.builds(lambda c, t: {"if": c, "then": t}, inner, inner),
        st.builds(lambda c, e: {"if": c, "else": e}, inner, inner),
        st.builds(lambda xs: {"anyOf": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"oneOf": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"allOf": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
        st.builds(lambda name, x: {"dependentSchemas": {name: x}}, _NAMES, inner),
        st.builds(
            lambda items, contains, least: {
                "items": items,
                "contains": contains,
                **({} if least is None else {"minContains": least}),
            },
            inner,
            inner,
            st.sampled_from([None, 0, 1, 2]),
        ),
        st.builds(
            lambda prefix, rest: {"prefixItems": prefix, "items": rest},
            st.lists(inner, min_size=1, max_size=2),
            inner,
        ),
        st.builds(lambda x: {"properties": {"a": x}}, inner),
    )


SCHEMAS = st.recursive(_LEAF, _extend, max_leaves=8)
PAIRS = st.one_of(
    st.tuples(SCHEMAS, SCHEMAS),
    st.builds(lambda s, t: (s, {"allOf": [s, t]}), SCHEMAS, SCHEMAS),
    st.builds(lambda s, t: ({"anyOf": [s, t]}, s), SCHEMAS, SCHEMAS),
    st.builds(lambda s, t: ({"if": s, "then": t}, {"if": {"allOf": [s, t]}, "then": t}), SCHEMAS, SCHEMAS),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(SCHEMAS)
def test_normalized_node_accepts_the_same_instances(schema: Any) -> None:
    node = Normalizer(single_document_set(schema)).node(schema, "schema.json#")
    original, normalized = ContractValidator(schema), ContractValidator(node.raw)
    for instance in POOL:
        assert original.is_valid(instance) == normalized.is_valid(instance), (node.raw, instance)


@pytest.mark.slow  # ~15 s on 2 cores: a full diff per example; CI runs it
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAIRS)
def test_decided_verdicts_are_sound(pair: tuple[Any, Any]) -> None:
    old, new = pair
    result = diff_schemas(old, new)
    summary = result.to_json()["summary"]
    validators = {"old": ContractValidator(old), "new": ContractValidator(new)}
    for name, (accepts, rejects) in {"backward": ("old", "new"), "forward": ("new", "old")}.items():
        if summary[name] == "compatible":
            refuted = [
                item
                for item in POOL
                if validators[accepts].is_valid(item) and not validators[rejects].is_valid(item)
            ]
            assert not refuted, (name, refuted)
    for change in result.changes:
        for direction in Direction:
            example = change.counterexample(direction)
            if change.verdict(direction) is Verdict.BREAKING:
                assert example is not None
                accepts, rejects = ("old", "new") if direction is Direction.BACKWARD else ("new", "old")
                assert validators[accepts].is_valid(example.instance), change
                assert not validators[rejects].is_valid(example.instance), change
