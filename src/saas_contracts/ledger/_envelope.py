"""The usage event envelope: schema names, time rules, validation, CloudEvents mapping.

Validation has two layers. The schema (``usage-ledger/v1/event``) checks
shape. The time rules check an event against the evaluation instant ``now``
(an argument; the core never reads the clock):

* ``occurred_at`` or ``recorded_at`` later than ``now + clock_skew``: invalid;
* ``recorded_at`` earlier than ``occurred_at - clock_skew``: invalid;
* ``plan.captured_at`` later than ``occurred_at + clock_skew``: invalid (the
  snapshot must be the plan *at submission*);
* ``recorded_at - occurred_at > late_after``: late; the late policy decides
  whether it is accepted (and counted in ``late_accepted``) or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from saas_contracts._time import NS_PER_SECOND, parse_utc_ns
from saas_contracts._validation import validate
from saas_contracts.errors import ContractViolationError, Violation, sorted_violations
from saas_contracts.models._core import as_json

if TYPE_CHECKING:
    from collections.abc import Mapping

EVENT_SCHEMA: Final = "usage-ledger/v1/event"
CLOUDEVENT_SCHEMA: Final = "usage-ledger/v1/cloudevent"
EVENT_SCHEMA_ID: Final = "https://saas-contracts.dev/schemas/usage-ledger/v1/event.schema.json"
CLOUDEVENT_SOURCE_PREFIX: Final = "/usage-ledger/"
TIME_RULE: Final = "usage-ledger/time-rules"

LatePolicy = Literal["accept", "reject"]


@dataclass(frozen=True, kw_only=True)
class TimeRules:
    """How event times are judged (all in seconds; see the module docstring)."""

    clock_skew_seconds: int = 300
    late_after_seconds: int = 259_200
    late_policy: LatePolicy = "accept"

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TimeRules:
        """Build from the ``time_rules`` object of a replay request (defaults for what is absent)."""
        data = data or {}
        default = cls()
        return cls(
            clock_skew_seconds=int(data.get("clock_skew_seconds", default.clock_skew_seconds)),
            late_after_seconds=int(data.get("late_after_seconds", default.late_after_seconds)),
            late_policy=data.get("late_policy", default.late_policy),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the ``time_rules`` object, every field spelled out."""
        return {
            "clock_skew_seconds": self.clock_skew_seconds,
            "late_after_seconds": self.late_after_seconds,
            "late_policy": self.late_policy,
        }

    @property
    def skew_ns(self) -> int:
        """Clock skew in nanoseconds."""
        return self.clock_skew_seconds * NS_PER_SECOND

    @property
    def late_ns(self) -> int:
        """Lateness threshold in nanoseconds."""
        return self.late_after_seconds * NS_PER_SECOND


def time_violations(
    *,
    occurred: int,
    recorded: int,
    captured: int,
    now: int,
    rules: TimeRules,
) -> tuple[Violation, ...]:
    """Time-rule violations of one schema-valid event (instants in nanoseconds)."""
    skew = rules.skew_ns
    found: list[Violation] = []

    def add(where: str, message: str) -> None:
        found.append(Violation(pointer=where, keyword="time", rule=TIME_RULE, message=message))

    if occurred > now + skew:
        add("/occurred_at", "is in the future beyond the allowed clock skew")
    if recorded > now + skew:
        add("/recorded_at", "is in the future beyond the allowed clock skew")
    if recorded < occurred - skew:
        add("/recorded_at", "precedes occurred_at by more than the allowed clock skew")
    if captured > occurred + skew:
        add(
            "/plan/captured_at",
            "follows occurred_at by more than the allowed clock skew (not a plan-at-submission)",
        )
    return tuple(found)


def is_late(*, occurred: int, recorded: int, rules: TimeRules) -> bool:
    """Return True when the event was recorded more than ``late_after`` after it occurred."""
    return recorded - occurred > rules.late_ns


def event_violations(
    event: object, *, now: int | None = None, rules: TimeRules | None = None
) -> tuple[Violation, ...]:
    """Every violation of ``event``: schema first; the time rules too when ``now`` is given.

    ``now`` is nanoseconds since the epoch (see :func:`saas_contracts.ledger.parse_utc_ns`).
    ``event`` is parsed JSON or a :class:`saas_contracts.models.usage_ledger.v1.UsageEvent`
    (checked as its exact JSON, ``to_json(event)``).
    """
    event = as_json(event)
    violations = validate(event, EVENT_SCHEMA)
    if violations or now is None:
        return violations
    assert isinstance(event, dict)  # noqa: S101 - the schema guarantees an object
    return sorted_violations(
        time_violations(
            occurred=parse_utc_ns(event["occurred_at"]),
            recorded=parse_utc_ns(event["recorded_at"]),
            captured=parse_utc_ns(event["plan"]["captured_at"]),
            now=now,
            rules=rules or TimeRules(),
        ),
    )


def ensure_event(event: object, *, now: int | None = None, rules: TimeRules | None = None) -> None:
    """Raise :class:`ContractViolationError` unless ``event`` passes :func:`event_violations`."""
    violations = event_violations(event, now=now, rules=rules)
    if violations:
        raise ContractViolationError(EVENT_SCHEMA, violations)


_DATA_FIELDS: Final = ("plan", "quantity", "recorded_at", "idempotency_key", "attributes")


def to_cloudevent(event: Mapping[str, Any]) -> dict[str, Any]:
    """Return the CloudEvents 1.0 structured JSON form of a valid usage event (lossless)."""
    data = {name: event[name] for name in _DATA_FIELDS if name in event}
    return {
        "specversion": "1.0",
        "id": event["event_id"],
        "source": CLOUDEVENT_SOURCE_PREFIX + event["source"],
        "type": event["event_type"],
        "subject": event["subject"],
        "time": event["occurred_at"],
        "datacontenttype": "application/json",
        "dataschema": EVENT_SCHEMA_ID,
        "data": data,
    }


def from_cloudevent(cloudevent: Mapping[str, Any]) -> dict[str, Any]:
    """Return the usage event carried by a CloudEvent made by :func:`to_cloudevent`.

    Raises :class:`ContractViolationError` when the CloudEvent does not satisfy
    ``usage-ledger/v1/cloudevent``.
    """
    violations = validate(cloudevent, CLOUDEVENT_SCHEMA)
    if violations:
        raise ContractViolationError(CLOUDEVENT_SCHEMA, violations)
    data = cloudevent["data"]
    event: dict[str, Any] = {
        "event_id": cloudevent["id"],
        "event_type": cloudevent["type"],
        "subject": cloudevent["subject"],
        "plan": data["plan"],
        "quantity": data["quantity"],
        "occurred_at": cloudevent["time"],
        "recorded_at": data["recorded_at"],
        "source": cloudevent["source"].removeprefix(CLOUDEVENT_SOURCE_PREFIX),
        "idempotency_key": data["idempotency_key"],
    }
    if "attributes" in data:
        event["attributes"] = data["attributes"]
    return event
