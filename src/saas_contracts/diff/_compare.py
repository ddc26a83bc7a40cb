"""Walk two schemas side by side and record every difference with a local verdict.

Not yet split by keyword family (values, objects, arrays, applicators): the rules share the walker's
state (budget, pair memo, witnesses) through ``self``, and issue 14's time went to reading every
dialect; the keyword coverage is kept by tests/diff/test_dialects.py::TestKeywordCoverage meanwhile.

The walk proves compatibility keyword by keyword. Draft 2020-12 keywords are
independent constraints (a schema is the conjunction of its keywords), so if
every changed keyword (or keyword group: ``properties`` with
``additionalProperties``, ``prefixItems`` with ``items``, ``if`` with
``then``/``else``, ``contains`` with its bounds) admits at least what it
admitted before, the schema does too; the same holds inside any applicator
that is monotone (``properties``, ``items``, ``allOf``, ``anyOf``, disjoint
``oneOf``, ...). ``not`` flips the direction. Contexts that are neither
(``if``, overlapping ``oneOf``, ``contains`` with ``maxContains``) are
*opaque*: nothing inside them is proven.

A difference that is not proven carries *witness candidates*: values at its
instance location that the local old schema accepts and the local new one
rejects (or the reverse). :mod:`saas_contracts.diff._counterexample` turns
them into whole-document counterexamples, or leaves the verdict ``unknown``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from saas_contracts._ecma import compile_ecma
from saas_contracts._jsontype import type_covers
from saas_contracts._mask import pointer as safe_pointer
from saas_contracts.diff._budget import BUDGET_NOTE, BudgetSpentError
from saas_contracts.diff._dialects import ASSERTING, DRAFT202012
from saas_contracts.diff._generate import (
    NOT_FORMATTED,
    PALETTE,
    AnyItem,
    AnyKey,
    Contains,
    Generator,
    KeyOf,
    Step,
    number_candidates,
    regex_samples,
)
from saas_contracts.diff._normalize import (
    ANNOTATIONS,
    REPORTED_ANNOTATIONS,
    Node,
    Normalizer,
    Part,
    canonical,
    equivalent,
    to_fraction,
)
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from saas_contracts.diff._budget import Budget
    from saas_contracts.diff._model import Policy

_MAX_DEPTH = 48
_WITNESSES = 12
_DROP_LIMIT = 8
_VARIANT_LIMIT = 10
_NUMERIC = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")
_HANDLED = frozenset(
    {
        "type",
        "enum",
        "multipleOf",
        "pattern",
        "format",
        "uniqueItems",
        "required",
        "dependentRequired",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minContains",
        "maxContains",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "dependentSchemas",
        "prefixItems",
        "items",
        "contains",
        "unevaluatedProperties",
        "unevaluatedItems",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        *_NUMERIC,
    },
)
_ASSERTING = ASSERTING[DRAFT202012]
_IN_PLACE = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas")


@dataclass(kw_only=True)
class Pending:
    """A difference found by the walk, before counterexamples are searched."""

    kind: str
    message: str
    old_at: str
    new_at: str
    steps: tuple[Step, ...]
    back_ok: bool
    """Backward compatibility is proven (whole-document, after polarity)."""
    fwd_ok: bool
    back_witnesses: list[Any] = field(default_factory=list)
    fwd_witnesses: list[Any] = field(default_factory=list)
    controls: list[Any] = field(default_factory=list)
    """Values valid under both local schemas at the same place (to attribute a counterexample)."""
    via: tuple[str, ...] = ()
    note: str = ""
    reached_at: list[str] = field(default_factory=list)
    """Instance paths of other walks that reached the same pair of definitions."""


@dataclass(frozen=True, kw_only=True)
class Ctx:
    """Where the walk is: instance path, polarity, refs already entered."""

    steps: tuple[Step, ...] = ()
    polarity: int = 1
    """1 positive, -1 under ``not``, 0 opaque."""
    via: tuple[str, ...] = ()
    ref_pairs: frozenset[tuple[str, str]] = frozenset()
    depth: int = 0
    proof_only: bool = False
    """Only decide proofs; skip witness generation (used for nested decisions)."""

    def step(self, item: Step) -> Ctx:
        """One level deeper in the instance."""
        return replace(self, steps=(*self.steps, item), depth=self.depth + 1)

    def flip(self) -> Ctx:
        """Under ``not``."""
        return replace(self, polarity=-self.polarity, depth=self.depth + 1)

    def opaque(self) -> Ctx:
        """Under an applicator that is neither monotone nor antitone."""
        return replace(self, polarity=0, depth=self.depth + 1)


def instance_pointer(steps: tuple[Step, ...]) -> str:
    """A public-safe JSON Pointer for a walk position; ``*`` stands for any key or index."""
    text = ""
    for item in steps:
        if isinstance(item, (str, int)):
            text += safe_pointer([item])
        elif isinstance(item, KeyOf):
            text += "/(property name)"
        else:
            text += "/*"
    return text


def budget_pending(old_at: str, new_at: str) -> Pending:
    """The difference left when the budget ran out: nothing below ``old_at``/``new_at`` is decided."""
    return Pending(
        kind="budget-spent",
        message="the work budget ran out here: the rest of this schema was not compared",
        old_at=old_at,
        new_at=new_at,
        steps=(),
        back_ok=False,
        fwd_ok=False,
        note=BUDGET_NOTE,
    )


def _only_in(values: list[Any] | None, other: set[str] | None, limit: int = _WITNESSES) -> list[Any]:
    """Up to ``limit`` of ``values`` whose canonical text is not in ``other`` (all of them when it is None).

    Witness candidates for an enum change: only values told apart are worth a
    validation, so a changed enum of thousands of values costs a few checks.
    """
    if not values:
        return []
    chosen = [value for value in values if other is None or canonical(value) not in other]
    return chosen[:limit]


def _short(value: Any, limit: int = 60) -> str:
    text = canonical(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Walker:
    """Compares one old schema with one new schema; collects :class:`Pending` differences."""

    def __init__(
        self,
        *,
        old: tuple[Normalizer, Generator],
        new: tuple[Normalizer, Generator],
        policy: Policy,
        budget: Budget | None = None,
    ) -> None:
        """Bind to both sides' normalizers and generators (and the run's work budget)."""
        self.o_norm, self.o_gen = old
        self.n_norm, self.n_gen = new
        self.policy = policy
        self.budget = budget
        self.found: list[Pending] = []
        self.shared: dict[tuple[tuple[str, str], int, bool], list[Pending]] = {}
        """Differences found under each pair of definitions, per polarity and mode (walked once)."""
        self.ref_switches: list[tuple[str, str, str]] = []
        self.witness_cache: dict[tuple[str, ...], tuple[list[Any], list[Any], list[Any]]] = {}
        self.seeds: list[Any] = []
        """Extra candidates for findings under a guard (whole-object samples that meet it)."""

    # -- entry points ---------------------------------------------------------------------------

    def compare(self, old_raw: Any, old_base: str, new_raw: Any, new_base: str) -> list[Pending]:
        """Walk a pair of (sub)schemas from the top; return the differences."""
        self.found = []
        try:
            self.walk(self.o_norm.node(old_raw, old_base), self.n_norm.node(new_raw, new_base), Ctx())
        except BudgetSpentError:
            self.found.append(budget_pending(old_base, new_base))
        return self.found

    def walk(self, o: Node, n: Node, ctx: Ctx) -> None:  # noqa: C901 - the shortcuts before the keyword walk
        """Compare two normalized nodes."""
        if self.budget is not None:
            self.budget.charge()
        if o.via or n.via:
            ctx = replace(ctx, via=tuple(dict.fromkeys([*ctx.via, *o.via, *n.via])))
        if bool(o.refs) != bool(n.refs) or (o.refs and n.refs and o.via[-1:] != n.via[-1:]):
            self.ref_switches.append((instance_pointer(ctx.steps), _ref_label(o), _ref_label(n)))
        self._annotations(o, n, ctx)
        if equivalent(self.o_norm, o.raw, self.n_norm, n.raw) and (
            canonical(o.raw) == canonical(n.raw) or ctx.proof_only
        ):
            return  # same instances; when only the spelling differs, walk on for codegen and annotations
        pair = (o.refs[-1] if o.refs else "", n.refs[-1] if n.refs else "")
        if all(pair) and pair in ctx.ref_pairs:
            return  # coinductive: the same pair of definitions is already being compared above
        if not all(pair):
            self._walk_keywords(o, n, ctx)
            return
        ctx = replace(ctx, ref_pairs=ctx.ref_pairs | {pair})
        shared = (pair, ctx.polarity, ctx.proof_only)
        known = self.shared.get(shared)
        if known is not None:
            # The same two definitions were already walked in this context from another path: their
            # differences are reported once (at the first path); a proof walk reuses the verdicts.
            if ctx.proof_only:
                self.found.extend(known)
                return
            where = instance_pointer(ctx.steps) or "/"
            for pending in known:
                if where not in pending.reached_at:
                    pending.reached_at.append(where)
            return
        start = len(self.found)
        self._walk_keywords(o, n, ctx)
        self.shared[shared] = self.found[start:]

    def _walk_keywords(self, o: Node, n: Node, ctx: Ctx) -> None:
        """Compare two nodes keyword family by keyword family."""
        if ctx.depth > _MAX_DEPTH:
            self.emit_local(
                "depth-limit",
                "schemas nest too deeply to compare",
                o,
                n,
                ctx,
                back_ok=False,
                fwd_ok=False,
                note="walk stopped at the depth limit",
            )
            return
        if o.boolean is False or n.boolean is False:
            self._false(o, n, ctx)
            return
        self._type(o, n, ctx)
        self._enum(o, n, ctx)
        self._numeric(o, n, ctx)
        self._multiple_of(o, n, ctx)
        for low, high, family in (
            ("minLength", "maxLength", "string"),
            ("minItems", "maxItems", "array"),
            ("minProperties", "maxProperties", "object"),
        ):
            self._count(o, n, ctx, low=low, high=high, family=family)
        self._pattern(o, n, ctx)
        self._format(o, n, ctx)
        self._unique(o, n, ctx)
        self._required(o, n, ctx)
        self._dependent_required(o, n, ctx)
        self._objects(o, n, ctx)
        self._property_names(o, n, ctx)
        self._dependent_schemas(o, n, ctx)
        self._arrays(o, n, ctx)
        self._contains(o, n, ctx)
        self._unevaluated(o, n, ctx)
        self._all_of(o, n, ctx)
        self._any_of(o, n, ctx, "anyOf")
        self._any_of(o, n, ctx, "oneOf")
        self._not(o, n, ctx)
        self._conditional(o, n, ctx)
        self._unknown_keywords(o, n, ctx)

    # -- emission ------------------------------------------------------------------------------

    def emit_local(  # noqa: PLR0913 - the parts of one finding
        self,
        kind: str,
        message: str,
        o: Node,
        n: Node,
        ctx: Ctx,
        *,
        back_ok: bool,
        fwd_ok: bool,
        old_at: str | None = None,
        new_at: str | None = None,
        extra_back: list[Any] | None = None,
        extra_fwd: list[Any] | None = None,
        hybrid_keys: tuple[str, ...] = (),
        note: str = "",
    ) -> None:
        """Record a difference whose *local* verdicts are ``back_ok``/``fwd_ok`` (before polarity)."""
        back_w: list[Any] = []
        fwd_w: list[Any] = []
        controls: list[Any] = []
        opaque = ctx.polarity == 0
        memo = (
            kind,
            canonical(o.raw),
            canonical(n.raw),
            str(back_ok),
            str(fwd_ok),
            str(opaque),
            canonical(self.seeds),
        )
        if not ctx.proof_only and memo in self.witness_cache:
            back_w, fwd_w, controls = self.witness_cache[memo]
        elif not ctx.proof_only and not (back_ok and fwd_ok and not opaque):
            back_w, fwd_w, controls = self._witnesses(
                o,
                n,
                back_ok=back_ok,
                fwd_ok=fwd_ok,
                opaque=opaque,
                extra=(extra_back, extra_fwd),
                hybrid_keys=hybrid_keys,
            )
            if not (self.budget is not None and self.budget.exhausted):
                self.witness_cache[memo] = (back_w, fwd_w, controls)
        if ctx.polarity < 0:
            back_ok, fwd_ok = fwd_ok, back_ok
            back_w, fwd_w = fwd_w, back_w
        elif opaque:
            back_ok = fwd_ok = False
            back_w = fwd_w = back_w + [item for item in fwd_w if item not in back_w]
            note = (
                note
                or "inside an applicator that is neither monotone nor antitone (if, overlapping oneOf, ...)"
            )
        self.found.append(
            Pending(
                kind=kind,
                message=message,
                old_at=o.base if old_at is None else old_at,
                new_at=n.base if new_at is None else new_at,
                steps=ctx.steps,
                back_ok=back_ok,
                fwd_ok=fwd_ok,
                back_witnesses=back_w[:_WITNESSES],
                fwd_witnesses=fwd_w[:_WITNESSES],
                controls=controls[:4],
                via=ctx.via,
                note=note,
            ),
        )

    def _witnesses(  # noqa: PLR0913 - the pair, its local verdicts and the candidates to try
        self,
        o: Node,
        n: Node,
        *,
        back_ok: bool,
        fwd_ok: bool,
        opaque: bool,
        extra: tuple[list[Any] | None, list[Any] | None],
        hybrid_keys: tuple[str, ...],
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """Instances told apart by the pair: (old only, new only, both); none once the budget is spent."""
        back_candidates = [*(extra[0] or []), *self.seeds]
        fwd_candidates = [*(extra[1] or []), *self.seeds]
        try:
            if not back_ok or opaque:
                if hybrid_keys:
                    back_candidates += self.n_gen.samples(_hybrid(n, o, hybrid_keys), 8)
                back_candidates += self.o_gen.samples(o.raw, 8)
            if not fwd_ok or opaque:
                if hybrid_keys:
                    fwd_candidates += self.o_gen.samples(_hybrid(o, n, hybrid_keys), 8)
                fwd_candidates += self.n_gen.samples(n.raw, 8)
            return self._split(o, n, _with_fewer_keys(back_candidates), _with_fewer_keys(fwd_candidates))
        except BudgetSpentError:
            return [], [], []

    def _split(
        self,
        o: Node,
        n: Node,
        back_candidates: list[Any],
        fwd_candidates: list[Any],
    ) -> tuple[list[Any], list[Any], list[Any]]:
        back: dict[str, Any] = {}
        fwd: dict[str, Any] = {}
        both: dict[str, Any] = {}
        for candidate in [*back_candidates, *fwd_candidates]:
            key = canonical(candidate)
            if key in back or key in fwd or key in both:
                continue
            in_old = self.o_gen.is_valid(o.raw, candidate)
            in_new = self.n_gen.is_valid(n.raw, candidate)
            if in_old and not in_new:
                back[key] = candidate
            elif in_new and not in_old:
                fwd[key] = candidate
            elif in_old and in_new:
                both[key] = candidate
        return list(back.values()), list(fwd.values()), list(both.values())

    def decide(self, o: Node, n: Node, ctx: Ctx) -> tuple[bool, bool, bool]:
        """Walk a pair only to prove: (differs, backward proven, forward proven), locally."""
        saved = self.found
        self.found = []
        try:
            self.walk(o, n, replace(ctx, polarity=1, proof_only=True))
        finally:
            found, self.found = self.found, saved
        if not found:
            return (False, True, True)
        return (True, all(item.back_ok for item in found), all(item.fwd_ok for item in found))

    def replaced(  # noqa: PLR0913
        self,
        kind: str,
        message: str,
        o: Node,
        n: Node,
        ctx: Ctx,
        *,
        note: str = "",
        extra_back: list[Any] | None = None,
        extra_fwd: list[Any] | None = None,
    ) -> None:
        """One finding for a whole subschema that was added, removed or swapped."""
        differs, back_ok, fwd_ok = self.decide(o, n, ctx)
        if not differs:
            return
        self.emit_local(
            kind,
            message,
            o,
            n,
            ctx,
            back_ok=back_ok,
            fwd_ok=fwd_ok,
            note=note,
            extra_back=[*(extra_back or []), *PALETTE],
            extra_fwd=[*(extra_fwd or []), *PALETTE],
        )

    def child(
        self, node: Node, side: str, key: str, sub: str | int | None = None, *, default: Any = True
    ) -> Node:
        """Normalize a child subschema (``default`` when the keyword is absent)."""
        norm = self.o_norm if side == "old" else self.n_norm
        value = node.kw.get(key, default)
        if sub is not None:
            value = value[sub] if value is not default else default
        return norm.node(value, node.where(key, sub), via=())

    # -- keyword groups ------------------------------------------------------------------------

    def _annotations(self, o: Node, n: Node, ctx: Ctx) -> None:
        if ctx.proof_only:
            return
        for key in sorted(REPORTED_ANNOTATIONS):
            before, after = o.kw.get(key), n.kw.get(key)
            if canonical(before) != canonical(after):
                self.found.append(
                    Pending(
                        kind=f"annotation-{key}-changed",
                        message=f"annotation '{key}' changed (does not change which instances are valid)",
                        old_at=o.where(key) if key in o.kw else "",
                        new_at=n.where(key) if key in n.kw else "",
                        steps=ctx.steps,
                        back_ok=True,
                        fwd_ok=True,
                        via=ctx.via,
                    ),
                )

    def _false(self, o: Node, n: Node, ctx: Ctx) -> None:
        if o.boolean is False:
            self.emit_local(
                "schema-opened",
                "a schema that accepted nothing now accepts instances",
                o,
                n,
                ctx,
                back_ok=True,
                fwd_ok=False,
                extra_fwd=PALETTE,
            )
        else:
            self.emit_local(
                "schema-closed",
                "a schema now accepts nothing (false)",
                o,
                n,
                ctx,
                back_ok=False,
                fwd_ok=True,
                extra_back=PALETTE,
            )

    def _type(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.types, n.types
        if before == after:
            return
        covered_back = before is not None and all(type_covers(after, kind) for kind in before)
        covered_fwd = after is not None and all(type_covers(before, kind) for kind in after)
        if before is None:
            covered_back = after is None
        if after is None:
            covered_fwd = before is None
        if covered_back and not covered_fwd:
            kind = "type-widened"
        elif covered_fwd and not covered_back:
            kind = "type-narrowed" if before is not None else "type-added"
        else:
            kind = "type-removed" if after is None else "type-changed"
        extra_back: list[Any] = []
        extra_fwd: list[Any] = []
        if not ctx.proof_only:
            extra_back = [*PALETTE, *self.o_gen.samples({**_dict(o.raw), "type": "number"}, 4)]
            extra_fwd = [*PALETTE, *self.n_gen.samples({**_dict(n.raw), "type": "number"}, 4)]
        self.emit_local(
            kind,
            f"type {_types(before)} -> {_types(after)}",
            o,
            n,
            ctx,
            back_ok=covered_back,
            fwd_ok=covered_fwd,
            old_at=o.where("type") if before is not None else "",
            new_at=n.where("type") if after is not None else "",
            extra_back=extra_back,
            extra_fwd=extra_fwd,
            hybrid_keys=("type",),
        )

    def _enum(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("enum"), n.kw.get("enum")
        if (
            before is not None
            and after is not None
            and [canonical(v) for v in before] == [canonical(v) for v in after]
        ):
            return
        if before is None and after is None:
            return
        old_keys = {canonical(value) for value in before} if before is not None else None
        new_keys = {canonical(value) for value in after} if after is not None else None
        back_ok = new_keys is None or (old_keys is not None and old_keys <= new_keys)
        fwd_ok = old_keys is None or (new_keys is not None and new_keys <= old_keys)
        if before is None:
            kind, message = "enum-added", f"values restricted to {len(after or [])} allowed value(s)"
        elif after is None:
            kind, message = "enum-removed", f"restriction to {len(before)} value(s) removed"
        else:
            added = sorted((new_keys or set()) - (old_keys or set()))
            removed = sorted((old_keys or set()) - (new_keys or set()))
            parts = []
            if added:
                parts.append("added " + ", ".join(added[:5]) + (" …" if len(added) > 5 else ""))
            if removed:
                parts.append("removed " + ", ".join(removed[:5]) + (" …" if len(removed) > 5 else ""))
            kind = (
                "enum-values-added" if back_ok else "enum-values-removed" if fwd_ok else "enum-values-changed"
            )
            message = "allowed values: " + "; ".join(parts)
        self.emit_local(
            kind,
            message,
            o,
            n,
            ctx,
            back_ok=back_ok,
            fwd_ok=fwd_ok,
            old_at=o.where("enum") if before is not None else "",
            new_at=n.where("enum") if after is not None else "",
            extra_back=[*_only_in(before, new_keys), *PALETTE],
            extra_fwd=[*_only_in(after, old_keys), *PALETTE],
            hybrid_keys=("enum",),
        )

    def _numeric(self, o: Node, n: Node, ctx: Ctx) -> None:
        for side_lower, names in (
            (True, ("minimum", "exclusiveMinimum")),
            (False, ("maximum", "exclusiveMaximum")),
        ):
            before, after = _bound(o.kw, names, lower=side_lower), _bound(n.kw, names, lower=side_lower)
            if before == after:
                continue
            looser_back = after is None or (before is not None and _weaker(after, before, lower=side_lower))
            looser_fwd = before is None or (after is not None and _weaker(before, after, lower=side_lower))
            word = "minimum" if side_lower else "maximum"
            if before is None:
                kind = f"{word}-added"
            elif after is None:
                kind = f"{word}-removed"
            else:
                raised = _weaker(before, after, lower=True)
                kind = f"{word}-raised" if raised else f"{word}-lowered"
            integer = "number" not in (o.types or {"number"})
            merged = {
                key: value for key, value in {**o.kw, **n.kw}.items() if key in names or key == "multipleOf"
            }
            extra = number_candidates(merged, integer=integer) + number_candidates(o.kw, integer=integer)
            self.emit_local(
                kind,
                f"{word} {_bound_text(before)} -> {_bound_text(after)}",
                o,
                n,
                ctx,
                back_ok=looser_back,
                fwd_ok=looser_fwd,
                old_at=_first_where(o, names),
                new_at=_first_where(n, names),
                extra_back=extra,
                extra_fwd=extra,
                hybrid_keys=names,
            )

    def _multiple_of(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("multipleOf"), n.kw.get("multipleOf")
        if before == after:
            return

        def divides(small: Any, large: Any) -> bool:
            return (to_fraction(large) / to_fraction(small)).denominator == 1

        back_ok = after is None or (before is not None and divides(after, before))
        fwd_ok = before is None or (after is not None and divides(before, after))
        candidates: list[Any] = []
        for value in (before, after):
            if value is not None:
                step = to_fraction(value)
                for factor in (1, 2, 3, 5, 7, -1):
                    product = step * factor
                    candidates.append(int(product) if product.denominator == 1 else float(product))
        candidates += [0.5, 1, 3, 0.1]
        self.emit_local(
            "multipleOf-changed"
            if before is not None and after is not None
            else "multipleOf-added"
            if after is not None
            else "multipleOf-removed",
            f"multipleOf {before} -> {after}",
            o,
            n,
            ctx,
            back_ok=back_ok,
            fwd_ok=fwd_ok,
            old_at=o.where("multipleOf") if before is not None else "",
            new_at=n.where("multipleOf") if after is not None else "",
            extra_back=candidates,
            extra_fwd=candidates,
            hybrid_keys=("multipleOf",),
        )

    def _count(  # noqa: PLR0913 - a keyword pair, its family and the lower default
        self, o: Node, n: Node, ctx: Ctx, *, low: str, high: str, family: str, low_default: int | None = None
    ) -> None:
        """Compare a lower/upper count pair; ``low_default`` is the lower bound when absent (minContains)."""
        for key, lower in ((low, True), (high, False)):
            before, after = o.kw.get(key), n.kw.get(key)
            if lower and low_default is not None:
                before = low_default if before is None else before
                after = low_default if after is None else after
            if before == after:
                continue
            if lower:
                back_ok = after is None or (before is not None and after <= before)
                fwd_ok = before is None or (after is not None and before <= after)
            else:
                back_ok = after is None or (before is not None and after >= before)
                fwd_ok = before is None or (after is not None and before >= after)
            kind = (
                f"{key}-added"
                if before is None
                else f"{key}-removed"
                if after is None
                else (f"{key}-raised" if (after or 0) > (before or 0) else f"{key}-lowered")
            )
            sizes = sorted({max(0, int(v) + d) for v in (before, after) if v is not None for d in (-1, 0, 1)})
            extra_back = (
                []
                if ctx.proof_only
                else self._sized(self.o_gen, o, low=low, high=high, sizes=sizes, family=family)
            )
            extra_fwd = (
                []
                if ctx.proof_only
                else self._sized(self.n_gen, n, low=low, high=high, sizes=sizes, family=family)
            )
            self.emit_local(
                kind,
                f"{key} {before} -> {after}",
                o,
                n,
                ctx,
                back_ok=back_ok,
                fwd_ok=fwd_ok,
                old_at=o.where(key) if key in o.kw else "",
                new_at=n.where(key) if key in n.kw else "",
                extra_back=extra_back,
                extra_fwd=extra_fwd,
                hybrid_keys=(key,),
            )

    def _sized(  # noqa: PLR0913 - the side, the node and the sizes to aim at
        self, gen: Generator, node: Node, *, low: str, high: str, sizes: list[int], family: str
    ) -> list[Any]:
        out: list[Any] = []
        base = {key: value for key, value in _dict(node.raw).items() if key not in {low, high}}
        for size in sizes[:6]:
            out.extend(gen.samples({**base, low: size, high: size, "type": family}, 2))
        return out

    def _pattern(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("pattern"), n.kw.get("pattern")
        if before == after:
            return
        extra_back = _string_variants(regex_samples(before, 40)) if before else []
        extra_fwd = _string_variants(regex_samples(after, 40)) if after else []
        kind = (
            "pattern-added" if before is None else "pattern-removed" if after is None else "pattern-changed"
        )
        self.emit_local(
            kind,
            f"pattern {before!r} -> {after!r}",
            o,
            n,
            ctx,
            back_ok=after is None or (before is not None and _anchored(after, before)),
            fwd_ok=before is None or (after is not None and _anchored(before, after)),
            old_at=o.where("pattern") if before else "",
            new_at=n.where("pattern") if after else "",
            extra_back=[*extra_back, *NOT_FORMATTED],
            extra_fwd=[*extra_fwd, *NOT_FORMATTED],
            hybrid_keys=("pattern",),
            note=""
            if after is None or before is None
            else "regular-expression inclusion is not decided; the verdict rests on sampled strings",
        )

    def _format(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("format"), n.kw.get("format")
        if before == after:
            return
        kind = "format-added" if before is None else "format-removed" if after is None else "format-changed"
        old_at = o.where("format") if before else ""
        new_at = n.where("format") if after else ""
        if not self.policy.format_assertion:
            self.emit_local(
                kind,
                f"format {before!r} -> {after!r} (annotation)",
                o,
                n,
                ctx,
                back_ok=True,
                fwd_ok=True,
                note="format is an annotation under this policy (--format-assertion makes it an assertion)",
                old_at=old_at,
                new_at=new_at,
            )
            return
        self.emit_local(
            kind,
            f"format {before!r} -> {after!r}",
            o,
            n,
            ctx,
            back_ok=after is None,
            fwd_ok=before is None,
            extra_back=list(NOT_FORMATTED),
            extra_fwd=list(NOT_FORMATTED),
            hybrid_keys=("format",),
            old_at=old_at,
            new_at=new_at,
        )

    def _unique(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = bool(o.kw.get("uniqueItems")), bool(n.kw.get("uniqueItems"))
        if before == after:
            return
        duplicates: list[Any] = []
        if not ctx.proof_only:
            arrays = self.o_gen.samples({**_dict(o.raw), "minItems": 1, "uniqueItems": False}, 4)
            duplicates.extend([array[0], *array] for array in arrays if isinstance(array, list) and array)
        self.emit_local(
            "uniqueItems-added" if after else "uniqueItems-removed",
            f"uniqueItems {before} -> {after}",
            o,
            n,
            ctx,
            back_ok=not after,
            fwd_ok=not before,
            old_at=o.where("uniqueItems") if before else "",
            new_at=n.where("uniqueItems") if after else "",
            extra_back=duplicates,
            extra_fwd=duplicates,
        )

    def _required(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = set(o.kw.get("required", [])), set(n.kw.get("required", []))
        added, removed = sorted(after - before), sorted(before - after)
        if added:
            self.emit_local(
                "required-added",
                "now required: " + ", ".join(map(repr, added)),
                o,
                n,
                ctx,
                back_ok=False,
                fwd_ok=True,
                old_at=o.where("required") if before else "",
                new_at=n.where("required"),
                hybrid_keys=("required",),
            )
        if removed:
            self.emit_local(
                "required-removed",
                "no longer required: " + ", ".join(map(repr, removed)),
                o,
                n,
                ctx,
                back_ok=True,
                fwd_ok=False,
                old_at=o.where("required"),
                new_at=n.where("required") if after else "",
                hybrid_keys=("required",),
            )

    def _dependent_required(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("dependentRequired", {}), n.kw.get("dependentRequired", {})
        for trigger in sorted(set(before) | set(after)):
            old_set, new_set = set(before.get(trigger, [])), set(after.get(trigger, []))
            if old_set == new_set:
                continue
            extra_back = (
                [] if ctx.proof_only else self.o_gen.samples({"allOf": [o.raw, {"required": [trigger]}]}, 4)
            )
            extra_fwd = (
                [] if ctx.proof_only else self.n_gen.samples({"allOf": [n.raw, {"required": [trigger]}]}, 4)
            )
            self.emit_local(
                "dependentRequired-changed",
                f"properties required with {trigger!r}: {sorted(old_set)} -> {sorted(new_set)}",
                o,
                n,
                ctx,
                back_ok=new_set <= old_set,
                fwd_ok=old_set <= new_set,
                old_at=o.where("dependentRequired", trigger) if trigger in before else "",
                new_at=n.where("dependentRequired", trigger) if trigger in after else "",
                extra_back=extra_back,
                extra_fwd=extra_fwd,
            )

    # -- objects -------------------------------------------------------------------------------

    def _effective(self, node: Node, side: str, name: str) -> tuple[Node, bool, bool]:
        """The schema a property ``name`` meets on one side: (node, open by default, opaque)."""
        norm = self.o_norm if side == "old" else self.n_norm
        parts: list[Part] = []
        for pattern, schema in node.kw.get("patternProperties", {}).items():
            if _search(pattern, name):
                parts.append(Part(raw=schema, base=node.where("patternProperties", pattern)))
        open_default = False
        opaque = False
        if not parts:
            if "additionalProperties" in node.kw:
                parts.append(
                    Part(raw=node.kw["additionalProperties"], base=node.where("additionalProperties"))
                )
            elif "unevaluatedProperties" in node.kw:
                parts.append(
                    Part(raw=node.kw["unevaluatedProperties"], base=node.where("unevaluatedProperties"))
                )
                opaque = any(key in node.kw for key in (*_IN_PLACE, "$ref"))
            else:
                parts.append(Part(raw=True, base=node.where("additionalProperties")))
                open_default = True
        return norm.conjunction(parts), open_default, opaque

    def _objects(self, o: Node, n: Node, ctx: Ctx) -> None:  # noqa: C901
        o_props: dict[str, Any] = o.kw.get("properties", {})
        n_props: dict[str, Any] = n.kw.get("properties", {})
        for name in sorted(set(o_props) | set(n_props)):
            inner = ctx.step(name)
            if name in o_props and name in n_props:
                self.walk(
                    self.child(o, "old", "properties", name), self.child(n, "new", "properties", name), inner
                )
                continue
            if name in n_props:
                before, open_default, opaque = self._effective(o, "old", name)
                after = self.n_norm.conjunction(
                    [
                        Part(raw=n_props[name], base=n.where("properties", name)),
                        *self._pattern_parts(n, name),
                    ],
                )
                differs, back_ok, fwd_ok = self.decide(before, after, inner)
                if not differs:
                    continue
                note = ""
                if open_default and not back_ok:
                    note = (
                        "the object was open: old data may already use this name with any value "
                        "(strictly backward-breaking)"
                    )
                    if self.policy.lenient_open_content:
                        back_ok = True
                        note = (
                            "compatible under the lenient open-content policy "
                            "(assumes old data never used this name)"
                        )
                self.emit_local(
                    "property-added",
                    f"property {name!r} declared",
                    before,
                    after,
                    inner.opaque() if opaque else inner,
                    back_ok=back_ok,
                    fwd_ok=fwd_ok,
                    old_at=before.base if not open_default else "",
                    new_at=n.where("properties", name),
                    extra_back=PALETTE,
                    extra_fwd=PALETTE,
                    note=note,
                )
            else:
                after, _, opaque = self._effective(n, "new", name)
                before = self.o_norm.conjunction(
                    [
                        Part(raw=o_props[name], base=o.where("properties", name)),
                        *self._pattern_parts(o, name),
                    ],
                )
                differs, back_ok, fwd_ok = self.decide(before, after, inner)
                if not differs:
                    continue
                self.emit_local(
                    "property-removed",
                    f"property {name!r} no longer declared",
                    before,
                    after,
                    inner.opaque() if opaque else inner,
                    back_ok=back_ok,
                    fwd_ok=fwd_ok,
                    old_at=o.where("properties", name),
                    new_at=after.base,
                    extra_back=PALETTE,
                    extra_fwd=PALETTE,
                )
        o_pat: dict[str, Any] = o.kw.get("patternProperties", {})
        n_pat: dict[str, Any] = n.kw.get("patternProperties", {})
        declared = frozenset(o_props) | frozenset(n_props)
        for pattern in sorted(set(o_pat) | set(n_pat)):
            keys = [key for key in regex_samples(pattern, 8) if key not in declared] or ["k"]
            inner = ctx.step(keys[0])
            if pattern in o_pat and pattern in n_pat:
                self.walk(
                    self.child(o, "old", "patternProperties", pattern),
                    self.child(n, "new", "patternProperties", pattern),
                    inner,
                )
                continue
            before = self._effective(o, "old", keys[0])[0]
            after = self._effective(n, "new", keys[0])[0]
            differs, back_ok, fwd_ok = self.decide(before, after, inner)
            # Only a closed side (additionalProperties: false, no other pattern) is decided:
            # it accepted no undeclared name, so the pattern only lets names in.
            added = pattern in n_pat
            closed, other_pat = (o, o_pat) if added else (n, n_pat)
            only_opens = (
                closed.kw.get("additionalProperties") is False
                and not other_pat
                and not any(_search(pattern, name) for name in declared)
                and not _complex(o, "unevaluatedProperties")
                and not _complex(n, "unevaluatedProperties")
            )
            self.emit_local(
                "patternProperties-added" if pattern in n_pat else "patternProperties-removed",
                f"patternProperties {pattern!r} {'added' if pattern in n_pat else 'removed'}",
                before,
                after,
                inner,
                back_ok=only_opens and added,
                fwd_ok=only_opens and not added,
                extra_back=PALETTE,
                extra_fwd=PALETTE,
                old_at=o.where("patternProperties", pattern) if pattern in o_pat else "",
                new_at=n.where("patternProperties", pattern) if pattern in n_pat else "",
                note=""
                if only_opens
                else "which names a pattern covers is not decided; the verdict rests on sampled names",
            )
            del differs, back_ok, fwd_ok
        if _complex(o, "unevaluatedProperties") or _complex(n, "unevaluatedProperties"):
            return  # _unevaluated decides names no applicator declares
        before_key = _other_key(o)
        after_key = _other_key(n)
        if before_key is None and after_key is None:
            return
        self.walk(
            self.child(o, "old", before_key or "additionalProperties"),
            self.child(n, "new", after_key or "additionalProperties"),
            ctx.step(AnyKey(declared)),
        )

    def _pattern_parts(self, node: Node, name: str) -> list[Part]:
        return [
            Part(raw=schema, base=node.where("patternProperties", pattern))
            for pattern, schema in node.kw.get("patternProperties", {}).items()
            if _search(pattern, name)
        ]

    def _property_names(self, o: Node, n: Node, ctx: Ctx) -> None:
        if "propertyNames" in o.kw or "propertyNames" in n.kw:
            self.walk(
                self.child(o, "old", "propertyNames"),
                self.child(n, "new", "propertyNames"),
                ctx.step(KeyOf()),
            )

    def _dependent_schemas(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("dependentSchemas", {}), n.kw.get("dependentSchemas", {})
        for trigger in sorted(set(before) | set(after)):
            guard = {"required": [trigger]}
            old_node = self.o_norm.conjunction(
                [
                    Part(raw=before.get(trigger, True), base=o.where("dependentSchemas", trigger)),
                    Part(raw=guard, base=o.where("dependentSchemas", trigger)),
                ]
            )
            new_node = self.n_norm.conjunction(
                [
                    Part(raw=after.get(trigger, True), base=n.where("dependentSchemas", trigger)),
                    Part(raw=guard, base=n.where("dependentSchemas", trigger)),
                ]
            )
            saved = self.seeds
            if not ctx.proof_only:
                self.seeds = [
                    *saved,
                    *self.o_gen.samples({"allOf": [o.raw, guard]}, 4),
                    *self.n_gen.samples({"allOf": [n.raw, guard]}, 4),
                ]
            self.walk(old_node, new_node, replace(ctx, depth=ctx.depth + 1))
            self.seeds = saved

    # -- arrays --------------------------------------------------------------------------------

    def _arrays(self, o: Node, n: Node, ctx: Ctx) -> None:
        o_prefix: list[Any] = o.kw.get("prefixItems", [])
        n_prefix: list[Any] = n.kw.get("prefixItems", [])
        o_rest, o_opaque = _rest_items(o)
        n_rest, n_opaque = _rest_items(n)
        longest = max(len(o_prefix), len(n_prefix))
        for index in range(longest):
            before = (
                self.child(o, "old", "prefixItems", index)
                if index < len(o_prefix)
                else self.o_norm.node(o_rest, o.where("items"))
            )
            after = (
                self.child(n, "new", "prefixItems", index)
                if index < len(n_prefix)
                else self.n_norm.node(n_rest, n.where("items"))
            )
            inner = ctx.step(index)
            self.walk(before, after, inner.opaque() if (o_opaque or n_opaque) else inner)
        if any(key in node.kw for key in ("items", "unevaluatedItems") for node in (o, n)):
            inner = ctx.step(AnyItem(longest))
            self.walk(
                self.o_norm.node(o_rest, o.where("items")),
                self.n_norm.node(n_rest, n.where("items")),
                inner.opaque() if (o_opaque or n_opaque) else inner,
            )

    def _contains(self, o: Node, n: Node, ctx: Ctx) -> None:
        before, after = o.kw.get("contains"), n.kw.get("contains")
        if before is None and after is None:
            return
        inner = ctx.step(Contains())
        if before is not None and after is not None:
            opaque = "maxContains" in o.kw or "maxContains" in n.kw
            self.walk(
                self.child(o, "old", "contains"),
                self.child(n, "new", "contains"),
                inner.opaque() if opaque else inner,
            )
            self._count(o, n, ctx, low="minContains", high="maxContains", family="array", low_default=1)
            return
        if after is not None:
            vacuous = n.kw.get("minContains") == 0
            self.emit_local(
                "contains-added",
                "arrays must now contain a matching item",
                o,
                n,
                ctx,
                back_ok=vacuous,
                fwd_ok=True,
                new_at=n.where("contains"),
                old_at="",
                extra_back=[[], *PALETTE],
                hybrid_keys=("contains", "minContains", "maxContains"),
            )
        else:
            vacuous = o.kw.get("minContains") == 0
            self.emit_local(
                "contains-removed",
                "arrays no longer need a matching item",
                o,
                n,
                ctx,
                back_ok=True,
                fwd_ok=vacuous,
                old_at=o.where("contains"),
                new_at="",
                extra_fwd=[[], *PALETTE],
                hybrid_keys=("contains", "minContains", "maxContains"),
            )

    def _unevaluated(self, o: Node, n: Node, ctx: Ctx) -> None:
        for key in ("unevaluatedProperties", "unevaluatedItems"):
            if key not in o.kw and key not in n.kw:
                continue
            if not (_complex(o, key) or _complex(n, key)):
                continue  # the properties/items walk covers it (it falls back to unevaluated*)
            if not (_complex(o, key) and _complex(n, key)) or self._scope(o, self.o_norm, key) != self._scope(
                n, self.n_norm, key
            ):
                self.emit_local(
                    f"{key}-scope-changed",
                    f"what the in-place applicators evaluate changed, so '{key}' covers other names or items",
                    o,
                    n,
                    ctx.opaque(),
                    back_ok=False,
                    fwd_ok=False,
                    extra_back=PALETTE,
                    extra_fwd=PALETTE,
                    note="evaluation annotations across applicators are not decided",
                )
                continue
            step: Step = (
                AnyKey(frozenset(o.kw.get("properties", {})) | frozenset(n.kw.get("properties", {})))
                if key == "unevaluatedProperties"
                else AnyItem(max(len(o.kw.get("prefixItems", [])), len(n.kw.get("prefixItems", []))))
            )
            inner = ctx.step(step)
            self.walk(
                self.child(o, "old", key),
                self.child(n, "new", key),
                inner if key == "unevaluatedProperties" else inner.opaque(),
            )

    def _scope(self, node: Node, norm: Normalizer, key: str) -> str:  # noqa: C901 - walks every applicator
        """What in-place applicators may evaluate, as a canonical text (names, patterns, prefix sizes)."""
        names: list[Any] = []

        def collect(raw: Any, label: str, depth: int) -> None:
            if depth > 8 or not isinstance(raw, dict):
                return
            expanded = norm.expand(raw)
            if not isinstance(expanded, dict):
                return
            if key == "unevaluatedProperties":
                names.append(
                    [
                        label,
                        sorted(expanded.get("properties", {})),
                        sorted(expanded.get("patternProperties", {})),
                        "additionalProperties" in expanded,
                        "unevaluatedProperties" in expanded,
                    ]
                )
            else:
                names.append(
                    [
                        label,
                        len(expanded.get("prefixItems", [])),
                        "items" in expanded,
                        "contains" in expanded,
                        "unevaluatedItems" in expanded,
                    ]
                )
            for applicator in _IN_PLACE:
                value = expanded.get(applicator)
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        collect(item, f"{label}/{applicator}/{index}", depth + 1)
                elif isinstance(value, dict) and applicator == "dependentSchemas":
                    for name, item in sorted(value.items()):
                        collect(item, f"{label}/{applicator}/{name}", depth + 1)
                elif isinstance(value, dict):
                    collect(value, f"{label}/{applicator}", depth + 1)

        for applicator in _IN_PLACE:
            value = node.kw.get(applicator)
            if isinstance(value, list):
                for index, item in enumerate(value):
                    collect(item, f"{applicator}/{index}", 0)
            elif isinstance(value, dict) and applicator == "dependentSchemas":
                for name, item in sorted(value.items()):
                    collect(item, f"{applicator}/{name}", 0)
            elif isinstance(value, dict):
                collect(value, applicator, 0)
        return canonical(names)

    # -- composition ---------------------------------------------------------------------------

    def _match(self, o: Node, n: Node, key: str) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        before: list[Any] = o.kw.get(key, [])
        after: list[Any] = n.kw.get(key, [])
        old_keys = [canonical(self.o_norm.expand(item)) for item in before]
        new_keys = [canonical(self.n_norm.expand(item)) for item in after]
        pairs: list[tuple[int, int]] = []
        used: set[int] = set()
        for index, text in enumerate(old_keys):
            match = next((j for j, other in enumerate(new_keys) if j not in used and other == text), None)
            if match is not None:
                used.add(match)
                pairs.append((index, match))
        left = [index for index in range(len(before)) if index not in {p[0] for p in pairs}]
        right = [j for j in range(len(after)) if j not in used]
        modified: list[tuple[int, int]] = []
        for index in list(left):
            scored = [(self._similarity(before[index], after[j]), j) for j in right]
            scored = [item for item in scored if item[0] > 0]
            if scored:
                _, best = max(scored, key=lambda item: (item[0], -item[1]))
                modified.append((index, best))
                right.remove(best)
                left.remove(index)
        if left and len(left) == len(right):
            modified.extend(zip(left, right, strict=True))
            left, right = [], []
        return modified, left, right

    def _similarity(self, before: Any, after: Any) -> int:
        old = self.o_norm.expand(before)
        new = self.n_norm.expand(after)
        if not isinstance(old, dict) or not isinstance(new, dict):
            return 0
        score = 0
        if old.get("type") is not None and old.get("type") == new.get("type"):
            score += 2
        score += len(set(old.get("properties", {})) & set(new.get("properties", {})))
        if (
            isinstance(before, dict)
            and isinstance(after, dict)
            and before.get("$ref")
            and str(before.get("$ref")).rsplit("/", 1)[-1] == str(after.get("$ref")).rsplit("/", 1)[-1]
        ):
            score += 3
        return score

    def _all_of(self, o: Node, n: Node, ctx: Ctx) -> None:
        if "allOf" not in o.kw and "allOf" not in n.kw:
            return
        modified, removed, added = self._match(o, n, "allOf")
        for i, j in modified:
            self.walk(self.child(o, "old", "allOf", i), self.child(n, "new", "allOf", j), ctx)
        for i in removed:
            self.replaced(
                "allOf-branch-removed",
                "an allOf branch was removed",
                self.child(o, "old", "allOf", i),
                self.n_norm.node(raw=True, base=""),
                ctx,
            )
        for j in added:
            self.replaced(
                "allOf-branch-added",
                "an allOf branch was added",
                self.o_norm.node(raw=True, base=""),
                self.child(n, "new", "allOf", j),
                ctx,
            )

    def _disjoint(self, node: Node, norm: Normalizer, key: str) -> bool:
        branches = [norm.expand(item) for item in node.kw.get(key, [])]
        for index, first in enumerate(branches):
            for second in branches[index + 1 :]:
                if not _disjoint_pair(first, second):
                    return False
        return True

    def _any_of(self, o: Node, n: Node, ctx: Ctx, key: str) -> None:
        if key not in o.kw and key not in n.kw:
            return
        if self._any_one_switch(o, n, ctx, report=key == "anyOf"):
            return
        inner = ctx
        if key == "oneOf" and not (
            self._disjoint(o, self.o_norm, key) and self._disjoint(n, self.n_norm, key)
        ):
            inner = ctx.opaque()
        if key not in o.kw or key not in n.kw:
            present = o if key in o.kw else n
            self.emit_local(
                f"{key}-{'added' if present is n else 'removed'}",
                f"'{key}' {'added' if present is n else 'removed'}",
                o,
                n,
                inner,
                back_ok=present is o,
                fwd_ok=present is n,
                old_at=o.where(key) if key in o.kw else "",
                new_at=n.where(key) if key in n.kw else "",
                extra_back=PALETTE,
                extra_fwd=PALETTE,
                hybrid_keys=(key,),
            )
            return
        modified, removed, added = self._match(o, n, key)
        rest_old = {k: v for k, v in _dict(o.raw).items() if k != key}
        rest_new = {k: v for k, v in _dict(n.raw).items() if k != key}
        for i, j in modified:
            self.walk(self.child(o, "old", key, i), self.child(n, "new", key, j), inner)
        for i in removed:
            branch = o.kw[key][i]
            self.emit_local(
                f"{key}-branch-removed",
                f"an alternative under '{key}' was removed",
                o,
                n,
                inner,
                back_ok=False,
                fwd_ok=True,
                old_at=o.where(key, i),
                new_at="",
                extra_back=[]
                if ctx.proof_only
                else self.o_gen.samples({"allOf": [rest_old, branch]} if rest_old else branch, 8),
            )
        for j in added:
            branch = n.kw[key][j]
            self.emit_local(
                f"{key}-branch-added",
                f"an alternative under '{key}' was added",
                o,
                n,
                inner,
                back_ok=True,
                fwd_ok=False,
                old_at="",
                new_at=n.where(key, j),
                extra_fwd=[]
                if ctx.proof_only
                else self.n_gen.samples({"allOf": [rest_new, branch]} if rest_new else branch, 8),
            )

    def _any_one_switch(self, o: Node, n: Node, ctx: Ctx, *, report: bool) -> bool:
        """``anyOf`` swapped for ``oneOf`` (or back) over the same branches; True when handled here.

        oneOf accepts a subset of what anyOf accepts over the same branches (exactly one match
        implies at least one), and the same set when the branches are pairwise disjoint.
        """
        if "anyOf" in o.kw and "oneOf" not in o.kw and "oneOf" in n.kw and "anyOf" not in n.kw:
            to_one = True
        elif "oneOf" in o.kw and "anyOf" not in o.kw and "anyOf" in n.kw and "oneOf" not in n.kw:
            to_one = False
        else:
            return False
        o_key, n_key = ("anyOf", "oneOf") if to_one else ("oneOf", "anyOf")
        if not self._same_branches(o.kw[o_key], n.kw[n_key]):
            return False
        one_node, one_norm = (n, self.n_norm) if to_one else (o, self.o_norm)
        disjoint = self._disjoint(one_node, one_norm, "oneOf")
        if disjoint or not report:
            return True  # disjoint: the same instances either way; else reported once, under anyOf
        branches = one_node.kw["oneOf"]
        gen = self.o_gen if to_one else self.n_gen
        overlaps: list[Any] = []
        if not ctx.proof_only:
            for i, first in enumerate(branches[:6]):
                for second in branches[i + 1 : 6]:
                    overlaps += gen.samples({"allOf": [first, second]}, 3)
        self.emit_local(
            "anyOf-to-oneOf" if to_one else "oneOf-to-anyOf",
            f"'{o_key}' became '{n_key}' over the same branches (an instance matching two branches changes)",
            o,
            n,
            ctx,
            back_ok=not to_one,
            fwd_ok=to_one,
            old_at=o.where(o_key),
            new_at=n.where(n_key),
            extra_back=overlaps,
            extra_fwd=overlaps,
        )
        return True

    def _same_branches(self, before: list[Any], after: list[Any]) -> bool:
        """The two lists hold equivalent subschemas, one for one (in any order)."""
        if len(before) != len(after):
            return False
        unused = list(range(len(after)))
        for item in before:
            match = next((j for j in unused if equivalent(self.o_norm, item, self.n_norm, after[j])), None)
            if match is None:
                return False
            unused.remove(match)
        return True

    def _not(self, o: Node, n: Node, ctx: Ctx) -> None:
        if "not" not in o.kw and "not" not in n.kw:
            return
        self.walk(
            self.child(o, "old", "not", default=False), self.child(n, "new", "not", default=False), ctx.flip()
        )

    def _conditional(self, o: Node, n: Node, ctx: Ctx) -> None:
        o_if, n_if = o.kw.get("if"), n.kw.get("if")
        if o_if is None and n_if is None:
            return
        same_if = o_if is not None and n_if is not None and equivalent(self.o_norm, o_if, self.n_norm, n_if)
        if o_if is None or n_if is None:
            self._one_sided_conditional(o, n, ctx)
            return
        if not same_if:
            conditions: list[Any] = list(PALETTE)
            if not ctx.proof_only:
                for gen, condition in (
                    (self.o_gen, o_if),
                    (self.n_gen, n_if),
                    (self.o_gen, n_if),
                    (self.n_gen, o_if),
                ):
                    if condition is not None:
                        conditions += gen.samples(condition, 6)
            self.emit_local(
                "if-changed",
                "the 'if' condition changed, so other instances take 'then' or 'else'",
                o,
                n,
                ctx.opaque(),
                back_ok=False,
                fwd_ok=False,
                extra_back=conditions,
                extra_fwd=conditions,
                old_at=o.where("if") if o_if is not None else "",
                new_at=n.where("if") if n_if is not None else "",
                note="a change inside 'if' is not decided",
            )
            return
        for branch, guard in (("then", o_if), ("else", {"not": o_if})):
            before = self.o_norm.conjunction(
                [
                    Part(raw=o.kw.get(branch, True), base=o.where(branch)),
                    Part(raw=guard, base=o.where("if")),
                ]
            )
            after = self.n_norm.conjunction(
                [
                    Part(raw=n.kw.get(branch, True), base=n.where(branch)),
                    Part(raw=guard, base=n.where("if")),
                ]
            )
            self.walk(before, after, replace(ctx, depth=ctx.depth + 1))

    def _one_sided_conditional(self, o: Node, n: Node, ctx: Ctx) -> None:
        """An ``if`` on one side only: that side is the other side *and* a condition, so it only narrows.

        What the condition evaluates matters only to ``unevaluated*``, and :meth:`_unevaluated`
        sees the added or removed ``if`` as a scope change.
        """
        added = o.kw.get("if") is None
        side, node = ("new", n) if added else ("old", o)
        if "then" not in node.kw and "else" not in node.kw:
            return  # an 'if' alone asserts nothing
        gen = self.n_gen if added else self.o_gen
        conditions: list[Any] = list(PALETTE)
        if not ctx.proof_only:
            other = self.o_gen if added else self.n_gen
            conditions += other.samples({"allOf": [(o if added else n).raw, node.kw["if"]]}, 6)
            conditions += other.samples({"allOf": [(o if added else n).raw, {"not": node.kw["if"]}]}, 6)
            conditions += gen.samples(node.kw["if"], 6)
        self.emit_local(
            "conditional-added" if added else "conditional-removed",
            f"'if'/'then'/'else' {'added' if added else 'removed'}: the {side} side adds a condition",
            o,
            n,
            ctx,
            back_ok=not added,
            fwd_ok=added,
            old_at="" if added else o.where("if"),
            new_at=n.where("if") if added else "",
            extra_back=conditions,
            extra_fwd=conditions,
        )

    def _unknown_keywords(self, o: Node, n: Node, ctx: Ctx) -> None:
        for key in sorted(set(o.kw) | set(n.kw)):
            if key in _HANDLED or key in ANNOTATIONS or key not in _ASSERTING:
                continue  # not a 2020-12 assertion (x-*, markdownDescription): an annotation, never unknown
            if canonical(o.kw.get(key)) == canonical(n.kw.get(key)):
                continue
            self.emit_local(
                "keyword-without-rule",
                f"keyword '{key}' changed and no rule decides it",
                o,
                n,
                ctx.opaque(),
                back_ok=False,
                fwd_ok=False,
                old_at=o.where(key) if key in o.kw else "",
                new_at=n.where(key) if key in n.kw else "",
                extra_back=PALETTE,
                extra_fwd=PALETTE,
                note=f"no rule for '{key}': verdict unknown unless a counterexample is found",
            )


def _anchored(loose: str, tight: str) -> bool:
    """``tight`` is ``loose`` with ``^`` and/or ``$`` added, so every string it matches ``loose`` matches.

    An anchor only restricts where the match may sit; a match of ``^P`` is a match of ``P``.
    """
    if not loose or loose.endswith("\\") or loose[0] in "*+?{":
        return False
    return tight in {"^" + loose, loose + "$", "^" + loose + "$"}


def _string_variants(samples: list[str]) -> list[str]:
    """Samples, then padded, repeated and shortened forms (unanchored patterns, length limits)."""
    variants = [
        variant
        for sample in samples[:_VARIANT_LIMIT]
        for variant in ("x" + sample, sample + "x", "A" + sample, sample * 10, sample[:-1])
    ]
    return list(dict.fromkeys([*samples, *variants]))


def _with_fewer_keys(candidates: list[Any]) -> list[Any]:
    """The candidates, then each object candidate with one of its keys dropped (finds missing-key breaks)."""
    variants = [
        {key: value for key, value in candidate.items() if key != dropped}
        for candidate in candidates
        if isinstance(candidate, dict) and len(candidate) <= _DROP_LIMIT
        for dropped in sorted(candidate)
    ]
    return [*candidates, *variants]


def _complex(node: Node, key: str) -> bool:
    """``unevaluated*`` whose scope depends on in-place applicators (not on this node alone)."""
    sibling = "additionalProperties" if key == "unevaluatedProperties" else "items"
    return key in node.kw and sibling not in node.kw and any(name in node.kw for name in _IN_PLACE)


def _other_key(node: Node) -> str | None:
    """Which keyword governs names no ``properties``/``patternProperties`` entry declares."""
    for key in ("additionalProperties", "unevaluatedProperties"):
        if key in node.kw:
            return key
    return None


def _rest_items(node: Node) -> tuple[Any, bool]:
    """The schema for items past ``prefixItems``, and whether that is only known approximately."""
    if "items" in node.kw:
        return node.kw["items"], False
    if "unevaluatedItems" in node.kw:
        return node.kw["unevaluatedItems"], any(key in node.kw for key in (*_IN_PLACE, "$ref"))
    return True, False


def _disjoint_pair(first: Any, second: Any) -> bool:
    if first is False or second is False:
        return True
    if not isinstance(first, dict) or not isinstance(second, dict):
        return False
    t1, t2 = first.get("type"), second.get("type")
    if t1 is not None and t2 is not None:
        left, right = set(t1), set(t2)
        if not any(
            type_covers(frozenset(right), kind) or type_covers(frozenset(left), other)
            for kind in left
            for other in right
            if kind == other or {kind, other} <= {"integer", "number"}
        ):
            return True
    e1, e2 = first.get("enum"), second.get("enum")
    if e1 is not None and e2 is not None and not ({canonical(v) for v in e1} & {canonical(v) for v in e2}):
        return True
    required = set(first.get("required", [])) & set(second.get("required", []))
    for name in required:
        p1 = first.get("properties", {}).get(name)
        p2 = second.get("properties", {}).get(name)
        if (
            isinstance(p1, dict)
            and isinstance(p2, dict)
            and "enum" in p1
            and "enum" in p2
            and not ({canonical(v) for v in p1["enum"]} & {canonical(v) for v in p2["enum"]})
        ):
            return True
    return False


def _dict(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else ({} if raw is True else {"not": {}})


def _hybrid(base: Node, donor: Node, keys: tuple[str, ...]) -> Any:
    """``base`` with the keyword group ``keys`` taken from ``donor`` (isolates one change)."""
    result = {key: value for key, value in _dict(base.raw).items() if key not in keys}
    result.update({key: value for key, value in _dict(donor.raw).items() if key in keys})
    return result


def _search(pattern: str, text: str) -> bool:
    try:
        return bool(compile_ecma(pattern).search(text))
    except ContractError:
        return False


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "[" + ", ".join(sorted(types)) + "]"


def _ref_label(node: Node) -> str:
    return node.via[-1] if node.via else "(inline)"


Bound = tuple[Any, bool]


def _bound(kw: dict[str, Any], names: tuple[str, str], *, lower: bool) -> Bound | None:
    inclusive, exclusive = names
    found: list[Bound] = []
    if inclusive in kw:
        found.append((kw[inclusive], False))
    if exclusive in kw:
        found.append((kw[exclusive], True))
    if not found:
        return None
    best = found[0]
    for item in found[1:]:
        if _weaker(best, item, lower=lower):
            best = item
    return best


def _weaker(first: Bound, second: Bound, *, lower: bool) -> bool:
    """True when bound ``first`` admits at least what ``second`` admits."""
    a, b = to_fraction(first[0]), to_fraction(second[0])
    if a == b:
        return not first[1] or second[1]
    return a < b if lower else a > b


def _bound_text(bound: Bound | None) -> str:
    if bound is None:
        return "none"
    value = bound[0]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return f"{value} ({'exclusive' if bound[1] else 'inclusive'})"


def _first_where(node: Node, names: tuple[str, str]) -> str:
    for name in names:
        if name in node.kw:
            return node.where(name)
    return ""
