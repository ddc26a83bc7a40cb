"""Lifecycle streams with Python's apply results: what the TypeScript ``applyEvents`` is held to.

Every writer vector of the entitlements core fixture (one event onto its state, audited), every
billing_lifecycle and event-bearing audit stream in delivery order, the ``converges`` streams
reversed and in every rotation, seeded random permutations of every stream and of all
streams together, and seeded generated streams (clashing instants, provider sequences,
redeliveries, reused event_ids, pre-log bases). tests/ts_package/_reference.py hands them to
the package's workerd tests (packages/contracts/test/workerd.test.ts), which require the same
outcome per event (detail included), the same state document and the same write envelopes.
"""

from __future__ import annotations

import copy
import functools
import json
import random
from typing import Any, Final

from tests._support import ROOT

from saas_contracts.entitlements._state import PlanSourceState
from saas_contracts.entitlements._writer import AuditContext, apply_events
from saas_contracts.errors import ContractError

__all__ = ["PERMUTATIONS_PER_STREAM", "SEED", "lifecycle_cases", "python_apply"]

FIXTURE = ROOT / "fixtures" / "entitlement-plan-source.core-fixture.json"
SEED: Final = 20261201
PERMUTATIONS_PER_STREAM: Final = 6
_MIXED_PERMUTATIONS: Final = 12
GENERATED_STREAMS: Final = 60
# Instants with several spellings each (equal instants, nanosecond fractions): the canonical order
# compares instants, then provider_sequence, then the fingerprint (which sees the spelling).
_TIMES: Final = (
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.0Z",
    "2026-01-01T00:00:00.000000001Z",
    "2026-01-05T00:00:00Z",
    "2026-01-10T00:00:00Z",
    "2026-01-10T00:00:00.500Z",
    "2026-01-10T00:00:00.5Z",
    "2026-01-15T00:00:00Z",
    "2026-01-20T00:00:00Z",
    "2026-02-01T00:00:00Z",
    "2026-02-01T00:00:00.000Z",
    "2026-02-10T00:00:00Z",
)
_RECORDS: Final = ("sub_ref_" + "a" * 26, "sub_ref_" + "b" * 26)
_AUDIT: Final = {"now": "2026-03-01T00:00:00Z", "commit_sha": "0123456789abcdef0123456789abcdef01234567"}


def python_apply(case: dict[str, Any]) -> dict[str, Any]:
    """Python's answer for one case: per-event results, the state document, the envelopes (or the error)."""
    audit = case.get("audit")
    try:
        state = PlanSourceState.from_json(case["state"]) if "state" in case else PlanSourceState()
        report = apply_events(
            state,
            copy.deepcopy(case["events"]),
            audit=None if audit is None else AuditContext(now=audit["now"], commit_sha=audit["commit_sha"]),
        )
    except ContractError as error:
        return {"error": type(error).__name__}
    outcomes = []
    for result in report.results:
        item = result.to_json()
        if "violations" in item:
            item["violations"] = [
                {"pointer": found["pointer"], "keyword": found["keyword"]} for found in item["violations"]
            ]
        outcomes.append(item)
    return {"outcomes": outcomes, "state": report.state.to_json(), "envelopes": report.envelopes}


def _stage(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(stage["vectors"] for stage in document["stages"] if stage["stage"] == name)


def _orders(events: list[Any]) -> list[tuple[str, list[Any]]]:
    orders = [("reversed", list(reversed(events)))]
    orders.extend((f"rotated-{start}", events[start:] + events[:start]) for start in range(1, len(events)))
    return orders


@functools.cache
def _cases() -> tuple[dict[str, Any], ...]:
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = []
    for vector in _stage(document, "writer"):
        case = {
            "group": "writer",
            "name": vector["name"],
            "events": [vector["event"]],
            "audit": {"now": vector["now"], "commit_sha": vector["commit_sha"]},
        }
        if "state" in vector:
            case["state"] = vector["state"]
        cases.append(case)
    streams = [(vector["name"], vector) for vector in _stage(document, "billing_lifecycle")]
    streams += [(vector["name"], vector) for vector in _stage(document, "audit") if "events" in vector]
    for name, vector in streams:
        stream: dict[str, Any] = {"group": "stream", "name": name, "events": vector["events"]}
        if "now" in vector:
            stream["audit"] = {"now": vector["now"], "commit_sha": vector["commit_sha"]}
        cases.append(stream)
        if vector.get("converges"):
            cases.extend(
                {"group": "converges", "name": f"{name} {label}", "events": order}
                for label, order in _orders(vector["events"])
            )
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not cryptography
    every: list[Any] = []
    for name, vector in streams:
        every.extend(vector["events"])
        for number in range(PERMUTATIONS_PER_STREAM):
            order = list(vector["events"])
            rng.shuffle(order)
            cases.append({"group": "permutation", "name": f"{name} #{number}", "events": order})
    for number in range(_MIXED_PERMUTATIONS):
        order = list(every)
        rng.shuffle(order)
        cases.append({"group": "permutation", "name": f"all streams #{number}", "events": order})
    cases.extend(_generated_streams(document, rng))
    cases.extend(_edge_cases(document))
    return tuple(cases)


def _templates(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = [vector["event"] for vector in _stage(document, "writer")]
    for name in ("billing_lifecycle", "audit"):
        found += [event for vector in _stage(document, name) for event in vector.get("events", [])]
    return [event for event in found if isinstance(event, dict) and {"kind", "occurred_at"} <= event.keys()]


def _generated_event(
    rng: random.Random, template: dict[str, Any], number: int, workspace: str
) -> dict[str, Any]:
    event = copy.deepcopy(template)
    event["event_id"] = f"evt-gen-{number:04d}"
    event["workspace"] = workspace
    event["record_id"] = rng.choice(_RECORDS)
    event["occurred_at"] = rng.choice(_TIMES)
    if rng.random() < 0.4:
        event["provider_sequence"] = rng.randint(1, 4)
    else:
        event.pop("provider_sequence", None)
    return event


def _generated_streams(document: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Seeded streams from the fixture's events: two records, clashing instants, provider sequences,
    redeliveries and reused event_ids; every other one continued onto a pre-log state (bases)."""
    templates = _templates(document)
    creating = [event for event in templates if event["kind"] in {"purchase", "trial_start", "manual_grant"}]
    workspace = str(templates[0]["workspace"])
    cases: list[dict[str, Any]] = []
    number = 0
    for stream in range(GENERATED_STREAMS):
        events: list[dict[str, Any]] = []
        for _ in range(rng.randint(4, 14)):
            number += 1
            roll = rng.random()
            if events and roll < 0.08:
                events.append(copy.deepcopy(rng.choice(events)))  # a redelivery
            elif events and roll < 0.12:
                reused = _generated_event(rng, rng.choice(templates), number, workspace)
                reused["event_id"] = rng.choice(events)["event_id"]  # same id, other content
                events.append(reused)
            else:
                pool = creating if roll < 0.35 else templates
                events.append(_generated_event(rng, rng.choice(pool), number, workspace))
        case: dict[str, Any] = {"group": "generated", "name": f"generated #{stream}", "events": events}
        if stream % 2:
            case["audit"] = _AUDIT
        if stream % 4 == 3:
            # Continue onto the state the first half left, written before logs were kept.
            half = len(events) // 2
            first = apply_events(PlanSourceState(), copy.deepcopy(events[:half])).state.to_json()
            first.pop("events")
            first.pop("bases", None)
            case["state"] = first
            case["events"] = events[half:]
        cases.append(case)
    return cases


@functools.cache
def _answered() -> tuple[dict[str, Any], ...]:
    return tuple({**case, "python": python_apply(case)} for case in _cases())


def _edge_cases(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Refused states and audit contexts, non-object deliveries, an operator field without approval."""
    stream = _stage(document, "billing_lifecycle")[0]["events"]
    state = apply_events(PlanSourceState(), copy.deepcopy(stream)).state.to_json()
    record, receipt = state["records"][0], state["receipts"][0]
    other = {**receipt, "fingerprint": "sha256:" + "0" * 64}
    states = {
        "state repeating a record_id": {**state, "records": [record, record]},
        "state repeating a receipt": {**state, "receipts": [receipt, *state["receipts"]]},
        "logged event without its receipt": {**state, "receipts": state["receipts"][1:]},
        "logged event with another fingerprint": {**state, "receipts": [other, *state["receipts"][1:]]},
        "state without receipts": {key: value for key, value in state.items() if key != "receipts"},
        "state with an unknown member": {**state, "extra": True},
    }
    cases: list[dict[str, Any]] = [
        {"group": "edge", "name": name, "state": value, "events": stream[:1]}
        for name, value in states.items()
    ]
    audits = {
        "audit time with an offset": {**_AUDIT, "now": "2026-03-01T00:00:00+00:00"},
        "audit leap second": {**_AUDIT, "now": "2026-12-31T23:59:60Z"},
        "audit commit sha upper-case": {**_AUDIT, "commit_sha": _AUDIT["commit_sha"].upper()},
    }
    cases += [
        {"group": "edge", "name": name, "audit": audit, "events": stream[:2]}
        for name, audit in audits.items()
    ]
    junk: list[Any] = [None, "purchase", [stream[0]], 7, {"kind": "purchase"}, {"kind": ["purchase"]}]
    cases.append({"group": "edge", "name": "non-object and partial deliveries", "events": [*junk, *stream]})
    operator = {**stream[0], "event_id": "evt-edge-0001", "operator": "ops-team"}
    cases.append(
        {"group": "edge", "name": "operator label without approval", "audit": _AUDIT, "events": [operator]}
    )
    cases.append(
        {"group": "edge", "name": "continued from a state with its log", "state": state, "events": stream}
    )
    # event_ids the event schema accepts that are no idempotency key (short, '/' or '#'): recorded as
    # the record's last_event_id and the envelope's cause, audited (entitlements 1.6.0 widened both).
    labels = [
        {**item, "event_id": label}
        for item, label in zip(
            stream, ["op/1", "ops-approval/2026-01-02-01", "review:billing#7"], strict=False
        )
    ]
    cases.append({"group": "edge", "name": "reference-label event ids", "audit": _AUDIT, "events": labels})
    return cases


def lifecycle_cases() -> list[dict[str, Any]]:
    """Every case with Python's answer under ``python`` (copies)."""
    return copy.deepcopy(list(_answered()))
