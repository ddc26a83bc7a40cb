"""The Dask engine gives the local replay's report, whatever the partitions, blocks and workers."""

import itertools
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger._support import EXAMPLE_EVENTS, line, make_event

from saas_contracts.errors import InputFileError
from saas_contracts.ledger import (
    ReplayRequest,
    ShardedIndex,
    build_ops_summary,
    replay,
    replay_distributed,
    write_ops_summary,
)
from saas_contracts.ledger._distributed import read_range

NOW = "2026-11-21T00:00:00Z"
WINDOW = {"window_start": "2026-10-15T00:00:00Z", "window_end": "2026-11-14T00:00:00Z"}
SHA = "0123456789abcdef0123456789abcdef01234567"


def _request(*, dry_run=True, by_day=False):
    return ReplayRequest(
        window_start=WINDOW["window_start"],
        window_end=WINDOW["window_end"],
        dry_run=dry_run,
        by_day=by_day,
        suppression_threshold=1,
    )


def _ops_bytes(report, tmp_path, name):
    path = tmp_path / f"{name}.json"
    write_ops_summary(build_ops_summary(report, generated_at=NOW, commit_sha=SHA), path, "json")
    return path.read_bytes()


@pytest.fixture(scope="module")
def client():
    """One LocalCluster with 2 single-threaded worker processes for the module."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture
def adversarial(tmp_path):
    """Two inputs: a BOM, CRLF, blanks, broken lines, duplicates and conflicts across them, no final LF."""
    first = tmp_path / "first.jsonl"
    events = [make_event(idempotency_key=f"key-dist-{n:05d}", quantity=n % 7) for n in range(300)]
    body = "\r\n".join(line(event) for event in events[:150])
    first.write_bytes(
        b"\xef\xbb\xbf" + body.encode() + b"\r\n\n   \n{broken\n" + line(events[3]).encode() + b"\n"
    )
    second = tmp_path / "second.jsonl"
    changed = [make_event(idempotency_key=f"key-dist-{n:05d}", quantity=99) for n in range(0, 300, 7)]
    second.write_text("\n".join(line(event) for event in events[100:] + changed))  # no final newline
    return [first, second]


class TestReadRange:
    """Byte ranges own the lines whose first byte they hold: every line exactly once."""

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(0, 400), max_size=8), st.booleans())
    def test_ranges_partition_the_lines(self, cuts, final_newline):
        """Joining the ranges of any cut points gives the file back."""
        text = "\n".join(f'{{"n":{n}}}' for n in range(40)) + ("\n" if final_newline else "")
        data = text.encode()
        import tempfile  # noqa: PLC0415 - hypothesis and function-scoped fixtures do not mix

        with tempfile.NamedTemporaryFile(suffix=".jsonl") as handle:
            handle.write(data)
            handle.flush()
            bounds = sorted({0, len(data), *(cut for cut in cuts if cut < len(data))})
            pieces = [read_range(handle.name, a, b) for a, b in itertools.pairwise(bounds)]
        assert b"".join(pieces) == data
        filled = [piece for piece in pieces if piece]
        assert all(piece.endswith(b"\n") for piece in filled[:-1])


class TestMissingExtra:
    """Without the extra the engine says what to install."""

    def test_import_error_names_the_extra(self, monkeypatch, tmp_path):
        """ImportError with the pip command, before anything is read."""
        monkeypatch.setitem(sys.modules, "distributed", None)
        with pytest.raises(ImportError, match=r"saas-contracts\[dask\]"):
            replay_distributed([tmp_path / "none.jsonl"], _request(), now=NOW)


@pytest.mark.slow  # a LocalCluster with 2 worker processes takes seconds to start
class TestSameAsLocal:
    """Counts, samples, aggregates and ops-summary bytes equal the local replay's."""

    @pytest.mark.parametrize(("partitions", "block_bytes"), [(1, 1 << 20), (3, 200_000), (5, 64_000)])
    def test_example_stream(self, client, tmp_path, partitions, block_bytes):
        """The bundled stream (duplicates, conflicts, late, broken lines) for several layouts."""
        request = _request(by_day=partitions == 3)
        local = replay([EXAMPLE_EVENTS], request, now=NOW, workers=1)
        spread = replay_distributed(
            [str(EXAMPLE_EVENTS)],
            request,
            now=NOW,
            client=client,
            partitions=partitions,
            block_bytes=block_bytes,
        )
        assert spread.to_json() == local.to_json()
        assert _ops_bytes(spread, tmp_path, "dask") == _ops_bytes(local, tmp_path, "local")

    def test_writing_run_on_the_memory_index(self, client):
        """Without --index a writing run reports its new scopes as written, as locally."""
        local = replay([EXAMPLE_EVENTS], _request(dry_run=False), now=NOW, workers=1)
        spread = replay_distributed(
            [str(EXAMPLE_EVENTS)], _request(dry_run=False), now=NOW, client=client, partitions=2
        )
        assert spread.index_written == local.index_written > 0
        assert spread.to_json() == local.to_json()

    def test_adversarial_inputs(self, client, adversarial):
        """BOM, CRLF, blanks, a missing final newline, and first-wins across two inputs."""
        local = replay(adversarial, _request(), now="2026-11-10T00:00:00Z", workers=1)
        spread = replay_distributed(
            adversarial,
            _request(),
            now="2026-11-10T00:00:00Z",
            client=client,
            partitions=4,
            block_bytes=9_000,
        )
        assert spread.to_json() == local.to_json()
        assert local.counts["conflict"] > 20  # the sample cut is exercised
        assert local.counts["blank"] == 2

    def test_persisted_shards_are_seen_by_later_runs(self, client, adversarial, tmp_path):
        """A dask run's shards are seen by a local run and by a later dask run, as one local index would."""
        first, second = adversarial
        shards = tmp_path / "shards"
        now = "2026-11-10T00:00:00Z"
        written = replay_distributed(
            [first], _request(dry_run=False), now=now, client=client, index_dir=shards, partitions=4
        )
        assert written.index_written == written.counts["accepted"] > 0
        local_next = replay([second], _request(), now=now, index=ShardedIndex(shards), workers=1)
        dask_next = replay_distributed([second], _request(), now=now, client=client, index_dir=shards)
        reference = ShardedIndex(tmp_path / "reference", partitions=2)
        replay([first], _request(dry_run=False), now=now, index=reference, workers=1)
        expected = replay([second], _request(), now=now, index=reference, workers=1)
        assert local_next.counts == dask_next.counts == expected.counts
        assert local_next.counts["duplicate"] > 0
        assert dask_next.to_json() == local_next.to_json()

    def test_a_failed_delivery_writes_no_shard(self, client, adversarial, tmp_path):
        """deliver() raising before the commit phase leaves the shards as they were."""
        shards = tmp_path / "shards"

        def refuse(_report):
            raise OSError("disk full")

        with pytest.raises(OSError, match="disk full"):
            replay_distributed(
                adversarial, _request(dry_run=False), now=NOW, client=client, index_dir=shards, deliver=refuse
            )
        assert len(ShardedIndex(shards)) == 0

    def test_another_partition_count_is_refused(self, client, adversarial, tmp_path):
        """A scope's shard depends on the count: an index keeps the one it was made with."""
        shards = tmp_path / "shards"
        replay_distributed(
            adversarial[:1], _request(dry_run=False), now=NOW, client=client, index_dir=shards, partitions=3
        )
        with pytest.raises(InputFileError, match="--partitions 3"):
            replay_distributed(
                adversarial, _request(), now=NOW, client=client, index_dir=shards, partitions=4
            )

    def test_cli_engine_dask_on_a_scheduler(self, cli, client):
        """`ledger replay --engine dask --scheduler ADDRESS` prints the local run's ops summary."""
        window = [
            "--window-start",
            WINDOW["window_start"],
            "--window-end",
            WINDOW["window_end"],
            "--now",
            NOW,
        ]
        base = [
            "ledger",
            "replay",
            str(EXAMPLE_EVENTS),
            *window,
            "--dry-run",
            "-o",
            "json",
            "--fail-on",
            "none",
        ]
        local = cli(*base)
        spread = cli(*base, "--engine", "dask", "--scheduler", client.scheduler.address, "--partitions", "3")
        assert spread.exit_code == local.exit_code == 0
        assert json.loads(spread.output) == json.loads(local.output)
