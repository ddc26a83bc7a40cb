"""Equivalence-preserving rewrites so that equal instance sets compare equal.

Each rewrite here keeps the set of valid instances exactly as it was:

* a pure ``$ref`` is replaced by its target; ``$ref`` beside other keywords
  becomes one more ``allOf`` branch (that is what Draft 2020-12 means by it);
* ``allOf`` branches whose keywords combine without loss are merged into the
  node (``maxLength`` 64 and 48 become 48, ``required`` lists unite, ...);
* ``const`` becomes a one-value ``enum``; enum values the ``type`` excludes go;
* ``type`` becomes a sorted list (``number`` absorbs ``integer``);
* ``anyOf``/``oneOf`` of branches with disjoint types whose keywords only
  constrain their own type merge into one node: ``anyOf: [{type: null},
  {type: string, ...}]`` is ``type: [null, string]`` with the same keywords;
* ``anyOf``/``oneOf`` of branches that each allow a list of values
  (``enum``, ``const``, ``type: null``) is one ``enum`` (for ``oneOf``, of the
  values exactly one branch allows);
* then the rewrites of :mod:`saas_contracts.diff._simplify` (value types,
  whole steps, bounds on the grid of valid numbers, keywords of excluded types).

Annotations (``title``, ``description``, ...) are dropped from the semantic
view; the walker reports the ones that matter to readers separately.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from saas_contracts._jsontype import JSON_TYPES, json_type, type_covers
from saas_contracts._pointer import escape_token
from saas_contracts.diff._dialects import subschema_keywords
from saas_contracts.diff._simplify import TYPE_KEYWORDS, TYPED, simplify, to_fraction
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from saas_contracts.diff._budget import Budget
    from saas_contracts.diff._sources import SchemaSet

DOC_ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "examples", "$schema", "$id", "$anchor", "$vocabulary"}
)
"""Keywords that never change validity and are not worth a finding."""
REPORTED_ANNOTATIONS = frozenset(
    {
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    },
)
"""Annotations that do not change validity but that readers act on: reported, always compatible."""
DEFINITIONS = frozenset({"$defs", "definitions", "$dynamicAnchor"})
ANNOTATIONS = DOC_ANNOTATIONS | REPORTED_ANNOTATIONS | DEFINITIONS

_LOWER_WINS = frozenset(
    {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"}
)
_HIGHER_WINS = frozenset(
    {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"}
)
_COPY_IF_ABSENT = frozenset(
    {
        "items",
        "prefixItems",
        "contains",
        "not",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "propertyNames",
        "dependentSchemas",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalProperties",
        "patternProperties",
        "$dynamicRef",
    },
)
_CONDITIONAL = frozenset({"if", "then", "else"})
_PURE = frozenset(
    {
        "type",
        "enum",
        "required",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "not",
    }
)
"""Keywords that assert without producing annotations (``not`` drops those of its subschema)."""
_MAX_REF_CHAIN = 32
_MAX_MERGE_NESTING = 8
_HELD_TEXT = 256
"""Texts at least this long are kept per object (shorter ones are cheaper to build again)."""


def canonical(value: Any) -> str:
    """A JSON text equal for JSON-equal values (``1`` and ``1.0`` alike, ``true`` and ``1`` not)."""
    return json.dumps(_numbers(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _numbers(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Ref):
        return {"$ref": value.uri}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    return value


@dataclass(kw_only=True)
class Node:
    """A schema node after resolution and normalization, with where each keyword came from."""

    kw: dict[str, Any]
    """Normalized keywords (``type`` is a sorted list, ``const`` folded into ``enum``)."""
    base: str
    """``<file>#<pointer>`` of the node."""
    loc: dict[str, str] = field(default_factory=dict)
    """Per keyword (or ``keyword/child``) location when it differs from ``base``."""
    via: tuple[str, ...] = ()
    """Definitions (``<file>#<pointer>``) reached through ``$ref`` on the way here."""
    refs: tuple[str, ...] = ()
    """Absolute URIs followed to reach this node."""
    boolean: bool | None = None
    """``True``/``False`` for boolean schemas (``kw`` is then empty)."""
    raw: Any = None
    """A standalone (absolute-ref) schema equal to this node, for validation and generation."""

    def where(self, keyword: str, child: str | int | None = None) -> str:
        """Location of a keyword, or of one child under it."""
        if child is not None:
            specific = self.loc.get(f"{keyword}/{child}")
            if specific is not None:
                return specific
            return f"{self.where(keyword)}/{escape_token(str(child))}"
        return self.loc.get(keyword, f"{self.base}/{escape_token(keyword)}")

    @property
    def types(self) -> frozenset[str] | None:
        """The type set, or None when any type is allowed."""
        value = self.kw.get("type")
        return None if value is None else frozenset(value)

    @property
    def is_true(self) -> bool:
        """Accepts everything (``true`` or no assertion keyword)."""
        return self.boolean is True or (self.boolean is None and not self.kw)


@dataclass(frozen=True, kw_only=True)
class Part:
    """One conjunct to normalize: a raw subschema and where it lives."""

    raw: Any
    base: str
    via: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()


class Normalizer:
    """Resolves and normalizes nodes of one side."""

    def __init__(self, side: SchemaSet, budget: Budget | None = None) -> None:
        """Bind to the side whose registry resolves ``$ref`` (and to the run's work budget)."""
        self.side = side
        self.budget = budget
        self._nodes: dict[tuple[str, str, tuple[str, ...]], Node] = {}
        self._expanded: dict[str, Any] = {}
        self._merging = 0
        self._reentered = 0
        self._expanding: set[str] = set()
        self._texts: dict[int, tuple[Any, str]] = {}
        """Canonical texts of big subschemas, by object (see :meth:`text`)."""
        self.same_as: dict[int, set[tuple[str, str]]] = {}
        """Pairs of ``$ref`` targets shown equivalent, by the other side's normalizer."""
        self.not_same_as: dict[int, set[tuple[str, str]]] = {}
        """Pairs of subschemas (canonical texts) shown not equivalent, by the other side's normalizer."""

    def follow(self, part: Part) -> Part:
        """Follow pure ``$ref`` chains (a ``$ref`` with only annotations beside it)."""
        for _ in range(_MAX_REF_CHAIN):
            raw = part.raw
            if not (isinstance(raw, dict) and isinstance(raw.get("$ref"), str)):
                return part
            if any(key not in ANNOTATIONS and key != "$ref" for key in raw):
                return part
            uri = raw["$ref"]
            location = self.side.location(uri)
            part = Part(
                raw=self.side.lookup(uri),
                base=location,
                via=(*part.via, location),
                refs=(*part.refs, uri),
            )
        return part

    def text(self, raw: Any) -> str:
        """``canonical(raw)``, charged to the run's budget by its length (the walk builds many big ones).

        The text of a big object or list is built once per object: the walk asks again for the same
        node's text at every path that reaches it (a recursive schema's root, at every ``$ref: "#"``).
        The object is held with its text, so its identity is never reused; subschemas and normalized
        nodes are never mutated once built, so the text stays right.
        """
        held = self._texts.get(id(raw)) if isinstance(raw, (dict, list)) else None
        if held is not None and held[0] is raw:
            return held[1]
        found = canonical(raw)
        if self.budget is not None:
            self.budget.charge_text(len(found))
        if len(found) >= _HELD_TEXT and isinstance(raw, (dict, list)):
            self._texts[id(raw)] = (raw, found)
        return found

    def node(self, raw: Any, base: str, *, via: tuple[str, ...] = ()) -> Node:
        """Normalize one raw subschema (memoized: nodes are never mutated once built)."""
        key = (self.text(raw), base, via)
        found = self._nodes.get(key)
        if found is None:
            found = self.conjunction([Part(raw=raw, base=base, via=via)])
            self._nodes[key] = found
        return found

    def conjunction(self, parts: list[Part]) -> Node:  # noqa: C901 - one case per keyword family
        """Normalize the conjunction (``allOf``) of some raw subschemas into one node."""
        followed = [self.follow(part) for part in parts]
        if any(part.raw is False for part in followed):
            first = next(part for part in followed if part.raw is False)
            return Node(kw={}, base=first.base, via=first.via, refs=first.refs, boolean=False, raw=False)
        real = [part for part in followed if part.raw is not True]
        if not real:
            head = followed[0]
            return Node(kw={}, base=head.base, via=head.via, refs=head.refs, boolean=True, raw=True)
        head = real[0]
        node = Node(kw={}, base=head.base, via=head.via, refs=head.refs)
        pending: list[Part] = []
        for part in real:
            self._absorb(node, part, pending, first=part is head)
        # Merge further allOf branches while something merges.
        leftovers: list[tuple[Any, str, tuple[str, ...]]] = []
        guard = 0
        while pending and guard < 64:
            guard += 1
            part = pending.pop(0)
            if self._reentered and _pure_ref(part.raw):
                # Re-expanding a view already under way: a $ref branch stays a branch (a Ref in the
                # view) instead of being merged again, or b: {items: {allOf: [{$ref: b}]}} never ends.
                leftovers.append((part.raw, part.base, part.via))
                continue
            part = self.follow(part)
            if part.raw is True:
                continue
            if part.raw is False:
                return Node(kw={}, base=part.base, via=part.via, refs=part.refs, boolean=False, raw=False)
            if _mergeable(node.kw, part.raw):
                self._absorb(node, part, pending, first=False)
            else:
                leftovers.append((part.raw, part.base, part.via))
        # Past the guard the rest stays an allOf of its own: dropping it would hide its constraints.
        leftovers.extend((part.raw, part.base, part.via) for part in pending)
        if leftovers:
            node.kw["allOf"] = [raw for raw, _, _ in leftovers]
            for index, (_, base, via) in enumerate(leftovers):
                node.loc[f"allOf/{index}"] = base
                if via:
                    node.loc[f"allOf/{index}#via"] = " ".join(via)
        self._finish(node)
        node.raw = _standalone(node)
        return node

    def _absorb(self, node: Node, part: Part, pending: list[Part], *, first: bool) -> None:  # noqa: C901 - one case per keyword family
        raw = self._without_idle_conditional(part, pending)
        for key, value in raw.items():
            if key in ANNOTATIONS:
                if first and key in REPORTED_ANNOTATIONS:
                    node.kw.setdefault(key, value)
                    node.loc.setdefault(key, f"{part.base}/{escape_token(key)}")
                continue
            where = f"{part.base}/{escape_token(key)}"
            if key == "$ref":
                pending.append(Part(raw={"$ref": value}, base=part.base, via=part.via))
                continue
            if key == "allOf":
                pending.extend(
                    Part(raw=branch, base=f"{where}/{index}", via=part.via)
                    for index, branch in enumerate(value)
                )
                continue
            if key == "const":
                key, value = "enum", [value]  # noqa: PLW2901 - const is a one-value enum
            if key not in node.kw:
                node.kw[key] = value
                if not first or part.base != node.base:
                    node.loc[key] = where
                if key == "properties" and isinstance(value, dict):
                    for name in value:
                        node.loc[f"properties/{name}"] = f"{where}/{escape_token(name)}"
                continue
            node.kw[key] = _combine(key, node.kw[key], value)
            if key == "properties":
                for name in value:
                    node.loc.setdefault(f"properties/{name}", f"{where}/{escape_token(name)}")

    def _without_idle_conditional(self, part: Part, pending: list[Part]) -> dict[str, Any]:
        """``part.raw``, its ``if``/``then``/``else`` moved to ``pending`` when it is no real condition."""
        raw: dict[str, Any] = part.raw
        unconditional = self._unconditional(raw, part)
        if unconditional is None:
            return raw
        pending.extend(unconditional)
        return {key: value for key, value in raw.items() if key not in _CONDITIONAL}

    def _unconditional(self, raw: dict[str, Any], part: Part) -> list[Part] | None:
        """What ``if``/``then``/``else`` of ``raw`` stands for when it is no real condition (None: it is).

        ``if: true`` is its ``then``, ``if: false`` its ``else``; a condition whose
        outcome only picks between equivalent branches is either branch; ``if:
        {type: T}`` with a ``then`` that constrains only type ``T`` is that
        ``then``; ``if: {required: [a]}, then: {required: [b]}`` is
        ``dependentRequired: {a: [b]}``. Only conditions (and, for the last two,
        branches) that produce no annotations are dropped, so what
        ``unevaluated*`` sees stays the same.
        """
        if "if" not in raw or self._merging > _MAX_MERGE_NESTING:
            return None  # a view already under way stays as written, so recursive schemas stay finite
        self._merging += 1
        try:
            return self._idle_branches(raw, part)
        finally:
            self._merging -= 1

    def _idle_branches(self, raw: dict[str, Any], part: Part) -> list[Part] | None:
        condition = self.expand(raw["if"])

        def branch(key: str) -> Part:
            return Part(raw=raw.get(key, True), base=f"{part.base}/{key}", via=part.via)

        if condition is True or condition is False:
            return [branch("then" if condition else "else")]
        if not _pure(condition):
            return None
        then, other = self.expand(raw.get("then", True)), self.expand(raw.get("else", True))
        if canonical(then) == canonical(other):
            return [branch("then")]
        needed = None if "else" in raw else _then_alone(condition, then)
        if needed is True:
            return [branch("then")]
        return None if needed is None else [Part(raw=needed, base=f"{part.base}/then", via=part.via)]

    def _finish(self, node: Node) -> None:
        kw = node.kw
        if "type" in kw:
            types = [kw["type"]] if isinstance(kw["type"], str) else list(kw["type"])
            type_set = set(types)
            if "number" in type_set:
                type_set.discard("integer")
            kw["type"] = sorted(type_set, key=JSON_TYPES.index)
        if "enum" in kw:
            values: dict[str, Any] = {}
            for value in kw["enum"]:
                if "type" in kw and not type_covers(frozenset(kw["type"]), json_type(value)):
                    continue
                values.setdefault(canonical(value), value)
            kw["enum"] = [values[key] for key in sorted(values)]
        if "required" in kw:
            kw["required"] = sorted(set(kw["required"]))
        for key in ("anyOf", "oneOf"):
            for merge in (self._merge_typed_branches, self._merge_value_branches, self._branch_types):
                if key in kw:
                    merge(node, key)
        simplify(kw)
        self._contains_every_item(kw)

    def _contains_every_item(self, kw: dict[str, Any]) -> None:
        """``contains`` that every item meets (it is ``items``, or ``true``) only counts items: ``minItems``.

        With ``items`` beside it every item is evaluated anyway, so ``unevaluatedItems`` sees the same.
        """
        if "contains" not in kw or "items" not in kw or "prefixItems" in kw or "maxContains" in kw:
            return
        if self._merging > _MAX_MERGE_NESTING:
            return
        self._merging += 1
        try:
            wanted = self.expand(kw["contains"])
            every = wanted is True or canonical(wanted) == canonical(self.expand(kw["items"]))
        finally:
            self._merging -= 1
        if not every:
            return
        least = kw.pop("minContains", 1)
        del kw["contains"]
        kw["minItems"] = max(kw.get("minItems", 0), least)

    def _branches(self, node: Node, key: str) -> list[Node] | None:
        """The normalized branches of ``node.kw[key]``; None inside too deep a merge (recursive schemas)."""
        if self._merging > _MAX_MERGE_NESTING:
            return None
        self._merging += 1
        try:
            return [
                self.node(branch, f"{node.where(key)}/{index}") for index, branch in enumerate(node.kw[key])
            ]
        finally:
            self._merging -= 1

    def _merge_typed_branches(self, node: Node, key: str) -> None:  # noqa: C901, PLR0912 - one case per keyword family
        """``anyOf``/``oneOf`` of type-disjoint, self-contained branches is one node with a type list.

        Merging is only a simplification, so a branch that leads back into a
        merge already under way (``b: {anyOf: [{$ref: b}]}``) stops it.
        """
        branches = self._branches(node, key)
        if branches is None:
            return
        seen: set[str] = set()
        merged: dict[str, Any] = {}
        for branch in branches:
            if branch.boolean is not None or not branch.kw.get("type"):
                return
            types = set(branch.kw["type"])
            if "integer" in types:
                types.add("number")
            if "number" in types:
                types.add("integer")
            if types & seen:
                return
            seen |= types
            allowed = set().union(*(TYPE_KEYWORDS[name] for name in branch.kw["type"]))
            for keyword, value in branch.kw.items():
                if keyword == "type" or keyword in ANNOTATIONS:
                    continue
                if keyword not in allowed or keyword in merged or keyword in node.kw:
                    return
                merged[keyword] = value
        if "type" in node.kw or "enum" in node.kw:
            return
        del node.kw[key]
        node.kw.update(merged)
        node.kw["type"] = sorted(
            {name for branch in branches for name in branch.kw["type"]},
            key=JSON_TYPES.index,
        )
        if "number" in node.kw["type"] and "integer" in node.kw["type"]:
            node.kw["type"].remove("integer")
        for index, branch in enumerate(branches):
            for keyword in branch.kw:
                node.loc.setdefault(keyword, branch.where(keyword))
            node.loc.setdefault(f"type#{index}", branch.base)

    def _branch_types(self, node: Node, key: str) -> None:
        """``anyOf``/``oneOf`` whose branches all name their types: the node has at most those types."""
        branches = self._branches(node, key)
        if branches is None:
            return
        typed = [branch for branch in branches if branch.boolean is not False]
        if any(branch.boolean is True or not branch.kw.get("type") for branch in typed):
            return
        types = {name for branch in typed for name in branch.kw["type"]}
        if "number" in types:
            types.discard("integer")
        found = sorted(types, key=JSON_TYPES.index)
        node.kw["type"] = _combine("type", node.kw["type"], found) if "type" in node.kw else found
        node.loc.setdefault("type", node.where(key))

    def _merge_value_branches(self, node: Node, key: str) -> None:
        """``anyOf``/``oneOf`` whose branches each allow a finite list of values is one ``enum``.

        A branch allows a list of values when it is an ``enum`` (a ``const``), or
        ``type: null`` / ``type: boolean`` alone. ``anyOf`` takes the union;
        ``oneOf`` keeps the values exactly one branch allows.
        """
        branches = self._branches(node, key)
        if branches is None:
            return
        counts: dict[str, int] = {}
        values: dict[str, Any] = {}
        for branch in branches:
            allowed = _finite_values(branch)
            if allowed is None:
                return
            for value in allowed:
                text = canonical(value)
                counts[text] = counts.get(text, 0) + 1
                values.setdefault(text, value)
        keep = [text for text in sorted(values) if key == "anyOf" or counts[text] == 1]
        merged = [values[text] for text in keep]
        if "enum" in node.kw:
            inside = {canonical(value) for value in node.kw["enum"]}
            merged = [value for value in merged if canonical(value) in inside]
        if "type" in node.kw:
            merged = [value for value in merged if type_covers(frozenset(node.kw["type"]), json_type(value))]
        del node.kw[key]
        node.kw["enum"] = merged
        node.loc.setdefault("enum", node.where(key))

    def expand(self, raw: Any) -> Any:
        """A canonical, annotation-free view of one subschema, with nested ``$ref`` left as :class:`Ref`.

        A pure ``$ref`` at the top is followed; one nested below stays a
        :class:`Ref` marker, so the view is finite and built once per
        subschema even for recursive schemas. Two views are the same instances
        when :func:`equivalent` says so (it follows the markers on both sides).
        """
        key = self.text(raw)
        found = self._expanded.get(key, _MISSING)
        if found is _MISSING:
            if self.budget is not None:
                self.budget.charge()
            if key in self._expanding:
                # A merged anyOf/oneOf led back here (a metaschema's ``items: {anyOf: [{$ref: "#"}, …]}``):
                # the inner view keeps its branches as they are, so the view stays finite.
                self._merging += _MAX_MERGE_NESTING + 1
                self._reentered += 1
                try:
                    return self._expand(raw)
                finally:
                    self._merging -= _MAX_MERGE_NESTING + 1
                    self._reentered -= 1
            self._expanding.add(key)
            try:
                found = self._expand(raw)
            finally:
                self._expanding.discard(key)
            self._expanded[key] = found
        return found

    def _expand(self, raw: Any) -> Any:
        if isinstance(raw, Ref):  # a view's marker expanded again (rules re-read views): its $ref
            raw = {"$ref": raw.uri}
        part = self.follow(Part(raw=raw, base=""))
        if _pure_ref(part.raw):
            return Ref(part.raw["$ref"])  # a chain longer than the follow limit
        node = self.conjunction([part])
        if node.boolean is not None:
            return node.boolean
        result: dict[str, Any] = {}
        for key, value in node.kw.items():
            if key in REPORTED_ANNOTATIONS:
                continue
            result[key] = self._expand_value(key, value)
        if not result:
            return True
        if "allOf" in result:
            result["allOf"] = sorted(result["allOf"], key=canonical)
        if "anyOf" in result:
            result["anyOf"] = sorted(
                {canonical(item): item for item in result["anyOf"]}.values(), key=canonical
            )
        return result

    def _nested(self, raw: Any) -> Any:
        if isinstance(raw, Ref):
            return raw  # already a marker: re-expanding a view keeps it one
        return Ref(raw["$ref"]) if _pure_ref(raw) else self.expand(raw)

    def _expand_value(self, key: str, value: Any) -> Any:
        if key in SCHEMA_MAPS and isinstance(value, dict):
            return {name: self._nested(item) for name, item in value.items()}
        if key in SCHEMA_LISTS and isinstance(value, list):
            return [self._nested(item) for item in value]
        if key in SCHEMA_VALUES:
            return self._nested(value)
        return value


SCHEMA_MAPS = subschema_keywords("map", draft_2020_12=True)
"""Keywords whose value maps names to subschemas (:data:`~saas_contracts.diff._dialects.SUBSCHEMAS`)."""
SCHEMA_LISTS = subschema_keywords("list", draft_2020_12=True)
"""Keywords whose value is a list of subschemas."""
SCHEMA_VALUES = subschema_keywords("one", draft_2020_12=True)
"""Keywords whose value is one subschema (``contentSchema`` too, though its annotation is dropped first)."""
_MISSING: Any = object()


@dataclass(frozen=True)
class Ref:
    """A nested ``$ref`` in an expanded view: the absolute URI it points to."""

    uri: str


def _pure_ref(raw: Any) -> bool:
    return (
        isinstance(raw, dict)
        and isinstance(raw.get("$ref"), str)
        and all(key in ANNOTATIONS or key == "$ref" for key in raw)
    )


def equivalent(left: Normalizer, left_raw: Any, right: Normalizer, right_raw: Any) -> bool:
    """True when two subschemas (of two sides) have the same expanded view, following ``$ref`` both sides.

    Recursion through ``$ref`` is decided coinductively: a pair of targets
    already being compared counts as equal (a bisimulation of the two schema
    graphs), so recursive schemas are compared in as many steps as they have
    pairs of definitions, iteratively. False means "not shown equal".
    """
    cache = left.same_as.setdefault(id(right), set())
    refuted = left.not_same_as.setdefault(id(right), set())
    question = (left.text(left_raw), right.text(right_raw))
    if question in refuted:
        return False
    assumed: set[tuple[str, str]] = set()
    pending: list[tuple[Any, Any]] = [(left.expand(left_raw), right.expand(right_raw))]
    while pending:
        first, second = pending.pop()
        pairs: list[tuple[str, str]] = []
        if not _same_shape(first, second, pairs):
            refuted.add(question)
            return False
        for pair in pairs:
            if pair in assumed or pair in cache:
                continue
            assumed.add(pair)
            try:
                targets = (left.expand({"$ref": pair[0]}), right.expand({"$ref": pair[1]}))
            except ContractError:
                refuted.add(question)
                return False
            pending.append(targets)
    cache.update(assumed)
    return True


def _same_shape(first: Any, second: Any, pairs: list[tuple[str, str]]) -> bool:  # noqa: PLR0911 - one case per JSON kind
    if isinstance(first, Ref) or isinstance(second, Ref):
        if isinstance(first, Ref) and isinstance(second, Ref):
            pairs.append((first.uri, second.uri))
            return True
        return False
    if isinstance(first, dict):
        if not isinstance(second, dict) or first.keys() != second.keys():
            return False
        return all(_same_shape(first[key], second[key], pairs) for key in first)
    if isinstance(first, list):
        if not isinstance(second, list) or len(first) != len(second):
            return False
        return all(_same_shape(one, other, pairs) for one, other in zip(first, second, strict=True))
    return canonical(first) == canonical(second)


def _pure(view: Any) -> bool:
    """An expanded subschema that asserts without producing annotations (``unevaluated*`` ignores it)."""
    return isinstance(view, bool) or (isinstance(view, dict) and set(view) <= _PURE)


def _then_alone(condition: dict[str, Any], then: Any) -> Any:
    """What ``if: condition, then: then`` (no ``else``) is without the condition: True for ``then``.

    None when the condition is a real one.
    """
    if not isinstance(then, dict) or not _pure(then):
        return None
    if set(condition) == {"type"} and _scoped(then, condition["type"]):
        return True
    if set(condition) == {"required"} and len(condition["required"]) == 1 and set(then) == {"required"}:
        return {"dependentRequired": {condition["required"][0]: list(then["required"])}}
    return None


def _scoped(view: dict[str, Any], types: list[str]) -> bool:
    """Every keyword of ``view`` constrains values of ``types`` only (``if: {type: types}`` adds nothing)."""
    within = {*types, "integer"} if "number" in types else set(types)
    return all(
        key in TYPED and {name for name, keys in TYPE_KEYWORDS.items() if key in keys} <= within
        for key in view
    )


def _finite_values(node: Node) -> list[Any] | None:
    """The values a node allows when it is only a list of them (``enum``, ``type: null``/``boolean``)."""
    if node.boolean is False:
        return []
    kw = {key: value for key, value in node.kw.items() if key not in REPORTED_ANNOTATIONS}
    if "enum" in kw and set(kw) <= {"enum", "type"}:
        return list(kw["enum"])  # already only the values of its type
    if set(kw) == {"type"} and set(kw["type"]) <= {"null", "boolean"}:
        return [value for value in (None, False, True) if json_type(value) in kw["type"]]
    return None


def _mergeable(target: dict[str, Any], raw: Any) -> bool:  # noqa: C901, PLR0911 - one rule per keyword family
    if not isinstance(raw, dict):
        return False
    for key, value in raw.items():
        if key in ANNOTATIONS or key in {"$ref", "allOf"}:
            continue
        name = "enum" if key == "const" else key
        if name == "properties" and (
            "additionalProperties" in target or "additionalProperties" in raw or "patternProperties" in raw
        ):
            return False
        if name in {"additionalProperties", "patternProperties"} and "properties" in target:
            return False
        if name not in target:
            continue
        if name in _COPY_IF_ABSENT:
            if canonical(target[name]) != canonical(value):
                return False
            continue
        if name in {"pattern", "format"} and target[name] != value:
            return False
        if name not in _LOWER_WINS | _HIGHER_WINS | {
            "type",
            "enum",
            "required",
            "multipleOf",
            "uniqueItems",
            "properties",
            "dependentRequired",
            "pattern",
            "format",
        }:
            return False
    return True


def _combine(key: str, old: Any, new: Any) -> Any:  # noqa: C901, PLR0911 - one rule per keyword
    if key in _LOWER_WINS:
        return min(old, new)
    if key in _HIGHER_WINS:
        return max(old, new)
    if key == "type":
        left = {old} if isinstance(old, str) else set(old)
        right = {new} if isinstance(new, str) else set(new)
        both = (left & right) | (
            {"integer"}
            if ("integer" in left and "number" in right) or ("number" in left and "integer" in right)
            else set()
        )
        return sorted(both, key=JSON_TYPES.index)
    if key == "enum":
        keep = {canonical(item) for item in new}
        return [item for item in old if canonical(item) in keep]
    if key == "required":
        return sorted(set(old) | set(new))
    if key == "multipleOf":
        first, second = to_fraction(old), to_fraction(new)
        lcm = Fraction(
            math.lcm(first.numerator, second.numerator), math.gcd(first.denominator, second.denominator)
        )
        return int(lcm) if lcm.denominator == 1 else float(lcm)
    if key == "uniqueItems":
        return bool(old) or bool(new)
    if key == "properties":
        merged = dict(old)
        for name, schema in new.items():
            merged[name] = {"allOf": [merged[name], schema]} if name in merged else schema
        return merged
    if key == "dependentRequired":
        merged_deps = {name: list(values) for name, values in old.items()}
        for name, values in new.items():
            merged_deps[name] = sorted(set(merged_deps.get(name, [])) | set(values))
        return merged_deps
    return old  # equal by _mergeable


def _standalone(node: Node) -> Any:
    if node.boolean is not None:
        return node.boolean
    return {key: value for key, value in node.kw.items() if key not in REPORTED_ANNOTATIONS} or True
