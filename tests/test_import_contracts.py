"""The import-linter contracts in pyproject.toml cannot go stale."""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from pathlib import Path

import saas_contracts

ROOT = Path(__file__).resolve().parents[1]
CLI_CONTRACT = "The CLI imports no private module of the library"


def _contract(name: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["name"] == name)


def _private_modules_outside_cli() -> set[str]:
    """Every module whose own name is private, below no private package (those are covered by it)."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(saas_contracts.__path__, saas_contracts.__name__ + "."):
        parts = info.name.split(".")[1:]
        if parts[0] == "cli" or parts[-1].startswith("__"):
            continue
        if parts[-1].startswith("_") and not any(part.startswith("_") for part in parts[:-1]):
            found.add(info.name)
    return found


class TestCliContract:
    """The CLI contract forbids every private module of the library, and only those."""

    def test_lists_every_private_module(self):
        forbidden = set(_contract(CLI_CONTRACT)["forbidden_modules"])  # type: ignore[call-overload]
        missing = _private_modules_outside_cli() - forbidden
        assert not missing, f"add to the CLI contract in pyproject.toml: {sorted(missing)}"

    def test_lists_only_existing_private_modules(self):
        forbidden = set(_contract(CLI_CONTRACT)["forbidden_modules"])  # type: ignore[call-overload]
        assert forbidden <= _private_modules_outside_cli()

    def test_covers_the_cli_package_with_indirect_imports_allowed(self):
        contract = _contract(CLI_CONTRACT)
        assert contract["source_modules"] == ["saas_contracts.cli"]
        # The public packages import their private modules; only direct imports are the CLI's.
        assert contract["allow_indirect_imports"] is True

    def test_cli_modules_import_no_private_name_directly(self):
        """Belt and braces for the contract: read the imports of every CLI module."""
        offenders: list[str] = []
        for path in sorted((ROOT / "src" / "saas_contracts" / "cli").glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    parts = node.module.split(".")
                    inside_library = parts[0] == "saas_contracts" and parts[:2] != ["saas_contracts", "cli"]
                    if inside_library and any(part.startswith("_") for part in parts):
                        offenders.append(f"{path.name}: {node.module}")
        assert offenders == []
