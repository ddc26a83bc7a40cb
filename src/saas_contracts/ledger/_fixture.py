"""Stage runner of ``fixtures/usage-event-ledger.core-fixture.json``.

The fixtures framework (:mod:`saas_contracts.fixtures`) checks the fixture's
constraints and calls :func:`run_stage` for each stage:

* ``event``: validate each candidate event (schema only), compare the
  violations, and the fingerprint or fingerprint equality with another vector;
* ``replay``: replay the lines (after any prior non-dry runs into the same
  index) and compare outcome counts, aggregate rows and writes;
* ``ops-summary``: build the ops summary (optionally with a composed probe
  injected) and check it is written, or refused with no file;
* ``privacy-boundary``: place an allowed value or a composed probe into an
  event, a usage summary or an ops summary and check the core validators
  (schema + privacy scan) allow or reject it.

Probes are stored as fragments and joined here, so the fixture never holds a
forbidden value. Details never echo a probe or an instance value.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._jsonio import loads
from saas_contracts._validation import validate
from saas_contracts.errors import ContractError, ContractViolationError, JSONInputError, PrivacyViolationError
from saas_contracts.fixtures import FixtureContract, VectorOutcome
from saas_contracts.ledger._envelope import event_violations
from saas_contracts.ledger._fingerprint import fingerprint
from saas_contracts.ledger._index import MemoryIndex
from saas_contracts.ledger._ops import build_ops_summary, ensure_public_safe, write_ops_summary
from saas_contracts.ledger._replay import ReplayReport, replay_lines
from saas_contracts.ledger._request import ReplayRequest
from saas_contracts.ledger._summary import SUMMARY_SCHEMA

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

CANDIDATE: Final = "usage-event-ledger"
TARGET_PACKAGE: Final = "cloudflare-saas-core/packages/usage-ledger"
FIXTURE_SCHEMA: Final = "usage-ledger/v1/core-fixture"
REQUIRED_STAGES: Final = ("event", "replay", "ops-summary", "privacy-boundary")


def compose_probe(probe: Mapping[str, Any]) -> str:
    """Join a probe's fragments into the value it stands for."""
    return "".join(str(part) for part in probe["parts"])


def set_pointer(document: object, pointer: str, value: object) -> None:
    """Set ``value`` at an RFC 6901 pointer (the last object key may be new)."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    target: Any = document
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def get_pointer(document: object, pointer: str) -> object:
    """Return the value at an RFC 6901 pointer (``KeyError``/``IndexError`` when absent)."""
    target: Any = document
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        target = target[int(part)] if isinstance(target, list) else target[part]
    return target


def _outcome(stage: str, name: str, problems: list[str]) -> VectorOutcome:
    return VectorOutcome(stage=stage, name=name, passed=not problems, detail="; ".join(problems))


def _event_stage(stage: Mapping[str, Any]) -> list[VectorOutcome]:
    outcomes: list[VectorOutcome] = []
    fingerprints: dict[str, str] = {}
    for vector in stage["vectors"]:
        problems: list[str] = []
        expect = vector["expect"]
        try:
            event = vector["event"] if "event" in vector else loads(vector["line"])
            violations = event_violations(event)
            found = [{"pointer": v.pointer, "keyword": v.keyword} for v in violations]
        except JSONInputError:
            event, found = None, [{"pointer": "", "keyword": "json"}]
        if (not found) != expect["valid"]:
            problems.append(f"expected valid={expect['valid']}, got {len(found)} violation(s)")
        if "violations" in expect and found != expect["violations"]:
            shown = ", ".join(f"{item['pointer'] or '/'} {item['keyword']}" for item in found) or "none"
            problems.append(f"violations differ: got {shown}")
        if not found and isinstance(event, dict):
            fingerprints[vector["name"]] = fingerprint(event)
            if "fingerprint" in expect and fingerprints[vector["name"]] != expect["fingerprint"]:
                problems.append("fingerprint differs from the expected digest")
            other = expect.get("same_fingerprint_as")
            if other is not None and fingerprints.get(other) != fingerprints[vector["name"]]:
                problems.append(f"fingerprint differs from vector {other!r}")
        elif "fingerprint" in expect or "same_fingerprint_as" in expect:
            problems.append("a fingerprint was expected but the event is not valid")
        outcomes.append(_outcome("event", vector["name"], problems))
    return outcomes


def _replay(vector: Mapping[str, Any]) -> ReplayReport:
    request = ReplayRequest.from_json(vector["request"])
    index = MemoryIndex()
    for prior in vector.get("prior_runs", []):
        prior_request = ReplayRequest.from_json({**vector["request"], "dry_run": False})
        replay_lines(prior, prior_request, now=vector["now"], index=index)
    return replay_lines(vector["lines"], request, now=vector["now"], index=index)


def _replay_stage(stage: Mapping[str, Any]) -> list[VectorOutcome]:
    outcomes: list[VectorOutcome] = []
    for vector in stage["vectors"]:
        problems: list[str] = []
        expect = vector["expect"]
        try:
            report = _replay(vector)
        except ContractViolationError as error:
            if expect.get("error") != "request":
                problems.append(f"the request was refused: {error}")
            outcomes.append(_outcome("replay", vector["name"], problems))
            continue
        if expect.get("error") == "request":
            problems.append("expected the request to be refused, but it ran")
        for name, count in sorted(expect["counts"].items()):
            got = report.counts.get(name)
            if got != count:
                problems.append(f"{name}: expected {count}, got {got}")
        if "rows" in expect:
            rows = report.summary().to_json()["rows"]
            if rows != expect["rows"]:
                problems.append(f"aggregate rows differ ({len(rows)} row(s) produced)")
        if "index_written" in expect and report.index_written != expect["index_written"]:
            problems.append(f"index writes: expected {expect['index_written']}, got {report.index_written}")
        outcomes.append(_outcome("replay", vector["name"], problems))
    return outcomes


def _injector(vector: Mapping[str, Any]) -> Callable[[dict[str, Any]], None] | None:
    inject = vector.get("inject")
    if inject is None:
        return None

    def mutate(body: dict[str, Any]) -> None:
        set_pointer(body, inject["pointer"], compose_probe(inject["probe"]))

    return mutate


def _ops_stage(stage: Mapping[str, Any]) -> list[VectorOutcome]:
    outcomes: list[VectorOutcome] = []
    for vector in stage["vectors"]:
        problems: list[str] = []
        expect = vector["expect"]
        report = replay_lines(vector["lines"], ReplayRequest.from_json(vector["request"]), now=vector["now"])
        with tempfile.TemporaryDirectory() as scratch:
            json_path, markdown_path = Path(scratch) / "ops.json", Path(scratch) / "ops.md"
            error_kind = None
            try:
                summary = build_ops_summary(
                    report, commit_sha=vector.get("commit_sha"), mutate=_injector(vector)
                )
                write_ops_summary(summary, json_path, "json")
                write_ops_summary(summary, markdown_path, "markdown")
            except PrivacyViolationError:
                error_kind = "privacy"
            except ContractViolationError:
                error_kind = "contract"
            written = json_path.exists() and markdown_path.exists()
            if written != expect["written"]:
                problems.append(f"expected written={expect['written']}, got {written}")
            if expect.get("error") != error_kind:
                problems.append(f"expected error {expect.get('error')!r}, got {error_kind!r}")
            if written:
                markdown = markdown_path.read_text(encoding="utf-8")
                document = loads(json_path.read_text(encoding="utf-8"))
                problems.extend(
                    f"Markdown lacks expected text #{number}"
                    for number, text in enumerate(expect.get("markdown_contains", []), start=1)
                    if text not in markdown
                )
                for where, value in sorted(expect.get("json", {}).items()):
                    try:
                        got = get_pointer(document, where)
                    except (KeyError, IndexError, ValueError, TypeError):
                        problems.append(f"{where}: missing")
                        continue
                    if got != value:
                        problems.append(f"{where}: value differs")
        outcomes.append(_outcome("ops-summary", vector["name"], problems))
    return outcomes


def _rejected(artifact: str, base: Mapping[str, Any], pointer: str, value: object) -> bool:  # noqa: PLR0911 - one verdict per artifact and check
    if artifact == "event":
        event = copy.deepcopy(dict(base["event"]))
        set_pointer(event, pointer, value)
        if event_violations(event):
            return True
        try:
            ensure_public_safe(event, where="event")
        except PrivacyViolationError:
            return True
        return False
    report = replay_lines(base["lines"], ReplayRequest.from_json(base["request"]), now=base["now"])
    if artifact == "usage-summary":
        document = report.summary().to_json()
        set_pointer(document, pointer, value)
        if validate(document, SUMMARY_SCHEMA):
            return True
        try:
            ensure_public_safe(document, where="usage summary")
        except PrivacyViolationError:
            return True
        return False

    def mutate(body: dict[str, Any]) -> None:
        set_pointer(body, pointer, value)

    try:
        build_ops_summary(report, commit_sha=None, mutate=mutate)
    except (PrivacyViolationError, ContractViolationError):
        return True
    return False


def _privacy_stage(stage: Mapping[str, Any]) -> list[VectorOutcome]:
    outcomes: list[VectorOutcome] = []
    base = stage["base"]
    for vector in stage["vectors"]:
        value = compose_probe(vector["probe"]) if "probe" in vector else vector["value"]
        problems: list[str] = []
        try:
            rejected = _rejected(vector["artifact"], base, vector["pointer"], value)
        except (KeyError, IndexError, TypeError, ValueError, ContractError) as error:
            problems.append(f"could not place the value at {vector['pointer']}: {type(error).__name__}")
        else:
            verdict = "rejected" if rejected else "allowed"
            if verdict != vector["expect"]:
                problems.append(f"expected {vector['expect']}, got {verdict}")
        outcomes.append(_outcome("privacy-boundary", vector["name"], problems))
    return outcomes


_RUNNERS: Final[dict[str, Callable[[Mapping[str, Any]], list[VectorOutcome]]]] = {
    "event": _event_stage,
    "replay": _replay_stage,
    "ops-summary": _ops_stage,
    "privacy-boundary": _privacy_stage,
}


def run_stage(stage_name: str, stage: Mapping[str, Any]) -> list[VectorOutcome]:
    """Run every vector of one stage; an unknown stage is one failing outcome."""
    runner = _RUNNERS.get(stage_name)
    if runner is None:
        return [
            VectorOutcome(
                stage=stage_name, name="(stage)", passed=False, detail="unknown stage for this contract"
            )
        ]
    return runner(stage)


FIXTURE_CONTRACT: Final = FixtureContract(
    candidate=CANDIDATE,
    target_package=TARGET_PACKAGE,
    schema=FIXTURE_SCHEMA,
    required_stages=REQUIRED_STAGES,
    run_stage=run_stage,
)
