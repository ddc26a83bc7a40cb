"""A harness that feeds provider payloads through a billing adapter and the writer (adapter tests)."""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any

from tests._support import EXAMPLES
from tests.entitlements._support import REDACTOR, SHA

from saas_contracts._validation import is_valid
from saas_contracts.entitlements import DEFAULT_POLICY, AuditContext, PlanSourceState, apply_event, decide

if TYPE_CHECKING:  # mypy knows the adapters by their repository path
    from examples.billing._neutral import load_product
else:  # at run time tests.entitlements._support puts examples/ on sys.path
    from billing._neutral import load_product

PAYLOADS = EXAMPLES / "billing" / "payloads"
AUDIT = AuditContext(now="2026-06-01T00:00:00Z", commit_sha=SHA)


def load_payloads(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (PAYLOADS / name).read_text().splitlines() if line.strip()]


class Harness:
    """Feeds provider payloads through an adapter and the writer, keeping every outcome."""

    def __init__(self, adapter: Any, product: str) -> None:
        self.adapter = adapter
        self.product = load_product(product)
        self.state = PlanSourceState()
        self.outcomes: list[tuple[str, str]] = []
        self.envelopes: list[dict[str, Any]] = []

    def deliver(self, payload: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {"product": self.product, "redactor": REDACTOR}
        if "current" in inspect.signature(self.adapter.map_event).parameters:
            kwargs["current"] = self.state.records.get
        for event in self.adapter.map_event(payload, **kwargs):
            assert is_valid(event, "entitlements/v1/lifecycle-event"), event["kind"]
            result = apply_event(self.state, event, audit=AUDIT)
            self.outcomes.append((event["kind"], result.outcome))
            if result.envelope is not None:
                self.envelopes.append(result.envelope)

    def decide(self, workspace_id: str, capability: str, as_of: str) -> dict[str, Any]:
        workspace = REDACTOR.redact("ws", workspace_id)
        return decide(
            {
                "workspace": workspace,
                "capability": capability,
                "as_of": as_of,
                "records": self.state.workspace_records(workspace),
                "policy": DEFAULT_POLICY,
                "snapshot": self.product.snapshot,
            }
        )


def check(  # noqa: PLR0913, PLR0917 - one argument per column of the expectation tables
    harness: Harness, workspace: str, capability: str, as_of: str, outcome: str, reason: str, plan: str | None
):
    decision = harness.decide(workspace, capability, as_of)
    assert (decision["outcome"], decision["reason"], decision.get("plan")) == (outcome, reason, plan), as_of


Steps = list[tuple[int, list[tuple[str, str, str, str, str | None]]]]
"""(payloads delivered so far, checks at that point: capability, as_of, outcome, reason, plan)."""


def deliver_in_steps(harness: Harness, payloads: list[dict[str, Any]], steps: Steps, workspace: str) -> None:
    """Deliver ``payloads`` step by step, checking each step's decisions once its payloads are in."""
    delivered = 0
    for upto, checks in steps:
        for payload in payloads[delivered:upto]:
            harness.deliver(payload)
        delivered = upto
        for capability, as_of, outcome, reason, plan in checks:
            check(harness, workspace, capability, as_of, outcome, reason, plan)
