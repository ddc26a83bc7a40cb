"""``saas-contracts diff``: compare two schema trees, explain every change, gate on semver."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from saas_contracts.cli._common import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, output_format_option
from saas_contracts.diff import (
    COMPARISON_FAILED,
    DEFAULT_BUDGET,
    DIALECT_NAMES,
    WAIVER_FILE,
    Mode,
    Policy,
    diff_and_gate,
    load_waivers,
    open_sides,
    render_json,
    render_markdown,
    render_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable

_EPILOG = """\b
Examples:
  saas-contracts diff                      # merge base with main vs the work tree's schemas/
  saas-contracts diff --base HEAD~1        # previous commit vs the work tree
  saas-contracts diff old/ new/            # two directories (any layout)
  saas-contracts diff v1.2.0 HEAD -o markdown
  saas-contracts diff main:schemas ./schemas -o json
"""

REPORTERS: dict[str, Callable[..., None]] = {
    "text": lambda result, *, verbose: click.echo(render_text(result, verbose=verbose)),
    "json": lambda result, *, verbose: click.echo(render_json(result)),  # noqa: ARG005 - one signature
    "markdown": lambda result, *, verbose: click.echo(render_markdown(result), nl=False),  # noqa: ARG005
}
"""Reporters take the result and ``verbose`` (which only the text report uses)."""


@click.command(
    "diff",
    epilog=_EPILOG,
    short_help="Compare schema trees: compatibility per change, counterexamples, semver gate.",
)
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "--base",
    "base",
    metavar="REV",
    help="Compare schemas/ at REV with the work tree (default: the "
    "merge base of HEAD with the main branch). Not combined with OLD.",
)
@output_format_option(REPORTERS)
@click.option(
    "--schemas-dir",
    default="schemas",
    show_default=True,
    help="Folder holding the schemas inside the repository (for git revisions and the work tree).",
)
@click.option(
    "--format-assertion",
    is_flag=True,
    help="Treat 'format' as an assertion (our runtime does) instead of an annotation.",
)
@click.option(
    "--lenient-open-content",
    is_flag=True,
    help="Count declaring a new optional property on an open object as backward compatible "
    "(assumes old data never used that name; strictly it is breaking).",
)
@click.option(
    "--mode",
    "default_mode",
    type=click.Choice([mode.value for mode in Mode]),
    default="backward",
    show_default=True,
    help="Compatibility required of files whose contract has no contract.json.",
)
@click.option(
    "--waivers",
    "waiver_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Waiver file (default: {WAIVER_FILE} in the NEW tree, when present).",
)
@click.option("--no-gate", is_flag=True, help="Only report; always exit 0 unless the input is unusable.")
@click.option(
    "--fail-on-unknown",
    is_flag=True,
    help="Fail the gate on 'unknown' verdicts in a required direction too (default: list them).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Units of work for the run (one validation, one pair of nodes walked, or 1,000 characters of "
    "schema text compared each). Checks still open when it is spent end as 'unknown' with the reason "
    "'budget', so every run ends.",
)
@click.option(
    "--default-dialect",
    type=click.Choice(list(DIALECT_NAMES)),
    default="2020-12",
    show_default=True,
    help="Dialect of files without $schema (files with one are read in the dialect it names).",
)
@click.option(
    "--map-uri",
    "map_uri",
    multiple=True,
    metavar="PREFIX=FOLDER",
    help="Resolve $refs starting with PREFIX to the files of FOLDER (relative to each side's root "
    "unless absolute), offline. Repeatable.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Text output: show compatible changes and all pointers too."
)
def diff_command(  # noqa: PLR0913, PLR0917 - click passes one parameter per option
    old: str | None,
    new: str | None,
    base: str | None,
    output_format: str,
    schemas_dir: str,
    format_assertion: bool,  # noqa: FBT001 - click flags
    lenient_open_content: bool,  # noqa: FBT001
    default_mode: str,
    waiver_path: Path | None,
    no_gate: bool,  # noqa: FBT001
    fail_on_unknown: bool,  # noqa: FBT001
    budget: int,
    default_dialect: str,
    map_uri: tuple[str, ...],
    verbose: bool,  # noqa: FBT001
) -> None:
    """Compare OLD and NEW schemas and say, per change, whether instances still validate.

    OLD and NEW are directories of schemas or git revisions of this repository
    (REV means REV's schemas/, REV:path another folder). With only OLD, NEW is
    the work tree's schemas/. With neither, OLD is --base (default: the merge
    base with the main branch).

    Every change gets a verdict per direction: backward (new readers read old
    data) and forward (old readers read new data), each compatible, breaking
    (with a counterexample instance checked by jsonschema) or unknown. Changes
    that only alter generated code (renamed $defs, titles) are listed apart.

    The gate fails (exit 1) when a change breaks a direction its contract
    promises (schemas/<contract>/contract.json) without a new v<major> folder
    or a waiver with a reason. Exit 0 otherwise, 2 on usage errors (including
    a file that is not a valid schema of its dialect), 3 when the differ
    itself failed on a file (reported as 'comparison-failed', even with
    --no-gate).
    """
    if base is not None and old is not None:
        raise click.UsageError("give either --base REV or OLD, not both")
    uri_map = tuple(_mapping(item) for item in map_uri)
    with contextlib.ExitStack() as stack:
        sides = open_sides(
            old,
            new,
            base=base,
            schemas_dir=schemas_dir,
            cwd=Path.cwd(),
            stack=stack,
            default_dialect=DIALECT_NAMES[default_dialect],
            uri_map=uri_map,
        )
        chosen = waiver_path if waiver_path is not None else sides.new_path / WAIVER_FILE
        waivers = load_waivers(chosen) if chosen.is_file() or waiver_path is not None else []
        result = diff_and_gate(
            sides.old,
            sides.new,
            policy=Policy(
                format_assertion=format_assertion, lenient_open_content=lenient_open_content, budget=budget
            ),
            waivers=waivers,
            default_mode=Mode(default_mode),
            fail_on_unknown=fail_on_unknown,
            gate=not no_gate,
        )
    REPORTERS[output_format.lower()](result, verbose=verbose)
    for item in result.skipped:
        click.echo(f"diff: skipped ({item.side}) {item.path}: {item.reason}", err=True)
    if result.failed_files:
        for change in result.changes:
            if change.kind == COMPARISON_FAILED:
                click.echo(f"diff: {change.file}: {change.message}", err=True)
        raise click.exceptions.Exit(EXIT_INTERNAL)
    failed = result.gate is not None and not result.gate.passed
    raise click.exceptions.Exit(EXIT_FINDINGS if failed else EXIT_OK)


def _mapping(text: str) -> tuple[str, str]:
    prefix, equals, folder = text.partition("=")
    if not equals or not prefix or not folder:
        message = f"--map-uri wants PREFIX=FOLDER, got {text[:60]!r}"
        raise click.UsageError(message)
    return prefix, folder
