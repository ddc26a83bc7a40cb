"""Split secrets: ``{"$concat": [...]}`` values and ``$concat:a|b`` member names."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._fragments import is_fragments, join, join_fragments
from saas_contracts._validation import is_valid

SPLIT_VALUE = "common/v1/common#/$defs/split_value"


class TestJoin:
    """One split value joins to its fragments with no separator."""

    def test_join(self):
        assert join({"$concat": ["sk_li", "ve_x"]}) == "sk_live_x"

    @pytest.mark.parametrize(
        "value",
        [
            {"$concat": []},
            {"$concat": ["a", 1]},
            {"$concat": ["a"], "other": 1},
            ["a", "b"],
            "ab",
            {"parts": ["a"]},
        ],
    )
    def test_not_a_split_value(self, value):
        assert not is_fragments(value)
        with pytest.raises(ValueError, match="split value"):
            join(value)

    @given(st.lists(st.text(max_size=70), min_size=0, max_size=70))
    def test_every_schema_valid_split_value_joins(self, parts):
        value = {"$concat": parts}
        if is_valid(value, SPLIT_VALUE):
            assert is_fragments(value)
            assert join(value) == "".join(parts)

    def test_the_schema_refuses_other_members(self):
        assert not is_valid({"$concat": ["a", "b"], "note": "x"}, SPLIT_VALUE)
        assert is_valid({"$concat": ["a", "b"]}, SPLIT_VALUE)


class TestJoinFragments:
    """Whole documents: split values and member names anywhere are joined, the rest is kept."""

    def test_nested(self):
        document = {
            "a": [{"$concat": ["x", "y"]}, 1],
            "$concat:k|ey": {"b": {"$concat": ["p", "q"]}},
            "c": None,
        }
        assert join_fragments(document) == {"a": ["xy", 1], "key": {"b": "pq"}, "c": None}

    @given(
        st.recursive(
            st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
        )
    )
    @pytest.mark.slow  # about 1-2 s alone on 2 cores
    def test_documents_without_markers_are_unchanged(self, document):
        if "$concat" not in repr(document):
            assert join_fragments(document) == document
