"""Differential test: the bulk-path validator gives the reference verdict on every input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, FIXTURE, make_event

from saas_contracts._jsonio import loads
from saas_contracts._time import parse_utc_ns_unchecked
from saas_contracts._validation import fast_available, is_valid, schema_check
from saas_contracts.ledger import EVENT_SCHEMA, ReplayRequest, replay_lines

pytestmark = pytest.mark.skipif(
    not fast_available(), reason="jsonschema-rs is not installed; the bulk path falls back to jsonschema"
)

FIELDS = sorted(BASE_EVENT)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "2026-11-02T10:00:00Z",
            "2026-12-31T23:59:60Z",
            "0000-01-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2028-02-29T00:00:00Z",
            "2026-11-02T10:00:00.1234567891Z",
            "ws_ref_3ebuhqwhofzsfhxhpz2f3xmvja",
            "sample.unit_consumed",
            "pro",
            "catalog/2026-11",
            "a\n",
            "abcdefgh\u00a0",
        ]
    ),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


def _combined(check, event):
    """The replay's verdict: schema check, then timestamps parse (what the bulk path adds)."""
    if not check(event):
        return False
    try:
        for stamp in (event["occurred_at"], event["recorded_at"], event["plan"]["captured_at"]):
            parse_utc_ns_unchecked(stamp)
    except ValueError:
        return False
    return True


class TestDifferential:
    """jsonschema-rs (+ timestamp parsing) and jsonschema agree."""

    @pytest.mark.slow  # ~2 s: every example-stream line through both validators
    def test_on_the_example_stream_and_fixture(self):
        fast = schema_check(EVENT_SCHEMA, "fast")
        candidates = []
        for raw in EXAMPLE_EVENTS.read_text(encoding="utf-8").splitlines():
            try:
                candidates.append(loads(raw))
            except ValueError:
                continue
        fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
        candidates.extend(
            vector["event"] for stage in fixture["stages"] for vector in stage["vectors"] if "event" in vector
        )
        assert len(candidates) > 4000
        for event in candidates:
            assert _combined(fast, event) == is_valid(event, EVENT_SCHEMA)

    @settings(max_examples=budget(400), deadline=None)
    @given(st.sampled_from([*FIELDS, "plan.captured_at", "plan.plan_label", "attributes", "extra"]), VALUES)
    def test_on_generated_mutations(self, field, value):
        event = make_event()
        if field.startswith("plan."):
            event["plan"][field[5:]] = value
        else:
            event[field] = value
        fast = schema_check(EVENT_SCHEMA, "fast")
        assert _combined(fast, event) == is_valid(event, EVENT_SCHEMA)

    def test_generated_stream_replays_identically(self):
        lines = []
        for number in range(300):
            event = make_event(idempotency_key=f"key-{number % 250:08d}", quantity=number % 7)
            if number % 11 == 0:
                event["occurred_at"] = "2026-12-31T23:59:60Z"
            if number % 13 == 0:
                event["subject"] = "acct_" + str(number)
            lines.append(json.dumps(event))
        request = ReplayRequest(window_start="2026-11-01T00:00:00Z", window_end="2026-11-08T00:00:00Z")
        fast = replay_lines(lines, request, now="2026-11-10T00:00:00Z", validator="fast")
        reference = replay_lines(lines, request, now="2026-11-10T00:00:00Z", validator="reference")
        assert fast.to_json() == reference.to_json()
