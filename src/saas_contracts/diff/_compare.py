"""Walk two schemas side by side and record every difference with a local verdict.

This module is the driver: the walker's state (budget, pair memo, witnesses),
the shortcuts before the keyword walk, and how a difference is recorded. The
keyword rules live in :mod:`saas_contracts.diff._rules`, one table the driver
dispatches over, one module per keyword family.

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

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from saas_contracts._mask import pointer as safe_pointer
from saas_contracts.diff._budget import BUDGET_NOTE, BudgetSpentError
from saas_contracts.diff._dialects import ASSERTING, DRAFT202012
from saas_contracts.diff._generate import PALETTE, Generator, KeyOf, Step
from saas_contracts.diff._model import Reach
from saas_contracts.diff._normalize import (
    ANNOTATIONS,
    REPORTED_ANNOTATIONS,
    Node,
    Normalizer,
    canonical,
    equivalent,
)
from saas_contracts.diff._proofs import Pair, Proofs
from saas_contracts.diff._rules import HANDLED, RULES
from saas_contracts.diff._rules._common import WITNESSES, as_dict

if TYPE_CHECKING:
    from saas_contracts.diff._budget import Budget
    from saas_contracts.diff._model import Policy

MAX_DEPTH = 48
"""How deep the walk nests (instance steps, ``not``, conditional branches) before it stops."""
MAX_PLACES = 32
"""Places (``reached_from``) kept per change: a definition reached along two paths per level of a
recursive chain has exponentially many, and carrying each up made 10 levels take seconds."""
_DROP_LIMIT = 8
_HANDLED = HANDLED
"""The keywords some rule of :data:`~saas_contracts.diff._rules.RULES` decides."""
_ASSERTING = ASSERTING[DRAFT202012]


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
    reached_at: list[Reach] = field(default_factory=list)
    """Other places (schema and instance path) whose walk reached the same pair of definitions."""


@dataclass(frozen=True, kw_only=True)
class Ctx:
    """Where the walk is: instance path, polarity, refs already entered."""

    steps: tuple[Step, ...] = ()
    polarity: int = 1
    """1 positive, -1 under ``not``, 0 opaque."""
    via: tuple[str, ...] = ()
    ref_pairs: frozenset[Pair] = frozenset()
    depth: int = 0
    proof_only: bool = False
    """Only decide proofs; skip witness generation (used for nested decisions)."""
    turns: int = 0
    """Times the walk went under ``not``, an opaque applicator or a decision used the other way round:
    a proof assumed while it is being made is only taken up where this did not change (see
    :meth:`Walker.decide`)."""

    def step(self, item: Step) -> Ctx:
        """One level deeper in the instance."""
        return replace(self, steps=(*self.steps, item), depth=self.depth + 1)

    def flip(self) -> Ctx:
        """Under ``not``."""
        return replace(self, polarity=-self.polarity, depth=self.depth + 1, turns=self.turns + 1)

    def opaque(self) -> Ctx:
        """Under an applicator that is neither monotone nor antitone."""
        return replace(self, polarity=0, depth=self.depth + 1, turns=self.turns + 1)

    def turned(self) -> Ctx:
        """For a decision whose verdicts the caller reads other than as they are (swapped, say)."""
        return replace(self, turns=self.turns + 1)


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
        self.shared: dict[tuple[Pair, int, bool], list[tuple[Pending, tuple[Step, ...]]]] = {}
        """Differences found under each pair of nodes, per polarity and mode (walked once), each with its
        instance steps below the pair (those found below it under a pair walked before too)."""
        self.met: list[tuple[Pending, tuple[Step, ...]]] = []
        """Differences this walk met again under pairs walked before, with their instance steps here."""
        self.place: tuple[str, str] = ("", "")
        """The schema being compared: its file and its pointer there (empty for the root)."""
        self.reaches: list[tuple[Pending, Reach]] = []
        """Each time a walk reached differences already found (maybe under an earlier schema)."""
        self.ref_switches: list[tuple[str, str, str]] = []
        self.witness_cache: dict[tuple[str, ...], tuple[list[Any], list[Any], list[Any]]] = {}
        self.seeds: list[Any] = []
        """Extra candidates for findings under a guard (whole-object samples that meet it)."""
        self.proofs = Proofs(max_depth=MAX_DEPTH)
        """Decisions made and under way (shared by the walkers of one run, see :meth:`decide`)."""

    # -- entry points ---------------------------------------------------------------------------

    def compare(self, old_raw: Any, old_base: str, new_raw: Any, new_base: str) -> list[Pending]:
        """Walk a pair of (sub)schemas from the top; return the differences."""
        self.found = []
        try:
            self.walk(self.o_norm.node(old_raw, old_base), self.n_norm.node(new_raw, new_base), Ctx())
        except BudgetSpentError:
            self.found.append(budget_pending(old_base, new_base))
        return self.found

    def walk(self, o: Node, n: Node, ctx: Ctx) -> None:
        """Compare two normalized nodes."""
        if self.budget is not None:
            self.budget.charge()
        if o.via or n.via:
            ctx = replace(ctx, via=tuple(dict.fromkeys([*ctx.via, *o.via, *n.via])))
        if bool(o.refs) != bool(n.refs) or (o.refs and n.refs and o.via[-1:] != n.via[-1:]):
            self.ref_switches.append((instance_pointer(ctx.steps), _ref_label(o), _ref_label(n)))
        self._annotations(o, n, ctx)
        if equivalent(self.o_norm, o.raw, self.n_norm, n.raw) and (
            ctx.proof_only or self.o_norm.text(o.raw) == self.n_norm.text(n.raw)
        ):
            return  # same instances; when only the spelling differs, walk on for codegen and annotations
        pair = self._pair(o, n, ctx)
        if pair in ctx.ref_pairs and (
            all(isinstance(side, str) for side in pair) or self.proofs.ref_guarded(pair, steps=len(ctx.steps))
        ):
            # Coinductive: the same pair is already being compared above. A node written inline (no
            # $ref on a side) is only assumed below an instance step: ``{"allOf": [{"$ref": "#"}]}``
            # merges the root into itself, and assuming it there would call that undefined schema equal.
            self.proofs.ref_assumed(pair)
            return
        self.proofs.ref_checked(pair)
        ctx = replace(ctx, ref_pairs=ctx.ref_pairs | {pair})
        shared = (pair, ctx.polarity, ctx.proof_only)
        known = self.shared.get(shared)
        if known is not None:
            # The same two definitions were already walked in this context from another path: their
            # differences are reported once (at the first path); a proof walk reuses the verdicts.
            if ctx.proof_only:
                self.found.extend(pending for pending, _ in known)
                return
            self._reached_again(known, ctx)
            return
        self._walk_once(o, n, ctx, pair)

    def _reached_again(self, known: list[tuple[Pending, tuple[Step, ...]]], ctx: Ctx) -> None:
        """Add this path as a place of each difference found under a pair walked before (up to a bound)."""
        file, schema = self.place
        for pending, below in known:
            if len(pending.reached_at) >= MAX_PLACES:
                continue
            steps = (*ctx.steps, *below)
            reach = Reach(file=file, schema=schema, instance=instance_pointer(steps))
            if reach not in pending.reached_at:
                pending.reached_at.append(reach)
                self.reaches.append((pending, reach))
                self.met.append((pending, steps))

    def _walk_once(self, o: Node, n: Node, ctx: Ctx, pair: Pair) -> None:
        """Walk a pair not walked before in this context, and keep what it found for other paths.

        A proof walk's findings are kept only when they rest on no assumption still open above it
        (a pair under decision, or a pair of nodes under comparison, further up): under one they
        hold only where that assumption does, and a decision reached from elsewhere would take up
        too few findings (a break below the assumed pair would be lost on that path).
        """
        start, met = len(self.found), len(self.met)
        scope = self.proofs.ref_entered(pair, depth=ctx.depth, steps=len(ctx.steps))
        clean = False
        try:
            self._walk_keywords(o, n, ctx)
        finally:
            clean = self.proofs.ref_left(pair, scope)
        if ctx.proof_only and not clean:
            return
        here = len(ctx.steps)
        self.shared[pair, ctx.polarity, ctx.proof_only] = [
            *((pending, pending.steps[here:]) for pending in self.found[start:]),
            *((pending, steps[here:]) for pending, steps in self.met[met:]),
        ]

    def _pair(self, o: Node, n: Node, ctx: Ctx) -> Pair:
        """What the walk compares once per polarity and mode, and assumes equal below itself.

        A definition is known by the ``$ref`` it was reached through; a node written inline by its
        text and, where findings are reported, its location. Recursion is not always through a
        ``$ref`` on both sides: the normalizer merges ``anyOf: [{$ref: "#"}, {$ref: stringArray}]``
        (type-disjoint branches) into one inline node, so draft-04's meta-schema meets an inline
        copy of its root under ``dependencies`` again and again, and would be walked down each path.
        """
        return (self._side(o, self.o_norm, ctx), self._side(n, self.n_norm, ctx))

    @staticmethod
    def _side(node: Node, norm: Normalizer, ctx: Ctx) -> str | tuple[str, str]:
        if node.refs:
            return node.refs[-1]
        return ("", norm.text(node.raw)) if ctx.proof_only else (node.base, norm.text(node.raw))

    def _walk_keywords(self, o: Node, n: Node, ctx: Ctx) -> None:
        """Compare two nodes rule by rule (:data:`~saas_contracts.diff._rules.RULES`), then the rest."""
        self.proofs.reached(ctx.depth, limited=ctx.depth > MAX_DEPTH)
        if ctx.depth > MAX_DEPTH:
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
        for rule in RULES:
            rule.compare(self, o, n, ctx)
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
        # A proof walk keeps only the verdicts: no witnesses, so no memo texts to build.
        memo = () if ctx.proof_only else self._witness_memo(kind, o, n, (back_ok, fwd_ok, opaque))
        if memo and memo in self.witness_cache:
            back_w, fwd_w, controls = self.witness_cache[memo]
        elif memo and not (back_ok and fwd_ok and not opaque):
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
                back_witnesses=back_w[:WITNESSES],
                fwd_witnesses=fwd_w[:WITNESSES],
                controls=controls[:4],
                via=ctx.via,
                note=note,
            ),
        )

    def _witness_memo(
        self, kind: str, o: Node, n: Node, verdicts: tuple[bool, bool, bool]
    ) -> tuple[str, ...]:
        """The witness cache key of one finding: its kind, both local schemas, verdicts and seeds."""
        return (
            kind,
            self.o_norm.text(o.raw),
            self.n_norm.text(n.raw),
            *map(str, verdicts),
            self.o_norm.text(self.seeds),
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
            back, fwd, both = self._split(
                o, n, _with_fewer_keys(back_candidates), _with_fewer_keys(fwd_candidates)
            )
            if hybrid_keys:
                back, fwd = self._own(o, n, hybrid_keys, back, fwd)
        except BudgetSpentError:
            return [], [], []
        return back, fwd, both

    def _own(
        self, o: Node, n: Node, keys: tuple[str, ...], back: list[Any], fwd: list[Any]
    ) -> tuple[list[Any], list[Any]]:
        """The witnesses of the change to the keyword group ``keys`` alone, the clearest first.

        Two changes at one place (``format`` and ``maxLength`` of one string) must not carry each
        other's witness: a backward witness must be rejected by the old schema with only ``keys``
        taken from the new one (forward: the reverse). Those the other side accepts once ``keys``
        are put back (rejected for this change and nothing else) come first.
        """
        old_with_new, new_with_old = _hybrid(o, n, keys), _hybrid(n, o, keys)
        back = [item for item in back if not self.o_gen.is_valid(old_with_new, item)]
        fwd = [item for item in fwd if not self.n_gen.is_valid(new_with_old, item)]
        back.sort(key=lambda item: not self.n_gen.is_valid(new_with_old, item))
        fwd.sort(key=lambda item: not self.o_gen.is_valid(old_with_new, item))
        return back, fwd

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
        """Walk a pair only to prove: (differs, backward proven, forward proven), locally.

        Each pair is decided once per run where deciding it again would walk the same way, and a
        pair met again below itself is assumed to hold (see :mod:`saas_contracts.diff._proofs`).
        """
        key = (
            self.o_norm.text(o.raw),
            self.n_norm.text(n.raw),
            o.refs[-1] if o.refs else "",
            n.refs[-1] if n.refs else "",
        )
        proofs = self.proofs
        if proofs.assumed(key, steps=len(ctx.steps), turns=ctx.turns):
            return (False, True, True)
        known = proofs.known(key, depth=ctx.depth, ref_pairs=ctx.ref_pairs)
        if known is not None:
            return known
        token = proofs.open(key, steps=len(ctx.steps), turns=ctx.turns, depth=ctx.depth)
        verdict: tuple[bool, bool, bool] | None = None
        try:
            verdict = self._decide(o, n, ctx)
        finally:
            proofs.close(token, verdict)
        return verdict

    def _decide(self, o: Node, n: Node, ctx: Ctx) -> tuple[bool, bool, bool]:
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
        """One finding for a whole subschema that was added, removed or swapped.

        The decision is one level deeper: an added ``allOf: [{$ref: "#"}]`` decides its branch, the
        root again, with no instance step between, so only the depth limit ends that chain.
        """
        differs, back_ok, fwd_ok = self.decide(o, n, replace(ctx, depth=ctx.depth + 1))
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


def _with_fewer_keys(candidates: list[Any]) -> list[Any]:
    """The candidates, then each object candidate with one of its keys dropped (finds missing-key breaks)."""
    variants = [
        {key: value for key, value in candidate.items() if key != dropped}
        for candidate in candidates
        if isinstance(candidate, dict) and len(candidate) <= _DROP_LIMIT
        for dropped in sorted(candidate)
    ]
    return [*candidates, *variants]


def _hybrid(base: Node, donor: Node, keys: tuple[str, ...]) -> Any:
    """``base`` with the keyword group ``keys`` taken from ``donor`` (isolates one change)."""
    result = {key: value for key, value in as_dict(base.raw).items() if key not in keys}
    result.update({key: value for key, value in as_dict(donor.raw).items() if key in keys})
    return result


def _ref_label(node: Node) -> str:
    return node.via[-1] if node.via else "(inline)"
