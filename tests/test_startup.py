"""Start-up stays light: the package and the CLI import heavy dependencies only when a command needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests._support import ROOT

import saas_contracts
from saas_contracts.cli._main import COMMANDS, main

HEAVY = ("jsonschema", "referencing", "saas_contracts.ledger", "saas_contracts._validation")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    return [name for name in modules if name.startswith(HEAVY)]


class TestLazyPackage:
    """``import saas_contracts`` defers every re-export to first use."""

    def test_import_is_light(self):
        """Importing the package loads neither jsonschema nor the ledger."""
        assert _loaded_after("import saas_contracts") == []

    def test_every_name_resolves(self):
        """Every name in __all__ is reachable and listed by dir()."""
        for name in saas_contracts.__all__:
            assert getattr(saas_contracts, name) is not None
        assert set(saas_contracts.__all__) <= set(dir(saas_contracts))

    def test_unknown_name(self):
        """An unknown attribute is an AttributeError, as for any module."""
        with pytest.raises(AttributeError, match="no_such_name"):
            _ = saas_contracts.no_such_name


class TestLazyCommands:
    """The command group imports a command's module only when that command runs."""

    def test_scan_never_loads_jsonschema(self, tmp_path):
        """``saas-contracts scan`` of a small artifact loads no heavy module."""
        path = tmp_path / "a.json"
        path.write_text('{"a": "b"}', encoding="utf-8")
        code = (
            "from saas_contracts.cli import main\n"
            f"try:\n    main(['scan', '-q', {str(path)!r}])\n"
            "except SystemExit as exit:\n    assert exit.code == 0\n"
        )
        assert _loaded_after(code) == []

    def test_every_command_is_listed(self, cli):
        """--help lists every command of the table."""
        result = cli("--help")
        assert result.exit_code == 0
        for name in COMMANDS:
            assert name in result.output

    def test_table_names_commands(self):
        """Each table entry resolves to a click command of that name."""
        for name in COMMANDS:
            command = main.get_command(None, name)  # type: ignore[arg-type]
            assert command is not None
            assert command.name in {name, "diff"}
