"""Manual operations -> neutral operator events (example product adapter).

An operator action is what a product's internal ops tool records: which
workspace, which grant, what plan until when, who acted (a desk or role label)
and the approval reference. The adapter only redacts ids; core enforces that
an operator write carries both the operator label and the approval reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from saas_contracts.redaction import Redactor

PROVIDER = "manual"
_KINDS = {"grant": "manual_grant", "extend": "manual_grant", "revoke": "manual_revoke"}


def map_action(action: Mapping[str, Any], *, redactor: Redactor) -> dict[str, Any]:
    """Map one operator action to a neutral manual_grant / manual_revoke event."""
    event: dict[str, Any] = {
        "event_id": redactor.redact("evt", f"{PROVIDER}:{action['request_id']}"),
        "kind": _KINDS[action["action"]],
        "workspace": redactor.redact("ws", str(action["workspace_id"])),
        "record_id": redactor.redact("grant", str(action["grant_id"])),
        "source_kind": action.get("source_kind", "manual_override"),
        "provider": PROVIDER,
        "occurred_at": action["requested_at"],
    }
    renames = {"approval": "approval_ref"}
    for source in ("plan", "ends_at", "operator", "approval", "reason", "effective_at"):
        target = renames.get(source, source)
        if action.get(source) is not None:
            event[target] = action[source]
    return event
