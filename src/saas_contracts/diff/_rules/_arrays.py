"""Rules for the array keywords: ``uniqueItems``, ``prefixItems`` with ``items``, ``contains``.

``contains`` goes with its bounds ``minContains``/``maxContains``;
``unevaluatedItems`` beside in-place applicators is an applicator rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saas_contracts.diff._generate import PALETTE, AnyItem, Contains
from saas_contracts.diff._rules._bounds import compare_counts
from saas_contracts.diff._rules._common import IN_PLACE, as_dict

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._normalize import Node

__all__ = ["compare_contains", "compare_items", "compare_unique"]


def compare_unique(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = bool(o.kw.get("uniqueItems")), bool(n.kw.get("uniqueItems"))
    if before == after:
        return
    duplicates: list[Any] = []
    if not ctx.proof_only:
        arrays = w.o_gen.samples({**as_dict(o.raw), "minItems": 1, "uniqueItems": False}, 4)
        duplicates.extend([array[0], *array] for array in arrays if isinstance(array, list) and array)
    w.emit_local(
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


def compare_items(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    o_prefix: list[Any] = o.kw.get("prefixItems", [])
    n_prefix: list[Any] = n.kw.get("prefixItems", [])
    o_rest, o_opaque = _rest_items(o)
    n_rest, n_opaque = _rest_items(n)
    longest = max(len(o_prefix), len(n_prefix))
    o_cap, n_cap = _cap(o), _cap(n)
    for index in range(longest):
        before = (
            w.child(o, "old", "prefixItems", index)
            if index < len(o_prefix)
            else w.o_norm.node(o_rest, o.where("items"))
        )
        after = (
            w.child(n, "new", "prefixItems", index)
            if index < len(n_prefix)
            else w.n_norm.node(n_rest, n.where("items"))
        )
        # No array of a side has an item at or past its maxItems: that position holds nothing there.
        if o_cap is not None and index >= o_cap:
            before = w.o_norm.node(raw=False, base=before.base)
        if n_cap is not None and index >= n_cap:
            after = w.n_norm.node(raw=False, base=after.base)
        inner = ctx.step(index)
        w.walk(before, after, inner.opaque() if (o_opaque or n_opaque) else inner)
    if any(key in node.kw for key in ("items", "unevaluatedItems") for node in (o, n)):
        inner = ctx.step(AnyItem(longest))
        w.walk(
            w.o_norm.node(False if o_cap is not None and o_cap <= longest else o_rest, o.where("items")),
            w.n_norm.node(False if n_cap is not None and n_cap <= longest else n_rest, n.where("items")),
            inner.opaque() if (o_opaque or n_opaque) else inner,
        )


def _cap(node: Node) -> int | None:
    """``maxItems`` as a whole number of items, or None."""
    value = node.kw.get("maxItems")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def compare_contains(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("contains"), n.kw.get("contains")
    if before is None and after is None:
        return
    inner = ctx.step(Contains())
    if before is not None and after is not None:
        opaque = "maxContains" in o.kw or "maxContains" in n.kw
        w.walk(
            w.child(o, "old", "contains"),
            w.child(n, "new", "contains"),
            inner.opaque() if opaque else inner,
        )
        compare_counts(w, o, n, ctx, low="minContains", high="maxContains", family="array", low_default=1)
        return
    if after is not None:
        vacuous = n.kw.get("minContains") == 0
        w.emit_local(
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
        w.emit_local(
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


def _rest_items(node: Node) -> tuple[Any, bool]:
    """The schema for items past ``prefixItems``, and whether that is only known approximately."""
    if "items" in node.kw:
        return node.kw["items"], False
    if "unevaluatedItems" in node.kw:
        return node.kw["unevaluatedItems"], any(key in node.kw for key in (*IN_PLACE, "$ref"))
    return True, False
