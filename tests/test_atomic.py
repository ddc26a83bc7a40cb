import os
import stat

import pytest

from saas_contracts._atomic import atomic_write_bytes, atomic_write_text


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
