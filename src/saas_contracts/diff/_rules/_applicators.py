"""Rules for the applicators that combine subschemas in place, and the ``unevaluated*`` they scope.

``allOf``, ``anyOf``, ``oneOf``, ``not``, ``if``/``then``/``else``; and
``unevaluatedProperties``/``unevaluatedItems``, whose scope they set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from saas_contracts._jsontype import type_covers
from saas_contracts.diff._generate import PALETTE, AnyItem, AnyKey
from saas_contracts.diff._normalize import Part, canonical, equivalent
from saas_contracts.diff._rules._common import IN_PLACE, as_dict, unevaluated_in_place

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._generate import Generator, Step
    from saas_contracts.diff._normalize import Node, Normalizer

__all__ = [
    "compare_all_of",
    "compare_any_of",
    "compare_conditional",
    "compare_not",
    "compare_one_of",
    "compare_unevaluated",
]


def compare_unevaluated(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    for key in ("unevaluatedProperties", "unevaluatedItems"):
        if key not in o.kw and key not in n.kw:
            continue
        if not (unevaluated_in_place(o, key) or unevaluated_in_place(n, key)):
            continue  # the properties/items walk covers it (it falls back to unevaluated*)
        if not (unevaluated_in_place(o, key) and unevaluated_in_place(n, key)) or _scope(
            o, w.o_norm, key
        ) != _scope(n, w.n_norm, key):
            w.emit_local(
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
        w.walk(
            w.child(o, "old", key),
            w.child(n, "new", key),
            inner if key == "unevaluatedProperties" else inner.opaque(),
        )


def _scope(node: Node, norm: Normalizer, key: str) -> str:  # noqa: C901 - walks every applicator
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
        for applicator in IN_PLACE:
            value = expanded.get(applicator)
            if isinstance(value, list):
                for index, item in enumerate(value):
                    collect(item, f"{label}/{applicator}/{index}", depth + 1)
            elif isinstance(value, dict) and applicator == "dependentSchemas":
                for name, item in sorted(value.items()):
                    collect(item, f"{label}/{applicator}/{name}", depth + 1)
            elif isinstance(value, dict):
                collect(value, f"{label}/{applicator}", depth + 1)

    for applicator in IN_PLACE:
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


def _match(w: Walker, o: Node, n: Node, key: str) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    before: list[Any] = o.kw.get(key, [])
    after: list[Any] = n.kw.get(key, [])
    old_keys = [canonical(w.o_norm.expand(item)) for item in before]
    new_keys = [canonical(w.n_norm.expand(item)) for item in after]
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
        scored = [(_similarity(w, before[index], after[j]), j) for j in right]
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


def _similarity(w: Walker, before: Any, after: Any) -> int:
    old = w.o_norm.expand(before)
    new = w.n_norm.expand(after)
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


def compare_all_of(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    if "allOf" not in o.kw and "allOf" not in n.kw:
        return
    modified, removed, added = _match(w, o, n, "allOf")
    for i, j in modified:
        w.walk(w.child(o, "old", "allOf", i), w.child(n, "new", "allOf", j), ctx)
    for i in removed:
        w.replaced(
            "allOf-branch-removed",
            "an allOf branch was removed",
            w.child(o, "old", "allOf", i),
            w.n_norm.node(raw=True, base=""),
            ctx,
        )
    for j in added:
        w.replaced(
            "allOf-branch-added",
            "an allOf branch was added",
            w.o_norm.node(raw=True, base=""),
            w.child(n, "new", "allOf", j),
            ctx,
        )


def _disjoint(node: Node, norm: Normalizer, key: str) -> bool:
    branches = [norm.expand(item) for item in node.kw.get(key, [])]
    for index, first in enumerate(branches):
        for second in branches[index + 1 :]:
            if not _disjoint_pair(first, second):
                return False
    return True


def _any_of(w: Walker, o: Node, n: Node, ctx: Ctx, key: str) -> None:
    if key not in o.kw and key not in n.kw:
        return
    if _any_one_switch(w, o, n, ctx, report=key == "anyOf"):
        return
    inner = ctx
    if key == "oneOf" and not (_disjoint(o, w.o_norm, key) and _disjoint(n, w.n_norm, key)):
        inner = ctx.opaque()
    if key not in o.kw or key not in n.kw:
        # A whole keyword added (removed) only narrows (widens), overlapping branches or not; an added
        # anyOf narrows nothing when every old instance meets one of its branches.
        present = o if key in o.kw else n
        w.emit_local(
            f"{key}-{'added' if present is n else 'removed'}",
            f"'{key}' {'added' if present is n else 'removed'}",
            o,
            n,
            ctx,
            back_ok=present is o or (key == "anyOf" and _old_within_a_branch(w, o, n, ctx)),
            fwd_ok=present is n,
            old_at=o.where(key) if key in o.kw else "",
            new_at=n.where(key) if key in n.kw else "",
            extra_back=PALETTE,
            extra_fwd=PALETTE,
            hybrid_keys=(key,),
        )
        return
    modified, removed, added = _match(w, o, n, key)
    rest_old = {k: v for k, v in as_dict(o.raw).items() if k != key}
    rest_new = {k: v for k, v in as_dict(n.raw).items() if k != key}
    for i, j in modified:
        w.walk(w.child(o, "old", key, i), w.child(n, "new", key, j), inner)
    for i in removed:
        branch = o.kw[key][i]
        w.emit_local(
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
            else w.o_gen.samples({"allOf": [rest_old, branch]} if rest_old else branch, 8),
        )
    for j in added:
        branch = n.kw[key][j]
        w.emit_local(
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
            else w.n_gen.samples({"allOf": [rest_new, branch]} if rest_new else branch, 8),
        )


def _old_within_a_branch(w: Walker, o: Node, n: Node, ctx: Ctx) -> bool:
    """Whether the whole old node is proven within one branch of the new node's added ``anyOf``.

    The usual widening by alternatives (``{"$ref": "#/$defs/key"}`` becoming ``{"anyOf":
    [{"$ref": "#/$defs/label"}, {"$ref": "#/$defs/key"}]}``): every old instance meets that
    branch, so the added keyword rejects none of them (the siblings' changes are judged apart).
    """
    inner = replace(ctx, depth=ctx.depth + 1)
    branches = n.kw["anyOf"]
    return any(w.decide(o, w.child(n, "new", "anyOf", j), inner)[1] for j in range(len(branches)))


def _any_one_switch(w: Walker, o: Node, n: Node, ctx: Ctx, *, report: bool) -> bool:
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
    if not _same_branches(w, o.kw[o_key], n.kw[n_key]):
        return False
    one_node, one_norm = (n, w.n_norm) if to_one else (o, w.o_norm)
    disjoint = _disjoint(one_node, one_norm, "oneOf")
    if disjoint or not report:
        return True  # disjoint: the same instances either way; else reported once, under anyOf
    branches = one_node.kw["oneOf"]
    gen = w.o_gen if to_one else w.n_gen
    overlaps: list[Any] = []
    if not ctx.proof_only:
        for i, first in enumerate(branches[:6]):
            for second in branches[i + 1 : 6]:
                overlaps += gen.samples({"allOf": [first, second]}, 3)
    w.emit_local(
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


def _same_branches(w: Walker, before: list[Any], after: list[Any]) -> bool:
    """The two lists hold equivalent subschemas, one for one (in any order)."""
    if len(before) != len(after):
        return False
    unused = list(range(len(after)))
    for item in before:
        match = next((j for j in unused if equivalent(w.o_norm, item, w.n_norm, after[j])), None)
        if match is None:
            return False
        unused.remove(match)
    return True


def compare_not(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    if "not" not in o.kw and "not" not in n.kw:
        return
    w.walk(w.child(o, "old", "not", default=False), w.child(n, "new", "not", default=False), ctx.flip())


def compare_conditional(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    o_if, n_if = o.kw.get("if"), n.kw.get("if")
    if o_if is None and n_if is None:
        return
    same_if = o_if is not None and n_if is not None and equivalent(w.o_norm, o_if, w.n_norm, n_if)
    if o_if is None or n_if is None:
        _one_sided_conditional(w, o, n, ctx)
        return
    if not same_if and _negated_conditional(w, o, n, ctx):
        return
    if not same_if and _one_branch_conditional(w, o, n, ctx):
        return
    if not same_if:
        conditions: list[Any] = list(PALETTE)
        if not ctx.proof_only:
            for gen, condition in (
                (w.o_gen, o_if),
                (w.n_gen, n_if),
                (w.o_gen, n_if),
                (w.n_gen, o_if),
            ):
                if condition is not None:
                    conditions += gen.samples(condition, 6)
        w.emit_local(
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
        _walk_guarded(w, (o, branch, guard), (n, branch, guard), ctx)


def _negated_conditional(w: Walker, o: Node, n: Node, ctx: Ctx) -> bool:
    """``if: {not: A}, then: T, else: E`` against ``if: A, then: E', else: T'``: compare T with T', E with E'.

    Both pick the same branch for every instance; True when handled here.
    """
    o_if, n_if = o.kw["if"], n.kw["if"]
    if not (
        equivalent(w.o_norm, o_if, w.n_norm, {"not": n_if})
        or equivalent(w.o_norm, {"not": o_if}, w.n_norm, n_if)
    ):
        return False
    # Each side's own guard (its refs resolve in its own document): old ``if`` is new ``not if``.
    for o_branch, o_guard, n_branch, n_guard in (
        ("then", o_if, "else", _negation(n_if)),
        ("else", _negation(o_if), "then", n_if),
    ):
        _walk_guarded(w, (o, o_branch, o_guard), (n, n_branch, n_guard), ctx)
    return True


def _walk_guarded(w: Walker, old: tuple[Node, str, Any], new: tuple[Node, str, Any], ctx: Ctx) -> None:
    """Walk one conditional branch of each side, each conjoined with the guard that selects it."""
    (o, o_branch, o_guard), (n, n_branch, n_guard) = old, new
    before = w.o_norm.conjunction(
        [Part(raw=o.kw.get(o_branch, True), base=o.where(o_branch)), Part(raw=o_guard, base=o.where("if"))]
    )
    after = w.n_norm.conjunction(
        [Part(raw=n.kw.get(n_branch, True), base=n.where(n_branch)), Part(raw=n_guard, base=n.where("if"))]
    )
    w.walk(before, after, replace(ctx, depth=ctx.depth + 1))


def _negation(raw: Any) -> Any:
    """A schema for the instances ``raw`` rejects: ``X`` for ``{not: X}``, else ``{not: raw}``."""
    if isinstance(raw, dict) and set(raw) == {"not"}:
        return raw["not"]
    return {"not": raw}


def _one_branch_conditional(w: Walker, o: Node, n: Node, ctx: Ctx) -> bool:
    """A changed ``if`` before the same lone ``then`` (or lone ``else``): monotone in the condition.

    ``if: A, then: T`` accepts what is not A or is T, so a smaller A accepts
    more; ``if: A, else: E`` accepts what is A or is E, so a larger A accepts
    more. True when handled here.
    """
    present = [key for key in ("then", "else") if key in o.kw or key in n.kw]
    if len(present) != 1:
        return False
    branch = present[0]
    if not (branch in o.kw and branch in n.kw and equivalent(w.o_norm, o.kw[branch], w.n_norm, n.kw[branch])):
        return False
    old_if = w.o_norm.node(o.kw["if"], o.where("if"))
    new_if = w.n_norm.node(n.kw["if"], n.where("if"))
    _, wider, narrower = w.decide(old_if, new_if, replace(ctx, depth=ctx.depth + 1).turned())
    back_ok, fwd_ok = (narrower, wider) if branch == "then" else (wider, narrower)
    conditions: list[Any] = list(PALETTE)
    if not ctx.proof_only:
        for gen, node in ((w.o_gen, old_if), (w.n_gen, new_if)):
            conditions += _value_variants(gen, node, gen.samples(node.raw, 6))
    w.emit_local(
        "if-narrowed" if narrower and not wider else "if-widened" if wider and not narrower else "if-changed",
        f"the 'if' condition before a lone '{branch}' changed, so other instances must meet '{branch}'",
        o,
        n,
        ctx,
        back_ok=back_ok,
        fwd_ok=fwd_ok,
        extra_back=conditions,
        extra_fwd=conditions,
        old_at=o.where("if"),
        new_at=n.where("if"),
    )
    return True


def _value_variants(gen: Generator, node: Node, samples: list[Any]) -> list[Any]:
    """``samples``, then each object sample with one declared property's value swapped for another valid one.

    A condition such as ``kind in [card, wallet]`` is told from ``kind in
    [card]`` only by an instance with the other value, which the first sample
    of an object seldom has.
    """
    out = list(samples)
    properties = node.kw.get("properties", {})
    for sample in samples[:3]:
        if not isinstance(sample, dict):
            continue
        for name in sorted(set(sample) & set(properties))[:4]:
            out.extend({**sample, name: value} for value in gen.samples(properties[name], 6))
    return out


def _one_sided_conditional(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """An ``if`` on one side only: that side is the other side *and* a condition, so it only narrows.

    What the condition evaluates matters only to ``unevaluated*``, and :meth:`_unevaluated`
    sees the added or removed ``if`` as a scope change.
    """
    added = o.kw.get("if") is None
    side, node = ("new", n) if added else ("old", o)
    if "then" not in node.kw and "else" not in node.kw:
        return  # an 'if' alone asserts nothing
    gen = w.n_gen if added else w.o_gen
    conditions: list[Any] = list(PALETTE)
    if not ctx.proof_only:
        other = w.o_gen if added else w.n_gen
        conditions += other.samples({"allOf": [(o if added else n).raw, node.kw["if"]]}, 6)
        conditions += other.samples({"allOf": [(o if added else n).raw, {"not": node.kw["if"]}]}, 6)
        conditions += gen.samples(node.kw["if"], 6)
    w.emit_local(
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


def compare_any_of(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """``anyOf`` (and a swap between ``anyOf`` and ``oneOf`` over the same branches)."""
    _any_of(w, o, n, ctx, "anyOf")


def compare_one_of(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    """``oneOf``: monotone when its branches are pairwise disjoint on both sides, else opaque."""
    _any_of(w, o, n, ctx, "oneOf")


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
