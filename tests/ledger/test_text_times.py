"""The replay's text comparison of whole-second timestamps decides exactly as integer nanoseconds do."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger._support import line, make_event

from saas_contracts._time import NS_PER_SECOND, format_utc_ns, parse_utc_ns
from saas_contracts.ledger import MemoryIndex, ReplayRequest, TimeRules, replay
from saas_contracts.ledger import _pipeline as pipeline

BASE = parse_utc_ns("2026-11-02T10:00:00Z")


def _replay(data: bytes, request: ReplayRequest, now: str) -> dict[str, Any]:
    report = replay([io.BytesIO(data)], request, now=now, index=MemoryIndex(), workers=1)
    return report.to_json()


class TestTextBounds:
    """Stamps of the text bounds: rounding per width, and where they stop."""

    def test_epoch_and_year_limits(self) -> None:
        second = NS_PER_SECOND
        assert pipeline._stamp_text(0, 0, ceil=False) == "1970-01-01T00:00:00Z"
        assert pipeline._stamp_text(-62_135_596_800 * second, 0, ceil=False) == "0001-01-01T00:00:00Z"
        assert pipeline._stamp_text(253_402_300_799 * second, 3, ceil=False) == "9999-12-31T23:59:59.000Z"
        assert pipeline._stamp_text(-62_135_596_801 * second, 0, ceil=False) is None
        assert pipeline._stamp_text(253_402_300_800 * second, 0, ceil=False) is None

    def test_bounds_round_the_right_way(self) -> None:
        start = BASE + NS_PER_SECOND // 2
        end = BASE + 10 * NS_PER_SECOND + 1
        future = BASE + 20 * NS_PER_SECOND - 1
        assert pipeline._text_bounds(start, end, future, 20) == (
            "2026-11-02T10:00:19Z",
            "2026-11-02T10:00:01Z",
            "2026-11-02T10:00:11Z",
        )
        assert pipeline._text_bounds(start, end, future, 24) == (
            "2026-11-02T10:00:19.999Z",
            "2026-11-02T10:00:00.500Z",
            "2026-11-02T10:00:10.001Z",
        )
        assert pipeline._text_bounds(start, end, future, 30) == (
            "2026-11-02T10:00:19.999999999Z",
            "2026-11-02T10:00:00.500000000Z",
            "2026-11-02T10:00:10.000000001Z",
        )

    @pytest.mark.parametrize("width", [19, 21, 31])
    def test_no_bounds_for_widths_the_schema_refuses(self, width: int) -> None:
        assert pipeline._text_bounds(BASE, BASE + 1, BASE, width) is None

    def test_future_after_year_9999_admits_every_stamp(self) -> None:
        bounds = pipeline._text_bounds(BASE, BASE + 1, 10**30, 22)
        assert bounds is not None
        assert bounds[0] == "9999-12-31T23:59:59.9Z"

    def test_unrepresentable_window_disables_the_text_path(self) -> None:
        assert pipeline._text_bounds(-(10**30), BASE, BASE, 20) is None


_OFFSETS = st.integers(min_value=-400, max_value=400).map(lambda seconds: seconds * NS_PER_SECOND)
_NUDGE = st.sampled_from([0, 0, 0, 1, -1, NS_PER_SECOND // 2, 1_000_000, 123_000_000, 999_999_999])


def _spelled(nanos: int, digits: int | None) -> str:
    """``nanos`` (a multiple of 10**-digits s) with exactly ``digits`` fraction digits (None: shortest)."""
    text = format_utc_ns(nanos)
    if digits is None:
        return text
    whole, fraction = nanos // NS_PER_SECOND, nanos % NS_PER_SECOND
    base = format_utc_ns(whole * NS_PER_SECOND)[:19]
    return f"{base}.{fraction:09d}"[: 20 + digits] + "Z" if digits else base + "Z"


@st.composite
def _stamp(draw: st.DrawFn) -> str:
    nanos = BASE + draw(_OFFSETS) + draw(_NUDGE)
    digits = draw(st.sampled_from([None, 0, 3, 9]))
    if digits is not None:
        nanos -= nanos % 10 ** (9 - digits)
    return _spelled(nanos, digits)


@st.composite
def _events(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=8))
    events = []
    for number in range(count):
        occurred = draw(_stamp())
        recorded = draw(st.one_of(st.just(occurred), _stamp()))
        captured = draw(st.one_of(st.just(occurred), _stamp()))
        events.append(
            make_event(
                event_id=f"evt-text-{number:04d}",
                idempotency_key=f"text.key:{number:04d}",
                occurred_at=occurred,
                recorded_at=recorded,
                plan__captured_at=captured,
            )
        )
    return events


class TestTextPathEqualsIntegerPath:
    """Random stamps near the window, the skew, the future bound and the late threshold."""

    @settings(max_examples=150, deadline=None)
    @given(
        events=_events(),
        start=_stamp(),
        length=st.integers(min_value=1, max_value=600 * NS_PER_SECOND),
        now=_stamp(),
        skew=st.integers(min_value=0, max_value=200),
        late=st.integers(min_value=0, max_value=300),
        policy=st.sampled_from(["accept", "reject"]),
        by_day=st.booleans(),
    )
    @pytest.mark.slow  # hypothesis over whole replays, ~1 s
    def test_same_report(  # noqa: PLR0913, PLR0917 - one drawn scenario
        self,
        events: list[dict[str, Any]],
        start: str,
        length: int,
        now: str,
        skew: int,
        late: int,
        policy: str,
        by_day: bool,
    ) -> None:
        request = ReplayRequest(
            window_start=start,
            window_end=format_utc_ns(parse_utc_ns(start) + length),
            suppression_threshold=1,
            by_day=by_day,
            time_rules=TimeRules(clock_skew_seconds=skew, late_after_seconds=late, late_policy=policy),  # type: ignore[arg-type]
        )
        data = "".join(line(event) + "\n" for event in events).encode()
        fast = _replay(data, request, now)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pipeline, "_text_bounds", lambda *_: None)
            reference = _replay(data, request, now)
        assert fast == reference
