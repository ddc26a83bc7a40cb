"""Export the packaged schema tree and single-file bundles for other languages."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

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


def _copy_tree(source: Traversable, target: Path) -> list[str]:
    written: list[str] = []
    for entry in sorted(source.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            written.extend(f"{entry.name}/{name}" for name in _copy_tree(entry, target / entry.name))
        elif entry.name.endswith(".json"):
            target.mkdir(parents=True, exist_ok=True)
            (target / entry.name).write_bytes(entry.read_bytes())
            written.append(entry.name)
    return written


def export_schemas(catalog: SchemaCatalog, directory: Path) -> list[str]:
    """Write the raw schema tree to ``directory`` plus ``bundled/<name>.bundle.json``.

    Returns the written paths relative to ``directory``, sorted.
    """
    written = [str(path) for path in _copy_tree(catalog.root, directory)]
    for info in catalog:
        relative = f"bundled/{info.name}{BUNDLE_SUFFIX}"
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps_pretty(bundle(catalog, info.name), final_newline=True), encoding="utf-8")
        written.append(relative)
    return sorted(written)
