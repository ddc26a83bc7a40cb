"""SARIF 2.1.0 for privacy findings: rules from the rule file, JSON Pointers as logical locations.

No result carries a snippet or the matched text: messages hold the masked
preview only, exactly as the text and JSON reports do. A log of a bounded scan
says how many results were left out: one ``toolExecutionNotifications`` entry
of its invocation, and the totals in the run's ``properties``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Final

from saas_contracts.privacy._rules import BUDGET_RULE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from saas_contracts.privacy._rules import RuleSet
    from saas_contracts.privacy._scanner import Finding

SARIF_VERSION: Final = "2.1.0"
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME: Final = "saas-contracts-privacy"
TOOL_URI: Final = "https://saas-contracts.dev/privacy"


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": f"{rule.family}: {rule.id}"},
        "fullDescription": {"text": rule.description},
        "defaultConfiguration": {"level": "error"},
        "properties": {"family": rule.family, "target": rule.target, "tags": ["privacy", rule.family]},
    }


def _fingerprint(uri: str, finding: Finding) -> str:
    material = f"{uri}\n{finding.line or 0}\n{finding.pointer}\n{finding.target}\n{finding.rule_id}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def sarif_log(
    results: Sequence[tuple[str, Finding]],
    rules: RuleSet,
    *,
    artifacts: Sequence[str] = (),
    omitted: int = 0,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log for ``(artifact uri, finding)`` pairs scanned with ``rules``.

    ``omitted`` counts findings of the scan left out of ``results`` (a bounded
    report): when positive, the run's invocation carries a warning notification
    saying so.
    """
    from saas_contracts import __version__  # noqa: PLC0415 - the package imports this module

    every = tuple(rules)
    if any(finding.rule_id == BUDGET_RULE.id for _, finding in results):
        every = (*every, BUDGET_RULE)  # the engine's own rule, last, only in a log that uses it
    descriptors = [_rule_descriptor(rule) for rule in every]
    index = {rule.id: position for position, rule in enumerate(every)}
    sarif_results = []
    for uri, finding in results:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        if finding.line is not None:
            physical["region"] = {"startLine": finding.line}
        kind = "property" if finding.target == "key" else "value"
        sarif_results.append(
            {
                "ruleId": finding.rule_id,
                "ruleIndex": index[finding.rule_id],
                "level": "error",
                "kind": "fail",
                "message": {
                    "text": (
                        f"{finding.family} ({finding.rule_id}) in {finding.target} at "
                        f"{finding.pointer or '/'} (view {finding.view}): {finding.preview}"
                    ),
                },
                "locations": [
                    {
                        "physicalLocation": physical,
                        "logicalLocations": [
                            {
                                "fullyQualifiedName": finding.pointer,
                                "name": finding.pointer or "/",
                                "kind": kind,
                            },
                        ],
                    },
                ],
                "partialFingerprints": {"privacyFinding/v1": _fingerprint(uri, finding)},
                "properties": {"view": finding.view, "target": finding.target, "family": finding.family},
            },
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": descriptors,
                "properties": {"rulesVersion": rules.version, "rulesDigest": rules.digest},
            },
        },
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    if omitted > 0:
        run["invocations"] = [_truncation_invocation(len(sarif_results), omitted)]
        run["properties"] = {"resultsTotal": len(sarif_results) + omitted, "resultsOmitted": omitted}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _truncation_invocation(kept: int, omitted: int) -> dict[str, Any]:
    text = (
        f"{omitted} more finding{'s' if omitted != 1 else ''} left out of this log "
        f"(the first {kept} are listed); rerun 'saas-contracts scan' with --max-samples 0 to list all"
    )
    return {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"descriptor": {"id": "results-truncated"}, "level": "warning", "message": {"text": text}},
        ],
    }
