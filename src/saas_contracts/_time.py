"""UTC timestamps as integer nanoseconds since the Unix epoch.

The contract's timestamps are ``YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`` (see
``common/v1/common#/$defs/utc_timestamp``); comparing integers keeps nine
fractional digits exact, which floats and ``datetime`` (microseconds) do not.
Validity matches the reference ``date-time`` check: no year 0, no day past the
end of its month, no leap second.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime

NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z\Z", re.ASCII)


@functools.lru_cache(maxsize=8192)
def _day_start_ns(day: str) -> int:
    # date() raises ValueError for year 0, month 13, February 30 ...
    ordinal = date(int(day[0:4]), int(day[5:7]), int(day[8:10])).toordinal()
    return (ordinal - _EPOCH_ORDINAL) * NS_PER_DAY


_MINUTES: dict[str, int] = {}
_MINUTES_MAX = 1 << 17  # ~3 months of distinct minutes; cleared when full


def parse_utc_ns_unchecked(text: str) -> int:
    """Nanoseconds for a string already known to have the timestamp shape.

    Raises :class:`ValueError` for an impossible date or time. This is the
    replay's hot path: the start of each ``YYYY-MM-DDTHH:MM`` minute is
    memoized in a bounded dict (only valid minutes are stored).
    """
    minute = _MINUTES.get(text[:16])
    if minute is None:
        hour, minutes = int(text[11:13]), int(text[14:16])
        if hour > 23 or minutes > 59:
            msg = "time of day out of range"
            raise ValueError(msg)
        minute = _day_start_ns(text[:10]) + (hour * 3600 + minutes * 60) * NS_PER_SECOND
        if len(_MINUTES) >= _MINUTES_MAX:
            _MINUTES.clear()
        _MINUTES[text[:16]] = minute
    second = int(text[17:19])
    if second > 59:
        msg = "time of day out of range"
        raise ValueError(msg)
    if len(text) == 20:
        return minute + second * NS_PER_SECOND
    return minute + second * NS_PER_SECOND + int(text[20:-1].ljust(9, "0"))


_PARSED: dict[str, int] = {}
_PARSED_MAX = (
    1 << 14
)  # the instants a fold reads again and again (an event's, its record's); cleared when full


def parse_utc_ns(text: object) -> int:
    """Nanoseconds since the epoch for a contract UTC timestamp; :class:`ValueError` otherwise.

    The last few thousand distinct timestamps parsed are memoized (only valid ones), since the lifecycle
    fold reads the same instants several times per event.
    """
    if type(text) is str:
        known = _PARSED.get(text)
        if known is not None:
            return known
    if not isinstance(text, str) or not _SHAPE.match(text):
        msg = "not a UTC timestamp of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z"
        raise ValueError(msg)
    nanos = parse_utc_ns_unchecked(text)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[text] = nanos
    return nanos


def format_utc_ns(nanos: int) -> str:
    """Return the contract spelling of an instant (fraction only when non-zero, trailing zeros trimmed)."""
    seconds, rest = divmod(nanos, NS_PER_SECOND)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if rest:
        stamp += "." + f"{rest:09d}".rstrip("0")
    return stamp + "Z"


def utc_day(nanos: int) -> str:
    """Return the UTC calendar day (``YYYY-MM-DD``) of an instant."""
    return date.fromordinal(nanos // NS_PER_DAY + _EPOCH_ORDINAL).isoformat()


def to_utc_ns(moment: datetime) -> int:
    """Nanoseconds for an aware :class:`datetime` (naive ones are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = "a naive datetime has no instant; pass an aware UTC datetime"
        raise ValueError(msg)
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1000


def utc_ns(moment: str | datetime) -> int:
    """Nanoseconds for a contract UTC timestamp (see :func:`parse_utc_ns`) or an aware :class:`datetime`."""
    return parse_utc_ns(moment) if isinstance(moment, str) else to_utc_ns(moment)
