"""The shared work budget: padding never hides a secret, and an exhausted budget fails closed."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_contracts.privacy import sarif_log, scan
from saas_contracts.privacy._rules import BUDGET_RULE, default_rules
from saas_contracts.privacy._views import Budget, derived_views, unescape_html

SECRET = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SETTINGS = settings(
    max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _html(text: str) -> str:
    return "".join(f"&#{ord(char)};" for char in text)


def _percent(text: str) -> str:
    return "".join(f"%{ord(char):02X}" for char in text)


def _escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# Each decoder kind: how the secret is disguised, and harmless padding units of that same kind
# (readable decodable runs, unreadable runs, references, escapes) that used to exhaust a run cap.
KINDS = {
    "base64": (
        lambda: _b64(f"key {SECRET}".encode()),
        ["UmVhZGFibGUgaGFybWxlc3MgdGV4dA==", _b64(bytes(range(24)))],
    ),
    "hex": (lambda: f"key {SECRET}".encode().hex(), [b"harmless readable text".hex(), "0" * 40]),
    "html": (lambda: _html(SECRET), ["&amp;", "&#97;", "&lt;b&gt;", "plain words "]),
    "percent": (lambda: _percent(SECRET), ["%20", "%41bc", "100% "]),
    "escapes": (lambda: _escaped(SECRET), ["\\n", "\\u0041", "\\t"]),
}


def _rule_ids(value: object) -> set[str]:
    return {finding.rule_id for finding in scan(value).findings}


class TestPadding:
    """A disguised secret after harmless padding of its own decoder kind is still found."""

    @SETTINGS
    @given(
        kind=st.sampled_from(sorted(KINDS)),
        units=st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=60),
        separator=st.sampled_from([" ", "\n", ", "]),
    )
    def test_padding_never_hides(self, kind, units, separator):
        """Any number and mix of harmless runs before the secret: the secret's rule fires."""
        encode, padding = KINDS[kind]
        pad = separator.join(padding[unit % len(padding)] for unit in units)
        assert "stripe-secret-key" in _rule_ids({"note": f"{pad}{separator}{encode()}"})

    @pytest.mark.parametrize("kind", sorted(KINDS))
    def test_more_than_twenty_runs(self, kind):
        """The old caps (16 runs) are gone: 40 harmless units first, then the secret."""
        encode, padding = KINDS[kind]
        pad = " ".join(padding[index % len(padding)] for index in range(40))
        assert "stripe-secret-key" in _rule_ids({"note": f"{pad} {encode()}"})

    def test_html_secret_after_300k_characters(self):
        """HTML references are decoded over the whole text, not a 256 KiB prefix."""
        assert "stripe-secret-key" in _rule_ids({"note": "x" * 300_000 + " &amp; " + _html(SECRET)})

    def test_escape_fallback_after_300k_characters(self):
        """The \\u{...} fallback decoder reads the whole text too."""
        text = "\\u{41}" + "y" * 300_000 + " " + "".join(f"\\u{{{ord(char):x}}}" for char in SECRET)
        assert "stripe-secret-key" in _rule_ids({"note": text})

    def test_stray_percent_before_secret(self):
        """A stray '%' no longer sends percent-decoding to a bounded fallback."""
        text = "100% " * 70_000 + urllib.parse.quote(SECRET, safe="")
        assert "stripe-secret-key" in _rule_ids({"note": text.replace("_", "%5F")})

    def test_long_base64_run(self):
        """A base64 run longer than 64 KiB decodes whole: the secret at its end is found."""
        readable = ("harmless readable padding " * 4000 + f"key {SECRET}").encode()
        assert "stripe-secret-key" in _rule_ids({"note": _b64(readable)})


class TestBudget:
    """Budget arithmetic and the fail-closed outcome."""

    def test_spend(self):
        """Spending past the budget fails and stays exhausted."""
        budget = Budget(0)
        assert budget.spend(budget.remaining)
        assert [budget.exhausted, budget.spend(1), budget.exhausted, budget.spend(0)] == [
            False,
            False,
            True,
            False,
        ]

    def test_views_stop_when_exhausted(self):
        """An exhausted budget yields no views and says so."""
        budget = Budget(0)
        budget.spend(budget.remaining + 1)
        assert derived_views("a\u200bb", budget) == []
        assert budget.exhausted

    def test_html_keeps_text_when_budget_is_short(self):
        """unescape_html returns the text unchanged (never half-decoded) past the budget."""
        budget = Budget(0)
        budget.spend(budget.remaining - 10)
        assert unescape_html("&#97;" * 1000, budget) == "&#97;" * 1000
        assert budget.exhausted

    def test_unescape_html_decodes_everything(self):
        """Without a budget every reference decodes (old behaviour: only a 256 KiB prefix)."""
        assert unescape_html("&#97;" * 300_000) == "a" * 300_000

    def test_exhausted_budget_is_a_finding(self, monkeypatch):
        """A document whose views exceed the budget is reported undecidable, not passed."""
        monkeypatch.setattr("saas_contracts.privacy._views._BASE_UNITS", 0)
        monkeypatch.setattr("saas_contracts.privacy._views._PER_CHAR", 1)
        report = scan({"note": "harmless \u200b text", "other": "more %41 text"})
        found = [(f.rule_id, f.family) for f in report.findings]
        assert found == [("undecidable-budget", "undecidable")]  # once, where the budget ran out
        assert not report.clean

    def test_sarif_carries_the_engine_rule_only_when_used(self, monkeypatch):
        """SARIF lists the engine's rule (last) only in a log with such a result."""
        rules = default_rules()
        clean_log = sarif_log([], rules)
        assert BUDGET_RULE.id not in [r["id"] for r in clean_log["runs"][0]["tool"]["driver"]["rules"]]
        monkeypatch.setattr("saas_contracts.privacy._views._BASE_UNITS", 0)
        monkeypatch.setattr("saas_contracts.privacy._views._PER_CHAR", 1)
        finding = scan({"note": "harmless \u200b text", "other": "more %41 text"}).findings[0]
        log = sarif_log([("a.json", finding)], rules)
        driver_rules = log["runs"][0]["tool"]["driver"]["rules"]
        assert driver_rules[-1]["id"] == BUDGET_RULE.id
        assert log["runs"][0]["results"][0]["ruleIndex"] == len(driver_rules) - 1


class TestTrimmed:
    """Whitespace around a secret-named member's value does not hide it."""

    @pytest.mark.parametrize(
        "value", [f"{SECRET[8:]}\n", f"  {SECRET[8:]}  ", f"\t{SECRET[8:]}\r\n", "Bearer abcdef123456\n"]
    )
    def test_secret_named_member(self, value):
        """{"api_key": "<token>\\n"} is a secret."""
        assert "secret-named-field" in _rule_ids({"api_key": value})

    def test_trimmed_view(self):
        """The trimmed view is listed when whitespace surrounds the text."""
        assert ("trimmed", "token-value") in derived_views(" token-value\n")
