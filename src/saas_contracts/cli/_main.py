"""The ``saas-contracts`` command group; each capability adds its commands here."""

from __future__ import annotations

import importlib
from typing import Final

import click

from saas_contracts import __version__
from saas_contracts.cli._common import ContractGroup

COMMANDS: Final = {
    "fixtures": ("saas_contracts.cli._fixtures", "fixtures"),
    "schemas": ("saas_contracts.cli._schemas", "schemas"),
    "validate": ("saas_contracts.cli._validate", "validate"),
    "ledger": ("saas_contracts.cli._ledger", "ledger"),
    "entitlements": ("saas_contracts.cli._entitlements", "entitlements"),
    "scan": ("saas_contracts.cli._scan", "scan"),
    "diff": ("saas_contracts.cli._diff", "diff_command"),
}
"""Each command: the module that defines it and the attribute, imported only when the command is used.

``saas-contracts scan`` then never loads jsonschema, referencing or the ledger;
``--help`` lists the names from this table and imports every module for their help lines.
"""


class LazyGroup(ContractGroup):
    """A :class:`ContractGroup` whose subcommands are imported on first use (from :data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name (registered plus lazy), sorted as click lists them."""
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module the first time it is asked for."""
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            found = getattr(importlib.import_module(module), attribute)
            assert isinstance(found, click.Command)  # noqa: S101 - the table names click commands
            self.add_command(found, cmd_name)
        return found


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="saas-contracts")
def main() -> None:
    """Validate, scan and replay SaaS usage-ledger and entitlement contracts.

    Exit codes: 0 clean, 1 findings (violations, privacy findings, a failing
    gate), 2 usage error (bad options, unreadable input, unknown schema),
    3 internal error (a bug: one line on stderr, no traceback, no input
    value), 130 interrupted. Machine-readable output goes to stdout,
    diagnostics to stderr.
    """
