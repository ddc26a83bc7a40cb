"""A sharded index gives the verdicts of one SQLite index; its partition count is fixed."""

import hashlib
import json

import pytest
from tests.ledger._support import EXAMPLE_EVENTS

from saas_contracts.errors import IndexBusyError, InputFileError
from saas_contracts.ledger import ReplayRequest, ShardedIndex, SqliteIndex, replay
from saas_contracts.ledger._index import ACCEPTED, CONFLICT, DUPLICATE
from saas_contracts.ledger._shards import MANIFEST, partition_of, partitions_of

NOW = "2026-11-21T00:00:00Z"


def _k(n):
    return hashlib.sha256(f"k{n}".encode()).digest()[:16]


def _f(n):
    return hashlib.sha256(f"f{n}".encode()).digest()


class TestShardedIndex:
    """Routing by partition keeps first-wins per scope; the directory remembers its layout."""

    def test_verdicts_in_order_across_shards_and_runs(self, tmp_path):
        """Within a batch and across runs, as a single index would answer."""
        index = ShardedIndex(tmp_path / "shards", partitions=3)
        run = index.open_run(dry_run=False)
        keys = [_k(1), _k(2), _k(1), _k(3), _k(2)]
        assert list(run.resolve(keys, [_f(1), _f(2), _f(1), _f(3), _f(9)])) == [
            ACCEPTED,
            ACCEPTED,
            DUPLICATE,
            ACCEPTED,
            CONFLICT,
        ]
        assert run.written == 3
        run.commit()
        again = ShardedIndex(tmp_path / "shards").open_run(dry_run=True)
        assert list(again.resolve([_k(3), _k(4)], [_f(3), _f(4)])) == [DUPLICATE, ACCEPTED]
        again.commit()
        assert len(ShardedIndex(tmp_path / "shards")) == 3
        assert json.loads((tmp_path / "shards" / MANIFEST).read_text()) == {"partitions": 3}

    @pytest.mark.slow  # four replays of the 4,800-line example stream, two of them durable
    def test_same_report_as_one_sqlite_index(self, tmp_path):
        """The example stream, written then re-read, through 4 shards or one file."""
        request = ReplayRequest(
            window_start="2026-10-15T00:00:00Z", window_end="2026-11-14T00:00:00Z", dry_run=False
        )
        reports = []
        for index in (SqliteIndex(tmp_path / "one.sqlite"), ShardedIndex(tmp_path / "many", partitions=4)):
            replay([EXAMPLE_EVENTS], request, now=NOW, index=index, workers=1)
            reports.append(replay([EXAMPLE_EVENTS], request, now=NOW, index=index, workers=1).to_json())
        assert reports[0] == reports[1]
        assert reports[0]["counts"]["accepted"] == 0

    def test_another_partition_count_is_refused(self, tmp_path):
        """A scope's shard depends on the count, so a directory keeps the one it was made with."""
        ShardedIndex(tmp_path / "shards", partitions=2).open_run(dry_run=False).commit()
        with pytest.raises(InputFileError, match="--partitions 2"):
            ShardedIndex(tmp_path / "shards", partitions=5)
        assert ShardedIndex(tmp_path / "shards").partitions == 2

    def test_a_broken_manifest_is_an_input_error(self, tmp_path):
        """Not JSON, or a count out of range: refused, never guessed."""
        (tmp_path / "shards").mkdir()
        for text in ("not json", '{"partitions": 0}', '{"partitions": "2"}'):
            (tmp_path / "shards" / MANIFEST).write_text(text)
            with pytest.raises(InputFileError, match="manifest"):
                ShardedIndex(tmp_path / "shards")

    def test_one_writer_at_a_time(self, tmp_path):
        """A second writing run waits for the writer lock, then is refused."""
        first = ShardedIndex(tmp_path / "shards", lock_timeout=0.05).open_run(dry_run=False)
        try:
            with pytest.raises(IndexBusyError):
                ShardedIndex(tmp_path / "shards", lock_timeout=0.05).open_run(dry_run=False)
        finally:
            first.abort()

    def test_partitions_spread_the_keys(self):
        """Scope keys are uniform hashes: every partition gets some."""
        assert {partition_of(_k(n), 8) for n in range(200)} == set(range(8))


def test_partitions_of_equals_partition_of_per_key() -> None:
    keys = [hashlib.sha256(str(n).encode()).digest()[:16] for n in range(500)]
    for partitions in (1, 3, 8, 300):
        assert partitions_of(b"".join(keys), partitions) == [partition_of(key, partitions) for key in keys]
