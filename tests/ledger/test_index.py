"""Idempotency indexes: memory and SQLite give the same verdicts; dry runs write nothing."""

import hashlib

import pytest

from saas_contracts import InputFileError
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
        run.close()

    def test_across_runs(self, index):
        first = index.open_run(dry_run=False)
        first.resolve([_k(1)], [_f(1)])
        first.close()
        second = index.open_run(dry_run=False)
        assert list(second.resolve([_k(1), _k(1), _k(3)], [_f(1), _f(2), _f(3)])) == [
            DUPLICATE,
            CONFLICT,
            ACCEPTED,
        ]
        second.close()

    def test_conflict_does_not_overwrite(self, index):
        run = index.open_run(dry_run=False)
        run.resolve([_k(1)], [_f(1)])
        run.resolve([_k(1)], [_f(2)])
        assert list(run.resolve([_k(1)], [_f(1)])) == [DUPLICATE]
        run.close()

    def test_dry_run_reads_but_never_writes(self, index):
        real = index.open_run(dry_run=False)
        real.resolve([_k(1)], [_f(1)])
        real.close()
        before = len(index)
        dry = index.open_run(dry_run=True)
        assert list(dry.resolve([_k(1), _k(2), _k(2)], [_f(1), _f(2), _f(2)])) == [
            DUPLICATE,
            ACCEPTED,
            DUPLICATE,
        ]
        assert dry.written == 0
        dry.close()
        assert len(index) == before
        again = index.open_run(dry_run=True)
        assert list(again.resolve([_k(2)], [_f(2)])) == [ACCEPTED]
        again.close()


class TestSqlite:
    """The SQLite index persists across objects and is never created by a dry run."""

    def test_dry_run_does_not_create_the_file(self, tmp_path):
        path = tmp_path / "absent.sqlite"
        run = SqliteIndex(path).open_run(dry_run=True)
        run.resolve([_k(1)], [_f(1)])
        run.close()
        assert not path.exists()

    def test_persists_across_processes_worth_of_objects(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([_k(n) for n in range(2000)], [_f(n) for n in range(2000)])
        run.close()
        reopened = SqliteIndex(path)
        assert len(reopened) == 2000
        run = reopened.open_run(dry_run=False)
        assert set(run.resolve([_k(n) for n in range(1990, 2010)], [_f(n) for n in range(1990, 2010)])) == {
            ACCEPTED,
            DUPLICATE,
        }
        run.close()

    def test_stores_no_raw_keys(self, tmp_path):
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([scope_key("sample-producer", "very-recognisable-key-123")], [_f(1)])
        run.close()
        assert b"very-recognisable-key-123" not in path.read_bytes()

    def test_not_a_database(self, tmp_path):
        path = tmp_path / "index.sqlite"
        path.write_text("not sqlite at all, just text" * 100)
        with pytest.raises(InputFileError):
            SqliteIndex(path).open_run(dry_run=False).resolve([_k(1)], [_f(1)])

    def test_directory_refused(self, tmp_path):
        with pytest.raises(InputFileError):
            SqliteIndex(tmp_path)
