"""Shared adapter plumbing: product plan mapping, redaction, timestamps, neutral event assembly."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_contracts import ContractError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from saas_contracts.redaction import Redactor

    CurrentRecord = Callable[[str], Mapping[str, Any] | None]
    """Looks up the product's current plan-source record by record_id (None: unknown)."""

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent


class MappingError(ContractError, LookupError):
    """A provider payload names a price/variant the product does not map."""


@dataclass(frozen=True, kw_only=True)
class ProductPlans:
    """One product's plan mapping (``examples/products/<slug>/entitlements/``)."""

    product: str
    provider_plans: Mapping[str, Mapping[str, str]]
    """provider -> provider price/variant reference -> product plan label."""
    plan_order: tuple[str, ...]
    """Plans from lowest to highest; decides upgrade/downgrade."""
    grace_days: int
    snapshot: Mapping[str, Any]
    """The capability snapshot handed to decisions."""

    def plan_for(self, provider: str, reference: str) -> str:
        """Return the product plan label of a provider price or variant reference."""
        try:
            return self.provider_plans[provider][reference]
        except KeyError:
            msg = f"{self.product}: no plan mapped for a {provider} price reference"
            raise MappingError(msg) from None

    def direction(self, old: str, new: str) -> str:
        """Classify a plan change as upgrade, downgrade or lateral by the product's plan order."""
        old_rank, new_rank = self.plan_order.index(old), self.plan_order.index(new)
        if new_rank > old_rank:
            return "upgrade"
        return "downgrade" if new_rank < old_rank else "lateral"


def load_product(slug: str, root: Path = EXAMPLES) -> ProductPlans:
    """Read ``products/<slug>/entitlements/{plans,capabilities}.json``."""
    folder = root / "products" / slug / "entitlements"
    plans = json.loads((folder / "plans.json").read_text(encoding="utf-8"))
    snapshot = json.loads((folder / "capabilities.json").read_text(encoding="utf-8"))
    return ProductPlans(
        product=slug,
        provider_plans=plans["providers"],
        plan_order=tuple(plans["plan_order"]),
        grace_days=int(plans["grace_days"]),
        snapshot=snapshot,
    )


def load_table(provider: str) -> dict[str, Any]:
    """Read a provider mapping table from ``mappings/<provider>.json``."""
    table: dict[str, Any] = json.loads((HERE / "mappings" / f"{provider}.json").read_text(encoding="utf-8"))
    return table


def from_unix(seconds: int) -> str:
    """Return a UTC timestamp for Unix seconds (Stripe's time format)."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix_ms(milliseconds: int) -> str:
    """Return a UTC timestamp for Unix milliseconds (RevenueCat's time format), exact to the millisecond."""
    seconds, millis = divmod(milliseconds, 1000)
    whole = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{millis:03d}".rstrip("0").rstrip(".") + "Z"


def normalize_iso(text: str) -> str:
    """Return an RFC 3339 provider timestamp in the contract's UTC 'Z' spelling."""
    parsed = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    fraction = f".{parsed.microsecond:06d}".rstrip("0").rstrip(".")
    return parsed.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def is_later(first: str, second: str) -> bool:
    """Tell whether UTC timestamp ``first`` is strictly after ``second``."""
    return dt.datetime.fromisoformat(first) > dt.datetime.fromisoformat(second)


def add_days(timestamp: str, days: int) -> str:
    """Return ``timestamp`` plus whole days (for grace periods)."""
    parsed = dt.datetime.fromisoformat(timestamp) + dt.timedelta(days=days)
    return normalize_iso(parsed.isoformat())


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a neutral event comes from: the raw ids stay here and are redacted on output."""

    provider: str
    provider_event_id: str
    workspace_id: str
    source_id: str
    occurred_at: str


def neutral_event(
    redactor: Redactor, origin: Origin, kind: str, index: int = 0, **fields: object
) -> dict[str, Any]:
    """Assemble one neutral lifecycle event; every raw id is redacted."""
    event: dict[str, Any] = {
        "event_id": redactor.redact("evt", f"{origin.provider}:{origin.provider_event_id}:{index}:{kind}"),
        "kind": kind,
        "workspace": redactor.redact("ws", origin.workspace_id),
        "record_id": redactor.redact("sub", f"{origin.provider}:{origin.source_id}"),
        "source_kind": "billing_provider",
        "provider": origin.provider,
        "occurred_at": origin.occurred_at,
    }
    event.update({key: value for key, value in fields.items() if value is not None})
    return event


def record_id_for(redactor: Redactor, provider: str, source_id: str) -> str:
    """Return the record id the adapter uses for a provider subscription."""
    return redactor.redact("sub", f"{provider}:{source_id}")


class Emitter:
    """Collects the neutral events one provider payload maps to, numbering them in order."""

    def __init__(self, redactor: Redactor, origin: Origin) -> None:
        """Bind to the payload's origin."""
        self.redactor = redactor
        self.origin = origin
        self.events: list[dict[str, Any]] = []

    def __call__(self, kind: str, **fields: object) -> None:
        """Add one neutral event of ``kind`` (fields that are None are left out)."""
        self.events.append(neutral_event(self.redactor, self.origin, kind, len(self.events), **fields))
