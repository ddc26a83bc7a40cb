"""``saas-contracts schemas``: list, show and export the packaged schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from saas_contracts import bundle, default_catalog, export_schemas
from saas_contracts.cli._common import emit_json, fail, output_format_option, report

if TYPE_CHECKING:
    from collections.abc import Callable

    from saas_contracts import SchemaCatalog


def _list_text(catalog: SchemaCatalog) -> None:
    width = max((len(info.name) for info in catalog), default=0)
    for info in catalog:
        click.echo(f"{info.name:<{width}}  {info.title}")


LIST_REPORTERS: dict[str, Callable[[SchemaCatalog], None]] = {
    "text": _list_text,
    "json": lambda catalog: emit_json([{"name": i.name, "id": i.id, "title": i.title} for i in catalog]),
}
SHOW_REPORTERS: dict[str, Callable[[Any], None]] = {"json": emit_json}


@dataclass(frozen=True, kw_only=True)
class ExportResult:
    """What ``schemas export`` wrote."""

    directory: Path
    files: tuple[str, ...]


EXPORT_REPORTERS: dict[str, Callable[[ExportResult], None]] = {
    "text": lambda result: click.echo(f"wrote {len(result.files)} files to {result.directory}", err=True),
    "json": lambda result: emit_json({"directory": str(result.directory), "files": list(result.files)}),
}


@click.group()
def schemas() -> None:
    """Inspect and export the packaged JSON Schema documents (Draft 2020-12)."""


@schemas.command("list")
@output_format_option(LIST_REPORTERS)
def list_schemas(output_format: str) -> None:
    """List every packaged schema: name, $id and title."""
    report(LIST_REPORTERS, output_format, default_catalog())


@schemas.command("show")
@click.argument("name")
@click.option("--bundled", is_flag=True, help="Embed every referenced document (single-file bundle).")
@output_format_option(SHOW_REPORTERS, default="json")
def show(name: str, output_format: str, *, bundled: bool) -> None:
    """Print one schema (by name, path or $id) as JSON."""
    catalog = default_catalog()
    report(SHOW_REPORTERS, output_format, bundle(catalog, name) if bundled else catalog.get(name).contents)


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@output_format_option(EXPORT_REPORTERS)
def export(directory: Path, output_format: str) -> None:
    """Write the raw schema tree to DIRECTORY, plus DIRECTORY/bundled/<name>.bundle.json.

    The raw tree keeps relative $refs between files (resolve them against each
    file's $id); the bundles embed what each schema references, for consumers
    that cannot resolve cross-file references. -o json lists the files written
    on stdout. Each file is written atomically; a location that cannot be
    written is exit 2.
    """
    try:
        written = export_schemas(default_catalog(), directory)
    except OSError as error:
        raise fail(
            f"{error.filename or directory}: cannot write: {error.strerror or type(error).__name__}"
        ) from error
    report(EXPORT_REPORTERS, output_format, ExportResult(directory=directory, files=tuple(written)))
