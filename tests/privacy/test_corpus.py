"""The development corpus: realistic artifacts that must pass, and disguised ones that must not."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from tests.privacy._support import CORPUS

from saas_contracts._fragments import join_fragments
from saas_contracts.privacy import default_rules, load_config, scan

if TYPE_CHECKING:
    from pathlib import Path

ACCEPT = sorted((CORPUS / "accept").glob("*.json"))
REJECT = sorted((CORPUS / "reject").glob("*.json"))


def _load(path: Path) -> object:
    """The artifact with its split secrets (``{"$concat": [...]}``) joined."""
    return join_fragments(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def config(corpus_meta):
    return load_config(CORPUS / corpus_meta["config"])


@pytest.mark.parametrize("path", ACCEPT, ids=lambda path: path.stem)
def test_accept_is_clean(path, config):
    """Realistic public-safe artifacts produce no finding."""
    report = scan(_load(path), config)
    assert report.findings == ()


@pytest.mark.parametrize("path", REJECT, ids=lambda path: path.stem)
def test_reject_finds_exactly_the_expected_rules(path, corpus_meta, config):
    """Each disguised artifact is caught by exactly the reviewed set of rules."""
    expected = corpus_meta["reject"][f"reject/{path.name}"]
    report = scan(_load(path), config)
    assert sorted({finding.rule_id for finding in report.findings}) == expected


def test_manifest_covers_every_reject_file(corpus_meta):
    """No reject file is silently unchecked, and no manifest entry is stale."""
    assert sorted(corpus_meta["reject"]) == [f"reject/{path.name}" for path in REJECT]


def test_corpus_covers_every_family(corpus_meta):
    """The reject corpus exercises every rule family."""
    rules = {rule.id: rule.family for rule in default_rules()}
    rules["product-deny-term"] = "product"
    families = {rules[rule_id] for expected in corpus_meta["reject"].values() for rule_id in expected}
    assert families == set(rules.values())
