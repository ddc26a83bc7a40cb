"""``saas-contracts scan``: reject artifacts that are not public-safe."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from saas_contracts.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    emit_json,
    max_samples_option,
    output_format_option,
    refuse_no_documents,
)
from saas_contracts.privacy import FileScanResult, load_config, masked_path, scan_files

if TYPE_CHECKING:
    from collections.abc import Callable


def _print_errors(result: FileScanResult) -> None:
    for error in result.errors:
        click.echo(f"error: {error.location}: {error.reason}", err=True)
    if result.omitted_errors:
        click.echo(
            f"error: {result.omitted_errors} more unreadable inputs not listed "
            f"(--max-samples {result.max_samples})",
            err=True,
        )


def _print_text(result: FileScanResult, *, quiet: bool) -> None:
    _print_errors(result)
    for source, finding in result.findings:
        location = source if finding.line is None else f"{source}:{finding.line}"
        click.echo(
            f"{location}: {finding.pointer or '/'}: {finding.rule_id} "
            f"[{finding.family}, {finding.target}, view {finding.view}] {finding.preview}",
        )
    if result.omitted_findings:
        click.echo(
            f"{result.omitted_findings} more findings not listed (--max-samples {result.max_samples})",
            err=True,
        )
    if not quiet:
        count = result.finding_count
        click.echo(
            f"scanned {result.artifacts} artifacts in {len(result.sources)} files: "
            f"{count} finding{'s' if count != 1 else ''}, {result.error_count} unreadable "
            f"(rules {result.rules.version}, {result.rules.digest})",
            err=True,
        )


def _sarif_uri(source: str) -> str:
    return "stdin" if source == "-" else masked_path(Path(source).as_posix())


def _print_json(result: FileScanResult, *, quiet: bool) -> None:  # noqa: ARG001 - one reporter signature
    emit_json(result.to_json())
    _print_errors(result)


def _print_sarif(result: FileScanResult, *, quiet: bool) -> None:  # noqa: ARG001 - one reporter signature
    from saas_contracts.privacy import sarif_log  # noqa: PLC0415 - only -o sarif loads it (lazy attribute)

    pairs = [(_sarif_uri(source), finding) for source, finding in result.findings]
    artifacts = sorted({_sarif_uri(s) for s in result.sources})
    emit_json(sarif_log(pairs, result.rules, artifacts=artifacts, omitted=result.omitted_findings))
    _print_errors(result)


REPORTERS: dict[str, Callable[..., None]] = {"text": _print_text, "json": _print_json, "sarif": _print_sarif}
"""Reporters take the result and ``quiet`` (the summary line on stderr of the text report)."""


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@output_format_option(REPORTERS)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Product extras (privacy/v1/config): deny_terms such as vertical product names, and extra "
    "rules of the packaged shape. Extras only add findings; nothing can be exempted.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@max_samples_option("findings (and at most N unreadable inputs)")
def scan(
    paths: tuple[str, ...],
    output_format: str,
    config_path: str | None,
    max_samples: int | None,
    *,
    quiet: bool,
) -> None:
    """Scan artifacts that must be public-safe (ops summaries, release packets, reports, fixtures).

    A .json file is one artifact; a .jsonl/.ndjson file is one artifact per
    line (findings carry the 1-based line); '-' reads JSON Lines from stdin,
    and so does a FIFO or <(...) without a suffix. Artifacts are scanned one
    at a time: memory is bounded by the largest artifact (64 MiB at most; a
    longer line is unreadable), not by the input.
    Keys and values are checked, raw and through normalized views (NFKC,
    zero-width characters removed, unescaped, percent-, base64- and
    hex-decoded, embedded JSON). Rules come from the packaged
    schemas/privacy/v1/rules.json. Output never contains a secret in full:
    findings show a masked preview and a JSON Pointer.

    Reports list the first --max-samples findings and unreadable inputs and
    count all of them: '-o json' adds 'totals', 'max_samples' and
    'truncated'; '-o sarif' keeps the first N results and, when some were
    left out, says how many in a warning notification of its invocation.

    Exit 0 clean, 1 findings, 2 usage error, unreadable input or no
    artifacts at all.
    """
    config = load_config(config_path) if config_path is not None else None
    result = scan_files(paths, config, max_samples=max_samples)
    if not result.error_count:
        refuse_no_documents(result.artifacts)
    REPORTERS[output_format.lower()](result, quiet=quiet)
    if result.error_count:
        raise click.exceptions.Exit(EXIT_USAGE)
    raise click.exceptions.Exit(EXIT_OK if result.clean else EXIT_FINDINGS)
