"""The shared ops-summary path: one header, one scan, one error, renderers by format, atomic write."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.ledger._support import BASE_EVENT, NOW, line
from tests.strategies import instances

from saas_contracts import ContractViolationError
from saas_contracts._ops import (
    HEADER_FIELDS,
    OpsSummarySpec,
    build_ops_summary,
    ops_header,
    write_ops_summary,
)
from saas_contracts._registry import get_schema
from saas_contracts._validation import validate
from saas_contracts.entitlements import PlanSourceState, apply_events, summarize
from saas_contracts.errors import OpsFormatError
from saas_contracts.ledger import OPS_SUMMARY_SCHEMA, ReplayRequest, replay_lines
from saas_contracts.ledger import build_ops_summary as build_ledger_summary
from saas_contracts.privacy import PublicSafetyError, rules_digest

SECRET = "sk_" + "live_" + "xianz7f7i0psuhm3jqic5ew7"
ENTITLEMENTS_SCHEMA = "entitlements/v1/ops-summary"
COMMON = "../../common/v1/common.schema.json#/$defs/"
AT = "2026-11-21T10:00:00Z"
BODY: dict[str, Any] = {
    "lifecycle_events": {},
    "event_outcomes": {},
    "source_kinds": {},
    "record_statuses": {},
    "decision_outcomes": {},
    "decision_reasons": {},
    "stale": 0,
    "duplicate": 0,
    "conflict": 0,
    "workspaces": 0,
}


def _spec(**renderers: Any) -> OpsSummarySpec:
    return OpsSummarySpec(schema=ENTITLEMENTS_SCHEMA, kind="entitlements.ops-summary", renderers=renderers)


def _ledger_document() -> dict[str, Any]:
    request = ReplayRequest.from_json(
        {
            "window": {"start": "2026-11-01T00:00:00Z", "end": "2026-11-08T00:00:00Z"},
            "mode": "replay",
            "dry_run": True,
        }
    )
    return dict(
        build_ledger_summary(replay_lines([line(BASE_EVENT)], request, now=NOW), generated_at=AT).document
    )


def _entitlements_document() -> dict[str, Any]:
    return dict(summarize(state=apply_events(PlanSourceState(), []).state, generated_at=AT).document)


class TestSharedHeader:
    """Both contracts' ops summaries carry the one header defined in common/v1."""

    @pytest.mark.parametrize("schema", [OPS_SUMMARY_SCHEMA, ENTITLEMENTS_SCHEMA])
    def test_schema_references_the_common_header(self, schema):
        document = get_schema(schema).contents
        assert document["allOf"] == [{"$ref": COMMON + "ops_summary_header"}]
        assert {"kind", "generated_at", "privacy"} <= set(document["required"])

    def test_header_properties_are_identical_in_structure(self):
        ledger = get_schema(OPS_SUMMARY_SCHEMA).contents["properties"]
        entitlements = get_schema(ENTITLEMENTS_SCHEMA).contents["properties"]
        for name in ("generated_at", "commit_sha", "privacy"):
            assert json.dumps(ledger[name], sort_keys=True) == json.dumps(entitlements[name], sort_keys=True)
        # The tag differs only in the value each contract pins.
        assert {**ledger["kind"], "const": ""} == {**entitlements["kind"], "const": ""}
        assert ledger["kind"]["$ref"] == COMMON + "ops_summary_kind"

    def test_common_header_lists_exactly_the_header_fields(self):
        header = get_schema("common/v1/common").contents["$defs"]["ops_summary_header"]
        assert tuple(header["properties"]) == HEADER_FIELDS

    def test_both_documents_share_header_keys_and_evidence(self):
        ledger, entitlements = _ledger_document(), _entitlements_document()
        assert ledger["kind"] == "usage-ledger.ops-summary"
        assert entitlements["kind"] == "entitlements.ops-summary"
        for name in ("generated_at", "privacy"):
            assert ledger[name] == entitlements[name]
        assert ledger["privacy"] == {"rules_digest": rules_digest(), "findings": 0}
        assert validate(ledger, OPS_SUMMARY_SCHEMA) == ()
        assert validate(entitlements, ENTITLEMENTS_SCHEMA) == ()

    def test_header_without_a_commit_omits_it(self):
        assert ops_header("x.ops-summary", generated_at=AT) == {"kind": "x.ops-summary", "generated_at": AT}
        assert ops_header("x.ops-summary", generated_at=AT, commit_sha="0" * 40)["commit_sha"] == "0" * 40

    @given(instances("common/v1/common#/$defs/utc_timestamp"), st.none() | st.just("f" * 40))
    def test_any_instant_and_commit_make_a_valid_summary(self, generated_at, commit_sha):
        summary = build_ops_summary(_spec(), BODY, generated_at=generated_at, commit_sha=commit_sha)
        assert validate(summary.document, ENTITLEMENTS_SCHEMA) == ()
        assert summary.document["generated_at"] == generated_at
        assert ("commit_sha" in summary.document) is (commit_sha is not None)


class TestOnePath:
    """Scan first, then evidence and validation, then every rendering (each scanned)."""

    def test_renderings_come_from_the_table_and_end_with_one_newline(self):
        summary = build_ops_summary(
            _spec(text=lambda doc: f"workspaces {doc['workspaces']}"), BODY, generated_at=AT
        )
        assert summary.formats == ("json", "text")
        assert summary.render("text") == "workspaces 0\n"
        assert json.loads(summary.render("json")) == summary.document
        assert summary.render("json").endswith("}\n")

    def test_unknown_format_is_refused(self):
        summary = build_ops_summary(_spec(), BODY, generated_at=AT)
        with pytest.raises(OpsFormatError, match="json"):
            summary.render("markdown")

    def test_a_finding_wins_over_a_schema_violation(self):
        def leak(document):
            document["api_key"] = SECRET

        with pytest.raises(PublicSafetyError) as caught:
            build_ops_summary(_spec(), BODY, generated_at=AT, mutate=leak)
        assert SECRET not in str(caught.value)

    def test_a_leaking_renderer_is_caught(self):
        with pytest.raises(PublicSafetyError) as caught:
            build_ops_summary(_spec(markdown=lambda _doc: f"# {SECRET}\n"), BODY, generated_at=AT)
        assert SECRET not in str(caught.value)

    def test_a_clean_document_that_breaks_the_schema_is_a_contract_violation(self):
        with pytest.raises(ContractViolationError):
            build_ops_summary(_spec(), {**BODY, "stale": -1}, generated_at=AT)

    def test_body_cannot_override_the_header(self):
        summary = build_ops_summary(_spec(), {**BODY, "kind": "other.ops-summary"}, generated_at=AT)
        assert summary.document["kind"] == "entitlements.ops-summary"


class TestWrite:
    """The write is the package's durable atomic write: whole file or the old one, no temporary left."""

    def test_writes_the_rendering(self, tmp_path):
        summary = build_ops_summary(_spec(), BODY, generated_at=AT)
        target = write_ops_summary(summary, tmp_path / "ops.json", "json")
        assert target.read_text(encoding="utf-8") == summary.render("json")
        assert [path.name for path in tmp_path.iterdir()] == ["ops.json"]

    def test_failure_keeps_the_target_and_leaves_no_temporary(self, tmp_path, monkeypatch):
        target = tmp_path / "ops.json"
        target.write_text("previous\n", encoding="utf-8")
        summary = build_ops_summary(_spec(), BODY, generated_at=AT)

        def broken_fsync(_descriptor):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", broken_fsync)
        with pytest.raises(OSError, match="No space"):
            write_ops_summary(summary, target, "json")
        monkeypatch.undo()
        assert target.read_text(encoding="utf-8") == "previous\n"
        assert [path.name for path in tmp_path.iterdir()] == ["ops.json"]
