"""Shared CLI plumbing: exit codes, the output-format option, error handling.

Every command parses its options, calls one library function that returns a
result object, and hands that result to a reporter for the chosen format.
Machine output goes to stdout; diagnostics go to stderr.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final, NoReturn

import click

from saas_contracts._errors import ContractError

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_OK: Final = 0
"""Everything checked, nothing found."""
EXIT_FINDINGS: Final = 1
"""The command ran and found violations, findings or a failing gate."""
EXIT_USAGE: Final = 2
"""Bad options, unreadable input, unknown schema: nothing was checked."""

F = Any  # a click-decorated callable


def output_format_option(*formats: str, default: str = "text") -> Callable[[F], F]:
    """``-o/--output-format`` restricted to the formats a command supports."""
    return click.option(
        "-o",
        "--output-format",
        "output_format",
        type=click.Choice(formats, case_sensitive=False),
        default=default,
        show_default=True,
        help="How to print the result: " + ", ".join(formats) + ".",
    )


def emit_json(payload: object) -> None:
    """Print deterministic JSON (sorted keys, 2-space indent) on stdout."""
    click.echo(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))


def fail(message: str) -> click.exceptions.Exit:
    """Print a diagnostic on stderr and return the usage-error exit to raise."""
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(EXIT_USAGE)


class ContractGroup(click.Group):
    """A click group that turns :class:`ContractError` into exit code 2.

    Library code raises; only the CLI decides how to exit.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, mapping library errors to a clean diagnostic."""
        try:
            return super().invoke(ctx)
        except ContractError as error:
            raise fail(str(error)) from error


def finish(*, clean: bool) -> NoReturn:
    """End a command with exit 0 when ``clean``, else 1 (findings)."""
    raise click.exceptions.Exit(EXIT_OK if clean else EXIT_FINDINGS)
