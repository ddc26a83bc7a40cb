"""The structural lint that keeps every pattern linear in a backtracking engine."""

from __future__ import annotations

import json

import pytest

from saas_contracts.errors import SchemaDefinitionError
from saas_contracts.privacy._linearity import linearity_problem
from saas_contracts.privacy._rules import RuleSet, lint_pattern, rules_document


class TestShapes:
    """Each super-linear shape is named; the linear variants pass."""

    @pytest.mark.parametrize(
        ("pattern", "shape"),
        [
            (r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{0,}", "rescan"),
            ("a[a-z]{2,}b", "rescan"),
            ("[a-z]+@", "rescan"),
            ("^[a-z]+[a-z0-9]+$", "adjacent"),
            ("^x[a-z]{1,}[0-9a-z]{3,}", "adjacent"),
            ("^(?:[a-z]{1,9}){1,50}$", "nested"),
            ("^(?:[a-z]{1,3}-?){2,9}$", "nested"),
        ],
    )
    def test_super_linear(self, pattern, shape):
        """The lint reports the shape by name."""
        problem = linearity_problem(pattern, ignore_case=False)
        assert problem is not None
        assert problem.startswith(shape)

    @pytest.mark.parametrize(
        "pattern",
        [
            r"(?:^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{0,}",
            "^[a-z]{2,}b",
            "x[a-z]+",
            "[a-z]{1,64}@",
            r"^[a-z]+\.[0-9]+$",
            r"(?:\.[a-z]{1,63}){1,8}",
            "(?:[A-Za-z0-9+/]{4}){1,128}",
            r"\x89PNG[ \t]{1,}$|[^ \t]{3,}",
        ],
    )
    def test_linear(self, pattern):
        """Anchored starts, disjoint separators, fixed-width group bodies and bounded runs are linear."""
        assert linearity_problem(pattern, ignore_case=False) is None

    def test_ignore_case_widens_classes(self):
        """Under ignore_case, [A-Z] overlaps a lower-case prefix: the rescan appears."""
        assert linearity_problem("ab[A-Z]{2,}@", ignore_case=False) is None
        assert linearity_problem("ab[A-Z]{2,}@", ignore_case=True) is not None

    def test_negated_classes(self):
        """A negated class overlaps everything it does not exclude."""
        assert linearity_problem("[^ ]{2,}@", ignore_case=False) is not None
        assert linearity_problem("(?:^|[ ])[^ ]{2,}@", ignore_case=False) is None


class TestLint:
    """The rule lint refuses super-linear patterns and names the rule."""

    def test_lint_message_names_the_rule(self):
        """lint_pattern raises with the rule's location and the shape."""
        with pytest.raises(SchemaDefinitionError, match=r"rule 'jwt'.*not linear.*rescan"):
            lint_pattern(r"eyJ[A-Za-z0-9_-]{8,}\.x", where="rules.json: rule 'jwt'")

    def test_rules_file_with_quadratic_rule_is_refused(self):
        """A rules document whose jwt pattern is the old quadratic one does not load."""
        document = json.loads(json.dumps(rules_document()))
        for rule in document["rules"]:
            if rule["id"] == "jwt":
                rule["pattern"] = r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{0,}"
        with pytest.raises(SchemaDefinitionError, match="rule 'jwt'"):
            RuleSet(document, source="rules.json")

    def test_every_packaged_pattern_is_linear(self):
        """Every packaged pattern (rules, key patterns, conditions, allow entries) passes."""
        document = rules_document()
        for rule in document["rules"]:
            patterns = [
                rule.get("pattern"),
                *(c.get("pattern") for c in rule.get("structure", {}).get("all", [])),
            ]
            for pattern in filter(None, patterns):
                assert linearity_problem(pattern, ignore_case=rule["ignore_case"]) is None, rule["id"]
            if "key_pattern" in rule:
                assert linearity_problem(rule["key_pattern"], ignore_case=False) is None, rule["id"]
        for entry in document["allow"]:
            for pattern in filter(None, (entry["pattern"], entry.get("key_pattern"))):
                assert linearity_problem(pattern, ignore_case=False) is None, entry["id"]
