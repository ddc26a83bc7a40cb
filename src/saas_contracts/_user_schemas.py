"""Validate against a schema the user supplies, with the packaged schemas' semantics, offline.

:func:`load_user_schema` reads a schema file; :func:`user_schema` takes a schema
already in memory (the official test suite's cases, with its ``remotes/`` as
``resources``). Either returns a :class:`UserSchema`, which
:func:`saas_contracts.validate`, ``is_valid``, ``ensure_valid``,
``validator_for`` and ``validate_files`` accept in place of a packaged name.

Semantics are the packaged validator's: ECMA-262 ``pattern`` /
``patternProperties`` (``$`` is end of input) and the same format checker, for
every dialect. The dialect is chosen by ``$schema`` (draft 2020-12 when
absent; 2019-09, 07, 06 and 04 are known). Any other ``$schema`` must be a
custom metaschema found offline (``resources``, search folders, a ``file://``
URI) whose own ``$schema`` is a known dialect (or another such metaschema);
its ``$vocabulary`` decides which keywords apply (see :func:`_vocabulary_class`),
and a required vocabulary we do not implement is a :class:`SchemaDefinitionError`.

``$ref`` resolution, and nothing else, decides what is read:

* the schema's own base URI is its ``$id`` or, without one, its ``file://`` URI,
  so a relative ``$ref`` to a sibling file reads that file (any ``file://``
  target is read from disk, once, when the schema is loaded);
* every ``*.json`` below each ``search_paths`` folder is indexed by its
  ``file://`` URI and by its ``$id``;
* the packaged contract schemas (by ``$id``) and the standard metaschemas
  (jsonschema-specifications) resolve offline.

Nothing is ever fetched: any other target is an
:class:`UnresolvableReferenceError`, raised when the schema is loaded. Every
document reached is checked against its metaschema first; a failure is a
:class:`SchemaDefinitionError` naming the file and the JSON Pointer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import attrs
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema import (
    Draft4Validator,
    Draft6Validator,
    Draft7Validator,
    Draft201909Validator,
    Draft202012Validator,
    validators,
)
from jsonschema.exceptions import ValidationError, best_match
from jsonschema_specifications import REGISTRY as _METASCHEMAS

from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._jsonio import loads
from saas_contracts._mask import path as mask_path
from saas_contracts._registry import default_catalog
from saas_contracts._validation import ContractValidator, violations_from_errors
from saas_contracts.errors import (
    ContractViolationError,
    InputFileError,
    SchemaDefinitionError,
    UnknownSchemaError,
    UnresolvableReferenceError,
    Violation,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from jsonschema.protocols import Validator

__all__ = ["DIALECTS", "UserSchema", "load_user_schema", "resolve_schema", "user_schema"]

DIALECTS: Final[Mapping[str, type[Validator]]] = {
    str(cls.META_SCHEMA.get("$id", cls.META_SCHEMA.get("id"))).rstrip("#"): cls
    for cls in (
        Draft202012Validator,
        Draft201909Validator,
        Draft7Validator,
        Draft6Validator,
        Draft4Validator,
    )
}
"""The ``$schema`` values a user schema may declare (a trailing ``#`` is optional)."""
METASCHEMAS: Final[referencing.Registry[Any]] = _METASCHEMAS
"""The standard metaschemas and their vocabularies (jsonschema-specifications), crawled."""
_DEFAULT_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
_IN_MEMORY_URI: Final = "urn:saas-contracts:user-schema"


_BASE_OF: dict[type[Validator], type[Validator]] = {}
"""Each ECMA class built here, mapped to the stock jsonschema class it extends."""


def _evolve(self: Validator, **changes: Any) -> Validator:
    """The stock ``evolve``, except that a ``$schema`` met on the way keeps ECMA-262 semantics.

    The stock ``evolve`` switches to ``validator_for(subschema)`` whenever a
    subschema (say, a sibling file reached by ``$ref``) declares ``$schema``,
    which would be the stock class of that dialect with Python regexes.
    """
    schema = changes.setdefault("schema", self.schema)
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    stock = DIALECTS.get(declared.rstrip("#")) if isinstance(declared, str) else None
    # No $schema (or a custom one, resolved when the schema was loaded): the same vocabulary.
    cls = type(self) if stock is None else _ecma_class(stock)
    for attribute in attrs.fields(type(self)):  # type: ignore[arg-type]  # jsonschema's classes are attrs classes
        if attribute.init and attribute.alias not in changes:
            changes[attribute.alias] = getattr(self, attribute.name)
    return cls(**changes)


@functools.cache
def _ecma_class(base: type[Validator]) -> type[Validator]:
    """``base`` with the packaged validator's keyword overrides (ECMA-262 regexes, ...).

    Draft 2020-12 extends the packaged validator itself. An override replaces a
    draft 2020-12 keyword function; it is applied to another draft only where
    that draft uses the very same function, so a keyword whose meaning differs
    between drafts keeps the draft's own.
    """
    if base is Draft202012Validator:
        created = validators.extend(ContractValidator, validators={})  # type: ignore[no-untyped-call]
    else:
        stock = Draft202012Validator.VALIDATORS
        overrides = {
            keyword: function
            for keyword, function in ContractValidator.VALIDATORS.items()
            if stock.get(keyword) is not function and base.VALIDATORS.get(keyword) is stock.get(keyword)
        }
        created = validators.extend(base, validators=overrides)  # type: ignore[no-untyped-call]
    created.evolve = _evolve
    _BASE_OF[created] = base
    return created  # type: ignore[no-any-return]


_VOCABULARY_BASES: Final = (
    "https://json-schema.org/draft/2020-12/",
    "https://json-schema.org/draft/2019-09/",
)


def _vocabulary_keywords(vocabulary: str) -> frozenset[str] | None:
    """The keywords a standard vocabulary defines (its ``meta/`` schema's properties); None if unknown."""
    if not vocabulary.startswith(_VOCABULARY_BASES) or "/vocab/" not in vocabulary:
        return None
    try:
        meta = METASCHEMAS.contents(vocabulary.replace("/vocab/", "/meta/", 1))
    except referencing.exceptions.NoSuchResource:
        return None
    return frozenset(meta.get("properties", {}))


@functools.cache
def _vocabulary_class(stock: type[Validator], keywords: frozenset[str]) -> type[Validator]:
    """The ECMA class of ``stock`` applying only ``keywords`` (a custom metaschema's vocabularies)."""
    base = _ecma_class(stock)
    # Typed loosely: jsonschema's Validator protocol declares neither ID_OF nor an assignable evolve.
    created: Any = validators.create(
        meta_schema=base.META_SCHEMA,
        validators={k: f for k, f in base.VALIDATORS.items() if k in keywords},
        type_checker=base.TYPE_CHECKER,
        format_checker=base.FORMAT_CHECKER,
        id_of=base.ID_OF,  # type: ignore[attr-defined]  # every jsonschema class has it
        applicable_validators=base._APPLICABLE_VALIDATORS,  # type: ignore[attr-defined]  # noqa: SLF001 - what extend() copies too
    )
    created.evolve = _evolve
    _BASE_OF[created] = stock
    return created  # type: ignore[no-any-return]


@dataclass(frozen=True, kw_only=True)
class _Dialect:
    """How a document is read: its ``$schema``, the standard dialect beneath it, the validator class."""

    uri: str
    """The declared ``$schema`` (without a trailing ``#``)."""
    standard: str
    """The standard dialect its ``$id``/``$ref`` follow (the custom metaschema's own, transitively)."""
    cls: type[Validator]
    metaschema: Any = field(default=None, repr=False)
    """A custom metaschema's contents (documents are checked against it); None for a standard dialect."""
    meta_dialect: _Dialect | None = field(default=None, repr=False)
    """The dialect the custom metaschema itself is written in."""


def _declared_dialect(contents: object) -> str | None:
    declared = contents.get("$schema", _DEFAULT_DIALECT) if isinstance(contents, dict) else _DEFAULT_DIALECT
    return declared.rstrip("#") if isinstance(declared, str) else None


def _standard_dialect(key: str) -> _Dialect:
    return _Dialect(uri=key, standard=key, cls=_ecma_class(DIALECTS[key]))


def _custom_dialect(uri: str, metaschema: Any, meta: _Dialect, source: str) -> _Dialect:
    """The dialect a custom metaschema defines; its ``$vocabulary`` picks the keywords."""
    if not isinstance(metaschema, dict):
        raise SchemaDefinitionError(f"{mask_path(source)}: the $schema metaschema is not a JSON object")
    vocabulary = metaschema.get("$vocabulary")
    stock = _BASE_OF[meta.cls]
    if vocabulary is None or stock not in (Draft202012Validator, Draft201909Validator):
        cls = meta.cls  # no $vocabulary: the metaschema's own dialect, every keyword of it
    elif not isinstance(vocabulary, dict):
        raise SchemaDefinitionError(f"{mask_path(source)}: the metaschema's $vocabulary is not an object")
    else:
        core = meta.standard.removesuffix("schema") + "vocab/core"
        keywords: set[str] = set(_vocabulary_keywords(core) or ())
        for name, required in vocabulary.items():
            known = _vocabulary_keywords(name)
            if known is None and required is True:
                raise SchemaDefinitionError(
                    f"{mask_path(source)}: the metaschema requires the vocabulary {mask_path(name)}, "
                    "which this validator does not implement (only the standard vocabularies are)",
                )
            keywords |= known or set()
        cls = _vocabulary_class(stock, frozenset(keywords))
    return _Dialect(uri=uri, standard=meta.standard, cls=cls, metaschema=metaschema, meta_dialect=meta)


def _unsupported(source: str, reason: str) -> SchemaDefinitionError:
    known = ", ".join(DIALECTS)
    return SchemaDefinitionError(
        f"{mask_path(source)}: unsupported $schema ({reason}; a JSON Schema dialect is one of: {known}, "
        "or a custom metaschema found offline: a resource, a search-folder file or a file:// URI)",
    )


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _path_of(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


def _read(path: Path, source: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(source, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(source, getattr(error, "strerror", None) or type(error).__name__) from None
    try:
        return loads(text)
    except ValueError as error:
        raise InputFileError(source, str(error)) from None


@dataclass(frozen=True, kw_only=True)
class _Document:
    uri: str
    """Where the document lives: its ``$id`` (resolved) or its ``file://`` URI."""
    source: str
    """A file path (as given or as found) or a resource URI, for messages."""
    contents: Any = field(repr=False)


def _legacy_id(contents: object) -> str | None:
    """A draft-04 ``id`` of a document that declares no ``$schema`` (so it can be indexed by it)."""
    if isinstance(contents, dict) and "$schema" not in contents and isinstance(contents.get("id"), str):
        return str(contents["id"])
    return None


def _refs(resource: referencing.Resource[Any], base: str) -> Iterator[tuple[str, str]]:
    """Every ``$ref`` in a document, with the base URI it resolves against (nested ``$id`` honoured)."""
    pending = [(resource, base)]
    while pending:
        current, current_base = pending.pop()
        declared = current.id()
        if declared:
            current_base = urljoin(current_base, declared)
        contents = current.contents
        if isinstance(contents, dict) and isinstance(contents.get("$ref"), str):
            yield current_base, contents["$ref"]
        pending.extend((child, current_base) for child in current.subresources())


def _metaschema_error(document: _Document, error: ValidationError) -> SchemaDefinitionError:
    violation = violations_from_errors([error], rule=document.source)[0]
    return SchemaDefinitionError(
        f"{mask_path(document.source)}: not a valid schema: at {violation.pointer or '/'}: "
        f"{violation.message} [{violation.keyword}]",
    )


def _raw_id(contents: object) -> str | None:
    """A document's ``$id`` (or draft-04 ``id``) as written, before its dialect is known."""
    if not isinstance(contents, dict):
        return None
    declared = contents.get("$id", contents.get("id"))
    return declared if isinstance(declared, str) else None


class _Loader:
    """Collects the documents a user schema reaches and builds the offline registry over them."""

    def __init__(self, search_paths: Iterable[str | Path], resources: Mapping[str, Any]) -> None:
        self.packaged = default_catalog().registry
        self.documents: dict[str, _Document] = {}
        # Documents offered (resources, search folders) in a dialect we do not read: an error only
        # if a $ref reaches them, so one foreign file in a folder does not break every schema.
        self.unusable: dict[str, SchemaDefinitionError] = {}
        self.dialects: dict[str, _Dialect] = {}
        self._resolving: set[str] = set()
        offered = [_Document(uri=uri, source=uri, contents=contents) for uri, contents in resources.items()]
        for folder in search_paths:
            offered.extend(self._read_folder(Path(folder), str(folder)))
        # Every offered document by its URI and its $id as written: where a custom $schema is found.
        self.offered: dict[str, _Document] = {}
        for document in offered:
            self.offered.setdefault(document.uri, document)
            if (declared := _raw_id(document.contents)) is not None:
                self.offered.setdefault(urldefrag(urljoin(document.uri, declared)).url, document)
        for document in offered:
            self._offer(document)

    def dialect(self, contents: object, source: str) -> _Dialect:
        """The dialect ``contents`` declares: a standard one, or a custom metaschema found offline."""
        key = _declared_dialect(contents)
        if key is None:
            raise _unsupported(source, "$schema is not a string")
        if key in DIALECTS:
            return _standard_dialect(key)
        found = self.dialects.get(key)
        if found is not None:
            return found
        if key in self._resolving:
            raise _unsupported(source, "its metaschemas declare each other as $schema")
        metaschema = self._metaschema(key)
        if metaschema is None:
            raise _unsupported(source, "neither a standard dialect nor a metaschema found offline")
        if _declared_dialect(metaschema.contents) == key:
            raise _unsupported(source, "a standard dialect this validator does not read")
        self._resolving.add(key)
        try:
            meta = self.dialect(metaschema.contents, metaschema.source)
        finally:
            self._resolving.discard(key)
        found = _custom_dialect(key, metaschema.contents, meta, source)
        self.dialects[key] = found
        if metaschema.uri not in self.documents and metaschema.uri not in METASCHEMAS:
            self.add(metaschema)  # so the registry resolves it (and its relative $refs)
        return found

    def _metaschema(self, uri: str) -> _Document | None:
        uri = urldefrag(uri).url
        found = self.documents.get(uri) or self.offered.get(uri)
        if found is None and uri in METASCHEMAS:
            found = _Document(uri=uri, source=uri, contents=METASCHEMAS.contents(uri))
        if found is None and urlsplit(uri).scheme == "file" and _path_of(uri).is_file():
            path = _path_of(uri)
            found = _Document(uri=uri, source=str(path), contents=_read(path, str(path)))
        return found

    def resource(self, document: _Document) -> referencing.Resource[Any]:
        """The document as a ``referencing`` resource, read by its (standard) dialect's rules."""
        dialect = self.dialect(document.contents, document.source)
        specification = referencing.jsonschema.specification_with(dialect.standard)
        return specification.create_resource(document.contents)

    def _offer(self, document: _Document) -> None:
        if isinstance(document.contents, dict):
            try:
                self.dialect(document.contents, document.source)
            except SchemaDefinitionError as error:
                self.unusable[document.uri] = error
                return
        self.add(document)

    def add(self, document: _Document) -> None:
        """Index a document by its URI and its ``$id``; refuse a clash."""
        if not isinstance(document.contents, (dict, bool)):
            return  # not a schema: a data file in a search folder
        uris = {document.uri}
        declared = self.resource(document).id() or _legacy_id(document.contents)
        if declared:
            uris.add(urldefrag(urljoin(document.uri, declared)).url)
        for uri in uris:
            known = self.documents.get(uri)
            if uri in self.packaged or uri in METASCHEMAS:
                if (self.packaged.get(uri) or METASCHEMAS[uri]).contents != document.contents:
                    raise SchemaDefinitionError(
                        f"{mask_path(document.source)}: $id is a packaged or standard schema's $id "
                        "with other contents",
                    )
            elif known is not None and known.contents != document.contents:
                raise SchemaDefinitionError(
                    f"{mask_path(document.source)}: declares the same $id as {mask_path(known.source)}",
                )
            else:
                self.documents[uri] = _Document(uri=uri, source=document.source, contents=document.contents)

    @staticmethod
    def _read_folder(folder: Path, shown: str) -> list[_Document]:
        if not folder.is_dir():
            raise InputFileError(shown, "schema search path is not a directory")
        return [
            _Document(uri=_file_uri(path), source=str(path), contents=_read(path, str(path)))
            for path in sorted(folder.rglob("*.json"))
            if path.is_file()
        ]

    def _reach(self, uri: str, referrer: str, ref: str) -> _Document | None:
        """The user document at ``uri``, reading a ``file://`` target on first use; None if not ours."""
        if uri in self.unusable:
            raise self.unusable[uri]
        found = self.documents.get(uri)
        if found is None and urlsplit(uri).scheme == "file" and uri not in self.packaged:
            path = _path_of(uri)
            if not path.is_file():
                raise UnresolvableReferenceError(ref, schema=referrer)
            self.add(_Document(uri=uri, source=str(path), contents=_read(path, str(path))))
            found = self.documents.get(uri)
        return found

    def _check_standard(self, document: _Document, dialect: _Dialect) -> None:
        stock = _BASE_OF[dialect.cls]
        meta = _ecma_class(stock)(stock.META_SCHEMA, format_checker=FORMAT_CHECKER)
        error = best_match(meta.iter_errors(document.contents))
        if error is not None:
            raise _metaschema_error(document, error)

    def _check_custom(
        self, document: _Document, dialect: _Dialect, registry: referencing.Registry[Any]
    ) -> None:
        assert dialect.meta_dialect is not None  # noqa: S101 - a custom dialect always has one
        meta = dialect.meta_dialect.cls(
            {"$ref": urldefrag(dialect.uri).url}, registry=registry, format_checker=FORMAT_CHECKER
        )
        error = best_match(meta.iter_errors(document.contents))
        if error is not None:
            raise _metaschema_error(document, error)

    def load(self, root: _Document) -> referencing.Registry[Any]:
        """Check every reachable document and every ``$ref``; return the registry that resolves them."""
        self.add(root)
        vocabulary = self.dialect(root.contents, root.source)
        seen: set[str] = set()
        refs: list[tuple[str, str, str]] = []
        custom: list[tuple[_Document, _Dialect]] = []
        pending = [root]
        while pending:
            document = pending.pop()
            if document.uri in seen:
                continue
            seen.add(document.uri)
            dialect = self.dialect(document.contents, document.source)
            if dialect.metaschema is None:
                self._check_standard(document, dialect)
            else:
                if dialect.uri != vocabulary.uri:
                    raise SchemaDefinitionError(
                        f"{mask_path(document.source)}: a $ref reaches a document whose custom $schema "
                        "differs from the root schema's; one custom vocabulary per schema is supported",
                    )
                custom.append((document, dialect))
                pending.append(self._metaschema(dialect.uri) or document)
            for base, ref in _refs(self.resource(document), document.uri):
                refs.append((base, ref, document.source))
                target = urldefrag(urljoin(base, ref)).url
                reached = self._reach(target, document.source, ref)
                if reached is not None:
                    pending.append(reached)
        registry: referencing.Registry[Any] = (
            self.packaged.combine(METASCHEMAS)
            .with_resources((uri, self.resource(document)) for uri, document in self.documents.items())
            .crawl()
        )
        for document, dialect in custom:
            self._check_custom(document, dialect, registry)
        for base, ref, source in refs:
            try:
                registry.resolver(base_uri=base).lookup(ref)
            except referencing.exceptions.Unresolvable as error:
                raise UnresolvableReferenceError(ref, schema=mask_path(source)) from error
        return registry


@dataclass(frozen=True, kw_only=True)
class UserSchema:
    """A user's schema, loaded and checked; validate with it like with a packaged schema name.

    Build one with :func:`load_user_schema` or :func:`user_schema`.
    """

    name: str
    """The file name as given (flagged segments masked) plus any ``#fragment``: the violations' rule."""
    uri: str
    """The base URI its relative ``$ref`` values resolve against (its ``$id`` or ``file://`` URI)."""
    contents: Any = field(repr=False, compare=False)
    """The whole schema document (the fragment, if any, selects inside it)."""
    validator: Validator = field(repr=False, compare=False)
    """The compiled validator (ECMA-262 regexes, format assertions) bound to the offline registry."""

    def validate(self, instance: Any) -> tuple[Violation, ...]:
        """All violations of ``instance``, sorted; empty when valid."""
        try:
            return violations_from_errors(self.validator.iter_errors(instance), self.name)
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(str(getattr(error, "ref", error)), schema=self.name) from error

    def is_valid(self, instance: Any) -> bool:
        """Fast yes/no; stops at the first error."""
        try:
            return bool(self.validator.is_valid(instance))
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(str(getattr(error, "ref", error)), schema=self.name) from error

    def ensure_valid(self, instance: object) -> None:
        """Raise :class:`ContractViolationError` (with every violation) unless valid."""
        violations = self.validate(instance)
        if violations:
            raise ContractViolationError(self.name, violations)


def _build(root: _Document, *, name: str, fragment: str, loader: _Loader) -> UserSchema:
    registry = loader.load(root)
    dialect = loader.dialect(root.contents, root.source)
    target = f"{root.uri}#{fragment}" if fragment else root.uri
    if fragment:
        try:
            registry.resolver(base_uri=root.uri).lookup(target)
        except referencing.exceptions.Unresolvable as error:
            raise UnresolvableReferenceError(f"#{fragment}", schema=name) from error
    # A custom dialect is the class itself: the wrapper declares no $schema, which would switch it.
    wrapper = {"$ref": target} if dialect.metaschema is not None else {"$schema": dialect.uri, "$ref": target}
    validator = dialect.cls(wrapper, registry=registry, format_checker=FORMAT_CHECKER)
    return UserSchema(name=name, uri=root.uri, contents=root.contents, validator=validator)


def load_user_schema(
    path: str | Path,
    *,
    search_paths: Iterable[str | Path] = (),
    fragment: str = "",
) -> UserSchema:
    """Read the schema file at ``path`` and everything its ``$ref`` values reach; nothing is fetched.

    ``search_paths`` are folders whose ``*.json`` files (at any depth) resolve
    by ``$id`` or file URI; ``fragment`` (a JSON Pointer such as
    ``/$defs/item``, or an anchor) selects a subschema. Raises
    :class:`InputFileError` (missing or unreadable file, invalid JSON with line
    and column), :class:`SchemaDefinitionError` (fails its metaschema, unknown
    ``$schema``) and :class:`UnresolvableReferenceError`.
    """
    source = str(path)
    file = Path(path)
    contents = _read(file, source)
    loader = _Loader(search_paths, {})
    base = _file_uri(file)
    root = _Document(uri=base, source=source, contents=contents)
    declared = loader.resource(root).id() if isinstance(contents, (dict, bool)) else None
    if declared:
        root = _Document(uri=urldefrag(urljoin(base, declared)).url, source=source, contents=contents)
        loader.add(_Document(uri=base, source=source, contents=contents))
    name = mask_path(source) + (f"#{fragment}" if fragment else "")
    return _build(root, name=name, fragment=fragment, loader=loader)


def user_schema(
    contents: Mapping[str, Any] | bool,  # noqa: FBT001 - a boolean schema is a schema, not a flag
    *,
    base_uri: str = "",
    resources: Mapping[str, Any] | None = None,
    search_paths: Iterable[str | Path] = (),
    name: str = "schema",
) -> UserSchema:
    """A schema already in memory, with the semantics of :func:`load_user_schema`.

    ``base_uri`` is where its relative ``$ref`` values resolve (its ``$id`` wins
    when absolute); ``resources`` maps more URIs to schema documents (say, the
    official test suite's ``remotes/`` under ``http://localhost:1234/``), which
    resolve without any fetch. ``name`` is the violations' rule.
    """
    uri = base_uri or _IN_MEMORY_URI
    root = _Document(uri=uri, source=name, contents=contents)
    loader = _Loader(search_paths, resources or {})
    declared = loader.resource(root).id()
    if declared:
        root = _Document(uri=urldefrag(urljoin(uri, declared)).url, source=name, contents=contents)
    return _build(root, name=name, fragment="", loader=loader)


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the system, a NUL byte: no file of that name
        return False


def resolve_schema(ref: str, *, search_paths: Iterable[str | Path] = ()) -> str | UserSchema:
    """What a ``--schema`` value means: a packaged schema's name (kept as is) or a schema file, loaded.

    A file that exists is a file; so is a ``.json`` path that is no packaged
    schema's name or ``$id`` (it then fails as a missing file). A
    ``#fragment`` after a file name selects a subschema.
    """
    if _is_file(ref):
        return load_user_schema(ref, search_paths=search_paths)
    file, _, fragment = ref.partition("#")
    if _is_file(file):
        return load_user_schema(file, search_paths=search_paths, fragment=fragment)
    try:
        default_catalog().get(ref)
    except UnknownSchemaError:
        if file.endswith(".json"):
            return load_user_schema(file, search_paths=search_paths, fragment=fragment)
        raise
    return ref
