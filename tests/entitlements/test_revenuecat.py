"""The RevenueCat example adapter: documented webhook sequences through the writer, and its mapping table."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from tests.entitlements._adapters import Harness, Steps, check, deliver_in_steps, load_payloads
from tests.entitlements._support import REDACTOR

if TYPE_CHECKING:  # mypy knows the adapters by their repository path
    from examples.billing import revenuecat
    from examples.billing._neutral import MappingError, from_unix_ms, load_product
else:  # at run time tests.entitlements._support puts examples/ on sys.path
    from billing import revenuecat
    from billing._neutral import MappingError, from_unix_ms, load_product

PAYLOADS = load_payloads("revenuecat-image-renders.jsonl")
APP_STORE, PLAY_STORE = PAYLOADS[:12], PAYLOADS[12:]
WORKSPACE, PLAY_WORKSPACE = "ws-fake-img-0007", "ws-fake-img-0008"
DOCUMENTED_TYPES = {
    # The `type` values RevenueCat's "Event Types and Fields" page lists.
    "TEST",
    "INITIAL_PURCHASE",
    "NON_RENEWING_PURCHASE",
    "RENEWAL",
    "PRODUCT_CHANGE",
    "CANCELLATION",
    "BILLING_ISSUE",
    "SUBSCRIBER_ALIAS",
    "SUBSCRIPTION_PAUSED",
    "UNCANCELLATION",
    "TRANSFER",
    "SUBSCRIPTION_EXTENDED",
    "EXPIRATION",
    "TEMPORARY_ENTITLEMENT_GRANT",
    "REFUND_REVERSED",
    "INVOICE_ISSUANCE",
    "VIRTUAL_CURRENCY_TRANSACTION",
}
CANCEL_REASONS = {
    "UNSUBSCRIBE",
    "BILLING_ERROR",
    "DEVELOPER_INITIATED",
    "PRICE_INCREASE",
    "CUSTOMER_SUPPORT",
    "UNKNOWN",
}

APP_STORE_STEPS: Steps = [
    (1, [("render.hd", "2026-05-03T00:00:00Z", "allow", "in_trial", "creator")]),
    (2, [("render.hd", "2026-05-20T00:00:00Z", "allow", "granted", "creator")]),
    # two billing issues in one dunning cycle: grace stays anchored at the first one's end (06-24)
    (
        5,
        [
            ("render.hd", "2026-06-15T00:00:00Z", "allow", "in_grace", "creator"),
            ("render.hd", "2026-06-25T00:00:00Z", "deny", "grace_ended", None),
        ],
    ),
    (6, [("render.hd", "2026-06-15T00:00:00Z", "allow", "granted", "creator")]),
    # a downgrade at the period end, then a cancellation scheduled for that same end
    (
        8,
        [
            ("render.hd", "2026-06-30T00:00:00Z", "allow", "cancel_scheduled", "creator"),
            ("render.standard", "2026-07-13T00:00:00Z", "deny", "source_expired", None),
        ],
    ),
    (
        9,
        [
            ("render.hd", "2026-07-13T00:00:00Z", "deny", "capability_not_in_plan", "starter"),
            ("render.standard", "2026-07-13T00:00:00Z", "allow", "granted", "starter"),
        ],
    ),
    (10, [("render.standard", "2026-07-15T00:00:00Z", "allow", "granted", "starter")]),
    (11, [("render.standard", "2026-07-21T00:00:00Z", "deny", "refunded", None)]),
    # the lapsed customer resubscribes: RevenueCat says RENEWAL, the ended record starts again
    (12, [("render.hd", "2026-09-05T00:00:00Z", "allow", "granted", "creator")]),
]


def _event(payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    changed["event"].update(fields)
    return changed


def _map(payload: dict[str, Any], harness: Harness | None = None) -> list[dict[str, Any]]:
    current = harness.state.records.get if harness else lambda _record_id: None
    return revenuecat.map_event(
        payload, product=load_product("image-renders"), redactor=REDACTOR, current=current
    )


class TestAppStoreSequence:
    """Trial, conversion, dunning, recovery, downgrade, cancel and uncancel, refund, resubscription."""

    def test_outcomes_and_decisions_over_time(self):
        harness = Harness(revenuecat, "image-renders")
        deliver_in_steps(harness, APP_STORE, APP_STORE_STEPS, WORKSPACE)
        assert harness.outcomes == [
            ("trial_start", "applied"),
            ("purchase", "applied"),  # RENEWAL with is_trial_conversion
            ("billing_issue", "applied"),
            # CANCELLATION(BILLING_ERROR) maps to nothing: the BILLING_ISSUE events carry the failure
            ("billing_issue", "applied"),
            ("renewal", "applied"),  # recovery
            ("plan_change", "applied"),
            ("cancel_scheduled", "applied"),
            ("cancel_revoked", "applied"),
            ("renewal", "applied"),  # on the downgraded plan: no plan change needed
            ("refund", "applied"),
            ("purchase", "applied"),
        ]

    def test_redelivery_is_a_duplicate(self):
        harness = Harness(revenuecat, "image-renders")
        for payload in [*APP_STORE[:8], APP_STORE[7]]:
            harness.deliver(payload)
        assert harness.outcomes[-2:] == [("cancel_scheduled", "applied"), ("cancel_scheduled", "duplicate")]

    def test_uncancellation_overtaking_its_cancellation_wins(self):
        harness = Harness(revenuecat, "image-renders")
        for payload in [*APP_STORE[:2], APP_STORE[8], APP_STORE[7]]:
            harness.deliver(payload)
        assert harness.outcomes[-2:] == [("cancel_revoked", "applied"), ("cancel_scheduled", "stale")]
        check(harness, WORKSPACE, "render.hd", "2026-05-20T00:00:00Z", "allow", "granted", "creator")

    def test_raw_ids_never_reach_the_envelopes(self):
        harness = Harness(revenuecat, "image-renders")
        for payload in APP_STORE:
            harness.deliver(payload)
        text = json.dumps(harness.envelopes)
        for raw in ("rc-fake", "ws-fake", "com.fake"):
            assert raw not in text


class TestPlayStorePause:
    """Google Play: a pause at the period end that resumes by itself; the EXPIRATION that starts it."""

    def test_pause_then_automatic_resume(self):
        harness = Harness(revenuecat, "image-renders")
        harness.deliver(PLAY_STORE[0])
        harness.deliver(PLAY_STORE[1])
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-05-20T00:00:00Z", "allow", "granted", "creator")
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-06-10T00:00:00Z", "deny", "paused", None)
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-07-02T00:00:00Z", "allow", "granted", "creator")
        assert _map(PLAY_STORE[2], harness) == []  # the announced pause starts by itself
        harness.deliver(PLAY_STORE[3])
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-07-20T00:00:00Z", "allow", "granted", "creator")
        assert harness.outcomes == [("purchase", "applied"), ("pause", "applied"), ("renewal", "applied")]
        record = next(iter(harness.state.records.values()))
        assert record["current_period_end"] == "2026-08-01T12:00:00Z"

    def test_expiration_without_the_pause_announcement_pauses(self):
        harness = Harness(revenuecat, "image-renders")
        harness.deliver(PLAY_STORE[0])
        harness.deliver(PLAY_STORE[2])
        assert harness.outcomes[-1] == ("pause", "applied")
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-06-10T00:00:00Z", "deny", "paused", None)

    def test_renewal_while_paused_is_a_resume(self):
        harness = Harness(revenuecat, "image-renders")
        harness.deliver(PLAY_STORE[0])
        harness.deliver(PLAY_STORE[2])  # paused from 06-01 with no scheduled resume
        harness.deliver(
            _event(PLAY_STORE[3], id="rc-fake-evt-0900", event_timestamp_ms=1781870400000)
        )  # 06-19
        assert harness.outcomes[-1] == ("resume", "applied")
        check(harness, PLAY_WORKSPACE, "render.hd", "2026-06-20T00:00:00Z", "allow", "granted", "creator")


class TestMapping:
    """Each documented type and reason has a handling; identity, stores and environments."""

    def test_every_documented_type_is_mapped_or_ignored_with_a_reason(self):
        table = revenuecat.TABLE
        assert set(table["event_types"]) | set(table["ignored_event_types"]) == DOCUMENTED_TYPES
        assert not set(table["event_types"]) & set(table["ignored_event_types"])
        assert all(reason.strip() for reason in table["ignored_event_types"].values())
        assert set(table["event_types"].values()) == set(revenuecat.HANDLERS)
        assert set(table["cancel_reasons"]) == CANCEL_REASONS

    @pytest.mark.parametrize(
        "event_type", ["TRANSFER", "TEST", "TEMPORARY_ENTITLEMENT_GRANT", "NOT_DOCUMENTED"]
    )
    def test_ignored_types_map_to_nothing(self, event_type):
        assert _map(_event(APP_STORE[0], type=event_type)) == []

    def test_sandbox_events_map_to_nothing(self):
        assert _map(_event(APP_STORE[0], environment="SANDBOX")) == []

    def test_billing_error_cancellation_maps_to_nothing(self):
        assert _map(APP_STORE[3]) == []

    def test_anonymous_buyer_is_found_by_alias(self):
        anonymous = "$RCAnonymousID:0000fake0000"
        aliased = _event(APP_STORE[0], app_user_id=anonymous, aliases=[anonymous, WORKSPACE])
        assert _map(aliased)[0]["workspace"] == REDACTOR.redact("ws", WORKSPACE)

    def test_only_anonymous_ids_is_a_mapping_error(self):
        anonymous = "$RCAnonymousID:0000fake0000"
        with pytest.raises(MappingError, match="no app user id"):
            _map(_event(APP_STORE[0], app_user_id=anonymous, aliases=[anonymous]))

    def test_unknown_product_is_a_mapping_error(self):
        with pytest.raises(MappingError):
            _map(_event(APP_STORE[0], product_id="com.fake.unknown"))

    def test_refund_that_leaves_the_period_running_keeps_access(self):
        refund = _event(
            APP_STORE[10], expiration_at_ms=APP_STORE[10]["event"]["event_timestamp_ms"] + 86_400_000
        )
        (event,) = _map(refund)
        assert (event["refund_scope"], event["ends_access"]) == ("partial", False)
        harness = Harness(revenuecat, "image-renders")
        for payload in [*APP_STORE[:2], refund]:
            harness.deliver(payload)
        assert harness.outcomes[-1] == ("refund", "applied")
        check(harness, WORKSPACE, "render.hd", "2026-07-21T00:00:00Z", "allow", "granted", "creator")

    @pytest.mark.parametrize(
        ("store", "new_product", "expected"),
        [
            ("APP_STORE", "com.fake.img.studio.monthly", ("immediate", "upgrade")),
            ("APP_STORE", "com.fake.img.starter.monthly", ("period_end", "downgrade")),
            ("PLAY_STORE", "com.fake.img.studio.monthly", ("period_end", "upgrade")),  # DEFERRED mode
        ],
    )
    def test_product_change_timing(self, store, new_product, expected):
        (event,) = _map(_event(APP_STORE[6], store=store, new_product_id=new_product))
        assert (event["timing"], event["direction"]) == expected
        if event["timing"] == "period_end":
            assert event["effective_at"] == from_unix_ms(APP_STORE[6]["event"]["expiration_at_ms"])

    def test_product_change_without_new_product_waits_for_the_renewal(self):
        immediate = _event(APP_STORE[6], store="PLAY_STORE")
        del immediate["event"]["new_product_id"]
        assert _map(immediate) == []
        harness = Harness(revenuecat, "image-renders")
        for payload in APP_STORE[:2]:
            harness.deliver(payload)
        harness.deliver(_event(APP_STORE[5], product_id="com.fake.img.studio.monthly"))
        assert harness.outcomes[-2:] == [("plan_change", "applied"), ("renewal", "applied")]
        check(harness, WORKSPACE, "render.batch", "2026-06-20T00:00:00Z", "allow", "granted", "studio")

    def test_non_renewing_purchase_is_its_own_record(self):
        pass_event = _event(
            APP_STORE[1], type="NON_RENEWING_PURCHASE", product_id="com.fake.img.creator.pass30"
        )
        (event,) = _map(pass_event)
        (subscription,) = _map(APP_STORE[1])
        assert event["kind"] == "purchase"
        assert event["record_id"] != subscription["record_id"]

    @pytest.mark.parametrize(
        ("milliseconds", "expected"),
        [
            (1658726374000, "2022-07-25T05:19:34Z"),
            (1658726378679, "2022-07-25T05:19:38.679Z"),
            (1658726378600, "2022-07-25T05:19:38.6Z"),
        ],
    )
    def test_times_are_exact_to_the_millisecond(self, milliseconds, expected):
        assert from_unix_ms(milliseconds) == expected
