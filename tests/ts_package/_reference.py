"""Python's answers for the TypeScript package's tests (packages/contracts/test/).

``python -m tests.ts_package._reference OUT.json`` writes them; the package's vitest run (in
workerd) reads the file and compares its own results vector by vector. Python stays the
reference implementation: every value here comes from ``saas_contracts``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from tests._support import ROOT
from tests.ts_package._decision_cases import INSTANT_REQUESTS, generated, python_result
from tests.ts_package._lifecycle_cases import lifecycle_cases
from tests.ts_package._privacy import reference as privacy_reference

from saas_contracts._digest import canonical_bytes
from saas_contracts._jsonio import loads
from saas_contracts._validation import validate
from saas_contracts.entitlements import decide
from saas_contracts.entitlements._fixture import run_stage as run_entitlements_stage
from saas_contracts.errors import JSONInputError
from saas_contracts.ledger import _fingerprint, fingerprint
from saas_contracts.ledger._envelope import event_violations, to_cloudevent
from saas_contracts.ledger._fingerprint import business_content
from saas_contracts.ledger._fixture import run_stage as run_ledger_stage
from saas_contracts.redaction import redact

LEDGER_FIXTURE = ROOT / "fixtures" / "usage-event-ledger.core-fixture.json"
ENTITLEMENTS_FIXTURE = ROOT / "fixtures" / "entitlement-plan-source.core-fixture.json"
CHECKED_STAGES = {
    "usage-event-ledger": ("event",),
    "entitlement-plan-source": ("decision", "writer", "billing_lifecycle"),
}


def _stage(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(stage for stage in document["stages"] if stage["stage"] == name)


_STAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?Z\Z", re.ASCII
)


def _millisecond(stamp: str) -> str:
    # The fingerprint instant rule, spelled out independently of saas_contracts (test oracle).
    found = _STAMP.match(stamp)
    if found is None:
        return stamp
    fraction = (found.group(2) or "")[:3].rstrip("0")
    return f"{found.group(1)}.{fraction}Z" if fraction else f"{found.group(1)}Z"


def _millisecond_event(event: dict[str, Any]) -> dict[str, Any]:
    plan = {**event["plan"], "captured_at": _millisecond(event["plan"]["captured_at"])}
    return {**event, "occurred_at": _millisecond(event["occurred_at"]), "plan": plan}


def _event_result(vector: dict[str, Any]) -> dict[str, Any]:
    try:
        event = vector["event"] if "event" in vector else loads(vector["line"])
    except JSONInputError:
        return {"valid": False, "violations": [{"pointer": "", "keyword": "json"}], "fingerprint": None}
    found = [{"pointer": v.pointer, "keyword": v.keyword} for v in event_violations(event)]
    result: dict[str, Any] = {"valid": not found, "violations": found, "fingerprint": None}
    if not found:
        result["fingerprint"] = fingerprint(event)
        # Equal to "fingerprint" from fingerprint v2 on; before it, what v2 will give.
        result["millisecond_fingerprint"] = fingerprint(_millisecond_event(event))
        result["canonical_hex"] = canonical_bytes(business_content(event)).hex()
        result["cloudevent"] = to_cloudevent(event)
    return result


def _outcomes(document: dict[str, Any], runner: Any, stages: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        outcome.to_json()
        for stage in document["stages"]
        if stage["stage"] in stages
        for outcome in runner(stage["stage"], stage)
    ]


_BASE = "https://saas-contracts.dev/schemas/"


def _schema_cases() -> list[dict[str, Any]]:
    # The shared agreement cases that target a whole packaged schema (the TS validators are per root).
    cases = []
    for path in sorted((ROOT / "tests" / "cases" / "schemas").glob("*.json")):
        for group in json.loads(path.read_text(encoding="utf-8")):
            ref = group["schema"]["$ref"]
            if "#" in ref or not ref.startswith(_BASE):
                continue
            name = ref.removeprefix(_BASE).removesuffix(".schema.json")
            for test in group["tests"]:
                found = [{"pointer": v.pointer, "keyword": v.keyword} for v in validate(test["data"], name)]
                cases.append(
                    {"schema": name, "data": test["data"], "valid": test["valid"], "violations": found}
                )
    return cases


def reference() -> dict[str, Any]:
    """Every answer the TypeScript tests compare with."""
    ledger = json.loads(LEDGER_FIXTURE.read_text(encoding="utf-8"))
    entitlements = json.loads(ENTITLEMENTS_FIXTURE.read_text(encoding="utf-8"))
    redaction = json.loads((ROOT / "tests" / "cases" / "redaction-vectors.json").read_text(encoding="utf-8"))
    key = bytes.fromhex(redaction["key_hex"])
    return {
        # 1 before the instant rule (fingerprint v2) reached this checkout.
        "fingerprint_version": getattr(_fingerprint, "FINGERPRINT_VERSION", 1),
        "events": {vector["name"]: _event_result(vector) for vector in _stage(ledger, "event")["vectors"]},
        "decisions": {
            vector["name"]: decide(vector["request"])
            for vector in _stage(entitlements, "decision")["vectors"]
        },
        "generated": [{"request": request, "result": python_result(request)} for request in generated()],
        "instant_requests": [
            {"request": request, "result": python_result(request)} for request in INSTANT_REQUESTS
        ],
        "schema_cases": _schema_cases(),
        "lifecycle": lifecycle_cases(),
        "redaction": {
            "key_hex": redaction["key_hex"],
            "vectors": [
                {**vector, "python": redact(vector["kind"], vector["raw_id"], key=key)}
                for vector in redaction["vectors"]
            ],
        },
        "privacy": privacy_reference(),
        "outcomes": {
            "usage-event-ledger": _outcomes(ledger, run_ledger_stage, CHECKED_STAGES["usage-event-ledger"]),
            "entitlement-plan-source": _outcomes(
                entitlements, run_entitlements_stage, CHECKED_STAGES["entitlement-plan-source"]
            ),
        },
    }


def write(path: Path) -> None:
    """Write :func:`reference` as JSON to ``path``."""
    path.write_text(json.dumps(reference()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
