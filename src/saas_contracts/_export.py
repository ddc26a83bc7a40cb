"""Export the packaged schema tree and single-file bundles for other languages.

Every file is prepared in memory first, then written with
:func:`saas_contracts._atomic.atomic_write_bytes`: a file that exists is whole,
old or new, never half-written.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from saas_contracts._atomic import atomic_write_bytes
from saas_contracts._jsonio import dumps_pretty
from saas_contracts._registry import SchemaCatalog, SchemaInfo, _collect_refs

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from pathlib import Path

BUNDLE_SUFFIX = ".bundle.json"


def _external_dependencies(catalog: SchemaCatalog, root: SchemaInfo) -> list[SchemaInfo]:
    """Every other packaged document ``root`` reaches through ``$ref``, in name order."""
    seen: dict[str, SchemaInfo] = {}
    pending = [root]
    while pending:
        info = pending.pop()
        for ref in _collect_refs(info.contents):
            target, _ = urldefrag(urljoin(info.id, ref))
            if target and target != root.id and target not in seen:
                dependency = catalog.get(target)
                seen[target] = dependency
                pending.append(dependency)
    return sorted(seen.values(), key=lambda info: info.name)


def bundle(catalog: SchemaCatalog, name: str) -> dict[str, Any]:
    """One self-contained Draft 2020-12 document for ``name``.

    Referenced documents are embedded under ``$defs`` with their own ``$id``
    (a compound schema document, JSON Schema 2020-12 section 9.3), so every
    existing ``$ref`` keeps working unchanged in Ajv and other validators that
    cannot load a second file.
    """
    info = catalog.get(name)
    document = copy.deepcopy(dict(info.contents))
    dependencies = _external_dependencies(catalog, info)
    if dependencies:
        defs = document.setdefault("$defs", {})
        for dependency in dependencies:
            key = "bundled:" + dependency.name
            embedded = copy.deepcopy(dict(dependency.contents))
            embedded.pop("$schema", None)  # embedded resources inherit the root dialect
            defs[key] = embedded
    return document


def _tree_files(source: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for entry in sorted(source.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            files.extend(_tree_files(entry, f"{prefix}{entry.name}/"))
        elif entry.name.endswith(".json"):
            files.append((f"{prefix}{entry.name}", entry.read_bytes()))
    return files


def _write(path: Path, data: bytes) -> None:
    """Create the folders and replace ``path`` atomically; an :class:`OSError` names ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error


def export_schemas(catalog: SchemaCatalog, directory: Path) -> list[str]:
    """Write the raw schema tree to ``directory`` plus ``bundled/<name>.bundle.json``.

    Returns the written paths relative to ``directory``, sorted. Raises
    :class:`OSError` whose ``filename`` is the file that could not be written
    (files already written are whole; none is left half-written).
    """
    files = _tree_files(catalog.root)
    for info in catalog:
        text = dumps_pretty(bundle(catalog, info.name), final_newline=True)
        files.append((f"bundled/{info.name}{BUNDLE_SUFFIX}", text.encode("utf-8")))
    for relative, data in files:
        _write(directory / relative, data)
    return sorted(relative for relative, _ in files)
