import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests._support import CASES

from saas_contracts import ContractError, ContractViolationError, Violation, validate_files
from saas_contracts._registry import BASE_URI, SchemaCatalog
from saas_contracts._validation import Validators, ensure_valid, is_valid, validate

CASE_FILES = sorted((CASES / "schemas").glob("*.json"))
SCHEMA_CASES = [
    pytest.param(
        group["schema"],
        test["data"],
        test["valid"],
        id=f"{path.stem}:{group['description']}:{test['description']}",
    )
    for path in CASE_FILES
    for group in json.loads(path.read_text(encoding="utf-8"))
    for test in group["tests"]
]
TIMESTAMP = "common/v1/common#/$defs/utc_timestamp"
SECRET_ID = "cus_" + "Q1w2E3r4T5y6U7i8"


@pytest.fixture
def demo():
    """A small closed-object schema in a private catalog."""

    def build(tmp_path):
        path = tmp_path / "demo" / "v1" / "thing.schema.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": BASE_URI + "demo/v1/thing.schema.json",
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "count", "kind"],
                    "properties": {
                        "name": {"type": "string", "pattern": "^[a-z]+$"},
                        "count": {"type": "integer", "minimum": 0},
                        "kind": {"enum": ["a", "b"]},
                        "tags": {"type": "array", "maxItems": 2, "uniqueItems": True},
                    },
                    "dependentRequired": {"tags": ["name"]},
                },
            ),
            encoding="utf-8",
        )
        return Validators(SchemaCatalog(tmp_path))

    return build


class TestSchemaCases:
    """The shared case files (also replayed in Ajv) give the expected verdicts in Python."""

    @pytest.mark.parametrize(("schema", "data", "valid"), SCHEMA_CASES)
    def test_case(self, schema, data, valid):
        """Python's verdict equals the case's label."""
        assert is_valid(data, schema["$ref"]) is valid


class TestViolations:
    """Violations are ours: located, sorted, public-safe."""

    def test_one_violation_per_missing_property(self, demo, tmp_path):
        """Each missing required property is its own violation, pointing at the object."""
        violations = demo(tmp_path).validate({}, "demo/v1/thing")
        assert [(v.pointer, v.keyword) for v in violations] == [("", "required")] * 3
        assert {v.message for v in violations} == {
            "missing required property 'name'",
            "missing required property 'count'",
            "missing required property 'kind'",
        }

    def test_unexpected_properties_point_at_themselves(self, demo, tmp_path):
        """A closed object reports each extra property at its own pointer."""
        instance = {"name": "a", "count": 1, "kind": "a", "extra": 1}
        (violation,) = demo(tmp_path).validate(instance, "demo/v1/thing")
        assert violation.pointer == "/extra"
        assert violation.keyword == "additionalProperties"

    def test_secret_keys_are_masked_in_pointers(self, demo, tmp_path):
        """An unexpected key that is itself an id is masked, never echoed."""
        instance = {"name": "a", "count": 1, "kind": "a", SECRET_ID: 1}
        (violation,) = demo(tmp_path).validate(instance, "demo/v1/thing")
        assert SECRET_ID not in json.dumps(violation.to_json())

    @pytest.mark.parametrize(
        ("instance", "keyword"),
        [
            ({"name": SECRET_ID, "count": 1, "kind": "a"}, "pattern"),
            ({"name": "a", "count": 1, "kind": SECRET_ID}, "enum"),
            ({"name": "a", "count": -1, "kind": "a"}, "minimum"),
            ({"name": "a", "count": 1, "kind": "a", "tags": [1, 1]}, "uniqueItems"),
            ({"name": "a", "count": 1, "kind": "a", "tags": [1, 2, 3]}, "maxItems"),
            ({"name": "a", "count": SECRET_ID, "kind": "a"}, "type"),
        ],
    )
    def test_messages_never_quote_values(self, demo, tmp_path, instance, keyword):
        """Whatever the keyword, the offending value never appears in full."""
        violations = demo(tmp_path).validate(instance, "demo/v1/thing")
        assert keyword in {v.keyword for v in violations}
        assert SECRET_ID not in json.dumps([v.to_json() for v in violations])

    def test_sorted_and_deterministic(self, demo, tmp_path):
        """The same instance gives the same tuple, sorted by pointer first."""
        instance = {"name": "A", "count": -1, "kind": "c", "tags": [1, 1, 1]}
        first = demo(tmp_path).validate(instance, "demo/v1/thing")
        assert first == tuple(sorted(first))
        assert first == demo(tmp_path).validate(dict(reversed(instance.items())), "demo/v1/thing")
        assert [v.pointer for v in first] == ["/count", "/kind", "/name", "/tags", "/tags"]

    def test_format_is_asserted(self):
        """date-time is really checked: 'not-a-date' and February 30 fail."""
        assert not is_valid("2026-02-30T00:00:00Z", TIMESTAMP)
        assert "format" in {v.keyword for v in validate("2026-02-30T00:00:00Z", TIMESTAMP)}

    def test_rule_names_the_schema(self):
        """The violation says which schema (and fragment) it comes from."""
        (violation,) = validate(-1, "common/v1/common#/$defs/quantity")
        assert violation.rule == "common/v1/common#/$defs/quantity"
        assert violation.message == "must be >= 0"


class TestEnsureValid:
    """The raising variant carries every violation."""

    def test_raises_with_violations(self):
        """ContractViolationError is a ContractError and a ValueError."""
        with pytest.raises(ContractViolationError) as caught:
            ensure_valid("2026-11-21T10:00:00+01:00", TIMESTAMP)
        assert isinstance(caught.value, ContractError)
        assert isinstance(caught.value, ValueError)
        assert all(isinstance(v, Violation) for v in caught.value.violations)
        assert "+01:00" not in str(caught.value)

    def test_valid_passes(self):
        """A valid instance raises nothing."""
        ensure_valid("2026-11-21T10:00:00Z", TIMESTAMP)


@given(st.datetimes(timezones=st.none()))
def test_every_utc_instant_in_canonical_spelling_is_valid(moment):
    """Property: any naive datetime written as RFC 3339 with Z validates."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    assert moment.year < 1000 or is_valid(text, TIMESTAMP)


@given(st.text(alphabet="abc", min_size=1), st.sampled_from(["\n", "\r\n", " ", "\u200b"]))
def test_labels_with_trailing_garbage_are_invalid(label, suffix):
    """Property: no trailing newline or invisible suffix slips past the label pattern."""
    assert not is_valid(label + suffix, "common/v1/common#/$defs/public_label")


CASE_GROUPS = [
    pytest.param(group["schema"]["$ref"], group["tests"], id=f"{path.stem}:{group['description']}")
    for path in CASE_FILES
    for group in json.loads(path.read_text(encoding="utf-8"))
]


class TestValidateFiles:
    """validate_files streams documents and keeps counts plus the first problem documents."""

    @pytest.mark.parametrize(("schema", "tests"), CASE_GROUPS)
    def test_same_verdicts_as_one_by_one(self, tmp_path, schema, tests):
        """A case group as a .jsonl file, one case a line: the problem lines are exactly the invalid cases."""
        cases = [(test["data"], test["valid"]) for test in tests]
        path = tmp_path / "cases.jsonl"
        path.write_text("".join(json.dumps(data) + "\n" for data, _ in cases), encoding="utf-8")
        result = validate_files([str(path)], schema, max_samples=None)
        assert [problem.line for problem in result.problems] == [
            number for number, (_, valid) in enumerate(cases, start=1) if not valid
        ]
        for problem in result.problems:
            assert problem.line is not None
            assert problem.violations == validate(cases[problem.line - 1][0], schema)
        assert result.documents == len(cases)
        assert not result.truncated

    @given(
        lines=st.lists(
            st.sampled_from(['"2026-11-21T10:00:00Z"', '"yesterday"', "{oops", "", "7"]), max_size=30
        ),
        limit=st.integers(min_value=0, max_value=8),
    )
    def test_bounded_run_is_the_prefix_of_the_unbounded_one(self, tmp_path_factory, lines, limit):
        """Counts never depend on the bound; the kept problems are the first ``limit`` in input order."""
        path = tmp_path_factory.mktemp("bounded") / "stamps.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        everything = validate_files([str(path)], TIMESTAMP, max_samples=None)
        bounded = validate_files([str(path)], TIMESTAMP, max_samples=limit)
        assert bounded.counts() == everything.counts()
        assert bounded.problems == everything.problems[:limit]
        assert bounded.truncated == (len(everything.problems) > limit)
        assert bounded.omitted == len(everything.problems) - len(bounded.problems)
        counts = everything.counts()
        assert counts["documents"] == counts["valid"] + counts["invalid"] + counts["unparsable"]
        assert counts["documents"] == sum(bool(text.strip()) for text in lines)

    def test_valid_needs_a_document(self, tmp_path):
        """Zero documents is not a valid batch (the CLI makes it a usage error)."""
        path = tmp_path / "empty.jsonl"
        path.write_bytes(b"\n\n")
        result = validate_files([str(path)], TIMESTAMP)
        assert result.documents == 0
        assert not result.valid
