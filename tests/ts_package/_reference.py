"""Python's answers for the TypeScript package's tests (packages/contracts/test/).

``python -m tests.ts_package._reference OUT.json`` writes them; the package's vitest run (in
workerd) reads the file and compares its own results vector by vector. Python stays the
reference implementation: every value here comes from ``saas_contracts``.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

from tests._support import ROOT
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, make_event, respelled
from tests.ts_package._decision_cases import INSTANT_REQUESTS, generated, python_result
from tests.ts_package._lifecycle_cases import lifecycle_cases
from tests.ts_package._privacy import reference as privacy_reference

from saas_contracts._digest import canonical_bytes
from saas_contracts._jsonio import dumps_pretty, loads
from saas_contracts._validation import validate
from saas_contracts.entitlements import decide
from saas_contracts.entitlements._fixture import run_stage as run_entitlements_stage
from saas_contracts.errors import ContractViolationError, JSONInputError, PrivacyViolationError
from saas_contracts.ledger import _fingerprint, fingerprint
from saas_contracts.ledger._envelope import event_violations, to_cloudevent
from saas_contracts.ledger._fingerprint import business_content
from saas_contracts.ledger._fixture import _injector, _replay
from saas_contracts.ledger._fixture import run_stage as run_ledger_stage
from saas_contracts.ledger._ops import build_ops_summary
from saas_contracts.ledger._replay import replay_lines
from saas_contracts.ledger._request import ReplayRequest
from saas_contracts.redaction import redact

LEDGER_FIXTURE = ROOT / "fixtures" / "usage-event-ledger.core-fixture.json"
ENTITLEMENTS_FIXTURE = ROOT / "fixtures" / "entitlement-plan-source.core-fixture.json"
# Malformed (and a few accepted) JSON texts: the package's parseStrict must refuse them with
# Python's reason, word for word (replay reports and ops summaries quote it).
JSON_TEXTS = (
    *("{", '{"event_id": ', "", "   ", "[", "]", "[1,]", "[1 2]", '{"a" 1}', '{"a":1,}', '{"a":1 "b":2}'),
    *("{1:2}", '"abc', '"a\\x"', '"\\u12"', '"\\u12G4"', '"\\ud800\\uZZZZ"', '"\\ud800\\u', '"a\tb"'),
    *("nul", "tru", "tRue", "NaN", "[Infinity]", "-Infinity", "-", "-x", "01", "1.", "1.e5", "1e", "1e+"),
    *("[1e400]", '{"a":1}x', '{"a":1} \n x', '\n\n  {"a": [1, 2, {"b": }]}', "\ufeff{}", '{"a":1,"a":2'),
    *('{"a":1,"a":2}', '{"a":{"b":1,"b":2}, "c": NaN}', '[NaN, {"a":1,"a":2}]', '{"\u00e9": "\u00fc" x}'),
    *('"\U0001f600" x', '["\U0001f600", ]', '{"a":"\\ud800"}', "[" * 2000, '{"a":1}\u2028', "[1,\n2,\n,3]"),
    *('"\\', '"abc\\', "[true false]", '{"a":-}', "-0.5e-3x", "[1.5E+2, 3e]"),
    '{"a": [1, {"b": 2}], "c": "d"}',
)


# Key and string orders where UTF-16 code units and integer-like keys part from Python's code point
# order (JS objects enumerate "9" before "10" whatever their insertion), and the layout's edges.
ORDER_TEXTS = [
    "10",
    "9",
    "-1",
    "2",
    "a",
    "B",
    "\U0001f600",
    "\uffff",
    "\ue000",
    "\ud7ff",
    "",
    "a\U0001f600",
    "a\uffff",
]
PRETTY_VALUES: list[Any] = [
    dict.fromkeys(ORDER_TEXTS, 1),
    {"b": {"2": [], "10": {}, "1": [{"x": None, "4294967295": True}]}, "a": ["\u00e9", "\u2028", "\x1f", 0]},
    [],
    {},
    [[], {}, [1, [2]]],
    "text",
]


def _json_reason(text: str) -> str | None:
    try:
        loads(text)
    except JSONInputError as error:
        return str(error)
    return None


def _replay_report(vector: dict[str, Any]) -> dict[str, Any]:
    try:
        return _replay(vector).to_json()
    except ContractViolationError:
        return {"error": "request"}


def _event_lines(ledger: dict[str, Any]) -> list[dict[str, Any]]:
    # Every event vector as one JSON line, replayed (and a few more lines): the reasons of the
    # invalid ones are Python's words. Two runs, so no reason falls beyond the 20 samples kept.
    vectors = _stage(ledger, "event")["vectors"]
    lines = [vector.get("line") or json.dumps(vector["event"]) for vector in vectors]
    extra = ["\ufeff{}", '{"a": 1}', "[]", "5", '"text"', "null", "  ", '{"quantity": {"a": [1, 2.5]}}']
    window = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-31T00:00:00Z"}
    request: dict[str, Any] = {"window": window, "mode": "replay", "dry_run": True}
    request["suppression_threshold"] = 1
    now = "2027-01-01T00:00:00Z"
    runs = []
    for run in (lines, extra):
        report = replay_lines(run, ReplayRequest.from_json(request), now=now)
        runs.append({"lines": run, "request": request, "now": now, "report": report.to_json()})
    return runs


def _ops_summary(vector: dict[str, Any]) -> dict[str, Any]:
    report = replay_lines(vector["lines"], ReplayRequest.from_json(vector["request"]), now=vector["now"])
    try:
        summary = build_ops_summary(report, commit_sha=vector.get("commit_sha"), mutate=_injector(vector))
    except PrivacyViolationError:
        return {"error": "privacy"}
    except ContractViolationError:
        return {"error": "contract"}
    return {output: summary.render(output) for output in summary.formats}


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


def _fingerprint_lines() -> list[dict[str, Any]]:
    # JSON lines a consumer reads: two events respelled (key order reversed, 5 as 5.0, 2**53 - 1)
    # and the head of the example stream (some of its lines are invalid events, some not objects).
    events = [BASE_EVENT, make_event(attributes={"z": "a", "a": "z"}, quantity=2**53 - 1)]
    texts = [respelled(event) for event in events]
    texts += EXAMPLE_EVENTS.read_text(encoding="utf-8").splitlines()[:300]
    lines = []
    for text in texts:
        try:
            value = loads(text)
        except JSONInputError:
            continue
        if isinstance(value, dict):
            canonical = canonical_bytes(business_content(value)).hex()
            lines.append({"text": text, "canonical_hex": canonical, "fingerprint": fingerprint(value)})
    return lines


def _flip_outcome(vector: dict[str, Any]) -> None:
    vector["expect"]["outcome"] = "deny" if vector["expect"]["outcome"] == "allow" else "allow"


def _flip_writer(vector: dict[str, Any]) -> None:
    vector["expect"]["outcome"] = "conflict" if vector["expect"]["outcome"] != "conflict" else "applied"


def _flip_valid(vector: dict[str, Any]) -> None:
    vector["expect"]["valid"] = not vector["expect"]["valid"]


def _one_more_accepted(vector: dict[str, Any]) -> None:
    vector["expect"]["counts"]["accepted"] = vector["expect"]["counts"].get("accepted", 0) + 1


def _no_rows(vector: dict[str, Any]) -> None:
    vector["expect"]["rows"] = []


def _missing_text(vector: dict[str, Any]) -> None:
    vector["expect"]["markdown_contains"].append("Conservation fails")


def _expect_written(vector: dict[str, Any]) -> None:
    vector["expect"].update(written=True, error=None)


def _expect(verdict: str) -> Any:
    def change(vector: dict[str, Any]) -> None:
        vector["expect"] = verdict

    return change


def _first_stale(vector: dict[str, Any]) -> None:
    vector["expect_outcomes"][0] = "stale"


def _one_more_stale(vector: dict[str, Any]) -> None:
    vector["expect"]["stale"] += 1


def _harmless_probe(vector: dict[str, Any]) -> None:
    vector["inject"]["probe"] = {"$concat": ["harm", "less"]}


# One changed expectation (or probe) per stage: the vector must fail, in Python and in the package.
MUTATIONS: dict[str, dict[tuple[str, str], Any]] = {
    "usage-event-ledger": {
        ("event", "valid-envelope"): _flip_valid,
        ("replay", "every-line-one-outcome"): _one_more_accepted,
        ("replay", "small-counts-suppressed"): _no_rows,
        ("ops-summary", "dry-run-summary-written"): _missing_text,
        ("ops-summary", "secret-in-backfill-reference-stops-the-write"): _expect_written,
        ("privacy-boundary", "redacted-subject-allowed"): _expect("rejected"),
        ("privacy-boundary", "raw-account-id-as-subject"): _expect("allowed"),
    },
    "entitlement-plan-source": {
        ("decision", "manual-override-beats-billing"): _flip_outcome,
        ("writer", "purchase-creates-record"): _flip_writer,
        ("billing_lifecycle", "trial-to-expiry-in-order"): _first_stale,
        ("audit", "ops-summary-counts"): _one_more_stale,
        ("audit", "privacy-rejects-customer-id"): _harmless_probe,
    },
}


def _mutations(documents: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    runners = {"usage-event-ledger": run_ledger_stage, "entitlement-plan-source": run_entitlements_stage}
    cases = []
    for candidate, changes in MUTATIONS.items():
        for (stage_name, name), change in changes.items():
            stage = copy.deepcopy(_stage(documents[candidate], stage_name))
            change(next(vector for vector in stage["vectors"] if vector["name"] == name))
            cases.append(
                {
                    "candidate": candidate,
                    "stage": stage_name,
                    "vector": name,
                    "fixture": {"candidate": candidate, "stages": [stage]},
                    "outcomes": [outcome.to_json() for outcome in runners[candidate](stage_name, stage)],
                }
            )
    return cases


def _outcomes(document: dict[str, Any], runner: Any) -> list[dict[str, Any]]:
    return [outcome.to_json() for stage in document["stages"] for outcome in runner(stage["stage"], stage)]


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
                violations = validate(test["data"], name)
                found = [{"pointer": v.pointer, "keyword": v.keyword} for v in violations]
                case = {"schema": name, "data": test["data"], "valid": test["valid"], "violations": found}
                cases.append(case | {"messages": [v.message for v in violations]})
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
        "fingerprint_lines": _fingerprint_lines(),
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
            "usage-event-ledger": _outcomes(ledger, run_ledger_stage),
            "entitlement-plan-source": _outcomes(entitlements, run_entitlements_stage),
        },
        "replays": {vector["name"]: _replay_report(vector) for vector in _stage(ledger, "replay")["vectors"]},
        "ops_summaries": {
            vector["name"]: _ops_summary(vector) for vector in _stage(ledger, "ops-summary")["vectors"]
        },
        "event_lines": _event_lines(ledger),
        "mutations": _mutations({"usage-event-ledger": ledger, "entitlement-plan-source": entitlements}),
        "json_errors": [{"text": text, "reason": _json_reason(text)} for text in JSON_TEXTS],
        "sorted_texts": sorted(ORDER_TEXTS),
        "pretty_json": [
            {"value": value, "text": dumps_pretty(value, final_newline=True)} for value in PRETTY_VALUES
        ],
    }


def write(path: Path) -> None:
    """Write :func:`reference` as JSON to ``path``."""
    path.write_text(json.dumps(reference()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
