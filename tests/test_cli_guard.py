import click
import pytest
from click.testing import CliRunner

from saas_contracts import InputFileError
from saas_contracts.cli import main
from saas_contracts.cli._common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ContractGroup

PLANTED = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def _group(error: BaseException) -> click.Group:
    @click.group(cls=ContractGroup)
    def top() -> None:
        """A group shaped like the real one."""

    @top.command("boom")
    @click.argument("path")
    def boom(path: str) -> None:  # noqa: ARG001 - the argument only shows it is never echoed
        raise error

    return top


class TestLastResortGuard:
    """An unexpected exception ends in one line and its own exit code, never a traceback."""

    @pytest.mark.parametrize(
        "error", [RuntimeError(PLANTED), ValueError(PLANTED), RecursionError(), MemoryError()]
    )
    def test_unexpected_exception(self, error):
        result = CliRunner().invoke(_group(error), ["boom", PLANTED], catch_exceptions=False)
        assert result.exit_code == EXIT_INTERNAL == 3
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert f"internal error: {type(error).__name__} in '" in result.stderr
        assert "boom" in result.stderr
        assert PLANTED not in result.stderr
        assert "Traceback" not in result.stderr

    def test_contract_error_stays_a_usage_error(self):
        result = CliRunner().invoke(_group(InputFileError("x.json", "no such file")), ["boom", "x"])
        assert result.exit_code == EXIT_USAGE
        assert "error: x.json: no such file" in result.stderr

    def test_interrupt_has_its_own_code(self):
        result = CliRunner().invoke(_group(KeyboardInterrupt()), ["boom", "x"], catch_exceptions=False)
        assert result.exit_code == EXIT_INTERRUPTED
        assert "interrupted" in result.stderr

    def test_help_documents_the_codes(self):
        result = CliRunner().invoke(main, ["--help"])
        assert "3 internal error" in " ".join(result.stdout.split())
