import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema.exceptions import SchemaError
from tests._support import CASES

from saas_contracts._formats import (
    FORMAT_CHECKER,
    GRAMMAR_FORMATS,
    _expand,
    grammar_check,
    is_rfc3339_date_time,
    is_rfc3339_time,
)
from saas_contracts._pointer import format_pointer
from saas_contracts._validation import ContractValidator
from saas_contracts.errors import SchemaDefinitionError

FORMAT_CASES = [
    (group["schema"], test["data"], test["valid"])
    for group in json.loads((CASES / "formats.json").read_text(encoding="utf-8"))
    for test in group["tests"]
]


class TestSharedCases:
    """The bare-schema cases (also replayed in Ajv by node/agreement.mjs) give their labels in Python."""

    @pytest.mark.parametrize(("schema", "data", "valid"), FORMAT_CASES)
    def test_case(self, schema, data, valid):
        """The schema passes the metaschema check and the verdict equals the label."""
        ContractValidator.check_schema(schema)
        assert ContractValidator(schema, format_checker=FORMAT_CHECKER).is_valid(data) is valid


class TestRfc3339:
    """date-time and time follow RFC 3339 section 5.6, not rfc3339-validator."""

    @pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "x"])
    def test_trailing_characters_are_refused(self, suffix):
        """Nothing may follow the offset (Python's `$` would let a newline through)."""
        assert not is_rfc3339_date_time("1985-04-12T23:20:50Z" + suffix)
        assert not is_rfc3339_time("23:20:50Z" + suffix)

    @given(st.integers(-23 * 60 - 59, 23 * 60 + 59))
    def test_leap_second_only_at_the_last_utc_minute(self, offset):
        """Second 60 is valid exactly when the local time minus the offset is 23:59 UTC."""
        sign = "-" if offset < 0 else "+"
        hours, minutes = divmod(abs(offset), 60)
        local = (23 * 60 + 59 + offset) % 1440
        spelled = f"{local // 60:02d}:{local % 60:02d}:60{sign}{hours:02d}:{minutes:02d}"
        assert is_rfc3339_time(spelled)
        wrong = (local + 1) % 1440
        assert not is_rfc3339_time(f"{wrong // 60:02d}:{wrong % 60:02d}:60{sign}{hours:02d}:{minutes:02d}")

    def test_year_zero_is_refused(self):
        """Year 0000 stays refused, as Python's dates and our timestamp parser cannot hold it."""
        assert not is_rfc3339_date_time("0000-01-01T00:00:00Z")

    def test_non_strings_are_not_judged(self):
        """A format only constrains strings."""
        assert ContractValidator({"format": "time"}, format_checker=FORMAT_CHECKER).is_valid(5)


class TestSchemaCheck:
    """check_schema judges every pattern and patternProperties key as ECMA-262."""

    @pytest.mark.parametrize("pattern", ["(?<n>a)\\k<n>", "[]", "[^]", "[\\s\\S]", "\\u{41}", "\\cA"])
    def test_ecma_patterns_load(self, pattern):
        """Valid ECMA-262 patterns no longer make a whole schema unusable."""
        ContractValidator.check_schema({"pattern": pattern, "patternProperties": {pattern: True}})

    @pytest.mark.parametrize("pattern", ["(?P<n>a)", "(?i)a", "(?#c)", "\\A", "a\\Z", "\\a"])
    @pytest.mark.parametrize("where", ["pattern", "patternProperties"])
    def test_python_only_patterns_are_refused(self, pattern, where):
        """Python-only syntax is an invalid schema, in `pattern` and in `patternProperties` keys."""
        schema = {"pattern": pattern} if where == "pattern" else {"patternProperties": {pattern: True}}
        with pytest.raises(SchemaError, match="regex"):
            ContractValidator.check_schema(schema)


class TestGrammars:
    """The RFC grammars of _formats.json: registered, expanded, and consistent with our own primitives."""

    def test_every_grammar_is_a_registered_format(self):
        """Each format of the table is checked by FORMAT_CHECKER (and only strings are judged)."""
        for name in GRAMMAR_FORMATS:
            assert FORMAT_CHECKER.conforms(5, name)
            assert not FORMAT_CHECKER.conforms("\n", name), name

    def test_a_fragment_referring_to_itself_is_refused(self):
        """Expansion stops instead of looping on a cycle."""
        with pytest.raises(SchemaDefinitionError, match="refers to itself"):
            _expand("{{a}}", {"a": "x{{a}}"})

    def test_octet_limits_split_at_the_last_at_sign(self):
        """A quoted local part may hold '@'; the limits split at the last one."""
        check = grammar_check("email")
        assert check('"' + "@" * 62 + '"@example.com')
        assert not check('"' + "@" * 63 + '"@example.com')

    @given(st.lists(st.text(max_size=8), max_size=4))
    def test_our_pointers_are_json_pointers(self, parts):
        """Every pointer _pointer.format_pointer writes is a json-pointer."""
        assert grammar_check("json-pointer")(format_pointer(parts))
