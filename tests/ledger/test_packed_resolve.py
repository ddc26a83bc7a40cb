"""``resolve_packed`` (the replay's path) gives the verdicts of a plain first-wins model.

Batches repeat scopes inside themselves and across batches and runs, so the
insert-first path (``INSERT OR IGNORE ... RETURNING``), the look-up of the
scopes it left alone and the judging of repeats inside a batch all run;
memory, SQLite (with and without ``RETURNING``) and sharded indexes must agree
with the model.
"""

import hashlib
import sqlite3
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_contracts.ledger import MemoryIndex, SqliteIndex, _index
from saas_contracts.ledger._index import ACCEPTED, CONFLICT, DUPLICATE, unpack
from saas_contracts.ledger._shards import ShardedIndex


def _key(n):
    return hashlib.sha256(f"k{n}".encode()).digest()[:16]


def _fingerprint(n):
    return hashlib.sha256(f"f{n}".encode()).digest()


_BATCH = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 2)), min_size=1, max_size=24)
_RUNS = st.lists(st.tuples(st.lists(_BATCH, min_size=1, max_size=4), st.booleans()), min_size=1, max_size=3)


def _model(runs):
    """Expected verdicts per run and batch: the first fingerprint of a scope wins; dry runs keep nothing."""
    kept: dict[int, int] = {}
    expected = []
    for batches, dry_run in runs:
        seen = dict(kept)
        per_run = []
        for batch in batches:
            out = []
            for key, fp in batch:
                prior = seen.get(key)
                if prior is None:
                    seen[key] = fp
                    out.append(ACCEPTED)
                else:
                    out.append(DUPLICATE if prior == fp else CONFLICT)
            per_run.append(out)
        if not dry_run:
            kept = seen
        expected.append(per_run)
    return expected


def _replay(index, runs):
    got = []
    for batches, dry_run in runs:
        run = index.open_run(dry_run=dry_run)
        per_run = []
        for batch in batches:
            keys = b"".join(_key(key) for key, _ in batch)
            fingerprints = b"".join(_fingerprint(fp) for _, fp in batch)
            per_run.append(list(run.resolve_packed(keys, fingerprints)))
        run.commit()
        got.append(per_run)
    return got


# max_examples from the run's profile: 30 in the everyday loop, hypothesis' 100 in CI.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=_RUNS)
def test_packed_verdicts_match_the_model(tmp_path_factory, runs):
    folder = tmp_path_factory.mktemp("packed")
    expected = _model(runs)
    assert _replay(MemoryIndex(), runs) == expected
    assert _replay(SqliteIndex(folder / "index.sqlite"), runs) == expected
    assert _replay(ShardedIndex(folder / "shards", partitions=3), runs) == expected
    with mock.patch.object(_index, "_RETURNING", new=False):  # SQLite before 3.35: look up, then insert
        assert _replay(SqliteIndex(folder / "old-sqlite.sqlite"), runs) == expected


class TestInsertFirst:
    """A batch that meets known scopes is resolved without a savepoint or a roll-back."""

    def test_known_scopes_are_looked_up_not_rolled_back(self, tmp_path):
        run = SqliteIndex(tmp_path / "index.sqlite").open_run(dry_run=False)
        assert isinstance(run, _index._SqliteRun)
        run.resolve_packed(_key(1) + _key(2), _fingerprint(1) + _fingerprint(2))
        statements: list[str] = []
        run._db.set_trace_callback(statements.append)
        keys = [_key(2), _key(3), _key(1), _key(3), _key(4)]
        fingerprints = [_fingerprint(2), _fingerprint(3), _fingerprint(9), _fingerprint(8), _fingerprint(4)]
        verdicts = run.resolve_packed(b"".join(keys), b"".join(fingerprints))
        assert list(verdicts) == [DUPLICATE, ACCEPTED, CONFLICT, CONFLICT, ACCEPTED]
        assert run.written == 4
        assert not [s for s in statements if s.lstrip().upper().startswith(("SAVEPOINT", "ROLLBACK"))]
        assert any("RETURNING" in s for s in statements)
        run.commit()
        assert len(SqliteIndex(tmp_path / "index.sqlite")) == 4


def test_unpack_cuts_keys_and_fingerprints():
    keys, fingerprints = unpack(_key(1) + _key(2), _fingerprint(1) + _fingerprint(2))
    assert list(keys) == [_key(1), _key(2)]
    assert list(fingerprints) == [_fingerprint(1), _fingerprint(2)]


def test_a_new_index_file_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path):
    run = SqliteIndex(tmp_path / "new.sqlite").open_run(dry_run=False)
    run.resolve_packed(_key(1), _fingerprint(1))
    run.commit()
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute("PRAGMA page_size=4096")
        db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT ROWID")
    run = SqliteIndex(old).open_run(dry_run=False)
    run.resolve_packed(_key(1), _fingerprint(1))
    run.commit()
    sizes = {}
    for name in ("new.sqlite", "old.sqlite"):
        with sqlite3.connect(tmp_path / name) as db:
            sizes[name] = db.execute("PRAGMA page_size").fetchone()[0]
    assert sizes == {"new.sqlite": 16_384, "old.sqlite": 4096}
