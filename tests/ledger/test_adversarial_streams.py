"""Adversarial JSON Lines streams: every line ends in one counted outcome, on every parse/validate path.

Each stream is built here from small helpers (no big files are committed) and
replayed through the bulk path (orjson + jsonschema-rs), the reference path
(strict parser + jsonschema) and tiny blocks (lines cut across reads); the
reports must be identical and conserve the lines read.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from tests.ledger._support import NOW, WINDOW, line, make_event

from saas_contracts._validation import ValidatorChoice, fast_available, validate
from saas_contracts.ledger import REPORT_SCHEMA, MemoryIndex, ReplayRequest, SqliteIndex, replay

if TYPE_CHECKING:
    from pathlib import Path

    from tests._support import Cli

MAX_SAFE = 2**53 - 1
BASE_PLAN: dict[str, Any] = make_event()["plan"]
ZERO = ("accepted", "duplicate", "conflict", "invalid", "out_of_window", "late", "blank", "late_accepted")


def request(**overrides: Any) -> ReplayRequest:
    """A request over the default window, no suppression."""
    values: dict[str, Any] = {"window_start": WINDOW[0], "window_end": WINDOW[1], "suppression_threshold": 1}
    values.update(overrides)
    return ReplayRequest(**values)


def ev(number: int, **changes: Any) -> dict[str, Any]:
    """A distinct valid event (own event id and idempotency key) with changes."""
    base = {"event_id": f"evt-adv-{number:06d}", "idempotency_key": f"adv.key:{number:06d}"}
    base.update(changes)
    return make_event(**base)


def expected(**counts: int) -> dict[str, int]:
    """Full counts dict: unnamed outcomes are zero, lines_read is their sum."""
    result = dict.fromkeys(ZERO, 0)
    result.update(counts)
    result["lines_read"] = sum(value for name, value in result.items() if name != "late_accepted")
    return result


def run_all(
    data: bytes | list[bytes],
    req: ReplayRequest | None = None,
    *,
    now: str = NOW,
    index_factory: Any = MemoryIndex,
) -> dict[str, Any]:
    """Replay ``data`` (one or several inputs) every way; assert equal reports; return the JSON report."""
    inputs = [data] if isinstance(data, bytes) else data
    req = req or request()
    validators: list[ValidatorChoice] = ["reference", "fast"] if fast_available() else ["reference"]
    reports = []
    for validator in validators:
        for block_bytes in (1 << 20, 7):
            streams = [io.BytesIO(chunk) for chunk in inputs]
            report = replay(
                streams,
                req,
                now=now,
                index=index_factory(),
                workers=1,
                validator=validator,
                block_bytes=block_bytes,
            )
            reports.append(report.to_json())
    first = reports[0]
    for other in reports[1:]:
        assert other == first
    assert first["conservation"]["holds"]
    assert first["conservation"]["lines_read"] == first["counts"]["lines_read"]
    return first


def lines(*items: object, newline: bytes = b"\n", final: bool = True) -> bytes:
    """JSON Lines bytes: dicts are dumped compactly, str/bytes are taken as they are."""
    parts = []
    for item in items:
        if isinstance(item, bytes):
            parts.append(item)
        elif isinstance(item, str):
            parts.append(item.encode("utf-8"))
        else:
            parts.append(line(item).encode("utf-8"))
    body = newline.join(parts)
    return body + newline if final and parts else body


def reasons(report: dict[str, Any]) -> list[tuple[int, str]]:
    """``(line, reason)`` of the invalid samples."""
    return [(issue["line"], issue["reason"]) for issue in report["invalid_samples"]]


class TestFraming:
    """Line endings, byte-order marks, blank lines, encodings."""

    def test_crlf_line_endings(self) -> None:
        data = lines(ev(1), ev(2), ev(1), "", newline=b"\r\n")
        report = run_all(data)
        assert report["counts"] == expected(accepted=2, duplicate=1, blank=1)

    def test_bom_on_line_one_only(self) -> None:
        data = b"\xef\xbb\xbf" + lines(ev(1), b"\xef\xbb\xbf" + line(ev(2)).encode())
        report = run_all(data)
        assert report["counts"] == expected(accepted=1, invalid=1)
        assert reasons(report)[0][0] == 2

    def test_bom_alone_and_bom_before_blank_is_blank(self) -> None:
        assert run_all(b"\xef\xbb\xbf")["counts"] == expected(blank=1)
        assert run_all(b"\xef\xbb\xbf  \r\n" + lines(ev(1)))["counts"] == expected(blank=1, accepted=1)

    def test_bom_on_every_input_line_one(self) -> None:
        bom = b"\xef\xbb\xbf"
        report = run_all([bom + lines(ev(1)), bom + lines(ev(2))])
        assert report["counts"] == expected(accepted=2)

    def test_trailing_line_without_newline(self) -> None:
        report = run_all(lines(ev(1), ev(2), final=False))
        assert report["counts"] == expected(accepted=2)

    def test_blank_and_whitespace_only_lines(self) -> None:
        data = lines("", " ", "\t", "\r", " \t \r", ev(1), "", final=True)
        report = run_all(data)
        assert report["counts"] == expected(accepted=1, blank=6)

    def test_empty_input_and_only_blank_lines(self) -> None:
        assert run_all(b"")["counts"] == expected()
        assert run_all(b"\n\n\n")["counts"] == expected(blank=3)
        assert run_all(b"\n \n\t")["counts"] == expected(blank=3)

    def test_non_utf8_bytes(self) -> None:
        bad = line(ev(2)).encode().replace(b"sample-producer", b"sample-\xff\xfeproducer")
        latin1 = line(ev(3, attributes={"region": "eu"})).encode().replace(b'"eu"', b'"\xe9u"')
        report = run_all(lines(ev(1), bad, latin1, b"\xc3\x28"))
        assert report["counts"] == expected(accepted=1, invalid=3)
        assert [number for number, _ in reasons(report)] == [2, 3, 4]
        assert all("not UTF-8" in reason for _, reason in reasons(report))

    def test_non_utf8_reason_never_echoes_content(self) -> None:
        secret = b'{"token": "sk_live_abcdef\xff"}'
        report = run_all(lines(secret))
        assert "sk_live" not in json.dumps(report)

    @pytest.mark.parametrize(
        "text",
        ["[1, 2]", "5", '"a string"', "null", "true", "[]", '[{"event_id": "x"}]', "{}", "{", "}", "nul"],
    )
    def test_not_an_object(self, text: str) -> None:
        report = run_all(lines(ev(1), text))
        assert report["counts"] == expected(accepted=1, invalid=1)
        assert reasons(report)[0][0] == 2

    def test_two_objects_on_one_line_is_invalid(self) -> None:
        report = run_all(lines(line(ev(1)) + line(ev(2))))
        assert report["counts"] == expected(invalid=1)

    def test_nan_infinity_and_overflow(self) -> None:
        good = line(ev(1))
        variants = [
            good.replace('"quantity":5', '"quantity":NaN'),
            good.replace('"quantity":5', '"quantity":Infinity'),
            good.replace('"quantity":5', '"quantity":-Infinity'),
            good.replace('"quantity":5', '"quantity":1e400'),
            good.replace('"quantity":5', '"quantity":-1e400'),
        ]
        report = run_all(lines(*variants))
        assert report["counts"] == expected(invalid=5)

    def test_duplicate_keys_in_one_object(self) -> None:
        good = line(ev(1))
        top = good[:-1] + ',"quantity":6}'
        plan = good.replace('"plan":{', '"plan":{"plan_label":"free",')
        attrs = line(ev(2, attributes={"region": "eu"})).replace('{"region"', '{"region":"us","region"')
        spaced = good[:-1] + ', "quantity" : 5}'
        report = run_all(lines(top, plan, attrs, spaced))
        assert report["counts"] == expected(invalid=4)
        assert all("duplicate" in reason.lower() for _, reason in reasons(report))

    @pytest.mark.slow  # ~11 s: three 1 MiB lines through every parse/validate path
    def test_one_megabyte_line(self) -> None:
        huge = line(ev(1, attributes={"region": "x" * (1 << 20)}))
        padded = json.dumps(ev(2)) + " " * (1 << 20)  # whitespace padding: valid JSON, valid event
        report = run_all(lines(huge, ev(3), padded))
        assert report["counts"] == expected(accepted=2, invalid=1)
        assert reasons(report)[0][0] == 1

    @pytest.mark.parametrize(
        "depth",
        [50, 900, 1100, 2000, pytest.param(100_000, marks=pytest.mark.slow)],  # 100,000 levels: ~2 s
    )
    def test_deeply_nested_attributes(self, depth: int) -> None:
        nested = "[" * depth + "]" * depth
        text = line(ev(1))[:-1] + ',"attributes":{"deep":' + nested + "}}"
        objects = line(ev(2))[:-1] + ',"attributes":' + '{"a":' * depth + "1" + "}" * depth + "}"
        report = run_all(lines(text, objects, ev(3)))
        assert report["counts"] == expected(accepted=1, invalid=2)
        assert [number for number, _ in reasons(report)] == [1, 2]

    def test_unpaired_surrogate_escape_is_invalid_not_a_crash(self) -> None:
        text = line(ev(1, attributes={"region": "eu"})).replace('"eu"', '"\\ud800"')
        report = run_all(lines(text, ev(2)))
        assert report["counts"] == expected(accepted=1, invalid=1)


class TestFingerprintsAndConflicts:
    """Same scope: duplicate when the business content is equal, conflict otherwise; first one wins."""

    @pytest.mark.parametrize("spelling", ["5", "5.0", "5e0", "50e-1", "5E+0", "0.5e1", "5.000"])
    def test_number_spellings_are_duplicates(self, spelling: str) -> None:
        respelled = json.dumps(dict(reversed(list(ev(1).items())))).replace(
            '"quantity": 5', f'"quantity": {spelling}'
        )
        report = run_all(lines(ev(1), respelled))
        assert report["counts"] == expected(accepted=1, duplicate=1)
        assert report["aggregates"]["rows"][0]["quantity"] == 5

    def test_reordered_keys_everywhere_and_new_receipt_fields_are_duplicates(self) -> None:
        first = ev(1, attributes={"a": "x", "b": "y"})
        again = dict(reversed(list(first.items())))
        again["plan"] = dict(reversed(list(first["plan"].items())))
        again["attributes"] = {"b": "y", "a": "x"}
        again["event_id"] = "evt-adv-retry-1"
        again["recorded_at"] = "2026-11-02T10:05:00Z"
        report = run_all(lines(first, again))
        assert report["counts"] == expected(accepted=1, duplicate=1)

    def test_first_wins_later_conflicts(self) -> None:
        a, changed = ev(1), ev(1, quantity=6)
        report = run_all(lines(a, changed, changed, a))
        # A is applied; A' conflicts each time it comes (never applied); A again is a duplicate.
        assert report["counts"] == expected(accepted=1, conflict=2, duplicate=1)
        assert [issue["line"] for issue in report["conflict_samples"]] == [2, 3]
        assert report["aggregates"]["rows"][0]["quantity"] == 5

    def test_a_aprime_a(self) -> None:
        report = run_all(lines(ev(1), ev(1, quantity=7), ev(1)))
        assert report["counts"] == expected(accepted=1, conflict=1, duplicate=1)

    def test_conflict_order_follows_input_order_across_inputs(self) -> None:
        report = run_all([lines(ev(1, quantity=9)), lines(ev(1))])
        assert report["counts"] == expected(accepted=1, conflict=1)
        assert report["aggregates"]["rows"][0]["quantity"] == 9
        assert report["conflict_samples"] == [
            {"input": 2, "line": 1, "reason": report["conflict_samples"][0]["reason"]}
        ]

    @pytest.mark.parametrize(
        "change",
        [
            {"quantity": 6},
            {"subject": "ws_ref_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
            {"plan__plan_label": "free"},
            {"plan__captured_at": "2026-11-02T09:58:00Z"},
            {"occurred_at": "2026-11-02T10:00:01Z"},
            {"occurred_at": "2026-11-02T10:00:00.001Z"},  # 1 ms later: another instant
            {"plan__captured_at": "2026-11-02T09:59:00.001Z"},
            {"event_type": "sample.other_kind"},
            {"attributes": {"region": "eu"}},
        ],
    )
    def test_any_business_change_conflicts(self, change: dict[str, Any]) -> None:
        report = run_all(lines(ev(1), ev(1, **change)))
        assert report["counts"] == expected(accepted=1, conflict=1)

    @pytest.mark.parametrize(
        "spelling",
        [
            {"occurred_at": "2026-11-02T10:00:00.000Z"},  # the JavaScript SDK's Date.toISOString()
            {"occurred_at": "2026-11-02T10:00:00.000000Z"},
            {"occurred_at": "2026-11-02T10:00:00.000999999Z"},  # under a millisecond: truncated
            {"plan__captured_at": "2026-11-02T09:59:00.0Z"},
        ],
    )
    def test_same_millisecond_other_spelling_is_a_duplicate(self, spelling: dict[str, Any]) -> None:
        """Timestamps count to the millisecond (fingerprint version 2): equal milliseconds, one event."""
        report = run_all(lines(ev(1), ev(1, **spelling)))
        assert report["counts"] == expected(accepted=1, duplicate=1)

    def test_escaped_spellings_of_equal_strings_are_duplicates(self) -> None:
        text = line(ev(1))
        escaped = text.replace('"sample-producer"', '"sample\\u002dproducer"').replace('"pro"', '"\\u0070ro"')
        report = run_all(lines(text, escaped, text.replace('"quantity":5', '"quantity":5.0000000000000001')))
        assert report["counts"] == expected(accepted=1, duplicate=2)

    def test_same_event_id_different_key_are_two_events(self) -> None:
        report = run_all(lines(ev(1), ev(2, event_id="evt-adv-000001")))
        assert report["counts"] == expected(accepted=2)

    def test_scope_is_source_and_key(self) -> None:
        a = ev(1)
        other_source = ev(1, source="other-producer", quantity=8)
        report = run_all(
            lines(a, other_source, ev(1, quantity=9), ev(1, source="other-producer", quantity=8))
        )
        assert report["counts"] == expected(accepted=2, conflict=1, duplicate=1)
        assert report["aggregates"]["rows"][0]["quantity"] == 13


class TestTimes:
    """Window bounds, fractions, offsets, impossible dates, future and order rules."""

    @staticmethod
    def at(number: int, stamp: str) -> dict[str, Any]:
        return ev(number, occurred_at=stamp, recorded_at=stamp, plan__captured_at=stamp)

    def test_window_bounds_to_the_nanosecond(self) -> None:
        report = run_all(
            lines(
                self.at(1, "2026-11-01T00:00:00Z"),  # start: in
                self.at(2, "2026-11-01T00:00:00.000Z"),  # start, other spelling: in
                self.at(3, "2026-10-31T23:59:59.999999999Z"),  # just before: out
                self.at(4, "2026-11-08T00:00:00Z"),  # end: out
                self.at(5, "2026-11-08T00:00:00.000000000Z"),  # end: out
                self.at(6, "2026-11-07T23:59:59.999999999Z"),  # just before end: in
                self.at(7, "2026-11-01T00:00:00.000000001Z"),  # in
            ),
        )
        assert report["counts"] == expected(accepted=4, out_of_window=3)

    def test_window_with_fractional_bounds(self) -> None:
        req = request(window_start="2026-11-01T00:00:00.5Z", window_end="2026-11-01T00:00:01.000000001Z")
        report = run_all(
            lines(
                self.at(1, "2026-11-01T00:00:00.499999999Z"),
                self.at(2, "2026-11-01T00:00:00.500Z"),
                self.at(3, "2026-11-01T00:00:01Z"),
                self.at(4, "2026-11-01T00:00:01.000000001Z"),
            ),
            req,
        )
        assert report["counts"] == expected(accepted=2, out_of_window=2)

    @pytest.mark.parametrize(
        "stamp",
        [
            "2026-11-02T10:00:00+00:00",
            "2026-11-02T10:00:00.000+00:00",
            "2026-11-02T10:00:00z",
            "2026-11-02t10:00:00Z",
            "2026-11-02 10:00:00Z",
            "2026-11-02T10:00:00",
            "2026-11-02T10:00:00.Z",
            "2026-11-02T10:00:00.1234567891Z",
            "2026-11-02T10:00:00Z\n",
            "2026-02-30T10:00:00Z",
            "2025-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-11-31T10:00:00Z",
            "2026-11-02T24:00:00Z",
            "2026-11-02T10:60:00Z",
            "2026-11-02T10:00:60Z",
            "0000-11-02T10:00:00Z",
            "2026-11-02T10:00:00\u0661Z",
            "20261102T100000Z",
        ],
    )
    def test_bad_timestamps_are_invalid(self, stamp: str) -> None:
        for field in ("occurred_at", "recorded_at", "plan__captured_at"):
            report = run_all(lines(ev(1, **{field: stamp}), ev(2)))
            assert report["counts"] == expected(accepted=1, invalid=1), field
            assert reasons(report)[0][0] == 1

    def test_leap_day(self) -> None:
        req = request(window_start="2028-02-28T00:00:00Z", window_end="2028-03-01T00:00:00Z")
        report = run_all(lines(self.at(1, "2028-02-29T12:00:00Z")), req, now="2028-03-02T00:00:00Z")
        assert report["counts"] == expected(accepted=1)

    def test_occurred_after_recorded(self) -> None:
        within = ev(1, occurred_at="2026-11-02T10:04:00Z", recorded_at="2026-11-02T10:00:00Z")
        beyond = ev(2, occurred_at="2026-11-02T10:05:01Z", recorded_at="2026-11-02T10:00:00Z")
        report = run_all(lines(within, beyond))
        assert report["counts"] == expected(accepted=1, invalid=1)
        assert reasons(report)[0][1].startswith("/recorded_at: precedes occurred_at")

    def test_future_beyond_skew(self) -> None:
        now = "2026-11-05T00:00:00Z"
        ok = ev(1, occurred_at="2026-11-04T23:00:00Z", recorded_at="2026-11-05T00:05:00Z")
        recorded = ev(2, occurred_at="2026-11-04T23:00:00Z", recorded_at="2026-11-05T00:05:00.000000001Z")
        occurred = ev(
            3,
            occurred_at="2026-11-05T00:06:00Z",
            recorded_at="2026-11-05T00:06:00Z",
            plan__captured_at="2026-11-05T00:06:00Z",
        )
        report = run_all(lines(ok, recorded, occurred), now=now)
        assert report["counts"] == expected(accepted=1, invalid=2)
        assert all("future" in reason for _, reason in reasons(report))

    def test_future_event_outside_window_is_invalid_not_out_of_window(self) -> None:
        stamp = "2027-01-01T00:00:00Z"
        report = run_all(lines(self.at(1, stamp)))
        assert report["counts"] == expected(invalid=1)

    def test_late_threshold_is_exclusive(self) -> None:
        on_the_edge = ev(1, occurred_at="2026-11-02T10:00:00Z", recorded_at="2026-11-05T10:00:00Z")
        just_over = ev(2, occurred_at="2026-11-02T10:00:00Z", recorded_at="2026-11-05T10:00:00.000000001Z")
        report = run_all(lines(on_the_edge, just_over))
        assert report["counts"] == expected(accepted=2, late_accepted=1)

    def test_late_policy(self) -> None:
        late = ev(1, recorded_at="2026-11-06T10:00:01Z")
        assert run_all(lines(late))["counts"] == expected(accepted=1, late_accepted=1)
        from saas_contracts.ledger import TimeRules  # noqa: PLC0415

        req = request(time_rules=TimeRules(late_policy="reject"))
        report = run_all(lines(late, late, ev(2)), req)
        assert report["counts"] == expected(late=2, accepted=1)


class TestQuantityAndShape:
    """Quantities at the edges and closed-shape violations."""

    @pytest.mark.parametrize(
        ("raw", "valid"),
        [
            ("0", True),
            ("-0", True),
            ("-0.0", True),
            (str(MAX_SAFE), True),
            (f"{MAX_SAFE}.0", True),
            (str(MAX_SAFE + 1), False),
            (str(2**63), False),
            (str(2**64), False),
            (str(2**64 + 1), False),
            ("-1", False),
            (str(-(2**63) - 1), False),
            ("1.5", False),
            ('"5"', False),
            ("true", False),
            ("null", False),
            ("[5]", False),
            ("{}", False),
        ],
    )
    def test_quantity(self, raw: str, *, valid: bool) -> None:
        text = line(ev(1)).replace('"quantity":5', f'"quantity":{raw}')
        report = run_all(lines(text))
        assert report["counts"] == (expected(accepted=1) if valid else expected(invalid=1))
        if not valid:
            assert reasons(report)[0][1].startswith("/quantity")

    def test_max_safe_quantities_add_up_exactly(self) -> None:
        report = run_all(lines(*(ev(n, quantity=MAX_SAFE) for n in range(3))))
        assert report["aggregates"]["rows"][0]["quantity"] == 3 * MAX_SAFE

    @pytest.mark.parametrize(
        ("changes", "pointer"),
        [
            ({"subject": "3f2b8c1e-9a4d-4c6b-8e2f-1a2b3c4d5e6f"}, "/subject"),
            ({"subject": "acct_12345"}, "/subject"),
            ({"source": "Sample Producer"}, "/source"),
            ({"idempotency_key": "short"}, "/idempotency_key"),
            ({"event_type": "nodot"}, "/event_type"),
            ({"plan__extra": "x"}, "/plan"),
            ({"attributes": {"Region": "eu"}}, "/attributes"),
            ({"attributes": {f"k{n}": "v" for n in range(33)}}, "/attributes"),
        ],
    )
    def test_schema_violations(self, changes: dict[str, Any], pointer: str) -> None:
        report = run_all(lines(ev(1, **changes)))
        assert report["counts"] == expected(invalid=1)
        assert reasons(report)[0][1].startswith(pointer)
        assert "3f2b8c1e" not in json.dumps(report)

    @pytest.mark.parametrize(
        "changes",
        [
            {"alice.smith@example.com": "x"},
            {"sk_live_abcdefghijklmnop": 1},
            {"attributes": {"sk_live_abcdefghijklmnop": "BAD"}},
            {"attributes": {"alice@example.com": "x"}},
            {"plan": {**BASE_PLAN, "bob@example.com": "x"}},
        ],
    )
    def test_reasons_never_echo_input_keys(self, cli: Cli, changes: dict[str, Any], tmp_path: Path) -> None:
        event = {**ev(1), **changes}
        report = run_all(lines(event, ev(2)))
        assert report["counts"] == expected(accepted=1, invalid=1)
        text = json.dumps(report)
        assert "example.com" not in text
        assert "sk_live" not in text
        assert validate(report, REPORT_SCHEMA) == ()
        # The ops summary of such a run passes the privacy scan and is written.
        path = tmp_path / "events.jsonl"
        path.write_bytes(lines(event, ev(2)))
        out = tmp_path / "ops.md"
        args = ["replay", str(path), "--window-start", WINDOW[0], "--window-end", WINDOW[1], "--now", NOW]
        result = cli("ledger", *args, "--dry-run", "--fail-on", "none", "--output", str(out))
        assert result.exit_code == 0, result.output
        assert out.exists()
        assert "example.com" not in result.output + out.read_text(encoding="utf-8")

    def test_unknown_and_missing_properties(self) -> None:
        extra = {**ev(1), "customer_email": "x"}
        report = run_all(lines(extra, ev(2, quantity=None), ev(3)))
        assert report["counts"] == expected(accepted=1, invalid=2)


class TestInputsAndIndexes:
    """Multiple inputs, stdin, SQLite across runs, dry runs."""

    def test_multiple_inputs_line_numbers_restart(self, tmp_path: Path) -> None:
        first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
        first.write_bytes(lines(ev(1), "oops"))
        second.write_bytes(lines("oops", ev(1), ev(2)))
        report = replay([first, second], request(), now=NOW, workers=1)
        assert report.counts == expected(accepted=2, duplicate=1, invalid=2)
        assert [(issue.input, issue.line) for issue in report.invalid_samples] == [(1, 2), (2, 1)]

    def test_empty_file_and_blank_only_file(self, tmp_path: Path) -> None:
        empty, blank = tmp_path / "empty.jsonl", tmp_path / "blank.jsonl"
        empty.write_bytes(b"")
        blank.write_bytes(b"\n  \n\r\n")
        report = replay([empty, blank], request(), now=NOW, workers=1)
        assert report.counts == expected(blank=3)

    def test_stdin(self) -> None:
        data = lines(ev(1), ev(1), "x")
        code = (
            "import sys, json\n"
            "from saas_contracts.ledger import ReplayRequest, replay\n"
            f"r = replay(['-'], ReplayRequest(window_start={WINDOW[0]!r}, window_end={WINDOW[1]!r}),"
            f" now={NOW!r}, workers=1)\n"
            "print(json.dumps(dict(r.counts)))\n"
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code], input=data, capture_output=True, check=True
        )
        assert json.loads(done.stdout) == expected(accepted=1, duplicate=1, invalid=1)

    def test_interleaved_sources_reuse_keys(self) -> None:
        a = [ev(n, source="producer-a") for n in range(3)]
        b = [ev(n, source="producer-b", quantity=1) for n in range(3)]
        stream = [item for pair in zip(a, b, strict=True) for item in pair]
        report = run_all(lines(*stream, *reversed(stream)))
        assert report["counts"] == expected(accepted=6, duplicate=6)

    def test_second_run_over_sqlite_sees_everything(self, tmp_path: Path) -> None:
        path = tmp_path / "ledger.sqlite"
        data = lines(ev(1), ev(2), ev(2, quantity=3), "bad", "")
        first = replay([io.BytesIO(data)], request(), now=NOW, index=SqliteIndex(path), workers=1)
        assert first.counts == expected(accepted=2, conflict=1, invalid=1, blank=1)
        assert first.index_written == 2
        for validator in ("reference", "auto"):
            again = replay(
                [io.BytesIO(data)],
                request(),
                now=NOW,
                index=SqliteIndex(path),
                workers=1,
                validator=validator,
            )
            assert again.counts == expected(duplicate=2, conflict=1, invalid=1, blank=1)
            assert again.index_written == 0

    def test_dry_run_then_real_run(self, tmp_path: Path) -> None:
        path = tmp_path / "ledger.sqlite"
        data = lines(ev(1), ev(1), ev(2))
        dry = replay([io.BytesIO(data)], request(dry_run=True), now=NOW, index=SqliteIndex(path), workers=1)
        assert dry.counts == expected(accepted=2, duplicate=1)
        assert dry.index_written == 0
        real = replay([io.BytesIO(data)], request(), now=NOW, index=SqliteIndex(path), workers=1)
        assert real.counts == expected(accepted=2, duplicate=1)
        assert real.index_written == 2
        dry_again = replay(
            [io.BytesIO(data)], request(dry_run=True), now=NOW, index=SqliteIndex(path), workers=1
        )
        assert dry_again.counts == expected(duplicate=3)

    def test_parallel_workers_agree(self) -> None:
        stream: list[object] = []
        for n in range(400):
            stream.append(ev(n % 150, quantity=n % 150 if n % 7 else 1000 + n))
            if n % 13 == 0:
                stream.append("{bad")
            if n % 17 == 0:
                stream.append("")
        data = lines(*stream, newline=b"\r\n")
        single = replay([io.BytesIO(data)], request(), now=NOW, workers=1).to_json()
        parallel = replay([io.BytesIO(data)], request(), now=NOW, workers=2, block_bytes=4096).to_json()
        assert parallel == single
        assert single["conservation"]["holds"]

    @pytest.mark.parametrize("block_bytes", [300, 4096])
    def test_parallel_byte_ranges_of_files_agree(self, tmp_path: Path, block_bytes: int) -> None:
        """Workers read regular files as byte ranges; line numbers, samples and BOMs match one process."""
        stream: list[object] = []
        for n in range(160):
            stream.append(ev(n % 60, quantity=n % 60 if n % 7 else 1000 + n))
            if n % 13 == 0:
                stream.append("{bad")
            if n % 17 == 0:
                stream.append("")
        data = lines(*stream)
        first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
        first.write_bytes(b"\xef\xbb\xbf" + data)
        second.write_bytes(data[: len(data) // 2] + b"\xef\xbb\xbf" + data[len(data) // 2 :].rstrip(b"\n"))
        single = replay([first, io.BytesIO(data), second], request(), now=NOW, workers=1)
        parallel = replay(
            [first, io.BytesIO(data), second], request(), now=NOW, workers=2, block_bytes=block_bytes
        )
        assert parallel.to_json() == single.to_json()
        assert single.counts["invalid"] > 3 * 3
        assert len(single.conflict_samples) > 3


class TestCli:
    """The CLI on bad input and deterministic output."""

    @pytest.fixture
    def events(self, tmp_path: Path) -> Path:
        path = tmp_path / "events.jsonl"
        path.write_bytes(lines(*(ev(n) for n in range(12)), ev(1), ev(1, quantity=2), "bad"))
        return path

    def window(self, start: str = WINDOW[0], end: str = WINDOW[1]) -> list[str]:
        return ["--window-start", start, "--window-end", end, "--now", NOW]

    def test_missing_and_unreadable_inputs(self, cli: Cli, tmp_path: Path) -> None:
        missing = tmp_path / "nope.jsonl"
        result = cli("ledger", "replay", str(missing), *self.window())
        assert result.exit_code == 2
        assert "nope.jsonl" in result.output
        result = cli("ledger", "replay", str(tmp_path), *self.window())
        assert result.exit_code == 2

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ("2026-11-01T00:00:00+00:00", WINDOW[1]),
            ("2026-11-01", WINDOW[1]),
            ("yesterday", WINDOW[1]),
            ("2026-02-30T00:00:00Z", WINDOW[1]),
            (WINDOW[1], WINDOW[0]),
            (WINDOW[0], WINDOW[0]),
            ("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"),
        ],
    )
    def test_bad_windows_exit_2(self, cli: Cli, events: Path, start: str, end: str) -> None:
        result = cli("ledger", "replay", str(events), *self.window(start, end))
        assert result.exit_code == 2, result.output
        assert "window" in result.output.lower()
        assert "Traceback" not in result.output

    @pytest.mark.parametrize("now", ["yesterday", "2026-11-10T00:00:00+00:00", "2026-02-30T00:00:00Z"])
    def test_bad_now_exits_2(self, cli: Cli, events: Path, now: str) -> None:
        args = ["--window-start", WINDOW[0], "--window-end", WINDOW[1], "--now", now]
        for command in ("replay", "summarize"):
            result = cli("ledger", command, str(events), *args)
            assert result.exit_code == 2, result.output
            assert "--now" in result.output

    def test_index_in_missing_directory(self, cli: Cli, events: Path, tmp_path: Path) -> None:
        index = tmp_path / "missing" / "ledger.sqlite"
        sha = ["--commit-sha", "0123456789abcdef0123456789abcdef01234567"]
        result = cli("ledger", "replay", str(events), *self.window(), "--index", str(index), *sha)
        assert result.exit_code == 2, result.output
        assert "ledger.sqlite" in result.output

    def test_public_output_suppresses_small_counts(self, cli: Cli, tmp_path: Path) -> None:
        path = tmp_path / "small.jsonl"
        rare = [ev(100 + n, event_type="sample.rare_kind") for n in range(4)]
        path.write_bytes(lines(*(ev(n) for n in range(5)), *rare))
        args = ["replay", str(path), *self.window(), "--dry-run", "-o", "json"]
        summary = json.loads(cli("ledger", *args).stdout)
        assert [row["event_kind"] for row in summary["aggregates"]["rows"]] == ["sample.unit_consumed"]
        assert summary["aggregates"]["suppression"]["suppressed_rows"] == 1

    def test_backfill_needs_a_reference(self, cli: Cli, events: Path) -> None:
        result = cli("ledger", "replay", str(events), *self.window(), "--mode", "backfill")
        assert result.exit_code == 2, result.output
        assert "backfill" in result.output

    def test_out_into_missing_directory(self, cli: Cli, events: Path, tmp_path: Path) -> None:
        target = tmp_path / "no" / "such" / "ops.md"
        result = cli(
            "ledger",
            "replay",
            str(events),
            *self.window(),
            "--dry-run",
            "-o",
            "markdown",
            "--output",
            str(target),
        )
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert not target.exists()

    @pytest.mark.parametrize("fmt", ["markdown", "json", "text"])
    def test_output_is_byte_identical_with_now(self, cli: Cli, events: Path, fmt: str) -> None:
        args = ["replay", str(events), *self.window(), "--dry-run", "-o", fmt, "--fail-on", "none"]
        first, second = cli("ledger", *args), cli("ledger", *args)
        assert first.exit_code == 0, first.output
        assert first.stdout_bytes == second.stdout_bytes

    def test_counts_in_json_ops_summary(self, cli: Cli, events: Path) -> None:
        args = ["replay", str(events), *self.window(), "--dry-run", "-o", "json", "--fail-on", "none"]
        summary = json.loads(cli("ledger", *args).stdout)
        counts = summary["counts"]
        assert counts["accepted"] == 12
        assert counts["duplicate"] == 1
        assert counts["conflict"] == 1
        assert counts["invalid"] == 1
