"""Differential: our ECMA-262 translation against Node's ``new RegExp(p, "u")`` on random patterns."""

import json
import re
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._support import NODE_DIR, ROOT, node_or_skip

from saas_contracts import SchemaDefinitionError
from saas_contracts._ecma import compile_ecma

pytestmark = pytest.mark.node

# Valid ECMA-262 that we refuse on purpose, with a message saying so (README, "Regular expressions").
_DOCUMENTED_REFUSALS = ("variable-width lookbehind", "property escape", "back-reference inside a lookbehind")

# Mostly valid tokens; the invalid ones (u-mode syntax errors, Python-only syntax) come rarely,
# each on its own line, so that most patterns compile and get their matches compared.
_VALID_CHARS = ["a", "b", "1", "_", "-", " ", "é", "A", "\n", "\u017f", "\U0001f600", "/"]
_CHARS = [*_VALID_CHARS * 4, "]", "}", "{"]
_ESCAPES = [
    *("\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B", "\\.", "\\*", "\\/", "\\-", "\\]"),
    *("\\cA", "\\cj", "\\u{61}", "\\u{1F600}", "\\x62", "\\u0041", "\\uD83D\\uDE00", "\\0", "\\n", "\\t"),
    *("\\k<n>", "\\1", "\\2"),
]
_ESCAPES = [*_ESCAPES * 3, "\\c1", "\\u{110000}", "\\x6", "\\01", "\\a", "\\A", "\\Z", "\\e", "\\p{L}"]
_CLASS_MEMBERS = [
    *("a", "b-d", "\\d", "\\S", "\\W", "-", "\\b", "\\-", "^", "\\s", "é", "[", "\\u{1F600}") * 3,
    *("z-a", "\\d-z", "\\B"),
]
_QUANTIFIERS = ["", "", "", "", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "+?", "{2,1}", "*+", "{"]
_OPENERS = [*("(", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>") * 3, "(?P<p>", "(?i)", "(?#"]


def _class():
    members = st.lists(st.sampled_from(_CLASS_MEMBERS), max_size=3).map("".join)
    return st.builds(lambda neg, body: f"[{'^' if neg else ''}{body}]", st.booleans(), members)


_ATOMS = st.one_of(
    st.sampled_from(_CHARS),
    st.sampled_from(_ESCAPES),
    st.sampled_from([".", "^", "$"]),
    _class(),
)


def _extend(inner):
    group = st.builds(
        lambda opener, body: f"{opener}{body})",
        st.sampled_from(_OPENERS),
        inner,
    )
    term = st.builds(
        lambda atom, quantifier: atom + quantifier, st.one_of(_ATOMS, group), st.sampled_from(_QUANTIFIERS)
    )
    sequence = st.lists(term, min_size=1, max_size=4).map("".join)
    return st.one_of(sequence, st.builds(lambda a, b: f"{a}|{b}", sequence, sequence))


PATTERNS = st.recursive(
    st.builds(lambda a, q: a + q, _ATOMS, st.sampled_from(_QUANTIFIERS)), _extend, max_leaves=8
)
INPUTS = st.lists(
    st.text(alphabet=[*_VALID_CHARS, "]", "{", "\r", "\u2028", "\ufeff", "Z", "9"], max_size=6),
    min_size=1,
    max_size=6,
)


_BACKREF = re.compile(r"\\[1-9k]")
_LOOP_CAPTURE_RESET = re.compile(r"\)(?:[*+?]|\{[0-9])")


class _NodeRegex:
    """One long-lived node/regex-oracle.mjs process, answering one pattern per line."""

    def __init__(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own script, with the node found on PATH
            [node_or_skip(), str(NODE_DIR / "regex-oracle.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
        )

    def ask(self, pattern, inputs):
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"pattern": pattern, "inputs": inputs}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def node_regex():
    oracle = _NodeRegex()
    yield oracle
    oracle.close()


def _agree(node_regex, pattern, inputs):
    answer = node_regex.ask(pattern, inputs)
    try:
        regex = compile_ecma(pattern)
    except SchemaDefinitionError as error:
        refusal = str(error)
    else:
        refusal = ""
    if refusal:
        if answer["ok"]:
            assert any(reason in refusal for reason in _DOCUMENTED_REFUSALS), (pattern, refusal)
        return
    assert answer["ok"], f"{pattern!r} compiles here but not in JavaScript"
    if _LOOP_CAPTURE_RESET.search(pattern) and _BACKREF.search(pattern):
        return  # the documented difference: JavaScript resets a loop's captures at each iteration
    assert [bool(regex.search(text)) for text in inputs] == answer["matches"], pattern


class TestDifferential:
    """Random ECMA-262 patterns and strings: same compile result and same match result as Node."""

    @pytest.mark.slow  # drives a Node oracle, ~1.2 s
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(PATTERNS, INPUTS)
    def test_same_verdicts(self, node_regex, pattern, inputs):
        """Compiles in both or in neither (or is a documented refusal), and matches the same strings."""
        _agree(node_regex, pattern, inputs)

    @pytest.mark.slow
    @settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(PATTERNS, INPUTS)
    def test_same_verdicts_long_run(self, node_regex, pattern, inputs):
        """The same property over many more examples."""
        _agree(node_regex, pattern, inputs)
