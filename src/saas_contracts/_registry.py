"""The packaged schemas and the one offline ``referencing.Registry`` over them.

Schemas live in ``schemas/<contract>/v<major>/<name>.schema.json``; each
``$id`` is :data:`BASE_URI` plus that path, and refs between files are
relative. The registry is built once from the files and never retrieves
anything: an unknown ``$ref`` is an :class:`UnresolvableReferenceError`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from saas_contracts._jsonio import loads
from saas_contracts._resources import packaged
from saas_contracts.errors import (
    InputFileError,
    SchemaDefinitionError,
    UnknownSchemaError,
    UnresolvableReferenceError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from importlib.resources.abc import Traversable
    from pathlib import Path

BASE_URI = "https://saas-contracts.dev/schemas/"
"""Every packaged schema's ``$id`` is this plus its path under ``schemas/``."""
SCHEMA_SUFFIX = ".schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_VERSION_DIR = re.compile(r"v([1-9][0-9]*)\Z")


@dataclass(frozen=True, kw_only=True)
class SchemaInfo:
    """One schema document and where it lives."""

    name: str
    """Path under ``schemas/`` without the suffix, e.g. ``usage-ledger/v1/event``."""
    path: str
    """Path under ``schemas/``, e.g. ``usage-ledger/v1/event.schema.json``."""
    id: str
    """The document's ``$id``."""
    contract: str
    """First path component, e.g. ``usage-ledger``."""
    major: int
    """Major version from the ``v<major>`` folder."""
    contents: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def title(self) -> str:
        """The schema's ``title`` (empty when absent)."""
        return str(self.contents.get("title", ""))

    @property
    def description(self) -> str:
        """The schema's ``description`` (empty when absent)."""
        return str(self.contents.get("description", ""))


def refuse_retrieval(uri: str) -> NoReturn:
    """Refuse to fetch ``uri``: the one decision that keeps every validator offline.

    Pass it as ``retrieve=`` to a :class:`referencing.Registry` (a lookup then
    raises :class:`referencing.exceptions.Unresolvable`, caused by
    ``Unretrievable``, caused by this error) and as ``retriever=`` to
    jsonschema-rs (the compile fails with a ``ValueError`` carrying this
    message). Either way a ``$ref`` outside the registry never reaches the network.
    """
    raise UnresolvableReferenceError(uri)


def _walk(root: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(root.iterdir(), key=lambda entry: entry.name):
        relative = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, relative + "/")
        elif child.name.endswith(SCHEMA_SUFFIX):
            yield relative, child


def _info(relative: str, document: object, *, source: str, base_uri: str) -> SchemaInfo:
    if not isinstance(document, dict):
        raise SchemaDefinitionError(f"{source}: a schema document must be a JSON object")
    parts = relative.split("/")
    version = _VERSION_DIR.match(parts[1]) if len(parts) == 3 else None
    if version is None:
        raise SchemaDefinitionError(
            f"{source}: schemas live at <contract>/v<major>/<name>{SCHEMA_SUFFIX}",
        )
    expected_id = base_uri + relative
    if document.get("$id") != expected_id:
        raise SchemaDefinitionError(f"{source}: $id must be {expected_id!r} (it mirrors the path)")
    if document.get("$schema") != DIALECT:
        raise SchemaDefinitionError(f"{source}: $schema must be {DIALECT!r}")
    return SchemaInfo(
        name=relative.removesuffix(SCHEMA_SUFFIX),
        path=relative,
        id=expected_id,
        contract=parts[0],
        major=int(version.group(1)),
        contents=document,
    )


class SchemaCatalog:
    """A set of schema documents plus the offline registry that resolves them.

    Build one from a directory (or a package resource) laid out like
    ``schemas/``. Lookups accept a name (``usage-ledger/v1/event``), a path
    (``usage-ledger/v1/event.schema.json``) or an ``$id``.
    """

    def __init__(self, root: Traversable | Path, *, base_uri: str = BASE_URI) -> None:
        """Read every ``*.schema.json`` under ``root`` and crawl them into a registry."""
        self.root = root
        self.base_uri = base_uri
        infos: dict[str, SchemaInfo] = {}
        for relative, entry in _walk(root):
            source = str(entry)
            try:
                document = loads(entry.read_text(encoding="utf-8"), locate_duplicates=True)
            except (ValueError, OSError) as error:
                raise InputFileError(source, str(error)) from error
            info = _info(relative, document, source=source, base_uri=base_uri)
            infos[info.name] = info
        self._by_name = infos
        self._by_id = {info.id: info for info in infos.values()}
        resources = [
            (info.id, referencing.Resource.from_contents(info.contents, default_specification=DRAFT202012))
            for info in infos.values()
        ]
        self.registry: referencing.Registry[Any] = (
            referencing.Registry(
                retrieve=refuse_retrieval,  # type: ignore[call-arg]
            )
            .with_resources(resources)
            .crawl()
        )

    def __iter__(self) -> Iterator[SchemaInfo]:
        """Schemas in name order."""
        return iter(self._by_name[name] for name in sorted(self._by_name))

    def __len__(self) -> int:
        """How many schema documents the catalog holds."""
        return len(self._by_name)

    def names(self) -> list[str]:
        """All schema names, sorted."""
        return sorted(self._by_name)

    def get(self, ref: str) -> SchemaInfo:
        """Find a schema by name, path or ``$id`` (a fragment is ignored)."""
        key = ref.split("#", 1)[0]
        found = (
            self._by_name.get(key)
            or self._by_name.get(key.removesuffix(SCHEMA_SUFFIX))
            or self._by_id.get(key)
        )
        if found is None:
            raise UnknownSchemaError(ref, self.names())
        return found

    def iter_refs(self) -> Iterator[tuple[SchemaInfo, str]]:
        """Every ``$ref``/``$dynamicRef`` value in every document, with its document."""
        for info in self:
            for ref in _collect_refs(info.contents):
                yield info, ref

    def check_references(self) -> None:
        """Resolve every ``$ref`` in every document; raise on the first that does not."""
        for info, ref in self.iter_refs():
            resolver = self.registry.resolver(base_uri=info.id)
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as error:
                raise UnresolvableReferenceError(ref, schema=info.name) from error


def _collect_refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"$ref", "$dynamicRef"} and isinstance(value, str):
                yield value
            elif key not in {"enum", "const", "examples", "default"}:
                yield from _collect_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _collect_refs(item)


def packaged_schema_root() -> Traversable:
    """The ``schemas/`` tree shipped inside the package."""
    return packaged("_schemas")


@functools.cache
def default_catalog() -> SchemaCatalog:
    """The catalog of packaged schemas, built once per process."""
    return SchemaCatalog(packaged_schema_root())


def list_schemas() -> list[SchemaInfo]:
    """Every packaged schema, in name order."""
    return list(default_catalog())


def get_schema(ref: str) -> SchemaInfo:
    """A packaged schema by name (``usage-ledger/v1/event``), path or ``$id``."""
    return default_catalog().get(ref)
