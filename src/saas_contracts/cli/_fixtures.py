"""``saas-contracts fixtures``: check and run the executable acceptance fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from saas_contracts.cli._common import emit_json, finish, output_format_option, report
from saas_contracts.fixtures import (
    check_fixture,
    discover_product_names,
    find_repo_root,
    packaged_fixtures,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.resources.abc import Traversable

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


def _check_text(reports: Sequence[FixtureReport]) -> None:
    for item in reports:
        _text_report(item)


CHECK_REPORTERS: dict[str, Callable[[Sequence[FixtureReport]], None]] = {
    "text": _check_text,
    "json": lambda reports: emit_json(
        {"ok": all(item.ok for item in reports), "fixtures": [item.to_json() for item in reports]}
    ),
}


def _list_text(entries: Sequence[Traversable]) -> None:
    for entry in entries:
        click.echo(entry.name)


LIST_REPORTERS: dict[str, Callable[[Sequence[Traversable]], None]] = {
    "text": _list_text,
    "json": lambda entries: emit_json([entry.name for entry in entries]),
}


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
@output_format_option(CHECK_REPORTERS)
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
    report(CHECK_REPORTERS, output_format, reports)
    finish(clean=all(item.ok for item in reports))


@fixtures.command("list")
@output_format_option(LIST_REPORTERS)
def list_fixtures(output_format: str) -> None:
    """List the core fixtures packaged with saas-contracts."""
    report(LIST_REPORTERS, output_format, packaged_fixtures())
