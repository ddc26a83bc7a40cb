"""The one UTC timestamp primitive: nanosecond parsing and canonical spelling."""

from __future__ import annotations

import calendar
import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._time import NS_PER_SECOND, format_utc_ns, parse_utc_ns

# Every contract spelling of an instant between year 1000 and 9999: seconds, and 0-9 fraction digits.
_MOMENTS = st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))  # noqa: DTZ001
_FRACTIONS = st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True))
TIMESTAMPS = st.builds(
    lambda moment, fraction: moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z", _MOMENTS, _FRACTIONS
)


def _strptime_ns(timestamp: str) -> int:
    # The parser entitlements used before it moved onto saas_contracts._time (kept as the oracle).
    base, _, fraction = timestamp.removesuffix("Z").partition(".")
    seconds = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return seconds * NS_PER_SECOND + int(fraction.ljust(9, "0") or "0")


def _strftime_spelling(nanos: int) -> str:
    # The formatter entitlements used before (kept as the oracle).
    seconds, fraction = divmod(nanos, NS_PER_SECOND)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if fraction:
        return f"{base}.{str(fraction).rjust(9, '0').rstrip('0')}Z"
    return base + "Z"


class TestParse:
    """Timestamps compare exactly, to the nanosecond, whatever their fraction spelling."""

    def test_fraction_lengths_compare_by_value(self):
        """Trailing fraction zeros do not change the instant; one nanosecond does."""
        assert parse_utc_ns("2026-01-01T00:00:00.5Z") == parse_utc_ns("2026-01-01T00:00:00.500000000Z")
        assert parse_utc_ns("2026-01-01T00:00:00.000000001Z") > parse_utc_ns("2026-01-01T00:00:00Z")

    def test_epoch(self):
        """One second after the epoch is 10**9 nanoseconds."""
        assert parse_utc_ns("1970-01-01T00:00:01Z") == 1_000_000_000

    @pytest.mark.parametrize(
        "text",
        ["2026-02-30T00:00:00Z", "2026-01-01T00:00:60Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00"],
    )
    def test_invalid_timestamps_raise(self, text):
        """Impossible dates, leap seconds, year 0 and offsets are refused, never silently shifted."""
        with pytest.raises(ValueError, match=r"range|UTC timestamp|day|year"):
            parse_utc_ns(text)

    @given(TIMESTAMPS)
    def test_equals_the_former_entitlements_parser(self, text):
        """Property: for every valid timestamp the result is the old strptime/timegm parser's."""
        assert parse_utc_ns(text) == _strptime_ns(text)


class TestFormat:
    """The canonical spelling: fraction only when non-zero, trailing zeros cut."""

    @pytest.mark.parametrize(
        "text", ["2026-03-15T12:34:56Z", "2026-03-15T12:34:56.123456789Z", "2026-03-15T12:34:56.1Z"]
    )
    def test_round_trip(self, text):
        """A canonical spelling survives parse and format unchanged."""
        assert format_utc_ns(parse_utc_ns(text)) == text

    @given(TIMESTAMPS)
    def test_equals_the_former_entitlements_formatter(self, text):
        """Property: the spelling is the old gmtime/strftime formatter's."""
        nanos = parse_utc_ns(text)
        assert format_utc_ns(nanos) == _strftime_spelling(nanos)
