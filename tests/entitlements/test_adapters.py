from __future__ import annotations

import copy
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests._support import ROOT
from tests.entitlements._adapters import (
    AUDIT,
    PAYLOADS,
    Harness,
    Steps,
    check,
    deliver_in_steps,
    load_payloads,
)
from tests.entitlements._support import FIXTURE, REDACTOR

from saas_contracts._validation import is_valid
from saas_contracts.entitlements import DEFAULT_POLICY, PlanSourceState, apply_event, decide

if TYPE_CHECKING:  # mypy knows the adapters by their repository path
    from examples.billing import lemonsqueezy, manual, paddle, stripe
    from examples.billing._neutral import MappingError, load_product, record_id_for
else:  # at run time tests.entitlements._support puts examples/ on sys.path
    from billing import lemonsqueezy, manual, paddle, stripe
    from billing._neutral import MappingError, load_product, record_id_for

STRIPE_STEPS: Steps = [
    (1, [("render.hd", "2026-01-05T00:00:00Z", "allow", "in_trial", "creator")]),
    (3, [("render.hd", "2026-01-20T00:00:00Z", "allow", "granted", "creator")]),
    # the recovery (evt 4) overtakes the failure (evt 3): the failure is stale and never revokes access
    (6, [("render.hd", "2026-02-23T00:00:00Z", "allow", "granted", "creator")]),
    # downgrade scheduled at period end: still creator before, starter after
    (
        7,
        [
            ("render.hd", "2026-03-02T00:00:00Z", "allow", "granted", "creator"),
            ("render.hd", "2026-03-16T00:00:00Z", "deny", "capability_not_in_plan", "starter"),
        ],
    ),
    (8, [("render.hd", "2026-03-06T00:00:00Z", "allow", "cancel_scheduled", "creator")]),
    (10, [("render.hd", "2026-03-08T00:00:00Z", "allow", "granted", "creator")]),
    (11, [("render.standard", "2026-03-20T00:00:00Z", "allow", "granted", "starter")]),
    (12, [("render.standard", "2026-04-03T00:00:00Z", "allow", "cancel_scheduled", "starter")]),
    (14, [("render.standard", "2026-04-16T00:00:00Z", "deny", "source_expired", None)]),
]


class TestStripeSequence:
    """Stripe: trial, paid, failed, recovered, downgrade at period end, cancel, uncancel, expiry."""

    def test_outcomes_and_decisions_over_time(self):
        harness = Harness(stripe, "image-renders")
        deliver_in_steps(
            harness, load_payloads("stripe-image-renders.jsonl"), STRIPE_STEPS, "ws-fake-img-0001"
        )
        assert harness.outcomes == [
            ("trial_start", "applied"),
            ("purchase", "applied"),
            ("purchase", "duplicate"),
            ("billing_recovered", "applied"),
            ("billing_issue", "stale"),
            ("plan_change", "applied"),
            ("cancel_scheduled", "applied"),
            ("cancel_revoked", "applied"),
            ("cancel_scheduled", "duplicate"),
            ("plan_change", "applied"),
            ("renewal", "applied"),
            ("cancel_scheduled", "applied"),
            ("expiry", "applied"),
            ("expiry", "duplicate"),
        ]

    def test_in_order_failure_is_in_grace_then_recovered(self):
        harness = Harness(stripe, "image-renders")
        by_id = {p["id"]: p for p in load_payloads("stripe-image-renders.jsonl")}
        for name in ("evt_fake_img_0001", "evt_fake_img_0002", "evt_fake_img_0003"):
            harness.deliver(by_id[name])
        check(
            harness, "ws-fake-img-0001", "render.hd", "2026-02-18T00:00:00Z", "allow", "in_grace", "creator"
        )
        check(harness, "ws-fake-img-0001", "render.hd", "2026-02-23T00:00:00Z", "deny", "grace_ended", None)
        harness.deliver(by_id["evt_fake_img_0004"])
        check(harness, "ws-fake-img-0001", "render.hd", "2026-02-23T00:00:00Z", "allow", "granted", "creator")


class TestPaddleSequence:
    """Paddle: whole-entity updates, a late 'cancel scheduled' update and redeliveries."""

    def test_outcomes_and_final_decisions(self):
        harness = Harness(paddle, "chat-messages")
        payloads = load_payloads("paddle-chat-messages.jsonl")
        for payload in payloads[:5]:
            harness.deliver(payload)
        check(
            harness,
            "ws-fake-chat-0002",
            "audit.export",
            "2026-03-09T00:00:00Z",
            "allow",
            "in_grace",
            "business",
        )
        for payload in payloads[5:8]:
            harness.deliver(payload)
        check(
            harness,
            "ws-fake-chat-0002",
            "audit.export",
            "2026-03-23T00:00:00Z",
            "allow",
            "granted",
            "business",
        )
        for payload in payloads[8:10]:
            harness.deliver(payload)
        check(
            harness,
            "ws-fake-chat-0002",
            "chat.history",
            "2026-04-02T00:00:00Z",
            "allow",
            "cancel_scheduled",
            "team",
        )
        check(
            harness,
            "ws-fake-chat-0002",
            "audit.export",
            "2026-04-02T00:00:00Z",
            "deny",
            "capability_not_in_plan",
            "team",
        )
        for payload in payloads[10:]:
            harness.deliver(payload)
        check(
            harness, "ws-fake-chat-0002", "chat.send", "2026-04-09T00:00:00Z", "deny", "source_expired", None
        )
        outcomes = [outcome for _, outcome in harness.outcomes]
        assert ("cancel_scheduled", "stale") in harness.outcomes
        assert outcomes.count("duplicate") == 2
        assert "illegal" not in outcomes
        assert "conflict" not in outcomes


class TestLemonSqueezySequence:
    """Lemon Squeezy: trial conversion, failure/recovery, upgrade, cancel/resume out of order, expiry."""

    def test_outcomes_and_decisions(self):
        harness = Harness(lemonsqueezy, "chat-messages")
        payloads = load_payloads("lemonsqueezy-chat-messages.jsonl")
        for payload in payloads[:2]:
            harness.deliver(payload)
        check(
            harness, "ws-fake-chat-0003", "chat.history", "2026-03-20T00:00:00Z", "allow", "granted", "team"
        )
        for payload in payloads[2:4]:
            harness.deliver(payload)
        check(
            harness, "ws-fake-chat-0003", "chat.history", "2026-04-16T00:00:00Z", "allow", "in_grace", "team"
        )
        for payload in payloads[4:9]:
            harness.deliver(payload)
        check(
            harness,
            "ws-fake-chat-0003",
            "audit.export",
            "2026-04-28T00:00:00Z",
            "allow",
            "granted",
            "business",
        )
        for payload in payloads[9:]:
            harness.deliver(payload)
        check(
            harness, "ws-fake-chat-0003", "chat.send", "2026-05-16T00:00:00Z", "deny", "source_expired", None
        )
        assert harness.outcomes == [
            ("trial_start", "applied"),
            ("purchase", "applied"),
            ("billing_issue", "applied"),
            ("billing_issue", "duplicate"),
            ("billing_recovered", "applied"),
            ("plan_change", "applied"),
            ("cancel_revoked", "applied"),
            ("cancel_scheduled", "stale"),
            ("cancel_scheduled", "applied"),
            ("expiry", "applied"),
        ]


class TestManualOperations:
    """Operator actions map to approved manual writes; an unapproved one is rejected by core."""

    def test_actions(self):
        state = PlanSourceState()
        results = [
            apply_event(state, manual.map_action(json.loads(line), redactor=REDACTOR), audit=AUDIT)
            for line in (PAYLOADS / "manual-operations.jsonl").read_text().splitlines()
        ]
        assert [r.outcome for r in results] == ["applied", "applied", "applied", "invalid"]
        first, third = results[0].envelope, results[2].envelope
        assert first is not None
        assert third is not None
        assert first["cause"]["type"] == "operator_action"
        assert third["operation"] == "end"


class TestTwoProductsOneEnvelope:
    """Two products with different plan names write the same envelope shape through the same writer."""

    @pytest.mark.parametrize(
        ("adapter", "payload_file", "product", "plans"),
        [
            (stripe, "stripe-image-renders.jsonl", "image-renders", {"creator", "starter"}),
            (paddle, "paddle-chat-messages.jsonl", "chat-messages", {"business", "team"}),
        ],
    )
    def test_envelopes(self, adapter, payload_file, product, plans):
        harness = Harness(adapter, product)
        for payload in load_payloads(payload_file):
            harness.deliver(payload)
        assert harness.envelopes
        assert all(is_valid(e, "entitlements/v1/write") for e in harness.envelopes)
        assert {e["after"]["plan"] for e in harness.envelopes} == plans
        assert {tuple(sorted(e)) for e in harness.envelopes if "before" in e} == {
            (
                "after",
                "audit",
                "before",
                "cause",
                "effective_at",
                "fingerprint",
                "idempotency_key",
                "operation",
                "record_id",
                "source_kind",
                "workspace",
            ),
        }

    def test_raw_ids_never_reach_the_envelopes(self):
        harness = Harness(stripe, "image-renders")
        for payload in load_payloads("stripe-image-renders.jsonl"):
            harness.deliver(payload)
        text = json.dumps(harness.envelopes)
        for raw in ("sub_fake", "cus_fake", "evt_fake", "ws-fake", "price_fake"):
            assert raw not in text

    def test_unknown_price_is_a_mapping_error(self):
        payload = load_payloads("stripe-image-renders.jsonl")[0]
        payload["data"]["object"]["items"]["data"][0]["price"]["id"] = "price_fake_unknown"
        with pytest.raises(MappingError):
            stripe.map_event(payload, product=load_product("image-renders"), redactor=REDACTOR)


class TestBoundary:
    """Core never imports the examples."""

    @pytest.mark.slow  # imports every core module in a subprocess, ~0.6 s
    def test_core_does_not_import_examples(self):
        code = (
            "import sys, saas_contracts.entitlements, saas_contracts.cli; "
            "bad = [m for m in sys.modules if m == 'billing' or m.startswith(('billing.', 'examples'))]; "
            "print(bad)"
        )
        out = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT / "src"
        )
        assert out.stdout.strip() == "[]"
        sources = "".join(
            p.read_text() for p in (ROOT / "src" / "saas_contracts" / "entitlements").glob("*.py")
        )
        assert "examples" not in sources.replace("examples/", "")

    def test_fixture_names_existing_adapters(self):
        fixture = json.loads(FIXTURE.read_text())
        for adapter in fixture["boundary"]["product_adapters"]:
            assert Path(ROOT / adapter).exists()

    def test_fixture_names_every_bundled_billing_adapter(self):
        # The boundary is the list reviewers read to know what is product code: a new adapter must join it.
        fixture = json.loads(FIXTURE.read_text())
        listed = {a for a in fixture["boundary"]["product_adapters"] if a.startswith("examples/billing/")}
        bundled = {
            f"examples/billing/{path.name}"
            for path in (ROOT / "examples" / "billing").glob("*.py")
            if not path.name.startswith("_")
        }
        assert listed == bundled


def _stripe_subscription(status: str, *, trial_end: int | None = None, **fields: Any) -> dict[str, Any]:
    """A Stripe subscription object as the API (2024-06-20) sends it in webhooks (ids obviously fake)."""
    body: dict[str, Any] = {
        "id": "sub_fake_img_sca_0001",
        "object": "subscription",
        "status": status,
        "customer": "cus_fake_img_sca_0001",
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
        "current_period_start": 1767225600,
        "current_period_end": 1769904000,
        "trial_end": trial_end,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_fake_img_sca_0001",
                    "object": "subscription_item",
                    "price": {"id": "price_fake_img_creator_monthly", "object": "price"},
                }
            ],
        },
        "livemode": False,
        "metadata": {"workspace_id": "ws-fake-img-sca"},
    }
    body.update(fields)
    return body


def _stripe_event(
    number: int, kind: str, created: int, obj: dict[str, Any], **previous: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous:
        data["previous_attributes"] = previous
    return {
        "id": f"evt_fake_img_sca_{number:04d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "type": kind,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
    }


class TestStripeIncompleteAndPausedTrials:
    """Stripe subscriptions that start incomplete (3-D Secure) or pause at trial end still reach access."""

    def test_incomplete_then_active_is_a_purchase(self):
        harness = Harness(stripe, "image-renders")
        created = _stripe_event(
            1, "customer.subscription.created", 1767225600, _stripe_subscription("incomplete")
        )
        paid = _stripe_event(
            2,
            "customer.subscription.updated",
            1767225660,
            _stripe_subscription("active"),
            status="incomplete",
        )
        renewed = _stripe_event(
            3,
            "customer.subscription.updated",
            1769904000,
            _stripe_subscription("active", current_period_start=1769904000, current_period_end=1772323200),
            current_period_start=1767225600,
            current_period_end=1769904000,
        )
        for payload in (created, paid, renewed):
            harness.deliver(payload)
        assert harness.outcomes == [("purchase", "applied"), ("renewal", "applied")]
        check(harness, "ws-fake-img-sca", "render.hd", "2026-02-15T00:00:00Z", "allow", "granted", "creator")

    def test_incomplete_that_expires_grants_nothing(self):
        harness = Harness(stripe, "image-renders")
        created = _stripe_event(
            1, "customer.subscription.created", 1767225600, _stripe_subscription("incomplete")
        )
        expired = _stripe_event(
            2,
            "customer.subscription.updated",
            1767312000,
            _stripe_subscription("incomplete_expired"),
            status="incomplete",
        )
        for payload in (created, expired):
            harness.deliver(payload)
        assert harness.outcomes == []
        check(
            harness, "ws-fake-img-sca", "render.hd", "2026-01-03T00:00:00Z", "deny", "no_active_source", None
        )

    def test_incomplete_trial_start_is_a_trial(self):
        harness = Harness(stripe, "image-renders")
        created = _stripe_event(
            1, "customer.subscription.created", 1767225600, _stripe_subscription("incomplete")
        )
        trial = _stripe_event(
            2,
            "customer.subscription.updated",
            1767225660,
            _stripe_subscription("trialing", trial_end=1768435200),
            status="incomplete",
        )
        for payload in (created, trial):
            harness.deliver(payload)
        assert harness.outcomes == [("trial_start", "applied")]
        check(harness, "ws-fake-img-sca", "render.hd", "2026-01-05T00:00:00Z", "allow", "in_trial", "creator")

    def test_trial_paused_for_a_payment_method_then_paid_keeps_access(self):
        harness = Harness(stripe, "image-renders")
        trial_end = 1768435200  # 2026-01-15
        started = _stripe_event(
            1,
            "customer.subscription.created",
            1767225600,
            _stripe_subscription("trialing", trial_end=trial_end),
        )
        paused = _stripe_event(
            2,
            "customer.subscription.paused",
            trial_end,
            _stripe_subscription("paused", trial_end=trial_end),
            status="trialing",
        )
        paid = _stripe_event(
            3,
            "customer.subscription.resumed",
            1768608000,  # 2026-01-17: a payment method was added and the invoice paid
            _stripe_subscription(
                "active", trial_end=trial_end, current_period_start=1768608000, current_period_end=1771286400
            ),
            status="paused",
        )
        harness.deliver(started)
        harness.deliver(paused)
        # Unpaid after its end the trial grants nothing (its end is reached before the pause is looked at).
        check(harness, "ws-fake-img-sca", "render.hd", "2026-01-16T00:00:00Z", "deny", "source_expired", None)
        harness.deliver(paid)
        assert harness.outcomes == [("trial_start", "applied"), ("pause", "applied"), ("purchase", "applied")]
        check(harness, "ws-fake-img-sca", "render.hd", "2026-01-20T00:00:00Z", "allow", "granted", "creator")
        check(harness, "ws-fake-img-sca", "render.hd", "2026-02-10T00:00:00Z", "allow", "granted", "creator")


JAN_01, JAN_10, JAN_12, JAN_14, JAN_20 = 1767225600, 1768003200, 1768176000, 1768348800, 1768867200
FEB_01, FEB_15, FEB_20, MAR_01 = 1769904000, 1771113600, 1771545600, 1772323200
SCA_WS = "ws-fake-img-sca"


def _collection(number: int, created: int, pause: dict[str, Any] | None, previous: Any, **fields: Any):
    """A customer.subscription.updated that sets, changes or clears pause_collection (status stays active)."""
    subscription = _stripe_subscription("active", pause_collection=pause, **fields)
    return _stripe_event(
        number, "customer.subscription.updated", created, subscription, pause_collection=previous
    )


def _stripe_started() -> dict[str, Any]:
    return _stripe_event(1, "customer.subscription.created", JAN_01, _stripe_subscription("active"))


class TestStripePauseCollection:
    """pause_collection set, changed or cleared on an active Stripe subscription (the status stays active)."""

    def test_keep_as_draft_resumes_by_itself_at_resumes_at(self):
        harness = Harness(stripe, "image-renders")
        harness.deliver(_stripe_started())
        draft = {"behavior": "keep_as_draft", "resumes_at": MAR_01}
        harness.deliver(_collection(2, JAN_10, draft, None))
        assert harness.outcomes == [("purchase", "applied"), ("pause", "applied")]
        check(harness, SCA_WS, "render.hd", "2026-01-15T00:00:00Z", "allow", "paused_with_access", "creator")
        # The period rolls over while collection is paused: a draft invoice, not a renewal.
        rolled = _stripe_subscription(
            "active", pause_collection=draft, current_period_start=FEB_01, current_period_end=MAR_01
        )
        harness.deliver(
            _stripe_event(
                3,
                "customer.subscription.updated",
                FEB_01,
                rolled,
                current_period_start=JAN_01,
                current_period_end=FEB_01,
            )
        )
        assert len(harness.outcomes) == 2
        check(harness, SCA_WS, "render.hd", "2026-02-28T23:59:59Z", "allow", "paused_with_access", "creator")
        # No event needed: at resumes_at the record is active again.
        check(harness, SCA_WS, "render.hd", "2026-03-01T00:00:00Z", "allow", "granted", "creator")
        # Stripe then clears pause_collection; the resume finds the source already active (a no-op).
        harness.deliver(_collection(4, MAR_01 + 5, None, draft))
        assert harness.outcomes[-1] == ("resume", "applied")
        check(harness, SCA_WS, "render.hd", "2026-03-10T00:00:00Z", "allow", "granted", "creator")

    def test_void_keeps_access_as_stripe_documents(self):
        harness = Harness(stripe, "image-renders")
        harness.deliver(_stripe_started())
        harness.deliver(_collection(2, JAN_10, {"behavior": "void", "resumes_at": None}, None))
        check(harness, SCA_WS, "render.hd", "2026-01-15T00:00:00Z", "allow", "paused_with_access", "creator")

    def test_void_pause_waits_until_collection_is_cleared(self, monkeypatch):
        # A product that reads void as the service not being offered says so in the table.
        monkeypatch.setitem(stripe.TABLE["pause_collection_keeps_access"], "void", value=False)
        harness = Harness(stripe, "image-renders")
        harness.deliver(_stripe_started())
        void = {"behavior": "void", "resumes_at": None}
        harness.deliver(_collection(2, JAN_10, void, None))
        check(harness, SCA_WS, "render.hd", "2026-01-15T00:00:00Z", "deny", "paused", None)
        check(harness, SCA_WS, "render.hd", "2026-06-01T00:00:00Z", "deny", "paused", None)
        harness.deliver(_collection(3, JAN_20, None, void))
        assert harness.outcomes == [("purchase", "applied"), ("pause", "applied"), ("resume", "applied")]
        check(harness, SCA_WS, "render.hd", "2026-01-21T00:00:00Z", "allow", "granted", "creator")

    def test_changes_while_paused_restate_the_pause(self, monkeypatch):
        monkeypatch.setitem(stripe.TABLE["pause_collection_keeps_access"], "void", value=False)
        harness = Harness(stripe, "image-renders")
        harness.deliver(_stripe_started())
        harness.deliver(_collection(2, JAN_10, {"behavior": "void", "resumes_at": MAR_01}, None))
        check(harness, SCA_WS, "render.hd", "2026-01-11T00:00:00Z", "deny", "paused", None)
        # The behavior changes: previous_attributes names only the nested field that changed.
        free = {"behavior": "mark_uncollectible", "resumes_at": MAR_01}
        harness.deliver(_collection(3, JAN_12, free, {"behavior": "void"}))
        check(harness, SCA_WS, "render.hd", "2026-01-13T00:00:00Z", "allow", "paused_with_access", "creator")
        check(harness, SCA_WS, "render.hd", "2026-03-01T00:00:00Z", "allow", "granted", "creator")
        # The resume date moves earlier.
        harness.deliver(_collection(4, JAN_14, free | {"resumes_at": FEB_15}, {"resumes_at": MAR_01}))
        assert harness.outcomes[1:] == [("pause", "applied")] * 3
        check(harness, SCA_WS, "render.hd", "2026-02-14T23:59:59Z", "allow", "paused_with_access", "creator")
        check(harness, SCA_WS, "render.hd", "2026-02-15T00:00:00Z", "allow", "granted", "creator")
        record = harness.state.records[record_id_for(REDACTOR, "stripe", "sub_fake_img_sca_0001")]
        assert record["paused_at"] == "2026-01-10T00:00:00Z"  # re-stated, not restarted

    def test_any_delivery_order_converges(self):
        draft = {"behavior": "keep_as_draft", "resumes_at": MAR_01}
        payloads = [
            _stripe_started(),
            _collection(2, JAN_10, {"behavior": "void", "resumes_at": None}, None),
            _collection(3, JAN_12, draft, {"behavior": "void", "resumes_at": None}),
            _stripe_event(
                4,
                "customer.subscription.updated",
                FEB_01,
                _stripe_subscription(
                    "active", pause_collection=draft, current_period_start=FEB_01, current_period_end=MAR_01
                ),
                current_period_start=JAN_01,
                current_period_end=FEB_01,
            ),
        ]
        cleared = _collection(5, FEB_20, None, draft)
        finals, resumed = [], []
        for order in itertools.permutations(payloads):
            harness = Harness(stripe, "image-renders")
            for payload in order:
                harness.deliver(payload)
            finals.append(copy.deepcopy(dict(harness.state.records)))
            # The void pause delivered last still sorts before the keep_as_draft re-statement.
            check(
                harness, SCA_WS, "render.hd", "2026-02-19T00:00:00Z", "allow", "paused_with_access", "creator"
            )
            check(harness, SCA_WS, "render.hd", "2026-03-01T00:00:00Z", "allow", "granted", "creator")
            harness.deliver(cleared)
            resumed.append(copy.deepcopy(dict(harness.state.records)))
            check(harness, SCA_WS, "render.hd", "2026-02-21T00:00:00Z", "allow", "granted", "creator")
        assert len(finals) == 24
        assert all(final == finals[0] for final in finals)
        assert all(final == resumed[0] for final in resumed)
        assert finals[0] != resumed[0]

    def test_created_with_paused_collection(self):
        harness = Harness(stripe, "image-renders")
        subscription = _stripe_subscription(
            "active", pause_collection={"behavior": "keep_as_draft", "resumes_at": None}
        )
        harness.deliver(_stripe_event(1, "customer.subscription.created", JAN_01, subscription))
        assert harness.outcomes == [("purchase", "applied"), ("pause", "applied")]
        check(harness, SCA_WS, "render.hd", "2026-01-05T00:00:00Z", "allow", "paused_with_access", "creator")


def _paddle(number: int, event_type: str, occurred: str, **entity: Any) -> dict[str, Any]:
    """A Paddle notification for the chat product's subscription, from the activated payload's entity."""
    payload = copy.deepcopy(load_payloads("paddle-chat-messages.jsonl")[1])
    payload["data"].update(entity)
    payload.update(event_id=f"evt_fake_chat_pause_{number:04d}", event_type=event_type, occurred_at=occurred)
    return payload


class TestPaddlePauseWithScheduledResume:
    """Paddle scheduled_change pause with resume_at, and a paused entity's scheduled resume."""

    def _harness(self) -> Harness:
        harness = Harness(paddle, "chat-messages")
        for payload in load_payloads("paddle-chat-messages.jsonl")[:2]:
            harness.deliver(payload)
        return harness

    def test_scheduled_pause_resumes_by_itself(self):
        harness = self._harness()
        scheduled = {
            "action": "pause",
            "effective_at": "2026-03-08T10:00:00Z",
            "resume_at": "2026-04-08T10:00:00Z",
        }
        harness.deliver(
            _paddle(1, "subscription.updated", "2026-02-20T00:00:00Z", scheduled_change=scheduled)
        )
        ws = "ws-fake-chat-0002"
        check(harness, ws, "chat.send", "2026-03-01T00:00:00Z", "allow", "granted", "business")
        check(harness, ws, "chat.send", "2026-03-10T00:00:00Z", "deny", "paused", None)
        paused = {"status": "paused", "paused_at": "2026-03-08T10:00:00Z"}
        resume = {"action": "resume", "effective_at": "2026-04-08T10:00:00Z", "resume_at": None}
        harness.deliver(
            _paddle(2, "subscription.paused", "2026-03-08T10:00:01Z", scheduled_change=resume, **paused)
        )
        assert harness.outcomes[-2:] == [("pause", "applied"), ("pause", "applied")]
        check(harness, ws, "chat.send", "2026-03-10T00:00:00Z", "deny", "paused", None)
        # No subscription.resumed needed: at resume_at the source grants again.
        check(harness, ws, "chat.send", "2026-04-08T10:00:00Z", "allow", "granted", "business")
        # The customer moves the resume: the paused entity's scheduled resume changes, the pause is re-stated.
        moved = resume | {"effective_at": "2026-04-15T10:00:00Z"}
        harness.deliver(
            _paddle(3, "subscription.updated", "2026-03-20T00:00:00Z", scheduled_change=moved, **paused)
        )
        assert harness.outcomes[-1] == ("pause", "applied")
        check(harness, ws, "chat.send", "2026-04-10T00:00:00Z", "deny", "paused", None)
        check(harness, ws, "chat.send", "2026-04-15T10:00:00Z", "allow", "granted", "business")
        # The resume is removed: paused until a resume event.
        harness.deliver(
            _paddle(4, "subscription.updated", "2026-03-21T00:00:00Z", scheduled_change=None, **paused)
        )
        check(harness, ws, "chat.send", "2026-05-01T00:00:00Z", "deny", "paused", None)
        harness.deliver(_paddle(5, "subscription.resumed", "2026-05-02T00:00:00Z", scheduled_change=None))
        check(harness, ws, "chat.send", "2026-05-03T00:00:00Z", "allow", "granted", "business")
        assert "illegal" not in {outcome for _, outcome in harness.outcomes}

    def test_removed_scheduled_pause_is_withdrawn(self):
        harness = self._harness()
        scheduled = {"action": "pause", "effective_at": "2026-03-08T10:00:00Z", "resume_at": None}
        harness.deliver(
            _paddle(1, "subscription.updated", "2026-02-20T00:00:00Z", scheduled_change=scheduled)
        )
        harness.deliver(_paddle(2, "subscription.updated", "2026-02-21T00:00:00Z", scheduled_change=None))
        assert ("schedule_withdrawn", "applied") in harness.outcomes
        check(
            harness, "ws-fake-chat-0002", "chat.send", "2026-03-10T00:00:00Z", "allow", "granted", "business"
        )


def _lemonsqueezy_paused(mode: str, resumes_at: str | None) -> dict[str, Any]:
    payload = copy.deepcopy(load_payloads("lemonsqueezy-chat-messages.jsonl")[1])
    attributes = payload["data"]["attributes"]
    attributes.update(status="paused", updated_at="2026-03-20T08:00:00.000000Z")
    attributes["pause"] = {"mode": mode, "resumes_at": resumes_at}
    payload["meta"]["event_name"] = "subscription_paused"
    return payload


class TestLemonSqueezyPauseModes:
    """pause.mode void denies, free keeps access; pause.resumes_at ends the pause by itself."""

    @pytest.mark.parametrize(
        ("mode", "outcome", "reason", "plan"),
        [("void", "deny", "paused", None), ("free", "allow", "paused_with_access", "team")],
    )
    def test_modes(self, mode, outcome, reason, plan):
        harness = Harness(lemonsqueezy, "chat-messages")
        for payload in load_payloads("lemonsqueezy-chat-messages.jsonl")[:2]:
            harness.deliver(payload)
        harness.deliver(_lemonsqueezy_paused(mode, "2026-04-20T08:00:00.000000Z"))
        assert harness.outcomes[-1] == ("pause", "applied")
        ws = "ws-fake-chat-0003"
        check(harness, ws, "chat.history", "2026-03-25T00:00:00Z", outcome, reason, plan)
        check(harness, ws, "chat.history", "2026-04-20T08:00:00Z", "allow", "granted", "team")

    def test_open_ended_void_pause_waits_for_unpause(self):
        harness = Harness(lemonsqueezy, "chat-messages")
        for payload in load_payloads("lemonsqueezy-chat-messages.jsonl")[:2]:
            harness.deliver(payload)
        harness.deliver(_lemonsqueezy_paused("void", None))
        check(harness, "ws-fake-chat-0003", "chat.history", "2026-06-01T00:00:00Z", "deny", "paused", None)


class TestTrialConversionGraceIsProductPolicy:
    """A late conversion webhook: denied by default, allowed inside the product's stated grace."""

    def test_late_lemonsqueezy_conversion(self):
        harness = Harness(lemonsqueezy, "chat-messages")
        payloads = load_payloads("lemonsqueezy-chat-messages.jsonl")
        harness.deliver(payloads[0])  # the trial ends 2026-03-15T08:00; its conversion lands 3 s later
        workspace = REDACTOR.redact("ws", "ws-fake-chat-0003")
        policy = dict(DEFAULT_POLICY) | {"trial_conversion_grace": "PT1H"}
        base = {
            "workspace": workspace,
            "capability": "chat.history",
            "as_of": "2026-03-15T08:00:02Z",
            "records": harness.state.workspace_records(workspace),
            "snapshot": harness.product.snapshot,
        }
        assert decide(base | {"policy": DEFAULT_POLICY})["reason"] == "source_expired"
        graced = decide(base | {"policy": policy})
        assert (graced["outcome"], graced["reason"]) == ("allow", "in_conversion_grace")
        harness.deliver(payloads[1])
        check(
            harness, "ws-fake-chat-0003", "chat.history", "2026-03-15T08:00:04Z", "allow", "granted", "team"
        )
