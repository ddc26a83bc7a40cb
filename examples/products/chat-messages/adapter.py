"""Chat Desk adapter: D1 ``messages`` rows -> shared usage events.

Product-owned, never imported by core. A user message counts one
``chat.message_sent``; an assistant message counts its completion tokens as
``chat.tokens_generated``; system messages are free. Tier names ("Starter",
"Team", "Business") map to public plan labels; the tier version at send time
is the catalog revision. Account, conversation and message ids are redacted;
gateway log ids and message text never leave the product. Events are built as the
public, typed ``UsageEvent`` model and handed on as its exact JSON.

Row shape (as D1 returns it; SQLite ``datetime()`` text in UTC)::

    {"message_id": 981234, "conversation_id": "conv_...", "account_id": "acct_...",
     "author_user_id": 771, "role": "user" | "assistant" | "system", "model": "...",
     "prompt_tokens": 312, "completion_tokens": 845, "tier": "Team", "tier_version": 7,
     "sent_at": "2026-11-21 10:00:00", "inserted_at": "2026-11-21 10:00:02",
     "gateway_log_id": "...", "body": "..."}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from saas_contracts.models import to_json
from saas_contracts.models.usage_ledger.v1 import PlanSnapshot, UsageEvent
from saas_contracts.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

PRODUCT: Final = "chat-desk"
SOURCE: Final = "messages-d1"
TIERS: Final[dict[str, tuple[str, str]]] = {
    # vertical tier name -> (plan_key, public plan label)
    "Starter": ("starter", "free"),
    "Team": ("team-seat", "team"),
    "Business": ("business-seat", "business"),
}


def _utc(sqlite_text: str) -> str:
    # SQLite datetime('now') text is UTC "YYYY-MM-DD HH:MM:SS".
    return sqlite_text.replace(" ", "T", 1) + "Z"


def event(row: Mapping[str, Any], *, key: bytes) -> UsageEvent | None:
    """Return the usage event of one message row as a model (None for system messages)."""
    if row["role"] == "user":
        event_type, quantity = "chat.message_sent", 1
    elif row["role"] == "assistant":
        event_type, quantity = "chat.tokens_generated", int(row["completion_tokens"])
    else:
        return None
    plan_key, plan_label = TIERS[row["tier"]]
    message = redact("msg", str(row["message_id"]), key=key)
    return UsageEvent(
        event_id=redact("evt", f"{row['message_id']}:{event_type}", key=key),
        event_type=event_type,
        subject=redact("acct", row["account_id"], key=key),
        plan=PlanSnapshot(
            plan_key=plan_key,
            plan_label=plan_label,
            catalog_revision=f"tiers/v{int(row['tier_version'])}",
            captured_at=_utc(row["sent_at"]),
        ),
        quantity=quantity,
        occurred_at=_utc(row["sent_at"]),
        recorded_at=_utc(row["inserted_at"]),
        source=SOURCE,
        idempotency_key=f"{event_type}:{message}",
    )


def adapt(row: Mapping[str, Any], *, key: bytes) -> list[dict[str, Any]]:
    """Return the usage events of one message row as JSON (none for system messages)."""
    built = event(row, key=key)
    return [] if built is None else [to_json(built)]


def adapt_rows(rows: Iterable[Mapping[str, Any]], *, key: bytes) -> Iterator[dict[str, Any]]:
    """Every usage event of a sequence of rows, in row order."""
    for row in rows:
        yield from adapt(row, key=key)
