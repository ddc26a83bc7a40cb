"""The shared test helpers behave as their callers rely on (tests/_support.py)."""

from __future__ import annotations

import pytest
from tests._support import skip_or_fail


class TestSkipOrFail:
    """A missing tool skips locally and fails under CI=true, where everything must run."""

    @pytest.mark.parametrize("value", ["", "false", "1"])
    def test_skips_outside_ci(self, monkeypatch, value):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception, match=r"^node is missing$"):
            skip_or_fail("node is missing", what="the Node tests")

    def test_skips_without_the_variable(self, monkeypatch):
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception):
            skip_or_fail("node is missing", what="the Node tests")

    @pytest.mark.parametrize("value", ["true", "TRUE", "True"])
    def test_fails_under_ci(self, monkeypatch, value):
        monkeypatch.setenv("CI", value)
        with pytest.raises(
            pytest.fail.Exception, match=r"^node is missing; the Node tests must run under CI=true$"
        ):
            skip_or_fail("node is missing", what="the Node tests")
