"""Invariants: disguising a true positive never hides it; engines agree on arbitrary text."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._support import budget

from saas_contracts.privacy import default_rules, scan
from saas_contracts.privacy._rules import compile_python, example_text

RULES = default_rules()
TRUE_POSITIVES = [
    (rule, example) for rule in RULES if rule.target != "structure" for example in rule.examples["match"]
]
STRUCTURES = [
    (rule, example) for rule in RULES if rule.target == "structure" for example in rule.examples["match"]
]
FORMAT_CHARS = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u2066"]
)
SETTINGS = settings(
    max_examples=budget(300), derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _document(rule, example, text):
    if rule.target == "field":
        return {example["key"]: text}
    if rule.target == "key":
        return {text: 1}
    return {"note": text}


def _insert(text: str, positions: list[int], chars: list[str]) -> str:
    out = list(text)
    for position, char in sorted(zip(positions, chars, strict=False), reverse=True):
        out.insert(position % (len(out) + 1), char)
    return "".join(out)


@SETTINGS
@given(
    case=st.sampled_from(TRUE_POSITIVES),
    positions=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
    chars=st.lists(FORMAT_CHARS, min_size=4, max_size=4),
)
def test_format_characters_do_not_hide_a_true_positive(case, positions, chars):
    """Zero-width and other format characters anywhere in a true positive: still found."""
    rule, example = case
    text = _insert(example_text(example), positions, chars)
    assert rule.id in {finding.rule_id for finding in scan(_document(rule, example, text)).findings}


@SETTINGS
@given(case=st.sampled_from(TRUE_POSITIVES), selection=st.lists(st.booleans(), min_size=1))
def test_percent_encoding_does_not_hide_a_true_positive(case, selection):
    """Percent-encoding any subset of characters: still found."""
    rule, example = case
    text = example_text(example)
    flags = (selection * (len(text) // len(selection) + 1))[: len(text)]
    encoded = "".join(
        urllib.parse.quote(char, safe="") if flag else char for char, flag in zip(text, flags, strict=True)
    )
    if encoded == text:
        encoded = urllib.parse.quote(text, safe="")
    assert rule.id in {finding.rule_id for finding in scan(_document(rule, example, encoded)).findings}


@SETTINGS
@given(case=st.sampled_from(STRUCTURES), chars=st.lists(FORMAT_CHARS, min_size=1, max_size=3))
def test_embedded_payload_with_format_characters_is_found(case, chars):
    """A webhook payload embedded as text, sprinkled with format characters, is still recognized."""
    rule, example = case
    text = _insert(example_text(example), [1, 7, 19], chars)
    assert rule.id in {finding.rule_id for finding in scan({"body": text}).findings}


@SETTINGS
@given(
    rule=st.sampled_from([rule for rule in RULES if rule.pattern]),
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
    | st.text(alphabet="sk_live-test_ABCxyz019@./:%=+", max_size=80),
)
def test_re2_and_python_agree_on_arbitrary_text(rule, text):
    """RE2 and Python's re give the same verdict for every pattern on arbitrary text."""
    python = compile_python(rule.pattern, ignore_case=rule.ignore_case).search(text) is not None
    assert python == (rule.regex.search(text) is not None)


@pytest.mark.slow  # 300 derandomized examples, ~1 s
@SETTINGS
@given(
    document=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.sampled_from(["pro", "team", "free", "2026-11-21T10:00:00Z"]),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["plan", "count", "kind", "label", "at"]), children, max_size=4)
        ),
        max_leaves=20,
    ),
)
def test_public_labels_stay_clean_and_order_is_irrelevant(document):
    """Documents of labels, counts and timestamps are clean, and scanning is deterministic."""
    report = scan(document)
    assert report.clean
    assert scan(json.loads(json.dumps(document))) == report


NEAR_MISSES = [
    "sk_live_" * 40,
    "eyJ." * 100,
    "a@" * 100,
    "%41" * 100,
    "0" * 600,
    "cfut_" + "A" * 39,
    "https://" * 50,
]


@SETTINGS
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
    | st.text(alphabet="sk_live-test_ABCxyz019@./:%=+{}[]\"' \n", max_size=300)
    | st.sampled_from(NEAR_MISSES + [example_text(e) for r in RULES for e in r.examples["match"]]),
)
def test_prefilter_set_never_misses_an_exact_match(text):
    """The relaxed RE2 set reports every rule whose exact pattern matches (no silent false negative)."""
    candidates = set(RULES.prefilter.Match(text) or ())
    for index, rule in enumerate(RULES.text_rules):
        if rule.regex.search(text) is not None:
            assert index in candidates, rule.id
