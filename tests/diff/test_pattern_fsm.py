"""``pattern`` changes decided by automata: proven verdicts, checked witnesses, bounded fallbacks."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_contracts._ecma import compile_ecma
from saas_contracts.diff import Verdict, _regular, diff_schemas
from saas_contracts.diff._budget import Budget
from saas_contracts.diff._regular import STATE_LIMIT, Inclusion, decide_pattern

NOT_DECIDED = "regular-expression inclusion is not decided; the verdict rests on sampled strings"


def _change(before: str | None, after: str | None) -> Any:
    old: dict[str, Any] = {"type": "string"} | ({"pattern": before} if before is not None else {})
    new: dict[str, Any] = {"type": "string"} | ({"pattern": after} if after is not None else {})
    (change,) = diff_schemas(old, new).changes
    return change


class TestDecided:
    """Regular patterns get proven verdicts and no 'not decided' note."""

    def test_tightening_breaks_backward_with_a_checked_witness(self) -> None:
        """``+`` -> ``{1,8}``: nine letters were valid and are not; the reverse direction is proven."""
        back, fwd = decide_pattern("^[a-z]+$", "^[a-z]{1,8}$", Budget())
        assert back is not None
        assert not back.included
        assert back.witness == "aaaaaaaaa"
        assert fwd is not None
        assert fwd.included
        change = _change("^[a-z]+$", "^[a-z]{1,8}$")
        assert (change.backward, change.forward) == (Verdict.BREAKING, Verdict.COMPATIBLE)
        assert change.note == ""
        assert change.to_json()["counterexample"]["backward"]["instance"] == "aaaaaaaaa"

    def test_loosening_is_compatible(self) -> None:
        """``{1,8}`` -> ``+`` keeps every old instance valid."""
        change = _change("^[a-z]{1,8}$", "^[a-z]+$")
        assert change.backward is Verdict.COMPATIBLE
        assert change.forward is Verdict.BREAKING
        assert change.note == ""

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ("^[0-9]+$", "^\\d+$"),
            ("x|y", "[xy]"),
            ("^(?:ab)+$", "^a(?:ba)*b$"),
            ("^[^\\W_]$", "^[A-Za-z0-9]$"),
        ],
    )
    def test_equivalent_rewrites_are_compatible_both_ways(self, before: str, after: str) -> None:
        """ECMA's ``\\d`` is ``[0-9]`` and ``\\w`` is ASCII: rewrites between them are equivalences."""
        change = _change(before, after)
        assert (change.backward, change.forward) == (Verdict.COMPATIBLE, Verdict.COMPATIBLE)
        assert change.note == ""

    def test_unanchored_versus_anchored(self) -> None:
        """``a`` is a search: adding ``^`` rejects ``"0a"``; dropping it accepts more."""
        back, fwd = decide_pattern("a", "^a", Budget())
        assert back is not None
        assert back.witness is not None
        assert compile_ecma("a").search(back.witness)
        assert not compile_ecma("^a").search(back.witness)
        assert fwd is not None
        assert fwd.included
        assert _change("^a$", "^a").backward is Verdict.COMPATIBLE
        assert _change("^a", "^a$").backward is Verdict.BREAKING

    def test_dot_and_dollar_keep_ecma_meaning(self) -> None:
        """``.`` excludes ``\\r`` (unlike Python); ``$`` is the end of input, never before a newline."""
        back, fwd = decide_pattern(".", "[^\\n]", Budget())
        assert back is not None
        assert back.included
        assert fwd is not None
        assert fwd.witness == "\r"
        back, fwd = decide_pattern("^a$", "^a\\n?$", Budget())
        assert back is not None
        assert back.included
        assert fwd is not None
        assert fwd.witness == "a\n"

    def test_removed_pattern_is_every_string(self) -> None:
        """Dropping a pattern is compatible backward and proven breaking forward."""
        change = _change("^[a-z]+$", None)
        assert (change.backward, change.forward) == (Verdict.COMPATIBLE, Verdict.BREAKING)
        assert _change(None, "").backward is Verdict.COMPATIBLE  # "" matches every string


class TestFallback:
    """Outside the regular subset, or over the bounds, today's sampling rule decides."""

    @pytest.mark.parametrize("pattern", ["(?=a)b", "(a)\\1", "\\bword", "a(^b)", "(?<!x)y"])
    def test_unsupported_syntax_falls_back(self, pattern: str) -> None:
        """Lookarounds, back-references, ``\\b`` and inner anchors are not decided by automata."""
        assert decide_pattern(pattern, "b", Budget()) == (None, None)
        assert _change(pattern, "b").note == NOT_DECIDED

    def test_pathological_pattern_stays_bounded(self) -> None:
        """The n-th-from-last-letter language needs 2**13 DFA states: abandoned at the state limit."""
        budget = Budget()
        assert decide_pattern("(a|b)*a(a|b){12}", "x", budget) == (None, None)
        assert budget.spent <= 6 * (STATE_LIMIT + 1)
        assert _change("(a|b)*a(a|b){12}", "x").note == NOT_DECIDED

    def test_witness_the_engine_refutes_is_not_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Should the ECMA engine disagree with the automaton's witness, that direction stays undecided."""
        monkeypatch.setattr(_regular, "compile_ecma", lambda _pattern: re.compile("(?!)"))
        back, fwd = decide_pattern("^[a-z]+$", "^[a-z]{1,8}$", Budget())
        assert back is None
        assert fwd == Inclusion(included=True)

    def test_spent_budget_leaves_the_decision_open(self) -> None:
        """A budget too small for the automata ends undecided, not wrong."""
        budget = Budget(20)
        assert decide_pattern("^[a-z]+$", "^[a-z]{1,8}$", budget) == (None, None)
        assert budget.exhausted


_ATOMS = ["a", "b", "0", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "\\n", "(?:)"]
_ALPHABET = "ab0\n "
_STRINGS = ["".join(chars) for size in range(5) for chars in itertools.product(_ALPHABET, repeat=size)]


def _regex() -> st.SearchStrategy[str]:
    body = st.recursive(
        st.sampled_from(_ATOMS),
        lambda inner: st.one_of(
            st.tuples(inner, inner).map("".join),
            st.tuples(inner, inner).map(lambda pair: f"(?:{pair[0]}|{pair[1]})"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{1,2}", "{2}"])).map(
                lambda pair: f"(?:{pair[0]}){pair[1]}"
            ),
        ),
        max_leaves=5,
    )
    return st.tuples(st.sampled_from(["", "^"]), body, st.sampled_from(["", "$"])).map("".join)


@settings(max_examples=200, deadline=None)
@given(_regex(), _regex())
def test_verdicts_agree_with_brute_force(before: str, after: str) -> None:
    """On every string up to length 4 over a small alphabet, the verdicts agree with the ECMA engine."""
    old, new = compile_ecma(before), compile_ecma(after)
    only_old = [text for text in _STRINGS if old.search(text) and not new.search(text)]
    only_new = [text for text in _STRINGS if new.search(text) and not old.search(text)]
    back, fwd = decide_pattern(before, after, Budget())
    for decided, brute in ((back, only_old), (fwd, only_new)):
        assert decided is not None  # the grammar stays inside the regular subset and the bounds
        if decided.included:
            assert brute == []
        else:
            assert decided.witness is not None
            if brute:  # the witness is a shortest difference
                assert len(decided.witness) <= len(brute[0])


class TestSampleLength:
    """The sampling fallback never spells a pattern's nested repetitions out in full."""

    def test_nested_repetitions_stay_short(self):
        from saas_contracts.diff._generate import regex_samples  # noqa: PLC0415 - the fallback itself

        samples = regex_samples("^(a{1,1000}){1,1000}$", 40)
        assert samples  # the short plans still give samples
        assert max(map(len, samples)) <= 8192
