"""Fingerprints are SHA-256 over RFC 8785 canonical JSON of the business content."""

import hashlib
import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, make_event, respelled

from saas_contracts._digest import canonical_bytes
from saas_contracts._jsonio import loads
from saas_contracts._time import parse_utc_ns
from saas_contracts.ledger import ReplayRequest, fingerprint, scope_key
from saas_contracts.ledger._fingerprint import (
    FINGERPRINT_EXCLUDED_FIELDS,
    business_content,
    fast_canonical_bytes,
    idempotency_timestamp,
)
from saas_contracts.ledger._outcomes import Context
from saas_contracts.ledger._pipeline import classify_block

LABEL = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(?:[._-][a-z0-9]{1,4}){0,2}\Z")
STAMP = st.builds(
    lambda day, second, frac: f"2026-11-{day:02d}T10:{second // 60:02d}:{second % 60:02d}{frac}Z",
    st.integers(1, 28),
    st.integers(0, 3599),
    st.sampled_from(["", ".5", ".123456789", ".000", ".120", ".000000", ".1000", ".999999999", ".0"]),
)
EVENTS = st.builds(
    lambda kind, label, quantity, occurred, key, attrs: make_event(
        event_type=f"sample.{kind.replace('-', '_').replace('.', '_')}",
        plan__plan_label=label,
        quantity=quantity,
        occurred_at=occurred,
        idempotency_key=f"key-{key:08d}",
        **({"attributes": attrs} if attrs else {}),
    ),
    LABEL,
    LABEL,
    st.integers(0, 2**53 - 1),
    STAMP,
    st.integers(0, 10**8),
    st.dictionaries(LABEL, LABEL, max_size=4),
)


class TestFingerprint:
    """Key order, number spelling and receipt fields do not change a fingerprint; content does."""

    def test_excluded_fields_are_the_receipt_fields(self):
        assert FINGERPRINT_EXCLUDED_FIELDS == ("event_id", "recorded_at")
        assert set(business_content(BASE_EVENT)) == set(BASE_EVENT) - {"event_id", "recorded_at"}

    def test_format(self):
        digest = fingerprint(BASE_EVENT)
        assert digest.startswith("sha256:")
        assert len(digest) == 71

    def test_reordered_and_float_spelling_is_the_same_event(self):
        text = respelled(BASE_EVENT)
        assert "5.0" in text
        assert fingerprint(loads(text)) == fingerprint(BASE_EVENT)
        assert (
            hashlib.sha256(text.encode()).hexdigest()
            != hashlib.sha256(json.dumps(BASE_EVENT).encode()).hexdigest()
        )

    def test_receipt_fields_do_not_count(self):
        retry = make_event(event_id="evt-sample-0001-b", recorded_at="2026-11-02T11:00:00Z")
        assert fingerprint(retry) == fingerprint(BASE_EVENT)

    @pytest.mark.parametrize(
        "change",
        [
            {"quantity": 6},
            {"subject": "ws_ref_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
            {"plan__plan_label": "free"},
            {"occurred_at": "2026-11-02T10:00:01Z"},
            {"attributes": {"a": "b"}},
            {"source": "other"},
        ],
    )
    def test_business_content_counts(self, change):
        assert fingerprint(make_event(**change)) != fingerprint(BASE_EVENT)

    def test_scope_key_separates_sources(self):
        assert scope_key("a", "key-00000001") != scope_key("b", "key-00000001")
        assert len(scope_key("a", "key-00000001")) == 16


FRACTION = st.text("0123456789", min_size=0, max_size=9).map(lambda digits: f".{digits}" if digits else "")


def _stamp(fraction):
    return f"2026-11-02T10:00:05{fraction}Z"


def _milliseconds(fraction):
    return int(fraction[1:4].ljust(3, "0")) if fraction else 0


def _version_1(event):
    """The fingerprint rule before version 2: receipt fields removed, timestamps hashed as written."""
    content = {name: value for name, value in event.items() if name not in FINGERPRINT_EXCLUDED_FIELDS}
    return "sha256:" + hashlib.sha256(rfc8785.dumps(content)).hexdigest()


class TestMillisecondTimestamps:
    """occurred_at and plan.captured_at count to the millisecond (truncated); the event is untouched."""

    @pytest.mark.parametrize(
        ("written", "canonical"),
        [
            ("2026-11-02T10:00:05Z", "2026-11-02T10:00:05Z"),
            ("2026-11-02T10:00:05.000Z", "2026-11-02T10:00:05Z"),
            ("2026-11-02T10:00:05.000000Z", "2026-11-02T10:00:05Z"),
            ("2026-11-02T10:00:05.0Z", "2026-11-02T10:00:05Z"),
            ("2026-11-02T10:00:05.120Z", "2026-11-02T10:00:05.12Z"),
            ("2026-11-02T10:00:05.5Z", "2026-11-02T10:00:05.5Z"),
            ("2026-11-02T10:00:05.123456789Z", "2026-11-02T10:00:05.123Z"),
            ("2026-11-02T10:00:05.999999999Z", "2026-11-02T10:00:05.999Z"),  # truncated, not rounded
            ("2026-11-02T10:00:05.0009Z", "2026-11-02T10:00:05Z"),
        ],
    )
    def test_canonical_form(self, written, canonical):
        """The table of the contract rule (the TypeScript helper implements the same)."""
        assert idempotency_timestamp(written) == canonical
        assert idempotency_timestamp(canonical) == canonical

    @settings(max_examples=budget(200), deadline=None)
    @given(FRACTION, FRACTION)
    def test_same_fingerprint_exactly_when_same_millisecond(self, first, second):
        """Two occurred_at spellings give one fingerprint iff they name the same millisecond."""
        same = _milliseconds(first) == _milliseconds(second)
        a, b = make_event(occurred_at=_stamp(first)), make_event(occurred_at=_stamp(second))
        assert (fingerprint(a) == fingerprint(b)) is same
        a, b = make_event(plan__captured_at=_stamp(first)), make_event(plan__captured_at=_stamp(second))
        assert (fingerprint(a) == fingerprint(b)) is same

    @settings(max_examples=20, deadline=None)
    @given(EVENTS)
    def test_canonical_timestamps_keep_the_version_1_fingerprint(self, event):
        """Events whose timestamps are canonical already hash exactly as before version 2."""
        canonical = {
            **event,
            "occurred_at": idempotency_timestamp(event["occurred_at"]),
            "plan": {**event["plan"], "captured_at": idempotency_timestamp(event["plan"]["captured_at"])},
        }
        assert fingerprint(canonical) == _version_1(canonical) == fingerprint(event)

    def test_the_event_is_never_rewritten(self):
        """business_content copies; the event keeps its own spelling."""
        event = make_event(
            occurred_at="2026-11-02T10:00:05.000Z", plan__captured_at="2026-11-02T09:59:00.10Z"
        )
        content = business_content(event)
        assert content["occurred_at"] == "2026-11-02T10:00:05Z"
        assert content["plan"]["captured_at"] == "2026-11-02T09:59:00.1Z"
        assert event["occurred_at"] == "2026-11-02T10:00:05.000Z"
        assert event["plan"]["captured_at"] == "2026-11-02T09:59:00.10Z"

    @pytest.mark.parametrize(
        "value", ["2026-11-02T10:00:05.000+00:00", "not a time", 5, ["2026-11-02T10:00:05.000Z"]]
    )
    def test_values_of_another_shape_are_left_as_they_are(self, value):
        """Only contract timestamps are rewritten; an invalid event is fingerprinted as written."""
        assert business_content(make_event(occurred_at=value))["occurred_at"] == value


class TestCanonicalAgreement:
    """The fast canonical bytes equal the RFC 8785 reference (Python rfc8785, npm canonicalize)."""

    @pytest.mark.slow  # ~2 s: 300 generated events canonicalized two ways
    @settings(max_examples=300, deadline=None)
    @given(EVENTS)
    def test_fast_path_equals_rfc8785_on_generated_events(self, event):
        assert fast_canonical_bytes(event) == rfc8785.dumps(business_content(event))
        assert fast_canonical_bytes(loads(respelled(event))) == rfc8785.dumps(business_content(event))

    def test_fast_path_equals_rfc8785_on_example_stream(self):
        checked = 0
        for raw in EXAMPLE_EVENTS.read_text(encoding="utf-8").splitlines():
            try:
                event = loads(raw)
            except ValueError:
                continue
            if (
                isinstance(event, dict)
                and isinstance(event.get("quantity"), (int, float))
                and "plan" in event
            ):
                assert fast_canonical_bytes(event) == canonical_bytes(business_content(event))
                checked += 1
        assert checked > 4000

    @pytest.mark.slow  # ~1 s: the whole example stream through the bulk path and the reference
    def test_replay_bulk_path_fingerprints_equal_the_reference(self):
        """Each event the fast path fingerprints (in place, after reading it) hashes as fingerprint()."""
        window = ReplayRequest(
            window_start="2026-01-01T00:00:00Z", window_end="2026-12-31T00:00:00Z", max_span_days=366
        )
        start, end = window.window_ns
        now = parse_utc_ns("2027-01-01T00:00:00Z")
        context = Context(start, end, now, window.time_rules, by_day=False, validator="auto")
        texts = EXAMPLE_EVENTS.read_bytes().splitlines()
        texts += [
            json.dumps(make_event(idempotency_key=f"key-frac-{n:04d}", occurred_at=stamp)).encode()
            for n, stamp in enumerate(["2026-11-02T10:00:00.000Z", "2026-11-02T10:00:00.1200Z"])
        ]
        result = classify_block(context, 1, 1, b"\n".join(texts) + b"\n")
        expected = {}
        for number, raw in enumerate(texts, start=1):
            try:
                event = loads(raw.decode())
            except ValueError:
                continue
            if isinstance(event, dict):
                expected[number] = bytes.fromhex(fingerprint(event)[7:])
        got = {
            line: bytes(result.fingerprints[32 * at : 32 * at + 32])
            for at, line in enumerate(result.line_numbers)
        }
        assert len(got) > 4000
        assert all(got[line] == expected[line] for line in got)
