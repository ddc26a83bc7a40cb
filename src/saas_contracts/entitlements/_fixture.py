"""Stage checks for ``fixtures/entitlement-plan-source.core-fixture.json``.

Stages: ``decision`` (requests and expected decisions, also run with records
reversed), ``writer`` (one event against a state, expected outcome and
envelope), ``billing_lifecycle`` (a delivered stream, expected per-event
outcomes and decisions at checkpoints; the stream is replayed twice to prove
idempotence) and ``audit`` (ops-summary counts, envelope audit rules, privacy
rejection of forbidden samples, stored split as ``{"$concat": [...]}`` and
joined at run time). The harness (:mod:`saas_contracts._fixture_harness`)
turns every vector into one :class:`~saas_contracts.fixtures.VectorOutcome`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._fixture_harness import FixtureContract, StageRun, VectorOutcome, compose, place
from saas_contracts._validation import is_valid
from saas_contracts.entitlements._decision import decide
from saas_contracts.entitlements._ops import summarize
from saas_contracts.entitlements._priority import DEFAULT_POLICY
from saas_contracts.entitlements._state import PlanSourceState
from saas_contracts.entitlements._vocab import DECISION_SCHEMA, FIXTURE_SCHEMA, OPERATOR_KINDS
from saas_contracts.entitlements._writer import AuditContext, apply_event, apply_events, fingerprint

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from saas_contracts._fixture_harness import Check

__all__ = ["CANDIDATE", "CHECKS", "FIXTURE_CONTRACT", "TARGET_PACKAGE", "run_stage"]

CANDIDATE: Final = "entitlement-plan-source"
TARGET_PACKAGE: Final = "cloudflare-saas-core/packages/entitlements"


def _mismatch(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    return sorted(key for key, value in expected.items() if actual.get(key) != value)


def _decision_view(decision: Mapping[str, Any]) -> dict[str, Any]:
    view = {
        key: decision[key]
        for key in ("outcome", "reason", "plan", "tie_break", "valid_until")
        if key in decision
    }
    if "source" in decision:
        view["record_id"] = decision["source"]["record_id"]
    return view


def _check_decision(decision: Mapping[str, Any], expect: Mapping[str, Any]) -> list[str]:
    if not is_valid(decision, DECISION_SCHEMA):
        return ["the decision is not valid against entitlements/v1/decision"]
    view = _decision_view(decision)
    wanted = {key: value for key, value in expect.items() if key not in {"no_valid_until", "no_source"}}
    problems = [f"{key}: expected {wanted[key]!r}, got {view.get(key)!r}" for key in _mismatch(wanted, view)]
    if expect.get("no_valid_until") and "valid_until" in decision:
        problems.append("expected no valid_until")
    if expect.get("no_source") and "source" in decision:
        problems.append("expected no winning source")
    return problems


def _run_decision(vector: Mapping[str, Any], _run: StageRun) -> list[str]:
    request = vector["request"]
    decision = decide(request)
    reversed_request = dict(request) | {"records": list(reversed(request["records"]))}
    if decide(reversed_request) != decision:
        return ["the decision changed when the records were reversed"]
    return _check_decision(decision, vector["expect"])


def _run_writer(vector: Mapping[str, Any], _run: StageRun) -> list[str]:
    state = PlanSourceState.from_json(vector["state"]) if "state" in vector else PlanSourceState()
    audit = AuditContext(now=vector["now"], commit_sha=vector["commit_sha"])
    result = apply_event(state, copy.deepcopy(vector["event"]), audit=audit)
    expect = vector["expect"]
    problems: list[str] = []
    if result.outcome != expect["outcome"]:
        problems.append(f"outcome: expected {expect['outcome']!r}, got {result.outcome!r} ({result.detail})")
    if "detail_contains" in expect and expect["detail_contains"] not in result.detail:
        problems.append(f"detail does not mention {expect['detail_contains']!r}")
    envelope = result.envelope or {}
    view = {
        "operation": envelope.get("operation"),
        "effective_at": envelope.get("effective_at"),
        "reason": envelope.get("audit", {}).get("reason"),
    }
    wanted = {key: expect[key] for key in ("operation", "effective_at", "reason") if key in expect}
    problems.extend(f"{key}: expected {wanted[key]!r}, got {view[key]!r}" for key in _mismatch(wanted, view))
    if "after" in expect:
        after = envelope.get("after", {})
        problems.extend(f"after.{key} differs" for key in _mismatch(expect["after"], after))
    return problems


def _run_lifecycle(vector: Mapping[str, Any], _run: StageRun) -> list[str]:
    events = [copy.deepcopy(event) for event in vector["events"]]
    policy = vector.get("policy", DEFAULT_POLICY)
    problems: list[str] = []
    stops = sorted(
        {int(point.get("after_events", len(events))) for point in vector["checkpoints"]} | {len(events)}
    )
    states: dict[int, PlanSourceState] = {}
    state = PlanSourceState()
    outcomes: list[str] = []
    for index, event in enumerate(events):
        if index in stops:
            states[index] = state.copy()
        outcomes.append(apply_event(state, event, index=index).outcome)
    states[len(events)] = state
    if outcomes != list(vector["expect_outcomes"]):
        problems.append(f"outcomes: expected {list(vector['expect_outcomes'])}, got {outcomes}")
    again = apply_events(state, events)
    expected_again = [outcome if outcome in {"conflict", "invalid"} else "duplicate" for outcome in outcomes]
    if again.state.to_json() != state.to_json() or [r.outcome for r in again.results] != expected_again:
        problems.append("replaying the stream again changed the state or was not all duplicates")
    receipts = {key: value["outcome"] for key, value in state.receipts.items()}
    problems.extend(
        f"receipt {event_id}: expected {outcome!r}, got {receipts.get(event_id)!r}"
        for event_id, outcome in sorted(vector.get("expect_receipts", {}).items())
        if receipts.get(event_id) != outcome
    )
    if vector.get("converges"):
        problems.extend(_convergence(events, state))
    for number, point in enumerate(vector["checkpoints"]):
        at = states[int(point.get("after_events", len(events)))]
        request: dict[str, Any] = {
            "workspace": vector["workspace"],
            "capability": point["capability"],
            "as_of": point["as_of"],
            "records": at.workspace_records(vector["workspace"]),
            "policy": policy,
            "snapshot": vector["snapshot"],
        }
        if "usage" in point:
            request["usage"] = point["usage"]
        problem = "; ".join(_check_decision(decide(request), point["expect"]))
        if problem:
            problems.append(f"checkpoint {number} ({point['as_of']}): {problem}")
    return problems


def _convergence(events: list[dict[str, Any]], state: PlanSourceState) -> list[str]:
    """The stream reversed and in every rotation must end in the same state and ops summary."""
    orders = [list(reversed(events))] + [events[start:] + events[:start] for start in range(1, len(events))]
    expected = state.to_json()
    summary = summarize(state=state, generated_at=_SUMMARY_STAMP).document
    for number, order in enumerate(orders):
        other = apply_events(PlanSourceState(), copy.deepcopy(order)).state
        if other.to_json() != expected:
            return [f"delivery order {number} (0: reversed, n: rotated by n) ends in another state"]
        if summarize(state=other, generated_at=_SUMMARY_STAMP).document != summary:
            return [f"delivery order {number} gives another ops summary"]
    return []


def _audit_envelopes(vector: Mapping[str, Any]) -> list[str]:
    from saas_contracts.privacy import scan  # noqa: PLC0415 - rules load lazily

    events = [copy.deepcopy(event) for event in vector["events"]]
    report = apply_events(
        PlanSourceState(), events, audit=AuditContext(now=vector["now"], commit_sha=vector["commit_sha"])
    )
    problems: list[str] = []
    applied = [result for result in report.results if result.outcome == "applied"]
    if not applied:
        problems.append("no event was applied, so no envelope was audited")
    for result in applied:
        envelope = result.envelope or {}
        event = events[result.index]
        if (
            envelope.get("fingerprint") != fingerprint(event)
            or envelope.get("idempotency_key") != event["event_id"]
        ):
            problems.append(f"event {result.index}: fingerprint or idempotency key does not match the event")
        if event["kind"] in OPERATOR_KINDS and "approval_ref" not in envelope.get("audit", {}):
            problems.append(f"event {result.index}: operator write without approval reference")
        if envelope.get("effective_at") != event.get("effective_at", event["occurred_at"]):
            problems.append(f"event {result.index}: effective_at does not match the event")
        if not scan(envelope).clean:
            problems.append(f"event {result.index}: the envelope is not public-safe")
    return problems


def _audit_privacy(vector: Mapping[str, Any]) -> list[str]:
    from saas_contracts.privacy import scan  # noqa: PLC0415 - rules load lazily

    artifact = copy.deepcopy(dict(vector["artifact"]))
    if not scan(artifact).clean:
        return ["the artifact is not public-safe before injection"]
    place(artifact, vector["inject"]["pointer"], compose(vector["inject"]["probe"]))
    if scan(artifact).clean:
        return [f"the privacy scan missed an injected {vector['inject']['sample']} sample"]
    return []


def _audit_summary(vector: Mapping[str, Any]) -> list[str]:
    report = apply_events(PlanSourceState(), [copy.deepcopy(event) for event in vector["events"]])
    decisions = [decide(request) for request in vector.get("decisions", [])]
    summary = summarize(
        state=report.state,
        results=[r.to_json() for r in report.results],
        decisions=decisions,
        generated_at=_SUMMARY_STAMP,
    ).document
    return [
        f"{key}: expected {vector['expect'][key]!r}, got {summary.get(key)!r}"
        for key in _mismatch(vector["expect"], summary)
    ]


# The audit compares counts; the header's timestamp only has to be a fixed, valid instant.
_SUMMARY_STAMP: Final = "2026-01-01T00:00:00Z"


_AUDIT_CHECKS: Final[dict[str, Callable[[Mapping[str, Any]], list[str]]]] = {
    "ops_summary": _audit_summary,
    "envelope_audit": _audit_envelopes,
    "privacy_rejects": _audit_privacy,
}


def _run_audit(vector: Mapping[str, Any], _run: StageRun) -> list[str]:
    return _AUDIT_CHECKS[str(vector["check"])](vector)


CHECKS: Final[Mapping[str, Check]] = {
    "decision": _run_decision,
    "writer": _run_writer,
    "billing_lifecycle": _run_lifecycle,
    "audit": _run_audit,
}
"""Stage name -> check; the fixture's required stages are exactly these."""

FIXTURE_CONTRACT: Final = FixtureContract(
    candidate=CANDIDATE, target_package=TARGET_PACKAGE, schema=FIXTURE_SCHEMA, checks=CHECKS
)


def run_stage(stage_name: str, stage: Mapping[str, Any]) -> list[VectorOutcome]:
    """Run every vector of one stage through the harness (one outcome per vector)."""
    return FIXTURE_CONTRACT.run_stage(stage_name, stage)
