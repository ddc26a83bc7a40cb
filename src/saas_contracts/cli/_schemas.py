"""``saas-contracts schemas``: list, show and export the packaged schemas."""

from __future__ import annotations

from pathlib import Path

import click

from saas_contracts._export import bundle, export_schemas
from saas_contracts._jsonio import dumps_pretty
from saas_contracts._registry import default_catalog
from saas_contracts.cli._common import emit_json, output_format_option


@click.group()
def schemas() -> None:
    """Inspect and export the packaged JSON Schema documents (Draft 2020-12)."""


@schemas.command("list")
@output_format_option("text", "json")
def list_schemas(output_format: str) -> None:
    """List every packaged schema: name, $id and title."""
    catalog = default_catalog()
    if output_format == "json":
        emit_json([{"name": info.name, "id": info.id, "title": info.title} for info in catalog])
        return
    width = max((len(info.name) for info in catalog), default=0)
    for info in catalog:
        click.echo(f"{info.name:<{width}}  {info.title}")


@schemas.command("show")
@click.argument("name")
@click.option("--bundled", is_flag=True, help="Embed every referenced document (single-file bundle).")
def show(name: str, *, bundled: bool) -> None:
    """Print one schema (by name, path or $id) as JSON."""
    catalog = default_catalog()
    document = bundle(catalog, name) if bundled else catalog.get(name).contents
    click.echo(dumps_pretty(document, final_newline=False))


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> None:
    """Write the raw schema tree to DIRECTORY, plus DIRECTORY/bundled/<name>.bundle.json.

    The raw tree keeps relative $refs between files (resolve them against each
    file's $id); the bundles embed what each schema references, for consumers
    that cannot resolve cross-file references.
    """
    written = export_schemas(default_catalog(), directory)
    click.echo(f"wrote {len(written)} files to {directory}", err=True)
