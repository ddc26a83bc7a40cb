"""``saas-contracts fixtures``: check and run the executable acceptance fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from saas_contracts.cli._common import emit_json, finish, output_format_option
from saas_contracts.fixtures import (
    check_fixture,
    discover_product_names,
    find_repo_root,
    packaged_fixtures,
)

if TYPE_CHECKING:
    from saas_contracts.fixtures import FixtureReport


@click.group()
def fixtures() -> None:
    """Check the executable core fixtures (constraints and stage vectors)."""


def _text_report(report: FixtureReport) -> None:
    status = "ok" if report.ok else "FAILED"
    passed = sum(outcome.passed for outcome in report.outcomes)
    click.echo(
        f"{report.source}: {status} ({report.candidate or 'unknown candidate'}; "
        f"{passed}/{len(report.outcomes)} vectors passed)"
    )
    for violation in report.violations:
        click.echo(f"  {violation.pointer or '/'}: [{violation.rule}] {violation.message}")
    for outcome in report.failed_vectors:
        click.echo(f"  stage {outcome.stage} / {outcome.name}: {outcome.detail}")
    for note in report.notes:
        click.echo(f"  note: {note}", err=True)


@fixtures.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--examples",
    "examples_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder whose products/*/product.json declare product names the fixtures must not mention "
    "(default: examples/ of the enclosing checkout).",
)
@click.option(
    "--product-name", "extra_names", multiple=True, help="Another product name to forbid (repeatable)."
)
@output_format_option("text", "json")
def check(
    paths: tuple[Path, ...], examples_dir: Path | None, extra_names: tuple[str, ...], output_format: str
) -> None:
    """Validate core fixtures, check their constraints and run every stage vector.

    With no PATHS, checks the fixtures packaged with saas-contracts. Exit 0 when
    every fixture holds, 1 when a constraint or vector fails, 2 on usage errors.
    """
    repo_root = examples_dir.parent if examples_dir is not None else find_repo_root(Path.cwd())
    names = list(extra_names)
    if repo_root is not None:
        names.extend(discover_product_names(examples_dir or repo_root / "examples"))
    targets = list(paths) or packaged_fixtures()
    reports = [
        check_fixture(target, product_names=sorted(set(names)), repo_root=repo_root) for target in targets
    ]
    if output_format == "json":
        emit_json(
            {"ok": all(report.ok for report in reports), "fixtures": [report.to_json() for report in reports]}
        )
    else:
        for report in reports:
            _text_report(report)
    finish(clean=all(report.ok for report in reports))


@fixtures.command("list")
def list_fixtures() -> None:
    """List the core fixtures packaged with saas-contracts."""
    for entry in packaged_fixtures():
        click.echo(entry.name)
