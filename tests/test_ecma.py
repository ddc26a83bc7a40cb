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

    def test_invalid_pattern_is_a_schema_error(self):
        """A pattern that does not compile raises SchemaDefinitionError (a ValueError)."""
        with pytest.raises(ValueError, match="not a valid regular expression"):
            compile_ecma("(unclosed")

    def test_lone_backslash(self):
        """A trailing backslash is reported, not passed on to re."""
        with pytest.raises(SchemaDefinitionError, match="lone backslash"):
            compile_ecma("abc\\")
