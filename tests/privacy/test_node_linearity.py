"""Every packaged pattern runs in linear time in V8's backtracking RegExp (64k adversarial strings)."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests._support import ROOT

pytestmark = [pytest.mark.node, pytest.mark.slow]

SCRIPT = ROOT / "node" / "privacy-linearity.mjs"
LIMIT_MS = 50.0
LENGTH = 65536


@pytest.fixture(scope="module")
def timings(node_binary):
    result = subprocess.run(  # noqa: S603 - our own script, run by the node found on PATH
        [node_binary, str(SCRIPT), "--length", str(LENGTH)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_pattern_is_fast_on_adversarial_input(timings):
    """Each rule and allow pattern stays under 50 ms on every 64k probe built from its own classes."""
    assert timings["length"] == LENGTH
    slow = [
        (entry["owner"], entry["field"], round(entry["worst_ms"], 1), entry["worst_probe"])
        for entry in timings["patterns"]
        if entry["worst_ms"] >= LIMIT_MS
    ]
    assert slow == []


def test_probes_cover_every_rule(timings):
    """The probes come from the rules file itself, so rules added later are covered too."""
    from saas_contracts.privacy import default_rules  # noqa: PLC0415 - the fixture runs first

    rules = default_rules()
    owners = {entry["owner"] for entry in timings["patterns"] if entry["probes"] > 0}
    with_patterns = {
        rule.id
        for rule in rules
        if rule.pattern or rule.key_pattern or any(condition.pattern for condition in rule.conditions)
    }
    assert with_patterns <= owners
    assert {entry.id for entry in rules.allow} <= owners
