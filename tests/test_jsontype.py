"""The one JSON type classifier and what each of its callers relies on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._jsontype import JSON_TYPES, has_json_type, json_type, type_covers
from saas_contracts._validation import ContractValidator, violations_from_errors
from saas_contracts.diff._normalize import Normalizer
from saas_contracts.diff._sources import single_document_set
from saas_contracts.privacy._rules import Condition

# value, most specific type; the edge cases every caller depends on.
EDGES = [
    (True, "boolean"),
    (False, "boolean"),
    (1, "integer"),
    (1.0, "integer"),
    (2**64, "integer"),
    (1.5, "number"),
    (math.inf, "number"),
    (None, "null"),
    ("1", "string"),
    ([1, [2]], "array"),
    ({"a": {"b": [1]}}, "object"),
]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=8,
)


class TestJsonType:
    """json_type names the most specific JSON Schema type: integer for 1.0, boolean for True."""

    @pytest.mark.parametrize(("value", "expected"), EDGES, ids=[repr(value)[:16] for value, _ in EDGES])
    def test_edges(self, value, expected):
        """Each edge case gets its most specific type."""
        assert json_type(value) == expected

    def test_a_value_json_cannot_hold_reads_as_object(self):
        """A tuple is named object (what validation messages have always said)."""
        assert json_type((1, 2)) == "object"

    @given(JSON_VALUES)
    def test_always_one_of_the_seven(self, value):
        """Property: every JSON value gets exactly one of the seven type names."""
        assert json_type(value) in JSON_TYPES


class TestTypeCovers:
    """type_covers reads a type keyword's names: number covers integer, nothing else widens."""

    @pytest.mark.parametrize(
        ("types", "kind", "expected"),
        [
            (None, "boolean", True),
            (["number"], "integer", True),
            (["integer"], "number", False),
            (["number"], "boolean", False),
            (["integer"], "boolean", False),
            (["null", "string"], "null", True),
            ([], "object", False),
        ],
    )
    def test_cases(self, types, kind, expected):
        """Only ``number`` over ``integer`` widens; None means no type keyword at all."""
        assert type_covers(None if types is None else frozenset(types), kind) is expected


class TestHasJsonType:
    """has_json_type is JSON Schema's ``type`` keyword, as jsonschema's type checker applies it."""

    @given(JSON_VALUES, st.sampled_from(JSON_TYPES))
    def test_agrees_with_the_reference_validator(self, value, name):
        """Property: the answer is jsonschema's for ``{"type": name}``."""
        assert has_json_type(value, name) is ContractValidator({"type": name}).is_valid(value)

    @pytest.mark.parametrize("name", ["array", "object"])
    def test_values_json_cannot_hold_have_no_type(self, name):
        """A tuple is neither an array nor an object."""
        assert not has_json_type((1,), name)


def _type_message(instance: object) -> str:
    errors = ContractValidator({"type": "string"}).iter_errors(instance)
    (violation,) = violations_from_errors(errors, "inline")
    return violation.message


class TestValidationMessageCaller:
    """Validation messages name the most specific type of the offending value."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(value, kind) for value, kind in EDGES if kind != "string"] + [((1,), "object")],
        ids=[repr(value)[:16] for value, kind in EDGES if kind != "string"] + ["tuple"],
    )
    def test_got_names_the_most_specific_type(self, value, expected):
        """``expected string, got integer`` for 1.0, ``got boolean`` for True, ``got null`` for None."""
        assert _type_message(value) == f"expected string, got {expected}"


class TestPrivacyConditionCaller:
    """A structure-rule condition's ``type`` is JSON Schema's: number covers 1 and 1.0, never True."""

    @pytest.mark.parametrize(
        ("name", "value", "holds"),
        [
            ("number", 1, True),
            ("number", 1.0, True),
            ("number", 1.5, True),
            ("number", 2**64, True),
            ("number", True, False),
            ("number", None, False),
            ("boolean", True, True),
            ("boolean", 0, False),
            ("string", "x", True),
            ("string", None, False),
            ("object", {"b": {"c": 1}}, True),
            ("object", (1,), False),
            ("array", [[1]], True),
            ("array", (1,), False),
        ],
    )
    def test_holds(self, name, value, holds):
        """The member exists; whether it has the type decides."""
        assert Condition(path=("a",), type=name).holds({"a": value}) is holds


def _normalized_enum(schema: dict[str, object]) -> list[object]:
    side = single_document_set(schema)
    document = next(iter(side.docs.values()))
    enum: list[object] = Normalizer(side).node(document.contents, document.uri + "#").kw["enum"]
    return enum


class TestDiffEnumCaller:
    """The schema diff drops enum values its type keyword excludes, by most specific type."""

    def test_integer_keeps_integral_numbers_only(self):
        """Under ``integer``: 1 and 1.0 are one value, 2**64 stays; True, 1.5, None and "1" go."""
        assert _normalized_enum({"type": "integer", "enum": [True, 1, 1.0, 1.5, None, 2**64, "1"]}) == [
            1,
            2**64,
        ]

    def test_number_covers_integers(self):
        """Under ``number``: integers and fractions stay; True stays out."""
        assert _normalized_enum({"type": "number", "enum": [True, 1, 1.0, 1.5, None, 2**64, "1"]}) == [
            1,
            1.5,
            2**64,
        ]
