"""The differ always ends: huge values, recursive schemas, big enums and random pairs, within the budget."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_contracts.diff import DEFAULT_BUDGET, Direction, Policy, Verdict, diff_schemas
from saas_contracts.diff._budget import BUDGET_NOTE, TEXT_UNIT, Budget, BudgetSpentError
from saas_contracts.diff._generate import Generator
from saas_contracts.diff._model import COMPARISON_FAILED
from saas_contracts.diff._normalize import Normalizer
from saas_contracts.diff._sources import single_document_set

if TYPE_CHECKING:
    from pathlib import Path

    from tests._support import Cli


def _chain(length: int, *, extra: str | None = None) -> dict[str, Any]:
    """``length`` definitions, each referring to the next and the last back to the first."""
    defs: dict[str, Any] = {}
    for index in range(length):
        target = f"#/$defs/d{(index + 1) % length}"
        properties: dict[str, Any] = {"next": {"$ref": target}, "all": {"items": {"$ref": target}}}
        if extra is not None and index == length - 1:
            properties[extra] = {"type": "string"}
        defs[f"d{index}"] = {"type": "object", "properties": properties}
    return {"$defs": defs, "$ref": "#/$defs/d0"}


class TestBudget:
    """The work budget counts down and signals when it is spent."""

    def test_spend_until_exhausted(self) -> None:
        """Units are taken until none is left; then ``charge`` raises."""
        budget = Budget(2)
        assert budget.spend()
        budget.charge()
        assert budget.exhausted
        assert not budget.spend()
        with pytest.raises(BudgetSpentError):
            budget.charge()

    def test_spent_budget_ends_checks_as_unknown_with_the_reason(self) -> None:
        """A tiny budget leaves the change unknown with the budget note, never a verdict it did not check."""
        result = diff_schemas(
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            policy=Policy(budget=3),
        )
        assert result.changes
        assert all(Verdict.BREAKING not in (change.backward, change.forward) for change in result.changes)
        assert any(change.note == BUDGET_NOTE for change in result.changes)

    def test_policy_reports_the_budget(self) -> None:
        """The budget is part of the policy every machine-readable report shows."""
        assert diff_schemas({}, {}).to_json()["policy"]["budget"] == DEFAULT_BUDGET

    def test_cli_option(self, cli: Cli, tmp_path: Path) -> None:
        """``--budget`` reaches the run; a budget-stopped change is unknown, never a traceback."""
        for side, kind in (("old", "string"), ("new", "integer")):
            (tmp_path / side).mkdir()
            (tmp_path / side / "a.json").write_text(
                json.dumps({"properties": {"a": {"type": kind}}}), encoding="utf-8"
            )
        result = cli("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--budget", "2", "-o", "json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["policy"]["budget"] == 2
        assert {change["backward"] for change in report["changes"]} == {"unknown"}

    @pytest.mark.slow  # ~0.6 s
    def test_schema_text_is_charged(self) -> None:
        """Comparing big subschemas costs budget by their text, not one unit per pair of nodes walked.

        300 properties reach one 2,000-value enum through ``$ref``, so each pair walked compares
        ~24 KB of schema text. Counting only the 301 pairs walked, the run fits 2,500 units and ends
        with no change after ~4 s of uncharged work (renovate.json's ran past two minutes under the
        default budget); charged by text length, it ends as budget-spent within a few dozen properties.
        """
        big = {"enum": [f"value-{index:05d}" for index in range(2000)]}

        def side(title: str) -> dict[str, Any]:
            properties = {f"p{index}": {"title": title, "$ref": "#/$defs/big"} for index in range(300)}
            return {"$defs": {"big": big}, "properties": properties}

        # Only titles change: no finding, no validation; every property's pair is walked and compared.
        result = diff_schemas(side("old"), side("new"), policy=Policy(budget=2500))
        assert [change.kind for change in result.changes] == ["budget-spent"]
        assert result.changes[0].note == BUDGET_NOTE
        assert (result.changes[0].backward, result.changes[0].forward) == (Verdict.UNKNOWN, Verdict.UNKNOWN)

    def test_candidate_construction_is_charged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Building candidate instances costs a unit per step, so generation stops with the budget.

        A self-recursive schema (``$ref: "#"`` under properties, ``anyOf`` and ``items``, as the
        JSON Schema meta-schemas are) made the generator build candidates level after level while
        only validations were charged: the draft-04 -> draft-06 meta-schema pair ran past two
        minutes on one unit per ~15 ms. Now no more steps are taken than units are spent.
        """
        recursive = {
            "properties": {
                "a": {"$ref": "#"},
                "b": {"$ref": "#"},
                "c": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}]},
                "d": {
                    "type": "object",
                    "additionalProperties": {"anyOf": [{"$ref": "#"}, {"type": "array"}]},
                },
                "e": {"type": "array", "items": {"$ref": "#"}},
            }
        }
        side = single_document_set(recursive)
        budget = Budget(20)
        generator = Generator(side, Normalizer(side, budget), format_assertion=False, budget=budget)
        steps = 0
        build = generator._candidates

        def counted(*args: Any) -> list[Any]:
            nonlocal steps
            steps += 1
            return build(*args)

        monkeypatch.setattr(generator, "_candidates", counted)
        with pytest.raises(BudgetSpentError):
            generator.samples(next(iter(side.docs.values())).contents, 8)
        assert 0 < steps <= budget.spent

    def test_text_under_one_unit_is_free(self) -> None:
        """Texts shorter than one text unit cost nothing, so small schemas spend what they did before."""
        budget = Budget(1)
        budget.charge_text(TEXT_UNIT - 1)
        assert budget.spent == 0
        budget.charge_text(TEXT_UNIT)
        assert budget.exhausted
        with pytest.raises(BudgetSpentError):
            budget.charge_text(TEXT_UNIT)


class TestHostileValues:
    """Values at the edge of JSON never crash a comparison."""

    def test_numbers_past_the_float_range(self) -> None:
        """A bound of 10**400 next to a tiny multipleOf is compared, not a comparison failure."""
        result = diff_schemas({"maximum": 1e308, "multipleOf": 1e-300}, {"maximum": 10**400, "multipleOf": 3})
        assert COMPARISON_FAILED not in {change.kind for change in result.changes}
        assert {change.kind for change in result.changes} >= {"maximum-raised"}

    @pytest.mark.slow  # ~0.6 s
    def test_big_enum_change_is_decided_quickly(self) -> None:
        """A changed enum of 5,000 values costs a few checks per changed value, with both counterexamples."""
        result = diff_schemas({"enum": list(range(5000))}, {"enum": list(range(1, 5001))})
        (change,) = result.changes
        assert (change.backward, change.forward) == (Verdict.BREAKING, Verdict.BREAKING)
        assert {example.instance for example in change.counterexamples} == {0, 5000}

    @pytest.mark.slow  # ~1 s
    def test_long_recursive_chain(self) -> None:
        """120 mutually recursive definitions are compared without running out of stack."""
        result = diff_schemas(_chain(120), _chain(120, extra="added"))
        kinds = {change.kind for change in result.changes}
        assert COMPARISON_FAILED not in kinds
        assert "property-added" in kinds

    @pytest.mark.slow  # ~0.6 s
    def test_unchanged_recursive_chain_has_no_change(self) -> None:
        """Equal recursive schemas are shown equal by following both sides' references together."""
        assert diff_schemas(_chain(200), _chain(200)).changes == ()


_LEAF = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "object", "array", "null"])}
    ),
    st.fixed_dictionaries(
        {"enum": st.lists(st.integers(-3, 3) | st.text(max_size=2), min_size=1, max_size=4)}
    ),
    st.fixed_dictionaries({"minimum": st.integers(-(10**30), 10**30) | st.floats(-1e300, 1e300)}),
    st.fixed_dictionaries({"pattern": st.sampled_from(["^a", "b$", "^[a-c]+$", "x|y"])}),
    st.fixed_dictionaries({"format": st.sampled_from(["date", "email", "uuid"])}),
    st.fixed_dictionaries({"$ref": st.sampled_from(["#/$defs/a", "#/$defs/b"])}),
)
_SCHEMAS = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.fixed_dictionaries({"properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3)}),
        st.fixed_dictionaries({"items": inner}),
        st.fixed_dictionaries({"prefixItems": st.lists(inner, min_size=1, max_size=2)}),
        st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"not": inner}),
        st.fixed_dictionaries({"if": inner, "then": inner}),
        st.fixed_dictionaries(
            {"additionalProperties": inner, "required": st.lists(st.sampled_from("abc"), unique=True)}
        ),
        st.fixed_dictionaries({"contains": inner, "maxContains": st.integers(0, 3)}),
    ),
    max_leaves=8,
)
_DOCUMENTS = st.builds(
    lambda root, a, b: {"$defs": {"a": a, "b": b}, "allOf": [root]}, _SCHEMAS, _SCHEMAS, _SCHEMAS
)


class TestRandomPairs:
    """Random schema pairs never crash the differ and always finish within the budget."""

    @pytest.mark.slow
    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(old=_DOCUMENTS, new=_DOCUMENTS)
    def test_never_crashes(self, old: Any, new: Any) -> None:
        """Every pair ends with verdicts per change and no comparison failure, within a small budget."""
        result = diff_schemas(old, new, policy=Policy(budget=3000))
        assert COMPARISON_FAILED not in {change.kind for change in result.changes}
        for change in result.changes:
            assert change.backward in set(Verdict)
            assert change.forward in set(Verdict)


class TestUnguardedSelfReference:
    """Schemas that reach themselves with no instance step between (``allOf: [{$ref: ...}]``) end."""

    @pytest.mark.slow  # ~1.5 s CPU per direction: each witness check recurses to Python's limit
    def test_root_as_its_own_all_of_branch(self) -> None:
        """``allOf: [{$ref: '#'}]`` added or removed is decided ``unknown``, never a comparison failure.

        JSON Schema leaves such a schema undefined (evaluating it never ends), so no verdict is
        claimed: the branch's decision nests one level per round and stops at the depth limit.
        """
        for old, new in (
            ({"allOf": [{"properties": {}}]}, {"allOf": [{"$ref": "#"}]}),
            ({"allOf": [{"$ref": "#"}]}, {"allOf": [{"properties": {}}]}),
        ):
            result = diff_schemas(old, new)
            assert COMPARISON_FAILED not in {change.kind for change in result.changes}
            assert result.changes
            for change in result.changes:
                assert (change.backward, change.forward) == (Verdict.UNKNOWN, Verdict.UNKNOWN)

    def test_definition_whose_items_are_its_own_all_of_branch(self) -> None:
        """``b: {items: {allOf: [{$ref: b}]}}`` (a TestRandomPairs find) no longer recurses when normalized.

        The rest of the pair is decided: the root closing to ``false`` is backward breaking.
        """
        old = {"$defs": {"b": False}, "allOf": [{"properties": {}}]}
        new = {"$defs": {"b": {"items": {"allOf": [{"$ref": "#/$defs/b"}]}}}, "allOf": [False]}
        result = diff_schemas(old, new)
        assert COMPARISON_FAILED not in {change.kind for change in result.changes}
        assert result.summary(Direction.BACKWARD) is Verdict.BREAKING


class TestOlderDialectProbes:
    """The two probes that once read draft-04/07 as 2020-12 now get the verdict their dialect gives."""

    def test_draft04_boolean_exclusive_minimum_added(self) -> None:
        """Draft-04 ``exclusiveMinimum: true`` added excludes the bound itself: backward breaking, with 0."""
        header = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "minimum": 0}
        result = diff_schemas(header, {**header, "exclusiveMinimum": True})
        assert result.summary(Direction.BACKWARD) is Verdict.BREAKING
        assert result.summary(Direction.FORWARD) is Verdict.COMPATIBLE
        assert [example.instance for change in result.changes for example in change.counterexamples] == [0]

    def test_draft07_ref_sibling_type(self) -> None:
        """A draft-07 ``$ref`` ignores a sibling ``type``: adding one changes nothing (2019-09: it breaks)."""
        defs = {"a": {"type": "string"}}
        for draft, defs_key, verdict in (
            ("http://json-schema.org/draft-07/schema#", "definitions", Verdict.COMPATIBLE),
            ("https://json-schema.org/draft/2019-09/schema", "$defs", Verdict.BREAKING),
        ):
            ref = f"#/{defs_key}/a"
            old = {"$schema": draft, defs_key: defs, "properties": {"x": {"$ref": ref}}}
            new = {"$schema": draft, defs_key: defs, "properties": {"x": {"$ref": ref, "type": "integer"}}}
            result = diff_schemas(old, new)
            assert result.summary(Direction.BACKWARD) is verdict, draft
