"""The shared test helpers behave as their callers rely on (tests/_support.py)."""

from __future__ import annotations

import pytest
from hypothesis import settings
from tests._support import EVERYDAY_PROFILE, budget, everyday_loop, on_ci, skip_or_fail


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


class TestEverydayLoop:
    """Only `-m "not slow"` outside CI cuts hypothesis' default budget (tests/conftest.py)."""

    @pytest.mark.parametrize("markexpr", ["not slow", "  not   slow "])
    def test_the_everyday_loop(self, markexpr):
        assert everyday_loop(markexpr, ci=False)

    @pytest.mark.parametrize("markexpr", ["", "slow", "node", "not slow and not node", "not node"])
    def test_other_selections_keep_the_default(self, markexpr):
        assert not everyday_loop(markexpr, ci=False)

    def test_ci_keeps_the_default(self):
        assert not everyday_loop("not slow", ci=True)

    @pytest.mark.parametrize(
        ("value", "expected"), [("true", True), ("TRUE", True), ("1", False), ("", False)]
    )
    def test_on_ci(self, monkeypatch, value, expected):
        monkeypatch.setenv("CI", value)
        assert on_ci() is expected

    def test_this_run_loaded_the_profile_its_invocation_asks_for(self, request):
        asked = request.config.getoption("hypothesis_profile", None)
        everyday = not asked and everyday_loop(request.config.option.markexpr or "", ci=on_ci())
        assert (settings.get_current_profile_name() == EVERYDAY_PROFILE) is everyday
        if everyday:
            assert settings().max_examples == 30

    def test_budget_is_cut_only_by_the_everyday_profile(self):
        current = settings.get_current_profile_name()
        try:
            settings.load_profile(EVERYDAY_PROFILE)
            assert [budget(n) for n in (400, 150, 60, 20)] == [120, 45, 18, 10]
            settings.load_profile("default")
            assert [budget(n) for n in (400, 150, 60, 20)] == [400, 150, 60, 20]
        finally:
            settings.load_profile(current)
