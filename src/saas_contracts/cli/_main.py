"""The ``saas-contracts`` command group; each capability adds its commands here."""

from __future__ import annotations

import click

from saas_contracts import __version__
from saas_contracts.cli._common import ContractGroup
from saas_contracts.cli._diff import diff_command
from saas_contracts.cli._entitlements import entitlements
from saas_contracts.cli._fixtures import fixtures
from saas_contracts.cli._ledger import ledger
from saas_contracts.cli._scan import scan
from saas_contracts.cli._schemas import schemas
from saas_contracts.cli._validate import validate


@click.group(
    cls=ContractGroup,
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


# Commands register below, one line per capability module.
main.add_command(fixtures)
main.add_command(schemas)
main.add_command(validate)
main.add_command(ledger)
main.add_command(entitlements)
main.add_command(scan)
main.add_command(diff_command)
