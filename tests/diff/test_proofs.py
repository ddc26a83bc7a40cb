"""Decisions kept across paths (``_proofs``): the same verdicts as deciding every time, at a bounded cost."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.diff._support import valid

from saas_contracts.diff import Direction, Mode, Policy, Verdict, _core, diff_schemas
from saas_contracts.diff._compare import MAX_DEPTH
from saas_contracts.diff._proofs import Proofs
from saas_contracts.diff._sources import single_document_set


def _run(old: Any, new: Any, *, memo: bool, budget: int = 200_000) -> _core._Differ:
    differ = _core._Differ(
        single_document_set(old),
        single_document_set(new),
        policy=Policy(budget=budget),
        modes={},
        default=Mode.BACKWARD,
    )
    differ.proofs = Proofs(memo=memo, max_depth=MAX_DEPTH)
    differ.run()
    return differ


def _verdicts(differ: _core._Differ) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (change.kind, change.old_pointer, change.new_pointer, change.backward.value, change.forward.value)
        for change in differ.changes
    )


def _managers(count: int, *, added: bool) -> dict[str, Any]:
    """Renovate's shape: an open object whose properties are the root again (``$ref: "#"``)."""
    properties: dict[str, Any] = {
        f"m{index}": {"$ref": "#", "description": "a manager"} for index in range(count)
    }
    properties["enabled"] = {"type": "boolean"}
    if added:
        properties["wrapper"] = {"$ref": "#"}
        properties["ttl"] = {"type": "integer"}
    return {"type": "object", "properties": properties}


class TestRecursiveRoot:
    """A property added as ``$ref: "#"`` to a root referred to under many properties."""

    @pytest.mark.parametrize("count", [3, 20, 60])
    def test_decided_within_a_bound_linear_in_the_properties(self, count: int) -> None:
        """Each added property's decision walks the root once, not once per path down to the depth limit.

        Before decisions were kept and assumed while under way, three properties already spent the
        default budget of 200,000 units (the walk forks at every ``$ref: "#"`` down to depth 48).
        """
        differ = _run(_managers(count, added=False), _managers(count, added=True), memo=True)
        assert differ.budget.spent < 400 + 70 * count
        verdicts = {(kind, back, fwd) for kind, _, _, back, fwd in _verdicts(differ)}
        # open object: a new name may already be used by old data (breaking), the new side only narrows
        assert verdicts == {("property-added", "breaking", "compatible")}

    def test_without_the_memo_the_assumption_alone_ends_the_fork(self) -> None:
        """The coinductive assumption is what ends the fork; the kept decisions only save repeats."""
        kept = _run(_managers(20, added=False), _managers(20, added=True), memo=True)
        walked = _run(_managers(20, added=False), _managers(20, added=True), memo=False)
        assert _verdicts(kept) == _verdicts(walked)
        assert kept.budget.spent <= walked.budget.spent


class TestInlineRecursion:
    """Recursion the normalizer merged inline (draft-04's ``anyOf: [{$ref: "#"}, {$ref: array}]``)."""

    @staticmethod
    def _meta(*, narrowed: bool) -> dict[str, Any]:
        return {
            "definitions": {"names": {"type": "array", "items": {"type": "string"}}},
            "type": "object",
            "properties": {
                "dependencies": {
                    "type": "object",
                    "additionalProperties": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/names"}]},
                },
                "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/names"}]},
                "title": {"type": "string", **({"maxLength": 10} if narrowed else {})},
            },
        }

    def test_an_inline_copy_of_the_root_is_compared_once(self) -> None:
        """The change under the root is found once, and reported at every path that reaches it."""
        differ = _run(self._meta(narrowed=False), self._meta(narrowed=True), memo=True)
        assert differ.budget.spent < 2_000
        (change,) = [change for change in differ.changes if change.kind == "maxLength-added"]
        assert (change.backward, change.forward) == (Verdict.BREAKING, Verdict.COMPATIBLE)
        assert {place.instance for place in change.places} >= {"/title", "/items/title"}


def _changes(old: Any, new: Any) -> dict[str, tuple[str, str]]:
    """Each change's (backward, forward) verdicts by its kind and new pointer."""
    report = diff_schemas(old, new).to_json()
    return {
        f"{change['kind']} {change['pointers']['new']}": (change["backward"], change["forward"])
        for change in report["changes"]
    }


class TestAssumptionsStayLocal:
    """What was found under an assumption still open is never reused where that assumption is not made."""

    @staticmethod
    def _added(defs: dict[str, Any], through: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """New properties of an open root: ``wrapper`` is the root, ``zother`` reaches it via ``through``.

        Deciding ``wrapper`` walks ``sub`` down to ``wrapper`` again (assumed, so ``sub``'s walk finds
        nothing there); deciding ``zother`` later reaches the same pair of nodes with ``wrapper`` no
        longer under decision, where only walking it again finds the boolean ``enabled`` below.
        """
        old = {"$defs": defs, "properties": {"sub": {"$ref": "#/$defs/S"}}}
        new = {
            "$defs": defs,
            "properties": {
                "enabled": {"type": "boolean"},
                "sub": {"$ref": "#/$defs/S"},
                "wrapper": {"$ref": "#"},
                "zother": {"$ref": through},
            },
        }
        return old, new

    @pytest.mark.parametrize(
        ("defs", "through"),
        [
            pytest.param({"S": {"properties": {"inner": {"$ref": "#"}}}}, "#/$defs/S", id="direct"),
            pytest.param(
                {
                    "S": {"properties": {"t": {"$ref": "#/$defs/T"}}},
                    "T": {"properties": {"back": {"$ref": "#"}}},
                },
                "#/$defs/T",
                id="mutual",
            ),
        ],
    )
    def test_a_walk_under_an_open_decision_is_not_reused(self, defs: dict[str, Any], through: str) -> None:
        """``zother`` accepts less than the open root did (``{"back": {"enabled": "x"}}``): never compatible.

        Reusing the walk made while ``wrapper`` was assumed dropped the change altogether.
        """
        old, new = self._added(defs, through)
        changes = _changes(old, new)
        backward, forward = changes["property-added schema.json#/properties/zother"]
        assert backward != "compatible"
        assert forward == "compatible"
        assert changes["property-added schema.json#/properties/enabled"] == ("breaking", "compatible")

    def test_a_difference_deep_in_a_cycle_is_found_through_a_decision(self) -> None:
        """A -> B -> C -> A, only C's ``leaf`` narrowed: the property added as A is backward-breaking."""

        def chain(leaf: dict[str, Any], *, added: bool) -> dict[str, Any]:
            schema: dict[str, Any] = {
                "$defs": {
                    "A": {"properties": {"b": {"$ref": "#/$defs/B"}}},
                    "B": {"properties": {"c": {"$ref": "#/$defs/C"}}},
                    "C": {"properties": {"a": {"$ref": "#/$defs/A"}, "leaf": leaf}},
                },
                "type": "object",
                "properties": {"a": {"$ref": "#/$defs/A"}},
                "additionalProperties": {"$ref": "#/$defs/A"},
            }
            if added:
                schema["properties"]["x"] = {"$ref": "#/$defs/A"}
            return schema

        old = chain({"type": "string"}, added=False)
        new = chain({"type": "string", "maxLength": 3}, added=True)
        result = diff_schemas(old, new)
        assert result.to_json()["summary"] == {"backward": "breaking", "forward": "compatible"}
        changes = _changes(old, new)
        assert changes["maxLength-added schema.json#/$defs/C/properties/leaf/maxLength"] == (
            "breaking",
            "compatible",
        )
        assert changes["property-added schema.json#/properties/x"][0] != "compatible"
        for change in result.changes:
            example = change.counterexample(Direction.BACKWARD)
            if example is not None:
                assert valid(old, example.instance, formats=False)
                assert not valid(new, example.instance, formats=False)


class TestProofsBookkeeping:
    """:class:`Proofs` keeps a decision or a walk's findings only when it rests on nothing open outside it."""

    KEY = ("a", "b", "", "")
    OTHER = ("c", "d", "", "")

    def test_a_decision_assumed_below_itself_is_kept(self) -> None:
        """The outer decision rests only on its own assumption (coinduction): it is kept."""
        proofs = Proofs(max_depth=48)
        token = proofs.open(self.KEY, steps=0, turns=0, depth=0)
        inner = proofs.open(self.OTHER, steps=1, turns=0, depth=1)
        assert proofs.assumed(self.KEY, steps=2, turns=0)
        proofs.close(inner, (False, True, True))
        proofs.close(token, (True, False, True))
        assert set(proofs.kept) == {self.KEY}

    def test_an_assumption_in_the_other_direction_or_unguarded_is_not_made(self) -> None:
        """No instance step below it, or a turn (``not``, a swapped decision) on the way: decided again."""
        proofs = Proofs(max_depth=48)
        proofs.open(self.KEY, steps=1, turns=0, depth=0)
        assert not proofs.assumed(self.KEY, steps=1, turns=0)
        assert not proofs.assumed(self.KEY, steps=2, turns=1)

    def test_a_failed_decision_keeps_nothing_made_under_it(self) -> None:
        """The outer decision fails (budget): neither it nor what rested on its assumption is kept."""
        proofs = Proofs(max_depth=48)
        token = proofs.open(self.KEY, steps=0, turns=0, depth=0)
        inner = proofs.open(self.OTHER, steps=1, turns=0, depth=1)
        assert proofs.assumed(self.KEY, steps=2, turns=0)
        proofs.close(inner, (False, True, True))
        proofs.close(token, None)
        assert proofs.kept == {}

    def test_a_walk_under_an_open_decision_is_not_clean(self) -> None:
        """A pair of nodes walked while its decision's own key was assumed below it may not be reused."""
        proofs = Proofs(max_depth=48)
        proofs.open(self.KEY, steps=0, turns=0, depth=0)
        pair = (("", "x"), ("", "y"))
        scope = proofs.ref_entered(pair, depth=1, steps=1)
        assert proofs.assumed(self.KEY, steps=2, turns=0)
        assert not proofs.ref_left(pair, scope)

    def test_a_walk_resting_on_its_own_pair_is_clean(self) -> None:
        """A pair met again below itself (assumed equal there) rests on nothing outside: reusable."""
        proofs = Proofs(max_depth=48)
        outer = (("", "x"), ("", "y"))
        inner = (("", "p"), ("", "q"))
        scope = proofs.ref_entered(outer, depth=0, steps=0)
        nested = proofs.ref_entered(inner, depth=1, steps=1)
        proofs.ref_assumed(outer)
        assert not proofs.ref_left(inner, nested)
        assert proofs.ref_left(outer, scope)


_LEAF = st.one_of(
    st.booleans(),
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "object", "array", "null"])}),
    st.fixed_dictionaries({"enum": st.lists(st.integers(0, 3), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"maxLength": st.integers(0, 3)}),
    st.fixed_dictionaries({"$ref": st.sampled_from(["#", "#/$defs/a", "#/$defs/b"])}),
)
_SCHEMAS = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(st.sampled_from("pqr"), inner, max_size=3),
            }
        ),
        st.fixed_dictionaries({"items": inner}),
        st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=2)}),
        st.fixed_dictionaries({"not": inner}),
        st.fixed_dictionaries({"if": inner, "then": inner}),
        st.fixed_dictionaries({"additionalProperties": inner}),
    ),
    max_leaves=8,
)
_DOCUMENTS = st.builds(
    lambda properties, a, b: {
        "$defs": {"a": a, "b": b},
        "type": "object",
        "properties": properties,
    },
    st.dictionaries(st.sampled_from("pqrs"), _SCHEMAS, max_size=4),
    _SCHEMAS,
    _SCHEMAS,
)


class TestSameVerdicts:
    """Kept decisions give the verdicts deciding every time gives, on random recursive documents."""

    @pytest.mark.slow  # ~15-30 s (each example diffs twice, memo on and off)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(old=_DOCUMENTS, new=_DOCUMENTS)
    def test_memo_changes_no_verdict(self, old: Any, new: Any) -> None:
        """Same changes with the same verdicts both ways, and never more work (within a budget both end)."""
        budget = 20_000
        kept = _run(old, new, memo=True, budget=budget)
        walked = _run(old, new, memo=False, budget=budget)
        if walked.budget.exhausted:
            assert kept.budget.spent <= walked.budget.spent
            return
        assert _verdicts(kept) == _verdicts(walked)
        assert kept.budget.spent <= walked.budget.spent

    def test_memo_is_on_by_default(self) -> None:
        """A run keeps decisions (its default :class:`Proofs`); ``memo=False`` exists for the tests above."""
        differ = _run(_managers(3, added=False), _managers(3, added=True), memo=True)
        assert differ.proofs.kept
        anything: Any = True
        default = _core._Differ(
            single_document_set(anything),
            single_document_set(anything),
            policy=Policy(),
            modes={},
            default=Mode.BACKWARD,
        )
        assert default.proofs.memo
