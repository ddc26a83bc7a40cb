"""Replay: one outcome per line, conservation, windows, lateness, idempotency across runs."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, NOW, WINDOW, line, make_event

from saas_contracts import ContractViolationError, InputFileError
from saas_contracts._validation import validate
from saas_contracts.ledger import (
    OUTCOMES,
    REPORT_SCHEMA,
    MemoryIndex,
    ReplayRequest,
    SqliteIndex,
    TimeRules,
    replay,
    replay_lines,
)

B = make_event(event_id="evt-sample-0002", idempotency_key="sample.unit_consumed:0002", quantity=3)
LATE = make_event(
    event_id="evt-sample-0004",
    idempotency_key="sample.unit_consumed:0004",
    recorded_at="2026-11-06T10:00:01Z",
)


class TestOutcomes:
    """Every line ends in exactly one counted outcome."""

    def test_mixed_stream(self, request_factory):
        lines = [
            line(BASE_EVENT),
            json.dumps(dict(reversed(BASE_EVENT.items()))).replace('"quantity": 5', '"quantity": 5.0'),
            line(make_event(quantity=6)),
            '{"broken": ',
            "",
            line(
                make_event(
                    idempotency_key="k-000000002",
                    occurred_at="2026-10-01T00:00:00Z",
                    recorded_at="2026-10-01T00:00:00Z",
                    plan__captured_at="2026-10-01T00:00:00Z",
                )
            ),
            line(make_event(subject="acct_12345")),
            "[1, 2]",
        ]
        report = replay_lines(lines, request_factory(), now=NOW)
        assert report.counts == {
            "lines_read": 8,
            "accepted": 1,
            "duplicate": 1,
            "conflict": 1,
            "invalid": 3,
            "out_of_window": 1,
            "late": 0,
            "blank": 1,
            "late_accepted": 0,
        }
        assert [issue.line for issue in report.invalid_samples] == [4, 7, 8]
        assert report.invalid_samples[1].pointer == "/subject"
        assert [issue.line for issue in report.conflict_samples] == [3]
        assert validate(report.to_json(), REPORT_SCHEMA) == ()

    def test_not_utf8_and_bom(self, request_factory):
        data = b"\xef\xbb\xbf" + line(BASE_EVENT).encode() + b"\n\xff\xfe\n"
        report = replay([io.BytesIO(data)], request_factory(), now=NOW)
        assert report.counts["accepted"] == 1
        assert report.counts["invalid"] == 1
        assert "not UTF-8" in report.invalid_samples[0].reason

    def test_no_trailing_newline_and_crlf(self, request_factory):
        data = (line(BASE_EVENT) + "\r\n" + line(B)).encode()
        report = replay([io.BytesIO(data)], request_factory(), now=NOW)
        assert report.counts["lines_read"] == 2
        assert report.counts["accepted"] == 2

    def test_window_bounds(self, request_factory):
        at_start = make_event(
            idempotency_key="k-00000001",
            occurred_at=WINDOW[0],
            recorded_at=WINDOW[0],
            plan__captured_at=WINDOW[0],
        )
        at_end = make_event(
            idempotency_key="k-00000002",
            occurred_at=WINDOW[1],
            recorded_at=WINDOW[1],
            plan__captured_at=WINDOW[1],
        )
        report = replay_lines([line(at_start), line(at_end)], request_factory(), now=NOW)
        assert (report.counts["accepted"], report.counts["out_of_window"]) == (1, 1)

    def test_out_of_window_does_not_touch_the_index(self, request_factory):
        index = MemoryIndex()
        outside = make_event(
            occurred_at="2026-10-01T00:00:00Z",
            recorded_at="2026-10-01T00:00:00Z",
            plan__captured_at="2026-10-01T00:00:00Z",
        )
        replay_lines([line(outside)], request_factory(), now=NOW, index=index)
        assert len(index) == 0

    def test_late_accept_and_reject(self, request_factory):
        accepted = replay_lines([line(LATE)], request_factory(), now=NOW)
        assert (accepted.counts["accepted"], accepted.counts["late_accepted"]) == (1, 1)
        rules = TimeRules(late_policy="reject", late_after_seconds=3600)
        rejected = replay_lines([line(LATE), line(BASE_EVENT)], request_factory(time_rules=rules), now=NOW)
        assert (rejected.counts["late"], rejected.counts["accepted"]) == (1, 1)

    def test_future_events_invalid(self, request_factory):
        future = make_event(
            occurred_at="2026-11-07T00:00:00Z",
            recorded_at="2026-11-07T00:00:00Z",
            plan__captured_at="2026-11-07T00:00:00Z",
        )
        report = replay_lines([line(future)], request_factory(), now="2026-11-06T00:00:00Z")
        assert report.counts["invalid"] == 1
        assert "future" in report.invalid_samples[0].reason


class TestRequests:
    """Requests are checked before anything is read."""

    @pytest.mark.parametrize(
        "changes",
        [
            {"window_end": WINDOW[0]},
            {"window_start": "2026-09-01T00:00:00Z"},
            {"mode": "backfill"},
            {"window_start": "2026-11-01T00:00:00+01:00"},
            {"max_span_days": 0},
        ],
    )
    def test_refused(self, request_factory, changes):
        with pytest.raises(ContractViolationError):
            request_factory(**changes)

    def test_json_round_trip(self, request_factory):
        request = request_factory(mode="backfill", backfill_ref="ops-approval/2026-11-09-01", by_day=True)
        assert ReplayRequest.from_json(request.to_json()) == request

    def test_missing_file(self, request_factory, tmp_path):
        with pytest.raises(InputFileError):
            replay([tmp_path / "absent.jsonl"], request_factory(), now=NOW)


class TestRuns:
    """Idempotency holds across runs, inputs and worker counts."""

    def test_sqlite_index_across_runs(self, request_factory, tmp_path):
        index = SqliteIndex(tmp_path / "index.sqlite")
        first = replay_lines([line(BASE_EVENT)], request_factory(), now=NOW, index=index)
        assert first.index_written == 1
        dry = replay_lines(
            [line(BASE_EVENT), line(B)],
            request_factory(dry_run=True),
            now=NOW,
            index=SqliteIndex(tmp_path / "index.sqlite"),
        )
        assert (dry.counts["duplicate"], dry.counts["accepted"], dry.index_written) == (1, 1, 0)
        again = replay_lines(
            [line(make_event(quantity=7)), line(B)],
            request_factory(),
            now=NOW,
            index=SqliteIndex(tmp_path / "index.sqlite"),
        )
        assert (again.counts["conflict"], again.counts["accepted"], again.index_written) == (1, 1, 1)

    def test_replay_is_idempotent(self, request_factory, tmp_path):
        index = SqliteIndex(tmp_path / "index.sqlite")
        request = request_factory(window_start="2026-10-15T00:00:00Z", window_end="2026-11-14T00:00:00Z")
        first = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", index=index)
        second = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", index=index)
        assert second.counts["accepted"] == 0
        assert second.counts["duplicate"] == first.counts["accepted"] + first.counts["duplicate"]
        assert second.counts["conflict"] == first.counts["conflict"]

    def test_workers_and_block_size_do_not_change_the_result(self, request_factory):
        request = request_factory(
            window_start="2026-10-15T00:00:00Z", window_end="2026-11-14T00:00:00Z", by_day=True
        )
        single = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", workers=1)
        parallel = replay(
            [EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", workers=2, block_bytes=64 * 1024
        )
        tiny = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", workers=1, block_bytes=100)
        assert single.to_json() == parallel.to_json() == tiny.to_json()

    @pytest.mark.slow  # ~3 s: the 4,800-line example stream through the reference validator
    def test_reference_and_fast_validators_agree_on_the_example_stream(self, request_factory):
        request = request_factory(window_start="2026-10-15T00:00:00Z", window_end="2026-11-14T00:00:00Z")
        fast = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", validator="fast")
        reference = replay([EXAMPLE_EVENTS], request, now="2026-11-21T00:00:00Z", validator="reference")
        assert fast.to_json() == reference.to_json()

    def test_progress_reports_every_byte(self, request_factory):
        seen: list[int] = []
        replay([EXAMPLE_EVENTS], request_factory(), now=NOW, progress=seen.append, block_bytes=50_000)
        assert sum(seen) == EXAMPLE_EVENTS.stat().st_size

    def test_several_inputs_number_lines_per_input(self, request_factory):
        report = replay([io.BytesIO(b"{\n"), io.BytesIO(b"\n{\n")], request_factory(), now=NOW)
        assert [(i.input, i.line) for i in report.invalid_samples] == [(1, 1), (2, 2)]


LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [line(BASE_EVENT), line(B), line(LATE), line(make_event(quantity=9)), "", "{", "null"]
        ),
        st.text(max_size=20).filter(lambda text: "\n" not in text and "\r" not in text),
    ),
    max_size=40,
)


class TestProperties:
    """Conservation and idempotence hold for any stream."""

    @settings(
        max_examples=budget(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(LINES)
    def test_conservation(self, request_factory, lines):
        report = replay_lines(lines, request_factory(), now=NOW)
        assert sum(report.counts[name] for name in OUTCOMES) == report.counts["lines_read"] == len(lines)

    @settings(
        max_examples=budget(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(LINES)
    def test_second_replay_applies_nothing(self, request_factory, lines):
        index = MemoryIndex()
        first = replay_lines(lines, request_factory(), now=NOW, index=index)
        second = replay_lines(lines, request_factory(), now=NOW, index=index)
        assert second.counts["accepted"] == 0
        assert second.aggregator.groups == {}
        assert first.counts["invalid"] == second.counts["invalid"]


class TestTwoPhaseCommit:
    """The index keeps a run's scopes only once its report was delivered."""

    def test_failed_delivery_commits_nothing(self, request_factory, tmp_path):
        path = tmp_path / "index.sqlite"

        def unwritable(_report):
            raise OSError(30, "Read-only file system")

        with pytest.raises(OSError, match="Read-only"):
            replay_lines([line(BASE_EVENT), line(B)], request_factory(), now=NOW, index=SqliteIndex(path),
                         deliver=unwritable)  # fmt: skip
        assert len(SqliteIndex(path)) == 0
        rerun = replay_lines([line(BASE_EVENT), line(B)], request_factory(), now=NOW, index=SqliteIndex(path))
        assert (rerun.counts["accepted"], rerun.index_written) == (2, 2)

    def test_delivery_sees_the_finished_report(self, request_factory):
        index = MemoryIndex()
        seen: list[object] = []
        report = replay_lines(
            [line(BASE_EVENT)], request_factory(), now=NOW, index=index, deliver=seen.append
        )
        assert seen == [report]
        assert len(index) == 1

    def test_memory_index_is_rolled_back_too(self, request_factory):
        index = MemoryIndex()
        replay_lines([line(B)], request_factory(), now=NOW, index=index)

        def refuse(_report):
            raise RuntimeError

        with pytest.raises(RuntimeError):
            replay_lines([line(BASE_EVENT)], request_factory(), now=NOW, index=index, deliver=refuse)
        assert len(index) == 1
