"""Events round-tripped through the official CloudEvents SDKs are duplicates, never conflicts.

Python: the ``cloudevents`` 2.2.0 SDK (``cloudevents.core``: ``from_http``, ``to_binary``,
``to_structured``, ``JSONFormat``) parses ``time`` into a ``datetime`` (microseconds) and writes
it back with ``isoformat()``. JavaScript: the SDK (10.0.0) rewrites ``time`` with
``new Date(time).toISOString()``, which Node reproduces here without the SDK package.
"""

import json
import subprocess

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http, to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from tests._support import node_or_skip
from tests.ledger._support import FIXTURE, NOW, WINDOW

from saas_contracts.ledger import (
    ReplayRequest,
    event_violations,
    fingerprint,
    from_cloudevent,
    replay_lines,
    to_cloudevent,
)


def _fixture_events():
    """Every schema-valid event of the fixture: event-stage vectors and replay-stage lines."""
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    found: dict[str, dict[str, object]] = {}
    for stage in document["stages"]:
        for vector in stage["vectors"]:
            candidates = []
            if stage["stage"] == "event" and isinstance(vector.get("event"), dict):
                candidates.append(vector["event"])
            for text in vector.get("lines", []) if stage["stage"] == "replay" else []:
                try:
                    candidates.append(json.loads(text))
                except ValueError:
                    continue
            for event in candidates:
                if isinstance(event, dict) and not event_violations(event):
                    found.setdefault(json.dumps(event, sort_keys=True), event)
    return list(found.values())


EVENTS = _fixture_events()
FORMAT = JSONFormat()
STRUCTURED = {"content-type": "application/cloudevents+json"}


def _through_python_sdk(event, send):
    """Receive our CloudEvent JSON with the SDK, send it on (binary or structured), receive, write JSON."""
    received = from_http(HTTPMessage(STRUCTURED, json.dumps(to_cloudevent(event)).encode()), FORMAT)
    forwarded = from_http(send(received, FORMAT), FORMAT)
    return from_cloudevent(json.loads(FORMAT.write(forwarded)))


def _replayed(*events):
    window = {"start": WINDOW[0], "end": WINDOW[1]}
    request = ReplayRequest.from_json(
        {"window": window, "mode": "replay", "dry_run": True, "suppression_threshold": 1}
    )
    return replay_lines([json.dumps(event) for event in events], request, now=NOW).counts


ACCEPTED_ALONE = [event for event in EVENTS if _replayed(event)["accepted"] == 1]
"""The events a replay applies (in the window, within the time rules): round trips must be duplicates."""


def test_the_fixture_has_many_valid_events():
    """The round trips below cover a real spread of events (fractions, features, attributes)."""
    assert len(EVENTS) >= 15
    assert len(ACCEPTED_ALONE) >= 10
    assert any("." in event["occurred_at"] for event in EVENTS)


class TestPythonSdk:
    """cloudevents 2.2.0 (its current cloudevents.core API) keeps every fixture event's fingerprint."""

    @pytest.mark.parametrize("send", [to_binary, to_structured], ids=["binary", "structured"])
    def test_every_fixture_event_round_trips_to_a_duplicate(self, send):
        """Same fingerprint, and replaying original + round trip gives accepted + duplicate."""
        for event in EVENTS:
            back = _through_python_sdk(event, send)
            assert fingerprint(back) == fingerprint(event)
        assert ACCEPTED_ALONE
        for event in ACCEPTED_ALONE:
            counts = _replayed(event, _through_python_sdk(event, send))
            assert (counts["accepted"], counts["duplicate"], counts["conflict"]) == (1, 1, 0)

    def test_the_sdk_does_rewrite_fractions(self):
        """Why the rule is needed: the SDK writes microseconds, so the text differs."""
        event = next(event for event in EVENTS if event["occurred_at"].endswith(".123456789Z"))
        back = _through_python_sdk(event, to_structured)
        assert back["occurred_at"] != event["occurred_at"]
        assert fingerprint(back) == fingerprint(event)


@pytest.mark.node
class TestJavaScriptSdkTime:
    """``new Date(time).toISOString()`` (the JS SDK's rewrite of ``time``) keeps the fingerprint."""

    def test_every_fixture_event_round_trips_to_a_duplicate(self):
        """Node rewrites each occurred_at the SDK's way; fingerprints and replay verdicts agree."""
        node = node_or_skip()
        stamps = [event["occurred_at"] for event in EVENTS]
        script = (
            "const s = require('fs').readFileSync(0, 'utf8');"
            "process.stdout.write(JSON.stringify(JSON.parse(s).map((t) => new Date(t).toISOString())));"
        )
        done = subprocess.run(  # noqa: S603 - our own one-liner
            [node, "-e", script], input=json.dumps(stamps), capture_output=True, text=True, check=True
        )
        rewritten = json.loads(done.stdout)
        assert any(old != new for old, new in zip(stamps, rewritten, strict=True))
        for event, stamp in zip(EVENTS, rewritten, strict=True):
            back = {**event, "occurred_at": stamp}
            assert fingerprint(back) == fingerprint(event)
            if event in ACCEPTED_ALONE:
                counts = _replayed(event, back)
                assert (counts["accepted"], counts["duplicate"], counts["conflict"]) == (1, 1, 0)
