"""Stage checks of ``fixtures/usage-event-ledger.core-fixture.json``.

The harness (:mod:`saas_contracts._fixture_harness`) runs every vector of a
stage through the check this module registers for it in :data:`CHECKS`:

* ``event``: validate each candidate event (schema only), compare the
  violations, and the fingerprint or fingerprint equality with another vector;
* ``replay``: replay the lines (after any prior non-dry runs into the same
  index) and compare outcome counts, aggregate rows and writes;
* ``ops-summary``: build the ops summary (optionally with a composed probe
  injected) and check it is written, or refused with no file;
* ``privacy-boundary``: place an allowed value or a composed probe into an
  event, a usage summary or an ops summary and check the core validators
  (schema + privacy scan) allow or reject it.

Probes are stored split (``{"$concat": [...]}``, see :mod:`saas_contracts._fragments`)
and joined by the harness, so the fixture never holds a forbidden value. Details
never echo a probe or an instance value.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._fixture_harness import FixtureContract, StageRun, VectorOutcome, compose, place
from saas_contracts._jsonio import loads
from saas_contracts._ops import write_ops_summary
from saas_contracts._pointer import resolve_pointer
from saas_contracts._validation import validate
from saas_contracts.errors import ContractViolationError, JSONInputError, PrivacyViolationError
from saas_contracts.ledger._envelope import event_violations
from saas_contracts.ledger._fingerprint import fingerprint
from saas_contracts.ledger._index import MemoryIndex
from saas_contracts.ledger._ops import build_ops_summary
from saas_contracts.ledger._replay import replay_lines
from saas_contracts.ledger._request import ReplayRequest
from saas_contracts.ledger._summary import SUMMARY_SCHEMA
from saas_contracts.privacy import assert_public_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from saas_contracts._fixture_harness import Check
    from saas_contracts.ledger._report import ReplayReport

__all__ = ["CANDIDATE", "CHECKS", "FIXTURE_CONTRACT", "FIXTURE_SCHEMA", "TARGET_PACKAGE", "run_stage"]

CANDIDATE: Final = "usage-event-ledger"
TARGET_PACKAGE: Final = "cloudflare-saas-core/packages/usage-ledger"
FIXTURE_SCHEMA: Final = "usage-ledger/v1/core-fixture"


def _check_event(vector: Mapping[str, Any], run: StageRun) -> Iterator[str]:
    fingerprints: dict[str, str] = run.shared.setdefault("fingerprints", {})
    expect = vector["expect"]
    try:
        event = vector["event"] if "event" in vector else loads(vector["line"])
        found = [{"pointer": v.pointer, "keyword": v.keyword} for v in event_violations(event)]
    except JSONInputError:
        event, found = None, [{"pointer": "", "keyword": "json"}]
    if (not found) != expect["valid"]:
        yield f"expected valid={expect['valid']}, got {len(found)} violation(s)"
    if "violations" in expect and found != expect["violations"]:
        shown = ", ".join(f"{item['pointer'] or '/'} {item['keyword']}" for item in found) or "none"
        yield f"violations differ: got {shown}"
    if not found and isinstance(event, dict):
        fingerprints[vector["name"]] = fingerprint(event)
        if "fingerprint" in expect and fingerprints[vector["name"]] != expect["fingerprint"]:
            yield "fingerprint differs from the expected digest"
        other = expect.get("same_fingerprint_as")
        if other is not None and fingerprints.get(other) != fingerprints[vector["name"]]:
            yield f"fingerprint differs from vector {other!r}"
    elif "fingerprint" in expect or "same_fingerprint_as" in expect:
        yield "a fingerprint was expected but the event is not valid"


def _replay(vector: Mapping[str, Any]) -> ReplayReport:
    request = ReplayRequest.from_json(vector["request"])
    index = MemoryIndex()
    for prior in vector.get("prior_runs", []):
        prior_request = ReplayRequest.from_json({**vector["request"], "dry_run": False})
        replay_lines(prior, prior_request, now=vector["now"], index=index)
    return replay_lines(vector["lines"], request, now=vector["now"], index=index)


def _check_replay(vector: Mapping[str, Any], _run: StageRun) -> Iterator[str]:
    expect = vector["expect"]
    try:
        report = _replay(vector)
    except ContractViolationError as error:
        if expect.get("error") != "request":
            yield f"the request was refused: {error}"
        return
    if expect.get("error") == "request":
        yield "expected the request to be refused, but it ran"
    for name, count in sorted(expect["counts"].items()):
        got = report.counts.get(name)
        if got != count:
            yield f"{name}: expected {count}, got {got}"
    if "rows" in expect:
        rows = report.summary().to_json()["rows"]
        if rows != expect["rows"]:
            yield f"aggregate rows differ ({len(rows)} row(s) produced)"
    if "index_written" in expect and report.index_written != expect["index_written"]:
        yield f"index writes: expected {expect['index_written']}, got {report.index_written}"


def _injector(vector: Mapping[str, Any]) -> Callable[[dict[str, Any]], None] | None:
    inject = vector.get("inject")
    if inject is None:
        return None

    def mutate(body: dict[str, Any]) -> None:
        place(body, inject["pointer"], compose(inject["probe"]))

    return mutate


def _written_problems(expect: Mapping[str, Any], json_path: Path, markdown_path: Path) -> Iterator[str]:
    markdown = markdown_path.read_text(encoding="utf-8")
    document = loads(json_path.read_text(encoding="utf-8"))
    for number, text in enumerate(expect.get("markdown_contains", []), start=1):
        if text not in markdown:
            yield f"Markdown lacks expected text #{number}"
    for where, value in sorted(expect.get("json", {}).items()):
        try:
            got = resolve_pointer(document, where)
        except (LookupError, ValueError):
            yield f"{where}: missing"
            continue
        if got != value:
            yield f"{where}: value differs"


def _check_ops_summary(vector: Mapping[str, Any], _run: StageRun) -> list[str]:
    expect = vector["expect"]
    report = replay_lines(vector["lines"], ReplayRequest.from_json(vector["request"]), now=vector["now"])
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        json_path, markdown_path = Path(scratch) / "ops.json", Path(scratch) / "ops.md"
        error_kind = None
        try:
            summary = build_ops_summary(report, commit_sha=vector.get("commit_sha"), mutate=_injector(vector))
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
            problems.extend(_written_problems(expect, json_path, markdown_path))
    return problems


def _rejected(artifact: str, base: Mapping[str, Any], pointer: str, value: object) -> bool:  # noqa: PLR0911 - one verdict per artifact and check
    if artifact == "event":
        event = copy.deepcopy(dict(base["event"]))
        place(event, pointer, value)
        if event_violations(event):
            return True
        try:
            assert_public_safe(event)
        except PrivacyViolationError:
            return True
        return False
    report = replay_lines(base["lines"], ReplayRequest.from_json(base["request"]), now=base["now"])
    if artifact == "usage-summary":
        document = report.summary().to_json()
        place(document, pointer, value)
        if validate(document, SUMMARY_SCHEMA):
            return True
        try:
            assert_public_safe(document)
        except PrivacyViolationError:
            return True
        return False

    def mutate(body: dict[str, Any]) -> None:
        place(body, pointer, value)

    try:
        build_ops_summary(report, commit_sha=None, mutate=mutate)
    except (PrivacyViolationError, ContractViolationError):
        return True
    return False


def _check_privacy_boundary(vector: Mapping[str, Any], run: StageRun) -> Iterator[str]:
    value = compose(vector["probe"]) if "probe" in vector else vector["value"]
    rejected = _rejected(vector["artifact"], run.stage["base"], vector["pointer"], value)
    verdict = "rejected" if rejected else "allowed"
    if verdict != vector["expect"]:
        yield f"expected {vector['expect']}, got {verdict}"


CHECKS: Final[Mapping[str, Check]] = {
    "event": _check_event,
    "replay": _check_replay,
    "ops-summary": _check_ops_summary,
    "privacy-boundary": _check_privacy_boundary,
}
"""Stage name -> check; the fixture's required stages are exactly these."""

FIXTURE_CONTRACT: Final = FixtureContract(
    candidate=CANDIDATE, target_package=TARGET_PACKAGE, schema=FIXTURE_SCHEMA, checks=CHECKS
)


def run_stage(stage_name: str, stage: Mapping[str, Any]) -> list[VectorOutcome]:
    """Run every vector of one stage through the harness (one outcome per vector)."""
    return FIXTURE_CONTRACT.run_stage(stage_name, stage)
