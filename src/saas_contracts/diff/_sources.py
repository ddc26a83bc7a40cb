"""One side of a diff: a tree of schema files, an offline registry, contract declarations.

A tree laid out like ``schemas/`` (``<contract>/v<major>/<name>.schema.json``)
is loaded through :class:`saas_contracts._registry.SchemaCatalog`, so the
project's conventions are checked. Any other tree (users' own schemas) is
loaded file by file: every ``*.json`` that holds a schema, keyed by its
relative path. A file of an older dialect is rewritten into the Draft 2020-12
form on its own (its ``$schema`` says how to read it), and every ``$ref`` of
the side into it, from a file of any dialect, is re-aimed at where that
rewrite put the target (:func:`aim_across`). Either way every ``$ref`` is then
made an absolute URI, so any subschema can be validated on its own against the
side's registry.

Every schema file is checked before anything else reads it: a file nested
deeper than :data:`MAX_SCHEMA_DEPTH` objects and arrays, or one that is not a
valid Draft 2020-12 schema (``"type": "strin"``), is a :class:`DiffInputError`
naming the file, so the differ only ever sees schemas it can walk.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from saas_contracts._jsonio import load_json_file
from saas_contracts._registry import BASE_URI, SCHEMA_SUFFIX, SchemaCatalog, refuse_retrieval
from saas_contracts._user_schemas import METASCHEMAS
from saas_contracts.diff._dialects import (
    DEFAULT_DIALECT,
    Rewritten,
    check_document,
    dialect_of,
    guess_pointer,
    rewrite,
    to_2020_12,
)
from saas_contracts.diff._dialects import (
    DRAFT202012 as DIALECT_2020_12,
)
from saas_contracts.errors import DiffInputError, InputFileError, UnresolvableReferenceError

if TYPE_CHECKING:
    from collections.abc import Iterator

CONTRACT_FILE = "contract.json"
WAIVER_FILE = "compat-waivers.json"
_CONFIG_FILES = frozenset({CONTRACT_FILE, WAIVER_FILE})
_TOOL_FILES = frozenset({"package.json", "package-lock.json", "tsconfig.json"})
"""Names of tool configuration files: compared only when they declare a ``$schema`` (SchemaStore's schema
*for* ``package.json`` is itself named ``package.json``), otherwise skipped and listed as skipped."""
_LAYOUT = re.compile(r"[^/]+/v[1-9][0-9]*/[^/]+\Z")
_VERSION_DIR = re.compile(r"v([1-9][0-9]*)\Z")
_NOT_SUBSCHEMA = frozenset({"enum", "const", "examples", "default"})
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
MAX_SCHEMA_DEPTH = 64
"""The deepest nesting of JSON objects and arrays a schema file may have (``{}`` is 1).

Real schemas stay far below it (the walk itself stops at 48 subschemas, as
``unknown``); the differ, jsonschema's metaschema check and ``referencing`` all
recurse over schemas (the metaschema check uses about eight Python frames per
level), so a deeper file is refused up front with a clear message instead of
ending in Python's recursion limit."""


@dataclass(frozen=True, kw_only=True)
class SchemaDoc:
    """One schema file on one side."""

    path: str
    """Relative path inside the side's root, ``/``-separated."""
    uri: str
    """The absolute URI it is registered under."""
    contents: Any = field(repr=False, compare=False)
    """The document with every ``$ref`` made absolute."""

    @property
    def contract(self) -> str:
        """First path component (the contract folder), or empty for a top-level file."""
        head, _, rest = self.path.partition("/")
        return head if rest else ""

    @property
    def major(self) -> int | None:
        """The ``v<major>`` folder number, when the file sits in one."""
        parts = self.path.split("/")
        match = _VERSION_DIR.match(parts[1]) if len(parts) >= 3 else None
        return int(match.group(1)) if match else None


def absolutize(node: Any, base: str) -> Any:
    """Copy ``node`` with every ``$ref``/``$dynamicRef`` resolved against ``base`` (and nested ``$id``)."""
    if isinstance(node, list):
        return [absolutize(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    here = base
    if isinstance(node.get("$id"), str):
        here = join_uri(base, node["$id"])
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in {"$ref", "$dynamicRef"} and isinstance(value, str):
            result[key] = join_uri(here, value)
        elif key in _NOT_SUBSCHEMA:
            result[key] = value
        elif key in _NAME_MAPS and isinstance(value, dict):
            result[key] = {name: absolutize(item, here) for name, item in value.items()}
        else:
            result[key] = absolutize(value, here)
    return result


def join_uri(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` (RFC 3986 section 5), whatever ``base``'s scheme.

    ``urllib.parse.urljoin`` joins only schemes it knows: against ``ng-cli://config/schema.json``
    (Angular's ``$id``) or a ``urn:`` it returns ``#/definitions/x`` unchanged, so the ``$ref`` named
    nothing and the file was refused.
    """
    if urllib.parse.urlsplit(reference).scheme:
        return reference
    if reference.startswith("#") or not reference:
        return base.split("#", 1)[0] + reference
    scheme = urllib.parse.urlsplit(base).scheme
    if scheme and scheme not in urllib.parse.uses_relative and base[len(scheme) :].startswith("://"):
        joined = urllib.parse.urljoin("https" + base[len(scheme) :], reference)
        return scheme + joined[len("https") :]
    return urllib.parse.urljoin(base, reference)


def _ref_sites(node: Any, base: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each node holding a ``$ref`` and the absolute URI it names (walked as :func:`absolutize` walks)."""
    if isinstance(node, list):
        for item in node:
            yield from _ref_sites(item, base)
        return
    if not isinstance(node, dict):
        return
    here = join_uri(base, node["$id"]) if isinstance(node.get("$id"), str) else base
    if isinstance(node.get("$ref"), str):
        yield node, join_uri(here, node["$ref"])
    for key, value in node.items():
        if key in _NOT_SUBSCHEMA:
            continue
        if key in _NAME_MAPS and isinstance(value, dict):
            for item in value.values():
                yield from _ref_sites(item, here)
        else:
            yield from _ref_sites(value, here)


def _declared_ids(node: Any, base: str) -> set[str]:
    """Every URI an ``$id`` (or draft-04 ``id``) in a raw document names, without its fragment.

    Read loosely (an ``id`` property name is taken too): it only chooses which mapped files are read.
    """
    found: set[str] = set()
    pending: list[tuple[Any, str]] = [(node, base)]
    while pending:
        item, here = pending.pop()
        if isinstance(item, list):
            pending.extend((child, here) for child in item)
            continue
        if not isinstance(item, dict):
            continue
        for key in ("$id", "id"):
            value = item.get(key)
            if isinstance(value, str):
                here = join_uri(here, value)
                found.add(here.partition("#")[0])
        pending.extend((child, here) for child in item.values())
    return found


def aim_across(documents: list[tuple[str, Any, Rewritten | None]], rewritten: dict[str, Rewritten]) -> None:
    """Re-aim every ``$ref`` into an older-dialect document at where its rewrite put the target.

    ``documents`` are ``(uri, contents, rewrite or None)`` (the rewrite of an older-dialect file,
    whose own same-resource ``$ref``s it already re-aimed); ``rewritten`` maps each URI an
    older-dialect document answers to onto its rewrite. So ``legacy.json#/definitions/pair/items/1``
    from a Draft 2020-12 file names ``legacy.json#/$defs/pair/prefixItems/1``, and a target no
    subschema holds is placed in that document's ``$defs``. Placing one may add ``$ref``s, so the
    walk repeats until nothing more is placed. A ``$ref`` of an older-dialect file into a document
    that is not one (another dialect's metaschema, a file outside the sides) keeps the guess of
    :func:`~saas_contracts.diff._dialects.to_2020_12`.
    """
    done: set[int] = set()
    while True:
        size = sum(item.size for item in rewritten.values())
        for uri, contents, own in documents:
            for node, absolute in list(_ref_sites(contents, uri)):
                if id(node) in done or (own is not None and own.is_linked(node)):
                    continue
                done.add(id(node))
                head, _, fragment = absolute.partition("#")
                target = rewritten.get(head)
                if target is None:
                    if own is not None:
                        node["$ref"] = guess_pointer(node["$ref"])
                    continue
                aimed = target.aim(fragment)
                if aimed is not None:
                    node["$ref"] = head + aimed
        if sum(item.size for item in rewritten.values()) == size:
            return


def _nesting_depth(document: Any, limit: int) -> int:
    """How deeply objects and arrays nest in ``document``, counting stops just past ``limit``.

    Iterative, so it answers for any depth the JSON reader accepted.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > limit:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def check_schema_document(document: Any, source: str, dialect: str = DEFAULT_DIALECT) -> None:
    """Raise :class:`DiffInputError` unless ``document`` is a schema of ``dialect`` the differ can walk."""
    if _nesting_depth(document, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH:
        raise DiffInputError(
            f"{source}: schema nested too deeply (more than {MAX_SCHEMA_DEPTH} levels of objects and arrays)"
        )
    check_document(document, dialect, source)


@functools.cache
def metaschema_resources() -> tuple[tuple[str, referencing.Resource[Any]], ...]:
    """Every standard metaschema and vocabulary (jsonschema-specifications), in the Draft 2020-12 form.

    So a ``$ref`` to ``https://json-schema.org/draft/2020-12/schema`` (or any
    draft's metaschema) resolves offline and is read like the side's own files.
    """
    found: list[tuple[str, referencing.Resource[Any]]] = []
    for uri in sorted(METASCHEMAS):
        contents = METASCHEMAS.contents(uri)
        try:
            dialect = dialect_of(contents, uri, default=DEFAULT_DIALECT)
        except DiffInputError:
            continue  # draft-03, a dialect the differ does not read
        converted = absolutize(to_2020_12(contents, dialect), uri.rstrip("#"))
        resource = referencing.Resource.from_contents(converted, default_specification=DRAFT202012)
        found.extend((alias, resource) for alias in {uri, uri.rstrip("#")})
    return tuple(found)


def _walk_files(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") or part == "node_modules" for part in relative.split("/")):
            continue
        yield relative, path


def _looks_like_layout(files: list[str]) -> bool:
    schemas = [name for name in files if name.endswith(SCHEMA_SUFFIX)]
    return bool(schemas) and all(_LAYOUT.match(name) for name in schemas)


class SchemaSet:
    """All schema documents of one side, their registry, and the contract declarations."""

    def __init__(
        self,
        root: Path,
        *,
        label: str = "",
        base_uri: str = BASE_URI,
        default_dialect: str = DEFAULT_DIALECT,
        uri_map: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Load every schema under ``root`` (see the module docstring for which files count).

        ``default_dialect`` reads files without ``$schema``; ``uri_map`` pairs a URI
        prefix with a folder (relative to ``root`` unless absolute) whose files the
        prefix names, so ``$ref``s to that prefix resolve offline.
        """
        if not root.is_dir():
            raise DiffInputError(f"{root}: not a directory of schemas")
        self.root = root
        self.label = label or str(root)
        self.base_uri = base_uri
        self.default_dialect = default_dialect
        self.skipped: list[tuple[str, str]] = []
        """``(relative path, reason)`` of each file not compared."""
        files = [relative for relative, _ in _walk_files(root)]
        self.layout = _looks_like_layout(files)
        raw: dict[str, tuple[str, Any, Rewritten | None]] = {}
        if self.layout:
            catalog = SchemaCatalog(root, base_uri=base_uri)
            for info in catalog:
                check_schema_document(info.contents, self._source(info.path))
                raw[info.path] = (info.id, info.contents, None)
        else:
            for relative, path in _walk_files(root):
                read = self._read(relative, path)
                if read is not None:
                    raw[relative] = (self._uri(relative, read[0]), *read)
        outside = self._outside(uri_map, [raw[relative] for relative in sorted(raw)])
        names: dict[str, list[str]] = {}
        """Every URI each file answers to: its own, its path under ``base_uri``, its ``--map-uri`` ones."""
        mapped: dict[str, list[str]] = {}
        rewritten: dict[str, Rewritten] = {}
        for relative in sorted(raw):
            uri, _, own = raw[relative]
            mapped[relative] = self._mapped(relative, uri_map)
            names[relative] = list(dict.fromkeys([uri, base_uri + relative, *mapped[relative]]))
            if own is not None:
                rewritten.update(dict.fromkeys(names[relative], own))
        rewritten.update({uri: own for uri, _, own in outside if own is not None})
        aim_across([*(raw[relative] for relative in sorted(raw)), *outside], rewritten)
        self.docs: dict[str, SchemaDoc] = {}
        resources: list[tuple[str, referencing.Resource[Any]]] = []
        aliases: dict[str, str] = {}
        for relative in sorted(raw):
            uri, document, _ = raw[relative]
            contents = absolutize(document, uri)
            self.docs[relative] = SchemaDoc(path=relative, uri=uri, contents=contents)
            resource = referencing.Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.extend((name, resource) for name in names[relative])
            aliases.update(dict.fromkeys(mapped[relative], relative))
        beside = [
            (
                uri,
                referencing.Resource.from_contents(
                    absolutize(document, uri), default_specification=DRAFT202012
                ),
            )
            for uri, document, _ in outside
        ]
        self._by_uri = {doc.uri: doc.path for doc in self.docs.values()} | aliases
        # Crawled in two rounds, so an $id written both in a side's own file and in a mapped file
        # (asyncapi's tree holds each version's bundle twice, with and without its $ids) names the
        # side's own subschema, whichever other files are read.
        self.registry: referencing.Registry[Any] = (
            referencing.Registry(retrieve=refuse_retrieval)  # type: ignore[call-arg]
            .with_resources([*metaschema_resources(), *beside])
            .crawl()
            .with_resources(resources)
            .crawl()
        )
        self.declarations = self._declarations()

    def _read(self, relative: str, path: Path, *, record: bool = True) -> tuple[Any, Rewritten | None] | None:
        """One file of a tree not in our layout, in the Draft 2020-12 form, and its rewrite (older dialects).

        None when the file is skipped.
        """
        if path.name in _CONFIG_FILES:
            return None
        document = load_json_file(path)
        if not isinstance(document, (dict, bool)):
            if record:
                self.skipped.append((relative, "not a schema (neither an object nor a boolean)"))
            return None
        if path.name in _TOOL_FILES and not (isinstance(document, dict) and "$schema" in document):
            if record:
                self.skipped.append((relative, f"a {path.name} without $schema"))
            return None
        source = self._source(relative)
        dialect = dialect_of(document, source, default=self.default_dialect)
        check_schema_document(document, source, dialect)
        if dialect == DIALECT_2020_12:
            return document, None
        rewritten = rewrite(document, dialect)
        return rewritten.document, rewritten

    def _uri(self, relative: str, document: Any) -> str:
        uri = self.base_uri + relative
        if isinstance(document, dict) and isinstance(document.get("$id"), str):
            uri = join_uri(uri, document["$id"]).split("#", 1)[0]
        return uri

    def _mapped(self, relative: str, uri_map: tuple[tuple[str, str], ...]) -> list[str]:
        """The URIs ``--map-uri`` gives a file of this side."""
        found: list[str] = []
        where = (self.root / relative).resolve()
        for prefix, folder in uri_map:
            base = (self.root / folder).resolve()
            if where.is_relative_to(base):
                found.append(prefix + where.relative_to(base).as_posix())
        return found

    def _outside(
        self, uri_map: tuple[tuple[str, str], ...], own: list[tuple[str, Any, Rewritten | None]]
    ) -> list[tuple[str, Any, Rewritten | None]]:
        """Files of a mapped folder outside this side's root (URI, contents, rewrite): never compared.

        Only the files the side's ``$ref``s reach (from its own files, then from those reached) are
        read and checked: a mapped folder may hold a whole package's schemas, and checking each
        against its metaschema cost more than the diff itself (asyncapi's tree: 29 files a side).
        A file is reached by its mapped URI or by an ``$id`` (``id``) written in it.
        """
        files = self._mapped_files(uri_map)
        names: dict[str, list[tuple[str, Path]]] = {}
        for uri, path, ids in files:
            for name in sorted({uri, *ids}):
                names.setdefault(name, []).append((uri, path))
        found: list[tuple[str, Any, Rewritten | None]] = []
        seen: set[str] = set()
        pending = list(own)
        while pending:
            uri, contents, _ = pending.pop()
            for _, absolute in _ref_sites(contents, uri):
                for target, path in names.get(absolute.partition("#")[0], ()):
                    if target in seen:
                        continue
                    seen.add(target)
                    try:
                        read = self._read(target, path, record=False)
                    except (DiffInputError, InputFileError):
                        continue  # never compared: a $ref to it then fails to resolve, naming it
                    if read is not None:
                        found.append((target, *read))
                        pending.append(found[-1])
        order = {uri: index for index, (uri, _, _) in enumerate(files)}
        return sorted(found, key=lambda item: order[item[0]])

    def _mapped_files(self, uri_map: tuple[tuple[str, str], ...]) -> list[tuple[str, Path, set[str]]]:
        """The files of mapped folders outside this side's root: URI, path, the ``$id``s written in it."""
        files: list[tuple[str, Path, set[str]]] = []
        root = self.root.resolve()
        for prefix, folder in uri_map:
            base = (self.root / folder).resolve()
            if base.is_relative_to(root):
                continue
            if not base.is_dir():
                raise DiffInputError(f"--map-uri {prefix}: {folder} is not a directory")
            for relative, path in _walk_files(base):
                uri = prefix + relative
                try:
                    ids = _declared_ids(load_json_file(path), uri)
                except InputFileError:
                    continue  # never compared: a $ref to it then fails to resolve, naming it
                files.append((uri, path, ids))
        return files

    def _source(self, relative: str) -> str:
        """A file of this side for messages: ``<label>/<relative path>``."""
        return relative if self.label == relative else f"{self.label}/{relative}"

    def _declarations(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for path in sorted(self.root.glob(f"*/{CONTRACT_FILE}")):
            try:
                found[path.parent.name] = load_json_file(path)
            except InputFileError as error:
                raise DiffInputError(str(error)) from error
        return found

    def file_of(self, uri: str) -> str:
        """The relative path of the document a URI (with or without fragment) points into."""
        document = uri.split("#", 1)[0]
        return self._by_uri.get(document, document)

    def lookup(self, uri: str) -> Any:
        """The subschema an absolute URI points to; unknown URIs raise."""
        try:
            return self.registry.resolver().lookup(uri).contents
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(uri, schema=self.label) from error

    def location(self, uri: str) -> str:
        """``<relative file>#<fragment>`` for display."""
        document, _, fragment = uri.partition("#")
        return f"{self._by_uri.get(document, document)}#{fragment}"

    def contracts(self) -> list[str]:
        """Contract folders that hold schemas or a declaration, sorted."""
        names = {doc.contract for doc in self.docs.values() if doc.contract} | set(self.declarations)
        return sorted(names)


def single_document_set(document: Any, *, name: str = "schema.json") -> SchemaSet:
    """A :class:`SchemaSet` over one in-memory document (for tests and the library API)."""
    import tempfile  # noqa: PLC0415 - only this helper writes a temporary tree

    with tempfile.TemporaryDirectory(prefix="saas-contracts-diff-") as tmp:
        import json  # noqa: PLC0415

        (Path(tmp) / name).write_text(json.dumps(document), encoding="utf-8")
        return SchemaSet(Path(tmp), label=name, base_uri="https://saas-contracts.dev/diff/")
