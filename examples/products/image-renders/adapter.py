"""Render Studio adapter: D1 ``renders`` rows -> shared usage events.

Product-owned, never imported by core. It decides what counts as usage (a
finished render bills its images, an upscale bills one unit, a failed job bills
nothing), maps the vertical plan slugs to public plan labels, and redacts
every raw id (user, team, job) with the product's redaction key. Storage keys,
provider prediction ids and prompts stay behind. Events are built as the public,
typed ``UsageEvent`` model and handed on as its exact JSON.

Row shape (as D1 returns it; times are Unix seconds)::

    {"id": "rnd_...", "team_id": "team_...", "user_id": "user_...", "kind": "generate" | "upscale",
     "status": "succeeded" | "failed" | "running", "plan_slug": "studio-pro-2026", "model": "...",
     "image_count": 4, "width": 1024, "height": 1024, "r2_output_key": "renders/...",
     "provider_prediction_id": "...", "created_at": 1763719200, "completed_at": 1763719212}
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from saas_contracts.models import to_json
from saas_contracts.models.usage_ledger.v1 import PlanSnapshot, UsageEvent
from saas_contracts.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

PRODUCT: Final = "render-studio"
SOURCE: Final = "renders-d1"
CATALOG_REVISION: Final = "catalog/2026-10"
PLANS: Final[dict[str, tuple[str, str]]] = {
    # vertical plan slug -> (plan_key, public plan label)
    "studio-free": ("studio-free", "free"),
    "studio-pro-2026": ("studio-pro-2026", "pro"),
    "studio-team-annual": ("studio-team-annual", "team"),
}
PLAN_FEATURES: Final[dict[str, dict[str, str]]] = {
    "studio-free": {"resolution": "sd"},
    "studio-pro-2026": {"resolution": "hd"},
    "studio-team-annual": {"resolution": "hd", "seats": "multi"},
}
EVENT_TYPES: Final = {"generate": "render.images_generated", "upscale": "render.upscaled"}


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _size_class(width: int, height: int) -> str:
    pixels = width * height
    return "large" if pixels > 1_500_000 else "medium" if pixels > 500_000 else "small"


def event(row: Mapping[str, Any], *, key: bytes) -> UsageEvent | None:
    """Return the usage event of one render row as a model (None for unfinished or failed jobs)."""
    if row["status"] != "succeeded":
        return None
    event_type = EVENT_TYPES[row["kind"]]
    plan_key, plan_label = PLANS[row["plan_slug"]]
    job = redact("render", row["id"], key=key)
    return UsageEvent(
        event_id=redact("evt", f"{row['id']}:{event_type}", key=key),
        event_type=event_type,
        subject=redact("team", row["team_id"], key=key),
        plan=PlanSnapshot(
            plan_key=plan_key,
            plan_label=plan_label,
            catalog_revision=CATALOG_REVISION,
            captured_at=_utc(row["created_at"]),
            features=dict(PLAN_FEATURES[row["plan_slug"]]),
        ),
        quantity=row["image_count"] if row["kind"] == "generate" else 1,
        occurred_at=_utc(row["completed_at"]),
        recorded_at=_utc(row["completed_at"] + 1),
        source=SOURCE,
        idempotency_key=f"{event_type}:{job}",
        attributes={"size": _size_class(row["width"], row["height"])},
    )


def adapt(row: Mapping[str, Any], *, key: bytes) -> list[dict[str, Any]]:
    """Return the usage events of one render row as JSON (none for unfinished or failed jobs)."""
    built = event(row, key=key)
    return [] if built is None else [to_json(built)]


def adapt_rows(rows: Iterable[Mapping[str, Any]], *, key: bytes) -> Iterator[dict[str, Any]]:
    """Every usage event of a sequence of rows, in row order."""
    for row in rows:
        yield from adapt(row, key=key)
