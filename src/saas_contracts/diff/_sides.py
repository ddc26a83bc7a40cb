"""The two sides of a diff as the command line names them: directories or git revisions.

``OLD`` and ``NEW`` are directories of schemas or revisions of the enclosing
repository (``REV`` means REV's ``schemas/``, ``REV:path`` another folder). A
revision is extracted read-only into a temporary directory that the caller's
:class:`contextlib.ExitStack` removes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from saas_contracts.diff._dialects import DEFAULT_DIALECT
from saas_contracts.diff._git import default_base, extract, repository_root
from saas_contracts.diff._sources import SchemaSet
from saas_contracts.errors import DiffInputError, GitRevisionError

if TYPE_CHECKING:
    import contextlib


@dataclass(frozen=True)
class Sides:
    """The loaded old and new schema sets, and the folder the new side was read from."""

    old: SchemaSet
    new: SchemaSet
    new_path: Path


def _side(spec: str, *, subdir: str, stack: contextlib.ExitStack, cwd: Path) -> tuple[Path, str]:
    """A directory as is, or ``REV`` / ``REV:path`` extracted from git into a temporary directory."""
    path = Path(spec)
    if path.is_dir():
        return path, spec
    if path.exists():
        raise DiffInputError(f"{spec}: not a directory of schemas")
    revision, _, inside = spec.partition(":")
    try:
        root = repository_root(cwd)
    except GitRevisionError as error:
        raise DiffInputError(f"{spec!r} is not a directory, and {error}") from error
    temporary = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="saas-contracts-diff-")))
    folder = inside.strip("/") or subdir
    return extract(root, revision, folder, temporary), f"{revision}:{folder}"


def open_sides(  # noqa: PLR0913 - the arguments of the diff command line, by name
    old: str | None,
    new: str | None,
    *,
    base: str | None,
    schemas_dir: str,
    cwd: Path,
    stack: contextlib.ExitStack,
    default_dialect: str = DEFAULT_DIALECT,
    uri_map: tuple[tuple[str, str], ...] = (),
) -> Sides:
    """Load both sides; with only OLD, NEW is the work tree; with neither, OLD is ``base`` or the merge base.

    ``default_dialect`` and ``uri_map`` are passed to each :class:`SchemaSet`.

    ``--base`` together with OLD is the caller's usage error to report.
    """
    if old is None:
        root = repository_root(cwd)
        old = base if base is not None else default_base(root)
        new_path, new_label = root / schemas_dir, schemas_dir + " (work tree)"
    elif new is None:
        try:
            root = repository_root(cwd)
        except GitRevisionError:
            root = cwd
        new_path, new_label = root / schemas_dir, schemas_dir + " (work tree)"
    else:
        new_path, new_label = _side(new, subdir=schemas_dir, stack=stack, cwd=cwd)
    old_path, old_label = _side(old, subdir=schemas_dir, stack=stack, cwd=cwd)
    if not new_path.is_dir():
        raise DiffInputError(f"{new_path}: not a directory of schemas")
    return Sides(
        old=SchemaSet(old_path, label=old_label, default_dialect=default_dialect, uri_map=uri_map),
        new=SchemaSet(new_path, label=new_label, default_dialect=default_dialect, uri_map=uri_map),
        new_path=new_path,
    )
