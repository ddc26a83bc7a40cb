"""The usage event envelope: schema, time rules, CloudEvents mapping."""

import pytest
from tests.ledger._support import BASE_EVENT, make_event

from saas_contracts import ContractViolationError
from saas_contracts._registry import default_catalog
from saas_contracts._validation import validate
from saas_contracts.ledger import (
    CLOUDEVENT_SCHEMA,
    EVENT_SCHEMA,
    TimeRules,
    ensure_event,
    event_violations,
    from_cloudevent,
    parse_utc_ns,
    to_cloudevent,
)

NOW = parse_utc_ns("2026-11-10T00:00:00Z")


class TestSchema:
    """The envelope schema checks shape, closed content and JS-safe quantities."""

    def test_base_event_is_valid(self):
        assert event_violations(BASE_EVENT) == ()

    def test_schema_examples_are_valid(self):
        for example in default_catalog().get(EVENT_SCHEMA).contents["examples"]:
            assert event_violations(example) == ()

    @pytest.mark.parametrize(
        "name",
        [
            "event_id",
            "event_type",
            "subject",
            "plan",
            "quantity",
            "occurred_at",
            "recorded_at",
            "source",
            "idempotency_key",
        ],
    )
    def test_every_core_field_is_required(self, name):
        violations = event_violations(make_event(**{name: None}))
        assert [(v.pointer, v.keyword) for v in violations] == [("", "required")]

    def test_closed_content_model(self):
        violations = event_violations({**BASE_EVENT, "workspace_id": "w1"})
        assert [(v.pointer, v.keyword) for v in violations] == [("/workspace_id", "additionalProperties")]

    @pytest.mark.parametrize(
        ("value", "valid"),
        [
            (0, True),
            (5.0, True),
            (9007199254740991, True),
            (9007199254740992, False),
            (1.5, False),
            (-1, False),
            (True, False),
            ("5", False),
        ],
    )
    def test_quantity(self, value, valid):
        assert (event_violations(make_event(quantity=value)) == ()) is valid

    @pytest.mark.parametrize(
        "stamp",
        [
            "2026-11-02T10:00:00+00:00",
            "2026-11-02 10:00:00Z",
            "2026-11-02T10:00:00z",
            "2026-12-31T23:59:60Z",
            "0000-01-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-02T10:00:00Z\n",
        ],
    )
    def test_only_utc_timestamps(self, stamp):
        assert event_violations(make_event(occurred_at=stamp))

    def test_messages_never_echo_raw_values(self):
        raw = "acct_live_customer_998877"
        for violation in event_violations(make_event(subject=raw)):
            assert raw not in violation.message


class TestTimeRules:
    """Time rules judge an event against 'now', never the wall clock."""

    def test_future_beyond_skew_is_invalid(self):
        event = make_event(
            occurred_at="2026-11-10T00:06:00Z",
            recorded_at="2026-11-10T00:06:00Z",
            plan__captured_at="2026-11-10T00:06:00Z",
        )
        pointers = {v.pointer for v in event_violations(event, now=NOW)}
        assert pointers == {"/occurred_at", "/recorded_at"}

    def test_future_within_skew_is_fine(self):
        event = make_event(
            occurred_at="2026-11-10T00:04:00Z",
            recorded_at="2026-11-10T00:04:00Z",
            plan__captured_at="2026-11-10T00:04:00Z",
        )
        assert event_violations(event, now=NOW) == ()

    def test_skew_is_configurable(self):
        event = make_event(
            occurred_at="2026-11-10T00:04:00Z",
            recorded_at="2026-11-10T00:04:00Z",
            plan__captured_at="2026-11-10T00:04:00Z",
        )
        assert event_violations(event, now=NOW, rules=TimeRules(clock_skew_seconds=60))

    def test_recorded_before_occurred(self):
        assert [
            v.pointer for v in event_violations(make_event(recorded_at="2026-11-02T09:00:00Z"), now=NOW)
        ] == ["/recorded_at"]

    def test_plan_snapshot_after_submission(self):
        assert [
            v.pointer for v in event_violations(make_event(plan__captured_at="2026-11-02T11:00:00Z"), now=NOW)
        ] == ["/plan/captured_at"]

    def test_ensure_event_raises_with_violations(self):
        with pytest.raises(ContractViolationError) as caught:
            ensure_event(make_event(quantity=-1))
        assert caught.value.violations[0].pointer == "/quantity"

    def test_time_rules_round_trip(self):
        rules = TimeRules(clock_skew_seconds=10, late_after_seconds=20, late_policy="reject")
        assert TimeRules.from_json(rules.to_json()) == rules


class TestCloudEvents:
    """A usage event maps losslessly to a CloudEvents 1.0 structured JSON event."""

    @pytest.mark.parametrize("event", [BASE_EVENT, make_event(attributes={"region": "eu"})])
    def test_round_trip(self, event):
        cloudevent = to_cloudevent(event)
        assert validate(cloudevent, CLOUDEVENT_SCHEMA) == ()
        assert from_cloudevent(cloudevent) == event

    def test_required_context_attributes(self):
        cloudevent = to_cloudevent(BASE_EVENT)
        assert cloudevent["specversion"] == "1.0"
        assert cloudevent["id"] == BASE_EVENT["event_id"]
        assert cloudevent["type"] == BASE_EVENT["event_type"]
        assert cloudevent["time"] == BASE_EVENT["occurred_at"]
        assert cloudevent["source"] == "/usage-ledger/sample-producer"
        assert cloudevent["data"]["idempotency_key"] == BASE_EVENT["idempotency_key"]
        # CloudEvents extension attribute names are lower-case alphanumerics; ours live in data.
        assert all(name.isalnum() and name.islower() for name in cloudevent)

    def test_invalid_cloudevent_refused(self):
        cloudevent = to_cloudevent(BASE_EVENT)
        cloudevent["specversion"] = "0.3"
        with pytest.raises(ContractViolationError):
            from_cloudevent(cloudevent)
