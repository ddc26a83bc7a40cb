from __future__ import annotations

import copy
import json

import pytest
from tests._support import EXAMPLES, ROOT
from tests.entitlements._support import FIXTURE

from saas_contracts._fixture_harness import compose
from saas_contracts.entitlements._fixture import FIXTURE_CONTRACT, run_stage
from saas_contracts.fixtures import check_fixture_document, contract_for, discover_product_names
from saas_contracts.privacy import scan

DOCUMENT = json.loads(FIXTURE.read_text())


def _check(document):
    return check_fixture_document(
        document, source="fixture", product_names=discover_product_names(EXAMPLES), repo_root=ROOT,
    )  # fmt: skip


def _stage(document, name):
    return next(stage for stage in document["stages"] if stage["stage"] == name)


class TestCoreFixture:
    """The acceptance fixture holds every constraint and every stage vector passes."""

    def test_registered(self):
        assert contract_for("entitlement-plan-source") is FIXTURE_CONTRACT

    def test_fixture_passes(self):
        report = _check(DOCUMENT)
        assert report.violations == ()
        assert report.ok, [o.to_json() for o in report.failed_vectors]
        stages = {outcome.stage for outcome in report.outcomes}
        assert stages == {"decision", "writer", "billing_lifecycle", "audit"}
        assert len(report.outcomes) >= 40

    def test_constraints(self):
        assert DOCUMENT["candidate"] == "entitlement-plan-source"
        assert DOCUMENT["target"]["package"] == "cloudflare-saas-core/packages/entitlements"
        assert scan(DOCUMENT).clean
        text = json.dumps(DOCUMENT).lower()
        for name in discover_product_names(EXAMPLES):
            assert name.lower() not in text

    @pytest.mark.parametrize(("stage", "index", "path", "value"), [
        ("decision", 0, ("expect", "plan"), "free"),
        ("decision", 5, ("expect", "valid_until"), "2026-01-16T00:00:00Z"),
        ("writer", 0, ("expect", "operation"), "update"),
        ("writer", 1, ("expect", "effective_at"), "2026-01-20T00:00:00Z"),
        ("writer", 7, ("expect", "outcome"), "applied"),
        ("billing_lifecycle", 1, ("expect_outcomes", 4), "applied"),
        ("billing_lifecycle", 0, ("checkpoints", 3, "expect", "reason"), "granted"),
        ("audit", 0, ("expect", "stale"), 0),
    ])  # fmt: skip
    @pytest.mark.slow  # several seconds in all on 2 cores; CI runs it
    def test_a_wrong_expectation_fails(self, stage, index, path, value):
        document = copy.deepcopy(DOCUMENT)
        node = _stage(document, stage)["vectors"][index]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        report = _check(document)
        assert not report.ok
        assert [o.name for o in report.failed_vectors] == [_stage(DOCUMENT, stage)["vectors"][index]["name"]]

    def test_missing_stage_is_a_violation(self):
        document = copy.deepcopy(DOCUMENT)
        document["stages"] = [s for s in document["stages"] if s["stage"] != "audit"] + [
            _stage(document, "writer")
        ]
        assert any(v.rule == "fixture.stages" for v in _check(document).violations)

    def test_product_name_is_a_violation(self):
        document = copy.deepcopy(DOCUMENT)
        document["description"] += " Chat Desk"
        assert any(v.keyword == "product-name" for v in _check(document).violations)

    def test_a_privacy_vector_fails_when_the_artifact_is_already_unsafe(self):
        vector = copy.deepcopy(
            next(v for v in _stage(DOCUMENT, "audit")["vectors"] if v["check"] == "privacy_rejects")
        )
        email = next(
            v["inject"]["probe"]
            for v in _stage(DOCUMENT, "audit")["vectors"]
            if v.get("inject", {}).get("sample") == "email"
        )
        vector["artifact"]["audit"]["reason"] = compose(email)
        [outcome] = run_stage("audit", {"stage": "audit", "vectors": [vector]})
        assert not outcome.passed
        assert "before injection" in outcome.detail

    def test_malformed_vectors_fail_without_raising(self):
        outcomes = run_stage("writer", {"stage": "writer", "vectors": [{"name": "broken"}]})
        assert [(o.passed, o.detail) for o in outcomes] == [(False, "malformed vector (KeyError)")]
        assert not run_stage("nonsense", {"vectors": [{"name": "x"}]})[0].passed
