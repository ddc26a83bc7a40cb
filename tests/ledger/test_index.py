"""Idempotency indexes: memory and SQLite give the same verdicts; dry runs write nothing."""

import hashlib
import os
import sqlite3

import pytest

from saas_contracts import InputFileError
from saas_contracts.errors import IndexBusyError
from saas_contracts.ledger import MemoryIndex, SqliteIndex, scope_key
from saas_contracts.ledger._index import ACCEPTED, CONFLICT, DUPLICATE


def _k(n):
    return hashlib.sha256(f"k{n}".encode()).digest()[:16]


def _f(n):
    return hashlib.sha256(f"f{n}".encode()).digest()


@pytest.fixture(params=["memory", "sqlite"])
def index(request, tmp_path):
    return MemoryIndex() if request.param == "memory" else SqliteIndex(tmp_path / "index.sqlite")


class TestVerdicts:
    """First seen wins; same fingerprint is a duplicate, another one a conflict."""

    def test_within_one_batch(self, index):
        run = index.open_run(dry_run=False)
        verdicts = run.resolve([_k(1), _k(1), _k(1), _k(2)], [_f(1), _f(1), _f(9), _f(2)])
        assert list(verdicts) == [ACCEPTED, DUPLICATE, CONFLICT, ACCEPTED]
        assert run.written == 2
        run.commit()

    def test_across_runs(self, index):
        first = index.open_run(dry_run=False)
        first.resolve([_k(1)], [_f(1)])
        first.commit()
        second = index.open_run(dry_run=False)
        assert list(second.resolve([_k(1), _k(1), _k(3)], [_f(1), _f(2), _f(3)])) == [
            DUPLICATE,
            CONFLICT,
            ACCEPTED,
        ]
        second.commit()

    def test_conflict_does_not_overwrite(self, index):
        run = index.open_run(dry_run=False)
        run.resolve([_k(1)], [_f(1)])
        run.resolve([_k(1)], [_f(2)])
        assert list(run.resolve([_k(1)], [_f(1)])) == [DUPLICATE]
        run.commit()

    def test_dry_run_reads_but_never_writes(self, index):
        real = index.open_run(dry_run=False)
        real.resolve([_k(1)], [_f(1)])
        real.commit()
        before = len(index)
        dry = index.open_run(dry_run=True)
        assert list(dry.resolve([_k(1), _k(2), _k(2)], [_f(1), _f(2), _f(2)])) == [
            DUPLICATE,
            ACCEPTED,
            DUPLICATE,
        ]
        assert dry.written == 0
        dry.commit()
        assert len(index) == before
        again = index.open_run(dry_run=True)
        assert list(again.resolve([_k(2)], [_f(2)])) == [ACCEPTED]
        again.commit()


class TestSqlite:
    """The SQLite index persists across objects and is never created by a dry run."""

    def test_dry_run_does_not_create_the_file(self, tmp_path):
        path = tmp_path / "absent.sqlite"
        run = SqliteIndex(path).open_run(dry_run=True)
        run.resolve([_k(1)], [_f(1)])
        run.commit()
        assert not path.exists()

    def test_persists_across_processes_worth_of_objects(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([_k(n) for n in range(2000)], [_f(n) for n in range(2000)])
        run.commit()
        reopened = SqliteIndex(path)
        assert len(reopened) == 2000
        run = reopened.open_run(dry_run=False)
        assert set(run.resolve([_k(n) for n in range(1990, 2010)], [_f(n) for n in range(1990, 2010)])) == {
            ACCEPTED,
            DUPLICATE,
        }
        run.commit()

    def test_stores_no_raw_keys(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([scope_key("sample-producer", "very-recognisable-key-123")], [_f(1)])
        run.commit()
        assert b"very-recognisable-key-123" not in path.read_bytes()

    def test_not_a_database(self, tmp_path):
        path = tmp_path / "index.sqlite"
        path.write_text("not sqlite at all, just text" * 100)
        with pytest.raises(InputFileError):
            SqliteIndex(path).open_run(dry_run=False).resolve([_k(1)], [_f(1)])

    def test_directory_refused(self, tmp_path):
        with pytest.raises(InputFileError):
            SqliteIndex(tmp_path)


class TestAllOrNothing:
    """A run's scopes are kept at commit only; abort leaves the index as it was."""

    def test_abort_forgets_the_run(self, index):
        first = index.open_run(dry_run=False)
        first.resolve([_k(1)], [_f(1)])
        first.commit()
        run = index.open_run(dry_run=False)
        run.resolve([_k(2), _k(3)], [_f(2), _f(3)])
        run.abort()
        assert len(index) == 1
        again = index.open_run(dry_run=False)
        assert list(again.resolve([_k(1), _k(2)], [_f(1), _f(2)])) == [DUPLICATE, ACCEPTED]
        again.commit()

    @pytest.mark.slow  # about 1-2 s alone on 2 cores
    def test_large_run_is_one_transaction(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        for batch in range(30):
            keys = [_k(batch * 10_000 + n) for n in range(10_000)]
            run.resolve(keys, [_f(0)] * len(keys))
        run.abort()
        assert len(SqliteIndex(path)) == 0


class TestSqliteHazards:
    """Damaged, foreign and busy index files are input errors, never a traceback or a lost update."""

    def test_foreign_table_layout(self, tmp_path):
        path = tmp_path / "index.sqlite"
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, fp BLOB NOT NULL, note TEXT)")
        for dry_run in (False, True):
            with pytest.raises(InputFileError, match="not an idempotency index"):
                SqliteIndex(path).open_run(dry_run=dry_run)

    def test_damaged_mid_file(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([_k(n) for n in range(50_000)], [_f(n) for n in range(50_000)])
        run.commit()
        size = path.stat().st_size
        with path.open("r+b") as stream:
            stream.seek(size // 2)
            stream.write(os.urandom(64 * 1024))

        def read_all() -> None:
            run = SqliteIndex(path).open_run(dry_run=False)
            for start in range(0, 50_000, 500):
                run.resolve(
                    [_k(n) for n in range(start, start + 500)], [_f(n) for n in range(start, start + 500)]
                )
            run.commit()

        with pytest.raises(InputFileError, match="not a usable idempotency index"):
            read_all()
        with pytest.raises(InputFileError, match="not a usable idempotency index"):
            read_all()  # the failed run released its lock

    def test_second_writer_is_refused_after_its_timeout(self, tmp_path):
        path = tmp_path / "index.sqlite"
        first = SqliteIndex(path).open_run(dry_run=False)
        first.resolve([_k(1)], [_f(1)])
        with pytest.raises(IndexBusyError, match="being written by another run") as caught:
            SqliteIndex(path, lock_timeout=0.1).open_run(dry_run=False)
        assert isinstance(caught.value, InputFileError | BlockingIOError)
        reader = SqliteIndex(path).open_run(dry_run=True)  # a dry run needs no lock
        assert list(reader.resolve([_k(1)], [_f(1)])) == [ACCEPTED]  # the first run has not committed
        reader.commit()
        first.commit()
        second = SqliteIndex(path, lock_timeout=0.1).open_run(dry_run=False)
        assert list(second.resolve([_k(1)], [_f(1)])) == [DUPLICATE]
        second.commit()

    def test_lock_is_released_on_abort_and_failure(self, tmp_path):
        path = tmp_path / "index.sqlite"
        SqliteIndex(path).open_run(dry_run=False).abort()
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE seen")
            db.execute("CREATE TABLE seen (other TEXT)")
        with pytest.raises(InputFileError):
            SqliteIndex(path, lock_timeout=0.1).open_run(dry_run=False)
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE seen")
        SqliteIndex(path, lock_timeout=0.1).open_run(dry_run=False).commit()

    def test_dry_run_on_a_file_without_the_table_is_an_empty_index(self, tmp_path):
        path = tmp_path / "index.sqlite"
        path.touch()
        run = SqliteIndex(path).open_run(dry_run=True)
        assert list(run.resolve([_k(1), _k(1)], [_f(1), _f(1)])) == [ACCEPTED, DUPLICATE]
        run.commit()
        assert path.stat().st_size == 0
