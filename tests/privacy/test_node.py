"""JavaScript RegExp (flags u / ui) and RE2 give the same verdicts on every rule and example."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests._support import ROOT

from saas_contracts.privacy import default_rules, normalize_key
from saas_contracts.privacy._rules import example_text

pytestmark = pytest.mark.node

RULES = default_rules()
SCRIPT = ROOT / "node" / "privacy-rules.mjs"
KEYS = [
    "apiKey",
    "X-Api-Key",
    "HTTPHeaderToken",
    "cf-aig-log-id",
    "pass\u200bword",
    "\uff50\uff41\uff53\uff53",
    "__user.id__",
]


def _texts() -> list[str]:
    texts = {
        example_text(example)
        for rule in [*RULES, *RULES.allow]
        for label in ("match", "no_match")
        for example in rule.examples[label]
    }
    texts |= {text.upper() for text in list(texts)} | {text.swapcase() for text in list(texts)}
    texts |= {"\u017fk_live_" + "x" * 20, "\u212aey", "A\u0130B", "sk_live_\u0130abcdefghijklmnopq"}
    return sorted(texts)


@pytest.fixture(scope="module")
def node_output(node_binary, tmp_path_factory):
    probes = [
        {"rule": rule.id, "text": text, "raw": True} for rule in RULES if rule.pattern for text in _texts()
    ]
    probes += [{"normalize": key} for key in KEYS]
    path = tmp_path_factory.mktemp("node") / "probes.json"
    path.write_text(json.dumps(probes), encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - our own script, run by the node found on PATH
        [node_binary, str(SCRIPT), "--probes", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return probes, json.loads(result.stdout)


def test_every_rule_compiles_in_javascript(node_output):
    """new RegExp(pattern, 'u' or 'ui') accepts every packaged pattern."""
    _, output = node_output
    assert {rule_id: status["compiled"] for rule_id, status in output["rules"].items()} == {
        rule.id: "ok" for rule in RULES
    }


def test_example_verdicts_agree(node_output):
    """Node replays every rule example with the labelled verdict, like RE2 does."""
    _, output = node_output
    for rule in RULES:
        python = {
            label: [rule.example_verdict(e, RULES.allow) for e in rule.examples[label]]
            for label in ("match", "no_match")
        }
        assert python == {
            "match": [True] * len(python["match"]),
            "no_match": [False] * len(python["no_match"]),
        }
        assert {label: output["rules"][rule.id][label] for label in ("match", "no_match")} == python, rule.id


def test_allow_verdicts_agree(node_output):
    """Allow entries give the same verdicts in Node."""
    _, output = node_output
    for entry in RULES.allow:
        python = {
            label: [entry.example_verdict(e) for e in entry.examples[label]]
            for label in ("match", "no_match")
        }
        assert output["allow"][entry.id] == python


def test_cross_verdicts_agree(node_output):
    """Every pattern against every example text (and case variants): Node and RE2 agree."""
    probes, output = node_output
    disagreements = []
    for probe, verdict in zip(probes, output["probes"], strict=True):
        if "normalize" in probe:
            expected: object = normalize_key(probe["normalize"])
        else:
            expected = RULES.get(probe["rule"]).search(probe["text"]) is not None
        if verdict != expected:
            disagreements.append((probe.get("rule"), probe.get("text", probe.get("normalize"))[:40], verdict))
    assert disagreements == []
    assert len(probes) > 10_000
