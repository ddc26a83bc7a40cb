"""``saas-contracts validate``: check JSON / JSON Lines documents against a schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from saas_contracts import BatchResult, resolve_schema, validate_files
from saas_contracts.cli._common import (
    emit_json,
    fail,
    finish,
    max_samples_option,
    output_format_option,
    refuse_no_documents,
    report,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def _print_text(result: BatchResult) -> None:
    for document in result.problems:
        if document.parse_error is not None:
            click.echo(f"{document.location}: {document.parse_error}")
        for violation in document.violations:
            click.echo(
                f"{document.location}: {violation.pointer or '/'}: {violation.message} [{violation.keyword}]"
            )
    counts = result.counts()
    click.echo(
        f"{result.schema}: {counts['documents']} documents, {counts['valid']} valid, "
        f"{counts['invalid']} invalid, {counts['unparsable']} unparsable",
        err=True,
    )
    if result.truncated:
        click.echo(
            f"{result.omitted} more invalid or unparsable documents not listed "
            f"(--max-samples {result.max_samples})",
            err=True,
        )


REPORTERS: dict[str, Callable[[BatchResult], None]] = {
    "text": _print_text,
    "json": lambda result: emit_json(result.to_json()),
}


@click.command()
@click.option(
    "-s",
    "--schema",
    required=True,
    metavar="NAME|FILE",
    help="A packaged schema's name (e.g. usage-ledger/v1/event), path or $id, or a schema file of "
    "your own (a path that exists, or any path ending in .json). A '#/json/pointer' fragment selects a "
    "subschema (e.g. common/v1/common#/$defs/utc_timestamp). See 'saas-contracts schemas list'.",
)
@click.option(
    "--schema-path",
    "schema_paths",
    multiple=True,
    metavar="DIR",
    help="With a schema FILE: a folder whose *.json files (at any depth) resolve by $id or file path "
    "(repeatable). Relative $refs of the file already resolve against its own folder.",
)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@output_format_option(REPORTERS)
@max_samples_option("invalid or unparsable documents")
def validate(
    schema: str,
    schema_paths: tuple[str, ...],
    files: tuple[str, ...],
    output_format: str,
    max_samples: int | None,
) -> None:
    """Validate FILE... against a packaged schema or a schema file of your own.

    A .json file is one document; a .jsonl/.ndjson file is one document per
    line, and a bad line is reported with its number without stopping the
    rest. '-' reads JSON Lines from standard input, and so does a FIFO or
    <(...) without a suffix. Documents are read one at a time: memory is
    bounded by the largest document (64 MiB at most; a longer line is
    unparsable), not by the input. Reports list the first --max-samples
    problem documents and count all of them; '-o json' is one object with
    'summary', 'problems', 'max_samples' and 'truncated'. Messages never
    quote instance values in full.

    A schema file gets the packaged schemas' semantics (ECMA-262 patterns,
    format assertions) in the dialect its $schema names (draft 2020-12 when
    absent; 2019-09, 07, 06, 04). Its $refs may reach sibling files, --schema-path
    folders, the packaged schemas and the standard metaschemas by $id; nothing
    is ever fetched.

    Exit 0 when every document is valid, 1 when any is invalid or
    unparsable, 2 on usage errors (unknown schema, missing or invalid schema
    file, unresolvable $ref, unreadable file, no documents at all).
    """
    chosen = resolve_schema(schema, search_paths=schema_paths)
    if isinstance(chosen, str) and schema_paths:
        raise fail("--schema-path applies only when --schema is a schema file")
    result = validate_files(files, chosen, max_samples=max_samples)
    refuse_no_documents(result.documents)
    report(REPORTERS, output_format, result)
    finish(clean=result.valid)
