"""Read every JSON Schema dialect: an older-draft document rewritten into the Draft 2020-12 form.

The differ reasons in Draft 2020-12 only. A document declaring draft-04, -06,
-07 or 2019-09 (``$schema``; :data:`DEFAULT_DIALECT` when absent, or the
``--default-dialect`` the caller passes) is first checked against its own
dialect's metaschema, then rewritten by :func:`to_2020_12` into a document
with the same instances under Draft 2020-12:

* array-form ``items`` -> ``prefixItems``, and ``additionalItems`` -> ``items``
  (``additionalItems`` beside a schema-form ``items`` is ignored by every draft,
  so it is dropped);
* ``dependencies`` -> ``dependentRequired`` (array values) / ``dependentSchemas``;
* ``definitions`` -> ``$defs``; every same-resource ``$ref`` pointer is re-aimed at
  where its target now is, and a target that is no subschema of the walk (a
  member of an unknown keyword, a keyword dropped here) is rewritten as a schema
  and placed in its resource's ``$defs`` (see :class:`_Rewriter`); a pointer from
  another file (of any dialect) into this one is re-aimed the same way by the
  side's loader, through this file's :class:`Rewritten` (only a pointer into a
  document no side holds is guessed, ``definitions`` read as ``$defs``);
* draft-04 boolean ``exclusiveMinimum``/``exclusiveMaximum`` -> the numeric form;
* draft-04 ``id`` -> ``$id``; a plain-name fragment ``$id`` (``"#foo"``) -> ``$anchor``;
* before 2019-09 the siblings of ``$ref`` are ignored: they are dropped (the
  definitions and annotations beside it are kept, since they assert nothing);
* 2019-09 ``$recursiveAnchor: true`` -> ``$dynamicAnchor``, ``$recursiveRef: "#"`` ->
  ``$dynamicRef`` to it when the enclosing resource has the anchor (the 2019-09
  rule), else a plain ``$ref``;
* keywords a draft does not know but Draft 2020-12 would enforce
  (``const`` or ``contains`` in a draft-04 file, ``if`` before draft-07,
  ``dependentRequired`` before 2019-09) are annotations there, so they are dropped.

Draft-04's ``integer`` (``1.0`` is not one there, it is from draft-06 on) is read
with the later meaning: the only difference left, named in the README.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from jsonschema import Draft4Validator, Draft6Validator, Draft7Validator, Draft201909Validator

from saas_contracts._ecma import compile_ecma
from saas_contracts._formats import FORMAT_CHECKER
from saas_contracts._mask import path as mask_path
from saas_contracts._pointer import format_pointer, parse_pointer, resolve_pointer
from saas_contracts._validation import ContractValidator, violations_from_errors
from saas_contracts.errors import DiffInputError, SchemaDefinitionError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ASSERTING",
    "DEFAULT_DIALECT",
    "DIALECT_NAMES",
    "SUBSCHEMAS",
    "Rewritten",
    "check_document",
    "dialect_of",
    "dialect_uri",
    "guess_pointer",
    "rewrite",
    "subschema_keywords",
    "to_2020_12",
]

DRAFT4: Final = "http://json-schema.org/draft-04/schema"
DRAFT6: Final = "http://json-schema.org/draft-06/schema"
DRAFT7: Final = "http://json-schema.org/draft-07/schema"
DRAFT201909: Final = "https://json-schema.org/draft/2019-09/schema"
DRAFT202012: Final = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIALECT: Final = DRAFT202012
"""The dialect of a document without ``$schema`` unless the caller chooses another."""
DIALECT_NAMES: Final[Mapping[str, str]] = {
    "draft-04": DRAFT4,
    "draft-06": DRAFT6,
    "draft-07": DRAFT7,
    "2019-09": DRAFT201909,
    "2020-12": DRAFT202012,
}
"""Short names (for ``--default-dialect``) of the dialects read."""
_ORDER: Final = (DRAFT4, DRAFT6, DRAFT7, DRAFT201909, DRAFT202012)
_STOCK: Final = {
    DRAFT4: Draft4Validator,
    DRAFT6: Draft6Validator,
    DRAFT7: Draft7Validator,
    DRAFT201909: Draft201909Validator,
}

_CORE_04: Final = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "items",
        "additionalItems",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "properties",
        "patternProperties",
        "additionalProperties",
        "dependencies",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "format",
    }
)
_ADDED: Final[Mapping[str, frozenset[str]]] = {
    DRAFT4: frozenset(),
    DRAFT6: frozenset({"const", "contains", "propertyNames"}),
    DRAFT7: frozenset({"if", "then", "else"}),
    DRAFT201909: frozenset(
        {
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedItems",
            "unevaluatedProperties",
            "minContains",
            "maxContains",
            "$recursiveRef",
        }
    ),
    DRAFT202012: frozenset({"prefixItems", "$dynamicRef"}),
}
_REMOVED: Final[Mapping[str, frozenset[str]]] = {
    DRAFT201909: frozenset({"dependencies"}),
    DRAFT202012: frozenset({"additionalItems", "$recursiveRef"}),
}


def _assertions(dialect: str) -> frozenset[str]:
    known = set(_CORE_04)
    for each in _ORDER[: _ORDER.index(dialect) + 1]:
        known |= _ADDED.get(each, frozenset())
        known -= _REMOVED.get(each, frozenset())
    return frozenset(known)


ASSERTING: Final[Mapping[str, frozenset[str]]] = {dialect: _assertions(dialect) for dialect in _ORDER}
"""Per dialect, the keywords that can change which instances are valid (every other keyword is an
annotation or unknown, so it never does)."""
_LATER: Final = frozenset().union(*ASSERTING.values())

SUBSCHEMAS: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        (
            "items",
            "additionalItems",
            "additionalProperties",
            "unevaluatedItems",
            "unevaluatedProperties",
            "contains",
            "propertyNames",
            "not",
            "if",
            "then",
            "else",
            "contentSchema",
        ),
        "one",
    ),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), "list"),
    **dict.fromkeys(("properties", "patternProperties", "dependentSchemas", "$defs", "definitions"), "map"),
}
"""Every keyword of the dialects read whose value holds subschemas, by shape: ``one`` subschema, a
``list`` of them, or a ``map`` from names to them (the one keyword table of the differ)."""
_BEFORE_2020_12: Final = frozenset({"additionalItems", "definitions"})
"""Subschema keywords of older drafts only (Draft 2020-12 reads them as unknown keywords)."""


def subschema_keywords(shape: str, *, draft_2020_12: bool = False) -> frozenset[str]:
    """The keywords of :data:`SUBSCHEMAS` of one shape (only Draft 2020-12's with ``draft_2020_12``)."""
    return frozenset(
        key
        for key, each in SUBSCHEMAS.items()
        if each == shape and not (draft_2020_12 and key in _BEFORE_2020_12)
    )


_SCHEMA_VALUED: Final = subschema_keywords("one")
_SCHEMA_LISTS: Final = subschema_keywords("list")
_SCHEMA_MAPS: Final = subschema_keywords("map")
_KEPT_BESIDE_REF: Final = frozenset(
    {"$ref", "$defs", "definitions", "title", "description", "$comment", "examples", "default"}
)
_PLAIN_NAME: Final = re.compile(r"#[A-Za-z][-A-Za-z0-9._:]*\Z")
_RECURSIVE_ANCHOR: Final = "recursiveAnchor"
_NAME_SEGMENTS: Final = _SCHEMA_MAPS
"""Pointer segments followed by a name (a ``definitions`` after one is a property's name)."""


def dialect_uri(name_or_uri: str) -> str:
    """The dialect a short name (``draft-07``) or ``$schema`` value stands for; unknown ones raise."""
    found = DIALECT_NAMES.get(name_or_uri) or _known(name_or_uri)
    if found is None:
        known = ", ".join(DIALECT_NAMES)
        message = f"unknown JSON Schema dialect (one of: {known}, or their $schema URIs)"
        raise DiffInputError(message)
    return found


def _known(uri: str) -> str | None:
    """``$schema`` as written: ``http``/``https`` and a trailing ``#`` or not, all name the same dialect."""
    bare = uri.rstrip("#")
    for dialect in _ORDER:
        if bare in {dialect, dialect.replace("http://", "https://"), dialect.replace("https://", "http://")}:
            return dialect
    return None


def dialect_of(document: Any, source: str, *, default: str = DEFAULT_DIALECT) -> str:
    """The dialect ``document`` declares with ``$schema`` (``default`` without one)."""
    declared = document.get("$schema") if isinstance(document, dict) else None
    if declared is None:
        return default
    found = _known(declared) if isinstance(declared, str) else None
    if found is None:
        known = ", ".join(DIALECT_NAMES)
        message = f"{mask_path(source)}: unsupported $schema (the differ reads the standard dialects {known})"
        raise DiffInputError(message)
    return found


def check_document(document: Any, dialect: str, source: str) -> None:
    """Raise :class:`DiffInputError` unless ``document`` is valid against its dialect's metaschema."""
    validator: Any
    if dialect == DRAFT202012:
        validator = ContractValidator(ContractValidator.META_SCHEMA, format_checker=FORMAT_CHECKER)
    else:
        stock = _STOCK[dialect]
        validator = stock(stock.META_SCHEMA, format_checker=FORMAT_CHECKER)
    try:
        violations = violations_from_errors(validator.iter_errors(document), dialect)
    except RecursionError:  # only when the caller's own stack is already deep
        raise DiffInputError(f"{source}: schema nested too deeply to check against its metaschema") from None
    if violations:
        first = violations[0]
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        name = next(short for short, uri in DIALECT_NAMES.items() if uri == dialect)
        label = "Draft 2020-12" if dialect == DRAFT202012 else name
        reason = _regex_reason(document, first.pointer) if first.message == _NOT_A_REGEX else ""
        where = f"{first.pointer or '/'}: {first.message}{reason}{more}"
        raise DiffInputError(f"{source}: not a valid JSON Schema ({label}): {where}")


_NOT_A_REGEX: Final = "must be a valid regex"


def _regex_reason(document: Any, pointer: str) -> str:
    """Why the pattern at ``pointer`` is no ECMA-262 regex (read with the ``u`` flag, as Ajv does)."""
    try:
        compile_ecma(resolve_pointer(document, pointer))
    except SchemaDefinitionError as error:
        return f" (ECMA-262 with the u flag: {str(error).rpartition('(ECMA-262): ')[2]})"
    except (LookupError, ValueError, TypeError):
        pass  # a masked pointer segment: the message without the reason
    return ""


def to_2020_12(document: Any, dialect: str) -> Any:
    """``document`` (of ``dialect``) in the Draft 2020-12 form; a 2020-12 document is returned as is.

    A ``$ref`` into another document is re-aimed by guessing (``definitions`` read as ``$defs``,
    array ``items`` as ``prefixItems``); :func:`rewrite` leaves it to the caller, who knows how the
    other document was rewritten.
    """
    if dialect == DRAFT202012:
        return document
    rewritten = rewrite(document, dialect)
    for node, ref in rewritten.external:
        node["$ref"] = guess_pointer(ref)
    return rewritten.document


class Rewritten:
    """An older-dialect document in the Draft 2020-12 form, and where each of its subschemas went.

    A ``$ref`` from another document into this one names an input pointer
    (``legacy.json#/definitions/pair/items/1``): :meth:`aim` gives the output
    pointer it must name instead (``#/$defs/pair/prefixItems/1``), placing the
    target in the ``$defs`` of :attr:`document` when it is no subschema of the
    walk (a keyword dropped beside ``$ref``, a member of an unknown keyword).
    """

    def __init__(self, rewriter: _Rewriter, document: Any) -> None:
        """Wrap a finished rewrite (use :func:`rewrite`)."""
        self._rewriter = rewriter
        self.document = document
        """The rewritten document (hoisted targets are added to it in place)."""

    @property
    def external(self) -> list[tuple[dict[str, Any], str]]:
        """Each ``$ref`` into another document: the rewritten node holding it and the ``$ref`` as written."""
        return self._rewriter.external

    def is_linked(self, node: dict[str, Any]) -> bool:
        """True for a node whose ``$ref`` the rewrite already re-aimed (a same-resource pointer)."""
        return id(node) in self._rewriter.linked

    @property
    def size(self) -> int:
        """How many input pointers have an output pointer (grows when :meth:`aim` places a target)."""
        return len(self._rewriter.placed)

    def aim(self, fragment: str) -> str | None:
        """The ``#``-fragment to use for the (percent-encoded) ``fragment`` a ``$ref`` into this document has.

        A plain-name fragment (an anchor) and the empty one are returned as they are; None for a
        pointer to nothing (left for the registry to report, as the file spells it).
        """
        pointer = _local_pointer("#" + fragment)
        if pointer is None or not pointer:
            return "#" + fragment
        rewriter = self._rewriter
        out = rewriter.placed.get((0, pointer))
        if out is None:
            out = rewriter.hoist(0, pointer)
            rewriter.link()
        return None if out is None else "#" + urllib.parse.quote(out, safe=_FRAGMENT_SAFE)


def rewrite(document: Any, dialect: str) -> Rewritten:
    """``document`` (of an older ``dialect``) rewritten; ``$ref``s into other documents stay as written."""
    rewriter = _Rewriter(dialect)
    rewritten = rewriter.schema(document, resource_recursive=_recursive_root(document), at=_ROOT)
    rewriter.link()
    return Rewritten(rewriter, rewritten)


def _recursive_root(node: Any) -> bool:
    return isinstance(node, dict) and node.get("$recursiveAnchor") is True


def guess_pointer(ref: str) -> str:
    """``…#/definitions/a`` -> ``…#/$defs/a`` (a property *named* ``definitions`` is left alone).

    A guess, for a ``$ref`` into a document whose rewrite is not known (see :class:`Rewritten`).
    """
    head, hash_sign, fragment = ref.partition("#")
    if not hash_sign or not fragment.startswith("/"):
        return ref
    segments = fragment.split("/")
    for index in range(1, len(segments)):
        if segments[index] == "definitions" and segments[index - 1] not in _NAME_SEGMENTS:
            segments[index] = "$defs"
        elif segments[index] == "items" and index + 1 < len(segments) and segments[index + 1].isdigit():
            segments[index] = "prefixItems"
        elif segments[index] == "additionalItems":
            segments[index] = "items"
    return head + "#" + "/".join(segments)


@dataclass(frozen=True)
class _Place:
    """Where a subschema sits: its resource (index), its pointer there in the input and in the output.

    ``outer`` holds the same for each enclosing resource, since a pointer may cross into an embedded one.
    """

    resource: int
    raw: str
    out: str
    outer: tuple[tuple[int, str, str], ...] = ()

    def child(self, raw: tuple[str, ...], out: tuple[str, ...]) -> _Place:
        down_raw, down_out = format_pointer(raw), format_pointer(out)
        outer = tuple((each, above + down_raw, below + down_out) for each, above, below in self.outer)
        return _Place(self.resource, self.raw + down_raw, self.out + down_out, outer)

    def embedded(self, resource: int) -> _Place:
        """The same node as the root of a new resource (a subschema with its own ``$id``)."""
        return _Place(resource, "", "", ((self.resource, self.raw, self.out), *self.outer))

    def every(self) -> tuple[tuple[int, str, str], ...]:
        return ((self.resource, self.raw, self.out), *self.outer)


_ROOT: Final = _Place(0, "", "")
_FRAGMENT_SAFE: Final = "/~!$&'()*+,;=:@-._"
"""Characters a rewritten ``$ref`` fragment keeps as they are (the rest is percent-encoded)."""
_HOISTED: Final = "saas-contracts:ref:"
"""Prefix of the ``$defs`` names under which a ``$ref`` target outside every subschema is placed."""


@dataclass
class _Resource:
    """A schema resource of the input (the document, or a subschema with its own ``$id``)."""

    raw: Any
    out: dict[str, Any]
    recursive: bool


class _Rewriter:
    """One older-dialect document walked subschema by subschema.

    Every subschema's input pointer is recorded with its output pointer, and every
    same-resource ``$ref`` pointer is re-aimed at its target's output pointer by
    :meth:`link` once the walk is done. A target that is not a subschema of the
    walk (``#/definitions/group/member`` where ``group`` only holds named schemas
    under unknown keywords, a member of an unknown keyword such as
    ``#/components/schemas/x``, or a keyword dropped beside ``$ref`` or as an
    annotation) is rewritten as a schema of its own and placed in its resource's
    ``$defs``.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.asserting = ASSERTING[dialect]
        self.before_2019 = _ORDER.index(dialect) < _ORDER.index(DRAFT201909)
        self.resources: list[_Resource] = []
        self.placed: dict[tuple[int, str], str] = {}
        self.refs: list[tuple[dict[str, Any], str, int]] = []
        self.done = 0
        """How many of :attr:`refs` :meth:`link` has re-aimed."""
        self.linked: set[int] = set()
        """``id()`` of each node holding a same-resource ``$ref`` (re-aimed by :meth:`link`)."""
        self.external: list[tuple[dict[str, Any], str]] = []
        """Each node holding a ``$ref`` into another document, with the ``$ref`` as written."""

    def schema(self, node: Any, *, resource_recursive: bool, at: _Place) -> Any:
        if not isinstance(node, dict):
            self._record(at)
            return node
        raw = node
        if self.dialect == DRAFT4 and "id" in node and "$id" not in node:
            node = {("$id" if key == "id" else key): value for key, value in node.items()}
        if "$id" in node and isinstance(node["$id"], str):
            resource_recursive = _recursive_root(node)
        if self.before_2019 and "$ref" in node:
            node = {key: value for key, value in node.items() if key in _KEPT_BESIDE_REF}
        result: dict[str, Any] = {}
        if not self.resources:  # the document: a Draft 2020-12 one now (embedded resources keep theirs)
            result["$schema"] = DRAFT202012
            node = {key: value for key, value in node.items() if key != "$schema"}
        if not self.resources or _starts_resource(node):
            if self.resources:
                at = at.embedded(len(self.resources))
            self.resources.append(_Resource(raw, result, resource_recursive))
        self._record(at)
        for key, value in node.items():
            self._keyword(result, key, value, resource_recursive=resource_recursive, at=at)
        self._bounds(node, result, resource_recursive=resource_recursive, at=at)
        return result

    def _record(self, at: _Place) -> None:
        for resource, raw, out in at.every():
            self.placed.setdefault((resource, raw), out)

    def link(self) -> None:
        """Re-aim each same-resource ``$ref`` pointer at where its target now is (see the class docstring)."""
        while self.done < len(self.refs):
            result, ref, resource = self.refs[self.done]
            self.done += 1
            pointer = _local_pointer(ref)
            if pointer is None:
                continue
            out = self.placed.get((resource, pointer))
            if out is None:
                out = self.hoist(resource, pointer)
            # a dangling pointer keeps the file's own spelling, so the refusal names what the file says
            result["$ref"] = ref if out is None else "#" + urllib.parse.quote(out, safe=_FRAGMENT_SAFE)

    def hoist(self, resource: int, pointer: str) -> str | None:
        """Place the input value at ``pointer`` in its resource's ``$defs``; None when there is none."""
        owner = self.resources[resource]
        try:
            target = resolve_pointer(owner.raw, pointer)
        except (LookupError, ValueError):
            return None  # a dangling pointer: left for the registry to report
        name = _HOISTED + pointer
        at = _Place(resource, pointer, format_pointer(("$defs", name)))
        self.placed[(resource, pointer)] = at.out
        owner.out.setdefault("$defs", {})[name] = self.schema(
            target, resource_recursive=owner.recursive, at=at
        )
        return at.out

    def _keyword(  # noqa: C901, PLR0912 - one branch per rewritten keyword
        self, result: dict[str, Any], key: str, value: Any, *, resource_recursive: bool, at: _Place
    ) -> None:
        def sub(each: Any, raw: tuple[str, ...], out: tuple[str, ...] | None = None) -> Any:
            place = at.child(raw, raw if out is None else out)
            return self.schema(each, resource_recursive=resource_recursive, at=place)

        if key in _LATER and key not in self.asserting:
            return  # an annotation in this dialect: Draft 2020-12 would enforce it
        if key == "$id" and isinstance(value, str) and _PLAIN_NAME.match(value):
            result["$anchor"] = value[1:]
        elif key == "$ref" and isinstance(value, str):
            result["$ref"] = value
            if _local_pointer(value) is None and not value.startswith("#"):
                self.external.append((result, value))
            else:
                self.refs.append((result, value, at.resource))
                self.linked.add(id(result))
        elif key == "$recursiveAnchor":
            if value is True:
                result["$dynamicAnchor"] = _RECURSIVE_ANCHOR
        elif key == "$recursiveRef" and isinstance(value, str):
            if value == "#" and resource_recursive:
                result["$dynamicRef"] = "#" + _RECURSIVE_ANCHOR
            else:
                result["$ref"] = value
        elif key == "items" and isinstance(value, list):
            result["prefixItems"] = [
                sub(item, ("items", str(index)), ("prefixItems", str(index)))
                for index, item in enumerate(value)
            ]
        elif key == "items":
            result["items"] = sub(value, ("items",))
        elif key == "additionalItems":
            pass  # see the prefixItems case in :meth:`_bounds`
        elif key == "dependencies" and isinstance(value, dict):
            for name, each in value.items():
                target = "dependentRequired" if isinstance(each, list) else "dependentSchemas"
                result.setdefault(target, {})[name] = (
                    each if isinstance(each, list) else sub(each, (key, name), (target, name))
                )
        elif key in {"definitions", "$defs"} and isinstance(value, dict):
            # both may sit side by side (SchemaStore files do): one map, a $defs entry wins a name clash
            merged = result.setdefault("$defs", {})
            for name, each in value.items():
                if key == "$defs" or name not in merged:
                    merged[name] = sub(each, (key, name), ("$defs", name))
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: sub(each, (key, name)) for name, each in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            result[key] = [sub(each, (key, str(index))) for index, each in enumerate(value)]
        elif key in _SCHEMA_VALUED:
            result[key] = sub(value, (key,))
        elif key in {"exclusiveMinimum", "exclusiveMaximum"} and self.dialect == DRAFT4:
            pass  # draft-04 boolean form: see :meth:`_bounds`
        else:
            result[key] = value

    def _bounds(
        self, node: dict[str, Any], result: dict[str, Any], *, resource_recursive: bool, at: _Place
    ) -> None:
        """The draft-04 boolean exclusive bounds and ``additionalItems``, which depend on their siblings."""
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if self.dialect == DRAFT4 and node.get(exclusive) is True and bound in result:
                result[exclusive] = result.pop(bound)
        if "prefixItems" in result and "additionalItems" in node and "additionalItems" in self.asserting:
            place = at.child(("additionalItems",), ("items",))
            result["items"] = self.schema(
                node["additionalItems"], resource_recursive=resource_recursive, at=place
            )


def _starts_resource(node: dict[str, Any]) -> bool:
    """Whether a subschema (draft-04 ``id`` read as ``$id``) is a resource: a ``$id`` that is no bare name."""
    value = node.get("$id")
    return isinstance(value, str) and not value.startswith("#") and _PLAIN_NAME.match(value) is None


def _local_pointer(ref: str) -> str | None:
    """The JSON Pointer of a same-resource ``$ref`` (``#/a/b``, percent-decoded, normalized), else None."""
    head, hash_sign, fragment = ref.partition("#")
    if head or not hash_sign:
        return None
    decoded = urllib.parse.unquote(fragment)
    if decoded and not decoded.startswith("/"):
        return None  # a plain-name fragment (an anchor)
    return format_pointer(parse_pointer(decoded))
