import json

import pytest
from tests._support import CASES

from saas_contracts import SchemaDefinitionError
from saas_contracts._ecma import compile_ecma

ECMA_CASES = json.loads((CASES / "ecma-patterns.json").read_text(encoding="utf-8"))


class TestCompileEcma:
    """Patterns give JavaScript's verdict, not Python's."""

    @pytest.mark.parametrize(
        "case",
        ECMA_CASES,
        ids=[f"{c['pattern']}~{c['input']!r}" for c in ECMA_CASES],
    )
    def test_case(self, case):
        """Every shared case matches exactly as JavaScript's RegExp with the u flag does."""
        assert bool(compile_ecma(case["pattern"]).search(case["input"])) is case["match"]

    def test_dollar_is_end_of_input(self):
        """The measured trap: Python's `$` accepts a trailing newline; ours does not."""
        assert compile_ecma("^[a-z]+$").search("pro\n") is None

    @pytest.mark.parametrize("pattern", ["\\p{L}", "^\\P{Lu}$"])
    def test_property_escapes_are_refused(self, pattern):
        """Unicode property escapes cannot be expressed in re, so they are an error."""
        with pytest.raises(SchemaDefinitionError, match="property escape"):
            compile_ecma(pattern)

    @pytest.mark.parametrize("pattern", ["(?<=\\1(a))b", "(?<!(a)\\1)b", "(?<=\\k<n>(?<n>a+))b"])
    def test_back_reference_into_its_own_lookbehind_is_refused(self, pattern):
        """JavaScript resolves it right to left; Python would read it left to right."""
        with pytest.raises(SchemaDefinitionError, match="back-reference inside a lookbehind"):
            compile_ecma(pattern)

    def test_back_reference_into_an_earlier_group_from_a_lookbehind_compiles(self):
        """A group closed before the lookbehind means the same in both directions."""
        assert compile_ecma("(a+)(?<=\\1)b").search("aab")

    def test_variable_width_lookbehind_runs_in_the_regex_package(self):
        """re cannot run it; the regex package does, with the same search interface."""
        compiled = compile_ecma("(?<=[a-z]+-)[0-9]+")
        assert type(compiled).__module__ == "_regex"
        assert compiled.search("ab-12")
        assert not compiled.search("-12")

    def test_invalid_pattern_is_a_schema_error(self):
        """A pattern that does not compile raises SchemaDefinitionError (a ValueError)."""
        with pytest.raises(ValueError, match="not a valid regular expression"):
            compile_ecma("(unclosed")

    def test_lone_backslash(self):
        """A trailing backslash is reported, not passed on to re."""
        with pytest.raises(SchemaDefinitionError, match="lone backslash"):
            compile_ecma("abc\\")
