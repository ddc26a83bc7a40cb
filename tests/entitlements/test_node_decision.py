"""The JavaScript port (node/entitlements-decide.mjs) decides exactly as Python does."""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from typing import Any

import pytest
from tests._support import run_node
from tests.entitlements._support import FIXTURE, check_expectation

from saas_contracts._validation import is_valid
from saas_contracts.entitlements import (
    DECISION_REASONS,
    SOURCE_KINDS,
    TIE_BREAK_STEPS,
    decide,
)
from saas_contracts.errors import DuplicateRecordError

pytestmark = pytest.mark.node

SCRIPT = "entitlements-decide.mjs"
MAX_SAFE = 2**53 - 1
_VECTORS = next(s for s in json.loads(FIXTURE.read_text())["stages"] if s["stage"] == "decision")["vectors"]

# Instants with several spellings each (equal instants, different text), nanosecond fractions,
# and far-apart years: comparisons must be on instants, and valid_until keeps Python's spelling.
_TIMES = (
    "1969-12-31T23:59:59.999999999Z",
    "1970-01-01T00:00:00Z",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.0Z",
    "2026-01-01T00:00:00.000000001Z",
    "2026-01-10T00:00:00Z",
    "2026-01-10T00:00:00.5Z",
    "2026-01-10T00:00:00.500000000Z",
    "2026-01-10T00:00:00.49999999Z",
    "2026-01-20T00:00:00Z",
    "2026-01-31T23:59:59.999999999Z",
    "2026-02-01T00:00:00Z",
    "2026-02-01T00:00:00.000Z",
    "2028-02-29T12:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
)
_PLANS = ("free", "basic", "pro", "team", "legacy-gold")
_CAPABILITIES = ("feature.basic", "feature.advanced", "seats", "exports")
_IDS = tuple(f"src_ref_{letter * 26}" for letter in "abcdefg")
_WORKSPACES = ("ws_ref_" + "w" * 26, "ws_ref_" + "x" * 26)
_END_REASONS = ("scheduled_end", "expired", "canceled", "revoked", "refunded")


def _record(rng: random.Random, record_id: str):
    status = rng.choice(("active", "active", "active", "trialing", "past_due", "paused", "ended"))
    record: dict[str, Any] = {
        "record_id": record_id,
        "workspace": _WORKSPACES[0] if rng.random() < 0.95 else _WORKSPACES[1],
        "source_kind": rng.choice((*SOURCE_KINDS, "promotion", "promotion", "billing_provider")),
        "plan": rng.choice(_PLANS),
        "status": status,
        # Equal starts spelled differently ("...00Z", "...00.0Z") tie; sequence and record_id decide.
        "effective_start": rng.choice(_TIMES[2:4]) if rng.random() < 0.5 else rng.choice(_TIMES[:10]),
        "sequence": rng.choice((1, 1, 1, 2, MAX_SAFE)),
        "last_event_id": "evt-gen-0001",
        "last_event_at": rng.choice(_TIMES),
    }
    if status == "past_due":
        record["grace_end"] = rng.choice(_TIMES)
    if status == "paused":
        record["paused_at"] = rng.choice(_TIMES)
    if status == "ended":
        record["ended_at"] = rng.choice(_TIMES)
        record["end_reason"] = rng.choice(_END_REASONS)
    if rng.random() < 0.25:
        record["effective_end"] = rng.choice(_TIMES)
    changes = []
    for change in ("plan_change", "pause", "cancel"):
        if rng.random() < 0.35:
            item: dict[str, Any] = {
                "change": change,
                "effective_at": rng.choice(_TIMES[9:] if rng.random() < 0.5 else _TIMES),
            }
            if change == "plan_change":
                item |= {
                    "plan": rng.choice(_PLANS),
                    "direction": rng.choice(("upgrade", "downgrade", "lateral")),
                }
            changes.append(item)
    if changes:
        rng.shuffle(changes)
        record["scheduled"] = changes
    return record


def _snapshot(rng: random.Random):
    plans = {}
    for plan in rng.sample(_PLANS, rng.choice((0, 3, 4, 4, 5))):
        capabilities = rng.sample(_CAPABILITIES, rng.choice((0, 2, 3, 4, 4)))
        entry: dict[str, Any] = {"capabilities": capabilities}
        limited = [name for name in capabilities if rng.random() < 0.5]
        if limited:
            entry["limits"] = {name: rng.choice((0, 1, 5, MAX_SAFE - 1, MAX_SAFE)) for name in limited}
        plans[plan] = entry
    return {"plans": plans}


def _request(rng: random.Random):
    count = rng.choice((0, 1, 1, 2, 2, 3, 4, 6))
    ids = [rng.choice(_IDS) for _ in range(count)] if rng.random() < 0.05 else rng.sample(_IDS, count)
    request: dict[str, Any] = {
        "workspace": _WORKSPACES[0],
        "capability": rng.choice(_CAPABILITIES),
        "as_of": rng.choice(_TIMES) if rng.random() < 0.3 else rng.choice(_TIMES[4:13]),
        "records": [_record(rng, record_id) for record_id in ids],
        "policy": {"policy": "generated", "order": rng.sample(SOURCE_KINDS, rng.choice((1, 3, 5, 5, 5)))},
        "snapshot": _snapshot(rng),
    }
    if rng.random() < 0.6:
        request["usage"] = {name: rng.choice((0, 1, 4, 5, MAX_SAFE - 1, MAX_SAFE)) for name in _CAPABILITIES}
    if rng.random() < 0.6:
        request["quantity"] = rng.choice((0, 1, 2, MAX_SAFE))
    return request


@functools.cache
def _generated(seed: int = 20260321, count: int = 500):
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    requests = [_request(rng) for _ in range(count)]
    return [request for request in requests if is_valid(request, "entitlements/v1/decision-request")]


def _python(request):
    try:
        return {"decision": decide(request)}
    except DuplicateRecordError:
        return {"error": "DuplicateRecordError"}


@functools.cache
def _node_vectors():
    return json.loads(run_node(SCRIPT, str(FIXTURE)))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The JavaScript results for the generated requests, passed to the script in a temp file."""
    path = tmp_path_factory.mktemp("requests") / "requests.json"
    path.write_text(json.dumps(_generated()), encoding="utf-8")
    return json.loads(run_node(SCRIPT, "--requests", str(path)))


class TestFixtureVectors:
    """Every decision vector of the core fixture gives the same decision in JavaScript and in Python."""

    def test_one_result_per_vector_in_order(self):
        """The script prints one {name, decision} per vector, in fixture order."""
        assert [item["name"] for item in _node_vectors()] == [vector["name"] for vector in _VECTORS]

    @pytest.mark.parametrize("index", range(len(_VECTORS)), ids=[vector["name"] for vector in _VECTORS])
    def test_vector(self, index):
        """The JavaScript decision equals Python's, is schema-valid and meets the fixture's expectations."""
        vector = _VECTORS[index]
        node_decision = _node_vectors()[index]["decision"]
        assert node_decision == decide(vector["request"])
        assert is_valid(node_decision, "entitlements/v1/decision")
        check_expectation(node_decision, vector["expect"])

    def test_byte_identical_json(self):
        """Key order matches too, so both sides serialize a decision to the same bytes."""
        python = [json.dumps(decide(vector["request"])) for vector in _VECTORS]
        assert [json.dumps(item["decision"]) for item in _node_vectors()] == python


@pytest.mark.slow  # ~3-10 s: 500 generated requests decided in Python and in Node
class TestGeneratedRequests:
    """Seed-generated requests (odd timestamp spellings, big numbers, schedules, policies) agree."""

    def test_generator_is_not_degenerate(self):
        """Almost every generated request is schema-valid, so the comparison covers real inputs."""
        assert len(_generated()) >= 475

    def test_every_request_agrees(self, results):
        """Decision by decision (or the duplicate-record error), JavaScript equals Python."""
        python = [_python(request) for request in _generated()]
        assert len(results) == len(python)
        mismatches = [
            index for index, (ours, theirs) in enumerate(zip(python, results, strict=True)) if ours != theirs
        ]
        assert not mismatches, f"{len(mismatches)} of {len(python)} differ, first at {mismatches[0]}"

    def test_decisions_are_schema_valid(self, results):
        """Every JavaScript decision is a valid entitlements/v1/decision."""
        assert all(
            is_valid(item["decision"], "entitlements/v1/decision") for item in results if "decision" in item
        )

    def test_coverage_of_reasons_and_tie_breaks(self, results):
        """The generated set reaches every tie-break step, every reason code and the error path."""
        decisions = [item["decision"] for item in results if "decision" in item]
        reasons = Counter(decision["reason"] for decision in decisions)
        steps = {decision["tie_break"] for decision in decisions if "tie_break" in decision}
        assert steps == set(TIE_BREAK_STEPS)
        assert set(reasons) == set(DECISION_REASONS), reasons
        assert any("limit" in decision for decision in decisions)
        assert any("error" in item for item in results)


class TestInstantComparison:
    """Fractional seconds are compared as instants, not as strings."""

    def test_equal_instants_with_different_spellings(self, tmp_path):
        """A cancellation at .5Z is already due at .500000000Z, and not yet at .49999999Z."""
        record = {
            "record_id": _IDS[0],
            "workspace": _WORKSPACES[0],
            "source_kind": "billing_provider",
            "plan": "pro",
            "status": "active",
            "effective_start": "2026-01-01T00:00:00Z",
            "sequence": 1,
            "last_event_id": "evt-gen-0001",
            "last_event_at": "2026-01-01T00:00:00Z",
            "scheduled": [{"change": "cancel", "effective_at": "2026-01-10T00:00:00.5Z"}],
        }
        base = {
            "workspace": _WORKSPACES[0],
            "capability": "feature.basic",
            "records": [record],
            "policy": {"policy": "default", "order": list(SOURCE_KINDS)},
            "snapshot": {"plans": {"pro": {"capabilities": ["feature.basic"]}}},
        }
        requests = [
            base | {"as_of": "2026-01-10T00:00:00.500000000Z"},
            base | {"as_of": "2026-01-10T00:00:00.49999999Z"},
        ]
        path = tmp_path / "requests.json"
        path.write_text(json.dumps(requests), encoding="utf-8")
        due, pending = json.loads(run_node(SCRIPT, "--requests", str(path)))
        assert due["decision"]["reason"] == "source_expired"
        assert pending["decision"]["reason"] == "cancel_scheduled"
        assert pending["decision"]["valid_until"] == "2026-01-10T00:00:00.5Z"
        assert [due, pending] == [_python(request) for request in requests]
