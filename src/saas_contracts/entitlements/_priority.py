"""Source priority: the policy is data, the tie-break chain is fixed.

Among the sources active at ``as_of`` the winner is the one whose kind comes
first in the policy's ``order``; ties are broken by the later
``effective_start``, then the higher ``sequence``, then the smallest
``record_id``. Every step is a total order on distinct records, so the winner
never depends on the order the records were given in.

The policy may also carry the product's ``trial_conversion_grace`` (an ISO 8601
duration of hours and minutes, at most PT72H by the schema; default none):
:func:`conversion_grace_ns` reads it for the decision, which owns the mechanism.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from saas_contracts._time import NS_PER_SECOND, parse_utc_ns
from saas_contracts._validation import ensure_valid
from saas_contracts.entitlements._vocab import POLICY_SCHEMA, SOURCE_KINDS, Record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DEFAULT_POLICY: Final[Mapping[str, Any]] = {"policy": "default", "order": list(SOURCE_KINDS)}
"""manual_override > billing_provider > promotion > trial > default_plan; no trial conversion grace."""

_GRACE: Final = re.compile(r"PT(?:([0-9]+)H)?(?:([0-9]+)M)?\Z", re.ASCII)


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """The winner among active records and the step that decided it."""

    winner: Record
    tie_break: str
    """One of :data:`~saas_contracts.entitlements.TIE_BREAK_STEPS`."""


def policy_rank(policy: Mapping[str, Any]) -> dict[str, int]:
    """Source kind -> rank (0 is highest) for the kinds the policy lists."""
    ensure_valid(policy, POLICY_SCHEMA)
    return {kind: index for index, kind in enumerate(policy["order"])}


def conversion_grace_ns(policy: Mapping[str, Any]) -> int:
    """The policy's trial conversion grace in nanoseconds (0: none); ``policy`` is schema-valid."""
    text = policy.get("trial_conversion_grace")
    match = None if text is None else _GRACE.match(str(text))
    if match is None:
        return 0
    hours, minutes = match.groups()
    return (int(hours or 0) * 60 + int(minutes or 0)) * 60 * NS_PER_SECOND


def _key(record: Record, rank: Mapping[str, int]) -> tuple[int, int, int, str]:
    return (
        rank[record["source_kind"]],
        -parse_utc_ns(record["effective_start"]),
        -int(record["sequence"]),
        str(record["record_id"]),
    )


def resolve(candidates: Iterable[Record], policy: Mapping[str, Any]) -> Resolution | None:
    """Pick the winning record among ``candidates`` (records the policy ranks); None when empty.

    Records whose kind the policy does not list are ignored.
    """
    rank = policy_rank(policy)
    ranked = sorted(
        ((_key(record, rank), record) for record in candidates if record["source_kind"] in rank),
        key=lambda pair: pair[0],
    )
    if not ranked:
        return None
    if len(ranked) == 1:
        return Resolution(winner=ranked[0][1], tie_break="only_candidate")
    (first, winner), (second, _) = ranked[0], ranked[1]
    steps = ("source_priority", "later_effective_start", "higher_sequence", "record_id")
    step = next((name for name, a, b in zip(steps, first, second, strict=True) if a != b), "record_id")
    return Resolution(winner=winner, tie_break=step)
