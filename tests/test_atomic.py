import os
import stat

import pytest

from saas_contracts._atomic import (
    append_durably,
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temporaries,
    stage_bytes,
)


class TestAtomicWrite:
    """Atomic replacement keeps the old file or the new one, and the target's mode."""

    def test_writes_new_file_with_umask_mode(self, tmp_path):
        old = os.umask(0o027)
        try:
            target = atomic_write_text(tmp_path / "out.json", "{}\n")
        finally:
            os.umask(old)
        assert target.read_text(encoding="utf-8") == "{}\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o640

    def test_keeps_existing_mode(self, tmp_path):
        target = tmp_path / "state.json"
        target.write_text("old", encoding="utf-8")
        target.chmod(0o644)
        atomic_write_bytes(target, b"new")
        assert target.read_bytes() == b"new"
        assert stat.S_IMODE(target.stat().st_mode) == 0o644

    def test_leaves_no_temporary_file(self, tmp_path):
        atomic_write_text(tmp_path / "a.txt", "x")
        assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]

    def test_missing_folder_is_an_os_error_and_writes_nothing(self, tmp_path):
        with pytest.raises(FileNotFoundError):
            atomic_write_text(tmp_path / "missing" / "a.txt", "x")
        assert list(tmp_path.iterdir()) == []

    def test_failed_write_keeps_the_old_file(self, tmp_path, monkeypatch):
        target = tmp_path / "a.txt"
        target.write_text("old", encoding="utf-8")

        def full_disk(_fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", full_disk)
        with pytest.raises(OSError, match="No space"):
            atomic_write_text(target, "new")
        assert target.read_text(encoding="utf-8") == "old"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]


class TestStagedWrite:
    """A staged file is durable beside the target and becomes the target only on commit."""

    def test_commit_replaces_and_discard_keeps_the_old_file(self, tmp_path):
        """Until commit the target is untouched; discard removes the temporary file."""
        target = tmp_path / "state.json"
        target.write_text("old", encoding="utf-8")
        staged = stage_bytes(target, b"new")
        assert staged.temporary.parent == tmp_path
        assert staged.temporary.read_bytes() == b"new"
        assert target.read_text(encoding="utf-8") == "old"
        staged.discard()
        assert sorted(path.name for path in tmp_path.iterdir()) == ["state.json"]
        stage_bytes(target, b"new").commit()
        assert target.read_bytes() == b"new"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["state.json"]

    def test_discard_after_commit_is_a_no_op(self, tmp_path):
        """Calling discard in a finally block after a commit leaves the committed file alone."""
        staged = stage_bytes(tmp_path / "a.txt", b"x")
        staged.commit()
        staged.discard()
        assert (tmp_path / "a.txt").read_bytes() == b"x"

    def test_remove_stale_temporaries_touches_only_our_names(self, tmp_path):
        """Leftovers of an interrupted write go; other files, even with similar names, stay."""
        target = tmp_path / "state.json"
        leftover = stage_bytes(target, b"x").temporary  # as a kill -9 before the rename leaves it
        keep = [
            "state.json.lock",
            ".state.json.lock.tmp",
            ".other.json.abcdefgh.tmp",
            ".state.json.ABCDEFGH.tmp",
        ]
        for name in keep:
            (tmp_path / name).write_text("", encoding="utf-8")
        assert remove_stale_temporaries(target) == 1
        assert not leftover.exists()
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted(keep)


class TestAppendDurably:
    """Appends never rewrite what is there; only a torn final line is cut; a failed append is undone."""

    def test_creates_with_the_umask_mode_and_appends(self, tmp_path):
        """A new file gets 0666 less the umask; later appends keep what is there."""
        target = tmp_path / "writes.jsonl"
        old = os.umask(0o027)
        try:
            assert append_durably(target, b"one\n") == 4
        finally:
            os.umask(old)
        append_durably(target, b"two\n")
        append_durably(target, b"")
        assert target.read_bytes() == b"one\ntwo\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o640

    @pytest.mark.parametrize(("before", "after"), [(b"one\ntw", b"one\nthree\n"), (b"torn", b"three\n")])
    def test_cuts_a_torn_final_line(self, tmp_path, before, after):
        """Bytes after the last newline are an interrupted append, never a complete line: they go."""
        target = tmp_path / "writes.jsonl"
        target.write_bytes(before)
        append_durably(target, b"three\n")
        assert target.read_bytes() == after

    def test_torn_tail_longer_than_one_read(self, tmp_path):
        """The last newline is found however far back it is."""
        target = tmp_path / "writes.jsonl"
        target.write_bytes(b"keep\n" + b"x" * 200_000)
        append_durably(target, b"new\n")
        assert target.read_bytes() == b"keep\nnew\n"

    def test_failed_append_leaves_the_file_as_it_was(self, tmp_path, monkeypatch):
        """A full disk after part of the data went in: the file is cut back, the error propagates."""
        target = tmp_path / "writes.jsonl"
        target.write_bytes(b"one\n")
        real_write = os.write
        calls = []

        def half_then_full(descriptor: int, data: bytes) -> int:
            calls.append(len(data))
            if len(calls) > 1:
                raise OSError(28, "No space left on device")
            return real_write(descriptor, bytes(data)[: len(data) // 2])

        monkeypatch.setattr(os, "write", half_then_full)
        with pytest.raises(OSError, match="No space"):
            append_durably(target, b"two\nthree\n")
        monkeypatch.undo()
        assert target.read_bytes() == b"one\n"

    def test_missing_folder_is_an_os_error(self, tmp_path):
        """Nothing is created when the folder does not exist."""
        with pytest.raises(FileNotFoundError):
            append_durably(tmp_path / "missing" / "w.jsonl", b"x\n")
        assert list(tmp_path.iterdir()) == []
