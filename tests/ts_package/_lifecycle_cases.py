"""Lifecycle streams with Python's apply results: what the TypeScript ``applyEvents`` is held to.

Every writer vector of the entitlements core fixture (one event onto its state, audited), every
billing_lifecycle and event-bearing audit stream in delivery order, the ``converges`` streams
reversed and in every rotation, and seeded random permutations of every stream and of all
streams together. tests/ts_package/_reference.py hands them to the package's workerd tests
(packages/contracts/test/workerd.test.ts), which require the same outcome per event (detail
included), the same state document and the same write envelopes.
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
            item["violations"] = [{"pointer": v["pointer"], "keyword": v["keyword"]} for v in item["violations"]]
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
    rng = random.Random(SEED)
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
    return tuple(cases)


def lifecycle_cases() -> list[dict[str, Any]]:
    """Every case with Python's answer under ``python``."""
    return [{**case, "python": python_apply(case)} for case in _cases()]
