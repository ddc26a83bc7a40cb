"""saas_contracts._lock: one exclusive flock per lock file, released on unlock or process death."""

from __future__ import annotations

import threading
import time

import pytest

from saas_contracts._lock import lock_exclusively, unlock


class TestLockExclusively:
    """A second holder waits up to its timeout, then gets None; an unlocked file can be locked again."""

    def test_second_holder_is_refused_after_its_timeout(self, tmp_path):
        """While one descriptor holds the lock, another (even in this process) cannot take it."""
        path = tmp_path / "state.json.lock"
        first = lock_exclusively(path, 0)
        assert first is not None
        try:
            started = time.monotonic()
            assert lock_exclusively(path, 0.2) is None
            assert time.monotonic() - started >= 0.2
        finally:
            unlock(first)
        second = lock_exclusively(path, 0)
        assert second is not None
        unlock(second)

    def test_waiter_gets_the_lock_once_released(self, tmp_path):
        """A waiter with a long enough timeout takes the lock as soon as the holder lets go."""
        path = tmp_path / "lock"
        holder = lock_exclusively(path, 0)
        assert holder is not None
        release = threading.Timer(0.2, unlock, args=(holder,))
        release.start()
        try:
            waiter = lock_exclusively(path, 5)
        finally:
            release.join()
        assert waiter is not None
        unlock(waiter)

    def test_creates_the_lock_file_and_fails_for_a_missing_folder(self, tmp_path):
        """The lock file is created when missing; a missing folder is an OSError, nothing is created."""
        descriptor = lock_exclusively(tmp_path / "new.lock", 0)
        assert descriptor is not None
        unlock(descriptor)
        assert (tmp_path / "new.lock").is_file()
        with pytest.raises(FileNotFoundError):
            lock_exclusively(tmp_path / "missing" / "x.lock", 0)
