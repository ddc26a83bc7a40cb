"""A SQLite index records its fingerprint version; an old one is refused unless upgraded."""

import hashlib
import json
import sqlite3

import pytest
from tests.ledger._support import BASE_EVENT, NOW, line, make_event

from saas_contracts import InputFileError
from saas_contracts._digest import canonical_bytes
from saas_contracts.ledger import SqliteIndex, fingerprint, scope_key
from saas_contracts.ledger._fingerprint import FINGERPRINT_EXCLUDED_FIELDS, FINGERPRINT_VERSION
from saas_contracts.ledger._index import ACCEPTED, CONFLICT, DUPLICATE

WINDOW = ["--window-start", "2026-11-01T00:00:00Z", "--window-end", "2026-11-08T00:00:00Z"]
SHA = "0123456789abcdef0123456789abcdef01234567"


def _version(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT value FROM meta WHERE name = 'fingerprint_version'").fetchone()


def _legacy_index(path, *events):
    """An index as a release before fingerprint version 2 wrote it: scopes, no meta table."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, fp BLOB NOT NULL) WITHOUT ROWID")
        for event in events:
            content = {
                name: value for name, value in event.items() if name not in FINGERPRINT_EXCLUDED_FIELDS
            }
            old = hashlib.sha256(canonical_bytes(content)).digest()  # version 1: timestamps as written
            db.execute(
                "INSERT INTO seen VALUES (?, ?)",
                (scope_key(event["source"], event["idempotency_key"]), old),
            )


class TestIndexVersion:
    """New indexes are stamped; version-1 indexes are refused with the fix named, or upgraded."""

    def test_a_new_index_records_the_current_version(self, tmp_path):
        """The first writing run stores the version row with its scopes."""
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([scope_key("a", "key-00000001")], [bytes(32)])
        run.commit()
        assert _version(path) == (str(FINGERPRINT_VERSION),)
        again = SqliteIndex(path).open_run(dry_run=False)
        assert list(again.resolve([scope_key("a", "key-00000001")], [bytes(32)])) == [DUPLICATE]
        again.commit()

    def test_an_aborted_first_run_leaves_no_version_row(self, tmp_path):
        """The version row is part of the run's transaction."""
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([scope_key("a", "key-00000001")], [bytes(32)])
        run.abort()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone() is None

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_a_version_1_index_is_refused_naming_the_fix(self, tmp_path, dry_run):
        """Writing or reading, an index without the version row but with scopes is refused."""
        path = tmp_path / "index.sqlite"
        _legacy_index(path, BASE_EVENT)
        with pytest.raises(InputFileError, match="fingerprints are version 1") as caught:
            SqliteIndex(path).open_run(dry_run=dry_run)
        assert "--upgrade-index" in str(caught.value)
        assert "rebuild" in str(caught.value)

    def test_a_newer_version_is_refused(self, tmp_path):
        """An index written by a later fingerprint rule is never read with this one."""
        path = tmp_path / "index.sqlite"
        run = SqliteIndex(path).open_run(dry_run=False)
        run.resolve([scope_key("a", "key-00000001")], [bytes(32)])
        run.commit()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = '3'")
        with pytest.raises(InputFileError, match="version 3"):
            SqliteIndex(path).open_run(dry_run=False)

    def test_upgrade_keeps_old_scopes_and_never_makes_a_false_duplicate(self, tmp_path):
        """Upgraded: canonical events stay duplicates, a re-spelled one is a conflict, never applied twice."""
        path = tmp_path / "index.sqlite"
        canonical = make_event(idempotency_key="key-canonical-0001")
        respelled = make_event(idempotency_key="key-respelled-0001", occurred_at="2026-11-02T10:00:00.000Z")
        _legacy_index(path, canonical, respelled)
        index = SqliteIndex(path, upgrade=True)
        run = index.open_run(dry_run=False)
        keys = [scope_key(event["source"], event["idempotency_key"]) for event in (canonical, respelled)]
        fingerprints = [bytes.fromhex(fingerprint(event)[7:]) for event in (canonical, respelled)]
        fresh = scope_key("sample-producer", "key-fresh-00000001")
        verdicts = run.resolve([*keys, fresh], [*fingerprints, bytes(32)])
        run.commit()
        assert list(verdicts) == [DUPLICATE, CONFLICT, ACCEPTED]
        assert _version(path) == (str(FINGERPRINT_VERSION),)
        # From now on no upgrade is needed.
        SqliteIndex(path).open_run(dry_run=True).abort()

    def test_upgrade_in_a_dry_run_reads_and_writes_nothing(self, tmp_path):
        """A dry run may read an old index with upgrade=True; the file keeps no version row."""
        path = tmp_path / "index.sqlite"
        _legacy_index(path, BASE_EVENT)
        run = SqliteIndex(path, upgrade=True).open_run(dry_run=True)
        key = scope_key(BASE_EVENT["source"], BASE_EVENT["idempotency_key"])
        assert list(run.resolve([key], [bytes.fromhex(fingerprint(BASE_EVENT)[7:])])) == [DUPLICATE]
        run.commit()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone() is None


class TestUpgradeIndexOption:
    """`ledger replay --upgrade-index` is the CLI's way to accept a version-1 index."""

    def test_refused_then_upgraded(self, cli, tmp_path):
        """Exit 2 naming --upgrade-index, then the upgrade run goes through."""
        path = tmp_path / "index.sqlite"
        _legacy_index(path, BASE_EVENT)
        events = tmp_path / "events.jsonl"
        events.write_text(line(BASE_EVENT) + "\n")
        args = ["ledger", "replay", str(events), *WINDOW, "--now", NOW, "--index", str(path)]
        refused = cli(*args, "--commit-sha", SHA, "-o", "json")
        assert refused.exit_code == 2
        assert "--upgrade-index" in refused.output
        done = cli(*args, "--commit-sha", SHA, "--upgrade-index", "-o", "json")
        assert done.exit_code == 0
        assert json.loads(done.output)["counts"]["duplicate"] == 1

    def test_needs_an_index(self, cli, tmp_path):
        """Without --index there is nothing to upgrade: a usage error."""
        events = tmp_path / "events.jsonl"
        events.write_text(line(BASE_EVENT) + "\n")
        result = cli("ledger", "replay", str(events), *WINDOW, "--dry-run", "--upgrade-index")
        assert result.exit_code == 2
        assert "--upgrade-index needs --index" in result.output
